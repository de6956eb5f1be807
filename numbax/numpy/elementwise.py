"""Elementwise functions: unary and binary math with NumPy's broadcasting and promotion,
comparisons, logical operations, where, clip, rounding, the division family, floating-point
representation, predicates, and the bitwise, shift, gcd and lcm functions on integers.

Integer division by zero gives 0 (quotient and remainder), as NumPy does, without its
warning; XLA gives -1 and x, but numbax's kernels follow NumPy's values."""
from __future__ import annotations

import builtins
import math

import numpy as np

from .. import lax
from ..core.avals import broadcast_shapes, real_dtype
from .arguments import cast, check_arg, check_static, dtype_of, promote, shape_of
from .creation import astype

__all__ = [
    "abs", "absolute", "add", "around", "cbrt", "clip", "exp2", "cos", "divide", "equal", "exp", "expm1",
    "greater", "greater_equal", "isfinite", "isnan", "less", "less_equal", "log", "log1p",
    "logaddexp", "logical_and", "logical_not", "logical_or", "maximum", "minimum", "multiply",
    "negative", "not_equal", "power", "reciprocal", "round", "sign", "sin", "sqrt", "square",
    "subtract", "tan", "tanh", "true_divide", "where",
    # trigonometric, hyperbolic, logarithms
    "arcsin", "asin", "arccos", "acos", "arctan", "atan", "arctan2", "atan2", "sinh", "cosh",
    "arcsinh", "asinh", "arccosh", "acosh", "arctanh", "atanh", "log2", "log10", "logaddexp2",
    "float_power", "sinc", "i0", "deg2rad", "radians", "rad2deg", "degrees",
    # rounding and division
    "floor", "ceil", "trunc", "rint", "fix", "floor_divide", "mod", "remainder", "fmod",
    "divmod", "modf",
    # floating-point representation
    "hypot", "copysign", "nextafter", "ldexp", "frexp", "spacing", "signbit",
    # nan-ignoring extrema, steps, predicates
    "fmax", "fmin", "heaviside", "nan_to_num", "isclose", "allclose", "isinf", "isposinf",
    "isneginf", "isreal", "iscomplex", "isrealobj", "iscomplexobj", "array_equal",
    "array_equiv", "logical_xor",
    # real and complex parts, aliases
    "real", "imag", "conj", "conjugate", "angle", "fabs", "positive", "pow", "sort_complex",
    # integers
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_invert", "invert",
    "bitwise_count", "left_shift", "bitwise_left_shift", "right_shift", "bitwise_right_shift",
    "gcd", "lcm",
]


def _reject_complex(name: str, *xs) -> None:
    """Raise NumPy's TypeError when a function that NumPy defines on real numbers only gets a
    complex operand."""
    for x in xs:
        if dtype_of(x).kind == "c":
            raise TypeError(f"{name}: complex input ({dtype_of(x)}) is not supported, as "
                            f"numpy.{name} (ufunc '{name}' not supported for complex types)")


def _is_complex(x) -> bool:
    return x.dtype.kind == "c"


def _unary_float(fn, name: str, complex_ok: bool = True):
    def op(x):
        (x,) = promote(name, x, inexact=True)
        if not complex_ok:
            _reject_complex(name, x)
        return fn(x)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name}, as numpy.{name}; integers are promoted to floats."
    return op


def _binary(fn, name: str, inexact: bool = False, bool_fn=None, complex_fn=None,
            complex_ok: bool = True):
    def op(x, y):
        x, y = promote(name, x, y, inexact=inexact)
        if bool_fn is not None and x.dtype == np.bool_:
            return bool_fn(x, y)
        if _is_complex(x):
            if not complex_ok:
                _reject_complex(name, x)
            if complex_fn is not None:
                return complex_fn(x, y)
        return fn(x, y)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name} with broadcasting and promotion, as numpy.{name}."
    return op


sin, cos, tan, tanh = (_unary_float(lax.sin, "sin"), _unary_float(lax.cos, "cos"),
                       _unary_float(lax.tan, "tan"), _unary_float(lax.tanh, "tanh"))
exp, log = _unary_float(lax.exp, "exp"), _unary_float(lax.log, "log")
log1p, expm1 = _unary_float(lax.log1p, "log1p"), _unary_float(lax.expm1, "expm1")
sqrt = _unary_float(lax.sqrt, "sqrt")
cbrt = _unary_float(lax.cbrt, "cbrt", complex_ok=False)
exp2 = _unary_float(lax.exp2, "exp2")

add = _binary(lax.add, "add", bool_fn=lax.bitwise_or)
subtract = _binary(lax.sub, "subtract")
multiply = _binary(lax.mul, "multiply", bool_fn=lax.bitwise_and)


def divide(x, y):
    """x / y elementwise, as numpy.divide: bool and integer operands give float64."""
    return lax.div(*promote("divide", x, y, inexact=True, min_float=np.float64))


true_divide = divide


# NumPy orders complex numbers lexicographically by (real, imag); a comparison with a nan in
# either part of either operand is False, and maximum/minimum propagate the nan operand.


