"""Answer quality per answer path on the labelled answer set (tests/data/answer_eval.jsonl).

Starts a private stack (Neo4j, Redis, the index server and the dev-profile model server on free
ports, SQLite in a temporary directory), ingests every document the set refers to into one
collection through the real pipeline, then asks every question through the portal's own answer
pipeline (``apps.qa.services.answer_events``, in this process, no HTTP) once per answer path:

* ``evidence``: the instant evidence answer alone (the model client is replaced by one that
  writes nothing, so the run takes seconds: for iterating on retrieval and the evidence answer);
* ``routed``: what the portal does (the router picks the model per question);
* ``smollm2``, ``smollm2-moe``: the packaged test models, on a second model server;
* any other served model by name (e.g. the Qwen models of the dev profile), forced for every question.

The instant evidence answer is built in every run from the same sources; it is reported as its
own path ("evidence") from the routed run, and together with the model's answer ("card+answer").

Metrics (per path and split; "dev" was used while building, "heldout" never):

* key-fact recall: share of a question's key facts (any listed phrasing) that the text states,
  as a substring or with all the phrasing's stemmed content words present;
* citation precision: share of citations whose source holds the gold quote or a key fact;
* unsupported shown: share of displayed sentences the sentence check marked unsupported;
* code fidelity: share of answers in which every code and number shown occurs in a source;
* refusal accuracy: "not in the documents" exactly for the unanswerable questions;
* first useful text: question in -> evidence answer (or first model token, or the refusal);
* total time and decode tokens/s.

    .venv/bin/python -m bench.answer_quality --start [--paths routed smollm2] [--split heldout] [--limit 20]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._servers import free_port  # noqa: E402

QUESTIONS = REPO / "tests" / "data" / "answer_eval.jsonl"
TEST_MODEL_PATHS = ("smollm2", "smollm2-moe")


@dataclass
class Run:
    """One question answered on one path, with what the scorer needs."""

    item: dict[str, Any]
    path: str
    first_useful_s: float | None = None
    evidence_s: float | None = None
    total_s: float = 0.0
    answer: dict[str, Any] = field(default_factory=dict)
    error: str = ""


# --- scoring ------------------------------------------------------------------------------------
def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def fact_found(alternatives: list[str], text: str) -> bool:
    from retrieval.terms import content_terms

    norm, terms = _norm(text), content_terms(text)
    return any(
        _norm(alt) in norm or (content_terms(alt) and content_terms(alt) <= terms) for alt in alternatives
    )


def key_fact_recall(item: dict[str, Any], text: str) -> float | None:
    facts = item.get("key_facts") or []
    if not item["answerable"] or not facts:
        return None
    return sum(fact_found(alts, text) for alts in facts) / len(facts)


def holds_gold(item: dict[str, Any], source_text: str) -> bool:
    from rapidfuzz import fuzz

    gold = _norm(item.get("gold_quote") or "")
    if gold and fuzz.partial_ratio(gold, _norm(source_text)) >= 85:
        return True
    return any(fact_found(alts, source_text) for alts in item.get("key_facts") or [])


def citation_precision(item: dict[str, Any], answer: dict[str, Any]) -> tuple[int, int]:
    if not item["answerable"]:
        return 0, 0
    sources = {s["number"]: s["text"] for s in answer["sources"]}
    cited = [n for s in answer["sentences"] for n in s["cited"] if n in sources]
    return sum(holds_gold(item, sources[n]) for n in cited), len(cited)


def altered_identifiers(answer: dict[str, Any], text: str) -> list[str]:
    from retrieval.grounding import source_texts
    from retrieval.terms import missing_identifiers

    return list(missing_identifiers(text, "\n".join(source_texts(answer["sources"]).values())))


def shown_text(run: Run, part: str) -> str:
    a = run.answer
    evidence = (a.get("evidence_answer") or {}).get("text", "")
    if part == "evidence":
        return evidence
    if part == "card+answer":
        return f"{evidence}\n{a['text']}" if not a.get("fell_back") else a["text"]
    return a["text"]


def score(runs: list[Run], part: str) -> dict[str, Any]:
    recalls, ts_recalls, holding, cited, shown, unsupported = [], [], 0, 0, 0, 0
    with_ids, faithful, refusals_right, firsts, totals, speeds = 0, 0, 0, [], [], []
    for run in runs:
        if run.error:
            continue
        item, a, text = run.item, run.answer, shown_text(run, part)
        recall = key_fact_recall(item, text)
        if recall is not None:
            recalls.append(recall)
            if item["intent"] == "troubleshooting":
                ts_recalls.append(recall)
        sentences = _sentences(run, part)
        h, c = citation_precision(item, {**a, "sentences": sentences})
        holding, cited = holding + h, cited + c
        shown += len(sentences)
        unsupported += sum(1 for s in sentences if not s["supported"])
        altered = altered_identifiers(a, text)
        from retrieval.terms import identifiers

        if identifiers(text):
            with_ids += 1
            faithful += not altered
        refused = a["is_not_found"] or not text.strip()
        refusals_right += refused == (not item["answerable"])
        first = run.evidence_s if part == "evidence" else run.first_useful_s
        if first is not None:
            firsts.append(first)
        totals.append(run.evidence_s if part == "evidence" and run.evidence_s else run.total_s)
        if a.get("tokens_per_s") and part != "evidence":
            speeds.append(a["tokens_per_s"])
    n = sum(1 for r in runs if not r.error)
    return {
        "n": n,
        "errors": sum(1 for r in runs if r.error),
        "key_fact_recall": _mean(recalls),
        "key_fact_recall_troubleshooting": _mean(ts_recalls),
        "citation_precision": holding / cited if cited else None,
        "unsupported_shown": unsupported / shown if shown else None,
        "code_fidelity": faithful / with_ids if with_ids else None,
        "refusal_accuracy": refusals_right / n if n else None,
        "first_useful_p50_s": _pct(firsts, 50),
        "first_useful_p95_s": _pct(firsts, 95),
        "total_p50_s": _pct(totals, 50),
        "total_p95_s": _pct(totals, 95),
        "tokens_per_s": _mean(speeds),
    }


def _sentences(run: Run, part: str) -> list[dict[str, Any]]:
    from retrieval.grounding import check_answer, source_texts

    a = run.answer
    if part == "answer":
        return a["sentences"]
    checks = [c.as_dict() for c in check_answer(shown_text(run, "evidence"), source_texts(a["sources"]))]
    return checks if part == "evidence" else checks + ([] if a.get("fell_back") else a["sentences"])


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _pct(values: list[float], q: int) -> float | None:
    import numpy as np

    return float(np.percentile(values, q)) if values else None


# --- asking -------------------------------------------------------------------------------------
def ask(user: Any, item: dict[str, Any], path: str) -> Run:
    from apps.qa import services
    from apps.qa.models import Answer

    run = Run(item, path)
    started = time.perf_counter()
    try:
        answer = services.start_answer(user, item["question"], None)
        for event in services.answer_events(answer, user):
            now = time.perf_counter() - started
            kind = event["event"]
            if kind == "evidence" and event.get("text"):
                run.evidence_s = now
            useful = (kind == "evidence" and event.get("text")) or kind == "delta"
            if useful and run.first_useful_s is None:
                run.first_useful_s = now
            if kind == "error":
                run.error = event["message"]
        run.total_s = time.perf_counter() - started
        row = Answer.objects.get(pk=answer.pk)
        run.answer = {
            f: getattr(row, f)
            for f in (
                "text",
                "model_text",
                "is_not_found",
                "sources",
                "sentences",
                "citations",
                "fell_back",
                "second_look",
                "evidence_answer",
                "model_name",
                "tokens_per_s",
                "ttft_ms",
                "retrieval_ms",
                "route",
            )
        }
    except Exception as exc:  # a bench reports a failed question and goes on
        run.error = repr(exc)
    return run


@contextlib.contextmanager
def forced_model(path: str, urls: dict[str, str]) -> Iterator[None]:
    """Points the pipeline at the server holding ``path``'s model and forces that model."""
    from django.conf import settings

    from config import wiring

    settings.MODEL_SERVER_URL = urls["test"] if path in TEST_MODEL_PATHS else urls["dev"]
    wiring.model_client.cache_clear()
    wiring._models_cache.clear()
    original_router, original_client = wiring.model_router, wiring.model_client
    if path == "evidence":
        silent = _NoModel(original_client())
        wiring.model_client = lambda: silent
    if path not in ("routed", "evidence"):
        router = original_router()
        served = {m.name: m for m in wiring.available_models()}
        if path not in served:
            raise SystemExit(f"{path} is not served by {settings.MODEL_SERVER_URL} ({', '.join(served)})")

        def forced(route: Any, turns: int) -> Any:
            profile = router(route, turns)
            experts = (profile.active_experts or 2) if served[path].is_moe else None
            return replace(profile, model=path, active_experts=experts)

        wiring.model_router = lambda: forced
    try:
        yield
    finally:
        wiring.model_router, wiring.model_client = original_router, original_client


