"""Chinese questions are routed like English ones (troubleshooting gets the cause card)."""

import pytest

from retrieval.question import classify


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("机械密封泄漏，故障代码 E-23，应该怎么处理？", "troubleshooting"),
        ("泵报E-23", "troubleshooting"),  # the code touches Han characters
        ("轴承过热是什么原因？", "troubleshooting"),
        ("怎样更换机械密封？", "procedure"),
        ("挖掘机 D 更换了多少次斗齿？", "aggregate"),
        # how often it breaks: its work orders (was a procedure, answered with the pump's oil interval)
        ("挖掘机 D 的液压软管多久坏一次？上次是怎么修的？", "aggregate"),
        ("How often does the hydraulic hose on excavator D fail?", "aggregate"),
        ("备用泵多久盘车一次？", "lookup"),  # a service interval stays with the manual
        ("轴承箱用什么润滑油，多久换一次？", "lookup"),
        ("箔屏蔽和编织屏蔽有什么区别？", "comparison"),
        ("质保期多长？", "lookup"),
    ],
)
def test_chinese_questions_get_the_intent_of_their_english_twins(question, intent):
    assert classify(question).intent == intent
