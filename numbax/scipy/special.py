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

import numpy as np

from .. import lax
from .. import numpy as xnp
from ..custom_derivatives import custom_jvp
from ..nn import log_softmax, logsumexp, softmax
from ..numpy import sinc
from ..numpy.arguments import dtype_of, promote

__all__ = [
    "beta", "betainc", "betaln", "digamma", "entr", "erf", "erfc", "erfinv", "expit", "factorial",
    "gamma", "gammainc", "gammaincc", "gammaln", "gammasgn", "i0", "i0e", "i1", "i1e", "kl_div",
    "log_ndtr", "log_softmax", "loggamma", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri",
    "poch", "polygamma", "rel_entr", "sinc", "softmax", "xlog1py", "xlogy", "zeta",
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
