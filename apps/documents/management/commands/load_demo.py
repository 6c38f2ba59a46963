"""manage.py load_demo: the "Demo" collection with the manuals (English, Chinese) and work orders.

Idempotent: files already uploaded (same bytes) are left alone. By default each new file is
queued for the Celery worker (scripts/up starts one); --in-process ingests here with progress bars.
The work-order exports get their suggested column mapping applied without review (``mapping_auto``),
so the demo answers aggregate questions over WorkOrder facts at once.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import Collection, Membership, Role
from apps.documents import services
from apps.documents.management.commands.ingest import ingest_file
from config.errors import UserError

DEMO_NAME = "Demo"
DEMO_DESCRIPTION = (
    "Real UPS and CNC manuals, a Chinese pump maintenance manual and excavator work orders "
    "(see sample_data/LICENSES.md)."
)
# manuals_zh: the portal speaks Chinese (issue 14); without a Chinese document in the demo a
# Chinese question about a pump found only UPS passages (tried in the portal)
SAMPLE_DIRS = ("manuals", "manuals_zh", "records")


class Command(BaseCommand):
    help = "Creates the Demo collection and ingests sample_data/ into it (idempotent)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--in-process", action="store_true", help="ingest here instead of queueing")
        parser.add_argument("--sample-dir", default=str(Path(settings.BASE_DIR) / "sample_data"))

    def handle(self, *args: Any, **options: Any) -> None:
        root = Path(options["sample_dir"])
        files = sorted(
            p
            for sub in SAMPLE_DIRS
            if (root / sub).is_dir()
            for p in (root / sub).iterdir()
            if p.is_file() and not p.name.startswith(".")
        )
        if not files:
            raise CommandError(f"no sample files under {root}")
        collection, _ = Collection.objects.get_or_create(
            name=DEMO_NAME, defaults={"description": DEMO_DESCRIPTION}
        )
        admin = get_user_model().objects.filter(username="admin").first()
        if admin is not None:
            Membership.objects.get_or_create(user=admin, collection=collection, defaults={"role": Role.ADMIN})
        for path in files:
            if options["in_process"]:
                ingest_file(collection, path, show_progress=True, stdout=self.stdout, user=admin)
                continue
            try:
                with path.open("rb") as fh:
                    version, created = services.accept_upload(
                        admin, collection, File(fh, name=path.name), mapping_auto=True
                    )
            except UserError as e:
                self.stdout.write(f"{path.name}: rejected: {e}")
                continue
            state = "queued" if created else f"already uploaded ({version.status})"
            self.stdout.write(f"{path.name}: {state}")
        _distinguish_titles(collection)
        self.stdout.write(self.style.SUCCESS(f"Demo collection: {collection.documents.count()} documents"))


def _distinguish_titles(collection: Collection) -> None:
    """The same export as CSV and XLSX would show twice under one title: name each by its format."""
    from apps.documents.models import Document

    documents = list(Document.objects.filter(collection=collection, is_deleted=False))
    titles = Counter(d.title for d in documents)
    for document in documents:
        version = document.current_version or document.latest_version()
        if titles[document.title] > 1 and version is not None:
            suffix = Path(version.original_name).suffix.lstrip(".").upper() or "file"
            Document.objects.filter(pk=document.pk).update(title=f"{document.title} ({suffix})")
