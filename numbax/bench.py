"""The fused-versus-unfused benchmark of numbax: ``python -m numbax.bench`` or ``numbax-bench``.

What is measured
----------------
Elementwise chains. Two inputs x, y ~ U(0.5, 1.5) of N elements (N = 1e4, 1e6, 1e7) in float32
and float64 go through the first k (k = 1, 2, 4, 8, 16) operations of

    x*y -> +1 -> sin -> *y -> exp -> tanh -> abs -> sqrt -> -x -> +y -> sin -> *0.5 -> exp
        -> tanh -> *x -> +1

and, in the "+sum" variants, a sum over all elements at the end. Constants are typed so that
float32 stays float32 everywhere. Each chain is timed as

- numbax   ``numbax.jit(f, backend="numba")``: fused compiled loop kernels;
- interp   ``numbax.jit(f, backend="interpreter")``: the same Jaxpr, one NumPy call per equation;
- numpy    plain NumPy, one ufunc per operation (each allocates a temporary);
- nb_ser   a hand-written (generated) ``@numba.njit`` loop over the whole chain, serial;
- nb_par   the same loop with ``parallel=True`` and ``prange`` (Numba's default thread count);
- jax      ``jax.jit`` with x64 enabled, inputs already on the device, ``block_until_ready``;
           only when ``import jax`` works (JAX is never a dependency of numbax).

Every chain method returns a new array; nb_ser and nb_par write into an output that NumPy
allocates (NumPy maps large blocks to transparent huge pages, an in-Numba ``np.empty`` does not),
so they are what a perfect fused backend reaches with scalar libm. The bandwidth floor of each
(dtype, N) is the fastest of ``np.add(x, y, out=o)`` and a serial and a parallel Numba loop
``o[i] = x[i] + y[i]`` into a preallocated ``o``: read two arrays, write one, the bytes any fused
elementwise chain must move. Ratios are median time / floor time (1.0 = memory speed) and
method time / numbax time (above 1: numbax is faster). A "+sum" chain writes no array, so it
could go a little below the floor.

MLP. ``loss(params, x, t) = mean((tanh(tanh(x W1 + b1) W2 + b2) W3 + b3 - t)**2)``, batch 256,
width 512 (three 512x512 layers), float32 and float64: the forward pass and
``jit(value_and_grad(loss))`` on the numba and interpreter backends, eager numbax (no jit),
NumPy (forward, and a hand-written backward pass), and JAX when present; also each method's
value_and_grad time relative to its forward pass.

Dispatch. A cached jit call of ``x*y + 1`` on three-element float64 arrays, on both backends,
next to the same expression in NumPy, a bare ``@njit`` function and ``jax.jit``.

Compile. In a fresh subprocess with an empty ``NUMBAX_CACHE_DIR``: ``import numbax``, the first
call of ``jit`` of the 8-op chain on float32 N=1e4 (trace + fusion + code generation + Numba's
start-up and compilation + run), the second call, and then the first call of a new program
(the float64 chain) in that warm process. Then a second fresh subprocess with the same, now warm,
disk cache: the time to the first result after import. The first call of every method in the
chain benchmark (which includes compiling, or loading from numbax's disk cache) is reported
separately from its run time.

Method: the median of 9 samples at N=1e4, 5 at 1e6 and 3 at 1e7 (5 and 3 with --quick; twice
as many for the floor); methods are interleaved round-robin within each repeat; tiny calls are
looped so one sample lasts at least 2 ms (for a call that long, the timed call after the first
is the first sample); garbage collection is off while sampling. The first call of each method
(compilation) is timed on its own and never enters the median. Results are checked against
NumPy in float64 (rtol 1e-4 for float32, 1e-9 for float64) and must keep the input dtype; a
"!" after a time marks a mismatch. Each block records how many cores other processes used
meanwhile (from /proc/stat, steal time included); blocks where that reached 0.25 cores are
marked "contended": their numbers, the parallel columns above all, are unreliable.

Options: --quick (N = 1e4 and 1e6, k in 1, 4, 8 plus 8+sum, fewer repeats), --dtypes, --sizes,
--ks, --sections, --no-jax, --json PATH.
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

# The nb_par reference runs on Numba's OpenMP layer, whose idle workers spin for a while after
# each parallel loop; interleaved with the other methods, that spinning would steal the second
# core from them. Passive waiting (read when OpenMP starts, i.e. at the first parallel call)
# keeps the columns independent.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# ---------------------------------------------------------------------------------------------
# The chain

# (operation, operand): operand "x"/"y" is an input, a float a constant, None for unary ops.
CHAIN_OPS: list[tuple[str, str | float | None]] = [
    ("mul", "y"), ("add", 1.0), ("sin", None), ("mul", "y"), ("exp", None), ("tanh", None),
    ("abs", None), ("sqrt", None), ("sub", "x"), ("add", "y"), ("sin", None), ("mul", 0.5),
    ("exp", None), ("tanh", None), ("mul", "x"), ("add", 1.0),
]
_SYMBOL = {"mul": "*", "add": "+", "sub": "-"}
CHAIN_METHODS = ("numbax", "interp", "numpy", "nb_ser", "nb_par", "jax")
MLP_METHODS = ("numbax", "interp", "eager", "numpy", "jax")
DEFAULT_KS = (1, 2, 4, 8, 16)
QUICK_KS = (1, 4, 8)
DEFAULT_SIZES = (10_000, 1_000_000, 10_000_000)
QUICK_SIZES = (10_000, 1_000_000)
MIN_SAMPLE_S = 2e-3


@dataclass(frozen=True)
class Chain:
    k: int
    reduce: bool = False

    @property
    def label(self) -> str:
        return f"k={self.k}" + ("+sum" if self.reduce else "")


def chain_source(k: int, reduce: bool, unary: Callable[[str, str], str],
                 const: Callable[[float], str], x: str = "x", y: str = "y") -> list[str]:
    """Statements computing the first k ops of the chain into `t` (and `s = sum(t)`)."""
    lines = [f"t = {x} * {y}"]
    for op, arg in CHAIN_OPS[1:k]:
        if arg is None:
            lines.append(f"t = {unary(op, 't')}")
        else:
            operand = {"x": x, "y": y}.get(arg) if isinstance(arg, str) else const(arg)
            lines.append(f"t = t {_SYMBOL[op]} {operand}")
    return lines


def _array_function(chain: Chain, ns: str, const: Callable[[float], str]) -> str:
    """Source of `def chain(x, y)` written against an array namespace (np, xnp or jnp)."""
    body = chain_source(chain.k, chain.reduce, lambda op, a: f"{ns}.{op}({a})", const)
    body.append(f"return {ns}.sum(t)" if chain.reduce else "return t")
    return "def chain(x, y):\n" + textwrap.indent("\n".join(body), "    ") + "\n"


def _numba_loop_source(chain: Chain, dtype: np.dtype, parallel: bool) -> str:
    """Source of one fused Numba loop: into `o`, or accumulating the sum in float64."""
    loop = "prange" if parallel else "range"
    body = chain_source(chain.k, chain.reduce, lambda op, a: f"np.{op}({a})",
                        lambda c: f"np.{dtype.name}({c!r})", x="x[i]", y="y[i]")
    if chain.reduce:
        head, tail, ret = ["s = 0.0"], ["s += t"], ["return s"]
        sig = "def chain(x, y):"
    else:
        head, tail, ret, sig = [], ["o[i] = t"], [], "def chain(x, y, o):"
    inner = textwrap.indent("\n".join(body + tail), "    ")
    text = "\n".join(head + [f"for i in {loop}(x.shape[0]):", inner] + ret)
    return sig + "\n" + textwrap.indent(text, "    ") + "\n"


def _exec_function(source: str, namespace: dict, name: str = "chain") -> Callable:
    ns = dict(namespace)
    exec(compile(source, f"<numbax.bench {name}>", "exec"), ns)  # noqa: S102
    return ns[name]


# ---------------------------------------------------------------------------------------------
# Timing


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
    median_s: float | None = None
    first_call_s: float | None = None
    loops: int = 0
    samples: list[float] = field(default_factory=list)
    error: str | None = None
    check: str = ""

    def as_json(self) -> dict:
        return {"median_s": self.median_s, "first_call_s": self.first_call_s, "loops": self.loops,
                "samples_s": self.samples, "error": self.error, "check": self.check}


def _summary(timings: dict[str, Timing]) -> str:
    return " ".join(f"{k} {_fmt_time(v.median_s) if v.error is None else 'ERR'}" for k, v in timings.items())


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


# ---------------------------------------------------------------------------------------------
# Optional JAX


def _import_jax(enabled: bool) -> tuple[Any, Any] | None:
    if not enabled:
        return None
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        return jax, jnp
    except Exception:
        return None


# ---------------------------------------------------------------------------------------------
# Chains


@dataclass
class Env:
    jax: tuple[Any, Any] | None
    repeats: dict[int, int]
    watch: CpuWatch = field(default_factory=CpuWatch)
    kernels: dict = field(default_factory=dict)
    jits: dict = field(default_factory=dict)


def _repeats_for(n: int, table: dict[int, int]) -> int:
    return table[max([s for s in table if s <= n], default=min(table))]


def _numba_kernel(env: Env, chain: Chain | None, dtype: np.dtype, parallel: bool) -> Callable:
    """A compiled hand-written loop, cached per (chain, dtype, parallel); None = the floor add."""
    import numba
    key = (chain, dtype, parallel)
    if key not in env.kernels:
        if chain is None:
            loop = "prange" if parallel else "range"
            source = f"def chain(x, y, o):\n    for i in {loop}(x.shape[0]):\n        o[i] = x[i] + y[i]\n"
        else:
            source = _numba_loop_source(chain, dtype, parallel)
        fn = _exec_function(source, {"np": np, "prange": numba.prange})
        env.kernels[key] = numba.njit(parallel=parallel, nogil=True)(fn)
    return env.kernels[key]


def floor_block(env: Env, dtype: np.dtype, n: int, x: np.ndarray, y: np.ndarray) -> dict:
    o = np.empty_like(x)

    def nb(parallel: bool) -> Callable[[], Callable[[], Any]]:
        def build() -> Callable[[], Any]:
            kern = _numba_kernel(env, None, dtype, parallel)
            return lambda: kern(x, y, o)
        return build

    builders = {"np_add": lambda: (lambda: np.add(x, y, out=o)), "nb_add": nb(False),
                "nb_add_par": nb(True)}
    timings = run_block(builders, 2 * _repeats_for(n, env.repeats))
    best = min((tm.median_s for tm in timings.values() if tm.median_s), default=None)
    gbps = 3 * n * dtype.itemsize / best / 1e9 if best else None
    return {"dtype": dtype.name, "n": n, "floor_s": best, "gb_per_s": gbps,
            "parts": {k: v.as_json() for k, v in timings.items()}}


def chain_builders(env: Env, chain: Chain, dtype: np.dtype, x: np.ndarray,
                   y: np.ndarray) -> dict[str, Callable[[], Callable[[], Any]]]:
    import numbax
    import numbax.numpy as xnp

    def numbax_jit(backend: str) -> Callable[[], Callable[[], Any]]:
        def build() -> Callable[[], Any]:
            key = (chain, dtype, backend)
            if key not in env.jits:
                fn = _exec_function(_array_function(chain, "xnp", repr), {"xnp": xnp})
                env.jits[key] = numbax.jit(fn, backend=backend)
            f = env.jits[key]
            return lambda: f(x, y)
        return build

    def numpy_build() -> Callable[[], Any]:
        typed = dtype.type
        fn = _exec_function(_array_function(chain, "np", lambda c: f"dt({c!r})"), {"np": np, "dt": typed})
        return lambda: fn(x, y)

    def numba_build(parallel: bool) -> Callable[[], Callable[[], Any]]:
        def build() -> Callable[[], Any]:
            kern = _numba_kernel(env, chain, dtype, parallel)
            if chain.reduce:
                return lambda: dtype.type(kern(x, y))

            def call() -> np.ndarray:
                o = np.empty_like(x)
                kern(x, y, o)
                return o
            return call
        return build

    builders = {"numbax": numbax_jit("numba"), "interp": numbax_jit("interpreter"),
                "numpy": numpy_build, "nb_ser": numba_build(False), "nb_par": numba_build(True)}
    if env.jax is not None:
        jax, jnp = env.jax

        def jax_build() -> Callable[[], Any]:
            fn = jax.jit(_exec_function(_array_function(chain, "jnp", repr), {"jnp": jnp}))
            xj, yj = jax.device_put(x), jax.device_put(y)
            return lambda: fn(xj, yj).block_until_ready()
        builders["jax"] = jax_build
    return builders


def bench_chains(env: Env, dtypes: Sequence[np.dtype], sizes: Sequence[int],
                 chains: Sequence[Chain], progress: Callable[[str], None]) -> tuple[list, list]:
    floors, cells = [], []
    total = len(dtypes) * len(sizes) * len(chains)
    done = 0
    for dtype in dtypes:
        for n in sizes:
            rng = np.random.default_rng(0)
            x = rng.uniform(0.5, 1.5, n).astype(dtype)
            y = rng.uniform(0.5, 1.5, n).astype(dtype)
            env.watch.start()
            floor = floor_block(env, dtype, n, x, y)
            floor["foreign_cores"] = env.watch.foreign_cores()
            floors.append(floor)
            progress(f"floor {dtype.name} N={n:.0e}: {_fmt_time(floor['floor_s'])}")
            for chain in chains:
                done += 1
                t0 = time.perf_counter()
                env.watch.start()
                ref_fn = _exec_function(_array_function(chain, "np", repr), {"np": np})
                ref = np.asarray(ref_fn(x.astype(np.float64), y.astype(np.float64)))
                rtol = 1e-4 if dtype == np.float32 else 1e-9
                timings = run_block(chain_builders(env, chain, dtype, x, y),
                                    _repeats_for(n, env.repeats), ref, dtype, rtol)
                cell = {"dtype": dtype.name, "n": n, "chain": chain.label, "k": chain.k,
                        "reduce": chain.reduce, "foreign_cores": env.watch.foreign_cores(),
                        "methods": {k: v.as_json() for k, v in timings.items()}}
                cell["ratio_to_floor"] = _ratios(timings, floor["floor_s"])
                base = timings["numbax"].median_s
                cell["ratio_to_numbax"] = _ratios(timings, base)
                cells.append(cell)
                progress(f"[{done}/{total}] {dtype.name} N={n:.0e} {chain.label}: {_summary(timings)} "
                         f"({time.perf_counter() - t0:.1f}s)")
    return floors, cells


def _ratios(timings: dict[str, Timing], base: float | None) -> dict[str, float | None]:
    return {k: (v.median_s / base if v.median_s and base else None) for k, v in timings.items()}


# ---------------------------------------------------------------------------------------------
# MLP


def _mlp_loss(ns: Any) -> Callable:
    def loss(params, x, t):
        (w1, b1), (w2, b2), (w3, b3) = params
        h1 = ns.tanh(ns.matmul(x, w1) + b1)
        h2 = ns.tanh(ns.matmul(h1, w2) + b2)
        d = ns.matmul(h2, w3) + b3 - t
        return ns.mean(d * d)
    return loss


def _numpy_value_and_grad(params, x, t):
    """Hand-written backward pass of the MLP loss in NumPy."""
    (w1, b1), (w2, b2), (w3, b3) = params
    h1 = np.tanh(x @ w1 + b1)
    h2 = np.tanh(h1 @ w2 + b2)
    d = h2 @ w3 + b3 - t
    loss = np.mean(d * d)
    g = d * d.dtype.type(2.0 / d.size)
    gw3, gb3 = h2.T @ g, g.sum(0)
    g = (g @ w3.T) * (1 - h2 * h2)
    gw2, gb2 = h1.T @ g, g.sum(0)
    g = (g @ w2.T) * (1 - h1 * h1)
    gw1, gb1 = x.T @ g, g.sum(0)
    return loss, ((gw1, gb1), (gw2, gb2), (gw3, gb3))


def _flat_value_and_grad(out: Any) -> np.ndarray:
    from numbax.tree_util import tree_leaves
    value, grads = out
    leaves = [np.asarray(value).reshape(1)] + [np.ravel(np.asarray(g)) for g in tree_leaves(grads)]
    return np.concatenate(leaves)


def _mlp_one(env: Env, dtype: np.dtype, repeats: int, progress: Callable[[str], None],
             batch: int, width: int) -> dict:
    import numbax
    import numbax.numpy as xnp

    rng = np.random.default_rng(1)
    scale = 1.0 / math.sqrt(width)
    params = tuple((rng.normal(0, scale, (width, width)).astype(dtype),
                    rng.normal(0, 0.1, width).astype(dtype)) for _ in range(3))
    x = rng.normal(0, 1, (batch, width)).astype(dtype)
    t = rng.normal(0, 1, (batch, width)).astype(dtype)
    loss = _mlp_loss(xnp)
    ref_vg = _flat_value_and_grad(_numpy_value_and_grad(params, x, t)).astype(np.float64)
    rtol = 1e-3 if dtype == np.float32 else 1e-9

    def call(f: Callable) -> Callable[[], Any]:
        return lambda: f(params, x, t)

    fwd: dict[str, Callable[[], Callable[[], Any]]] = {
        "numbax": lambda: call(numbax.jit(loss)),
        "interp": lambda: call(numbax.jit(loss, backend="interpreter")),
        "eager": lambda: call(loss),
        "numpy": lambda: call(_mlp_loss(np)),
    }
    vg: dict[str, Callable[[], Callable[[], Any]]] = {
        "numbax": lambda: call(numbax.jit(numbax.value_and_grad(loss))),
        "interp": lambda: call(numbax.jit(numbax.value_and_grad(loss), backend="interpreter")),
        "eager": lambda: call(numbax.value_and_grad(loss)),
        "numpy": lambda: call(_numpy_value_and_grad),
    }
    if env.jax is not None:
        jax, jnp = env.jax
        jparams = jax.device_put(params)
        jx, jt = jax.device_put(x), jax.device_put(t)
        jloss = _mlp_loss(jnp)
        jf, jvg = jax.jit(jloss), jax.jit(jax.value_and_grad(jloss))
        fwd["jax"] = lambda: (lambda: jf(jparams, jx, jt).block_until_ready())
        vg["jax"] = lambda: (lambda: jax.block_until_ready(jvg(jparams, jx, jt)))
    env.watch.start()
    f_t = run_block(fwd, repeats, ref_vg[:1].reshape(()), dtype, rtol)
    progress(f"MLP {dtype.name} forward: " + _summary(f_t))
    g_t = run_block(vg, repeats, ref_vg, dtype, rtol, post=_flat_value_and_grad)
    progress(f"MLP {dtype.name} value_and_grad: " + _summary(g_t))
    ratio = {k: (g_t[k].median_s / f_t[k].median_s if g_t[k].median_s and f_t[k].median_s else None)
             for k in g_t}
    return {"dtype": dtype.name, "batch": batch, "width": width,
            "foreign_cores": env.watch.foreign_cores(),
            "forward": {k: v.as_json() for k, v in f_t.items()},
            "value_and_grad": {k: v.as_json() for k, v in g_t.items()},
            "vg_over_forward": ratio}


def bench_mlp(env: Env, dtypes: Sequence[np.dtype], repeats: int,
              progress: Callable[[str], None], batch: int = 256, width: int = 512) -> list:
    return [_mlp_one(env, dtype, repeats, progress, batch, width) for dtype in dtypes]


# ---------------------------------------------------------------------------------------------
# Dispatch


def bench_dispatch(env: Env, repeats: int, progress: Callable[[str], None]) -> dict:
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
    progress("dispatch: " + _summary(timings))
    return {"call": "jit(lambda x, y: x * y + 1.0), 3-element float64 arrays",
            "foreign_cores": env.watch.foreign_cores(),
            "methods": {k: v.as_json() for k, v in timings.items()}}


# ---------------------------------------------------------------------------------------------
# Compile time, in fresh processes

_COMPILE_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np
import numbax
import numbax.numpy as xnp
out = {"import_s": time.perf_counter() - t0}
src = sys.argv[1]
rng = np.random.default_rng(0)
x64, y64 = rng.uniform(0.5, 1.5, 10_000), rng.uniform(0.5, 1.5, 10_000)
def make(backend):
    ns = {"xnp": xnp}
    exec(src, ns)
    return numbax.jit(ns["chain"], backend=backend)
try:
    f = make("numba")
    x32, y32 = x64.astype(np.float32), y64.astype(np.float32)
    t = time.perf_counter(); r = f(x32, y32); out["first_call_s"] = time.perf_counter() - t
    assert r.dtype == np.float32, r.dtype
    t = time.perf_counter(); f(x32, y32); out["second_call_s"] = time.perf_counter() - t
    t = time.perf_counter(); f(x64, y64); out["new_program_first_call_s"] = time.perf_counter() - t
    out["cache_info"] = f.cache_info()
except Exception as err:
    out["error"] = f"{type(err).__name__}: {err}"[:300]
g = make("interpreter")
t = time.perf_counter(); g(x64, y64); out["interpreter_first_call_s"] = time.perf_counter() - t
try:
    from numbax.backends.numba import kernels
    out["kernel_stats"] = dict(kernels.stats)
except Exception:
    pass
print("RESULT " + json.dumps(out))
"""


