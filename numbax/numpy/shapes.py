"""Shape manipulation: broadcasting, reshaping, reordering axes and elements (transpose,
flip, roll, rot90), tiling and repeating, joining (concatenate, stack and the *stack
family) and splitting (split, array_split, unstack and friends)."""
from __future__ import annotations

import builtins
import math
from collections.abc import Sequence

import numpy as np

from .. import lax
from ..core.avals import broadcast_shapes, canonical_axes, canonical_axis
from ..core.trace import ConcretizationError, Tracer
from .arguments import cast, check_static
from .creation import asarray, astype

__all__ = [
    "array_split", "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_arrays",
    "broadcast_to", "column_stack", "concat", "concatenate", "dsplit", "dstack", "expand_dims",
    "flip", "fliplr", "flipud", "hsplit", "hstack", "matrix_transpose", "moveaxis",
    "permute_dims", "ravel", "repeat", "reshape", "resize", "roll", "rollaxis", "rot90",
    "split", "squeeze", "stack", "swapaxes", "tile", "transpose", "unstack", "vsplit", "vstack",
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


def concatenate(arrays: Sequence, axis: int | None = 0, out=None, *, dtype=None):
    """Join arrays along an existing axis (flattened first when axis is None), converted to
    dtype when given."""
    if out is not None:
        raise TypeError("concatenate: out= is not supported (numbax arrays are immutable); use "
                        "the returned array")
    if dtype is not None:
        return concatenate([astype(a, dtype) for a in arrays], axis)
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


def stack(arrays: Sequence, axis: int = 0, out=None, *, dtype=None):
    """Join arrays along a new axis (converted to dtype when given)."""
    if out is not None:
        raise TypeError("stack: out= is not supported (numbax arrays are immutable); use the "
                        "returned array")
    arrays = [asarray(a, dtype) for a in arrays]
    if not arrays:
        raise ValueError("stack needs at least one array")
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"stack: all input arrays must have the same shape, got {sorted(shapes)}")
    axis = canonical_axis(axis, arrays[0].ndim + 1, "stack")
    return concatenate([lax.expand_dims(a, (axis,)) for a in arrays], axis)


def concat(arrays: Sequence, /, *, axis: int | None = 0):
    """The array API's name for concatenate.

    >>> concat([np.zeros(2), np.ones(1)]).tolist()
    [0.0, 0.0, 1.0]
    """
    return concatenate(arrays, axis)


def permute_dims(a, /, axes: tuple[int, ...] | None = None):
    """The array API's name for transpose."""
    return transpose(a, axes)


def matrix_transpose(x, /):
    """Swap the last two axes (a stack of matrices transposed).

    >>> matrix_transpose(np.zeros((4, 2, 3))).shape
    (4, 3, 2)
    """
    x = asarray(x)
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose needs an array of rank at least 2, got shape {x.shape}")
    return swapaxes(x, -1, -2)


def rollaxis(a, axis: int, start: int = 0):
    """Move `axis` to lie before position `start`, as numpy.rollaxis (prefer moveaxis).

    >>> rollaxis(np.zeros((3, 4, 5)), 2).shape
    (5, 3, 4)
    """
    a = asarray(a)
    axis = canonical_axis(axis, a.ndim, "rollaxis")
    if not -a.ndim <= start <= a.ndim:
        raise ValueError(f"rollaxis: start {start} is out of range for an array of rank {a.ndim} "
                         f"(expected {-a.ndim} <= start <= {a.ndim})")
    start = start + a.ndim if start < 0 else start
    if axis < start:
        start -= 1
    return a if axis == start else moveaxis(a, axis, start)


def flip(m, axis=None):
    """Reverse the order of elements along the given axes (all by default).

    >>> flip(np.arange(3)).tolist()
    [2, 1, 0]
    """
    m = asarray(m)
    axes = canonical_axes(axis, m.ndim, "flip")
    return lax.rev(m, axes) if axes and m.size else m


def fliplr(m):
    """Reverse the order of columns (axis 1); m must be at least 2-D."""
    m = asarray(m)
    if m.ndim < 2:
        raise ValueError(f"fliplr needs an array of rank at least 2, got shape {m.shape}")
    return flip(m, 1)


def flipud(m):
    """Reverse the order of rows (axis 0); m must be at least 1-D."""
    m = asarray(m)
    if m.ndim < 1:
        raise ValueError("flipud needs an array of rank at least 1, got a 0-d array")
    return flip(m, 0)


def _roll_static(a, shift: int, axis: int):
    n = a.shape[axis]
    shift %= n
    if not shift:
        return a
    starts, limits = [0] * a.ndim, list(a.shape)
    head_limits, tail_starts = list(limits), list(starts)
    head_limits[axis], tail_starts[axis] = n - shift, n - shift
    return lax.concatenate([lax.slice(a, tail_starts, limits), lax.slice(a, starts, head_limits)],
                           axis)


