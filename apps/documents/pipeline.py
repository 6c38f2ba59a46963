"""The ingest stages after "stored": parse, chunk, embed, index, graph.

Each stage reads what the previous one left in durable form (the parsed document as JSON in the
version's work directory, Passage rows, their vectors, the index) and reports progress through
``run.progress(done, total)``; ``run`` raises ClaimLost when the version was taken away.
A stage interrupted half-way is run again from its durable state: embeddings already stored are
not recomputed, and index writes are upserts by deterministic chunk ids.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from apps.documents import mapping as record_mappings
from apps.documents import storage
from apps.documents.graphsync import PassageInput
from apps.documents.models import DocumentVersion, Passage, Stage
from config import wiring

logger = logging.getLogger(__name__)

EMBED_BATCH = 32
INDEX_BATCH = 128


class Run(Protocol):
    resume_done: int

    def progress(self, done: int, total: int) -> None: ...

    def save(self, **fields: Any) -> None: ...


# --- parse ----------------------------------------------------------------------------------


def parse(version: DocumentVersion, run: Run) -> None:
    from retrieval.parse import parse_file
    from retrieval.sniff import sniff_file
    from retrieval.types import FileKind

    path = storage.absolute_path(version.file_path)
    if not version.kind:  # a retried upload that failed sniffing: sniff again, it fails the same way
        version.kind = sniff_file(path, name=version.original_name, config=wiring.parse_config()).value
        run.save(kind=version.kind)
    parsed = parse_file(
        path,
        name=version.original_name,
        kind=FileKind(version.kind),
        config=wiring.parse_config(),
        progress=run.progress,
    )
    _write_json(_parsed_path(version), _encode_parsed(parsed))
    version.page_count = parsed.metadata.page_count
    run.save(page_count=version.page_count)


def _parsed_path(version: DocumentVersion) -> Path:
    return storage.work_dir(version.pk) / "parsed.json"


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, default=_json_default), encoding="utf-8")
    os.replace(tmp, path)


def _json_default(value: object) -> object:
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    raise TypeError(f"cannot store {type(value).__name__} in the parsed document")


def _json_hook(obj: dict[str, Any]) -> object:
    if len(obj) == 1 and "$datetime" in obj:
        return dt.datetime.fromisoformat(obj["$datetime"])
    if len(obj) == 1 and "$date" in obj:
        return dt.date.fromisoformat(obj["$date"])
    return obj


def _encode_parsed(parsed: Any) -> dict[str, Any]:
    return {
        "metadata": dataclasses.asdict(parsed.metadata),
        "blocks": [dataclasses.asdict(b) for b in parsed.blocks],
    }


def load_parsed(version: DocumentVersion) -> Any:
    from retrieval.types import Block, BlockKind, DocumentMetadata, FileKind, ParsedDocument

    data = json.loads(_parsed_path(version).read_text(encoding="utf-8"), object_hook=_json_hook)
    meta = data["metadata"]
    metadata = DocumentMetadata(**{**meta, "kind": FileKind(meta["kind"])})
    blocks = []
    for b in data["blocks"]:
        rows = tuple(tuple(r) for r in b["rows"]) if b.get("rows") is not None else None
        blocks.append(
            Block(
                **{**b, "kind": BlockKind(b["kind"]), "heading_path": tuple(b["heading_path"]), "rows": rows}
            )
        )
    return ParsedDocument(blocks=blocks, metadata=metadata)


# --- chunk ----------------------------------------------------------------------------------


def chunk(version: DocumentVersion, run: Run) -> None:
    from django.db import transaction

    from retrieval.chunk import chunk_document

    chunks = chunk_document(
        load_parsed(version),
        document_version=str(version.pk),
        count_tokens=wiring.token_counter(),
        config=wiring.chunk_config(),
    )
    rows = [
        Passage(
            version=version,
            ordinal=c.ordinal,
            chunk_id=c.chunk_id,
            kind=str(c.kind),
            text=c.text,
            embed_text=c.embed_text,
            heading_path=list(c.heading_path),
            page_start=c.page_start,
            page_end=c.page_end,
            token_count=c.token_count,
            row_number=c.row_number,
            fields=c.fields,
            rows=[list(r) for r in c.rows] if c.rows else None,
        )
        for c in chunks
    ]
    with transaction.atomic():  # a re-run replaces the rows: chunk ids are deterministic
        Passage.objects.filter(version=version).delete()
        Passage.objects.bulk_create(rows, batch_size=500)
        version.chunk_count = len(rows)
        run.save(chunk_count=len(rows))
    run.progress(len(rows), len(rows))
    record_mappings.suggest_for_version(version, run)


# --- embed ----------------------------------------------------------------------------------


def embed(version: DocumentVersion, run: Run) -> None:
    total = version.chunk_count or 0
    todo = list(
        Passage.objects.filter(version=version, vector__isnull=True)
        .order_by("ordinal")
        .values_list("pk", "embed_text")
    )
    done = total - len(todo)
    run.progress(done, total)
    if not todo:
        return
    # batches of similar length pad less (sentence-transformers sorts by length only within a call)
    todo.sort(key=lambda row: len(row[1]))
    embedder = wiring.embedder()
    for start in range(0, len(todo), EMBED_BATCH):
        batch = todo[start : start + EMBED_BATCH]
        vectors = embedder.embed_documents([text for _, text in batch])
        Passage.objects.bulk_update(
            [
                Passage(pk=pk, vector=np.asarray(vec, dtype=np.float32).tobytes())
                for (pk, _), vec in zip(batch, vectors, strict=True)
            ],
            ["vector"],
        )
        done += len(batch)
        run.progress(done, total)


def _vector(raw: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(raw), dtype=np.float32)


# --- index ----------------------------------------------------------------------------------


def index(version: DocumentVersion, run: Run) -> None:
    from retrieval.index.base import SearchFilter

    passages = Passage.objects.filter(version=version).order_by("ordinal")
    total = version.chunk_count or 0
    if total == 0:
        _mark_indexed(version)
        return
    first = passages.values_list("vector", flat=True)[0]
    idx = wiring.vector_index()
    multilingual = wiring.multilingual_embedder()
    idx.ensure_collection(len(_vector(first)), ml_dim=multilingual.dim if multilingual else None)
    done = min(run.resume_done, total)
    for start in range(done, total, INDEX_BATCH):
        idx.upsert(_points(version, passages[start : start + INDEX_BATCH]))
        done = min(start + INDEX_BATCH, total)
        run.progress(done, total)
    scope = SearchFilter.build([version.document.collection_id], version_ids=[version.pk])
    stored = idx.count(scope)
    if stored != total:  # leftovers from an earlier chunking of this version: rewrite it whole
        logger.warning("version %s has %d points for %d passages; re-indexing it", version.pk, stored, total)
        idx.delete_by_filter(version_id=version.pk)
        for start in range(0, total, INDEX_BATCH):
            idx.upsert(_points(version, passages[start : start + INDEX_BATCH]))
    _mark_indexed(version)


def _mark_indexed(version: DocumentVersion) -> None:
    # update(), not save(): the running stage's own fields (progress, claim) stay as they are
    version.sparse_version = wiring.bm25_encoder().version
    DocumentVersion.objects.filter(pk=version.pk).update(sparse_version=version.sparse_version)


def _points(version: DocumentVersion, passages: Any) -> list[Any]:
    from retrieval.index.base import IndexPoint
    from retrieval.language import detect_language

    encoder = wiring.bm25_encoder()
    document = version.document
    passages = list(passages)
    # The multilingual vector is cheap (USE, ~150-450 passages/s) and is made here rather than
    # stored beside MiniLM's in SQL; a resumed index stage simply makes it again.
    multilingual = wiring.multilingual_embedder()
    vectors_ml = multilingual.embed_documents([p.embed_text for p in passages]) if multilingual else None
    return [
        IndexPoint(
            chunk_id=p.chunk_id,
            vector=_vector(p.vector),
            vector_ml=vectors_ml[i] if vectors_ml is not None else None,
            collection_id=document.collection_id,
            document_id=document.pk,
            version_id=version.pk,
            text=p.text,
            page=p.page_start,
            heading_path=tuple(p.heading_path),
            kind=p.kind,
            sparse=encoder.encode_document(p.embed_text, document.collection_id),
            extra={
                "ordinal": p.ordinal,
                "page_end": p.page_end,
                "title": document.title,
                "file_name": version.original_name,
                "row_number": p.row_number,
                "sparse_version": encoder.version,
                "lang": detect_language(p.text),
            },
        )
        for i, p in enumerate(passages)
    ]


# --- graph ----------------------------------------------------------------------------------


def graph(version: DocumentVersion, run: Run) -> None:
    document = version.document
    mapping, revision = record_mappings.for_graph_stage(version)
    passages = [
        PassageInput(
            chunk_id=p.chunk_id,
            text=p.text,
            kind=p.kind,
            heading_path=tuple(p.heading_path),
            page=p.page_start,
            rows=p.rows,
            fields=p.fields,
            record_mapping=mapping if p.fields else None,
        )
        for p in _graph_passages(version, by_row=mapping is not None)
    ]
    current = document.current_version_id
    supersedes = [str(current)] if current and current != version.pk else []
    entities = wiring.graph_sync().write_version(
        collection_id=str(document.collection_id),
        document_id=str(document.pk),
        version_id=str(version.pk),
        passages=passages,
        supersedes=supersedes,
        progress=run.progress,
    )
    version.entity_count = entities
    run.save(entity_count=entities)
    if mapping is not None:
        record_mappings.mark_applied(version.pk, revision)


def _graph_passages(version: DocumentVersion, *, by_row: bool) -> list[Passage]:
    """With a record mapping, a record split over several chunks is one work order: its first piece."""
    passages = list(Passage.objects.filter(version=version).order_by("ordinal"))
    if not by_row:
        return passages
    seen: set[int] = set()
    kept = []
    for p in passages:
        if p.fields and p.row_number is not None:
            if p.row_number in seen:
                continue
            seen.add(p.row_number)
        kept.append(p)
    return kept


STAGES: dict[str, Callable[[DocumentVersion, Run], None]] = {
    Stage.PARSED: parse,
    Stage.CHUNKED: chunk,
    Stage.EMBEDDED: embed,
    Stage.INDEXED: index,
    Stage.GRAPH: graph,
}
