"""PDF page text through pdfium (pypdfium2): lines with the geometry and fonts the layout needs.

pdfplumber (pdfminer, pure Python) spends ~0.06 s a page building character objects; pdfium does
the same in C. Its text page already groups characters into lines (generated CR LF) and words
(generated spaces); per character this module asks only the code and the text object that drew
it (font name, descent and size are read once per object, the baseline once per run of one
object on a line), so a line comes out with the same fields pdfplumber's ``extract_text_lines``
gives the layout: text, top, bottom, x0, median size, bold, monospace. Boxes follow pdfminer's
convention (the glyph's em box from the baseline: descent below, font size above) so gaps
between lines compare the same way whichever reader made them.

``may_have_table`` answers from the page's path segments alone whether pdfplumber's ruling-line
table finder could find a table there; ``find_tables`` runs that finder over pdfium's characters
and segments on such pages.
"""

from __future__ import annotations

import ctypes
import functools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_CR, _LF = 13, 10
_LINE_END_HYPHEN = 2  # pdfium joins a word hyphenated over two lines and marks the hyphen 0x02
_RULE_MIN_PREFILTER = 1.0  # pdfplumber drops shorter edges before joining (edge_min_length_prefilter)
_SNAP = 3.0  # pdfplumber's snap/join/intersection tolerance
_EXACT = 0.01  # pdfplumber calls an edge horizontal or vertical only when its ends align exactly
_MAX_FORM_DEPTH = 8
_DEFAULT_DESCENT = -0.2  # per point of size, for a font pdfium cannot describe


_Rule = tuple[float, float, float]  # position across, start along, end along
Box = tuple[float, float, float, float]  # x0, top, x1, bottom from the page's top-left corner


@dataclass
class PageLine:
    """One line of text on a page, in PDF points from the page's top-left corner."""

    text: str
    top: float
    bottom: float
    x0: float
    size: float
    is_bold: bool
    is_mono: bool


def font_flags(fonts: list[str]) -> tuple[bool, bool]:
    """(bold, monospace) for a line from the lower-cased font names of its visible characters."""
    fonts = fonts or [""]
    bold = sum("bold" in f or "black" in f or "heavy" in f for f in fonts) >= 0.9 * len(fonts)
    mono = sum("mono" in f or "courier" in f or "code" in f for f in fonts) >= 0.8 * len(fonts)
    return bold, mono


def median_size(sizes: list[float]) -> float:
    """Median font size rounded to half points (sub-point jitter is not a different style)."""
    return statistics.median([round(s * 2) / 2 for s in sizes] or [0.0])


class _Fonts:
    """Font name, descent and size per text object: a page draws thousands of characters with a
    few dozen objects, and every character of one object shares its font and size."""

    def __init__(self) -> None:
        import pypdfium2.raw as pdfium_c

        self._c = pdfium_c
        self._by_object: dict[int, tuple[str, float, float]] = {}
        self._name = ctypes.create_string_buffer(256)
        self._descent = ctypes.c_float()

    def of(self, address: int, textpage: Any, index: int) -> tuple[str, float, float]:
        found = self._by_object.get(address)
        if found is None:
            text_object = ctypes.cast(ctypes.c_void_p(address), self._c.FPDF_PAGEOBJECT) if address else None
            name, descent = self._read(text_object)
            found = (name, descent, self._c.FPDFText_GetFontSize(textpage, index))
            self._by_object[address] = found
        return found

    def _read(self, text_object: Any) -> tuple[str, float]:
        if not text_object:
            return "", _DEFAULT_DESCENT
        c = self._c
        font = c.FPDFTextObj_GetFont(text_object)
        if not font:
            return "", _DEFAULT_DESCENT
        c.FPDFFont_GetBaseFontName(font, self._name, len(self._name))
        name = self._name.value.decode("utf-8", "replace").lower()
        # descent per point of size (negative); pdfminer puts a glyph's box there
        ok = c.FPDFFont_GetDescent(font, 1.0, self._descent)
        return name, self._descent.value if ok else _DEFAULT_DESCENT


@functools.cache
def _text_object_address() -> Any:
    """``FPDFText_GetTextObject`` answering the object's address as an int: the per-character
    cache key, without a ctypes cast per character (a quarter of the reading time)."""
    import pypdfium2.raw as c

    prototype = ctypes.CFUNCTYPE(ctypes.c_void_p, c.FPDF_TEXTPAGE, ctypes.c_int)
    return prototype(ctypes.cast(c.FPDFText_GetTextObject, ctypes.c_void_p).value)


