"""What the server itself says to the portal (busy, refused input, failures mid-answer) comes in
the request's language: a zh-Hans request reads Chinese, an English one English."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from apps.qa.models import Answer
from apps.qa.slots import answer_slots

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,en;q=0.5"}
BATTERY = "If the UPS reports battery disconnected, replace the battery cartridge and check the connector."


def _events(response):
    body = b"".join(response.streaming_content).decode()
    return [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]


def test_a_busy_portal_says_so_in_chinese_and_stores_nothing(client, personas, qa_world, settings):
    settings.QA_CONCURRENT_ANSWERS = 1
    client.force_login(personas.reader)
    taken = answer_slots().acquire()
    try:
        for url in (reverse("qa:ask"), reverse("qa:api-ask")):
            r = client.post(url, {"question": "battery disconnected"}, HTTP_ACCEPT="application/json", **ZH)
            assert r.status_code == 503
            assert r.json()["error"].startswith("Kenning 正在回答另外 1 个问题，请约 ") and r.json()[
                "error"
            ].endswith(f"{r['Retry-After']} 秒后再问。")
        r = client.post(
            reverse("qa:ask"), {"question": "battery disconnected"}, HTTP_ACCEPT="application/json"
        )
        assert r.json()["error"].startswith("Kenning is busy answering 1 other questions")
    finally:
        taken.release()
    assert not Answer.objects.exists()


@pytest.mark.parametrize("url", ["qa:ask", "qa:api-ask"])
def test_an_empty_question_is_refused_in_chinese(client, personas, qa_world, url):
    client.force_login(personas.reader)
    r = client.post(reverse(url), {"question": "  "}, HTTP_ACCEPT="application/json", **ZH)
    assert r.status_code == 400 and r.json()["error"] == "请输入问题。"
    r = client.post(reverse(url), {"question": "  "}, HTTP_ACCEPT="application/json")
    assert r.json()["error"] == "Please type a question."
    assert not Answer.objects.exists()


def test_a_too_long_question_is_refused_in_chinese_with_the_numbers(client, personas, qa_world):
    client.force_login(personas.reader)
    r = client.post(reverse("qa:ask"), {"question": "x" * 10_000}, HTTP_ACCEPT="application/json", **ZH)
    assert r.status_code == 400
    assert r.json()["error"].startswith("问题长 10,000 个字符，上限为 4,000。")


def test_a_body_that_is_not_json_is_refused_in_chinese(client, personas, qa_world):
    client.force_login(personas.reader)
    r = client.post(reverse("qa:ask"), "{not json", content_type="application/json", **ZH)
    assert r.status_code == 400 and "不是有效的 JSON" in r.content.decode()


def test_a_failure_mid_stream_is_told_in_the_requests_language(client, personas, qa_world):
    from model.errors import ModelUnavailable

    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    qa_world.model.error = ModelUnavailable("model server at http://127.0.0.1:1 is not reachable")
    client.force_login(personas.reader)
    r = client.post(reverse("qa:ask"), {"question": "battery disconnected"}, **ZH)
    with translation.override("en"):  # the stream is read after the view returned
        last = _events(r)[-1]
    assert last["event"] == "error" and last["message"] == "回答模型暂时无法使用，请 5 秒后重试。"
    assert Answer.objects.get().error == last["message"]


def test_every_server_message_has_a_compiled_chinese_translation():
    """The messages wrapped for translation in the Q&A flow and the error pages all read Chinese."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[4]
    files = [
        "apps/qa/services.py",
        "apps/qa/views.py",
        "apps/qa/forms.py",
        "apps/qa/api.py",
        "apps/qa/slots.py",
        "apps/qa/answer_language.py",
        "apps/qa/evidence.py",
        "apps/accounts/throttles.py",
        "config/errors.py",
    ]
    found, missing = 0, []
    with translation.override("zh-hans"):
        for name in files:
            for node in ast.walk(ast.parse((root / name).read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", "") in ("_", "gettext", "gettext_lazy")
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                ):
                    found += 1
                    if translation.gettext(node.args[0].value) == node.args[0].value:
                        missing.append(f"{name}: {node.args[0].value!r}")
    assert found >= 20  # the files were read
    assert missing == [], "untranslated (add to locale/zh_Hans and compile):\n" + "\n".join(missing)


def test_the_graph_notice_follows_a_chinese_question_else_the_portals_language():
    from apps.qa.evidence import GRAPH_LEFT_OUT, graph_notice

    chinese = "知识图谱暂时无法访问，本回答仅依据文档段落。"
    with translation.override("zh-hans"):
        assert graph_notice("battery disconnected, what do I check?") == chinese
    with translation.override("en"):
        assert graph_notice("电池断开了，我该检查什么？") == chinese
        assert graph_notice("battery disconnected, what do I check?") == GRAPH_LEFT_OUT
