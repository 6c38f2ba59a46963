"""The column-mapping page and API for owner, editor, reader and outsider."""

from __future__ import annotations

import pytest

from apps.documents import services
from apps.documents.models import MappingStatus

from .conftest import make_version, sample_csv, upload_file


@pytest.fixture
def records(personas, graph, applies):  # type: ignore[no-untyped-def]
    version, _ = services.accept_upload(
        personas.owner, personas.collection, upload_file("orders.csv", sample_csv())
    )
    services.run_ingest(version.pk, worker="test")
    version.refresh_from_db()
    return version


def page(version) -> str:  # type: ignore[no-untyped-def]
    return f"/documents/versions/{version.pk}/mapping/"


def api(version) -> str:  # type: ignore[no-untyped-def]
    return f"/api/versions/{version.pk}/mapping/"


def form(records, **changes):  # type: ignore[no-untyped-def]
    roles = {c["column"]: c["role"] for c in records.record_mapping["columns"]} | changes
    data = {f"role-{i}": role for i, role in enumerate(roles.values())}
    return data | {f"split-{i}": "" for i in range(len(roles))}


@pytest.mark.parametrize("who", ["owner", "editor", "reader"])
def test_it_shows_the_suggested_mapping_and_preview_to_members(client, personas, records, who):
    client.force_login(getattr(personas, who))
    r = client.get(page(records))
    assert r.status_code == 200
    body = r.content.decode()
    assert "BscStartDate" in body and 'value="date" selected' in body and "mapping-preview" in body
    assert "Equipment: A" in body or "Equipment: B" in body
    assert ("disabled" in body) is (who == "reader")


def test_it_hides_the_mapping_from_outsiders(client, personas, records):
    client.force_login(personas.outsider)
    assert client.get(page(records)).status_code == 404
    assert client.post(page(records), form(records) | {"action": "save"}).status_code == 404
    assert client.get(api(records)).status_code == 404
    assert client.put(api(records), {"columns": []}, content_type="application/json").status_code == 404


def test_readers_cannot_preview_or_change_the_mapping(client, personas, records, applies):
    client.force_login(personas.reader)
    assert client.post(page(records), form(records, Cost="ignore") | {"action": "save"}).status_code == 403
    change = {"columns": [{"column": "Cost", "role": "ignore"}]}
    assert client.put(api(records), change, content_type="application/json").status_code == 403
    assert client.post(api(records) + "preview/", change, content_type="application/json").status_code == 403
    records.refresh_from_db()
    assert records.mapping_status == MappingStatus.REVIEW and applies == []


def test_an_editor_previews_a_change_without_saving_it(client, personas, records, applies):
    client.force_login(personas.editor)
    r = client.post(page(records), form(records, PMType="action") | {"action": "preview"})
    assert r.status_code == 200
    assert "HAS_ACTION → Action:pm01" in r.content.decode()
    records.refresh_from_db()
    assert records.mapping_status == MappingStatus.REVIEW and applies == []


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_writers_save_the_mapping_and_queue_the_graph_stage(client, personas, records, applies, who):
    client.force_login(getattr(personas, who))
    r = client.post(page(records), form(records, PMType="ignore") | {"action": "save"})
    assert r.status_code == 302 and r["Location"] == page(records)
    records.refresh_from_db()
    assert records.mapping_status == MappingStatus.CONFIRMED and applies == [records.pk]
    assert {c["column"]: c["role"] for c in records.record_mapping["columns"]}["PMType"] == "ignore"
    assert records.mapping_confirmed_by == getattr(personas, who)


def test_the_page_refuses_two_date_columns(client, personas, records, applies):
    client.force_login(personas.editor)
    r = client.post(page(records), form(records, Cost="date") | {"action": "save"})
    assert r.status_code == 400 and "only one column" in r.content.decode()
    assert applies == []


def test_the_api_returns_roles_samples_warnings_and_preview(client, personas, records):
    client.force_login(personas.reader)
    r = client.get(api(records) + "?rows=3")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "review" and body["roles"]["failure_mode"] == "Failure mode"
    asset = next(c for c in body["columns"] if c["column"] == "Asset")
    assert asset["role"] == "equipment" and asset["samples"]
    assert len(body["preview"]["rows"]) == 3
    first = body["preview"]["rows"][0]
    assert first["work_order"]["date"] == "2004-07-01"
    assert {"type": "PERFORMED_ON", "head": first["relations"][0]["head"], "tail": "Equipment:A"} in first[
        "relations"
    ]


def test_the_api_saves_a_partial_change_and_answers_202(client, personas, records, applies):
    client.force_login(personas.editor)
    change = {"columns": [{"column": "PMType", "role": "action", "split": None}]}
    r = client.put(api(records), change, content_type="application/json")
    assert r.status_code == 202, r.content
    assert r.json()["status"] == "confirmed" and applies == [records.pk]
    roles = {c["column"]: c["role"] for c in r.json()["columns"]}
    assert roles["PMType"] == "action" and roles["Asset"] == "equipment"


def test_the_api_previews_without_saving(client, personas, records, applies):
    client.force_login(personas.owner)
    change = {"columns": [{"column": "PMType", "role": "site"}]}
    r = client.post(api(records) + "preview/", change, content_type="application/json")
    assert r.status_code == 200
    assert any(rel["type"] == "LOCATED_AT" for rel in r.json()["rows"][0]["relations"])
    records.refresh_from_db()
    assert records.mapping_status == MappingStatus.REVIEW and applies == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"columns": [{"column": "Nope", "role": "date"}]}, "no column"),
        ({"columns": [{"column": "Asset", "role": "colour"}]}, "unknown role"),
        ({"columns": [{"column": "Cost", "role": "date"}]}, "only one column"),
        ({"cols": []}, "columns"),
    ],
)
def test_the_api_rejects_bad_mappings_with_400(client, personas, records, applies, change, message):
    client.force_login(personas.owner)
    r = client.put(api(records), change, content_type="application/json")
    assert r.status_code == 400 and message in r.json()["error"]
    assert applies == []


def test_files_that_are_not_records_have_no_mapping_page(client, personas, graph):
    version = make_version(personas, ingest=True)
    client.force_login(personas.owner)
    assert client.get(page(version)).status_code == 404
    assert client.get(api(version)).status_code == 404


def test_the_document_page_links_to_the_mapping_review(client, personas, records):
    client.force_login(personas.reader)
    r = client.get(f"/documents/{records.document_id}/")
    assert page(records) in r.content.decode() and "review it to build the graph" in r.content.decode()


def test_the_schema_lists_the_mapping_endpoints(client, personas):
    client.force_login(personas.reader)
    r = client.get("/api/schema/", headers={"Accept": "application/json"})
    text = r.content.decode()
    assert (
        "/api/versions/{version_id}/mapping/" in text
        and "/api/versions/{version_id}/mapping/preview/" in text
    )
