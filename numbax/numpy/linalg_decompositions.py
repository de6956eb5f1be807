"""numbax.numpy.linalg's decompositions and what builds on them: qr, svd, svdvals, eigh,
eigvalsh, eig, eigvals, pinv, lstsq, matrix_rank, norm, matrix_norm, vector_norm, cond.
Re-exported by numbax.numpy.linalg.

Real and complex matrices (float32/64, complex64/128), batched over leading dimensions;
integers become float64 as in NumPy. qr, svd, eigh and eig are primitives
(core/linalg_decompositions.py, one LAPACK call per stack); the rest are compositions, so
their derivatives come from those primitives. As in JAX, eigh decomposes (a + aᴴ) / 2 by
default (symmetrize_input=True) and pinv's default cutoff is 10 max(m, n) eps times the
largest singular value. Singular values, eigh's eigenvalues and norms are real.

>>> import numpy as np, numbax.numpy as xnp
>>> xnp.linalg.eigvalsh(np.array([[2.0, 1.0], [1.0, 2.0]]))
array([1., 3.])
"""
from __future__ import annotations

import operator
from typing import NamedTuple

import numpy as np

from .. import lax
from ..core import linalg_decompositions as D
from ..core import linalg_primitives as LP
from ..core.avals import canonical_axes, canonical_axis
from . import creation, elementwise, indexing, products, reductions, shapes, sorting
from .arguments import cast, check_arg, check_static, float_operand


class QRResult(NamedTuple):
    Q: object
    R: object


class SVDResult(NamedTuple):
    U: object
    S: object
    Vh: object


class EighResult(NamedTuple):
    eigenvalues: object
    eigenvectors: object


class EigResult(NamedTuple):
    eigenvalues: object
    eigenvectors: object


class LstsqResult(NamedTuple):
    x: object
    residuals: object
    rank: object
    s: object


def _matrices(fname: str, a, square: bool = False):
    """a as a float stack of (square) matrices; NumPy's LinAlgError (a ValueError) naming the
    shape otherwise."""
    a = float_operand(fname, a)
    if a.ndim < 2:
        raise np.linalg.LinAlgError(f"numbax.numpy.linalg.{fname}: {a.ndim}-dimensional array "
                                    f"given (shape {a.shape}); it must be at least "
                                    "two-dimensional")
    if square and a.shape[-1] != a.shape[-2]:
        raise np.linalg.LinAlgError(f"numbax.numpy.linalg.{fname}: last 2 dimensions of the "
                                    f"array must be square, got shape {a.shape}")
    return a


def _mT(x):
    return shapes.swapaxes(x, -1, -2)


def conj(x):
    """The complex conjugate of x; x itself for real dtypes."""
    return lax.conj(x) if np.dtype(x.dtype).kind == "c" else x


def adjoint(x):
    """The conjugate transpose of each matrix of a stack (the transpose for real ones).

    >>> import numpy as np
    >>> adjoint(np.array([[1j, 2.0]]))
    array([[0.-1.j],
           [2.-0.j]])
    """
    return conj(_mT(x))


def _abs2(x):
    """|x|² in x's real dtype (x * x for real x, keeping the real path unchanged)."""
    if np.dtype(x.dtype).kind == "c":
        return elementwise.add(elementwise.square(lax.real(x)), elementwise.square(lax.imag(x)))
    return elementwise.multiply(x, x)


def _real_dtype(x) -> np.dtype:
    return np.empty(0, x.dtype).real.dtype


# ---------------------------------------------------------------------------------------------
# The decompositions


def qr(a, mode: str = "reduced"):
    """QR decomposition of each matrix of a (..., m, n), as numpy.linalg.qr: QRResult(Q, R)
    for mode "reduced" (k = min(m, n) columns) or "complete" (Q square), R alone for "r",
    and (h, tau), LAPACK's Householder form as NumPy returns it, for "raw" (which has no
    derivative).

    >>> import numpy as np, numbax.numpy as xnp
    >>> q, r = xnp.linalg.qr(np.array([[3.0, 0.0], [4.0, 1.0]]))
    >>> np.allclose(q @ r, [[3.0, 0.0], [4.0, 1.0]])
    True
    """
    a = _matrices("qr", a)
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"numbax.numpy.linalg.qr: mode must be 'reduced', 'complete', 'r' or "
                         f"'raw', got {mode!r}")
    if mode == "raw":  # NumPy's (h, tau), h the transpose of LAPACK's; forward only
        h, tau = D.geqrf_p.bind_list(a)
        return _mT(h), tau
    q, r = D.qr_p.bind_list(a, full_matrices=mode == "complete")
    return r if mode == "r" else QRResult(q, r)


