"""Compare the two embedded Qdrant engines for the index server: qdrant-edge-py vs qdrant-client
local mode, in-process (no HTTP), on the same vectors.

Measures, per engine and size: upsert rate (and HNSW build time for edge), recall@10 against exact
brute-force search, and p50/p95 query latency unfiltered and filtered to 3 of 20 collections
(the access filter every Kenning query carries) and to 1 of 20.

Vectors: real all-MiniLM-L6-v2 embeddings of the nut-doc manual passages, then synthetic vectors
drawn around them (bench/retrieval_corpus.py). Queries: 200 held-out real passages.

    .venv/bin/python bench/index_engines.py --sizes 10000 100000 --local-max 10000
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

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.retrieval_corpus import corpus_vectors, exact_top_k, percentiles_ms  # noqa: E402

N_COLLECTIONS = 20
FILTERS = {"none": None, "3of20": ["0", "1", "2"], "1of20": ["7"]}
K = 10
BATCH = 1000


def _ids(n: int) -> list[str]:
    return [str(uuid.UUID(int=i + 1)) for i in range(n)]


def _masks(n: int) -> dict[str, np.ndarray | None]:
    coll = np.arange(n) % N_COLLECTIONS
    out: dict[str, np.ndarray | None] = {}
    for name, allowed in FILTERS.items():
        out[name] = None if allowed is None else np.isin(coll, [int(a) for a in allowed])
    return out


def _recall(found: list[list[int]], truth: np.ndarray) -> float:
    hits = sum(len(set(f) & set(t.tolist())) for f, t in zip(found, truth, strict=True))
    return hits / truth.size


# --- qdrant-edge ---------------------------------------------------------------------------------


class EdgeEngine:
    name = "qdrant-edge"

    def __init__(self, path: str, dim: int, m: int, ef_construct: int, fst_kb: int = 10_000) -> None:
        import qdrant_edge as qe

        self.qe = qe
        self.acorn = False
        hnsw = qe.HnswIndexConfig(m=m, ef_construct=ef_construct, full_scan_threshold=fst_kb)
        cfg = qe.EdgeConfig(
            vectors={"dense": qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine)},
            hnsw_config=hnsw,
        )
        self.shard = qe.EdgeShard.create(path, cfg)
        self.shard.update(
            qe.UpdateOperation.create_field_index("collection_id", qe.KeywordIndexParams(is_tenant=True))
        )

    def upsert(self, ids: list[str], vectors: np.ndarray, colls: list[str]) -> None:
        qe = self.qe
        points = [
            qe.Point(id=i, vector={"dense": v.tolist()}, payload={"collection_id": c, "page": n})
            for n, (i, v, c) in enumerate(zip(ids, vectors, colls, strict=True))
        ]
        self.shard.update(qe.UpdateOperation.upsert_points(points))

    def finish(self) -> None:
        self.shard.optimize()

    def search(self, q: np.ndarray, allowed: list[str] | None, ef: int) -> list[str]:
        qe = self.qe
        flt = None
        if allowed is not None:
            flt = qe.Filter(must=[qe.FieldCondition(key="collection_id", match=qe.MatchAny(allowed))])
        res = self.shard.query(
            qe.QueryRequest(
                limit=K,
                query=qe.Query.Nearest(q.tolist(), using="dense"),
                filter=flt,
                params=qe.SearchParams(
                    hnsw_ef=ef, acorn=qe.AcornSearchParams(enable=True) if self.acorn else None
                ),
                with_payload=False,
            )
        )
        return [str(p.id) for p in res]

    def close(self) -> None:
        self.shard.close()


# --- qdrant-client local mode --------------------------------------------------------------------


class LocalEngine:
    name = "qdrant-client local"

    def __init__(self, path: str, dim: int, m: int, ef_construct: int, fst_kb: int = 0) -> None:
        from qdrant_client import QdrantClient, models

        self.models = models
        self.client = QdrantClient(path=path)
        self.client.create_collection(
            "bench", vectors_config={"dense": models.VectorParams(size=dim, distance=models.Distance.COSINE)}
        )

    def upsert(self, ids: list[str], vectors: np.ndarray, colls: list[str]) -> None:
        m = self.models
        points = [
            m.PointStruct(id=i, vector={"dense": v.tolist()}, payload={"collection_id": c})
            for i, v, c in zip(ids, vectors, colls, strict=True)
        ]
        self.client.upsert("bench", points=points, wait=True)

    def finish(self) -> None:
        pass

    def search(self, q: np.ndarray, allowed: list[str] | None, ef: int) -> list[str]:
        m = self.models
        flt = None
        if allowed is not None:
            flt = m.Filter(must=[m.FieldCondition(key="collection_id", match=m.MatchAny(any=allowed))])
        res = self.client.query_points("bench", query=q.tolist(), using="dense", query_filter=flt, limit=K)
        return [str(p.id) for p in res.points]

    def close(self) -> None:
        self.client.close()


def run_engine(engine_cls, n: int, vectors: np.ndarray, queries: np.ndarray, args) -> list[dict]:
    ids = _ids(n)
    colls = [str(i % N_COLLECTIONS) for i in range(n)]
    id_pos = {u: i for i, u in enumerate(ids)}
    masks = _masks(n)
    truth = {name: exact_top_k(vectors, queries, K, mask) for name, mask in masks.items()}
    rows = []
    for m, efc, fst in args.builds:
        tmp = tempfile.mkdtemp(prefix="kenning-bench-", dir=args.tmp)
        try:
            engine = engine_cls(os.path.join(tmp, "store"), vectors.shape[1], m, efc, fst)
            t0 = time.perf_counter()
            for s in range(0, n, BATCH):
                engine.upsert(ids[s : s + BATCH], vectors[s : s + BATCH], colls[s : s + BATCH])
            t1 = time.perf_counter()
            engine.finish()
            t2 = time.perf_counter()
            efs = args.efs if engine_cls is EdgeEngine else [0]
            variants = [(ef, ac) for ef in efs for ac in ([False, True] if args.acorn else [False])]
            for ef, acorn in variants:
                engine.acorn = acorn
                for fname, allowed in FILTERS.items():
                    lat, found = [], []
                    for q in queries:
                        qs = time.perf_counter()
                        got = engine.search(q, allowed, ef)
                        lat.append(time.perf_counter() - qs)
                        found.append([id_pos[g] for g in got])
                    p50, p95 = percentiles_ms(lat)
                    row = dict(
                        engine=engine.name + ("+acorn" if acorn else ""),
                        n=n,
                        m=m,
                        efc=efc,
                        fst=fst,
                        ef=ef,
                        filter=fname,
                        upsert_pts_s=n / (t1 - t0),
                        build_s=t2 - t1,
                        recall=_recall(found, truth[fname]),
                        p50=p50,
                        p95=p95,
                    )
                    rows.append(row)
                    _print_row(row)
            engine.close()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if engine_cls is LocalEngine:
            break  # local mode is exact; HNSW parameters do not apply
    return rows


def _print_row(r: dict) -> None:
    print(
        f"{r['engine']:<20} n={r['n']:>6} m={r['m']:>2} efc={r['efc']:>3} fst={r['fst']:>5}kB "
        f"ef={r['ef']:>3} "
        f"filter={r['filter']:<5} upsert={r['upsert_pts_s']:>8.0f} pts/s build={r['build_s']:>6.1f}s "
        f"recall@10={r['recall']:.3f} p50={r['p50']:.2f}ms p95={r['p95']:.2f}ms",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--local-max", type=int, default=10_000, help="largest size run on local mode")
    parser.add_argument("--efs", type=int, nargs="+", default=[32, 64, 128, 256])
    parser.add_argument(
        "--builds",
        type=str,
        nargs="+",
        default=["16:128:10000"],
        help="m:ef_construct:full_scan_threshold_kb",
    )
    parser.add_argument("--acorn", action="store_true", help="also run each ef with ACORN filtered search")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--tmp", default=None)
    args = parser.parse_args()
    args.builds = [tuple(int(x) for x in b.split(":")) for b in args.builds]
    print(f"# {platform.platform()} python {platform.python_version()} cpus={os.cpu_count()}")
    for n in args.sizes:
        vectors, queries, n_real = corpus_vectors(n, holdout=args.queries)
        print(
            f"# n={n}: {n_real} real MiniLM embeddings + {n - n_real} synthetic around them; "
            f"{len(queries)} held-out real queries; k={K}; filters {list(FILTERS)}"
        )
        run_engine(EdgeEngine, n, vectors, queries, args)
        if n <= args.local_max:
            run_engine(LocalEngine, n, vectors, queries, args)


if __name__ == "__main__":
    main()
