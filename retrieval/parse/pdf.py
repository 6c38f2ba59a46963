"""PDF parser: pdfium's text layer, pdfplumber's table finder on pages that may hold a table.

Per page: tables found by pdfplumber's ``find_tables`` are kept as tables and their text is removed
from the prose; the remaining characters are grouped into lines; lines become headings (font size
clearly above the body size, or bold with section numbering), list items, numbered procedure
steps, code (monospace fonts) or paragraphs. Running headers/footers and table-of-contents leader
lines are dropped. The body font size is learned from the first pages before any line is
classified.

Characters, fonts and ruling lines come from pdfium (``pdfium_text``, several times faster than
pdfminer: docs/BENCH_RETRIEVAL.md). pdfplumber's table finder runs only on pages whose ruling
lines could form a table of 2+ rows and columns, over pdfium's characters and lines.
``ParseConfig.pdf_text = "pdfplumber"`` reads every page with pdfplumber itself, as before.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from retrieval.config import ParseConfig
from retrieval.errors import ParseError
from retrieval.parse.base import BlockBuilder, Parser, ProgressCallback
from retrieval.parse.pdfium_text import (
    PageLine,
    find_tables,
    font_flags,
    may_have_table,
    median_size,
    read_lines,
)
from retrieval.types import Block, BlockKind, DocumentMetadata, FileKind, ParsedDocument

logger = logging.getLogger(__name__)

_X_TOLERANCE = 1.5  # pdfplumber's default (3) glues the words of tightly justified lines together
_MARGIN_FRACTION = 0.07
_BODY_SAMPLE_CHARS = 4000
_BULLET = re.compile(r"^([•◦▪‣●○■□–\-*])\s+(?=\S)")
_STEP = re.compile(r"^(\d{1,2})[.)]\s+(?=\S)")
_SECTION_NUMBER = re.compile(r"^((?:\d+|[A-Z])(?:\.\d+)*)\.?\s+\S")
_CHAPTER = re.compile(r"^(chapter|appendix|part)\s+[\dA-Z]+$", re.I)
_TOC_LEADER = re.compile(r"(\.\s?){4,}\s*\d+\s*$")
_PAGE_NUMBER = re.compile(r"^(page\s+)?\d+(\s*(/|of)\s*\d+)?$|^[ivxlc]+$", re.I)


#: Called with the document parsed so far (blocks that will not change, the title it would have).
BlocksCallback = Callable[[ParsedDocument], None]
_PageInput = tuple[list[PageLine], list[tuple[float, list[list[str | None]]]], float]


class PdfParser(Parser):
    """Parse PDFs into headings, paragraphs, lists, procedures, code and tables with page numbers."""

    def parse(
        self,
        path: Path,
        *,
        name: str,
        config: ParseConfig,
        progress: ProgressCallback | None = None,
        on_blocks: BlocksCallback | None = None,
    ) -> ParsedDocument:
        """Parse a PDF; ``on_blocks``, when given, sees the document grow page by page.

        ``on_blocks(delta)`` is called after a page settles more blocks: ``delta.blocks`` are
        the blocks settled since the last call (they can no longer change: all but the current
        page's), ``delta.metadata`` has the title as it would be if the document ended there;
        so a caller can chunk and embed while later pages are still being read.
        """
        page_count, title = _check_readable(path, name, config)
        layout = _Layout()
        pages = _pages_pdfplumber if config.pdf_text == "pdfplumber" else _pages_pdfium
        settled = 0
        try:
            for page_no, page_input in enumerate(pages(path, config), 1):
                layout.feed(page_no, *page_input)
                if progress is not None:
                    progress(page_no, page_count)
                if on_blocks is not None and layout.settled() > settled:
                    blocks, end = layout.builder.blocks, layout.settled()
                    guess = title or next(
                        (b.text for b in islice(blocks, end) if b.kind is BlockKind.HEADING), None
                    )
                    on_blocks(_document(blocks[settled:end], guess, name, page_count))
                    settled = end
        except ParseError:
            raise
        except Exception as e:  # pdfminer raises many unrelated types on damaged input
            logger.warning("pdf parse failed for %s", name, exc_info=True)
            raise ParseError(name, f"damaged PDF ({type(e).__name__}: {e})") from e
        return _document(layout.finish(), title, name, page_count)


def _document(blocks: list[Block], title: str | None, name: str, page_count: int) -> ParsedDocument:
    title = title or next((b.text for b in blocks if b.kind is BlockKind.HEADING), Path(name).stem)
    return ParsedDocument(
        blocks=blocks, metadata=DocumentMetadata(title=title, kind=FileKind.PDF, page_count=page_count)
    )


def _check_readable(path: Path, name: str, config: ParseConfig) -> tuple[int, str | None]:
    """Reject truncated, encrypted and oversized PDFs early with a precise reason."""
    import pypdf
    from pypdf.errors import PdfReadError

    with path.open("rb") as fh:
        if not fh.read(1024).lstrip(b"\r\n\t ").startswith(b"%PDF-"):
            raise ParseError(name, "not a PDF (no %PDF- header)")
        fh.seek(max(0, path.stat().st_size - 2048))
        if b"%%EOF" not in fh.read():
            raise ParseError(name, "truncated PDF (no end-of-file marker)")
    try:
        reader = pypdf.PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ParseError(name, "encrypted PDF: it needs a password to open")
        page_count = len(reader.pages)
        title = (reader.metadata or {}).get("/Title") if reader.metadata else None
    except ParseError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as e:
        raise ParseError(name, f"damaged PDF ({e})") from e
    except Exception as e:  # e.g. a missing crypto backend for AES
        raise ParseError(name, f"unreadable PDF ({type(e).__name__}: {e})") from e
    if page_count == 0:
        raise ParseError(name, "the PDF has no pages")
    if config.max_pdf_pages and page_count > config.max_pdf_pages:
        raise ParseError(name, f"{page_count} pages; the limit is {config.max_pdf_pages}")
    return page_count, (str(title).strip() or None) if title else None


def _pages_pdfplumber(path: Path, config: ParseConfig) -> Iterator[_PageInput]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            yield _read_page(page, config)
            page.close()  # drop pdfplumber's per-page object cache: memory stays flat


def _pages_pdfium(path: Path, config: ParseConfig) -> Iterator[_PageInput]:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(path)
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                tables = (
                    find_tables(page, x_tolerance=_X_TOLERANCE)
                    if config.pdf_tables and may_have_table(page)
                    else []
                )
                lines = read_lines(page, exclude=[bbox for bbox, _ in tables])
                yield lines, [(bbox[1], rows) for bbox, rows in tables], float(page.get_height())
            finally:
                page.close()
    finally:
        pdf.close()


def _read_page(page: Any, config: ParseConfig) -> _PageInput:
    tables = page.find_tables() if config.pdf_tables else []
    boxes = [t.bbox for t in tables]
    table_rows = [(t.bbox[1], t.extract(x_tolerance=_X_TOLERANCE)) for t in tables]
    text_page = page
    if boxes:

        def outside_tables(obj: dict[str, Any]) -> bool:
            if obj.get("object_type") != "char":
                return True
            cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
            return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

        text_page = page.filter(outside_tables)
    lines = [
        _to_line(raw) for raw in text_page.extract_text_lines(x_tolerance=_X_TOLERANCE, return_chars=True)
    ]
    return [line for line in lines if line.text], table_rows, float(page.height)


def _to_line(raw: dict[str, Any]) -> PageLine:
    chars = [c for c in raw["chars"] if c["text"].strip()]
    is_bold, is_mono = font_flags([c["fontname"].lower() for c in chars])
    return PageLine(
        text=raw["text"].strip(),
        top=raw["top"],
        bottom=raw["bottom"],
        x0=raw["x0"],
        size=median_size([c["size"] for c in chars]),
        is_bold=is_bold,
        is_mono=is_mono,
    )


class _Layout:
    """Turns pages of lines and tables into blocks; buffers pages until the body size is known."""

    def __init__(self) -> None:
        self.builder = BlockBuilder()
        self._pending: list[tuple[int, list[PageLine], list[Any], float]] = []
        self._size_counts: Counter[float] = Counter()
        self._body_size: float | None = None
        self._margin_seen: set[str] = set()
        self._heading_prefix: str | None = None
        # the open block: ("paragraph"|"list"|"step"|"code", lines, page, x0)
        self._open: tuple[str, list[str], int, float] | None = None
        self._steps: list[str] = []
        self._steps_page: int | None = None
        self._last_bottom = 0.0
        self._last_heading: tuple[int, float, str] | None = None

    def _is_last_heading(self) -> bool:
        return bool(self.builder.blocks) and self.builder.blocks[-1].kind is BlockKind.HEADING

    def feed(self, page_no: int, lines: list[PageLine], tables: list[Any], height: float) -> None:
        if self._body_size is None:
            self._pending.append((page_no, lines, tables, height))
            for line in lines:
                self._size_counts[line.size] += len(line.text)
            if sum(self._size_counts.values()) < _BODY_SAMPLE_CHARS:
                return
            self._decide_body_size()
            return
        self._layout_page(page_no, lines, tables, height)

    def settled(self) -> int:
        """How many blocks are final: every block but the last page's (a heading wrapped over
        two lines replaces the page's last block; open paragraphs and steps are not blocks yet)."""
        blocks = self.builder.blocks
        if self._body_size is None or not blocks:
            return 0
        last_page = blocks[-1].page
        end = len(blocks)
        while end and blocks[end - 1].page == last_page:
            end -= 1
        return end

    def finish(self) -> list[Any]:
        if self._body_size is None:
            self._decide_body_size()
        self._close_all()
        return self.builder.blocks

    def _decide_body_size(self) -> None:
        self._body_size = self._size_counts.most_common(1)[0][0] if self._size_counts else 10.0
        # running headers/footers seen on two buffered pages are dropped from the first page on
        keys: Counter[str] = Counter()
        for _, lines, _, height in self._pending:
            keys.update({_margin_key(x.text) for x in lines if _is_in_margin(x, height)})
        self._margin_seen.update(key for key, n in keys.items() if n >= 2)
        pending, self._pending = self._pending, []
        for item in pending:
            self._layout_page(*item)

    # --- one page ---------------------------------------------------------------------------

    def _layout_page(self, page_no: int, lines: list[PageLine], tables: list[Any], height: float) -> None:
        events: list[tuple[float, int, Any]] = [
            (line.top, 1, line) for line in self._strip_margins(lines, height)
        ]
        events += [(top, 0, rows) for top, rows in tables]
        self._last_bottom = 0.0
        self._close_open()  # blocks do not continue across pages (the chunker re-merges prose)
        for _, is_line, item in sorted(events, key=lambda e: (e[0], e[1])):
            if is_line:
                self._line(item, page_no)
            else:
                self._close_all()
                self.builder.table(item, page_no)

    def _strip_margins(self, lines: list[PageLine], height: float) -> list[PageLine]:
        kept = []
        for line in lines:
            if _is_in_margin(line, height):
                key = _margin_key(line.text)
                if _PAGE_NUMBER.match(line.text) or key in self._margin_seen:
                    continue
                self._margin_seen.add(key)
            if _TOC_LEADER.search(line.text):
                continue
            kept.append(line)
        return kept

    def _heading_level(self, line: PageLine) -> int:
        """0 when the line is not a heading, else its level (1 = top)."""
        assert self._body_size is not None
        ratio = line.size / self._body_size if self._body_size else 1.0
        if len(line.text) > 160 or line.is_mono:
            return 0
        numbered = _SECTION_NUMBER.match(line.text)
        if ratio >= 1.15:
            if numbered and numbered.group(1)[0].isdigit():
                return min(6, numbered.group(1).count(".") + 1)
            return 1 if ratio >= 1.8 else 2 if ratio >= 1.3 else 3
        if line.is_bold and numbered and "." in numbered.group(1) and not line.text.endswith("."):
            return min(6, numbered.group(1).count(".") + 1)
        return 0

    def _line(self, line: PageLine, page_no: int) -> None:
        gap = line.top - self._last_bottom
        self._last_bottom = line.bottom
        level = self._heading_level(line)
        if level:
            self._close_all()
            if _CHAPTER.match(line.text):
                self._heading_prefix = line.text
                return
            text = f"{self._heading_prefix} {line.text}" if self._heading_prefix else line.text
            self._heading_prefix = None
            last = self._last_heading
            if (
                last
                and last[0] == page_no
                and last[1] == line.size
                and gap < 0.6 * line.size
                and self._is_last_heading()
            ):
                self.builder.blocks.pop()  # a heading wrapped over two lines
                self.builder.heading(f"{last[2]} {text}", level, page_no)
                self._last_heading = (page_no, line.size, f"{last[2]} {text}")
                return
            self.builder.heading(text, level, page_no)
            self._last_heading = (page_no, line.size, text)
            return
        self._heading_prefix = None
        if line.is_mono:
            self._continue_or_open("code", line.text, page_no, line.x0, force_new=False)
            return
        step = _STEP.match(line.text)
        if step:
            self._close_open()
            number = int(step.group(1))
            if number == 1 or number != len(self._steps) + 1:
                self._flush_steps()
            self._open = ("step", [line.text[step.end() :]], page_no, line.x0)
            return
        bullet = _BULLET.match(line.text)
        is_indented_under_item = bool(
            self._open and self._open[0] in ("step", "list") and line.x0 > self._open[3] + 2
        )
        if bullet and not is_indented_under_item:
            self._close_all()
            self._open = ("list", [line.text[bullet.end() :]], page_no, line.x0)
            return
        if is_indented_under_item:
            assert self._open is not None
            self._open[1].append(line.text)  # wrapped continuation (or a sub-bullet) of an item
            return
        new_paragraph = gap > 0.6 * line.size
        self._continue_or_open("paragraph", line.text, page_no, line.x0, force_new=new_paragraph)

    def _continue_or_open(self, kind: str, text: str, page_no: int, x0: float, *, force_new: bool) -> None:
        if self._open and self._open[0] == kind and not force_new:
            self._open[1].append(text)
            return
        self._close_open()
        if kind != "step" and self._steps:
            self._flush_steps()
        self._open = (kind, [text], page_no, x0)

    def _close_open(self) -> None:
        if self._open is None:
            return
        kind, lines, page, _ = self._open
        self._open = None
        if kind == "code":
            self.builder.add(BlockKind.CODE, "\n".join(lines), page)
        elif kind == "step":
            self._steps.append(_join_lines(lines))
            self._steps_page = self._steps_page or page
        elif kind == "list":
            self.builder.add(BlockKind.LIST_ITEM, _join_lines(lines), page)
        else:
            self.builder.add(BlockKind.PARAGRAPH, _join_lines(lines), page)

    def _flush_steps(self) -> None:
        if self._steps:
            self.builder.procedure(self._steps, self._steps_page)
        self._steps, self._steps_page = [], None

    def _close_all(self) -> None:
        self._close_open()
        self._flush_steps()


def _margin_key(text: str) -> str:
    """A running header/footer without its page number: letters only."""
    return re.sub(r"[^a-z]+", "", re.sub(r"\b[ivxlc]+\b", "", text.lower()))


def _is_in_margin(line: PageLine, height: float) -> bool:
    return line.top < height * _MARGIN_FRACTION or line.bottom > height * (1 - _MARGIN_FRACTION)


def _join_lines(lines: list[str]) -> str:
    out = ""
    for line in lines:
        if out.endswith("-") and len(out) > 1 and out[-2].isalpha() and line[:1].islower():
            out = out[:-1] + line  # re-join a word hyphenated at the line end
        else:
            out = f"{out} {line}" if out else line
    return out
