"""HTML parser (BeautifulSoup + lxml): h1-h6, paragraphs, lists, tables, code; scripts dropped."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

from retrieval.config import ParseConfig
from retrieval.errors import ParseError
from retrieval.parse.base import BlockBuilder, Parser, ProgressCallback, decode_text
from retrieval.types import BlockKind, DocumentMetadata, FileKind, ParsedDocument

logger = logging.getLogger(__name__)

_DROP_TAGS = [
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "svg",
    "canvas",
    "object",
    "embed",
    "form",
    "nav",
]
#: navigation chrome of generated manuals (docutils, DocBook/asciidoc, Sphinx)
_DROP_CLASSES = {"toc", "contents", "navheader", "navfooter", "sphinxsidebar", "related", "breadcrumbs"}
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_BLOCK_TAGS = {
    "p",
    "pre",
    "ul",
    "ol",
    "table",
    "dl",
    "blockquote",
    "div",
    "section",
    "article",
    "main",
    *_HEADINGS,
}


class HtmlParser(Parser):
    """Parse HTML pages into headings, paragraphs, list items, procedures, tables and code."""

    def parse(
        self,
        path: Path,
        *,
        name: str,
        config: ParseConfig,
        progress: ProgressCallback | None = None,
    ) -> ParsedDocument:
        from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

        text, encoding = decode_text(path.read_bytes(), name=name)
        try:
            with warnings.catch_warnings():
                # XHTML manuals (DocBook, docutils) are meant to be read as HTML: the warning is noise
                warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
                soup = BeautifulSoup(text, "lxml")
        except Exception as e:
            raise ParseError(name, f"unreadable HTML ({type(e).__name__}: {e})") from e
        for tag in soup.find_all(_DROP_TAGS):
            tag.decompose()
        for tag in soup.find_all(class_=lambda c: bool(c) and c in _DROP_CLASSES):
            if not tag.decomposed:
                tag.decompose()
        builder = BlockBuilder()
        _walk(soup.body or soup, builder)
        title = soup.title.get_text(" ", strip=True) if soup.title else ""
        first_heading = next((b.text for b in builder.blocks if b.kind is BlockKind.HEADING), None)
        return ParsedDocument(
            blocks=builder.blocks,
            metadata=DocumentMetadata(
                title=title or first_heading or Path(name).stem, kind=FileKind.HTML, encoding=encoding
            ),
        )


def _walk(node: Any, builder: BlockBuilder) -> None:
    from bs4 import NavigableString, Tag

    inline: list[str] = []
    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child).__name__ in (
                "Comment",
                "Doctype",
                "ProcessingInstruction",
                "Declaration",
                "CData",
            ):
                continue
            inline.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        if child.name not in _BLOCK_TAGS and not child.find(list(_BLOCK_TAGS)):
            inline.append(child.get_text(" "))
            continue
        _flush_inline(inline, builder)
        _element(child, builder)
    _flush_inline(inline, builder)


def _flush_inline(inline: list[str], builder: BlockBuilder) -> None:
    text = " ".join(" ".join(inline).split())
    inline.clear()
    if text:
        builder.add(BlockKind.PARAGRAPH, text)


def _element(tag: Any, builder: BlockBuilder) -> None:
    name = tag.name
    if name in _HEADINGS:
        builder.heading(tag.get_text(" ", strip=True), _HEADINGS[name])
    elif name == "pre":
        builder.add(BlockKind.CODE, tag.get_text())
    elif name == "table":
        builder.table(_table_rows(tag))
    elif name == "ol":
        builder.procedure([_item_text(li) for li in tag.find_all("li", recursive=False)])
        for li in tag.find_all("li", recursive=False):
            _nested_blocks(li, builder)
    elif name == "ul":
        for li in tag.find_all("li", recursive=False):
            builder.add(BlockKind.LIST_ITEM, _item_text(li))
            _nested_blocks(li, builder)
    elif name == "dl":
        for child in tag.find_all(["dt", "dd"], recursive=False):
            builder.add(BlockKind.PARAGRAPH, child.get_text(" ", strip=True))
    elif name == "p" and not tag.find(list(_BLOCK_TAGS - {"p"})):
        builder.add(BlockKind.PARAGRAPH, " ".join(tag.get_text(" ").split()))
    else:
        _walk(tag, builder)


def _item_text(li: Any) -> str:
    """A list item's own text, without nested lists/tables (those become blocks of their own)."""
    parts = []
    for child in li.children:
        if getattr(child, "name", None) in ("ul", "ol", "table", "pre"):
            continue
        parts.append(child.get_text(" ") if hasattr(child, "get_text") else str(child))
    return " ".join(" ".join(parts).split())


def _nested_blocks(li: Any, builder: BlockBuilder) -> None:
    for child in li.find_all(["ul", "ol", "table", "pre"], recursive=False):
        _element(child, builder)


def _table_rows(table: Any) -> list[list[str | None]]:
    rows = []
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue  # rows of a nested table
        rows.append([cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"], recursive=False)])
    return rows