def _complex_isnan(z):
    return lax.ne(z, z)


def _complex_compare(strict, weak=None):
    """The lexicographic comparison: strict on the real parts, `weak` (strict by default) on
    the imaginary parts when the real parts tie."""
    weak = strict if weak is None else weak

    def compare(x, y):
        rx, ry = lax.real(x), lax.real(y)
        order = lax.select(lax.eq(rx, ry), weak(lax.imag(x), lax.imag(y)), strict(rx, ry))
        no_nan = lax.bitwise_not(lax.bitwise_or(_complex_isnan(x), _complex_isnan(y)))
        return lax.bitwise_and(order, no_nan)
    return compare


_complex_ge = _complex_compare(lax.gt, lax.ge)
_complex_le = _complex_compare(lax.lt, lax.le)


def _complex_extremum(prefer, nan_wins: bool):
    """maximum (prefer = >=) or minimum of complex operands: the nan operand when nan_wins
    (NumPy's maximum), else the other one (NumPy's fmax)."""
    def choose(x, y):
        out = lax.select(prefer(x, y), x, y)
        if nan_wins:
            return lax.select(_complex_isnan(x), x, lax.select(_complex_isnan(y), y, out))
        return lax.select(_complex_isnan(y), x, lax.select(_complex_isnan(x), y, out))
    return choose


maximum = _binary(lax.max, "maximum", complex_fn=_complex_extremum(_complex_ge, True))
minimum = _binary(lax.min, "minimum", complex_fn=_complex_extremum(_complex_le, True))
less = _binary(lax.lt, "less", complex_fn=_complex_compare(lax.lt))
less_equal = _binary(lax.le, "less_equal", complex_fn=_complex_le)
greater = _binary(lax.gt, "greater", complex_fn=_complex_compare(lax.gt))
greater_equal = _binary(lax.ge, "greater_equal", complex_fn=_complex_ge)
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


def sign(x):
    """Elementwise sign, as numpy.sign: -1, 0 or 1 for real numbers, z / |z| for complex ones
    (0 at 0; an infinite part alone gives its unit direction, both infinite give nan). Its
    derivative is 0, as jax.numpy.sign's, also for complex numbers.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.sign(np.array([3 + 4j, complex(np.inf, 1)]))
    array([0.6+0.8j, 1. +0.j ])
    """
    (x,) = promote("sign", x)
    if x.dtype == np.bool_:
        raise TypeError("sign does not accept bool arrays")
    if not _is_complex(x):
        return lax.sign(x)
    re, im = lax.real(x), lax.imag(x)
    re_inf, im_inf = isinf(re), isinf(im)
    zero = lax.full(re.shape, 0, re.dtype)
    out = lax.select(re_inf, lax.complex(lax.sign(re), zero), lax.sign(x))
    out = lax.select(im_inf, lax.complex(zero, lax.sign(im)), out)
    both = lax.bitwise_and(re_inf, im_inf)
    return lax.select(both, lax.full(x.shape, complex(np.nan, np.nan), x.dtype), out)


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


def where(condition, x=None, y=None, /, *, size=None, fill_value=None):
    """Elementwise `x if condition else y`, with broadcasting.

    The one-argument form is nonzero(condition, size=, fill_value=): its size depends on the
    values, so under jit it needs size= (see numbax.numpy.nonzero).
    """
    if x is None and y is None:
        from .sorting import nonzero  # sorting builds on this module
        return nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise TypeError("where: pass both x and y, or neither (where(condition) is nonzero)")
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
    # As jax.numpy.clip (NumPy would order complex numbers lexicographically).
    _reject_complex("clip", *(v for v in (a, lo, hi) if v is not None))
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
    if _is_complex(a):
        # Both parts rounded, as numpy.round.
        return lax.complex(round(lax.real(a), decimals), round(lax.imag(a), decimals))
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
    _reject_complex("logaddexp", x)
    delta = lax.sub(x, y)
    # Each branch is smooth where it is selected and exp only sees -|delta|: the max/abs form
    # has kinks at x == y that cancel in the value but not in the second derivative.
    x_big = lax.gt(delta, np.zeros((), delta.dtype))
    big, small = lax.select(x_big, x, y), lax.select(x_big, y, x)
    out = lax.add(big, lax.log1p(lax.exp(lax.sub(small, big))))
    # Equal infinities give a nan delta; their sum is then the right answer.
    return lax.select(lax.ne(delta, delta), lax.add(x, y), out)


def isnan(x):
    """Elementwise: x is nan (either part, for complex x), as numpy.isnan."""
    (x,) = promote("isnan", x)
    return lax.ne(x, x)


def isfinite(x):
    """Elementwise: x is neither infinite nor nan (both parts, for complex x), as
    numpy.isfinite."""
    (x,) = promote("isfinite", x, inexact=True)
    if _is_complex(x):
        return lax.bitwise_and(isfinite(lax.real(x)), isfinite(lax.imag(x)))
    return lax.lt(lax.abs(x), np.asarray(np.inf, x.dtype))


# ---------------------------------------------------------------------------------------------
# Trigonometric, hyperbolic, logarithms


