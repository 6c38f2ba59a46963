"""Command line: ``python -m model serve --gguf PATH [--moe-gguf PATH] ...``.

Arguments only (no environment reading); the Django side starts the same server through its own
settings -> config wiring.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .config import KVCacheConfig, ModelConfig, ServerConfig, build_config
from .errors import ModelError
from .registry import DENSE_MODEL_NAME, MOE_MODEL_NAME

logger = logging.getLogger("model")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m model", description="Kenning model server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the OpenAI-compatible API")
    serve.add_argument("--gguf", type=Path, help="dense model GGUF (default: packaged SmolLM2)")
    serve.add_argument("--moe-gguf", type=Path, help="MoE GGUF, served as a second model")
    serve.add_argument("--name", default=DENSE_MODEL_NAME)
    serve.add_argument("--moe-name", default=MOE_MODEL_NAME)
    serve.add_argument("--host", default="127.0.0.1")
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
    serve.add_argument("--experts", type=int, help="active experts for the MoE model")
    serve.add_argument(
        "--allowed-experts",
        type=int,
        nargs="*",
        default=[],
        help="extra active-expert counts requests may select (one context each)",
    )
    serve.add_argument("--cpu-moe", action="store_true", help="keep MoE experts in CPU memory")
    serve.add_argument("--parallel", type=int, default=4, help="sequences decoded together")
    serve.add_argument("--max-queue", type=int, default=16)
    serve.add_argument("--cache-ram-mib", type=int, default=512)
    serve.add_argument("--cache-disk-dir", type=Path)
    serve.add_argument("--cache-disk-mib", type=int, default=4096)
    serve.add_argument("--log-level", default="INFO")
    return parser


def _configs(args: argparse.Namespace) -> tuple[ServerConfig, list[ModelConfig]]:
    from .registry import smollm2_gguf_path

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
    models = [build_config(ModelConfig, name=args.name, gguf_path=args.gguf or smollm2_gguf_path(), **common)]
    if args.moe_gguf:
        models.append(
            build_config(
                ModelConfig,
                name=args.moe_name,
                gguf_path=args.moe_gguf,
                expert_used_count=args.experts,
                allowed_expert_counts=tuple(args.allowed_experts),
                cpu_moe=args.cpu_moe,
                **common,
            )
        )
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
    )
    return server, models  # type: ignore[return-value]


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        server_config, model_configs = _configs(args)
        from .gguf_meta import check_expert_count, read_gguf_info

        for cfg in model_configs:  # fail before binding the port, with a clear message
            info = read_gguf_info(cfg.gguf_path)
            for k in (cfg.expert_used_count, *cfg.allowed_expert_counts):
                check_expert_count(info, k)
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
