"""Graph facts keep the document's literal terms (issue 12: synonyms never rename)."""

from apps.qa.evidence import _uses_terms_of
from graph.queries import EntityRef, Fact


def _fact(head: str, tail: str) -> Fact:
    return Fact(
        EntityRef(f"Component:{head}", "Component", head),
        "REMEDIED_BY",
        EntityRef(f"Action:{tail}", "Action", tail),
        {},
        (),
    )


def test_a_fact_is_shown_when_a_cited_passage_uses_both_names_in_any_inflection():
    assert _uses_terms_of(_fact("serial cable", "replace"), ["Replacing the serial cables fixes it."])


def test_a_fact_whose_name_is_a_lexicon_rename_of_the_passage_term_is_not_shown():
    # The lexicon maps "adapter" to "bucket adaptor"; the manual never says that.
    assert not _uses_terms_of(_fact("bucket adaptor", "replace"), ["Replace the adapter."])
    assert not _uses_terms_of(_fact("wiring", "inspect"), ["Inspect the cable."])


def test_a_fact_without_readable_passages_is_not_shown():
    assert not _uses_terms_of(_fact("pump", "replace"), [])


def test_the_cause_card_chains_follow_the_diagnosis_ranking_and_skip_record_only_fixes():
    from apps.qa.evidence import _chains
    from graph.diagnose import Diagnosis
    from graph.diagnose_rank import ChainStep, Cite, Fix, ManualChain, RankedCause

    page = Cite("c9", "3", 2)
    chain = ManualChain(
        "ErrorCode:H301",
        "ram drifts",
        "Cause:seal",
        "worn seal",
        "Cause",
        "Action:kit",
        "replace kit",
        ("HS-1",),
        (ChainStep("worn seal", "REMEDIED_BY", "replace kit", (page,)),),
    )
    manual = RankedCause(
        "Cause:seal",
        "worn seal",
        "Cause",
        1.2,
        fixes=[Fix("Action:kit", "replace kit", ("HS-1",), (page,))],
        chains=[chain],
    )
    records_only = RankedCause(
        "Action:swap", "swap pump", "Action", 1.5, fixes=[Fix("Action:swap", "swap pump", (), ())]
    )
    chains = _chains(Diagnosis("H-301", None, [], [records_only, manual]))
    assert [(c.symptom, c.cause, c.action, c.parts, c.chunk_ids) for c in chains] == [
        ("ram drifts", "worn seal", "replace kit", ("HS-1",), ("c9",))
    ]
