"""Chinese complaints on the Diagnose engine: the page's path, measured against the English query.

For every labelled row with a Chinese complaint (``tests/data/diagnosis_eval_zh*.jsonl``: id and
``query_zh``; the split, the source and the gold come from ``tests/data/diagnosis_eval.jsonl``),
the row's manuals are ingested as bench/diagnosis.py ingests them, and each complaint is asked as:

- ``en``: the row's English ``query`` (bench/diagnosis.py's number, the ceiling);
- ``zh``: the Chinese complaint alone (no model server);
- ``zh+<model>``: what the Diagnose page does (apps/diagnose/services.py ``run``): the project's
  ``QuestionTranslator`` (prompt, bounds and cleaning as the page's, over a live ``python -m model
  serve``) translates the complaint (None when the detector reads it as English already: then the
  complaint is asked alone, as on the page), the engine reads ``f"{zh}\\n{english}"``, and the
  passages are those found for the complaint and for its translation, fused by RRF (k = 6,
  SEARCH_RRF_K) as ``search_with_translation`` fuses the two searches.

Passages are BM25's over the same passages (bench/diagnosis.py's default; the page's hybrid
search has a multilingual vector this bench lacks, so ``zh`` here is a floor: BM25 reads the
complaint's Latin words only). Printed side by side per split: cause / remedy recall@5 of the
engine with ``--passages`` handed in (8, the page's), and BM25@5 of the same passage ranking as
the baseline; and per model the translation latency p50 / p95 (calls that reached the model).

Translations are cached in ``--cache`` (keyed by model, prompt and complaint, with the latency of
the call that made them), so a rerun with every translation cached needs no model server.
Run in the heavy slot (it starts the test-profile Neo4j, or its own with ``--state-dir``, and with
``--serve`` a model server serving both Qwen models, stopped after translating)::

    /tmp/kenning/heavy .venv/bin/python bench/diagnosis_zh.py --serve --state-dir /tmp/kenning/zhdiag
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apps.diagnose.passages import PASSAGES  # noqa: E402
from bench.diagnosis import (  # noqa: E402
    BASELINE_K,
    EVAL,
    MANUALS,
    Bm25,
    _found,
    _neo4j_url,
    clear,
    ingest_document,
    norm,
    settle,
)
from graph import ExtractionConfig, Extractor  # noqa: E402
from graph.diagnose import diagnose  # noqa: E402
from retrieval.config import SearchConfig  # noqa: E402
from retrieval.fusion import reciprocal_rank_fusion  # noqa: E402
from retrieval.index.base import Hit  # noqa: E402

SMALL = "qwen2.5-coder-0.5b-instruct"
LARGE = "qwen2.5-coder-1.5b-instruct"
CACHE = ROOT / "bench" / "diagnosis_zh_translations.json"
RRF_K = SearchConfig().rrf_k  # as config/settings.py SEARCH_RRF_K by default
PAGE_PASSAGES = PASSAGES  # what the Diagnose page hands the engine


def labelled(splits: tuple[str, ...]) -> list[dict[str, object]]:
    """The eval rows of ``splits`` that have a Chinese complaint, each with its ``query_zh``.

    A file named for the untouched split is opened only when that split is asked for: its rows are
    for one run with the code frozen, and nothing should read them before.
    """
    chinese: dict[str, str] = {}
    for path in sorted(EVAL.parent.glob("diagnosis_eval_zh*.jsonl")):
        if "untouched" in path.stem and "untouched" not in splits:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                chinese[row["id"]] = row["query_zh"]
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r | {"query_zh": chinese[r["id"]]} for r in rows if r["split"] in splits and r["id"] in chinese]


# ------------------------------------------------------------------ translation
def start_server(threads: int) -> tuple[subprocess.Popen, str]:  # type: ignore[type-arg]
    """``python -m model serve`` with the 0.5B as small and the 1.5B as large (as deployed)."""
    from bench._servers import start_model_server

    return start_model_server(SMALL, threads, 1, tier="small", also=(("large", LARGE),))


def live_generate(url: str, model: str, raw: dict[str, str]):  # type: ignore[no-untyped-def]
    """The page's generation call (config/wiring.py ``_translator``) on ``model``, each answer kept
    in ``raw`` by question; a failure raises out of the bench (the translator would read it as "no
    translation", and a down server must not enter the cache)."""
    from model.client import ModelClient

    client = ModelClient([url], timeout_s=120)

    def generate(messages, max_tokens, stop):  # type: ignore[no-untyped-def]
        try:
            text = client.chat(messages, model=model, max_tokens=max_tokens, stop=stop, temperature=0.0).text
        except Exception as e:
            raise SystemExit(f"translation by {model} failed: {e!r}") from e
        raw[messages[-1]["content"]] = text
        return text

    return generate


def _key(model: str, prompt: str, question: str) -> str:
    return f"{model}|{prompt}|{' '.join(question.split())}"


def cached_translator(cache: dict[str, dict[str, object]], model: str, prompt: str):  # type: ignore[no-untyped-def]
    """The project's ``QuestionTranslator`` (detection, prompt, bounds, cleaning) whose model
    answers are the cached ones of ``model``: what the page would show, without a server."""
    from retrieval.translate import PROMPTS, QuestionTranslator

    def generate(messages, max_tokens, stop):  # type: ignore[no-untyped-def]
        return str(cache[_key(model, prompt, messages[-1]["content"])]["raw"])

    return QuestionTranslator(generate, prompt=PROMPTS[prompt])


def translations(
    rows: list[dict[str, object]],
    models: list[str],
    prompt: str,
    cache_path: Path,
    url: str | None,
    serve: bool,
) -> tuple[dict[str, dict[str, object]], dict[str, list[float]]]:
    """The cache with every complaint of ``rows`` that the page translates answered by each model,
    and each model's latencies (ms of ``QuestionTranslator.translate`` for the calls that reached
    the model; cached answers keep the latency of the run that made them)."""
    from retrieval.translate import PROMPTS, QuestionTranslator

    cache = json.loads(cache_path.read_text(encoding="utf-8")) if cache_path.exists() else {}
    needs = QuestionTranslator(lambda *a, **k: "", prompt=PROMPTS[prompt]).needs_translation
    asked = [str(r["query_zh"]) for r in rows if needs(str(r["query_zh"]))]
    missing = [(m, q) for m in models for q in asked if _key(m, prompt, q) not in cache]
    proc = None
    if missing:
        if not url and not serve:
            raise SystemExit(f"{len(missing)} translations not cached: pass --model-url or --serve")
        if serve:
            proc, url = start_server(int(os.environ.get("ZH_MODEL_THREADS", "2")))
    try:
        for model in dict.fromkeys(m for m, _ in missing):
            raw: dict[str, str] = {}
            translator = QuestionTranslator(live_generate(str(url), model, raw), prompt=PROMPTS[prompt])
            translator.translate("泵的轴承过热")  # the first call loads the model: not timed
            for m, question in missing:
                if m != model:
                    continue
                started = time.perf_counter()
                translator.translate(question)
                elapsed = (time.perf_counter() - started) * 1000
                normalized = " ".join(question.split())
                cache[_key(model, prompt, question)] = {"raw": raw[normalized], "ms": round(elapsed, 1)}
                cache_path.write_text(json.dumps(cache, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=60)
    latency = {m: [float(cache[_key(m, prompt, q)]["ms"]) for q in asked] for m in models}
    return cache, latency


# ------------------------------------------------------------------ retrieval and scoring
def fused(bm25: Bm25, queries: list[str]) -> list[int]:
    """RRF of BM25's rankings of each query (the page fuses the complaint's and its translation's)."""
    ranked = {
        f"query{n}": [Hit(f"{i:08d}", -rank, {}) for rank, i in enumerate(bm25.rank(query))]
        for n, query in enumerate(queries)
    }
    return [int(hit.chunk_id) for hit in reciprocal_rank_fusion(ranked, k=RRF_K, share_ties=False)]


def _percentiles(ms: list[float]) -> dict[str, float]:
    if not ms:
        return {"n": 0}
    ordered = sorted(ms)
    return {
        "p50_ms": round(statistics.median(ordered)),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))]),
        "n": len(ordered),
    }


