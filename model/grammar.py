"""Constrained decoding: an OpenAI ``response_format`` becomes a GBNF grammar for llama.cpp.

The grammar text travels with the request to :meth:`model.context.LlamaSeqContext.new_sampler`,
which puts llama.cpp's grammar sampler in front of the greedy/top-p draw, so every token the model
emits keeps the output a prefix of a document the schema accepts. The answer is complete JSON
whenever generation ends on its own (``finish_reason == "stop"``); a ``max_tokens`` cut
(``"length"``) or a stop string can still truncate it.
"""

from __future__ import annotations

import json
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
