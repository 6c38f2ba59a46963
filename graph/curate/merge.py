"""Merge duplicate entities into one (with a preview computed without writing)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from graph.config import WriteConfig

from ._base import (
    _DELETE_RELS,
    _RELATIONS_OF,
    _RESERVED,
    _RETIRE,
    _TYPES,
    Change,
    CurationError,
    MergePreview,
    _aliases_text,
    _cols,
    _entity,
    _entity_snapshot,
    _execute,
    _label,
    _move_relations,
    _now_iso,
    _plain,
    _read,
)

logger = logging.getLogger(__name__)


def _merge_plan(tx: Any, keep_key: str, merge_keys: Sequence[str], collections: list[str]) -> MergePreview:
    keys = [k for k in dict.fromkeys(merge_keys) if k != keep_key]
    if not keys:
        raise CurationError("choose at least one other entity to merge into this one")
    keep = _entity(tx, keep_key, collections)
    absorbed = []
    aliases = list(keep["aliases"])
    conflicts: dict[str, list[Any]] = {}
    moved = combined = dropped = mentions = 0
    keep_rels = {
        (r["type"], r["out"], r["other"], r["qualifier"])
        for r in tx.run(_RELATIONS_OF, key=keep_key, types=_TYPES).data()
    }
    for key in keys:
        other = _entity(tx, key, collections)
        if other["label"] != keep["label"]:
            raise CurationError(
                f"cannot merge {other['label']} {other['name']!r} into {keep['label']} "
                f"{keep['name']!r}: entities of different types are never merged"
            )
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
    return MergePreview(
        _entity_snapshot(keep),
        tuple(_entity_snapshot(a) for a in absorbed),
        tuple(aliases),
        mentions,
        moved,
        combined,
        dropped,
        {k: tuple(v) for k, v in conflicts.items()},
    )


def merge_preview(
    driver: Any,
    keep_key: str,
    merge_keys: Sequence[str],
    collections: Sequence[object],
    *,
    config: WriteConfig | None = None,
    database: str | None = None,
) -> MergePreview:
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
    return _read(
        driver, lambda tx: _merge_plan(tx, keep_key, merge_keys, cols), "merge preview", config, database
    )


_MOVE_MENTIONS = """
MATCH (b:Entity {key: $from})-[m:MENTIONED_IN]->(c:Chunk)
MATCH (a:Entity {key: $to})
MERGE (a)-[m2:MENTIONED_IN {norm: m.norm}]->(c)
ON CREATE SET m2.surface = m.surface, m2.source = m.source, m2.start = m.start, m2.end = m.end,
              m2.origin = coalesce(m.origin, $from)
DELETE m
RETURN count(*) AS moved
"""


def merge_entities(
    driver: Any,
    keep_key: str,
    merge_keys: Sequence[str],
    collections: Sequence[object],
    *,
    actor: str,
    config: WriteConfig | None = None,
    database: str | None = None,
) -> Change:
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
        keep_props = dict(
            tx.run("MATCH (a:Entity {key: $key}) RETURN properties(a) AS p", key=keep_key).single()["p"]
        )
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
            tx.run(
                _RETIRE.format(label=_label(other["label"]), tombstone="MergedEntity"),
                key=key,
                props={"merged_into": keep_key, "merged_by": actor, "merged_at": _now_iso(tx)},
            ).consume()
        aliases = list(plan.aliases_after)
        tx.run(
            "MATCH (a:Entity {key: $key}) SET a += $extra SET a.aliases = $aliases, a.aliases_text = $text, "
            "a.chunk_refs = $refs, a.merged_from = $merged_from",
            key=keep_key,
            extra=extra,
            aliases=aliases,
            text=_aliases_text(aliases),
            refs=refs,
            merged_from=merged_from,
        ).consume()
        after = _entity(tx, keep_key, cols, check_relations=False)
        names = ", ".join(repr(a["name"]) for a in plan.absorbed)
        return Change(
            "merge",
            keep_key,
            {"keep": plan.keep, "absorbed": list(plan.absorbed)},
            {
                "entity": _entity_snapshot(after),
                "mentions_moved": plan.mentions_moved,
                "relations_moved": plan.relations_moved,
                "relations_combined": plan.relations_combined,
                "relations_dropped": plan.relations_dropped,
            },
            f"merged {names} into {plan.keep['name']!r}",
        )

    change = _execute(driver, work, f"merge into {keep_key}", config, database)
    logger.info("graph curation by %s: %s", actor, change.summary)
    return change
