"""Read side of the admin graph browser: entity search, entity pages, capped neighbourhoods, stats.

Every function takes ``collections`` (the collections whose facts the viewer may see) and, where
provenance is returned, ``provenance`` (the collections whose chunks the viewer may read; defaults
to ``collections``). An entity is visible through a MENTIONED_IN chunk of ``collections``, a relation
through a ``chunk_refs`` chunk of ``collections`` — the same rule graph/queries.py applies to answers.

Curated-away facts need no extra filter here: graph/curate.py takes soft-deleted and merged-away
entities out of the ``Entity`` label and turns retracted relations into ``RETRACTED`` tombstones,
which no whitelisted relation pattern matches.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graph import cypher
from graph._neo4j_errors import run_read
from graph.config import QueryConfig
from graph.errors import GraphQueryError
from graph.facts import Citation
from graph.normalize import normalize_identifier
from graph.schema import ENTITY_LABELS, FULLTEXT_INDEX, RELATION_TYPES

#: Hard ceiling on neighbourhood nodes counted per request; beyond it "M" is a lower bound.
SCAN_CAP = 100_000
MAX_NODE_CAP = 2_000
MAX_DEPTH = 3
_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')
_WORD = re.compile(r"\S+")
_HIDDEN_PROPS = frozenset({"aliases_text", "chunk_refs", "aliases", "key", "name", "norm", "type"})


@dataclass(frozen=True)
class EntityHit:
    """One entity found by :func:`search_entities`."""

    key: str
    label: str
    name: str
    aliases: tuple[str, ...]
    score: float


@dataclass(frozen=True)
class RelationId:
    """Identity of a relation: (head key, type, tail key, qualifier), as graph/write.py MERGEs it."""

    head: str
    type: str
    tail: str
    qualifier: str = ""

    def encode(self) -> str:
        """URL-safe token for forms and links."""
        raw = json.dumps([self.head, self.type, self.tail, self.qualifier], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> RelationId:
        """Parse a token made by :meth:`encode`.

        Raises:
            ValueError: the token is malformed or names an unknown relation type.
        """
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            head, rel, tail, qualifier = json.loads(raw)
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as e:
            raise ValueError("malformed relation id") from e
        if rel not in RELATION_TYPES or not all(isinstance(v, str) for v in (head, tail, qualifier)):
            raise ValueError("malformed relation id")
        return cls(head, rel, tail, qualifier)


@dataclass(frozen=True)
class RelationView:
    """A relation as seen from one entity."""

    id: RelationId
    type: str
    is_outgoing: bool
    other_key: str
    other_label: str
    other_name: str
    properties: dict[str, Any]
    citations: tuple[Citation, ...]
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class EntityDetail:
    """Everything the entity page shows."""

    key: str
    label: str
    name: str
    aliases: tuple[str, ...]
    properties: dict[str, Any]
    mentions: tuple[Citation, ...]
    relations: tuple[RelationView, ...]
    relation_counts: dict[str, int]
    supporting_collections: tuple[str, ...]
    merged_from: tuple[str, ...] = ()

    @property
    def relations_by_type(self) -> dict[str, list[RelationView]]:
        groups: dict[str, list[RelationView]] = {}
        for rel in self.relations:
            groups.setdefault(rel.type, []).append(rel)
        return groups

    @property
    def relations_total(self) -> int:
        return sum(self.relation_counts.values())


@dataclass(frozen=True)
class GraphNode:
    key: str
    label: str
    name: str
    degree: int = 0


@dataclass(frozen=True)
class GraphEdge:
    id: str
    source: str
    target: str
    type: str


@dataclass(frozen=True)
class Subgraph:
    """A capped neighbourhood: ``shown`` of ``total`` nodes (``total`` is at least ``SCAN_CAP`` when
    ``is_total_lower_bound``)."""

    center: GraphNode | None
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    total: int
    offset: int
    is_total_lower_bound: bool = False

    @property
    def shown(self) -> int:
        return len(self.nodes)

    @property
    def has_more(self) -> bool:
        return self.offset + self.shown < self.total

    def as_dict(self) -> dict[str, Any]:
        return {
            "center": self.center.__dict__ if self.center else None,
            "nodes": [n.__dict__ for n in self.nodes],
            "edges": [e.__dict__ for e in self.edges],
            "shown": self.shown, "total": self.total, "offset": self.offset,
            "has_more": self.has_more, "is_total_lower_bound": self.is_total_lower_bound,
        }


@dataclass(frozen=True)
class GraphStats:
    entities_by_label: dict[str, int]
    relations_by_type: dict[str, int]
    top_entities: tuple[GraphNode, ...]
    chunk_count: int = 0
    document_count: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _cols(collections: Sequence[object]) -> list[str]:
    return [str(c) for c in collections]


def _run(driver: Any, cypher_text: str, cfg: QueryConfig, database: str | None, **params: Any) -> list[dict[str, Any]]:
    return run_read(driver, cypher_text, params, timeout_s=cfg.timeout_s, database=database,
                    permanent=GraphQueryError, what="graph browser query")


def _rel_types(rel_types: Sequence[str] | None) -> frozenset[str]:
    if not rel_types:
        return RELATION_TYPES
    unknown = set(rel_types) - RELATION_TYPES
    if unknown:
        raise GraphQueryError(f"unknown relation type(s): {', '.join(sorted(unknown))}")
    return frozenset(rel_types)


def _citation(c: dict[str, Any]) -> Citation:
    return Citation(str(c["chunk_id"]), str(c["document_id"]), str(c["version_id"]), str(c["collection_id"]),
                    c.get("page"))


def lucene_query(text: str) -> str:
    """Turn free user text into a safe full-text query: every word escaped, matched whole or as prefix.

    Args:
        text: what the admin typed.

    Returns:
        A Lucene query (empty when the text has no searchable characters).
    """
    clauses = []
    for word in _WORD.findall(text[:200])[:12]:
        if not any(ch.isalnum() for ch in word):
            continue
        # Lower case: the index analyser does the same, and AND/OR/NOT stop being operators.
        escaped = _LUCENE_SPECIAL.sub(r"\\\1", word.lower())
        clauses.append(f"({escaped} OR {escaped}*)" if len(word) >= 2 else escaped)
    identifier = normalize_identifier(text[:200])
    if not clauses:
        return ""
    query = " AND ".join(clauses)
    if identifier and len(clauses) > 1:
        query = f"({query}) OR norm:{identifier}"
    return query


_SEARCH = f"""
CALL db.index.fulltext.queryNodes('{FULLTEXT_INDEX}', $query, {{limit: $scan}}) YIELD node, score
WHERE ($labels IS NULL OR node.type IN $labels) AND {cypher.visible_node('node')}
RETURN node.key AS key, node.type AS label, node.name AS name, coalesce(node.aliases, []) AS aliases, score
ORDER BY score DESC, name
LIMIT $limit
"""


def search_entities(driver: Any, text: str, collections: Sequence[object], *, labels: Sequence[str] | None = None,
                    limit: int = 25, config: QueryConfig | None = None,
                    database: str | None = None) -> list[EntityHit]:
    """Entities whose name, aliases or identifier match ``text``, visible to ``collections``.

    Args:
        driver: a ``neo4j.Driver``.
        text: free text; Lucene syntax is escaped.
        collections: collection ids the viewer may see.
        labels: restrict to these entity types; None for all.
        limit: maximum hits.
        config: timeout.
        database: database name.

    Returns:
        Hits by descending score.

    Raises:
        GraphQueryError: unknown label; GraphUnavailable: Neo4j down.
    """
    cfg = config or QueryConfig()
    if labels:
        unknown = set(labels) - ENTITY_LABELS
        if unknown:
            raise GraphQueryError(f"unknown entity type(s): {', '.join(sorted(unknown))}")
    query = lucene_query(text)
    if not query or not collections:
        return []
    rows = _run(driver, _SEARCH, cfg, database, query=query, labels=list(labels) if labels else None,
                collections=_cols(collections), scan=max(limit * 10, 200), limit=limit)
    return [EntityHit(r["key"], r["label"], r["name"], tuple(r["aliases"]), float(r["score"])) for r in rows]


_PROVENANCE_OF_REL = ("COLLECT { MATCH (pc:Chunk) WHERE pc.ref IN r.chunk_refs AND pc.collection_id IN $provenance "
                      "RETURN pc {.chunk_id, .document_id, .version_id, .collection_id, .page} }")

_ENTITY = f"""
MATCH (e:Entity {{key: $key}}) WHERE {cypher.visible_node('e')}
RETURN e.key AS key, e.type AS label, e.name AS name, coalesce(e.aliases, []) AS aliases,
       properties(e) AS props,
       COLLECT {{ MATCH (e)-[:MENTIONED_IN]->(pc:Chunk) WHERE pc.collection_id IN $provenance
                 RETURN DISTINCT pc {{.chunk_id, .document_id, .version_id, .collection_id, .page}} }} AS mentions,
       COLLECT {{ MATCH (e)-[:MENTIONED_IN]->(ac:Chunk) RETURN DISTINCT ac.collection_id }} AS supporting
