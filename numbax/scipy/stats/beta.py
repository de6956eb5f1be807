"""The beta distribution on [loc, loc + scale], as jax.scipy.stats.beta.

>>> from numbax.scipy.stats import beta
>>> round(float(beta.cdf(0.5, 2.0, 2.0)), 6)
0.5
"""
from __future__ import annotations

import numpy as np

from ... import numpy as xnp
from .. import special
from .common import log_of_either, promote_inexact, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def logpdf(x, a, b, loc=0, scale=1):
    """(a - 1) log(y) + (b - 1) log(1 - y) - betaln(a, b) - log(scale), y = (x - loc) / scale
    in [0, 1]; -inf outside, nan unless a, b and scale are positive.

    >>> round(float(logpdf(0.5, 2.0, 2.0)), 6)
    0.405465
    """
    x, a, b, loc, scale = promote_inexact("beta.logpdf", x, a, b, loc, scale)
    y = standardize(x, loc, scale)
    out = (y < 0) | (y > 1)
    y = xnp.where(out, 0.5, y)  # keeps the unused branch's derivative finite
    log_probs = (special.xlogy(a - 1, y) + special.xlog1py(b - 1, -y) - special.betaln(a, b)
                 - xnp.log(scale))
    result = xnp.where(out, -np.inf, log_probs)
    invalid = (a <= 0) | (b <= 0) | (scale <= 0) | xnp.isnan(x)
    return xnp.where(invalid, np.nan, result)


def pdf(x, a, b, loc=0, scale=1):
    """The density exp(logpdf).

    >>> float(pdf(0.5, 2.0, 2.0))
    1.5
    """
    return xnp.exp(logpdf(x, a, b, loc, scale))


def _y(fname: str, x, a, b, loc, scale):
    x, a, b, loc, scale = promote_inexact(fname, x, a, b, loc, scale)
    return a, b, xnp.clip(standardize(x, loc, scale), 0, 1)


def cdf(x, a, b, loc=0, scale=1):
    """P(X <= x): the regularized incomplete beta function betainc(a, b, y).

    >>> round(float(cdf(0.25, 2.0, 3.0)), 6)
    0.261719
    """
    return special.betainc(*_y("beta.cdf", x, a, b, loc, scale))


def logcdf(x, a, b, loc=0, scale=1):
    """log P(X <= x).

    >>> round(float(logcdf(0.25, 2.0, 3.0)), 6)
    -1.340485
    """
    a, b, y = _y("beta.logcdf", x, a, b, loc, scale)
    return log_of_either(special.betainc(a, b, y), special.betainc(b, a, 1 - y))


def sf(x, a, b, loc=0, scale=1):
    """P(X > x) = betainc(b, a, 1 - y).

    >>> round(float(sf(0.25, 2.0, 3.0)), 6)
    0.738281
    """
    a, b, y = _y("beta.sf", x, a, b, loc, scale)
    return special.betainc(b, a, 1 - y)


def logsf(x, a, b, loc=0, scale=1):
    """log P(X > x).

    >>> round(float(logsf(0.25, 2.0, 3.0)), 6)
    -0.30343
    """
    a, b, y = _y("beta.logsf", x, a, b, loc, scale)
    return log_of_either(special.betainc(b, a, 1 - y), special.betainc(a, b, y))
