import os

import pytest

from model.errors import ExpertCountError
from model.generation import Finished, TextDelta
from model.loading import load_model
from model.service import ChatMessage, ChatRequest, ModelService

from .conftest import server_config

pytestmark = pytest.mark.integration

QUESTION = (ChatMessage("user", "What is the capital of France?"),)


def answer(service, model, experts=None):
    handle = service.submit_chat(ChatRequest(QUESTION, model=model, max_tokens=12, active_experts=experts))
    events = list(handle)
    assert isinstance(events[-1], Finished), events[-1]
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def test_the_upcycled_moe_has_experts_and_answers_like_the_dense_model(dense_config, moe_config):
    """Identical experts + renormalised routing weights: the MoE computes the dense function.

    Not bit for bit: the expert path (mul_mat_id, then a weighted sum of k equal outputs) rounds
    differently from the dense matmul, so greedy text agrees for the first tokens and may drift
    later (measured: "L'Étoile, la Marseillaise," dense vs "L'Étoile, la Cité, la Nation" at k=2).
    """
    service = ModelService.start(server_config(n_parallel=1), [dense_config, moe_config])
    try:
        info = {m.name: m for m in service.models()}["smollm2-moe"]
        assert (info.is_moe, info.expert_count, info.default_experts, info.expert_used_counts) == (
            True,
            4,
            2,
            (1, 2),
        )
        dense = answer(service, "smollm2")
        assert dense
        for experts in (2, 1):
            moe = answer(service, "smollm2-moe", experts=experts)
            assert len(os.path.commonprefix([moe, dense])) >= 10, (experts, moe, dense)
    finally:
        service.close()


def test_it_refuses_more_active_experts_than_the_moe_has_before_llama_cpp_sees_it(moe_config):
    with pytest.raises(ExpertCountError):
        load_model(moe_config, expert_used_count=5)


def test_it_loads_the_moe_with_an_expert_override(moe_config):
    model = load_model(moe_config, expert_used_count=1)
    try:
        assert (model.expert_used_count, model.variant) == (1, "smollm2-moe@k1")
    finally:
        model.close()
