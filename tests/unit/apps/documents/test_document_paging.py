"""The document lists come in pages (issue 16: 1.3 s / 0.92 s p95 with ~344 documents unpaged)."""

import pytest
from django.urls import reverse

from apps.accounts.models import Collection, Membership, Role
from apps.documents.models import Document
from apps.documents.paging import MAX_PAGE_SIZE, PAGE_SIZE

from .conftest import make_version


def _api(collection_id: int) -> str:
    return f"/api/collections/{collection_id}/documents/"


def _page(collection_id: int) -> str:
    return reverse("documents:collection", args=[collection_id])


def _documents(collection, n: int, prefix: str = "doc") -> None:  # type: ignore[no-untyped-def]
    Document.objects.bulk_create(Document(collection=collection, title=f"{prefix}-{i:03d}") for i in range(n))


def test_the_api_list_is_one_page_of_at_most_the_default_size_with_the_true_count(client, personas):
    _documents(personas.collection, PAGE_SIZE + 7)
    client.force_login(personas.reader)
    first = client.get(_api(personas.collection.pk)).json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == PAGE_SIZE + 7 and len(first["results"]) == PAGE_SIZE
    assert first["previous"] is None and first["next"].endswith("?page=2")
    second = client.get(first["next"]).json()
    rest = [f"doc-{i:03d}" for i in range(PAGE_SIZE, PAGE_SIZE + 7)]
    assert [d["title"] for d in second["results"]] == rest
    assert second["next"] is None and second["previous"] is not None


def test_the_api_page_size_is_capped_and_bad_values_are_refused(client, personas):
    _documents(personas.collection, 12)
    client.force_login(personas.reader)
    url = _api(personas.collection.pk)
    r = client.get(url, {"page_size": 5, "page": 3})
    assert r.status_code == 200 and r.json()["count"] == 12 and len(r.json()["results"]) == 2
    for bad in ("0", "-1", "ten", str(MAX_PAGE_SIZE + 1)):
        r = client.get(url, {"page_size": bad})
        assert r.status_code == 400 and f"from 1 to {MAX_PAGE_SIZE}" in r.json()["error"], bad
    r = client.get(url, {"page": 9})
    assert r.status_code == 404 and "Invalid page 9" in r.json()["error"]


def test_every_api_page_holds_only_the_collection_and_refuses_outsiders(client, personas):
    other = Collection.objects.create(name="Other")
    Membership.objects.create(user=personas.outsider, collection=other, role=Role.ADMIN)
    _documents(personas.collection, 8, "pump")
    _documents(other, 8, "secret")
    Document.objects.filter(title="pump-003").update(is_deleted=True)
    client.force_login(personas.reader)
    titles = []
    for page in (1, 2, 3):
        body = client.get(_api(personas.collection.pk), {"page_size": 3, "page": page}).json()
        assert body["count"] == 7
        titles += [d["title"] for d in body["results"]]
    assert titles == [f"pump-{i:03d}" for i in range(8) if i != 3]
    client.force_login(personas.outsider)
    for page in (1, 2):
        assert client.get(_api(personas.collection.pk), {"page_size": 3, "page": page}).status_code == 404
    client.force_login(personas.reader)
    assert client.get(_api(other.pk), {"page": 2, "page_size": 3}).status_code == 404


def test_the_collection_page_shows_one_page_with_links_to_the_others(client, personas):
    _documents(personas.collection, PAGE_SIZE + 3)
    client.force_login(personas.reader)
    body = client.get(_page(personas.collection.pk)).content.decode()
    assert body.count("data-document-id=") == PAGE_SIZE
    assert f"Page 1 of 2 ({PAGE_SIZE + 3} documents)" in body and 'href="?page=2"' in body
    second = client.get(_page(personas.collection.pk), {"page": 2}).content.decode()
    assert second.count("data-document-id=") == 3 and f"doc-{PAGE_SIZE + 2:03d}" in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # A bad or stale page number shows a page rather than an error.
    assert client.get(_page(personas.collection.pk), {"page": "x"}).status_code == 200
    assert "doc-000" not in client.get(_page(personas.collection.pk), {"page": 99}).content.decode()


def test_a_short_collection_page_has_no_page_links(client, personas):
    make_version(personas)
    client.force_login(personas.reader)
    body = client.get(_page(personas.collection.pk)).content.decode()
    assert body.count("data-document-id=") == 1 and 'class="pager"' not in body


def test_the_collection_page_refuses_outsiders_on_every_page(client, personas):
    _documents(personas.collection, PAGE_SIZE + 1)
    client.force_login(personas.outsider)
    for page in ("1", "2"):
        assert client.get(_page(personas.collection.pk), {"page": page}).status_code == 404


@pytest.mark.parametrize("url", [_api, _page])
def test_a_page_costs_the_same_queries_for_60_or_300_documents(client, personas, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(personas.collection.pk)).status_code == 200
        return len(captured)

    client.force_login(personas.owner)
    _documents(personas.collection, 60)
    few = queries()
    _documents(personas.collection, 240, "more")
    assert queries() == few


def test_a_page_builds_the_version_serializer_a_fixed_number_of_times(client, personas, monkeypatch):
    # One VersionSerializer per document rebuilt its fields every time: 60% of a page's CPU.
    from apps.documents import serializers

    built = []
    original = serializers.VersionSerializer.__init__

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(serializers.VersionSerializer, "__init__", counting)
    client.force_login(personas.owner)
    for i in range(12):
        make_version(personas, name=f"manual-{i}.md", content=b"# Pump %d\n\nCheck the strainer." % i)
    client.get(_api(personas.collection.pk), {"page_size": 2})
    few, built[:] = len(built), []
    client.get(_api(personas.collection.pk), {"page_size": 12})
    assert len(built) == few
