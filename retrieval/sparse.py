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

Term statistics per collection: the engine counts a term's document frequency ``n_t`` over the
whole index, so the term ids of a passage are scoped by its collection (``crc32(collection +
term)``) and a query carries each term once per collection the caller may read. ``n_t`` is then
counted inside one collection only: a word that is everywhere in another tenant's manuals no
longer looks common here. ``N`` (points with a sparse vector) stays index-wide; it shifts every
IDF of a collection by about the same ``ln N`` and leaves single-term rankings unchanged.

Terms (``tokenize``): English words through the Snowball (Porter 2) stemmer, so "Removing"
meets "remove"; words of three letters or fewer, and anything with a digit, are kept as written
("ups" is not "up"). Codes such as ``P-101``, ``E-47``, ``2906-0565-00`` and ``WO-2025-00417``
are kept whole and also emitted in their joined form (``p101``) and their parts, so "E47",
"E-47" and "e 47" all meet. Han-script runs are segmented into words with jieba; Latin codes
inside Chinese text stay whole.

Changing any of this changes the stored vectors: ``SPARSE_VERSION`` is stamped into each
passage's payload, and ``manage.py reindex`` rewrites the sparse vectors of older passages.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import zlib
from collections import Counter
from collections.abc import Iterable

from .config import SparseConfig
from .index.base import SparseVector

__all__ = ["SPARSE_VERSION", "Bm25Encoder", "tokenize"]

# Bump whenever tokenize() or the term ids change: passages stamped with an older version need
# ``manage.py reindex`` before keyword search finds them again.
SPARSE_VERSION = 2

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_TOKEN = re.compile(r"[^\W_]+(?:[-_./:][^\W_]+)*", re.UNICODE)
_SPLIT = re.compile(r"[-_./:]")
_HAN_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# A short English stopword list; BM25's IDF already discounts common words, this only keeps
# the postings of "the"/"and" out of the index.
_STOPWORDS = frozenset(
    """a an and are as at be been but by can do does for from has have if in into is it its
    may must not of on or shall should so such than that the their then there these they this
    to was were which will with you your""".split()
)
# A question's negated auxiliaries ("won't", "can't", "doesn't", typed "dont") tokenise to "won",
# "t", "doesn": no topic, and every manual's "won't" and "can't" holds them too, so they ranked
# passages by the auxiliary: "every snmpset we try is refused, can't change anything on the agent"
# found the Net-SNMP FAQ's answer on SETs 4th behind "Why can't I see anything from the agent?"
# (docs/GRAPH.md §8, session 13), and "Engine won't start" came up for "bucket won't open". The
# negation is a stopword ("not") anyway. Questions only: passages keep these terms, so the stored
# vectors do not change. Clitics ("UPS's", "what's") stay: their "s" met the answer's possessives
# (bench/retrieval_recall.py: dropped, 3 questions lost rank 1, none gained).
_NEGATED = re.compile(
    r"(?<![a-z])(?:[a-z]*n['\u2019]t|(?:ain|aren|can|couldn|didn|doesn|don|hadn|hasn|haven|isn|"
    r"mustn|needn|shan|shouldn|wasn|weren|won|wouldn)t)(?![a-z])",
    re.IGNORECASE,
)
# The Chinese counterparts: particles and pronouns in nearly every sentence.
_HAN_STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 或 也 都 就 而 吗 呢 吧 啊 我 你 他 她 它 们 这 那 之 其 被 把 对 从".split()
)


def tokenize(text: str) -> list[str]:
    """Split text into BM25 terms.

    Lower-cases, drops stopwords, stems English words (Snowball), keeps codes whole (plus
    joined form and parts), and segments Han-script runs into words with jieba.

    Args:
        text: passage or question.

    Returns:
        Terms in text order (repeats kept, so term frequency can be counted).
    """
    terms: list[str] = []
    position = 0
    for han in _HAN.finditer(text):
        _latin_terms(text[position : han.start()], terms)
        terms.extend(w for w in _segment(han.group(0)) if w not in _HAN_STOPWORDS and _HAN_WORD.search(w))
        position = han.end()
    _latin_terms(text[position:], terms)
    return terms


