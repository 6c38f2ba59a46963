"""The graph stage on its own, for a version that is ready and searchable without it.

A graph-stage failure never keeps passages out of the index. When the graph stage of an ingest
fails, the version still becomes ready (its passages are searchable) with ``error`` saying
"Ready, graph failed: <reason>" and ``graph_status``:

- ``retrying`` when Neo4j was unavailable: the ``ingest_graph`` task runs the graph stage alone,
  with backoff, and gives up (``failed``) when its retries run out;
- ``failed`` when Neo4j rejected the facts or extraction broke: the version's Retry runs the graph
  stage alone (``retry``).

The graph stage writes a version's facts in one transaction (graph.write.replace_version), so a
failed attempt leaves the graph as it was: never half a version. Record files whose mapping is
applied later (apps.documents.mapping) run the same stage alone the same way (apps.documents.graphrun).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext

from apps.documents import graphrun, mapping
from apps.documents.models import DocumentVersion, GraphStatus, Status
from apps.documents.runs import TransientIngestError
from config.errors import UserError

logger = logging.getLogger(__name__)

#: Seconds before the first automatic retry: Neo4j was unavailable a moment ago.
FIRST_RETRY_AFTER_S = 5
#: Longest reason kept in a version's message (a Neo4j error can quote a whole query).
MAX_REASON_CHARS = 500


@dataclass(frozen=True)
class Failure:
    """Why a version is ready without its graph: the ``graph_status`` and ``error`` to store."""

    status: str
    message: str

    @property
    def is_transient(self) -> bool:
        return self.status == GraphStatus.RETRYING


def failure_of(exc: BaseException, version_id: int) -> Failure:
    """Describe a graph-stage exception for the version's status (and log it)."""
    from graph.errors import GraphError

    if isinstance(exc, GraphError) and exc.is_transient:
        logger.warning(
            "version %s: the knowledge graph is unavailable; graph stage retried: %s", version_id, exc
        )
        return Failure(
            GraphStatus.RETRYING,
            f"Ready, graph failed: the knowledge graph (Neo4j) is unavailable ({_short(exc)}). "
            "The passages are searchable; the graph stage is retried automatically.",
        )
    if isinstance(exc, GraphError):
        logger.warning("version %s: graph stage failed: %s", version_id, exc)
        reason = _short(exc)
    else:
        logger.exception("version %s: graph stage failed unexpectedly", version_id)
        reason = f"internal error ({type(exc).__name__}: {_short(exc)})"
    return Failure(
        GraphStatus.FAILED,
        f"Ready, graph failed: {reason}. The passages are searchable; Retry runs the graph stage again.",
    )


def _short(exc: BaseException) -> str:
    text = str(exc).strip().rstrip(".")
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"


def enqueue(version_id: int, *, countdown_s: float = FIRST_RETRY_AFTER_S) -> None:
    """Send the graph-stage task once the surrounding transaction commits."""

    def send() -> None:
        from apps.documents.tasks import ingest_graph

        try:
            ingest_graph.apply_async((version_id,), countdown=countdown_s)
        except Exception:
            # It stays "retrying"; every worker queues such versions when it starts.
            logger.exception("could not queue the graph stage of version %s", version_id)

    transaction.on_commit(send)


def retry(version: DocumentVersion, *, enqueue_run: bool = True) -> DocumentVersion:
    """A person asks for the failed graph stage of a ready version again."""
    updated = DocumentVersion.objects.filter(
        pk=version.pk, status=Status.READY, graph_status=GraphStatus.FAILED, document__is_deleted=False
    ).update(graph_status=GraphStatus.RETRYING, error="Ready; the graph stage is queued again.")
    if updated != 1:
        raise UserError(gettext("Only a failed version can be retried."), status=409)
    if enqueue_run:
        enqueue(version.pk, countdown_s=0)
    version.refresh_from_db()
    return version


def run(version_id: int, *, worker: str) -> bool:
    """Claim a ready version whose graph stage is due and run that stage alone; False if not free.

    Raises TransientIngestError when Neo4j is unavailable (the task retries it).
    """

    def failed(e: BaseException, token: str) -> None:
        failure = failure_of(e, version_id)
        graphrun.release(version_id, token, graph_status=failure.status, error=failure.message)
        if failure.is_transient:
            raise TransientIngestError(str(e)) from e

    if not graphrun.run_alone(
        version_id, worker, due={"graph_status": GraphStatus.RETRYING}, on_failure=failed
    ):
        return False
    logger.info("version %s: graph stage done on its own", version_id)
    mapping.after_ingest(version_id)
    return True


def give_up(version_id: int, error: str) -> None:
    """The graph-stage task ran out of retries: the version stays ready; Retry runs the stage."""
    DocumentVersion.objects.filter(pk=version_id, graph_status=GraphStatus.RETRYING).update(
        graph_status=GraphStatus.FAILED, error=f"Ready, graph failed: {error}"
    )


def pending_ids() -> list[int]:
    """Ready versions whose graph stage is to run again: what a starting worker queues."""
    return list(
        DocumentVersion.objects.filter(
            status=Status.READY, graph_status=GraphStatus.RETRYING, document__is_deleted=False
        ).values_list("pk", flat=True)
    )