class _NoModel:
    """A model client that writes nothing: the answer is then the evidence answer alone."""

    def __init__(self, real: Any) -> None:
        self.models = real.models  # the router still sees the served models

    def stream_chat(self, messages: Any, profile: Any = None, **options: Any) -> Any:
        class Empty(list):  # type: ignore[type-arg]
            result = None

        return Empty()


# --- stack --------------------------------------------------------------------------------------
@contextlib.contextmanager
def private_stack(tmp: str, with_test_models: bool) -> Iterator[dict[str, str]]:
    from scripts.stack import Stack, start

    ports = {name: free_port() for name in ("neo4j", "redis", "postgres", "index", "model", "web")}
    stack = Stack(profile="dev", state_dir=Path(tmp) / "var", ports=ports, python=sys.executable)
    extra: subprocess.Popen | None = None  # type: ignore[type-arg]
    try:
        os.environ.update(stack.env())
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        start(stack, ["neo4j", "redis", "index", "model"])
        urls = {"dev": os.environ["MODEL_SERVER_URL"]}
        if with_test_models:
            port = free_port()
            extra = _start_test_model_server(port)
            urls["test"] = f"http://127.0.0.1:{port}"
        yield urls
    finally:
        if extra is not None:
            extra.terminate()
            extra.wait(30)
        stack.stop_all()


