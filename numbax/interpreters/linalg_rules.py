"""JVP, transpose and batching rules of the linear-algebra primitives (core/linalg_primitives.py).

Derivatives are the standard results, written with the primitives themselves so they are
differentiable again: Cholesky (Murray 2016): L̇ = L Φ(L⁻¹ Ȧ L⁻ᴴ), Φ taking the lower
triangle with the diagonal halved; triangular_solve is linear in b, and in a
ẋ = -op(a)⁻¹ op(ȧ) x; LU as JAX: with M = L⁻¹ P Ȧ U⁻¹, L̇ = L tril(M, -1), U̇ = triu(M) U.
Complex matrices use the conjugate transpose (ᴴ) where real ones use the transpose; the
transpose rules are plain transposes (JAX's convention: cotangents pair without conjugation).
Batching moves the batch axis to the front: the primitives take leading batch dimensions.
"""
from __future__ import annotations

import numpy as np

from ..core import linalg_primitives as LP
from ..core import primitives as P
from ..core.trace import get_aval
from . import ad, batching
from .ad import Zero, instantiate, is_undefined
from .batching import at_front, moveaxis


def _mm(x, y):
    """x @ y for stacks of matrices with equal leading dimensions."""
    batch = tuple(range(get_aval(x).ndim - 2))
    n = len(batch)
    return P.dot_general_p.bind(x, y, dimension_numbers=(((n + 1,), (n,)), (batch, batch)))


def _mT(x):
    nd = get_aval(x).ndim
    return P.transpose_p.bind(x, permutation=tuple(range(nd - 2)) + (nd - 1, nd - 2))


def conj(x):
    """The complex conjugate of x; x itself for real dtypes (no extra equation)."""
    return P.conj_p.bind(x) if get_aval(x).dtype.kind == "c" else x


def adjoint(x):
    """The conjugate transpose of each matrix of a stack (the transpose for real dtypes)."""
    return conj(_mT(x))


def _mask(x, mask: np.ndarray):
    """x times a constant 0/1 matrix broadcast over its leading dimensions."""
    return P.mul_p.bind(x, mask.astype(get_aval(x).dtype))


def _tri(x, k: int, lower: bool):
    m, n = get_aval(x).shape[-2:]
    ones = np.ones((m, n))
    return _mask(x, np.tril(ones, k) if lower else np.triu(ones, k))


def _solve(a, b, **params):
    return LP.triangular_solve_p.bind(a, b, **params)


# ---------------------------------------------------------------------------------------------
# cholesky


def _cholesky_jvp(primals, tangents):
    (a,), (ta,) = primals, tangents
    lower = LP.cholesky_p.bind(a)
    if type(ta) is Zero:
        return [lower], [Zero(get_aval(lower))]
    n = get_aval(a).shape[-1]
    # L⁻¹ Ȧ L⁻ᴴ, Hermitian because Ȧ is (numbax.numpy's cholesky symmetrises its input), so
    # its diagonal is real and Φ keeps L̇'s diagonal real.
    left = _solve(lower, ta, left_side=True, lower=True, transpose_a=False, unit_diagonal=False)
    conjugate = {"conjugate_a": True} if get_aval(a).dtype.kind == "c" else {}
    inner = _solve(lower, left, left_side=False, lower=True, transpose_a=True,
                   unit_diagonal=False, **conjugate)
    phi = _mask(inner, np.tril(np.ones((n, n)), -1) + 0.5 * np.eye(n))
    return [lower], [_mm(lower, phi)]


def _cholesky_batch(axis_size, vals, bdims):
    return [LP.cholesky_p.bind(moveaxis(vals[0], bdims[0], 0, axis_size))], [0]


ad.jvp_rules[LP.cholesky_p] = _cholesky_jvp
batching.batching_rules[LP.cholesky_p] = _cholesky_batch


# ---------------------------------------------------------------------------------------------
# triangular_solve


def _op(a, transpose_a: bool, conjugate_a: bool = False):
    a = conj(a) if conjugate_a else a
    return _mT(a) if transpose_a else a


def _triangular_solve_jvp(primals, tangents, **params):
    (a, b), (ta, tb) = primals, tangents
    x = _solve(a, b, **params)
    if type(ta) is Zero and type(tb) is Zero:
        return [x], [Zero(get_aval(x))]
    rhs = instantiate(tb, get_aval(b))
    if type(ta) is not Zero:
        # Only the triangle the solve reads varies; its unit diagonal is constant.
        n = get_aval(a).shape[-1]
        mask = np.tril(np.ones((n, n))) if params["lower"] else np.triu(np.ones((n, n)))
        if params["unit_diagonal"]:
            mask = mask - np.eye(n)
        dop = _op(_mask(ta, mask), params["transpose_a"], params.get("conjugate_a", False))
        rhs = P.sub_p.bind(rhs, _mm(dop, x) if params["left_side"] else _mm(x, dop))
    return [x], [_solve(a, rhs, **params)]


