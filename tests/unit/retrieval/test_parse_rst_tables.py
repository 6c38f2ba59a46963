"""reStructuredText grid and simple tables cut out of plain text."""

from retrieval.parse.rst_tables import TextTable, split_tables

GRID = """\
Before the table.

+------+-------------+-------+
| Code | Meaning     | Notes |
| id   |             |       |
+======+=============+=======+
| A    | Front panel | Two   |
|      | test        | lines |
+------+-------------+-------+
| B    | spans two columns   |
+------+---------------------+
| \\*   | Escaped     | \\|    |
+------+-------------+-------+

After the table."""

SIMPLE = """\
=====  =====  ======
  A      B    A and B
=====  =====  ======
False  False  False
True   False  False

       still  True, and a long tail
-----  -----  ------
True   True   True
=====  =====  ======
"""


def test_it_parses_a_grid_table_with_a_two_line_header_and_multi_line_cells():
    before, table, after = split_tables(GRID)
    assert before == "Before the table.\n" and after == "\nAfter the table."
    assert isinstance(table, TextTable) and table.has_header
    assert table.rows == [
        ["Code id", "Meaning", "Notes"],
        ["A", "Front panel test", "Two lines"],
        ["B", "spans two columns", ""],
        ["*", "Escaped", "|"],
    ]


def test_it_parses_a_simple_table_with_continuation_rows_and_blank_lines():
    (table,) = split_tables(SIMPLE)
    assert table.has_header
    assert table.rows == [
        ["A", "B", "A and B"],
        ["False", "False", "False"],
        ["True", "False still", "False True, and a long tail"],
        ["True", "True", "True"],
    ]


def test_a_simple_table_without_header_ends_at_the_border_before_a_blank_line():
    text = "=== ===\n1   one\n2   two\n=== ===\n\nText after."
    table, after = split_tables(text)
    assert not table.has_header and table.rows == [["1", "one"], ["2", "two"]]
    assert after.strip() == "Text after."


def test_tables_that_never_close_stay_text():
    for text in ("+---+---+\n| a | b |\n", "=== ===\n1   one\n", "Title\n=====\n\nBody."):
        assert split_tables(text) == [text]


def test_text_without_tables_comes_back_whole():
    assert split_tables("") == [""]
    assert split_tables("one\n\ntwo") == ["one\n\ntwo"]
