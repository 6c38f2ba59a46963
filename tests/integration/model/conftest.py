"""Real llama.cpp fixtures: the packaged SmolLM2, the upcycled MoE built from it (cached), the
assembled Qwen 0.5B, and a real server on a free port."""

import contextlib
import os
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from model.client import ModelClient
from model.config import KVCacheConfig, ModelConfig, ServerConfig
from model.registry import (
    DENSE_MODEL_NAME,
    MOE_MODEL_NAME,
    QWEN_SMALL_NAME,
    default_model_dir,
    resolve_model,
    smollm2_gguf_path,
)
from model.server import create_app

N_THREADS = 2  # the test machines have 2 cores


@pytest.fixture(scope="session")
def dense_config():
    return ModelConfig(name=DENSE_MODEL_NAME, gguf_path=smollm2_gguf_path(), n_ctx=1024, n_threads=N_THREADS)


@pytest.fixture(scope="session")
def moe_gguf():
    from model.upcycle import build_moe

    # Cached across runs in ~/.cache/kenning/models (about 15 s to build the first time).
    return build_moe(default_model_dir())


@pytest.fixture(scope="session")
def moe_config(moe_gguf):
    return ModelConfig(
        name=MOE_MODEL_NAME, gguf_path=moe_gguf, n_ctx=1024, n_threads=N_THREADS, allowed_expert_counts=(1, 2)
    )


def server_config(**overrides):
    values = {"n_parallel": 4, "max_queue": 4, "kv_cache": KVCacheConfig(ram_bytes=256 * 2**20)} | overrides
    return ServerConfig(**values)


def qwen_small_config(n_ctx: int) -> ModelConfig:
    """The assembled Qwen2.5-Coder 0.5B from the cache the settings use (MODEL_DIR defaults to
    $KENNING_CACHE_DIR/models), as ``scripts/install`` left it."""
    cache = Path(os.environ.get("KENNING_CACHE_DIR", Path.home() / ".cache" / "kenning"))
    resolved = resolve_model(QWEN_SMALL_NAME, Path(os.environ.get("MODEL_DIR", cache / "models")))
    return ModelConfig(
        name=resolved.name,
        gguf_path=resolved.path,
        tier="small",
        licence=resolved.licence,
        source=resolved.source,
        sha256=resolved.sha256,
        n_ctx=n_ctx,
        n_threads=N_THREADS,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def live_server(models: list[ModelConfig], wait_s: float = 60, **overrides):
    """The real server (uvicorn in a thread) on a free port, ready; yields its URL."""
    port = free_port()
    app = create_app(server_config(port=port, **overrides), models)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    client = ModelClient(f"http://127.0.0.1:{port}", timeout_s=wait_s)
    for _ in range(int(wait_s * 10)):
        try:
            if client.health()["status"] == "ok":
                break
        except Exception:
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
