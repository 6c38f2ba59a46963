"""Fault injection: the model server is killed (SIGKILL) while an answer streams.

The user gets a clear in-band error naming the answer model (never its address), the answer is
stored as failed (nothing left "streaming"), and the next question after a restart is answered.
"""

import json
import os
import signal

import pytest
from django.urls import reverse

from apps.qa.models import Answer
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


def test_killing_the_model_server_mid_answer_fails_the_answer_cleanly(client, personas, ingested, stack):  # noqa: F811
    client.force_login(personas.reader)
    response = client.post(reverse("qa:ask"), {"question": "What is the upsd daemon responsible for?"})
    events = []
    killed = False
    try:
        for event in _stream_events(response):
            events.append(event)
            if event["event"] == "delta" and not killed:  # the model is generating: kill it now
                os.killpg(stack.running_pid("model"), signal.SIGKILL)
                killed = True
    finally:
        stack.stop("model", timeout_s=5)
        _ensure(stack, "model")
    assert killed, [e["event"] for e in events]
    last = events[-1]
    assert last["event"] == "error", [e["event"] for e in events]
    assert "answer model" in last["message"] and "127.0.0.1" not in last["message"]
    answer = Answer.objects.get(pk=last["answer_id"])
    assert answer.status == Answer.Status.FAILED and answer.error == last["message"]
    assert not Answer.objects.filter(status=Answer.Status.STREAMING).exists()

    from config import wiring

    wiring.model_client.cache_clear()
    again = list(_stream_events(client.post(reverse("qa:ask"), {"question": "What does upsmon do?"})))
    assert again[-1]["event"] == "done", again[-3:]
