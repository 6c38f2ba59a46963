"""Lines of a chunk that are code, commands, console output or configuration, not prose.

The clause rules read sentences; a shell session, a unit file or a Python listing inside an answer
gives them "sentences" such as ``sys.stderr.write(f"Podman reload failed due to Timeout {t}")``
(a cause rule split it at "due to") or "Define the loop" (a comment read as an instruction).
:func:`code_lines` finds such lines in the raw chunk text, where indentation still tells a listing
from its prose (the extractor squeezes runs of blanks before the rules read the text), and
:func:`prose_pieces` cuts them out of the rules' sentences.
"""

from __future__ import annotations

import re
from collections import Counter

#: A shell prompt and its command: "$ podman run ...", "# setsebool -P ...".
_PROMPT = re.compile(r"^[$#]\s+\S")
#: An ini section or a key = value line ("[Unit]", "Type=simple", "user = nut").
_CONFIG = re.compile(r"^\[[\w .:-]+\]$|^[A-Za-z_][\w.-]*\s*=\s*\S")
#: Program text: a keyword that opens a statement, or a line that ends like one.
_PROGRAM = re.compile(
    r"^def\s+\w+\(|^class\s+\w+[(:]|^import\s+[\w.]+$|^from\s+[\w.]+\s+import\b|^(?:try|else|finally):$"
    r"|^(?:except|elif)\b.*:$|^return(?:\s+\w+)?$|\)\s*:$|\{$|^\w[\w.]*\(.*\)\s*(?:#.*)?$"
)
#: One token holding path or field separators and no blank ("johndoe:100000:65536", "/dev/ttyS0"); a
#: label on a line of its own ("Solution:") is prose.
_DATA = re.compile(r"^\S*(?:[/=]|:(?=\S))\S*$")
_TAB = 8


def _indent(line: str) -> int:
    width = 0
    for char in line:
        if char == " ":
            width += 1
        elif char == "\t":
            width += _TAB - width % _TAB
        else:
            break
    return width


def _syntax(line: str) -> bool:
    return bool(_CONFIG.match(line) or _PROGRAM.search(line) or _DATA.match(line))


def code_lines(text: str) -> set[str]:
    """The code lines of ``text``, each with its blanks squeezed to one space and stripped.

    A line is code when it is a prompt line or the console output after one (up to a blank line),
    or when it stands after a blank line, a line ending in a colon or another code line and is a
    configuration or program line, a lone path or field token, or indented at least four columns
    deeper than the chunk's prose (the most common indentation of its lines of five words or more).
    """
    lines = text.splitlines()
    # The prose's indentation: that of most lines that read as sentences (a listing may be longer).
    widths = Counter(_indent(line) for line in lines if len(line.split()) >= 5 and not _syntax(line.strip()))
    widths = widths or Counter(_indent(line) for line in lines if line.strip())
    if not widths:
        return set()
    base = widths.most_common(1)[0][0]
    found: set[str] = set()
    previous_blank, previous_code, previous_colon, in_session = True, False, False, False
    for line in lines:
        stripped = line.strip()
        if not stripped:
            previous_blank, previous_code, previous_colon, in_session = True, False, False, False
            continue
        # A listing stands apart from its prose: "The daemon hangs because the serial device\n/dev/ttyS0\n
        # is locked" is one sentence wrapped around a path.
        apart = previous_blank or previous_code or previous_colon
        prompt = bool(_PROMPT.match(stripped))
        code = prompt or in_session or apart and (_indent(line) >= base + 4 or _syntax(stripped))
        if code:
            found.add(" ".join(stripped.split()))
        in_session = in_session or prompt
        previous_blank, previous_code, previous_colon = False, code, stripped.endswith(":")
    return found


