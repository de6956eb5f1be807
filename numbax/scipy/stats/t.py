"""Student's t distribution with df degrees of freedom, as jax.scipy.stats.t.

>>> from numbax.scipy.stats import t
>>> round(float(t.pdf(0.0, 1.0)), 6)
0.31831
"""
from __future__ import annotations

import math

from ... import numpy as xnp
from .. import special
from .common import promote_inexact, standardize

__all__ = ["logpdf", "pdf"]


def logpdf(x, df, loc=0, scale=1):
    """gammaln((df + 1) / 2) - gammaln(df / 2) - log(pi df) / 2 - log(scale)
    - (df + 1) / 2 log1p(z**2 / df), z = (x - loc) / scale.

    >>> round(float(logpdf(0.0, 1.0)), 6)
    -1.14473
    """
    x, df, loc, scale = promote_inexact("t.logpdf", x, df, loc, scale)
    z = standardize(x, loc, scale)
    half_df = df / 2
    normalizer = (special.gammaln(half_df) - special.gammaln(half_df + 0.5)
                  + 0.5 * (xnp.log(df) + math.log(math.pi)) + xnp.log(scale))
    return -normalizer - (half_df + 0.5) * xnp.log1p(z * z / df)


def pdf(x, df, loc=0, scale=1):
    """The density exp(logpdf).

    >>> round(float(pdf(1.0, 1.0)), 6)
    0.159155
    """
    return xnp.exp(logpdf(x, df, loc, scale))
