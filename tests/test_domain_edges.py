"""Domain edges: zeros of both signs, negatives, infinities, nan, huge logits and float32
overflow.

Forward values must agree with NumPy exactly in where they are nan, +-inf or a zero of either
sign (and closely elsewhere) on every path: eager, jit on the Numba backend with and without
fast_math, and jit on the interpreter backend. Gradients at singular points follow JAX's
conventions, each written out in docs/gradient-conventions.md; the tests state the expected
values by those formulas rather than as bare numbers.
"""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.lax as lax
import numbax.nn as nn
import numbax.numpy as xnp

FLOATS = (np.float32, np.float64)
PATHS = ("eager", "numba", "numba-no-fast-math", "interpreter")
GRAD_PATHS = ("eager", "numba", "interpreter")
# NumPy warns about the very overflows and invalid operations these tests make on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")


def run(path: str, fn, *args):
    if path == "eager":
        return fn(*args)
    if path == "interpreter":
        return nb.jit(fn, backend="interpreter")(*args)
    old = nb.config.fast_math
    nb.config.update("fast_math", path == "numba")
    try:
        return nb.jit(fn)(*args)
    finally:
        nb.config.update("fast_math", old)


def numpy_ref(fn, *args):
    with np.errstate(all="ignore"):
        return np.asarray(fn(*args))


