"""Sentences of manual and FAQ text, shared by the graph's passes and the Diagnose excerpts.

Hard-wrapped lines are joined back into sentences, a line of its own (a command, a list item,
a table row) stays one, abbreviations such as "e.g." end no sentence, and Chinese full stops end one.
"""

from __future__ import annotations

import re

_WRAPPED_LINE_CHARS = 68
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|etc|vs|cf|approx|no|fig)\.$", re.I)
# Any letter may open the next sentence here and sentences() skips a lower-case one (Python's re has no
# \p{Lu}): "Насос не работает. Проверьте ..." splits as "Pump stops. Check ..." does, Hangul has no case.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[^\W\d_]|[`\"'(\[/])|(?<=[。！？；])")
#: Two letters of any script, or one Han character: a sentence and not a stray mark or number.
_WORDY = re.compile(r"[^\W\d_]{2}|[\u4e00-\u9fff]")


def sentences(text: str) -> list[str]:
    """The sentences of an answer, in order: hard-wrapped lines joined, one command line one sentence.

    A line joins the one before when that one does not end a sentence and this one reads on
    (lower case, or the line before is long, as in hard-wrapped text); a line of its own (a
    command, a list item) stays one.
    """
    units: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        current, previous = "", ""
        for line in lines:
            # Hard-wrapped text fills its lines; a short line before a capital is a list item's end.
            reads_on = (
                current
                and not current.endswith((".", "!", "?", ":", "。", "！", "？"))
                and (line[:1].islower() or len(previous) >= _WRAPPED_LINE_CHARS)
            )
            # A table row ("a | b | c", as the parser writes rows) is a line of its own too.
            row = " | " in line or " | " in previous
            if reads_on and not row and not line.startswith(("-", "*", "#", "$")):
                current = f"{current} {line}"
            else:
                if current:
                    units.append(current)
                current = line
            previous = line
        if current:
            units.append(current)
    found: list[str] = []
    for unit in units:
        start = 0
        for match in _SENTENCE_END.finditer(unit):
            piece = unit[start : match.start() + 1]
            if _ABBREVIATION.search(piece.rstrip("\"')] ")):
                continue
            following = unit[match.end() : match.end() + 1]
            if following.islower():
                continue  # "... v. lower case" reads on
            found.append(unit[start : match.end()].strip())
            start = match.end()
        found.append(unit[start:].strip())
    return [s for s in found if _WORDY.search(s)]
