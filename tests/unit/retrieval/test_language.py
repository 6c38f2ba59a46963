"""Language detection of passages and questions: script first, then py3langid."""

import pytest

from retrieval.language import LanguageDetector, detect_language, han_share


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("泵 P-101 启动后报 E-47 故障，应检查什么？", "zh"),
        ("更换密封件 SK-2201", "zh"),  # py3langid alone says Wu Chinese
        ("NISPORT 端口是多少", "zh"),
        ("pump P-101 trips with E-47 after start-up, what do I check?", "en"),
        ("Die Pumpe läuft nach dem Start zu heiß und schaltet ab.", "de"),
        ("ポンプが停止しました。点検してください。", "ja"),
        ("펌프가 멈췄습니다", "ko"),
    ],
)
def test_it_detects_the_language_of_technical_text(text, lang):
    assert detect_language(text) == lang


def test_it_falls_back_to_the_default_for_bare_codes_and_symbols():
    assert detect_language("E-47") == "en"
    assert detect_language("123 456 -- ##") == "en"
    assert LanguageDetector(default="und").detect("") == "und"


def test_an_english_passage_quoting_one_chinese_term_stays_english():
    text = "The seal kit is listed as 密封件 in the Chinese parts catalogue; order it by part number."
    assert detect_language(text) == "en"


def test_restricting_the_model_to_some_languages():
    detector = LanguageDetector(languages=("en", "de"))
    assert detector.detect("Die Pumpe läuft heiß") == "de"
    assert detector.detect_many(["the pump runs hot", "die Pumpe läuft heiß"]) == ["en", "de"]


def test_han_share_counts_letters_only():
    assert han_share("更换 MS") == 0.5
    assert han_share("1234") == 0.0
