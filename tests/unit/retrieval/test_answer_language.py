"""An answer drafted in English, shown in the asker's language: citations, codes and numbers
survive the translation; a loop is stopped; only Chinese questions over English sources take
this route."""

import pytest

from retrieval.answer_language import (
    ANSWER_PROMPTS,
    AnswerLanguageConfig,
    AnswerTranslator,
    LoopGuard,
    draft_in_english,
    native_grammar,
    translation_target,
)
from retrieval.prompt import NOT_FOUND, NOT_FOUND_IN


class Script:
    """A generate callable replying from a list, recording what it was asked."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.asked = []

    def __call__(self, messages, max_tokens, stop):
        self.asked.append(messages[-1]["content"])
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


def test_citations_are_taken_off_before_and_put_back_after_the_translation():
    model = Script("将 NISPORT 设为 3551 并重启守护进程")
    out = AnswerTranslator(model, "zh").sentence("Set NISPORT to 3551 and restart the daemon [2] [3].")
    assert out.text == "将 NISPORT 设为 3551 并重启守护进程[2][3]。"
    assert model.asked == ["Set NISPORT to 3551 and restart the daemon"]  # no [n] for the model to mangle
    assert not out.restored and not out.kept_english


def test_a_citation_in_the_middle_of_a_sentence_moves_to_its_end():
    model = Script("启用网络信息服务器")
    out = AnswerTranslator(model, "zh").sentence("Enable the Network Information Server [1] in the file [2].")
    assert out.text == "启用网络信息服务器[1][2]。"


def test_codes_and_numbers_the_translation_lost_are_appended():
    model = Script("在配置文件中启用网络信息服务器")
    out = AnswerTranslator(model, "zh").sentence("Set NETSERVER on and NISPORT 3551 in `apcupsd.conf` [1].")
    assert out.restored == ("apcupsd.conf", "NETSERVER", "NISPORT", "3551")
    assert out.text == "在配置文件中启用网络信息服务器（apcupsd.conf, NETSERVER, NISPORT, 3551）[1]。"


@pytest.mark.parametrize(
    "reply",
    [
        "Set NISPORT to 3551.",  # still English
        "",
        "将 NISPORT 设为 3551，" + "然后再次检查设置，" * 20,  # a loop, not a translation
        RuntimeError("the model server is down"),
    ],
)
def test_an_unusable_translation_leaves_the_english_sentence(reply):
    sentence = "Set NISPORT to 3551 [1]."
    out = AnswerTranslator(Script(reply), "zh").sentence(sentence)
    assert out.text == sentence and out.kept_english


def test_a_list_item_keeps_its_marker():
    out = AnswerTranslator(Script("检查连接器"), "zh").sentence("2) Check the connector [4].")
    assert out.text == "2) 检查连接器[4]。"


def test_only_known_target_languages():
    with pytest.raises(ValueError, match="no answer translation"):
        AnswerTranslator(Script(), "xx")
    with pytest.raises(ValueError, match="no answer translation"):
        AnswerLanguageConfig(languages=("xx",))


ENGLISH = ["If the UPS reports battery disconnected, replace the battery cartridge."] * 2
CHINESE = ["如果不间断电源提示电池断开，请更换电池盒并检查连接器。"] * 2
QUESTION = "不间断电源提示电池断开，我该检查什么？"


def test_a_chinese_question_over_english_sources_is_drafted_in_english():
    config = AnswerLanguageConfig()
    assert translation_target(QUESTION, ENGLISH, config) == "zh"
    assert draft_in_english(QUESTION, "What should I check?", ENGLISH, config) == "zh"
    assert draft_in_english(QUESTION, None, ENGLISH, config) is None  # nothing to draft from
    assert translation_target(QUESTION, CHINESE, config) is None  # Chinese sources: answered in Chinese
    assert translation_target(QUESTION, [ENGLISH[0], CHINESE[0], CHINESE[0]], config) is None
    assert translation_target("The UPS reports battery disconnected?", ENGLISH, config) is None
    assert translation_target(QUESTION, ENGLISH, AnswerLanguageConfig(enabled=False)) is None
    assert translation_target(QUESTION, [], config) is None


# Loops the small models wrote on the bilingual bench (docs/BENCH_BILINGUAL.md).
LOOPS = [
    "set NETSERVER on and NISPORT 3551.1000.2000.3000.4000.5000.6000.7000.8000.9000.1000.1100.1200",
    "1.1 apccontrol 脚本没有正确配置；2.1 apccontrol 脚本在运行时没有正确执行；3.1 apccontrol 脚本在运行时"
    "没有正确处理电源事件；4.1 apccontrol 脚本在运行时没有正确处理系统状态；5.1 apccontrol 脚本在运行时没有"
    "正确处理系统命令；6.1 apccontrol 脚本在运行时没有正确处理系统日志；",
    "仅限于 `localhost` 上应答的 `127.0.0.1` 和 `::1` 两个地址上应答的 `3493` 端口上应答的"
    + " `localhost` 和 `::1` 两个地址上应答的 `3493` 端口上应答的" * 4,
]
PROSE = [
    "The state path probably isn't writable by the driver, check the permissions and mode on that "
    "directory vs the user account your driver starts as [1]. After making changes, try the "
    "Ownership and permissions step again [1].",
    "Allow the ports 3493, 3494, 3495 and 3496 in the firewall [2].",
    "- Check the fuse [1].\n- Check the relay [1].\n- Check the cable [1].",
]


@pytest.mark.parametrize("text", LOOPS)
def test_a_loop_is_spotted_and_cut_after_its_first_round(text):
    guard = LoopGuard()
    assert any(guard.feed(text[i : i + 3]) for i in range(0, len(text), 3))
    cut = LoopGuard().cut(text)
    assert len(cut) < len(text) * 0.6 and text.startswith(cut)


@pytest.mark.parametrize("text", PROSE)
def test_prose_and_short_lists_are_not_loops(text):
    guard = LoopGuard()
    assert not any(guard.feed(text[i : i + 3]) for i in range(0, len(text), 3))
    assert LoopGuard().cut(text) == text


def test_the_chinese_grammar_refuses_in_chinese():
    grammar = native_grammar(3, "zh")
    assert NOT_FOUND_IN["zh"] in grammar and NOT_FOUND not in grammar


@pytest.mark.parametrize("name", sorted(ANSWER_PROMPTS))
def test_every_answer_prompt_sends_one_example_then_the_sentence(name):
    translator = AnswerTranslator(Script(), "zh", prompt=ANSWER_PROMPTS[name])
    messages = translator.messages("Check the connector")
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert "Simplified Chinese" in messages[0]["content"] and messages[-1]["content"] == "Check the connector"


def test_the_default_example_has_no_subject_to_leak():
    # A printer example can put 打印机 into an answer about a UPS.
    example = " ".join(m["content"] for m in AnswerTranslator(Script(), "zh").messages("x")[1:3])
    assert "printer" not in example and "打印机" not in example


def test_the_askers_latin_words_survive_the_translation():
    from retrieval.answer_language import question_terms

    question = "apccontrol 的 powerout 事件和 onbattery 事件有什么区别？"
    assert question_terms(question) == ("apccontrol", "powerout", "onbattery")
    assert question_terms("What is the difference between powerout and onbattery?") == ()
    # the model rendered both event names in Chinese: they are put back, as a lost code is
    model = Script("电源故障事件先于开机电池事件生成")
    out = AnswerTranslator(model, "zh").sentence(
        "The powerout event comes before the onbattery event [2].", question_terms(question)
    )
    assert out.text == "电源故障事件先于开机电池事件生成（powerout, onbattery）[2]。"
    assert out.restored == ("powerout", "onbattery")
    kept = AnswerTranslator(Script("powerout 事件先于 onbattery事件"), "zh").sentence(
        "The powerout event comes before the onbattery event [2].", question_terms(question)
    )
    assert kept.text == "powerout 事件先于 onbattery事件[2]。" and not kept.restored


MANUAL = "Flash all battery lights when the runtime remaining is short. Replace the battery cartridge BC-12."


def test_the_manuals_term_is_kept_after_its_rendering_once_per_answer():
    # the first sentence's translation, its term alone, then the second sentence's translation
    model = Script("当剩余时间很短时更换电池", "剩余时间", "剩余时间不足")
    translator = AnswerTranslator(model, "zh")
    first = translator.sentence("Replace it when the runtime remaining is short [1].", sources=[MANUAL])
    assert first.text == "当剩余时间（runtime remaining）很短时更换电池[1]。"
    assert first.terms == ("runtime remaining",) and first.placed == 1
    again = translator.sentence("The runtime remaining is short [1].", sources=[MANUAL])
    assert again.text == "剩余时间不足[1]。" and again.terms == ()  # given once is enough
    assert model.asked == [
        "Replace it when the runtime remaining is short",
        "runtime remaining",
        "The runtime remaining is short",
    ]


def test_a_term_whose_rendering_is_not_in_the_sentence_is_appended_with_the_lost_codes():
    model = Script("更换电池", "电池匣")
    out = AnswerTranslator(model, "zh").sentence("Replace the battery cartridge BC-12 [1].", sources=[MANUAL])
    assert out.text == "更换电池（BC-12, battery cartridge）[1]。"
    assert out.restored == ("BC-12",) and out.terms == ("battery cartridge",) and out.placed == 0


def test_terms_only_from_the_cited_sources_and_not_when_switched_off():
    sentence = "Replace the battery cartridge [1]."
    assert AnswerTranslator(Script("更换电池盒"), "zh").sentence(sentence).text == "更换电池盒[1]。"
    off = AnswerTranslator(Script("更换电池盒"), "zh", AnswerLanguageConfig(max_terms=0))
    assert off.sentence(sentence, sources=[MANUAL]).text == "更换电池盒[1]。"


def test_a_single_word_term_needs_word_statistics():
    model = Script("剩余时间很短", "剩余时间")
    out = AnswerTranslator(model, "zh", everyday=frozenset({"short"})).sentence(
        "The runtime is short [1].", sources=[MANUAL]
    )
    assert out.text == "剩余时间（runtime）很短[1]。"


def test_a_term_the_asker_typed_is_not_given_twice():
    model = Script("更换电池盒")
    out = AnswerTranslator(model, "zh").sentence(
        "Replace the battery cartridge [1].", keep=("cartridge",), sources=[MANUAL]
    )
    assert out.text == "更换电池盒（cartridge）[1]。" and out.terms == ()
    assert len(model.asked) == 1  # no model call to place a term that is not kept
