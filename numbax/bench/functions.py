"""The functions suite: one vecmath function per jit call, against NumPy's ufunc.

Each function runs on N = 131,072 elements (float32 and float64) as ``numbax.jit(f)(x)``,
serial (the parallel split is switched off for the suite, so the kernel's own loop is what is
timed), next to NumPy's ufunc on the same array. The ratio is numbax's median time over
NumPy's: below 1.0 numbax is faster. Arguments lie in each function's usual range (where
NumPy's SIMD loops take their fast path too). ``pow`` is ``x ** y`` with an array ``y``;
``pow_s`` is ``x ** 2.7`` (a scalar exponent with no special form); ``logistic`` is
``numbax.nn.sigmoid`` against NumPy's ``1 / (1 + exp(-x))``.

    >>> from numbax.bench.harness import Env
    >>> result = bench_functions(Env(jax=None, repeats={}), [np.dtype("float32")], 3,
    ...                          print, names=["exp"])  # doctest: +SKIP
    >>> print("\\n".join(format_functions(result)))  # doctest: +SKIP
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .harness import Env, fmt_time, run_block

N = 131_072


def _numpy_logistic(x: np.ndarray) -> np.ndarray:
    one = x.dtype.type(1)
    return one / (one + np.exp(-x))


# name -> (numbax.numpy or numbax.nn attribute, NumPy function, argument range, arity).
# Binary functions take a second argument from the second range.
FUNCTIONS: dict[str, tuple[str, Callable, tuple[float, float], tuple[float, float] | None]] = {
    "exp": ("exp", np.exp, (-10.0, 10.0), None),
    "log": ("log", np.log, (0.01, 100.0), None),
    "tanh": ("tanh", np.tanh, (-5.0, 5.0), None),
    "expm1": ("expm1", np.expm1, (-2.0, 2.0), None),
    "log1p": ("log1p", np.log1p, (-0.5, 10.0), None),
    "tan": ("tan", np.tan, (-1.5, 1.5), None),
    "pow": ("power", np.power, (0.1, 10.0), (-3.0, 3.0)),
    "pow_s": ("power", lambda x: np.power(x, x.dtype.type(2.7)), (0.1, 10.0), None),
    "logistic": ("nn.sigmoid", _numpy_logistic, (-10.0, 10.0), None),
    "sin": ("sin", np.sin, (-10.0, 10.0), None),
    "cos": ("cos", np.cos, (-10.0, 10.0), None),
    "sqrt": ("sqrt", np.sqrt, (0.0, 100.0), None),
    "sinh": ("sinh", np.sinh, (-5.0, 5.0), None),
    "cosh": ("cosh", np.cosh, (-5.0, 5.0), None),
    "arcsinh": ("arcsinh", np.arcsinh, (-10.0, 10.0), None),
    "arccosh": ("arccosh", np.arccosh, (1.0, 10.0), None),
    "arctanh": ("arctanh", np.arctanh, (-0.99, 0.99), None),
    "arcsin": ("arcsin", np.arcsin, (-1.0, 1.0), None),
    "arccos": ("arccos", np.arccos, (-1.0, 1.0), None),
    "arctan": ("arctan", np.arctan, (-10.0, 10.0), None),
    "arctan2": ("arctan2", np.arctan2, (-10.0, 10.0), (-10.0, 10.0)),
    "exp2": ("exp2", np.exp2, (-10.0, 10.0), None),
    "log2": ("log2", np.log2, (0.01, 100.0), None),
    "log10": ("log10", np.log10, (0.01, 100.0), None),
    "cbrt": ("cbrt", np.cbrt, (-100.0, 100.0), None),
}
# The functions of the issue's table, in its order (the rest follow in FUNCTIONS' order).
HEADLINE = ("exp", "log", "tanh", "expm1", "log1p", "tan", "pow", "pow_s", "logistic", "sin",
            "cos", "sqrt")


def _numbax_function(name: str) -> Callable:
    import numbax
    import numbax.numpy as xnp

    attr = FUNCTIONS[name][0]
    fn = numbax.nn.sigmoid if attr == "nn.sigmoid" else getattr(xnp, attr)
    if name == "pow_s":
        return lambda x: fn(x, x.dtype.type(2.7))
    return fn


@contextlib.contextmanager
def _serial() -> Iterator[None]:
    """Kernels run on the calling thread only while the block runs (the parallel split's
    threshold set out of reach, as NUMBAX_PARALLEL_THRESHOLD=10**12 would)."""
    from numbax.backends.numba import executable

    saved = executable.PARALLEL_THRESHOLD
    executable.PARALLEL_THRESHOLD = 10 ** 12
    try:
        yield
    finally:
        executable.PARALLEL_THRESHOLD = saved


def _arguments(name: str, dtype: np.dtype) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    ranges = [r for r in FUNCTIONS[name][2:] if r is not None]
    return [rng.uniform(lo, hi, N).astype(dtype) for lo, hi in ranges]


def _bench_one(env: Env, name: str, dtype: np.dtype, repeats: int) -> dict:
    """One function in one dtype: both methods' timings and numbax's over NumPy's."""
    import numbax

    args = _arguments(name, dtype)
    reference = FUNCTIONS[name][1]
    key = ("functions", name, dtype)
    if key not in env.jits:
        env.jits[key] = numbax.jit(_numbax_function(name))
    jitted = env.jits[key]
    with np.errstate(all="ignore"):
        expected = np.asarray(reference(*(a.astype(np.float64) for a in args)))
    builders: dict[str, Callable[[], Callable[[], Any]]] = {
        "numbax": lambda: (lambda: jitted(*args)),
        "numpy": lambda: (lambda: reference(*args)),
    }
    env.watch.start()
    timings = run_block(builders, repeats, expected, dtype, 1e-5 if dtype == np.float32 else 1e-12)
    a, b = timings["numbax"].median_s, timings["numpy"].median_s
    return {"dtype": dtype.name, "function": name, "n": N, "ratio": a / b if a and b else None,
            "foreign_cores": env.watch.foreign_cores(),
            "methods": {k: v.as_json() for k, v in timings.items()}}


