"""Helpers for the upload workflow against the real worker, index server, embedder and Neo4j."""

from __future__ import annotations

import os
import signal
import time

import pytest

from scripts.stack import _alive, start

pytestmark = pytest.mark.integration


@pytest.fixture
def api_urls(settings):  # type: ignore[no-untyped-def]
    """The documents API include that config/urls.py is to carry."""
    settings.ROOT_URLCONF = "tests.unit.apps.documents.urls"


@pytest.fixture
def ingest_services(celery_worker_process, index_url, neo4j_driver):  # type: ignore[no-untyped-def]
    """Every service an ingest touches, with this process's wiring pointed at them."""
    from config import wiring

    for factory in (wiring.vector_index, wiring.graph_sync, wiring.neo4j_driver):
        factory.cache_clear()
    yield celery_worker_process
    for factory in (wiring.vector_index, wiring.graph_sync, wiring.neo4j_driver):
        factory.cache_clear()


@pytest.fixture
def clean_index(ingest_services, personas):  # type: ignore[no-untyped-def]
    """Ids restart with each test database: drop points an earlier run left under this collection."""
    from config import wiring

    index = wiring.vector_index()
    multilingual = wiring.multilingual_embedder()  # as the ingest pipeline creates it
    index.ensure_collection(wiring.embedder().dim, ml_dim=multilingual.dim if multilingual else None)
    index.delete_by_filter(collection_id=personas.collection.pk)
    return index


def wait_for(predicate, timeout_s: float, what: str, interval_s: float = 0.3):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def version_state(version_id: int):  # type: ignore[no-untyped-def]
    from apps.documents.models import DocumentVersion

    return DocumentVersion.objects.get(pk=version_id)


def wait_until_settled(version_id: int, timeout_s: float = 120):  # type: ignore[no-untyped-def]
    return wait_for(
        lambda: (v := version_state(version_id)).status in ("ready", "failed") and v,
        timeout_s,
        f"version {version_id} to finish",
    )


def points_of(index, collection_id: int, version_id: int | None = None) -> int:  # type: ignore[no-untyped-def]
    from retrieval.index.base import SearchFilter

    versions = [version_id] if version_id is not None else None
    return index.count(SearchFilter.build([collection_id], version_ids=versions))


def kill_worker(stack, claimed_by: str = "") -> None:  # type: ignore[no-untyped-def]
    """SIGKILL the worker holding ``claimed_by``'s claim (with KENNING_WORKER_REPLICAS=2 it may be
    worker-2), or the first worker."""
    name = next(
        (n for n in stack.instances("worker") if claimed_by.startswith(stack.worker_node(n) + "@")),
        "worker",
    )
    pid = stack.running_pid(name)
    assert pid is not None, "no worker to kill"
    os.killpg(pid, signal.SIGKILL)
    try:
        os.waitpid(pid, 0)  # started by this test process: reap it, or it lingers as a zombie
    except ChildProcessError:
        pass
    wait_for(lambda: not _alive(pid), 10, "the worker to die")
    stack.pid_path(name).unlink(missing_ok=True)


def restart_worker(stack) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection

    from tests.integration.conftest import _database_url

    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = _database_url(connection.settings_dict)
    try:
        start(stack, ["worker"])
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
