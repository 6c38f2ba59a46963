"""Plain-text parser: encoding detection, underlined/numbered headings, lists, form-feed pages,
reStructuredText grid and simple tables (``retrieval.parse.rst_tables``)."""

from __future__ import annotations

import logging
import re
from collections.abc import Set as AbstractSet
from pathlib import Path

from retrieval import cjk
from retrieval.config import ParseConfig
from retrieval.parse.base import BlockBuilder, Parser, ProgressCallback, decode_text
from retrieval.parse.rst_tables import TextTable, split_tables
from retrieval.types import BlockKind, DocumentMetadata, FileKind, ParsedDocument

logger = logging.getLogger(__name__)

_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+])\1{2,}\s*$")
_BULLET = re.compile(r"^\s*[-*•+]\s+(?=\S)")
_STEP = re.compile(r"^\s*(\d{1,2})[.)]\s+(?=\S)")
_PREFORMATTED = re.compile(r"^\s*[+|]|^\s*={3,}\s|\S {3,}\S")
# "12. ", "4b. ", "2.10) ", "Q3: ": a label that numbers a heading (also a list step's marker)
_NUMBERED = re.compile(r"^\s*(?:\d{1,3}[a-z]?(?:\.\d{1,3})*[.):]|Q\d{0,3}[.:)])\s+\S")
# "Q:", "Q3.", "Question:" opening a paragraph: an FAQ item's question (its answer follows "A:")
_QUESTION = re.compile(r"^\s*(?:Q\d{0,3}|Question)\s*[.:)]\s+(?=\S)", re.I)
_ANSWER = re.compile(r"^\s*(?:A\d{0,3}|Answer)\s*[.:)]\s", re.I)
_MAX_QUESTION_LINES = 4
# "3.1. Behind a firewall?", "2.10 Options": a section number with one or two sub-numbers opening
# a line (indented less than code), then a word: "3.1." before any word, "3.1" before a capitalised
# one ("127.0.0.1 localhost", "1.2.3 and before ...", "3.5 mm jack", "1.5 V" are no titles)
_SUBSECTION_PATTERN = r"[ ]{0,3}(\d{1,3})((?:\.\d{1,3}){1,2})(?:\.[ \t]+(?=[^\W\d_])|[ \t]+(?=[A-Z][a-z]))"
_SUBSECTION = re.compile("^" + _SUBSECTION_PATTERN)
# ... at a paragraph's start only: "1.1.3 and before were ..." inside a paragraph is a version
_SECTION_OPENING = re.compile(r"(?:\A|\n[ \t]*\n)" + _SUBSECTION_PATTERN)
_TOP_SECTION = re.compile(r"^[ ]{0,3}(\d{1,3})\.\s+(?=\S)")
# a line that ends a sentence ("signal (on pin 8).", "as follows:", "...leaks!\"")
_ENDS_SENTENCE = re.compile(r"[.!?:;。！？；][\"')\]*_`]*$")
# a sentence ends inside: a list step or a paragraph, not a title
_SENTENCE_INSIDE = re.compile(r"[.!?]\s+[A-Z]")
# a question mark that ends a question, not a wildcard ("jed_mem??? have been renamed")
_ASKS = re.compile(r"(?:[^\W\d_]|[.)\"'\]])\?(?:\s+[A-Z]|\s*$)")
# an indented paragraph of at least this many words, this share letters and spaces, is prose
_PROSE_MIN_WORDS = 6
_PROSE_MIN_LETTERS = 0.8
# a first line this long that ends in no sentence mark wraps on (as in hard-wrapped text)
_WRAPPED_TITLE_CHARS = 60
# a line laid out in columns (a table's header row) is no title, even over a row of "="
_COLUMNS = re.compile(r"\S {3,}\S")
# a heading wraps onto at most this many lines; longer runs above an underline are paragraphs
_MAX_TITLE_LINES = 3
_MAX_TITLE_CHARS = 200
# an underline drawn under a wrapped title spans its longest line, give or take a few characters
_WRAPPED_UNDERLINE_SLACK = 3
# A troubleshooting item's label ("SYMPTOM:", "Problem:", "Solution:", "Q:") alone on its line over a
# rule: the SANE Plustek FAQ underlines its labels and writes the text on the next lines. It labels
# the text below, as "Problem: ..." on one line does, so it stays in the item's text (graph.labelled
# reads the item from it); read as a heading, each part became a section of its own.
_LABEL_WORDS = (
    r"symptoms?|problems?|issues?|faults?|errors?|causes?|reasons?|solutions?|fix(?:es)?|remed(?:y|ies)|"
    r"workarounds?|resolutions?|(?:corrective\s+)?actions?|q|a|questions?|answers?"
)
_LABEL = re.compile(rf"^[ ]{{0,3}}(?:{_LABEL_WORDS})[ \t]*:[ \t]*$", re.I)
# ... or opening its line with its text, the rule drawn under the label only; the text may wrap on
# after the rule ("SYMPTOM: error in loading shared libraries: libsane.so.1: cannot open" over
# "-------- shared object file: No such file or directory")
_LABEL_OPENING = re.compile(rf"^[ ]{{0,3}}(?:{_LABEL_WORDS})[ \t]*:", re.I)
_RULE_THEN_TEXT = re.compile(r"^([=\-~^\"'`#*+])\1{2,}[ \t]+(?=\S)")