def svd(a, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False):
    """Singular value decomposition a = U diag(S) Vh of each matrix of a, S descending, as
    numpy.linalg.svd: SVDResult(U, S, Vh), or S alone without compute_uv. With hermitian,
    a is taken as symmetric and decomposed through eigh (as NumPy does).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.svd(np.diag([1.0, 3.0]), compute_uv=False)
    array([3., 1.])
    """
    a = _matrices("svd", a)
    full_matrices, compute_uv = bool(full_matrices), bool(compute_uv)
    if hermitian:
        return _svd_hermitian(_matrices("svd", a, square=True), compute_uv)
    if not compute_uv:
        return D.svd_p.bind(a, full_matrices=full_matrices, compute_uv=False)[0]
    s, u, vt = D.svd_p.bind_list(a, full_matrices=full_matrices, compute_uv=True)
    return SVDResult(u, s, vt)


def _svd_hermitian(a, compute_uv: bool):
    # NumPy's construction: |eigenvalues| in descending order, and the eigenvalue signs moved
    # into Vh.
    w, v = eigh(a)
    order = shapes.flip(sorting.argsort(elementwise.abs(w), axis=-1), axis=-1)
    s = indexing.take_along_axis(elementwise.abs(w), order, axis=-1)
    if not compute_uv:
        return s
    cols = shapes.expand_dims(order, -2)
    u = indexing.take_along_axis(v, cols, axis=-1)
    signs = indexing.take_along_axis(elementwise.sign(w), order, axis=-1)
    signs = cast(signs, u.dtype)
    return SVDResult(u, s, adjoint(elementwise.multiply(u, shapes.expand_dims(signs, -2))))


def svdvals(x, /):
    """The singular values of each matrix of x, descending (numpy.linalg.svdvals).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.svdvals(np.array([[0.0, 2.0], [1.0, 0.0]]))
    array([2., 1.])
    """
    return svd(x, compute_uv=False)


def _uplo(fname: str, UPLO) -> bool:
    if UPLO not in ("L", "U"):
        raise ValueError(f"numbax.numpy.linalg.{fname}: UPLO must be 'L' or 'U', got {UPLO!r}")
    return UPLO == "L"


def eigh(a, UPLO: str | None = None, symmetrize_input: bool = True):
    """Eigenvalues (ascending, real) and eigenvectors of each symmetric (Hermitian) matrix of
    a, as numpy.linalg.eigh: EighResult(eigenvalues, eigenvectors). As in JAX, (a + aᴴ) / 2
    is decomposed unless symmetrize_input=False, in which case only the UPLO triangle is read.
    The derivative is undefined at repeated eigenvalues (inf/nan, as in JAX).

    >>> import numpy as np, numbax.numpy as xnp
    >>> w, v = xnp.linalg.eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> w
    array([1., 3.])
    """
    lower = _uplo("eigh", "L" if UPLO is None else UPLO)
    a = _matrices("eigh", a, square=True)
    if symmetrize_input:
        a = elementwise.multiply(elementwise.add(a, adjoint(a)), cast(0.5, a.dtype))
    v, w = D.eigh_p.bind_list(a, lower=lower)
    return EighResult(w, v)


def eigvalsh(a, UPLO: str = "L", symmetrize_input: bool = True):
    """The eigenvalues (ascending) of each symmetric matrix of a (numpy.linalg.eigvalsh).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.eigvalsh(np.diag([3.0, 1.0]))
    array([1., 3.])
    """
    return eigh(a, UPLO, symmetrize_input).eigenvalues


def eig(a) -> EigResult:
    """Eigenvalues and right eigenvectors of each square matrix of a, as numpy.linalg.eig:
    EigResult(eigenvalues, eigenvectors), both complex (complex64 for float32/complex64
    input, complex128 otherwise, as JAX), each eigenvector of unit norm with its largest
    component real. Unordered, as LAPACK returns them. Differentiable (forward and reverse)
    at distinct eigenvalues; the eigenvector derivative keeps unit norm but not the phase
    convention, so only phase-invariant functions of them have a meaningful derivative.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.eig(np.diag([2.0, 1.0])).eigenvalues
    array([2.+0.j, 1.+0.j])
    """
    a = _matrices("eig", a, square=True)
    w, v = D.eig_p.bind_list(a, compute_left_eigenvectors=False,
                             compute_right_eigenvectors=True)
    return EigResult(w, v)


