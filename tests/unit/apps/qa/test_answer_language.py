"""QA_ANSWER_VIA_ENGLISH: a Chinese question over English sources is drafted in English from its
translation and shown translated sentence by sentence, citations kept; the English draft never
streams to the reader (issue 14)."""

import json

import pytest
from django.urls import reverse

from config import wiring
from retrieval.translate import QuestionTranslator

BATTERY = (
    "If the UPS reports battery disconnected, replace the battery cartridge BC-12 and check the connector."
)
QUESTION = "不间断电源提示电池断开，我该检查什么？"
TRANSLATION = "The UPS says battery disconnected, what should I check?"
DRAFT = "Replace the battery cartridge BC-12 [1]. Check the connector [1]."


def _ask(client, question):
    body = b"".join(client.post(reverse("qa:ask"), {"question": question}).streaming_content).decode()
    return [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]


@pytest.fixture
def chinese_asker(client, personas, qa_world, monkeypatch, settings):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    client.force_login(personas.reader)
    settings.QA_SECOND_LOOK = False
    settings.QA_ANSWER_TERMS = 0  # the manual's terms have a test of their own
    monkeypatch.setattr(
        wiring,
        "question_translator",
        lambda: QuestionTranslator(lambda messages, max_tokens, stop: TRANSLATION),
    )
    # the draft answers the search's translation unless a test sets a drafting translator
    monkeypatch.setattr(wiring, "draft_question_translator", lambda: None)
    return client


def test_the_answer_is_drafted_in_english_and_shown_in_chinese(chinese_asker, qa_world, settings):
    settings.QA_ANSWER_VIA_ENGLISH = True
    # The draft, then one translation per sentence (the second loses the part number).
    qa_world.model.replies = [DRAFT, "更换电池盒 BC-12", "检查连接器"]
    events = _ask(chinese_asker, QUESTION)

    draft_prompt = qa_world.model.calls[0][-1]["content"]
    # the question part of the prompt is the translation (the prompt may add a hint after it)
    assert f"Question: {TRANSLATION}" in draft_prompt and QUESTION not in draft_prompt
    assert [c[-1]["content"] for c in qa_world.model.calls[1:]] == [
        "Replace the battery cartridge BC-12",
        "Check the connector",
    ]
    kinds = [e["event"] for e in events]
    status = next(e for e in events if e["event"] == "status")
    assert status["text"].startswith("正在根据英文资料起草答案")
    assert kinds.index("status") < kinds.index("delta")
    shown = "".join(e["text"] for e in events if e["event"] == "delta")
    assert "Replace" not in shown and "battery" not in shown  # the English draft never streams
    assert shown == "更换电池盒 BC-12[1]。检查连接器[1]。"  # no space between Chinese sentences
    sentences = [e for e in events if e["event"] == "sentence"]
    assert [s["text"] for s in sentences] == ["更换电池盒 BC-12[1]。", "检查连接器[1]。"]
    assert all(s["supported"] for s in sentences)  # judged on the English draft against the source
    done = events[-1]
    assert done["event"] == "done" and done["text"] == shown
    assert done["citations"] == [1] and not done["fell_back"]
    language = done["profile"]["answer_language"]
    assert language["draft"] == DRAFT and language["question"] == TRANSLATION and language["language"] == "zh"


def test_a_lost_part_number_is_put_back(chinese_asker, qa_world, settings):
    settings.QA_ANSWER_VIA_ENGLISH = True
    qa_world.model.replies = ["Replace the battery cartridge BC-12 [1].", "更换电池盒"]
    done = _ask(chinese_asker, QUESTION)[-1]
    assert done["text"] == "更换电池盒（BC-12）[1]。"
    assert done["profile"]["answer_language"]["restored"] == ["BC-12"]


def test_the_askers_own_latin_word_is_put_back(chinese_asker, qa_world, settings):
    settings.QA_ANSWER_VIA_ENGLISH = True
    qa_world.model.replies = ["Replace the battery cartridge [1].", "更换电池盒"]
    done = _ask(chinese_asker, "不间断电源提示电池断开，要换哪个 cartridge？")[-1]
    assert done["text"] == "更换电池盒（cartridge）[1]。"


def test_the_manuals_term_follows_its_chinese_rendering(chinese_asker, qa_world, settings, monkeypatch):
    settings.QA_ANSWER_VIA_ENGLISH = True
    settings.QA_ANSWER_TERMS = 2
    # word statistics in which "battery cartridge" is a technical phrase (the real vocabulary
    # calls both words everyday: test_the_everyday_words_are_the_embedders_vocabulary)
    monkeypatch.setattr(wiring, "everyday_words", lambda: frozenset({"replace"}))
    # the draft, its sentence's translation, then the term alone (to find its rendering)
    qa_world.model.replies = ["Replace the battery cartridge BC-12 [1].", "更换电池盒 BC-12", "电池盒"]
    done = _ask(chinese_asker, QUESTION)[-1]
    assert [c[-1]["content"] for c in qa_world.model.calls[1:]] == [
        "Replace the battery cartridge BC-12",
        "battery cartridge",  # in the cited source as written: the manual's term
    ]
    assert done["text"] == "更换电池盒（battery cartridge） BC-12[1]。"
    assert done["profile"]["answer_language"]["terms"] == ["battery cartridge"]


BETTER = "What should I check when the UPS reports that the battery is disconnected?"


