"""The instant evidence answer: built from the retrieved evidence alone, before any model token.

* Troubleshooting questions whose symptom or code leads to Symptom → Cause → Action (→ Part)
  chains in the graph get a card of likely causes, each with its fix and part, each cited.
* Other questions get the one to three sentences of the top passages that best match the
  question, each cited with its source number.

It takes the retrieval time plus a few milliseconds, needs no model, and its text follows the same
"every sentence cites" rule as the model's answer, so it is also the fallback answer when the
model's sentences are mostly unsupported.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .grounding import content_terms, identifiers
from .prompt import Source

MAX_CAUSES = 5
MAX_SENTENCES = 3
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?。！？；])\s+|\n+")
_MIN_WORDS, _MAX_CHARS = 4, 400


@dataclass(frozen=True)
class Chain:
    """One troubleshooting chain from the graph: what was seen, why, what fixes it."""

    symptom: str
    cause: str
    action: str
    parts: tuple[str, ...] = ()
    chunk_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvidenceAnswer:
    """What the portal shows at once; ``text`` cites like a model answer."""

    kind: str  # "causes", "extract" or "none"
    text: str
    items: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "items": self.items}


def build(question: str, intent: str, sources: Sequence[Source], chains: Sequence[Chain]) -> EvidenceAnswer:
    """The evidence answer for a question, from its numbered sources and graph chains.

    Args:
        question: the user's question.
        intent: the router's intent.
        sources: the numbered sources the model will see.
        chains: troubleshooting chains linked to the question (may be empty).

    Returns:
        A cause card, the best cited sentences, or kind "none" when nothing fits.
    """
    if intent == "troubleshooting" and chains:
        card = cause_card(chains, sources)
        if card.items:
            return card
    return best_sentences(question, sources)


def cause_card(chains: Sequence[Chain], sources: Sequence[Source]) -> EvidenceAnswer:
    items: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for chain in chains:
        key = (chain.cause.lower(), chain.action.lower())
        cites = _citing(chain.chunk_ids, sources)
        if key in seen or not cites:
            continue
        seen.add(key)
        items.append(
            {
                "symptom": chain.symptom,
                "cause": chain.cause,
                "fix": chain.action,
                "parts": list(chain.parts),
                "cites": cites,
            }
        )
        if len(items) >= MAX_CAUSES:
            break
    return EvidenceAnswer("causes", "\n".join(_cause_line(i) for i in items), items)


def _cause_line(item: dict[str, Any]) -> str:
    parts = f" (part {', '.join(item['parts'])})" if item["parts"] else ""
    cites = "".join(f"[{n}]" for n in item["cites"])
    cause = item["cause"] if item["cause"] != item["symptom"] else "see the cited page"
    return f"- {_capital(cause)}: {item['fix']}{parts} {cites}."


def _citing(chunk_ids: Sequence[str], sources: Sequence[Source]) -> list[int]:
    wanted = set(chunk_ids)
    passages = [s.number for s in sources if s.kind == "passage" and wanted & set(s.chunk_ids)]
    if passages:
        return passages[:2]
    return [s.number for s in sources if wanted & set(s.chunk_ids)][:1]


def best_sentences(question: str, sources: Sequence[Source], top_sources: int = 3) -> EvidenceAnswer:
    """The sentences of the top passages that best match the question, cited.

    Scores are BM25-like over the candidate sentences: the question's content words weighted by
    how rare they are among those sentences, a bonus for reproducing the question's codes, and
    a small preference for higher-ranked sources.
    """
    candidates = _candidate_sentences(sources[:top_sources] if top_sources else sources)
    if not candidates:
        return EvidenceAnswer("none", "")
    wanted = content_terms(question)
    codes = {i.lower() for i in identifiers(question)}
    document_freq = Counter(t for _, _, terms in candidates for t in terms)
    total = len(candidates)

    def score(rank: int, sentence: str, terms: set[str]) -> float:
        idf = sum(math.log(1 + total / document_freq[t]) for t in wanted & terms)
        code_hits = sum(1 for c in codes if c in sentence.lower())
        return idf + 2.0 * code_hits - 0.15 * rank

    scored = sorted(
        ((score(rank, text, terms), rank, number, text) for rank, (number, text, terms) in enumerate(candidates)),
        key=lambda item: (-item[0], item[1]),
    )
    best = scored[0][0]
    if best <= 0:
        return EvidenceAnswer("none", "")
    chosen = [item for item in scored[:MAX_SENTENCES] if item[0] >= 0.5 * best]
    chosen.sort(key=lambda item: item[1])  # reading order
    items = [{"text": text, "cites": [number]} for _, _, number, text in chosen]
    body = " ".join(f"{_no_end(i['text'])} [{i['cites'][0]}]." for i in items)
    return EvidenceAnswer("extract", body, items)


def _candidate_sentences(sources: Sequence[Source]) -> list[tuple[int, str, set[str]]]:
    out = []
    for source in sources:
        if source.kind != "passage":
            continue
        for raw in _SENTENCE_SPLIT.split(source.text):
            text = " ".join(raw.split()).strip(" -*#|")
            if len(text.split()) < _MIN_WORDS and not re.search(r"[\u3400-\u9fff]{6,}", text):
                continue
            text = text[:_MAX_CHARS]
            out.append((source.number, text, content_terms(text)))
    return out


def _no_end(text: str) -> str:
    # The citation goes before the sentence's full stop, as in the model's answers.
    return text.rstrip().rstrip(".。").replace("[", "(").replace("]", ")")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
