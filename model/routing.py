"""Deterministic, table-driven query routing to a compute profile.

The qa app classifies a question (intent, complexity) and picks a retrieval route; this module
turns that, plus the conversation's length and the models on offer, into the compute the model
server should spend. The same inputs always give the same profile, and the profile names the
table rule that produced it so every answer can record why it got what it got.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .errors import ModelConfigError

Intent = Literal["lookup", "troubleshooting", "procedure", "comparison", "aggregate", "chitchat"]
Complexity = Literal["low", "medium", "high"]
RetrievalRoute = Literal["none", "dense", "hybrid", "graph", "records"]
ModelKind = Literal["dense", "moe"]

_LEVEL = {"low": 0, "medium": 1, "high": 2}


@dataclass(frozen=True)
class AvailableModel:
    """A model the server offers, as the router sees it."""

    name: str
    is_moe: bool
    n_ctx: int
    expert_count: int = 0
    expert_used_counts: tuple[int, ...] = ()  # counts the server can run; empty = any in 1..expert_count


@dataclass(frozen=True)
class RouteRequest:
    intent: Intent
    complexity: Complexity = "medium"
    turn_count: int = 0  # earlier user turns in this conversation
    retrieval_route: RetrievalRoute = "hybrid"


@dataclass(frozen=True)
class ComputeProfile:
    """What one answer may spend. ``active_experts`` is None for dense models."""

    model: str
    active_experts: int | None
    context_budget_tokens: int
    max_new_tokens: int
    temperature: float
    rule: str


@dataclass(frozen=True)
class _Row:
    kind: ModelKind
    experts: tuple[int, int, int]  # by complexity low/medium/high
    context: tuple[int, int, int]
    max_new: tuple[int, int, int]
    temperature: float


# Lookups and chit-chat are cheap and factual, so a dense model and low temperature; multi-step
# reasoning (troubleshooting, comparison, aggregates) gets the MoE, more experts, more room.
ROUTING_TABLE: dict[str, _Row] = {
    "chitchat": _Row("dense", (1, 1, 2), (1024, 1024, 2048), (128, 192, 256), 0.7),
    "lookup": _Row("dense", (1, 2, 2), (2048, 3072, 4096), (192, 256, 384), 0.1),
    "procedure": _Row("moe", (2, 2, 4), (3072, 4096, 6144), (384, 512, 768), 0.2),
    "troubleshooting": _Row("moe", (2, 4, 8), (3072, 4096, 8192), (384, 512, 768), 0.2),
    "comparison": _Row("moe", (2, 4, 4), (3072, 4096, 6144), (384, 512, 768), 0.2),
    "aggregate": _Row("moe", (2, 2, 4), (4096, 6144, 8192), (256, 384, 512), 0.0),
}
# Each earlier turn carries history into the prompt; the budget grows by this much per turn, capped.
HISTORY_TOKENS_PER_TURN = 256
HISTORY_TOKENS_MAX = 2048
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
    model = _pick_model(row.kind, models)
    max_new = min(row.max_new[level], model.n_ctx // 2)
    context = _context_budget(row.context[level], request)
    context = max(min(context, model.n_ctx - max_new), 0)
    experts = _clamp_experts(row.experts[level], model) if model.is_moe else None
    rule = f"{request.intent}/{request.complexity}/{'moe' if model.is_moe else 'dense'}"
    return ComputeProfile(model.name, experts, context, max_new, row.temperature, rule)


def _pick_model(kind: ModelKind, models: list[AvailableModel]) -> AvailableModel:
    if not models:
        raise ModelConfigError("routing needs at least one available model")
    wanted = [m for m in models if m.is_moe == (kind == "moe")]
    # Sort by name so the choice never depends on the order the server listed models.
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
