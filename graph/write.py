"""Provenance-preserving writes: every entity and relation lists the chunks that support it.

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


@dataclass
class _Rows:
    chunks: list[dict[str, Any]]
    entities: dict[str, list[dict[str, Any]]]
    mentions: list[dict[str, Any]]
    relations: dict[str, list[dict[str, Any]]]
    skipped: int


def _batches(rows: Sequence[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield list(rows[start : start + size])


def _scalar_props(props: dict[str, object]) -> dict[str, object]:
    """Keep only values Neo4j can store as properties; reserved names are dropped."""
    reserved = {"key", "name", "norm", "type", "aliases", "aliases_text", "chunk_refs", "qualifier"}
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
            qualifier = str(r.properties.get("order", "")) if r.type == "HAS_STEP" else ""
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


def _unsupport(tx: Any, refs: list[str]) -> list[str]:
    """Remove the chunks ``refs`` as support; return the keys of the entities they mentioned."""
    if not refs:
        return []
    keys = tx.run(cypher.UNSUPPORT, refs=refs).single()["keys"]
    tx.run(cypher.DELETE_CHUNKS, refs=refs).consume()
    return list(keys)


def _prune(tx: Any, keys: list[str]) -> tuple[int, int]:
    """Delete relations and entities among ``keys`` that no chunk supports any more."""
    if not keys:
        return 0, 0
    removed_rel = tx.run(cypher.PRUNE_RELATIONS, keys=keys).single()["deleted"]
    removed_ent = tx.run(cypher.DELETE_ORPHANS, keys=keys).single()["deleted"]
    return int(removed_rel), int(removed_ent)


def _write_rows(tx: Any, facts: VersionFacts, rows: _Rows, batch_size: int) -> None:
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
    for rel_type, relation_rows in sorted(rows.relations.items()):
        for batch in _batches(relation_rows, batch_size):
            tx.run(cypher.upsert_relations(rel_type), rows=batch).consume()


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

    def work(tx: Any) -> tuple[int, int]:
        refs = tx.run(cypher.VERSION_REFS, version_ids=version_ids).single()["refs"]
        touched = _unsupport(tx, refs)
        _write_rows(tx, facts, rows, cfg.batch_size)
        removed = _prune(tx, touched)
        if _before_commit is not None:
            _before_commit(tx)
        return removed

    removed_rel, removed_ent = _execute_write(
        driver, work, cfg, database, f"replace_version {facts.version_id}"
    )
    summary = WriteSummary(
        len(rows.chunks),
        sum(len(v) for v in rows.entities.values()),
        len(rows.mentions),
        sum(len(v) for v in rows.relations.values()),
        removed_rel,
        removed_ent,
        rows.skipped,
    )
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

    def work(tx: Any) -> tuple[int, int]:
        refs = tx.run(cypher.VERSION_REFS, version_ids=[version_id]).single()["refs"]
        return _prune(tx, _unsupport(tx, refs))

    removed_rel, removed_ent = _execute_write(driver, work, cfg, database, f"delete_version {version_id}")
    return WriteSummary(0, 0, 0, 0, removed_rel, removed_ent)


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

    def work(tx: Any) -> tuple[int, int]:
        refs = tx.run(cypher.DOCUMENT_REFS, document_id=document_id).single()["refs"]
        removed = _prune(tx, _unsupport(tx, refs))
        tx.run(cypher.DELETE_EMPTY_DOCUMENT, document_id=document_id).consume()
        return removed

    removed_rel, removed_ent = _execute_write(driver, work, cfg, database, f"delete_document {document_id}")
    logger.info(
        "graph document %s deleted: %d relations, %d entities removed", document_id, removed_rel, removed_ent
    )
    return WriteSummary(0, 0, 0, 0, removed_rel, removed_ent)


def _execute_write(
    driver: Any, work: Callable[[Any], Any], cfg: WriteConfig, database: str | None, what: str
) -> Any:
    import neo4j

    with translate_errors(GraphWriteError, what), open_session(driver, database) as session:
        return session.execute_write(neo4j.unit_of_work(timeout=cfg.timeout_s)(work))