class Bm25Passages:
    """BM25's passages for a complaint and, with a translator, for its translation too, fused by
    RRF as ``search_with_translation`` fuses the two searches (bench/diagnosis.py's retrieval)."""

    name = "bm25"

    def __init__(self, passages: list) -> None:  # type: ignore[type-arg]
        self.passages = passages
        self.bm25 = Bm25([p.text for p in passages])

    def search(self, complaint: str, translation: str | None, k: int) -> list:  # type: ignore[type-arg]
        return [
            self.passages[i] for i in fused(self.bm25, [complaint, *([translation] if translation else [])])
        ][:k]


class HybridSearch:
    """The Diagnose page's own search (``apps.diagnose.passages.search_passages`` over
    ``bench.diagnosis_hybrid.HybridPassages``' in-process index), given the page's translator."""

    name = "hybrid"

    def __init__(self, hybrid, chunks: list) -> None:  # type: ignore[no-untyped-def,type-arg]
        self.hybrid = hybrid
        hybrid.index(chunks, MANUALS)

    def search(self, complaint: str, translator, k: int) -> list:  # type: ignore[no-untyped-def,type-arg]
        from apps.diagnose.passages import search_passages

        return search_passages(self.hybrid.wiring.searcher(), translator, complaint, [MANUALS], k)


