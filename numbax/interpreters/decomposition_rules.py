"""JVP and batching rules of qr, svd, eigh, eig and geqrf (core/linalg_decompositions.py).

The JVPs are the standard results, written as programs of primitives so that they transpose
(reverse mode) and differentiate again (second order). Complex matrices use the conjugate
transpose ᴴ where real ones use ᵀ (Giles's results for complex matrices; JAX's rules):
- eigh (Giles): dw = Re diag(vᴴ da v), dv = v (F ∘ (vᴴ da v)), F_ij = 1 / (w_j - w_i) off the
  diagonal. Repeated eigenvalues make F infinite: the derivative is undefined there and comes
  out inf/nan, as in JAX. Complex eigenvectors carry a free phase each; dv is the tangent of
  the phase LAPACK happened to pick, so only phase-invariant quantities have a meaning.
- svd (Townsend; Giles): the thin SVD, with the corrections for non-square matrices (and, for
  complex matrices, JAX's extra term fixing the phases); singular values alone need only
  ds = Re diag(uᴴ da v). Repeated singular values, as for eigh.
- qr (as JAX's qr_jvp_rule): for m >= n and the reduced factorisation (or square matrices).
- eig: dw = diag(vr⁻¹ da vr) (Giles eq. 4.60, any distinct eigenvalues); the right
  eigenvectors dv = vr (F ∘ (vr⁻¹ da vr)), F_ij = 1 / (w_j - w_i) off the diagonal, minus
  the part along each column that would change its unit norm (so dv keeps ‖v‖ = 1 but not
  LAPACK's "largest component real" phase: use phase-invariant quantities). Repeated
  eigenvalues make the derivative undefined (inf/nan). Left eigenvectors: forward only.
  The JVP is linear in da, so reverse mode works by transposition.
- geqrf (qr mode="raw"): forward only; its JVP raises NotImplementedError.
The batching rules move the batch axis to the front: every primitive takes a stack already.
"""
from __future__ import annotations

import numpy as np

from ..core import linalg_decompositions as D
from ..core import linalg_primitives as L
from ..core import primitives as P
from ..core.trace import get_aval
from . import ad, batching
from .linalg_rules import adjoint, conj, permutation_matrix

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


def _cast(x, dtype):
    """x in dtype (no equation when it is already)."""
    dtype = np.dtype(dtype)
    return x if get_aval(x).dtype == dtype else P.convert_element_type_p.bind(x, new_dtype=dtype)


def _real(x):
    """The real part of x; x itself for real dtypes."""
    return P.real_p.bind(x) if get_aval(x).dtype.kind == "c" else x


def _reciprocal_off_diagonal(d):
    """1 / d off the diagonal, 0 on it (d a stack of square matrices with a zero diagonal)."""
    eye = _eye(get_aval(d).shape[-1], d)
    return sub(div(_const(1, d), add(d, eye)), eye)


# ---------------------------------------------------------------------------------------------
# eigh


def _symmetrise(t, lower: bool):
    """The symmetric (Hermitian) matrix eigh sees when it reads one triangle of t: LAPACK
    ignores the imaginary part of a complex diagonal."""
    n = get_aval(t).shape[-1]
    strict = _const(np.tril(np.ones((n, n)), -1) if lower else np.triu(np.ones((n, n)), 1), t)
    if get_aval(t).dtype.kind == "c":
        part, diag = mul(t, strict), mul(t, _eye(n, t))
        half = _const(0.5, t)
        return add(add(part, adjoint(part)), mul(add(diag, conj(diag)), half))
    tri = mul(t, add(strict, _eye(n, t)))
    return add(tri, _t(mul(t, strict)))


