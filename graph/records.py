"""Deterministic column -> entity mapping for record files (work orders, maintenance logs).

Each record becomes one WorkOrder node (its id column, or ``<document_id>:<chunk_id>`` when the
export has none) linked to the entities named in mapped columns. A mapping is configured per
import and can be previewed on the first rows before ingestion runs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from graph.errors import MappingError
from graph.facts import ChunkFacts, ChunkInput, Mention, RelationFact, make_mention
from graph.lexicon import Lexicon
from graph.schema import ENTITY_LABELS
from graph.structure import Scanner

#: Relation from the work order to an entity of each label.
WORK_ORDER_RELATIONS: dict[str, str] = {
    "Equipment": "PERFORMED_ON",
    "Model": "PERFORMED_ON",
    "Component": "ADDRESSES",
    "Part": "USES_PART",
    "Action": "HAS_ACTION",
    "FailureMode": "REPORTS",
    "Symptom": "REPORTS",
    "ErrorCode": "REPORTS",
    "Cause": "REPORTS",
    "Person": "PERFORMED_BY",
    "Organization": "PERFORMED_BY",
    "Site": "LOCATED_AT",
}
#: What an asset HAD according to a record.
HISTORY_PROBLEM_LABELS = ("FailureMode", "Symptom", "ErrorCode")
#: Longest action cell taken whole as an Action entity; longer cells are only scanned.
MAX_ACTION_WORDS = 12
#: Characters of free text kept on the work order.
MAX_TEXT_CHARS = 500
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class ColumnMapping:
    """Map one column to entities of one label.

    Attributes:
        column: column name in the record.
        label: entity label for its values.
        split: separator for multi-valued cells (e.g. "_" or ";"); None keeps the cell whole.
        use_lexicon: map values through the lexicon to canonical names when known.
    """

    column: str
    label: str
    split: str | None = None
    use_lexicon: bool = False

    def __post_init__(self) -> None:
        if self.label not in ENTITY_LABELS or self.label == "WorkOrder":
            raise MappingError(f"column {self.column!r}: {self.label!r} is not a mappable entity label")


@dataclass(frozen=True)
class RecordMapping:
    """How the columns of one record export turn into graph facts.

    Attributes:
        columns: entity columns.
        work_order_id: column holding the work-order number, if any.
        date: column holding the work date.
        cost: column holding a numeric cost.
        properties: further columns copied onto the WorkOrder node as properties.
        date_format: ``strptime`` format tried before the common ISO/European formats.
        text: free-text column (e.g. a short description or the reported problem) scanned with the
            extraction patterns and lexicon; what it names is linked to the work order like a
            mapped column, and the text is kept on the work order (``text``) for diagnosis.
        action_text: free-text column saying what was done (an ACTION / corrective-action column
            of a logbook): scanned the same way, kept as ``action_text``; a short cell (at most
            :data:`MAX_ACTION_WORDS` words) is itself the work order's Action, so what fixed a
            problem enters the graph even when the lexicon knows none of its words.
        null_values: cell values treated as empty (compared case-insensitively).
    """

    columns: tuple[ColumnMapping, ...] = ()
    work_order_id: str | None = None
    date: str | None = None
    cost: str | None = None
    properties: tuple[str, ...] = ()
    date_format: str | None = None
    text: str | None = None
    action_text: str | None = None
    null_values: frozenset[str] = field(
        default_factory=lambda: frozenset({"", "na", "n/a", "nan", "none", "null", "-"})
    )

    def referenced_columns(self) -> list[str]:
        named = [c.column for c in self.columns] + list(self.properties)
        named += [c for c in (self.work_order_id, self.date, self.cost, self.text, self.action_text) if c]
        return named

    def check_columns(self, available: Sequence[str]) -> None:
        """Raise MappingError when the mapping names columns the records lack.

        Args:
            available: the column names of the export.
        """
        missing = [c for c in self.referenced_columns() if c not in set(available)]
        if missing:
            raise MappingError(f"mapping refers to missing columns: {', '.join(missing)}")


def _is_null(mapping: RecordMapping, value: object) -> bool:
    return value is None or str(value).strip().lower() in mapping.null_values


def parse_date(value: object, date_format: str | None = None) -> dt.date | None:
    """Parse a record date.

    Args:
        value: a date/datetime or a string.
        date_format: an explicit ``strptime`` format tried first.

    Returns:
        The date, or None when it cannot be parsed.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ((date_format,) if date_format else ()) + _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _parse_cost(value: object) -> float | None:
    try:
        return float(str(value).replace(",", "").replace("$", "").strip())
    except ValueError:
        return None


