"""The labelled answer-quality set (``tests/data/answer_eval.jsonl``, issue 11 section 4).

One JSON object per line::

    {"id": "a001", "split": "dev" | "heldout", "question": ..., "intent": ...,
     "file": "manuals/..." | "records/..." | "heldout/..." | "tests/data/...",
     "gold_quote": ..., "key_facts": [["phrasing", "alternative"], ...], "codes": [...],
     "answerable": bool, "notes": ...}

Record questions over ``records/excavator-work-orders.csv`` also carry ``record_query`` (the filter
that selects their work orders: ``asset``, ``pm_type``, ``text_regex`` on ``OriginalShorttext``, and
``op``: ``rows`` | ``count`` | ``max``), ``rows`` (the CSV line numbers, which are the parser's
``row_number``) and ``gold_value`` (the count or the maximum cost); this test recomputes them from the
CSV. Work orders have no id column, so a work order is named by its line, date and asset.

Every gold quote, every key-fact phrasing and every code must occur in the text of the source file
as the project's own parser (``retrieval.parse.parse_file``) reads it, so extractive answers can be
scored honestly: quotes and facts compared case-insensitively with whitespace and typographic quotes
normalised, codes compared with their case.
"""

from __future__ import annotations

import csv
import functools
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from retrieval.parse import parse_file
from retrieval.types import BlockKind

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data"
SET_PATH = ROOT / "tests" / "data" / "answer_eval.jsonl"
PRESS_TABLE = "tests/data/hydraulic-press-faults.md"
WORK_ORDERS = "records/excavator-work-orders.csv"

INTENTS = {"troubleshooting", "procedure", "lookup", "aggregate", "unanswerable"}
FIELDS = set("id split question intent file gold_quote key_facts codes answerable notes".split())
RECORD_FIELDS = {"record_query", "rows", "gold_value"}
MIN_PER_INTENT = {"troubleshooting": 30, "procedure": 15, "lookup": 20, "unanswerable": 12, "aggregate": 5}
MIN_TOTAL = 90
MIN_RECORD_QUESTIONS = 8
MIN_HELDOUT = 30
MIN_HELDOUT_UNANSWERABLE = 4
MIN_PRESS_QUESTIONS = 5

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


def _load() -> list[dict]:
    lines = [line for line in SET_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


ITEMS = _load()
ANSWERABLE = [item for item in ITEMS if item.get("answerable")]


def _ids(items: list[dict]) -> list[str]:
    return [item["id"] for item in items]


def squash(text: str) -> str:
    """Whitespace collapsed and typographic quotes made plain (case kept)."""
    return " ".join(text.translate(_QUOTES).split())


def fold(text: str) -> str:
    """``squash`` and case-folded: how quotes and key facts are compared."""
    return squash(text).casefold()


def source_path(file: str) -> Path:
    if file.startswith(("manuals/", "records/", "heldout/")):
        return SAMPLES / file
    return ROOT / file


@functools.cache
def document_text(file: str) -> str:
    """The parsed text of a source file: every block's text, in order (squashed, case kept)."""
    document = parse_file(source_path(file))
    return squash("\n".join(block.text for block in document.blocks))


@functools.cache
def work_orders() -> list[tuple[int, dict[str, str]]]:
    """(CSV line number, row) for every work order of the CSV export."""
    with source_path(WORK_ORDERS).open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return [(reader.line_num, row) for row in reader]


def test_the_set_has_the_agreed_size_and_mix():
    assert len(ITEMS) >= MIN_TOTAL
    intents = Counter(item["intent"] for item in ITEMS)
    for intent, minimum in MIN_PER_INTENT.items():
        assert intents[intent] >= minimum, (intent, intents[intent])
    records = [item for item in ITEMS if item["file"].startswith("records/")]
    assert len([item for item in records if item["answerable"]]) >= MIN_RECORD_QUESTIONS
    press = [item for item in ITEMS if item["file"] == PRESS_TABLE and item["answerable"]]
    assert len(press) >= MIN_PRESS_QUESTIONS


def test_ids_are_unique_and_numbered():
    ids = _ids(ITEMS)
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"a\d{3}", i) for i in ids), ids


@pytest.mark.parametrize("item", ITEMS, ids=_ids(ITEMS))
def test_each_item_follows_the_schema(item):
    assert FIELDS <= set(item) <= FIELDS | RECORD_FIELDS, set(item) ^ FIELDS
    assert item["split"] in ("dev", "heldout")
    assert item["intent"] in INTENTS
    assert isinstance(item["question"], str) and len(item["question"].split()) >= 4
    assert isinstance(item["notes"], str)
    assert isinstance(item["answerable"], bool)
    assert (item["intent"] == "unanswerable") is (not item["answerable"])
    assert isinstance(item["codes"], list) and all(isinstance(c, str) and c.strip() for c in item["codes"])
    assert source_path(item["file"]).is_file(), item["file"]
    if item["split"] == "heldout":
        assert item["file"].startswith("heldout/")
    else:
        assert item["file"].startswith(("manuals/", "records/", "tests/data/"))
    if not item["answerable"]:
        assert item["key_facts"] == [] and item["gold_quote"] == "" and item["codes"] == []
        return
    assert isinstance(item["gold_quote"], str) and item["gold_quote"].strip()
    facts = item["key_facts"]
    assert 1 <= len(facts) <= 4, facts
    for fact in facts:
        assert isinstance(fact, list) and fact, fact
        for phrasing in fact:
            assert isinstance(phrasing, str) and 1 <= len(phrasing.split()) <= 8, phrasing


