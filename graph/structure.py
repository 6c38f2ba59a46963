"""Relations from document structure: troubleshooting tables and numbered procedures."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from graph import faq
from graph.facts import MAX_FACT_NAME_WORDS, ChunkInput, Mention, RelationFact, make_mention
from graph.names import concise_name

#: Finds entity mentions (identifiers, lexicon terms) inside a piece of text.
Scanner = Callable[[str, str], list[Mention]]

_ROLE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # Each role also knows its Chinese header words (备件编号, 故障代码, 可能原因, 处理方法, 故障现象).
    (
        "part",
        re.compile(
            r"\b(?:parts?(?: (?:numbers?|no\.?))?|p/n|spares?|order(?:ing)? (?:no\.?|numbers?))\b|"
            r"备件|零件|件号|配件",
            re.I,
        ),
    ),
    ("code", re.compile(r"\b(?:codes?|alarms?|messages?|display|led|indicator)\b|代码|代号|报警", re.I)),
    ("cause", re.compile(r"\b(?:causes?|reasons?|why)\b|原因", re.I)),
    (
        "action",
        re.compile(
            r"\b(?:remed(?:y|ies)|actions?|solutions?|corrective|fix|what to do|resolution|"
            r"correction|recommend\w*|repair)\b|处理|排除|措施|对策|解决|维修方法",
            re.I,
        ),
    ),
    (
        "symptom",
        re.compile(
            r"\b(?:symptoms?|problems?|faults?|troubles?|conditions?|issues?|malfunctions?|"
            r"indications?|observations?|failures?|errors?)\b|现象|故障|问题|症状",
            re.I,
        ),
    ),
)
_CELL_SPLIT = re.compile(r"\s*(?:\n+|•|\u2022|;\s+(?=[A-Z]))\s*")
_STEP = re.compile(r"^\s*(?:step\s*)?(\d{1,3})\s*[.):]\s+(.+?)\s*$", re.I | re.M)
_FOLLOWING = {"Component": "ACTS_ON", "Part": "USES_PART", "Equipment": "ACTS_ON"}


@dataclass
class StructureResult:
    mentions: list[Mention]
    relations: list[RelationFact]


def column_roles(header: list[str]) -> dict[str, int]:
    """Detect troubleshooting column roles from a table header.

    Args:
        header: header cells.

    Returns:
        ``{role: column index}`` for roles among symptom, cause, action, code (first column wins).
    """
    roles: dict[str, int] = {}
    for index, cell in enumerate(header):
        for role, pattern in _ROLE_PATTERNS:
            if pattern.search(cell or ""):
                roles.setdefault(role, index)
                break
    return roles


def is_troubleshooting_table(roles: dict[str, int]) -> bool:
    """A table is a troubleshooting table when it has a problem side and a solution side."""
    return bool({"symptom", "code"} & roles.keys()) and bool({"cause", "action"} & roles.keys())


def _cell_items(cell: str) -> list[str]:
    return [item.strip(" -*\t") for item in _CELL_SPLIT.split(cell or "") if item.strip(" -*\t")]


class _Builder:
    """Accumulates mentions and relations for one chunk."""

    def __init__(self, chunk: ChunkInput, scan: Scanner, max_chars: int) -> None:
        self.chunk, self.scan, self.max_chars = chunk, scan, max_chars
        self.mentions: list[Mention] = []
        self.relations: list[RelationFact] = []

    def entity(self, label: str, name: str, source: str, scope: str | None = None) -> Mention | None:
        mention = make_mention(
            label, name, self.chunk.chunk_id, source=source, max_chars=self.max_chars, scope=scope
        )
        if mention is not None:
            self.mentions.append(mention)
        return mention

    def relate(
        self, rel: str, head: Mention | None, tail: Mention | None, source: str, **properties: object
    ) -> None:
        if head is not None and tail is not None and head.key != tail.key:
            self.relations.append(
                RelationFact(rel, head.key, tail.key, self.chunk.chunk_id, source, properties)
            )

    def link_objects(self, action: Mention | None, text: str, source: str) -> None:
        """Attach components/parts named inside an action's text to the action."""
        for found in self.scan(text, self.chunk.chunk_id):
            self.mentions.append(found)
            rel = _FOLLOWING.get(found.label)
            if rel:
                self.relate(rel, action, found, source)

    def result(self) -> StructureResult:
        return StructureResult(self.mentions, self.relations)


