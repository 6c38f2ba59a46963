"""Graph reads for answering questions; every query is restricted to allowed collections.

A fact is visible only through chunks of the allowed collections: an entity through its
MENTIONED_IN chunks, a relation through its ``chunk_refs``. Citations returned with each fact list
only those allowed chunks, so answers can cite them and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph import cypher
from graph._neo4j_errors import run_read
from graph.config import QueryConfig
from graph.errors import GraphQueryError
from graph.extract import Extractor
from graph.facts import Citation
from graph.normalize import normalize_identifier, normalize_text
from graph.records import WORK_ORDER_RELATIONS
from graph.schema import RELATION_TYPES

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9/.\-]*")
_STOPWORDS = frozenset(
    "how often was were is are the a an of on in at for to and or what which when why who "
    "did does do most frequent frequently many much times replaced with after before by "
    "check i my our we it this that there their from".split()
)


@dataclass(frozen=True)
class EntityRef:
    """An entity as shown to the answering layer."""

    key: str
    label: str
    name: str


@dataclass(frozen=True)
class LinkedEntity:
    """An entity the question refers to."""

    entity: EntityRef
    matched: str
    method: str  # "key" (pattern/lexicon key), "surface" (as some visible chunk wrote it), "fulltext"


@dataclass(frozen=True)
class Fact:
    """One relation with the allowed chunks that support it."""

    head: EntityRef
    rel: str
    tail: EntityRef
    properties: dict[str, object]
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class TroubleshootingPath:
    """Symptom/code -> ... -> action, plus what the action acts on or uses."""

    steps: tuple[Fact, ...]
    extras: tuple[Fact, ...]


@dataclass(frozen=True)
class WorkOrderRef:
    key: str
    date: str | None
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class WorkOrderCount:
    count: int
    work_orders: tuple[WorkOrderRef, ...]


@dataclass(frozen=True)
class RankedValue:
    """One group of an aggregate (e.g. a failure mode and how many work orders report it)."""

    entity: EntityRef
    count: int
    work_orders: tuple[WorkOrderRef, ...]


def _run(
    driver: Any, query: str, cfg: QueryConfig, database: str | None, **params: Any
) -> list[dict[str, Any]]:
    return run_read(
        driver,
        query,
        params,
        timeout_s=cfg.timeout_s,
        database=database,
        permanent=GraphQueryError,
        what="graph query",
    )


def _collections(collections: Sequence[str]) -> list[str]:
    return [str(c) for c in collections]


def _ref(data: dict[str, Any]) -> EntityRef:
    return EntityRef(str(data["key"]), str(data["label"]), str(data["name"]))


def _citations(rows: list[dict[str, Any]] | None) -> tuple[Citation, ...]:
    return tuple(
        Citation(
            str(c["chunk_id"]),
            str(c["document_id"]),
            str(c["version_id"]),
            str(c["collection_id"]),
            c.get("page"),
        )
        for c in rows or []
    )


def _fact(data: dict[str, Any]) -> Fact:
    props = {
        k: v
        for k, v in (data.get("props") or {}).items()
        if k not in ("chunk_refs", "created_at", "qualifier")
    }
    return Fact(
        _ref(data["head"]), str(data["rel"]), _ref(data["tail"]), props, _citations(data.get("citations"))
    )


def question_norms(question: str, max_ngram: int = 10) -> list[str]:
    """Normalized n-grams of a question, as free text and as identifiers.

    Identifier forms are kept only for n-grams that contain a digit or an upper-case token, so
    "a" never links to equipment "A" while "excavator A" can.

    Args:
        question: the user's question.
        max_ngram: longest n-gram in tokens.

    Returns:
        Distinct norms.
    """
    tokens = _TOKEN.findall(question[:2000])[:60]  # bounded: at most 600 n-grams
    norms: dict[str, None] = {}
    for size in range(1, max_ngram + 1):
        for start in range(len(tokens) - size + 1):
            gram = tokens[start : start + size]
            if size == 1 and gram[0].lower() in _STOPWORDS:
                if gram[0].isupper() and len(gram[0]) <= 3:
                    norms[normalize_identifier(gram[0])] = None
                continue
            text = normalize_text(" ".join(gram))
            if len(text) >= 3:
                norms[text] = None
            if any(ch.isdigit() for ch in "".join(gram)) or any(t.isupper() for t in gram):
                norms[normalize_identifier("".join(gram))] = None
    return list(norms)


# Labels whose entities name one thing: a code, a part or model number, a serial, a work order,
# a standard, a named asset. Still generic when many passages of the collection mention it.
SPECIFIC_LABELS = frozenset(
    {"ErrorCode", "Part", "Model", "SerialNumber", "FirmwareVersion", "WorkOrder", "Standard", "Equipment"}
)
# Curated domain terms (lexicon): specific only when rare in the collection.
NAME_LABELS = frozenset({"Component", "Symptom", "FailureMode", "Cause", "Procedure"})
# Everything else never seeds graph passages: actions are generic verbs ("change" links to the
# action "replace", whose passages took rank 1 for the wrong reason, issue 12), and person,
# organisation and site names come from statistical NER, which tags words such as "slave",
# "run" or "raid5" in manuals.
MAX_SPECIFIC_SHARE = 0.02
MAX_CODE_SHARE = 0.05
MIN_SPECIFIC_CHUNKS = 3


def is_specific(
    label: str,
    chunk_count: int,
    total_chunks: int,
    *,
    max_share: float = MAX_SPECIFIC_SHARE,
    min_chunks: int = MIN_SPECIFIC_CHUNKS,
) -> bool:
    """Whether a linked entity may seed graph-boosted passages.

    Args:
        label: the entity's type label.
        chunk_count: passages of the readable collections that mention it.
        total_chunks: passages of the readable collections.
        max_share: a name mentioned by more than this share of the passages is generic.
        min_chunks: ... unless it is mentioned by at most this many (small collections).

    Returns:
        True for codes, part numbers, models and the like unless more than 5% of the passages
        mention them, and for lexicon names (components, symptoms...) rare in the collection;
        False for actions, NER names (person, organisation, site) and common names.
    """
    if chunk_count <= 0:
        return False
    if label in SPECIFIC_LABELS:
        return chunk_count <= max(min_chunks, MAX_CODE_SHARE * total_chunks)
    if label in NAME_LABELS:
        return chunk_count <= max(min_chunks, max_share * total_chunks)
    return False


def specific_entities(
    driver: Any,
    linked: Sequence[LinkedEntity],
    collections: Sequence[str],
    *,
    config: QueryConfig | None = None,
    database: str | None = None,
) -> list[LinkedEntity]:
    """The linked entities that may seed graph-boosted passages (see :func:`is_specific`).

    Args:
        driver: a ``neo4j.Driver``.
        linked: entities from :func:`link_entities`.
        collections: collection ids the asking user may read (the statistics cover only these).
        config: limits and timeout.
        database: database name.

    Returns:
        The specific ones, in the given order.

    Raises:
        GraphUnavailable / GraphQueryError: Neo4j failed.
    """
    if not linked:
        return []
    cfg = config or QueryConfig()
    rows = _run(
        driver,
        cypher.ENTITY_CHUNK_COUNTS,
        cfg,
        database,
        keys=[le.entity.key for le in linked],
        collections=_collections(collections),
    )
    row = rows[0] if rows else {"total": 0, "counts": []}
    counts = {str(c["key"]): int(c["chunks"]) for c in row["counts"] or []}
    total = int(row["total"] or 0)
    return [le for le in linked if is_specific(le.entity.label, counts.get(le.entity.key, 0), total)]


def link_entities(
    driver: Any,
    question: str,
    collections: Sequence[str],
    extractor: Extractor,
    *,
    use_fulltext: bool = False,
    config: QueryConfig | None = None,
    database: str | None = None,
) -> list[LinkedEntity]:
    """Find the entities a question refers to, among those visible to the collections.

    Uses the extraction patterns and lexicon (keys), then the ways visible chunks wrote entities
    (MENTIONED_IN norms), and optionally the full-text index.

    Args:
        driver: a ``neo4j.Driver``.
        question: the question text.
        collections: collection ids the asking user may read.
        extractor: supplies the same patterns and lexicon as ingestion.
        use_fulltext: also try fuzzy full-text matches (only visible entities are returned).
        config: limits and timeout.
        database: database name.

    Returns:
        Linked entities, at most ``config.limit``.

    Raises:
        GraphUnavailable / GraphQueryError: Neo4j failed.
    """
    cfg = config or QueryConfig()
    keys = list(dict.fromkeys(m.key for m in extractor.scan(question[:2000], "question")))
    rows = _run(
        driver,
        cypher.LINK_ENTITIES,
        cfg,
        database,
        keys=keys,
        norms=question_norms(question),
        collections=_collections(collections),
        limit=cfg.limit,
    )
    linked = {r["key"]: LinkedEntity(_ref(r), str(r["matched"]), str(r["method"])) for r in rows}
    if use_fulltext:
        words = [w for w in _TOKEN.findall(question) if w.lower() not in _STOPWORDS and w.isalnum()][:12]
        if words:
            query = " OR ".join(f"{w}~1" if len(w) <= 5 else f"{w}~" for w in words)
            for r in _run(
                driver,
                cypher.LINK_FULLTEXT,
                cfg,
                database,
                search=query,
                collections=_collections(collections),
                limit=10,
            ):
                linked.setdefault(r["key"], LinkedEntity(_ref(r), query, "fulltext"))
    return list(linked.values())


def neighbourhood(
    driver: Any,
    keys: Sequence[str],
    collections: Sequence[str],
    *,
    hops: int | None = None,
    rel_types: frozenset[str] | None = None,
    config: QueryConfig | None = None,
    database: str | None = None,
) -> list[Fact]:
    """Relations around the given entities, each visible through an allowed chunk.

    Args:
        driver: a ``neo4j.Driver``.
        keys: seed entity keys (from :func:`link_entities`).
        collections: allowed collection ids.
        hops: path length 1-3; default ``config.max_hops``.
        rel_types: relation types to follow; default all.
        config: limits and timeout.
        database: database name.

    Returns:
        Distinct facts with their citations.
    """
    cfg = config or QueryConfig()
    query = cypher.neighbourhood(rel_types or RELATION_TYPES, hops or cfg.max_hops)
    rows = _run(
        driver, query, cfg, database, keys=list(keys), collections=_collections(collections), limit=cfg.limit
    )
    return [_fact(r) for r in rows]


def troubleshooting_paths(
    driver: Any,
    keys: Sequence[str],
    collections: Sequence[str],
    *,
    config: QueryConfig | None = None,
    database: str | None = None,
) -> list[TroubleshootingPath]:
    """Paths from symptoms, error codes, failure modes or equipment to remedial actions.

    Follows SHOWS / INDICATES / CAUSED_BY / REMEDIED_BY (up to 4 hops, ending with REMEDIED_BY),
    then adds what the action ACTS_ON or USES_PART. Every hop must be visible.

    Args:
        driver: a ``neo4j.Driver``.
        keys: seed entity keys.
        collections: allowed collection ids.
        config: limits and timeout.
        database: database name.

    Returns:
        Paths, at most ``config.limit``.
    """
    cfg = config or QueryConfig()
    rows = _run(
        driver,
        cypher.TROUBLESHOOTING_PATHS,
        cfg,
        database,
        keys=list(keys),
        collections=_collections(collections),
        limit=cfg.limit,
    )
    return [
        TroubleshootingPath(tuple(_fact(s) for s in r["steps"]), tuple(_fact(e) for e in r["extras"] or []))
        for r in rows
    ]


def _filters(
    equipment: Sequence[str],
    component: Sequence[str],
    action: Sequence[str],
    failure_mode: Sequence[str],
    part: Sequence[str],
) -> tuple[list[str], dict[str, list[str]]]:
    rels, params = [], {}
    for rel, keys in (
        ("PERFORMED_ON", equipment),
        ("ADDRESSES", component),
        ("HAS_ACTION", action),
        ("REPORTS", failure_mode),
        ("USES_PART", part),
    ):
        if keys:
            params[f"f{len(rels)}"] = list(keys)
            rels.append(rel)
    return rels, params


def _work_orders(rows: list[dict[str, Any]] | None) -> tuple[WorkOrderRef, ...]:
    return tuple(
        WorkOrderRef(str(w["key"]), w.get("date"), _citations(w.get("citations"))) for w in rows or []
    )


#: The count_work_orders filter an entity of each label fills (labels not listed filter nothing).
WORK_ORDER_FILTER_BY_LABEL = {
    "Equipment": "equipment",
    "Model": "equipment",
    "Component": "component",
    "Action": "action",
    "FailureMode": "failure_mode",
    "Part": "part",
}


def count_work_orders(
    driver: Any,
    collections: Sequence[str],
    *,
    equipment: Sequence[str] = (),
    component: Sequence[str] = (),
    action: Sequence[str] = (),
    failure_mode: Sequence[str] = (),
    part: Sequence[str] = (),
    year: int | None = None,
    config: QueryConfig | None = None,
    database: str | None = None,
) -> WorkOrderCount:
    """Count visible work orders matching all given entity filters ("how often was X replaced on A").

    Args:
        driver: a ``neo4j.Driver``.
        collections: allowed collection ids.
        equipment, component, action, failure_mode, part: entity keys; each non-empty filter must match.
        year: restrict to work orders dated in this year.
        config: limits and timeout (``limit`` caps the work orders listed, not the count).
        database: database name.

    Returns:
        The count and the first work orders (by date) with citations.
    """
    cfg = config or QueryConfig()
    rels, params = _filters(equipment, component, action, failure_mode, part)
    rows = _run(
        driver,
        cypher.count_work_orders(rels),
        cfg,
        database,
        collections=_collections(collections),
        year=year,
        limit=cfg.limit,
        **params,
    )
    row = rows[0] if rows else {"count": 0, "work_orders": []}
    return WorkOrderCount(int(row["count"]), _work_orders(row["work_orders"]))


def top_values(
    driver: Any,
    collections: Sequence[str],
    *,
    group_label: str = "FailureMode",
    equipment: Sequence[str] = (),
    component: Sequence[str] = (),
    action: Sequence[str] = (),
    year: int | None = None,
    top: int = 10,
    examples: int = 5,
    config: QueryConfig | None = None,
    database: str | None = None,
) -> list[RankedValue]:
    """Most frequent entities of ``group_label`` across matching work orders.

    For example "most frequent failure modes of asset B in 2005".

    Args:
        driver: a ``neo4j.Driver``.
        collections: allowed collection ids.
        group_label: FailureMode, Component, Action, Part, Symptom...
        equipment, component, action: entity-key filters.
        year: restrict to this year.
        top: number of groups returned.
        examples: work orders listed per group (with citations).
        config: timeout.
        database: database name.

    Returns:
        Groups ordered by descending count.
    """
    cfg = config or QueryConfig()
    rels, params = _filters(equipment, component, action, (), ())
    query = cypher.top_linked(rels, WORK_ORDER_RELATIONS[group_label], group_label)
    rows = _run(
        driver,
        query,
        cfg,
        database,
        collections=_collections(collections),
        year=year,
        limit=top,
        examples=examples,
        **params,
    )
    return [
        RankedValue(
            EntityRef(str(r["key"]), group_label, str(r["name"])),
            int(r["count"]),
            _work_orders(r["work_orders"]),
        )
        for r in rows
    ]
