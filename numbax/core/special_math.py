"""Scalar special functions in float64, compiled by Numba: the one implementation behind the
special-function primitives' NumPy rules (as ufuncs) and their fused-kernel code.

erf, erfc, lgamma and digamma are branch-free (every candidate computed, the answer chosen by
selects) and take their elementary functions (exp, log, sin, tan) as arguments, so that the
Numba backend can hand them its vectorisable versions (backends/numba/special_vecmath.py)
while the NumPy rules use libm's. The others (incomplete gamma and beta, zeta, Bessel)
iterate series or continued fractions to convergence and stay scalar.

Methods: erf/erfc are fdlibm's rational approximations on five intervals; lgamma is fdlibm's
(polynomials around the zeros at 1 and 2, a recurrence below 8, Stirling's series above) with
reflection for negative x; digamma shifts x above 10 for its asymptotic series, uses a Taylor
series around its positive zero, and reflects negative x; the rest are Cephes' methods
(series and continued fraction for igamma, Euler-Maclaurin for zeta) or textbook ones.
"""
from __future__ import annotations

import math

import numba
import numpy as np

_JIT = dict(error_model="numpy", nogil=True, cache=True)
# The branch-free kernels take functions as arguments: inlined by Numba into each caller.
_INLINE = dict(_JIT, inline="always")
_EPS = 1.1102230246251565e-16  # 2**-53
_PI = math.pi


@numba.njit(**_JIT)
def libm_exp(x):
    return math.exp(x)


@numba.njit(**_JIT)
def libm_log(x):
    return math.log(x)


@numba.njit(**_JIT)
def libm_sin(x):
    return math.sin(x)


@numba.njit(**_JIT)
def libm_tan(x):
    return math.tan(x)


# ---------------------------------------------------------------------------------------------
# erf and erfc (fdlibm's s_erf.c coefficients)

_ERX = 8.45062911510467529297e-01
_PP = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
       -5.77027029648944159157e-03, -2.37630166566501626084e-05)
_QQ = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
       1.32494738004321644526e-04, -3.96022827877536812320e-06)
_PA = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
       3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
       -2.16637559486879084300e-03)
_QA = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
       1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02)
_RA = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
       -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
       -8.12874355063065934246e+01, -9.81432934416914548592e+00)
_SA = (1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
       6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
       6.57024977031928170135e+00, -6.04244152148580987438e-02)
_RB = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
       -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
       -4.83519191608651397019e+02, 0.0)
_SB = (1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
       3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
       -2.24409524465858183362e+01, 0.0)


@numba.njit(**_INLINE)
def _poly(z, c):
    """c[0] + c[1] z + c[2] z^2 + ... (Horner; c a tuple, unrolled by Numba)."""
    p = 0.0
    for i in range(len(c) - 1, -1, -1):
        p = p * z + c[i]
    return p


@numba.njit(**_INLINE)
def _erf_small(x):
    """(erf(x) - x) / x for |x| < 0.84375."""
    z = x * x
    return _poly(z, _PP) / _poly(z, _QQ)


@numba.njit(**_INLINE)
def _erf_near_one(a):
    """erf(a) - erx for a in [0.84375, 1.25]."""
    s = a - 1.0
    return _poly(s, _PA) / _poly(s, _QA)


@numba.njit(**_INLINE)
def _erfc_tail(a, exp):
    """erfc(a) for a in [1.25, 28]: exp(-a^2 - 0.5625 + R/S) / a, with -a^2 split as
    -z^2 + (z - a)(z + a) for z = a rounded to 24 bits (so z^2 is exact)."""
    s = 1.0 / (a * a)
    near = a < 2.857142857142857  # 1 / 0.35
    rs = _poly(s, _RA) / _poly(s, _SA) if near else _poly(s, _RB) / _poly(s, _SB)
    z = np.float64(np.float32(a))
    return exp(-z * z - 0.5625) * exp((z - a) * (z + a) + rs) / a


