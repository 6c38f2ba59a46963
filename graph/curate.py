"""Admin curation of the graph: merge duplicates, split a wrong merge, edit, soft-delete and restore.

Soft deletes take effect for answers at once without any query filter, because every answering
query matches ``:Entity`` nodes and whitelisted relation types:

* a deleted entity loses its ``Entity`` and type labels and becomes ``:DeletedEntity`` (its
  properties and MENTIONED_IN provenance stay, so it can be restored); its relations are retracted;
* a merged-away entity becomes ``:MergedEntity {merged_into}``; its mentions and relations move to
  the kept entity, and each moved mention records ``origin`` so a split can move it back;
* a retracted relation becomes ``-[:RETRACTED {rel_type, retracted_chunk_refs, ...}]->`` between
  the same nodes (the supporting chunk refs are kept under another name so ingestion's pruning,
  which looks at ``chunk_refs``, leaves the tombstone alone).

Scope: every function takes ``collections``, the collections the acting admin administers. The
target must be visible through them (else :class:`EntityNotFound`, shown as 404) and every chunk
supporting what changes must belong to them (else :class:`OutsideScope`, 403): an admin never
changes a fact another collection's documents also state.

Each change returns a :class:`Change` with JSON-ready ``before``/``after`` snapshots for the audit log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph._neo4j_errors import open_session, translate_errors
from graph.browse import RelationId
from graph.config import WriteConfig
from graph.errors import GraphError, GraphWriteError
from graph.normalize import normalize_name
from graph.schema import ENTITY_LABELS, RELATION_TYPES

logger = logging.getLogger(__name__)

#: Lists longer than this are cut in audit snapshots (a hub can have 50k relations).
SNAPSHOT_LIST_CAP = 500
_RESERVED = frozenset({"key", "name", "norm", "type", "aliases", "aliases_text", "chunk_refs", "created_at",
                       "merged_from", "removed_aliases"})
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


def _execute(driver: Any, work: Callable[[Any], Any], what: str, config: WriteConfig | None,
             database: str | None) -> Any:
    import neo4j

    cfg = config or WriteConfig()
    with translate_errors(GraphWriteError, what), open_session(driver, database) as session:
        return session.execute_write(neo4j.unit_of_work(timeout=cfg.timeout_s)(work))


def _read(driver: Any, work: Callable[[Any], Any], what: str, config: WriteConfig | None,
          database: str | None) -> Any:
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
        raise OutsideScope(f"{data['name']!r} is also supported by {len(foreign)} collection(s) you do not "
                           "administer; ask an admin of all of them (or a superuser) to change it")
    return data


def _entity_snapshot(data: dict[str, Any]) -> dict[str, Any]:
    props = {k: v for k, v in data["props"].items()
             if k not in ("aliases_text", "key", "name", "type", "aliases", "norm")}
    return {"key": data["key"], "label": data["label"], "name": data["name"], "aliases": list(data["aliases"]),
            "mentions": data.get("mentions", 0), "relations": data.get("relations", 0),
            "properties": _snapshot_props(props)}


_LOAD_RELATION = """
MATCH (h:Entity {key: $head})-[r]->(t:Entity {key: $tail})
WHERE type(r) = $type AND coalesce(r.qualifier, '') = $qualifier
RETURN elementId(r) AS id, properties(r) AS props,
       COLLECT { UNWIND r.chunk_refs AS ref MATCH (c:Chunk {ref: ref}) RETURN DISTINCT c.collection_id } AS collections
