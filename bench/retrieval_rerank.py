"""Does reranking the routed top-k with the local instruct model as a yes/no judge pay? (issue 12)

Builds the retrieval bench (bench/retrieval_recall.py) over one labelled set, takes the portal's
routed ranking per question (depth 10), and asks the served model, for each of the top ``--k``
passages, whether the passage answers the question: a grammar forces the answer to ``yes`` or
``no`` (temperature 0). Passages judged ``yes`` move ahead of those judged ``no``, each group
keeping its retrieval order; ranks below k stay. The k judgements of one question are sent at
once (the server has k slots), as the portal would. Reports recall@1, recall@5, MRR@10 before and
after, an exact McNemar test on recall@1, and the added latency per question (p50/p95).

    .venv/bin/python -m bench.retrieval_rerank --sets mdadm --k 5 --model qwen2.5-coder-0.5b-instruct
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from bench._servers import start_model_server  # noqa: E402
from bench.retrieval_recall import (  # noqa: E402
    DEPTH,
    SETS,
    TOP_K,
    BenchOptions,
    _plan,
    build_bench,
    mcnemar_p,
    relevant_locations,
)
from retrieval.question import classify  # noqa: E402

SYSTEM = (
    "You check search results for a maintenance technician. Given a question and one passage from "
    "a manual, answer yes if the passage contains the answer to the question, otherwise no."
)
YES_NO = 'root ::= "yes" | "no"'


def _first_relevant(bench, question, ranked) -> int | None:  # type: ignore[no-untyped-def]
    for rank, (chunk_id, payload) in enumerate(ranked, start=1):
        text = bench.chunk_text[chunk_id]
        if relevant_locations(question, str(payload["document_id"]), text, payload.get("row_number")):
            return rank
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="mdadm", help="comma-separated set names (tune on dev sets only)")
    parser.add_argument("--k", type=int, default=5, help="passages judged per question")
    parser.add_argument("--model", default="qwen2.5-coder-0.5b-instruct")
    parser.add_argument("--model-threads", type=int, default=2)
    parser.add_argument("--passage-chars", type=int, default=1200)
    parser.add_argument("--threads", type=int, default=1, help="torch threads for the embedder")
    parser.add_argument("--limit", type=int, default=0, help="stop after this many questions (0: all)")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from model.client import ModelClient

    names = [n for n in args.sets.split(",") if n]
    sets = [s for s in SETS if s.name in names]
    loaded = {s: s.questions() for s in sets}
    bench = build_bench(loaded, BenchOptions(torch_threads=args.threads))
    proc, url = start_model_server(args.model, args.model_threads, args.k)
    client = ModelClient([url], timeout_s=600)
    pool = ThreadPoolExecutor(args.k)
    before, after, latency, judged_yes = [], [], [], 0
    try:
        for s, questions in loaded.items():
            for q in questions:
                route = classify(q.question)
                mode, use_graph = _plan("routed", route)
                graph = bench.graphs.get(s.name)
                extra = None
                if use_graph and graph is not None:
                    hits = graph.hits(q.question, route.intent, bench.index)
                    extra = {"graph": hits} if hits else None
                result = bench.searcher.search(q.question, [s.name], DEPTH, mode, extra=extra)
                ranked = [(p.chunk_id, p.payload) for p in result]
                head = ranked[: args.k]

                def judge(item, question=q.question):  # type: ignore[no-untyped-def]
                    text = bench.chunk_text[item[0]][: args.passage_chars]
                    messages = [
                        {"role": "system", "content": SYSTEM},
                        {
                            "role": "user",
                            "content": f"Question: {question}\n\nPassage:\n{text}\n\n"
                            "Does the passage answer the question? yes or no",
                        },
                    ]
                    r = client.chat(messages, max_tokens=2, temperature=0.0, grammar=YES_NO)
                    return r.text.strip().lower().startswith("yes")

                started = time.perf_counter()
                verdicts = list(pool.map(judge, head))
                latency.append(time.perf_counter() - started)
                judged_yes += sum(verdicts)
                reranked = [x for x, v in zip(head, verdicts, strict=True) if v]
                reranked += [x for x, v in zip(head, verdicts, strict=True) if not v]
                before.append(_first_relevant(bench, q, ranked))
                after.append(_first_relevant(bench, q, reranked + ranked[args.k :]))
                # One line per question: a run cut short still says what it measured.
                print(
                    f"{q.id}: first relevant rank {before[-1]} -> {after[-1]}, "
                    f"judged yes {sum(verdicts)}/{len(head)}, {latency[-1] * 1000:.0f} ms",
                    flush=True,
                )
                if args.limit and len(before) >= args.limit:
                    break
    finally:
        pool.shutdown()
        client.close()
        proc.terminate()
        proc.wait(60)

    def scores(ranks):  # type: ignore[no-untyped-def]
        r1 = [r == 1 for r in ranks]
        r5 = [r is not None and r <= TOP_K for r in ranks]
        mrr = float(np.mean([1 / r if r else 0.0 for r in ranks]))
        return r1, float(np.mean(r1)), float(np.mean(r5)), mrr

    b1, br1, br5, bmrr = scores(before)
    a1, ar1, ar5, amrr = scores(after)
    lat = np.asarray(latency) * 1000
    n = len(before)
    print(
        f"# sets {names}; {n} questions; routed ranking, top {args.k} judged by {args.model} "
        f"({args.model_threads} threads, {args.k} slots); passages cut at {args.passage_chars} chars; "
        f"{judged_yes}/{n * args.k} judged yes"
    )
    print(f"{'':<10}{'R@1':>7}{'R@5':>7}{'MRR@10':>8}")
    print(f"{'routed':<10}{br1:>7.3f}{br5:>7.3f}{bmrr:>8.3f}")
    print(f"{'reranked':<10}{ar1:>7.3f}{ar5:>7.3f}{amrr:>8.3f}")
    gained = sum(a and not b for a, b in zip(a1, b1, strict=True))
    lost = sum(b and not a for a, b in zip(a1, b1, strict=True))
    print(f"R@1: gained {gained}, lost {lost}, exact McNemar p = {mcnemar_p(a1, b1):.3g}")
    p50, p95 = np.percentile(lat, 50), np.percentile(lat, 95)
    print(f"added latency per question: p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
