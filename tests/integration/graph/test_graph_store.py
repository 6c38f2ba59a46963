"""graph/ against the real Neo4j: schema, provenance-preserving writes, replacement, deletion, faults."""

from __future__ import annotations

from dataclasses import replace

import neo4j
import pytest

from graph import (
    GraphUnavailable,
    GraphWriteError,
    VersionFacts,
    delete_document,
    ensure_schema,
    replace_version,
)

pytestmark = [pytest.mark.integration, pytest.mark.serial]

MANUAL_V1 = [
    (
        "p1",
        dict(
            text="Pump P-101 trips with E-47 after start-up. Replace seal kit 2906-0565-00.",
            heading_path=("Troubleshooting",),
            page=12,
        ),
    ),
    (
        "t1",
        dict(
            text="",
            kind="table",
            page=13,
            table_rows=[
                ["Problem", "Possible cause", "Remedy"],
                ["Pump does not start", "Motor overload tripped", "Reset the overload relay"],
                ["", "Blown control fuse", "Replace the control fuse"],
            ],
        ),
    ),
]
MANUAL_V2 = [
    (
        "p1",
        dict(
            text="Pump P-101 trips with E-47 after start-up. Replace seal kit 2906-0565-01.",
            heading_path=("Troubleshooting",),
            page=12,
        ),
    ),
]


def snapshot(driver):
    """Every entity and relation with its support, for before/after comparisons."""
    nodes, _, _ = driver.execute_query(
        "MATCH (n) RETURN labels(n) AS labels, n.key AS key, n.ref AS ref, n.chunk_refs AS refs "
        "ORDER BY key, ref"
    )
    rels, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN a.key AS a, type(r) AS t, coalesce(b.key, b.ref, b.document_id) AS b, "
        "r.chunk_refs AS refs ORDER BY a, t, b"
    )
    return [r.data() for r in nodes], [r.data() for r in rels]


def entity_refs(driver, key):
    records, _, _ = driver.execute_query("MATCH (e:Entity {key: $key}) RETURN e.chunk_refs AS refs", key=key)
    return records[0]["refs"] if records else None


def test_schema_creation_is_idempotent(graph_db):
    ensure_schema(graph_db)
    ensure_schema(graph_db)
    constraints, _, _ = graph_db.execute_query("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names")
    indexes, _, _ = graph_db.execute_query(
        "SHOW INDEXES YIELD name, type RETURN collect([name, type]) AS idx"
    )
    assert {"entity_key", "chunk_ref", "document_id"} <= set(constraints[0]["names"])
    assert ["entity_names", "FULLTEXT"] in indexes[0]["idx"]


def test_every_fact_cites_the_chunks_it_came_from(graph_db, ingest):
    ingest("colA", "docA", "vA1", MANUAL_V1)
    unsupported, _, _ = graph_db.execute_query(
        "MATCH (e:Entity) WHERE size(e.chunk_refs) = 0 OR NOT EXISTS { (e)-[:MENTIONED_IN]->(:Chunk) } "
        "RETURN count(e) AS n"
    )
    assert unsupported[0]["n"] == 0
    rels, _, _ = graph_db.execute_query(
        "MATCH (:Entity)-[r]->(:Entity) RETURN count(r) AS n, "
        "sum(CASE WHEN all(x IN r.chunk_refs WHERE EXISTS { MATCH (c:Chunk {ref: x}) }) "
        "THEN 1 ELSE 0 END) AS ok"
    )
    assert rels[0]["n"] > 0 and rels[0]["n"] == rels[0]["ok"]
    assert entity_refs(graph_db, "Cause:blown control fuse") == ["vA1/t1"]


def test_rewriting_the_same_version_changes_nothing(graph_db, ingest):
    ingest("colA", "docA", "vA1", MANUAL_V1)
    before = snapshot(graph_db)
    ingest("colA", "docA", "vA1", MANUAL_V1)
    assert snapshot(graph_db) == before


def test_a_new_version_replaces_exactly_the_old_versions_contributions(graph_db, ingest):
    ingest("colA", "docA", "vA1", MANUAL_V1)
    ingest(
        "colB",
        "docB",
        "vB1",
        [("x", dict(text="Blown control fuse on pump P-101: replace the control fuse."))],
    )
    ingest("colA", "docA", "vA2", MANUAL_V2, supersedes=["vA1"])
    assert entity_refs(graph_db, "Part:2906056500") is None  # only v1 named it
    assert entity_refs(graph_db, "Part:2906056501") == ["vA2/p1"]
    assert entity_refs(graph_db, "Cause:blown control fuse") is None  # v1's table is gone
    assert entity_refs(graph_db, "Equipment:P101") == ["vB1/x", "vA2/p1"]  # still stated by both
    chunks, _, _ = graph_db.execute_query("MATCH (c:Chunk) RETURN collect(c.ref) AS refs")
    assert sorted(chunks[0]["refs"]) == ["vA2/p1", "vB1/x"]