"""


def _relation(tx: Any, rid: RelationId, collections: list[str]) -> dict[str, Any]:
    row = tx.run(_LOAD_RELATION, head=rid.head, tail=rid.tail, type=_rel(rid.type), qualifier=rid.qualifier).single()
    if row is None or not set(map(str, row["collections"])) & set(collections):
        raise EntityNotFound("no such relation in your collections")
    foreign = set(map(str, row["collections"])) - set(collections)
    if foreign:
        raise OutsideScope(f"this relation is also supported by {len(foreign)} collection(s) you do not "
                           "administer; ask an admin of all of them (or a superuser) to change it")
    return row.data()


def _relation_snapshot(rid: RelationId, props: dict[str, Any]) -> dict[str, Any]:
    return {"head": rid.head, "type": rid.type, "tail": rid.tail, "qualifier": rid.qualifier,
            "properties": _snapshot_props(props)}


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
    pattern = "(a)-[r:{t} {{qualifier: row.qualifier}}]->(x)" if outgoing else "(x)-[r:{t} {{qualifier: row.qualifier}}]->(a)"
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
            {"other": row["other"], "qualifier": row["qualifier"], "props": row["props"]})
    for (rel_type, outgoing), group in sorted(groups.items()):
        tx.run(_upsert_relations(rel_type, outgoing=outgoing), rows=group, target=target).consume()


_DELETE_RELS = "UNWIND $ids AS id MATCH ()-[r]->() WHERE elementId(r) = id DELETE r"


# ---------------------------------------------------------------- merge
def _merge_plan(tx: Any, keep_key: str, merge_keys: Sequence[str], collections: list[str]) -> MergePreview:
    keys = [k for k in dict.fromkeys(merge_keys) if k != keep_key]
    if not keys:
        raise CurationError("choose at least one other entity to merge into this one")
    keep = _entity(tx, keep_key, collections)
    absorbed = []
    aliases = list(keep["aliases"])
    conflicts: dict[str, list[Any]] = {}
    moved = combined = dropped = mentions = 0
    keep_rels = {(r["type"], r["out"], r["other"], r["qualifier"]) for r in
                 tx.run(_RELATIONS_OF, key=keep_key, types=_TYPES).data()}
    for key in keys:
        other = _entity(tx, key, collections)
        if other["label"] != keep["label"]:
            raise CurationError(f"cannot merge {other['label']} {other['name']!r} into {keep['label']} "
                                f"{keep['name']!r}: entities of different types are never merged")
        absorbed.append(other)
        mentions += int(other["mentions"])
        for alias in [other["name"], *other["aliases"]]:
            if alias not in aliases:
                aliases.append(alias)
        for prop, value in other["props"].items():
            if prop in _RESERVED or prop not in keep["props"] or keep["props"][prop] == value:
                continue
            conflicts.setdefault(prop, [_plain(keep["props"][prop])]).append(_plain(value))
        for r in tx.run(_RELATIONS_OF, key=key, types=_TYPES).data():
            if r["other"] == keep_key or r["other"] in keys:
                dropped += 1
            elif (r["type"], r["out"], r["other"], r["qualifier"]) in keep_rels:
                combined += 1
            else:
                moved += 1
    return MergePreview(_entity_snapshot(keep), tuple(_entity_snapshot(a) for a in absorbed), tuple(aliases),
                        mentions, moved, combined, dropped, {k: tuple(v) for k, v in conflicts.items()})


def merge_preview(driver: Any, keep_key: str, merge_keys: Sequence[str], collections: Sequence[object], *,
                  config: WriteConfig | None = None, database: str | None = None) -> MergePreview:
    """Describe a merge without changing anything (the admin confirms it afterwards).

    Args:
        driver: a ``neo4j.Driver``.
        keep_key: the entity that stays.
        merge_keys: entities folded into it (same type only).
        collections: collections the admin administers.
        config: timeout.
        database: database name.

    Returns:
        Counts of what moves, the aliases afterwards and conflicting property values.

    Raises:
        EntityNotFound, OutsideScope, CurationError: see the module docstring.
    """
    cols = _cols(collections)
    return _read(driver, lambda tx: _merge_plan(tx, keep_key, merge_keys, cols), "merge preview", config, database)


_MOVE_MENTIONS = """
MATCH (b:Entity {key: $from})-[m:MENTIONED_IN]->(c:Chunk)
MATCH (a:Entity {key: $to})
MERGE (a)-[m2:MENTIONED_IN {norm: m.norm}]->(c)
ON CREATE SET m2.surface = m.surface, m2.source = m.source, m2.start = m.start, m2.end = m.end,
              m2.origin = coalesce(m.origin, $from)
