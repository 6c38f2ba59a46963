"""Fault localisation against the real Neo4j: a fault table plus work orders -> ranked causes."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph import ChunkInput, Resolver, VersionFacts, replace_version
from graph.diagnose import diagnose, suggest
from graph.records import HISTORY_PROBLEM_LABELS, ColumnMapping, RecordMapping, record_facts
from graph.resolve import Neo4jCandidates

from .conftest import file_chunks

pytestmark = [pytest.mark.integration, pytest.mark.serial]

FAULTS = Path(__file__).parents[2] / "data" / "hydraulic-press-faults.md"
MAPPING = RecordMapping(
    columns=(ColumnMapping("Asset", "Equipment"),), date="Date", text="Problem", action_text="Action"
)
ORDERS = [
    ("PRESS-1", "2023-01-10", "ram drifting down under load again", "replace seal kit"),
    ("PRESS-1", "2023-07-10", "ram drifts down", "replace seal kit"),
    (
        "PRESS-2",
        "2023-03-01",
        "ram drifts down when holding",
        "top up ISO VG 46 oil and bleed the suction line",
    ),
    ("PRESS-1", "2023-05-05", "guard door switch broken", "replace door switch"),
    ("PRESS-1", "2022-11-02", "hyd hose leaking at the pump", "tighten hose clamp"),
    ("PRESS-1", "2023-09-12", "hyd hose leaking again", "replace hydraulic hose"),
]


def _table_chunks(collection: str) -> list[ChunkInput]:
    return file_chunks(FAULTS, collection, "press-manual", "pm1")


def _load(driver, extractor, collection: str, orders_collection: str) -> None:
    facts = VersionFacts(collection, "press-manual", "pm1", extractor.extract_many(_table_chunks(collection)))
    resolved, _ = Resolver(candidates=Neo4jCandidates(driver)).resolve(facts)
    replace_version(driver, resolved)
    chunks = [
        ChunkInput(
            f"row{i}",
            orders_collection,
            "orders",
            "wo1",
            "",
            kind="record",
            record={"Asset": a, "Date": d, "Problem": p, "Action": act},
        )
        for i, (a, d, p, act) in enumerate(ORDERS)
    ]
    records = VersionFacts(
        orders_collection, "orders", "wo1", [record_facts(c, MAPPING, None, extractor.scan) for c in chunks]
    )
    replace_version(driver, records)


@pytest.fixture
def press(graph_db, extractor):
    _load(graph_db, extractor, "plant", "plant")
    return graph_db


def test_an_error_code_ranks_the_tables_cause_first_with_fix_part_page_and_asset_history(press, extractor):
    result = diagnose(press, "H-301", ["plant"], extractor, asset="PRESS-1")
    assert result.asset is not None and result.asset.entity.key == "Equipment:PRESS1"
    top = result.causes[0]
    assert top.name == "worn piston seal"
    assert top.fixes[0].name == "replace seal kit"
    assert top.parts == ["HS-4410"]
    assert all(step.cites for chain in top.chains for step in chain.steps)
    assert {c.document_id for f in top.fixes for c in f.cites} == {"press-manual"}
    # Two work orders on PRESS-1 said the ram drifted and were fixed with the seal kit.
    assert (top.history.asset, top.history.last_date) == (2, "2023-07-10")
    assert top.history.mean_days_between == 181.0
    assert top.score_parts["manual"] == 1.0 and top.score_parts["history"] > 0


def test_a_free_text_complaint_links_to_the_symptom_and_counts_other_machines_as_fleet(press, extractor):
    result = diagnose(press, "the ram keeps drifting down", ["plant"], extractor, asset="PRESS-2")
    assert result.causes[0].name == "worn piston seal"  # the manual's chain for this symptom
    seal = result.causes[0]
    assert seal.history.fleet == 2 and seal.history.asset == 0
    # What fixed the same complaint on this very press, though no manual chain names it:
    oil = next(c for c in result.causes if c.name == "top up ISO VG 46 oil and bleed the suction line")
    assert oil.label == "Action" and oil.history.asset == 1
    assert "top up" not in {c.name for c in result.causes}  # the whole cell is the action, not its verbs
    assert seal.similar and seal.similar[0].resolved_by == ("replace seal kit",)
    assert seal.similar[0].cites[0].document_id == "orders"


def test_with_no_asset_only_records_naming_the_complaints_components_are_its_history(press, extractor):
    # "hose": both hose records name it; the press's ram records are no history of a hose leak.
    hose = diagnose(press, "hose leaking", ["plant"], extractor)
    assert {c.name for c in hose.causes} >= {"tighten hose clamp", "replace hydraulic hose"}
    shown = {s.text for c in hose.causes for s in c.similar}
    assert shown and all("hose" in text for text in shown)
    # A component no record names (a conveyor's belt): the press's records neither count nor vote.
    belt = diagnose(press, "conveyor belt drifts down", ["plant"], extractor)
    assert belt.causes  # the manual's chains for "drifts down" still come
    assert all(c.history.total == 0 and "nearest" not in c.score_parts for c in belt.causes)
    # On an asset, its records are its history whatever the complaint names.
    on_press = diagnose(press, "conveyor belt drifts down", ["plant"], extractor, asset="PRESS-1")
    assert any(c.history.total for c in on_press.causes)


def test_on_an_asset_other_machines_records_are_its_fleet_history_only_for_the_same_problem(press, extractor):
    # PRESS-1's hose leaks are the same problem on another press: PRESS-2's fleet history of it.
    hose = diagnose(press, "hose leaking", ["plant"], extractor, asset="PRESS-2")
    history = {c.name: c.history for c in hose.causes}
    for fix in ("tighten hose clamp", "replace hydraulic hose"):
        assert (history[fix].asset, history[fix].fleet, history[fix].dates_scope) == (0, 1, "fleet")
    # PRESS-1's "hyd hose leaking at the pump" names the pump, not a noise: no history of a noisy pump.
    noisy = diagnose(press, "pump noisy", ["plant"], extractor, asset="PRESS-2")
    assert all(c.history.total == 0 for c in noisy.causes)


def test_nothing_outside_the_allowed_collections_is_read(graph_db, extractor):
    _load(graph_db, extractor, "plant", "secret-orders")
    result = diagnose(graph_db, "H-301", ["plant"], extractor, asset="PRESS-1")
    assert result.asset is None  # the asset is named only in records the user may not read
    assert result.causes[0].history.total == 0 and result.orders_read == 0
    hidden = diagnose(graph_db, "H-301", ["nobody"], extractor, asset="PRESS-1")
    assert hidden.causes == [] and hidden.seeds == []


def test_suggestions_come_from_visible_entities(press):
    assert [e.key for e in suggest(press, "press", "asset", ["plant"])] == [
        "Equipment:PRESS1",
        "Equipment:PRESS2",
    ]
    symptoms = {e.name for e in suggest(press, "ram", "symptom", ["plant"])}
    assert "ram drifts down under load" in symptoms
    assert {e.key for e in suggest(press, "H-30", "symptom", ["plant"])} >= {
        "ErrorCode:H301",
        "ErrorCode:H302",
    }
    assert suggest(press, "ram", "symptom", ["nobody"]) == []


def test_what_fixed_this_last_time_on_this_machine_comes_from_the_records_history(press, extractor):
    # The records name the failure mode (leak): HAD and RESOLVED_BY answer it in one graph read.
    result = diagnose(press, "hose leaking", ["plant"], extractor, asset="PRESS-1")
    assert result.last_fixes_scope == "asset"
    assert [(f.action, f.date) for f in result.last_fixes] == [
        ("replace hydraulic hose", "2023-09-12"),
        ("tighten hose clamp", "2022-11-02"),
    ]
    assert (
        result.last_fixes[0].problems == ("leak",) and result.last_fixes[0].cites[0].document_id == "orders"
    )
    had = {h.name: h for h in result.asset_history}
    assert (had["leak"].occurrences, had["leak"].last_date, had["leak"].mean_days_between) == (
        2,
        "2023-09-12",
        314.0,
    )
    # Another press of no model in common has no such history.
    other = diagnose(press, "hose leaking", ["plant"], extractor, asset="PRESS-2")
    assert other.last_fixes == [] and "leak" not in {h.name for h in other.asset_history}


def test_records_naming_no_known_failure_give_the_last_fix_by_their_text(press, extractor):
    result = diagnose(press, "H-301", ["plant"], extractor, asset="PRESS-1")
    assert result.last_fixes_scope == "asset"
    assert (result.last_fixes[0].action, result.last_fixes[0].date) == ("replace seal kit", "2023-07-10")
    hidden = diagnose(press, "hose leaking", ["nobody"], extractor, asset="PRESS-1")
    assert hidden.last_fixes == [] and hidden.asset_history == []


def test_the_records_most_like_the_complaint_vote_for_their_fixes_and_cite_themselves(press, extractor):
    # BM25 over the records' problem texts (the full-text index, English stemming): "broke" and
    # "switches" meet "broken" and "switch" only through the index's analyzer.
    result = diagnose(press, "guard door switches broke", ["plant"], extractor, asset="PRESS-1")
    door = next(c for c in result.causes if c.name == "replace door switch")
    assert door.score_parts["nearest"] > 0
    assert door.similar[0].text == "guard door switch broken" and door.similar[0].bm25 > 0
    assert door.similar[0].cites[0].document_id == "orders"
    # Lucene's query syntax in the complaint is read as words, not as a query.
    assert diagnose(press, 'door "switch AND: (guard*', ["plant"], extractor).causes


def test_records_of_other_collections_never_vote(graph_db, extractor):
    _load(graph_db, extractor, "plant", "secret-orders")
    result = diagnose(graph_db, "guard door switch broken", ["plant"], extractor)
    assert all("nearest" not in c.score_parts for c in result.causes)
    assert "replace door switch" not in {c.name for c in result.causes}


class _CountingDriver:
    """The real driver, counting the sessions (one per graph read) a diagnosis opens."""

    def __init__(self, driver) -> None:
        self.driver = driver
        self.sessions = 0

    def session(self, **kwargs):
        self.sessions += 1
        return self.driver.session(**kwargs)


def test_a_diagnosis_reads_the_graph_in_three_round_trips_and_agrees_with_the_single_reads(press, extractor):
    from graph.diagnose import link_complaint, nearest_orders, past_orders, resolve_asset
    from graph.history import asset_history, last_fixes

    counting = _CountingDriver(press)
    result = diagnose(counting, "ram drifts down, hose leaking", ["plant"], extractor, asset="PRESS-1")
    assert counting.sessions <= 3
    # The merged reads give what each read alone gives.
    asset = resolve_asset(press, "PRESS-1", ["plant"])
    assert result.asset == asset
    seeds = link_complaint(press, "ram drifts down, hose leaking", ["plant"], extractor)
    assert result.seeds == seeds
    orders = past_orders(press, [s.entity.key for s in seeds], asset, ["plant"])
    assert result.orders_read == len(orders) > 0
    assert asset_history(press, asset.asset_keys, ["plant"]) == result.asset_history
    problems = [s.entity.key for s in seeds if s.entity.label in HISTORY_PROBLEM_LABELS]
    assert result.last_fixes_scope == "asset"
    assert [f.work_order for f in last_fixes(press, asset.asset_keys, problems, ["plant"])] == [
        f.work_order for f in result.last_fixes
    ]
    nearest = nearest_orders(press, "ram drifts down, hose leaking", asset, ["plant"])
    voted = {s.key for c in result.causes for s in c.similar if s.bm25 is not None}
    assert voted and voted <= {o.key for o, _ in nearest}