class TextParser(Parser):
    """Parse plain text: blank lines separate paragraphs, form feeds separate pages,
    reStructuredText-style underlined titles become headings and its grid and simple tables
    become tables."""

    def parse(
        self,
        path: Path,
        *,
        name: str,
        config: ParseConfig,
        progress: ProgressCallback | None = None,
    ) -> ParsedDocument:
        text, encoding = decode_text(path.read_bytes(), name=name)
        text = text.replace("\r\n", "\n")
        builder = BlockBuilder()
        pages = text.split("\f")
        underline_levels: list[str] = []
        not_titles: set[str] = set()  # question and numbered headings: never the document's title
        # Top-level numbers that have numbered sub-sections ("3." when "3.1." opens a paragraph):
        # their own one-line paragraph is a section title, not a one-step list.
        sectioned = {m.group(1) for m in _SECTION_OPENING.finditer(text)}
        items = _NumberedItems()
        for page_no, page_text in enumerate(pages, 1):
            page = page_no if len(pages) > 1 else None
            for part in split_tables(page_text):
                if isinstance(part, TextTable):
                    builder.table([list(row) for row in part.rows], page)
                    continue
                paragraphs = re.split(r"\n\s*\n", part)
                for i, paragraph in enumerate(paragraphs):
                    following = paragraphs[i + 1] if i + 1 < len(paragraphs) else ""
                    _paragraph(
                        paragraph, builder, page, underline_levels, not_titles, sectioned, items, following
                    )
        first_heading = next(
            (b.text for b in builder.blocks if b.kind is BlockKind.HEADING and b.text not in not_titles), None
        )
        return ParsedDocument(
            blocks=builder.blocks,
            metadata=DocumentMetadata(
                title=first_heading or Path(name).stem,
                kind=FileKind.TEXT,
                encoding=encoding,
                page_count=len(pages) if len(pages) > 1 else None,
            ),
        )


