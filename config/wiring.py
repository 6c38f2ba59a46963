"""Turns settings into domain objects, once per process (functools.cache keeps it lazy).

Tests call `<factory>.cache_clear()` after changing settings.
"""

from __future__ import annotations

import functools

from django.conf import settings


def neo4j_auth() -> tuple[str, str] | None:
    return (settings.NEO4J_USER, settings.NEO4J_PASSWORD) if settings.NEO4J_USER else None


@functools.cache
def neo4j_driver():  # type: ignore[no-untyped-def]
    from neo4j import GraphDatabase

    return GraphDatabase.driver(settings.NEO4J_URL, auth=neo4j_auth(), connection_timeout=5,
                                max_transaction_retry_time=10)
