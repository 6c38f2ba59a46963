"""The PDF text layer: pdfium for text and ruling lines, pdfplumber's table finder over them only
on pages that may hold a table.

Parity is checked against the pdfplumber-only reader (``ParseConfig(pdf_text="pdfplumber")``, the
parser before pdfium) on the committed 20-page manual and on a PDF drawn here with a ruled table,
a boxed code listing and running rules.
"""

import ctypes
import difflib
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest

from retrieval.config import ParseConfig
from retrieval.parse import parse_file
from retrieval.parse.pdfium_text import may_have_table, read_lines
from retrieval.types import BlockKind

ROOT = Path(__file__).resolve().parents[3]
MANUAL = ROOT / "sample_data" / "manuals" / "linuxcnc-integrator-information.pdf"
TABLE = (
    ("Code", "Meaning", "Action"),
    ("E-214", "Overcurrent", "Check motor"),
    ("E-305", "Overheat", "Clean fan"),
)


class _Drawing:
    """A PDF drawn with pdfium's editing API: standard fonts, lines and rectangles."""

    def __init__(self) -> None:
        self.pdf = pypdfium2.PdfDocument.new()
        self.page = None

    def new_page(self) -> None:
        if self.page is not None:
            pdfium_c.FPDFPage_GenerateContent(self.page.raw)
        self.page = self.pdf.new_page(595, 842)

    def text(self, s: str, x: float, y: float, size: float, font: str = "Helvetica") -> None:
        handle = pdfium_c.FPDFText_LoadStandardFont(self.pdf.raw, font.encode())
        obj = pdfium_c.FPDFPageObj_CreateTextObj(self.pdf.raw, handle, size)
        buf = ctypes.create_string_buffer((s + "\0").encode("utf-16-le"))
        pdfium_c.FPDFText_SetText(obj, ctypes.cast(buf, ctypes.POINTER(pdfium_c.FPDF_WCHAR)))
        pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, y)
        pdfium_c.FPDFPage_InsertObject(self.page.raw, obj)

    def line(self, x0: float, y0: float, x1: float, y1: float) -> None:
        path = pdfium_c.FPDFPageObj_CreateNewPath(x0, y0)
        pdfium_c.FPDFPath_LineTo(path, x1, y1)
        pdfium_c.FPDFPath_SetDrawMode(path, 0, True)
        pdfium_c.FPDFPage_InsertObject(self.page.raw, path)

    def rect(self, x: float, y: float, w: float, h: float) -> None:
        path = pdfium_c.FPDFPageObj_CreateNewRect(x, y, w, h)
        pdfium_c.FPDFPath_SetDrawMode(path, 0, True)
        pdfium_c.FPDFPage_InsertObject(self.page.raw, path)

    def save(self, path: Path) -> Path:
        pdfium_c.FPDFPage_GenerateContent(self.page.raw)
        self.pdf.save(path)
        return path


@pytest.fixture(scope="module")
def drawn(tmp_path_factory) -> Path:
    d = _Drawing()
    d.new_page()  # a heading, a paragraph of two lines, a ruled 3 x 3 table, footer rule
    d.text("1.2 Spindle Drive", 56, 760, 16, "Helvetica-Bold")
    d.text("The spindle drive accepts a 0-10 V speed signal from the controller", 56, 730, 10)
    d.text("and reports faults through a relay contact wired to the estop chain.", 56, 718, 10)
    rules = [690, 670, 650, 630]
    for y in rules:
        d.line(56, y, 356, y)
    for x in (56, 156, 256, 356):
        d.line(x, 630, x, 690)
    for r, cells in enumerate(TABLE):
        for k, cell in enumerate(cells):
            d.text(cell, 60 + 100 * k, rules[r] - 14, 10)
    d.line(56, 40, 540, 40)
    d.new_page()  # a heading, a paragraph, a code listing in a shaded box, footer rule
    d.text("1.3 Wiring", 56, 760, 16, "Helvetica-Bold")
    d.text("Wire the relay contact in series with the other estop inputs before power-up.", 56, 730, 10)
    d.rect(50, 640, 400, 60)
    d.text("net estop-out spindle.fault => iocontrol.0.emc-enable-in", 56, 680, 9, "Courier")
    d.text("loadrt and2 count=1", 56, 668, 9, "Courier")
    d.line(56, 40, 540, 40)
    return d.save(tmp_path_factory.mktemp("pdf") / "drawn.pdf")


