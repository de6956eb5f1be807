"""numbax.numpy.linalg, numbax.scipy.linalg and numbax.lax.linalg on real matrices: values
against NumPy (eagerly and under jit on both backends), derivatives against finite
differences, vmap against a loop, batched inputs, and the errors of bad input."""
from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
import numbax.scipy.linalg as sl
from numbax.lax import linalg as lax_linalg
from numbax.test_util import check_grads

ROOT = Path(__file__).resolve().parent.parent


def general(rng, shape, dtype=np.float64):
    """Well-conditioned random square matrices (diagonally dominant)."""
    n = shape[-1]
    return (rng.standard_normal(shape) + 2 * n ** 0.5 * np.eye(n)).astype(dtype)


def spd(rng, shape, dtype=np.float64):
    a = rng.standard_normal(shape)
    return (a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def lower_triangular(rng, shape, dtype=np.float64):
    return np.tril(general(rng, shape, dtype))


def _slogdet(a):
    return tuple(np.linalg.slogdet(a))


# name -> (numbax function, NumPy reference, argument maker, gradient order)
CASES = {
    "solve_vector": (xnp.linalg.solve, np.linalg.solve,
                     lambda r: (general(r, (4, 4)), r.standard_normal(4)), 2),
    "solve_matrix": (xnp.linalg.solve, np.linalg.solve,
                     lambda r: (general(r, (3, 4, 4)), r.standard_normal((3, 4, 2))), 2),
    "solve_broadcast": (xnp.linalg.solve, np.linalg.solve,
                        lambda r: (general(r, (2, 1, 3, 3)), r.standard_normal((4, 3, 1))), 1),
    "inv": (xnp.linalg.inv, np.linalg.inv, lambda r: (general(r, (2, 3, 3)),), 2),
    "det": (xnp.linalg.det, np.linalg.det, lambda r: (general(r, (2, 4, 4)),), 2),
    "slogdet": (lambda a: tuple(xnp.linalg.slogdet(a)), _slogdet,
                lambda r: (general(r, (3, 3)) * np.array([1, -1, 1.]),), 2),
    "cholesky": (xnp.linalg.cholesky, np.linalg.cholesky, lambda r: (spd(r, (2, 4, 4)),), 2),
    "cholesky_upper": (lambda a: xnp.linalg.cholesky(a, upper=True),
                       lambda a: np.linalg.cholesky(a, upper=True),
                       lambda r: (spd(r, (3, 3)),), 1),
    "matrix_power_3": (lambda a: xnp.linalg.matrix_power(a, 3),
                       lambda a: np.linalg.matrix_power(a, 3),
                       lambda r: (r.standard_normal((2, 3, 3)),), 2),
    "matrix_power_-2": (lambda a: xnp.linalg.matrix_power(a, -2),
                        lambda a: np.linalg.matrix_power(a, -2),
                        lambda r: (general(r, (3, 3)),), 1),
    "matrix_power_0": (lambda a: xnp.linalg.matrix_power(a, 0),
                       lambda a: np.linalg.matrix_power(a, 0),
                       lambda r: (r.standard_normal((3, 3)),), 1),
    "multi_dot": (lambda a, b, c: xnp.linalg.multi_dot([a, b, c]),
                  lambda a, b, c: np.linalg.multi_dot([a, b, c]),
                  lambda r: (r.standard_normal(3), r.standard_normal((3, 4)),
                             r.standard_normal((4, 2))), 2),
    "tensorsolve": (xnp.linalg.tensorsolve, np.linalg.tensorsolve,
                    lambda r: (general(r, (6, 6)).reshape(6, 2, 3), r.standard_normal(6)), 1),
    "tensorsolve_axes": (lambda a, b: xnp.linalg.tensorsolve(a, b, axes=(0,)),
                         lambda a, b: np.linalg.tensorsolve(a, b, axes=(0,)),
                         lambda r: (general(r, (4, 4)).reshape(4, 2, 2), r.standard_normal(
                             (2, 2))), 1),
    "tensorinv": (lambda a: xnp.linalg.tensorinv(a, ind=1),
                  lambda a: np.linalg.tensorinv(a, ind=1),
                  lambda r: (general(r, (4, 4)).reshape(4, 2, 2),), 1),
    "outer": (xnp.linalg.outer, np.linalg.outer,
              lambda r: (r.standard_normal(3), r.standard_normal(4)), 2),
    "cross": (xnp.linalg.cross, np.linalg.cross,
              lambda r: (r.standard_normal((2, 3)), r.standard_normal((2, 3))), 2),
    "trace": (lambda x: xnp.linalg.trace(x, offset=1),
              lambda x: np.linalg.trace(x, offset=1), lambda r: (r.standard_normal((2, 3, 4)),),
              1),
    "diagonal": (xnp.linalg.diagonal, np.linalg.diagonal,
                 lambda r: (r.standard_normal((2, 3, 4)),), 1),
    "matrix_transpose": (xnp.linalg.matrix_transpose, np.linalg.matrix_transpose,
                         lambda r: (r.standard_normal((2, 3, 4)),), 1),
    "vecdot": (xnp.linalg.vecdot, np.linalg.vecdot,
               lambda r: (r.standard_normal((2, 3)), r.standard_normal(3)), 2),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_numpy_linalg_matches_numpy_with_derivatives(name, rng, numpy_function):
    xfn, npfn, make, order = CASES[name]
    numpy_function(xfn, npfn, *make(rng), vmap=False, grad_order=order, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", ["solve_matrix", "inv", "det", "slogdet", "cholesky"])
def test_float32_stays_float32(name, rng):
    xfn, npfn, make, _ = CASES[name]
    args = [a.astype(np.float32) for a in make(rng)]
    for fn in (xfn, nb.jit(xfn)):
        got, want = fn(*args), npfn(*args)
        for g, w in zip(np.atleast_1d(got) if not isinstance(got, tuple) else got,
                        np.atleast_1d(want) if not isinstance(want, tuple) else want):
            assert np.asarray(g).dtype == np.float32
            np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4)


def test_integer_input_is_promoted_to_float64():
    a = np.array([[2, 1], [1, 3]])
    assert xnp.linalg.inv(a).dtype == np.float64
    np.testing.assert_allclose(xnp.linalg.det(a), np.linalg.det(a))
    np.testing.assert_allclose(xnp.linalg.cholesky(a), np.linalg.cholesky(a))


# ---------------------------------------------------------------------------------------------
# vmap against a loop, batched and unbatched operands; grad composed with vmap and jit


VMAP_CASES = {
    "solve": (xnp.linalg.solve, lambda r: (general(r, (3, 4, 4)), r.standard_normal((3, 4)))),
    "inv": (xnp.linalg.inv, lambda r: (general(r, (3, 3, 3)),)),
    "det": (xnp.linalg.det, lambda r: (general(r, (3, 2, 3, 3)),)),
    "cholesky": (xnp.linalg.cholesky, lambda r: (spd(r, (3, 4, 4)),)),
    "slogdet": (lambda a: tuple(xnp.linalg.slogdet(a)), lambda r: (general(r, (3, 3, 3)),)),
    "solve_triangular": (lambda a, b: sl.solve_triangular(a, b, lower=True, trans=1),
                         lambda r: (lower_triangular(r, (3, 4, 4)), r.standard_normal((3, 4, 2)))),
    "lu": (sl.lu, lambda r: (general(r, (3, 4, 4)),)),
    "lu_solve": (lambda a, b: sl.lu_solve(sl.lu_factor(a), b),
                 lambda r: (general(r, (3, 3, 3)), r.standard_normal((3, 3)))),
    "expm": (sl.expm, lambda r: (r.standard_normal((3, 3, 3)),)),
}


def _stack(outs):
    return [np.stack(x) for x in zip(*[o if isinstance(o, tuple) else (o,) for o in outs])]


@pytest.mark.parametrize("name", sorted(VMAP_CASES))
def test_vmap_matches_a_loop(name, rng):
    fn, make = VMAP_CASES[name]
    args = make(rng)
    for in_axes in [(0,) * len(args)] + ([(0, None), (None, 0)] if len(args) == 2 else []):
        call = [a if ax is None else a for a, ax in zip(args, in_axes)]
        call = [a[0] if ax is None else a for a, ax in zip(call, in_axes)]
        got = nb.vmap(fn, in_axes=in_axes)(*call)
        want = _stack([fn(*[c if ax is None else c[i] for c, ax in zip(call, in_axes)])
                       for i in range(3)])
        for g, w in zip(got if isinstance(got, tuple) else (got,), want):
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-10)


def test_grad_composes_with_vmap_and_jit(rng):
    a, b = general(rng, (3, 4, 4)), rng.standard_normal((3, 4))

    def loss(a, b):
        return xnp.sum(xnp.linalg.solve(a, b) ** 2) + xnp.linalg.slogdet(a).logabsdet

    per_example = nb.jit(nb.vmap(nb.grad(loss, argnums=(0, 1))))(a, b)
    for i in range(3):
        want = nb.grad(loss, argnums=(0, 1))(a[i], b[i])
        for g, w in zip(per_example, want):
            np.testing.assert_allclose(g[i], w, rtol=1e-10, atol=1e-10)
    check_grads(lambda a: nb.vmap(xnp.linalg.cholesky)(a @ np.swapaxes(a, -1, -2)),
                [general(rng, (2, 3, 3))], order=2)


# ---------------------------------------------------------------------------------------------
# lax.linalg: the primitives against NumPy


@pytest.mark.parametrize("left_side", [True, False])
@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("transpose_a", [True, False])
@pytest.mark.parametrize("unit_diagonal", [True, False])
def test_triangular_solve_every_variant(left_side, lower, transpose_a, unit_diagonal, rng,
                                        traced):
    a = general(rng, (2, 4, 4))  # the other triangle must be ignored
    b = rng.standard_normal((2, 4, 3) if left_side else (2, 3, 4))
    t = np.tril(a) if lower else np.triu(a)
    if unit_diagonal:
        t[..., np.arange(4), np.arange(4)] = 1
    op = np.swapaxes(t, -1, -2) if transpose_a else t
    want = np.linalg.solve(op, b) if left_side else np.swapaxes(
        np.linalg.solve(np.swapaxes(op, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)
    kw = dict(left_side=left_side, lower=lower, transpose_a=transpose_a,
              unit_diagonal=unit_diagonal)
    fn = lambda a, b: lax_linalg.triangular_solve(a, b, **kw)  # noqa: E731
    np.testing.assert_allclose(fn(a, b), want, rtol=1e-12, atol=1e-12)
    traced(fn, a, b, primitive="triangular_solve")
    check_grads(fn, [a, b], order=2)


@pytest.mark.parametrize("shape", [(4, 4), (2, 5, 3), (3, 5)])
def test_lu_reconstructs_the_matrix_with_pivots_like_lapack(shape, rng, traced):
    a = rng.standard_normal(shape)
    lu, pivots, perm = lax_linalg.lu(a)
    m, n = shape[-2:]
    k = min(m, n)
    lower = np.tril(lu[..., :, :k], -1) + np.eye(m, k)
    upper = np.triu(lu[..., :k, :])
    np.testing.assert_allclose(lower @ upper, np.take_along_axis(a, perm[..., None], -2),
                               atol=1e-12)
    assert pivots.dtype == perm.dtype == np.int32 and pivots.shape == shape[:-2] + (k,)
    assert np.all(np.abs(lower) <= 1 + 1e-12)  # partial pivoting
    # The pivots (row swaps) replay to the permutation.
    replay = np.broadcast_to(np.arange(m), shape[:-2] + (m,)).copy().reshape(-1, m)
    for row, piv in zip(replay, pivots.reshape(-1, k)):
        for i, p in enumerate(piv):
            row[[i, p]] = row[[p, i]]
    np.testing.assert_array_equal(replay.reshape(perm.shape), perm)
    traced(lax_linalg.lu, a, primitive="lu")
    check_grads(lambda a: lax_linalg.lu(a)[0], [a], order=2)


def test_cholesky_primitive_traced(rng, traced):
    a = spd(rng, (2, 3, 3))
    traced(lax_linalg.cholesky, a, reference=np.linalg.cholesky, primitive="cholesky")


def test_lu_pivots_to_permutation_in_lu_solve(rng, traced):
    a, b = general(rng, (5, 5)), rng.standard_normal(5)
    closed = traced(lambda a, b: sl.lu_solve(sl.lu_factor(a), b), a, b,
                    reference=np.linalg.solve, primitive="lu_pivots_to_permutation")
    assert closed is not None


# ---------------------------------------------------------------------------------------------
# scipy.linalg


def _perm_matrix_reference(a):
    p, l_, u = sl.lu(a)
    return p @ l_ @ u


def _expm_reference(a):
    """exp(a) by a long Taylor series of a / 2**s, squared back (exact to rounding here)."""
    s = 6
    x = a / 2**s
    term, total = np.eye(a.shape[-1]), np.eye(a.shape[-1])
    for k in range(1, 30):
        term = term @ x / k
        total = total + term
    for _ in range(s):
        total = total @ total
    return total


SCIPY_CASES = {
    "solve_triangular": (lambda a, b: sl.solve_triangular(a, b, lower=True),
                         lambda a, b: np.linalg.solve(np.tril(a), b),
                         lambda r: (general(r, (4, 4)), r.standard_normal(4)), 2),
    "solve_triangular_upper_T": (lambda a, b: sl.solve_triangular(a, b, trans="T"),
                                 lambda a, b: np.linalg.solve(np.triu(a).T, b),
                                 lambda r: (general(r, (3, 3)), r.standard_normal((3, 2))), 2),
    "solve_triangular_unit": (lambda a, b: sl.solve_triangular(a, b, lower=True, trans=2,
                                                               unit_diagonal=True),
                              lambda a, b: np.linalg.solve((np.tril(a, -1) + np.eye(3)).T, b),
                              lambda r: (general(r, (3, 3)) / 4, r.standard_normal(3)), 1),
    "cho_solve": (lambda a, b: sl.cho_solve(sl.cho_factor(a), b), np.linalg.solve,
                  lambda r: (spd(r, (4, 4)), r.standard_normal(4)), 1),
    "cho_solve_lower": (lambda a, b: sl.cho_solve(sl.cho_factor(a, lower=True), b),
                        np.linalg.solve, lambda r: (spd(r, (3, 3)), r.standard_normal((3, 2))),
                        1),
    "cholesky": (sl.cholesky, lambda a: np.linalg.cholesky(a).T, lambda r: (spd(r, (3, 3)),), 1),
    "lu": (_perm_matrix_reference, lambda a: a, lambda r: (general(r, (4, 4)),), 1),
    "lu_rect": (lambda a: xnp.matmul(*sl.lu(a, permute_l=True)), lambda a: a,
                lambda r: (r.standard_normal((5, 3)),), 1),
    "lu_solve": (lambda a, b: sl.lu_solve(sl.lu_factor(a), b), np.linalg.solve,
                 lambda r: (general(r, (4, 4)), r.standard_normal((4, 2))), 2),
    "lu_solve_T": (lambda a, b: sl.lu_solve(sl.lu_factor(a), b, trans=1),
                   lambda a, b: np.linalg.solve(a.T, b),
                   lambda r: (general(r, (4, 4)), r.standard_normal(4)), 1),
    "inv": (sl.inv, np.linalg.inv, lambda r: (general(r, (3, 3)),), 1),
    "det": (sl.det, np.linalg.det, lambda r: (general(r, (3, 3)),), 1),
    "block_diag": (lambda a, b, c: sl.block_diag(a, b, c),
                   lambda a, b, c: np.block([[a, np.zeros((2, 3)), np.zeros((2, 1))],
                                             [np.zeros((1, 2)), b[None], np.zeros((1, 1))],
                                             [np.zeros((1, 5)), c[None, None]]]),
                   lambda r: (r.standard_normal((2, 2)), r.standard_normal(3),
                              np.asarray(r.standard_normal())), 1),
    "expm": (sl.expm, _expm_reference, lambda r: (r.standard_normal((3, 3)),), 1),
    "expm_large_norm": (sl.expm, _expm_reference,
                        lambda r: (3 * r.standard_normal((4, 4)),), 0),
}


@pytest.mark.parametrize("name", sorted(SCIPY_CASES))
def test_scipy_linalg_matches_numpy_with_derivatives(name, rng, numpy_function):
    xfn, npfn, make, order = SCIPY_CASES[name]
    args = make(rng)
    if name.startswith("expm"):  # the Taylor reference is exact only to about 1e-13
        np.testing.assert_allclose(xfn(*args), npfn(*args), rtol=1e-11, atol=1e-11)
        np.testing.assert_allclose(nb.jit(xfn)(*args), npfn(*args), rtol=1e-11, atol=1e-11)
        if order:
            check_grads(xfn, args, order=order, atol=1e-5, rtol=1e-5)
        return
    numpy_function(xfn, npfn, *args, vmap=False, grad=order > 0, grad_order=max(order, 1),
                   atol=1e-5, rtol=1e-5)


def test_scipy_lu_factor_pivots_and_lu_shapes(rng):
    a = rng.standard_normal((4, 4))
    lu, piv = sl.lu_factor(a)
    assert piv.dtype == np.int32 and piv.shape == (4,)
    p, l_, u = sl.lu(a)
    np.testing.assert_allclose(np.tril(l_, -1) + np.triu(u), lu)
    assert np.allclose(np.diag(l_), 1) and np.allclose(p @ p.T, np.eye(4))


def test_expm_of_symmetric_matrix_matches_eigendecomposition(rng):
    s = spd(rng, (2, 4, 4)) / 3
    w, v = np.linalg.eigh(s)
    want = (v * np.exp(w)[..., None, :]) @ np.swapaxes(v, -1, -2)
    np.testing.assert_allclose(sl.expm(s), want, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# errors and degenerate inputs


SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])


@pytest.mark.parametrize("fn", [lambda a: xnp.linalg.solve(a, np.ones(2)), xnp.linalg.inv])
def test_singular_matrix_raises_eagerly_and_gives_nonfinite_under_jit(fn):
    with pytest.raises(np.linalg.LinAlgError, match="numbax.numpy.linalg.*singular matrix"):
        fn(SINGULAR)
    assert not np.all(np.isfinite(nb.jit(fn)(SINGULAR)))


def test_singular_matrix_determinants():
    assert xnp.linalg.det(SINGULAR) == 0
    sign, logabsdet = xnp.linalg.slogdet(SINGULAR)
    assert sign == 0 and logabsdet == -np.inf


def test_cholesky_of_a_matrix_not_positive_definite_is_nan():
    batch = np.stack([np.eye(2), SINGULAR - np.eye(2)])
    got = xnp.linalg.cholesky(batch)
    np.testing.assert_array_equal(got[0], np.eye(2))
    assert np.all(np.isnan(got[1]))
    assert np.all(np.isnan(nb.jit(xnp.linalg.cholesky)(SINGULAR - np.eye(2))))


@pytest.mark.parametrize("fn", [xnp.linalg.inv, xnp.linalg.det, xnp.linalg.cholesky,
                                lambda a: xnp.linalg.slogdet(a), sl.expm, sl.lu_factor,
                                lambda a: xnp.linalg.solve(a, np.ones(3))])
def test_non_square_input_raises_value_error_naming_the_shape(fn):
    with pytest.raises(ValueError, match=r"\(3, 2\)"):
        fn(np.ones((3, 2)))


def test_bad_input_errors():
    with pytest.raises(ValueError, match=r"b of shape"):
        xnp.linalg.solve(np.eye(3), np.ones(2))
    with pytest.raises(TypeError, match="float16 is unsupported"):
        xnp.linalg.inv(np.eye(2, dtype=np.float16))
    with pytest.raises(TypeError, match="exponent must be an integer"):
        xnp.linalg.matrix_power(np.eye(2), 1.5)
    with pytest.raises(ValueError, match="one-dimensional"):
        xnp.linalg.outer(np.ones((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="3 elements"):
        xnp.linalg.cross(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="at least two"):
        xnp.linalg.multi_dot([np.eye(2)])
    with pytest.raises(ValueError, match="trans must be"):
        sl.solve_triangular(np.eye(2), np.ones(2), trans="X")
    with pytest.raises(ValueError, match="triangular_solve"):
        lax_linalg.triangular_solve(np.eye(2), np.ones((3, 3)), left_side=True)


def test_namespaces():
    import numbax.lax.linalg

    assert numbax.lax.linalg is lax_linalg
    assert "linalg" not in xnp.__all__ and xnp.linalg.solve is not None


def test_gaussian_process_example_runs_and_improves_the_likelihood(capsys):
    module = runpy.run_path(str(ROOT / "examples" / "gaussian_process.py"))
    before, after = module["main"](n=20, steps=40)
    assert after > before
    assert "learned" in capsys.readouterr().out


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_documented_derivatives_at_degenerate_points():
    # docs/gradient-conventions.md: det at a singular matrix and cholesky of a matrix that
    # is not positive definite have nan derivatives.
    with np.errstate(all="ignore"):
        assert np.all(np.isnan(nb.grad(xnp.linalg.det)(SINGULAR)))
        assert np.all(np.isnan(nb.grad(lambda a: xnp.sum(xnp.linalg.cholesky(a)))(
            SINGULAR - np.eye(2))))


@pytest.mark.parametrize("fn", [xnp.linalg.det, lambda a: xnp.linalg.slogdet(a)[0],
                                lambda a: xnp.linalg.slogdet(a)[1], xnp.linalg.cholesky])
def test_eager_results_are_arrays_and_trace_to_the_same_values(fn, traced):
    traced(fn, spd(np.random.default_rng(0), (3, 3)))
