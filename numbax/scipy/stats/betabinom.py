"""The beta-binomial distribution: Binomial(n, P) counts with P ~ Beta(a, b), as
jax.scipy.stats.betabinom.

>>> from numbax.scipy.stats import betabinom
>>> round(float(betabinom.pmf(1, 2, 1.0, 1.0)), 6)
0.333333
"""
from __future__ import annotations

import numpy as np

from ... import numpy as xnp
from .. import special
from .common import promote_inexact

__all__ = ["logpmf", "pmf"]


def logpmf(k, n, a, b, loc=0):
    """log C(n, y) + betaln(y + a, n - y + b) - betaln(a, b), y = k - loc in {0, ..., n};
    -inf at other k.

    >>> round(float(logpmf(0, 2, 1.0, 1.0)), 6)
    -1.098612
    """
    k, n, a, b, loc = promote_inexact("betabinom.logpmf", k, n, a, b, loc)
    y = k - loc
    off = (y < 0) | (y > n) | ((y != xnp.round(y)) & ~xnp.isnan(y))  # nan stays nan
    y = xnp.where(off, 0, y)
    log_comb = -xnp.log1p(n) - special.betaln(n - y + 1, y + 1)
    log_probs = log_comb + special.betaln(y + a, n - y + b) - special.betaln(a, b)
    return xnp.where(off, -np.inf, log_probs)


def pmf(k, n, a, b, loc=0):
    """The probability exp(logpmf).

    >>> float(pmf(3, 2, 1.0, 1.0))
    0.0
    """
    return xnp.exp(logpmf(k, n, a, b, loc))
