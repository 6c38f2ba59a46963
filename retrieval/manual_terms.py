"""The manual's own English terms, kept beside their translation (issue 14).

An answer drafted in English from English sources and translated into Chinese renders the
manual's terms correctly in Chinese (串口设备名称 for "serial port device name", 剩余时间 for
"runtime"), and the reader, whose cited source is English, can no longer find them in it.
Chinese technical writing puts the original term in parentheses after its rendering
(剩余时间（runtime）); this module picks those terms and places them.

A term is a phrase of the drafted sentence that its cited sources contain verbatim: the draft
copied it from the manual, so it is the manual's word, not the model's paraphrase. Phrases are
runs of content words (stop words, punctuation, codes, numbers and code spans end a run). A phrase
of three or more words is kept; one of two words or a single word only when it holds a word that
is not everyday English (two everyday words are as often a subject and its verb, "lights flash",
as a compound, "battery cartridge": without a parser they cannot be told apart). What is
everyday comes from word statistics: the embedder's WordPiece vocabulary holds the ~30,000 most
frequent words of general English whole ("replace", "battery", "sensitivity"), and splits rarer
ones ("runtime", "writable", "timeout", "calibration"), which are the manual's vocabulary. Codes
and numbers are not terms here: :mod:`retrieval.answer_language` restores those on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Sequence
from pathlib import Path

__all__ = ["everyday_words", "holds_latin_word", "manual_terms", "place_terms"]

# Words that never start, end or make up a term: function words, pronouns, auxiliaries and the
# ways a model refers to its sources. Inside a longer phrase they end the run as well.
_STOP = frozenset(
    """a an and are as at be been being but by can could do does did done for from has have had
    if in into is it its may might must not no nor of off on onto or our shall should so such than
    that the their them then there these they this those to too was were which while will with
    would you your yours we us he she his her i me my also when where what how why who whom whose
    all any each only same other more most less least some very just first after before out up
    over under about above below again further once here both few own between through during
    without within until upon via per etc e.g i.e however therefore thus because although though
    whether either neither yet already still even ever never always often usually sometimes
    much many several various another every one two three four five six seven eight nine ten
    use used uses using make makes made sure see sees seen get gets got set sets let lets
    need needs needed want try tries tried able unable likely possible possibly probably
    according provided source sources document documents documentation manual mentioned
    states stated described describes say says said shown shows show following follows
    above-mentioned given note please example instance way ways case cases thing things
    """.split()
)
# a word, or a code (a digit, dot, slash or underscore inside), which ends a run
_TOKEN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9'’._/-]*[A-Za-z0-9])?")
_PLAIN_WORD = re.compile(r"[A-Za-z](?:[A-Za-z'’-]*[A-Za-z])?")
_CITES = re.compile(r"\[\d{1,3}\]")
_CODE_SPAN = re.compile(r"`[^`\n]{1,80}`")
# single words made by inflection or derivation from everyday verbs and adverbs
# ("flashing", "calculated", "properly"): not what a reader looks up
_EVERYDAY_FORM = re.compile(r"(?:ing|ed|ly)$", re.IGNORECASE)
_MIN_SINGLE = 4  # letters of a single-word term
_MAX_WORDS = 5


def everyday_words(vocab_path: str | Path) -> frozenset[str]:
    """The whole words of a WordPiece vocabulary file (one token a line; ``##`` pieces, special
    tokens and non-letters left out), lower case."""
    words = Path(vocab_path).read_text(encoding="utf-8").split()
    return frozenset(w for w in words if w.isascii() and w.isalpha())


def manual_terms(
    sentence: str, sources: Sequence[str], limit: int = 2, everyday: Container[str] | None = None
) -> tuple[str, ...]:
    """The phrases of ``sentence`` that ``sources`` contain verbatim, longest first, at most ``limit``.

    Args:
        sentence: a drafted English sentence (its ``[n]`` markers and `code spans` are ignored).
        sources: the text of the sources it cites.
        limit: the most terms returned (0: none).
        everyday: lower-case everyday words (:func:`everyday_words`); a single word or a pair is a
            term only when it holds a word not among them. None: single words are never terms,
            every pair is.

    Returns:
        Terms as written in the sentence, none inside another. Chosen first: those holding a word
        that is not everyday (the most technical), then the longer, then the earlier; returned in
        the sentence's order.
    """
    if limit <= 0 or not sources:
        return ()
    haystack = _normal(" ".join(sources))
    found: list[tuple[bool, int, int, str]] = []  # (everyday only, -words, position, term)
    for run, start in _runs(sentence):
        i = 0
        while i < len(run):
            # the longest phrase from here that the sources hold
            for j in range(min(len(run), i + _MAX_WORDS), i, -1):
                words = run[i:j]
                if _occurs(words, haystack):
                    if _is_term(words, everyday):
                        plain = everyday is None or all(_everyday(w, everyday) for w in words)
                        found.append((plain, -len(words), start + i, " ".join(words)))
                    i = j
                    break
            else:
                i += 1
    chosen: list[str] = []
    for *_, term in sorted(found):
        if any(_inside(term, c) or _inside(c, term) for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == limit:
            break
    order = {term: pos for *_, pos, term in found}
    return tuple(sorted(chosen, key=lambda t: order[t]))


def place_terms(
    translated: str,
    terms: Iterable[str],
    render: Callable[[str], str | None] | None = None,
) -> tuple[str, tuple[str, ...]]:
    """``translated`` with each term in parentheses after its rendering, where that is found.

    Args:
        translated: the translated sentence (no citations, no final full stop).
        terms: English terms from :func:`manual_terms`.
        render: term -> its translation alone (the same translator); when the sentence holds that
            rendering, the term goes right after it. None, or a rendering not found: not placed.

    Returns:
        The sentence, and the terms that were not placed (the caller appends them at the end).
        A term the translation already holds in Latin letters is neither placed nor returned.
    """
    left: list[str] = []
    for term in terms:
        if holds_latin_word(translated, term):
            continue  # kept in English by the translation itself
        rendering = (render(term) or "").strip().rstrip("。.") if render else ""
        at = translated.find(rendering) if len(rendering) >= 2 else -1
        if at < 0 or _splits_code(translated, at + len(rendering)):
            left.append(term)
            continue
        end = at + len(rendering)
        if translated[end : end + 1] == "（":  # a parenthesis of its own follows: leave it whole
            left.append(term)
            continue
        translated = f"{translated[:end]}（{term}）{translated[end:]}"
    return translated, tuple(left)


def _runs(sentence: str) -> list[tuple[list[str], int]]:
    """Runs of content words (words only whitespace apart, none a stop word), with the word
    position each starts at."""
    text = _CODE_SPAN.sub(" | ", _CITES.sub(" | ", sentence))
    runs: list[tuple[list[str], int]] = []
    current: list[str] = []
    position = 0
    last_end = 0
    for match in _TOKEN.finditer(text):
        gap = text[last_end : match.start()]
        word = match.group(0)
        content = bool(_PLAIN_WORD.fullmatch(word)) and word.lower() not in _STOP
        if (gap.strip() or not content) and current:
            runs.append((current, position - len(current)))
            current = []
        # a participle does not start a term ("running apcupsd", "Installing apcupsd section")
        if content and (current or not word.lower().endswith(("ing", "ed"))):
            current.append(word)
        position += 1
        last_end = match.end()
    if current:
        runs.append((current, position - len(current)))
    return runs


def _is_term(words: Sequence[str], everyday: Container[str] | None) -> bool:
    if len(words) > 2 or (len(words) == 2 and everyday is None):
        return True
    if everyday is None:
        return False
    if len(words) == 2:
        return not all(_everyday(w, everyday) for w in words)
    word = words[0]
    if len(word) < _MIN_SINGLE or _EVERYDAY_FORM.search(word):
        return False
    return not _everyday(word, everyday)


def _everyday(word: str, everyday: Container[str]) -> bool:
    # "Smart-UPS", "on-battery": a word whose every part is everyday is everyday
    return all(_known(part.lower(), everyday) for part in re.split(r"[-'’]", word) if part)


def _known(word: str, everyday: Container[str]) -> bool:
    """``word`` or the word it inflects ("detects", "batteries", "boxes") is everyday (the
    vocabulary holds the common forms, not every inflection)."""
    if word in everyday:
        return True
    stems = [word[:-3] + "y"] if word.endswith("ies") else []
    stems += [word[:-2]] if word.endswith("es") else []
    stems += [word[:-1]] if word.endswith("s") and not word.endswith("ss") else []
    return any(stem in everyday for stem in stems)


def _normal(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


def _occurs(words: Sequence[str], haystack: str) -> bool:
    phrase = _normal(" ".join(words))
    return re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", haystack) is not None


def _inside(small: str, big: str) -> bool:
    return small != big and holds_latin_word(big, small, ignore_case=False)


def holds_latin_word(text: str, term: str, *, ignore_case: bool = True) -> bool:
    """Whether ``text`` holds ``term`` between Latin-letter bounds (a Han character, a digit or
    punctuation next to it is a bound)."""
    flags = re.IGNORECASE if ignore_case else 0
    return re.search(rf"(?<![A-Za-z]){re.escape(term)}(?![A-Za-z])", text, flags) is not None


def _splits_code(text: str, at: int) -> bool:
    """True when position ``at`` falls between two Latin letters or digits (inside a code)."""
    return 0 < at < len(text) and all(c.isascii() and c.isalnum() for c in text[at - 1 : at + 1])
