"""The Laplace (double exponential) distribution, as jax.scipy.stats.laplace.

>>> from numbax.scipy.stats import laplace
>>> float(laplace.cdf(0.0))
0.5
"""
from __future__ import annotations

import math

from ... import numpy as xnp
from .common import promote_inexact, standardize

__all__ = ["logpdf", "pdf", "cdf"]


def logpdf(x, loc=0, scale=1):
    """-|x - loc| / scale - log(2 scale). Its derivative in x at x = loc is 0 (the
    subgradient numbax's abs takes there).

    >>> round(float(logpdf(0.0)), 6)
    -0.693147
    """
    x, loc, scale = promote_inexact("laplace.logpdf", x, loc, scale)
    return -xnp.abs(standardize(x, loc, scale)) - xnp.log(scale) - math.log(2)


def pdf(x, loc=0, scale=1):
    """The density exp(logpdf).

    >>> float(pdf(0.0))
    0.5
    """
    return xnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """P(X <= x): exp(z) / 2 for z = (x - loc) / scale <= 0, 1 - exp(-z) / 2 above.

    >>> round(float(cdf(1.0)), 6)
    0.81606
    """
    x, loc, scale = promote_inexact("laplace.cdf", x, loc, scale)
    z = standardize(x, loc, scale)
    below = z <= 0
    # Each branch only sees the z it handles, so neither overflows into the other's gradient.
    return xnp.where(below, 0.5 * xnp.exp(xnp.where(below, z, 0)),
                     1 - 0.5 * xnp.exp(-xnp.where(below, 0, z)))