def _roll_traced(a, shift, axis: int):
    # out[i] = a[(i - shift) mod n]: a gather with computed indices, as the shift is unknown.
    n = a.shape[axis]
    shift = astype(shift, np.int64) % np.int64(n)
    return lax.gather(a, (lax.iota(np.int64, (n,)) - shift) % np.int64(n), axis)


def roll(a, shift, axis=None):
    """Shift elements cyclically along axes (of the flattened array when axis is None).

    shift and axis may be tuples (broadcast together); a traced scalar shift is allowed.

    >>> roll(np.arange(5), 2).tolist()
    [3, 4, 0, 1, 2]
    """
    a = asarray(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), a.shape)
    if isinstance(shift, Tracer):
        if shift.ndim or not isinstance(axis, int | np.integer):
            raise NotImplementedError("roll: a traced shift must be a scalar with one axis")
        if shift.dtype.kind not in "iu":
            raise TypeError(f"roll: shift must be an integer, got {shift.aval.str_short()}")
        ax = canonical_axis(axis, a.ndim, "roll")
        return a if a.shape[ax] == 0 else _roll_traced(a, shift, ax)
    shifts, axes = np.broadcast_arrays(np.asarray(shift), np.asarray(axis))
    if shifts.ndim > 1 or shifts.dtype.kind not in "iu" or axes.dtype.kind not in "iu":
        raise TypeError(f"roll: shift and axis must be ints or 1-D sequences of ints, got "
                        f"{shift!r} and {axis!r}")
    total = [0] * a.ndim
    for s, ax in zip(shifts.ravel(), axes.ravel()):
        total[canonical_axis(int(ax), a.ndim, "roll")] += int(s)
    for ax, s in enumerate(total):
        if a.shape[ax]:
            a = _roll_static(a, s, ax)
    return a