@numba.njit(**_INLINE)
def erf_kernel(x, exp):
    a = abs(x)
    sign = -1.0 if x < 0 else 1.0
    small = x + x * _erf_small(x)
    mid = sign * (_ERX + _erf_near_one(a))
    tail = sign * (1.0 - _erfc_tail(min(max(a, 1.25), 6.0), exp))
    y = small if a < 0.84375 else (mid if a < 1.25 else tail)
    y = sign if a >= 6.0 else y
    return x if x != x else y


@numba.njit(**_INLINE)
def erfc_kernel(x, exp):
    a = abs(x)
    r = x * _erf_small(x)
    small = 1.0 - (x + r) if x < 0.25 else 0.5 - (r + (x - 0.5))
    p = _erf_near_one(a)
    mid = (1.0 - _ERX) - p if x >= 0 else 1.0 + (_ERX + p)
    t = _erfc_tail(min(max(a, 1.25), 28.0), exp)
    tail = t if x >= 0 else 2.0 - t
    y = small if a < 0.84375 else (mid if a < 1.25 else tail)
    y = (0.0 if x > 0 else 2.0) if a >= 28.0 else y
    y = 2.0 if x <= -6.0 else y
    return x if x != x else y


@numba.njit(**_JIT)
def erfc_scaled_mid(a):
    """exp(a^2) erfc(a) for a in [0.84375, 28), for erfcx: fdlibm's tail is
    exp(-z^2 - 0.5625) exp((z - a)(z + a) + R/S) / a, whose exponent plus a^2 is exactly
    -0.5625 + R/S; below 1.25, exp(a^2) (computed as exp(z^2) exp((a - z)(a + z))) times
    erfc."""
    if a < 1.25:
        z = np.float64(np.float32(a))
        return math.exp(z * z) * math.exp((a - z) * (a + z)) * ((1.0 - _ERX) - _erf_near_one(a))
    s = 1.0 / (a * a)
    near = a < 2.857142857142857  # 1 / 0.35
    rs = _poly(s, _RA) / _poly(s, _SA) if near else _poly(s, _RB) / _poly(s, _SB)
    return math.exp(-0.5625 + rs) / a


@numba.njit(**_JIT)
def erf(x):
    return erf_kernel(x, libm_exp)


@numba.njit(**_JIT)
def erfc(x):
    return erfc_kernel(x, libm_exp)


# ---------------------------------------------------------------------------------------------
# lgamma (fdlibm's e_lgamma_r.c coefficients)

_TC, _TF, _TT = 1.46163214496836224576e+00, -1.21486290535849611461e-01, -3.63867699703950536541e-18
_A_EVEN = (7.72156649015328655494e-02, 6.73523010531292681824e-02, 7.38555086081402883957e-03,
           1.19270763183362067845e-03, 2.20862790713908385557e-04, 2.52144565451257326939e-05)
_A_ODD = (3.22467033424113591611e-01, 2.05808084325167332806e-02, 2.89051383673415629091e-03,
          5.10069792153511336608e-04, 1.08011567247583939954e-04, 4.48640949618915160150e-05)
_T0 = (4.83836122723810047042e-01, -3.27885410759859649565e-02, 6.10053870246291332635e-03,
       -1.40346469989232843813e-03, 3.15632070903625950361e-04)
_T1 = (-1.47587722994593911752e-01, 1.79706750811820387126e-02, -3.68452016781138256760e-03,
       8.81081882437654011382e-04, -3.12754168375120860518e-04)
_T2 = (6.46249402391333854778e-02, -1.03142241298341437450e-02, 2.25964780900612472250e-03,
       -5.38595305356740546715e-04, 3.35529192635519073543e-04)
_U = (-7.72156649015328655494e-02, 6.32827064025093366517e-01, 1.45492250137234768737e+00,
      9.77717527963372745603e-01, 2.28963728064692451092e-01, 1.33810918536787660377e-02)
