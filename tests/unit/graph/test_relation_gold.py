"""The hand-labelled relation sets of bench/graph_eval.py are well formed and point at real sections."""

import json
from pathlib import Path

import pytest

from bench.graph_eval import GOLD_DIR, load_gold, load_sections
from retrieval.chunk import chunk_document, whitespace_token_count
from retrieval.parse import parse_file

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("path", sorted(GOLD_DIR.glob("relations_*.json")), ids=lambda p: p.name)
def test_every_label_names_a_section_a_type_and_two_ends(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["split"] in ("dev", "held_out", "untouched") and data["how_labelled"]
    for heading, rel_type, head, tail in load_gold(path.name):
        assert rel_type in ("CAUSED_BY", "REMEDIED_BY")
        assert heading.strip() and head.strip() and tail.strip() and head != tail


@pytest.mark.parametrize(
    ("name", "document"),
    [
        ("relations_dev_mdadm_faq.json", "sample_data/dev/mdadm-faq.txt"),
        ("relations_dev_apcupsd.json", "sample_data/manuals/apcupsd-user-manual.html"),
        ("relations_dev_sudo.json", "sample_data/dev/sudo-troubleshooting.md"),
    ],
)
def test_dev_labels_point_at_sections_the_parser_finds(name, document):
    chunks = chunk_document(
        parse_file(ROOT / document), document_version="t", count_tokens=whitespace_token_count
    )
    headings = {h for c in chunks for h in c.heading_path}
    for heading, *_ in load_gold(name):
        assert any(h.startswith(heading) for h in headings), heading


def test_the_untouched_held_out_set_scores_whole_sections_and_says_where_its_text_comes_from():
    data = json.loads((GOLD_DIR / "relations_heldout_fetchmail_faq.json").read_text(encoding="utf-8"))
    assert data["split"] == "held_out" and "fetchmail 6.4.37-1" in data["document"]
    assert "apt-get download fetchmail=6.4.37-1" in data["fetch"]
    assert load_sections("relations_heldout_fetchmail_faq.json") == [
        "Runtime fatal errors",
        "Hangs and lockups",
    ]
    assert load_sections("relations_dev_apcupsd.json") is None
    assert len(load_gold("relations_heldout_fetchmail_faq.json")) == 64


def test_the_borg_held_out_set_names_its_package_and_scores_one_section():
    data = json.loads((GOLD_DIR / "relations_heldout_borg_faq.json").read_text(encoding="utf-8"))
    assert data["split"] == "held_out" and "borgbackup-doc 1.2.4-1" in data["document"]
    assert "apt-get download borgbackup-doc=1.2.4-1" in data["fetch"]
    assert "f835f36612cb2d289feb13898e12b56bb9c73205edee5a1dbc3e01946a21fe84" in data["document"]
    assert load_sections("relations_heldout_borg_faq.json") == ["Common issues \u00b6"]
    gold = load_gold("relations_heldout_borg_faq.json")
    assert len(gold) == 60 and {t for _, t, *_ in gold} == {"CAUSED_BY", "REMEDIED_BY"}
