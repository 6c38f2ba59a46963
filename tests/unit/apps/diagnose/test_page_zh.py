"""The Diagnose page in Chinese: what reaches it as the graph's values (the asset's entity type, the
score's parts, a chain step's relation) is shown translated, not as the schema's English names."""

from django.urls import reverse

from tests.unit.apps.diagnose.test_results import engine  # noqa: F401  (the fixture)


def test_the_page_names_the_asset_type_score_parts_and_relations_in_chinese(client, personas, engine):  # noqa: F811
    client.force_login(personas.reader)
    html = client.get(
        reverse("diagnose:page"), {"symptom": "H-301", "asset": "PRESS-1"}, HTTP_ACCEPT_LANGUAGE="zh-CN"
    ).content.decode()
    # Seen in Chromium: "设备：D（Equipment）", "(manual 0.82)".
    assert "设备：PRESS-1（设备）" in html and "(Equipment)" not in html and "（Equipment）" not in html
    assert "(手册 1.00 + 历史 0.40 + 相似记录 0.13)" in html and "manual 1.00" not in html
    assert "—处理方法→" in html and "REMEDIED_BY" not in html
