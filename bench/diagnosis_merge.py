"""How the graph's candidates and the passages are merged, replayed without a database (issue 13).

``bench/diagnosis.py --dump FILE`` writes, for each dev query, the graph's own candidates (the
ranked causes without passages) and the BM25 top 5 passages it hands to the engine. This script
replays the merge on them: the engine before (graph candidates first, passages filling the rest,
a 500-character excerpt from the best-matching sentence) against :func:`graph.diagnose_rank.merge`
with the excerpt of today, and each change alone, as cause / remedy recall@k by source. The
recall rules are bench/diagnosis.py's (``_found``). Dev only: the dump holds no other split::

    /tmp/kenning/heavy .venv/bin/python bench/diagnosis.py --state-dir /tmp/diag-neo4j --dump /tmp/dev.pkl
    .venv/bin/python bench/diagnosis_merge.py /tmp/dev.pkl
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import graph.diagnose_rank as ranking  # noqa: E402
from bench.diagnosis import _found, norm  # noqa: E402

Merge = Callable[[str, list, list], list]


def graph_first(complaint: str, causes: list, passages: list) -> list:
    """The engine before: every graph candidate first, the passages it cites left out, the rest fill."""
    filled = list(causes)
    if passages and len(filled) < 10:
        cited = ranking.cited_chunks(filled)
        filled += ranking.passage_causes(complaint, passages, cited, limit=10 - len(filled))
    return filled


def merged(complaint: str, causes: list, passages: list) -> list:
    return ranking.merge(complaint, causes, passages, 10)


def no_headings(merge: Merge) -> Merge:
    """The excerpt as before: from the best-matching sentence, the question heading not read."""
    return lambda q, causes, passages: merge(q, causes, [replace(p, heading="") for p in passages])


def source_of(row: dict) -> str:
    """``sudo`` for the set labelled in session 8, ``manuals`` for the first dev manuals."""
    return "sudo" if "sudo" in row["source"] else "manuals"


def recall(dump: list[dict], merge: Merge, excerpt_chars: int, k: int) -> dict[str, dict[str, float]]:
    """Cause / remedy recall of the first ``k`` candidates, per source and over all (``all``)."""
    saved = ranking.MAX_EXCERPT_CHARS
    ranking.MAX_EXCERPT_CHARS = excerpt_chars
    try:
        counts: Counter = Counter()
        for row in dump:
            q = row["query"]
            shown = merge(q["query"], list(row["graph"]), list(row["passages"]))[:k]
            for kind, gold in (("cause", q["causes"]), ("remedy", q["remedies"])):
                for g in gold:
                    for source in (source_of(q), "all"):
                        counts[(source, kind)] += 1
                        counts[(source, kind, "hit")] += _found(kind, g, shown)
                        counts[(source, kind, "bm25")] += any(
                            norm(g) in norm(p.text) for p in row["passages"]
                        )
    finally:
        ranking.MAX_EXCERPT_CHARS = saved
    sources = sorted({s for s, *_ in counts})
    return {
        s: {
            f"{kind}{suffix}": round(counts[(s, kind, part)] / counts[(s, kind)], 3)
            for kind in ("cause", "remedy")
            if counts[(s, kind)]
            for suffix, part in (("", "hit"), ("_bm25", "bm25"))
        }
        for s in sources
    }


VARIANTS: dict[str, tuple[Merge, int]] = {
    "before (graph first, 500 chars, no heading)": (no_headings(graph_first), 500),
    "+ question heading starts the excerpt": (graph_first, 500),
    "+ 800-character excerpt": (graph_first, 800),
    "merge alone (500 chars, no heading)": (no_headings(merged), 500),
    "now (merge, heading, 800 chars)": (merged, ranking.MAX_EXCERPT_CHARS),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dump", type=Path, help="bench/diagnosis.py --dump output (dev queries)")
    parser.add_argument("--k", default="1,2,3,5", help="list lengths scored (5 is the issue's measure)")
    args = parser.parse_args(argv)
    dump = pickle.loads(args.dump.read_bytes())  # our own benchmark's file, not untrusted input
    for k in [int(x) for x in args.k.split(",")]:
        for name, (merge, chars) in VARIANTS.items():
            print(json.dumps({"k": k, "variant": name, "recall": recall(dump, merge, chars, k)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
