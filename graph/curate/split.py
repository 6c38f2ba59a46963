"""Split a wrong merge: move the mentions written as chosen aliases (and their facts) to another entity."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from graph.config import WriteConfig
from graph.normalize import normalize_name

from ._base import (
    _DELETE_RELS,
    _RELATIONS_OF,
    _TYPES,
    Change,
    CurationError,
    _aliases_text,
    _cols,
    _entity,
    _entity_snapshot,
    _execute,
    _label,
    _move_relations,
)

logger = logging.getLogger(__name__)


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


def split_entity(
    driver: Any,
    key: str,
    aliases: Sequence[str],
    new_name: str,
    collections: Sequence[object],
    *,
    actor: str,
    config: WriteConfig | None = None,
    database: str | None = None,
) -> Change:
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
        new_norm = normalize_name(label, new_name)
        new_key = f"{label}:{new_norm}"
        if not new_norm or new_key == key:
            raise CurationError("the split-off entity needs a name that differs from this one's")
        if tx.run("MATCH (n:Entity {key: $key}) RETURN n.key", key=new_key).single() is not None:
            raise CurationError(f"an entity {new_name!r} already exists; split into a new name, then merge")
        moving, moved_refs = _moving_mentions(tx, key, label, chosen, new_key)
        tx.run(
            _CREATE_OR_REVIVE.replace("{label}", label),
            key=new_key,
            label=label,
            name=new_name.strip(),
            norm=new_norm,
        ).consume()
        tx.run(_MOVE_MENTION_IDS, ids=[m["id"] for m in moving], to=new_key).consume()
        relations_moved = _split_relations(tx, key, new_key, moved_refs)
        _share_names(tx, entity, new_key, new_name.strip(), chosen, moved_refs)
        after = {
            "entity": _entity_snapshot(_entity(tx, key, cols, check_relations=False)),
            "split_off": _entity_snapshot(_entity(tx, new_key, cols, check_relations=False)),
            "mentions_moved": len(moving),
            "relations_moved": relations_moved,
        }
        return Change(
            "split", key, _entity_snapshot(entity), after, f"split {new_name!r} off {entity['name']!r}"
        )

    change = _execute(driver, work, f"split {key}", config, database)
    logger.info("graph curation by %s: %s", actor, change.summary)
    return change


def _moving_mentions(
    tx: Any, key: str, label: str, chosen: list[str], new_key: str
) -> tuple[list[dict[str, Any]], set[str]]:
    """The mentions written as the chosen aliases (or moved here by a merge from ``new_key``), and
    the chunks that will mention only the new entity."""
    norms = {normalize_name(label, a) for a in chosen}
    lowered = {a.lower() for a in chosen}
    mentions = tx.run(_SPLIT_MENTIONS, key=key).data()
    moving = [
        m
        for m in mentions
        if m["norm"] in norms or (m["surface"] or "").lower() in lowered or (m["origin"] or "") == new_key
    ]
    if not moving:
        raise CurationError("no mention of this entity is written as the chosen aliases")
    if len(moving) == len(mentions):
        raise CurationError("every mention would move; edit the entity's name instead")
    staying_refs = {m["ref"] for m in mentions if m not in moving}
    return moving, {m["ref"] for m in moving} - staying_refs


def _split_relations(tx: Any, key: str, new_key: str, moved_refs: set[str]) -> int:
    """The part of each relation's support that lies in moved chunks goes to the new entity."""
    to_move, to_delete, to_trim = [], [], []
    for r in tx.run(_RELATIONS_OF, key=key, types=_TYPES).data():
        refs = list(r["props"].get("chunk_refs") or [])
        moved = [x for x in refs if x in moved_refs]
        if not moved:
            continue
        kept = [x for x in refs if x not in moved_refs]
        to_move.append({**r, "props": {**r["props"], "chunk_refs": moved}})
        if kept:
            to_trim.append({"id": r["id"], "refs": kept})
        else:
            to_delete.append(r["id"])
    _move_relations(tx, to_move, new_key)
    tx.run(
        "UNWIND $rows AS row MATCH ()-[r]->() WHERE elementId(r) = row.id SET r.chunk_refs = row.refs",
        rows=to_trim,
    ).consume()
    tx.run(_DELETE_RELS, ids=to_delete).consume()
    return len(to_move)


def _share_names(
    tx: Any, entity: dict[str, Any], new_key: str, new_name: str, chosen: list[str], moved_refs: set[str]
) -> None:
    """The chosen aliases (and the moved chunks) leave the old entity for the new one."""
    lowered = {a.lower() for a in chosen}
    old_aliases = [a for a in entity["aliases"] if a.lower() not in lowered]
    new_aliases = list(
        dict.fromkeys([new_name, *[a for a in entity["aliases"] if a.lower() in lowered], *chosen])
    )
    tx.run(
        "MATCH (a:Entity {key: $key}) SET a.aliases = $aliases, a.aliases_text = $text, "
        "a.chunk_refs = $refs, a.merged_from = $merged_from",
        key=entity["key"],
        aliases=old_aliases,
        text=_aliases_text(old_aliases),
        refs=[r for r in entity["props"].get("chunk_refs") or [] if r not in moved_refs],
        merged_from=[k for k in entity["props"].get("merged_from") or [] if k != new_key],
    ).consume()
    tx.run(
        "MATCH (n:Entity {key: $key}) SET n.aliases = $aliases, n.aliases_text = $text, n.chunk_refs = $refs",
        key=new_key,
        aliases=new_aliases,
        text=_aliases_text(new_aliases),
        refs=sorted(moved_refs),
    ).consume()
