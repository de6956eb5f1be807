"""The Pareto distribution with shape b on [loc + scale, inf), as jax.scipy.stats.pareto.

>>> from numbax.scipy.stats import pareto
>>> float(pareto.pdf(1.0, 2.0))
2.0
"""
from __future__ import annotations

import numpy as np

from ... import numpy as xnp
from .common import nan_if_nan, promote_inexact, standardize

__all__ = ["logpdf", "pdf"]


def logpdf(x, b, loc=0, scale=1):
    """log(b / scale) - (b + 1) log(y), y = (x - loc) / scale >= 1; -inf below.

    >>> round(float(logpdf(2.0, 3.0)), 6)
    -1.673976
    """
    x, b, loc, scale = promote_inexact("pareto.logpdf", x, b, loc, scale)
    y = standardize(x, loc, scale)
    below = y < 1
    y = xnp.where(below, 1, y)  # keeps the unused branch's derivative finite
    log_probs = xnp.log(b) - xnp.log(scale) - (b + 1) * xnp.log(y)
    return nan_if_nan(xnp.where(below, -np.inf, log_probs), b, loc, scale)


def pdf(x, b, loc=0, scale=1):
    """The density exp(logpdf).

    >>> float(pdf(0.5, 3.0))
    0.0
    """
    return xnp.exp(logpdf(x, b, loc, scale))
