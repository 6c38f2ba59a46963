from unittest.mock import MagicMock

import neo4j
import neo4j.exceptions
import pytest

from graph import (
    ChunkFacts,
    ChunkInput,
    GraphUnavailable,
    GraphWriteError,
    RelationFact,
    VersionFacts,
    replace_version,
)
from graph.cypher import upsert_entities, upsert_relations
from graph.facts import make_mention
from graph.schema import schema_statements
from graph.write import prepare_rows


def facts_with(relations, mentions):
    chunk = ChunkInput("c1", "col", "doc", "v1", "")
    return VersionFacts("col", "doc", "v1", [ChunkFacts(chunk, mentions, relations)])


def test_rows_record_chunk_support_and_aliases():
    a = make_mention("Component", "hydraulic hose", "c1", source="lexicon", surface="hyd hose")
    rows = prepare_rows(facts_with([], [a, a]))
    (row,) = rows.entities["Component"]
    assert row["chunk_refs"] == ["v1/c1"]
    assert row["aliases"] == ["hydraulic hose", "hyd hose"]
    assert rows.mentions[0]["norm"] == "hyd hose"  # how this chunk wrote it, for ACL-safe linking


def test_relations_whose_ends_are_not_mentioned_in_their_chunk_are_skipped():
    a = make_mention("Component", "pump", "c1", source="test")
    rows = prepare_rows(facts_with([RelationFact("SHOWS", a.key, "Symptom:noise", "c1")], [a]))
    assert rows.relations == {} and rows.skipped == 1


def test_procedure_steps_keep_their_order_in_the_relation_identity():
    p = make_mention("Procedure", "Battery", "c1", source="test")
    s = make_mention("Action", "Check the fuse", "c1", source="test")
    rels = [
        RelationFact("HAS_STEP", p.key, s.key, "c1", properties={"order": 1}),
        RelationFact("HAS_STEP", p.key, s.key, "c1", properties={"order": 3}),
    ]
    rows = prepare_rows(facts_with(rels, [p, s]))
    assert sorted(r["qualifier"] for r in rows.relations["HAS_STEP"]) == ["1", "3"]


def test_builders_refuse_labels_and_types_outside_the_ontology():
    with pytest.raises(ValueError):
        upsert_entities("Component) DETACH DELETE (x")
    with pytest.raises(ValueError):
        upsert_relations("KNOWS")


def test_every_schema_statement_is_idempotent():
    assert all("IF NOT EXISTS" in s for s in schema_statements())


def failing_driver(error):
    driver = MagicMock(spec=neo4j.Driver)
    session = driver.session.return_value.__enter__.return_value
    session.execute_write.side_effect = error
    return driver


def test_neo4j_outages_surface_as_transient_errors():
    driver = failing_driver(neo4j.exceptions.ServiceUnavailable("connection refused"))
    with pytest.raises(GraphUnavailable) as info:
        replace_version(driver, facts_with([], []))
    assert info.value.is_transient


def test_rejected_writes_surface_as_permanent_errors():
    driver = failing_driver(neo4j.exceptions.CypherTypeError("bad property"))
    with pytest.raises(GraphWriteError) as info:
        replace_version(driver, facts_with([], []))
    assert not info.value.is_transient
