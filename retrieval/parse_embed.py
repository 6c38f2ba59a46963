"""Parse, chunk and embed one document with the embedding running while the parser still reads.

The parser runs in a child process (``parse_file(..., on_blocks=...)`` sends the blocks that can
no longer change, page by page, over a pipe); the calling thread cuts them at headings (a chunk
never spans a heading), chunks each finished section with the same ``chunk_document`` and embeds
its texts. When the parse ends the whole document is chunked once more, exactly as without any
overlap, and every chunk whose embedding text was already embedded reuses that vector; only the
rest (a section's stub merged across a cut, a title guessed before the metadata said otherwise)
is embedded then. The chunks and vectors are therefore those of parse -> chunk -> embed run one
after the other; only the time differs.

Status: measured in the heavy slot it is slower than parsing, then embedding (sample manual 0.53x
vs 0.78x the embedder alone, LinuxCNC manual 0.56x vs 0.84x; docs/BENCH_RETRIEVAL.md): the
consumer reads the pipe only between batches of 32 at one torch thread, so the parser waits on
a full pipe. The portal's ingest does not use it.

Why a process: the layout code is Python and holds the GIL; beside it, a torch forward pass
waits for the GIL between its many small operations (measured: 32 texts took 1.9 s alone and
4.1 s beside a parsing thread). ``parser="thread"`` keeps the parser in a thread (for a caller
that may not start processes, e.g. a daemonic worker). The child comes from a fork server
(started once per process, with the parser modules preloaded), not a fork of this process and
its torch threads. ``embedder_while_parsing`` lets the caller embed with fewer torch threads
until the parse ends, so parser + embedder stay within the cores (bench/ingest_pipeline.py).
"""

from __future__ import annotations

