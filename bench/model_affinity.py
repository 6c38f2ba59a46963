"""Model-server replicas: follow-up TTFT with cache affinity vs round robin, and aggregate
throughput of one replica vs two on the same cores.

Starts its own model servers (``python -m model serve``, SmolLM2-135M, the test model) on free
ports and stops them. Prints its conditions first.

    .venv/bin/python bench/model_affinity.py [--conversations 7] [--turns 3] [--requests 12]
    .venv/bin/python bench/model_affinity.py --part throughput --repeats 3

Follow-ups: each conversation carries its own ~450-token excerpt of a sample manual as sources,
so a follow-up turn repeats a long prefix that only the replica that served the previous turn
holds in its KV cache. Turns are played round by round in a shuffled (seeded) order, as
concurrent users would send them. Throughput: ``--requests`` distinct questions sent at once.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._servers import REPO, start_model_server  # noqa: E402
from model.client import ModelClient  # noqa: E402

MANUALS = [
    REPO / "sample_data" / "manuals" / "nut-user-manual-overview.md",
    REPO / "sample_data" / "manuals" / "apcupsd-smart-protocol.txt",
]
SYSTEM = "You are a maintenance assistant. Answer from the sources in one or two sentences.\n\nSources:\n"
FOLLOW_UPS = ["What is this section about?", "Which setting matters most here?", "What should I check first?"]


def excerpts(n: int, chars: int = 1800) -> list[str]:
    text = "\n".join(p.read_text(errors="replace") for p in MANUALS)
    step = max(chars, (len(text) - chars) // max(n, 1))
    return [text[i * step : i * step + chars] for i in range(n)]


def start_servers(count: int, threads: int, parallel: int) -> tuple[list[subprocess.Popen], list[str]]:
    procs, urls = [], []
    for _ in range(count):
        proc, url = start_model_server("smollm2", threads, parallel, cache_ram_mib=256)
        procs.append(proc)
        urls.append(url)
    return procs, urls


def stop_servers(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def follow_up_ttft(urls: list[str], policy: str, conversations: int, turns: int, tokens: int, seed: int):
    client = ModelClient(urls, policy=policy, timeout_s=300)
    sources = excerpts(conversations)
    histories: dict[int, list[dict[str, str]]] = {c: [] for c in range(conversations)}
    last_replica: dict[int, str] = {}
    rng = random.Random(seed)
    first, later, same = [], [], 0
    for turn in range(turns):
        order = list(range(conversations))
        rng.shuffle(order)
        for c in order:
            question = FOLLOW_UPS[turn % len(FOLLOW_UPS)]
            messages = [
                {"role": "system", "content": SYSTEM + sources[c]},
                *histories[c],
                {"role": "user", "content": question},
            ]
            started = time.perf_counter()
            ttft = None
            stream = client.stream_chat(
                messages, conversation_id=f"bench-{seed}-{c}", max_tokens=tokens, temperature=0.0
            )
            text = ""
            for delta in stream:
                if ttft is None:
                    ttft = time.perf_counter() - started
                text += delta
            ttft = ttft if ttft is not None else time.perf_counter() - started
            replica = stream.result.replica if stream.result else ""
            if turn == 0:
                first.append(ttft)
            else:
                later.append(ttft)
                same += replica == last_replica[c]
            last_replica[c] = replica
            histories[c] += [{"role": "user", "content": question}, {"role": "assistant", "content": text}]
    client.close()
    return first, later, same


def throughput(urls: list[str], requests: int, tokens: int) -> tuple[float, float, int]:
    client = ModelClient(urls, timeout_s=600)
    sources = excerpts(requests, chars=900)

    def one(i: int) -> int:
        messages = [
            {"role": "system", "content": SYSTEM + sources[i]},
            {"role": "user", "content": FOLLOW_UPS[i % len(FOLLOW_UPS)]},
        ]
        # No conversation id: each request is new, so the client balances on load.
        result = client.chat(messages, max_tokens=tokens, temperature=0.0, ignore_eos=True)
        return int(result.usage.get("completion_tokens", 0))

    started = time.perf_counter()
    with ThreadPoolExecutor(requests) as pool:
        produced = sum(pool.map(one, range(requests)))
    wall = time.perf_counter() - started
    client.close()
    return produced / wall, requests / wall, produced


def p50(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ttft_table(cores: int, args: argparse.Namespace) -> None:
    # Two replicas share the cores: one thread each, so neither spins on the other's core. Fresh
    # servers per policy: a prefix cached during one policy's run would flatter the next one.
    rows = {}
    for policy in ("affinity", "round_robin"):
        procs, urls = start_servers(2, threads=max(1, cores // 2), parallel=2)
        try:
            # The same seed: both policies see the same conversations in the same order.
            rows[policy] = follow_up_ttft(
                urls, policy, args.conversations, args.turns, args.tokens, args.seed
            )
        finally:
            stop_servers(procs)
    print(f"\nfollow-up TTFT, 2 replicas x {max(1, cores // 2)} thread(s):")
    print(
        f"{'policy':<12} {'turn-1 p50 s':>13} {'follow-up p50 s':>16} {'follow-up mean s':>17} "
        f"{'on same replica':>16}"
    )
    for policy, (first, later, same) in rows.items():
        print(
            f"{policy:<12} {p50(first):>13.2f} {p50(later):>16.2f} {statistics.mean(later):>17.2f} "
            f"{same:>9}/{len(later):<6}",
            flush=True,
        )


def throughput_table(cores: int, args: argparse.Namespace) -> None:
    setups = {
        f"1 replica x {cores} threads, 4 slots": (1, cores, 4),
        f"2 replicas x {max(1, cores // 2)} thread(s), 2 slots": (2, max(1, cores // 2), 2),
    }
    runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in setups}
    for repeat in range(args.repeats):
        # Alternate which setup goes first: a drifting machine then favours neither.
        for name in list(setups)[:: 1 if repeat % 2 == 0 else -1]:
            count, threads, parallel = setups[name]
            procs, urls = start_servers(count, threads=threads, parallel=parallel)
            try:
                runs[name].append(throughput(urls, args.requests, args.throughput_tokens))
            finally:
                stop_servers(procs)
    print(f"\naggregate throughput, same cores ({args.repeats} run(s) each, fresh servers per run):")
    print(f"{'setup':<34} {'tokens/s p50':>13} {'requests/s p50':>15}  tokens/s per run")
    for name, results in runs.items():
        each = " ".join(f"{r[0]:.1f}" for r in results)
        print(
            f"{name:<34} {p50([r[0] for r in results]):>13.1f} {p50([r[1] for r in results]):>15.3f}  {each}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=7)
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=16, help="answer tokens per follow-up turn")
    parser.add_argument("--requests", type=int, default=12, help="concurrent requests for throughput")
    parser.add_argument("--throughput-tokens", type=int, default=48)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--part", choices=("all", "ttft", "throughput"), default="all")
    parser.add_argument("--repeats", type=int, default=1, help="throughput runs per setup")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(
        f"conditions: {platform.processor() or platform.machine()}, {cores} cores, Python "
        f"{platform.python_version()}, model SmolLM2-135M-Instruct Q4_1 (llama.cpp CPU), ctx 2048, "
        f"KV RAM cache 256 MiB per replica; follow-ups: {args.conversations} conversations x "
        f"{args.turns} turns, ~450-token sources each, {args.tokens} answer tokens, greedy; throughput: "
        f"{args.requests} concurrent requests x {args.throughput_tokens} tokens (ignore_eos)",
        flush=True,
    )

    if args.part in ("all", "ttft"):
        ttft_table(cores, args)
    if args.part in ("all", "throughput"):
        throughput_table(cores, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
