"""Two real model servers (llama.cpp, SmolLM2) started by scripts.stack with a replica count of 2,
and the model client routing conversations over them."""

from __future__ import annotations

import dataclasses

import pytest

from model.client import ModelClient
from scripts.stack import Stack, start

pytestmark = pytest.mark.integration

SYSTEM = (
    "You are a maintenance assistant. Answer in one short sentence. The pump P-101 has a mechanical "
    "seal, an impeller and a motor; error E-47 means low suction pressure after start-up."
)


@pytest.fixture(scope="module")
def replicas(stack: Stack):
    two = dataclasses.replace(stack, model_replicas=2)
    running_before = {n for n in two.instances("model") if two.running_pid(n)}
    start(two, ["model"])
    yield two
    for name in two.instances("model"):
        if name not in running_before:
            two.stop(name)


def urls(stack: Stack) -> list[str]:
    return [f"http://127.0.0.1:{p}" for p in stack.model_ports()]


def turn(client: ModelClient, conversation: str, history: list[dict[str, str]], question: str):
    messages = [{"role": "system", "content": SYSTEM}, *history, {"role": "user", "content": question}]
    stream = client.stream_chat(messages, conversation_id=conversation, max_tokens=8, temperature=0.0)
    text = "".join(stream)
    assert text.strip() and stream.result is not None
    history += [{"role": "user", "content": question}, {"role": "assistant", "content": text}]
    return stream.result


def conversation_preferring(client: ModelClient, url: str) -> str:
    return next(c for c in (f"conv-{i}" for i in range(100)) if client.replicas.order(c)[0].url == url)


def test_a_follow_up_reuses_the_kv_prefix_on_the_replica_that_answered(replicas):
    client = ModelClient(urls(replicas))
    served, history = [], []
    for question in ("What does E-47 mean?", "What should I check first?", "And after that?"):
        served.append(turn(client, "conv-affinity", history, question))
    assert len({r.replica for r in served}) == 1
    assert all(r.timings.get("tokens_reused", 0) > 0 for r in served[1:]), [r.timings for r in served]
    assert set(client.replica_health().values()) == {"ok"}


def test_the_answer_survives_its_replica_dying(replicas, settings):
    from config.health import check_all

    client = ModelClient(urls(replicas))
    second = urls(replicas)[1]
    conversation = conversation_preferring(client, second)  # model-2: the session's own stays up
    history: list[dict[str, str]] = []
    assert turn(client, conversation, history, "What does E-47 mean?").replica == second
    replicas.stop("model-2")
    try:
        after = turn(client, conversation, history, "What should I check first?")
        assert after.replica == urls(replicas)[0]
        assert client.replica_health()[second].startswith("down:")
        settings.MODEL_SERVER_URL, settings.MODEL_SERVER_URLS = urls(replicas)[0], urls(replicas)
        [health] = check_all(["model_server"])  # what /healthz and the web readiness probe see
        assert health.status == "degraded" and second in health.detail, health
    finally:
        start(replicas, ["model"])  # back to two for the tests after this one
    fresh = ModelClient(urls(replicas))  # the old client still tries model-2 last for a few seconds
    assert turn(fresh, conversation_preferring(fresh, second), [], "Hello?").replica == second
