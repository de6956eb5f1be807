"""numbax.numpy.linalg: NumPy's linalg on real and complex matrices (float32/64,
complex64/128), batched over leading dimensions.

Factorisations are the primitives of core/linalg_primitives.py (one LAPACK call per stack);
solve, inv, det and slogdet go through the LU factorisation, so their derivatives are those
of lu and triangular_solve. Integer inputs are promoted to float64 as NumPy does.

Errors: on concrete (eager, untransformed) inputs a singular matrix in solve/inv raises
numpy.linalg.LinAlgError as NumPy does; under jit or another transformation the value is not
known and, as in JAX, the result holds infs/NaNs. cholesky of a matrix that is not positive
definite returns NaNs (JAX's convention), also eagerly.

>>> import numpy as np, numbax.numpy as xnp
>>> xnp.linalg.solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([1.0, 1.0]))
array([0.5 , 0.25])
"""
from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np

from .. import lax
from ..core import linalg_primitives as LP
from ..core.avals import broadcast_shapes
from . import assembly, creation, elementwise, indexing, products, reductions, shapes, sorting
from .arguments import cast, check_arg, check_static, float_operand, float_operands
from .linalg_decompositions import adjoint

matrix_transpose = shapes.matrix_transpose


def _square(fname: str, a) -> None:
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"numbax.numpy.linalg.{fname}: last 2 dimensions of the array must "
                         f"be square, got shape {a.shape}")


def _lu_factor(fname: str, a):
    """lu, pivots, permutation of a; LinAlgError for a singular matrix when a is concrete."""
    lu, pivots, perm = LP.lu_p.bind_list(a)
    if isinstance(lu, np.ndarray) and np.any(np.diagonal(lu, axis1=-2, axis2=-1) == 0):
        raise np.linalg.LinAlgError(f"numbax.numpy.linalg.{fname}: singular matrix")
    return lu, pivots, perm


def _take_rows(b, perm):
    """b[..., perm, :] for a stack of permutations."""
    idx = shapes.broadcast_to(shapes.expand_dims(perm, -1), b.shape)
    return indexing.take_along_axis(b, idx, axis=-2)


def _tsolve(a, b, lower: bool, transpose: bool, unit: bool, conjugate: bool = False):
    return lax.linalg.triangular_solve(a, b, left_side=True, lower=lower, transpose_a=transpose,
                                       unit_diagonal=unit, conjugate_a=conjugate)


def lu_solve_factored(lu, perm, b, trans: int = 0):
    """x with a x = b (trans=0), aᵀ x = b (trans=1) or aᴴ x = b (trans=2), from a's LU
    factors (lu, permutation).

    b is a stack of matrices with lu's batch dimensions. Shared with numbax.scipy.linalg.
    """
    if trans == 0:
        y = _tsolve(lu, _take_rows(b, perm), True, False, True)
        return _tsolve(lu, y, False, False, False)
    # aᵀ = Uᵀ Lᵀ P: solve Uᵀ z = b, Lᵀ w = z, then x = Pᵀ w (conjugated factors for aᴴ).
    conj = trans == 2
    w = _tsolve(lu, _tsolve(lu, b, False, True, False, conj), True, True, True, conj)
    return _take_rows(w, cast(sorting.argsort(perm, axis=-1), perm.dtype))


def _broadcast_batch(a, b):
    batch = broadcast_shapes("solve", a.shape[:-2], b.shape[:-2])
    return (shapes.broadcast_to(a, batch + a.shape[-2:]),
            shapes.broadcast_to(b, batch + b.shape[-2:]))


def solve(a, b):
    """x with a @ x = b for square a (..., n, n); b is (n,) or a stack (..., n, k) (NumPy 2).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.solve(np.eye(2) * 2, np.ones((2, 1)))
    array([[0.5],
           [0.5]])
    """
    a, b = float_operands("solve", a, b)
    _square("solve", a)
    vector = b.ndim == 1
    if vector:
        b = shapes.expand_dims(b, -1)
    if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
        raise ValueError(f"numbax.numpy.linalg.solve: a of shape {a.shape} needs b of shape "
                         f"({a.shape[-1]},) or (..., {a.shape[-1]}, k), got {b.shape}")
    a, b = _broadcast_batch(a, b)
    lu, _, perm = _lu_factor("solve", a)
    x = lu_solve_factored(lu, perm, b)
    return shapes.squeeze(x, -1) if vector else x


