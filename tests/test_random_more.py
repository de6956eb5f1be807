"""numbax.random's composed samplers (chisquare, f, lognormal, ..., binomial, multinomial):
distributions checked by Kolmogorov-Smirnov tests against scipy.stats and moments against
their formulas, with fixed keys (so each test is deterministic); grads, jit and vmap.

Tolerances: with a fixed key a correct sampler's KS p-value is one draw from U(0, 1), so
requiring p > 1e-3 fails a correct sampler for one key in a thousand (the keys were not
chosen to pass). Sample means of N draws are checked to 5 standard errors.
"""
from __future__ import annotations

import zlib

import numpy as np
import pytest
import scipy.stats as ss

import numbax as nb
import numbax.random as nr

N = 4000


def _key(i: int):
    return nr.PRNGKey(1000 + i)


def _ks(x, cdf) -> None:
    x = np.asarray(x, np.float64).ravel()
    p = ss.kstest(x, cdf).pvalue
    assert p > 1e-3, f"KS p-value {p}"


def _mean_close(x, mean: float, var: float) -> None:
    x = np.asarray(x, np.float64)
    se = np.sqrt(var / x.size)
    assert abs(x.mean() - mean) < 5 * se, (x.mean(), mean, se)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, sample, dist", [
    ("chisquare", lambda k, dt: nr.chisquare(k, 3.5, (N,), dt), ss.chi2(3.5)),
    ("f", lambda k, dt: nr.f(k, 4.0, 9.0, (N,), dt), ss.f(4.0, 9.0)),
    ("lognormal", lambda k, dt: nr.lognormal(k, 0.7, (N,), dt), ss.lognorm(0.7)),
    ("pareto", lambda k, dt: nr.pareto(k, 2.5, (N,), dt), ss.pareto(2.5)),
    ("rayleigh", lambda k, dt: nr.rayleigh(k, 2.0, (N,), dt), ss.rayleigh(scale=2.0)),
    ("weibull_min", lambda k, dt: nr.weibull_min(k, 2.0, 1.5, (N,), dt),
     ss.weibull_min(1.5, scale=2.0)),
    ("wald", lambda k, dt: nr.wald(k, 1.5, (N,), dt), ss.invgauss(1.5)),
    ("triangular", lambda k, dt: nr.triangular(k, -1.0, 0.5, 2.0, (N,), dt),
     ss.triang(0.5, loc=-1.0, scale=3.0)),
    ("maxwell", lambda k, dt: nr.maxwell(k, (N,), dt), ss.maxwell()),
    ("generalized_normal", lambda k, dt: nr.generalized_normal(k, 1.5, (N,), dt),
     ss.gennorm(1.5)),
])
def test_continuous_samplers_follow_their_distributions(name, sample, dist, dtype):
    x = sample(_key(zlib.crc32(name.encode()) % 97), dtype)
    assert x.dtype == dtype and x.shape == (N,)
    _ks(x, dist.cdf)


def test_double_sided_maxwell_is_a_signed_shifted_maxwell():
    x = nr.double_sided_maxwell(_key(1), 1.0, 2.0, (N,))
    _ks(np.abs(x - 1.0) / 2.0, ss.maxwell.cdf)
    _mean_close(x > 1.0, 0.5, 0.25)
    assert nr.double_sided_maxwell(_key(1), np.zeros(3), 1.0).shape == (3,)


@pytest.mark.parametrize("d, p", [(1, 2.0), (3, 2.0), (2, 1.0), (4, 3.0)])
def test_ball_is_uniform_in_the_unit_p_ball(d, p):
    x = nr.ball(_key(2), d, p, (N,))
    assert x.shape == (N, d)
    radius = np.sum(np.abs(x) ** p, axis=-1) ** (1 / p)
    assert radius.max() <= 1
    # Uniform in the ball: radius**d is uniform on [0, 1].
    _ks(radius ** d, ss.uniform.cdf)
    # ...and the direction is symmetric in each coordinate.
    _mean_close(x[:, 0] > 0, 0.5, 0.25)


