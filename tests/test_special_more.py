"""The rest of jax.scipy.special (erfcx, dawsn, exp1, expn, expi, spence, sici, fresnel,
hyp1f1, hyp2f1, owens_t, wofz, comb, boxcox, boxcox1p, bernoulli, bessel_jn) against
scipy.special on grids and at the edges, in float32 and float64; derivatives against finite
differences and the closed forms; vmap against a loop; jit (fused kernels)."""
from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
import scipy.special as ss

import numbax as nb
import numbax.scipy.special as sp

F32, F64 = np.float32, np.float64


def _ref(fn, dtype):
    """SciPy's function in float64, rounded to dtype (each output of a tuple)."""
    def ref(*args):
        out = fn(*(np.asarray(a, F64) for a in args))
        if isinstance(out, tuple):
            return tuple(np.asarray(o).astype(dtype) for o in out)
        return np.asarray(out).astype(dtype)
    return ref


_POSITIVE = np.concatenate([np.linspace(0.05, 12.0, 30), [0.5, 1.0, 2.0, 30.0]])
UNARY = {
    "erfcx": (sp.erfcx, ss.erfcx, np.linspace(-5.0, 40.0, 46)),
    "dawsn": (sp.dawsn, ss.dawsn, np.linspace(-12.0, 12.0, 49)),
    "exp1": (sp.exp1, ss.exp1, _POSITIVE),
    # (No x near 0.3725, Ei's zero, where a relative comparison means nothing.)
    "expi": (sp.expi, ss.expi, np.concatenate([-_POSITIVE, _POSITIVE[_POSITIVE > 0.6],
                                               [50.0, 100.0]])),
    "spence": (sp.spence, ss.spence, np.concatenate([_POSITIVE, [0.99, 1.01, 1.5, 3.0]])),
    "sici": (sp.sici, ss.sici, np.linspace(-15.0, 15.0, 40)),
    "fresnel": (sp.fresnel, ss.fresnel, np.linspace(-4.0, 4.0, 41)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_float64_values_grads_vmap_and_jit(name, numpy_function):
    xfn, ref, x = UNARY[name]
    numpy_function(xfn, _ref(ref, F64), x, jit=name in ("erfcx", "sici"), rtol=1e-5)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_float32_values(name, numpy_function):
    xfn, ref, x = UNARY[name]
    with np.errstate(over="ignore"):  # expi(100) is beyond float32
        numpy_function(xfn, _ref(ref, F32), x.astype(F32), grad=False, vmap=False, jit=False)


def _close(got, want, rtol, atol=1e-300):
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


def test_dense_grids_against_scipy_float64():
    rng = np.random.default_rng(0)
    wide = np.concatenate([rng.uniform(-30, 30, 3000), np.exp(rng.uniform(-30, 6, 2000))])
    positive = np.exp(rng.uniform(-30, 6.5, 3000))
    with np.errstate(over="ignore"):
        _close(sp.erfcx(wide), ss.erfcx(wide), 1e-13)
        _close(sp.dawsn(wide), ss.dawsn(wide), 1e-13)
    _close(sp.exp1(positive), ss.exp1(positive), 1e-13)
    for n in (0, 1, 2, 3, 7, 20):
        _close(sp.expn(n, positive), ss.expn(n, positive), 1e-13)
    away = wide[np.abs(wide - 0.3725) > 0.05]  # Ei's zero
    _close(sp.expi(away), ss.expi(away), 1e-13)
    _close(sp.spence(positive), ss.spence(positive), 1e-14)
    # Near their zeros Si, Ci, S and C are accurate absolutely, not relatively.
    for got, want in zip(sp.sici(wide) + sp.fresnel(wide), ss.sici(wide) + ss.fresnel(wide)):
        _close(got, want, 1e-12, atol=1e-15)
    a, x = rng.uniform(0, 10, 3000), rng.uniform(-30, 30, 3000)
    b = a + rng.uniform(0.01, 10, 3000)
    _close(sp.hyp1f1(a, b, x), ss.hyp1f1(a, b, x), 1e-12)


def test_values_at_the_edges_match_scipy():
    inf, nan = np.inf, np.nan
    edges = np.array([0.0, -0.0, inf, -inf, nan, 1.0, -1.0, 1e-300, -1e-300, 1e300, -1e300,
                      5e-324, 26.0, -26.0, -27.0, 28.0, 700.0, 720.0])
    with np.errstate(all="ignore"):
        for xfn, ref in [(sp.erfcx, ss.erfcx), (sp.dawsn, ss.dawsn), (sp.exp1, ss.exp1),
                         (sp.expi, ss.expi), (sp.spence, ss.spence)]:
            finite = edges if xfn is not sp.spence else edges[edges != inf]
            _close(xfn(finite), ref(finite), 1e-13)
        assert np.isnan(sp.spence(inf))  # SciPy's value is nan there too
        for got, want in zip(sp.sici(edges[edges != -inf]), ss.sici(edges[edges != -inf])):
            _close(got, want, 1e-13)
        moderate = edges[np.abs(edges) != 1e300]
        for got, want in zip(sp.fresnel(moderate), ss.fresnel(moderate)):
            _close(got, want, 1e-13)
        # At +-1e300 SciPy gives nan (pi x^2 / 2 overflows); the limits are +-1/2.
        np.testing.assert_array_equal(sp.fresnel(np.array([1e300, -1e300])), [[0.5, -0.5]] * 2)
        n = np.array([0.0, 0.0, 1.0, 2.0, 3.0, 1.5, -1.0, 2.0, nan])
        x = np.array([0.0, 1.0, 0.0, 0.0, inf, 1.0, 1.0, -1.0, 1.0])
        want = np.array([inf, np.exp(-1.0), inf, 1.0, 0.0, nan, nan, nan, nan])
        _close(sp.expn(n, x), want, 1e-15)  # (SciPy truncates a non-integral n, with a warning)
        _close(sp.hyp1f1(np.array([0.0, 1.0, 1.0, 2.0]), np.array([1.0, -2.0, 3.0, 2.0]),
                         np.array([5.0, 1.0, 0.0, nan])), np.array([1.0, nan, 1.0, nan]), 0)


def test_derivatives_follow_the_closed_forms():
    x = np.linspace(0.2, 6.0, 9)
    g = lambda f: nb.vmap(nb.grad(f))  # noqa: E731
    _close(g(sp.erfcx)(x - 3), 2 * (x - 3) * ss.erfcx(x - 3) - 2 / np.sqrt(np.pi), 1e-12)
    _close(g(sp.dawsn)(x - 3), 1 - 2 * (x - 3) * ss.dawsn(x - 3), 1e-11)
    _close(g(sp.exp1)(x), -np.exp(-x) / x, 1e-13)
    _close(g(sp.expi)(x - 3), np.exp(x - 3) / (x - 3), 1e-13)
    for n in (0, 1, 4):
        want = -ss.expn(n - 1, x) if n else -np.exp(-x) * (x + 1) / x ** 2
        _close(nb.vmap(nb.grad(lambda x, n=n: sp.expn(n, x)))(x), want, 1e-13)
    _close(g(sp.spence)(x), np.log(x) / (1 - x), 1e-13)
    assert nb.grad(sp.spence)(1.0) == -1.0
    _close(g(lambda x: sp.sici(x)[0])(x), np.sin(x) / x, 1e-13)
    _close(g(lambda x: sp.sici(x)[1])(x), np.cos(x) / x, 1e-13)
    assert nb.grad(lambda x: sp.sici(x)[0])(0.0) == 1.0
    _close(g(lambda x: sp.fresnel(x)[0])(x), np.sin(np.pi * x ** 2 / 2), 1e-13)
    _close(g(lambda x: sp.fresnel(x)[1])(x), np.cos(np.pi * x ** 2 / 2), 1e-13)
    _close(g(lambda x: sp.hyp1f1(1.5, 2.5, x))(x - 3), 1.5 / 2.5 * ss.hyp1f1(2.5, 3.5, x - 3),
           1e-12)
    # Second order through the JVPs' own primitives.
    _close(nb.grad(nb.grad(sp.erfcx))(0.7),
           2 * ss.erfcx(0.7) + 2 * 0.7 * (2 * 0.7 * ss.erfcx(0.7) - 2 / np.sqrt(np.pi)), 1e-12)


def test_no_derivative_in_the_parameters_as_in_jax():
    with pytest.raises(NotImplementedError, match="expn with respect to n"):
        nb.grad(sp.expn)(2.0, 1.0)
    with pytest.raises(NotImplementedError, match="hyp1f1 with respect to a"):
        nb.grad(sp.hyp1f1)(1.0, 2.0, 0.5)
    with pytest.raises(NotImplementedError, match="hyp1f1 with respect to b"):
        nb.grad(sp.hyp1f1, argnums=1)(1.0, 2.0, 0.5)


def test_hyp1f1_values_grads_and_vmap(numpy_function):
    a, b, x = np.meshgrid([0.0, 0.5, 2.0, 6.0], [0.7, 3.0, 9.0], [-15.0, -2.0, 0.0, 1.5, 12.0],
                          indexing="ij")
    numpy_function(sp.hyp1f1, _ref(ss.hyp1f1, F64), a, b, x, grad=False, jit=False)
    numpy_function(sp.hyp1f1, _ref(ss.hyp1f1, F32), a.astype(F32), b.astype(F32),
                   x.astype(F32), grad=False, vmap=False, jit=False)
    numpy_function(lambda x: sp.hyp1f1(2.0, 3.0, x), _ref(lambda x: ss.hyp1f1(2.0, 3.0, x), F64),
                   np.linspace(-8.0, 8.0, 9), jit=False, rtol=1e-5)


def _hyp2f1_reference(a, b, c, x):
    """2F1 to ~40 digits: the series (after Pfaff's transformation for x < 0) in Decimal."""
    with localcontext() as ctx:
        ctx.prec = 50
        a, b, c, x = map(Decimal, (a, b, c, x))
        front = Decimal(1)
        if x < 0:
            front, b, x = (1 - x) ** -a, c - b, x / (x - 1)
        term = total = Decimal(1)
        for k in range(100000):
            term *= (a + k) * (b + k) * x / ((c + k) * (k + 1))
            total += term
            if abs(term) < Decimal(10) ** -40 * abs(total):
                break
        return float(front * total)


def test_hyp2f1_against_an_exact_series_and_scipy(numpy_function):
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0, 5, (2, 40))
    c = rng.uniform(0.2, 8, 40)
    x = rng.uniform(-9, 0.9, 40)
    b = np.where(x < 0, np.minimum(b, c), b)  # (the accurate region: c - b >= 0 for x < 0)
    want = np.array([_hyp2f1_reference(*p) for p in zip(a, b, c, x)])
    _close(sp.hyp2f1(a, b, c, x), want, 1e-14)
    _close(sp.hyp2f1(a, b, c, x), ss.hyp2f1(a, b, c, x), 1e-9)  # SciPy's error is ~1e-11
    # x = 1 (Gauss's theorem, or inf), x > 1, poles of c, a polynomial, a = 0.
    edges = [(1.0, 2.0, 4.0, 1.0), (1.0, 2.0, 3.0, 1.0), (1.0, 2.0, 3.0, 1.5),
             (-2.0, 2.0, 3.0, 0.5), (0.0, 2.0, 3.0, 0.7), (1.0, 2.0, 3.0, np.nan),
             (0.5, 1.5, 3.5, 1.0)]
    got = sp.hyp2f1(*np.array(edges).T)
    _close(got, [ss.hyp2f1(*e) if e[3] <= 1 else np.nan for e in edges], 1e-14)
    assert np.isnan(sp.hyp2f1(1.0, 2.0, -3.0, 0.5))
    numpy_function(lambda x: sp.hyp2f1(1.5, 2.0, 3.5, x),
                   _ref(lambda x: ss.hyp2f1(1.5, 2.0, 3.5, x), F64), np.linspace(-5, 0.8, 9),
                   jit=False, rtol=1e-5)
    numpy_function(sp.hyp2f1, _ref(ss.hyp2f1, F32), a.astype(F32), b.astype(F32),
                   c.astype(F32), x.astype(F32), grad=False, vmap=False, jit=False)
    u = np.linspace(-3, 0.8, 7)
    _close(nb.vmap(nb.grad(lambda x: sp.hyp2f1(1.5, 2.0, 3.5, x)))(u),
           1.5 * 2.0 / 3.5 * ss.hyp2f1(2.5, 3.0, 4.5, u), 1e-9)
    with pytest.raises(NotImplementedError, match="hyp2f1 with respect to c"):
        nb.grad(sp.hyp2f1, argnums=2)(1.0, 2.0, 3.0, 0.5)


def test_owens_t_against_scipy_grads_vmap(numpy_function):
    h, a = np.meshgrid([-3.0, -0.5, 0.0, 0.7, 2.0, 6.0], [-4.0, -1.0, -0.3, 0.5, 1.0, 2.5, 30.0])
    numpy_function(sp.owens_t, _ref(ss.owens_t, F64), h, a, jit=False, rtol=1e-5)
    numpy_function(sp.owens_t, _ref(ss.owens_t, F32), h.astype(F32), a.astype(F32), grad=False,
                   vmap=False, jit=False)
    rng = np.random.default_rng(2)
    h = np.concatenate([rng.uniform(-12, 12, 2000), rng.uniform(-2, 2, 1000)])
    a = np.concatenate([rng.uniform(-6, 6, 2000), np.exp(rng.uniform(-8, 8, 1000))])
    _close(sp.owens_t(h, a), ss.owens_t(h, a), 1e-12, atol=1e-17)
    inf = np.inf
    edges = (np.array([0.0, 1.0, inf, -inf, np.nan, 40.0, -3.0, 2.0]),
             np.array([inf, inf, 1.0, 2.0, 1.0, 0.5, -inf, 0.0]))
    _close(sp.owens_t(*edges), ss.owens_t(*edges), 1e-14)
    # dT/dh = -phi(h) erf(a h / sqrt 2) / 2, dT/da = exp(-h^2 (1 + a^2) / 2) / (2 pi (1 + a^2))
    h, a = np.array([-2.0, 0.3, 1.0, 3.0]), np.array([0.5, -2.0, 1.0, 4.0])
    dh, da = nb.vmap(nb.grad(sp.owens_t, argnums=(0, 1)))(h, a)
    phi = np.exp(-h ** 2 / 2) / np.sqrt(2 * np.pi)
    _close(dh, -phi * ss.erf(a * h / np.sqrt(2)) / 2, 1e-12)
    _close(da, np.exp(-h ** 2 * (1 + a ** 2) / 2) / (2 * np.pi * (1 + a ** 2)), 1e-12, atol=1e-20)


def test_wofz_against_scipy_grads_vmap_jit(numpy_function):
    rng = np.random.default_rng(3)
    z = rng.uniform(-30, 30, 20000) + 1j * rng.uniform(-5, 30, 20000)
    z = np.concatenate([z, rng.uniform(-10, 10, 2000) + 0j, 1j * rng.uniform(-5, 30, 300),
                        [0j, 7 + 0j, 7j, 5 + 5j, 1e10 + 1j, 1e300j]])
    got, want = sp.wofz(z), ss.wofz(z)
    assert got.dtype == np.complex128
    assert np.max(np.abs(got - want) / np.abs(want)) <= 3e-14
    assert np.isnan(sp.wofz(complex(np.nan, 1.0))) and sp.wofz(complex(np.inf, 0.0)) == 0
    x = np.linspace(-10, 10, 41)
    np.testing.assert_allclose(sp.wofz(x), ss.wofz(x), rtol=3e-14, atol=3e-15)
    assert sp.wofz(np.float32(1.0)).dtype == np.complex64
    small = np.array([0.5 + 0.3j, -2 + 1j, 8 - 0.5j, 3.0 + 0j, -1 - 0.7j])
    numpy_function(sp.wofz, ss.wofz, small, rtol=1e-5)
    numpy_function(sp.wofz, lambda z: ss.wofz(z).astype(np.complex64),
                   small.astype(np.complex64), grad=False, vmap=False, jit=False)
    # w'(z) = 2i / sqrt(pi) - 2 z w(z)
    _, tangent = nb.jvp(sp.wofz, (small,), (np.ones_like(small),))
    np.testing.assert_allclose(tangent, 2j / np.sqrt(np.pi) - 2 * small * ss.wofz(small),
                               rtol=1e-13)
    (source,) = nb.jit(lambda z: sp.wofz(z) * 2).lower(small).kernel_sources
    assert "vm.special.integrals.wofz(" in source


def test_expn_values_grads_and_vmap(numpy_function):
    n = np.array([0, 1, 2, 5, 9])
    x = np.array([0.3, 1.0, 2.5, 0.05, 8.0])
    numpy_function(lambda x: sp.expn(n, x), _ref(lambda x: ss.expn(n, x), F64), x, jit=False,
                   rtol=1e-5)
    n32 = n.astype(F32)  # (an int64 n would promote float32 x to float64, as in NumPy)
    numpy_function(lambda x: sp.expn(n32, x), _ref(lambda x: ss.expn(n, x), F32),
                   x.astype(F32), grad=False, vmap=False, jit=False)
    assert sp.expn(2, 1.0).dtype == F64  # integer n promotes with x


def test_compositions_against_scipy(numpy_function):
    n = np.array([5.0, 10.0, 5.5, 20.0, 3.0, 2.0, 7.0])
    k = np.array([2.0, 3.0, 2.0, 10.0, 5.0, -1.0, 0.0])
    numpy_function(sp.comb, _ref(ss.comb, F64), n, k, grad=False, jit=False)
    numpy_function(lambda n, k: sp.comb(n, k, repetition=True),
                   _ref(lambda n, k: ss.comb(n, k, repetition=True), F64), n, k, grad=False,
                   jit=False)
    # d/dN comb(N, k) = comb(N, k) (psi(N + 1) - psi(N - k + 1))
    N = np.array([5.0, 7.5, 12.0])
    _close(nb.vmap(nb.grad(lambda N: sp.comb(N, 2.0)))(N),
           ss.comb(N, 2.0) * (ss.digamma(N + 1) - ss.digamma(N - 1)), 1e-12)
    x = np.array([0.5, 1.0, 2.5, 7.0, 0.01, 3.0])
    lmbda = np.array([0.0, 0.5, -1.5, 2.0, 0.0, 1e-3])
    numpy_function(sp.boxcox, _ref(ss.boxcox, F64), x, lmbda, jit=False, rtol=1e-5)
    numpy_function(sp.boxcox1p, _ref(ss.boxcox1p, F64), x - 0.4, lmbda, jit=False, rtol=1e-5)
    numpy_function(sp.boxcox, _ref(ss.boxcox, F32), x.astype(F32), lmbda.astype(F32),
                   grad=False, vmap=False, jit=False)
    with np.errstate(all="ignore"):
        edges = (np.array([0.0, -1.0, 1.0, 0.0, 0.0, np.inf, np.inf]),
                 np.array([0.0, 0.5, 0.0, 2.0, -1.0, 0.0, -0.5]))
        _close(sp.boxcox(*edges), ss.boxcox(*edges), 1e-15)
        _close(sp.boxcox1p(edges[0] - 1, edges[1]), ss.boxcox1p(edges[0] - 1, edges[1]), 1e-15)


def _bernoulli_exact(n):
    b = [Fraction(1)]
    for m in range(1, n + 1):
        b.append(-sum(math.comb(m + 1, j) * b[j] for j in range(m)) / (m + 1))
    return b


def test_bernoulli_numbers():
    got = sp.bernoulli(30)
    assert isinstance(got, np.ndarray) and got.shape == (31,) and got.dtype == F64
    np.testing.assert_array_equal(got, [float(b) for b in _bernoulli_exact(30)])
    _close(got, ss.bernoulli(30), 1e-10)  # SciPy's are computed in floating point
    assert sp.bernoulli(0).tolist() == [1.0]
    with pytest.raises(ValueError, match="non-negative"):
        sp.bernoulli(-1)
    with pytest.raises(TypeError, match="static int"):
        sp.bernoulli(2.5)


def test_bessel_jn_against_scipy_grads_vmap_jit(numpy_function):
    z = np.concatenate([np.linspace(-20.0, 20.0, 41), [1e-3, 1e-8, -1e-5]])
    orders = np.arange(6)[:, None]
    jn = lambda z: sp.bessel_jn(z, v=5)  # noqa: E731
    numpy_function(jn, lambda z: ss.jv(orders, z), z, grad=False)
    # J_n' = (J_(n-1) - J_(n+1)) / 2, and J_0' = -J_1.
    x = np.linspace(-9.0, 9.0, 7)
    for n in range(4):
        want = -ss.jv(1, x) if n == 0 else (ss.jv(n - 1, x) - ss.jv(n + 1, x)) / 2
        slope = nb.vmap(nb.grad(lambda z, n=n: sp.bessel_jn(z, v=3)[n]))(x)
        np.testing.assert_allclose(slope, want, atol=1e-12)
    got32 = sp.bessel_jn(z.astype(F32), v=3)
    assert got32.dtype == F32
    np.testing.assert_allclose(got32, ss.jv(np.arange(4)[:, None], z), atol=2e-6)
    with pytest.raises(ValueError, match="v must be at least 0"):
        sp.bessel_jn(1.0, v=-1)
    with pytest.raises(TypeError, match="v must be a static int"):
        sp.bessel_jn(1.0, v=1.5)


def test_jitted_chain_is_one_fused_kernel():
    x = np.linspace(0.1, 5.0, 64)

    def f(x):
        s, c = sp.fresnel(x)
        return sp.erfcx(x) * 2 + sp.dawsn(x) + sp.expi(x) + s * c + sp.spence(x)

    (source,) = nb.jit(f).lower(x).kernel_sources
    assert "vm.special.integrals.erfcx(" in source and "vm.special.integrals.fresnel_c(" in source
    s, c = ss.fresnel(x)
    want = ss.erfcx(x) * 2 + ss.dawsn(x) + ss.expi(x) + s * c + ss.spence(x)
    np.testing.assert_allclose(nb.jit(f)(x), want, rtol=1e-13)
    np.testing.assert_allclose(nb.jit(f)(x.astype(F32)), want.astype(F32), rtol=1e-5)


def test_bad_input_is_refused_clearly():
    with pytest.raises(TypeError, match="expected real arguments, got complex128"):
        sp.erfcx(np.array([1j]))
    with pytest.raises(NotImplementedError, match="exact=True"):
        sp.comb(5, 2, exact=True)
    assert sp.dawsn(np.arange(3)).dtype == F64  # integers promote, as in NumPy


def test_names_match_jax():
    for name in ["erfcx", "exp1", "expi", "expn", "comb", "boxcox", "boxcox1p", "bernoulli",
                 "hyp1f1", "hyp2f1", "dawsn", "spence", "sici", "fresnel", "bessel_jn",
                 "owens_t", "wofz"]:
        assert name in sp.__all__ and callable(getattr(sp, name))
