"""scipy.linalg's eigh, svd and qr (as jax.scipy.linalg has them), re-exported by
numbax.scipy.linalg. Real and complex matrices, batched over leading dimensions.

>>> import numpy as np, numbax.scipy.linalg as xsl
>>> xsl.eigh(np.diag([2.0, 1.0]), eigvals_only=True)
array([1., 2.])
"""
from __future__ import annotations

from ..lax import linalg as LD
from ..numpy import linalg as NL
from ..numpy import linalg_decompositions as ND
from ..numpy.arguments import float_operand, float_operands


def eigh(a, b=None, lower: bool = True, eigvals_only: bool = False, overwrite_a: bool = False,
         overwrite_b: bool = False, type: int = 1, check_finite: bool = True,  # noqa: A002
         subset_by_index=None, subset_by_value=None, driver=None, *,
         symmetrize_input: bool = True):
    """Eigenvalues w (ascending, real) and eigenvectors v of Hermitian a, as
    scipy.linalg.eigh: (w, v), or w with eigvals_only. With b (Hermitian positive definite),
    the generalised problem a v = w b v (type=1), solved through b's Cholesky factor L as
    the standard problem of L⁻¹ a L⁻ᴴ; v is then b-orthonormal (vᴴ b v = I) as in SciPy, and
    a and b are symmetrised, (x + xᴴ) / 2, whatever symmetrize_input says. Subsets and
    type 2/3 are not supported.

    >>> import numpy as np, numbax.scipy.linalg as xsl
    >>> w, v = xsl.eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> w
    array([1., 3.])
    """
    del overwrite_a, overwrite_b, check_finite, driver  # no effect here (as in JAX)
    if type != 1 or subset_by_index is not None or subset_by_value is not None:
        raise NotImplementedError("numbax.scipy.linalg.eigh: only type=1 without subsets is "
                                  "supported")
    if b is not None:
        return _generalized_eigh(a, b, eigvals_only)
    w, v = ND.eigh(a, "L" if lower else "U", symmetrize_input)
    return w if eigvals_only else (w, v)


def _generalized_eigh(a, b, eigvals_only: bool):
    a, b = float_operands("eigh", a, b)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2] or b.shape != a.shape:
        raise ValueError(f"numbax.scipy.linalg.eigh: needs square a and b of one shape, got "
                         f"{a.shape} and {b.shape}")
    chol = NL.cholesky(b)
    solve = lambda x, side_left: LD.triangular_solve(  # noqa: E731
        chol, x, left_side=side_left, lower=True, transpose_a=not side_left,
        conjugate_a=not side_left)
    # L⁻¹ a L⁻ᴴ; eigh takes its Hermitian part, which rounding may have disturbed.
    a = (a + ND.adjoint(a)) * 0.5
    w, y = ND.eigh(solve(solve(a, True), False))
    if eigvals_only:
        return w
    # x = L⁻ᴴ y
    return w, LD.triangular_solve(chol, y, left_side=True, lower=True, transpose_a=True,
                                  conjugate_a=True)


def svd(a, full_matrices: bool = True, compute_uv: bool = True, overwrite_a: bool = False,
        check_finite: bool = True, lapack_driver: str = "gesdd"):
    """(U, s, Vh) with a = U diag(s) Vh, or s alone without compute_uv (scipy.linalg.svd).

    >>> import numpy as np, numbax.scipy.linalg as xsl
    >>> xsl.svd(np.diag([1.0, 2.0]), compute_uv=False)
    array([2., 1.])
    """
    del overwrite_a, check_finite, lapack_driver
    out = ND.svd(a, full_matrices, compute_uv)
    return out if not compute_uv else tuple(out)


def qr(a, overwrite_a: bool = False, lwork=None, mode: str = "full", pivoting: bool = False,
       check_finite: bool = True):
    """(Q, R) with a = Q R (scipy.linalg.qr): mode "full" (Q square), "economic" (k = min(m, n)
    columns) or "r" ((R,) alone, full-sized, as SciPy returns it). No pivoting.

    >>> import numpy as np, numbax.scipy.linalg as xsl
    >>> q, r = xsl.qr(np.array([[3.0, 0.0], [4.0, 1.0]]))
    >>> np.allclose(q @ r, [[3.0, 0.0], [4.0, 1.0]])
    True
    """
    del overwrite_a, lwork, check_finite
    if pivoting:
        raise NotImplementedError("numbax.scipy.linalg.qr: pivoting=True is not supported")
    if mode not in ("full", "economic", "r"):
        raise ValueError(f"numbax.scipy.linalg.qr: mode must be 'full', 'economic' or 'r' ('raw' "
                         f"is not supported), got {mode!r}")
    q, r = LD.qr(float_operand("qr", a), full_matrices=mode != "economic")
    return (r,) if mode == "r" else (q, r)


__all__ = ["eigh", "qr", "svd"]
