"""The scan suite: what one step of a compiled scan costs when the body does almost nothing.

``scan(lambda c, x: (c * 0.5 + x, c), 0.0, xs)`` over 10,000 float64 scalars: numbax's
``jit(scan)`` (numba backend), ``jax.jit(lax.scan)`` when JAX is installed, and a hand-written
serial ``@numba.njit`` loop (the floor: a loop with no per-step overhead at all). The table
gives each method's time per call and per step.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .harness import Env, run_block, summary

SCAN_LENGTH = 10_000


def _step(c, x):
    c = c * 0.5 + x
    return c, c


def _reference(c: float, xs: np.ndarray) -> np.ndarray:
    ys = np.empty_like(xs)
    for i, x in enumerate(xs):
        c = c * 0.5 + x
        ys[i] = c
    return ys


def _numba_loop() -> Callable:
    import numba

    @numba.njit(nogil=True)
    def loop(c, xs):
        ys = np.empty_like(xs)
        for i in range(xs.shape[0]):
            c = c * 0.5 + xs[i]
            ys[i] = c
        return c, ys
    return loop


def bench_scan(env: Env, repeats: int, progress: Callable[[str], None],
               length: int = SCAN_LENGTH) -> dict:
    """Run the suite: each method's time per call and per step of the scan."""
    import numbax

    xs = np.random.default_rng(0).uniform(-1.0, 1.0, length)
    c0 = np.float64(0.0)
    ref = _reference(float(c0), xs)

    def call(make: Callable[[], Callable]) -> Callable[[], Callable[[], Any]]:
        def build() -> Callable[[], Any]:
            f = make()
            return lambda: f(c0, xs)
        return build

    builders = {"numbax": call(lambda: numbax.jit(lambda c, x: numbax.lax.scan(_step, c, x))),
                "nb_loop": call(_numba_loop)}
    if env.jax is not None:
        jax, _ = env.jax
        jf = jax.jit(lambda c, x: jax.lax.scan(_step, c, x))
        jc, jxs = jax.device_put(c0), jax.device_put(xs)
        builders["jax"] = lambda: (lambda: jax.block_until_ready(jf(jc, jxs)))
    env.watch.start()
    timings = run_block(builders, repeats, ref, np.dtype(np.float64), 1e-12,
                        post=lambda out: out[1])
    progress(f"scan of {length} steps: " + summary(timings))
    methods = {k: v.as_json() for k, v in timings.items()}
    for tm in methods.values():
        tm["per_step_s"] = tm["median_s"] / length if tm["median_s"] else None
    return {"program": f"jit(scan(lambda c, x: (c * 0.5 + x, c))), {length} float64 steps",
            "length": length, "foreign_cores": env.watch.foreign_cores(), "methods": methods}
