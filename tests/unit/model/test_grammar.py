"""response_format → GBNF grammar, and where the grammar sampler sits in the chain."""

import pytest

from model import context as context_module
from model.context import LlamaSeqContext
from model.errors import InvalidRequest
from model.generation import Penalties
from model.grammar import grammar_for_json_object, grammar_for_schema
from model.schemas import ChatCompletionBody

MESSAGES = [{"role": "user", "content": "hi"}]
SCHEMA = {
    "type": "object",
    "properties": {"part": {"type": "string"}, "kind": {"enum": ["Part", "Action"]}},
    "required": ["part", "kind"],
}


def test_a_json_schema_becomes_a_grammar_rooted_at_the_object():
    grammar = grammar_for_schema(SCHEMA)
    assert "root ::=" in grammar
    assert '"\\"Part\\""' in grammar and '"\\"part\\""' in grammar


def test_json_object_mode_allows_any_object_but_nothing_else_at_the_root():
    grammar = grammar_for_json_object()
    assert "root ::= object" in grammar


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "nope"},
        {"$ref": "#/defs/missing"},
        ["not", "an", "object"],
        {"type": "string", "pattern": "(("},
    ],
)
def test_schemas_the_converter_cannot_handle_are_invalid_requests(schema):
    with pytest.raises(InvalidRequest):
        grammar_for_schema(schema)


def test_an_oversized_schema_is_refused_before_conversion():
    huge = {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(3000)}}
    with pytest.raises(InvalidRequest, match="longer than"):
        grammar_for_schema(huge)


@pytest.mark.parametrize(
    ("response_format", "expects_grammar"),
    [
        (None, False),
        ({"type": "text"}, False),
        ({"type": "json_object"}, True),
        ({"type": "json_object", "schema": SCHEMA}, True),
        ({"type": "json_schema", "json_schema": {"name": "x", "schema": SCHEMA, "strict": True}}, True),
    ],
)
def test_the_body_turns_response_format_into_a_grammar(response_format, expects_grammar):
    body = ChatCompletionBody(messages=MESSAGES, response_format=response_format)
    assert (body.grammar() is not None) is expects_grammar


def test_json_schema_type_without_a_schema_fails_validation():
    with pytest.raises(ValueError, match="json_schema is required"):
        ChatCompletionBody(messages=MESSAGES, response_format={"type": "json_schema"})


class FakeLlama:
    """The handful of llama.cpp sampler calls new_sampler makes, recorded in order."""

    def __init__(self, grammar_parses=True):
        self.calls: list[tuple] = []
        self.grammar_parses = grammar_parses

    def llama_sampler_chain_default_params(self):
        return "params"

    def llama_sampler_chain_init(self, params):
        return "chain"

    def llama_sampler_chain_add(self, chain, sampler):
        self.calls.append(sampler)

    def llama_vocab_n_tokens(self, vocab):
        return 100

    def llama_sampler_init_penalties(self, *args):
        return ("penalties",)

    def llama_sampler_init_grammar(self, vocab, text, root):
        return ("grammar", text, root) if self.grammar_parses else None

    def llama_sampler_init_greedy(self):
        return ("greedy",)

    def llama_sampler_init_top_p(self, p, min_keep):
        return ("top_p",)

    def llama_sampler_init_temp(self, t):
        return ("temp",)

    def llama_sampler_init_dist(self, seed):
        return ("dist",)

    def llama_sampler_free(self, sampler):
        self.calls.append(("freed", sampler))


class _Model:
    vocab = "vocab"


def fake_context(llama):
    context = LlamaSeqContext.__new__(LlamaSeqContext)
    context._llama, context.model = llama, _Model()
    return context


def test_plain_greedy_takes_the_in_place_argmax_and_builds_no_chain():
    llama = FakeLlama()
    assert fake_context(llama).new_sampler(0.0, 1.0, 0) is context_module.GREEDY
    assert llama.calls == []


def test_greedy_with_a_grammar_or_penalties_keeps_llama_cpps_greedy_sampler(monkeypatch):
    monkeypatch.setattr(context_module, "ConstrainedSampler", lambda *args: args)
    llama = FakeLlama()
    fake_context(llama).new_sampler(0.0, 1.0, 0, grammar='root ::= "x"')
    fake_context(llama).new_sampler(0.0, 1.0, 0, Penalties(repeat=1.2))
    assert [c[0] for c in llama.calls] == ["greedy", "penalties", "greedy"]


def test_with_a_grammar_the_chain_is_unchanged_and_the_grammar_sampler_wraps_it(monkeypatch):
    built = {}
    monkeypatch.setattr(context_module, "ConstrainedSampler", lambda *args: built.setdefault("args", args))
    llama = FakeLlama()
    fake_context(llama).new_sampler(0.7, 0.9, 1, Penalties(repeat=1.2), grammar='root ::= "x"')
    assert [c[0] for c in llama.calls] == ["penalties", "top_p", "temp", "dist"]
    assert built["args"] == ("chain", ("grammar", b'root ::= "x"', b"root"), 100)


def test_a_grammar_llama_cpp_cannot_parse_frees_the_chain_and_is_an_invalid_request():
    llama = FakeLlama(grammar_parses=False)
    with pytest.raises(InvalidRequest):
        fake_context(llama).new_sampler(0.0, 1.0, 0, grammar="root ::= (")
    assert llama.calls[-1] == ("freed", "chain")
