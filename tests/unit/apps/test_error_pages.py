"""403 and 404 pages are Kenning pages (base layout), JSON under /api/; they reveal no internals."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_an_unknown_page_gets_the_styled_404(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("tech", password="pw-tech-123"))
    r = client.get("/no/such/page/")
    assert r.status_code == 404
    html = r.content.decode()
    assert 'class="topbar"' in html and "Not found" in html and "kenning.css" in html
    assert "URLconf" not in html and "Using the URLconf" not in html


def test_a_reader_writing_gets_the_styled_403_with_the_reason(client, personas):
    client.force_login(personas.reader)
    r = client.post(reverse("documents:upload", args=[personas.collection.pk]))
    assert r.status_code == 403
    html = r.content.decode()
    assert (
        'class="topbar"' in html and "Not allowed" in html and "Readers cannot change this collection" in html
    )


def test_an_outsider_gets_the_styled_404_for_a_collection(client, personas):
    client.force_login(personas.outsider)
    r = client.get(reverse("documents:collection", args=[personas.collection.pk]))
    assert r.status_code == 404 and b'class="topbar"' in r.content


@pytest.mark.django_db
def test_an_unknown_api_path_answers_json(client):
    r = client.get("/api/no-such-endpoint")
    assert r.status_code == 404 and r.json()["status"] == 404
