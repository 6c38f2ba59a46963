"""The multilingual ``dense_ml`` vector: the USE embedder, the index's second named vector and the
searcher's ``dense_ml`` source."""

import numpy as np
import pytest

from retrieval.config import SearchConfig
from retrieval.embed import FakeEmbedder, MultilingualUseEmbedder
from retrieval.errors import IndexConfigMismatch
from retrieval.index import IndexPoint, MemoryIndex, SearchFilter
from retrieval.index.base import DENSE_ML
from retrieval.search import HybridSearcher

PASSAGES = {
    "seal": "Replace the mechanical seal when it leaks more than three drops per minute.",
    "port": "The network information server listens on TCP port 3551; open it on the firewall.",
    "battery": "Most UPS batteries last three to five years before they need replacing.",
}


@pytest.fixture(scope="module")
def use():
    return MultilingualUseEmbedder(num_threads=1)


def test_use_vectors_are_unit_length_512_floats(use):
    vectors = use.embed_documents(list(PASSAGES.values()))
    assert vectors.shape == (3, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert use.embed_documents([]).shape == (0, 512)
    assert use.count_tokens("更换密封件 SK-2201") > 0


def test_a_chinese_question_lands_nearest_its_english_passage(use):
    vectors = use.embed_documents(list(PASSAGES.values()))
    for question, expected in (
        ("机械密封漏了要怎么办？", "seal"),
        ("防火墙上要开放哪个端口？", "port"),
        ("UPS 电池能用几年？", "battery"),
    ):
        scores = vectors @ use.embed_query(question)
        assert list(PASSAGES)[int(np.argmax(scores))] == expected, question


def _index(ml_dim=64):
    dense, ml = FakeEmbedder(dim=32), FakeEmbedder(dim=64)
    index = MemoryIndex()
    index.ensure_collection(32, ml_dim=ml_dim)
    points = [
        IndexPoint(
            cid, dense.embed_query(t), "c1", "d1", "v1", t, vector_ml=ml.embed_query(t), extra={"lang": "en"}
        )
        for cid, t in PASSAGES.items()
    ]
    index.upsert(points)
    return index, dense, ml


def test_the_memory_index_searches_the_named_vector_asked_for():
    index, _, ml = _index()
    flt = SearchFilter.build(["c1"])
    hits = index.search(ml.embed_query("mechanical seal leaks"), flt, 2, using=DENSE_ML)
    assert hits[0].chunk_id == "seal" and hits[0].payload["lang"] == "en"
    assert index.search(ml.embed_query("seal"), SearchFilter.build(["other"]), 2, using=DENSE_ML) == []
    with pytest.raises(ValueError):
        index.search(ml.embed_query("seal"), flt, 2, using="nope")


def test_a_collection_without_dense_ml_ignores_the_vector_and_finds_nothing_by_it():
    index, _, ml = _index(ml_dim=None)
    assert index.search(ml.embed_query("seal"), SearchFilter.build(["c1"]), 2, using=DENSE_ML) == []


def test_a_dense_ml_vector_of_the_wrong_size_is_refused():
    index, dense, _ = _index()
    bad = IndexPoint(
        "x", dense.embed_query("x"), "c1", "d1", "v1", "x", vector_ml=np.ones(3, dtype=np.float32)
    )
    with pytest.raises(IndexConfigMismatch):
        index.upsert([bad])


def test_the_searcher_fuses_a_dense_ml_source_when_given_a_multilingual_embedder():
    index, dense, ml = _index()
    plain = HybridSearcher(index, dense)
    both = HybridSearcher(index, dense, config=SearchConfig(dense_ml_weight=0.5), multilingual=ml)
    assert "dense_ml" not in plain.search("seal leaks", ["c1"]).timings_ms
    result = both.search("mechanical seal leaks", ["c1"])
    assert result[0].chunk_id == "seal"
    assert "dense_ml" in result[0].ranks and "dense_ml" in result.timings_ms
    assert both.search("mechanical seal leaks", []).passages == ()


def test_a_chinese_question_is_ranked_without_the_english_only_dense_source():
    index, dense, ml = _index()
    searcher = HybridSearcher(index, dense, multilingual=ml)
    chinese = searcher.search("机械密封泄漏怎么办", ["c1"])
    assert chinese.passages and all("dense" not in p.ranks for p in chinese)
    english = searcher.search("mechanical seal leaks", ["c1"])
    # Beside MiniLM at weight 0 (the default) the multilingual vector is not even asked.
    assert any("dense" in p.ranks for p in english) and all("dense_ml" not in p.ranks for p in english)
    assert "embed_ml" not in english.timings_ms
    weighted = HybridSearcher(index, dense, config=SearchConfig(dense_ml_weight=0.25), multilingual=ml)
    english = weighted.search("mechanical seal leaks", ["c1"])
    assert any("dense" in p.ranks for p in english) and any("dense_ml" in p.ranks for p in english)
