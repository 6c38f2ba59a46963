"""Per-import column mappings of record files (CSV/XLSX): suggest, review, confirm, apply.

How a record file reaches the graph:

1. after the chunk stage, roles are suggested for its columns (graph.record_suggest) from the
   headers and the first rows, and stored on the version;
2. the mapping is confirmed at once when the previous version of the document had a mapping an
   editor confirmed over the same columns (it is reused), or when the upload was non-interactive
   (``manage.py ingest``, ``load_demo``: ``mapping_auto``); otherwise it waits for review;
3. the text stages (embed, index) never wait: a version whose mapping waits for review becomes
   ready and searchable with its graph stage pending;
4. confirming the mapping (or editing it later) runs only the graph stage of that version
   (``apps.documents.mapping_apply``, a Celery task): the version's facts are replaced in one
   transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext

from apps.documents.models import DocumentVersion, MappingStatus, Passage, Status
from config import wiring
from config.errors import UserError

logger = logging.getLogger(__name__)

SAMPLE_ROWS = 200
PREVIEW_ROWS = 10
MAX_PREVIEW_ROWS = 50


# --- records and roles -----------------------------------------------------------------------------


def record_sample(version: DocumentVersion, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` records of a version, one per row (split records count once)."""
    rows = (
        Passage.objects.filter(version=version, kind="record")
        .exclude(fields=None)
        .order_by("ordinal")
        .values_list("row_number", "fields")
    )
    records: list[dict[str, Any]] = []
    seen: set[int | None] = set()
    for row_number, fields in rows.iterator():
        if row_number is not None and row_number in seen:
            continue
        seen.add(row_number)
        records.append(dict(fields))
        if len(records) >= limit:
            break
    return records


def stored_roles(version: DocumentVersion) -> list[Any] | None:
    from graph.record_suggest import roles_from_json

    if not version.record_mapping:
        return None
    return roles_from_json(version.record_mapping.get("columns", []))


def current_roles(version: DocumentVersion) -> tuple[list[Any], list[str]]:
    """The version's roles (stored, or suggested now for a version chunked before mappings
    existed) and its columns; UserError(409) while its records are not read yet."""
    from graph.record_suggest import columns_of, suggest_roles

    records = record_sample(version, SAMPLE_ROWS)
    columns = columns_of(records)
    roles = stored_roles(version)
    if roles is None:
        if not records:
            raise UserError(
                "The records of this file are still being read; try again in a moment.", status=409
            )
        roles = suggest_roles(columns, records)
    return roles, columns or [r.column for r in roles]


def column_samples(
    version: DocumentVersion, columns: Sequence[str], per_column: int = 3
) -> dict[str, list[str]]:
    samples: dict[str, list[str]] = {c: [] for c in columns}
    for record in record_sample(version, 50):
        for column in columns:
            value = record.get(column)
            text = "" if value is None else str(value).strip()
            if text and text not in samples[column] and len(samples[column]) < per_column:
                samples[column].append(text[:60])
    return samples


def record_mapping_for(version: DocumentVersion) -> Any:
    """The graph.records.RecordMapping of a version, or None when it has no stored mapping."""
    from graph.record_suggest import build_mapping

    roles = stored_roles(version)
    if roles is None:
        return None
    return build_mapping(roles, date_format=(version.record_mapping or {}).get("date_format"))


def merge_roles(
    current: Sequence[Any], changes: Sequence[Mapping[str, Any]], columns: Sequence[str]
) -> list[Any]:
    """Apply a client's changes (column -> role/split) to the current roles; UserError on bad input."""
    from graph.errors import MappingError
    from graph.record_suggest import ColumnRole, build_mapping

    by_column = {r.column: r for r in current}
    for change in changes:
        column = change.get("column")
        if column not in by_column and column not in columns:
            raise UserError(gettext("There is no column '%(column)s' in this file.") % {"column": column})
        try:
            by_column[column] = ColumnRole(
                column,
                str(change.get("role", "")),
                change.get("split") or None,
                confidence=1.0,
                reason="chosen by a person",
            )
        except MappingError as e:
            raise UserError(str(e)) from e
    roles = [by_column[c] for c in columns if c in by_column] + [
        r for c, r in by_column.items() if c not in columns
    ]
    try:
        build_mapping(roles)
    except MappingError as e:
        raise UserError(str(e)) from e
    return roles


def preview(version: DocumentVersion, roles: Sequence[Any], rows: int = PREVIEW_ROWS) -> dict[str, Any]:
    """What the roles would produce on the first ``rows`` records; writes nothing."""
    from graph.errors import MappingError
    from graph.record_suggest import build_mapping
    from graph.records import preview_mapping

    records = record_sample(version, max(1, min(rows, MAX_PREVIEW_ROWS)))
    extractor = wiring.graph_extractor()
    try:
        result = preview_mapping(
            records, build_mapping(roles), limit=len(records), lexicon=extractor.lexicon, scan=extractor.scan
        )
    except MappingError as e:
        raise UserError(str(e)) from e
    return {
        "missing_columns": result.missing_columns,
        "rows": [
            {
                "work_order": row["work_order"],
                "entities": [{"label": label, "name": name} for label, name in row["entities"]],  # type: ignore[attr-defined]
                "relations": [{"type": t, "head": h, "tail": tl} for t, h, tl in row["relations"]],  # type: ignore[attr-defined]
            }
            for row in result.rows
        ],
    }


