"""End-to-end time to first token in the portal, measured by a client of ``POST /api/qa/ask``.

Sends real questions from tests/data/qa_eval.jsonl (those whose answer is in the ingested
manual) through the portal's streaming API, parses the server-sent events client-side and
reports, with the conditions:

- client time to first ``delta`` (request sent -> first answer text received), p50/p95;
- client time to ``sources`` (retrieval done, as the client sees it);
- the server's own timings from the ``done`` event: retrieval_ms, model ttft_ms, tokens/s;
- total answer time and KV-cache hits;

first one question at a time, then other questions with 4 concurrent users (each its own
session, questions taken from a shared queue). A warm-up question goes first and is reported
apart: the web process loads its embedder on the first question. Answers that end as "not in the documents"
never reach the model; they are counted and left out of the TTFT figures.

Against a running Kenning (session login with the given account):

    .venv/bin/python bench/portal_ttft.py --url http://127.0.0.1:8000 --user admin --password ... \\
        [--collections 1 2] [--model-url http://127.0.0.1:8081] [--model-threads 2]

or start a private dev-profile stack (Neo4j, Redis, index server, model server, gunicorn) on free
ports in a temporary directory, create a bench user with a collection, ingest one sample manual
with ``manage.py ingest``, measure, and stop everything:

    .venv/bin/python bench/portal_ttft.py --start [--manual sample_data/manuals/...] [--questions 8]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import queue
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_MANUAL = REPO / "sample_data" / "manuals" / "linuxcnc-integrator-information.pdf"
QUESTIONS = REPO / "tests" / "data" / "qa_eval.jsonl"
STACK_SERVICES = ["neo4j", "redis", "index", "model"]
WARM_UP = "What does this manual cover?"  # not a measured question: its prompt must not warm their cache


@dataclass
class Result:
    question: str
    first_delta_s: float | None = None
    sources_s: float | None = None
    evidence_s: float | None = None  # the instant evidence answer (before any model token)
    total_s: float = 0.0
    done: dict = field(default_factory=dict)
    error: str | None = None

    @property
    def reached_model(self) -> bool:
        return bool(self.done) and not self.done.get("not_found") and self.timing("ttft_ms") is not None

    def timing(self, name: str) -> float | None:
        return (self.done.get("timings") or {}).get(name)


# --- client ------------------------------------------------------------------------------------
def login(url: str, user: str, password: str) -> httpx.Client:
    """A client with a portal session (the browser's path; one password hash, at login)."""
    client = httpx.Client(base_url=url, timeout=httpx.Timeout(300, connect=10))
    client.get("/accounts/login/").raise_for_status()
    r = client.post(
        "/accounts/login/",
        data={"username": user, "password": password, "csrfmiddlewaretoken": client.cookies["csrftoken"]},
    )
    if r.status_code != 302:
        raise SystemExit(f"login as {user!r} failed (HTTP {r.status_code}); check --user/--password")
    client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
    return client


def ask(client: httpx.Client, question: str) -> Result:
    result = Result(question)
    started = time.perf_counter()
    with client.stream(
        "POST", "/api/qa/ask", json={"question": question}, headers={"Accept": "text/event-stream"}
    ) as response:
        if response.status_code != 200:
            response.read()
            result.error = f"HTTP {response.status_code}: {response.text[:200]}"
            return result
        for event, data in _sse_events(response.iter_lines()):
            now = time.perf_counter() - started
            if event == "sources" and result.sources_s is None:
                result.sources_s = now
            elif event == "evidence" and data.get("text") and result.evidence_s is None:
                result.evidence_s = now
            elif event == "delta" and result.first_delta_s is None:
                result.first_delta_s = now
            elif event == "done":
                result.done = data
            elif event == "error":
                result.error = data.get("message", "error event")
    result.total_s = time.perf_counter() - started
    return result


def _sse_events(lines):  # type: ignore[no-untyped-def]
    event, data = "message", []
    for line in lines:
        if not line:
            if data:
                yield event, json.loads("\n".join(data))
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
    if data:
        yield event, json.loads("\n".join(data))


def run_sequential(client: httpx.Client, questions: list[str]) -> tuple[list[Result], float]:
    started = time.perf_counter()
    results = []
    for q in questions:
        results.append(ask(client, q))
        _progress(results[-1])
    return results, time.perf_counter() - started


def run_concurrent(clients: list[httpx.Client], questions: list[str]) -> tuple[list[Result], float]:
    todo: queue.Queue[str] = queue.Queue()
    for q in questions:
        todo.put(q)
    results: list[Result] = []
    lock = threading.Lock()

    def user(client: httpx.Client) -> None:
        while True:
            try:
                q = todo.get_nowait()
            except queue.Empty:
                return
            r = ask(client, q)
            with lock:
                results.append(r)
                _progress(r)

    started = time.perf_counter()
    threads = [threading.Thread(target=user, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.perf_counter() - started


def _progress(r: Result) -> None:
    first = f"{r.first_delta_s:.2f}s" if r.first_delta_s is not None else "-"
    state = r.error or ("not found" if r.done.get("not_found") else "answered")
    print(f"  first delta {first:>7}  total {r.total_s:6.2f}s  {state:<10} {r.question[:60]!r}", flush=True)


# --- report ------------------------------------------------------------------------------------
def _pcts(values: list[float], scale: float = 1.0) -> str:
    if not values:
        return f"{'-':>9}{'-':>9}"
    p50, p95 = np.percentile(np.asarray(values) * scale, [50, 95])
    return f"{p50:>9.0f}{p95:>9.0f}"


def report(label: str, results: list[Result], elapsed_s: float) -> None:
    answered = [r for r in results if r.reached_model]
    errors = [r for r in results if r.error]
    hits = sum(1 for r in answered if r.done.get("kv_cache_hit"))
    print(
        f"\n== {label}: {len(results)} questions in {elapsed_s:.1f} s "
        f"({len(results) / elapsed_s * 60:.1f} answers/min); {len(answered)} reached the model, "
        f"{sum(1 for r in results if r.done.get('not_found'))} not found, {len(errors)} errors; "
        f"KV-cache hits {hits} of {len(answered)}"
    )
    print(f"{'(model answers, n=' + str(len(answered)) + ')':<44}{'p50':>9}{'p95':>9}")
    useful = [min(t for t in (r.evidence_s, r.first_delta_s) if t is not None) for r in answered
              if r.evidence_s is not None or r.first_delta_s is not None]
    rows = [
        ("client: time to first useful text (ms)", useful, 1000),
        ("client: time to evidence answer (ms)", [r.evidence_s for r in answered if r.evidence_s], 1000),
        ("client: time to first delta (ms)", [r.first_delta_s for r in answered], 1000),
        ("client: time to sources event (ms)", [r.sources_s for r in answered if r.sources_s], 1000),
        ("server: retrieval_ms", [r.timing("retrieval_ms") for r in answered], 1),
        ("server: model ttft_ms", [r.timing("ttft_ms") for r in answered], 1),
        ("client: total answer time (ms)", [r.total_s for r in answered], 1000),
        ("server: decode tokens/s per answer", [r.timing("tokens_per_s") for r in answered], 1),
    ]
    for name, values, scale in rows:
        print(f"{name:<44}{_pcts([v for v in values if v is not None], scale)}")
    for r in errors[:3]:
        print(f"  error: {r.error} ({r.question[:60]!r})")


def corpus_chunks(client: httpx.Client, collection_ids: list[int]) -> int | None:
    if not collection_ids:
        return None
    total = 0
    for cid in collection_ids:
        url: str | None = f"/api/collections/{cid}/documents/?page_size=200"
        while url:  # the list comes in pages: follow "next" to the last
            r = client.get(url)
            r.raise_for_status()
            page = r.json()
            total += sum((d.get("current_version") or {}).get("chunk_count") or 0 for d in page["results"])
            url = page["next"]
    return total


def model_info(model_url: str | None) -> str:
    if not model_url:
        return "n_ctx unknown (pass --model-url)"
    models = httpx.get(f"{model_url}/v1/models", timeout=10).json()["data"]
    return "; ".join(
        f"{m['id']} n_ctx {m['kenning'].get('n_ctx')}"
        + (f" MoE experts {m['kenning'].get('expert_used_counts')}" if m["kenning"].get("is_moe") else "")
        for m in models
    )


def conditions(args, client, results: list[Result], warm: Result, load_before: str) -> None:  # type: ignore[no-untyped-def]
    done = [r.done for r in results if r.done and not r.done.get("not_found")]
    used = Counter(d.get("model") for d in done)
    profiles = Counter(
        (d["profile"].get("context_budget_tokens"), d["profile"].get("max_new_tokens"))
        for d in done
        if d.get("profile")
    )
    chunks = corpus_chunks(client, args.collections)
    corpus = f"{chunks} chunks" if chunks is not None else "unknown size (pass --collections)"
    print(
        f"\n# portal: {args.url}; corpus: {corpus} "
        f"in collection(s) {args.collections or '?'}" + (f" ({args.manual_name})" if args.manual_name else "")
    )
    print(
        f"# model used (done events): {dict(used)}; served: {model_info(args.model_url)}; "
        f"model threads {args.model_threads}; parallel slots {args.model_parallel}"
    )
    print(f"# router profiles (context budget tokens, max new tokens): {dict(profiles)}")
    print(
        f"# machine: {platform.platform()}, {os.cpu_count()} cores, python {platform.python_version()}; "
        f"client, web (gunicorn gthread) and services on the same machine"
    )
    print(
        f"# load average (1/5/15 min): before {load_before}; after "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    first = f"{warm.first_delta_s * 1000:.0f} ms" if warm.first_delta_s is not None else "-"
    print(
        f"# warm-up question (not counted; the web process loads its embedder): first delta {first}, "
        f"total {warm.total_s:.1f} s"
    )


def load_questions(manual_name: str | None, n: int) -> tuple[list[str], list[str]]:
    """Two disjoint sets of n questions (sequential, concurrent), so neither phase re-asks a prompt
    the model server has cached; a pool too small is reused and says so."""
    rows = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    pool = [r["question"] for r in rows if manual_name is None or Path(r["file"]).name == manual_name]
    if not pool:
        raise SystemExit(f"no question in {QUESTIONS} is about {manual_name}")
    if len(pool) < 2 * n:
        print(f"# only {len(pool)} questions for 2 x {n}: some repeat and may hit the prefix KV cache")
    picked = [pool[i % len(pool)] for i in range(2 * n)]
    return picked[:n], picked[n:]


# --- private stack -------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_SETUP = """
from apps.accounts.models import Collection, Membership, Role
from django.contrib.auth import get_user_model
user = get_user_model().objects.create_user("bench", password={password!r})
collection = Collection.objects.create(name="bench")
Membership.objects.create(user=user, collection=collection, role=Role.READER)
print(collection.pk)
"""


@contextlib.contextmanager
def started_stack(args):  # type: ignore[no-untyped-def]
    from scripts.stack import Stack, start, start_web

    with tempfile.TemporaryDirectory(prefix="kenning-ttft-", dir=args.tmp) as tmp:
        ports = {name: _free_port() for name in ("neo4j", "redis", "postgres", "index", "model", "web")}
        stack = Stack(profile="dev", state_dir=Path(tmp) / "var", ports=ports, python=sys.executable)
        env = stack.env()
        try:
            began = time.perf_counter()
            start(stack, STACK_SERVICES)
            manage = [sys.executable, "manage.py"]
            subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, cwd=REPO, check=True)
            password = secrets.token_urlsafe(12)
            out = subprocess.run(
                [*manage, "shell", "-c", _SETUP.format(password=password)],
                env=env,
                cwd=REPO,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            collection_id = int(out.strip().splitlines()[-1])
            print(f"# stack up in {time.perf_counter() - began:.0f} s; ingesting {args.manual} …", flush=True)
            began = time.perf_counter()
            subprocess.run(
                [*manage, "ingest", str(args.manual), "--collection", "bench", "--no-progress"],
                env=env,
                cwd=REPO,
                check=True,
            )
            print(f"# ingest took {time.perf_counter() - began:.0f} s", flush=True)
            start_web(stack)
            args.url, args.user, args.password = f"http://127.0.0.1:{ports['web']}", "bench", password
            args.collections, args.model_url = [collection_id], env["MODEL_SERVER_URL"]
            args.model_threads = env.get("MODEL_THREADS", "2 (settings default)")
            args.model_parallel = env.get("MODEL_PARALLEL", "4 (settings default)")
            yield
        finally:
            stack.stop_all()


def measure(args) -> None:  # type: ignore[no-untyped-def]
    sequential, concurrent = load_questions(args.manual_name, args.questions)
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    clients = [login(args.url, args.user, args.password) for _ in range(args.concurrency)]
    try:
        print("# warm-up question:", flush=True)
        warm = ask(clients[0], WARM_UP)
        _progress(warm)
        print(f"# {len(sequential)} questions, one at a time:", flush=True)
        seq, seq_s = run_sequential(clients[0], sequential)
        print(f"# {len(concurrent)} other questions, {args.concurrency} concurrent users:", flush=True)
        conc, conc_s = run_concurrent(clients, concurrent)
        conditions(args, clients[0], seq + conc, warm, load_before)
        report("sequential", seq, seq_s)
        report(f"{args.concurrency} concurrent users", conc, conc_s)
    finally:
        for c in clients:
            c.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="a running Kenning portal, e.g. http://127.0.0.1:8000")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--start", action="store_true", help="start a private dev stack and ingest --manual")
    parser.add_argument(
        "--manual",
        type=Path,
        default=DEFAULT_MANUAL,
        help="with --start: the manual to ingest; questions are those about it",
    )
    parser.add_argument(
        "--all-questions",
        action="store_true",
        help="without --start: take questions about every sample file, not only --manual",
    )
    parser.add_argument("--questions", type=int, default=4, help="questions per phase (different ones)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--collections", type=int, nargs="*", default=[], help="collection ids (corpus size)")
    parser.add_argument("--model-url", default=None, help="model server URL (n_ctx in the conditions)")
    parser.add_argument("--model-threads", default="unknown (pass --model-threads)")
    parser.add_argument("--model-parallel", default="unknown")
    parser.add_argument("--tmp", default=None)
    args = parser.parse_args()
    args.manual_name = None if (args.all_questions and not args.start) else args.manual.name
    if args.start:
        with started_stack(args):
            measure(args)
        return 0
    if not (args.url and args.user and args.password):
        parser.error("give --url, --user and --password, or --start")
    measure(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
