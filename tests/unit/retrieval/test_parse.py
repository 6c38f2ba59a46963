"""Parsers on the real sample documents, and every kind of bad input failing with a clear error."""

import io
import zipfile
from pathlib import Path

import pytest

from retrieval.config import ParseConfig
from retrieval.errors import DocumentError, EmptyFile, FileTooLarge, ParseError, UnsupportedFileType
from retrieval.parse import parse_file
from retrieval.types import BlockKind, FileKind

ROOT = Path(__file__).resolve().parents[3]
MANUALS = ROOT / "sample_data" / "manuals"
BAD = ROOT / "tests" / "data" / "bad"


def blocks_of(document, kind):
    return [b for b in document.blocks if b.kind is kind]


@pytest.fixture(scope="module")
def pdf():
    return parse_file(MANUALS / "linuxcnc-integrator-information.pdf")


def test_pdf_blocks_carry_page_numbers(pdf):
    assert pdf.metadata.kind is FileKind.PDF
    assert pdf.metadata.page_count == 20
    assert all(b.page is not None and 1 <= b.page <= 20 for b in pdf.blocks)
    assert max(b.page for b in pdf.blocks) >= 18


def test_pdf_headings_come_from_font_sizes_and_numbering(pdf):
    paths = {b.heading_path for b in blocks_of(pdf, BlockKind.HEADING)}
    assert ("Chapter 1 Stepper Information", "1.1 Stepper Motor Operation") in paths
    resonance = next(b for b in blocks_of(pdf, BlockKind.LIST_ITEM) if "resonance" in b.text)
    assert resonance.heading_path[-1] == "1.3 Resonance"


def test_pdf_text_of_justified_lines_keeps_its_spaces(pdf):
    text = " ".join(b.text for b in pdf.blocks)
    assert "As in real life, nothing can change from one state to another" in text


def test_pdf_drops_running_headers(pdf):
    assert not any(
        b.text.startswith("Integrator Information V2.9.0") for b in blocks_of(pdf, BlockKind.PARAGRAPH)
    )


def test_pdf_tables_are_kept_as_tables(pdf):
    tables = blocks_of(pdf, BlockKind.TABLE)
    assert len(tables) >= 4
    timing = tables[0]
    assert timing.rows is not None and len(timing.rows) >= 3
    assert "Step Time" in timing.rows[0]
    assert all(len(row) == len(timing.rows[0]) for row in timing.rows)
    assert timing.heading_path == ("Chapter 2 Stepper Timing",)


