"""Indexing: NumPy's basic and advanced indexing (a Tracer's `x[idx]`, `getitem`) and the
functions built on gathers: take, take_along_axis, choose, select, piecewise, compress,
extract.

An index is reduced to one design: None becomes a new axis of size 1, slices become
lax.slice (and lax.rev for negative steps), and every integer-array index (with the ints
next to them, as in NumPy) becomes one operand of a single gather over consecutive axes,
after a transpose when NumPy's rule puts the advanced dimensions first. Boolean masks must
be concrete (eagerly, or under grad) and are converted with nonzero.

Out-of-range integer arrays follow JAX: the gather clamps them (mode "clip", the default;
"promise_in_bounds" behaves the same) or fills with fill_value (mode "fill"); a static
out-of-range Python int raises IndexError as in NumPy and JAX.

>>> import numpy as np, numbax.numpy as xnp
>>> x = np.arange(12).reshape(3, 4)
>>> xnp.getitem(x, (np.array([0, 2]), slice(None, None, -2)))
array([[ 3,  1],
       [11,  9]])
"""
from __future__ import annotations

import builtins
from collections.abc import Sequence

import numpy as np

from ..core import primitives as P
from ..core.avals import canonical_axis
from ..core.trace import ConcretizationError, Tracer, get_aval
from .arguments import check_arg, dtype_of, shape_of
from .creation import asarray, astype
from .elementwise import add, clip, less, logical_not, logical_or, remainder, where
from .shapes import broadcast_to, ravel, stack

__all__ = [
    "choose", "compress", "extract", "getitem", "piecewise", "select", "take",
    "take_along_axis",
]

_MODES = ("clip", "fill", "promise_in_bounds")


def _op(prim, *args, **params):
    """Bind prim, or evaluate it at once when no operand is traced: index arithmetic on
    constants stays constant under jit."""
    if builtins.any(isinstance(a, Tracer) for a in args):
        return prim.bind(*args, **params)
    prim.abstract_eval(*(get_aval(a) for a in args), **params)
    return prim.impl(*(np.asarray(a) for a in args), **params)[0]


def default_fill_value(dtype: np.dtype):
    """JAX's fill for out-of-range gathers: NaN for floats, the most negative value for
    signed integers, the largest for unsigned ones, True for bool."""
    dtype = np.dtype(dtype)
    if dtype.kind in "fc":  # complex: nan + 0j
        return float("nan")
    if dtype.kind in "iu":
        return int(np.iinfo(dtype).min if dtype.kind == "i" else np.iinfo(dtype).max)
    return True


def _concrete_mask(mask):
    if not isinstance(mask, Tracer):
        return np.asarray(mask)
    value = mask.to_concrete()
    if value is None:
        raise ConcretizationError(
            f"boolean mask indexing with an abstract traced mask {mask.aval.str_short()}: the "
            "result's shape depends on how many elements are True, which is unknown while the "
            "function is traced (under jit or vmap). Use numbax.numpy.where(mask, x, other) to "
            "select elementwise at a fixed shape, or numbax.numpy.nonzero(mask, size=n) / "
            "where(mask, size=n) for a fixed number of indices.")
    return np.asarray(value)


def _entry(e):
    """One index entry as None, Ellipsis, int, slice, a bool mask, or an integer array."""
    if e is None or e is Ellipsis or isinstance(e, builtins.slice):
        return e
    if isinstance(e, bool | np.bool_):
        raise IndexError("a boolean scalar index is not supported; use None to add an axis")
    if isinstance(e, int | np.integer):
        return int(e)
    if isinstance(e, list | tuple):
        # NumPy reads an empty list as an integer index (np.asarray would make it float64).
        e = check_arg(e, "index", 0) if e else np.zeros((0,), np.int64)
    if isinstance(e, Tracer | np.ndarray):
        if e.dtype == np.bool_ or e.dtype.kind in "iu":
            return e
        raise IndexError(f"arrays used as indices must be of integer or boolean type, got "
                         f"{e.dtype}")
    raise TypeError(f"invalid index of type {type(e).__name__}; expected an int, a slice, None, "
                    "Ellipsis, or an integer or boolean array")


