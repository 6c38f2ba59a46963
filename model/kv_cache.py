"""Kenning's prefix KV cache: saved llama states keyed by the tokens they hold.

A state saved after evaluating tokens T can serve any later prompt P that shares a prefix with T:
restore it, drop the positions past the shared prefix, and evaluate only the rest of P. Entries
live in an LRU in RAM, budgeted by their real size; evicted entries move to an optional disk tier
(its own LRU budget) and come back on a hit. States of different models (or the same model with a
different active-expert count) never mix: every key carries a namespace.

Sizes are counted on real bytes. A ``llama_cpp.LlamaState`` carries the llama state blob *and*
``scores`` (logits, n_tokens x n_vocab floats) and ``input_ids`` arrays; all are counted.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .config import KVCacheConfig

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SeqState:
    """One sequence's KV state from ``llama_state_seq_get_data`` (no logits are kept)."""

    data: bytes

    @property
    def nbytes(self) -> int:
        return len(self.data)


class StateCodec(Protocol):
    def dumps(self, state: Any) -> bytes: ...
    def loads(self, blob: bytes) -> Any: ...


class SeqStateCodec:
    """Disk format for :class:`SeqState`: the raw llama blob."""

    def dumps(self, state: SeqState) -> bytes:
        return state.data

    def loads(self, blob: bytes) -> SeqState:
        return SeqState(blob)


class LlamaStateCodec:
    """Disk format for ``llama_cpp.LlamaState`` (npz, no pickle)."""

    def dumps(self, state: Any) -> bytes:
        buf = io.BytesIO()
        np.savez(
            buf,
            input_ids=state.input_ids,
            scores=state.scores,
            llama_state=np.frombuffer(state.llama_state, dtype=np.uint8),
            meta=np.array([state.n_tokens, state.llama_state_size, state.seed], dtype=np.int64),
        )
        return buf.getvalue()

    def loads(self, blob: bytes) -> Any:
        from llama_cpp import LlamaState

        arrays = np.load(io.BytesIO(blob), allow_pickle=False)
        n_tokens, size, seed = (int(v) for v in arrays["meta"])
        return LlamaState(
            arrays["input_ids"], arrays["scores"], n_tokens, arrays["llama_state"].tobytes(), size, seed
        )


def state_nbytes(state: Any) -> int:
    """Real bytes a saved state occupies.

    Args:
        state: a SeqState, a ``llama_cpp.LlamaState`` (or anything shaped like one), or bytes.

    Returns:
        Total bytes, including the logits and token arrays of a LlamaState.
    """
    if isinstance(state, (bytes, bytearray, memoryview)):
        return len(state)
    if hasattr(state, "llama_state"):
        arrays = sum(int(getattr(state, name).nbytes) for name in ("scores", "input_ids"))
        return len(state.llama_state) + arrays
    return int(state.nbytes)


@dataclass(frozen=True)
class CacheHit:
    """A usable saved state: restore ``state``, keep the first ``n_reused`` positions."""

    state: Any
    n_reused: int
    entry_tokens: tuple[int, ...]
    tier: str


