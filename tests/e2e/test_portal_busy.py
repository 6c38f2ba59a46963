"""A busy Kenning tells the technician when to come back and asks again in one click (issue 16)."""

import pytest

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reader(django_user_model):  # type: ignore[no-untyped-def]
    from apps.accounts.models import Collection, Membership

    user = django_user_model.objects.create_user("busy-reader", password="pw-busy-123")
    collection = Collection.objects.create(name="Empty shelf")
    Membership.objects.create(user=user, collection=collection, role="reader")
    return user


def test_a_busy_portal_says_when_to_ask_again_and_the_retry_answers(page, live_stack, reader, settings):
    from apps.qa.models import Answer
    from apps.qa.slots import answer_slots

    settings.QA_CONCURRENT_ANSWERS = 1
    slots = answer_slots()
    slots.acquire().release()  # a recent answer took well under a second: the wait shown is ~1 s
    taken = slots.acquire()  # another technician's answer is streaming
    try:
        login(page, live_stack, "busy-reader", "pw-busy-123")
        page.fill("#ask-form textarea", "How do I reset alarm A-12?")
        page.click("#ask-button")
        failed = page.locator("#thread .turn .answer.failed").first
        failed.wait_for()
        assert failed.inner_text().startswith(
            "Kenning is busy answering 1 other questions; please ask again in"
        )
        retry = page.locator("#thread .turn .retry-ask").first
        retry.wait_for()
        assert Answer.objects.count() == 0  # a refused question stores nothing
    finally:
        taken.release()
    page.wait_for_function("() => !document.querySelector('.retry-ask').disabled")
    retry.click()
    # The same question again, now taken: it reaches the pipeline and is stored, whatever the
    # (empty) collection then answers.
    second = page.locator("#thread .turn").nth(1)
    second.locator(".feedback, .answer.failed").first.wait_for()
    assert second.locator(".question").inner_text() == "How do I reset alarm A-12?"
    assert "busy" not in second.locator(".answer").inner_text()
    assert Answer.objects.get().question == "How do I reset alarm A-12?"