@pytest.mark.parametrize("p", [0.05, 0.3, 0.9])
def test_geometric_counts_trials(p):
    g = nr.geometric(_key(3), p, (N,))
    assert g.dtype == np.int64 and g.min() >= 1
    _mean_close(g, 1 / p, (1 - p) / p ** 2)
    assert nr.geometric(_key(3), 1.0, (4,)).tolist() == [1, 1, 1, 1]
    assert nr.geometric(_key(3), np.float32(p), (2,), np.int32).dtype == np.int32


@pytest.mark.parametrize("n, p", [(7, 0.2), (20, 0.3), (200, 0.7), (1000, 0.05), (60, 0.5)])
def test_binomial_moments_and_frequencies(n, p):
    b = nr.binomial(_key(4), float(n), p, (N,))
    assert b.dtype == np.float64 and np.all(b == np.floor(b)) and 0 <= b.min() <= b.max() <= n
    _mean_close(b, n * p, n * p * (1 - p))
    # A chi-square test of the frequencies of the values with expected count >= 5.
    values = np.arange(n + 1)
    expected = ss.binom.pmf(values, n, p) * N
    keep = expected >= 5
    observed = np.bincount(b.astype(np.int64), minlength=n + 1)
    stat = np.sum((observed[keep] - expected[keep]) ** 2 / expected[keep])
    assert ss.chi2.sf(stat, keep.sum()) > 1e-3


def test_binomial_edge_cases():
    n = np.array([0.0, 5.0, np.inf, np.nan, 3.0, 4.7, -1.0, 6.0, 6.0])
    p = np.array([0.5, 1.0, 0.5, 0.5, -0.1, 1.0, 0.5, 0.0, np.nan])
    got = nr.binomial(_key(5), n, p)
    np.testing.assert_array_equal(got, [0.0, 5.0, np.inf, np.nan, np.nan, 4.0, np.nan, 0.0,
                                        np.nan])
    assert nr.binomial(_key(5), 10, np.float32(0.5), (3,), np.float32).dtype == np.float32


def test_multinomial_counts_sum_to_n_with_the_right_means():
    p = np.array([0.2, 0.3, 0.0, 0.5])
    m = nr.multinomial(_key(6), 10.0, p, shape=(N,))
    assert m.shape == (N, 4) and np.all(m.sum(-1) == 10) and np.all(m[:, 2] == 0)
    for j in (0, 1, 3):
        _mean_close(m[:, j], 10 * p[j], 10 * p[j] * (1 - p[j]))
    batched = nr.multinomial(_key(6), np.array([3.0, 50.0]), np.array([[0.5, 0.5],
                                                                       [0.1, 0.9]]))
    assert batched.shape == (2, 2) and batched.sum(-1).tolist() == [3.0, 50.0]


def test_samplers_under_jit_and_vmap_match_eager():
    def sample(k):
        return (nr.chisquare(k, 2.5, (3,)), nr.wald(k, 2.0, (3,)), nr.geometric(k, 0.2, (3,)),
                nr.binomial(k, 30.0, 0.4, (3,)), nr.ball(k, 2, shape=(2,)))
    k = _key(7)
    keys = nr.split(k, 3)
    want = sample(k)
    for g, w in zip(nb.jit(sample, backend="interpreter")(k), want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12)
    loop = [sample(kk) for kk in keys]
    for i, g in enumerate(nb.vmap(sample)(keys)):
        np.testing.assert_allclose(g, np.stack([s[i] for s in loop]), rtol=1e-12)


def test_reparameterised_grads():
    k = _key(8)
    # lognormal: d/dsigma exp(sigma z) = z exp(sigma z) with z the same normal.
    z = nr.normal(k)
    np.testing.assert_allclose(nb.grad(lambda s: nr.lognormal(k, s))(0.5),
                               z * np.exp(0.5 * z), rtol=1e-12)
    # pareto: d/db exp(e / b) = -e / b**2 exp(e / b).
    e = nr.exponential(k)
    np.testing.assert_allclose(nb.grad(lambda b: nr.pareto(k, b))(2.0),
                               -e / 4 * np.exp(e / 2), rtol=1e-12)
    np.testing.assert_allclose(nb.grad(lambda s: nr.rayleigh(k, s))(3.0),
                               nr.rayleigh(k, 1.0), rtol=1e-12)


