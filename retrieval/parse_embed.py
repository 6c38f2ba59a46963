"""Parse, chunk and embed one document with the embedding running while the parser still reads.

A producer thread parses (``parse_file(..., on_blocks=...)`` hands over the blocks that can no
longer change, page by page); the calling thread cuts them at headings (a chunk never spans a
heading), chunks each finished section with the same ``chunk_document`` and embeds its texts.
When the parse ends the whole document is chunked once more, exactly as without any overlap,
and every chunk whose embedding text was already embedded reuses that vector; only the rest
(a section's last stub merged across a cut, a title guessed before the metadata said otherwise)
is embedded then. The chunks and vectors are therefore those of parse -> chunk -> embed run one
after the other; only the time differs.

Thread budget: the parser is one Python thread (pdfium's C calls release the GIL, the layout
code holds it). ``embedder_while_parsing`` lets the caller embed with fewer torch threads until
the parse ends, so parser + embedder stay within the cores (measured in bench/ingest_pipeline.py).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.chunk import TokenCounter, chunk_document
from retrieval.config import ChunkConfig, ParseConfig
from retrieval.embed import Embedder
from retrieval.types import BlockKind, Chunk, FileKind, ParsedDocument

_DONE = object()


@dataclass
class ParsedAndEmbedded:
    """The outcome, with how much of the embedding overlapped the parse.

    Attributes:
        document: the parsed document (as ``parse_file`` returns it).
        chunks: ``chunk_document(document, ...)``.
        vectors: one row per chunk, in chunk order.
        embedded_during_parse: vectors computed while the parser was still running and used.
        embedded_after_parse: vectors computed after it ended.
        discarded: vectors computed during the parse whose text did not survive into the chunks.
    """

    document: ParsedDocument
    chunks: list[Chunk]
    vectors: np.ndarray
    embedded_during_parse: int
    embedded_after_parse: int
    discarded: int


def parse_chunk_embed(
    path: str | Path,
    *,
    document_version: str,
    count_tokens: TokenCounter,
    embedder: Embedder,
    embedder_while_parsing: Embedder | None = None,
    name: str | None = None,
    kind: FileKind | None = None,
    parse_config: ParseConfig | None = None,
    chunk_config: ChunkConfig | None = None,
    batch_size: int = 32,
    progress: Callable[[int, int], None] | None = None,
) -> ParsedAndEmbedded:
    """Parse, chunk and embed one file, embedding while the parse runs.

    Args:
        path: the file.
        document_version: seeds the chunk ids (as ``chunk_document``).
        count_tokens: the embedder's token counter.
        embedder: embeds what is left once the parse has ended.
        embedder_while_parsing: embeds during the parse (e.g. the same model at fewer torch
            threads); defaults to ``embedder``.
        name, kind, parse_config: as ``parse_file``.
        chunk_config: as ``chunk_document``.
        batch_size: texts per embedding call.
        progress: the parser's page progress.

    Returns:
        Document, chunks and vectors identical to running the three steps in turn.

    Raises:
        Whatever ``parse_file``, ``chunk_document`` or the embedder raise (a parse error is
        re-raised in the calling thread once the parser thread has stopped).
    """
    from retrieval.parse import parse_file

    handoff: queue.Queue = queue.Queue()
    outcome: dict[str, object] = {}

    def produce() -> None:
        try:
            outcome["document"] = parse_file(
                path,
                name=name,
                kind=kind,
                config=parse_config,
                progress=progress,
                on_blocks=handoff.put,
            )
        except BaseException as e:  # handed to the calling thread, raised there
            outcome["error"] = e
        finally:
            handoff.put(_DONE)

    parser = threading.Thread(target=produce, name="parse-for-embed", daemon=True)
    parser.start()
    early = _EarlyEmbedder(
        embedder_while_parsing or embedder, count_tokens, document_version, chunk_config, batch_size
    )
    try:
        early.run(handoff)
    finally:
        parser.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    document = outcome["document"]
    assert isinstance(document, ParsedDocument)
    chunks = chunk_document(
        document, document_version=document_version, count_tokens=count_tokens, config=chunk_config
    )
    missing = list(dict.fromkeys(c.embed_text for c in chunks if c.embed_text not in early.vectors))
    for start in range(0, len(missing), batch_size):
        texts = missing[start : start + batch_size]
        early.vectors.update(zip(texts, embedder.embed_documents(texts), strict=True))
    used = {c.embed_text for c in chunks}
    vectors = np.stack([early.vectors[c.embed_text] for c in chunks]) if chunks else np.zeros((0, 0))
    return ParsedAndEmbedded(
        document=document,
        chunks=chunks,
        vectors=np.asarray(vectors, dtype=np.float32),
        embedded_during_parse=len(used & early.during),
        embedded_after_parse=len(missing),
        discarded=len(early.during - used),
    )


class _EarlyEmbedder:
    """Consumes the parser's partial documents: chunks finished sections, embeds their texts."""

    def __init__(
        self,
        embedder: Embedder,
        count_tokens: TokenCounter,
        version: str,
        config: ChunkConfig | None,
        batch_size: int,
    ) -> None:
        self.embedder = embedder
        self.count_tokens = count_tokens
        self.version = version
        self.config = config
        self.batch_size = batch_size
        self.vectors: dict[str, np.ndarray] = {}
        self.during: set[str] = set()
        self._todo: list[str] = []
        self._queued: set[str] = set()
        self._cut = 0  # blocks before this index have been chunked

    def run(self, handoff: queue.Queue) -> None:
        while True:
            latest, done = self._drain(handoff, wait=not self._todo)
            if latest is not None:
                self._chunk_finished_sections(latest)
            if done:
                return
            if self._todo:
                texts, self._todo = self._todo[: self.batch_size], self._todo[self.batch_size :]
                self.vectors.update(zip(texts, self.embedder.embed_documents(texts), strict=True))
                self.during.update(texts)

    @staticmethod
    def _drain(handoff: queue.Queue, *, wait: bool) -> tuple[ParsedDocument | None, bool]:
        """The newest partial document waiting (each one contains the ones before it)."""
        latest = None
        try:
            item = handoff.get() if wait else handoff.get_nowait()
            while True:
                if item is _DONE:
                    return latest, True
                latest = item
                item = handoff.get_nowait()
        except queue.Empty:
            return latest, False

    def _chunk_finished_sections(self, partial: ParsedDocument) -> None:
        blocks = partial.blocks
        # the last heading closes every section before it; what follows may still grow
        end = next(
            (i for i in range(len(blocks) - 1, self._cut, -1) if blocks[i].kind is BlockKind.HEADING),
            None,
        )
        if end is None:
            return
        section = ParsedDocument(blocks=blocks[self._cut : end], metadata=partial.metadata)
        self._cut = end
        for chunk in chunk_document(
            section, document_version=self.version, count_tokens=self.count_tokens, config=self.config
        ):
            if chunk.embed_text not in self._queued:
                self._queued.add(chunk.embed_text)
                self._todo.append(chunk.embed_text)
