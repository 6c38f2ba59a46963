"""The Diagnose page and API: login, bad input, and users with no readable collection (no graph read)."""

from django.urls import reverse


def test_the_page_needs_a_login(client):
    r = client.get(reverse("diagnose:page"))
    assert r.status_code == 302 and "/accounts/login" in r["Location"]


def test_the_empty_form_renders_with_autocomplete_lists(client, personas):
    client.force_login(personas.reader)
    r = client.get(reverse("diagnose:page"))
    assert r.status_code == 200
    assert b'id="diagnose-form"' in r.content and b'id="symptom-options"' in r.content
    assert b'id="diagnose-result"' not in r.content


def test_an_empty_symptom_is_a_400_with_the_reason(client, personas):
    client.force_login(personas.reader)
    r = client.get(reverse("diagnose:page"), {"symptom": "  ", "asset": "A"})
    assert r.status_code == 400 and b'id="diagnose-errors"' in r.content


def test_the_api_rejects_a_missing_or_too_long_symptom(client, personas):
    client.force_login(personas.reader)
    assert client.get(reverse("diagnose:api-diagnose")).status_code == 400
    r = client.get(reverse("diagnose:api-diagnose"), {"symptom": "x" * 501})
    assert r.status_code == 400 and "500" in r.json()["error"]
    r = client.get(reverse("diagnose:api-suggest"), {"q": "ram", "kind": "people"})
    assert r.status_code == 400


def test_an_outsider_gets_no_causes_and_no_suggestions(client, personas):
    client.force_login(personas.outsider)
    r = client.get(reverse("diagnose:api-diagnose"), {"symptom": "H-301", "asset": "PRESS-1"})
    assert r.status_code == 200 and r.json()["causes"] == [] and r.json()["asset"] is None
    assert client.get(reverse("diagnose:api-suggest"), {"q": "ram", "kind": "symptom"}).json() == []
    r = client.get(reverse("diagnose:page"), {"symptom": "H-301"})
    assert r.status_code == 200 and b'id="diagnose-empty"' in r.content


def test_the_api_is_in_the_openapi_schema(client, personas):
    client.force_login(personas.reader)
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
    assert "/api/diagnose" in schema["paths"] and "/api/diagnose/suggest" in schema["paths"]
    assert "Diagnosis" in schema["components"]["schemas"]
