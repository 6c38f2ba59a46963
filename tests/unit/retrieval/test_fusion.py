"""Reciprocal rank fusion."""

import pytest

from retrieval.fusion import RRF_K, reciprocal_rank_fusion
from retrieval.index.base import Hit


def hits(*ids: str) -> list[Hit]:
    return [Hit(i, 1.0 / (n + 1), {"text": i}) for n, i in enumerate(ids)]


def test_it_sums_reciprocal_ranks_with_k_60():
    fused = reciprocal_rank_fusion({"dense": hits("a", "b"), "sparse": hits("b", "c")})
    scores = {f.chunk_id: f.score for f in fused}
    assert scores["b"] == pytest.approx(1 / (RRF_K + 2) + 1 / (RRF_K + 1))
    assert scores["a"] == pytest.approx(1 / (RRF_K + 1))
    assert scores["c"] == pytest.approx(1 / (RRF_K + 2))
    assert [f.chunk_id for f in fused] == ["b", "a", "c"]


def test_it_dedupes_by_chunk_id_and_keeps_per_source_ranks():
    fused = reciprocal_rank_fusion({"dense": hits("a", "a", "b"), "sparse": hits("a")})
    a = fused[0]
    assert [f.chunk_id for f in fused] == ["a", "b"]
    assert a.source_ranks == {"dense": 1, "sparse": 1}
    assert fused[1].source_ranks == {"dense": 2}


def test_it_applies_source_weights():
    fused = reciprocal_rank_fusion(
        {"dense": hits("a"), "graph": hits("g")}, weights={"dense": 1.0, "graph": 2.0}
    )
    assert fused[0].chunk_id == "g"
    assert fused[0].score == pytest.approx(2 / (RRF_K + 1))


def test_a_zero_weight_source_adds_nothing():
    fused = reciprocal_rank_fusion({"dense": hits("a", "b"), "sparse": hits("b")}, weights={"sparse": 0})
    assert [f.chunk_id for f in fused] == ["a", "b"]


def test_it_truncates_to_top_k_and_breaks_ties_deterministically():
    fused = reciprocal_rank_fusion({"x": hits("b"), "y": hits("a")}, top_k=1)
    assert [f.chunk_id for f in fused] == ["a"]


def test_it_rejects_bad_parameters():
    with pytest.raises(ValueError):
        reciprocal_rank_fusion({"x": hits("a")}, k=0)
    with pytest.raises(ValueError):
        reciprocal_rank_fusion({"x": hits("a")}, weights={"x": -1})


def test_equal_scores_in_one_source_share_the_better_rank():
    tied = [Hit("a", 2.0, {}), Hit("b", 1.0, {}), Hit("c", 1.0, {}), Hit("d", 0.5, {})]
    fused = {f.chunk_id: f for f in reciprocal_rank_fusion({"graph": tied}, k=10)}
    assert {c: f.source_ranks["graph"] for c, f in fused.items()} == {"a": 1, "b": 2, "c": 2, "d": 4}
    assert fused["c"].score == pytest.approx(fused["b"].score)


def test_a_tie_does_not_decide_the_order_the_other_sources_give():
    # The graph scores both work orders alike; its list order (corpus order) must not lift "x".
    graph = [Hit("x", 4.4, {}), Hit("y", 4.4, {})]
    sparse = [Hit("y", 9.0, {}), Hit("x", 8.0, {})]
    fused = reciprocal_rank_fusion({"graph": graph, "sparse": sparse}, k=10)
    assert [f.chunk_id for f in fused] == ["y", "x"]


def test_without_shared_ties_the_list_order_decides():
    tied = [Hit("a", 1.0, {}), Hit("b", 1.0, {})]
    fused = reciprocal_rank_fusion({"graph": tied}, k=10, share_ties=False)
    assert [f.source_ranks["graph"] for f in fused] == [1, 2]
