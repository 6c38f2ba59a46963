import pytest

from graph import ChunkInput, ColumnMapping, MappingError, RecordMapping, preview_mapping, record_facts
from graph.lexicon import Lexicon

MAPPING = RecordMapping(
    columns=(
        ColumnMapping("Asset", "Equipment"),
        ColumnMapping("FM", "FailureMode", split="_"),
        ColumnMapping("Action", "Action", split="_", use_lexicon=True),
    ),
    date="BscStartDate",
    cost="Cost",
    properties=("PMType",),
    text="OriginalShorttext",
)
ROW = {
    "BscStartDate": "2005-03-20",
    "Asset": "A",
    "OriginalShorttext": "L/H BUCKET CYL LEAKING.",
    "PMType": "PM01",
    "Cost": "407.4",
    "FM": "Leak_Missing / Loose",
    "Action": "Replaced",
}


def record_chunk(record, chunk_id="r1"):
    return ChunkInput(chunk_id, "col", "doc", "v1", "", kind="record", record=record)


def test_a_record_becomes_a_work_order_linked_to_mapped_columns(rules_extractor):
    facts = record_facts(record_chunk(ROW), MAPPING, Lexicon.load(), rules_extractor.scan)
    work_order = facts.mentions[0]
    assert work_order.label == "WorkOrder"
    assert work_order.properties == {
        "date": "2005-03-20",
        "year": 2005,
        "cost": 407.4,
        "PMType": "PM01",
        "text": "L/H BUCKET CYL LEAKING.",
    }
    rels = {(r.type, r.tail) for r in facts.relations if r.head == work_order.key}
    assert ("PERFORMED_ON", "Equipment:A") in rels
    assert ("REPORTS", "FailureMode:leak") in rels
    assert ("REPORTS", "FailureMode:missing loose") in rels
    assert ("HAS_ACTION", "Action:replace") in rels  # "Replaced" mapped through the lexicon
    assert ("ADDRESSES", "Component:bucket cylinder") in rels  # found in the text column
    assert ("HAS_COMPONENT", "Equipment:A", "Component:bucket cylinder") in {
        (r.type, r.head, r.tail) for r in facts.relations
    }


def test_null_cells_produce_nothing():
    facts = record_facts(record_chunk({**ROW, "FM": "NA", "Action": ""}), MAPPING)
    assert not [m for m in facts.mentions if m.label in ("FailureMode", "Action")]


def test_work_orders_without_an_id_column_are_keyed_by_document_and_chunk():
    facts = record_facts(record_chunk(ROW, "row-7"), MAPPING)
    assert facts.mentions[0].name == "doc:row-7"


def test_an_id_column_names_the_work_order():
    mapping = RecordMapping(columns=(), work_order_id="WO")
    facts = record_facts(record_chunk({"WO": "WO-2025-00417"}), mapping)
    assert facts.mentions[0].key == "WorkOrder:202500417"


def test_a_mapping_naming_missing_columns_is_rejected():
    with pytest.raises(MappingError, match="Nope"):
        record_facts(record_chunk(ROW), RecordMapping(columns=(ColumnMapping("Nope", "Part"),)))


def test_unknown_labels_are_rejected():
    with pytest.raises(MappingError):
        ColumnMapping("Asset", "Spaceship")


def test_preview_shows_what_the_first_rows_would_produce():
    rows = [ROW, {**ROW, "Asset": "B"}, {**ROW, "Asset": "C"}]
    preview = preview_mapping(rows, MAPPING, limit=2)
    assert preview.missing_columns == []
    assert len(preview.rows) == 2
    assert ("Equipment", "B") in preview.rows[1]["entities"]
    assert preview.rows[0]["work_order"]["year"] == 2005


def test_preview_reports_missing_columns_instead_of_failing():
    preview = preview_mapping([{"Asset": "A"}], MAPPING)
    assert "FM" in preview.missing_columns and preview.rows == []


