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

    argv = [sys.executable, "-m", "retrieval.index.server", "--path", path, "--port", str(port),
            "--log-level", "warning"]
    proc = subprocess.Popen(argv, cwd=REPO)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("index server did not start")
