"""The Poisson distribution with mean mu, as jax.scipy.stats.poisson.

>>> from numbax.scipy.stats import poisson
>>> round(float(poisson.pmf(2, 2.0)), 6)
0.270671
"""
from __future__ import annotations

import numpy as np

from ... import numpy as xnp
from .. import special
from .common import promote_inexact

__all__ = ["logpmf", "pmf", "cdf"]


def logpmf(k, mu, loc=0):
    """k log(mu) - gammaln(k + 1) - mu at k - loc = 0, 1, 2, ...; -inf at other k.

    >>> round(float(logpmf(0, 1.5)), 6)
    -1.5
    """
    k, mu, loc = promote_inexact("poisson.logpmf", k, mu, loc)
    x = k - loc
    off = (x < 0) | ((x != xnp.round(x)) & ~xnp.isnan(x))  # nan stays nan
    x = xnp.where(off, 0, x)
    log_probs = special.xlogy(x, mu) - special.gammaln(x + 1) - mu
    return xnp.where(off, -np.inf, log_probs)


def pmf(k, mu, loc=0):
    """The probability exp(logpmf).

    >>> float(pmf(1.5, 2.0))
    0.0
    """
    return xnp.exp(logpmf(k, mu, loc))


def cdf(k, mu, loc=0):
    """P(X <= k) = gammaincc(floor(k - loc) + 1, mu); 0 below loc.

    >>> round(float(cdf(2, 2.0)), 6)
    0.676676
    """
    k, mu, loc = promote_inexact("poisson.cdf", k, mu, loc)
    x = k - loc
    below = x < 0
    p = special.gammaincc(xnp.floor(xnp.where(below, 0, x)) + 1, mu)
    return xnp.where(below, 0, p)
