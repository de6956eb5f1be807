"""Run a kernel's outer loop on every core through Numba's own threading layer.

A group's parallel *driver* is generated source compiled with parallel=True: it `prange`s over
the chunks of the outer loop and calls the group's serial kernel on each chunk's slices, so a
split call costs one launch of Numba's thread pool (about a microsecond) instead of a Python
thread hand-off per chunk. Drivers are compiled only for groups that earn one (SplitTrial) and
are cached on disk like kernels.

Which layer runs them is Numba's choice (tbb, then omp, then workqueue, unless
NUMBA_THREADING_LAYER says otherwise). tbb and omp accept launches from several threads at
once; workqueue does not (it aborts the process), so there a launch that finds another one in
flight runs serial instead. A process forked after launching runs serial too: GNU OpenMP's
pool does not survive fork.
"""
from __future__ import annotations

import hashlib
import os
import statistics
import threading
import time
from collections.abc import Sequence

import numba
import numpy as np

from .kernels import get_kernel

# How a driver hands each kernel argument to chunk c, rows [lo, hi) of the outer loop:
WHOLE = "whole"        # the same for every chunk (a scalar, a bias row, a shared result)
ROWS = "rows"          # x[lo:hi]
ELEMENTS = "elements"  # x[lo * scale:hi * scale]: rows of `scale` elements, flattened
PART = "part"          # x[c:c + 1]: the chunk's own partial result (GroupRunner's red_part)
# The trailing size arguments of the kernel, per layout: "n" (hi - lo), "rows" (hi - lo,
# inner) or "shape" (the chunk's shape, (hi - lo,) + shape[1:]).
TAILS = {"n": ["hi - lo"], "rows": ["hi - lo", "inner"], "shape": ["(hi - lo,) + shape[1:]"]}


def driver_source(kernel_key: str, kinds: Sequence[str], tail: str, flags_big: bool) -> str:
    """Source of the parallel driver calling the kernel `serial` on each chunk.

    >>> print(driver_source("k1", ["elements", "whole"], "n", False))  # doctest: +ELLIPSIS
    # numbax parallel driver of kernel k1
    ...
            serial(x0[lo * scale:hi * scale], x1, hi - lo)
    ...
    """
    slices = {WHOLE: "{x}", ROWS: "{x}[lo:hi]", ELEMENTS: "{x}[lo * scale:hi * scale]",
              PART: "{x}[c:c + 1]"}
    args = [slices[kind].format(x=f"x{i}") for i, kind in enumerate(kinds)] + TAILS[tail]
    params = [f"x{i}" for i in range(len(kinds))] + {"n": [], "rows": ["inner"],
                                                        "shape": ["shape"]}[tail]
    params += ["cuts", "scale"] + (["big"] if flags_big else [])
    call = f"{'big[c] = ' if flags_big else ''}serial({', '.join(args)})"
    return (f"# numbax parallel driver of kernel {kernel_key}\n"
            "from numba import prange\n\n\n"
            f"def kernel({', '.join(params)}):\n"
            "    for c in prange(cuts.size - 1):\n"
            "        lo = cuts[c]\n"
            "        hi = cuts[c + 1]\n"
            f"        {call}\n")


def get_driver(kernel, kernel_source: str, kinds: Sequence[str], tail: str, flags_big: bool):
    """The driver of `kernel` (compiled from `kernel_source`), shared and disk-cached;
    compiled lazily, on its first call."""
    key = hashlib.sha1(kernel_source.encode()).hexdigest()[:24]
    return get_kernel(driver_source(key, kinds, tail, flags_big), {"serial": kernel},
                      parallel=True)


def pool_threads() -> int:
    """How many threads Numba's pool has (NUMBA_NUM_THREADS, by default the CPUs)."""
    return numba.config.NUMBA_NUM_THREADS


_lock = threading.Lock()
_concurrent_ok = False
_launched_by: int | None = None  # the process that started the pool


def launch(driver, args: Sequence, threads: int) -> bool:
    """Run driver(*args) on `threads` of Numba's pool; False, running nothing, where
    launching now is unsafe (a workqueue launch already in flight, a process forked after
    launching)."""
    global _concurrent_ok, _launched_by
    if _launched_by is not None and _launched_by != os.getpid():
        return False
    if _concurrent_ok:
        _run(driver, args, threads)
        return True
    if not _lock.acquire(blocking=False):
        return False
    try:
        _run(driver, args, threads)
        _launched_by = os.getpid()
        # Known only once the first launch has loaded a layer.
        _concurrent_ok = numba.threading_layer() in ("tbb", "omp")
    finally:
        _lock.release()
    return True


