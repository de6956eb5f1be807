"""qr, svd, eigh and what builds on them (pinv, lstsq, matrix_rank, norms, cond): values against
NumPy eagerly and under jit, derivatives of gauge-invariant quantities against finite
differences, vmap against a loop, batched stacks, and errors for bad input."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
import numbax.scipy.linalg as xsl
from numbax.test_util import check_grads


def _matrix(rng, shape, dtype=np.float64):
    return rng.normal(size=shape).astype(dtype)


def _symmetric(rng, n, batch=(), dtype=np.float64):
    # Well separated eigenvalues 1..n, a random orthogonal basis.
    q, _ = np.linalg.qr(rng.normal(size=batch + (n, n)))
    w = np.arange(1.0, n + 1) + 0.3 * rng.random(batch + (n,))
    return ((q * w[..., None, :]) @ np.swapaxes(q, -1, -2)).astype(dtype)


# ---------------------------------------------------------------------------------------------
# Values against NumPy (eager, jit on both backends), vmap against a loop


SHAPES = [(4, 4), (5, 3), (3, 5), (2, 3, 4, 4)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name, xfn, npfn", [
    ("qr", xnp.linalg.qr, np.linalg.qr),
    ("qr complete", lambda a: xnp.linalg.qr(a, mode="complete"),
     lambda a: np.linalg.qr(a, mode="complete")),
    ("qr r", lambda a: xnp.linalg.qr(a, mode="r"), lambda a: np.linalg.qr(a, mode="r")),
    ("svd", xnp.linalg.svd, np.linalg.svd),
    ("svd thin", lambda a: xnp.linalg.svd(a, full_matrices=False),
     lambda a: np.linalg.svd(a, full_matrices=False)),
    ("svdvals", xnp.linalg.svdvals, np.linalg.svdvals),
    ("pinv", xnp.linalg.pinv,
     lambda a: np.linalg.pinv(a, rtol=10 * max(a.shape[-2:]) * np.finfo(a.dtype).eps)),
    ("matrix_rank", xnp.linalg.matrix_rank, np.linalg.matrix_rank),
])
def test_matrix_functions_match_numpy(numpy_function, rng, name, xfn, npfn, shape, dtype):
    # The primitives call the same LAPACK routines as NumPy, so even the gauge of the factors
    # (signs of singular vectors) agrees; derivatives are checked separately.
    numpy_function(xfn, npfn, _matrix(rng, shape, dtype), grad=False)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch", [(), (3,)])
@pytest.mark.parametrize("name, xfn, npfn", [
    ("eigh", xnp.linalg.eigh, np.linalg.eigh),
    ("eigh U", lambda a: xnp.linalg.eigh(a, UPLO="U"), lambda a: np.linalg.eigh(a, UPLO="U")),
    ("eigvalsh", xnp.linalg.eigvalsh, np.linalg.eigvalsh),
    ("svd hermitian", lambda a: xnp.linalg.svd(a, hermitian=True),
     lambda a: np.linalg.svd(a, hermitian=True)),
    ("svdvals hermitian", lambda a: xnp.linalg.svd(a, compute_uv=False, hermitian=True),
     lambda a: np.linalg.svd(a, compute_uv=False, hermitian=True)),
    ("pinv hermitian", lambda a: xnp.linalg.pinv(a, hermitian=True, rtol=1e-10),
     lambda a: np.linalg.pinv(a, hermitian=True, rtol=1e-10)),
])
def test_symmetric_functions_match_numpy(numpy_function, rng, name, xfn, npfn, batch, dtype):
    a = _symmetric(rng, 4, batch, dtype)
    a[..., 0, 0] *= -1  # a negative eigenvalue for the hermitian SVD's sign handling
    a = (a + np.swapaxes(a, -1, -2)) / 2  # exactly symmetric, so symmetrising changes nothing
    # (numpy_function's vmap check batches non-symmetric matrices: vmap is checked below.)
    numpy_function(xfn, npfn, a, grad=False, vmap=False)
    stack = np.stack([a, 2 * a, a + np.eye(4, dtype=dtype)])
    looped = [npfn(m) for m in stack]
    for got, want in zip(nb.tree_util.tree_leaves(nb.vmap(xfn)(stack)),
                         map(np.stack, zip(*map(nb.tree_util.tree_leaves, looped)))):
        np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-12,
                                   atol=1e-5 if dtype == np.float32 else 1e-12)


def test_eigh_symmetrises_its_input_as_jax_does(rng):
    a = _matrix(rng, (4, 4))
    sym = (a + a.T) / 2
    np.testing.assert_allclose(xnp.linalg.eigvalsh(a), np.linalg.eigvalsh(sym), rtol=1e-12)
    # Without symmetrising, only the chosen triangle is read, as in NumPy.
    for uplo in "LU":
        np.testing.assert_allclose(xnp.linalg.eigvalsh(a, uplo, symmetrize_input=False),
                                   np.linalg.eigvalsh(a, uplo), rtol=1e-12)


VECTOR_ORDS = [None, 2, 1, np.inf, -np.inf, 0, 3, 0.5, -1.5]
MATRIX_ORDS = [None, "fro", "nuc", np.inf, -np.inf, 1, -1, 2, -2]


@pytest.mark.parametrize("dtype", [np.float64])
@pytest.mark.parametrize("order", VECTOR_ORDS)
@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, True), (-1, False)])
def test_vector_norms(numpy_function, rng, order, axis, keepdims, dtype):
    x = _matrix(rng, (5,) if axis is None else (3, 5), dtype)
    x[..., 1] = 0  # for ord 0
    # The derivative is checked away from the kinks (zeros, ties) of the non-smooth orders.
    smooth = order in (None, 2, 3) and axis is not None
    xfn = lambda v: xnp.linalg.norm(v, order, axis, keepdims)
    npfn = lambda v: np.linalg.norm(v, order, axis, keepdims)
    numpy_function(xfn, npfn, x, grad=False)
    if smooth:
        numpy_function(xfn, npfn, _matrix(rng, (3, 5), dtype) + 3, vmap=False, jit=False,
                       grad_order=2 if dtype == np.float64 else 1,
                       **({} if dtype == np.float64 else {"atol": 3e-2, "rtol": 3e-2}))


@pytest.mark.parametrize("dtype", [np.float64])
@pytest.mark.parametrize("order", MATRIX_ORDS)
@pytest.mark.parametrize("axis, keepdims", [(None, False), ((2, 0), False), ((-1, -3), True)])
def test_matrix_norms(numpy_function, rng, order, axis, keepdims, dtype):
    x = _matrix(rng, (4, 3) if axis is None else (4, 2, 3), dtype)
    xfn = lambda v: xnp.linalg.norm(v, order, axis, keepdims)
    npfn = lambda v: np.linalg.norm(v, order, axis, keepdims)
    numpy_function(xfn, npfn, x, grad=dtype == np.float64 and order in (None, "fro", "nuc", 2, -2))


@pytest.mark.parametrize("order, axis", [(3, 1), (np.inf, None), (0, 0), ("nuc", (0, 1)),
                                         (-2, (1, 0)), (1, (0, 1))])
def test_float32_norms(numpy_function, rng, order, axis):
    x = _matrix(rng, (3, 4), np.float32)
    numpy_function(lambda v: xnp.linalg.norm(v, order, axis), lambda v: np.linalg.norm(v, order, axis),
                   x, grad=False)


@pytest.mark.parametrize("order", MATRIX_ORDS)
def test_matrix_norm_and_cond(numpy_function, rng, order):
    x = _matrix(rng, (2, 3, 3))
    numpy_function(lambda v: xnp.linalg.matrix_norm(v, ord=order, keepdims=True),
                   lambda v: np.linalg.matrix_norm(v, ord=order, keepdims=True), x, grad=False)
    numpy_function(lambda v: xnp.linalg.cond(v, order), lambda v: np.linalg.cond(v, order),
                   x + 3 * np.eye(3), grad=order in (None, 2, -2, "fro", "nuc"),
                   # NumPy's own loop fails (an SVD of infs) on the vmap check's singular matrix
                   vmap=order != "nuc")


@pytest.mark.parametrize("order", VECTOR_ORDS[:6])
@pytest.mark.parametrize("axis", [None, 1, (0, 2), (-1,)])
def test_vector_norm(numpy_function, rng, order, axis):
    x = _matrix(rng, (2, 3, 4))
    numpy_function(lambda v: xnp.linalg.vector_norm(v, axis=axis, ord=2 if order is None else order,
                                                    keepdims=True),
                   lambda v: np.linalg.vector_norm(v, axis=axis, ord=2 if order is None else order,
                                                   keepdims=True), x, grad=order in (None, 2))


def test_cond_of_a_singular_matrix_is_inf():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    for p in (None, 1, np.inf):
        want = np.linalg.cond(a, p)
        got = xnp.linalg.cond(a, p)
        assert np.isinf(got) or got > 1e15, (p, got, want)


@pytest.mark.parametrize("b_shape", [(6,), (6, 2)])
def test_lstsq(numpy_function, rng, b_shape):
    a, b = _matrix(rng, (6, 3)), _matrix(rng, b_shape)
    npfn = lambda a, b: np.linalg.lstsq(a, b)
    numpy_function(xnp.linalg.lstsq, npfn, a, b, vmap=False)
    numpy_function(lambda a, b: xnp.linalg.lstsq(a, b, numpy_resid=True), npfn, a, b, grad=False,
                   jit=False, vmap=False)
    # Rank-deficient and underdetermined: the minimum-norm solution, NumPy's empty residuals.
    for a2 in (np.c_[a[:, :2], a[:, :1]], a.T):
        b2 = _matrix(rng, (a2.shape[0],))
        got = xnp.linalg.lstsq(a2, b2, numpy_resid=True)
        for g, w in zip(got, np.linalg.lstsq(a2, b2)):
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
    # Under jit the rank is not known, so NumPy's residual convention cannot apply.
    with pytest.raises(nb.ConcretizationError):
        nb.jit(lambda a, b: xnp.linalg.lstsq(a, b, numpy_resid=True))(a, b[..., 0] if
                                                                       len(b_shape) == 2 else b)


def test_integer_input_is_promoted_to_float64():
    a = np.array([[2, 1], [1, 3]])
    for xfn, npfn in [(xnp.linalg.eigvalsh, np.linalg.eigvalsh), (xnp.linalg.svdvals,
                                                                 np.linalg.svdvals),
                      (xnp.linalg.norm, np.linalg.norm), (xnp.linalg.pinv, np.linalg.pinv),
                      (lambda a: xnp.linalg.qr(a).R, lambda a: np.linalg.qr(a).R)]:
        got = xfn(a)
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, npfn(a), rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Derivatives: gauge-invariant quantities against finite differences, second order where smooth


def _sym_arg(rng, n=4):
    return _symmetric(rng, n)


def _lowest_projector(a):
    v = xnp.linalg.eigh(a).eigenvectors[..., :, :1]
    return v @ xnp.swapaxes(v, -1, -2)


def _svd_rank1(a):
    u, s, vt = xnp.linalg.svd(a, full_matrices=False)
    return u[..., :, :1] * s[..., None, :1] @ vt[..., :1, :]


def _thin_svd_product(a):
    u, s, vt = xnp.linalg.svd(a, full_matrices=False)
    return (u * s[..., None, :]) @ vt


GRADS = [
    ("eigvalsh", lambda a: xnp.linalg.eigvalsh(a) ** 2, _sym_arg, 2),
    ("eigh projector", _lowest_projector, _sym_arg, 2),
    ("eigh lower, no symmetrising", lambda a: xnp.linalg.eigh(a, symmetrize_input=False)
     .eigenvalues * np.arange(1.0, 5.0), _sym_arg, 2),
    ("svdvals", xnp.linalg.svdvals, lambda rng: _matrix(rng, (5, 3)), 2),
    ("svd rank-1 part tall", _svd_rank1, lambda rng: _matrix(rng, (5, 3)), 2),
    ("svd rank-1 part wide", _svd_rank1, lambda rng: _matrix(rng, (3, 5)), 2),
    ("svd rank-1 part square", _svd_rank1, lambda rng: _matrix(rng, (4, 4)), 1),
    ("svd product wide", _thin_svd_product, lambda rng: _matrix(rng, (2, 5)), 1),
    ("qr reduced", lambda a: xnp.linalg.qr(a), lambda rng: _matrix(rng, (5, 3)), 2),
    ("qr square complete", lambda a: xnp.linalg.qr(a, mode="complete"),
     lambda rng: _matrix(rng, (3, 3)), 1),
    ("pinv", xnp.linalg.pinv, lambda rng: _matrix(rng, (4, 3)), 2),
    ("nuclear norm", lambda a: xnp.linalg.norm(a, "nuc"), lambda rng: _matrix(rng, (3, 4)), 2),
    ("cond", xnp.linalg.cond, lambda rng: _matrix(rng, (3, 3)), 1),
    ("lstsq", lambda a: xnp.linalg.lstsq(a, np.arange(5.0)).x, lambda rng: _matrix(rng, (5, 3)),
     1),
    ("batched eigh", lambda a: xnp.linalg.eigh(a).eigenvalues[..., 0],
     lambda rng: _symmetric(rng, 3, (2,)), 1),
]


@pytest.mark.parametrize("name, fn, make, order", GRADS, ids=[g[0] for g in GRADS])
def test_derivatives_match_finite_differences(rng, name, fn, make, order):
    check_grads(fn, [make(rng)], order=order, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name, fn, make, order", GRADS[:8], ids=[g[0] for g in GRADS[:8]])
def test_grad_composes_with_jit_and_vmap(rng, name, fn, make, order):
    loss = lambda a: xnp.sum(xnp.sin(fn(a)))
    stack = np.stack([make(rng) for _ in range(3)])
    want = np.stack([nb.grad(loss)(a) for a in stack])
    for backend in ("numba", "interpreter"):
        got = nb.jit(nb.vmap(nb.grad(loss)), backend=backend)(stack)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_eigh_derivative_matches_giles_formula(rng):
    a, da = _sym_arg(rng), _sym_arg(rng)
    (w, v), (dw, dv) = nb.jvp(lambda a: tuple(xnp.linalg.eigh(a)), (a,), (da,))
    w_, v_ = np.linalg.eigh(a)
    m = v_.T @ da @ v_
    f = 1 / (w_[None, :] - w_[:, None] + np.eye(4)) - np.eye(4)
    np.testing.assert_allclose(dw, np.diag(m), rtol=1e-10)
    np.testing.assert_allclose(dv, v_ @ (f * m), rtol=1e-10, atol=1e-12)


def test_repeated_eigenvalues_give_a_non_finite_eigenvector_derivative():
    # Documented in docs/gradient-conventions.md: the derivative is undefined there (as in JAX).
    _, dv = nb.jvp(lambda a: xnp.linalg.eigh(a).eigenvectors, (np.eye(3),), (np.ones((3, 3)),))
    assert not np.all(np.isfinite(dv))


def test_undefined_derivatives_raise():
    with pytest.raises(NotImplementedError, match="full_matrices"):
        nb.jvp(lambda a: xnp.linalg.svd(a).U, (np.ones((3, 2)),), (np.ones((3, 2)),))
    with pytest.raises(NotImplementedError, match="m >= n"):
        nb.jvp(lambda a: xnp.linalg.qr(a).Q, (np.ones((2, 3)),), (np.ones((2, 3)),))


# ---------------------------------------------------------------------------------------------
# lax.linalg and scipy.linalg wrappers


def test_lax_linalg_wrappers(rng):
    a, s = _matrix(rng, (2, 5, 3)), _symmetric(rng, 4)
    q, r = nb.lax.linalg.qr(a)
    wq, wr = np.linalg.qr(a, mode="complete")
    np.testing.assert_allclose(q, wq)
    np.testing.assert_allclose(r, wr)
    u, sv, vt = nb.lax.linalg.svd(a, full_matrices=False)
    for g, w in zip((u, sv, vt), np.linalg.svd(a, full_matrices=False)):
        np.testing.assert_allclose(g, w)
    np.testing.assert_allclose(nb.lax.linalg.svd(a, compute_uv=False), np.linalg.svdvals(a))
    v, w = nb.lax.linalg.eigh(s)
    for g, want in zip((w, v), np.linalg.eigh(s)):
        np.testing.assert_allclose(g, want)
    names = {e.primitive.name for e in nb.make_jaxpr(nb.lax.linalg.eigh)(s).eqns}
    assert "eigh" in names


def test_scipy_linalg_wrappers(rng):
    a, s = _matrix(rng, (5, 3)), _symmetric(rng, 4)
    w, v = xsl.eigh(s)
    np.testing.assert_allclose(w, np.linalg.eigvalsh(s), rtol=1e-12)
    np.testing.assert_allclose(xsl.eigh(s, eigvals_only=True), w)
    np.testing.assert_allclose(np.abs(v), np.abs(np.linalg.eigh(s)[1]), rtol=1e-10)
    u, sv, vt = xsl.svd(a)
    np.testing.assert_allclose((u[:, :3] * sv) @ vt, a, rtol=1e-12, atol=1e-12)
    assert u.shape == (5, 5) and xsl.svd(a, full_matrices=False)[0].shape == (5, 3)
    q, r = xsl.qr(a)
    assert q.shape == (5, 5) and r.shape == (5, 3)
    np.testing.assert_allclose(q @ r, a, atol=1e-12)
    assert xsl.qr(a, mode="economic")[0].shape == (5, 3)
    (r_only,) = xsl.qr(a, mode="r")
    np.testing.assert_allclose(r_only, r)
    with pytest.raises(NotImplementedError, match="type=1"):
        xsl.eigh(s, s, type=2)


# ---------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize("fn", [xnp.linalg.eigh, xnp.linalg.eigvalsh,
                                lambda a: xnp.linalg.svd(a, hermitian=True)])
def test_non_square_input_is_rejected(fn):
    with pytest.raises(np.linalg.LinAlgError, match=r"square.*\(3, 4\)"):
        fn(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"square.*\(3, 4\)"):  # LinAlgError is a ValueError
        nb.jit(fn)(np.ones((3, 4)))


@pytest.mark.parametrize("fn", [xnp.linalg.qr, xnp.linalg.svd, xnp.linalg.pinv, xnp.linalg.cond,
                                xnp.linalg.matrix_norm])
def test_vectors_are_rejected(fn):
    with pytest.raises(np.linalg.LinAlgError, match=r"two-dimensional.*|shape \(3,\)"):
        fn(np.ones(3))


def test_bad_arguments():
    with pytest.raises(ValueError, match="eigh needs a stack of square matrices.*\\(3, 4\\)"):
        nb.lax.linalg.eigh(np.ones((3, 4)))
    with pytest.raises(TypeError, match="qr needs a floating-point or complex matrix"):
        nb.lax.linalg.qr(np.ones((3, 3), np.int64))
    with pytest.raises(TypeError, match="float16 is unsupported"):
        xnp.linalg.svd(np.ones((2, 2), np.float16))
    with pytest.raises(ValueError, match="mode must be"):
        xnp.linalg.qr(np.ones((2, 2)), mode="economic")
    with pytest.raises(ValueError, match="UPLO"):
        xnp.linalg.eigh(np.eye(2), UPLO="X")
    with pytest.raises(ValueError, match="invalid norm order 'fro' for vectors"):
        xnp.linalg.norm(np.ones(3), "fro")
    with pytest.raises(ValueError, match="invalid norm order 3 for matrices"):
        xnp.linalg.norm(np.ones((3, 3)), 3)
    with pytest.raises(ValueError, match=r"1-D or 2-D.*\(2, 2, 2\)"):
        xnp.linalg.norm(np.ones((2, 2, 2)), 1)
    with pytest.raises(ValueError, match="duplicate axes"):
        xnp.linalg.norm(np.ones((2, 2)), axis=(0, -2))
    with pytest.raises(np.linalg.LinAlgError, match=r"\(4, 2\) and \(3,\)"):
        xnp.linalg.lstsq(np.ones((4, 2)), np.ones(3))
