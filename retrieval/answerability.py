"""Can the sources answer a question that asks for a measured value?

A question such as "What torque should the terminal screws be tightened to?" has only one kind of
answer: a value in a torque unit. When no source states any torque value, the documents cannot
answer it, whatever the passages share with the question's words, and the honest answer is "not
found" with the closest passages — not the model's guess, nor an extract that only talks around it.

Only unit-bearing quantities are recognised: they can be checked in the text without
understanding it. Counts ("how many work orders") and names are left to the model and the
sentence check, because their answers are derived or have no fixed form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Quantity:
    """A kind of measured value: how a question asks for it and how a text states it."""

    name: str
    asked: re.Pattern[str]
    stated: re.Pattern[str]
    name_zh: str = ""

    def missing_sentence(self, language: str) -> str:
        """What the answer says after "not found": no passage states such a value."""
        if language == "zh" and self.name_zh:
            return f"找到的段落中都没有给出{self.name_zh}的数值。"
        article = "an" if self.name[:1] in "aeiou" or self.name == "mtbf" else "a"  # said "an em-tee-bee-eff"
        return f"None of the passages found states {article} {self.name} value."


_NUM = r"(?:\d+(?:[.,]\d+)?|[½¼¾])\s*(?:(?:-|–|to|~|…)\s*\d+(?:[.,]\d+)?\s*)?"
_TIME_UNITS = r"(?:seconds?|secs?|s|minutes?|mins?|hours?|hrs?|h|days?|weeks?|months?|years?|shifts?|cycles?)"


def _q(name: str, asked: tuple[str, ...], stated: tuple[str, ...]) -> Quantity:
    """A quantity from alternatives: any ``asked`` pattern in a question, any ``stated`` one in a text."""
    return Quantity(name, re.compile("|".join(asked), re.I), re.compile("|".join(stated), re.I), _ZH[name])


_ZH = {
    "torque": "扭矩",
    "length": "长度",
    "interval": "保养间隔",
    "mtbf": "平均无故障时间",
    "hours": "小时数",
    "pressure": "压力",
    "temperature": "温度",
    "voltage": "电压",
    "volume": "容量",
}


QUANTITIES: tuple[Quantity, ...] = (
    _q(
        "torque",
        (
            r"\b(?:what|which|how much|recommended|specified|required|correct)\s+(?:\w+\s+){0,2}torque\b",
            r"\btorque (?:setting|value|spec\w*|rating)\b",
            r"\btighten(?:ed|ing)? to\b",
            r"(?:扭矩|力矩)[^？?]*(?:多少|多大)",
            r"(?:多大|多少)[^？?]*(?:扭矩|力矩)",
        ),
        (
            _NUM + r"(?:n\s*[·.\-]?\s*m|nm|lb[fs]?\s*[·.\-]?\s*(?:ft|in)|(?:ft|in)\s*[·.\-]?\s*lbs?)\b",
            _NUM + r"(?:kgf?\s*[·.\-]?\s*c?m\b|牛\s*[·.]?\s*米)",
        ),
    ),
    _q(
        "length",
        (
            r"\bhow (?:long|far)\b.*\b(?:cable|wire|hose|pipe|line|distance|run)\b",
            r"\b(?:longest|shortest|maximum|max\.?|minimum|min\.?)\s+(?:\w+\s+){0,2}(?:cable|wire|hose|length|distance)\b",
            r"\bwhat (?:\w+ ){0,2}length\b",
            r"(?:长度|距离)(?:是|为|多少)",
            r"多长的?(?:线|电缆|线缆|软管|管)",
        ),
        (
            _NUM + r"(?:mm|cm|m|km|metres?|meters?|ft|feet|foot|inch(?:es)?|in\.|yards?)(?![a-z])",
            _NUM + r"(?:毫米|厘米|米|英尺|英寸)",
        ),
    ),
    _q(
        "interval",
        (
            # Maintenance intervals only: "how often does it poll" may be answered by a bare number.
            r"\bhow often (?:should|must|do (?:i|we|you)|to|is|are)\b[^?]*"
            r"\b(?:chang|replac|servic|inspect|check|lubricat|greas|clean|calibrat|overhaul|drain|refill)\w*",
            r"\b(?:service|maintenance|change|replacement|inspection|lubrication|overhaul) intervals?\b",
            r"(?:多久|周期|间隔|多长时间)[^？?，,]*(?:换|保养|检查|润滑|清洁)",
            r"(?:更换|保养|检查|润滑|清洁)(?:周期|间隔)",
        ),
        (
            r"\b(?:every|each|after|once an?)\s+(?:\d+(?:[.,]\d+)?\s*)?(?:operating\s+|running\s+|engine\s+)?"
            + _TIME_UNITS[:-1]
            + r"|km|kilometres?|kilometers?|miles?)\b",
            r"\b(?:daily|weekly|monthly|quarterly|annually|yearly|biannually|semi-annually)\b",
            _NUM + r"(?:operating |running |service )?" + _TIME_UNITS + r"\b",
            r"每\s*\d*\s*(?:秒|分钟|小时|天|日|周|月|年|班)",
            r"\d+\s*(?:秒|分钟|小时|天|周|个月|年)",
        ),
    ),
    _q(
        "mtbf",
        (r"\bmtbf\b", r"\bmean time between failures?\b", r"平均无故障", r"平均故障间隔"),
        (_NUM + r"(?:hours?|hrs?|h)\b", r"\d+\s*小时", r"\bmtbf\b[^.\n]{0,40}\d"),
    ),
    _q(
        "hours",
        (
            r"\bhow many (?:engine |operating |running |service )?hours\b",
            r"\b(?:engine|operating|running|hour[- ]?meter) hours\b",
        ),
        (_NUM + r"(?:engine |operating |running )?(?:hours?|hrs?|h)\b", r"\d+\s*小时"),
    ),
    _q(
        "pressure",
        (
            r"\b(?:what|which|how much)\b[^?]{0,40}\bpressure\b",
            r"\bpressure (?:setting|rating|limit|should)\b",
            r"压力(?:是|为|多少|设定)",
        ),
        (_NUM + r"(?:bar|mbar|psi|kpa|mpa|pa|kg/cm2|kgf/cm2|兆帕|千帕)\b",),
    ),
    _q(
        "temperature",
        (
            r"\b(?:what|which|how (?:hot|cold))\b[^?]{0,40}\btemperature\b",
            r"\bhow (?:hot|cold)\b",
            # a substance's property is a temperature too ("the boiling point of the oil")
            r"\b(?:boiling|flash|fire|melting|freezing|pour|dew|cloud)[- ]points?\b",
            r"(?:沸点|闪点|燃点|熔点|凝点|倾点|冰点|露点)",
            r"温度(?:是|为|多少)",
        ),
        (_NUM + r"(?:°\s*[cf]\b|º\s*[cf]\b|degrees?\b|deg\.?\s*[cf]\b|℃|℉|摄氏度)",),
    ),
    _q(
        "voltage",
        (r"\bwhat (?:\w+ ){0,3}voltage\b", r"\bhow many volts\b", r"电压(?:是|为|多少)"),
        (_NUM + r"(?:v|vac|vdc|volts?|kv|mv)\b", r"\d+\s*伏"),
    ),
    _q(
        "volume",
        (
            r"\bhow much (?:oil|fluid|grease|coolant|water|fuel)\b",
            r"\b(?:oil|fluid|coolant|tank|sump|reservoir) capacity\b",
            r"(?:油箱|储油|加注)[^？?]*(?:容量|多少)",
        ),
        (_NUM + r"(?:l|litres?|liters?|ml|gal(?:lons?)?|qt|quarts?|cc|cm3|升|毫升)\b",),
    ),
)


def asked_quantity(question: str) -> Quantity | None:
    """The unit-bearing quantity the question asks for, or None when it asks for something else."""
    for quantity in QUANTITIES:
        if quantity.asked.search(question):
            return quantity
    return None


def states_quantity(texts: Iterable[str], quantity: Quantity) -> bool:
    """Whether any text states a value of ``quantity`` (a number with one of its units)."""
    return any(quantity.stated.search(text) for text in texts)


def unanswerable_quantity(question: str, texts: Iterable[str]) -> Quantity | None:
    """The quantity the question asks for when no text states one; None if answerable or not a quantity."""
    quantity = asked_quantity(question)
    if quantity is None:
        return None
    return None if states_quantity(texts, quantity) else quantity


# --- named things -------------------------------------------------------------------------------
# A question about a thing no source names cannot be answered from these sources, however many of
# its other words they share. Asked how to wire LinuxCNC's E-stop (its manual never mentions one),
# the passages found matched "wire", "stop" and "machine" (an apcupsd shutdown FAQ, a cable pinout,
# a switch-debouncing note), and the model's "use a debouncing circuit [3]" passed the sentence
# check because its words were all in source 3. Only tokens that are names by their form count:
# a code or part number (letters and digits: E-22, KP-CP-330, SU1400), a word with a capital after
# its first letter (LinuxCNC, Smart-UPS) and a one-letter abbreviation joined to a word (E-stop,
# O-ring). All-letter acronyms (UPS, NUT, CSV) are left out: documents spell them out or use a
# sibling (tried in the sentence check, it cost answers), and so are plain numbers, which are
# quantities rather than names.
_NAME_TOKEN = re.compile(r"(?<![\w-])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?![\w-])")
_LETTER_PREFIX = re.compile(r"^([A-Za-z])-([A-Za-z]{2,})$")
_NOT_ALNUM = re.compile(r"[^0-9a-z\u3400-\u9fff]+")
# "NUT-protected", "PTP-related", "x86-based": the name is the head, the tail a plain word the
# documents need not join to it.
_LOWER_TAIL = re.compile(r"(?<=[A-Za-z0-9]{2})(?:-[a-z]{3,})+$")
_VALUE = re.compile(r"^\d+[A-Za-z]{1,3}$")  # 12V, 50Hz, 3mm: a quantity, not a name


@dataclass(frozen=True)
class MissingName:
    """Names the question uses that no source contains."""

    names: tuple[str, ...]

    def missing_sentence(self, language: str) -> str:
        if language == "zh":
            quoted = "、".join(f"“{n}”" for n in self.names)
            return f"找到的段落中都没有提到{quoted}。"
        quoted = ", ".join(f"“{n}”" for n in self.names)
        return f"None of the passages found mentions {quoted}."


def named_things(question: str) -> list[str]:
    """The tokens of ``question`` that are names by their form (see above), in order."""
    found = []
    for match in _NAME_TOKEN.finditer(question):
        token = _LOWER_TAIL.sub("", match.group(0))
        has_digit = any(c.isdigit() for c in token)
        has_letter = any(c.isalpha() for c in token)
        inner_capital = any(c.isupper() for c in token[1:]) and not token.isupper()
        if _VALUE.match(token):
            continue
        if (has_digit and has_letter) or inner_capital or _LETTER_PREFIX.match(token):
            found.append(token)
    return list(dict.fromkeys(found))


def _flat(text: str) -> str:
    # "E-22", "E22" and "e 22" are one code; "Smart-UPS" and "SmartUPS" one name.
    return _NOT_ALNUM.sub("", text.lower())


def _named_in(name: str, flat_texts: list[str], texts: list[str]) -> bool:
    if any(_flat(name) in t for t in flat_texts):
        return True
    # "E-stop" is also written out: "emergency stop", "e-stop", "estop".
    prefix = _LETTER_PREFIX.match(name)
    if prefix is None:
        return False
    spelled = re.compile(rf"\b{prefix.group(1)}[a-z]*[\s-]?{prefix.group(2)}", re.I)
    return any(spelled.search(t) for t in texts)


def missing_names(question: str, texts: Iterable[str]) -> MissingName | None:
    """The question's names that no text contains; None when every one is found (or it has none)."""
    names = named_things(question)
    if not names:
        return None
    texts = list(texts)
    flat_texts = [_flat(t) for t in texts]
    missing = tuple(n for n in names if not _named_in(n, flat_texts, texts))
    return MissingName(missing) if missing else None
