"""reStructuredText grid and simple tables inside plain text, cut out as rows of cells.

Plain-text manuals exported from reStructuredText keep their tables as ASCII art::

    +------+-------+        ===  =========
    | Code | Means |        Bit  Meaning
    +======+=======+        ===  =========
    | A    | Test  |        0    Calibrating
    +------+-------+        ===  =========

Kept verbatim, the borders dominate what gets embedded; parsed, each row becomes a table row.
The rules follow the docutils spec, without needing docutils (which would want the whole file to
be reStructuredText):

- grid table: a ``+---+---+`` top border, lines starting with ``|`` or ``+`` at the same indent,
  a ``+---+`` bottom border; ``+===+`` ends the header rows; a cell whose right ``|`` is missing
  spans the next column (its text goes to the first one);
- simple table: borders of ``=`` runs separated by spaces (two columns at least); the border
  closing the table is followed by a blank line or the end of the text, an earlier one ends the
  header; a row whose first column is blank continues the row above; ``---`` lines (column spans)
  are dropped.

Anything that does not close properly stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_GRID_BORDER = re.compile(r"^\+(?:[-=]+\+)+$")
_SIMPLE_BORDER = re.compile(r"^=+(?: +=+)+$")
_RULE_ONLY = re.compile(r"^[-=+\s]*$")
_SPAN_UNDERLINE = re.compile(r"^[-\s]+$")
_ESCAPE = re.compile(r"\\([^\w\s])")


@dataclass(frozen=True)
class TextTable:
    """A table found in plain text.

    Attributes:
        rows: cell texts row by row; the header (several header lines merged) first when
            ``has_header``.
        has_header: the table marks a header (``+===+`` line, or a middle ``=`` border).
    """

    rows: list[list[str]]
    has_header: bool


def split_tables(text: str) -> list[str | TextTable]:
    """Cut reStructuredText grid and simple tables out of plain text.

    Args:
        text: plain text with ``\\n`` line ends.

    Returns:
        The text between tables (as strings, possibly empty ones left out) and the tables, in
        order; text without tables comes back as ``[text]``.
    """
    lines = text.split("\n")
    parts: list[str | TextTable] = []
    prose: list[str] = []
    i = 0
    while i < len(lines):
        found = _grid_table_at(lines, i) or _simple_table_at(lines, i)
        if found is None:
            prose.append(lines[i])
            i += 1
            continue
        table, i = found
        if any(line.strip() for line in prose):
            parts.append("\n".join(prose))
        prose = []
        parts.append(table)
    if any(line.strip() for line in prose) or not parts:
        parts.append("\n".join(prose))
    return parts


# --- grid tables ----------------------------------------------------------------------------


def _grid_table_at(lines: list[str], start: int) -> tuple[TextTable, int] | None:
    top = lines[start].rstrip()
    indent = len(top) - len(top.lstrip())
    if not _GRID_BORDER.match(top.strip()) or "=" in top:
        return None
    bounds = [indent + i for i, ch in enumerate(top.strip()) if ch == "+"]
    end = start + 1
    while end < len(lines) and _is_grid_line(lines[end], indent):
        end += 1
    if end - start < 3 or not _GRID_BORDER.match(lines[end - 1].strip()):
        return None
    rows: list[list[list[str]]] = []
    header_rows = 0
    current: list[list[str]] | None = None
    for line in lines[start + 1 : end]:
        if _GRID_BORDER.match(line.strip()):
            if current is not None:
                rows.append(current)
                current = None
            if "=" in line and not header_rows:
                header_rows = len(rows)
            continue
        if current is None:
            current = [[] for _ in bounds[1:]]
        for column, cell in _grid_cells(line.rstrip(), bounds):
            current[column].append(cell)
    if not rows:
        return None
    return _table(rows, header_rows), end


def _is_grid_line(line: str, indent: int) -> bool:
    return not line[:indent].strip() and line[indent : indent + 1] in ("|", "+")


def _grid_cells(line: str, bounds: list[int]) -> list[tuple[int, str]]:
    """The text of each cell on one line; a missing ``|`` merges a cell into the one on its left."""
    cells = []
    first = 0
    for column in range(1, len(bounds)):
        position = bounds[column]
        if column < len(bounds) - 1 and line[position : position + 1] not in ("|", "+"):
            continue  # the cell spans this boundary
        text = line[bounds[first] + 1 : position]
        cells.append((first, "" if _RULE_ONLY.match(text) else text))  # row-span rules carry no text
        first = column
    return cells


# --- simple tables --------------------------------------------------------------------------


def _simple_table_at(lines: list[str], start: int) -> tuple[TextTable, int] | None:
    top = lines[start].rstrip()
    if not _SIMPLE_BORDER.match(top.strip()):
        return None
    indent = len(top) - len(top.lstrip())
    starts = [indent + m.start() for m in re.finditer(r"=+", top.strip())]
    body: list[str] = []
    header_lines: list[str] | None = None
    for i in range(start + 1, len(lines)):
        line = lines[i].rstrip()
        if not _SIMPLE_BORDER.match(line.strip()):
            body.append(line)
            continue
        if i + 1 == len(lines) or not lines[i + 1].strip():
            header_rows = _simple_rows(header_lines or [], starts)
            rows = header_rows + _simple_rows(body, starts)
            return (_table(rows, len(header_rows)), i + 1) if rows else None
        if header_lines is not None:
            return None  # a second header border: not a simple table
        header_lines, body = body, []
    return None  # never closed


def _simple_rows(lines: list[str], starts: list[int]) -> list[list[list[str]]]:
    rows: list[list[list[str]]] = []
    ends = [*starts[1:], None]
    for line in lines:
        if not line.strip() or _SPAN_UNDERLINE.match(line):
            continue
        cells = [line[begin:end] for begin, end in zip(starts, ends, strict=True)]
        if cells[0].strip() or not rows:
            rows.append([[cell] for cell in cells])
        else:  # blank first column: the row above goes on
            for column, cell in enumerate(cells):
                rows[-1][column].append(cell)
    return rows


# --- shared ---------------------------------------------------------------------------------


def _table(rows: list[list[list[str]]], header_rows: int) -> TextTable:
    """Join each cell's lines and merge multi-line headers into one header row."""
    cells = [[_cell_text(parts) for parts in row] for row in rows]
    if header_rows > 1:
        merged = [" ".join(filter(None, column)) for column in zip(*cells[:header_rows], strict=True)]
        cells = [merged, *cells[header_rows:]]
    return TextTable(rows=cells, has_header=header_rows > 0)


def _cell_text(parts: list[str]) -> str:
    text = " ".join(" ".join(parts).split())
    return _ESCAPE.sub(r"\1", text)  # "\*" and "\|" are reStructuredText escapes
