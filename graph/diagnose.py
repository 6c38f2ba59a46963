"""Fault localisation: asset + symptom, code or complaint -> ranked causes with fixes and parts.

1. Link the complaint to the symptoms, codes, failure modes, causes and components it names
   (extraction patterns and lexicon, the ways visible chunks wrote entities, the full-text index);
   each link gets a match in 0-1 (:func:`graph.diagnose_rank.similarity`, 1.0 when named exactly).
2. Follow the manuals' chains from those entities (:func:`graph.troubleshooting_paths`).
3. Read the work orders on the asset, its class (same model) and any naming a linked entity.
4. Rank (:func:`graph.diagnose_rank.rank`; the formula is in that module's docstring).

Steps 1-3 take two graph reads (:data:`graph.diagnose_cypher.DIAGNOSIS_LINKS`, then
:data:`graph.diagnose_cypher.DIAGNOSIS_EVIDENCE`) and a third cites the records shown; the single
reads (:func:`link_complaint`, :func:`past_orders`, ...) stay for callers that want one part.
Everything read is restricted to the allowed collections exactly as the other graph queries are,
and every line of the result carries the chunks (passages or records) it rests on.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from graph import diagnose_cypher as q
from graph._neo4j_errors import run_read
from graph.config import QueryConfig
from graph.diagnose_rank import (
    NEAREST_RECORDS,
    STRONG_MATCH,
    ChainStep,
    Cite,
    ManualChain,
    PassageHit,
    PastOrder,
    RankedCause,
    about_complaint,
    merge,
    rank,
    relevant_orders,
    similarity,
    terms,
)
from graph.errors import GraphQueryError
from graph.extract import Extractor
from graph.facts import Citation
from graph.history import HISTORY_LIMIT, LAST_FIXES_LIMIT, LastFix, ProblemHistory, history_of, last_fix_of
from graph.normalize import normalize_name, normalize_text
from graph.queries import EntityRef, Fact, TroubleshootingPath, question_norms
from graph.records import HISTORY_PROBLEM_LABELS

# A Han word may be one character (泵); the index reads Han script a character at a time, so a
# word is a short phrase query there.
_FULLTEXT_WORD = re.compile(r"[A-Za-z0-9]{2,}|[\u3400-\u4dbf\u4e00-\u9fff]+")
#: A component names where to look, not what is wrong: its chains count half.
_COMPONENT_MATCH = 0.5
_MIN_LINK = 0.3
#: Newest record links checked for access per order kept (a record naming two linked entities
#: takes two): the work of a history read is bounded by its limit, not by the asset's history.
_ORDER_SCAN = 3
#: Words of the complaint searched for similar work orders.
_MAX_SEARCH_WORDS = 32
_BOOKKEEPING = ("chunk_refs", "created_at", "qualifier")


@dataclass(frozen=True)
class DiagnosisConfig:
    """Limits of one diagnosis.

    Attributes:
        max_causes: candidates returned.
        max_seeds: linked entities followed.
        max_orders: work orders naming a linked entity read (most recent first).
        max_asset_orders: further work orders of the asset and its class read (most recent first).
        fulltext_limit: full-text hits considered for linking.
        nearest_fetch: full-text hits over work-order texts read before the access filter keeps
            the nearest visible ones (other collections' records can take these places).
        query: timeout and path limit of the underlying graph reads.
    """

    max_causes: int = 10
    max_seeds: int = 12
    max_orders: int = 200
    max_asset_orders: int = 100
    fulltext_limit: int = 30
    nearest_fetch: int = 200
    query: QueryConfig = field(default_factory=QueryConfig)

    def __post_init__(self) -> None:
        for name, value, high in (
            ("max_causes", self.max_causes, 100),
            ("max_seeds", self.max_seeds, 100),
            ("max_orders", self.max_orders, 100_000),
            ("max_asset_orders", self.max_asset_orders, 100_000),
            ("fulltext_limit", self.fulltext_limit, 1000),
            ("nearest_fetch", self.nearest_fetch, 10_000),
        ):
            if not 1 <= value <= high:
                raise ValueError(f"{name} must be within 1..{high}, got {value}")


@dataclass(frozen=True)
class Seed:
    """An entity the complaint was linked to, and how well it matches (0-1)."""

    entity: EntityRef
    match: float
    method: str  # "exact" (code, lexicon term or name as written) or "fulltext"


@dataclass(frozen=True)
class Asset:
    """The asked asset and the equipment counted as its class."""

    entity: EntityRef
    asset_keys: tuple[str, ...]
    class_keys: tuple[str, ...]


@dataclass
class Diagnosis:
    """The ranked causes of one complaint and what they were ranked from."""

    complaint: str
    asset: Asset | None
    seeds: list[Seed]
    causes: list[RankedCause]
    orders_read: int = 0
    elapsed_ms: float = 0.0
    paths: list[TroubleshootingPath] = field(default_factory=list)
    #: What fixed the linked problems last time on the asset ("asset"), else on its model ("class").
    last_fixes: list[LastFix] = field(default_factory=list)
    last_fixes_scope: str = ""
    #: The problems the asset had most often (its records' HAD relations).
    asset_history: list[ProblemHistory] = field(default_factory=list)
    #: Passages retrieval found that name none of the things the complaint names, left out
    #: (:func:`graph.diagnose_rank.about_complaint`).
    passages_set_aside: int = 0


def _run(driver: Any, query: str, cfg: DiagnosisConfig, database: str | None, **params: Any) -> list[dict]:
    return run_read(
        driver,
        query,
        params,
        timeout_s=cfg.query.timeout_s,
        database=database,
        permanent=GraphQueryError,
        what="diagnosis query",
    )


def resolve_asset(
    driver: Any,
    asset: str,
    collections: Sequence[str],
    *,
    config: DiagnosisConfig | None = None,
    database: str | None = None,
) -> Asset | None:
    """Find the asked asset (an entity key such as ``Equipment:A``, or an equipment/model name).

    Args:
        driver: a ``neo4j.Driver``.
        asset: key or name.
        collections: allowed collection ids.
        config: limits.
        database: database name.

    Returns:
        The asset with its class, or None when no visible equipment or model has that name.
    """
    cfg = config or DiagnosisConfig()
    rows = _run(
        driver,
        q.ASSET_CLASS,
        cfg,
        database,
        **_params(_asset_params(asset)),
        collections=[str(c) for c in collections],
    )
    return _asset_of(rows[0]) if rows else None


#: Parameters that vary with the complaint and the asked asset: passed inside one map, ``$q``
#: (a plan is cached per parameter types; see graph.diagnose_cypher).
_VARYING = (
    *("asset_candidates", "scanned", "keys", "norms", "problem_search", "order_search"),
    *("scope_keys", "history_assets", "asset_keys", "class_keys", "fix_problems", "fix_things", "assets"),
)


def _params(*parts: dict[str, Any]) -> dict[str, Any]:
    merged = {k: v for part in parts for k, v in part.items()}
    return {k: v for k, v in merged.items() if k not in _VARYING} | {
        "q": {k: v for k, v in merged.items() if k in _VARYING}
    }


def _asset_params(asset: str | None) -> dict[str, Any]:
    """The keys the asked asset may have (a key as given, else an equipment's, then a model's)."""
    if not asset or not asset.strip():
        candidates: list[str] = []
    elif ":" in asset:
        candidates = [asset]
    else:
        candidates = [f"{label}:{normalize_name(label, asset)}" for label in q.ASSET_LABELS]
    return {"asset_candidates": candidates, "asset_labels": list(q.ASSET_LABELS)}


def _asset_of(row: dict[str, Any]) -> Asset:
    entity = EntityRef(row["key"], row["label"], row["name"])
    if entity.label == "Model":  # a model's work orders are those of its machines
        return Asset(entity, (entity.key, *row["members"]), ())
    return Asset(entity, (entity.key,), tuple(row["siblings"]))


def link_complaint(
    driver: Any,
    complaint: str,
    collections: Sequence[str],
    extractor: Extractor,
    *,
    config: DiagnosisConfig | None = None,
    database: str | None = None,
) -> list[Seed]:
    """Link a complaint to the problem entities it names, each with its match (best first).

    Args:
        driver: a ``neo4j.Driver``.
        complaint: symptom, error code or free text.
        collections: allowed collection ids.
        extractor: the ingestion patterns and lexicon.
        config: limits.
        database: database name.

    Returns:
        Seeds of labels in :data:`graph.diagnose_cypher.PROBLEM_LABELS`.
    """
    cfg = config or DiagnosisConfig()
    row = _run(
        driver,
        q.COMPLAINT_LINKS,
        cfg,
        database,
        **_params(_link_params(complaint, extractor, cfg)),
        collections=[str(c) for c in collections],
    )[0]
    return _seeds(complaint, row, cfg)


def _link_params(complaint: str, extractor: Extractor, cfg: DiagnosisConfig) -> dict[str, Any]:
    """What the complaint names, as the linking reads (:data:`q.COMPLAINT_LINKS`) take it."""
    mentions = extractor.scan(complaint[:2000], "complaint")
    # Stems as prefixes: the index does not stem, and "drifting" should find "ram drifts down".
    words = sorted({w for t in terms(complaint) for w in _FULLTEXT_WORD.findall(t)})[:12]
    words = [f"{w}*" if len(w) >= 4 and w.isascii() else w for w in words]
    return {
        "scanned": [m.key for m in mentions if m.label in q.PROBLEM_LABELS],
        "problem_labels": list(q.PROBLEM_LABELS),
        # link_entities' own reading of the complaint: every key scanned, its n-grams as written.
        "keys": list(dict.fromkeys(m.key for m in mentions)),
        "norms": question_norms(complaint),
        "limit": cfg.query.limit,
        "problem_search": " OR ".join(dict.fromkeys(words)),
        "fulltext_limit": cfg.fulltext_limit,
    }


def _seeds(complaint: str, row: dict[str, Any], cfg: DiagnosisConfig) -> list[Seed]:
    """The linked entities of one linking read, each with its match (best first).

    Each line of a complaint is also a reading of its own (the Diagnose page puts a Chinese
    complaint's English translation on a line after it): a name matches as well as it matches the
    whole or any one line, so "轴承过热" is not diluted by the words of the translation below it.
    """
    lines = [line for line in complaint.splitlines() if line.strip()]
    wanted = [terms(complaint), *(terms(line) for line in lines if len(lines) > 1)]
    seeds: dict[str, Seed] = {}

    def add(ref: EntityRef, match: float, method: str) -> None:
        if ref.label == "Component":
            match *= _COMPONENT_MATCH
        if match >= _MIN_LINK * _COMPONENT_MATCH and match > seeds.get(ref.key, Seed(ref, -1, "")).match:
            seeds[ref.key] = Seed(ref, round(match, 4), method)

    for r in row["by_key"]:
        add(EntityRef(r["key"], r["label"], r["name"]), 1.0, "exact")
    linked = {r["key"]: r for r in row["linked"]}  # one per entity, as link_entities keeps them
    for r in linked.values():
        ref = EntityRef(r["key"], r["label"], r["name"])
        if ref.label in q.PROBLEM_LABELS:
            # Named as a whole in the complaint; a long complaint naming a short symptom still matches fully.
            add(ref, 1.0 if r["method"] == "key" else max(0.8, _name_match(wanted, ref)), "exact")
    for r in row["fulltext"]:
        ref = EntityRef(r["key"], r["label"], r["name"])
        add(ref, _name_match(wanted, ref), "fulltext")
    ordered = sorted(seeds.values(), key=lambda s: (-s.match, s.entity.name))
    return [s for s in ordered if s.match >= _MIN_LINK or s.method == "exact"][: cfg.max_seeds]


def complaint_things(complaint: str, extractor: Extractor) -> list[list[tuple[str, str]]]:
    """The components each reading of a complaint names ((key, words as written) pairs): the whole
    and, for a complaint of several lines, each line (see :func:`_seeds`); readings naming none are
    left out, so a complaint that names no component asks nothing of the records.

    Components only: the patterns read a code-like word as an equipment or model name ("H-301" is
    scanned as ``Equipment:H301``), and a record need not repeat an error code to be about it."""
    lines = [line for line in complaint.splitlines() if line.strip()]
    readings = []
    for text in [complaint, *(lines if len(lines) > 1 else [])]:
        mentions = extractor.scan(text[:2000], "complaint")
        named = {m.key: (m.key, m.surface) for m in mentions if m.label == "Component"}
        if named:
            readings.append(sorted(named.values()))
    return readings


def _name_match(wanted: Sequence[set[str]], ref: EntityRef) -> float:
    name = terms(ref.name)
    return max(similarity(w, name) for w in wanted)


def _cites(citations: Sequence[Citation]) -> tuple[Cite, ...]:
    return tuple(dict.fromkeys(Cite(c.chunk_id, c.document_id, c.page) for c in citations))


def _step(fact: Fact) -> ChainStep:
    return ChainStep(fact.head.name, fact.rel, fact.tail.name, _cites(fact.citations))


def to_chain(path: TroubleshootingPath) -> ManualChain | None:
    """A troubleshooting path as a manual chain; a path ending in a cause gives a chain without fix.

    Returns:
        The chain, or None when the path has neither a remedy nor a cause step.
    """
    remedy = next((s for s in reversed(path.steps) if s.rel == "REMEDIED_BY"), None)
    if remedy is None:
        return _cause_only(path)
    seed = path.steps[0].head
    symptom = next((s.tail for s in path.steps if s.tail.label == "Symptom"), seed)
    parts = tuple(dict.fromkeys(e.tail.name for e in path.extras if e.rel == "USES_PART"))
    steps = tuple(_step(f) for f in (*path.steps, *(e for e in path.extras if e.rel == "USES_PART")))
    return ManualChain(
        seed.key,
        symptom.name,
        remedy.head.key,
        remedy.head.name,
        remedy.head.label,
        remedy.tail.key,
        remedy.tail.name,
        parts,
        steps,
    )


def _cause_only(path: TroubleshootingPath) -> ManualChain | None:
    caused = next((s for s in reversed(path.steps) if s.rel == "CAUSED_BY"), None)
    if caused is None:
        return None
    seed = path.steps[0].head
    symptom = next((s.tail for s in path.steps if s.tail.label == "Symptom"), seed)
    return ManualChain(
        seed.key,
        symptom.name,
        caused.tail.key,
        caused.tail.name,
        caused.tail.label,
        "",
        "",
        (),
        tuple(_step(f) for f in path.steps),
    )


def cause_paths(
    driver: Any,
    keys: Sequence[str],
    collections: Sequence[str],
    *,
    config: DiagnosisConfig | None = None,
    database: str | None = None,
) -> list[TroubleshootingPath]:
    """Paths from the linked entities to causes (SHOWS / INDICATES / CAUSED_BY, ending in CAUSED_BY).

    Args:
        driver: a ``neo4j.Driver``.
        keys: seed entity keys.
        collections: allowed collection ids.
        config: limits.
        database: database name.

    Returns:
        Paths without extras, at most ``config.query.limit``.
    """
    cfg = config or DiagnosisConfig()
    rows = _run(
        driver,
        q.CAUSE_PATHS,
        cfg,
        database,
        q={"keys": list(keys)},
        collections=[str(c) for c in collections],
        limit=cfg.query.limit,
    )
    return [_path_of(row) for row in rows]


def _fact_of(data: dict[str, Any]) -> Fact:
    def ref(e: dict[str, Any]) -> EntityRef:
        return EntityRef(str(e["key"]), str(e["label"]), str(e["name"]))

    citations = tuple(
        Citation(
            str(c["chunk_id"]),
            str(c["document_id"]),
            str(c["version_id"]),
            str(c["collection_id"]),
            c.get("page"),
        )
        for c in data.get("citations") or []
    )
    # The relation's own properties as troubleshooting_paths gives them (bookkeeping left out).
    props = {k: v for k, v in (data.get("props") or {}).items() if k not in _BOOKKEEPING}
    return Fact(ref(data["head"]), str(data["rel"]), ref(data["tail"]), props, citations)


def past_orders(
    driver: Any,
    problem_keys: Sequence[str],
    asset: Asset | None,
    collections: Sequence[str],
    *,
    config: DiagnosisConfig | None = None,
    database: str | None = None,
) -> list[PastOrder]:
    """Visible work orders naming a linked entity or done on the asset or its class, newest first.

    Args:
        driver: a ``neo4j.Driver``.
        problem_keys: linked entity keys.
        asset: the asked asset, if any.
        collections: allowed collection ids.
        config: limits (``max_orders``).
        database: database name.

    Returns:
        Work orders with their scope relative to the asset.
    """
    cfg = config or DiagnosisConfig()
    params = _order_params(problem_keys, asset, cfg)
    allowed = [str(c) for c in collections]
    rows = (
        _run(driver, q.ORDERS_NAMING, cfg, database, **_params(params), collections=allowed)
        if problem_keys
        else []
    )
    if params["scope_keys"]:
        rows += _run(driver, q.ORDERS_ON_ASSET, cfg, database, **_params(params), collections=allowed)
    return _orders_of(rows, asset)


def _order_params(problem_keys: Sequence[str], asset: Asset | None, cfg: DiagnosisConfig) -> dict[str, Any]:
    scope = set(asset.asset_keys) | set(asset.class_keys) if asset else set()
    return {
        "keys": list(problem_keys),
        "naming_limit": cfg.max_orders,
        "naming_scan": cfg.max_orders * _ORDER_SCAN,
        "scope_keys": sorted(scope),
        "asset_limit": cfg.max_asset_orders,
        "asset_scan": cfg.max_asset_orders * _ORDER_SCAN,
    }


def _orders_of(rows: Sequence[dict[str, Any]], asset: Asset | None) -> list[PastOrder]:
    """One order per record (a record both naming the complaint and on the asset is read twice)."""
    asset_keys = set(asset.asset_keys) if asset else set()
    class_keys = set(asset.class_keys) if asset else set()
    return [_order_of(r, asset_keys, class_keys) for r in {row["key"]: row for row in rows}.values()]


def _order_of(row: dict[str, Any], asset_keys: set[str], class_keys: set[str]) -> PastOrder:
    equipment = set(row["equipment"])
    scope = "asset" if equipment & asset_keys else "class" if equipment & class_keys else "fleet"
    return PastOrder(
        row["key"],
        row["name"],
        row["date"],
        row["text"],
        scope,
        tuple(row["problems"]),
        tuple((a[0], a[1]) for a in sorted(row["actions"])),
        tuple(sorted(row.get("parts") or [])),
        _cites_of(row.get("citations") or []),
        tuple(sorted(equipment)),
    )


def _cites_of(rows: Sequence[dict[str, Any]]) -> tuple[Cite, ...]:
    return tuple(dict.fromkeys(Cite(str(c["chunk_id"]), str(c["document_id"]), c.get("page")) for c in rows))


def _cite_orders(
    driver: Any,
    causes: list[RankedCause],
    fixes: list[LastFix],
    allowed: list[str],
    cfg: DiagnosisConfig,
    database: str | None,
) -> tuple[list[RankedCause], list[LastFix]]:
    """The records shown (similar orders, last fixes) with their chunks: the counted ones were
    read without them."""
    shown = {s.key for c in causes for s in c.similar if not s.cites}
    keys = sorted(shown | {f.work_order for f in fixes if not f.cites})
    if not keys:
        return causes, fixes
    found = {
        r["key"]: _cites_of(r["citations"])
        for r in _run(driver, q.ORDER_CITATIONS, cfg, database, cite_keys=keys, collections=allowed)
    }
    for cause in causes:
        cause.similar = [s if s.cites else replace(s, cites=found.get(s.key, ())) for s in cause.similar]
    return causes, [f if f.cites else replace(f, cites=found.get(f.work_order, ())) for f in fixes]


def nearest_orders(
    driver: Any,
    complaint: str,
    asset: Asset | None,
    collections: Sequence[str],
    *,
    config: DiagnosisConfig | None = None,
    database: str | None = None,
) -> list[tuple[PastOrder, float]]:
    """The visible work orders whose problem text best matches the complaint (BM25), best first.

    Args:
        driver: a ``neo4j.Driver``.
        complaint: what the user typed.
        asset: the asked asset (gives each record its scope), if any.
        collections: allowed collection ids.
        config: limits (``nearest_fetch``).
        database: database name.

    Returns:
        At most :data:`graph.diagnose_rank.NEAREST_RECORDS` records with their BM25 scores.
    """
    cfg = config or DiagnosisConfig()
    rows = _run(
        driver,
        q.NEAREST_ORDERS,
        cfg,
        database,
        **_params(_nearest_params(complaint, cfg)),
        collections=[str(c) for c in collections],
    )
    return _nearest_of(rows, asset)


def _nearest_params(complaint: str, cfg: DiagnosisConfig) -> dict[str, Any]:
    # Words only: Lucene's query syntax (quotes, colons, AND/OR) must not come from the user.
    words = [w.lower() for w in _FULLTEXT_WORD.findall(complaint)][:_MAX_SEARCH_WORDS]
    return {
        "order_search": " ".join(words),
        "nearest_fetch": cfg.nearest_fetch,
        "nearest_limit": NEAREST_RECORDS,
    }


def _nearest_of(rows: Sequence[dict[str, Any]], asset: Asset | None) -> list[tuple[PastOrder, float]]:
    asset_keys = set(asset.asset_keys) if asset else set()
    class_keys = set(asset.class_keys) if asset else set()
    return [(_order_of(r, asset_keys, class_keys), float(r["score"])) for r in rows]


def diagnose(
    driver: Any,
    complaint: str,
    collections: Sequence[str],
    extractor: Extractor,
    *,
    asset: str | None = None,
    passages: Sequence[PassageHit] = (),
    config: DiagnosisConfig | None = None,
    database: str | None = None,
) -> Diagnosis:
    """Rank the likely causes of a complaint on an asset, with fixes, parts and their evidence.

    Args:
        driver: a ``neo4j.Driver``.
        complaint: symptom, error code or free text (what the technician sees).
        collections: collection ids the user may read; nothing outside them is read.
        extractor: the ingestion patterns and lexicon (for linking).
        asset: an equipment or model key or name; None diagnoses without one.
        passages: what retrieval found for the complaint in the same collections (the caller
            searches), best first; merged with the graph's candidates by
            :func:`graph.diagnose_rank.merge` (a weakly linked graph candidate never pushes a
            passage retrieval ranked above its evidence out of the list).
        config: limits.
        database: database name.

    Returns:
        The diagnosis; ``asset`` is None when none was given or none visible has that name.

    Raises:
        GraphUnavailable / GraphQueryError: Neo4j failed.
    """
    cfg = config or DiagnosisConfig()
    started = time.perf_counter()
    allowed = [str(c) for c in collections]
    # Two reads (round trips) gather everything ranked: what the complaint and the asset name,
    # then what follows from them; a third cites the few records shown.
    first = _run(
        driver,
        q.DIAGNOSIS_LINKS,
        cfg,
        database,
        **_params(
            _asset_params(asset), _link_params(complaint, extractor, cfg), _nearest_params(complaint, cfg)
        ),
        collections=allowed,
    )[0]
    found_asset = _asset_of(first["assets"][0]) if first["assets"] else None
    seeds = _seeds(complaint, first, cfg)
    matches = {s.entity.key: s.match for s in seeds}
    # Records on other machines than the asked one (all, with none asked) count as this
    # problem's history only on the complaint's components (graph.diagnose_rank.relevant_orders).
    things = complaint_things(complaint, extractor)
    evidence = _evidence(driver, seeds, found_asset, allowed, cfg, database, things)
    paths = [_path_of(row) for row in evidence["paths"]]
    causes_only = [_path_of(row) for row in evidence["cause_paths"]]
    chains = [c for c in map(to_chain, [*paths, *causes_only]) if c is not None]
    orders = _orders_of([*evidence["naming"], *evidence["on_asset"]], found_asset)
    nearest = _nearest_of(first["nearest"], found_asset)
    causes = rank(
        complaint,
        matches,
        chains,
        orders,
        limit=cfg.max_causes,
        nearest=nearest,
        things=things,
        asset_asked=found_asset is not None,
    )
    had = history_of(evidence["history"]) if found_asset else []
    fixes, scope = [], ""
    for fix_scope in ("asset", "class"):
        if evidence[f"fixes_{fix_scope}"]:
            fixes, scope = [last_fix_of(r) for r in evidence[f"fixes_{fix_scope}"]], fix_scope
            break
    if not fixes and found_asset is not None:
        fixes, scope = _similar_last_fixes(complaint, matches, chains, orders, things)
    causes, fixes = _cite_orders(driver, causes, fixes, allowed, cfg, database)
    passages, aside = about_complaint(passages, things, complaint)
    causes = merge(complaint, causes, passages, cfg.max_causes)
    elapsed = (time.perf_counter() - started) * 1000
    return Diagnosis(
        complaint,
        found_asset,
        seeds,
        causes,
        len(orders),
        round(elapsed, 1),
        paths,
        fixes,
        scope,
        had,
        len(aside),
    )


_NO_EVIDENCE = dict.fromkeys(
    ("paths", "cause_paths", "naming", "on_asset", "history", "fixes_asset", "fixes_class"), ()
)


def _evidence(
    driver: Any,
    seeds: list[Seed],
    asset: Asset | None,
    allowed: list[str],
    cfg: DiagnosisConfig,
    database: str | None,
    things: Sequence[Sequence[tuple[str, str]]] = (),
) -> dict[str, Any]:
    """The second read: chains from the linked entities, the work orders counted, the asset's
    history and last fixes (:data:`q.DIAGNOSIS_EVIDENCE`; the class's only on the complaint's
    components, ``things``); nothing to read without either."""
    if not seeds and asset is None:
        return _NO_EVIDENCE
    keys = [s.entity.key for s in seeds]
    params = _order_params(keys, asset, cfg) | {
        "limit": cfg.query.limit,
        "history_assets": list(asset.asset_keys) if asset else [],
        "history_limit": HISTORY_LIMIT,
        "asset_keys": list(asset.asset_keys) if asset else [],
        "class_keys": list(asset.class_keys) if asset else [],
        "fix_problems": [s.entity.key for s in seeds if s.entity.label in HISTORY_PROBLEM_LABELS],
        "fixes_limit": LAST_FIXES_LIMIT,
        "fix_things": [sorted({key for key, _ in reading}) for reading in things],
    }
    return _run(driver, q.DIAGNOSIS_EVIDENCE, cfg, database, **_params(params), collections=allowed)[0]


def _path_of(row: dict[str, Any]) -> TroubleshootingPath:
    return TroubleshootingPath(
        tuple(_fact_of(s) for s in row["steps"]), tuple(_fact_of(e) for e in row.get("extras") or [])
    )


def _similar_last_fixes(
    complaint: str,
    matches: dict[str, float],
    chains: Sequence[ManualChain],
    orders: Sequence[PastOrder],
    things: Sequence[Sequence[tuple[str, str]]] = (),
) -> tuple[list[LastFix], str]:
    """Last fixes from the asset's records the ranking counted as this problem by their text.

    Records often name no failure mode the graph knows ("ram drifts down"): then the newest of the
    asset's (else its model's) work orders about this problem, as :func:`relevant_orders` decides
    for the ranking, says what fixed it (the model's only when about the complaint's components).
    """
    strong = sorted({c.symptom for c in chains if matches.get(c.seed_key, 0.0) >= STRONG_MATCH})
    relevant = relevant_orders([terms(complaint), *(terms(s) for s in strong)], matches, orders, things)
    for scope in ("asset", "class"):
        done = [o for o, _ in relevant if o.scope == scope and o.actions]
        if done:
            newest = sorted(done, key=lambda o: o.date or "", reverse=True)[:5]
            return [
                LastFix(key, name, o.date, o.key, o.name, "", (), o.text, o.cites)
                for o in newest
                for key, name in o.actions
            ][:5], scope
    return [], ""


def suggest(
    driver: Any,
    text: str,
    kind: str,
    collections: Sequence[str],
    *,
    limit: int = 10,
    config: DiagnosisConfig | None = None,
    database: str | None = None,
) -> list[EntityRef]:
    """Autocomplete for the Diagnose form: visible assets or problems whose name starts with ``text``.

    Args:
        driver: a ``neo4j.Driver``.
        text: what the user typed so far.
        kind: "asset" (equipment, models) or "symptom" (symptoms, codes, failure modes).
        collections: allowed collection ids.
        limit: suggestions returned.
        config: limits.
        database: database name.

    Returns:
        Entities, shortest names first.
    """
    if kind not in ("asset", "symptom"):
        raise ValueError(f"unknown suggestion kind {kind!r}")
    labels = list(q.ASSET_LABELS) if kind == "asset" else ["Symptom", "ErrorCode", "FailureMode"]
    cfg = config or DiagnosisConfig()
    found: dict[str, EntityRef] = {}
    for label in labels:
        prefix = normalize_name(label, text) if text.strip() else ""
        if not prefix:
            continue
        for row in _run(
            driver,
            q.SUGGEST_PREFIX,
            cfg,
            database,
            prefix=prefix,
            labels=[label],
            collections=[str(c) for c in collections],
            limit=limit,
        ):
            found.setdefault(row["key"], EntityRef(row["key"], row["label"], row["name"]))
    ordered = sorted(found.values(), key=lambda e: (len(e.name), e.name.lower()))
    return ordered[:limit]


__all__ = [
    "Asset",
    "Diagnosis",
    "DiagnosisConfig",
    "Seed",
    "diagnose",
    "link_complaint",
    "nearest_orders",
    "normalize_text",
    "past_orders",
    "resolve_asset",
    "suggest",
    "to_chain",
]
