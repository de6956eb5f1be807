"""Complex linear algebra (numbax.numpy.linalg, numbax.scipy.linalg, numbax.lax.linalg), eig
and eigvals, qr(mode="raw"), generalised eigh and roots: values against NumPy eagerly and
under jit, derivatives against finite differences along real and imaginary directions, vmap
against a loop. Eigen- and singular vectors are compared through phase-invariant quantities.
"""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
import numbax.scipy.linalg as xsl
from numbax import lax
from numbax.core.trace import ConcretizationError
from numbax.test_util import check_grads

XL = xnp.linalg
DTYPES = [np.complex64, np.complex128]


def _tol(dtype) -> float:
    return 2e-4 if np.dtype(dtype) in (np.complex64, np.float32) else 1e-9


def _c(rng, *shape, dtype=np.complex128):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def _well_conditioned(rng, n=3, batch=(), dtype=np.complex128):
    return (_c(rng, *batch, n, n) + 3 * np.eye(n)).astype(dtype)


def _hermitian_pd(rng, n=3, batch=(), dtype=np.complex128):
    a = _c(rng, *batch, n, n)
    return (a @ np.conj(np.swapaxes(a, -1, -2)) + n * np.eye(n)).astype(dtype)


def _close(got, want, tol, what=""):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=what)


def _eager_and_jit(fn, *args):
    """fn's results eagerly and under jit on both backends (which must agree)."""
    outs = [fn(*args)] + [nb.jit(fn, backend=b)(*args) for b in ("numba", "interpreter")]
    return outs


def _abs2(x):
    """|x|², elementwise: invariant under the phase of eigen/singular vectors."""
    return lax.real(x * lax.conj(x)) if np.dtype(x.dtype).kind == "c" else x * x


def _fd_directions(f, a, eps=1e-6, tol=1e-5):
    """jvp of f at a against central differences along each of a few entries' real (d = 1)
    and imaginary (d = 1j) directions."""
    n = a.shape[-1]
    for idx in [(0, 0), (n - 1, 0), (0, n - 1)]:
        for unit in (1.0, 1j):
            d = np.zeros_like(a)
            d[..., idx[0], idx[1]] = unit
            _, tangent = nb.jvp(f, (a,), (d,))
            fd = (np.asarray(f(a + eps * d)) - np.asarray(f(a - eps * d))) / (2 * eps)
            _close(tangent, fd, tol, f"direction {unit} at {idx}")


# ---------------------------------------------------------------------------------------------
# values against NumPy


@pytest.mark.parametrize("dtype", DTYPES)
def test_solve_inv_det_slogdet(dtype, rng):
    a, b = _well_conditioned(rng, dtype=dtype, batch=(2,)), _c(rng, 2, 3, 2, dtype=dtype)
    tol = _tol(dtype)
    for fn, ref, args in [(XL.solve, np.linalg.solve, (a, b)), (XL.inv, np.linalg.inv, (a,)),
                          (XL.det, np.linalg.det, (a,))]:
        for got in _eager_and_jit(fn, *args):
            _close(got, ref(*args), tol, fn.__name__)
            assert got.dtype == dtype
    sign, logdet = np.linalg.slogdet(a)
    for got in _eager_and_jit(XL.slogdet, a):
        _close(got.sign, sign, tol, "sign")
        _close(got.logabsdet, logdet, tol, "logabsdet")
        assert got.sign.dtype == dtype and got.logabsdet.dtype == np.empty(0, dtype).real.dtype


def test_slogdet_of_a_singular_complex_matrix():
    a = np.array([[1 + 1j, 2 + 2j], [1 + 1j, 2 + 2j]])
    sign, logdet = XL.slogdet(a)
    assert sign == 0 and logdet == -np.inf