"""


def _entity_relations_query() -> str:
    # Per type: a count, then only the first $per_type relations are built (a hub can have 50k).
    return f"""
MATCH (e:Entity {{key: $key}})
UNWIND $types AS t
CALL (e, t) {{
  MATCH (e)-[r]-(:Entity) WHERE type(r) = t AND {cypher.visible_rel('r')}
  RETURN count(r) AS total
}}
WITH e, t, total WHERE total > 0
CALL (e, t) {{
  MATCH (e)-[r]-(o:Entity) WHERE type(r) = t AND {cypher.visible_rel('r')}
  WITH r, o ORDER BY o.name LIMIT $per_type
  RETURN collect({{head: startNode(r).key, tail: endNode(r).key, out: startNode(r) = e,
                   qualifier: coalesce(r.qualifier, ''), other: o {{.key, .type, .name}},
                   props: properties(r), sources: coalesce(r.sources, []),
                   citations: COLLECT {{ MATCH (pc:Chunk) WHERE pc.ref IN r.chunk_refs
                                          AND pc.collection_id IN $provenance
                                        RETURN pc {{.chunk_id, .document_id, .version_id, .collection_id, .page}} }}
                  }}) AS rels
}}
RETURN t AS type, total, rels
"""


def entity_detail(driver: Any, key: str, collections: Sequence[object], *,
                  provenance: Sequence[object] | None = None, per_type: int = 100,
                  config: QueryConfig | None = None, database: str | None = None) -> EntityDetail | None:
    """The entity page: properties, aliases, relations grouped by type and the passages behind each fact.

    Args:
        driver: a ``neo4j.Driver``.
        key: entity key.
        collections: collections whose facts the viewer may see.
        provenance: collections whose chunks may be cited (default ``collections``); chunks of other
            collections are never returned, even for a fact the viewer may see.
        per_type: relations listed per type (counts are always complete).
        config: timeout.
        database: database name.

    Returns:
        The detail, or None when the entity does not exist or is not visible.
    """
    cfg = config or QueryConfig()
    cols = _cols(collections)
    prov = _cols(provenance if provenance is not None else collections)
    rows = _run(driver, _ENTITY, cfg, database, key=key, collections=cols, provenance=prov)
    if not rows:
        return None
    row = rows[0]
    rel_rows = _run(driver, _entity_relations_query(), cfg, database, key=key, collections=cols,
                    provenance=prov, per_type=per_type, types=sorted(RELATION_TYPES))
    relations: list[RelationView] = []
    counts: dict[str, int] = {}
    for group in rel_rows:
        counts[group["type"]] = int(group["total"])
        for x in group["rels"]:
            props = {k: v for k, v in x["props"].items() if k not in ("chunk_refs", "sources", "qualifier")}
            relations.append(RelationView(
                RelationId(x["head"], group["type"], x["tail"], x["qualifier"]), group["type"], bool(x["out"]),
                x["other"]["key"], x["other"]["type"], x["other"]["name"], _plain(props),
                tuple(_citation(c) for c in x["citations"]), tuple(x["sources"])))
    props = {k: v for k, v in row["props"].items() if k not in _HIDDEN_PROPS}
    merged_from = tuple(props.pop("merged_from", None) or ())
    return EntityDetail(row["key"], row["label"], row["name"], tuple(row["aliases"]), _plain(props),
                        tuple(_citation(c) for c in row["mentions"]), tuple(relations), counts,
                        tuple(sorted(str(c) for c in row["supporting"])), merged_from)


def _plain(props: dict[str, Any]) -> dict[str, Any]:
    """Neo4j temporal values to ISO strings, so templates and JSON can show them."""
    out: dict[str, Any] = {}
    for k, v in props.items():
        out[k] = v.iso_format() if hasattr(v, "iso_format") else v
    return out


def _neighbourhood_query(rel_types: frozenset[str], depth: int) -> str:
    # DISTINCT end nodes of a variable-length pattern let Neo4j prune the expansion, and LIMIT
    # $scan bounds the work for huge hubs. Counting and paging run as two subqueries so no row
    # carries the whole node list (Neo4j's memory accounting charges such a list to every row);
    # the page is ordered by degree so hubs come first.
    expand = f"""
    MATCH (s)-[rels:{cypher.rel_union(rel_types)}*1..{depth}]-(n:Entity)
    WHERE n <> s AND all(r IN rels WHERE {cypher.visible_rel('r')})
    RETURN DISTINCT n LIMIT $scan"""
    return f"""