def assert_edges_match(got, want, what: str) -> None:
    """nan, +-inf and signed zeros exactly where want has them; other values within a few
    ulp (vecmath's documented bound) or a few subnormal spacings (for denormal results)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, expected {want.dtype}"
    assert got.shape == want.shape, f"{what}: shape {got.shape}, expected {want.shape}"
    if want.dtype.kind != "f":
        np.testing.assert_array_equal(got, want, err_msg=what)
        return
    info = np.finfo(want.dtype)
    with np.errstate(all="ignore"):
        bad = np.isnan(got) != np.isnan(want)
        special = np.isinf(want) | (want == 0)
        bad |= special & ~((got == want) & (np.signbit(got) == np.signbit(want)))
        ordinary = ~special & ~np.isnan(want)
        bad |= ordinary & ~(np.abs(got - want) <= 8 * info.eps * np.abs(want)
                            + 4 * info.smallest_subnormal)
    if bad.any():
        idx = np.flatnonzero(bad.reshape(-1))[:8]
        raise AssertionError(f"{what}: at flat positions {idx.tolist()} got "
                             f"{got.reshape(-1)[idx].tolist()}, expected "
                             f"{want.reshape(-1)[idx].tolist()}")


def special_values(dtype) -> np.ndarray:
    info = np.finfo(dtype)
    values = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, 100.0, -100.0, 1000.0,
              -1000.0, 1e20, -1e20, np.inf, -np.inf, np.nan, info.max, -info.max,
              info.smallest_subnormal, -info.smallest_subnormal, info.tiny, -info.tiny]
    return np.array(values, dtype)


def check_all_paths(fns: dict, refs: dict, args, path: str) -> None:
    """Every function of fns in one jit (so the Numba backend fuses them into one kernel),
    each compared with its NumPy reference."""
    got = run(path, lambda *a: {name: fn(*a) for name, fn in fns.items()}, *args)
    failures = []
    for name in fns:
        try:
            assert_edges_match(got[name], numpy_ref(refs[name], *args), f"{name} ({path})")
        except AssertionError as err:
            failures.append(str(err))
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------------------------------------
# Forward values


def _np_sigmoid(x):
    # In float64, through exp(-|x|), then rounded once to x's dtype.
    x64 = x.astype(np.float64)
    e = np.exp(-np.abs(x64))
    return np.where(x64 >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)


UNARY = {
    "log": (xnp.log, np.log), "log1p": (xnp.log1p, np.log1p), "exp": (xnp.exp, np.exp),
    "expm1": (xnp.expm1, np.expm1), "sqrt": (xnp.sqrt, np.sqrt),
    "rsqrt": (lax.rsqrt, lambda x: 1 / np.sqrt(x)), "sin": (xnp.sin, np.sin),
    "cos": (xnp.cos, np.cos), "tan": (xnp.tan, np.tan), "tanh": (xnp.tanh, np.tanh),
    "sign": (xnp.sign, np.sign), "abs": (xnp.abs, np.abs), "negative": (xnp.negative, np.negative),
    "square": (xnp.square, np.square), "reciprocal": (xnp.reciprocal, np.reciprocal),
    "isnan": (xnp.isnan, np.isnan), "isfinite": (xnp.isfinite, np.isfinite),
    "clip": (lambda x: xnp.clip(x, -1.0, 1.0), lambda x: np.clip(x, -1.0, 1.0)),
    "square_plus_one": (lambda x: x * x + 1, lambda x: x * x + 1),
    "sigmoid": (nn.sigmoid, _np_sigmoid),
    "softplus": (nn.softplus, lambda x: np.logaddexp(x, x.dtype.type(0))),
    "log_sigmoid": (nn.log_sigmoid, lambda x: -np.logaddexp(x.dtype.type(0), -x)),
    "relu": (nn.relu, lambda x: np.maximum(x, x.dtype.type(0))),
}
# Python int exponents become integer_pow; NumPy raises to the same (float) power.
UNARY.update({f"x**{k}": ((lambda x, k=k: x ** k), (lambda x, k=k: np.power(x, k)))
              for k in (-3, -2, -1, 0, 1, 2, 3, 4)})


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
def test_unary_special_values_match_numpy(dtype, path):
    x = special_values(dtype)
    check_all_paths({k: f for k, (f, _) in UNARY.items()}, {k: r for k, (_, r) in UNARY.items()},
                    (x,), path)


def test_negative_integer_powers_of_huge_values_are_denormal_not_zero():
    # 1 / (x * x) would overflow in the denominator; NumPy's result is a representable denormal.
    for dtype, x in ((np.float32, 1e20), (np.float64, 1e160)):
        xs = np.array([x, -x, x], dtype)
        for path in PATHS:
            got = run(path, lambda v: v ** -2, xs)
            assert_edges_match(got, np.power(xs, -2), f"{dtype.__name__} x**-2 ({path})")
            assert np.all(got > 0)


BINARY = {
    "add": (xnp.add, np.add), "subtract": (xnp.subtract, np.subtract),
    "multiply": (xnp.multiply, np.multiply), "divide": (xnp.divide, np.divide),
    "power": (xnp.power, np.power), "maximum": (xnp.maximum, np.maximum),
    "minimum": (xnp.minimum, np.minimum), "logaddexp": (xnp.logaddexp, np.logaddexp),
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
def test_binary_special_values_match_numpy(dtype, path):
    # Every pair of special values: x / +-0, 0 ** 0, 0 ** negative, negative ** non-integer,
    # inf - inf, maximum with nan and with zeros of both signs (NumPy returns the second
    # operand on ties), ...
    info = np.finfo(dtype)
    v = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, np.inf, -np.inf,
                  np.nan, info.max, -info.max, info.smallest_subnormal], dtype)
    a, b = (m.reshape(-1) for m in np.meshgrid(v, v, indexing="ij"))
    check_all_paths({k: f for k, (f, _) in BINARY.items()}, {k: r for k, (_, r) in BINARY.items()},
                    (a, b), path)


@pytest.mark.parametrize("path", PATHS)
def test_integer_edges_match_numpy(path):
    x = np.array([0, 1, -1, 7, -7, 46341, -46341, np.iinfo(np.int32).min, np.iinfo(np.int32).max],
                 np.int32)
    fns = {"square": xnp.square, "cube": lambda x: x ** 3, "zeroth": lambda x: x ** 0,
           "abs": xnp.abs, "sign": xnp.sign, "max0": lambda x: xnp.maximum(x, 0),
           "min0": lambda x: xnp.minimum(x, 0), "divide_by_zero": lambda x: x / 0}
    refs = {"square": np.square, "cube": lambda x: x ** 3, "zeroth": lambda x: x ** 0,
            "abs": np.abs, "sign": np.sign, "max0": lambda x: np.maximum(x, 0),
            "min0": lambda x: np.minimum(x, 0), "divide_by_zero": lambda x: x / 0}
    with_exponent = lambda f: lambda x, e: f(x)  # noqa: E731
    fns = {k: with_exponent(f) for k, f in fns.items()} | {"power": xnp.power}
    refs = {k: with_exponent(f) for k, f in refs.items()} | {"power": np.power}
    # 0 ** 0 == 1 and wrapping overflow, as NumPy's integer power.
    exponent = np.array([0, 0, 3, 2, 3, 2, 3, 1, 2], np.int32)
    check_all_paths(fns, refs, (x, exponent), path)


def test_integer_to_negative_integer_power_raises_as_numpy_does():
    with pytest.raises(ValueError):
        np.power(np.arange(3), -1)
    for path in ("eager", "numba"):
        with pytest.raises(ValueError):
            run(path, lambda x: x ** -1, np.arange(3))


def _rows(dtype):
    return np.array([[1000.0, -1000.0, 0.0, 1.0], [-1000.0, -1000.0, -1000.0, -1000.0],
                     [1000.0, 1000.0, 999.0, 0.0], [np.inf, 0.0, 1.0, 2.0],
                     [-np.inf, -np.inf, -np.inf, -np.inf], [np.nan, 0.0, 1.0, 2.0],
                     [np.inf, np.inf, 0.0, 1.0], [-np.inf, 0.0, 1.0, 2.0],
                     [0.0, -0.0, -1.0, -2.0], [np.inf, -np.inf, 0.0, 0.0]], dtype)


def _np_logsumexp(a):
    a64 = a.astype(np.float64)
    m = np.max(a64, axis=1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return (np.log(np.sum(np.exp(a64 - m), axis=1)) + m[:, 0]).astype(a.dtype)


def _np_softmax(a):
    # The same shift as logsumexp: exp(x - max) / sum (scipy.special.softmax's formula).
    a64 = a.astype(np.float64)
    m = np.max(a64, axis=1, keepdims=True)
    e = np.exp(a64 - np.where(np.isfinite(m), m, 0.0))
    return (e / np.sum(e, axis=1, keepdims=True)).astype(a.dtype)


def _np_log_softmax(a):
    a64 = a.astype(np.float64)
    m = np.max(a64, axis=1, keepdims=True)
    s = a64 - np.where(np.isfinite(m), m, 0.0)
    return (s - np.log(np.sum(np.exp(s), axis=1, keepdims=True))).astype(a.dtype)


REDUCTIONS = {
    "max": (lambda a: xnp.max(a, axis=1), lambda a: np.max(a, axis=1)),
    "min": (lambda a: xnp.min(a, axis=1), lambda a: np.min(a, axis=1)),
    "max_all": (lambda a: xnp.max(a * 1), np.max),
    "sum": (lambda a: xnp.sum(a, axis=1), lambda a: np.sum(a, axis=1)),
    "mean": (lambda a: xnp.mean(a, axis=1), lambda a: np.mean(a, axis=1)),
    "argmax": (lambda a: xnp.argmax(a, axis=1), lambda a: np.argmax(a, axis=1)),
    "max_of_exp": (lambda a: xnp.max(xnp.exp(a), axis=1), lambda a: np.max(np.exp(a), axis=1)),
    "logsumexp": (lambda a: nn.logsumexp(a, axis=1), _np_logsumexp),
    "softmax": (lambda a: nn.softmax(a, axis=1), _np_softmax),
    "log_softmax": (lambda a: nn.log_softmax(a, axis=1), _np_log_softmax),
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
def test_reductions_and_softmax_family_with_huge_infinite_and_nan_entries(dtype, path):
    check_all_paths({k: f for k, (f, _) in REDUCTIONS.items()},
                    {k: r for k, (_, r) in REDUCTIONS.items()}, (_rows(dtype),), path)


@pytest.mark.parametrize("path", PATHS)
def test_split_reduction_propagates_nan_and_inf(path):
    # Large enough that the Numba backend splits the loop over threads and combines partial
    # results: nan and inf in the last part must survive the combination.
    x = np.linspace(-3.0, 3.0, 1 << 19)
    x[-3] = np.nan
    y = np.linspace(-3.0, 3.0, 1 << 19)
    y[-5] = np.inf
    fns = {"max_nan": lambda x, y: xnp.max(xnp.exp(x)), "min_nan": lambda x, y: xnp.min(xnp.exp(x)),
           "sum_nan": lambda x, y: xnp.sum(xnp.exp(x)), "max_inf": lambda x, y: xnp.max(xnp.exp(y)),
           "sum_inf": lambda x, y: xnp.sum(xnp.exp(y))}
    refs = {"max_nan": lambda x, y: np.max(np.exp(x)), "min_nan": lambda x, y: np.min(np.exp(x)),
            "sum_nan": lambda x, y: np.sum(np.exp(x)), "max_inf": lambda x, y: np.max(np.exp(y)),
            "sum_inf": lambda x, y: np.sum(np.exp(y))}
    check_all_paths(fns, refs, (x, y), path)


@pytest.mark.parametrize("path", PATHS)
def test_float32_overflow(path):
    x = np.array([100.0, 88.0, 89.0, 1e20, -1e20, 3e38, 1e-30, -100.0], np.float32)
    big = np.full(1000, 1e36, np.float32)
    fns = {"exp": lambda x, b: xnp.exp(x), "square": lambda x, b: x * x,
           "exp_times_exp": lambda x, b: xnp.exp(x) * xnp.exp(-x),
           "sum_of_squares": lambda x, b: xnp.sum(x * x), "sum_overflows": lambda x, b: xnp.sum(b),
           "mean_overflows": lambda x, b: xnp.mean(b * 1)}
    refs = {"exp": lambda x, b: np.exp(x), "square": lambda x, b: x * x,
            "exp_times_exp": lambda x, b: np.exp(x) * np.exp(-x),
            "sum_of_squares": lambda x, b: np.sum(x * x), "sum_overflows": lambda x, b: np.sum(b),
            "mean_overflows": lambda x, b: np.mean(b)}
    check_all_paths(fns, refs, (x, big), path)


def test_float32_sum_whose_partial_sums_overflow_is_exact_in_kernels():
    # Documented difference: fused float32 sums accumulate in float64, so a sum whose total is
    # representable is returned even where NumPy's float32 partial sums overflow (to inf, or
    # nan when infinities of both signs meet). Unfused paths are NumPy itself.
    # NumPy's eight float32 accumulators meet 3e38 twice each: four overflow to inf, four to
    # -inf, and their sum is nan.
    x = np.tile(np.repeat(np.array([3e38, -3e38], np.float32), 4), 2)
    want = numpy_ref(np.sum, x)
    assert not np.isfinite(want)
    for path in ("eager", "interpreter"):
        assert_edges_match(run(path, xnp.sum, x), want, path)
    # The elementwise doubling keeps the sum in a kernel (a bare sum, or x * 1, which the
    # simplifier removes, runs unfused as NumPy's).
    half = x / np.float32(2)
    for path in ("numba", "numba-no-fast-math"):
        got = run(path, lambda h: xnp.sum(h * 2), half)
        assert got.dtype == np.float32 and got == np.sum(x.astype(np.float64))


# ---------------------------------------------------------------------------------------------
# Gradient conventions (docs/gradient-conventions.md)


def grad_on(path: str, fn, *args, argnums=0):
    """The gradient of sum(fn(*args)) on one path (jit paths compile the gradient itself)."""
    g = nb.grad(lambda *a: xnp.sum(fn(*a)), argnums=argnums)
    return run(path, g, *args)


@pytest.mark.parametrize("path", GRAD_PATHS)
def test_maximum_and_minimum_split_ties_evenly_and_give_nan_nothing(path):
    # JAX's _balanced_eq: 1 where an operand is the result alone, 1/2 each on a tie (zeros of
    # both signs tie), 0 where the other operand wins and for both operands when one is nan.
    x = np.array([1.0, 2.0, 0.0, -0.0, np.nan, 1.0])
    y = np.array([1.0, 1.0, -0.0, 0.0, 1.0, np.nan])
    for fn, wins in ((xnp.maximum, np.greater), (xnp.minimum, np.less)):
        gx, gy = grad_on(path, fn, x, y, argnums=(0, 1))
        with np.errstate(invalid="ignore"):
            np.testing.assert_array_equal(gx, np.where(wins(x, y), 1.0, np.where(x == y, 0.5, 0.0)))
            np.testing.assert_array_equal(gy, np.where(wins(y, x), 1.0, np.where(x == y, 0.5, 0.0)))


@pytest.mark.parametrize("path", GRAD_PATHS)
def test_reduce_max_shares_the_gradient_among_tied_maxima(path):
    # JAX's _reduce_chooser_jvp_rule: location indicators / their count; a nan maximum matches
    # no location, so its slice gets 0 / 0 = nan everywhere.
    x = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 1.0], [5.0, 1.0, 0.0, -1.0],
                  [1.0, np.nan, 0.0, 0.0]])
    for fn, pick in ((xnp.max, np.max), (xnp.min, np.min)):
        g = grad_on(path, lambda a, fn=fn: fn(a, axis=1), x)
        hits = (x == pick(x, axis=1, keepdims=True)).astype(float)
        with np.errstate(invalid="ignore"):
            want = hits / hits.sum(axis=1, keepdims=True)
        np.testing.assert_array_equal(g, want)


@pytest.mark.parametrize("path", GRAD_PATHS)
def test_abs_has_slope_one_at_zero(path):
    # JAX: select(x >= 0, g, -g), so +1 at 0 and at -0.0 (not sign(0) = 0).
    x = np.array([0.0, -0.0, 2.0, -2.0])
    np.testing.assert_array_equal(grad_on(path, xnp.abs, x), np.where(x >= 0, 1.0, -1.0))


@pytest.mark.parametrize("path", GRAD_PATHS)
def test_sqrt_log_and_reciprocal_slopes_at_zero_are_infinite(path):
    x = np.array([0.0, -0.0, 4.0])
    with np.errstate(divide="ignore"):
        # 0.5 / sqrt(x), 1 / x, -1 * x**-2 and -2 * x**-3, evaluated at the signed zeros.
        np.testing.assert_array_equal(grad_on(path, xnp.sqrt, x), 0.5 / np.sqrt(x))
        np.testing.assert_array_equal(grad_on(path, xnp.log, x), 1 / x)
        np.testing.assert_array_equal(grad_on(path, lambda v: v ** -1, x), -1 / (x * x))
        np.testing.assert_array_equal(grad_on(path, lambda v: v ** -2, x), -2 / (x * x * x))
    # The infinite slope times a zero cotangent is nan (no 0 * inf = 0 rule, as in JAX).
    g = grad_on(path, lambda v: xnp.sqrt(v) * 0.0, x)
    assert np.isnan(g[:2]).all() and g[2] == 0.0


@pytest.mark.parametrize("path", GRAD_PATHS)
def test_where_with_a_singular_untaken_branch_and_the_double_where_trick(path):
    x = np.array([0.0, -1.0, 2.0])
    g = grad_on(path, lambda v: xnp.where(v > 0, xnp.log(v), 0.0), x)
    # The untaken branch gets a zero cotangent, times log's slope 1/x: 0 * inf = nan at 0.
    assert np.isnan(g[0]) and g[1] == 0.0 and g[2] == 0.5
    safe = grad_on(path, lambda v: xnp.where(v > 0, xnp.log(xnp.where(v > 0, v, 1.0)), 0.0), x)
    np.testing.assert_array_equal(safe, np.where(x > 0, 1 / np.where(x > 0, x, 1.0), 0.0))


def test_where_with_a_singular_untaken_branch_is_finite_in_forward_mode():
    # jvp selects the tangents, so the untaken branch's inf never meets a zero.
    _, t = nb.jvp(lambda v: xnp.where(v > 0, xnp.log(v), 0.0), (np.array([0.0]),),
                  (np.array([1.0]),))
    np.testing.assert_array_equal(t, [0.0])


@pytest.mark.parametrize("path", GRAD_PATHS)
def test_power_slopes_at_zero_base(path):
    x = np.array([0.0, 0.0, 0.0, 0.0, 2.0, -2.0])
    y = np.array([0.0, 2.0, 0.5, -1.0, 0.0, 0.5])
    gx, gy = grad_on(path, xnp.power, x, y, argnums=(0, 1))
    with np.errstate(all="ignore"):
        # d/dx: y * x**(y - 1), taken as 0 where y == 0 (JAX's integer-exponent rule).
        want_x = np.where(y == 0, 0.0, y * np.power(x, y - 1))
        # d/dy: log(x) * x**y with log(0) replaced by log(1) = 0 (JAX's _replace_zero).
        want_y = np.log(np.where(x == 0, 1.0, x)) * np.power(x, y)
    np.testing.assert_allclose(gx, want_x, rtol=1e-15)
    np.testing.assert_allclose(gy, want_y, rtol=1e-15)
    assert gx[0] == 0.0 and np.isinf(gx[2]) and np.isnan(gy[3]) and np.isnan(gy[5])


@pytest.mark.parametrize("path", GRAD_PATHS)
def test_division_by_zero_slopes(path):
    x = np.array([1.0, -1.0, 0.0, 1.0])
    y = np.array([0.0, 0.0, 0.0, -0.0])
    gx, gy = grad_on(path, xnp.divide, x, y, argnums=(0, 1))
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(gx, 1 / y)
        np.testing.assert_array_equal(gy, -(x / y) / y)
    np.testing.assert_array_equal(gy, [-np.inf, np.inf, np.nan, -np.inf])


@pytest.mark.parametrize("path", GRAD_PATHS)
def test_integer_power_zero_has_zero_slope_everywhere(path):
    x = np.array([0.0, -0.0, np.inf, 3.0])
    np.testing.assert_array_equal(grad_on(path, lambda v: v ** 0, x), np.zeros(4))


@pytest.mark.parametrize("path", GRAD_PATHS)
def test_relu_slope_is_zero_at_zero_and_at_nan(path):
    # JAX's relu JVP: select(x > 0, g, 0).
    x = np.array([-1.0, 0.0, -0.0, 2.0, np.nan])
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(grad_on(path, nn.relu, x), np.where(x > 0, 1.0, 0.0))


@pytest.mark.parametrize("path", GRAD_PATHS)
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
def test_activation_gradients_are_finite_and_exact_at_plus_minus_1000(dtype, path):
    x = np.array([1000.0, -1000.0, 0.0, 40.0, -40.0, 1000.0], dtype)
    w = np.arange(1.0, 7.0).astype(dtype)
    s, s_neg = _np_sigmoid(x), _np_sigmoid(-x)
    sm = _np_softmax(x[None])[0]
    wants = {
        "sigmoid": (nn.sigmoid, s * (1 - s)), "softplus": (nn.softplus, s),
        "log_sigmoid": (nn.log_sigmoid, s_neg), "logsumexp": (nn.logsumexp, sm),
        "softmax": (lambda v: nn.softmax(v) * w, sm * (w - np.sum(sm * w))),
        "log_softmax": (lambda v: nn.log_softmax(v) * w, w - sm * np.sum(w)),
        # d/dv logaddexp(v, -v) = sigmoid(v - (-v)) - sigmoid(-v - v)
        "logaddexp": (lambda v: xnp.logaddexp(v, -v), _np_sigmoid(2 * x) - _np_sigmoid(-2 * x)),
    }
    tol = {"rtol": 1e-5, "atol": 1e-7} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-300}
    for name, (fn, want) in wants.items():
        g = grad_on(path, fn, x)
        assert g.dtype == dtype, name
        assert np.all(np.isfinite(g)), f"{name}: {g}"
        np.testing.assert_allclose(g, want.astype(dtype), err_msg=name, **tol)


@pytest.mark.parametrize("path", GRAD_PATHS)
def test_logsumexp_gradient_ignores_minus_infinity_and_is_nan_when_all_are(path):
    # softmax weights: exp(-inf) = 0 gets none; an all -inf slice is 0 / 0, as in JAX.
    x = np.array([[-np.inf, 0.0, 1.0], [-np.inf, -np.inf, -np.inf]])
    g = grad_on(path, lambda v: nn.logsumexp(v, axis=1), x)
    np.testing.assert_allclose(g[0], _np_softmax(x[:1])[0], rtol=1e-15)
    assert g[0, 0] == 0.0 and np.isnan(g[1]).all()


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
def test_softmax_of_large_logits_is_accurate_in_float32(dtype):
    # exp(x - logsumexp(x)) loses ~3e-5 relative at |x| ~ 1000 in float32 (the rounding of
    # logsumexp itself); normalising exp(x - max) does not.
    x = np.array([[-1000.0, -1000.0, -1000.0], [1000.0, 1000.0, 999.0]], dtype)
    want = _np_softmax(x)
    for path in PATHS:
        got = run(path, lambda v: nn.softmax(v, axis=1), x)
        np.testing.assert_allclose(got, want, rtol=8 * np.finfo(dtype).eps, err_msg=path)
