"""The second named vector ``dense_ml`` through QdrantIndex on the project's index server (and a
real Qdrant when ``QDRANT_URL`` is set), with real multilingual USE vectors: a Chinese question
finds the English passage through ``dense_ml``; a collection made without it keeps working."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import numpy as np
import pytest

from retrieval.config import IndexConfig
from retrieval.embed import FakeEmbedder, MultilingualUseEmbedder
from retrieval.index import IndexPoint, QdrantIndex, SearchFilter
from retrieval.index.base import DENSE_ML
from retrieval.search import HybridSearcher
from scripts.stack import Stack

from .conftest import IndexServer, free_port

pytestmark = pytest.mark.integration

# The integration fixtures point QDRANT_URL at the test stack's index server; only another URL is a
# real Qdrant to check as well (as in test_index_contract.py).
TEST_STACK_INDEX = Stack.for_profile("test").env()["QDRANT_URL"]
ENGINES = ["index-server"] + (
    ["qdrant"] if os.environ.get("QDRANT_URL", TEST_STACK_INDEX) != TEST_STACK_INDEX else []
)
PASSAGES = {
    "seal": "Replace the mechanical seal when it leaks more than three drops per minute.",
    "port": "The network information server listens on TCP port 3551; open it on the firewall.",
    "battery": "Most UPS batteries last three to five years before they need replacing.",
}


@pytest.fixture(scope="module")
def index_server_url(tmp_path_factory) -> Iterator[str]:
    server = IndexServer(tmp_path_factory.mktemp("multilingual") / "index", free_port()).start()
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def use() -> MultilingualUseEmbedder:
    return MultilingualUseEmbedder(num_threads=1)


def _connect(request, name: str) -> QdrantIndex:
    if request.param == "qdrant":
        url, api_key = os.environ["QDRANT_URL"], os.environ.get("QDRANT_API_KEY") or None
    else:
        url, api_key = request.getfixturevalue("index_server_url"), None
    return QdrantIndex.connect(IndexConfig(url=url, collection=name, api_key=api_key, timeout_s=30))


@pytest.fixture(params=ENGINES)
def engine(request) -> Iterator[tuple[QdrantIndex, str]]:
    name = f"kenning_ml_{uuid.uuid4().hex[:12]}"
    idx = _connect(request, name)
    yield idx, name
    idx._client.delete_collection(name)
    idx.close()


def _points(dense: FakeEmbedder, use: MultilingualUseEmbedder) -> list[IndexPoint]:
    vectors_ml = use.embed_documents(list(PASSAGES.values()))
    return [
        IndexPoint(cid, dense.embed_query(text), "c1", "d1", "v1", text, vector_ml=vml, extra={"lang": "en"})
        for (cid, text), vml in zip(PASSAGES.items(), vectors_ml, strict=True)
    ]


def test_a_chinese_question_finds_the_english_passage_through_dense_ml(engine, use):
    index, _ = engine
    dense = FakeEmbedder(dim=32)
    index.ensure_collection(32, ml_dim=use.dim)
    index.upsert(_points(dense, use))
    flt = SearchFilter.build(["c1"])
    hits = index.search(use.embed_query("机械密封漏了要怎么办？"), flt, 3, using=DENSE_ML)
    assert hits[0].chunk_id == "seal" and hits[0].payload["lang"] == "en"
    assert index.search(use.embed_query("机械密封"), SearchFilter.build(["other"]), 3, using=DENSE_ML) == []
    result = HybridSearcher(index, dense, multilingual=use).search(
        "防火墙上要开放哪个端口？", ["c1"], top_k=3
    )
    assert result[0].chunk_id == "port" and "dense_ml" in result[0].ranks


def test_a_collection_made_without_dense_ml_ignores_it(engine, use):
    index, _ = engine
    dense = FakeEmbedder(dim=32)
    index.ensure_collection(32)
    index.upsert(_points(dense, use))  # the dense_ml vectors are dropped, not refused
    flt = SearchFilter.build(["c1"])
    assert index.count(flt) == 3
    assert index.search(use.embed_query("机械密封"), flt, 3, using=DENSE_ML) == []
    assert index.search(np.asarray(dense.embed_query(PASSAGES["seal"])), flt, 1)[0].chunk_id == "seal"
    index.ensure_collection(32, ml_dim=use.dim)  # asking for it later only logs a warning


def test_a_search_that_cached_dense_ml_survives_the_collection_recreated_without_it(engine, use):
    index, name = engine
    dense = FakeEmbedder(dim=32)
    index.ensure_collection(32, ml_dim=use.dim)
    index.upsert(_points(dense, use))
    flt = SearchFilter.build(["c1"])
    assert index.search(use.embed_query("机械密封"), flt, 3, using=DENSE_ML)  # "stores dense_ml" cached
    # Another process re-creates the collection without the vector (a re-index).
    other = QdrantIndex(index._client, index.config)
    other._client.delete_collection(name)
    other.ensure_collection(32)
    other.upsert(_points(dense, use))
    assert index.search(use.embed_query("机械密封"), flt, 3, using=DENSE_ML) == []
    index.upsert(_points(dense, use))  # writes ask afresh: no "Not existing vector name"
    assert index.count(flt) == 3
