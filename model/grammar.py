"""Constrained decoding: an OpenAI ``response_format`` becomes a GBNF grammar for llama.cpp.

The grammar text travels with the request to :meth:`model.context.LlamaSeqContext.new_sampler`,
which puts llama.cpp's grammar sampler in front of the greedy/top-p draw, so every token the model
emits keeps the output a prefix of a document the schema accepts. The answer is complete JSON
whenever generation ends on its own (``finish_reason == "stop"``); a ``max_tokens`` cut
(``"length"``) or a stop string can still truncate it.
"""

from __future__ import annotations

import ctypes
import json
import math
from typing import Any

from .errors import InvalidRequest
from .loading import _llama

MAX_SCHEMA_CHARS = 32_000
# llama-cpp-python's SchemaConverter (a port of llama.cpp's json_schema_to_grammar) signals
# unsupported or malformed schemas with assert, KeyError, AttributeError ... rather than one type.
_CONVERTER_ERRORS = (
    AssertionError,
    KeyError,
    AttributeError,
    TypeError,
    ValueError,
    IndexError,
    RecursionError,
)


def grammar_for_schema(schema: Any) -> str:
    """Convert a JSON schema to a GBNF grammar whose root is the schema's document.

    Args:
        schema: the JSON schema (a dict, as it came in the request body).

    Returns:
        GBNF grammar text with a ``root`` rule.

    Raises:
        InvalidRequest: the schema is not an object, too large, or the converter cannot handle it.
    """
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    if not isinstance(schema, dict):
        raise InvalidRequest("response_format: the JSON schema must be an object")
    text = json.dumps(schema)
    if len(text) > MAX_SCHEMA_CHARS:
        raise InvalidRequest(f"response_format: the JSON schema is longer than {MAX_SCHEMA_CHARS} characters")
    try:
        return json_schema_to_gbnf(text)
    except _CONVERTER_ERRORS as exc:
        raise InvalidRequest(
            f"response_format: unsupported JSON schema ({exc or type(exc).__name__})"
        ) from exc


def grammar_for_json_object() -> str:
    """The grammar of ``{"type": "json_object"}``: any JSON object (OpenAI's JSON mode)."""
    return grammar_for_schema({"type": "object"})


def check_grammar(vocab: Any, grammar: str) -> None:
    """Parse a grammar with llama.cpp once, so a bad one is refused before it is queued.

    Args:
        vocab: the model's ``llama_vocab`` pointer.
        grammar: GBNF text with a ``root`` rule.

    Raises:
        InvalidRequest: llama.cpp could not parse the grammar.
    """
    ll = _llama()
    sampler = ll.llama_sampler_init_grammar(vocab, grammar.encode(), b"root")
    if not sampler:
        raise InvalidRequest("response_format: llama.cpp could not parse the grammar built from the schema")
    ll.llama_sampler_free(sampler)


class ConstrainedSampler:
    """A sampler chain plus a grammar, sampled the way llama.cpp's common_sampler does it.

    Running the grammar over the whole vocabulary for every token is slow (measured on SmolLM2's
    49k-token vocabulary with 2 threads: about 1 token/s against 40 unconstrained). Instead the
    chain picks a token from the raw logits first, and the grammar only checks that one token;
    when the grammar rejects it, the grammar masks the full vocabulary and the chain picks again.
    Greedy picks are the same either way: the argmax of the masked logits is the raw argmax
    whenever the grammar allows it.
    """

    def __init__(self, chain: Any, grammar: Any, n_vocab: int) -> None:
        """Own ``chain`` and ``grammar`` (both freed by :meth:`free`).

        Args:
            chain: llama.cpp sampler chain (penalties, then greedy or top-p/temperature/draw).
            grammar: llama.cpp grammar sampler.
            n_vocab: vocabulary size (length of a logits row).
        """
        import numpy as np

        ll = _llama()
        self._ll, self.chain, self.grammar, self.n_vocab = ll, chain, grammar, n_vocab
        self._candidates = (ll.llama_token_data * n_vocab)()
        self._view = np.ctypeslib.as_array(self._candidates).view(
            np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)])
        )
        self._ids = np.arange(n_vocab, dtype=np.int32)
        self._one = (ll.llama_token_data * 1)()

    def sample(self, ctx: Any, batch_index: int) -> int:
        """Pick the next token of output ``batch_index`` and advance chain and grammar with it."""
        import numpy as np

        ll = self._ll
        logits = np.ctypeslib.as_array(ll.llama_get_logits_ith(ctx, batch_index), shape=(self.n_vocab,))
        token = self._pick(logits, constrained=False)
        if not self._allowed(token):
            token = self._pick(logits, constrained=True)
        ll.llama_sampler_accept(self.grammar, token)
        ll.llama_sampler_accept(self.chain, token)
        return token

    def _pick(self, logits: Any, constrained: bool) -> int:
        ll, view = self._ll, self._view
        view["id"], view["logit"], view["p"] = self._ids, logits, 0.0
        array = ll.llama_token_data_array(self._candidates, self.n_vocab, -1, False)
        if constrained:
            ll.llama_sampler_apply(self.grammar, ctypes.byref(array))
        ll.llama_sampler_apply(self.chain, ctypes.byref(array))
        return int(array.data[array.selected].id)

    def _allowed(self, token: int) -> bool:
        self._one[0].id, self._one[0].logit, self._one[0].p = token, 1.0, 0.0
        array = self._ll.llama_token_data_array(self._one, 1, -1, False)
        self._ll.llama_sampler_apply(self.grammar, ctypes.byref(array))
        return not math.isinf(array.data[0].logit)

    def free(self) -> None:
        """Free both llama.cpp samplers."""
        self._ll.llama_sampler_free(self.grammar)
        self._ll.llama_sampler_free(self.chain)
