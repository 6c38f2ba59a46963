"""A passage cut after its lead-in gets the first lines of the next chunk of its section."""

import pytest

from retrieval.continuation import with_continuations
from retrieval.embed import FakeEmbedder
from retrieval.index import IndexPoint, MemoryIndex
from retrieval.search import Passage
from retrieval.types import make_chunk_id

LEAD = "apcupsd gave up after 30 seconds. Some of the possible sources of the problem are:"
LIST = "\n".join(
    [
        "You have not configured the correct serial port name.",
        "You have logins enabled on the serial port.",
        "You are using an incorrect cable.",
    ]
)


def _words(text):
    return len(text.split())


def _point(embedder, version, ordinal, text, collection="1", heading=("Testing",), kind="paragraph"):
    return IndexPoint(
        make_chunk_id(version, ordinal),
        embedder.embed_documents([text])[0],
        collection,
        "doc",
        version,
        text,
        heading_path=heading,
        kind=kind,
        extra={"ordinal": ordinal},
    )


def _passage(index, chunk_id):
    hit = index.retrieve([chunk_id])[0]
    return Passage(chunk_id, 1.0, {"dense": 0.5}, {"dense": 1}, hit.payload)


@pytest.fixture
def index():
    embedder = FakeEmbedder(dim=32)
    idx = MemoryIndex()
    idx.ensure_collection(embedder.dim)
    idx.upsert(
        [
            _point(embedder, "7", 0, LEAD),
            _point(embedder, "7", 1, LIST),
            _point(embedder, "7", 2, "Other section lead-in:", heading=("Other",)),
            _point(embedder, "7", 3, "Not the same section.", heading=("Next",)),
            _point(embedder, "9", 0, "A secret collection's lead-in:", collection="2"),
            _point(embedder, "9", 1, "Secret list item.", collection="2"),
        ]
    )
    return idx


def test_a_lead_in_brings_the_first_lines_of_the_next_chunk(index):
    first = _passage(index, make_chunk_id("7", 0))
    [out] = with_continuations([first], index, ["1"], _words)
    assert out.text == f"{LEAD}\n{LIST}"
    assert out.payload["continued_from"] == make_chunk_id("7", 1)
    assert out.chunk_id == first.chunk_id and out.scores == first.scores


def test_the_allowance_keeps_whole_lines(index):
    [out] = with_continuations([_passage(index, make_chunk_id("7", 0))], index, ["1"], _words, max_tokens=17)
    assert out.text.endswith("You have logins enabled on the serial port.")
    assert "incorrect cable" not in out.text


def test_a_long_line_gives_its_whole_first_sentences():
    embedder = FakeEmbedder(dim=32)
    idx = MemoryIndex()
    idx.ensure_collection(embedder.dim)
    lines = ["Check these:", "One two three. Four five."]
    idx.upsert([_point(embedder, "5", n, line) for n, line in enumerate(lines)])
    [out] = with_continuations([_passage(idx, make_chunk_id("5", 0))], idx, ["1"], _words, max_tokens=4)
    assert out.text == "Check these:\nOne two three."


def test_no_continuation_across_sections_collections_or_without_a_lead_in(index):
    passages = [
        _passage(index, make_chunk_id("7", 1)),  # no lead-in
        _passage(index, make_chunk_id("7", 2)),  # next chunk is another section
        _passage(index, make_chunk_id("9", 0)),  # next chunk's collection not readable
    ]
    out = with_continuations(passages, index, ["1"], _words)
    assert [p.text for p in out] == [p.text for p in passages]
    assert not any("continued_from" in p.payload for p in out)


def test_a_record_with_an_empty_last_field_is_not_continued():
    embedder = FakeEmbedder(dim=32)
    idx = MemoryIndex()
    idx.ensure_collection(embedder.dim)
    rows = ["Asset: E; Shorttext: REPLACE CMS CARD; Cost:", "Asset: D; Shorttext: Repair handrail"]
    idx.upsert([_point(embedder, "3", n, row, kind="record") for n, row in enumerate(rows)])
    [out] = with_continuations([_passage(idx, make_chunk_id("3", 0))], idx, ["1"], _words)
    assert out.text == rows[0]


def test_neighbour_chunk_ids_come_from_the_version_and_ordinal():
    from retrieval.types import neighbour_chunk_id

    payload = {"version_id": "7", "ordinal": 1}
    assert neighbour_chunk_id(payload, 1) == make_chunk_id("7", 2)
    assert neighbour_chunk_id(payload, -1) == make_chunk_id("7", 0)
    assert neighbour_chunk_id(payload, -2) is None  # before the first chunk
    assert neighbour_chunk_id({"version_id": "7"}, 1) is None
    assert neighbour_chunk_id({"ordinal": 3}, 1) is None
