"""A numbered procedure under a heading that reports a problem: its steps are the problem's fixes
(issue 13, session 14); a recipe of shell commands carries out a fix named elsewhere."""

from functools import partial

from .relations_under import relations_under

relations = partial(relations_under, "Guide")

PROBLEM = "The pump does not start"


def test_numbered_steps_under_a_problem_heading_remedy_it(rules_extractor):
    text = "1. Replace the fuse.\n2. Make sure the breaker is on, and restart the pump."
    assert relations(rules_extractor, text, PROBLEM) == {
        (PROBLEM, "REMEDIED_BY", "Replace the fuse"),
        (PROBLEM, "REMEDIED_BY", "Make sure the breaker is on"),
        (PROBLEM, "REMEDIED_BY", "restart the pump"),
    }
    # a how-to question reports no problem: its steps are instructions
    assert relations(rules_extractor, text, "How do I service the pump?") == set()


def test_a_recipe_of_shell_commands_is_no_fix_of_its_own(rules_extractor):
    text = (
        "1. # cd /etc/pump\n2. # cp pump.conf pump-mine.conf\n3. Edit pump-mine.conf.\n4. Restart the pump."
    )
    assert relations(rules_extractor, text, PROBLEM) == set()


def test_steps_under_a_heading_that_reports_no_problem_state_no_cause(rules_extractor):
    text = "1. Charge the battery fully.\n2. Do not exceed the rated load due to the shorter run time."
    assert relations(rules_extractor, text, "Battery care") == set()
