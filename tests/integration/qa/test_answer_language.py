"""The answer translator wired to the real model server (the test stack's small model): the
server takes the bounded request, and whatever the model writes, a translated sentence keeps its
citations as drafted and every code and number of the English sentence (issue 14)."""

import pytest

pytestmark = [pytest.mark.integration]

SENTENCE = "Replace the battery cartridge BC-12 and set NISPORT to 3551 [2] [3]."


@pytest.fixture
def translator(settings, model_server_url):
    from config import wiring

    settings.MODEL_SERVER_URL, settings.MODEL_SERVER_URLS = model_server_url, []
    settings.QA_ANSWER_TRANSLATE_MODEL = ""
    wiring.model_client.cache_clear()
    wiring._models_cache.clear()
    yield wiring.answer_translator("zh", "integration-answer-language")
    wiring.model_client.cache_clear()
    wiring._models_cache.clear()


def test_the_model_server_answers_the_translation_request_in_one_bounded_line(translator):
    # Called directly, so a request the server refused would raise here instead of being logged.
    text = translator.generate(translator.messages("Check the connector"), max_tokens=32, stop=["\n"])
    assert isinstance(text, str) and "\n" not in text.strip()


def test_a_translated_sentence_keeps_its_citations_codes_and_numbers(translator):
    out = translator.sentence(SENTENCE)
    assert out.text.endswith(("[2][3]。", "[2] [3].")), out.text
    for kept in ("BC-12", "NISPORT", "3551"):
        assert kept in out.text, out.text
    assert out.kept_english == (out.text == SENTENCE)


def test_the_manuals_term_is_in_the_translated_sentence(translator):
    # a term the cited source holds verbatim is shown in Latin letters, whatever the model wrote:
    # in parentheses after its rendering, at the end, or kept in English by the model itself
    source = "Battery lights flash when the runtime remaining is less than the low battery warning time."
    out = translator.sentence("Replace it when the runtime remaining is short [1].", sources=[source])
    assert "runtime remaining" in out.text.lower(), out.text
    assert out.text.endswith(("[1]。", "[1].")), out.text