_V = (1.0, 2.45597793713041134822e+00, 2.12848976379893395361e+00, 7.69285150456672783825e-01,
      1.04222645593369134254e-01, 3.21709242282423911810e-03)
_S = (-7.72156649015328655494e-02, 2.14982415960608852501e-01, 3.25778796408930981787e-01,
      1.46350472652464452805e-01, 2.66422703033638609560e-02, 1.84028451407337715652e-03,
      3.19475326584100867617e-05)
_R = (1.0, 1.39200533467621045958e+00, 7.21935547567138069525e-01, 1.71933865632803078993e-01,
      1.86459191715652901344e-02, 7.77942496381893596434e-04, 7.32668430744625636189e-06)
_W = (4.18938533204672725052e-01, 8.33333333333329678849e-02, -2.77777777728775536470e-03,
      7.93650558643019558500e-04, -5.95187557450339963135e-04, 8.36339918996282139126e-04,
      -1.63092934096575273989e-03)
_W_TAIL = _W[1:]


@numba.njit(**_INLINE)
def _lgamma_below_two(x, log):
    """lgamma(x) for 0 < x < 2: a polynomial around 1, the minimum tc or 2, chosen by x, plus
    -log(x) below 0.9 (lgamma(x) = lgamma(x + 1) - log(x))."""
    low = x < 0.9
    r = -log(x) if low else 0.0
    i = 0 if x >= (0.7316 if low else 1.7316) else (1 if x >= (0.23164 if low else 1.23164) else 2)
    y0 = (1.0 if low else 2.0) - x
    y1 = x - ((_TC - 1.0) if low else _TC)
    y2 = x if low else x - 1.0
    y = y0 if i == 0 else (y1 if i == 1 else y2)
    z = y * y
    p0 = y * _poly(z, _A_EVEN) + z * _poly(z, _A_ODD) - 0.5 * y
    w = z * y
    p1 = _TF + (z * _poly(w, _T0) - (_TT - w * (_poly(w, _T1) + y * _poly(w, _T2))))
    p2 = -0.5 * y + y * _poly(y, _U) / _poly(y, _V)
    return r + (p0 if i == 0 else (p1 if i == 1 else p2))


@numba.njit(**_INLINE)
def _lgamma_positive(x, log):
    """lgamma(x) for finite x > 0."""
    i = np.floor(min(x, 8.0))
    y = x - i
    mid = 0.5 * y + y * _poly(y, _S) / _poly(y, _R)
    z = 1.0
    for k in range(2, 7):
        z *= y + k if k < i else 1.0
    # One log serves the recurrence's product (below 8) or Stirling's series (above).
    t = log(z if x < 8.0 else x)
    v = 1.0 / x
    stirling = (x - 0.5) * (t - 1.0) + _poly(v * v, _W_TAIL) * v + _W[0]
    far = stirling if x < 2.0 ** 58 else x * (t - 1.0)
    high = mid + t if x < 8.0 else far
    low = _lgamma_below_two(min(x, 2.0), log)
    y = low if x < 2.0 else high
    return 0.0 if (x == 1.0) | (x == 2.0) else y


@numba.njit(**_INLINE)
def lgamma_kernel(x, log, sin):
    a = abs(x)
    pos = _lgamma_positive(max(a, 5e-324), log)
    # Reflection: lgamma(x) = log(pi / |sin(pi x) x|) - lgamma(-x), sin(pi x) from the
    # distance to the nearest integer (exact) so that it keeps its accuracy.
    r = x - np.floor(x + 0.5)
    t = abs(sin(_PI * r))
    neg = log(_PI / (t * a)) - pos
    neg = pos if a < 8.470329472543003e-22 else neg  # 2**-70: lgamma(x) = -log|x|
    y = pos if x > 0 else neg
    # Poles at 0 and the negative integers (every float64 beyond 2**52 is an integer).
    y = np.inf if ((r == 0.0) | (a >= 4503599627370496.0)) & (x <= 0) else y
    return np.inf if abs(x) == np.inf else (x if x != x else y)


