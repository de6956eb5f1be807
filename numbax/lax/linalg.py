"""numbax.lax.linalg (JAX's jax.lax.linalg): thin, strict wrappers of the linear-algebra
primitives (cholesky, triangular_solve, lu; qr, svd, eigh).

>>> import numpy as np, numbax as nb
>>> nb.lax.linalg.cholesky(np.array([[4.0, 2.0], [2.0, 5.0]]))
array([[2., 0.],
       [1., 2.]])
"""
from __future__ import annotations

import numpy as np

from ..core import linalg_decompositions as D
from ..core import linalg_primitives as LP
from ..core import primitives as P
from ..core.trace import get_aval


def _symmetrize(x):
    nd = get_aval(x).ndim
    xt = P.transpose_p.bind(x, permutation=tuple(range(nd - 2)) + (nd - 1, nd - 2))
    return P.mul_p.bind(P.add_p.bind(x, xt), np.asarray(0.5, get_aval(x).dtype))


def cholesky(x, *, symmetrize_input: bool = True):
    """The lower Cholesky factor of each symmetric positive-definite matrix of x (..., n, n).

    As in JAX, a matrix that is not positive definite gives a factor of NaNs (no error).
    With symmetrize_input, (x + xᵀ) / 2 is factored, so derivatives are symmetric.
    """
    return LP.cholesky_p.bind(_symmetrize(x) if symmetrize_input else x)


def triangular_solve(a, b, *, left_side: bool = False, lower: bool = False,
                     transpose_a: bool = False, conjugate_a: bool = False,
                     unit_diagonal: bool = False):
    """x with op(a) x = b (left_side) or x op(a) = b, op(a) = aᵀ if transpose_a, reading
    only the lower or upper triangle of a. Batch dimensions of a and b must be equal."""
    del conjugate_a  # real dtypes only: conjugation is the identity
    return LP.triangular_solve_p.bind(a, b, left_side=bool(left_side), lower=bool(lower),
                                      transpose_a=bool(transpose_a),
                                      unit_diagonal=bool(unit_diagonal))


def lu(x):
    """LU decomposition with partial pivoting: (lu, pivots, permutation), x[..., permutation, :]
    = L U with L unit-lower (below the diagonal of lu) and U upper (its upper triangle)."""
    return tuple(LP.lu_p.bind_list(x))


def _symmetrize(x):
    nd = get_aval(x).ndim
    xt = P.transpose_p.bind(x, permutation=(*range(nd - 2), nd - 1, nd - 2))
    return P.mul_p.bind(P.add_p.bind(x, xt), np.asarray(0.5, get_aval(x).dtype))


def qr(x, *, full_matrices: bool = True) -> tuple:
    """(q, r) with x = q r for each matrix of x (..., m, n): q (..., m, m) orthogonal and r
    (..., m, n) upper triangular, or (..., m, k) and (..., k, n), k = min(m, n), without
    full_matrices (as jax.lax.linalg.qr, whose default is also full_matrices=True)."""
    return tuple(D.qr_p.bind_list(x, full_matrices=bool(full_matrices)))


def svd(x, *, full_matrices: bool = True, compute_uv: bool = True):
    """(u, s, vt) with x = u diag(s) vt, s descending, or s alone without compute_uv (as
    jax.lax.linalg.svd)."""
    outs = D.svd_p.bind_list(x, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv))
    if not compute_uv:
        return outs[0]
    s, u, vt = outs
    return u, s, vt


def eigh(x, *, lower: bool = True, symmetrize_input: bool = True) -> tuple:
    """(v, w) with x = v diag(w) vᵀ, w ascending, for symmetric x read from its lower (or
    upper) triangle; with symmetrize_input, (x + xᵀ) / 2 is decomposed, so derivatives are
    symmetric (as jax.lax.linalg.eigh)."""
    LP.check_matrix("eigh", get_aval(x), square=True)
    return tuple(D.eigh_p.bind_list(_symmetrize(x) if symmetrize_input else x,
                                    lower=bool(lower)))


__all__ = ["cholesky", "eigh", "lu", "qr", "svd", "triangular_solve"]