@pytest.mark.parametrize("df", [0.7, 3.0, 12.0])
def test_chisquare_grad_is_the_implicit_reparameterisation(df):
    # At a fixed quantile u = F(x; df): dx/ddf = -(dF/ddf) / pdf(x), from SciPy's cdf.
    k = _key(9)
    x = float(nr.chisquare(k, df))
    h = 1e-6 * df
    dcdf = (ss.chi2.cdf(x, df + h) - ss.chi2.cdf(x, df - h)) / (2 * h)
    want = -dcdf / ss.chi2.pdf(x, df)
    np.testing.assert_allclose(nb.grad(lambda d: nr.chisquare(k, d))(df), want, rtol=1e-5)


def test_clone_key_impl_and_key_dtype():
    k = nr.PRNGKey(3)
    assert nr.key_dtype() == nr.key_dtype("threefry2x32") == k.dtype
    np.testing.assert_array_equal(nr.key(3, impl=nr.key_impl(k)), k)
    with pytest.raises(ValueError, match="threefry2x32"):
        nr.key_dtype("rbg")
    np.testing.assert_array_equal(nr.clone(k), k)
    assert nr.key_impl(k) == "threefry2x32" and nr.key_impl(nr.split(k, 4)) == "threefry2x32"
    with pytest.raises(TypeError, match="uint32"):
        nr.key_impl(np.zeros(2, np.int32))


def test_bad_input():
    k = _key(10)
    with pytest.raises(TypeError, match="float dtype"):
        nr.chisquare(k, 2.0, (2,), np.int32)
    with pytest.raises(TypeError, match="integer dtype"):
        nr.geometric(k, 0.5, (2,), np.float32)
    with pytest.raises(ValueError, match="positive int"):
        nr.ball(k, 0)
    with pytest.raises(ValueError, match="at least one dimension"):
        nr.multinomial(k, 3.0, 0.5)
    with pytest.raises(ValueError, match="does not broadcast"):
        nr.wald(k, np.ones(3), (2,))
    with pytest.raises(ValueError, match="single key"):
        nr.pareto(nr.split(k), 2.0)


@pytest.mark.parametrize("name, fn, params", [
    ("weibull_min", lambda k, s, c: nr.weibull_min(k, s, c, (3,)), (2.0, 1.5)),
    ("wald", lambda k, m: nr.wald(k, m, (3,)), (1.5,)),
    ("triangular", lambda k, a, m, b: nr.triangular(k, a, m, b, (3,)), (-1.0, 0.5, 2.0)),
    ("double_sided_maxwell", lambda k, loc, s: nr.double_sided_maxwell(k, loc, s, (3,)),
     (0.5, 2.0)),
    ("generalized_normal_scale", lambda k, s: s * nr.generalized_normal(k, 1.5, (3,)), (2.0,)),
])
def test_pathwise_grads_against_finite_differences(name, fn, params):
    # With the key fixed these samplers are smooth functions of their parameters (away from
    # the measure-zero switch points of wald's and triangular's selects).
    from numbax.test_util import check_grads
    k = _key(11)
    check_grads(lambda *ps: fn(k, *ps), [np.float64(p) for p in params], order=1)


def test_traced_parameters_under_jit_and_vmap():
    k = _key(12)
    dfs = np.array([1.5, 3.0, 8.0])
    np.testing.assert_allclose(nb.jit(lambda d: nr.chisquare(k, d), backend="interpreter")(dfs),
                               nr.chisquare(k, dfs), rtol=1e-12)
    batched = nb.vmap(lambda s: nr.lognormal(k, s, (2,)))(dfs)
    np.testing.assert_allclose(batched, [nr.lognormal(k, s, (2,)) for s in dfs], rtol=1e-12)
    got = nb.vmap(lambda p: nr.geometric(k, p, (4,)))(np.array([0.2, 0.7]))
    np.testing.assert_array_equal(got, [nr.geometric(k, p, (4,)) for p in (0.2, 0.7)])
