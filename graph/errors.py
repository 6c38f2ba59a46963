"""Exceptions raised by the graph package.

Hierarchy::

    GraphError                      base for everything graph/ raises
    ├── GraphUnavailable            transient: Neo4j unreachable, session expired, transient tx error
    ├── GraphWriteError             permanent: Neo4j rejected a write (constraint, type error)
    ├── GraphQueryError             permanent: Neo4j rejected a read query
    ├── SchemaError                 permanent: constraints/indexes could not be created
    ├── ExtractionError             permanent: the NLP pipeline could not be loaded or run
    └── MappingError                permanent: a RecordMapping does not fit the records it was given

Callers retry only errors whose ``is_transient`` is True.
"""

from __future__ import annotations


class GraphError(Exception):
    """Base for everything graph/ raises."""

    is_transient: bool = False


class GraphUnavailable(GraphError):
    """Neo4j could not be reached or the transaction failed for a transient reason; retry later."""

    is_transient = True


class GraphWriteError(GraphError):
    """Neo4j rejected a write; retrying the same facts will fail again."""


class GraphQueryError(GraphError):
    """Neo4j rejected a read query."""


class SchemaError(GraphError):
    """Creating constraints or indexes failed."""


class ExtractionError(GraphError):
    """The extraction pipeline could not be loaded or failed on input."""


class MappingError(GraphError):
    """A record mapping refers to columns or values that the records do not have."""
