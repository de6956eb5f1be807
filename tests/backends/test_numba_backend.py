"""The Numba backend: fused kernels agree with the interpreter backend and with NumPy."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import numbax as nb
import numbax.lax as lax
import numbax.numpy as xnp
from numbax.backends.numba import kernels


def _tol(dtype):
    return {"rtol": 1e-5, "atol": 1e-6} if np.dtype(dtype) == np.float32 else \
        {"rtol": 1e-12, "atol": 1e-12}


def assert_close(got, want, what=""):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} != {want.dtype}"
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    if want.dtype.kind in "fc":
        np.testing.assert_allclose(got, want, equal_nan=True, err_msg=what, **_tol(want.dtype))
    else:
        np.testing.assert_array_equal(got, want, err_msg=what)


def check(fn, *args, reference=None):
    """fn under jit(numba) == jit(interpreter) (== reference(*args) when given)."""
    fused = nb.jit(fn)(*args)
    unfused = nb.jit(fn, backend="interpreter")(*args)
    assert_close(fused, unfused, "numba vs interpreter")
    if reference is not None:
        with np.errstate(all="ignore"):
            want = np.asarray(reference(*args))
        assert_close(fused, want, "numba vs NumPy")
    return fused


RNG = np.random.default_rng(0)
X64 = RNG.uniform(0.5, 2.0, (3, 4))
Y64 = RNG.uniform(0.5, 2.0, (3, 4))
S64 = RNG.uniform(-2.0, 2.0, (3, 4))   # signed values
X32, Y32, S32 = (a.astype(np.float32) for a in (X64, Y64, S64))

# (name, numbax function, NumPy reference); inputs positive for log/sqrt.
UNARY = [
    ("neg", lax.neg, np.negative), ("abs", lax.abs, np.abs), ("sign", lax.sign, np.sign),
    ("exp", lax.exp, np.exp), ("log", lax.log, np.log), ("log1p", lax.log1p, np.log1p),
    ("expm1", lax.expm1, np.expm1), ("sin", lax.sin, np.sin), ("cos", lax.cos, np.cos),
    ("tan", lax.tan, np.tan), ("tanh", lax.tanh, np.tanh), ("sqrt", lax.sqrt, np.sqrt),
    ("rsqrt", lax.rsqrt, lambda x: 1 / np.sqrt(x)),
    ("logistic", lax.logistic, lambda x: 1 / (1 + np.exp(-x))),
    ("integer_pow3", lambda x: lax.integer_pow(x, 3), lambda x: x ** 3),
    ("integer_pow-2", lambda x: lax.integer_pow(x, -2), lambda x: x ** -2.0),
    ("stop_gradient", lambda x: lax.stop_gradient(x) * 2, lambda x: x * 2),
]
BINARY = [
    ("add", lax.add, np.add), ("sub", lax.sub, np.subtract), ("mul", lax.mul, np.multiply),
    ("div", lax.div, np.divide), ("pow", lax.pow, np.power), ("max", lax.max, np.maximum),
    ("min", lax.min, np.minimum),
]
COMPARE = [("lt", lax.lt, np.less), ("le", lax.le, np.less_equal), ("gt", lax.gt, np.greater),
           ("ge", lax.ge, np.greater_equal), ("eq", lax.eq, np.equal),
           ("ne", lax.ne, np.not_equal)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,fn,ref", UNARY, ids=[u[0] for u in UNARY])
def test_unary(name, fn, ref, dtype):
    x = (S64 if name in ("neg", "abs", "sign", "sin", "cos", "tanh", "logistic", "expm1",
                         "integer_pow3", "stop_gradient") else X64).astype(dtype)
    # A chain around the op; single application keeps ill-conditioned ops (tan) comparable.
    out = check(lambda a: fn(a * 1.5) * 2 + a, x,
                reference=lambda a: ref(a * dtype(1.5)).astype(dtype) * 2 + a)
    assert out.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,fn,ref", BINARY, ids=[b[0] for b in BINARY])
def test_binary(name, fn, ref, dtype):
    x, y = X64.astype(dtype), Y64.astype(dtype)
    out = check(lambda a, b: fn(a, b) + a, x, y, reference=lambda a, b: ref(a, b) + a)
    assert out.dtype == dtype


@pytest.mark.parametrize("name,fn,ref", BINARY[:3] + BINARY[5:], ids=lambda v: str(v)[:12])
def test_binary_integer(name, fn, ref):
    x = np.arange(12, dtype=np.int64).reshape(3, 4) - 5
    y = np.arange(12, dtype=np.int64).reshape(3, 4) % 4 - 1
    check(lambda a, b: fn(a, b) * 2, x, y, reference=lambda a, b: ref(a, b) * 2)


@pytest.mark.parametrize("dtype", [np.float64])
@pytest.mark.parametrize("name,fn,ref", COMPARE, ids=[c[0] for c in COMPARE])
def test_comparisons_give_bool(name, fn, ref, dtype):
    x = np.array([[1, 2, 3, 4], [4, 3, 2, 1], [0, 2, 2, 5]], dtype)
    y = np.array([2, 2, 2, 2], dtype)
    out = check(lambda a, b: fn(a * 1, b), x, y, reference=ref)
    assert out.dtype == np.bool_


def test_integer_comparisons():
    x = np.array([[1, 2, 3, 4], [4, 3, 2, 1], [0, 2, 2, 5]])
    y = np.array([2, 2, 2, 2])
    outs = check(lambda a, b: (a < b, a >= b, a == b), x, y,
                 reference=lambda a, b: (a < b, a >= b, a == b))
    assert all(o.dtype == np.bool_ for o in outs)


def test_logical_ops_and_select():
    x = np.array([[1.0, -2.0, 3.0, -4.0]] * 3)
    y = S64

    def f(a, b):
        p, q = a > 0, b > 0
        return (xnp.where(xnp.logical_and(p, q), a, b), xnp.logical_or(p, q),
                xnp.logical_not(p), lax.select(q, a * 2, b))

    def ref(a, b):
        p, q = a > 0, b > 0
        return (np.where(p & q, a, b), p | q, ~p, np.where(q, a * 2, b))

    outs = nb.jit(f)(x, y)
    for got, want, interp in zip(outs, ref(x, y), nb.jit(f, backend="interpreter")(x, y)):
        assert_close(got, want)
        assert_close(got, interp)


@pytest.mark.parametrize("yshape", [(4,), (3, 1), (), (1, 4)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_broadcasting(yshape, dtype):
    x = X64.astype(dtype)
    y = RNG.uniform(0.5, 2.0, yshape).astype(dtype)
    out = check(lambda a, b: xnp.exp(a * b) - b / a, x, y,
                reference=lambda a, b: np.exp(a * b) - b / a)
    assert out.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_literals_and_python_scalars(dtype):
    x = X64.astype(dtype)
    out = check(lambda a: (a * 2.5 + 1) ** 2 - 3.0 / a + xnp.maximum(a, 1.0), x,
                reference=lambda a: (a * dtype(2.5) + 1) ** 2 - dtype(3.0) / a
                + np.maximum(a, dtype(1.0)))
    assert out.dtype == dtype


def test_full_inside_a_group():
    x = X64
    check(lambda a: a + xnp.full((3, 4), 2.0) * xnp.ones_like(a), x,
          reference=lambda a: a + 2.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_convert_element_type(dtype):
    x = (S64 * 3).astype(dtype)

    def f(a):
        i = lax.convert_element_type(a, np.int32)
        b = lax.convert_element_type(a, np.bool_)
        back = lax.convert_element_type(i, dtype) + lax.convert_element_type(b, dtype)
        return i * 2, b, back * a

    def ref(a):
        i = a.astype(np.int32)
        b = a.astype(np.bool_)
        return i * 2, b, (i.astype(dtype) + b.astype(dtype)) * a

    outs = nb.jit(f)(x)
    for got, want, interp in zip(outs, ref(x), nb.jit(f, backend="interpreter")(x)):
        assert_close(got, want)
        assert_close(got, interp)


def test_division_by_zero_gives_inf_like_numpy():
    x = np.array([1.0, -1.0, 0.0, 2.0])
    y = np.array([0.0, 0.0, 0.0, 4.0])
    out = check(lambda a, b: a / b + 0.0, x, y, reference=lambda a, b: a / b + 0.0)
    assert np.isposinf(out[0]) and np.isneginf(out[1]) and np.isnan(out[2])
    out32 = check(lambda a, b: a / b * 1, x.astype(np.float32), y.astype(np.float32),
                  reference=lambda a, b: a / b)
    assert np.isposinf(out32[0])


# ----- reductions -----

REDUCERS = [("sum", xnp.sum, np.sum), ("max", xnp.max, np.max), ("min", xnp.min, np.min)]


@pytest.mark.parametrize("axis,dtype", [(None, np.float64), (-1, np.float64),
                                        ((1, 2), np.float64), (0, np.float64),
                                        (None, np.float32), (-1, np.float32)], ids=str)
@pytest.mark.parametrize("name,red,ref", REDUCERS, ids=[r[0] for r in REDUCERS])
def test_reductions(name, red, ref, axis, dtype):
    x = RNG.uniform(-1, 1, (2, 3, 5)).astype(dtype)
    out = check(lambda a: red(xnp.sin(a) * 2 + a, axis=axis), x,
                reference=lambda a: ref(np.sin(a) * 2 + a, axis=axis))
    assert out.dtype == dtype


def test_reduction_over_a_middle_axis():
    x = RNG.uniform(-1, 1, (2, 3, 5))
    for red, ref in [(xnp.sum, np.sum), (xnp.max, np.max)]:
        check(lambda a, red=red: red(xnp.exp(a) + 1, axis=1), x,
              reference=lambda a, ref=ref: ref(np.exp(a) + 1, axis=1))


def test_integer_reductions():
    x = np.arange(24, dtype=np.int64).reshape(4, 6) - 7
    for red, ref in [(xnp.sum, np.sum), (xnp.max, np.max), (xnp.min, np.min)]:
        check(lambda a, red=red: red(a * 3 - 1, axis=-1), x,
              reference=lambda a, ref=ref: ref(a * 3 - 1, axis=-1))
        check(lambda a, red=red: red(a * 3 - 1), x,
              reference=lambda a, ref=ref: ref(a * 3 - 1))


@pytest.mark.parametrize("axis", [None, -1])
def test_nan_propagates_through_max_and_min(axis):
    x = np.array([[1.0, np.nan, 3.0, 0.5], [1.0, 2.0, 3.0, 0.5], [np.nan] * 4])
    for red, ref in [(xnp.max, np.max), (xnp.min, np.min)]:
        out = check(lambda a, red=red: red(a * 2 + 1, axis=axis), x,
                    reference=lambda a, ref=ref: ref(a * 2 + 1, axis=axis))
        assert np.isnan(out).any()
    check(lambda a: xnp.maximum(a, 1.5) * 2, x, reference=lambda a: np.maximum(a, 1.5) * 2)
    check(lambda a: xnp.minimum(a, 1.5) * 2, x, reference=lambda a: np.minimum(a, 1.5) * 2)


def test_large_arrays_split_over_threads():
    n = 1 << 18
    x = np.linspace(-1, 1, n)
    check(lambda a: xnp.sin(a) * 2 + 1, x, reference=lambda a: np.sin(a) * 2 + 1)
    check(lambda a: xnp.sum(xnp.sin(a) * 2 + 1), x,
          reference=lambda a: np.sum(np.sin(a) * 2 + 1))
    for red, ref in [(xnp.max, np.max), (xnp.min, np.min)]:
        check(lambda a, red=red: red(a * 3), x, reference=lambda a, ref=ref: ref(a * 3))
    x2 = x.reshape(512, 512)
    check(lambda a: xnp.sum(a * a, axis=-1), x2, reference=lambda a: np.sum(a * a, axis=-1))


# ----- unfused equations between groups -----

def test_non_fused_ops_between_chains():
    x = RNG.uniform(-1, 1, (4, 6))
    w = RNG.uniform(-1, 1, (6, 6))
    idx = np.array([3, 0, 2, 2])

    def f(a, w):
        h = xnp.tanh(a * 2 + 1)
        h = xnp.dot(h, w)
        h = xnp.exp(h) - h
        t = xnp.transpose(h).reshape(4, 6) * 0.5
        s = t[1:3, ::2] + 1
        c = xnp.concatenate([s, s * 2], axis=0)
        g = lax.gather(h, idx, 0) + 1
        return xnp.sum(c * c), xnp.sin(g) * 3

    def ref(a, w):
        h = np.tanh(a * 2 + 1)
        h = h @ w
        h = np.exp(h) - h
        t = h.T.reshape(4, 6) * 0.5
        s = t[1:3, ::2] + 1
        c = np.concatenate([s, s * 2], axis=0)
        g = h[idx] + 1
        return np.sum(c * c), np.sin(g) * 3

    outs = nb.jit(f)(x, w)
    for got, want, interp in zip(outs, ref(x, w), nb.jit(f, backend="interpreter")(x, w)):
        assert_close(got, want)
        assert_close(got, interp)


# ----- random programs -----

_UN = [xnp.sin, xnp.tanh, xnp.exp, lambda a: a * a, xnp.abs, lambda a: -a]
_BIN = [xnp.add, xnp.subtract, xnp.multiply, xnp.maximum, xnp.minimum,
        lambda a, b: xnp.where(a > b, a, b * 0.5)]
_SHAPES = [(3, 4), (4,), (3, 1), ()]


@st.composite
def programs(draw):
    n_inputs = draw(st.integers(1, 3))
    shapes = [(3, 4)] + [draw(st.sampled_from(_SHAPES)) for _ in range(n_inputs - 1)]
    steps = draw(st.lists(st.tuples(st.booleans(), st.integers(0, 5), st.integers(0, 10),
                                    st.integers(0, 10)), min_size=1, max_size=6))
    final = draw(st.sampled_from(["none", "sum", "sum-1", "max", "min-1"]))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    return shapes, steps, final, dtype


def _build(shapes, steps, final):
    def fn(*args):
        vals = list(args)
        for binary, op, i, j in steps:
            a = vals[i % len(vals)]
            if binary:
                vals.append(_BIN[op](a, vals[j % len(vals)]))
            else:
                vals.append(_UN[op](a))
        out = vals[-1] + vals[0]   # always the full (3, 4) shape
        if final == "sum":
            return xnp.sum(out)
        if final == "sum-1":
            return xnp.sum(out, axis=-1)
        if final == "max":
            return xnp.max(out)
        if final == "min-1":
            return xnp.min(out, axis=-1)
        return out
    return fn


@seed(12345)
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(programs())
def test_random_programs_fused_equals_interpreter(program):
    shapes, steps, final, dtype = program
    rng = np.random.default_rng(len(steps))
    args = [rng.uniform(-1, 1, s).astype(dtype) for s in shapes]
    fn = _build(shapes, steps, final)
    fused = nb.jit(fn)(*args)
    unfused = nb.jit(fn, backend="interpreter")(*args)
    assert_close(fused, unfused, f"{steps} {final}")
    assert np.asarray(fused).dtype == dtype


# ----- kernel caching -----

def test_kernels_are_shared_between_functions_of_the_same_structure():
    x, y = X64, Y64
    nb.jit(lambda a, b: xnp.sin(a) * b + 0.25)(x, y)
    before = kernels.stats["kernels_created"]

    def other(p, q):
        return xnp.sin(p) * q + 0.25
    out = nb.jit(other)(x, y)
    np.testing.assert_allclose(out, np.sin(x) * y + 0.25, rtol=1e-12)
    assert kernels.stats["kernels_created"] == before


def test_fresh_process_loads_kernels_from_disk_cache(tmp_path):
    cache = tmp_path / "warm"
    script = textwrap.dedent("""
        import numpy as np, numbax as nb, numbax.numpy as xnp
        from numbax.backends.numba import kernels
        f = nb.jit(lambda a, b: xnp.sum(xnp.tanh(a * b) + 1.5 * a, axis=-1))
        out = f(np.ones((3, 5)), np.full((3, 5), 2.0))
        assert np.allclose(out, 5 * (np.tanh(2.0) + 1.5))
        hits = sum(len(k.stats.cache_hits) for k in kernels._memory.values())
        misses = sum(len(k.stats.cache_misses) for k in kernels._memory.values())
        print("HITS", hits, "MISSES", misses, "KERNELS", len(kernels._memory))
    """)
    env = dict(os.environ, NUMBAX_CACHE_DIR=str(cache))

    def run():
        proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        line = [ln for ln in proc.stdout.splitlines() if ln.startswith("HITS")][-1]
        _, hits, _, misses, _, count = line.split()
        return int(hits), int(misses), int(count)

    hits, misses, count = run()
    assert count >= 1 and misses >= 1 and hits == 0
    hits, misses, count = run()
    assert count >= 1 and hits >= 1 and misses == 0


def test_unusable_cache_dir_falls_back_to_memory_with_warning(tmp_path, monkeypatch):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("this is a regular file, not a folder")
    monkeypatch.setenv("NUMBAX_CACHE_DIR", str(not_a_dir))
    monkeypatch.setattr(kernels, "_disk_ok", None)
    fallbacks = kernels.stats["disk_fallbacks"]
    x = X64
    with pytest.warns(RuntimeWarning, match="compiling in memory"):
        out = nb.jit(lambda a: xnp.cos(a) * 7.125 - a ** 3)(x)
    np.testing.assert_allclose(out, np.cos(x) * 7.125 - x ** 3, rtol=1e-12)
    assert kernels.stats["disk_fallbacks"] == fallbacks + 1
    # Later kernels compile in memory without warning again.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = nb.jit(lambda a: xnp.cos(a) * 9.125 - a ** 3)(x)
    np.testing.assert_allclose(out, np.cos(x) * 9.125 - x ** 3, rtol=1e-12)


def test_corrupt_cached_kernel_file_does_not_crash(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBAX_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(kernels, "_disk_ok", None)
    monkeypatch.setattr(kernels, "_memory", {})
    fn = lambda a: xnp.sin(a) * 3.375 + a  # noqa: E731
    nb.jit(fn)(X64)
    # Corrupt every file Numba cached (index and object files).
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".nbi", ".nbc")]
    assert files
    for p in files:
        p.write_bytes(b"garbage")
    monkeypatch.setattr(kernels, "_memory", {})
    with pytest.warns(RuntimeWarning, match="compiling in memory"):
        out = nb.jit(fn)(X64)
    np.testing.assert_allclose(out, np.sin(X64) * 3.375 + X64, rtol=1e-12)


def test_reduction_of_a_one_or_zero_element_group_runs_without_a_kernel():
    for x in (np.ones(1), np.zeros((0,))):
        np.testing.assert_allclose(nb.jit(lambda x: xnp.sum(xnp.sin(x) * 2))(x), np.sum(np.sin(x) * 2))
    np.testing.assert_array_equal(nb.jit(lambda x: xnp.sum(xnp.exp(x), axis=1))(np.ones((5, 0))),
                                  np.zeros(5))


def test_group_whose_results_are_unused_is_skipped():
    def f(x):
        xnp.sum(xnp.sin(x) * 2)
        return x * 3
    x = np.random.default_rng(0).standard_normal((3, 4))
    np.testing.assert_allclose(nb.jit(f)(x), x * 3)
    g = lambda x: xnp.sum(xnp.mean(x, axis=0, keepdims=True) * x)  # noqa: E731
    np.testing.assert_allclose(nb.jit(nb.grad(g))(x), nb.grad(g)(x), rtol=1e-12)


def test_lower_rank_operand_in_nd_kernel_regression():
    # Regression: a f32[3,3] operand of a group over (1,1,3,3) was indexed with four indices
    # by the nested-loop kernel and failed in Numba's type inference.
    def f(x0):
        v0 = x0.max(axis=-1)
        v2 = v0 ** 2 / (1.5 + x0 * x0)
        v3 = xnp.tanh(v2) * xnp.ones((1, 1, 1, 1), np.float32) - xnp.exp(x0)
        return xnp.sum(v3 * v3)

    x0 = np.linspace(0.1, 1.0, 3, dtype=np.float32).reshape(3, 1)
    assert_close(nb.jit(nb.grad(f))(x0), nb.grad(f)(x0), "jit(grad) vs grad")
    check(f, x0)
