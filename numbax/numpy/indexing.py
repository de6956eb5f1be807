"""Indexing: getitem (a Tracer's `x[idx]`) and the normalisation of its index."""
from __future__ import annotations

import builtins

import numpy as np

from .. import lax
from ..core.trace import Tracer
from .creation import asarray
from .elementwise import where

__all__ = [
    "getitem",
]


def _normalize_index(idx, ndim: int) -> tuple:
    idx = idx if isinstance(idx, tuple) else (idx,)
    n_real = builtins.sum(1 for i in idx if i is not None and i is not Ellipsis)
    if n_real > ndim:
        raise IndexError(f"too many indices: array of rank {ndim} indexed with {n_real}")
    if builtins.sum(1 for i in idx if i is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if not builtins.any(i is Ellipsis for i in idx):
        idx = idx + (Ellipsis,)
    pos = next(i for i, v in enumerate(idx) if v is Ellipsis)
    return idx[:pos] + (builtins.slice(None),) * (ndim - n_real) + idx[pos + 1:]


def _is_array_index(i) -> bool:
    return isinstance(i, Tracer) or (isinstance(i, np.ndarray | list) and np.ndim(i) >= 0
                                     and not isinstance(i, np.generic))


def getitem(x, idx):
    """Basic indexing (ints, slices with any step, None, ...) and one integer-array index.

    Out-of-range array indices are clamped as in JAX; static out-of-range ints raise.
    """
    x = asarray(x)
    idx = _normalize_index(idx, x.ndim)
    starts, limits, strides, reversed_dims, int_dims = [], [], [], [], []
    array_index = None
    dim = 0
    for entry in idx:
        if entry is None:
            continue
        n = x.shape[dim]
        if isinstance(entry, bool) or (isinstance(entry, Tracer | np.ndarray)
                                       and entry.dtype == np.bool_):
            raise IndexError("boolean mask indexing has a data-dependent shape and is not "
                             "supported; use numbax.numpy.where instead")
        if isinstance(entry, int | np.integer):
            i = int(entry) + n if entry < 0 else int(entry)
            if not 0 <= i < n:
                raise IndexError(f"index {int(entry)} is out of bounds for axis {dim} with size {n}")
            starts.append(i), limits.append(i + 1), strides.append(1), int_dims.append(dim)
        elif isinstance(entry, builtins.slice):
            start, stop, step = entry.indices(n)
            m = len(range(start, stop, step))
            if step < 0 and m:
                reversed_dims.append(dim)
                start, stop, step = start + (m - 1) * step, start + 1, -step
            lo = builtins.min(start, n) if m else 0
            starts.append(lo), limits.append(builtins.max(lo, stop) if m else 0)
            strides.append(step if m else 1)
        elif _is_array_index(entry):
            if array_index is not None:
                raise NotImplementedError("indexing with more than one integer array is not "
                                          "supported")
            array_index = (dim, entry)
            starts.append(0), limits.append(n), strides.append(1)
        else:
            raise TypeError(f"invalid index of type {type(entry).__name__}; expected int, "
                            "slice, None, Ellipsis or an integer array")
        dim += 1
    out = x
    if (tuple(starts), tuple(limits), tuple(strides)) != ((0,) * x.ndim, x.shape, (1,) * x.ndim):
        out = lax.slice(out, starts, limits, strides)
    for d in reversed_dims:
        m = out.shape[d]
        out = lax.gather(out, np.arange(m - 1, -1, -1), d)
    shift = 0
    if array_index is not None:
        d, index = array_index
        index = _normalize_array_index(index, x.shape[d])
        out = lax.gather(out, index, d)
        shift = index.ndim - 1
        int_dims = [i + shift if i > d else i for i in int_dims]
    if int_dims:
        out = lax.squeeze(out, int_dims)
    new_axes, pos, index_pos = [], 0, 0
    for entry in idx:
        if entry is None:
            new_axes.append(pos)
            pos += 1
        elif isinstance(entry, builtins.slice):
            pos += 1
        elif _is_array_index(entry):
            index_pos = pos
            pos += shift + 1
    out = lax.expand_dims(out, new_axes) if new_axes else out
    # NumPy: ints count as advanced indices next to an array index; when the advanced indices
    # are not adjacent, the dimensions of the index array go first in the result.
    advanced = [i for i, entry in enumerate(idx) if entry is not None and not isinstance(
        entry, builtins.slice)]
    if array_index is not None and advanced[-1] - advanced[0] + 1 != len(advanced) and index_pos:
        front = list(range(index_pos, index_pos + shift + 1))
        out = lax.transpose(out, front + [i for i in range(out.ndim) if i not in front])
    return out


def _normalize_array_index(index, n: int):
    if isinstance(index, Tracer):
        if index.dtype.kind not in "iu":
            raise IndexError(f"array index must have an integer dtype, got {index.aval.str_short()}")
        if index.dtype.kind == "u":
            return index
        return where(lax.lt(index, np.zeros((), index.dtype)),
                     index + np.asarray(n, index.dtype), index)
    # NumPy reads an empty list as an integer index (np.asarray would make it float64).
    index = np.asarray(index, np.int64 if isinstance(index, list) and not np.size(index) else None)
    if index.dtype.kind not in "iu":
        raise IndexError(f"array index must have an integer dtype, got {index.dtype}")
    return np.where(index < 0, index + n, index)
