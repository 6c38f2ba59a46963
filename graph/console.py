"""A read-only Cypher console for administrators.

Three independent guards, so that one mistake does not open the graph to writes:

1. :func:`check_query` refuses, with a clear message, statements that contain write or admin
   clauses (CREATE, MERGE, DELETE, SET, REMOVE, DROP, LOAD CSV, FOREACH, ``IN TRANSACTIONS``, USE,
   GRANT/DENY/REVOKE...) and any ``CALL`` of a procedure that is not on :data:`ALLOWED_PROCEDURES`
   (so ``dbms.*`` and APOC's write procedures never run). String literals and comments are blanked
   first: ``WHERE n.name = 'CREATE'`` is fine.
2. The statement runs in a READ transaction (``session.execute_read`` on a READ-mode session): the
   server rejects any write that slipped past the check.
3. A transaction timeout and a row cap bound the work; at most ``row_cap`` rows come back.

Results come back as table rows (JSON-ready values) and as graph nodes/edges for drawing.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from graph._neo4j_errors import open_session, translate_errors
from graph.errors import GraphError, GraphQueryError

MAX_QUERY_CHARS = 10_000
MAX_GRAPH_NODES = 1_000

#: Procedures the console may CALL (all read-only).
ALLOWED_PROCEDURES: frozenset[str] = frozenset({
    "db.labels", "db.relationshiptypes", "db.propertykeys", "db.schema.visualization",
    "db.schema.nodetypeproperties", "db.schema.reltypeproperties", "db.index.fulltext.querynodes",
    "db.index.fulltext.queryrelationships", "db.info", "dbms.components",
    "apoc.meta.stats", "apoc.meta.data", "apoc.meta.schema", "apoc.path.expand", "apoc.path.expandconfig",
    "apoc.path.subgraphnodes", "apoc.path.subgraphall", "apoc.path.spanningtree", "apoc.neighbors.athop",
    "apoc.neighbors.tohop", "apoc.neighbors.byhop",
})

#: Clauses that write or administer, with the reason shown to the user.
_REFUSED_WORDS: dict[str, str] = {
    "CREATE": "CREATE writes to the graph", "MERGE": "MERGE writes to the graph",
    "DELETE": "DELETE writes to the graph", "DETACH": "DETACH DELETE writes to the graph",
    "SET": "SET writes to the graph", "REMOVE": "REMOVE writes to the graph",
    "DROP": "DROP changes the schema", "ALTER": "ALTER administers the database",
    "RENAME": "RENAME administers the database", "FOREACH": "FOREACH is only used for writes",
    "LOAD": "LOAD CSV reads files from the server", "USE": "USE switches databases",
    "GRANT": "GRANT administers users", "DENY": "DENY administers users", "REVOKE": "REVOKE administers users",
    "START": "START administers the database", "STOP": "STOP administers the database",
    "TERMINATE": "TERMINATE administers transactions", "TRANSACTIONS": "CALL ... IN TRANSACTIONS is for writes",
    "ENABLE": "ENABLE administers the server", "DEALLOCATE": "DEALLOCATE administers the server",
    "REALLOCATE": "REALLOCATE administers the server", "FINISH": "FINISH only ends write queries",
}
_ALLOWED_SHOW = frozenset({"INDEX", "INDEXES", "CONSTRAINT", "CONSTRAINTS", "PROCEDURE", "PROCEDURES",
                           "FUNCTION", "FUNCTIONS"})

_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", re.S)
_BACKTICKED = re.compile(r"`(?:[^`]|``)*`")
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_WORD = re.compile(r"(?<![\w.$])([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*:(?!:))")
# APOC families that write, run nested Cypher, touch files or the system database (procedures or functions).
_APOC_REFUSED = re.compile(r"\bapoc\s*\.\s*(cypher|periodic|load|import|export|trigger|systemdb|do|create|merge|"
                           r"refactor|lock|atomic|nodes\s*\.\s*delete|schema\s*\.\s*assert|graph\s*\.\s*from|"
                           r"util\s*\.\s*sleep)\b", re.I)
_CALL = re.compile(r"\bCALL\s+([A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_][\w]*)*)\s*(?=\(|\bYIELD\b|$|\s)", re.I)
_SHOW = re.compile(r"\bSHOW\s+(?:ALL\s+|FULLTEXT\s+|RANGE\s+|TEXT\s+|POINT\s+|VECTOR\s+|LOOKUP\s+|BUILT\s+IN\s+|"
                   r"USER\s+DEFINED\s+|UNIQUE\s+|EXISTENCE\s+|KEY\s+|PROPERTY\s+)*(\w+)", re.I)


class ConsoleRefused(GraphError):
    """The console refused a statement because it could write or administer."""

    status = 400


@dataclass(frozen=True)
class ConsoleResult:
    """Rows (``columns`` x ``rows``) and the graph elements found in them."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    nodes: tuple[dict[str, Any], ...]
    edges: tuple[dict[str, Any], ...]
    is_truncated: bool
    elapsed_ms: float
    notes: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {"columns": list(self.columns), "rows": [list(r) for r in self.rows], "nodes": list(self.nodes),
                "edges": list(self.edges), "is_truncated": self.is_truncated,
                "elapsed_ms": round(self.elapsed_ms, 1), "notes": list(self.notes)}


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def _strip(text: str) -> str:
    """Blank comments and string literals, keeping offsets (strings first: '//' may sit in a string)."""
    out, pos = [], 0
    pattern = re.compile(f"{_STRING.pattern}|{_COMMENT.pattern}", re.S)
    for m in pattern.finditer(text):
        out.append(text[pos:m.start()])
        out.append("''" if m.group(0)[0] in "'\"" else " ")
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def check_query(text: str) -> None:
    """Refuse anything but a single read-only statement.

    Args:
        text: the Cypher the admin typed.

    Raises:
        ConsoleRefused: with the reason, e.g. "refused: CREATE writes to the graph; the console is read-only".
    """
    if not text or not text.strip():
        raise ConsoleRefused("type a Cypher query, e.g. MATCH (e:Entity) RETURN e LIMIT 25")
    if len(text) > MAX_QUERY_CHARS:
        raise ConsoleRefused(f"the query is longer than {MAX_QUERY_CHARS} characters")
    code = _strip(text)
    names = _BACKTICKED.sub(lambda m: m.group(0).strip("`").replace("``", ""), code)
    code = _BACKTICKED.sub("ident", code)
    if ";" in code.strip().rstrip(";"):
        raise ConsoleRefused("refused: one statement at a time (remove the ';')")
    for word in _WORD.findall(code):
        reason = _REFUSED_WORDS.get(word.upper())
        if reason:
            raise ConsoleRefused(f"refused: {reason}; the console is read-only")
    for m in _SHOW.finditer(code):
        if m.group(1).upper() not in _ALLOWED_SHOW:
            raise ConsoleRefused(f"refused: SHOW {m.group(1).upper()} is an administration command; the console "
                                 "only shows indexes, constraints, procedures and functions")
    apoc = _APOC_REFUSED.search(names)
    if apoc:
        raise ConsoleRefused(f"refused: apoc.{apoc.group(1)} can write or run other statements; the console is "
                             "read-only")
    for m in _CALL.finditer(names):
        procedure = re.sub(r"\s+", "", m.group(1)).lower()
        if procedure not in ALLOWED_PROCEDURES:
            hint = " (dbms procedures administer the server)" if procedure.startswith("dbms.") else ""
            raise ConsoleRefused(f"refused: procedure {procedure} is not on the console's read-only allowlist{hint}")


