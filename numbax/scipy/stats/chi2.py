"""The chi-square distribution with df degrees of freedom (a gamma distribution with shape
df / 2 and scale 2), as jax.scipy.stats.chi2.

>>> from numbax.scipy.stats import chi2
>>> round(float(chi2.cdf(2.0, 2.0)), 6)
0.632121
"""
from __future__ import annotations

from . import gamma
from .common import promote_inexact

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def _as_gamma(fname: str, x, df, loc, scale):
    x, df, loc, scale = promote_inexact(fname, x, df, loc, scale)
    return x, df / 2, loc, scale * 2


def logpdf(x, df, loc=0, scale=1):
    """gamma.logpdf(x, df / 2, loc, 2 scale).

    >>> round(float(logpdf(1.0, 3.0)), 6)
    -1.418939
    """
    return gamma.logpdf(*_as_gamma("chi2.logpdf", x, df, loc, scale))


def pdf(x, df, loc=0, scale=1):
    """The density.

    >>> round(float(pdf(1.0, 3.0)), 6)
    0.241971
    """
    return gamma.pdf(*_as_gamma("chi2.pdf", x, df, loc, scale))


def cdf(x, df, loc=0, scale=1):
    """P(X <= x).

    >>> round(float(cdf(1.0, 1.0)), 6)
    0.682689
    """
    return gamma.cdf(*_as_gamma("chi2.cdf", x, df, loc, scale))


def logcdf(x, df, loc=0, scale=1):
    """log P(X <= x).

    >>> round(float(logcdf(1.0, 1.0)), 6)
    -0.381715
    """
    return gamma.logcdf(*_as_gamma("chi2.logcdf", x, df, loc, scale))


def sf(x, df, loc=0, scale=1):
    """P(X > x).

    >>> round(float(sf(1.0, 1.0)), 6)
    0.317311
    """
    return gamma.sf(*_as_gamma("chi2.sf", x, df, loc, scale))


def logsf(x, df, loc=0, scale=1):
    """log P(X > x).

    >>> round(float(logsf(1.0, 1.0)), 6)
    -1.147874
    """
    return gamma.logsf(*_as_gamma("chi2.logsf", x, df, loc, scale))
