"""The chains suite: elementwise chains against the memory-bandwidth floor.

Two inputs x, y ~ U(0.5, 1.5) of N elements (N = 1e4, 1e6, 1e7) in float32 and float64 go
through the first k (k = 1, 2, 4, 8, 16) operations of

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
           only when ``import jax`` works.

Every chain method returns a new array; nb_ser and nb_par write into an output that NumPy
allocates (NumPy maps large blocks to transparent huge pages, an in-Numba ``np.empty`` does not),
so they are what a perfect fused backend reaches with scalar libm. The bandwidth floor of each
(dtype, N) is the fastest of ``np.add(x, y, out=o)`` and a serial and a parallel Numba loop
``o[i] = x[i] + y[i]`` into a preallocated ``o``: read two arrays, write one, the bytes any fused
elementwise chain must move. Ratios are median time / floor time (1.0 = memory speed) and
method time / numbax time (above 1: numbax is faster). A "+sum" chain writes no array, so it
could go a little below the floor. The first call of every method (which includes compiling, or
loading from numbax's disk cache) is reported separately from its run time.

The chain's source generator (Chain, chain_source, array_function, exec_function) is also what
the compile suite and benchmarks/torch_compile.py build their programs from.
"""
from __future__ import annotations

import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .harness import Env, Timing, fmt_time, repeats_for, run_block, summary

# (operation, operand): operand "x"/"y" is an input, a float a constant, None for unary ops.
CHAIN_OPS: list[tuple[str, str | float | None]] = [
    ("mul", "y"), ("add", 1.0), ("sin", None), ("mul", "y"), ("exp", None), ("tanh", None),
    ("abs", None), ("sqrt", None), ("sub", "x"), ("add", "y"), ("sin", None), ("mul", 0.5),
    ("exp", None), ("tanh", None), ("mul", "x"), ("add", 1.0),
]
_SYMBOL = {"mul": "*", "add": "+", "sub": "-"}
CHAIN_METHODS = ("numbax", "interp", "numpy", "nb_ser", "nb_par", "jax")
DEFAULT_KS = (1, 2, 4, 8, 16)
QUICK_KS = (1, 2, 4, 8)
DEFAULT_SIZES = (10_000, 1_000_000, 10_000_000)
QUICK_SIZES = (10_000, 1_000_000)


@dataclass(frozen=True)
class Chain:
    """The first k operations of CHAIN_OPS, then a sum over all elements if reduce."""

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


def array_function(chain: Chain, ns: str, const: Callable[[float], str]) -> str:
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


def exec_function(source: str, namespace: dict, name: str = "chain") -> Callable:
    ns = dict(namespace)
    exec(compile(source, f"<numbax.bench {name}>", "exec"), ns)  # noqa: S102
    return ns[name]


# ---------------------------------------------------------------------------------------------
# The suite: per (dtype, N), the bandwidth floor, then one block of methods per chain


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
        fn = exec_function(source, {"np": np, "prange": numba.prange})
        env.kernels[key] = numba.njit(parallel=parallel, nogil=True)(fn)
    return env.kernels[key]


def floor_block(env: Env, dtype: np.dtype, n: int, x: np.ndarray, y: np.ndarray) -> dict:
    """The bandwidth floor for (dtype, n): the fastest way to compute x + y into a
    preallocated array."""
    o = np.empty_like(x)

    def nb(parallel: bool) -> Callable[[], Callable[[], Any]]:
        def build() -> Callable[[], Any]:
            kern = _numba_kernel(env, None, dtype, parallel)
            return lambda: kern(x, y, o)
        return build

    builders = {"np_add": lambda: (lambda: np.add(x, y, out=o)), "nb_add": nb(False),
                "nb_add_par": nb(True)}
    timings = run_block(builders, 2 * repeats_for(n, env.repeats))
    best = min((tm.median_s for tm in timings.values() if tm.median_s), default=None)
    gbps = 3 * n * dtype.itemsize / best / 1e9 if best else None
    return {"dtype": dtype.name, "n": n, "floor_s": best, "gb_per_s": gbps,
            "parts": {k: v.as_json() for k, v in timings.items()}}


def chain_builders(env: Env, chain: Chain, dtype: np.dtype, x: np.ndarray,
                   y: np.ndarray) -> dict[str, Callable[[], Callable[[], Any]]]:
    """One builder per method (see CHAIN_METHODS) for run_block; each returns the timed call."""
    import numbax
    import numbax.numpy as xnp

    def numbax_jit(backend: str) -> Callable[[], Callable[[], Any]]:
        def build() -> Callable[[], Any]:
            key = (chain, dtype, backend)
            if key not in env.jits:
                fn = exec_function(array_function(chain, "xnp", repr), {"xnp": xnp})
                env.jits[key] = numbax.jit(fn, backend=backend)
            f = env.jits[key]
            return lambda: f(x, y)
        return build

    def numpy_build() -> Callable[[], Any]:
        typed = dtype.type
        fn = exec_function(array_function(chain, "np", lambda c: f"dt({c!r})"), {"np": np, "dt": typed})
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
            fn = jax.jit(exec_function(array_function(chain, "jnp", repr), {"jnp": jnp}))
            xj, yj = jax.device_put(x), jax.device_put(y)
            return lambda: fn(xj, yj).block_until_ready()
        builders["jax"] = jax_build
    return builders


def bench_chains(env: Env, dtypes: Sequence[np.dtype], sizes: Sequence[int],
                 chains: Sequence[Chain], progress: Callable[[str], None]) -> tuple[list, list]:
    """Run the suite: (floors, cells), one floor per (dtype, N) and one cell per chain there."""
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
            progress(f"floor {dtype.name} N={n:.0e}: {fmt_time(floor['floor_s'])}")
            for chain in chains:
                done += 1
                t0 = time.perf_counter()
                env.watch.start()
                ref_fn = exec_function(array_function(chain, "np", repr), {"np": np})
                ref = np.asarray(ref_fn(x.astype(np.float64), y.astype(np.float64)))
                rtol = 1e-4 if dtype == np.float32 else 1e-9
                timings = run_block(chain_builders(env, chain, dtype, x, y),
                                    repeats_for(n, env.repeats), ref, dtype, rtol)
                cell = {"dtype": dtype.name, "n": n, "chain": chain.label, "k": chain.k,
                        "reduce": chain.reduce, "foreign_cores": env.watch.foreign_cores(),
                        "methods": {k: v.as_json() for k, v in timings.items()}}
                cell["ratio_to_floor"] = _ratios(timings, floor["floor_s"])
                base = timings["numbax"].median_s
                cell["ratio_to_numbax"] = _ratios(timings, base)
                cells.append(cell)
                progress(f"[{done}/{total}] {dtype.name} N={n:.0e} {chain.label}: {summary(timings)} "
                         f"({time.perf_counter() - t0:.1f}s)")
    return floors, cells


def _ratios(timings: dict[str, Timing], base: float | None) -> dict[str, float | None]:
    return {k: (v.median_s / base if v.median_s and base else None) for k, v in timings.items()}
