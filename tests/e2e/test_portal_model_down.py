"""The answer model down in the middle of an answer: the portal says when to try again and the
same question, asked again in one click once the model is back, is answered (issue 16)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.e2e.conftest import login
from tests.integration.documents.conftest import wait_until_settled

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NOTE = b"""# UPS service note

If the UPS reports battery disconnected, replace the battery cartridge and check the connector.
"""
QUESTION = "The UPS reports battery disconnected. What should I replace?"


@pytest.fixture
def ready_note(django_user_model, live_stack):  # type: ignore[no-untyped-def]
    from apps.accounts.models import Collection, Membership
    from apps.documents import services

    user = django_user_model.objects.create_user("night-shift", password="pw-night-123")
    collection = Collection.objects.create(name="UPS room")
    Membership.objects.create(user=user, collection=collection, role="editor")
    version, _ = services.accept_upload(user, collection, SimpleUploadedFile("ups-note.md", NOTE))
    done = wait_until_settled(version.pk, timeout_s=300)
    assert done.status == "ready", done.error
    return user


def test_a_model_down_mid_answer_offers_ask_again_which_answers_once_it_is_back(
    page, live_stack, ready_note, settings
):
    from config import wiring

    serving = settings.MODEL_SERVER_URL
    settings.MODEL_SERVER_URL = "http://127.0.0.1:9"  # nothing listens: the model is down
    wiring.model_client.cache_clear()
    login(page, live_stack, "night-shift", "pw-night-123")
    page.fill("#ask-form textarea", QUESTION)
    page.click("#ask-button")
    failed = page.locator("#thread .turn .answer.failed").first
    failed.wait_for()
    # The sources were found first; the model's part failed in the stream, with a wait.
    assert failed.inner_text() == "The answer model is unavailable right now; try again in 5 s."
    retry = page.locator("#thread .turn .retry-ask").first
    assert retry.is_disabled() and retry.inner_text().startswith("Ask again in")
    assert page.locator("#ask-button").is_disabled()

    settings.MODEL_SERVER_URL = serving  # the model is back
    wiring.model_client.cache_clear()
    page.wait_for_function("() => !document.querySelector('.retry-ask').disabled")
    retry.click()
    second = page.locator("#thread .turn").nth(1)
    second.locator(".feedback, .answer.failed").first.wait_for()
    assert "failed" not in (second.locator(".answer").get_attribute("class") or ""), second.inner_text()
    assert second.locator(".question").inner_text() == QUESTION