def code_spans(text: str, code: set[str]) -> list[tuple[int, int]]:
    """Where the lines of ``text`` whose squeezed content is in ``code`` lie (start, end offsets)."""
    spans = []
    position = 0
    for line in text.splitlines(keepends=True):
        if line.strip() and " ".join(line.split()) in code:
            spans.append((position, position + len(line)))
        position += len(line)
    return spans


#: Where a sentence cut short by a listing still says something: it announces the listing
#: ("The device is:", "It should say something like") or ends where a sentence ends.
_ANNOUNCES = re.compile(
    r"(?:[:.!?]|\b(?:like|following|below|as\s+follows|this|these|e\.g\.|such\s+as))\W*$", re.I
)


def _positions(text: str, source: str, start: int) -> list[int] | None:
    """Where each character of ``text`` lies in ``source`` from ``start`` on (a blank: where the next
    word's does); None when the words do not line up (the sentence splitter joins wrapped lines with
    one blank, so only blanks may differ)."""
    found: list[int] = []
    at, pending = start, 0
    for char in text:
        if char.isspace():
            pending += 1
            continue
        while at < len(source) and source[at].isspace():
            at += 1
        if at >= len(source) or source[at] != char:
            return None
        found.extend([at] * (pending + 1))
        pending, at = 0, at + 1
    found.extend([at] * pending)
    return found


def prose_pieces(text: str, start: int, source: str, spans: list[tuple[int, int]]) -> list[tuple[str, int]]:
    """What the rules may read of the sentence ``text`` (at ``start`` in ``source``, the chunk's text):
    its pieces outside the code lines at ``spans`` (from :func:`code_spans` on ``source``).

    The cut is by position: a code line elsewhere in the chunk cuts nothing here ("... a getty holds
    /dev/ttyS0 open ..." keeps its words when "/dev/ttyS0" is listed further down). The words before a
    listing stay when they announce it or end a sentence ("Make sure it says something like"), not when
    the listing cuts a clause in two. What follows a listing stays only after a blank line and when it
    opens a sentence ("/var/run/pumpd.pid\n\nThe daemon crashes because ..."): console output, the
    listing's next line ("make (replacing the string ...)") go with it. Returns [(text, offset in
    ``source``)]; a sentence without code comes back whole.
    """
    where = _positions(text, source, start) if spans else []
    if not where:
        return [(text, start)] if where is not None else []  # unaligned: cannot tell code from prose
    first_at, last_at = where[0], where[len(text.rstrip()) - 1] + 1
    # A line the splitter ends a sentence inside is prose ("... (see also Separate compaction ):" read
    # as program text), unless the sentence starts inside it ("restart_pump(timeout=9)# Define the loop.").
    inside = [
        (a, b)
        for a, b in spans
        if a < last_at and b > first_at and (a <= first_at or a + len(source[a:b].rstrip()) <= last_at)
    ]
    if not inside:
        return [(text, start)]
    code = [any(a <= at < b for a, b in inside) for at in where]
    kept = []
    for match in re.finditer("x+", "".join("c" if c else "x" for c in code)):
        begin, end = match.span()
        piece = text[begin:end]
        if begin > 0:  # after a listing
            lead = len(piece) - len(piece.lstrip())
            piece, begin = piece.lstrip(), begin + lead
            a, b = max(((a, b) for a, b in inside if b <= where[begin]), key=lambda span: span[1])
            listing = source[a:b].strip()
            if "\n" not in source[b : where[begin]] or not piece[:1].isupper() or _PROMPT.match(listing):
                continue  # the listing's next line, or a console's output
        if end < len(text) and not _ANNOUNCES.search(piece):
            # the listing cuts a clause in two: its start alone says something else, unless a line of
            # it announces the listing ("... for example in ~/.ssh/config:\nHost borg.example.com")
            colons = [m.start() for m in re.finditer(r":[ \t]*\n", piece)]
            if not colons:
                continue
            piece = piece[: colons[-1] + 1]
        if re.search(r"[A-Za-z]{2}", piece):
            kept.append((piece, where[begin] if begin else start))
    return kept
