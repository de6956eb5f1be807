"""More scalar special functions in float64, compiled by Numba: erfcx, Dawson's integral, the
exponential integrals E_n and Ei, Spence's function, the sine/cosine and Fresnel integrals
and Kummer's 1F1. Like core/special_math.py (which re-exports this module as
`special_math.integrals`, the name fused kernels call) each is one scalar function plus a
ufunc for its primitive's NumPy rule.

Methods: erfcx reuses fdlibm's erfc tail, where exp(x^2) erfc(x) cancels analytically;
dawsn sums the positive series of e^(x^2) F(x) and its asymptotic series beyond 8; E_n is a
power series up to 1 and a continued fraction beyond (Numerical Recipes' expint); Ei is its
positive power series up to 40 and the asymptotic series beyond; spence is Li2(1 - x)
through Bernoulli's series in -log(1 - y) after the reflections that bring y into
[-1, 1/2]; Si, Ci, S and C are power series near 0 and complex continued fractions beyond;
1F1 is its series after Kummer's transformation when x < 0, and 2F1 its series after
Pfaff's when x < 0.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numba
import numpy as np

from . import special_math as sm

_JIT = dict(error_model="numpy", nogil=True, cache=True)
_EPS = 1.1102230246251565e-16  # 2**-53
_PI = math.pi
_EULER = 0.5772156649015329
_MAX_ITER = 10000


@numba.njit(**_JIT)
def _exp_square(x):
    """exp(x^2) without the error of rounding x^2: x^2 = z^2 + (x - z)(x + z), with z = x
    rounded to 24 bits so that z^2 is exact."""
    z = np.float64(np.float32(x))
    return math.exp(z * z) * math.exp((x - z) * (x + z))


# ---------------------------------------------------------------------------------------------
# erfcx and Dawson's integral

@numba.njit(**_JIT)
def _erfcx_positive(a):
    """exp(a^2) erfc(a) for a >= 0."""
    if a < 0.84375:
        return _exp_square(a) * sm.erfc(a)
    if a < 28.0:
        return sm.erfc_scaled_mid(a)
    if a == np.inf:
        return 0.0
    # 1/(a sqrt(pi)) sum (-1)^k (2k-1)!! / (2a^2)^k: its terms fall below 1e-17 by k = 8.
    r = 0.5 / (a * a)
    total, term = 1.0, 1.0
    for k in range(1, 12):
        term *= -(2 * k - 1) * r
        total += term
    return total / (a * 1.7724538509055159)


@numba.njit(**_JIT)
def erfcx(x):
    """The scaled complementary error function exp(x^2) erfc(x)."""
    if x != x:
        return np.nan
    if x >= 0:
        return _erfcx_positive(x)
    if x < -26.7:
        return np.inf
    return 2.0 * _exp_square(x) - _erfcx_positive(-x)


@numba.njit(**_JIT)
def dawsn(x):
    """Dawson's integral F(x) = exp(-x^2) int_0^x exp(t^2) dt."""
    if x != x:
        return np.nan
    a = abs(x)
    if a == np.inf:
        return math.copysign(0.0, x)
    if a < 8.0:
        # e^(x^2) F(x) = sum x^(2k+1) / (k! (2k+1)): positive terms.
        q = a * a
        term, total = a, a
        for k in range(1, _MAX_ITER):
            term *= q / k
            t = term / (2 * k + 1)
            total += t
            if t <= total * _EPS:
                break
        y = total / _exp_square(a)
    else:
        # F(x) ~ 1/(2x) sum (2k-1)!! / (2x^2)^k: below 1e-17 by k = 20 for x >= 8.
        r = 0.5 / (a * a)
        term, total = 1.0, 1.0
        for k in range(1, 40):
            term *= (2 * k - 1) * r
            total += term
            if term <= total * _EPS:
                break
        y = total / (2.0 * a)
    return math.copysign(y, x)


# ---------------------------------------------------------------------------------------------
# Exponential integrals

