"""Q&A view tests run the real pipeline with in-memory stand-ins behind the real interfaces:
MemoryIndex + FakeEmbedder for Qdrant and sentence-transformers, a scripted model client for the
model server (the real ones have integration tests). The graph stage is switched off here; it is
covered against a real Neo4j in tests/integration/qa."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from config import wiring
from model.client import ChatResult
from model.routing import AvailableModel
from retrieval.embed import FakeEmbedder
from retrieval.index.base import IndexPoint
from retrieval.index.memory import MemoryIndex
from retrieval.search import HybridSearcher
from retrieval.sparse import Bm25Encoder


class ScriptedStream:
    """Same shape as model.client.ChatStream: iterate deltas, then read .result."""

    def __init__(self, parts: list[str], result: ChatResult) -> None:
        self._parts, self._final = parts, result
        self.result: ChatResult | None = None

    def __iter__(self) -> Iterator[str]:
        yield from self._parts
        self.result = self._final


class ScriptedModelClient:
    """Answers with a scripted reply (the next of ``replies`` while there are any) and records the
    messages and options it was sent."""

    def __init__(self) -> None:
        self.reply = "Replace the battery [1]."
        self.replies: list[str] = []
        self.calls: list[list[dict[str, str]]] = []
        self.options: list[dict[str, object]] = []
        self.error: Exception | None = None

    def stream_chat(self, messages, profile=None, **options):  # type: ignore[no-untyped-def]
        self.calls.append(messages)
        self.options.append(options)
        if self.error:
            raise self.error
        reply = self.replies.pop(0) if self.replies else self.reply
        words = reply.split(" ")
        parts = [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]
        timings = {"tokens_per_s": 50.0, "ttft_ms": 5.0, "cache_hit": False, "tokens_reused": 0}
        return ScriptedStream(parts, ChatResult("", "stop", {"completion_tokens": len(parts)}, timings))


class QaWorld:
    def __init__(self) -> None:
        self.index = MemoryIndex()
        self.embedder = FakeEmbedder()
        self.sparse = Bm25Encoder()
        self.model = ScriptedModelClient()
        self.index.ensure_collection(self.embedder.dim)

    def add_passage(
        self,
        chunk_id: str,
        text: str,
        collection_id: int,
        page: int = 1,
        *,
        title: str = "UPS manual",
        is_live: bool = True,
        **extra,
    ) -> None:  # type: ignore[no-untyped-def]
        version = _ready_version(collection_id, title, is_live)
        vector = self.embedder.embed_documents([text])[0]
        self.index.upsert(
            [
                IndexPoint(
                    chunk_id=chunk_id,
                    vector=vector,
                    collection_id=collection_id,
                    document_id=version.document_id,
                    version_id=version.pk,
                    text=text,
                    page=page,
                    heading_path=("Troubleshooting",),
                    kind="paragraph",
                    sparse=self.sparse.encode_document(text, collection_id),
                    extra=extra,
                )
            ]
        )


def _ready_version(collection_id: int, title: str, is_live: bool):  # type: ignore[no-untyped-def]
    from apps.documents.models import Document, DocumentVersion, Status

    document, _ = Document.objects.get_or_create(collection_id=collection_id, title=title)
    number = document.versions.count() + 1
    version = DocumentVersion.objects.create(
        document=document,
        number=number,
        content_hash=f"{title}{number}",
        file_path="x",
        original_name=f"{title}.md",
        size_bytes=1,
        status=Status.READY if is_live else Status.INGESTING,
    )
    if is_live:
        document.current_version = version
        document.save(update_fields=["current_version"])
    return version


@pytest.fixture
def qa_world(monkeypatch, settings) -> QaWorld:
    world = QaWorld()
    settings.QA_GRAPH_ENABLED = False
    settings.QA_MIN_DENSE_SCORE = 0.2
    searcher = HybridSearcher(index=world.index, embedder=world.embedder, sparse=world.sparse)
    monkeypatch.setattr(wiring, "vector_index", lambda: world.index)
    monkeypatch.setattr(wiring, "searcher", lambda: searcher)
    monkeypatch.setattr(wiring, "model_client", lambda: world.model)
    # Question translation asks the model server too; tests that want it set their own.
    monkeypatch.setattr(wiring, "question_translator", lambda: None)
    monkeypatch.setattr(wiring, "available_models", lambda: [AvailableModel("scripted", False, 4096)])
    return world
