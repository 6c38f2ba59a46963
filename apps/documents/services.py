"""The upload workflow: accept files, run the ingest pipeline, replace and delete documents.

Views, API endpoints, Celery tasks and management commands call these functions; they hold the
rules that span the models, the stored files, the passage index and the graph:

- an upload is stored once by content hash; the same bytes uploaded to the same collection
  return the existing version and do no work;
- a version is worked on only by whoever holds its claim (a guarded UPDATE); every progress save
  checks the claim, so a second worker, a reclaimed job or a deleted document stops the first;
- only a document's current version is searchable; a replacement becomes current in one
  transaction once it is fully indexed and in the graph, then the old version's passages and
  facts are removed: no gap, no duplicates;
- a graph-stage failure never keeps passages out of the index: the version becomes ready without
  its graph facts, says why, and its graph stage runs again on its own (apps.documents.graphstage);
- deleting removes passages and facts first (with retries) and the rows last, so SQL never says a
  document is gone while the index or the graph still holds it.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import PurePath
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from apps.accounts.models import Collection
from apps.documents import graphstage, mapping, runs, storage
from apps.documents.models import (
    ACTIVE_STATUSES,
    STAGE_ORDER,
    Document,
    DocumentVersion,
    GraphStatus,
    Passage,
    Stage,
    Status,
    stage_index,
)
from apps.documents.runs import ClaimLost, ProgressFn, TransientIngestError, is_transient
from config import wiring
from config.errors import UserError

logger = logging.getLogger(__name__)


def _now():  # type: ignore[no-untyped-def]
    return timezone.now()


# --- uploads -----------------------------------------------------------------------------------


def accept_upload(
    user: Any,
    collection: Collection,
    uploaded_file: Any,
    *,
    document: Document | None = None,
    enqueue: bool = True,
    mapping_auto: bool = False,
) -> tuple[DocumentVersion, bool]:
    """Store an upload as a new document (or a new version of ``document``) and queue its ingest.

    ``mapping_auto`` (non-interactive uploads): a record file's suggested column mapping is
    applied without waiting for a person to review it.

    Returns ``(version, created)``. ``created`` is False when the same bytes are already in the
    collection (for a replacement: already a live or queued version of that document); that
    version is returned and no work is done. A file whose content is not a supported type
    becomes a failed version carrying the reason; nothing else changes.
    """
    from retrieval.errors import DocumentError
    from retrieval.sniff import check_size, sniff_file

    name = _clean_name(getattr(uploaded_file, "name", "") or "upload")
    _check_size(check_size, uploaded_file.size, name)
    stored = storage.store(_stream(uploaded_file), name)
    existing = _existing_version(collection, stored.content_hash, document)
    if existing is not None:
        logger.info("upload %s to collection %s is version %s already", name, collection.pk, existing.pk)
        return existing, False
    with transaction.atomic():
        if document is None:
            document = Document.objects.create(collection=collection, title=_title(name), created_by=user)
        else:
            document = Document.objects.select_for_update().get(pk=document.pk)
        number = (document.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = DocumentVersion.objects.create(
            document=document,
            number=number,
            created_by=user,
            content_hash=stored.content_hash,
            file_path=stored.file_path,
            original_name=name,
            size_bytes=stored.size_bytes,
            stage=Stage.STORED,
            progress_done=0,
            progress_total=0,
            mapping_auto=mapping_auto,
        )
        try:
            version.kind = sniff_file(
                storage.absolute_path(stored.file_path), name=name, config=wiring.parse_config()
            ).value
        except DocumentError as e:
            version.status, version.error, version.finished_at = Status.FAILED, str(e), _now()
        version.save()
        if enqueue and version.status == Status.QUEUED:
            enqueue_ingest(version.pk)
    return version, True


def replace_document(
    user: Any, document: Document, uploaded_file: Any, *, enqueue: bool = True, mapping_auto: bool = False
) -> tuple[DocumentVersion, bool]:
    """Upload a new version; the current one stays searchable until the new one is ready."""
    if document.is_deleted:
        raise UserError(gettext("This document is being deleted; it cannot get a new version."), status=409)
    return accept_upload(
        user,
        document.collection,
        uploaded_file,
        document=document,
        enqueue=enqueue,
        mapping_auto=mapping_auto,
    )


def _check_size(check_size: Callable[..., None], size: int, name: str) -> None:
    from retrieval.errors import DocumentError, FileTooLarge

    try:
        check_size(size, name=name, config=wiring.parse_config())
    except FileTooLarge as e:
        raise UserError(str(e), status=413) from e
    except DocumentError as e:
        raise UserError(str(e)) from e


def _stream(uploaded_file: Any) -> Any:
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    return uploaded_file


def _clean_name(name: str) -> str:
    return PurePath(name.replace("\\", "/")).name[:255] or "upload"


def _title(name: str) -> str:
    stem = PurePath(name).stem or name
    return stem.replace("_", " ").strip()[:255] or name


def _existing_version(
    collection: Collection, content_hash: str, document: Document | None
) -> DocumentVersion | None:
    same = DocumentVersion.objects.filter(content_hash=content_hash, document__is_deleted=False)
    if document is None:
        same = same.filter(document__collection=collection).exclude(status=Status.SUPERSEDED)
    else:
        same = same.filter(document=document).filter(
            Q(status__in=ACTIVE_STATUSES) | Q(pk=F("document__current_version"))
        )
    return same.select_related("document").order_by("-pk").first()


def enqueue_ingest(version_id: int) -> None:
    """Send the ingest task once the surrounding transaction commits."""

    def send() -> None:
        from apps.documents.tasks import ingest_version

        try:
            ingest_version.delay(version_id)
        except Exception:
            # The version stays queued; workers re-queue queued versions when they start and
            # when they find the broker empty (apps.documents.tasks.requeue_lost).
            logger.exception("could not queue ingest of version %s", version_id)
            DocumentVersion.objects.filter(pk=version_id, status=Status.QUEUED).update(
                error="Waiting: the task queue is unreachable; the ingest starts once it is back."
            )

    transaction.on_commit(send)


def retry_version(version: DocumentVersion, *, enqueue: bool = True) -> DocumentVersion:
    """Queue a failed version again; it resumes after its last completed stage.

    A ready version whose graph stage failed runs that stage alone (its passages stay searchable).
    """
    if version.status == Status.READY and version.graph_status == GraphStatus.FAILED:
        return graphstage.retry(version, enqueue_run=enqueue)
    updated = DocumentVersion.objects.filter(
        pk=version.pk, status=Status.FAILED, document__is_deleted=False
    ).update(status=Status.QUEUED, error="", claim_token="", finished_at=None)
    if updated != 1:
        raise UserError(gettext("Only a failed version can be retried."), status=409)
    if enqueue:
        enqueue_ingest(version.pk)
    version.refresh_from_db()
    return version


# --- claims ------------------------------------------------------------------------------------


def claim(version_id: int, worker: str) -> str | None:
    """Take a queued version (or one whose worker stopped sending heartbeats); None if not free."""
    token = uuid.uuid4().hex
    now = _now()
    free = Q(status=Status.QUEUED) | Q(
        status=Status.INGESTING, heartbeat_at__lt=now - timedelta(seconds=runs.STALE_AFTER_S)
    )
    claimed = DocumentVersion.objects.filter(free, pk=version_id, document__is_deleted=False).update(
        status=Status.INGESTING,
        claim_token=token,
        claimed_by=worker[:200],
        claimed_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        started_at=Coalesce("started_at", now),
    )
    return token if claimed == 1 else None


def release_orphans(worker: str, started_before: Any) -> list[int]:
    """Put back in the queue what a previous run of this worker (same node name) held when it died."""
    orphans = DocumentVersion.objects.filter(
        status=Status.INGESTING, claimed_by=worker, claimed_at__lt=started_before
    )
    ids = list(orphans.values_list("pk", flat=True))
    if ids:
        DocumentVersion.objects.filter(pk__in=ids, status=Status.INGESTING, claimed_by=worker).update(
            status=Status.QUEUED, claim_token=""
        )
        logger.warning("released versions %s left in progress by a previous run of %s", ids, worker)
    return ids


def pending_version_ids() -> list[int]:
    """Queued versions, and in-progress ones whose worker went silent: what a starting worker queues."""
    stale = _now() - timedelta(seconds=runs.STALE_AFTER_S)
    return list(
        DocumentVersion.objects.filter(
            Q(status=Status.QUEUED) | Q(status=Status.INGESTING, heartbeat_at__lt=stale),
            document__is_deleted=False,
        ).values_list("pk", flat=True)
    )


# --- the pipeline -------------------------------------------------------------------------------


def run_ingest(version_id: int, *, worker: str, on_progress: ProgressFn | None = None) -> bool:
    """Claim and ingest a version in this process; False when someone else holds it or it is done."""
    token = claim(version_id, worker)
    if token is None:
        logger.info("version %s is not free to ingest; skipping", version_id)
        return False
    ingest(version_id, token, on_progress=on_progress)
    return True


def ingest(version_id: int, token: str, *, on_progress: ProgressFn | None = None) -> None:
    """Run the stages after the last completed one, then make the version current.

    Permanent failures (bad file, index rejected a write) mark the version failed with the
    reason; an unavailable index puts it back in the queue and raises TransientIngestError for the
    caller to retry later. A failing graph stage does neither: the version becomes ready (its
    passages searchable) with the reason, and only the graph stage runs again (graphstage).
    """
    from graph.errors import GraphError
    from retrieval.errors import RetrievalError

    version = DocumentVersion.objects.select_related("document").get(pk=version_id)
    graph_failure: graphstage.Failure | None = None
    try:
        for stage in STAGE_ORDER[stage_index(version.stage) + 1 :]:
            if stage == Stage.GRAPH:
                if not mapping.graph_waits(version):  # a record file's graph may wait for a review
                    graph_failure = _run_graph_stage(version, token, on_progress)
                break
            runs.run_stage(version, token, stage, on_progress)
        _finalize(version, token, graph_failure)
    except ClaimLost:
        logger.warning("version %s: claim lost; stopping", version_id)
        runs.clean_up_abandoned(version_id)
        return
    except (RetrievalError, GraphError) as e:
        if not is_transient(e):
            _end_claim(version_id, token, Status.FAILED, str(e))
            _discard_index_outputs(version_id)
            return
        _end_claim(version_id, token, Status.QUEUED, f"{_service_name(e)} unavailable; retrying soon ({e})")
        raise TransientIngestError(str(e)) from e
    except Exception as e:
        logger.exception("ingest of version %s failed unexpectedly", version_id)
        _end_claim(
            version_id,
            token,
            Status.FAILED,
            f"Internal error ({type(e).__name__}: {e}); try again or contact an administrator.",
        )
        raise
    _purge_superseded(version.document_id)
    mapping.after_ingest(version_id)


def _run_graph_stage(
    version: DocumentVersion, token: str, on_progress: ProgressFn | None
) -> graphstage.Failure | None:
    """The graph stage of an ingest; its failure is returned, not raised: the passages are indexed
    already, so the version becomes ready without its graph facts rather than failing."""
    try:
        runs.run_stage(version, token, Stage.GRAPH, on_progress)
    except ClaimLost:
        raise
    except Exception as e:
        return graphstage.failure_of(e, version.pk)
    return None


def _finalize(version: DocumentVersion, token: str, graph_failure: graphstage.Failure | None = None) -> None:
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=version.document_id)
        if document.is_deleted:
            raise ClaimLost("document deleted")
        current = document.current_version
        becomes_current = current is None or current.number < version.number
        status = Status.READY if becomes_current else Status.SUPERSEDED
        graph = graph_failure if becomes_current else None  # a superseded version's graph is moot
        updated = DocumentVersion.objects.filter(pk=version.pk, claim_token=token).update(
            status=status,
            claim_token="",
            finished_at=_now(),
            error=graph.message if graph else "",
            graph_status=graph.status if graph else GraphStatus.NONE,
            progress_done=0,
            progress_total=0,
        )
        if updated != 1:
            raise ClaimLost("claim lost before finishing")
        if graph is not None and graph.is_transient:
            graphstage.enqueue(version.pk)
        if becomes_current:
            document.current_version = version
            document.save(update_fields=["current_version"])
            if current is not None:
                DocumentVersion.objects.filter(pk=current.pk).update(status=Status.SUPERSEDED)
    shutil.rmtree(storage.work_dir(version.pk), ignore_errors=True)
    if graph_failure is not None and status == Status.READY:
        logger.warning("version %s is ready without its graph facts: %s", version.pk, graph_failure.message)
    else:
        logger.info("version %s is %s", version.pk, status)


def _end_claim(version_id: int, token: str, status: str, error: str) -> None:
    fields: dict[str, Any] = {"status": status, "error": error, "claim_token": ""}
    if status == Status.FAILED:
        fields["finished_at"] = _now()
    DocumentVersion.objects.filter(pk=version_id, claim_token=token).update(**fields)
    logger.warning("version %s %s: %s", version_id, status, error)


def mark_failed(version_id: int, error: str) -> None:
    """Give up on a version that was waiting for a retry (the task ran out of retries)."""
    DocumentVersion.objects.filter(pk=version_id, status__in=ACTIVE_STATUSES).update(
        status=Status.FAILED, error=error, claim_token="", finished_at=_now()
    )


def _service_name(exc: BaseException) -> str:
    return "The knowledge graph (Neo4j)" if type(exc).__module__.startswith("graph.") else "The passage index"


# --- cleaning the index and the graph ---------------------------------------------------------


def _purge_superseded(document_id: int) -> None:
    """Remove non-current older versions' passages and facts (after the switch: no gap)."""
    from graph.errors import GraphError
    from retrieval.errors import RetrievalError

    document = Document.objects.filter(pk=document_id).first()
    if document is None or document.current_version_id is None:
        return
    current_number = document.current_version.number  # type: ignore[union-attr]
    leftovers = document.versions.filter(number__lt=current_number, is_purged=False).exclude(
        status__in=ACTIVE_STATUSES
    )
    for old in leftovers:
        try:
            runs.remove_version_everywhere(old.pk)
        except (RetrievalError, GraphError):
            # Not searchable anyway (not current); the next ingest of this document tries again.
            logger.warning("could not purge superseded version %s yet", old.pk, exc_info=True)
            continue
        DocumentVersion.objects.filter(pk=old.pk).update(is_purged=True)
        Passage.objects.filter(version=old).delete()
        shutil.rmtree(storage.work_dir(old.pk), ignore_errors=True)


