"""A Chinese complaint against a Chinese fault table, on the real Neo4j (the Diagnose page's path).

Before han words (graph/han.py) the complaint "泵 轴承过热" had no content word at all: no chain was
linked and no passage scored, so the page said nothing matched while the table's row sat in the graph.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graph import ChunkInput, Resolver, VersionFacts, replace_version
from graph.diagnose import diagnose
from graph.diagnose_rank import PassageHit
from graph.resolve import Neo4jCandidates

from .conftest import file_chunks

pytestmark = [pytest.mark.integration, pytest.mark.serial]

MANUAL = Path(__file__).parents[3] / "sample_data" / "manuals_zh" / "kp50-pump-maintenance-zh.md"


def _chunks(collection: str) -> list[ChunkInput]:
    return file_chunks(MANUAL, collection, "kp50", "kp1")


@pytest.fixture
def pump(graph_db, extractor):
    chunks = _chunks("plant")
    facts = VersionFacts("plant", "kp50", "kp1", extractor.extract_many(chunks))
    resolved, _ = Resolver(candidates=Neo4jCandidates(graph_db)).resolve(facts)
    replace_version(graph_db, resolved)
    return graph_db, chunks


def test_a_chinese_complaint_finds_the_tables_cause_fix_and_part(pump, extractor):
    driver, _ = pump
    result = diagnose(driver, "泵的轴承过热怎么办", ["plant"], extractor)
    assert result.causes, "no cause for a symptom the fault table names"
    top = result.causes[0]
    assert top.name == "润滑油不足或油质变差"
    assert "补充或更换 ISO VG 68 润滑油" in [f.name for f in top.fixes]
    assert "KP-OIL-68" in top.parts
    assert all(step.cites for chain in top.chains for step in chain.steps)


def test_a_chinese_complaint_keeps_the_passages_it_is_handed_with_the_row_that_answers(pump, extractor):
    driver, chunks = pump
    table = next(c for c in chunks if "E-32" in c.text)
    other = next(c for c in chunks if "E-32" not in c.text and "盘车" in c.text)
    hits = [
        PassageHit(c.chunk_id, "kp50", c.page, c.text, " > ".join(c.heading_path)) for c in (table, other)
    ]
    # No readable collection: no graph read, so the list is the search's passages alone.
    result = diagnose(driver, "泵内有噼啪噪声", ["nobody"], extractor, passages=hits)
    assert [c.cites[0].chunk_id for c in result.causes][:1] == [table.chunk_id]
    assert "吸入压力过低引起汽蚀" in result.causes[0].excerpt


def test_a_translation_on_its_own_line_does_not_dilute_the_chinese_match(pump, extractor):
    driver, _ = pump
    # What the Diagnose page hands in: the complaint, then the search translator's English on its own line.
    result = diagnose(driver, "泵 过热 报警\nWhat is the warning message for the pump?", ["plant"], extractor)
    assert "润滑油不足或油质变差" in [c.name for c in result.causes[:3]]
