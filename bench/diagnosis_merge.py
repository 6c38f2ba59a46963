"""How the graph's candidates and the passages are merged, replayed without a database (issue 13).

``bench/diagnosis.py --dump FILE`` writes, for each dev and seen query, the graph's own candidates
(the ranked causes without passages) and BM25's first 10 passages (5 in a dump from before
8ac890c). This script replays the merge on them: :func:`graph.diagnose_rank.merge` as
``graph/diagnose_rank.py`` was at ``--before`` (read from git; default: session 9's, 432002b)
against today's, and variants of today's, as cause / remedy recall@k by set (``dev`` and ``seen``
sums, and each document group), with BM25's first ``--handed`` passages handed to the merge (the
Diagnose page hands in its search's first 5; the BM25 column always counts BM25's first 5). The
recall rules are bench/diagnosis.py's (``_found``). The dump holds no untouched query::

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
#: Session 9's engine (FAQ items in passages, the answer window): the "before" of session 10.
SESSION_9 = "432002b"


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


def reordered(complaint: str, causes: list, passages: list) -> list:
    """Today's merge with the passages in :func:`graph.diagnose_rank.passage_order` (the merge's
    order until it kept retrieval's)."""
    return ranking.merge(complaint, causes, passages, 10, reorder=True)


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


def excerpt_chars(n: int):  # type: ignore[no-untyped-def]
    """Today's merge with an excerpt budget of ``n`` characters."""

    @contextmanager
    def patched():  # type: ignore[no-untyped-def]
        saved = ranking.MAX_EXCERPT_CHARS
        ranking.MAX_EXCERPT_CHARS = n
        ranking._best_window.cache_clear()
        try:
            yield
        finally:
            ranking.MAX_EXCERPT_CHARS = saved
            ranking._best_window.cache_clear()

    return patched


#: The seen sets by when they were first run: session 11's five, then procmail and Podman (run
#: untouched once at 42f5a85, seen since 4c77bb9), AVRDUDE and Net-SNMP (run once at 84f3ced), HPLIP
#: and Plustek (run once at 9c76816), OpenOCD and bttv (run once at 2a45c32).
OLDER_SEEN = ("chrony", "cryptsetup", "dnsmasq", "screen", "ppp")
NEWER_SEEN = ("procmail", "podman", "avrdude", "netsnmp", "hplip", "plustek", "openocd", "bttv")


def source_of(row: dict) -> tuple[str, ...]:
    """The groups a query counts in: its split as reported ("dev" or "seen"), its document group
    (dev "manuals", the first dev manuals, or "sudo"; a seen set's name) and, for a seen query,
    "seen-older" (:data:`OLDER_SEEN`) or "seen-newer" (:data:`NEWER_SEEN`)."""
    split = "dev" if row["split"] == "dev" else "seen"
    for name in ("sudo", *OLDER_SEEN, *NEWER_SEEN):
        if name in row["source"]:
            era = () if split == "dev" else ("seen-older" if name in OLDER_SEEN else "seen-newer",)
            return split, name, *era
    return split, "manuals"


#: Which dumped passages are handed to the merge: ``ranked`` (those the run handed the engine),
#: ``bm25_ranked`` or ``hybrid_ranked`` (a ``--retrieval hybrid`` dump holds both).
PASSAGES_KEY = "ranked"


def handed_in(row: dict, handed: int) -> list:
    """The first ``handed`` passages of a dumped query that :data:`PASSAGES_KEY` names (BM25's in a
    ``--retrieval bm25`` dump; a dump from before 8ac890c holds 5)."""
    return list(row.get(PASSAGES_KEY) or row.get("ranked", row["passages"]))[:handed]