@numba.njit(**_JIT)
def lgamma(x):
    return lgamma_kernel(x, libm_log, libm_sin)


# ---------------------------------------------------------------------------------------------
# digamma

_ROOT_HI, _ROOT_LO = 1.4616321449683622, 9.549995429965697e-17  # its positive zero, split
# Its Taylor coefficients there, psi^(n)(x0) / n! = (-1)^(n+1) zeta(n + 1, x0).
_ROOT_TAYLOR = (
    0.9676722454476214, -0.44276316898359214, 0.2584997609556512, -0.16394270544240658,
    0.10782405069126239, -0.07219956125645476, 0.048804288164143145, -0.033161126474847376,
    0.022597648232218125, -0.015424765904948968, 0.010538791616612182, -0.007204534386356875,
    0.004926781395729858, -0.0033698016554393317, 0.00230512632673493, -0.0015769367714301987,
    0.0010788252019162975, -0.000738070938996006, 0.0005049532658346026,
    -0.0003454680251063082, 0.00023635601564027086, -0.00016170622091974825,
    0.00011063372768747429, -7.569179582195077e-05, 5.17857579522209e-05,
    -3.543007094765967e-05, 2.424006611860136e-05, -1.658424227185416e-05,
    1.1346384584663872e-05, -7.76281766846211e-06, 5.3110609208898746e-06,
    -3.633650789801054e-06, 2.4860227331295433e-06, -1.7008538854332643e-06,
    1.163667536354887e-06, -7.961425431241989e-07,)
_ROOT_TAYLOR_0, _ROOT_TAYLOR_1, _ROOT_TAYLOR_2 = (_ROOT_TAYLOR[:12], _ROOT_TAYLOR[12:24],
                                                  _ROOT_TAYLOR[24:])
# B_2k / (2k) for the asymptotic series psi(y) ~ log(y) - 1/(2y) - sum B_2k / (2k y^2k).
_PSI_ASYMPTOTIC = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)


@numba.njit(**_INLINE)
def _digamma_positive(x, log):
    """digamma(x) for x > 0: psi(x) = psi(x + n) - sum 1/(x + k) with x + n >= 10."""
    s = 0.0
    y = x
    for _ in range(10):
        shift = y < 10.0
        s += 1.0 / y if shift else 0.0
        y = y + 1.0 if shift else y
    v = 1.0 / (y * y)
    series = log(y) - 0.5 / y - v * _poly(v, _PSI_ASYMPTOTIC)
    t = (x - _ROOT_HI) - _ROOT_LO
    t4 = (t * t) * (t * t)
    t12 = t4 * t4 * t4
    # In thirds: LLVM unrolls a Horner loop of 12 terms (and can vectorise), not of 24.
    near = t * (_poly(t, _ROOT_TAYLOR_0) + t12 * (_poly(t, _ROOT_TAYLOR_1)
                                                  + t12 * _poly(t, _ROOT_TAYLOR_2)))
    return near if abs(t) < 0.5 else series - s


@numba.njit(**_INLINE)
def digamma_kernel(x, log, tan):
    # Reflection: psi(x) = psi(1 - x) - pi / tan(pi x), tan(pi x) = tan(pi r) for r the
    # distance to the nearest integer.
    r = x - np.floor(x + 0.5)
    pos = _digamma_positive(x if x > 0 else 1.0 - x, log)
    neg = pos - _PI / tan(_PI * r)
    y = pos if x > 0 else neg
    # Poles at the negative integers (all floats beyond 2**52): nan.
    y = np.nan if ((r == 0.0) | (x <= -4503599627370496.0)) & (x < 0) else y
    y = (-np.inf if np.copysign(1.0, x) > 0 else np.inf) if x == 0 else y  # as scipy
    y = np.inf if x == np.inf else y
    return np.nan if (x != x) | (x == -np.inf) else y


