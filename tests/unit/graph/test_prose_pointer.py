"""An instruction that ends "... for the following (output)" points at the listing after it: what to look
for is there, so the instruction is no fix (issue 13, session 14)."""

from functools import partial

from .relations_under import relations_under

relations = partial(relations_under, "Guide")

PROBLEM = "The pump does not start"


def test_looking_for_the_following_points_at_a_listing(rules_extractor):
    for text in (
        "Run the self-test and look for the following output.",
        "Check for the following error messages.",
    ):
        assert relations(rules_extractor, text, PROBLEM) == set()
    # the listing holds only the option: restarting is the fix
    assert relations(rules_extractor, "Restart the daemon with the following option.", PROBLEM) == {
        (PROBLEM, "REMEDIED_BY", "Restart the daemon with the following option")
    }


def test_an_instruction_to_go_through_the_items_above_points_back(rules_extractor):
    for text in ("Check all of the questions stated above.", "Repeat the steps listed above."):
        assert relations(rules_extractor, text, PROBLEM) == set()
    assert relations(rules_extractor, "Check the valves above the pump.", PROBLEM) == {
        (PROBLEM, "REMEDIED_BY", "Check the valves above the pump")
    }