def test_the_draft_answers_the_larger_models_translation(chinese_asker, qa_world, settings, monkeypatch):
    settings.QA_ANSWER_VIA_ENGLISH = True
    drafter = QuestionTranslator(lambda messages, max_tokens, stop: BETTER)
    monkeypatch.setattr(wiring, "draft_question_translator", lambda: drafter)
    qa_world.model.replies = [DRAFT, "更换电池盒 BC-12", "检查连接器"]
    done = _ask(chinese_asker, QUESTION)[-1]
    assert f"Question: {BETTER}" in qa_world.model.calls[0][-1]["content"]
    assert done["profile"]["answer_language"]["question"] == BETTER


def test_a_failed_drafting_translation_falls_back_to_the_searchs(
    chinese_asker, qa_world, settings, monkeypatch
):
    settings.QA_ANSWER_VIA_ENGLISH = True

    def down(messages, max_tokens, stop):
        raise ConnectionError("model server down")

    monkeypatch.setattr(wiring, "draft_question_translator", lambda: QuestionTranslator(down))
    qa_world.model.replies = [DRAFT, "更换电池盒 BC-12", "检查连接器"]
    done = _ask(chinese_asker, QUESTION)[-1]
    assert f"Question: {TRANSLATION}" in qa_world.model.calls[0][-1]["content"]
    assert done["profile"]["answer_language"]["question"] == TRANSLATION


def test_the_drafting_translator_is_the_large_tier_unless_set_off(settings, monkeypatch):
    from model.routing import AvailableModel

    settings.QA_TRANSLATE_QUESTIONS = True
    monkeypatch.setattr(
        wiring,
        "available_models",
        lambda: [
            AvailableModel("qwen-0.5b", False, 4096),
            AvailableModel("qwen-1.5b", False, 4096, tier="large"),
        ],
    )
    asked = []

    class Client:
        def __init__(self, *args, **kwargs):
            pass

        def chat(self, messages, model, **kwargs):
            asked.append(model)
            return type("Reply", (), {"text": "Which port does NIS use?"})()

    monkeypatch.setattr("model.client.ModelClient", Client)
    wiring.draft_question_translator.cache_clear()
    try:
        settings.QA_ANSWER_QUESTION_MODEL = "large"
        assert wiring.draft_question_translator().translate("NIS 用哪个端口？") == "Which port does NIS use?"
        assert asked == ["qwen-1.5b"]
        settings.QA_ANSWER_QUESTION_MODEL = ""
        wiring.draft_question_translator.cache_clear()
        assert wiring.draft_question_translator() is None
    finally:
        wiring.draft_question_translator.cache_clear()


def test_the_everyday_words_are_the_embedders_vocabulary():
    words = wiring.everyday_words()
    assert {"battery", "replace", "sensitivity"} <= words
    assert not {"runtime", "writable", "timeout"} & words  # the manual's words, split by WordPiece


def test_an_english_refusal_is_shown_in_chinese_without_translating(chinese_asker, qa_world, settings):
    from retrieval.prompt import NOT_FOUND, NOT_FOUND_IN

    settings.QA_ANSWER_VIA_ENGLISH = True
    qa_world.model.replies = [NOT_FOUND]
    done = _ask(chinese_asker, QUESTION)[-1]
    assert done["text"] == NOT_FOUND_IN["zh"] and done["not_found"]
    assert len(qa_world.model.calls) == 1


def test_off_the_model_answers_the_chinese_question_directly(chinese_asker, qa_world, settings):
    settings.QA_ANSWER_VIA_ENGLISH = False
    qa_world.model.replies = ["更换电池盒 BC-12 [1]。"]
    events = _ask(chinese_asker, QUESTION)
    assert len(qa_world.model.calls) == 1 and QUESTION in qa_world.model.calls[0][-1]["content"]
    assert "status" not in [e["event"] for e in events]
    assert "answer_language" not in events[-1]["profile"]


def test_english_questions_are_answered_as_before(client, personas, qa_world, monkeypatch, settings):
    qa_world.add_passage("c1", BATTERY, personas.collection.pk)
    client.force_login(personas.reader)
    settings.QA_ANSWER_VIA_ENGLISH = True
    translate_calls = []
    monkeypatch.setattr(
        wiring,
        "question_translator",
        lambda: QuestionTranslator(lambda messages, max_tokens, stop: translate_calls.append(1) or "x"),
    )
    qa_world.model.replies = ["Replace the battery cartridge BC-12 [1]."]
    events = _ask(client, "The UPS reports battery disconnected. What should I replace?")
    assert len(qa_world.model.calls) == 1 and not translate_calls
    assert events[-1]["text"] == "Replace the battery cartridge BC-12 [1]."


def test_the_second_look_after_a_refusal_is_drafted_in_english_and_translated(
    chinese_asker, qa_world, settings
):
    from retrieval.prompt import NOT_FOUND

    settings.QA_ANSWER_VIA_ENGLISH, settings.QA_SECOND_LOOK = True, True
    qa_world.model.replies = [NOT_FOUND, "Replace the battery cartridge BC-12 [1].", "更换电池盒 BC-12"]
    events = _ask(chinese_asker, QUESTION)
    assert all(TRANSLATION in call[-1]["content"] for call in qa_world.model.calls[:2])
    shown = "".join(e["text"] for e in events if e["event"] == "delta")
    assert shown == events[-1]["text"] == "更换电池盒 BC-12[1]。"


def test_a_reader_leaving_while_the_draft_is_written_cancels_the_answer(
    chinese_asker, qa_world, personas, settings
):
    from apps.qa import services
    from apps.qa.models import Answer

    settings.QA_ANSWER_VIA_ENGLISH = True
    qa_world.model.replies = [DRAFT]
    answer = services.start_answer(personas.reader, QUESTION, None)
    events = services.answer_events(answer, personas.reader)
    assert any(e["event"] == "status" for e in events)  # stops at the progress line
    events.close()
    answer.refresh_from_db()
    assert answer.status == Answer.Status.CANCELLED
