"""bench/graph_eval.py --untouched reads each untouched set's document path and scored sections."""

import json

from bench.graph_eval import ROOT, path_sets, untouched_sets


def write(directory, name, **fields):
    relation = {"heading": "Q1", "type": "CAUSED_BY", "head": "pump trips", "tail": "worn seal"}
    (directory / name).write_text(json.dumps({"split": "untouched", "relations": [relation], **fields}))


def test_each_untouched_file_names_its_document_and_sections(tmp_path):
    write(
        tmp_path,
        "relations_untouched_pumps.json",
        path="sample_data/x/pumps.html",
        sections=["Common issues"],
    )
    write(tmp_path, "relations_untouched_valves.json", path="sample_data/x/valves.md", sections=None)
    write(tmp_path, "relations_dev_other.json", path="sample_data/x/other.md", sections=None)
    found = untouched_sets(tmp_path)
    assert [(name, path, whole, sections) for name, path, _, whole, sections in found] == [
        ("untouched_pumps", ROOT / "sample_data/x/pumps.html", False, ["Common issues"]),
        ("untouched_valves", ROOT / "sample_data/x/valves.md", True, None),  # null: the whole document
    ]
    assert found[0][2] == [("Q1", "CAUSED_BY", "pump trips", "worn seal")]


def test_seen_files_with_a_path_are_found_and_those_without_left_to_their_options(tmp_path):
    write(tmp_path, "relations_heldout_screen.json", path="sample_data/heldout/screen.txt", sections=None)
    write(tmp_path, "relations_heldout_nut.json")  # no path: asked for by --nut-faq
    found = path_sets(tmp_path, "heldout")
    assert [(name, path) for name, path, *_ in found] == [
        ("screen_held_out_seen", ROOT / "sample_data/heldout/screen.txt")
    ]
