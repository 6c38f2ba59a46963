"""Underlined troubleshooting labels ("PROBLEM:" over "--------") are labels, not headings (the SANE
Plustek FAQ: its SYMPTOM / PROBLEM / SOLUTION blocks became sections headed "PROBLEM:" and
"SOLUTION:", and the items were cut apart)."""

from pathlib import Path

from retrieval.parse import parse_file
from retrieval.types import BlockKind

PLUSTEK_FAQ = Path(__file__).resolve().parents[3] / "sample_data" / "heldout" / "plustek-sane-faq.txt"

MANUAL = """\
Pump manual
===========

Troubleshooting
---------------

SYMPTOM: The pump hums but does not turn
--------

PROBLEM:
--------
The impeller is jammed.

SOLUTION:
---------
Free the impeller.

Cause:
------
Worn bearings.
"""


def _parse(tmp_path, text):
    path = tmp_path / "notes.txt"
    path.write_text(text)
    return parse_file(path)


def _headings(doc):
    return [(b.level, b.text) for b in doc.blocks if b.kind is BlockKind.HEADING]


def test_an_underlined_label_stays_in_its_section_as_a_label_line(tmp_path):
    doc = _parse(tmp_path, MANUAL)
    assert _headings(doc) == [(1, "Pump manual"), (2, "Troubleshooting")]
    texts = [(b.kind, b.text) for b in doc.blocks if b.kind is not BlockKind.HEADING]
    assert texts == [
        (BlockKind.PARAGRAPH, "SYMPTOM: The pump hums but does not turn"),
        (BlockKind.PARAGRAPH, "PROBLEM:"),
        (BlockKind.PARAGRAPH, "The impeller is jammed."),
        (BlockKind.PARAGRAPH, "SOLUTION:"),
        (BlockKind.PARAGRAPH, "Free the impeller."),
        (BlockKind.PARAGRAPH, "Cause:"),
        (BlockKind.PARAGRAPH, "Worn bearings."),
    ]
    assert all(b.heading_path == ("Pump manual", "Troubleshooting") for b in doc.blocks[2:])


def test_a_label_line_in_a_paragraph_ends_the_text_before_it(tmp_path):
    doc = _parse(tmp_path, "Title\n=====\n\nSome text before.\nAnswer:\n-------\nPress start.\n")
    assert _headings(doc) == [(1, "Title")]
    assert [b.text for b in doc.blocks[1:]] == ["Some text before.", "Answer:", "Press start."]


def test_a_label_whose_text_wraps_on_after_its_rule(tmp_path):
    text = (
        "Title\n=====\n\n"
        "SYMPTOM: error in loading shared libraries: libsane.so.1: cannot open\n"
        "-------- shared object file: No such file or directory\n\n"
        "PROBLEM:\n--------\nThe library path lacks the directory.\n"
    )
    doc = _parse(tmp_path, text)
    assert doc.blocks[1].text == (
        "SYMPTOM: error in loading shared libraries: libsane.so.1: cannot open shared object file: "
        "No such file or directory"
    )
    assert _headings(doc) == [(1, "Title")]


def test_titles_underlined_to_their_width_stay_headings(tmp_path):
    text = (
        "Problems\n========\n\nProblem: the pump hums\n----------------------\n\nFree the impeller.\n\n"
        "Why does the pump hum?\n----------------------\n\nIt is jammed.\n"
    )
    assert _headings(_parse(tmp_path, text)) == [
        (1, "Problems"),
        (2, "Problem: the pump hums"),
        (2, "Why does the pump hum?"),
    ]


def test_plustek_faq_items_sit_under_their_sections():
    doc = parse_file(PLUSTEK_FAQ)
    headings = [text for _, text in _headings(doc)]
    assert not any(text.rstrip(":").upper() in {"PROBLEM", "SOLUTION", "SYMPTOM"} for text in headings)
    causes = next(b for b in doc.blocks if b.text.startswith("This can have two major causes"))
    assert causes.heading_path == ("Plustek-Driver TROUBLESHOOTING/FAQ - 19.04.2001", "* General *")
    faq = next(b for b in doc.blocks if b.text.startswith('Q: What does "Turbo" mean'))
    assert faq.heading_path[:2] == ("Plustek-Driver TROUBLESHOOTING/FAQ - 19.04.2001", "* F A Q *")
