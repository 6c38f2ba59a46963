"""Celery adapters over services: claim, run, retry transient failures with backoff.

Recovery after a worker dies (kill -9, OOM, power): the message of an ``acks_late`` task is
redelivered by the broker only after its visibility timeout, so a starting worker also re-queues
what a previous run of the same node left claimed, and any queued or stale version (the claim is
a guarded UPDATE: duplicate messages are harmless).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Task, shared_task
from celery.signals import worker_ready
from django.utils import timezone

from apps.documents import services

logger = logging.getLogger(__name__)

MAX_RETRIES = 6
# Idempotent tasks (guarded claims), so acks_late; only transient faults are retried, with backoff.
RETRYING: dict[str, Any] = {
    "bind": True, "acks_late": True, "autoretry_for": (services.TransientIngestError,), "retry_backoff": 5,
    "retry_backoff_max": 300, "retry_jitter": True, "max_retries": MAX_RETRIES,
}
_BOOTED_AT = timezone.now()


class IngestTask(Task):  # type: ignore[misc]
    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        if isinstance(exc, services.TransientIngestError):  # retries exhausted
            services.mark_failed(
                args[0],
                f"Gave up after {self.max_retries} retries: {exc}. Use Retry once the service is back.",
            )


@shared_task(base=IngestTask, **RETRYING)
def ingest_version(self: Task, version_id: int) -> bool:
    worker = self.request.hostname or f"pid-{os.getpid()}"
    return services.run_ingest(version_id, worker=worker)


class ApplyMappingTask(Task):  # type: ignore[misc]
    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        if isinstance(exc, services.TransientIngestError):  # retries exhausted
            from apps.documents.mapping import give_up

            give_up(
                args[0], f"Gave up after {self.max_retries} retries: {exc}. Save the mapping again later."
            )


@shared_task(base=ApplyMappingTask, **RETRYING)
def apply_record_mapping(self: Task, version_id: int) -> bool:
    """The graph stage alone for a ready record file whose mapping was confirmed or edited."""
    from apps.documents.mapping import apply_mapping

    worker = self.request.hostname or f"pid-{os.getpid()}"
    return apply_mapping(version_id, worker=worker)


class GraphStageTask(Task):  # type: ignore[misc]
    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        if isinstance(exc, services.TransientIngestError):  # retries exhausted
            from apps.documents import graphstage

            graphstage.give_up(
                args[0],
                f"gave up after {self.max_retries} retries ({exc}). The passages are searchable; "
                "use Retry once the knowledge graph is back.",
            )


@shared_task(base=GraphStageTask, **RETRYING)
def ingest_graph(self: Task, version_id: int) -> bool:
    """The graph stage alone for a ready version whose graph stage failed."""
    from apps.documents import graphstage

    worker = self.request.hostname or f"pid-{os.getpid()}"
    return graphstage.run(version_id, worker=worker)


@worker_ready.connect
def requeue_unfinished(sender: Any = None, **kwargs: Any) -> None:
    try:
        worker = getattr(sender, "hostname", "") or ""
        services.release_orphans(worker, _BOOTED_AT)
        for version_id in services.pending_version_ids():
            ingest_version.delay(version_id)
        from apps.documents.mapping import pending_apply_ids

        for version_id in pending_apply_ids():
            apply_record_mapping.delay(version_id)
        from apps.documents import graphstage

        for version_id in graphstage.pending_ids():
            ingest_graph.delay(version_id)
    except Exception:
        logger.exception("could not re-queue unfinished ingests")
