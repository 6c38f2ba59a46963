"""The labelled bilingual retrieval set (``tests/data/bilingual_eval.jsonl``, issue 14).

One JSON object per line::

    {"id": "ze01" | "zz01", "split": "dev" | "heldout", "direction": "zh-en" | "zh-zh",
     "question": <Chinese>, "intent": ..., "file": <under sample_data/>, "answer_quote": ...,
     "page": null, "row": null, "key_facts": [["phrasing", "alternative"], ...],
     "parallel_id": <qa_eval.jsonl id of the English original> | null, "notes": ...}

``zh-en`` questions are translations of ``qa_eval.jsonl`` questions and keep their gold quote;
``zh-zh`` questions ask about the Chinese manual in ``sample_data/manuals_zh/``. Every quote and
key-fact phrasing must occur in the source as the project's parser reads it.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from pathlib import Path

import pytest

from retrieval.language import detect_language
from retrieval.parse import parse_file

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "bilingual_eval.jsonl"
QA = REPO / "tests" / "data" / "qa_eval.jsonl"
ROWS = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


@functools.cache
def _source(file: str) -> str:
    return _norm(" ".join(b.text for b in parse_file(REPO / "sample_data" / file).blocks))


def test_the_set_has_at_least_forty_questions_per_direction_and_both_splits():
    counts = Counter((r["direction"], r["split"]) for r in ROWS)
    for direction in ("zh-en", "zh-zh"):
        assert counts[(direction, "dev")] + counts[(direction, "heldout")] >= 40
        assert counts[(direction, "heldout")] >= 15
    assert len({r["id"] for r in ROWS}) == len(ROWS)


def test_every_question_is_chinese_and_every_zh_zh_source_is_chinese():
    assert all(detect_language(r["question"]) == "zh" for r in ROWS)
    assert {r["file"] for r in ROWS if r["direction"] == "zh-zh"} == {
        "manuals_zh/kp50-pump-maintenance-zh.md"
    }


def test_translated_questions_keep_the_gold_quote_of_their_english_original():
    english = {json.loads(line)["id"]: json.loads(line) for line in QA.read_text().splitlines() if line}
    for r in (r for r in ROWS if r["direction"] == "zh-en"):
        original = english[r["parallel_id"]]
        assert (r["file"], r["answer_quote"]) == (original["file"], original["answer_quote"]), r["id"]


@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_quotes_and_key_facts_are_in_the_parsed_source(row):
    source = _source(row["file"])
    assert _norm(row["answer_quote"]) in source
    assert row["key_facts"]
    for alternatives in row["key_facts"]:
        assert any(_norm(a) in source for a in alternatives), alternatives
