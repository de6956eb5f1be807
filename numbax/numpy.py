"""numbax.numpy: a NumPy-like namespace written in terms of lax primitives.

NumPy semantics: broadcasting, NumPy 2 dtype promotion (Python scalars are weakly typed),
float64 by default. Outside any transformation the results are plain NumPy arrays.

>>> import numpy as np, numbax.numpy as xnp
>>> xnp.sin(np.zeros(2)) + 1
array([1., 1.])
"""
from __future__ import annotations

import builtins
import math
from collections.abc import Sequence

import numpy as np

from . import lax
from .core.avals import (
    aval_of_value,
    broadcast_shapes,
    canonical_axes,
    canonical_axis,
    check_dtype,
)
from .core.trace import Tracer

ndarray = np.ndarray
float32, float64, int32, int64, bool_ = np.float32, np.float64, np.int32, np.int64, np.bool_
float16, int8, int16, uint8, uint32, uint64 = (np.float16, np.int8, np.int16, np.uint8,
                                               np.uint32, np.uint64)
pi, e, inf, nan, newaxis = np.pi, np.e, np.inf, np.nan, None
dtype, result_type, finfo, iinfo = np.dtype, np.result_type, np.finfo, np.iinfo

_SCALARS = bool | int | float


# ---------------------------------------------------------------------------------------------
# Argument checking and promotion


def _arg(x, fname: str, pos: int):
    """Check one argument: a Tracer, a NumPy array or scalar, or a Python scalar."""
    if isinstance(x, Tracer | _SCALARS):
        return x
    if isinstance(x, np.ndarray | np.generic):
        check_dtype(x.dtype, f"{fname}: argument {pos}")
        return np.asarray(x)
    raise TypeError(f"{fname}: argument {pos} is of type {type(x).__name__}; expected an array "
                    "or a Python scalar (use numbax.numpy.asarray for lists and tuples)")


def _dtype(x) -> np.dtype:
    return x.dtype if isinstance(x, Tracer | np.ndarray) else np.asarray(x).dtype


def _shape(x) -> tuple[int, ...]:
    return x.shape if isinstance(x, Tracer | np.ndarray) else ()


def _cast(x, dtype: np.dtype):
    if isinstance(x, _SCALARS):
        return np.asarray(x, dtype)
    return x if x.dtype == dtype else lax.convert_element_type(x, dtype)


def _promote(fname: str, *args, inexact: bool = False, min_float=np.float16) -> list:
    """Check the arguments, broadcast-check their shapes and convert them to one dtype.

    inexact: the result is a float, at least min_float when no operand is a float."""
    args = [_arg(x, fname, i) for i, x in enumerate(args)]
    broadcast_shapes(fname, *map(_shape, args))
    dt = np.result_type(*(a if isinstance(a, _SCALARS) else a.dtype for a in args))
    if inexact and dt.kind not in "f":
        # As NumPy's float-only ufuncs: each operand goes to the smallest float that holds
        # it (int8 and uint8 give float16, not float32 via int16); Python scalars are weak.
        arrays = [a.dtype for a in args if not isinstance(a, _SCALARS)]
        dtypes = arrays + [np.result_type(*arrays, a) for a in args if isinstance(a, _SCALARS)]
        dt = np.result_type(*(np.promote_types(d, min_float) for d in dtypes))
    if dt.kind in "iuO":
        # A weak Python int must fit the integer dtype it joins (as in NumPy 2); ints past 64
        # bits with nothing else to join promote to object, which numbax does not have.
        for i, a in enumerate(args):
            if type(a) is int:
                info = np.iinfo(dt if dt.kind != "O" else np.int64)
                if not info.min <= a <= (info.max if dt.kind != "O" else 2**64 - 1):
                    raise OverflowError(
                        f"{fname}: argument {i} is the Python int {a}, which does not fit in "
                        f"{dt if dt.kind != 'O' else 'a 64-bit integer'}")
    return [_cast(a, dt) for a in args]


def _unary_float(fn, name: str):
    def op(x):
        return fn(*_promote(name, x, inexact=True))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name}, as numpy.{name}; integers are promoted to floats."
    return op


def _binary(fn, name: str, inexact: bool = False, bool_fn=None):
    def op(x, y):
        x, y = _promote(name, x, y, inexact=inexact)
        if bool_fn is not None and x.dtype == np.bool_:
            return bool_fn(x, y)
        return fn(x, y)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name} with broadcasting and promotion, as numpy.{name}."
    return op


