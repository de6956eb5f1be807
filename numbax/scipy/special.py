"""numbax.scipy.special: SciPy's special functions as JAX has them (jax.scipy.special).

Integer and bool arguments are promoted to floats as NumPy's float functions do; complex
ones are refused. The elementwise functions are lax's special-function primitives, which
fuse under jit; the rest are compositions of them. Derivatives are the closed forms, with
JAX's conventions (xlogy and xlog1py at x = 0, i1e at 0); polygamma and zeta have none in
their first argument, betainc none in a and b.

>>> import numpy as np, numbax.scipy.special as sp
>>> float(sp.gammaln(np.float64(4.0)))  # log(3!)
1.791759469228055
"""
from __future__ import annotations

import functools
import math
import operator
from fractions import Fraction

import numpy as np

from .. import lax
from .. import numpy as xnp
from ..core import special_primitives as S
from ..custom_derivatives import custom_jvp
from ..nn import log_softmax, logsumexp, softmax
from ..numpy import sinc
from ..numpy.arguments import dtype_of, promote

__all__ = [
    "bernoulli", "bessel_jn", "beta", "betainc", "betaln", "boxcox", "boxcox1p", "comb", "dawsn",
    "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp1", "expi", "expit", "expn",
    "factorial", "fresnel", "gamma", "gammainc", "gammaincc", "gammaln", "gammasgn", "hyp1f1",
    "hyp2f1", "i0", "i0e", "i1", "i1e", "kl_div", "log_ndtr", "log_softmax", "loggamma", "logit",
    "logsumexp", "multigammaln", "ndtr", "ndtri", "owens_t", "poch", "polygamma", "rel_entr",
    "sici", "sinc", "softmax", "spence", "wofz", "xlog1py", "xlogy", "zeta",
]


def _floats(fname: str, *args) -> list:
    """The arguments promoted to one float dtype (integers become floats); complex refused."""
    args = promote(fname, *args, inexact=True)
    dt = dtype_of(args[0])
    if dt.kind == "c":
        raise TypeError(f"numbax.scipy.special.{fname}: expected real arguments, got {dt.name}")
    return args


