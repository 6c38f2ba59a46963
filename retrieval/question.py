"""Classifies a question: intent, complexity, and which retrieval sources answer it.

Rules, not a model: they are deterministic, cheap (microseconds) and explainable, and every answer
records which rule fired. The intents match model.routing's table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Intent = Literal["lookup", "troubleshooting", "procedure", "comparison", "aggregate", "chitchat"]
Complexity = Literal["low", "medium", "high"]
RetrievalRoute = Literal["none", "dense", "hybrid", "graph", "records"]

_RULES: list[tuple[Intent, re.Pattern[str]]] = [
    # Counting over records ("how many times was X replaced"), not quantities ("how many volts").
    (
        "aggregate",
        re.compile(
            r"\b(how many\b[\w\s-]{0,40}?\b(times|work ?orders?|failures|repairs|replacements|jobs|events|"
            r"records|breakdowns)|"
            r"how often (was|were|did|has|have)|"
            r"number of (times|work ?orders?|failures|repairs|replacements)|"
            r"most (common|frequent)|top \d+|frequen(cy|tly) (of|was|were)|statistics|trend)\b|"
            # how often a thing breaks is read off its work orders, not a manual's service interval
            r"\bhow often (does|do|did)\b[^?]{0,60}\b(fail|break|leak|burst|crack)\w*|"
            r"多少次|几次|次数|统计|最常见|"  # Chinese: how many times, statistics, most common
            r"(多久|多长时间)[^？?，,]{0,4}(坏|故障|损坏|失效|出问题|漏)",  # how often it breaks
            re.I,
        ),
    ),
    (
        "comparison",
        re.compile(
            r"\b(compare|comparison|difference between|differ|versus|vs\.?|better than)\b|"
            r"区别|比较|不同|哪个好",
            re.I,
        ),
    ),
    (
        "troubleshooting",
        re.compile(
            r"\b(trips?|fault|fails?|failure|fail(ed|ing)|error|alarm|won'?t|doesn'?t|does not|not working|"
            r"broken|leak(s|ing)?|nois[ey]|overheat\w*|vibrat\w*|stuck|shuts? (down|off)|what do i check|"
            r"troubleshoot\w*|"
            r"cause[sd]?|why|code|what (do|should) i (do|check)|remed(y|ies)|fix|problem|symptom|"
            r"drifts?|creeps?|smok\w*|too (hot|slow|fast|loud)|no (power|pressure|output|response))\b|"
            r"(?-i:(?<![A-Za-z0-9])(?:E|F|H|ERR|AL)-?\d{1,4}(?![A-Za-z0-9]))|"
            # Chinese: fault, alarm, leak, overheating, vibration, noise, trips, won't start, cause,
            # what to do / check
            r"故障|报警|报错|泄漏|漏油|漏水|过热|温度过高|振动|异响|噪声|跳闸|不出水|无法启动|不能启动|"
            r"原因|怎么办|怎么处理|如何处理|检查什么|排除",
            re.I,
        ),
    ),
    (
        "procedure",
        re.compile(
            r"\b(how (do|can|should) (i|we|you)|how to|steps?|procedure|install\w*|replace|configur\w*|"
            r"set ?up|calibrat\w*|remove|mount|connect)\b|如何|怎样|怎么|步骤|程序|安装|更换|拆卸|调整",
            re.I,
        ),
    ),
]
_CHITCHAT = re.compile(
    r"^\s*(hi|hello|hey|thanks?|thank you|good (morning|afternoon|evening)|who are you|"
    r"what can you do)\b[\s!.?]*$",
    re.I,
)


@dataclass(frozen=True)
class QuestionRoute:
    """What kind of question this is and which retrieval sources to use."""

    intent: Intent
    complexity: Complexity
    retrieval: RetrievalRoute
    use_dense: bool
    use_sparse: bool
    use_graph: bool
    rule: str


def classify(question: str, *, turn_count: int = 0) -> QuestionRoute:
    """Classify a question.

    Args:
        question: the user's question (already length-checked by the caller).
        turn_count: earlier turns in the conversation (follow-ups lean on history).

    Returns:
        The route: intent, complexity, retrieval mix and the rule that decided it.
    """
    text = question.strip()
    if _CHITCHAT.match(text):
        return QuestionRoute("chitchat", "low", "none", False, False, False, "chitchat")
    intent: Intent = "lookup"
    rule = "default"
    for name, pattern in _RULES:
        if pattern.search(text):
            intent, rule = name, f"pattern:{name}"
            break
    complexity = _complexity(text, turn_count)
    if intent == "aggregate":
        return QuestionRoute(intent, complexity, "records", False, True, True, rule)
    if intent in ("troubleshooting", "comparison"):
        return QuestionRoute(intent, complexity, "graph", True, True, True, rule)
    return QuestionRoute(intent, complexity, "hybrid", True, True, True, rule)


def _complexity(text: str, turn_count: int) -> Complexity:
    words = len(text.split())
    clauses = len(re.findall(r"\b(and|or|but|then|after|before|while)\b|[,;]", text, re.I))
    score = (words > 18) + (words > 40) + (clauses >= 3) + (turn_count >= 3)
    return "low" if score == 0 and words <= 8 else ("high" if score >= 2 else "medium")


# Words that point back at something said before ("for that", "replace it", "this part", 它).
_POINTS_BACK = re.compile(
    r"\b(that|it|its|this|these|those|them|they|the same|the above|the former|the latter)\b|"
    r"它|它们|这个|那个|这种|那种|这台|那台|该|此",
    re.I,
)
# What makes a question stand on its own: a code or part number, a name written with capitals
# after its first letter or in full capitals (LinuxCNC, UPS, KP-50), a Chinese equipment name.
_NAMES_A_THING = re.compile(r"[A-Za-z]*\d[\w-]*|\b\w+[A-Z]\w*|\b[A-Z]{2,}\b")
_SHORT_WORDS = 8


def stands_alone(question: str) -> bool:
    """Whether a question can be searched without the conversation before it.

    A short one ("and the second one?") cannot, nor one that points back ("that", "it", 这个)
    without naming any thing itself: "Which spare part do I need for that?" has eight words, and
    searched alone it found UPS and CNC passages instead of the pump fault asked about before.
    """
    words = question.split()
    if len(words) < _SHORT_WORDS and not any(c >= "\u3400" for c in question):
        return False
    points_back = _POINTS_BACK.search(question) is not None
    names = _NAMES_A_THING.search(question) is not None
    return not (points_back and not names)


def search_query(question: str, earlier: list[str]) -> str:
    """What to search for a question asked after ``earlier`` questions (oldest first).

    A question that does not stand alone is searched together with the latest earlier question
    that does (with the ones between), so "and for that?" after "…the E-22 fault on the KP-50?"
    searches the pump and its fault. Only the questions are used, not the answers: they are what
    the user named, deterministic and short, while an answer can wander to other sources and
    pull the search along with it (the answer's own part numbers are already in those sources).
    """
    if stands_alone(question) or not earlier:
        return question
    chain = [question]
    for before in reversed(earlier):
        chain.insert(0, before)
        if stands_alone(before):
            break
    return " ".join(chain)