def evaluate(args: argparse.Namespace) -> dict[str, object]:
    import contextlib

    from neo4j import GraphDatabase

    splits = tuple(s for s in args.splits.split(",") if s)
    rows = labelled(splits)
    if not rows:
        raise SystemExit(f"no labelled Chinese complaints in splits {splits}")
    models = [m for m in args.models.split(",") if m]
    cache, latency = translations(rows, models, args.prompt, args.cache, args.model_url, args.serve)
    translators = {m: cached_translator(cache, m, args.prompt) for m in models}
    variants = ["en", "zh", *(f"zh+{m}" for m in models)]
    counted = variants + [f"zh+{m}/en-only" for m in models if args.translation_alone]

    extractor = Extractor(ExtractionConfig())
    url, started, stack = _neo4j_url(args)
    totals: dict[str, Counter] = {}
    translated: Counter = Counter()
    try:
        with contextlib.ExitStack() as scope:
            driver = scope.enter_context(GraphDatabase.driver(url, auth=None))
            clear(driver)
            passages: list = []  # type: ignore[type-arg]
            chunks: list = []  # type: ignore[type-arg]
            for source in sorted({ROOT / str(r["source"]) for r in rows}):
                if args.retrieval == "hybrid":
                    passages += ingest_document(driver, extractor, source, MANUALS, chunks)
                else:
                    passages += ingest_document(driver, extractor, source, MANUALS)
            settle(driver)
            if args.retrieval == "hybrid":
                from bench.diagnosis_hybrid import HybridPassages

                search = HybridSearch(scope.enter_context(HybridPassages()), chunks)
            else:
                search = Bm25Passages(passages)
            k = max(args.passages, BASELINE_K)
            for r in rows:
                zh = str(r["query_zh"])
                # variant -> (what the engine reads, the passages found)
                asked: dict[str, tuple[str, list]] = {}  # type: ignore[type-arg]
                for variant in variants:
                    query = str(r["query"]) if variant == "en" else zh
                    translator = translators.get(variant.removeprefix("zh+")) if variant != "en" else None
                    english = translator.translate(zh) if translator else None
                    translated[variant] += english is not None
                    if isinstance(search, HybridSearch):
                        ranked = search.search(query, translator, k)
                    else:
                        ranked = search.search(query, english, k)
                    asked[variant] = (f"{zh}\n{english}" if english else query, ranked)
                    if variant.startswith("zh+") and args.translation_alone:
                        # The engine reading the translation alone (same passages): what the
                        # complaint's Chinese line adds to, or takes from, the match.
                        asked[f"{variant}/en-only"] = (english or query, ranked)
                shown: dict[str, list[str]] = {}
                missed: dict[str, list[str]] = {}
                t = totals.setdefault(str(r["split"]), Counter())
                t["queries"] += 1
                for variant, (complaint, ranked) in asked.items():
                    filled = diagnose(
                        driver, complaint, [MANUALS], extractor, passages=ranked[: args.passages]
                    )
                    shown[variant] = [c.name[:60] for c in filled.causes[:5]]
                    for kind, gold in (("cause", r["causes"]), ("remedy", r["remedies"])):
                        for g in gold:
                            found = _found(kind, g, filled.causes)
                            t[f"{kind}_gold|{variant}"] += 1
                            t[f"{kind}|engine|{variant}"] += found
                            if not found:
                                missed.setdefault(variant, []).append(f"{kind}: {g}")
                            t[f"{kind}|baseline|{variant}"] += any(
                                norm(g) in norm(p.text) for p in ranked[:BASELINE_K]
                            )
                if args.verbose:
                    print(
                        json.dumps(
                            {
                                "id": r["id"],
                                "zh": zh,
                                **{m: translators[m].translate(zh) for m in models},
                                "causes": shown,
                                "missed": missed,
                            },
                            ensure_ascii=False,
                        ),
                        flush=True,
                    )
            # What the hybrid numbers were measured with (embedder, weights, multilingual vector).
            conditions = search.hybrid.conditions() if isinstance(search, HybridSearch) else {}
    finally:
        for name in reversed(started):
            stack.stop(name)  # type: ignore[attr-defined]
    out: dict[str, object] = {
        "passages_handed": args.passages,
        "retrieval": args.retrieval,
        "prompt": args.prompt,
        "conditions": conditions,
    }
    for split, t in sorted(totals.items()):
        out[split] = {"queries": t["queries"]} | {
            variant: {
                f"{kind}_recall@5": {
                    system: round(t[f"{kind}|{system}|{variant}"] / t[f"{kind}_gold|{variant}"], 3)
                    for system in ("engine", "baseline")
                }
                for kind in ("cause", "remedy")
            }
            for variant in counted
        }
    out["translation_latency"] = {m: _percentiles(latency[m]) for m in models}
    out["translated"] = {v: translated[v] for v in variants[2:]} | {"of": len(rows)}
    return out


