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


FAULT_TABLE = Path(__file__).resolve().parents[1] / "data" / "hydraulic-press-faults.md"


def test_a_fault_code_question_gets_the_cited_cause_card_first_with_the_code_unaltered(page, live_stack, editor):
    login(page, live_stack, "tech", "pw-tech-123")
    page.goto(f"{live_stack.url}/documents/collections/{editor.pk}/")
    page.set_input_files("#file-input", str(FAULT_TABLE))
    page.locator(".upload-list .version-status").first.wait_for()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.upload-list .version-status')].some(b => b.dataset.status === 'ready')",
        timeout=600_000,
    )

    page.goto(f"{live_stack.url}/")
    page.fill("#ask-form textarea", "The press shows error H-301 and the ram drifts down under load. What should I check?")
    page.click("#ask-button")
    card = page.locator("#thread .turn .evidence-answer").last
    card.wait_for(timeout=120_000)  # before the model's answer: it arrives with the sources
    first = card.locator("li.cause").first
    assert first.locator(".cause-name").inner_text() == "worn piston seal"
    assert "replace seal kit" in first.locator(".fix").inner_text()
    assert "HS-4410" in first.locator(".parts").inner_text()
    citation = first.locator("a.cite").first
    assert re.fullmatch(r"\[\d+\]", citation.inner_text())

    turn = page.locator("#thread .turn").last
    page.wait_for_selector("#thread .turn .feedback, #thread .turn .answer.failed", timeout=300_000)
    # The card is shown above the model's answer, and nothing on the turn alters the codes.
    order = turn.evaluate(
        "t => [...t.children].map(c => c.className).filter(c => /evidence-answer|answer/.test(c))"
    )
    assert order[0] == "evidence-answer"
    text = turn.inner_text()
    assert "HS-4410" in text and not re.search(r"HS-44(?!10)\d\d", text)
    number = citation.inner_text().strip("[]")
    source = page.locator(f"#source-{number}")
    assert "H-301" in source.inner_text()

    # Reopened later, the conversation shows the same card and marks.
    page.goto(f"{live_stack.url}/")
    page.locator(".conversations .list a").first.click()
    assert "worn piston seal" in page.locator("#thread .turn .evidence-answer").last.inner_text()
