"""Ranking for fault localisation: turns manual chains and work-order history into scored causes.

Pure Python (no driver): :mod:`graph.diagnose` gathers the evidence from Neo4j and hands it here,
and the benchmark can rank the same evidence gathered another way.

The score of a candidate cause is a sum of three parts, each in a fixed range, so a reader can see
why one cause sits above another:

* ``manual`` (0-1): how well the complaint matches the symptom, code or cause a manual chain starts
  from (1.0 for an error code or an entity named exactly; otherwise the set cosine of content
  words, see :func:`similarity`). A chain is the troubleshooting table's or the text's
  Symptom/Code -> Cause -> Action (-> Part); the best chain of the cause counts.
* ``history`` (0-0.8): how often the cause's fixes followed this problem in the work orders,
  ``0.8 * n / (n + 2)`` with ``n = n_asset + 0.5 * n_class + 0.25 * n_fleet`` (the same asset
  counts most, the same model less, the rest of the fleet least; saturating, so ten old repairs
  never outvote a manual). A record on the asked asset counts by any linked entity or its text; one
  on another machine (every record when no asset is asked) only when it is about the same problem:
  it names every component the complaint names and reports its symptom or failure, or its text is
  like the complaint's beside those components' words (:func:`relevant_orders`). With no asset
  asked the same holds for the nearest records' votes.
* ``similar`` (0-0.4): ``0.4 *`` the best text similarity of a past work order that a fix of this
  cause resolved.
* ``nearest`` (0-:data:`NEAREST_WEIGHT`): how the past work orders most like the complaint were
  resolved. The :data:`NEAREST_RECORDS` visible records whose problem text best matches the
  complaint (BM25, the database's full-text index) each vote for the actions they record, with
  their BM25 score as the vote's weight: ``NEAREST_WEIGHT * (votes for this cause's fixes) / (all
  votes)``. A record on the asked asset votes with :data:`NEAREST_SCOPE_WEIGHTS` ``asset``, the
  same model with ``class``, any other with ``fleet``. An action only records name becomes a
  candidate of its own (label ``Action``), as with ``history``.

Ties are broken by the number of supporting work orders, then by name (deterministic).

The passages retrieval found for the complaint join the list (:func:`passage_causes`, label
``Passage``, scored ``passage`` = ``0.3 / rank``): each cites its passage and shows the part of it
that answers the complaint (:func:`answer_excerpt`: of the passage's FAQ items, a question in its
heading or in its text, and of the places an excerpt may start, the one holding most of the
complaint's words, with the causes and fixes stated after them and the answer's opening before
them). Their rank is retrieval's (the page's hybrid search, which reads each chunk's heading with
its text; :func:`passage_order`, by the excerpt's words, only with ``reorder``, for a weaker
retrieval such as BM25 alone). :func:`merge` places them: a
graph candidate whose evidence is about the complaint (a chain from a symptom or code it names,
``manual`` >= :data:`STRONG_MATCH`, or work orders counted as this problem) comes first; a weakly
linked one takes the place retrieval gave the passage it cites (one per passage), and one citing
no retrieved passage comes after the passages. So a manual that states causes in a form no rule
reads (a FAQ's answers) still answers, with the passage as its evidence, and an entity linked to
the complaint by a word or two does not push the passages that match it out of the first places.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from graph.faq import ChunkItem, chunk_item, strip_item_label
from graph.han import HAN_RUN, han_words
from graph.labelled import labelled_items
from graph.normalize import normalize_text, singular
from graph.sentences import sentences

MANUAL_WEIGHT = 1.0
HISTORY_WEIGHT = 0.8
HISTORY_SATURATION = 2.0
SIMILAR_WEIGHT = 0.4
SCOPE_WEIGHTS = {"asset": 1.0, "class": 0.5, "fleet": 0.25}
#: A past work order counts as "this problem" when it names a linked entity or its text is this similar.
MIN_RECORD_SIMILARITY = 0.35
PASSAGE_WEIGHT = 0.3
#: About 200 words: a FAQ answer or a table row's text whole. Session 9 chose 800 on the dev
#: manuals (500 cut remedies stated last); on the seen FAQs answers of 900-1,400 characters end
#: with the fix ("Either construct your own TERMCAP …", "use syslog-ng …"), which 800 cut: 1,200
#: finds every gold item of the passages handed in (docs/GRAPH.md §8, session 11), the median
#: excerpt shown grows 698 -> 753 characters.
MAX_EXCERPT_CHARS = 1200
#: Sentences after the best-matching one searched for a cause or a fix to show in the excerpt.
EXCERPT_LOOKAHEAD = 3
#: An answer's opening sentence up to this long is shown before a later start (two pieces, "…").
MAX_OPENING_CHARS = 200
MAX_PASSAGE_NAME_CHARS = 120
#: Two passages whose excerpts open with the same this many characters show the same text.
SAME_OPENING_CHARS = 160
#: Content words a passage naming none of the complaint's things shares with it to stay listed.
MIN_SHARED_TERMS = 2
NEAREST_WEIGHT = 1.0
#: Most similar past work orders that vote (their order: BM25 score, then newest first).
NEAREST_RECORDS = 10
NEAREST_SCOPE_WEIGHTS = {"asset": 2.0, "class": 1.5, "fleet": 1.0}
#: A chain whose seed matches this well lends its symptom's words to the record search.
STRONG_MATCH = 0.8

_WORD = re.compile(r"[a-z0-9]+(?:[-/][a-z0-9]+)*")
_LETTERS_OR_DIGITS = re.compile(r"[a-z]+|[0-9]+")
_STOPWORDS = frozenset(
    "a an and are as at be been by can cannot could did do does doesn't don't for from has have how i "
    "if in into is it its my no not of on or our the then there this to up was we were what when "
    "which why will with won't after before again any some".split()
)


def terms(text: str) -> set[str]:
    """Content words of a text, lower-case and crudely stemmed (``leaking`` -> ``leak``); Han-script
    runs give their jieba words (``轴承过热`` -> ``轴承``, ``过热``).

    Args:
        text: any text.

    Returns:
        The set of content words.
    """
    return set(_terms(text))


@functools.lru_cache(maxsize=16384)
def _terms(text: str) -> frozenset[str]:
    # Cached: a diagnosis reads the same few hundred record texts the last one did, twice.
    out = set()
    for word in _WORD.findall(text.lower()):
        if word in _STOPWORDS or len(word) < 2:
            continue
        for suffix in ("ing", "ed", "es", "s"):
            if len(word) > len(suffix) + 3 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
        out.add(word)
    out.update(han_words(text))
    return frozenset(out)


def similarity(query: set[str], text: set[str]) -> float:
    """Set cosine of two term sets: ``|A ∩ B| / sqrt(|A| |B|)`` (0 when either is empty)."""
    if not query or not text:
        return 0.0
    return len(query & text) / math.sqrt(len(query) * len(text))


@dataclass(frozen=True)
class Cite:
    """A passage or record a line of evidence rests on."""

    chunk_id: str
    document_id: str
    page: int | None = None


@dataclass(frozen=True)
class ChainStep:
    """One relation of a manual chain, as shown (head -REL-> tail) with its passages."""

    head: str
    rel: str
    tail: str
    cites: tuple[Cite, ...]


@dataclass(frozen=True)
class ManualChain:
    """A manual's Symptom/Code -> (Cause ->) Action chain, with what the action needs.

    Attributes:
        seed_key: the linked entity the chain starts from.
        symptom: its name.
        cause_key / cause: the cause (the symptom itself when the manual names no cause).
        action_key / action: the remedy.
        parts: part names the remedy uses.
        steps: every relation of the chain with its passages.
    """

    seed_key: str
    symptom: str
    cause_key: str
    cause: str
    cause_label: str
    action_key: str
    action: str
    parts: tuple[str, ...]
    steps: tuple[ChainStep, ...]


@dataclass(frozen=True)
class PastOrder:
    """A visible work order with what it reported and what was done.

    Attributes:
        key / name: the WorkOrder entity.
        date: ISO date or None.
        text: the record's free text ('' when the export has none).
        scope: "asset" (the asked asset), "class" (same model) or "fleet".
        problem_keys: keys of the symptoms, failure modes, codes, components it reports/addresses.
        actions: (key, name) of its actions.
        parts: part names it used.
        cites: the record's chunks.
        equipment: keys of the equipment it was performed on.
    """

    key: str
    name: str
    date: str | None
    text: str
    scope: str
    problem_keys: tuple[str, ...]
    actions: tuple[tuple[str, str], ...]
    parts: tuple[str, ...]
    cites: tuple[Cite, ...]
    equipment: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fix:
    """One remedy of a cause, with its parts and passages."""

    key: str
    name: str
    parts: tuple[str, ...]
    cites: tuple[Cite, ...]


@dataclass(frozen=True)
class History:
    """How often a cause's fixes followed the problem in the work orders.

    ``last_date`` and ``mean_days_between`` are of one scope, ``dates_scope``: the asked asset's
    records when it has dated ones, else its model's, else the fleet's (a technician asks when it
    last happened on this machine; another machine's newer record must not pass for that).
    """

    asset: int = 0
    class_: int = 0
    fleet: int = 0
    last_date: str | None = None
    mean_days_between: float | None = None
    orders: tuple[str, ...] = ()
    dates_scope: str = ""

    @property
    def total(self) -> int:
        return self.asset + self.class_ + self.fleet


@dataclass(frozen=True)
class SimilarOrder:
    """A past work order like the complaint, and how it was resolved."""

    key: str
    date: str | None
    text: str
    similarity: float
    resolved_by: tuple[str, ...]
    cites: tuple[Cite, ...]
    #: Its BM25 score when it is one of the nearest records that voted (None otherwise).
    bm25: float | None = None
    #: Where it was done: "asset" (the asked one), "class" (same model) or "fleet".
    scope: str = ""


@dataclass(frozen=True)
class PassageHit:
    """A passage retrieval found for the complaint (the caller's search, best first)."""

    chunk_id: str
    document_id: str
    page: int | None
    text: str
    heading: str = ""
    #: The chunk's kind ("record" for a row of a work-order export; else a manual's passage).
    kind: str = ""


@dataclass
class RankedCause:
    """One candidate cause with its fixes, its score and the evidence behind the score."""

    key: str
    name: str
    label: str
    score: float = 0.0
    score_parts: dict[str, float] = field(default_factory=dict)
    fixes: list[Fix] = field(default_factory=list)
    chains: list[ManualChain] = field(default_factory=list)
    history: History = field(default_factory=History)
    similar: list[SimilarOrder] = field(default_factory=list)
    #: For a ``Passage`` candidate: the sentences that match the complaint, and the passage.
    excerpt: str = ""
    cites: tuple[Cite, ...] = ()
    #: For a ``Passage`` candidate: the passage is a work-order record, not a manual's text.
    from_record: bool = False

    @property
    def parts(self) -> list[str]:
        return list(dict.fromkeys(p for f in self.fixes for p in f.parts))


def _mean_days_between(dates: Sequence[str]) -> float | None:
    import datetime as dt

    days = sorted({dt.date.fromisoformat(d[:10]) for d in dates if d})
    if len(days) < 2:
        return None
    return round((days[-1] - days[0]).days / (len(days) - 1), 1)


def _history(orders: Sequence[PastOrder]) -> History:
    by_scope = {s: sum(1 for o in orders if o.scope == s) for s in SCOPE_WEIGHTS}
    dates_scope = next((s for s in SCOPE_WEIGHTS if any(o.date and o.scope == s for o in orders)), "")
    dates = [o.date for o in orders if o.date and o.scope == dates_scope]
    return History(
        asset=by_scope["asset"],
        class_=by_scope["class"],
        fleet=by_scope["fleet"],
        last_date=max(dates) if dates else None,
        mean_days_between=_mean_days_between(dates),
        orders=tuple(o.key for o in sorted(orders, key=lambda o: o.date or "", reverse=True)),
        dates_scope=dates_scope,
    )


def history_score(history: History) -> float:
    """``HISTORY_WEIGHT * n / (n + HISTORY_SATURATION)`` over scope-weighted counts."""
    n = (
        history.asset * SCOPE_WEIGHTS["asset"]
        + history.class_ * SCOPE_WEIGHTS["class"]
        + history.fleet * SCOPE_WEIGHTS["fleet"]
    )
    return HISTORY_WEIGHT * n / (n + HISTORY_SATURATION) if n else 0.0


#: Labels of where to look, not what is wrong: with no asset asked, a record naming one of the
#: complaint's components is no evidence of its problem by that alone (:func:`relevant_orders`).
THING_LABELS = frozenset({"Component", "Equipment", "Model"})


def _label_of(key: str) -> str:
    return key.split(":", 1)[0]


def names_things(order: PastOrder, things: Sequence[tuple[str, str]]) -> bool:
    """Whether a record names every one of ``things`` ((key, words as written) pairs): it reports
    the entity, or its text or the equipment it was done on ("UPS-3", key ``Equipment:UPS3``) holds
    the name's words or the key's (an "O-ring" is ``Component:seal``), singular or plural alike; a
    Han name as a substring (jieba cuts "油泵过热" into "油泵", "过热")."""
    if not things:
        return True
    text = order.text or ""
    words = _word_forms(text)
    for key in order.equipment:
        words |= set(_LETTERS_OR_DIGITS.findall(key.split(":", 1)[-1].lower()))

    def named(key: str, name: str) -> bool:
        if key in order.problem_keys:
            return True
        if HAN_RUN.search(name):
            return name in text
        return any(
            forms and forms <= words for forms in (_word_forms(name), _word_forms(key.split(":", 1)[-1]))
        )

    return all(named(key, name) for key, name in things)


def _word_forms(text: str) -> set[str]:
    # One letter is no word of a name: "V-belt" is named by "belt slipping".
    return {singular(w) for w in normalize_text(text).split() if len(w) > 1}


def _thing_words(things: Sequence[Sequence[tuple[str, str]]]) -> set[str]:
    """The content words of every thing the complaint's readings name."""
    return {w for reading in things for _, name in reading for w in terms(name)}


def about_things(order: PastOrder, readings: Sequence[Sequence[tuple[str, str]]]) -> bool:
    """Whether a record names all the things of one reading of the complaint (each line of it is
    a reading: the Diagnose page puts a Chinese complaint's translation on a line of its own)."""
    return not readings or any(names_things(order, reading) for reading in readings)


def relevant_orders(
    queries: Sequence[set[str]],
    seed_keys: Iterable[str],
    orders: Sequence[PastOrder],
    things: Sequence[Sequence[tuple[str, str]]] = (),
) -> list[tuple[PastOrder, float]]:
    """The past work orders about this problem, each with its text similarity to it.

    A work order is about the problem when it reports/addresses a linked entity or its text is at
    least :data:`MIN_RECORD_SIMILARITY` similar to one of ``queries`` (the complaint, and the
    symptoms that the codes it names indicate: a record says "ram drifts", not "H-301").

    ``things``: the components each reading of the complaint names. A record on the asked asset is
    its history as above. One on another machine (every record when no asset is asked: then the
    complaint's words are all that say which machine it is about) counts only when it names every
    component of a reading of the complaint (:func:`about_things`), and naming one of those
    components, or sharing their words, is no evidence of the problem by itself: on the demo, the
    excavators' "replace battery" orders were counted as the history of "UPS battery does not
    charge"; on excavator A, the fleet's "REPLACE BUCKET TOOTH" as that of "bucket won't open".
    (Requiring the asked asset's own records to name the components too, so that D's "REPLACE
    THERMOSTAT-OVERHEATING" is no history of "bearing overheating", cost nestor's held-out top-3
    action + part .794 -> .771, session 15, commit 129adfa.)
    """
    seeds = set(seed_keys)
    found = []
    for order in orders:
        about, sim = about_problem(order, queries, seeds, things)
        if about or sim >= MIN_RECORD_SIMILARITY:
            found.append((order, sim))
    return found


def about_problem(
    order: PastOrder,
    queries: Sequence[set[str]],
    seeds: set[str],
    things: Sequence[Sequence[tuple[str, str]]],
) -> tuple[bool, float]:
    """(whether the record reports a linked entity that says it is this problem, its text
    similarity to the problem), by the rules of :func:`relevant_orders`."""
    text = _terms(order.text) if order.text else frozenset()
    if order.scope == "asset" or not things:
        sim = max((similarity(q, text) for q in queries), default=0.0)
        return bool(seeds & set(order.problem_keys)), sim
    if not about_things(order, things):
        return False, 0.0
    named = _thing_words(things)
    problem_seeds = {k for k in seeds if _label_of(k) not in THING_LABELS}
    sim = max((similarity(q - named, text - named) for q in queries), default=0.0)
    return bool(problem_seeds & set(order.problem_keys)), sim


def nearest_about(
    queries: Sequence[set[str]],
    nearest: Sequence[tuple[PastOrder, float]],
    things: Sequence[Sequence[tuple[str, str]]],
    seed_keys: Iterable[str] = (),
    asset_asked: bool = False,
) -> list[tuple[PastOrder, float]]:
    """The nearest records that may vote. With no asset asked and ``things`` given (the complaint
    names components), a record votes only when :func:`relevant_orders` would count it as this
    problem: BM25 found "REPLACE GREASE PUMP" for "pump overheating alarm" by "pump" alone, and
    "REPLACE PUMP DRIVE PRESSURE SWITCHES" for "KP-50 泵 出口压力低 流量不足" with its translation
    ("pump low outlet pressure, insufficient flow") by "pump" and "pressure", which one shared word
    beside the components let vote. With an asset asked every nearest record votes, weighted by
    scope: the fleet's records voting only for the same problem cost nestor's held-out top-3
    action + part .794 -> .757 (its labels follow the component), session 15, commit 129adfa."""
    if asset_asked or not things:
        return list(nearest)
    seeds = set(seed_keys)
    kept = []
    for order, bm25 in nearest:
        about, sim = about_problem(order, queries, seeds, things)
        if about or sim >= MIN_RECORD_SIMILARITY:
            kept.append((order, bm25))
    return kept


def rank(
    complaint: str,
    seed_matches: dict[str, float],
    chains: Sequence[ManualChain],
    orders: Sequence[PastOrder],
    limit: int = 10,
    nearest: Sequence[tuple[PastOrder, float]] = (),
    things: Sequence[Sequence[tuple[str, str]]] = (),
    asset_asked: bool = False,
) -> list[RankedCause]:
    """Rank candidate causes of a complaint (see the module docstring for the score).

    Args:
        complaint: the symptom, code or free text as the user typed it.
        seed_matches: linked entity key -> how well the complaint matches it (0-1).
        chains: manual chains starting from the linked entities.
        orders: visible work orders (on the asset, its class, or naming a linked entity).
        limit: candidates returned.
        nearest: the visible work orders whose text best matches the complaint, each with its
            BM25 score, best first (the ``nearest`` vote reads the first :data:`NEAREST_RECORDS`).
        things: the components each reading of the complaint names: records on other machines
            than the asked asset count only when they name them and are about the same problem
            (:func:`relevant_orders`); with no asset asked, the nearest records vote only then.
        asset_asked: an asset was asked (``orders`` and ``nearest`` carry their scope to it). Its
            nearest records of the fleet still vote, weighted by :data:`NEAREST_SCOPE_WEIGHTS` and
            shown with their scope: a similar record from another machine is no count of this
            asset's history, but how it was resolved is evidence (the nestor work orders).

    Returns:
        Candidates, best first.
    """
    query = terms(complaint)
    causes: dict[str, RankedCause] = {}
    action_owner: dict[str, list[str]] = {}
    for chain in chains:
        cause = causes.setdefault(
            chain.cause_key, RankedCause(chain.cause_key, chain.cause, chain.cause_label)
        )
        cause.chains.append(chain)
        manual = MANUAL_WEIGHT * seed_matches.get(chain.seed_key, 0.0)
        cause.score_parts["manual"] = max(cause.score_parts.get("manual", 0.0), manual)
        if not chain.action_key:  # the manual names the cause and no remedy
            continue
        if all(f.key != chain.action_key for f in cause.fixes):
            # The remedy's own passage first: it is the one that names cause and fix together.
            remedy_first = sorted(chain.steps, key=lambda s: s.rel != "REMEDIED_BY")
            cites = tuple(dict.fromkeys(c for s in remedy_first for c in s.cites))
            cause.fixes.append(Fix(chain.action_key, chain.action, chain.parts, cites))
        action_owner.setdefault(chain.action_key, [])
        if chain.cause_key not in action_owner[chain.action_key]:
            action_owner[chain.action_key].append(chain.cause_key)
    strong = {c.symptom for c in chains if seed_matches.get(c.seed_key, 0.0) >= STRONG_MATCH}
    matched = relevant_orders([query, *(terms(s) for s in sorted(strong))], seed_matches, orders, things)

    def owners_of(action_key: str, action_name: str) -> list[str]:
        owners = action_owner.get(action_key)
        if not owners:  # done in the records, named by no manual: a cause of its own
            owners = [action_key]
            if action_key not in causes:
                causes[action_key] = RankedCause(action_key, action_name, "Action")
                causes[action_key].fixes.append(Fix(action_key, action_name, (), ()))
            action_owner[action_key] = owners
        return owners

    per_cause: dict[str, list[tuple[PastOrder, float]]] = {}
    for order, sim in matched:
        for action_key, action_name in order.actions:
            for owner in owners_of(action_key, action_name):
                per_cause.setdefault(owner, []).append((order, sim))
    lines = [line for line in complaint.splitlines() if line.strip()]
    readings = [query, *(terms(line) for line in lines if len(lines) > 1)]
    voting = nearest_about(readings, nearest, things, seed_matches, asset_asked)
    votes, voters = _nearest_votes(voting, owners_of)
    for key, hits in per_cause.items():
        cause = causes[key]
        unique = list({o.key: (o, s) for o, s in hits}.values())
        cause.history = _history([o for o, _ in unique])
        cause.score_parts["history"] = history_score(cause.history)
        newest_first = sorted(unique, key=lambda h: h[0].date or "", reverse=True)
        best = sorted(newest_first, key=lambda h: -h[1])[:3]  # stable: ties stay newest first
        cause.similar = [
            SimilarOrder(
                o.key, o.date, o.text, round(s, 3), tuple(n for _, n in o.actions), o.cites, scope=o.scope
            )
            for o, s in best
        ]
        cause.score_parts["similar"] = SIMILAR_WEIGHT * max((s for _, s in unique), default=0.0)
    total = sum(w for _, w in voters[""])
    for key, share in votes.items():
        cause = causes[key]
        cause.score_parts["nearest"] = NEAREST_WEIGHT * share / total
        # The records that voted come first, with their BM25 score: they are why this cause has
        # its "nearest" part; the most similar of the counted ones fill the rest.
        voted = [
            SimilarOrder(
                o.key,
                o.date,
                o.text,
                round(similarity(query, terms(o.text)), 3),
                tuple(n for _, n in o.actions),
                o.cites,
                round(bm25, 3),
                o.scope,
            )
            for o, bm25 in voters[key]
        ]
        keys = {s.key for s in voted}
        cause.similar = (voted + [s for s in cause.similar if s.key not in keys])[:3]
    for cause in causes.values():
        cause.score_parts = {k: round(v, 4) for k, v in cause.score_parts.items()}
        cause.score = round(sum(cause.score_parts.values()), 4)
    ordered = sorted(causes.values(), key=lambda c: (-c.score, -c.history.total, c.name.lower()))
    return ordered[:limit]


def _nearest_votes(
    nearest: Sequence[tuple[PastOrder, float]], owners_of
) -> tuple[dict[str, float], dict[str, list[tuple[PastOrder, float]]]]:
    """Each of the first :data:`NEAREST_RECORDS` records with an action votes for the causes its
    actions fix, weighted by its BM25 score and scope.

    Returns:
        (cause key -> summed vote, cause key -> the records that voted for it with their BM25
        score; key ``""`` holds every voting record with its weight, for the total).
    """
    votes: dict[str, float] = {}
    voters: dict[str, list[tuple[PastOrder, float]]] = {"": []}
    for order, bm25 in [n for n in nearest if n[0].actions][:NEAREST_RECORDS]:
        weight = bm25 * NEAREST_SCOPE_WEIGHTS.get(order.scope, NEAREST_SCOPE_WEIGHTS["fleet"])
        if weight <= 0:
            continue
        voters[""].append((order, weight))
        owners = dict.fromkeys(o for key, name in order.actions for o in owners_of(key, name))
        for owner in owners:
            votes[owner] = votes.get(owner, 0.0) + weight
            voters.setdefault(owner, []).append((order, bm25))
    return votes, voters


# A sentence that states a cause or a remedy: the connectives and instructions manuals use.
_CAUSE_OR_FIX = re.compile(
    r"\b(?:caused by|due to|because|the result of|"
    r"to (?:fix|solve|resolve|correct|avoid|circumvent|work around|prevent) |"
    r"make sure|ensure|check|verify|replace|the (?:solution|fix|cause|remedy) is)",
    re.I,
)


def passage_order(complaint: str, passages: Sequence[PassageHit]) -> list[PassageHit]:
    """Retrieval's passages, those whose excerpt (:func:`answer_excerpt`, with the question that
    names it) holds more of the complaint's content words first; on a tie, retrieval's order.

    Retrieval ranks a passage by all of its text; the list shows the excerpt. So of more passages
    than the list has room for, the ones whose shown part says most about the complaint come first
    (on the dev manuals and the seen FAQs, 8 BM25 passages handed in and ordered so find more at 5
    than BM25's first 5: bench/diagnosis_merge.py ``--handed``). :func:`merge` uses it only when
    asked (``reorder``): hybrid search's own order holds more.
    """
    query = terms(complaint)

    def held(passage: PassageHit) -> int:
        found = _best_window(frozenset(query), passage)
        return found[0] if found else 0

    ranked = sorted((-held(p), i) for i, p in enumerate(passages))
    return [passages[i] for _, i in ranked]


def passage_causes(
    complaint: str, passages: Sequence[PassageHit], cited: Iterable[str] = (), limit: int = 5
) -> list[RankedCause]:
    """Candidates from passages, for a complaint the graph has too few causes for.

    Args:
        complaint: what the user typed.
        passages: retrieval's passages for it, best first.
        cited: chunk ids the graph candidates already cite (those passages are not repeated).
        limit: candidates returned.

    Returns:
        ``Passage`` candidates in the order given (:func:`merge` gives :func:`passage_order`), each
        showing the part of its passage that answers the complaint (:func:`answer_excerpt`, at most
        :data:`MAX_EXCERPT_CHARS`), named by the question of the FAQ item it comes from (else the
        heading path, else its first sentence); a passage sharing no content word with the
        complaint is left out unless an earlier passage of its item is shown (:func:`_item_of`: the
        search hands an item's chunks together, and a "Solution" chunk rarely repeats the words
        its "Symptom" matched; it is then asked by the item's title as well), and so is one whose
        excerpt opens as an earlier passage's does (:data:`SAME_OPENING_CHARS`; one manual shipped twice, as HTML and as DOCX: the demo showed apcupsd's "Battery
        Replacement" note twice).
    """
    query = terms(complaint)
    skip = set(cited)
    excerpts: set[str] = set()
    shown_items: set[tuple[object, ...]] = set()
    out: list[RankedCause] = []
    for passage in passages:
        if passage.chunk_id in skip or len(out) >= limit:
            continue
        found = answer_excerpt(query, passage)
        item = _item_of(passage)
        if found is None and item.key in shown_items:
            # A further chunk of an item the list shows (its "Solution" after the "Symptom" that
            # matched): the item's title counts as the complaint's words.
            found = answer_excerpt(query | terms(item.title), passage)
        if found is None:
            continue
        name, excerpt = found
        # By its opening: the copies' chunks may end apart (the demo's apcupsd manual, as HTML and
        # as DOCX, showed "Manual" Runtime Calibration twice, one excerpt a sentence longer).
        same = " ".join(excerpt.split()).casefold()[:SAME_OPENING_CHARS]
        if same in excerpts:
            continue
        excerpts.add(same)
        shown_items.add(item.key)
        name = " ".join(name.split())
        if len(name) > MAX_PASSAGE_NAME_CHARS:
            name = name[: MAX_PASSAGE_NAME_CHARS - 1].rsplit(" ", 1)[0] + "…"
        score = round(PASSAGE_WEIGHT / (len(out) + 1), 4)
        out.append(
            RankedCause(
                f"Passage:{passage.chunk_id}",
                name,
                "Passage",
                score,
                {"passage": score},
                excerpt=excerpt,
                cites=(Cite(passage.chunk_id, passage.document_id, passage.page),),
                from_record=passage.kind == "record",
            )
        )
        skip.add(passage.chunk_id)
    return out


def _item_of(passage: PassageHit) -> ChunkItem:
    """The passage's item (:func:`graph.faq.chunk_item`: a Markdown guide's "N) issue > Solution"
    chunk and its "N) issue > Symptom" chunk are one item; a record, or a chunk of labelled
    problems, one of its own)."""
    path = passage.heading.split(" > ") if passage.heading else ()
    return chunk_item(passage.document_id, "", path, passage.text, passage.kind, passage.chunk_id)


@dataclass(frozen=True)
class _Item:
    """A FAQ item of a passage: its question (the passage's heading for the text before the first
    question line) and the sentences of its answer."""

    question: str
    sentences: tuple[str, ...]
    #: The text before the first question line: its question is the passage's heading.
    under_heading: bool = False
    #: The text whose words the item is asked with: the question, or for the text under the heading
    #: the whole heading path (a Markdown guide's "### 9) Newuidmap missing … > #### Solution": the
    #: fix's own words rarely match the complaint, the issue's title does).
    asks: str = ""
    #: The questions ending the item before, asked right before this one's with no answer between
    #: them (:func:`_lead`): a checklist's earlier checks, shown before the question when room is left.
    lead: tuple[str, ...] = ()


def passage_items(passage: PassageHit) -> list[_Item]:
    """The passage cut at the lines that ask a FAQ item's question (:func:`graph.faq.question_line`)
    or open a labelled problem (:func:`graph.labelled.labelled_items`: its problem is the item's
    question, and its answer shows it from its label on, with its "Solution:" / "Cause:" parts).

    The text before the first such line answers the passage's heading (its innermost part names
    it; the whole heading path's words count as its question's, :attr:`_Item.asks`). Each
    item's answer is split into sentences (and lines: a table row or a list item is one). Question
    lines with no answer between them are a checklist: lines of the item they follow, not items.
    """
    from graph.faq import question_line

    items: list[_Item] = []
    question, lines = passage.heading.rsplit(" > ", 1)[-1], []
    # A labelled problem ("Problem: … Solution: …", graph.labelled) is an item whose question is
    # its problem: several sit under one heading, each line of a list one problem.
    labelled = {item.start: item for item in labelled_items(passage.text)}
    at = 0
    # The question line that opened the current item while its answer is still empty, and the item
    # it cut: a second question line then makes both lines of a checklist (below).
    opened: tuple[str, str, list[str], tuple[str, ...]] | None = None
    checklist = False
    lead: tuple[str, ...] = ()
    for line in passage.text.split("\n"):
        start, at = at, at + len(line) + 1
        problem = labelled.get(start)
        if problem is not None:
            # The excerpt shows the problem with its solution: a problem often says more than its
            # first sentence ("… Programming through a JTAG ICE mkII works though.").
            items.append(_item(passage, question, lines, not items, lead))
            question, lines, opened, checklist, lead = problem.problem, [line], None, False, ()
            continue
        asked = question_line(line, lines[-1] if lines else "")
        if asked is not None and opened is not None and not any(x.strip() for x in lines):
            # Question lines with no answer between them are a checklist, not FAQ items ("check
            # the following items:" / "Is the printer powered on?" / "Is the cable in good
            # working condition?", HPLIP's troubleshooting page): each question names a cause, and
            # read as items with no answer they were dropped. They stay lines of the item before.
            first, question, lines, lead = opened
            items.pop()
            lines = [*lines, first]
            opened, checklist = None, True
        if asked is None or checklist:
            lines.append(line)
            checklist = checklist and (asked is not None or not line.strip())
            continue
        items.append(_item(passage, question, lines, not items, lead))
        opened = (line, question, lines, lead)
        question, lines = asked, []
        lead = _lead(items[-1].sentences)
    items.append(_item(passage, question, lines, not items, lead))
    answered = [i for i in items if i.sentences]
    if (
        answered
        or not passage.text.strip()
        or any(_MARKED_QUESTION.match(x) for x in passage.text.split("\n"))
    ):
        return answered
    # Nothing answered and no line marked as a FAQ's question: the chunker cut a checklist, and its
    # questions are the text under the heading ("(i.e. ensure that this is not a document-specific
    # problem) Is the receiving fax machine or device on-line and able to accept faxes?", HPLIP);
    # read as an item with no answer, each was dropped and the passage skipped. A "Q:" or bold
    # question alone in its chunk is an item whose answer is the next chunk, and stays none
    # (dnsmasq's: shown, it took the place of the answer's chunk, remedies 1.0 -> .962).
    return [_item(passage, passage.heading.rsplit(" > ", 1)[-1], passage.text.split("\n"), True)]


#: A line marked as a FAQ's question (graph.faq.question_line's "Q:" label or bold line).
_MARKED_QUESTION = re.compile(
    r"^\s*(?:(?:Q|Question)\s*\d*(?:\.\d+)*\s*[:.)]\s|(?:[-*+\u2022]\s+)?(?:\*\*|__))", re.I
)


def _lead(sentences: Sequence[str]) -> tuple[str, ...]:
    """The questions an item's answer ends with: asked right before the next question line, with no
    answer between them, they are that question's checklist ("Print" / "Is the printer on-line and
    not in an error state?" / "If you run hp-check -t, are there any problems reported?", HPLIP:
    the label above the first keeps it from reading as a question line, so the checklist rule
    above does not join them, and the complaint's words pick the second)."""
    n = len(sentences)
    while n and sentences[n - 1].rstrip().endswith("?"):
        n -= 1
    return tuple(sentences[n:])


def _item(
    passage: PassageHit, question: str, lines: list[str], under_heading: bool, lead: tuple[str, ...] = ()
) -> _Item:
    # A chunk whose text opens with its own heading ("3.1. Behind a firewall?" under "3. Computer
    # is not synchronising > 3.1. Behind a firewall?", chrony's FAQ) answers that heading: it is
    # asked with the whole path, as the text under the heading is.
    heading = passage.heading.rsplit(" > ", 1)[-1]
    repeats = _same_heading(question, heading)
    asks = passage.heading if under_heading or repeats else question
    return _Item(question, _sentences("\n".join(lines)), under_heading, asks, () if under_heading else lead)


def _same_heading(question: str, heading: str) -> bool:
    def bare(text: str) -> str:
        return " ".join(strip_item_label(text).split()).casefold()

    return bool(question) and bare(question) == bare(heading)


def _sentences(text: str) -> tuple[str, ...]:
    # Hard-wrapped lines joined, "e.g." ends no sentence, a table row or a command line stays one
    # (the splitter the LLM items pass uses; was: every line and every ". " a sentence).
    return tuple(sentences(text))


def _chosen(
    sentences: Sequence[str], start: int, lookahead: int = EXCERPT_LOOKAHEAD, opening: bool = False
) -> list[int]:
    """The sentences an excerpt starting at ``start`` shows, in the passage's order.

    The sentence at ``start``; with ``opening``, the answer's opening sentence when the excerpt
    starts later in the answer and the opening is short (:data:`MAX_OPENING_CHARS`: a FAQ answer's
    first sentence usually says what is wrong, and the rest of the window says what to do); of the
    ``lookahead`` sentences after ``start``, those stating a cause or a fix (:data:`_CAUSE_OR_FIX`);
    then the sentences after ``start`` in order, each that fits the room left of
    :data:`MAX_EXCERPT_CHARS` (one that does not fit is skipped, not the end: the fix often follows
    a long explanation, as "To avoid this, use …" after a 226-character sentence); with ``opening``,
    last, the sentences before ``start`` that fit the room left, nearest first.
    """
    room = MAX_EXCERPT_CHARS - len(sentences[start])
    chosen = [start]  # in the order taken: the last taken give way first (:func:`_join`)

    def take(i: int) -> None:
        nonlocal room
        if i not in chosen and len(sentences[i]) + 1 <= room:
            chosen.append(i)
            room -= len(sentences[i]) + 1

    if opening and start > 0 and len(sentences[0]) <= MAX_OPENING_CHARS:
        take(0)
    for i in range(start + 1, min(len(sentences), start + 1 + lookahead)):
        if _CAUSE_OR_FIX.search(sentences[i]):
            take(i)
    for i in range(start + 1, len(sentences)):
        take(i)
    if 0 in chosen:  # the room left closes the gap after the opening, in order
        for i in range(1, start):
            take(i)
    if opening:
        # Then the room left shows the text before the start, nearest first: a flowed paragraph
        # asks its check before the sentence the complaint's words match ("Is the ppdev module
        # loaded? Look for … ppdev - Parallel port support kernel module", HPLIP), and the start is
        # chosen on the window after it. Taken last, so it only fills room nothing after the start
        # wanted (and gives way first in :func:`_join`).
        for i in range(start - 1, -1, -1):
            take(i)
    return chosen


def _join(sentences: Sequence[str], chosen: Sequence[int]) -> str:
    """The chosen sentences in the passage's order, "…" marking a gap between two that are not
    neighbours; where the gap marks would pass :data:`MAX_EXCERPT_CHARS`, the last taken are left
    out (never a cut in a word)."""
    chosen = list(chosen)
    while True:
        shown = sorted(chosen)
        parts = [sentences[shown[0]]]
        for before, i in zip(shown, shown[1:], strict=False):
            parts.append(("… " if i > before + 1 else "") + sentences[i])
        text = " ".join(parts)
        if len(text) <= MAX_EXCERPT_CHARS or len(chosen) == 1:
            return text[:MAX_EXCERPT_CHARS]
        chosen.pop()


def _window(sentences: Sequence[str], start: int) -> list[str]:
    """The sentences an excerpt starting at ``start`` shows without the opening (:func:`_chosen`):
    where it starts is chosen on the window alone, so the opening never pulls the start later."""
    return [sentences[i] for i in sorted(_chosen(sentences, start))]


def _cover_terms(text: str, stem: bool = False) -> set[str]:
    """:func:`terms`, and the parts of a word joined by slashes: "dm-crypt/LUKS" names LUKS too;
    with ``stem``, those joined by hyphens as well ("sane-device" names a SANE device), each as
    its :func:`_stem`."""
    found = terms(text)
    found |= {p for t in found if "/" in t for p in terms(t.replace("/", " "))}
    if not stem:
        return found
    found |= {p for t in found if "-" in t for p in terms(t.replace("-", " "))}
    return {_stem(t) for t in found}


def _stems(text: str) -> set[str]:
    return {_stem(t) for t in terms(text)}


@functools.lru_cache(maxsize=65536)
def _stem(term: str) -> str:
    """A word of :func:`terms` as the Snowball (Porter 2) stemmer has it: :func:`terms`'s crude
    suffixes spare short words and keep a stem's "e" ("faxed" / "fax", "devices" -> "devic" /
    "device"). Codes and numbers stay as written."""
    if not term.isalpha() or len(term) < 3:
        return term
    return _stemmer().stemWord(term)


_per_thread = threading.local()


def _stemmer():  # type: ignore[no-untyped-def]
    # One per thread: a Snowball stemmer holds the word it is stemming (retrieval/sparse.py).
    import snowballstemmer

    stemmer = getattr(_per_thread, "stemmer", None)
    if stemmer is None:
        stemmer = _per_thread.stemmer = snowballstemmer.stemmer("english")
    return stemmer


def answer_excerpt(query: set[str], passage: PassageHit) -> tuple[str, str] | None:
    """The part of a passage that answers a complaint: (the item's question, the excerpt).

    Every FAQ item of the passage (:func:`passage_items`) is read with its question, which is shown
    as the excerpt's name. In each item, every sentence of the answer may start the excerpt (what
    fits :data:`MAX_EXCERPT_CHARS` from there, :func:`_chosen`); the start whose window and question
    together hold most of the complaint's content words (:func:`_cover_terms`) wins; on a tie, the
    answer's start when the question shares a word with the complaint, else the sentence that
    matches the complaint best (:func:`similarity`), else the earliest. Of the items, the one whose
    excerpt holds most of those words wins; on a tie, the one whose first line matches the
    complaint best (at an answer's start its question counts as that line), else the first. So the
    answer of the question the complaint asks is shown from its start, and in a passage of several
    items or a long one the excerpt holds the sentences about the complaint and what follows them,
    not the next item's question. An excerpt starting later in the answer shows the answer's
    opening sentence first ("…" marking the gap, closed as far as the room left allows): in FAQ
    answers it often states the cause that the later sentences go on to fix. None when nothing
    shares a word with the complaint.
    """
    found = _best_window(frozenset(query), passage)
    if found is None:
        return None
    _, item, start = found
    # Under the heading, the whole heading path names the passage (where in the manual it is).
    name = (passage.heading if item.under_heading else item.question) or item.sentences[0]
    chosen = _chosen(item.sentences, start, EXCERPT_LOOKAHEAD, opening=True)
    excerpt = _join(item.sentences, chosen)
    if item.lead and 0 in chosen:
        # The checklist's earlier checks, then the question, before the answer's start: only in
        # the room the answer left (a cause in the line before the item shown, HPLIP's
        # "Is the printer on-line and not in an error state?").
        asked = " ".join([*item.lead, item.question, excerpt])
        if len(asked) <= MAX_EXCERPT_CHARS:
            excerpt = asked
    return name, excerpt


@functools.lru_cache(maxsize=256)
def _best_window(query: frozenset[str], passage: PassageHit) -> tuple[int, _Item, int] | None:
    """(how many of the complaint's words the best window holds with its question, its item, its
    start), as :func:`answer_excerpt` chooses them; None when it holds none. Cached: :func:`passage_order`
    orders the passages by it (``merge(reorder=True)``), then the merge shows their excerpts.

    A passage sharing no word with the complaint as :func:`terms` reads both is read again with
    each word's Snowball stem (:func:`_stem`): HPLIP's "one particular PDF never gets faxed" shared
    no word with "Can you fax a different document?" and the passage was skipped. Only then: with
    stems everywhere, "messages" matched a heading's "message" log note and its item took the
    place of the next item's "View the cups log" fix (HPLIP remedies .810 -> .762 on the replay)."""
    return _window_of(query, passage) or _window_of(frozenset(_stem(t) for t in query), passage, stem=True)


def _window_of(
    query: frozenset[str], passage: PassageHit, stem: bool = False
) -> tuple[int, _Item, int] | None:
    words = _stems if stem else terms
    best: tuple | None = None
    for n, item in enumerate(passage_items(passage)):
        asked = query & _cover_terms(item.asks, stem)
        chosen: tuple | None = None
        for start in range(len(item.sentences)):
            covered = asked | (query & _cover_terms(" ".join(_window(item.sentences, start)), stem))
            opening = similarity(query, words(item.sentences[start]))
            if start == 0:  # the answer's start: its question is its first line
                opening = max(opening, similarity(query, words(item.asks)))
            key = (len(covered), start == 0 and bool(asked), opening, -start)
            if chosen is None or key > chosen[0]:
                chosen = (key, start)
        if chosen is None:
            continue
        (covered_n, _, opening, _), start = chosen
        if best is None or (covered_n, opening, -n) > best[0]:
            best = ((covered_n, opening, -n), item, start)
    if best is None or best[0][0] == 0:
        return None
    (covered_n, _, _), item, start = best
    return covered_n, item, start


def _excerpt(sentences: Sequence[str], best: int, lookahead: int = EXCERPT_LOOKAHEAD) -> str:
    """The excerpt starting at sentence ``best``, with the answer's opening (:func:`_chosen`), within
    :data:`MAX_EXCERPT_CHARS`."""
    return _join(sentences, _chosen(sentences, best, lookahead, opening=True))


def names_a_thing(passage: PassageHit, things: Sequence[Sequence[tuple[str, str]]]) -> bool:
    """Whether a passage (its heading path or text) names one of the things the complaint names
    (any reading, any thing; a thing of several words by any of its words, singular or plural
    alike; a Han name as a substring). True when the complaint names none."""
    wanted = [(key, name) for reading in things for key, name in reading]
    if not wanted:
        return True
    text = f"{passage.heading}\n{passage.text}"
    words = _word_forms(text)
    for key, name in wanted:
        if HAN_RUN.search(name):
            if name in text:
                return True
        elif (_word_forms(name) | _word_forms(key.split(":", 1)[-1])) & words:
            return True
    return False


def about_complaint(
    passages: Sequence[PassageHit], things: Sequence[Sequence[tuple[str, str]]], complaint: str = ""
) -> tuple[list[PassageHit], list[PassageHit]]:
    """Retrieval's passages split into those that may answer the complaint and those set aside:
    a passage naming none of the complaint's things (:func:`names_a_thing`) shares only other
    words with it, often a generic verb, and is no evidence about the thing. On the demo, excavator
    A's "bucket won't open" listed the UPS manual's "Voltage Signalling" and LinuxCNC's "Open and
    Closed Loop" by "open"; "bearing overheating" listed LinuxCNC's stepper passages. So is one
    naming a thing but none of the complaint's other words, when it has some. One sharing
    :data:`MIN_SHARED_TERMS` content words with ``complaint`` stays all the same: a software
    manual's answer need not repeat the thing (on the seen FAQs, "UPS traps stopped showing up in
    the snmptrapd log" is answered by a passage on snmptrapd's authorisation, naming no UPS; the
    extractor reads "screen" and "Windows" as components). A chunk of an item one of whose chunks
    stays, stays too (a "Solution" chunk seldom repeats what its "Symptom" chunk names). Both
    lists keep retrieval's order."""
    if not any(things):
        return list(passages), []
    query = terms(complaint)
    problem = query - _thing_words(things)

    def stays(passage: PassageHit) -> bool:
        words = terms(f"{passage.heading}\n{passage.text}")
        if len(query & words) >= MIN_SHARED_TERMS:
            return True
        # Naming the thing alone is no more evidence than the verb alone when the complaint says
        # what is wrong with it: LinuxCNC's "bearing mounts" damp stepper resonance, no bearing
        # overheats there.
        return names_a_thing(passage, things) and (not problem or bool(problem & words))

    named = [stays(p) for p in passages]
    items = {_item_of(p).key for p, ok in zip(passages, named, strict=True) if ok}
    kept, aside = [], []
    for passage, ok in zip(passages, named, strict=True):
        (kept if ok or _item_of(passage).key in items else aside).append(passage)
    return kept, aside


def cited_chunks(causes: Iterable[RankedCause]) -> set[str]:
    """Chunk ids the candidates' fixes, chains and similar work orders cite."""
    found: set[str] = set()
    for cause in causes:
        found |= {c.chunk_id for f in cause.fixes for c in f.cites}
        found |= {c.chunk_id for chain in cause.chains for s in chain.steps for c in s.cites}
        found |= {c.chunk_id for s in cause.similar for c in s.cites}
        found |= {c.chunk_id for c in cause.cites}
    return found


#: Labels of a candidate that is the complaint's own symptom or code (a chain with no cause step).
_NOT_A_CAUSE = frozenset({"Symptom", "ErrorCode"})
#: Score parts that come from work orders counted as this problem: a candidate with any of them
#: rests on records about this complaint and keeps its place ahead of the passages. The ``nearest``
#: vote alone is not among them: the records most like the complaint by BM25 vote even when none is
#: about it (on the demo, "UPS shuts down right after power failure" put an excavator's "REPAIR
#: EMERGENCY SHUT DOWN" -> repair above the UPS manual's passages, found in Chromium).
_RECORD_PARTS = ("history", "similar")


def is_specific(cause: RankedCause) -> bool:
    """Whether a candidate's evidence is about this complaint: a manual chain from a symptom or code
    the complaint names (``manual`` at least :data:`STRONG_MATCH`), or work orders counted as this
    problem. Else it was linked by a few shared words (a fuzzy full-text match) or voted for by
    records that are only the nearest by BM25."""
    parts = cause.score_parts
    return parts.get("manual", 0.0) >= STRONG_MATCH or any(parts.get(k, 0.0) > 0 for k in _RECORD_PARTS)


def merge(
    complaint: str,
    causes: Sequence[RankedCause],
    passages: Sequence[PassageHit],
    limit: int = 10,
    reorder: bool = False,
) -> list[RankedCause]:
    """The graph's candidates and retrieval's passages in one list, best first.

    The graph candidates whose evidence is about this complaint (:func:`is_specific`) come first,
    in their order (by score). A weakly linked one (a symptom matched by a few shared words, no
    work order) takes the place retrieval gave the best-ranked passage it cites when that passage
    is not shown itself (its excerpt shares no word with the complaint, or a candidate about the
    complaint shows its cause and fix): retrieval ranked its evidence there. One such candidate per
    passage; a second citing the same passage, one citing a passage the list shows (the passage
    shows what it read there; on procmail + Podman and the older seen FAQs, page chunks, remedy
    recall@5 0.740 -> 0.779 and 0.927 -> 0.958, docs/GRAPH.md §8), or one citing none of the
    passages comes after them. The passages
    (:func:`passage_causes`) come in retrieval's order, which also gives the places; with
    ``reorder``, in :func:`passage_order` (how much of the complaint their excerpt holds, then
    retrieval's order). Hybrid search ranks a chunk by its heading and text, so ordering its
    passages by the excerpt's words again put an item's other chunks that repeat the complaint's
    words ahead of the one holding the fix (procmail + Podman, page chunks: cause / remedy recall@5
    0.704 / 0.597 reordered, 0.796 / 0.701 in retrieval's order; docs/GRAPH.md §8); BM25's passages
    still gain from it (dev causes 0.895 -> 0.921). So a weakly linked candidate never
    pushes out of the list a passage that retrieval ranked above its evidence, and without passages
    (the portal's card) the graph's order is unchanged.
    """
    if not passages:
        return list(causes[:limit])
    if reorder:
        passages = passage_order(complaint, passages)
    place = {p.chunk_id: i for i, p in enumerate(passages)}
    strong = [c for c in causes if is_specific(c)]
    weak = [c for c in causes if not is_specific(c)]
    # A passage is not repeated after a candidate about this complaint that shows a cause and a
    # fix from it. One whose candidates name no fix, or no cause (a symptom the manual tells what to
    # do about), or are weakly linked, stays right after them: it may say what the graph did not read.
    complete = [c for c in strong if c.fixes and c.label not in _NOT_A_CAUSE]
    shown = passage_causes(complaint, passages, cited_chunks(complete), limit=limit)
    # A passage shown in the list already shows what a weakly linked candidate read in it: that
    # candidate would only take a place from the next passage (Podman's "registries.conf" cause
    # ahead of the passage holding its three fixes), so it comes after all the passages.
    taken = {p.cites[0].chunk_id for p in shown}
    shown_ids = set(taken)
    after: set[int] = set()
    rest = []
    for i, c in enumerate(weak):
        at = min((place[chunk] for chunk in cited_chunks([c]) if chunk in place), default=len(passages))
        # One weakly linked candidate per passage takes its place: retrieval ranked the passage, not
        # each thing the graph read in it; the others come after all the passages.
        if at < len(passages) and passages[at].chunk_id not in taken:
            taken.add(passages[at].chunk_id)
            rest.append((at, 0, i, c))
        elif c.fixes and at < len(passages) and passages[at].chunk_id in shown_ids and at not in after:
            # A cause with its fix comes right after the passage it was read in: after all the
            # passages it came 10th of 10 on the demo (the KP-50 manual's E-12 worn wear ring with
            # its part, under 8 pump passages of safety notes and scope).
            after.add(at)
            rest.append((at, 2, i, c))
        else:
            rest.append((len(passages), 0, i, c))
    rest += [(place[p.cites[0].chunk_id], 1, i, p) for i, p in enumerate(shown)]
    return [*strong, *(c for *_, c in sorted(rest, key=lambda r: r[:3]))][:limit]
