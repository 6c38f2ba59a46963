"""Documents, their versions and the passages each version was cut into.

A Document is what the user sees in a collection; every upload (the first one or a replacement)
is a DocumentVersion that walks through the ingest stages. Only a document's ``current_version``
is searchable: search filters on :meth:`DocumentVersionQuerySet.live_ids`, so a replacement can
be indexed beside the old version without either a gap or duplicates in answers.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from apps.accounts.models import Collection


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    INGESTING = "ingesting", "Ingesting"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    SUPERSEDED = "superseded", "Superseded"


class Stage(models.TextChoices):
    """Pipeline stages in order; ``DocumentVersion.stage`` is the last one completed."""

    NONE = "", "Not stored"
    STORED = "stored", "Stored"
    PARSED = "parsed", "Parsed"
    CHUNKED = "chunked", "Chunked"
    EMBEDDED = "embedded", "Embedded"
    INDEXED = "indexed", "Indexed"
    GRAPH = "graph", "Graph"


class MappingStatus(models.TextChoices):
    """Where a record file's column mapping stands (blank for files that are not records)."""

    NONE = "", "No mapping"
    REVIEW = "review", "Waiting for review"
    CONFIRMED = "confirmed", "Confirmed; graph stage to run"
    APPLIED = "applied", "Applied to the graph"
    FAILED = "failed", "Could not be applied"


class GraphStatus(models.TextChoices):
    """Why a ready version is searchable without its graph facts (blank when nothing is missing).

    A graph-stage failure never keeps passages out of the index: the version becomes ready with
    the reason in ``error`` and its graph stage runs again on its own (apps.documents.graphstage).
    """

    NONE = "", "Graph built or not due"
    RETRYING = "retrying", "Graph stage to run again"
    FAILED = "failed", "Graph stage failed"


RECORD_KINDS = ("csv", "xlsx")

STAGE_ORDER = [Stage.STORED, Stage.PARSED, Stage.CHUNKED, Stage.EMBEDDED, Stage.INDEXED, Stage.GRAPH]
ACTIVE_STATUSES = (Status.QUEUED, Status.INGESTING)
# How services.ingest starts the error of an unexpected exception (a bug, not the file's fault).
INTERNAL_ERROR_PREFIX = "Internal error"


def stage_index(stage: str) -> int:
    """-1 for no stage, else the stage's position in STAGE_ORDER."""
    return STAGE_ORDER.index(Stage(stage)) if stage else -1


