"""Markdown parser (markdown-it-py tokens): headings, paragraphs, lists, tables, code."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from retrieval.config import ParseConfig
from retrieval.parse.base import BlockBuilder, Parser, ProgressCallback, decode_text
from retrieval.types import BlockKind, DocumentMetadata, FileKind, ParsedDocument

logger = logging.getLogger(__name__)


class MarkdownParser(Parser):
    """Parse CommonMark + GFM tables into blocks."""

    def parse(
        self,
        path: Path,
        *,
        name: str,
        config: ParseConfig,
        progress: ProgressCallback | None = None,
    ) -> ParsedDocument:
        from markdown_it import MarkdownIt

        text, encoding = decode_text(path.read_bytes(), name=name)
        tokens = MarkdownIt("commonmark").enable("table").parse(text)
        builder = BlockBuilder()
        _Walker(builder).walk(tokens)
        first_heading = next((b.text for b in builder.blocks if b.kind is BlockKind.HEADING), None)
        return ParsedDocument(
            blocks=builder.blocks,
            metadata=DocumentMetadata(
                title=first_heading or Path(name).stem, kind=FileKind.MARKDOWN, encoding=encoding
            ),
        )


class _Walker:
    def __init__(self, builder: BlockBuilder) -> None:
        self.builder = builder
        self.lists: list[dict[str, Any]] = []  # open lists: {"ordered": bool, "items": [...]}
        self.table: list[list[str]] | None = None

    def walk(self, tokens: list[Any]) -> None:
        heading_level = 0
        for token in tokens:
            kind = token.type
            if kind == "heading_open":
                heading_level = int(token.tag[1])
            elif kind == "inline" and heading_level:
                self.builder.heading(token.content, heading_level)
                heading_level = 0
            elif kind in ("bullet_list_open", "ordered_list_open"):
                self.lists.append({"ordered": kind == "ordered_list_open", "items": []})
            elif kind == "list_item_open" and self.lists:
                self.lists[-1]["items"].append([])
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self._close_list()
            elif kind == "table_open":
                self.table = []
            elif kind == "tr_open" and self.table is not None:
                self.table.append([])
            elif kind == "inline" and self.table is not None and self.table:
                self.table[-1].append(token.content)
            elif kind == "table_close" and self.table is not None:
                self.builder.table(self.table)  # type: ignore[arg-type]
                self.table = None
            elif kind == "inline" and self.lists and self.lists[-1]["items"]:
                self.lists[-1]["items"][-1].append(token.content)
            elif kind == "inline":
                self.builder.add(BlockKind.PARAGRAPH, " ".join(token.content.split()))
            elif kind in ("fence", "code_block"):
                self.builder.add(BlockKind.CODE, token.content)
            elif kind == "html_block":
                self.builder.add(BlockKind.PARAGRAPH, _strip_html(token.content))

    def _close_list(self) -> None:
        current = self.lists.pop()
        items = [" ".join(" ".join(parts).split()) for parts in current["items"]]
        if current["ordered"]:
            self.builder.procedure(items)
        else:
            for item in items:
                self.builder.add(BlockKind.LIST_ITEM, item)


def _strip_html(fragment: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(fragment, "lxml")
    for tag in soup.find_all(["script", "style"]):
        tag.decompose()
    return " ".join(soup.get_text(" ").split())
