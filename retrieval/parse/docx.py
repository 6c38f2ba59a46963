"""DOCX parser (python-docx): heading styles -> heading path, list paragraphs, tables, in body order."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from retrieval.config import ParseConfig
from retrieval.errors import ParseError
from retrieval.parse.base import BlockBuilder, Parser, ProgressCallback, check_archive
from retrieval.types import BlockKind, DocumentMetadata, FileKind, ParsedDocument

logger = logging.getLogger(__name__)

_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.I)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class DocxParser(Parser):
    """Parse Word documents: headings from styles, bullet items, numbered procedures, tables."""

    def parse(
        self,
        path: Path,
        *,
        name: str,
        config: ParseConfig,
        progress: ProgressCallback | None = None,
    ) -> ParsedDocument:
        check_archive(path, name=name, config=config)
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        try:
            document = docx.Document(str(path))
        except Exception as e:  # python-docx raises KeyError/ValueError/lxml errors on damaged parts
            raise ParseError(name, f"damaged DOCX ({type(e).__name__}: {e})") from e
        builder = BlockBuilder()
        numbering = _NumberingFormats(document)
        steps: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Paragraph):
                steps = _paragraph(item, builder, numbering, steps)
            elif isinstance(item, Table):
                steps = _flush(builder, steps)
                builder.table([[cell.text for cell in row.cells] for row in item.rows])
        _flush(builder, steps)
        core_title = (document.core_properties.title or "").strip()
        first_heading = next((b.text for b in builder.blocks if b.kind is BlockKind.HEADING), None)
        return ParsedDocument(
            blocks=builder.blocks,
            metadata=DocumentMetadata(
                title=core_title or first_heading or Path(name).stem, kind=FileKind.DOCX
            ),
        )


def _paragraph(
    paragraph: Any, builder: BlockBuilder, numbering: _NumberingFormats, steps: list[str]
) -> list[str]:
    text = paragraph.text.strip()
    if not text:
        return steps
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    heading = _HEADING_STYLE.match(style)
    if heading or style == "Title":
        _flush(builder, steps)
        builder.heading(text, int(heading.group(1)) if heading else 1)
        return []
    list_format = numbering.format_of(paragraph) or _format_from_style(style)
    if list_format == "decimal":
        return [*steps, text]
    steps = _flush(builder, steps)
    if list_format == "bullet":
        builder.add(BlockKind.LIST_ITEM, text)
    elif "code" in style.lower() or "source" in style.lower():
        builder.add(BlockKind.CODE, paragraph.text)
    else:
        builder.add(BlockKind.PARAGRAPH, text)
    return steps


def _flush(builder: BlockBuilder, steps: list[str]) -> list[str]:
    builder.procedure(steps)
    return []


def _format_from_style(style: str) -> str | None:
    lowered = style.lower()
    if "list number" in lowered:
        return "decimal"
    if "list" in lowered and ("bullet" in lowered or "paragraph" in lowered):
        return "bullet"
    return None


class _NumberingFormats:
    """Resolves a paragraph's list numbering (numPr) to ``"decimal"`` or ``"bullet"``."""

    def __init__(self, document: Any) -> None:
        self._formats: dict[tuple[str, str], str] = {}
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract: dict[str, dict[str, str]] = {}
        for node in numbering.iter(f"{_W}abstractNum"):
            levels = {}
            for lvl in node.iter(f"{_W}lvl"):
                fmt = lvl.find(f"{_W}numFmt")
                levels[lvl.get(f"{_W}ilvl")] = fmt.get(f"{_W}val") if fmt is not None else "bullet"
            abstract[node.get(f"{_W}abstractNumId")] = levels
        for num in numbering.iter(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            if ref is None:
                continue
            for ilvl, fmt in abstract.get(ref.get(f"{_W}val"), {}).items():
                self._formats[(num.get(f"{_W}numId"), ilvl)] = fmt

    def format_of(self, paragraph: Any) -> str | None:
        ppr = paragraph._p.pPr
        num_pr = ppr.find(f"{_W}numPr") if ppr is not None else None
        if num_pr is None:
            return None
        num_id = num_pr.find(f"{_W}numId")
        ilvl = num_pr.find(f"{_W}ilvl")
        key = (
            num_id.get(f"{_W}val") if num_id is not None else "",
            ilvl.get(f"{_W}val") if ilvl is not None else "0",
        )
        fmt = self._formats.get(key, "bullet")
        return (
            "decimal"
            if fmt in ("decimal", "lowerLetter", "upperLetter", "lowerRoman", "upperRoman")
            else "bullet"
        )