def read_lines(page: Any, exclude: Sequence[Box] = ()) -> list[PageLine]:
    """The text lines of a pypdfium2 ``PdfPage`` in pdfium's reading order.

    Args:
        page: an open ``pypdfium2.PdfPage``.
        exclude: boxes (x0, top, x1, bottom) whose characters are left out (the tables found on
            the page), judged by the centre of each character's box as pdfplumber does.

    Returns:
        Lines with non-empty text; geometry in points from the top-left corner.
    """
    import pypdfium2.raw as c

    height = page.get_height()
    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        fonts = _Fonts()
        text_object_at = _text_object_address()
        ox, oy = ctypes.c_double(), ctypes.c_double()
        lines: list[PageLine] = []
        chars: list[str] = []
        names: list[str] = []
        sizes: list[float] = []
        top = bottom = x0 = None

        box = c.FS_RECTF()

        def close_line() -> None:
            text = "".join(chars).strip()
            if exclude:  # pdfium's spaces between left-out table characters
                text = " ".join(text.split())
            if text and top is not None:
                bold, mono = font_flags(names)
                lines.append(PageLine(text, top, bottom, x0, median_size(sizes), bold, mono))

        run = None  # the text object of the previous visible character on this line
        for i in range(c.FPDFText_CountChars(raw)):
            code = c.FPDFText_GetUnicode(raw, i)
            if code == _LF:
                close_line()
                chars, names, sizes, top, bottom, x0, run = [], [], [], None, None, None, None
                continue
            if code in (_CR, _LINE_END_HYPHEN):
                continue
            char = chr(code) if code < 0x110000 else "\ufffd"
            if exclude and not c.FPDFText_IsGenerated(raw, i):
                c.FPDFText_GetLooseCharBox(raw, i, box)
                if _centre_inside(box, height, exclude):
                    continue
            chars.append(char)
            if not char.strip():
                continue  # spaces (pdfium's inferred ones too) count for neither font nor box
            address = text_object_at(raw, i) or 0
            name, descent, size = fonts.of(address, raw, i)
            names.append(name)
            sizes.append(size)
            if address == run:
                continue  # one text object draws on one baseline: its first character placed it
            run = address
            c.FPDFText_GetCharOrigin(raw, i, ox, oy)
            char_bottom = height - (oy.value + descent * size)
            char_top = char_bottom - size
            top = char_top if top is None else min(top, char_top)
            bottom = char_bottom if bottom is None else max(bottom, char_bottom)
            x0 = ox.value if x0 is None else min(x0, ox.value)
        close_line()
        return lines
    finally:
        textpage.close()


def _centre_inside(box: Any, height: float, boxes: Sequence[Box]) -> bool:
    cx, cy = (box.left + box.right) / 2, height - (box.top + box.bottom) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def find_tables(page: Any, *, x_tolerance: float) -> list[tuple[Box, list[list[str | None]]]]:
    """pdfplumber's table finder (its default ruling-line settings) on pdfium's characters and
    path segments: the same cells as ``pdfplumber`` gives on its own page objects (78 of 78 rows
    on the dev manuals), without pdfminer building every character (~4x faster on such pages).

    Args:
        page: an open ``pypdfium2.PdfPage``.
        x_tolerance: the gap between characters that separates words in a cell.

    Returns:
        (bbox as x0, top, x1, bottom; rows of cell texts) per table, as ``Table.extract``.
    """
    from pdfplumber.table import TableFinder, TableSettings

    finder = TableFinder(_TableView(page), TableSettings.resolve(None))
    return [(t.bbox, t.extract(x_tolerance=x_tolerance)) for t in finder.tables]


class _TableView:
    """The parts of a ``pdfplumber.Page`` its table finder reads: bbox, edges and chars."""

    def __init__(self, page: Any) -> None:
        import pypdfium2.raw as c

        width, height = page.get_width(), page.get_height()
        self.bbox = (0.0, 0.0, width, height)
        vertical, horizontal = _rules(page, slack=_EXACT)
        self.edges = [_edge(x, height - end, x, height - start, "v") for x, start, end in vertical] + [
            _edge(start, height - y, end, height - y, "h") for y, start, end in horizontal
        ]
        self.chars: list[dict[str, Any]] = []
        textpage = page.get_textpage()
        try:
            raw, box = textpage.raw, c.FS_RECTF()
            for i in range(c.FPDFText_CountChars(raw)):
                code = c.FPDFText_GetUnicode(raw, i)
                if code in (_CR, _LF) or c.FPDFText_IsGenerated(raw, i):
                    continue
                c.FPDFText_GetLooseCharBox(raw, i, box)
                top, bottom = height - box.top, height - box.bottom
                self.chars.append(
                    {
                        # pdfminer keeps a hyphen at a line end that pdfium marks as joined
                        "text": "-" if code == _LINE_END_HYPHEN else chr(code),
                        "x0": box.left,
                        "x1": box.right,
                        "top": top,
                        "bottom": bottom,
                        "doctop": top,
                        "width": box.right - box.left,
                        "height": bottom - top,
                        "upright": True,
                        "object_type": "char",
                    }
                )
        finally:
            textpage.close()


