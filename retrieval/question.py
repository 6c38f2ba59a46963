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
            r"多少次|几次|次数|统计|最常见",  # Chinese: how many times, statistics, most common
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
