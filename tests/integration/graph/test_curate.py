# ruff: noqa: F811  (pytest fixtures imported from test_browse are redefined as test arguments)
"""graph.curate against the real Neo4j: merges keep aliases and provenance, soft deletes leave the
answering queries (graph.queries) at once, scope is enforced, everything can be undone."""

import pytest

from graph import browse, curate, queries
from graph.browse import RelationId
from tests.integration.graph.test_browse import g, key, mention, pump_graph  # noqa: F401  (fixture)

pytestmark = pytest.mark.integration


def duplicates(g):
    a = g.collection("A")
    pump, pumps, leak, seal = (g.name(n) for n in ("oil pump", "oil pumps", "leak", "seal"))
    k = {"a": a, "pump": key("Component", pump), "dup": key("Component", pumps), "leak": key("Symptom", leak),
         "seal": key("Part", seal)}
    g.document(a, [("c1", [mention("Component", pump, "c1"), mention("Symptom", leak, "c1")],
                    [(k["pump"], "SHOWS", k["leak"])]),
                   ("c2", [mention("Component", pumps, "c2", "Oil Pumps"), mention("Part", seal, "c2"),
                           mention("Symptom", leak, "c2")],
                    [(k["dup"], "USES_PART", k["seal"]), (k["dup"], "SHOWS", k["leak"])])])
    return k


def test_merge_keeps_aliases_provenance_and_relations(g, neo4j_driver):
    k = duplicates(g)
    preview = curate.merge_preview(neo4j_driver, k["pump"], [k["dup"]], [k["a"]])
    assert (preview.mentions_moved, preview.relations_moved, preview.relations_combined) == (1, 1, 1)
    assert browse.entity_detail(neo4j_driver, k["dup"], [k["a"]]) is not None  # preview wrote nothing

    change = curate.merge_entities(neo4j_driver, k["pump"], [k["dup"]], [k["a"]], actor="owner")
    assert change.action == "merge" and change.before["absorbed"][0]["key"] == k["dup"]
    detail = browse.entity_detail(neo4j_driver, k["pump"], [k["a"]])
    assert {g.name("oil pumps"), "Oil Pumps"} <= set(detail.aliases)
    assert {c.chunk_id for c in detail.mentions} == {"c1", "c2"}
    assert {c.chunk_id for c in detail.relations_by_type["SHOWS"][0].citations} == {"c1", "c2"}
    assert detail.relations_by_type["USES_PART"][0].other_key == k["seal"]
    assert browse.entity_detail(neo4j_driver, k["dup"], [k["a"]]) is None
    assert [h.key for h in browse.search_entities(neo4j_driver, g.name("oil pumps"), [k["a"]])] == [k["pump"]]
    # Answers: the duplicate's surface form now links to the kept entity, with the moved facts.
    from graph import ExtractionConfig, Extractor

    linked = queries.link_entities(neo4j_driver, f"is the {g.name('oil pumps')} leaking", [k["a"]],
                                   Extractor(ExtractionConfig(use_ner=False)))
    assert k["pump"] in {le.entity.key for le in linked} and k["dup"] not in {le.entity.key for le in linked}
    facts = queries.neighbourhood(neo4j_driver, [k["pump"]], [k["a"]], hops=1)
    assert {(f.rel, f.tail.key) for f in facts} == {("SHOWS", k["leak"]), ("USES_PART", k["seal"])}

    # Splitting the alias back off revives the merged-away entity with its own facts.
    curate.split_entity(neo4j_driver, k["pump"], [g.name("oil pumps"), "Oil Pumps"], g.name("oil pumps"), [k["a"]],
                        actor="owner")
    dup = browse.entity_detail(neo4j_driver, k["dup"], [k["a"]])
    assert {c.chunk_id for c in dup.mentions} == {"c2"}
    assert set(dup.relation_counts) == {"SHOWS", "USES_PART"}
    pump = browse.entity_detail(neo4j_driver, k["pump"], [k["a"]])
    assert {c.chunk_id for c in pump.mentions} == {"c1"} and set(pump.relation_counts) == {"SHOWS"}


