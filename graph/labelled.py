"""Troubleshooting items written as labelled parts: "Problem: … Solution: …", "Symptom: … Cause: …
Remedy: …", "Error: … Fix: …", "故障现象：… 原因：… 处理方法：…", "?: … !: …".

Manuals write such an item as a list item or a plain paragraph, often several under one heading
(AVRDUDE's troubleshooting appendix: one heading, every problem an item of one list), so the heading
names no problem and a chunk holds several. This module finds them in a chunk's text, in one place,
for the relation rules (each item is read as a FAQ item whose question is its problem) and for the
Diagnose page (each item is the unit shown and pulled together).

An item starts at a line that opens with a problem label and a colon, with the problem on the same
line ("- Problem: the pump hums", "**Symptom:** no output"); its parts are the cause and remedy
labels after it, at a line's start or inline after a sentence's end or a comma (". Solution: ",
"。原因："), up to the next item. A problem with no labelled cause or remedy is no item ("Error:
file not found" in a console listing). A label alone on its line ("Problem" over a block, the
apcupsd manual's definition lists) is :func:`graph.structure.labelled_sections`' layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph.typography import BULLETS

_PROBLEM = (
    r"problems?|symptoms?|issues?|faults?|errors?|complaints?|故障现象|故障描述|问题描述|现象|症状|故障|问题"
)
_CAUSE = (
    r"(?:possible|probable|likely|root)\s+causes?|causes?|reasons?|"
    r"可能原因|故障原因|产生原因|原因分析|原因"
)
_REMEDY = (
    r"solutions?|fix(?:es)?|remed(?:y|ies)|workarounds?|resolutions?|corrective\s+actions?|actions?|"
    r"what\s+to\s+do|处理方法|解决方法|排除方法|解决办法|处理措施|排除措施|解决措施|处理办法|对策|措施"
)
#: English labels as a title writes them, for a label that follows a plain blank.
_CAUSE_TITLE = r"(?:Possible|Probable|Likely|Root)\s+[Cc]auses?|Causes?|Reasons?"
_REMEDY_TITLE = r"Solutions?|Fix(?:es)?|Remed(?:y|ies)|Workarounds?|Resolutions?|Corrective\s+[Aa]ctions?"
#: A qualifier between a label and its colon: "Solution (short):", "原因（一）：".
_QUALIFIER = r"(?:\s*[(（][^()（）\n]{1,20}[)）])?"
_COLON = r"\s*(?:\*\*|__)?\s*[:：](?:\s*(?:\*\*|__))?"
#: A line that opens an item: bullet or number, bold markup, the problem label, a colon, the problem.
_ITEM_START = re.compile(
    rf"^[ \t]*(?:[{re.escape(BULLETS)}][ \t]+|\d{{1,3}}[.)][ \t]+)?(?:\*\*|__)?[ \t]*"
    rf"(?P<label>{_PROBLEM}|\?){_QUALIFIER}{_COLON}[ \t]*(?=\S)",
    re.I | re.M,
)
#: "?: <question>" answered by "!: <answer>" (xawtv's README.bttv): the answer's label may follow the
#: question on its line, as the text parser joins a paragraph's lines. The answer is read by the FAQ
#: answer rules; it is labelled neither cause nor remedy.
_ASKED = "?"
_ANSWER_MARK = re.compile(r"(?:(?<=\s)|^)(?P<label>!):[ \t]*", re.M)
#: A cause or remedy label: at a line's start, or after a sentence's end or a comma; an inline
#: English label is capitalised ("… fails. Solution: …", not "the following error: …").
_PART = re.compile(
    rf"(?:(?<=\n)|^|(?<=[.!?;,)\"'。！？；，])[ \t]*)[ \t]*(?:[{re.escape(BULLETS)}][ \t]+)?(?:\*\*|__)?"
    rf"(?P<label>(?i:{_CAUSE})|(?i:{_REMEDY})){_QUALIFIER}{_COLON}[ \t]*",
    re.M,
)
#: A label with a qualifier may follow a plain blank: "Solution (short): setserial port low_latency
#: Solution (long): There are two problems here."
_QUALIFIED_PART = re.compile(
    rf"(?<=\s)(?P<label>(?:{_CAUSE_TITLE}|{_REMEDY_TITLE})(?:\s+\w+)?)\s*"
    rf"[(（][^()（）\n]{{1,20}}[)）]{_COLON}[ \t]*"
)
_CAUSE_LABEL = re.compile(rf"^(?:{_CAUSE})$", re.I)
#: A problem label opening a line inside an item opened by a symptom: what is wrong behind what is
#: seen, its cause ("SYMPTOM: Scanner makes awful noise" / "PROBLEM:" / the causes / "SOLUTION:", the
#: SANE Plustek FAQ; the label alone on its line over its text, or with the text after it).
_SYMPTOM_LABEL = re.compile(r"^symptoms?$", re.I)
_STATED_PROBLEM = re.compile(
    rf"^[ \t]*(?:[{re.escape(BULLETS)}][ \t]+)?(?:\*\*|__)?[ \t]*"
    rf"(?P<label>problems?){_QUALIFIER}{_COLON}[ \t]*",
    re.I | re.M,
)
_PROBLEM_ONLY = re.compile(r"^problems?$", re.I)


def _marks(text: str, start: int, end: int) -> list[re.Match[str]]:
    found = [m for m in _PART.finditer(text, start, end) if _capitalised(m)]
    taken = {m.start("label") for m in found}
    found += [m for m in _QUALIFIED_PART.finditer(text, start, end) if m.start("label") not in taken]
    return sorted(found, key=lambda m: m.start())


@dataclass(frozen=True)
class Part:
    """A labelled cause or remedy of an item."""

    role: str  # "cause", "remedy" or "answer" (a "!:" answer: neither labelled)
    label: str
    text: str
    #: Offset of :attr:`text` in the text searched.
    start: int


@dataclass(frozen=True)
class LabelledItem:
    """One labelled problem with its parts; offsets into the text searched."""

    problem: str
    parts: tuple[Part, ...]
    start: int
    end: int

    @property
    def body_start(self) -> int:
        """Where the item's first part's text starts (after the problem and the part's label)."""
        return self.parts[0].start


def _symptom_marks(text: str, start: re.Match[str], end: int) -> tuple[list[re.Match[str]], int]:
    """(marks, end) of the item opened by ``start``: a symptom's item also takes its "Problem:"
    labels before its first remedy as causes; a "Problem:" after a remedy opens the next problem
    (the item ends there: a lone "PROBLEM:" over its text and "SOLUTION:" is
    :func:`graph.structure.labelled_sections`' layout)."""
    if start.group("label") == _ASKED:
        return list(_ANSWER_MARK.finditer(text, start.end(), end)), end
    marks = _marks(text, start.end(), end)
    if not _SYMPTOM_LABEL.match(start.group("label")):
        return marks, end
    remedy = next((m.start() for m in marks if not _is_cause(m)), end)
    stated = list(_STATED_PROBLEM.finditer(text, start.end(), end))
    after = next((m.start() for m in stated if m.start() > remedy), end)
    causes = [m for m in stated if m.start() < remedy]
    return sorted([m for m in marks if m.start() < after] + causes, key=lambda m: m.start()), after


def labelled_items(text: str) -> list[LabelledItem]:
    """The labelled problems of ``text`` in order, each with its cause and remedy parts."""
    starts = _starts(text)
    items: list[LabelledItem] = []
    for index, start in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
        marks, end = _symptom_marks(text, start, end)
        if not marks:
            continue
        problem = _strip_markup(text[start.end() : marks[0].start()])
        parts = []
        for n, mark in enumerate(marks):
            stop = marks[n + 1].start() if n + 1 < len(marks) else end
            body = text[mark.end() : stop]
            if not body.strip():
                continue
            role = "answer" if mark.re is _ANSWER_MARK else "cause" if _is_cause(mark) else "remedy"
            parts.append(Part(role, mark.group("label"), body.rstrip(), mark.end()))
        if problem and parts:
            items.append(LabelledItem(problem, tuple(parts), start.start(), end))
    return items


def _starts(text: str) -> list[re.Match[str]]:
    """Where items start: a "Problem: <text>" line inside a symptom's item, before its first
    remedy, is that item's cause (:func:`_symptom_marks`), not an item of its own."""
    starts = list(_ITEM_START.finditer(text))
    kept: list[re.Match[str]] = []
    for start in starts:
        opened = kept[-1] if kept else None
        if (
            opened is not None
            and _SYMPTOM_LABEL.match(opened.group("label"))
            and _PROBLEM_ONLY.match(start.group("label"))
            and all(_is_cause(m) for m in _marks(text, opened.end(), start.start()))
        ):
            continue
        kept.append(start)
    return kept


def _is_cause(mark: re.Match[str]) -> bool:
    return mark.re is _STATED_PROBLEM or bool(_CAUSE_LABEL.match(" ".join(mark.group("label").split())))


def item_at_start(text: str) -> str | None:
    """The problem of the labelled item a text opens with, else None (a chunk continuing an item)."""
    items = labelled_items(text)
    if not items or text[: items[0].start].strip():
        return None
    return items[0].problem


def problem_line(line: str) -> tuple[str, str] | None:
    """(the problem, the rest of the line from its first part's label) when ``line`` opens a
    labelled item and labels a cause or remedy on the same line; (the problem, "") when the line
    opens one and its parts follow on later lines; None when it opens none."""
    start = _ITEM_START.match(line)
    if start is None:
        return None
    mark = next(iter(_marks(line, start.end(), len(line))), None)
    if mark is None:
        return _strip_markup(line[start.end() :]), ""
    return _strip_markup(line[start.end() : mark.start()]), line[mark.start() :].strip()


#: A remedy part that is only a command: "Solution (short): setserial port low_latency".
MAX_COMMAND_WORDS = 8
#: Longest Chinese clause kept as a name (Han names carry no blanks for the word limits).
MAX_HAN_NAME_CHARS = 30
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_NO_FIX = re.compile(r"^(?:none|n/?a|unknown|not\s+yet|see|this|that|it|there|these|the|a|an)\b", re.I)
_HAN_CLAUSES = re.compile(r"[。；;！!？?\n]+")
_HAN_STEP = re.compile(r"^\s*(?:\d{1,2}[.、)）]|[（(]\d{1,2}[)）]|[\u2460-\u2473])\s*")


def labelled_name(text: str) -> str | None:
    """A labelled part's text as an entity name: a Chinese clause of at most
    :data:`MAX_HAN_NAME_CHARS` characters as written; English through
    :func:`graph.names.concise_name` (no sentence-length names)."""
    from graph.names import concise_name

    text = " ".join(text.split()).strip(" .,;:，。；：")
    if _HAN.search(text):
        return text if 2 <= len(text) <= MAX_HAN_NAME_CHARS else None
    return concise_name(text) if text else None


def named_fixes(text: str) -> list[str]:
    """The fixes a remedy part names by itself, where the answer rules read none: a one-line
    command of at most :data:`MAX_COMMAND_WORDS` words that states nothing (no sentence's end, no
    "None" / "This …"), or the short clauses of a Chinese remedy ("清洗吸油管；更换滤芯。")."""
    text = text.strip()
    if _HAN.search(text):
        clauses = [_HAN_STEP.sub("", c).strip(" ,，、") for c in _HAN_CLAUSES.split(text)]
        return [c for c in clauses if _HAN.search(c) and 2 <= len(c) <= MAX_HAN_NAME_CHARS]
    if "\n" in text or text[-1:] in ".!?:" or len(text.split()) > MAX_COMMAND_WORDS or _NO_FIX.match(text):
        return []
    return [text]


#: A remedy part's opening that says there is none: "None.", "None at this time.", "No known fix
#: (2010 Q1).", "暂无。" (not "None of the fuses is blown?").
_NO_FIX_YET = re.compile(
    r"^\s*(?:(?:none|no\s+(?:known\s+)?(?:fix|solution|workaround|remedy))"
    r"(?:\s+(?:at|by|as\s+of|for|yet|so\s+far|known|currently)\b[^.?!]*)?|无|暂无|目前无|目前没有)\s*[.!。]?\s*$",
    re.I,
)
#: Leads that say nothing about the cause: "Currently, X", "It is said that X", "This is X".
_REASON_LEAD = re.compile(
    r"^(?:(?:currently|unfortunately|apparently|at present|at the moment|at this time)\s*,\s*|"
    r"it\s+(?:is|has\s+been)\s+(?:said|reported|known|believed)\s+that\s+|this\s+is\s+(?=an?\b))",
    re.I,
)


def no_fix_reason(text: str) -> str | None:
    """What a remedy part that says there is no fix gives as the reason, the sentence after
    ("Solution: None at this time. Currently, the JTAG ICE code cannot write to the flash ROM one
    byte at a time." -> that it cannot write ...); None when the part names a fix."""
    from graph.sentences import sentences

    found = list(sentences(text))
    if len(found) < 2 or not _NO_FIX_YET.match(found[0]):
        return None
    return _REASON_LEAD.sub("", found[1].strip())


def _capitalised(mark: re.Match[str]) -> bool:
    label = mark.group("label")
    at_line_start = not mark.string[: mark.start()].strip(" \t").rsplit("\n", 1)[-1]
    return at_line_start or not label[0].isascii() or label[0].isupper()


def _strip_markup(text: str) -> str:
    return " ".join(text.replace("**", " ").replace("__", " ").split()).rstrip(" ,;，；")
