""" "Make sure X, and that Y" states two checks, the second with the same verb (issue 13, session 14)."""

from functools import partial

from graph.checklist import Checks, checks

from .relations_under import relations_under

relations = partial(relations_under, "Guide")

PROBLEM = "The pump does not start"


def test_and_that_after_a_check_is_a_second_check(rules_extractor):
    assert relations(
        rules_extractor, "Make sure the hose is not kinked, and that the valve is open.", PROBLEM
    ) == {
        (PROBLEM, "REMEDIED_BY", "Make sure the hose is not kinked"),
        (PROBLEM, "REMEDIED_BY", "Make sure the valve is open"),
    }
    assert relations(
        rules_extractor, "Verify that the cable is plugged in and that the fuse is intact.", PROBLEM
    ) == {
        (PROBLEM, "REMEDIED_BY", "Verify that the cable is plugged in"),
        (PROBLEM, "REMEDIED_BY", "Verify that the fuse is intact"),
    }


def test_things_listed_after_check_colon_are_each_a_check(rules_extractor):
    text = (
        "There can be various reasons. To fix it, check:\nthe fuse in the plug. It should be rated 5A,\n"
        "the pressure switch. The contacts must be clean,\nyour wiring (mains and control).\n"
        "Every pump is tested at the factory."
    )
    assert relations(rules_extractor, text, PROBLEM) >= {
        (PROBLEM, "REMEDIED_BY", "check the pressure switch"),
        (PROBLEM, "REMEDIED_BY", "check your wiring"),
    }
    # a how-to question reports no problem; the list ends at a sentence of its own
    assert (
        relations(
            rules_extractor, "Check:\n- the fuse in the plug\n- the valve", "How do I install the pump?"
        )
        == set()
    )
    assert checks("If the pump hums, check:\nthe impeller\n\nthe motor is new") == [
        Checks("the pump hums", ["check the impeller"])
    ]
