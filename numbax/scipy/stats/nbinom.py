"""The negative binomial distribution: failures before the n-th success of probability
p, as jax.scipy.stats.nbinom.

>>> from numbax.scipy.stats import nbinom
>>> float(nbinom.pmf(0, 2, 0.5))
0.25
"""
from __future__ import annotations

import numpy as np

from ... import numpy as xnp
from .. import special
from .common import promote_inexact

__all__ = ["logpmf", "pmf"]


def logpmf(k, n, p, loc=0):
    """gammaln(y + n) - gammaln(n) - gammaln(y + 1) + n log(p) + y log(1 - p) at
    y = k - loc in {0, 1, ...}; -inf at other k.

    >>> round(float(logpmf(1, 2, 0.5)), 6)
    -1.386294
    """
    k, n, p, loc = promote_inexact("nbinom.logpmf", k, n, p, loc)
    y = k - loc
    off = (y < 0) | ((y != xnp.round(y)) & ~xnp.isnan(y))  # nan stays nan
    y = xnp.where(off, 0, y)
    comb = special.gammaln(y + n) - special.gammaln(n) - special.gammaln(y + 1)
    log_probs = comb + special.xlogy(n, p) + special.xlog1py(y, -p)
    return xnp.where(off, -np.inf, log_probs)


def pmf(k, n, p, loc=0):
    """The probability exp(logpmf).

    >>> float(pmf(-1, 2, 0.5))
    0.0
    """
    return xnp.exp(logpmf(k, n, p, loc))