def _discard_index_outputs(version_id: int) -> None:
    """A failed version must not leave passages behind: remove them; a retry re-indexes from the
    stored vectors (nothing is embedded again). Graph-stage failures never get here (the version
    becomes ready), and a graph write is one transaction: nothing to undo."""
    from retrieval.errors import RetrievalError

    version = DocumentVersion.objects.filter(pk=version_id, status=Status.FAILED).first()
    if version is None or stage_index(version.stage) < stage_index(Stage.EMBEDDED):
        return
    try:
        runs.with_retries(lambda: wiring.vector_index().delete_by_filter(version_id=version_id))
    except RetrievalError:
        logger.warning("could not remove passages of failed version %s yet", version_id, exc_info=True)
        return
    DocumentVersion.objects.filter(pk=version_id, status=Status.FAILED).update(
        stage=Stage.EMBEDDED, progress_done=0, progress_total=0
    )


# --- deleting ----------------------------------------------------------------------------------


def delete_document(document: Document) -> None:
    """Remove a document's passages and graph facts, then its rows and (unshared) files.

    The document is hidden at once; if the index or the graph is down it stays hidden with a
    ``delete_error`` and UserError(503) is raised, so the user can try again.
    """
    from graph.errors import GraphError
    from retrieval.errors import RetrievalError

    Document.objects.filter(pk=document.pk).update(is_deleted=True, delete_error="")
    # Revoke claims: a worker still ingesting a version stops at its next progress save.
    document.versions.filter(status__in=ACTIVE_STATUSES).update(
        status=Status.FAILED, claim_token="", error="Document deleted."
    )
    try:
        runs.with_retries(lambda: wiring.vector_index().delete_by_filter(document_id=document.pk))
        runs.with_retries(lambda: wiring.graph_sync().delete_document(str(document.pk)))
    except (RetrievalError, GraphError) as e:
        message = f"{_service_name(e)} is unavailable, so the document could not be removed yet ({e})."
        Document.objects.filter(pk=document.pk).update(delete_error=message)
        raise UserError(message + " Try deleting it again shortly.", status=503) from e
    versions = list(document.versions.values_list("pk", "file_path"))
    document.delete()
    for version_id, file_path in versions:
        storage.remove_if_unreferenced(file_path)
        shutil.rmtree(storage.work_dir(version_id), ignore_errors=True)
    logger.info("document %s deleted", document.pk)


def delete_collection(collection: Collection) -> int:
    """Remove a collection with everything in it: every document's passages, graph facts and files
    (as :func:`delete_document` does), any passage still filed under the collection, then its rows.

    Returns:
        The number of documents removed.

    Raises:
        UserError(503): the passage index or the graph is down. Documents removed so far stay
            removed; the collection and the rest of its documents stay, hidden from answers
            from the first moment; deleting the collection again finishes the job.
    """
    from retrieval.errors import RetrievalError

    documents = list(Document.objects.filter(collection=collection))
    # Hide all of it from answers at once, not document by document as the removal proceeds.
    Document.objects.filter(collection=collection).update(is_deleted=True)
    for document in documents:
        delete_document(document)
    try:
        # A run killed between writing points and saving its progress may have left passages no
        # document row knows of.
        runs.with_retries(lambda: wiring.vector_index().delete_by_filter(collection_id=collection.pk))
    except RetrievalError as e:
        raise UserError(
            f"{_service_name(e)} is unavailable, so the collection could not be removed yet ({e}). "
            "Try deleting it again shortly.",
            status=503,
        ) from e
    name = collection.name
    collection.delete()
    logger.info("collection %r deleted with %d documents", name, len(documents))
    return len(documents)
