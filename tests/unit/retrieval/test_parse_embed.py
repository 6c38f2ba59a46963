"""Embedding while the PDF is still being parsed gives the same chunks and vectors as in turn.

The embedder here is the hashing ``FakeEmbedder`` behind the ``Embedder`` interface; the real
MiniLM goes through the same calls in bench/ingest_pipeline.py, which also compares the vectors
of both ways.
"""

from pathlib import Path

import numpy as np
import pytest

from retrieval.chunk import chunk_document, whitespace_token_count
from retrieval.config import ChunkConfig
from retrieval.embed import FakeEmbedder
from retrieval.errors import ParseError
from retrieval.parse import parse_file
from retrieval.parse_embed import _EarlyEmbedder, parse_chunk_embed

ROOT = Path(__file__).resolve().parents[3]
MANUAL = ROOT / "sample_data" / "manuals" / "linuxcnc-integrator-information.pdf"
CONFIG = ChunkConfig(max_tokens=200)


class _Recording(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__(dim=64)
        self.calls = 0

    def embed_documents(self, texts):  # type: ignore[no-untyped-def]
        self.calls += 1
        return super().embed_documents(texts)


def _in_turn(path: Path):  # type: ignore[no-untyped-def]
    document = parse_file(path)
    chunks = chunk_document(
        document, document_version="7", count_tokens=whitespace_token_count, config=CONFIG
    )
    return document, chunks, FakeEmbedder(dim=64).embed_documents([c.embed_text for c in chunks])


@pytest.mark.parametrize("parser", ["process", "thread"])
def test_overlapped_ingest_equals_parse_then_chunk_then_embed(parser):
    pages = []
    result = parse_chunk_embed(
        MANUAL,
        document_version="7",
        count_tokens=whitespace_token_count,
        embedder=FakeEmbedder(dim=64),
        chunk_config=CONFIG,
        progress=lambda done, total: pages.append((done, total)),
        parser=parser,
    )
    document, chunks, vectors = _in_turn(MANUAL)
    assert result.document.blocks == document.blocks
    assert result.chunks == chunks
    np.testing.assert_array_equal(result.vectors, vectors)
    assert pages == [(n, 20) for n in range(1, 21)]
    assert result.embedded_during_parse + result.embedded_after_parse == len({c.embed_text for c in chunks})


class _Scripted:
    """The parser's messages one at a time; between two, the consumer finds nothing new."""

    def __init__(self, messages):  # type: ignore[no-untyped-def]
        self.messages = list(messages)
        self.handed = 0

    def get(self, *, wait):  # type: ignore[no-untyped-def]
        if not wait and self.handed % 2:
            self.handed += 1
            return None
        self.handed += 1
        return self.messages.pop(0)


def test_finished_sections_are_embedded_before_the_parse_ends():
    deltas = []
    document = parse_file(MANUAL, on_blocks=deltas.append)
    assert len(deltas) > 10 and sum(len(d.blocks) for d in deltas) < len(document.blocks)
    embedder = _Recording()
    early = _EarlyEmbedder(embedder, whitespace_token_count, "7", CONFIG, batch_size=4)
    source = _Scripted([("blocks", d) for d in deltas] + [("done", document)])
    assert early.run(source, None) is document
    chunks = chunk_document(
        document, document_version="7", count_tokens=whitespace_token_count, config=CONFIG
    )
    assert embedder.calls > 5
    assert len(early.during & {c.embed_text for c in chunks}) > len(chunks) // 2


@pytest.mark.parametrize("parser", ["process", "thread"])
def test_a_parse_error_reaches_the_caller(tmp_path, parser):
    data = MANUAL.read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ParseError, match="cut.pdf: truncated PDF") as e:
        parse_chunk_embed(
            path,
            document_version="7",
            count_tokens=whitespace_token_count,
            embedder=FakeEmbedder(dim=64),
            parser=parser,
        )
    assert e.value.file == "cut.pdf" and e.value.is_transient is False


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
