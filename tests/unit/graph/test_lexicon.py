from graph.lexicon import Lexicon


def test_packaged_lexicon_maps_aliases_to_canonical_names():
    lexicon = Lexicon.load()
    found = {(m.label, m.canonical) for m in lexicon.find("L/H bucket cyl leaking, c/o hyd hose")}
    assert ("Component", "bucket cylinder") in found
    assert ("Component", "hydraulic hose") in found
    assert ("FailureMode", "leak") in found
    assert ("Action", "replace") in found


def test_a_term_inside_a_longer_term_is_dropped():
    lexicon = Lexicon(
        {
            "Component": {"lights": ["light"], "fire suppression": []},
            "FailureMode": {"warning light": [], "smoke": ["fire"]},
        }
    )
    found = [(m.label, m.canonical) for m in lexicon.find("warning light on the fire suppression")]
    assert found == [("FailureMode", "warning light"), ("Component", "fire suppression")]


def test_matching_respects_word_boundaries():
    lexicon = Lexicon({"Component": {"pin": []}})
    assert lexicon.find("spinning pins") == []
    assert [m.surface for m in lexicon.find("replace pin")] == ["pin"]
