"""Fault injection: the model server streaming an answer is killed (SIGKILL) mid-answer.

The user gets a clear in-band error naming the answer model (never its address), the answer is
stored as failed (nothing left "streaming": text already shown is not replayed elsewhere). With one
server, the next question after a restart is answered. With replicas
(KENNING_MODEL_REPLICAS=2), the follow-up in the same conversation, whose replica is still dead,
is answered by another replica without a restart and without an error.
"""

import json
import os
import signal

import pytest
from django.urls import reverse

from apps.qa.models import Answer
from scripts.stack import _alive
from tests.integration.conftest import _ensure
from tests.integration.qa.test_answer_pipeline import ingested, real_stack  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _stream_events(response):  # type: ignore[no-untyped-def]
    buffer = ""
    for chunk in response.streaming_content:
        buffer += chunk.decode()
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            for line in block.splitlines():
                if line.startswith("data: "):
                    yield json.loads(line[6:])


def _serving(stack, model) -> str:  # type: ignore[no-untyped-def]
    """The stack's name ("model", "model-2", ...) of the replica streaming the answer now."""
    [url] = [r.url for r in model.replicas.replicas if r.in_flight]
    return _serving_name(stack, url)


def test_killing_the_model_server_mid_answer_fails_the_answer_cleanly(client, personas, ingested, stack):  # noqa: F811
    from config import wiring

    client.force_login(personas.reader)
    model = wiring.model_client()
    response = client.post(reverse("qa:ask"), {"question": "What is the upsd daemon responsible for?"})
    events = []
    killed = ""
    try:
        for event in _stream_events(response):
            events.append(event)
            if event["event"] == "delta" and not killed:  # the model is generating: kill it now
                killed = _serving(stack, model)
                os.killpg(stack.running_pid(killed), signal.SIGKILL)
        assert killed, [e["event"] for e in events]
        last = events[-1]
        assert last["event"] == "error", [e["event"] for e in events]
        assert "answer model" in last["message"] and "127.0.0.1" not in last["message"]
        answer = Answer.objects.get(pk=last["answer_id"])
        assert answer.status == Answer.Status.FAILED and answer.error == last["message"]
        assert not Answer.objects.filter(status=Answer.Status.STREAMING).exists()
        if stack.model_replicas > 1:
            _answered_around_the_dead_replica(client, stack, killed, answer.conversation_id)
    finally:
        if killed:  # clears its pid file (a killed child stays a zombie), then starts it again
            stack._stop_one(killed, timeout_s=5)
        _ensure(stack, "model")

    wiring.model_client.cache_clear()
    again = list(_stream_events(client.post(reverse("qa:ask"), {"question": "What does upsmon do?"})))
    assert again[-1]["event"] == "done", again[-3:]


def _answered_around_the_dead_replica(client, stack, killed: str, conversation: int) -> None:  # type: ignore[no-untyped-def]
    from config import wiring

    wiring.model_client.cache_clear()  # a fresh client: it does not know yet that the replica died
    model = wiring.model_client()
    dead = model.replicas.order(str(conversation))[0]
    assert _serving_name(stack, dead.url) == killed  # the conversation still prefers the dead replica
    pid = stack.running_pid(killed)
    assert pid is None or not _alive(pid)  # still dead: no restart helps this answer
    follow_up = {"question": "What does upsmon do?", "conversation_id": conversation}
    events = list(_stream_events(client.post(reverse("qa:ask"), follow_up)))
    assert events[-1]["event"] == "done", events[-3:]
    assert dead.down_until > 0  # it was tried, refused, and passed over for a live replica


def _serving_name(stack, url: str) -> str:  # type: ignore[no-untyped-def]
    urls = [f"http://127.0.0.1:{port}" for port in stack.model_ports()]
    return stack.instances("model")[urls.index(url)]
