"""Grammar-constrained generation on the real SmolLM2: the answer always parses and fits the schema."""

import json

import pytest

from model.config import KVCacheConfig
from model.errors import InvalidRequest
from model.generation import Finished, TextDelta
from model.grammar import grammar_for_schema
from model.service import ChatMessage, ChatRequest, ModelService

from .conftest import server_config

pytestmark = pytest.mark.integration

SCHEMA = {
    "type": "object",
    "properties": {
        "part": {"type": "string", "maxLength": 40},
        "kind": {"enum": ["Part", "Action", "FailureMode"]},
        "count": {"type": "integer"},
    },
    "required": ["part", "kind", "count"],
    "additionalProperties": False,
}
QUESTIONS = [
    "Replaced the bucket cylinder seal on excavator 3. Give the part as JSON.",
    "hydraulic hose burst, changed hose",
    "Tell me a story about a dragon.",
    "What is 2 + 2?",
]


@pytest.fixture(scope="module")
def service(dense_config):
    service = ModelService.start(
        server_config(n_parallel=2, kv_cache=KVCacheConfig(ram_bytes=0)), [dense_config]
    )
    yield service
    service.close()


def generate(service, question, grammar=None, max_tokens=96):
    request = ChatRequest((ChatMessage("user", question),), max_tokens=max_tokens, grammar=grammar)
    events = list(service.submit_chat(request))
    assert isinstance(events[-1], Finished), events[-1]
    return "".join(e.text for e in events if isinstance(e, TextDelta)), events[-1]


def fits_schema(document):
    return (
        set(document) == {"part", "kind", "count"}
        and isinstance(document["part"], str)
        and len(document["part"]) <= 40
        and document["kind"] in ("Part", "Action", "FailureMode")
        and isinstance(document["count"], int)
    )


@pytest.mark.parametrize("question", QUESTIONS)
def test_constrained_output_always_parses_as_json_matching_the_schema(service, question):
    text, done = generate(service, question, grammar_for_schema(SCHEMA))
    assert done.finish_reason == "stop", text
    assert fits_schema(json.loads(text)), text


def test_greedy_output_without_a_grammar_is_identical_when_a_constrained_request_runs_beside_it(service):
    alone, _ = generate(service, QUESTIONS[0], max_tokens=24)
    handles = [
        service.submit_chat(
            ChatRequest(
                (ChatMessage("user", QUESTIONS[1]),), max_tokens=96, grammar=grammar_for_schema(SCHEMA)
            )
        ),
        service.submit_chat(ChatRequest((ChatMessage("user", QUESTIONS[0]),), max_tokens=24)),
    ]
    results = [list(h) for h in handles]
    beside = "".join(e.text for e in results[1] if isinstance(e, TextDelta))
    assert beside == alone


def test_a_grammar_llama_cpp_cannot_parse_is_refused_before_it_is_queued(service):
    with pytest.raises(InvalidRequest):
        service.submit_chat(ChatRequest((ChatMessage("user", "hi"),), max_tokens=4, grammar="root ::= ("))
