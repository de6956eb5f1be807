"""The gamma distribution with shape a, as jax.scipy.stats.gamma.

>>> from numbax.scipy.stats import gamma
>>> round(float(gamma.cdf(1.0, 1.0)), 6)
0.632121
"""
from __future__ import annotations

import numpy as np

from ... import numpy as xnp
from .. import special
from .common import log_of_either, nan_if_nan, promote_inexact, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def logpdf(x, a, loc=0, scale=1):
    """(a - 1) log(y) - y - gammaln(a) - log(scale), y = (x - loc) / scale, on x >= loc;
    -inf below loc.

    >>> float(logpdf(0.0, 1.0))
    0.0
    """
    x, a, loc, scale = promote_inexact("gamma.logpdf", x, a, loc, scale)
    below = x < loc
    # y = 1 below the support keeps xlogy (and its derivative) finite where it is unused.
    y = xnp.where(below, 1, standardize(x, loc, scale))
    log_probs = special.xlogy(a - 1, y) - y - special.gammaln(a) - xnp.log(scale)
    return nan_if_nan(xnp.where(below, -np.inf, log_probs), a, loc, scale)


def pdf(x, a, loc=0, scale=1):
    """The density exp(logpdf).

    >>> round(float(pdf(2.0, 3.0)), 6)
    0.270671
    """
    return xnp.exp(logpdf(x, a, loc, scale))


def _y(fname: str, x, a, loc, scale):
    x, a, loc, scale = promote_inexact(fname, x, a, loc, scale)
    return a, xnp.maximum(standardize(x, loc, scale), 0)


def cdf(x, a, loc=0, scale=1):
    """P(X <= x): the regularized lower incomplete gamma function gammainc(a, y).

    >>> round(float(cdf(2.0, 3.0)), 6)
    0.323324
    """
    return special.gammainc(*_y("gamma.cdf", x, a, loc, scale))


def logcdf(x, a, loc=0, scale=1):
    """log P(X <= x).

    >>> round(float(logcdf(2.0, 3.0)), 6)
    -1.129102
    """
    a, y = _y("gamma.logcdf", x, a, loc, scale)
    return log_of_either(special.gammainc(a, y), special.gammaincc(a, y))


def sf(x, a, loc=0, scale=1):
    """P(X > x): the regularized upper incomplete gamma function gammaincc(a, y).

    >>> round(float(sf(2.0, 3.0)), 6)
    0.676676
    """
    return special.gammaincc(*_y("gamma.sf", x, a, loc, scale))


def logsf(x, a, loc=0, scale=1):
    """log P(X > x).

    >>> round(float(logsf(2.0, 3.0)), 6)
    -0.390562
    """
    a, y = _y("gamma.logsf", x, a, loc, scale)
    return log_of_either(special.gammaincc(a, y), special.gammainc(a, y))