def bench_functions(env: Env, dtypes: Sequence[np.dtype], repeats: int,
                    progress: Callable[[str], None],
                    names: Sequence[str] | None = None) -> dict:
    """Run the suite: per dtype and function, numbax's and NumPy's timings and their ratio."""
    rows = []
    with _serial():
        for dtype in dtypes:
            for name in names or FUNCTIONS:
                row = _bench_one(env, name, dtype, repeats)
                rows.append(row)
                shown = f"{row['ratio']:.2f}" if row["ratio"] is not None else "-"
                progress(f"functions {dtype.name} {name}: numbax "
                         f"{fmt_time(row['methods']['numbax']['median_s'])} numpy "
                         f"{fmt_time(row['methods']['numpy']['median_s'])} ratio {shown}")
    return {"n": N, "rows": rows}


def format_functions(result: dict) -> list[str]:
    """The suite's table: per function (rows) and dtype, numbax's and NumPy's median times and
    their ratio; "!" marks a result that did not match NumPy, "*" a contended measurement."""
    rows = result["rows"]
    if not rows:
        return []
    present = {r["function"] for r in rows}
    names = [n for n in HEADLINE if n in present]
    names += [n for n in dict.fromkeys(r["function"] for r in rows) if n not in names]
    dtypes = list(dict.fromkeys(r["dtype"] for r in rows))
    cell = {(r["dtype"], r["function"]): r for r in rows}

    def fmt(row: dict | None) -> str:
        if row is None or row["ratio"] is None:
            return f"{'-':>9}{'-':>9}{'-':>7}"
        bad = any(m["check"] or m["error"] for m in row["methods"].values())
        busy = (row["foreign_cores"] or 0.0) >= 0.25
        times = "".join(f"{fmt_time(row['methods'][m]['median_s']):>9}" for m in ("numbax", "numpy"))
        return times + f"{row['ratio']:>6.2f}" + ("!" if bad else "*" if busy else " ")

    out = ["", f"== functions: numbax jit time / NumPy time, N={result['n']}, serial, medians "
               "(ratio below 1: numbax faster)"]
    width = max(len(n) for n in names) + 2
    out.append(f"{'':<{width}}" + "".join(f"{d:^25}" for d in dtypes))
    out.append(f"{'function':<{width}}" + f"{'numbax':>9}{'numpy':>9}{'ratio':>7}" * len(dtypes))
    for name in names:
        out.append(f"{name:<{width}}" + "".join(fmt(cell.get((d, name))) for d in dtypes))
    return out
