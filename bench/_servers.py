"""Processes the benches start for themselves (and always stop)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_index_server(path: str, port: int) -> subprocess.Popen:  # type: ignore[type-arg]
    """Kenning's index server on `path` (it owns the embedded store), ready to answer."""
    import httpx

    argv = [
        sys.executable,
        "-m",
        "retrieval.index.server",
        "--path",
        path,
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(argv, cwd=REPO)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("index server did not start")


def start_model_server(
    model: str,
    threads: int,
    parallel: int,
    *,
    tier: str = "small",
    model_dir: str | None = None,
    cache_ram_mib: int | None = None,
    nice: int = 0,
    quiet: bool = False,
    also: tuple[tuple[str, str], ...] = (),
) -> tuple[subprocess.Popen, str]:  # type: ignore[type-arg]
    """A model server (``python -m model serve``) on a free port serving ``model`` as ``tier``
    (and each ``(tier, model)`` of ``also`` beside it, as deployed with a small and a large model).

    Returns the process and its URL once ``/health`` answers; exits the bench if it dies first.
    """
    import os

    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "model",
        "serve",
        "--model",
        tier,
        model,
        *[arg for extra in also for arg in ("--model", *extra)],
        "--port",
        str(port),
        "--threads",
        str(threads),
        "--parallel",
        str(max(parallel, 1)),
        "--ctx",
        "2048",
        "--log-level",
        "WARNING",
    ]
    if model_dir is not None:
        argv += ["--model-dir", model_dir]
    if cache_ram_mib is not None:
        argv += ["--cache-ram-mib", str(cache_ram_mib)]
    output = subprocess.DEVNULL if quiet else None
    proc = subprocess.Popen(
        argv, cwd=REPO, stdout=output, stderr=output, preexec_fn=(lambda: os.nice(nice)) if nice else None
    )
    url = f"http://127.0.0.1:{port}"
    wait_healthy(proc, url)
    return proc, url


def wait_healthy(proc: subprocess.Popen, url: str, attempts: int = 900) -> None:  # type: ignore[type-arg]
    """Wait until the model server at ``url`` answers /health; exit if it dies or never does."""
    import httpx

    for _ in range(attempts):
        if proc.poll() is not None:
            raise SystemExit(f"model server {url} exited with {proc.returncode}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"model server {url} did not become healthy")
