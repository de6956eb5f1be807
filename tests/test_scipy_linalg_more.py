"""numbax.scipy.linalg's special-matrix constructors, solve, polar, sqrtm and funm against
scipy.linalg: values eagerly and under jit, grads against finite differences, vmap against
a loop."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sl

import numbax as nb
import numbax.scipy.linalg as xsl
from numbax.test_util import check_grads

rng = np.random.default_rng(0)
C, R, F, S = rng.normal(size=4), rng.normal(size=3), rng.normal(size=5), rng.uniform(size=4)


@pytest.mark.parametrize(("name", "args"), [
    ("toeplitz", (C, R)),
    ("toeplitz", (C,)),
    ("toeplitz", (R, C)),
    ("hankel", (C, R)),
    ("hankel", (C,)),
    ("circulant", (C,)),
    ("companion", (F,)),
    ("companion", (F[:2],)),
    ("fiedler", (C,)),
    ("leslie", (F, S)),
], ids=lambda v: v if isinstance(v, str) else "x".join(str(len(a)) for a in v))
def test_constructors_from_arrays_match_scipy(numpy_function, name, args):
    numpy_function(getattr(xsl, name), getattr(sl, name), *args)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 7, 8])
def test_fiedler_companion_matches_scipy_and_has_the_roots(numpy_function, n):
    a = rng.normal(size=n) + np.r_[2.0, np.zeros(n - 1)]
    numpy_function(xsl.fiedler_companion, sl.fiedler_companion, a)
    roots = np.sort_complex(np.linalg.eigvals(xsl.fiedler_companion(a)))
    np.testing.assert_allclose(roots, np.sort_complex(np.roots(a)), atol=1e-8)


def test_fiedler_companion_of_too_few_coefficients_is_empty():
    assert xsl.fiedler_companion(np.array([2.0])).shape == (0, 0)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize(("m", "n"), [(3, 5), (5, 3), (4, 4), (1, 3), (6, 1)])
def test_convolution_matrix_matches_scipy_and_convolves(numpy_function, mode, m, n):
    a, v = rng.normal(size=m), rng.normal(size=n)
    numpy_function(lambda x: xsl.convolution_matrix(x, n, mode),
                   lambda x: sl.convolution_matrix(x, n, mode), a)
    np.testing.assert_allclose(xsl.convolution_matrix(a, n, mode) @ v,
                               np.convolve(a, v, mode), atol=1e-12)


def test_complex_toeplitz_defaults_to_hermitian():
    c = rng.normal(size=3) + 1j * rng.normal(size=3)
    np.testing.assert_allclose(xsl.toeplitz(c), sl.toeplitz(c))


def test_integer_inputs_keep_their_dtype():
    for name in ("toeplitz", "hankel", "circulant", "fiedler"):
        got, want = getattr(xsl, name)([1, 2, 3]), getattr(sl, name)([1, 2, 3])
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype


def test_constructors_batch_over_leading_dimensions():
    c, r = rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 5))
    got = xsl.toeplitz(c, r)
    assert got.shape == (2, 3, 4, 5)
    for i in np.ndindex(2, 3):
        np.testing.assert_array_equal(got[i], sl.toeplitz(c[i], r[i[1]]))
        np.testing.assert_array_equal(xsl.hankel(c, r)[i], sl.hankel(c[i], r[i[1]]))
        np.testing.assert_array_equal(xsl.circulant(c)[i], sl.circulant(c[i]))
        np.testing.assert_allclose(xsl.companion(c + 3)[i], sl.companion(c[i] + 3))
    f, s = rng.normal(size=(3, 4)), rng.normal(size=3)
    for i in range(3):
        np.testing.assert_array_equal(xsl.leslie(f, s)[i], sl.leslie(f[i], s))


@pytest.mark.parametrize("n", [0, 1, 2, 5, 8])
def test_constant_constructors_match_scipy(n):
    for scale in (None, "sqrtn", "n"):
        np.testing.assert_allclose(xsl.dft(n, scale), sl.dft(n, scale), atol=1e-12)
    np.testing.assert_allclose(xsl.hilbert(n), sl.hilbert(n), rtol=1e-15)
    np.testing.assert_allclose(xsl.invhilbert(n), sl.invhilbert(n, exact=True).astype(float))
    for full in (False, True) if n else ():  # scipy's helmert fails at n = 0
        np.testing.assert_allclose(xsl.helmert(n, full), sl.helmert(n, full), atol=1e-15)
    for kind in (None, "symmetric", "lower", "upper"):
        ref = sl.pascal(n, kind or "symmetric", exact=True).astype(float)
        np.testing.assert_array_equal(xsl.pascal(n, kind), ref)
        inv = sl.invpascal(n, kind or "symmetric", exact=True).astype(float)
        np.testing.assert_array_equal(xsl.invpascal(n, kind), inv)
        if n:
            np.testing.assert_allclose(xsl.pascal(n, kind) @ xsl.invpascal(n, kind), np.eye(n),
                                       atol=1e-9)


@pytest.mark.parametrize("n", [1, 2, 4, 16])
def test_hadamard_matches_scipy(n):
    for dtype in (int, float, complex):
        got, want = xsl.hadamard(n, dtype), sl.hadamard(n, dtype)
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="power of 2"):
        xsl.hadamard(6)
    with pytest.raises(ValueError, match="at least 2 coefficients"):
        xsl.companion([1.0])
    with pytest.raises(ValueError, match="s \\(..., n - 1\\)"):
        xsl.leslie([1.0, 2.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="mode must be"):
        xsl.convolution_matrix([1.0], 2, "wrap")
    with pytest.raises(ValueError, match="positive int"):
        xsl.convolution_matrix([1.0], 0)
    with pytest.raises(ValueError, match="kind must be"):
        xsl.pascal(3, "diag")
    with pytest.raises(ValueError, match="scale must be"):
        xsl.dft(3, "ortho")
    with pytest.raises(TypeError, match="static"):
        nb.jit(lambda n: xsl.hilbert(n))(3)


A = rng.normal(size=(4, 4)) + 4 * np.eye(4)
SPD = A @ A.T
B = rng.normal(size=(4, 2))


@pytest.mark.parametrize("assume_a", ["gen", "sym", "her", "pos", "diagonal",
                                      "upper triangular", "lower triangular"])
@pytest.mark.parametrize("b", [B, B[:, 0]], ids=["matrix", "vector"])
def test_solve_matches_scipy(assume_a, b):
    a = {"pos": SPD, "sym": SPD, "her": SPD, "diagonal": np.diag(np.diag(A)),
         "upper triangular": np.triu(A), "lower triangular": np.tril(A)}.get(assume_a, A)
    want = sl.solve(a, b, assume_a=assume_a)
    for fn in (xsl.solve, nb.jit(lambda a, b: xsl.solve(a, b, assume_a=assume_a))):
        np.testing.assert_allclose(fn(a, b, assume_a=assume_a) if fn is xsl.solve else fn(a, b),
                                   want, rtol=1e-10)


@pytest.mark.parametrize("lower", [False, True])
def test_solve_pos_factors_the_hermitian_part_as_jax(lower):
    # JAX's cholesky factors (a + aᴴ)/2 where SciPy reads one triangle; they agree on
    # Hermitian a, and numbax follows JAX elsewhere.
    a = SPD + 0.1 * (A - A.T)
    np.testing.assert_allclose(xsl.solve(a, B, lower=lower, assume_a="pos"),
                               sl.solve(SPD, B, assume_a="pos"), rtol=1e-10)


def test_solve_grads_and_errors(numpy_function):
    numpy_function(xsl.solve, sl.solve, A, B, vmap=False)
    batch = np.stack([A, A.T, A + np.eye(4)])
    np.testing.assert_allclose(nb.vmap(xsl.solve, in_axes=(0, None))(batch, B),
                               np.stack([sl.solve(a, B) for a in batch]), rtol=1e-10)
    with pytest.raises(ValueError, match="assume_a must be"):
        xsl.solve(A, B, assume_a="banded")
    with pytest.raises(ValueError, match="needs b of shape"):
        xsl.solve(A, np.ones(3))


# scipy's polar needs m >= n for side='right' and m <= n for side='left'
@pytest.mark.parametrize(("side", "shape"), [("right", (4, 4)), ("right", (5, 3)),
                                             ("left", (4, 4)), ("left", (3, 5))])
def test_polar_matches_scipy(side, shape):
    a = rng.normal(size=shape)
    u, p = xsl.polar(a, side)
    want_u, want_p = sl.polar(a, side)
    np.testing.assert_allclose(u, want_u, atol=1e-12)
    np.testing.assert_allclose(p, want_p, atol=1e-12)
    ju, jp = nb.jit(lambda x: xsl.polar(x, side))(a)
    np.testing.assert_allclose(ju, want_u, atol=1e-12)
    check_grads(lambda x: xsl.polar(x, side), (a,), order=1, rtol=1e-5)


def test_sqrtm_matches_scipy_and_differentiates():
    # seeds 1..5 give real negative and complex eigenvalues: the principal branch matters
    others = [np.random.default_rng(seed).normal(size=(4, 4)) for seed in range(1, 6)]
    for a in (SPD, A, *others):
        x = xsl.sqrtm(a)
        assert x.dtype == np.complex128
        np.testing.assert_allclose(x, sl.sqrtm(a), atol=1e-9)
        np.testing.assert_allclose(x @ x, a, atol=1e-9)
    check_grads(lambda a: xsl.sqrtm(a).real, (SPD / 10,), order=1, rtol=1e-5)
    batch = np.stack([SPD, SPD + np.eye(4)])
    looped = np.stack([xsl.sqrtm(b) for b in batch])
    np.testing.assert_allclose(nb.vmap(xsl.sqrtm)(batch), looped, atol=1e-12)
    np.testing.assert_allclose(nb.jit(xsl.sqrtm)(SPD), xsl.sqrtm(SPD), atol=1e-12)


def test_funm_matches_expm_and_scipy():
    a = rng.normal(size=(4, 4))
    got = xsl.funm(a, nb.numpy.exp)
    np.testing.assert_allclose(got, sl.expm(a), atol=1e-9)
    np.testing.assert_allclose(got, sl.funm(a, np.exp), atol=1e-9)
    f, errest = xsl.funm(a, nb.numpy.exp, disp=False)
    assert errest < 1e-12
    check_grads(lambda x: xsl.funm(x, nb.numpy.sin).real, (SPD / 10,), order=1, rtol=1e-5)
