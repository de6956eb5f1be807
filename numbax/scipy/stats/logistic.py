"""The logistic distribution, as jax.scipy.stats.logistic.

>>> from numbax.scipy.stats import logistic
>>> float(logistic.cdf(0.0))
0.5
"""
from __future__ import annotations

import numpy as np

from ... import nn
from ... import numpy as xnp
from .common import promote_inexact, standardize

__all__ = ["logpdf", "pdf", "cdf", "sf", "isf", "ppf"]


def logpdf(x, loc=0, scale=1):
    """log(sigmoid(z) sigmoid(-z) / scale), z = (x - loc) / scale, stable for large |z|.

    >>> round(float(logpdf(0.0)), 6)
    -1.386294
    """
    x, loc, scale = promote_inexact("logistic.logpdf", x, loc, scale)
    z = standardize(x, loc, scale)
    return nn.log_sigmoid(z) + nn.log_sigmoid(-z) - xnp.log(scale)


def pdf(x, loc=0, scale=1):
    """The density exp(logpdf).

    >>> float(pdf(0.0))
    0.25
    """
    return xnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """P(X <= x) = sigmoid(z).

    >>> round(float(cdf(1.0)), 6)
    0.731059
    """
    x, loc, scale = promote_inexact("logistic.cdf", x, loc, scale)
    return nn.sigmoid(standardize(x, loc, scale))


def sf(x, loc=0, scale=1):
    """P(X > x) = sigmoid(-z).

    >>> round(float(sf(1.0)), 6)
    0.268941
    """
    x, loc, scale = promote_inexact("logistic.sf", x, loc, scale)
    return nn.sigmoid(-standardize(x, loc, scale))


def _logit(q):
    """log(q / (1 - q)), nan outside [0, 1]."""
    q = xnp.where((q < 0) | (q > 1), np.nan, q)
    return xnp.log(q) - xnp.log1p(-q)


def ppf(q, loc=0, scale=1):
    """The quantile function loc + scale logit(q).

    >>> round(float(ppf(0.75)), 6)
    1.098612
    """
    q, loc, scale = promote_inexact("logistic.ppf", q, loc, scale)
    return loc + scale * _logit(q)


def isf(q, loc=0, scale=1):
    """The inverse of sf: loc - scale logit(q).

    >>> round(float(isf(0.25)), 6)
    1.098612
    """
    q, loc, scale = promote_inexact("logistic.isf", q, loc, scale)
    return loc - scale * _logit(q)
