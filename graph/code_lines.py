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
    a configuration or program line, a lone path or field token, or indented at least four columns
    deeper than the chunk's prose (the most common indentation of its lines of five words or more),
    after a blank line, a line ending
    in a colon or another code line.
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
        deeper = _indent(line) >= base + 4 and (previous_blank or previous_code or previous_colon)
        prompt = bool(_PROMPT.match(stripped))
        code = (
            prompt
            or in_session
            or deeper
            or _syntax(stripped)
        )
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


def prose_pieces(
    text: str, start: int, code: set[str], spans: list[tuple[int, int]] = ()
) -> list[tuple[str, int]]:
    """What the rules may read of the sentence ``text`` (at ``start`` in the chunk): its words before
    its first ``code`` line.

    A code line counts where it stands between blanks or the sentence's ends (the sentence may
    hold it as a line of its own or, joined by the sentence splitter, after a space); a lone plain
    word ("make") is never cut out of prose. What follows a listing inside one "sentence" is dropped
    with it: console output ("Enter a password which will be used to encrypt your keys." after
    "# certutil -N"), the listing's next line ("make (replacing the string ...)"). Returns
    [(text, offset in the chunk)], empty when the sentence opens with code or starts inside a code
    line of ``spans`` (offsets from :func:`code_spans`: "Define the loop." after
    "DBusGMainLoop(set_as_default=True)#"); a sentence without code comes back whole.
    """
    if any(a <= start < b for a, b in spans):
        return []
    first = None
    for line in code:
        if re.fullmatch(r"[A-Za-z]+", line):
            continue
        match = re.search(rf"(?<!\S){re.escape(line)}(?!\S)", text)
        if match and (first is None or match.start() < first):
            first = match.start()
    if first is None:
        return [(text, start)]
    lead = text[:first]
    return [(lead, start)] if re.search(r"[A-Za-z]{2}", lead) else []