def rot90(m, k: int = 1, axes: tuple[int, int] = (0, 1)):
    """Rotate by 90 degrees k times in the plane of two axes, from the first toward the second.

    >>> rot90(np.array([[1, 2], [3, 4]])).tolist()
    [[2, 4], [1, 3]]
    """
    m = asarray(m)
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError(f"rot90: axes must name exactly two axes, got {axes}")
    a0, a1 = (canonical_axis(ax, m.ndim, "rot90") for ax in axes)
    if a0 == a1:
        raise ValueError(f"rot90: the two axes must differ, got {axes}")
    k = int(check_static(k, "rot90", "k")) % 4
    if k == 0:
        return m
    if k == 2:
        return flip(m, (a0, a1))
    perm = list(range(m.ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    return transpose(flip(m, a1), perm) if k == 1 else flip(transpose(m, perm), a1)


def tile(A, reps):
    """A repeated reps times along each axis, as numpy.tile.

    >>> tile(np.array([1, 2]), 2).tolist()
    [1, 2, 1, 2]
    """
    A = asarray(A)
    reps = (reps,) if isinstance(reps, int | np.integer) else tuple(reps)
    if builtins.any(not isinstance(r, int | np.integer) or r < 0 for r in reps):
        raise ValueError(f"tile: reps must be non-negative ints, got {reps}")
    ndim = builtins.max(A.ndim, len(reps))
    reps = (1,) * (ndim - len(reps)) + tuple(int(r) for r in reps)
    A = reshape(A, (1,) * (ndim - A.ndim) + A.shape)
    # Broadcast to (r0, a0, r1, a1, ...) then merge each pair: no data-dependent work.
    shape = tuple(d for r, a in zip(reps, A.shape) for d in (r, a))
    out = lax.broadcast_in_dim(A, shape, tuple(range(1, 2 * ndim, 2)))
    return reshape(out, tuple(r * a for r, a in zip(reps, A.shape)))


def _repeat_indices(repeats, n: int, length: int):
    """Source index of each of `length` outputs: the number of cumulative repeat counts at or
    below the output position, clamped so positions past the total repeat the last element."""
    if isinstance(repeats, Tracer):
        ends = lax.cumsum(astype(repeats, np.int64), 0)
        pos = lax.iota(np.int64, (length, n), 0)
        below = lax.convert_element_type(lax.ge(pos, lax.broadcast_in_dim(ends, (length, n), (1,))),
                                         np.int64)
        return lax.min(lax.reduce_sum(below, (1,)), np.full((length,), n - 1, np.int64))
    ends = np.cumsum(repeats)
    return np.minimum(np.searchsorted(ends, np.arange(length), side="right"), n - 1)


def repeat(a, repeats, axis: int | None = None, *, total_repeat_length: int | None = None):
    """Repeat each element `repeats` times (an int, or one count per element along axis).

    Under jit, per-element repeats that are traced need total_repeat_length, the static output
    length (extra counts are cut off, a shortfall repeats the last element), as in JAX.

    >>> repeat(np.array([1, 2]), [1, 3]).tolist()
    [1, 2, 2, 2]
    """
    a = asarray(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = canonical_axis(axis, builtins.max(a.ndim, 1), "repeat")
    if a.ndim == 0:
        a = reshape(a, (1,))
    n = a.shape[axis]
    if isinstance(repeats, Tracer) and total_repeat_length is None:
        value = repeats.to_concrete()
        if value is None:
            raise ConcretizationError(
                f"repeat: the repeats {repeats.aval.str_short()} are traced, so the output length "
                "is unknown; pass total_repeat_length= (a static int) to fix it")
        repeats = value
    if not isinstance(repeats, Tracer):
        repeats = np.asarray(repeats)
        if repeats.dtype.kind not in "iub" or repeats.ndim > 1:
            raise TypeError(f"repeat: repeats must be an int or a 1-D sequence of ints, got "
                            f"{repeats.dtype} of shape {repeats.shape}")
        if (repeats < 0).any():
            raise ValueError(f"repeat: repeats may not be negative, got {repeats.tolist()}")
        if repeats.ndim == 0 and total_repeat_length is None:
            return _repeat_scalar(a, int(repeats), axis)
        if repeats.ndim == 1 and repeats.shape != (n,):
            raise ValueError(f"repeat: {repeats.shape[0]} repeat counts for an axis of length {n}")
        repeats = np.broadcast_to(repeats, (n,))
    elif repeats.ndim == 0:
        repeats = lax.broadcast_in_dim(repeats, (n,), ())
    if repeats.shape != (n,):
        raise ValueError(f"repeat: {repeats.shape[0]} repeat counts for an axis of length {n}")
    length = int(np.sum(repeats)) if total_repeat_length is None else int(total_repeat_length)
    if n == 0 or length == 0:
        return lax.full(a.shape[:axis] + (0,) + a.shape[axis + 1:], 0, a.dtype)
    return lax.gather(a, _repeat_indices(repeats, n, length), axis)


def _repeat_scalar(a, r: int, axis: int):
    # Broadcast a new axis of length r after `axis`, then merge the two.
    shape = a.shape[:axis + 1] + (r,) + a.shape[axis + 1:]
    dims = tuple(i for i in range(a.ndim + 1) if i != axis + 1)
    out = lax.broadcast_in_dim(a, shape, dims)
    return reshape(out, a.shape[:axis] + (a.shape[axis] * r,) + a.shape[axis + 1:])


def resize(a, new_shape):
    """a flattened, repeated cyclically to fill new_shape, as numpy.resize.

    >>> resize(np.array([1, 2, 3]), (2, 2)).tolist()
    [[1, 2], [3, 1]]
    """
    a = asarray(a)
    new_shape = (new_shape,) if isinstance(new_shape, int | np.integer) else tuple(new_shape)
    if builtins.any(d < 0 for d in new_shape):
        raise ValueError(f"resize: all elements of new_shape must be non-negative, got {new_shape}")
    size = math.prod(new_shape)
    if a.size == 0 or size == 0:
        return lax.full(new_shape, 0, a.dtype)
    flat = tile(ravel(a), -(-size // a.size))
    return reshape(lax.slice(flat, (0,), (size,)), new_shape)


def _at_least(arys, ndim: int, place):
    out = []
    for a in arys:
        a = asarray(a)
        out.append(a if a.ndim >= ndim else reshape(a, place(a.shape)))
    return out[0] if len(out) == 1 else out


def atleast_1d(*arys):
    """Each input as an array of rank at least 1 (one array, or a list for several)."""
    return _at_least(arys, 1, lambda s: (1,))


def atleast_2d(*arys):
    """Each input as an array of rank at least 2: a 1-D array of length n becomes (1, n)."""
    return _at_least(arys, 2, lambda s: (1,) * (2 - len(s)) + s)


def atleast_3d(*arys):
    """Each input as an array of rank at least 3: (n,) becomes (1, n, 1), (m, n) (m, n, 1)."""
    return _at_least(arys, 3, lambda s: {0: (1, 1, 1), 1: (1, *s, 1), 2: (*s, 1)}[len(s)])


def _as_list(arrays, fname: str) -> list:
    if isinstance(arrays, Tracer | np.ndarray):
        return list(arrays)  # iterates the leading axis, as NumPy does
    arrays = list(arrays)
    if not arrays:
        raise ValueError(f"{fname} needs at least one array")
    return arrays


def _joined(arrays: list, axis: int, dtype):
    out = concatenate(arrays, axis)
    return out if dtype is None else astype(out, dtype)


def hstack(tup, *, dtype=None):
    """Join along the second axis (the first for 1-D arrays)."""
    arrays = [atleast_1d(a) for a in _as_list(tup, "hstack")]
    return _joined(arrays, 0 if arrays[0].ndim == 1 else 1, dtype)


def vstack(tup, *, dtype=None):
    """Join along the first axis, 1-D arrays becoming rows."""
    return _joined([atleast_2d(a) for a in _as_list(tup, "vstack")], 0, dtype)


def dstack(tup, *, dtype=None):
    """Join along the third axis, after making each array at least 3-D."""
    return _joined([atleast_3d(a) for a in _as_list(tup, "dstack")], 2, dtype)


def column_stack(tup):
    """Join 1-D arrays as columns of a 2-D array (2-D arrays join as they are).

    >>> column_stack([np.array([1, 2]), np.array([3, 4])]).tolist()
    [[1, 3], [2, 4]]
    """
    arrays = [asarray(a) for a in _as_list(tup, "column_stack")]
    return concatenate([reshape(a, (-1, 1)) if a.ndim < 2 else a for a in arrays], 1)


def unstack(x, /, *, axis: int = 0) -> tuple:
    """The slices of x along axis, as a tuple.

    >>> [u.tolist() for u in unstack(np.array([[1, 2], [3, 4]]), axis=1)]
    [[1, 3], [2, 4]]
    """
    x = asarray(x)
    if x.ndim == 0:
        raise ValueError("unstack needs an array of rank at least 1, got a 0-d array")
    axis = canonical_axis(axis, x.ndim, "unstack")
    return tuple(_take_slice(x, i, i + 1, axis, squeeze_axis=True) for i in range(x.shape[axis]))


def _take_slice(x, start: int, stop: int, axis: int, squeeze_axis: bool = False):
    starts, limits = [0] * x.ndim, list(x.shape)
    starts[axis], limits[axis] = start, builtins.max(start, stop)
    out = x if (starts[axis], limits[axis]) == (0, x.shape[axis]) else lax.slice(x, starts, limits)
    return lax.squeeze(out, (axis,)) if squeeze_axis else out


def _split(fname: str, ary, indices_or_sections, axis: int, equal: bool) -> list:
    ary = asarray(ary)
    axis = canonical_axis(axis, ary.ndim, fname) if ary.ndim else axis
    if ary.ndim == 0:
        raise ValueError(f"{fname} needs an array of rank at least 1, got a 0-d array")
    n = ary.shape[axis]
    if isinstance(indices_or_sections, Tracer):
        raise TypeError(f"{fname}: indices_or_sections must be static (an int or a sequence of "
                        "ints), got a traced array: the output shapes would depend on it")
    if np.ndim(indices_or_sections) == 0:
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError(f"{fname}: number of sections must be larger than 0, got {sections}")
        if equal and n % sections:
            raise ValueError(f"{fname}: array split does not result in an equal division: an "
                             f"axis of length {n} into {sections} sections")
        each, extra = divmod(n, sections)
        sizes = [each + 1] * extra + [each] * (sections - extra)
        bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
        pairs = list(zip(bounds[:-1], bounds[1:]))
    else:
        points = [0, *(int(i) for i in indices_or_sections), n]
        pairs = [builtins.slice(lo, hi).indices(n)[:2] for lo, hi in zip(points[:-1], points[1:])]
    return [_take_slice(ary, lo, hi, axis) for lo, hi in pairs]


def split(ary, indices_or_sections, axis: int = 0) -> list:
    """Split into equal sections (an int, which must divide the axis) or at the given indices.

    >>> [p.tolist() for p in split(np.arange(4), 2)]
    [[0, 1], [2, 3]]
    """
    return _split("split", ary, indices_or_sections, axis, equal=True)


def array_split(ary, indices_or_sections, axis: int = 0) -> list:
    """As split, but an int number of sections need not divide the axis: the first sections
    get one extra element each."""
    return _split("array_split", ary, indices_or_sections, axis, equal=False)


def _split_min_rank(fname: str, ary, rank: int):
    ary = asarray(ary)
    if ary.ndim < rank:
        raise ValueError(f"{fname} only works on arrays of {rank} or more dimensions, got shape "
                         f"{ary.shape}")
    return ary


def hsplit(ary, indices_or_sections) -> list:
    """Split along the second axis (the first for 1-D arrays)."""
    ary = _split_min_rank("hsplit", ary, 1)
    return _split("hsplit", ary, indices_or_sections, 1 if ary.ndim > 1 else 0, equal=True)


def vsplit(ary, indices_or_sections) -> list:
    """Split along the first axis; ary must be at least 2-D."""
    return _split("vsplit", _split_min_rank("vsplit", ary, 2), indices_or_sections, 0, True)


def dsplit(ary, indices_or_sections) -> list:
    """Split along the third axis; ary must be at least 3-D."""
    return _split("dsplit", _split_min_rank("dsplit", ary, 3), indices_or_sections, 2, True)
