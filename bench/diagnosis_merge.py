"""How the graph's candidates and the passages are merged, replayed without a database (issue 13).

``bench/diagnosis.py --dump FILE`` writes, for each dev and seen query, the graph's own candidates
(the ranked causes without passages) and the BM25 top 5 passages it hands to the engine. This
script replays the merge on them: :func:`graph.diagnose_rank.merge` as ``graph/diagnose_rank.py``
was at ``--before`` (read from git; default: session 8's, 2c7430c) against today's, and variants of
today's, as cause / remedy recall@k by set (``dev`` and ``seen`` sums, and each document group).
The recall rules are bench/diagnosis.py's (``_found``). The dump holds no untouched query::

    /tmp/kenning/heavy .venv/bin/python bench/diagnosis.py --state-dir /tmp/diag-neo4j --dump /tmp/d.pkl
    .venv/bin/python bench/diagnosis_merge.py /tmp/d.pkl
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import graph.diagnose_rank as ranking  # noqa: E402
import graph.faq as faq  # noqa: E402
from bench.diagnosis import _found, norm  # noqa: E402

Merge = Callable[[str, list, list], list]
#: Session 8's engine (the merge, the question heading, 800 characters): the "before" of session 9.
SESSION_8 = "2c7430c"


def ranking_at(rev: str) -> ModuleType:
    """``graph/diagnose_rank.py`` as it was at git revision ``rev``, loaded as a module of its own."""
    source = subprocess.run(
        ["git", "show", f"{rev}:graph/diagnose_rank.py"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    module = ModuleType(f"diagnose_rank_{rev}")
    sys.modules[module.__name__] = module  # its dataclasses look their module up
    # Our own repository's code at a named revision, not outside input.
    exec(compile(source, f"{rev}:graph/diagnose_rank.py", "exec"), module.__dict__)
    return module


def merge_of(module: ModuleType) -> Merge:
    return lambda complaint, causes, passages: module.merge(complaint, causes, passages, 10)


@contextmanager
def no_question_lines():
    """Today's excerpt with no question read inside a passage (only the heading asks)."""
    saved = faq.question_line
    faq.question_line = lambda line, before="": None
    try:
        yield
    finally:
        faq.question_line = saved


@contextmanager
def nothing():
    yield


def source_of(row: dict) -> tuple[str, str]:
    """(the split as reported, the document group): dev "manuals" (the first dev manuals) or "sudo";
    seen "chrony" or "cryptsetup"."""
    split = "dev" if row["split"] == "dev" else "seen"
    for name in ("sudo", "chrony", "cryptsetup"):
        if name in row["source"]:
            return split, name
    return split, "manuals"


def recall(dump: list[dict], merge: Merge, k: int) -> dict[str, dict[str, float]]:
    """Cause / remedy recall of the first ``k`` candidates, per split and per document group."""
    counts: Counter = Counter()
    for row in dump:
        q = row["query"]
        shown = merge(q["query"], list(row["graph"]), list(row["passages"]))[:k]
        for kind, gold in (("cause", q["causes"]), ("remedy", q["remedies"])):
            for g in gold:
                for group in source_of(q):
                    counts[(group, kind)] += 1
                    counts[(group, kind, "hit")] += _found(kind, g, shown)
                    counts[(group, kind, "bm25")] += any(norm(g) in norm(p.text) for p in row["passages"])
    groups = sorted({s for s, *_ in counts})
    return {
        s: {
            f"{kind}{suffix}": round(counts[(s, kind, part)] / counts[(s, kind)], 3)
            for kind in ("cause", "remedy")
            if counts[(s, kind)]
            for suffix, part in (("", "hit"), ("_bm25", "bm25"))
        }
        for s in groups
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dump", type=Path, help="bench/diagnosis.py --dump output (dev and seen queries)")
    parser.add_argument("--k", default="2,5", help="list lengths scored (5 is the issue's measure)")
    parser.add_argument("--before", default=SESSION_8, help="git revision of the engine compared against")
    args = parser.parse_args(argv)
    dump = pickle.loads(args.dump.read_bytes())  # our own benchmark's file, not untrusted input
    before = ranking_at(args.before)
    variants = {
        f"before ({args.before})": (merge_of(before), nothing),
        "now": (merge_of(ranking), nothing),
        "now, no question lines in the text": (merge_of(ranking), no_question_lines),
    }
    for k in [int(x) for x in args.k.split(",")]:
        for name, (merge, patch) in variants.items():
            with patch():
                print(json.dumps({"k": k, "variant": name, "recall": recall(dump, merge, k)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
