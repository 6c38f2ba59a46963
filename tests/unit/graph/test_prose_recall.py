"""Recall of the answer cues on prose FAQ answers (issue 13, session 13): the ways answers word a cause
("Very often the cause of this is that Y", "it may be that Y", "The third possibility is that Y", a
list announced by "There are three basic possibilities:") and a fix ("The real fix would be to Y",
"You can fix this behaviour by Ying", "I would recommend Ying", "First, <imperative>", "If that doesn't
work then <imperative>"), and the announcement itself is no cause."""

from functools import partial

from .relations_under import relations_under

relations = partial(relations_under, "Guide")

PROBLEM = "The pump will not start"


def test_cause_cues_with_how_often_or_how_sure_in_front(rules_extractor):
    assert relations(rules_extractor, "Very often the cause of this is that the breaker has tripped.", PROBLEM) == {
        (PROBLEM, "CAUSED_BY", "the breaker has tripped")
    }
    assert relations(rules_extractor, "What probably happened is that the breaker has tripped.", PROBLEM) == {
        (PROBLEM, "CAUSED_BY", "the breaker has tripped")
    }
    assert relations(rules_extractor, "It is very well possible that the breaker has tripped.", PROBLEM) == {
        (PROBLEM, "CAUSED_BY", "the breaker has tripped")
    }
    why = "Why does the pump stop after a minute?"
    for text in ("This is almost definitely due to a clogged filter.", "This usually is the result of a clogged filter."):
        assert relations(rules_extractor, text, why) == {("the pump stop after a minute", "CAUSED_BY", "a clogged filter")}


def test_causes_in_a_row_of_possibilities(rules_extractor):
    text = (
        "Firstly, it's possible that the breaker has tripped. Alternatively, it may be that the fuse has "
        "blown. The third possibility is that the relay is stuck."
    )
    assert relations(rules_extractor, text, PROBLEM) == {
        (PROBLEM, "CAUSED_BY", "the breaker has tripped"),
        (PROBLEM, "CAUSED_BY", "the fuse has blown"),
        (PROBLEM, "CAUSED_BY", "the relay is stuck"),
    }
    # under a how-to question there is no problem for them to cause
    assert relations(rules_extractor, text, "How do I install the pump?") == set()


def test_an_announced_list_of_possibilities_names_the_causes_not_the_announcement(rules_extractor):
    text = (
        "There are three basic possibilities:\n  - the filter is clogged\n  - the relay is sticking\n"
        "  - the motor is overheating\n\nDetecting a clogged filter is easy."
    )
    assert relations(rules_extractor, text, "The pump stops after a minute.  Why?") == {
        ("The pump stops after a minute", "CAUSED_BY", "the filter is clogged"),
        ("The pump stops after a minute", "CAUSED_BY", "the relay is sticking"),
        ("The pump stops after a minute", "CAUSED_BY", "the motor is overheating"),
    }
    # paragraphs after the announcement are no list: a wrapped line is no cause, nor is the announcement
    text = "There are three possible reasons for this:\n\nMany pumps are shipped with the\nbreaker switched off."
    assert relations(rules_extractor, text, "Why can't I start the pump?") == set()


def test_fix_cues_of_prose_answers(rules_extractor):
    for text, fix in (
        ("The real fix would be to replace the relay.", "replace the relay"),
        ("The answer is to reset the breaker.", "reset the breaker"),
        ("Another alternative is to bypass the relay with a jumper.", "bypass the relay with a jumper"),
        ("You can fix this behaviour by replacing the relay.", "replacing the relay"),
        ("I would recommend replacing the relay.", "replacing the relay"),
        ("However, the relay is old; I recommend that you replace the relay.", "replace the relay"),
        ("First, check the breaker.", "check the breaker"),
        ("If that doesn't work then replace the relay.", "replace the relay"),
    ):
        assert (PROBLEM, "REMEDIED_BY", fix) in relations(rules_extractor, text, PROBLEM), text
    # a suggestion that states no step is no fix
    assert relations(rules_extractor, "I suggest that this is a bug in the controller.", PROBLEM) == set()


def test_an_answer_that_opens_by_stating_the_fault_with_a_hedge_or_a_bug(rules_extractor):
    question = "Q: The display shows garbage when I run my editor."
    assert relations(rules_extractor, "A: Probably you got the termcap entries wrong.", question) == {
        ("The display shows garbage when I run my editor", "CAUSED_BY", "you got the termcap entries wrong")
    }
    text = "A: The curses library has a bug if attributes are cleared with the ue capability."
    assert relations(rules_extractor, text, question) == {
        (
            "The display shows garbage when I run my editor",
            "CAUSED_BY",
            "The curses library has a bug if attributes are cleared with the ue capability",
        )
    }
    # a pronoun subject restates the problem; a condition without a bug is an outcome
    assert relations(rules_extractor, "A: It has a bug if attributes are cleared.", question) == set()
    assert relations(rules_extractor, "A: The editor is broken if the locale is unset.", question) == set()


