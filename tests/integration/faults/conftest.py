"""Fault injection with real processes: kill -9 a service, start it again, then count what exists.

After every fault, SQL, the index and the graph must agree with a clean ingest of the same bytes
(into another collection): the same passages, points, chunk nodes, mentions and relation supports,
none lost and none twice.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from scripts.stack import _alive, start
from tests.integration.documents.conftest import (  # noqa: F401  (fixtures)
    api_urls,
    clean_index,
    ingest_services,
    points_of,
    version_state,
    wait_for,
    wait_until_settled,
)

pytestmark = pytest.mark.integration


def kill9(stack, name: str) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL a service's whole process group: no shutdown hook, no flush."""
    pid = stack.running_pid(name)
    assert pid is not None, f"{name} is not running"
    os.killpg(pid, signal.SIGKILL)
    try:
        os.waitpid(pid, 0)  # a child of this test process: reap it, or it stays a zombie
    except ChildProcessError:
        pass
    wait_for(lambda: not _alive(pid), 10, f"{name} to die")
    stack.pid_path(name).unlink(missing_ok=True)


def restart(stack, name: str) -> None:  # type: ignore[no-untyped-def]
    start(stack, [name])


@dataclass(frozen=True)
class Census:
    """What exists for one version in each store."""

    chunk_count: int
    passages: int
    points: int
    graph_chunks: int
    mentions: int
    relation_supports: int
    duplicate_mentions: int

    def same_facts_as(self, other: Census) -> bool:
        return (self.mentions, self.relation_supports) == (other.mentions, other.relation_supports)


def census(version_id: int, index, driver) -> Census:  # type: ignore[no-untyped-def]
    from apps.documents.models import Passage

    version = version_state(version_id)
    v = str(version_id)

    def one(query: str) -> int:
        rows, _, _ = driver.execute_query(query, v=v)
        return int(rows[0]["n"])

    return Census(
        chunk_count=version.chunk_count,
        passages=Passage.objects.filter(version_id=version_id).count(),
        points=points_of(index, version.document.collection_id, version_id),
        graph_chunks=one("MATCH (c:Chunk {version_id: $v}) RETURN count(c) AS n"),
        mentions=one("MATCH (:Entity)-[m:MENTIONED_IN]->(:Chunk {version_id: $v}) RETURN count(m) AS n"),
        relation_supports=one(
            "MATCH (c:Chunk {version_id: $v}) WITH collect(c.ref) AS refs "
            "MATCH (:Entity)-[r]->(:Entity) WHERE r.chunk_refs IS NOT NULL "
            "UNWIND r.chunk_refs AS ref WITH ref, refs WHERE ref IN refs RETURN count(ref) AS n"
        ),
        duplicate_mentions=one(
            "MATCH (e:Entity)-[m:MENTIONED_IN]->(c:Chunk {version_id: $v}) "
            "WITH e, c, m.norm AS norm, count(m) AS k WHERE k > 1 RETURN count(*) AS n"
        ),
    )


def assert_whole(found: Census, reference: Census) -> None:
    """Nothing lost, nothing twice: every store holds each passage once, with the reference's facts."""
    assert found.chunk_count == reference.chunk_count > 0, (found, reference)
    assert found.passages == found.points == found.graph_chunks == found.chunk_count, found
    assert found.duplicate_mentions == 0, found
    assert found.same_facts_as(reference), (found, reference)


@pytest.fixture
def reference_collection(personas):  # type: ignore[no-untyped-def]
    from apps.accounts.models import Collection, Membership, Role

    collection = Collection.objects.create(name="Reference")
    Membership.objects.create(user=personas.editor, collection=collection, role=Role.EDITOR)
    return collection


@pytest.fixture
def reference(personas, reference_collection, clean_index, clean_neo4j, neo4j_driver):  # type: ignore[no-untyped-def]  # noqa: F811
    """Ingests bytes cleanly (no fault) into the reference collection; returns its census."""
    from apps.documents import services

    clean_index.delete_by_filter(collection_id=reference_collection.pk)

    def ingest(name: str, body: bytes) -> Census:
        version, _ = services.accept_upload(
            personas.editor, reference_collection, SimpleUploadedFile(name, body)
        )
        done = wait_until_settled(version.pk, timeout_s=300)
        assert done.status == "ready" and done.graph_status == "", done.error
        return census(done.pk, clean_index, neo4j_driver)

    return ingest


def upload(personas, name: str, body: bytes):  # type: ignore[no-untyped-def]
    from apps.documents import services

    version, _ = services.accept_upload(personas.editor, personas.collection, SimpleUploadedFile(name, body))
    return version
