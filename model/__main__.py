"""Command line: ``python -m model serve [--model TIER MODEL]... [--model-dir DIR] ...``.

``MODEL`` is a registry name (:mod:`model.registry`: ``qwen2.5-coder-0.5b-instruct``,
``qwen2.5-coder-1.5b-instruct``, ``smollm2``, ``smollm2-moe``) or a path to a GGUF file; ``TIER``
is ``small`` or ``large`` (what the router sends to it). Without ``--model`` the packaged SmolLM2
is served as ``small``. The expert options apply to every model whose GGUF is a MoE.

Arguments only (no environment reading); the Django side starts the same server through its own
settings (``manage.py run_model_server``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .config import KVCacheConfig, ModelConfig, ServerConfig, Tier, build_config
from .errors import ModelConfigError, ModelError
from .registry import DENSE_MODEL_NAME, default_model_dir

logger = logging.getLogger("model")

TIERS: tuple[Tier, ...] = ("small", "large")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m model", description="Kenning model server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the OpenAI-compatible API")
    serve.add_argument(
        "--model",
        dest="models",
        nargs=2,
        action="append",
        metavar=("TIER", "MODEL"),
        help="serve MODEL (registry name or GGUF path) in TIER (small|large); repeat for several; "
        f"the first is the default. Default: small {DENSE_MODEL_NAME}",
    )
    serve.add_argument(
        "--model-dir", type=Path, help="assembled/built models (default: ~/.cache/kenning/models)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="anything but loopback needs --api-key-file")
    serve.add_argument(
        "--api-key-file", type=Path, help="file holding the key clients send as 'Authorization: Bearer <key>'"
    )
    serve.add_argument("--port", type=int, default=8081)
    serve.add_argument("--ctx", type=int, default=4096, help="context tokens per sequence")
    serve.add_argument("--threads", type=int)
    serve.add_argument("--gpu-layers", type=int, default=0, help="-1 = offload all")
    serve.add_argument("--batch", type=int, default=512)
    serve.add_argument("--ubatch", type=int, default=512)
    serve.add_argument(
        "--prefill-chunk", type=int, help="prompt tokens per step while answers stream (default: 128 on CPU)"
    )
    serve.add_argument("--kv-type", choices=["f16", "q8_0"], default="f16")
    serve.add_argument("--flash-attn", action="store_true")
    serve.add_argument("--experts", type=int, help="active experts for MoE models")
    serve.add_argument(
        "--allowed-experts",
        type=int,
        nargs="*",
        default=[],
        help="extra active-expert counts requests may select (one context each; MoE models)",
    )
    serve.add_argument("--cpu-moe", action="store_true", help="keep MoE experts in CPU memory")
    serve.add_argument("--parallel", type=int, default=4, help="sequences decoded together")
    serve.add_argument("--max-queue", type=int, default=16)
    serve.add_argument("--cache-ram-mib", type=int, default=512)
    serve.add_argument("--cache-disk-dir", type=Path)
    serve.add_argument("--cache-disk-mib", type=int, default=4096)
    serve.add_argument("--log-level", default="INFO")
    return parser


def _model_configs(args: argparse.Namespace) -> list[ModelConfig]:
    from .gguf_meta import check_expert_count, read_gguf_info
    from .registry import resolve_model

    common = dict(
        n_ctx=args.ctx,
        n_threads=args.threads,
        n_gpu_layers=args.gpu_layers,
        n_batch=args.batch,
        n_ubatch=args.ubatch,
        prefill_chunk=args.prefill_chunk,
        kv_cache_type=args.kv_type,
        flash_attn=args.flash_attn,
    )
    model_dir = args.model_dir or default_model_dir()
    configs: list[ModelConfig] = []
    for tier, reference in args.models or [["small", DENSE_MODEL_NAME]]:
        if tier not in TIERS:
            raise ModelConfigError(f"--model {tier} {reference}: the tier must be one of {', '.join(TIERS)}")
        resolved = resolve_model(reference, model_dir)
        if any(c.name == resolved.name for c in configs):
            raise ModelConfigError(f"model {resolved.name} is configured twice; serve each model once")
        moe = dict(
            expert_used_count=args.experts,
            allowed_expert_counts=tuple(args.allowed_experts),
            cpu_moe=args.cpu_moe,
        )
        # Reading a GGUF's metadata parses its whole vocabulary (~6 s for Qwen's 151k tokens on
        # 2 cores), so a registry model's known architecture is trusted; load_model reads it anyway.
        info = read_gguf_info(resolved.path) if resolved.architecture != "dense" else None
        is_moe = bool(info and info.is_moe)
        cfg = build_config(
            ModelConfig,
            name=resolved.name,
            gguf_path=resolved.path,
            tier=tier,
            licence=resolved.licence,
            source=resolved.source,
            sha256=resolved.sha256,
            **common,
            **(moe if is_moe else {}),
        )
        assert isinstance(cfg, ModelConfig)
        if info is not None:
            for k in (cfg.expert_used_count, *cfg.allowed_expert_counts):  # before llama.cpp can abort
                check_expert_count(info, k)
        logger.info(
            "serving %s (%s, %s tier) from %s, sha256 %s",
            cfg.name,
            "MoE" if is_moe else "dense",
            cfg.tier,
            cfg.gguf_path,
            cfg.sha256 or "unknown",
        )
        configs.append(cfg)
    return configs


def _configs(args: argparse.Namespace, api_key: str | None = None) -> tuple[ServerConfig, list[ModelConfig]]:
    if args.api_key_file:
        try:
            api_key = args.api_key_file.read_text().strip()
        except OSError as e:
            raise ModelConfigError(f"--api-key-file {args.api_key_file}: {e}") from None
    cache = build_config(
        KVCacheConfig,
        ram_bytes=args.cache_ram_mib * 2**20,
        disk_dir=args.cache_disk_dir,
        disk_bytes=args.cache_disk_mib * 2**20,
    )
    server = build_config(
        ServerConfig,
        host=args.host,
        port=args.port,
        n_parallel=args.parallel,
        max_queue=args.max_queue,
        kv_cache=cache,
        api_key=api_key or None,
    )
    models = _model_configs(args)  # after the server's checks: reading GGUF metadata takes seconds
    return server, models  # type: ignore[return-value]


def main(argv: list[str] | None = None, api_key: str | None = None) -> int:
    """Entry point; returns the process exit code. ``api_key``: from a caller's settings (Django)."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:  # fail before binding the port, with a clear message
        server_config, model_configs = _configs(args, api_key)
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)  # CLI output
        return 2
    import uvicorn

    from .server import create_app

    app = create_app(server_config, model_configs)
    uvicorn.run(app, host=server_config.host, port=server_config.port, log_level=args.log_level.lower())
    return 0


if __name__ == "__main__":
    sys.exit(main())
