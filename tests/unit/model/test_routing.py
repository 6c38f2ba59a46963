import pytest

from model.errors import ModelConfigError
from model.routing import ROUTING_TABLE, AvailableModel, RouteRequest, route

# The dev profile: two dense Qwen models by size.
SMALL = AvailableModel("qwen2.5-coder-0.5b-instruct", is_moe=False, n_ctx=4096, tier="small")
LARGE = AvailableModel("qwen2.5-coder-1.5b-instruct", is_moe=False, n_ctx=4096, tier="large")
DEV = [SMALL, LARGE]
# The test profile: SmolLM2 small, the upcycled MoE large.
DENSE = AvailableModel("smollm2", is_moe=False, n_ctx=8192, tier="small")
MOE = AvailableModel("smollm2-moe", is_moe=True, n_ctx=8192, expert_count=4, tier="large")
BOTH = [DENSE, MOE]


@pytest.mark.parametrize(
    ("intent", "complexity", "model", "context", "max_new", "temperature"),
    [
        ("lookup", "low", SMALL.name, 1050, 128, 0.1),
        ("lookup", "medium", SMALL.name, 1150, 160, 0.1),
        ("chitchat", "medium", SMALL.name, 768, 128, 0.7),
        ("troubleshooting", "low", LARGE.name, 1300, 256, 0.2),
        ("troubleshooting", "high", LARGE.name, 1450, 320, 0.2),
        ("procedure", "medium", LARGE.name, 1400, 288, 0.2),
        ("comparison", "medium", LARGE.name, 1400, 288, 0.2),
        ("aggregate", "high", LARGE.name, 1450, 288, 0.0),
    ],
)
def test_it_sends_lookups_to_the_small_tier_and_reasoning_to_the_large(
    intent, complexity, model, context, max_new, temperature
):
    profile = route(RouteRequest(intent, complexity), DEV)
    assert (profile.model, profile.active_experts, profile.context_budget_tokens) == (model, None, context)
    assert (profile.max_new_tokens, profile.temperature) == (max_new, temperature)
    tier = "small" if model == SMALL.name else "large"
    assert profile.rule == f"{intent}/{complexity}/{tier}/dense"


def test_it_keeps_cpu_prompts_short_enough_for_two_cores():
    """Sources + question stay near 900 tokens on the large tier and 700 on lookups (600 reserved)."""
    for name, row in ROUTING_TABLE.items():
        limit = 1450 if row.tier == "large" else 1250
        assert max(row.context) <= limit, name
        assert max(row.max_new) <= (320 if row.tier == "large" else 192), name
    assert ROUTING_TABLE["lookup"].max_new[1] == 160
    assert (
        256
        <= ROUTING_TABLE["troubleshooting"].max_new[0]
        <= ROUTING_TABLE["troubleshooting"].max_new[2]
        <= 320
    )


@pytest.mark.parametrize(
    ("intent", "complexity", "experts"),
    [("troubleshooting", "low", 2), ("troubleshooting", "high", 4), ("procedure", "medium", 2)],
)
def test_it_applies_active_experts_when_the_large_tier_is_a_moe(intent, complexity, experts):
    profile = route(RouteRequest(intent, complexity), BOTH)
    assert (profile.model, profile.active_experts) == ("smollm2-moe", experts)
    assert profile.rule == f"{intent}/{complexity}/large/moe"
    lookup = route(RouteRequest("lookup", complexity), BOTH)
    assert (lookup.model, lookup.active_experts) == ("smollm2", None)


def test_it_covers_every_intent_with_increasing_budgets():
    assert set(ROUTING_TABLE) == {
        "lookup",
        "troubleshooting",
        "procedure",
        "comparison",
        "aggregate",
        "chitchat",
    }
    for row in ROUTING_TABLE.values():
        assert list(row.context) == sorted(row.context)
        assert list(row.max_new) == sorted(row.max_new)
        assert list(row.experts) == sorted(row.experts)


def test_it_is_deterministic_regardless_of_model_order():
    request = RouteRequest("troubleshooting", "high", turn_count=3)
    assert route(request, [MOE, DENSE]) == route(request, [DENSE, MOE])
    assert route(request, [LARGE, SMALL]) == route(request, DEV)


def test_it_picks_by_name_within_a_tier():
    other_large = AvailableModel("zz-large", is_moe=True, n_ctx=4096, expert_count=4, tier="large")
    assert route(RouteRequest("troubleshooting"), [*DEV, other_large]).model == LARGE.name


def test_it_falls_back_to_whatever_tier_is_served():
    profile = route(RouteRequest("troubleshooting"), [SMALL])
    assert (profile.model, profile.rule) == (SMALL.name, "troubleshooting/medium/large->small/dense")
    profile = route(RouteRequest("lookup"), [MOE])
    assert (profile.model, profile.active_experts, profile.rule) == (
        "smollm2-moe",
        2,
        "lookup/medium/small->large/moe",
    )


def test_it_treats_models_without_a_tier_as_small():
    untiered = AvailableModel("scripted", False, 4096)
    assert untiered.tier == "small"
    assert route(RouteRequest("troubleshooting"), [untiered]).model == "scripted"


def test_it_grows_context_with_conversation_turns_up_to_a_cap():
    base = route(RouteRequest("lookup", "low", turn_count=0), DEV).context_budget_tokens
    assert route(RouteRequest("lookup", "low", turn_count=2), DEV).context_budget_tokens == base + 512
    assert route(RouteRequest("lookup", "low", turn_count=100), DEV).context_budget_tokens == base + 1024


def test_it_shrinks_context_without_retrieval():
    profile = route(RouteRequest("troubleshooting", "high", retrieval_route="none"), DEV)
    assert profile.context_budget_tokens == 1024


def test_it_clamps_experts_to_what_the_model_runs():
    limited = AvailableModel(
        "m", is_moe=True, n_ctx=8192, expert_count=8, expert_used_counts=(1, 2), tier="large"
    )
    assert route(RouteRequest("troubleshooting", "high"), [limited]).active_experts == 2
    only_big = AvailableModel(
        "m", is_moe=True, n_ctx=8192, expert_count=8, expert_used_counts=(6,), tier="large"
    )
    assert route(RouteRequest("troubleshooting", "low"), [only_big]).active_experts == 6


def test_it_keeps_budgets_inside_a_small_context():
    small = AvailableModel("tiny", is_moe=False, n_ctx=512, tier="large")
    profile = route(RouteRequest("aggregate", "high"), [small])
    assert profile.max_new_tokens == 256
    assert profile.context_budget_tokens + profile.max_new_tokens <= 512


def test_it_refuses_to_route_without_models():
    with pytest.raises(ModelConfigError):
        route(RouteRequest("lookup"), [])
