"""Runs a diagnosis for a user (only the collections they may read) and makes it JSON-ready.

Every cited chunk gets a label (document title and page) and the passage viewer's URL, so the page,
the API and the portal show the same citations.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.urls import reverse

from apps.accounts.access import readable_collection_ids
from apps.diagnose.passages import PASSAGES, search_passages
from apps.documents.models import Document, DocumentVersion
from config import wiring
from graph.diagnose import Diagnosis, diagnose, suggest
from graph.diagnose_rank import Cite, PassageHit, RankedCause
from retrieval.errors import RetrievalError

logger = logging.getLogger(__name__)

MAX_SYMPTOM_CHARS = 500
#: Longest cause or fix name shown whole; longer ones (table cells and clauses kept whole as
#: entities) show their first clause, the stored name staying the full text.
SHORT_LABEL_WORDS = 12
_CLAUSE_END = re.compile(r"[;:.,]\s|\s\(|\s[-–—]\s")
MAX_ASSET_CHARS = 200
_RECORD_FIELD = re.compile(r"^\s*([A-Za-z][\w ./-]{0,40}):\s*(.*?)\s*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def run(user, symptom: str, asset: str = "") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    collections = [str(c) for c in readable_collection_ids(user)]
    if not collections:
        return {"symptom": symptom, "asset": None, "asset_asked": asset, "seeds": [], "causes": []}
    # A complaint not in English is also read in its English translation (QA_TRANSLATE_QUESTIONS;
    # DIAGNOSE_TRANSLATE_MODEL, the large model: the small one read "泵 过热 报警" as "What is the
    # warning message for the pump?"): "泵 过热" then meets English manuals' chains and passages as
    # well as Chinese ones. None when it is English already or the model server is down or slow.
    translator = wiring.diagnose_translator()
    english = translator.translate(symptom) if translator else None
    result = diagnose(
        wiring.neo4j_driver(),
        f"{symptom}\n{english}" if english else symptom,
        collections,
        wiring.graph_extractor(),
        asset=asset or None,
        passages=passages_for(symptom, collections, translator),
    )
    return {**as_dict(result, asset), "symptom": symptom, "translation": english or ""}


def passages_for(symptom: str, collections: list[str], translator=None) -> list[PassageHit]:  # type: ignore[no-untyped-def]
    """The live passages hybrid search finds for the symptom (and its translation, when a
    translator is given); none when the index is down (the graph's causes still come)."""
    try:
        live = DocumentVersion.objects.live_ids([int(c) for c in collections])
        return search_passages(
            wiring.searcher(), translator, symptom, collections, PASSAGES, version_ids=live
        )
    except RetrievalError as exc:
        logger.warning("diagnosis without passages: %s", exc)
        return []


def suggestions(user, text: str, kind: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    collections = [str(c) for c in readable_collection_ids(user)]
    if not collections or not text.strip():
        return []
    found = suggest(wiring.neo4j_driver(), text[:MAX_ASSET_CHARS], kind, collections)
    return [{"key": e.key, "label": e.label, "name": e.name} for e in found]


def as_dict(result: Diagnosis, asset_asked: str = "") -> dict[str, Any]:
    titles = _titles(result)
    asset = result.asset
    return {
        "symptom": result.complaint,
        "asset_asked": asset_asked,
        "asset": (
            {
                "key": asset.entity.key,
                "label": asset.entity.label,
                "name": asset.entity.name,
                "class_size": len(asset.class_keys),
            }
            if asset
            else None
        ),
        "seeds": [
            {"key": s.entity.key, "label": s.entity.label, "name": s.entity.name, "match": s.match}
            for s in result.seeds
        ],
        "causes": _with_search_places([_cause(c, titles) for c in result.causes]),
        "last_fixes": [
            {
                "action_key": f.action_key,
                "action": f.action,
                "short_action": short_label(f.action),
                "date": f.date,
                "work_order": f.work_order_name,
                "asset": f.asset,
                "problems": list(f.problems),
                "text": f.text,
                "cites": _cites(f.cites, titles),
            }
            for f in result.last_fixes
        ],
        "last_fixes_scope": result.last_fixes_scope,
        "asset_history": [
            {
                "key": h.key,
                "label": h.label,
                "name": h.name,
                "occurrences": h.occurrences,
                "last_date": h.last_date,
                "mean_days_between": h.mean_days_between,
            }
            for h in result.asset_history
        ],
        "orders_read": result.orders_read,
        "passages_set_aside": result.passages_set_aside,
        "elapsed_ms": result.elapsed_ms,
    }


def short_label(name: str, words: int = SHORT_LABEL_WORDS) -> str:
    """A sentence-length name cut for display: its first clause when that has 3 to ``words``
    words, else its first ``words`` words; "…" marks the cut. Shorter names come back as they are.
    """
    split = name.split()
    if len(split) <= words:
        return name
    for found in _CLAUSE_END.finditer(name):
        clause = name[: found.start()].split()
        if len(clause) > words:
            break
        if len(clause) >= 3:
            return " ".join(clause) + " …"
    return " ".join(split[:words]) + " …"


def record_line(text: str) -> str:
    """A work-order row as a line a technician reads: "2004-07-01 · “BUCKET WON'T OPEN” · Asset A ·
    PM Type PM01 · Cost 183.05" for the export's "BscStartDate: 2004-07-01; Asset: A;
    OriginalShorttext: BUCKET WON'T OPEN; PMType: PM01; Cost: 183.05". The date comes first, the
    free text (the longest value of several words) second and quoted; the other fields keep their
    column names, split into words. Text that is not such a row comes back as it is."""
    fields = [_RECORD_FIELD.match(part) for part in text.split(";")]
    if len(fields) < 2 or not all(fields):
        return text
    pairs = [(m.group(1).strip(), m.group(2)) for m in fields if m and m.group(2)]
    dates = [v for _, v in pairs if _ISO_DATE.match(v)]
    free = max((v for _, v in pairs if len(v.split()) > 1 and not _ISO_DATE.match(v)), key=len, default="")
    rest = [
        f"{' '.join(_CAMEL.split(k))} {v}" for k, v in pairs if not _ISO_DATE.match(v) and v != free
    ]
    return " · ".join([*dates[:1], *([f"“{free}”"] if free else []), *rest])


def _with_search_places(causes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Number the passage candidates by their place in the search's order, which the list keeps.

    A passage's score is only that place (0.3 / rank), so the page shows the place instead: beside
    a chain's 0.41 placed after it, a passage's 0.30 read as a ranking the list contradicts.
    """
    place = 0
    for cause in causes:
        if cause["label"] == "Passage":
            place += 1
            cause["search_place"] = place
        else:
            cause["search_place"] = None
    return causes


def _cause(cause: RankedCause, titles: dict[str, str]) -> dict[str, Any]:
    history = cause.history
    return {
        "key": cause.key,
        "name": cause.name,
        "short_name": short_label(cause.name),
        "label": cause.label,
        "score": cause.score,
        "score_parts": cause.score_parts,
        "fixes": [
            {
                "key": f.key,
                "name": f.name,
                "short_name": short_label(f.name),
                "parts": list(f.parts),
                "cites": _cites(f.cites, titles),
            }
            for f in cause.fixes
        ],
        "parts": cause.parts,
        "chains": [
            {
                "symptom": chain.symptom,
                "steps": [
                    {"head": s.head, "rel": s.rel, "tail": s.tail, "cites": _cites(s.cites, titles)}
                    for s in chain.steps
                ],
            }
            for chain in cause.chains
        ],
        "history": {
            "asset": history.asset,
            "class": history.class_,
            "fleet": history.fleet,
            "total": history.total,
            "last_date": history.last_date,
            "mean_days_between": history.mean_days_between,
            "dates_scope": history.dates_scope,
            "orders": list(history.orders[:20]),
        },
        "excerpt": record_line(cause.excerpt) if cause.from_record else cause.excerpt,
        "from_record": cause.from_record,
        # A fix the work orders name by its verb alone ("replace") shows what it was done to.
        "done_as": cause.similar[0].text if cause.label == "Action" and cause.similar else "",
        "cites": _cites(cause.cites, titles),
        "similar": [
            {
                "key": s.key,
                "date": s.date,
                "text": s.text,
                "similarity": s.similarity,
                "bm25": s.bm25,
                "scope": s.scope,
                "resolved_by": list(s.resolved_by),
                "cites": _cites(s.cites, titles),
            }
            for s in cause.similar
        ],
    }


def _cites(cites: tuple[Cite, ...], titles: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "chunk_id": c.chunk_id,
            "document_id": c.document_id,
            "page": c.page,
            "label": titles.get(c.document_id, "document") + (f", p. {c.page}" if c.page else ""),
            "url": reverse("qa:passage", args=[c.chunk_id]),
        }
        for c in dict.fromkeys(cites)
    ]


def _titles(result: Diagnosis) -> dict[str, str]:
    ids = set()
    for cause in result.causes:
        for fix in cause.fixes:
            ids |= {c.document_id for c in fix.cites}
        for chain in cause.chains:
            ids |= {c.document_id for s in chain.steps for c in s.cites}
        for similar in cause.similar:
            ids |= {c.document_id for c in similar.cites}
        ids |= {c.document_id for c in cause.cites}
    for fix in result.last_fixes:
        ids |= {c.document_id for c in fix.cites}
    pks = [int(d) for d in ids if str(d).isdigit()]
    return {str(pk): title for pk, title in Document.objects.filter(pk__in=pks).values_list("pk", "title")}
