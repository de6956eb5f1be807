"""numbax.scipy.linalg: SciPy's linalg functions on real and complex matrices, as JAX's
jax.scipy.linalg
(batched over leading dimensions where JAX's are; overwrite_*/check_finite accepted and
ignored, as in JAX).

>>> import numpy as np, numbax.scipy.linalg as sl
>>> sl.solve_triangular(np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([2.0, 3.0]), lower=True)
array([1., 2.])
"""
from __future__ import annotations

import numpy as np

from .. import lax
from .. import numpy as xnp
from ..core import linalg_primitives as LP
from ..core.avals import broadcast_shapes
from ..numpy import linalg as xla
from ..numpy.arguments import float_operand, float_operands

inv, det = xla.inv, xla.det

_TRANS = {0: (False, False), "N": (False, False), 1: (True, False), "T": (True, False),
          2: (True, True), "C": (True, True)}


def _trans(fname: str, trans) -> tuple[bool, bool]:
    """(transpose, conjugate) for SciPy's trans argument."""
    if trans not in _TRANS:
        raise ValueError(f"numbax.scipy.linalg.{fname}: trans must be 0, 1, 2, 'N', 'T' or 'C', "
                         f"got {trans!r}")
    return _TRANS[trans]


def _as_matrix_rhs(fname: str, a, b):
    """b as a stack of matrices with a's batch dimensions broadcast; whether b was a vector."""
    vector = b.ndim == a.ndim - 1
    if vector:
        b = xnp.expand_dims(b, -1)
    if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
        raise ValueError(f"numbax.scipy.linalg.{fname}: a of shape {a.shape} needs b of shape "
                         f"(..., {a.shape[-1]}) or (..., {a.shape[-1]}, k), got {b.shape}")
    batch = broadcast_shapes(fname, a.shape[:-2], b.shape[:-2])
    return (xnp.broadcast_to(a, batch + a.shape[-2:]), xnp.broadcast_to(b, batch + b.shape[-2:]),
            vector)


def solve_triangular(a, b, trans=0, lower: bool = False, unit_diagonal: bool = False,
                     overwrite_b: bool = False, debug=None, check_finite: bool = True):
    """x with op(a) x = b for triangular a (..., n, n), reading only its lower or upper
    triangle; b is (..., n) or (..., n, k); op is the identity (trans=0/'N'), the transpose
    (1/'T') or the conjugate transpose (2/'C').

    >>> import numpy as np, numbax.scipy.linalg as sl
    >>> sl.solve_triangular(np.array([[2.0, 1.0], [0.0, 1.0]]), np.array([3.0, 1.0]))
    array([1., 1.])
    """
    a, b = float_operands("solve_triangular", a, b)
    _square("solve_triangular", a)
    a, b, vector = _as_matrix_rhs("solve_triangular", a, b)
    transpose, conjugate = _trans("solve_triangular", trans)
    x = lax.linalg.triangular_solve(a, b, left_side=True, lower=bool(lower),
                                    transpose_a=transpose, conjugate_a=conjugate,
                                    unit_diagonal=bool(unit_diagonal))
    return xnp.squeeze(x, -1) if vector else x


_ASSUME_A = {"gen": "gen", "general": "gen", "sym": "gen", "symmetric": "gen",
             "her": "gen", "hermitian": "gen", "pos": "pos", "positive definite": "pos",
             "diagonal": "diagonal", "upper triangular": "upper", "lower triangular": "lower"}


def solve(a, b, lower: bool = False, overwrite_a: bool = False, overwrite_b: bool = False,
          debug: bool = False, check_finite: bool = True, assume_a: str = "gen"):
    """x with a x = b for square a (..., n, n); b is (..., n) or (..., n, k). assume_a picks
    the method: 'gen' (LU with partial pivoting; also used for 'sym' and 'her', which read
    the whole of a, as JAX), 'pos' (Cholesky of the Hermitian part (a + aᴴ)/2, as JAX's
    cholesky; SciPy reads one triangle), 'diagonal', 'upper triangular' or
    'lower triangular'.

    >>> import numpy as np, numbax.scipy.linalg as sl
    >>> sl.solve(np.array([[4.0, 2.0], [2.0, 5.0]]), np.array([6.0, 7.0]), assume_a="pos")
    array([1., 1.])
    """
    if assume_a not in _ASSUME_A:
        raise ValueError(f"numbax.scipy.linalg.solve: assume_a must be one of "
                         f"{sorted(_ASSUME_A)}, got {assume_a!r}")
    kind = _ASSUME_A[assume_a]
    a, b = float_operands("solve", a, b)
    _square("solve", a)
    if kind == "pos":
        return cho_solve(cho_factor(a, lower=lower), b)
    if kind in ("upper", "lower"):
        return solve_triangular(a, b, lower=kind == "lower")
    a, b, vector = _as_matrix_rhs("solve", a, b)
    if kind == "diagonal":
        x = b / xnp.expand_dims(xnp.diagonal(a, axis1=-2, axis2=-1), -1)
    else:
        x = xla.solve(a, b)
    return xnp.squeeze(x, -1) if vector else x