def _quiet(fn):
    """fn with NumPy's floating-point warnings off: eagerly, the branches a `where` discards
    may divide by zero or take logs of negatives."""
    @functools.wraps(fn)
    def quiet(*args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    return quiet


def _const(value, x):
    return np.asarray(value, dtype_of(x))


def erf(x):
    """The error function, as scipy.special.erf.

    >>> float(erf(0.0))
    0.0
    """
    return lax.erf(*_floats("erf", x))


def erfc(x):
    """1 - erf(x), accurate in the right tail, as scipy.special.erfc.

    >>> float(erfc(0.0))
    1.0
    """
    return lax.erfc(*_floats("erfc", x))


def erfinv(x):
    """The inverse error function on [-1, 1], as scipy.special.erfinv.

    >>> float(erfinv(0.0))
    0.0
    """
    return lax.erf_inv(*_floats("erfinv", x))


def gammaln(x):
    """log |Gamma(x)|, as scipy.special.gammaln.

    >>> float(gammaln(1.0))
    0.0
    """
    return lax.lgamma(*_floats("gammaln", x))


def digamma(x):
    """The logarithmic derivative of Gamma, as scipy.special.digamma.

    >>> round(float(digamma(1.0)), 6)
    -0.577216
    """
    return lax.digamma(*_floats("digamma", x))


def polygamma(n, x):
    """The n-th derivative of digamma (n a non-negative integer; nan otherwise).

    >>> round(float(polygamma(1, 1.0)), 6)
    1.644934
    """
    return lax.polygamma(*_floats("polygamma", n, x))


def gammainc(a, x):
    """The regularized lower incomplete gamma function, as scipy.special.gammainc.

    >>> round(float(gammainc(1.0, 1.0)), 6)
    0.632121
    """
    return lax.igamma(*_floats("gammainc", a, x))


def gammaincc(a, x):
    """The regularized upper incomplete gamma function, as scipy.special.gammaincc.

    >>> round(float(gammaincc(1.0, 1.0)), 6)
    0.367879
    """
    return lax.igammac(*_floats("gammaincc", a, x))


def betaln(a, b):
    """log |B(a, b)| = lgamma(a) + lgamma(b) - lgamma(a + b).

    >>> round(float(betaln(1.0, 2.0)), 6)  # log(1/2)
    -0.693147
    """
    a, b = _floats("betaln", a, b)
    return lax.sub(lax.add(lax.lgamma(a), lax.lgamma(b)), lax.lgamma(lax.add(a, b)))


def betainc(a, b, x):
    """The regularized incomplete beta function I_x(a, b), as scipy.special.betainc.

    >>> float(betainc(1.0, 1.0, 0.25))
    0.25
    """
    return lax.betainc(*_floats("betainc", a, b, x))


def zeta(x, q=None):
    """The Hurwitz zeta function (the Riemann one when q is None), as scipy.special.zeta.

    >>> round(float(zeta(2.0)), 6)  # pi^2 / 6
    1.644934
    """
    return lax.zeta(*_floats("zeta", x, 1.0 if q is None else q))


def i0e(x):
    """exp(-|x|) I0(x), as scipy.special.i0e.

    >>> float(i0e(0.0))
    1.0
    """
    return lax.bessel_i0e(*_floats("i0e", x))


def i1e(x):
    """exp(-|x|) I1(x), as scipy.special.i1e.

    >>> float(i1e(0.0))
    0.0
    """
    return lax.bessel_i1e(*_floats("i1e", x))


@custom_jvp
def _i0(x):
    return lax.mul(lax.exp(lax.abs(x)), lax.bessel_i0e(x))


@_i0.defjvp
def _i0_jvp(primals, tangents):
    # I0' = I1: smooth at 0, where exp(|x|) i0e(x) has two kinks that cancel.
    (x,), (t,) = primals, tangents
    return _i0(x), lax.mul(t, _i1(x))


@custom_jvp
def _i1(x):
    return lax.mul(lax.exp(lax.abs(x)), lax.bessel_i1e(x))


@_i1.defjvp
def _i1_jvp(primals, tangents):
    # I1' = I0 - I1 / x, and 1/2 at 0.
    (x,), (t,) = primals, tangents
    zero = lax.eq(x, _const(0, x))
    safe_x = xnp.where(zero, xnp.ones_like(x), x)
    slope = xnp.where(zero, xnp.full_like(x, 0.5), lax.sub(_i0(x), lax.div(_i1(x), safe_x)))
    return _i1(x), lax.mul(t, slope)


def i0(x):
    """The modified Bessel function I0, as scipy.special.i0.

    >>> float(i0(0.0))
    1.0
    """
    return _i0(*_floats("i0", x))


def i1(x):
    """The modified Bessel function I1, as scipy.special.i1.

    >>> float(i1(0.0))
    0.0
    """
    return _i1(*_floats("i1", x))


def expit(x):
    """The logistic sigmoid 1 / (1 + exp(-x)), as scipy.special.expit.

    >>> float(expit(0.0))
    0.5
    """
    return lax.logistic(*_floats("expit", x))


@_quiet
def logit(x):
    """log(x / (1 - x)), the inverse of expit, as scipy.special.logit.

    >>> float(logit(0.5))
    0.0
    """
    (x,) = _floats("logit", x)
    return lax.log(lax.div(x, lax.sub(_const(1, x), x)))


@custom_jvp
def _xlogy(x, y):
    return xnp.where(lax.ne(x, _const(0, x)), lax.mul(x, lax.log(y)), xnp.zeros_like(x))


@_xlogy.defjvp
def _xlogy_jvp(primals, tangents):
    # JAX's convention: the x-derivative is log(y) even at x = 0.
    (x, y), (tx, ty) = primals, tangents
    return _xlogy(x, y), lax.add(lax.mul(tx, lax.log(y)), lax.mul(ty, lax.div(x, y)))


@_quiet
def xlogy(x, y):
    """x * log(y), and 0 where x = 0 (even where log(y) is -inf), as scipy.special.xlogy.

    >>> float(xlogy(0.0, 0.0))
    0.0
    """
    x, y = _floats("xlogy", x, y)
    return _xlogy(x, y)


@custom_jvp
def _xlog1py(x, y):
    return xnp.where(lax.ne(x, _const(0, x)), lax.mul(x, lax.log1p(y)), xnp.zeros_like(x))


@_xlog1py.defjvp
def _xlog1py_jvp(primals, tangents):
    (x, y), (tx, ty) = primals, tangents
    return _xlog1py(x, y), lax.add(lax.mul(tx, lax.log1p(y)),
                                   lax.mul(ty, lax.div(x, lax.add(_const(1, y), y))))


@_quiet
def xlog1py(x, y):
    """x * log1p(y), and 0 where x = 0, as scipy.special.xlog1py.

    >>> float(xlog1py(0.0, -1.0))
    0.0
    """
    x, y = _floats("xlog1py", x, y)
    return _xlog1py(x, y)


@_quiet
def entr(x):
    """-x log(x) for x > 0, 0 at 0 and -inf below, as scipy.special.entr.

    >>> float(entr(1.0))
    -0.0
    """
    (x,) = _floats("entr", x)
    return xnp.where(lax.lt(x, _const(0, x)), xnp.full_like(x, -np.inf), lax.neg(_xlogy(x, x)))


@_quiet
def rel_entr(p, q):
    """p log(p / q) for p, q > 0; 0 where p = 0 <= q; inf elsewhere, as scipy.special.rel_entr.

    >>> float(rel_entr(1.0, 1.0))
    0.0
    """
    p, q = _floats("rel_entr", p, q)
    both = lax.bitwise_and(lax.gt(p, _const(0, p)), lax.gt(q, _const(0, q)))
    # The untaken branches see safe arguments, so that their derivatives stay finite.
    safe_p = xnp.where(both, p, xnp.ones_like(p))
    safe_q = xnp.where(both, q, xnp.ones_like(q))
    zero = lax.bitwise_and(lax.eq(p, _const(0, p)), lax.ge(q, _const(0, q)))
    inside = lax.mul(safe_p, lax.log(lax.div(safe_p, safe_q)))
    return xnp.where(both, inside, xnp.where(zero, xnp.zeros_like(p), xnp.full_like(p, np.inf)))


@_quiet
def kl_div(p, q):
    """p log(p / q) - p + q for p, q > 0; q where p = 0 <= q; inf elsewhere, as
    scipy.special.kl_div.

    >>> float(kl_div(1.0, 1.0))
    0.0
    """
    p, q = _floats("kl_div", p, q)
    both = lax.bitwise_and(lax.gt(p, _const(0, p)), lax.gt(q, _const(0, q)))
    zero = lax.bitwise_and(lax.eq(p, _const(0, p)), lax.ge(q, _const(0, q)))
    rel = rel_entr(p, q)
    inside = lax.add(lax.sub(rel, p), q)
    return xnp.where(both, inside, xnp.where(zero, q, xnp.full_like(p, np.inf)))


@_quiet
def ndtr(x):
    """The standard normal CDF, as scipy.special.ndtr (erf near 0, erfc in the tails).

    >>> float(ndtr(0.0))
    0.5
    """
    (x,) = _floats("ndtr", x)
    z = lax.mul(x, _const(math.sqrt(0.5), x))
    a = lax.abs(z)
    one, two = _const(1, x), _const(2, x)
    y = xnp.where(lax.lt(a, _const(math.sqrt(0.5), x)), lax.add(one, lax.erf(z)),
                  xnp.where(lax.gt(z, _const(0, x)), lax.sub(two, lax.erfc(a)), lax.erfc(a)))
    return lax.mul(_const(0.5, x), y)


def _phi(x):
    """The standard normal density."""
    return lax.mul(_const(1 / math.sqrt(2 * math.pi), x),
                   lax.exp(lax.mul(_const(-0.5, x), lax.mul(x, x))))


@custom_jvp
def _ndtri(p):
    # Solve ndtr(x) = q for q = min(p, 1 - p) <= 1/2 (x <= 0, where 0.5 erfc(-x / sqrt 2) is
    # accurate): a start from erf_inv (or the tail's asymptote, where 2q - 1 rounds to -1),
    # then Halley steps.
    half = _const(0.5, p)
    upper = lax.gt(p, half)
    q = xnp.where(upper, lax.sub(_const(1, p), p), p)
    tiny = lax.lt(q, _const(1e-8, p))
    safe_q = xnp.where(lax.gt(q, _const(0, p)), q, xnp.ones_like(q))
    t = lax.mul(_const(-2, p), lax.log(safe_q))  # -2 log q
    tail = lax.neg(lax.sqrt(lax.sub(t, lax.log(lax.mul(_const(2 * math.pi, p), lax.sub(
        t, lax.log(lax.mul(_const(2 * math.pi, p), t))))))))
    x = xnp.where(tiny, tail, lax.mul(_const(math.sqrt(2), p), lax.erf_inv(
        lax.sub(lax.mul(_const(2, p), q), _const(1, p)))))
    for _ in range(3):
        cdf = lax.mul(half, lax.erfc(lax.mul(lax.neg(x), _const(math.sqrt(0.5), p))))
        step = lax.div(lax.sub(cdf, q), _phi(x))
        x = lax.sub(x, lax.div(step, lax.add(_const(1, p), lax.mul(lax.mul(half, x), step))))
    x = xnp.where(lax.eq(q, _const(0, p)), xnp.full_like(p, -np.inf), x)
    x = xnp.where(upper, lax.neg(x), x)
    outside = lax.bitwise_or(lax.lt(p, _const(0, p)), lax.gt(p, _const(1, p)))
    return xnp.where(lax.bitwise_or(outside, lax.ne(p, p)), xnp.full_like(p, np.nan), x)


@_ndtri.defjvp
def _ndtri_jvp(primals, tangents):
    (p,), (t,) = primals, tangents
    x = _ndtri(p)
    return x, lax.div(t, _phi(x))


@_quiet
def ndtri(p):
    """The inverse of ndtr on [0, 1] (-inf and inf at the ends), as scipy.special.ndtri.

    >>> float(ndtri(0.5))
    0.0
    """
    (p,) = _floats("ndtri", p)
    return _ndtri(p)


@custom_jvp
def _log_ndtr(x):
    # Right of 0, log1p(-ndtr(-x)); down to `lower`, log(ndtr(x)); below, the asymptotic
    # series of log(ndtr(x)). Each branch sees arguments in its range.
    lower = _const(-20.0 if dtype_of(x) == np.float64 else -10.0, x)
    zero = _const(0, x)
    right = lax.log1p(lax.neg(ndtr(lax.neg(lax.max(x, zero)))))
    middle = lax.log(ndtr(lax.min(lax.max(x, lower), zero)))
    z = lax.min(x, lower)
    r = lax.div(_const(1, x), lax.mul(z, z))
    # sum_k (-1)^k (2k-1)!! / z^2k to k = 8 (JAX stops at 3): below 1e-16 for |z| >= 10.
    series = _const(0, x)
    for k in range(8, 0, -1):
        term = (-1) ** k * math.prod(range(1, 2 * k, 2))
        series = lax.mul(r, lax.add(_const(term, x), series))
    far = lax.sub(lax.sub(lax.mul(_const(-0.5, x), lax.mul(z, z)), lax.log(lax.neg(z))),
                  _const(0.5 * math.log(2 * math.pi), x))
    far = lax.add(far, lax.log1p(series))
    return xnp.where(lax.gt(x, zero), right, xnp.where(lax.lt(x, lower), far, middle))


@_log_ndtr.defjvp
def _log_ndtr_jvp(primals, tangents):
    # d/dx log ndtr(x) = phi(x) / ndtr(x) = exp(-x^2/2 - log ndtr(x)) / sqrt(2 pi), as JAX.
    (x,), (t,) = primals, tangents
    y = _log_ndtr(x)
    slope = lax.mul(_const(1 / math.sqrt(2 * math.pi), x), lax.exp(
        lax.sub(lax.mul(_const(-0.5, x), lax.mul(x, x)), y)))
    return y, lax.mul(t, slope)


@_quiet
def log_ndtr(x):
    """log(ndtr(x)), accurate far into the left tail (an asymptotic series), as
    scipy.special.log_ndtr.

    >>> round(float(log_ndtr(0.0)), 6)
    -0.693147
    """
    (x,) = _floats("log_ndtr", x)
    return _log_ndtr(x)


def multigammaln(a, d: int):
    """The log of the multivariate gamma function of dimension d (static), as
    scipy.special.multigammaln.

    >>> round(float(multigammaln(1.0, 1)), 6)
    0.0
    """
    try:
        d = operator.index(d)
    except TypeError:
        raise TypeError(f"numbax.scipy.special.multigammaln: d must be a static int, got "
                        f"{type(d).__name__}") from None
    if d < 1:
        raise ValueError(f"numbax.scipy.special.multigammaln: d must be at least 1, got {d}")
    (a,) = _floats("multigammaln", a)
    total = _const(d * (d - 1) / 4 * math.log(math.pi), a)
    for j in range(d):
        total = lax.add(total, lax.lgamma(lax.sub(a, _const(j / 2, a))))
    return total


def _gamma_sign(x):
    """The sign of Gamma(x): -1 between an odd negative integer and the next even one and at
    -0, nan at the negative integers and -inf, 1 elsewhere."""
    negative = lax.lt(x, _const(0, x))
    odd = lax.ne(lax.rem(lax.floor(x), _const(2, x)), _const(0, x))
    sign = xnp.where(lax.bitwise_and(negative, odd), xnp.full_like(x, -1.0), xnp.ones_like(x))
    sign = xnp.where(lax.bitwise_and(lax.eq(x, _const(0, x)), xnp.signbit(x)),
                     xnp.full_like(x, -1.0), sign)
    pole = lax.bitwise_and(negative, lax.eq(x, lax.floor(x)))
    return xnp.where(lax.bitwise_or(pole, lax.ne(x, x)), xnp.full_like(x, np.nan), sign)


@_quiet
def gammasgn(x):
    """The sign of the gamma function, as scipy.special.gammasgn (nan at its poles).

    >>> float(gammasgn(-1.5))
    1.0
    """
    (x,) = _floats("gammasgn", x)
    return _gamma_sign(x)


@_quiet
def loggamma(x):
    """The principal branch of log Gamma(x) for real x: gammaln where Gamma(x) > 0 or x = 0,
    nan below 0, as scipy.special.loggamma on reals.

    >>> float(loggamma(1.0))
    0.0
    """
    (x,) = _floats("loggamma", x)
    return xnp.where(lax.lt(x, _const(0, x)), xnp.full_like(x, np.nan), lax.lgamma(x))


@_quiet
def poch(z, m):
    """The Pochhammer symbol Gamma(z + m) / Gamma(z), as scipy.special.poch.

    >>> float(poch(2.0, 3.0))  # 2 * 3 * 4
    24.000000000000004
    """
    z, m = _floats("poch", z, m)
    s = lax.add(z, m)
    sign = lax.mul(_gamma_sign(s), _gamma_sign(z))
    return lax.mul(sign, lax.exp(lax.sub(lax.lgamma(s), lax.lgamma(z))))


@_quiet
def gamma(x):
    """The gamma function, sign(Gamma(x)) exp(lgamma(x)) (nan at the poles), as
    scipy.special.gamma.

    >>> float(gamma(5.0))
    24.000000000000004
    """
    (x,) = _floats("gamma", x)
    return lax.mul(_gamma_sign(x), lax.exp(lax.lgamma(x)))


@_quiet
def beta(a, b):
    """The beta function Gamma(a) Gamma(b) / Gamma(a + b), as scipy.special.beta.

    >>> round(float(beta(1.0, 2.0)), 6)
    0.5
    """
    a, b = _floats("beta", a, b)
    s = lax.add(a, b)
    sign = lax.mul(lax.mul(_gamma_sign(a), _gamma_sign(b)), _gamma_sign(s))
    return lax.mul(sign, lax.exp(betaln(a, b)))


@_quiet
def factorial(n, exact: bool = False):
    """Gamma(n + 1), 0 for n < 0, as scipy.special.factorial (exact=True is not supported,
    as in JAX).

    >>> float(factorial(4))
    24.000000000000004
    """
    if exact:
        raise NotImplementedError("numbax.scipy.special.factorial: exact=True is not supported "
                                  "(as in JAX)")
    (n,) = _floats("factorial", n)
    return xnp.where(lax.lt(n, _const(0, n)), xnp.zeros_like(n),
                     lax.exp(lax.lgamma(lax.add(n, _const(1, n)))))


# ---------------------------------------------------------------------------------------------
# Error-function relatives and integrals (primitives of core/special_primitives.py)

def erfcx(x):
    """The scaled complementary error function exp(x^2) erfc(x), accurate where erfc
    underflows (inf below -26.7, as SciPy), as scipy.special.erfcx.

    >>> float(erfcx(0.0))
    1.0
    """
    return S.erfcx_p.bind(*_floats("erfcx", x))


def dawsn(x):
    """Dawson's integral exp(-x^2) int_0^x exp(t^2) dt, as scipy.special.dawsn.

    >>> float(dawsn(0.0))
    0.0
    """
    return S.dawsn_p.bind(*_floats("dawsn", x))


def expn(n, x):
    """The generalized exponential integral E_n(x) = int_1^inf exp(-x t) / t^n dt, for
    integral n >= 0 and x >= 0 (nan elsewhere), as scipy.special.expn. Differentiable in x
    only (E_n' = -E_(n-1)).

    >>> round(float(expn(2, 1.0)), 6)
    0.148496
    """
    return S.expn_p.bind(*_floats("expn", n, x))


def exp1(x):
    """The exponential integral E_1(x) for x >= 0 (nan below, as SciPy on reals), as
    scipy.special.exp1.

    >>> round(float(exp1(1.0)), 6)
    0.219384
    """
    (x,) = _floats("exp1", x)
    return S.expn_p.bind(_const(1, x), x)


def expi(x):
    """The exponential integral Ei(x) (the principal value; -E_1(-x) for x < 0), as
    scipy.special.expi.

    >>> round(float(expi(1.0)), 6)
    1.895118
    """
    return S.expi_p.bind(*_floats("expi", x))


def spence(x):
    """Spence's function int_1^x log(t) / (1 - t) dt (the dilogarithm Li2(1 - x)) for
    x >= 0, nan below, as scipy.special.spence.

    >>> float(spence(1.0))
    0.0
    """
    return S.spence_p.bind(*_floats("spence", x))


def sici(x):
    """The sine and cosine integrals (Si(x), Ci(x)), as scipy.special.sici on reals (Ci(x)
    for x < 0 is Ci(|x|), the real part of its complex value).

    >>> si, ci = sici(0.0)
    >>> float(si), float(ci)
    (0.0, -inf)
    """
    (x,) = _floats("sici", x)
    return S.sine_integral_p.bind(x), S.cosine_integral_p.bind(x)


def fresnel(x):
    """The Fresnel integrals (S(x), C(x)), int_0^x sin(pi t^2 / 2) dt and the cosine one, as
    scipy.special.fresnel.

    >>> s, c = fresnel(0.0)
    >>> float(s), float(c)
    (0.0, 0.0)
    """
    (x,) = _floats("fresnel", x)
    return S.fresnel_s_p.bind(x), S.fresnel_c_p.bind(x)


def hyp1f1(a, b, x):
    """Kummer's confluent hypergeometric function 1F1(a; b; x), as scipy.special.hyp1f1.

    Summed as its series (after Kummer's transformation for x < 0), which is accurate where
    its terms keep one sign: a >= 0 and b > 0 with b - a >= 0 for x < 0 (elsewhere it loses
    digits to cancellation); nan at b = 0, -1, -2, .... Differentiable in x only, as in JAX.

    >>> round(float(hyp1f1(1.0, 1.0, 1.0)), 6)  # e
    2.718282
    """
    return S.hyp1f1_p.bind(*_floats("hyp1f1", a, b, x))


def hyp2f1(a, b, c, x):
    """Gauss's hypergeometric function 2F1(a, b; c; x), as scipy.special.hyp2f1, for x < 1
    (and x = 1 where c - a - b > 0; inf where it is not; nan for x > 1).

    Summed as its series on [0, 1) and, for x < 0, after Pfaff's transformation
    (1 - x)^-a 2F1(a, c - b; c; x / (x - 1)). Accurate (to about 1e-15 relative) where the
    terms keep one sign: a, b, c >= 0 for x >= 0 and a, c - b, c >= 0 for x < 0; elsewhere
    it may lose digits to cancellation. The series slows as its argument nears 1, and gives
    nan where 200000 terms do not converge. nan at c = 0, -1, -2, .... Differentiable in x
    only, as in JAX.

    >>> round(float(hyp2f1(1.0, 1.0, 2.0, 0.5)), 6)  # -log(1 - x) / x
    1.386294
    """
    return S.hyp2f1_p.bind(*_floats("hyp2f1", a, b, c, x))


# Gauss-Legendre nodes and weights on [0, 1] for Owen's T: exact for polynomials of degree
# 127, enough for its Gaussian integrand of width 1 / (h a) >= 1/40 (beyond, T underflows).
_OWENS_NODES, _OWENS_WEIGHTS = (np.polynomial.legendre.leggauss(64)[0] + 1) / 2, \
    np.polynomial.legendre.leggauss(64)[1] / 2


def _owens_t_small_a(h, a):
    """T(h, a) for 0 <= a <= 1: a / (2 pi) int_0^1 exp(-h^2 (1 + a^2 s^2) / 2) /
    (1 + a^2 s^2) ds by Gauss-Legendre quadrature."""
    s = np.asarray(_OWENS_NODES, dtype_of(h))
    w = np.asarray(_OWENS_WEIGHTS, dtype_of(h))
    h, a = xnp.expand_dims(h, -1), xnp.expand_dims(a, -1)
    r = lax.add(_const(1, h), lax.mul(lax.mul(a, a), s * s))
    f = lax.div(lax.exp(lax.mul(lax.mul(_const(-0.5, h), lax.mul(h, h)), r)), r)
    total = xnp.sum(lax.mul(f, w), axis=-1)
    return lax.mul(lax.mul(a[..., 0], total), _const(1 / (2 * math.pi), total))


@_quiet
def owens_t(h, a):
    """Owen's T function (1 / 2 pi) int_0^a exp(-h^2 (1 + x^2) / 2) / (1 + x^2) dx, as
    scipy.special.owens_t.

    Gauss-Legendre quadrature (64 nodes) for |a| <= 1; for |a| > 1 Owen's identity
    T(h, a) = Q(h) / 2 + Q(a h) / 2 - Q(h) Q(a h) - T(a h, 1 / a), Q the normal tail;
    T is even in h and odd in a. Differentiable in h and a (through the quadrature).

    >>> round(float(owens_t(0.0, 1.0)), 6)  # 1/8
    0.125
    """
    h, a = _floats("owens_t", h, a)
    abs_h, abs_a = lax.abs(h), lax.abs(a)
    one = _const(1, a)
    big = lax.gt(abs_a, one)
    safe_a = xnp.where(big, abs_a, one)
    ah = xnp.where(lax.eq(abs_h, _const(0, h)), xnp.zeros_like(h), lax.mul(safe_a, abs_h))
    inner = _owens_t_small_a(xnp.where(big, ah, abs_h),
                             xnp.where(big, lax.div(one, safe_a), abs_a))
    half = _const(0.5, h)
    q_h = lax.mul(half, lax.erfc(lax.mul(abs_h, _const(math.sqrt(0.5), h))))
    q_ah = lax.mul(half, lax.erfc(lax.mul(ah, _const(math.sqrt(0.5), h))))
    outer = lax.sub(lax.sub(lax.mul(half, lax.add(q_h, q_ah)), lax.mul(q_h, q_ah)), inner)
    return lax.mul(lax.sign(a), xnp.where(big, outer, inner))


def wofz(z):
    """The Faddeeva function w(z) = exp(-z^2) erfc(-iz), as scipy.special.wofz: real
    arguments become complex (float32 -> complex64, others -> complex128).

    Weideman's 40-term expansion for |z| < 7, the Laplace continued fraction beyond, and
    w(z) = 2 exp(-z^2) - w(-z) below the real axis (inf or nan where exp(-z^2) overflows).
    Accurate to about 2e-14 of |w|: near the real axis, where Re w = exp(-x^2) is tiny, the
    real part is accurate to that absolute level only.

    >>> complex(wofz(0.0))
    (1+0j)
    """
    (z,) = promote("wofz", z, inexact=True)
    dt = dtype_of(z)
    if dt.kind != "c":
        z = lax.convert_element_type(z, np.complex64 if dt == np.float32 else np.complex128)
    return S.wofz_p.bind(z)


# ---------------------------------------------------------------------------------------------
# Compositions: binomials, Box-Cox, Bernoulli numbers, Bessel J_n


@_quiet
def comb(N, k, *, exact: bool = False, repetition: bool = False):
    """The number of combinations of N things taken k at a time, Gamma(N + 1) /
    (Gamma(k + 1) Gamma(N - k + 1)), 0 where k > N, N < 0 or k < 0, as scipy.special.comb
    (with repetition=True, comb(N + k - 1, k); exact=True is not supported).

    >>> round(float(comb(5, 2)), 9)
    10.0
    """
    if exact:
        raise NotImplementedError("numbax.scipy.special.comb: exact=True is not supported")
    N, k = _floats("comb", N, k)
    if repetition:
        N = lax.sub(lax.add(N, k), _const(1, N))
    one, zero = _const(1, N), _const(0, N)
    outside = lax.bitwise_or(lax.bitwise_or(lax.gt(k, N), lax.lt(N, zero)), lax.lt(k, zero))
    # The discarded branch sees k = 0 and N = 1, so its derivative stays finite.
    safe_n = xnp.where(outside, one, N)
    safe_k = xnp.where(outside, zero, k)
    log_comb = lax.sub(lax.sub(lax.lgamma(lax.add(safe_n, one)), lax.lgamma(lax.add(safe_k, one))),
                       lax.lgamma(lax.add(lax.sub(safe_n, safe_k), one)))
    return xnp.where(outside, xnp.zeros_like(N), lax.exp(log_comb))


def _boxcox(log_x, lmbda):
    # expm1(lmbda log_x) / lmbda, and where |lmbda log_x| < 1e-3, log_x times the Taylor
    # series of expm1(u) / u (error under 1e-18), so that the value and the derivative in
    # lmbda are right at and near lmbda = 0. (x = 0 and inf take the first form unless
    # lmbda = 0.)
    zero = lax.eq(lmbda, _const(0, lmbda))
    finite = lax.is_finite(log_x)
    u = lax.mul(lmbda, xnp.where(finite, log_x, xnp.zeros_like(log_x)))
    small = lax.bitwise_and(lax.lt(lax.abs(u), _const(1e-3, u)), lax.bitwise_or(finite, zero))
    series = _const(0, u)
    for k in (120, 24, 6, 2):
        series = lax.mul(u, lax.add(series, _const(1 / k, u)))
    near = lax.mul(log_x, lax.add(_const(1, u), series))
    safe = xnp.where(small, xnp.ones_like(lmbda), lmbda)
    far = lax.div(lax.expm1(lax.mul(safe, xnp.where(small, xnp.ones_like(log_x), log_x))), safe)
    return xnp.where(small, near, far)


@_quiet
def boxcox(x, lmbda):
    """The Box-Cox transformation (x^lmbda - 1) / lmbda, log(x) at lmbda = 0, as
    scipy.special.boxcox.

    >>> round(float(boxcox(2.0, 0.0)), 6)
    0.693147
    """
    x, lmbda = _floats("boxcox", x, lmbda)
    return _boxcox(lax.log(x), lmbda)


@_quiet
def boxcox1p(x, lmbda):
    """The Box-Cox transformation of 1 + x, accurate for small x, as scipy.special.boxcox1p.

    >>> float(boxcox1p(0.0, 0.5))
    0.0
    """
    x, lmbda = _floats("boxcox1p", x, lmbda)
    return _boxcox(lax.log1p(x), lmbda)


def bernoulli(n: int) -> np.ndarray:
    """The Bernoulli numbers B_0, ..., B_n (with B_1 = -1/2), as scipy.special.bernoulli;
    n is a static int, computed exactly and rounded once.

    >>> bernoulli(4).tolist()
    [1.0, -0.5, 0.16666666666666666, 0.0, -0.03333333333333333]
    """
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"numbax.scipy.special.bernoulli: n must be a static int, got "
                        f"{type(n).__name__}") from None
    if n < 0:
        raise ValueError(f"numbax.scipy.special.bernoulli: n must be non-negative, got {n}")
    b = [Fraction(1)]
    for m in range(1, n + 1):
        b.append(-sum(math.comb(m + 1, j) * b[j] for j in range(m)) / (m + 1))
    return np.array([float(v) for v in b])


