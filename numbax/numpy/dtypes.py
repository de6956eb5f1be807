"""Dtype inspection: promote_types, result_type, can_cast, issubdtype, isdtype, and the
isscalar, iterable and broadcast_shapes predicates and helpers.

numbax promotes as NumPy 2 does (Python scalars are weakly typed), so these answer with
NumPy's rules; they also accept traced arrays, which count as arrays of their dtype.

>>> import numpy as np
>>> result_type(np.float32(1), 2.0)
dtype('float32')
"""
from __future__ import annotations

import numpy as np

from ..core import avals
from ..core.trace import Tracer

__all__ = [
    "broadcast_shapes", "can_cast", "isdtype", "isscalar", "issubdtype", "iterable",
    "promote_types", "result_type",
    # complex scalar types, as jax.numpy names them
    "complex64", "complex128", "complex_", "complexfloating", "csingle", "cdouble",
]

complex64, complex128, complexfloating = np.complex64, np.complex128, np.complexfloating
csingle, cdouble = np.complex64, np.complex128
complex_ = np.complex128  # jax.numpy's name (NumPy 2 dropped it): the default complex type


def _dtype_or_value(x):
    """What NumPy's dtype functions accept in place of x: a tracer's (or array's) dtype, so
    that traced arrays promote like the arrays they stand for."""
    if isinstance(x, Tracer | np.ndarray):
        return x.dtype
    return x


def promote_types(a, b) -> np.dtype:
    """The smallest dtype to which both dtypes can be safely cast.

    >>> promote_types(np.int8, np.uint8)
    dtype('int16')
    """
    return np.promote_types(a, b)


def result_type(*arrays_and_dtypes) -> np.dtype:
    """The dtype of the result of an operation on the arguments: arrays (traced or not),
    dtypes, and weakly typed Python scalars, as numpy.result_type.

    >>> result_type(np.int8, 1)
    dtype('int8')
    """
    if not arrays_and_dtypes:
        raise ValueError("result_type: at least one array or dtype is required")
    return np.result_type(*map(_dtype_or_value, arrays_and_dtypes))


def can_cast(from_, to, casting: str = "safe") -> bool:
    """Whether a cast from a dtype (or an array's dtype, traced or not) to `to` can happen
    under the casting rule.

    >>> can_cast(np.int32, np.float64), can_cast(np.float64, np.int32)
    (True, False)
    """
    if isinstance(from_, bool | int | float | complex):
        raise TypeError("can_cast: Python scalars are not supported as from_ (NumPy 2 rule); "
                        "pass a dtype or an array")
    return bool(np.can_cast(_dtype_or_value(from_), to, casting))


def issubdtype(arg1, arg2) -> bool:
    """Whether arg1 is lower than or equal to arg2 in the type hierarchy.

    >>> issubdtype(np.float32, np.floating)
    True
    """
    return bool(np.issubdtype(arg1, arg2))


def isdtype(dtype, kind) -> bool:
    """The array API's kind test: kind is a dtype, a name such as 'integral', 'real floating',
    'numeric', or a tuple of these.

    >>> isdtype(np.float32, "real floating")
    True
    """
    return bool(np.isdtype(np.dtype(dtype), kind))


def isscalar(element) -> bool:
    """Whether element is a scalar: a Python or NumPy number, or (as in JAX) a 0-d array,
    traced or not. Strings are not numbers here.

    >>> isscalar(1.0), isscalar(np.zeros(())), isscalar([1.0])
    (True, True, False)
    """
    if isinstance(element, Tracer | np.ndarray):
        return element.ndim == 0
    return isinstance(element, bool | int | float | complex | np.number | np.bool_)


def iterable(y) -> bool:
    """Whether iter(y) works: a traced array is iterable when it has at least one axis.

    >>> iterable([1]), iterable(1.0)
    (True, False)
    """
    if isinstance(y, Tracer | np.ndarray):
        return y.ndim > 0
    return bool(np.iterable(y))


def broadcast_shapes(*shapes) -> tuple[int, ...]:
    """The shape that arrays of the given shapes broadcast to (ints count as 1-D shapes).

    >>> broadcast_shapes((2, 1), (3,))
    (2, 3)
    """
    shapes = [(int(s),) if isinstance(s, int | np.integer) else tuple(int(d) for d in s)
              for s in shapes]
    return avals.broadcast_shapes("broadcast_shapes", *shapes)