@numba.njit(**_JIT)
def digamma(x):
    return digamma_kernel(x, libm_log, libm_tan)


# ---------------------------------------------------------------------------------------------
# Iterated functions (scalar): erf_inv, the incomplete gamma and beta functions, zeta,
# polygamma and the scaled modified Bessel functions.

_MAX_ITER = 10000


@numba.njit(**_JIT)
def erf_inv(x):
    """Winitzki's approximation (to about 2e-3) refined by three Halley steps; near +-1 the
    residual is taken in erfc, where 1 - |x| is exact."""
    a = abs(x)
    if not a <= 1.0:
        return np.nan
    if a == 1.0:
        return math.copysign(np.inf, x)
    l1 = math.log1p(-a * a)
    c = 2.0 / (_PI * 0.147) + 0.5 * l1
    y = math.sqrt(math.sqrt(c * c - l1 / 0.147) - c)
    for _ in range(3):
        f = erf(y) - a if a < 0.5 else (1.0 - a) - erfc(y)
        e = f / (1.1283791670955126 * math.exp(-y * y))  # f / f'
        y -= e / (1.0 + y * e)
    return math.copysign(y, x)


@numba.njit(**_JIT)
def _igamma_prefactor(a, x):
    """x^a e^-x / Gamma(a), through logarithms."""
    return math.exp(a * math.log(x) - x - lgamma(a))


@numba.njit(**_JIT)
def _igamma_series(a, x):
    """P(a, x) by its power series (x <= a + 1 or x < 1)."""
    r, c, s = a, 1.0, 1.0
    for _ in range(_MAX_ITER):
        r += 1.0
        c *= x / r
        s += c
        if c <= s * _EPS:
            break
    return s * _igamma_prefactor(a, x) / a


@numba.njit(**_JIT)
def _igammac_fraction(a, x):
    """Q(a, x) by its continued fraction (x > a + 1), Cephes' igamc recurrence."""
    y, z, c = 1.0 - a, x + 2.0 - a, 0.0
    pkm2, qkm2, pkm1, qkm1 = 1.0, x, x + 1.0, z * x
    ans = pkm1 / qkm1
    for _ in range(_MAX_ITER):
        c += 1.0
        y += 1.0
        z += 2.0
        yc = y * c
        pk, qk = pkm1 * z - pkm2 * yc, qkm1 * z - qkm2 * yc
        t = 1.0
        if qk != 0.0:
            r = pk / qk
            t = abs((ans - r) / r)
            ans = r
        pkm2, pkm1, qkm2, qkm1 = pkm1, pk, qkm1, qk
        if abs(pk) > 4.503599627370496e15:  # rescale before the terms overflow
            pkm2, pkm1, qkm2, qkm1 = (pkm2 * _EPS, pkm1 * _EPS, qkm2 * _EPS, qkm1 * _EPS)
        if t <= _EPS:
            break
    return ans * _igamma_prefactor(a, x)


@numba.njit(**_JIT)
def _igamma_edge(a, x):
    """P(a, x) where an argument is at or outside the edge of the domain, else -1."""
    if (a != a) | (x != x) | (a < 0) | (x < 0) | ((a == np.inf) & (x == np.inf)):
        return np.nan
    if a == 0:
        return 1.0 if x > 0 else np.nan
    if x == 0:
        return 0.0
    if x == np.inf:
        return 1.0
    if a == np.inf:
        return 0.0
    return -1.0


@numba.njit(**_JIT)
def igamma(a, x):
    """The regularized lower incomplete gamma function P(a, x)."""
    edge = _igamma_edge(a, x)
    if edge >= 0 or edge != edge:
        return edge
    p = 1.0 - _igammac_fraction(a, x) if x > 1.0 and x > a + 1.0 else _igamma_series(a, x)
    return min(max(p, 0.0), 1.0)  # rounding must not leave [0, 1]


