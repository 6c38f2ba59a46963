"""What every parser shares: the ``Parser`` interface and a builder that tracks headings."""

from __future__ import annotations

import abc
import zipfile
from collections.abc import Callable
from pathlib import Path

from retrieval.config import ParseConfig
from retrieval.errors import FileTooLarge, ParseError
from retrieval.types import Block, BlockKind, FieldValue, ParsedDocument

#: Called as ``progress(done, total)`` while a long document is parsed (pages for PDF).
ProgressCallback = Callable[[int, int], None]


class Parser(abc.ABC):
    """Turns one file of a known kind into a ``ParsedDocument``."""

    @abc.abstractmethod
    def parse(
        self,
        path: Path,
        *,
        name: str,
        config: ParseConfig,
        progress: ProgressCallback | None = None,
    ) -> ParsedDocument:
        """Parse a file.

        Args:
            path: where the bytes are.
            name: the file's name as uploaded (for titles and error messages).
            config: limits.
            progress: optional callback for long documents.

        Returns:
            The document's blocks in reading order, with metadata.

        Raises:
            ParseError: the file is corrupt, truncated, encrypted or unreadable.
        """


class BlockBuilder:
    """Collects blocks in order and keeps the current heading path.

    Headings are pushed with their level; a heading of level N closes every open section of level
    N or deeper, so skipped levels (h1 -> h3) work.
    """

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._stack: list[tuple[int, str]] = []

    @property
    def heading_path(self) -> tuple[str, ...]:
        return tuple(title for _, title in self._stack)

    def heading(self, text: str, level: int, page: int | None = None) -> None:
        text = " ".join(text.split())
        if not text:
            return
        level = max(1, level)
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, text))
        self._append(BlockKind.HEADING, text, page, level=level)

    def add(
        self,
        kind: BlockKind,
        text: str,
        page: int | None = None,
        *,
        rows: tuple[tuple[str, ...], ...] | None = None,
        fields: dict[str, FieldValue] | None = None,
        row_number: int | None = None,
    ) -> None:
        if kind is not BlockKind.CODE:
            text = text.strip()
        if not text.strip():
            return
        self._append(kind, text, page, rows=rows, fields=fields, row_number=row_number)

    def table(self, rows: list[list[str | None]], page: int | None = None) -> None:
        """Add a table from raw cells; empty rows/columns are dropped, cells whitespace-normalised."""
        cleaned = [tuple(" ".join((cell or "").split()) for cell in row) for row in rows]
        cleaned = [row for row in cleaned if any(row)]
        if not cleaned:
            return
        width = max(len(row) for row in cleaned)
        cleaned = [row + ("",) * (width - len(row)) for row in cleaned]
        keep = [i for i in range(width) if any(row[i] for row in cleaned)]
        table_rows = tuple(tuple(row[i] for i in keep) for row in cleaned)
        if len(keep) == 1 or len(table_rows) == 1:
            # a one-column or one-row "table" is layout, not data
            self.add(BlockKind.PARAGRAPH, "\n".join(" | ".join(r) for r in table_rows), page)
            return
        self.add(BlockKind.TABLE, table_text(table_rows), page, rows=table_rows)

    def procedure(self, steps: list[str], page: int | None = None) -> None:
        steps = [" ".join(step.split()) for step in steps if step.strip()]
        if steps:
            self.add(BlockKind.PROCEDURE, "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1)), page)

    def _append(self, kind: BlockKind, text: str, page: int | None, **extra) -> None:  # type: ignore[no-untyped-def]
        self.blocks.append(
            Block(
                kind=kind,
                text=text,
                heading_path=self.heading_path,
                page=page,
                order=len(self.blocks),
                **extra,
            )
        )


def table_text(rows: tuple[tuple[str, ...], ...]) -> str:
    """Render table rows as text: one line per row, cells joined by `` | ``.

    Args:
        rows: table cells, header row first.

    Returns:
        The table as plain text.
    """
    return "\n".join(" | ".join(row) for row in rows)


def check_archive(path: Path, *, name: str, config: ParseConfig) -> None:
    """Refuse zip containers (DOCX/XLSX) that expand too far (zip bombs).

    Args:
        path: the container.
        name: the file's name for messages.
        config: holds ``max_archive_bytes`` and ``max_archive_ratio``.

    Raises:
        FileTooLarge: the members expand beyond ``max_archive_bytes``.
        ParseError: the zip is damaged, or a member is compressed suspiciously well.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as e:
        raise ParseError(name, f"damaged zip container ({e})") from e
    total = sum(info.file_size for info in infos)
    if total > config.max_archive_bytes:
        raise FileTooLarge(name, total, config.max_archive_bytes, what="the unpacked content")
    for info in infos:
        if info.file_size > 1024 * 1024 and info.file_size > config.max_archive_ratio * max(
            info.compress_size, 1
        ):
            raise ParseError(
                name,
                f"archive member {info.filename} expands {info.file_size // max(info.compress_size, 1)}x "
                "(zip bomb?)",
            )


def decode_text(data: bytes, *, name: str) -> tuple[str, str]:
    """Decode text of unknown encoding.

    Args:
        data: the raw bytes.
        name: the file's name for messages.

    Returns:
        ``(text, encoding)``.

    Raises:
        ParseError: no plausible text encoding fits the bytes.
    """
    from charset_normalizer import from_bytes

    for encoding in ("utf-8-sig",):
        try:
            return data.decode(encoding), "utf-8"
        except UnicodeDecodeError:
            pass
    best = from_bytes(data).best()
    if best is None:
        raise ParseError(name, "the bytes are not text in any known encoding")
    return str(best), best.encoding
