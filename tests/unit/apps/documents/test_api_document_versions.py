"""POST /api/documents/<id>/versions/ (replace)"""

from .conftest import MANUAL_MD, make_version, upload_file


def test_editors_replace_a_document(client, personas, fakes):
    version = make_version(personas, ingest=True)
    url = f"/api/documents/{version.document_id}/versions/"
    client.force_login(personas.editor)
    r = client.post(url, {"file": upload_file("v2.md", MANUAL_MD + b"\nRevised.")})
    assert r.status_code == 201
    body = r.json()
    assert body["version"]["number"] == 2 and body["version"]["is_current"] is False
    assert body["document"]["current_version"]["id"] == version.pk
    assert fakes.queued[-1] == body["version"]["id"]


def test_readers_get_403_and_outsiders_404(client, personas):
    version = make_version(personas, ingest=True)
    url = f"/api/documents/{version.document_id}/versions/"
    client.force_login(personas.reader)
    assert client.post(url, {"file": upload_file("v2.md", b"# new")}).status_code == 403
    client.force_login(personas.outsider)
    assert client.post(url, {"file": upload_file("v2.md", b"# new")}).status_code == 404
    assert version.document.versions.count() == 1
