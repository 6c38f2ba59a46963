"""Nothing relevant found: the portal says so in the evidence panel and lists the search's nearest
passages there under a heading that says they may not answer the question (seen in Chromium on
'asdfgh qwerty zzz': "No relevant passage found." beside a bare "Closest passages:" list)."""

import json

import pytest
from django.urls import reverse

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reader(django_user_model):  # type: ignore[no-untyped-def]
    from apps.accounts.models import Collection, Membership

    user = django_user_model.objects.create_user("nf-reader", password="pw-nf-123")
    Membership.objects.create(user=user, collection=Collection.objects.create(name="Shelf"), role="reader")
    return user


def test_the_closest_passages_sit_in_the_evidence_panel_headed_as_such(page, live_server, reader):
    closest = [{"chunk_id": f"c{i}", "label": f"excavator-work-orders (XLSX) {i}"} for i in (1, 2, 3)]
    events = [
        {"event": "sources", "sources": [], "facts": [], "retrieval_ms": 1.0, "notices": []},
        {"event": "delta", "text": "I could not find this in the documents you can access."},
        {  # as apps.qa.services._finish_not_found sends it
            "event": "done",
            "answer_id": 1,
            "text": "I could not find this in the documents you can access.",
            "citations": [],
            "sentences": [],
            "not_found": True,
            "fell_back": False,
            "evidence": None,
            "timings": {"retrieval_ms": 1.0},
            "model": "",
            "grounded": False,
            "closest": closest,
        },
    ]
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events)
    # The server's not-found stream, canned: the test is about how the page lays it out.
    page.route(
        f"{live_server.url}{reverse('qa:ask')}",
        lambda route: route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=body),
    )
    login(page, live_server, "nf-reader", "pw-nf-123")
    page.fill("#ask-form textarea", "asdfgh qwerty zzz")
    page.click("#ask-button")
    panel = page.locator("#sources")
    # the done event was handled (or the turn failed: say how)
    page.locator("#thread .turn .feedback, #thread .turn .answer.failed").first.wait_for(timeout=30_000)
    assert page.locator("#thread .turn .feedback").count() == 1, page.locator("#thread").inner_text()
    text = panel.inner_text()
    assert text.index("No relevant passage found.") < text.index(
        "Closest passages (they may not answer the question)"
    )
    assert [a.get_attribute("href") for a in panel.locator(".closest a").all()] == [
        reverse("qa:passage", args=[c["chunk_id"]]) for c in closest
    ]
    assert "Closest passages" not in page.locator("#thread .turn .meta").inner_text()
