"""Checklists of yes/no questions under a problem (graph.checklist, issue 13 session 14): each question
after "If X, check the following:" names a cause of X to rule out."""

from functools import partial

from graph.checklist import checklists

from .relations_under import relations_under

relations = partial(relations_under, "Guide")


def test_questions_after_a_check_the_following_lead_are_causes_of_its_condition(rules_extractor):
    text = (
        "If the heater does not warm up, check the following items:\n"
        "Is the heater plugged in?\n"
        "Is the thermostat set to a high enough temperature?\n"
        "Is the fan blocked by dust? (i.e. lint, hair, etc.)\n"
        "Does the display show the set temperature?"
    )
    assert relations(rules_extractor, text, "Heating problems") == {
        ("the heater does not warm up", "CAUSED_BY", "the heater is not plugged in"),
        (
            "the heater does not warm up",
            "CAUSED_BY",
            "the thermostat is not set to a high enough temperature",
        ),
        ("the heater does not warm up", "CAUSED_BY", "the fan is blocked by dust"),
        ("the heater does not warm up", "CAUSED_BY", "the display does not show the set temperature"),
    }


def test_a_bare_lead_files_the_causes_under_the_heading_problem(rules_extractor):
    text = "Check the following:\n- Is the power cord connected to the outlet?\n- Is the fuse blown?"
    assert relations(rules_extractor, text, "The heater does not turn on") == {
        ("The heater does not turn on", "CAUSED_BY", "the power cord is not connected to the outlet"),
        ("The heater does not turn on", "CAUSED_BY", "the fuse is blown"),
    }


def test_questions_without_a_lead_or_about_the_reader_name_no_cause(rules_extractor):
    assert (
        relations(
            rules_extractor, "Is the heater plugged in? Is the fuse blown?", "The heater does not turn on"
        )
        == set()
    )
    # "Are you using an extension cord?" says neither way which answer is the fault
    assert checklists("If the heater trips, check the following:\nAre you using an extension cord?") == []
    # a negated conjunction reads no way round; the list ends at the first line that asks nothing
    found = checklists(
        "If the heater trips, check these:\nIs the heater on and not in standby?\nIs the cord damaged?\n"
        "Heaters draw a lot of current.\nIs the outlet grounded?"
    )
    assert [(c.problem, c.causes) for c in found] == [("the heater trips", ["the cord is damaged"])]


def test_if_not_after_a_yes_no_question_branches_on_its_failed_state(rules_extractor):
    text = "If you press the switch, does the lamp light? If not, there may be a wiring fault in the base."
    assert relations(rules_extractor, text, "Lamp problems") == {
        ("the lamp does not light", "CAUSED_BY", "a wiring fault in the base")
    }
    text = "Is the fuse intact? If not, replace the fuse with one of the same rating."
    assert relations(rules_extractor, text, "The lamp does not light") == {
        ("the fuse is not intact", "REMEDIED_BY", "replace the fuse with one of the same rating")
    }
    # a "No" to a question about a fault is no fault
    assert (
        relations(rules_extractor, "Is the fuse blown? If not, replace the bulb.", "Lamp problems") == set()
    )
