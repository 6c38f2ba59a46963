import pytest

from model.errors import ModelConfigError
from model.routing import ROUTING_TABLE, AvailableModel, RouteRequest, route

DENSE = AvailableModel("smollm2", is_moe=False, n_ctx=8192)
MOE = AvailableModel("smollm2-moe", is_moe=True, n_ctx=8192, expert_count=4)
BOTH = [DENSE, MOE]


@pytest.mark.parametrize(
    ("intent", "complexity", "model", "experts", "context", "max_new", "temperature"),
    [
        ("lookup", "low", "smollm2", None, 2048, 192, 0.1),
        ("chitchat", "medium", "smollm2", None, 1024, 192, 0.7),
        ("troubleshooting", "low", "smollm2-moe", 2, 3072, 384, 0.2),
        ("troubleshooting", "high", "smollm2-moe", 4, 8192 - 768, 768, 0.2),
        ("procedure", "medium", "smollm2-moe", 2, 4096, 512, 0.2),
        ("comparison", "medium", "smollm2-moe", 4, 4096, 512, 0.2),
        ("aggregate", "high", "smollm2-moe", 4, 8192 - 512, 512, 0.0),
    ],
)
def test_it_follows_the_table(intent, complexity, model, experts, context, max_new, temperature):
    profile = route(RouteRequest(intent, complexity), BOTH)
    assert (profile.model, profile.active_experts, profile.context_budget_tokens) == (model, experts, context)
    assert (profile.max_new_tokens, profile.temperature) == (max_new, temperature)
    assert profile.rule.startswith(f"{intent}/{complexity}/")


def test_it_covers_every_intent_with_increasing_budgets():
    for row in ROUTING_TABLE.values():
        assert list(row.context) == sorted(row.context)
        assert list(row.max_new) == sorted(row.max_new)
        assert list(row.experts) == sorted(row.experts)


def test_it_is_deterministic_regardless_of_model_order():
    request = RouteRequest("troubleshooting", "high", turn_count=3)
    assert route(request, [MOE, DENSE]) == route(request, [DENSE, MOE])


def test_it_falls_back_to_the_only_model():
    assert route(RouteRequest("troubleshooting"), [DENSE]).model == "smollm2"
    profile = route(RouteRequest("lookup"), [MOE])
    assert (profile.model, profile.active_experts) == ("smollm2-moe", 2)


def test_it_grows_context_with_conversation_turns_up_to_a_cap():
    base = route(RouteRequest("lookup", "low", turn_count=0), BOTH).context_budget_tokens
    assert route(RouteRequest("lookup", "low", turn_count=2), BOTH).context_budget_tokens == base + 512
    assert route(RouteRequest("lookup", "low", turn_count=100), BOTH).context_budget_tokens == base + 2048


def test_it_shrinks_context_without_retrieval():
    profile = route(RouteRequest("troubleshooting", "high", retrieval_route="none"), BOTH)
    assert profile.context_budget_tokens == 1024


def test_it_clamps_experts_to_what_the_model_runs():
    limited = AvailableModel("m", is_moe=True, n_ctx=8192, expert_count=8, expert_used_counts=(1, 2))
    assert route(RouteRequest("troubleshooting", "high"), [limited]).active_experts == 2
    only_big = AvailableModel("m", is_moe=True, n_ctx=8192, expert_count=8, expert_used_counts=(6,))
    assert route(RouteRequest("troubleshooting", "low"), [only_big]).active_experts == 6


def test_it_keeps_budgets_inside_a_small_context():
    small = AvailableModel("tiny", is_moe=False, n_ctx=1024)
    profile = route(RouteRequest("aggregate", "high"), [small])
    assert profile.max_new_tokens == 512
    assert profile.context_budget_tokens + profile.max_new_tokens <= 1024


def test_it_refuses_to_route_without_models():
    with pytest.raises(ModelConfigError):
        route(RouteRequest("lookup"), [])