def eigvals(a):
    """The eigenvalues of each square matrix of a, complex and unordered (numpy.linalg.eigvals).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.eigvals(np.array([[0.0, -1.0], [1.0, 0.0]]))
    array([0.+1.j, 0.-1.j])
    """
    a = _matrices("eigvals", a, square=True)
    return D.eig_p.bind_list(a, compute_left_eigenvectors=False,
                             compute_right_eigenvectors=False)[0]


# ---------------------------------------------------------------------------------------------
# Built on the SVD


def _inverse_above(s, cutoff):
    """1 / s where s > cutoff, 0 elsewhere, with no inf on the discarded side (which would
    make its derivative nan)."""
    keep = elementwise.greater(s, cutoff)
    return elementwise.where(keep, elementwise.divide(1, elementwise.where(keep, s, 1)), 0)


def pinv(a, rtol=None, hermitian: bool = False, *, rcond=None):
    """The Moore-Penrose pseudo-inverse of each matrix of a (numpy.linalg.pinv). Singular
    values at most rtol (or rcond) times the largest are dropped; the default rtol is JAX's,
    10 max(m, n) eps.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.pinv(np.array([[2.0, 0.0], [0.0, 0.0]]))
    array([[0.5, 0. ],
           [0. , 0. ]])
    """
    a = _matrices("pinv", a)
    if rtol is not None and rcond is not None:
        raise ValueError("numbax.numpy.linalg.pinv: pass rtol or rcond, not both")
    rtol = rcond if rtol is None else rtol
    *_, m, n = a.shape
    if rtol is None:
        rtol = 10 * max(m, n) * np.finfo(a.dtype).eps
    rtol = cast(check_arg(rtol, "pinv", 1), _real_dtype(a))
    if hermitian:
        u, s, vt = svd(_matrices("pinv", a, square=True), hermitian=True)
    else:
        u, s, vt = svd(a, full_matrices=False)
    cutoff = elementwise.multiply(shapes.expand_dims(rtol, -1),
                                  reductions.max(s, axis=-1, keepdims=True, initial=0))
    inv_s = cast(_inverse_above(s, cutoff), a.dtype)
    return products.matmul(elementwise.multiply(adjoint(vt), shapes.expand_dims(inv_s, -2)),
                           adjoint(u))


def lstsq(a, b, rcond=None, *, numpy_resid: bool = False):
    """The least-squares solution x of a x = b (numpy.linalg.lstsq): LstsqResult(x,
    residuals, rank, s). a is (m, n), b (m,) or (m, k); singular values at most rcond (default
    max(m, n) eps) times the largest count as zero. As in JAX, residuals are always computed
    (shape (k,) or (1,)) unless numpy_resid=True, which gives NumPy's empty residuals when
    rank < n or m <= n (and needs a concrete rank).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.lstsq(np.array([[1.0], [1.0]]), np.array([1.0, 3.0])).x
    array([2.])
    """
    a, b = _matrices("lstsq", a), float_operand("lstsq", b)
    dt = np.result_type(a.dtype, b.dtype)
    a, b = cast(a, dt), cast(b, dt)
    if a.ndim != 2 or b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
        raise np.linalg.LinAlgError(
            f"numbax.numpy.linalg.lstsq: needs a of shape (m, n) and b of shape (m,) or (m, k), "
            f"got {a.shape} and {b.shape}")
    m, n = a.shape
    b2 = b if b.ndim == 2 else shapes.expand_dims(b, -1)
    if rcond is None:
        rcond = max(m, n) * np.finfo(dt).eps
    u, s, vt = svd(a, full_matrices=False)
    cutoff = elementwise.multiply(cast(check_arg(rcond, "lstsq", 2), s.dtype),
                                  reductions.max(s, initial=0))
    rank = reductions.sum(elementwise.greater(s, cutoff), dtype=np.int32)  # as NumPy
    coef = products.matmul(adjoint(u), b2)
    x = products.matmul(adjoint(vt), elementwise.multiply(
        shapes.expand_dims(cast(_inverse_above(s, cutoff), dt), -1), coef))
    if numpy_resid and (int(rank) < n or m <= n):
        resid = creation.zeros((0,), s.dtype)
    else:
        diff = elementwise.subtract(b2, products.matmul(a, x))
        resid = reductions.sum(_abs2(diff), axis=0)
    return LstsqResult(x if b.ndim == 2 else shapes.reshape(x, (n,)), resid, rank, s)


