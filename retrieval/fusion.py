"""Reciprocal rank fusion of ranked passage lists (dense, sparse, graph, ...).

RRF (Cormack, Clarke & Buettcher, 2009) scores a passage by its ranks, not its raw scores, so
cosine similarities and BM25 scores need no calibration::

    score(d) = sum over sources s of  weight_s / (k + rank_s(d))      (rank 1-based, k = 60)

A passage found by several sources is one fused hit (deduplicated by chunk id) that keeps each
source's raw score and rank.

Hits of one source with equal scores share the better rank (competition ranking: 1, 2, 2, 4), so
the fusion does not invent an order the source did not give: the bench's graph list scores every
passage supporting the same entities alike, and ranking such ties in corpus order pushed an
arbitrary work order to rank 1 (docs/BENCH_RETRIEVAL.md, run of 2026-12-07). The portal's graph
passages are fetched by id (score 0), so they are one tie: each gets the graph's rank-1 weight,
as each passage supporting a specific linked entity does in the bench.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .index.base import Hit

__all__ = ["FusedHit", "reciprocal_rank_fusion"]

RRF_K = 60


@dataclass
class FusedHit:
    """A passage after fusion.

    Attributes:
        chunk_id: the passage's chunk id.
        score: the fused RRF score.
        payload: the passage payload (from the first source that returned it with one).
        source_scores: raw score per source that found it (cosine, BM25, graph weight...).
        source_ranks: 1-based rank per source that found it.
    """

    chunk_id: str
    score: float
    payload: Mapping[str, Any]
    source_scores: dict[str, float] = field(default_factory=dict)
    source_ranks: dict[str, int] = field(default_factory=dict)


def reciprocal_rank_fusion(
    ranked: Mapping[str, Sequence[Hit]],
    weights: Mapping[str, float] | None = None,
    k: int = RRF_K,
    top_k: int | None = None,
    *,
    share_ties: bool = True,
) -> list[FusedHit]:
    """Fuse ranked lists by weighted reciprocal rank.

    Args:
        ranked: source name -> hits, best first. A chunk repeated within one list counts once,
            at its best rank; hits with equal scores share the better rank.
        weights: source name -> multiplier (default 1.0; 0 ignores a source).
        k: the RRF constant; larger values flatten the difference between ranks.
        top_k: keep only this many fused hits (None keeps all).
        share_ties: equal scores within one source share the better rank (False: list order).

    Returns:
        Fused hits, best first; ties broken by best single rank, then chunk id.

    Raises:
        ValueError: ``k`` < 1 or a negative weight.
    """
    if k < 1:
        raise ValueError("k must be >= 1")
    weights = weights or {}
    fused: dict[str, FusedHit] = {}
    for source, hits in ranked.items():
        weight = float(weights.get(source, 1.0))
        if weight < 0:
            raise ValueError(f"weight of {source!r} is negative")
        rank = shared = 0
        previous: float | None = None
        for hit in hits:
            entry = fused.get(hit.chunk_id)
            if entry is not None and source in entry.source_ranks:
                continue  # duplicate inside one list: keep the best rank only
            rank += 1
            if not share_ties or float(hit.score) != previous:
                shared = rank
            previous = float(hit.score)
            if entry is None:
                entry = fused[hit.chunk_id] = FusedHit(hit.chunk_id, 0.0, hit.payload)
            elif not entry.payload and hit.payload:
                entry.payload = hit.payload
            entry.score += weight / (k + shared)
            entry.source_scores[source] = float(hit.score)
            entry.source_ranks[source] = shared
    ordered = sorted(fused.values(), key=lambda h: (-h.score, min(h.source_ranks.values()), h.chunk_id))
    return ordered if top_k is None else ordered[:top_k]
