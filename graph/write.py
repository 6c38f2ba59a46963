"""Provenance-preserving writes: every entity and relation lists the chunks that support it.

Admin curation (graph.curate) survives re-ingesting: inside the same transaction the writer looks
up the keys it is about to write (:data:`graph.cypher.CURATED_BY_KEY`) and

* writes a merged-away key's facts under the kept entity (its name stays an alias; the mention
  records ``origin`` so a split can move it back);
* records a soft-deleted entity's new support on its ``:DeletedEntity`` tombstone (chunk_refs,
  aliases, MENTIONED_IN) instead of re-creating an ``:Entity``; relations stated about it go to
  ``RETRACTED`` tombstones;
* adds a retracted relation's new support to its ``RETRACTED`` tombstone instead of re-creating it.

Tombstones lose support with their chunks like live facts and are pruned when nothing states them.

All functions take an injected ``neo4j.Driver``. :func:`replace_version` runs in ONE managed
transaction: the old contributions are removed and the new ones written together, so a failure
leaves the graph exactly as it was. The driver retries the transaction on transient errors; what
still fails surfaces as :class:`GraphUnavailable` (retry the job) or :class:`GraphWriteError`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from graph import cypher
from graph._neo4j_errors import open_session, translate_errors
from graph.config import WriteConfig
from graph.errors import GraphWriteError
from graph.facts import Mention, VersionFacts, chunk_ref
from graph.resolve import CuratedKey, follow_curation
from graph.schema import ENTITY_LABELS, RELATION_TYPES

logger = logging.getLogger(__name__)

_SCALARS = (str, int, float, bool)


@dataclass(frozen=True)
class WriteSummary:
    """Counts from one write, for job progress and benchmarks."""

    chunks: int
    entities: int
    mentions: int
    relations: int
    removed_relations: int = 0
    removed_entities: int = 0
    skipped_relations: int = 0
    #: mention keys written under the entity an admin merged them into
    redirected_entities: int = 0
    #: entities an admin deleted that this version states again (support kept on the tombstone)
    deleted_entities_stated: int = 0
    #: relation rows kept out of the live graph (retracted, or about a deleted entity)
    retracted_relations_stated: int = 0
    #: tombstones (retracted relations, deleted entities) pruned because nothing states them
    removed_tombstones: int = 0


@dataclass
class _Rows:
    chunks: list[dict[str, Any]]
    entities: dict[str, list[dict[str, Any]]]
    mentions: list[dict[str, Any]]
    relations: dict[str, list[dict[str, Any]]]
    skipped: int


@dataclass
class _Tombstones:
    """Rows that go to curation tombstones instead of the live graph."""

    entities: list[dict[str, Any]]
    mentions: list[dict[str, Any]]
    relations: dict[str, list[dict[str, Any]]]
    redirected: int = 0

    def __bool__(self) -> bool:
        return bool(self.entities or self.mentions or self.relations)


def _batches(rows: Sequence[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield list(rows[start : start + size])


def _scalar_props(props: dict[str, object]) -> dict[str, object]:
    """Keep only values Neo4j can store as properties; reserved names are dropped."""
    reserved = {"key", "name", "norm", "type", "aliases", "aliases_text", "chunk_refs", "qualifier"}
    reserved.add("removed_aliases")  # an admin's decision (graph.curate.edit_entity)
    return {k: v for k, v in props.items() if k not in reserved and isinstance(v, _SCALARS)}


def _entity_rows(facts: VersionFacts) -> dict[str, list[dict[str, Any]]]:
    merged: dict[str, dict[str, Any]] = {}
    for chunk in facts.chunks:
        ref = chunk_ref(facts.version_id, chunk.chunk.chunk_id)
        for m in chunk.mentions:
            row = merged.setdefault(
                m.key,
                {
                    "key": m.key,
                    "label": m.label,
                    "name": m.name,
                    "norm": m.norm,
                    "aliases": [],
                    "chunk_refs": [],
                    "props": {},
                },
            )
            for alias in (m.name, m.surface):
                if alias not in row["aliases"]:
                    row["aliases"].append(alias)
            if ref not in row["chunk_refs"]:
                row["chunk_refs"].append(ref)
            row["props"].update(_scalar_props(m.properties))
    by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in merged.values():
        if row["label"] not in ENTITY_LABELS:
            raise GraphWriteError(f"unknown entity label {row['label']!r} for {row['key']!r}")
        by_label[row.pop("label")].append(row)
    return by_label


def _mention_rows(facts: VersionFacts) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for chunk in facts.chunks:
        ref = chunk_ref(facts.version_id, chunk.chunk.chunk_id)
        for m in chunk.mentions:
            rows.setdefault(
                (m.key, ref, _surface_norm(m)),
                {
                    "key": m.key,
                    "ref": ref,
                    "norm": _surface_norm(m),
                    "surface": m.surface,
                    "source": m.source,
                    "start": m.start,
                    "end": m.end,
                },
            )
    return list(rows.values())


def _surface_norm(mention: Mention) -> str:
    """Norm stored on MENTIONED_IN: how this chunk wrote the entity (used by ACL-safe linking)."""
    from graph.normalize import normalize_name

    return normalize_name(mention.label, mention.surface) or mention.norm


# A step's order tells the steps of one procedure apart, a date the occurrences of one asset's problem.
_QUALIFIER_PROPERTY = {"HAS_STEP": "order", "HAD": "date"}


def _relation_rows(facts: VersionFacts) -> tuple[dict[str, list[dict[str, Any]]], int]:
    merged: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    skipped = 0
    for chunk in facts.chunks:
        ref = chunk_ref(facts.version_id, chunk.chunk.chunk_id)
        mentioned = {m.key for m in chunk.mentions}
        for r in chunk.relations:
            if r.type not in RELATION_TYPES:
                raise GraphWriteError(f"unknown relation type {r.type!r}")
            if r.head not in mentioned or r.tail not in mentioned or r.head == r.tail:
                skipped += 1  # provenance invariant: both ends are mentioned in the supporting chunk
                continue
            qualifier = str(r.properties.get(_QUALIFIER_PROPERTY.get(r.type, ""), ""))
            row = merged.setdefault(
                (r.type, r.head, r.tail, qualifier),
                {
                    "head": r.head,
                    "tail": r.tail,
                    "qualifier": qualifier,
                    "chunk_refs": [],
                    "sources": [],
                    "props": {},
                },
            )
            if ref not in row["chunk_refs"]:
                row["chunk_refs"].append(ref)
            if r.source not in row["sources"]:
                row["sources"].append(r.source)
            row["props"].update(_scalar_props(r.properties))
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (rel_type, *_), row in merged.items():
        by_type[rel_type].append(row)
    if skipped:
        logger.warning(
            "version %s: skipped %d relations whose ends are not mentioned in their chunk",
            facts.version_id,
            skipped,
        )
    return by_type, skipped


def _chunk_rows(facts: VersionFacts) -> list[dict[str, Any]]:
    return [
        {
            "ref": chunk_ref(facts.version_id, c.chunk.chunk_id),
            "chunk_id": c.chunk.chunk_id,
            "collection_id": facts.collection_id,
            "document_id": facts.document_id,
            "version_id": facts.version_id,
            "page": c.chunk.page,
            "heading_path": list(c.chunk.heading_path),
            "kind": c.chunk.kind,
        }
        for c in facts.chunks
    ]


def prepare_rows(facts: VersionFacts) -> _Rows:
    """Turn facts into the parameter rows of the UNWIND statements (no I/O).

    Args:
        facts: resolved facts of one version.

    Returns:
        Rows per statement.
    """
    relations, skipped = _relation_rows(facts)
    return _Rows(_chunk_rows(facts), _entity_rows(facts), _mention_rows(facts), relations, skipped)


def _entity_keys(rows: _Rows) -> list[str]:
    return [row["key"] for group in rows.entities.values() for row in group]


def apply_curation(rows: _Rows, curated: dict[str, CuratedKey]) -> tuple[_Rows, _Tombstones]:
    """Route rows around admin curation (no I/O).

    Args:
        rows: rows from :func:`prepare_rows`.
        curated: :func:`graph.resolve.follow_curation` of the rows' entity keys.

    Returns:
        The rows for the live graph (merged-away keys rewritten to the kept key, rows that became
        duplicates combined, relations that became self-loops dropped, nothing touching a deleted
        entity) and the rows for tombstones (deleted entities' support and mentions; relations
        with a deleted end). Retracted relations between live entities stay in the live rows: the
        Cypher checks the tombstone (:func:`graph.cypher.upsert_relations`).
    """
    target = {k: c.target for k, c in curated.items() if c.target != k}
    deleted = {c.target: c.node_id for c in curated.values() if c.status == "deleted"}
    if not target and not deleted:
        return rows, _Tombstones([], [], {})

    live_entities, dead_entities, redirected = _route_entities(rows, target, deleted)
    live_mentions, dead_mentions = _route_mentions(rows, target, deleted)
    live_relations, dead_relations = _route_relations(rows, target, deleted)
    live = _Rows(
        rows.chunks,
        {label: list(group.values()) for label, group in live_entities.items() if group},
        live_mentions,
        {t: list(group.values()) for t, group in live_relations.items() if group},
        rows.skipped,
    )
    dead = _Tombstones(
        dead_entities,
        dead_mentions,
        {t: list(group.values()) for t, group in dead_relations.items() if group},
        redirected,
    )
    return live, dead


def _route_entities(
    rows: _Rows, target: dict[str, str], deleted: dict[str, str]
) -> tuple[dict[str, dict[str, dict[str, Any]]], list[dict[str, Any]], int]:
    """Entity rows under their kept key (combined when a merge made two one), or a deleted one's support."""
    live: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    dead: dict[str, dict[str, Any]] = {}
    redirected = 0
    for label, group in rows.entities.items():
        for row in group:
            key = target.get(row["key"], row["key"])
            redirected += key != row["key"]
            if key in deleted:
                into = dead.setdefault(key, {"id": deleted[key], "key": key, "aliases": [], "chunk_refs": []})
            elif key in live[label]:
                into = live[label][key]
                into["props"].update(row["props"])
            else:
                into = live[label][key] = {
                    **row,
                    "key": key,
                    "norm": key.split(":", 1)[1],
                    "aliases": [],
                    "chunk_refs": [],
                    "props": dict(row["props"]),
                }
            for alias in (row["name"], *row["aliases"]):
                if alias not in into["aliases"]:
                    into["aliases"].append(alias)
            into["chunk_refs"] += [r for r in row["chunk_refs"] if r not in into["chunk_refs"]]
    return live, list(dead.values()), redirected


