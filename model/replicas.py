"""Which model-server replica serves a request: cache affinity first, then load, then liveness.

A replica keeps the KV cache of the conversations it served, so a follow-up turn is fastest on
the replica that answered the previous one (its prompt prefix is already evaluated). Replicas are
ranked per conversation by rendezvous (highest-random-weight) hashing: every client process ranks
them the same way without sharing state, and adding or removing a replica moves only the
conversations whose first choice it was. Two exceptions, in this order:

* **load**: a preferred replica already serving more than ``max_load_factor`` times the mean
  in-flight requests of this client (and at least ``min_load`` of them: a warm prefix is worth
  more than an idle slot elsewhere) is skipped for the next one in the conversation's ranking
  (consistent hashing with bounded loads, Mirrokni et al. 2018);
* **liveness**: a replica that refused a connection or answered 5xx is put last for
  ``down_for_s`` seconds; it is still tried when every other replica failed too.

Round robin (``policy="round_robin"``) ignores the conversation; it exists for comparison
(``bench/model_affinity.py``).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

Policy = Literal["affinity", "round_robin"]
POLICIES: tuple[Policy, ...] = ("affinity", "round_robin")


@dataclass
class ReplicaState:
    """One replica as this client sees it."""

    url: str
    in_flight: int = 0
    down_until: float = 0.0


class ReplicaSet:
    """Orders replicas for a request and tracks their load and failures (thread-safe).

    Args:
        urls: base URLs of the replicas (at least one, no duplicates).
        policy: ``affinity`` (conversation → replica by hashing, bounded by load) or ``round_robin``.
        max_load_factor: a replica above this multiple of the mean in-flight load is skipped.
        min_load: in-flight requests a replica may always take before load moves a request on.
        down_for_s: how long a failed replica is put last.
        clock: monotonic seconds (a seam for tests).
    """

    def __init__(
        self,
        urls: Sequence[str],
        policy: Policy = "affinity",
        max_load_factor: float = 1.5,
        min_load: int = 2,
        down_for_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        cleaned = [u.rstrip("/") for u in urls]
        if not cleaned:
            raise ValueError("at least one model-server URL is needed")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError(f"model-server URLs repeat: {', '.join(cleaned)}")
        if policy not in POLICIES:
            raise ValueError(f"policy must be one of {', '.join(POLICIES)}, got {policy!r}")
        if max_load_factor < 1:
            raise ValueError(f"max_load_factor must be at least 1, got {max_load_factor}")
        self.replicas = [ReplicaState(u) for u in cleaned]
        self.policy = policy
        self._max_load_factor = max_load_factor
        self._min_load = min_load
        self._down_for_s = down_for_s
        self._clock = clock
        self._lock = threading.Lock()
        self._turn = itertools.count()

    def order(self, conversation_id: str | None) -> list[ReplicaState]:
        """Replicas in the order to try them for one request.

        Args:
            conversation_id: the conversation the request continues (None: no affinity).

        Returns:
            Every replica once; live ones first.
        """
        with self._lock:
            n = len(self.replicas)
            if self.policy == "affinity" and conversation_id:
                ranked = sorted(self.replicas, key=lambda r: _weight(conversation_id, r.url), reverse=True)
                ranked = self._bound_load(ranked)
            elif self.policy == "affinity":  # no conversation: the least loaded, ties in turn
                start = next(self._turn) % n
                rotated = self.replicas[start:] + self.replicas[:start]
                ranked = sorted(rotated, key=lambda r: r.in_flight)
            else:
                start = next(self._turn) % n
                ranked = self.replicas[start:] + self.replicas[:start]
            now = self._clock()
            return [r for r in ranked if r.down_until <= now] + [r for r in ranked if r.down_until > now]

    def _bound_load(self, ranked: list[ReplicaState]) -> list[ReplicaState]:
        total = sum(r.in_flight for r in ranked) + 1  # counting this request
        bound = max(math.ceil(self._max_load_factor * total / len(ranked)), self._min_load)
        under = [r for r in ranked if r.in_flight + 1 <= bound]
        return under + [r for r in ranked if r not in under]

    @contextmanager
    def serving(self, replica: ReplicaState) -> Iterator[None]:
        """Count ``replica`` as serving one more request while the block runs."""
        with self._lock:
            replica.in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                replica.in_flight -= 1

    def mark_down(self, replica: ReplicaState) -> None:
        """Put ``replica`` last for ``down_for_s`` seconds."""
        with self._lock:
            replica.down_until = self._clock() + self._down_for_s

    def mark_up(self, replica: ReplicaState) -> None:
        """``replica`` answered: it is live again."""
        with self._lock:
            replica.down_until = 0.0


def _weight(key: str, url: str) -> int:
    digest = hashlib.blake2b(f"{key}\x00{url}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")
