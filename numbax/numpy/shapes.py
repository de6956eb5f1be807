"""Shape manipulation: broadcast_to, broadcast_arrays, reshape, ravel, transpose, swapaxes,
moveaxis, expand_dims, squeeze, concatenate and stack."""
from __future__ import annotations

import builtins
import math
from collections.abc import Sequence

import numpy as np

from .. import lax
from ..core.avals import broadcast_shapes, canonical_axes, canonical_axis
from .arguments import cast
from .creation import asarray

__all__ = [
    "broadcast_arrays", "broadcast_to", "concatenate", "expand_dims", "moveaxis", "ravel",
    "reshape", "squeeze", "stack", "swapaxes", "transpose",
]


def _broadcast_to(x, shape):
    if x.shape == tuple(shape):
        return x
    return lax.broadcast_in_dim(x, shape, tuple(range(len(shape) - x.ndim, len(shape))))


def broadcast_to(array, shape):
    """Broadcast an array to a new shape, as numpy.broadcast_to."""
    array = asarray(array)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if broadcast_shapes("broadcast_to", array.shape, shape) != shape:
        raise ValueError(f"broadcast_to: cannot broadcast shape {array.shape} to {shape}")
    return _broadcast_to(array, shape)


def broadcast_arrays(*args):
    args = [asarray(a) for a in args]
    shape = broadcast_shapes("broadcast_arrays", *(a.shape for a in args))
    return [_broadcast_to(a, shape) for a in args]


def reshape(a, newshape, order: str = "C"):
    """Reshape (one dimension may be -1), as numpy.reshape; only C order."""
    if order != "C":
        raise NotImplementedError("reshape supports only order='C'")
    a = asarray(a)
    newshape = (newshape,) if isinstance(newshape, int | np.integer) else tuple(newshape)
    if newshape.count(-1) == 1:
        known = math.prod(d for d in newshape if d != -1)
        if known == 0 or a.size % known:
            raise ValueError(f"cannot reshape an array of shape {a.shape} into shape {newshape}")
        newshape = tuple(a.size // known if d == -1 else d for d in newshape)
    return a if newshape == a.shape else lax.reshape(a, newshape)


def ravel(a):
    """The array flattened to one dimension."""
    return reshape(a, (-1,))


def transpose(a, axes=None):
    """Permute the axes (reverse them by default), as numpy.transpose."""
    a = asarray(a)
    if axes is None:
        axes = tuple(reversed(range(a.ndim)))
    axes = tuple(canonical_axis(ax, a.ndim, "transpose") for ax in axes)
    if sorted(axes) != list(range(a.ndim)):
        raise ValueError(f"transpose: axes {axes} do not match an array of rank {a.ndim}")
    return a if axes == tuple(range(a.ndim)) else lax.transpose(a, axes)


def swapaxes(a, axis1: int, axis2: int):
    """Interchange two axes."""
    a = asarray(a)
    perm = list(range(a.ndim))
    i, j = canonical_axis(axis1, a.ndim, "swapaxes"), canonical_axis(axis2, a.ndim, "swapaxes")
    perm[i], perm[j] = perm[j], perm[i]
    return transpose(a, perm)


def moveaxis(a, source, destination):
    """Move axes to new positions, as numpy.moveaxis."""
    a = asarray(a)
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [canonical_axis(s, a.ndim, "moveaxis") for s in src]
    dst = [canonical_axis(d, a.ndim, "moveaxis") for d in dst]
    perm = [i for i in range(a.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return transpose(a, perm)


def expand_dims(a, axis):
    """Insert size-1 axes at the given positions of the result."""
    a = asarray(a)
    axes = canonical_axes(axis, a.ndim + (1 if isinstance(axis, int) else len(axis)),
                          "expand_dims")
    return lax.expand_dims(a, axes)


def squeeze(a, axis=None):
    """Remove size-1 axes (all of them by default)."""
    a = asarray(a)
    if axis is None:
        axes = tuple(i for i, d in enumerate(a.shape) if d == 1)
    else:
        axes = canonical_axes(axis, a.ndim, "squeeze")
    return lax.squeeze(a, axes) if axes else a


def concatenate(arrays: Sequence, axis: int | None = 0):
    """Join arrays along an existing axis (flattened first when axis is None)."""
    arrays = [asarray(a) for a in arrays]
    if not arrays:
        raise ValueError("concatenate needs at least one array")
    if axis is None:
        arrays, axis = [ravel(a) for a in arrays], 0
    if builtins.any(a.ndim == 0 for a in arrays):
        raise ValueError("concatenate: zero-dimensional arrays cannot be concatenated")
    axis = canonical_axis(axis, arrays[0].ndim, "concatenate")
    if builtins.any(a.ndim != arrays[0].ndim for a in arrays):
        raise ValueError("concatenate: all arrays must have the same number of dimensions, got "
                         f"shapes {[a.shape for a in arrays]}")
    dt = np.result_type(*(a.dtype for a in arrays))
    arrays = [cast(a, dt) for a in arrays]
    return arrays[0] if len(arrays) == 1 else lax.concatenate(arrays, axis)


def stack(arrays: Sequence, axis: int = 0):
    """Join arrays along a new axis."""
    arrays = [asarray(a) for a in arrays]
    if not arrays:
        raise ValueError("stack needs at least one array")
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"stack: all input arrays must have the same shape, got {sorted(shapes)}")
    axis = canonical_axis(axis, arrays[0].ndim + 1, "stack")
    return concatenate([lax.expand_dims(a, (axis,)) for a in arrays], axis)
