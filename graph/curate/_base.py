"""Shared pieces of graph curation: errors, the change record, scope-checked loading, relation moves."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph._neo4j_errors import open_session, translate_errors
from graph.browse import RelationId
from graph.config import WriteConfig
from graph.errors import GraphError, GraphWriteError
from graph.schema import ENTITY_LABELS, RELATION_TYPES

logger = logging.getLogger(__name__)

#: Lists longer than this are cut in audit snapshots (a hub can have 50k relations).
SNAPSHOT_LIST_CAP = 500
_RESERVED = frozenset(
    {
        "key",
        "name",
        "norm",
        "type",
        "aliases",
        "aliases_text",
        "chunk_refs",
        "created_at",
        "merged_from",
        "removed_aliases",
    }
)
_TYPES = sorted(RELATION_TYPES)


class CurationError(GraphError):
    """A curation request that cannot be carried out as asked (bad input, conflicting state)."""

    status = 400


class EntityNotFound(CurationError):
    """The entity or relation does not exist or is not visible to the admin's collections."""

    status = 404


class OutsideScope(CurationError):
    """The fact is also supported by collections the admin does not administer."""

    status = 403


@dataclass(frozen=True)
class Change:
    """One applied curation, ready for the audit log."""

    action: str
    target: str
    before: dict[str, Any]
    after: dict[str, Any]
    summary: str


@dataclass(frozen=True)
class MergePreview:
    """What :func:`merge_entities` would do, computed without writing."""

    keep: dict[str, Any]
    absorbed: tuple[dict[str, Any], ...]
    aliases_after: tuple[str, ...]
    mentions_moved: int
    relations_moved: int
    relations_combined: int
    relations_dropped: int
    property_conflicts: dict[str, tuple[Any, ...]] = field(default_factory=dict)


def _cols(collections: Sequence[object]) -> list[str]:
    return [str(c) for c in collections]


def _label(label: str) -> str:
    if label not in ENTITY_LABELS:
        raise CurationError(f"unknown entity type {label!r}")
    return label


def _rel(rel: str) -> str:
    if rel not in RELATION_TYPES:
        raise CurationError(f"unknown relation type {rel!r}")
    return rel


