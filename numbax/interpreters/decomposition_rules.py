"""JVP and batching rules of qr, svd and eigh (core/linalg_decompositions.py).

The JVPs are the standard results, written as programs of primitives so that they transpose
(reverse mode) and differentiate again (second order):
- eigh (Giles): dw = diag(vᵀ da v), dv = v (F ∘ (vᵀ da v)), F_ij = 1 / (w_j - w_i) off the
  diagonal. Repeated eigenvalues make F infinite: the derivative is undefined there and comes
  out inf/nan, as in JAX.
- svd (Townsend; Giles): the thin SVD, with the corrections for non-square matrices; singular
  values alone need only ds = diag(uᵀ da v). Repeated singular values, as for eigh.
- qr (as JAX's qr_jvp_rule): for m >= n and the reduced factorisation (or square matrices).
The batching rules move the batch axis to the front: every primitive takes a stack already.
"""
from __future__ import annotations

import numpy as np

from ..core import linalg_decompositions as D
from ..core import linalg_primitives as L
from ..core import primitives as P
from ..core.trace import get_aval
from . import ad, batching

add, sub, mul, div = P.add_p.bind, P.sub_p.bind, P.mul_p.bind, P.div_p.bind


def _mm(a, b):
    """a @ b for stacks of matrices with the same batch dimensions."""
    nd = get_aval(a).ndim
    batch = tuple(range(nd - 2))
    return P.dot_general_p.bind(a, b, dimension_numbers=(((nd - 1,), (nd - 2,)), (batch, batch)))


def _t(a):
    """The transpose of each matrix of a stack."""
    nd = get_aval(a).ndim
    return P.transpose_p.bind(a, permutation=(*range(nd - 2), nd - 1, nd - 2))


def _const(value, like):
    return np.asarray(value, dtype=get_aval(like).dtype)


def _eye(n: int, like):
    return _const(np.eye(n), like)


def _diag(x):
    """The diagonal of each matrix of a (square) stack."""
    nd, n = get_aval(x).ndim, get_aval(x).shape[-1]
    return P.reduce_sum_p.bind(mul(x, _eye(n, x)), axes=(nd - 1,))


def _row(v):
    """(..., n) -> (..., 1, n), so that it scales the columns of a matrix."""
    shape = get_aval(v).shape
    return P.reshape_p.bind(v, new_sizes=shape[:-1] + (1, shape[-1]))


def _col(v):
    shape = get_aval(v).shape
    return P.reshape_p.bind(v, new_sizes=shape + (1,))


def _reciprocal_off_diagonal(d):
    """1 / d off the diagonal, 0 on it (d a stack of square matrices with a zero diagonal)."""
    eye = _eye(get_aval(d).shape[-1], d)
    return sub(div(_const(1, d), add(d, eye)), eye)


# ---------------------------------------------------------------------------------------------
# eigh


def _symmetrise(t, lower: bool):
    """The symmetric matrix eigh sees when it reads one triangle of t."""
    n = get_aval(t).shape[-1]
    strict = _const(np.tril(np.ones((n, n)), -1) if lower else np.triu(np.ones((n, n)), 1), t)
    tri = mul(t, add(strict, _eye(n, t)))
    return add(tri, _t(mul(t, strict)))


def _eigh_jvp(primals, tangents, *, lower):
    (a,), (ta,) = primals, tangents
    v, w = D.eigh_p.bind(a, lower=lower)
    vt_da_v = _mm(_t(v), _mm(_symmetrise(ta, lower), v))
    f = _reciprocal_off_diagonal(sub(_row(w), _col(w)))
    return [v, w], [_mm(v, mul(f, vt_da_v)), _diag(vt_da_v)]


ad.jvp_rules[D.eigh_p] = _eigh_jvp


# ---------------------------------------------------------------------------------------------
# svd


def _svd_jvp(primals, tangents, *, full_matrices, compute_uv):
    (a,), (ta,) = primals, tangents
    *_, m, n = get_aval(a).shape
    if compute_uv and full_matrices and m != n:
        raise NotImplementedError(
            "the derivative of svd with full_matrices=True is not defined for non-square "
            f"matrices (got shape {get_aval(a).shape}); use full_matrices=False")
    s, u, vt = D.svd_p.bind(a, full_matrices=False, compute_uv=True)
    v = _t(vt)
    ds_mat = _mm(_t(u), _mm(ta, v))
    ds = _diag(ds_mat)
    if not compute_uv:
        return [s], [ds]
    s_row = _row(s)
    # F_ij = 1 / (s_j² - s_i²) off the diagonal.
    f = _reciprocal_off_diagonal(mul(add(s_row, _t(s_row)), sub(s_row, _t(s_row))))
    dss, sds = mul(ds_mat, s_row), mul(_t(s_row), ds_mat)
    du = _mm(u, mul(f, add(dss, _t(dss))))
    dv = _mm(v, mul(f, add(sds, _t(sds))))
    if m > n:  # the part of da outside u's columns
        dav = _mm(ta, v)
        du = add(du, div(sub(dav, _mm(u, _mm(_t(u), dav))), s_row))
    if n > m:
        datu = _mm(_t(ta), u)
        dv = add(dv, div(sub(datu, _mm(v, _mm(vt, datu))), s_row))
    return [s, u, vt], [ds, du, _t(dv)]


ad.jvp_rules[D.svd_p] = _svd_jvp


# ---------------------------------------------------------------------------------------------
# qr


def _qr_jvp(primals, tangents, *, full_matrices):
    (a,), (ta,) = primals, tangents
    *_, m, n = get_aval(a).shape
    if m < n or (full_matrices and m != n):
        raise NotImplementedError(
            "the derivative of qr is defined for m >= n and the reduced factorisation, got a "
            f"matrix of shape {get_aval(a).shape} with full_matrices={full_matrices}")
    q, r = D.qr_p.bind(a, full_matrices=full_matrices)
    # da r⁻¹ by a triangular solve from the right.
    da_rinv = L.triangular_solve_p.bind(r, ta, left_side=False, lower=False, transpose_a=False,
                                        unit_diagonal=False)
    qt_da_rinv = _mm(_t(q), da_rinv)
    strict_lower = mul(qt_da_rinv, _const(np.tril(np.ones((n, n)), -1), a))
    skew = sub(strict_lower, _t(strict_lower))
    dq = add(_mm(q, sub(skew, qt_da_rinv)), da_rinv)
    dr = _mm(sub(qt_da_rinv, skew), r)
    return [q, r], [dq, dr]


ad.jvp_rules[D.qr_p] = _qr_jvp


# ---------------------------------------------------------------------------------------------
# batching: every primitive takes a stack, so the batch axis goes in front


def _front_rule(prim):
    def rule(axis_size, vals, bdims, **params):
        outs = prim.bind_list(*batching.at_front(axis_size, vals, bdims), **params)
        return outs, [0] * len(outs)

    batching.batching_rules[prim] = rule


for _prim in (D.qr_p, D.svd_p, D.eigh_p):
    _front_rule(_prim)
