"""The von Mises distribution on the circle with concentration kappa, as
jax.scipy.stats.vonmises.

>>> from numbax.scipy.stats import vonmises
>>> round(float(vonmises.pdf(0.0, 0.0)), 6)
0.159155
"""
from __future__ import annotations

import math

import numpy as np

from ... import numpy as xnp
from .. import special
from .common import promote_inexact

__all__ = ["logpdf", "pdf"]


def logpdf(x, kappa):
    """kappa (cos(x) - 1) - log(2 pi i0e(kappa)) (i0e keeps large kappa finite), periodic
    in x as SciPy's; nan for negative kappa.

    >>> round(float(logpdf(0.0, 1.0)), 6)
    -1.073791
    """
    x, kappa = promote_inexact("vonmises.logpdf", x, kappa)
    log_probs = kappa * (xnp.cos(x) - 1) - math.log(2 * math.pi) - xnp.log(special.i0e(kappa))
    return xnp.where(kappa < 0, np.nan, log_probs)


def pdf(x, kappa):
    """The density exp(logpdf).

    >>> round(float(pdf(2 * math.pi, 1.0)), 6)
    0.34171
    """
    return xnp.exp(logpdf(x, kappa))
