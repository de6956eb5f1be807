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

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic

# Not inlined by Numba: each function is compiled once per process (and cached on disk), and
# LLVM still inlines it into the kernel loop and vectorises. Numba-level inlining gave the
# same machine code but made every kernel compile take 0.5 s instead of 0.15 s.
_JIT = dict(error_model="numpy", nogil=True, cache=True)


def _bitcast(src, dst):
    """An intrinsic reinterpreting a src-typed value's bits as dst (no conversion)."""
    @intrinsic
    def cast(typingctx, x):
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], context.get_value_type(dst))
        return dst(src), codegen
    return cast


_bits_to_f64, _f64_to_bits = _bitcast(types.int64, types.float64), _bitcast(types.float64, types.int64)
_bits_to_f32, _f32_to_bits = _bitcast(types.int32, types.float32), _bitcast(types.float32, types.int32)


LOG2E = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
# Adding and subtracting 1.5 * 2**52 rounds to the nearest integer without a libm call.
_ROUND = 6755399441055744.0


@numba.njit(**_JIT)
def _scale(y, k):
    """y * 2**k for integral k in [-1076, 1025], in two exact halves so that denormal
    results are rounded once."""
    ki = np.int64(k)
    k1 = ki >> 1
    return y * _bits_to_f64((k1 + 1023) << 52) * _bits_to_f64((ki - k1 + 1023) << 52)


@numba.njit(**_JIT)
def exp64(x):
    k = (x * LOG2E + _ROUND) - _ROUND
    k = min(max(k, -1076.0), 1025.0)
    hi = x - k * LN2_HI
    lo = k * LN2_LO
    r = hi - lo
    r2 = r * r
    c = r - r2 * (1.66666666666666019037e-01 + r2 * (-2.77777777770155933842e-03 + r2 * (
        6.61375632143793436117e-05 + r2 * (-1.65339022054652515390e-06
                                            + r2 * 4.13813679705723846039e-08))))
    y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi)
    y = _scale(y, k)
    y = np.inf if x > 709.782712893384 else y
    y = 0.0 if x < -745.1332191019412 else y
    return x if x != x else y


@numba.njit(**_JIT)
def _expm1_reduced(r):
    """expm1 on |r| <= 0.35 by its Taylor series (the 16th term is below 1e-20 * r)."""
    p = 1.0 / 6402373705728000.0
    p = p * r + 1.0 / 355687428096000.0
    p = p * r + 1.0 / 20922789888000.0
    p = p * r + 1.0 / 1307674368000.0
    p = p * r + 1.0 / 87178291200.0
    p = p * r + 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    return r + (r * r) * p


@numba.njit(**_JIT)
def expm1_64(x):
    k = (x * LOG2E + _ROUND) - _ROUND
    k = min(max(k, -60.0), 1025.0)
    r = (x - k * LN2_HI) - k * LN2_LO
    e = _expm1_reduced(r)
    # 2**k * (e + 1) - 1 = 2**k * e + (2**k - 1); both terms are exact or rounded once.
    two_k = _scale(1.0, k)
    y = two_k * e + (two_k - 1.0)
    # Near overflow 2**k itself overflows; there expm1(x) and exp(x) round alike.
    y = exp64(x) if x > 700.0 else y
    y = -1.0 if x < -40.0 else y
    y = x if abs(x) < 1e-300 else y  # keeps -0.0 and denormals exact
    return x if x != x else y


_LG = (6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01,
       2.222219843214978396e-01, 1.818357216161805012e-01, 1.531383769920937332e-01,
       1.479819860511658591e-01)
_TWO54 = 18014398509481984.0
_SQRT2 = 1.4142135623730951


