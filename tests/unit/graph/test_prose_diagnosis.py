"""'If <observation>, then <diagnosis>' reads the condition as the symptom and the clause as its cause."""

from graph import ChunkInput, ExtractionConfig, Extractor


def _caused_by(text: str) -> set[tuple[str, str]]:
    facts = Extractor(ExtractionConfig(use_ner=False)).extract(ChunkInput("c1", "col", "doc", "v1", text))
    names = {m.key: m.name for m in facts.mentions}
    return {(names[r.head], names[r.tail]) for r in facts.relations if r.type == "CAUSED_BY"}


def test_an_observation_followed_by_a_diagnosis_is_symptom_caused_by_cause():
    text = (
        "If upsd says that it can't connect to a UPS or that the data is stale, "
        "then your ups.conf is not configured correctly."
    )
    assert _caused_by(text) == {
        (
            "upsd says that it can't connect to a UPS or that the data is stale",
            "your ups.conf is not configured correctly",
        )
    }


def test_a_condition_with_a_future_failure_keeps_the_outcome_as_the_symptom():
    text = "If the halt script is not modified, apcupsd will not be able to shut off the power."
    assert _caused_by(text) == {
        ("apcupsd will not be able to shut off the power", "the halt script is not modified")
    }
