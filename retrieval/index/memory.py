"""Exact in-memory passage index for unit tests and small tools.

Same semantics as the Qdrant backend: cosine scores for dense search, BM25 sparse scores with
Qdrant's IDF modifier (``ln(1 + (N - n + 0.5) / (n + 0.5))`` over every point that has a sparse
vector), filters applied before ranking. Single process, not persistent.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import CollectionMissing, IndexConfigMismatch
from .base import (
    DENSE,
    DENSE_ML,
    Hit,
    IndexPoint,
    SearchFilter,
    SparseVector,
    VectorIndex,
    require_delete_fields,
)

__all__ = ["MemoryIndex"]


class _Row:
    __slots__ = ("vectors", "sparse", "payload")

    def __init__(
        self, vectors: dict[str, np.ndarray], sparse: dict[int, float], payload: dict[str, Any]
    ) -> None:
        self.vectors = vectors
        self.sparse = sparse
        self.payload = payload


class MemoryIndex(VectorIndex):
    """A dict of points searched exhaustively; thread-safe."""

    def __init__(self) -> None:
        self._rows: dict[str, _Row] = {}
        self._dim: int | None = None
        self._ml_dim: int | None = None
        self._lock = threading.RLock()

    def ensure_collection(self, dim: int, ml_dim: int | None = None) -> None:
        with self._lock:
            if self._dim is None:
                self._dim, self._ml_dim = dim, ml_dim
            elif self._dim != dim:
                raise IndexConfigMismatch(f"collection has dim {self._dim}, asked for {dim}")

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        dim = self._require_dim()
        rows = {}
        for p in points:
            vec = np.asarray(p.vector, dtype=np.float32)
            if vec.shape != (dim,):
                raise IndexConfigMismatch(f"point {p.chunk_id!r} has shape {vec.shape}, expected ({dim},)")
            vectors = {DENSE: vec}
            if p.vector_ml is not None and self._ml_dim is not None:
                ml = np.asarray(p.vector_ml, dtype=np.float32)
                if ml.shape != (self._ml_dim,):
                    raise IndexConfigMismatch(f"point {p.chunk_id!r} has a {ml.shape} {DENSE_ML} vector")
                vectors[DENSE_ML] = ml
            sparse = dict(zip(p.sparse.indices, p.sparse.values, strict=True)) if p.sparse else {}
            rows[p.chunk_id] = _Row(vectors, sparse, p.payload())
        with self._lock:
            self._rows.update(rows)

    def delete_by_filter(
        self,
        *,
        collection_id: str | int | None = None,
        document_id: str | int | None = None,
        version_id: str | int | None = None,
    ) -> None:
        fields = require_delete_fields(
            collection_id=collection_id, document_id=document_id, version_id=version_id
        )
        with self._lock:
            doomed = [
                cid for cid, row in self._rows.items() if all(row.payload[k] == v for k, v in fields.items())
            ]
            for cid in doomed:
                del self._rows[cid]

    def search(
        self, vector: Sequence[float] | np.ndarray, flt: SearchFilter, top_k: int, using: str = DENSE
    ) -> list[Hit]:
        self._require_dim()
        if using not in (DENSE, DENSE_ML):
            raise ValueError(f"unknown vector {using!r}")
        if flt.is_empty:
            return []
        q = np.asarray(vector, dtype=np.float32)
        candidates = [(cid, row, row.vectors.get(using)) for cid, row in self._matching(flt)]
        scored = [(float(v @ q) / _norms(v, q), cid, row) for cid, row, v in candidates if v is not None]
        return _top(scored, top_k)

    def search_sparse(self, sparse: SparseVector, flt: SearchFilter, top_k: int) -> list[Hit]:
        self._require_dim()
        if flt.is_empty or not sparse:
            return []
        with self._lock:
            all_rows = list(self._rows.values())
        idf = _idf(sparse.indices, all_rows)
        scored = []
        for cid, row in self._matching(flt):
            score = sum(
                v * row.sparse[i] * idf[i]
                for i, v in zip(sparse.indices, sparse.values, strict=True)
                if i in row.sparse
            )
            if score > 0:
                scored.append((score, cid, row))
        return _top(scored, top_k)

    def count(self, flt: SearchFilter | None = None) -> int:
        self._require_dim()
        if flt is None:
            return len(self._rows)
        return 0 if flt.is_empty else len(self._matching(flt))

    def retrieve(self, chunk_ids: Sequence[str]) -> list[Hit]:
        self._require_dim()
        with self._lock:
            return [Hit(cid, 0.0, dict(self._rows[cid].payload)) for cid in chunk_ids if cid in self._rows]

    def _matching(self, flt: SearchFilter) -> list[tuple[str, _Row]]:
        conds = flt.conditions()
        with self._lock:
            return [
                (cid, row)
                for cid, row in self._rows.items()
                if all(row.payload.get(k) in allowed for k, allowed in conds)
            ]

    def _require_dim(self) -> int:
        if self._dim is None:
            raise CollectionMissing("call ensure_collection(dim) first")
        return self._dim


def _norms(a: np.ndarray, b: np.ndarray) -> float:
    n = float(np.linalg.norm(a) * np.linalg.norm(b))
    return n if n > 0 else 1.0


def _idf(indices: Sequence[int], rows: list[_Row]) -> dict[int, float]:
    with_sparse = [r for r in rows if r.sparse]
    total = len(with_sparse)
    out = {}
    for i in indices:
        n = sum(1 for r in with_sparse if i in r.sparse)
        out[i] = math.log(1.0 + (total - n + 0.5) / (n + 0.5))
    return out


def _top(scored: list[tuple[float, str, _Row]], top_k: int) -> list[Hit]:
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [Hit(cid, score, dict(row.payload)) for score, cid, row in scored[:top_k]]
