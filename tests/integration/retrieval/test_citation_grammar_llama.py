"""The citation grammar as llama.cpp parses and enforces it, on the packaged Qwen tokenizer.

Only the vocabulary is loaded (no weights run): each string is fed token by token through
llama.cpp's own grammar sampler, then end-of-generation, so "accepted" means the model could
have written exactly this and stopped.
"""

import ctypes
import math
import os
from pathlib import Path

import llama_cpp
import pytest
from llama_cpp import Llama

from model.registry import QWEN_SMALL_NAME, resolve_model
from retrieval.grounding import NOT_FOUND, citation_grammar

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def vocab_model():
    cache = Path(os.environ.get("KENNING_CACHE_DIR", Path.home() / ".cache" / "kenning"))
    path = resolve_model(QWEN_SMALL_NAME, Path(os.environ.get("MODEL_DIR", cache / "models"))).path
    return Llama(str(path), vocab_only=True, verbose=False)


def _accepts(model: Llama, grammar: str, text: str) -> bool:
    vocab = llama_cpp.llama_model_get_vocab(model.model)
    sampler = llama_cpp.llama_sampler_init_grammar(vocab, grammar.encode(), b"root")
    assert sampler, "llama.cpp could not parse the grammar"
    tokens = model.tokenize(text.encode(), add_bos=False, special=False) + [llama_cpp.llama_vocab_eos(vocab)]
    try:
        for token in tokens:
            candidate = (llama_cpp.llama_token_data * 1)()
            candidate[0].id, candidate[0].logit, candidate[0].p = token, 0.0, 0.0
            array = llama_cpp.llama_token_data_array(data=candidate, size=1, selected=-1, sorted=False)
            llama_cpp.llama_sampler_apply(sampler, ctypes.byref(array))
            if math.isinf(candidate[0].logit):
                return False
            llama_cpp.llama_sampler_accept(sampler, token)
        return True
    finally:
        llama_cpp.llama_sampler_free(sampler)


@pytest.mark.parametrize(
    "text",
    [
        "The NIS binds to 0.0.0.0 by default [2].",
        "Upgrade to apcupsd-3.10.14 or higher [1].",
        "Order part H-310. [1]",  # after a number the full stop may come first
        "1) Check the cable [1].\n2) Check the port [2] [3].",
        "Edit `apcupsd.conf` and restart the daemon [1].",
        "检查密封件是否磨损 [1]。",
        NOT_FOUND,
    ],
)
def test_the_grammar_lets_the_model_write(vocab_model, text):
    assert _accepts(vocab_model, citation_grammar(3), text)


@pytest.mark.parametrize(
    "text",
    [
        "Uncited sentence.",
        "Ensure the port is set in the file.2) Remove other programs [1].",  # glued on at a digit
        "Upgrade first.1.1.1 Then restart [1].",
        "The port is set. [2] suggests that the cable is wrong [3].",  # a cite as the next subject
        "It is in the manual [4].",  # only 3 sources
    ],
)
def test_the_grammar_rules_out(vocab_model, text):
    assert not _accepts(vocab_model, citation_grammar(3), text)


def test_a_second_look_may_not_refuse(vocab_model):
    grammar = citation_grammar(3, may_refuse=False)
    assert not _accepts(vocab_model, grammar, NOT_FOUND)
    assert _accepts(vocab_model, grammar, "It is set to 5 [1].")


def test_a_number_takes_at_most_three_dots(vocab_model):
    grammar = citation_grammar(3)
    assert _accepts(vocab_model, grammar, "The default is 10.0.0.1 [1].")
    assert not _accepts(vocab_model, grammar, "Kernels like 2.4.0.2.2.2 are affected [1].")