class Document(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The searchable version; None until the first version is ready.
    current_version = models.ForeignKey(
        "DocumentVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set first when deleting: hides the document (and its passages) while the index and graph are
    # cleaned; stays set with ``delete_error`` when a service was down, so the user can try again.
    is_deleted = models.BooleanField(default=False)
    delete_error = models.TextField(blank=True)

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title

    def latest_version(self) -> DocumentVersion | None:
        # Lists prefetch the versions: read them, not one query per document (the collection
        # page and the API list took 1.1-1.4 s p95 under load with 184 documents).
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("versions")
        if prefetched is not None:
            return max(prefetched, key=lambda v: v.number, default=None)
        return self.versions.order_by("-number").first()


class DocumentVersionQuerySet(models.QuerySet["DocumentVersion"]):
    def live(self) -> DocumentVersionQuerySet:
        """Versions whose passages answers may use: current versions of documents not being deleted."""
        return self.filter(
            status=Status.READY, document__is_deleted=False, document__current_version=models.F("pk")
        )

    def live_ids(self, collection_ids: list[int] | None = None) -> list[str]:
        """Version ids (strings, as stored in the index payload) for a search filter."""
        qs = self.live()
        if collection_ids is not None:
            qs = qs.filter(document__collection_id__in=collection_ids)
        return [str(pk) for pk in qs.values_list("pk", flat=True)]


class DocumentVersion(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # The stored file: MEDIA_ROOT/<file_path>, named by content hash (shared by equal uploads).
    content_hash = models.CharField(max_length=64, db_index=True)
    file_path = models.CharField(max_length=255)
    original_name = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField()
    kind = models.CharField(max_length=16, blank=True)  # retrieval.types.FileKind value once sniffed

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    stage = models.CharField(max_length=12, choices=Stage.choices, blank=True, default=Stage.NONE)
    # Progress of the stage being worked on (the one after ``stage``).
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    page_count = models.PositiveIntegerField(null=True, blank=True)
    chunk_count = models.PositiveIntegerField(null=True, blank=True)
    entity_count = models.PositiveIntegerField(null=True, blank=True)
    timings = models.JSONField(default=dict, blank=True)  # stage -> seconds spent

    # Claims: a worker owns the version while ``claim_token`` is its token; every write it makes
    # is guarded by that token. ``heartbeat_at`` moves with each progress save, so a claim whose
    # worker died can be taken over (see services.claim).
    attempts = models.PositiveIntegerField(default=0)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Superseded versions: True once their passages and facts have left the index and the graph.
    is_purged = models.BooleanField(default=False)
    # Ready versions whose graph stage failed: "retrying" (Neo4j was unavailable: a task runs the
    # graph stage again with backoff) or "failed" (rejected, or retries ran out: Retry runs it).
    graph_status = models.CharField(max_length=12, choices=GraphStatus.choices, blank=True, default="")
    # The keyword-term scheme (retrieval.sparse.SPARSE_VERSION) its index points were written
    # with; None: indexed before this was recorded. A point of an older scheme is never found by
    # a keyword query, so `manage.py reindex --stale` rewrites those versions (scripts/up runs it).
    sparse_version = models.PositiveSmallIntegerField(null=True, blank=True)

    # Record files (CSV/XLSX): the column roles of this import (graph.record_suggest JSON), suggested
    # after chunking and confirmed by an editor (or at once for non-interactive uploads, see
    # ``mapping_auto``) before the graph stage applies them. ``mapping_revision`` grows with every
    # save, so a graph run marks the mapping applied only if nobody changed it meanwhile.
    record_mapping = models.JSONField(null=True, blank=True)
    mapping_status = models.CharField(max_length=12, choices=MappingStatus.choices, blank=True, default="")
    mapping_auto = models.BooleanField(default=False)
    mapping_revision = models.PositiveIntegerField(default=0)
    mapping_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mapping_confirmed_at = models.DateTimeField(null=True, blank=True)
    mapping_error = models.TextField(blank=True)

    objects = DocumentVersionQuerySet.as_manager()

    class Meta:
        ordering = ["document_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="one_number_per_version")]

    def __str__(self) -> str:
        return f"{self.original_name} v{self.number}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_graph_missing(self) -> bool:
        """Ready and searchable, but its graph stage failed (the reason is in ``error``)."""
        return self.status == Status.READY and bool(self.graph_status)

    @property
    def is_retryable(self) -> bool:
        """A failed version, or a ready one whose graph stage failed (Retry runs only that stage).

        Not a file that failed to parse: parsing the same bytes again fails the same way (an
        unexpected internal error aside), so Retry is not offered; a new version is the way on.
        """
        if self.status == Status.FAILED:
            return not self.is_unparseable
        return self.status == Status.READY and self.graph_status == GraphStatus.FAILED

    @property
    def is_unparseable(self) -> bool:
        return (
            self.status == Status.FAILED
            and self.stage == Stage.STORED
            and not self.error.startswith(INTERNAL_ERROR_PREFIX)
        )

    @property
    def is_records(self) -> bool:
        return self.kind in RECORD_KINDS

    @property
    def awaits_mapping_review(self) -> bool:
        return self.mapping_status == MappingStatus.REVIEW

    @property
    def next_stage(self) -> str | None:
        i = stage_index(self.stage) + 1
        return STAGE_ORDER[i].value if i < len(STAGE_ORDER) else None

    def stage_states(self) -> list[dict[str, object]]:
        """Per-stage view for the progress display: done / running / failed / pending."""
        current = stage_index(self.stage)
        states = []
        for i, stage in enumerate(STAGE_ORDER):
            if i <= current:
                state = "done"
            elif i == current + 1 and self.status == Status.INGESTING:
                state = "running"
            elif i == current + 1 and (
                self.status == Status.FAILED or self.graph_status == GraphStatus.FAILED
            ):
                state = "failed"
            else:
                state = "pending"
            states.append({"stage": stage.value, "label": stage.label, "state": state})
        return states

    def as_status(self) -> dict[str, object]:
        """The JSON the upload page polls (and the API's version status)."""
        return {
            "id": self.pk,
            "document_id": self.document_id,
            "number": self.number,
            "original_name": self.original_name,
            "size_bytes": self.size_bytes,
            "kind": self.kind,
            "status": self.status,
            "stage": self.stage,
            "next_stage": self.next_stage,
            "progress": {"done": self.progress_done, "total": self.progress_total},
            "stages": self.stage_states(),
            "error": self.error,
            "can_retry": self.is_retryable,
            "graph_status": self.graph_status,
            "page_count": self.page_count,
            "chunk_count": self.chunk_count,
            "entity_count": self.entity_count,
            "attempts": self.attempts,
            "mapping_status": self.mapping_status,
            "timings": self.timings,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


class Passage(models.Model):
    """A chunk of a version as the pipeline cut it: the resumable work list and the citation source.

    ``vector`` holds the float32 embedding between the embed and index stages, so a resumed job
    never embeds a passage twice.
    """

    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="passages")
    ordinal = models.PositiveIntegerField()
    chunk_id = models.CharField(max_length=36)
    kind = models.CharField(max_length=20)
    text = models.TextField()
    embed_text = models.TextField()
    heading_path = models.JSONField(default=list)
    page_start = models.PositiveIntegerField(null=True, blank=True)
    page_end = models.PositiveIntegerField(null=True, blank=True)
    token_count = models.PositiveIntegerField(default=0)
    row_number = models.PositiveIntegerField(null=True, blank=True)
    fields = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)  # typed record values
    rows = models.JSONField(null=True, blank=True)
    vector = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["version_id", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["version", "ordinal"], name="one_passage_per_ordinal")]
        indexes = [models.Index(fields=["chunk_id"])]

    def __str__(self) -> str:
        return f"{self.version} #{self.ordinal}"
