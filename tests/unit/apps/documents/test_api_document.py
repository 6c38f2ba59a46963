"""GET/DELETE /api/documents/<id>/"""

from apps.documents.models import Document
from retrieval.errors import IndexUnavailable

from .conftest import all_points, make_version


def test_members_see_the_version_history(client, personas):
    version = make_version(personas, ingest=True)
    url = f"/api/documents/{version.document_id}/"
    for user in (personas.owner, personas.editor, personas.reader):
        client.force_login(user)
        r = client.get(url)
        assert r.status_code == 200 and [v["number"] for v in r.json()["versions"]] == [1]
    client.force_login(personas.outsider)
    assert client.get(url).status_code == 404
    assert client.get("/api/documents/999/").status_code == 404


def test_editors_delete_readers_may_not(client, personas, fakes):
    version = make_version(personas, ingest=True)
    url = f"/api/documents/{version.document_id}/"
    client.force_login(personas.reader)
    assert client.delete(url).status_code == 403
    client.force_login(personas.outsider)
    assert client.delete(url).status_code == 404
    client.force_login(personas.editor)
    assert client.delete(url).status_code == 204
    assert not Document.objects.exists() and all_points(fakes.index, personas.collection.pk) == 0


def test_delete_answers_503_when_the_index_is_down(client, personas, monkeypatch):
    version = make_version(personas, ingest=True)

    def down():  # type: ignore[no-untyped-def]
        raise IndexUnavailable("qdrant unreachable")

    monkeypatch.setattr("config.wiring.vector_index", down)
    client.force_login(personas.owner)
    r = client.delete(f"/api/documents/{version.document_id}/")
    assert r.status_code == 503 and "Try deleting it again" in r.json()["error"]
    assert Document.objects.get().is_deleted