@numba.njit(**_JIT)
def expn(n, x):
    """E_n(x) = int_1^inf exp(-x t) / t^n dt for integral n >= 0 and x >= 0."""
    if (n != n) | (x != x) | (n < 0) | (n != math.floor(n)) | (x < 0):
        return np.nan
    if x == np.inf:
        return 0.0
    if n == 0:
        return math.exp(-x) / x if x > 0 else np.inf
    if x == 0:
        return 1.0 / (n - 1.0) if n > 1 else np.inf
    if x > 1.0:
        # Continued fraction (modified Lentz).
        b = x + n
        c = 1.0 / 1e-300
        d = 1.0 / b
        h = d
        for i in range(1, _MAX_ITER):
            an = -i * (n - 1.0 + i)
            b += 2.0
            d = 1.0 / (an * d + b)
            c = b + an / c
            delta = c * d
            h *= delta
            if abs(delta - 1.0) <= _EPS:
                break
        return h * math.exp(-x)
    # Power series; its n-th term is (-x)^(n-1)/(n-1)! (psi(n) - log x).
    nm1 = n - 1.0
    total = 1.0 / nm1 if nm1 != 0 else -math.log(x) - _EULER
    fact = 1.0
    for i in range(1, _MAX_ITER):
        fact *= -x / i
        if i != nm1:
            delta = -fact / (i - nm1)
        else:
            psi = -_EULER
            for k in range(1, int(nm1) + 1):
                psi += 1.0 / k
            delta = fact * (-math.log(x) + psi)
        total += delta
        if abs(delta) <= abs(total) * _EPS:
            break
    return total


@numba.njit(**_JIT)
def exp1(x):
    """E_1(x) for x >= 0 (nan below, as SciPy's real exp1)."""
    return expn(1.0, x)


@numba.njit(**_JIT)
def expi(x):
    """The exponential integral Ei(x) = -PV int_-x^inf exp(-t) / t dt; Ei(x) = -E_1(-x) for
    x < 0."""
    if x != x:
        return np.nan
    if x < 0:
        return -exp1(-x)
    if x == 0:
        return -np.inf
    if x == np.inf:
        return np.inf
    if x <= 40.0:
        # Ei(x) = gamma + log x + sum x^k / (k k!)
        term, total = 1.0, 0.0
        for k in range(1, _MAX_ITER):
            term *= x / k
            t = term / k
            total += t
            if t <= total * _EPS:
                break
        return _EULER + math.log(x) + total
    # Ei(x) ~ e^x / x sum k! / x^k, summed while its terms fall (to below 1e-17 at x > 40).
    term, total = 1.0, 1.0
    for k in range(1, 100):
        prev = term
        term *= k / x
        if term >= prev:
            break
        total += term
        if term <= total * _EPS:
            break
    return math.exp(x) / x * total if x < 700.0 else math.exp(x - math.log(x)) * total


# ---------------------------------------------------------------------------------------------
# Spence's function

def _bernoulli_dilog(terms: int) -> tuple:
    """B_n / (n + 1)! for n = 0, 1, 2, 4, ..., the coefficients of Li2(y) as a series in
    u = -log(1 - y) (exact rationals, rounded once)."""
    b = [Fraction(1)]
    for m in range(1, 2 * terms + 2):
        b.append(-sum(math.comb(m + 1, k) * b[k] for k in range(m)) / (m + 1))
    odd = [float(b[n] / math.factorial(n + 1)) for n in range(0, 2 * terms + 1, 2)]
    return tuple(odd)


# Coefficients of u^(2k+1) for k = 0, 1, ...; the u^2 term, -1/4, is separate.
_DILOG = _bernoulli_dilog(12)


@numba.njit(**_JIT)
def _dilog_small(y):
    """Li2(y) for y in [-1, 1/2], where |u| = |log(1 - y)| <= log 2."""
    u = -math.log1p(-y)
    v = u * u
    p = 0.0
    for i in range(len(_DILOG) - 1, -1, -1):
        p = p * v + _DILOG[i]
    return u * p - 0.25 * v


@numba.njit(**_JIT)
def spence(x):
    """Spence's function int_1^x log(t) / (1 - t) dt = Li2(1 - x), for x >= 0 (as SciPy)."""
    if (x != x) | (x < 0) | (x == np.inf):
        return np.nan
    if x == 0:
        return _PI * _PI / 6.0
    if x < 0.5:
        # Li2(1 - x) = pi^2/6 - log(x) log(1 - x) - Li2(x)
        return _PI * _PI / 6.0 - math.log(x) * math.log1p(-x) - _dilog_small(x)
    if x <= 2.0:
        return _dilog_small(1.0 - x)  # exact: x in [1/2, 2]
    # y = 1 - x < -1: Li2(y) = -pi^2/6 - log(-y)^2 / 2 - Li2(1/y)
    lg = math.log(x - 1.0)
    return -_PI * _PI / 6.0 - 0.5 * lg * lg - _dilog_small(1.0 / (1.0 - x))


