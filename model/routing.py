"""Deterministic, table-driven query routing to a compute profile.

The qa app classifies a question (intent, complexity) and picks a retrieval route; this module
turns that, plus the conversation's length and the models on offer, into the compute the model
server should spend. The same inputs always give the same profile, and the profile names the
table rule that produced it so every answer can record why it got what it got.

Models are chosen by size tier, not by name: lookups and chit-chat go to the ``small`` tier,
troubleshooting, procedures, comparisons and record aggregates to the ``large`` tier. When the
large tier is a MoE the active-expert column applies (clamped to the counts the server runs).
With only one tier served, it answers everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .config import Tier
from .errors import ModelConfigError

Intent = Literal["lookup", "troubleshooting", "procedure", "comparison", "aggregate", "chitchat"]
Complexity = Literal["low", "medium", "high"]
RetrievalRoute = Literal["none", "dense", "hybrid", "graph", "records"]

_LEVEL = {"low": 0, "medium": 1, "high": 2}


@dataclass(frozen=True)
class AvailableModel:
    """A model the server offers, as the router sees it."""

    name: str
    is_moe: bool
    n_ctx: int
    expert_count: int = 0
    expert_used_counts: tuple[int, ...] = ()  # counts the server can run; empty = any in 1..expert_count
    tier: Tier = "small"


@dataclass(frozen=True)
class RouteRequest:
    intent: Intent
    complexity: Complexity = "medium"
    turn_count: int = 0  # earlier user turns in this conversation
    retrieval_route: RetrievalRoute = "hybrid"


@dataclass(frozen=True)
class ComputeProfile:
    """What one answer may spend. ``active_experts`` is None for dense models.

    ``context_budget_tokens`` is the whole prompt: system rules, history, numbered sources and
    the question (apps/qa keeps 600 of it for everything but the sources).
    """

    model: str
    active_experts: int | None
    context_budget_tokens: int
    max_new_tokens: int
    temperature: float
    rule: str


@dataclass(frozen=True)
class _Row:
    tier: Tier
    experts: tuple[int, int, int]  # by complexity low/medium/high
    context: tuple[int, int, int]
    max_new: tuple[int, int, int]
    temperature: float


# Sized for 2 CPU cores, where prompt evaluation sets the time to first token: Qwen2.5 1.5B
# evaluates ~66 prompt tok/s and decodes ~12 tok/s, 0.5B 120 / 22 (docs/BENCH_MODEL.md). A
# large-tier answer gets at most ~850 tokens of sources (prompt ~1,000 tokens: ~15 s before the
# first token) and 256-320 new tokens (~25 s); a lookup ~450-650 tokens of sources and ~160 new
# tokens on the small model (~6 s + ~7 s). Where a GPU serves the models these can grow.
ROUTING_TABLE: dict[str, _Row] = {
    "chitchat": _Row("small", (1, 1, 2), (768, 768, 1024), (96, 128, 160), 0.7),
    "lookup": _Row("small", (1, 2, 2), (1050, 1150, 1250), (128, 160, 192), 0.1),
    "procedure": _Row("large", (2, 2, 4), (1300, 1400, 1450), (256, 288, 320), 0.2),
    "troubleshooting": _Row("large", (2, 4, 8), (1300, 1400, 1450), (256, 288, 320), 0.2),
    "comparison": _Row("large", (2, 4, 4), (1300, 1400, 1450), (256, 288, 320), 0.2),
    "aggregate": _Row("large", (2, 2, 4), (1300, 1400, 1450), (192, 256, 288), 0.0),
}
# Each earlier turn carries history into the prompt; the budget grows by this much per turn,
# capped: the history is re-evaluated every turn (new sources precede it in the prompt).
HISTORY_TOKENS_PER_TURN = 256
HISTORY_TOKENS_MAX = 1024
# Without retrieved sources the prompt is only the question and history.
NO_RETRIEVAL_CONTEXT_TOKENS = 1024


def route(request: RouteRequest, models: list[AvailableModel]) -> ComputeProfile:
    """Pick the model and compute budget for one answer.

    Args:
        request: intent, complexity, turn count and retrieval route of the question.
        models: models the server offers (at least one).

    Returns:
        The compute profile; the same inputs always give the same profile.
    """
    row = ROUTING_TABLE[request.intent]
    level = _LEVEL[request.complexity]
    model = _pick_model(row.tier, models)
    max_new = min(row.max_new[level], model.n_ctx // 2)
    context = _context_budget(row.context[level], request)
    context = max(min(context, model.n_ctx - max_new), 0)
    experts = _clamp_experts(row.experts[level], model) if model.is_moe else None
    tier = row.tier if model.tier == row.tier else f"{row.tier}->{model.tier}"  # a fallback shows
    rule = f"{request.intent}/{request.complexity}/{tier}/{'moe' if model.is_moe else 'dense'}"
    return ComputeProfile(model.name, experts, context, max_new, row.temperature, rule)


def _pick_model(tier: Tier, models: list[AvailableModel]) -> AvailableModel:
    if not models:
        raise ModelConfigError("routing needs at least one available model")
    wanted = [m for m in models if m.tier == tier]
    # Sort by name so the choice never depends on the order the server listed models; without
    # the tier asked for, whatever is served answers.
    return sorted(wanted or models, key=lambda m: m.name)[0]


def _context_budget(base: int, request: RouteRequest) -> int:
    if request.retrieval_route == "none":
        base = min(base, NO_RETRIEVAL_CONTEXT_TOKENS)
    history = min(request.turn_count * HISTORY_TOKENS_PER_TURN, HISTORY_TOKENS_MAX)
    return base + history


def _clamp_experts(wanted: int, model: AvailableModel) -> int:
    allowed = model.expert_used_counts or tuple(range(1, model.expert_count + 1))
    # The largest runnable count not above the table's wish; the smallest one if all are above it.
    fitting = [k for k in allowed if k <= wanted]
    return max(fitting) if fitting else min(allowed)