def table_relations(chunk: ChunkInput, scan: Scanner, max_chars: int = 200) -> StructureResult:
    """Extract symptom/code -> cause -> action relations from a troubleshooting table.

    The first row is the header. An empty symptom cell repeats the previous row's symptom
    (merged cells in the source). Cells holding several lines give one entity per line.

    Args:
        chunk: a chunk whose ``table_rows`` is set.
        scan: finds identifiers and lexicon terms inside cell text.
        max_chars: longest entity name kept.

    Returns:
        Mentions and relations; empty when the table is not a troubleshooting table.
    """
    builder = _Builder(chunk, scan, max_chars)
    rows = chunk.table_rows or []
    roles = column_roles(rows[0]) if rows else {}
    if not is_troubleshooting_table(roles):
        return builder.result()
    previous: dict[str, str] = {}
    for row in rows[1:]:
        cells = {role: (row[i] if i < len(row) else "").strip() for role, i in roles.items()}
        for role in ("symptom", "code"):
            if role in cells and not cells[role]:
                cells[role] = previous.get(role, "")
        previous = cells
        _table_row(builder, cells)
    return builder.result()


def _table_row(builder: _Builder, cells: dict[str, str]) -> None:
    symptoms = [builder.entity("Symptom", s, "table") for s in _cell_items(cells.get("symptom", ""))]
    codes = [m for m in builder.scan(cells.get("code", ""), builder.chunk.chunk_id) if m.label == "ErrorCode"]
    if cells.get("code") and not codes:
        codes = [builder.entity("ErrorCode", cells["code"], "table")]
    builder.mentions.extend(m for m in codes if m is not None and m not in builder.mentions)
    causes = [builder.entity("Cause", c, "table") for c in _cell_items(cells.get("cause", ""))]
    actions = []
    parts = [builder.entity("Part", p, "table") for p in _cell_items(cells.get("part", "")) if _is_value(p)]
    for text in _cell_items(cells.get("action", "")):
        action = builder.entity("Action", text, "table")
        builder.link_objects(action, text, "table")
        for part in parts:  # a part-number column names what the row's remedy needs
            builder.relate("USES_PART", action, part, "table")
        actions.append(action)
    problems = symptoms or causes
    for code in codes:
        for target in problems:
            builder.relate("INDICATES", code, target, "table")
    for symptom in symptoms:
        for cause in causes:
            builder.relate("CAUSED_BY", symptom, cause, "table")
    for problem in causes or symptoms or codes:
        for action in actions:
            builder.relate("REMEDIED_BY", problem, action, "table")


def _is_value(cell: str) -> bool:
    return bool(re.search(r"\w", cell)) and cell.strip().lower() not in {"n/a", "na", "none", "-", "—"}


def procedure_steps(text: str) -> list[tuple[int, str]]:
    """Split numbered steps ("1. Remove the cover", "Step 2: ...") out of text.

    Args:
        text: procedure text.

    Returns:
        ``(order, step text)`` pairs in document order.
    """
    return [(int(m.group(1)), m.group(2)) for m in _STEP.finditer(text)]


