"""The question translator wired to the real model server (the test stack's small model): the
server takes the bounded request, and the translator gives one line or nothing, never an error."""

import pytest

pytestmark = [pytest.mark.integration]

QUESTION = "不间断电源提示电池断开，我该检查什么？"


@pytest.fixture
def translator(settings, model_server_url):
    from config import wiring

    settings.QA_TRANSLATE_QUESTIONS = True
    settings.MODEL_SERVER_URL, settings.MODEL_SERVER_URLS = model_server_url, []
    wiring.question_translator.cache_clear()
    wiring._models_cache.clear()
    yield wiring.question_translator()
    wiring.question_translator.cache_clear()
    wiring._models_cache.clear()


def test_the_model_server_answers_the_translation_request_in_one_bounded_line(translator):
    # Called directly, so a request the server refused would raise here instead of being logged.
    text = translator.generate(translator.messages(QUESTION), max_tokens=24, stop=["\n"])
    assert isinstance(text, str) and "\n" not in text.strip()
    translated = translator.translate(QUESTION)
    assert translated is None or ("\n" not in translated and translator.detect(translated) == "en")
