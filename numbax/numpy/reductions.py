"""Reductions: sum, prod, mean, max, min, any, all, var, std, cumsum, argmax and argmin."""
from __future__ import annotations

import builtins
import math

import numpy as np

from .. import lax
from ..core.avals import canonical_axes, canonical_axis, check_dtype
from .arguments import PYTHON_SCALARS, cast, check_arg, shape_of
from .creation import asarray
from .elementwise import divide, multiply, sqrt, subtract
from .shapes import ravel, reshape

__all__ = [
    "all", "amax", "amin", "any", "argmax", "argmin", "cumsum", "max", "mean", "min", "prod",
    "std", "sum", "var",
]


def _reduce(fname: str, a, axis, keepdims: bool, reducer):
    a = check_arg(a, fname, 0)
    if isinstance(a, PYTHON_SCALARS):
        a = np.asarray(a)
    axes = canonical_axes(axis, len(shape_of(a)), fname)
    out = reducer(a, axes)
    return lax.expand_dims(out, axes) if keepdims and axes else out


def _sum_dtype(dt: np.dtype) -> np.dtype:
    # NumPy accumulates small integers and bools in the platform integer.
    if dt.kind == "b" or (dt.kind == "i" and dt.itemsize < 8):
        return np.dtype(np.int64)
    if dt.kind == "u" and dt.itemsize < 8:
        return np.dtype(np.uint64)
    return dt


def sum(a, axis=None, dtype=None, keepdims: bool = False):  # noqa: A001
    """Sum over the given axes (all by default), as numpy.sum."""
    def reducer(a, axes):
        dt = _sum_dtype(a.dtype) if dtype is None else np.dtype(dtype)
        return lax.reduce_sum(cast(a, dt), axes)
    return _reduce("sum", a, axis, keepdims, reducer)


def prod(a, axis=None, dtype=None, keepdims: bool = False):
    """Product over the given axes (all by default), as numpy.prod."""
    def reducer(a, axes):
        dt = _sum_dtype(a.dtype) if dtype is None else np.dtype(dtype)
        return lax.reduce_prod(cast(a, dt), axes)
    return _reduce("prod", a, axis, keepdims, reducer)


def mean(a, axis=None, dtype=None, keepdims: bool = False):
    """Arithmetic mean over the given axes, as numpy.mean (integers give float64)."""
    def reducer(a, axes):
        dt = np.dtype(dtype) if dtype is not None else (
            a.dtype if a.dtype.kind == "f" else np.dtype(np.float64))
        count = math.prod(a.shape[i] for i in axes)
        return lax.div(lax.reduce_sum(cast(a, dt), axes), np.asarray(count, dt))
    return _reduce("mean", a, axis, keepdims, reducer)


def _without_identity(op: str, reducer):
    def reduce(a, axes):
        # lax's reductions give -inf (+inf) for nothing; NumPy's max (min) raises.
        if builtins.any(a.shape[i] == 0 for i in axes):
            raise ValueError(f"zero-size array to reduction operation {op} which has no "
                             "identity")
        return reducer(a, axes)
    return reduce


def max(a, axis=None, keepdims: bool = False):  # noqa: A001
    """Maximum over the given axes, as numpy.max (nan propagates)."""
    return _reduce("max", a, axis, keepdims, _without_identity("maximum", lax.reduce_max))


def min(a, axis=None, keepdims: bool = False):  # noqa: A001
    """Minimum over the given axes, as numpy.min (nan propagates)."""
    return _reduce("min", a, axis, keepdims, _without_identity("minimum", lax.reduce_min))


amax, amin = max, min


def any(a, axis=None, keepdims: bool = False):  # noqa: A001
    """Whether any element along the axes is nonzero, as numpy.any."""
    return _reduce("any", a, axis, keepdims,
                   lambda a, axes: lax.reduce_max(_nonzero(a), axes))


def all(a, axis=None, keepdims: bool = False):  # noqa: A001
    """Whether every element along the axes is nonzero, as numpy.all."""
    return _reduce("all", a, axis, keepdims,
                   lambda a, axes: lax.reduce_min(_nonzero(a), axes))


def _nonzero(a):
    return a if a.dtype == np.bool_ else lax.ne(a, np.zeros((), a.dtype))


def var(a, axis=None, dtype=None, ddof: int = 0, keepdims: bool = False):
    """Variance over the given axes with ddof delta degrees of freedom, as numpy.var."""
    a = asarray(a)
    axes = canonical_axes(axis, a.ndim, "var")
    centred = subtract(a, mean(a, axes, dtype, keepdims=True))
    count = math.prod(a.shape[i] for i in axes) - ddof
    total = sum(multiply(centred, centred), axes, keepdims=keepdims)
    return divide(total, np.asarray(builtins.max(count, 0), total.dtype))


def std(a, axis=None, dtype=None, ddof: int = 0, keepdims: bool = False):
    """Standard deviation over the given axes, as numpy.std."""
    return sqrt(var(a, axis, dtype, ddof, keepdims))


def cumsum(a, axis=None, dtype=None):
    """Cumulative sum along axis (over the flattened array when axis is None), as numpy.cumsum.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.cumsum(np.array([[1, 2], [3, 4]]), axis=0)
    array([[1, 2],
           [4, 6]])
    """
    a = asarray(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = canonical_axis(axis, a.ndim, "cumsum")
    dt = _sum_dtype(a.dtype) if dtype is None else check_dtype(dtype, "cumsum dtype")
    return lax.cumsum(cast(a, dt), axis)


def _arg_reduce(fname: str, prim_fn, a, axis, keepdims: bool):
    a = asarray(a)
    if axis is None:
        out = prim_fn(ravel(a), 0)
        return reshape(out, (1,) * a.ndim) if keepdims else out
    axis = canonical_axis(axis, a.ndim, fname)
    out = prim_fn(a, axis)
    return lax.expand_dims(out, (axis,)) if keepdims else out


def argmax(a, axis=None, keepdims: bool = False):
    """Index of the maximum (first one on ties), as numpy.argmax."""
    return _arg_reduce("argmax", lax.argmax, a, axis, keepdims)


def argmin(a, axis=None, keepdims: bool = False):
    """Index of the minimum (first one on ties), as numpy.argmin."""
    return _arg_reduce("argmin", lax.argmin, a, axis, keepdims)