def cholesky(a, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True):
    """The Cholesky factor of a: upper U with a = Uᴴ U (default, as SciPy) or lower L.
    NaNs for a matrix that is not positive definite (JAX's convention)."""
    return xla.cholesky(a, upper=not lower)


def cho_factor(a, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True):
    """(c, lower) for cho_solve: c is the Cholesky factor, zero in its other triangle (as JAX;
    SciPy leaves that triangle unspecified).

    >>> import numpy as np, numbax.scipy.linalg as sl
    >>> sl.cho_factor(np.array([[4.0, 2.0], [2.0, 5.0]]))[0]
    array([[2., 1.],
           [0., 2.]])
    """
    return cholesky(a, lower=lower), bool(lower)


def cho_solve(c_and_lower, b, overwrite_b: bool = False, check_finite: bool = True):
    """x with a x = b, from cho_factor(a).

    >>> import numpy as np, numbax.scipy.linalg as sl
    >>> sl.cho_solve(sl.cho_factor(np.array([[4.0, 2.0], [2.0, 5.0]])), np.array([6.0, 7.0]))
    array([1., 1.])
    """
    c, lower = c_and_lower
    c, b = float_operands("cho_solve", c, b)
    _square("cho_solve", c)
    c, b, vector = _as_matrix_rhs("cho_solve", c, b)
    # a = L Lᴴ: solve L y = b, then Lᴴ x = y (with U = Lᴴ when the factor is upper).
    solve = lambda rhs, transpose: lax.linalg.triangular_solve(  # noqa: E731
        c, rhs, left_side=True, lower=lower, transpose_a=transpose, conjugate_a=transpose)
    x = solve(solve(b, not lower), lower)
    return xnp.squeeze(x, -1) if vector else x


def _permutation_matrix(perm, dtype):
    """p with a = p @ l @ u, i.e. p[..., perm[i], i] = 1."""
    m = perm.shape[-1]
    return (xnp.expand_dims(perm, -2) == xnp.arange(m)[:, None]).astype(dtype)


def lu(a, permute_l: bool = False, overwrite_a: bool = False, check_finite: bool = True):
    """(p, l, u) with a = p @ l @ u (l unit-lower (..., m, k), u upper (..., k, n)), or
    (p @ l, u) when permute_l.

    >>> import numpy as np, numbax.scipy.linalg as sl
    >>> p, l, u = sl.lu(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> bool(np.allclose(p @ l @ u, [[1, 2], [3, 4]]))
    True
    """
    a = float_operand("lu", a)
    if a.ndim < 2:
        raise ValueError(f"numbax.scipy.linalg.lu: expected a matrix (..., m, n), got shape "
                         f"{a.shape}")
    m, n = a.shape[-2:]
    k = min(m, n)
    factors, _, perm = lax.linalg.lu(a)
    l_ = xnp.tril(factors[..., :, :k], -1) + xnp.eye(m, k, dtype=a.dtype)
    u = xnp.triu(factors[..., :k, :])
    p = _permutation_matrix(perm, a.dtype)
    return (xnp.matmul(p, l_), u) if permute_l else (p, l_, u)


def lu_factor(a, overwrite_a: bool = False, check_finite: bool = True):
    """(lu, piv) as LAPACK's getrf: L and U in one matrix, piv the row swapped with each row.

    >>> import numpy as np, numbax.scipy.linalg as sl
    >>> sl.lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]]))[1]
    array([1, 1], dtype=int32)
    """
    a = float_operand("lu_factor", a)
    _square("lu_factor", a)
    factors, pivots, _ = lax.linalg.lu(a)
    return factors, pivots


def lu_solve(lu_and_piv, b, trans=0, overwrite_b: bool = False, check_finite: bool = True):
    """x with a x = b (trans=0), aᵀ x = b (trans=1) or aᴴ x = b (trans=2), from lu_factor(a).

    >>> import numpy as np, numbax.scipy.linalg as sl
    >>> a = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> sl.lu_solve(sl.lu_factor(a), a @ np.ones(2))
    array([1., 1.])
    """
    factors, pivots = lu_and_piv
    factors, b = float_operands("lu_solve", factors, b)
    _square("lu_solve", factors)
    perm = LP.lu_pivots_to_permutation_p.bind(xnp.asarray(pivots),
                                              permutation_size=factors.shape[-1])
    factors, b, vector = _as_matrix_rhs("lu_solve", factors, b)
    perm = xnp.broadcast_to(perm, factors.shape[:-1])
    transpose, conjugate = _trans("lu_solve", trans)
    x = xla.lu_solve_factored(factors, perm, b, int(transpose) + int(conjugate))
    return xnp.squeeze(x, -1) if vector else x