def bessel_jn(z, *, v: int, n_iter: int = 50):
    """The Bessel functions of the first kind J_0(z), ..., J_v(z), stacked on a new leading
    axis, as jax.scipy.special.bessel_jn: Miller's backward recurrence from order
    max(n_iter, v + 1), normalised by J_0 + 2 sum J_2k = 1. Accurate while the starting
    order is well above |z| (for n_iter = 50, |z| up to about 25).

    >>> [round(float(j), 6) for j in bessel_jn(1.0, v=1)]
    [0.765198, 0.440051]
    """
    for name, value, low in (("v", v, 0), ("n_iter", n_iter, 1)):
        try:
            operator.index(value)
        except TypeError:
            raise TypeError(f"numbax.scipy.special.bessel_jn: {name} must be a static int, "
                            f"got {type(value).__name__}") from None
        if value < low:
            raise ValueError(f"numbax.scipy.special.bessel_jn: {name} must be at least {low}, "
                             f"got {value}")
    (z,) = _floats("bessel_jn", z)
    zero = lax.eq(z, _const(0, z))
    safe = xnp.where(zero, xnp.ones_like(z), z)
    two_over_z = lax.div(_const(2, z), safe)
    # Rescale by `small` whenever the recurrence grows past `big`, so that it cannot overflow.
    big, small = (1e150, 1e-150) if dtype_of(z) == np.float64 else (1e18, 1e-18)
    start = max(n_iter, v + 1)
    start += start % 2
    above, current = xnp.zeros_like(z), xnp.full_like(z, small)  # J_(k+1), J_k up to scale
    total = xnp.zeros_like(z)  # J_0 + 2 sum J_2k so far, to the same scale
    kept: dict[int, object] = {}
    for k in range(start, -1, -1):
        if k <= v:
            kept[k] = current
        if k % 2 == 0:
            total = lax.add(total, current if k == 0 else lax.mul(_const(2, z), current))
        if k == 0:
            break
        below = lax.sub(lax.mul(lax.mul(_const(k, z), two_over_z), current), above)
        scale = xnp.where(lax.gt(lax.abs(below), _const(big, z)), xnp.full_like(z, small),
                          xnp.ones_like(z))
        above, current = lax.mul(current, scale), lax.mul(below, scale)
        total = lax.mul(total, scale)
        kept = {j: lax.mul(value, scale) for j, value in kept.items()}
    # At z = 0, (z/2)^j / j! (1 - (z/2)^2 / (j + 1)): the value and the first two derivatives.
    half = lax.mul(_const(0.5, z), z)
    out = [xnp.where(zero, lax.mul(
        _const(1 / math.factorial(j), z), lax.mul(lax.integer_pow(half, j), lax.sub(
            _const(1, z), lax.div(lax.mul(half, half), _const(j + 1, z))))),
        lax.div(kept[j], total)) for j in range(v + 1)]
    return xnp.stack(out)
