from django.urls import reverse

from apps.documents.models import Status

from .conftest import make_version


def test_it_shows_the_collection_to_members_and_hides_it_from_outsiders(client, personas):
    url = reverse("documents:collection", args=[personas.collection.pk])
    for user in (personas.owner, personas.editor, personas.reader):
        client.force_login(user)
        assert client.get(url).status_code == 200
    client.force_login(personas.outsider)
    assert client.get(url).status_code == 404


def test_it_offers_upload_to_editors_but_not_to_readers(client, personas):
    url = reverse("documents:collection", args=[personas.collection.pk])
    client.force_login(personas.editor)
    assert b'id="upload-form"' in client.get(url).content
    client.force_login(personas.reader)
    assert b'id="upload-form"' not in client.get(url).content


def test_it_lists_documents_with_their_stage_status_and_errors(client, personas):
    make_version(personas, ingest=True)
    bad = make_version(personas, "broken.pdf", b"this is not a pdf at all, just text")
    client.force_login(personas.reader)
    r = client.get(reverse("documents:collection", args=[personas.collection.pk]))
    body = r.content.decode()
    assert "p101-manual" in body and 'data-status="ready"' in body
    assert bad.status == Status.FAILED and "the extension says .pdf" in body
    assert "Retry" not in body  # readers get no write buttons
