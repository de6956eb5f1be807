"""Branch-free, vectorisable elementary functions for fused kernels.

Numba's loops call scalar libm for exp, log, tanh...; LLVM cannot vectorise across such a
call, so a fused loop would lose to NumPy's SIMD ufuncs. These implementations use only
arithmetic, comparisons turned into selects and bit casts, so LLVM vectorises the loops
that inline them (on <4 x double> with AVX2). Each follows the classic fdlibm reduction and
polynomial, so that float64 results stay within 2 ulp of NumPy's (measured: docs/vecmath.md);
float32 variants evaluate the float64 kernel and round once. Special values (+-0, +-inf, nan,
denormal inputs and results, overflow) are handled as NumPy does.
"""
from __future__ import annotations

import math
from decimal import Context, Decimal

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

# Not inlined by Numba: each function is compiled once per process (and cached on disk), and
# LLVM still inlines it into the kernel loop and vectorises. Numba-level inlining gave the
# same machine code but made every kernel compile take 0.5 s instead of 0.15 s.
_JIT = dict(error_model="numpy", nogil=True, cache=True)
# Functions too large for LLVM's inliner (a call left in the loop stops its vectorisation) are
# inlined by Numba into their callers instead.
_INLINE = dict(_JIT, inline="always")


def _bitcast(src, dst):
    """An intrinsic reinterpreting a src-typed value's bits as dst (no conversion)."""
    @intrinsic
    def cast(typingctx, x):
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], context.get_value_type(dst))
        return dst(src), codegen
    return cast


bits_to_f64, f64_to_bits = _bitcast(types.int64, types.float64), _bitcast(types.float64, types.int64)
_bits_to_f32, _f32_to_bits = _bitcast(types.int32, types.float32), _bitcast(types.float32, types.int32)


@intrinsic
def fma(typingctx, a, b, c):
    """a * b + c, fused where the CPU has FMA (LLVM's fmuladd), in a's float type: a
    polynomial step in one instruction instead of two. Only for steps whose error analysis
    holds either way (the fused form is the more accurate)."""
    if not isinstance(a, types.Float):
        return None

    def codegen(context, builder, signature, args):
        ty = signature.return_type
        vals = [context.cast(builder, v, t, ty) for v, t in zip(args, signature.args)]
        t = vals[0].type
        fn = builder.module.declare_intrinsic("llvm.fmuladd", [t], ir.FunctionType(t, [t, t, t]))
        return builder.call(fn, vals)
    return a(a, b, c), codegen


LOG2E = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
# Adding and subtracting 1.5 * 2**52 rounds to the nearest integer without a libm call.
ROUND = 6755399441055744.0
# The nan of an invalid operation on this CPU (sign bit set on x86), as libm returns for
# arguments outside the domain.
with np.errstate(invalid="ignore"):
    INVALID = float(np.divide(0.0, 0.0))


@numba.njit(**_JIT)
def _scale(y, k):
    """y * 2**k for integral k in [-1076, 1025], in two exact halves so that denormal
    results are rounded once."""
    ki = np.int64(k)
    k1 = ki >> 1
    return y * bits_to_f64((k1 + 1023) << 52) * bits_to_f64((ki - k1 + 1023) << 52)


# 1/11!, 1/10!, ..., 1/2!
_EXP_TAYLOR = tuple(1.0 / math.factorial(n) for n in range(11, 1, -1))


@numba.njit(**_JIT)
def _exp_kernel(hi, lo):
    """e**r for r = hi - lo, |r| <= 0.35, where lo carries the bits of r that hi lacks."""
    r = hi - lo
    # e**r - 1 - r by its Taylor series to r**13 (the next term is below 4e-18): a chain of
    # fused steps costs less than fdlibm's rational form, whose division is slow on vectors.
    p = fma(r, 1.0 / 6227020800.0, 1.0 / 479001600.0)
    for c in _EXP_TAYLOR:
        p = fma(p, r, c)
    q = (r * r) * p
    return 1.0 + (hi - (lo - q))


@numba.njit(**_JIT)
def _exp_parts(x):
    """(y, k) with e**x = y * 2**k, k integral and clamped to [-1076, 1025]."""
    k = (x * LOG2E + ROUND) - ROUND
    k = min(max(k, -1076.0), 1025.0)
    return _exp_kernel(x - k * LN2_HI, k * LN2_LO), k


@numba.njit(**_JIT)
def exp64(x):
    y, k = _exp_parts(x)
    y = _scale(y, k)
    y = np.inf if x > 709.782712893384 else y
    y = 0.0 if x < -745.1332191019412 else y
    return x if x != x else y


@numba.njit(**_JIT)
def _expm1_reduced(r):
    """expm1 on |r| <= 0.35 by its Taylor series (the 16th term is below 1e-20 * r)."""
    p = fma(1.0 / 6402373705728000.0, r, 1.0 / 355687428096000.0)
    p = fma(p, r, 1.0 / 20922789888000.0)
    p = fma(p, r, 1.0 / 1307674368000.0)
    p = fma(p, r, 1.0 / 87178291200.0)
    p = fma(p, r, 1.0 / 6227020800.0)
    p = fma(p, r, 1.0 / 479001600.0)
    p = fma(p, r, 1.0 / 39916800.0)
    p = fma(p, r, 1.0 / 3628800.0)
    p = fma(p, r, 1.0 / 362880.0)
    p = fma(p, r, 1.0 / 40320.0)
    p = fma(p, r, 1.0 / 5040.0)
    p = fma(p, r, 1.0 / 720.0)
    p = fma(p, r, 1.0 / 120.0)
    p = fma(p, r, 1.0 / 24.0)
    p = fma(p, r, 1.0 / 6.0)
    p = fma(p, r, 0.5)
    return fma(r * r, p, r)


