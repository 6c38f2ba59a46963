import pytest
from django.urls import reverse

from apps.documents.models import Document, DocumentVersion, Passage
from retrieval.errors import IndexUnavailable

from .conftest import all_points, make_version


@pytest.fixture
def version(personas):  # type: ignore[no-untyped-def]
    return make_version(personas, ingest=True)


def test_it_asks_for_confirmation_first(client, personas, version):
    client.force_login(personas.editor)
    r = client.get(reverse("documents:delete", args=[version.document_id]))
    assert r.status_code == 200 and b"cannot be undone" in r.content
    assert Document.objects.exists()


def test_it_forbids_readers_and_hides_from_outsiders(client, personas, version):
    url = reverse("documents:delete", args=[version.document_id])
    client.force_login(personas.reader)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    client.force_login(personas.outsider)
    assert client.post(url).status_code == 404
    assert Document.objects.filter(is_deleted=False).count() == 1


def test_it_removes_passages_facts_rows_and_the_file(client, personas, version, fakes, media_root):
    path = media_root / version.file_path
    assert path.exists() and all_points(fakes.index, personas.collection.pk) > 0
    client.force_login(personas.editor)
    r = client.post(reverse("documents:delete", args=[version.document_id]))
    assert r.status_code == 302
    assert all_points(fakes.index, personas.collection.pk) == 0
    assert fakes.graph.versions == {}
    assert (
        not Document.objects.exists()
        and not DocumentVersion.objects.exists()
        and not Passage.objects.exists()
    )
    assert not path.exists()


def test_when_the_index_is_down_it_keeps_everything_and_says_so(
    client, personas, version, fakes, monkeypatch
):
    def down():  # type: ignore[no-untyped-def]
        raise IndexUnavailable("qdrant unreachable")

    monkeypatch.setattr("config.wiring.vector_index", down)
    client.force_login(personas.editor)
    r = client.post(reverse("documents:delete", args=[version.document_id]))
    assert r.status_code == 503 and b"passage index is unavailable" in r.content
    document = Document.objects.get()
    assert document.is_deleted and "unavailable" in document.delete_error
    assert DocumentVersion.objects.live_ids() == []  # hidden from answers at once
    assert fakes.graph.versions  # nothing half-removed: the graph still has it

    monkeypatch.setattr("config.wiring.vector_index", lambda: fakes.index)
    assert client.post(reverse("documents:delete", args=[document.pk])).status_code == 302
    assert not Document.objects.exists() and all_points(fakes.index, personas.collection.pk) == 0


def test_a_file_shared_with_another_collection_is_kept(client, personas, version, media_root):
    from apps.accounts.models import Collection, Membership, Role
    from apps.documents import services

    from .conftest import upload_file

    other = Collection.objects.create(name="Other")
    Membership.objects.create(user=personas.owner, collection=other, role=Role.ADMIN)
    services.accept_upload(personas.owner, other, upload_file())
    client.force_login(personas.owner)
    client.post(reverse("documents:delete", args=[version.document_id]))
    assert (media_root / version.file_path).exists()
