"""What a clause becomes as an entity name (:func:`concise_name`).

The prose rules and the "Problem / Workaround" blocks of :mod:`graph.structure` name causes, symptoms
and fixes after clauses of the text; a sentence stored as a name is noise (see
:func:`graph.facts.is_noise_fact`), and so are fragments and pronoun-only names.
"""

from __future__ import annotations

import re

from graph.facts import MAX_FACT_NAME_WORDS
from graph.typography import APOSTROPHE as A
from graph.typography import DASH, fold

ASIDE = re.compile(r"\s*\([^()]{0,80}\)")
_FILLER = re.compile(r"^(?:please|simply|just|then|so|thus|also|now|first|finally)\b[\s,]*", re.I)
_CONJUNCTION_LEAD = re.compile(r"^(?:and|or|but|nor|if|when|because|which|that)\b", re.I)
_DANGLING = re.compile(
    r"\b(?:and|or|but|so|if|when|because|that|which|the|a|an|to|of|with|for|by|this|these|those|is|are|was|"
    r"were|be|probably|mostly|usually|likely|often)$",
    re.I,
)
_CLAUSE_BREAK = re.compile(rf"\s*[,;:]\s+|\s+(?:{DASH}|but|which|whereas|so that)\s+")
_EXPLETIVE = re.compile(
    rf"^it\s+(?P<neg>won{A}t|will not|doesn{A}t|does not|isn{A}t|is not|cannot|can{A}t)\s+"
    r"(?P<pred>work|be possible|possible|help)\s+to\s+(?:just\s+|simply\s+)?(?P<x>\S.*)$",
    re.I,
)
_APPOSITIVE = re.compile(r",\s(?:the|a|an|its|their|our|your)\s[^,;:]{3,80}?,(?=\s)", re.I)
_NORMAL_LEAD = re.compile(
    r"^it\s+is\s+(?:perfectly\s+|quite\s+|completely\s+)?(?:normal|common|expected)\s+for\s+", re.I
)
# "In one case, a user reported that he received random values": the report, not the reporter.
_CASE_LEAD = re.compile(
    r"^(?:in (?:one|this|that|some|many|most|certain|rare) (?:case|cases|configurations|situations)|"
    r"in the case (?:where|that)|sometimes|occasionally),?\s+",
    re.I,
)
_REPORTED_LEAD = re.compile(
    r"^(?:a user|some users|users|someone|people|a customer)\s+(?:has\s+|have\s+)?"
    r"(?:reported|reports|noticed|found|complained)\s+(?:that\s+)?",
    re.I,
)
_GENERIC_WORDS = frozenset(
    "it this that they these those there here one ones thing things something problem problems issue issues "
    "error errors the a an is are was be however therefore unfortunately fortunately also still yet "
    "sometimes often usually thus hence".split()
)


def concise_name(text: str) -> str | None:
    """A clause as an entity name, or None when it is no name.

    Asides in parentheses go; a name over ``MAX_FACT_NAME_WORDS`` words keeps its first clause
    (a sentence stored as a name is noise, see :func:`graph.facts.is_noise_fact`); fragments that
    start or end on a conjunction ("and that device fails") and pronoun-only names ("this
    problem") are dropped, so no relation is made from them.
    """
    name = " ".join(ASIDE.sub("", text).split()).strip(" ,.;:!?")
    while _FILLER.match(name):
        name = _FILLER.sub("", name, count=1)
    name = _REPORTED_LEAD.sub("", _CASE_LEAD.sub("", _NORMAL_LEAD.sub("", name)))
    expletive = _EXPLETIVE.match(name)
    if expletive:  # "it won't work to overwrite X" -> "overwrite X won't work"
        name = f"{expletive.group('x')} {expletive.group('neg')} {expletive.group('pred')}"
    if len(name.split()) > MAX_FACT_NAME_WORDS:
        # "gpm, the mouse control program for command windows, was using the serial port": an
        # appositive between commas goes first, then everything after the first clause.
        name = _APPOSITIVE.sub("", name, count=1)
    if len(name.split()) > MAX_FACT_NAME_WORDS:
        breaks = [m.start() for m in _CLAUSE_BREAK.finditer(name) if len(name[: m.start()].split()) >= 3]
        name = name[: breaks[0]] if breaks else name
        if len(name.split()) > MAX_FACT_NAME_WORDS:
            return None
    name = name.strip(" ,.;:!?")
    if not name or _CONJUNCTION_LEAD.match(name) or _DANGLING.search(name) or name[0] in "#$>%|{}[]=<":
        return None  # a fragment, or a command line ("# mdadm --fail /dev/md0 ...")
    if all(w in _GENERIC_WORDS for w in re.findall(r"[a-z']+", fold(name).lower())):
        return None
    return name