arcsin = asin = _unary_float(lax.asin, "arcsin")
arccos = acos = _unary_float(lax.acos, "arccos")
arctan = atan = _unary_float(lax.atan, "arctan")
sinh, cosh = _unary_float(lax.sinh, "sinh"), _unary_float(lax.cosh, "cosh")
arcsinh = asinh = _unary_float(lax.asinh, "arcsinh")
arccosh = acosh = _unary_float(lax.acosh, "arccosh")
arctanh = atanh = _unary_float(lax.atanh, "arctanh")
log2, log10 = _unary_float(lax.log2, "log2"), _unary_float(lax.log10, "log10")
arctan2 = atan2 = _binary(lax.atan2, "arctan2", inexact=True, complex_ok=False)
nextafter = _binary(lax.nextafter, "nextafter", inexact=True, complex_ok=False)


def _k(value, x):
    """value as a 0-d array of x's dtype: a constant that promotes nothing."""
    return np.asarray(value, x.dtype)


def _scaled(x, factor: float, name: str):
    (x,) = promote(name, x, inexact=True)
    _reject_complex(name, x)
    return lax.mul(x, _k(factor, x))


def deg2rad(x):
    """Degrees to radians, as numpy.deg2rad.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.deg2rad(np.array([180.0]))
    array([3.14159265])
    """
    return _scaled(x, np.pi / 180, "deg2rad")


def rad2deg(x):
    """Radians to degrees, as numpy.rad2deg."""
    return _scaled(x, 180 / np.pi, "rad2deg")


radians, degrees = deg2rad, rad2deg


def logaddexp2(x, y):
    """log2(2**x + 2**y) without overflow, as numpy.logaddexp2.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.logaddexp2(np.array([1.0]), 1.0)
    array([2.])
    """
    x, y = promote("logaddexp2", x, y, inexact=True)
    _reject_complex("logaddexp2", x)
    delta = lax.sub(x, y)
    # As logaddexp: exp2 only sees -|delta|, and each branch is smooth where selected.
    x_big = lax.gt(delta, _k(0, delta))
    big, small = lax.select(x_big, x, y), lax.select(x_big, y, x)
    tail = lax.div(lax.log1p(lax.exp2(lax.sub(small, big))), _k(np.log(2), x))
    return lax.select(lax.ne(delta, delta), lax.add(x, y), lax.add(big, tail))


def float_power(x, y):
    """x ** y computed in float64 (complex128 for complex operands), as numpy.float_power."""
    x, y = promote("float_power", x, y, inexact=True, min_float=np.float64)
    dt = np.dtype(np.complex128 if _is_complex(x) else np.float64)
    return lax.pow(cast(x, dt), cast(y, dt))


def sinc(x):
    """sin(pi x) / (pi x), 1 at 0, as numpy.sinc.

    Near 0 it is its Taylor polynomial, so derivatives of every order are right there (the
    first is 0, the second -pi**2 / 3).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.sinc(np.array([0.0, 0.5]))
    array([1.        , 0.63661977])
    """
    (x,) = promote("sinc", x, inexact=True, min_float=np.float64)  # as NumPy's (no ufunc)
    px = lax.mul(x, _k(np.pi, x))
    near = lax.lt(lax.abs(px), np.asarray(1e-3, real_dtype(x.dtype)))
    safe = lax.select(near, lax.full(shape_of(px), 1, px.dtype), px)
    p2 = lax.mul(px, px)
    taylor = lax.add(_k(1, x), lax.mul(p2, lax.add(_k(-1 / 6, x), lax.mul(p2, _k(1 / 120, x)))))
    return lax.select(near, taylor, lax.div(lax.sin(safe), safe))


# ---------------------------------------------------------------------------------------------
# Rounding


def _integral_unchanged(fn, name: str):
    """A rounding function: floats rounded by fn, integers and bools returned as they are
    (NumPy 2 keeps their dtype)."""
    def op(x):
        (x,) = promote(name, x)
        _reject_complex(name, x)
        return x if x.dtype.kind in "biu" else fn(x)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"Elementwise {name}, as numpy.{name}; integer and bool arrays come back "
                  "unchanged.")
    return op


def _trunc(x):
    return lax.select(lax.lt(x, _k(0, x)), lax.ceil(x), lax.floor(x))


floor = _integral_unchanged(lax.floor, "floor")
ceil = _integral_unchanged(lax.ceil, "ceil")
trunc = _integral_unchanged(_trunc, "trunc")
fix = _integral_unchanged(_trunc, "fix")


def rint(x):
    """Round to the nearest integer, halves to even (both parts of complex x), as numpy.rint."""
    (x,) = promote("rint", x, inexact=True)
    if _is_complex(x):
        return lax.complex(lax.round(lax.real(x), 1), lax.round(lax.imag(x), 1))
    return lax.round(x, 1)


# ---------------------------------------------------------------------------------------------
# Division family. Integer division by zero gives 0 for the quotient and the remainder, as
# NumPy does (without its warning); float division follows NumPy's divmod.


