"""Request bodies of the OpenAI-compatible API, validated at the edge with pydantic."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .generation import Penalties

MAX_MESSAGES = 512
MAX_CONTENT_CHARS = 400_000


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
    stream: bool = False
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
