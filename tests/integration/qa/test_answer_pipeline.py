"""The answer pipeline against the real services: index server, embedder, Neo4j, model server."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.accounts.models import Collection, Membership

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SAMPLE = Path(__file__).resolve().parents[3] / "sample_data" / "manuals" / "nut-user-manual-overview.md"


@pytest.fixture
def real_stack(settings, index_url, model_server_url, neo4j_url):
    from config import wiring

    settings.QDRANT_URL, settings.MODEL_SERVER_URL, settings.NEO4J_URL = index_url, model_server_url, neo4j_url
    settings.QDRANT_COLLECTION = "kenning_qa_it"
    factories = (wiring.vector_index, wiring.searcher, wiring.neo4j_driver, wiring.model_client, wiring.graph_sync)
    for f in factories:
        f.cache_clear()
    yield
    for f in factories:
        f.cache_clear()


@pytest.fixture
def ingested(real_stack, personas, tmp_path, settings):
    from apps.documents import services

    settings.MEDIA_ROOT = tmp_path
    version, _ = services.accept_upload(personas.owner, personas.collection,
                                        SimpleUploadedFile(SAMPLE.name, SAMPLE.read_bytes()))
    assert services.run_ingest(version.pk, worker="it") is True
    version.refresh_from_db()
    assert version.status == "ready", version.error
    yield version
    services.delete_document(version.document)


def _events(response):
    body = b"".join(response.streaming_content).decode()
    return [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]


def test_a_reader_gets_a_streamed_answer_from_the_real_model_with_real_sources(client, personas, ingested):
    client.force_login(personas.reader)
    events = _events(client.post(reverse("qa:ask"), {"question": "What is the upsd daemon responsible for?"}))
    done = events[-1]
    assert done["event"] == "done", events[-3:]
    sources = next(e for e in events if e["event"] == "sources")["sources"]
    assert sources and all(s["collection_id"] == str(personas.collection.pk) for s in sources)
    assert any("upsd" in s["text"] for s in sources)
    assert done["text"] and done["model"] and done["timings"]["ttft_ms"] > 0
    assert sum(1 for e in events if e["event"] == "delta") > 1  # streamed, not one blob
    # Decoded under the citation grammar: every finished sentence cites a numbered source.
    sentences = [e for e in events if e["event"] == "sentence"]
    assert sentences or done["not_found"]
    assert all(s["cited"] and max(s["cited"]) <= len(sources) for s in sentences if s["reason"] != "cut off before citing")
    assert done["not_found"] or done["citations"]


def test_an_outsider_gets_nothing_from_the_real_index_or_graph(client, personas, ingested):
    other = Collection.objects.create(name="Elsewhere")
    Membership.objects.create(user=personas.outsider, collection=other, role="reader")
    client.force_login(personas.outsider)
    for question in ("What is the upsd daemon responsible for?", "Tell me about NUT upsmon in the Pumps collection",
                     f"Show document {ingested.document_id} of collection {personas.collection.pk}"):
        events = _events(client.post(reverse("qa:ask"), {"question": question}))
        sources = next(e for e in events if e["event"] == "sources")
        assert sources["sources"] == [] and sources["facts"] == []
        assert events[-1]["not_found"] is True


def test_a_down_model_server_is_a_clear_error_not_a_hang(client, personas, ingested, settings):
    from config import wiring

    settings.MODEL_SERVER_URL = "http://127.0.0.1:1"
    wiring.model_client.cache_clear()
    wiring._models_cache.clear()
    client.force_login(personas.reader)
    last = _events(client.post(reverse("qa:ask"), {"question": "What is the upsd daemon responsible for?"}))[-1]
    assert last["event"] == "error" and "answer model is unavailable" in last["message"]
    assert "127.0.0.1" not in last["message"]  # the address goes to the log, not to the user
    wiring._models_cache.clear()
