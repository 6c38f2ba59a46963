"""Tenancy layouts in the index: one collection filtered by collection_id (Kenning's choice, an
is_tenant keyword index) vs one Qdrant collection per Kenning collection with a fan-out.

Runs against Kenning's index server (started here on a free port), or a real Qdrant with
``--url``. Prints conditions, then search latency p50/p95 and recall@10 against exact search for a
reader of 1 collection and of 5 collections (the fan-out case).

    .venv/bin/python bench/index_tenancy.py [--points 50000] [--tenants 20] [--url http://qdrant:6333]

Vectors are synthetic 384-d clusters (one centre per topic, topics shared across tenants), so the
numbers compare layouts, not embedding quality.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
import uuid

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
from bench._servers import free_port, start_index_server  # noqa: E402
from retrieval.config import IndexConfig  # noqa: E402
from retrieval.index import IndexPoint, QdrantIndex, SearchFilter  # noqa: E402

DIM = 384


def corpus(n: int, tenants: int, rng: np.random.Generator):
    centres = rng.standard_normal((200, DIM)).astype(np.float32)
    topic = rng.integers(0, len(centres), n)
    v = centres[topic] + rng.standard_normal((n, DIM)).astype(np.float32) * 0.6
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    owner = rng.integers(0, tenants, n)
    return v, owner, centres


def load(index: QdrantIndex, vectors: np.ndarray, owners: np.ndarray, ids: np.ndarray) -> None:
    index.ensure_collection(DIM)
    for s in range(0, len(ids), 512):
        index.upsert(
            [IndexPoint(f"p{i}", vectors[i], f"t{owners[i]}", "d", "v", text="") for i in ids[s : s + 512]]
        )


def wait_indexed(index: QdrantIndex) -> None:
    # The index server builds HNSW after a second without writes; a real Qdrant in the background.
    time.sleep(3)
    index.search(np.ones(DIM, dtype=np.float32) / np.sqrt(DIM), SearchFilter.build(["t0"]), 1)


def timed(fn, queries):
    out, times = [], []
    for q in queries:
        started = time.perf_counter()
        out.append(fn(q))
        times.append((time.perf_counter() - started) * 1000)
    return out, np.percentile(times, 50), np.percentile(times, 95)


def recall(results, exact) -> float:
    return float(np.mean([len(set(r) & set(e)) / len(e) for r, e in zip(results, exact, strict=True)]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=50_000)
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--url", help="a real Qdrant (default: start Kenning's index server)")
    args = parser.parse_args()
    print(
        f"conditions: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{args.points} points x {DIM}-d in {args.tenants} tenants, {args.queries} queries, top 10, "
        f"engine: {args.url or 'Kenning index server (qdrant-edge), HNSW m=16 ef=128, ACORN on'}",
        flush=True,
    )
    rng = np.random.default_rng(5)
    vectors, owners, centres = corpus(args.points, args.tenants, rng)
    queries = (
        centres[rng.integers(0, len(centres), args.queries)]
        + rng.standard_normal((args.queries, DIM)).astype(np.float32) * 0.6
    )
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)

    tmp, proc = None, None
    if args.url:
        url = args.url
    else:
        tmp = tempfile.mkdtemp(prefix="kenning-tenancy-")
        port = free_port()
        proc = start_index_server(tmp, port)
        url = f"http://127.0.0.1:{port}"
    run = uuid.uuid4().hex[:8]
    made: list[QdrantIndex] = []
    try:
        shared = QdrantIndex.connect(IndexConfig(url=url, collection=f"tenancy_shared_{run}", timeout_s=120))
        made.append(shared)
        started = time.perf_counter()
        load(shared, vectors, owners, np.arange(args.points))
        shared_load = time.perf_counter() - started
        per: dict[int, QdrantIndex] = {}
        started = time.perf_counter()
        for t in range(args.tenants):
            per[t] = QdrantIndex.connect(
                IndexConfig(url=url, collection=f"tenancy_t{t}_{run}", timeout_s=120)
            )
            made.append(per[t])
            load(per[t], vectors, owners, np.flatnonzero(owners == t))
        per_load = time.perf_counter() - started
        wait_indexed(shared)

        print(
            f"\nload: shared {args.points / shared_load:.0f} points/s, "
            f"per-tenant {args.points / per_load:.0f} points/s"
        )
        print(f"{'reader of':<14} {'layout':<34} {'p50 ms':>7} {'p95 ms':>7} {'recall@10':>10}")
        for readable in ([0], list(range(min(5, args.tenants)))):
            mask = np.isin(owners, readable)
            exact = [
                [f"p{i}" for i in np.flatnonzero(mask)[np.argsort(-(vectors[mask] @ q))[:10]]]
                for q in queries
            ]
            flt = SearchFilter.build([f"t{t}" for t in readable])
            hits, p50, p95 = timed(
                lambda q, flt=flt: [h.chunk_id for h in shared.search(q, flt, 10)], queries
            )
            label = f"{len(readable)} collection" + ("s" if len(readable) > 1 else "")
            print(
                f"{label:<14} {'one collection, tenant filter':<34} {p50:>7.2f} {p95:>7.2f} "
                f"{recall(hits, exact):>10.3f}"
            )

            def fan_out(q, readable=readable):
                found = []
                for t in readable:
                    found += per[t].search(q, SearchFilter.build([f"t{t}"]), 10)
                return [h.chunk_id for h in sorted(found, key=lambda h: -h.score)[:10]]

            hits, p50, p95 = timed(fan_out, queries)
            layout = f"collection per tenant ({len(readable)} calls)"
            print(f"{label:<14} {layout:<34} {p50:>7.2f} {p95:>7.2f} {recall(hits, exact):>10.3f}")
    finally:
        for index in made:
            try:
                index._client.delete_collection(index.config.collection)
            except Exception:  # noqa: BLE001 - best effort clean-up of a bench's own collections
                pass
            index.close()
        if proc is not None:
            proc.terminate()
            proc.wait(30)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
