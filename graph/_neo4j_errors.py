"""Translate neo4j driver exceptions into GraphError subclasses (one seam for all modules)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from graph.errors import GraphError, GraphUnavailable


@contextlib.contextmanager
def translate_errors(permanent: type[GraphError], what: str) -> Iterator[None]:
    """Re-raise neo4j exceptions as GraphUnavailable (transient) or ``permanent``.

    Args:
        permanent: the GraphError subclass used for non-retryable failures.
        what: short description of the operation, used in the message.
    """
    import neo4j.exceptions as nx

    try:
        yield
    except GraphError:
        raise
    except (nx.ServiceUnavailable, nx.SessionExpired, nx.TransientError) as e:
        raise GraphUnavailable(f"{what}: Neo4j unavailable: {e}") from e
    except nx.DriverError as e:
        # A closed driver or pool: the write can succeed against a fresh driver.
        raise GraphUnavailable(f"{what}: driver error: {e}") from e
    except nx.Neo4jError as e:
        if getattr(e, "is_retryable", lambda: False)():
            raise GraphUnavailable(f"{what}: {e}") from e
        raise permanent(f"{what}: {e}") from e
