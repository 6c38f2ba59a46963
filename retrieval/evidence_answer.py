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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from .chunk import has_header_row
from .embed import Embedder
from .language import detect_language
from .prompt import Source
from .table_rows import symbol_keys, wrong_row
from .terms import content_terms, identifiers

MAX_CAUSES = 5
MAX_FIX_WORDS = 15
MAX_SENTENCES = 3
MAX_LIST_ITEMS = 4
# Chinese sentence ends take no space after them ("先停泵。再断电。").
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|(?<=[。！？；])\s*|\n+")
_SOFT_BREAK = re.compile(r"(?<![\n|:])\n(?![\n|\-*•]|\s*\d+[.)]\s|\s*[A-Z][A-Za-z ]{0,40}:)")
SOURCE_RANK_PENALTY = 0.3
# A troubleshooting question's words match the symptom sentence best; what the asker needs is
# the sentence after it that names a cause or a fix.
CAUSE_FIX_BONUS = 1.0
_CAUSE_OR_FIX = re.compile(
    r"\b(?:caus\w*|because|due to|reason|workaround|solution|solve|fix\w*|correct\w*|remed\w*|"
    r"make sure|ensure|check|avoid|try|replace|upgrade|must|should)\b|原因|排除|处理|更换|检查",
    re.IGNORECASE,
)
_CAUSE_LEAD = re.compile(
    r"\b(?:caus\w*|reasons?|sources? of (?:the|this) (?:problem|error)|check the following|try the following)"
    r"\b[^.]*:\s*$|(?:原因|排除方法|处理方法)[^。]*[:：]\s*$",
    re.IGNORECASE,
)
NEXT_BEST_SHARE = 0.6
# Words alone miss a sentence that answers in other words ("out of the box" / "Default value is");
# the embedder's question-to-sentence similarity is added with this weight, where one is given.
# Chosen on the dev answers' saved sources (card key-fact recall .487 -> .532 with TOP_SOURCES 5;
# flat from 3 to 8); MiniLM reads English only, so other questions are scored on words alone.
SIMILARITY_WEIGHT = 5.0
SYMBOL_ROW_HITS = 5
TOP_SOURCES = 5
_MIN_WORDS, _MAX_CHARS = 4, 400
_LIST_MARKER = re.compile(r"\s*(?:[-*•]|\d{1,2}[.)])\s")


# (question, sentences) -> one similarity per sentence, higher is closer.
Similarity = Callable[[str, list[str]], list[float]]


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


def build(
    question: str,
    intent: str,
    sources: Sequence[Source],
    chains: Sequence[Chain],
    similarity: Similarity | None = None,
) -> EvidenceAnswer:
    """The evidence answer for a question, from its numbered sources and graph chains.

    Args:
        question: the user's question.
        intent: the router's intent.
        sources: the numbered sources the model will see.
        chains: troubleshooting chains linked to the question (may be empty).
        similarity: scores sentences against an English question by meaning (see
            :func:`embedder_similarity`); None scores on words alone.

    Returns:
        A cause card, the best cited sentences, or kind "none" when nothing fits.
    """
    if intent == "troubleshooting" and chains:
        card = cause_card(chains, sources)
        if card.items:
            return card
    if detect_language(question) != "en":
        similarity = None
    return best_sentences(question, sources, intent=intent, similarity=similarity)


def embedder_similarity(embedder: Embedder) -> Similarity:
    """Cosine of each sentence to the question under ``embedder`` (its vectors are unit length)."""

    def similarity(question: str, sentences: list[str]) -> list[float]:
        if not sentences:
            return []
        return (embedder.embed_documents(sentences) @ embedder.embed_query(question)).tolist()

    return similarity


def cause_card(chains: Sequence[Chain], sources: Sequence[Source]) -> EvidenceAnswer:
    items: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for chain in chains:
        key = (chain.cause.lower(), chain.action.lower())
        cites = _citing(chain.chunk_ids, sources)
        # Whole sentences stored as actions are extraction noise, not a fix to show on a card.
        if key in seen or not cites or len(chain.action.split()) > MAX_FIX_WORDS:
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
    return f"- {_capital(item['cause'])}: {item['fix']}{parts} {cites}."


def _citing(chunk_ids: Sequence[str], sources: Sequence[Source]) -> list[int]:
    wanted = set(chunk_ids)
    passages = [s.number for s in sources if s.kind == "passage" and wanted & set(s.chunk_ids)]
    if passages:
        return passages[:2]
    return [s.number for s in sources if wanted & set(s.chunk_ids)][:1]


