"""Cypher statement builders. Values always travel as parameters; the only interpolated parts are
labels and relation types, and those are checked against the ontology whitelist first."""

from __future__ import annotations

from graph.schema import ENTITY_LABELS, FULLTEXT_INDEX, RELATION_TYPES


def _label(label: str) -> str:
    if label not in ENTITY_LABELS:
        raise ValueError(f"unknown entity label {label!r}")
    return label


def _rel(rel: str) -> str:
    if rel not in RELATION_TYPES:
        raise ValueError(f"unknown relation type {rel!r}")
    return rel


def rel_union(rels: frozenset[str] | set[str] | list[str]) -> str:
    """``A|B|C`` for a relationship pattern, whitelisted and sorted."""
    return "|".join(sorted(_rel(r) for r in rels))


# ---------------------------------------------------------------- visibility (ACL) predicates
def visible_node(var: str) -> str:
    """Predicate: node ``var`` is mentioned in a chunk of an allowed collection ($collections)."""
    return f"EXISTS {{ MATCH ({var})-[:MENTIONED_IN]->(vc:Chunk) WHERE vc.collection_id IN $collections }}"


def visible_rel(var: str) -> str:
    """Predicate: relation ``var`` is supported by a chunk of an allowed collection."""
    return (
        f"EXISTS {{ MATCH (vc:Chunk) WHERE vc.ref IN {var}.chunk_refs AND vc.collection_id IN $collections }}"
    )


def citations_of_rel(var: str) -> str:
    """Expression: the allowed chunks supporting relation ``var`` as citation maps."""
    return (
        f"COLLECT {{ MATCH (cc:Chunk) WHERE cc.ref IN {var}.chunk_refs AND cc.collection_id IN $collections "
        f"RETURN cc {{.chunk_id, .document_id, .version_id, .collection_id, .page}} }}"
    )


def citations_of_node(var: str) -> str:
    """Expression: the allowed chunks mentioning node ``var`` as citation maps."""
    return (
        f"COLLECT {{ MATCH ({var})-[:MENTIONED_IN]->(cc:Chunk) WHERE cc.collection_id IN $collections "
        f"RETURN DISTINCT cc {{.chunk_id, .document_id, .version_id, .collection_id, .page}} }}"
    )


# ---------------------------------------------------------------- writes
UPSERT_DOCUMENT = """
MERGE (d:Document {document_id: $document_id})
SET d.collection_id = $collection_id, d.version_id = $version_id, d.updated_at = datetime()
"""

UPSERT_CHUNKS = """
UNWIND $rows AS row
MATCH (d:Document {document_id: row.document_id})
MERGE (c:Chunk {ref: row.ref})
SET c.chunk_id = row.chunk_id, c.collection_id = row.collection_id, c.document_id = row.document_id,
    c.version_id = row.version_id, c.page = row.page, c.heading_path = row.heading_path, c.kind = row.kind
MERGE (c)-[:PART_OF]->(d)
"""


def upsert_entities(label: str) -> str:
    """MERGE entities of one label; aliases and chunk_refs are unions, never overwritten.

    Aliases an admin removed (``removed_aliases``, :func:`graph.curate.edit_entity`) are not
    added back.
    """
    return f"""
UNWIND $rows AS row
MERGE (e:Entity {{key: row.key}})
ON CREATE SET e:{_label(label)}, e.type = '{label}', e.name = row.name, e.norm = row.norm,
              e.aliases = [], e.chunk_refs = [], e.created_at = datetime()
SET e += row.props
SET e.aliases = e.aliases
    + [a IN row.aliases WHERE NOT a IN e.aliases AND NOT a IN coalesce(e.removed_aliases, [])]
SET e.aliases_text = reduce(s = '', a IN e.aliases | s + ' ' + a),
    e.chunk_refs = e.chunk_refs + [r IN row.chunk_refs WHERE NOT r IN e.chunk_refs]
"""


# ``origin`` (set when the writer redirected a merged-away key) is the key the chunk's own name
# has: graph.curate.split_entity moves such mentions back, as it does for mentions a merge moved.
UPSERT_MENTIONS = """
UNWIND $rows AS row
MATCH (e:Entity {key: row.key})
MATCH (c:Chunk {ref: row.ref})
MERGE (e)-[m:MENTIONED_IN {norm: row.norm}]->(c)
SET m.surface = row.surface, m.source = row.source, m.start = row.start, m.end = row.end,
    m.origin = coalesce(row.origin, m.origin)
"""


