"""How the ``nearest`` weights of the diagnosis ranking were chosen: dev slice of the work orders only.

An emulation of :func:`graph.diagnose.diagnose` on the NIST nestor excavator records without a
database, fast enough for a grid: the records of ``bench/diagnosis.py``'s ``dev`` split (first
70 % by date) stand in for the graph, the next 10 % are asked about, and
:func:`graph.diagnose_rank.rank` ranks what the engine's reads would return:

- linked entities: the problem entities the extractor's scan finds in the masked complaint and
  some record names (the engine also links through the full-text index: not emulated);
- work orders naming one of them (newest ``max_orders``) and on the asset (newest
  ``max_asset_orders``), as ``ORDERS_NAMING`` / ``ORDERS_ON_ASSET`` read them;
- the nearest records: Okapi BM25 over the records' texts (``bench.diagnosis.Bm25``, stemmed
  like the engine's terms) where the engine asks Lucene's English analyzer; scores differ a little.

The test split (last 20 %) is never asked here: it is run once, on the real engine, by
``bench/diagnosis.py``. Chosen 2026-12-07 (issue 13): ``NEAREST_WEIGHT`` 1.0 (not above a
perfect manual match), ``NEAREST_RECORDS`` 10, asset records weighted 2 (class 1.5 unmeasured:
the excavators have no models), ``max_orders`` 200, ``max_asset_orders`` 100.

Usage::

    .venv/bin/python bench/diagnosis_weights.py /tmp/nestor/nestor/datasets/excavators-cleaned.csv \\
        --grid '[[1, 10, 2], [2, 10, 1]]' --max-orders 200 --max-asset-orders 100
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import graph.diagnose_rank as ranking  # noqa: E402
from bench.diagnosis import (  # noqa: E402
    Bm25,
    _top3,
    _words,
    masked,
    norm,
    order_labels,
    order_rows,
    order_split,
)
from graph import ExtractionConfig, Extractor  # noqa: E402
from graph.diagnose_cypher import PROBLEM_LABELS  # noqa: E402


def _problems(extractor: Extractor, text: str) -> dict[str, str]:
    return {m.key: m.label for m in extractor.scan(text, "c") if m.label in PROBLEM_LABELS}


def prepare(path: Path, max_orders: int, max_asset_orders: int) -> tuple[list, list[str], list[str], set]:
    extractor = Extractor(ExtractionConfig())
    fit, asked = order_split(order_rows(path), "dev")
    records = [
        {
            "key": f"W{i}",
            "asset": r["Asset"],
            "date": r["BscStartDate"],
            "text": " ".join(r["OriginalShorttext"].split())[:500],
            "problems": tuple(_problems(extractor, r["OriginalShorttext"])),
            "actions": tuple((a, a) for a in sorted(order_labels(r)[1])),
        }
        for i, r in enumerate(fit)
    ]
    known = {k for o in records for k in o["problems"]}
    newest = sorted(records, key=lambda o: o["date"], reverse=True)
    bm25 = Bm25([o["text"] for o in records])

    def past(o: dict, asset: str) -> ranking.PastOrder:
        scope = "asset" if o["asset"] == asset else "fleet"
        return ranking.PastOrder(
            o["key"], o["key"], o["date"], o["text"], scope, o["problems"], o["actions"], (), ()
        )

    cases = []
    for r in asked:
        query = masked(r["OriginalShorttext"], extractor)
        gold_class, gold = order_labels(r)
        if not query:
            cases.append((query, gold, gold_class, {}, [], [], []))
            continue
        seeds = {
            k: 0.5 if label == "Component" else 1.0
            for k, label in _problems(extractor, query).items()
            if k in known
        }
        naming = [o for o in newest if set(o["problems"]) & set(seeds)][:max_orders]
        on_asset = [o for o in newest if o["asset"] == r["Asset"]][:max_asset_orders]
        orders = [past(o, r["Asset"]) for o in {o["key"]: o for o in naming + on_asset}.values()]
        words = set(_words(query))
        nearest, baseline = [], []
        for i in bm25.rank(query)[:50]:
            doc = bm25.docs[i]
            length = sum(doc.values())
            score = sum(
                bm25.idf[w] * doc[w] * 2.2 / (doc[w] + 1.2 * (0.25 + 0.75 * length / bm25.avg))
                for w in words
                if w in doc
            )
            nearest.append((past(records[i], r["Asset"]), score))
            baseline += sorted(order_labels(fit[i])[1])
        cases.append((query, gold, gold_class, seeds, orders, nearest, baseline))
    frequent = [x for x, _ in Counter(x for r in fit for x in order_labels(r)[1]).most_common()]
    frequent_classes = [c for c, _ in Counter(a for r in fit for a in order_labels(r)[0]).most_common()]
    classes = {a for r in fit for a in order_labels(r)[0]}
    return cases, frequent, frequent_classes, classes


def evaluate(cases, frequent, frequent_classes, classes, use_nearest: bool) -> dict[str, float]:
    def as_classes(ranked: list[str]) -> list[str]:
        longest_first = sorted(classes, key=len, reverse=True)
        return [norm(next((c for c in longest_first if x.startswith(norm(c))), x)) for x in ranked]

    hits: Counter = Counter()
    for query, gold, gold_class, seeds, orders, nearest, baseline in cases:
        ranked = (
            [norm(c.name) for c in ranking.rank(query, seeds, [], orders, 10, nearest if use_nearest else ())]
            if query
            else []
        )
        for name, labels, label_classes in (
            ("engine", ranked, as_classes(ranked)),
            ("bm25_nearest_record", baseline, as_classes(baseline)),
            ("most_frequent_action", frequent, frequent_classes),
        ):
            hits[f"{name}:action+part"] += bool(set(_top3(labels)) & gold)
            hits[f"{name}:action"] += bool(set(_top3(label_classes)) & gold_class)
    return {k: round(v / len(cases), 3) for k, v in sorted(hits.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", type=Path, help="excavators-cleaned.csv of the nist-nestor wheel")
    parser.add_argument("--grid", default="[[1, 10, 2]]", help="JSON [[weight, records, asset weight], ...]")
    parser.add_argument("--max-orders", type=int, default=200)
    parser.add_argument("--max-asset-orders", type=int, default=100)
    args = parser.parse_args(argv)
    cases, frequent, frequent_classes, classes = prepare(args.csv, args.max_orders, args.max_asset_orders)
    print(
        json.dumps(
            {
                "asked": len(cases),
                "without_nearest": evaluate(cases, frequent, frequent_classes, classes, False),
            }
        )
    )
    for weight, records, asset_weight in json.loads(args.grid):
        ranking.NEAREST_WEIGHT, ranking.NEAREST_RECORDS = weight, records
        ranking.NEAREST_SCOPE_WEIGHTS = {"asset": asset_weight, "class": asset_weight, "fleet": 1.0}
        found = evaluate(cases, frequent, frequent_classes, classes, True)
        print(json.dumps({"weight": weight, "records": records, "asset_weight": asset_weight, **found}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