def copysign(x, y):
    """The magnitude of x with the sign bit of y, as numpy.copysign.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.copysign(np.array([1.0, 2.0]), -0.0)
    array([-1., -2.])
    """
    x, y = promote("copysign", x, y, inexact=True)
    _reject_complex("copysign", x)
    return lax.copysign(x, y)


def signbit(x):
    """Whether the sign bit is set (True for -0.0 and negative nans), as numpy.signbit."""
    (x,) = promote("signbit", x)
    _reject_complex("signbit", x)
    if x.dtype.kind == "f":
        return lax.lt(lax.copysign(lax.full(shape_of(x), 1, x.dtype), x), _k(0, x))
    return lax.lt(x, _k(0, x)) if x.dtype.kind == "i" else lax.ne(x, x)


def fmod(x1, x2):
    """Remainder with the sign of the dividend (C's fmod), as numpy.fmod."""
    x, y = promote("fmod", x1, x2)
    _reject_complex("fmod", x)
    return lax.rem(_bool_to_int8(x), _bool_to_int8(y))


def _float_divmod(x, y):
    """NumPy's float floor division and modulus (npy_divmod): the modulus takes the divisor's
    sign, a zero one gets the divisor's sign too, and division by zero gives x / y and nan."""
    zero = _k(0, x)
    mod = lax.rem(x, y)
    div = lax.div(lax.sub(x, mod), y)
    adjust = lax.bitwise_and(lax.ne(mod, zero), lax.ne(lax.lt(y, zero), lax.lt(mod, zero)))
    div = lax.select(adjust, lax.sub(div, _k(1, x)), div)
    signed_zero = lax.copysign(lax.full(shape_of(mod), 0, x.dtype), y)
    mod = lax.select(adjust, lax.add(mod, y),
                     lax.select(lax.eq(mod, zero), lax.stop_gradient(signed_zero), mod))
    floordiv = lax.floor(div)
    floordiv = lax.select(lax.gt(lax.sub(div, floordiv), _k(0.5, x)),
                          lax.add(floordiv, _k(1, x)), floordiv)
    quotient = lax.div(x, y)
    floordiv = lax.select(lax.eq(div, zero), lax.copysign(floordiv, quotient), floordiv)
    return lax.select(lax.eq(y, zero), quotient, floordiv), mod


def _int_divmod(x, y):
    zero = _k(0, x)
    q, r = lax.div(x, y), lax.rem(x, y)
    # C division truncates: where the remainder's sign differs from the divisor's, step down.
    adjust = lax.bitwise_and(lax.ne(r, zero), lax.ne(lax.lt(r, zero), lax.lt(y, zero)))
    return (lax.select(adjust, lax.sub(q, _k(1, x)), q),
            lax.select(adjust, lax.add(r, y), r))


def _divmod(x1, x2, name: str):
    x, y = map(_bool_to_int8, promote(name, x1, x2))
    _reject_complex(name, x)
    return (_float_divmod if x.dtype.kind == "f" else _int_divmod)(x, y)


def floor_divide(x1, x2):
    """x1 // x2 rounded toward -inf, as numpy.floor_divide (integer division by zero is 0).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.floor_divide(np.array([7, -7]), 2)
    array([ 3, -4])
    """
    return _divmod(x1, x2, "floor_divide")[0]


def remainder(x1, x2):
    """x1 % x2 with the sign of the divisor, as numpy.remainder (integer x % 0 is 0).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.remainder(np.array([7, -7]), 3)
    array([1, 2])
    """
    return _divmod(x1, x2, "remainder")[1]


mod = remainder


def divmod(x1, x2):  # noqa: A001
    """(floor_divide(x1, x2), remainder(x1, x2)), as numpy.divmod."""
    return _divmod(x1, x2, "divmod")


def modf(x):
    """The fractional and integral parts, both with x's sign, as numpy.modf.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.modf(np.array([-3.5, 2.25]))
    (array([-0.5 ,  0.25]), array([-3.,  2.]))
    """
    (x,) = promote("modf", x, inexact=True)
    _reject_complex("modf", x)
    whole = _trunc(x)
    # inf - inf would be nan: the fractional part of an infinity is a signed 0.
    frac = lax.select(lax.eq(lax.abs(x), _k(np.inf, x)), lax.full(shape_of(x), 0, x.dtype),
                      lax.sub(x, whole))
    return lax.copysign(frac, lax.stop_gradient(x)), whole


# ---------------------------------------------------------------------------------------------
# Floating-point representation


def hypot(x1, x2):
    """sqrt(x1**2 + x2**2) without overflow or underflow, as numpy.hypot."""
    x, y = promote("hypot", x1, x2, inexact=True)
    _reject_complex("hypot", x)
    x, y = lax.abs(x), lax.abs(y)
    inf = _k(np.inf, x)
    any_inf = lax.bitwise_or(lax.eq(x, inf), lax.eq(y, inf))
    big, small = lax.max(x, y), lax.min(x, y)
    zero = lax.eq(big, _k(0, x))
    safe = lax.select(zero, lax.full(shape_of(big), 1, x.dtype), big)
    ratio = lax.div(small, safe)
    out = lax.mul(big, lax.sqrt(lax.add(_k(1, x), lax.mul(ratio, ratio))))
    return lax.select(any_inf, lax.full(shape_of(out), np.inf, x.dtype),
                      lax.select(zero, big, out))


