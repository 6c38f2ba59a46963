import json

import pytest
from pydantic import ValidationError

from model.generation import Penalties
from model.schemas import ChatCompletionBody

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(
    ("field", "accepted", "rejected"),
    [
        ("frequency_penalty", (-2.0, 0.0, 2.0), (-2.01, 2.01)),
        ("presence_penalty", (-2.0, 0.7, 2.0), (-3, 3)),
        ("repeat_penalty", (0.5, 1.0, 1.3), (0, -1.0, 11)),
        ("repeat_last_n", (0, 64, 4096), (-1, 4097)),
    ],
)
def test_penalties_follow_the_openai_and_llama_cpp_ranges(field, accepted, rejected):
    for value in accepted:
        assert getattr(ChatCompletionBody(messages=MESSAGES, **{field: value}), field) == value
    for value in rejected:
        with pytest.raises(ValidationError, match=field):
            ChatCompletionBody(messages=MESSAGES, **{field: value})


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_penalties_from_json_are_rejected(literal):
    raw = (
        f'{{"messages": {json.dumps(MESSAGES)}, "frequency_penalty": {literal}, "repeat_penalty": {literal}}}'
    )
    with pytest.raises(ValidationError):
        ChatCompletionBody.model_validate(json.loads(raw))


def test_penalties_default_to_off():
    penalties = ChatCompletionBody(messages=MESSAGES).penalties
    assert penalties == Penalties(repeat=1.0, last_n=64, frequency=0.0, presence=0.0)
    assert not penalties.active


@pytest.mark.parametrize(
    ("penalties", "active"),
    [
        (Penalties(repeat=1.3), True),
        (Penalties(frequency=0.1), True),
        (Penalties(presence=-0.1), True),
        (Penalties(repeat=1.3, last_n=0), False),  # llama.cpp treats last_n 0 as off
    ],
)
def test_a_penalty_is_active_only_when_it_changes_sampling(penalties, active):
    assert penalties.active is active
