"""Summarises one load run: locust's CSV, the answers stored during it, the model queue, memory.

    .venv/bin/python -m bench.load.report --dir var/load --since <unix time the run began>

Non-model requests are every locust name except the asks; their p95 is the issue's goal
(<= 500 ms while the model is busy). Prints JSON and writes it to <dir>/report.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
from datetime import UTC, datetime
from pathlib import Path

MODEL_NAMES = ("ask",)


def _locust(run_dir: Path) -> dict:  # type: ignore[type-arg]
    rows = list(csv.DictReader((run_dir / "run_stats.csv").open()))
    by_name = {}
    for row in rows:
        by_name[row["Name"]] = {
            "method": row["Type"],
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "median_ms": float(row["Median Response Time"] or 0),
            "p95_ms": float(row["95%"] or 0) if row["95%"] != "N/A" else None,
            "max_ms": float(row["Max Response Time"] or 0),
        }
    failures = []
    path = run_dir / "run_failures.csv"
    if path.exists():
        failures = [
            {"name": r["Name"], "error": r["Error"][:300], "count": int(r["Occurrences"])}
            for r in csv.DictReader(path.open())
        ]
    return {"requests": by_name, "failures": failures}


def _answers(since: float) -> dict:  # type: ignore[type-arg]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from apps.qa.models import Answer

    started = datetime.fromtimestamp(since, tz=UTC)
    answers = list(
        Answer.objects.filter(created_at__gte=started).values("status", "error", "ttft_ms", "created_at")
    )
    counts: dict[str, int] = {}
    for a in answers:
        counts[a["status"]] = counts.get(a["status"], 0) + 1
    errors: dict[str, int] = {}
    for a in answers:
        if a["error"]:
            errors[a["error"][:160]] = errors.get(a["error"][:160], 0) + 1
    ttfts = sorted(a["ttft_ms"] for a in answers if a["ttft_ms"] is not None)
    if answers:
        span_min = max(
            (max(a["created_at"] for a in answers) - min(a["created_at"] for a in answers)).total_seconds()
            / 60,
            1 / 60,
        )
    else:
        span_min = 0
    return {
        "by_status": counts,
        "errors": errors,
        "done_per_min": round(counts.get("done", 0) / span_min, 2) if span_min else 0,
        "ttft_ms_p50": round(statistics.median(ttfts)) if ttfts else None,
        "ttft_ms_p95": round(ttfts[int(0.95 * (len(ttfts) - 1))]) if ttfts else None,
    }


def _queue(path: Path) -> dict:  # type: ignore[type-arg]
    if not path.exists():
        return {}
    samples = [json.loads(line) for line in path.open() if line.strip()]
    depth = [s["kenning_model_queue_depth"] for s in samples if "kenning_model_queue_depth" in s]
    active = [s["kenning_model_active_slots"] for s in samples if "kenning_model_active_slots" in s]
    return {
        "samples": len(samples),
        "unreachable_samples": sum(1 for s in samples if "error" in s),
        "queue_depth_mean": round(statistics.mean(depth), 2) if depth else None,
        "queue_depth_max": max(depth) if depth else None,
        "active_slots_mean": round(statistics.mean(active), 2) if active else None,
        "requests_last": {k: v for k, v in (samples[-1] if samples else {}).items() if "requests" in k},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", type=Path, default=Path("var/load"))
    parser.add_argument("--since", type=float, required=True)
    args = parser.parse_args()
    loc = _locust(args.dir)
    named = {k: v for k, v in loc["requests"].items() if k != "Aggregated"}
    non_model = {k: v for k, v in named.items() if not k.startswith(MODEL_NAMES)}
    report = {
        "locust": loc,
        "non_model_worst_p95_ms": max((v["p95_ms"] or 0) for v in non_model.values()) if non_model else None,
        "server_errors": sum(v["failures"] for v in named.values()),
        "answers": _answers(args.since),
        "model_queue": _queue(args.dir / "model-queue.jsonl"),
        "retry_after": json.loads((args.dir / "refusals.json").read_text())
        if (args.dir / "refusals.json").exists()
        else None,
    }
    for phase in ("before", "after"):
        path = args.dir / f"memory-{phase}.json"
        report[f"memory_mib_{phase}"] = json.loads(path.read_text()) if path.exists() else None
    text = json.dumps(report, indent=1, default=str)
    (args.dir / "report.json").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