def matrix_rank(M, rtol=None, *, tol=None, hermitian: bool = False):
    """The number of singular values of each matrix of M above tol, or above rtol (default
    max(m, n) eps) times the largest (numpy.linalg.matrix_rank; rtol is JAX's second
    positional argument). Vectors and scalars have rank 1 unless all zero.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]]))
    array(1)
    """
    M = float_operand("matrix_rank", M)
    if M.ndim < 2:
        return reductions.sum(reductions.any(elementwise.not_equal(M, 0)), dtype=np.int64)
    s = svd(M, compute_uv=False, hermitian=hermitian)
    if tol is not None and rtol is not None:
        raise ValueError("numbax.numpy.linalg.matrix_rank: pass tol or rtol, not both")
    if tol is not None:
        cutoff = shapes.expand_dims(cast(check_arg(tol, "matrix_rank", 1), s.dtype), -1)
    else:
        if rtol is None:
            rtol = max(M.shape[-2:]) * np.finfo(M.dtype).eps
        rtol = shapes.expand_dims(cast(check_arg(rtol, "matrix_rank", 1), s.dtype), -1)
        cutoff = elementwise.multiply(rtol, reductions.max(s, axis=-1, keepdims=True,
                                                           initial=0))
    return reductions.sum(elementwise.greater(s, cutoff), axis=-1, dtype=np.int64)


# ---------------------------------------------------------------------------------------------
# Norms


