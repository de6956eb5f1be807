"""Window functions for signal processing: bartlett, blackman, hamming, hanning and kaiser.

The length M is static (it is the output's shape), so all but kaiser are constants;
kaiser's beta may be traced and differentiated.

>>> import numbax.numpy as xnp
>>> xnp.bartlett(5)
array([0. , 0.5, 1. , 0.5, 0. ])
"""
from __future__ import annotations

import operator

import numpy as np

from .arguments import check_static
from .creation import asarray
from .elementwise import divide, i0, multiply

__all__ = [
    "bartlett", "blackman", "hamming", "hanning", "kaiser",
]


def _length(M, fname: str) -> int:
    check_static(M, fname, "M")
    try:
        return operator.index(M)
    except TypeError:
        raise TypeError(f"{fname}: M must be an int, got {type(M).__name__}") from None


def _cosine_window(M, fname: str, terms: tuple[float, ...]):
    """sum_k terms[k] * cos(k pi n / (M - 1)) over n = 1-M, 3-M, ..., M-1 (the symmetric
    window centred on 0), as NumPy computes it."""
    m = _length(M, fname)
    if m < 1:
        return np.zeros(0)
    if m == 1:
        return np.ones(1)
    n = np.arange(1 - m, m, 2)
    out = terms[0] + terms[1] * np.cos(np.pi * n / (m - 1))
    if len(terms) > 2:
        out = out + terms[2] * np.cos(2.0 * np.pi * n / (m - 1))
    return out


def hanning(M: int):
    """The Hann window of M points, as numpy.hanning.

    >>> import numbax.numpy as xnp
    >>> xnp.hanning(3)
    array([0., 1., 0.])
    """
    return _cosine_window(M, "hanning", (0.5, 0.5))


def hamming(M: int):
    """The Hamming window of M points, as numpy.hamming.

    >>> import numbax.numpy as xnp
    >>> xnp.hamming(3)
    array([0.08, 1.  , 0.08])
    """
    return _cosine_window(M, "hamming", (0.54, 0.46))


def blackman(M: int):
    """The Blackman window of M points, as numpy.blackman.

    >>> import numbax.numpy as xnp
    >>> xnp.blackman(3).round(6)
    array([-0.,  1., -0.])
    """
    return _cosine_window(M, "blackman", (0.42, 0.5, 0.08))


def bartlett(M: int):
    """The Bartlett (triangular) window of M points, as numpy.bartlett.

    >>> import numbax.numpy as xnp
    >>> xnp.bartlett(5)
    array([0. , 0.5, 1. , 0.5, 0. ])
    """
    m = _length(M, "bartlett")
    if m < 1:
        return np.zeros(0)
    if m == 1:
        return np.ones(1)
    n = np.arange(1 - m, m, 2)
    return np.where(n <= 0, 1 + n / (m - 1), 1 - n / (m - 1))


def kaiser(M: int, beta):
    """The Kaiser window of M points with shape parameter beta (which may be traced), as
    numpy.kaiser: i0(beta sqrt(1 - ((n - alpha) / alpha)**2)) / i0(beta).

    >>> import numbax.numpy as xnp
    >>> xnp.kaiser(3, 0.0)
    array([1., 1., 1.])
    """
    m = _length(M, "kaiser")
    beta = asarray(beta)
    if beta.ndim:
        raise ValueError(f"kaiser: beta must be a scalar, got shape {beta.shape}")
    if m < 1:
        return np.zeros(0)
    if m == 1:
        return np.ones(1)
    alpha = (m - 1) / 2.0
    radius = np.sqrt(1 - ((np.arange(m) - alpha) / alpha) ** 2.0)
    return divide(i0(multiply(beta, radius)), i0(beta))
