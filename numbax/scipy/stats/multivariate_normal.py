"""The multivariate normal distribution N(mean, cov), as
jax.scipy.stats.multivariate_normal.

>>> import numpy as np
>>> from numbax.scipy.stats import multivariate_normal
>>> round(float(multivariate_normal.pdf(np.zeros(2), np.zeros(2), np.eye(2))), 6)
0.159155
"""
from __future__ import annotations

import math

from ... import numpy as xnp
from ...numpy import linalg as xla
from .. import linalg as sla
from .common import promote_dtypes_inexact

__all__ = ["logpdf", "pdf"]

_LOG_2PI = math.log(2 * math.pi)


def logpdf(x, mean, cov, allow_singular: None = None):
    """log of the density of N(mean, cov) at x (..., n), through the Cholesky factor of cov
    (..., n, n); a scalar cov is a multiple of the identity, and a scalar mean makes the
    distribution one-dimensional. Batch dimensions broadcast. A cov that is not positive
    definite gives nan.

    >>> import numpy as np
    >>> round(float(logpdf(np.zeros(2), np.zeros(2), np.eye(2))), 6)
    -1.837877
    """
    if allow_singular is not None:
        raise NotImplementedError("multivariate_normal.logpdf: allow_singular is not "
                                  "supported (as in JAX); pass None")
    x, mean, cov = promote_dtypes_inexact("multivariate_normal.logpdf", x, mean, cov)
    if not mean.shape:
        return -0.5 * xnp.square(x - mean) / cov - 0.5 * (_LOG_2PI + xnp.log(cov))
    n = mean.shape[-1]
    if x.shape[-1:] != (n,):
        raise ValueError(f"multivariate_normal.logpdf: x must have shape (..., {n}) to match "
                         f"mean's {mean.shape}, got {x.shape}")
    y = x - mean
    if not cov.shape:
        return (-0.5 * xnp.einsum("...i,...i->...", y, y) / cov
                - 0.5 * n * (_LOG_2PI + xnp.log(cov)))
    if cov.ndim < 2 or cov.shape[-2:] != (n, n):
        raise ValueError(f"multivariate_normal.logpdf: cov must have shape (..., {n}, {n}) "
                         f"to match mean's {mean.shape}, got {cov.shape}")
    factor = xla.cholesky(cov)
    batch = xnp.broadcast_shapes(y.shape[:-1], cov.shape[:-2])
    factor = xnp.broadcast_to(factor, (*batch, n, n))
    z = sla.solve_triangular(factor, xnp.broadcast_to(y, (*batch, n)), lower=True)
    log_det = xnp.sum(xnp.log(xnp.diagonal(factor, axis1=-2, axis2=-1)), axis=-1)
    return -0.5 * xnp.sum(z * z, axis=-1) - 0.5 * n * _LOG_2PI - log_det


def pdf(x, mean, cov, allow_singular: None = None):
    """The density of N(mean, cov) at x: exp(logpdf).

    >>> import numpy as np
    >>> round(float(pdf(np.ones(1), np.zeros(1), np.eye(1))), 6)
    0.241971
    """
    return xnp.exp(logpdf(x, mean, cov, allow_singular))
