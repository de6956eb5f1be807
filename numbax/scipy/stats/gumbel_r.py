"""The right-skewed Gumbel (extreme value) distribution, as jax.scipy.stats.gumbel_r.

>>> from numbax.scipy.stats import gumbel_r
>>> round(float(gumbel_r.cdf(0.0)), 6)
0.367879
"""
from __future__ import annotations

from ... import numpy as xnp
from .common import log_of_either, promote_inexact, promote_standardized

__all__ = ["logpdf", "pdf", "logcdf", "cdf", "logsf", "sf", "ppf"]


def logpdf(x, loc=0, scale=1):
    """-(z + exp(-z)) - log(scale), z = (x - loc) / scale.

    >>> float(logpdf(0.0))
    -1.0
    """
    z, scale = promote_standardized("gumbel_r.logpdf", x, loc, scale)
    return -(z + xnp.exp(-z)) - xnp.log(scale)


def pdf(x, loc=0, scale=1):
    """The density exp(logpdf).

    >>> round(float(pdf(0.0)), 6)
    0.367879
    """
    return xnp.exp(logpdf(x, loc, scale))


def logcdf(x, loc=0, scale=1):
    """log P(X <= x) = -exp(-z).

    >>> float(logcdf(0.0))
    -1.0
    """
    z, _ = promote_standardized("gumbel_r.logcdf", x, loc, scale)
    return -xnp.exp(-z)


def cdf(x, loc=0, scale=1):
    """P(X <= x) = exp(-exp(-z)).

    >>> round(float(cdf(1.0)), 6)
    0.692201
    """
    return xnp.exp(logcdf(x, loc, scale))


def sf(x, loc=0, scale=1):
    """P(X > x) = -expm1(-exp(-z)), accurate in the upper tail.

    >>> round(float(sf(1.0)), 6)
    0.307799
    """
    z, _ = promote_standardized("gumbel_r.sf", x, loc, scale)
    return -xnp.expm1(-xnp.exp(-z))


def logsf(x, loc=0, scale=1):
    """log P(X > x).

    >>> round(float(logsf(1.0)), 6)
    -1.178307
    """
    z, _ = promote_standardized("gumbel_r.logsf", x, loc, scale)
    e = xnp.exp(-z)
    return log_of_either(-xnp.expm1(-e), xnp.exp(-e))


def ppf(q, loc=0, scale=1):
    """The quantile function loc - scale log(-log(q)) (nan outside [0, 1]).

    >>> round(float(ppf(0.5)), 6)
    0.366513
    """
    q, loc, scale = promote_inexact("gumbel_r.ppf", q, loc, scale)
    return loc - scale * xnp.log(-xnp.log(q))
