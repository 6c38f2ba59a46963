from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.accounts.models import Collection, Membership, Role
from apps.documents.models import Document, Status

from .conftest import MANUAL_MD, all_points


def test_ingest_runs_the_pipeline_in_process_with_progress(tmp_path, db, fakes):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "p101.md").write_bytes(MANUAL_MD)
    (tmp_path / "docs" / "notes.txt").write_bytes(b"Pump P-101 notes: seal replaced in 2024.")
    out = StringIO()
    call_command(
        "ingest", str(tmp_path / "docs"), "--collection", "Pumps", "--create", stdout=out, stderr=out
    )
    collection = Collection.objects.get(name="Pumps")
    versions = [d.current_version for d in Document.objects.all()]
    assert len(versions) == 2 and all(v.status == Status.READY for v in versions)
    assert all_points(fakes.index, collection.pk) == sum(v.chunk_count for v in versions)
    text = out.getvalue()
    assert "2 of 2 files ready" in text and "[embedded]" in text

    out = StringIO()
    call_command(
        "ingest", str(tmp_path / "docs" / "p101.md"), "--collection", "Pumps", stdout=out, stderr=out
    )
    assert "already ingested" in out.getvalue() and Document.objects.count() == 2


def test_ingest_needs_an_existing_collection_or_create(tmp_path, db):
    (tmp_path / "a.md").write_bytes(MANUAL_MD)
    with pytest.raises(CommandError, match="--create"):
        call_command("ingest", str(tmp_path / "a.md"), "--collection", "Nope")


def test_ingest_reports_failed_files(tmp_path, db):
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4 broken")
    out = StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command(
            "ingest", str(tmp_path / "bad.pdf"), "--collection", "C", "--create", "--no-progress", stdout=out
        )
    assert "bad.pdf: failed: bad.pdf:" in out.getvalue()


def test_load_demo_is_idempotent_and_makes_the_admin_an_admin(tmp_path, db, django_user_model, fakes):
    admin = django_user_model.objects.create_superuser("admin", password="pw")
    (tmp_path / "manuals").mkdir()
    (tmp_path / "records").mkdir()
    (tmp_path / "manuals" / "p101.md").write_bytes(MANUAL_MD)
    (tmp_path / "records" / "orders.csv").write_bytes(
        b"id,asset,date,problem\n1,P-101,2024-01-02,seal leak\n"
    )
    call_command("load_demo", "--sample-dir", str(tmp_path), stdout=StringIO())
    call_command("load_demo", "--sample-dir", str(tmp_path), stdout=StringIO())
    demo = Collection.objects.get(name="Demo")
    assert Membership.objects.get(user=admin, collection=demo).role == Role.ADMIN
    assert demo.documents.count() == 2 and len(fakes.queued) == 2


def test_load_demo_gives_each_document_its_own_title(tmp_path, db, django_user_model, fakes):
    django_user_model.objects.create_superuser("admin", password="pw")
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "orders.csv").write_bytes(b"id,asset\n1,P-101\n")
    (tmp_path / "records" / "orders.txt").write_bytes(b"Work orders of pump P-101 as plain text.\n")
    (tmp_path / "records" / "pumps.csv").write_bytes(b"id,asset\n2,P-102\n")
    for _ in range(2):  # idempotent: a second run renames nothing again
        call_command("load_demo", "--sample-dir", str(tmp_path), stdout=StringIO())
    titles = sorted(Collection.objects.get(name="Demo").documents.values_list("title", flat=True))
    assert titles == ["orders (CSV)", "orders (TXT)", "pumps"]


def test_load_demo_in_process_ingests_the_real_sample_files(db, settings, fakes):
    call_command("load_demo", "--in-process", stdout=StringIO())
    demo = Collection.objects.get(name="Demo")
    statuses = {d.latest_version().original_name: d.latest_version().status for d in demo.documents.all()}
    assert len(statuses) >= 8 and set(statuses.values()) == {Status.READY}, statuses


def test_ingest_says_when_the_graph_failed_and_runs_only_the_graph_stage_again(tmp_path, db, fakes):
    from graph.errors import GraphWriteError

    (tmp_path / "p101.md").write_bytes(MANUAL_MD)
    fakes.graph.fail_with = GraphWriteError("Neo4j rejected the write")
    out = StringIO()
    call_command("ingest", str(tmp_path / "p101.md"), "--collection", "Pumps", "--create", stdout=out)
    assert "passages searchable. Ready, graph failed: Neo4j rejected the write" in out.getvalue()
    assert "1 of 1 files ready" in out.getvalue()

    fakes.graph.fail_with = None
    out = StringIO()
    call_command("ingest", str(tmp_path / "p101.md"), "--collection", "Pumps", stdout=out)
    version = Document.objects.get().current_version
    assert version.graph_status == "" and version.error == "" and version.stage == "graph"
    assert "ready," in out.getvalue() and fakes.embedder.embedded == version.chunk_count
