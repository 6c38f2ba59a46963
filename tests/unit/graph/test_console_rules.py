"""The console's refusal rules (no Neo4j needed: refusals happen before any query runs)."""

import pytest

from graph.console import ConsoleRefused, check_query, run_console

READ_ONLY = [
    "MATCH (n) RETURN n LIMIT 5",
    "MATCH (n) WHERE n.name = 'CREATE x; DELETE y' RETURN n",
    'MATCH (n) WHERE n.name = "MERGE" RETURN n.set, n.delete',
    "MATCH (n) // delete these later\nRETURN n",
    "MATCH (n) /* SET n.x = 1 */ RETURN n",
    "CALL db.labels()",
    "CALL db.index.fulltext.queryNodes('entity_names', 'pump') YIELD node RETURN node",
    "RETURN {set: 1, create: 2} AS m",
    "MATCH (n) CALL (n) { RETURN count(*) AS c } RETURN c",
    "MATCH p = (a:Entity)-[*1..2]-(b) RETURN p LIMIT 3",
    "SHOW INDEXES",
    "MATCH (n) RETURN n;",
    "MATCH (`CREATE`) RETURN `CREATE`",
]

WRITES = [
    ("CREATE (n)", "CREATE"),
    ("match (n) detach delete n", "DETACH"),
    ("MATCH (n) SET n.x = 1", "SET"),
    ("MATCH (n) REMOVE n:Entity", "REMOVE"),
    ("MERGE (n:X {a: 1})", "MERGE"),
    ("DROP INDEX entity_type", "DROP"),
    ("LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line", "LOAD CSV"),
    ("MATCH (n) FOREACH (x IN [1] | SET n.a = 1)", "FOREACH"),
    ("CALL { MATCH (n) RETURN n } IN TRANSACTIONS RETURN 1", "TRANSACTIONS"),
    ("/* x */ CrEaTe (n)", "CREATE"),
    ("USE system SHOW USERS", "USE"),
    ("SHOW USERS", "SHOW USERS"),
    ("MATCH (n) RETURN n; MATCH (m) DELETE m", "one statement"),
]

PROCEDURES = [
    ("CALL dbms.killQueries([])", "dbms.killqueries"),
    ("CALL `dbms`.`listConfig`()", "dbms.listconfig"),
    ("CALL dbms.security.createUser('x', 'y', false)", "dbms.security.createuser"),
    ("CALL apoc.create.node(['X'], {})", "apoc.create"),
    ("MATCH (n) CALL apoc.refactor.rename.label('a', 'b') YIELD total RETURN total", "apoc.refactor"),
    ("RETURN apoc.cypher.runFirstColumnSingle('CREATE (n)', {})", "apoc.cypher"),
    ("CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DELETE n', {})", "apoc.periodic"),
    ("CALL db.createLabel('X')", "db.createlabel"),
]


@pytest.mark.parametrize("query", READ_ONLY)
def test_it_accepts_read_only_statements(query):
    check_query(query)


@pytest.mark.parametrize(("query", "reason"), WRITES)
def test_it_refuses_write_and_admin_clauses_with_a_clear_message(query, reason):
    with pytest.raises(ConsoleRefused, match="refused") as info:
        check_query(query)
    assert reason in str(info.value)


@pytest.mark.parametrize(("query", "name"), PROCEDURES)
def test_it_refuses_procedures_off_the_allowlist(query, name):
    with pytest.raises(ConsoleRefused) as info:
        check_query(query)
    assert name in str(info.value)


def test_it_refuses_empty_and_huge_queries():
    with pytest.raises(ConsoleRefused, match="type a Cypher query"):
        check_query("   ")
    with pytest.raises(ConsoleRefused, match="longer than"):
        check_query("MATCH (n) RETURN n " + " " * 20_000)


def test_refused_statements_never_reach_the_driver():
    from unittest.mock import MagicMock

    import neo4j

    driver = MagicMock(spec=neo4j.Driver)
    with pytest.raises(ConsoleRefused):
        run_console(driver, "MATCH (n) DETACH DELETE n")
    driver.session.assert_not_called()


def test_refusals_carry_a_400_status():
    assert ConsoleRefused.status == 400
