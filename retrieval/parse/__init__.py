"""Parsing uploaded files into structured documents (one module per format).

Public API::

    parse_file(path, *, name=None, kind=None, config=None, progress=None) -> ParsedDocument
    parser_for(kind) -> Parser

``parse_file`` sniffs the real type first (``retrieval.sniff``) unless ``kind`` is given.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from retrieval import cjk
from retrieval.config import ParseConfig
from retrieval.errors import DocumentError, ParseError
from retrieval.parse.base import BlockBuilder, Parser, ProgressCallback, table_text
from retrieval.types import BlockKind, FileKind, ParsedDocument

__all__ = ["BlockBuilder", "Parser", "ProgressCallback", "parse_file", "parser_for", "table_text"]

logger = logging.getLogger(__name__)


def parser_for(kind: FileKind) -> Parser:
    """The parser for a file kind (imported lazily: each pulls in its own library).

    Args:
        kind: the sniffed file type.

    Returns:
        A ``Parser`` instance.
    """
    if kind is FileKind.PDF:
        from retrieval.parse.pdf import PdfParser

        return PdfParser()
    if kind is FileKind.DOCX:
        from retrieval.parse.docx import DocxParser

        return DocxParser()
    if kind is FileKind.HTML:
        from retrieval.parse.html import HtmlParser

        return HtmlParser()
    if kind is FileKind.MARKDOWN:
        from retrieval.parse.markdown import MarkdownParser

        return MarkdownParser()
    if kind is FileKind.CSV:
        from retrieval.parse.records import CsvParser

        return CsvParser()
    if kind is FileKind.XLSX:
        from retrieval.parse.records import XlsxParser

        return XlsxParser()
    from retrieval.parse.text import TextParser

    return TextParser()


def parse_file(
    path: str | Path,
    *,
    name: str | None = None,
    kind: FileKind | None = None,
    config: ParseConfig | None = None,
    progress: ProgressCallback | None = None,
    on_blocks: Callable[[ParsedDocument], None] | None = None,
) -> ParsedDocument:
    """Sniff (unless ``kind`` is given) and parse one file.

    Args:
        path: where the bytes are.
        name: the file's name as uploaded (extension hint, title fallback, error messages);
            defaults to the path's name.
        kind: skip sniffing and parse as this type.
        config: limits; defaults to ``ParseConfig()``.
        progress: called as ``progress(done, total)`` during long parses (PDF pages).
        on_blocks: PDFs only: called as pages settle blocks, with a document holding the blocks
            settled since the last call (normalised like the result) and the title so far, so
            chunking and embedding can start before the parse ends (``retrieval.parse_embed``).
            Other formats never call it.

    Returns:
        The parsed document.

    Raises:
        EmptyFile, FileTooLarge, UnsupportedFileType: from sniffing.
        ParseError: the file is corrupt, truncated, encrypted, unreadable, or has no text at all.
            Every failure is a ``DocumentError`` (permanent); nothing else escapes for bad input.
    """
    from retrieval.sniff import sniff_file

    config = config or ParseConfig()
    path = Path(path)
    name = name or path.name
    kind = kind or sniff_file(path, name=name, config=config)
    started = time.perf_counter()
    try:
        parser = parser_for(kind)
        if on_blocks is not None and kind is FileKind.PDF:
            document = parser.parse(
                path,
                name=name,
                config=config,
                progress=progress,
                on_blocks=lambda delta: on_blocks(cjk.normalize_document(delta)),
            )
        else:
            document = parser.parse(path, name=name, config=config, progress=progress)
    except DocumentError:
        raise
    except (ValueError, KeyError, IndexError, TypeError, UnicodeError, OSError, RecursionError) as e:
        logger.warning("parser for %s failed on %s", kind.value, name, exc_info=True)
        raise ParseError(name, f"unreadable {kind.value.upper()} ({type(e).__name__}: {e})") from e
    if not any(block.kind is not BlockKind.HEADING for block in document.blocks):
        reason = (
            "no extractable text (a scanned PDF? OCR is not supported)" if kind is FileKind.PDF else "no text"
        )
        raise ParseError(name, reason)
    document = cjk.normalize_document(document)  # full-width codes (ＭＳ－５０２０) made searchable
    logger.info(
        "parsed %s as %s: %d blocks in %.2f s",
        name,
        kind.value,
        len(document.blocks),
        time.perf_counter() - started,
    )
    return document
