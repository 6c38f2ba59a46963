"""Soft-delete, restore and edit relations."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from graph.browse import RelationId
from graph.config import WriteConfig

from ._base import (
    _TOMBSTONES,
    Change,
    CurationError,
    EntityNotFound,
    OutsideScope,
    _cols,
    _execute,
    _rel,
    _relation,
    _relation_snapshot,
    _restore_tombstones,
    _retract,
    _upsert_relations,
)

logger = logging.getLogger(__name__)


def delete_relation(
    driver: Any,
    rid: RelationId,
    collections: Sequence[object],
    *,
    actor: str,
    reason: str = "",
    config: WriteConfig | None = None,
    database: str | None = None,
) -> Change:
    """Retract one relation (soft delete): it leaves every answer at once and can be restored."""
    cols = _cols(collections)

    def work(tx: Any) -> Change:
        rel = _relation(tx, rid, cols)
        _retract(tx, [rel["id"]], actor=actor, reason=reason)
        return Change(
            "delete_relation",
            rid.encode(),
            _relation_snapshot(rid, rel["props"]),
            {"deleted": True, "reason": reason},
            f"retracted {rid.head} -{rid.type}-> {rid.tail}",
        )

    return _execute(driver, work, "delete relation", config, database)


def restore_relation(
    driver: Any,
    rid: RelationId,
    collections: Sequence[object],
    *,
    actor: str,
    config: WriteConfig | None = None,
    database: str | None = None,
) -> Change:
    """Undo :func:`delete_relation`."""
    cols = _cols(collections)

    def work(tx: Any) -> Change:
        tombstones = tx.run(
            _TOMBSTONES,
            with_entity=None,
            head=rid.head,
            tail=rid.tail,
            type=rid.type,
            qualifier=rid.qualifier,
        ).data()
        refs = [r for t in tombstones for r in t["props"].get("retracted_chunk_refs") or []]
        owners = tx.run(
            "UNWIND $refs AS ref MATCH (c:Chunk {ref: ref}) RETURN collect(DISTINCT c.collection_id) AS c",
            refs=refs,
        ).single()["c"]
        if not tombstones or not set(map(str, owners)) & set(cols):
            raise EntityNotFound("no retracted relation like this in your collections")
        if set(map(str, owners)) - set(cols):
            raise OutsideScope("this relation is also supported by collections you do not administer")
        restored = _restore_tombstones(tx, tombstones)
        if not restored:
            raise CurationError("the relation cannot come back: its supporting passages or entities are gone")
        rel = _relation(tx, rid, cols)
        return Change(
            "restore_relation",
            rid.encode(),
            {"deleted": True},
            _relation_snapshot(rid, rel["props"]),
            f"restored {rid.head} -{rid.type}-> {rid.tail}",
        )

    return _execute(driver, work, "restore relation", config, database)


_DELETE_TOMBSTONE_OF = """
MATCH (h {key: $head})-[x:RETRACTED]->(t {key: $tail})
WHERE x.rel_type = $type AND coalesce(x.qualifier, '') = $qualifier AND x.with_entity IS NULL
DELETE x
"""


def edit_relation(
    driver: Any,
    rid: RelationId,
    collections: Sequence[object],
    *,
    actor: str,
    new_type: str | None = None,
    reverse: bool = False,
    config: WriteConfig | None = None,
    database: str | None = None,
) -> Change:
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
        _retract(
            tx, [rel["id"]], actor=actor, reason=reason, edited_type=target_type, edited_reversed=reverse
        )
        tx.run(
            _DELETE_TOMBSTONE_OF, head=head, tail=tail, type=target_type, qualifier=rid.qualifier
        ).consume()
        tx.run(
            _upsert_relations(target_type, outgoing=True),
            rows=[{"other": tail, "qualifier": rid.qualifier, "props": props}],
            target=head,
        ).consume()
        new = RelationId(head, target_type, tail, rid.qualifier)
        after = _relation(tx, new, cols)
        return Change(
            "edit_relation",
            rid.encode(),
            _relation_snapshot(rid, rel["props"]),
            {**_relation_snapshot(new, after["props"]), "id": new.encode()},
            f"changed {rid.head} -{rid.type}-> {rid.tail} to {head} -{target_type}-> {tail}",
        )

    return _execute(driver, work, "edit relation", config, database)
