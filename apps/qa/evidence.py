"""Retrieval for one question: passages (dense + sparse) and graph facts, all access-filtered.

The collections a user may read go into the Qdrant filter and the Cypher WHERE clauses; nothing
is filtered after the fact. Graph facts are fused with passages through the chunks that support
them, so a fact and the passage it came from cite the same page.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings

from apps.documents.models import Document, DocumentVersion
from config import wiring
from graph import (
    count_work_orders,
    link_entities,
    neighbourhood,
    top_values,
)
from graph.diagnose import Diagnosis, diagnose
from graph.errors import GraphError
from graph.facts import is_noise_fact
from graph.queries import WORK_ORDER_FILTER_BY_LABEL, specific_entities
from retrieval.cjk import estimate_prompt_tokens
from retrieval.continuation import with_continuations
from retrieval.evidence_answer import Chain
from retrieval.prompt import Candidate
from retrieval.question import QuestionRoute, search_query
from retrieval.translate import TRANSLATED, search_with_translation

logger = logging.getLogger(__name__)

FACT_LINES = 10  # graph facts in the prompt's fact block (~15 tokens each)
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_GROUP_WORDS = {
    "part": "Part",
    "component": "Component",
    "action": "Action",
    "symptom": "Symptom",
    "failure": "FailureMode",
    "problem": "FailureMode",
}


@dataclass
class Evidence:
    candidates: list[Candidate] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)
    chains: list[Chain] = field(default_factory=list)
    closest: list[dict[str, Any]] = field(default_factory=list)
    retrieval_ms: float = 0.0
    graph_error: str = ""  # why the graph's part was left out (logged; the user gets graph_notice)
    query: str = ""  # what was searched: the question, with the turn it points back to


# Said beside an answer whose graph part was left out because Neo4j could not be read.
GRAPH_LEFT_OUT = "The knowledge graph could not be reached, so this answer uses the document passages only."
GRAPH_LEFT_OUT_IN = {"zh": "知识图谱暂时无法访问，本回答仅依据文档段落。"}


def graph_notice(question: str) -> str:
    """The "graph left out" sentence in the question's language, else the portal's."""
    from django.utils.translation import gettext

    from retrieval.language import detect_language

    return GRAPH_LEFT_OUT_IN.get(detect_language(question)) or gettext(GRAPH_LEFT_OUT)


def estimate_tokens(text: str) -> int:
    # Words for English, characters for Chinese; exact counts would need the model's tokenizer.
    return estimate_prompt_tokens(text)


def gather(
    question: str, route: QuestionRoute, collections: list[int], history: list[tuple[str, str]]
) -> Evidence:
    started = time.perf_counter()
    query = search_query(question, [asked for asked, _ in history])
    evidence = Evidence(query=query)
    if route.intent == "chitchat" or not collections:
        return evidence
    allowed = [str(c) for c in collections]
    graph_hits: list[Any] = []
    if route.use_graph and settings.QA_GRAPH_ENABLED:
        graph_hits = _graph(query, route, allowed, evidence)
    graph_done = time.perf_counter()
    mode = "hybrid" if route.use_dense and route.use_sparse else ("sparse" if route.use_sparse else "dense")
    live_versions = DocumentVersion.objects.live_ids(collections)
    # A question not in English is also searched as its English translation when
    # QA_TRANSLATE_QUESTIONS is on (retrieval/translate.py; untranslated if the model is down).
    result = search_with_translation(
        wiring.searcher(),
        wiring.question_translator(),
        query,
        allowed,
        settings.QA_TOP_K,
        mode,
        version_ids=live_versions,
        extra={"graph": graph_hits} if graph_hits else None,
    )
    # A passage cut after its lead-in ("…the possible sources are:") brings its list along.
    passages = with_continuations(list(result), wiring.searcher().index, allowed, estimate_tokens)
    titles = _titles({p.document_id for p in passages})
    if _is_relevant(passages, evidence):
        aggregates = [
            _fact_candidate(f) for f in evidence.facts if f["kind"] == "aggregate" and f["chunk_ids"]
        ]
        relations = [f for f in evidence.facts if f["kind"] == "relation" and f["chunk_ids"]]
        evidence.candidates = [*aggregates, *(_candidate(p, titles) for p in passages)]
        if relations:
            # Second place, not last: after eight passages the source budget used to cut the
            # facts off, though they alone held most causes and remedies.
            evidence.candidates.insert(1, _relations_candidate(relations))
    else:
        evidence.candidates = []
        evidence.closest = [{"chunk_id": p.chunk_id, "label": _label(p, titles)} for p in passages[:3]]
    evidence.retrieval_ms = (time.perf_counter() - started) * 1000
    # Where a slow question's time went (a cold graph plan, the index, the translation).
    logger.info(
        "retrieval %.0f ms (graph %.0f ms, search %.0f ms)",
        evidence.retrieval_ms,
        (graph_done - started) * 1000,
        (time.perf_counter() - graph_done) * 1000,
    )
    return evidence


def _is_relevant(passages: list[Any], evidence: Evidence) -> bool:
    if evidence.facts:
        return True
    best_dense = _best_dense(passages)
    has_keyword_match = any("sparse" in p.scores for p in passages)
    return bool(passages) and (
        best_dense >= settings.QA_MIN_DENSE_SCORE
        or (has_keyword_match and best_dense >= settings.QA_MIN_DENSE_SCORE / 2)
    )


def _best_dense(passages: list[Any]) -> float:
    """MiniLM's best cosine; for a question not in English (MiniLM left out) the multilingual
    vector's, and the translation's MiniLM cosine: without them a Chinese question never counted
    as found. The multilingual vector's scores on an English question (weight 0 beside MiniLM)
    are not read: a second scale would loosen "not in the documents"."""
    primary = "dense" if any("dense" in p.scores for p in passages) else "dense_ml"
    return max((p.scores.get(s, 0.0) for p in passages for s in (primary, TRANSLATED)), default=0.0)


def _graph(query: str, route: QuestionRoute, allowed: list[str], evidence: Evidence) -> list[Any]:
    """Graph facts for the question; a graph outage degrades to passages only, and says so.

    The graph only adds: its passages and facts come from specific entities alone (a code, a
    part or model number, a name rare in the readable collections; never an action such as
    "replace" that "change" links to), and a fact is shown only when a passage it cites uses
    its terms, so a lexicon synonym never renames what the document says.
    """
    # The answer path's own driver fails fast: an unreachable Neo4j must not hold the answer for the
    # ingest driver's 10 s retry (issue 16).
    driver = wiring.neo4j_answer_driver()
    try:
        linked = link_entities(driver, query, allowed, wiring.graph_extractor())
        if not linked:
            return []
        if route.intent == "aggregate":
            # Counting work orders filters on actions too ("how often was X replaced").
            _aggregate(driver, query, linked, allowed, evidence)
            chunk_ids = list(dict.fromkeys(c for f in evidence.facts for c in f["chunk_ids"]))[:20]
            return wiring.vector_index().retrieve(chunk_ids) if chunk_ids else []
        specific = [le.entity.key for le in specific_entities(driver, linked, allowed)]
        facts = []
        if route.intent == "troubleshooting":
            # The cause card shows the diagnosis engine's ranking (manual chains + work-order history).
            diagnosis = diagnose(driver, query, allowed, wiring.graph_extractor(), asset=_asset_of(linked))
            paths = diagnosis.paths
            evidence.chains = _chains(diagnosis)
            facts = [
                f for path in paths if path.steps[0].head.key in specific for f in (*path.steps, *path.extras)
            ]
        if not facts and specific:
            facts = neighbourhood(driver, specific, allowed, hops=1)
    except GraphError as e:
        logger.warning("graph retrieval failed, answering from passages only: %s", e)
        evidence.graph_error = str(e)
        return []
    facts = _dedupe(facts)[:12]
    cited = list(dict.fromkeys(c.chunk_id for f in facts for c in f.citations))
    passages = {h.chunk_id: h for h in wiring.vector_index().retrieve(cited)} if cited else {}
    for fact in facts:
        texts = [passages[c.chunk_id].text for c in fact.citations if c.chunk_id in passages]
        if _uses_terms_of(fact, texts) and not _is_noise(fact):
            evidence.facts.append(_fact_dict(fact))
    chunk_ids = list(dict.fromkeys(c for f in evidence.facts for c in f["chunk_ids"]))[:20]
    return [passages[c] for c in chunk_ids if c in passages]


def _uses_terms_of(fact: Any, texts: list[str]) -> bool:
    """True when one cited passage contains every keyword term of both entity names."""
    from retrieval.sparse import tokenize

    wanted = set(tokenize(fact.head.name)) | set(tokenize(fact.tail.name))
    return any(wanted <= set(tokenize(text)) for text in texts)


def _aggregate(driver: Any, query: str, linked: list[Any], allowed: list[str], evidence: Evidence) -> None:
    filters: dict[str, list[str]] = {}
    for le in linked:
        name = WORK_ORDER_FILTER_BY_LABEL.get(le.entity.label)
        if name:
            filters.setdefault(name, []).append(le.entity.key)
    year_match = _YEAR.search(query)
    year = int(year_match.group(1)) if year_match else None
    lowered = query.lower()
    if re.search(r"\b(most|top|common|frequent)\b", lowered):
        group = next((label for word, label in _GROUP_WORDS.items() if word in lowered), "FailureMode")
        ranked = top_values(
            driver,
            allowed,
            group_label=group,
            equipment=filters.get("equipment", ()),
            component=filters.get("component", ()),
            action=filters.get("action", ()),
            year=year,
        )
        for r in ranked:
            chunk_ids = [c.chunk_id for w in r.work_orders for c in w.citations]
            text = f"{r.entity.name} ({r.entity.label}): {r.count} work orders" + (
                f" in {year}" if year else ""
            )
            evidence.facts.append(
                {"text": text, "kind": "aggregate", "count": r.count, "chunk_ids": chunk_ids}
            )
        return
    counted = count_work_orders(driver, allowed, year=year, **{k: v for k, v in filters.items()})
    names = ", ".join(le.entity.name for le in linked)
    chunk_ids = [c.chunk_id for w in counted.work_orders for c in w.citations]
    evidence.facts.append(
        {
            "text": f"Work orders matching {names}{' in ' + str(year) if year else ''}: {counted.count}",
            "kind": "aggregate",
            "count": counted.count,
            "chunk_ids": chunk_ids,
            "work_orders": [w.key for w in counted.work_orders],
        }
    )


def _is_noise(fact: Any) -> bool:
    return is_noise_fact(fact.rel, fact.head.name, fact.tail.name, fact.properties.get("sources") or ())


def _asset_of(linked: list[Any]) -> str | None:
    return next((le.entity.key for le in linked if le.entity.label in ("Equipment", "Model")), None)


def _chains(diagnosis: Diagnosis) -> list[Chain]:
    """The ranked causes that a manual chain backs, best first, one chain per fix.

    A fix known only from the work orders has no passage among the prompt's sources; the
    Diagnose page shows it with its records.
    """
    chains = []
    for cause in diagnosis.causes:
        if not cause.chains:
            continue
        for fix in cause.fixes:
            chunk_ids = tuple(dict.fromkeys(c.chunk_id for c in fix.cites))
            chains.append(Chain(cause.chains[0].symptom, cause.name, fix.name, fix.parts, chunk_ids))
    return chains


def _dedupe(facts: list[Any]) -> list[Any]:
    seen, unique = set(), []
    for f in facts:
        key = (f.head.key, f.rel, f.tail.key)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


# How a relation reads in the prompt: small models copied "—ACTS_ON→" notation into answers.
_REL_PHRASES = {
    "CAUSED_BY": "is caused by",
    "REMEDIED_BY": "is fixed by",
    "INDICATES": "indicates",
    "SHOWS": "shows",
    "USES_PART": "needs part",
    "ACTS_ON": "is done on",
}


def _fact_dict(fact: Any) -> dict[str, Any]:
    phrase = _REL_PHRASES.get(fact.rel, fact.rel.lower().replace("_", " "))
    return {
        "text": f"{fact.head.name} ({fact.head.label}) —{fact.rel}→ {fact.tail.name} ({fact.tail.label})",
        "prompt": f"{fact.head.name} {phrase} {fact.tail.name}.",
        "kind": "relation",
        "head": fact.head.key,
        "rel": fact.rel,
        "tail": fact.tail.key,
        "chunk_ids": [c.chunk_id for c in fact.citations],
    }


def _fact_candidate(fact: dict[str, Any]) -> Candidate:
    ids = tuple(fact["chunk_ids"])
    return Candidate("fact", fact["text"], ids[0], "Knowledge graph (records)", chunk_ids=ids, score=1.0)


def _relations_candidate(relations: list[dict[str, Any]]) -> Candidate:
    kept = relations[:FACT_LINES]
    ids = tuple(dict.fromkeys(c for f in kept for c in f["chunk_ids"]))
    text = "\n".join(f.get("prompt", f["text"]) for f in kept)
    return Candidate("fact", text, ids[0], "Knowledge graph", chunk_ids=ids, score=0.5)


def _titles(document_ids: set[str]) -> dict[str, str]:
    ids = [int(d) for d in document_ids if str(d).isdigit()]
    return {str(pk): title for pk, title in Document.objects.filter(pk__in=ids).values_list("pk", "title")}


def _label(p: Any, titles: dict[str, str]) -> str:
    page = f", p. {p.page}" if p.page else ""
    return f"{titles.get(p.document_id, 'document')}{page}"


def _candidate(p: Any, titles: dict[str, str]) -> Candidate:
    extra = {"scores": {k: round(v, 4) for k, v in p.scores.items()}}
    if p.payload.get("row_number") is not None:
        extra["row_number"] = p.payload["row_number"]
    candidate = Candidate.of_passage(p, titles.get(p.document_id, ""), extra)
    if p.payload.get("continued_from"):  # graph facts from the appended chunk cite this source too
        candidate = replace(candidate, chunk_ids=(p.chunk_id, p.payload["continued_from"]))
    return candidate
