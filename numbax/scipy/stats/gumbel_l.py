"""The left-skewed Gumbel distribution (the law of -X for X ~ gumbel_r), as
jax.scipy.stats.gumbel_l.

>>> from numbax.scipy.stats import gumbel_l
>>> round(float(gumbel_l.sf(0.0)), 6)
0.367879
"""
from __future__ import annotations

from ... import numpy as xnp
from .common import log_of_either, promote_inexact, promote_standardized

__all__ = ["logpdf", "pdf", "logcdf", "cdf", "logsf", "sf", "ppf"]


def logpdf(x, loc=0, scale=1):
    """z - exp(z) - log(scale), z = (x - loc) / scale.

    >>> float(logpdf(0.0))
    -1.0
    """
    z, scale = promote_standardized("gumbel_l.logpdf", x, loc, scale)
    return z - xnp.exp(z) - xnp.log(scale)


def pdf(x, loc=0, scale=1):
    """The density exp(logpdf).

    >>> round(float(pdf(0.0)), 6)
    0.367879
    """
    return xnp.exp(logpdf(x, loc, scale))


def logsf(x, loc=0, scale=1):
    """log P(X > x) = -exp(z).

    >>> float(logsf(0.0))
    -1.0
    """
    z, _ = promote_standardized("gumbel_l.logsf", x, loc, scale)
    return -xnp.exp(z)


def sf(x, loc=0, scale=1):
    """P(X > x) = exp(-exp(z)).

    >>> round(float(sf(-1.0)), 6)
    0.692201
    """
    return xnp.exp(logsf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """P(X <= x) = -expm1(-exp(z)), accurate in the lower tail.

    >>> round(float(cdf(-1.0)), 6)
    0.307799
    """
    z, _ = promote_standardized("gumbel_l.cdf", x, loc, scale)
    return -xnp.expm1(-xnp.exp(z))


def logcdf(x, loc=0, scale=1):
    """log P(X <= x).

    >>> round(float(logcdf(-1.0)), 6)
    -1.178307
    """
    z, _ = promote_standardized("gumbel_l.logcdf", x, loc, scale)
    e = xnp.exp(z)
    return log_of_either(-xnp.expm1(-e), xnp.exp(-e))


def ppf(q, loc=0, scale=1):
    """The quantile function loc + scale log(-log1p(-q)) (nan outside [0, 1]).

    >>> round(float(ppf(0.5)), 6)
    -0.366513
    """
    q, loc, scale = promote_inexact("gumbel_l.ppf", q, loc, scale)
    return loc + scale * xnp.log(-xnp.log1p(-q))