@pytest.mark.parametrize("dtype", DTYPES)
def test_cholesky(dtype, rng):
    a = _hermitian_pd(rng, 4, (2,), dtype)
    want = np.linalg.cholesky(a)
    for got in _eager_and_jit(XL.cholesky, a):
        _close(got, want, _tol(dtype), "cholesky")
        assert got.dtype == dtype
    _close(XL.cholesky(a, upper=True), np.conj(np.swapaxes(want, -1, -2)), _tol(dtype))
    _close(nb.lax.linalg.cholesky(a), want, _tol(dtype))


def test_cholesky_of_a_non_positive_definite_complex_matrix_is_nan():
    assert np.isnan(XL.cholesky(np.array([[1.0 + 0j, 2j], [-2j, 1.0]]))).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_qr_modes(dtype, rng):
    a = _c(rng, 2, 5, 3, dtype=dtype)
    tol = _tol(dtype)
    for mode in ("reduced", "complete"):
        for q, r in _eager_and_jit(lambda x, mode=mode: tuple(XL.qr(x, mode)), a):
            want_q, want_r = np.linalg.qr(a, mode)
            _close(q, want_q, tol, mode)
            _close(r, want_r, tol, mode)
    _close(XL.qr(a, "r"), np.linalg.qr(a, "r"), tol)
    h, tau = np.linalg.qr(a, "raw")
    for got_h, got_tau in _eager_and_jit(lambda x: XL.qr(x, "raw"), a):
        _close(got_h, h, tol, "raw h")
        _close(got_tau, tau, tol, "raw tau")


def test_qr_raw_is_forward_only(rng):
    a = _c(rng, 3, 3)
    with pytest.raises(NotImplementedError, match="raw"):
        nb.jvp(lambda x: XL.qr(x, "raw")[0], (a,), (a,))
    h, tau = nb.lax.linalg.geqrf(a)
    _close(np.swapaxes(h, -1, -2), np.linalg.qr(a, "raw")[0], 1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)])
def test_svd(dtype, shape, rng):
    a = _c(rng, *shape, dtype=dtype)
    tol = _tol(dtype)
    real = np.empty(0, dtype).real.dtype
    for u, s, vh in _eager_and_jit(lambda x: tuple(XL.svd(x, full_matrices=False)), a):
        assert s.dtype == real and u.dtype == dtype
        _close(s, np.linalg.svd(a, compute_uv=False), tol)
        _close((u * s[..., None, :]) @ vh, a, tol * 10, "reconstruction")
    _close(XL.svdvals(a), np.linalg.svd(a, compute_uv=False), tol)
    u, s, vh = XL.svd(a)
    assert u.shape == np.linalg.svd(a)[0].shape


@pytest.mark.parametrize("dtype", DTYPES)
def test_eigh(dtype, rng):
    a = _hermitian_pd(rng, 4, (2,), dtype)
    w_ref, v_ref = np.linalg.eigh(a)
    for w, v in _eager_and_jit(lambda x: tuple(XL.eigh(x)), a):
        assert w.dtype == np.empty(0, dtype).real.dtype and v.dtype == dtype
        _close(w, w_ref, _tol(dtype) * 10)
        _close(np.abs(v), np.abs(v_ref), _tol(dtype) * 10, "|eigenvectors|")
    _close(XL.eigvalsh(a), w_ref, _tol(dtype) * 10)
    w, v = nb.lax.linalg.eigh(a)[::-1]
    _close(w, w_ref, _tol(dtype) * 10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64] + DTYPES)
def test_eig_and_eigvals(dtype, rng):
    a = (rng.standard_normal((2, 4, 4)) + (1j * rng.standard_normal((2, 4, 4))
                                           if np.dtype(dtype).kind == "c" else 0)).astype(dtype)
    want_dtype = np.complex64 if dtype in (np.float32, np.complex64) else np.complex128
    tol = _tol(dtype) * 10
    sort = lambda w: np.sort_complex(np.asarray(w))  # noqa: E731
    for w in _eager_and_jit(XL.eigvals, a):
        assert w.dtype == want_dtype
        _close(sort(w), sort(np.linalg.eigvals(a)), tol, "eigvals")
    for w, v in _eager_and_jit(lambda x: tuple(XL.eig(x)), a):
        assert w.dtype == v.dtype == want_dtype
        _close(a.astype(want_dtype) @ v, v * w[..., None, :], tol, "a v = v diag(w)")
        _close(np.linalg.norm(v, axis=-2), np.ones((2, 4)), tol, "unit eigenvectors")
    ref_w, ref_v = np.linalg.eig(a)
    _close(XL.eig(a).eigenvectors, ref_v, tol, "NumPy's eigenvectors")