def test_what_is_necessary_or_recommended_against_the_problem(rules_extractor):
    assert relations(rules_extractor, "It is most likely necessary to enable the relay on the host.", PROBLEM) == {
        (PROBLEM, "REMEDIED_BY", "enable the relay on the host")
    }
    text = "When running the pump on a generator, it is recommended to fit a soft starter."
    assert relations(rules_extractor, text, PROBLEM) == {(PROBLEM, "REMEDIED_BY", "fit a soft starter")}
    # the same words under a how-to question are an instruction, no remedy
    assert relations(rules_extractor, text, "How do I install the pump?") == set()


def test_causes_after_an_announcement_of_reasons_why_something_fails(rules_extractor):
    text = (
        "Fundamentally, there are two basic reasons why a pump may stop early. Either the controller does not "
        "like the setting (so never sends it), or the motor does not like the setting (so never starts).\n\n"
        "There are three further possibilities to consider:\n\nOne is that the relay sticks.\n\n"
        "Alternatively, the motor may simply not support the speed being requested.\n\n"
        "Finally, it may be that the motor is simply taking too long to start.\n\nFinally, check the log."
    )
    stops = "a pump may stop early"
    assert relations(rules_extractor, text, "Why does the pump not run?") == {
        (stops, "CAUSED_BY", "the controller does not like the setting"),
        (stops, "CAUSED_BY", "the motor does not like the setting"),
        (stops, "CAUSED_BY", "the motor may simply not support the speed being requested"),
        (stops, "CAUSED_BY", "the motor is simply taking too long to start"),
        ("the pump not run", "REMEDIED_BY", "check the log"),
    }
    assert relations(rules_extractor, text, "How do I install the pump?") == set()
    # without an announcement "Alternatively, <statement>" is no cause; opening a "why" answer it is
    # one, without its lead
    text = "Alternatively, the motor may simply not support the speed being requested."
    assert relations(rules_extractor, text, "The pump does not run") == set()
    assert relations(rules_extractor, text, "Why does the pump not run?") == {
        ("the pump not run", "CAUSED_BY", "the motor may simply not support the speed being requested")
    }


def test_an_announced_list_whose_marks_the_parser_dropped(rules_extractor):
    # the text parser writes "  - the filter is clogged" as a bare line
    text = (
        "There are three basic possibilities:\nthe filter is clogged\nthe relay is sticking\n"
        "the motor is overheating\nDetecting a clogged filter is easy."
    )
    assert relations(rules_extractor, text, "The pump stops after a minute.  Why?") == {
        ("The pump stops after a minute", "CAUSED_BY", "the filter is clogged"),
        ("The pump stops after a minute", "CAUSED_BY", "the relay is sticking"),
        ("The pump stops after a minute", "CAUSED_BY", "the motor is overheating"),
    }


def test_a_possible_cause_conceded_then_contrasted_names_what_follows_but(rules_extractor):
    text = "Alternatively, it may be that the relay does work, but the breaker is set to block the current."
    assert relations(rules_extractor, text, PROBLEM) == {(PROBLEM, "CAUSED_BY", "the breaker is set to block the current")}


def test_a_step_that_may_solve_the_problem_is_a_fix(rules_extractor):
    text = "With newer relays, enabling the soft start option may solve the problem, though it is not always there."
    assert relations(rules_extractor, text, PROBLEM) == {(PROBLEM, "REMEDIED_BY", "enabling the soft start option")}
    assert relations(rules_extractor, "Everything else here should fix the problem.", PROBLEM) == set()


def test_this_may_be_because(rules_extractor):
    text = "This may be because the relay is blocked by the interlock."
    assert relations(rules_extractor, text, PROBLEM) == {(PROBLEM, "CAUSED_BY", "the relay is blocked by the interlock")}


def test_more_instruction_verbs_under_a_problem_heading(rules_extractor):
    assert relations(rules_extractor, "Ask your dealer for a new relay.", PROBLEM) == {
        (PROBLEM, "REMEDIED_BY", "Ask your dealer for a new relay")
    }
    assert relations(rules_extractor, "Leave the pump undisturbed for an hour.", PROBLEM) == {
        (PROBLEM, "REMEDIED_BY", "Leave the pump undisturbed for an hour")
    }
    assert relations(rules_extractor, "Find out why.", PROBLEM) == set()
    assert relations(rules_extractor, "Ask your dealer for a new relay.", "How do I install the pump?") == set()


def test_then_without_a_comma_ends_a_condition_only_before_an_instruction(rules_extractor):
    assert relations(rules_extractor, "If the pump then fails, replace the fuse.", PROBLEM) == {
        ("the pump then fails", "REMEDIED_BY", "replace the fuse")
    }
