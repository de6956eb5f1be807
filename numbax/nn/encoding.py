"""one_hot: integer class labels as indicator vectors.

>>> one_hot([0, 2], 3)
array([[1., 0., 0.],
       [0., 0., 1.]])
"""
from __future__ import annotations

import operator

import numpy as np

from .. import numpy as xnp
from ..numpy.arguments import check_static, promote

__all__ = ["one_hot"]


def one_hot(x, num_classes: int, *, dtype=None, axis: int = -1):
    """x (integers) as indicator vectors of length num_classes along a new axis `axis`.

    An index outside [0, num_classes) gives a row of zeros, as in JAX. dtype defaults to
    float64 (numbax's float).

    >>> one_hot([1, 5], 3, dtype=int, axis=0)
    array([[0, 0],
           [1, 0],
           [0, 0]])
    """
    (x,) = promote("one_hot", x)
    if x.dtype.kind not in "iub":
        raise TypeError(f"one_hot: x must hold integer class indices, got {x.dtype}")
    num_classes = check_static(num_classes, "one_hot", "num_classes")
    try:
        num_classes = operator.index(num_classes)
    except TypeError:
        raise TypeError(f"one_hot: num_classes must be an int, got {num_classes!r}") from None
    if num_classes < 0:
        raise ValueError(f"one_hot: num_classes must be >= 0, got {num_classes}")
    axis = operator.index(check_static(axis, "one_hot", "axis"))
    if not -(x.ndim + 1) <= axis <= x.ndim:
        raise ValueError(f"one_hot: axis {axis} is out of bounds for an output of rank "
                         f"{x.ndim + 1}")
    axis %= x.ndim + 1
    shape = [1] * x.ndim
    shape.insert(axis, num_classes)
    classes = xnp.reshape(xnp.arange(num_classes), shape)
    labels = xnp.expand_dims(xnp.astype(x, np.int64) if x.dtype.kind == "b" else x, axis)
    return xnp.astype(labels == classes, np.dtype(np.float64 if dtype is None else dtype))
