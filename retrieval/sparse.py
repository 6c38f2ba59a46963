"""BM25 sparse retrieval as Qdrant sparse vectors with the IDF modifier.

Decision (measured with ``bench/retrieval_latency.py``): BM25 lives in the same index as the dense
vectors, as a named sparse vector ``"bm25"`` whose collection is created with
``modifier=idf``. Each passage stores its BM25 term-frequency part::

    w(t, d) = tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avg_len))

and a query stores weight 1 per distinct term, so the engine's sparse dot product with its IDF
``ln(1 + (N - n_t + 0.5) / (n_t + 0.5))`` is exactly BM25. Why this rather than rank-bm25 or a
side SQLite FTS5 index:

- the engine keeps an inverted index, so a query touches only the postings of its terms
  (rank-bm25 scores every document in Python: O(corpus) per query, seconds at 100k chunks);
- the access filter (``collection_id``) runs inside the same engine query as for dense search,
  and deleting a version removes its sparse vectors with its dense ones: one store, no
  second index to keep consistent;
- it works unchanged against a production Qdrant server (sparse vectors + IDF since 1.10).

IDF is computed over the whole collection (all tenants), as Qdrant does by default; term
statistics therefore mix collections, which affects ranking only, never access.

The tokenizer is tuned for equipment manuals: codes such as ``P-101``, ``E-47``,
``2906-0565-00`` and ``WO-2025-00417`` are kept whole and also emitted in their joined form
(``p101``) and their parts, so "E47", "E-47" and "e 47" all meet.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Iterable

from .config import SparseConfig
from .index.base import SparseVector

__all__ = ["Bm25Encoder", "tokenize"]

_TOKEN = re.compile(r"[^\W_]+(?:[-_./:][^\W_]+)*", re.UNICODE)
_SPLIT = re.compile(r"[-_./:]")

# A short English stopword list; BM25's IDF already discounts common words, this only keeps
# the postings of "the"/"and" out of the index.
_STOPWORDS = frozenset(
    """a an and are as at be been but by can do does for from has have if in into is it its
    may must not of on or shall should so such than that the their then there these they this
    to was were which will with you your""".split()
)


def tokenize(text: str) -> list[str]:
    """Split text into BM25 terms.

    Lower-cases, drops stopwords, strips plural endings from plain words, and keeps codes whole
    (plus joined form and parts).

    Args:
        text: passage or question.

    Returns:
        Terms in text order (repeats kept, so term frequency can be counted).
    """
    terms: list[str] = []
    for raw in _TOKEN.findall(text.lower()):
        parts = [p for p in _SPLIT.split(raw) if p]
        if len(parts) > 1:
            terms.append(raw)
            terms.append("".join(parts))
            terms.extend(_stem(p) for p in parts if p not in _STOPWORDS)
        elif raw not in _STOPWORDS:
            terms.append(_stem(raw))
    return terms


def _stem(word: str) -> str:
    """Minimal English plural stripping for alphabetic words (codes stay as they are)."""
    if not word.isalpha() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _term_id(term: str) -> int:
    # crc32 is stable across processes (unlike hash()) and fits Qdrant's uint32 sparse indices.
    return zlib.crc32(term.encode("utf-8"))


class Bm25Encoder:
    """Turns passages and questions into BM25 sparse vectors (see module docstring)."""

    def __init__(self, config: SparseConfig | None = None) -> None:
        self.config = config or SparseConfig()

    def encode_document(self, text: str) -> SparseVector:
        """Encode a passage for indexing.

        Args:
            text: passage text (include its heading path for better matches).

        Returns:
            Term-frequency BM25 weights; empty for text without terms.
        """
        terms = tokenize(text)
        if not terms:
            return SparseVector((), ())
        cfg = self.config
        norm = cfg.k1 * (1.0 - cfg.b + cfg.b * len(terms) / cfg.avg_len)
        weights: dict[int, float] = {}
        for term, tf in Counter(terms).items():
            tid = _term_id(term)
            weights[tid] = weights.get(tid, 0.0) + tf * (cfg.k1 + 1.0) / (tf + norm)
        return _sorted_vector(weights.items())

    def encode_documents(self, texts: Iterable[str]) -> list[SparseVector]:
        """Encode many passages.

        Args:
            texts: passage texts.

        Returns:
            One sparse vector per text.
        """
        return [self.encode_document(t) for t in texts]

    def encode_query(self, text: str) -> SparseVector:
        """Encode a question: weight 1 per distinct term (the engine applies IDF).

        Args:
            text: the question.

        Returns:
            The query vector; empty when the question has no searchable term.
        """
        return _sorted_vector((_term_id(t), 1.0) for t in set(tokenize(text)))


def _sorted_vector(items: Iterable[tuple[int, float]]) -> SparseVector:
    pairs = sorted(dict(items).items())
    return SparseVector(tuple(i for i, _ in pairs), tuple(float(v) for _, v in pairs))
