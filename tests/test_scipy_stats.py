"""numbax.scipy.stats against scipy.stats: values on grids that include the edges of each
support (-inf log-densities and 0 densities outside it, nan parameters), float64 and
float32, grads against finite differences inside the support, vmap against a loop, jit."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as ss

import numbax as nb
import numbax.scipy.stats as st

X = np.array([-7.5, -2.0, -0.5, 0.0, 0.3, 1.0, 2.5, 40.0])
X01 = np.array([-0.5, 0.0, 0.05, 0.3, 0.5, 0.9, 1.0, 1.5])
Q = np.array([-0.1, 0.0, 1e-10, 0.02, 0.3, 0.5, 0.9, 1 - 1e-9, 1.0, 1.5])
LOC, SCALE = 0.25, 1.75

# (distribution, function, first-argument grid, shape parameters, (loc, scale) or ()).
LS, LS01 = (LOC, SCALE), (-0.1, 1.2)  # beta's support is [-0.1, 1.1]
CASES = [(d, f, X, (), LS) for d, f in [
    ("norm", "logpdf"), ("norm", "pdf"), ("norm", "cdf"), ("norm", "logcdf"), ("norm", "sf"),
    ("norm", "logsf"),
    ("expon", "logpdf"), ("expon", "pdf"), ("expon", "cdf"), ("expon", "logcdf"),
    ("expon", "sf"), ("expon", "logsf"),
    ("laplace", "logpdf"), ("laplace", "pdf"), ("laplace", "cdf"),
    ("logistic", "logpdf"), ("logistic", "pdf"), ("logistic", "cdf"), ("logistic", "sf"),
    ("cauchy", "logpdf"), ("cauchy", "pdf"), ("cauchy", "cdf"), ("cauchy", "logcdf"),
    ("cauchy", "sf"), ("cauchy", "logsf"),
    ("uniform", "logpdf"), ("uniform", "pdf"), ("uniform", "cdf")]]
CASES += [(d, f, X, (), LS) for d in ("gumbel_r", "gumbel_l")
          for f in ("logpdf", "pdf", "logcdf", "cdf", "logsf", "sf")]
CASES += [(d, f, Q, (), LS) for d, f in [
    ("norm", "ppf"), ("norm", "isf"), ("expon", "ppf"), ("expon", "isf"), ("logistic", "ppf"),
    ("logistic", "isf"), ("cauchy", "ppf"), ("cauchy", "isf"), ("uniform", "ppf"),
    ("gumbel_r", "ppf"), ("gumbel_l", "ppf")]]
CASES += [(d, f, X, params, LS) for d, params in [
    ("gamma", (0.6,)), ("gamma", (3.5,)), ("chi2", (5.0,))]
    for f in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")]
CASES += [("t", f, X, (2.5,), LS) for f in ("logpdf", "pdf")]
CASES += [("pareto", f, X, (2.5,), LS) for f in ("logpdf", "pdf")]
CASES += [("truncnorm", f, X, params, LS) for params in [(-1.0, 1.5), (1.2, 9.0), (-30.0, -3.0)]
          for f in ("logpdf", "pdf", "logcdf", "cdf", "logsf", "sf")]
CASES += [("beta", f, X01, params, LS01) for params in [(2.5, 0.8), (0.5, 3.0)]
          for f in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")]
CASES += [("gennorm", f, X, (1.5,), ()) for f in ("logpdf", "pdf", "cdf")]
CASES += [("vonmises", f, X, (2.0,), ()) for f in ("logpdf", "pdf")]
CASES += [("wrapcauchy", f, X01 * 6, (0.4,), ()) for f in ("logpdf", "pdf")]
# Points inside each support, away from kinks, for grads.
INSIDE = {"ppf": [0.07, 0.41, 0.77], "isf": [0.07, 0.41, 0.77], "expon": [1.1, 1.9, 3.2],
          "gamma": [0.9, 1.9, 3.2], "chi2": [0.9, 1.9, 3.2], "uniform": [0.4, 0.9, 1.6],
          "beta": [0.1, 0.45, 0.9], "pareto": [2.3, 3.1, 5.0], "wrapcauchy": [0.3, 2.0, 5.5]}
TRUNCNORM_INSIDE = {(1.2, 9.0): [2.5, 3.0, 4.5], (-30.0, -3.0): [-9.0, -7.0, -6.0]}
SPECIAL = ("gamma", "chi2", "beta", "t", "norm", "truncnorm", "gennorm", "vonmises")


def _ids(cases):
    return [f"{d}.{f}{list(p) if p else ''}" for d, f, _, p, *_ in cases]


def _scipy(dist: str, fn: str):
    return getattr(getattr(ss, dist), fn)


def _numbax(dist: str, fn: str):
    return getattr(getattr(st, dist), fn)


def _rtol(dist: str, fn: str) -> float:
    # Quantiles through tan/logit near 0 and 1 lose digits to 1 - q (SciPy's too); special
    # functions are accurate to a few hundred ulp.
    return 1e-9 if fn in ("ppf", "isf") or dist in SPECIAL else 1e-13


@pytest.mark.parametrize("dist, fn, grid, params, extra", CASES, ids=_ids(CASES))
def test_float64_matches_scipy(dist, fn, grid, params, extra):
    with np.errstate(all="ignore"):
        want = _scipy(dist, fn)(grid, *params, *extra)
        got = _numbax(dist, fn)(grid, *params, *extra)
    assert isinstance(got, np.ndarray) and got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=_rtol(dist, fn), atol=1e-300, equal_nan=True)
    # Integer arguments become float64; nan parameters give nan.
    assert _numbax(dist, fn)(np.ones(2, np.int32), *params).dtype == np.float64
    nan_params = (*params, *extra)[:-1] + (np.nan,)
    with np.errstate(all="ignore"):
        assert np.all(np.isnan(_numbax(dist, fn)(grid, *nan_params)))


@pytest.mark.parametrize("dist, fn, grid, params, extra", CASES, ids=_ids(CASES))
def test_float32(dist, fn, grid, params, extra):
    g32 = grid.astype(np.float32)
    extra32 = (np.float32(extra[0]), extra[1]) if extra else ()
    with np.errstate(all="ignore"):
        got = _numbax(dist, fn)(g32, *params, *extra32)
        want = _scipy(dist, fn)(g32.astype(np.float64), *params, *extra)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    # Results that are infinite, or under/overflow float32, must be so (or tiny) in float32.
    big = np.isinf(want) | (np.abs(want) > 1e30)
    np.testing.assert_array_equal(got[np.isinf(want)], want[np.isinf(want)])
    tiny = np.abs(want) < 1e-30
    assert np.all(np.abs(got[tiny]) < 1e-30)
    keep = ~big & ~tiny & ~np.isnan(want)
    # float32 rounding of (x - loc) / scale, amplified by the function's condition number
    # (tan near +-pi/2 for cauchy's quantiles, 1 / q for logistic's).
    np.testing.assert_allclose(got[keep], want[keep], rtol=5e-4, atol=2e-6)


@pytest.mark.parametrize("dist, fn, grid, params, extra", CASES, ids=_ids(CASES))
def test_grads_vmap_jit(dist, fn, grid, params, extra, numpy_function):
    pts = INSIDE.get(fn, INSIDE.get(dist, [-1.3, 0.8, 1.9]))
    pts = np.array(TRUNCNORM_INSIDE.get(params, pts) if dist == "truncnorm" else pts)
    # A sample under jit: compiling every case would be slow.
    jit = fn in ("logpdf", "ppf") and dist in ("norm", "cauchy", "gamma")
    fixed = params if dist == "beta" and fn not in ("logpdf", "pdf") else ()
    # betainc has no derivative in a and b (as in JAX): its cdfs differentiate in x, loc and
    # scale only.
    args = (pts, *map(np.float64, params[len(fixed):] if not fixed else ()),
            *map(np.float64, extra))
    numpy_function(lambda x, *a: _numbax(dist, fn)(x, *fixed, *a),
                   lambda x, *a: _scipy(dist, fn)(x, *fixed, *a), *args, jit=jit,
                   atol=1e-5, rtol=1e-5)


def test_outside_the_support():
    assert st.expon.logpdf(-1.0) == -np.inf and st.expon.pdf(-1.0) == 0
    assert st.uniform.logpdf(1.5) == -np.inf and st.uniform.pdf(-0.5) == 0
    assert np.isnan(st.uniform.logpdf(np.nan))
    assert np.isnan(st.norm.logpdf(1.0, np.nan)) and np.isnan(st.laplace.cdf(np.nan))
    assert np.isnan(st.cauchy.ppf(1.2)) and st.cauchy.ppf(1.0) == np.inf
    # Far tails stay finite and accurate in log space.
    np.testing.assert_allclose(st.logistic.logpdf(-800.0), ss.logistic.logpdf(-800.0))
    np.testing.assert_allclose(st.norm.logpdf(1e6), ss.norm.logpdf(1e6))


# Discrete distributions: k on a grid with non-integers, negatives and nan.
K = np.array([-1.0, 0.0, 1.0, 1.5, 2.0, 3.0, 7.0, 30.0, np.nan])
DISCRETE = [("poisson", f, (2.5,)) for f in ("logpmf", "pmf", "cdf")]
DISCRETE += [("poisson", "pmf", (0.0,)), ("poisson", "cdf", (0.0,))]
DISCRETE += [("bernoulli", f, (0.3,)) for f in ("logpmf", "pmf")]
DISCRETE += [("geom", f, (0.3,)) for f in ("logpmf", "pmf")]
DISCRETE += [("binom", f, (7.0, 0.4)) for f in ("logpmf", "pmf")]
DISCRETE += [("nbinom", f, (3.5, 0.4)) for f in ("logpmf", "pmf")]
DISCRETE += [("betabinom", f, (7.0, 2.0, 0.7)) for f in ("logpmf", "pmf")]


@pytest.mark.parametrize("dist, fn, params", DISCRETE,
                         ids=[f"{d}.{f}{list(p)}" for d, f, p in DISCRETE])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_discrete_matches_scipy(dist, fn, params, dtype):
    k = K.astype(dtype)
    with np.errstate(all="ignore"):
        want = _scipy(dist, fn)(k.astype(np.float64), *params, 1.0)
        got = _numbax(dist, fn)(k, *params, 1.0)
    assert got.dtype == dtype
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-300, equal_nan=True)
    # Integer k (the common case) gives float64; vmap and jit agree with eager.
    ints = np.array([0, 1, 2, 5])
    np.testing.assert_allclose(_numbax(dist, fn)(ints, *params),
                               _scipy(dist, fn)(ints, *params), rtol=1e-12)
    batch = np.stack([ints, ints + 1])
    f = lambda kk: _numbax(dist, fn)(kk, *params)  # noqa: E731
    np.testing.assert_allclose(nb.vmap(f)(batch), [f(b) for b in batch], rtol=1e-14)
    np.testing.assert_allclose(nb.jit(f, backend="interpreter")(ints), f(ints), rtol=1e-14)


@pytest.mark.parametrize("dist, params", [("poisson", (2.5,)), ("bernoulli", (0.3,)),
                                          ("geom", (0.3,)), ("binom", (7.0, 0.4)),
                                          ("nbinom", (3.5, 0.4)), ("betabinom", (7.0, 2.0, 0.7))])
def test_discrete_grads_in_the_parameters(dist, params):
    from numbax.test_util import check_grads
    k = np.array([0.0, 1.0, 1.0] if dist == "bernoulli" else [0.0, 1.0, 3.0]) + (dist == "geom")

    def f(*ps):
        return _numbax(dist, "logpmf")(k, *ps)
    check_grads(f, [np.float64(p) for p in params], order=1)


def test_bernoulli_cdf_and_ppf():
    k = np.array([-0.5, 0.0, 0.5, 1.0, 2.0, np.nan])
    np.testing.assert_allclose(st.bernoulli.cdf(k, 0.3), ss.bernoulli.cdf(k, 0.3),
                               equal_nan=True)
    q = np.array([-0.1, 0.2, 0.7, 0.71, 1.0, 1.5, np.nan])
    np.testing.assert_array_equal(st.bernoulli.ppf(q, 0.3), ss.bernoulli.ppf(q, 0.3))
    # As JAX (SciPy returns -1 there): the quantile of 0 is 0.
    assert st.bernoulli.ppf(0.0, 0.3) == 0
    assert np.isnan(st.bernoulli.cdf(0.5, 1.5)) and np.isnan(st.bernoulli.ppf(0.5, -0.1))
    assert np.isnan(st.bernoulli.pmf(1, np.nan))


def test_multinomial_matches_scipy():
    p = np.array([0.2, 0.5, 0.3])
    x = np.array([[2.0, 3.0, 0.0], [1.0, 1.0, 3.0], [1.5, 3.5, 0.0], [-1.0, 4.0, 2.0],
                  [2.0, 2.0, 2.0]])
    want = ss.multinomial.logpmf(x, 5, p)
    np.testing.assert_allclose(st.multinomial.logpmf(x, 5, p), want, rtol=1e-12)
    np.testing.assert_allclose(st.multinomial.pmf(x, 5, p), np.exp(want), rtol=1e-12)
    got32 = st.multinomial.logpmf(x.astype(np.float32), 5, p.astype(np.float32))
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, want, rtol=1e-5)
    from numbax.test_util import check_grads
    check_grads(lambda q: st.multinomial.logpmf(x[:2], 5, q), [p], order=1)
    f = lambda xx: st.multinomial.logpmf(xx, 5.0, p)  # noqa: E731
    np.testing.assert_allclose(nb.vmap(f)(x), [f(r) for r in x], rtol=1e-14)
    with pytest.raises(ValueError, match="last axis"):
        st.multinomial.logpmf(2.0, 2, 0.5)


def test_dirichlet_matches_scipy(rng, numpy_function):
    alpha = np.array([0.7, 2.0, 3.5])
    x = rng.dirichlet(alpha, size=4).T  # (3, 4): categories first, as SciPy
    want = ss.dirichlet.logpdf(x, alpha)
    np.testing.assert_allclose(st.dirichlet.logpdf(x, alpha), want, rtol=1e-12)
    np.testing.assert_allclose(st.dirichlet.pdf(x, alpha), np.exp(want), rtol=1e-12)
    # The last category may be left out.
    np.testing.assert_allclose(st.dirichlet.logpdf(x[:2], alpha), want, rtol=1e-10)
    off = np.array([[0.5, 1.2, 0.5], [0.6, -0.2, 0.3], [-0.1, 0.0, 0.3]])
    assert np.all(st.dirichlet.logpdf(off, alpha) == -np.inf)
    assert st.dirichlet.logpdf(x.astype(np.float32), alpha.astype(np.float32)).dtype == np.float32
    # Without the last category, so that finite differences stay on the simplex.
    numpy_function(lambda x, a: st.dirichlet.logpdf(x, a),
                   lambda x, a: ss.dirichlet.logpdf(np.append(x, 1 - x.sum()), a), x[:2, 0],
                   alpha, vmap=False, atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="one-dimensional"):
        st.dirichlet.logpdf(x, np.ones((3, 1)))
    with pytest.raises(ValueError, match="3 or 2 entries"):
        st.dirichlet.logpdf(np.full(5, 0.2), alpha)


# multivariate_normal
def _spd(rng, n: int, batch=()):
    a = rng.standard_normal((*batch, n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def test_multivariate_normal_matches_scipy(rng):
    mean = rng.standard_normal(3)
    cov = _spd(rng, 3)
    x = rng.standard_normal((5, 3))
    want = ss.multivariate_normal.logpdf(x, mean, cov)
    np.testing.assert_allclose(st.multivariate_normal.logpdf(x, mean, cov), want, rtol=1e-12)
    np.testing.assert_allclose(st.multivariate_normal.pdf(x, mean, cov), np.exp(want),
                               rtol=1e-12)
    # A scalar cov is a multiple of the identity; a scalar mean is one-dimensional.
    np.testing.assert_allclose(st.multivariate_normal.logpdf(x, mean, 2.0),
                               ss.multivariate_normal.logpdf(x, mean, 2.0 * np.eye(3)),
                               rtol=1e-12)
    np.testing.assert_allclose(st.multivariate_normal.logpdf(x[:, 0], 0.5, 2.0),
                               ss.norm.logpdf(x[:, 0], 0.5, np.sqrt(2.0)), rtol=1e-12)
    x32 = st.multivariate_normal.logpdf(x.astype(np.float32), mean.astype(np.float32),
                                        cov.astype(np.float32))
    assert x32.dtype == np.float32
    np.testing.assert_allclose(x32, want, rtol=1e-5)


def test_multivariate_normal_batches_broadcast(rng):
    means = rng.standard_normal((4, 1, 2))
    covs = _spd(rng, 2, (3,))
    x = rng.standard_normal((4, 3, 2))
    got = st.multivariate_normal.logpdf(x, means, covs)
    assert got.shape == (4, 3)
    want = [[ss.multivariate_normal.logpdf(x[i, j], means[i, 0], covs[j]) for j in range(3)]
            for i in range(4)]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_multivariate_normal_grads_vmap_jit(rng, numpy_function):
    mean = rng.standard_normal(2)
    cov = _spd(rng, 2)
    x = rng.standard_normal((3, 2))
    numpy_function(lambda x, m, c: st.multivariate_normal.logpdf(x, m, c),
                   lambda x, m, c: ss.multivariate_normal.logpdf(x, m, c), x, mean, cov,
                   atol=1e-5, rtol=1e-5)


def test_multivariate_normal_bad_input(rng):
    with pytest.raises(ValueError, match="cov must have shape"):
        st.multivariate_normal.logpdf(np.zeros(3), np.zeros(3), np.eye(2))
    with pytest.raises(ValueError, match="x must have shape"):
        st.multivariate_normal.logpdf(np.zeros(2), np.zeros(3), np.eye(3))
    with pytest.raises(NotImplementedError, match="allow_singular"):
        st.multivariate_normal.logpdf(np.zeros(2), np.zeros(2), np.eye(2), allow_singular=True)
    assert np.isnan(st.multivariate_normal.logpdf(np.zeros(2), np.zeros(2), -np.eye(2)))


def test_bad_input():
    with pytest.raises(TypeError, match="norm.logpdf"):
        st.norm.logpdf("a")
    with pytest.raises(ValueError, match="expon.cdf"):
        st.expon.cdf(np.zeros(3), np.zeros(2))