@numba.njit(**_JIT)
def igammac(a, x):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    edge = _igamma_edge(a, x)
    if edge >= 0 or edge != edge:
        return 1.0 - edge
    q = _igammac_fraction(a, x) if x > 1.0 and x > a + 1.0 else 1.0 - _igamma_series(a, x)
    return min(max(q, 0.0), 1.0)


@numba.njit(**_JIT)
def igamma_grad_a(a, x):
    """d/da P(a, x), from the series P = sum_n x^(a+n) e^-x / Gamma(a+n+1): each term's
    derivative is the term times log(x) - digamma(a+n+1)."""
    edge = _igamma_edge(a, x)
    if edge != edge:
        return np.nan
    if edge >= 0:
        return 0.0 if a > 0 else np.nan
    lx = math.log(x)
    term = math.exp(a * lx - x - lgamma(a + 1.0))
    psi = digamma(a + 1.0)
    total = term * (lx - psi)
    size = abs(total)
    n = a + 1.0
    for _ in range(100 * _MAX_ITER):
        term *= x / n
        psi += 1.0 / n
        n += 1.0
        d = term * (lx - psi)
        total += d
        size += abs(d)
        if (n > x) & (term < size * _EPS):
            break
    return total


# Euler-Maclaurin's coefficients (2k)! / B_2k, as in Cephes' zeta.c.
_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
           7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
           -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18)


@numba.njit(**_JIT)
def zeta(s, q):
    """The Hurwitz zeta function sum_k (k + q)^-s, for s > 1 (and integral s where q < 0)."""
    if (s != s) | (q != q):
        return np.nan
    if s == 1.0:
        return np.inf
    if s < 1.0:
        return np.nan
    if q <= 0.0:
        if q == math.floor(q):
            return np.inf
        if s != math.floor(s):
            return np.nan
    if q == np.inf:
        return 0.0
    total = math.pow(q, -s)
    a, b, i = q, 0.0, 0
    while (i < 9) | (a <= 9.0):
        i += 1
        a += 1.0
        b = math.pow(a, -s)
        total += b
        if abs(b / total) < _EPS:
            return total
    w = a
    total += b * w / (s - 1.0) - 0.5 * b
    f, k = 1.0, 0.0
    for c in _ZETA_A:
        f *= s + k
        b /= w
        t = f * b / c
        total += t
        if abs(t / total) < _EPS:
            break
        k += 1.0
        f *= s + k
        b /= w
        k += 1.0
    return total


@numba.njit(**_JIT)
def polygamma(n, x):
    """The n-th derivative of digamma: (-1)^(n+1) n! zeta(n + 1, x) for n >= 1."""
    if (n != math.floor(n)) | (n < 0) | (n != n):
        return np.nan
    if n == 0:
        return digamma(x)
    return (1.0 if n % 2 == 1 else -1.0) * math.gamma(n + 1.0) * zeta(n + 1.0, x)


@numba.njit(**_JIT)
def _bessel_ie(nu, x):
    """e^-|x| I_nu(|x|) for nu = 0 or 1: the power series up to |x| = 30, Hankel's
    asymptotic series beyond (whose terms fall below 1e-26 before they diverge there)."""
    a = abs(x)
    if a != a:
        return np.nan
    if a == np.inf:
        return 0.0
    if a <= 30.0:
        q = 0.25 * a * a
        term = 1.0 if nu == 0 else 0.5 * a
        total = term
        for k in range(1, 200):
            term *= q / (k * (k + nu))
            total += term
            if term <= total * _EPS:
                break
        return total * math.exp(-a)
    mu = 4.0 * nu * nu
    term, total = 1.0, 1.0
    for k in range(1, 60):
        term *= -(mu - (2 * k - 1) ** 2) / (k * 8.0 * a)
        total += term
        if abs(term) <= total * _EPS:
            break
    return total / math.sqrt(2.0 * _PI * a)


