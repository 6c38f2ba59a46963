"""Celery adapters over services: claim, run, retry transient failures with backoff.

Recovery after a worker dies (kill -9, OOM, power): the message of an ``acks_late`` task is
redelivered by the broker only after its visibility timeout, so a starting worker also re-queues
what a previous run of the same node left claimed, and any queued or stale version (the claim is
a guarded UPDATE: duplicate messages are harmless).

Recovery after the broker loses its messages (Redis restarted without persistence, or an upload
while it was down): a running worker does not start again, so every REQUEUE_EVERY_S it looks at
the broker, and when no message is waiting or in flight anywhere while versions still wait for a
stage, those messages were lost and it sends them again.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.documents import services
from apps.documents.models import ACTIVE_STATUSES, DocumentVersion, GraphStatus, MappingStatus, Status
from apps.documents.runs import TransientIngestError

logger = logging.getLogger(__name__)

MAX_RETRIES = 6
# Idempotent tasks (guarded claims), so acks_late; only transient faults are retried, with backoff.
RETRYING: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": (TransientIngestError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": MAX_RETRIES,
}
_BOOTED_AT = timezone.now()
# The hard limit kills the worker process; the soft one raises in the task so it can clean up.
HARD_LIMIT_GRACE_S = 120
INGEST_LIMITS = {
    "soft_time_limit": settings.INGEST_TIME_LIMIT_S,
    "time_limit": settings.INGEST_TIME_LIMIT_S + HARD_LIMIT_GRACE_S,
}
GRAPH_LIMITS = {
    "soft_time_limit": settings.GRAPH_TIME_LIMIT_S,
    "time_limit": settings.GRAPH_TIME_LIMIT_S + HARD_LIMIT_GRACE_S,
}
_TIMEOUTS = (SoftTimeLimitExceeded, TimeLimitExceeded)


def _timeout_message(limit_s: int, what: str) -> str:
    return (
        f"Timed out: {what} took longer than {limit_s // 60} min {limit_s % 60} s and was stopped. "
        "The file may be too large or malformed; split or simplify it, or ask an administrator to "
        "raise the limit."
    )


def record_timeout(version_id: int, *, stage: str) -> None:
    """Says on the version that a stage ran into its time limit, and frees its claim.

    The soft limit raises inside the stage, whose own error handling records it as an internal
    error; the hard limit kills the process and leaves the version claimed. Both read the same.
    """
    if stage == "ingest":
        DocumentVersion.objects.filter(pk=version_id, status__in=(*ACTIVE_STATUSES, Status.FAILED)).update(
            status=Status.FAILED,
            error=_timeout_message(settings.INGEST_TIME_LIMIT_S, "the ingest"),
            claim_token="",
            finished_at=timezone.now(),
        )
    elif stage == "graph":
        DocumentVersion.objects.filter(pk=version_id, status=Status.READY).update(
            graph_status=GraphStatus.FAILED,
            error="Ready, graph failed: " + _timeout_message(settings.GRAPH_TIME_LIMIT_S, "the graph stage"),
            claim_token="",
        )
    else:
        DocumentVersion.objects.filter(pk=version_id).update(
            mapping_status=MappingStatus.FAILED,
            mapping_error=_timeout_message(settings.GRAPH_TIME_LIMIT_S, "applying the mapping"),
            claim_token="",
        )


class IngestTask(Task):  # type: ignore[misc]
    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        if isinstance(exc, _TIMEOUTS):
            record_timeout(args[0], stage="ingest")
        elif isinstance(exc, TransientIngestError):  # retries exhausted
            services.mark_failed(
                args[0],
                f"Gave up after {self.max_retries} retries: {exc}. Use Retry once the service is back.",
            )


@shared_task(base=IngestTask, **RETRYING, **INGEST_LIMITS)
def ingest_version(self: Task, version_id: int) -> bool:
    worker = self.request.hostname or f"pid-{os.getpid()}"
    return _timed(version_id, "ingest", lambda: services.run_ingest(version_id, worker=worker))


class ApplyMappingTask(Task):  # type: ignore[misc]
    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        if isinstance(exc, _TIMEOUTS):
            record_timeout(args[0], stage="mapping")
        elif isinstance(exc, TransientIngestError):  # retries exhausted
            from apps.documents.mapping_apply import give_up

            give_up(
                args[0], f"Gave up after {self.max_retries} retries: {exc}. Save the mapping again later."
            )


@shared_task(base=ApplyMappingTask, **RETRYING, **GRAPH_LIMITS)
def apply_record_mapping(self: Task, version_id: int) -> bool:
    """The graph stage alone for a ready record file whose mapping was confirmed or edited."""
    from apps.documents.mapping_apply import apply_mapping

    worker = self.request.hostname or f"pid-{os.getpid()}"
    return _timed(version_id, "mapping", lambda: apply_mapping(version_id, worker=worker))


class GraphStageTask(Task):  # type: ignore[misc]
    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        if isinstance(exc, _TIMEOUTS):
            record_timeout(args[0], stage="graph")
        elif isinstance(exc, TransientIngestError):  # retries exhausted
            from apps.documents import graphstage

            graphstage.give_up(
                args[0],
                f"gave up after {self.max_retries} retries ({exc}). The passages are searchable; "
                "use Retry once the knowledge graph is back.",
            )


@shared_task(base=GraphStageTask, **RETRYING, **GRAPH_LIMITS)
def ingest_graph(self: Task, version_id: int) -> bool:
    """The graph stage alone for a ready version whose graph stage failed."""
    from apps.documents import graphstage

    worker = self.request.hostname or f"pid-{os.getpid()}"
    return _timed(version_id, "graph", lambda: graphstage.run(version_id, worker=worker))


def _timed(version_id: int, stage: str, run: Callable[[], bool]) -> bool:
    """Runs a stage under the task's soft time limit; when it fires the version says it timed out.

    The stages record unexpected exceptions themselves (as internal errors) and some do not
    re-raise them, so a soft limit they caught is recognised by its name in what they recorded.
    """
    try:
        result = run()
    except SoftTimeLimitExceeded:
        record_timeout(version_id, stage=stage)
        return False
    caught = Q(error__contains=SoftTimeLimitExceeded.__name__) | Q(
        mapping_error__contains=SoftTimeLimitExceeded.__name__
    )
    if DocumentVersion.objects.filter(caught, pk=version_id).exists():
        record_timeout(version_id, stage=stage)
        return False
    return result


REQUEUE_EVERY_S = 20
# Only versions at least this old are sent again: a message in flight at the moment of the look
# (just published, not yet counted) belongs to a version younger than this.
REQUEUE_MIN_AGE_S = 60
_stop_sweeping = threading.Event()


@worker_ready.connect
def requeue_unfinished(sender: Any = None, **kwargs: Any) -> None:
    try:
        worker = getattr(sender, "hostname", "") or ""
        services.release_orphans(worker, _BOOTED_AT)
        _send_pending()
    except Exception:
        logger.exception("could not re-queue unfinished ingests")


@worker_ready.connect
def start_requeue_sweep(**kwargs: Any) -> None:
    # A thread, not the consumer's timer: the timer stops while the consumer reconnects, and this
    # is what must run once the broker is back.
    threading.Thread(target=_sweep_forever, name="requeue-lost", daemon=True).start()


@worker_shutdown.connect
def _stop_sweep(**kwargs: Any) -> None:
    _stop_sweeping.set()


def _send_pending(min_age_s: float = 0) -> list[int]:
    from apps.documents import graphstage
    from apps.documents.mapping_apply import pending_apply_ids

    born_before = timezone.now() - timedelta(seconds=min_age_s)
    sent = []
    for task, ids in (
        (ingest_version, services.pending_version_ids()),
        (apply_record_mapping, pending_apply_ids()),
        (ingest_graph, graphstage.pending_ids()),
    ):
        if min_age_s:
            ids = list(
                DocumentVersion.objects.filter(pk__in=ids, created_at__lt=born_before).values_list(
                    "pk", flat=True
                )
            )
        for version_id in ids:
            task.delay(version_id)
            sent.append(version_id)
    return sent


def requeue_lost() -> list[int]:
    """Sends again what waits for a stage when the broker holds no message at all; the ids sent."""
    if broker_backlog() != 0:  # messages waiting or running (or a broker this cannot count)
        return []
    sent = _send_pending(min_age_s=REQUEUE_MIN_AGE_S)
    if sent:
        logger.warning("the broker held no messages; re-queued versions %s", sent)
    return sent


def broker_backlog() -> int | None:
    """Messages waiting in the task queues plus those delivered and not yet acknowledged.

    Counted for the Redis transport (its ready lists and its unacked hash); None for other brokers,
    which are then left alone.
    """
    from config.celery import app

    queues = {app.conf.task_default_queue, *app.amqp.queues}
    if settings.CELERY_GRAPH_QUEUE:
        queues.add(settings.CELERY_GRAPH_QUEUE)
    with app.connection_for_read() as conn:
        channel = conn.default_channel
        size, client = getattr(channel, "_size", None), getattr(channel, "client", None)
        if size is None or client is None or not hasattr(channel, "unacked_key"):
            return None
        return int(client.hlen(channel.unacked_key)) + sum(int(size(q)) for q in queues)


def _sweep_forever() -> None:
    from django.db import close_old_connections

    while not _stop_sweeping.wait(REQUEUE_EVERY_S):
        try:
            requeue_lost()
        except Exception as exc:  # the broker or the database is down: try again next round
            logger.warning("could not look for lost ingest messages: %s", exc)
        finally:
            close_old_connections()