def _is_mask(e) -> bool:
    return isinstance(e, Tracer | np.ndarray) and e.dtype == np.bool_


def _is_array(e) -> bool:
    return isinstance(e, Tracer | np.ndarray) and e.dtype != np.bool_


def _expand(idx, shape: tuple[int, ...]) -> list:
    """The index as one entry per dimension (masks become nonzero arrays, Ellipsis slices)
    with None kept where new axes go."""
    entries = [_entry(e) for e in (idx if isinstance(idx, tuple) else (idx,))]
    used = builtins.sum(e.ndim if _is_mask(e) else 1 for e in entries
                        if e is not None and e is not Ellipsis)
    if used > len(shape):
        raise IndexError(f"too many indices: array of rank {len(shape)} indexed with {used}")
    ellipses = [i for i, e in enumerate(entries) if e is Ellipsis]
    if len(ellipses) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    pos = ellipses[0] if ellipses else len(entries)
    entries[pos:pos + 1] = [builtins.slice(None)] * (len(shape) - used)
    out, dim = [], 0
    for e in entries:
        if _is_mask(e):
            mask = _concrete_mask(e)
            if mask.shape != shape[dim:dim + mask.ndim]:
                raise IndexError(f"boolean index of shape {mask.shape} does not match the "
                                 f"indexed dimensions {shape[dim:dim + mask.ndim]}")
            out.extend(np.nonzero(mask))
            dim += mask.ndim
        else:
            out.append(e)
            dim += e is not None
    return out


def _slice_params(s: builtins.slice, n: int) -> tuple[int, int, int, bool]:
    """(start, limit, stride, reversed) of lax.slice (then lax.rev) for NumPy's slice s."""
    start, stop, step = s.indices(n)
    m = len(range(start, stop, step))
    if not m:
        return 0, 0, 1, False
    if step > 0:
        return start, start + (m - 1) * step + 1, step, False
    return start + (m - 1) * step, start + 1, -step, True


def _index_array(e, n: int, mode: str, dim: int):
    """An integer index with negative entries counted from the end (int -> 0-d array)."""
    if isinstance(e, int):
        if mode != "fill" and not -n <= e < n:
            raise IndexError(f"index {e} is out of bounds for axis {dim} with size {n}")
        return np.asarray(e + n if -n <= e < 0 else e, np.int64)
    if isinstance(e, np.ndarray):
        return np.where(e < 0, e + n, e) if e.dtype.kind == "i" else e
    if e.dtype.kind == "u":
        return e
    return where(less(e, 0), add(e, np.asarray(n, e.dtype)), e)


def _advanced(x, dims: list[int], arrays: list, mode: str, fill_value):
    """x indexed by the integer arrays (broadcast together) on dims, NumPy's way: in place of
    dims when they are adjacent, otherwise in front."""
    shape = np.broadcast_shapes(*map(shape_of, arrays))
    arrays = [np.broadcast_to(a, shape) if isinstance(a, np.ndarray) else broadcast_to(a, shape)
              for a in arrays]
    if dims != list(range(dims[0], dims[0] + len(dims))):
        rest = [d for d in range(x.ndim) if d not in dims]
        x, dims = _op(P.transpose_p, x, permutation=tuple(dims + rest)), list(range(len(dims)))
    if mode == "fill" and fill_value is None:
        fill_value = default_fill_value(dtype_of(x))
    gmode = "fill" if mode == "fill" else "clip"
    if fill_value is not None:
        fill_value = np.asarray(fill_value).astype(dtype_of(x)).item()
    return _op(P.gather_p, x, *arrays, axis=dims[0], mode=gmode, fill_value=fill_value)