def _not_retracted(rel: str) -> str:
    return (
        f"NOT EXISTS {{ MATCH (h)-[x:RETRACTED]->(t) WHERE x.rel_type = '{_rel(rel)}' "
        "AND coalesce(x.qualifier, '') = row.qualifier }"
    )


def upsert_relations(rel: str) -> str:
    """MERGE relations of one type keyed by (head, tail, qualifier); chunk_refs are unions.

    A relation an admin retracted (a ``RETRACTED {rel_type, qualifier}`` tombstone between the
    same ends) is not re-created: :func:`record_retracted` adds the support to the tombstone.
    """
    return f"""
UNWIND $rows AS row
MATCH (h:Entity {{key: row.head}})
MATCH (t:Entity {{key: row.tail}})
WHERE {_not_retracted(rel)}
MERGE (h)-[r:{_rel(rel)} {{qualifier: row.qualifier}}]->(t)
ON CREATE SET r.chunk_refs = [], r.sources = [], r.created_at = datetime()
SET r += row.props
SET r.chunk_refs = r.chunk_refs + [x IN row.chunk_refs WHERE NOT x IN r.chunk_refs],
    r.sources = r.sources + [s IN row.sources WHERE NOT s IN r.sources]
"""


def record_retracted(rel: str) -> str:
    """Add re-stated support to the tombstones of retracted relations between live entities.

    The refs go to ``retracted_chunk_refs`` (not ``chunk_refs``: answers and pruning ignore them),
    so the admin sees the relation is still stated and :func:`graph.curate.restore_relation` can
    bring it back with its current support. Returns how many rows hit a tombstone.
    """
    return f"""
UNWIND $rows AS row
MATCH (h:Entity {{key: row.head}})-[x:RETRACTED]->(t:Entity {{key: row.tail}})
WHERE x.rel_type = '{_rel(rel)}' AND coalesce(x.qualifier, '') = row.qualifier
SET x.retracted_chunk_refs = coalesce(x.retracted_chunk_refs, [])
        + [r IN row.chunk_refs WHERE NOT r IN coalesce(x.retracted_chunk_refs, [])],
    x.sources = coalesce(x.sources, []) + [s IN row.sources WHERE NOT s IN coalesce(x.sources, [])]
RETURN count(DISTINCT row) AS n
"""


def edited_forwards(rel: str) -> str:
    """Rows of one relation type whose relation an admin edited into another type or direction.

    Returns, per row that meets such a tombstone (:func:`graph.curate.edit_relation`), the edited
    relation's type and ends with the row's support, for :func:`upsert_relations` of that type.
    """
    return f"""
UNWIND $rows AS row
MATCH (h:Entity {{key: row.head}})-[x:RETRACTED]->(t:Entity {{key: row.tail}})
WHERE x.rel_type = '{_rel(rel)}' AND coalesce(x.qualifier, '') = row.qualifier AND x.edited_type IS NOT NULL
RETURN x.edited_type AS type,
       CASE WHEN x.edited_reversed THEN row.tail ELSE row.head END AS head,
       CASE WHEN x.edited_reversed THEN row.head ELSE row.tail END AS tail,
       row.qualifier AS qualifier, row.chunk_refs AS chunk_refs, row.sources AS sources, row.props AS props
"""


# ---------------------------------------------------------------- curation-aware writes
# Soft-deleted entities (graph.curate) are :DeletedEntity nodes, merged-away ones
# :MergedEntity {merged_into}. Neither label has a key index (only :Entity does); both scans below
# are bounded by the number of curated nodes, which admins create by hand.
CURATED_BY_KEY = """
UNWIND $keys AS key
MATCH (e:Entity {key: key})
RETURN e.key AS key, 'live' AS status, null AS merged_into, e.type AS label, e.name AS name,
       coalesce(e.aliases, []) AS aliases, elementId(e) AS id
UNION ALL
MATCH (e:DeletedEntity) WHERE e.key IN $keys
RETURN e.key AS key, 'deleted' AS status, null AS merged_into, e.type AS label, e.name AS name,
       coalesce(e.aliases, []) AS aliases, elementId(e) AS id
UNION ALL
MATCH (e:MergedEntity) WHERE e.key IN $keys
RETURN e.key AS key, 'merged' AS status, e.merged_into AS merged_into, e.type AS label, e.name AS name,
       coalesce(e.aliases, []) AS aliases, elementId(e) AS id
"""

