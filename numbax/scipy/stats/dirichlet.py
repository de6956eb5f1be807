"""The Dirichlet distribution on the probability simplex, as jax.scipy.stats.dirichlet.
The categories run along x's first axis (as in SciPy and JAX).

>>> import numpy as np
>>> from numbax.scipy.stats import dirichlet
>>> float(dirichlet.pdf(np.array([0.2, 0.8]), np.ones(2)))
1.0
"""
from __future__ import annotations

import numpy as np

from ... import numpy as xnp
from .. import special
from .common import promote_dtypes_inexact

__all__ = ["logpdf", "pdf"]


def logpdf(x, alpha):
    """sum((alpha - 1) log(x)) - sum(gammaln(alpha)) + gammaln(sum(alpha)) for x (k, ...)
    on the simplex (positive entries summing to 1 within 1e-6), -inf off it. x may leave out
    the last of the k = alpha.shape[0] categories (it is then 1 - sum(x)).

    >>> import numpy as np
    >>> round(float(logpdf(np.array([0.5, 0.5]), np.array([2.0, 2.0]))), 6)
    0.405465
    """
    x, alpha = promote_dtypes_inexact("dirichlet.logpdf", x, alpha)
    if alpha.ndim != 1:
        raise ValueError(f"dirichlet.logpdf: alpha must be one-dimensional, got shape "
                         f"{alpha.shape}")
    k = alpha.shape[0]
    if x.ndim < 1 or x.shape[0] not in (k, k - 1):
        raise ValueError(f"dirichlet.logpdf: x must have {k} or {k - 1} entries along its "
                         f"first axis to match alpha's {alpha.shape}, got shape {x.shape}")
    if x.shape[0] == k - 1:
        x = xnp.concatenate([x, 1 - xnp.sum(x, axis=0, keepdims=True)], axis=0)
    alpha_b = xnp.reshape(alpha, (k,) + (1,) * (x.ndim - 1))
    simplex = xnp.all(x > 0, axis=0) & (xnp.abs(xnp.sum(x, axis=0) - 1) < 1e-6)
    safe = xnp.where(simplex, x, 1 / k)  # keeps the unused branch's derivative finite
    normalizer = xnp.sum(special.gammaln(alpha)) - special.gammaln(xnp.sum(alpha))
    log_probs = xnp.sum(special.xlogy(alpha_b - 1, safe), axis=0) - normalizer
    return xnp.where(simplex, log_probs, -np.inf)


def pdf(x, alpha):
    """The density exp(logpdf).

    >>> import numpy as np
    >>> float(pdf(np.array([1.5, -0.5]), np.ones(2)))
    0.0
    """
    return xnp.exp(logpdf(x, alpha))
