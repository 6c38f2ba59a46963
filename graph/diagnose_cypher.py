"""Cypher for fault localisation (:mod:`graph.diagnose`); every read takes ``$collections``.

Built from the same access predicates as :mod:`graph.cypher`: an entity is visible through a
mention in an allowed chunk, a relation through an allowed supporting chunk.
"""

from __future__ import annotations

from collections.abc import Sequence

from graph.cypher import (
    TROUBLESHOOTING_PATHS as _TROUBLESHOOTING_PATHS,
)
from graph.cypher import (
    citations_of_node,
    citations_of_rel,
    visible_node,
    visible_rel,
)
from graph.schema import FULLTEXT_INDEX, WORK_ORDER_TEXT_INDEX

#: Labels a complaint can name: what is seen, coded, failing or suspected.
PROBLEM_LABELS = ("Symptom", "ErrorCode", "FailureMode", "Cause", "Component")
ASSET_LABELS = ("Equipment", "Model")

# What varies with the complaint (its keys, n-grams and words, the asked asset's keys, the linked
# entities) comes in one map, $q: Neo4j caches a plan per query text and parameter types, and
# with these as list parameters a merged read was planned anew for new complaints (0.5-1.5 s,
# fast when the same complaint came again; list sizes are the likely part of the key that
# changed); with the map those first-time plans were gone (bench/diagnosis.py, docs/GRAPH.md §8).

VISIBLE_BY_KEY = f"""
UNWIND $q.scanned AS key
MATCH (e:Entity {{key: key}}) WHERE e.type IN $problem_labels AND {visible_node("e")}
RETURN e.key AS key, e.type AS label, e.name AS name
"""

# graph.cypher.LINK_ENTITIES (keys the patterns and lexicon find, n-grams as visible chunks wrote
# them), reading its lists from $q one value at a time (an index seek each).
COMPLAINT_ENTITIES = f"""
CALL () {{
  UNWIND $q.keys AS key
  MATCH (e:Entity {{key: key}}) WHERE {visible_node("e")}
  RETURN e, key AS matched, 'key' AS method
  UNION
  UNWIND $q.norms AS norm
  MATCH (e:Entity)-[m:MENTIONED_IN {{norm: norm}}]->(c:Chunk) WHERE c.collection_id IN $collections
  RETURN DISTINCT e, norm AS matched, 'surface' AS method
}}
RETURN DISTINCT e.key AS key, e.type AS label, e.name AS name, matched, method
LIMIT $limit
"""

# An empty search is not run (Lucene rejects it); the procedure is called per row, so never.
FULLTEXT_PROBLEMS = f"""
WITH $q.problem_search AS search WHERE search <> ''
CALL db.index.fulltext.queryNodes('{FULLTEXT_INDEX}', search, {{limit: $fulltext_limit}}) YIELD node, score
WHERE node.type IN $problem_labels AND {visible_node("node")}
RETURN node.key AS key, node.type AS label, node.name AS name, score
"""

# The asset: the first of the candidate keys (an equipment's, then a model's of the same name)
# that is a visible asset, with its class: other equipment of the same model (visible links only).
ASSET_CLASS = f"""
UNWIND range(0, size($q.asset_candidates) - 1) AS i
MATCH (e:Entity {{key: $q.asset_candidates[i]}}) WHERE e.type IN $asset_labels AND {visible_node("e")}
WITH e ORDER BY i LIMIT 1
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
# are checked for access (a user who may read few of them gets fewer rows, never others' rows),
# newest first, written so the checks may stop at $limit records (PROFILE showed as many db hits
# as checking all $scan: the planner does not stop early here).
ORDERS_NAMING = f"""
UNWIND $q.keys AS key
MATCH (x:Entity {{key: key}})<-[r:REPORTS|ADDRESSES]-(w:WorkOrder)
WITH w, r ORDER BY w.date DESC, w.key LIMIT $naming_scan
WITH w, r WHERE {visible_rel("r")} AND {visible_node("w")}
WITH DISTINCT w LIMIT $naming_limit
RETURN w.key AS key, w.name AS name, w.date AS date, coalesce(w.text, '') AS text,
       COLLECT {{ MATCH (w)-[r:REPORTS|ADDRESSES]->(e:Entity) WHERE e.key IN $q.keys AND {visible_rel("r")}
                 RETURN DISTINCT e.key }} AS problems,
       COLLECT {{ MATCH (w)-[r:PERFORMED_ON]->(e:Entity) WHERE {visible_rel("r")} RETURN e.key }}
         AS equipment,
       {_ACTIONS}
