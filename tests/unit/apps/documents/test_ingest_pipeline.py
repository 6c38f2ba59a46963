"""services.ingest called directly, as the worker does, with in-memory index and fake embedder."""

from datetime import timedelta

import pytest

from apps.documents import graphstage, pipeline, services
from apps.documents.models import Document, DocumentVersion, Passage, Stage, Status
from retrieval.errors import IndexUnavailable

from .conftest import all_points, live_hits, make_version

LONG_TEXT = "\n\n".join(
    f"Section {i}. The pump P-{i} runs at {i} rpm and its seal is checked weekly." for i in range(200)
).encode()


def test_it_runs_every_stage_and_makes_the_version_searchable(personas, fakes):
    version = make_version(personas, ingest=True)
    assert version.status == Status.READY and version.stage == Stage.GRAPH
    assert version.chunk_count == Passage.objects.filter(version=version).count() > 0
    assert set(version.timings) == {"parsed", "chunked", "embedded", "indexed", "graph"}
    assert version.document.current_version_id == version.pk
    assert all_points(fakes.index, personas.collection.pk) == version.chunk_count
    assert fakes.graph.versions == {str(version.pk): str(version.document_id)}
    hit = live_hits(fakes.index, personas.collection.pk)[0]
    assert hit.version_id == str(version.pk) and "strainer" in hit.text
    assert hit.payload["heading_path"][-1] in ("Troubleshooting", "Maintenance")


def test_it_reports_progress_per_stage(personas):
    version = make_version(personas)
    seen = []
    services.run_ingest(version.pk, worker="test", on_progress=lambda s, d, t: seen.append((s, d, t)))
    stages = [s for s, _, _ in seen]
    assert (
        stages.index("parsed") < stages.index("chunked") < stages.index("embedded") < stages.index("indexed")
    )
    assert all(d <= t for _, d, t in seen)


def test_a_killed_run_resumes_without_re_embedding_or_duplicating(personas, fakes, monkeypatch):
    monkeypatch.setattr(pipeline, "EMBED_BATCH", 2)
    version = make_version(personas, "long.txt", LONG_TEXT)
    fakes.embedder.fail_after_batches = 2
    with pytest.raises(KeyboardInterrupt):
        services.run_ingest(version.pk, worker="dead-worker")
    version.refresh_from_db()
    assert version.status == Status.INGESTING and version.stage == Stage.CHUNKED
    assert services.run_ingest(version.pk, worker="other") is False  # the claim is still fresh

    DocumentVersion.objects.filter(pk=version.pk).update(heartbeat_at=services._now() - timedelta(minutes=10))
    fakes.embedder.fail_after_batches = None
    assert services.run_ingest(version.pk, worker="other") is True
    version.refresh_from_db()
    assert version.status == Status.READY and version.attempts == 2
    assert fakes.embedder.embedded == version.chunk_count  # 4 before the kill + the rest after
    assert all_points(fakes.index, personas.collection.pk) == version.chunk_count


def test_running_the_index_stage_again_creates_no_duplicates(personas, fakes):
    version = make_version(personas, ingest=True)
    DocumentVersion.objects.filter(pk=version.pk).update(status=Status.QUEUED, stage=Stage.EMBEDDED)
    services.run_ingest(version.pk, worker="test")
    assert all_points(fakes.index, personas.collection.pk) == version.chunk_count


def test_an_unavailable_index_requeues_the_version_with_a_clear_message(personas, fakes, monkeypatch):
    version = make_version(personas)

    def down():  # type: ignore[no-untyped-def]
        raise IndexUnavailable("qdrant unreachable: connection refused")

    monkeypatch.setattr("config.wiring.vector_index", down)
    with pytest.raises(services.TransientIngestError):
        services.run_ingest(version.pk, worker="test")
    version.refresh_from_db()
    assert version.status == Status.QUEUED and version.stage == Stage.EMBEDDED
    assert version.error.startswith("The passage index unavailable; retrying soon")
    assert all_points(fakes.index, personas.collection.pk) == 0

    monkeypatch.setattr("config.wiring.vector_index", lambda: fakes.index)
    services.run_ingest(version.pk, worker="test")
    version.refresh_from_db()
    assert version.status == Status.READY and version.error == ""
    assert fakes.embedder.embedded == version.chunk_count  # embeddings were kept across the retry


def test_a_corrupt_file_fails_alone_with_the_parsers_message(personas, fakes):
    version = make_version(personas, "broken.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 50)
    services.run_ingest(version.pk, worker="test")
    version.refresh_from_db()
    assert version.status == Status.FAILED and version.error.startswith("broken.pdf: ")
    assert version.stage == Stage.STORED and fakes.embedder.embedded == 0


def test_an_encrypted_pdf_fails_with_a_specific_message(personas, settings):
    content = (settings.BASE_DIR / "tests" / "data" / "bad" / "encrypted.pdf").read_bytes()
    version = make_version(personas, "encrypted.pdf", content, ingest=True)
    assert version.status == Status.FAILED and "encrypt" in version.error.lower()


def test_a_permanent_graph_error_leaves_the_version_searchable_and_retries_only_the_graph(personas, fakes):
    from graph.errors import GraphWriteError

    fakes.graph.fail_with = GraphWriteError("Neo4j rejected the write")
    version = make_version(personas, ingest=True)
    assert version.status == Status.READY and version.stage == Stage.INDEXED
    assert version.error.startswith("Ready, graph failed: Neo4j rejected the write")
    assert live_hits(fakes.index, personas.collection.pk)  # searchable all the same
    assert fakes.graph_queued == []  # a rejected write is not retried by itself

    fakes.graph.fail_with = None
    services.retry_version(version)
    assert fakes.graph_queued == [version.pk] and fakes.queued == [version.pk]  # no second ingest
    graphstage.run(version.pk, worker="test")
    version.refresh_from_db()
    assert version.status == Status.READY and version.stage == Stage.GRAPH and version.error == ""
    assert fakes.graph.versions == {str(version.pk): str(version.document_id)}
    assert fakes.embedder.embedded == version.chunk_count  # nothing embedded twice


def test_only_one_run_can_claim_a_version(personas):
    version = make_version(personas)
    assert services.claim(version.pk, "a") is not None
    assert services.claim(version.pk, "b") is None


def test_a_restarted_worker_releases_what_its_previous_run_held(personas):
    version = make_version(personas)
    services.claim(version.pk, "kenning@host")
    booted = services._now() + timedelta(seconds=1)
    assert services.release_orphans("kenning@host", booted) == [version.pk]
    version.refresh_from_db()
    assert version.status == Status.QUEUED
    assert services.pending_version_ids() == [version.pk]


def test_deleting_the_document_mid_ingest_stops_the_run_and_removes_its_points(personas, fakes, monkeypatch):
    version = make_version(personas)
    original_index = pipeline.index

    def index_then_delete(v, run):  # type: ignore[no-untyped-def]
        original_index(v, run)
        Document.objects.filter(pk=v.document_id).update(is_deleted=True)
        DocumentVersion.objects.filter(pk=v.pk).update(claim_token="")

    monkeypatch.setitem(pipeline.STAGES, Stage.INDEXED, index_then_delete)
    services.run_ingest(version.pk, worker="test")
    assert all_points(fakes.index, personas.collection.pk) == 0
    assert fakes.graph.versions == {}