# ---------------------------------------------------------------------------------------------
# Sine, cosine and Fresnel integrals

@numba.njit(**_JIT)
def _e1_fraction(z):
    """E_1(z) e^z for complex z with Re z > 0 or |z| large: the continued fraction
    1/(z + 1 - 1/(z + 3 - 4/(z + 5 - ...))) (modified Lentz)."""
    b = z + 1.0
    c = 1.0 / 1e-300 + 0j
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITER):
        an = -float(i * i)
        b += 2.0
        d = 1.0 / (an * d + b)
        c = b + an / c
        delta = c * d
        h *= delta
        if abs(delta.real - 1.0) + abs(delta.imag) <= _EPS:
            break
    return h


@numba.njit(**_JIT)
def _sici_positive(x):
    """(Si(x), Ci(x)) for x > 0."""
    if x <= 2.0:
        # term_k = (-1)^k x^2k / (2k)!; Ci's series adds term_k / 2k, Si's term_k x / (2k+1)^2.
        q = x * x
        term, si, ci = 1.0, x, 0.0
        for k in range(1, 200):
            term *= -q / ((2 * k - 1) * (2 * k))
            ci += term / (2 * k)
            si += term * x / ((2 * k + 1) * (2 * k + 1))
            if abs(term) <= 1e-20:
                break
        return si, _EULER + math.log(x) + ci
    if x == np.inf:
        return _PI / 2.0, 0.0
    # E_1(ix) = -Ci(x) + i (Si(x) - pi/2)
    e1 = _e1_fraction(1j * x) * complex(math.cos(x), -math.sin(x))
    return _PI / 2.0 + e1.imag, -e1.real


@numba.njit(**_JIT)
def sine_integral(x):
    """Si(x) = int_0^x sin(t) / t dt."""
    if x != x:
        return np.nan
    if x == 0:
        return x
    return math.copysign(_sici_positive(abs(x))[0], x)


@numba.njit(**_JIT)
def cosine_integral(x):
    """Ci(x) = gamma + log|x| + int_0^|x| (cos t - 1) / t dt (SciPy's real part for x < 0)."""
    if x != x:
        return np.nan
    if x == 0:
        return -np.inf
    return _sici_positive(abs(x))[1]


@numba.njit(**_JIT)
def _fresnel_phase(x):
    """pi x^2 / 2 reduced modulo 2 pi, accurate to an ulp of 2 pi however large x is: x^2 =
    z^2 + 2 z r + r^2 for z = x rounded to 24 bits and r = x - z, the first two exact, each
    reduced modulo 4 (exactly) before they are added."""
    z = np.float64(np.float32(x))
    r = x - z
    w = np.fmod(z * z, 4.0) + np.fmod(2.0 * z * r, 4.0) + r * r
    return 0.5 * _PI * w


@numba.njit(**_JIT)
def _fresnel_positive(x):
    """(S(x), C(x)) for x >= 0, S = int_0^x sin(pi t^2 / 2) dt, C likewise with cos."""
    if x > 36974.0:
        # C ~ 1/2 + sin(t) / (pi x), S ~ 1/2 - cos(t) / (pi x) (as Cephes); beyond 1e16 the
        # 1/(pi x) terms are below half an ulp of 1/2 (SciPy gives nan once x^2 overflows).
        if x > 1e16:
            return 0.5, 0.5
        t = _fresnel_phase(x)
        return 0.5 - math.cos(t) / (_PI * x), 0.5 + math.sin(t) / (_PI * x)
    t = 0.5 * _PI * x * x
    if x < 1.5:
        # S = sum (-1)^k t^(2k+1) x / ((2k+1)! (4k+3)), C = sum (-1)^k t^(2k) x / ((2k)! (4k+1))
        term, s, c = x, 0.0, x
        for n in range(1, 200):
            term *= t / n
            part = term / (2 * n + 1)
            if n % 2 == 1:
                s += part if n % 4 == 1 else -part
            else:
                c += part if n % 4 == 0 else -part
            if abs(part) <= _EPS * 1e-3 * max(abs(s), abs(c)):
                break
        return s, c
    # (C + iS)(x) = (1 + i)/2 [1 - erfc(sqrt(pi)/2 (1 - i) x)], erfc by its continued fraction
    # in w = sqrt(pi)/2 (1 - i) x: erfc(w) = e^(-w^2) / (sqrt(pi) w) * K, w^2 = -i t.
    z = complex(1.0, -2.0 * t)
    b = z
    c = 1.0 / 1e-300 + 0j
    d = 1.0 / b
    h = d
    for n in range(2, _MAX_ITER):
        an = -(2.0 * n - 3.0) * (2.0 * n - 2.0)
        b += 4.0
        d = 1.0 / (an * d + b)
        c = b + an / c
        delta = c * d
        h *= delta
        if abs(delta.real - 1.0) + abs(delta.imag) <= _EPS:
            break
    h *= complex(x, -x)
    phase = _fresnel_phase(x)
    cs = complex(0.5, 0.5) * (1.0 - complex(math.cos(phase), math.sin(phase)) * h)
    return cs.imag, cs.real