def test_lax_eig_left_eigenvectors(rng):
    a = _c(rng, 3, 3)
    w, vl, vr = nb.lax.linalg.eig(a)
    _close(np.conj(vl.T) @ a, w[:, None] * np.conj(vl.T), 1e-10, "vlᴴ a = diag(w) vlᴴ")
    _close(np.linalg.norm(vl, axis=0), np.ones(3), 1e-12)
    (w_only,) = nb.lax.linalg.eig(a, compute_left_eigenvectors=False,
                                  compute_right_eigenvectors=False)
    _close(w_only, w, 1e-12)
    with pytest.raises(NotImplementedError, match="left eigenvectors"):
        nb.jvp(lambda x: nb.lax.linalg.eig(x)[1], (a,), (a,))


@pytest.mark.parametrize("dtype", DTYPES)
def test_compositions(dtype, rng):
    a, tol = _c(rng, 4, 3, dtype=dtype), _tol(dtype) * 10
    sq = _well_conditioned(rng, dtype=dtype)
    b = _c(rng, 4, 2, dtype=dtype)
    _close(XL.pinv(a), np.linalg.pinv(a), tol, "pinv")
    _close(nb.jit(XL.pinv)(a), np.linalg.pinv(a), tol, "pinv under jit")
    x, resid, rank, s = XL.lstsq(a, b)
    want = np.linalg.lstsq(a, b)
    for got, ref in zip((x, resid, rank, s), want):
        _close(got, ref, tol, "lstsq")
        assert np.asarray(got).dtype == np.asarray(ref).dtype
    assert XL.matrix_rank(a) == np.linalg.matrix_rank(a)
    low = a[:, :1] @ a[:1, :]
    assert XL.matrix_rank(low) == np.linalg.matrix_rank(low) == 1
    for p in (None, 1, -1, 2, -2, np.inf, -np.inf, "fro"):
        _close(XL.cond(sq, p), np.linalg.cond(sq, p), tol, f"cond {p}")
    _close(XL.matrix_power(sq, -2), np.linalg.matrix_power(sq, -2), tol, "matrix_power")
    _close(XL.tensorsolve(sq, b[:3, 0]), np.linalg.tensorsolve(sq, b[:3, 0]), tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_norms(dtype, rng):
    a, v = _c(rng, 4, 3, dtype=dtype), _c(rng, 5, dtype=dtype)
    tol = _tol(dtype) * 10
    real = np.empty(0, dtype).real.dtype
    for ord_ in (None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf):
        got = nb.jit(lambda x, o=ord_: XL.norm(x, o))(a)
        _close(got, np.linalg.norm(a, ord_), tol, f"matrix ord {ord_}")
        assert got.dtype == real
    for ord_ in (None, 0, 1, 2, 3.5, np.inf, -np.inf):
        got = XL.norm(v, ord_)
        _close(got, np.linalg.norm(v, ord_), tol, f"vector ord {ord_}")
        assert got.dtype == real
    _close(XL.vector_norm(a, axis=0), np.linalg.vector_norm(a, axis=0), tol)
    _close(XL.matrix_norm(a), np.linalg.matrix_norm(a), tol)


def test_scipy_solvers(rng):
    a = np.tril(_well_conditioned(rng, 3))
    b = _c(rng, 3, 2)
    ops = {0: a, "T": a.T, 2: np.conj(a.T)}
    for trans, op in ops.items():
        for got in _eager_and_jit(lambda x, y, t=trans: xsl.solve_triangular(x, y, trans=t,
                                                                               lower=True), a, b):
            _close(got, np.linalg.solve(op, b), 1e-10, f"solve_triangular trans={trans}")
    h = _hermitian_pd(rng, 3)
    for lower in (True, False):
        _close(xsl.cho_solve(xsl.cho_factor(h, lower=lower), b), np.linalg.solve(h, b), 1e-10)
    g = _well_conditioned(rng, 3)
    for trans, op in ((0, g), (1, g.T), (2, np.conj(g.T))):
        _close(xsl.lu_solve(xsl.lu_factor(g), b, trans=trans), np.linalg.solve(op, b), 1e-10)
    p, lo, up = xsl.lu(g)
    _close(p @ lo @ up, g, 1e-12, "p l u")
    _close(xsl.inv(g), np.linalg.inv(g), 1e-10)
    _close(xsl.det(g), np.linalg.det(g), 1e-10)


def test_hermitian_options_and_expm(rng):
    h = _hermitian_pd(rng) - 4 * np.eye(3)  # indefinite, so the signs move into Vh
    u, s, vh = XL.svd(h, hermitian=True)
    _close(s, np.linalg.svd(h, compute_uv=False), 1e-10)
    _close((u * s[None, :]) @ vh, h, 1e-10, "hermitian svd reconstruction")
    _close(XL.pinv(h, hermitian=True), np.linalg.pinv(h, hermitian=True), 1e-10)
    assert XL.matrix_rank(h, hermitian=True) == np.linalg.matrix_rank(h, hermitian=True)
    for uplo in ("L", "U"):
        # only the UPLO triangle is read (and the real part of the diagonal), as LAPACK does
        w = XL.eigvalsh(h, uplo, symmetrize_input=False)
        _close(w, np.linalg.eigvalsh(h, uplo), 1e-10)
        check_grads(lambda x, up=uplo: XL.eigvalsh(x, up, symmetrize_input=False), (h,),
                    order=1)
    a = 0.5 * _c(rng, 3, 3)
    w, v = np.linalg.eig(a)
    _close(xsl.expm(a), (v * np.exp(w)) @ np.linalg.inv(v), 1e-12, "expm")
    check_grads(xsl.expm, (a,), order=1)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_generalized_eigh(dtype, rng):
    a = _hermitian_pd(rng, 3).astype(dtype) if dtype == np.complex128 else \
        (lambda m: m + m.T)(rng.standard_normal((3, 3)))
    b = _hermitian_pd(rng, 3).real.astype(dtype) if dtype == np.float64 else _hermitian_pd(rng)
    for w, v in _eager_and_jit(lambda x, y: xsl.eigh(x, y), a, b):
        _close(a @ v, (b @ v) * w[None, :], 1e-9, "a v = b v diag(w)")
        _close(np.conj(v.T) @ b @ v, np.eye(3), 1e-9, "b-orthonormal")
        assert w.dtype == np.float64
    want = np.sort(np.linalg.eigvals(np.linalg.solve(b, a)).real)
    _close(xsl.eigh(a, b, eigvals_only=True), want, 1e-9)
    check_grads(lambda x, y: xsl.eigh(x, y, eigvals_only=True), (a, b), order=1)
    with pytest.raises(NotImplementedError, match="type=1"):
        xsl.eigh(a, b, type=3)


# ---------------------------------------------------------------------------------------------
# derivatives: random complex directions (check_grads) and the real and imaginary directions
# of single entries


def test_solve_inv_det_derivatives(rng):
    a, b = _well_conditioned(rng), _c(rng, 3, 2)
    check_grads(XL.solve, (a, b), order=2)
    check_grads(XL.inv, (a,), order=1)
    check_grads(XL.det, (a,), order=2)
    check_grads(lambda x: XL.slogdet(x).logabsdet, (a,), order=1)
    check_grads(lambda x: XL.slogdet(x).sign, (a,), order=1)
    _fd_directions(XL.det, a)
    _fd_directions(lambda x: XL.slogdet(x).logabsdet, a)


def test_cholesky_and_triangular_solve_derivatives(rng):
    h = _hermitian_pd(rng)
    check_grads(XL.cholesky, (h,), order=2)
    _fd_directions(XL.cholesky, h)
    t, b = np.tril(_well_conditioned(rng)), _c(rng, 3, 2)
    for transpose in (False, True):
        for conjugate in (False, True):
            for left in (True, False):
                rhs = b if left else b.T.copy()
                check_grads(lambda x, y, tr=transpose, cj=conjugate, lf=left:
                            nb.lax.linalg.triangular_solve(x, y, left_side=lf, lower=True,
                                                           transpose_a=tr, conjugate_a=cj),
                            (t, rhs), order=1)
    check_grads(lambda x, y: xsl.cho_solve((XL.cholesky(x), True), y), (h, b), order=1)


def test_decomposition_derivatives(rng):
    a, h = _c(rng, 4, 3), _hermitian_pd(rng)
    check_grads(XL.svdvals, (a,), order=2)
    check_grads(XL.svdvals, (a.T.copy(),), order=1)
    for m in (a, a.T.copy(), _c(rng, 3, 3)):
        check_grads(lambda x: [_abs2(y) for y in XL.svd(x, full_matrices=False)], (m,), order=1)
        check_grads(lambda x: (lambda u, s, vh: (u * s[None, :]) @ vh)(
            *XL.svd(x, full_matrices=False)), (m,), order=1)
    check_grads(XL.eigvalsh, (h,), order=2)
    check_grads(lambda x: _abs2(XL.eigh(x).eigenvectors), (h,), order=1)
    _fd_directions(XL.eigvalsh, h)
    check_grads(lambda x: tuple(XL.qr(x)), (a,), order=1)
    check_grads(lambda x: tuple(XL.qr(x)), (_c(rng, 3, 3),), order=1)
    check_grads(XL.pinv, (a,), order=1)
    check_grads(lambda x: XL.norm(x, "nuc"), (a,), order=1)
    check_grads(XL.norm, (a,), order=2)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_eig_derivatives(dtype, rng):
    a = rng.standard_normal((4, 4)) + (1j * rng.standard_normal((4, 4)) if dtype != np.float64
                                       else 0)
    check_grads(XL.eigvals, (a,), order=2)
    check_grads(lambda x: _abs2(XL.eig(x).eigenvectors), (a,), order=1)
    # A phase-invariant function of eigenvalues and eigenvectors together: v diag(w) v⁻¹ = a.
    check_grads(lambda x: (lambda w, v: (v * w[None, :]) @ XL.inv(v))(*XL.eig(x)), (a,),
                order=1)
    if dtype == np.complex128:
        _fd_directions(XL.eigvals, a)


def test_eig_derivative_at_repeated_eigenvalues_is_not_finite():
    with np.errstate(divide="ignore", invalid="ignore"):
        _, t = nb.jvp(lambda x: XL.eig(x).eigenvectors, (np.eye(2),), (np.ones((2, 2)),))
    assert not np.isfinite(t).all()


def test_grad_of_a_real_function_of_a_complex_matrix(rng):
    # JAX's convention: grad returns df/dx - i df/dy, x and y the real and imaginary parts.
    a = _well_conditioned(rng)
    g = nb.grad(lambda x: XL.slogdet(x).logabsdet)(a)
    # log|det a| = Re(log det a), log det holomorphic with derivative inv(a)ᵀ
    _close(g, np.linalg.inv(a).T, 1e-9, "d log|det a| = inv(a)ᵀ")
    f = lambda x: XL.norm(x) ** 2  # noqa: E731
    _close(nb.grad(f)(a), 2 * np.conj(a), 1e-9, "grad |a|²")
    with pytest.raises(TypeError):
        nb.grad(XL.det)(a)
    _close(nb.grad(XL.det, holomorphic=True)(a), np.linalg.det(a) * np.linalg.inv(a).T, 1e-9)


# ---------------------------------------------------------------------------------------------
# vmap against a loop


def test_vmap_matches_a_loop(rng):
    a, h, b = _well_conditioned(rng, batch=(3,)), _hermitian_pd(rng, batch=(3,)), _c(rng, 3, 3, 2)
    cases = [(XL.solve, (a, b)), (XL.inv, (a,)), (XL.det, (a,)), (XL.cholesky, (h,)),
             (XL.eigvalsh, (h,)), (XL.svdvals, (a,)), (XL.eigvals, (a,)), (XL.pinv, (a,)),
             (lambda x: XL.slogdet(x).sign, (a,)), (lambda x: XL.qr(x).R, (a,)),
             (lambda x: _abs2(XL.eig(x).eigenvectors), (a,)), (XL.norm, (a,)),
             (lambda x, y: xsl.solve_triangular(x, y, trans=2), (a, b)),
             (lambda x: XL.qr(x, "raw")[0], (a,)),
             (lambda x: nb.lax.linalg.eig(x, compute_right_eigenvectors=False)[0], (a,))]
    for fn, args in cases:
        got = nb.vmap(fn)(*args)
        want = np.stack([np.asarray(fn(*(x[i] for x in args))) for i in range(3)])
        _close(got, want, 1e-9, getattr(fn, "__name__", "lambda"))
    # grad through linalg composes with vmap and jit
    per = nb.jit(nb.vmap(nb.grad(lambda x: XL.slogdet(x).logabsdet)))(a)
    _close(per, np.stack([nb.grad(lambda x: XL.slogdet(x).logabsdet)(m) for m in a]), 1e-9)


# ---------------------------------------------------------------------------------------------
# roots


@pytest.mark.parametrize("p", [[1.0, -3.0, 2.0], [0.0, 0.0, 1.0, -3.0, 2.0], [1, 2, 3, 4, 5],
                               [2.0, 0.0, 0.0], [1 + 1j, 2.0, -1j], [3.0], [0.0, 0.0]])
def test_roots_against_numpy(p):
    p = np.array(p)
    got = xnp.roots(p)
    want = np.roots(p)
    assert got.dtype.kind == "c"
    _close(np.sort_complex(got), np.sort_complex(want.astype(complex)), 1e-9)


def test_roots_dtype_and_traced():
    assert xnp.roots(np.array([1, 2, 3], np.float32)).dtype == np.complex64
    p = np.array([0.0, 1.0, -3.0, 2.0])
    got = nb.jit(lambda q: xnp.roots(q, strip_zeros=False))(p)
    _close(np.sort_complex(got[:2]), [1, 2], 1e-12)
    assert np.isnan(got[2])  # the leading zero's root, as in JAX
    with pytest.raises(ConcretizationError, match="strip_zeros"):
        nb.jit(xnp.roots)(p)
    # (perturbing a zero leading coefficient sends a root to infinity: differentiate without)
    check_grads(lambda q: xnp.roots(q, strip_zeros=False), (p[1:],), order=1)
    check_grads(xnp.roots, (p[1:],), order=1)


# ---------------------------------------------------------------------------------------------
# bad input


def test_bad_input():
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        XL.eig(np.ones((2, 3)))
    with pytest.raises(np.linalg.LinAlgError, match="eigvals.*two-dimensional"):
        XL.eigvals(np.ones(3))
    with pytest.raises(TypeError, match="float16"):
        XL.eig(np.eye(2, dtype=np.float16))
    with pytest.raises(ValueError, match="'raw'"):
        XL.qr(np.eye(2), mode="economic")
    with pytest.raises(TypeError, match="eig needs a floating-point or complex matrix"):
        nb.lax.linalg.eig(np.eye(2, dtype=np.int32))
    with pytest.raises(ValueError, match="roots"):
        xnp.roots(np.ones((2, 2)))
    with pytest.raises(ValueError, match="one shape"):
        xsl.eigh(np.eye(2), np.eye(3))
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        XL.solve(np.zeros((2, 2), complex), np.ones(2, complex))
