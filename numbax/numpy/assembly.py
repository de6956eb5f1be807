"""Assembling arrays from parts and taking them apart: padding, triangles and diagonals,
block, meshgrid and index grids, insert/append/delete, trim_zeros, the *_indices helpers,
ravel_multi_index and unravel_index, fromfunction, and the mapped functions
apply_along_axis, apply_over_axes and vectorize.

Index arithmetic that only depends on shapes and static arguments is done in NumPy when the
function is called, so the traced program holds constants and gathers, not index math.

>>> import numpy as np
>>> pad(np.array([1, 2]), 1, mode="edge").tolist()
[1, 1, 2, 2]
"""
from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Sequence

import numpy as np

from .. import lax
from ..core.avals import broadcast_shapes, canonical_axis
from ..core.trace import ConcretizationError, Tracer
from .arguments import check_static
from .creation import asarray, astype
from .elementwise import where
from .reductions import max as _max
from .reductions import mean as _mean
from .reductions import min as _min
from .reductions import sum as _sum
from .shapes import broadcast_to, concatenate, expand_dims, moveaxis, ravel, reshape

__all__ = [
    "append", "apply_along_axis", "apply_over_axes", "block", "delete", "diag", "diag_indices",
    "diag_indices_from", "diagflat", "diagonal", "fill_diagonal", "fromfunction", "indices",
    "insert", "ix_", "mask_indices", "meshgrid", "pad", "ravel_multi_index", "trace", "tri",
    "tril", "tril_indices", "tril_indices_from", "trim_zeros", "triu", "triu_indices",
    "triu_indices_from", "unravel_index", "vectorize",
]


def _concrete(x, fname: str, what: str) -> np.ndarray:
    """x's value: a traced x must be concrete (under grad), not abstract (under jit or vmap)."""
    if isinstance(x, Tracer):
        value = x.to_concrete()
        if value is None:
            raise ConcretizationError(
                f"{fname}: {what} {x.aval.str_short()} is traced, but the output shape depends "
                "on its value; pass it as a static (NumPy or Python) value")
        return np.asarray(value)
    return np.asarray(x)


def _along(x, idx: np.ndarray, axis: int):
    """x gathered along axis at the static integer indices idx (skipped when the identity)."""
    if idx.shape == (x.shape[axis],) and np.array_equal(idx, np.arange(x.shape[axis])):
        return x
    return lax.gather(x, idx.astype(np.int64), axis)


# ---------------------------------------------------------------------------------------------
# Triangles and diagonals


def tri(N: int, M: int | None = None, k: int = 0, dtype=None):
    """An (N, M) array with ones at and below the k-th diagonal, zeros above.

    >>> tri(2, dtype=int).tolist()
    [[1, 0], [1, 1]]
    """
    return asarray(np.tri(N, M, k, dtype=np.float64 if dtype is None else dtype))


def _triangle(fname: str, m, k: int, lower: bool):
    m = asarray(m)
    if m.ndim < 2:
        raise ValueError(f"{fname} needs an array of rank at least 2, got shape {m.shape}")
    n_rows, n_cols = m.shape[-2:]
    k = int(check_static(k, fname, "k"))
    mask = np.tri(n_rows, n_cols, k if lower else k - 1, dtype=bool)
    return where(mask if lower else ~mask, m, np.zeros((), m.dtype))


def tril(m, k: int = 0):
    """m with the elements above the k-th diagonal zeroed (the last two axes are the matrix)."""
    return _triangle("tril", m, k, lower=True)


def triu(m, k: int = 0):
    """m with the elements below the k-th diagonal zeroed (the last two axes are the matrix)."""
    return _triangle("triu", m, k, lower=False)