def best_sentences(
    question: str,
    sources: Sequence[Source],
    top_sources: int = TOP_SOURCES,
    *,
    intent: str = "",
    similarity: Similarity | None = None,
) -> EvidenceAnswer:
    """The sentences of the top passages that best answer the question, cited.

    A sentence's score is BM25-like: the question's content words it holds, weighted by how rare
    they are among the candidate sentences, plus a bonus per code of the question it repeats,
    minus a little per source rank, plus the sentence's similarity to the question where
    ``similarity`` is given; for a troubleshooting question, plus a bonus when it states a cause or
    a fix ("caused by", "workaround", "make sure"). The best sentence comes with the one
    after it (manuals state a symptom, then what to do), then the next best sentences while they
    score well; a sentence ending in a colon brings the list after it.
    """
    passages = [s for s in sources if s.kind == "passage"]
    texts = {s.number: s.text for s in passages}
    symbols = symbol_keys(question)
    candidates = [
        c
        for c in _candidate_sentences(passages[:top_sources] if top_sources else passages)
        if not wrong_row(c.text, question, texts[c.number])  # another row than the one asked about
        and not _other_symbols_row(c.text, symbols)
    ]
    if not candidates:
        return EvidenceAnswer("none", "")
    wanted = content_terms(question)
    codes = {i.lower() for i in identifiers(question)}
    document_freq = Counter(t for c in candidates for t in c.terms)
    total = len(candidates)
    similar = similarity(question, [c.text for c in candidates]) if similarity else [0.0] * total

    def score(c: _Sentence, sim: float) -> float:
        idf = sum(math.log(1 + total / document_freq[t]) for t in wanted & c.terms)
        code_hits = sum(1 for code in codes if code in c.text.lower())
        # the row keyed by the lone symbol asked about is the answer, however few words it shares
        # with the question (asked about "?", the card quoted the table's lead-in sentence instead)
        code_hits += SYMBOL_ROW_HITS * (_first_cell(c.text) in symbols)
        cue = CAUSE_FIX_BONUS if intent == "troubleshooting" and _CAUSE_OR_FIX.search(c.text) else 0.0
        return idf + 2.0 * code_hits + cue + SIMILARITY_WEIGHT * sim - SOURCE_RANK_PENALTY * c.rank

    scores = [score(c, sim) for c, sim in zip(candidates, similar, strict=True)]
    order = sorted(range(len(candidates)), key=lambda i: (-scores[i], i))
    best = scores[order[0]]
    if best <= 0:
        return EvidenceAnswer("none", "")
    chosen = [order[0]]
    following = order[0] + 1
    if following < len(candidates) and candidates[following].number == candidates[order[0]].number:
        chosen.append(following)
    chosen += [i for i in order[1:] if scores[i] >= NEXT_BEST_SHARE * best and i not in chosen]
    chosen = chosen[:MAX_SENTENCES]
    if intent == "troubleshooting":
        chosen += _cause_list_lead(order[0], candidates)
    chosen = sorted(set(_with_lists(_with_answers(chosen, candidates), candidates)))  # reading order
    items = [{"text": candidates[i].text, "cites": [candidates[i].number]} for i in chosen]
    body = " ".join(f"{_no_end(i['text'])} [{i['cites'][0]}]{_full_stop(i['text'])}" for i in items)
    return EvidenceAnswer("extract", body, items)


def _other_symbols_row(unit: str, symbols: frozenset[str]) -> bool:
    # Asked what "?" means, the row of "*" is no answer, even when the "?" row is not among the
    # sources (tried in the portal: the card quoted "*: About to turn off").
    key = _first_cell(unit)
    return bool(symbols) and key not in symbols and re.fullmatch(r"[^\w\s]{1,3}", key) is not None


def _with_answers(chosen: list[int], candidates: list[_Sentence]) -> list[int]:
    # A FAQ row "Question: …" chosen for its words brings the "Answer: …" row after it.
    out = list(chosen)
    for i in chosen:
        j = i + 1
        if (
            candidates[i].text.startswith("Question:")
            and j < len(candidates)
            and candidates[j].number == candidates[i].number
            and candidates[j].text.startswith("Answer:")
        ):
            out.append(j)
    return out


