"""GET /api/versions/<id>/, POST /api/versions/<id>/retry/, GET /api/collections/<id>/versions/"""

from .conftest import make_version


def test_members_read_a_versions_status(client, personas):
    version = make_version(personas)
    for user in (personas.owner, personas.editor, personas.reader):
        client.force_login(user)
        r = client.get(f"/api/versions/{version.pk}/")
        assert r.status_code == 200
        body = r.json()
        assert (
            body["status"] == "queued"
            and body["stage"] == "stored"
            and body["progress"] == {"done": 0, "total": 0}
        )
    client.force_login(personas.outsider)
    assert client.get(f"/api/versions/{version.pk}/").status_code == 404


def test_writers_retry_failed_versions(client, personas):
    version = make_version(personas, "bad.pdf", b"%PDF-1.4 nope", ingest=True)
    url = f"/api/versions/{version.pk}/retry/"
    client.force_login(personas.reader)
    assert client.post(url).status_code == 403
    client.force_login(personas.outsider)
    assert client.post(url).status_code == 404
    client.force_login(personas.editor)
    r = client.post(url)
    assert r.status_code == 202 and r.json()["status"] == "queued"
    assert client.post(url).status_code == 409


def test_the_collection_status_poll_returns_the_asked_versions(client, personas):
    a = make_version(personas)
    b = make_version(personas, "b.md", b"# B\n\nsecond file")
    client.force_login(personas.reader)
    r = client.get(f"/api/collections/{personas.collection.pk}/versions/?ids={a.pk},{b.pk}")
    assert r.status_code == 200 and [v["id"] for v in r.json()] == [a.pk, b.pk]
    client.force_login(personas.outsider)
    assert client.get(f"/api/collections/{personas.collection.pk}/versions/").status_code == 404
