"""The Diagnose page's passages for ``bench/diagnosis.py --retrieval hybrid``.

The page hands the engine what ``apps.diagnose.passages.search_passages`` finds with
``config.wiring.searcher()``: hybrid search (MiniLM dense + BM25 sparse, weighted RRF with the
settings' weights) over the passage index, which is Kenning's index server (embedded qdrant-edge)
behind ``QdrantIndex``. Here the same components are built by the same wiring, with the index
server's app run in a thread of this process over a temporary directory, and the benchmark's
chunks indexed as the ingest pipeline indexes passages (``apps/documents/pipeline.py``: MiniLM
vectors and BM25 sparse vectors of ``embed_text``, the multilingual vector when the settings turn
it on).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench._servers import free_port
from graph.diagnose_rank import PassageHit

#: The bench's own Qdrant collection name (the settings' default names the page's).
COLLECTION = "diagnosis_bench"


def page_wiring():  # type: ignore[no-untyped-def]
    """``config.wiring`` with the page's settings (``config/settings.py`` as a development machine
    reads them; what the environment sets, e.g. SEARCH_* weights or CHUNK_MAX_TOKENS, counts)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("KENNING_DEV", "true")
    from config import wiring

    return wiring


def page_chunking():  # type: ignore[no-untyped-def]
    """(token counter, chunk config) of the page's ingest: the embedder's tokenizer and
    CHUNK_MAX_TOKENS (``config.wiring.token_counter``, ``chunk_config``)."""
    wiring = page_wiring()
    return wiring.token_counter(), wiring.chunk_config()


class HybridPassages:
    """The page's hybrid search over the benchmark's chunks (a context manager: the index server
    thread and its temporary store live inside it).

    ``search(query, k)`` returns what the page would hand the engine for that complaint with
    ``k`` passages asked (``apps.diagnose.passages.search_passages``, no translator: the
    benchmark's complaints are English).
    """

    def __init__(self) -> None:
        self.tmp: tempfile.TemporaryDirectory | None = None
        self.server: Any = None
        self.thread: threading.Thread | None = None
        self.chunks = 0

    def __enter__(self) -> HybridPassages:
        import uvicorn

        from retrieval.index.server import create_app

        self.tmp = tempfile.TemporaryDirectory(prefix="diag-index-")
        port = free_port()
        app = create_app(Path(self.tmp.name) / "store", optimize_idle_s=0.2)
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        # The page's settings (config/settings.py), with the index pointed at this server: what the
        # environment sets (SEARCH_* weights, EMBEDDING_*) is read as the page reads it.
        # (set before the settings are first read: they read the environment once)
        os.environ["QDRANT_URL"] = f"http://127.0.0.1:{port}"
        os.environ["QDRANT_COLLECTION"] = COLLECTION
        os.environ.pop("QDRANT_API_KEY", None)
        wiring = page_wiring()
        from django.conf import settings

        # Settings read earlier in this process would point the benchmark at the real index.
        if settings.QDRANT_URL != os.environ["QDRANT_URL"]:
            raise SystemExit(
                f"settings were read before the benchmark's index: QDRANT_URL {settings.QDRANT_URL}"
            )
        for _ in range(300):
            try:
                wiring.vector_index()
                break
            except Exception:  # noqa: BLE001 - the server is still starting
                wiring.vector_index.cache_clear()
                time.sleep(0.1)
        else:
            raise SystemExit(f"the benchmark's index server on port {port} did not answer")
        self.wiring = wiring
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(30)
        if self.tmp is not None:
            self.tmp.cleanup()

    def index(self, chunks: Sequence[Any], collection: str) -> None:
        """Index ``(document_id, version, chunk)`` triples of ``retrieval.chunk`` chunks."""
        from retrieval.index.base import IndexPoint
        from retrieval.language import detect_language

        wiring = self.wiring
        embedder, encoder, multilingual = (
            wiring.embedder(),
            wiring.bm25_encoder(),
            wiring.multilingual_embedder(),
        )
        texts = [c.embed_text for _, _, c in chunks]
        vectors = embedder.embed_documents(texts)
        vectors_ml = multilingual.embed_documents(texts) if multilingual else None
        idx = wiring.vector_index()
        idx.ensure_collection(len(vectors[0]), ml_dim=multilingual.dim if multilingual else None)
        idx.upsert(
            [
                IndexPoint(
                    chunk_id=c.chunk_id,
                    vector=vectors[i],
                    vector_ml=vectors_ml[i] if vectors_ml is not None else None,
                    collection_id=collection,
                    document_id=document,
                    version_id=version,
                    text=c.text,
                    page=c.page_start,
                    heading_path=tuple(c.heading_path),
                    kind=c.kind.value if hasattr(c.kind, "value") else str(c.kind),
                    sparse=encoder.encode_document(c.embed_text, collection),
                    extra={"ordinal": c.ordinal, "row_number": c.row_number, "lang": detect_language(c.text)},
                )
                for i, (document, version, c) in enumerate(chunks)
            ]
        )
        self.chunks += len(chunks)

    def search(self, query: str, collection: str, k: int) -> list[PassageHit]:
        from apps.diagnose.passages import search_passages

        return search_passages(self.wiring.searcher(), None, query, [collection], k)

    def conditions(self) -> dict[str, object]:
        """What the numbers were measured with (embedder, weights, corpus size)."""
        from django.conf import settings

        embedder = self.wiring.embedder()
        searcher = self.wiring.searcher()
        return {
            "embedder": f"{Path(self.wiring.embedding_model_path()).parent.name} "
            f"(dim {embedder.dim}, max_seq_length {embedder.max_tokens}, "
            f"{settings.EMBEDDING_THREADS} torch thread)",
            "multilingual_vector": bool(self.wiring.multilingual_embedder()),
            "search_config": {
                k: getattr(searcher.config, k)
                for k in (
                    "dense_weight",
                    "sparse_weight",
                    "dense_ml_weight",
                    "rrf_k",
                    "candidates_per_source",
                )
                if hasattr(searcher.config, k)
            },
            "index": "retrieval.index.server (qdrant-edge) in-process, via QdrantIndex",
            "chunks_indexed": self.chunks,
        }
