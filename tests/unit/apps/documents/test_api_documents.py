"""GET/POST /api/collections/<id>/documents/"""

import pytest

from apps.documents.models import Document, DocumentVersion

from .conftest import make_version, upload_file


@pytest.fixture
def url(personas):  # type: ignore[no-untyped-def]
    return f"/api/collections/{personas.collection.pk}/documents/"


def test_members_list_documents_with_their_current_version(client, personas, url):
    version = make_version(personas, ingest=True)
    for user in (personas.owner, personas.editor, personas.reader):
        client.force_login(user)
        r = client.get(url)
        assert r.status_code == 200
        [doc] = r.json()["results"]
        assert doc["current_version"]["id"] == version.pk and doc["current_version"]["status"] == "ready"
        assert doc["latest_version"]["chunk_count"] == version.chunk_count
    client.force_login(personas.outsider)
    assert client.get(url).status_code == 404


def test_anonymous_requests_are_refused(client, personas, url):
    assert client.get(url).status_code in (401, 403)


def test_editors_upload_and_get_201_then_200_for_the_same_bytes(client, personas, url, fakes):
    client.force_login(personas.editor)
    r = client.post(url, {"file": upload_file()})
    assert r.status_code == 201
    body = r.json()
    assert (
        body["created"] is True
        and body["version"]["status"] == "queued"
        and body["version"]["kind"] == "markdown"
    )
    again = client.post(url, {"file": upload_file("copy.md")})
    assert again.status_code == 200 and again.json()["version"]["id"] == body["version"]["id"]
    assert fakes.queued == [body["version"]["id"]]


def test_readers_get_403_and_outsiders_404_on_upload(client, personas, url):
    client.force_login(personas.reader)
    assert client.post(url, {"file": upload_file()}).status_code == 403
    client.force_login(personas.outsider)
    assert client.post(url, {"file": upload_file()}).status_code == 404
    assert not Document.objects.exists()


def test_upload_errors_are_json(client, personas, url, settings):
    client.force_login(personas.owner)
    r = client.post(url, {})
    assert r.status_code == 400 and "field 'file'" in r.json()["error"]
    settings.UPLOAD_MAX_BYTES = 2048
    r = client.post(url, {"file": upload_file("big.txt", b"y" * 5000)})
    assert r.status_code == 413 and "upload limit of 2 KB (2,048 bytes)" in r.json()["error"]
    assert not DocumentVersion.objects.exists()


def test_an_unsupported_file_is_recorded_as_failed_with_its_reason(client, personas, url):
    client.force_login(personas.owner)
    r = client.post(url, {"file": upload_file("archive.zip", b"PK\x03\x04" + b"\x00" * 100)})
    assert r.status_code == 201
    assert r.json()["version"]["status"] == "failed" and r.json()["version"]["error"].startswith(
        "archive.zip: "
    )


def _queries(client, page: str) -> int:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(page).status_code == 200
    return len(captured)


def _add_documents(personas, first: int, last: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(first, last):
        make_version(personas, name=f"manual-{i}.md", content=b"# Pump %d\n\nCheck the strainer." % i)


@pytest.mark.parametrize("page", ["/api/collections/{pk}/documents/", "/documents/collections/{pk}/"])
def test_listing_documents_costs_the_same_queries_for_3_or_12(client, personas, page):
    """Lists read every document's latest version with its own query (1.1-1.4 s p95 under load)."""
    page = page.format(pk=personas.collection.pk)
    client.force_login(personas.owner)
    _add_documents(personas, 0, 3)
    few = _queries(client, page)
    _add_documents(personas, 3, 12)
    assert _queries(client, page) == few
