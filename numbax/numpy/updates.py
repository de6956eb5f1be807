"""Functional updates: JAX's `x.at[idx].set(v)` and friends, and the put functions.

On a traced array (inside grad, vmap or jit) write it as in JAX: `x.at[idx].add(v)`.
Eagerly numbax's arrays are plain NumPy arrays, which have no `.at`: write
`numbax.numpy.at(x)[idx].add(v)` instead (it works on tracers too, so one spelling serves
both). The result is a new array; x is never modified.

Every index form of `x[idx]` works (see numbax.numpy.indexing). The updates are broadcast
to the shape of `x[idx]` and cast to x's dtype. Out-of-range indices follow JAX: by default
(mode=None, "drop", "fill" or "promise_in_bounds") their updates are dropped; mode="clip"
clamps them. Repeated indices accumulate for add, subtract, multiply, divide, power, min and
max (as numpy.add.at and friends); for set the last update wins (JAX leaves it
unspecified). `apply(f)` applies f once per distinct position, even when an index repeats.

Each update is one scatter primitive over the flattened array, at the positions
`x[idx]` addresses: the positions are computed at trace time when the index is static, so
grad, vmap and jit transform the scatter like any primitive.

>>> import numpy as np, numbax.numpy as xnp
>>> xnp.at(np.zeros(4))[np.array([0, 0, 3])].add(1.0)
array([2., 0., 0., 1.])
"""
from __future__ import annotations

import numpy as np

from .. import lax
from ..core.avals import canonical_axis
from ..core.trace import Tracer
from .arguments import check_arg, dtype_of, shape_of
from .creation import asarray, ones_like
from .elementwise import divide, power, where
from .indexing import along_axis_index, getitem
from .shapes import broadcast_to, reshape

__all__ = ["at", "place", "put", "put_along_axis"]

_SCATTER_MODES = {None: "drop", "drop": "drop", "fill": "drop", "promise_in_bounds": "drop",
                  "clip": "clip"}


def _scatter_mode(mode) -> str:
    try:
        return _SCATTER_MODES[mode]
    except (KeyError, TypeError):
        raise ValueError(f"update mode must be one of None, 'drop', 'fill', 'clip' or "
                         f"'promise_in_bounds', got {mode!r}") from None


def _positions(shape: tuple[int, ...], idx, mode: str):
    """The flat positions x[idx] addresses (x.size where an index is out of range and
    dropped). A static index gives a constant."""
    flat = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    if mode == "clip":
        return getitem(flat, idx, mode="clip")
    return getitem(flat, idx, mode="fill", fill_value=flat.size)


def _update(scatter, x, idx, values, mode, unique_indices: bool = False):
    x = asarray(x)
    scatter_mode = _scatter_mode(mode)
    pos = _positions(x.shape, idx, scatter_mode)
    values = check_arg(values, "at[]", 0)
    if dtype_of(values) != x.dtype:
        values = values.astype(x.dtype) if isinstance(values, Tracer) else np.asarray(
            values).astype(x.dtype)
    values = np.asarray(values) if not isinstance(values, Tracer) else values
    if shape_of(values) != shape_of(pos):
        values = broadcast_to(values, shape_of(pos))
    out = scatter(reshape(x, (x.size,)), pos, values, 0, scatter_mode,
                  unique_indices=unique_indices)
    return reshape(out, x.shape)


class _IndexUpdateRef:
    """x.at[idx]: the update methods for one index."""

    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array, self.index = array, index

    def __repr__(self) -> str:
        return f"_IndexUpdateRef({self.array!r}, {self.index!r})"

    def get(self, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None, fill_value=None):
        """x[idx]; mode="fill" gives fill_value (NaN for floats) at out-of-range indices."""
        return getitem(self.array, self.index, mode=mode, fill_value=fill_value)

    def set(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None):
        """x with x[idx] = values (for a repeated index the last value wins)."""
        return _update(lax.scatter, self.array, self.index, values, mode, unique_indices)

    def add(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None):
        """x with values added at idx (repeats accumulate, as numpy.add.at)."""
        return _update(lax.scatter_add, self.array, self.index, values, mode, unique_indices)

    def subtract(self, values, *, indices_are_sorted: bool = False,
                 unique_indices: bool = False, mode: str | None = None):
        """x with values subtracted at idx (repeats accumulate)."""
        return self.add(-asarray(values), unique_indices=unique_indices, mode=mode)

    def multiply(self, values, *, indices_are_sorted: bool = False,
                 unique_indices: bool = False, mode: str | None = None):
        """x multiplied by values at idx (repeats accumulate, as numpy.multiply.at)."""
        return _update(lax.scatter_mul, self.array, self.index, values, mode, unique_indices)

    def _factor(self, values, unique_indices, mode):
        # 1 where idx does not reach, the product of the values where it does.
        ones = ones_like(self.array)
        return _update(lax.scatter_mul, ones, self.index, values, mode, unique_indices)

    def divide(self, values, *, indices_are_sorted: bool = False,
               unique_indices: bool = False, mode: str | None = None):
        """x divided by values at idx (repeats divide again), in x's dtype."""
        x = asarray(self.array)
        out = divide(x, self._factor(values, unique_indices, mode))
        return out if dtype_of(out) == x.dtype else out.astype(x.dtype)

    def power(self, values, *, indices_are_sorted: bool = False,
              unique_indices: bool = False, mode: str | None = None):
        """x raised to values at idx (repeats multiply the exponents), in x's dtype."""
        x = asarray(self.array)
        out = power(x, self._factor(values, unique_indices, mode))
        return out if dtype_of(out) == x.dtype else out.astype(x.dtype)

    def min(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None):
        """x with x[idx] = minimum(x[idx], values) (repeats accumulate)."""
        return _update(lax.scatter_min, self.array, self.index, values, mode, unique_indices)

    def max(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None):
        """x with x[idx] = maximum(x[idx], values) (repeats accumulate)."""
        return _update(lax.scatter_max, self.array, self.index, values, mode, unique_indices)

    def apply(self, func, *, indices_are_sorted: bool = False, unique_indices: bool = False,
              mode: str | None = None):
        """x with x[idx] = func(x[idx]) for a unary, elementwise func (applied once per
        distinct position, also where the index repeats)."""
        fill_mode = "fill" if _scatter_mode(mode) == "drop" else "clip"
        values = func(getitem(self.array, self.index, mode=fill_mode, fill_value=0))
        return self.set(values, unique_indices=unique_indices, mode=mode)