def _getitem(x, idx, mode: str | None = None, fill_value=None):
    mode = "clip" if mode is None or mode == "promise_in_bounds" else mode
    if mode not in _MODES:
        raise ValueError(f"indexing mode must be one of {_MODES}, got {mode!r}")
    entries = _expand(idx, x.shape)
    new_axes = tuple(i for i, e in enumerate(entries) if e is None)
    if new_axes:
        x = _op(P.expand_dims_p, x, dimensions=new_axes)
        entries = [builtins.slice(None) if e is None else e for e in entries]
    advanced = mode == "fill" or builtins.any(_is_array(e) for e in entries)
    starts, limits, strides, rev, squeeze, dims, arrays = [], [], [], [], [], [], []
    for d, (e, n) in enumerate(zip(entries, x.shape)):
        if isinstance(e, builtins.slice):
            start, limit, stride, reverse = _slice_params(e, n)
            starts.append(start), limits.append(limit), strides.append(stride)
            if reverse:
                rev.append(d)
            continue
        starts.append(0), limits.append(n), strides.append(1)
        if advanced:
            dims.append(d), arrays.append(_index_array(e, n, mode, d))
        else:  # a basic int: a slice of one, then squeezed
            i = int(_index_array(e, n, mode, d))
            starts[-1], limits[-1] = i, i + 1
            squeeze.append(d)
    if (tuple(starts), tuple(limits), tuple(strides)) != ((0,) * x.ndim, x.shape, (1,) * x.ndim):
        x = _op(P.slice_p, x, start_indices=tuple(starts), limit_indices=tuple(limits),
                strides=tuple(strides))
    if rev:
        x = _op(P.rev_p, x, dimensions=tuple(rev))
    if squeeze:
        x = _op(P.squeeze_p, x, dimensions=tuple(squeeze))
    if arrays:
        x = _advanced(x, dims, arrays, mode, fill_value)
    return x


def getitem(x, idx, *, mode: str | None = None, fill_value=None):
    """x[idx] with NumPy's indexing: ints, slices (any step), None, Ellipsis, integer arrays
    (several broadcast together, traced ones too) and concrete boolean masks.

    mode: out-of-range integer arrays are clamped ("clip", the default, as in JAX, or
    "promise_in_bounds") or give fill_value ("fill"; default NaN for floats, the extreme
    value for integers). Under jit a traced boolean mask raises ConcretizationError.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.getitem(np.arange(5.0), np.array([1, 7]), mode="fill")
    array([ 1., nan])
    """
    return _getitem(asarray(x), idx, mode, fill_value)


def _indices_for_mode(indices, n: int, mode: str, fname: str):
    """indices normalised for take's modes: "wrap" takes them modulo n, "clip" clamps them,
    "fill" leaves out-of-range ones to the gather (negative ones count from the end)."""
    if mode == "wrap":
        return remainder(indices, np.asarray(n, dtype_of(indices)))
    if mode == "clip":  # as NumPy: negative indices clamp to 0, they do not count from the end
        return clip(indices, 0, builtins.max(n - 1, 0))
    if mode != "fill":
        raise ValueError(f"{fname}: mode must be 'fill', 'clip' or 'wrap', got {mode!r} "
                         "('raise' cannot be checked in compiled code)")
    return indices


def _no_out(out, fname: str) -> None:
    if out is not None:
        raise TypeError(f"{fname}: out= is not supported (arrays are immutable); use the result")


def take(a, indices, axis: int | None = None, out=None, mode: str | None = None,
         unique_indices: bool = False, indices_are_sorted: bool = False, fill_value=None):
    """Elements of a at integer indices along axis (over the flattened array when None), as
    numpy.take. mode (JAX's): "fill" (default; out-of-range indices give fill_value, NaN for
    floats), "clip" or "wrap"; negative indices count from the end.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.take(np.array([1.0, 2.0, 3.0]), np.array([2, -1, 5]))
    array([ 3.,  3., nan])
    """
    _no_out(out, "take")
    a, indices = asarray(a), asarray(indices)
    if dtype_of(indices).kind not in "iu":
        raise TypeError(f"take: indices must be integers, got {dtype_of(indices)}")
    if axis is None:
        a, axis = ravel(a), 0
    axis = canonical_axis(axis, a.ndim, "take")
    mode = mode or "fill"
    indices = _indices_for_mode(indices, a.shape[axis], mode, "take")
    idx = (builtins.slice(None),) * axis + (indices,)
    # A lone array index stays in place: take's layout is NumPy's a[:, ..., indices].
    return _getitem(a, idx, "fill" if mode == "fill" else "clip", fill_value)


