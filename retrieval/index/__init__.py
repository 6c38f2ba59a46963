"""Passage index: the interface, an in-memory backend and the Qdrant (REST) backend.

``retrieval.index.server`` (the process that owns the embedded engine) is not imported here.
"""

from .base import DENSE, SPARSE, Hit, IndexPoint, SearchFilter, SparseVector, VectorIndex, point_id
from .memory import MemoryIndex
from .qdrant import QdrantIndex

__all__ = [
    "DENSE",
    "SPARSE",
    "Hit",
    "IndexPoint",
    "MemoryIndex",
    "QdrantIndex",
    "SearchFilter",
    "SparseVector",
    "VectorIndex",
    "point_id",
]