sin, cos, tan, tanh = (_unary_float(lax.sin, "sin"), _unary_float(lax.cos, "cos"),
                       _unary_float(lax.tan, "tan"), _unary_float(lax.tanh, "tanh"))
exp, log = _unary_float(lax.exp, "exp"), _unary_float(lax.log, "log")
log1p, expm1 = _unary_float(lax.log1p, "log1p"), _unary_float(lax.expm1, "expm1")
sqrt = _unary_float(lax.sqrt, "sqrt")
cbrt = _unary_float(lax.cbrt, "cbrt")

add = _binary(lax.add, "add", bool_fn=lax.bitwise_or)
subtract = _binary(lax.sub, "subtract")
multiply = _binary(lax.mul, "multiply", bool_fn=lax.bitwise_and)


def divide(x, y):
    """x / y elementwise, as numpy.divide: bool and integer operands give float64."""
    return lax.div(*_promote("divide", x, y, inexact=True, min_float=np.float64))


true_divide = divide
maximum = _binary(lax.max, "maximum")
minimum = _binary(lax.min, "minimum")
less, less_equal = _binary(lax.lt, "less"), _binary(lax.le, "less_equal")
greater, greater_equal = _binary(lax.gt, "greater"), _binary(lax.ge, "greater_equal")
equal, not_equal = _binary(lax.eq, "equal"), _binary(lax.ne, "not_equal")


def _unary_numeric(fn, name: str):
    def op(x):
        (x,) = _promote(name, x)
        if x.dtype == np.bool_:
            raise TypeError(f"{name} does not accept bool arrays")
        return fn(x)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name}, as numpy.{name}."
    return op


negative = _unary_numeric(lax.neg, "negative")


def abs(x):  # noqa: A001
    """Elementwise absolute value, as numpy.abs (the identity on bools)."""
    (x,) = _promote("abs", x)
    return x if x.dtype == np.bool_ else lax.abs(x)


absolute = abs
sign = _unary_numeric(lax.sign, "sign")


def logical_not(x):
    """Elementwise not, as numpy.logical_not."""
    return lax.bitwise_not(not_equal(x, False) if _dtype(x) != np.bool_ else _arg(x, "not", 0))


def logical_and(x, y):
    return lax.bitwise_and(not_equal(x, False), not_equal(y, False))


def logical_or(x, y):
    return lax.bitwise_or(not_equal(x, False), not_equal(y, False))


def _bool_to_int8(x):
    # NumPy has no bool loop for power and square: bools are raised as int8.
    return _cast(x, np.dtype(np.int8)) if x.dtype == np.bool_ else x


def power(x, y):
    """x ** y elementwise; a Python int exponent becomes an exact integer power."""
    if isinstance(y, int) and not isinstance(y, bool):
        x, _ = _promote("power", x, y)
        if x.dtype.kind in "iu" and y < 0:
            raise ValueError("power: integers to negative integer powers are not allowed")
        return lax.integer_pow(_bool_to_int8(x), y)
    return lax.pow(*map(_bool_to_int8, _promote("power", x, y)))


def square(x):
    """x * x elementwise."""
    return lax.integer_pow(_bool_to_int8(*_promote("square", x)), 2)


def reciprocal(x):
    """1 / x elementwise (integer division for integer arrays, as in NumPy)."""
    x = _bool_to_int8(*_promote("reciprocal", x))
    return lax.div(np.ones((), x.dtype), x)


def where(condition, x=None, y=None):
    """Elementwise `x if condition else y`, with broadcasting.

    The one-argument form (the indices of the nonzero entries) has a data-dependent shape
    and is not supported.
    """
    if x is None or y is None:
        raise TypeError("where(condition) without x and y has a data-dependent shape and is "
                        "not supported; pass both x and y")
    condition = _arg(condition, "where", 0)
    if _dtype(condition) != np.bool_:
        condition = not_equal(condition, 0)
    x, y = _promote("where", x, y)
    broadcast_shapes("where", _shape(condition), x.shape, y.shape)
    return lax.select(np.asarray(condition) if isinstance(condition, bool) else condition, x, y)


def clip(a, a_min=None, a_max=None, *, min=None, max=None):  # noqa: A002
    """Limit values to [a_min, a_max], as numpy.clip (NumPy 2 also names them min and max).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.clip(np.array([-2.0, 0.5, 3.0]), max=1.0)
    array([-2. ,  0.5,  1. ])
    """
    for old, new, name in ((a_min, min, "min"), (a_max, max, "max")):
        if old is not None and new is not None:
            raise TypeError(f"clip: pass a_{name} or {name}, not both")
    lo, hi = (a_min if min is None else min), (a_max if max is None else max)
    if lo is not None:
        a = maximum(a, lo)
    if hi is not None:
        a = minimum(a, hi)
    return a


