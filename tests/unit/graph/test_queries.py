from graph.queries import question_norms


def test_question_norms_cover_long_symptom_names_and_identifiers():
    norms = question_norms("Why does the grease pump stop delivering lubricant after start-up on excavator A")
    assert "grease pump stop delivering lubricant after start up" in norms
    assert "A" in norms  # an upper-case single letter may be an asset tag
    assert "a" not in norms and "the" not in norms
