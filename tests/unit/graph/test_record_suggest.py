"""The record-mapping suggester on the real NIST excavator headers and on harder exports."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from graph.errors import MappingError
from graph.record_suggest import (
    ColumnRole,
    build_mapping,
    mapping_warnings,
    normalize_header,
    roles_from_json,
    roles_to_json,
    suggest_roles,
)
from graph.records import ChunkInput, record_facts

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "sample_data" / "records" / "excavator-work-orders.csv"
SLICE = ROOT / "tests" / "integration" / "graph" / "data" / "excavators_slice.csv"


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return list(rows[0]), rows


def roles_by_column(columns, records):  # type: ignore[no-untyped-def]
    return {r.column: r for r in suggest_roles(columns, records)}


def test_it_maps_the_sample_work_order_export():
    roles = roles_by_column(*read_csv(SAMPLE))
    assert {c: r.role for c, r in roles.items()} == {
        "BscStartDate": "date",
        "Asset": "equipment",
        "OriginalShorttext": "text",
        "PMType": "property",
        "Cost": "cost",
    }
    assert all(r.reason for r in roles.values())


def test_it_maps_the_gold_columns_of_the_nestor_slice_with_their_separators():
    roles = roles_by_column(*read_csv(SLICE))
    assert roles["MajorSystem"].role == "component" and roles["MajorSystem"].split == "_"
    assert roles["Part"].role == "part" and roles["Part"].split == "_"
    assert roles["Action"].role == "action" and roles["FM"].role == "failure_mode"
    assert roles["OriginalShorttext"].role == "text"
    assert roles["Comments"].role == "property"  # a second free-text column: one text column only


def test_the_sample_mapping_produces_work_orders_with_date_asset_and_cost():
    columns, records = read_csv(SAMPLE)
    mapping = build_mapping(suggest_roles(columns, records))
    chunk = ChunkInput("c1", "col", "doc", "v1", "", kind="record", record=records[0])
    facts = record_facts(chunk, mapping)
    work_order = facts.mentions[0]
    assert work_order.label == "WorkOrder"
    assert work_order.properties["date"] == "2004-07-01" and work_order.properties["cost"] == 183.05
    assert ("PERFORMED_ON", "Equipment:A") in {(r.type, r.tail) for r in facts.relations}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("BscStartDate", "bsc start date"),
        ("PMType", "pm type"),
        ("WO#", "wo #"),
        ("Work_Order No.", "work order no"),
        ("OriginalShorttext", "original shorttext"),
    ],
)
def test_it_normalizes_headers(header, expected):
    assert normalize_header(header) == expected


def test_it_recognises_other_names_for_the_same_roles():
    columns = [
        "WO#",
        "Equipment Tag",
        "Date Completed",
        "Failure Code",
        "Fault Code",
        "Parts Used",
        "Technician",
        "Work Description",
        "Total Cost ($)",
        "Root Cause",
        "Sub-System",
    ]
    records = [
        {
            "WO#": f"WO-{1000 + i}",
            "Equipment Tag": f"P-10{i % 3}",
            "Date Completed": f"2023-0{1 + i % 9}-1{i % 9}",
            "Failure Code": "LEAK",
            "Fault Code": f"E-4{i % 5}",
            "Parts Used": "2906-0565-00; 2906-0566-00",
            "Technician": "J. Smith",
            "Work Description": f"replaced seal on pump after leak number {i}",
            "Total Cost ($)": f"{100 + i}.50",
            "Root Cause": "worn seal",
            "Sub-System": "hydraulics",
        }
        for i in range(20)
    ]
    roles = {c: r for c, r in roles_by_column(columns, records).items()}
    assert {c: r.role for c, r in roles.items()} == {
        "WO#": "work_order_id",
        "Equipment Tag": "equipment",
        "Date Completed": "date",
        "Failure Code": "failure_mode",
        "Fault Code": "error_code",
        "Parts Used": "part",
        "Technician": "person",
        "Work Description": "text",
        "Total Cost ($)": "cost",
        "Root Cause": "cause",
        "Sub-System": "component",
    }
    assert roles["Parts Used"].split == ";"


def test_without_a_date_column_it_maps_no_date_and_warns():
    columns = ["Unit", "Problem", "Action Taken"]
    records = [
        {"Unit": "T-12", "Problem": "engine will not start in cold weather", "Action Taken": "replace"}
    ] * 5
    roles = suggest_roles(columns, records)
    assert "date" not in {r.role for r in roles}
    assert build_mapping(roles).date is None
    assert any("No date column" in w for w in mapping_warnings(roles))


def test_values_decide_for_unnamed_columns_and_overrule_misleading_headers():
    columns = ["When", "Date Code", "Notes2"]
    records = [
        {"When": dt.date(2021, 3, i + 1), "Date Code": f"X{i}", "Notes2": f"checked hose {i} and clamp"}
        for i in range(10)
    ]
    roles = roles_by_column(columns, records)
    assert roles["When"].role == "date"  # typed dates, no date word in the header
    assert roles["Date Code"].role == "property"  # "date" in the header, but the cells are not dates
    assert roles["Notes2"].role == "text"


def test_only_one_column_gets_each_scalar_role():
    columns = ["Start Date", "Finish Date", "Description", "Comments"]
    records = [
        {
            "Start Date": "2020-01-01",
            "Finish Date": "2020-01-02",
            "Description": "fix the pump now",
            "Comments": "ok then it was done",
        }
    ] * 3
    roles = suggest_roles(columns, records)
    assert [r.role for r in roles].count("date") == 1 and [r.role for r in roles].count("text") == 1


def test_an_empty_column_is_ignored():
    roles = roles_by_column(["Asset", "Spare1"], [{"Asset": "A", "Spare1": ""}] * 3)
    assert roles["Spare1"].role == "ignore"


def test_build_mapping_refuses_two_columns_for_one_scalar_role():
    with pytest.raises(MappingError, match="only one column"):
        build_mapping([ColumnRole("a", "date"), ColumnRole("b", "date")])


def test_unknown_roles_and_separators_are_refused():
    with pytest.raises(MappingError, match="unknown role"):
        ColumnRole("a", "colour")
    with pytest.raises(MappingError, match="separator"):
        ColumnRole("a", "part", split="#")


def test_roles_round_trip_through_json():
    roles = suggest_roles(*read_csv(SLICE))
    assert roles_from_json(roles_to_json(roles)) == [
        ColumnRole(r.column, r.role, r.split, round(r.confidence, 2), r.reason) for r in roles
    ]
    with pytest.raises(MappingError):
        roles_from_json([{"role": "date"}])


def test_a_logbooks_free_text_action_column_enters_the_graph_beside_the_problem():
    records = [
        {
            "IDENT": str(i),
            "DATE": f"2010-0{1 + i % 9}-1{i % 10}",
            "PROBLEM": f"left engine rough at idle during run up number {i}",
            "ACTION": f"removed and cleaned spark plugs on cylinder {i} and ran up engine ok",
        }
        for i in range(20)
    ]
    roles = {r.column: r.role for r in suggest_roles(list(records[0]), records)}
    assert roles["PROBLEM"] == "text"
    assert roles["ACTION"] == "action_text"
    mapping = build_mapping(suggest_roles(list(records[0]), records))
    assert (mapping.text, mapping.action_text) == ("PROBLEM", "ACTION")


def test_a_corrective_action_header_is_an_action():
    records = [{"Corrective action": "replaced seal"}, {"Corrective action": "adjusted valve"}]
    assert suggest_roles(["Corrective action"], records)[0].role == "action"
