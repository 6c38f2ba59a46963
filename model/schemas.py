"""Request bodies of the OpenAI-compatible API, validated at the edge with pydantic."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import InvalidRequest
from .generation import Penalties
from .grammar import grammar_for_json_object, grammar_for_schema

MAX_MESSAGES = 512
MAX_CONTENT_CHARS = 400_000
MAX_GRAMMAR_CHARS = 64_000


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "user", "assistant", "tool"]
    content: str = Field(max_length=MAX_CONTENT_CHARS)


class KenningProfile(BaseModel):
    """Kenning's extra request fields: the compute profile the router chose."""

    model_config = ConfigDict(extra="forbid")

    active_experts: int | None = Field(default=None, ge=1, le=256)
    conversation_id: str | None = Field(default=None, max_length=128)
    rule: str | None = Field(default=None, max_length=128)


class JsonSchemaFormat(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(default=None, max_length=64)
    schema_: dict[str, Any] = Field(alias="schema")
    strict: bool | None = None


class ResponseFormat(BaseModel):
    """OpenAI's ``response_format``: plain text, any JSON object, or JSON matching a schema.

    llama-cpp-python's server also takes ``{"type": "json_object", "schema": {...}}``; that form
    is accepted too and constrains the object to the schema.
    """

    model_config = ConfigDict(extra="ignore")

    type: Literal["text", "json_object", "json_schema"]
    json_schema: JsonSchemaFormat | None = None
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")

    @model_validator(mode="after")
    def _schema_when_needed(self) -> ResponseFormat:
        if self.type == "json_schema" and self.json_schema is None:
            raise ValueError("json_schema is required when type is json_schema")
        return self

    def grammar(self) -> str | None:
        """The GBNF grammar constraining the answer, or None for plain text.

        Raises:
            InvalidRequest: the schema cannot be turned into a grammar.
        """
        if self.type == "json_schema" and self.json_schema is not None:
            return grammar_for_schema(self.json_schema.schema_)
        if self.type == "json_object":
            return grammar_for_schema(self.schema_) if self.schema_ is not None else grammar_for_json_object()
        return None


class ChatCompletionBody(BaseModel):
    # Unknown OpenAI fields (n, logit_bias, ...) are ignored, not rejected, so stock
    # OpenAI clients work; the fields Kenning uses are bounded.
    model_config = ConfigDict(extra="ignore")

    model: str | None = Field(default=None, max_length=128)
    messages: list[Message] = Field(min_length=1, max_length=MAX_MESSAGES)
    max_tokens: int = Field(default=256, ge=1)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    # Repetition control over the last repeat_last_n generated tokens: OpenAI's two penalties
    # and llama.cpp's repeat_penalty (1.0 = off). JSON NaN/Infinity fail the bounds.
    frequency_penalty: float = Field(default=0.0, ge=-2.0, le=2.0)
    presence_penalty: float = Field(default=0.0, ge=-2.0, le=2.0)
    repeat_penalty: float = Field(default=1.0, gt=0.0, le=10.0)
    repeat_last_n: int = Field(default=64, ge=0, le=4096)
    stop: str | list[str] | None = None
    ignore_eos: bool = False  # llama-server's extension: never sample end-of-generation tokens
    stream: bool = False
    response_format: ResponseFormat | None = None
    # llama-server's extension: a GBNF grammar (root rule ``root``) the answer must follow.
    grammar_text: str | None = Field(default=None, alias="grammar", max_length=MAX_GRAMMAR_CHARS)
    kenning_profile: KenningProfile | None = None

    @field_validator("stop")
    @classmethod
    def _bounded_stop(cls, value: str | list[str] | None) -> str | list[str] | None:
        items = [value] if isinstance(value, str) else value or []
        if len(items) > 4 or any(not s or len(s) > 64 for s in items):
            raise ValueError("stop takes up to 4 non-empty strings of at most 64 characters")
        return value

    @property
    def penalties(self) -> Penalties:
        return Penalties(
            self.repeat_penalty, self.repeat_last_n, self.frequency_penalty, self.presence_penalty
        )

    def grammar(self) -> str | None:
        """The grammar ``response_format`` asks for (None without one or for ``text``).

        Raises:
            InvalidRequest: the schema cannot be turned into a grammar.
        """
        if self.grammar_text is not None and self.response_format is not None:
            raise InvalidRequest("grammar and response_format cannot be combined")
        if self.grammar_text is not None:
            return self.grammar_text
        return self.response_format.grammar() if self.response_format is not None else None

    @property
    def stop_list(self) -> tuple[str, ...]:
        return (self.stop,) if isinstance(self.stop, str) else tuple(self.stop or ())


_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "literal_error": "has an unsupported value",
    "too_short": "is too short",
    "too_long": "is too long",
    "string_too_long": "is too long",
}


def describe_validation_error(exc: ValidationError) -> str:
    """One short message for a pydantic error, e.g. 'messages.0.role: has an unsupported value'.

    Args:
        exc: the validation error.

    Returns:
        A message naming the first offending field.
    """
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"{where}: {_MESSAGES.get(first['type'], first['msg'])}"
