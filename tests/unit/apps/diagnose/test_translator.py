"""The Diagnose page reads a complaint's English from its own translator (DIAGNOSE_TRANSLATE_MODEL:
the server's large-tier model by default), while the search keeps the small model's; a model server
that cannot translate still gives the untranslated diagnosis."""

import logging
import socket

import pytest

from config import wiring
from model.routing import AvailableModel

SMALL = AvailableModel("qwen-0.5b", False, 4096)
LARGE = AvailableModel("qwen-1.5b", False, 4096, tier="large")


@pytest.fixture
def asked(monkeypatch):
    """The model each translation asks for; every reply is the same English."""
    models: list[str] = []

    class Client:
        def __init__(self, *args, **kwargs):
            pass

        def chat(self, messages, model, **kwargs):
            models.append(model)
            return type("Reply", (), {"text": "pump overheating alarm"})()

    monkeypatch.setattr("model.client.ModelClient", Client)
    wiring.diagnose_translator.cache_clear()
    wiring.question_translator.cache_clear()
    yield models
    wiring.diagnose_translator.cache_clear()
    wiring.question_translator.cache_clear()


def test_the_diagnose_page_translates_with_the_large_model_and_the_search_with_its_own(
    settings, monkeypatch, asked
):
    settings.QA_TRANSLATE_QUESTIONS = True
    settings.QA_TRANSLATE_MODEL = ""
    settings.DIAGNOSE_TRANSLATE_MODEL = "large"
    monkeypatch.setattr(wiring, "available_models", lambda: [SMALL, LARGE])
    assert wiring.diagnose_translator().translate("泵 过热 报警") == "pump overheating alarm"
    assert wiring.question_translator().translate("泵 过热 报警") == "pump overheating alarm"
    assert asked == ["qwen-1.5b", "qwen-0.5b"]


def test_a_named_model_is_asked_by_name_and_without_a_large_tier_the_search_model(
    settings, monkeypatch, asked
):
    settings.QA_TRANSLATE_QUESTIONS = True
    settings.QA_TRANSLATE_MODEL = ""
    monkeypatch.setattr(wiring, "available_models", lambda: [SMALL])
    settings.DIAGNOSE_TRANSLATE_MODEL = "qwen-7b"
    wiring.diagnose_translator().translate("泵 有 异响")
    settings.DIAGNOSE_TRANSLATE_MODEL = "large"
    wiring.diagnose_translator.cache_clear()
    wiring.diagnose_translator().translate("泵 有 异响")
    assert asked == ["qwen-7b", "qwen-0.5b"]


def test_empty_is_the_search_translator_and_off_is_none(settings, asked):
    settings.QA_TRANSLATE_QUESTIONS = True
    settings.DIAGNOSE_TRANSLATE_MODEL = ""
    assert wiring.diagnose_translator() is wiring.question_translator()
    settings.QA_TRANSLATE_QUESTIONS = False
    wiring.diagnose_translator.cache_clear()
    assert wiring.diagnose_translator() is None


@pytest.fixture
def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the test connects


def test_the_wired_diagnose_translator_falls_back_when_nothing_listens(settings, closed_port, caplog):
    settings.QA_TRANSLATE_QUESTIONS = True
    settings.DIAGNOSE_TRANSLATE_MODEL = "large"
    settings.MODEL_SERVER_URL = f"http://127.0.0.1:{closed_port}"
    settings.MODEL_SERVER_URLS = []
    wiring.diagnose_translator.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="retrieval.translate"):
            assert wiring.diagnose_translator().translate("泵 过热 报警") is None
        assert "searching the untranslated question" in caplog.text
    finally:
        wiring.diagnose_translator.cache_clear()
