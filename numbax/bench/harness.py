"""What every suite shares: sampling (run_block), result checks, the contention watch, the
suites' state (Env) and the optional JAX import. The method is described in numbax.bench's
docstring."""
from __future__ import annotations

import gc
import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MIN_SAMPLE_S = 2e-3


def _timer_loops(fn: Callable[[], Any]) -> tuple[int, float]:
    """Loops per sample so that one sample lasts >= MIN_SAMPLE_S, and one call's time."""
    t0 = time.perf_counter()
    fn()
    one = time.perf_counter() - t0
    loops = max(1, math.ceil(MIN_SAMPLE_S / max(one, 1e-8)))
    if loops > 1:  # refine: the single call was noisy
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        one = (time.perf_counter() - t0) / loops
        loops = max(1, math.ceil(MIN_SAMPLE_S / max(one, 1e-8)))
    return loops, one


WARM_CALLS, WARM_S = 20, 0.25


def _warm(fn: Callable[[], Any]) -> None:
    """Steady state before sampling: up to WARM_CALLS calls or WARM_S seconds. numbax times a
    large group's first calls serial and split to decide whether splitting pays (see
    backends/numba/parallel.SplitTrial); every method gets the same warm-up."""
    start = time.perf_counter()
    for _ in range(WARM_CALLS):
        fn()
        if time.perf_counter() - start > WARM_S:
            return


def _sample(fn: Callable[[], Any], loops: int) -> float:
    t0 = time.perf_counter()
    for _ in range(loops):
        fn()
    return (time.perf_counter() - t0) / loops


def _clock() -> tuple[float, float] | None:
    """(busy seconds of all CPUs, busy seconds of this process) now, on Linux."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    busy = (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    t = os.times()
    return busy, t.user + t.system


class CpuWatch:
    """Cores used by other processes (and the hypervisor, via steal time) since start()."""

    def __init__(self) -> None:
        self.start()

    def start(self) -> None:
        self._wall, self._clock = time.perf_counter(), _clock()

    def foreign_cores(self) -> float | None:
        now = _clock()
        wall = time.perf_counter() - self._wall
        if now is None or self._clock is None or wall <= 0:
            return None
        return max(0.0, ((now[0] - self._clock[0]) - (now[1] - self._clock[1])) / wall)


@dataclass
class Timing:
    """One method's samples in one block, or the error that stopped it."""

    median_s: float | None = None
    first_call_s: float | None = None
    loops: int = 0
    samples: list[float] = field(default_factory=list)
    error: str | None = None
    check: str = ""

    def as_json(self) -> dict:
        return {"median_s": self.median_s, "first_call_s": self.first_call_s, "loops": self.loops,
                "samples_s": self.samples, "error": self.error, "check": self.check}


def summary(timings: dict[str, Timing]) -> str:
    return " ".join(f"{k} {fmt_time(v.median_s) if v.error is None else 'ERR'}" for k, v in timings.items())


def _error_text(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}"[:300]


def _check(result: Any, ref: np.ndarray | None, dtype: np.dtype, rtol: float) -> str:
    if ref is None:
        return ""
    got = np.asarray(result)
    if got.shape != ref.shape:
        return f"shape {got.shape} != {ref.shape}"
    if got.dtype != dtype:
        return f"dtype {got.dtype}"
    atol = rtol * float(np.max(np.abs(ref))) if ref.size else 0.0
    if not np.allclose(got, ref, rtol=rtol, atol=atol):
        err = float(np.max(np.abs(got.astype(np.float64) - ref)))
        return f"mismatch (max abs err {err:.2g})"
    return ""


def run_block(builders: dict[str, Callable[[], Callable[[], Any]]], repeats: int,
              ref: np.ndarray | None = None, dtype: np.dtype | None = None,
              rtol: float = 0.0, post: Callable[[Any], Any] | None = None) -> dict[str, Timing]:
    """Build each method, time its first call, check its result against ref (after post, which
    is not timed), then take interleaved median samples."""
    timings = {name: Timing() for name in builders}
    calls: dict[str, Callable[[], Any]] = {}
    for name, build in builders.items():
        tm = timings[name]
        try:
            t0 = time.perf_counter()
            fn = build()
            result = fn()
            tm.first_call_s = time.perf_counter() - t0
            if dtype is not None:
                tm.check = _check(result if post is None else post(result), ref, dtype, rtol)
            _warm(fn)
            tm.loops, one = _timer_loops(fn)
            if tm.loops == 1:  # a call of >= MIN_SAMPLE_S: the calibration call is a sample
                tm.samples.append(one)
            calls[name] = fn
        except Exception as err:  # a broken method is reported in its cell, never fatal
            tm.error = _error_text(err)
    names = list(calls)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for r in range(repeats):
            for name in names[r % len(names):] + names[:r % len(names)]:
                tm = timings[name]
                if tm.error is not None or len(tm.samples) >= repeats:
                    continue
                try:
                    tm.samples.append(_sample(calls[name], tm.loops))
                except Exception as err:
                    tm.error = _error_text(err)
    finally:
        if gc_was_enabled:
            gc.enable()
    for tm in timings.values():
        if tm.samples and tm.error is None:
            tm.median_s = statistics.median(tm.samples)
    return timings


def fmt_time(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.1f}us"
    if s < 1.0:
        return f"{s * 1e3:.2f}ms"
    return f"{s:.2f}s"


# ---------------------------------------------------------------------------------------------
# State shared by the suites


def import_jax(enabled: bool) -> tuple[Any, Any] | None:
    if not enabled:
        return None
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        return jax, jnp
    except Exception:
        return None


@dataclass
class Env:
    """What the suites share during one run: JAX if timed, repeats per N, the contention
    watch, and compiled Numba kernels and jit functions reused across blocks."""

    jax: tuple[Any, Any] | None
    repeats: dict[int, int]
    watch: CpuWatch = field(default_factory=CpuWatch)
    kernels: dict = field(default_factory=dict)
    jits: dict = field(default_factory=dict)


def repeats_for(n: int, table: dict[int, int]) -> int:
    return table[max([s for s in table if s <= n], default=min(table))]