DELETE m
RETURN count(*) AS moved
"""

_RETIRE = """
MATCH (b:Entity {{key: $key}})
REMOVE b:Entity:{label}
SET b:{tombstone}, b += $props
"""


def merge_entities(driver: Any, keep_key: str, merge_keys: Sequence[str], collections: Sequence[object], *,
                   actor: str, config: WriteConfig | None = None, database: str | None = None) -> Change:
    """Fold duplicates into one entity, keeping every alias, mention and supporting chunk.

    1. check scope and types (as :func:`merge_preview`);
    2. move each duplicate's MENTIONED_IN edges (marked with ``origin``) and relations to the kept
       entity, combining relations that already exist there (chunk_refs unions) and dropping those
       that would become self-loops;
    3. add names and aliases, union ``chunk_refs``, record ``merged_from``;
    4. retire each duplicate as ``:MergedEntity {merged_into}``.
    All in one transaction.

    Args:
        driver: a ``neo4j.Driver``.
        keep_key: the entity that stays.
        merge_keys: the duplicates.
        collections: collections the admin administers.
        actor: who asked (stored on the retired nodes).
        config: timeout.
        database: database name.

    Returns:
        The change with before (all entities) and after (the kept entity) snapshots.
    """
    cols = _cols(collections)

    def work(tx: Any) -> Change:
        plan = _merge_plan(tx, keep_key, merge_keys, cols)
        keep_props = dict(tx.run("MATCH (a:Entity {key: $key}) RETURN properties(a) AS p", key=keep_key).single()["p"])
        refs = list(keep_props.get("chunk_refs") or [])
        merged_from = list(keep_props.get("merged_from") or [])
        extra: dict[str, Any] = {}
        for other in plan.absorbed:
            key = other["key"]
            tx.run(_MOVE_MENTIONS, **{"from": key, "to": keep_key}).consume()
            rows = tx.run(_RELATIONS_OF, key=key, types=_TYPES).data()
            movable = [r for r in rows if r["other"] != keep_key]
            _move_relations(tx, movable, keep_key)
            tx.run(_DELETE_RELS, ids=[r["id"] for r in rows]).consume()
            props = tx.run("MATCH (b:Entity {key: $key}) RETURN properties(b) AS p", key=key).single()["p"]
            refs += [r for r in props.get("chunk_refs") or [] if r not in refs]
            merged_from.append(key)
            for prop, value in props.items():
                if prop not in _RESERVED and prop not in keep_props and prop not in extra:
                    extra[prop] = value
            tx.run(_RETIRE.format(label=_label(other["label"]), tombstone="MergedEntity"), key=key,
                   props={"merged_into": keep_key, "merged_by": actor, "merged_at": _now_iso(tx)}).consume()
        aliases = list(plan.aliases_after)
        tx.run("MATCH (a:Entity {key: $key}) SET a += $extra SET a.aliases = $aliases, a.aliases_text = $text, "
               "a.chunk_refs = $refs, a.merged_from = $merged_from",
               key=keep_key, extra=extra, aliases=aliases, text=_aliases_text(aliases), refs=refs,
               merged_from=merged_from).consume()
        after = _entity(tx, keep_key, cols, check_relations=False)
        names = ", ".join(repr(a["name"]) for a in plan.absorbed)
        return Change("merge", keep_key,
                      {"keep": plan.keep, "absorbed": list(plan.absorbed)},
                      {"entity": _entity_snapshot(after), "mentions_moved": plan.mentions_moved,
                       "relations_moved": plan.relations_moved, "relations_combined": plan.relations_combined,
                       "relations_dropped": plan.relations_dropped},
                      f"merged {names} into {plan.keep['name']!r}")

    change = _execute(driver, work, f"merge into {keep_key}", config, database)
    logger.info("graph curation by %s: %s", actor, change.summary)
    return change


def _now_iso(tx: Any) -> str:
    return str(tx.run("RETURN toString(datetime()) AS now").single()["now"])


# ---------------------------------------------------------------- split
_SPLIT_MENTIONS = """
MATCH (a:Entity {key: $key})-[m:MENTIONED_IN]->(c:Chunk)
RETURN elementId(m) AS id, c.ref AS ref, m.norm AS norm, m.surface AS surface, m.origin AS origin
"""

_CREATE_OR_REVIVE = """
OPTIONAL MATCH (old:MergedEntity {key: $key})
WITH old LIMIT 1
CALL (old) {
  WITH old WHERE old IS NOT NULL
  REMOVE old:MergedEntity
  SET old:Entity:{label}, old.merged_into = null, old.merged_by = null, old.merged_at = null,
      old.revived_at = datetime()
  RETURN old AS n
  UNION
  WITH old WHERE old IS NULL
  CREATE (n:Entity:{label} {key: $key, type: $label, name: $name, norm: $norm, aliases: [], chunk_refs: [],
                            created_at: datetime()})
  RETURN n
}
SET n.name = $name, n.aliases = [], n.chunk_refs = []
RETURN n.key AS key
"""

_MOVE_MENTION_IDS = """
UNWIND $ids AS id
MATCH (a:Entity)-[m:MENTIONED_IN]->(c:Chunk) WHERE elementId(m) = id
MATCH (n:Entity {key: $to})
MERGE (n)-[m2:MENTIONED_IN {norm: m.norm}]->(c)
ON CREATE SET m2.surface = m.surface, m2.source = m.source, m2.start = m.start, m2.end = m.end
DELETE m
"""


def split_entity(driver: Any, key: str, aliases: Sequence[str], new_name: str, collections: Sequence[object], *,
                 actor: str, config: WriteConfig | None = None, database: str | None = None) -> Change:
    """Move the mentions written as ``aliases`` (and the facts resting on them) to a separate entity.

    The new entity has the same type, is called ``new_name`` and gets the moved aliases. When its
    key is that of an entity merged away earlier, that entity is revived (undoing the merge). A
    relation moves for the chunks that now mention only the new entity; a relation supported by
    both kinds of chunks is split between the two.

    Args:
        driver: a ``neo4j.Driver``.
        key: the wrongly merged entity.
        aliases: the names (as written in the documents) that belong to the other entity.
        new_name: display name of the split-off entity.
        collections: collections the admin administers.
        actor: who asked.
        config: timeout.
        database: database name.

    Returns:
        The change (before: the entity; after: both entities).

    Raises:
        CurationError: nothing or everything would move, or the new key is taken by an active entity.
    """
    cols = _cols(collections)
    chosen = [a.strip() for a in aliases if a.strip()]
    if not chosen or not new_name.strip():
        raise CurationError("choose the aliases that belong to the other entity and give it a name")

    def work(tx: Any) -> Change:
        entity = _entity(tx, key, cols)
        label = _label(entity["label"])
        norms = {normalize_name(label, a) for a in chosen}
        lowered = {a.lower() for a in chosen}
        new_norm = normalize_name(label, new_name)
        new_key = f"{label}:{new_norm}"
        if not new_norm or new_key == key:
            raise CurationError("the split-off entity needs a name that differs from this one's")
        if tx.run("MATCH (n:Entity {key: $key}) RETURN n.key", key=new_key).single() is not None:
            raise CurationError(f"an entity {new_name!r} already exists; split into a new name, then merge")
        mentions = tx.run(_SPLIT_MENTIONS, key=key).data()
        moving = [m for m in mentions if m["norm"] in norms or (m["surface"] or "").lower() in lowered
                  or (m["origin"] or "") == new_key]
        if not moving:
            raise CurationError("no mention of this entity is written as the chosen aliases")
        if len(moving) == len(mentions):
            raise CurationError("every mention would move; edit the entity's name instead")
        staying_refs = {m["ref"] for m in mentions if m not in moving}
        moved_refs = {m["ref"] for m in moving} - staying_refs
        tx.run(_CREATE_OR_REVIVE.replace("{label}", label), key=new_key, label=label, name=new_name.strip(),
               norm=new_norm).consume()
        tx.run(_MOVE_MENTION_IDS, ids=[m["id"] for m in moving], to=new_key).consume()
        # Relations: the part of each relation's support that lies in moved chunks goes to the new entity.
        rows = tx.run(_RELATIONS_OF, key=key, types=_TYPES).data()
        to_move, to_delete, to_trim = [], [], []
        for r in rows:
            refs = list(r["props"].get("chunk_refs") or [])
            moved = [x for x in refs if x in moved_refs]
            if not moved:
                continue
            kept = [x for x in refs if x not in moved_refs]
            to_move.append({**r, "props": {**r["props"], "chunk_refs": moved}})
            (to_trim.append({"id": r["id"], "refs": kept}) if kept else to_delete.append(r["id"]))
        _move_relations(tx, to_move, new_key)
        tx.run("UNWIND $rows AS row MATCH ()-[r]->() WHERE elementId(r) = row.id SET r.chunk_refs = row.refs",
               rows=to_trim).consume()
        tx.run(_DELETE_RELS, ids=to_delete).consume()
        old_aliases = [a for a in entity["aliases"] if a.lower() not in lowered]
        new_aliases = list(dict.fromkeys([new_name.strip(), *[a for a in entity["aliases"] if a.lower() in lowered],
                                          *chosen]))
        old_refs = [r for r in entity["props"].get("chunk_refs") or [] if r not in moved_refs]
        merged_from = [k for k in entity["props"].get("merged_from") or [] if k != new_key]
        tx.run("MATCH (a:Entity {key: $key}) SET a.aliases = $aliases, a.aliases_text = $text, "
               "a.chunk_refs = $refs, a.merged_from = $merged_from",
               key=key, aliases=old_aliases, text=_aliases_text(old_aliases), refs=old_refs,
               merged_from=merged_from).consume()
        tx.run("MATCH (n:Entity {key: $key}) SET n.aliases = $aliases, n.aliases_text = $text, n.chunk_refs = $refs",
               key=new_key, aliases=new_aliases, text=_aliases_text(new_aliases), refs=sorted(moved_refs)).consume()
        before = _entity_snapshot(entity)
        after = {"entity": _entity_snapshot(_entity(tx, key, cols, check_relations=False)),
                 "split_off": _entity_snapshot(_entity(tx, new_key, cols, check_relations=False)),
                 "mentions_moved": len(moving), "relations_moved": len(to_move)}
        return Change("split", key, before, after, f"split {new_name!r} off {entity['name']!r}")

    change = _execute(driver, work, f"split {key}", config, database)
    logger.info("graph curation by %s: %s", actor, change.summary)
    return change


# ---------------------------------------------------------------- edit / delete / restore entities
_REMEMBER_REMOVED_ALIASES = """
MATCH (e:Entity {key: $key})
WITH e, [a IN coalesce(e.removed_aliases, []) WHERE NOT a IN $aliases] AS still_removed
SET e.removed_aliases = still_removed + [a IN $removed WHERE NOT a IN still_removed]
"""


def edit_entity(driver: Any, key: str, collections: Sequence[object], *, actor: str, name: str | None = None,
                aliases: Sequence[str] | None = None, config: WriteConfig | None = None,
                database: str | None = None) -> Change:
    """Change an entity's display name and/or aliases (its key, and so its identity, stays).

    Args:
        driver: a ``neo4j.Driver``.
        key: the entity.
        collections: collections the admin administers.
        actor: who asked.
        name: new display name (the old one is kept as an alias).
        aliases: the complete new alias list; None leaves them. Aliases taken out are remembered
            (``removed_aliases``), so re-ingesting a document that writes them does not bring
            them back; putting one back forgets that.
        config: timeout.
        database: database name.

    Returns:
        The change.
    """
    cols = _cols(collections)
    if name is not None and not name.strip():
        raise CurationError("the name cannot be empty")

    def work(tx: Any) -> Change:
        entity = _entity(tx, key, cols, check_relations=False)
        new_name = name.strip() if name is not None else entity["name"]
        new_aliases = [a.strip() for a in (aliases if aliases is not None else entity["aliases"]) if a.strip()]
        for alias in (entity["name"], new_name):
            if alias not in new_aliases:
                new_aliases.append(alias)
        new_aliases = list(dict.fromkeys(new_aliases))
        removed = [a for a in entity["aliases"] if a not in new_aliases]
        tx.run("MATCH (e:Entity {key: $key}) SET e.name = $name, e.aliases = $aliases, e.aliases_text = $text, "
               "e.edited_by = $actor, e.edited_at = toString(datetime())",
               key=key, name=new_name, aliases=new_aliases, text=_aliases_text(new_aliases), actor=actor).consume()
        tx.run(_REMEMBER_REMOVED_ALIASES, key=key, aliases=new_aliases, removed=removed).consume()
        after = _entity(tx, key, cols, check_relations=False)
        return Change("edit_entity", key, _entity_snapshot(entity), _entity_snapshot(after),
                      f"edited {entity['name']!r}")

    return _execute(driver, work, f"edit {key}", config, database)


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
        props = {k: v for k, v in t["props"].items()
                 if k not in ("rel_type", "retracted_chunk_refs", "retracted_at", "retracted_by", "reason",
                              "with_entity", "edited_type", "edited_reversed")}
        props["chunk_refs"] = list(t["props"].get("retracted_chunk_refs") or [])
        # Only refs whose chunks still exist come back: a document deleted meanwhile stays deleted.
        props["chunk_refs"] = tx.run("UNWIND $refs AS ref MATCH (c:Chunk {ref: ref}) RETURN collect(ref) AS refs",
                                     refs=props["chunk_refs"]).single()["refs"]
        if not props["chunk_refs"]:
            continue
        ends = tx.run(_TOMBSTONE_ENDS, id=t["id"]).single()
        if not (ends["head_live"] and ends["tail_live"]):
            if ends["still_deleted"] is not None:
                tx.run("MATCH ()-[x:RETRACTED]->() WHERE elementId(x) = $id SET x.with_entity = $key",
                       id=t["id"], key=ends["still_deleted"]).consume()
                kept.append(t["id"])
            continue
        tx.run(_upsert_relations(t["type"], outgoing=True),
               rows=[{"other": t["tail"], "qualifier": t["qualifier"], "props": props}], target=t["head"]).consume()
        restored += 1
    tx.run(_DELETE_RELS, ids=[t["id"] for t in tombstones if t["id"] not in kept]).consume()
    return restored


def delete_entity(driver: Any, key: str, collections: Sequence[object], *, actor: str, reason: str = "",
                  config: WriteConfig | None = None, database: str | None = None) -> Change:
    """Soft-delete an entity and retract its relations; answers stop using them at once.

    Args:
        driver: a ``neo4j.Driver``.
        key: the entity.
        collections: collections the admin administers.
        actor: who asked.
        reason: why (kept on the node and in the audit log).
        config: timeout.
        database: database name.

    Returns:
        The change.
    """
    cols = _cols(collections)

    def work(tx: Any) -> Change:
        entity = _entity(tx, key, cols)
        rows = tx.run(_RELATIONS_OF, key=key, types=_TYPES).data()
        tx.run(_RETRACT, ids=[r["id"] for r in rows], actor=actor, reason=reason, with_entity=key,
               edited_type=None, edited_reversed=None).consume()
        tx.run(_RETIRE.format(label=_label(entity["label"]), tombstone="DeletedEntity"), key=key,
               props={"deleted": True, "deleted_by": actor, "deleted_at": _now_iso(tx), "deletion_reason": reason}
               ).consume()
        return Change("delete_entity", key, _entity_snapshot(entity),
                      {"deleted": True, "relations_retracted": len(rows), "reason": reason},
                      f"deleted {entity['name']!r} and retracted {len(rows)} relation(s)")

    change = _execute(driver, work, f"delete {key}", config, database)
    logger.info("graph curation by %s: %s", actor, change.summary)
    return change


_DELETED_ENTITY = """
MATCH (e:DeletedEntity {key: $key})
RETURN e.type AS label, e.name AS name,
       COLLECT { MATCH (e)-[:MENTIONED_IN]->(c:Chunk) RETURN DISTINCT c.collection_id } AS collections