def _start_test_model_server(port: int) -> subprocess.Popen:  # type: ignore[type-arg]
    import httpx

    argv = [
        sys.executable,
        "-m",
        "model",
        "serve",
        "--port",
        str(port),
        "--ctx",
        "4096",
        "--threads",
        "2",
        "--parallel",
        "2",
        "--model",
        "small",
        "smollm2",
        "--model",
        "large",
        "smollm2-moe",
        "--experts",
        "2",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(argv, cwd=REPO)
    for _ in range(600):
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        time.sleep(0.5)
    proc.kill()
    raise SystemExit("test model server did not start")


def setup_collection(items: list[dict[str, Any]]) -> Any:
    import django
    from django.core.management import call_command

    django.setup()
    from django.contrib.auth import get_user_model

    from apps.accounts.models import Collection, Membership, Role

    call_command("migrate", verbosity=0, interactive=False)
    call_command("graph_schema")
    existing = get_user_model().objects.filter(username="bench").first()
    if existing is not None:  # a kept --state: already ingested
        # ... possibly by older code: keyword vectors of an older term scheme find nothing (the dev
        # state of sessions 6-8 had been indexed before per-collection term ids, so every dev run
        # there searched by meaning only)
        call_command("reindex", "--stale")
        return existing
    user = get_user_model().objects.create_user("bench", password="unused-bench-password")
    Membership.objects.create(user=user, collection=Collection.objects.create(name="bench"), role=Role.READER)
    files = sorted({_document_path(i["file"]) for i in items if i.get("file")})
    began = time.perf_counter()
    print(f"# ingesting {len(files)} documents …", flush=True)
    call_command("ingest", *files, collection="bench", no_progress=True, verbosity=0)
    print(f"# ingest took {time.perf_counter() - began:.0f} s", flush=True)
    return user


def _document_path(name: str) -> str:
    for base in (REPO / "sample_data", REPO):
        if (base / name).is_file():
            return str(base / name)
    raise SystemExit(f"answer set names a missing document: {name}")


# --- report -------------------------------------------------------------------------------------
def report(runs: list[Run], paths: list[str]) -> list[dict[str, Any]]:
    rows = []
    by_key: dict[tuple[str, str], list[Run]] = defaultdict(list)
    for r in runs:
        by_key[(r.path, r.item["split"])].append(r)
    for split in ("dev", "heldout"):
        for path in paths:
            group = by_key.get((path, split), [])
            if not group:
                continue
            parts = ["answer", "card+answer"]
            if path == "routed":
                parts.insert(0, "evidence")
            if path == "evidence":
                parts = ["evidence"]
            for part in parts:
                label = "evidence" if part == "evidence" else f"{path} {part}"
                rows.append({"split": split, "path": label, **score(group, part)})
    header = (
        "split",
        "path",
        "n",
        "errors",
        "key_fact_recall",
        "key_fact_recall_troubleshooting",
        "citation_precision",
        "unsupported_shown",
        "code_fidelity",
        "refusal_accuracy",
        "first_useful_p50_s",
        "first_useful_p95_s",
        "total_p50_s",
        "total_p95_s",
        "tokens_per_s",
    )
    short = (
        "split",
        "path",
        "n",
        "err",
        "kf_rec",
        "kf_rec_ts",
        "cite_p",
        "unsup",
        "code_f",
        "refuse",
        "first50",
        "first95",
        "tot50",
        "tot95",
        "tok/s",
    )
    print(" | ".join(short))
    for row in rows:
        print(" | ".join(_fmt(row[h]) for h in header))
    return rows


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def conditions(paths: list[str], items: list[dict[str, Any]]) -> None:
    from django.conf import settings

    print(
        f"# {platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load before {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"# questions {len(items)} ({sum(i['split'] == 'dev' for i in items)} dev, "
        f"{sum(i['split'] == 'heldout' for i in items)} heldout); paths {', '.join(paths)}"
    )
    print(
        f"# model threads {settings.MODEL_THREADS}, source tokens <= {settings.QA_MAX_SOURCE_TOKENS}, "
        f"top_k {settings.QA_TOP_K}, sentence support >= {settings.QA_MIN_SENTENCE_SUPPORT}, "
        f"fallback above {settings.QA_MAX_UNSUPPORTED_SHARE} unsupported"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--start", action="store_true", help="start a private stack (required for now)")
    parser.add_argument(
        "--paths", nargs="+", default=["routed"], help="routed, smollm2, smollm2-moe, or a served model"
    )
    parser.add_argument("--split", choices=["dev", "heldout"], help="only this split")
    parser.add_argument("--intent", nargs="+", help="only these intents")
    parser.add_argument("--limit", type=int, help="first N questions (after filters)")
    parser.add_argument("--ids", nargs="+", help="only these question ids (a001 ...)")
    parser.add_argument("--state", type=Path, help="keep the stack's data here and reuse it (skips ingest)")
    parser.add_argument("--out", type=Path, default=REPO / "var" / "bench" / "answer_quality.json")
    parser.add_argument("--report", type=Path, nargs="+", help="only print the table of saved runs")
    parser.add_argument(
        "--resettle", action="store_true", help="with --report: judge the saved model texts again first"
    )
    args = parser.parse_args()
    if args.report:
        for saved in args.report:
            report_saved(saved, resettle=args.resettle)
        return 0
    if not args.start:
        parser.error("--start is required: the bench runs on its own private stack")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    items = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    items = [
        i
        for i in items
        if (not args.split or i["split"] == args.split)
        and (not args.intent or i["intent"] in args.intent)
        and (not args.ids or i["id"] in args.ids)
    ]
    items = items[: args.limit] if args.limit else items
    with contextlib.ExitStack() as stack:
        tmp = (
            str(args.state)
            if args.state
            else stack.enter_context(tempfile.TemporaryDirectory(prefix="kenning-answers-"))
        )
        urls = stack.enter_context(private_stack(tmp, any(p in TEST_MODEL_PATHS for p in args.paths)))
        user = setup_collection(items)
        conditions(args.paths, items)
        runs = []
        for path in args.paths:
            with forced_model(path, urls):
                # Not measured: loads the embedder, warms Neo4j and the model's weights.
                ask(user, {"question": "What does this manual cover?", "answerable": True}, path)
                for n, item in enumerate(items, 1):
                    run = ask(user, item, path)
                    runs.append(run)
                    status = run.error or (
                        f"{run.answer['model_name']} first {_fmt(run.first_useful_s)} s "
                        f"total {run.total_s:.1f} s"
                    )
                    print(f"  [{path} {n}/{len(items)}] {item['id']} {status}", flush=True)
                    _save(args.out, [], runs)  # a stopped run keeps what it measured
        rows = report(runs, args.paths)
    _save(args.out, rows, runs)
    print(f"# per-question details: {args.out}")
    return 0


def _save(out: Path, rows: list[dict[str, Any]], runs: list[Run]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "runs": [r.__dict__ for r in runs]}, default=str, indent=1))


