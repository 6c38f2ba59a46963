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