# Provenance of a deleted entity that a document states again: recorded on the tombstone (it
# stays out of every answer; graph.curate.deleted_entities lists it, restore_entity revives it
# with its current support).
RECORD_DELETED_ENTITIES = """
UNWIND $rows AS row
MATCH (d:DeletedEntity) WHERE elementId(d) = row.id
SET d.aliases = coalesce(d.aliases, []) + [a IN row.aliases WHERE NOT a IN coalesce(d.aliases, [])]
SET d.aliases_text = reduce(s = '', a IN d.aliases | s + ' ' + a),
    d.chunk_refs = coalesce(d.chunk_refs, [])
        + [r IN row.chunk_refs WHERE NOT r IN coalesce(d.chunk_refs, [])]
"""

RECORD_DELETED_MENTIONS = """
UNWIND $rows AS row
MATCH (d:DeletedEntity) WHERE elementId(d) = row.id
MATCH (c:Chunk {ref: row.ref})
MERGE (d)-[m:MENTIONED_IN {norm: row.norm}]->(c)
SET m.surface = row.surface, m.source = row.source, m.start = row.start, m.end = row.end,
    m.origin = coalesce(row.origin, m.origin)
"""


def record_relations_of_deleted(rel: str) -> str:
    """Relations stated about a deleted entity become (or add support to) RETRACTED tombstones.

    A row names a deleted end by ``head_id``/``tail_id`` (the tombstone's element id) and a live
    end by key. An existing tombstone of the same identity gets the refs; otherwise one is created
    with ``with_entity`` = the deleted end, so restoring that entity brings the relation back.
    """
    rel_type = _rel(rel)
    return f"""
UNWIND $rows AS row
OPTIONAL MATCH (hd:DeletedEntity) WHERE elementId(hd) = row.head_id
OPTIONAL MATCH (hl:Entity {{key: row.head}})
WITH row, coalesce(hd, hl) AS h
OPTIONAL MATCH (td:DeletedEntity) WHERE elementId(td) = row.tail_id
OPTIONAL MATCH (tl:Entity {{key: row.tail}})
WITH row, h, coalesce(td, tl) AS t
WHERE h IS NOT NULL AND t IS NOT NULL
OPTIONAL MATCH (h)-[x:RETRACTED]->(t)
WHERE x.rel_type = '{rel_type}' AND coalesce(x.qualifier, '') = row.qualifier
WITH row, h, t, collect(x) AS xs
FOREACH (x IN xs |
  SET x.retracted_chunk_refs = coalesce(x.retracted_chunk_refs, [])
        + [r IN row.chunk_refs WHERE NOT r IN coalesce(x.retracted_chunk_refs, [])],
      x.sources = coalesce(x.sources, []) + [s IN row.sources WHERE NOT s IN coalesce(x.sources, [])])
FOREACH (_ IN CASE WHEN size(xs) = 0 THEN [1] ELSE [] END |
  CREATE (h)-[n:RETRACTED]->(t)
  SET n = row.props
  SET n.rel_type = '{rel_type}', n.qualifier = row.qualifier, n.sources = row.sources,
      n.retracted_chunk_refs = row.chunk_refs, n.retracted_at = toString(datetime()),
      n.retracted_by = 'ingestion', n.reason = 'stated about a deleted entity',
      n.with_entity = row.with_entity, n.created_at = datetime())
RETURN count(*) AS n
"""


VERSION_REFS = "MATCH (c:Chunk) WHERE c.version_id IN $version_ids RETURN collect(c.ref) AS refs"
DOCUMENT_REFS = "MATCH (c:Chunk {document_id: $document_id}) RETURN collect(c.ref) AS refs"

# Relations are reached through the entities mentioned in the removed chunks: the write layer
# guarantees both ends of a relation are mentioned in every chunk that supports it. Support is
# removed first; relations and entities left without support are pruned after the new facts are
# written (same transaction), so facts that the new version still states keep their identity.
UNSUPPORT = """
MATCH (c:Chunk)<-[:MENTIONED_IN]-(e:Entity) WHERE c.ref IN $refs
WITH DISTINCT e
SET e.chunk_refs = [x IN e.chunk_refs WHERE NOT x IN $refs]
WITH e
OPTIONAL MATCH (e)-[r]->(:Entity)
WHERE any(x IN r.chunk_refs WHERE x IN $refs)
SET r.chunk_refs = [x IN r.chunk_refs WHERE NOT x IN $refs]
RETURN collect(DISTINCT e.key) AS keys
"""

