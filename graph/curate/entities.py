"""Edit, soft-delete and restore entities; list the deleted ones."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from graph.config import WriteConfig

from ._base import (
    _RELATIONS_OF,
    _RETIRE,
    _TOMBSTONES,
    _TYPES,
    Change,
    CurationError,
    EntityNotFound,
    OutsideScope,
    _aliases_text,
    _cols,
    _entity,
    _entity_snapshot,
    _execute,
    _label,
    _now_iso,
    _read,
    _restore_tombstones,
    _retract,
)

logger = logging.getLogger(__name__)


_REMEMBER_REMOVED_ALIASES = """
MATCH (e:Entity {key: $key})
WITH e, [a IN coalesce(e.removed_aliases, []) WHERE NOT a IN $aliases] AS still_removed
SET e.removed_aliases = still_removed + [a IN $removed WHERE NOT a IN still_removed]
"""


def edit_entity(
    driver: Any,
    key: str,
    collections: Sequence[object],
    *,
    actor: str,
    name: str | None = None,
    aliases: Sequence[str] | None = None,
    config: WriteConfig | None = None,
    database: str | None = None,
) -> Change:
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
        new_aliases = [
            a.strip() for a in (aliases if aliases is not None else entity["aliases"]) if a.strip()
        ]
        for alias in (entity["name"], new_name):
            if alias not in new_aliases:
                new_aliases.append(alias)
        new_aliases = list(dict.fromkeys(new_aliases))
        removed = [a for a in entity["aliases"] if a not in new_aliases]
        tx.run(
            "MATCH (e:Entity {key: $key}) SET e.name = $name, e.aliases = $aliases, e.aliases_text = $text, "
            "e.edited_by = $actor, e.edited_at = toString(datetime())",
            key=key,
            name=new_name,
            aliases=new_aliases,
            text=_aliases_text(new_aliases),
            actor=actor,
        ).consume()
        tx.run(_REMEMBER_REMOVED_ALIASES, key=key, aliases=new_aliases, removed=removed).consume()
        after = _entity(tx, key, cols, check_relations=False)
        return Change(
            "edit_entity",
            key,
            _entity_snapshot(entity),
            _entity_snapshot(after),
            f"edited {entity['name']!r}",
        )

    return _execute(driver, work, f"edit {key}", config, database)


def delete_entity(
    driver: Any,
    key: str,
    collections: Sequence[object],
    *,
    actor: str,
    reason: str = "",
    config: WriteConfig | None = None,
    database: str | None = None,
) -> Change:
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
        _retract(tx, [r["id"] for r in rows], actor=actor, reason=reason, with_entity=key)
        tx.run(
            _RETIRE.format(label=_label(entity["label"]), tombstone="DeletedEntity"),
            key=key,
            props={
                "deleted": True,
                "deleted_by": actor,
                "deleted_at": _now_iso(tx),
                "deletion_reason": reason,
            },
        ).consume()
        return Change(
            "delete_entity",
            key,
            _entity_snapshot(entity),
            {"deleted": True, "relations_retracted": len(rows), "reason": reason},
            f"deleted {entity['name']!r} and retracted {len(rows)} relation(s)",
        )

    change = _execute(driver, work, f"delete {key}", config, database)
    logger.info("graph curation by %s: %s", actor, change.summary)
    return change


_DELETED_ENTITY = """
MATCH (e:DeletedEntity {key: $key})
RETURN e.type AS label, e.name AS name,
       COLLECT { MATCH (e)-[:MENTIONED_IN]->(c:Chunk) RETURN DISTINCT c.collection_id } AS collections
"""


def restore_entity(
    driver: Any,
    key: str,
    collections: Sequence[object],
    *,
    actor: str,
    config: WriteConfig | None = None,
    database: str | None = None,
) -> Change:
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
        tx.run(
            f"MATCH (e:DeletedEntity {{key: $key}}) REMOVE e:DeletedEntity SET e:Entity:{label}, "
            "e.deleted = null, e.deleted_by = null, e.deleted_at = null, e.deletion_reason = null",
            key=key,
        ).consume()
        tombstones = tx.run(
            _TOMBSTONES, with_entity=key, head=None, tail=None, type=None, qualifier=None
        ).data()
        restored = _restore_tombstones(tx, tombstones)
        after = _entity(tx, key, cols, check_relations=False)
        return Change(
            "restore_entity",
            key,
            {"deleted": True},
            _entity_snapshot(after),
            f"restored {row['name']!r} with {restored} relation(s)",
        )

    return _execute(driver, work, f"restore {key}", config, database)


def deleted_entities(
    driver: Any,
    collections: Sequence[object],
    *,
    limit: int = 100,
    config: WriteConfig | None = None,
    database: str | None = None,
) -> list[dict[str, Any]]:
    """Soft-deleted entities visible to ``collections`` (for the restore list)."""
    cols = _cols(collections)
    query = """
MATCH (e:DeletedEntity)-[:MENTIONED_IN]->(c:Chunk) WHERE c.collection_id IN $collections
WITH DISTINCT e
RETURN e.key AS key, e.type AS label, e.name AS name, e.deleted_by AS deleted_by, e.deleted_at AS deleted_at,
       e.deletion_reason AS reason
ORDER BY e.deleted_at DESC LIMIT $limit
"""
    return _read(
        driver,
        lambda tx: tx.run(query, collections=cols, limit=limit).data(),
        "deleted entities",
        config,
        database,
    )
