"""The Chinese complaints of the diagnosis set (bench/diagnosis_zh.py): schema, ids, script."""

from __future__ import annotations

import json
from pathlib import Path

from graph.han import HAN_RUN

ROOT = Path(__file__).resolve().parents[2]
# Only the dev and seen file: the untouched one is read by nobody before its one run.
ROWS = [
    json.loads(line)
    for line in (ROOT / "tests/data/diagnosis_eval_zh.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
SPLITS = {
    row["id"]: row["split"]
    for row in map(json.loads, (ROOT / "tests/data/diagnosis_eval.jsonl").read_text().splitlines())
}


def test_every_row_is_an_id_and_a_complaint():
    assert ROWS
    for row in ROWS:
        assert set(row) == {"id", "query_zh"}, row
        assert isinstance(row["query_zh"], str) and row["query_zh"].strip(), row["id"]
    assert len({r["id"] for r in ROWS}) == len(ROWS)


def test_every_id_is_a_dev_or_seen_row_of_the_english_set_and_every_such_row_has_one():
    assert all(SPLITS.get(r["id"]) in ("dev", "heldout") for r in ROWS)
    assert {r["id"] for r in ROWS} == {i for i, split in SPLITS.items() if split in ("dev", "heldout")}


def test_every_complaint_is_written_in_chinese():
    # Codes, commands and quoted messages stay in Latin script, as a technician types them, but
    # every complaint says something in Chinese around them.
    for row in ROWS:
        assert sum(len(run) for run in HAN_RUN.findall(row["query_zh"])) >= 2, row["id"]


def test_the_bench_fuses_the_complaints_and_translations_rankings_by_rrf():
    from bench.diagnosis_zh import RRF_K, fused

    class Ranker:
        def rank(self, query):
            return {"complaint": [3, 1, 2, 0], "translation": [1, 0, 3, 2]}[query]

    def rrf(i):
        return sum(1 / (RRF_K + order.index(i) + 1) for order in ([3, 1, 2, 0], [1, 0, 3, 2]))

    assert fused(Ranker(), ["complaint", "translation"]) == sorted(range(4), key=lambda i: -rrf(i))
    assert fused(Ranker(), ["complaint"]) == [3, 1, 2, 0]