@numba.njit(**_INLINE)
def expm1_64(x):
    k = (x * LOG2E + ROUND) - ROUND
    k = min(max(k, -60.0), 1025.0)
    r = (x - k * LN2_HI) - k * LN2_LO
    e = _expm1_reduced(r)
    # 2**k * (e + 1) - 1 = 2**k * e + (2**k - 1); both terms are exact or rounded once.
    two_k = _scale(1.0, k)
    y = two_k * e + (two_k - 1.0)
    # Near overflow 2**k itself overflows; there expm1(x) and exp(x) round alike, and
    # (1 + e) * 2**k is scaled in two halves.
    y = _scale(1.0 + e, k) if k > 1000.0 else y
    y = -1.0 if x < -40.0 else y
    y = x if abs(x) < 1e-300 else y  # keeps -0.0 and denormals exact
    return x if x != x else y


_LG = (6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01,
       2.222219843214978396e-01, 1.818357216161805012e-01, 1.531383769920937332e-01,
       1.479819860511658591e-01)
_TWO54 = 18014398509481984.0
SQRT2 = 1.4142135623730951


@numba.njit(**_JIT)
def _log_reduce(x):
    """(k, m) with x = 2**k * m, m in [sqrt(2)/2, sqrt(2)), for finite x > 0."""
    tiny = x < 2.2250738585072014e-308
    xs = x * _TWO54 if tiny else x
    bits = f64_to_bits(xs)
    e = ((bits >> 52) & 0x7FF) - 1023 - (54 if tiny else 0)
    m = bits_to_f64((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000)
    big = m > SQRT2
    m = m * 0.5 if big else m
    return np.float64(e + (1 if big else 0)), m


@numba.njit(**_JIT)
def _log1p_tail(f):
    """(hfsq, t) with log(1 + f) = f - hfsq + t for |f| <= sqrt(2) - 1; t is small."""
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * fma(fma(w, _LG[5], _LG[3]), w, _LG[1])
    t2 = z * fma(fma(fma(w, _LG[6], _LG[4]), w, _LG[2]), w, _LG[0])
    r = t2 + t1
    hfsq = 0.5 * f * f
    return hfsq, s * (hfsq + r)


@numba.njit(**_JIT)
def _log_specials(x, y):
    """y where x is finite and positive; NumPy's log results elsewhere."""
    y = -np.inf if x == 0.0 else y
    y = INVALID if x < 0.0 else y
    y = x if x == np.inf else y
    return x if x != x else y


@numba.njit(**_JIT)
def log64(x):
    k, m = _log_reduce(x)
    f = m - 1.0
    hfsq, t = _log1p_tail(f)
    return _log_specials(x, k * LN2_HI - ((hfsq - (t + k * LN2_LO)) - f))


@numba.njit(**_JIT)
def log1p64(x):
    u = 1.0 + x
    # log(u) misses the rounding of 1 + x; the first-order correction puts it back.
    y = log64(u) - ((u - 1.0) - x) / u
    y = x if u == 1.0 else y
    y = x if x == np.inf else y
    return -np.inf if x == -1.0 else y


@numba.njit(**_JIT)
def tanh64(x):
    a = abs(x)
    # Below 0.625 a rational approximation (Cephes) avoids the cancellation in 1 - 2/(e+1).
    s = x * x
    p = (-9.64399179425052238628e-1 * s - 9.92877231001918586564e1) * s - 1.61468768441708447952e3
    q = ((s + 1.12811678491632931402e2) * s + 2.23548839060100448583e3) * s \
        + 4.84406305325125486048e3
    small = x + x * s * (p / q)
    e = exp64(2.0 * min(a, 22.0))
    large = 1.0 - 2.0 / (e + 1.0)
    large = -large if x < 0.0 else large
    y = small if a < 0.625 else large
    y = x if s == 0.0 else y  # +-0 and the tiniest inputs, whose square underflows
    return x if x != x else y


@numba.njit(**_JIT)
def logistic64(x):
    e = exp64(-abs(x))  # never overflows; exp(x) / (1 + exp(x)) keeps tiny results for x < 0
    return 1.0 / (1.0 + e) if x >= 0.0 else e / (1.0 + e)


# Reduction by pi/2 in three 33-bit pieces (fdlibm's __ieee754_rem_pio2, medium path): exact
# products n * piece for |n| < 2**20, so accurate for |x| <= TRIG_LIMIT. Larger arguments need
# Payne-Hanek reduction; kernels flag them and rerun the chunk with libm (see codegen).
TRIG_LIMIT = 1.5e6
_INVPIO2 = 6.36619772367581382433e-01
_PIO2_1, _PIO2_1T = 1.57079632673412561417e+00, 6.07710050650619224932e-11
_PIO2_2, _PIO2_2T = 6.07710050630396597660e-11, 2.02226624879595063154e-21
_PIO2_3, _PIO2_3T = 2.02226624871116645580e-21, 8.47842766036889956997e-32


@numba.njit(**_JIT)
def _rem_pio2(x):
    """(n, hi, lo) with x = n * pi/2 + hi + lo and |hi| <= pi/4 (for |x| <= TRIG_LIMIT)."""
    fn = (x * _INVPIO2 + ROUND) - ROUND
    r = x - fn * _PIO2_1
    t = r
    w = fn * _PIO2_2
    r = t - w
    w = fn * _PIO2_2T - ((t - r) - w)
    # third piece, always: the branch-free path pays a few flops instead of a test
    t0 = r
    w = fn * _PIO2_3
    r = t0 - w
    w = fn * _PIO2_3T - ((t0 - r) - w)
    hi = r - w
    lo = (r - hi) - w
    return fn, hi, lo


@numba.njit(**_JIT)
def _sin_kernel(x, y):
    z = x * x
    v = z * x
    r = fma(z, 1.58969099521155010221e-10, -2.50507602534068634195e-08)
    r = fma(r, z, 2.75573137070700676789e-06)
    r = fma(r, z, -1.98412698298579493134e-04)
    r = fma(r, z, 8.33333333332248946124e-03)
    return x - ((z * (0.5 * y - v * r) - y) - v * -1.66666666666666324348e-01)


@numba.njit(**_JIT)
def _cos_kernel(x, y):
    z = x * x
    r = fma(z, -1.13596475577881948265e-11, 2.08757232129817482790e-09)
    r = fma(r, z, -2.75573143513906633035e-07)
    r = fma(r, z, 2.48015872894767294178e-05)
    r = fma(r, z, -1.38888888888741095749e-03)
    r = z * fma(r, z, 4.16666666666666019037e-02)
    hz = 0.5 * z
    w = 1.0 - hz
    return w + (((1.0 - w) - hz) + (z * r - x * y))


@numba.njit(**_JIT)
def _sincos_quadrant(x):
    n, hi, lo = _rem_pio2(x)
    q = np.int64(n) & 3
    return q, _sin_kernel(hi, lo), _cos_kernel(hi, lo)


# Quadrant selection by single selects: LLVM if-converts those but not a chain of them.
@numba.njit(**_JIT)
def sin64(x):
    q, s, c = _sincos_quadrant(x)
    y = c if (q & 1) == 1 else s
    y = -y if (q & 2) == 2 else y
    return x if abs(x) < 1e-300 else y


@numba.njit(**_JIT)
def cos64(x):
    q, s, c = _sincos_quadrant(x)
    y = s if (q & 1) == 1 else c
    return -y if ((q + 1) & 2) == 2 else y


@numba.njit(**_JIT)
def tan64(x):
    q, s, c = _sincos_quadrant(x)
    y = s / c if (q & 1) == 0 else -c / s
    return x if abs(x) < 1e-300 else y


# ---------------------------------------------------------------------------------------------
# atan, atan2, asin, acos, sinh, cosh, asinh, acosh, atanh, log2, log10, exp2, cbrt and pow in
# float64. Where a result must carry more than 53 bits (log2, log10, exp2, pow), values are
# split into a 21-bit head and a tail: the product of two 21-bit heads is exact.

_HI21 = np.int64(-4294967296)  # clears the low 32 bits of a float64


@numba.njit(**_JIT)
def _hi21(x):
    """x truncated to its 21 leading significant bits."""
    return bits_to_f64(f64_to_bits(x) & _HI21)


_DEC = Context(prec=50)  # (not the process's decimal context)


def _split(value: Decimal) -> tuple[float, float]:
    """A constant as (21-bit head, tail), from 50 significant digits."""
    head = np.array([float(value)]).view(np.int64) & _HI21
    hi = float(head.view(np.float64)[0])
    return hi, float(_DEC.subtract(value, Decimal(hi)))


_LN2_D, _LN10_D = _DEC.ln(Decimal(2)), _DEC.ln(Decimal(10))
LN2 = float(_LN2_D)
_LN2_H21, _LN2_L21 = _split(_LN2_D)
_INVLN2_HI, _INVLN2_LO = _split(_DEC.divide(1, _LN2_D))
_INVLN10_HI, _INVLN10_LO = _split(_DEC.divide(1, _LN10_D))
_LOG10_2_HI, _LOG10_2_LO = _split(_DEC.divide(_LN2_D, _LN10_D))
_TWO_THIRDS_HI, _TWO_THIRDS_LO = _split(_DEC.divide(2, 3))
PIO2_HI, _PIO2_LO = 1.57079632679489655800e+00, 6.12323399573676603587e-17
_PIO4_HI = 7.85398163397448278999e-01
_PI_HI, _PI_LO = 3.14159265358979311600e+00, 1.22464679914735320717e-16


@numba.njit(**_JIT)
def _negative(x):
    """The sign bit of x: true for -0.0 too."""
    return f64_to_bits(x) < 0


@numba.njit(**_JIT)
def signed(y, x):
    """|y| with x's sign bit (y >= 0)."""
    return -y if _negative(x) else y


# atan(a) for a >= 0 (fdlibm): a is reduced against the nearest of 0, 1/2, 1, 3/2 and inf by
# atan(a) = atan(c) + atan((a - c) / (1 + a c)), atan(c) kept as head + tail.
_AT = (3.33333333333329318027e-01, -1.99999999998764832476e-01, 1.42857142725034663711e-01,
       -1.11111104054623557880e-01, 9.09088713343650656196e-02, -7.69187620504482999495e-02,
       6.66107313738753120669e-02, -5.83357013379057348645e-02, 4.97687799461593236017e-02,
       -3.65315727442169155270e-02, 1.62858201153657823623e-02)


@numba.njit(**_JIT)
def _atan_positive(a):
    num, den, hi, lo = a, 1.0, 0.0, 0.0
    c = a >= 0.4375
    num = 2.0 * a - 1.0 if c else num
    den = 2.0 + a if c else den
    hi = 4.63647609000806093515e-01 if c else hi
    lo = 2.26987774529616870924e-17 if c else lo
    c = a >= 0.6875
    num = a - 1.0 if c else num
    den = a + 1.0 if c else den
    hi = _PIO4_HI if c else hi
    lo = 3.06161699786838301793e-17 if c else lo
    c = a >= 1.1875
    num = a - 1.5 if c else num
    den = 1.0 + 1.5 * a if c else den
    hi = 9.82793723247329054082e-01 if c else hi
    lo = 1.39033110312309984516e-17 if c else lo
    c = a >= 2.4375
    num = -1.0 if c else num
    den = a if c else den
    hi = PIO2_HI if c else hi
    lo = _PIO2_LO if c else lo
    z = num / den
    z2 = z * z
    w = z2 * z2
    s1 = z2 * (_AT[0] + w * (_AT[2] + w * (_AT[4] + w * (_AT[6] + w * (_AT[8] + w * _AT[10])))))
    s2 = w * (_AT[1] + w * (_AT[3] + w * (_AT[5] + w * (_AT[7] + w * _AT[9]))))
    return hi - ((z * (s1 + s2) - lo) - z)


@numba.njit(**_JIT)
def atan64(x):
    y = signed(_atan_positive(abs(x)), x)
    return x if (abs(x) < 1e-300) | (x != x) else y


@numba.njit(**_INLINE)
def atan2_64(y, x):
    ax, ay = abs(x), abs(y)
    # atan of the ratio of the smaller to the larger magnitude (at most 1), then the octant
    swap = ay > ax
    t = _atan_positive(min(ax, ay) / max(ax, ay))
    t = 0.0 if ay == 0.0 else t  # 0/0: the octant rules give +-0 or +-pi
    t = _PIO4_HI if (ax == np.inf) & (ay == np.inf) else t
    t = PIO2_HI - (t - _PIO2_LO) if swap else t
    t = _PI_HI - (t - _PI_LO) if _negative(x) else t
    t = signed(t, y)
    return x + y if (x != x) | (y != y) else t


# asin and acos (fdlibm): a rational approximation R(z) of (asin(sqrt(z)) - sqrt(z)) / z^1.5
# on z <= 1/4, and for |x| > 1/2 the identity asin(x) = pi/2 - 2 asin(sqrt((1 - x) / 2)).
@numba.njit(**_JIT)
def asin_rational(z):
    p = z * (1.66666666666666657415e-01 + z * (-3.25565818622400915405e-01 + z * (
        2.01212532134862925881e-01 + z * (-4.00555345006794114027e-02 + z * (
            7.91534994289814532176e-04 + z * 3.47933107596021167570e-05)))))
    q = 1.0 + z * (-2.40339491173441421878e+00 + z * (2.02094576023350569471e+00 + z * (
        -6.88283971605453293030e-01 + z * 7.70381505559019352791e-02)))
    return p / q


@numba.njit(**_JIT)
def asin64(x):
    a = abs(x)
    small = x + x * asin_rational(x * x)
    t = (1.0 - a) * 0.5
    r = asin_rational(t)
    s = np.sqrt(t)
    near_one = PIO2_HI - (2.0 * (s + s * r) - _PIO2_LO)
    # Below 0.975, sqrt's head and a correction c keep the subtraction from pi/4 exact.
    w = _hi21(s)
    c = (t - w * w) / (s + w)
    middle = _PIO4_HI - ((2.0 * s * r - (_PIO2_LO - 2.0 * c)) - (_PIO4_HI - 2.0 * w))
    y = near_one if a >= 0.975 else middle
    y = signed(y, x)
    y = small if a < 0.5 else y
    y = INVALID if a > 1.0 else y
    return x if (abs(x) < 1e-300) | (x != x) else y


@numba.njit(**_INLINE)
def acos64(x):
    small = PIO2_HI - (x - (_PIO2_LO - x * asin_rational(x * x)))
    zn = (1.0 + x) * 0.5  # x < -1/2: pi - 2 asin(sqrt((1 + x) / 2))
    sn = np.sqrt(zn)
    negative = _PI_HI - 2.0 * (sn + (asin_rational(zn) * sn - _PIO2_LO))
    zp = (1.0 - x) * 0.5  # x > 1/2: 2 asin(sqrt((1 - x) / 2)), sqrt split in head and tail
    sp = np.sqrt(zp)
    df = _hi21(sp)
    c = (zp - df * df) / (sp + df)
    positive = 2.0 * (df + (asin_rational(zp) * sp + c))
    y = negative if x < 0.0 else positive
    y = small if abs(x) < 0.5 else y
    y = 0.0 if x == 1.0 else y
    y = INVALID if abs(x) > 1.0 else y
    return x if x != x else y


# sinh and cosh: expm1 near zero (no cancellation), exp in between, and beyond 22 half of
# exp's 2**k-scaled result, so that exp(|x|) / 2 does not overflow before the halving.
_SINH_MAX = 710.4758600739439  # log(2 * DBL_MAX)


@numba.njit(**_JIT)
def _half_exp(a):
    y, k = _exp_parts(a)
    return _scale(y, k - 1.0)


def _inverse_factorials(first: int, last: int) -> tuple[float, ...]:
    """1/first!, 1/(first-2)!, ... down to 1/last! (first - last even)."""
    return tuple(1.0 / math.factorial(n) for n in range(first, last - 1, -2))


# sinh(a) = a + a z (1/3! + z (1/5! + ...)) and cosh(a) = 1 + z (1/2! + z (1/4! + ...)) with
# z = a*a: to a**25 below 2 (the next term is below 1e-18 of sinh there) and to a**14 below
# ln2 / 2. Beyond, both are e**a / 2 -+ e**-a / 2, whose cancellation is then at most 4%.
_SINH_SERIES = _inverse_factorials(23, 3)
_COSH_SERIES = _inverse_factorials(12, 2)


@numba.njit(**_INLINE)
def sinh64(x):
    a = abs(x)
    z = a * a
    p = fma(z, 1.0 / 15511210043330985984000000.0, _SINH_SERIES[0])
    for c in _SINH_SERIES[1:]:
        p = fma(p, z, c)
    half = _half_exp(min(a, _SINH_MAX))
    y = fma(a * z, p, a) if a < 2.0 else half - 0.25 / half
    y = np.inf if a > _SINH_MAX else y
    y = signed(y, x)
    return x if (a < 3.7e-9) | (x != x) else y


@numba.njit(**_INLINE)
def cosh64(x):
    a = abs(x)
    z = a * a
    p = fma(z, 1.0 / 87178291200.0, _COSH_SERIES[0])
    for c in _COSH_SERIES[1:]:
        p = fma(p, z, c)
    half = _half_exp(min(a, _SINH_MAX))
    y = fma(z, p, 1.0) if a < 0.5 * LN2 else half + 0.25 / half
    y = np.inf if a > _SINH_MAX else y
    return x * x if x != x else y


_TWO28 = 268435456.0


@numba.njit(**_JIT)
def _log_of_choice(use1p, u, big, v):
    """log1p(u) if use1p, else log(v) (+ ln2 if big): one log64 for the forms below."""
    w = 1.0 + u if use1p else v
    y = log64(w)
    # log(1 + u) misses the rounding of 1 + u; the first-order correction puts it back
    y = y - ((w - 1.0) - u) / w if use1p else y
    return y + LN2 if big else y


# asinh and acosh: log1p of the textbook forms up to 2, log of them beyond, and log(x) + ln2
# beyond 2**28 (where x*x may overflow and sqrt(x*x + 1) = x), with a single log.
@numba.njit(**_INLINE)
def asinh64(x):
    a = abs(x)
    t = a * a
    sq = np.sqrt(1.0 + t)
    big = a > _TWO28
    v = a if big else 2.0 * a + 1.0 / (sq + a)
    y = signed(_log_of_choice(a <= 2.0, a + t / (1.0 + sq), big, v), x)
    return x if (a < 3.7e-9) | (x != x) else y


@numba.njit(**_INLINE)
def acosh64(x):
    t = x - 1.0
    big = x > _TWO28
    v = x if big else 2.0 * x - 1.0 / (x + np.sqrt(x * x - 1.0))
    y = _log_of_choice(x <= 2.0, t + np.sqrt(2.0 * t + t * t), big, v)
    y = INVALID if x < 1.0 else y
    return x if x != x else y


@numba.njit(**_INLINE)
def atanh64(x):
    a = abs(x)
    t = a + a
    d = 1.0 - a
    y = 0.5 * log1p64(t + t * a / d if a < 0.5 else t / d)
    y = signed(y, x)
    y = INVALID if a > 1.0 else y
    return x if (a < 3.7e-9) | (x != x) else y


@numba.njit(**_JIT)
def _log1p_split(m):
    """log(m) as head + tail (head 21 bits), for m in [sqrt(2)/2, sqrt(2))."""
    f = m - 1.0
    hfsq, t = _log1p_tail(f)
    hi = _hi21(f - hfsq)
    return hi, ((f - hi) - hfsq) + t


@numba.njit(**_JIT)
def log2_64(x):
    k, m = _log_reduce(x)
    hi, lo = _log1p_split(m)
    y_hi = hi * _INVLN2_HI  # exact
    y_lo = (lo + hi) * _INVLN2_LO + lo * _INVLN2_HI
    w = k + y_hi  # then the rounding error of that sum, exactly (|k| >= |y_hi| or k = 0)
    y_lo = y_lo + ((k - w) + y_hi)
    return _log_specials(x, y_lo + w)


@numba.njit(**_JIT)
def log10_64(x):
    k, m = _log_reduce(x)
    hi, lo = _log1p_split(m)
    y_hi = hi * _INVLN10_HI
    y_lo = k * _LOG10_2_LO + (lo + hi) * _INVLN10_LO + lo * _INVLN10_HI
    k_hi = k * _LOG10_2_HI
    w = k_hi + y_hi
    y_lo = y_lo + ((k_hi - w) + y_hi)
    return _log_specials(x, y_lo + w)


@numba.njit(**_JIT)
def exp2_64(x):
    k = (x + ROUND) - ROUND
    k = min(max(k, -1076.0), 1025.0)
    r = x - k  # exact, |r| <= 1/2
    # r * ln2 as head + tail: exp's kernel needs its argument to ~2**-60
    rh = _hi21(r)
    hi = rh * _LN2_H21
    lo = (r - rh) * LN2 + rh * _LN2_L21
    y = _scale(_exp_kernel(hi, -lo), k)
    y = np.inf if x > 1024.0 else y
    y = 0.0 if x < -1076.0 else y
    return x if x != x else y


# cbrt: a first guess from the exponent bits divided by three (within about 6%), a polynomial
# refinement to 23 bits (fdlibm's), then one step converging cubically from an exactly
# squarable guess. B1 / B2 bias the guess's exponent field for normal / denormal inputs.
_CBRT_B1 = np.int64((1023 - 1023 / 3 - 0.03306235651) * 2 ** 20)
_CBRT_B2 = np.int64((1023 - 1023 / 3 - 54 / 3 - 0.03306235651) * 2 ** 20)


@numba.njit(**_JIT)
def cbrt64(x):
    a = abs(x)
    tiny = a < 2.2250738585072014e-308
    high = f64_to_bits(a * _TWO54 if tiny else a) >> 32
    # high // 3 by a float product: the 0.5 keeps exact thirds from truncating downwards
    third = np.int64(np.int32((np.float64(high) + 0.5) * (1.0 / 3.0)))
    t = bits_to_f64((third + (_CBRT_B2 if tiny else _CBRT_B1)) << 32)
    r = (t * t) * (t / a)
    t = t * ((1.87595182427177009643 + r * (-1.88497979543377169875 + r * 1.621429720105354466140))
             + ((r * r) * r) * (-0.758397934778766047437 + r * 0.145996192886612446982))
    # round away from zero to 23 bits, so that t * t below is exact
    t = bits_to_f64((f64_to_bits(t) + np.int64(0x80000000)) & np.int64(-1073741824))
    s = t * t
    r = a / s
    r = (r - t) / ((t + t) + r)
    y = signed(t + t * r, x)
    return x if (a == 0.0) | (a == np.inf) | (x != x) else y


# pow: log(|x|) to about 2**-66 relative, as a 21-bit head and a tail, times y as exactly as
# that allows, then exp of the head + tail product. log(m) = 2/3 s (3 + s^2 + 3/5 s^4 + ...)
# with s = (m - 1) / (m + 1) and |s| <= 0.1716: the series to s^24 reaches 2**-64, and the
# factor 3 + s^2 + ... has an exact head (s's 21-bit head squared).
_POW_SERIES = tuple(3.0 / (2 * n + 1) for n in range(2, 13))


@numba.njit(**_INLINE)
def _log_head_tail(a):
    """log(a) as (t1, t2): t1 has 21 bits, a finite and > 0."""
    k, m = _log_reduce(a)
    f = m - 1.0
    d = m + 1.0
    d_hi = _hi21(d)
    d_lo = m - (d_hi - 1.0)
    inv_d = 1.0 / d  # one division: s_lo below absorbs the rounding of s's head
    s = f * inv_d
    s_hi = _hi21(s)
    s_lo = ((f - s_hi * d_hi) - s_hi * d_lo) * inv_d
    z = s * s
    c = _POW_SERIES
    p = fma(z, c[10], c[9])
    for i in range(8, -1, -1):
        p = fma(p, z, c[i])
    r = (z * z) * p + s_lo * (s_hi + s)
    s2 = s_hi * s_hi
    t_hi = _hi21(3.0 + s2 + r)
    t_lo = r - ((t_hi - 3.0) - s2)
    u = s_hi * t_hi
    v = s_lo * t_hi + t_lo * s
    p_hi = _hi21(u + v)
    p_lo = v - (p_hi - u)
    # k ln2 + 2/3 (p_hi + p_lo): both heads' products are exact; their sum's error is kept
    a1, a2 = k * LN2_HI, _TWO_THIRDS_HI * p_hi
    h = a1 + a2
    b = h - a1
    lo = ((a1 - (h - b)) + (a2 - b)) + k * LN2_LO + _TWO_THIRDS_LO * p_hi \
        + (_TWO_THIRDS_HI + _TWO_THIRDS_LO) * p_lo
    t1 = _hi21(h + lo)
    return t1, (h - t1) + lo


@numba.njit(**_JIT)
def _integer_kind(y):
    """(y is an integer, y is an odd integer)."""
    ay = abs(y)
    integral = (ay >= 4503599627370496.0) | (((min(ay, 4503599627370496.0)
                                               + 4503599627370496.0) - 4503599627370496.0) == ay)
    h = min(ay * 0.5, 4503599627370496.0)
    odd = integral & (ay < 9007199254740992.0) & (((h + 4503599627370496.0)
                                                   - 4503599627370496.0) != h)
    return integral, odd


@numba.njit(**_INLINE)
def pow64(x, y):
    ax = abs(x)
    t1, t2 = _log_head_tail(ax)
    y_hi = _hi21(y)
    z_hi = y_hi * t1
    z_lo = (y - y_hi) * t1 + y * t2
    z = z_hi + z_lo
    k = (z * LOG2E + ROUND) - ROUND
    k = min(max(k, -1076.0), 1025.0)
    r = _scale(_exp_kernel(z_hi - k * LN2_HI, k * LN2_LO - z_lo), k)
    r = np.inf if z > 709.782712893384 else r
    r = 0.0 if z < -745.1332191019412 else r
    return pow_specials(x, y, r)


@numba.njit(**_JIT)
def pow_specials(x, y, r):
    """r (|x| ** y for finite x != 0) with C99's (and NumPy's) special cases and signs."""
    ax = abs(x)
    integral, odd = _integer_kind(y)
    r = (np.inf if (y > 0.0) == (ax == np.inf) else 0.0) if (ax == 0.0) | (ax == np.inf) else r
    r = -r if _negative(x) & odd else r
    r = INVALID if (x < 0.0) & (ax != np.inf) & (not integral) else r
    r = (np.inf if (ax > 1.0) == (y > 0.0) else 0.0) if abs(y) == np.inf else r
    r = 1.0 if (abs(y) == np.inf) & (ax == 1.0) else r
    r = x + y if (x != x) | (y != y) else r
    return 1.0 if (y == 0.0) | (x == 1.0) else r


def _f32(fn64):
    @numba.njit(**_INLINE)
    def fn32(x):
        return np.float32(fn64(np.float64(x)))
    return fn32


def _f32_binary(fn64):
    @numba.njit(**_INLINE)
    def fn32(x, y):
        return np.float32(fn64(np.float64(x), np.float64(y)))
    return fn32


# Through the float64 kernels (each within an ulp or so), rounded once: within 1 ulp.
atan32, cbrt32 = _f32(atan64), _f32(cbrt64)
atan2_32 = _f32_binary(atan2_64)
from .vecmath32 import (  # noqa: E402,F401  (float32 through short float64 kernels)
    acos32,
    acosh32,
    asin32,
    asinh32,
    atanh32,
    cosh32,
    exp2_32,
    expm1_32,
    log2_32,
    log10_32,
    pow32,
    sinh32,
)

# ---------------------------------------------------------------------------------------------
# Native float32 variants (eight lanes per AVX2 vector instead of four): the same methods with
# float32 constants and shorter polynomials (Cephes' float32 coefficients), within 4 ulp.

_F = np.float32


@numba.njit(**_JIT)
def _scale32(y, k):
    """y * 2**k for integral float32 k in [-151, 129], in two exact halves."""
    ki = np.int32(k)
    k1 = ki >> 1
    return y * _bits_to_f32((k1 + np.int32(127)) << np.int32(23)) * _bits_to_f32(
        (ki - k1 + np.int32(127)) << np.int32(23))


@numba.njit(**_JIT)
def _exp32_reduced(x, k):
    """e**(x - k ln2) for integral k nearest to x / ln2 (Cephes' polynomial)."""
    r = (x - k * _F(0.693359375)) - k * _F(-2.12194440e-4)
    p = fma(_F(1.9875691500e-4), r, _F(1.3981999507e-3))
    p = fma(p, r, _F(8.3334519073e-3))
    p = fma(p, r, _F(4.1665795894e-2))
    p = fma(p, r, _F(1.6666665459e-1))
    p = fma(p, r, _F(5.0000001201e-1))
    return fma(p * r, r, r) + _F(1.0)


@numba.njit(**_JIT)
def exp32(x):
    k = (x * _F(1.44269504) + _F(12582912.0)) - _F(12582912.0)
    k = min(max(k, _F(-151.0)), _F(129.0))
    y = _scale32(_exp32_reduced(x, k), k)
    y = _F(np.inf) if x > _F(88.72283) else y
    y = _F(0.0) if x < _F(-103.97208) else y
    return x if x != x else y


@numba.njit(**_JIT)
def _exp32_moderate(x):
    """exp32 for 0 <= x <= 88: no clamping, special values or denormal results."""
    k = (x * _F(1.44269504) + _F(12582912.0)) - _F(12582912.0)
    return _exp32_reduced(x, k) * _bits_to_f32(np.int32(np.int32(k) + np.int32(127)) << np.int32(23))


@numba.njit(**_JIT)
def logistic32(x):
    e = exp32(-abs(x))
    return _F(1.0) / (_F(1.0) + e) if x >= _F(0.0) else e / (_F(1.0) + e)


@numba.njit(**_JIT)
def tanh32(x):
    a = abs(x)
    z = x * x
    p = fma(_F(-5.70498872745e-3), z, _F(2.06390887954e-2))
    p = fma(p, z, _F(-5.37397155531e-2))
    p = fma(p, z, _F(1.33314422036e-1))
    p = fma(p, z, _F(-3.33332819422e-1))
    small = fma(p * z, x, x)
    large = _F(1.0) - _F(2.0) / (_exp32_moderate(_F(2.0) * min(a, _F(10.0))) + _F(1.0))
    large = -large if x < _F(0.0) else large
    y = small if a < _F(0.625) else large
    y = x if z == _F(0.0) else y  # +-0 and the tiniest inputs, whose square underflows
    return x if x != x else y


@numba.njit(**_JIT)
def log32(x):
    tiny = x < _F(1.17549435e-38)
    xs = x * _F(16777216.0) if tiny else x
    bits = _f32_to_bits(xs)
    # Numba widens int32 arithmetic to int64; the casts keep it (and the conversion to float)
    # on 16 lanes.
    e = np.int32(np.int32(bits >> np.int32(23)) & np.int32(0xFF))
    m = _bits_to_f32(np.int32(np.int32(bits & np.int32(0x007FFFFF)) | np.int32(0x3F800000)))
    big = m > _F(1.41421356)
    m = m * _F(0.5) if big else m
    k = _F(e) - (_F(151.0) if tiny else _F(127.0)) + (_F(1.0) if big else _F(0.0))
    f = m - _F(1.0)
    z = f * f
    y = fma(_F(7.0376836292e-2), f, _F(-1.1514610310e-1))
    for c in (_F(1.1676998740e-1), _F(-1.2420140846e-1), _F(1.4249322787e-1),
              _F(-1.6668057665e-1), _F(2.0000714765e-1), _F(-2.4999993993e-1),
              _F(3.3333331174e-1)):
        y = fma(y, f, c)
    y = y * f * z
    y = y + k * _F(-2.12194440e-4) - _F(0.5) * z
    y = f + y + k * _F(0.693359375)
    y = _F(-np.inf) if x == _F(0.0) else y
    y = _F(INVALID) if x < _F(0.0) else y
    y = x if x == _F(np.inf) else y
    return x if x != x else y


@numba.njit(**_JIT)
def log1p32(x):
    u = _F(1.0) + x
    # log(u) misses the rounding of 1 + x; the first-order correction puts it back (as log1p64)
    y = log32(u) - ((u - _F(1.0)) - x) / u
    y = x if (u == _F(1.0)) | (x == _F(np.inf)) else y
    return _F(-np.inf) if x == _F(-1.0) else y


TRIG_LIMIT32 = 8192.0


@numba.njit(**_JIT)
def _sincos32(x):
    """(sin, cos) of x by Cody-Waite reduction by pi/4 (exact for |x| <= TRIG_LIMIT32)."""
    a = abs(x)
    j = np.int32(a * _F(1.27323954))
    j = np.int32(j + np.int32(j & np.int32(1)))
    y = _F(j)
    r = ((a - y * _F(0.78515625)) - y * _F(2.4187564849853515625e-4)) - y * _F(
        3.77489497744594108e-8)
    z = r * r
    s = fma(fma(fma(_F(-1.9515295891e-4), z, _F(8.3321608736e-3)), z, _F(-1.6666654611e-1))
            * z, r, r)
    c = fma(fma(fma(_F(2.443315711809948e-5), z, _F(-1.388731625493765e-3)), z,
                _F(4.166664568298827e-2)) * z, z, fma(_F(-0.5), z, _F(1.0)))
    q = np.int32(np.int32(j >> np.int32(1)) & np.int32(3))
    swap = (q & np.int32(1)) == np.int32(1)
    sin_a = c if swap else s
    cos_a = s if swap else c
    sin_a = -sin_a if (q & np.int32(2)) == np.int32(2) else sin_a
    cos_a = -cos_a if ((q + np.int32(1)) & np.int32(2)) == np.int32(2) else cos_a
    return (-sin_a if x < _F(0.0) else sin_a), cos_a


@numba.njit(**_JIT)
def sin32(x):
    y = _sincos32(x)[0]
    return x if abs(x) < _F(1e-30) else y


@numba.njit(**_JIT)
def cos32(x):
    return _sincos32(x)[1]


@numba.njit(**_JIT)
def tan32(x):
    s, c = _sincos32(x)
    y = s / c  # both within an ulp, and relative to their size: within 3 ulp
    return x if abs(x) < _F(1e-30) else y


@numba.njit(**_JIT)
def complex_divide(x, y):
    """x / y for complex operands as NumPy divides them (Smith's scaling, so |y| past the
    square root of the largest float does not overflow); Numba's own complex division raises
    ZeroDivisionError for y == 0, where NumPy gives infs and nans."""
    a, b, c, d = x.real, x.imag, y.real, y.imag
    if abs(c) >= abs(d):
        if c == 0 and d == 0:
            return complex(a / abs(c), b / abs(d))
        r = d / c
        s = 1 / (c + d * r)
        return complex((a + b * r) * s, (b - a * r) * s)
    r = c / d
    s = 1 / (c * r + d)
    return complex((a * r + b) * s, (b * r - a) * s)


# primitive name -> (float32 variant, float64 variant)
FUNCTIONS = {
    "exp": ("exp32", "exp64"), "expm1": ("expm1_32", "expm1_64"), "log": ("log32", "log64"),
    "log1p": ("log1p32", "log1p64"), "tanh": ("tanh32", "tanh64"),
    "logistic": ("logistic32", "logistic64"), "sin": ("sin32", "sin64"),
    "cos": ("cos32", "cos64"), "tan": ("tan32", "tan64"),
    "atan": ("atan32", "atan64"), "atan2": ("atan2_32", "atan2_64"),
    "asin": ("asin32", "asin64"), "acos": ("acos32", "acos64"),
    "sinh": ("sinh32", "sinh64"), "cosh": ("cosh32", "cosh64"),
    "asinh": ("asinh32", "asinh64"), "acosh": ("acosh32", "acosh64"),
    "atanh": ("atanh32", "atanh64"), "log2": ("log2_32", "log2_64"),
    "log10": ("log10_32", "log10_64"), "exp2": ("exp2_32", "exp2_64"),
    "cbrt": ("cbrt32", "cbrt64"), "pow": ("pow32", "pow64"),
}
# Functions of two arguments (the kernel passes both operands).
BINARY = frozenset({"atan2", "pow"})
# Functions accurate only for |x| <= the limit of their float32 / float64 variant: kernels
# check their arguments.
LIMITED = {"sin": (TRIG_LIMIT32, TRIG_LIMIT), "cos": (TRIG_LIMIT32, TRIG_LIMIT),
           "tan": (TRIG_LIMIT32, TRIG_LIMIT)}

# Special functions: the vectorisable erf, erfc, lgamma and digamma (special_vecmath.py), and
# `vm.special`, the scalar functions the special-function primitives' kernels call.
from ...core import special_math as special  # noqa: E402,F401
from .special_vecmath import (  # noqa: E402,F401
    SPECIAL_FUNCTIONS,
    digamma32,
    digamma64,
    erf32,
    erf64,
    erfc32,
    erfc64,
    lgamma32,
    lgamma64,
)

FUNCTIONS.update(SPECIAL_FUNCTIONS)
