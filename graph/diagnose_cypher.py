"""Cypher for fault localisation (:mod:`graph.diagnose`); every read takes ``$collections``.

Built from the same access predicates as :mod:`graph.cypher`: an entity is visible through a
mention in an allowed chunk, a relation through an allowed supporting chunk.
"""

from __future__ import annotations

from graph.cypher import citations_of_node, citations_of_rel, visible_node, visible_rel
from graph.schema import FULLTEXT_INDEX, WORK_ORDER_TEXT_INDEX

#: Labels a complaint can name: what is seen, coded, failing or suspected.
PROBLEM_LABELS = ("Symptom", "ErrorCode", "FailureMode", "Cause", "Component")
ASSET_LABELS = ("Equipment", "Model")

VISIBLE_BY_KEY = f"""
UNWIND $keys AS key
MATCH (e:Entity {{key: key}}) WHERE e.type IN $labels AND {visible_node("e")}
RETURN e.key AS key, e.type AS label, e.name AS name
"""

FULLTEXT_PROBLEMS = f"""
CALL db.index.fulltext.queryNodes('{FULLTEXT_INDEX}', $search, {{limit: $limit}}) YIELD node, score
WHERE node.type IN $labels AND {visible_node("node")}
RETURN node.key AS key, node.type AS label, node.name AS name, score
"""

# The asset's class: other equipment of the same model (visible links only).
ASSET_CLASS = f"""
MATCH (e:Entity {{key: $key}}) WHERE {visible_node("e")}
OPTIONAL CALL (e) {{
  MATCH (e)-[m:IS_MODEL]->(model:Model) WHERE {visible_rel("m")}
  MATCH (sibling:Equipment)-[s:IS_MODEL]->(model) WHERE sibling <> e AND {visible_rel("s")}
  RETURN collect(DISTINCT sibling.key) AS siblings
}}
OPTIONAL CALL (e) {{
  MATCH (member:Equipment)-[m:IS_MODEL]->(e) WHERE {visible_rel("m")}
  RETURN collect(DISTINCT member.key) AS members
}}
RETURN e.key AS key, e.type AS label, e.name AS name, coalesce(siblings, []) AS siblings,
       coalesce(members, []) AS members
"""

# Lean rows (what the ranking counts): the few records a diagnosis shows get their citations
# afterwards (ORDER_CITATIONS), not the hundreds it counts. What the first MATCH already found
# (the named problems, the asset) is collected there, not looked up again per row.
_ACTIONS = f"""COLLECT {{ MATCH (w)-[r:HAS_ACTION]->(e:Entity) WHERE {visible_rel("r")}
                 RETURN [e.key, e.name] }} AS actions"""

# Two reads, each with its own limit: an asset with thousands of work orders must not crowd out
# (or slow down) the ones that name the complaint's entities. A record read for naming one has
# as ``problems`` the linked entities it names (all the ranking asks of it). Bounded work on an
# asset with thousands of records: the newest $scan links are taken by date alone, and only they
# are checked for access (a user who may read few of them gets fewer rows, never others' rows).
ORDERS_NAMING = f"""
MATCH (w:WorkOrder)-[r:REPORTS|ADDRESSES]->(x:Entity) WHERE x.key IN $keys
WITH w, r, x ORDER BY w.date DESC, w.key LIMIT $scan
WITH w, r, x WHERE {visible_rel("r")}
WITH w, collect(DISTINCT x.key) AS problems WHERE {visible_node("w")}
WITH w, problems ORDER BY w.date DESC, w.key LIMIT $limit
RETURN w.key AS key, w.name AS name, w.date AS date, coalesce(w.text, '') AS text, problems,
       COLLECT {{ MATCH (w)-[r:PERFORMED_ON]->(e:Entity) WHERE {visible_rel("r")} RETURN e.key }}
         AS equipment,
       {_ACTIONS}
"""

ORDERS_ON_ASSET = f"""
MATCH (w:WorkOrder)-[r:PERFORMED_ON]->(x:Entity) WHERE x.key IN $keys
WITH w, r, x ORDER BY w.date DESC, w.key LIMIT $scan
WITH w, r, x WHERE {visible_rel("r")}
WITH w, collect(DISTINCT x.key) AS equipment WHERE {visible_node("w")}
WITH w, equipment ORDER BY w.date DESC, w.key LIMIT $limit
RETURN w.key AS key, w.name AS name, w.date AS date, coalesce(w.text, '') AS text, equipment,
       COLLECT {{ MATCH (w)-[r:REPORTS|ADDRESSES]->(e:Entity) WHERE {visible_rel("r")} RETURN e.key }}
         AS problems,
       {_ACTIONS}
"""

