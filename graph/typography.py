"""Typographic punctuation in rule matching.

Manuals and FAQs written with a word processor or an HTML generator use typographic marks
("won’t", “quoted”, "a – b"); the extraction rules spell their cue words in ASCII ("won't").
Rather than rewrite the text (entity names and provenance must stay as written in the source), the
rules' patterns accept either form through :data:`APOSTROPHE` and :data:`DASH`, and single words
are compared after :func:`fold`.
"""

from __future__ import annotations

#: A regex class for an apostrophe as typed or typeset (’ ‘ ʼ ′ and ASCII ').
APOSTROPHE = "['\u2019\u2018\u02bc\u2032]"
#: A regex for a dash between clauses: "--", en dash, em dash, horizontal bar.
DASH = "(?:--|\u2013|\u2014|\u2015)"
#: Bullet characters that open a list item.
BULLETS = "*\u2022\u25cf\u25e6\u2023\u2043\u2013\u2014-"

_FOLD = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)


def fold(text: str) -> str:
    """``text`` with typographic quotes, apostrophes, dashes and no-break spaces in ASCII.

    One character for one, so offsets into the folded text are offsets into ``text``.
    """
    return text.translate(_FOLD)
