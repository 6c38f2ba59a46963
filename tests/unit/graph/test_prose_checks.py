""" "Make sure X, and that Y" states two checks, the second with the same verb (issue 13, session 14)."""

from functools import partial

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
