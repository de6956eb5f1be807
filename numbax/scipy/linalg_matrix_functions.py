"""scipy.linalg's polar, sqrtm and funm (as jax.scipy.linalg has them), re-exported by
numbax.scipy.linalg.

polar comes from the SVD; sqrtm and funm from the eigendecomposition a = V diag(w) V⁻¹,
f(a) = V diag(f(w)) V⁻¹, where JAX and SciPy use a Schur decomposition. That is exact for
diagonalizable matrices and differentiable where the eigenvalues are distinct; a defective
(non-diagonalizable) matrix, such as a Jordan block, gives an inaccurate or non-finite result.

>>> import numpy as np, numbax.scipy.linalg as xsl
>>> xsl.sqrtm(np.diag([4.0, 9.0])).real
array([[2., 0.],
       [0., 3.]])
"""
from __future__ import annotations

from collections.abc import Callable

from .. import numpy as xnp
from ..numpy import linalg as NL
from ..numpy import linalg_decompositions as ND
from ..numpy.arguments import float_operand


def _square_matrices(fname: str, a):
    a = float_operand(fname, a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"numbax.scipy.linalg.{fname}: expected square matrices (..., n, n), "
                         f"got shape {a.shape}")
    return a


def polar(a, side: str = "right", *, method: str | None = None, eps=None,
          max_iterations=None):
    """The polar decomposition (u, p): a = u @ p (side='right', p (n, n)) or a = p @ u
    (side='left', p (m, m)), u with orthonormal columns (rows) and p Hermitian positive
    semi-definite. Computed from the SVD a = W S Vᴴ whatever method says (JAX's default is
    'qdwh'); eps and max_iterations are accepted for it and ignored.

    >>> import numpy as np, numbax.scipy.linalg as xsl
    >>> u, p = xsl.polar(np.array([[0.0, 2.0], [3.0, 0.0]]))
    >>> u
    array([[0., 1.],
           [1., 0.]])
    >>> p
    array([[3., 0.],
           [0., 2.]])
    """
    if side not in ("right", "left"):
        raise ValueError(f"numbax.scipy.linalg.polar: side must be 'right' or 'left', got "
                         f"{side!r}")
    if method not in (None, "svd", "qdwh"):
        raise ValueError(f"numbax.scipy.linalg.polar: method must be 'svd' or 'qdwh', got "
                         f"{method!r}")
    a = float_operand("polar", a)
    if a.ndim < 2:
        raise ValueError(f"numbax.scipy.linalg.polar: expected a matrix (..., m, n), got shape "
                         f"{a.shape}")
    w, s, vh = ND.svd(a, full_matrices=False)
    u = xnp.matmul(w, vh)
    s = s.astype(a.dtype)
    if side == "right":
        p = xnp.matmul(ND.adjoint(vh) * s[..., None, :], vh)
    else:
        p = xnp.matmul(w * s[..., None, :], ND.adjoint(w))
    return u, p


def _eig_apply(fname: str, a, f: Callable):
    """V diag(f(w)) V⁻¹ from a's eigendecomposition, complex."""
    a = _square_matrices(fname, a)
    w, v = ND.eig(a)
    # V diag(f(w)) V⁻¹ = (V⁻ᵀ (V diag f(w))ᵀ)ᵀ: one solve instead of an inverse and a product
    scaled = v * xnp.expand_dims(f(w), -2)
    return NL.matrix_transpose(NL.solve(NL.matrix_transpose(v), NL.matrix_transpose(scaled)))


def sqrtm(A, blocksize: int = 1):
    """The principal square root of each square matrix of A (complex, as JAX's): the X with
    X @ X = A whose eigenvalues have non-negative real part. Via the eigendecomposition
    (module docstring: diagonalizable matrices); blocksize is accepted and ignored.

    >>> import numpy as np, numbax.scipy.linalg as xsl
    >>> x = xsl.sqrtm(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> bool(np.allclose(x @ x, [[2, 1], [1, 2]]))
    True
    """
    def principal_sqrt(w):
        # LAPACK may return a real negative eigenvalue as -x - 0j, whose sqrt is -i sqrt(x);
        # SciPy's (Schur) root takes +i sqrt(x), so the imaginary zero is made positive.
        return xnp.sqrt(xnp.where(xnp.imag(w) == 0, xnp.real(w).astype(w.dtype), w))

    return _eig_apply("sqrtm", A, principal_sqrt)


def funm(A, func: Callable, disp: bool = True):
    """The matrix function f(A) of each square matrix of A, for func acting elementwise on
    the (complex) eigenvalues; complex, computed via the eigendecomposition (module
    docstring). With disp=False, (F, errest), errest = ||A F - F A||₁ / ||F||₁ (F must commute
    with A).

    >>> import numpy as np, numbax.numpy as xnp, numbax.scipy.linalg as xsl
    >>> xsl.funm(np.diag([0.0, 1.0]), xnp.exp).real
    array([[1.        , 0.        ],
           [0.        , 2.71828183]])
    """
    F = _eig_apply("funm", A, func)
    if disp:
        return F
    A = xnp.asarray(A).astype(F.dtype)
    commutator = xnp.matmul(A, F) - xnp.matmul(F, A)
    one_norm = lambda x: xnp.max(xnp.sum(xnp.abs(x), axis=-2), axis=-1)  # noqa: E731
    return F, one_norm(commutator) / one_norm(F)
