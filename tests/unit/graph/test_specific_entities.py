"""Which linked entities may seed graph-boosted passages (issue 12: the graph only adds)."""

from graph.queries import is_specific


def test_codes_parts_and_models_are_specific_unless_many_passages_mention_them():
    assert is_specific("ErrorCode", 2, 1000)
    assert is_specific("Part", 40, 1000)
    assert is_specific("Model", 3, 73)  # at most 3 chunks is always few
    assert not is_specific("Model", 9, 73)  # RAID10 in 12% of a FAQ's passages


def test_actions_are_never_specific():
    assert not is_specific("Action", 1, 1000)  # "change" -> the action "replace"


def test_ner_names_are_never_specific():
    for label in ("Person", "Organization", "Site"):
        assert not is_specific(label, 1, 1000)


def test_lexicon_names_are_specific_only_when_rare_in_the_collection():
    assert is_specific("Component", 15, 1000)
    assert not is_specific("Component", 397, 1338)  # "ups" in a UPS manual
    assert not is_specific("Component", 30, 1000)
    assert is_specific("Component", 30, 1000, max_share=0.05)


def test_an_entity_no_readable_passage_mentions_is_not_specific():
    assert not is_specific("ErrorCode", 0, 1000)