def _plain(value: Any) -> Any:
    if hasattr(value, "iso_format"):
        return value.iso_format()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _snapshot_props(props: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in props.items():
        v = _plain(v)
        if isinstance(v, list) and len(v) > SNAPSHOT_LIST_CAP:
            v = [*v[:SNAPSHOT_LIST_CAP], f"... {len(v) - SNAPSHOT_LIST_CAP} more"]
        out[k] = v
    return out


def _execute(
    driver: Any, work: Callable[[Any], Any], what: str, config: WriteConfig | None, database: str | None
) -> Any:
    import neo4j

    cfg = config or WriteConfig()
    with translate_errors(GraphWriteError, what), open_session(driver, database) as session:
        return session.execute_write(neo4j.unit_of_work(timeout=cfg.timeout_s)(work))


def _read(
    driver: Any, work: Callable[[Any], Any], what: str, config: WriteConfig | None, database: str | None
) -> Any:
    import neo4j

    cfg = config or WriteConfig()
    with translate_errors(GraphWriteError, what), open_session(driver, database, read=True) as session:
        return session.execute_read(neo4j.unit_of_work(timeout=cfg.timeout_s)(work))


# ---------------------------------------------------------------- loading and scope checks
_LOAD_ENTITY = """
MATCH (e:Entity {key: $key})
RETURN e.key AS key, e.type AS label, e.name AS name, coalesce(e.aliases, []) AS aliases,
       properties(e) AS props,
       COLLECT { MATCH (e)-[:MENTIONED_IN]->(c:Chunk) RETURN DISTINCT c.collection_id } AS mention_collections,
       COLLECT { MATCH (e)-[r]-(:Entity) WHERE type(r) IN $types UNWIND r.chunk_refs AS ref
                 MATCH (c:Chunk {ref: ref}) RETURN DISTINCT c.collection_id } AS relation_collections,
       COUNT { (e)-[:MENTIONED_IN]->() } AS mentions,
       COUNT { (e)-[r]-(:Entity) WHERE type(r) IN $types } AS relations
"""


def _entity(tx: Any, key: str, collections: list[str], *, check_relations: bool = True) -> dict[str, Any]:
    row = tx.run(_LOAD_ENTITY, key=key, types=_TYPES).single()
    if row is None or not set(map(str, row["mention_collections"])) & set(collections):
        raise EntityNotFound(f"no entity {key!r} in your collections")
    data = row.data()
    foreign = set(map(str, data["mention_collections"]))
    if check_relations:
        foreign |= set(map(str, data["relation_collections"]))
    foreign -= set(collections)
    if foreign:
        raise OutsideScope(
            f"{data['name']!r} is also supported by {len(foreign)} collection(s) you do not "
            "administer; ask an admin of all of them (or a superuser) to change it"
        )
    return data


def _entity_snapshot(data: dict[str, Any]) -> dict[str, Any]:
    props = {
        k: v
        for k, v in data["props"].items()
        if k not in ("aliases_text", "key", "name", "type", "aliases", "norm")
    }
    return {
        "key": data["key"],
        "label": data["label"],
        "name": data["name"],
        "aliases": list(data["aliases"]),
        "mentions": data.get("mentions", 0),
        "relations": data.get("relations", 0),
        "properties": _snapshot_props(props),
    }


_LOAD_RELATION = """
MATCH (h:Entity {key: $head})-[r]->(t:Entity {key: $tail})
WHERE type(r) = $type AND coalesce(r.qualifier, '') = $qualifier
RETURN elementId(r) AS id, properties(r) AS props,
       COLLECT { UNWIND r.chunk_refs AS ref MATCH (c:Chunk {ref: ref}) RETURN DISTINCT c.collection_id } AS collections
"""


def _relation(tx: Any, rid: RelationId, collections: list[str]) -> dict[str, Any]:
    row = tx.run(
        _LOAD_RELATION, head=rid.head, tail=rid.tail, type=_rel(rid.type), qualifier=rid.qualifier
    ).single()
    if row is None or not set(map(str, row["collections"])) & set(collections):
        raise EntityNotFound("no such relation in your collections")
    foreign = set(map(str, row["collections"])) - set(collections)
    if foreign:
        raise OutsideScope(
            f"this relation is also supported by {len(foreign)} collection(s) you do not "
            "administer; ask an admin of all of them (or a superuser) to change it"
        )
    return row.data()


def _relation_snapshot(rid: RelationId, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "head": rid.head,
        "type": rid.type,
        "tail": rid.tail,
        "qualifier": rid.qualifier,
        "properties": _snapshot_props(props),
    }


def _aliases_text(aliases: Sequence[str]) -> str:
    return "".join(" " + a for a in aliases)


# ---------------------------------------------------------------- relation moves (merge / split)
_RELATIONS_OF = """
MATCH (e:Entity {key: $key})-[r]-(o:Entity)
WHERE type(r) IN $types
RETURN elementId(r) AS id, type(r) AS type, startNode(r) = e AS out, o.key AS other,
       coalesce(r.qualifier, '') AS qualifier, properties(r) AS props
"""


def _upsert_relations(rel_type: str, *, outgoing: bool) -> str:
    # Same identity as graph/write.py (head, type, tail, qualifier); support lists are unions.
    pattern = (
        "(a)-[r:{t} {{qualifier: row.qualifier}}]->(x)"
        if outgoing
        else "(x)-[r:{t} {{qualifier: row.qualifier}}]->(a)"
    )
    return f"""
UNWIND $rows AS row
MATCH (a:Entity {{key: $target}})
MATCH (x:Entity {{key: row.other}})
MERGE {pattern.format(t=_rel(rel_type))}
ON CREATE SET r = row.props, r.qualifier = row.qualifier
ON MATCH SET r.chunk_refs = coalesce(r.chunk_refs, []) + [c IN coalesce(row.props.chunk_refs, [])
                                                           WHERE NOT c IN coalesce(r.chunk_refs, [])],
             r.sources = coalesce(r.sources, []) + [s IN coalesce(row.props.sources, [])
                                                     WHERE NOT s IN coalesce(r.sources, [])]
RETURN count(*) AS n
"""


def _move_relations(tx: Any, rows: list[dict[str, Any]], target: str) -> None:
    """Re-create ``rows`` (from _RELATIONS_OF, with props possibly trimmed) on ``target``."""
    groups: dict[tuple[str, bool], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["type"], row["out"]), []).append(
            {"other": row["other"], "qualifier": row["qualifier"], "props": row["props"]}
        )
    for (rel_type, outgoing), group in sorted(groups.items()):
        tx.run(_upsert_relations(rel_type, outgoing=outgoing), rows=group, target=target).consume()