def block_diag(*arrs):
    """The block-diagonal matrix of the arrays (0-d and 1-D ones as 2-D rows, as SciPy).

    >>> import numpy as np, numbax.scipy.linalg as sl
    >>> sl.block_diag(np.ones((1, 2)), 2.0)
    array([[1., 1., 0.],
           [0., 0., 2.]])
    """
    if not arrs:
        return np.zeros((1, 0))
    arrs = [xnp.atleast_2d(xnp.asarray(x)) for x in arrs]
    for i, x in enumerate(arrs):
        if x.ndim > 2:
            raise ValueError(f"numbax.scipy.linalg.block_diag: argument {i} has shape {x.shape};"
                             " expected at most 2 dimensions")
    dtype = np.result_type(*(x.dtype for x in arrs))
    total = sum(x.shape[1] for x in arrs)
    rows, start = [], 0
    for x in arrs:
        cols = x.shape[1]
        rows.append(xnp.pad(x.astype(dtype), ((0, 0), (start, total - start - cols))))
        start += cols
    return xnp.concatenate(rows, axis=0)


# Padé [13/13] coefficients and the 1-norm up to which it is accurate in double precision
# (Higham, "The scaling and squaring method for the matrix exponential revisited", 2005).
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
           40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def expm(A, *, upper_triangular: bool = False, max_squarings: int = 16):
    """The matrix exponential of each square matrix of A (..., n, n): scaling and squaring
    with a Padé [13/13] approximant, built from numbax.numpy operations, so derivatives come
    from autodiff. The number of squarings is computed from the 1-norm (at most max_squarings)
    and applied through a fixed-length loop of selects, so it works under jit and grad.

    >>> import numpy as np, numbax.scipy.linalg as sl
    >>> sl.expm(np.zeros((2, 2)))
    array([[1., 0.],
           [0., 1.]])
    """
    A = float_operand("expm", A)
    _square("expm", A)
    norm = xnp.max(xnp.sum(xnp.abs(lax.stop_gradient(A)), axis=-2), axis=-1)
    with np.errstate(divide="ignore"):
        s = xnp.clip(xnp.ceil(xnp.log2(norm / _THETA13)), 0, max_squarings)
    scaled = A / xnp.expand_dims(2.0 ** s, (-1, -2)).astype(A.dtype)
    b = [np.asarray(c, A.dtype) for c in _PADE13]
    eye = xnp.broadcast_to(xnp.eye(A.shape[-1], dtype=A.dtype), A.shape)
    a2 = xnp.matmul(scaled, scaled)
    a4 = xnp.matmul(a2, a2)
    a6 = xnp.matmul(a4, a2)
    u = xnp.matmul(scaled, xnp.matmul(a6, b[13] * a6 + b[11] * a4 + b[9] * a2)
                   + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = (xnp.matmul(a6, b[12] * a6 + b[10] * a4 + b[8] * a2)
         + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye)
    r = xla.solve(v - u, v + u)
    steps = xnp.expand_dims(s, (-1, -2))

    def square(i, x):
        return xnp.where(i < steps, xnp.matmul(x, x), x)

    return lax.fori_loop(0, max_squarings, square, r)


def _square(fname: str, a) -> None:
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"numbax.scipy.linalg.{fname}: expected square matrices (..., n, n), "
                         f"got shape {a.shape}")


from .linalg_decompositions import eigh, qr, svd  # noqa: E402  (slice II's decompositions)
from .linalg_matrix_functions import funm, polar, sqrtm  # noqa: E402
from .linalg_special_matrices import (  # noqa: E402
    circulant,
    companion,
    convolution_matrix,
    dft,
    fiedler,
    fiedler_companion,
    hadamard,
    hankel,
    helmert,
    hilbert,
    invhilbert,
    invpascal,
    leslie,
    pascal,
    toeplitz,
)

__all__ = ["block_diag", "cho_factor", "cho_solve", "cholesky", "circulant", "companion",
           "convolution_matrix", "det", "dft", "eigh", "expm", "fiedler", "fiedler_companion",
           "funm", "hadamard", "hankel", "helmert", "hilbert", "inv", "invhilbert", "invpascal",
           "leslie", "lu", "lu_factor", "lu_solve", "pascal", "polar", "qr", "solve",
           "solve_triangular", "sqrtm", "svd", "toeplitz"]
