"""Linear-algebra primitives on real or complex matrices: cholesky, triangular_solve, lu.

Every primitive takes stacks of matrices (leading batch dimensions, as NumPy's linalg does)
and its NumPy impl makes one LAPACK call for the whole stack, never a loop over the batch.
Failures follow JAX, not NumPy: a non-positive-definite matrix gives a Cholesky factor of
NaNs and a singular triangular system gives infs/NaNs; the numbax.numpy wrappers raise
NumPy's LinAlgError on concrete inputs. Their rules are in interpreters/linalg_rules.py.
"""
from __future__ import annotations

import contextlib

import numpy as np

from .avals import ShapedArray
from .primitives import Primitive, abstract_eval_rules, impl_rules


def define(name: str, abstract_eval, impl, multiple_results=False, **declaration) -> Primitive:
    """A linear-algebra primitive with its abstract eval and NumPy impl registered."""
    prim = Primitive(name, multiple_results, **declaration)
    abstract_eval_rules[prim] = abstract_eval
    impl_rules[prim] = impl
    return prim


def check_matrix(name: str, a: ShapedArray, square: bool = True) -> None:
    """A float or complex stack of matrices (square ones if square), else a
    TypeError/ValueError."""
    if a.dtype.kind not in "fc":
        raise TypeError(f"{name} needs a floating-point or complex matrix, got {a.str_short()}")
    if a.ndim < 2 or (square and a.shape[-1] != a.shape[-2]):
        what = "square matrices (shape (..., n, n))" if square else "matrices (shape (..., m, n))"
        raise ValueError(f"{name} needs a stack of {what}, got shape {a.shape}")


# ---------------------------------------------------------------------------------------------
# cholesky: the lower factor L of a Hermitian positive-definite A = L Lᴴ (lower triangle read)


def _cholesky_aval(a):
    check_matrix("cholesky", a)
    return [a]


def _cholesky(a):
    try:
        return [np.linalg.cholesky(a).astype(a.dtype, copy=False)]
    except np.linalg.LinAlgError:
        pass
    # JAX's convention: the factor of a matrix that is not positive definite is all NaN. Only
    # this failure path visits the matrices one by one, to keep the good ones.
    flat = a.reshape((-1,) + a.shape[-2:])
    out = np.full_like(flat, np.nan)
    for i, m in enumerate(flat):
        with contextlib.suppress(np.linalg.LinAlgError):
            out[i] = np.linalg.cholesky(m)
    return [out.reshape(a.shape)]


cholesky_p = define("cholesky", _cholesky_aval, _cholesky)


# ---------------------------------------------------------------------------------------------
# triangular_solve: x with op(a) x = b (left_side) or x op(a) = b, a triangular; op(a) is a,
# aᵀ, conj(a) or aᴴ (transpose_a, conjugate_a)


def _triangular_solve_aval(a, b, *, left_side, lower, transpose_a, unit_diagonal,
                           conjugate_a=False):
    check_matrix("triangular_solve", a)
    if b.dtype != a.dtype:
        raise TypeError(f"triangular_solve needs operands of one dtype, got {a.str_short()} "
                        f"and {b.str_short()}")
    m = a.shape[-1]
    if b.ndim != a.ndim or b.shape[:-2] != a.shape[:-2] or \
            b.shape[-2 if left_side else -1] != m:
        side = "(..., m, k)" if left_side else "(..., k, m)"
        raise ValueError(f"triangular_solve: a of shape {a.shape} needs b of shape {side} with "
                         f"the same batch dimensions, got {b.shape}")
    return [b]


def triangle(a: np.ndarray, lower: bool, unit_diagonal: bool) -> np.ndarray:
    """The triangle of a that a triangular solve reads (its diagonal ones if unit_diagonal)."""
    t = np.tril(a) if lower else np.triu(a)
    if unit_diagonal:
        idx = np.arange(a.shape[-1])
        t[..., idx, idx] = 1
    return t


