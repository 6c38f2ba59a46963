"""manage.py reindex [--collection NAME] [--stale]: rewrite the index points of ready versions.

Needed after a change to the keyword terms (``retrieval.sparse.SPARSE_VERSION``: stemming,
Chinese segmentation, per-collection term ids): passages indexed before it carry old sparse
vectors that new questions no longer meet. Points are rebuilt from the passages and vectors
stored in SQL (no re-parsing, re-chunking or re-embedding) and upserted under the same ids, so
search keeps working while it runs. ``--stale`` rewrites only the versions whose points carry an
older (or unrecorded) keyword-term scheme; scripts/up runs it, so an upgrade never leaves keyword
search silently finding nothing in the collections indexed before it. Chunking changes (e.g.
merged page-number stubs) need the document re-ingested instead.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import Collection
from apps.documents import pipeline
from apps.documents.models import DocumentVersion
from retrieval.sparse import SPARSE_VERSION


class _QuietRun:
    """The pipeline's Run for a stage outside an ingest job: nothing to resume or report."""

    resume_done = 0

    def progress(self, done: int, total: int) -> None:
        pass

    def save(self, **fields: Any) -> None:
        pass


class Command(BaseCommand):
    help = "Rewrites the index points (dense and keyword vectors) of every ready document version."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--collection", help="only this collection (name)")
        parser.add_argument(
            "--stale",
            action="store_true",
            help=f"only versions not indexed with keyword terms v{SPARSE_VERSION}",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # live(): a superseded version's points were purged; rewriting them would bring them back
        versions = DocumentVersion.objects.live()
        if options["collection"]:
            collection = Collection.objects.filter(name=options["collection"]).first()
            if collection is None:
                raise CommandError(f"no collection named {options['collection']!r}")
            versions = versions.filter(document__collection=collection)
        if options["stale"]:
            versions = versions.exclude(sparse_version=SPARSE_VERSION)
        todo = list(versions.select_related("document").order_by("pk"))
        for n, version in enumerate(todo, 1):
            passages = version.chunk_count or 0
            self.stdout.write(f"  {n}/{len(todo)} {version.document.title} ({passages} passages)")
            pipeline.index(version, _QuietRun())
        self.stdout.write(f"re-indexed {len(todo)} document version(s) with keyword terms v{SPARSE_VERSION}")