@numba.njit(**_JIT)
def fresnel_s(x):
    if x != x:
        return np.nan
    return math.copysign(_fresnel_positive(abs(x))[0], x)


@numba.njit(**_JIT)
def fresnel_c(x):
    if x != x:
        return np.nan
    return math.copysign(_fresnel_positive(abs(x))[1], x)


# ---------------------------------------------------------------------------------------------
# Kummer's confluent hypergeometric function

@numba.njit(**_JIT)
def _hyp1f1_series(a, b, x):
    term, total = 1.0, 1.0
    for k in range(_MAX_ITER):
        term *= (a + k) * x / ((b + k) * (k + 1))
        total += term
        if abs(term) <= abs(total) * _EPS:
            break
    return total


@numba.njit(**_JIT)
def hyp1f1(a, b, x):
    """1F1(a; b; x) = sum (a)_k / (b)_k x^k / k!; for x < 0 through Kummer's transformation
    e^x 1F1(b - a; b; -x), so that the series has terms of one sign where a and b - a are
    non-negative (the region it is accurate in)."""
    if (a != a) | (b != b) | (x != x):
        return np.nan
    if (b <= 0) & (b == math.floor(b)):
        return np.nan
    if a == 0 or x == 0:
        return 1.0
    if x < 0:
        return math.exp(x) * _hyp1f1_series(b - a, b, -x)
    return _hyp1f1_series(a, b, x)


@numba.njit(**_JIT)
def _hyp2f1_series(a, b, c, x):
    """sum (a)_k (b)_k / (c)_k x^k / k! for 0 <= x < 1; nan if it has not converged."""
    term, total = 1.0, 1.0
    for k in range(20 * _MAX_ITER):
        term *= (a + k) * (b + k) * x / ((c + k) * (k + 1))
        total += term
        if abs(term) <= abs(total) * _EPS:
            return total
        if term == 0.0:
            return total
    return np.nan


@numba.njit(**_JIT)
def hyp2f1(a, b, c, x):
    """Gauss's hypergeometric function 2F1(a, b; c; x) for x < 1 (and at 1 where
    c - a - b > 0, by Gauss's theorem): its series on [0, 1), and for x < 0 Pfaff's
    transformation (1 - x)^-a 2F1(a, c - b; c; x / (x - 1)), whose argument is in (0, 1).
    Accurate where the series' terms keep one sign (a, b, c >= 0 for x >= 0; a, c - b, c >= 0
    for x < 0) and the argument is not too close to 1 (nan where 200000 terms do not
    converge); nan for x > 1 and for c = 0, -1, -2, ... ."""
    if (a != a) | (b != b) | (c != c) | (x != x) | (x > 1):
        return np.nan
    if (a == 0) | (b == 0) | (x == 0):
        return 1.0
    if (c <= 0) & (c == math.floor(c)):
        return np.nan
    if x == 1.0:
        if c - a - b <= 0:
            return np.inf  # (as SciPy)
        return math.exp(sm.lgamma(c) + sm.lgamma(c - a - b) - sm.lgamma(c - a)
                        - sm.lgamma(c - b)) * _gamma_sign(c) * _gamma_sign(c - a - b) \
            * _gamma_sign(c - a) * _gamma_sign(c - b)
    if x < 0:
        return math.pow(1.0 - x, -a) * _hyp2f1_series(a, c - b, c, x / (x - 1.0))
    return _hyp2f1_series(a, b, c, x)


@numba.njit(**_JIT)
def _gamma_sign(x):
    """The sign of Gamma(x) (x not a pole)."""
    return -1.0 if (x < 0) & (math.floor(x) % 2 != 0) else 1.0