def along_axis_index(shape: tuple[int, ...], indices, axis: int) -> tuple:
    """The advanced index that pairs indices (along axis) with every position of the other
    axes, as numpy.take_along_axis does."""
    ndim = len(shape)
    grid = [np.arange(n).reshape([-1 if i == d else 1 for i in range(ndim)])
            for d, n in enumerate(shape)]
    return tuple(indices if d == axis else g for d, g in enumerate(grid))


def take_along_axis(arr, indices, axis: int | None, mode: str | None = None, fill_value=None):
    """Values of arr at indices along axis, the other axes broadcast, as
    numpy.take_along_axis; mode and fill_value as in take (default "fill").

    >>> import numpy as np, numbax.numpy as xnp
    >>> x = np.array([[10, 30, 20], [60, 40, 50]])
    >>> xnp.take_along_axis(x, np.argsort(x, axis=1), axis=1)
    array([[10, 20, 30],
           [40, 50, 60]])
    """
    arr, indices = asarray(arr), asarray(indices)
    if axis is None:
        arr, indices, axis = ravel(arr), ravel(indices), 0
    if indices.ndim != arr.ndim:
        raise ValueError(f"take_along_axis: indices of rank {indices.ndim} do not match an "
                         f"array of rank {arr.ndim}")
    if dtype_of(indices).kind not in "iu":
        raise TypeError(f"take_along_axis: indices must be integers, got {dtype_of(indices)}")
    axis = canonical_axis(axis, arr.ndim, "take_along_axis")
    mode = mode or "fill"
    indices = _indices_for_mode(indices, arr.shape[axis], mode, "take_along_axis")
    return _getitem(arr, along_axis_index(arr.shape, indices, axis),
                    "fill" if mode == "fill" else "clip", fill_value)


def _concrete(x, fname: str, what: str):
    if isinstance(x, Tracer):
        value = x.to_concrete()
        if value is None:
            raise ConcretizationError(f"{fname}: {what} of a traced value is needed to choose "
                                      "the result's shape; pass size= for a fixed size")
        return np.asarray(value)
    return np.asarray(x)


def choose(a, choices, out=None, mode: str = "raise"):
    """choices[a[i]][i] for every position i (all broadcast together), as numpy.choose.

    mode "raise" (default) checks a's range, so a must be concrete; "wrap" and "clip" work
    on traced a.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.choose(np.array([0, 1, 1]), [np.array([1, 2, 3]), np.array([10, 20, 30])])
    array([ 1, 20, 30])
    """
    _no_out(out, "choose")
    a = asarray(a)
    choices = [asarray(c) for c in choices]
    n = len(choices)
    if dtype_of(a).kind not in "iu":
        raise TypeError(f"choose: a must hold integers, got {dtype_of(a)}")
    if mode == "raise":
        value = _concrete(a, "choose", "the range check of mode='raise'")
        if value.size and (value.min() < 0 or value.max() >= n):
            raise ValueError("choose: invalid entry in the choice array (use mode='wrap' or "
                             "'clip')")
    elif mode == "wrap":
        a = remainder(a, np.asarray(n, dtype_of(a)))
    elif mode == "clip":
        a = clip(a, 0, n - 1)
    else:
        raise ValueError(f"choose: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    shape = np.broadcast_shapes(shape_of(a), *map(shape_of, choices))
    stacked = stack([broadcast_to(c, shape) for c in choices])
    a = broadcast_to(a, shape)[None]
    return _getitem(stacked, along_axis_index(stacked.shape, a, 0), "clip")[0]


def select(condlist: Sequence, choicelist: Sequence, default=0):
    """choicelist[k] where condlist[k] is first True, else default, as numpy.select.

    >>> import numpy as np, numbax.numpy as xnp
    >>> x = np.arange(5)
    >>> xnp.select([x < 2, x > 3], [x, x ** 2], -1)
    array([ 0,  1, -1, -1, 16])
    """
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: {len(condlist)} conditions for {len(choicelist)} choices; "
                         "the lists must have the same length")
    if not condlist:
        raise ValueError("select needs at least one condition")
    out = default
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        if dtype_of(cond) != np.bool_:
            raise TypeError(f"select: conditions must be boolean arrays, got {dtype_of(cond)}")
        out = where(cond, choice, out)
    return asarray(out)