class _IndexUpdateHelper:
    """x.at: subscript it with an index to get the update methods."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, index) -> _IndexUpdateRef:
        return _IndexUpdateRef(self.array, index)

    def __repr__(self) -> str:
        return f"_IndexUpdateHelper({self.array!r})"


def at(x) -> _IndexUpdateHelper:
    """JAX's `x.at` for any array: `at(x)[idx].set(v)` is `x.at[idx].set(v)`, which NumPy
    arrays (numbax's eager values) lack.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.at(np.arange(5))[1:3].set(0)
    array([0, 0, 0, 3, 4])
    """
    return _IndexUpdateHelper(x)


def _not_inplace(inplace: bool, fname: str) -> None:
    if inplace:
        raise ValueError(f"{fname}: numbax arrays are immutable; pass inplace=False and use the "
                         "returned array (as JAX requires)")


def put_along_axis(arr, indices, values, axis: int | None, inplace: bool = True, *,
                   mode: str | None = None):
    """arr with values put at indices along axis (numpy.put_along_axis); inplace=False is
    required, as in JAX. Out-of-range indices are dropped (mode="clip" clamps them).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.put_along_axis(np.zeros((2, 3)), np.array([[2], [0]]), 1.0, 1, inplace=False)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    _not_inplace(inplace, "put_along_axis")
    arr, indices = asarray(arr), asarray(indices)
    if axis is None:
        flat = put_along_axis(reshape(arr, (arr.size,)), reshape(indices, (-1,)), values, 0,
                              inplace=False, mode=mode)
        return reshape(flat, arr.shape)
    if indices.ndim != arr.ndim:
        raise ValueError(f"put_along_axis: indices of rank {indices.ndim} do not match an "
                         f"array of rank {arr.ndim}")
    axis = canonical_axis(axis, arr.ndim, "put_along_axis")
    return at(arr)[along_axis_index(arr.shape, indices, axis)].set(values, mode=mode)


def put(a, ind, v, mode: str | None = None, *, inplace: bool = True):
    """a (flattened view) with v put at the flat indices ind, v repeated as needed
    (numpy.put); inplace=False is required, as in JAX. mode: None drops out-of-range
    indices, "clip" clamps them, "wrap" wraps them.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.put(np.zeros(5), np.array([0, 2, 4]), np.array([1.0, 2.0]), inplace=False)
    array([1., 0., 2., 0., 1.])
    """
    from .elementwise import clip, remainder

    _not_inplace(inplace, "put")
    a, ind, v = asarray(a), reshape(asarray(ind), (-1,)), reshape(asarray(v), (-1,))
    if v.size == 0 or ind.size == 0:
        return a
    if v.size != ind.size:  # NumPy repeats v to the length of ind
        v = getitem(v, np.arange(ind.size) % v.size)
    if mode == "wrap":
        ind, mode = remainder(ind, np.asarray(a.size, dtype_of(ind))), None
    elif mode == "clip":  # as NumPy: negative indices clamp to 0
        ind = clip(ind, 0, a.size - 1)
    elif mode is not None:
        raise ValueError(f"put: mode must be None, 'clip' or 'wrap', got {mode!r}")
    return reshape(at(reshape(a, (a.size,)))[ind].set(v, mode=mode), a.shape)


def place(arr, mask, vals, *, inplace: bool = True):
    """arr with the positions where mask is True set to vals, in order and repeated as
    needed (numpy.place); inplace=False is required, as in JAX. Works under jit: the k-th
    True position takes vals[k % len(vals)].

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.place(np.zeros(5), np.arange(5) > 1, np.array([7.0, 8.0]), inplace=False)
    array([0., 0., 7., 8., 7.])
    """
    from .elementwise import remainder
    from .reductions import cumsum

    _not_inplace(inplace, "place")
    arr, mask, vals = asarray(arr), asarray(mask), reshape(asarray(vals), (-1,))
    if shape_of(mask) != arr.shape:
        raise ValueError(f"place: mask of shape {shape_of(mask)} does not match the array's "
                         f"shape {arr.shape}")
    if vals.size == 0:
        return arr
    k = cumsum(reshape(mask, (-1,)).astype(np.int64)) - 1
    picked = getitem(vals, remainder(k, np.int64(vals.size)))
    return where(mask, reshape(picked, arr.shape).astype(arr.dtype), arr)
