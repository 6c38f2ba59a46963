"""The index contract: what Kenning's QdrantIndex relies on from a Qdrant REST endpoint.

Written once, run against every engine Kenning may be pointed at:

* ``index-server``: the project's own Qdrant-compatible server (``python -m retrieval.index.server``,
  qdrant-edge behind the Qdrant REST subset), started here on a free port;
* ``qdrant``: a real Qdrant (single node or cluster), only when ``QDRANT_URL`` names another
  server than the test stack's index server (tests/testenv.py points it there by default), e.g.

      QDRANT_URL=http://qdrant:6333 [QDRANT_API_KEY=...] \\
        .venv/bin/python -m pytest tests/integration/retrieval/test_index_contract.py -m integration

  Each test creates its own collection there (``kenning_contract_<random>``) and drops it after;
  nothing else on that Qdrant is touched.

Vectors are small hand-made ones (no embedder), so a failure names the engine, not the model.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import numpy as np
import pytest

from retrieval.config import IndexConfig
from retrieval.errors import IndexConfigMismatch
from retrieval.index import IndexPoint, QdrantIndex, SearchFilter
from retrieval.index.base import SparseVector
from scripts.stack import Stack

from .conftest import IndexServer, free_port

pytestmark = pytest.mark.integration

DIM = 16
TEST_STACK_INDEX = Stack.for_profile("test").env()["QDRANT_URL"]
ENGINES = ["index-server"] + (
    ["qdrant"] if os.environ.get("QDRANT_URL", TEST_STACK_INDEX) != TEST_STACK_INDEX else []
)


@pytest.fixture(scope="module")
def index_server_url(tmp_path_factory) -> Iterator[str]:
    server = IndexServer(tmp_path_factory.mktemp("contract") / "index", free_port()).start()
    yield server.url
    server.stop()


@pytest.fixture(params=ENGINES)
def index(request) -> Iterator[QdrantIndex]:
    if request.param == "qdrant":
        url, api_key = os.environ["QDRANT_URL"], os.environ.get("QDRANT_API_KEY") or None
    else:
        url, api_key = request.getfixturevalue("index_server_url"), None
    name = f"kenning_contract_{uuid.uuid4().hex[:12]}"
    idx = QdrantIndex.connect(IndexConfig(url=url, collection=name, api_key=api_key, timeout_s=30))
    idx.ensure_collection(DIM)
    yield idx
    idx._client.delete_collection(name)
    idx.close()


def unit(*hot: int, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """A unit vector pointing along the given axes (plus a little seeded noise)."""
    v = np.zeros(DIM, dtype=np.float32)
    v[list(hot)] = 1.0
    if noise:
        v += np.random.default_rng(seed).normal(0, noise, DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def point(chunk_id: str, axis: int, coll: str = "c1", doc: str = "d1", ver: str = "v1", **kw) -> IndexPoint:
    return IndexPoint(
        chunk_id=chunk_id,
        vector=unit(axis, noise=0.05, seed=hash(chunk_id) % 1000),
        collection_id=coll,
        document_id=doc,
        version_id=ver,
        text=kw.pop("text", f"passage {chunk_id}"),
        **kw,
    )


def ids(hits) -> list[str]:
    return [h.chunk_id for h in hits]


def test_the_nearest_passage_comes_first_with_its_payload_intact(index):
    index.upsert(
        [
            point("a", 0, page=3, heading_path=("Manual", "Seals"), kind="procedure"),
            point("b", 1, page=None, kind="record"),
            point("c", 2),
        ]
    )
    hits = index.search(unit(0), SearchFilter.build(["c1"]), top_k=3)
    assert ids(hits)[0] == "a" and hits[0].score > hits[1].score
    top = hits[0]
    assert (top.page, top.heading_path, top.kind, top.text) == (
        3,
        ("Manual", "Seals"),
        "procedure",
        "passage a",
    )
    assert (top.collection_id, top.document_id, top.version_id) == ("c1", "d1", "v1")
    assert next(h for h in hits if h.chunk_id == "b").page is None


def test_the_collection_allow_list_is_applied_inside_the_engine(index):
    # The unreadable passage is the nearest one: a post-filter on top_k would leak or lose hits.
    index.upsert([point("secret", 0, coll="c2"), point("mine", 1, coll="c1"), point("shared", 2, coll="c3")])
    hits = index.search(unit(0), SearchFilter.build(["c1", "c3"]), top_k=1)
    assert ids(hits) == ["mine"] or ids(hits) == ["shared"]
    assert set(ids(index.search(unit(0), SearchFilter.build(["c1", "c3"]), top_k=10))) == {"mine", "shared"}
    assert index.search(unit(0), SearchFilter.build([]), top_k=5) == []
    assert index.count(SearchFilter.build(["c2"])) == 1


def test_document_version_and_kind_restrictions_combine(index):
    index.upsert(
        [
            point("p1", 0, doc="d1", ver="v1", kind="text"),
            point("p2", 0, doc="d1", ver="v2", kind="table"),
            point("p3", 0, doc="d2", ver="v3", kind="text"),
        ]
    )
    flt = SearchFilter.build(["c1"], document_ids=["d1"], kinds=["table"])
    assert ids(index.search(unit(0), flt, top_k=5)) == ["p2"]
    assert index.count(SearchFilter.build(["c1"], version_ids=["v1", "v3"])) == 2


def test_an_upsert_of_the_same_chunk_replaces_it(index):
    index.upsert([point("a", 0, text="old")])
    index.upsert([point("a", 1, text="new")])
    assert index.count() == 1
    assert index.retrieve(["a"])[0].text == "new"
    assert ids(index.search(unit(1), SearchFilter.build(["c1"]), top_k=1)) == ["a"]


def test_sparse_search_ranks_the_rare_term_and_honours_the_filter(index):
    def sparse(*terms: int) -> SparseVector:
        return SparseVector(indices=tuple(terms), values=tuple(1.0 for _ in terms))

    index.upsert(
        [
            point("e47", 0, sparse=sparse(11, 99)),
            point("common", 1, sparse=sparse(11)),
            point("other-coll", 2, coll="c2", sparse=sparse(99)),
        ]
    )
    hits = index.search_sparse(sparse(99), SearchFilter.build(["c1"]), top_k=5)
    assert ids(hits) == ["e47"]


def test_retrieve_keeps_the_asked_order_and_skips_unknown_ids(index):
    index.upsert([point("a", 0), point("b", 1)])
    assert ids(index.retrieve(["b", "missing", "a"])) == ["b", "a"]


def test_every_chunk_id_is_listed_across_pages(index):
    index.upsert([point(f"p{i:03d}", i % DIM, coll="c1" if i % 3 else "c2") for i in range(25)])
    assert len(list(index.iter_chunk_ids(page_size=4))) == 25
    assert len(list(index.iter_chunk_ids(SearchFilter.build(["c2"]), page_size=4))) == 9


def test_deletes_by_version_then_document_and_never_unfiltered(index):
    index.upsert([point("a", 0, ver="v1"), point("b", 1, ver="v2"), point("c", 2, doc="d2", ver="v3")])
    index.delete_by_filter(version_id="v1")
    assert sorted(index.iter_chunk_ids()) == ["b", "c"]
    index.delete_by_filter(document_id="d1")
    assert list(index.iter_chunk_ids()) == ["c"]
    with pytest.raises(ValueError):
        index.delete_by_filter()
    assert index.count() == 1


def test_the_collection_is_checked_not_recreated(index):
    index.upsert([point("a", 0)])
    index.ensure_collection(DIM)  # idempotent, keeps data
    assert index.count() == 1
    with pytest.raises(IndexConfigMismatch):
        index.ensure_collection(DIM * 2)
