"""The graph stage of an ingest, over graph/: extract facts from a version's passages, resolve them
against the graph, and replace the version's contributions in Neo4j in one transaction.

This is the one seam between the upload workflow and Neo4j; unit tests swap in an in-memory
stand-in through ``config.wiring.graph_sync``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

logger = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]
EXTRACT_BATCH = 64


@dataclass(frozen=True)
class PassageInput:
    chunk_id: str
    text: str
    kind: str
    heading_path: tuple[str, ...]
    page: int | None
    rows: list[list[str]] | None
    fields: dict[str, object] | None
    # The import's graph.records.RecordMapping for record passages (the same on every passage of a
    # version); None lets the extractor infer one from the column names.
    record_mapping: Any = None


class GraphSync(Protocol):
    def write_version(
        self,
        *,
        collection_id: str,
        document_id: str,
        version_id: str,
        passages: Sequence[PassageInput],
        supersedes: Sequence[str],
        progress: ProgressFn,
    ) -> int:
        """Replace the version's facts (and those of ``supersedes``); returns the entity count."""

    def delete_version(self, version_id: str) -> None:
        """Remove one version's support of every fact."""

    def delete_document(self, document_id: str) -> None:
        """Remove a document's support of every fact and the facts nothing else supports."""


class Neo4jGraphSync:
    def __init__(self, driver: Any, extractor: Any, resolver_config: Any = None) -> None:
        self.driver = driver
        self.extractor = extractor
        self.resolver_config = resolver_config
        self._has_schema = False

    def write_version(
        self,
        *,
        collection_id: str,
        document_id: str,
        version_id: str,
        passages: Sequence[PassageInput],
        supersedes: Sequence[str],
        progress: ProgressFn,
    ) -> int:
        from graph.facts import ChunkInput, VersionFacts
        from graph.resolve import Neo4jCandidates, Resolver
        from graph.write import replace_version

        self._ensure_schema()
        chunks = [
            ChunkInput(
                chunk_id=p.chunk_id,
                collection_id=collection_id,
                document_id=document_id,
                version_id=version_id,
                text=p.text,
                kind=p.kind,
                heading_path=p.heading_path,
                page=p.page,
                table_rows=p.rows,
                record=p.fields,
            )
            for p in passages
        ]
        facts = VersionFacts(collection_id, document_id, version_id)
        total = len(chunks) + 1  # the last step is the write itself
        mapping = next((p.record_mapping for p in passages if p.record_mapping is not None), None)
        options = {"record_mapping": mapping} if mapping is not None else {}
        for start in range(0, len(chunks), EXTRACT_BATCH):
            facts.chunks.extend(self.extractor.extract_many(chunks[start : start + EXTRACT_BATCH], **options))
            progress(min(start + EXTRACT_BATCH, len(chunks)), total)
        resolver = Resolver(self.resolver_config, candidates=Neo4jCandidates(self.driver))
        resolved, _ = resolver.resolve(facts)
        summary = replace_version(self.driver, resolved, supersedes=list(supersedes))
        progress(total, total)
        return summary.entities

    def delete_version(self, version_id: str) -> None:
        from graph.write import delete_version

        delete_version(self.driver, version_id)

    def delete_document(self, document_id: str) -> None:
        from graph.write import delete_document

        delete_document(self.driver, document_id)

    def _ensure_schema(self) -> None:
        if not self._has_schema:
            from graph.schema import ensure_schema

            ensure_schema(self.driver)
            self._has_schema = True
