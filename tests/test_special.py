"""Special functions: lax's primitives and numbax.scipy.special against scipy.special on dense
grids and at the edges, in float32 and float64; derivatives against finite differences and
the closed forms; vmap against a loop; fusion under jit; the vectorised vecmath versions of
erf, erfc, lgamma and digamma within their documented ulp bounds (docs/vecmath.md)."""
from __future__ import annotations

import math
import re
from decimal import Decimal, getcontext

import numpy as np
import pytest
import scipy.special as ss
import scipy.stats

import numbax as nb
import numbax.lax as lax
import numbax.scipy.special as sp
from numbax.backends.numba.kernels import compile_in_memory
from numbax.test_util import ulp_error

F32, F64 = np.float32, np.float64


def _ref(fn, dtype):
    """SciPy's function in float64, rounded to dtype."""
    return lambda *args: np.asarray(fn(*(np.asarray(a, F64) for a in args))).astype(dtype)


_GRID = np.linspace(-4.0, 4.0, 41)
_POSITIVE = np.concatenate([np.linspace(0.05, 12.0, 40), [0.5, 1.0, 1.5, 2.0, 30.0]])
_NEGATIVE = np.array([-0.5, -1.3, -2.5, -3.7, -7.2])
UNARY = {
    "erf": (sp.erf, ss.erf, _GRID),
    "erfc": (sp.erfc, ss.erfc, np.linspace(-4.0, 9.0, 40)),
    "erfinv": (sp.erfinv, ss.erfinv, np.linspace(-0.95, 0.95, 39)),
    "gammaln": (sp.gammaln, ss.gammaln, np.concatenate([_POSITIVE, _NEGATIVE])),
    "digamma": (sp.digamma, ss.digamma, np.concatenate([_POSITIVE, _NEGATIVE])),
    # (No 0 in i1e's grid: i1e'' jumps there, and finite differences lose their accuracy.)
    "i0e": (sp.i0e, ss.i0e, np.linspace(-45.0, 45.0, 37)),
    "i1e": (sp.i1e, ss.i1e, np.linspace(-45.0, 45.0, 36)),
    "i0": (sp.i0, ss.i0, np.linspace(-20.0, 20.0, 21)),
    "i1": (sp.i1, ss.i1, np.linspace(-20.0, 20.0, 21)),
    "expit": (sp.expit, ss.expit, np.linspace(-30.0, 30.0, 31)),
    "logit": (sp.logit, ss.logit, np.linspace(0.05, 0.95, 30)),
    "ndtr": (sp.ndtr, ss.ndtr, np.linspace(-12.0, 12.0, 49)),
    "log_ndtr": (sp.log_ndtr, ss.log_ndtr, np.linspace(-60.0, 10.0, 71)),
    "ndtri": (sp.ndtri, ss.ndtri, np.linspace(0.05, 0.95, 30)),
    "entr": (sp.entr, ss.entr, np.linspace(0.01, 5.0, 30)),
    "gamma": (sp.gamma, ss.gamma, np.concatenate([np.linspace(0.1, 10.0, 30), _NEGATIVE])),
    "factorial": (sp.factorial, ss.factorial, np.arange(0.0, 12.0)),
    "loggamma": (sp.loggamma, ss.loggamma, _POSITIVE),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_float64_values_grads_and_vmap(name, numpy_function):
    xfn, ref, x = UNARY[name]
    numpy_function(xfn, _ref(ref, F64), x, grad=name != "factorial", jit=False, rtol=1e-5)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_float32_values(name, numpy_function):
    xfn, ref, x = UNARY[name]
    x = x.astype(F32)
    numpy_function(xfn, _ref(ref, F32), x, grad=False, vmap=False, jit=False)


A = np.array([0.3, 0.5, 1.0, 2.5, 7.0, 15.0])[:, None]
X = np.array([0.05, 0.5, 1.0, 3.0, 8.0, 20.0])[None, :]


@pytest.mark.parametrize("xfn,ref", [(sp.gammainc, ss.gammainc), (sp.gammaincc, ss.gammaincc)],
                         ids=["gammainc", "gammaincc"])
def test_incomplete_gamma_values_grads_in_a_and_x(xfn, ref, numpy_function):
    a, x = np.broadcast_arrays(A, X)
    numpy_function(xfn, _ref(ref, F64), a.copy(), x.copy(), jit=False, rtol=1e-5)
    numpy_function(xfn, _ref(ref, F32), a.astype(F32), x.astype(F32), grad=False, vmap=False, jit=False)


def test_binary_functions_against_scipy(numpy_function):
    a = np.array([0.5, 1.0, 2.5, 4.0, 9.0])
    b = np.array([0.7, 2.0, 3.0, 1.5, 6.0])
    numpy_function(sp.betaln, _ref(ss.betaln, F64), a, b, jit=False, rtol=1e-5)
    numpy_function(sp.beta, _ref(ss.beta, F64), a, b, jit=False, rtol=1e-5)
    numpy_function(lambda x: sp.polygamma(2, x), _ref(lambda x: ss.polygamma(2, x), F64),
                   np.array([0.3, 1.0, 2.5, 7.0, -1.5]), jit=False, rtol=1e-5)
    numpy_function(lambda q: sp.zeta(3.0, q), _ref(lambda q: ss.zeta(3.0, q), F64),
                   np.array([0.3, 1.0, 2.5, 7.0, 40.0]), jit=False, rtol=1e-5)
    numpy_function(sp.xlogy, _ref(ss.xlogy, F64), np.array([0.0, 0.5, 2.0, 3.0, 0.0]),
                   np.array([0.5, 1.5, 2.0, 0.1, 3.0]), jit=False, rtol=1e-5)
    numpy_function(sp.xlog1py, _ref(ss.xlog1py, F64), np.array([0.0, 0.5, 2.0, 3.0, 0.0]),
                   np.array([0.5, 1.5, 2.0, 0.1, 3.0]), jit=False, rtol=1e-5)
    numpy_function(sp.rel_entr, _ref(ss.rel_entr, F64), b, a, jit=False, rtol=1e-5)
    numpy_function(sp.kl_div, _ref(ss.kl_div, F64), b, a, jit=False, rtol=1e-5)
    numpy_function(sp.poch, _ref(ss.poch, F64), a, b - 0.3, jit=False, rtol=1e-5)
    numpy_function(lambda a: sp.multigammaln(a, 3), _ref(lambda a: ss.multigammaln(a, 3), F64),
                   np.array([1.5, 2.0, 4.5, 10.0]), jit=False, rtol=1e-5)


def test_betainc_values_and_grad_in_x(numpy_function):
    a, b, x = np.meshgrid([0.5, 1.0, 3.0, 12.0], [0.4, 2.0, 7.5], [0.01, 0.3, 0.5, 0.9, 0.999],
                          indexing="ij")
    numpy_function(sp.betainc, _ref(ss.betainc, F64), a, b, x, grad=False, vmap=False, jit=False)
    numpy_function(sp.betainc, _ref(ss.betainc, F32), a.astype(F32), b.astype(F32),
                   x.astype(F32), grad=False, vmap=False, jit=False)
    numpy_function(lambda x: sp.betainc(2.0, 3.5, x), _ref(lambda x: ss.betainc(2.0, 3.5, x), F64),
                   np.linspace(0.02, 0.98, 9), jit=False, rtol=1e-5)


def test_special_values_at_the_edges_match_scipy():
    inf, nan = np.inf, np.nan
    edges = np.array([0.0, -0.0, inf, -inf, nan, 1.0, 2.0, -1.0, -2.0, 1e-310, -1e-310, 1e300,
                      -1e300, 5e-324, 171.5, 1e10, -3.5, 4503599627370497.0])
    for xfn, ref in [(sp.erf, ss.erf), (sp.erfc, ss.erfc), (sp.i0e, ss.i0e),
                     (sp.i1e, ss.i1e), (sp.expit, ss.expit)]:
        np.testing.assert_allclose(xfn(edges), ref(edges), rtol=1e-14, atol=1e-320)
    # lgamma: +inf at the poles and at -inf (as C99 and JAX; SciPy gives -inf there).
    normal = edges[(edges != -inf) & ~((np.abs(edges) < 1e-300) & (edges != 0))]
    np.testing.assert_allclose(sp.gammaln(normal), ss.gammaln(normal), rtol=1e-14)
    assert sp.gammaln(-inf) == inf
    # Denormals: -log|x| (SciPy gives inf).
    np.testing.assert_allclose(sp.gammaln(np.array([1e-310, 5e-324, -1e-310])),
                               -np.log([1e-310, 5e-324, 1e-310]), rtol=1e-15)
    finite = edges[np.abs(edges) < 1e300]
    np.testing.assert_allclose(sp.digamma(finite), ss.digamma(finite), rtol=1e-13)
    assert np.isnan(sp.digamma(-inf)) and sp.digamma(inf) == inf
    np.testing.assert_array_equal(sp.erfinv(np.array([1.0, -1.0, 1.5, -2.0, 0.0, nan])),
                                  ss.erfinv(np.array([1.0, -1.0, 1.5, -2.0, 0.0, nan])))
    pairs = (np.array([0.0, 1.0, 1.0, -1.0, 2.0, 1.0, inf, nan, inf, 1e-300]),
             np.array([1.0, 0.0, inf, 1.0, -1.0, nan, 1.0, 1.0, inf, 1e-300]))
    for xfn, ref in [(sp.gammainc, ss.gammainc), (sp.gammaincc, ss.gammaincc)]:
        np.testing.assert_allclose(xfn(*pairs), ref(*pairs), rtol=1e-12, atol=1e-15)
    s, q = np.array([1.0, 0.5, 3.0, 2.5, 3.0, nan]), np.array([1.0, 1.0, -1.5, -1.5, -2.0, 1.0])
    np.testing.assert_allclose(sp.zeta(s, q), ss.zeta(s, q), rtol=1e-14)
    trip = (np.array([1.0, 1.0, 2.0, -1.0, 0.0, 2.0, 0.0, inf, 0.5]),
            np.array([1.0, 1.0, 3.0, 1.0, 2.0, 0.0, 2.0, 1.0, inf]),
            np.array([0.0, 1.0, 1.5, 0.5, 0.5, 0.5, 0.0, 0.3, 0.3]))
    np.testing.assert_array_equal(sp.betainc(*trip), ss.betainc(*trip))
    assert sp.xlogy(0.0, 0.0) == 0.0 and sp.xlog1py(0.0, -1.0) == 0.0
    np.testing.assert_array_equal(sp.gammasgn(edges), ss.gammasgn(edges))
    np.testing.assert_array_equal(sp.gamma(edges[:9]), ss.gamma(edges[:9]))
    np.testing.assert_array_equal(sp.loggamma(edges[:9]), ss.loggamma(edges[:9]))
    tails = np.array([0.0, 1e-300, 1e-30, 1e-12, 1 - 1e-9, 1.0, -0.5, 1.5, nan])
    np.testing.assert_allclose(sp.ndtri(tails), ss.ndtri(tails), rtol=1e-14)


def test_dense_grids_against_scipy_float64():
    rng = np.random.default_rng(0)
    a = np.exp(rng.uniform(-3, 4, 3000))
    x = np.exp(rng.uniform(-5, 4.5, 3000))
    np.testing.assert_allclose(lax.igamma(a, x), ss.gammainc(a, x), rtol=1e-11, atol=1e-300)
    np.testing.assert_allclose(lax.igammac(a, x), ss.gammaincc(a, x), rtol=1e-11, atol=1e-300)
    b = np.exp(rng.uniform(-3, 4, 3000))
    u = rng.uniform(0, 1, 3000)
    np.testing.assert_allclose(lax.betainc(a, b, u), ss.betainc(a, b, u), rtol=1e-10,
                               atol=1e-300)
    np.testing.assert_allclose(lax.zeta(a + 1.0, x), ss.zeta(a + 1.0, x), rtol=1e-13)
    n = np.floor(rng.uniform(0, 6, 3000))
    y = rng.uniform(-9, 20, 3000)
    np.testing.assert_allclose(lax.polygamma(n, y), ss.polygamma(n, y), rtol=1e-10)
    z = rng.uniform(-1, 1, 3000)
    np.testing.assert_allclose(lax.erf_inv(z), ss.erfinv(z), rtol=1e-15)
    w = rng.uniform(-700, 700, 3000)
    np.testing.assert_allclose(lax.bessel_i0e(w), ss.i0e(w), rtol=1e-14)
    np.testing.assert_allclose(lax.bessel_i1e(w), ss.i1e(w), rtol=1e-14)


def test_derivatives_follow_the_closed_forms():
    x = np.linspace(0.2, 6.0, 9)
    np.testing.assert_allclose(nb.vmap(nb.grad(sp.gammaln))(x), ss.digamma(x), rtol=1e-14)
    np.testing.assert_allclose(nb.vmap(nb.grad(sp.digamma))(x), ss.polygamma(1, x), rtol=1e-12)
    np.testing.assert_allclose(nb.vmap(nb.grad(lambda x: sp.polygamma(2, x)))(x),
                               ss.polygamma(3, x), rtol=1e-12)
    np.testing.assert_allclose(nb.vmap(nb.grad(sp.erf))(x - 3), 2 / np.sqrt(np.pi)
                               * np.exp(-(x - 3) ** 2), rtol=1e-14)
    p = np.linspace(-0.95, 0.95, 9)
    np.testing.assert_allclose(nb.vmap(nb.grad(sp.erfinv))(p),
                               np.sqrt(np.pi) / 2 * np.exp(ss.erfinv(p) ** 2), rtol=1e-13)
    a = 2.5
    np.testing.assert_allclose(nb.vmap(nb.grad(lambda x: sp.gammainc(a, x)))(x),
                               scipy.stats.gamma.pdf(x, a), rtol=1e-12)
    h = 1e-5
    fd = (ss.gammainc(a + h, x) - ss.gammainc(a - h, x)) / (2 * h)
    np.testing.assert_allclose(nb.vmap(nb.grad(lambda a, x: sp.gammainc(a, x)), (None, 0))(a, x),
                               fd, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(nb.vmap(nb.grad(lambda q: sp.zeta(3.0, q)))(x),
                               -3.0 * ss.zeta(4.0, x), rtol=1e-13)
    u = np.linspace(0.05, 0.95, 9)
    np.testing.assert_allclose(nb.vmap(nb.grad(lambda u: sp.betainc(2.0, 3.5, u)))(u),
                               scipy.stats.beta.pdf(u, 2.0, 3.5), rtol=1e-12)
    w = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_allclose(nb.vmap(nb.grad(sp.i0e))(w),
                               ss.i1e(w) - np.sign(w) * ss.i0e(w), rtol=1e-14)
    with np.errstate(divide="ignore", invalid="ignore"):
        i1e_slope = np.where(w == 0, 0.5, ss.i0e(w) - ss.i1e(w) * (np.sign(w) + 1 / w))
    np.testing.assert_allclose(nb.vmap(nb.grad(sp.i1e))(w), i1e_slope, rtol=1e-14)


def test_derivative_conventions_at_the_edges():
    # xlogy: d/dx at x = 0 is log(y) (JAX's convention), d/dy is x / y.
    np.testing.assert_allclose(nb.grad(sp.xlogy)(0.0, 2.0), np.log(2.0))
    np.testing.assert_allclose(nb.grad(sp.xlog1py, argnums=1)(3.0, 0.5), 3.0 / 1.5)
    # log_ndtr stays finite and smooth far into the left tail: slope -> -x.
    np.testing.assert_allclose(nb.grad(sp.log_ndtr)(-50.0), 50.0199, rtol=1e-5)
    assert nb.grad(sp.i1e)(0.0) == 0.5
    np.testing.assert_allclose(nb.grad(sp.ndtri)(0.3), 1 / scipy.stats.norm.pdf(ss.ndtri(0.3)))


def test_no_derivative_where_jax_has_none():
    with pytest.raises(NotImplementedError, match="polygamma with respect to its order"):
        nb.grad(lax.polygamma)(1.0, 2.0)
    with pytest.raises(NotImplementedError, match="zeta with respect to s"):
        nb.grad(lax.zeta)(3.0, 2.0)
    with pytest.raises(NotImplementedError, match="betainc with respect to a"):
        nb.grad(lax.betainc)(2.0, 3.0, 0.5)
    with pytest.raises(NotImplementedError, match="betainc with respect to b"):
        nb.grad(lax.betainc, argnums=1)(2.0, 3.0, 0.5)
    with pytest.raises(NotImplementedError, match="second derivative of igamma in a"):
        nb.grad(nb.grad(lax.igamma))(2.0, 3.0)


def test_bad_input_is_refused_clearly():
    with pytest.raises(TypeError, match="erf does not accept operands of dtype i64"):
        lax.erf(np.arange(3))
    with pytest.raises(TypeError, match="igamma requires operands of one dtype"):
        lax.igamma(np.float32(1.0), np.float64(2.0))
    with pytest.raises(TypeError, match="expected real arguments, got complex128"):
        sp.gammaln(np.array([1j]))
    with pytest.raises(ValueError, match="d must be at least 1"):
        sp.multigammaln(2.0, 0)
    with pytest.raises(TypeError, match="d must be a static int"):
        sp.multigammaln(2.0, 1.5)
    with pytest.raises(NotImplementedError, match="exact=True"):
        sp.factorial(3, exact=True)
    assert sp.erf(np.arange(3)).dtype == np.float64  # integers promote, as in NumPy


def test_reexports():
    from numbax import nn
    from numbax import numpy as xnp
    assert sp.logsumexp is nn.logsumexp and sp.softmax is nn.softmax
    assert sp.log_softmax is nn.log_softmax and sp.sinc is xnp.sinc


def test_jitted_erf_chain_is_one_fused_kernel():
    x = np.linspace(-3, 3, 101)
    f = nb.jit(lambda x: lax.erf(x) * 2 + 1)
    (source,) = f.lower(x).kernel_sources
    assert "vm.erf64(" in source
    np.testing.assert_allclose(f(x), ss.erf(x) * 2 + 1, rtol=1e-14)
    g = nb.jit(lambda a, x: lax.igamma(a, x) * lax.lgamma(x) + 1.0)
    (source,) = g.lower(x + 4, x + 4).kernel_sources
    assert "vm.special.igamma(" in source and "vm.lgamma64(" in source
    np.testing.assert_allclose(g(x + 4, x + 4), ss.gammainc(x + 4, x + 4) * ss.gammaln(x + 4)
                               + 1.0, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# vecmath: the vectorised erf, erfc, lgamma and digamma (fast-math kernels)

getcontext().prec = 40
_EULER = Decimal("0.5772156649015328606065120900824024310422")
_ZETA = [Decimal(0), Decimal(0)] + [Decimal(float(ss.zeta(k))) for k in range(2, 90)]
_ROOT = Decimal("1.46163214496836234126265954232572132846819620400644")
_PSI_TAYLOR = [Decimal(float((-1) ** (n + 1) * ss.zeta(n + 1, float(_ROOT))))
               for n in range(1, 80)]


def _lgamma_reference(v: float) -> float:
    """lgamma to ~30 digits on [0.5, 12], where libm's and SciPy's lose digits near the zeros
    at 1 and 2: shift into [0.5, 2.5], then lgamma(1+z) = -gamma z + sum zeta(k) (-z)^k / k."""
    x, shift = Decimal(v), Decimal(0)
    while x > Decimal("2.5"):
        x -= 1
        shift += x.ln()
    extra = Decimal(0)
    if x > Decimal("1.5"):
        z = x - 2
        extra = (1 + z).ln()  # lgamma(2 + z) = log(1 + z) + lgamma(1 + z)
    else:
        z = x - 1
    s = -_EULER * z + sum(_ZETA[k] * (-z) ** k / k for k in range(2, 90))
    return float(s + extra + shift)


def _digamma_reference(v: float) -> float:
    """digamma to ~30 digits: the Taylor series at its zero on [1, 2], else the recurrence
    down from x + 40 (where SciPy's value is accurate to an ulp of a value near log(x + 40))."""
    if 1.0 <= v <= 2.0:
        t = Decimal(v) - _ROOT
        return float(sum(c * t ** (n + 1) for n, c in enumerate(_PSI_TAYLOR)))
    return float(Decimal(float(ss.digamma(v + 40))) - sum(1 / (Decimal(v) + k) for k in range(40)))


# Documented bounds (docs/vecmath.md): max ulp for (float32, float64).
VECMATH_ULP = {"erf": (1, 2), "erfc": (1, 4), "lgamma": (1, 4), "digamma": (1, 24)}
NAMES = sorted(VECMATH_ULP)


def _all_four(*xs):
    return tuple(getattr(lax, name)(x) for name, x in zip(NAMES, xs))


def _vecmath_sample(name, rng):
    n = 20000
    uniform = {"erf": (-7, 7), "erfc": (-7, 28), "lgamma": (0, 30), "digamma": (0, 30)}[name]
    sign = rng.choice([-1, 1], n) if name in ("erf", "erfc") else 1
    return np.concatenate([
        rng.uniform(*uniform, n), np.exp(rng.uniform(np.log(1e-300), np.log(1e300), n)) * sign,
        rng.uniform(0.5, 12, 300),
        [0.0, 1e-310, 5e-324, 1.0, 2.0, 0.84375, 1.25, 2.857142857142857, 6.0, 26.5, 27.5, 28.0,
         8.0, 0.9, 0.23164, 1.7316, 1.23164, 1.4616321449683622, 1e300, np.inf, np.nan]])


def _vecmath_reference(name, x):
    """The reference values, and where they are trusted."""
    trusted = np.ones(x.shape, bool)
    if name in ("erf", "erfc"):
        return np.array([getattr(math, name)(v) for v in x]), trusted
    if name == "digamma":
        want = ss.digamma(x)
        near = (x >= 1) & (x <= 2)
        want[near] = [_digamma_reference(v) for v in x[near]]
        return want, trusted
    want = ss.gammaln(x)
    tiny = (x > 0) & (x < 1e-300)
    want[tiny] = -np.log(x[tiny])  # SciPy gives inf for denormals
    small = (x >= 0.5) & (x <= 12)
    first = small & (np.cumsum(small) <= 300)  # SciPy loses digits near 1 and 2
    want[first] = [_lgamma_reference(v) for v in x[first]]
    return want, ~small | first


@pytest.mark.parametrize("dtype", [F32, F64])
def test_vecmath_special_within_documented_ulps(dtype):
    rng = np.random.default_rng(1)
    samples = [_vecmath_sample(name, rng) for name in NAMES]
    n = max(len(x) for x in samples)
    with np.errstate(over="ignore"):  # 1e300 is inf in float32
        samples = [np.resize(x, n).astype(dtype) for x in samples]
    f = nb.jit(_all_four)
    (source,) = f.lower(*samples).kernel_sources
    for name, got, x in zip(NAMES, f(*samples), samples):
        assert f"vm.{name}{'64' if dtype == F64 else '32'}(" in source
        assert got.dtype == dtype
        want, trusted = _vecmath_reference(name, x.astype(F64))
        with np.errstate(over="ignore"):
            worst = ulp_error(got[trusted], want[trusted].astype(dtype)).max()
        assert worst <= VECMATH_ULP[name][dtype == F64], (name, worst)


def test_jit_agrees_with_eager_for_the_iterated_primitives():
    rng = np.random.default_rng(3)
    a, x = np.exp(rng.uniform(-2, 3, 200)), np.exp(rng.uniform(-3, 3, 200))
    u, z, w = rng.uniform(0, 1, 200), rng.uniform(-1, 1, 200), rng.uniform(-50, 50, 200)
    n = np.floor(rng.uniform(0, 4, 200))

    def f(a, x, u, z, n, w):
        return (lax.erf_inv(z), lax.igamma(a, x), lax.igammac(a, x), lax.igamma_grad_a(a, x),
                lax.polygamma(n, x), lax.zeta(a + 1, x), lax.bessel_i0e(w), lax.bessel_i1e(w),
                lax.betainc(a, x, u))

    for got, want in zip(nb.jit(f)(a, x, u, z, n, w), f(a, x, u, z, n, w)):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("name", ["lgamma", "digamma"])
def test_vecmath_negative_arguments_within_documented_error(name):
    # Near their zeros on the negative axis the relative error is unbounded (the reflection
    # formula is well conditioned only absolutely): the bound is on |error| / max(1, |f|).
    x = -np.random.default_rng(2).uniform(0, 30, 2000)
    got = nb.jit(getattr(lax, name))(x)
    if name == "lgamma":
        want = np.array([math.lgamma(v) for v in x])
    else:
        want = np.array([float(Decimal(float(ss.digamma(v + 40)))
                               - sum(1 / (Decimal(v) + k) for k in range(40))) for v in x])
    assert np.max(np.abs(got - want) / np.maximum(1, np.abs(want))) <= 4e-15
    assert np.isinf(nb.jit(lax.lgamma)(np.array([-3.0, 0.0, -1e17]))).all()
    assert np.isnan(nb.jit(lax.digamma)(np.array([-3.0, -1e17]))).all()


def _host_has_simd() -> bool:
    import llvmlite.binding as llvm
    features = llvm.get_host_cpu_features()
    return any(features.get(f, False) for f in ("sse2", "avx", "avx2", "avx512f", "neon", "sve"))


@pytest.mark.skipif(not _host_has_simd(), reason="the host CPU has no SIMD unit LLVM targets")
def test_fused_special_loop_is_vectorised():
    # float64 only: the float32 versions round the float64 ones.
    dtype, element = F64, "double"
    x = np.linspace(0.1, 5.0, 512).astype(dtype)

    def f(x):
        return lax.erf(x) * 2 + lax.erfc(x) + lax.lgamma(x) + lax.digamma(x)

    (source,) = nb.jit(f).lower(x).kernel_sources
    kernel = compile_in_memory(source)
    out = np.empty_like(x)
    kernel(x, out, x.size)
    np.testing.assert_allclose(out, f(x), rtol=1e-5 if dtype == F32 else 1e-13)
    llvm = "\n".join(kernel.inspect_llvm(sig) for sig in kernel.signatures)
    assert {int(w) for w in re.findall(rf"<(\d+) x {element}>", llvm)} - {1}
    assert "vector.body" in llvm
