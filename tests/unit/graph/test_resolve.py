from graph import (
    Candidate,
    ChunkFacts,
    ChunkInput,
    InMemoryCandidates,
    RelationFact,
    Resolver,
    ResolverConfig,
    VersionFacts,
)
from graph.facts import make_mention
from graph.resolve import is_discriminated


def mention(label, name, chunk_id="c1"):
    return make_mention(label, name, chunk_id, source="test")


def version(*mentions, relations=()):
    chunk = ChunkInput("c1", "col", "doc", "v1", "")
    return VersionFacts("col", "doc", "v1", [ChunkFacts(chunk, list(mentions), list(relations))])


def decisions_by_name(decisions):
    return {d.name: d for d in decisions}


def test_identifiers_resolve_by_normalized_key_across_runs():
    existing = InMemoryCandidates([Candidate("Equipment:P101", "Equipment", "P-101")])
    _, decisions = Resolver(candidates=existing).resolve(version(mention("Equipment", "p 101")))
    assert decisions[0].method == "exact_key" and decisions[0].resolved_key == "Equipment:P101"


def test_identifiers_are_never_fuzzy_merged():
    existing = InMemoryCandidates([Candidate("ErrorCode:E47", "ErrorCode", "E-47")])
    _, decisions = Resolver(candidates=existing).resolve(version(mention("ErrorCode", "E-48")))
    assert decisions[0].method == "new"


def test_close_names_of_one_type_merge_by_fuzzy_score():
    existing = InMemoryCandidates([Candidate("Component:hydraulic pump", "Component", "hydraulic pump")])
    facts, decisions = Resolver(candidates=existing).resolve(version(mention("Component", "hydraulic pumpp")))
    assert decisions[0].method == "fuzzy" and decisions[0].score >= 92
    assert facts.chunks[0].mentions[0].key == "Component:hydraulic pump"


def test_names_are_never_merged_across_types():
    existing = InMemoryCandidates([Candidate("Symptom:overheating", "Symptom", "overheating")])
    _, decisions = Resolver(candidates=existing).resolve(version(mention("Cause", "overheating")))
    assert decisions[0].method == "new" and decisions[0].resolved_key == "Cause:overheating"


def test_a_fuzzy_score_below_the_threshold_keeps_entities_apart():
    resolver = Resolver(ResolverConfig(fuzzy_threshold=99))
    _, decisions = resolver.resolve(
        version(mention("Component", "hydraulic pumps unit"), mention("Component", "hydraulic pump unit x"))
    )
    assert {d.method for d in decisions} == {"new"}


def test_discriminating_tokens_block_merges():
    assert is_discriminated("inlet valve", "outlet valve")
    assert is_discriminated("pump 1", "pump 2")
    assert is_discriminated("ups does start", "ups does not start")
    assert not is_discriminated("hydraulic pump", "hydraulic pumps")
    resolver = Resolver()
    _, decisions = resolver.resolve(
        version(mention("Component", "left track motor"), mention("Component", "right track motor"))
    )
    assert {d.method for d in decisions} == {"new"}


def test_embedding_similarity_merges_when_fuzzy_score_is_in_the_grey_zone():
    vectors = {"cooling fan motor": [1.0, 0.0], "cooling fan motors assembly": [0.99, 0.05]}
    resolver = Resolver(
        ResolverConfig(fuzzy_threshold=98, embedding_threshold=0.95, embedding_fuzzy_floor=60),
        embedder=lambda texts: [vectors.get(t, [0.0, 1.0]) for t in texts],
    )
    _, decisions = resolver.resolve(
        version(
            mention("Component", "cooling fan motors assembly"), mention("Component", "cooling fan motor")
        )
    )
    by_name = decisions_by_name(decisions)
    assert by_name["cooling fan motor"].method == "embedding"
    assert by_name["cooling fan motor"].resolved_key == "Component:cooling fan motors assembly"


def test_relations_follow_their_resolved_ends_and_self_loops_vanish():
    a, b = mention("Component", "hydraulic pump"), mention("Component", "hydraulic pumpp")
    rel = RelationFact("HAS_COMPONENT", a.key, b.key, "c1")
    facts, _ = Resolver().resolve(version(a, b, relations=[rel]))
    assert facts.chunks[0].relations == []


def test_decisions_list_the_chunks_of_each_mention():
    facts = version(mention("Component", "seal", "c1"), mention("Component", "seal", "c2"))
    _, decisions = Resolver().resolve(facts)
    assert decisions[0].chunk_ids == ("c1", "c2")


def test_lucene_query_cannot_contain_operators():
    from graph.resolve import _lucene_query

    query = _lucene_query('Send "Y" OR wait AND NOT retry TO (UPS)~')
    assert query == "send OR wait OR not OR retry~1 OR ups"


def test_lucene_query_is_bounded_and_never_fuzzy_on_short_words():
    """The fault-table cell that once made Neo4j refuse the query (TooManyClauses)."""
    from graph.resolve import MAX_FUZZY_WORDS, MAX_QUERY_WORDS, _lucene_query

    query = _lucene_query("top up ISO VG 46 oil and bleed the suction line")
    assert query == "top OR iso OR oil OR bleed~1 OR suction~1 OR line"
    long = _lucene_query(" ".join(f"component{i}word" for i in range(40)))
    assert long.count(" OR ") + 1 == MAX_QUERY_WORDS and long.count("~") == MAX_FUZZY_WORDS


def test_lucene_query_without_fuzzy_has_exact_words_only():
    from graph.resolve import _lucene_query

    assert _lucene_query("bleed the suction line", fuzzy=False) == "bleed OR suction OR line"
    assert _lucene_query("the and of") == ""
