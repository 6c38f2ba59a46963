from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Runs the model server (llama.cpp, OpenAI-compatible API) with the models Kenning's settings "
        "name: MODEL_SMALL, MODEL_LARGE and the optional MODEL_MOE."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8081)
        parser.add_argument("--no-moe", action="store_true", help="do not serve the extra MODEL_MOE")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        from model.__main__ import main

        argv = [
            "serve",
            "--host",
            options["host"],
            "--port",
            str(options["port"]),
            "--model-dir",
            str(settings.MODEL_DIR),
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
            # The expert settings apply to whichever served model is a MoE.
            "--experts",
            str(settings.MODEL_MOE_EXPERTS),
            "--allowed-experts",
            *map(str, settings.MODEL_MOE_ALLOWED_EXPERTS),
            "--model",
            "small",
            settings.MODEL_SMALL,
        ]
        if settings.MODEL_LARGE:
            argv += ["--model", "large", settings.MODEL_LARGE]
        if settings.MODEL_MOE and not options["no_moe"]:
            argv += ["--model", settings.MODEL_MOE_TIER, settings.MODEL_MOE]
        code = main(argv, api_key=settings.MODEL_SERVER_API_KEY or None)
        if code:
            raise CommandError(
                f"model server exited with code {code} (the reason is above; a missing or unverified "
                "model file is fixed by running scripts/install)"
            )
