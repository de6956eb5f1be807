"""numbax.random: JAX's bits (tests/data/jax_random_vectors.json, made by JAX 0.10.2 with
x64, threefry2x32 and jax_threefry_partitionable=True), eagerly and under jit on both
backends; statistics of the samplers; jit/vmap equivalence; gradients; bad input."""
from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
import numbax.random as nr

CASES = json.loads((Path(__file__).parent / "data" / "jax_random_vectors.json").read_text())
NAMESPACE = {name: getattr(nr, name) for name in nr.__all__}
NAMESPACE.update(vmap=nb.vmap, log=xnp.log, uint8=np.uint8, uint32=np.uint32,
                 uint64=np.uint64, float32=np.float32, float64=np.float64)
# Float outputs that go through transcendental functions match JAX to the rounding of XLA's
# log1p/log/erf against NumPy's: the largest distance measured, in ulp of the reference.
# normal matches exactly (eagerly).
ULP = {"truncated_normal": 2, "gamma": 3, "normal": 0}
# Numba kernels compute log1p etc. with vecmath (fast_math): normals then differ from the
# eager ones by up to 3 ulp on about 1% of elements.
JIT_ULP = 4


def _expr(case) -> str:
    return case["expr"].split("  [")[0]  # "vmap(...)(keys)  [float64]": the note is the dtype


def _ulp_distance(got, ref) -> float:
    got, ref = np.asarray(got, np.float64), np.asarray(ref)
    return float(np.max(np.abs(got - ref) / np.spacing(np.abs(ref))))


def _check(got, case, ulp: float):
    ref = np.array(case["value"], dtype=case["dtype"])
    got = np.asarray(got)
    assert got.dtype == ref.dtype and got.shape == ref.shape, (got.dtype, got.shape)
    if ref.dtype.kind == "f" and ulp:
        assert _ulp_distance(got, ref) <= ulp, (got.tolist(), ref.tolist())
    else:
        np.testing.assert_array_equal(got, ref)


def _bound(case, jit: bool = False) -> float:
    ulp = next((u for name, u in ULP.items() if _expr(case).startswith(name)), None)
    return 0 if ulp is None else ulp + (JIT_ULP if jit else 0)


@pytest.mark.parametrize("case", CASES["cases"], ids=lambda c: c["expr"])
def test_jax_vectors_eager(case):
    _check(eval(_expr(case), NAMESPACE), case, _bound(case))


# The key is a jit argument, so the whole generator (threefry and the sampler) is compiled.
# Numba compiles a kernel per case: the bit-exact samplers run on both backends, the rest on
# the interpreter (the same Jaxpr).
BIT_EXACT = ("fold_in(PRNGKey(0)", "bits(PRNGKey(0), (2, 3)", "uniform(PRNGKey(1)",
             "normal(PRNGKey(0), (6,), float64)", "randint", "bernoulli", "permutation")
JIT_CASES = [pytest.param(c, b, id=f"{c['expr']}-{b}") for c in CASES["cases"]
             if c["expr"].count("PRNGKey(") == 1 and not c["expr"].startswith("PRNGKey")
             for b in ("numba", "interpreter")
             if b == "interpreter" or c["expr"].startswith(BIT_EXACT)]


@pytest.mark.parametrize("case, backend", JIT_CASES)
def test_jax_vectors_jit(case, backend):
    expr = _expr(case)
    start = expr.index("PRNGKey(")
    end = expr.index(")", start) + 1
    key = eval(expr[start:end], NAMESPACE)
    body = expr[:start] + "k" + expr[end:]
    fn = nb.jit(eval(f"lambda k: {body}", NAMESPACE), backend=backend)
    _check(fn(key), case, _bound(case, jit=backend == "numba"))


def test_every_case_is_covered():
    # The reference names functions by JAX's names: each exists here.
    for case in CASES["cases"]:
        eval(_expr(case), NAMESPACE)


# ---------------------------------------------------------------------------------------------
# Threefry and keys


def test_threefry_known_answer():
    # Salmon et al.'s Random123 known-answer vectors for threefry2x32_20.
    out = nr.threefry_2x32(np.uint32(0), np.uint32(0), np.uint32(0), np.uint32(0))
    assert [int(v) for v in out] == [0x6B200159, 0x99BA4EFE]
    ones = np.uint32(0xFFFFFFFF)
    out = nr.threefry_2x32(ones, ones, ones, ones)
    assert [int(v) for v in out] == [0x1CB996FC, 0xBB002BE7]
    pi = [np.uint32(v) for v in (0x13198A2E, 0x03707344, 0x243F6A88, 0x85A308D3)]
    out = nr.threefry_2x32(pi[0], pi[1], pi[2], pi[3])
    assert [int(v) for v in out] == [0xC4923A9C, 0x483DF7A0]


