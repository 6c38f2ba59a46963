"""Normalisation of entity names into comparison keys.

Identifiers ("P-101", "P101", "p 101") collapse to upper-case alphanumerics ("P101"). Error codes
additionally drop leading zeros of their number and map spelled-out prefixes ("error 214" ->
"E214", "fault code 3" -> "F3", "F03" -> "F3"). Free-text names (components, symptoms...) are
lower-cased, stripped of punctuation and articles, and get a light plural folding on the last word.
"""

from __future__ import annotations

import re
import unicodedata

from graph.schema import IDENTIFIER_LABELS
from graph.typography import fold

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]+")
_SPACES = re.compile(r"\s+")
_ERROR_WORDS = re.compile(
    r"^(?:(?P<word>error|err|fault|alarm|alm|trip|warning|code)\s*(?:code|no\.?|number|#)?\s*[:#]?\s*)"
    r"(?P<code>[A-Za-z]{0,3}[-\s]?\d+[A-Za-z]?)$",
    re.IGNORECASE,
)
_WORD_PREFIX = {
    "error": "E",
    "err": "E",
    "fault": "F",
    "alarm": "AL",
    "alm": "AL",
    "trip": "T",
    "warning": "W",
    "code": "",
}
_CODE_PARTS = re.compile(r"^([A-Z]*)0*(\d+)([A-Z]?)$")
_ARTICLES = {"a", "an", "the"}
_NO_SINGULAR = ("ss", "us", "is", "ics", "ous", "ies")  # "glass", "status", "hydraulics" keep their s


def _ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


# Han ideographs survive free-text normalisation ("机械密封泄漏" stays itself): an ASCII fold
# alone would empty every Chinese name.
_NON_NAME = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _fold_keeping_han(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(
        ch for ch in decomposed if ch.isascii() or "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"
    )


def normalize_identifier(text: str) -> str:
    """Collapse an identifier to upper-case alphanumerics.

    Args:
        text: identifier as written ("p-101", "2906 0565 00").

    Returns:
        The key part, e.g. "P101", "2906056500".
    """
    return _NON_ALNUM.sub("", _ascii_fold(text)).upper()


def normalize_error_code(text: str) -> str:
    """Normalise an error/fault code ("E-047", "error 47", "Err47" -> "E47").

    Args:
        text: the code as written, optionally with a word such as "error" or "fault code".

    Returns:
        The key part of the code.
    """
    cleaned = _SPACES.sub(" ", _ascii_fold(text).strip())
    match = _ERROR_WORDS.match(cleaned)
    prefix = ""
    if match:
        code = normalize_identifier(match.group("code"))
        if code.isdigit():
            prefix = _WORD_PREFIX[match.group("word").lower()]
        cleaned = code
    ident = prefix + normalize_identifier(cleaned)
    if ident.startswith("ERR") and ident[3:4].isdigit():
        ident = "E" + ident[3:]
    parts = _CODE_PARTS.match(ident)
    if parts:
        ident = f"{parts.group(1)}{int(parts.group(2))}{parts.group(3)}"
    return ident


def singular(word: str) -> str:
    """A lower-case word's singular as names are normalised ("batteries" -> "battery")."""
    return _singular(word)


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(_NO_SINGULAR):
        return word[:-1]
    return word


def normalize_text(text: str) -> str:
    """Normalise a free-text name ("The Hydraulic Hoses." -> "hydraulic hose").

    Args:
        text: the name as written.

    Returns:
        Lower-case words separated by single spaces; empty when nothing alphanumeric remains.
    """
    # Typeset apostrophes, quotes and dashes read as their ASCII forms first: "won’t start" and
    # "won't start" are one name (the ASCII fold alone dropped ’ but spaced out ').
    words = _NON_NAME.sub(" ", _fold_keeping_han(fold(text)).lower()).split()
    while words and words[0] in _ARTICLES:
        words = words[1:]
    if words:
        words[-1] = _singular(words[-1])
    return " ".join(words)


def normalize_name(label: str, text: str) -> str:
    """Normalise ``text`` the way entities of ``label`` are compared.

    Args:
        label: an entity label from graph.schema.Label.
        text: the name as written.

    Returns:
        The normalized name (the part of the entity key after ``"<Label>:"``).
    """
    if label == "ErrorCode":
        return normalize_error_code(text)
    if label == "FirmwareVersion":
        return re.sub(r"[^0-9a-z.]", "", _ascii_fold(text).lower()).lstrip("v")
    if label == "WorkOrder":
        ident = normalize_identifier(text)
        return ident[2:] if ident.startswith("WO") and ident[2:].isdigit() else ident
    if label in IDENTIFIER_LABELS:
        return normalize_identifier(text)
    return normalize_text(text)


def entity_key(label: str, text: str) -> str:
    """Build the unique entity key ``"<Label>:<normalized>"``.

    Args:
        label: an entity label.
        text: the name as written.

    Returns:
        The key stored in ``Entity.key``.
    """
    return f"{label}:{normalize_name(label, text)}"
