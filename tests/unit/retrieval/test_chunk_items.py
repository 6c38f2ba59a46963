"""A labelled troubleshooting item ("SYMPTOM: …" / "PROBLEM:" / "SOLUTION:") that fits a chunk is
not cut between two chunks: the SANE Plustek FAQ's second item had its solution open the next chunk,
away from the symptom that names it."""

from retrieval.chunk import chunk_document, whitespace_token_count
from retrieval.config import ChunkConfig
from retrieval.parse import BlockBuilder
from retrieval.types import BlockKind, DocumentMetadata, FileKind, ParsedDocument

BUDGET = ChunkConfig(max_tokens=40)


def _chunks(builder):
    document = ParsedDocument(
        blocks=builder.blocks, metadata=DocumentMetadata(title="Pump", kind=FileKind.TEXT)
    )
    return chunk_document(
        document, document_version="d@v1", count_tokens=whitespace_token_count, config=BUDGET
    )


def _item(builder, symptom, cause, remedy):
    builder.add(BlockKind.PARAGRAPH, f"SYMPTOM: {symptom}")
    builder.add(BlockKind.PARAGRAPH, "PROBLEM:")
    builder.add(BlockKind.PARAGRAPH, cause)
    builder.add(BlockKind.PARAGRAPH, "SOLUTION:")
    builder.add(BlockKind.PARAGRAPH, remedy)


def test_an_item_that_fits_a_chunk_starts_a_new_one_rather_than_being_cut():
    builder = BlockBuilder()
    builder.heading("Troubleshooting", 1)
    _item(builder, "The pump hums", "The impeller is jammed by debris in the housing.", "Free the impeller.")
    _item(
        builder, "The display stays dark", "The display cable is loose.", "Reseat the display cable firmly and check its plug for bent pins."
    )
    chunks = _chunks(builder)
    assert [c.text.splitlines()[0] for c in chunks] == [
        "SYMPTOM: The pump hums",
        "SYMPTOM: The display stays dark",
    ]
    assert chunks[1].text.endswith("Reseat the display cable firmly and check its plug for bent pins.")


def test_items_that_fit_together_share_a_chunk_and_prose_is_unchanged():
    builder = BlockBuilder()
    builder.heading("Troubleshooting", 1)
    _item(builder, "The pump hums", "Jammed.", "Free it.")
    _item(builder, "No display", "Loose cable.", "Reseat it.")
    assert len(_chunks(builder)) == 1
    prose = BlockBuilder()
    prose.heading("Notes", 1)
    for i in range(6):
        prose.add(BlockKind.PARAGRAPH, " ".join(["word"] * 9) + f" {i}")
    assert [len(c.text.split()) for c in _chunks(prose)] == [30, 30]
