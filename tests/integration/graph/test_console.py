# ruff: noqa: F811  (pytest fixtures imported from test_browse are redefined as test arguments)
"""The console against the real Neo4j: the read transaction stops writes the keyword check missed."""

from unittest.mock import patch

import pytest

from graph import console
from graph.errors import GraphQueryError
from tests.integration.graph.test_browse import g, pump_graph  # noqa: F401  (fixture)

pytestmark = pytest.mark.integration


def test_it_returns_rows_and_graph_elements(g, neo4j_driver):
    k = pump_graph(g)
    result = console.run_console(neo4j_driver, f"MATCH (e:Entity {{key: '{k['pump']}'}})-[r:SHOWS]->(s) RETURN e, r, s")
    assert result.columns == ("e", "r", "s") and len(result.rows) == 1
    assert len(result.nodes) == 2 and len(result.edges) == 1
    assert result.rows[0][0]["properties"]["name"] == g.name("oil pump")


def test_it_caps_rows(g, neo4j_driver):
    result = console.run_console(neo4j_driver, "UNWIND range(1, 5000) AS i RETURN i", row_cap=100)
    assert len(result.rows) == 100 and result.is_truncated


def test_the_read_transaction_refuses_writes_even_without_the_keyword_check(g, neo4j_driver):
    with patch.object(console, "check_query"), pytest.raises(GraphQueryError):
        console.run_console(neo4j_driver, f"CREATE (:Probe {{tag: '{g.tag}'}})")
    records, _, _ = neo4j_driver.execute_query("MATCH (p:Probe {tag: $tag}) RETURN count(p) AS n", tag=g.tag)
    assert records[0]["n"] == 0


def test_it_stops_long_queries_at_the_timeout(g, neo4j_driver):
    with pytest.raises(GraphQueryError):
        console.run_console(neo4j_driver, "UNWIND range(1, 100000000) AS i WITH i WHERE i = -1 RETURN i",
                            timeout_s=0.5)


def test_syntax_errors_come_back_as_query_errors(g, neo4j_driver):
    with pytest.raises(GraphQueryError):
        console.run_console(neo4j_driver, "MATCH (n RETURN n")