_DELETE_RELS = "UNWIND $ids AS id MATCH ()-[r]->() WHERE elementId(r) = id DELETE r"


def _now_iso(tx: Any) -> str:
    return str(tx.run("RETURN toString(datetime()) AS now").single()["now"])


# ---------------------------------------------------------------- soft deletes (delete, merge, restore)
_RETIRE = """
MATCH (b:Entity {{key: $key}})
REMOVE b:Entity:{label}
SET b:{tombstone}, b += $props
"""

_RETRACT = """
UNWIND $ids AS id
MATCH (h)-[r]->(t) WHERE elementId(r) = id
CREATE (h)-[x:RETRACTED]->(t)
SET x = properties(r)
SET x.rel_type = type(r), x.retracted_chunk_refs = coalesce(r.chunk_refs, []), x.chunk_refs = null,
    x.retracted_at = toString(datetime()), x.retracted_by = $actor, x.reason = $reason,
    x.with_entity = $with_entity, x.edited_type = $edited_type, x.edited_reversed = $edited_reversed
DELETE r
RETURN count(*) AS n
"""


def _retract(
    tx: Any,
    ids: Sequence[str],
    *,
    actor: str,
    reason: str,
    with_entity: str | None = None,
    edited_type: str | None = None,
    edited_reversed: bool | None = None,
) -> None:
    """Turn the relations ``ids`` into RETRACTED tombstones that remember why (restorable)."""
    tx.run(
        _RETRACT,
        ids=list(ids),
        actor=actor,
        reason=reason,
        with_entity=with_entity,
        edited_type=edited_type,
        edited_reversed=edited_reversed,
    ).consume()


_TOMBSTONES = """
MATCH (h)-[x:RETRACTED]->(t)
WHERE ($with_entity IS NOT NULL AND x.with_entity = $with_entity)
   OR ($with_entity IS NULL AND h.key = $head AND t.key = $tail AND x.rel_type = $type
       AND coalesce(x.qualifier, '') = $qualifier AND x.with_entity IS NULL)
RETURN elementId(x) AS id, x.rel_type AS type, h.key AS head, t.key AS tail, coalesce(x.qualifier, '') AS qualifier,
       properties(x) AS props
"""


_TOMBSTONE_ENDS = """
MATCH (h)-[x:RETRACTED]->(t) WHERE elementId(x) = $id
RETURN h:Entity AS head_live, t:Entity AS tail_live,
       CASE WHEN h:DeletedEntity THEN h.key WHEN t:DeletedEntity THEN t.key END AS still_deleted
"""


def _restore_tombstones(tx: Any, tombstones: list[dict[str, Any]]) -> int:
    """Bring tombstoned relations back where both ends are live entities; returns how many.

    A tombstone whose other end is still a deleted entity is handed to that entity
    (``with_entity``), so restoring it later brings the relation back; the rest are dropped.
    """
    restored, kept = 0, []
    for t in tombstones:
        props = {
            k: v
            for k, v in t["props"].items()
            if k
            not in (
                "rel_type",
                "retracted_chunk_refs",
                "retracted_at",
                "retracted_by",
                "reason",
                "with_entity",
                "edited_type",
                "edited_reversed",
            )
        }
        props["chunk_refs"] = list(t["props"].get("retracted_chunk_refs") or [])
        # Only refs whose chunks still exist come back: a document deleted meanwhile stays deleted.
        props["chunk_refs"] = tx.run(
            "UNWIND $refs AS ref MATCH (c:Chunk {ref: ref}) RETURN collect(ref) AS refs",
            refs=props["chunk_refs"],
        ).single()["refs"]
        if not props["chunk_refs"]:
            continue
        ends = tx.run(_TOMBSTONE_ENDS, id=t["id"]).single()
        if not (ends["head_live"] and ends["tail_live"]):
            if ends["still_deleted"] is not None:
                tx.run(
                    "MATCH ()-[x:RETRACTED]->() WHERE elementId(x) = $id SET x.with_entity = $key",
                    id=t["id"],
                    key=ends["still_deleted"],
                ).consume()
                kept.append(t["id"])
            continue
        tx.run(
            _upsert_relations(t["type"], outgoing=True),
            rows=[{"other": t["tail"], "qualifier": t["qualifier"], "props": props}],
            target=t["head"],
        ).consume()
        restored += 1
    tx.run(_DELETE_RELS, ids=[t["id"] for t in tombstones if t["id"] not in kept]).consume()
    return restored
