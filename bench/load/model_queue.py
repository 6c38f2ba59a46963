"""Samples the model server's queue while the load runs: one JSON line per interval.

.venv/bin/python -m bench.load.model_queue --out var/load/model-queue.jsonl &
"""

from __future__ import annotations

import argparse
import json
import os
import time
import urllib.request
from pathlib import Path

WANTED = ("kenning_model_queue_depth", "kenning_model_active_slots", "kenning_model_ttft_seconds_sum")


def sample(url: str, key: str | None) -> dict[str, float]:
    request = urllib.request.Request(url.rstrip("/") + "/metrics")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    values: dict[str, float] = {"t": round(time.time(), 1)}
    with urllib.request.urlopen(request, timeout=5) as r:
        for line in r.read().decode().splitlines():
            name, _, value = line.rpartition(" ")
            base = name.split("{")[0]
            if base in WANTED or base == "kenning_model_requests_total":
                values[name] = values.get(name, 0.0) + float(value)
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("var/load/model-queue.jsonl"))
    parser.add_argument("--every-s", type=float, default=5)
    args = parser.parse_args()
    url = os.environ.get("MODEL_SERVER_URL", "http://127.0.0.1:8081")
    key = os.environ.get("MODEL_SERVER_API_KEY")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a") as out:
        while True:
            try:
                out.write(json.dumps(sample(url, key)) + "\n")
            except OSError as exc:
                out.write(json.dumps({"t": round(time.time(), 1), "error": str(exc)}) + "\n")
            out.flush()
            time.sleep(args.every_s)


if __name__ == "__main__":
    main()