import functools
import importlib
import multiprocessing
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.chunk import TokenCounter, chunk_document
from retrieval.config import ChunkConfig, ParseConfig
from retrieval.embed import Embedder
from retrieval.types import Block, BlockKind, Chunk, DocumentMetadata, FileKind, ParsedDocument


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
    parser: str = "process",
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
        progress: the parser's page progress (called in this thread).
        parser: "process" (a child process parses) or "thread".

    Returns:
        Document, chunks and vectors identical to running the three steps in turn.

    Raises:
        Whatever ``parse_file``, ``chunk_document`` or the embedder raise; a parse error is
        raised here with its type and message once the parser has stopped.
    """
    if parser not in ("process", "thread"):
        raise ValueError(f"parser must be 'process' or 'thread', not {parser!r}")
    args = (str(path), name, kind, parse_config)
    early = _EarlyEmbedder(
        embedder_while_parsing or embedder, count_tokens, document_version, chunk_config, batch_size
    )
    source = _ProcessSource(args) if parser == "process" else _ThreadSource(args)
    try:
        document = early.run(source, progress)
    finally:
        source.stop()
    chunks = chunk_document(
        document, document_version=document_version, count_tokens=count_tokens, config=chunk_config
    )
    missing = list(dict.fromkeys(c.embed_text for c in chunks if c.embed_text not in early.vectors))
    missing.sort(key=len)  # batches of similar length pad less
    for start in range(0, len(missing), batch_size):
        texts = missing[start : start + batch_size]
        early.vectors.update(zip(texts, embedder.embed_documents(texts), strict=True))
    used = {c.embed_text for c in chunks}
    vectors = [early.vectors[c.embed_text] for c in chunks]
    return ParsedAndEmbedded(
        document=document,
        chunks=chunks,
        vectors=np.asarray(vectors, dtype=np.float32).reshape(len(chunks), -1),
        embedded_during_parse=len(used & early.during),
        embedded_after_parse=len(missing),
        discarded=len(early.during - used),
    )


# --- the parser's side: messages ("progress", done, total), ("blocks", delta document),
# ("done", document) or ("error", (module, class, args, attributes)) ---------------------------


def _parse_and_send(send: Callable[[tuple], None], args: tuple) -> None:
    from retrieval.parse import parse_file

    path, name, kind, config = args
    try:
        document = parse_file(
            path,
            name=name,
            kind=kind,
            config=config,
            progress=lambda done, total: send(("progress", done, total)),
            on_blocks=lambda delta: send(("blocks", delta)),
        )
    except Exception as e:
        send(("error", (type(e).__module__, type(e).__qualname__, e.args, dict(vars(e)))))
        return
    send(("done", document))


def _child(conn: Any, args: tuple) -> None:
    try:
        _parse_and_send(conn.send, args)
    finally:
        conn.close()


def _rebuild_error(spec: tuple) -> BaseException:
    """The parser's exception, same type and message (DocumentErrors do not pickle as such)."""
    module, qualname, args, attributes = spec
    cls: Any = importlib.import_module(module)
    for part in qualname.split("."):
        cls = getattr(cls, part, None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        return RuntimeError(f"{module}.{qualname}: {args}")
    error = cls.__new__(cls)
    error.args = args
    vars(error).update(attributes)
    return error


@functools.cache
def _fork_server() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(
        ["retrieval.parse_embed", "retrieval.parse.pdf", "pypdfium2", "pdfplumber"]
    )
    return context


def start_parser_server() -> None:
    """Start the fork server the parser processes come from (once per process; ~0.5 s).

    Without this, the first ``parse_chunk_embed`` pays for it.
    """
    from multiprocessing import forkserver

    _fork_server()
    forkserver.ensure_running()


class _ProcessSource:
    def __init__(self, args: tuple) -> None:
        context = _fork_server()
        self._conn, child_conn = context.Pipe(duplex=False)
        self._process = context.Process(target=_child, args=(child_conn, args), daemon=True)
        self._process.start()
        child_conn.close()

    def get(self, *, wait: bool) -> tuple | None:
        if not wait and not self._conn.poll():
            return None
        try:
            return self._conn.recv()
        except EOFError:
            return ("error", ("builtins", "RuntimeError", ("the parser process died",), {}))

    def stop(self) -> None:
        self._conn.close()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()


class _ThreadSource:
    def __init__(self, args: tuple) -> None:
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(
            target=_parse_and_send, args=(self._queue.put, args), name="parse-for-embed", daemon=True
        )
        self._thread.start()

    def get(self, *, wait: bool) -> tuple | None:
        try:
            return self._queue.get() if wait else self._queue.get_nowait()
        except queue.Empty:
            return None

    def stop(self) -> None:
        self._thread.join()


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
        self._blocks: list[Block] = []
        self._metadata: DocumentMetadata | None = None
        self._cut = 0  # blocks before this index have been chunked

    def run(self, source: Any, progress: Callable[[int, int], None] | None) -> ParsedDocument:
        """Consume the parser's messages until it is done; embed finished sections meanwhile."""
        while True:
            message = source.get(wait=not self._todo)
            while message is not None:
                kind = message[0]
                if kind == "done":
                    return message[1]
                if kind == "error":
                    raise _rebuild_error(message[1])
                if kind == "progress" and progress is not None:
                    progress(message[1], message[2])
                if kind == "blocks":
                    self._blocks.extend(message[1].blocks)
                    self._metadata = message[1].metadata
                message = source.get(wait=False)
            self._chunk_finished_sections()
            if self._todo:
                texts, self._todo = self._todo[: self.batch_size], self._todo[self.batch_size :]
                self.vectors.update(zip(texts, self.embedder.embed_documents(texts), strict=True))
                self.during.update(texts)

    def _chunk_finished_sections(self) -> None:
        blocks = self._blocks
        # the last heading closes every section before it; what follows may still grow
        end = next(
            (i for i in range(len(blocks) - 1, self._cut, -1) if blocks[i].kind is BlockKind.HEADING),
            None,
        )
        if end is None or self._metadata is None:
            return
        section = ParsedDocument(blocks=blocks[self._cut : end], metadata=self._metadata)
        self._cut = end
        for chunk in chunk_document(
            section, document_version=self.version, count_tokens=self.count_tokens, config=self.config
        ):
            if chunk.embed_text not in self._queued:
                self._queued.add(chunk.embed_text)
                self._todo.append(chunk.embed_text)
