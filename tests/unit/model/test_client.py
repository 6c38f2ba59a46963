import json
import socket
import time

import httpx
import pytest

from model.client import ModelClient
from model.errors import ContextOverflow, InvalidRequest, ModelUnavailable, QueueFull
from model.routing import ComputeProfile


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_fails_fast_when_the_server_is_not_running():
    client = ModelClient(f"http://127.0.0.1:{closed_port()}", timeout_s=30)
    started = time.monotonic()
    with pytest.raises(ModelUnavailable):
        client.health()
    with pytest.raises(ModelUnavailable):
        list(client.stream_chat([{"role": "user", "content": "hi"}]))
    assert time.monotonic() - started < 3


def test_it_times_out_instead_of_hanging_on_a_silent_server():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()  # accepts connections, never answers
        client = ModelClient(f"http://127.0.0.1:{listener.getsockname()[1]}", timeout_s=0.5)
        with pytest.raises(ModelUnavailable):
            client.health()


def mock_client(status, body, headers=None):
    def handler(request):
        handler.body = json.loads(request.content) if request.content else None
        return httpx.Response(status, json=body, headers=headers or {})

    return ModelClient("http://model", transport=httpx.MockTransport(handler)), handler


def test_it_raises_context_overflow_with_counts_from_the_400_body():
    client, _ = mock_client(
        400, {"error": {"type": "context_overflow", "message": "x", "needed": 9, "limit": 4}}
    )
    with pytest.raises(ContextOverflow) as excinfo:
        client.chat([{"role": "user", "content": "hi"}])
    assert (excinfo.value.needed, excinfo.value.limit) == (9, 4)


def test_it_maps_503_queue_full_and_other_errors():
    client, _ = mock_client(503, {"error": {"type": "queue_full", "message": "full"}}, {"Retry-After": "7"})
    with pytest.raises(QueueFull) as excinfo:
        client.chat([{"role": "user", "content": "hi"}])
    assert excinfo.value.retry_after_s == 7 and excinfo.value.is_transient
    client, _ = mock_client(400, {"error": {"type": "invalid_request", "message": "bad"}})
    with pytest.raises(InvalidRequest):
        client.chat([{"role": "user", "content": "hi"}])
    client, _ = mock_client(502, {})
    with pytest.raises(ModelUnavailable):
        client.chat([{"role": "user", "content": "hi"}])


def test_it_sends_the_compute_profile():
    body = {
        "choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        "kenning": {"timings": {"ttft_ms": 5}},
    }
    client, handler = mock_client(200, body)
    profile = ComputeProfile("smollm2-moe", 2, 4096, 384, 0.2, "troubleshooting/low/moe")
    result = client.chat(
        [{"role": "user", "content": "hi"}], profile, conversation_id="c9", repeat_penalty=1.3
    )
    assert result.text == "ok" and result.timings == {"ttft_ms": 5}
    assert handler.body["model"] == "smollm2-moe" and handler.body["max_tokens"] == 384
    assert handler.body["repeat_penalty"] == 1.3
    assert handler.body["kenning_profile"] == {
        "active_experts": 2,
        "rule": "troubleshooting/low/moe",
        "conversation_id": "c9",
    }


def test_it_parses_a_server_sent_event_stream():
    chunks = [
        {"choices": [{"delta": {"content": "Hel"}, "finish_reason": None}]},
        {"choices": [{"delta": {"content": "lo"}, "finish_reason": None}]},
        {
            "choices": [{"delta": {}, "finish_reason": "stop"}],
            "usage": {"completion_tokens": 2},
            "kenning": {"timings": {"cache_hit": True}},
        },
    ]
    text = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    transport = httpx.MockTransport(
        lambda r: httpx.Response(200, text=text, headers={"content-type": "text/event-stream"})
    )
    stream = ModelClient("http://model", transport=transport).stream_chat([{"role": "user", "content": "hi"}])
    assert list(stream) == ["Hel", "lo"]
    assert stream.result.usage == {"completion_tokens": 2} and stream.result.timings == {"cache_hit": True}
