"""manage.py reindex rewrites the keyword vectors of passages indexed with older terms (issue 12)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.accounts.models import Collection
from apps.documents.models import DocumentVersion
from retrieval.index.base import SearchFilter
from retrieval.sparse import SPARSE_VERSION, Bm25Encoder

from .conftest import MANUAL_MD


def _keyword_hits(index, collection_id: int, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    query = Bm25Encoder().encode_query(text, [collection_id])
    return [h.chunk_id for h in index.search_sparse(query, SearchFilter.build([collection_id]), 10)]


def test_reindex_brings_back_passages_with_old_keyword_vectors(tmp_path, db, fakes):
    (tmp_path / "p101.md").write_bytes(MANUAL_MD)
    call_command("ingest", str(tmp_path / "p101.md"), "--collection", "Pumps", "--create", stdout=StringIO())
    collection = Collection.objects.get(name="Pumps")
    found = _keyword_hits(fakes.index, collection.pk, "pump strainer")
    assert found
    old = Bm25Encoder()
    for row in fakes.index._rows.values():  # as indexed before term ids were per collection
        vector = old.encode_document(row.payload["text"])
        row.sparse = dict(zip(vector.indices, vector.values, strict=True))
        row.payload.pop("sparse_version", None)
    assert _keyword_hits(fakes.index, collection.pk, "pump strainer") == []

    out = StringIO()
    call_command("reindex", "--collection", "Pumps", stdout=out)
    assert _keyword_hits(fakes.index, collection.pk, "pump strainer") == found
    assert {r.payload["sparse_version"] for r in fakes.index._rows.values()} == {SPARSE_VERSION}
    assert "re-indexed 1 document version(s)" in out.getvalue()


def test_reindex_names_an_unknown_collection(db):
    with pytest.raises(CommandError, match="no collection named 'Nope'"):
        call_command("reindex", "--collection", "Nope")


def test_reindex_stale_rewrites_only_versions_of_an_older_or_unrecorded_scheme(tmp_path, db, fakes):
    (tmp_path / "p101.md").write_bytes(MANUAL_MD)
    call_command("ingest", str(tmp_path / "p101.md"), "--collection", "Pumps", "--create", stdout=StringIO())
    version = DocumentVersion.objects.live().get()
    assert version.sparse_version == SPARSE_VERSION  # the index stage records its scheme

    out = StringIO()
    call_command("reindex", "--stale", stdout=out)
    assert "re-indexed 0 document version(s)" in out.getvalue()

    old = Bm25Encoder()
    for row in fakes.index._rows.values():  # an index written before the scheme was recorded
        vector = old.encode_document(row.payload["text"])
        row.sparse = dict(zip(vector.indices, vector.values, strict=True))
    DocumentVersion.objects.filter(pk=version.pk).update(sparse_version=None)
    collection = Collection.objects.get(name="Pumps")
    assert _keyword_hits(fakes.index, collection.pk, "pump strainer") == []

    out = StringIO()
    call_command("reindex", "--stale", stdout=out)
    assert "re-indexed 1 document version(s)" in out.getvalue()
    assert _keyword_hits(fakes.index, collection.pk, "pump strainer")
    assert DocumentVersion.objects.get(pk=version.pk).sparse_version == SPARSE_VERSION