def _times_exp2(x, n):
    """x * 2**n (n an integer-valued float array) in two steps, so that 2**n alone may
    overflow or underflow where the product does not."""
    half = lax.floor(lax.mul(n, _k(0.5, n)))
    return lax.mul(lax.mul(x, lax.exp2(half)), lax.exp2(lax.sub(n, half)))


def ldexp(x1, x2):
    """x1 * 2**x2 for an integer x2, as numpy.ldexp.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.ldexp(np.array([0.75]), 3)
    array([6.])
    """
    (x,) = promote("ldexp", x1, inexact=True)
    _reject_complex("ldexp", x)
    n = check_arg(x2, "ldexp", 1)
    if dtype_of(n).kind not in "biu":
        raise TypeError(f"ldexp: the exponent must be an integer array, got dtype {dtype_of(n)}")
    n = cast(n, x.dtype)
    broadcast_shapes("ldexp", shape_of(x), shape_of(n))
    return _times_exp2(x, lax.stop_gradient(n))


def frexp(x):
    """(mantissa, exponent) with x = mantissa * 2**exponent and 0.5 <= |mantissa| < 1, as
    numpy.frexp; 0, inf and nan give (x, 0). The exponent is int32.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.frexp(np.array([8.0, -0.75]))
    (array([ 0.5 , -0.75]), array([4, 0], dtype=int32))
    """
    (x,) = promote("frexp", x, inexact=True)
    _reject_complex("frexp", x)
    mag = lax.abs(x)
    special = lax.bitwise_or(lax.eq(mag, _k(0, x)), lax.bitwise_not(lax.is_finite(x)))
    safe = lax.select(special, lax.full(shape_of(x), 1, x.dtype), mag)
    e = lax.stop_gradient(lax.add(lax.floor(lax.log2(safe)), _k(1, x)))
    m = _times_exp2(x, lax.neg(e))
    # log2 may round across a power of two: one step of correction either way.
    one, half = _k(1, x), _k(0.5, x)
    big = lax.ge(lax.abs(m), one)
    small = lax.lt(lax.abs(m), half)
    m = lax.select(big, lax.mul(m, half), lax.select(small, lax.add(m, m), m))
    e = lax.select(big, lax.add(e, one), lax.select(small, lax.sub(e, one), e))
    e = lax.select(special, lax.full(shape_of(e), 0, x.dtype), e)
    return lax.select(special, x, m), lax.convert_element_type(e, np.int32)


def spacing(x):
    """The distance from x to the next float away from zero, as numpy.spacing (negative for
    negative x; the smallest subnormal at 0)."""
    (x,) = promote("spacing", x, inexact=True)
    _reject_complex("spacing", x)
    inf = _k(np.inf, x)
    away = lax.select(lax.lt(x, _k(0, x)), lax.neg(lax.full(shape_of(x), np.inf, x.dtype)),
                      lax.full(shape_of(x), np.inf, x.dtype))
    out = lax.sub(lax.nextafter(x, away), x)
    # inf has no next float: nan, as NumPy's.
    return lax.select(lax.eq(lax.abs(x), inf), lax.full(shape_of(x), np.nan, x.dtype), out)


# ---------------------------------------------------------------------------------------------
# Maxima and minima ignoring nan, step functions, replacing non-finite values


def _nan_ignoring(chooser, complex_prefer, name: str):
    def op(x1, x2):
        x, y = promote(name, x1, x2)
        if _is_complex(x):
            return _complex_extremum(complex_prefer, False)(x, y)
        if x.dtype.kind != "f":
            return chooser(x, y)
        # Where one operand is nan the other is taken (both nan: nan).
        return lax.select(lax.ne(y, y), x, lax.select(lax.ne(x, x), y, chooser(x, y)))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"Elementwise {name} that ignores nan (unless both are nan), as "
                  f"numpy.{name}.")
    return op


fmax = _nan_ignoring(lax.max, _complex_ge, "fmax")
fmin = _nan_ignoring(lax.min, _complex_le, "fmin")


def heaviside(x1, x2):
    """0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0 (nan for nan), as numpy.heaviside.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.heaviside(np.array([-1.0, 0.0, 2.0]), 0.5)
    array([0. , 0.5, 1. ])
    """
    x, h = promote("heaviside", x1, x2, inexact=True)
    _reject_complex("heaviside", x)
    shape = broadcast_shapes("heaviside", x.shape, h.shape)
    zero, one = lax.full(shape, 0, x.dtype), lax.full(shape, 1, x.dtype)
    step = lax.select(lax.lt(x, _k(0, x)), zero, lax.select(lax.gt(x, _k(0, x)), one, h))
    return lax.select(lax.ne(x, x), x, step)