def _eigh_jvp(primals, tangents, *, lower):
    (a,), (ta,) = primals, tangents
    v, w = D.eigh_p.bind(a, lower=lower)
    vh_da_v = _mm(adjoint(v), _mm(_symmetrise(ta, lower), v))
    f = _cast(_reciprocal_off_diagonal(sub(_row(w), _col(w))), get_aval(a).dtype)
    return [v, w], [_mm(v, mul(f, vh_da_v)), _real(_diag(vh_da_v))]


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
    dtype = get_aval(a).dtype
    s, u, vt = D.svd_p.bind(a, full_matrices=False, compute_uv=True)
    v = adjoint(vt)
    ds_mat = _mm(adjoint(u), _mm(ta, v))
    ds = _real(_diag(ds_mat))
    if not compute_uv:
        return [s], [ds]
    s_real = _row(s)
    # F_ij = 1 / (s_j² - s_i²) off the diagonal.
    f = _cast(_reciprocal_off_diagonal(mul(add(s_real, _t(s_real)), sub(s_real, _t(s_real)))),
              dtype)
    s_row = _cast(s_real, dtype)
    dss, sds = mul(ds_mat, s_row), mul(_t(s_row), ds_mat)
    du = _mm(u, mul(f, add(dss, adjoint(dss))))
    dv = _mm(v, mul(f, add(sds, adjoint(sds))))
    if dtype.kind == "c":  # the imaginary diagonal of uᴴ da v moves the phases of u (JAX's)
        zero = _cast(P.eq_p.bind(s, _const(0, s)), get_aval(s).dtype)
        s_inv = sub(div(_const(1, s), add(s, zero)), zero)  # 1/s, and 0 where s is 0
        diag_inv = mul(_cast(_row(s_inv), dtype), _eye(get_aval(s).shape[-1], a))
        du = add(du, _mm(u, mul(mul(sub(ds_mat, adjoint(ds_mat)), _const(0.5, a)), diag_inv)))
    if m > n:  # the part of da outside u's columns
        dav = _mm(ta, v)
        du = add(du, div(sub(dav, _mm(u, _mm(adjoint(u), dav))), s_row))
    if n > m:
        dahu = _mm(adjoint(ta), u)
        dv = add(dv, div(sub(dahu, _mm(v, _mm(vt, dahu))), s_row))
    return [s, u, vt], [ds, du, adjoint(dv)]


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
    qt_da_rinv = _mm(adjoint(q), da_rinv)
    strict_lower = mul(qt_da_rinv, _const(np.tril(np.ones((n, n)), -1), a))
    skew = sub(strict_lower, adjoint(strict_lower))
    if get_aval(a).dtype.kind == "c":  # the imaginary diagonal goes into q (JAX's correction)
        imag_part = sub(qt_da_rinv, _cast(_real(qt_da_rinv), get_aval(a).dtype))
        skew = add(skew, mul(imag_part, _eye(n, a)))
    dq = add(_mm(q, sub(skew, qt_da_rinv)), da_rinv)
    dr = _mm(sub(qt_da_rinv, skew), r)
    return [q, r], [dq, dr]


ad.jvp_rules[D.qr_p] = _qr_jvp


# ---------------------------------------------------------------------------------------------
# eig


def _inverse_times(v, x):
    """v⁻¹ x through the LU factors of v (v a primal, x linear in the tangent)."""
    lu, _, perm = L.lu_p.bind(v)
    y = _mm(permutation_matrix(perm, get_aval(v).dtype), x)
    y = L.triangular_solve_p.bind(lu, y, left_side=True, lower=True, transpose_a=False,
                                  unit_diagonal=True)
    return L.triangular_solve_p.bind(lu, y, left_side=True, lower=False, transpose_a=False,
                                     unit_diagonal=False)


def _eig_jvp(primals, tangents, *, compute_left_eigenvectors, compute_right_eigenvectors):
    if compute_left_eigenvectors:
        raise NotImplementedError("the derivative of eig's left eigenvectors is not "
                                  "implemented; use compute_left_eigenvectors=False")
    (a,), (ta,) = primals, tangents
    w, v = D.eig_p.bind(a, compute_left_eigenvectors=False, compute_right_eigenvectors=True)
    vinv_da_v = _inverse_times(v, _mm(_cast(ta, get_aval(v).dtype), v))
    dw = _diag(vinv_da_v)
    if not compute_right_eigenvectors:
        return [w], [dw]
    f = _reciprocal_off_diagonal(sub(_row(w), _col(w)))
    dv = _mm(v, mul(f, vinv_da_v))
    # Keep each column at unit norm: drop the part of dv with Re(vᴴ dv) != 0.
    nd = get_aval(v).ndim
    stretch = _real(P.reduce_sum_p.bind(mul(conj(v), dv), axes=(nd - 2,)))
    dv = sub(dv, mul(v, _cast(_row(stretch), get_aval(v).dtype)))
    return [w, v], [dw, dv]


ad.jvp_rules[D.eig_p] = _eig_jvp


def _geqrf_jvp(primals, tangents):
    raise NotImplementedError("the derivative of geqrf (qr with mode='raw') is not "
                              "implemented; use mode='reduced'")


ad.jvp_rules[D.geqrf_p] = _geqrf_jvp


# ---------------------------------------------------------------------------------------------
# batching: every primitive takes a stack, so the batch axis goes in front


def _front_rule(prim):
    def rule(axis_size, vals, bdims, **params):
        outs = prim.bind_list(*batching.at_front(axis_size, vals, bdims), **params)
        return outs, [0] * len(outs)

    batching.batching_rules[prim] = rule


for _prim in (D.qr_p, D.svd_p, D.eigh_p, D.eig_p, D.geqrf_p):
    _front_rule(_prim)