def piecewise(x, condlist, funclist: Sequence, *args, **kw):
    """funclist[k](x) where condlist[k] holds (a later condition wins), 0 elsewhere or
    funclist[-1](x) when there is one function more than conditions, as numpy.piecewise.

    Each function is evaluated on all of x (as in JAX) and the results selected; a function
    may also be a scalar.

    >>> import numpy as np, numbax.numpy as xnp
    >>> x = np.array([-2.0, 0.5, 3.0])
    >>> xnp.piecewise(x, [x < 0, x > 1], [lambda v: -v, lambda v: v * 10, 7.0])
    array([ 2.,  7., 30.])
    """
    x = asarray(x)
    if isinstance(condlist, np.ndarray | Tracer) and condlist.ndim == x.ndim or isinstance(
            condlist, bool | np.bool_):
        condlist = [condlist]
    condlist = [asarray(c) for c in condlist]
    if len(funclist) not in (len(condlist), len(condlist) + 1):
        raise ValueError(f"piecewise: {len(funclist)} functions for {len(condlist)} conditions; "
                         "expected as many, or one more for 'otherwise'")
    out = np.zeros((), x.dtype)
    if len(funclist) == len(condlist) + 1:
        condlist = condlist + [_none_of(condlist)]
    for cond, fn in zip(condlist, funclist):
        value = asarray(fn(x, *args, **kw) if callable(fn) else fn)
        out = where(cond, value if dtype_of(value) == x.dtype else astype(value, x.dtype), out)
    return broadcast_to(out, x.shape)


def _none_of(conds: list):
    acc = conds[0]
    for c in conds[1:]:
        acc = logical_or(acc, c)
    return logical_not(acc)


def compress(condition, a, axis: int | None = None, out=None, *, size: int | None = None,
             fill_value=0):
    """The slices of a along axis where condition (1-d) is True, as numpy.compress.

    The result's length depends on condition's values: concrete, or pass size= (the result
    is then truncated or padded with fill_value, as in JAX) for a traced condition.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.compress(np.array([True, False, True]), np.arange(6).reshape(3, 2), axis=0)
    array([[0, 1],
           [4, 5]])
    """
    _no_out(out, "compress")
    a, condition = asarray(a), asarray(condition)
    if condition.ndim != 1:
        raise ValueError(f"compress: condition must be 1-d, got rank {condition.ndim}")
    if axis is None:
        a, axis = ravel(a), 0
    axis = canonical_axis(axis, a.ndim, "compress")
    n = a.shape[axis]
    if condition.shape[0] > n:
        condition = condition[:n]  # NumPy: truncated entries must be False; JAX drops them
    if size is None:
        (idx,) = np.nonzero(_concrete(condition, "compress", "the number of True entries"))
        return _getitem(a, (builtins.slice(None),) * axis + (idx,))
    from .sorting import nonzero  # sorting builds on indexing

    (idx,) = nonzero(condition, size=size, fill_value=n)
    return _getitem(a, (builtins.slice(None),) * axis + (idx,), "fill", fill_value)


def extract(condition, arr, *, size: int | None = None, fill_value=0):
    """The elements of arr where condition is True, flattened, as numpy.extract (size= and
    fill_value as in compress).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.extract(np.arange(6) % 2 == 0, np.arange(6) * 10)
    array([ 0, 20, 40])
    """
    condition = ravel(condition) if isinstance(condition, Tracer) else np.ravel(condition)
    return compress(condition, ravel(asarray(arr)), size=size, fill_value=fill_value)
