"""Pure logic of the graph browser: query escaping, neighbourhood caps, relation ids."""

import pytest

from graph.browse import (
    MAX_DEPTH,
    MAX_NODE_CAP,
    GraphNode,
    RelationId,
    Subgraph,
    clamp_neighbourhood,
    lucene_query,
)


def test_it_escapes_lucene_syntax_in_search_text():
    query = lucene_query('P-101 "oil" (pump)')
    assert r"p\-101" in query and r"\"oil\"" in query and r"\(pump\)" in query
    assert query.endswith("OR norm:P101OILPUMP")


def test_it_returns_no_query_for_punctuation_only_text():
    assert lucene_query("  ") == ""
    assert lucene_query("*") == ""


def test_lucene_operators_typed_by_the_user_are_plain_words():
    assert "(or OR or*)" in lucene_query("pump OR")


def test_it_bounds_the_search_text():
    assert lucene_query("x " * 1000).count("x") <= 12 * 2


@pytest.mark.parametrize(("given", "expected"), [
    ((1, 150, 0), (1, 150, 0)),
    ((0, 0, -5), (1, 1, 0)),
    ((9, 10**9, 10), (MAX_DEPTH, MAX_NODE_CAP, 10)),
])
def test_it_clamps_depth_cap_and_offset(given, expected):
    assert clamp_neighbourhood(*given) == expected


def test_subgraph_reports_showing_n_of_m():
    nodes = tuple(GraphNode(f"Part:{i}", "Part", str(i)) for i in range(150))
    sub = Subgraph(GraphNode("Equipment:HUB", "Equipment", "hub"), nodes, (), 50_000, 0)
    data = sub.as_dict()
    assert (data["shown"], data["total"], data["has_more"]) == (150, 50_000, True)
    last = Subgraph(None, nodes[:50], (), 200, 150)
    assert last.has_more is False


def test_relation_ids_round_trip_and_reject_tampering():
    rid = RelationId("Component:oil pump", "SHOWS", "Symptom:<script>", "2")
    assert RelationId.decode(rid.encode()) == rid
    with pytest.raises(ValueError):
        RelationId.decode("not-base64!!")
    import base64
    import json

    bad_type = base64.urlsafe_b64encode(json.dumps(["a", "DETACH DELETE", "b", ""]).encode()).decode()
    with pytest.raises(ValueError):
        RelationId.decode(bad_type)
