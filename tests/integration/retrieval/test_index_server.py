"""QdrantIndex through qdrant-client against the real index server (qdrant-edge) in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from retrieval.config import IndexConfig
from retrieval.index import IndexPoint, QdrantIndex, SearchFilter
from retrieval.search import HybridSearcher
from retrieval.sparse import Bm25Encoder

from .conftest import REPO, IndexServer, free_port

pytestmark = pytest.mark.integration

PASSAGES = [
    ("ups-1", "ups", "d-ups", "v1", "Replace the UPS battery when the self-test reports a weak battery."),
    ("ups-2", "ups", "d-ups", "v1", "upsd listens on port 3493 and serves the status of attached UPS units."),
    (
        "pump-1",
        "pumps",
        "d-pump",
        "v3",
        "Pump P-101 trips with error E-47 after start-up: check the suction valve.",
    ),
    ("pump-2", "pumps", "d-pump", "v3", "Lubricate the bearings of pump P-101 every 2,000 operating hours."),
    ("sec-1", "secret", "d-sec", "v9", "Replace the UPS battery of the secret site with part 2906-0565-00."),
]


def make_points(embedder, passages=PASSAGES):
    bm25 = Bm25Encoder()
    vectors = embedder.embed_documents([p[4] for p in passages])
    return [
        IndexPoint(
            cid,
            vec,
            coll,
            doc,
            ver,
            text,
            page=i + 1,
            heading_path=("Manual", "Maintenance"),
            kind="paragraph",
            sparse=bm25.encode_document(text, coll),
        )
        for i, ((cid, coll, doc, ver, text), vec) in enumerate(zip(passages, vectors, strict=True))
    ]


def connect(server: IndexServer, collection: str = "passages") -> QdrantIndex:
    return QdrantIndex.connect(IndexConfig(url=server.url, collection=collection))


def test_upsert_search_filter_and_delete(index_server, minilm):
    index = connect(index_server)
    index.ensure_collection(minilm.dim)
    index.ensure_collection(minilm.dim)  # idempotent
    index.upsert(make_points(minilm))
    assert index.count() == 5

    q = minilm.embed_query("how do I change the UPS battery?")
    hits = index.search(q, SearchFilter.build(["ups", "pumps"]), top_k=5)
    assert hits[0].chunk_id == "ups-1"
    assert "sec-1" not in {h.chunk_id for h in hits}
    assert hits[0].payload["heading_path"] == ["Manual", "Maintenance"] and hits[0].page == 1

    sparse = index.search_sparse(Bm25Encoder().encode_query("E47 P101", ["pumps"]), SearchFilter.build(["pumps"]), 5)
    assert sparse[0].chunk_id == "pump-1"

    assert index.search(q, SearchFilter.build([]), 5) == []
    assert index.count(SearchFilter.build(["secret"])) == 1

    index.delete_by_filter(version_id="v1")
    assert index.count() == 3
    assert [h.chunk_id for h in index.retrieve(["ups-1", "pump-2"])] == ["pump-2"]
    index.delete_by_filter(document_id="d-pump")
    assert sorted(index.iter_chunk_ids()) == ["sec-1"]
    index.close()


def test_hybrid_search_never_returns_unreadable_passages(index_server, minilm):
    index = connect(index_server)
    index.ensure_collection(minilm.dim)
    index.upsert(make_points(minilm))
    searcher = HybridSearcher(index, minilm)
    for mode in ("dense", "sparse", "hybrid"):
        result = searcher.search("replace UPS battery secret site 2906-0565-00", ["ups", "pumps"], 10, mode)
        assert result.passages, mode
        assert {p.collection_id for p in result} <= {"ups", "pumps"}, mode
    top = searcher.search("replace the UPS battery", ["ups"], 3)[0]
    assert top.chunk_id == "ups-1" and set(top.scores) == {"dense", "sparse"}


def test_a_second_process_searches_while_the_server_owns_the_store(index_server, minilm):
    index = connect(index_server)
    index.ensure_collection(minilm.dim)
    index.upsert(make_points(minilm))
    vector = minilm.embed_query("pump trips after start-up").tolist()
    script = (
        "import json, sys\n"
        "from retrieval.config import IndexConfig\n"
        "from retrieval.index import QdrantIndex, SearchFilter\n"
        f"idx = QdrantIndex.connect(IndexConfig(url={index_server.url!r}, collection='passages'))\n"
        "vec = json.loads(sys.stdin.read())\n"
        "print(json.dumps([h.chunk_id for h in idx.search(vec, SearchFilter.build(['pumps']), 2)]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(vector),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=True,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1])[0] == "pump-1"


def test_a_second_server_cannot_open_the_same_store(index_server):
    connect(index_server).ensure_collection(8)
    rival = IndexServer(index_server.path, free_port())
    with pytest.raises(RuntimeError, match="exited"):
        rival.start(timeout_s=60)


def test_data_survives_a_server_restart(tmp_path, minilm):
    server = IndexServer(tmp_path / "store", free_port()).start()
    try:
        index = connect(server)
        index.ensure_collection(minilm.dim)
        index.upsert(make_points(minilm))
        index.close()
    finally:
        server.stop()
    server = IndexServer(tmp_path / "store", free_port()).start()
    try:
        index = connect(server)
        index.ensure_collection(minilm.dim)
        assert index.count() == 5
        hits = index.search(minilm.embed_query("UPS battery"), SearchFilter.build(["ups"]), 1)
        assert hits[0].chunk_id == "ups-1"
    finally:
        server.stop()


def test_many_points_are_indexed_and_found_after_optimisation(index_server, minilm):
    import time

    import numpy as np

    index = connect(index_server, "bulk")
    index.ensure_collection(minilm.dim)
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((3000, minilm.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index.upsert(
        [IndexPoint(f"b{i}", v, str(i % 5), f"d{i % 50}", "v", f"text {i}") for i, v in enumerate(vectors)]
    )
    time.sleep(2)  # let the server's optimizer build HNSW
    hits = index.search(vectors[42], SearchFilter.build(["2"]), 3)
    assert hits[0].chunk_id == "b42" and hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert index.count(SearchFilter.build(["0", "1"])) == 1200
