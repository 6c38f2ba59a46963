from django.urls import reverse

from apps.qa.models import Answer


def _limit_asks(settings, rate: str) -> None:  # type: ignore[no-untyped-def]
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "ask": rate}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def test_the_portal_refuses_a_question_over_the_users_rate_with_when_to_ask_again(
    client, personas, qa_world, settings
):
    _limit_asks(settings, "2/min")
    qa_world.add_passage("c1", "Replace the battery cartridge.", personas.collection.pk)
    client.force_login(personas.reader)
    for _ in range(2):
        b"".join(client.post(reverse("qa:ask"), {"question": "battery?"}).streaming_content)
    r = client.post(reverse("qa:ask"), {"question": "battery?"})
    assert r.status_code == 429
    assert 0 < int(r["Retry-After"]) <= 60
    assert "faster than Kenning allows" in r.json()["error"] and r.json()["retry_after_s"] > 0
    assert Answer.objects.count() == 2  # the refused question started nothing


def test_the_rate_is_per_user(client, personas, qa_world, settings):
    _limit_asks(settings, "1/min")
    client.force_login(personas.reader)
    b"".join(client.post(reverse("qa:ask"), {"question": "battery?"}).streaming_content)
    assert client.post(reverse("qa:ask"), {"question": "battery?"}).status_code == 429
    client.force_login(personas.editor)
    assert client.post(reverse("qa:ask"), {"question": "battery?"}).status_code == 200


def test_the_api_refuses_a_question_over_the_rate_too(client, personas, qa_world, settings):
    _limit_asks(settings, "1/min")
    client.force_login(personas.reader)
    client.post("/api/qa/ask", {"question": "battery?"})
    r = client.post("/api/qa/ask", {"question": "battery?"})
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
