"""The normal distribution N(loc, scale**2) truncated to standardized bounds [a, b], as
jax.scipy.stats.truncnorm. Log masses are computed in the left tail (using the
symmetry of the normal), as SciPy does, so far tails keep their digits.

>>> from numbax.scipy.stats import truncnorm
>>> round(float(truncnorm.cdf(0.0, -1.0, 1.0)), 6)
0.5
"""
from __future__ import annotations

import numpy as np

from ... import numpy as xnp
from .. import special
from . import norm
from .common import promote_inexact, standardize

__all__ = ["logpdf", "pdf", "logcdf", "cdf", "logsf", "sf"]


def _log1mexp(v):
    """log(1 - exp(v)) for v <= 0: -inf at 0, without evaluating log1p(-1) (which would
    warn) there."""
    neg = ~(v >= 0)  # nan stays nan
    return xnp.where(neg, xnp.log1p(-xnp.exp(xnp.where(neg, v, -1.0))), -np.inf)


def _log_diff(x, y):
    """log(exp(x) - exp(y)) for x >= y."""
    return x + _log1mexp(y - x)


def _log_mass(a, b):
    """log P(a <= Z <= b) for a standard normal Z (a <= b)."""
    left, right = b <= 0, a > 0
    # Both tails are computed as left tails; each case sees only the bounds it handles.
    la, lb = xnp.where(left, a, xnp.where(right, -b, -1.0)), xnp.where(
        left, b, xnp.where(right, -a, 0.0))
    tail = _log_diff(special.log_ndtr(lb), special.log_ndtr(la))
    ca, cb = xnp.where(left | right, -1.0, a), xnp.where(left | right, 1.0, b)
    central = xnp.log1p(-special.ndtr(ca) - special.ndtr(-cb))
    return xnp.where(left | right, tail, central)


def logpdf(x, a, b, loc=0, scale=1):
    """norm.logpdf(x, loc, scale) - log P(a <= Z <= b) on the support; -inf outside, nan
    unless a < b.

    >>> round(float(logpdf(0.0, -1.0, 1.0)), 6)
    -0.537223
    """
    x, a, b, loc, scale = promote_inexact("truncnorm.logpdf", x, a, b, loc, scale)
    z = standardize(x, loc, scale)
    val = norm.logpdf(x, loc, scale) - _log_mass(a, b)
    val = xnp.where((z < a) | (z > b), -np.inf, val)
    return xnp.where(a >= b, np.nan, val)


def pdf(x, a, b, loc=0, scale=1):
    """The density exp(logpdf).

    >>> float(pdf(2.0, -1.0, 1.0))
    0.0
    """
    return xnp.exp(logpdf(x, a, b, loc, scale))


def _log_tails(fname: str, x, a, b, loc, scale):
    """(z, a, b, log cdf, log sf) with z clipped into [a, b]."""
    x, a, b, loc, scale = promote_inexact(fname, x, a, b, loc, scale)
    z = standardize(x, loc, scale)
    zc = xnp.clip(z, a, b)
    total = _log_mass(a, b)
    return z, a, b, _log_mass(a, zc) - total, _log_mass(zc, b) - total


def logcdf(x, a, b, loc=0, scale=1):
    """log P(X <= x): 0 above b, -inf below a, log1p(-sf) where the cdf is near 1.

    >>> round(float(logcdf(0.0, -1.0, 1.0)), 6)
    -0.693147
    """
    z, a, b, log_cdf, log_sf = _log_tails("truncnorm.logcdf", x, a, b, loc, scale)
    out = xnp.select([z >= b, z <= a, log_cdf > -0.1],
                     [0.0, -np.inf, _log1mexp(log_sf)], log_cdf)
    return xnp.where(a >= b, np.nan, out)


def cdf(x, a, b, loc=0, scale=1):
    """P(X <= x) = exp(logcdf).

    >>> round(float(cdf(0.5, 0.0, 1.0)), 6)
    0.560906
    """
    return xnp.exp(logcdf(x, a, b, loc, scale))


def logsf(x, a, b, loc=0, scale=1):
    """log P(X > x): -inf above b, 0 below a, log1p(-cdf) where the sf is near 1.

    >>> round(float(logsf(0.0, -1.0, 1.0)), 6)
    -0.693147
    """
    z, a, b, log_cdf, log_sf = _log_tails("truncnorm.logsf", x, a, b, loc, scale)
    out = xnp.select([z >= b, z <= a, log_sf > -0.1],
                     [-np.inf, 0.0, _log1mexp(log_cdf)], log_sf)
    return xnp.where(a >= b, np.nan, out)


def sf(x, a, b, loc=0, scale=1):
    """P(X > x) = exp(logsf).

    >>> round(float(sf(0.5, 0.0, 1.0)), 6)
    0.439094
    """
    return xnp.exp(logsf(x, a, b, loc, scale))
