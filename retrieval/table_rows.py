"""Which table row a sentence draws on, and whether it is the row the question asks about.

Table passages reach the model one row per line, cells joined by ``" | "``
(:func:`retrieval.parse.base.table_text`; Markdown tables look the same). The sentence check
compares a sentence with the whole cited passage, so a sentence that states another row's
remedy passes it: asked about H-302, "Replace the seal kit HS-4410 [1]." quotes the H-301 row,
and every word of it is "in [1]". Here each row is scored on its own:

* the question's row is the one row that matches the question best (an identifier counts
  :data:`ID_WEIGHT` content words), and only when the question singles one out;
* the sentence's row is the row that matches the sentence best, when a row explains at least half
  of the sentence and better than the passage's prose does;
* a sentence drawn from another row than the question's, which the question's row does not
  support as well, is from the wrong row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .terms import content_terms, identifiers, occurs, squash

ID_WEIGHT = 3
MIN_ROW_MATCH = 2
_RULE_CELL = re.compile(r"^:?[-=]+:?$")
# Rows keyed by a lone symbol (the UPS alert characters "!", "?", "#") are named by that symbol
# standing alone in the question ("what does the alert character ? mean"): no word or identifier
# of the question names them. A dash between words is punctuation, not a key.
_LONE_SYMBOL = re.compile(r"(?:^|(?<=\s))[\"'“‘(]?([^\w\s\"'“”‘’()]{1,3})[\"'”’)]?(?=\s)")
_NOT_KEYS = {"-", "–", "—", "/", "&"}


def symbol_keys(question: str) -> frozenset[str]:
    """Symbols standing alone in ``question`` (``?`` in "character ? mean"), which may key a row."""
    return frozenset(k for k in _LONE_SYMBOL.findall(question) if k not in _NOT_KEYS)


@dataclass(frozen=True)
class Row:
    """One data row of a table in a source."""

    key: str  # the first cell: what the row is about (a code, a symptom)
    text: str
    terms: frozenset[str]


def table_rows(text: str) -> list[Row]:
    """The data rows of the tables in ``text``: the first line of each table is its header."""
    rows: list[Row] = []
    in_table = False
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.count("|") < 2 or len(cells) < 3:
            in_table = False
            continue
        if all(_RULE_CELL.match(c) for c in cells if c):
            continue
        if in_table:
            rows.append(Row(cells[0], squash(line), frozenset(content_terms(line))))
        in_table = True
    return rows


def prose(text: str) -> str:
    """The lines of ``text`` outside tables."""
    return "\n".join(line for line in text.splitlines() if line.count("|") < 2)


def wrong_row(sentence: str, question: str, evidence: str) -> str | None:
    """Why ``sentence`` states another row than the one ``question`` asks about, or None.

    Args:
        sentence: the sentence without its ``[n]`` markers.
        question: what the user asked.
        evidence: the text of the sources the sentence cites.

    Returns:
        A reason for the user ("from the row of 'H-301'; the question is about 'H-302'"), or None
        when the question singles out no row, the sentence draws on no row, or the rows agree.
    """
    rows = table_rows(evidence)
    if len(rows) < 2:
        return None
    ids = identifiers(question)
    keys = symbol_keys(question) | {squash(i) for i in ids}
    asked = _scores(rows, ids, content_terms(question), keys)
    best_asked = max(asked)
    if best_asked < MIN_ROW_MATCH or asked.count(best_asked) > 1:
        return None
    ids, terms = identifiers(sentence), content_terms(sentence)
    said = _scores(rows, ids, terms)
    best_said = max(said)
    whole = ID_WEIGHT * len(ids) + len(terms)
    if best_said < MIN_ROW_MATCH or 2 * best_said < whole:
        return None
    text = prose(evidence)
    in_prose = _scores([Row("", squash(text), frozenset(content_terms(text)))], ids, terms)[0]
    asked_row, said_row = rows[asked.index(best_asked)], rows[said.index(best_said)]
    if in_prose >= best_said or said[asked.index(best_asked)] >= best_said:
        return None
    return f"from the row of '{said_row.key}'; the question is about '{asked_row.key}'"


def _scores(
    rows: Sequence[Row], ids: Sequence[str], terms: set[str], keys: frozenset[str] = frozenset()
) -> list[int]:
    # A row whose key the question names (its code, its symbol) outweighs a row that merely
    # mentions a code of the question ("UPS" in half the rows) and shares a word with it.
    return [
        ID_WEIGHT * (sum(occurs(i, r.text) for i in ids) + 2 * (squash(r.key) in keys)) + len(terms & r.terms)
        for r in rows
    ]