def diagonal(a, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """The k-th diagonal of the matrices in the (axis1, axis2) planes, along a new last axis.

    >>> diagonal(np.arange(6).reshape(2, 3), 1).tolist()
    [1, 5]
    """
    a = asarray(a)
    if a.ndim < 2:
        raise ValueError(f"diagonal needs an array of rank at least 2, got shape {a.shape}")
    i, j = canonical_axis(axis1, a.ndim, "diagonal"), canonical_axis(axis2, a.ndim, "diagonal")
    if i == j:
        raise ValueError(f"diagonal: axis1 and axis2 cannot be the same, got {axis1}, {axis2}")
    offset = int(check_static(offset, "diagonal", "offset"))
    a = moveaxis(a, (i, j), (-2, -1))
    *batch, n, m = a.shape
    row, col = builtins.max(-offset, 0), builtins.max(offset, 0)
    size = builtins.max(0, builtins.min(n - row, m - col))
    if size == 0:
        return lax.full((*batch, 0), 0, a.dtype)
    # The diagonal of a size x size square is every (size + 1)-th element of its flattening.
    square = lax.slice(a, (0,) * len(batch) + (row, col), (*batch, row + size, col + size))
    flat = reshape(square, (*batch, size * size))
    return lax.slice(flat, (0,) * (len(batch) + 1), (*batch, size * size), (1,) * len(batch)
                     + (size + 1,))


def diag(v, k: int = 0):
    """The k-th diagonal of a 2-D array, or a 2-D array with the 1-D v on its k-th diagonal.

    >>> diag(np.array([1, 2])).tolist()
    [[1, 0], [0, 2]]
    """
    v = asarray(v)
    k = int(check_static(k, "diag", "k"))
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise ValueError(f"diag needs a 1-D or 2-D array, got shape {v.shape}")
    n = v.shape[0] + builtins.abs(k)
    # Row i holds v[i] when k >= 0 (column j holds v[j] when k < 0): broadcast and mask.
    padded = lax.pad(v, np.zeros((), v.dtype), ((0, builtins.abs(k), 0),))
    spread = lax.broadcast_in_dim(padded, (n, n), (0,) if k >= 0 else (1,))
    return where(np.eye(n, n, k, dtype=bool), spread, np.zeros((), v.dtype))


def diagflat(v, k: int = 0):
    """A 2-D array with the flattened v on its k-th diagonal."""
    return diag(ravel(asarray(v)), k)


def trace(a, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype=None, out=None):
    """The sum along a diagonal (over the other axes: one sum per matrix).

    >>> int(trace(np.arange(4).reshape(2, 2)))
    3
    """
    if out is not None:
        raise TypeError("trace: out= is not supported (numbax arrays are immutable)")
    return _sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


def fill_diagonal(a, val, wrap: bool = False, *, inplace: bool = True):
    """a with its main diagonal set to val (cycled when shorter), as a new array.

    NumPy writes in place; numbax arrays are immutable, so, as in JAX, pass inplace=False.

    >>> fill_diagonal(np.zeros((2, 2)), 5.0, inplace=False).tolist()
    [[5.0, 0.0], [0.0, 5.0]]
    """
    if inplace:
        raise ValueError("fill_diagonal: numbax arrays are immutable, so the array cannot be "
                         "modified in place; pass inplace=False and use the returned array")
    a = asarray(a)
    if a.ndim < 2:
        raise ValueError(f"fill_diagonal needs an array of rank at least 2, got shape {a.shape}")
    if a.ndim > 2 and len(set(a.shape)) != 1:
        raise ValueError(f"fill_diagonal: all dimensions of the input must be of equal length, "
                         f"got shape {a.shape}")
    val = ravel(astype(asarray(val), a.dtype))
    # The flat positions NumPy writes: every (1 + sum of strides)-th element.
    step = a.shape[1] + 1 if a.ndim == 2 else 1 + int(np.cumprod(a.shape[:-1]).sum())
    end = a.size if a.ndim > 2 or wrap else a.shape[1] * a.shape[1]
    positions = np.arange(0, builtins.min(end, a.size), step)
    if val.size == 0 or positions.size == 0:
        return a
    source = np.zeros(a.size, np.int64)
    source[positions] = np.arange(positions.size) % val.shape[0]
    mask = np.zeros(a.size, bool)
    mask[positions] = True
    return reshape(where(mask, lax.gather(val, source, 0), ravel(a)), a.shape)


# ---------------------------------------------------------------------------------------------
# Index helpers: static, computed by NumPy


def tril_indices(n: int, k: int = 0, m: int | None = None) -> tuple:
    """The (row, column) indices of the lower triangle of an (n, m) array."""
    return tuple(asarray(i) for i in np.tril_indices(n, k, m))


def triu_indices(n: int, k: int = 0, m: int | None = None) -> tuple:
    """The (row, column) indices of the upper triangle of an (n, m) array."""
    return tuple(asarray(i) for i in np.triu_indices(n, k, m))


def _matrix_shape(fname: str, arr) -> tuple[int, int]:
    shape = asarray(arr).shape
    if len(shape) != 2:
        raise ValueError(f"{fname} needs a 2-D array, got shape {shape}")
    return shape


def tril_indices_from(arr, k: int = 0) -> tuple:
    """tril_indices for the shape of the 2-D arr."""
    n, m = _matrix_shape("tril_indices_from", arr)
    return tril_indices(n, k, m)


def triu_indices_from(arr, k: int = 0) -> tuple:
    """triu_indices for the shape of the 2-D arr."""
    n, m = _matrix_shape("triu_indices_from", arr)
    return triu_indices(n, k, m)


def diag_indices(n: int, ndim: int = 2) -> tuple:
    """The indices of the main diagonal of an n x ... x n array of rank ndim."""
    return tuple(asarray(i) for i in np.diag_indices(n, ndim))


def diag_indices_from(arr) -> tuple:
    """diag_indices for arr, whose dimensions must all be equal."""
    shape = asarray(arr).shape
    if len(shape) < 2 or len(set(shape)) != 1:
        raise ValueError(f"diag_indices_from needs an array of rank at least 2 with all "
                         f"dimensions equal, got shape {shape}")
    return diag_indices(shape[0], len(shape))


def mask_indices(n: int, mask_func: Callable, k: int = 0) -> tuple:
    """The indices where mask_func(ones((n, n)), k) is non-zero (e.g. mask_func=triu)."""
    mask = _concrete(mask_func(np.ones((n, n), np.int64), k), "mask_indices", "the mask")
    return tuple(asarray(i) for i in np.nonzero(mask))


def indices(dimensions: Sequence[int], dtype=int, sparse: bool = False):
    """The grid of indices of an array of shape `dimensions` (stacked, or one broadcastable
    array per axis when sparse)."""
    out = np.indices(tuple(dimensions), dtype=dtype, sparse=sparse)
    return tuple(asarray(i) for i in out) if sparse else asarray(out)


def ix_(*args) -> tuple:
    """Open-mesh index arrays from 1-D sequences (bool ones become their non-zero positions).

    >>> [a.shape for a in ix_(np.array([0, 1]), np.array([2, 0, 1]))]
    [(2, 1), (1, 3)]
    """
    out = []
    for i, a in enumerate(args):
        a = asarray(a)
        if a.ndim != 1:
            raise ValueError(f"ix_: cross index must be 1-dimensional, argument {i} has shape "
                             f"{a.shape}")
        if a.dtype == np.bool_:
            a = asarray(np.nonzero(_concrete(a, "ix_", "a boolean index"))[0])
        shape = [1] * len(args)
        shape[i] = a.shape[0]
        out.append(reshape(a, shape))
    return tuple(out)


def meshgrid(*xi, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> list:
    """Coordinate arrays from 1-D coordinate vectors, with 'xy' (Cartesian) or 'ij' (matrix)
    indexing.

    >>> [g.shape for g in meshgrid(np.zeros(2), np.zeros(3))]
    [(3, 2), (3, 2)]
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    xs = [ravel(asarray(x)) for x in xi]
    shape = [x.shape[0] for x in xs]
    axes = list(range(len(xs)))
    if indexing == "xy" and len(xs) > 1:
        shape[0], shape[1] = shape[1], shape[0]
        axes[0], axes[1] = 1, 0
    if sparse:
        return [reshape(x, [n if i == ax else 1 for i, n in enumerate(shape)])
                for x, ax in zip(xs, axes)]
    return [lax.broadcast_in_dim(x, tuple(shape), (ax,)) for x, ax in zip(xs, axes)]


def ravel_multi_index(multi_index, dims: Sequence[int], mode: str = "raise", order: str = "C"):
    """Flat indices from a tuple of index arrays into an array of shape dims.

    mode: 'raise' (out-of-range indices raise; they must be concrete), 'wrap' or 'clip'.

    >>> ravel_multi_index((np.array([1, 2]), np.array([0, 1])), (3, 4)).tolist()
    [4, 9]
    """
    dims = tuple(int(d) for d in dims)
    if len(multi_index) != len(dims):
        raise ValueError(f"ravel_multi_index: {len(multi_index)} index arrays for {len(dims)} "
                         "dimensions")
    if mode not in ("raise", "wrap", "clip") or order not in ("C", "F"):
        raise ValueError(f"ravel_multi_index: mode must be 'raise', 'wrap' or 'clip' and order "
                         f"'C' or 'F', got {mode!r} and {order!r}")
    idx = [asarray(i) for i in multi_index]
    if builtins.any(i.dtype.kind not in "iu" for i in idx):
        raise TypeError("ravel_multi_index: only int indices permitted, got "
                        f"{[str(i.dtype) for i in idx]}")
    if mode == "raise":
        for i, d in zip(idx, dims):
            value = _concrete(i, "ravel_multi_index", "with mode='raise', the index")
            if value.size and (value.min() < 0 or value.max() >= d):
                raise ValueError("ravel_multi_index: invalid entry in coordinates array")
    idx = [astype(i, np.int64) for i in idx]
    if mode == "clip":
        idx = [lax.max(lax.min(i, np.int64(d - 1)), np.int64(0)) for i, d in zip(idx, dims)]
    elif mode == "wrap":
        idx = [i % np.int64(d) for i, d in zip(idx, dims)]
    strides = _strides(dims, order)
    out = idx[0] * np.int64(strides[0])
    for i, s in zip(idx[1:], strides[1:]):
        out = out + i * np.int64(s)
    return out


def _strides(dims: tuple[int, ...], order: str) -> list[int]:
    """Element strides of an array of shape dims in C (row-major) or F order."""
    sizes = dims[::-1] if order == "C" else dims
    strides = [int(s) for s in np.cumprod((1,) + sizes[:-1])]
    return strides[::-1] if order == "C" else strides


def unravel_index(indices, shape: Sequence[int]) -> tuple:
    """The tuple of coordinate arrays of flat indices into an array of shape `shape`.

    As in JAX, negative indices count from the end and out-of-range ones are clipped.

    >>> [i.tolist() for i in unravel_index(np.array([4, 9]), (3, 4))]
    [[1, 2], [0, 1]]
    """
    shape = tuple(int(d) for d in shape)
    indices = asarray(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: only int indices permitted, got {indices.dtype}")
    total = math.prod(shape)
    dt = indices.dtype
    flat = where(indices < 0, indices + np.asarray(total, dt), indices)
    flat = lax.max(lax.min(flat, np.asarray(builtins.max(total - 1, 0), dt)), np.zeros((), dt))
    return tuple(flat // np.asarray(s, dt) % np.asarray(d, dt)
                 for s, d in zip(_strides(shape, "C"), shape))


# ---------------------------------------------------------------------------------------------
# Inserting, appending, deleting, trimming


def append(arr, values, axis: int | None = None):
    """values joined to the end of arr (both flattened when axis is None).

    >>> append(np.array([1, 2]), [3]).tolist()
    [1, 2, 3]
    """
    arr, values = asarray(arr), asarray(values)
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], 0)
    return concatenate([arr, values], axis)


def _positions(fname: str, obj, n: int) -> np.ndarray:
    """obj (an int, slice or integer sequence) as non-negative positions along an axis of n."""
    if isinstance(obj, builtins.slice):
        return np.arange(*obj.indices(n))
    obj = _concrete(obj, fname, "the index")
    if obj.dtype == np.bool_:
        raise TypeError(f"{fname}: boolean indices are not supported here; pass integer "
                        "positions (e.g. numpy.flatnonzero(mask))")
    if obj.size and obj.dtype.kind not in "iu":
        raise TypeError(f"{fname}: indices must be integers, got {obj.dtype}")
    return obj.astype(np.int64)


def insert(arr, obj, values, axis: int | None = None):
    """values inserted before the given positions along axis (of the flattened arr when axis
    is None), as numpy.insert; obj is an int, a slice or a sequence of ints (static).

    >>> insert(np.array([1, 2, 3]), 1, 9).tolist()
    [1, 9, 2, 3]
    """
    arr = asarray(arr)
    if axis is None:
        arr, axis = ravel(arr), 0
    axis = canonical_axis(axis, arr.ndim, "insert")
    n = arr.shape[axis]
    positions = _positions("insert", obj, n)
    if positions.size and (positions.min() < -n or positions.max() > n):
        raise IndexError(f"insert: index {positions.tolist()} is out of bounds for axis {axis} "
                         f"with size {n}")
    positions = np.where(positions < 0, positions + n, positions)
    values = astype(asarray(values), arr.dtype)
    if positions.size == 1 and positions.ndim <= 1:
        # One position: values go in as a block, its leading axis turned to `axis` when obj is
        # a scalar (NumPy's rule), broadcast against the other axes.
        values = reshape(values, (1,) * (arr.ndim - values.ndim) + values.shape)
        if positions.ndim == 0:
            values = moveaxis(values, 0, axis)
        block = arr.shape[:axis] + (values.shape[axis],) + arr.shape[axis + 1:]
        at = int(positions.reshape(()))
        return concatenate([_slice_axis(arr, 0, at, axis), broadcast_to(values, block),
                            _slice_axis(arr, at, n, axis)], axis)
    positions = positions.ravel()
    count = positions.size
    block = arr.shape[:axis] + (count,) + arr.shape[axis + 1:]
    values = broadcast_to(values, block)
    # Each new value lands after the earlier-inserted ones (a stable sort), as in NumPy.
    order = np.argsort(positions, kind="stable")
    final = positions.copy()
    final[order] += np.arange(count)
    source = np.empty(n + count, np.int64)
    old = np.ones(n + count, bool)
    old[final] = False
    source[old] = np.arange(n)
    source[final] = n + np.arange(count)
    return _along(concatenate([arr, values], axis), source, axis)


def _slice_axis(x, start: int, stop: int, axis: int):
    starts, limits = [0] * x.ndim, list(x.shape)
    starts[axis], limits[axis] = start, stop
    return lax.slice(x, starts, limits)


def delete(arr, obj, axis: int | None = None, *, assume_unique_indices: bool = False):
    """arr without the entries at the given positions along axis (of the flattened arr when
    axis is None); obj is an int, a slice, a sequence of ints or a boolean mask (static).

    >>> delete(np.array([1, 2, 3, 4]), [0, 2]).tolist()
    [2, 4]
    """
    arr = asarray(arr)
    if axis is None:
        arr, axis = ravel(arr), 0
    axis = canonical_axis(axis, arr.ndim, "delete")
    n = arr.shape[axis]
    keep = np.ones(n, bool)
    if isinstance(obj, builtins.slice):
        keep[obj] = False
    else:
        value = _concrete(obj, "delete", "the index")
        if value.dtype == np.bool_:
            if value.shape != (n,):
                raise ValueError(f"delete: boolean array argument obj to delete must be "
                                 f"one-dimensional and match the axis length of {n}")
            keep = ~value
        else:
            positions = _positions("delete", value, n)
            if positions.size and (positions.min() < -n or positions.max() >= n):
                raise IndexError(f"delete: index {positions.tolist()} is out of bounds for "
                                 f"axis {axis} with size {n}")
            keep[positions] = False
    return _along(arr, np.flatnonzero(keep), axis)


def trim_zeros(filt, trim: str = "fb"):
    """filt (1-D) without its leading ('f') and/or trailing ('b') zeros.

    The output length depends on the values, so filt must be concrete (not under jit).

    >>> trim_zeros(np.array([0, 1, 0, 2, 0])).tolist()
    [1, 0, 2]
    """
    filt = asarray(filt)
    if filt.ndim != 1:
        raise ValueError(f"trim_zeros needs a 1-D array, got shape {filt.shape}")
    trim = trim.lower()
    if not set(trim) <= {"f", "b"}:
        raise ValueError(f"trim_zeros: trim must contain only 'f' and 'b', got {trim!r}")
    nonzero = np.flatnonzero(_concrete(filt, "trim_zeros", "the array"))
    start = int(nonzero[0]) if nonzero.size and "f" in trim else (filt.shape[0] if "f" in trim
                                                                   else 0)
    stop = int(nonzero[-1]) + 1 if nonzero.size and "b" in trim else filt.shape[0]
    return lax.slice(filt, (start,), (builtins.max(start, stop),))


# ---------------------------------------------------------------------------------------------
# block


def _list_depth(x) -> int:
    return 1 + _list_depth(x[0]) if isinstance(x, list) and x else int(isinstance(x, list))


def _block(x, depth: int, level: int, ndim: int):
    if isinstance(x, tuple):
        raise TypeError(f"block: arrays is a tuple; only lists can be used to arrange blocks, "
                        f"got {x!r}")
    if not isinstance(x, list):
        if level != depth:
            raise ValueError(f"block: list depths are mismatched: an array at depth {level}, "
                             f"expected {depth}")
        a = asarray(x)
        return reshape(a, (1,) * (ndim - a.ndim) + a.shape)
    if not x:
        raise ValueError("block: lists cannot be empty")
    parts = [_block(e, depth, level + 1, ndim) for e in x]
    return concatenate(parts, -(depth - level))


def _max_rank(x) -> int:
    if isinstance(x, list):
        return builtins.max((_max_rank(e) for e in x), default=0)
    return asarray(x).ndim if not isinstance(x, tuple) else 0


def block(arrays):
    """An array assembled from nested lists of blocks: the innermost lists join along the last
    axis, the next ones along the second to last, and so on.

    >>> block([[np.zeros((1, 1)), np.ones((1, 2))]]).tolist()
    [[0.0, 1.0, 1.0]]
    """
    depth = _list_depth(arrays)
    return _block(arrays, depth, 0, builtins.max(_max_rank(arrays), depth))


# ---------------------------------------------------------------------------------------------
# pad

_PAD_MODES = ("constant", "edge", "linear_ramp", "maximum", "mean", "median", "minimum",
              "reflect", "symmetric", "wrap", "empty")
_PAD_KWARGS = {"constant": {"constant_values"}, "linear_ramp": {"end_values"},
               "maximum": {"stat_length"}, "mean": {"stat_length"}, "median": {"stat_length"},
               "minimum": {"stat_length"}, "reflect": {"reflect_type"},
               "symmetric": {"reflect_type"}}


def _pairs(value, ndim: int, fname: str, what: str) -> np.ndarray:
    """A pad_width-like argument (int, (n,), (before, after) or one pair per axis) as an
    (ndim, 2) array."""
    try:
        return np.broadcast_to(np.asarray(value), (ndim, 2))
    except ValueError:
        raise ValueError(f"{fname}: {what} {value!r} cannot be read as (before, after) pairs for "
                         f"an array of rank {ndim}") from None


def pad(array, pad_width, mode: str = "constant", **kwargs):
    """array padded along each axis, with numpy.pad's modes and options.

    pad_width: an int, (n,), (before, after), one (before, after) pair per axis, or a dict
    {axis: width} (static).
    Modes: constant (constant_values), edge, linear_ramp (end_values), maximum, mean, median,
    minimum (stat_length), reflect and symmetric (reflect_type 'even' or 'odd'), wrap, and
    empty (filled with zeros, as in JAX).

    >>> pad(np.array([1, 2, 3]), (1, 2), mode="reflect").tolist()
    [2, 1, 2, 3, 2, 1]
    """
    array = asarray(array)
    if callable(mode):
        raise NotImplementedError("pad: a callable mode is not supported")
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode {mode!r} is not supported; expected one of {_PAD_MODES}")
    unexpected = set(kwargs) - _PAD_KWARGS.get(mode, set())
    if unexpected:
        raise ValueError(f"pad: unsupported keyword arguments for mode {mode!r}: "
                         f"{sorted(unexpected)}")
    if isinstance(pad_width, dict):  # {axis: width}, as NumPy 2.3 allows; other axes: none
        pairs = np.zeros((array.ndim, 2), np.int64)
        for ax, width in pad_width.items():
            pairs[canonical_axis(ax, array.ndim, "pad")] = _pairs(width, 1, "pad", "pad_width")[0]
        pad_width = pairs
    widths = _concrete(pad_width, "pad", "pad_width")
    if widths.dtype.kind not in "iu":
        raise TypeError(f"pad: pad_width must be of integral type, got {widths.dtype}")
    widths = _pairs(widths, array.ndim, "pad", "pad_width").astype(np.int64)
    if (widths < 0).any():
        raise ValueError(f"pad: index can't contain negative values, got pad_width {pad_width!r}")
    if mode == "constant":
        return _pad_constant(array, widths, kwargs.get("constant_values", 0))
    if mode == "empty":
        return _pad_constant(array, widths, 0)
    for axis, (before, after) in enumerate(widths.tolist()):
        if not before and not after:
            continue
        if array.shape[axis] == 0:
            raise ValueError(f"pad: can't extend empty axis {axis} using modes other than "
                             "'constant' or 'empty'")
        array = _pad_axis(array, axis, before, after, mode, kwargs)
    return array


def _pad_constant(array, widths: np.ndarray, constant_values):
    if isinstance(constant_values, Tracer):
        values = broadcast_to(astype(constant_values, array.dtype), (array.ndim, 2))
        pick = lambda ax, side: values[ax, side]  # noqa: E731
    else:
        values = _pairs(constant_values, array.ndim, "pad", "constant_values")
        pick = lambda ax, side: np.asarray(values[ax, side]).astype(array.dtype)  # noqa: E731
    # Axis by axis, so corners take the later axis's value, as in NumPy.
    for axis, (before, after) in enumerate(widths.tolist()):
        for side, width in ((0, before), (1, after)):
            if width:
                config = [(0, 0, 0)] * array.ndim
                config[axis] = (width, 0, 0) if side == 0 else (0, width, 0)
                value = pick(axis, side)
                if isinstance(value, Tracer):
                    array = _pad_with_block(array, axis, width, side, value)
                else:
                    array = lax.pad(array, value, config)
    return array


def _pad_with_block(array, axis: int, width: int, side: int, value):
    shape = array.shape[:axis] + (width,) + array.shape[axis + 1:]
    block = broadcast_to(value, shape)
    return concatenate([block, array] if side == 0 else [array, block], axis)


def _pad_axis(array, axis: int, before: int, after: int, mode: str, kwargs: dict):
    n = array.shape[axis]
    if mode in ("edge", "wrap") or (mode in ("reflect", "symmetric")
                                    and kwargs.get("reflect_type", "even") == "even"):
        if mode == "reflect" and n == 1:
            mode = "edge"  # NumPy reflects a single element as edge padding
        # Padding the positions 0..n-1 with NumPy gives each output's source position.
        return _along(array, np.pad(np.arange(n), (before, after), mode=mode), axis)
    if mode in ("reflect", "symmetric"):
        return _pad_odd(array, axis, before, after, mode, kwargs["reflect_type"])
    if mode == "linear_ramp":
        return _pad_linear_ramp(array, axis, before, after, kwargs.get("end_values", 0))
    return _pad_stat(array, axis, before, after, mode, kwargs.get("stat_length"))


def _pad_odd(array, axis: int, before: int, after: int, mode: str, reflect_type: str):
    if reflect_type != "odd":
        raise ValueError(f"pad: reflect_type must be 'even' or 'odd', got {reflect_type!r}")
    n = array.shape[axis]
    # Odd reflection is linear in the values: padding the identity gives its matrix.
    matrix = np.pad(np.eye(n, dtype=np.int64), ((before, after), (0, 0)), mode=mode,
                    reflect_type="odd").astype(array.dtype)
    moved = moveaxis(array, axis, -1)
    out = lax.dot_general(moved, matrix, (((moved.ndim - 1,), (1,)), ((), ())))
    return moveaxis(out, -1, axis)


def _edge_slices(array, axis: int, length_before: int, length_after: int):
    """The first length_before and the last length_after entries of array along axis."""
    n = array.shape[axis]
    return (_slice_axis(array, 0, length_before, axis),
            _slice_axis(array, n - length_after, n, axis))


def _fill(array, axis: int, width: int, side: int, value):
    """array extended along axis by `width` copies of value (which has length 1 there)."""
    if not width:
        return array
    shape = array.shape[:axis] + (width,) + array.shape[axis + 1:]
    return _pad_with_block(array, axis, width, side, broadcast_to(value, shape))


def _to_dtype(values, dtype: np.dtype, floor: bool = False):
    """Float pad values in the array's dtype: for integer arrays, rounded to the nearest even
    (NumPy's mean) or, with floor, toward -inf (NumPy 2's integer linspace, used by ramps)."""
    if dtype.kind in "iub":
        if floor:
            whole = lax.round(values, 1)
            values = where(whole > values, whole - 1, whole)
        else:
            values = lax.round(values, 1)
    return astype(values, dtype)


def _pad_linear_ramp(array, axis: int, before: int, after: int, end_values):
    ends = _pairs(_concrete(end_values, "pad", "end_values"), array.ndim, "pad", "end_values")
    ftype = (np.result_type(array.dtype, np.float64) if array.dtype.kind not in "fc"
             else array.dtype)
    first, last = _edge_slices(astype(array, ftype), axis, 1, 1)
    out = array
    for side, width, edge in ((0, before, first), (1, after, last)):
        if not width:
            continue
        end = np.asarray(ends[axis, side], ftype)
        # NumPy's ramp: from the end value toward the edge, the edge itself excluded.
        steps = np.arange(width, dtype=ftype) / ftype.type(width)
        steps = steps if side == 0 else steps[::-1]
        shape = [1] * array.ndim
        shape[axis] = width
        ramp = end + (edge - end) * steps.reshape(shape)
        block = _to_dtype(ramp, array.dtype, floor=True)
        out = concatenate([block, out] if side == 0 else [out, block], axis)
    return out


def _stat_lengths(stat_length, ndim: int, axis: int, n: int) -> tuple[int, int]:
    if stat_length is None:
        return n, n
    lengths = _pairs(_concrete(stat_length, "pad", "stat_length"), ndim, "pad", "stat_length")
    lo, hi = (int(v) for v in lengths[axis])
    if lo < 0 or hi < 0:
        raise ValueError(f"pad: stat_length can't contain negative values, got {stat_length!r}")
    if lo == 0 or hi == 0:
        raise ValueError("pad: stat_length of 0 yields no value for padding")
    return builtins.min(lo, n), builtins.min(hi, n)


def _pad_stat(array, axis: int, before: int, after: int, mode: str, stat_length):
    n = array.shape[axis]
    lo, hi = _stat_lengths(stat_length, array.ndim, axis, n)
    head, tail = _edge_slices(array, axis, lo, hi)
    stat = {"maximum": _max, "minimum": _min, "mean": _mean, "median": _median}[mode]
    values = [stat(part, axis=axis, keepdims=True) for part in (head, tail)]
    if mode in ("mean", "median"):
        values = [_to_dtype(v, array.dtype) for v in values]
    return _fill(_fill(array, axis, before, 0, values[0]), axis, after, 1, values[1])


def _median(a, axis: int, keepdims: bool):
    from .. import numpy as package  # median lives in a module imported after this one

    median = getattr(package, "median", None)
    if median is None:
        raise NotImplementedError("pad: mode='median' needs numbax.numpy.median")
    return median(a, axis=axis, keepdims=keepdims)


# ---------------------------------------------------------------------------------------------
# Functions of arrays


def apply_over_axes(func: Callable, a, axes):
    """Apply func(a, axis) for each axis in turn, keeping the rank (a reduced axis is kept
    with length 1), as numpy.apply_over_axes.

    >>> import numbax.numpy as xnp
    >>> apply_over_axes(xnp.sum, np.ones((2, 3)), [0, 1]).tolist()
    [[6.0]]
    """
    a = asarray(a)
    for axis in np.atleast_1d(np.asarray(axes)).tolist():
        axis = canonical_axis(axis, a.ndim, "apply_over_axes")
        out = asarray(func(a, axis))
        if out.ndim == a.ndim - 1:
            out = expand_dims(out, axis)
        elif out.ndim != a.ndim:
            raise ValueError(f"apply_over_axes: function is not returning an array of the "
                             f"correct shape: got shape {out.shape} from shape {a.shape}")
        a = out
    return a


def fromfunction(function: Callable, shape: Sequence[int], *, dtype=float, **kwargs):
    """function called with one index array per axis (the coordinates of every element), as
    numpy.fromfunction.

    >>> fromfunction(lambda i, j: i + j, (2, 2), dtype=int).tolist()
    [[0, 1], [1, 2]]
    """
    return function(*indices(tuple(shape), dtype=dtype), **kwargs)


# ---------------------------------------------------------------------------------------------
# Functions mapped over arrays: built on vmap, as in JAX. numbax.numpy sits below numbax.api,
# which installs its vmap here when it is imported (numbax imports both).

_mapping: dict[str, Callable] = {}


def install_vmap(vmap: Callable) -> None:
    """Give apply_along_axis and vectorize the vmap they are built on (numbax.api calls this)."""
    _mapping["vmap"] = vmap


def _vmap(fn: Callable, in_axes=0, out_axes=0) -> Callable:
    if "vmap" not in _mapping:
        raise RuntimeError("numbax.numpy needs numbax.vmap here: import numbax first")
    return _mapping["vmap"](fn, in_axes=in_axes, out_axes=out_axes)


def apply_along_axis(func1d: Callable, axis: int, arr, *args, **kwargs):
    """func1d applied to every 1-D slice of arr along axis (vmapped, as in JAX); the axis is
    replaced by the dimensions of func1d's result.

    >>> import numbax, numbax.numpy as xnp
    >>> apply_along_axis(xnp.sum, 1, np.ones((2, 3))).tolist()
    [3.0, 3.0]
    """
    arr = asarray(arr)
    axis = canonical_axis(axis, arr.ndim, "apply_along_axis")

    def func(x):
        return func1d(x, *args, **kwargs)

    # The axes after `axis` are mapped innermost (their results go last), then those before.
    for i in range(1, arr.ndim - axis):
        func = _vmap(func, in_axes=i, out_axes=-1)
    for _ in range(axis):
        func = _vmap(func, in_axes=0, out_axes=0)
    return func(arr)


def _parse_signature(signature: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """'(m,n),(n)->(m)' as ([('m', 'n'), ('n',)], [('m',)])."""
    import re

    def groups(part: str) -> list[tuple[str, ...]]:
        found = re.findall(r"\(([^()]*)\)", part)
        if ",".join(f"({g})" for g in found) != part.replace(" ", ""):
            raise ValueError(f"vectorize: not a valid gufunc signature: {signature!r}")
        return [tuple(d.strip() for d in g.split(",") if d.strip()) for g in found]

    if signature.count("->") != 1:
        raise ValueError(f"vectorize: not a valid gufunc signature: {signature!r}")
    ins, outs = signature.replace(" ", "").split("->")
    return groups(ins), groups(outs)


def _core_sizes(args: list, core_dims: list, sizes: dict) -> None:
    """Check each argument's core dimensions, recording the size of each named one."""
    for i, (a, dims) in enumerate(zip(args, core_dims)):
        if a.ndim < len(dims):
            raise ValueError(f"vectorize: argument {i} of shape {a.shape} has fewer than the "
                             f"{len(dims)} core dimensions {dims} of the signature")
        for name, size in zip(dims, a.shape[a.ndim - len(dims):]):
            if sizes.setdefault(name, size) != size:
                raise ValueError(f"vectorize: inconsistent size for core dimension {name!r}: "
                                 f"{sizes[name]} and {size}")


def _map_loop_dims(f: Callable, args: list, loop_ndim: int):
    """f mapped over the leading loop_ndim axes of args (each has them; size 1 broadcasts)."""
    if loop_ndim == 0:
        return f(*args)
    sizes = {a.shape[0] for a in args} - {1}
    if not sizes:  # every argument has length 1 here: map it to keep the axis
        return _vmap(lambda *xs: _map_loop_dims(f, list(xs), loop_ndim - 1))(*args)
    in_axes = tuple(None if a.shape[0] == 1 else 0 for a in args)
    args = [lax.squeeze(a, (0,)) if ax is None else a for a, ax in zip(args, in_axes)]
    return _vmap(lambda *xs: _map_loop_dims(f, list(xs), loop_ndim - 1), in_axes=in_axes)(*args)


def vectorize(pyfunc: Callable, *, excluded=frozenset(), signature: str | None = None):
    """pyfunc made to broadcast over its array arguments, by vmap over the loop dimensions
    (as in JAX: no Python loop). signature, e.g. '(n),(n)->()', names core dimensions that
    pyfunc sees whole; excluded names positional indices or keywords passed through as is.

    >>> import numbax, numbax.numpy as xnp
    >>> vectorize(lambda a, b: a * b if a.ndim == 0 else None)(np.ones(2), 3.0).tolist()
    [3.0, 3.0]
    """
    excluded = frozenset(excluded)

    def wrapped(*args, **kwargs):
        keys = [i for i in range(len(args)) if i not in excluded]
        keys += [k for k in kwargs if k not in excluded]
        mapped = [asarray(args[k] if isinstance(k, int) else kwargs[k]) for k in keys]
        if signature is None:
            core_dims = [()] * len(mapped)
        else:
            core_dims = _parse_signature(signature)[0]
            if len(core_dims) != len(mapped):
                raise TypeError(f"vectorize: the signature {signature!r} has {len(core_dims)} "
                                f"inputs, but {len(mapped)} arguments are vectorized")
        _core_sizes(mapped, core_dims, {})
        loops = [a.shape[:a.ndim - len(d)] for a, d in zip(mapped, core_dims)]
        loop_shape = broadcast_shapes("vectorize", *loops)
        mapped = [reshape(a, (1,) * (len(loop_shape) - len(lp)) + a.shape)
                  for a, lp in zip(mapped, loops)]

        def core(*xs):
            call_args, call_kwargs = list(args), dict(kwargs)
            for k, x in zip(keys, xs):
                if isinstance(k, int):
                    call_args[k] = x
                else:
                    call_kwargs[k] = x
            return pyfunc(*call_args, **call_kwargs)

        return _map_loop_dims(core, mapped, len(loop_shape))

    wrapped.__name__ = getattr(pyfunc, "__name__", "vectorized")
    wrapped.__doc__ = getattr(pyfunc, "__doc__", None)
    return wrapped
