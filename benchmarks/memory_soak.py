"""Memory soak: many calls of a cached jit function must keep memory flat.

For each function below, calls it a few hundred times (compiling it and letting allocator
pools fill), reads the resident set size, calls it --calls more times, and reads it again.
A cached call allocates its outputs and drops them, so anything retained per call (a growing
cache, a log, a reference cycle) shows as growth proportional to the number of calls; the
Python-heap figure (sys.getallocatedblocks) catches even small per-call objects that RSS
rounding would hide.

Run: python -m benchmarks.memory_soak [--calls 100000] [--only NAME ...]
Exits with status 1 when some function grows by more than --limit-kib of RSS.
"""
from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
from functools import partial

import numpy as np

import numbax as nb
import numbax.lax as lax
import numbax.numpy as xnp

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_kib() -> int:
    """Current resident set size in KiB (peak size where /proc is unavailable)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE // 1024
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak // 1024 if sys.platform == "darwin" else peak


def _cases() -> dict:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 64))
    y = rng.standard_normal((64, 64))
    w = rng.standard_normal((64, 8)) / 8
    v = rng.standard_normal(64)
    big = rng.standard_normal(1 << 18)

    def loss(w, x):
        return xnp.sum(xnp.tanh(x @ w) ** 2)

    def mlp(params, batch):
        h = xnp.tanh(batch["x"] @ params["w"] + params["b"])
        return {"out": h, "norms": (xnp.sum(h * h), xnp.max(h))}

    def scaled(x, *, scale, shift=0.0):
        return xnp.exp(x * scale) - shift

    def loop(v):
        return lax.fori_loop(0, 5, lambda i, c: xnp.sin(c) * 0.5 + v, v)

    params = {"w": w, "b": np.zeros(8)}
    inner = nb.jit(lambda a: xnp.sin(a) * a)
    fused = nb.jit(lambda a, b: xnp.sin(a) * b + xnp.tanh(a * b))
    row_sums = nb.jit(lambda a: xnp.sum(xnp.exp(a) * 2 - a, axis=-1))
    full_sum = nb.jit(lambda a: xnp.sum(xnp.sin(a) * 2 + 1))
    # name: (function to call with no arguments, what it exercises)
    return {
        "fused_elementwise": (partial(fused, x, y), "one inlined flat kernel, the jit fast path"),
        "reduction": (partial(row_sums, x), "a row-reduction kernel run through GroupRunner"),
        "grad": (partial(nb.jit(nb.grad(loss)), w, x), "jit of grad: dot, transpose, kernels"),
        "pytree_args": (partial(nb.jit(mlp), params, {"x": x}),
                        "dict and tuple arguments and outputs, the slow lookup path"),
        "kwargs": (partial(nb.jit(scaled), x, scale=0.5, shift=1.0),
                   "keyword arguments and Python scalars"),
        "fori_loop": (partial(nb.jit(loop), v), "control flow running a compiled body"),
        "grad_of_jit": (partial(nb.grad(lambda a: xnp.sum(inner(a))), x),
                        "eager grad through a jit function: new derived programs every call"),
        "split_over_threads": (partial(full_sum, big),
                               "a full reduction large enough to use the thread pool"),
    }


# These cost a millisecond or so per call (tracing, or a large array); a tenth of the calls
# shows a leak as well.
_SLOW = {"split_over_threads": 10, "grad_of_jit": 10}


def soak(fn, calls: int, warmup: int = 500) -> dict:
    for _ in range(warmup):
        fn()
    gc.collect()
    rss0, blocks0, t0 = rss_kib(), sys.getallocatedblocks(), time.perf_counter()
    for _ in range(calls):
        fn()
    gc.collect()
    rss1, blocks1 = rss_kib(), sys.getallocatedblocks()
    return {"calls": calls, "rss_start_kib": rss0, "rss_end_kib": rss1,
            "rss_growth_kib": rss1 - rss0, "py_blocks_growth": blocks1 - blocks0,
            "us_per_call": 1e6 * (time.perf_counter() - t0) / calls}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--only", nargs="*", help="run only these cases")
    parser.add_argument("--limit-kib", type=int, default=2048,
                        help="RSS growth above which a case counts as leaking")
    args = parser.parse_args(argv)
    cases = _cases()
    names = args.only or list(cases)
    print(f"{'case':20s} {'calls':>7s} {'RSS start':>10s} {'RSS end':>10s} {'growth':>9s} "
          f"{'py blocks':>9s} {'us/call':>8s}")
    leaking = []
    for name in names:
        fn, _ = cases[name]
        r = soak(fn, max(1, args.calls // _SLOW.get(name, 1)))
        print(f"{name:20s} {r['calls']:7d} {r['rss_start_kib']:7d} KiB {r['rss_end_kib']:7d} KiB "
              f"{r['rss_growth_kib']:+5d} KiB {r['py_blocks_growth']:+9d} {r['us_per_call']:8.1f}",
              flush=True)
        if r["rss_growth_kib"] > args.limit_kib:
            leaking.append(name)
    if leaking:
        print(f"RSS grew by more than {args.limit_kib} KiB for: {', '.join(leaking)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