def report_saved(path: Path, *, resettle: bool = False) -> None:
    """Print the table again from a saved run (``--report FILE``), optionally re-judged first."""
    data = json.loads(path.read_text())
    runs = [Run(**r) for r in data["runs"]]
    if resettle:
        for run in runs:
            _resettle(run)
    report(runs, list(dict.fromkeys(r.path for r in runs)))


def _source(saved: dict[str, Any]) -> Any:
    from dataclasses import fields

    from retrieval.prompt import Source

    names = {f.name for f in fields(Source)}
    return Source(**{k: tuple(v) if isinstance(v, list) else v for k, v in saved.items() if k in names})


def _resettle(run: Run) -> None:
    """Judge the saved model text with the current sentence check and fallback rule.

    The model's text does not depend on the check (it runs after decoding), so a change to the
    check, or to the extract evidence answer, is measured on the saved answers without running
    the model again. Cause cards are kept as saved (they come from the graph).
    """
    from config import wiring
    from retrieval.answerability import unanswerable_quantity
    from retrieval.evidence_answer import build, embedder_similarity
    from retrieval.grounding import (
        SentenceCheck,
        checked_stream,
        cited_numbers,
        is_refusal,
        settle,
        source_texts,
    )
    from retrieval.prompt import NOT_FOUND

    a = run.answer
    model_text = (a.get("model_text") or "").strip()
    if run.error or not model_text or (a.get("route") or {}).get("intent") == "chitchat":
        return
    shown, question = source_texts(a["sources"]), run.item["question"]
    if (a.get("evidence_answer") or {}).get("kind") in ("extract", "none"):  # cause cards need the graph
        intent = (a.get("route") or {}).get("intent", "")
        a["evidence_answer"] = build(
            question, intent, [_source(s) for s in a["sources"]], [], embedder_similarity(wiring.embedder())
        ).as_dict()
    checked = checked_stream([model_text], shown, question=question)
    checks = [c for c in checked if isinstance(c, SentenceCheck)]
    evidence = (a.get("evidence_answer") or {}).get("text", "")
    settled = settle(model_text, checks, evidence, shown, question=question)
    a.update(
        text=settled.text,
        fell_back=settled.fell_back,
        sentences=[c.as_dict() for c in settled.sentences],
        citations=list(cited_numbers(settled.text)),
        is_not_found=is_refusal(settled.text),
    )
    # The pipeline refuses before the model when no candidate states the value asked for; the
    # saved run keeps only the assembled sources, a subset of the candidates (so this is stricter).
    if unanswerable_quantity(question, shown.values()) is not None:
        a.update(text=NOT_FOUND, fell_back=False, sentences=[], citations=[], is_not_found=True)


if __name__ == "__main__":
    sys.exit(main())