def _run(driver, args: Sequence, threads: int) -> None:
    if threads >= pool_threads():
        driver(*args)
        return
    # Fewer threads than the pool has (NUMBAX_NUM_THREADS, or fewer chunks): the rest are
    # masked out, for this call only, so the caller's own Numba code keeps its setting. The
    # mask is set from Python (a few us): inside a driver it would stop Numba caching it.
    saved = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        driver(*args)
    finally:
        numba.set_num_threads(saved)


_PROBE = ("# numbax parallel launch probe\nfrom numba import prange\n\n\n"
          "def kernel(out):\n    for c in prange(out.size):\n        out[c] = c\n")


def launch_cost() -> float:
    """Seconds one launch of the pool costs now, with no work: the least of a few launches
    after a first that wakes the pool, and at most ~1 ms of them (the probe's compile is
    disk-cached). It varies: about 3 us where a core is free, a scheduler time slice (tens
    of ms) where other processes hold every core."""
    probe, out = get_kernel(_PROBE, parallel=True), np.zeros(max(2, pool_threads()))
    times: list[float] = []
    begin = time.perf_counter()
    while len(times) < 5 and (len(times) < 2 or time.perf_counter() - begin < 1e-3):
        start = time.perf_counter()
        if not launch(probe, (out,), pool_threads()):
            return 0.0  # unmeasurable now: let the group's own trial decide
        times.append(time.perf_counter() - start)
    return min(times[1:])


class SplitTrial:
    """Decides, from timings of a group's own calls, whether splitting it pays.

    A cost model (elements x cost units x ns per unit against the launch cost) misses what
    decides the answer on a real machine: whether the loop is bound by memory bandwidth that
    a second core does not add, how long the pool's threads take to wake, and whether other
    processes hold the cores (then a launch waits a scheduler time slice for them). So the
    group's first calls run serial and are timed; when the serial time is well above the
    cost of a launch, measured then, the next calls run split and are timed, and the faster
    way, with a margin for serial, is kept. A group called too few times never compiles a
    driver. The answer changes with the machine's load, so split calls stay timed (a run of
    them slower than serial puts the group back on trial) and a serial group is tried again
    after RETRY calls, twice as many each time.

    >>> trial = SplitTrial(threads=2)
    >>> trial.want_split()  # the first calls run serial
    False
    """

    SAMPLES = 5     # timed calls per way, after one untimed (compiling) call
    MARGIN = 0.9    # split must take under this fraction of the serial time
    LAUNCHES = 4    # serial time, in launch costs, below which splitting cannot pay
    STRIKES = 3     # split calls slower than serial, net of faster ones, that end a split
    RETRY = 200     # serial calls before a serial group's first new trial

    def __init__(self, threads: int):
        self.threads = threads
        self.decided: bool | None = None  # None while on trial
        self._serial: list[float] = []
        self._split: list[float] = []
        self._untimed = [1, 1]  # per way (serial, split): its first call compiles
        self._strikes = 0
        self._calls = 0  # since deciding serial
        self._retry = self.RETRY
        self._lock = threading.Lock()

    def want_split(self) -> bool:
        """Whether this call should run split (while on trial: which way is being timed)."""
        if self.decided is not None:
            return self.decided
        return len(self._serial) >= self.SAMPLES

    def record(self, split: bool, seconds: float) -> None:
        """Account one call's kernel time, as run serial or split."""
        with self._lock:
            if self.decided is not None:
                self._watch(split, seconds)
                return
            if self._untimed[split]:
                self._untimed[split] -= 1
                return
            times = self._split if split else self._serial
            times.append(seconds)
            if len(times) != self.SAMPLES:
                return
            serial = statistics.median(self._serial)
            if not split:
                if serial * (1 - 1 / self.threads) < self.LAUNCHES * launch_cost():
                    self.decided = False
            else:
                self.decided = statistics.median(times) < self.MARGIN * serial

    def _watch(self, split: bool, seconds: float) -> None:
        if not self.decided:
            self._calls += 1
            if self._calls >= self._retry:
                self._retry *= 2
                self._again()
        elif split:
            slower = seconds > statistics.median(self._serial)
            self._strikes = self._strikes + 1 if slower else max(0, self._strikes - 1)
            if self._strikes == self.STRIKES:
                self._again()

    def _again(self) -> None:
        """Back on trial."""
        self.decided, self._strikes, self._calls = None, 0, 0
        self._serial, self._split = [], []