def _triangular_solve_transpose(cts, a, b, *, left_side, lower, transpose_a, unit_diagonal,
                                conjugate_a=False):
    if is_undefined(a):
        raise ValueError("triangular_solve is linear in b only; cannot transpose it in a")
    (ct,) = cts
    if type(ct) is Zero:
        return [None, None]
    # The plain transpose of b -> op(a)⁻¹ b is ct -> op(a)⁻ᵀ ct: conjugation stays as it is.
    return [None, _solve(a, ct, left_side=left_side, lower=lower, transpose_a=not transpose_a,
                         unit_diagonal=unit_diagonal, conjugate_a=conjugate_a)]


def _triangular_solve_batch(axis_size, vals, bdims, **params):
    # The primitive wants equal batch dimensions: at_front broadcasts an unbatched operand.
    a, b = at_front(axis_size, vals, bdims)
    return [_solve(a, b, **params)], [0]


ad.jvp_rules[LP.triangular_solve_p] = _triangular_solve_jvp
ad.transpose_rules[LP.triangular_solve_p] = _triangular_solve_transpose
batching.batching_rules[LP.triangular_solve_p] = _triangular_solve_batch


# ---------------------------------------------------------------------------------------------
# lu


def permutation_matrix(perm, dtype):
    """P with P[..., i, j] = (perm[..., i] == j), so P @ x = x[perm]."""
    shape = get_aval(perm).shape
    m = shape[-1]
    cols = P.iota_p.bind(dtype=np.dtype(np.int32), shape=shape + (m,), dimension=len(shape))
    rows = P.broadcast_in_dim_p.bind(perm, shape=shape + (m,),
                                     broadcast_dimensions=tuple(range(len(shape))))
    return P.convert_element_type_p.bind(P.eq_p.bind(rows, cols), new_dtype=np.dtype(dtype))


def _embed(x, shape: tuple[int, ...]):
    """x padded with zeros at the end of its last two dimensions up to shape."""
    xs = get_aval(x).shape
    if xs == shape:
        return x
    config = tuple((0, t - s, 0) for s, t in zip(xs, shape))
    return P.pad_p.bind(x, np.zeros((), get_aval(x).dtype), padding_config=config)


def _lu_jvp(primals, tangents):
    (a,), (ta,) = primals, tangents
    lu, pivots, perm = LP.lu_p.bind(a)
    outs = [lu, pivots, perm]
    zeros = [Zero(get_aval(pivots)), Zero(get_aval(perm))]
    if type(ta) is Zero:
        return outs, [Zero(get_aval(lu))] + zeros
    aval = get_aval(a)
    batch, (m, n), dtype = aval.shape[:-2], aval.shape[-2:], aval.dtype
    k = min(m, n)
    nb = len(batch)
    cut = lambda x, rows, cols: P.slice_p.bind(  # noqa: E731
        x, start_indices=(0,) * (nb + 2), limit_indices=batch + (rows, cols),
        strides=(1,) * (nb + 2))
    # Square unit-lower L (m x m) and upper U (n x n), the identity completing each.
    eye_m, eye_n = np.eye(m, dtype=dtype), np.diag((np.arange(n) >= k).astype(dtype))
    lower = P.add_p.bind(_embed(_tri(cut(lu, m, k), -1, True), batch + (m, m)), eye_m)
    upper = P.add_p.bind(_embed(_tri(cut(lu, k, n), 0, False), batch + (n, n)), eye_n)
    x = _mm(permutation_matrix(perm, dtype), ta)
    la = _solve(lower, x, left_side=True, lower=True, transpose_a=False, unit_diagonal=True)
    lau = _solve(upper, la, left_side=False, lower=False, transpose_a=False, unit_diagonal=False)
    t = P.add_p.bind(_mm(lower, _tri(lau, -1, True)), _mm(_tri(lau, 0, False), upper))
    return outs, [t] + zeros


def _lu_batch(axis_size, vals, bdims):
    return LP.lu_p.bind_list(moveaxis(vals[0], bdims[0], 0, axis_size)), [0, 0, 0]


ad.jvp_rules[LP.lu_p] = _lu_jvp
batching.batching_rules[LP.lu_p] = _lu_batch


# ---------------------------------------------------------------------------------------------
# lu_pivots_to_permutation: integer-valued, so its tangent is zero


def _pivots_batch(axis_size, vals, bdims, *, permutation_size):
    pivots = moveaxis(vals[0], bdims[0], 0, axis_size)
    return [LP.lu_pivots_to_permutation_p.bind(pivots, permutation_size=permutation_size)], [0]


ad.defjvp_zero(LP.lu_pivots_to_permutation_p)
batching.batching_rules[LP.lu_pivots_to_permutation_p] = _pivots_batch
