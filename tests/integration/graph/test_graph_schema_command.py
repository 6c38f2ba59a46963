"""manage.py graph_schema against a real Neo4j: a graph from an older version gets the new indexes."""

import pytest
from django.core.management import call_command

from config import wiring
from graph.schema import WORK_ORDER_TEXT_INDEX

pytestmark = pytest.mark.integration


def _index_names(driver):  # type: ignore[no-untyped-def]
    records, _, _ = driver.execute_query("SHOW INDEXES YIELD name RETURN collect(name) AS names")
    return set(records[0]["names"])


def test_graph_schema_creates_an_index_an_older_graph_lacks(neo4j_driver, neo4j_url, settings, capsys):
    settings.NEO4J_URL, settings.NEO4J_USER = neo4j_url, ""
    wiring.neo4j_driver.cache_clear()
    neo4j_driver.execute_query(f"DROP INDEX {WORK_ORDER_TEXT_INDEX} IF EXISTS")
    assert WORK_ORDER_TEXT_INDEX not in _index_names(neo4j_driver)
    try:
        call_command("graph_schema")
        call_command("graph_schema")  # idempotent
    finally:
        wiring.neo4j_driver.cache_clear()
    assert WORK_ORDER_TEXT_INDEX in _index_names(neo4j_driver)
    assert "schema ready" in capsys.readouterr().out
