"""The wrapped Cauchy distribution on [0, 2 pi] with shape c in (0, 1), as
jax.scipy.stats.wrapcauchy.

>>> from numbax.scipy.stats import wrapcauchy
>>> round(float(wrapcauchy.pdf(0.0, 0.5)), 6)
0.477465
"""
from __future__ import annotations

import math

import numpy as np

from ... import numpy as xnp
from .common import nan_if_nan, promote_inexact

__all__ = ["logpdf", "pdf"]


def logpdf(x, c):
    """log((1 - c**2) / (2 pi (1 + c**2 - 2 c cos(x)))) on [0, 2 pi]; -inf outside, nan
    unless 0 < c < 1.

    >>> round(float(logpdf(math.pi, 0.5)), 6)
    -2.936489
    """
    x, c = promote_inexact("wrapcauchy.logpdf", x, c)
    log_probs = (xnp.log1p(-c * c) - math.log(2 * math.pi)
                 - xnp.log1p(c * c - 2 * c * xnp.cos(x)))
    out = xnp.where((x < 0) | (x > 2 * math.pi), -np.inf, log_probs)
    return nan_if_nan(xnp.where((c <= 0) | (c >= 1), np.nan, out), c)


def pdf(x, c):
    """The density exp(logpdf).

    >>> float(pdf(-1.0, 0.5))
    0.0
    """
    return xnp.exp(logpdf(x, c))
