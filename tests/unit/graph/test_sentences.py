"""graph.sentences: one splitter for the passes and the Diagnose excerpts."""

from graph.sentences import sentences


def test_abbreviations_end_no_sentence_and_wrapped_lines_join():
    text = "Check the cable, e.g. the one to the modem.  Then\nrestart pppd.\n\n$ pppd debug\n"
    assert sentences(text) == [
        "Check the cable, e.g. the one to the modem.",
        "Then restart pppd.",
        "$ pppd debug",
    ]


def test_chinese_full_stops_end_sentences():
    assert sentences("轴承过热。补充润滑油！检查油质") == ["轴承过热。", "补充润滑油！", "检查油质"]
