"""Argument handling shared by the numbax.numpy modules (and by numbax.nn): checking the
values passed in, NumPy 2 dtype promotion with weakly typed Python scalars, and static
arguments that may not be traced.

>>> import numpy as np
>>> from numbax.numpy.arguments import promote
>>> [a.dtype for a in promote("f", np.int32(1), 2.5)]
[dtype('float64'), dtype('float64')]
"""
from __future__ import annotations

import numpy as np

from .. import lax
from ..core.avals import broadcast_shapes, check_dtype
from ..core.trace import Tracer

#: The Python scalar types numbax.numpy accepts as weakly typed operands.
PYTHON_SCALARS = bool | int | float | complex


def check_arg(x, fname: str, pos: int):
    """Check one argument: a Tracer, a NumPy array or scalar, a Python scalar, or a (nested)
    list or tuple of those.

    NumPy scalars come back as 0-d arrays (np.float64 is a float, but not a weak one); lists
    and tuples are converted as numpy.asarray does (a list of Python floats is float64), or
    stacked when they hold tracers (beyond JAX, which refuses lists). Anything else (strings,
    ragged lists...) raises TypeError naming fname and the argument's position.

    >>> check_arg([1.0, 2.0], "add", 0).dtype
    dtype('float64')
    """
    if isinstance(x, Tracer):
        return x
    if isinstance(x, np.ndarray | np.generic):
        check_dtype(x.dtype, f"{fname}: argument {pos}")
        return np.asarray(x)
    if isinstance(x, PYTHON_SCALARS):
        return x
    if isinstance(x, list | tuple):
        from .creation import asarray  # creation builds on this module

        try:
            return asarray(x)
        except (TypeError, ValueError) as err:
            raise TypeError(f"{fname}: argument {pos} is a {type(x).__name__} that is not an "
                            f"array-like ({err})") from None
    raise TypeError(f"{fname}: argument {pos} is of type {type(x).__name__}; expected an array, "
                    "a Python scalar, or a list or tuple of them")


def dtype_of(x) -> np.dtype:
    """The dtype of a Tracer, an array, a list or a scalar (a Python scalar's default NumPy
    dtype)."""
    if isinstance(x, list | tuple):
        x = check_arg(x, "dtype_of", 0)  # a list may hold tracers
    return x.dtype if isinstance(x, Tracer | np.ndarray) else np.asarray(x).dtype


def shape_of(x) -> tuple[int, ...]:
    """The shape of a Tracer, an array or a list; () for scalars."""
    if isinstance(x, list | tuple):
        x = check_arg(x, "shape_of", 0)
    return x.shape if isinstance(x, Tracer | np.ndarray) else ()


def cast(x, dtype: np.dtype):
    """x converted to dtype: a Python scalar becomes a 0-d array, an array or Tracer of another
    dtype goes through lax.convert_element_type."""
    if isinstance(x, PYTHON_SCALARS):
        return np.asarray(x, dtype)
    return x if x.dtype == dtype else lax.convert_element_type(x, dtype)


def promote(fname: str, *args, inexact: bool = False, min_float=np.float16) -> list:
    """Check the arguments, broadcast-check their shapes and convert them to one dtype.

    inexact: the result is a float, at least min_float when no operand is a float."""
    args = [check_arg(x, fname, i) for i, x in enumerate(args)]
    broadcast_shapes(fname, *map(shape_of, args))
    dt = np.result_type(*(a if isinstance(a, PYTHON_SCALARS) else a.dtype for a in args))
    if inexact and dt.kind not in "fc":
        # As NumPy's float-only ufuncs: each operand goes to the smallest float that holds
        # it (int8 and uint8 give float16, not float32 via int16); Python scalars are weak.
        arrays = [a.dtype for a in args if not isinstance(a, PYTHON_SCALARS)]
        dtypes = arrays + [np.result_type(*arrays, a) for a in args
                           if isinstance(a, PYTHON_SCALARS)]
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
    return [cast(a, dt) for a in args]


def check_static(x, fname: str, what: str):
    """x itself, which must not be traced: it determines an output shape (or is used as a
    Python number); `what` names the argument in the TypeError."""
    if isinstance(x, Tracer):
        raise TypeError(f"{fname}: {what} must be a static Python number, got a traced array "
                        f"{x.aval.str_short()} (the output shape would depend on it)")
    return x


def float_operand(fname: str, x):
    """x as an array of a LAPACK dtype (float32/64, complex64/128): integers and bools become
    float64."""
    x = check_arg(x, fname, 0)
    dt = dtype_of(x)
    if dt.kind in "biu":
        dt = np.dtype(np.float64)
    elif dt not in (np.float32, np.float64, np.complex64, np.complex128):
        raise TypeError(f"numbax.numpy.linalg.{fname}: array type {dt} is unsupported in "
                        "linalg (float32, float64, complex64 and complex128 are)")
    return cast(x if isinstance(x, Tracer | np.ndarray) else np.asarray(x), dt)


def float_operands(fname: str, *xs) -> list:
    """The operands in one LAPACK float dtype (numbax.numpy.linalg, numbax.scipy.linalg)."""
    xs = [float_operand(fname, x) for x in xs]
    dt = np.result_type(*(x.dtype for x in xs))
    return [cast(x, dt) for x in xs]
