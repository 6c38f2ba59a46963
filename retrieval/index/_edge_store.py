"""The embedded qdrant-edge store owned by the index server: one EdgeShard per collection.

Layout under the root directory::

    ROOT/collections/<name>/collection.json   the CreateCollection body (config echo)
    ROOT/collections/<name>/shard/            the EdgeShard (WAL + segments)

qdrant-edge builds HNSW graphs only when ``optimize()`` is called. A background thread calls it
for a collection once writes have paused for ``optimize_idle_s`` (or ``optimize_max_dirty``
points have piled up). Until then new points sit in a plain segment and are searched exactly,
so results stay correct, only slower. ``optimize()`` holds the GIL for its whole run (measured:
a 30k-point build blocks every other thread of the process), so the server answers nothing while
an HNSW build runs — seconds for a typical upload batch, ~30 s for 100k points at once on two
cores. That is acceptable for the development server; production uses a Qdrant server.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import _edge_convert as conv

logger = logging.getLogger(__name__)

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


class CollectionNotFound(KeyError):
    """No collection of that name."""


class CollectionExists(ValueError):
    """A collection of that name already exists."""


@dataclass
class EdgeCollection:
    """One collection: its shard, its creation body and write bookkeeping."""

    name: str
    shard: Any
    body: dict[str, Any]
    lock: threading.RLock = field(default_factory=threading.RLock)
    dirty_points: int = 0
    last_write: float = 0.0

    def mark_written(self, n: int) -> None:
        self.dirty_points += max(n, 1)
        self.last_write = time.monotonic()


class EdgeStore:
    """All collections under one root directory, opened by exactly one process."""

    def __init__(self, root: Path, optimize_idle_s: float = 1.0, optimize_max_dirty: int = 20_000) -> None:
        self.root = Path(root)
        self.optimize_idle_s = optimize_idle_s
        self.optimize_max_dirty = optimize_max_dirty
        self._collections: dict[str, EdgeCollection] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def open(cls, root: Path | str, **kwargs: Any) -> EdgeStore:
        """Open (or initialise) the store and load every collection; starts the optimizer.

        Raises:
            RuntimeError: another process holds the store (the engine's WAL lock).
        """
        store = cls(Path(root), **kwargs)
        (store.root / "collections").mkdir(parents=True, exist_ok=True)
        for meta in sorted((store.root / "collections").glob("*/collection.json")):
            store._load(meta.parent)
        store._thread = threading.Thread(target=store._optimize_loop, name="edge-optimizer", daemon=True)
        store._thread.start()
        return store

    def _load(self, cdir: Path) -> None:
        import qdrant_edge as qe

        body = json.loads((cdir / "collection.json").read_text())
        try:
            shard = qe.EdgeShard.load(str(cdir / "shard"))
        except Exception as e:
            raise RuntimeError(f"cannot open {cdir}: {e} (is another index server running on it?)") from e
        self._collections[cdir.name] = EdgeCollection(cdir.name, shard, body)
        logger.info("loaded collection %s (%d points)", cdir.name, shard.info().points_count)

    # --- collections ---------------------------------------------------------------------------

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._collections)

    def get(self, name: str) -> EdgeCollection:
        with self._lock:
            try:
                return self._collections[name]
            except KeyError:
                raise CollectionNotFound(name) from None

    def create(self, name: str, body: dict[str, Any]) -> None:
        import qdrant_edge as qe

        if not _NAME.match(name):
            raise conv.Unsupported(f"collection name {name!r}")
        with self._lock:
            if name in self._collections:
                raise CollectionExists(name)
            cdir = self.root / "collections" / name
            if cdir.exists():
                shutil.rmtree(cdir)  # leftovers of a half-finished create or delete
            cdir.mkdir(parents=True)
            shard = qe.EdgeShard.create(str(cdir / "shard"), conv.edge_config(body))
            tmp = cdir / "collection.json.tmp"
            tmp.write_text(json.dumps(body))
            tmp.replace(cdir / "collection.json")
            self._collections[name] = EdgeCollection(name, shard, body)

    def delete(self, name: str) -> bool:
        with self._lock:
            coll = self._collections.pop(name, None)
        if coll is None:
            return False
        with coll.lock:
            coll.shard.close()
        cdir = self.root / "collections" / name
        (cdir / "collection.json").unlink(missing_ok=True)
        shutil.rmtree(cdir, ignore_errors=True)
        return True

    def update(self, name: str, operation: Any, n_points: int = 0) -> None:
        coll = self.get(name)
        with coll.lock:
            coll.shard.update(operation)
            coll.mark_written(n_points)

    # --- optimizer -----------------------------------------------------------------------------

    def _optimize_loop(self) -> None:
        while not self._stop.wait(0.25):
            for name in self.names():
                try:
                    self._maybe_optimize(self.get(name))
                except CollectionNotFound:
                    continue
                except Exception:
                    logger.exception("optimizing collection %s failed", name)

    def _maybe_optimize(self, coll: EdgeCollection) -> None:
        if coll.dirty_points == 0:
            return
        idle = time.monotonic() - coll.last_write
        if idle < self.optimize_idle_s and coll.dirty_points < self.optimize_max_dirty:
            return
        with coll.lock:
            started = time.perf_counter()
            coll.dirty_points = 0
            changed = coll.shard.optimize()
            coll.shard.flush()
        if changed:
            logger.info("optimized %s in %.2fs", coll.name, time.perf_counter() - started)

    def optimize_now(self, name: str) -> None:
        """Build pending HNSW indexes of ``name`` now (benchmarks and tests)."""
        coll = self.get(name)
        with coll.lock:
            coll.dirty_points = 0
            coll.shard.optimize()
            coll.shard.flush()

    def close(self) -> None:
        """Stop the optimizer, flush and close every shard (releases the storage lock)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=120)
        with self._lock:
            for coll in self._collections.values():
                with coll.lock:
                    try:
                        coll.shard.flush()
                    finally:
                        coll.shard.close()
            self._collections.clear()
