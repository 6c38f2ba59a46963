from django.urls import reverse

from apps.documents import services

from .conftest import MANUAL_MD, make_version, upload_file


def test_it_shows_the_version_history_to_members_only(client, personas):
    version = make_version(personas, ingest=True)
    services.replace_document(personas.owner, version.document, upload_file("v2.md", MANUAL_MD + b"\nv2"))
    url = reverse("documents:document", args=[version.document_id])
    for user in (personas.owner, personas.editor, personas.reader):
        client.force_login(user)
        r = client.get(url)
        assert r.status_code == 200
        body = r.content.decode()
        assert "v1" in body and "v2" in body and "searchable" in body
    client.force_login(personas.outsider)
    assert client.get(url).status_code == 404


def test_only_writers_see_replace_and_delete(client, personas):
    version = make_version(personas, ingest=True)
    url = reverse("documents:document", args=[version.document_id])
    client.force_login(personas.editor)
    assert b'id="replace"' in client.get(url).content
    client.force_login(personas.reader)
    body = client.get(url).content
    assert b'id="replace"' not in body and b"Delete this document" not in body


def test_a_missing_document_is_404(client, personas):
    client.force_login(personas.owner)
    assert client.get(reverse("documents:document", args=[999])).status_code == 404
