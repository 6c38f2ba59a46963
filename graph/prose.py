"""Rule patterns over prose sentences.

Rules, in order:

1. condition rule: "If/When <fault>, (then) (you can) <imperative>" -> Symptom REMEDIED_BY Action
   (the condition must state a fault: "If you installed from source, check ..." is an instruction);
   "If <condition>, <negative outcome>" ("... will not be able to ...") -> Symptom(outcome) CAUSED_BY
   Cause(condition);
2. cause rule: "<x> is (usually) caused by / due to / the result of <y>", "<fault> because / , since
   <y>", "<y>, causing <fault>" and "the problem with <x> is that <y>" -> Symptom CAUSED_BY Cause (a
   pronoun subject such as "This problem" takes the section heading as the symptom); "To
   fix/avoid/circumvent this problem, <imperative>" -> the last symptom of the chunk (or the
   heading) REMEDIED_BY Action;
3. code rule: "<error code> indicates/means <y>" -> ErrorCode INDICATES FailureMode|Symptom;
4. co-occurrence in one sentence: an action term ACTS_ON the nearest component (the one after it
   first), USES_PART for part numbers; a component or equipment tag SHOWS the nearest failure
   mode, symptom or error code;
5. question/answer layouts (:mod:`graph.faq`): a heading that reports a problem is the symptom of
   its answer's imperatives, "this means Y", "the reason for this is Y", "the solution is to Y",
   lettered options and "common causes for X are:" lists; a how-to question reports none.

Names: every clause becomes a name through :func:`concise_name` (asides dropped, at most
``MAX_FACT_NAME_WORDS`` words, fragments and pronoun-only names dropped), so no relation ends in a
sentence-length entity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from graph import faq
from graph.checklist import checklists, checks, failed_state
from graph.facts import COOCCURRENCE, MAX_FACT_NAME_WORDS, ChunkInput, Mention, RelationFact, make_mention
from graph.faq import IMPERATIVES as _IMPERATIVES
from graph.faq import first_word as _first_word
from graph.names import ASIDE as _ASIDE
from graph.names import concise_name
from graph.normalize import normalize_text
from graph.structure import Scanner, StructureResult
from graph.typography import APOSTROPHE as A
from graph.typography import DASH

_CONDITION_LEAD = (
    r"^\s*(?:(?:in (?:this|that|such|either|any) cases?|[A-Z][a-z]+),?\s+)?(?:if|when|whenever|should)\s+"
)
_COMMA_CONDITION = re.compile(
    rf"{_CONDITION_LEAD}(?P<cond>[^,]{{3,200}}?),\s*(?:then\s+)?(?P<act>.{{3,400}})$", re.I | re.S
)
# "If that doesn't work then recompile procmail ...": "then" without a comma ends the condition too, when
# an instruction follows it ("If the pump then fails, replace the fuse" keeps its comma's reading).
_THEN_CONDITION = re.compile(rf"{_CONDITION_LEAD}(?P<cond>[^,]{{3,200}}?)\s+then\s+(?P<act>.{{3,400}})$", re.I | re.S)


def _condition(text: str) -> re.Match[str] | None:
    """ "If/When X, (then) Y" (:data:`_COMMA_CONDITION`), or "If X then <instruction>"."""
    then = _THEN_CONDITION.match(text)
    if then and _first_word(then.group("act")) in _IMPERATIVES:
        return then
    return _COMMA_CONDITION.match(text)
_CAUSE = re.compile(
    r"(?P<x>[^.;:]{3,200}?)\s(?:(?:is|are|was|were|may be|can be|might be|could be|would be|appears to be|"
    r"seems to be|appear to be|seem to be)"
    # "This is almost definitely due to Y": how sure, not part of the subject
    r"(?:\s(?:often|usually|probably|mostly|likely|most likely|typically|(?:almost\s+|most\s+)?(?:definitely|certainly)|"
    r"generally|commonly|frequently|always|sometimes|very likely|quite likely|simply))?\s)?"
    r"(?:caused by|due to|the result of|a result of|because of|triggered by)\s+(?P<y>[^.;]{3,300})",
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
    r"(?:(?:this|the|that) (?P<what>problem|issue|error|fault|condition)|this|that|it)\s*,\s*(?:simply\s+)?"
    r"(?P<act>.{3,400})$",
    re.I | re.S,
)
# "<fault> because <reason>": the fault is the last clause before "because" and must read as one.
_BECAUSE_RAW = re.compile(r"(?:\s+because|,\s+since)\s+(?!of\b)(?P<y>[^;]{3,300}?)(?:[.;](?:\s|$)|$)", re.I)


# "On machines which ...": only this lead names a setting; "In cold weather the pump fails" is a fault.
_SETTING_LEAD = re.compile(r"(?:on|in|for|at|under|with)\s+(?:[\w-]+\s+){1,3}?(?:which|where)\b", re.I)


#: "not" alone is no fault ("the daemon does not require the peer to authenticate itself").
_NEGATION = re.compile(
    rf"^(?:not|never|(?:does|do|did|is|are)\s+not|(?:doesn|don|didn|isn|aren|won){A}?t)$", re.I
)
_NOT_WORKING = re.compile(
    rf"\b(?:not|n{A}t|never)\s+(?:work|start|run|load|respond|connect|boot|print|send|receive|come\s+up)",
    re.I,
)


def _setting_without_fault(text: str) -> bool:
    """ "On machines which don't have a default route, the daemon does not require ...": a lead clause
    naming where a setting holds and a main clause stating no fault ("On systems where the disk is
    full, the daemon crashes at startup" states one: its reason is the fault's cause)."""
    lead = _SETTING_LEAD.match(text)
    if not lead:
        return False
    main = text[text.find(",", lead.end()) + 1 :] if "," in text[lead.end() :] else ""
    faults = [m.group(0) for m in faq.PROBLEM_WORDS.finditer(main) if not _NEGATION.match(m.group(0))]
    return not faults and not _NOT_WORKING.search(main)


def _because(text: str) -> tuple[str, str] | None:
    """(fault, reason) of "<fault> because <reason>", the fault being the clause before "because"."""
    match = _BECAUSE_RAW.search(text)
    if not match:
        return None
    before = _ASIDE.sub("", text[: match.start()])
    subject = re.split(r"[,:;]\s|\.\s", before)[-1].strip()
    if len(subject) < 3 or not faq.PROBLEM_WORDS.search(subject) or _YOU.match(subject):
        return None
    if _SETTING_LEAD.match(subject):
        return None  # "On machines which don't have a default route, ... since ...": a setting, no fault
    if _first_word(subject) in _IMPERATIVES | {"never"}:
        return None  # "Do not make the file world-readable, since ...": a precaution and its reason
    return subject, match.group("y")


_CAUSING = re.compile(
    r"(?P<x>[^.;]{3,200}?),\s+"
    r"(?:causing|which causes|which (?:can|may|will) cause|resulting in|leading to)\s+"
    r"(?P<y>[^.;]{3,200})",
    re.I,
)
# "X fails if/unless Y" names a cause; "X is not supported when running in rootless mode" only when.
_TRAILING_IF = re.compile(r"^(?P<x>[^.;]{3,200}?)\s+(?:if|unless)\s+(?P<y>[^.;,]{3,200})", re.I)
_NEGATIVE = re.compile(rf"\b(?:not|cannot|can{A}t|unable|fails?|won{A}t|will not|no longer|never)\b", re.I)
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
_PROBLEM_IS_THAT = re.compile(r"^.*\b(?:problem|issue|trouble)\s+(?:is|was)\s+that\s+", re.I)
_TRAILING_ADVERB = re.compile(
    r"\s+(?:usually|often|probably|typically|generally|normally|mostly|always|sometimes|commonly|most\s+likely)$", re.I
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
    # "Note that this bug should no longer occur if ...": a problem that is gone is no symptom.
    resolved = bool(faq.RESOLVED.search(sentence.text))
    # Longer sentences are tables or junk.
    if clause_rules and not resolved and len(sentence.text) <= _MAX_RULE_SENTENCE_CHARS:
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


def short_name(text: str) -> str | None:
    """:func:`concise_name`, or for a clause still too long its part before its first soft break.

    A soft break (``_SOFT_BREAK``) is " and ", " or ", " when(ever) ", " if ", " because ", " since ",
    " so ", " rather than ", " while ", " until " or " (" with at least four words before it.
    "your connection script hasn't successfully dialled out to the remote system and invoked ppp
    service there" (16 words, no comma) keeps its first 11 words rather than naming nothing.
    """
    name = concise_name(text)
    if name is not None or len(text.split()) <= MAX_FACT_NAME_WORDS:
        return name
    for match in _SOFT_BREAK.finditer(text):
        if len(text[: match.start()].split()) >= 4:
            return concise_name(text[: match.start()])
    return None


_SOFT_BREAK = re.compile(
    r"\s+(?:and|or|when|whenever|if|because|since|so|rather than|while|until)\s+|\s+\(", re.I
)


def _entity(out: StructureResult, chunk: ChunkInput, label: str, text: str, max_chars: int) -> Mention | None:
    # In a "Q: ... A: ..." item a long cause or fix keeps its first part (see short_name); elsewhere
    # a sentence with no clause break names nothing (dev: sudo's prose lost precision with it).
    text = _FILLER_REASON.sub("", text)
    if label == "Cause":
        text = _HEDGE.sub("", text.strip())  # "it is likely that the fuse module has not been loaded"
    name = short_name(text) if answer_start(chunk) else concise_name(text)
    if name is None or label == "Symptom" and (_PRONOUN_SUBJECT.match(name) or _OPTIONAL.search(name)):
        return None
    if _GENERIC.match(name):
        return None  # "a known bug": every document's; one node for all of them would link them all
    if " " not in name and re.search(r"[/:]", name):
        return None  # "https://github" and "com/openMF/community-app/issues/3323": a URL split at its dot
    mention = make_mention(label, name, chunk.chunk_id, source="prose", max_chars=max_chars)
    if mention is not None:
        out.mentions.append(mention)
    return mention


#: A name that says only what kind of thing is at fault ("a known bug", "this limitation").
_GENERIC = re.compile(
    r"^(?:(?:a|an|the|this|that|one|some)\s+)?(?:(?:known|serious|common|general|simple|possible|small|minor|"
    r"major|long-standing|design|real)\s+)*(?:bug|limitation|issue|problem|glitch|restriction|feature|"
    r"defect|error)s?$",
    re.I,
)
#: "for some obscure reason": says only that the reason is unknown.
_FILLER_REASON = re.compile(r",?\s+for\s+some\s+(?:(?:obscure|unknown|strange|odd|other|weird)\s+)?reasons?\b", re.I)
#: "It is likely that", "Probably": how sure the text is, not part of the cause.
_HEDGE = re.compile(
    r"^(?:it\s+is\s+(?:very\s+|quite\s+|most\s+)?(?:likely|possible|probable)\s+that|"
    r"(?:most\s+)?(?:likely|probably|possibly|perhaps|maybe),?)\s+",
    re.I,
)
# "This step is not necessary if you installed from packages": optional, not a fault.
_OPTIONAL = re.compile(r"\bnot\s+(?:necessary|needed|need|required|mandatory)\b|\bno need\b", re.I)
# "these may not manifest under Valgrind": a symptom whose subject is a bare pronoun names nothing.
_PRONOUN_SUBJECT = re.compile(
    rf"^(?:it|they|these|those|(?:this|that)\s+(?:is|isn{A}t|was|may|might|can|could|will|won{A}t|does|"
    rf"doesn{A}t|did|has|happens|seems|should|must))\b",
    re.I,
)


def _condition_rule(
    chunk: ChunkInput, sentence: Sentence, scan: Scanner, max_chars: int, out: StructureResult
) -> None:
    match = _condition(sentence.text)
    if not match:
        _trailing_if_rule(chunk, sentence, max_chars, out)
        return
    # "If X, check the following items:\nIs ...?": the lines after the colon are a list of their own
    # (graph.checklist), not part of the instruction, which only points at them.
    act = re.split(r":[ \t]*\n", match.group("act"), maxsplit=1)[0]
    act = act + ":" if act != match.group("act") else act
    modal = _MODAL.match(act)
    if modal and faq.PROBLEM_WORDS.search(match.group("cond")):
        act = act[modal.end() :]  # "If you do not know what cable you have, you can use apctest ..."
    if _first_word(act) not in _IMPERATIVES:
        # "If upsd says it can't connect, your ups.conf is not ...": what is seen must be a fault ("When
        # running a container as a rootless user, the container is closed upon logout" is an outcome).
        if _DIAGNOSIS.match(match.group("act")) and faq.PROBLEM_WORDS.search(match.group("cond")):
            heading = heading_symptom(chunk, max_chars)
            if heading is not None and restates(match.group("cond"), heading.name):
                # "If you encounter a `fuse: device not found` error ..." under the heading that
                # reports it: the heading's problem, not a second wording of it.
                symptom = heading
                out.mentions.append(heading)
            else:
                symptom = _entity(out, chunk, "Symptom", _fault_part(match.group("cond")), max_chars)
            cause = _entity(out, chunk, "Cause", _clause(match.group("act")), max_chars)
            _relate(out, chunk, "CAUSED_BY", symptom, cause)
            return
        if _WHICH_CAUSES.search(match.group("act")):
            return  # "When X, a terminal is not allocated which can cause this message": a cause, not a fault
        outcome = _clause(match.group("act"))
        # "If the halt script is not modified, apcupsd will not ...": judged on the outcome's own
        # clause; "you cannot handle any failures" states a limit of the setup, not a fault.
        if _NEGATIVE.search(outcome) and not _YOU.match(outcome.strip()):
            symptom = _entity(out, chunk, "Symptom", outcome, max_chars)
            cond = match.group("cond").strip()
            if not faq.PROBLEM_WORDS.search(cond):
                # "when you specify the name of the master, apcupsd will be unable to resolve it": the
                # user's routine step is when the fault shows, not its cause; "If the values are the
                # same, ... won't get chunked" is how it works. The symptom stays for a following "To
                # circumvent this problem, ...".
                return
            _relate(out, chunk, "CAUSED_BY", symptom, _entity(out, chunk, "Cause", cond, max_chars))
        return
    if _ANAPHORIC_CONDITION.match(match.group("cond").strip()):
        return  # "If this happens, ..." refers to a problem named elsewhere (see heading_rule)
    if not faq.PROBLEM_WORDS.search(match.group("cond")) or _PREFERENCE.match(match.group("cond").strip()):
        return  # "If you installed from source, check ...": an instruction for a setup, not a fix for a fault
    fallback = _FALLBACK.match(match.group("cond").strip())
    symptom = heading_symptom(chunk, max_chars) if fallback else None
    if symptom is not None:
        # "If nothing works, remove all processes ...", "If the fifo does not reappear, destroy the
        # shell": the next step against the problem the question reports, not a fault of its own.
        out.mentions.append(symptom)
    else:
        symptom = _entity(out, chunk, "Symptom", match.group("cond"), max_chars)
    _remedy(chunk, symptom, act, scan, max_chars, out)


#: A condition that only says the steps before did not help.
_FALLBACK = re.compile(
    rf"^(?:nothing(?:\s+else)?\s+(?:works|helps)|none\s+of\s+(?:this|these|the\s+above)\s+(?:works|helps)|"
    rf"(?:this|that|it|the\s+above)\s+(?:still\s+)?(?:does\s+not|doesn{A}t|did\s+not|didn{A}t)\s+(?:work)|"
    # A named subject only with an outcome a step was for ("If the display does not work" is a fault).
    rf"(?:this|that|it|the\s+above|[^,]{{3,80}}?)\s+(?:still\s+)?(?:does\s+not|doesn{A}t|did\s+not|didn{A}t)\s+"
    r"(?:help|reappear|fix\s+(?:it|this|the\s+problem)))$",
    re.I,
)


def _fault_part(condition: str) -> str:
    """ "doing a `podman pull` and a "common" image cannot be pulled" -> what fails, from its first
    "and"-part that states a fault (the step before it is when it shows)."""
    parts = re.split(r"\s+and\s+", condition)
    first = next((i for i, part in enumerate(parts) if faq.PROBLEM_WORDS.search(part)), 0)
    return " and ".join(parts[first:])


_HAPPENS_TAIL = re.compile(rf"\s+{faq.HAPPENS}\s*$", re.I)


def _trailing_if_rule(chunk: ChunkInput, sentence: Sentence, max_chars: int, out: StructureResult) -> None:
    """ "<something does not work> if <condition>" -> Symptom CAUSED_BY Cause."""
    match = _TRAILING_IF.search(sentence.text)
    if not match:
        return
    subject = match.group("x").rsplit(",", 1)[-1]
    # "CA cert does not include key usage extension This can happen if ...": an error message
    # without a full stop runs into the sentence about it; the message is the symptom.
    subject = _HAPPENS_TAIL.sub("", subject)
    if re.match(r"\s*(?:otherwise|else)\b", subject, re.I):
        return  # "Otherwise screen could not restore the image if ...": what would go wrong, not what does
    if _NEGATIVE.search(subject) and not _YOU.match(subject.strip()):
        symptom = _entity(out, chunk, "Symptom", subject, max_chars)
        _relate(out, chunk, "CAUSED_BY", symptom, _entity(out, chunk, "Cause", match.group("y"), max_chars))


def _clause(text: str) -> str:
    """The first clause of a sentence part (up to a comma, semicolon or full stop)."""
    return re.split(r"[,;]|\.(?:\s|$)", text, maxsplit=1)[0]


#: "add it", "make one", "use that instead", "Try these settings": an instruction whose object is only
#: a pronoun or a pointer at what follows names no fix; nor does "try to work around" with no object.
_PRONOUN_FIX = re.compile(
    r"^\s*(?:please\s+|simply\s+|just\s+|then\s+)*[a-z-]+\s+(?:(?:it|this|that|these|those|them|one|so)"
    r"|(?:these|those)\s+(?:settings?|options?|steps?|instructions?|commands?|lines?|changes?|suggestions?|tips?)"
    r"|the\s+following\s+[a-z]+)"
    r"(?:\s+(?:instead|again|too|also|first|then|now|here|there))*\s*[.!:]?\s*$"
    r"|^.*\bwork\s+around\s*[.!]?\s*$"
    # "Check all of the questions stated above", "Repeat the steps listed above": the fixes are up there
    r"|^\s*(?:please\s+)?[a-z-]+\s+(?:all\s+(?:of\s+)?)?(?:the|these|those)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:questions|steps|items|points|instructions|suggestions|checks|hints|tips)\s+"
    r"(?:(?:stated|listed|given|described|mentioned|shown)\s+)?above\s*[.!]?\s*$",
    re.I,
)
#: "Look at the documentation of screen", "Refer to the upsd manpages", "use an init script such as the
#: following": a pointer to where the fix is (another text, the block after it), not the fix.
_POINTER_FIX = re.compile(
    r"^\s*(?:please\s+)?(?:see|read|refer\s+to|consult|look\s+at|check)\s+(?:the\s+|your\s+)?(?:[\w.-]+\s+){0,3}"
    # The document is the object: "Check the manual reset valve", "the section of pipe" name parts.
    r"(?:(?:documentation|docs|man\s*pages?|manpages?|manual\s+pages?|faq|readme|website)(?:\s+(?:of|for)\s+[\w.-]+)?"
    r"|manual|(?:section|chapter)(?:\s+[\d.]+)?)"
    r"(?:\s+for\s+(?:more\s+)?(?:information|details|help))?\s*[.:]?\s*$"
    # "See below", "Proceed as follows:", "such as the following": no object before the pointer
    # ("Adjust the belt tension as shown below" has one).
    r"|^\s*(?:please\s+)?(?:[a-z-]+\s+)?(?:the\s+following|as\s+follows|(?:as\s+)?(?:shown\s+)?below)\s*[:.]?\s*$"
    r"|\b(?:such\s+as|like)\s+(?:the\s+following|(?:shown\s+)?below)\s*[:.]?\s*$"
    # "Make sure it says something like", "by running the following command": the listing after it
    # holds the fix (graph.code_lines keeps it from the rules).
    # ("Use any editor you like" and "Restart the daemon with the following option" are fixes).
    r"|\b(?:says?|looks?|reads?|shows?)\s+(?:something\s+)?like(?:\s+this)?\s*:?\s*$"
    r"|\bthe\s+following(?:\s+[\w-]+){0,2}\s*:\s*$"
    # "Run the self-test and look for the following output": what to look for is the listing after it
    # (its colon may be cut off with the listing).
    r"|\bfor\s+the\s+following(?:\s+[\w-]+){0,2}\s*[:.]?\s*$",
    re.I,
)


def pointer_fix(text: str) -> bool:
    """Whether an instruction only points elsewhere ("add it", "Refer to the manpages", "as follows").

    A check whether the fix worked ("try if the boot now works") and a plain retry ("Try initiating
    the connection again") are no fix either; "Try again with /opt/SUNWspro/bin/cc" is one.
    """
    text = _ASIDE.sub("", text)  # "add it (or uncomment it)"
    return bool(
        _PRONOUN_FIX.match(text)
        or _POINTER_FIX.search(text)
        or _DID_IT_WORK.match(text)
        or _RETRY.match(text)
    )


# "Try initiating the connection again", "Try running fetchmail -v again": a retry to see what happens.
_RETRY = re.compile(r"^\s*(?:try|retry)\s+(?:[\w-]+\s+){0,6}?again\s*[.!]?\s*$", re.I)
_DID_IT_WORK = re.compile(
    r"^\s*(?:try|see|check|test)\s+(?:if|whether)\b.*\b(?:works?|helps?|worked|helped)\b", re.I
)


def _remedy(
    chunk: ChunkInput, problem: Mention | None, text: str, scan: Scanner, max_chars: int, out: StructureResult
) -> None:
    parts = split_remedies(text, bare_and=answer_start(chunk) > 0)
    if len(parts) > 1:
        for part in parts:
            _remedy(chunk, problem, part, scan, max_chars, out)
        return
    if pointer_fix(text) or pointer_fix(concise_name(text) or ""):
        return  # judged on the name too: "Try these settings" cut from "Try these settings (...) ..."
    action = _entity(out, chunk, "Action", text, max_chars)
    _relate(out, chunk, "REMEDIED_BY", problem, action)
    for found in scan(text, chunk.chunk_id):
        if found.label in _TARGETS:
            out.mentions.append(found)
            _relate(out, chunk, _TARGETS[found.label], action, found)


# "Before you start screen: " / "From within screen, ": when the instruction after it applies.
_STEP_LEAD = re.compile(
    r"^(?:(?:before|after|from\s+within|within|inside)\s+[^:,]{3,60}[:,]\s+"
    # "First, check the breaker", "Finally: reinstall the driver": a step's place in the row of them
    r"|(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|next|finally|lastly)\s*[,:]\s+)(?=[A-Za-z])",
    re.I,
)
_NAMES_MESSAGE = re.compile(r"^\s*(?:this|that|the)\s+(?:error|message|warning)\b", re.I)
_MEANS = re.compile(
    r"^\s*(?:it|this|that)(?:\s+(?:error|message|warning))?\s+(?:usually\s+|normally\s+|probably\s+)?"
    r"(?:means|indicates)\s+(?:that\s+)?(?P<y>.{3,300}?)\.?$",
    re.I | re.S,
)
# A short opening phrase before the first comma ("By default,", "In most cases,"): not the cause.
_ADVERBIAL_LEAD = re.compile(
    r"^(?:by|in|on|for|at|under|with|as|usually|normally|generally|basically)\b[^,]{0,25},\s+", re.I
)
_WHICH_CAUSES = re.compile(
    r"\bwhich\s+(?:(?:can|may|might|could|will|then|often)\s+)*(?:cause|causes|leads? to)\b", re.I
)
_CAUSES_THIS_MESSAGE = re.compile(
    r"^(?P<y>[^;]{3,200}?),?\s+which\s+(?:(?:can|may|might|could|will|often|then)\s+)*(?:cause|causes|leads?\s+to|"
    r"triggers?|produces?)\s+(?:this|that|the\s+above)\s+(?:message|error|problem|warning|behaviou?r|failure|crash)"
    r"\b",
    re.I,
)
_ADVERBIAL_CONDITION = re.compile(r"^(?:when|whenever|if|on|in)\s+[^,]{3,80},\s+", re.I)
# "If you do not mind your password being echoed, ...": a preference, not a fault.
_PREFERENCE = re.compile(rf"^you\s+(?:do\s+not|don{A}t)\s+(?:mind|care|need|want)\b", re.I)
PROMPT = re.compile(r":\s*<[a-z -]+>", re.I)
# "If this happens, ...", "If not, make one": the condition points back at something said before.
#: "this happens", "it still fails", "so": a condition that only says the problem at hand occurs.
_RECURS = re.compile(
    rf"^(?:(?:this|that|it|they)\s+(?:still\s+|again\s+)?(?:happens?|occurs?|persists?|is\s+the\s+case|fails?|"
    rf"(?:does|do)\s+not\s+work|(?:doesn|don){A}t\s+work)"
    # "If this happens again / still happens after a reboot / occurs frequently": when or how often, not
    # which case ("If it happens with the old driver" narrows the problem to a cause).
    r"(?:\s+(?:again|still|anyway|too|frequently|often|repeatedly|regularly|constantly|occasionally|"
    r"sometimes|afterwards|every\s+time|all\s+the\s+time|as\s+well|(?:even\s+)?(?:after|during|at|on)\s+[^,]{2,60}))*"
    r"|so)\s*$",
    re.I,
)
_ANAPHORIC_CONDITION = re.compile(r"^(?:this|it|that|they|these|those)\b|^(?:not|so)\s*(?:,|$)", re.I)
_MODAL = re.compile(
    r"^you\s+(?:can|could|should|may|might|must|need to|have to|will need to|will have to)\s+(?:then\s+)?",
    re.I,
)
_YOU = re.compile(r"^(?:thus,?\s+|so,?\s+)?you\b", re.I)


#: A section title that names a kind of problems ("Common problems", "Hardware specific problems",
#: "Functionality Problems"): its fixes belong to the problems its text states, none is "common
#: problems" (the seen sets' labels never file one under such a title).
_CATEGORY = re.compile(
    r"^\W*(?:(?!(?:has|have|had|is|are|was|were|gets?|got|causes?|caused|i|we|my|still|more|no)\b)"
    r"[\w/+-]+\s+){0,3}(?:problems|issues|troubles)\W*$",
    re.I,
)


def heading_symptom(chunk: ChunkInput, max_chars: int) -> Mention | None:
    """The innermost heading as a Symptom when it reports a problem ("Pump won't start", FAQ questions).

    How-to questions ("How do I convert RAID5 to RAID10?") report none (see :mod:`graph.faq`).
    """
    message = _announced_message(chunk)
    if message is not None:  # "When I try to run sudo via ssh, I get an error:" + the message
        name = concise_name(message)
        if name is None:
            return None
        return make_mention("Symptom", name, chunk.chunk_id, source="heading", max_chars=max_chars)
    heading = faq.item_heading(chunk.heading_path) if chunk.heading_path else ""
    category = _CATEGORY.match(faq.strip_item_label(heading))
    question = faq.question_problem(heading) if heading and not category else None
    if question is None:
        return None
    because = _because(question.symptom)
    title = because[0] if because else question.symptom
    name = concise_name(title)
    if name is None:
        return None
    return make_mention("Symptom", name, chunk.chunk_id, source="heading", max_chars=max_chars)


def _announced_message(chunk: ChunkInput) -> str | None:
    """The message a heading such as "When I run X I get the following error:" announces."""
    if not chunk.heading_path or not faq.announces_message(faq.item_heading(chunk.heading_path)):
        return None
    return faq.quoted_message(chunk.text)


def heading_facts(chunk: ChunkInput, symptom: Mention | None, max_chars: int) -> StructureResult:
    """What a problem heading states by itself: "X fails because Y" -> X CAUSED_BY Y."""
    out = StructureResult([], [])
    question = faq.question_problem(faq.item_heading(chunk.heading_path)) if symptom is not None else None
    because = _because(question.symptom) if question else None
    if because:
        cause = _entity(out, chunk, "Cause", because[1], max_chars)
        if cause is not None:
            out.mentions.append(symptom)
            _relate(out, chunk, "CAUSED_BY", symptom, cause)
    return out


def is_why_question(chunk: ChunkInput) -> bool:
    """Whether the innermost heading asks why a problem happens (its answer opens with the cause)."""
    question = faq.question_problem(faq.item_heading(chunk.heading_path)) if chunk.heading_path else None
    return bool(question and question.why)


# "Repair usually works for recovering data", "Check boxes are ...": the verb-like first word is the
# subject of the sentence, not an instruction.
_NOUN_SUBJECT = re.compile(
    r"^\s*[a-z-]+\s+(?:(?:usually|always|often|never|sometimes|also|only|normally)\s+)?"
    r"(?:is|are|was|were|works|worked|does|did|has|had|can|will|may|might|should|would|must|seems|fails)\b",
    re.I,
)


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
    text = faq.answer_text(sentence.text.strip())  # "A: Check with 'stty -a' ..." opens with "Check"
    text = _STEP_LEAD.sub("", text)  # "Before you start screen: Check with ..."
    if len(text) > _MAX_RULE_SENTENCE_CHARS:
        return
    # "This means X" further down an answer explains the sentence before it, not the heading; "This
    # error indicates X" still names the heading's error.
    means = _MEANS.match(text)
    if means and not _opens_answer(chunk, sentence) and not _NAMES_MESSAGE.match(text):
        means = None
    condition = _condition(text)
    if means:
        out.mentions.append(symptom)
        _relate(out, chunk, "CAUSED_BY", symptom, _entity(out, chunk, "Cause", means.group("y"), max_chars))
    elif condition and _ANAPHORIC_CONDITION.match(condition.group("cond").strip()):
        # Only "If this happens / If so, <fix>" is about the heading's problem; "If it's over 600",
        # "If they are the same", "If not" narrow it to a cause the sentence before names.
        if _first_word(condition.group("act")) in _IMPERATIVES and _RECURS.match(condition.group("cond").strip()):
            out.mentions.append(symptom)
            _remedy(chunk, symptom, condition.group("act"), scan, max_chars, out)
    elif (
        not condition
        and _first_word(text) in _IMPERATIVES
        and not text.endswith("?")
        and not PROMPT.search(text)
        and not _NOUN_SUBJECT.match(text)
    ):
        out.mentions.append(symptom)
        _remedy(chunk, symptom, text, scan, max_chars, out)


def answer_rule(
    chunk: ChunkInput,
    sentence: Sentence,
    previous: Sentence | None,
    problem: Mention | None,
    why_first: bool,
    scan: Scanner,
    max_chars: int,
    out: StructureResult,
) -> None:
    """Causes and fixes stated by an answer (see :mod:`graph.faq`).

    Args:
        chunk: the chunk.
        sentence: one of its sentences.
        previous: the sentence before it ("The reason for this is ..." explains that one).
        problem: what the answer is about: the chunk's last prose symptom, else its problem heading.
        why_first: the sentence opens the answer to a "Why ...?" question (it states the cause).
        scan: finds identifiers and lexicon terms.
        max_chars: longest entity name kept.
        out: receives mentions and relations.
    """
    text = sentence.text.strip()
    if len(text) > _MAX_RULE_SENTENCE_CHARS or faq.RESOLVED.search(text):
        return
    if previous is not None and _no_branch(chunk, sentence, previous, scan, max_chars, out):
        return
    reason = faq.reason_cause(text)
    setting = previous is not None and _setting_without_fault(faq.answer_text(previous.text.strip()))
    if reason is not None and setting:
        return  # "On machines which don't have a default route, ... The reason is that ...": its reason
    if reason is not None:
        subject = _problem_sentence(out, chunk, previous, max_chars) or problem
        _use(out, subject)
        _relate(out, chunk, "CAUSED_BY", subject, _entity(out, chunk, "Cause", reason, max_chars))
        return
    if problem is None:
        return
    if _enumerated_cause(chunk, sentence, problem, max_chars, out):
        return
    # Only after a fault already named: "This usually happens when ..." may follow any remark.
    happens = faq.happens_cause(text) or faq.one_cause(text)
    if happens is None and problem.source == "heading":
        # "If you are not using pam ..., it is possible that sudo didn't properly detect ...": only
        # of the problem the question reports (after a prose symptom it may be another's cause).
        happens = faq.possible_cause(text)
    if happens is not None:
        _use(out, problem)
        _relate(out, chunk, "CAUSED_BY", problem, _entity(out, chunk, "Cause", happens, max_chars))
        return
    causes_this = _CAUSES_THIS_MESSAGE.match(text)
    if causes_this and problem.source == "heading":
        # "When running a command via ssh, a terminal is not allocated by default which can cause this
        # message": what it names causes the message the heading reports.
        cause = _ADVERBIAL_CONDITION.sub("", causes_this.group("y"))
        _use(out, problem)
        _relate(out, chunk, "CAUSED_BY", problem, _entity(out, chunk, "Cause", cause, max_chars))
        return
    fix = faq.solution_remedy(text)
    if fix is not None and PROMPT.search(fix[0]):
        return  # "Enter new password: <return>": a transcript of prompts, no fix
    if fix is not None:
        remedy, needs_imperative = fix
        if not needs_imperative or _first_word(remedy) in _IMPERATIVES:
            _use(out, problem)
            _remedy(chunk, problem, remedy, scan, max_chars, out)
        return
    offered = faq.offered_remedy(text) if problem.source == "heading" else None
    if offered is not None and not PROMPT.search(offered):
        _use(out, problem)
        _remedy(chunk, problem, offered, scan, max_chars, out)
        return
    if problem.source == "heading" and not why_first and _opens_answer(chunk, sentence):
        declared = faq.declared_cause(text)
        if declared is not None and not restates(declared, problem.name):
            # "Your POP3 server is broken." under "Fetchmail fails with 'invalid command'": the
            # answer's opening statement of what is at fault is the cause.
            _use(out, problem)
            _relate(out, chunk, "CAUSED_BY", problem, _entity(out, chunk, "Cause", declared, max_chars))
            return
    if why_first and problem.source == "heading" and _declarative(text):
        means = _MEANS.match(faq.answer_text(text))  # "This means that Y" opens many answers
        # "Alternatively, the motor may ...": the place in a row of causes is no part of the cause
        answer = re.sub(rf"^{faq.ORDINAL_LEAD}", "", faq.answer_text(text), flags=re.I)
        lead = _ADVERBIAL_LEAD.match(answer)
        if lead and not means:  # "By default, sudo runs commands with a new, minimal environment."
            answer = answer[lead.end() :]
            cause = answer if len(answer.split()) <= MAX_FACT_NAME_WORDS else _clause(answer)
        else:
            cause = means.group("y") if means else _clause(answer)
        _use(out, problem)
        _relate(out, chunk, "CAUSED_BY", problem, _entity(out, chunk, "Cause", cause, max_chars))


#: "If not, there may be a wiring fault", "If not, replace the fuse": the branch for a "No" to the question
#: before ("Does the lamp light?").
_IF_NOT = re.compile(
    rf"^\s*if\s+(?:not|it\s+(?:does|is|did)(?:\s*n{A}t|\s+not))\s*,?\s+(?P<act>.{{3,300}}?)[.!]?\s*$",
    re.I | re.S,
)
_THERE_MAY_BE = re.compile(
    r"^\s*there\s+(?:may|might|could)\s+(?:well\s+)?be\s+(?P<y>.{3,200})$", re.I | re.S
)


def _no_branch(
    chunk: ChunkInput,
    sentence: Sentence,
    previous: Sentence,
    scan: Scanner,
    max_chars: int,
    out: StructureResult,
) -> bool:
    """ "Does the lamp light? If not, <cause or fix>": the question's failed state is the symptom."""
    branch = _IF_NOT.match(sentence.text)
    state = failed_state(previous.text) if branch else None
    if state is None:
        return False
    act = branch.group("act")
    if _first_word(act) in _IMPERATIVES:
        symptom = _entity(out, chunk, "Symptom", state, max_chars)
        _use(out, symptom)
        _remedy(chunk, symptom, act, scan, max_chars, out)
        return True
    there = _THERE_MAY_BE.match(act)
    cause = there.group("y") if there else faq.possible_cause(act) or faq.declared_cause(act)
    if cause is None:
        return False
    symptom = _entity(out, chunk, "Symptom", state, max_chars)
    _use(out, symptom)
    _relate(out, chunk, "CAUSED_BY", symptom, _entity(out, chunk, "Cause", cause, max_chars))
    return True


#: "There are two basic reasons why a request may go unanswered.", "there are several possible causes":
#: the causes follow, one a sentence; "why X" names what they cause.
_ANNOUNCED_CAUSES = re.compile(
    r"\bthere\s+(?:are|is)\s+(?:two|three|four|five|several|a\s+few|\d+)\s+"
    r"(?:(?:basic|possible|likely|main|common|usual|typical|further|other|different)\s+)?"
    r"(?:reasons|causes|possibilities|explanations)(?:\s+(?:why|for\s+which)\s+(?P<x>[^.:;?!]{3,150}))?",
    re.I,
)
_EITHER = re.compile(r"^\s*either\s+(?P<a>[^;]{3,200}?),?\s+or\s+(?P<b>[^;]{3,200}?)[.!]?\s*$", re.I | re.S)
_CAUSE_ORDINAL = re.compile(
    r"^\s*(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|alternatively|alternately|finally|lastly)\s*,\s+(?P<y>.{3,300}?)[.!]?\s*$",
    re.I | re.S,
)


def _enumerated_cause(
    chunk: ChunkInput, sentence: Sentence, problem: Mention, max_chars: int, out: StructureResult
) -> bool:
    """After "There are two basic reasons why X." in the answer: "Either A, or B" and "Alternatively,
    <statement>" / "Finally, it may be that Y" state causes of X (of ``problem`` when no X is named)."""
    announced = list(_ANNOUNCED_CAUSES.finditer(chunk.text, answer_start(chunk), sentence.start))
    if not announced:
        return False
    what = announced[-1].group("x")
    if what is None and re.search(r"\b(?:further|other)\b", announced[-1].group(0), re.I):
        # "There are three further possibilities to consider:" goes on with the causes of the X before
        what = next((m.group("x") for m in reversed(announced[:-1]) if m.group("x")), None)
    text = faq.answer_text(sentence.text.strip())
    either = _EITHER.match(text)
    ordinal = _CAUSE_ORDINAL.match(text)
    named = faq.possible_cause(text) or faq.one_cause(text)
    if named is not None:
        causes = [named] if what is not None else []  # without an X the cue's own rule reads it
    elif either:
        causes = [either.group("a"), either.group("b")]
    elif ordinal and _statement(ordinal.group("y")):
        causes = [ordinal.group("y")]
    else:
        causes = []
    if not causes:
        return False
    symptom = (_entity(out, chunk, "Symptom", what, max_chars) if what else None) or problem
    _use(out, symptom)
    for cause in causes:
        _relate(out, chunk, "CAUSED_BY", symptom, _entity(out, chunk, "Cause", cause, max_chars))
    return True


def _statement(text: str) -> bool:
    """A plain statement about a named subject: no instruction, advice, condition, pronoun or question."""
    return (
        len(text.split()) >= 4
        and not text.endswith("?")
        and _first_word(text) not in _IMPERATIVES | {"see", "read", "if", "when", "whenever", "unless"}
        and not _YOU.match(text)
        and not re.match(r"(?:it|this|that|they|these|those|there|here|we|i)\b", text, re.I)
    )


#: An FAQ item's question written in the chunk's text above its answer ("Q: ...", "Question: ...").
_QUESTION_LEAD = re.compile(r"^\s*(?:Q|Question)\s*\d*(?:\.\d+)*\s*[:.)]\s+\S", re.I)
ANSWER_LABEL = re.compile(r"^[ \t]*(?:A|Answer)\s*\d*\s*[:.)][ \t]", re.I | re.M)


def answer_start(chunk: ChunkInput) -> int:
    """Where the answer starts in a chunk that opens with its item's question ("Q: ... A: ..."), else 0.

    The question is the chunk's heading: its sentences are no part of the answer (its "when I
    try to connect, ..." is no condition, its "Start screen emacs" no instruction).
    """
    text = chunk.text or ""
    if not _QUESTION_LEAD.match(text):
        return 0
    label = ANSWER_LABEL.search(text)
    if label is not None:
        return label.start()
    blank = re.search(r"\n\s*\n", text)
    return blank.end() if blank else 0


def _opens_answer(chunk: ChunkInput, sentence: Sentence) -> bool:
    """Whether ``sentence`` opens the chunk's answer.

    The first sentence does; so does the next one when all before it is one line restating the
    problem with a pronoun subject ("It just says \"Sorry, try again.\" three times and exits.").
    """
    before = chunk.text[answer_start(chunk) : sentence.start].strip()
    before = re.sub(
        r"^(?:A|Answer)\s*\d*\s*[:.)]", "", before, flags=re.I
    ).strip()  # the label, cut off the sentence
    if _announced_message(chunk) is not None:
        before = before.partition("\n\n")[2].strip()  # the quoted message comes before the answer
    heading = " ".join(faq.item_heading(chunk.heading_path).split()) if chunk.heading_path else ""
    if heading and " ".join(before.split()) == heading:
        return True  # a numbered FAQ's chunk repeats its question above the answer ("15. When ...")
    if not before:
        return True
    return "\n" not in before and bool(_RESTATEMENT.match(before)) and before.endswith((".", "!"))


_RESTATEMENT = re.compile(
    r"^(?:it|they|this|that)\s+(?:just\s+|only\s+|still\s+|then\s+|simply\s+)?[a-z]+s\b", re.I
)
_CONTENT = re.compile(r"[a-z0-9]{3,}")
_STOP = frozenset("the and you your not does doesn don isn won can cannot with for this that are was".split())


def restates(cause: str, symptom: str) -> bool:
    """Whether ``cause`` mostly repeats the words of ``symptom`` (the problem said again, no cause)."""
    words = set(_CONTENT.findall(normalize_text(cause))) - _STOP
    said = set(_CONTENT.findall(normalize_text(symptom))) - _STOP
    return not words or len(words & said) >= 0.5 * len(words)


def _use(out: StructureResult, mention: Mention | None) -> None:
    if mention is not None and mention not in out.mentions:
        out.mentions.append(mention)


def _problem_sentence(
    out: StructureResult, chunk: ChunkInput, sentence: Sentence | None, max_chars: int
) -> Mention | None:
    """The sentence before "The reason for this is ..." as the symptom, when it states a problem."""
    if sentence is None or not faq.PROBLEM_WORDS.search(sentence.text) or sentence.text.strip().endswith("?"):
        return None
    return _entity(out, chunk, "Symptom", sentence.text, max_chars)


def _declarative(text: str) -> bool:
    # The first sentence of a "why" answer, unless it points elsewhere ("See ...", "Please read ...").
    text = faq.answer_text(text)
    return (
        text[:1].isalpha()
        and not text.endswith("?")
        and len(text.split()) >= 4
        and _first_word(text) not in _IMPERATIVES | {"see", "read"}
        and not _YOU.match(text)
        and not _POINTS_BACK.match(text)
        and not _SOME_REASONS.match(text)
    )


# "This is the other side of the previous question.": the answer refers elsewhere, names no cause.
_POINTS_BACK = re.compile(
    r"^(?:this|that|it)(?:\s+is|\s+was|'s)\s+(?:the\s+)?(?:other|same|opposite|reverse)\b", re.I
)


_AND_IMPERATIVE = re.compile(r",\s+(?:and\s+(?:then\s+)?|then\s+)(?=(?P<verb>[a-z]+)\b)", re.I)


def split_remedies(text: str, bare_and: bool = False) -> list[str]:
    """ "ensure X, and run Y", "set X, then restart Y" -> two fixes (each part starts with an imperative).

    With ``bare_and`` (a "Q: ... A: ..." item's answer), also without the comma ("detach your session
    for each transfer and start the program from the shell"): the sentence must open with an
    instruction and each part be at least three words long, so "check and fix the cable" stays one
    (dev: in sudo's prose, the split doubled fixes filed under the wrong problem).
    """
    parts, start = [], 0
    for match in _AND_IMPERATIVE.finditer(text):
        if match.group("verb").lower() in _IMPERATIVES:
            parts.append(text[start : match.start()])
            start = match.end()
    if bare_and and not parts and _first_word(text) in _IMPERATIVES:
        for match in _BARE_AND_IMPERATIVE.finditer(text):
            before, after = text[start : match.start()], text[match.end() :]
            if (
                match.group("verb").lower() in _IMPERATIVES
                and len(before.split()) >= 3
                and len(after.split()) >= 3
            ):
                parts.append(before)
                start = match.end()
    return [piece for part in [*parts, text[start:]] for piece in _checks_each(part)]


#: "Make sure X, and that Y", "Verify that X and that Y": two checks, the second of the same verb.
_CHECK_LEAD = re.compile(r"^\s*(?P<verb>make\s+sure|ensure|verify|check|confirm)\s+(?:that\s+)?", re.I)
_AND_THAT = re.compile(r",?\s+and\s+that\s+", re.I)


def _checks_each(part: str) -> list[str]:
    lead = _CHECK_LEAD.match(part)
    if lead is None:
        return [part]
    pieces = _AND_THAT.split(part)
    return [pieces[0], *(f"{lead.group(0).strip()} {piece}" for piece in pieces[1:])]


_BARE_AND_IMPERATIVE = re.compile(r"\s+and\s+(?:then\s+)?(?=(?P<verb>[a-z]+)\b)")


#: A step that is a shell command ("1. # cd /etc/mail", "2. $ make install").
_COMMAND_STEP = re.compile(r"^\s*(?:\d+[.)]|[a-z][.)])\s+[#$%>]\s", re.M)


def steps_are_fixes(chunk: ChunkInput, text: str, max_chars: int) -> bool:
    """Whether a numbered procedure's steps (``text``, the chunk's) read as fixes of a problem.

    Only under a heading that reports one: elsewhere steps are instructions, and the clause rules
    would read their asides as causes ("Do not exceed 80 percent of the rated capacity due to the
    reduction in run time"). A recipe of shell commands ("1. # cd /etc/mail", "2. # cp sendmail.mc
    ...", "3. Edit ...") carries out a fix named elsewhere (a sentence before it, often in another
    chunk): its steps are no fixes of their own.
    """
    return not _COMMAND_STEP.search(text) and heading_symptom(chunk, max_chars) is not None


def list_rule(chunk: ChunkInput, problem: Mention | None, scan: Scanner, max_chars: int) -> StructureResult:
    """Lists in answers (see :mod:`graph.faq`).

    "Common causes for X are:" + one cause a line -> X CAUSED_BY each, "(check Z)" -> cause
    REMEDIED_BY Z; "If X, check the following:" + yes/no questions -> X CAUSED_BY each question's
    cause (:mod:`graph.checklist`; ``problem`` when no X is named); "There are two ways to solve
    this:" + "(a) ...", "(b) ..." -> ``problem`` REMEDIED_BY each (its first clause that opens with an
    imperative).
    """
    out = StructureResult([], [])
    if problem is not None:
        for item in faq.options(chunk.text):
            clauses = [c for c in re.split(rf"\s*[,;]\s+|\s+{DASH}\s+", item) if c.strip()]
            fix = next((c for c in clauses if _first_word(c) in _IMPERATIVES), clauses[0] if clauses else "")
            _use(out, problem)
            _remedy(chunk, problem, fix, scan, max_chars, out)
    for listed in faq.cause_list(chunk.text):
        anaphoric = _ANAPHORIC_CONDITION.match(listed.problem)  # "Common causes for this are:"
        symptom = problem if anaphoric else _entity(out, chunk, "Symptom", listed.problem, max_chars)
        _use(out, symptom)
        cause = _entity(out, chunk, "Cause", listed.cause, max_chars)
        _relate(out, chunk, "CAUSED_BY", symptom, cause)
        if listed.check and cause is not None:
            _relate(out, chunk, "REMEDIED_BY", cause, _entity(out, chunk, "Action", listed.check, max_chars))
    for checklist in checklists(chunk.text):
        symptom = (
            _entity(out, chunk, "Symptom", checklist.problem, max_chars) if checklist.problem else problem
        )
        _use(out, symptom)
        for cause in checklist.causes:
            _relate(out, chunk, "CAUSED_BY", symptom, _entity(out, chunk, "Cause", cause, max_chars))
    for listed in checks(chunk.text):
        symptom = _entity(out, chunk, "Symptom", listed.problem, max_chars) if listed.problem else problem
        if symptom is None:
            continue
        _use(out, symptom)
        for fix in listed.fixes:
            _relate(out, chunk, "REMEDIED_BY", symptom, _entity(out, chunk, "Action", fix, max_chars))
    return out


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
        problem = heading_symptom(chunk, max_chars)
        if problem is None and match.group("what"):
            # "To fix this problem" names a problem; a bare "To fix it" needs one the rules read
            # (the seen NUT FAQ: a long question cut to "5. upsc, upsstats" got a fix).
            problem = _entity(
                out, chunk, "Symptom", faq.strip_item_label(faq.item_heading(chunk.heading_path)), max_chars
            )
        _use(out, problem)
    for part in re.split(r",?\s+or,?\s+alternatively,?\s+|\s+or alternatively\s+", match.group("act")):
        _remedy(chunk, problem, part, scan, max_chars, out)


#: "To fix this, ...", "... to prevent this by ...": a fix of what the sentence before states ("this
#: problem" is the problem at hand; a workaround works around the symptom, not the cause).
_FIXES_THAT = re.compile(
    r"\bto\s+(?:fix|solve|resolve|correct|prevent|avoid|cure|remedy)\s+(?:this|that|it)\b"
    r"(?!\s+(?:problem|issue|error|message|symptom|fault|behaviou?r|condition))",
    re.I,
)


# "There can be various reasons.": says that there are causes, names none.
_SOME_REASONS = re.compile(
    r"^there\s+(?:can|could|may|might)\s+be\b|^there\s+are\s+(?:various|several|many|multiple|a\s+few|a\s+number)\b"
    # "There are three basic possibilities:", "Again, there are two possible reasons for this": announces
    # the causes that follow, names none of them
    r"|^(?:[a-z]+\s*,\s*)?there\s+(?:are|is)\s+(?:(?:two|three|four|five|\d+|one|some|other|further|several)\s+)"
    r"(?:[a-z]+\s+){0,2}?(?:reasons?|causes?|possibilit(?:y|ies)|explanations?|cases|scenarios)\b",
    re.I,
)


def causes_of(result: StructureResult) -> list[tuple[Mention, str]]:
    """The causes ``result`` states, each with the key of what it causes (CAUSED_BY tails and heads)."""
    found = []
    for relation in result.relations:
        if relation.type == "CAUSED_BY":
            cause = next((m for m in result.mentions if m.key == relation.tail and m.label == "Cause"), None)
            if cause is not None:
                found.append((cause, relation.head))
    return found


def fix_of_previous(
    chunk: ChunkInput,
    sentence: Sentence,
    previous: Sentence | None,
    previous_causes: list[tuple[Mention, str]],
    problem: Mention | None,
    max_chars: int,
    out: StructureResult,
) -> None:
    """ "<cause>. To fix this, <fix>": the fixes of ``out`` remedy that cause, not the problem at hand.

    The cause is the one the sentence before stated (``previous_causes``, from :func:`causes_of`), else
    that sentence itself when it is a statement ("In Red Hat Linux 6.x, SMTP is disabled by default. To
    fix this, set DAEMON=yes ..."); a sentence that only restates ``problem`` leaves the fixes as they
    are. Without "to fix this", a repair (no check, no workaround) right after the answer's opening
    cause of the problem its heading reports remedies that cause.
    """
    fixes = [r for r in out.relations if r.type == "REMEDIED_BY"]
    if not fixes or previous is None:
        return
    if not _FIXES_THAT.search(sentence.text):
        heading = problem is not None and problem.source == "heading"
        opening = [c for c, of in previous_causes if heading and of == problem.key]
        if opening and _opens_answer(chunk, previous) and _repairs(sentence.text):
            # "A: Screen failed to change the owner of the pty it uses. You need to install screen
            # setuid-root.", "This indicates that the login shell is not in /etc/shells. Contact your
            # administrator ...": the fix right after the answer's opening cause of the problem repairs it.
            _repoint(out, opening[-1])
        return
    cause = previous_causes[-1][0] if previous_causes else None
    if cause is None:
        text = faq.answer_text(previous.text.strip())
        lead = _ADVERBIAL_LEAD.match(text)
        text = text[lead.end() :] if lead else text
        if (
            not _declarative(text)
            or text.endswith(":")
            or _SOME_REASONS.match(text)
            or problem is not None
            and restates(text, problem.name)
        ):
            return
        if problem is None:
            return  # a cause of nothing here would hold the fix away from every symptom
        name = concise_name(text) or ""
        cause = make_mention("Cause", name, chunk.chunk_id, source="prose", max_chars=max_chars)
        if cause is None:
            return
        # the statement causes the problem at hand: without that edge its fix is unreachable from it
        _relate(out, chunk, "CAUSED_BY", problem, cause)
    _repoint(out, cause)


def _repoint(out: StructureResult, cause: Mention) -> None:
    out.mentions.append(cause)
    out.relations[:] = [
        replace(r, head=cause.key) if r.type == "REMEDIED_BY" and r.tail != cause.key else r for r in out.relations
    ]


#: A check narrows the problem down ("Check your syslog"); a workaround avoids its symptom.
_CHECKS = frozenset("check verify see look read test try examine inspect consult refer".split())


def _repairs(text: str) -> bool:
    """Whether an instruction repairs something rather than checks it or works around the symptom."""
    text = faq.answer_text(text)
    if re.match(r"\s*(?:alternatively|alternately|instead|otherwise)\b", text, re.I):
        return False  # "Alternately, you may be able to use ssh-askpass": another way around the symptom
    return faq.first_word(text) not in _CHECKS and not re.search(r"\bwork\s*around", text, re.I)


_POINTS_AT_MESSAGE = re.compile(r"^\s*(?:the\s+above|this|that|these|those)\b", re.I)


def _cause_rule(chunk: ChunkInput, sentence: Sentence, max_chars: int, out: StructureResult) -> None:
    problem = _PROBLEM_IS.search(sentence.text)
    if problem:
        symptom = _entity(out, chunk, "Symptom", f"problem with {problem.group('x')}", max_chars)
        _relate(out, chunk, "CAUSED_BY", symptom, _entity(out, chunk, "Cause", problem.group("y"), max_chars))
        return
    match = _CAUSE.search(sentence.text)
    causing = _CAUSING.search(sentence.text) if not match else None
    if causing and _POINTS_AT_MESSAGE.match(causing.group("y")):
        return  # "..., resulting in the above message (since ...)": the heading's message, named elsewhere
    if causing and faq.PROBLEM_WORDS.search(causing.group("y")):
        # "<condition>, causing <fault>": the fault is the symptom, the condition its cause
        cause_text = re.split(r"[,:;]\s", _ASIDE.sub("", causing.group("x")))[-1]
        symptom = _entity(out, chunk, "Symptom", causing.group("y"), max_chars)
        _relate(out, chunk, "CAUSED_BY", symptom, _entity(out, chunk, "Cause", cause_text, max_chars))
        return
    if not match:
        because = _because(sentence.text)
        # "Can't stat lower layer ... because it does not exist": "it" is a thing of the message, no cause.
        if because and not _PRONOUN_SUBJECT.match(because[1].strip()):
            symptom = _entity(out, chunk, "Symptom", because[0], max_chars)
            _relate(out, chunk, "CAUSED_BY", symptom, _entity(out, chunk, "Cause", because[1], max_chars))
        return
    subject = _SUBJECT_LEAD.sub("", match.group("x")).strip(" ,")
    # "the most benign and typical problem is that the listener had a momentary seizure"
    subject = _PROBLEM_IS_THAT.sub("", subject)
    subject = _TRAILING_ADVERB.sub("", subject)  # "This usually is the result of Y"
    if _ANAPHORA.match(subject):
        if not chunk.heading_path:
            return
        question = faq.question_problem(
            faq.item_heading(chunk.heading_path)
        )  # "4. Why does X fail?" -> "X fail"
        subject = question.symptom if question else faq.strip_item_label(faq.item_heading(chunk.heading_path))
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