def _blocks(document):
    return [(b.page, b.kind, b.heading_path, b.text, b.rows) for b in document.blocks]


def test_only_a_page_whose_rules_form_a_grid_goes_to_the_table_finder(drawn):
    pdf = pypdfium2.PdfDocument(drawn)
    assert [may_have_table(pdf[i]) for i in range(len(pdf))] == [True, False]


def test_table_pages_still_go_through_the_table_path(drawn):
    document = parse_file(drawn)
    tables = [b for b in document.blocks if b.kind is BlockKind.TABLE]
    assert [(t.page, t.rows) for t in tables] == [(1, TABLE)]
    assert not any("E-214" in b.text for b in document.blocks if b.kind is not BlockKind.TABLE)


def test_the_drawn_pdf_parses_the_same_through_either_text_layer(drawn):
    fast = parse_file(drawn)
    assert _blocks(fast) == _blocks(parse_file(drawn, config=ParseConfig(pdf_text="pdfplumber")))
    kinds = [b.kind for b in fast.blocks]
    assert kinds == [BlockKind.HEADING, BlockKind.PARAGRAPH, BlockKind.TABLE] + [
        BlockKind.HEADING,
        BlockKind.PARAGRAPH,
        BlockKind.CODE,
    ]


def test_the_table_finder_over_pdfium_gives_pdfplumbers_cells():
    import pdfplumber

    from retrieval.parse.pdfium_text import find_tables

    pdf = pypdfium2.PdfDocument(MANUAL)
    with pdfplumber.open(MANUAL) as plumber:
        for index in range(7, 13):  # the six pages of driver timing tables
            ours = [rows for _, rows in find_tables(pdf[index], x_tolerance=1.5)]
            theirs = [t.extract(x_tolerance=1.5) for t in plumber.pages[index].find_tables()]
            assert ours == theirs and ours


def test_pdfium_lines_carry_fonts_and_geometry(drawn):
    pdf = pypdfium2.PdfDocument(drawn)
    lines = read_lines(pdf[1])
    heading, prose, code, code2 = lines
    assert heading.text == "1.3 Wiring" and heading.size == 16 and heading.is_bold
    assert prose.size == 10 and not prose.is_bold and not prose.is_mono
    assert code.is_mono and code2.text == "loadrt and2 count=1"
    # pdfminer's box: the em square above the baseline's descent, measured from the page top
    assert heading.top < prose.top < code.top < code2.top
    assert code.bottom - code.top == pytest.approx(9, abs=0.01)
    assert prose.x0 == pytest.approx(56, abs=0.5)


def test_the_sample_manual_keeps_headings_tables_and_pages_and_nearly_every_word():
    fast = parse_file(MANUAL)
    slow = parse_file(MANUAL, config=ParseConfig(pdf_text="pdfplumber"))

    def of_kind(document, kind):
        return [(b.page, b.heading_path, b.text, b.rows) for b in document.blocks if b.kind is kind]

    assert of_kind(fast, BlockKind.HEADING) == of_kind(slow, BlockKind.HEADING)
    assert of_kind(fast, BlockKind.TABLE) == of_kind(slow, BlockKind.TABLE)
    assert [(b.page, b.kind) for b in fast.blocks] == [(b.page, b.kind) for b in slow.blocks]
    words_fast = " ".join(b.text for b in fast.blocks).split()
    words_slow = " ".join(b.text for b in slow.blocks).split()
    # the one difference: pdfium keeps the subscript of "Vmax" on its line, pdfplumber moves it
    assert difflib.SequenceMatcher(None, words_fast, words_slow, autojunk=False).ratio() > 0.999


def test_a_pdf_encrypted_without_a_user_password_opens(tmp_path, drawn):
    import pypdf

    writer = pypdf.PdfWriter(clone_from=drawn)
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    path = tmp_path / "locked-for-editing.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    assert _blocks(parse_file(path)) == _blocks(parse_file(drawn))


def test_an_unknown_text_layer_is_refused():
    with pytest.raises(ValueError, match="pdf_text"):
        ParseConfig(pdf_text="ocr")
