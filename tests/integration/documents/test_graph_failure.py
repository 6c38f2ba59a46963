"""The graph stage through the real worker, Neo4j and index: its failures never keep passages out of
the index (issue 11), and a Neo4j outage is reported, retried, and never leaves half a graph."""

import itertools
import string

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from scripts.stack import start

from .conftest import points_of, version_state, wait_for, wait_until_settled

pytestmark = [pytest.mark.integration, pytest.mark.serial, pytest.mark.django_db(transaction=True)]

FAULT_TABLE = settings.BASE_DIR / "tests" / "data" / "bad" / "fault-table-long-cells.md"
CELL = "top up ISO VG 46 oil and bleed the suction line"
MANUAL = b"""# Air compressor AC-90

## Troubleshooting

The compressor AC-90 stops with alarm A-12 when the intake filter is clogged.
Replace the intake filter, part AF-9012, and restart the compressor.
"""


def search(index, collection_id: int, question: str, top_k: int = 5):  # type: ignore[no-untyped-def]
    from apps.documents.models import DocumentVersion
    from config import wiring
    from retrieval.index.base import SearchFilter

    live = DocumentVersion.objects.live_ids([collection_id])
    query = wiring.embedder().embed_query(question)
    return index.search(query, SearchFilter.build([collection_id], version_ids=live), top_k=top_k)


def facts_of(driver, version_id: int) -> int:  # type: ignore[no-untyped-def]
    rows, _, _ = driver.execute_query(
        "MATCH (e:Entity)-[:MENTIONED_IN]->(c:Chunk {version_id: $v}) RETURN count(DISTINCT e) AS n",
        v=str(version_id),
    )
    return int(rows[0]["n"])


@pytest.fixture
def crowded_graph(neo4j_driver):  # type: ignore[no-untyped-def]
    """Many distinct short words in the entity index, as a graph with thousands of records has:
    the graph where the fault table's candidate query used to exceed Lucene's clause limit."""
    pairs = ["".join(p) for p in itertools.product(string.ascii_lowercase[:20], repeat=2)]
    rows = [{"key": f"Action:seed {i}", "name": f"{p} {i % 1000:03d} x{p}"} for i, p in enumerate(pairs)]
    rows += [{"key": f"Action:seed b{i}", "name": f"{p[::-1]}q {i:03d}"} for i, p in enumerate(pairs)]
    neo4j_driver.execute_query(
        "UNWIND $rows AS r CREATE (:Entity {key: r.key, type: 'Action', name: r.name, norm: r.name, "
        "aliases_text: r.name})",
        rows=rows,
    )
    yield neo4j_driver
    neo4j_driver.execute_query("MATCH (e:Entity) WHERE e.key STARTS WITH 'Action:seed ' DETACH DELETE e")


def test_the_fault_table_of_the_bad_corpus_is_searchable_and_in_the_graph(
    client, personas, api_urls, clean_index, crowded_graph
):
    client.force_login(personas.editor)
    with FAULT_TABLE.open("rb") as fh:
        r = client.post(f"/api/collections/{personas.collection.pk}/documents/", {"file": fh})
    assert r.status_code == 201, r.content
    version = wait_until_settled(r.json()["version"]["id"], timeout_s=180)
    assert version.status == "ready" and version.error == "" and version.stage == "graph"
    assert points_of(clean_index, personas.collection.pk, version.pk) == version.chunk_count
    hits = search(clean_index, personas.collection.pk, "The pump whines: bleed the suction line?")
    assert any(CELL in h.text for h in hits)
    assert facts_of(crowded_graph, version.pk) >= 5


def test_a_neo4j_outage_leaves_the_passages_searchable_and_the_graph_stage_is_retried(
    client, personas, api_urls, clean_index, ingest_services, neo4j_driver
):
    from apps.documents import services

    stack = ingest_services
    stack.stop("neo4j")
    try:
        version, _ = services.accept_upload(
            personas.editor, personas.collection, SimpleUploadedFile("ac90.md", MANUAL)
        )
        ready = wait_until_settled(version.pk, timeout_s=180)
        assert ready.status == "ready" and ready.graph_status == "retrying" and ready.stage == "indexed"
        assert ready.error.startswith("Ready, graph failed: the knowledge graph (Neo4j) is unavailable")
        hits = search(clean_index, personas.collection.pk, "What does alarm A-12 mean on the compressor?")
        assert hits and hits[0].version_id == str(version.pk)
        client.force_login(personas.editor)
        status = client.get(f"/api/versions/{version.pk}/").json()
        assert status["is_current"] is True and status["graph_status"] == "retrying"
    finally:
        start(stack, ["neo4j"])
    done = wait_for(
        lambda: (v := version_state(version.pk)).graph_status != "retrying" and v,
        360,
        "the graph stage to be retried once Neo4j is back",
    )
    assert done.graph_status == "" and done.error == "" and done.stage == "graph", done.error
    assert facts_of(neo4j_driver, version.pk) >= 2  # the whole version, written in one transaction