# --- the pipeline's side -----------------------------------------------------------------------------


def suggest_for_version(version: DocumentVersion, run: Any) -> None:
    """After chunking a record file: store suggested roles and decide whether they wait for review."""
    from graph.record_suggest import columns_of, roles_to_json, suggest_roles

    if not version.is_records or version.record_mapping is not None:
        return
    records = record_sample(version, SAMPLE_ROWS)
    if not records:
        return
    columns = columns_of(records)
    reused = _previous_roles(version, columns)
    if reused is not None:
        roles, source = reused, "previous version"
    else:
        roles, source = suggest_roles(columns, records), "auto" if version.mapping_auto else "suggested"
    status = MappingStatus.REVIEW if source == "suggested" else MappingStatus.CONFIRMED
    data = {"columns": roles_to_json(roles), "date_format": None, "source": source}
    run.save(record_mapping=data, mapping_status=status, mapping_revision=version.mapping_revision + 1)
    version.record_mapping, version.mapping_status = data, status
    version.mapping_revision += 1
    logger.info("version %s: record mapping %s (%s)", version.pk, status, source)


def _previous_roles(version: DocumentVersion, columns: Sequence[str]) -> list[Any] | None:
    previous = (
        DocumentVersion.objects.filter(document_id=version.document_id, number__lt=version.number)
        .exclude(mapping_confirmed_at=None)
        .order_by("-number")
        .first()
    )
    roles = stored_roles(previous) if previous is not None else None
    if roles is None or sorted(r.column for r in roles) != sorted(columns):
        return None
    return roles


def graph_waits(version: DocumentVersion) -> bool:
    """True when the graph stage of this version waits for a person to review its mapping."""
    version.refresh_from_db(fields=["record_mapping", "mapping_status", "mapping_revision"])
    return version.awaits_mapping_review


def for_graph_stage(version: DocumentVersion) -> tuple[Any, int]:
    """The mapping the graph stage applies now (None for files without one) and its revision."""
    version.refresh_from_db(fields=["record_mapping", "mapping_status", "mapping_revision"])
    return record_mapping_for(version), version.mapping_revision


def mark_applied(version_id: int, revision: int) -> None:
    """The graph holds the facts of this revision; a newer save keeps its status (and is applied next)."""
    DocumentVersion.objects.filter(
        pk=version_id,
        mapping_revision=revision,
        mapping_status__in=[MappingStatus.CONFIRMED, MappingStatus.FAILED],
    ).update(mapping_status=MappingStatus.APPLIED, mapping_error="")


def after_ingest(version_id: int) -> None:
    """A mapping confirmed while the version was ingesting (after its graph stage began) is applied now."""
    if DocumentVersion.objects.filter(
        pk=version_id, status=Status.READY, mapping_status=MappingStatus.CONFIRMED, graph_status=""
    ).exists():
        enqueue_apply(version_id)


# --- confirming and applying -----------------------------------------------------------------------------


def save_mapping(
    version: DocumentVersion, roles: Sequence[Any], user: Any, *, enqueue: bool = True, source: str = "person"
) -> DocumentVersion:
    """Store reviewed roles and (for a ready version) queue its graph stage alone.

    ``source`` is "person" for a review in the portal or the API, "auto" for a command accepting
    the suggestion; only a person's mapping is reused for the document's next version.
    """
    from django.utils import timezone

    from graph.record_suggest import roles_to_json

    if version.status == Status.SUPERSEDED or version.document.is_deleted:
        raise UserError(gettext("Only the mapping of a current version can be changed."), status=409)
    data = {**(version.record_mapping or {}), "columns": roles_to_json(roles), "source": source}
    by_person = source == "person"
    with transaction.atomic():
        DocumentVersion.objects.filter(pk=version.pk).update(
            record_mapping=data,
            mapping_status=MappingStatus.CONFIRMED,
            mapping_revision=F("mapping_revision") + 1,
            mapping_confirmed_by=user if by_person and getattr(user, "is_authenticated", False) else None,
            mapping_confirmed_at=timezone.now() if by_person else None,
            mapping_error="",
        )
        version.refresh_from_db()
        if enqueue and version.status == Status.READY:
            enqueue_apply(version.pk)
    logger.info("version %s: record mapping revision %s confirmed", version.pk, version.mapping_revision)
    return version


def enqueue_apply(version_id: int) -> None:
    """Send the apply task once the surrounding transaction commits."""

    def send() -> None:
        from apps.documents.tasks import apply_record_mapping

        try:
            apply_record_mapping.delay(version_id)
        except Exception:
            logger.exception("could not queue the graph stage of version %s", version_id)
            DocumentVersion.objects.filter(pk=version_id).update(
                mapping_error="Waiting: the task queue is unreachable; save the mapping again later."
            )

    transaction.on_commit(send)
