"""Han-script words for the diagnosis' term matching (graph/han.py, graph.diagnose_rank.terms)."""

from graph.diagnose_rank import PassageHit, answer_excerpt, similarity, terms
from graph.han import han_words


def test_han_runs_give_jieba_words_without_function_words():
    assert han_words("泵的轴承过热") == ["泵", "轴承", "过热"]
    assert han_words("the ram drifts") == []


def test_a_chinese_complaint_has_content_words_that_meet_the_tables_symptom():
    query = terms("泵 过热 报警")
    assert query == {"泵", "过热", "报警"}
    assert similarity(query, terms("轴承过热")) > 0.3
    # Latin words keep their reading beside Han ones.
    assert terms("KP-50 泵 leaking") == {"kp-50", "泵", "leak"}


def test_the_excerpt_of_a_chinese_passage_holds_the_sentence_that_answers():
    text = "启动前应手动盘车两到三圈。" * 30 + "泵内有噼啪噪声时，多为吸入压力过低引起汽蚀，应提高吸入液位。"
    found = answer_excerpt(terms("泵内有噼啪噪声"), PassageHit("c1", "d1", None, text, "故障排除"))
    assert found is not None and "汽蚀" in found[1]


def test_trade_words_jieba_cuts_apart_are_one_word_in_complaint_and_table():
    # 对中 (alignment) came out as 对 / 中 and 有啸叫声 as 有啸 / 叫声, so the complaint and the
    # fault table shared no word for the fault itself.
    assert han_words("联轴器对中不良") == ["联轴器", "对中", "不良"]
    assert "啸叫" in han_words("泵有啸叫声，压力表指针抖动")
    assert similarity(terms("泵有啸叫声"), terms("泵啸叫")) > 0.3
    # Everyday phrases around them keep their own cut.
    assert han_words("针对中国市场") == ["针对", "中国", "市场"]