def _vector_norm(x, ord, axis: int, keepdims: bool):
    if isinstance(ord, str):
        raise ValueError(f"numbax.numpy.linalg.norm: invalid norm order {ord!r} for vectors")
    ax = elementwise.abs(x)
    if ord is None or ord == 2:
        return elementwise.sqrt(reductions.sum(_abs2(x), axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return reductions.max(ax, axis=axis, keepdims=keepdims, initial=0)
    if ord == -np.inf:
        return reductions.min(ax, axis=axis, keepdims=keepdims)
    if ord == 0:
        return reductions.sum(elementwise.not_equal(x, 0), axis=axis, keepdims=keepdims,
                              dtype=ax.dtype)
    if ord == 1:
        return reductions.sum(ax, axis=axis, keepdims=keepdims)
    p = cast(float(ord), ax.dtype)
    total = reductions.sum(elementwise.power(ax, p), axis=axis, keepdims=keepdims)
    return elementwise.power(total, elementwise.divide(cast(1.0, ax.dtype), p))


def _matrix_norm(x, ord, axes: tuple[int, int], keepdims: bool):
    row, col = axes
    if ord in (2, -2, "nuc"):
        s = svd(shapes.moveaxis(x, (row, col), (-2, -1)), compute_uv=False)
        out = (reductions.sum(s, axis=-1) if ord == "nuc" else
               reductions.max(s, axis=-1) if ord == 2 else reductions.min(s, axis=-1))
    elif ord in (1, -1, np.inf, -np.inf):
        # Column sums for the 1-norms, row sums for the inf-norms, then the extreme one.
        summed, other = (row, col) if ord in (1, -1) else (col, row)
        if other > summed:
            other -= 1
        sums = reductions.sum(elementwise.abs(x), axis=summed)
        out = (reductions.max if ord in (1, np.inf) else reductions.min)(sums, axis=other)
    elif ord in (None, "fro", "f"):
        out = elementwise.sqrt(reductions.sum(_abs2(x), axis=axes))
    else:
        raise ValueError(f"numbax.numpy.linalg.norm: invalid norm order {ord!r} for matrices")
    if keepdims:
        out = shapes.expand_dims(out, tuple(sorted(axes)))
    return out


def norm(x, ord=None, axis=None, keepdims: bool = False):
    """Vector or matrix norm, as numpy.linalg.norm: vector orders None/2, inf, -inf, 0, 1 and
    any p; matrix orders None/'fro', 'nuc', inf, -inf, 1, -1, 2, -2; axis None, an int or a
    pair of ints; keepdims.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.norm(np.array([3.0, 4.0]))
    array(5.)
    """
    x = float_operand("norm", x)
    keepdims = bool(check_static(keepdims, "norm", "keepdims"))
    if axis is None:
        if ord is None:
            out = elementwise.sqrt(reductions.sum(_abs2(x)))
            return shapes.reshape(out, (1,) * x.ndim) if keepdims else out
        if x.ndim not in (1, 2):
            raise ValueError(f"numbax.numpy.linalg.norm: ord={ord!r} with axis=None needs a 1-D "
                             f"or 2-D array, got shape {x.shape}")
        axis = tuple(range(x.ndim))
    elif not isinstance(axis, tuple | list):
        axis = (operator.index(axis),)
    axes = tuple(canonical_axis(a, x.ndim, "numbax.numpy.linalg.norm") for a in axis)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) == 2:
        if axes[0] == axes[1]:
            raise ValueError(f"numbax.numpy.linalg.norm: duplicate axes given: {axis}")
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError(f"numbax.numpy.linalg.norm: axis must be an int or a pair of ints, got "
                     f"{axis}")


def matrix_norm(x, /, *, keepdims: bool = False, ord="fro"):
    """The norm of each matrix of x over its last two axes (numpy.linalg.matrix_norm).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.matrix_norm(np.eye(2), ord=1)
    array(1.)
    """
    x = _matrices("matrix_norm", x)
    return norm(x, ord, (-2, -1), keepdims)


def vector_norm(x, /, *, axis=None, keepdims: bool = False, ord=2):
    """The vector norm over axis (None: all axes, flattened; a tuple: those axes together),
    as numpy.linalg.vector_norm.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.vector_norm(np.array([[3.0], [4.0]]))
    array(5.)
    """
    x = float_operand("vector_norm", x)
    axes = tuple(range(x.ndim)) if axis is None else (
        tuple(axis) if isinstance(axis, tuple | list) else (operator.index(axis),))
    axes = canonical_axes(axes, x.ndim, "numbax.numpy.linalg.vector_norm")
    rest = [d for d in range(x.ndim) if d not in axes]
    flat = shapes.reshape(shapes.transpose(x, (*rest, *axes)),
                          tuple(x.shape[d] for d in rest) + (-1,))
    out = _vector_norm(flat, ord, -1, False)
    if keepdims:
        out = shapes.reshape(out, tuple(1 if d in axes else n for d, n in enumerate(x.shape)))
    return out


def cond(x, p=None):
    """The condition number of each matrix of x in norm p (numpy.linalg.cond): by singular
    values for p None, 2 and -2, else norm(x, p) norm(inv(x), p) for square matrices. As in
    NumPy, a nan result for a nan-free matrix becomes inf.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.cond(np.diag([1.0, 4.0]))
    array(4.)
    """
    x = _matrices("cond", x)
    if p is None or p in (2, -2):
        s = svd(x, compute_uv=False)
        big, small = s[..., 0], s[..., -1]
        r = elementwise.divide(small, big) if p == -2 else elementwise.divide(big, small)
    else:
        # numbax.numpy.linalg (which re-exports this module) inverts through the LU factors;
        # its inv would raise on a singular concrete matrix, where cond is inf.
        from .linalg import lu_solve_factored

        x = _matrices("cond", x, square=True)
        lu, _, perm = LP.lu_p.bind_list(x)
        eye = shapes.broadcast_to(creation.eye(x.shape[-1], dtype=x.dtype), x.shape)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            inv = lu_solve_factored(lu, perm, eye)
            r = elementwise.multiply(norm(x, p, (-2, -1)), norm(inv, p, (-2, -1)))
    finite_input = elementwise.logical_not(reductions.any(elementwise.isnan(x), axis=(-2, -1)))
    return elementwise.where(elementwise.logical_and(elementwise.isnan(r), finite_input),
                             cast(np.inf, r.dtype), r)


__all__ = ["cond", "eig", "eigh", "eigvals", "eigvalsh", "lstsq", "matrix_norm", "matrix_rank",
           "norm", "pinv", "qr", "svd", "svdvals", "vector_norm"]
