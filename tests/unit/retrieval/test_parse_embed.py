"""Embedding while the PDF is still being parsed gives the same chunks and vectors as in turn.

The embedder here is the hashing ``FakeEmbedder`` behind the ``Embedder`` interface; the real
MiniLM goes through the same calls in bench/ingest_pipeline.py, which also compares the vectors
of both ways.
"""

import threading
from pathlib import Path

import numpy as np
import pytest

from retrieval.chunk import chunk_document, whitespace_token_count
from retrieval.config import ChunkConfig
from retrieval.embed import FakeEmbedder
from retrieval.errors import ParseError
from retrieval.parse import parse_file
from retrieval.parse_embed import parse_chunk_embed

ROOT = Path(__file__).resolve().parents[3]
MANUAL = ROOT / "sample_data" / "manuals" / "linuxcnc-integrator-information.pdf"
CONFIG = ChunkConfig(max_tokens=200)


class _Recording(FakeEmbedder):
    """Notes whether it was called while the parser was still on its pages."""

    def __init__(self) -> None:
        super().__init__(dim=64)
        self.first_call = threading.Event()
        self.calls = 0

    def embed_documents(self, texts):  # type: ignore[no-untyped-def]
        self.calls += 1
        self.first_call.set()
        return super().embed_documents(texts)


def _in_turn(path: Path):  # type: ignore[no-untyped-def]
    document = parse_file(path)
    chunks = chunk_document(
        document, document_version="7", count_tokens=whitespace_token_count, config=CONFIG
    )
    return document, chunks, FakeEmbedder(dim=64).embed_documents([c.embed_text for c in chunks])


def test_overlapped_ingest_equals_parse_then_chunk_then_embed():
    embedder = _Recording()
    pages_waited = []

    def progress(done: int, total: int) -> None:
        if done == total:  # hold the last page until the embedder has started on earlier ones
            pages_waited.append(embedder.first_call.wait(timeout=60))

    result = parse_chunk_embed(
        MANUAL,
        document_version="7",
        count_tokens=whitespace_token_count,
        embedder=embedder,
        chunk_config=CONFIG,
        progress=progress,
    )
    document, chunks, vectors = _in_turn(MANUAL)
    assert result.document.blocks == document.blocks
    assert result.chunks == chunks
    np.testing.assert_array_equal(result.vectors, vectors)
    assert pages_waited == [True]  # the embedder ran before the parser finished its pages
    assert result.embedded_during_parse > len(chunks) // 2
    assert result.embedded_during_parse + result.embedded_after_parse == len({c.embed_text for c in chunks})


def test_a_parse_error_reaches_the_caller(tmp_path):
    data = MANUAL.read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ParseError, match="cut.pdf"):
        parse_chunk_embed(
            path, document_version="7", count_tokens=whitespace_token_count, embedder=FakeEmbedder(dim=64)
        )


def test_formats_without_pages_are_embedded_after_the_parse():
    path = ROOT / "sample_data" / "manuals" / "nut-user-manual-overview.md"
    result = parse_chunk_embed(
        path,
        document_version="7",
        count_tokens=whitespace_token_count,
        embedder=FakeEmbedder(dim=64),
        chunk_config=CONFIG,
    )
    document, chunks, vectors = _in_turn(path)
    assert result.chunks == chunks
    np.testing.assert_array_equal(result.vectors, vectors)
    assert result.embedded_during_parse == 0
