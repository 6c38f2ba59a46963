"""A deleted document is gone for everyone who reads: page, file, API and versions answer 404."""

from django.urls import reverse

from apps.documents.models import Document

from .conftest import make_version


def _deleted(personas):  # type: ignore[no-untyped-def]
    version = make_version(personas, ingest=True)
    Document.objects.filter(pk=version.document_id).update(is_deleted=True, delete_error="index down")
    return version


def test_members_cannot_download_a_deleted_documents_file(client, personas):
    version = _deleted(personas)
    for user in (personas.reader, personas.editor, personas.owner):
        client.force_login(user)
        assert client.get(reverse("documents:file", args=[version.document_id])).status_code == 404
        assert client.get(reverse("documents:document", args=[version.document_id])).status_code == 404
        assert client.get(f"/api/documents/{version.document_id}/").status_code == 404
        assert client.get(f"/api/versions/{version.pk}/").status_code == 404


def test_a_live_documents_file_is_still_served(client, personas):
    version = make_version(personas, ingest=True)
    client.force_login(personas.reader)
    assert client.get(reverse("documents:file", args=[version.document_id])).status_code == 200


def test_a_writer_may_ask_again_to_delete_a_half_deleted_document(client, personas):
    version = _deleted(personas)
    client.force_login(personas.editor)
    assert client.delete(f"/api/documents/{version.document_id}/").status_code == 204
    assert not Document.objects.filter(pk=version.document_id).exists()
