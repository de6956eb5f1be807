"""The Bernoulli distribution with success probability p, as jax.scipy.stats.bernoulli.

>>> from numbax.scipy.stats import bernoulli
>>> float(bernoulli.pmf(1, 0.3))
0.3
"""
from __future__ import annotations

import numpy as np

from ... import numpy as xnp
from .. import special
from .common import promote_inexact

__all__ = ["logpmf", "pmf", "cdf", "ppf"]


def logpmf(k, p, loc=0):
    """k log(p) + (1 - k) log(1 - p) at k - loc in {0, 1}; -inf at other k.

    >>> round(float(logpmf(0, 0.25)), 6)
    -0.287682
    """
    k, p, loc = promote_inexact("bernoulli.logpmf", k, p, loc)
    x = k - loc
    off = (x != 0) & (x != 1) & ~xnp.isnan(x)
    log_probs = special.xlogy(x, p) + special.xlog1py(1 - x, -p)
    return xnp.where(off, -np.inf, log_probs)


def pmf(k, p, loc=0):
    """The probability exp(logpmf).

    >>> float(pmf(2, 0.5))
    0.0
    """
    return xnp.exp(logpmf(k, p, loc))


def _invalid(p):
    return xnp.isnan(p) | (p < 0) | (p > 1)


def cdf(k, p):
    """P(X <= k): 0 below 0, 1 - p on [0, 1), 1 from 1 on; nan for nan k or p outside
    [0, 1].

    >>> float(cdf(0.5, 0.25))
    0.75
    """
    k, p = promote_inexact("bernoulli.cdf", k, p)
    return xnp.select([_invalid(p) | xnp.isnan(k), k < 0, k < 1], [np.nan, 0, 1 - p], 1)


def ppf(q, p):
    """The quantile function: 0 for q <= 1 - p, else 1; nan for q or p outside [0, 1].

    >>> float(ppf(0.9, 0.25))
    1.0
    """
    q, p = promote_inexact("bernoulli.ppf", q, p)
    invalid = _invalid(p) | xnp.isnan(q) | (q < 0) | (q > 1)
    return xnp.select([invalid, q <= 1 - p], [np.nan, 0], 1)
