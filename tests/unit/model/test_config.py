from pathlib import Path

import pytest
from pydantic import ValidationError

from model.config import KVCacheConfig, ModelConfig, ServerConfig, build_config
from model.errors import ModelConfigError, ModelError


def make(**overrides):
    values = {"name": "smollm2", "gguf_path": Path("/m.gguf")} | overrides
    return ModelConfig(**values)


def test_it_accepts_defaults():
    cfg = make()
    assert (cfg.n_ctx, cfg.n_gpu_layers, cfg.kv_cache_type, cfg.flash_attn) == (4096, 0, "f16", False)


@pytest.mark.parametrize(
    "overrides",
    [
        {"n_gpu_layers": -2},
        {"n_ctx": 16},
        {"n_threads": 0},
        {"kv_cache_type": "q4_0"},
        {"expert_used_count": 0},
        {"n_batch": 64, "n_ubatch": 128},
        {"kv_cache_type": "q8_0", "flash_attn": False},
        {"name": "has space"},
        {"unknown_field": 1},
        {"tier": "medium"},
        {"sha256": "not-a-hash"},
    ],
)
def test_it_rejects_bad_model_settings(overrides):
    with pytest.raises(ValidationError):
        make(**overrides)


def test_it_describes_a_served_model_by_tier_licence_source_and_hash():
    cfg = make(tier="large", licence="Apache-2.0", source="official release", sha256="ab" * 32)
    assert (cfg.tier, cfg.licence, cfg.sha256) == ("large", "Apache-2.0", "ab" * 32)
    assert (make().tier, make().licence, make().sha256) == ("small", "unknown", None)


def test_it_allows_full_gpu_offload_and_quantized_cache_with_flash_attention():
    cfg = make(n_gpu_layers=-1, kv_cache_type="q8_0", flash_attn=True, cpu_moe=True)
    assert cfg.n_gpu_layers == -1


def test_it_is_frozen():
    with pytest.raises(ValidationError):
        make().n_ctx = 10


def test_it_wraps_errors_in_one_readable_model_error():
    with pytest.raises(ModelConfigError) as excinfo:
        build_config(ServerConfig, port=70000, n_parallel=0)
    assert isinstance(excinfo.value, ModelError)
    assert "port" in str(excinfo.value) and "n_parallel" in str(excinfo.value)


def test_it_bounds_server_and_cache_settings():
    with pytest.raises(ValidationError):
        ServerConfig(max_queue=-1)
    with pytest.raises(ValidationError):
        KVCacheConfig(ram_bytes=-5)
    assert ServerConfig().kv_cache.disk_dir is None


def test_prefill_chunk_is_small_on_the_cpu_and_the_whole_batch_with_gpu_offload(tmp_path):
    base = {"name": "m", "gguf_path": tmp_path / "m.gguf", "n_batch": 512}
    assert ModelConfig(**base).effective_prefill_chunk == 128
    assert ModelConfig(**base, n_gpu_layers=-1).effective_prefill_chunk == 512
    assert ModelConfig(**base, prefill_chunk=64).effective_prefill_chunk == 64
    assert ModelConfig(**base, prefill_chunk=4096).effective_prefill_chunk == 512
