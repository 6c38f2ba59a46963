"""Waits until no document version of the dev stack is queued or ingesting (the demo after up).

.venv/bin/python -m bench.load.wait_ingest --timeout-s 420
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timeout-s", type=float, default=420)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from apps.documents.models import DocumentVersion

    began = time.monotonic()
    while True:
        counts: dict[str, int] = {}
        for status in DocumentVersion.objects.values_list("status", flat=True):
            counts[status] = counts.get(status, 0) + 1
        busy = counts.get("queued", 0) + counts.get("ingesting", 0)
        waited = time.monotonic() - began
        if not busy or waited > args.timeout_s:
            print(f"versions after {waited:.0f} s: {counts}" + (" (gave up waiting)" if busy else ""))
            return
        time.sleep(5)


if __name__ == "__main__":
    main()
