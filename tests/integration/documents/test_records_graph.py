"""A work-order export through the upload workflow's auto mapping into the real Neo4j, then the
aggregate queries answers use (count_work_orders, top_values), with citations to the record chunks.

The passage index and embedder are the in-memory ones: this test is about the graph stage.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.documents import services
from apps.documents.models import MappingStatus, Passage, Stage, Status
from config import wiring
from graph import count_work_orders, top_values

pytestmark = [pytest.mark.integration, pytest.mark.serial]

SAMPLE = Path(__file__).resolve().parents[3] / "sample_data" / "records" / "excavator-work-orders.csv"
ROWS = 60


@pytest.fixture
def first_rows() -> tuple[bytes, list[dict[str, str]]]:
    lines = SAMPLE.read_bytes().splitlines(keepends=True)[: ROWS + 1]
    content = b"".join(lines)
    return content, list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


@pytest.fixture
def empty_neo4j(neo4j_driver):  # type: ignore[no-untyped-def]
    """Like the shared ``clean_neo4j``, but clearing through session.run (``CALL ... IN
    TRANSACTIONS`` is refused inside the explicit transaction that ``execute_query`` opens), and
    relations before nodes: detaching a hub left by another test in one inner transaction can
    exceed Neo4j's transaction memory pool."""
    with neo4j_driver.session() as session:
        session.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS").consume()
        session.run("MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    return neo4j_driver


@pytest.fixture
def real_graph(empty_neo4j, monkeypatch, settings, tmp_path):  # type: ignore[no-untyped-def]
    from apps.documents.graphsync import Neo4jGraphSync
    from graph import Extractor
    from retrieval.chunk import whitespace_token_count
    from retrieval.embed import FakeEmbedder
    from retrieval.index.memory import MemoryIndex

    settings.MEDIA_ROOT = tmp_path / "media"
    index, embedder = MemoryIndex(), FakeEmbedder(dim=64)
    sync = Neo4jGraphSync(empty_neo4j, Extractor())
    monkeypatch.setattr(wiring, "vector_index", lambda: index)
    monkeypatch.setattr(wiring, "embedder", lambda: embedder)
    monkeypatch.setattr(wiring, "token_counter", lambda: whitespace_token_count)
    monkeypatch.setattr(wiring, "graph_sync", lambda: sync)
    monkeypatch.setattr(services, "enqueue_ingest", lambda version_id: None)
    return empty_neo4j


@pytest.fixture
def ingested(personas, real_graph, first_rows):  # type: ignore[no-untyped-def]
    content, _ = first_rows
    upload = SimpleUploadedFile("excavator-work-orders.csv", content)
    version, _ = services.accept_upload(personas.owner, personas.collection, upload, mapping_auto=True)
    services.run_ingest(version.pk, worker="test")
    version.refresh_from_db()
    return version


def test_the_auto_mapping_writes_one_work_order_per_row(ingested, real_graph):
    assert ingested.status == Status.READY and ingested.stage == Stage.GRAPH
    assert ingested.mapping_status == MappingStatus.APPLIED
    records, _, _ = real_graph.execute_query(
        "MATCH (w:WorkOrder) RETURN count(w) AS n, count(w.date) AS dated, count(w.cost) AS costed"
    )
    assert (records[0]["n"], records[0]["dated"], records[0]["costed"]) == (ROWS, ROWS, ROWS)


def test_count_work_orders_counts_the_rows_of_an_asset_and_year_with_citations(
    personas, ingested, real_graph, first_rows
):
    _, rows = first_rows
    collections = [str(personas.collection.pk)]
    chunk_ids = set(Passage.objects.filter(version=ingested).values_list("chunk_id", flat=True))
    for asset in ("A", "B"):
        result = count_work_orders(real_graph, collections, equipment=[f"Equipment:{asset}"])
        assert result.count == sum(1 for r in rows if r["Asset"] == asset) > 0
        assert result.work_orders
        for work_order in result.work_orders:
            assert work_order.citations
            assert {c.chunk_id for c in work_order.citations} <= chunk_ids
            assert all(c.collection_id == collections[0] for c in work_order.citations)
    year = int(rows[0]["BscStartDate"][:4])
    asset = rows[0]["Asset"]
    in_year = count_work_orders(real_graph, collections, equipment=[f"Equipment:{asset}"], year=year)
    assert in_year.count == sum(
        1 for r in rows if r["Asset"] == asset and r["BscStartDate"].startswith(str(year))
    )
    assert count_work_orders(real_graph, ["999999"], equipment=["Equipment:A"]).count == 0


def test_replacements_named_in_the_free_text_are_counted(personas, ingested, real_graph, first_rows):
    _, rows = first_rows
    collections = [str(personas.collection.pk)]
    replaced = count_work_orders(real_graph, collections, action=["Action:replace"])
    mentions = sum(1 for r in rows if any(w in r["OriginalShorttext"].lower() for w in ("replace", "change")))
    assert 0 < replaced.count <= ROWS
    assert replaced.count >= mentions // 2  # the lexicon reads most "replace"/"change out" wordings


def test_top_values_rank_components_of_an_asset_with_citations(personas, ingested, real_graph):
    collections = [str(personas.collection.pk)]
    chunk_ids = set(Passage.objects.filter(version=ingested).values_list("chunk_id", flat=True))
    top = top_values(real_graph, collections, group_label="Component", equipment=["Equipment:B"], top=5)
    assert top, "the free text names components (bucket, tooth, cylinder...)"
    counts = [v.count for v in top]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 2
    assert all(v.entity.label == "Component" for v in top)
    for value in top:
        assert value.work_orders and all(
            c.chunk_id in chunk_ids for w in value.work_orders for c in w.citations
        )


def test_editing_the_mapping_replaces_the_versions_facts(personas, ingested, real_graph, monkeypatch):
    from apps.documents import mapping, mapping_apply

    monkeypatch.setattr(mapping, "enqueue_apply", lambda version_id: None)
    roles, columns = mapping.current_roles(ingested)
    roles = mapping.merge_roles(roles, [{"column": "Asset", "role": "ignore"}], columns)
    mapping.save_mapping(ingested, roles, personas.owner)
    assert mapping_apply.apply_mapping(ingested.pk, worker="test") is True
    collections = [str(personas.collection.pk)]
    assert count_work_orders(real_graph, collections, equipment=["Equipment:A"]).count == 0
    records, _, _ = real_graph.execute_query("MATCH (w:WorkOrder) RETURN count(w) AS n")
    assert records[0]["n"] == ROWS


def test_the_records_are_history_what_fixed_this_last_time_on_this_machine(
    personas, ingested, real_graph, first_rows
):
    from graph.history import asset_history, last_fixes

    _, rows = first_rows
    collections = [str(personas.collection.pk)]
    chunk_ids = set(Passage.objects.filter(version=ingested).values_list("chunk_id", flat=True))
    # The same facts the plain work-order links state, read without HAD / RESOLVED_BY.
    records, _, _ = real_graph.execute_query(
        "MATCH (w:WorkOrder)-[:PERFORMED_ON]->(a:Equipment), (w)-[:REPORTS]->(p:Entity), "
        "(w)-[:HAS_ACTION]->(x:Action) WHERE p.type IN ['FailureMode', 'Symptom', 'ErrorCode'] "
        "RETURN a.key AS asset, p.key AS problem, w.date AS date, collect(DISTINCT x.key) AS actions "
        "ORDER BY date DESC"
    )
    assert records, "the free text names failures (leak, crack...) and actions (replace, repair...)"
    newest: dict[tuple[str, str], tuple[str, set[str]]] = {}
    counts: dict[tuple[str, str], int] = {}
    for r in records:
        pair = (r["asset"], r["problem"])
        counts[pair] = counts.get(pair, 0) + 1
        if pair not in newest:
            newest[pair] = (r["date"], set(r["actions"]))
        elif newest[pair][0] == r["date"]:
            newest[pair][1].update(r["actions"])
    (asset, problem), (date, actions) = max(newest.items(), key=lambda kv: (counts[kv[0]], kv[0]))
    assert date in {row["BscStartDate"] for row in rows if f"Equipment:{row['Asset']}" == asset}

    fixes = last_fixes(real_graph, [asset], [problem], collections)
    assert fixes and fixes[0].date == date and fixes[0].asset == asset
    assert {f.action_key for f in fixes if f.date == date} == actions
    assert [f.date for f in fixes] == sorted((f.date for f in fixes), reverse=True)
    assert all(f.cites and {c.chunk_id for c in f.cites} <= chunk_ids for f in fixes)

    history = {h.key: h for h in asset_history(real_graph, [asset], collections, limit=50)}
    assert history[problem].last_date == date
    had, _, _ = real_graph.execute_query(
        "MATCH (w:WorkOrder)-[:PERFORMED_ON]->(:Entity {key: $asset}), "
        "(w)-[:REPORTS]->(:Entity {key: $problem}) RETURN count(DISTINCT w) AS n",
        asset=asset,
        problem=problem,
    )
    assert history[problem].occurrences == had[0]["n"] >= counts[(asset, problem)]

    # Another collection's reader sees no history.
    assert last_fixes(real_graph, [asset], [problem], ["999999"]) == []
    assert asset_history(real_graph, [asset], ["999999"]) == []