def test_keys_and_data():
    k = nr.key(3)
    np.testing.assert_array_equal(k, nr.PRNGKey(3))
    np.testing.assert_array_equal(nr.key_data(k), k)
    np.testing.assert_array_equal(nr.wrap_key_data(nr.key_data(k)), k)
    np.testing.assert_array_equal(nr.PRNGKey(-1), [0xFFFFFFFF, 0xFFFFFFFF])
    assert nr.split(k, (2, 3)).shape == (2, 3, 2)
    np.testing.assert_array_equal(nr.split(k, (2, 3)).reshape(6, 2), nr.split(k, 6))
    assert nr.bits(k).dtype == np.uint64 and nr.bits(k, (4,), np.uint16).dtype == np.uint16


def test_prngkey_of_traced_seed():
    np.testing.assert_array_equal(nb.jit(nr.PRNGKey)(np.int64(2**40 + 7)), [256, 7])


@pytest.mark.parametrize("bad, match", [
    (np.zeros(2, np.int32), "uint32"),
    (np.zeros(3, np.uint32), r"shape \(2,\)"),
    (np.zeros((2, 2), np.uint32), "single key"),
])
def test_bad_keys(bad, match):
    with pytest.raises((TypeError, ValueError), match=match):
        nr.uniform(bad, (2,))


def test_bad_arguments():
    k = nr.PRNGKey(0)
    with pytest.raises(ValueError, match="negative"):
        nr.uniform(k, (-1,))
    with pytest.raises(TypeError, match="shape"):
        nr.normal(k, (1.5,))
    with pytest.raises(TypeError, match="float dtype"):
        nr.uniform(k, (2,), np.int32)
    with pytest.raises(TypeError, match="unsigned"):
        nr.bits(k, (2,), np.int32)
    with pytest.raises(TypeError, match="integer dtype"):
        nr.randint(k, (2,), 0, 3, np.float32)
    with pytest.raises(TypeError, match="float dtype"):
        nr.bernoulli(k, 1, (2,))
    with pytest.raises(ValueError, match="broadcast"):
        nr.uniform(k, (3,), minval=np.zeros(2))
    with pytest.raises(ValueError, match="larger sample"):
        nr.choice(k, 3, (4,), replace=False)
    with pytest.raises(ValueError, match="p must be"):
        nr.choice(k, 3, (2,), p=np.ones(4) / 4)
    with pytest.raises(TypeError, match="seed"):
        nr.PRNGKey(1.5)
    with pytest.raises(ValueError, match="out of bounds"):
        nr.permutation(k, np.zeros((2, 3)), axis=2)


# ---------------------------------------------------------------------------------------------
# Uniform's fused multiply-add


def test_uniform_scaling_is_one_rounding():
    # XLA contracts floats * span + minval into an FMA; numbax reproduces it exactly.
    k = nr.PRNGKey(11)
    for dt in (np.float32, np.float64):
        lo, hi = dt(-2.3), dt(7.1)
        u = nr.uniform(k, (2000,), dt)
        got = nr.uniform(k, (2000,), dt, lo, hi)
        span = Fraction(float(hi - lo))
        want = [dt(float(Fraction(float(x)) * span + Fraction(float(lo)))) for x in u]
        want = np.maximum(np.array(want, dt), lo)
        np.testing.assert_array_equal(got, want)


# ---------------------------------------------------------------------------------------------
# Statistics (1e5 samples, generous bounds)

N = 100_000


