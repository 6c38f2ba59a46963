"""Record exports (CSV via the csv module, XLSX via openpyxl): one RECORD block per data row.

The header row is detected (leading title/blank rows are skipped); each column gets one inferred
type (int, float, date, datetime or str) that all its non-empty cells fit, and every cell is
converted to it, so ``fields`` hold real numbers and dates for aggregate questions.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from retrieval.config import ParseConfig
from retrieval.errors import ParseError
from retrieval.parse.base import BlockBuilder, Parser, ProgressCallback, check_archive, decode_text
from retrieval.types import BlockKind, DocumentMetadata, FieldValue, FileKind, ParsedDocument

logger = logging.getLogger(__name__)

_HEADER_SCAN_ROWS = 10
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%b-%Y", "%d %b %Y")
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M")
_INT = re.compile(r"^[+-]?\d{1,18}$")
_FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")


class CsvParser(Parser):
    """Parse CSV/TSV exports: encoding and delimiter detection, header detection, typed fields."""

    def parse(
        self,
        path: Path,
        *,
        name: str,
        config: ParseConfig,
        progress: ProgressCallback | None = None,
    ) -> ParsedDocument:
        text, encoding = decode_text(path.read_bytes(), name=name)
        dialect = _sniff_dialect(text)
        try:
            reader = csv.reader(io.StringIO(text, newline=""), dialect)
            rows = _bounded_rows(((n, row) for n, row in enumerate(reader, 1)), name=name, config=config)
        except csv.Error as e:
            raise ParseError(name, f"malformed CSV ({e})") from e
        return _records_document(
            rows,
            name=name,
            title=Path(name).stem,
            kind=FileKind.CSV,
            config=config,
            encoding=encoding,
            extra={"delimiter": dialect.delimiter},
        )


class XlsxParser(Parser):
    """Parse the first non-empty worksheet of an XLSX workbook into typed records."""

    def parse(
        self,
        path: Path,
        *,
        name: str,
        config: ParseConfig,
        progress: ProgressCallback | None = None,
    ) -> ParsedDocument:
        check_archive(path, name=name, config=config)
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises KeyError/InvalidFileException/zip errors
            raise ParseError(name, f"damaged XLSX ({type(e).__name__}: {e})") from e
        try:
            for sheet in workbook.worksheets:
                _check_declared_size(sheet, name=name, config=config)
                # Read rows at their real width: openpyxl would pad every row to the declared
                # width and yield every row of a gap, which a wrong dimension makes enormous.
                sheet.reset_dimensions()
                numbered = enumerate((_xlsx_row(r) for r in sheet.iter_rows(values_only=True)), 1)
                rows = _bounded_rows(numbered, name=name, config=config)
                if rows:
                    return _records_document(
                        rows,
                        name=name,
                        title=f"{Path(name).stem} - {sheet.title}",
                        kind=FileKind.XLSX,
                        config=config,
                        extra={"sheet": sheet.title},
                    )
        finally:
            workbook.close()
        raise ParseError(name, "the workbook has no data")


def _check_declared_size(sheet: Any, *, name: str, config: ParseConfig) -> None:
    """Refuse a sheet whose <dimension> declares more rows or columns than allowed, before reading."""
    rows, columns = sheet.max_row or 0, sheet.max_column or 0
    too_many_rows = config.max_record_rows and rows > config.max_record_rows + _HEADER_SCAN_ROWS
    if too_many_rows or columns > config.max_record_columns:
        raise ParseError(
            name,
            f"sheet {sheet.title!r} spans {rows:,} rows x {columns:,} columns; the limits are "
            f"{config.max_record_rows:,} rows and {config.max_record_columns:,} columns",
        )


def _bounded_rows(
    numbered: Iterable[tuple[int, list[Any]]], *, name: str, config: ParseConfig
) -> list[tuple[int, list[Any]]]:
    """The non-empty rows, stopping at the first row past the row or column limit (blank rows
    count towards the row limit too: a sheet of a million blank rows is no smaller to read)."""
    max_rows = config.max_record_rows + _HEADER_SCAN_ROWS if config.max_record_rows else None
    rows = []
    for number, row in numbered:
        if max_rows is not None and number > max_rows:
            raise ParseError(name, f"more than {config.max_record_rows:,} rows; the limit is that many")
        if len(row) > config.max_record_columns:
            last = _last_filled(row)
            if last > config.max_record_columns:
                raise ParseError(
                    name,
                    f"row {number} has a value in column {last:,}; the limit is "
                    f"{config.max_record_columns:,} columns",
                )
            row = row[: config.max_record_columns]
        if any((c.strip() if isinstance(c, str) else c != "") for c in row):
            rows.append((number, row))
    return rows


def _last_filled(row: Sequence[Any]) -> int:
    """1-based column of the last non-blank cell (0 for a blank row)."""
    for i in range(len(row) - 1, -1, -1):
        value = row[i]
        if value is not None and (value.strip() if isinstance(value, str) else True):
            return i + 1
    return 0


def _xlsx_row(values: Iterable[Any]) -> list[Any]:
    return [("" if v is None else v.strip() if isinstance(v, str) else v) for v in values]


def _sniff_dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _records_document(
    numbered_rows: list[tuple[int, list[Any]]],
    *,
    name: str,
    title: str,
    kind: FileKind,
    config: ParseConfig,
    encoding: str | None = None,
    extra: dict[str, str] | None = None,
) -> ParsedDocument:
    if not numbered_rows:
        raise ParseError(name, "no rows")
    rows = [row for _, row in numbered_rows]
    width = max(len(r) for r in rows)
    rows = [list(r) + [""] * (width - len(r)) for r in rows]
    header_index = detect_header(rows)
    if header_index is None:
        header = [f"column_{i + 1}" for i in range(width)]
        data_start = 0
    else:
        header = _unique_names(rows[header_index])
        data_start = header_index + 1
    data = rows[data_start:]
    if config.max_record_rows and len(data) > config.max_record_rows:
        raise ParseError(name, f"{len(data):,} rows; the limit is {config.max_record_rows:,}")
    types = [infer_type(row[i] for row in data) for i in range(width)]
    builder = BlockBuilder()
    builder.heading(title, 1)
    for offset, row in enumerate(data):
        fields: dict[str, FieldValue] = {h: convert(v, t) for h, v, t in zip(header, row, types, strict=True)}
        text = "; ".join(f"{h}: {_show(v)}" for h, v in fields.items() if v not in (None, ""))
        builder.add(BlockKind.RECORD, text, fields=fields, row_number=numbered_rows[data_start + offset][0])
    return ParsedDocument(
        blocks=builder.blocks,
        metadata=DocumentMetadata(
            title=title,
            kind=kind,
            encoding=encoding,
            columns=dict(zip(header, types, strict=True)),
            extra=extra or {},
        ),
    )


def detect_header(rows: Sequence[Sequence[Any]]) -> int | None:
    """Find the header row among the first rows.

    A header is the first row whose non-empty cells are all distinct non-numeric strings and that
    fills at least half of the columns (title rows above it fill fewer); when the row below it has
    the same shape of text-only cells and no row has a typed value, there is no header.

    Args:
        rows: the file's rows (cells as strings or native spreadsheet values).

    Returns:
        The 0-based index of the header row, or None when the first row is already data.
    """
    width = max((len(r) for r in rows), default=0)
    for index, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        cells = [c for c in row if c not in ("", None)]
        if len(cells) < max(1, (width + 1) // 2):
            continue
        if all(isinstance(c, str) and _parse_scalar(c)[1] == "str" for c in cells) and len(set(cells)) == len(
            cells
        ):
            below = rows[index + 1 : index + 6]
            has_typed_below = any(
                _parse_scalar(c)[1] != "str" for r in below for c in r if c not in ("", None)
            )
            column_counts = [sum(1 for c in r if c not in ("", None)) for r in below]
            if has_typed_below or not below or max(column_counts, default=0) <= len(cells):
                return index
            return None
        return None
    return None


def infer_type(values: Iterable[Any], *, max_outlier_fraction: float = 0.02) -> str:
    """The narrowest type the non-empty values fit: int < float; date < datetime; else str.

    Real exports have stray cells (a shifted row puts ``PM01`` in a cost column), so up to
    ``max_outlier_fraction`` of the values may fail to fit; ``convert`` keeps those as strings.

    Args:
        values: cells of one column.
        max_outlier_fraction: share of non-conforming values tolerated in a typed column.

    Returns:
        One of ``"int"``, ``"float"``, ``"date"``, ``"datetime"``, ``"str"`` (``"str"`` when empty).
    """
    counts: Counter[str] = Counter(_parse_scalar(v)[1] for v in values if v not in ("", None))
    total = sum(counts.values())
    if not total or counts["str"] > max_outlier_fraction * total:
        return "str"
    seen = {kind for kind in counts if kind != "str"}
    if seen <= {"int"}:
        return "int"
    if seen <= {"int", "float"}:
        return "float"
    if seen <= {"date"}:
        return "date"
    if seen <= {"date", "datetime"}:
        return "datetime"
    return "str"


def convert(value: Any, type_name: str) -> FieldValue:
    """Convert one cell to its column's type (None for empty cells).

    Args:
        value: the raw cell.
        type_name: the column type from ``infer_type``.

    Returns:
        The typed value.
    """
    if value in ("", None):
        return None
    parsed, kind = _parse_scalar(value)
    if type_name == "float" and kind in ("int", "float"):
        return float(parsed)  # type: ignore[arg-type]
    if type_name == "datetime" and kind == "date":
        return dt.datetime.combine(parsed, dt.time())  # type: ignore[arg-type]
    if type_name == kind:
        return parsed  # type: ignore[return-value]
    return str(value).strip()


def _parse_scalar(value: Any) -> tuple[FieldValue, str]:
    if isinstance(value, bool):
        return str(value), "str"
    if isinstance(value, int):
        return value, "int"
    if isinstance(value, float):
        return (int(value), "int") if value.is_integer() and abs(value) < 1e15 else (value, "float")
    if isinstance(value, dt.datetime):
        return (value.date(), "date") if value.time() == dt.time() else (value, "datetime")
    if isinstance(value, dt.date):
        return value, "date"
    text = str(value).strip()
    if _INT.match(text):
        if len(text.lstrip("+-")) > 1 and text.lstrip("+-").startswith("0"):
            return text, "str"  # "0042" is an identifier, not a number
        return int(text), "int"
    if _FLOAT.match(text):
        return float(text), "float"
    if 6 <= len(text) <= 20 and text[:1].isdigit():
        for fmt in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date(), "date"
            except ValueError:
                pass
        for fmt in _DATETIME_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt), "datetime"
            except ValueError:
                pass
    return text, "str"


def _show(value: FieldValue) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _unique_names(cells: Sequence[Any]) -> list[str]:
    names: list[str] = []
    for i, cell in enumerate(cells):
        base = str(cell).strip() or f"column_{i + 1}"
        candidate, n = base, 2
        while candidate in names:
            candidate, n = f"{base}_{n}", n + 1
        names.append(candidate)
    return names
