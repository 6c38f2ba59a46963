"""Regex layer for identifiers that statistical NER gets wrong.

Finds model numbers, part numbers, error codes, work orders, serial numbers, standards, firmware
versions and equipment tags in raw text. Patterns with a keyword ("P/N", "error code", "S/N",
"model") win over bare shapes; among overlapping matches the higher-priority, then longer, match
wins. All patterns are linear (no nested quantifiers) so pathological input stays bounded.

Chinese text: patterns match in ASCII mode, so ``\b`` sees the edge between a Han character and
a code ("更换密封件MS-5020后" finds ``MS-5020``; in Unicode mode both sides are word characters
and no boundary exists). Chinese keywords (故障代码, 备件编号, 型号, 序列号, 工单 ...) work
like their English ones, and full-width codes (``ＭＳ－５０２０``) are read half-width with
offsets unchanged.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass

from graph.normalize import normalize_name

_ID = r"[A-Z0-9][A-Z0-9./-]*[A-Z0-9]"  # an identifier token: starts/ends alphanumeric


@dataclass(frozen=True)
class PatternMatch:
    """One identifier found in text; ``start``/``end`` cover the identifier only."""

    label: str
    start: int
    end: int
    text: str
    norm: str
    priority: int


@dataclass(frozen=True)
class _Pattern:
    label: str
    regex: re.Pattern[str]
    priority: int  # lower wins
    group: int | str = 0


def _p(label: str, pattern: str, priority: int, group: int | str = 0, flags: int = 0) -> _Pattern:
    return _Pattern(label, re.compile(pattern, flags | re.ASCII), priority, group)


# Full-width ASCII (U+FF01..U+FF5E) -> ASCII, one character for one, so match offsets still
# index the original text.
_HALF_WIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)})
_ZH_SEP = r"[ ]*[:#：为是]?[ ]*"  # "备件编号：MS-5020", "备件编号为 MS-5020"
_ZH_CODE = r"(?-i:[A-Z]{0,3}-?\d{1,4}[A-Z]?)"


_I = re.IGNORECASE
_ERROR_WORD = r"(?:error|err|fault|alarm|alm)"
_STANDARD_BODIES = r"(?:ISO(?:/IEC)?|IEC|EN|ANSI|IEEE|UL|NFPA|ASME|DIN|BS|CSA|NEMA|SAE|ASTM|API)"

PATTERNS: tuple[_Pattern, ...] = (
    _p("Standard", rf"\b{_STANDARD_BODIES}[ ]?[A-Z]?\d{{2,6}}(?:[-:.]\d{{1,4}}){{0,3}}\b", 0),
    _p("WorkOrder", r"\b(?:WO|W/O)[-#: ]?\d[\d-]{2,20}\d\b", 1),
    _p("WorkOrder", rf"\bwork[ -]order[ ]*(?:no\.?|number|#)?[ ]*[:#]?[ ]*(?P<id>(?-i:{_ID}))", 1, "id", _I),
    _p(
        "SerialNumber",
        rf"\b(?:S/N|SN|serial[ ]*(?:no\.?|number|#)?)[ ]*[:#]?[ ]*(?P<id>(?-i:{_ID}))",
        1,
        "id",
        _I,
    ),
    _p(
        "FirmwareVersion",
        r"\b(?:firmware|fw)[ ]*(?:version|ver\.?|rev\.?)?[ ]*[:]?[ ]*(?P<id>v?\d+(?:\.\d+){1,3}[a-z]?)\b",
        1,
        "id",
        _I,
    ),
    _p("Part", rf"\b(?:P/N|PN|part[ ]*(?:no\.?|number|#))[ ]*[:#]?[ ]*(?P<id>(?-i:{_ID}))", 1, "id", _I),
    _p("Part", rf"(?:备件|零件|配件|物料)(?:编号|号|编码){_ZH_SEP}(?P<id>(?-i:{_ID}))", 1, "id", _I),
    _p("SerialNumber", rf"(?:序列号|出厂编号){_ZH_SEP}(?P<id>(?-i:{_ID}))", 1, "id", _I),
    _p("WorkOrder", rf"(?:工单|维修单)(?:号|编号)?{_ZH_SEP}(?P<id>(?-i:{_ID}))", 1, "id", _I),
    _p("Model", rf"型号{_ZH_SEP}(?P<id>(?-i:[A-Z0-9]*\d[A-Z0-9]*(?:-[A-Z0-9]+)*))\b", 2, "id", _I),
    _p("ErrorCode", rf"(?:故障|错误|报警)(?:代码|码|号){_ZH_SEP}(?P<id>{_ZH_CODE})\b", 2, "id", _I),
    _p(
        "Model",
        r"\bmodel[ ]*(?:no\.?|number|#)?[ ]*[:#]?[ ]*(?P<id>(?-i:[A-Z0-9]*\d[A-Z0-9]*(?:-[A-Z0-9]+)*))\b",
        2,
        "id",
        _I,
    ),
    _p(
        "ErrorCode",
        rf"\b{_ERROR_WORD}[ ]*(?:code)?[ ]*(?:no\.?|#)?[ ]*[:#]?[ ]*(?-i:[A-Z]{{0,3}}-?)\d{{1,4}}[A-Z]?\b",
        2,
        0,
        _I,
    ),
    _p("ErrorCode", r"\b(?:E|F|ERR|AL|ALM)-?\d{1,3}\b", 3),
    _p("Part", r"\b\d{3,}(?:-\d{2,}){1,4}\b", 4),
    _p("Equipment", r"\b(?:[A-Z]-\d{2,5}|[A-Z]{2,4}-\d{1,5})[A-Z]?\b", 5),
    _p("Model", r"\b[A-Z]{2,}-?\d{2,}[A-Z0-9]*(?:-[A-Z0-9]+)?\b", 6),
)

_ISO_DATE = re.compile(r"^(?:19|20)\d\d-(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12]\d|3[01])$")
# Bare shapes that look like models but are interfaces, units or ratings.
_MODEL_STOPLIST = re.compile(
    r"^(?:RS\d+|USB\d*|IP\d+|CAT\d+|AC\d+|DC\d+|VAC\d+|VDC\d+|AWG\d+|UTF\d+|MP\d|COM\d+)$"
)


def _identifier_span(match: re.Match[str], group: int | str) -> tuple[int, int]:
    return match.span(group)


def _is_noise(label: str, text: str) -> bool:
    if label == "Part" and _ISO_DATE.match(text):
        return True
    if label in ("Model", "Equipment") and _MODEL_STOPLIST.match(text.replace("-", "")):
        return True
    return False


def _candidates(text: str, per_pattern: int) -> list[PatternMatch]:
    text = text.translate(_HALF_WIDTH)
    found: list[PatternMatch] = []
    for pattern in PATTERNS:
        for match in itertools.islice(pattern.regex.finditer(text), per_pattern):
            start, end = _identifier_span(match, pattern.group)
            value = text[start:end]
            if not value or _is_noise(pattern.label, value):
                continue
            norm = normalize_name(pattern.label, value)
            if norm:
                found.append(PatternMatch(pattern.label, start, end, value, norm, pattern.priority))
    return found


def find_identifiers(text: str, limit: int = 500) -> list[PatternMatch]:
    """Find identifier mentions in ``text``, resolving overlaps.

    Args:
        text: raw chunk or question text.
        limit: at most this many matches are returned (earliest first).

    Returns:
        Non-overlapping matches sorted by start offset.
    """
    chosen: list[PatternMatch] = []
    starts: list[int] = []  # taken spans, kept sorted and non-overlapping
    ends: list[int] = []
    for cand in sorted(_candidates(text, 4 * limit), key=lambda m: (m.priority, m.start - m.end, m.start)):
        index = bisect.bisect_right(starts, cand.start)
        if index > 0 and ends[index - 1] > cand.start:
            continue  # overlaps the span starting before it
        if index < len(starts) and starts[index] < cand.end:
            continue  # overlaps the span starting after it
        starts.insert(index, cand.start)
        ends.insert(index, cand.end)
        chosen.append(cand)
    chosen.sort(key=lambda m: m.start)
    return chosen[:limit]