# Tombstones lose the support of removed chunks as live facts do (reached the same way: a
# retracted relation's ends are both mentioned in each chunk that stated it; a deleted entity
# keeps its MENTIONED_IN edges). Returns element ids for TOMBSTONES_TO_PRUNE.
UNSUPPORT_TOMBSTONES = """
MATCH (c:Chunk)<-[:MENTIONED_IN]-(e) WHERE c.ref IN $refs AND (e:Entity OR e:DeletedEntity)
WITH DISTINCT e
CALL (e) {
  WITH e WHERE e:DeletedEntity
  SET e.chunk_refs = [x IN coalesce(e.chunk_refs, []) WHERE NOT x IN $refs]
  RETURN collect(elementId(e)) AS entity_ids
}
CALL (e) {
  MATCH (e)-[x:RETRACTED]->()
  WHERE any(r IN coalesce(x.retracted_chunk_refs, []) WHERE r IN $refs)
  SET x.retracted_chunk_refs = [r IN x.retracted_chunk_refs WHERE NOT r IN $refs]
  RETURN collect(elementId(x)) AS relation_ids
}
WITH collect(entity_ids) AS e_ids, collect(relation_ids) AS r_ids
RETURN reduce(a = [], l IN e_ids | a + l) AS entity_ids, reduce(a = [], l IN r_ids | a + l) AS relation_ids
"""

PRUNE_RELATIONS = """
UNWIND $keys AS key
MATCH (e:Entity {key: key})-[r]->(:Entity)
WHERE size(r.chunk_refs) = 0
DELETE r
RETURN count(*) AS deleted
"""

DELETE_CHUNKS = "MATCH (c:Chunk) WHERE c.ref IN $refs DETACH DELETE c"

DELETE_ORPHANS = """
UNWIND $keys AS key
MATCH (e:Entity {key: key})
WHERE size(e.chunk_refs) = 0 AND NOT EXISTS { (e)-[:MENTIONED_IN]->() }
DETACH DELETE e
RETURN collect(key) AS keys
"""

# Orphan tombstones: a retracted relation or a deleted entity that no chunk states any more is
# removed (a later document stating it afresh starts from a clean slate); the decision lives as
# long as something still states the fact. Keeps the graph free of tombstones no admin can see
# (curation is scoped by the collections of the supporting chunks).
PRUNE_RETRACTED = """
UNWIND $ids AS id
MATCH ()-[x:RETRACTED]->() WHERE elementId(x) = id AND size(coalesce(x.retracted_chunk_refs, [])) = 0
DELETE x
RETURN count(*) AS deleted
"""

PRUNE_DELETED_ENTITIES = """
UNWIND $ids AS id
MATCH (d:DeletedEntity) WHERE elementId(d) = id AND NOT EXISTS { (d)-[:MENTIONED_IN]->() }
WITH d, d.key AS key
DETACH DELETE d
RETURN collect(key) AS keys
"""

# A merge redirect whose kept entity is gone redirects nothing any more.
PRUNE_MERGED = """
MATCH (m:MergedEntity) WHERE m.merged_into IN $keys
DETACH DELETE m
RETURN count(*) AS deleted
"""

DELETE_EMPTY_DOCUMENT = """
MATCH (d:Document {document_id: $document_id})
WHERE NOT EXISTS { (:Chunk)-[:PART_OF]->(d) }
DELETE d
"""

# ---------------------------------------------------------------- resolution look-ups
# Live entities, soft-deleted ones and merge redirects by key (see CURATED_BY_KEY); resolution
# follows ``merged_into`` to the kept entity (graph.resolve.follow_curation).
EXISTING_BY_KEY = CURATED_BY_KEY

SIMILAR_BY_FULLTEXT = f"""
UNWIND $rows AS row
CALL db.index.fulltext.queryNodes('{FULLTEXT_INDEX}', row.query, {{limit: $limit}}) YIELD node, score
WITH row, node, score WHERE node.type = row.label
RETURN row.name AS for_name, node.key AS key, node.type AS label, node.name AS name,
       coalesce(node.aliases, []) AS aliases, score
"""

# ---------------------------------------------------------------- reads (all take $collections)
LINK_ENTITIES = f"""
CALL () {{
  UNWIND $keys AS key
  MATCH (e:Entity {{key: key}}) WHERE {visible_node("e")}
  RETURN e, key AS matched, 'key' AS method
  UNION
  MATCH (e:Entity)-[m:MENTIONED_IN]->(c:Chunk)
  WHERE m.norm IN $norms AND c.collection_id IN $collections
  RETURN DISTINCT e, m.norm AS matched, 'surface' AS method
}}
RETURN DISTINCT e.key AS key, e.type AS label, e.name AS name, matched, method
LIMIT $limit
"""

