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


def _adjoint(x):
    """The conjugate transpose of each matrix of a stack (the transpose for real dtypes)."""
    nd = get_aval(x).ndim
    xt = P.transpose_p.bind(x, permutation=(*range(nd - 2), nd - 1, nd - 2))
    return P.conj_p.bind(xt) if get_aval(x).dtype.kind == "c" else xt


def _symmetrize(x):
    """(x + xᴴ) / 2: the Hermitian part, so derivatives stay Hermitian."""
    return P.mul_p.bind(P.add_p.bind(x, _adjoint(x)), np.asarray(0.5, get_aval(x).dtype))


def cholesky(x, *, symmetrize_input: bool = True):
    """The lower Cholesky factor L (x = L Lᴴ) of each Hermitian positive-definite matrix of
    x (..., n, n), real or complex.

    As in JAX, a matrix that is not positive definite gives a factor of NaNs (no error).
    With symmetrize_input, (x + xᴴ) / 2 is factored, so derivatives are Hermitian.

    >>> import numpy as np, numbax as nb
    >>> nb.lax.linalg.cholesky(np.array([[4.0, 2.0], [2.0, 5.0]]))[1, 0]
    np.float64(1.0)
    """
    return LP.cholesky_p.bind(_symmetrize(x) if symmetrize_input else x)


def triangular_solve(a, b, *, left_side: bool = False, lower: bool = False,
                     transpose_a: bool = False, conjugate_a: bool = False,
                     unit_diagonal: bool = False):
    """x with op(a) x = b (left_side) or x op(a) = b, reading only the lower or upper
    triangle of a; op(a) is a, aᵀ (transpose_a), conj(a) (conjugate_a) or aᴴ (both).
    Batch dimensions of a and b must be equal.

    >>> import numpy as np, numbax as nb
    >>> nb.lax.linalg.triangular_solve(np.eye(2) * 2, np.ones((2, 1)), left_side=True)
    array([[0.5],
           [0.5]])
    """
    params = dict(left_side=bool(left_side), lower=bool(lower), transpose_a=bool(transpose_a),
                  unit_diagonal=bool(unit_diagonal))
    if conjugate_a and get_aval(a).dtype.kind == "c":  # real matrices: conj is the identity
        params["conjugate_a"] = True
    return LP.triangular_solve_p.bind(a, b, **params)


def lu(x):
    """LU decomposition with partial pivoting: (lu, pivots, permutation), x[..., permutation, :]
    = L U with L unit-lower (below the diagonal of lu) and U upper (its upper triangle)."""
    return tuple(LP.lu_p.bind_list(x))


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
    """(v, w) with x = v diag(w) vᴴ, w ascending and real, for Hermitian x read from its
    lower (or upper) triangle; with symmetrize_input, (x + xᴴ) / 2 is decomposed, so
    derivatives are Hermitian (as jax.lax.linalg.eigh)."""
    LP.check_matrix("eigh", get_aval(x), square=True)
    return tuple(D.eigh_p.bind_list(_symmetrize(x) if symmetrize_input else x,
                                    lower=bool(lower)))


def eig(x, *, compute_left_eigenvectors: bool = True,
        compute_right_eigenvectors: bool = True) -> list:
    """The eigenvalues w of each square matrix of x (..., n, n), then its left eigenvectors vl
    (vlᴴ x = diag(w) vlᴴ) and right ones vr (x vr = vr diag(w)) if asked for, as
    jax.lax.linalg.eig: a list [w, vl?, vr?], complex (complex64 for float32/complex64 input).
    Each eigenvector has unit norm and its largest component real (LAPACK's geev).

    >>> import numpy as np, numbax as nb
    >>> nb.lax.linalg.eig(np.diag([2.0, 1.0]), compute_left_eigenvectors=False)[0]
    array([2.+0.j, 1.+0.j])
    """
    LP.check_matrix("eig", get_aval(x), square=True)
    return D.eig_p.bind_list(x, compute_left_eigenvectors=bool(compute_left_eigenvectors),
                             compute_right_eigenvectors=bool(compute_right_eigenvectors))


def geqrf(x) -> tuple:
    """LAPACK's compact QR of each matrix of x (..., m, n), as jax.lax.linalg.geqrf: (a, taus),
    r in a's upper triangle and the Householder vectors below it. Forward only.

    >>> import numpy as np, numbax as nb
    >>> nb.lax.linalg.geqrf(np.eye(2))[1].shape
    (2,)
    """
    LP.check_matrix("geqrf", get_aval(x), square=False)
    return tuple(D.geqrf_p.bind_list(x))


__all__ = ["cholesky", "eig", "eigh", "geqrf", "lu", "qr", "svd", "triangular_solve"]
