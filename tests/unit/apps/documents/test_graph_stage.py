"""A failing graph stage never keeps passages out of the index (issue 11): the version becomes ready,
says why its graph is missing, and only the graph stage runs again."""

from django.urls import reverse

from apps.documents import graphstage, services
from apps.documents.models import DocumentVersion, GraphStatus, Stage, Status
from graph.errors import GraphQueryError, GraphUnavailable

from .conftest import all_points, live_hits, make_version, upload_file

FAULT_TABLE = "tests/data/bad/fault-table-long-cells.md"
TOO_MANY_CLAUSES = GraphQueryError(
    "entity candidate look-up: {neo4j_code: Neo.ClientError.Procedure.ProcedureCallFailed} {message: Failed "
    "to invoke procedure `db.index.fulltext.queryNodes`: Caused by: "
    "org.apache.lucene.search.IndexSearcher$TooManyClauses: maxClauseCount is set to 1024}"
)


def fault_table(settings) -> bytes:
    return (settings.BASE_DIR / FAULT_TABLE).read_bytes()


def test_the_fault_table_of_the_bad_corpus_is_searchable_when_its_graph_fails(personas, fakes, settings):
    fakes.graph.fail_with = TOO_MANY_CLAUSES
    version = make_version(personas, "fault-table-long-cells.md", fault_table(settings), ingest=True)
    assert version.status == Status.READY and version.is_graph_missing
    assert version.graph_status == GraphStatus.FAILED and version.stage == Stage.INDEXED
    assert version.error.startswith("Ready, graph failed: entity candidate look-up:")
    assert "TooManyClauses" in version.error and "Retry runs the graph stage again" in version.error
    assert version.document.current_version_id == version.pk
    hits = live_hits(fakes.index, personas.collection.pk, "bleed the suction line")
    assert any("top up ISO VG 46 oil and bleed the suction line" in h.text for h in hits)
    assert [s["state"] for s in version.stage_states()] == ["done"] * 5 + ["failed"]


def test_the_fault_table_of_the_bad_corpus_ingests_whole(personas, fakes, settings):
    version = make_version(personas, "fault-table-long-cells.md", fault_table(settings), ingest=True)
    assert version.status == Status.READY and version.stage == Stage.GRAPH and version.error == ""
    assert fakes.graph.versions == {str(version.pk): str(version.document_id)}


def test_an_unavailable_graph_makes_the_version_ready_and_retries_the_graph_stage_alone(personas, fakes):
    fakes.graph.fail_with = GraphUnavailable("graph write: Neo4j unavailable: connection refused")
    version = make_version(personas, ingest=True)  # no TransientIngestError: the ingest itself is done
    assert version.status == Status.READY and version.graph_status == GraphStatus.RETRYING
    assert "the knowledge graph (Neo4j) is unavailable" in version.error
    assert "retried automatically" in version.error
    assert live_hits(fakes.index, personas.collection.pk)
    assert fakes.graph_queued == [version.pk]

    try:
        graphstage.run(version.pk, worker="test")  # still down: the task retries with backoff
        raise AssertionError("expected TransientIngestError")
    except services.TransientIngestError:
        pass
    version.refresh_from_db()
    assert version.status == Status.READY and version.graph_status == GraphStatus.RETRYING
    assert version.claim_token == "" and fakes.graph.versions == {}

    fakes.graph.fail_with = None
    assert graphstage.run(version.pk, worker="test") is True
    version.refresh_from_db()
    assert version.graph_status == "" and version.error == "" and version.stage == Stage.GRAPH
    assert fakes.graph.versions == {str(version.pk): str(version.document_id)}
    assert all_points(fakes.index, personas.collection.pk) == version.chunk_count
    assert graphstage.run(version.pk, worker="test") is False  # nothing left to do


def test_when_the_graph_retries_run_out_a_person_can_retry(personas, fakes):
    fakes.graph.fail_with = GraphUnavailable("Neo4j unavailable")
    version = make_version(personas, ingest=True)
    assert graphstage.pending_ids() == [version.pk]  # what a starting worker queues
    graphstage.give_up(version.pk, "gave up after 6 retries (Neo4j unavailable).")
    version.refresh_from_db()
    assert version.graph_status == GraphStatus.FAILED and version.is_retryable
    assert version.error == "Ready, graph failed: gave up after 6 retries (Neo4j unavailable)."
    assert graphstage.pending_ids() == []


def test_an_unexpected_error_in_the_graph_stage_leaves_the_passages_searchable(personas, fakes):
    fakes.graph.fail_with = RuntimeError("extractor crashed")
    version = make_version(personas, ingest=True)
    assert version.status == Status.READY and version.graph_status == GraphStatus.FAILED
    assert version.error.startswith("Ready, graph failed: internal error (RuntimeError: extractor crashed)")
    assert live_hits(fakes.index, personas.collection.pk)


def test_a_replacement_whose_graph_fails_becomes_current_and_the_old_one_goes(personas, fakes, monkeypatch):
    first = make_version(personas, ingest=True)

    def rejected(**kw):  # type: ignore[no-untyped-def]
        raise GraphQueryError("rejected")

    monkeypatch.setattr(fakes.graph, "write_version", rejected)  # deleting facts still works
    second, _ = services.replace_document(
        personas.owner, first.document, upload_file(content=b"# P-101\n\nThe pump P-101 has a new strainer.")
    )
    services.run_ingest(second.pk, worker="test")
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.status == Status.READY and second.document.current_version_id == second.pk
    assert first.status == Status.SUPERSEDED and first.is_purged
    assert {h.version_id for h in live_hits(fakes.index, personas.collection.pk)} == {str(second.pk)}
    assert fakes.graph.versions == {}  # the old version's facts left with it; the retry adds the new ones


def test_the_retry_button_runs_only_the_graph_stage_of_a_ready_version(client, personas, fakes):
    fakes.graph.fail_with = GraphQueryError("rejected")
    version = make_version(personas, ingest=True)
    client.force_login(personas.editor)
    r = client.post(reverse("documents:retry", args=[version.pk]), headers={"Accept": "application/json"})
    assert r.status_code == 200
    assert r.json()["version"]["status"] == "ready" and r.json()["version"]["graph_status"] == "retrying"
    assert fakes.graph_queued == [version.pk] and fakes.queued == [version.pk]
    r = client.post(reverse("documents:retry", args=[version.pk]), headers={"Accept": "application/json"})
    assert r.status_code == 409  # already queued


def test_the_api_retries_the_graph_stage_and_reports_it(client, personas, fakes):
    fakes.graph.fail_with = GraphQueryError("rejected")
    version = make_version(personas, ingest=True)
    client.force_login(personas.editor)
    status = client.get(f"/api/versions/{version.pk}/").json()
    assert status["status"] == "ready" and status["graph_status"] == "failed"
    assert status["error"].startswith("Ready, graph failed: rejected")
    r = client.post(f"/api/versions/{version.pk}/retry/")
    assert r.status_code == 202 and r.json()["graph_status"] == "retrying"
    assert fakes.graph_queued == [version.pk]


def test_a_graph_run_for_a_deleted_document_claims_nothing(personas, fakes):
    fakes.graph.fail_with = GraphUnavailable("Neo4j unavailable")
    version = make_version(personas, ingest=True)
    fakes.graph.fail_with = None
    services.delete_document(version.document)
    assert graphstage.run(version.pk, worker="test") is False
    assert not DocumentVersion.objects.filter(pk=version.pk).exists()