def _work_order(chunk: ChunkInput, mapping: RecordMapping, record: Mapping[str, object]) -> Mention:
    props: dict[str, object] = {
        c: str(record[c]) for c in mapping.properties if not _is_null(mapping, record.get(c))
    }
    if mapping.date and not _is_null(mapping, record.get(mapping.date)):
        day = parse_date(record[mapping.date], mapping.date_format)
        if day is not None:
            props.update(date=day.isoformat(), year=day.year)
    for column, name in ((mapping.text, "text"), (mapping.action_text, "action_text")):
        if column and not _is_null(mapping, record.get(column)):
            props[name] = " ".join(str(record[column]).split())[:MAX_TEXT_CHARS]
    if mapping.cost and not _is_null(mapping, record.get(mapping.cost)):
        cost = _parse_cost(record[mapping.cost])
        if cost is not None:
            props["cost"] = cost
    number = record.get(mapping.work_order_id) if mapping.work_order_id else None
    if not _is_null(mapping, number):
        mention = make_mention("WorkOrder", str(number), chunk.chunk_id, source="record", properties=props)
    else:
        mention = make_mention(
            "WorkOrder",
            f"{chunk.document_id}:{chunk.chunk_id}",
            chunk.chunk_id,
            source="record",
            properties=props,
        )
    if mention is None:  # an id of punctuation only
        raise MappingError(f"record {chunk.chunk_id}: unusable work-order id {number!r}")
    return mention


def _column_mentions(
    chunk: ChunkInput, column: ColumnMapping, value: object, mapping: RecordMapping, lexicon: Lexicon | None
) -> list[Mention]:
    items = str(value).split(column.split) if column.split else [str(value)]
    found = []
    for item in (i.strip() for i in items):
        if _is_null(mapping, item):
            continue
        name = (lexicon.canonical(column.label, item) if lexicon and column.use_lexicon else None) or item
        mention = make_mention(column.label, name, chunk.chunk_id, source="record", surface=item)
        if mention is not None:
            found.append(mention)
    return found


def _text_mentions(
    chunk: ChunkInput,
    mapping: RecordMapping,
    record: Mapping[str, object],
    scan: Scanner | None,
    known: set[str],
) -> list[Mention]:
    """Mentions from the free-text columns (problem text, action text), new keys only."""
    found: list[Mention] = []
    action = mapping.action_text
    is_whole = False
    if action and not _is_null(mapping, record.get(action)):
        cell = " ".join(str(record[action]).split())
        if len(cell.split()) <= MAX_ACTION_WORDS:
            whole = make_mention("Action", cell.rstrip(" ."), chunk.chunk_id, source="record")
            if whole is not None:
                found.append(whole)
                is_whole = True
    for column in (mapping.text, action):
        if column and scan is not None and not _is_null(mapping, record.get(column)):
            found += [
                m
                for m in scan(str(record[column]), chunk.chunk_id)
                # A whole action cell is the action: its verbs ("top up", "bleed") would count it twice.
                if m.label in WORK_ORDER_RELATIONS
                and not (is_whole and column == action and m.label == "Action")
            ]
    unique: dict[str, Mention] = {}
    for mention in found:
        if mention.key not in known:
            unique.setdefault(mention.key, mention)
    return list(unique.values())


def record_facts(
    chunk: ChunkInput, mapping: RecordMapping, lexicon: Lexicon | None = None, scan: Scanner | None = None
) -> ChunkFacts:
    """Turn one record chunk into a WorkOrder and its linked entities.

    Relations: WorkOrder -> each mapped entity (see WORK_ORDER_RELATIONS), Equipment
    -HAS_COMPONENT-> Component, Component -SHOWS-> FailureMode when both are present, and the
    history relations HAD and RESOLVED_BY (:func:`history_relations`).

    Args:
        chunk: a chunk with ``record`` set.
        mapping: the import's column mapping.
        lexicon: used for columns with ``use_lexicon``.
        scan: finds mentions in the ``text`` column (``Extractor.scan``); needed when it is set.

    Returns:
        The chunk's facts.

    Raises:
        MappingError: the record lacks a mapped column.
    """
    record = chunk.record or {}
    mapping.check_columns(list(record))
    facts = ChunkFacts(chunk)
    work_order = _work_order(chunk, mapping, record)
    facts.mentions.append(work_order)
    by_label: dict[str, list[Mention]] = {}
    linked = [
        m
        for column in mapping.columns
        for m in _column_mentions(chunk, column, record.get(column.column), mapping, lexicon)
    ]
    linked += _text_mentions(chunk, mapping, record, scan, {m.key for m in linked})
    for mention in linked:
        facts.mentions.append(mention)
        by_label.setdefault(mention.label, []).append(mention)
        facts.relations.append(
            RelationFact(
                WORK_ORDER_RELATIONS.get(mention.label, "REPORTS"),
                work_order.key,
                mention.key,
                chunk.chunk_id,
                "record",
            )
        )
    for head_label, rel, tail_label in (
        ("Equipment", "HAS_COMPONENT", "Component"),
        ("Component", "SHOWS", "FailureMode"),
    ):
        for head in by_label.get(head_label, []):
            for tail in by_label.get(tail_label, []):
                if head.key != tail.key:
                    facts.relations.append(RelationFact(rel, head.key, tail.key, chunk.chunk_id, "record"))
    facts.relations += history_relations(
        chunk.chunk_id, work_order, by_label, _states_problem(mapping, record)
    )
    return facts


def _states_problem(mapping: RecordMapping, record: Mapping[str, object]) -> bool:
    return bool(mapping.text) and not _is_null(mapping, record.get(mapping.text))