def _latin_terms(text: str, terms: list[str]) -> None:
    for raw in _TOKEN.findall(text.lower()):
        parts = [p for p in _SPLIT.split(raw) if p]
        if len(parts) > 1:
            terms.append(raw)
            terms.append("".join(parts))
            terms.extend(_stem(p) for p in parts if p not in _STOPWORDS)
        elif raw not in _STOPWORDS:
            terms.append(_stem(raw))


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """Snowball English stem of a plain word; codes, numbers and short words stay as written."""
    if len(word) <= 3 or not word.isalpha() or not word.isascii():
        return word
    return _stemmer().stemWord(word)


_per_thread = threading.local()


def _stemmer():  # type: ignore[no-untyped-def]
    # One per thread: a Snowball stemmer holds the word it is stemming; threads searching at once
    # must not share one (see retrieval/terms.py).
    import snowballstemmer

    stemmer = getattr(_per_thread, "stemmer", None)
    if stemmer is None:
        stemmer = _per_thread.stemmer = snowballstemmer.stemmer("english")
    return stemmer


def _segment(run: str) -> list[str]:
    return _jieba().lcut(run)


@functools.cache
def _jieba():  # type: ignore[no-untyped-def]
    # Loaded on first Chinese text only (its dictionary takes ~1 s to build); quiet, since jieba
    # logs its cache use at DEBUG through its own handler.
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def _term_id(term: str, scope: str | None = None) -> int:
    # crc32 is stable across processes (unlike hash()) and fits Qdrant's uint32 sparse indices.
    key = term if scope is None else f"{scope}\x1f{term}"
    return zlib.crc32(key.encode("utf-8"))


class Bm25Encoder:
    """Turns passages and questions into BM25 sparse vectors (see module docstring)."""

    version = SPARSE_VERSION

    def __init__(self, config: SparseConfig | None = None) -> None:
        self.config = config or SparseConfig()

    def encode_document(self, text: str, collection_id: str | int | None = None) -> SparseVector:
        """Encode a passage for indexing.

        Args:
            text: passage text (include its heading path for better matches).
            collection_id: the passage's collection; its terms are counted for IDF only with
                that collection's passages. None: unscoped terms (one-collection indexes).

        Returns:
            Term-frequency BM25 weights; empty for text without terms.
        """
        terms = tokenize(text)
        if not terms:
            return SparseVector((), ())
        cfg = self.config
        scope = None if collection_id is None else str(collection_id)
        norm = cfg.k1 * (1.0 - cfg.b + cfg.b * len(terms) / cfg.avg_len)
        weights: dict[int, float] = {}
        for term, tf in Counter(terms).items():
            tid = _term_id(term, scope)
            weights[tid] = weights.get(tid, 0.0) + tf * (cfg.k1 + 1.0) / (tf + norm)
        return _sorted_vector(weights.items())

    def encode_documents(
        self, texts: Iterable[str], collection_id: str | int | None = None
    ) -> list[SparseVector]:
        """Encode many passages of one collection.

        Args:
            texts: passage texts.
            collection_id: their collection (see :meth:`encode_document`).

        Returns:
            One sparse vector per text.
        """
        return [self.encode_document(t, collection_id) for t in texts]

    def encode_query(self, text: str, collection_ids: Iterable[str | int] | None = None) -> SparseVector:
        """Encode a question: weight 1 per distinct term and collection (the engine applies IDF).

        Negated auxiliaries ("won't", "can't") are no terms of a question.

        Args:
            text: the question.
            collection_ids: the collections searched (their scoped term ids); None queries
                unscoped terms.

        Returns:
            The query vector; empty when the question has no searchable term.
        """
        terms = set(tokenize(_NEGATED.sub(" ", text)))
        if collection_ids is None:
            return _sorted_vector((_term_id(t), 1.0) for t in terms)
        scopes = {str(c) for c in collection_ids}
        return _sorted_vector((_term_id(t, s), 1.0) for s in scopes for t in terms)


def _sorted_vector(items: Iterable[tuple[int, float]]) -> SparseVector:
    pairs = sorted(dict(items).items())
    return SparseVector(tuple(i for i, _ in pairs), tuple(float(v) for _, v in pairs))