@numba.njit(**_JIT)
def bessel_i0e(x):
    return _bessel_ie(0, x)


@numba.njit(**_JIT)
def bessel_i1e(x):
    return math.copysign(_bessel_ie(1, x), x)


@numba.njit(**_JIT)
def _betainc_fraction(a, b, x):
    """The continued fraction of I_x(a, b) (modified Lentz), valid for x < (a+1)/(a+b+2)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (tiny if abs(d) < tiny else d)
    h = d
    for m in range(1, _MAX_ITER):
        for odd in range(2):
            num = (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)) if odd == 0 else
                   -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)))
            d = 1.0 + num * d
            d = 1.0 / (tiny if abs(d) < tiny else d)
            c = 1.0 + num / c
            c = tiny if abs(c) < tiny else c
            delta = c * d
            h *= delta
        if abs(delta - 1.0) <= _EPS:
            break
    return h


@numba.njit(**_JIT)
def betainc(a, b, x):
    """The regularized incomplete beta function I_x(a, b)."""
    if (a != a) | (b != b) | (x != x) | (a < 0) | (b < 0) | (x < 0) | (x > 1):
        return np.nan
    if ((a == 0) & (b == 0)) | ((a == np.inf) & (b == np.inf)):
        return np.nan
    if x == 0.0:
        return 0.0
    if x == 1.0:
        return 1.0
    if (a == 0) | (b == np.inf):
        return 1.0
    if (b == 0) | (a == np.inf):
        return 0.0
    log_front = (lgamma(a + b) - lgamma(a) - lgamma(b) + a * math.log(x)
                 + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        y = math.exp(log_front) * _betainc_fraction(a, b, x) / a
    else:
        y = 1.0 - math.exp(log_front) * _betainc_fraction(b, a, 1.0 - x) / b
    return min(max(y, 0.0), 1.0)


# ---------------------------------------------------------------------------------------------
# The primitives' NumPy rules: ufuncs, compiled on first use and cached on disk. They live
# in this file so that an edit to any function above invalidates their cache.
@numba.vectorize(cache=True)
def erf_ufunc(x):
    return erf(x)


@numba.vectorize(cache=True)
def erfc_ufunc(x):
    return erfc(x)


@numba.vectorize(cache=True)
def erf_inv_ufunc(x):
    return erf_inv(x)


@numba.vectorize(cache=True)
def lgamma_ufunc(x):
    return lgamma(x)


@numba.vectorize(cache=True)
def digamma_ufunc(x):
    return digamma(x)


@numba.vectorize(cache=True)
def igamma_ufunc(a, x):
    return igamma(a, x)


@numba.vectorize(cache=True)
def igammac_ufunc(a, x):
    return igammac(a, x)


@numba.vectorize(cache=True)
def igamma_grad_a_ufunc(a, x):
    return igamma_grad_a(a, x)


@numba.vectorize(cache=True)
def polygamma_ufunc(n, x):
    return polygamma(n, x)


@numba.vectorize(cache=True)
def zeta_ufunc(s, q):
    return zeta(s, q)


@numba.vectorize(cache=True)
def bessel_i0e_ufunc(x):
    return bessel_i0e(x)


@numba.vectorize(cache=True)
def bessel_i1e_ufunc(x):
    return bessel_i1e(x)


@numba.vectorize(cache=True)
def betainc_ufunc(a, b, x):
    return betainc(a, b, x)


# More functions (erfcx, dawsn, the exponential, sine/cosine and Fresnel integrals, spence,
# hyp1f1), reached by fused kernels as `vm.special.integrals.<name>`. Imported last: it uses
# the functions above.
from . import special_integrals as integrals  # noqa: E402,F401