def _node(node: Any) -> dict[str, Any]:
    return {"id": node.element_id, "labels": sorted(node.labels), "properties": _props(dict(node.items()))}


def _edge(rel: Any) -> dict[str, Any]:
    return {"id": rel.element_id, "type": rel.type, "source": rel.start_node.element_id if rel.start_node else None,
            "target": rel.end_node.element_id if rel.end_node else None, "properties": _props(dict(rel.items()))}


def _props(props: dict[str, Any]) -> dict[str, Any]:
    return {k: to_json(v) for k, v in props.items() if k != "aliases_text"}


def to_json(value: Any, nodes: dict[str, Any] | None = None, edges: dict[str, Any] | None = None) -> Any:
    """A driver value as JSON-ready data; nodes and relationships found are collected for drawing.

    Args:
        value: a record value (node, relationship, path, list, map, temporal or scalar).
        nodes: element id -> node dict, filled in place.
        edges: element id -> edge dict, filled in place.
    """
    from neo4j.graph import Node, Path, Relationship

    if isinstance(value, Node):
        data = _node(value)
        if nodes is not None and len(nodes) < MAX_GRAPH_NODES:
            nodes.setdefault(data["id"], data)
        return {"node": data["labels"], **data}
    if isinstance(value, Relationship):
        data = _edge(value)
        if edges is not None:
            for end in (value.start_node, value.end_node):
                if end is not None and nodes is not None and len(nodes) < MAX_GRAPH_NODES:
                    nodes.setdefault(end.element_id, _node(end))
            edges.setdefault(data["id"], data)
        return {"relationship": data["type"], **data}
    if isinstance(value, Path):
        return {"path": [to_json(n, nodes, edges) for n in value.nodes],
                "relationships": [to_json(r, nodes, edges) for r in value.relationships]}
    if isinstance(value, list | tuple):
        return [to_json(v, nodes, edges) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v, nodes, edges) for k, v in value.items()}
    if hasattr(value, "iso_format"):
        return value.iso_format()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def run_console(driver: Any, text: str, *, row_cap: int = 1000, timeout_s: float = 10.0,
                database: str | None = None) -> ConsoleResult:
    """Check and run one read-only statement.

    Args:
        driver: a ``neo4j.Driver``.
        text: the Cypher statement (no parameters).
        row_cap: at most this many rows are read; more sets ``is_truncated``.
        timeout_s: transaction timeout enforced by the server.
        database: database name.

    Returns:
        The rows and graph elements.

    Raises:
        ConsoleRefused: the statement could write, administer or is empty.
        GraphQueryError: Neo4j rejected it (syntax error, timeout, a write in the read transaction).
        GraphUnavailable: Neo4j is down.
    """
    import neo4j

    check_query(text)
    started = time.perf_counter()

    def work(tx: Any) -> tuple[list[str], list[tuple[Any, ...]], dict[str, Any], dict[str, Any], bool]:
        result = tx.run(text)
        columns = list(result.keys())
        nodes: dict[str, Any] = {}
        edges: dict[str, Any] = {}
        rows: list[tuple[Any, ...]] = []
        is_truncated = False
        for record in result:
            if len(rows) >= row_cap:
                is_truncated = True
                break
            rows.append(tuple(to_json(v, nodes, edges) for v in record.values()))
        return columns, rows, nodes, edges, is_truncated

    with translate_errors(GraphQueryError, "console query"), \
            open_session(driver, database, read=True) as session:
        columns, rows, nodes, edges, is_truncated = session.execute_read(
            neo4j.unit_of_work(timeout=timeout_s)(work))
    edges = {k: e for k, e in edges.items() if e["source"] in nodes and e["target"] in nodes}
    notes = (f"showing the first {row_cap} rows",) if is_truncated else ()
    return ConsoleResult(tuple(columns), tuple(rows), tuple(nodes.values()), tuple(edges.values()), is_truncated,
                         (time.perf_counter() - started) * 1000, notes)
