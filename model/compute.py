"""One OS thread runs every llama.cpp graph computation of the process.

llama.cpp's CPU backend runs its graph on OpenMP threads, and libgomp keeps one thread team per
*calling* OS thread. Once a second thread has decoded (a second model variant's engine, a test, a
benchmark's baseline), the process holds more OpenMP threads than cores, and libgomp then throttles
its barrier spin-waits to a few hundred iterations: every graph node ends in a barrier that sleeps
in a futex instead of spinning, and decoding slows ~3x. Measured on this project's 2-core VMs
(SmolLM2 Q4_1, 2 threads): 80 tok/s when only one thread ever decoded, 24-30 tok/s once another had
(``OMP_WAIT_POLICY=active`` does not help: the idle team then spins on a core).

So every :class:`~model.context.LlamaSeqContext` hands its ``llama_decode`` calls to this lane:
all engines (one per model variant) share a single OpenMP team, and their steps take turns on the
cores they would otherwise fight over.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def run_on_compute_thread(fn: Callable[..., T], *args: object) -> T:
    """Call ``fn(*args)`` on the process's llama.cpp compute thread and return its result.

    Exceptions propagate to the caller. Calls from the compute thread itself run inline.
    """
    if threading.current_thread().name.startswith("llama-compute"):
        return fn(*args)
    return _lane().submit(fn, *args).result()


def _lane() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            # One worker that lives as long as the process: the same OS thread, hence the same
            # OpenMP team, for every call.
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llama-compute")
        return _executor
