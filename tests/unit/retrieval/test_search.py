"""HybridSearcher over the memory index and the fake embedder."""

import pytest

from retrieval.config import SearchConfig
from retrieval.embed import FakeEmbedder
from retrieval.index import Hit, IndexPoint, MemoryIndex
from retrieval.search import HybridSearcher, SearchMode
from retrieval.sparse import Bm25Encoder

PASSAGES = [
    ("c1", "plant", "Pump P-101 trips with error E-47 shortly after start-up; check the suction valve."),
    ("c2", "plant", "The cooling fan of the drive cabinet must be cleaned every six months."),
    ("c3", "plant", "Error E-12 indicates low oil pressure in gearbox G-7."),
    ("c4", "secret", "Pump P-101 trips with error E-47: classified repair note for the secret site."),
    ("c5", "plant", "Battery replacement for the UPS: disconnect mains, then swap the battery pack."),
]


@pytest.fixture
def searcher():
    embedder, bm25, index = FakeEmbedder(dim=256), Bm25Encoder(), MemoryIndex()
    index.ensure_collection(embedder.dim)
    vectors = embedder.embed_documents([t for _, _, t in PASSAGES])
    index.upsert(
        [
            IndexPoint(
                cid, v, coll, f"doc-{cid}", f"ver-{cid}", t, page=1, sparse=bm25.encode_document(t, coll)
            )
            for (cid, coll, t), v in zip(PASSAGES, vectors, strict=True)
        ]
    )
    return HybridSearcher(index, embedder, bm25, SearchConfig(top_k=3))


@pytest.mark.parametrize("mode", ["dense", "sparse", "hybrid"])
def test_every_mode_keeps_out_collections_the_user_cannot_read(searcher, mode):
    result = searcher.search("pump P-101 trips E-47 secret site", ["plant"], top_k=10, mode=mode)
    assert result.passages
    assert all(p.collection_id == "plant" for p in result)
    assert "c4" not in {p.chunk_id for p in result}


@pytest.mark.parametrize("mode", list(SearchMode))
def test_every_mode_finds_the_matching_passage_first(searcher, mode):
    result = searcher.search("pump P-101 trips with error E-47", ["plant", "secret"], mode=mode)
    assert result[0].chunk_id in {"c1", "c4"}
    assert result.mode is mode


def test_hybrid_reports_scores_and_ranks_per_source(searcher):
    top = searcher.search("error E-47 pump P-101", ["plant"], mode="hybrid")[0]
    assert top.chunk_id == "c1"
    assert set(top.scores) == {"dense", "sparse"} and top.ranks == {"dense": 1, "sparse": 1}
    cfg = searcher.config
    assert top.score == pytest.approx((cfg.dense_weight + cfg.sparse_weight) / (cfg.rrf_k + 1))


def test_sparse_mode_matches_codes_written_differently(searcher):
    result = searcher.search("E47", ["plant"], mode="sparse")
    assert result[0].chunk_id == "c1"
    assert set(result[0].scores) == {"sparse"}


def test_empty_query_or_no_readable_collection_returns_nothing(searcher):
    assert len(searcher.search("   ", ["plant"])) == 0
    assert len(searcher.search("pump", [])) == 0
    with pytest.raises(ValueError):
        searcher.search("pump", None)
    with pytest.raises(ValueError):
        searcher.search("pump", ["plant"], mode="fuzzy")


def test_extra_graph_hits_are_fused_but_never_from_unreadable_collections(searcher):
    graph = [Hit("c4", 1.0, {"collection_id": "secret"}), Hit("c3", 1.0, {"collection_id": "plant"})]
    result = searcher.search("gearbox oil pressure", ["plant"], top_k=5, extra={"graph": graph})
    ids = [p.chunk_id for p in result]
    assert "c4" not in ids
    assert ids[0] == "c3" and "graph" in result[0].scores


def test_document_filter_and_timings(searcher):
    result = searcher.search("pump", ["plant"], document_ids=["doc-c5"], top_k=5)
    assert [p.chunk_id for p in result] == ["c5"]
    assert {"embed", "dense", "sparse", "fuse", "total"} <= set(result.timings_ms)


def test_overlapping_the_keyword_query_with_the_embedding_ranks_the_same(searcher):
    overlapped = HybridSearcher(
        searcher.index, searcher.embedder, searcher.sparse, searcher.config, overlap_sources=True
    )
    for query in ("pump trips E-47", "battery swap", "oil pressure gearbox"):
        a, b = searcher.search(query, ["plant"]), overlapped.search(query, ["plant"])
        assert [p.chunk_id for p in a] == [p.chunk_id for p in b]
        assert [p.ranks for p in a] == [p.ranks for p in b]
        assert {"embed", "dense", "sparse", "fuse"} <= set(b.timings_ms)
        assert b.timings_ms["total"] == pytest.approx(sum(v for k, v in b.timings_ms.items() if k != "total"))