def _fresh_process(cache_dir: str, source: str, timeout: float = 120.0) -> dict:
    env = dict(os.environ, NUMBAX_CACHE_DIR=cache_dir)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", _COMPILE_SCRIPT, source], env=env,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f}s"}
    wall = time.perf_counter() - t0
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
            result["process_wall_s"] = wall
            return result
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"exit {proc.returncode}: {tail}"[:300]}


def bench_compile(progress: Callable[[str], None]) -> dict:
    source = _array_function(Chain(8), "xnp", repr)
    folder = tempfile.mkdtemp(prefix="numbax-bench-cache-")
    try:
        cold = _fresh_process(folder, source)
        error = f" ({cold['error']})" if "error" in cold else ""
        progress(f"compile, fresh process, empty disk cache: first call "
                 f"{_fmt_time(cold.get('first_call_s'))}{error}")
        warm = _fresh_process(folder, source)
        progress(f"compile, fresh process, warm disk cache: first call "
                 f"{_fmt_time(warm.get('first_call_s'))}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"program": "8-op chain, N=1e4, float32 (then float64 as a new program)",
            "cold_cache": cold, "warm_cache": warm}


# ---------------------------------------------------------------------------------------------
# Report


def _fmt_time(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.1f}us"
    if s < 1.0:
        return f"{s * 1e3:.2f}ms"
    return f"{s:.2f}s"