def round(a, decimals: int = 0):  # noqa: A001
    """Round to the given number of decimals, halves to even, as numpy.round.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.round(np.array([0.5, 1.5, 2.675]), 2)
    array([0.5 , 1.5 , 2.68])
    """
    (a,) = _promote("round", a)
    decimals = _static(decimals, "round", "decimals")
    if not isinstance(decimals, int | np.integer):
        raise TypeError(f"round: decimals must be an int, got {type(decimals).__name__}")
    if a.dtype.kind in "biu":
        if decimals >= 0:
            return a
        # Rounding to tens, hundreds...: through float64, which holds such integers exactly
        # up to 2**53, then back to the integer dtype as NumPy returns.
        return astype(round(astype(a, np.float64), decimals), a.dtype)
    if decimals == 0:
        return lax.round(a, 1)
    scale = np.asarray(10.0 ** builtins.abs(int(decimals)), a.dtype)
    if decimals > 0:
        return lax.div(lax.round(lax.mul(a, scale), 1), scale)
    return lax.mul(lax.round(lax.div(a, scale), 1), scale)


around = round


def logaddexp(x, y):
    """log(exp(x) + exp(y)) without overflow, with exact derivatives of every order."""
    x, y = _promote("logaddexp", x, y, inexact=True)
    delta = lax.sub(x, y)
    # Each branch is smooth where it is selected and exp only sees -|delta|: the max/abs form
    # has kinks at x == y that cancel in the value but not in the second derivative.
    x_big = lax.gt(delta, np.zeros((), delta.dtype))
    big, small = lax.select(x_big, x, y), lax.select(x_big, y, x)
    out = lax.add(big, lax.log1p(lax.exp(lax.sub(small, big))))
    # Equal infinities give a nan delta; their sum is then the right answer.
    return lax.select(lax.ne(delta, delta), lax.add(x, y), out)


def isnan(x):
    (x,) = _promote("isnan", x)
    return lax.ne(x, x)


def isfinite(x):
    (x,) = _promote("isfinite", x, inexact=True)
    return lax.lt(lax.abs(x), np.asarray(np.inf, x.dtype))


# ---------------------------------------------------------------------------------------------
# Reductions


def _reduce(fname: str, a, axis, keepdims: bool, reducer):
    a = _arg(a, fname, 0)
    if isinstance(a, _SCALARS):
        a = np.asarray(a)
    axes = canonical_axes(axis, len(_shape(a)), fname)
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
        return lax.reduce_sum(_cast(a, dt), axes)
    return _reduce("sum", a, axis, keepdims, reducer)


def prod(a, axis=None, dtype=None, keepdims: bool = False):
    """Product over the given axes (all by default), as numpy.prod."""
    def reducer(a, axes):
        dt = _sum_dtype(a.dtype) if dtype is None else np.dtype(dtype)
        return lax.reduce_prod(_cast(a, dt), axes)
    return _reduce("prod", a, axis, keepdims, reducer)


def mean(a, axis=None, dtype=None, keepdims: bool = False):
    """Arithmetic mean over the given axes, as numpy.mean (integers give float64)."""
    def reducer(a, axes):
        dt = np.dtype(dtype) if dtype is not None else (
            a.dtype if a.dtype.kind == "f" else np.dtype(np.float64))
        count = math.prod(a.shape[i] for i in axes)
        return lax.div(lax.reduce_sum(_cast(a, dt), axes), np.asarray(count, dt))
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
    return lax.cumsum(_cast(a, dt), axis)


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


# ---------------------------------------------------------------------------------------------
# Products