def nan_to_num(x, copy: bool = True, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None):
    """nan, +inf and -inf replaced (by default with 0 and the dtype's largest and smallest
    finite values), as numpy.nan_to_num; integer arrays come back unchanged.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.nan_to_num(np.array([np.nan, -np.inf, 1.0]), neginf=-9.0)
    array([ 0., -9.,  1.])
    """
    (x,) = promote("nan_to_num", x)
    if _is_complex(x):
        # Each part replaced on its own, as numpy.nan_to_num.
        parts = (nan_to_num(part, copy, nan, posinf, neginf)
                 for part in (lax.real(x), lax.imag(x)))
        return lax.complex(*parts)
    if x.dtype.kind != "f":
        return x
    info = np.finfo(x.dtype)
    big = info.max if posinf is None else posinf
    small = info.min if neginf is None else neginf
    for name, value in (("nan", nan), ("posinf", big), ("neginf", small)):
        check_static(value, "nan_to_num", name)
    inf = _k(np.inf, x)
    out = lax.select(lax.eq(x, inf), lax.full(x.shape, big, x.dtype), x)
    out = lax.select(lax.eq(x, lax.neg(inf)), lax.full(x.shape, small, x.dtype), out)
    return lax.select(lax.ne(x, x), lax.full(x.shape, nan, x.dtype), out)


# ---------------------------------------------------------------------------------------------
# Predicates and comparisons of whole arrays


def isinf(x):
    """Elementwise: x is +inf or -inf, as numpy.isinf (False for integers)."""
    (x,) = promote("isinf", x)
    if _is_complex(x):
        return lax.bitwise_or(isinf(lax.real(x)), isinf(lax.imag(x)))
    if x.dtype.kind != "f":
        return lax.ne(x, x)  # all False, with x's shape
    return lax.eq(lax.abs(x), _k(np.inf, x))


def isposinf(x):
    """Elementwise: x is +inf, as numpy.isposinf."""
    (x,) = promote("isposinf", x)
    _reject_complex("isposinf", x)
    return lax.eq(x, _k(np.inf, x)) if x.dtype.kind == "f" else lax.ne(x, x)


def isneginf(x):
    """Elementwise: x is -inf, as numpy.isneginf."""
    (x,) = promote("isneginf", x)
    _reject_complex("isneginf", x)
    return lax.eq(x, _k(-np.inf, x)) if x.dtype.kind == "f" else lax.ne(x, x)


def isclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """|a - b| <= atol + rtol * |b| elementwise (infinities close only to themselves), as
    numpy.isclose.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.isclose(np.array([1.0, np.inf, np.nan]), np.array([1.0 + 1e-9, np.inf, np.nan]))
    array([ True,  True, False])
    """
    a, b = promote("isclose", a, b, inexact=True)
    for name, value in (("rtol", rtol), ("atol", atol), ("equal_nan", equal_nan)):
        check_static(value, "isclose", name)
    rdt = real_dtype(a.dtype)  # |complex| is real
    tol = lax.add(np.asarray(atol, rdt), lax.mul(np.asarray(rtol, rdt), lax.abs(b)))
    close = lax.bitwise_and(lax.le(lax.abs(lax.sub(a, b)), tol), isfinite(b))
    close = lax.bitwise_or(close, lax.eq(a, b))
    if equal_nan:
        close = lax.bitwise_or(close, lax.bitwise_and(lax.ne(a, a), lax.ne(b, b)))
    return close


def _all(x):
    """Whether every element of bool array x is True, as a 0-d bool array."""
    return lax.reduce_min(x, tuple(range(len(shape_of(x)))))


def allclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """Whether isclose holds everywhere, as numpy.allclose (a 0-d bool array, as in JAX)."""
    return _all(isclose(a, b, rtol, atol, equal_nan))


def array_equal(a1, a2, equal_nan: bool = False):
    """Whether a1 and a2 have one shape and equal elements, as numpy.array_equal (a 0-d bool
    array, or False for different shapes)."""
    a1, a2 = check_arg(a1, "array_equal", 0), check_arg(a2, "array_equal", 1)
    if shape_of(a1) != shape_of(a2):
        return np.asarray(False)
    a1, a2 = promote("array_equal", a1, a2)
    same = lax.eq(a1, a2)
    if equal_nan and a1.dtype.kind in "fc":
        same = lax.bitwise_or(same, lax.bitwise_and(lax.ne(a1, a1), lax.ne(a2, a2)))
    return _all(same)


def array_equiv(a1, a2):
    """Whether a1 and a2 broadcast together and are equal everywhere, as numpy.array_equiv."""
    a1, a2 = check_arg(a1, "array_equiv", 0), check_arg(a2, "array_equiv", 1)
    try:
        broadcast_shapes("array_equiv", shape_of(a1), shape_of(a2))
    except ValueError:
        return np.asarray(False)
    return _all(lax.eq(*promote("array_equiv", a1, a2)))


def logical_xor(x1, x2):
    """Elementwise exclusive or of the truth values, as numpy.logical_xor."""
    return lax.ne(not_equal(x1, False), not_equal(x2, False))


# ---------------------------------------------------------------------------------------------
# Real and complex parts


def real(val):
    """The real part (val itself for real arrays), as numpy.real.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.real(np.array([1 + 2j]))
    array([1.])
    """
    (x,) = promote("real", val)
    return lax.real(x) if _is_complex(x) else x


