from django.urls import reverse

from apps.documents.models import Status

from .conftest import make_version


def failed_version(personas):  # type: ignore[no-untyped-def]
    return make_version(personas, "broken.pdf", b"%PDF-1.4 truncated", ingest=True)


def test_writers_may_retry_a_failed_version(client, personas, fakes):
    version = failed_version(personas)
    assert version.status == Status.FAILED
    client.force_login(personas.editor)
    r = client.post(reverse("documents:retry", args=[version.pk]), headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.json()["version"]["status"] == "queued"
    assert fakes.queued == [version.pk, version.pk]  # the upload, then the retry


def test_readers_may_not_retry_and_outsiders_see_nothing(client, personas):
    version = failed_version(personas)
    url = reverse("documents:retry", args=[version.pk])
    client.force_login(personas.reader)
    assert client.post(url).status_code == 403
    client.force_login(personas.outsider)
    assert client.post(url).status_code == 404
    version.refresh_from_db()
    assert version.status == Status.FAILED


def test_it_refuses_to_retry_a_version_that_did_not_fail(client, personas):
    version = make_version(personas, ingest=True)
    client.force_login(personas.owner)
    r = client.post(reverse("documents:retry", args=[version.pk]), headers={"Accept": "application/json"})
    assert r.status_code == 409


def test_the_form_retry_returns_to_the_page_it_came_from(client, personas):
    version = failed_version(personas)
    client.force_login(personas.owner)
    back = reverse("documents:document", args=[version.document_id])
    r = client.post(reverse("documents:retry", args=[version.pk]), {"next": back})
    assert r.status_code == 302 and r["Location"] == back
    r = client.post(reverse("documents:retry", args=[version.pk]), {"next": "https://evil.example/"})
    assert r.status_code == 409  # already queued; and an outside "next" is never followed