"""

ORDERS_ON_ASSET = f"""
UNWIND $q.scope_keys AS key
MATCH (x:Entity {{key: key}})<-[r:PERFORMED_ON]-(w:WorkOrder)
WITH w, r ORDER BY w.date DESC, w.key LIMIT $asset_scan
WITH w, r WHERE {visible_rel("r")} AND {visible_node("w")}
WITH DISTINCT w LIMIT $asset_limit
RETURN w.key AS key, w.name AS name, w.date AS date, coalesce(w.text, '') AS text,
       COLLECT {{ MATCH (w)-[r:PERFORMED_ON]->(e:Entity) WHERE e.key IN $q.scope_keys AND {visible_rel("r")}
                 RETURN DISTINCT e.key }} AS equipment,
       COLLECT {{ MATCH (w)-[r:REPORTS|ADDRESSES]->(e:Entity) WHERE {visible_rel("r")} RETURN e.key }}
         AS problems,
       {_ACTIONS}
"""

# The work orders whose problem text best matches the complaint (Lucene BM25 of the full-text
# index): $fetch hits at most are read before the access filter, $limit kept; ties newest first.
NEAREST_ORDERS = f"""
WITH $q.order_search AS search WHERE search <> ''
CALL db.index.fulltext.queryNodes('{WORK_ORDER_TEXT_INDEX}', search, {{limit: $nearest_fetch}})
YIELD node AS w, score
WHERE {visible_node("w")}
WITH w, score ORDER BY score DESC, w.date DESC, w.key LIMIT $nearest_limit
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
UNWIND $cite_keys AS key
MATCH (w:Entity {{key: key}})
RETURN key, {citations_of_node("w")} AS citations
"""

SUGGEST_PREFIX = f"""
MATCH (e:Entity) WHERE e.norm STARTS WITH $prefix AND e.type IN $labels AND {visible_node("e")}
RETURN e.key AS key, e.type AS label, e.name AS name
ORDER BY size(e.name), e.name LIMIT $limit
"""

_ENTITY = "{{key: {v}.key, label: {v}.type, name: {v}.name}}"

# graph.cypher.TROUBLESHOOTING_PATHS with its seeds read from $q (one index seek each).
_SEEDS_IN = "MATCH (s:Entity) WHERE s.key IN $keys\n"
if _SEEDS_IN not in _TROUBLESHOOTING_PATHS:  # graph.cypher changed how it finds the seeds
    raise RuntimeError("graph.cypher.TROUBLESHOOTING_PATHS no longer starts from $keys")
TROUBLESHOOTING_PATHS = _TROUBLESHOOTING_PATHS.replace(
    _SEEDS_IN, "UNWIND $q.keys AS key\nMATCH (s:Entity {key: key})\n"
)

# Causes a manual names without a remedy ("if the halt script is not modified, apcupsd will not
# be able to shut off the power"): troubleshooting paths end with a remedy and miss them.
CAUSE_PATHS = f"""
UNWIND $q.keys AS key
MATCH (s:Entity {{key: key}})
MATCH p = (s)-[rels:SHOWS|INDICATES|CAUSED_BY*1..3]->(c:Cause)
WHERE all(r IN rels WHERE {visible_rel("r")}) AND type(last(rels)) = 'CAUSED_BY'
WITH p, rels, c LIMIT $limit
RETURN [r IN rels | {{head: {_ENTITY.format(v="startNode(r)")}, rel: type(r),
                     tail: {_ENTITY.format(v="endNode(r)")}, props: properties(r),
                     citations: {citations_of_rel("r")}}}] AS steps
"""


# A record on another machine is about the same problem only on the same components: it reports
# every component key of one reading of the complaint ($q.fix_things; none named, no condition).
# Keys only (the ranking's graph.diagnose_rank.names_things also reads the record's words).
_NAMES_THINGS = f"""(size($q.fix_things) = 0 OR any(reading IN $q.fix_things WHERE all(t IN reading WHERE
  EXISTS {{ MATCH (w)-[nt:REPORTS|ADDRESSES]->(:Entity {{key: t}}) WHERE {visible_rel("nt")} }})))"""


# What fixed these problems last time on these machines: the records that report one of them on
# one of the assets, through the records' RESOLVED_BY (dated), newest first. ``same_things``: the
# record must also name the complaint's components (for machines other than the asked one: a
# leak of another component on the same model is another problem).
def _last_fixes(assets: str, same_things: bool = False) -> str:
    things = f" AND {_NAMES_THINGS}" if same_things else ""
    return f"""