def inv(a):
    """The inverse of each square matrix of a (..., n, n).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    a = float_operand("inv", a)
    _square("inv", a)
    eye = shapes.broadcast_to(creation.eye(a.shape[-1], dtype=a.dtype), a.shape)
    lu, _, perm = _lu_factor("inv", a)
    return lu_solve_factored(lu, perm, eye)


def _lu_sign_and_diagonal(fname: str, a):
    a = float_operand(fname, a)
    _square(fname, a)
    lu, pivots, _ = LP.lu_p.bind_list(a)
    swaps = reductions.sum(elementwise.not_equal(pivots, lax.iota(pivots.dtype, pivots.shape,
                                                                  pivots.ndim - 1)), axis=-1)
    # Each swap flips the sign (xnp functions, not operators: eager 0-d results stay arrays).
    sign = cast(elementwise.subtract(1, elementwise.multiply(2, elementwise.remainder(swaps, 2))),
                a.dtype)
    return sign, assembly.diagonal(lu, axis1=-2, axis2=-1)


def det(a):
    """The determinant of each square matrix of a (..., n, n), from its LU factorisation.

    >>> import numpy as np, numbax.numpy as xnp
    >>> round(float(xnp.linalg.det(np.array([[1.0, 2.0], [3.0, 4.0]]))), 12)
    -2.0
    """
    sign, diag = _lu_sign_and_diagonal("det", a)
    return elementwise.multiply(sign, reductions.prod(diag, axis=-1))


class SlogdetResult(NamedTuple):
    sign: object
    logabsdet: object


def slogdet(a) -> SlogdetResult:
    """(sign, log|det|) of each square matrix of a; sign 0 and logabsdet -inf when singular.
    For complex a the sign is complex (det / |det|) and logabsdet real, as in NumPy.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.slogdet(np.array([[-2.0, 0.0], [0.0, 3.0]])).sign
    array(-1.)
    """
    sign, diag = _lu_sign_and_diagonal("slogdet", a)
    size = elementwise.abs(diag)
    if diag.dtype.kind == "c":  # the sign is the phase e^{iθ}: diag / |diag|, 0 where 0
        nonzero = elementwise.not_equal(size, 0)
        unit = elementwise.divide(diag, cast(elementwise.where(nonzero, size, 1), diag.dtype))
        phases = elementwise.where(nonzero, unit, cast(0, diag.dtype))
    else:
        phases = elementwise.sign(diag)
    sign = elementwise.multiply(sign, reductions.prod(phases, axis=-1))
    with np.errstate(divide="ignore"):
        return SlogdetResult(sign, reductions.sum(elementwise.log(size), axis=-1))


def cholesky(a, *, upper: bool = False):
    """The Cholesky factor of each Hermitian positive-definite matrix of a: lower L with
    a = L Lᴴ, or upper U = Lᴴ. As in JAX, (a + aᴴ)/2 is factored, and a matrix that is not
    positive definite gives NaNs instead of NumPy's LinAlgError.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.cholesky(np.array([[4.0, 2.0], [2.0, 5.0]]))
    array([[2., 0.],
           [1., 2.]])
    """
    a = float_operand("cholesky", a)
    _square("cholesky", a)
    # JAX factors the Hermitian part, which makes the derivative Hermitian too.
    lower = LP.cholesky_p.bind(elementwise.multiply(
        elementwise.add(a, adjoint(a)), np.asarray(0.5, a.dtype)))
    return adjoint(lower) if upper else lower


def matrix_power(a, n: int):
    """a raised to the integer power n (n < 0 inverts), by repeated squaring.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.matrix_power(np.array([[1, 1], [0, 1]]), 3)
    array([[1, 3],
           [0, 1]])
    """
    n = check_static(n, "matrix_power", "n")
    if not isinstance(n, int | np.integer) or isinstance(n, bool):
        raise TypeError(f"numbax.numpy.linalg.matrix_power: exponent must be an integer, got "
                        f"{type(n).__name__}")
    a = check_arg(a, "matrix_power", 0)
    _square("matrix_power", a)
    if n == 0:
        return shapes.broadcast_to(creation.eye(a.shape[-1], dtype=a.dtype), a.shape)
    if n < 0:
        a, n = inv(a), -n
    result, square = None, a
    while n:
        if n & 1:
            result = square if result is None else products.matmul(result, square)
        n >>= 1
        if n:
            square = products.matmul(square, square)
    return result


def multi_dot(arrays, *, out=None):
    """The product of a chain of matrices (the first may be 1-D, a row; the last 1-D, a column).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.multi_dot([np.ones(2), np.eye(2), np.ones(2)])
    array(2.)
    """
    if out is not None:
        raise TypeError("numbax.numpy.linalg.multi_dot: out= is not supported (only out=None)")
    arrays = [check_arg(x, "multi_dot", i) for i, x in enumerate(arrays)]
    if len(arrays) < 2:
        raise ValueError("numbax.numpy.linalg.multi_dot: expecting at least two arrays")
    for i, x in enumerate(arrays):
        edge = i in (0, len(arrays) - 1)
        if np.ndim(x) != 2 and not (edge and np.ndim(x) == 1):
            raise ValueError(f"numbax.numpy.linalg.multi_dot: array {i} has {np.ndim(x)} "
                             "dimensions; expected 2 (or 1 for the first and last)")
    return functools.reduce(products.dot, arrays)


def tensorsolve(a, b, axes=None):
    """x with tensordot(a, x, x.ndim) = b, as numpy.linalg.tensorsolve.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.tensorsolve(np.eye(4).reshape(4, 2, 2), np.ones(4)).shape
    (2, 2)
    """
    a, b = float_operands("tensorsolve", a, b)
    if axes is not None:
        order = [k for k in range(a.ndim) if k not in [ax % a.ndim for ax in axes]]
        a = shapes.transpose(a, order + [ax % a.ndim for ax in axes])
    old = a.shape[b.ndim:]
    size = math.prod(old)
    if math.prod(a.shape[:b.ndim]) != size:
        raise np.linalg.LinAlgError(
            f"numbax.numpy.linalg.tensorsolve: a of shape {a.shape} and b of shape {b.shape} "
            "must satisfy prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim])")
    x = solve(shapes.reshape(a, (size, size)), shapes.reshape(b, (size,)))
    return shapes.reshape(x, old)


def tensorinv(a, ind: int = 2):
    """The inverse of a with respect to tensordot over its first ind axes.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.tensorinv(np.eye(4).reshape(4, 2, 2), ind=1).shape
    (2, 2, 4)
    """
    a = float_operand("tensorinv", a)
    if not isinstance(ind, int) or ind <= 0:
        raise ValueError(f"numbax.numpy.linalg.tensorinv: ind must be a positive int, got {ind}")
    size = math.prod(a.shape[:ind])
    if math.prod(a.shape[ind:]) != size:
        raise ValueError(f"numbax.numpy.linalg.tensorinv: shape {a.shape} is not square over "
                         f"its first {ind} axes and the rest")
    ia = inv(shapes.reshape(a, (size, size)))
    return shapes.reshape(ia, a.shape[ind:] + a.shape[:ind])


def outer(x1, x2, /):
    """The outer product of two vectors (1-D only, as numpy.linalg.outer).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.linalg.outer(np.array([1, 2]), np.array([1, 10]))
    array([[ 1, 10],
           [ 2, 20]])
    """
    for i, x in enumerate((x1, x2)):
        if np.ndim(check_arg(x, "outer", i)) != 1:
            raise ValueError(f"numbax.numpy.linalg.outer: input arrays must be one-dimensional, "
                             f"argument {i} has shape {np.shape(x)}")
    return products.outer(x1, x2)


def cross(x1, x2, /, *, axis: int = -1):
    """The cross product of 3-element vectors along axis (numpy.linalg.cross)."""
    for i, x in enumerate((x1, x2)):
        shape = np.shape(check_arg(x, "cross", i))
        if not shape or shape[axis] != 3:
            raise ValueError(f"numbax.numpy.linalg.cross: both inputs must have 3 elements "
                             f"along axis {axis}, argument {i} has shape {shape}")
    return products.cross(x1, x2, axis=axis)


def trace(x, /, *, offset: int = 0, dtype=None):
    """The sum of the diagonal of each matrix (the last two axes)."""
    return assembly.trace(x, offset=offset, axis1=-2, axis2=-1, dtype=dtype)


def diagonal(x, /, *, offset: int = 0):
    """The diagonal of each matrix (the last two axes)."""
    return assembly.diagonal(x, offset=offset, axis1=-2, axis2=-1)


def vecdot(x1, x2, /, *, axis: int = -1):
    """The dot product of vectors along axis, broadcasting the rest."""
    return products.vecdot(x1, x2, axis=axis)


__all__ = ["cholesky", "cross", "det", "diagonal", "inv", "matrix_power", "matrix_transpose",
           "multi_dot", "outer", "slogdet", "solve", "tensorinv", "tensorsolve", "trace",
           "vecdot"]

# The decompositions (qr, svd, eigh) and what builds on them: numpy/linalg_decompositions.py.
from . import linalg_decompositions  # noqa: E402
from .linalg_decompositions import *  # noqa: E402, F403

__all__ += linalg_decompositions.__all__