def _substitute(t: np.ndarray, b: np.ndarray, lower: bool) -> np.ndarray:
    """Forward/back substitution, one row at a time for the whole stack: the fallback for
    singular systems, where it gives the infs and NaNs JAX does."""
    n = t.shape[-1]
    x = np.zeros_like(b)
    rows = range(n) if lower else range(n - 1, -1, -1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for i in rows:
            acc = b[..., i, :] - np.einsum("...j,...jk->...k", t[..., i, :], x)
            x[..., i, :] = acc / t[..., i, i, None]
    return x


def _triangular_solve(a, b, *, left_side, lower, transpose_a, unit_diagonal,
                      conjugate_a=False):
    t = triangle(a, lower, unit_diagonal)
    if conjugate_a and t.dtype.kind == "c":
        t = np.conj(t)
    if transpose_a:
        t, lower = np.swapaxes(t, -1, -2), not lower
    if not left_side:  # x t = b  <=>  tᵀ xᵀ = bᵀ
        t, b, lower = np.swapaxes(t, -1, -2), np.swapaxes(b, -1, -2), not lower
    try:
        x = np.linalg.solve(t, b)
    except np.linalg.LinAlgError:
        x = _substitute(t, b, lower)
    x = x if left_side else np.swapaxes(x, -1, -2)
    return [np.ascontiguousarray(x, dtype=a.dtype)]


triangular_solve_p = define("triangular_solve", _triangular_solve_aval, _triangular_solve,
                             linear=True)  # linear in b only; a is never transposed


# ---------------------------------------------------------------------------------------------
# lu: P A = L U with partial pivoting, as lax.linalg.lu: (lu, pivots, permutation)


def _lu_aval(a):
    check_matrix("lu", a, square=False)
    m, n = a.shape[-2:]
    batch = a.shape[:-2]
    return [a, ShapedArray(batch + (min(m, n),), np.dtype(np.int32)),
            ShapedArray(batch + (m,), np.dtype(np.int32))]


def _lu(a):
    # NumPy has no LU: Doolittle elimination with partial pivoting, one step per column for the
    # whole stack at once. A zero pivot column is left as is (U gets a zero diagonal).
    lu = np.array(a, dtype=a.dtype, copy=True)
    m, n = a.shape[-2:]
    batch = a.shape[:-2]
    flat = lu.reshape((-1, m, n))
    rows = np.arange(flat.shape[0])
    pivots = np.zeros((flat.shape[0], min(m, n)), np.int32)
    perm = np.broadcast_to(np.arange(m, dtype=np.int32), (flat.shape[0], m)).copy()
    for k in range(min(m, n)):
        p = k + np.argmax(np.abs(flat[:, k:, k]), axis=1)
        pivots[:, k] = p
        flat[rows, k], flat[rows, p] = flat[rows, p].copy(), flat[rows, k].copy()
        perm[rows, k], perm[rows, p] = perm[rows, p].copy(), perm[rows, k].copy()
        piv = flat[:, k, k]
        with np.errstate(divide="ignore", invalid="ignore"):
            factors = np.where(piv[:, None] != 0, flat[:, k + 1:, k] / piv[:, None], 0)
        flat[:, k + 1:, k] = factors
        flat[:, k + 1:, k + 1:] -= factors[:, :, None] * flat[:, k, None, k + 1:]
    return [flat.reshape(a.shape), pivots.reshape(batch + (min(m, n),)),
            perm.reshape(batch + (m,))]


lu_p = define("lu", _lu_aval, _lu, multiple_results=True)


# ---------------------------------------------------------------------------------------------
# lu_pivots_to_permutation: LAPACK's row swaps (pivots) as the permutation they make


def _pivots_aval(pivots, *, permutation_size):
    if pivots.dtype.kind not in "iu" or pivots.ndim < 1 or pivots.shape[-1] > permutation_size:
        raise TypeError(f"lu_pivots_to_permutation needs integer pivots (..., k) with k <= "
                        f"permutation_size={permutation_size}, got {pivots.str_short()}")
    return [ShapedArray(pivots.shape[:-1] + (permutation_size,), np.dtype(np.int32))]


def _pivots_to_permutation(pivots, *, permutation_size):
    flat = pivots.reshape((-1, pivots.shape[-1]))
    rows = np.arange(flat.shape[0])
    perm = np.broadcast_to(np.arange(permutation_size, dtype=np.int32),
                           (flat.shape[0], permutation_size)).copy()
    for k in range(flat.shape[1]):  # swaps apply in order; each step serves the whole stack
        p = np.clip(flat[:, k], 0, permutation_size - 1)
        perm[rows, k], perm[rows, p] = perm[rows, p].copy(), perm[rows, k].copy()
    return [perm.reshape(pivots.shape[:-1] + (permutation_size,))]


lu_pivots_to_permutation_p = define("lu_pivots_to_permutation", _pivots_aval,
                                     _pivots_to_permutation)
