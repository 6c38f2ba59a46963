"""Answers in the asker's language: the prompt ends with an instruction in that language."""

from retrieval.prompt import answer_language_hint, build_messages


def test_a_chinese_question_gets_a_chinese_answer_instruction_after_it():
    messages = build_messages("机械密封漏了要换哪个备件？", [])
    assert messages[-1]["content"].endswith(
        "机械密封漏了要换哪个备件？\n\n" + answer_language_hint("机械密封漏了要换哪个备件？")
    )
    assert "简体中文" in answer_language_hint("泵 P-101 报 E-47 故障怎么办")


def test_an_english_question_is_left_as_it_was():
    assert answer_language_hint("pump P-101 trips with E-47, what do I check?") == ""
    assert build_messages("which part?", [])[-1]["content"].endswith("Question: which part?")


def test_chitchat_in_chinese_also_gets_the_instruction():
    messages = build_messages("你好", [], chitchat=True)
    assert messages[-1]["content"].startswith("你好\n\n请用简体中文回答")


def test_the_evidence_answer_quotes_a_chinese_sentence_as_written_with_its_full_stop():
    from retrieval.evidence_answer import best_sentences
    from retrieval.prompt import Source

    text = "检查联轴器对中情况，径向偏差不得大于 0.05 mm。检查地脚螺栓，紧固力矩为 180 N·m。"
    answer = best_sentences("地脚螺栓要拧到多大力矩？", [Source("passage", text, "c1", number=1)])
    assert answer.kind == "extract"
    assert answer.items[0]["text"] == "检查地脚螺栓，紧固力矩为 180 N·m。"
    assert answer.text == "检查地脚螺栓，紧固力矩为 180 N·m [1]。"