def _route_mentions(
    rows: _Rows, target: dict[str, str], deleted: dict[str, str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Mentions of the kept key (remembering the merged-away ``origin``), or of a deleted entity."""
    live: dict[tuple[str, str, str], dict[str, Any]] = {}
    dead: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows.mentions:
        key = target.get(row["key"], row["key"])
        new = {**row, "key": key}
        if key != row["key"]:
            new["origin"] = row["key"]
        if key in deleted:
            new["id"] = deleted[key]
            dead.setdefault((key, row["ref"], row["norm"]), new)
        else:
            live.setdefault((key, row["ref"], row["norm"]), new)
    return list(live.values()), list(dead.values())


_RelationGroups = dict[str, dict[tuple[str, str, str], dict[str, Any]]]


def _route_relations(
    rows: _Rows, target: dict[str, str], deleted: dict[str, str]
) -> tuple[_RelationGroups, _RelationGroups]:
    """Relations between kept keys (self-loops a merge made are dropped), or with a deleted end."""
    live: _RelationGroups = defaultdict(dict)
    dead: _RelationGroups = defaultdict(dict)
    for rel_type, group in rows.relations.items():
        for row in group:
            head = target.get(row["head"], row["head"])
            tail = target.get(row["tail"], row["tail"])
            if head == tail:
                continue  # the merge made it a self-loop (graph.curate drops those too)
            if head in deleted or tail in deleted:
                bucket = dead[rel_type]
                extra = {
                    "head_id": deleted.get(head),
                    "tail_id": deleted.get(tail),
                    "with_entity": head if head in deleted else tail,
                }
            else:
                bucket, extra = live[rel_type], {}
            into = bucket.get((head, tail, row["qualifier"]))
            if into is None:
                bucket[(head, tail, row["qualifier"])] = {
                    **row,
                    "head": head,
                    "tail": tail,
                    "chunk_refs": list(row["chunk_refs"]),
                    "sources": list(row["sources"]),
                    "props": dict(row["props"]),
                    **extra,
                }
                continue
            into["chunk_refs"] += [r for r in row["chunk_refs"] if r not in into["chunk_refs"]]
            into["sources"] += [x for x in row["sources"] if x not in into["sources"]]
            into["props"].update(row["props"])
    return live, dead


@dataclass
class _Touched:
    """What removing support touched: live entity keys and tombstone element ids."""

    keys: list[str]
    deleted_entity_ids: list[str]
    retracted_ids: list[str]


def _unsupport(tx: Any, refs: list[str]) -> _Touched:
    """Remove the chunks ``refs`` as support (of live facts and of tombstones)."""
    if not refs:
        return _Touched([], [], [])
    keys = tx.run(cypher.UNSUPPORT, refs=refs).single()["keys"]
    tomb = tx.run(cypher.UNSUPPORT_TOMBSTONES, refs=refs).single()
    tx.run(cypher.DELETE_CHUNKS, refs=refs).consume()
    return _Touched(list(keys), list(tomb["entity_ids"]), list(tomb["relation_ids"]))


def _prune(tx: Any, touched: _Touched) -> tuple[int, int, int]:
    """Delete relations, entities and tombstones among ``touched`` that no chunk supports any more.

    Returns:
        Removed live relations, live entities, tombstones.
    """
    removed_rel = removed_tomb = 0
    gone: list[str] = []
    # Tombstones first: pruning a live entity detaches (and so deletes) tombstones on it uncounted.
    if touched.retracted_ids:
        removed_tomb += int(tx.run(cypher.PRUNE_RETRACTED, ids=touched.retracted_ids).single()["deleted"])
    if touched.deleted_entity_ids:
        gone = list(tx.run(cypher.PRUNE_DELETED_ENTITIES, ids=touched.deleted_entity_ids).single()["keys"])
        removed_tomb += len(gone)
    removed_ent = 0
    if touched.keys:
        removed_rel = int(tx.run(cypher.PRUNE_RELATIONS, keys=touched.keys).single()["deleted"])
        orphans = list(tx.run(cypher.DELETE_ORPHANS, keys=touched.keys).single()["keys"])
        removed_ent = len(orphans)
        gone += orphans
    if gone:
        removed_tomb += int(tx.run(cypher.PRUNE_MERGED, keys=gone).single()["deleted"])
    return removed_rel, removed_ent, removed_tomb


def _curate_rows(tx: Any, rows: _Rows, batch_size: int) -> tuple[_Rows, _Tombstones]:
    """Look up the rows' keys (inside ``tx``) and route them around admin curation."""

    def fetch(keys: list[str]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for start in range(0, len(keys), batch_size):
            out += tx.run(cypher.CURATED_BY_KEY, keys=keys[start : start + batch_size]).data()
        return out

    keys = _entity_keys(rows)
    if not keys:
        return rows, _Tombstones([], [], {})
    return apply_curation(rows, follow_curation(keys, fetch))


def _write_tombstones(tx: Any, dead: _Tombstones, batch_size: int) -> None:
    for batch in _batches(dead.entities, batch_size):
        tx.run(cypher.RECORD_DELETED_ENTITIES, rows=batch).consume()
    for batch in _batches(dead.mentions, batch_size):
        tx.run(cypher.RECORD_DELETED_MENTIONS, rows=batch).consume()
    for rel_type, relation_rows in sorted(dead.relations.items()):
        for batch in _batches(relation_rows, batch_size):
            tx.run(cypher.record_relations_of_deleted(rel_type), rows=batch).consume()


def _write_rows(tx: Any, facts: VersionFacts, rows: _Rows, batch_size: int) -> int:
    tx.run(
        cypher.UPSERT_DOCUMENT,
        document_id=facts.document_id,
        collection_id=facts.collection_id,
        version_id=facts.version_id,
    ).consume()
    for batch in _batches(rows.chunks, batch_size):
        tx.run(cypher.UPSERT_CHUNKS, rows=batch).consume()
    for label, entity_rows in sorted(rows.entities.items()):
        for batch in _batches(entity_rows, batch_size):
            tx.run(cypher.upsert_entities(label), rows=batch).consume()
    for batch in _batches(rows.mentions, batch_size):
        tx.run(cypher.UPSERT_MENTIONS, rows=batch).consume()
    retracted = 0
    pending = rows.relations
    # An edited relation's tombstone forwards the support to the edited one; an edit of an edit
    # forwards again, at most once per relation type (edit_relation keeps the chain acyclic).
    for _ in range(len(RELATION_TYPES) + 1):
        forwarded: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for rel_type, relation_rows in sorted(pending.items()):
            for batch in _batches(relation_rows, batch_size):
                # Support for a retracted relation goes to its tombstone; the upsert skips those rows.
                retracted += int(tx.run(cypher.record_retracted(rel_type), rows=batch).single()["n"])
                tx.run(cypher.upsert_relations(rel_type), rows=batch).consume()
                for row in tx.run(cypher.edited_forwards(rel_type), rows=batch).data():
                    forwarded[row.pop("type")].append(row)
        if not forwarded:
            break
        pending = forwarded
    return retracted


def replace_version(
    driver: Any,
    facts: VersionFacts,
    *,
    supersedes: Sequence[str] = (),
    config: WriteConfig | None = None,
    database: str | None = None,
    _before_commit: Callable[[Any], None] | None = None,
) -> WriteSummary:
    """Replace the graph contributions of one document version, atomically.

    Removes the support of ``facts.version_id`` and of every version in ``supersedes`` (an
    older version of the same document), deletes facts left without support, then writes
    ``facts`` — all in one transaction. Re-running with the same facts is a no-op in effect.

    Args:
        driver: a ``neo4j.Driver``.
        facts: resolved facts of the version (may hold zero chunks: removes the version).
        supersedes: version ids whose contributions are removed as well.
        config: batch size and timeout.
        database: database name; None uses the default.
        _before_commit: test seam called with the transaction after all writes.

    Returns:
        Counts of what was written and removed.

    Raises:
        GraphUnavailable: Neo4j unavailable or a transient error persisted (retry the job).
        GraphWriteError: Neo4j rejected the write.
    """
    cfg = config or WriteConfig()
    rows = prepare_rows(facts)
    version_ids = list(dict.fromkeys([facts.version_id, *supersedes]))

    def work(tx: Any) -> WriteSummary:
        refs = tx.run(cypher.VERSION_REFS, version_ids=version_ids).single()["refs"]
        touched = _unsupport(tx, refs)
        live, dead = _curate_rows(tx, rows, cfg.batch_size)
        retracted = _write_rows(tx, facts, live, cfg.batch_size)
        _write_tombstones(tx, dead, cfg.batch_size)
        removed_rel, removed_ent, removed_tomb = _prune(tx, touched)
        if _before_commit is not None:
            _before_commit(tx)
        return WriteSummary(
            len(live.chunks),
            sum(len(v) for v in live.entities.values()),
            len(live.mentions),
            sum(len(v) for v in live.relations.values()) - retracted,
            removed_rel,
            removed_ent,
            rows.skipped,
            dead.redirected,
            len(dead.entities),
            retracted + sum(len(v) for v in dead.relations.values()),
            removed_tomb,
        )

    summary: WriteSummary = _execute_write(driver, work, cfg, database, f"replace_version {facts.version_id}")
    logger.info("graph version %s written: %s", facts.version_id, summary)
    return summary


def delete_version(
    driver: Any, version_id: str, *, config: WriteConfig | None = None, database: str | None = None
) -> WriteSummary:
    """Remove one version's contributions; facts other chunks support stay.

    Args:
        driver: a ``neo4j.Driver``.
        version_id: the version to remove.
        config: timeout.
        database: database name.

    Returns:
        Counts of removed relations and entities.
    """
    cfg = config or WriteConfig()

    def work(tx: Any) -> tuple[int, int, int]:
        refs = tx.run(cypher.VERSION_REFS, version_ids=[version_id]).single()["refs"]
        return _prune(tx, _unsupport(tx, refs))

    removed_rel, removed_ent, removed_tomb = _execute_write(
        driver, work, cfg, database, f"delete_version {version_id}"
    )
    return WriteSummary(0, 0, 0, 0, removed_rel, removed_ent, removed_tombstones=removed_tomb)


def delete_document(
    driver: Any, document_id: str, *, config: WriteConfig | None = None, database: str | None = None
) -> WriteSummary:
    """Remove a document: its chunks, its support of every fact, and facts nothing else supports.

    Args:
        driver: a ``neo4j.Driver``.
        document_id: the document.
        config: timeout.
        database: database name.

    Returns:
        Counts of removed relations and entities.

    Raises:
        GraphUnavailable: transient failure (retry).
        GraphWriteError: Neo4j rejected the change.
    """
    cfg = config or WriteConfig()

    def work(tx: Any) -> tuple[int, int, int]:
        refs = tx.run(cypher.DOCUMENT_REFS, document_id=document_id).single()["refs"]
        removed = _prune(tx, _unsupport(tx, refs))
        tx.run(cypher.DELETE_EMPTY_DOCUMENT, document_id=document_id).consume()
        return removed

    removed_rel, removed_ent, removed_tomb = _execute_write(
        driver, work, cfg, database, f"delete_document {document_id}"
    )
    logger.info(
        "graph document %s deleted: %d relations, %d entities removed", document_id, removed_rel, removed_ent
    )
    return WriteSummary(0, 0, 0, 0, removed_rel, removed_ent, removed_tombstones=removed_tomb)


def _execute_write(
    driver: Any, work: Callable[[Any], Any], cfg: WriteConfig, database: str | None, what: str
) -> Any:
    import neo4j

    with translate_errors(GraphWriteError, what), open_session(driver, database) as session:
        return session.execute_write(neo4j.unit_of_work(timeout=cfg.timeout_s)(work))
