"""A follow-up that points back without naming anything is searched with the turn it points to."""

import pytest

from retrieval.question import search_query, stands_alone

PUMP = "What does fault code E-22 on the KP-50 pump mean?"


@pytest.mark.parametrize(
    "question",
    [
        "Which spare part do I need for that?",  # eight words: the old length rule let it through
        "How often should it be checked on site?",
        "这个要换什么零件？",
        "and the second one?",
    ],
)
def test_questions_that_point_back_do_not_stand_alone(question):
    assert not stands_alone(question)


@pytest.mark.parametrize(
    "question",
    [
        PUMP,
        "What does it mean when the UPS beeps every 30 seconds?",  # points back, but names the UPS
        "How do I wire the E-stop so LinuxCNC stops the machine when the emergency stop is pressed?",
        "挖掘机 D 的液压软管多久坏一次？上次是怎么修的？",
    ],
)
def test_questions_that_name_their_thing_stand_alone(question):
    assert stands_alone(question)


def test_a_follow_up_is_searched_with_the_question_it_points_back_to():
    assert search_query("Which spare part do I need for that?", [PUMP]) == (
        f"{PUMP} Which spare part do I need for that?"
    )


def test_a_chain_of_follow_ups_reaches_back_to_the_named_thing():
    earlier = ["How do I test apcupsd?", PUMP, "Which spare part do I need for that?"]
    assert search_query("How long does it take to fit it?", earlier) == (
        f"{PUMP} Which spare part do I need for that? How long does it take to fit it?"
    )


def test_a_question_that_stands_alone_is_searched_as_asked():
    assert search_query("How do I test apcupsd on a Smart-UPS?", [PUMP]) == (
        "How do I test apcupsd on a Smart-UPS?"
    )
    assert search_query("Which spare part do I need for that?", []) == "Which spare part do I need for that?"
