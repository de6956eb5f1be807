"""Elementwise functions: unary and binary math with NumPy's broadcasting and promotion,
comparisons, logical operations, where, clip, round, logaddexp, isnan and isfinite."""
from __future__ import annotations

import builtins

import numpy as np

from .. import lax
from ..core.avals import broadcast_shapes
from .arguments import cast, check_arg, check_static, dtype_of, promote, shape_of
from .creation import astype

__all__ = [
    "abs", "absolute", "add", "around", "cbrt", "clip", "exp2", "cos", "divide", "equal", "exp", "expm1",
    "greater", "greater_equal", "isfinite", "isnan", "less", "less_equal", "log", "log1p",
    "logaddexp", "logical_and", "logical_not", "logical_or", "maximum", "minimum", "multiply",
    "negative", "not_equal", "power", "reciprocal", "round", "sign", "sin", "sqrt", "square",
    "subtract", "tan", "tanh", "true_divide", "where",
]


def _unary_float(fn, name: str):
    def op(x):
        return fn(*promote(name, x, inexact=True))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name}, as numpy.{name}; integers are promoted to floats."
    return op


def _binary(fn, name: str, inexact: bool = False, bool_fn=None):
    def op(x, y):
        x, y = promote(name, x, y, inexact=inexact)
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
exp2 = _unary_float(lax.exp2, "exp2")

add = _binary(lax.add, "add", bool_fn=lax.bitwise_or)
subtract = _binary(lax.sub, "subtract")
multiply = _binary(lax.mul, "multiply", bool_fn=lax.bitwise_and)


def divide(x, y):
    """x / y elementwise, as numpy.divide: bool and integer operands give float64."""
    return lax.div(*promote("divide", x, y, inexact=True, min_float=np.float64))


true_divide = divide
maximum = _binary(lax.max, "maximum")
minimum = _binary(lax.min, "minimum")
less, less_equal = _binary(lax.lt, "less"), _binary(lax.le, "less_equal")
greater, greater_equal = _binary(lax.gt, "greater"), _binary(lax.ge, "greater_equal")
equal, not_equal = _binary(lax.eq, "equal"), _binary(lax.ne, "not_equal")


def _unary_numeric(fn, name: str):
    def op(x):
        (x,) = promote(name, x)
        if x.dtype == np.bool_:
            raise TypeError(f"{name} does not accept bool arrays")
        return fn(x)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name}, as numpy.{name}."
    return op


negative = _unary_numeric(lax.neg, "negative")


def abs(x):  # noqa: A001
    """Elementwise absolute value, as numpy.abs (the identity on bools)."""
    (x,) = promote("abs", x)
    return x if x.dtype == np.bool_ else lax.abs(x)


absolute = abs
sign = _unary_numeric(lax.sign, "sign")


def logical_not(x):
    """Elementwise not, as numpy.logical_not."""
    return lax.bitwise_not(not_equal(x, False) if dtype_of(x) != np.bool_
                           else check_arg(x, "not", 0))


def logical_and(x, y):
    return lax.bitwise_and(not_equal(x, False), not_equal(y, False))


def logical_or(x, y):
    return lax.bitwise_or(not_equal(x, False), not_equal(y, False))


def _bool_to_int8(x):
    # NumPy has no bool loop for power and square: bools are raised as int8.
    return cast(x, np.dtype(np.int8)) if x.dtype == np.bool_ else x


def power(x, y):
    """x ** y elementwise; a Python int exponent becomes an exact integer power."""
    if isinstance(y, int) and not isinstance(y, bool):
        x, _ = promote("power", x, y)
        if x.dtype.kind in "iu" and y < 0:
            raise ValueError("power: integers to negative integer powers are not allowed")
        return lax.integer_pow(_bool_to_int8(x), y)
    return lax.pow(*map(_bool_to_int8, promote("power", x, y)))


def square(x):
    """x * x elementwise."""
    return lax.integer_pow(_bool_to_int8(*promote("square", x)), 2)


def reciprocal(x):
    """1 / x elementwise (integer division for integer arrays, as in NumPy)."""
    x = _bool_to_int8(*promote("reciprocal", x))
    return lax.div(np.ones((), x.dtype), x)


def where(condition, x=None, y=None):
    """Elementwise `x if condition else y`, with broadcasting.

    The one-argument form (the indices of the nonzero entries) has a data-dependent shape
    and is not supported.
    """
    if x is None or y is None:
        raise TypeError("where(condition) without x and y has a data-dependent shape and is "
                        "not supported; pass both x and y")
    condition = check_arg(condition, "where", 0)
    if dtype_of(condition) != np.bool_:
        condition = not_equal(condition, 0)
    x, y = promote("where", x, y)
    broadcast_shapes("where", shape_of(condition), x.shape, y.shape)
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
    (a,) = promote("round", a)
    decimals = check_static(decimals, "round", "decimals")
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
    x, y = promote("logaddexp", x, y, inexact=True)
    delta = lax.sub(x, y)
    # Each branch is smooth where it is selected and exp only sees -|delta|: the max/abs form
    # has kinks at x == y that cancel in the value but not in the second derivative.
    x_big = lax.gt(delta, np.zeros((), delta.dtype))
    big, small = lax.select(x_big, x, y), lax.select(x_big, y, x)
    out = lax.add(big, lax.log1p(lax.exp(lax.sub(small, big))))
    # Equal infinities give a nan delta; their sum is then the right answer.
    return lax.select(lax.ne(delta, delta), lax.add(x, y), out)


def isnan(x):
    (x,) = promote("isnan", x)
    return lax.ne(x, x)


def isfinite(x):
    (x,) = promote("isfinite", x, inexact=True)
    return lax.lt(lax.abs(x), np.asarray(np.inf, x.dtype))