@pytest.mark.parametrize("fn, mean, var", [
    (lambda k: nr.uniform(k, (N,)), 0.5, 1 / 12),
    (lambda k: nr.uniform(k, (N,), np.float32, -1.0, 3.0), 1.0, 16 / 12),
    (lambda k: nr.normal(k, (N,)), 0.0, 1.0),
    (lambda k: nr.normal(k, (N,), np.float32), 0.0, 1.0),
    (lambda k: nr.exponential(k, (N,)), 1.0, 1.0),
    (lambda k: nr.laplace(k, (N,)), 0.0, 2.0),
    (lambda k: nr.logistic(k, (N,)), 0.0, math.pi ** 2 / 3),
    (lambda k: nr.gumbel(k, (N,)), np.euler_gamma, math.pi ** 2 / 6),
    (lambda k: nr.rademacher(k, (N,)).astype(float), 0.0, 1.0),
    (lambda k: nr.bernoulli(k, 0.3, (N,)).astype(float), 0.3, 0.21),
    (lambda k: nr.randint(k, (N,), -3, 7).astype(float), 1.5, 99 / 12),
    (lambda k: nr.gamma(k, 2.5, (N // 10,)), 2.5, 2.5),
    (lambda k: nr.gamma(k, 0.5, (N // 10,)), 0.5, 0.5),
    (lambda k: nr.beta(k, 2.0, 3.0, (N // 10,)), 0.4, 6 / 150),
    (lambda k: nr.t(k, 5.0, (N // 10,)), 0.0, 5 / 3),
    (lambda k: nr.truncated_normal(k, -1.0, 2.0, (N,)), 0.2290, 0.5541),
])
def test_moments(fn, mean, var):
    x = np.asarray(fn(nr.PRNGKey(123)))
    se = math.sqrt(var / x.size)
    assert abs(x.mean() - mean) < 6 * se + 1e-3, x.mean()
    assert abs(x.var() / var - 1) < 0.08, x.var()


def test_cauchy_median_and_quartiles():
    x = np.asarray(nr.cauchy(nr.PRNGKey(1), (N,)))
    np.testing.assert_allclose(np.percentile(x, [25, 50, 75]), [-1, 0, 1], atol=0.03)


def test_randint_edges():
    k = nr.PRNGKey(2)
    x = nr.randint(k, (5000,), 0, 256, np.uint8)  # maxval past uint8's maximum
    assert x.dtype == np.uint8 and x.max() == 255 and x.min() == 0
    np.testing.assert_array_equal(nr.randint(k, (5,), 4, 4), np.full(5, 4))
    y = nr.randint(k, (3, 1000), np.array([[0], [10], [-5]]), np.array([[2], [20], [5]]))
    assert y.min(axis=1).tolist() == [0, 10, -5] and y.max(axis=1).tolist() == [1, 19, 4]


def test_permutation_choice_categorical():
    k = nr.PRNGKey(4)
    x = np.arange(12).reshape(3, 4)
    p = nr.permutation(k, x, axis=1)
    np.testing.assert_array_equal(np.sort(p, axis=1), x)
    assert len({tuple(r - r[0]) for r in p}) == 1  # the same permutation for every row
    q = nr.permutation(k, x, axis=1, independent=True)
    np.testing.assert_array_equal(np.sort(q, axis=1), x)
    with pytest.warns(DeprecationWarning):
        s = nr.shuffle(k, np.arange(50))
    np.testing.assert_array_equal(np.sort(s), np.arange(50))
    c = nr.choice(k, x, (2,), replace=False, axis=1)
    assert c.shape == (3, 2) and len(set(c[0].tolist())) == 2
    pr = np.array([0.1, 0.0, 0.6, 0.3])
    draws = nr.choice(k, 4, (N // 4,), p=pr)
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / draws.size, pr, atol=0.01)
    unique = nr.choice(k, 4, (3,), replace=False, p=pr)
    assert sorted(unique.tolist()) == [0, 2, 3]
    logits = np.log(np.array([[0.2, 0.8], [0.9, 0.1]]))
    cats = nr.categorical(k, logits, shape=(N // 10, 2))
    np.testing.assert_allclose(cats.mean(axis=0), [0.8, 0.1], atol=0.02)
    d = nr.dirichlet(k, np.array([1.0, 2.0, 3.0]), (N // 10,))
    np.testing.assert_allclose(d.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(d.mean(axis=0), [1 / 6, 2 / 6, 3 / 6], atol=0.01)


# ---------------------------------------------------------------------------------------------
# jit, vmap and grad


def test_vmap_over_keys_matches_a_loop():
    keys = nr.split(nr.PRNGKey(9), 5)
    for fn in (lambda k: nr.normal(k, (3,)), lambda k: nr.randint(k, (4,), 0, 100),
               lambda k: nr.split(k, 3), lambda k: nr.fold_in(k, 3),
               lambda k: nr.permutation(k, 6), lambda k: nr.gamma(k, 1.5, (2,))):
        want = np.stack([fn(k) for k in keys])
        np.testing.assert_array_equal(nb.vmap(fn)(keys), want)


def test_jit_matches_eager():
    k = nr.PRNGKey(10)
    for fn in (lambda k: nr.uniform(k, (7, 3), np.float32, -1.0, 2.0),
               lambda k: nr.choice(k, 9, (3,), replace=False)):
        np.testing.assert_array_equal(nb.jit(fn)(k), fn(k))


def test_fold_in_traced_data():
    k = nr.PRNGKey(0)
    got = nb.vmap(lambda d: nr.fold_in(k, d))(np.arange(4, dtype=np.uint32))
    np.testing.assert_array_equal(got, np.stack([nr.fold_in(k, d) for d in range(4)]))


def test_reparameterised_gradients():
    k = nr.PRNGKey(1)
    z = nr.normal(k, (5,))

    def loss(loc, scale):
        return xnp.sum((loc + scale * nr.normal(k, (5,))) ** 2)

    gl, gs = nb.grad(loss, argnums=(0, 1))(0.3, 1.7)
    np.testing.assert_allclose(gl, np.sum(2 * (0.3 + 1.7 * z)))
    np.testing.assert_allclose(gs, np.sum(2 * (0.3 + 1.7 * z) * z))
    u = nr.uniform(k, (4,))
    g = nb.grad(lambda hi: xnp.sum(nr.uniform(k, (4,), minval=-1.0, maxval=hi)))(2.0)
    np.testing.assert_allclose(g, np.sum(u), rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Poisson, multivariate normal, orthogonal, log-space gamma


@pytest.mark.parametrize("lam", [0.0, 0.7, 4.0, 9.5, 12.0, 200.0])
def test_poisson_moments(lam):
    x = np.asarray(nr.poisson(nr.PRNGKey(5), lam, (20_000,)))
    assert x.dtype == np.int64 and x.min() >= 0
    tol = 6 * math.sqrt(max(lam, 1e-3) / x.size) + 1e-3
    assert abs(x.mean() - lam) < tol and abs(x.var() - lam) < 0.08 * lam + 1e-3


def test_poisson_batched_lam_and_vmap():
    lam = np.array([2.0, 50.0])
    x = nr.poisson(nr.PRNGKey(1), lam, (10_000, 2))
    np.testing.assert_allclose(x.mean(axis=0), lam, rtol=0.03)
    keys = nr.split(nr.PRNGKey(2), 3)
    fn = lambda k: nr.poisson(k, lam)  # noqa: E731
    np.testing.assert_array_equal(nb.vmap(fn)(keys), np.stack([fn(k) for k in keys]))


def test_multivariate_normal():
    k = nr.PRNGKey(3)
    mean, cov = np.array([1.0, -2.0, 0.5]), np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2],
                                                     [0.1, -0.2, 0.5]])
    for method in ("cholesky", "svd", "eigh"):
        x = np.asarray(nr.multivariate_normal(k, mean, cov, (N // 2,), method=method))
        np.testing.assert_allclose(x.mean(axis=0), mean, atol=0.03)
        np.testing.assert_allclose(np.cov(x.T), cov, atol=0.05)
    # The factor is Cholesky's: the same normals as normal(key, (..., n)).
    z = nr.normal(k, (4, 3))
    want = mean + z @ np.linalg.cholesky(cov).T
    np.testing.assert_allclose(nr.multivariate_normal(k, mean, cov, (4,)), want, rtol=1e-12)

    def loss(m, c):
        return xnp.sum(nr.multivariate_normal(k, m, c, (4,)) ** 2)

    nb.test_util.check_grads(loss, (mean, cov), order=1, modes=("rev",))
    with pytest.raises(ValueError, match="cov must have shape"):
        nr.multivariate_normal(k, mean, np.eye(2))


def test_orthogonal():
    k = nr.PRNGKey(4)
    q = np.asarray(nr.orthogonal(k, 5, (3,)))
    np.testing.assert_allclose(np.einsum("bij,bik->bjk", q, q), np.broadcast_to(np.eye(5),
                                                                                (3, 5, 5)),
                               atol=1e-12)
    wide, tall = nr.orthogonal(k, 2, m=4), nr.orthogonal(k, 4, m=2)
    np.testing.assert_allclose(wide @ wide.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(tall.T @ tall, np.eye(2), atol=1e-12)
    # Haar measure: the mean of a fixed entry is 0 and its variance 1/n.
    e = np.asarray(nr.orthogonal(k, 3, (20_000,)))[:, 0, 1]
    assert abs(e.mean()) < 0.02 and abs(e.var() - 1 / 3) < 0.02


def test_loggamma_is_log_of_gamma_in_distribution():
    k = nr.PRNGKey(6)
    lg = np.asarray(nr.loggamma(k, 0.001, (5000,)))
    assert np.isfinite(lg).all() and np.median(lg) < -100  # gamma itself would underflow
    g = np.exp(np.asarray(nr.loggamma(k, 3.0, (N // 10,))))
    assert abs(g.mean() - 3.0) < 0.1 and abs(g.var() / 3.0 - 1) < 0.08


# ---------------------------------------------------------------------------------------------
# erf_inv and truncated_normal's bounds


@pytest.mark.parametrize("dtype, tol", [(np.float64, 4e-16), (np.float32, 2e-7)])
def test_erf_inv_inverts_erf(dtype, tol):
    x = np.linspace(-0.999999, 0.999999, 2001).astype(dtype)
    y = np.asarray(nr.erf_inv(x)).astype(np.float64)
    back = np.array([math.erf(v) for v in y])
    assert np.max(np.abs(back - x)) < tol
    np.testing.assert_array_equal(nr.erf_inv(np.array([-1.0, 1.0], dtype)), [-np.inf, np.inf])


def test_erf_inv_derivative():
    for x in (0.0, 0.3, -0.9, 0.999):
        want = math.sqrt(math.pi) / 2 * math.exp(float(nr.erf_inv(x)) ** 2)
        np.testing.assert_allclose(nb.grad(nr.erf_inv)(x), want, rtol=1e-9)


def test_truncated_normal_traced_bounds_and_gradient():
    k = nr.PRNGKey(8)
    lo, hi = np.array([-1.0, 0.5]), np.array([2.0, 0.7])
    eager = nr.truncated_normal(k, lo, hi, (3, 2))
    assert ((eager > lo) & (eager < hi)).all()
    jitted = nb.jit(lambda a, b: nr.truncated_normal(k, a, b, (3, 2)), backend="interpreter")
    np.testing.assert_allclose(jitted(lo, hi), eager, rtol=1e-13)
    nb.test_util.check_grads(lambda a, b: nr.truncated_normal(k, a, b, (3, 2)), (lo, hi),
                             order=1, modes=("fwd", "rev"))


def _gamma_cdf(a: float, x: float) -> float:
    """The regularised lower incomplete gamma P(a, x), by its series (test reference)."""
    term = total = 1.0 / a
    for n in range(1, 100_000):
        term *= x / (a + n)
        total += term
        if term < 1e-18 * total:
            break
    return total * math.exp(a * math.log(x) - x - math.lgamma(a))


@pytest.mark.parametrize("a, x", [(0.5, 0.1), (0.5, 3.0), (2.5, 1.0), (2.5, 6.0), (30.0, 25.0),
                                  (30.0, 40.0), (0.05, 1e-8)])
def test_gamma_implicit_gradient_matches_the_cdf(a, x):
    # x(a) at a fixed probability: dx/da = -(dP/da) / density, by central differences here.
    h = 1e-5 * a
    dp = (_gamma_cdf(a + h, x) - _gamma_cdf(a - h, x)) / (2 * h)
    density = math.exp((a - 1) * math.log(x) - x - math.lgamma(a))
    got = float(nr._dlog_gamma_sample(np.float64(a), np.log(np.float64(x)))) * x
    np.testing.assert_allclose(got, -dp / density, rtol=1e-7)


def test_gamma_gradients():
    k = nr.PRNGKey(0)
    # d/da E[x] = 1, and d/da E[log x] = trigamma(a) (~0.4904 at 2.5), averaged over samples.
    g = nb.grad(lambda a: xnp.sum(nr.gamma(k, a, (1500,))))(2.5) / 1500
    assert abs(g - 1) < 0.04
    gl = nb.grad(lambda a: xnp.sum(nr.loggamma(k, a, (1500,))))(2.5) / 1500
    assert abs(gl - 0.4904) < 0.03
    # beta's mean a / (a + b) has derivative b / (a + b)**2 in a.
    gb = nb.grad(lambda a: xnp.sum(nr.beta(k, a, 2.0, (1500,))))(3.0) / 1500
    assert abs(gb - 2 / 25) < 0.01
    f = nb.grad(lambda kk, a: nr.gamma(kk, a), argnums=1)
    keys = nr.split(k, 3)
    np.testing.assert_allclose(nb.vmap(f, in_axes=(0, None))(keys, 2.0),
                               [f(kk, 2.0) for kk in keys], rtol=1e-12)
    # Differentiating t's location, with a constant df, needs no gamma derivative.
    assert nb.grad(lambda m: xnp.sum(m + nr.t(k, 3.0, (3,))))(1.0) == 3.0