def _paragraph(
    paragraph: str,
    builder: BlockBuilder,
    page: int | None,
    underline_levels: list[str],
    not_titles: set[str],
    sectioned: AbstractSet[str] = frozenset(),
    items: _NumberedItems | None = None,
    following: str = "",
) -> None:
    lines = [line.rstrip() for line in paragraph.split("\n") if line.strip()]
    numbered = _numbered_title(lines, sectioned)
    if items is not None:
        numbered = items.read(lines, numbered, following)
    if numbered:
        # Below every underlined section seen so far, one level per part of its number.
        count, depth = numbered
        title = cjk.join_lines(lines[:count])
        not_titles.add(" ".join(title.split()))
        builder.heading(title, len(underline_levels) + depth, page)
        # ... and stays in the text, as a "Q:" question does: keyword search and the Diagnose
        # excerpt match a complaint ("error 506 Cannot talk to daemon") against its words.
        builder.add(BlockKind.PARAGRAPH, title, page)
        lines = lines[count:]
    asked = _question_lines(lines)
    if asked:
        # The question heads its item (below every underlined section seen so far, so the next
        # question replaces it and the next section closes it) and stays in the text: search and
        # the excerpt match the complaint against the question's words too.
        question = " ".join(_QUESTION.sub("", cjk.join_lines(lines[:asked]), count=1).split())
        not_titles.add(question)
        builder.heading(question, len(underline_levels) + 1, page)
    while lines:
        label = _underlined_label(lines)
        if label:
            builder.add(BlockKind.PARAGRAPH, label, page)
            lines = lines[2:]
            continue
        cjk_level = cjk.heading_level(lines[0])  # 第一章 / 一、 / （一）: Chinese numbered headings
        if cjk_level is not None:
            builder.heading(lines[0], cjk_level, page)
            lines = lines[1:]
            continue
        # "Title\n=====" (optionally overlined too) -> heading; levels in order of first use
        if (
            len(lines) >= 2
            and _UNDERLINE.match(lines[1])
            and len(lines[1].strip()) >= len(lines[0].strip()) - 1
            and _underlined_title(lines[0], lines[1], lines[2:])
        ):
            if _UNDERLINE.match(lines[0]):  # overline
                lines = lines[1:]
                continue
            char = lines[1].strip()[0]
            if char not in underline_levels:
                underline_levels.append(char)
            builder.heading(lines[0], underline_levels.index(char) + 1, page)
            lines = lines[2:]
            continue
        title_lines = _wrapped_title(lines)
        if title_lines:
            char = lines[title_lines].strip()[0]
            if char not in underline_levels:
                underline_levels.append(char)
            builder.heading(cjk.join_lines(lines[:title_lines]), underline_levels.index(char) + 1, page)
            lines = lines[title_lines + 1 :]
            continue
        if _STEP.match(lines[0]) or _BULLET.match(lines[0]):
            lines = _items(lines, builder, page)
            continue
        body: list[str] = []
        while lines and not (_STEP.match(lines[0]) or _BULLET.match(lines[0])):
            if body and _underlined_label(lines):
                break
            if len(lines) >= 2 and _UNDERLINE.match(lines[1]):
                if not body:  # a rule too short to underline the line above: keep the line, drop the rule
                    body.append(lines.pop(0))
                    lines.pop(0)
                break
            if body and (cjk.heading_level(lines[0]) or _wrapped_title(lines)):
                break
            body.append(lines.pop(0))
        if not body:
            continue
        is_code = all(line.startswith(("    ", "\t")) for line in body) and not _indented_prose(body)
        # grid/simple tables and column layouts: keep their lines, collapsing them would garble them
        # (an FAQ's "Q:" / "A:" item is prose even when justified with runs of spaces, as screen's is)
        is_preformatted = not (_ANSWER.match(body[0]) or _QUESTION.match(body[0])) and (
            sum(bool(_PREFORMATTED.search(line)) for line in body) * 2 >= len(body) > 1
        )
        if is_code or is_preformatted:
            builder.add(BlockKind.CODE, "\n".join(body), page)
        else:
            builder.add(BlockKind.PARAGRAPH, cjk.join_lines(body), page)