def matmul(a, b):
    """Matrix product with broadcasting over leading dimensions, as numpy.matmul / `@`."""
    a, b = _promote_shapes_free("matmul", a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: operands must have at least one dimension, got shapes "
                         f"{a.shape} and {b.shape}")
    a2 = a if a.ndim > 1 else lax.expand_dims(a, (0,))
    b2 = b if b.ndim > 1 else lax.expand_dims(b, (1,))
    if a2.shape[-1] != b2.shape[-2]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} are not aligned: "
                         f"{a2.shape[-1]} (dim {a2.ndim - 1}) != {b2.shape[-2]} "
                         f"(dim {b2.ndim - 2})")
    batch = broadcast_shapes("matmul", a2.shape[:-2], b2.shape[:-2])
    a2 = _broadcast_to(a2, batch + a2.shape[-2:])
    b2 = _broadcast_to(b2, batch + b2.shape[-2:])
    nb = len(batch)
    out = lax.dot_general(a2, b2, (((nb + 1,), (nb,)), (tuple(range(nb)), tuple(range(nb)))))
    drop = ([nb] if a.ndim == 1 else []) + ([out.ndim - 1] if b.ndim == 1 else [])
    return lax.squeeze(out, drop) if drop else out


def _promote_shapes_free(fname: str, *args):
    """Promote dtypes without requiring the shapes to broadcast (products contract them)."""
    args = [asarray(_arg(x, fname, i)) for i, x in enumerate(args)]
    dt = np.result_type(*(a.dtype for a in args))
    return [_cast(a, dt) for a in args]


def dot(a, b):
    """numpy.dot: inner product of vectors, matrix product, or sum over a's last axis and
    b's second-to-last."""
    a, b = _promote_shapes_free("dot", a, b)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    cb = b.ndim - 2 if b.ndim >= 2 else 0
    if a.shape[-1] != b.shape[cb]:
        raise ValueError(f"dot: shapes {a.shape} and {b.shape} are not aligned: "
                         f"{a.shape[-1]} (dim {a.ndim - 1}) != {b.shape[cb]} (dim {cb})")
    return lax.dot_general(a, b, (((a.ndim - 1,), (cb,)), ((), ())))


def vdot(a, b):
    """Inner product of the flattened arrays."""
    return dot(ravel(a), ravel(b))


def inner(a, b):
    """Sum product over the last axes."""
    a, b = _promote_shapes_free("inner", a, b)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    return lax.dot_general(a, b, (((a.ndim - 1,), (b.ndim - 1,)), ((), ())))


def outer(a, b):
    """Outer product of the flattened arrays."""
    a, b = ravel(a), ravel(b)
    return multiply(lax.expand_dims(a, (1,)), lax.expand_dims(b, (0,)))


# ---------------------------------------------------------------------------------------------
# Shapes


def _broadcast_to(x, shape):
    if x.shape == tuple(shape):
        return x
    return lax.broadcast_in_dim(x, shape, tuple(range(len(shape) - x.ndim, len(shape))))


def broadcast_to(array, shape):
    """Broadcast an array to a new shape, as numpy.broadcast_to."""
    array = asarray(array)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if broadcast_shapes("broadcast_to", array.shape, shape) != shape:
        raise ValueError(f"broadcast_to: cannot broadcast shape {array.shape} to {shape}")
    return _broadcast_to(array, shape)


def broadcast_arrays(*args):
    args = [asarray(a) for a in args]
    shape = broadcast_shapes("broadcast_arrays", *(a.shape for a in args))
    return [_broadcast_to(a, shape) for a in args]


