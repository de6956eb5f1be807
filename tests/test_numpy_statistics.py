"""Reductions with where= and initial=, the cumulative and nan reductions, and statistics
(quantiles, averages, covariance, histograms, bincount, digitize, interp) against NumPy:
eagerly, under jit on both backends, grad against finite differences, vmap against a loop."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax.core.trace import ConcretizationError

# The vmap checks batch a constant copy of the data: with a nan first, an all-nan slice, on
# which NumPy's references (and 0 / 0 evaluated eagerly) warn.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _distinct(rng, shape, dtype=np.float64):
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.75 - n / 3 + 0.1).reshape(shape).astype(dtype)


def _with_nans(x):
    x = x.copy()
    x.flat[[0, x.size // 2]] = np.nan
    return x


# ---------------------------------------------------------------------------------------------
# Reductions: where=, initial=


@pytest.mark.parametrize("name,axis", [("sum", None), ("sum", 0), ("prod", 1), ("mean", None),
                                       ("mean", 1), ("var", 1), ("std", None), ("any", 1),
                                       ("all", None)])
def test_where_on_reductions(numpy_function, rng, name, axis):
    x = _distinct(rng, (3, 4)) / 4
    mask = rng.random((3, 4)) > 0.3
    mask[:, 0] = mask[0, :] = True  # no empty slice
    xfn, npfn = getattr(xnp, name), getattr(np, name)
    numpy_function(lambda x: xfn(x, axis, where=mask), lambda x: npfn(x, axis, where=mask), x,
                   vmap=name not in ("any", "all"))


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_max_min_with_initial_and_where(numpy_function, rng, name, axis):
    x = _distinct(rng, (3, 4))
    mask = rng.random((3, 1)) > 0.5
    xfn, npfn = getattr(xnp, name), getattr(np, name)
    numpy_function(lambda x: xfn(x, axis, initial=0.5, where=mask),
                   lambda x: npfn(x, axis, initial=0.5, where=mask), x)
    numpy_function(lambda x: xfn(x, axis, keepdims=True, initial=-0.5),
                   lambda x: npfn(x, axis, keepdims=True, initial=-0.5), x)
    with pytest.raises(ValueError, match="initial"):
        xfn(x, axis, where=mask)


def test_sum_prod_initial_and_out(same_array, rng):
    x = rng.integers(1, 4, (2, 3)).astype(np.int8)
    same_array(xnp.sum(x, 0, initial=3), np.sum(x, 0, initial=3), "sum initial")
    same_array(xnp.prod(x, initial=2), np.prod(x, initial=2), "prod initial")
    with pytest.raises(TypeError, match="out="):
        xnp.sum(x, out=np.zeros(()))


# ---------------------------------------------------------------------------------------------
# Cumulative reductions


@pytest.mark.parametrize("shape,axis", [((6,), None), ((3, 4), 0), ((3, 4), 1), ((2, 3, 5), 2)])
def test_cumprod(numpy_function, rng, shape, axis):
    x = rng.normal(size=shape)
    x.flat[1] = 0.0  # the gradient stays exact at zeros
    numpy_function(lambda x: xnp.cumprod(x, axis), lambda x: np.cumprod(x, axis), x,
                   grad_order=2, atol=1e-6, rtol=1e-6)
    ints = rng.integers(-3, 4, shape)
    numpy_function(lambda x: xnp.cumprod(x, axis), lambda x: np.cumprod(x, axis), ints)


@pytest.mark.parametrize("include_initial", [False, True])
@pytest.mark.parametrize("name", ["cumulative_sum", "cumulative_prod"])
def test_array_api_cumulative(numpy_function, rng, name, include_initial):
    x = rng.normal(size=(3, 4))
    xfn, npfn = getattr(xnp, name), getattr(np, name)
    for axis in (0, 1):
        numpy_function(lambda x, a=axis: xfn(x, axis=a, include_initial=include_initial),
                       lambda x, a=axis: npfn(x, axis=a, include_initial=include_initial), x)
    numpy_function(lambda x: xfn(x, include_initial=include_initial),
                   lambda x: npfn(x, include_initial=include_initial), x[0])
    with pytest.raises(ValueError, match="axis"):
        xfn(x)


@pytest.mark.parametrize("name", ["nancumsum", "nancumprod"])
@pytest.mark.parametrize("axis", [None, 1])
def test_nan_cumulative(numpy_function, rng, name, axis):
    x = _with_nans(rng.normal(size=(3, 4)))
    numpy_function(lambda x: getattr(xnp, name)(x, axis), lambda x: getattr(np, name)(x, axis),
                   x, grad=False)


# ---------------------------------------------------------------------------------------------
# nan reductions, ptp, count_nonzero


NAN_REDUCTIONS = ["nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin"]


@pytest.mark.parametrize("name", NAN_REDUCTIONS)
def test_nan_reductions(numpy_function, rng, name):
    axis = None if name in ("nansum", "nanmax") else 1
    x = _with_nans(_distinct(rng, (3, 4)) / 4)
    xfn, npfn = getattr(xnp, name), getattr(np, name)
    numpy_function(lambda x: xfn(x, axis), lambda x: npfn(x, axis), x, grad=False)
    # Away from the nans the gradient matches finite differences.
    clean = np.nan_to_num(x, nan=0.25)
    nb.test_util.check_grads(lambda y: xfn(np.where(np.isnan(x), np.nan, 0) + y, axis), [clean])


def test_nan_reductions_of_all_nan_slices(same_array):
    x = np.array([[np.nan, np.nan], [1.0, np.nan]])
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        for name in ("nanmean", "nanmax", "nanmin", "nanvar"):
            same_array(getattr(xnp, name)(x, 1), getattr(np, name)(x, 1), name)
    same_array(xnp.nanargmax(x, 1), np.array([-1, 0]), "nanargmax all-nan gives -1 (as JAX)")


@pytest.mark.parametrize("name", ["nanargmax", "nanargmin"])
@pytest.mark.parametrize("axis", [None, 1])
def test_nanargmax(numpy_function, rng, name, axis):
    x = _with_nans(_distinct(rng, (3, 4)))
    numpy_function(lambda x: getattr(xnp, name)(x, axis), lambda x: getattr(np, name)(x, axis),
                   x, vmap=False)


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_ptp_and_count_nonzero(numpy_function, rng, axis):
    x = _distinct(rng, (3, 4))
    numpy_function(lambda x: xnp.ptp(x, axis), lambda x: np.ptp(x, axis), x)
    ints = rng.integers(0, 3, (3, 4))
    numpy_function(lambda x: xnp.count_nonzero(x, axis), lambda x: np.count_nonzero(x, axis),
                   ints)


# ---------------------------------------------------------------------------------------------
# Quantiles


METHODS = ["inverted_cdf", "averaged_inverted_cdf", "closest_observation",
           "interpolated_inverted_cdf", "hazen", "weibull", "linear", "median_unbiased",
           "normal_unbiased", "lower", "higher", "midpoint", "nearest"]


@pytest.mark.parametrize("method", METHODS)
def test_quantile_methods(numpy_function, rng, method):
    q = np.array([0.0, 0.1, 0.25, 0.5, 0.77, 1.0])
    for shape in ((7,), (4, 5)):
        x = _distinct(rng, shape)
        numpy_function(lambda x: xnp.quantile(x, q, method=method),
                       lambda x: np.quantile(x, q, method=method), x,
                       grad=method == "linear", vmap=shape == (4, 5))


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, True), (-1, False),
                                           ((0, 1), True)])
def test_quantile_axes(numpy_function, rng, axis, keepdims):
    x = _distinct(rng, (3, 4, 2))
    numpy_function(lambda x: xnp.quantile(x, 0.3, axis, keepdims=keepdims),
                   lambda x: np.quantile(x, 0.3, axis, keepdims=keepdims), x)
    numpy_function(lambda x: xnp.percentile(x, [10.0, 90.0], axis, keepdims=keepdims),
                   lambda x: np.percentile(x, [10.0, 90.0], axis, keepdims=keepdims), x)
    numpy_function(lambda x: xnp.median(x, axis, keepdims=keepdims),
                   lambda x: np.median(x, axis, keepdims=keepdims), x)
    if axis == 0:
        numpy_function(lambda x: xnp.median(x, axis), lambda x: np.median(x, axis),
                       x.astype(np.float32), grad=False)


@pytest.mark.parametrize("axis", [None, 1])
def test_nan_quantiles(numpy_function, rng, axis):
    x = _with_nans(_distinct(rng, (5, 4)))
    with np.errstate(all="ignore"):
        numpy_function(lambda x: xnp.median(x, axis), lambda x: np.median(x, axis), x,
                       grad=False)
        numpy_function(lambda x: xnp.nanmedian(x, axis), lambda x: np.nanmedian(x, axis), x,
                       grad=False)
        for method in ("linear", "lower", "hazen"):
            numpy_function(lambda x, m=method: xnp.nanquantile(x, [0.2, 0.6], axis, method=m),
                           lambda x, m=method: np.nanquantile(x, [0.2, 0.6], axis, method=m),
                           x, grad=False)
        numpy_function(lambda x: xnp.nanpercentile(x, 40, axis),
                       lambda x: np.nanpercentile(x, 40, axis), x, grad=False)


def test_quantile_gradient_goes_to_the_selected_elements():
    x = np.array([4.0, 1.0, 3.0, 2.0])
    np.testing.assert_allclose(nb.grad(xnp.median)(x), [0, 0, 0.5, 0.5])
    np.testing.assert_allclose(nb.grad(lambda x: xnp.max(x))(x), [1, 0, 0, 0])
    np.testing.assert_allclose(nb.grad(lambda x: xnp.quantile(x, 0.5, method="lower"))(x),
                               [0, 0, 0, 1])


def test_quantile_bad_input():
    with pytest.raises(ValueError, match="range"):
        xnp.quantile(np.ones(3), 1.5)
    with pytest.raises(ValueError, match="method"):
        xnp.quantile(np.ones(3), 0.5, method="cubic")
    with pytest.raises(ValueError, match=r"range \[0, 100\]"):
        xnp.percentile(np.ones(3), -1)


# ---------------------------------------------------------------------------------------------
# average, cov, corrcoef


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_average(numpy_function, rng, axis):
    x = rng.normal(size=(3, 4))
    numpy_function(lambda x: xnp.average(x, axis), lambda x: np.average(x, axis), x)
    w = rng.random((3, 4)) + 0.5
    numpy_function(lambda x, w: xnp.average(x, axis, w, returned=True),
                   lambda x, w: np.average(x, axis, w, returned=True), x, w)
    numpy_function(lambda x: xnp.average(x, axis, w, keepdims=True),
                   lambda x: np.average(x, axis, w, keepdims=True), x)
    if axis is not None:
        w1 = rng.random(x.shape[axis]) + 0.5
        numpy_function(lambda x: xnp.average(x, axis, w1), lambda x: np.average(x, axis, w1), x)
    with pytest.raises(ValueError, match="weights"):
        xnp.average(x, None, np.ones(4))


@pytest.mark.parametrize("kw", [{}, {"rowvar": False}, {"bias": True}, {"ddof": 2},
                                {"fweights": np.array([1, 2, 1, 3, 1])},
                                {"aweights": np.array([0.5, 1.0, 2.0, 1.0, 0.3])},
                                {"fweights": np.array([1, 2, 1, 3, 1]),
                                 "aweights": np.array([0.5, 1.0, 2.0, 1.0, 0.3]), "ddof": 1}])
def test_cov(numpy_function, rng, kw):
    x = rng.normal(size=(3, 5))
    if kw.get("rowvar") is False:
        x = x.T
    numpy_function(lambda x: xnp.cov(x, **kw), lambda x: np.cov(x, **kw), x)


def test_cov_and_corrcoef_variants(numpy_function, rng):
    x, y = rng.normal(size=(2, 6)), rng.normal(size=6)
    numpy_function(lambda x: xnp.cov(x, y), lambda x: np.cov(x, y), x)
    numpy_function(lambda y: xnp.cov(y), lambda y: np.cov(y), y)
    numpy_function(xnp.corrcoef, np.corrcoef, rng.normal(size=(3, 6)))
    numpy_function(lambda x: xnp.corrcoef(x, y), lambda x: np.corrcoef(x, y), x)
    numpy_function(lambda x: xnp.corrcoef(x, rowvar=False), lambda x: np.corrcoef(x, rowvar=False),
                   rng.normal(size=(6, 3)))
    numpy_function(xnp.cov, np.cov, rng.integers(0, 5, (2, 5)))


# ---------------------------------------------------------------------------------------------
# Counting and binning


def test_bincount(numpy_function, same_array, rng):
    x = rng.integers(0, 6, 12)
    numpy_function(xnp.bincount, np.bincount, x, vmap=False, jit=False)
    w = rng.random(12)
    same_array(xnp.bincount(x, w, minlength=9), np.bincount(x, w, minlength=9), "weights")
    for backend in ("numba", "interpreter"):
        got = nb.jit(lambda x, w: xnp.bincount(x, w, length=8), backend=backend)(x, w)
        same_array(got, np.bincount(x, w, minlength=8), "length= under jit")
    got = nb.jit(lambda x: xnp.bincount(x, length=3))(x)
    same_array(got, np.bincount(x)[:3], "values past length are dropped")
    got = nb.vmap(lambda x: xnp.bincount(x, length=6))(np.stack([x, x[::-1] % 3]))
    same_array(got, np.stack([np.bincount(x, minlength=6), np.bincount(x[::-1] % 3, minlength=6)]),
               "vmap")
    nb.test_util.check_grads(lambda w: xnp.bincount(x, w), [w])
    with pytest.raises(ConcretizationError, match="length="):
        nb.jit(xnp.bincount)(x)
    with pytest.raises(ValueError, match="non-negative"):
        xnp.bincount(np.array([1, -1]))
    with pytest.raises(TypeError, match="integers"):
        xnp.bincount(np.array([1.0]))


@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("decreasing", [False, True])
def test_digitize(numpy_function, rng, right, decreasing):
    bins = np.array([0.0, 1.0, 1.0, 2.5, 4.0])
    bins = bins[::-1].copy() if decreasing else bins
    x = np.array([-1.0, 0.0, 0.5, 1.0, 2.5, 3.0, 4.0, 5.0, np.nan])
    numpy_function(lambda x: xnp.digitize(x, bins, right), lambda x: np.digitize(x, bins, right),
                   x, grad=False)


def test_interp(numpy_function, rng):
    xp = np.sort(rng.random(6)) * 4
    fp = rng.normal(size=6)
    x = np.linspace(-1, 5, 13) + 0.01
    numpy_function(lambda x, fp: xnp.interp(x, xp, fp), lambda x, fp: np.interp(x, xp, fp),
                   x, fp)
    numpy_function(lambda x: xnp.interp(x, xp, fp, left=-7.0, right=9.0),
                   lambda x: np.interp(x, xp, fp, left=-7.0, right=9.0), x)
    xp_p = np.array([190.0, -190.0, 350.0, -350.0])
    fp_p = np.array([5.0, 10.0, 3.0, 4.0])
    xq = np.array([-180.0, -165.0, -185.0, 185.0, -12.0, -5.0, 0.0, 365.0])  # off the knots
    numpy_function(lambda x: xnp.interp(x, xp_p, fp_p, period=360),
                   lambda x: np.interp(x, xp_p, fp_p, period=360), xq)


@pytest.mark.parametrize("kw", [{}, {"bins": 4}, {"bins": 5, "range": (-1.0, 2.0)},
                                {"bins": np.array([-2.0, -0.5, 0.0, 0.3, 3.0])},
                                {"bins": 6, "density": True}])
def test_histogram(numpy_function, rng, kw):
    x = rng.normal(size=40)
    numpy_function(lambda x: xnp.histogram(x, **kw), lambda x: np.histogram(x, **kw), x,
                   grad=False)
    numpy_function(lambda x: xnp.histogram_bin_edges(x, kw.get("bins", 10), kw.get("range")),
                   lambda x: np.histogram_bin_edges(x, kw.get("bins", 10), kw.get("range")), x,
                   grad=False)
    w = rng.random(40)
    numpy_function(lambda w: xnp.histogram(x, weights=w, **kw)[0],
                   lambda w: np.histogram(x, weights=w, **kw)[0], w)


def test_histogram_edge_cases(same_array):
    x = np.array([1.0, 1.0, 1.0])
    for got, want in zip(xnp.histogram(x, 3), np.histogram(x, 3)):
        same_array(got, want, "constant data")
    with pytest.raises(NotImplementedError, match="estimator"):
        xnp.histogram(x, "auto")


@pytest.mark.parametrize("kw", [{}, {"bins": (3, 4, 2)},
                                {"bins": [np.array([-1.0, 0.0, 1.0]), 3, 4],
                                 "range": [None, (-1.0, 1.0), None]},
                                {"bins": 3, "density": True}])
def test_histogramdd(numpy_function, rng, kw):
    sample = rng.normal(size=(30, 3))
    numpy_function(lambda s: xnp.histogramdd(s, **kw), lambda s: np.histogramdd(s, **kw), sample,
                   grad=False, vmap=False)
    w = rng.random(30)
    numpy_function(lambda w: xnp.histogramdd(sample, weights=w, **kw)[0],
                   lambda w: np.histogramdd(sample, weights=w, **kw)[0], w, vmap=False)


@pytest.mark.parametrize("bins", [5, (3, 4), np.array([-1.0, 0.0, 0.5, 2.0])])
def test_histogram2d(numpy_function, rng, bins):
    x, y = rng.normal(size=(2, 25))
    numpy_function(lambda x, y: xnp.histogram2d(x, y, bins), lambda x, y: np.histogram2d(x, y, bins),
                   x, y, grad=False)


# The rows of docs/gradient-conventions.md for order statistics, eagerly and compiled.
CONVENTIONS = [
    (lambda x: xnp.sort(x)[1], [2.0, 1.0, 1.0], [0, 0, 1]),
    (xnp.median, [1.0, 2.0, 2.0, 3.0], [0, 0.5, 0.5, 0]),
    (lambda x: xnp.quantile(x, 0.5, method="lower"), [2.0, 2.0, 1.0], [1, 0, 0]),
    (xnp.median, [np.nan, 1.0, 2.0], [0, 0, 0]),
    (lambda x: xnp.max(x, initial=2.0), [2.0, 1.0], [0.5, 0]),
    (xnp.nanmax, [np.nan, 1.0, 1.0], [0, 0.5, 0.5]),
    (lambda x: xnp.cumprod(x)[-1], [0.0, 2.0, 0.0], [0, 0, 0]),
]


@pytest.mark.parametrize("fn,x,want", CONVENTIONS)
def test_gradient_conventions(fn, x, want):
    for g in (nb.grad(fn), nb.jit(nb.grad(fn)), nb.jit(nb.grad(fn), backend="interpreter")):
        np.testing.assert_array_equal(g(np.array(x)), np.array(want, float))
