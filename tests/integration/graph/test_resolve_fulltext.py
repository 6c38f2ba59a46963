"""Candidate look-up through the real full-text index: a long table cell never fails the ingest.

Issue 11: the Remedy cell "top up ISO VG 46 oil and bleed the suction line" became one Action whose
candidate query had 8 fuzzy words (``top~ OR up~ OR iso~ ...``). On a graph with many short index
terms each fuzzy word expands to Lucene's 50 terms in each of the index's 3 fields, and Neo4j refused
the query ("TooManyClauses: maxClauseCount is set to 1024"), so the graph stage failed every time.
"""

from __future__ import annotations

import itertools
import string

import pytest

from graph import GraphQueryError
from graph import resolve as resolve_module
from graph.cypher import SIMILAR_BY_FULLTEXT
from graph.resolve import Neo4jCandidates

pytestmark = [pytest.mark.integration, pytest.mark.serial]

CELL = "top up ISO VG 46 oil and bleed the suction line"
FAULT_TABLE = [
    (
        "t1",
        dict(
            text="",
            kind="table",
            page=4,
            heading_path=("HP-200 hydraulic press", "Fault table"),
            table_rows=[
                ["Code", "Symptom", "Cause", "Remedy"],
                ["H-301", "Ram drifts down under load", "Worn piston seal", "Replace seal kit P/N HS-4410"],
                ["H-302", "Pump noisy and pressure unstable", "Air in the suction line", CELL],
            ],
        ),
    ),
]


def _unbounded_query(name: str, *, fuzzy: bool = True) -> str:
    """The query builder before the fix: up to 8 words of 2+ characters, every one fuzzy."""
    words = [w.lower() for w in resolve_module._WORD.findall(name) if len(w) > 1][:8]
    return " OR ".join(f"{w}~" if fuzzy else w for w in words)


@pytest.fixture
def crowded_graph(graph_db):
    """Entities with many distinct 2-3 character words (as thousands of logbook records give):
    every short fuzzy word then expands to Lucene's maximum of 50 terms per field."""
    pairs = ["".join(p) for p in itertools.product(string.ascii_lowercase[:20], repeat=2)]
    rows = [
        {"key": f"Action:seed {i}", "name": f"{pair} {i % 1000:03d} x{pair}"}
        for i, pair in enumerate(pairs + [p[::-1] + "q" for p in pairs])
    ]
    graph_db.execute_query(
        "UNWIND $rows AS r CREATE (:Entity {key: r.key, type: 'Action', name: r.name, norm: r.name, "
        "aliases_text: r.name})",
        rows=rows,
    )
    graph_db.execute_query("CALL db.awaitIndexes(60)")
    return graph_db


def test_the_unbounded_fuzzy_query_of_that_cell_is_refused_by_neo4j(crowded_graph):
    """The reproduction: Neo4j itself refuses the query the resolver used to send."""
    with pytest.raises(GraphQueryError, match="maxClauseCount|TooManyClauses"):
        resolve_module.run_read(
            crowded_graph,
            SIMILAR_BY_FULLTEXT,
            {"rows": [{"name": CELL, "label": "Action", "query": _unbounded_query(CELL)}], "limit": 50},
            timeout_s=30,
            database=None,
            permanent=GraphQueryError,
            what="entity candidate look-up",
        )


def test_the_bounded_query_of_that_cell_finds_candidates_without_error(crowded_graph):
    name = "top up oil and bleed suction line"
    crowded_graph.execute_query(
        "CREATE (:Entity {key: 'Action:' + $name, type: 'Action', name: $name, norm: $name, "
        "aliases_text: ''})",
        name=name,
    )
    crowded_graph.execute_query("CALL db.awaitIndexes(60)")
    found = Neo4jCandidates(crowded_graph).similar("Action", [CELL], 10)
    assert name in [c.name for c in found[CELL]]


def test_a_refused_query_falls_back_to_exact_words(crowded_graph, monkeypatch):
    """Should a query still be too broad, the look-up is repeated with exact words, not failed."""
    monkeypatch.setattr(resolve_module, "_lucene_query", _unbounded_query)
    found = Neo4jCandidates(crowded_graph).similar("Action", [CELL, "xab 001"], 10)
    assert found.get("xab 001")  # exact words still find what shares them


def test_a_fault_table_with_that_cell_ingests_into_a_crowded_graph(crowded_graph, ingest):
    facts, decisions = ingest("colA", "docA", "vA1", FAULT_TABLE)
    names = {d.name.lower() for d in decisions}
    assert any("bleed the suction line" in n for n in names), names
    stored, _, _ = crowded_graph.execute_query(
        "MATCH (e:Entity)-[:MENTIONED_IN]->(c:Chunk {version_id: 'vA1'}) RETURN count(DISTINCT e) AS n"
    )
    assert stored[0]["n"] >= 3
