"""The local engine: pmap's shards on threads of this process, sharing each stage's compiled
executable; collectives run in the calling thread (collectives.py).

Its device count is NUMBAX_NUM_DEVICES, read at each call; unset, a run takes as many shards
as the batch has (the count reported is then 1, JAX's CPU default). Compiled stages release
the GIL in their kernels, so shards overlap on a multi-core machine.

>>> import numbax as nb, numbax.numpy as xnp, numpy as np
>>> nb.pmap(lambda x: x * 2.0)(np.arange(3.0))
array([0., 2., 4.])
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from .engine import Engine, stage_runner
from .staging import CollectiveStep, StagedProgram


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _env_devices() -> int | None:
    raw = os.environ.get("NUMBAX_NUM_DEVICES", "").strip()
    if not raw:
        return None
    try:
        count = int(raw)
    except ValueError:
        count = 0
    if count < 1:
        raise ValueError(f"NUMBAX_NUM_DEVICES must be a positive integer, got {raw!r}")
    return count


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _thread_pool() -> ThreadPoolExecutor:
    # One pool for the process, threads started once; the calling thread is the last core.
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max(_cores() - 1, 1), thread_name_prefix="numbax-device")
        return _pool


def _map_threaded(run, states: list) -> list:
    """run over states: the calling thread takes the first, the pool the others (handing a
    shard to another thread costs tens of microseconds; the caller would only wait)."""
    pending = [_thread_pool().submit(run, s) for s in states[1:]]
    first = run(states[0])
    return [first] + [f.result() for f in pending]


class LocalEngine(Engine):
    """Shards on min(shards, cores) threads (the caller's and a pool's); inline with one
    shard or one core."""

    def device_count(self) -> int:
        return _env_devices() or 1

    def capacity(self) -> int | None:
        return _env_devices()

    def run(self, program: StagedProgram, shards: list[list]) -> list[list]:
        states = [program.first_state(k, leaves) for k, leaves in enumerate(shards)]
        threaded = len(states) > 1 and _cores() > 1
        for step in program.steps:
            if isinstance(step, CollectiveStep):
                states = step.exchange(states)
                continue
            run = stage_runner(step, program.backend)
            states = _map_threaded(run, states) if threaded else list(map(run, states))
        return states
