"""Suggest a per-import record mapping: each column gets one role from its header and its values.

The suggester is deterministic and small: header names are normalised (``BscStartDate`` ->
``bsc start date``) and matched against synonym rules per role; the first rows' values confirm or
overrule them (a "date" header whose cells are not dates is kept as a property; an unnamed column
whose cells are all dates becomes the date). Scalar roles (work-order id, date, cost, free text)
go to one column each, the best-scoring one. A person reviews the roles before the graph stage
uses them; :func:`build_mapping` turns the reviewed roles into a :class:`graph.records.RecordMapping`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from graph.errors import MappingError
from graph.records import ColumnMapping, RecordMapping, parse_date

#: Role -> entity label for roles that make entities linked to the work order.
ENTITY_ROLES: dict[str, str] = {
    "equipment": "Equipment",
    "model": "Model",
    "component": "Component",
    "part": "Part",
    "action": "Action",
    "failure_mode": "FailureMode",
    "symptom": "Symptom",
    "cause": "Cause",
    "error_code": "ErrorCode",
    "site": "Site",
    "person": "Person",
    "organization": "Organization",
}
#: Roles that at most one column may take.
SCALAR_ROLES: tuple[str, ...] = ("work_order_id", "date", "cost", "text", "action_text")
#: Every role with its label for a dropdown, in display order.
ROLE_LABELS: dict[str, str] = {
    "work_order_id": "Work-order id",
    "equipment": "Asset / equipment",
    "date": "Date",
    "component": "Component / system",
    "part": "Part",
    "action": "Action",
    "failure_mode": "Failure mode",
    "symptom": "Symptom",
    "cause": "Cause",
    "error_code": "Error code",
    "cost": "Cost",
    "text": "Problem / free text (scanned for components, actions, parts…)",
    "action_text": "What was done, free text (scanned; a short cell is the action)",
    "model": "Model",
    "site": "Site",
    "person": "Person",
    "organization": "Organization",
    "property": "Keep as a work-order property",
    "ignore": "Ignore",
}
SPLIT_CHOICES: tuple[str, ...] = (";", "|", "_", ",", "/")
_SAMPLE_ROWS = 200
_NULLS = frozenset({"", "na", "n/a", "nan", "none", "null", "-"})

# (role, pattern over the normalised header, score). The best score wins; rules are ordered so that
# a more specific phrase ("fault code", "failure code") outranks a general word ("fault", "code").
_HEADER_RULES: tuple[tuple[str, re.Pattern[str], float], ...] = tuple(
    (role, re.compile(pattern), score)
    for role, pattern, score in (
        (
            "work_order_id",
            r"^(work ?order|wo|job|ticket|notification|order|request|wr|maintenance order)"
            r"( (id|no|nr|num|number|ref|key|#))?$",
            0.95,
        ),
        (
            "work_order_id",
            r"\b(work ?order|wo|job|ticket|notification|order) (id|no|nr|num|number|ref|key)\b",
            0.9,
        ),
        ("work_order_id", r"^(id|ref|record (id|no|number)|reference)$", 0.6),
        ("error_code", r"\b(error|fault|alarm|trouble|diagnostic) codes?\b|\b(dtc|alarm|error)\b", 0.9),
        ("failure_mode", r"\bfailure (mode|code|type)s?\b|^fm$|\bfailure\b", 0.9),
        ("failure_mode", r"\b(fault|defect|damage|malfunction)s?\b", 0.8),
        ("cause", r"\b(root )?causes?\b|\breason\b", 0.85),
        ("symptom", r"\b(symptoms?|complaint|observation|observed)\b", 0.85),
        ("date", r"\b(date|dated|day|timestamp|time stamp|datetime)\b", 0.9),
        (
            "date",
            r"^(start|started|finish|finished|completed|closed|opened|reported|performed|created)"
            r"( (on|at))?$",
            0.6,
        ),
        ("cost", r"\b(cost|costs|price|amount|spend|spent|usd|eur|dollars?|invoice)\b", 0.9),
        ("part", r"\b(parts?|part (no|nr|number|num)|pn|p n|spares?|sku|material (no|number))\b", 0.85),
        ("model", r"\b(model|make model|model (no|number))\b", 0.8),
        (
            "component",
            r"\b(components?|system|subsystem|sub system|assembly|sub assembly|major system)\b",
            0.85,
        ),
        (
            "action",
            r"\b(actions?|activity|activities|task|repair (action|type)|work performed|work done|"
            r"remed(y|ies)|resolution|corrective|fix|repairs? (done|made|performed))\b",
            0.85,
        ),
        (
            "equipment",
            r"\b(asset|equipment|equip|machine|unit|tag|vehicle|fleet|truck|excavator|"
            r"serial|plant (no|number)|asset (id|no|number))\b",
            0.85,
        ),
        ("site", r"\b(site|plant|facility|mine|depot|area)\b", 0.7),
        (
            "person",
            r"\b(technician|tech|mechanic|engineer|performed by|done by|assignee|assigned to|"
            r"operator|fitter|crew|reported by)\b",
            0.8,
        ),
        ("organization", r"\b(vendor|supplier|contractor|manufacturer|oem|company)\b", 0.8),
        (
            "text",
            r"\b(desc|descr|description|text|shorttext|longtext|comments?|notes?|summary|"
            r"remarks?|narrative|details|problem|findings|work ?description)\b",
            0.8,
        ),
    )
)


@dataclass(frozen=True)
class ColumnRole:
    """The role of one column in a record import.

    Attributes:
        column: the column name as in the records.
        role: a key of :data:`ROLE_LABELS`.
        split: separator of multi-valued cells for entity roles; None keeps a cell whole.
        confidence: how sure the suggester is (0-1); 1.0 once a person chose it.
        reason: why the suggester chose the role, for the review screen.
    """

    column: str
    role: str
    split: str | None = None
    confidence: float = 0.0
    reason: str = ""

    def __post_init__(self) -> None:
        if self.role not in ROLE_LABELS:
            raise MappingError(f"column {self.column!r}: unknown role {self.role!r}")
        if self.split is not None and self.split not in SPLIT_CHOICES:
            raise MappingError(f"column {self.column!r}: unsupported separator {self.split!r}")

    def as_dict(self) -> dict[str, object]:
        return {
            "column": self.column,
            "role": self.role,
            "split": self.split,
            "confidence": round(self.confidence, 2),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class _Profile:
    """What the first rows say about a column."""

    filled: int
    date_ratio: float
    number_ratio: float
    distinct_ratio: float
    mean_words: float
    separator: str | None


def normalize_header(header: str) -> str:
    """``BscStartDate`` -> ``bsc start date``; ``PM_Type`` -> ``pm type``; ``WO#`` -> ``wo #``.

    Args:
        header: a column name.

    Returns:
        Lower-case words separated by single spaces.
    """
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", header)
    spaced = re.sub(r"#", " # ", spaced)
    return " ".join(re.sub(r"[^0-9a-z#]+", " ", spaced.lower()).split())


def _header_role(header: str) -> tuple[str, float] | None:
    name = normalize_header(header)
    best: tuple[str, float] | None = None
    for role, pattern, score in _HEADER_RULES:
        if pattern.search(name) and (best is None or score > best[1]):
            best = (role, score)
    return best


def _is_null(value: object) -> bool:
    return value is None or str(value).strip().lower() in _NULLS


def _is_date(value: object) -> bool:
    if isinstance(value, (dt.date, dt.datetime)):
        return True
    text = str(value).strip()
    return len(text) >= 6 and parse_date(text[:19]) is not None


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return re.fullmatch(r"[-+]?[$€£]?\s?\d[\d,]*(\.\d+)?", str(value).strip()) is not None


def _separator(values: Sequence[str]) -> str | None:
    short = [v for v in values if len(v.split()) <= 6]
    if not short:
        return None
    for sep in (";", "|", "_"):
        if sum(1 for v in short if sep in v) / len(short) >= 0.1:
            return sep
    return None


def _profile(values: Iterable[object]) -> _Profile:
    filled = [v for v in values if not _is_null(v)]
    if not filled:
        return _Profile(0, 0.0, 0.0, 0.0, 0.0, None)
    texts = [str(v).strip() for v in filled]
    return _Profile(
        filled=len(filled),
        date_ratio=sum(map(_is_date, filled)) / len(filled),
        number_ratio=sum(map(_is_number, filled)) / len(filled),
        distinct_ratio=len(set(texts)) / len(texts),
        mean_words=sum(len(t.split()) for t in texts) / len(texts),
        separator=_separator(texts),
    )


def _from_values(profile: _Profile) -> tuple[str, float, str]:
    if profile.filled == 0:
        return "ignore", 0.5, "no values in the first rows"
    if profile.date_ratio >= 0.9 and profile.number_ratio < 0.5:
        return "date", 0.6, "the values are dates"
    if profile.mean_words >= 3 and profile.distinct_ratio >= 0.5:
        return "text", 0.5, "the values are varied free text"
    return "property", 0.3, "no role recognised; kept on the work order"


def _role_for(column: str, profile: _Profile) -> ColumnRole:
    """One column's best role, before scalar roles are shared out."""
    by_header = _header_role(column)
    if by_header is None:
        role, score, reason = _from_values(profile)
        return ColumnRole(column, role, confidence=score, reason=reason)
    role, score = by_header
    reason = f"header {column!r}"
    if profile.filled:
        if role == "date" and profile.date_ratio < 0.5:
            return ColumnRole(
                column, "property", confidence=0.4, reason=f"{reason} says date, the values are not"
            )
        if role == "cost" and profile.number_ratio < 0.8:
            return ColumnRole(
                column, "property", confidence=0.4, reason=f"{reason} says cost, the values are not numbers"
            )
        if role in ENTITY_ROLES and profile.mean_words >= 6 and profile.distinct_ratio >= 0.5:
            # An ACTION column of free text says what fixed the problem: it must reach the graph,
            # not lose the single free-text slot to the problem column and end as a property.
            long_role = "action_text" if role == "action" else "text"
            return ColumnRole(column, long_role, confidence=0.6, reason=f"{reason}, long free-text values")
        if role == "work_order_id" and profile.distinct_ratio < 0.9:
            return ColumnRole(column, "property", confidence=0.4, reason=f"{reason}, but values repeat")
        if role == "date":
            score, reason = min(1.0, score + 0.05), f"{reason}, values are dates"
    split = profile.separator if role in ENTITY_ROLES else None
    if split:
        reason += f", several values per cell separated by {split!r}"
    return ColumnRole(column, role, split=split, confidence=score, reason=reason)


