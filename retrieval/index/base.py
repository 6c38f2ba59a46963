"""The passage index interface shared by the Qdrant and in-memory backends.

Every passage is one point: a dense vector (``"dense"``, MiniLM), an optional multilingual dense
vector (``"dense_ml"``, see ``retrieval.embed.MultilingualUseEmbedder``: a Chinese question finds
English passages through it while English keeps MiniLM's recall), an optional BM25 sparse vector
(``"bm25"``, see ``retrieval.sparse``) and a payload::

    chunk_id, collection_id, document_id, version_id, page, heading_path, kind, text, lang

Ids (collection, document, version) are stored as strings so that integer primary keys and
content hashes index the same way (Qdrant keyword indexes); ``page`` is an integer or None.

Access control lives in the query: every search takes the collections the caller may read and
the backend applies them as a filter inside the engine's search, never afterwards. An empty
allow-list returns no hits; ``None`` is rejected.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "DENSE",
    "DENSE_ML",
    "SPARSE",
    "PAYLOAD_INDEXES",
    "SparseVector",
    "IndexPoint",
    "Hit",
    "SearchFilter",
    "VectorIndex",
    "point_id",
]

DENSE = "dense"
DENSE_ML = "dense_ml"
SPARSE = "bm25"

# Payload fields with an index: name -> Qdrant schema type.
PAYLOAD_INDEXES: Mapping[str, str] = {
    "collection_id": "keyword",
    "document_id": "keyword",
    "version_id": "keyword",
    "kind": "keyword",
    "page": "integer",
}

_POINT_NAMESPACE = uuid.UUID("8d0b7c8e-6a55-4f0e-9a51-5b7f2c1e4a10")


def point_id(chunk_id: str) -> str:
    """Map a chunk id to the Qdrant point id (a UUID5, stable across processes and runs).

    Args:
        chunk_id: Kenning's chunk id (any string).

    Returns:
        The UUID string used as the point id.
    """
    return str(uuid.uuid5(_POINT_NAMESPACE, chunk_id))


@dataclass(frozen=True)
class SparseVector:
    """Sparse term weights: parallel ``indices`` (term hashes) and ``values``."""

    indices: tuple[int, ...]
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.indices) != len(self.values):
            raise ValueError("indices and values differ in length")

    def __bool__(self) -> bool:
        return bool(self.indices)


@dataclass(frozen=True)
class IndexPoint:
    """One passage to index.

    Attributes:
        chunk_id: the chunk's id; the point id is derived from it (:func:`point_id`).
        vector: dense embedding (unit length).
        collection_id / document_id / version_id: ownership, stored as strings.
        text: the passage text (returned with hits for context building).
        page: 1-based page number, or None for records and page-less formats.
        heading_path: headings from the document root down to the passage.
        kind: chunk kind (e.g. ``"text"``, ``"table"``, ``"procedure"``, ``"record"``).
        sparse: BM25 document vector, or None when sparse search is not used.
        vector_ml: multilingual embedding (unit length), or None; stored as ``dense_ml`` when
            the collection was created with it.
        extra: further payload fields (must not shadow the fields above), e.g. ``lang``.
    """

    chunk_id: str
    vector: Sequence[float] | np.ndarray
    collection_id: str | int
    document_id: str | int
    version_id: str | int
    text: str
    page: int | None = None
    heading_path: tuple[str, ...] = ()
    kind: str = "text"
    sparse: SparseVector | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    vector_ml: Sequence[float] | np.ndarray | None = None

    def payload(self) -> dict[str, Any]:
        """The payload stored with the point."""
        payload: dict[str, Any] = dict(self.extra)
        payload.update(
            chunk_id=self.chunk_id,
            collection_id=str(self.collection_id),
            document_id=str(self.document_id),
            version_id=str(self.version_id),
            page=self.page,
            heading_path=list(self.heading_path),
            kind=self.kind,
            text=self.text,
        )
        return payload


class PayloadFields:
    """Typed read access to the standard payload fields of an indexed passage."""

    payload: Mapping[str, Any]

    @property
    def text(self) -> str:
        return str(self.payload.get("text", ""))

    @property
    def collection_id(self) -> str:
        return str(self.payload.get("collection_id", ""))

    @property
    def document_id(self) -> str:
        return str(self.payload.get("document_id", ""))

    @property
    def version_id(self) -> str:
        return str(self.payload.get("version_id", ""))

    @property
    def page(self) -> int | None:
        page = self.payload.get("page")
        return int(page) if page is not None else None

    @property
    def heading_path(self) -> tuple[str, ...]:
        return tuple(self.payload.get("heading_path") or ())

    @property
    def kind(self) -> str:
        return str(self.payload.get("kind", ""))


@dataclass(frozen=True)
class Hit(PayloadFields):
    """A passage found by a search (or fetched by id), with its engine score."""

    chunk_id: str
    score: float
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class SearchFilter:
    """Restrictions applied inside the engine query.

    Attributes:
        collection_ids: collections the caller may read (required; empty means nothing).
        document_ids: restrict to these documents (None: no restriction).
        version_ids: restrict to these versions (None: no restriction).
        kinds: restrict to these chunk kinds (None: no restriction).
    """

    collection_ids: tuple[str, ...]
    document_ids: tuple[str, ...] | None = None
    version_ids: tuple[str, ...] | None = None
    kinds: tuple[str, ...] | None = None

    @classmethod
    def build(
        cls,
        collection_ids: Iterable[str | int] | None,
        document_ids: Iterable[str | int] | None = None,
        version_ids: Iterable[str | int] | None = None,
        kinds: Iterable[str] | None = None,
    ) -> SearchFilter:
        """Normalise ids to strings and refuse a missing allow-list.

        Args:
            collection_ids: readable collections; must not be None.
            document_ids: optional document restriction.
            version_ids: optional version restriction.
            kinds: optional chunk-kind restriction.

        Returns:
            The filter.

        Raises:
            ValueError: ``collection_ids`` is None (an unfiltered search is never allowed).
        """
        if collection_ids is None or isinstance(collection_ids, (str, int)):
            raise ValueError("collection_ids must be an iterable of readable collection ids")
        return cls(
            collection_ids=tuple(sorted({str(c) for c in collection_ids})),
            document_ids=_opt_strs(document_ids),
            version_ids=_opt_strs(version_ids),
            kinds=_opt_strs(kinds),
        )

    @property
    def is_empty(self) -> bool:
        """True when the filter cannot match anything (no readable collection, or an empty list)."""
        lists = (self.collection_ids, self.document_ids, self.version_ids, self.kinds)
        return any(v is not None and len(v) == 0 for v in lists)

    def conditions(self) -> list[tuple[str, tuple[str, ...]]]:
        """``(field, allowed values)`` pairs that must all hold."""
        pairs = [("collection_id", self.collection_ids)]
        for name, values in (
            ("document_id", self.document_ids),
            ("version_id", self.version_ids),
            ("kind", self.kinds),
        ):
            if values is not None:
                pairs.append((name, values))
        return pairs


def _opt_strs(values: Iterable[str | int] | None) -> tuple[str, ...] | None:
    if values is None:
        return None
    if isinstance(values, (str, int)):
        raise ValueError("pass a list of ids, not a single id")
    return tuple(sorted({str(v) for v in values}))


class VectorIndex(ABC):
    """A passage index: dense + sparse vectors with payload, filtered search."""

    @abstractmethod
    def ensure_collection(self, dim: int, ml_dim: int | None = None) -> None:
        """Create the collection and its payload indexes if missing; check ``dim`` if present.

        Args:
            dim: dense vector size.
            ml_dim: size of the multilingual ``dense_ml`` vector, None for none. A collection
                created without it keeps working; its points simply carry no ``dense_ml``
                and :meth:`search` with ``using=DENSE_ML`` finds nothing there.

        Raises:
            IndexConfigMismatch: the collection exists with another vector size.
        """

    @abstractmethod
    def upsert(self, points: Sequence[IndexPoint]) -> None:
        """Insert or replace points (same chunk id -> same point); durable on return.

        Args:
            points: passages to write.
        """

    @abstractmethod
    def delete_by_filter(
        self,
        *,
        collection_id: str | int | None = None,
        document_id: str | int | None = None,
        version_id: str | int | None = None,
    ) -> None:
        """Delete every point matching all the given fields (at least one is required).

        Args:
            collection_id: delete a whole collection's passages.
            document_id: delete a document's passages (all versions).
            version_id: delete one version's passages.

        Raises:
            ValueError: no field given.
        """

    @abstractmethod
    def search(
        self, vector: Sequence[float] | np.ndarray, flt: SearchFilter, top_k: int, using: str = DENSE
    ) -> list[Hit]:
        """Dense nearest-neighbour search inside ``flt``.

        Args:
            vector: query embedding (unit length).
            flt: access and scope filter, applied inside the engine.
            top_k: hits to return.
            using: which named vector, ``DENSE`` or ``DENSE_ML``; a collection without
                ``DENSE_ML`` returns no hits for it.

        Returns:
            Hits ordered by descending cosine similarity.
        """

    @abstractmethod
    def search_sparse(self, sparse: SparseVector, flt: SearchFilter, top_k: int) -> list[Hit]:
        """Sparse (BM25) search inside ``flt``; the engine multiplies by IDF.

        Args:
            sparse: query term vector (``retrieval.sparse.Bm25Encoder.encode_query``).
            flt: access and scope filter, applied inside the engine.
            top_k: hits to return.

        Returns:
            Hits ordered by descending BM25 score.
        """

    @abstractmethod
    def count(self, flt: SearchFilter | None = None) -> int:
        """Count points, all of them or those inside ``flt``.

        Args:
            flt: optional filter.

        Returns:
            Exact number of points.
        """

    @abstractmethod
    def retrieve(self, chunk_ids: Sequence[str]) -> list[Hit]:
        """Fetch passages by chunk id (missing ids are skipped; score is 0).

        Args:
            chunk_ids: chunk ids.

        Returns:
            Hits in the order of ``chunk_ids`` for the ids that exist.
        """

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


def require_delete_fields(**fields: str | int | None) -> dict[str, str]:
    """Return the given delete fields as strings; refuse an empty selection.

    Args:
        **fields: candidate fields, None for absent.

    Returns:
        Mapping of field name to string value.

    Raises:
        ValueError: every field is None.
    """
    chosen = {k: str(v) for k, v in fields.items() if v is not None}
    if not chosen:
        raise ValueError("delete_by_filter needs collection_id, document_id or version_id")
    return chosen
