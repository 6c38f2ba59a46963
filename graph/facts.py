"""Data passed between extraction, resolution, writes and queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

ChunkKind = Literal["paragraph", "table", "procedure", "record", "list_item", "heading"]


@dataclass(frozen=True)
class ChunkInput:
    """One retrieval chunk as handed over by the ingestion pipeline.

    ``chunk_id`` is unique within its document version; the graph identifies a chunk by
    ``(version_id, chunk_id)`` (see :attr:`ref`).
    """

    chunk_id: str
    collection_id: str
    document_id: str
    version_id: str
    text: str
    kind: str = "paragraph"
    heading_path: tuple[str, ...] = ()
    page: int | None = None
    table_rows: list[list[str]] | None = None
    record: dict[str, object] | None = None

    @property
    def ref(self) -> str:
        """Globally unique chunk reference stored in provenance lists."""
        return chunk_ref(self.version_id, self.chunk_id)


def chunk_ref(version_id: str, chunk_id: str) -> str:
    """Return the provenance reference of a chunk.

    Args:
        version_id: document version id.
        chunk_id: chunk id, unique within that version.

    Returns:
        ``"<version_id>/<chunk_id>"``.
    """
    return f"{version_id}/{chunk_id}"


@dataclass(frozen=True)
class Mention:
    """An entity occurrence in one chunk.

    Attributes:
        label: entity type label.
        name: display name (canonical lexicon name or the text as written).
        norm: normalized name; ``key`` is ``"<label>:<norm>"``.
        surface: the text as it appeared.
        start, end: character offsets in the chunk text (-1 when from table cells or records).
        source: "pattern", "ner", "lexicon", "table", "procedure", "prose", "record"
            (relations also "cooccurrence": two names in one sentence).
        chunk_id: the chunk it came from.
        properties: extra scalar properties for the node (dates, costs...).
    """

    label: str
    name: str
    norm: str
    surface: str
    chunk_id: str
    start: int = -1
    end: int = -1
    source: str = "pattern"
    properties: dict[str, object] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.label}:{self.norm}"


@dataclass(frozen=True)
class Value:
    """A typed value found in text that is not a graph node (DATE, QUANTITY)."""

    kind: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class RelationFact:
    """A directed relation between two mentioned entities, supported by one chunk."""

    type: str
    head: str  # entity key
    tail: str  # entity key
    chunk_id: str
    source: str = "table"
    properties: dict[str, object] = field(default_factory=dict)


@dataclass
class ChunkFacts:
    """Everything extracted from one chunk."""

    chunk: ChunkInput
    mentions: list[Mention] = field(default_factory=list)
    relations: list[RelationFact] = field(default_factory=list)
    values: list[Value] = field(default_factory=list)


@dataclass
class VersionFacts:
    """All facts of one document version, ready for :func:`graph.replace_version`."""

    collection_id: str
    document_id: str
    version_id: str
    chunks: list[ChunkFacts] = field(default_factory=list)

    def mention_count(self) -> int:
        return sum(len(c.mentions) for c in self.chunks)

    def relation_count(self) -> int:
        return sum(len(c.relations) for c in self.chunks)


#: Relation source of a link made only because two names stood in one sentence.
COOCCURRENCE = "cooccurrence"
#: An entity name longer than this is a sentence stored as an entity, not a thing.
MAX_FACT_NAME_WORDS = 15


def is_noise_fact(rel: str, head_name: str, tail_name: str, sources: Iterable[object]) -> bool:
    """Whether a fact says too little to show as evidence.

    Two kinds: a fact naming a sentence-length entity ("Do not exceed 80 percent of a UPS unit's
    rated capacity…" as an Action), and a SHOWS link that only co-occurrence supports ("ups SHOWS
    structural damage": any sentence naming a machine and a failure mode yields one).

    Args:
        rel: relation type.
        head_name, tail_name: the entities' names.
        sources: the relation's ``sources`` property (extraction layers that stated it).

    Returns:
        True when the evidence panel should leave the fact out.
    """
    if max(len(head_name.split()), len(tail_name.split())) > MAX_FACT_NAME_WORDS:
        return True
    stated_by = {str(s) for s in sources}
    return rel == "SHOWS" and bool(stated_by) and stated_by <= {COOCCURRENCE}


@dataclass(frozen=True)
class Citation:
    """A chunk that supports a fact, as returned by queries."""

    chunk_id: str
    document_id: str
    version_id: str
    collection_id: str
    page: int | None = None


def make_mention(
    label: str,
    name: str,
    chunk_id: str,
    *,
    source: str,
    surface: str | None = None,
    start: int = -1,
    end: int = -1,
    max_chars: int = 200,
    scope: str | None = None,
    properties: dict[str, object] | None = None,
) -> Mention | None:
    """Build a mention with its normalized name, or None when nothing normalizable remains.

    Args:
        label: entity label.
        name: display name (cut to ``max_chars``).
        chunk_id: supporting chunk.
        source: extraction layer that produced it.
        surface: text as written (defaults to ``name``).
        start, end: character offsets in the chunk text, -1 when not applicable.
        max_chars: longest name kept.
        scope: appended to the normalized name (``"<norm>@<scope>"``) for names that are only
            unique within a document, such as procedure titles.
        properties: extra node properties.

    Returns:
        The mention, or None.
    """
    from graph.normalize import normalize_name

    clipped = " ".join(name.split())[:max_chars].strip()
    norm = normalize_name(label, clipped)
    if not norm:
        return None
    if scope:
        norm = f"{norm}@{scope}"
    return Mention(
        label,
        clipped,
        norm,
        (surface or clipped)[:max_chars],
        chunk_id,
        start,
        end,
        source,
        dict(properties or {}),
    )
