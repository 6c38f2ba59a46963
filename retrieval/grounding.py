"""Grounding by construction: a citation grammar for decoding and a per-sentence support check.

The answer model decodes under :func:`citation_grammar`, so every sentence it can emit ends with
one or two ``[n]`` citations of real sources (or the answer is exactly :data:`NOT_FOUND`).
:class:`SentenceStream` splits the streamed text into those sentences as they complete and
:func:`check_sentence` compares each with the sources it cites:

* every identifier (a token holding a digit — codes, numbers, part numbers, values with units —
  or an upper-case code word) must occur verbatim in a cited source; ``ZEBRA-4412`` against a
  source that says ``ZEBRA-4411`` fails;
* enough of the sentence's content words (stemmed) must occur in the cited sources.

Both checks are lexical on purpose: they are cheap enough to run per sentence while the answer
streams, deterministic, and explainable ("'4412' is not in [1]").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from .prompt import NOT_FOUND, NOT_FOUND_IN
from .table_rows import wrong_row
from .terms import CJK, content_terms, identifiers, missing_identifiers, squash

# Sentences end with citations then "." or "。". Inside a sentence a "." may only join digits
# (3.5 bar, 0.0.0.0, 3.10.14) or sit in a `code span` (`apcupsd.conf`), and after {max_chars}
# characters the only way on is a citation. After a number the full stop may come first, if a
# citation follows at once ("… H-310. [1]", shown as "… H-310 [1]."). What each looser rule did:
# "." before any letter: the model ended sentences uncited and glued the next one on
# ("seal._replace"); "." before any digit: "file.2) Remove …", "problem.1.1.1 Upgrade …" (most
# troubleshooting answers that listed causes); a full stop first after a word: "X. [2] suggests
# that Y" (the cite was the next sentence's subject; 8 of 76 dev answers). With "." only between
# single digits, 0.0.0.0 could not be written and a model that wanted to stop after a number
# wrote "323.000.000…"; a number still takes at most three dots ("2.4.0.2.2.2.2…", 1 of 76).
_GRAMMAR = r"""
root ::= {root}
notfound ::= "{not_found}"
answer ::= sentence (sep sentence){{0,{more}}}
sep ::= " " | "\n" | "\n\n"
sentence ::= lead? char char char rest{{0,{max_chars}}} (cites end | [0-9] "." cites)
lead ::= "- " | [1-9] ") "
char ::= [^\[\]\n.。`]
rest ::= char | [0-9] ("." [0-9]+){{1,3}} | "`" [^`\n\[\]]{{1,80}} "`"
cites ::= " "? "[" num "]" (" "? "[" num "]")?
end ::= "." | "。"
num ::= {numbers}
"""

_CITATION = re.compile(r"\[(\d{1,3})\]")
# Chosen on dev (session 8): of the model's 11 refusals of answerable questions, 4 had cards holding
# half the question's words or more (and key facts); the one unanswerable question it refused, .17.
REFUSAL_MIN_COVERAGE = 0.5
_CODE_OR_OPTION = re.compile(r"`[^`]+`|(?<![\w-])--?[a-z][\w-]*")  # `upsc -l`, -t, --force
# A list item's marker ("2) ", "- ") is layout, not a number the sources must contain.
_LIST_LEAD = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_SENTENCE_END = re.compile(r"((?:\s?\[\d{1,3}\])+)\s?([.。])")


@dataclass(frozen=True)
class SupportConfig:
    """How strict the sentence check is.

    Attributes:
        min_content_support: share of a sentence's content words that must occur in its cited
            sources (stemmed).
        min_content_words: sentences with fewer content words are judged on identifiers only.
        recite: move a citation to the one other source that supports the sentence.
    """

    min_content_support: float = 0.6
    min_content_words: int = 2
    recite: bool = True


@dataclass(frozen=True)
class SentenceCheck:
    """The verdict on one sentence of an answer."""

    index: int
    text: str
    cited: tuple[int, ...]
    supported: bool
    support: float  # share of content words found in the cited sources
    missing_identifiers: tuple[str, ...] = ()
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "cited": list(self.cited),
            "missing_identifiers": list(self.missing_identifiers),
        }


def citation_grammar(
    source_count: int,
    max_sentences: int = 8,
    max_chars: int = 400,
    *,
    may_refuse: bool = True,
    not_found: str = NOT_FOUND,
) -> str:
    """GBNF that makes every sentence cite one of ``source_count`` sources.

    Args:
        source_count: numbered sources in the prompt (at least 1).
        max_sentences: sentences the answer may have.
        max_chars: characters a sentence may run before it must cite.
        may_refuse: whether the answer may be the refusal instead of cited sentences.
        not_found: the refusal's exact text (:data:`NOT_FOUND`, or its version in another language).

    Returns:
        Grammar text with a ``root`` rule, for the model server's ``grammar`` field.
    """
    if source_count < 1:
        raise ValueError("a citation grammar needs at least one source")
    numbers = " | ".join(f'"{n}"' for n in range(1, source_count + 1))
    return _GRAMMAR.format(
        root="notfound | answer" if may_refuse else "answer",
        not_found=not_found,
        more=max(max_sentences - 1, 0),
        numbers=numbers,
        max_chars=max_chars,
    )


# "….[1]" / "…. [1] [2]" (the grammar's second way to end a sentence) is shown as "… [1]." so the
# sentence splitter, the checks and the reader see one form.
_PERIOD_FIRST = re.compile(r"\.((?: ?\[\d{1,3}\]){1,2})")
# What may still follow a "." at the end of the text received so far and turn out to be its cites.
_CITES_PENDING = re.compile(r"(?: ?\[\d{1,3}\])?(?: ?(?:\[\d{0,3})?)?")


def _cites_first(text: str) -> str:
    return _PERIOD_FIRST.sub(lambda m: " " + m.group(1).lstrip() + ".", text)


def cites_before_period(deltas: Iterable[str]) -> Iterator[str]:
    """Pass streamed text on with "X. [1]" turned into "X [1].", holding back only an open "."."""
    pending = ""
    for delta in deltas:
        pending += delta
        cut = pending.rfind(".")
        if cut >= 0 and _CITES_PENDING.fullmatch(pending[cut + 1 :]):
            ready, pending = pending[:cut], pending[cut:]
        else:
            ready, pending = pending, ""
        ready = _cites_first(ready)
        if ready:
            yield ready
    if pending:
        yield _cites_first(pending)


def question_coverage(question: str, text: str) -> float:
    """The share of the question's content words (stemmed) that ``text`` holds."""
    wanted = content_terms(question)
    return len(wanted & content_terms(text)) / len(wanted) if wanted else 0.0


def is_refusal(text: str) -> bool:
    """Whether the answer is (or contains) the "not in the documents" sentence, in any language."""
    lowered = text.lower()
    return NOT_FOUND.lower()[:30] in lowered or any(t[:10] in text for t in NOT_FOUND_IN.values())


def source_texts(sources: Iterable[Mapping[str, Any]]) -> dict[int, str]:
    """Source number -> what the model saw of it: label (title, page, heading) and text.

    What the model copies from a label (a model number in the title) counts as supported too.
    """
    return {s["number"]: f"{s['label']}\n{s['text']}" for s in sources}


def cited_numbers(text: str) -> tuple[int, ...]:
    return tuple(dict.fromkeys(int(n) for n in _CITATION.findall(text)))


@dataclass
class SentenceStream:
    """Collects streamed text and hands out each sentence once its citations and end are in."""

    buffer: str = ""

    def feed(self, delta: str) -> list[str]:
        self.buffer += delta
        done: list[str] = []
        while (match := _SENTENCE_END.search(self.buffer)) is not None:
            done.append(self.buffer[: match.end()].strip())
            self.buffer = self.buffer[match.end() :]
        return done

    def rest(self) -> str:
        """Text after the last complete sentence (a cut-off answer); empties the buffer."""
        rest, self.buffer = self.buffer.strip(), ""
        return rest


def split_sentences(text: str) -> list[str]:
    stream = SentenceStream()
    sentences = stream.feed(text)
    rest = stream.rest()
    return [*sentences, rest] if rest else sentences


def check_sentence(
    index: int,
    sentence: str,
    sources: Mapping[int, str],
    config: SupportConfig = SupportConfig(),
    *,
    question: str = "",
) -> SentenceCheck:
    """Check one sentence against the text of the sources it cites.

    A sentence its own sources do not support, but one other numbered source fully does (every
    code and number, enough of its words), is re-cited to that source: the model put the right
    statement under the wrong number. The verdict says so in ``reason``.

    Args:
        index: position of the sentence in the answer.
        sentence: the sentence with its ``[n]`` markers.
        sources: source number -> source text (all numbered sources).
        config: thresholds.
        question: what was asked; a sentence quoting another table row than the one the
            question singles out is unsupported (:func:`retrieval.table_rows.wrong_row`).

    Returns:
        The verdict, with the support share and any identifier missing from the cited text.
    """
    cited = tuple(n for n in cited_numbers(sentence) if n in sources)
    if not cited:
        return SentenceCheck(index, sentence, (), False, 0.0, reason="cites no source")
    verdict = _judge(index, sentence, cited, sources, config, question)
    if verdict.supported or not config.recite:
        return verdict
    others = [n for n in sources if n not in cited]
    alternatives = [_judge(index, sentence, (n,), sources, config, question) for n in others]
    best = max((v for v in alternatives if v.supported), key=lambda v: v.support, default=None)
    if best is None:
        return verdict
    text = _CITATION.sub("", sentence).rstrip(" .。")
    text = f"{text} [{best.cited[0]}]{sentence.rstrip()[-1] if sentence.rstrip()[-1] in '.。' else '.'}"
    reason = f"re-cited: {_refs(cited)} does not say this, [{best.cited[0]}] does"
    return SentenceCheck(index, text, best.cited, True, best.support, reason=reason)


def _judge(
    index: int,
    sentence: str,
    cited: tuple[int, ...],
    sources: Mapping[int, str],
    config: SupportConfig,
    question: str,
) -> SentenceCheck:
    body = _LIST_LEAD.sub("", _CITATION.sub(" ", sentence))
    evidence = " \n ".join(sources[n] for n in cited)
    missing = missing_identifiers(body, evidence)
    words = content_terms(body)
    found = content_terms(evidence)
    if CJK.search(body) and not CJK.search(evidence):
        # A Chinese sentence about an English source: words cannot be compared across scripts,
        # so only its Latin words (and, above, its codes and numbers) are checked.
        words = {w for w in words if not CJK.search(w)}
    support = sum(1 for w in words if w in found) / len(words) if words else 1.0
    if missing:
        reason = ", ".join(f"'{m}'" for m in missing) + f" not in {_refs(cited)}"
        return SentenceCheck(index, sentence, cited, False, support, missing, reason)
    if len(words) >= config.min_content_words and support < config.min_content_support:
        return SentenceCheck(index, sentence, cited, False, support, reason=f"mostly not in {_refs(cited)}")
    row = wrong_row(body, question, evidence) if question else None
    if row:
        return SentenceCheck(index, sentence, cited, False, support, reason=row)
    return SentenceCheck(index, sentence, cited, True, support)


def check_answer(
    text: str, sources: Mapping[int, str], config: SupportConfig = SupportConfig(), *, question: str = ""
) -> list[SentenceCheck]:
    return [
        check_sentence(i, s, sources, config, question=question) for i, s in enumerate(split_sentences(text))
    ]


def unsupported_share(checks: Iterable[SentenceCheck]) -> float:
    checks = list(checks)
    return sum(1 for c in checks if not c.supported) / len(checks) if checks else 0.0


def repeats_question(sentence: str, question: str) -> bool:
    """Whether ``sentence`` only restates ``question``: no word, code or number the question lacks.

    The 1.5B model sometimes answers with the question as a cited statement ("The G query came
    back with T [1]."): supported by its source, and no answer at all (3 of 76 dev answers).
    """
    body = _CITATION.sub(" ", sentence)
    asked_terms, asked_ids = content_terms(question), {squash(i) for i in identifiers(question)}
    new_terms = content_terms(body) - asked_terms
    new_ids = {squash(i) for i in identifiers(body)} - asked_ids
    new_code = set(_CODE_OR_OPTION.findall(body.lower())) - set(_CODE_OR_OPTION.findall(question.lower()))
    return not new_terms and not new_ids and not new_code


def _refs(cited: tuple[int, ...]) -> str:
    return " ".join(f"[{n}]" for n in cited)


def checked_stream(
    deltas: Iterable[str],
    sources: Mapping[int, str],
    config: SupportConfig = SupportConfig(),
    *,
    question: str = "",
) -> Iterator[str | SentenceCheck]:
    """Pass the model's text deltas through, each finished sentence's verdict right after it.

    A tail cut off by the token limit before it cited anything is reported unsupported; the exact
    refusal text is not a sentence to check.
    """
    splitter, index = SentenceStream(), 0
    for delta in cites_before_period(deltas):
        yield delta
        for sentence in splitter.feed(delta):
            yield check_sentence(index, sentence, sources, config, question=question)
            index += 1
    rest = splitter.rest()
    if rest and not is_refusal(rest):
        yield SentenceCheck(index, rest, (), False, 0.0, reason="cut off before citing")


@dataclass(frozen=True)
class Settled:
    """What the answer finally shows: the model's text, or the evidence answer in its place."""

    text: str
    sentences: list[SentenceCheck]
    fell_back: bool


def settle(
    model_text: str,
    checks: list[SentenceCheck],
    evidence_text: str,
    sources: Mapping[int, str],
    *,
    max_unsupported: float = 0.34,
    config: SupportConfig = SupportConfig(),
    question: str = "",
    min_refusal_coverage: float = REFUSAL_MIN_COVERAGE,
) -> Settled:
    """Keep the model's answer unless its sentences are mostly unsupported, only repeat the
    question, or there are none; keep its refusal unless the evidence answer covers the question.

    Args:
        model_text: what the model wrote.
        checks: the verdicts of its sentences.
        evidence_text: the instant evidence answer ("" if there is none: nothing to fall back to).
        sources: source number -> text.
        max_unsupported: the largest share of unsupported sentences the answer may show.
        config: thresholds for checking the evidence answer's own sentences.
        question: what was asked (for the table-row check of those sentences).
        min_refusal_coverage: the share of the question's content words the evidence answer
            must hold to be shown instead of the model's refusal.

    Returns:
        The text to show, its sentence verdicts, and whether it fell back.
    """
    if not evidence_text:
        return Settled(model_text, checks, False)
    if is_refusal(model_text):
        # The small models refuse answerable questions whose sources hold the answer (11 of 68 on
        # dev in session 7, after the second look); an evidence answer that holds most of the
        # question's words is shown instead, cited, as for an unsupported answer.
        if not question or question_coverage(question, evidence_text) < min_refusal_coverage:
            return Settled(model_text, checks, False)
        return Settled(evidence_text, check_answer(evidence_text, sources, config, question=question), True)
    says_something = not question or not all(repeats_question(c.text, question) for c in checks)
    if checks and says_something and unsupported_share(checks) <= max_unsupported:
        if any(c.reason.startswith("re-cited") for c in checks):
            model_text = " ".join(c.text for c in checks)  # show the corrected citations
        return Settled(model_text, checks, False)
    return Settled(evidence_text, check_answer(evidence_text, sources, config, question=question), True)
