"""Fakes behind the wiring factories: the in-memory index, the hashing embedder, a graph stand-in.

Nothing here talks to a service; ingest runs in the test process by calling the services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from config import wiring

MANUAL_MD = b"""# P-101 feed pump

## Troubleshooting

The pump trips with error E-47 after start-up when the suction strainer is blocked.
Clean the strainer and check the inlet valve.

## Maintenance

1. Isolate the pump.
2. Replace the mechanical seal, part 2906-0565-00.
3. Run the pump for ten minutes and check for leaks.
"""


class MemoryGraph:
    """Graph stand-in: remembers which versions and documents contributed facts."""

    def __init__(self) -> None:
        self.versions: dict[str, str] = {}  # version id -> document id
        self.fail_with: Exception | None = None

    def write_version(self, *, collection_id, document_id, version_id, passages, supersedes, progress) -> int:
        if self.fail_with is not None:
            raise self.fail_with
        for old in supersedes:
            self.versions.pop(old, None)
        self.versions[version_id] = document_id
        progress(len(passages), len(passages))
        return len(passages)

    def delete_version(self, version_id: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.versions.pop(version_id, None)

    def delete_document(self, document_id: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.versions = {v: d for v, d in self.versions.items() if d != document_id}


class CountingEmbedder:
    """FakeEmbedder that counts what it embeds and can fail after a number of batches."""

    def __init__(self) -> None:
        from retrieval.embed import FakeEmbedder

        self.inner = FakeEmbedder(dim=64)
        self.embedded = 0
        self.fail_after_batches: int | None = None
        self.batches = 0

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_documents(self, texts):  # type: ignore[no-untyped-def]
        if self.fail_after_batches is not None and self.batches >= self.fail_after_batches:
            raise KeyboardInterrupt("simulated worker death")
        self.batches += 1
        self.embedded += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text):  # type: ignore[no-untyped-def]
        return self.inner.embed_query(text)


@dataclass
class Fakes:
    index: object
    embedder: CountingEmbedder
    graph: MemoryGraph
    queued: list[int] = field(default_factory=list)
    graph_queued: list[int] = field(default_factory=list)  # graph-stage-only runs (graphstage.enqueue)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ROOT_URLCONF = "tests.unit.apps.documents.urls"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fakes(monkeypatch) -> Fakes:  # type: ignore[no-untyped-def]
    from apps.documents import graphstage, runs, services
    from retrieval.chunk import whitespace_token_count
    from retrieval.index.memory import MemoryIndex

    result = Fakes(MemoryIndex(), CountingEmbedder(), MemoryGraph())
    monkeypatch.setattr(wiring, "vector_index", lambda: result.index)
    monkeypatch.setattr(wiring, "embedder", lambda: result.embedder)
    monkeypatch.setattr(wiring, "token_counter", lambda: whitespace_token_count)
    monkeypatch.setattr(wiring, "graph_sync", lambda: result.graph)
    monkeypatch.setattr(services, "enqueue_ingest", result.queued.append)
    monkeypatch.setattr(
        graphstage, "enqueue", lambda version_id, **kw: result.graph_queued.append(version_id)
    )
    monkeypatch.setattr(runs, "SERVICE_RETRIES", 1)
    wiring.parse_config.cache_clear()
    wiring.chunk_config.cache_clear()
    yield result
    wiring.parse_config.cache_clear()


def upload_file(name: str = "p101-manual.md", content: bytes = MANUAL_MD) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def make_version(personas, name: str = "p101-manual.md", content: bytes = MANUAL_MD, *, ingest: bool = False):  # type: ignore[no-untyped-def]
    from apps.documents import services

    version, _ = services.accept_upload(personas.owner, personas.collection, upload_file(name, content))
    if ingest:
        services.run_ingest(version.pk, worker="test")
        version.refresh_from_db()
    return version


def live_hits(index, collection_id: int, text: str = "pump strainer"):  # type: ignore[no-untyped-def]
    """Search the way answers do: only live versions of readable collections."""
    from apps.documents.models import DocumentVersion
    from retrieval.embed import FakeEmbedder
    from retrieval.index.base import SearchFilter

    flt = SearchFilter.build([collection_id], version_ids=DocumentVersion.objects.live_ids([collection_id]))
    return index.search(FakeEmbedder(dim=64).embed_query(text), flt, top_k=100)


def all_points(index, collection_id: int) -> int:  # type: ignore[no-untyped-def]
    from retrieval.index.base import SearchFilter

    try:
        return index.count(SearchFilter.build([collection_id]))
    except Exception:  # collection never created
        return 0


# Record files (CSV/XLSX) and their column mapping: test_mapping_pipeline, test_mapping_views.
SAMPLE = Path(__file__).resolve().parents[4] / "sample_data" / "records" / "excavator-work-orders.csv"


def sample_csv(rows: int = 30) -> bytes:
    lines = SAMPLE.read_bytes().splitlines(keepends=True)
    return b"".join(lines[: rows + 1])


class RecordingGraph(MemoryGraph):
    """MemoryGraph that also keeps the record mapping each write used."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[dict] = []

    def write_version(self, *, collection_id, document_id, version_id, passages, supersedes, progress) -> int:
        mappings = {id(p.record_mapping): p.record_mapping for p in passages if p.record_mapping is not None}
        self.writes.append(
            {"version": version_id, "mappings": list(mappings.values()), "passages": len(passages)}
        )
        return super().write_version(
            collection_id=collection_id,
            document_id=document_id,
            version_id=version_id,
            passages=passages,
            supersedes=supersedes,
            progress=progress,
        )


@pytest.fixture
def graph(monkeypatch) -> RecordingGraph:
    recording = RecordingGraph()
    monkeypatch.setattr(wiring, "graph_sync", lambda: recording)
    return recording


@pytest.fixture
def applies(monkeypatch) -> list[int]:
    from apps.documents import mapping

    queued: list[int] = []
    monkeypatch.setattr(mapping, "enqueue_apply", queued.append)
    return queued