def _fallback(role: ColumnRole) -> ColumnRole:
    return replace(
        role,
        role="property",
        split=None,
        confidence=0.3,
        reason=f"{role.reason}; another column is the {ROLE_LABELS[role.role].lower()}",
    )


def suggest_roles(
    columns: Sequence[str], records: Sequence[Mapping[str, object]], sample_rows: int = _SAMPLE_ROWS
) -> list[ColumnRole]:
    """Suggest a role for every column of a record export.

    Args:
        columns: the column names, in file order.
        records: the first records (column -> value); more than ``sample_rows`` are not read.
        sample_rows: how many records to profile.

    Returns:
        One ColumnRole per column, in column order; each scalar role is held by one column at most.
    """
    sample = list(records[:sample_rows])
    roles = [_role_for(c, _profile(r.get(c) for r in sample)) for c in columns]
    for scalar in SCALAR_ROLES:
        holders = [i for i, r in enumerate(roles) if r.role == scalar]
        if len(holders) > 1:
            keep = max(holders, key=lambda i: (roles[i].confidence, -i))
            for i in holders:
                if i != keep:
                    roles[i] = _fallback(roles[i])
    return roles


def mapping_warnings(roles: Sequence[ColumnRole]) -> list[str]:
    """What aggregate questions a set of roles cannot answer, for the review screen.

    Args:
        roles: the roles of every column.

    Returns:
        Short sentences; empty when the mapping has a date, an asset and something to count.
    """
    chosen = {r.role for r in roles}
    warnings = []
    if "date" not in chosen:
        warnings.append("No date column: questions about a year or a period will not find these work orders.")
    if "equipment" not in chosen:
        warnings.append("No asset/equipment column: work orders will not be linked to a machine.")
    if not chosen & (set(ENTITY_ROLES) - {"equipment"} | {"text", "action_text"}):
        warnings.append(
            "No component, part, action, failure-mode or free-text column: "
            "there is nothing to count per work order."
        )
    return warnings


