"""Passage index over ``qdrant_client.QdrantClient(url=...)``.

The same code talks to a Qdrant server (production, docker-compose ``QDRANT_URL``) and to
Kenning's own index server (development and tests: ``python -m retrieval.index.server``), which
owns the embedded engine and speaks the subset of Qdrant's REST API used here. Only REST is used
(no gRPC) so that both targets behave the same.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np

from ..config import IndexConfig
from ..errors import CollectionMissing, IndexConfigMismatch, IndexUnavailable, VectorIndexError
from .base import (
    DENSE,
    DENSE_ML,
    PAYLOAD_INDEXES,
    SPARSE,
    Hit,
    IndexPoint,
    SearchFilter,
    SparseVector,
    VectorIndex,
    point_id,
    require_delete_fields,
)

logger = logging.getLogger(__name__)

__all__ = ["QdrantIndex"]

T = TypeVar("T")
UPSERT_BATCH = 256
# How long a search trusts the cached answer to "does the collection store DENSE_ML?".
ML_CACHE_S = 60.0
# What Qdrant (and the index server) answer for a query on a named vector the collection lacks.
MISSING_VECTOR = "Not existing vector name"


class QdrantIndex(VectorIndex):
    """VectorIndex backed by a Qdrant REST endpoint.

    Build it with :meth:`connect` (checks the endpoint answers) or pass a ready client (tests).
    """

    def __init__(self, client: Any, config: IndexConfig) -> None:
        self._client = client
        self.config = config
        self._name = config.collection
        # Whether the collection stores DENSE_ML, for the search path: (answer, monotonic time).
        self._ml_seen: tuple[bool, float] | None = None

    @classmethod
    def connect(cls, config: IndexConfig) -> QdrantIndex:
        """Create a client for ``config.url`` and check that the server answers.

        Args:
            config: URL, collection name, API key, timeout, HNSW parameters.

        Returns:
            A connected index (the collection may still need :meth:`ensure_collection`).

        Raises:
            IndexUnavailable: the server cannot be reached.
        """
        from qdrant_client import QdrantClient

        client = QdrantClient(
            url=config.url,
            api_key=config.api_key,
            timeout=max(1, int(round(config.timeout_s))),
            prefer_grpc=False,
            check_compatibility=False,
        )
        index = cls(client, config)
        index._call(client.get_collections)
        return index

    # --- writes --------------------------------------------------------------------------------

    def ensure_collection(self, dim: int, ml_dim: int | None = None) -> None:
        if self._call(self._client.collection_exists, self._name):
            self._check_dim(dim)
            if ml_dim is not None and not self._stores_ml():
                # Qdrant cannot add a named vector to an existing collection: re-index into a
                # new collection to search this one across languages.
                logger.warning(
                    "collection %r has no %s vector; cross-language search is off", self._name, DENSE_ML
                )
        else:
            self._create(dim, ml_dim)
        for field, schema in PAYLOAD_INDEXES.items():
            self._create_payload_index(field, schema)

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        from qdrant_client import models

        with_ml = any(p.vector_ml is not None for p in points) and self._stores_ml()
        for start in range(0, len(points), UPSERT_BATCH):
            batch = [_to_point_struct(p, models, with_ml) for p in points[start : start + UPSERT_BATCH]]
            self._call(self._client.upsert, self._name, points=batch, wait=True)

    def delete_by_filter(
        self,
        *,
        collection_id: str | int | None = None,
        document_id: str | int | None = None,
        version_id: str | int | None = None,
    ) -> None:
        from qdrant_client import models

        fields = require_delete_fields(
            collection_id=collection_id, document_id=document_id, version_id=version_id
        )
        must: list[Any] = [
            models.FieldCondition(key=k, match=models.MatchValue(value=v)) for k, v in fields.items()
        ]
        selector = models.FilterSelector(filter=models.Filter(must=must))
        self._call(self._client.delete, self._name, points_selector=selector, wait=True)

    # --- reads ---------------------------------------------------------------------------------

    def search(
        self, vector: Sequence[float] | np.ndarray, flt: SearchFilter, top_k: int, using: str = DENSE
    ) -> list[Hit]:
        from qdrant_client import models

        if using not in (DENSE, DENSE_ML):
            raise ValueError(f"unknown vector {using!r}")
        if flt.is_empty or (using == DENSE_ML and not self._stores_ml_cached()):
            return []
        hnsw = self.config.hnsw
        params = models.SearchParams(
            hnsw_ef=max(hnsw.ef_search, top_k),
            acorn=models.AcornSearchParams(enable=True) if hnsw.acorn else None,
        )
        query = np.asarray(vector, dtype=np.float32).tolist()
        if using != DENSE_ML:
            return self._query(query, using, flt, top_k, params)
        try:
            return self._query(query, using, flt, top_k, params)
        except VectorIndexError as e:
            if MISSING_VECTOR not in str(e):
                raise
            # The collection was re-created without DENSE_ML since the answer was cached.
            self._ml_seen = None
            if self._stores_ml_cached():
                raise
            return []

    def search_sparse(self, sparse: SparseVector, flt: SearchFilter, top_k: int) -> list[Hit]:
        from qdrant_client import models

        if flt.is_empty or not sparse:
            return []
        query = models.SparseVector(indices=list(sparse.indices), values=list(sparse.values))
        return self._query(query, SPARSE, flt, top_k, None)

    def count(self, flt: SearchFilter | None = None) -> int:
        if flt is not None and flt.is_empty:
            return 0
        qfilter = _to_filter(flt) if flt is not None else None
        result = self._call(self._client.count, self._name, count_filter=qfilter, exact=True)
        return int(result.count)

    def retrieve(self, chunk_ids: Sequence[str]) -> list[Hit]:
        ids = [point_id(c) for c in chunk_ids]
        records = self._call(self._client.retrieve, self._name, ids=ids, with_payload=True)
        by_chunk = {r.payload["chunk_id"]: r.payload for r in records if r.payload}
        return [Hit(c, 0.0, by_chunk[c]) for c in chunk_ids if c in by_chunk]

    def iter_chunk_ids(self, flt: SearchFilter | None = None, page_size: int = 512) -> Iterator[str]:
        """Yield the chunk ids of every point (inside ``flt`` if given), for reconciliation jobs.

        Args:
            flt: optional filter.
            page_size: points fetched per request.

        Returns:
            An iterator of chunk ids.
        """
        qfilter = _to_filter(flt) if flt is not None else None
        offset = None
        while True:
            records, offset = self._call(
                self._client.scroll,
                self._name,
                scroll_filter=qfilter,
                limit=page_size,
                offset=offset,
                with_payload=["chunk_id"],
                with_vectors=False,
            )
            yield from (r.payload["chunk_id"] for r in records if r.payload)
            if offset is None:
                return

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._client.close()

    # --- helpers -------------------------------------------------------------------------------

    def _query(self, query: Any, using: str, flt: SearchFilter, top_k: int, params: Any) -> list[Hit]:
        response = self._call(
            self._client.query_points,
            self._name,
            query=query,
            using=using,
            query_filter=_to_filter(flt),
            limit=top_k,
            with_payload=True,
            search_params=params,
        )
        return [
            Hit(str((p.payload or {}).get("chunk_id", p.id)), float(p.score), p.payload or {})
            for p in response.points
        ]

    def _create(self, dim: int, ml_dim: int | None = None) -> None:
        from qdrant_client import models

        hnsw = self.config.hnsw
        vector_params = {
            name: models.VectorParams(
                size=size,
                distance=models.Distance.COSINE,
                hnsw_config=models.HnswConfigDiff(
                    m=hnsw.m, ef_construct=hnsw.ef_construct, full_scan_threshold=hnsw.full_scan_threshold_kb
                ),
            )
            for name, size in ((DENSE, dim), (DENSE_ML, ml_dim))
            if size is not None
        }
        try:
            self._call(
                self._client.create_collection,
                self._name,
                vectors_config=vector_params,
                sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
            )
        except VectorIndexError:
            # Another process may have created it between the existence check and now.
            if not self._call(self._client.collection_exists, self._name):
                raise
            self._check_dim(dim)

    def _create_payload_index(self, field: str, schema: str) -> None:
        from qdrant_client import models

        field_schema: Any
        if field == "collection_id":
            field_schema = models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD, is_tenant=True)
        else:
            field_schema = models.PayloadSchemaType(schema)
        self._call(self._client.create_payload_index, self._name, field, field_schema=field_schema, wait=True)

    def _stores_ml(self) -> bool:
        # Writes ask every time (about 1 ms a batch): another process may drop and re-create the
        # collection with or without DENSE_ML (a re-index), and a stale answer made every upsert of
        # a long-lived worker fail with "Not existing vector name".
        vectors = self._call(self._client.get_collection, self._name).config.params.vectors
        stores = isinstance(vectors, dict) and DENSE_ML in vectors
        self._ml_seen = (stores, time.monotonic())
        return stores

    def _stores_ml_cached(self) -> bool:
        # Searches reuse the answer for a while: asking cost a round trip per question (3-10 ms
        # beside a busy model server). A stale "yes" shows up as MISSING_VECTOR and is re-asked
        # at once; a stale "no" only hides the cross-language source until the answer expires.
        seen = self._ml_seen
        if seen is None or time.monotonic() - seen[1] > ML_CACHE_S:
            return self._stores_ml()
        return seen[0]

    def _check_dim(self, dim: int) -> None:
        info = self._call(self._client.get_collection, self._name)
        vectors = info.config.params.vectors
        size = vectors[DENSE].size if isinstance(vectors, dict) and DENSE in vectors else None
        if size != dim:
            raise IndexConfigMismatch(
                f"collection {self._name!r} stores dense vectors of size {size}, embedder gives {dim}"
            )

    def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            raise _translate(e, self._name) from e


def _translate(e: Exception, collection: str) -> VectorIndexError:
    from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

    if isinstance(e, UnexpectedResponse):
        body = e.content.decode("utf-8", "replace")[:500]
        if e.status_code == 404:
            return CollectionMissing(f"collection {collection!r} not found: {body}")
        transient = e.status_code is not None and (e.status_code >= 500 or e.status_code == 429)
        logger.warning("qdrant answered %s: %s", e.status_code, body)
        cls = IndexUnavailable if transient else VectorIndexError
        return cls(f"qdrant answered {e.status_code}: {body}")
    if isinstance(e, (ResponseHandlingException, ConnectionError, TimeoutError, OSError)):
        return IndexUnavailable(f"qdrant unreachable: {e}")
    return VectorIndexError(f"qdrant call failed: {type(e).__name__}: {e}")


def _to_filter(flt: SearchFilter) -> Any:
    from qdrant_client import models

    must: list[Any] = []
    for key, values in flt.conditions():
        match = models.MatchValue(value=values[0]) if len(values) == 1 else models.MatchAny(any=list(values))
        must.append(models.FieldCondition(key=key, match=match))
    return models.Filter(must=must)


def _to_point_struct(p: IndexPoint, models: Any, with_ml: bool = False) -> Any:
    vector: dict[str, Any] = {DENSE: np.asarray(p.vector, dtype=np.float32).tolist()}
    if with_ml and p.vector_ml is not None:
        vector[DENSE_ML] = np.asarray(p.vector_ml, dtype=np.float32).tolist()
    if p.sparse:
        vector[SPARSE] = models.SparseVector(indices=list(p.sparse.indices), values=list(p.sparse.values))
    return models.PointStruct(id=point_id(p.chunk_id), vector=vector, payload=p.payload())