def _underlined_label(lines: list[str]) -> str | None:
    """The label line opening ``lines`` over its rule (:data:`_LABEL`), else None: a label alone
    over any rule, or a label with its text over a rule as wide as the label only (the text may
    wrap on after that rule: its words join the line). A line underlined to its own width is left
    to the title rules ("Problem: the pump hums" over "====" may be a section's title)."""
    if len(lines) < 2:
        return None
    first = lines[0].strip()
    if _LABEL.match(lines[0]):
        return first if _UNDERLINE.match(lines[1]) else None
    opening = _LABEL_OPENING.match(lines[0])
    rule = _UNDERLINE.match(lines[1]) or _RULE_THEN_TEXT.match(lines[1])
    if not opening or not rule:
        return None
    label_width = len(opening.group(0).strip())
    rule_width = len(rule.group(0).strip())
    if abs(rule_width - label_width) > _WRAPPED_UNDERLINE_SLACK or rule_width >= len(first) - 1:
        return None
    rest = lines[1][rule.end() :].strip()
    return f"{first} {rest}" if rest else first


def _underlined_title(line: str, underline: str, rest: list[str]) -> bool:
    """Whether ``line`` over ``underline`` is a title: not a table's header row laid out in columns
    over rows in columns (chrony's ``chronyc sources`` output over its "=====" became the
    document's title; "Chapter 3   Troubleshooting" over "=====" and prose stays a title), and not
    a sentence ending in a full stop over a horizontal rule far wider than it (valgrind's FAQ
    rules off each section after its last answer)."""
    if _COLUMNS.search(line.strip()) and rest and _PREFORMATTED.search(rest[0]):
        return False
    is_rule = len(underline.strip()) > len(line.strip()) + _WRAPPED_UNDERLINE_SLACK
    return not (is_rule and line.rstrip().endswith((".", ",", ";")))


def _numbered_title(lines: list[str], sectioned: AbstractSet[str]) -> tuple[int, int] | None:
    """(lines, depth) of a numbered section title opening ``lines``, else None.

    FAQs rendered to plain text (chrony's, valgrind's) number their sections "3." and their
    questions "3.1." with no underline: the title is its paragraph's first line (or two, when it
    wraps: the next line reads on in lower case, or the first is long), a question's first line
    ending in "?" or ":" over its answer. "3." alone counts only as a paragraph of its own that
    ends in no full stop, and only when the document also has a "3.1.", so list steps stay steps.
    An underlined numbered title is left to the underline rule (it keeps the underline's level).
    """
    if not lines or any(_UNDERLINE.match(line) for line in lines[1:3]):
        return None
    first = lines[0].strip()
    sub = _SUBSECTION.match(lines[0])
    top = _TOP_SECTION.match(lines[0])
    if sub:
        depth = 1 + sub.group(2).count(".")
    elif top and top.group(1) in sectioned and len(lines) == 1 and not first.endswith("."):
        depth = 1
    elif top and _numbered_question(lines):
        return len(lines), 1
    else:
        return None
    number = (sub or top).end()  # type: ignore[union-attr]
    words = lines[0][number:].strip()
    if len(first) > _MAX_TITLE_CHARS:
        return None
    if sub and first.endswith(("?", ":")):  # "3.1. Behind a firewall?" over its answer
        return 1, depth
    if len(lines) >= 2 and not (_BULLET.match(lines[1]) or _NUMBERED.match(lines[1])):
        second = lines[1].strip()
        if second[:1].islower() or len(first) >= _WRAPPED_TITLE_CHARS:
            title = f"{words} {second}"
            if len(title) > _MAX_TITLE_CHARS:
                return None
            # a question wrapped over its answer; a two-line numbered paragraph of its own (FAQs
            # state a problem: "4.5. Memcheck doesn't report any errors and I know my program
            # has\nerrors."); else a wrapped title that reads as no sentence
            if title.endswith(("?", ":")) or (sub and len(lines) == 2):
                return 2, depth
            return (2, depth) if not title.endswith(".") and not _SENTENCE_INSIDE.search(title) else None
    if _SENTENCE_INSIDE.search(words) or (len(lines) > 1 and first.endswith((".", ",", ";"))):
        return None  # a step or a paragraph that opens with a number
    return 1, depth


