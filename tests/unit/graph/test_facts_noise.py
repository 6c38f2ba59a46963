"""Facts that say too little to show as evidence: sentence-length names, co-occurrence-only SHOWS."""

from graph import ChunkInput, ExtractionConfig, Extractor
from graph.facts import COOCCURRENCE, is_noise_fact


def test_a_shows_link_only_co_occurrence_supports_is_noise():
    assert is_noise_fact("SHOWS", "ups", "structural damage", [COOCCURRENCE])
    assert not is_noise_fact("SHOWS", "pump", "leak", [COOCCURRENCE, "record"])
    assert not is_noise_fact("ACTS_ON", "replace", "battery", [COOCCURRENCE])


def test_a_sentence_stored_as_an_entity_is_noise():
    sentence = (
        "Do not exceed 80 percent of a UPS unit's rated capacity because the run time "
        "drops sharply at full load"
    )
    assert is_noise_fact("CAUSED_BY", sentence, "reduced run time", ["prose"])
    assert not is_noise_fact("CAUSED_BY", "ram drifts down under load", "worn piston seal", ["table"])


def test_co_occurrence_links_are_marked_as_such_by_the_extractor():
    extractor = Extractor(ExtractionConfig(use_ner=False))
    facts = extractor.extract(
        ChunkInput("c1", "col", "doc", "v1", "The hydraulic pump shows a leak at the seal.")
    )
    shows = [r for r in facts.relations if r.type == "SHOWS"]
    assert shows and all(r.source == COOCCURRENCE for r in shows)