def history_relations(
    chunk_id: str, work_order: Mention, by_label: Mapping[str, Sequence[Mention]], problem_text: bool
) -> list[RelationFact]:
    """The record as history: what the asset had, and what resolved it, with the record's date.

    ``(asset)-[:HAD {date}]->(problem)`` for each equipment or model and each failure mode, symptom
    or error code the record names (one relation per asset, problem and date, its ``chunk_refs``
    the records); ``(work order)-[:RESOLVED_BY {date}]->(action)`` for each action of a record
    that reports a problem (a named one, or a problem text), so "what fixed this last time on this
    machine" is one match over PERFORMED_ON, REPORTS and RESOLVED_BY.

    Args:
        chunk_id: the record's chunk.
        work_order: the record's WorkOrder mention (its ``date`` property, when parsed, dates both).
        by_label: the record's other mentions by label.
        problem_text: whether the record has a problem text.

    Returns:
        The relations (none without an asset or a problem, resp. an action).
    """
    day = work_order.properties.get("date")
    dated: dict[str, object] = {"date": day} if day else {}
    problems = [m for label in HISTORY_PROBLEM_LABELS for m in by_label.get(label, [])]
    assets = [m for label in ("Equipment", "Model") for m in by_label.get(label, [])]
    out = [
        RelationFact("HAD", asset.key, problem.key, chunk_id, "record", dict(dated))
        for asset in assets
        for problem in problems
    ]
    if problems or problem_text:
        out += [
            RelationFact("RESOLVED_BY", work_order.key, action.key, chunk_id, "record", dict(dated))
            for action in by_label.get("Action", [])
        ]
    return out


@dataclass(frozen=True)
class MappingPreview:
    """What a mapping would produce on the first rows, for the import screen."""

    columns: list[str]
    missing_columns: list[str]
    rows: list[dict[str, object]]


def preview_mapping(
    records: Sequence[Mapping[str, object]],
    mapping: RecordMapping,
    limit: int = 10,
    lexicon: Lexicon | None = None,
    scan: Scanner | None = None,
) -> MappingPreview:
    """Show the entities and relations the first ``limit`` records would produce; writes nothing.

    Args:
        records: records as column -> value mappings.
        mapping: the mapping to try.
        limit: number of records previewed.
        lexicon: used for columns with ``use_lexicon``.
        scan: scanner for the ``text`` column.

    Returns:
        A preview; ``missing_columns`` lists mapped columns absent from the first record, and
        each row holds ``entities`` as (label, name) and ``relations`` as (type, head key, tail key).
    """
    columns = list(records[0]) if records else []
    missing = [c for c in mapping.referenced_columns() if c not in set(columns)]
    rows: list[dict[str, object]] = []
    if not missing:
        for index, record in enumerate(records[:limit]):
            chunk = ChunkInput(
                f"preview-{index}", "", "preview", "preview", "", kind="record", record=dict(record)
            )
            facts = record_facts(chunk, mapping, lexicon, scan)
            rows.append(
                {
                    "entities": [(m.label, m.name) for m in facts.mentions],
                    "relations": [(r.type, r.head, r.tail) for r in facts.relations],
                    "work_order": facts.mentions[0].properties,
                }
            )
    return MappingPreview(columns, missing, rows)


_INFER_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "work_order_id",
        re.compile(r"work.?order|^wo(?:.?(?:no|num|number|id))?$|order.?(?:no|number|id)", re.I),
    ),
    ("date", re.compile(r"date|^start|completed|performed.?on|timestamp", re.I)),
    ("cost", re.compile(r"cost|price|amount", re.I)),
    ("text", re.compile(r"desc|text|comment|note|summary|work.?done|remark|problem.?text", re.I)),
    ("Equipment", re.compile(r"asset|equipment|machine|^unit|^tag|vehicle|fleet.?no", re.I)),
    ("Part", re.compile(r"part", re.I)),
    ("Action", re.compile(r"^action|activity|^task", re.I)),
    ("FailureMode", re.compile(r"failure|^fm$|fault|defect", re.I)),
    ("Component", re.compile(r"component|system|assembly|subsystem", re.I)),
    ("Site", re.compile(r"site|plant|^area$", re.I)),
    ("Person", re.compile(r"technician|mechanic|performed.?by|engineer|assignee", re.I)),
)


def infer_mapping(columns: Sequence[str]) -> RecordMapping:
    """Guess a mapping from column names (the default until an admin saves one after a preview).

    Args:
        columns: the export's column names.

    Returns:
        A mapping; each column is used at most once, by the first rule that matches its name.
    """
    chosen: dict[str, str] = {}
    entity_columns: list[ColumnMapping] = []
    for column in columns:
        for role, pattern in _INFER_RULES:
            if not pattern.search(column):
                continue
            if role in ENTITY_LABELS:
                entity_columns.append(ColumnMapping(column, role, use_lexicon=True))
                break
            if role not in chosen:
                chosen[role] = column
                break
    return RecordMapping(columns=tuple(entity_columns), **chosen)  # type: ignore[arg-type]
