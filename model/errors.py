"""Exceptions raised by the model runtime.

Hierarchy (everything derives from :class:`ModelError`)::

    ModelError
    ├── ModelConfigError          bad settings (permanent)
    │   └── ExpertCountError      active experts outside what the GGUF has
    ├── ModelFileError            missing or corrupt GGUF (permanent)
    ├── UnknownModel              a request named a model that is not served (permanent)
    ├── ContextOverflow           prompt does not fit the context (permanent)
    ├── InvalidRequest            a well-formed request the runtime cannot serve (permanent)
    ├── QueueFull                 scheduler queue is full; retry later (transient)
    ├── RequestCancelled          the caller went away (permanent)
    └── ModelUnavailable          server unreachable, timed out or crashed (transient)

``is_transient`` tells callers whether a retry can succeed.
"""

from __future__ import annotations


class ModelError(Exception):
    """Base for everything model/ raises."""

    is_transient: bool = False


class ModelConfigError(ModelError):
    """A setting is invalid or contradicts the model file."""


class ExpertCountError(ModelConfigError):
    """Active experts per token is outside 1..expert_count of the GGUF."""

    def __init__(self, requested: int, available: int) -> None:
        super().__init__(
            f"active experts {requested} is not within 1..{available} (the GGUF's expert_count); "
            "llama.cpp would abort the whole process"
        )
        self.requested, self.available = requested, available


class ModelFileError(ModelError):
    """The GGUF file is missing, unreadable or not a usable model."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"model file {path}: {reason}")
        self.path, self.reason = path, reason


class UnknownModel(ModelError):
    """A request asked for a model the server does not have."""

    def __init__(self, name: str, available: list[str]) -> None:
        super().__init__(f"unknown model {name!r}; available: {', '.join(available) or 'none'}")
        self.name, self.available = name, available


class ContextOverflow(ModelError):
    """The prompt plus requested output does not fit the context window."""

    def __init__(self, needed: int, limit: int) -> None:
        super().__init__(f"prompt needs {needed} tokens; context holds {limit}")
        self.needed, self.limit = needed, limit


class InvalidRequest(ModelError):
    """A request that parses but cannot be served (e.g. empty prompt)."""


class QueueFull(ModelError):
    """The scheduler is at capacity; the caller should retry after ``retry_after_s``."""

    is_transient = True

    def __init__(self, depth: int, retry_after_s: int) -> None:
        super().__init__(f"request queue is full ({depth} waiting); retry in {retry_after_s}s")
        self.depth, self.retry_after_s = depth, retry_after_s


class RequestCancelled(ModelError):
    """Generation stopped because the caller cancelled or disconnected."""


class ModelUnavailable(ModelError):
    """The model server cannot be reached, timed out, or failed internally."""

    is_transient = True
