"""Control-flow benchmark: a scan of 1000 steps of a small elementwise-heavy body,
under jit on the Numba backend against the interpreter backend and a plain Python loop over
NumPy.

Run: python -m benchmarks.scan
"""
from __future__ import annotations

import numpy as np

import numbax as nb
import numbax.numpy as xnp
from benchmarks.autodiff import median_time

STEPS, WIDTH = 1000, 256


def body(c, x):
    c = xnp.tanh(c * 0.9 + x) * xnp.exp(-c * c) + xnp.sin(c) * 0.1
    return c, c * 2.0


def run_scan(c0, xs):
    return nb.lax.scan(body, c0, xs)


def numpy_loop(c, xs):
    ys = np.empty_like(xs)
    for i, x in enumerate(xs):
        c = np.tanh(c * 0.9 + x) * np.exp(-c * c) + np.sin(c) * 0.1
        ys[i] = c * 2.0
    return c, ys


def main() -> None:
    rng = np.random.default_rng(0)
    c0 = rng.standard_normal(WIDTH)
    xs = rng.standard_normal((STEPS, WIDTH))
    fused = nb.jit(run_scan)
    unfused = nb.jit(run_scan, backend="interpreter")
    for a, b in zip(fused(c0, xs), numpy_loop(c0, xs)):
        assert np.allclose(a, b)
    t_numba = median_time(lambda: fused(c0, xs), 9)
    t_interp = median_time(lambda: unfused(c0, xs), 9)
    t_loop = median_time(lambda: numpy_loop(c0, xs), 9)
    print(f"scan of {STEPS} steps, width {WIDTH}, float64")
    print(f"  jit (numba, fused body) : {1e3 * t_numba:7.2f} ms")
    print(f"  jit (interpreter)       : {1e3 * t_interp:7.2f} ms  ({t_interp / t_numba:.2f}x numba)")
    print(f"  Python loop over NumPy  : {1e3 * t_loop:7.2f} ms  ({t_loop / t_numba:.2f}x numba)")


if __name__ == "__main__":
    main()
