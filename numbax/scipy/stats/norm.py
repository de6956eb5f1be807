"""The normal distribution N(loc, scale**2), as jax.scipy.stats.norm.

>>> from numbax.scipy.stats import norm
>>> float(norm.cdf(0.0))
0.5
"""
from __future__ import annotations

import math

from ... import numpy as xnp
from .. import special
from .common import promote_inexact, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"]

_LOG_2PI = math.log(2 * math.pi)


def logpdf(x, loc=0, scale=1):
    """log of the normal density at x.

    >>> float(logpdf(0.0))
    -0.9189385332046727
    """
    x, loc, scale = promote_inexact("norm.logpdf", x, loc, scale)
    z = standardize(x, loc, scale)
    return -0.5 * (z * z + _LOG_2PI) - xnp.log(scale)


def pdf(x, loc=0, scale=1):
    """The normal density at x.

    >>> round(float(pdf(1.0)), 6)
    0.241971
    """
    return xnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """P(X <= x): ndtr((x - loc) / scale).

    >>> round(float(cdf(1.0)), 6)
    0.841345
    """
    x, loc, scale = promote_inexact("norm.cdf", x, loc, scale)
    return special.ndtr(standardize(x, loc, scale))


def logcdf(x, loc=0, scale=1):
    """log P(X <= x), accurate far in the lower tail (log_ndtr).

    >>> round(float(logcdf(-40.0)), 2)
    -804.61
    """
    x, loc, scale = promote_inexact("norm.logcdf", x, loc, scale)
    return special.log_ndtr(standardize(x, loc, scale))


def sf(x, loc=0, scale=1):
    """P(X > x) = cdf(-x, -loc, scale), accurate in the upper tail.

    >>> round(float(sf(1.0)), 6)
    0.158655
    """
    x, loc, scale = promote_inexact("norm.sf", x, loc, scale)
    return special.ndtr(standardize(loc, x, scale))


def logsf(x, loc=0, scale=1):
    """log P(X > x).

    >>> round(float(logsf(40.0)), 2)
    -804.61
    """
    x, loc, scale = promote_inexact("norm.logsf", x, loc, scale)
    return special.log_ndtr(standardize(loc, x, scale))


def ppf(q, loc=0, scale=1):
    """The quantile function, the inverse of cdf: ndtri(q) * scale + loc (nan outside
    [0, 1], -inf and inf at 0 and 1).

    >>> round(float(ppf(0.975)), 4)
    1.96
    """
    q, loc, scale = promote_inexact("norm.ppf", q, loc, scale)
    return special.ndtri(q) * scale + loc


def isf(q, loc=0, scale=1):
    """The inverse of sf: loc - ndtri(q) * scale (by symmetry, which keeps the digits of a
    small q that 1 - q would lose).

    >>> round(float(isf(0.025)), 4)
    1.96
    """
    q, loc, scale = promote_inexact("norm.isf", q, loc, scale)
    return loc - special.ndtri(q) * scale
