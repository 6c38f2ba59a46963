"""Celery queue routing behind the Helm chart's worker groups (CELERY_GRAPH_QUEUE)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
django.setup()
from config.celery import app
from apps.documents import tasks
names = [tasks.ingest_version.name, tasks.ingest_graph.name, tasks.apply_record_mapping.name]
print(json.dumps({n: app.amqp.router.route({}, n)["queue"].name for n in names}))
"""


def queues(graph_queue: str | None) -> dict[str, str]:
    """Where the real Celery router sends each ingest task under these settings (a fresh process:
    settings are read once per process)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "KENNING_DEV": "true"}
    env.pop("CELERY_GRAPH_QUEUE", None)
    if graph_queue is not None:
        env["CELERY_GRAPH_QUEUE"] = graph_queue
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_graph_stage_tasks_go_to_their_own_queue_when_one_is_set():
    assert queues("graph") == {
        "apps.documents.tasks.ingest_version": "celery",
        "apps.documents.tasks.ingest_graph": "graph",
        "apps.documents.tasks.apply_record_mapping": "graph",
    }


def test_without_a_graph_queue_every_task_stays_on_the_default_queue():
    assert set(queues(None).values()) == {"celery"}
