"""Words, identifiers and their comparison: what the sentence check and table-row matching share.

Identifiers are tokens that must be reproduced exactly (a digit inside, or an upper-case code
word, with a unit when one follows a number). Content terms are the other meaningful words,
stemmed (snowball, English), with CJK text contributing its characters.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

import snowballstemmer

_CITATION = re.compile(r"\[(\d{1,3})\]")
_WORD = re.compile(r"[^\W_]+(?:[-_./:][^\W_]+)*", re.UNICODE)
_ID_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-_./:][A-Za-z0-9]+)*")  # codes inside CJK text too
CJK = re.compile(r"[\u3400-\u9fff]")  # Han characters (Chinese)
_HAS_DIGIT = re.compile(r"\d")
_CODE_WORD = re.compile(r"^[A-Z][A-Z0-9]{2,}$")
_UNIT_AFTER = re.compile(r"^\s?(%|°[CF]|[a-zA-Z]{1,4}\b)")
_STOPWORDS = frozenset(
    """a an and are as at be been being but by can could do does did for from has have had if in
    into is it its may might must not no of on or shall should so such than that the their them
    then there these they this those to was were which will with would you your also when where
    what how why who all any each only same other more most some very just first after before
    out up use used using check make sure see per
    according provided source sources document documents mentioned states stated""".split()
)  # the last line: how models refer to the sources, not what they say
# Words that signal a unit after a number; other words after a number are left unchecked.
_UNITS = frozenset(
    "v kv mv a ma w kw hz khz mhz s ms min h hr hrs bar psi kpa mpa nm mm cm m km kg g mb gb kb "
    "rpm l ml % °c °f vac vdc va".split()
)


def content_terms(text: str) -> set[str]:
    """Stemmed content words of ``text``; CJK text contributes its characters."""
    terms = {_stem(w.lower()) for w in _WORD.findall(text) if _is_content(w)}
    terms.update(CJK.findall(text))
    return terms


def identifiers(text: str) -> list[str]:
    """Tokens that must be reproduced exactly: anything with a digit, and upper-case codes."""
    found = []
    for match in _ID_TOKEN.finditer(text):
        token = match.group(0).strip("./:-")
        if _HAS_DIGIT.search(token) or _CODE_WORD.match(token):
            unit = _UNIT_AFTER.match(text[match.end() :])
            if unit and _HAS_DIGIT.search(token) and unit.group(1).lower() in _UNITS:
                token = f"{token} {unit.group(1)}"
            found.append(token)
    return list(dict.fromkeys(found))


def missing_identifiers(text: str, evidence: str) -> tuple[str, ...]:
    """Codes and numbers of ``text`` (its [n] markers aside) that ``evidence`` does not contain."""
    haystack = squash(evidence)
    return tuple(i for i in identifiers(_CITATION.sub(" ", text)) if not occurs(i, haystack))


def occurs(identifier: str, haystack: str) -> bool:
    # Whole-token match, so 441 is not found inside 4411; spacing inside "46 bar" may differ.
    # Chinese writes codes against its characters ("设为3551"): a Han character is no part of
    # the token, though Python's \w counts it as a letter.
    needle = re.escape(squash(identifier)).replace(r"\ ", r"\s?")
    return re.search(rf"(?<![^\W\u3400-\u9fff]){needle}(?![^\W\u3400-\u9fff])", haystack) is not None


def squash(text: str) -> str:
    return " ".join(text.lower().split())


def _is_content(word: str) -> bool:
    return len(word) > 1 and word.lower() not in _STOPWORDS and not CJK.search(word)


_per_thread = threading.local()


def _stemmer() -> Any:
    # One per thread: a Snowball stemmer holds the word it is stemming, and answer threads sharing
    # one corrupted each other's words (IndexError, a 500 in the 50-user load test, docs/LOAD.md).
    stemmer = getattr(_per_thread, "stemmer", None)
    if stemmer is None:
        stemmer = _per_thread.stemmer = snowballstemmer.stemmer("english")
    return stemmer


@lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)
