"""float32 functions evaluated in float64 with short kernels, rounded once.

A float32 result needs its float64 value to about 2**-30 only, so these use Taylor
polynomials of a third of the length of vecmath's float64 kernels, one scaling by 2**k (a
float32 result never needs a denormal float64), and no head-and-tail splitting: pow32 is
exp(y log|x|) in plain float64. Every float32 input is a normal float64, so the reductions
need no denormal path either. A float64 value that close rounds to the correctly rounded
float32 result or its neighbour (errors against NumPy: docs/vecmath.md); special values
follow NumPy as in vecmath.
"""
from __future__ import annotations

import numba
import numpy as np

from .vecmath import (
    INVALID,
    LN2,
    LOG2E,
    PIO2_HI,
    ROUND,
    SQRT2,
    asin_rational,
    bits_to_f64,
    f64_to_bits,
    fma,
    pow_specials,
    signed,
)

_INLINE = dict(error_model="numpy", nogil=True, cache=True, inline="always")
# Beyond these float64 arguments exp's float32 result is inf or 0 whatever they are, so
# clamping keeps 2**k in range without changing a result.
_EXP_ARG = 200.0
_INVLN10 = 0.43429448190325176
_F = np.float32


@numba.njit(**_INLINE)
def _expm1_parts(x):
    """(p, s) with e**x = s (1 + p), s = 2**k and |p| <= 0.42, for |x| <= _EXP_ARG; p to 2e-10."""
    k = (x * LOG2E + ROUND) - ROUND
    r = x - k * LN2
    # e**r - 1 to r**8 / 8! (the next term is below 2e-10 relative for |r| <= ln2 / 2)
    p = fma(1.0 / 40320.0, r, 1.0 / 5040.0)
    p = fma(p, r, 1.0 / 720.0)
    p = fma(p, r, 1.0 / 120.0)
    p = fma(p, r, 1.0 / 24.0)
    p = fma(p, r, 1.0 / 6.0)
    p = fma(p, r, 0.5)
    return fma(r * r, p, r), bits_to_f64(np.int64(k + 1023.0) << 52)


@numba.njit(**_INLINE)
def _exp(x):
    p, s = _expm1_parts(min(max(x, -_EXP_ARG), _EXP_ARG))
    return s + s * p


@numba.njit(**_INLINE)
def _expm1(x):
    p, s = _expm1_parts(min(max(x, -_EXP_ARG), _EXP_ARG))
    return s * p + (s - 1.0)  # exact near 0, where s = 1


