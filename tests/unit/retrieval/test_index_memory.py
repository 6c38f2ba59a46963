"""The in-memory passage index: filters, deletes, sparse scoring (same contract as Qdrant)."""

import math

import numpy as np
import pytest

from retrieval.embed import FakeEmbedder
from retrieval.errors import CollectionMissing, IndexConfigMismatch
from retrieval.index import IndexPoint, MemoryIndex, SearchFilter, SparseVector, point_id
from retrieval.sparse import Bm25Encoder

TEXTS = {
    "a1": ("A", "doc-a", "v1", "pump P-101 trips with error E-47 after start-up"),
    "a2": ("A", "doc-a", "v1", "replace the mechanical seal of pump P-101"),
    "b1": (
        "B",
        "doc-b",
        "v7",
        "pump P-101 trips with error E-47 after start-up",
    ),  # same text, other collection
    "b2": ("B", "doc-b", "v7", "UPS battery replacement interval"),
}


@pytest.fixture
def embedder():
    return FakeEmbedder(dim=128)


@pytest.fixture
def index(embedder):
    idx = MemoryIndex()
    idx.ensure_collection(embedder.dim)
    bm25 = Bm25Encoder()
    idx.upsert(
        [
            IndexPoint(
                cid, embedder.embed_documents([t])[0], c, d, v, t, page=3, sparse=bm25.encode_document(t)
            )
            for cid, (c, d, v, t) in TEXTS.items()
        ]
    )
    return idx


def test_search_never_returns_a_passage_from_a_collection_not_allowed(index, embedder):
    q = embedder.embed_query("pump P-101 trips with error E-47 after start-up")
    hits = index.search(q, SearchFilter.build(["A"]), top_k=10)
    assert {h.collection_id for h in hits} == {"A"}
    assert "b1" not in {h.chunk_id for h in hits}
    sparse = index.search_sparse(Bm25Encoder().encode_query("E-47 trips"), SearchFilter.build(["A"]), 10)
    assert [h.chunk_id for h in sparse] == ["a1"]


def test_empty_allow_list_finds_nothing_and_none_is_refused(index, embedder):
    q = embedder.embed_query("pump")
    assert index.search(q, SearchFilter.build([]), 10) == []
    assert index.count(SearchFilter.build([])) == 0
    with pytest.raises(ValueError):
        SearchFilter.build(None)
    with pytest.raises(ValueError):
        SearchFilter.build("A")


def test_search_ranks_by_cosine_and_returns_payload(index, embedder):
    hits = index.search(embedder.embed_query("mechanical seal pump"), SearchFilter.build(["A", "B"]), 2)
    assert hits[0].chunk_id == "a2"
    assert hits[0].score >= hits[1].score
    assert hits[0].payload["document_id"] == "doc-a" and hits[0].page == 3
    assert hits[0].text.startswith("replace")


def test_document_filter_restricts_within_allowed_collections(index, embedder):
    flt = SearchFilter.build(["A", "B"], document_ids=["doc-b"])
    assert {h.chunk_id for h in index.search(embedder.embed_query("pump"), flt, 10)} == {"b1", "b2"}


def test_delete_by_version_removes_only_that_version(index):
    index.delete_by_filter(version_id="v1")
    assert index.count() == 2
    assert index.count(SearchFilter.build(["A"])) == 0
    assert [h.chunk_id for h in index.retrieve(["a1", "b1"])] == ["b1"]


def test_delete_requires_a_field(index):
    with pytest.raises(ValueError):
        index.delete_by_filter()


def test_upsert_replaces_the_same_chunk_id(index, embedder):
    index.upsert([IndexPoint("a1", embedder.embed_query("new"), "A", "doc-a", "v2", "new text")])
    assert index.count() == 4
    assert index.retrieve(["a1"])[0].version_id == "v2"


def test_sparse_scores_are_bm25_with_qdrant_idf():
    idx = MemoryIndex()
    idx.ensure_collection(2)
    idx.upsert(
        [
            IndexPoint("x", [1, 0], "A", "d", "v", "x", sparse=SparseVector((1, 2), (2.0, 1.0))),
            IndexPoint("y", [0, 1], "A", "d", "v", "y", sparse=SparseVector((2,), (1.0,))),
        ]
    )
    hits = idx.search_sparse(SparseVector((1,), (1.0,)), SearchFilter.build(["A"]), 5)
    idf = math.log(1 + (2 - 1 + 0.5) / (1 + 0.5))
    assert [h.chunk_id for h in hits] == ["x"]
    assert hits[0].score == pytest.approx(2.0 * idf)


def test_wrong_dimension_and_missing_collection_raise():
    idx = MemoryIndex()
    with pytest.raises(CollectionMissing):
        idx.count()
    idx.ensure_collection(4)
    with pytest.raises(IndexConfigMismatch):
        idx.ensure_collection(8)
    with pytest.raises(IndexConfigMismatch):
        idx.upsert([IndexPoint("c", np.zeros(3), "A", "d", "v", "t")])


def test_point_ids_are_stable_uuids():
    assert point_id("chunk-1") == point_id("chunk-1") != point_id("chunk-2")
    assert len(point_id("chunk-1")) == 36
