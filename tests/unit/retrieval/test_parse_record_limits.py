"""Row and column caps on record files apply before (XLSX) or while (CSV, XLSX) rows are read."""

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from retrieval.config import ParseConfig
from retrieval.errors import ParseError
from retrieval.parse import parse_file


def _workbook(path: Path, cells: dict[str, object]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Orders"
    for ref, value in cells.items():
        sheet[ref] = value
    workbook.save(path)
    return path


def _declare_dimension(path: Path, ref: str | None) -> None:
    """Rewrite the sheet's <dimension> (None removes it), as a careless exporter might."""
    member = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as zin:
        items = {name: zin.read(name) for name in zin.namelist()}
    xml = items[member].decode()
    tag = f'<dimension ref="{ref}"/>' if ref else ""
    items[member] = re.sub(r"<dimension ref=\"[^\"]*\"\s*/>", tag, xml).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items.items():
            zout.writestr(name, data)


def test_a_tiny_xlsx_declaring_the_whole_sheet_fails_before_reading_a_row(tmp_path):
    path = _workbook(tmp_path / "orders.xlsx", {"A1": "id", "B1": "asset", "A2": 1, "B2": "P-101"})
    _declare_dimension(path, "A1:XFD1048576")
    assert path.stat().st_size < 10_000
    with pytest.raises(ParseError, match=r"spans 1,048,576 rows x 16,384 columns; the limits are"):
        parse_file(path)


def test_an_xlsx_with_a_far_away_cell_behind_a_small_dimension_stops_at_the_row_limit(tmp_path):
    path = _workbook(
        tmp_path / "orders.xlsx", {"A1": "id", "B1": "asset", "A2": 1, "B2": "P-101", "B1048576": "x"}
    )
    _declare_dimension(path, "A1:B2")
    with pytest.raises(ParseError, match="more than 1,000 rows"):
        parse_file(path, config=ParseConfig(max_record_rows=1_000))


def test_an_xlsx_with_a_cell_past_the_column_limit_fails(tmp_path):
    path = _workbook(tmp_path / "orders.xlsx", {"A1": "id", "B1": "asset", "A2": 1, "XFD2": "far"})
    _declare_dimension(path, None)
    with pytest.raises(ParseError, match="row 2 has a value in column 16,384; the limit is 1,000 columns"):
        parse_file(path)


def test_an_xlsx_within_the_limits_still_parses(tmp_path):
    path = _workbook(tmp_path / "orders.xlsx", {"A1": "id", "B1": "asset", "A2": 1, "B2": "P-101", "A5": 2})
    document = parse_file(path, config=ParseConfig(max_record_rows=10, max_record_columns=2))
    assert [b.fields for b in document.blocks if b.fields] == [
        {"id": 1, "asset": "P-101"},
        {"id": 2, "asset": None},
    ]


def test_a_csv_over_the_row_limit_fails_while_reading(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("id,asset\n" + "".join(f"{i},P-{i}\n" for i in range(50)))
    with pytest.raises(ParseError, match="orders.csv: more than 30 rows"):
        parse_file(path, config=ParseConfig(max_record_rows=30))


def test_a_csv_row_wider_than_the_column_limit_fails(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("id,asset\n1,P-1\n" + ",".join(["x"] * 1500) + "\n")
    with pytest.raises(ParseError, match="row 3 has a value in column 1,500; the limit is 1,000 columns"):
        parse_file(path)


def test_trailing_empty_csv_columns_past_the_limit_are_ignored(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("id,asset\n1,P-1" + "," * 1500 + "\n2,P-2\n")
    document = parse_file(path)  # no error: only values count against the column limit
    assert any("P-2" in b.text for b in document.blocks)
