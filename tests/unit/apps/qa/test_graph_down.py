"""Neo4j down while answering: the graph's part is left out at once, and the answer says so.

The driver is the real one, pointed at a port where nothing listens (connection refused); only the
passage index and the model are the qa_world fakes.
"""

import json
import logging
import socket

import pytest
from django.urls import reverse

from apps.qa.evidence import GRAPH_LEFT_OUT
from apps.qa.models import Answer
from config import wiring

from .test_ask import BATTERY, _events

QUESTION = "UPS says battery disconnected, what do I check?"


@pytest.fixture
def neo4j_down(settings, qa_world):  # type: ignore[no-untyped-def]
    with socket.socket() as s:  # a free port: nothing listens there once it is closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.QA_GRAPH_ENABLED = True
    settings.NEO4J_URL = f"bolt://127.0.0.1:{port}"
    wiring.neo4j_answer_driver.cache_clear()
    yield
    wiring.neo4j_answer_driver.cache_clear()


def test_the_answer_goes_on_from_the_passages_and_says_the_graph_was_left_out(
    client, personas, qa_world, neo4j_down
):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    client.force_login(personas.reader)
    events = _events(client.post(reverse("qa:ask"), {"question": QUESTION}))
    sources, done = events[1], events[-1]
    assert sources["event"] == "sources" and sources["notices"] == [GRAPH_LEFT_OUT]
    assert done["event"] == "done" and done["text"] == "Replace the battery [1]."
    assert done["notices"] == [GRAPH_LEFT_OUT]
    assert Answer.objects.get().route["graph_left_out"] is True


def test_the_answer_path_does_not_retry_the_unreachable_graph(client, personas, qa_world, neo4j_down, caplog):
    # The ingest's driver retries for 10 s ("Transaction failed and will be retried"): an answer
    # must not wait for that.
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    client.force_login(personas.reader)
    with caplog.at_level(logging.WARNING, logger="neo4j"):
        _events(client.post(reverse("qa:ask"), {"question": QUESTION}))
    assert not [r for r in caplog.records if "will be retried" in r.getMessage()]
    assert Answer.objects.get().route["graph_left_out"] is True


def test_a_json_client_gets_the_notice_with_the_answer(client, personas, qa_world, neo4j_down):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    client.force_login(personas.reader)
    r = client.post("/api/qa/ask", {"question": QUESTION}, headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.json()["notices"] == [GRAPH_LEFT_OUT]


def test_a_chinese_question_gets_the_notice_in_chinese(client, personas, qa_world, neo4j_down):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    client.force_login(personas.reader)
    events = _events(client.post(reverse("qa:ask"), {"question": "UPS 提示电池断开，我应该检查什么？"}))
    assert "知识图谱" in json.dumps(events[1]["notices"], ensure_ascii=False)


def test_with_the_graph_up_or_off_there_is_no_notice(client, personas, qa_world):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    client.force_login(personas.reader)
    events = _events(client.post(reverse("qa:ask"), {"question": QUESTION}))
    assert events[1]["notices"] == [] and events[-1]["notices"] == []
