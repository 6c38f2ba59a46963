"""Requests, results and the handle a caller holds while a sequence is generated.

The engine thread pushes events into a :class:`GenerationHandle`; the caller consumes them either
blocking (``for event in handle``) or from asyncio (``async for event in handle.events()``).
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

from .errors import ModelError, ModelUnavailable


@dataclass(frozen=True)
class Penalties:
    """Repetition control over the last ``last_n`` generated tokens (llama.cpp's penalties sampler).

    ``repeat`` divides a seen token's positive logit (multiplies a negative one); ``frequency``
    subtracts per occurrence and ``presence`` once, as in OpenAI's API. The defaults are all off.
    """

    repeat: float = 1.0
    last_n: int = 64
    frequency: float = 0.0
    presence: float = 0.0

    @property
    def active(self) -> bool:
        """Whether sampling changes at all (the same test llama.cpp uses to skip the sampler)."""
        return self.last_n > 0 and (self.repeat != 1.0 or self.frequency != 0.0 or self.presence != 0.0)


NO_PENALTIES = Penalties()


@dataclass(frozen=True)
class GenerationRequest:
    """One sequence to generate. ``temperature`` 0 means greedy."""

    prompt_tokens: tuple[int, ...]
    max_new_tokens: int
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0
    stop: tuple[str, ...] = ()
    request_id: str = ""
    penalties: Penalties = NO_PENALTIES
    # GBNF text with a ``root`` rule (see model.grammar); None leaves sampling unconstrained.
    grammar: str | None = None
    # End-of-generation tokens are never sampled: the answer runs to max_new_tokens (or a stop
    # string). llama-server's field of the same name; benchmarks use it to compare equal work.
    ignore_eos: bool = False


@dataclass(frozen=True)
class Timings:
    """Where the time of one request went."""

    queue_ms: float
    ttft_ms: float
    total_ms: float
    prompt_tokens: int
    prompt_tokens_evaluated: int
    completion_tokens: int
    tokens_per_s: float
    cache_hit: bool
    tokens_reused: int
    cache_source: str  # "slot", "ram", "disk" or "none"


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class Finished:
    finish_reason: str  # "stop" or "length"
    timings: Timings


@dataclass(frozen=True)
class Failed:
    error: ModelError


Event = TextDelta | Finished | Failed


@dataclass
class GenerationHandle:
    """The caller's side of a queued or running generation (thread-safe)."""

    request: GenerationRequest
    submitted_at: float = field(default_factory=time.perf_counter)
    _events: collections.deque[Event] = field(default_factory=collections.deque)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _loop: asyncio.AbstractEventLoop | None = None
    _async_ready: asyncio.Event | None = None
    _cancelled: bool = False
    _done: bool = False

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wake an asyncio consumer on ``loop`` when events arrive (call before submitting)."""
        self._loop, self._async_ready = loop, asyncio.Event()

    def cancel(self) -> None:
        """Ask the engine to stop this generation and free its slot (idempotent)."""
        self._cancelled = True

    @property
    def is_cancelled(self) -> bool:
        return self._cancelled

    def push(self, event: Event) -> None:
        """Engine side: deliver an event."""
        with self._cond:
            if self._done:
                return
            self._events.append(event)
            self._done = not isinstance(event, TextDelta)
            self._cond.notify_all()
        if self._loop is not None and self._async_ready is not None:
            try:
                self._loop.call_soon_threadsafe(self._async_ready.set)
            except RuntimeError:  # the consumer's loop is closed: nobody is listening
                self._cancelled = True

    def __iter__(self) -> Iterator[Event]:
        """Block until each event arrives; ends after Finished or Failed."""
        while True:
            with self._cond:
                while not self._events:
                    self._cond.wait()
                event = self._events.popleft()
            yield event
            if not isinstance(event, TextDelta):
                return

    async def events(self) -> AsyncIterator[Event]:
        """Async variant of iteration; needs :meth:`bind_loop` first."""
        if self._async_ready is None:
            raise ModelUnavailable("handle not bound to an event loop")
        while True:
            self._async_ready.clear()
            event = self._pop()
            if event is None:
                await self._async_ready.wait()
                continue
            yield event
            if not isinstance(event, TextDelta):
                return

    def _pop(self) -> Event | None:
        with self._cond:
            return self._events.popleft() if self._events else None