class _NumberedItems:
    """The run of numbered FAQ items: after question "12." over its answer, "13." heads the next item
    even when it states its problem instead of asking (procmail's FAQ: "13. The leading From_ line on
    all my arriving mail shows the wrong time.", its indented answer below). Read as a list step,
    such an item and its answer were filed under question 12, and search never found them by it."""

    def __init__(self) -> None:
        self.next: int | None = None  # the number the next item would carry

    def read(
        self, lines: list[str], numbered: tuple[int, int] | None, following: str
    ) -> tuple[int, int] | None:
        """``numbered`` (what :func:`_numbered_title` made of the paragraph), or the whole
        paragraph as the run's next item: it carries the next number, reads as a title (at most
        :data:`_MAX_QUESTION_LINES` lines, no numbered line inside) and the paragraph after it is
        indented prose, as the answers are. Any other numbered paragraph (a list step) ends the run."""
        top = _TOP_SECTION.match(lines[0]) if lines else None
        if top is None:
            return numbered
        number = int(top.group(1))
        if numbered is None and number == self.next and _item_title(lines) and _indented_answer(following):
            numbered = (len(lines), 1)
        asked = numbered is not None and numbered[0] == len(lines) and _numbered_question(lines)
        self.next = number + 1 if numbered is not None and (asked or number == self.next) else None
        return numbered


def _item_title(lines: list[str]) -> bool:
    text = " ".join(line.strip() for line in lines)
    listed = any(_NUMBERED.match(line) for line in lines[1:])
    return len(lines) <= _MAX_QUESTION_LINES and len(text) <= 2 * _MAX_TITLE_CHARS and not listed


def _indented_answer(paragraph: str) -> bool:
    """Whether a paragraph is indented prose, as FAQ answers are; an indented command under a
    numbered step ("2. Download the tarball" over "\twget ...") is a listing, not an answer."""
    lines = [line for line in paragraph.split("\n") if line.strip()]
    return bool(lines) and all(line.startswith(("\t", "    ")) for line in lines) and _indented_prose(lines)


def _numbered_question(lines: list[str]) -> bool:
    """Whether a "2. ..." paragraph asks an FAQ question (procmail's and zlib's FAQs number their
    questions, wrapped over up to four lines, and indent the answers below): a list step asks
    nothing."""
    text = " ".join(line.strip() for line in lines)
    short = len(lines) <= _MAX_QUESTION_LINES and len(text) <= 2 * _MAX_TITLE_CHARS
    # a table of contents lists "2. BASIC SED", "2.1. What is sed?", ... one per line
    listed = any(_NUMBERED.match(line) for line in lines[1:])
    return short and not listed and bool(_ASKS.search(text))


def _indented_prose(body: list[str]) -> bool:
    """Whether an indented paragraph is prose: FAQs indent their answers by a tab or four spaces
    (procmail's, zlib's), which read as code until now. Prose is mostly letters and ends its
    sentences; a command, a config or a listing is not."""
    text = " ".join(line.strip() for line in body)
    if len(text.split()) < _PROSE_MIN_WORDS:
        return False
    letters = sum(ch.isalpha() or ch.isspace() for ch in text) / len(text)
    return letters >= _PROSE_MIN_LETTERS and bool(re.search(r"[a-z][.!?]\s+[A-Z]|[a-z][.!?]$", text))