def recall(dump: list[dict], merge: Merge, k: int, handed: int = 5) -> dict[str, dict[str, float]]:
    """Cause / remedy recall of the first ``k`` candidates, per split and per document group, with
    BM25's first ``handed`` passages handed to the merge (the BM25 column is always its first 5)."""
    counts: Counter = Counter()
    for row in dump:
        q = row["query"]
        shown = merge(q["query"], list(row["graph"]), handed_in(row, handed))
        # At 5 the benchmark's own rule (``_found``: the first 5 candidates, the first 5 fixes
        # shown, past a 5th candidate when one in the first 5 shows no fix); other k cut the list.
        shown = shown if k == 5 else shown[:k]
        for kind, gold in (("cause", q["causes"]), ("remedy", q["remedies"])):
            for g in gold:
                for group in source_of(q):
                    counts[(group, kind)] += 1
                    counts[(group, kind, "hit")] += _found(kind, g, shown)
                    counts[(group, kind, "bm25")] += any(norm(g) in norm(p.text) for p in row["passages"])
                    hybrid = row.get("hybrid_ranked") or []
                    counts[(group, kind, "hybrid")] += any(norm(g) in norm(p.text) for p in hybrid[:5])
    groups = sorted({s for s, *_ in counts})
    return {
        s: {
            f"{kind}{suffix}": round(counts[(s, kind, part)] / counts[(s, kind)], 3)
            for kind in ("cause", "remedy")
            if counts[(s, kind)]
            for suffix, part in (("", "hit"), ("_bm25", "bm25"), ("_hybrid", "hybrid"))
        }
        for s in groups
    }


def explain(dump: list[dict], k: int, handed: int) -> None:
    """Each gold item of a seen or dev query that today's merge loses at ``k`` while one of the
    passages handed in holds it: the passages' hybrid / handed ranks that hold it, whether the
    engine's excerpt of each shows it, and what takes the ``k`` places (one JSON line per item)."""
    for row in dump:
        q = row["query"]
        handed_rows = handed_in(row, handed)
        shown = ranking.merge(q["query"], list(row["graph"]), handed_rows, 10)
        order = [p.chunk_id for p in handed_rows]  # the merge keeps retrieval's order
        for kind, gold in (("cause", q["causes"]), ("remedy", q["remedies"])):
            for g in gold:
                holders = [i for i, p in enumerate(handed_rows) if norm(g) in norm(p.text)]
                if _found(kind, g, shown if k == 5 else shown[:k]) or not holders:
                    continue
                excerpts = {}
                for i in holders:
                    found = ranking.answer_excerpt(ranking.terms(q["query"]), handed_rows[i])
                    excerpts[i] = {
                        "ordered_at": order.index(handed_rows[i].chunk_id),
                        "heading": handed_rows[i].heading[-80:],
                        "in_excerpt": bool(found and norm(g) in norm(found[1])),
                    }
                places = [
                    {"label": c.label, "name": c.name[:70], "fixes": len(c.fixes)}
                    | ({"chunk": order.index(c.cites[0].chunk_id)} if c.label == "Passage" else {})
                    for c in shown[:k]
                ]
                print(
                    json.dumps(
                        {"id": q["id"], "group": source_of(q)[1], "kind": kind, "gold": g[:60]}
                        | {"query": q["query"][:90], "holders": excerpts, "places": places}
                    )
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dump", type=Path, help="bench/diagnosis.py --dump output (dev and seen queries)")
    parser.add_argument("--k", default="2,5", help="list lengths scored (5 is the issue's measure)")
    parser.add_argument("--before", default=SESSION_9, help="git revision of the engine compared against")
    parser.add_argument("--handed", default="5", help="BM25 passages handed to the merge (e.g. 5,8,10)")
    parser.add_argument(
        "--passages",
        default="ranked",
        choices=("ranked", "bm25_ranked", "hybrid_ranked"),
        help="the dump's passages handed in: those the run handed, BM25's, or hybrid search's",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="trace each gold item today's merge loses (first --k, --handed)",
    )
    args = parser.parse_args(argv)
    global PASSAGES_KEY
    PASSAGES_KEY = args.passages
    dump = pickle.loads(args.dump.read_bytes())  # our own benchmark's file, not untrusted input
    if args.explain:
        explain(dump, int(args.k.split(",")[0]), int(args.handed.split(",")[0]))
        return 0
    before = ranking_at(args.before)
    variants = {
        f"before ({args.before})": (merge_of(before), nothing),
        "now": (merge_of(ranking), nothing),
        "now, no question lines in the text": (merge_of(ranking), no_question_lines),
        "now, excerpt 800 characters (session 10)": (merge_of(ranking), excerpt_chars(800)),
        "now, passages reordered by the excerpt's words (before 4c77bb9+1)": (reordered, nothing),
    }
    for k in [int(x) for x in args.k.split(",")]:
        for handed in [int(x) for x in args.handed.split(",")]:
            for name, (merge, patch) in variants.items():
                with patch():
                    found = recall(dump, merge, k, handed)
                print(json.dumps({"k": k, "handed": handed, "variant": name, "recall": found}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