def _cause_list_lead(best: int, candidates: list[_Sentence]) -> list[int]:
    # Manuals describe a symptom, then list its causes ("Some of the possible sources of the
    # problem are:"); the asker's words match the symptom, so the list's lead-in after the best
    # sentence, in the same source, comes along (and with it the list).
    for i in range(best + 1, len(candidates)):
        if candidates[i].number != candidates[best].number:
            break
        if _CAUSE_LEAD.search(candidates[i].text):
            return [i]
    return []


def _with_lists(chosen: list[int], candidates: list[_Sentence]) -> list[int]:
    # "The most likely causes are:" is no answer without the list after it: a sentence ending in a
    # colon brings the units that follow it in its source (the causes, the steps, the rules).
    # A marked list ("- ", "2. ") ends where the markers do; an unmarked one (HTML lists come
    # without them) after MAX_LIST_ITEMS units or at the next lead-in.
    out = list(chosen)
    for i in chosen:
        if not candidates[i].text.rstrip().endswith(":"):
            continue
        after = range(i + 1, min(i + 1 + MAX_LIST_ITEMS, len(candidates)))
        marked = i + 1 < len(candidates) and candidates[i + 1].item
        for j in after:
            if candidates[j].number != candidates[i].number or (marked and not candidates[j].item):
                break
            out.append(j)
            if candidates[j].text.rstrip().endswith(":"):  # the next list's lead-in
                break
    return out


@dataclass(frozen=True)
class _Sentence:
    number: int  # the source it is from
    rank: int  # that source's rank among the passages
    text: str
    terms: set[str]
    item: bool = False  # a marked list item in its source


def _candidate_sentences(sources: Sequence[Source]) -> list[_Sentence]:
    out, seen = [], set()
    passages = [s for s in sources if s.kind == "passage"]
    for rank, source in enumerate(passages):
        for raw in _units(source.text):
            text = " ".join(raw.split()).strip(" -*#|")
            if len(text.split()) < _MIN_WORDS and not re.search(r"[\u3400-\u9fff]{6,}", text):
                continue
            if text.lower() in seen:  # manuals repeat warnings; a card says a thing once
                continue
            seen.add(text.lower())
            item = bool(_LIST_MARKER.match(raw))
            out.append(_Sentence(source.number, rank, _shorten(text), content_terms(text), item))
    return out


def _units(text: str) -> list[str]:
    """Sentences of prose; in a table, each row labelled with its header ("Cause: worn seal; …").

    A passage may hold prose and tables in turn (a caption, then the table): each run of two or
    more table lines is a table whose first line is its header.
    """
    units: list[str] = []
    for is_table, run in groupby(text.splitlines(), key=lambda line: " | " in line):
        lines = [line for line in run if line.strip()]
        if is_table and len(lines) >= 2:
            rows = [tuple(c.strip() for c in line.split("|")) for line in lines]
            if all(r[0].endswith(":") for r in rows) and not has_header_row(tuple(rows)):
                # Label rows ("Question: | I get …", "Answer: | The two most likely causes …")
                # read as written, not as values under the first row's cells.
                units += [" ".join(c for c in r if c) for r in rows]
                continue
            header, body = rows[0], rows[1:]
            units += [
                "; ".join(f"{h}: {c}" if h else c for h, c in zip(header, r, strict=False) if c) for r in body
            ]
        elif lines:
            units += _SENTENCE_SPLIT.split(_unwrap("\n".join(lines)))
    return units


def _first_cell(unit: str) -> str:
    # A table row unit reads "Header: cell; Header: cell"; its first cell is what the row is about.
    return unit.split("; ", 1)[0].split(": ", 1)[-1].strip()


def _shorten(text: str) -> str:
    if len(text) <= _MAX_CHARS:
        return text
    return text[:_MAX_CHARS].rsplit(" ", 1)[0] + " …"  # never cut a code or number in half


def _unwrap(text: str) -> str:
    # Hard-wrapped lines (HTML and text manuals) belong to one sentence; list items, table rows
    # and blank-line paragraphs stay apart.
    return _SOFT_BREAK.sub(" ", text)


def _no_end(text: str) -> str:
    # The citation goes before the sentence's full stop, as in the model's answers.
    return text.rstrip().rstrip(".。").replace("[", "(").replace("]", ")")


def _full_stop(text: str) -> str:
    # A Chinese sentence keeps its own full stop after the citation, as the source writes it.
    end = text.rstrip()
    return "。" if end.endswith(("。", "！", "？", "；")) or re.search(r"[\u3400-\u9fff]$", end) else "."


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
