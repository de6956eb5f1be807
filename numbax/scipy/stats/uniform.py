"""The uniform distribution on [loc, loc + scale], as jax.scipy.stats.uniform.

>>> from numbax.scipy.stats import uniform
>>> float(uniform.pdf(0.5))
1.0
"""
from __future__ import annotations

import numpy as np

from ... import numpy as xnp
from .common import nan_if_nan, promote_inexact, standardize

__all__ = ["logpdf", "pdf", "cdf", "ppf"]


def logpdf(x, loc=0, scale=1):
    """-log(scale) on [loc, loc + scale], -inf outside, nan at nan x.

    >>> float(logpdf(2.0))
    -inf
    """
    x, loc, scale = promote_inexact("uniform.logpdf", x, loc, scale)
    out = xnp.where((x < loc) | (x > loc + scale), -np.inf, -xnp.log(scale))
    return nan_if_nan(out, x, loc, scale)


def pdf(x, loc=0, scale=1):
    """The density exp(logpdf).

    >>> float(pdf(0.25, 0.0, 2.0))
    0.5
    """
    return xnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """P(X <= x): (x - loc) / scale clipped to [0, 1].

    >>> float(cdf(0.25))
    0.25
    """
    x, loc, scale = promote_inexact("uniform.cdf", x, loc, scale)
    return xnp.clip(standardize(x, loc, scale), 0, 1)


def ppf(q, loc=0, scale=1):
    """The quantile function loc + q scale (nan outside [0, 1]).

    >>> float(ppf(0.5, 1.0, 2.0))
    2.0
    """
    q, loc, scale = promote_inexact("uniform.ppf", q, loc, scale)
    return xnp.where((q < 0) | (q > 1), np.nan, loc + q * scale)