def _question_lines(lines: list[str]) -> int:
    """How many lines the "Q:" question opening ``lines`` wraps onto (up to an "A:" line or the
    paragraph's end), else 0.

    Plain-text FAQs (GNU screen's, ppp's, dnsmasq's) ask "Q: ..." over two or three hard-wrapped
    lines with no underline; read as a paragraph only, its item was filed under the document's
    title, so the graph's rules did not know which problem the answer is about.
    """
    if not lines or not _QUESTION.match(lines[0]):
        return 0
    count = next((i for i, line in enumerate(lines) if i and _ANSWER.match(line)), len(lines))
    if count > _MAX_QUESTION_LINES or sum(len(line.strip()) for line in lines[:count]) > 2 * _MAX_TITLE_CHARS:
        return 0
    return count


def _wrapped_title(lines: list[str]) -> int:
    """How many lines the underlined title at the top of ``lines`` wraps onto (2 or more), else 0.

    A question too long for one line is underlined to its longest line (mdadm's FAQ: "12. mdadm
    -E / mkconf report different arrays with the same device", then "    name / minor number.
    What gives?", then the tildes); read line by line it became a list step and its answer fell
    under the question before. Only a numbered or question title counts, and only under an
    underline about as wide as its longest line, so a paragraph that runs into a horizontal rule
    stays a paragraph.
    """
    for count in range(2, min(_MAX_TITLE_LINES, len(lines) - 1) + 1):
        if _UNDERLINE.match(lines[count]):
            break
    else:
        return 0
    title = lines[:count]
    # a line that opens its own item (a step, a bullet) starts a list, not a title's next line
    if any(_UNDERLINE.match(line) for line in title) or any(
        _BULLET.match(line) or _NUMBERED.match(line) for line in title[1:]
    ):
        return 0
    if sum(len(line.strip()) for line in title) > _MAX_TITLE_CHARS:
        return 0
    widest = max(len(line) for line in title)
    if abs(len(lines[count].strip()) - widest) > _WRAPPED_UNDERLINE_SLACK:
        return 0
    is_numbered = bool(_NUMBERED.match(title[0]))
    is_question = title[-1].rstrip().endswith("?")
    return count if is_numbered or is_question else 0


def _items(lines: list[str], builder: BlockBuilder, page: int | None) -> list[str]:
    """Consume consecutive list items (with their continuations); return the rest.

    A continuation is indented, or (hard-wrapped text that does not indent it, as the ppp FAQ's
    '- Some serial drivers have a "software carrier detect" mode, which' / 'must be *disabled*.')
    a line that goes on an item cut mid-sentence or one that already wrapped so. Read as a
    paragraph of its own, the rest of the sentence left its item and could land in another chunk.
    """
    is_numbered = bool(_STEP.match(lines[0]))
    marker = _STEP if is_numbered else _BULLET
    items: list[str] = []
    wrapped = False  # the last item went on onto an unindented line
    while lines:
        match = marker.match(lines[0])
        if match:
            items.append(lines.pop(0)[match.end() :].strip())
            wrapped = False
        elif lines[0].startswith((" ", "\t")) and items:
            items[-1] += " " + lines.pop(0).strip()
        elif items and (wrapped or not _ENDS_SENTENCE.search(items[-1])) and _wraps_on(lines):
            items[-1] += " " + lines.pop(0).strip()
            wrapped = True
        else:
            break
    if is_numbered:
        builder.procedure(items, page)
    else:
        for item in items:
            builder.add(BlockKind.LIST_ITEM, item, page)
    return lines


def _wraps_on(lines: list[str]) -> bool:
    """Whether an unindented line can be the rest of a list item: not a bullet or step of
    another list, a title (underlined, Chinese numbered), an FAQ's "Q:"/"A:" or a column layout."""
    line = lines[0]
    return not (
        _BULLET.match(line)
        or _STEP.match(line)
        or _UNDERLINE.match(line)
        or (len(lines) >= 2 and _UNDERLINE.match(lines[1]))
        or _underlined_label(lines)
        or cjk.heading_level(line) is not None
        or _QUESTION.match(line)
        or _ANSWER.match(line)
        or _PREFORMATTED.search(line)
    )