def _fmt_ratio(r: float | None) -> str:
    if r is None:
        return "-"
    return f"{r:.2f}" if r < 10 else f"{r:.1f}" if r < 100 else f"{r:.0f}"


def _time_cell(tm: dict) -> str:
    if tm["error"] is not None:
        return "ERR"
    return _fmt_time(tm["median_s"]) + ("!" if tm["check"] else "")


def _contended(cores: float | None) -> str:
    return f"  [contended: other processes used {cores:.2f} cores]" if cores and cores >= 0.25 else ""


def format_report(report: dict) -> str:
    out: list[str] = []
    meta = report["meta"]
    out.append(f"numbax-bench: {meta['machine']}; python {meta['python']}, numpy {meta['numpy']}, "
               f"numba {meta['numba']} ({meta['numba_threads']} threads, "
               f"{meta.get('numba_threading_layer') or 'no'} threading layer), "
               f"jax {meta['jax'] or 'not installed'}; loadavg at start {meta['loadavg']}")
    out.append("Times are medians per call. x floor: time / bandwidth floor (1.0 = memory speed); "
               "x numbax: time / numbax time (above 1: numbax is faster).")
    notes: dict[str, list[str]] = {}  # message -> where it happened

    def note(method: str, tm: dict, where: str) -> None:
        text = tm["error"] if tm["error"] is not None else tm["check"]
        if text:
            notes.setdefault(f"{method}: {text}", []).append(where)

    chains = report.get("chains")
    if chains:
        methods = [m for m in CHAIN_METHODS if any(m in c["methods"] for c in chains["cells"])]
        others = [m for m in methods if m != "numbax"]
        w = 9
        for floor in chains["floors"]:
            cells = [c for c in chains["cells"] if c["dtype"] == floor["dtype"] and c["n"] == floor["n"]]
            parts = ", ".join(f"{k} {_fmt_time(v['median_s'])}" for k, v in floor["parts"].items())
            gbps = f" = {floor['gb_per_s']:.1f} GB/s" if floor["gb_per_s"] else ""
            out.append("")
            out.append(f"== {floor['dtype']} N={floor['n']:.0e}  floor {_fmt_time(floor['floor_s'])}{gbps} "
                       f"(read 2, write 1; {parts}){_contended(floor['foreign_cores'])}")
            head = (f"{'chain':<8}" + "".join(f"{m:>{w}}" for m in methods)
                    + " | x floor:" + "".join(f"{m:>7}" for m in methods)
                    + " | x numbax:" + "".join(f"{m:>7}" for m in others))
            out.append(head)
            for c in cells:
                row = f"{c['chain']:<8}" + "".join(f"{_time_cell(c['methods'][m]):>{w}}"
                                                    if m in c["methods"] else f"{'-':>{w}}" for m in methods)
                to_floor, to_numbax = c["ratio_to_floor"], c["ratio_to_numbax"]
                row += " |        " + "".join(f"{_fmt_ratio(to_floor.get(m)):>7}" for m in methods)
                row += " |          " + "".join(f"{_fmt_ratio(to_numbax.get(m)):>7}" for m in others)
                out.append(row + _contended(c["foreign_cores"]))
                for m, tm in c["methods"].items():
                    note(m, tm, f"{c['dtype']} N={c['n']:.0e} {c['chain']}")
        # First calls: compile (or disk-cache load) time, at each chain's first size.
        out.append("")
        out.append("First call (includes compiling, or loading numbax's disk cache), at the first size run:")
        comp = ["numbax", "nb_ser", "nb_par", "jax", "interp"]
        comp = [m for m in comp if m in methods]
        out.append(f"{'dtype':<8} {'chain':<8}" + "".join(f"{m:>10}" for m in comp))
        seen: set = set()
        for c in chains["cells"]:
            key = (c["dtype"], c["chain"])
            if key in seen:
                continue
            seen.add(key)
            firsts = [_fmt_time(c["methods"][m]["first_call_s"]) if m in c["methods"] else "-" for m in comp]
            out.append(f"{c['dtype']:<8} {c['chain']:<8}" + "".join(f"{v:>10}" for v in firsts))
    mlp = report.get("mlp")
    if mlp:
        out.append("")
        out.append(f"== MLP, 3 tanh layers, batch {mlp[0]['batch']}, width {mlp[0]['width']} "
                   "(value_and_grad: jit(value_and_grad(loss)); numpy: hand-written backward)")
        methods = [m for m in MLP_METHODS if m in mlp[0]["forward"]]
        out.append(f"{'':<26}" + "".join(f"{m:>10}" for m in methods))
        for row in mlp:
            for part in ("forward", "value_and_grad"):
                out.append(f"{row['dtype'] + ' ' + part:<26}" + "".join(
                    f"{_time_cell(row[part][m]):>10}" for m in methods) + _contended(row["foreign_cores"]))
                for m in methods:
                    note(m, row[part][m], f"MLP {row['dtype']} {part}")
            out.append(f"{row['dtype'] + ' vg / forward':<26}" + "".join(
                f"{_fmt_ratio(row['vg_over_forward'].get(m)):>10}" for m in methods))
            base = row["value_and_grad"]["numbax"]["median_s"]
            out.append(f"{row['dtype'] + ' vg x numbax':<26}" + "".join(
                f"{_fmt_ratio(row['value_and_grad'][m]['median_s'] / base if base and row['value_and_grad'][m]['median_s'] else None):>10}"  # noqa: E501
                for m in methods))
    disp = report.get("dispatch")
    if disp:
        out.append("")
        out.append(f"== Dispatch: {disp['call']}, time per call{_contended(disp['foreign_cores'])}")
        out.append("  " + "   ".join(f"{k} {_time_cell(v)}" for k, v in disp["methods"].items()))
        for m, tm in disp["methods"].items():
            note(m, tm, "dispatch")
    comp_rep = report.get("compile")
    if comp_rep:
        cold, warm = comp_rep["cold_cache"], comp_rep["warm_cache"]
        out.append("")
        out.append(f"== Compile: {comp_rep['program']}, fresh processes")
        c = {k: _fmt_time(v) for k, v in cold.items() if isinstance(v, float)}
        w = {k: _fmt_time(v) for k, v in warm.items() if isinstance(v, float)}
        out.append(f"  empty disk cache: import numbax {c.get('import_s', '-')}, first call "
                   f"{c.get('first_call_s', '-')}, second call {c.get('second_call_s', '-')}, "
                   f"new program in the same process {c.get('new_program_first_call_s', '-')}; "
                   f"interpreter first call {c.get('interpreter_first_call_s', '-')}")
        out.append(f"  warm disk cache:  import numbax {w.get('import_s', '-')}, time to first result "
                   f"{w.get('first_call_s', '-')}, float64 program {w.get('new_program_first_call_s', '-')}")
        for name, r in (("compile, empty cache", cold), ("compile, warm cache", warm)):
            if "error" in r:
                notes.setdefault(f"numbax: {r['error']}", []).append(name)
    if notes:
        out.append("")
        out.append("Notes (ERR: the method failed; !: its result disagreed with NumPy):")
        for text, wheres in notes.items():
            more = f" and {len(wheres) - 3} more" if len(wheres) > 3 else ""
            out.append(f"  {text}  [{', '.join(wheres[:3])}{more}]")
    out.append("")
    out.append(f"Total benchmark time {meta['total_s']:.1f}s.")
    return "\n".join(out)


