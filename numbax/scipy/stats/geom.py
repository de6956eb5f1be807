"""The geometric distribution on {1, 2, ...} (trials up to the first success of
probability p), as jax.scipy.stats.geom.

>>> from numbax.scipy.stats import geom
>>> float(geom.pmf(2, 0.5))
0.25
"""
from __future__ import annotations

import numpy as np

from ... import numpy as xnp
from .. import special
from .common import promote_inexact

__all__ = ["logpmf", "pmf"]


def logpmf(k, p, loc=0):
    """(x - 1) log(1 - p) + log(p), x = k - loc in {1, 2, ...}; -inf at other k.

    >>> round(float(logpmf(1, 0.25)), 6)
    -1.386294
    """
    k, p, loc = promote_inexact("geom.logpmf", k, p, loc)
    x = k - loc
    off = (x < 1) | ((x != xnp.round(x)) & ~xnp.isnan(x))  # nan stays nan
    x = xnp.where(off, 1, x)
    return xnp.where(off, -np.inf, special.xlog1py(x - 1, -p) + xnp.log(p))


def pmf(k, p, loc=0):
    """The probability exp(logpmf).

    >>> float(pmf(0, 0.5))
    0.0
    """
    return xnp.exp(logpmf(k, p, loc))