def _edge(x0: float, top: float, x1: float, bottom: float, orientation: str) -> dict[str, Any]:
    return {
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "doctop": top,
        "width": x1 - x0,
        "height": bottom - top,
        "orientation": orientation,
        "object_type": "line",
    }


def may_have_table(page: Any) -> bool:
    """Whether pdfplumber's table finder could find a table of 2+ rows and 2+ columns here.

    Its default strategy builds cells from ruling lines only: axis-aligned segments of lines,
    rectangles and curves (1 pt or longer before joining, snapped within 3 pt). A table the parser
    keeps needs at least three vertical rules side by side and three horizontal rules above one
    another; a single box (a shaded code listing) or header/footer rules cannot make one, and the
    parser would turn a 1-column or 1-row "table" into a paragraph anyway.

    Args:
        page: an open ``pypdfium2.PdfPage``.

    Returns:
        True when the page's rules could form such a grid; conservative: a page is never
        reported False when pdfplumber would find a table with 2+ rows and 2+ columns on it
        (``bench/ingest_pipeline.py --compare-pdf`` measures this on whole manuals).
    """
    vertical, horizontal = _rules(page)
    return _side_by_side(vertical) and _side_by_side(horizontal)


def _rules(page: Any, slack: float = _SNAP) -> tuple[list[_Rule], list[_Rule]]:
    """Axis-aligned straight segments of every path on the page, in page space (bottom-up y);
    a segment counts as aligned when its ends differ by at most ``slack`` across."""
    import pypdfium2.raw as c

    vertical: list[_Rule] = []
    horizontal: list[_Rule] = []
    point_x, point_y = ctypes.c_float(), ctypes.c_float()
    matrix = c.FS_MATRIX()

    def add(x0: float, y0: float, x1: float, y1: float) -> None:
        if abs(x1 - x0) <= slack and abs(y1 - y0) >= _RULE_MIN_PREFILTER:
            vertical.append(((x0 + x1) / 2, min(y0, y1), max(y0, y1)))
        elif abs(y1 - y0) <= slack and abs(x1 - x0) >= _RULE_MIN_PREFILTER:
            horizontal.append(((y0 + y1) / 2, min(x0, x1), max(x0, x1)))

    def segments(obj: Any, m: tuple[float, ...]) -> None:
        a, b, cc, d, e, f = m
        start = last = None
        for i in range(c.FPDFPath_CountSegments(obj)):
            seg = c.FPDFPath_GetPathSegment(obj, i)
            c.FPDFPathSegment_GetPoint(seg, point_x, point_y)
            x, y = point_x.value, point_y.value
            here = (a * x + cc * y + e, b * x + d * y + f)
            if c.FPDFPathSegment_GetType(seg) == c.FPDF_SEGMENT_MOVETO or last is None:
                start = here
            else:  # a Bezier's control points give its chord pieces, as pdfplumber's curve edges
                add(*last, *here)
            last = here
            if c.FPDFPathSegment_GetClose(seg) and start is not None:
                add(*last, *start)
                last = start

    def visit(count: int, get: Any, outer: tuple[float, ...], depth: int) -> None:
        for i in range(count):
            obj = get(i)
            kind = c.FPDFPageObj_GetType(obj)
            if kind not in (c.FPDF_PAGEOBJ_PATH, c.FPDF_PAGEOBJ_FORM) or depth > _MAX_FORM_DEPTH:
                continue
            if not c.FPDFPageObj_GetMatrix(obj, matrix):
                continue
            m = _compose((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer)
            if kind == c.FPDF_PAGEOBJ_PATH:
                segments(obj, m)
            else:
                visit(
                    c.FPDFFormObj_CountObjects(obj),
                    lambda j, form=obj: c.FPDFFormObj_GetObject(form, j),
                    m,
                    depth + 1,
                )

    visit(
        c.FPDFPage_CountObjects(page.raw),
        lambda i: c.FPDFPage_GetObject(page.raw, i),
        (1.0, 0.0, 0.0, 1.0, 0.0, 0.0),
        0,
    )
    return vertical, horizontal


def _compose(inner: tuple[float, ...], outer: tuple[float, ...]) -> tuple[float, ...]:
    """The matrix applying ``inner`` then ``outer`` (PDF row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _side_by_side(rules: list[_Rule]) -> bool:
    """True when some rule overlaps (along its length, within the snap tolerance) rules at two
    other positions across, i.e. three parallel rules could bound two cells."""
    rules = sorted(rules, key=lambda r: r[1])
    for i, (across, start, end) in enumerate(rules):
        positions = [across]
        for other_across, other_start, other_end in rules[i + 1 :]:
            if other_start > end + _SNAP:
                break
            if other_end >= start - _SNAP and all(abs(other_across - p) > _SNAP for p in positions):
                positions.append(other_across)
                if len(positions) >= 3:
                    return True
    return False