# ---------------------------------------------------------------------------------------------
# The Faddeeva function

def _weideman_coefficients(n: int) -> tuple:
    """Weideman's (1994) expansion of w(z) for Im z >= 0: coefficients of p in
    w = 2 p(Z) / (L - iz)^2 + 1 / (sqrt(pi) (L - iz)), Z = (L + iz) / (L - iz), from the FFT
    of exp(-t^2) (L^2 + t^2) at t = L tan(theta / 2) (highest degree first)."""
    m = 2 * n
    length = math.sqrt(n / math.sqrt(2))
    theta = np.arange(-m + 1, m) * np.pi / m
    t = length * np.tan(theta / 2)
    f = np.concatenate([[0.0], np.exp(-t * t) * (length * length + t * t)])
    a = np.real(np.fft.fft(np.fft.fftshift(f))) / (2 * m)
    return length, tuple(float(v) for v in a[1:n + 1][::-1])


# 40 terms: about 1e-14 of |w| for |z| < 7 (more do not help in float64).
_WEIDEMAN_L, _WEIDEMAN = _weideman_coefficients(40)
_INV_SQRT_PI = 0.5641895835477563


@numba.njit(**_JIT)
def _wofz_upper(z):
    """w(z) for Im z >= 0: Weideman's expansion for |z| < 7, the Laplace continued fraction
    (i / sqrt(pi)) / (z - (1/2) / (z - 1 / (z - (3/2) / (z - ...)))) beyond."""
    if abs(z) < 7.0:
        d = _WEIDEMAN_L - 1j * z
        big_z = (_WEIDEMAN_L + 1j * z) / d
        p = 0j
        for c in _WEIDEMAN:
            p = p * big_z + c
        return 2.0 * p / (d * d) + _INV_SQRT_PI / d
    # Modified Lentz on z - a_1 / (z - a_2 / (z - ...)), a_k = k / 2.
    tiny = 1e-300
    h = z
    c = z
    d = 0j
    for k in range(1, 200):
        a = -0.5 * k
        d = z + a * d
        d = 1.0 / (d if d != 0 else tiny)
        c = z + a / (c if c != 0 else tiny)
        delta = c * d
        h *= delta
        if abs(delta.real - 1.0) + abs(delta.imag) <= _EPS:
            break
    return 1j * _INV_SQRT_PI / h


@numba.njit(**_JIT)
def wofz(z):
    """The Faddeeva function w(z) = exp(-z^2) erfc(-iz); below the real axis by the
    reflection w(z) = 2 exp(-z^2) - w(-z) (which overflows where exp(-z^2) does)."""
    if (z.real != z.real) | (z.imag != z.imag):
        return complex(np.nan, np.nan)
    if z.imag >= 0:
        if (abs(z.real) == np.inf) | (z.imag == np.inf):
            return 0j
        return _wofz_upper(z)
    return 2.0 * np.exp(-z * z) - _wofz_upper(-z)


# ---------------------------------------------------------------------------------------------
# The primitives' NumPy rules (ufuncs, in this file so that edits above invalidate their
# cache).
@numba.vectorize(cache=True)
def erfcx_ufunc(x):
    return erfcx(x)


@numba.vectorize(cache=True)
def dawsn_ufunc(x):
    return dawsn(x)


@numba.vectorize(cache=True)
def expn_ufunc(n, x):
    return expn(n, x)


@numba.vectorize(cache=True)
def expi_ufunc(x):
    return expi(x)


@numba.vectorize(cache=True)
def spence_ufunc(x):
    return spence(x)


@numba.vectorize(cache=True)
def sine_integral_ufunc(x):
    return sine_integral(x)


@numba.vectorize(cache=True)
def cosine_integral_ufunc(x):
    return cosine_integral(x)


@numba.vectorize(cache=True)
def fresnel_s_ufunc(x):
    return fresnel_s(x)


@numba.vectorize(cache=True)
def fresnel_c_ufunc(x):
    return fresnel_c(x)


@numba.vectorize(cache=True)
def hyp1f1_ufunc(a, b, x):
    return hyp1f1(a, b, x)


@numba.vectorize(cache=True)
def hyp2f1_ufunc(a, b, c, x):
    return hyp2f1(a, b, c, x)


@numba.vectorize(cache=True)
def wofz_ufunc(z):
    return wofz(z)
