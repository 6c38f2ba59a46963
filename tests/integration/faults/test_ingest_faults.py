"""Redis, the index server and Neo4j killed (SIGKILL) in the middle of an ingest (issue 16).

Each run ends with every version ready and SQL, the index and the graph agreeing with a clean
ingest of the same bytes: no passage or fact lost, none twice. The worker's own death mid-ingest
is tests/integration/documents/test_worker_killed_mid_document.py.
"""

import pytest

from tests.integration.documents.test_worker_killed_mid_document import large_manual

from .conftest import (
    assert_whole,
    census,
    kill9,
    restart,
    upload,
    version_state,
    wait_for,
    wait_until_settled,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.serial,
    pytest.mark.django_db(transaction=True),
]

TROUBLESHOOTING = b"""

## Troubleshooting

The compressor AC-90 stops with alarm A-12 when the intake filter is clogged.
Replace the intake filter, part AF-9012, and restart the compressor.
Pump P-101 trips with error E-47 when the suction strainer is blocked; clean strainer ST-4.
"""


def manual(sections: int) -> bytes:
    return large_manual(sections) + TROUBLESHOOTING


def _embedding(version_id: int):  # type: ignore[no-untyped-def]
    v = version_state(version_id)
    return v.status == "ingesting" and v.stage == "chunked" and v.progress_done > 0 and v


def test_redis_killed_mid_ingest_and_an_upload_while_it_is_down_lose_nothing(
    personas, ingest_services, reference, neo4j_driver, clean_index
):
    """Redis runs without persistence: its restart loses every queued message. The running
    worker finds the broker empty while versions wait and queues them again."""
    stack = ingest_services
    big, small = manual(64), manual(4)
    expected = {"big": reference("big.txt", big), "small": reference("small.txt", small)}
    running = upload(personas, "big.txt", big)
    waiting = upload(personas, "small.txt", small)
    wait_for(lambda: _embedding(running.pk), 120, "the first ingest to be embedding")
    assert version_state(waiting.pk).status == "queued"  # its message is in Redis, not yet taken

    kill9(stack, "redis")
    try:
        late = upload(personas, "late.txt", small + b"\nWritten while the task queue was down.\n")
        late_state = version_state(late.pk)
        assert late_state.status == "queued", late_state.error
        assert (
            late_state.error == "Waiting: the task queue is unreachable; the ingest starts once it is back."
        )
    finally:
        restart(stack, "redis")

    for version, name in ((running, "big"), (waiting, "small"), (late, "small")):
        done = wait_until_settled(version.pk, timeout_s=300)
        assert done.status == "ready" and done.graph_status == "", done.error
        found = census(done.pk, clean_index, neo4j_driver)
        if version is late:  # one more sentence than "small": one more passage at most
            assert found.passages == found.points == found.graph_chunks == found.chunk_count > 0, found
            assert found.duplicate_mentions == 0
        else:
            assert_whole(found, expected[name])


def test_the_index_killed_mid_ingest_is_retried_and_loses_nothing(
    personas, ingest_services, reference, neo4j_driver, clean_index
):
    stack = ingest_services
    body = manual(64)
    expected = reference("manual.txt", body)
    before = census(expected_version := _reference_version(), clean_index, neo4j_driver)
    version = upload(personas, "manual.txt", body)
    wait_for(lambda: _embedding(version.pk), 120, "the ingest to be embedding")
    kill9(stack, "index")
    try:
        told = wait_for(
            lambda: "unavailable" in (v := version_state(version.pk)).error and v,
            120,
            "the outage to be reported on the version",
        )
        assert told.status in ("queued", "ingesting"), told.error
        assert "127.0.0.1" not in told.error
    finally:
        restart(stack, "index")
    done = wait_until_settled(version.pk, timeout_s=300)
    assert done.status == "ready" and done.graph_status == "", done.error
    assert_whole(census(done.pk, clean_index, neo4j_driver), expected)
    # What the index held before the kill is still there.
    assert census(expected_version, clean_index, neo4j_driver) == before


def test_neo4j_killed_mid_graph_stage_is_retried_and_loses_nothing(
    personas, ingest_services, reference, neo4j_driver, clean_index
):
    stack = ingest_services
    body = manual(64)
    expected = reference("manual.txt", body)
    version = upload(personas, "manual.txt", body)
    wait_for(
        lambda: (v := version_state(version.pk)).status == "ingesting" and v.stage == "indexed" and v,
        180,
        "the graph stage to start",
        interval_s=0.1,
    )
    kill9(stack, "neo4j")
    try:
        ready = wait_until_settled(version.pk, timeout_s=180)
        # Searchable at once; the graph part says it will be retried.
        assert ready.status == "ready" and ready.graph_status == "retrying", (ready.graph_status, ready.error)
        assert ready.error.startswith("Ready, graph failed: the knowledge graph (Neo4j) is unavailable")
    finally:
        restart(stack, "neo4j")
    done = wait_for(
        lambda: (v := version_state(version.pk)).graph_status != "retrying" and v,
        360,
        "the graph stage to be retried once Neo4j is back",
    )
    assert done.graph_status == "" and done.error == "" and done.stage == "graph", done.error
    assert_whole(census(done.pk, clean_index, neo4j_driver), expected)


def _reference_version() -> int:
    from apps.documents.models import DocumentVersion

    return DocumentVersion.objects.filter(document__collection__name="Reference").latest("pk").pk
