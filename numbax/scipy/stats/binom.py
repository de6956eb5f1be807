"""The binomial distribution of n trials with success probability p, as
jax.scipy.stats.binom.

>>> from numbax.scipy.stats import binom
>>> round(float(binom.pmf(1, 2, 0.5)), 6)
0.5
"""
from __future__ import annotations

import numpy as np

from ... import numpy as xnp
from .. import special
from .common import promote_inexact

__all__ = ["logpmf", "pmf"]


def logpmf(k, n, p, loc=0):
    """log(n choose y) + y log(p) + (n - y) log(1 - p), y = k - loc in {0, ..., n}; -inf
    at other k.

    >>> round(float(logpmf(0, 3, 0.5)), 6)
    -2.079442
    """
    k, n, p, loc = promote_inexact("binom.logpmf", k, n, p, loc)
    y = k - loc
    off = (y < 0) | (y > n) | ((y != xnp.round(y)) & ~xnp.isnan(y))  # nan stays nan
    y = xnp.where(off, 0, y)
    comb = special.gammaln(n + 1) - special.gammaln(y + 1) - special.gammaln(n - y + 1)
    log_probs = comb + special.xlogy(y, p) + special.xlog1py(n - y, -p)
    return xnp.where(off, -np.inf, log_probs)


def pmf(k, n, p, loc=0):
    """The probability exp(logpmf).

    >>> float(pmf(4, 3, 0.5))
    0.0
    """
    return xnp.exp(logpmf(k, n, p, loc))
