"""A Chinese-speaking technician in a real browser: switch the portal to 中文, upload a Chinese
manual with a troubleshooting table, ask in Chinese, get the cited cause with the right part number.

The test profile serves small SmolLM2 models whose prose is not asserted on; the cause card (from
the graph's Symptom -> Cause -> Action -> Part chain of the Chinese table) is deterministic.
"""

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

READY = (
    "() => [...document.querySelectorAll('.upload-list .version-status')]"
    ".some(b => b.dataset.status === 'ready')"
)
MANUAL = Path(__file__).resolve().parents[2] / "sample_data" / "manuals_zh" / "kp50-pump-maintenance-zh.md"


@pytest.fixture
def editor(django_user_model):
    from apps.accounts.models import Collection, Membership

    user = django_user_model.objects.create_user("jishu", password="pw-jishu-123")
    collection = Collection.objects.create(name="泵房")
    Membership.objects.create(user=user, collection=collection, role="editor")
    return collection


def test_a_chinese_question_gets_the_cited_cause_and_part_in_the_chinese_portal(page, live_stack, editor):
    login(page, live_stack, "jishu", "pw-jishu-123")
    with page.expect_navigation():
        page.select_option("#language-select", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("header nav").inner_text().startswith("提问")

    page.goto(f"{live_stack.url}/documents/collections/{editor.pk}/")
    assert "将手册或记录导出文件拖放到此处" in page.locator("#dropzone").inner_text()
    page.set_input_files("#file-input", str(MANUAL))
    page.locator(".upload-list .version-status").first.wait_for()
    page.wait_for_function(READY, timeout=600_000)
    assert "就绪" in page.locator(".upload-list .version-status").first.inner_text()

    page.goto(f"{live_stack.url}/")
    page.fill("#ask-form textarea", "机械密封泄漏，故障代码 E-23，应该怎么处理？")
    page.click("#ask-button")
    card = page.locator("#thread .turn .evidence-answer").last
    card.wait_for(timeout=120_000)
    assert "手册中的可能原因" in card.inner_text()
    first = card.locator("li.cause").first
    assert first.locator(".cause-name").inner_text() == "动环与静环密封面磨损"
    assert "更换机械密封组件" in first.locator(".fix").inner_text()
    assert "MS-5020" in first.locator(".parts").inner_text()
    citation = first.locator("a.cite").first
    assert re.fullmatch(r"\[\d+\]", citation.inner_text())

    page.wait_for_selector("#thread .turn .feedback, #thread .turn .answer.failed", timeout=300_000)
    number = citation.inner_text().strip("[]")
    source = page.locator(f"#source-{number}").inner_text()
    assert "第四章 故障排除" in source and "备件编号" in source  # the Chinese table, as written