def test_pdf_reports_progress_page_by_page():
    seen = []
    parse_file(
        MANUALS / "linuxcnc-integrator-information.pdf",
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[0] == (1, 20) and seen[-1] == (20, 20) and len(seen) == 20


def test_html_manual_has_heading_paths_tables_procedures_and_code():
    doc = parse_file(MANUALS / "apcupsd-user-manual.html")
    assert doc.metadata.title == "APCUPSD User Manual"
    quick = [b for b in doc.blocks if b.heading_path[-1:] == ("Quick Start for Beginners",)]
    assert quick and quick[0].heading_path[:-1] == ("APCUPSD User Manual", "Basic User's Guide")
    procedure = next(b for b in quick if b.kind is BlockKind.PROCEDURE)
    assert procedure.text.startswith("1. Check to see if apcupsd supports your UPS and cable")
    assert "\n13. Read the manual section on Monitoring" in procedure.text
    assert len(blocks_of(doc, BlockKind.TABLE)) >= 10
    assert any("UPSCABLE" in b.text for b in blocks_of(doc, BlockKind.CODE))


def test_html_drops_navigation_and_table_of_contents():
    doc = parse_file(MANUALS / "nut-user-manual-configuration-notes.html")
    texts = [b.text for b in doc.blocks]
    assert not any(t in ("Prev", "Next", "Home") for t in texts)
    assert doc.blocks[0].kind is BlockKind.HEADING and doc.blocks[0].text.startswith("6.")


def test_html_full_of_scripts_keeps_only_the_text(tmp_path):
    page = tmp_path / "page.html"
    scripts = "<script>alert('x')</script><style>p{color:red}</style>" * 500
    page.write_text(
        f"<!DOCTYPE html><html><head>{scripts}</head><body>{scripts}<h1>Pump P-101</h1>"
        "<p>Check the seal.</p><script>document.write('evil')</script>"
        "<noscript>enable js</noscript></body></html>"
    )
    doc = parse_file(page)
    assert [(b.kind, b.text) for b in doc.blocks] == [
        (BlockKind.HEADING, "Pump P-101"),
        (BlockKind.PARAGRAPH, "Check the seal."),
    ]


def test_docx_headings_lists_and_procedures():
    doc = parse_file(MANUALS / "apcupsd-maintaining-your-ups.docx")
    assert doc.metadata.title == "Maintaining Your UPS Batteries"
    headings = [b.text for b in blocks_of(doc, BlockKind.HEADING)]
    assert {"Battery Technology", "Battery Life"} <= set(headings)
    procedure = blocks_of(doc, BlockKind.PROCEDURE)[0]
    assert procedure.heading_path[-1] == "Battery Life"
    assert procedure.text.startswith("1. Make sure that you keep your APC UPS in a cool")
    assert blocks_of(doc, BlockKind.LIST_ITEM)


def test_docx_tables_are_kept_as_tables(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("Torque values", level=1)
    table = document.add_table(rows=3, cols=2)
    for row, (a, b) in zip(table.rows, [("Bolt", "Torque (Nm)"), ("M8", "25"), ("M10", "49")], strict=True):
        row.cells[0].text, row.cells[1].text = a, b
    path = tmp_path / "torque.docx"
    document.save(path)
    table_block = blocks_of(parse_file(path), BlockKind.TABLE)[0]
    assert table_block.rows == (("Bolt", "Torque (Nm)"), ("M8", "25"), ("M10", "49"))
    assert table_block.heading_path == ("Torque values",)


def test_markdown_headings_tables_lists_and_code():
    doc = parse_file(MANUALS / "nut-user-manual-overview.md")
    assert doc.metadata.kind is FileKind.MARKDOWN
    table = blocks_of(doc, BlockKind.TABLE)[0]
    assert table.rows[0][1] == "Server version"
    assert ("**Client version**", "1.0", "1.2", "1.4", "2.0+") == table.rows[1]
    assert blocks_of(doc, BlockKind.CODE)
    nested = [b for b in doc.blocks if len(b.heading_path) == 2]
    assert nested and nested[0].heading_path[0] == "2. Network UPS Tools Overview"


def test_text_underlined_titles_become_headings_and_rst_tables_become_tables():
    doc = parse_file(MANUALS / "apcupsd-smart-protocol.txt")
    assert doc.metadata.title == "APC smart protocol"
    assert doc.blocks[0].level == 1
    description = next(b for b in doc.blocks if b.kind is BlockKind.HEADING and b.text == "Description")
    assert description.level == 2 and description.heading_path == ("APC smart protocol", "Description")
    grid, *simple = blocks_of(doc, BlockKind.TABLE)
    assert grid.heading_path[-1] == "The Smart Protocol"
    assert grid.rows[0] == ("Character", "Meaning", "Typical results", "Other info")
    assert grid.rows[1] == (
        "^A",
        "Model string",
        "SMART-UPS 700",
        "Spotty support for this query on older models",
    )
    assert "BT = failed due to insufficient" in grid.text
    alerts = next(t for t in simple if t.heading_path[-1] == "Alert messages")
    assert alerts.rows[0] == ("Character", "Meaning", "Description")
    assert [row[0] for row in alerts.rows[1:]] == ["!", "$", "%", "+", "?", "=", "*", "#", "&", "|"]
    assert alerts.rows[8][1] == "Replace battery"  # continuation lines and blank lines stay in their row
    assert not any("+---" in b.text or "=== ===" in b.text for b in doc.blocks)


def test_text_in_latin1_is_decoded(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes("Température de la pompe: 85 °C. Vérifier le joint d'étanchéité.\n".encode("latin-1"))
    doc = parse_file(path)
    assert "Température" in doc.blocks[0].text and "°C" in doc.blocks[0].text


def test_text_with_a_200000_character_line_parses(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("Intro line.\n\n" + "x" * 200_000 + "\n")
    doc = parse_file(path)
    assert max(len(b.text) for b in doc.blocks) == 200_000


# --- bad input -----------------------------------------------------------------------------


def test_it_rejects_an_empty_file(tmp_path):
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(EmptyFile):
        parse_file(path)


def test_it_rejects_a_truncated_pdf(tmp_path):
    data = (MANUALS / "linuxcnc-integrator-information.pdf").read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ParseError, match="truncated") as e:
        parse_file(path)
    assert e.value.file == "truncated.pdf" and not e.value.is_transient


def test_it_rejects_a_corrupt_pdf(tmp_path):
    path = tmp_path / "corrupt.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"garbage that is no PDF object at all\n" * 50 + b"%%EOF\n")
    with pytest.raises(ParseError, match="corrupt.pdf"):
        parse_file(path)


def test_it_rejects_an_encrypted_pdf_with_a_clear_reason():
    with pytest.raises(ParseError, match="encrypted PDF: it needs a password"):
        parse_file(BAD / "encrypted.pdf")


def test_it_rejects_a_binary_whose_extension_lies(tmp_path):
    import sys

    path = tmp_path / "manual.pdf"
    path.write_bytes(Path(sys.executable).resolve().read_bytes()[:100_000])
    with pytest.raises(UnsupportedFileType):
        parse_file(path)


def test_it_rejects_a_docx_zip_bomb(tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"<w:document>" + b" " * 30_000_000 + b"</w:document>")
    assert path.stat().st_size < 100_000
    with pytest.raises(ParseError, match="zip bomb"):
        parse_file(path)
    with pytest.raises(FileTooLarge, match="unpacked content"):
        parse_file(path, config=ParseConfig(max_archive_bytes=10_000_000))


def test_it_rejects_a_damaged_docx(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<not-really-word")
    path = tmp_path / "damaged.docx"
    path.write_bytes(buf.getvalue())
    with pytest.raises(ParseError, match="damaged.docx"):
        parse_file(path)


def test_it_rejects_a_file_over_the_limit():
    with pytest.raises(FileTooLarge):
        parse_file(MANUALS / "apcupsd-user-manual.html", config=ParseConfig(max_file_bytes=100_000))


def test_every_bad_input_error_is_a_permanent_document_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(DocumentError) as e:
        parse_file(path)
    assert e.value.is_transient is False and "empty.csv" in str(e.value)


def test_it_rejects_a_pdf_without_any_text(tmp_path):
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "scan.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    with pytest.raises(ParseError, match="scan.pdf: no extractable text"):
        parse_file(path)
