"""Frozen, bounded settings for the model runtime.

``config/wiring.py`` builds these from Django settings; the CLI builds them from arguments.
Nothing here reads the environment.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ModelConfigError

KVCacheType = Literal["f16", "q8_0"]
Tier = Literal["small", "large"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModelConfig(_Frozen):
    """One served model (one GGUF file).

    ``cpu_moe`` keeps expert tensors in host memory while the rest is offloaded with
    ``n_gpu_layers``; it uses llama.cpp's ``tensor_buft_overrides`` through the low-level
    bindings (llama-cpp-python's ``Llama`` class does not expose it).
    """

    name: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:/-]+$",
        description="Name clients use in the 'model' field",
    )
    gguf_path: Path = Field(description="Path to the GGUF file")
    tier: Tier = Field(
        default="small",
        description="Routing tier: small (lookups, chit-chat) or large (troubleshooting, procedures, "
        "comparisons, aggregates)",
    )
    licence: str = Field(default="unknown", max_length=200, description="Licence of the weights")
    source: str = Field(default="", max_length=500, description="Where the file came from")
    sha256: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$", description="Verified sha256 of the file; None = unknown"
    )
    n_ctx: int = Field(
        default=4096, ge=128, le=1_048_576, description="Context window in tokens of each sequence (slot)"
    )
    n_threads: int | None = Field(default=None, ge=1, le=512, description="Decode threads; None = cores/2")
    n_threads_batch: int | None = Field(
        default=None, ge=1, le=512, description="Prompt threads; None = n_threads"
    )
    n_gpu_layers: int = Field(default=0, ge=-1, description="Layers offloaded to GPU; -1 = all")
    n_batch: int = Field(default=512, ge=1, le=65_536, description="Logical batch size for prompt evaluation")
    n_ubatch: int = Field(default=512, ge=1, le=65_536, description="Physical micro-batch size")
    prefill_chunk: int | None = Field(
        default=None,
        ge=1,
        le=65_536,
        description="Prompt tokens per step while answers stream; None = 128 on CPU, n_batch on GPU",
    )
    kv_cache_type: KVCacheType = Field(default="f16", description="K/V cache element type")
    flash_attn: bool = Field(default=False, description="Use flash attention")
    expert_used_count: int | None = Field(
        default=None, ge=1, le=256, description="Active experts per token (MoE only); None = GGUF default"
    )
    allowed_expert_counts: tuple[int, ...] = Field(
        default=(), description="Extra active-expert counts requests may ask for (each is a separate context)"
    )
    cpu_moe: bool = Field(
        default=False, description="Keep MoE expert tensors on the CPU (big MoE on small GPU)"
    )
    use_mmap: bool = True
    seed: int = Field(default=0, ge=0, le=2**31 - 1)

    @property
    def effective_prefill_chunk(self) -> int:
        """Prompt tokens a step may carry while other sequences are generating.

        On the CPU a step's time grows with its tokens while prompt throughput is flat from about
        64 tokens per step (SmolLM2, 2 threads: 208 tok/s at 64, 216 at 128, 207 at 509), so
        128-token chunks cost nothing and a streaming answer no longer stalls for a whole
        512-token step (bench/model_bench.py --only streaming: longest stall 3.4 s -> 0.8 s, same
        time to first token). A GPU evaluates a full batch in about the time of a small one, so
        it gets the whole batch.
        """
        if self.prefill_chunk is not None:
            return min(self.prefill_chunk, self.n_batch)
        return self.n_batch if self.n_gpu_layers != 0 else min(128, self.n_batch)

    @model_validator(mode="after")
    def _check_consistency(self) -> ModelConfig:
        if self.n_ubatch > self.n_batch:
            raise ValueError(f"n_ubatch ({self.n_ubatch}) must not exceed n_batch ({self.n_batch})")
        if self.kv_cache_type == "q8_0" and not self.flash_attn:
            # llama.cpp refuses a quantized V cache without flash attention.
            raise ValueError("kv_cache_type q8_0 needs flash_attn=true")
        if any(k < 1 for k in self.allowed_expert_counts):
            raise ValueError("allowed_expert_counts must all be >= 1")
        return self


class KVCacheConfig(_Frozen):
    """Kenning's prefix KV cache (RAM LRU with an optional disk tier)."""

    ram_bytes: int = Field(default=512 * 2**20, ge=0, description="RAM budget for saved states, real bytes")
    disk_dir: Path | None = Field(default=None, description="Directory of the disk tier; None = RAM only")
    disk_bytes: int = Field(default=4 * 2**30, ge=0, description="Disk tier budget in bytes")
    min_prefix_tokens: int = Field(
        default=16, ge=1, description="Shorter shared prefixes are not worth a restore"
    )


class ServerConfig(_Frozen):
    """The model server process."""

    host: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(default=8081, ge=0, le=65_535)
    n_parallel: int = Field(default=4, ge=1, le=64, description="Sequences decoded together per model")
    max_queue: int = Field(default=16, ge=0, le=10_000, description="Waiting requests before 503")
    retry_after_s: int = Field(default=2, ge=1, le=3600)
    max_tokens_limit: int = Field(default=2048, ge=1, description="Upper bound for a request's max_tokens")
    kv_cache: KVCacheConfig = Field(default_factory=KVCacheConfig)
    api_key: str | None = Field(
        default=None, min_length=16, repr=False, description="Bearer key every request but /health needs"
    )

    @model_validator(mode="after")
    def _key_off_loopback(self) -> ServerConfig:
        # Anyone who reaches the port could otherwise run chat completions on the GPU.
        if not self.api_key and not is_loopback(self.host):
            raise ValueError(f"host {self.host!r} is not loopback: serving there needs an API key")
        return self


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def build_config(cls: type[_Frozen], **values: object) -> _Frozen:
    """Build a config object, turning pydantic errors into one readable ModelConfigError.

    Args:
        cls: ModelConfig, ServerConfig or KVCacheConfig.
        **values: field values.

    Returns:
        The validated, frozen config.
    """
    try:
        return cls(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or cls.__name__}: {e['msg']}" for e in exc.errors()
        )
        raise ModelConfigError(f"invalid {cls.__name__}: {problems}") from exc