def imag(val):
    """The imaginary part (zeros for real arrays), as numpy.imag.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.imag(np.array([1 + 2j]))
    array([2.])
    """
    (x,) = promote("imag", val)
    return lax.imag(x) if _is_complex(x) else lax.full(x.shape, 0, x.dtype)


def conjugate(x):
    """The complex conjugate (x itself for real arrays), as numpy.conjugate.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.conjugate(np.array([1 + 2j]))
    array([1.-2.j])
    """
    (x,) = promote("conjugate", x)
    return lax.conj(x) if _is_complex(x) else x


conj = conjugate


def angle(z, deg: bool = False):
    """The argument atan2(imag, real), in radians or degrees, as numpy.angle (0 for
    non-negative real numbers, pi for negative ones and -0.0).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.angle(np.array([1j, -1.0]), deg=True)
    array([ 90., 180.])
    """
    (x,) = promote("angle", z, inexact=True)
    deg = check_static(deg, "angle", "deg")
    if _is_complex(x):
        out = lax.atan2(lax.imag(x), lax.real(x))
    else:
        out = lax.atan2(lax.full(x.shape, 0, x.dtype), x)
    return lax.mul(out, _k(180 / np.pi, out)) if deg else out


def isreal(x):
    """Elementwise: the imaginary part is 0 (always True for real arrays), as numpy.isreal."""
    (x,) = promote("isreal", x)
    if _is_complex(x):
        return lax.eq(lax.imag(x), _k(0, lax.imag(x)))
    return lax.full(x.shape, True, np.bool_)


def iscomplex(x):
    """Elementwise: the imaginary part is not 0 (always False for real arrays), as
    numpy.iscomplex."""
    (x,) = promote("iscomplex", x)
    if _is_complex(x):
        return lax.ne(lax.imag(x), _k(0, lax.imag(x)))
    return lax.full(x.shape, False, np.bool_)


def isrealobj(x) -> bool:
    """Whether x has a real (not complex) dtype, as numpy.isrealobj."""
    return not iscomplexobj(x)


def iscomplexobj(x) -> bool:
    """Whether x has a complex dtype, as numpy.iscomplexobj.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.iscomplexobj(np.zeros(2, np.complex64)), xnp.iscomplexobj(1.0)
    (True, False)
    """
    return isinstance(x, complex) or np.dtype(dtype_of(x)).kind == "c"


def sort_complex(a):
    """a sorted along its last axis lexicographically by (real, imag), as a complex array,
    as numpy.sort_complex (the complex dtype is JAX's: complex64 for float32 and smaller
    types, where NumPy gives complex128 for float32).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.sort_complex(np.array([1 + 2j, 1 - 1j, 0 + 5j]))
    array([0.+5.j, 1.-1.j, 1.+2.j])
    """
    from .sorting import sort  # sorting builds on this module

    (x,) = promote("sort_complex", a)
    dt = np.result_type(x.dtype, np.complex64)
    return sort(cast(x, dt), axis=-1)


def fabs(x):
    """Elementwise absolute value as a float, as numpy.fabs."""
    (x,) = promote("fabs", x, inexact=True)
    _reject_complex("fabs", x)
    return lax.abs(x)


positive = _unary_numeric(lambda x: x, "positive")
pow = power  # noqa: A001


# ---------------------------------------------------------------------------------------------
# Bitwise operations, shifts, gcd and lcm: integers (and bools where NumPy allows them)


def _integers(name: str, *args, allow_bool: bool = True):
    args = promote(name, *args)
    kind = args[0].dtype.kind
    if kind not in ("biu" if allow_bool else "iu"):
        raise TypeError(f"{name} needs integer{' or bool' if allow_bool else ''} operands, got "
                        f"{', '.join(str(dtype_of(a)) for a in args)}")
    return args


def bitwise_and(x1, x2):
    """Elementwise x1 & x2 (logical on bools), as numpy.bitwise_and.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.bitwise_and(np.array([12, 10]), 6)
    array([4, 2])
    """
    return lax.bitwise_and(*_integers("bitwise_and", x1, x2))


def bitwise_or(x1, x2):
    """Elementwise x1 | x2 (logical on bools), as numpy.bitwise_or."""
    return lax.bitwise_or(*_integers("bitwise_or", x1, x2))


def bitwise_xor(x1, x2):
    """Elementwise x1 ^ x2 (logical on bools), as numpy.bitwise_xor."""
    return lax.bitwise_xor(*_integers("bitwise_xor", x1, x2))


def bitwise_not(x):
    """Elementwise ~x (logical not on bools), as numpy.bitwise_not."""
    return lax.bitwise_not(*_integers("bitwise_not", x))


invert = bitwise_invert = bitwise_not


def bitwise_count(x):
    """The number of 1 bits of |x| as uint8, as numpy.bitwise_count."""
    (x,) = _integers("bitwise_count", x)
    x = _bool_to_int8(x)
    magnitude = lax.abs(x) if x.dtype.kind == "i" else x
    return lax.convert_element_type(lax.population_count(magnitude), np.uint8)