UNWIND $q.fix_problems AS problem
MATCH (p:Entity {{key: problem}})<-[rp:REPORTS]-(w:WorkOrder)-[po:PERFORMED_ON]->(a:Entity)
WHERE a.key IN $q.{assets} AND {visible_rel("po")} AND {visible_rel("rp")}{things}
MATCH (w)-[rb:RESOLVED_BY]->(act:Entity) WHERE {visible_rel("rb")}
WITH w, rb, act, a, collect(DISTINCT p.name) AS problems
RETURN act.key AS action_key, act.name AS action, w.key AS work_order, w.name AS work_order_name,
       coalesce(rb.date, w.date) AS date, a.key AS asset, problems, coalesce(w.text, '') AS text,
       {citations_of_rel("rb")} AS citations
ORDER BY date IS NULL, date DESC, work_order LIMIT $fixes_limit
"""


LAST_FIXES = _last_fixes("assets")

# What the machines HAD, aggregated over the dated HAD relations (one per asset, problem and date):
# as cheap for an asset with a thousand records as for one with three.
ASSET_HISTORY = f"""
UNWIND $q.history_assets AS asset
MATCH (a:Entity {{key: asset}})-[h:HAD]->(p:Entity) WHERE {visible_rel("h")}
WITH p, h, COUNT {{ MATCH (vc:Chunk) WHERE vc.ref IN h.chunk_refs AND vc.collection_id IN $collections }} AS n
WITH p, sum(n) AS occurrences, collect(h.date) AS dates
RETURN p.key AS key, p.type AS label, p.name AS name, occurrences, dates
ORDER BY occurrences DESC, name LIMIT $history_limit
"""


def collected(parts: Sequence[tuple[str, str, Sequence[str]]]) -> str:
    """Several reads as one query (one round trip): each part's rows collected as maps.

    Args:
        parts: (result name, query, its returned columns); the queries must not share a
            parameter name that means different things.

    Returns:
        A query returning one row with one list per part (in each, the part's rows as it returned
        them; a part without rows gives an empty list, never no row).
    """
    calls = []
    for name, query, columns in parts:
        fields = ", ".join(f"{c}: {c}" for c in columns)
        calls.append(
            f"CALL () {{\n  CALL () {{\n{query.strip()}\n  }}\n  RETURN collect({{{fields}}}) AS {name}\n}}"
        )
    return "\n".join(calls) + "\nRETURN " + ", ".join(name for name, _, _ in parts)


_ENTITY_COLUMNS = ("key", "label", "name")
_FIX_COLUMNS = (
    "action_key",
    "action",
    "work_order",
    "work_order_name",
    "date",
    "asset",
    "problems",
    "text",
    "citations",
)
_ORDER_COLUMNS = ("key", "name", "date", "text", "equipment", "problems", "actions")

# The complaint's entities: by key, as visible chunks wrote them, by the full-text index.
_LINK_PARTS = (
    ("by_key", VISIBLE_BY_KEY, _ENTITY_COLUMNS),
    ("linked", COMPLAINT_ENTITIES, (*_ENTITY_COLUMNS, "matched", "method")),
    ("fulltext", FULLTEXT_PROBLEMS, (*_ENTITY_COLUMNS, "score")),
)
COMPLAINT_LINKS = collected(_LINK_PARTS)

# What a complaint and an asset name, before anything is followed: the asset and its class, the
# complaint's entities, and the work orders whose text is most like it.
DIAGNOSIS_LINKS = collected(
    (
        ("assets", ASSET_CLASS, ("key", "label", "name", "siblings", "members")),
        *_LINK_PARTS,
        ("nearest", NEAREST_ORDERS, (*_ORDER_COLUMNS, "parts", "score", "citations")),
    )
)

# What follows from the linked entities and the asset: the manuals' chains, the work orders
# counted, the asset's history and what fixed the problems last time (on it, on its class).
DIAGNOSIS_EVIDENCE = collected(
    (
        ("paths", TROUBLESHOOTING_PATHS, ("steps", "extras")),
        ("cause_paths", CAUSE_PATHS, ("steps",)),
        ("naming", ORDERS_NAMING, _ORDER_COLUMNS),
        ("on_asset", ORDERS_ON_ASSET, _ORDER_COLUMNS),
        ("history", ASSET_HISTORY, ("key", "label", "name", "occurrences", "dates")),
        ("fixes_asset", _last_fixes("asset_keys"), _FIX_COLUMNS),
        ("fixes_class", _last_fixes("class_keys", same_things=True), _FIX_COLUMNS),
    )
)