def build_mapping(roles: Sequence[ColumnRole], date_format: str | None = None) -> RecordMapping:
    """Turn reviewed column roles into the mapping the graph stage applies.

    Args:
        roles: one role per column (columns may be left out: they are ignored).
        date_format: optional ``strptime`` format for the date column.

    Returns:
        The record mapping; entity columns are mapped through the lexicon to canonical names.

    Raises:
        MappingError: a scalar role is given to more than one column, or a column appears twice.
    """
    seen: set[str] = set()
    scalars: dict[str, str] = {}
    columns: list[ColumnMapping] = []
    properties: list[str] = []
    for role in roles:
        if role.column in seen:
            raise MappingError(f"column {role.column!r} appears twice in the mapping")
        seen.add(role.column)
        if role.role in SCALAR_ROLES:
            if role.role in scalars:
                raise MappingError(
                    f"only one column can be the {ROLE_LABELS[role.role].lower()}: "
                    f"{scalars[role.role]!r} and {role.column!r}"
                )
            scalars[role.role] = role.column
        elif role.role in ENTITY_ROLES:
            columns.append(
                ColumnMapping(role.column, ENTITY_ROLES[role.role], split=role.split, use_lexicon=True)
            )
        elif role.role == "property":
            properties.append(role.column)
    return RecordMapping(
        columns=tuple(columns), properties=tuple(properties), date_format=date_format, **scalars
    )  # type: ignore[arg-type]


def roles_to_json(roles: Sequence[ColumnRole]) -> list[dict[str, object]]:
    """Roles as JSON-ready dicts (what the upload workflow stores per import)."""
    return [r.as_dict() for r in roles]


def roles_from_json(data: Sequence[Mapping[str, Any]]) -> list[ColumnRole]:
    """Roles from :func:`roles_to_json` output (or a client's edit of it).

    Args:
        data: dicts with ``column`` and ``role`` and optionally ``split``, ``confidence``, ``reason``.

    Returns:
        The roles.

    Raises:
        MappingError: an entry lacks a column, or names an unknown role or separator.
    """
    roles = []
    for item in data:
        column = item.get("column")
        if not isinstance(column, str) or not column:
            raise MappingError("every mapping entry needs a column name")
        roles.append(
            ColumnRole(
                column,
                str(item.get("role", "")),
                item.get("split") or None,
                float(item.get("confidence") or 0.0),
                str(item.get("reason") or ""),
            )
        )
    return roles


def columns_of(records: Sequence[Mapping[str, object]]) -> list[str]:
    """Column names in first-seen order across the records."""
    counts: Counter[str] = Counter()
    order: list[str] = []
    for record in records:
        for column in record:
            if column not in counts:
                order.append(column)
            counts[column] += 1
    return order
