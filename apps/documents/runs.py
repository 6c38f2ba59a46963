"""One claimed run on a version: the claim's timing rules, its guarded progress saves, running
one pipeline stage, and removing what a run wrote.

The ingest (apps.documents.services), the graph stage on its own (graphstage, graphrun) and
applying a record mapping (mapping_apply) all work under a claim; they share these pieces from
here instead of importing one another.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from apps.documents import pipeline
from apps.documents.models import DocumentVersion
from config import wiring

logger = logging.getLogger(__name__)

#: A claim whose heartbeat is older than this belongs to a dead worker and may be taken over.
STALE_AFTER_S = 120
HEARTBEAT_EVERY_S = 1.0
SERVICE_RETRIES = 3

ProgressFn = Callable[[str, int, int], None]


class TransientIngestError(Exception):
    """A service (index, graph) was unavailable; the job was put back in the queue to retry."""


class ClaimLost(Exception):
    """The version was reclaimed, deleted or its document deleted while this run worked on it."""


def is_transient(exc: BaseException) -> bool:
    return bool(getattr(exc, "is_transient", False))


class ClaimedRun:
    """One claimed run: every write is guarded by the claim token."""

    def __init__(
        self, version: DocumentVersion, token: str, stage: str, on_progress: ProgressFn | None
    ) -> None:
        self.version_id = version.pk
        self.token = token
        self.stage = stage
        self.on_progress = on_progress
        self.resume_done = version.progress_done
        self._last_save = 0.0

    def save(self, **fields: Any) -> None:
        updated = DocumentVersion.objects.filter(pk=self.version_id, claim_token=self.token).update(
            heartbeat_at=timezone.now(), **fields
        )
        if updated != 1:
            raise ClaimLost(f"version {self.version_id} is no longer claimed by this run")
        self._last_save = time.monotonic()

    def progress(self, done: int, total: int) -> None:
        if done >= total or time.monotonic() - self._last_save >= HEARTBEAT_EVERY_S:
            self.save(progress_done=done, progress_total=total)
        if self.on_progress is not None:
            self.on_progress(self.stage, done, total)


def run_stage(version: DocumentVersion, token: str, stage: str, on_progress: ProgressFn | None) -> None:
    """Run one pipeline stage under the claim ``token`` and record it as the last completed one."""
    run = ClaimedRun(version, token, stage, on_progress)
    if on_progress is not None:
        on_progress(stage, 0, 0)  # not every parser reports progress: announce the stage anyway
    started = time.monotonic()
    pipeline.STAGES[stage](version, run)
    timings = dict(version.timings)
    timings[stage] = round(timings.get(stage, 0.0) + time.monotonic() - started, 3)
    version.timings, version.stage = timings, stage
    run.save(stage=stage, timings=timings, progress_done=0, progress_total=0)
    version.progress_done = 0
    logger.info("version %s: %s in %.2f s", version.pk, stage, timings[stage])


def with_retries(call: Callable[[], Any]) -> Any:
    """Call a removal in the index or the graph, retrying a transient failure with backoff."""
    from graph.errors import GraphError
    from retrieval.errors import CollectionMissing, RetrievalError

    for attempt in range(SERVICE_RETRIES):
        try:
            return call()
        except CollectionMissing:
            return None  # nothing was ever indexed: nothing to remove
        except (RetrievalError, GraphError) as e:
            if not is_transient(e) or attempt == SERVICE_RETRIES - 1:
                raise
            time.sleep(0.5 * 2**attempt)
    return None


def remove_version_everywhere(version_id: int) -> None:
    with_retries(lambda: wiring.vector_index().delete_by_filter(version_id=version_id))
    with_retries(lambda: wiring.graph_sync().delete_version(str(version_id)))


def clean_up_abandoned(version_id: int) -> None:
    """A run that lost its claim because its document went away removes what it may have written."""
    version = DocumentVersion.objects.filter(pk=version_id).select_related("document").first()
    if version is not None and not version.document.is_deleted:
        return  # reclaimed by another run, which owns the outputs now
    try:
        remove_version_everywhere(version_id)
    except Exception:
        logger.exception("could not remove passages of abandoned version %s", version_id)
