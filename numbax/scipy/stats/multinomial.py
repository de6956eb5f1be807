"""The multinomial distribution of n trials over categories with probabilities p (the
last axis), as jax.scipy.stats.multinomial.

>>> import numpy as np
>>> from numbax.scipy.stats import multinomial
>>> float(multinomial.pmf(np.array([1.0, 1.0]), 2, np.array([0.5, 0.5])))
0.5
"""
from __future__ import annotations

import numpy as np

from ... import numpy as xnp
from .. import special
from .common import promote_dtypes_inexact

__all__ = ["logpmf", "pmf"]


def logpmf(x, n, p):
    """gammaln(n + 1) + sum(x log(p) - gammaln(x + 1)) over the last axis, for counts x
    (non-negative integers) summing to n; -inf otherwise.

    >>> import numpy as np
    >>> round(float(logpmf(np.array([2.0, 0.0]), 2, np.array([0.5, 0.5]))), 6)
    -1.386294
    """
    x, n, p = promote_dtypes_inexact("multinomial.logpmf", x, n, p)
    if x.ndim < 1 or p.ndim < 1:
        raise ValueError(f"multinomial.logpmf: x and p need a last axis of categories, got "
                         f"shapes {x.shape} and {p.shape}")
    counts = (x >= 0) & (x == xnp.round(x))
    valid = xnp.all(counts, axis=-1) & (xnp.sum(x, axis=-1) == n)
    x = xnp.where(counts, x, 0)
    log_probs = special.gammaln(n + 1) + xnp.sum(special.xlogy(x, p) - special.gammaln(x + 1),
                                                 axis=-1)
    return xnp.where(valid, log_probs, -np.inf)


def pmf(x, n, p):
    """The probability exp(logpmf).

    >>> import numpy as np
    >>> float(pmf(np.array([2.0, 1.0]), 2, np.array([0.5, 0.5])))
    0.0
    """
    return xnp.exp(logpmf(x, n, p))
