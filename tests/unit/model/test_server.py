import json
import threading

import pytest
from starlette.testclient import TestClient

from model.config import ModelConfig, ServerConfig
from model.errors import ContextOverflow, ExpertCountError, QueueFull, UnknownModel
from model.generation import (
    Failed,
    Finished,
    GenerationHandle,
    GenerationRequest,
    Penalties,
    TextDelta,
    Timings,
)
from model.kv_cache import CacheStats
from model.server import create_app
from model.service import ChatRequest, EngineStats, ModelInfo

SHA = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
TIMINGS = Timings(
    queue_ms=1.0,
    ttft_ms=12.5,
    total_ms=40.0,
    prompt_tokens=10,
    prompt_tokens_evaluated=4,
    completion_tokens=3,
    tokens_per_s=50.0,
    cache_hit=True,
    tokens_reused=6,
    cache_source="ram",
)


class FakeEngine:
    """Same interface as ModelService; answers 'Hello there!' in three deltas, no model."""

    def __init__(self, on_finished=None):
        self.on_finished = on_finished
        self.submitted: list[ChatRequest] = []
        self.raise_on_submit: Exception | None = None
        self.hold = threading.Event()
        self.hold.set()
        self.cancelled: list[GenerationHandle] = []
        self.closed = False

    def models(self):
        return [
            ModelInfo("smollm2", False, 2048, 0, None, ()),
            ModelInfo("smollm2-moe", True, 2048, 4, 2, (1, 2)),
        ]

    def new_handle(self, request):
        return GenerationHandle(GenerationRequest((), request.max_tokens))

    def submit_chat(self, request, handle=None):
        if self.raise_on_submit:
            raise self.raise_on_submit
        if request.model not in (None, "smollm2", "smollm2-moe"):
            raise UnknownModel(request.model, ["smollm2", "smollm2-moe"])
        self.submitted.append(request)
        threading.Thread(target=self._produce, args=(handle,), daemon=True).start()
        return handle

    def _produce(self, handle):
        for text in ("Hello", " there", "!"):
            self.hold.wait(5)
            if handle.is_cancelled:
                self.cancelled.append(handle)
                handle.push(Failed(Exception("cancelled")))
                return
            handle.push(TextDelta(text))
        handle.push(Finished("stop", TIMINGS))
        if self.on_finished:
            self.on_finished("smollm2", TIMINGS, "stop")

    def stats(self):
        return EngineStats(0, 0, CacheStats(3, 1, 6, 1024, 0, 1, 0, 0))

    def close(self):
        self.closed = True


@pytest.fixture
def engine_and_client():
    holder = {}

    def factory(server_config, model_configs, on_finished):
        holder["engine"] = FakeEngine(on_finished)
        return holder["engine"]

    configs = [
        ModelConfig(name="smollm2", gguf_path="/x.gguf", tier="small", licence="Apache-2.0", sha256=SHA),
        ModelConfig(name="smollm2-moe", gguf_path="/m/moe.gguf", tier="large", source="built here"),
    ]
    app = create_app(ServerConfig(max_tokens_limit=512), configs, factory)
    with TestClient(app) as client:
        yield holder["engine"], client
    assert holder["engine"].closed


def chat(client, **body):
    payload = {"messages": [{"role": "user", "content": "hi"}]} | body
    return client.post("/v1/chat/completions", json=payload)


def test_it_answers_a_chat_completion_with_usage_and_timings(engine_and_client):
    engine, client = engine_and_client
    r = chat(
        client,
        max_tokens=16,
        kenning_profile={"active_experts": 2, "conversation_id": "c1"},
        presence_penalty=0.5,
    )
    assert r.status_code == 200
    body = r.json()
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "Hello there!"}
    assert body["usage"] == {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13}
    assert (
        body["kenning"]["timings"]["tokens_reused"] == 6 and body["kenning"]["timings"]["cache_hit"] is True
    )
    assert body["model"] == "smollm2"
    submitted = engine.submitted[0]
    assert (submitted.max_tokens, submitted.active_experts, submitted.conversation_id) == (16, 2, "c1")
    assert submitted.penalties == Penalties(presence=0.5)


def test_it_passes_repetition_penalties_through_and_defaults_them_to_off(engine_and_client):
    engine, client = engine_and_client
    chat(client, repeat_penalty=1.3, repeat_last_n=32, frequency_penalty=-0.5)
    chat(client)
    tuned, plain = engine.submitted
    assert tuned.penalties == Penalties(repeat=1.3, last_n=32, frequency=-0.5) and tuned.penalties.active
    assert plain.penalties == Penalties(1.0, 64, 0.0, 0.0) and not plain.penalties.active


