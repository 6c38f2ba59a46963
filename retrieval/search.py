"""Hybrid passage search: dense (embeddings) + sparse (BM25) in the index, fused by RRF.

Access control happens inside the index query: every source searches with a filter on the
collections the caller may read. Passages from other sources (e.g. graph provenance) passed in
``extra`` are fused too; any whose payload names a collection outside the allow-list is dropped
as a second line of defence (their own query must already have filtered them).
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .config import SearchConfig
from .embed import Embedder
from .fusion import reciprocal_rank_fusion
from .index.base import DENSE_ML, Hit, PayloadFields, SearchFilter, VectorIndex
from .language import detect_language
from .sparse import Bm25Encoder

logger = logging.getLogger(__name__)

__all__ = ["SearchMode", "Passage", "SearchResult", "HybridSearcher"]

MAX_QUERY_CHARS = 4000


class SearchMode(enum.StrEnum):
    """Which sources a search uses."""

    DENSE = "dense"
    SPARSE = "sparse"
    HYBRID = "hybrid"


@dataclass(frozen=True)
class Passage(PayloadFields):
    """A ranked passage.

    Attributes:
        chunk_id: the chunk id (cite and fetch by it).
        score: fused RRF score (in single-source modes: RRF of that one source).
        scores: raw score per source (``dense`` cosine, ``sparse`` BM25, ``graph`` ...).
        ranks: 1-based rank per source.
        payload: the indexed payload (text, collection_id, document_id, version_id, page,
            heading_path, kind, chunk_id).
    """

    chunk_id: str
    score: float
    scores: Mapping[str, float]
    ranks: Mapping[str, int]
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class SearchResult:
    """Ranked passages plus per-stage timings (milliseconds); iterates over the passages."""

    passages: tuple[Passage, ...]
    mode: SearchMode
    timings_ms: Mapping[str, float] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Passage]:
        return iter(self.passages)

    def __len__(self) -> int:
        return len(self.passages)

    def __getitem__(self, i: int) -> Passage:
        return self.passages[i]


class HybridSearcher:
    """Dense + sparse search over one :class:`VectorIndex`, fused with weighted RRF."""

    def __init__(
        self,
        index: VectorIndex,
        embedder: Embedder,
        sparse: Bm25Encoder | None = None,
        config: SearchConfig | None = None,
        multilingual: Embedder | None = None,
        *,
        overlap_sources: bool = False,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.sparse = sparse or Bm25Encoder()
        self.config = config or SearchConfig()
        # Second dense source over the "dense_ml" vector: finds passages in another language.
        self.multilingual = multilingual
        # Hybrid: the keyword query runs in a worker thread while the question is embedded.
        self._pool = ThreadPoolExecutor(4, thread_name_prefix="sparse") if overlap_sources else None

    def search(
        self,
        query: str,
        allowed_collection_ids: Iterable[str | int],
        top_k: int | None = None,
        mode: SearchMode | str = SearchMode.HYBRID,
        *,
        document_ids: Iterable[str | int] | None = None,
        version_ids: Iterable[str | int] | None = None,
        kinds: Iterable[str] | None = None,
        extra: Mapping[str, Sequence[Hit]] | None = None,
    ) -> SearchResult:
        """Find the passages that best answer ``query`` among the readable collections.

        Args:
            query: the question (trimmed to 4,000 characters).
            allowed_collection_ids: collections the caller may read; empty returns nothing.
            top_k: passages to return (default ``config.top_k``).
            mode: ``dense``, ``sparse`` or ``hybrid``.
            document_ids: optionally restrict to these documents.
            version_ids: optionally restrict to these document versions (the live ones, so a
                replacement being indexed beside its predecessor never answers twice).
            kinds: optionally restrict to these chunk kinds.
            extra: further ranked lists to fuse, by source name (e.g. ``{"graph": hits}``);
                weighted by ``config.graph_weight`` for ``graph``, 1.0 otherwise.

        Returns:
            The fused ranking with per-source scores and timings.

        Raises:
            ValueError: unknown mode or ``allowed_collection_ids`` is None.
        """
        mode = SearchMode(mode)
        top_k = top_k or self.config.top_k
        flt = SearchFilter.build(
            allowed_collection_ids, document_ids=document_ids, version_ids=version_ids, kinds=kinds
        )
        text = " ".join(query.split())[:MAX_QUERY_CHARS]
        timings: dict[str, float] = {}
        if not text or flt.is_empty:
            return SearchResult((), mode, timings)
        ranked = self._run_sources(text, flt, mode, timings)
        if extra:
            allowed = set(flt.collection_ids)
            for source, hits in extra.items():
                ranked[source] = [
                    h
                    for h in hits
                    if not h.payload
                    or (
                        h.collection_id in allowed
                        and (flt.version_ids is None or h.version_id in flt.version_ids)
                    )
                ]
        started = time.perf_counter()
        fused = reciprocal_rank_fusion(
            ranked,
            self._weights(ranked),
            k=self.config.rrf_k,
            top_k=top_k,
            share_ties=self.config.share_ties,
        )
        passages = tuple(
            Passage(f.chunk_id, f.score, f.source_scores, f.source_ranks, f.payload) for f in fused
        )
        timings["fuse"] = _ms_since(started)
        timings["total"] = sum(timings.values())
        return SearchResult(passages, mode, timings)

    def _run_sources(
        self, text: str, flt: SearchFilter, mode: SearchMode, timings: dict[str, float]
    ) -> dict[str, Sequence[Hit]]:
        n = self.config.candidates_per_source
        ranked: dict[str, Sequence[Hit]] = {}
        sparse_job: Future[Sequence[Hit]] | None = None
        if mode in (SearchMode.SPARSE, SearchMode.HYBRID):
            started = time.perf_counter()
            query = self.sparse.encode_query(text, flt.collection_ids)  # per-collection term ids
            if mode == SearchMode.HYBRID and self._pool is not None:
                # The index server answers the keyword query while this thread embeds.
                sparse_job = self._pool.submit(self.index.search_sparse, query, flt, n)
            else:
                ranked["sparse"] = self.index.search_sparse(query, flt, n)
                timings["sparse"] = _ms_since(started)
        if mode in (SearchMode.DENSE, SearchMode.HYBRID):
            started = time.perf_counter()
            vector = self.embedder.embed_query(text)
            timings["embed"] = _ms_since(started)
            started = time.perf_counter()
            ranked["dense"] = self.index.search(vector, flt, n)
            timings["dense"] = _ms_since(started)
            if self.multilingual is not None and self._wants_multilingual(text):
                started = time.perf_counter()
                vector_ml = self.multilingual.embed_query(text)
                timings["embed_ml"] = _ms_since(started)
                started = time.perf_counter()
                ranked[DENSE_ML] = self.index.search(vector_ml, flt, n, using=DENSE_ML)
                timings[DENSE_ML] = _ms_since(started)
                if detect_language(text) != "en":
                    # MiniLM reads English only: its ranking for a Chinese question is noise
                    # (bench/bilingual.py, dev: zh->en recall@5 .50 -> .53, zh->zh .96 -> 1.0).
                    del ranked["dense"]
        if sparse_job is not None:
            started = time.perf_counter()
            ranked["sparse"] = sparse_job.result()
            # Only the wait beyond the dense work counts: the stages' timings add up to the total.
            timings["sparse"] = _ms_since(started)
        return ranked

    def _wants_multilingual(self, text: str) -> bool:
        # Beside MiniLM on an English question the multilingual vector's weight is
        # dense_ml_weight; at 0 its ranking cannot move anything, so it is neither embedded
        # nor searched (a second model and index round trip per question).
        return self.config.dense_ml_weight > 0 or detect_language(text) != "en"

    def _weights(self, ranked: Mapping[str, Sequence[Hit]]) -> dict[str, float]:
        cfg = self.config
        # Beside MiniLM (an English question) the multilingual vector is a second, weaker English
        # ranker and gets its own weight; without MiniLM (any other language) it is the dense
        # source and keeps the full weight it was measured with (bench/bilingual.py).
        dense_ml = cfg.dense_ml_weight if "dense" in ranked else 1.0
        return {
            "dense": cfg.dense_weight,
            DENSE_ML: dense_ml,
            "sparse": cfg.sparse_weight,
            "graph": cfg.graph_weight,
        }


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
