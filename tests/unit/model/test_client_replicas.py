"""Replica routing in the model client, against two real HTTP servers.

Each replica is the real model-server app (model.server.create_app under uvicorn on its own port)
over the FakeEngine of test_server.py, which implements ModelService's interface without a model.
tests/integration/model/test_replicas_live.py runs the same routing against two real llama.cpp
servers.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import uvicorn

from model.client import ModelClient
from model.config import ModelConfig, ServerConfig
from model.errors import ModelUnavailable, QueueFull
from model.replicas import ReplicaSet
from model.server import create_app
from tests.unit.model.test_server import FakeEngine

MESSAGES = [{"role": "user", "content": "hi"}]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Replica:
    """A model-server app over a FakeEngine on a real port."""

    port: int = field(default_factory=free_port)
    engine: FakeEngine | None = None
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Replica:
        def factory(server_config, model_configs, on_finished):
            self.engine = FakeEngine(on_finished)
            return self.engine

        config = [ModelConfig(name="smollm2", gguf_path="/x.gguf", tier="small")]
        app = create_app(ServerConfig(), config, factory)
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError(f"replica on port {self.port} did not start")
            self.thread.join(0.01)
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
            self.thread.join()
            self.server = None

    def conversations(self) -> list[str]:
        return [r.conversation_id for r in self.engine.submitted] if self.engine else []


@pytest.fixture
def replicas() -> Iterator[list[Replica]]:
    pair = [Replica().start(), Replica().start()]
    yield pair
    for r in pair:
        r.stop()


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def answer(client: ModelClient, conversation: str | None, stream: bool = True):
    options = {"conversation_id": conversation} if conversation else {}
    if not stream:
        return client.chat(MESSAGES, **options)
    chat = client.stream_chat(MESSAGES, **options)
    text = "".join(chat)
    assert text == "Hello there!"
    return chat.result


def test_a_conversation_stays_on_one_replica_and_conversations_spread(replicas):
    client = ModelClient([r.url for r in replicas])
    for turn in range(3):
        for conv in (f"c{i}" for i in range(12)):
            answer(client, conv, stream=turn != 1)
    by_replica = [set(r.conversations()) for r in replicas]
    assert by_replica[0] and by_replica[1], "twelve conversations all hashed to one replica"
    assert not by_replica[0] & by_replica[1], "a conversation was served by both replicas"
    # Every client process ranks replicas the same way: a second client agrees.
    other = ModelClient([r.url for r in reversed(replicas)])
    assert {c: other.replicas.order(c)[0].url for c in ("c1", "c2")} == {
        c: client.replicas.order(c)[0].url for c in ("c1", "c2")
    }


def test_the_answer_comes_from_the_live_replica_when_the_preferred_one_is_dead(replicas):
    clock = Clock()
    client = ModelClient([r.url for r in replicas], down_for_s=5, clock=clock)
    conv = "c-dead"
    preferred = client.replicas.order(conv)[0].url
    dead, live = (replicas[0], replicas[1]) if replicas[0].url == preferred else (replicas[1], replicas[0])
    dead.stop()
    assert answer(client, conv).replica == live.url
    assert answer(client, conv, stream=False).replica == live.url
    assert client.replicas.order(conv)[0].url == live.url  # the dead one is tried last meanwhile
    assert client.health()["status"] == "ok"
    assert client.replica_health()[dead.url].startswith("down:")
    clock.now += 6  # after down_for_s the preferred replica is first again
    assert client.replicas.order(conv)[0].url == dead.url
    restarted = Replica(port=dead.port).start()
    try:
        assert answer(client, conv).replica == dead.url
        assert restarted.conversations() == [conv]
    finally:
        restarted.stop()


def test_a_full_replica_hands_the_request_to_the_next(replicas):
    client = ModelClient([r.url for r in replicas])
    conv = "c-full"
    preferred = next(r for r in replicas if r.url == client.replicas.order(conv)[0].url)
    preferred.engine.raise_on_submit = QueueFull(4, 1)
    result = answer(client, conv)
    assert result.replica != preferred.url
    assert client.replicas.order(conv)[0].url == preferred.url  # full is not down: affinity kept


def test_it_raises_unavailable_only_when_every_replica_fails(replicas):
    client = ModelClient([r.url for r in replicas])
    for r in replicas:
        r.stop()
    with pytest.raises(ModelUnavailable):
        answer(client, "c1")
    with pytest.raises(ModelUnavailable):
        client.models()
    for r in replicas:
        r.engine = None


def test_round_robin_alternates_whatever_the_conversation(replicas):
    client = ModelClient([r.url for r in replicas], policy="round_robin")
    served = [answer(client, "same").replica for _ in range(4)]
    assert served[0] != served[1] and served[0] == served[2] and served[1] == served[3]


# --- the ranking alone (no HTTP) ----------------------------------------------------------------
URLS = ["http://a:1", "http://b:1", "http://c:1"]


def test_a_loaded_preferred_replica_is_skipped_for_the_next_in_the_ranking():
    ring = ReplicaSet(URLS, max_load_factor=1.5)
    first, second, third = ring.order("conv-7")
    first.in_flight = 3  # mean with this request: 4/3; bound max(ceil(1.5 * 4 / 3), 2) = 2
    assert [r.url for r in ring.order("conv-7")] == [second.url, third.url, first.url]
    first.in_flight = 1  # below min_load: the warm prefix wins over an idle replica
    assert ring.order("conv-7")[0] is first


def test_removing_a_replica_moves_only_the_conversations_it_served():
    full = ReplicaSet(URLS)
    reduced = ReplicaSet(URLS[:2])
    convs = [f"conv-{i}" for i in range(300)]
    moved = [c for c in convs if full.order(c)[0].url != reduced.order(c)[0].url]
    assert all(full.order(c)[0].url == URLS[2] for c in moved)
    assert 60 < len(moved) < 140  # about a third


def test_requests_without_a_conversation_go_to_the_least_loaded():
    ring = ReplicaSet(URLS)
    ring.replicas[0].in_flight = 2
    ring.replicas[2].in_flight = 1
    assert ring.order(None)[0].url == URLS[1]


@pytest.mark.parametrize(
    ("urls", "kwargs", "message"),
    [
        ([], {}, "at least one"),
        (["http://a:1", "http://a:1/"], {}, "repeat"),
        (URLS, {"policy": "random"}, "policy must be"),
        (URLS, {"max_load_factor": 0.5}, "at least 1"),
    ],
)
def test_bad_replica_settings_are_refused_with_a_clear_message(urls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        ReplicaSet(urls, **kwargs)


def test_a_replica_dying_mid_answer_is_reported_not_replayed_elsewhere():
    import httpx

    hosts: list[str] = []

    class Broken(httpx.SyncByteStream):
        def __iter__(self):
            yield b'data: {"choices": [{"delta": {"content": "Hel"}, "finish_reason": null}]}\n\n'
            raise httpx.ReadError("connection reset")

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return httpx.Response(200, stream=Broken(), headers={"content-type": "text/event-stream"})

    client = ModelClient(["http://a:1", "http://b:1"], transport=httpx.MockTransport(handler))
    shown: list[str] = []
    with pytest.raises(ModelUnavailable):
        shown.extend(client.stream_chat(MESSAGES, conversation_id="c1"))
    assert shown == ["Hel"]
    assert len(hosts) == 1  # text was shown: another replica would repeat it


def test_every_replica_gets_the_api_key():
    import httpx

    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.host, request.headers.get("authorization")))
        return httpx.Response(200, json={"status": "ok"})

    client = ModelClient(["http://a:1", "http://b:1"], transport=httpx.MockTransport(handler), api_key="k1")
    client.replica_health()
    assert sorted(seen) == [("a", "Bearer k1"), ("b", "Bearer k1")]
