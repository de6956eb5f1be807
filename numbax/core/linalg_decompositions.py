"""Matrix decompositions as primitives on real floating-point stacks: qr, svd, eigh.

Each takes a stack of matrices (leading batch dimensions, as NumPy's linalg does) and its NumPy
impl makes one LAPACK call for the whole stack. Outputs follow lax.linalg's primitives:
qr -> [q, r], svd -> [s, u, vt] (or [s] without compute_uv), eigh -> [v, w] with ascending
eigenvalues w. Their JVP and batching rules are in interpreters/decomposition_rules.py.
"""
from __future__ import annotations

import numpy as np

from .linalg_primitives import check_matrix, define


def _nan_on_failure(fn, a) -> list:
    """fn(a) (a list of arrays), where a matrix LAPACK fails on (non-finite entries: NumPy
    raises LinAlgError) gives NaN outputs instead, as in JAX. Only the failure path visits the
    matrices one by one, to keep the good ones."""
    try:
        return fn(a)
    except np.linalg.LinAlgError:
        pass
    flat = a.reshape((-1,) + a.shape[-2:])
    outs = None
    for i, m in enumerate(flat):
        try:
            got = fn(m)
        except np.linalg.LinAlgError:
            got = None
        if outs is None and got is not None:
            outs = [np.full((len(flat),) + g.shape, np.nan, a.dtype) for g in got]
        if got is not None:
            for o, g in zip(outs, got):
                o[i] = g
    if outs is None:  # every matrix failed: the shapes come from a zero matrix
        outs = [np.full((len(flat),) + g.shape, np.nan, a.dtype)
                for g in fn(np.zeros_like(flat[0]))]
    return [o.reshape(a.shape[:-2] + o.shape[1:]) for o in outs]


# ---------------------------------------------------------------------------------------------
# qr: a = q r, q with orthonormal columns, r upper triangular


def _qr_aval(a, *, full_matrices: bool):
    check_matrix("qr", a, square=False)
    *batch, m, n = a.shape
    k = m if full_matrices else min(m, n)
    return [a.update(shape=(*batch, m, k)), a.update(shape=(*batch, k, n))]


def _qr(a, *, full_matrices: bool):
    q, r = np.linalg.qr(a, mode="complete" if full_matrices else "reduced")
    return [q.astype(a.dtype, copy=False), r.astype(a.dtype, copy=False)]


qr_p = define("qr", _qr_aval, _qr, multiple_results=True)


# ---------------------------------------------------------------------------------------------
# svd: a = u diag(s) vt, s descending


def _svd_aval(a, *, full_matrices: bool, compute_uv: bool):
    check_matrix("svd", a, square=False)
    *batch, m, n = a.shape
    k = min(m, n)
    s = a.update(shape=(*batch, k))
    if not compute_uv:
        return [s]
    ku, kv = (m, n) if full_matrices else (k, k)
    return [s, a.update(shape=(*batch, m, ku)), a.update(shape=(*batch, kv, n))]


def _svd(a, *, full_matrices: bool, compute_uv: bool):
    return _nan_on_failure(lambda m: _svd_lapack(m, full_matrices, compute_uv), a)


def _svd_lapack(a, full_matrices: bool, compute_uv: bool):
    if not compute_uv:
        return [np.linalg.svd(a, compute_uv=False).astype(a.dtype, copy=False)]
    u, s, vt = np.linalg.svd(a, full_matrices=full_matrices)
    return [x.astype(a.dtype, copy=False) for x in (s, u, vt)]


svd_p = define("svd", _svd_aval, _svd, multiple_results=True)


# ---------------------------------------------------------------------------------------------
# eigh: a = v diag(w) vᵀ for symmetric a, read from one triangle; w ascending


def _eigh_aval(a, *, lower: bool):
    check_matrix("eigh", a, square=True)
    return [a, a.update(shape=a.shape[:-1])]


def _eigh(a, *, lower: bool):
    return _nan_on_failure(lambda m: _eigh_lapack(m, lower), a)


def _eigh_lapack(a, lower: bool):
    w, v = np.linalg.eigh(a, UPLO="L" if lower else "U")
    return [v.astype(a.dtype, copy=False), w.astype(a.dtype, copy=False)]


eigh_p = define("eigh", _eigh_aval, _eigh, multiple_results=True)