# The work orders whose problem text best matches the complaint (Lucene BM25 of the full-text
# index): $fetch hits at most are read before the access filter, $limit kept; ties newest first.
NEAREST_ORDERS = f"""
CALL db.index.fulltext.queryNodes('{WORK_ORDER_TEXT_INDEX}', $search, {{limit: $fetch}})
YIELD node AS w, score
WHERE {visible_node("w")}
WITH w, score ORDER BY score DESC, w.date DESC, w.key LIMIT $limit
RETURN w.key AS key, w.name AS name, w.date AS date, coalesce(w.text, '') AS text, score,
       COLLECT {{ MATCH (w)-[r:PERFORMED_ON]->(e:Entity) WHERE {visible_rel("r")} RETURN e.key }}
         AS equipment,
       COLLECT {{ MATCH (w)-[r:REPORTS|ADDRESSES]->(e:Entity) WHERE {visible_rel("r")} RETURN e.key }}
         AS problems,
       COLLECT {{ MATCH (w)-[r:HAS_ACTION]->(e:Entity) WHERE {visible_rel("r")} RETURN [e.key, e.name] }}
         AS actions,
       COLLECT {{ MATCH (w)-[r:USES_PART]->(e:Entity) WHERE {visible_rel("r")} RETURN e.name }} AS parts,
       {citations_of_node("w")} AS citations
ORDER BY score DESC, date DESC, key
"""

ORDER_CITATIONS = f"""
UNWIND $keys AS key
MATCH (w:Entity {{key: key}})
RETURN key, {citations_of_node("w")} AS citations
"""

SUGGEST_PREFIX = f"""
MATCH (e:Entity) WHERE e.norm STARTS WITH $prefix AND e.type IN $labels AND {visible_node("e")}
RETURN e.key AS key, e.type AS label, e.name AS name
ORDER BY size(e.name), e.name LIMIT $limit
"""

_ENTITY = "{{key: {v}.key, label: {v}.type, name: {v}.name}}"

# Causes a manual names without a remedy ("if the halt script is not modified, apcupsd will not
# be able to shut off the power"): troubleshooting paths end with a remedy and miss them.
CAUSE_PATHS = f"""
MATCH (s:Entity) WHERE s.key IN $keys
MATCH p = (s)-[rels:SHOWS|INDICATES|CAUSED_BY*1..3]->(c:Cause)
WHERE all(r IN rels WHERE {visible_rel("r")}) AND type(last(rels)) = 'CAUSED_BY'
WITH p, rels, c LIMIT $limit
RETURN [r IN rels | {{head: {_ENTITY.format(v="startNode(r)")}, rel: type(r),
                     tail: {_ENTITY.format(v="endNode(r)")}, props: properties(r),
                     citations: {citations_of_rel("r")}}}] AS steps
"""

# What fixed these problems last time on these machines: the records that report one of them on
# one of the assets, through the records' RESOLVED_BY (dated), newest first.
LAST_FIXES = f"""
MATCH (w:WorkOrder)-[po:PERFORMED_ON]->(a:Entity), (w)-[rp:REPORTS]->(p:Entity)
WHERE a.key IN $assets AND p.key IN $problems AND {visible_rel("po")} AND {visible_rel("rp")}
MATCH (w)-[rb:RESOLVED_BY]->(act:Entity) WHERE {visible_rel("rb")}
WITH w, rb, act, a, collect(DISTINCT p.name) AS problems
RETURN act.key AS action_key, act.name AS action, w.key AS work_order, w.name AS work_order_name,
       coalesce(rb.date, w.date) AS date, a.key AS asset, problems, coalesce(w.text, '') AS text,
       {citations_of_rel("rb")} AS citations
ORDER BY date IS NULL, date DESC, work_order LIMIT $limit
"""

# What the machines HAD, aggregated over the dated HAD relations (one per asset, problem and date):
# as cheap for an asset with a thousand records as for one with three.
ASSET_HISTORY = f"""
MATCH (a:Entity)-[h:HAD]->(p:Entity) WHERE a.key IN $assets AND {visible_rel("h")}
WITH p, h, COUNT {{ MATCH (vc:Chunk) WHERE vc.ref IN h.chunk_refs AND vc.collection_id IN $collections }} AS n
WITH p, sum(n) AS occurrences, collect(h.date) AS dates
RETURN p.key AS key, p.type AS label, p.name AS name, occurrences, dates
ORDER BY occurrences DESC, name LIMIT $limit
"""