@dataclass
class _Entry:
    tokens: tuple[int, ...]
    nbytes: int
    state: Any = None  # None while the entry lives on disk only


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    tokens_reused: int
    ram_bytes: int
    disk_bytes: int
    ram_entries: int
    disk_entries: int
    evictions: int

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class PrefixKVCache:
    """Longest-prefix cache of saved llama states with a RAM LRU and optional disk tier.

    Thread-safe: the engine thread reads and writes, the server thread reads stats.
    """

    def __init__(self, config: KVCacheConfig, codec: StateCodec | None = None) -> None:
        self.config = config
        self._codec: StateCodec = codec or SeqStateCodec()
        self._ram: OrderedDict[tuple[str, tuple[int, ...]], _Entry] = OrderedDict()
        self._disk: OrderedDict[tuple[str, tuple[int, ...]], _Entry] = OrderedDict()
        self._ram_bytes = self._disk_bytes = 0
        self._hits = self._misses = self._tokens_reused = self._evictions = 0
        self._lock = threading.Lock()
        if config.disk_dir is not None:
            self._reset_disk_dir(config.disk_dir)

    def put(self, namespace: str, tokens: list[int] | tuple[int, ...], state: Any) -> bool:
        """Store a state saved after evaluating ``tokens``.

        Args:
            namespace: model variant the state belongs to (e.g. "smollm2-moe@k2").
            tokens: the tokens the state holds, in order.
            state: the saved state (SeqState or LlamaState).

        Returns:
            True if stored; False if the state alone is larger than the RAM budget and there is
            no disk tier to take it.
        """
        key = (namespace, tuple(tokens))
        nbytes = state_nbytes(state)
        with self._lock:
            self._drop(key)
            if nbytes > self.config.ram_bytes:
                return self._write_disk(key, _Entry(key[1], nbytes, state))
            self._ram[key] = _Entry(key[1], nbytes, state)
            self._ram_bytes += nbytes
            self._evict_ram()
        return True

    def lookup(self, namespace: str, tokens: list[int] | tuple[int, ...]) -> CacheHit | None:
        """Find the saved state sharing the longest prefix with ``tokens``.

        Args:
            namespace: model variant.
            tokens: the prompt about to be evaluated.

        Returns:
            The best hit (at least ``min_prefix_tokens`` shared), or None on a miss.
        """
        query = np.asarray(tokens, dtype=np.int64)
        with self._lock:
            best = self._best_match(namespace, query)
            if best is None:
                self._misses += 1
                return None
            key, n_shared, tier = best
            state = self._take(key, tier)
            if state is None:
                self._misses += 1
                return None
            self._hits += 1
            self._tokens_reused += n_shared
        return CacheHit(state, n_shared, key[1], tier)

    def stats(self) -> CacheStats:
        """Counters and sizes for /metrics.

        Returns:
            A snapshot of the cache's metrics.
        """
        with self._lock:
            return CacheStats(
                self._hits,
                self._misses,
                self._tokens_reused,
                self._ram_bytes,
                self._disk_bytes,
                len(self._ram),
                len(self._disk),
                self._evictions,
            )

    def clear(self) -> None:
        """Drop every entry in both tiers."""
        with self._lock:
            for key in list(self._ram) + list(self._disk):
                self._drop(key)

    # -- internals (called with the lock held) --

    @staticmethod
    def _reset_disk_dir(disk_dir: Path) -> None:
        disk_dir.mkdir(parents=True, exist_ok=True)
        # The token index lives in RAM, so files from an earlier process cannot be matched;
        # remove them rather than let them eat the disk budget unaccounted.
        stale = list(disk_dir.glob("*.kvstate")) + list(disk_dir.glob("*.tmp"))
        for path in stale:
            path.unlink(missing_ok=True)
        if stale:
            logger.info("kv cache: removed %d stale disk entries from %s", len(stale), disk_dir)

    def _best_match(self, namespace: str, query: np.ndarray) -> tuple[Any, int, str] | None:
        best: tuple[Any, int, str] | None = None
        for tier, table in (("ram", self._ram), ("disk", self._disk)):
            for key, entry in table.items():
                if key[0] != namespace:
                    continue
                n_shared = _common_prefix(entry.tokens, query)
                if n_shared >= self.config.min_prefix_tokens and (best is None or n_shared > best[1]):
                    best = (key, n_shared, tier)
        return best

    def _take(self, key: Any, tier: str) -> Any:
        if tier == "ram":
            self._ram.move_to_end(key)
            return self._ram[key].state
        entry = self._disk[key]
        state = self._read_disk(key)
        if state is not None and entry.nbytes <= self.config.ram_bytes:
            self._forget_disk(key)  # promote: RAM is the hot tier
            self._ram[key] = _Entry(entry.tokens, entry.nbytes, state)
            self._ram_bytes += entry.nbytes
            self._evict_ram(keep=key)
        return state

    def _evict_ram(self, keep: Any = None) -> None:
        while self._ram_bytes > self.config.ram_bytes and self._ram:
            key = next(iter(self._ram))
            if key == keep:
                self._ram.move_to_end(key)
                if len(self._ram) == 1:
                    return
                continue
            entry = self._ram.pop(key)
            self._ram_bytes -= entry.nbytes
            self._evictions += 1
            self._write_disk(key, entry)

    def _drop(self, key: Any) -> None:
        entry = self._ram.pop(key, None)
        if entry is not None:
            self._ram_bytes -= entry.nbytes
        if key in self._disk:
            self._forget_disk(key)

    def _path(self, key: Any) -> Path:
        assert self.config.disk_dir is not None
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
        return self.config.disk_dir / f"{digest}.kvstate"

    def _write_disk(self, key: Any, entry: _Entry) -> bool:
        if self.config.disk_dir is None or entry.nbytes > self.config.disk_bytes:
            return False
        path = self._path(key)
        tmp = path.with_suffix(".tmp")
        try:
            tmp.write_bytes(self._codec.dumps(entry.state))
            os.replace(tmp, path)  # atomic: a reader never sees half a state
        except OSError:
            logger.exception("kv cache: cannot write %s; entry dropped", path)
            return False
        self._disk[key] = _Entry(entry.tokens, entry.nbytes)
        self._disk_bytes += entry.nbytes
        while self._disk_bytes > self.config.disk_bytes and self._disk:
            self._forget_disk(next(iter(self._disk)))
            self._evictions += 1
        return True

    def _read_disk(self, key: Any) -> Any:
        try:
            return self._codec.loads(self._path(key).read_bytes())
        except (OSError, ValueError):
            logger.exception("kv cache: disk entry unreadable; dropping it")
            self._forget_disk(key)
            return None

    def _forget_disk(self, key: Any) -> None:
        entry = self._disk.pop(key)
        self._disk_bytes -= entry.nbytes
        self._path(key).unlink(missing_ok=True)


def _common_prefix(entry_tokens: tuple[int, ...], query: np.ndarray) -> int:
    n = min(len(entry_tokens), len(query))
    if n == 0:
        return 0
    diff = np.flatnonzero(np.asarray(entry_tokens[:n], dtype=np.int64) != query[:n])
    return int(diff[0]) if diff.size else n