def test_deleting_a_document_keeps_facts_other_documents_support(graph_db, ingest):
    ingest("colA", "docA", "vA1", MANUAL_V1)
    ingest(
        "colA",
        "docB",
        "vB1",
        [("x", dict(text="Pump P-101 trips with E-47 when the suction valve is shut."))],
    )
    delete_document(graph_db, "docA")
    assert entity_refs(graph_db, "Equipment:P101") == ["vB1/x"]
    assert entity_refs(graph_db, "ErrorCode:E47") == ["vB1/x"]
    shows, _, _ = graph_db.execute_query(
        "MATCH (:Entity {key: 'Equipment:P101'})-[r:SHOWS]->(:Entity {key: 'ErrorCode:E47'}) "
        "RETURN r.chunk_refs AS refs"
    )
    assert shows[0]["refs"] == ["vB1/x"]
    assert entity_refs(graph_db, "Symptom:pump does not start") is None
    docs, _, _ = graph_db.execute_query("MATCH (d:Document) RETURN collect(d.document_id) AS ids")
    assert docs[0]["ids"] == ["docB"]
    delete_document(graph_db, "docB")
    assert snapshot(graph_db) == ([], [])


def test_an_error_inside_the_transaction_leaves_no_partial_facts(graph_db, ingest):
    ingest("colA", "docA", "vA1", MANUAL_V1)
    before = snapshot(graph_db)

    def fail(tx):
        tx.run("THIS IS NOT CYPHER").consume()  # a real Neo4j error after every write of the batch

    with pytest.raises(GraphWriteError):
        ingest("colA", "docA", "vA2", MANUAL_V2, supersedes=["vA1"], _before_commit=fail)
    assert snapshot(graph_db) == before


def test_a_connection_cut_mid_write_leaves_the_old_or_the_whole_new_version(graph_db, ingest, neo4j_url):
    """The driver retries a cut transaction from the start; either way no half-written version remains."""
    facts, _ = ingest("colA", "docA", "vA1", MANUAL_V1)
    before = snapshot(graph_db)
    new = VersionFacts(
        "colA", "docA", "vA2", [replace(c, chunk=replace(c.chunk, version_id="vA2")) for c in facts.chunks]
    )
    doomed = neo4j.GraphDatabase.driver(neo4j_url, auth=None, max_transaction_retry_time=2)
    calls = []

    def cut_connection(tx):
        calls.append(1)
        if len(calls) == 1:
            doomed.close()  # drops the connection the transaction is using, before commit

    try:
        replace_version(doomed, new, supersedes=["vA1"], _before_commit=cut_connection)
        failed = False
    except (GraphUnavailable, GraphWriteError):
        failed = True
    after = snapshot(graph_db)
    if failed:
        assert after == before
    else:
        replace_version(graph_db, new, supersedes=["vA1"])  # what a clean write produces
        assert after == snapshot(graph_db) and after != before


def test_an_unreachable_neo4j_is_a_transient_error(graph_db):
    driver = neo4j.GraphDatabase.driver(
        "bolt://127.0.0.1:9", auth=None, connection_timeout=1, max_transaction_retry_time=0
    )
    with pytest.raises(GraphUnavailable):
        replace_version(driver, VersionFacts("colA", "docA", "vA1"))
    driver.close()


def test_resolution_reuses_entities_across_documents_and_runs(graph_db, ingest):
    ingest("colA", "docA", "vA1", [("p", dict(text="Inspect the hydraulic pump of P-101."))])
    _, decisions = ingest("colA", "docB", "vB1", [("p", dict(text="Pump P-101: Hydraulic Pumps leaking."))])
    by_key = {d.mention_key: d for d in decisions}
    assert by_key["Equipment:P101"].method == "exact_key"
    assert by_key["Component:hydraulic pump"].method == "exact_key"
    count, _, _ = graph_db.execute_query("MATCH (e:Equipment) RETURN count(e) AS n")
    assert count[0]["n"] == 1