@pytest.mark.parametrize("item", ANSWERABLE, ids=_ids(ANSWERABLE))
def test_gold_quote_facts_and_codes_are_in_the_parsed_document(item):
    text = document_text(item["file"])
    folded = text.casefold()
    assert fold(item["gold_quote"]) in folded, item["gold_quote"]
    for fact in item["key_facts"]:
        for phrasing in fact:
            assert fold(phrasing) in folded, phrasing
    for code in item["codes"]:
        assert squash(code) in text, code


@pytest.mark.parametrize("item", ANSWERABLE, ids=_ids(ANSWERABLE))
def test_questions_paraphrase_rather_than_copy_the_gold_passage(item):
    question = fold(item["question"]).split()
    quote = fold(item["gold_quote"]).split()
    window = 7  # no run of 7 words of the gold passage may appear in the question

    def runs(words: list[str]) -> set[tuple[str, ...]]:
        return {tuple(words[i : i + window]) for i in range(len(words) - window + 1)}

    copied = runs(question) & runs(quote)
    assert not copied, copied


RECORD_ITEMS = [item for item in ITEMS if "record_query" in item]


def test_every_answerable_work_order_question_carries_its_query():
    csv_items = [item for item in ITEMS if item["file"] == WORK_ORDERS and item["answerable"]]
    assert csv_items and all("record_query" in item for item in csv_items)


@pytest.mark.parametrize("item", RECORD_ITEMS, ids=_ids(RECORD_ITEMS))
def test_record_gold_is_what_the_csv_says(item):
    assert item["file"] == WORK_ORDERS
    query = item["record_query"]
    assert set(query) <= {"asset", "pm_type", "text_regex", "op"} and query["op"] in ("rows", "count", "max")
    pattern = re.compile(query.get("text_regex", ""), re.IGNORECASE)
    matched = [
        (line, row)
        for line, row in work_orders()
        if ("asset" not in query or row["Asset"] == query["asset"])
        and ("pm_type" not in query or row["PMType"] == query["pm_type"])
        and pattern.search(row["OriginalShorttext"])
    ]
    assert matched
    if query["op"] == "max":
        line, row = max(matched, key=lambda pair: float(pair[1]["Cost"] or 0))
        assert item["rows"] == [line]
        assert item["gold_value"] == pytest.approx(float(row["Cost"]))
    else:
        assert item["rows"] == [line for line, _ in matched]
        if query["op"] == "count":
            assert item["gold_value"] == len(matched)
    # every work order of the answer is a record the parser produced, with that row number
    records = {
        block.row_number: block.text
        for block in parse_file(source_path(WORK_ORDERS)).blocks
        if block.kind is BlockKind.RECORD
    }
    for line in item["rows"]:
        assert line in records
    assert any(fold(item["gold_quote"]) in fold(records[line]) for line in item["rows"])


def test_the_heldout_split_is_a_public_manual_nobody_tunes_on():
    heldout = [item for item in ITEMS if item["split"] == "heldout"]
    assert len(heldout) >= MIN_HELDOUT
    assert sum(not item["answerable"] for item in heldout) >= MIN_HELDOUT_UNANSWERABLE
    files = {item["file"] for item in heldout}
    demo_names = {p.name for p in (SAMPLES / "manuals").iterdir()}
    licences = (SAMPLES / "LICENSES.md").read_text(encoding="utf-8")
    for file in files:
        assert Path(file).name not in demo_names
        assert f"`{file}`" in licences, f"{file} has no row in sample_data/LICENSES.md"
    dev_files = {item["file"] for item in ITEMS if item["split"] == "dev"}
    assert not files & dev_files


def test_the_press_fault_table_holds_the_rows_the_issue_describes():
    document = parse_file(source_path(PRESS_TABLE))
    tables = [block.rows or () for block in document.blocks if block.kind is BlockKind.TABLE]
    rows = {row[0]: row for table in tables for row in table}
    h301 = ("H-301", "ram drifts down under load", "worn piston seal", "replace seal kit", "HS-4410")
    assert rows["H-301"] == h301
    assert any("top up ISO VG 46 oil and bleed the suction line" in row for row in rows.values())
    assert len(rows) >= 6  # header + H-301 + ~5 other codes