def _meta(jax_mod: tuple[Any, Any] | None) -> dict:
    import numba
    try:
        load = f"{os.getloadavg()[0]:.2f}"
    except OSError:
        load = "?"
    return {"machine": f"{platform.machine()} {platform.processor() or platform.system()}, "
                       f"{os.cpu_count()} CPUs",
            "python": platform.python_version(), "numpy": np.__version__, "numba": numba.__version__,
            "numba_threads": numba.get_num_threads(), "jax": jax_mod[0].__version__ if jax_mod else None,
            "loadavg": load}


def _parse_list(text: str, conv: Callable[[str], Any]) -> list:
    return [conv(v) for v in text.split(",") if v.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="numbax-bench", description="numbax fused-versus-unfused benchmark (see the module docstring).")
    parser.add_argument("--quick", action="store_true",
                        help="N = 1e4, 1e6; k in 1, 4, 8 plus 8+sum; fewer repeats (under 20 s)")
    parser.add_argument("--dtypes", default="float32,float64", help="comma list (default float32,float64)")
    parser.add_argument("--sizes", default=None, help="comma list of N (default 1e4,1e6,1e7)")
    parser.add_argument("--ks", default=None, help="comma list of chain lengths (default 1,2,4,8,16)")
    parser.add_argument("--sections", default="compile,dispatch,chains,mlp",
                        help="comma list out of compile, dispatch, chains, mlp")
    parser.add_argument("--no-jax", action="store_true", help="do not time JAX even if installed")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)

    t_start = time.perf_counter()

    def progress(msg: str) -> None:
        print(f"[{time.perf_counter() - t_start:6.1f}s] {msg}", file=sys.stderr, flush=True)

    dtypes = [np.dtype(d) for d in _parse_list(args.dtypes, str)]
    sizes = _parse_list(args.sizes, lambda v: int(float(v))) if args.sizes else list(
        QUICK_SIZES if args.quick else DEFAULT_SIZES)
    ks = _parse_list(args.ks, int) if args.ks else list(QUICK_KS if args.quick else DEFAULT_KS)
    if any(not 1 <= k <= len(CHAIN_OPS) for k in ks):
        parser.error(f"chain lengths must lie in 1..{len(CHAIN_OPS)}")
    sum_ks = [k for k in ((8,) if args.quick else (1, 8)) if k in ks] or ks[-1:]
    chains = [Chain(k) for k in ks] + [Chain(k, True) for k in sum_ks]
    sections = set(_parse_list(args.sections, str))
    repeats = {10_000: 5, 1_000_000: 3} if args.quick else {10_000: 9, 1_000_000: 5, 10_000_000: 3}

    progress("starting (progress on stderr, table on stdout)")
    jax_mod = _import_jax(not args.no_jax)
    env = Env(jax=jax_mod, repeats=repeats)
    report: dict[str, Any] = {"meta": _meta(jax_mod), "args": vars(args)}
    if "compile" in sections:
        report["compile"] = bench_compile(progress)
    if "dispatch" in sections:
        report["dispatch"] = bench_dispatch(env, 5 if args.quick else 9, progress)
    if "chains" in sections:
        floors, cells = bench_chains(env, dtypes, sizes, chains, progress)
        report["chains"] = {"ops": [f"{op} {arg}" if arg is not None else op for op, arg in CHAIN_OPS],
                            "floors": floors, "cells": cells}
    if "mlp" in sections:
        report["mlp"] = bench_mlp(env, dtypes, 3 if args.quick else 7, progress)
    try:
        import numba
        report["meta"]["numba_threading_layer"] = numba.threading_layer()
    except Exception:
        report["meta"]["numba_threading_layer"] = None
    report["meta"]["total_s"] = time.perf_counter() - t_start
    print(format_report(report))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
        progress(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
