"""Data shared along the ingest pipeline: parse -> chunk -> embed/index -> graph extraction.

A parser turns a file into a ``ParsedDocument``: an ordered list of ``Block`` objects, each knowing
its heading path and page. The chunker turns blocks into ``Chunk`` objects with deterministic ids,
which are what the index stores and what citations point at.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: A typed record value: what a CSV/XLSX cell becomes after type inference.
FieldValue = int | float | dt.date | dt.datetime | str | None

#: Namespace of the UUIDv5 chunk ids (fixed forever: changing it changes every chunk id).
CHUNK_ID_NAMESPACE = uuid.UUID("6b1f4c4e-8a53-5b5e-9a36-6b656e6e696e")


class FileKind(enum.StrEnum):
    """The real type of an uploaded file, as sniffed from its content."""

    PDF = "pdf"
    DOCX = "docx"
    XLSX = "xlsx"
    HTML = "html"
    MARKDOWN = "markdown"
    TEXT = "text"
    CSV = "csv"

    @property
    def is_records(self) -> bool:
        """True for record exports (one record per row)."""
        return self in (FileKind.CSV, FileKind.XLSX)


class BlockKind(enum.StrEnum):
    """What a block of a parsed document is."""

    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    TABLE = "table"
    PROCEDURE = "procedure"
    RECORD = "record"
    CODE = "code"


@dataclass(frozen=True)
class Block:
    """One structural unit of a document, in reading order.

    Attributes:
        kind: what the block is.
        text: the block's plain text. Tables: rows joined by newlines, cells by `` | ``.
            Procedures: one numbered step per line. Records: ``name: value`` pairs joined by ``; ``.
        heading_path: titles of the enclosing sections, outermost first. A heading block's path
            ends with its own title.
        page: 1-based page number where the format has pages (PDF; form feeds in text), else None.
        order: 0-based position of the block in the document.
        level: heading level (1 = top) for headings, else 0.
        rows: table cells, header row first (tables only).
        fields: typed values by column name (records only).
        row_number: 1-based row in the sheet or CSV file the record came from (records only).
    """

    kind: BlockKind
    text: str
    heading_path: tuple[str, ...] = ()
    page: int | None = None
    order: int = 0
    level: int = 0
    rows: tuple[tuple[str, ...], ...] | None = None
    fields: dict[str, FieldValue] | None = None
    row_number: int | None = None


@dataclass(frozen=True)
class DocumentMetadata:
    """Facts about a parsed document as a whole.

    Attributes:
        title: the document's title (from the file's own metadata or first heading, else the name).
        kind: the sniffed file type.
        page_count: pages (PDF) or None.
        encoding: detected text encoding for text formats, else None.
        columns: record column names and their inferred types (``int``, ``float``, ``date``,
            ``datetime``, ``str``) for record files, else None.
        extra: format-specific facts (e.g. ``delimiter``, ``sheet``, ``pdf_producer``).
    """

    title: str
    kind: FileKind
    page_count: int | None = None
    encoding: str | None = None
    columns: dict[str, str] | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ParsedDocument:
    """A document turned into ordered blocks."""

    blocks: list[Block]
    metadata: DocumentMetadata


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage: what is embedded, indexed, cited and linked to graph facts.

    Attributes:
        chunk_id: UUIDv5 string derived from ``(document_version, ordinal)``: the same version
            chunked again gets the same ids (idempotent upserts); a new version gets new ones.
        document_version: the id of the document version the chunk belongs to.
        ordinal: 0-based position of the chunk in the document version.
        text: the passage itself (what a citation shows). Split tables repeat their header row.
        embed_text: ``text`` preceded by the heading path line; what is embedded and counted.
        kind: the kind of the block(s) it came from (``paragraph`` for merged prose/list items).
        heading_path: section path, never empty (falls back to the document title).
        page_start / page_end: first and last page covered, None where the format has no pages.
        token_count: tokens of ``embed_text`` by the counter the chunker was given.
        rows: table cells of this piece, header row first (table chunks only).
        fields: typed record values (record chunks only).
        row_number: source row of a record chunk.
        part: 1-based piece number when one block was split, else None.
        parts: number of pieces the block was split into, else None.
    """

    chunk_id: str
    document_version: str
    ordinal: int
    text: str
    embed_text: str
    kind: BlockKind
    heading_path: tuple[str, ...]
    page_start: int | None
    page_end: int | None
    token_count: int
    rows: tuple[tuple[str, ...], ...] | None = None
    fields: dict[str, FieldValue] | None = None
    row_number: int | None = None
    part: int | None = None
    parts: int | None = None


def neighbour_chunk_id(payload: Mapping[str, Any], offset: int) -> str | None:
    """The id of the chunk ``offset`` places from the one an index payload describes.

    Args:
        payload: an indexed passage's payload (its ``version_id`` and ``ordinal``).
        offset: how far, in chunks of the same version (negative: before it).

    Returns:
        That chunk's id (it may not exist), or None when the payload lacks its place or the
        offset falls before the first chunk.
    """
    ordinal, version = payload.get("ordinal"), payload.get("version_id")
    if ordinal is None or not version or int(ordinal) + offset < 0:
        return None
    return make_chunk_id(str(version), int(ordinal) + offset)


def make_chunk_id(document_version: str, ordinal: int) -> str:
    """Derive the stable id of a chunk.

    Args:
        document_version: id of the document version (any string, e.g. the SQL primary key).
        ordinal: 0-based position of the chunk in that version.

    Returns:
        A UUID string (valid as a Qdrant point id), equal for equal inputs.
    """
    return str(uuid.uuid5(CHUNK_ID_NAMESPACE, f"{document_version}:{ordinal}"))
