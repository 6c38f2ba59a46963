"""Checklists of yes/no questions under a problem, a common troubleshooting layout:

    If the pump does not start, check the following:
    Is the pump plugged in?
    Is the filter clogged? (i.e. full of debris)

Each question names a cause to rule out: the state it hopes for, negated ("the pump is not plugged
in"); a question that asks about a fault states it as it is ("the filter is clogged"). Only questions
right after such an announcement count: a question elsewhere in an answer may be rhetorical or ask
the reader something that rules nothing out ("Are you using any hubs?" says neither way which
answer is the fault), and questions about "you" or "there" are skipped for the same reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph.typography import BULLETS

#: "If the pump does not start, check the following items:", "Check the following:". The condition
#: is the problem the questions rule causes out of (the heading's when there is none).
_LEAD = re.compile(
    r"(?:(?<=^)|(?<=[.!?:]\s)|(?<=\n))\s*(?:(?:if|when)\s+(?P<x>[^,:?.\n]{3,150}?),?\s+)?(?:please\s+)?"
    r"(?:check|verify|consider|go\s+through|answer)\s+(?:the\s+following|these)"
    r"(?:\s+(?:items|things|points|questions))?\s*:",
    re.I,
)
_DETERMINER = r"(?:the|your|a|an|this|that|its|their|my|our|all)"
#: One question after the lead (a list mark before it, an aside after it: "(i.e. out of paper)").
_QUESTION = re.compile(
    rf"\s*(?:[{BULLETS}]\s*|\d+[.)]\s+)?(?P<q>(?P<aux>is|are|was|were|has|have|does|do|did)\s+"
    rf"(?P<s>{_DETERMINER}\s+[^\s?]+(?:\s+[^\s?]+){{0,4}}?(?:\s*\([^()?]{{0,60}}\))?)\s+(?P<p>[^?\n]{{2,150}}))\?"
    r"(?:\s*\([^()\n]{0,100}\))?",
    re.I,
)
#: Where the predicate of "Is <subject> <predicate>?" starts: a preposition, a participle or a state.
_PREDICATE = re.compile(
    r"^(?:in|on|at|with|by|to|from|under|inside|within|set|on-?line|off-?line|off|open|closed|able|"
    r"full|empty|dirty|clean|loose|low|been|[a-z]{2,}[^\We]ed|"
    r"broken|taken|given|seen|driven|written|frozen|chosen|hidden|worn|torn|blown|thrown|shown|known|drawn|"
    r"fallen)\b",
    re.I,
)
#: Verbs after "Does <subject> ...": what the subject is asked to do or have.
_DOES_VERB = re.compile(
    r"^(?:have|has|contain|show|work|start|run|respond|light|turn|spin|match|exist|appear|receive|"
    r"detect|list|print|support|recogni[sz]e|fit|move|power|reach|boot|load|accept)\b",
    re.I,
)
#: A predicate that already names a fault: asked to rule the fault out, so it is the cause as asked.
_FAULT = re.compile(
    r"\b(?:error|fault|faulty|clogged|blocked|damaged|broken|jammed|dirty|overheat\w*|loose|kinked|tripped|"
    r"blown|stuck|missing|disconnected|disabled|off-?line|out\s+of|leak\w*|corrupt\w*|worn|cracked|low)\b",
    re.I,
)


@dataclass(frozen=True)
class Checklist:
    problem: str | None  # the lead's condition; None: the heading's problem
    causes: list[str]


def checklists(text: str) -> list[Checklist]:
    """The causes each "check the following:" list of yes/no questions in ``text`` names."""
    found = []
    for lead in _LEAD.finditer(text):
        causes, at = [], lead.end()
        while (question := _QUESTION.match(text, at)) is not None:
            at = question.end()
            cause = _ruled_out(question)
            if cause is not None:
                causes.append(cause)
        if causes:
            problem = lead.group("x")
            found.append(Checklist(problem.strip() if problem else None, causes))
    return found


#: "If you run lsusb, is the printer detected?": the step before the question is when it is asked.
_STEP = re.compile(r"^\s*(?:if|when|after)\s+[^,?]{3,120},\s*", re.I)


def failed_state(question: str) -> str | None:
    """What a "No" to a yes/no question states: "If you run lsusb, is the printer detected?" -> "the
    printer is not detected"; None for a question about a fault ("Is the fuse blown?": its "No" is no
    fault) and for one the split is unsure of."""
    match = _QUESTION.fullmatch(_STEP.sub("", question.strip()))
    if match is None or _FAULT.search(match.group("p")):
        return None
    return _ruled_out(match)


def _ruled_out(question: re.Match[str]) -> str | None:
    """ "Is the pump plugged in?" -> "the pump is not plugged in"; None where no split is sure."""
    aux, predicate = question.group("aux").lower(), question.group("p").strip()
    subject = question.group("s").strip()
    if re.search(r"\bnot\b|n't\b", predicate, re.I):
        return None  # "Is it on-line and not in an error state?": a negated conjunction reads no way round
    words = subject.split() + predicate.split()
    # The subject is the shortest run of words (after its determiner) before a predicate's start.
    for cut in range(2, min(len(words), 8)):
        subject, predicate = " ".join(words[:cut]), " ".join(words[cut:])
        if aux in ("does", "do", "did"):
            if _DOES_VERB.match(predicate):
                if _FAULT.search(predicate):
                    return f"{subject} {predicate}"
                return f"{subject} {aux} not {predicate}"
        # a last word alone is the state asked about ("Is the fuse intact?")
        elif _PREDICATE.match(predicate) or subject.endswith(")") or cut == len(words) - 1:
            if aux in ("has", "have") and not predicate.lower().startswith("been"):
                return None
            verb = aux
            if _FAULT.search(predicate):
                return f"{subject} {verb} {predicate}"
            return f"{subject} {verb} not {predicate}"
    return None


#: "To fix it, check:", "If the pump does not start, verify:", "Check:" at the end of a line, the things
#: to check listed one a line after it.
_CHECK_LEAD = re.compile(
    r"(?:^|[.!?]\s+)(?:(?:to\s+(?:fix|solve|correct|cure)\s+(?:it|this)(?:\s+problem)?|if\s+(?P<x>[^,:.]{3,150}?))"
    r",?\s+)?(?P<verb>check|verify|inspect|examine)\s*:\s*$",
    re.I,
)
_MARK = re.compile(rf"^\s*(?:[{BULLETS}]|\d+[.)]|[a-h][.)])\s+")
_MAX_ITEM_WORDS = 12


@dataclass(frozen=True)
class Checks:
    problem: str | None  # the lead's condition; None: the problem at hand
    fixes: list[str]


def checks(text: str) -> list[Checks]:
    """The things a "check:" lead lists, one a line, each as an instruction ("check your firewall rules").

    An item is the line's words before its first full stop, comma or semicolon ("your firewall rules.
    Port 3493/tcp must be opened,": what follows explains it); the list ends at a blank line or an
    unmarked line that opens a sentence of its own (a capital).
    """
    found = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        lead = _CHECK_LEAD.search(line)
        if lead is None:
            continue
        fixes = []
        for item in lines[index + 1 :]:
            mark = _MARK.match(item)
            item = item[mark.end() :] if mark else item.strip()
            if not item or not mark and not item[:1].islower():
                break
            thing = re.split(r"\.\s|[,;]\s|[.,;:]?\s*$", item, maxsplit=1)[0].strip()
            if 2 <= len(thing.split()) <= _MAX_ITEM_WORDS:
                fixes.append(f"{lead.group('verb').lower()} {thing}")
        if fixes:
            x = lead.group("x")
            found.append(Checks(x.strip() if x else None, fixes))
    return found