def procedure_relations(chunk: ChunkInput, scan: Scanner, max_chars: int = 200) -> StructureResult:
    """Extract ``Procedure -HAS_STEP{order}-> Action`` from numbered steps.

    The procedure is named after the innermost heading (or the first line before the steps) and is
    scoped to its document, so two manuals' "Installation" sections stay separate procedures.

    Args:
        chunk: a procedure or list chunk.
        scan: finds identifiers and lexicon terms inside step text.
        max_chars: longest entity name kept.

    Returns:
        Mentions and relations; empty when fewer than two numbered steps are found.
    """
    builder = _Builder(chunk, scan, max_chars)
    steps = procedure_steps(chunk.text)
    if len(steps) < 2:
        return builder.result()
    title = chunk.heading_path[-1] if chunk.heading_path else chunk.text.strip().splitlines()[0]
    procedure = builder.entity("Procedure", title, "procedure", scope=chunk.document_id)
    for position, (number, text) in enumerate(steps, start=1):
        action = builder.entity("Action", text, "procedure")
        builder.relate("HAS_STEP", procedure, action, "procedure", order=position, label=str(number))
        builder.link_objects(action, text, "procedure")
    return builder.result()


_PAIR_LABEL = re.compile(
    r"^[ \t]*(?P<label>problems?|symptoms?|issues?|faults?|causes?|reasons?|workarounds?|solutions?|"
    r"remed(?:y|ies)|"
    r"fix|corrective actions?|actions?)[ \t]*:?[ \t]*$",
    re.I | re.M,
)
#: "SYMPTOM: Scanner makes awful noise" over a lone "PROBLEM:" and "SOLUTION:" (the SANE Plustek
#: FAQ): the symptom stated on its label's line; the problem below it is its cause.
_SYMPTOM_LINE = re.compile(r"^[ \t]*(?P<label>symptoms?)[ \t]*:[ \t]*(?=\S)", re.I | re.M)
_PAIR_ROLE = {
    "problem": "symptom",
    "symptom": "symptom",
    "issue": "symptom",
    "fault": "symptom",
    "cause": "cause",
    "reason": "cause",
    "workaround": "action",
    "solution": "action",
    "remedy": "action",
    "remedie": "action",
    "fix": "action",
    "corrective action": "action",
    "action": "action",
}
_INLINE_CAUSE = re.compile(
    r"\b(?:this is|this was|which is|is|are)?\s*(?:due to|caused by|because of|the result of)\s+"
    r"(?P<cause>(?:[^.;]|\.(?=\S)){3,200})",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _first_sentence(text: str) -> str:
    return _SENTENCE_END.split(" ".join(text.split()), maxsplit=1)[0].rstrip(".")


def labelled_sections(text: str) -> list[dict[str, str]]:
    """Split "Problem / Cause / Workaround" style blocks (a label alone on its line) into groups.

    Args:
        text: chunk text.

    Returns:
        One ``{role: body}`` dict per problem, roles among symptom, cause, action.
    """
    alone = list(_PAIR_LABEL.finditer(text))
    # a symptom on its label's line counts only over a lone label ("PROBLEM:" below it), so a
    # chunk of one-line "Symptom: … Cause: …" items stays graph.labelled's
    stated = [m for m in _SYMPTOM_LINE.finditer(text) if any(a.start() > m.start() for a in alone)]
    marks = sorted(alone + stated, key=lambda m: m.start())
    groups: list[dict[str, str]] = []
    opened_by_symptom = False
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        body = text[mark.end() : end].strip()
        label = mark.group("label").lower()
        role = _PAIR_ROLE.get(label.rstrip("s"), _PAIR_ROLE.get(label))
        if not body or role is None:
            continue
        if role == "symptom" and label.startswith("problem") and opened_by_symptom and len(groups[-1]) == 1:
            role = "cause"  # what is wrong behind the symptom stated above it
        if role == "symptom" or not groups or role in groups[-1]:
            groups.append({})
            opened_by_symptom = label.startswith("symptom")
        if mark.re is _SYMPTOM_LINE:  # the symptom is its label's line; lines below describe it
            body = body.split("\n", 1)[0].strip()
        groups[-1][role] = body
    return [
        g
        for g in groups
        if "symptom" in g and ("action" in g or "cause" in g or _INLINE_CAUSE.search(g["symptom"]))
    ]


#: "…, this might have several causes:" over one cause a line (list items, one per line)
_ANNOUNCES_LIST = re.compile(r"(?:causes?|reasons?|following)\s*:\s*$", re.I)


def _listed_causes(text: str) -> list[str]:
    """The causes a cause block lists below a line announcing them ("The frontend cannot find any
    sane-device, this might have several causes:" then "the driver is not loaded", ...), each
    line's first sentence; [] when the block lists none."""
    first, _, rest = text.partition("\n")
    lines = [line.strip() for line in rest.split("\n") if line.strip()]
    if len(lines) < 2 or not _ANNOUNCES_LIST.search(first):
        return []
    return [_first_sentence(line) for line in lines]


def block_fix(text: str) -> tuple[str | None, str | None]:
    """(cause, fix) stated by a "Workaround" / "Solution" block.

    The fix is the block's first instruction ("Recent versions of Apcupsd have addressed this
    issue. Please upgrade to apcupsd-3.10.18 or higher." -> the second sentence) or what a fix cue
    names ("This is a kernel bug and is most easily worked around by not hot-unplugging the UPS"
    -> the cause "a kernel bug" and the fix "not hot-unplugging the UPS"); a block that states
    neither gives no fix rather than its first sentence.
    """
    cause = None
    for sentence in _SENTENCE_END.split(" ".join(text.split())):
        cause = cause or faq.defect_cause(sentence)
        if faq.opens_with_imperative(sentence):
            return cause, sentence.rstrip(".")
        fix = faq.solution_remedy(sentence)
        if fix is not None and (not fix[1] or faq.opens_with_imperative(fix[0])):
            return cause, fix[0]
    return cause, None


def labelled_relations(chunk: ChunkInput, scan: Scanner, max_chars: int = 200) -> StructureResult:
    """Extract relations from "Problem ... Workaround ..." blocks (definition lists in manuals).

    The problem's first sentence names the symptom; a "due to / caused by" clause inside the
    problem (or a Cause block, or a defect the workaround names) names the cause; the workaround
    or solution names the action (see :func:`block_fix`). A name over ``MAX_FACT_NAME_WORDS``
    words goes through :func:`graph.names.concise_name` (its first clause, or none): no
    sentence-length entity.

    Args:
        chunk: a chunk whose text holds labelled blocks.
        scan: finds identifiers and lexicon terms inside the action text.
        max_chars: longest entity name kept.

    Returns:
        Mentions and relations; empty when the text has no labelled problem blocks.
    """
    builder = _Builder(chunk, scan, max_chars)

    def entity(label: str, text: str | None) -> Mention | None:
        # Short names stay as written, asides included ("lockups (apcupsd stops responding)").
        name = text if text and len(text.split()) <= MAX_FACT_NAME_WORDS else concise_name(text or "")
        return builder.entity(label, name, "labelled") if name else None

    for group in labelled_sections(chunk.text):
        symptom = entity("Symptom", _first_sentence(group["symptom"]))
        inline = _INLINE_CAUSE.search(group["symptom"])
        cause_text = group.get("cause") or (inline.group("cause") if inline else None)
        named_cause, fix = block_fix(group["action"]) if "action" in group else (None, None)
        listed = _listed_causes(group.get("cause", ""))
        if listed:
            causes = [entity("Cause", line) for line in listed]
            cause = None  # the fix is for the symptom: which of the causes it repairs is unsaid
        else:
            cause = (
                entity("Cause", _first_sentence(cause_text)) if cause_text else entity("Cause", named_cause)
            )
            causes = [cause]
        for each in causes:
            builder.relate("CAUSED_BY", symptom, each, "labelled")
        action = entity("Action", fix)
        if action is not None:
            builder.link_objects(action, fix, "labelled")
            builder.relate("REMEDIED_BY", cause or symptom, action, "labelled")
    return builder.result()
