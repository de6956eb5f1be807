"""The generalized normal distribution with density proportional to exp(-|x|**beta), as
jax.scipy.stats.gennorm.

>>> from numbax.scipy.stats import gennorm
>>> float(gennorm.cdf(0.0, 1.5))
0.5
"""
from __future__ import annotations

import math

from ... import numpy as xnp
from .. import special
from .common import promote_inexact

__all__ = ["logpdf", "pdf", "cdf"]


def logpdf(x, beta):
    """log(beta / 2) - gammaln(1 / beta) - |x|**beta.

    >>> round(float(logpdf(0.0, 2.0)), 6)
    -0.572365
    """
    x, beta = promote_inexact("gennorm.logpdf", x, beta)
    return xnp.log(beta) - math.log(2) - special.gammaln(1 / beta) - xnp.abs(x) ** beta


def pdf(x, beta):
    """The density exp(logpdf).

    >>> round(float(pdf(0.0, 1.0)), 6)
    0.5
    """
    return xnp.exp(logpdf(x, beta))


def cdf(x, beta):
    """P(X <= x): gammaincc(1 / beta, |x|**beta) / 2 below 0 and one minus that above,
    which keeps the lower tail's digits.

    >>> round(float(cdf(1.0, 1.0)), 6)
    0.81606
    """
    x, beta = promote_inexact("gennorm.cdf", x, beta)
    half_tail = 0.5 * special.gammaincc(1 / beta, xnp.abs(x) ** beta)
    return xnp.where(x <= 0, half_tail, 1 - half_tail)
