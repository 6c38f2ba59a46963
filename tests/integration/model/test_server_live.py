"""The real server on a free port, driven by the real client."""

import threading
import time

import httpx
import pytest

from model.client import ModelClient
from model.errors import ContextOverflow, QueueFull

from .conftest import live_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def live_url(dense_config):
    with live_server([dense_config], n_parallel=2, max_queue=1) as url:
        yield url


def test_it_streams_an_answer_with_usage_and_timings(live_url):
    client = ModelClient(live_url)
    stream = client.stream_chat(
        [{"role": "user", "content": "What is a pump?"}], max_tokens=8, conversation_id="conv-1"
    )
    deltas = list(stream)
    assert "".join(deltas).strip()
    assert stream.result is not None and stream.result.usage["completion_tokens"] <= 8
    assert stream.result.timings["ttft_ms"] > 0 and "tokens_reused" in stream.result.timings


def test_it_answers_400_with_token_counts_when_the_prompt_overflows(live_url):
    long_text = "pump valve motor " * 600
    with pytest.raises(ContextOverflow) as excinfo:
        ModelClient(live_url).chat([{"role": "user", "content": long_text}], max_tokens=4)
    assert excinfo.value.needed > excinfo.value.limit == 1024


def test_it_answers_503_when_slots_and_queue_are_full(live_url):
    client = ModelClient(live_url)
    streams = [
        client.stream_chat([{"role": "user", "content": f"Count to {50 + i}."}], max_tokens=24)
        for i in range(3)
    ]
    iterators = [iter(s) for s in streams]
    threads = [threading.Thread(target=lambda it=it: list(it)) for it in iterators]
    for thread in threads:
        thread.start()
    for _ in range(200):  # wait until 2 are running and 1 waits
        health = client.health()
        if health["active_slots"] + health["queue_depth"] >= 3:
            break
        time.sleep(0.05)
    with pytest.raises(QueueFull):
        client.chat([{"role": "user", "content": "one more"}], max_tokens=2)
    for thread in threads:
        thread.join(120)
    metrics = httpx.get(f"{live_url}/metrics").text
    assert 'kenning_model_requests_total{status="QueueFull"}' in metrics
