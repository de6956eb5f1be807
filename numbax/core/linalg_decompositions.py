"""Matrix decompositions as primitives on real or complex stacks: qr, svd, eigh, eig, geqrf.

Each takes a stack of matrices (leading batch dimensions, as NumPy's linalg does) and its NumPy
impl makes one LAPACK call for the whole stack. Outputs follow lax.linalg's primitives:
qr -> [q, r], svd -> [s, u, vt] (or [s] without compute_uv), eigh -> [v, w] with ascending
eigenvalues w, eig -> [w, vl?, vr?], geqrf -> [a, taus]. Singular values and eigh's eigenvalues
are real (float64 for complex128 input); eig's outputs are complex (complex64 for float32 and
complex64 input). Their JVP and batching rules are in interpreters/decomposition_rules.py.
"""
from __future__ import annotations

import numpy as np

from .avals import real_dtype
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
            outs = [np.full((len(flat),) + g.shape, np.nan, g.dtype) for g in got]
        if got is not None:
            for o, g in zip(outs, got):
                o[i] = g
    if outs is None:  # every matrix failed: the shapes come from a zero matrix
        outs = [np.full((len(flat),) + g.shape, np.nan, g.dtype)
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
    s = a.update(shape=(*batch, k), dtype=real_dtype(a.dtype))
    if not compute_uv:
        return [s]
    ku, kv = (m, n) if full_matrices else (k, k)
    return [s, a.update(shape=(*batch, m, ku)), a.update(shape=(*batch, kv, n))]


def _svd(a, *, full_matrices: bool, compute_uv: bool):
    return _nan_on_failure(lambda m: _svd_lapack(m, full_matrices, compute_uv), a)


def _svd_lapack(a, full_matrices: bool, compute_uv: bool):
    sdt = real_dtype(a.dtype)
    if not compute_uv:
        return [np.linalg.svd(a, compute_uv=False).astype(sdt, copy=False)]
    u, s, vt = np.linalg.svd(a, full_matrices=full_matrices)
    return [s.astype(sdt, copy=False), u.astype(a.dtype, copy=False),
            vt.astype(a.dtype, copy=False)]


svd_p = define("svd", _svd_aval, _svd, multiple_results=True)


# ---------------------------------------------------------------------------------------------
# eigh: a = v diag(w) vᴴ for Hermitian a, read from one triangle; w ascending and real


def _eigh_aval(a, *, lower: bool):
    check_matrix("eigh", a, square=True)
    return [a, a.update(shape=a.shape[:-1], dtype=real_dtype(a.dtype))]


def _eigh(a, *, lower: bool):
    return _nan_on_failure(lambda m: _eigh_lapack(m, lower), a)


def _eigh_lapack(a, lower: bool):
    w, v = np.linalg.eigh(a, UPLO="L" if lower else "U")
    return [v.astype(a.dtype, copy=False), w.astype(real_dtype(a.dtype), copy=False)]


eigh_p = define("eigh", _eigh_aval, _eigh, multiple_results=True)


# ---------------------------------------------------------------------------------------------
# eig: a = vr diag(w) vr⁻¹ for a general square a; vlᴴ a = diag(w) vlᴴ. Complex outputs, each
# eigenvector of unit 2-norm with its largest component real (LAPACK's geev normalisation).


def eig_dtype(dtype: np.dtype) -> np.dtype:
    """The complex dtype of eig's outputs for an input dtype (as JAX: single stays single)."""
    single = dtype in (np.float32, np.complex64)
    return np.dtype(np.complex64 if single else np.complex128)


def _eig_aval(a, *, compute_left_eigenvectors: bool, compute_right_eigenvectors: bool):
    check_matrix("eig", a, square=True)
    dt = eig_dtype(a.dtype)
    outs = [a.update(shape=a.shape[:-1], dtype=dt)]
    outs += [a.update(dtype=dt)] * (int(compute_left_eigenvectors)
                                    + int(compute_right_eigenvectors))
    return outs


def _eig_lapack(a, left: bool, right: bool) -> list:
    dt = eig_dtype(a.dtype)
    if not (left or right):
        return [np.linalg.eigvals(a).astype(dt, copy=False)]
    w, vr = np.linalg.eig(a)
    vr = vr.astype(dt, copy=False)
    outs = [w.astype(dt, copy=False)]
    if left:
        # The rows of vr⁻¹ are the left eigenvectors (conjugated), in w's order; LAPACK scales
        # each to unit norm with its largest component real.
        vl = np.conj(np.swapaxes(np.linalg.inv(vr), -1, -2))
        vl = vl / np.linalg.norm(vl, axis=-2, keepdims=True)
        big = np.take_along_axis(vl, np.argmax(np.abs(vl), axis=-2)[..., None, :], axis=-2)
        outs.append((vl * (np.abs(big) / big)).astype(dt, copy=False))
    if right:
        outs.append(vr)
    return outs


def _eig(a, *, compute_left_eigenvectors: bool, compute_right_eigenvectors: bool):
    return _nan_on_failure(lambda m: _eig_lapack(m, compute_left_eigenvectors,
                                                 compute_right_eigenvectors), a)


eig_p = define("eig", _eig_aval, _eig, multiple_results=True)


# ---------------------------------------------------------------------------------------------
# geqrf: LAPACK's compact QR, a -> (r above the diagonal, Householder vectors below; taus)


def _geqrf_aval(a):
    check_matrix("geqrf", a, square=False)
    *batch, m, n = a.shape
    return [a, a.update(shape=(*batch, min(m, n)))]


def _geqrf(a):
    h, tau = np.linalg.qr(a, mode="raw")  # NumPy's h is the transpose of LAPACK's
    return [np.ascontiguousarray(np.swapaxes(h, -1, -2), dtype=a.dtype),
            tau.astype(a.dtype, copy=False)]


geqrf_p = define("geqrf", _geqrf_aval, _geqrf, multiple_results=True)