"""


def restore_entity(driver: Any, key: str, collections: Sequence[object], *, actor: str,
                   config: WriteConfig | None = None, database: str | None = None) -> Change:
    """Undo :func:`delete_entity`: the entity and the relations retracted with it come back.

    Raises:
        EntityNotFound: no deleted entity with this key in the admin's collections.
        CurationError: an active entity with the same key exists again (re-ingested meanwhile).
    """
    cols = _cols(collections)

    def work(tx: Any) -> Change:
        row = tx.run(_DELETED_ENTITY, key=key).single()
        if row is None or not set(map(str, row["collections"])) & set(cols):
            raise EntityNotFound(f"no deleted entity {key!r} in your collections")
        if set(map(str, row["collections"])) - set(cols):
            raise OutsideScope("this entity is also supported by collections you do not administer")
        if tx.run("MATCH (n:Entity {key: $key}) RETURN n.key", key=key).single() is not None:
            raise CurationError("an entity with this key exists again (re-ingested); merge instead")
        label = _label(row["label"])
        tx.run(f"MATCH (e:DeletedEntity {{key: $key}}) REMOVE e:DeletedEntity SET e:Entity:{label}, "
               "e.deleted = null, e.deleted_by = null, e.deleted_at = null, e.deletion_reason = null", key=key).consume()
        tombstones = tx.run(_TOMBSTONES, with_entity=key, head=None, tail=None, type=None, qualifier=None).data()
        restored = _restore_tombstones(tx, tombstones)
        after = _entity(tx, key, cols, check_relations=False)
        return Change("restore_entity", key, {"deleted": True}, _entity_snapshot(after),
                      f"restored {row['name']!r} with {restored} relation(s)")

    return _execute(driver, work, f"restore {key}", config, database)


# ---------------------------------------------------------------- relations
def delete_relation(driver: Any, rid: RelationId, collections: Sequence[object], *, actor: str, reason: str = "",
                    config: WriteConfig | None = None, database: str | None = None) -> Change:
    """Retract one relation (soft delete): it leaves every answer at once and can be restored."""
    cols = _cols(collections)

    def work(tx: Any) -> Change:
        rel = _relation(tx, rid, cols)
        tx.run(_RETRACT, ids=[rel["id"]], actor=actor, reason=reason, with_entity=None,
               edited_type=None, edited_reversed=None).consume()
        return Change("delete_relation", rid.encode(), _relation_snapshot(rid, rel["props"]),
                      {"deleted": True, "reason": reason}, f"retracted {rid.head} -{rid.type}-> {rid.tail}")

    return _execute(driver, work, "delete relation", config, database)


def restore_relation(driver: Any, rid: RelationId, collections: Sequence[object], *, actor: str,
                     config: WriteConfig | None = None, database: str | None = None) -> Change:
    """Undo :func:`delete_relation`."""
    cols = _cols(collections)

    def work(tx: Any) -> Change:
        tombstones = tx.run(_TOMBSTONES, with_entity=None, head=rid.head, tail=rid.tail, type=rid.type,
                            qualifier=rid.qualifier).data()
        refs = [r for t in tombstones for r in t["props"].get("retracted_chunk_refs") or []]
        owners = tx.run("UNWIND $refs AS ref MATCH (c:Chunk {ref: ref}) RETURN collect(DISTINCT c.collection_id) AS c",
                        refs=refs).single()["c"]
        if not tombstones or not set(map(str, owners)) & set(cols):
            raise EntityNotFound("no retracted relation like this in your collections")
        if set(map(str, owners)) - set(cols):
            raise OutsideScope("this relation is also supported by collections you do not administer")
        restored = _restore_tombstones(tx, tombstones)
        if not restored:
            raise CurationError("the relation cannot come back: its supporting passages or entities are gone")
        rel = _relation(tx, rid, cols)
        return Change("restore_relation", rid.encode(), {"deleted": True}, _relation_snapshot(rid, rel["props"]),
                      f"restored {rid.head} -{rid.type}-> {rid.tail}")

    return _execute(driver, work, "restore relation", config, database)


_DELETE_TOMBSTONE_OF = """
MATCH (h {key: $head})-[x:RETRACTED]->(t {key: $tail})
WHERE x.rel_type = $type AND coalesce(x.qualifier, '') = $qualifier AND x.with_entity IS NULL
DELETE x
"""


def edit_relation(driver: Any, rid: RelationId, collections: Sequence[object], *, actor: str,
                  new_type: str | None = None, reverse: bool = False, config: WriteConfig | None = None,
                  database: str | None = None) -> Change:
    """Change a relation's type and/or direction, keeping its support (chunk_refs) and properties.

    When a relation with the new identity exists already, the two are combined. The old relation
    is retracted with a tombstone that names the new identity (``edited_type``,
    ``edited_reversed``): re-ingesting a document that still states the old relation does not
    bring it back, and the support it states goes to the edited relation
    (:func:`graph.cypher.edited_forwards`), which therefore outlives the version it was edited on.
    A tombstone of the new identity (an earlier edit or delete of it) is dropped: the admin now
    says that relation holds.

    Returns:
        The change; ``after`` holds the new relation id.
    """
    cols = _cols(collections)
    target_type = _rel(new_type) if new_type else rid.type
    if target_type == rid.type and not reverse:
        raise CurationError("nothing to change: pick another relation type or reverse the direction")

    def work(tx: Any) -> Change:
        rel = _relation(tx, rid, cols)
        head, tail = (rid.tail, rid.head) if reverse else (rid.head, rid.tail)
        props = dict(rel["props"])
        props["edited_by"] = actor
        reason = f"edited to {head} -{target_type}-> {tail}"
        tx.run(_RETRACT, ids=[rel["id"]], actor=actor, reason=reason, with_entity=None,
               edited_type=target_type, edited_reversed=reverse).consume()
        tx.run(_DELETE_TOMBSTONE_OF, head=head, tail=tail, type=target_type,
               qualifier=rid.qualifier).consume()
        tx.run(_upsert_relations(target_type, outgoing=True),
               rows=[{"other": tail, "qualifier": rid.qualifier, "props": props}], target=head).consume()
        new = RelationId(head, target_type, tail, rid.qualifier)
        after = _relation(tx, new, cols)
        return Change("edit_relation", rid.encode(), _relation_snapshot(rid, rel["props"]),
                      {**_relation_snapshot(new, after["props"]), "id": new.encode()},
                      f"changed {rid.head} -{rid.type}-> {rid.tail} to {head} -{target_type}-> {tail}")

    return _execute(driver, work, "edit relation", config, database)


def deleted_entities(driver: Any, collections: Sequence[object], *, limit: int = 100,
                     config: WriteConfig | None = None, database: str | None = None) -> list[dict[str, Any]]:
    """Soft-deleted entities visible to ``collections`` (for the restore list)."""
    cols = _cols(collections)
    query = """
MATCH (e:DeletedEntity)-[:MENTIONED_IN]->(c:Chunk) WHERE c.collection_id IN $collections
WITH DISTINCT e
RETURN e.key AS key, e.type AS label, e.name AS name, e.deleted_by AS deleted_by, e.deleted_at AS deleted_at,
       e.deletion_reason AS reason
ORDER BY e.deleted_at DESC LIMIT $limit
"""
    return _read(driver, lambda tx: tx.run(query, collections=cols, limit=limit).data(), "deleted entities",
                 config, database)
