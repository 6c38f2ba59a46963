"""A section title that names a kind of problems ("Common problems") states no problem of its own:
the rules file no fix or cause under it. Made-up texts."""

from functools import partial

from .relations_under import relations_under

relations = partial(relations_under, "Pump manual")


def test_a_title_naming_a_kind_of_problems_is_no_symptom(rules_extractor):
    text = "Sometimes the pump stops at night. Try moving the pump to another socket."
    for title in (
        "Hardware specific problems",
        "Common Problems",
        "3. Common problems",
        "Functionality Issues",
    ):
        assert not {r for r in relations(rules_extractor, text, title) if r[0] == title}, title
    # a title that states a problem still files the fixes under it
    assert relations(rules_extractor, text, "The pump has problems") == {
        ("The pump has problems", "REMEDIED_BY", "Try moving the pump to another socket")
    }
