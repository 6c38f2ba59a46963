"""How many answers one web process streams at once; the rest are told to come back, and when.

An answer holds a web thread for its whole run (retrieval, the model's queue, generation). Without
a cap, a burst of questions takes every thread and page loads wait behind the model: with gunicorn's
16 threads, 16 slow answers would stall the portal for everyone. A refused question gets a 503
with Retry-After estimated from how long recent answers took and how long the oldest running one
has been going, before anything is stored.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

# Until answers have been measured, a guess of one answer's length on a small CPU machine.
_FIRST_GUESS_S = 20.0
_REMEMBERED = 20


class AnswerSlots:
    def __init__(self, limit: int, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self.limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._running: dict[int, float] = {}  # slot ticket -> start time
        self._durations: deque[float] = deque(maxlen=_REMEMBERED)
        self._tickets = 0

    def acquire(self) -> Slot | None:
        """A slot to answer in, or None when all are taken."""
        with self._lock:
            if len(self._running) >= self.limit:
                return None
            self._tickets += 1
            self._running[self._tickets] = self._clock()
            return Slot(self, self._tickets)

    def _release(self, ticket: int) -> None:
        with self._lock:
            started = self._running.pop(ticket, None)
            if started is not None:
                self._durations.append(self._clock() - started)

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._running)

    def wait_estimate_s(self) -> int:
        """Seconds until a slot is likely free: a typical answer less the oldest one's run so far."""
        with self._lock:
            typical = sum(self._durations) / len(self._durations) if self._durations else _FIRST_GUESS_S
            oldest = min(self._running.values(), default=self._clock())
            left = typical - (self._clock() - oldest)
        return max(1, math.ceil(left))


class Slot:
    """One answer's claim on the process; released once, however the answer ends."""

    def __init__(self, slots: AnswerSlots, ticket: int) -> None:
        self._slots, self._ticket = slots, ticket

    def release(self) -> None:
        self._slots._release(self._ticket)

    def hold(self, events: Iterable[Any]) -> HeldEvents:
        return HeldEvents(events, self)


class HeldEvents:
    """The answer's events; the slot is freed when they run out or the response is closed.

    A class (not a generator) so that close() frees the slot even when the stream was never read:
    a generator that never started skips its finally block.
    """

    def __init__(self, events: Iterable[Any], slot: Slot) -> None:
        self._events, self._slot = events, slot

    def __iter__(self) -> Iterator[Any]:
        try:
            yield from self._events
        finally:
            self._slot.release()

    def close(self) -> None:
        close = getattr(self._events, "close", None)
        try:
            if close is not None:
                close()
        finally:
            self._slot.release()


_slots: AnswerSlots | None = None
_slots_lock = threading.Lock()


def answer_slots() -> AnswerSlots:
    """This process's slots, sized by QA_CONCURRENT_ANSWERS (re-made when the setting changes)."""
    global _slots
    with _slots_lock:
        if _slots is None or _slots.limit != settings.QA_CONCURRENT_ANSWERS:
            _slots = AnswerSlots(settings.QA_CONCURRENT_ANSWERS)
        return _slots


def busy_response(slots: AnswerSlots) -> JsonResponse:
    seconds = slots.wait_estimate_s()
    message = _(
        "Kenning is busy answering %(running)d other questions; please ask again in about %(seconds)d s."
    ) % {"running": slots.running, "seconds": seconds}
    response = JsonResponse({"error": message, "status": 503, "retry_after_s": seconds}, status=503)
    response["Retry-After"] = str(seconds)
    return response
