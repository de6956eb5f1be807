"""The exponential distribution on [loc, inf) with mean loc + scale, as
jax.scipy.stats.expon.

>>> from numbax.scipy.stats import expon
>>> round(float(expon.cdf(1.0)), 6)
0.632121
"""
from __future__ import annotations

import math

import numpy as np

from ... import numpy as xnp
from .common import nan_if_nan, outside, promote_inexact, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"]


def logpdf(x, loc=0, scale=1):
    """-(x - loc) / scale - log(scale) on x >= loc, -inf below.

    >>> float(logpdf(1.0))
    -1.0
    """
    x, loc, scale = promote_inexact("expon.logpdf", x, loc, scale)
    out = outside(x < loc, -standardize(x, loc, scale) - xnp.log(scale), -np.inf)
    return nan_if_nan(out, loc, scale)


def pdf(x, loc=0, scale=1):
    """The density exp(logpdf).

    >>> float(pdf(-1.0))
    0.0
    """
    return xnp.exp(logpdf(x, loc, scale))


def _z(fname: str, x, loc, scale):
    x, loc, scale = promote_inexact(fname, x, loc, scale)
    # Below loc z is clipped to 0 (cdf 0, sf 1); nan stays nan.
    return nan_if_nan(xnp.where(x < loc, 0, standardize(x, loc, scale)), loc, scale)


def cdf(x, loc=0, scale=1):
    """P(X <= x) = -expm1(-z), z = max((x - loc) / scale, 0).

    >>> float(cdf(0.0))
    0.0
    """
    return -xnp.expm1(-_z("expon.cdf", x, loc, scale))


def logcdf(x, loc=0, scale=1):
    """log P(X <= x) = log(-expm1(-z)): -inf at and below loc.

    >>> round(float(logcdf(1.0)), 6)
    -0.458675
    """
    z = _z("expon.logcdf", x, loc, scale)
    # log(1 - e**-z): log1p(-e**-z) keeps the digits when e**-z is small, log(-expm1(-z))
    # when z is (Maechler's log1mexp); each branch sees only the z it handles.
    big = z > math.log(2)
    return xnp.where(big, xnp.log1p(-xnp.exp(-xnp.where(big, z, 1.0))),
                     xnp.log(-xnp.expm1(-xnp.where(big, 1.0, z))))


def sf(x, loc=0, scale=1):
    """P(X > x) = exp(-z).

    >>> round(float(sf(1.0)), 6)
    0.367879
    """
    return xnp.exp(-_z("expon.sf", x, loc, scale))


def logsf(x, loc=0, scale=1):
    """log P(X > x) = -z.

    >>> float(logsf(2.0))
    -2.0
    """
    return -_z("expon.logsf", x, loc, scale)


def _check_q(q):
    """nan outside [0, 1]."""
    return xnp.where((q < 0) | (q > 1), np.nan, q)


def ppf(q, loc=0, scale=1):
    """The quantile function -log1p(-q) * scale + loc (nan outside [0, 1]).

    >>> round(float(ppf(0.5)), 6)
    0.693147
    """
    q, loc, scale = promote_inexact("expon.ppf", q, loc, scale)
    return -xnp.log1p(-_check_q(q)) * scale + loc


def isf(q, loc=0, scale=1):
    """The inverse of sf: -log(q) * scale + loc (nan outside [0, 1]).

    >>> round(float(isf(0.5)), 6)
    0.693147
    """
    q, loc, scale = promote_inexact("expon.isf", q, loc, scale)
    return -xnp.log(_check_q(q)) * scale + loc
