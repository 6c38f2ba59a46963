"""Record files in the ingest: suggested mappings, review before the graph stage, applying edits."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from apps.documents import mapping, mapping_apply, services
from apps.documents.models import DocumentVersion, MappingStatus, Stage, Status

from .conftest import sample_csv, upload_file


def ingest_records(
    personas, *, auto: bool, content: bytes | None = None, name: str = "orders.csv", document=None
):  # type: ignore[no-untyped-def]
    version, _ = services.accept_upload(
        personas.owner,
        personas.collection,
        upload_file(name, content or sample_csv()),
        document=document,
        mapping_auto=auto,
    )
    services.run_ingest(version.pk, worker="test")
    version.refresh_from_db()
    return version


def test_a_portal_upload_is_searchable_while_its_graph_stage_waits_for_review(personas, graph, applies):
    version = ingest_records(personas, auto=False)
    assert version.status == Status.READY and version.stage == Stage.INDEXED
    assert version.mapping_status == MappingStatus.REVIEW
    assert DocumentVersion.objects.live().filter(pk=version.pk).exists()
    assert graph.writes == [] and applies == []
    roles = {c["column"]: c["role"] for c in version.record_mapping["columns"]}
    assert roles["Asset"] == "equipment" and roles["BscStartDate"] == "date"
    assert [s["state"] for s in version.stage_states()][-1] == "pending"


def test_a_non_interactive_upload_applies_the_suggested_mapping_in_its_graph_stage(personas, graph):
    version = ingest_records(personas, auto=True)
    assert version.status == Status.READY and version.stage == Stage.GRAPH
    assert version.mapping_status == MappingStatus.APPLIED
    (write,) = graph.writes
    (used,) = write["mappings"]
    assert used.date == "BscStartDate" and used.text == "OriginalShorttext" and used.cost == "Cost"
    assert write["passages"] == 30


def test_confirming_runs_only_the_graph_stage_and_keeps_the_version_searchable(
    personas, graph, applies, fakes
):
    version = ingest_records(personas, auto=False)
    embedded = fakes.embedder.embedded
    roles, columns = mapping.current_roles(version)
    roles = mapping.merge_roles(roles, [{"column": "PMType", "role": "action"}], columns)
    version = mapping.save_mapping(version, roles, personas.editor)
    assert version.mapping_status == MappingStatus.CONFIRMED and applies == [version.pk]
    assert version.mapping_confirmed_by == personas.editor
    assert mapping_apply.apply_mapping(version.pk, worker="test") is True
    version.refresh_from_db()
    assert version.mapping_status == MappingStatus.APPLIED and version.stage == Stage.GRAPH
    assert version.status == Status.READY and version.claim_token == ""
    assert fakes.embedder.embedded == embedded  # no text stage ran again
    (used,) = graph.writes[-1]["mappings"]
    assert ("PMType", "Action") in {(c.column, c.label) for c in used.columns}
    assert mapping_apply.apply_mapping(version.pk, worker="test") is False  # nothing left to apply


def test_editing_an_applied_mapping_replaces_the_versions_facts(personas, graph, applies):
    version = ingest_records(personas, auto=True)
    roles, columns = mapping.current_roles(version)
    roles = mapping.merge_roles(roles, [{"column": "Cost", "role": "ignore"}], columns)
    mapping.save_mapping(version, roles, personas.owner)
    mapping_apply.apply_mapping(version.pk, worker="test")
    assert [w["version"] for w in graph.writes] == [str(version.pk)] * 2
    assert graph.writes[-1]["mappings"][0].cost is None
    assert list(graph.versions) == [str(version.pk)]


def test_a_confirmed_mapping_with_a_graph_failure_is_marked_failed(personas, graph, applies, monkeypatch):
    from graph.errors import MappingError

    version = ingest_records(personas, auto=False)
    roles, columns = mapping.current_roles(version)
    mapping.save_mapping(version, roles, personas.owner)

    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise MappingError("mapping refers to missing columns: Gone")

    monkeypatch.setattr(graph, "write_version", broken)
    assert mapping_apply.apply_mapping(version.pk, worker="test") is False
    version.refresh_from_db()
    assert version.mapping_status == MappingStatus.FAILED and "Gone" in version.mapping_error
    assert version.status == Status.READY and version.claim_token == ""


def test_an_unexpected_error_applying_a_mapping_fails_it_and_frees_the_claim(
    personas, graph, applies, monkeypatch
):
    # It used to escape the task and leave the version claimed until the claim went stale.
    version = ingest_records(personas, auto=False)
    roles, _columns = mapping.current_roles(version)
    mapping.save_mapping(version, roles, personas.owner)

    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise KeyError("row")

    monkeypatch.setattr(graph, "write_version", broken)
    assert mapping_apply.apply_mapping(version.pk, worker="test") is False
    version.refresh_from_db()
    assert version.mapping_status == MappingStatus.FAILED
    assert version.mapping_error.startswith("internal error (KeyError")
    assert version.status == Status.READY and version.claim_token == ""


def test_a_new_version_with_the_same_columns_reuses_the_confirmed_mapping(personas, graph, applies):
    first = ingest_records(personas, auto=False)
    roles, columns = mapping.current_roles(first)
    roles = mapping.merge_roles(roles, [{"column": "PMType", "role": "ignore"}], columns)
    mapping.save_mapping(first, roles, personas.owner)
    second = ingest_records(personas, auto=False, content=sample_csv(40), document=first.document)
    assert second.mapping_status == MappingStatus.APPLIED and second.stage == Stage.GRAPH
    assert {c["column"]: c["role"] for c in second.record_mapping["columns"]}["PMType"] == "ignore"
    assert second.record_mapping["source"] == "previous version"


def test_non_record_files_have_no_mapping(personas, graph):
    version, _ = services.accept_upload(personas.owner, personas.collection, upload_file())
    services.run_ingest(version.pk, worker="test")
    version.refresh_from_db()
    assert version.mapping_status == "" and version.record_mapping is None and version.stage == Stage.GRAPH
    assert graph.writes[0]["mappings"] == []


def test_ingest_command_applies_the_mapping_by_default_and_can_leave_it_for_review(
    tmp_path, db, graph, applies
):
    (tmp_path / "a.csv").write_bytes(sample_csv(20))
    (tmp_path / "b.csv").write_bytes(sample_csv(25))
    call_command(
        "ingest",
        str(tmp_path / "a.csv"),
        "--collection",
        "Fleet",
        "--create",
        "--no-progress",
        stdout=StringIO(),
    )
    out = StringIO()
    call_command(
        "ingest",
        str(tmp_path / "b.csv"),
        "--collection",
        "Fleet",
        "--no-progress",
        "--mapping",
        "review",
        stdout=out,
    )
    statuses = {v.original_name: v.mapping_status for v in DocumentVersion.objects.all()}
    assert statuses == {"a.csv": MappingStatus.APPLIED, "b.csv": MappingStatus.REVIEW}
    assert "waits for the column mapping" in out.getvalue()
    out = StringIO()
    call_command("ingest", str(tmp_path / "b.csv"), "--collection", "Fleet", "--no-progress", stdout=out)
    assert DocumentVersion.objects.get(original_name="b.csv").mapping_status == MappingStatus.APPLIED
    assert "applied the suggested column mapping" in out.getvalue()


def test_load_demo_applies_the_work_order_mappings_without_review(db, graph):
    call_command("load_demo", "--in-process", stdout=StringIO())
    records = DocumentVersion.objects.filter(kind__in=["csv", "xlsx"])
    assert records.count() == 2
    assert {v.mapping_status for v in records} == {MappingStatus.APPLIED}
    assert all(v.stage == Stage.GRAPH for v in records)


def test_load_demo_queues_uploads_with_the_auto_mapping(tmp_path, db, fakes):
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "orders.csv").write_bytes(sample_csv(5))
    call_command("load_demo", "--sample-dir", str(tmp_path), stdout=StringIO())
    assert DocumentVersion.objects.get().mapping_auto is True and len(fakes.queued) == 1


def test_an_api_upload_may_ask_for_the_suggested_mapping_at_once(client, personas, graph):
    client.force_login(personas.editor)
    url = f"/api/collections/{personas.collection.pk}/documents/"
    review = client.post(url, {"file": upload_file("a.csv", sample_csv(20))}).json()["version"]["id"]
    auto = client.post(url, {"file": upload_file("b.csv", sample_csv(25)), "mapping": "auto"}).json()[
        "version"
    ]["id"]
    for version_id in (review, auto):
        services.run_ingest(version_id, worker="test")
    assert DocumentVersion.objects.get(pk=review).mapping_status == MappingStatus.REVIEW
    assert DocumentVersion.objects.get(pk=auto).mapping_status == MappingStatus.APPLIED
    assert [w["passages"] for w in graph.writes] == [25]

    refused = client.post(url, {"file": upload_file("c.csv", sample_csv(5)), "mapping": "yes please"})
    assert refused.status_code == 400 and "'review'" in refused.json()["error"]
