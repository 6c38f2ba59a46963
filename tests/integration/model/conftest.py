"""Real llama.cpp fixtures: the packaged SmolLM2 and the upcycled MoE built from it (cached)."""

import pytest

from model.config import KVCacheConfig, ModelConfig, ServerConfig
from model.registry import DENSE_MODEL_NAME, MOE_MODEL_NAME, default_model_dir, smollm2_gguf_path

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