def reshape(a, newshape, order: str = "C"):
    """Reshape (one dimension may be -1), as numpy.reshape; only C order."""
    if order != "C":
        raise NotImplementedError("reshape supports only order='C'")
    a = asarray(a)
    newshape = (newshape,) if isinstance(newshape, int | np.integer) else tuple(newshape)
    if newshape.count(-1) == 1:
        known = math.prod(d for d in newshape if d != -1)
        if known == 0 or a.size % known:
            raise ValueError(f"cannot reshape an array of shape {a.shape} into shape {newshape}")
        newshape = tuple(a.size // known if d == -1 else d for d in newshape)
    return a if newshape == a.shape else lax.reshape(a, newshape)


def ravel(a):
    """The array flattened to one dimension."""
    return reshape(a, (-1,))


def transpose(a, axes=None):
    """Permute the axes (reverse them by default), as numpy.transpose."""
    a = asarray(a)
    if axes is None:
        axes = tuple(reversed(range(a.ndim)))
    axes = tuple(canonical_axis(ax, a.ndim, "transpose") for ax in axes)
    if sorted(axes) != list(range(a.ndim)):
        raise ValueError(f"transpose: axes {axes} do not match an array of rank {a.ndim}")
    return a if axes == tuple(range(a.ndim)) else lax.transpose(a, axes)


def swapaxes(a, axis1: int, axis2: int):
    """Interchange two axes."""
    a = asarray(a)
    perm = list(range(a.ndim))
    i, j = canonical_axis(axis1, a.ndim, "swapaxes"), canonical_axis(axis2, a.ndim, "swapaxes")
    perm[i], perm[j] = perm[j], perm[i]
    return transpose(a, perm)


def moveaxis(a, source, destination):
    """Move axes to new positions, as numpy.moveaxis."""
    a = asarray(a)
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [canonical_axis(s, a.ndim, "moveaxis") for s in src]
    dst = [canonical_axis(d, a.ndim, "moveaxis") for d in dst]
    perm = [i for i in range(a.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return transpose(a, perm)


def expand_dims(a, axis):
    """Insert size-1 axes at the given positions of the result."""
    a = asarray(a)
    axes = canonical_axes(axis, a.ndim + (1 if isinstance(axis, int) else len(axis)),
                          "expand_dims")
    return lax.expand_dims(a, axes)


def squeeze(a, axis=None):
    """Remove size-1 axes (all of them by default)."""
    a = asarray(a)
    if axis is None:
        axes = tuple(i for i, d in enumerate(a.shape) if d == 1)
    else:
        axes = canonical_axes(axis, a.ndim, "squeeze")
    return lax.squeeze(a, axes) if axes else a


def concatenate(arrays: Sequence, axis: int | None = 0):
    """Join arrays along an existing axis (flattened first when axis is None)."""
    arrays = [asarray(a) for a in arrays]
    if not arrays:
        raise ValueError("concatenate needs at least one array")
    if axis is None:
        arrays, axis = [ravel(a) for a in arrays], 0
    if builtins.any(a.ndim == 0 for a in arrays):
        raise ValueError("concatenate: zero-dimensional arrays cannot be concatenated")
    axis = canonical_axis(axis, arrays[0].ndim, "concatenate")
    if builtins.any(a.ndim != arrays[0].ndim for a in arrays):
        raise ValueError("concatenate: all arrays must have the same number of dimensions, got "
                         f"shapes {[a.shape for a in arrays]}")
    dt = np.result_type(*(a.dtype for a in arrays))
    arrays = [_cast(a, dt) for a in arrays]
    return arrays[0] if len(arrays) == 1 else lax.concatenate(arrays, axis)


def stack(arrays: Sequence, axis: int = 0):
    """Join arrays along a new axis."""
    arrays = [asarray(a) for a in arrays]
    if not arrays:
        raise ValueError("stack needs at least one array")
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"stack: all input arrays must have the same shape, got {sorted(shapes)}")
    axis = canonical_axis(axis, arrays[0].ndim + 1, "stack")
    return concatenate([lax.expand_dims(a, (axis,)) for a in arrays], axis)


# ---------------------------------------------------------------------------------------------
# Creation


def _shape_arg(shape) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, int | np.integer) else tuple(int(d) for d in shape)


def full(shape, fill_value, dtype=None):
    """An array of the given shape filled with fill_value (which may be traced)."""
    shape = _shape_arg(shape)
    if isinstance(fill_value, Tracer) or (isinstance(fill_value, np.ndarray) and fill_value.ndim):
        fill = asarray(fill_value, dtype)
        return broadcast_to(fill, shape)
    dt = np.dtype(dtype) if dtype is not None else np.asarray(fill_value).dtype
    return lax.full(shape, np.asarray(fill_value, dt).item(), dt)


def zeros(shape, dtype=None):
    """An array of zeros (float64 by default)."""
    return full(shape, 0, np.float64 if dtype is None else dtype)


def ones(shape, dtype=None):
    """An array of ones (float64 by default)."""
    return full(shape, 1, np.float64 if dtype is None else dtype)


def full_like(a, fill_value, dtype=None, shape=None):
    a = asarray(a)
    return full(a.shape if shape is None else shape, fill_value,
                a.dtype if dtype is None else dtype)


def zeros_like(a, dtype=None, shape=None):
    return full_like(a, 0, dtype, shape)


def ones_like(a, dtype=None, shape=None):
    return full_like(a, 1, dtype, shape)


def _static(x, fname: str, what: str):
    if isinstance(x, Tracer):
        raise TypeError(f"{fname}: {what} must be a static Python number, got a traced array "
                        f"{x.aval.str_short()} (the output shape would depend on it)")
    return x


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in [start, stop), as numpy.arange (arguments are static)."""
    for name, v in (("start", start), ("stop", stop), ("step", step)):
        _static(v, "arange", name)
    args = [v for v in (start, stop, step) if v is not None]
    return asarray(np.arange(*args, dtype=dtype))


def linspace(start, stop, num: int = 50, endpoint: bool = True, dtype=None):
    """num evenly spaced values from start to stop; start and stop may be traced."""
    num = int(_static(num, "linspace", "num"))
    if num < 0:
        raise ValueError(f"linspace: num must be non-negative, got {num}")
    if not isinstance(start, Tracer) and not isinstance(stop, Tracer):
        return asarray(np.linspace(start, stop, num, endpoint=endpoint, dtype=dtype))
    start, stop = _promote("linspace", start, stop, inexact=True)
    div = (num - 1) if endpoint else num
    steps = lax.iota(start.dtype, (num,)) / builtins.max(div, 1)
    out = start + steps * (stop - start)
    if endpoint and num > 1:
        out = concatenate([out[:-1], reshape(stop, (1,))])
    return out if dtype is None else astype(out, dtype)


def eye(N: int, M: int | None = None, k: int = 0, dtype=None):
    """A 2-D array with ones on the k-th diagonal."""
    return asarray(np.eye(N, M, k, dtype=np.float64 if dtype is None else dtype))


def identity(n: int, dtype=None):
    return eye(n, dtype=dtype)


def asarray(a, dtype=None):
    """Convert to an array: lists, tuples, scalars and arrays; traced values pass through."""
    if isinstance(a, Tracer):
        return a if dtype is None else astype(a, dtype)
    if isinstance(a, list | tuple) and _contains_tracer(a):
        parts = [asarray(x, dtype) for x in a]
        shapes = {p.shape for p in parts}
        if len(shapes) > 1:  # the error NumPy gives for the same list of concrete values
            raise TypeError(f"asarray: cannot convert {type(a).__name__} to an array: its "
                            f"items have inhomogeneous shapes {sorted(shapes)}")
        return stack(parts)
    try:
        out = np.asarray(a, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"asarray: cannot convert {type(a).__name__} to an array: {err}") from None
    aval_of_value(out, "asarray argument")
    return out


def array(a, dtype=None, copy: bool = True):
    """Like asarray, but copies concrete inputs, as numpy.array."""
    out = asarray(a, dtype)
    return out.copy() if copy and isinstance(out, np.ndarray) and out is a else out


def _contains_tracer(xs) -> bool:
    return builtins.any(isinstance(x, Tracer) or (isinstance(x, list | tuple) and _contains_tracer(x))
                        for x in xs)


def astype(x, dtype):
    """x converted to dtype."""
    dt = check_dtype(np.dtype(dtype), "astype target")
    x = asarray(x)
    return x if x.dtype == dt else lax.convert_element_type(x, dt)


def shape(a) -> tuple[int, ...]:
    return asarray(a).shape


def ndim(a) -> int:
    return asarray(a).ndim


def size(a) -> int:
    return asarray(a).size


# ---------------------------------------------------------------------------------------------
# Indexing


def _normalize_index(idx, ndim: int) -> tuple:
    idx = idx if isinstance(idx, tuple) else (idx,)
    n_real = builtins.sum(1 for i in idx if i is not None and i is not Ellipsis)
    if n_real > ndim:
        raise IndexError(f"too many indices: array of rank {ndim} indexed with {n_real}")
    if builtins.sum(1 for i in idx if i is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if not builtins.any(i is Ellipsis for i in idx):
        idx = idx + (Ellipsis,)
    pos = next(i for i, v in enumerate(idx) if v is Ellipsis)
    return idx[:pos] + (builtins.slice(None),) * (ndim - n_real) + idx[pos + 1:]


def _is_array_index(i) -> bool:
    return isinstance(i, Tracer) or (isinstance(i, np.ndarray | list) and np.ndim(i) >= 0
                                     and not isinstance(i, np.generic))


def getitem(x, idx):
    """Basic indexing (ints, slices with any step, None, ...) and one integer-array index.

    Out-of-range array indices are clamped as in JAX; static out-of-range ints raise.
    """
    x = asarray(x)
    idx = _normalize_index(idx, x.ndim)
    starts, limits, strides, reversed_dims, int_dims = [], [], [], [], []
    array_index = None
    dim = 0
    for entry in idx:
        if entry is None:
            continue
        n = x.shape[dim]
        if isinstance(entry, bool) or (isinstance(entry, Tracer | np.ndarray)
                                       and entry.dtype == np.bool_):
            raise IndexError("boolean mask indexing has a data-dependent shape and is not "
                             "supported; use numbax.numpy.where instead")
        if isinstance(entry, int | np.integer):
            i = int(entry) + n if entry < 0 else int(entry)
            if not 0 <= i < n:
                raise IndexError(f"index {int(entry)} is out of bounds for axis {dim} with size {n}")
            starts.append(i), limits.append(i + 1), strides.append(1), int_dims.append(dim)
        elif isinstance(entry, builtins.slice):
            start, stop, step = entry.indices(n)
            m = len(range(start, stop, step))
            if step < 0 and m:
                reversed_dims.append(dim)
                start, stop, step = start + (m - 1) * step, start + 1, -step
            lo = builtins.min(start, n) if m else 0
            starts.append(lo), limits.append(builtins.max(lo, stop) if m else 0)
            strides.append(step if m else 1)
        elif _is_array_index(entry):
            if array_index is not None:
                raise NotImplementedError("indexing with more than one integer array is not "
                                          "supported")
            array_index = (dim, entry)
            starts.append(0), limits.append(n), strides.append(1)
        else:
            raise TypeError(f"invalid index of type {type(entry).__name__}; expected int, "
                            "slice, None, Ellipsis or an integer array")
        dim += 1
    out = x
    if (tuple(starts), tuple(limits), tuple(strides)) != ((0,) * x.ndim, x.shape, (1,) * x.ndim):
        out = lax.slice(out, starts, limits, strides)
    for d in reversed_dims:
        m = out.shape[d]
        out = lax.gather(out, np.arange(m - 1, -1, -1), d)
    shift = 0
    if array_index is not None:
        d, index = array_index
        index = _normalize_array_index(index, x.shape[d])
        out = lax.gather(out, index, d)
        shift = index.ndim - 1
        int_dims = [i + shift if i > d else i for i in int_dims]
    if int_dims:
        out = lax.squeeze(out, int_dims)
    new_axes, pos, index_pos = [], 0, 0
    for entry in idx:
        if entry is None:
            new_axes.append(pos)
            pos += 1
        elif isinstance(entry, builtins.slice):
            pos += 1
        elif _is_array_index(entry):
            index_pos = pos
            pos += shift + 1
    out = lax.expand_dims(out, new_axes) if new_axes else out
    # NumPy: ints count as advanced indices next to an array index; when the advanced indices
    # are not adjacent, the dimensions of the index array go first in the result.
    advanced = [i for i, entry in enumerate(idx) if entry is not None and not isinstance(
        entry, builtins.slice)]
    if array_index is not None and advanced[-1] - advanced[0] + 1 != len(advanced) and index_pos:
        front = list(range(index_pos, index_pos + shift + 1))
        out = lax.transpose(out, front + [i for i in range(out.ndim) if i not in front])
    return out


def _normalize_array_index(index, n: int):
    if isinstance(index, Tracer):
        if index.dtype.kind not in "iu":
            raise IndexError(f"array index must have an integer dtype, got {index.aval.str_short()}")
        if index.dtype.kind == "u":
            return index
        return where(lax.lt(index, np.zeros((), index.dtype)),
                     index + np.asarray(n, index.dtype), index)
    # NumPy reads an empty list as an integer index (np.asarray would make it float64).
    index = np.asarray(index, np.int64 if isinstance(index, list) and not np.size(index) else None)
    if index.dtype.kind not in "iu":
        raise IndexError(f"array index must have an integer dtype, got {index.dtype}")
    return np.where(index < 0, index + n, index)


# ---------------------------------------------------------------------------------------------
# Tracer methods and operators: arrays inside transformations behave like NumPy arrays.


def _reflected(fn):
    return lambda self, other: fn(other, self)


def _no_out(out, method: str) -> None:
    if out is not None:
        raise TypeError(f"{method}: out= is not supported (numbax arrays are immutable); use the "
                        "returned array")


def _shape_args(args: tuple, method: str):
    """NumPy's `a.reshape(2, 3)` / `a.reshape((2, 3))` / `a.transpose(None)` spellings."""
    if len(args) == 1 and (args[0] is None or isinstance(args[0], tuple | list)):
        return args[0]
    if not builtins.all(isinstance(d, int | np.integer) for d in args):
        raise TypeError(f"{method}: expected ints or one tuple of ints, got {args!r}")
    return args


def _item(self, *args):
    value = np.asarray(self._concrete("item()"))
    return value.item(*args)


class _Methods:
    """ndarray methods of tracers, with NumPy's signatures (out= only as None)."""

    def reshape(self, *shape, order: str = "C"):
        return reshape(self, _shape_args(shape, "reshape"), order)

    def transpose(self, *axes):
        return transpose(self, _shape_args(axes, "transpose") if axes else None)

    def sum(self, axis=None, dtype=None, out=None, keepdims: bool = False):  # noqa: A003
        _no_out(out, "sum")
        return sum(self, axis, dtype, keepdims)

    def prod(self, axis=None, dtype=None, out=None, keepdims: bool = False):
        _no_out(out, "prod")
        return prod(self, axis, dtype, keepdims)

    def mean(self, axis=None, dtype=None, out=None, keepdims: bool = False):
        _no_out(out, "mean")
        return mean(self, axis, dtype, keepdims)

    def var(self, axis=None, dtype=None, out=None, ddof: int = 0, keepdims: bool = False):
        _no_out(out, "var")
        return var(self, axis, dtype, ddof, keepdims)

    def std(self, axis=None, dtype=None, out=None, ddof: int = 0, keepdims: bool = False):
        _no_out(out, "std")
        return std(self, axis, dtype, ddof, keepdims)

    def max(self, axis=None, out=None, keepdims: bool = False):  # noqa: A003
        _no_out(out, "max")
        return max(self, axis, keepdims)

    def min(self, axis=None, out=None, keepdims: bool = False):  # noqa: A003
        _no_out(out, "min")
        return min(self, axis, keepdims)

    def any(self, axis=None, out=None, keepdims: bool = False):  # noqa: A003
        _no_out(out, "any")
        return any(self, axis, keepdims)

    def all(self, axis=None, out=None, keepdims: bool = False):  # noqa: A003
        _no_out(out, "all")
        return all(self, axis, keepdims)

    def argmax(self, axis=None, out=None, keepdims: bool = False):
        _no_out(out, "argmax")
        return argmax(self, axis, keepdims)

    def argmin(self, axis=None, out=None, keepdims: bool = False):
        _no_out(out, "argmin")
        return argmin(self, axis, keepdims)

    def cumsum(self, axis=None, dtype=None, out=None):
        _no_out(out, "cumsum")
        return cumsum(self, axis, dtype)

    def clip(self, min=None, max=None, out=None):  # noqa: A002
        _no_out(out, "clip")
        return clip(self, min, max)

    def round(self, decimals: int = 0, out=None):  # noqa: A003
        _no_out(out, "round")
        return round(self, decimals)

    def astype(self, dtype, order: str = "K", casting: str = "unsafe", subok: bool = True,
               copy: bool = True):
        return astype(self, dtype)

    def squeeze(self, axis=None):
        return squeeze(self, axis)

    def swapaxes(self, axis1: int, axis2: int):
        return swapaxes(self, axis1, axis2)

    def ravel(self, order: str = "C"):
        return reshape(self, (-1,), order)

    flatten = ravel

    def dot(self, b, out=None):
        _no_out(out, "dot")
        return dot(self, b)

    def copy(self, order: str = "C"):
        return self

    def tolist(self):
        return np.asarray(self._concrete("tolist()")).tolist()

    item = _item


def _install_tracer_methods() -> None:
    T = Tracer
    T.__add__, T.__radd__ = add, _reflected(add)
    T.__sub__, T.__rsub__ = subtract, _reflected(subtract)
    T.__mul__, T.__rmul__ = multiply, _reflected(multiply)
    T.__truediv__, T.__rtruediv__ = divide, _reflected(divide)
    T.__pow__, T.__rpow__ = power, _reflected(power)
    T.__matmul__, T.__rmatmul__ = matmul, _reflected(matmul)
    T.__neg__, T.__pos__, T.__abs__ = negative, lambda self: self, abs
    T.__lt__, T.__le__, T.__gt__, T.__ge__ = less, less_equal, greater, greater_equal
    T.__eq__, T.__ne__ = equal, not_equal
    T.__and__, T.__or__, T.__invert__ = logical_and, logical_or, logical_not
    # `ndarray & tracer`: __array_ufunc__ = None makes NumPy defer to these.
    T.__rand__, T.__ror__ = _reflected(logical_and), _reflected(logical_or)
    T.__getitem__ = getitem
    T.__round__ = lambda self, ndigits=None: round(self, ndigits or 0)
    T.T = property(lambda self: transpose(self))
    T.mT = property(lambda self: swapaxes(self, -1, -2))
    for name, fn in vars(_Methods).items():
        if not name.startswith("__"):
            setattr(T, name, fn)


_install_tracer_methods()