def _shift_operands(name: str, x1, x2):
    x, y = _integers(name, x1, x2)
    return _bool_to_int8(x), _bool_to_int8(y)


def left_shift(x1, x2):
    """x1 << x2 elementwise, as numpy.left_shift (shifts past the bit width give 0).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.left_shift(np.array([1, 3], np.int8), 2)
    array([ 4, 12], dtype=int8)
    """
    return lax.shift_left(*_shift_operands("left_shift", x1, x2))


def right_shift(x1, x2):
    """x1 >> x2 elementwise, as numpy.right_shift: arithmetic (sign-filling) for signed
    integers, logical for unsigned ones."""
    return lax.shift_right_arithmetic(*_shift_operands("right_shift", x1, x2))


bitwise_left_shift, bitwise_right_shift = left_shift, right_shift


def gcd(x1, x2):
    """The greatest common divisor of |x1| and |x2| elementwise, as numpy.gcd.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.gcd(np.array([12, -18, 0]), 8)
    array([4, 2, 8])
    """
    x, y = _integers("gcd", x1, x2, allow_bool=False)
    shape = broadcast_shapes("gcd", x.shape, y.shape)
    x = lax.broadcast_in_dim(lax.abs(x), shape, tuple(range(len(shape) - x.ndim, len(shape))))
    y = lax.broadcast_in_dim(lax.abs(y), shape, tuple(range(len(shape) - y.ndim, len(shape))))

    def more(carry):
        return _any_nonzero(carry[1])

    def step(carry):
        a, b = carry
        nonzero = lax.ne(b, _k(0, b))
        safe = lax.select(nonzero, b, lax.full(shape, 1, b.dtype))
        return lax.select(nonzero, b, a), lax.select(nonzero, lax.rem(a, safe), b)

    return lax.while_loop(more, step, (x, y))[0]


def _any_nonzero(x):
    return lax.reduce_max(lax.ne(x, _k(0, x)), tuple(range(len(shape_of(x)))))


def lcm(x1, x2):
    """The least common multiple of |x1| and |x2| elementwise (0 if either is 0), as
    numpy.lcm."""
    x, y = _integers("lcm", x1, x2, allow_bool=False)
    g = gcd(x, y)
    zero = lax.eq(g, _k(0, g))
    safe = lax.select(zero, lax.full(shape_of(g), 1, g.dtype), g)
    # As NumPy: |x| / gcd * |y|, which wraps around (like NumPy) when it overflows.
    out = lax.mul(lax.div(lax.abs(x), safe), lax.abs(y))
    return lax.select(zero, lax.full(shape_of(g), 0, g.dtype), out)


# ---------------------------------------------------------------------------------------------
# i0: the modified Bessel function of the first kind, order 0, from two polynomials of
# elementwise operations (so it fuses, and its derivative i1 comes from differentiating them).

# Below _I0_SWITCH the power series sum (x^2/4)^k / (k!)^2, which has only positive terms;
# above it, the asymptotic series e^x / sqrt(2 pi x) sum a_k / x^k, truncated where its terms
# are smallest. Both reach about 1e-17 relative at the switch.
_I0_SWITCH = 20.0
_I0_SERIES = [1 / math.factorial(k) ** 2 for k in range(40)]
_I0_ASYMPTOTIC = [math.prod((2 * j - 1) ** 2 for j in range(1, k + 1))
                  / (math.factorial(k) * 8 ** k) for k in range(28)]


def _horner(coefficients: list[float], t):
    out = lax.full(shape_of(t), coefficients[-1], t.dtype)
    for c in reversed(coefficients[:-1]):
        out = lax.add(lax.mul(out, t), _k(c, t))
    return out


def i0(x):
    """The modified Bessel function of the first kind of order 0, as numpy.i0.

    >>> import numpy as np, numbax.numpy as xnp
    >>> bool(np.allclose(xnp.i0(np.array([0.0, 1.0, 30.0])), np.i0([0.0, 1.0, 30.0])))
    True
    """
    # NumPy's i0 is not a ufunc: integers give float64.
    (x,) = promote("i0", x, inexact=True, min_float=np.float64)
    _reject_complex("i0", x)
    if x.dtype == np.float16:  # its coefficients overflow float16: computed in float32
        return astype(i0(astype(x, np.float32)), np.float16)
    mag = lax.abs(x)
    small = lax.le(mag, _k(_I0_SWITCH, x))
    # Each branch sees only arguments in its own range, so neither overflows into the
    # other's gradient (the double-where pattern).
    near = lax.min(mag, _k(_I0_SWITCH, x))
    far = lax.max(mag, _k(_I0_SWITCH, x))
    series = _horner(_I0_SERIES, lax.mul(lax.mul(near, near), _k(0.25, x)))
    tail = _horner(_I0_ASYMPTOTIC, lax.div(_k(1, x), far))
    asymptotic = lax.mul(lax.div(lax.exp(far), lax.sqrt(lax.mul(far, _k(2 * np.pi, x)))), tail)
    return lax.select(small, series, asymptotic)