def table(results: dict[str, object], models: list[str]) -> str:
    """The side-by-side Markdown table of :func:`evaluate`'s results."""
    variants = ["en", "zh", *(f"zh+{m}" for m in models)]
    variants += [
        v
        for v in next((f for f in results.values() if isinstance(f, dict) and "queries" in f), {})
        if "/" in v
    ]
    lines = [
        "| split | " + " | ".join(variants) + " |",
        "| --- |" + " --- |" * len(variants),
    ]
    for split, found in results.items():
        if not isinstance(found, dict) or "queries" not in found:
            continue
        baseline = f"{results.get('retrieval', 'bm25')}@5 (baseline)"
        for system, label in (
            ("engine", f"engine, {results.get('passages_handed')} passages"),
            ("baseline", baseline),
        ):
            cells = [
                f"{found[v]['cause_recall@5'][system]:.3f} / {found[v]['remedy_recall@5'][system]:.3f}"
                for v in variants
            ]
            lines.append(f"| {split} ({found['queries']}), {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from retrieval.translate import DEFAULT_PROMPT, PROMPTS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-url", help="a running `python -m model serve` serving the --models")
    parser.add_argument(
        "--serve", action="store_true", help="start a model server for translations not cached"
    )
    parser.add_argument("--models", default=f"{SMALL},{LARGE}", help="translator models, comma-separated")
    parser.add_argument(
        "--prompt", default=DEFAULT_PROMPT, choices=sorted(PROMPTS), help="translation prompt"
    )
    parser.add_argument("--cache", type=Path, default=CACHE, help="translations cache (JSON)")
    parser.add_argument(
        "--splits", default="dev,heldout", help="dev, heldout (seen); untouched only for its one run"
    )
    parser.add_argument("--passages", type=int, default=PAGE_PASSAGES, help="passages handed to the engine")
    parser.add_argument("--neo4j", help="bolt URL (default: start the test-profile Neo4j)")
    parser.add_argument("--state-dir", type=Path, help="start a Neo4j of the bench's own with its data here")
    parser.add_argument("--neo4j-port", type=int, default=17788, help="its Bolt port (with --state-dir)")
    parser.add_argument(
        "--retrieval",
        choices=("bm25", "hybrid"),
        default="bm25",
        help="passages: BM25's (bench/diagnosis.py's default) or the page's hybrid search "
        "(bench/diagnosis_hybrid.py; the translation searched through search_with_translation)",
    )
    parser.add_argument(
        "--translation-alone",
        action="store_true",
        help="also count the engine reading the translation alone (the page reads complaint + translation)",
    )
    parser.add_argument("--translate-only", action="store_true", help="fill the cache and stop")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    models = [m for m in args.models.split(",") if m]
    if args.translate_only:
        rows = labelled(tuple(s for s in args.splits.split(",") if s))
        _, latency = translations(rows, models, args.prompt, args.cache, args.model_url, args.serve)
        print(json.dumps({m: _percentiles(v) for m, v in latency.items()}))
        return 0
    results = evaluate(args)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    print(table(results, models))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
