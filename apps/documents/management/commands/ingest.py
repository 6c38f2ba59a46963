"""manage.py ingest PATH... --collection NAME [--create] [--mapping auto|review]: upload and ingest
files in this process.

Record files (CSV/XLSX) get a suggested column mapping; with ``--mapping auto`` (the default: a
command has nobody to review it) the graph stage applies it at once, with ``--mapping review`` the
graph stage waits until an editor confirms it on the mapping page.

Runs the same pipeline as the worker (claims included), through QDRANT_URL like every other
process: it never opens an embedded index store itself.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import Collection
from apps.documents import graphstage, services
from apps.documents.models import DocumentVersion, GraphStatus, Status
from config.errors import UserError


class Command(BaseCommand):
    help = "Uploads files (or every file under directories) into a collection and ingests them now."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--collection", required=True, help="collection name")
        parser.add_argument(
            "--create", action="store_true", help="create the collection if it does not exist"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")
        parser.add_argument(
            "--mapping",
            choices=["auto", "review"],
            default="auto",
            help="record files: apply the suggested column mapping (auto) or wait for review in the portal",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        collection = _collection(options["collection"], create=options["create"])
        files = expand_paths(options["paths"])
        if not files:
            raise CommandError("no files found under the given paths")
        failed = 0
        for path in files:
            version = ingest_file(
                collection,
                path,
                show_progress=not options["no_progress"],
                stdout=self.stdout,
                mapping_auto=options["mapping"] == "auto",
            )
            if version is None or version.status == Status.FAILED:
                failed += 1
        self.stdout.write(
            f"{len(files) - failed} of {len(files)} files ready in collection {collection.name!r}"
        )
        if failed:
            raise CommandError(f"{failed} file(s) failed")


def _collection(name: str, *, create: bool) -> Collection:
    collection = Collection.objects.filter(name=name).first()
    if collection is None:
        if not create:
            raise CommandError(f"no collection named {name!r} (add --create to make it)")
        collection = Collection.objects.create(name=name)
    return collection


def expand_paths(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")))
        elif path.is_file():
            found.append(path)
        else:
            raise CommandError(f"{raw}: no such file or directory")
    return found


def ingest_file(
    collection: Collection,
    path: Path,
    *,
    show_progress: bool,
    stdout: Any,
    user: Any = None,
    mapping_auto: bool = True,
) -> DocumentVersion | None:
    from tqdm import tqdm

    try:
        with path.open("rb") as fh:
            version, created = services.accept_upload(
                user, collection, File(fh, name=path.name), enqueue=False, mapping_auto=mapping_auto
            )
    except UserError as e:
        stdout.write(f"{path.name}: rejected: {e}")
        return None
    if version.status == Status.FAILED and version.kind == "":
        stdout.write(f"{path.name}: rejected: {version.error}")
        return version
    if version.status == Status.READY:
        if mapping_auto and version.awaits_mapping_review:
            return _apply_suggested_mapping(version, path, stdout)
        if version.is_graph_missing:
            return _run_graph_stage(version, path, stdout)
        stdout.write(f"{path.name}: already ingested (version {version.pk}), nothing to do")
        return version
    bar = tqdm(total=1, desc=path.name[:30], unit="", disable=not show_progress, leave=True, file=stdout)

    def on_progress(stage: str, done: int, total: int) -> None:
        bar.set_description(f"{path.name[:30]} [{stage}]")
        bar.total = max(total, 1)
        bar.n = done
        bar.refresh()

    worker = f"cli:{socket.gethostname()}:{os.getpid()}"
    try:
        if version.status == Status.FAILED:
            services.retry_version(version, enqueue=False)
        services.run_ingest(version.pk, worker=worker, on_progress=on_progress)
    except services.TransientIngestError as e:
        services.mark_failed(version.pk, f"{e}; run the command again once the service is back.")
    finally:
        bar.close()
    version.refresh_from_db()
    if version.status == Status.FAILED:
        stdout.write(f"{path.name}: failed: {version.error}")
    elif version.status == Status.READY:
        _report_ready(version, path, stdout)
    else:
        stdout.write(f"{path.name}: {version.status} (another process is working on it)")
    return version


def _apply_suggested_mapping(version: DocumentVersion, path: Path, stdout: Any) -> DocumentVersion:
    """A record file uploaded for review earlier: accept its suggested mapping and build its graph here."""
    from apps.documents import mapping, mapping_apply

    roles = mapping.stored_roles(version) or []
    mapping.save_mapping(version, roles, None, enqueue=False, source="auto")
    try:
        mapping_apply.apply_mapping(version.pk, worker=f"cli:{socket.gethostname()}:{os.getpid()}")
    except services.TransientIngestError as e:
        stdout.write(f"{path.name}: graph stage failed: {e}; run the command again once Neo4j is back.")
    version.refresh_from_db()
    stdout.write(f"{path.name}: applied the suggested column mapping, {version.entity_count or 0} entities")
    return version


def _report_ready(version: DocumentVersion, path: Path, stdout: Any) -> None:
    if version.is_graph_missing:
        stdout.write(f"{path.name}: {version.chunk_count} passages searchable. {version.error}")
        return
    stdout.write(
        f"{path.name}: ready, {version.chunk_count} passages, {version.entity_count or 0} entities"
        + (" (graph waits for the column mapping's review)" if version.awaits_mapping_review else "")
    )


def _run_graph_stage(version: DocumentVersion, path: Path, stdout: Any) -> DocumentVersion:
    """A version ingested earlier whose graph stage failed: run that stage alone, here."""
    if version.graph_status == GraphStatus.FAILED:
        graphstage.retry(version, enqueue_run=False)
    try:
        graphstage.run(version.pk, worker=f"cli:{socket.gethostname()}:{os.getpid()}")
    except services.TransientIngestError:
        pass  # the version says why; a worker retries it, or the command runs again
    version.refresh_from_db()
    _report_ready(version, path, stdout)
    return version
