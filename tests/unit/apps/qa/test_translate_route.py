"""A question not in English is also searched as its English translation (QA_TRANSLATE_QUESTIONS),
and a model server that cannot translate never breaks the search."""

import json
import logging
import socket

import pytest
from django.urls import reverse

from config import wiring
from model.errors import ModelUnavailable
from retrieval.translate import TRANSLATED, QuestionTranslator

BATTERY = "If the UPS reports battery disconnected, replace the battery cartridge and check the connector."
QUESTION = "不间断电源提示电池断开，我该检查什么？"
TRANSLATION = "The UPS says battery disconnected, what should I check?"


def _events(response):
    body = b"".join(response.streaming_content).decode()
    return [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]


def _ask(client, question):
    return _events(client.post(reverse("qa:ask"), {"question": question}))


def _translator(reply):
    def generate(messages, max_tokens, stop):
        if isinstance(reply, Exception):
            raise reply
        return reply

    return QuestionTranslator(generate)


def test_the_translation_finds_the_english_passage_a_chinese_question_misses(
    client, personas, qa_world, monkeypatch
):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    client.force_login(personas.reader)
    monkeypatch.setattr(wiring, "question_translator", lambda: None)
    untranslated = _ask(client, QUESTION)
    assert next(e for e in untranslated if e["event"] == "sources")["sources"] == []

    monkeypatch.setattr(wiring, "question_translator", lambda: _translator(TRANSLATION))
    events = _ask(client, QUESTION)
    sources = next(e for e in events if e["event"] == "sources")["sources"]
    assert sources and sources[0]["chunk_id"] == "c1" and TRANSLATED in sources[0]["scores"]
    assert events[-1]["event"] == "done"


def test_a_down_model_server_answers_from_the_untranslated_search(
    client, personas, qa_world, monkeypatch, caplog
):
    qa_world.add_passage("c1", BATTERY + " 电池断开", personas.collection.pk)
    client.force_login(personas.reader)
    down = ModelUnavailable("the model server is not reachable")
    monkeypatch.setattr(wiring, "question_translator", lambda: _translator(down))
    with caplog.at_level(logging.WARNING, logger="retrieval.translate"):
        events = _ask(client, QUESTION)
    assert "error" not in [e["event"] for e in events] and events[-1]["event"] == "done"
    assert "searching the untranslated question" in caplog.text


@pytest.fixture
def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the test connects


def test_the_wired_translator_falls_back_when_nothing_listens(settings, closed_port, caplog):
    settings.QA_TRANSLATE_QUESTIONS = True
    settings.MODEL_SERVER_URL = f"http://127.0.0.1:{closed_port}"
    settings.MODEL_SERVER_URLS = []
    wiring.question_translator.cache_clear()
    try:
        translator = wiring.question_translator()
        with caplog.at_level(logging.WARNING, logger="retrieval.translate"):
            assert translator.translate(QUESTION) is None
        assert "ModelUnavailable" in caplog.text
        settings.QA_TRANSLATE_QUESTIONS = False
        wiring.question_translator.cache_clear()
        assert wiring.question_translator() is None
    finally:
        wiring.question_translator.cache_clear()


def test_relevance_reads_the_multilingual_cosine_only_where_minilm_was_left_out():
    from types import SimpleNamespace

    from apps.qa.evidence import _best_dense

    english = [SimpleNamespace(scores={"dense": 0.1, "dense_ml": 0.9, "sparse": 3.0})]
    chinese = [SimpleNamespace(scores={"dense_ml": 0.4, "sparse": 3.0})]
    translated = [SimpleNamespace(scores={"dense_ml": 0.1, TRANSLATED: 0.6})]
    assert _best_dense(english) == 0.1
    assert _best_dense(chinese) == 0.4
    assert _best_dense(translated) == 0.6
    assert _best_dense([]) == 0.0
