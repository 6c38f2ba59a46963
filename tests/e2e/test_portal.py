"""The technician's path in a real browser: upload a real manual, wait for it, ask, open the citation."""

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = Path(__file__).resolve().parents[2] / "sample_data" / "manuals" / "linuxcnc-integrator-information.pdf"


@pytest.fixture
def editor(django_user_model):
    from apps.accounts.models import Collection, Membership

    user = django_user_model.objects.create_user("tech", password="pw-tech-123")
    collection = Collection.objects.create(name="Machine shop")
    Membership.objects.create(user=user, collection=collection, role="editor")
    return collection


def test_upload_a_manual_ask_and_open_the_cited_page(page, live_stack, editor):
    login(page, live_stack, "tech", "pw-tech-123")
    page.goto(f"{live_stack.url}/documents/collections/{editor.pk}/")
    page.set_input_files("#file-input", str(PDF))
    status = page.locator(".upload-list .version-status").first
    status.wait_for()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.upload-list .version-status')].some(b => b.dataset.status === 'ready')",
        timeout=600_000,
    )

    page.goto(f"{live_stack.url}/")
    page.fill(
        "#ask-form textarea",
        "The home switch input registers several times per press. What debounce delay should I use?",
    )
    page.click("#ask-button")
    answer = page.locator("#thread .turn .answer").last
    page.wait_for_selector("#thread .turn .feedback, #thread .turn .answer.failed", timeout=300_000)
    assert "failed" not in (answer.get_attribute("class") or ""), answer.inner_text()
    assert answer.inner_text().strip()

    # The numbered source holding the answer is on page 19 of the PDF; open it from its citation.
    cited = page.locator("#sources .source a", has_text=re.compile(r"p\. 19\b")).first
    cited.wait_for()
    with page.expect_popup() as popup_info:
        cited.click()
    viewer = popup_info.value
    viewer.wait_for_load_state()
    assert "Page 19" in viewer.locator(".passage-viewer .muted").first.inner_text()
    assert "5-15 milliseconds" in viewer.locator("#cited-passage").inner_text()
    assert viewer.locator("#open-original").get_attribute("href").endswith("#page=19")