def test_merge_refuses_other_types_and_foreign_collections(g, neo4j_driver):
    k = pump_graph(g)
    with pytest.raises(curate.CurationError, match="never merged"):
        curate.merge_preview(neo4j_driver, k["pump"], [k["leak"]], [k["a"], k["b"]])
    # The pump is also supported by collection B: an admin of A alone may not change it.
    with pytest.raises(curate.OutsideScope):
        curate.delete_entity(neo4j_driver, k["pump"], [k["a"]], actor="a")
    with pytest.raises(curate.EntityNotFound):
        curate.delete_entity(neo4j_driver, k["seal"], [k["b"]], actor="b")
    assert browse.entity_detail(neo4j_driver, k["pump"], [k["a"]]) is not None


def test_deleted_facts_stop_being_used_in_answers_at_once(g, neo4j_driver):
    k = duplicates(g)
    rid = RelationId(k["pump"], "SHOWS", k["leak"])
    curate.delete_relation(neo4j_driver, rid, [k["a"]], actor="owner", reason="wrong")
    assert queries.neighbourhood(neo4j_driver, [k["pump"]], [k["a"]], hops=1) == []
    assert queries.troubleshooting_paths(neo4j_driver, [k["leak"]], [k["a"]]) == []
    curate.restore_relation(neo4j_driver, rid, [k["a"]], actor="owner")
    assert len(queries.neighbourhood(neo4j_driver, [k["pump"]], [k["a"]], hops=1)) == 1

    curate.delete_entity(neo4j_driver, k["seal"], [k["a"]], actor="owner")
    assert all(f.tail.key != k["seal"] for f in queries.neighbourhood(neo4j_driver, [k["dup"]], [k["a"]], hops=1))
    assert browse.search_entities(neo4j_driver, g.name("seal"), [k["a"]]) == []
    assert [d["key"] for d in curate.deleted_entities(neo4j_driver, [k["a"]])] == [k["seal"]]
    curate.restore_entity(neo4j_driver, k["seal"], [k["a"]], actor="owner")
    assert any(f.tail.key == k["seal"] for f in queries.neighbourhood(neo4j_driver, [k["dup"]], [k["a"]], hops=1))


def test_edit_relation_and_entity(g, neo4j_driver):
    k = duplicates(g)
    rid = RelationId(k["dup"], "USES_PART", k["seal"])
    change = curate.edit_relation(neo4j_driver, rid, [k["a"]], actor="owner", new_type="HAS_COMPONENT")
    assert change.after["type"] == "HAS_COMPONENT" and change.after["properties"]["chunk_refs"]
    facts = queries.neighbourhood(neo4j_driver, [k["dup"]], [k["a"]], hops=1, rel_types=frozenset({"USES_PART"}))
    assert facts == []
    curate.edit_entity(neo4j_driver, k["pump"], [k["a"]], actor="owner", name="<script>alert(1)</script>")
    detail = browse.entity_detail(neo4j_driver, k["pump"], [k["a"]])
    assert detail.name == "<script>alert(1)</script>" and g.name("oil pump") in detail.aliases


def test_a_relation_between_two_deleted_entities_comes_back_when_both_are_restored(g, neo4j_driver):
    k = duplicates(g)  # dup -USES_PART-> seal
    curate.delete_entity(neo4j_driver, k["dup"], [k["a"]], actor="owner")
    curate.delete_entity(neo4j_driver, k["seal"], [k["a"]], actor="owner")
    curate.restore_entity(neo4j_driver, k["dup"], [k["a"]], actor="owner")
    # The seal is still deleted: the relation waits on it instead of being thrown away.
    assert all(f.tail.key != k["seal"] for f in queries.neighbourhood(neo4j_driver, [k["dup"]], [k["a"]], hops=1))
    curate.restore_entity(neo4j_driver, k["seal"], [k["a"]], actor="owner")
    facts = queries.neighbourhood(neo4j_driver, [k["dup"]], [k["a"]], hops=1, rel_types=frozenset({"USES_PART"}))
    assert [f.tail.key for f in facts] == [k["seal"]]
