"""The Cauchy distribution, as jax.scipy.stats.cauchy.

>>> from numbax.scipy.stats import cauchy
>>> float(cauchy.cdf(1.0))
0.75
"""
from __future__ import annotations

import math

import numpy as np

from ... import numpy as xnp
from .common import promote_inexact, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"]


def logpdf(x, loc=0, scale=1):
    """-log(pi scale (1 + z**2)), z = (x - loc) / scale.

    >>> round(float(logpdf(0.0)), 6)
    -1.14473
    """
    x, loc, scale = promote_inexact("cauchy.logpdf", x, loc, scale)
    z = standardize(x, loc, scale)
    return -xnp.log1p(z * z) - xnp.log(scale) - math.log(math.pi)


def pdf(x, loc=0, scale=1):
    """The density exp(logpdf).

    >>> round(float(pdf(0.0)), 6)
    0.31831
    """
    return xnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """P(X <= x) = 1/2 + arctan(z) / pi.

    >>> float(cdf(0.0))
    0.5
    """
    x, loc, scale = promote_inexact("cauchy.cdf", x, loc, scale)
    return 0.5 + xnp.arctan(standardize(x, loc, scale)) / math.pi


def logcdf(x, loc=0, scale=1):
    """log P(X <= x).

    >>> round(float(logcdf(0.0)), 6)
    -0.693147
    """
    return xnp.log(cdf(x, loc, scale))


def sf(x, loc=0, scale=1):
    """P(X > x) = 1/2 - arctan(z) / pi.

    >>> float(sf(1.0))
    0.25
    """
    x, loc, scale = promote_inexact("cauchy.sf", x, loc, scale)
    return 0.5 - xnp.arctan(standardize(x, loc, scale)) / math.pi


def logsf(x, loc=0, scale=1):
    """log P(X > x).

    >>> round(float(logsf(1.0)), 6)
    -1.386294
    """
    return xnp.log(sf(x, loc, scale))


def _unit_ppf(q):
    """The standard Cauchy quantile tan(pi (q - 1/2)), accurate in both tails: q - 1/2 and
    1 - q are exact where they are used (Sterbenz), and the tails use the cotangent, whose
    argument pi q (or pi (1 - q)) keeps the digits of a small q (or 1 - q)."""
    low, high = (q < 0.25) & (q > 0), (q > 0.75) & (q < 1)  # 0 and 1 are set below
    mid = xnp.where(low | high, 0.5, q)
    tail = xnp.where(low, q, xnp.where(high, 1 - q, 0.25))
    cot = 1 / xnp.tan(math.pi * tail)
    unscaled = xnp.where(low, -cot, xnp.where(high, cot, xnp.tan(math.pi * (mid - 0.5))))
    # The quantiles of 0 and 1 are exactly -inf and inf; nan outside [0, 1].
    return xnp.select([(q < 0) | (q > 1), q == 0, q == 1], [np.nan, -np.inf, np.inf],
                      unscaled)


def ppf(q, loc=0, scale=1):
    """The quantile function loc + scale tan(pi (q - 1/2)) (nan outside [0, 1]).

    >>> round(float(ppf(0.75)), 6)
    1.0
    """
    q, loc, scale = promote_inexact("cauchy.ppf", q, loc, scale)
    return loc + scale * _unit_ppf(q)


def isf(q, loc=0, scale=1):
    """The inverse of sf: loc - scale tan(pi (q - 1/2)), by symmetry.

    >>> round(float(isf(0.25)), 6)
    1.0
    """
    q, loc, scale = promote_inexact("cauchy.isf", q, loc, scale)
    return loc - scale * _unit_ppf(q)