MATCH (s:Entity {{key: $key}}) WHERE {cypher.visible_node('s')}
CALL (s) {{
  OPTIONAL CALL (s) {{{expand}
  }}
  RETURN count(n) AS total
}}
CALL (s) {{
  OPTIONAL CALL (s) {{{expand}
  }}
  WITH n WHERE n IS NOT NULL
  WITH n, COUNT {{ (n)--() }} AS degree
  ORDER BY degree DESC, n.key
  SKIP $offset LIMIT $cap
  RETURN collect({{key: n.key, label: n.type, name: n.name, degree: degree}}) AS page
}}
RETURN {{key: s.key, label: s.type, name: s.name, degree: COUNT {{ (s)--() }}}} AS center, total, page
"""


def _edges_query(rel_types: frozenset[str]) -> str:
    return f"""
MATCH (a:Entity) WHERE a.key IN $keys
MATCH (b:Entity) WHERE b.key IN $keys
MATCH (a)-[r:{cypher.rel_union(rel_types)}]->(b)
WHERE {cypher.visible_rel('r')}
RETURN a.key AS source, type(r) AS type, b.key AS target, coalesce(r.qualifier, '') AS qualifier
LIMIT $limit
"""


def clamp_neighbourhood(depth: int, cap: int, offset: int) -> tuple[int, int, int]:
    """Bound user-supplied neighbourhood parameters: depth 1-3, cap 1-MAX_NODE_CAP, offset >= 0."""
    return (min(max(int(depth), 1), MAX_DEPTH), min(max(int(cap), 1), MAX_NODE_CAP), max(int(offset), 0))


def neighbourhood_graph(driver: Any, key: str, collections: Sequence[object], *, depth: int = 1,
                        rel_types: Sequence[str] | None = None, cap: int = 150, offset: int = 0,
                        scan_cap: int = SCAN_CAP, config: QueryConfig | None = None,
                        database: str | None = None) -> Subgraph | None:
    """The nodes within ``depth`` hops of an entity, capped and paged, with the edges among them.

    Args:
        driver: a ``neo4j.Driver``.
        key: the centre entity.
        collections: collections whose facts the viewer may see (every hop must be visible).
        depth: hops, clamped to 1-3.
        rel_types: relation types to follow; None for all.
        cap: nodes returned per page, clamped to 1-MAX_NODE_CAP.
        offset: nodes skipped (paging through a huge neighbourhood).
        scan_cap: at most this many nodes are counted; a larger neighbourhood reports a lower bound.
        config: timeout.
        database: database name.

    Returns:
        The subgraph ("showing ``shown`` of ``total``"), or None when the centre is not visible.
    """
    cfg = config or QueryConfig()
    depth, cap, offset = clamp_neighbourhood(depth, cap, offset)
    types = _rel_types(rel_types)
    cols = _cols(collections)
    rows = _run(driver, _neighbourhood_query(types, depth), cfg, database, key=key, collections=cols,
                scan=scan_cap, offset=offset, cap=cap)
    if not rows:
        return None
    row = rows[0]
    center = GraphNode(**row["center"])
    nodes = tuple(GraphNode(**n) for n in row["page"])
    keys = [center.key, *(n.key for n in nodes)]
    edge_rows = _run(driver, _edges_query(types), cfg, database, keys=keys, collections=cols,
                     limit=cap * 20)
    edges = tuple(GraphEdge(RelationId(e["source"], e["type"], e["target"], e["qualifier"]).encode(),
                            e["source"], e["target"], e["type"]) for e in edge_rows)
    total = int(row["total"])
    return Subgraph(center, nodes, edges, total, offset, total >= scan_cap)


_STATS_ENTITIES = """
MATCH (c:Chunk) WHERE c.collection_id IN $collections
MATCH (e:Entity)-[:MENTIONED_IN]->(c)
WITH DISTINCT e
RETURN e.type AS label, count(*) AS count ORDER BY count DESC, label
"""

_STATS_RELATIONS = f"""
MATCH (c:Chunk) WHERE c.collection_id IN $collections
MATCH (e:Entity)-[:MENTIONED_IN]->(c)
WITH DISTINCT e
MATCH (e)-[r]->(:Entity) WHERE type(r) IN $rel_types AND {cypher.visible_rel('r')}
WITH DISTINCT r
RETURN type(r) AS type, count(*) AS count ORDER BY count DESC, type
"""

_STATS_TOP = f"""
MATCH (c:Chunk) WHERE c.collection_id IN $collections
MATCH (e:Entity)-[:MENTIONED_IN]->(c)
WITH DISTINCT e, COUNT {{ (e)--() }} AS raw_degree
ORDER BY raw_degree DESC LIMIT $scan
WITH e, COUNT {{ MATCH (e)-[r]-(:Entity) WHERE type(r) IN $rel_types AND {cypher.visible_rel('r')} }} AS degree
ORDER BY degree DESC, e.name LIMIT $top
RETURN e.key AS key, e.type AS label, e.name AS name, degree
"""

_STATS_CHUNKS = """
MATCH (c:Chunk) WHERE c.collection_id IN $collections
RETURN count(c) AS chunks, count(DISTINCT c.document_id) AS documents
"""


def graph_stats(driver: Any, collections: Sequence[object], *, top: int = 10,
                config: QueryConfig | None = None, database: str | None = None) -> GraphStats:
    """Counts by entity type and relation type, and the best-connected entities, within ``collections``.

    Args:
        driver: a ``neo4j.Driver``.
        collections: collection ids.
        top: number of top entities.
        config: timeout.
        database: database name.

    Returns:
        The statistics.
    """
    cfg = config or QueryConfig()
    cols = _cols(collections)
    types = sorted(RELATION_TYPES)
    labels = {r["label"]: int(r["count"]) for r in _run(driver, _STATS_ENTITIES, cfg, database, collections=cols)}
    rels = {r["type"]: int(r["count"]) for r in _run(driver, _STATS_RELATIONS, cfg, database, collections=cols,
                                                     rel_types=types)}
    top_rows = _run(driver, _STATS_TOP, cfg, database, collections=cols, rel_types=types, top=top, scan=top * 20)
    chunk_row = _run(driver, _STATS_CHUNKS, cfg, database, collections=cols)[0]
    return GraphStats(labels, rels, tuple(GraphNode(r["key"], r["label"], r["name"], int(r["degree"]))
                                          for r in top_rows),
                      int(chunk_row["chunks"]), int(chunk_row["documents"]))
