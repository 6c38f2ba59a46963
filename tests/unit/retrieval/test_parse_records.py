"""CSV/XLSX record exports: header detection, encodings, delimiters, typed fields."""

import datetime as dt
from pathlib import Path

import pytest

from retrieval.errors import ParseError
from retrieval.parse import parse_file
from retrieval.parse.records import detect_header, infer_type
from retrieval.types import BlockKind, FileKind

ROOT = Path(__file__).resolve().parents[3]
RECORDS = ROOT / "sample_data" / "records"


def records(document):
    return [b for b in document.blocks if b.kind is BlockKind.RECORD]


def test_csv_work_orders_become_one_typed_record_per_row():
    doc = parse_file(RECORDS / "excavator-work-orders.csv")
    rows = records(doc)
    assert len(rows) == 305
    assert doc.metadata.columns == {
        "BscStartDate": "date",
        "Asset": "str",
        "OriginalShorttext": "str",
        "PMType": "str",
        "Cost": "float",
    }
    first = rows[0]
    assert first.fields == {
        "BscStartDate": dt.date(2004, 7, 1),
        "Asset": "A",
        "OriginalShorttext": "BUCKET WON'T OPEN",
        "PMType": "PM01",
        "Cost": 183.05,
    }
    assert first.row_number == 2  # the header is row 1
    assert first.heading_path == ("excavator-work-orders",)
    assert "OriginalShorttext: BUCKET WON'T OPEN" in first.text


def test_xlsx_skips_the_title_rows_and_keeps_native_types():
    doc = parse_file(RECORDS / "excavator-work-orders.xlsx")
    assert doc.metadata.kind is FileKind.XLSX
    assert doc.metadata.extra["sheet"] == "Work orders"
    rows = records(doc)
    assert len(rows) == 305
    assert rows[0].row_number == 4  # title row, blank row, header row
    assert isinstance(rows[0].fields["BscStartDate"], dt.date)
    assert all(isinstance(r.fields["Cost"], float) for r in rows if r.fields["Cost"] is not None)


def test_latin1_csv_with_semicolons_is_decoded_and_split(tmp_path):
    path = tmp_path / "arbeitsauftraege.csv"
    text = (
        "Datum;Anlage;Störung;Kosten\n"
        "12.03.2021;Pumpe P-101;Dichtung undicht, Öl tritt aus;1250,00\n"
        "15.03.2021;Verdichter V-2;Lüfter blockiert;310\n"
        "02.04.2021;Pumpe P-101;Schütz defekt;88\n"
    )
    path.write_bytes(text.encode("latin-1"))
    doc = parse_file(path)
    assert doc.metadata.extra["delimiter"] == ";"
    assert doc.metadata.encoding not in ("utf-8", "utf_8")
    first = records(doc)[0]
    assert first.fields["Störung"] == "Dichtung undicht, Öl tritt aus"
    assert first.fields["Datum"] == dt.date(2021, 3, 12)
    assert first.fields["Kosten"] == "1250,00"  # decimal commas stay text rather than being guessed


def test_csv_without_header_gets_generated_column_names(tmp_path):
    path = tmp_path / "readings.csv"
    path.write_text("2024-01-01,P-101,4.2\n2024-01-02,P-101,4.4\n2024-01-03,P-102,3.9\n")
    doc = parse_file(path)
    assert list(doc.metadata.columns) == ["column_1", "column_2", "column_3"]
    assert records(doc)[0].fields == {"column_1": dt.date(2024, 1, 1), "column_2": "P-101", "column_3": 4.2}


def test_csv_with_a_field_over_the_csv_limit_fails_clearly(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text('id,notes\n1,"' + "x" * 200_000 + '"\n')
    with pytest.raises(ParseError, match="huge.csv: malformed CSV"):
        parse_file(path)


def test_header_detection_skips_title_rows():
    rows = [["Work orders 2024", "", ""], ["Date", "Asset", "Cost"], ["2024-01-01", "A", "12.5"]]
    assert detect_header(rows) == 1
    assert detect_header([["2024-01-01", "A", "12.5"], ["2024-01-02", "B", "3"]]) is None


def test_type_inference_tolerates_rare_stray_values_only():
    assert infer_type(["1", "2", "3"]) == "int"
    assert infer_type(["1", "2.5", ""]) == "float"
    assert infer_type(["1"] * 99 + ["PM01"]) == "int"
    assert infer_type(["1", "PM01"]) == "str"
    assert infer_type(["0042", "0043"]) == "str"  # identifiers with leading zeros are not numbers
    assert infer_type(["2024-01-01", "2024-02-01 10:00:00"]) == "datetime"
