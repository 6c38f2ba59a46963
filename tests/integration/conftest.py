"""Real services for integration tests, started by scripts.stack (test profile) and stopped after.

Each fixture starts only what its tests need and stops only what it started itself; a service
already running in the test profile (e.g. started by a previous interrupted run) is reused.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from scripts.stack import Stack, StackError, start

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    s = Stack.for_profile("test")
    started: list[str] = []
    s.started = started  # type: ignore[attr-defined]
    yield s
    for name in reversed(started):
        s.stop(name)


def _ensure(stack: Stack, *names: str) -> None:
    try:
        stack.started.extend(start(stack, list(names)))  # type: ignore[attr-defined]
    except StackError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(stack: Stack) -> None:
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        _ensure(stack, "postgres")


@pytest.fixture(scope="session")
def neo4j_url(stack: Stack) -> str:
    _ensure(stack, "neo4j")
    url = f"bolt://127.0.0.1:{stack.ports['neo4j']}"
    _clear_neo4j(url)
    return url


def _clear_neo4j(url: str) -> None:
    """Each test session starts from an empty graph: the test database's ids restart at 1, so facts
    left by an earlier session would otherwise look like this session's collections' facts."""
    from neo4j import GraphDatabase

    with GraphDatabase.driver(url, auth=None) as driver, driver.session() as session:
        session.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 5000 ROWS").consume()
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS").consume()


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_url: str):  # type: ignore[no-untyped-def]
    from neo4j import GraphDatabase

    driver = GraphDatabase.driver(neo4j_url, auth=None)
    driver.verify_connectivity()
    yield driver
    driver.close()


@pytest.fixture
def clean_neo4j(neo4j_driver, neo4j_url):  # type: ignore[no-untyped-def]
    """Community edition has one database: isolate tests by clearing its data."""
    _clear_neo4j(neo4j_url)
    return neo4j_driver


@pytest.fixture(scope="session")
def redis_url(stack: Stack) -> str:
    _ensure(stack, "redis")
    return f"redis://127.0.0.1:{stack.ports['redis']}/0"


@pytest.fixture(scope="session")
def index_url(stack: Stack) -> str:
    _ensure(stack, "index")
    url = f"http://127.0.0.1:{stack.ports['index']}"
    _clear_index(url)
    return url


def _clear_index(url: str) -> None:
    """Drops every collection of the test index server (same reason as _clear_neo4j)."""
    import httpx

    for collection in httpx.get(f"{url}/collections", timeout=30).json()["result"]["collections"]:
        httpx.delete(f"{url}/collections/{collection['name']}", timeout=60).raise_for_status()


@pytest.fixture(scope="session")
def model_server_url(stack: Stack) -> str:
    _ensure(stack, "model")
    return f"http://127.0.0.1:{stack.ports['model']}"


@pytest.fixture(scope="session")
def celery_worker_process(stack: Stack, redis_url: str, django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """A real Celery worker process sharing the test database (PostgreSQL or a file SQLite)."""
    from django.db import connection

    test_db = connection.settings_dict
    if (
        test_db["ENGINE"].endswith("sqlite3")
        and test_db["NAME"] in ("", ":memory:")
        or "memory" in str(test_db["NAME"])
    ):
        pytest.skip(
            "a separate worker process needs a database on disk (run integration tests on PostgreSQL)"
        )
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = _database_url(test_db)
    try:
        _ensure(stack, "worker")
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
    return stack


def _database_url(db: dict) -> str:  # type: ignore[type-arg]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
