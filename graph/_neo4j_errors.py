"""Translate neo4j driver exceptions into GraphError subclasses (one seam for all modules)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

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


def open_session(driver: Any, database: str | None, *, read: bool = False) -> Any:
    """Open a session with server notifications off (they flag not-yet-used relation types).

    Args:
        driver: a ``neo4j.Driver``.
        database: database name; None uses the default.
        read: open in read access mode.
    """
    import neo4j

    mode = neo4j.READ_ACCESS if read else neo4j.WRITE_ACCESS
    return driver.session(database=database, default_access_mode=mode, notifications_min_severity="OFF")


def run_read(
    driver: Any,
    query: str,
    params: dict[str, Any],
    *,
    timeout_s: float,
    database: str | None,
    permanent: type[GraphError],
    what: str,
) -> list[dict[str, Any]]:
    """Run one read query in a managed transaction and return its records as dicts.

    Args:
        driver: a ``neo4j.Driver``.
        query: Cypher text.
        params: its parameters.
        timeout_s: transaction timeout.
        database: database name.
        permanent: error class for non-retryable failures.
        what: operation name for messages.
    """
    import neo4j

    def work(tx: Any) -> list[dict[str, Any]]:
        return [record.data() for record in tx.run(query, params)]

    with translate_errors(permanent, what), open_session(driver, database, read=True) as session:
        return session.execute_read(neo4j.unit_of_work(timeout=timeout_s)(work))