@numba.njit(**_INLINE)
def _log(x):
    """log(x) to about 1e-11 relative for x > 0 and normal (nonsense elsewhere)."""
    bits = f64_to_bits(x)
    m = bits_to_f64((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000)
    big = m > SQRT2
    m = m * 0.5 if big else m
    k = np.float64(((bits >> 52) & 0x7FF) - 1023 + (1 if big else 0))
    f = m - 1.0
    s = f / (2.0 + f)  # log(m) = 2 atanh(s), |s| <= 0.172
    z = s * s
    p = fma(z, 1.0 / 11.0, 1.0 / 9.0)
    p = fma(p, z, 1.0 / 7.0)
    p = fma(p, z, 1.0 / 5.0)
    p = fma(p, z, 1.0 / 3.0)
    s2 = s + s
    return fma(k, LN2, fma(s2 * z, p, s2))


@numba.njit(**_INLINE)
def _log1p(u):
    """log(1 + u) for u > -1, with the rounding of 1 + u corrected to first order."""
    v = 1.0 + u
    y = _log(v) - ((v - 1.0) - u) / v
    return u if v == 1.0 else y


@numba.njit(**_INLINE)
def expm1_32(x):
    a = np.float64(x)
    y = _expm1(a)
    y = a if abs(a) < 1e-10 else y  # keeps -0.0 and denormals; the square is below an ulp
    return x if x != x else _F(y)


@numba.njit(**_INLINE)
def exp2_32(x):
    a = min(max(np.float64(x), -300.0), 300.0)  # beyond, the result is inf or 0 anyway
    k = (a + ROUND) - ROUND  # so that exact powers of two stay exact
    y = _exp((a - k) * LN2) * bits_to_f64(np.int64(k + 1023.0) << 52)
    return x if x != x else _F(y)


@numba.njit(**_INLINE)
def _log_specials32(x, y):
    """y where x (float32) is finite and positive; NumPy's log results elsewhere."""
    y = -np.inf if x == 0.0 else y
    y = INVALID if x < 0.0 else y
    y = np.inf if x == np.inf else y
    return x if x != x else _F(y)


@numba.njit(**_INLINE)
def log2_32(x):
    return _log_specials32(x, _log(np.float64(x)) * LOG2E)


@numba.njit(**_INLINE)
def log10_32(x):
    return _log_specials32(x, _log(np.float64(x)) * _INVLN10)


@numba.njit(**_INLINE)
def sinh32(x):
    a = abs(np.float64(x))
    t = _expm1(a)
    y = 0.5 * (t + t / (t + 1.0))  # no cancellation: both terms are positive
    y = a if a < 1e-10 else y
    return x if x != x else _F(signed(y, np.float64(x)))


@numba.njit(**_INLINE)
def cosh32(x):
    e = _exp(abs(np.float64(x)))
    return x * x if x != x else _F(0.5 * e + 0.5 / e)


@numba.njit(**_INLINE)
def asinh32(x):
    a = abs(np.float64(x))
    y = _log1p(a + a * a / (1.0 + np.sqrt(1.0 + a * a)))
    y = a if (a < 1e-5) | (a == np.inf) else y
    return x if x != x else _F(signed(y, np.float64(x)))


@numba.njit(**_INLINE)
def acosh32(x):
    t = np.float64(x) - 1.0  # exact
    y = _log1p(t + np.sqrt(t * (t + 2.0)))
    y = np.inf if t == np.inf else y
    y = INVALID if t < 0.0 else y
    return x if x != x else _F(y)


@numba.njit(**_INLINE)
def atanh32(x):
    a = abs(np.float64(x))
    y = 0.5 * _log1p((a + a) / (1.0 - a))
    y = np.inf if a == 1.0 else y
    y = signed(a if a < 1e-5 else y, np.float64(x))
    y = INVALID if a > 1.0 else y  # (the nan's sign bit is the CPU's, as NumPy's)
    return x if x != x else _F(y)


@numba.njit(**_INLINE)
def pow32(x, y):
    a, b = np.float64(x), np.float64(y)
    r = _exp(b * _log(abs(a)))
    return _F(pow_specials(a, b, r))


@numba.njit(**_INLINE)
def _asin(x):
    """asin(x) for |x| <= 1 in float64 to about 1e-16 absolute: fdlibm's rational R on the
    one argument it needs (x*x below 1/2, else (1 - |x|) / 2 for pi/2 - 2 asin(sqrt(...)))."""
    a = abs(x)
    small = a < 0.5
    z = x * x if small else (1.0 - a) * 0.5
    s = a if small else np.sqrt(z)
    r = s + s * asin_rational(z)
    return signed(r if small else PIO2_HI - 2.0 * r, x)


@numba.njit(**_INLINE)
def asin32(x):
    a = np.float64(x)
    y = INVALID if abs(a) > 1.0 else _asin(a)
    return x if x != x else _F(y)


@numba.njit(**_INLINE)
def acos32(x):
    # pi/2 - asin(x) cancels near x = 1, but acos(x) >= 3e-4 there for float32 x < 1: the
    # float64 error of 1e-16 stays far below a float32 ulp.
    a = np.float64(x)
    y = INVALID if abs(a) > 1.0 else PIO2_HI - _asin(a)
    return x if x != x else _F(y)
