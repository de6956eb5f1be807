"""The dispatch suite: what a cached jit call costs when there is almost no work.

A cached jit call of ``x*y + 1`` on three-element float64 arrays, on both backends, next to the
same expression in NumPy, a bare ``@njit`` function and ``jax.jit``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .harness import Env, run_block, summary


def bench_dispatch(env: Env, repeats: int, progress: Callable[[str], None]) -> dict:
    """Run the suite: the time per call of each method."""
    import numba

    import numbax

    x = np.array([1.0, 2.0, 3.0])
    y = np.array([0.5, 1.5, 2.5])
    f = lambda a, b: a * b + 1.0  # noqa: E731

    def call(g: Callable) -> Callable[[], Any]:
        return lambda: g(x, y)

    builders: dict[str, Callable[[], Callable[[], Any]]] = {
        "numbax": lambda: call(numbax.jit(f)),
        "interp": lambda: call(numbax.jit(f, backend="interpreter")),
        "numpy": lambda: call(f),
        "njit": lambda: call(numba.njit(f)),
    }
    if env.jax is not None:
        jax, _ = env.jax
        jg = jax.jit(f)
        xj, yj = jax.device_put(x), jax.device_put(y)
        builders["jax"] = lambda: (lambda: jg(xj, yj).block_until_ready())
    env.watch.start()
    timings = run_block(builders, repeats, x * y + 1.0, np.dtype(np.float64), 1e-12)
    progress("dispatch: " + summary(timings))
    return {"call": "jit(lambda x, y: x * y + 1.0), 3-element float64 arrays",
            "foreign_cores": env.watch.foreign_cores(),
            "methods": {k: v.as_json() for k, v in timings.items()}}