def test_it_streams_deltas_as_server_sent_events(engine_and_client):
    _, client = engine_and_client
    with client.stream(
        "POST", "/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}], "stream": True}
    ) as r:
        assert r.status_code == 200
        lines = [line[5:].strip() for line in r.iter_lines() if line.startswith("data:")]
    assert lines[-1] == "[DONE]"
    chunks = [json.loads(line) for line in lines[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == "Hello there!"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["kenning"]["timings"]["ttft_ms"] == 12.5


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "robot", "content": "x"}]}, "messages.0.role"),
        ({"messages": [{"role": "user"}]}, "content"),
        ({"messages": [{"role": "user", "content": "x"}], "max_tokens": 0}, "max_tokens"),
        ({"messages": [{"role": "user", "content": "x"}], "max_tokens": 100000}, "max_tokens"),
        ({"messages": [{"role": "user", "content": "x"}], "temperature": 9}, "temperature"),
        ({"messages": [{"role": "user", "content": "x"}], "frequency_penalty": 2.5}, "frequency_penalty"),
        ({"messages": [{"role": "user", "content": "x"}], "presence_penalty": -2.1}, "presence_penalty"),
        ({"messages": [{"role": "user", "content": "x"}], "repeat_penalty": 0}, "repeat_penalty"),
        ({"messages": [{"role": "user", "content": "x"}], "repeat_last_n": -1}, "repeat_last_n"),
        (
            {"messages": [{"role": "user", "content": "x"}], "kenning_profile": {"active_experts": 0}},
            "active_experts",
        ),
        ({"messages": [{"role": "user", "content": "x"}], "kenning_profile": {"bogus": 1}}, "bogus"),
    ],
)
def test_it_rejects_malformed_requests_with_400(engine_and_client, body, fragment):
    _, client = engine_and_client
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 400
    assert r.json()["error"]["type"] == "invalid_request" and fragment in r.json()["error"]["message"]


def test_it_rejects_a_body_that_is_not_json(engine_and_client):
    _, client = engine_and_client
    r = client.post("/v1/chat/completions", content=b"{not json")
    assert r.status_code == 400 and "JSON" in r.json()["error"]["message"]


def test_it_reports_context_overflow_with_token_counts(engine_and_client):
    engine, client = engine_and_client
    engine.raise_on_submit = ContextOverflow(needed=5000, limit=2048)
    r = chat(client)
    assert r.status_code == 400
    assert r.json()["error"] == {
        "type": "context_overflow",
        "message": "prompt needs 5000 tokens; context holds 2048",
        "needed": 5000,
        "limit": 2048,
    }


def test_it_answers_503_with_retry_after_when_the_queue_is_full(engine_and_client):
    engine, client = engine_and_client
    engine.raise_on_submit = QueueFull(depth=16, retry_after_s=3)
    r = chat(client, stream=True)
    assert r.status_code == 503 and r.headers["Retry-After"] == "3"
    assert r.json()["error"]["type"] == "queue_full"


def test_it_rejects_impossible_expert_counts_and_unknown_models(engine_and_client):
    engine, client = engine_and_client
    assert chat(client, model="gpt-4").status_code == 404
    engine.raise_on_submit = ExpertCountError(9, 4)
    r = chat(client, kenning_profile={"active_experts": 9})
    assert r.status_code == 400 and r.json()["error"]["available"] == 4


def test_it_lists_models_with_kind_tier_licence_source_and_hash(engine_and_client):
    _, client = engine_and_client
    data = client.get("/v1/models").json()["data"]
    assert [m["id"] for m in data] == ["smollm2", "smollm2-moe"]
    dense, moe = (m["kenning"] for m in data)
    assert (dense["kind"], dense["tier"], dense["licence"], dense["sha256"]) == (
        "dense",
        "small",
        "Apache-2.0",
        SHA,
    )
    assert (moe["kind"], moe["tier"], moe["source"], moe["sha256"]) == ("moe", "large", "built here", None)
    assert (moe["expert_count"], moe["expert_used_counts"], moe["file"]) == (4, [1, 2], "moe.gguf")


def test_it_reports_health_and_prometheus_metrics(engine_and_client):
    _, client = engine_and_client
    assert client.get("/health").json()["status"] == "ok"
    chat(client)
    text = client.get("/metrics").text
    assert 'kenning_model_requests_total{status="ok"} 1.0' in text
    assert "kenning_model_ttft_seconds_bucket" in text
    assert "kenning_model_kv_cache_hit_rate 0.75" in text
    assert "kenning_model_queue_depth 0.0" in text
    assert 'kenning_model_tokens_total{kind="reused",model="smollm2"} 6.0' in text


def test_it_cancels_generation_when_a_streaming_client_disconnects(engine_and_client):
    engine, client = engine_and_client
    engine.hold.clear()
    with client.stream(
        "POST", "/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}], "stream": True}
    ) as r:
        next(r.iter_lines())
    engine.hold.set()
    for _ in range(100):
        if engine.cancelled:
            break
        threading.Event().wait(0.02)
    assert engine.cancelled


def test_a_json_schema_response_format_reaches_the_engine_as_a_grammar(engine_and_client):
    engine, client = engine_and_client
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    r = chat(client, response_format={"type": "json_schema", "json_schema": {"name": "t", "schema": schema}})
    assert r.status_code == 200
    assert "root ::=" in engine.submitted[-1].grammar


def test_without_response_format_no_grammar_is_sent(engine_and_client):
    engine, client = engine_and_client
    assert chat(client).status_code == 200
    assert engine.submitted[-1].grammar is None


@pytest.mark.parametrize(
    "response_format",
    [
        {"type": "json_schema", "json_schema": {"schema": {"type": "nope"}}},
        {"type": "json_schema"},
        {"type": "yaml"},
    ],
)
def test_an_invalid_response_format_is_a_400_and_never_queued(engine_and_client, response_format):
    engine, client = engine_and_client
    r = chat(client, response_format=response_format)
    assert r.status_code == 400
    assert r.json()["error"]["type"] == "invalid_request"
    assert engine.submitted == []


def test_ignore_eos_reaches_the_engine_and_defaults_to_off(engine_and_client):
    engine, client = engine_and_client
    chat(client, ignore_eos=True)
    chat(client)
    assert [r.ignore_eos for r in engine.submitted[-2:]] == [True, False]