@numba.njit(**_JIT)
def log64(x):
    tiny = x < 2.2250738585072014e-308
    xs = x * _TWO54 if tiny else x
    bits = _f64_to_bits(xs)
    e = ((bits >> 52) & 0x7FF) - 1023 - (54 if tiny else 0)
    m = _bits_to_f64((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000)
    big = m > _SQRT2
    m = m * 0.5 if big else m
    k = np.float64(e + (1 if big else 0))
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (_LG[1] + w * (_LG[3] + w * _LG[5]))
    t2 = z * (_LG[0] + w * (_LG[2] + w * (_LG[4] + w * _LG[6])))
    r = t2 + t1
    hfsq = 0.5 * f * f
    y = k * LN2_HI - ((hfsq - (s * (hfsq + r) + k * LN2_LO)) - f)
    y = -np.inf if x == 0.0 else y
    y = np.nan if x < 0.0 else y
    y = x if x == np.inf else y
    return x if x != x else y


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
    fn = (x * _INVPIO2 + _ROUND) - _ROUND
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
    r = 8.33333333332248946124e-03 + z * (-1.98412698298579493134e-04 + z * (
        2.75573137070700676789e-06 + z * (-2.50507602534068634195e-08
                                          + z * 1.58969099521155010221e-10)))
    return x - ((z * (0.5 * y - v * r) - y) - v * -1.66666666666666324348e-01)


@numba.njit(**_JIT)
def _cos_kernel(x, y):
    z = x * x
    r = z * (4.16666666666666019037e-02 + z * (-1.38888888888741095749e-03 + z * (
        2.48015872894767294178e-05 + z * (-2.75573143513906633035e-07 + z * (
            2.08757232129817482790e-09 + z * -1.13596475577881948265e-11)))))
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


def _f32(fn64):
    @numba.njit(**_JIT)
    def fn32(x):
        return np.float32(fn64(np.float64(x)))
    return fn32


expm1_32, log1p32, tan32 = _f32(expm1_64), _f32(log1p64), _f32(tan64)

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
def exp32(x):
    k = (x * _F(1.44269504) + _F(12582912.0)) - _F(12582912.0)
    k = min(max(k, _F(-151.0)), _F(129.0))
    r = (x - k * _F(0.693359375)) - k * _F(-2.12194440e-4)
    p = _F(1.9875691500e-4)
    p = p * r + _F(1.3981999507e-3)
    p = p * r + _F(8.3334519073e-3)
    p = p * r + _F(4.1665795894e-2)
    p = p * r + _F(1.6666665459e-1)
    p = p * r + _F(5.0000001201e-1)
    y = (p * r) * r + r + _F(1.0)
    y = _scale32(y, k)
    y = _F(np.inf) if x > _F(88.72283) else y
    y = _F(0.0) if x < _F(-103.97208) else y
    return x if x != x else y


@numba.njit(**_JIT)
def logistic32(x):
    e = exp32(-abs(x))
    return _F(1.0) / (_F(1.0) + e) if x >= _F(0.0) else e / (_F(1.0) + e)


@numba.njit(**_JIT)
def tanh32(x):
    a = abs(x)
    z = x * x
    small = ((((_F(-5.70498872745e-3) * z + _F(2.06390887954e-2)) * z
               - _F(5.37397155531e-2)) * z + _F(1.33314422036e-1)) * z
             - _F(3.33332819422e-1)) * z * x + x
    large = _F(1.0) - _F(2.0) / (exp32(_F(2.0) * min(a, _F(10.0))) + _F(1.0))
    large = -large if x < _F(0.0) else large
    y = small if a < _F(0.625) else large
    y = x if z == _F(0.0) else y  # +-0 and the tiniest inputs, whose square underflows
    return x if x != x else y


@numba.njit(**_JIT)
def log32(x):
    tiny = x < _F(1.17549435e-38)
    xs = x * _F(16777216.0) if tiny else x
    bits = _f32_to_bits(xs)
    e = ((bits >> np.int32(23)) & np.int32(0xFF)) - np.int32(127) - (
        np.int32(24) if tiny else np.int32(0))
    m = _bits_to_f32((bits & np.int32(0x007FFFFF)) | np.int32(0x3F800000))
    big = m > _F(1.41421356)
    m = m * _F(0.5) if big else m
    k = _F(e + (np.int32(1) if big else np.int32(0)))
    f = m - _F(1.0)
    z = f * f
    y = ((((((((_F(7.0376836292e-2) * f - _F(1.1514610310e-1)) * f + _F(1.1676998740e-1)) * f
              - _F(1.2420140846e-1)) * f + _F(1.4249322787e-1)) * f - _F(1.6668057665e-1)) * f
           + _F(2.0000714765e-1)) * f - _F(2.4999993993e-1)) * f + _F(3.3333331174e-1)) * f * z
    y = y + k * _F(-2.12194440e-4) - _F(0.5) * z
    y = f + y + k * _F(0.693359375)
    y = _F(-np.inf) if x == _F(0.0) else y
    y = _F(np.nan) if x < _F(0.0) else y
    y = x if x == _F(np.inf) else y
    return x if x != x else y


TRIG_LIMIT32 = 8192.0


@numba.njit(**_JIT)
def _sincos32(x):
    """(sin, cos) of x by Cody-Waite reduction by pi/4 (exact for |x| <= TRIG_LIMIT32)."""
    a = abs(x)
    j = np.int32(a * _F(1.27323954))
    j = j + (j & np.int32(1))
    y = _F(j)
    r = ((a - y * _F(0.78515625)) - y * _F(2.4187564849853515625e-4)) - y * _F(
        3.77489497744594108e-8)
    z = r * r
    s = ((_F(-1.9515295891e-4) * z + _F(8.3321608736e-3)) * z - _F(1.6666654611e-1)) * z * r + r
    c = ((_F(2.443315711809948e-5) * z - _F(1.388731625493765e-3)) * z
         + _F(4.166664568298827e-2)) * z * z - _F(0.5) * z + _F(1.0)
    q = (j >> np.int32(1)) & np.int32(3)
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


# primitive name -> (float32 variant, float64 variant)
FUNCTIONS = {
    "exp": ("exp32", "exp64"), "expm1": ("expm1_32", "expm1_64"), "log": ("log32", "log64"),
    "log1p": ("log1p32", "log1p64"), "tanh": ("tanh32", "tanh64"),
    "logistic": ("logistic32", "logistic64"), "sin": ("sin32", "sin64"),
    "cos": ("cos32", "cos64"), "tan": ("tan32", "tan64"),
}
# Functions accurate only for |x| <= the limit of their float32 / float64 variant: kernels
# check their arguments.
LIMITED = {"sin": (TRIG_LIMIT32, TRIG_LIMIT), "cos": (TRIG_LIMIT32, TRIG_LIMIT),
           "tan": (TRIG_LIMIT, TRIG_LIMIT)}
