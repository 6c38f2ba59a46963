"""Rule patterns over prose sentences.

Rules, in order:

1. condition rule: "If/When <condition>, (then) <imperative>" -> Symptom REMEDIED_BY Action;
   "If <condition>, <negative outcome>" ("... will not be able to ...") -> Symptom(outcome) CAUSED_BY
   Cause(condition);
2. cause rule: "<x> is (usually) caused by / due to / the result of <y>" and "the problem with <x> is
   that <y>" -> Symptom CAUSED_BY Cause (a pronoun subject such as "This problem" takes the section
   heading as the symptom); "To fix/avoid/circumvent this problem, <imperative>" -> the last symptom
   of the chunk (or the heading) REMEDIED_BY Action;
3. code rule: "<error code> indicates/means <y>" -> ErrorCode INDICATES FailureMode|Symptom;
4. co-occurrence in one sentence: an action term ACTS_ON the nearest component (the one after it
   first), USES_PART for part numbers; a component or equipment tag SHOWS the nearest failure
   mode, symptom or error code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph.facts import COOCCURRENCE, ChunkInput, Mention, RelationFact, make_mention
from graph.structure import Scanner, StructureResult

_IMPERATIVES = frozenset(
    "check replace ensure verify make contact remove install reset clean tighten adjust disconnect connect "
    "reconnect turn set use try restart reboot inspect test call return run wait plug unplug press switch "
    "charge allow refer consult update upgrade edit change add increase decrease reduce lower raise move "
    "open "
    "close apply top fill drain lubricate recharge reinstall re-install enable disable examine measure "
    "shut stop start power bleed flush repair align enter specify delete rename configure boot rebuild mount "
    "build "
    "select type avoid do don't keep obtain recompile link modify be".split()
)
_CONDITION = re.compile(
    r"^\s*(?:[A-Z][a-z]+,?\s+)?(?:if|when|whenever|should)\s+(?P<cond>[^,]{3,200}?),\s*(?:then\s+)?(?P<act>.{3,400})$",
    re.I | re.S,
)
_CAUSE = re.compile(
    r"(?P<x>[^.;:]{3,200}?)\s(?:(?:is|are|was|were|may be|can be|might be|could be|is often|is usually|"
    r"is probably|is most likely|are usually|are often)\s)?(?:caused by|due to|the result of|a result of|"
    r"because of|triggered by)\s+(?P<y>[^.;]{3,300})",
    re.I,
)
_ABBREVIATED = r"(?:e\.g\.|i\.e\.|etc\.|[^.;:]|\.(?=\S))"
_PROBLEM_IS = re.compile(
    rf"\bproblem (?:with|of) (?P<x>{_ABBREVIATED}{{3,150}}?) (?:is|was) (?:that )?"
    rf"(?P<y>{_ABBREVIATED}{{3,300}})",
    re.I,
)
_FIX_THIS = re.compile(
    r"^\s*to (?:fix|solve|resolve|correct|avoid|circumvent|work around|prevent|overcome|cure) "
    r"(?:this|the|that) (?:problem|issue|error|fault|condition)\s*,\s*(?:simply\s+)?(?P<act>.{3,400})$",
    re.I | re.S,
)
_TRAILING_IF = re.compile(r"^(?P<x>[^.;]{3,200}?)\s+(?:if|when|unless)\s+(?P<y>[^.;,]{3,200})", re.I)
_NEGATIVE = re.compile(r"\b(?:not|cannot|can't|unable|fails?|won't|will not|no longer|never)\b", re.I)
_INDICATES = re.compile(
    r"\b(?:indicates?|means?|signals?|signifies|denotes|reports?)\s+(?:that\s+)?(?:an?\s+|the\s+)?"
    r"(?P<y>[^.;]{3,200})",
    re.I,
)
_ANAPHORA = re.compile(
    r"^(?:this|that|it|these|those|the)(?:\s+(?:problem|issue|error|fault|condition|symptom|"
    r"message|behaviou?r|situation))?$",
    re.I,
)
_SUBJECT_LEAD = re.compile(r"^(?:.*\b(?:and|but|so|which|often|usually|however)\b\s+)", re.I)
# "<observation>, (then) your/the <thing> is not ... / is probably ...": the condition is what is
# seen, the main clause the diagnosis (present tense; "will not" outcomes go the other way).
_DIAGNOSIS = re.compile(
    r"^(?:your|the|this|that|it)\b(?:[^,;.]|\.(?=\S)){0,80}?\b(?:is|are)\s+(?:not|probably|likely|wrong|incorrect|"
    r"missing|misconfigured|faulty|defective|bad)\b",
    re.I,
)
_MAX_RULE_SENTENCE_CHARS = 1000
_MAX_COOCCURRENCE_MENTIONS = 60
_TARGETS = {"Component": "ACTS_ON", "Equipment": "ACTS_ON", "Part": "USES_PART"}
_SHOWABLE = frozenset({"FailureMode", "Symptom", "ErrorCode"})


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offset in the chunk text


def _first_word(text: str) -> str:
    words = [w for w in text.strip().split() if w.lower() not in ("please", "simply", "then", "just")]
    return words[0].lower().strip(",.;:") if words else ""


def sentence_relations(
    chunk: ChunkInput,
    sentence: Sentence,
    mentions: list[Mention],
    scan: Scanner,
    max_chars: int = 200,
    clause_rules: bool = True,
) -> StructureResult:
    """Apply the rule patterns to one sentence.

    Args:
        chunk: the chunk the sentence belongs to.
        sentence: sentence text and its offset.
        mentions: entity mentions already found inside the sentence (offsets in chunk text).
        scan: finds identifiers and lexicon terms in a text fragment.
        max_chars: longest entity name kept.
        clause_rules: apply rules 1-3 (off where structure already covered the text).

    Returns:
        New mentions (symptoms, causes, actions built from clauses) and relations.
    """
    out = StructureResult([], [])
    if clause_rules and len(sentence.text) <= _MAX_RULE_SENTENCE_CHARS:  # longer ones: tables or junk
        _condition_rule(chunk, sentence, scan, max_chars, out)
        _cause_rule(chunk, sentence, max_chars, out)
        _code_rule(chunk, sentence, mentions, max_chars, out)
    _cooccurrence(chunk, mentions[:_MAX_COOCCURRENCE_MENTIONS], out)
    return out


def _relate(
    out: StructureResult,
    chunk: ChunkInput,
    rel: str,
    head: Mention | None,
    tail: Mention | None,
    source: str = "prose",
) -> None:
    if head is not None and tail is not None and head.key != tail.key:
        out.relations.append(RelationFact(rel, head.key, tail.key, chunk.chunk_id, source))


def _entity(out: StructureResult, chunk: ChunkInput, label: str, text: str, max_chars: int) -> Mention | None:
    mention = make_mention(label, text.strip(" ,.;:"), chunk.chunk_id, source="prose", max_chars=max_chars)
    if mention is not None:
        out.mentions.append(mention)
    return mention


def _condition_rule(
    chunk: ChunkInput, sentence: Sentence, scan: Scanner, max_chars: int, out: StructureResult
) -> None:
    match = _CONDITION.match(sentence.text)
    if not match:
        _trailing_if_rule(chunk, sentence, max_chars, out)
        return
    if _first_word(match.group("act")) not in _IMPERATIVES:
        if _DIAGNOSIS.match(match.group("act")):  # "If upsd says it can't connect, your ups.conf is not ..."
            symptom = _entity(out, chunk, "Symptom", match.group("cond"), max_chars)
            cause = _entity(out, chunk, "Cause", _clause(match.group("act")), max_chars)
            _relate(out, chunk, "CAUSED_BY", symptom, cause)
            return
        if _NEGATIVE.search(match.group("act")):  # "If the halt script is not modified, apcupsd will not ..."
            symptom = _entity(out, chunk, "Symptom", _clause(match.group("act")), max_chars)
            _relate(
                out, chunk, "CAUSED_BY", symptom, _entity(out, chunk, "Cause", match.group("cond"), max_chars)
            )
        return
    if _ANAPHORIC_CONDITION.match(match.group("cond").strip()):
        return  # "If this happens, ..." refers to a problem named elsewhere (see heading_rule)
    symptom = _entity(out, chunk, "Symptom", match.group("cond"), max_chars)
    _remedy(chunk, symptom, match.group("act"), scan, max_chars, out)


def _trailing_if_rule(chunk: ChunkInput, sentence: Sentence, max_chars: int, out: StructureResult) -> None:
    """ "<something does not work> if <condition>" -> Symptom CAUSED_BY Cause."""
    match = _TRAILING_IF.search(sentence.text)
    if match and _NEGATIVE.search(match.group("x")):
        subject = match.group("x").rsplit(",", 1)[-1]
        symptom = _entity(out, chunk, "Symptom", subject, max_chars)
        _relate(out, chunk, "CAUSED_BY", symptom, _entity(out, chunk, "Cause", match.group("y"), max_chars))


def _clause(text: str) -> str:
    """The first clause of a sentence part (up to a comma, semicolon or full stop)."""
    return re.split(r"[,;]|\.(?:\s|$)", text, maxsplit=1)[0]


def _remedy(
    chunk: ChunkInput, problem: Mention | None, text: str, scan: Scanner, max_chars: int, out: StructureResult
) -> None:
    action = _entity(out, chunk, "Action", text, max_chars)
    _relate(out, chunk, "REMEDIED_BY", problem, action)
    for found in scan(text, chunk.chunk_id):
        if found.label in _TARGETS:
            out.mentions.append(found)
            _relate(out, chunk, _TARGETS[found.label], action, found)


_PROBLEM_HEADING = re.compile(
    r"\b(?:won'?t|doesn'?t|does not|don'?t|isn'?t|not|fails?|failed|failing|errors?|problems?|"
    r"denied|cannot|can'?t|unable|trips?|tripping|no|troubleshooting)\b",
    re.I,
)
_HEADING_NUMBER = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?|[A-Z]\.)\s+")
_MEANS = re.compile(
    r"^\s*(?:it|this|that)\s+(?:usually\s+|normally\s+|probably\s+)?means\s+(?:that\s+)?(?P<y>.{3,300}?)\.?$",
    re.I | re.S,
)
_ANAPHORIC_CONDITION = re.compile(r"^(?:this|it|that)\b", re.I)


def heading_symptom(chunk: ChunkInput, max_chars: int) -> Mention | None:
    """The innermost heading as a Symptom when it reads like a problem ("Pump won't start", FAQ questions)."""
    if not chunk.heading_path or not _PROBLEM_HEADING.search(chunk.heading_path[-1]):
        return None
    title = _HEADING_NUMBER.sub("", chunk.heading_path[-1]).strip().rstrip("?.:")
    return make_mention("Symptom", title, chunk.chunk_id, source="heading", max_chars=max_chars)


def heading_rule(
    chunk: ChunkInput,
    sentence: Sentence,
    symptom: Mention,
    scan: Scanner,
    max_chars: int,
    out: StructureResult,
) -> None:
    """Under a problem heading: imperatives remedy it, "this means X" explains it.

    Args:
        chunk: the chunk.
        sentence: one of its sentences.
        symptom: the heading symptom (see :func:`heading_symptom`).
        scan: finds identifiers and lexicon terms.
        max_chars: longest entity name kept.
        out: receives mentions and relations.
    """
    text = sentence.text.strip()
    if len(text) > _MAX_RULE_SENTENCE_CHARS:
        return
    means = _MEANS.match(text)
    condition = _CONDITION.match(text)
    if means:
        out.mentions.append(symptom)
        _relate(out, chunk, "CAUSED_BY", symptom, _entity(out, chunk, "Cause", means.group("y"), max_chars))
    elif condition and _ANAPHORIC_CONDITION.match(condition.group("cond").strip()):
        if _first_word(condition.group("act")) in _IMPERATIVES:
            out.mentions.append(symptom)
            _remedy(chunk, symptom, condition.group("act"), scan, max_chars, out)
    elif not condition and _first_word(text) in _IMPERATIVES and not text.endswith("?"):
        out.mentions.append(symptom)
        _remedy(chunk, symptom, text, scan, max_chars, out)


def fix_rule(
    chunk: ChunkInput,
    sentence: Sentence,
    problem: Mention | None,
    scan: Scanner,
    max_chars: int,
    out: StructureResult,
) -> None:
    """ "To fix this problem, <imperative>" remedies ``problem`` (the chunk's last symptom or its heading)."""
    match = _FIX_THIS.match(sentence.text)
    if not match or _first_word(match.group("act")) not in _IMPERATIVES:
        return
    if problem is None and chunk.heading_path:
        problem = _entity(out, chunk, "Symptom", chunk.heading_path[-1], max_chars)
    for part in re.split(r",?\s+or,?\s+alternatively,?\s+|\s+or alternatively\s+", match.group("act")):
        _remedy(chunk, problem, part, scan, max_chars, out)


def _cause_rule(chunk: ChunkInput, sentence: Sentence, max_chars: int, out: StructureResult) -> None:
    problem = _PROBLEM_IS.search(sentence.text)
    if problem:
        symptom = _entity(out, chunk, "Symptom", f"problem with {problem.group('x')}", max_chars)
        _relate(out, chunk, "CAUSED_BY", symptom, _entity(out, chunk, "Cause", problem.group("y"), max_chars))
        return
    match = _CAUSE.search(sentence.text)
    if not match:
        return
    subject = _SUBJECT_LEAD.sub("", match.group("x")).strip(" ,")
    if _ANAPHORA.match(subject):
        if not chunk.heading_path:
            return
        subject = chunk.heading_path[-1]
    symptom = _entity(out, chunk, "Symptom", subject, max_chars)
    cause = _entity(out, chunk, "Cause", match.group("y"), max_chars)
    _relate(out, chunk, "CAUSED_BY", symptom, cause)


def _code_rule(
    chunk: ChunkInput, sentence: Sentence, mentions: list[Mention], max_chars: int, out: StructureResult
) -> None:
    codes = [m for m in mentions if m.label == "ErrorCode"]
    if not codes:
        return
    code = codes[0]
    match = _INDICATES.search(sentence.text, max(0, code.end - sentence.start))
    if not match:
        return
    y_start = sentence.start + match.start("y")
    failure = next((m for m in mentions if m.label == "FailureMode" and m.start >= y_start), None)
    target = failure or _entity(out, chunk, "Symptom", match.group("y"), max_chars)
    _relate(out, chunk, "INDICATES", code, target)


def _nearest(anchor: Mention, candidates: list[Mention]) -> Mention | None:
    after = [c for c in candidates if c.start >= anchor.end]
    if after:
        return min(after, key=lambda c: c.start)
    before = [c for c in candidates if c.end <= anchor.start]
    return max(before, key=lambda c: c.end) if before else None


def _cooccurrence(chunk: ChunkInput, mentions: list[Mention], out: StructureResult) -> None:
    # Marked as co-occurrence: two names in one sentence, not a stated relation
    # (graph.facts.is_noise_fact keeps such SHOWS links out of the evidence panel).
    components = [m for m in mentions if m.label in ("Component", "Equipment")]
    for action in (m for m in mentions if m.label == "Action"):
        _relate(out, chunk, "ACTS_ON", action, _nearest(action, components), COOCCURRENCE)
        for part in (m for m in mentions if m.label == "Part"):
            _relate(out, chunk, "USES_PART", action, part, COOCCURRENCE)
    for problem in (m for m in mentions if m.label in _SHOWABLE):
        _relate(out, chunk, "SHOWS", _closest(problem, components), problem, COOCCURRENCE)


def _closest(anchor: Mention, candidates: list[Mention]) -> Mention | None:
    """The candidate with the smallest character gap to ``anchor`` (ties: the earlier one)."""

    def gap(c: Mention) -> int:
        return anchor.start - c.end if c.end <= anchor.start else max(0, c.start - anchor.end)

    return min(candidates, key=lambda c: (gap(c), c.start), default=None)