# How many readable passages mention each linked entity, and how many readable passages exist:
# the document frequency that tells a specific name from a generic one (queries.is_specific).
ENTITY_CHUNK_COUNTS = """
CALL () {
  MATCH (c:Chunk) WHERE c.collection_id IN $collections
  RETURN count(c) AS total
}
CALL () {
  UNWIND $keys AS key
  MATCH (e:Entity {key: key})
  RETURN collect({key: key, chunks: COUNT { MATCH (e)-[:MENTIONED_IN]->(c:Chunk)
                                            WHERE c.collection_id IN $collections }}) AS counts
}
RETURN total, counts
"""

LINK_FULLTEXT = f"""
CALL db.index.fulltext.queryNodes('{FULLTEXT_INDEX}', $search, {{limit: $limit}}) YIELD node, score
WHERE {visible_node("node")}
RETURN node.key AS key, node.type AS label, node.name AS name, score
"""

_ENTITY_MAP = "{{key: {v}.key, label: {v}.type, name: {v}.name}}"


def neighbourhood(rel_types: frozenset[str], hops: int) -> str:
    """Relations within ``hops`` of the seed entities, every hop visible to $collections."""
    if not 1 <= hops <= 3:
        raise ValueError("hops must be 1..3")
    return f"""
MATCH (s:Entity) WHERE s.key IN $keys
MATCH p = (s)-[rels:{rel_union(rel_types)}*1..{hops}]-(:Entity)
WHERE all(r IN rels WHERE {visible_rel("r")})
UNWIND rels AS r
WITH DISTINCT r LIMIT $limit
WITH r, startNode(r) AS h, endNode(r) AS t
RETURN {_ENTITY_MAP.format(v="h")} AS head, type(r) AS rel, {_ENTITY_MAP.format(v="t")} AS tail,
       properties(r) AS props, {citations_of_rel("r")} AS citations
"""


TROUBLESHOOTING_PATHS = f"""
MATCH (s:Entity) WHERE s.key IN $keys
MATCH p = (s)-[rels:SHOWS|INDICATES|CAUSED_BY|REMEDIED_BY*1..4]->(a:Action)
WHERE all(r IN rels WHERE {visible_rel("r")})
  AND type(last(rels)) = 'REMEDIED_BY'
WITH p, rels, a LIMIT $limit
OPTIONAL CALL (a) {{
  MATCH (a)-[u:ACTS_ON|USES_PART]->(x:Entity) WHERE {visible_rel("u")}
  RETURN collect({{head: {_ENTITY_MAP.format(v="a")}, rel: type(u), tail: {_ENTITY_MAP.format(v="x")},
                  props: properties(u), citations: {citations_of_rel("u")}}}) AS extras
}}
RETURN [r IN rels | {{head: {_ENTITY_MAP.format(v="startNode(r)")}, rel: type(r),
                     tail: {_ENTITY_MAP.format(v="endNode(r)")}, props: properties(r),
                     citations: {citations_of_rel("r")}}}] AS steps, extras
"""


def work_order_filters(filters: list[str]) -> str:
    """WHERE clauses restricting ``w`` to work orders linked (visibly) to given entity keys.

    Args:
        filters: relation types; the i-th uses parameter ``$f<i>`` (a list of entity keys).
    """
    clauses = [visible_node("w"), "($year IS NULL OR w.year = $year)"]
    for index, rel in enumerate(filters):
        clauses.append(
            f"EXISTS {{ MATCH (w)-[fr{index}:{_rel(rel)}]->(fx{index}:Entity) "
            f"WHERE fx{index}.key IN $f{index} AND {visible_rel(f'fr{index}')} }}"
        )
    return "\n  AND ".join(clauses)


def count_work_orders(filters: list[str]) -> str:
    return f"""
MATCH (w:WorkOrder)
WHERE {work_order_filters(filters)}
WITH w ORDER BY w.date
WITH collect(w) AS orders
RETURN size(orders) AS count,
       [w IN orders[..$limit] | {{key: w.key, name: w.name, date: w.date, cost: w.cost,
                                 citations: {citations_of_node("w")}}}] AS work_orders
"""


def top_linked(filters: list[str], group_rel: str, group_label: str) -> str:
    return f"""
MATCH (w:WorkOrder)-[g:{_rel(group_rel)}]->(x:{_label(group_label)})
WHERE {visible_rel("g")}
  AND {work_order_filters(filters)}
WITH x, collect(DISTINCT w) AS orders
RETURN x.key AS key, x.name AS name, size(orders) AS count,
       [w IN orders[..$examples] |
        {{key: w.key, date: w.date, citations: {citations_of_node("w")}}}] AS work_orders
ORDER BY count DESC, name
LIMIT $limit
"""
