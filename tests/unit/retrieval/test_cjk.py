"""Chinese text in parsing and chunking: width normalisation, sentence ends, numbered headings."""

from retrieval import cjk
from retrieval.chunk import split_text
from retrieval.parse import parse_file


def test_full_width_codes_are_narrowed_and_chinese_punctuation_kept():
    assert cjk.normalize_width("润滑油备件编号为 ＫＰ－ＯＩＬ－６８（20 L 桶装）。") == (
        "润滑油备件编号为 KP-OIL-68（20 L 桶装）。"
    )
    assert cjk.normalize_width("型号：ＭＳ－５０２０，数量：２") == "型号：MS-5020，数量：2"
    assert cjk.normalize_width("plain ASCII text") == "plain ASCII text"


def test_a_full_width_dash_between_words_is_not_a_code():
    assert cjk.normalize_width("停机－检查") == "停机－检查"


def test_sentences_split_at_chinese_and_latin_ends_keeping_every_character():
    text = "先关闭出口阀。再切断电源！最后关闭进口阀；完成。Then restart. Done"
    parts = cjk.split_sentences(text)
    assert parts == ["先关闭出口阀。", "再切断电源！", "最后关闭进口阀；", "完成。", "Then restart.", " Done"]
    assert "".join(parts) == text


def test_chinese_numbered_headings_get_levels():
    assert cjk.heading_level("第一章 概述") == 1
    assert cjk.heading_level("第3章 故障排除") == 1
    assert cjk.heading_level("第二节 日常检查") == 2
    assert cjk.heading_level("一、适用范围") == 2
    assert cjk.heading_level("（一）安全须知") == 3


def test_numbered_sentences_are_not_headings():
    assert cjk.heading_level("（一）检修前必须切断电机电源，并在配电柜上挂牌上锁。") is None
    assert cjk.heading_level("一、") is None
    assert cjk.heading_level("Chapter 1") is None


def test_join_lines_adds_no_space_between_chinese_characters():
    assert cjk.join_lines(["检修前必须切断", "电机电源。", "Then check", "the seal."]) == (
        "检修前必须切断电机电源。 Then check the seal."
    )


def test_long_chinese_prose_is_split_at_sentence_ends():
    sentence = "轴承温度不得超过七十五摄氏度并且温升不得超过环境温度四十度。"
    text = sentence * 6
    pieces = split_text(text, 60, len)
    assert len(pieces) > 1
    assert all(p.endswith("。") for p in pieces)
    assert "".join(pieces) == text


def test_plain_text_chinese_manual_gets_headings_and_narrow_codes(tmp_path):
    path = tmp_path / "manual.txt"
    path.write_text(
        "第一章 概述\n本手册适用于 KP-50 型离心泵。\n\n一、润滑\n轴承箱使用透平油，\n"
        "备件编号为 ＫＰ－ＯＩＬ－６８。\n（一）换油周期\n每运行 2000 小时换油一次。\n",
        encoding="utf-8",
    )
    document = parse_file(path)
    headings = [(b.text, b.level) for b in document.blocks if b.kind.value == "heading"]
    assert headings == [("第一章 概述", 1), ("一、润滑", 2), ("（一）换油周期", 3)]
    body = [b for b in document.blocks if b.kind.value == "paragraph"]
    assert body[1].text == "轴承箱使用透平油，备件编号为 KP-OIL-68。"
    assert body[1].heading_path == ("第一章 概述", "一、润滑")
    assert body[2].heading_path == ("第一章 概述", "一、润滑", "（一）换油周期")


def test_a_chinese_passage_costs_tokens_per_character_not_per_word():
    english = "Replace the mechanical seal assembly when the seal leaks more than three drops per minute."
    chinese = "机械密封每分钟泄漏超过三滴时，应更换机械密封组件，备件编号 MS-5020。"
    assert cjk.estimate_prompt_tokens(english) == int(15 * 1.35) + 1
    # Two "words" by spaces, 27 Han characters: the Chinese passage is no longer nearly free.
    assert cjk.estimate_prompt_tokens(chinese) == int(2 * 1.35 + 27 * 0.75) + 1
    assert cjk.estimate_prompt_tokens(chinese * 10) > 9 * cjk.estimate_prompt_tokens(chinese)
