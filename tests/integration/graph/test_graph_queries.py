"""Answer-side graph queries against the real Neo4j: linking, neighbourhoods, paths, aggregates, ACL."""

from __future__ import annotations

import pytest

from graph import (
    ChunkInput,
    Resolver,
    VersionFacts,
    count_work_orders,
    link_entities,
    neighbourhood,
    replace_version,
    top_values,
    troubleshooting_paths,
)
from graph.records import ColumnMapping, RecordMapping, record_facts
from graph.resolve import Neo4jCandidates

pytestmark = [pytest.mark.integration, pytest.mark.serial]

SHARED = "Pump P-101 trips with E-47 after start-up."
A_TABLE = [
    ["Symptom", "Cause", "Action"],
    ["Pump trips", "Clogged suction strainer", "Clean the suction strainer"],
]
B_TEXT = (
    "Pump P-101 shows error E-99 when the secret bypass valve SBV-7 sticks. "
    "If the pump trips, replace the impeller P/N 7777-1234-00."
)


@pytest.fixture
def two_collections(ingest):
    ingest(
        "colA",
        "docA",
        "vA1",
        [("a1", dict(text=SHARED)), ("a2", dict(text="", kind="table", table_rows=A_TABLE))],
    )
    ingest("colB", "docB", "vB1", [("b1", dict(text=SHARED + " " + B_TEXT))])


def keys(linked):
    return {link.entity.key for link in linked}


def test_linking_finds_entities_by_pattern_lexicon_and_surface_form(graph_db, two_collections, extractor):
    linked = link_entities(
        graph_db, "pump trips with error e-47 on p101, what do I check?", ["colA"], extractor
    )
    assert {"Equipment:P101", "ErrorCode:E47", "Symptom:pump trip"} <= keys(linked)


def test_a_user_of_collection_a_never_links_entities_only_b_mentions(graph_db, two_collections, extractor):
    question = "what does E-99 on SBV-7 mean, and is the impeller part 7777-1234-00 needed?"
    only_b = {"ErrorCode:E99", "Equipment:SBV7", "Part:7777123400", "Component:impeller"}
    assert keys(link_entities(graph_db, question, ["colA"], extractor, use_fulltext=True)) & only_b == set()
    assert {"ErrorCode:E99", "Equipment:SBV7", "Part:7777123400"} <= keys(
        link_entities(graph_db, question, ["colB"], extractor)
    )


def test_neighbourhood_shows_only_facts_supported_by_allowed_chunks(graph_db, two_collections):
    facts = neighbourhood(graph_db, ["Equipment:P101"], ["colA"], hops=2)
    assert facts, "P-101 SHOWS E-47 is supported in colA"
    for fact in facts:
        assert fact.citations and {c.collection_id for c in fact.citations} == {"colA"}
        assert "E99" not in fact.tail.key + fact.head.key
    shared = [f for f in facts if f.rel == "SHOWS" and f.tail.key == "ErrorCode:E47"]
    assert [c.chunk_id for c in shared[0].citations] == ["a1"]  # B's support of the same fact is not cited
    names_b = {f.tail.key for f in neighbourhood(graph_db, ["Equipment:P101"], ["colB"], hops=1)}
    assert "ErrorCode:E99" in names_b


def test_troubleshooting_paths_run_symptom_cause_action_within_the_allowed_collections(
    graph_db, two_collections
):
    paths = troubleshooting_paths(graph_db, ["Symptom:pump trip"], ["colA"])
    chains = {tuple((s.head.name, s.rel, s.tail.name) for s in p.steps) for p in paths}
    assert (
        ("Pump trips", "CAUSED_BY", "Clogged suction strainer"),
        ("Clogged suction strainer", "REMEDIED_BY", "Clean the suction strainer"),
    ) in chains
    assert all("impeller" not in s.tail.name for p in paths for s in p.steps)
    b_paths = troubleshooting_paths(graph_db, ["Symptom:pump trip"], ["colB"])
    assert any(s.rel == "REMEDIED_BY" and "impeller" in s.tail.name for p in b_paths for s in p.steps)
    assert any(e.rel == "USES_PART" and e.tail.key == "Part:7777123400" for p in b_paths for e in p.extras)


MAPPING = RecordMapping(
    columns=(
        ColumnMapping("Asset", "Equipment"),
        ColumnMapping("FM", "FailureMode", split="_", use_lexicon=True),
    ),
    date="BscStartDate",
    cost="Cost",
    text="OriginalShorttext",
)


def load_records(driver, extractor, rows, collection_id, document_id):
    chunks = [
        ChunkInput(
            f"row-{i}",
            collection_id,
            document_id,
            f"v-{document_id}",
            row["OriginalShorttext"],
            kind="record",
            record=row,
        )
        for i, row in enumerate(rows)
    ]
    facts = VersionFacts(
        collection_id,
        document_id,
        f"v-{document_id}",
        [record_facts(c, MAPPING, extractor.lexicon, extractor.scan) for c in chunks],
    )
    resolved, _ = Resolver(candidates=Neo4jCandidates(driver)).resolve(facts)
    replace_version(driver, resolved)
    return resolved


def expected_count(facts, *keys):
    return sum(1 for c in facts.chunks if set(keys) <= {m.key for m in c.mentions})


def test_aggregates_count_work_orders_over_records(graph_db, extractor, excavator_rows):
    facts = load_records(graph_db, extractor, excavator_rows, "fleet", "excavators")
    # "How often was the lift (boom) cylinder on excavator A replaced?"
    result = count_work_orders(
        graph_db,
        ["fleet"],
        equipment=["Equipment:A"],
        component=["Component:lift cylinder"],
        action=["Action:replace"],
    )
    assert result.count == expected_count(facts, "Equipment:A", "Component:lift cylinder", "Action:replace")
    assert result.count >= 2  # "Change LH Boom Cylinder (Terex)", "L/H BOOM CYL CHANGE OUT"
    assert all(w.citations and w.citations[0].collection_id == "fleet" for w in result.work_orders)
    top = top_values(graph_db, ["fleet"], group_label="FailureMode", equipment=["Equipment:B"], year=2005)
    year_rows = [r for r in excavator_rows if r["Asset"] == "B" and r["BscStartDate"].startswith("2005")]
    assert sum(v.count for v in top) >= len([r for r in year_rows if r["FM"] not in ("NA", "")])
    top_2004 = top_values(
        graph_db, ["fleet"], group_label="FailureMode", equipment=["Equipment:B"], year=2004
    )
    assert top_2004[0].count >= top_2004[-1].count and top_2004[0].entity.label == "FailureMode"


def test_aggregates_ignore_records_of_other_collections(graph_db, extractor, excavator_rows):
    load_records(graph_db, extractor, excavator_rows, "fleet", "excavators")
    assert count_work_orders(graph_db, ["other"], equipment=["Equipment:A"]).count == 0
    assert top_values(graph_db, ["other"], equipment=["Equipment:B"]) == []