def test_extractor_sends_record_chunks_through_an_inferred_mapping(rules_extractor):
    from graph.records import infer_mapping

    mapping = infer_mapping(list(ROW))
    assert mapping.date == "BscStartDate" and mapping.text == "OriginalShorttext"
    (facts,) = rules_extractor.extract_many([record_chunk(ROW)])
    assert facts.mentions[0].label == "WorkOrder"
    assert ("PERFORMED_ON", "Equipment:A") in {(r.type, r.tail) for r in facts.relations}


LOGBOOK = RecordMapping(
    columns=(ColumnMapping("TAIL", "Equipment"),),
    date="DATE",
    text="PROBLEM",
    action_text="ACTION",
)


def test_a_short_action_cell_becomes_the_work_orders_action(rules_extractor):
    row = {
        "TAIL": "N123",
        "DATE": "2010-04-02",
        "PROBLEM": "L/H ENGINE ROUGH AT IDLE",
        "ACTION": "Cleaned plugs.",
    }
    facts = record_facts(record_chunk(row), LOGBOOK, Lexicon.load(), rules_extractor.scan)
    work_order = facts.mentions[0]
    assert work_order.properties["action_text"] == "Cleaned plugs."
    assert work_order.properties["text"] == "L/H ENGINE ROUGH AT IDLE"
    rels = {(r.type, r.tail) for r in facts.relations if r.head == work_order.key}
    assert ("HAS_ACTION", "Action:cleaned plug") in rels
    assert {m.name for m in facts.mentions if m.label == "Action"} == {"Cleaned plugs"}  # not also "clean"


def test_a_long_action_cell_is_scanned_not_taken_whole(rules_extractor):
    action = (
        "Removed and replaced the hydraulic pump, bled the system and ran it for ten minutes without leaks"
    )
    row = {"TAIL": "N123", "DATE": "2010-04-02", "PROBLEM": "pump noisy", "ACTION": action}
    facts = record_facts(record_chunk(row), LOGBOOK, Lexicon.load(), rules_extractor.scan)
    actions = {m.name for m in facts.mentions if m.label == "Action"}
    assert action not in actions
    assert "replace" in actions  # the lexicon's canonical action found inside the cell


def test_a_record_is_history_the_asset_had_the_problem_and_an_action_resolved_it(rules_extractor):
    facts = record_facts(record_chunk(ROW), MAPPING, Lexicon.load(), rules_extractor.scan)
    history = {(r.type, r.head, r.tail, r.properties.get("date")) for r in facts.relations}
    work_order = facts.mentions[0].key
    assert ("HAD", "Equipment:A", "FailureMode:leak", "2005-03-20") in history
    assert ("HAD", "Equipment:A", "FailureMode:missing loose", "2005-03-20") in history
    assert ("RESOLVED_BY", work_order, "Action:replace", "2005-03-20") in history
    # Components are where the problem is, not what the asset had.
    assert not [r for r in facts.relations if r.type == "HAD" and r.tail.startswith("Component:")]


def test_no_history_without_an_asset_or_a_problem():
    no_asset = record_facts(record_chunk({**ROW, "Asset": "NA"}), MAPPING)
    assert not [r for r in no_asset.relations if r.type == "HAD"]
    assert [r for r in no_asset.relations if r.type == "RESOLVED_BY"]  # the order still fixed something
    routine = RecordMapping(columns=MAPPING.columns, date="BscStartDate")
    facts = record_facts(record_chunk({**ROW, "FM": "NA"}), routine)
    # Nothing reported and no problem text: an action done, not a problem resolved.
    assert not [r for r in facts.relations if r.type in ("HAD", "RESOLVED_BY")]
    assert [r for r in facts.relations if r.type == "HAS_ACTION"]


def test_an_undated_record_gives_undated_history():
    facts = record_facts(record_chunk({**ROW, "BscStartDate": "someday"}), MAPPING)
    had = [r for r in facts.relations if r.type == "HAD"]
    assert had and all("date" not in r.properties for r in had)
