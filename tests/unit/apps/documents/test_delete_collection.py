"""Deleting a collection removes what is in it everywhere: index, graph, files, rows."""

import pytest
from django.urls import reverse

from apps.accounts.models import Collection, Membership, Role
from apps.documents import services
from apps.documents.models import Document, DocumentVersion, Passage
from config.errors import UserError
from retrieval.errors import IndexUnavailable

from .conftest import MANUAL_MD, all_points, make_version, upload_file


@pytest.fixture
def two_collections(personas):  # type: ignore[no-untyped-def]
    """The personas' collection with two ingested manuals, and another collection with one."""
    first = make_version(personas, ingest=True)
    second = make_version(personas, "p102-manual.md", MANUAL_MD.replace(b"P-101", b"P-102"), ingest=True)
    other = Collection.objects.create(name="Other")
    Membership.objects.create(user=personas.owner, collection=other, role=Role.ADMIN)
    kept, _ = services.accept_upload(
        personas.owner, other, upload_file("p103-manual.md", MANUAL_MD + b"\nP-103")
    )
    services.run_ingest(kept.pk, worker="test")
    return first, second, other


def test_it_removes_every_document_everywhere_and_leaves_other_collections(
    personas, two_collections, fakes, media_root
):
    first, second, other = two_collections
    paths = [media_root / v.file_path for v in (first, second)]
    assert all(p.exists() for p in paths) and all_points(fakes.index, personas.collection.pk) > 0

    assert services.delete_collection(personas.collection) == 2

    assert not Collection.objects.filter(pk=personas.collection.pk).exists()
    assert all_points(fakes.index, personas.collection.pk) == 0
    assert set(fakes.graph.versions) == {str(v) for v in DocumentVersion.objects.values_list("pk", flat=True)}
    assert not any(p.exists() for p in paths)
    assert list(Document.objects.values_list("collection_id", flat=True)) == [other.pk]
    assert all_points(fakes.index, other.pk) > 0 and Passage.objects.filter(
        version__document__collection=other
    )


def test_points_no_document_row_knows_of_are_swept_too(personas, two_collections, fakes):
    from retrieval.index.base import SearchFilter

    # As if a worker had died after writing points and before its version row was saved.
    Passage.objects.filter(version__document__collection=personas.collection).delete()
    Document.objects.filter(collection=personas.collection).update(current_version=None)
    DocumentVersion.objects.filter(document__collection=personas.collection).delete()
    Document.objects.filter(collection=personas.collection).delete()
    assert fakes.index.count(SearchFilter.build([personas.collection.pk])) > 0
    services.delete_collection(personas.collection)
    assert all_points(fakes.index, personas.collection.pk) == 0


@pytest.fixture
def index_down(monkeypatch):  # type: ignore[no-untyped-def]
    def down():  # type: ignore[no-untyped-def]
        raise IndexUnavailable("qdrant unreachable")

    monkeypatch.setattr("config.wiring.vector_index", down)


def test_when_the_index_is_down_the_collection_stays_and_a_second_try_finishes(
    personas, two_collections, fakes, monkeypatch, index_down
):
    with pytest.raises(UserError, match="unavailable") as caught:
        services.delete_collection(personas.collection)
    assert caught.value.status == 503
    assert Collection.objects.filter(pk=personas.collection.pk).exists()
    assert DocumentVersion.objects.live_ids([personas.collection.pk]) == []  # hidden at once
    assert len(fakes.graph.versions) == 3  # nothing half-removed from the graph

    monkeypatch.setattr("config.wiring.vector_index", lambda: fakes.index)
    assert services.delete_collection(personas.collection) == 2
    assert not Collection.objects.filter(pk=personas.collection.pk).exists()
    assert all_points(fakes.index, personas.collection.pk) == 0 and len(fakes.graph.versions) == 1


@pytest.fixture
def admin_client(client, django_user_model):  # type: ignore[no-untyped-def]
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root"))
    return client


def test_the_admin_delete_page_removes_the_contents_too(admin_client, personas, two_collections, fakes):
    url = reverse("admin:accounts_collection_delete", args=[personas.collection.pk])
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Collection.objects.filter(pk=personas.collection.pk).exists()
    assert all_points(fakes.index, personas.collection.pk) == 0


def test_the_admin_delete_page_reports_a_down_index_and_keeps_the_collection(
    admin_client, personas, two_collections, index_down
):
    url = reverse("admin:accounts_collection_delete", args=[personas.collection.pk])
    response = admin_client.post(url, {"post": "yes"}, follow=True)
    assert b"could not be removed yet" in response.content
    assert b"was deleted successfully" not in response.content
    assert Collection.objects.filter(pk=personas.collection.pk).exists()


def test_the_admin_list_offers_only_the_deleting_action_that_cleans_up(
    admin_client, personas, two_collections, fakes
):
    changelist = reverse("admin:accounts_collection_changelist")
    page = admin_client.get(changelist).content.decode()
    assert "delete_with_contents" in page and 'value="delete_selected"' not in page
    response = admin_client.post(
        changelist,
        {"action": "delete_with_contents", "_selected_action": [personas.collection.pk]},
        follow=True,
    )
    assert b"and its 2 document(s)" in response.content
    assert all_points(fakes.index, personas.collection.pk) == 0
