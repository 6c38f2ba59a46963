from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Runs the model server (llama.cpp, OpenAI-compatible API) configured from Kenning's settings."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8081)
        parser.add_argument("--no-moe", action="store_true", help="serve only the dense model")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        from model.__main__ import main

        argv = [
            "serve",
            "--host",
            options["host"],
            "--port",
            str(options["port"]),
            "--ctx",
            str(settings.MODEL_N_CTX),
            "--threads",
            str(settings.MODEL_THREADS),
            "--gpu-layers",
            str(settings.MODEL_N_GPU_LAYERS),
            "--parallel",
            str(settings.MODEL_PARALLEL),
            "--cache-ram-mib",
            str(settings.MODEL_KV_CACHE_RAM_MIB),
            "--cache-disk-dir",
            str(settings.VAR_DIR / "kv-cache"),
        ]
        if settings.MODEL_GGUF_PATH:
            argv += ["--gguf", settings.MODEL_GGUF_PATH]
        moe = Path(settings.MODEL_MOE_GGUF_PATH)
        if not options["no_moe"] and moe.is_file():
            argv += [
                "--moe-gguf",
                str(moe),
                "--experts",
                str(settings.MODEL_MOE_EXPERTS),
                "--allowed-experts",
                *map(str, settings.MODEL_MOE_ALLOWED_EXPERTS),
            ]
        code = main(argv)
        if code:
            raise CommandError(f"model server exited with code {code}")
