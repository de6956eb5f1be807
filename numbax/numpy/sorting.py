"""Sorting, searching and set functions: sort, argsort, lexsort, partition, searchsorted,
unique (and the array API's unique_*), nonzero, argwhere, flatnonzero, isin and the *1d set
functions.

All of them are built on lax.sort, so they differentiate (through the permutation), batch and
compile like any other program. Results whose size depends on the values (nonzero, unique,
the set functions) need concrete values: they work eagerly and under grad, and under jit or
vmap take `size=` (and `fill_value=`) for a fixed-size result, as in JAX.

>>> import numpy as np, numbax.numpy as xnp
>>> xnp.unique(np.array([3, 1, 3, 2]), return_counts=True)
(array([1, 2, 3]), array([1, 1, 2]))
"""
from __future__ import annotations

import builtins
from collections import namedtuple

import numpy as np

from .. import lax
from ..core.avals import canonical_axis
from ..core.trace import ConcretizationError, Tracer
from .arguments import cast, check_arg, check_static
from .creation import asarray
from .elementwise import isnan, logical_and, logical_not, logical_or, where
from .shapes import concatenate, moveaxis, ravel, reshape, stack

__all__ = [
    "argpartition", "argsort", "argwhere", "flatnonzero", "intersect1d", "isin", "lexsort",
    "nonzero", "partition", "searchsorted", "setdiff1d", "setxor1d", "sort", "union1d",
    "unique", "unique_all", "unique_counts", "unique_inverse", "unique_values",
]

INDEX = np.dtype(np.int64)


def _array(a, fname: str, pos: int = 0):
    return asarray(check_arg(a, fname, pos))


def _same_dtype(fname: str, *arrays) -> list:
    """The arrays converted to their common dtype; their shapes need not broadcast."""
    arrays = [_array(a, fname, i) for i, a in enumerate(arrays)]
    dt = np.result_type(*(a.dtype for a in arrays))
    return [cast(a, dt) for a in arrays]


def _no_order(fname: str, order) -> None:
    if order is not None:
        raise TypeError(f"{fname}: order= (sorting structured arrays by field) is not "
                        "supported; numbax has no structured dtypes")


def _flat_axis(a, axis, fname: str):
    """(a, axis) with axis=None meaning the flattened array, axis normalised."""
    if axis is None:
        return ravel(a), 0
    if a.ndim == 0:
        raise ValueError(f"{fname}: axis {axis} is out of bounds for a 0-d array")
    return a, canonical_axis(axis, a.ndim, fname)


def sort(a, axis: int | None = -1, *, kind=None, order=None, stable: bool = True,
         descending: bool = False):
    """a sorted along axis (flattened when None), nan last, as numpy.sort.

    descending=True sorts from largest to smallest (nan first), keeping equal elements in
    their original order, as jax.numpy.sort. `kind` is accepted and ignored (as in JAX).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.sort(np.array([3.0, np.nan, 1.0]))
    array([ 1.,  3., nan])
    """
    _no_order("sort", order)
    a, axis = _flat_axis(_array(a, "sort"), axis, "sort")
    if descending:
        return lax.rev(lax.sort(lax.rev(a, (axis,)), axis, stable), (axis,))
    return lax.sort(a, axis, stable)


def argsort(a, axis: int | None = -1, *, kind=None, order=None, stable: bool = True,
            descending: bool = False):
    """The indices that sort a along axis (int64), as numpy.argsort; stable by default.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.argsort(np.array([3, 1, 2]), descending=True)
    array([0, 2, 1])
    """
    _no_order("argsort", order)
    a, axis = _flat_axis(_array(a, "argsort"), axis, "argsort")
    iota = lax.iota(INDEX, a.shape, axis)
    if descending:
        # Reversed input and indices, reversed back: equal elements keep their order.
        a, iota = lax.rev(a, (axis,)), lax.rev(iota, (axis,))
    _, perm = lax.sort_key_val(a, iota, axis, stable)
    return lax.rev(perm, (axis,)) if descending else perm


def lexsort(keys, axis: int = -1):
    """The indices that sort by several keys, the last one primary, as numpy.lexsort.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.lexsort((np.array([1, 0, 1]), np.array([0, 0, 1])))
    array([1, 0, 2])
    """
    if isinstance(keys, Tracer | np.ndarray):
        keys = [keys[i] for i in range(keys.shape[0])]
    keys = [_array(k, "lexsort", i) for i, k in enumerate(keys)]
    if not keys:
        raise TypeError("lexsort needs at least one key")
    if any(k.shape != keys[0].shape for k in keys):
        raise ValueError(f"lexsort: all keys need the same shape, got "
                         f"{[k.shape for k in keys]}")
    axis = canonical_axis(axis, keys[0].ndim, "lexsort")
    iota = lax.iota(INDEX, keys[0].shape, axis)
    return lax.sort((*keys[::-1], iota), axis, True, num_keys=len(keys))[-1]


def _check_kth(fname: str, kth, n: int) -> None:
    for k in np.atleast_1d(check_static(kth, fname, "kth")):
        if not -n <= int(k) < n:
            raise ValueError(f"{fname}: kth {int(k)} is out of bounds for an axis of size {n}")


def partition(a, kth, axis: int = -1):
    """a rearranged so that the element at kth is where sorting would put it, smaller ones
    before it and larger ones after, as numpy.partition. numbax returns the fully sorted
    array, which is one such arrangement (NumPy's own arrangement is unspecified).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.partition(np.array([3, 1, 2]), 1)[1]
    np.int64(2)
    """
    a = _array(a, "partition")
    a, axis = _flat_axis(a, axis, "partition")
    _check_kth("partition", kth, a.shape[axis])
    return sort(a, axis)


def argpartition(a, kth, axis: int = -1):
    """Indices that partition a around kth, as numpy.argpartition (numbax gives the sorting
    indices, one valid answer)."""
    a = _array(a, "argpartition")
    a, axis = _flat_axis(a, axis, "argpartition")
    _check_kth("argpartition", kth, a.shape[axis])
    return argsort(a, axis)


def _before(x, y):
    """x < y in NumPy's sort order, where nan is larger than everything."""
    if x.dtype.kind == "c":
        return _complex_before(x, y)
    lt = lax.lt(x, y)
    if x.dtype.kind != "f":
        return lt
    return logical_or(lt, logical_and(isnan(y), logical_not(isnan(x))))


def _complex_before(x, y):
    """x < y in NumPy's sort order of complex numbers: R + Rj, then R + nan j, nan + Rj and
    nan + nan j (R not nan), each group ordered lexicographically by its non-nan parts."""
    def split(z):
        re, im = lax.real(z), lax.imag(z)
        re_nan, im_nan = isnan(re), isnan(im)
        group = lax.add(lax.mul(lax.convert_element_type(re_nan, np.int8), np.int8(2)),
                        lax.convert_element_type(im_nan, np.int8))
        zero = np.zeros((), re.dtype)
        return group, lax.select(re_nan, zero, re), lax.select(im_nan, zero, im)

    (gx, rx, ix), (gy, ry, iy) = split(x), split(y)
    lex = lax.select(lax.eq(rx, ry), lax.lt(ix, iy), lax.lt(rx, ry))
    return logical_or(lax.lt(gx, gy), logical_and(lax.eq(gx, gy), lex))


# Past this many comparisons searchsorted (and isin) sort instead of comparing all pairs.
COMPARE_ALL_LIMIT = 1 << 16


def _rank(x):
    """The position of each element of the 1-d x in its stable sort."""
    n = x.shape[0]
    _, perm = lax.sort_key_val(x, lax.iota(INDEX, (n,)), 0)
    return lax.scatter_add(lax.full((n,), 0, INDEX), perm, lax.iota(INDEX, (n,)), 0)


def _searchsorted_by_sort(a, v, side: str):
    # A stable sort of a and v together ranks each query after the elements it follows (v
    # after a for "right", before for "left"); less its rank among the queries, that is the
    # number of elements of a before it.
    q, n = ravel(v), a.shape[0]
    if side == "left":
        index = lax.slice(_rank(concatenate([q, a])), (0,), q.shape)
    else:
        index = lax.slice(_rank(concatenate([a, q])), (n,), (n + q.shape[0],))
    return reshape(lax.sub(index, _rank(q)), v.shape)


def _searchsorted_by_comparison(a, v, side: str):
    a_b = reshape(a, (1,) * v.ndim + a.shape)
    v_b = lax.expand_dims(v, (v.ndim,))
    # left: how many are before v; right: how many are not after it.
    below = _before(a_b, v_b) if side == "left" else logical_not(_before(v_b, a_b))
    return lax.reduce_sum(lax.convert_element_type(below, INDEX), (v.ndim,))


def searchsorted(a, v, side: str = "left", sorter=None, *, method: str | None = None):
    """Where v's elements would be inserted in the sorted 1-d a to keep it sorted, as
    numpy.searchsorted (int64 indices; nan sorts last).

    method: "compare_all" compares every pair (fast for small inputs, fuses under jit),
    "sort" sorts a and v together (n log n); None picks by size.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.searchsorted(np.array([1.0, 2.0, 3.0]), np.array([2.0, 5.0]), side="right")
    array([2, 3])
    """
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if method not in (None, "compare_all", "sort"):
        raise ValueError(f"searchsorted: method must be 'compare_all' or 'sort', got {method!r}")
    a, v = _same_dtype("searchsorted", a, v)
    if a.ndim != 1:
        raise ValueError(f"searchsorted: a must be 1-d, got shape {a.shape}")
    if sorter is not None:
        a = lax.gather(a, _array(sorter, "searchsorted", 3), 0)
    if method is None:
        method = "compare_all" if a.size * v.size <= COMPARE_ALL_LIMIT else "sort"
    if method == "sort" and v.size:
        return _searchsorted_by_sort(a, v, side)
    return _searchsorted_by_comparison(a, v, side)


def isin(element, test_elements, assume_unique: bool = False, invert: bool = False, *,
         kind=None):
    """Whether each element is in test_elements (shape of element), as numpy.isin.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.isin(np.array([1, 2, 3]), np.array([3, 1]))
    array([ True, False,  True])
    """
    element, test = _same_dtype("isin", _array(element, "isin"),
                                ravel(_array(test_elements, "isin", 1)))
    n = test.shape[0]
    if n == 0:
        found = lax.full(element.shape, False, np.bool_)
    elif element.size * n <= COMPARE_ALL_LIMIT:
        eq = lax.eq(lax.expand_dims(element, (element.ndim,)),
                    reshape(test, (1,) * element.ndim + test.shape))
        found = lax.reduce_max(eq, (element.ndim,))
    else:
        # Look each element up in the sorted test values.
        ordered = lax.sort(test, 0)
        at = lax.min(searchsorted(ordered, element, method="sort"),
                     np.asarray(n - 1, INDEX))
        found = lax.eq(lax.gather(ordered, at, 0), element)
    return logical_not(found) if invert else found


# ---------------------------------------------------------------------------------------------
# Value-dependent sizes


def concrete_size(count, fname: str, remedy: str = "Pass size= (and optionally "
                   "fill_value=) for a result of that fixed size: it is truncated, or padded "
                   "with fill_value.") -> int:
    """count as a Python int; under jit or vmap (no concrete value) a ConcretizationError
    naming the remedy."""
    if isinstance(count, Tracer):
        value = count.to_concrete()
        if value is None:
            raise ConcretizationError(
                f"{fname}: the size of the result depends on the values of the input, which "
                f"are not known inside jit or vmap. {remedy}")
        count = value
    return int(count)


def _count(mask):
    return lax.reduce_sum(lax.convert_element_type(mask, INDEX), tuple(range(mask.ndim)))


def _compact(keep, size: int | None, fname: str):
    """(idx, valid): the positions of the True entries of the 1-d keep in order, then padding,
    size of them in all (the count when None); valid marks the real ones."""
    count = _count(keep)
    size = concrete_size(count, fname) if size is None else int(check_static(size, fname,
                                                                              "size"))
    n = keep.shape[0]
    if n == 0:
        return lax.full((size,), 0, INDEX), lax.full((size,), False, np.bool_)
    # A stable sort on "not kept" brings the kept positions first, in their order.
    _, order = lax.sort_key_val(logical_not(keep), lax.iota(INDEX, (n,)), 0)
    if size <= n:
        idx = lax.slice(order, (0,), (size,))
    else:
        idx = concatenate([order, lax.full((size - n,), 0, INDEX)])
    return idx, lax.lt(lax.iota(INDEX, (size,)), count)


def _fill(values, valid, fill_value):
    """values (leading axis like valid) with fill_value where valid is False."""
    mask = reshape(valid, valid.shape + (1,) * (values.ndim - 1))
    return where(mask, values, lax.convert_element_type(asarray(fill_value), values.dtype))


def _take(values, idx, valid, fill_value):
    """values[idx] along axis 0, fill_value (default: the first entry) where not valid."""
    if values.shape[0] == 0:
        fill = 0 if fill_value is None else fill_value
        return lax.full(idx.shape + values.shape[1:], fill, values.dtype)
    out = lax.gather(values, idx, 0)
    if fill_value is None:
        fill_value = lax.slice(out, (0,) * out.ndim, (1,) + out.shape[1:]) if out.shape[0] \
            else 0
    return _fill(out, valid, fill_value)


def nonzero(a, *, size: int | None = None, fill_value=None) -> tuple:
    """The indices of a's nonzero elements, one int64 array per dimension, as numpy.nonzero.

    With size=, each array has exactly that length (truncated, or padded with fill_value,
    default 0, a scalar or one per dimension): the form that works under jit and vmap.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.nonzero(np.array([0, 3, 0, 4]), size=3, fill_value=-1)
    (array([ 1,  3, -1]),)
    """
    a = _array(a, "nonzero")
    if a.ndim == 0:
        raise ValueError("nonzero of a 0-d array is not allowed (NumPy 2); use "
                         "atleast_1d(a).nonzero() instead")
    flat = ravel(a)
    mask = flat if flat.dtype == np.bool_ else lax.ne(flat, np.zeros((), flat.dtype))
    idx, valid = _compact(mask, size, "nonzero")
    fills = fill_value if isinstance(fill_value, tuple | list) else (fill_value,) * a.ndim
    if len(fills) != a.ndim:
        raise ValueError(f"nonzero: fill_value has {len(fills)} entries for a {a.ndim}-d array")
    out = []
    for i, (n, fill) in enumerate(zip(a.shape, fills)):
        stride = int(np.prod(a.shape[i + 1:]))
        coord = lax.div(idx, np.asarray(builtins.max(stride, 1), INDEX))
        if n:
            coord = lax.sub(coord, lax.mul(lax.div(coord, np.asarray(n, INDEX)),
                                           np.asarray(n, INDEX)))
        out.append(_fill(coord, valid, 0 if fill is None else fill))
    return tuple(out)


def flatnonzero(a, *, size: int | None = None, fill_value=None):
    """The indices of the nonzero elements of ravel(a), as numpy.flatnonzero (size= as in
    nonzero).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.flatnonzero(np.array([[0, 1], [2, 0]]))
    array([1, 2])
    """
    return nonzero(ravel(_array(a, "flatnonzero")), size=size, fill_value=fill_value)[0]


def argwhere(a, *, size: int | None = None, fill_value=None):
    """The indices of the nonzero elements as rows of an (N, a.ndim) array, as
    numpy.argwhere (size= as in nonzero).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.argwhere(np.array([[0, 1], [2, 0]]))
    array([[0, 1],
           [1, 0]])
    """
    a = _array(a, "argwhere")
    if a.ndim == 0:
        rows = argwhere(reshape(a, (1,)), size=size, fill_value=fill_value)
        return lax.slice(rows, (0, 0), (rows.shape[0], 0))
    return stack(nonzero(a, size=size, fill_value=fill_value), axis=1)


# ---------------------------------------------------------------------------------------------
# unique


def _distinct(x, y, equal_nan: bool):
    ne = lax.ne(x, y)
    if equal_nan and x.dtype.kind in "fc":
        ne = logical_and(ne, logical_not(logical_and(isnan(x), isnan(y))))
    return ne


def _sorted_groups(rows, equal_nan: bool):
    """rows (n, ...) sorted lexicographically: (sorted rows, permutation, is_new), is_new
    marking the first row of each group of equal rows."""
    n = rows.shape[0]
    cols = reshape(rows, (n, int(np.prod(rows.shape[1:]))))
    keys = [reshape(lax.slice(cols, (0, j), (n, j + 1)), (n,)) for j in range(cols.shape[1])]
    *skeys, perm = lax.sort((*keys, lax.iota(INDEX, (n,))), 0, True, num_keys=len(keys))
    if n == 0:
        return rows, perm, lax.full((0,), True, np.bool_)
    differ = lax.full((n - 1,), False, np.bool_)
    for k in skeys:
        differ = logical_or(differ, _distinct(lax.slice(k, (1,), (n,)),
                                              lax.slice(k, (0,), (n - 1,)), equal_nan))
    is_new = concatenate([lax.full((1,), True, np.bool_), differ])
    return lax.gather(rows, perm, 0), perm, is_new


def _unique(ar, axis, equal_nan: bool, size, fill_value, fname: str):
    """(values, index, inverse, counts) of unique, inverse shaped as NumPy 2 does."""
    ar = _array(ar, fname)
    shape = ar.shape
    if axis is None:
        rows = ravel(ar)
    else:
        axis = canonical_axis(axis, ar.ndim, fname)
        rows = moveaxis(ar, axis, 0)
    srows, perm, is_new = _sorted_groups(rows, equal_nan)
    if size is None:
        size = concrete_size(_count(is_new), fname)
    size = int(check_static(size, fname, "size"))
    # One entry more than asked: each group's size is the distance to the next one's start.
    idx, valid = _compact(is_new, size + 1, fname)
    starts = _fill(idx, valid, rows.shape[0])
    counts = lax.sub(lax.slice(starts, (1,), starts.shape), lax.slice(starts, (0,), (size,)))
    idx, valid = lax.slice(idx, (0,), (size,)), lax.slice(valid, (0,), (size,))
    values = _take(srows, idx, valid, fill_value)
    if axis is not None:
        values = moveaxis(values, 0, axis)
    n = rows.shape[0]
    index = _take(perm, idx, valid, None) if n else lax.full(idx.shape, 0, INDEX)
    group = lax.sub(lax.cumsum(lax.convert_element_type(is_new, INDEX), 0), np.ones((), INDEX))
    inverse = lax.scatter_add(lax.full((n,), 0, INDEX), perm, group, 0)
    if axis is None:
        inverse = reshape(inverse, shape)
    return values, index, inverse, counts


def unique(ar, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: int | None = None, *, equal_nan: bool = True,
           size: int | None = None, fill_value=None, sorted: bool = True):  # noqa: A002
    """The sorted unique elements of ar (rows or slices along axis when given), as
    numpy.unique, optionally with the index of each one's first occurrence, the inverse
    (indices rebuilding ar) and the counts.

    size= gives a fixed-size result for jit and vmap: truncated, or padded with fill_value
    (default: the smallest unique value; the padded indices are the smallest's index and the
    padded counts 0).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.unique(np.array([2.0, np.nan, 1.0, 2.0, np.nan]))
    array([ 1.,  2., nan])
    """
    values, index, inverse, counts = _unique(ar, axis, equal_nan, size, fill_value, "unique")
    extra = [x for x, flag in ((index, return_index), (inverse, return_inverse),
                               (counts, return_counts)) if flag]
    return (values, *extra) if extra else values


UniqueAllResult = namedtuple("UniqueAllResult", "values indices inverse_indices counts")
UniqueCountsResult = namedtuple("UniqueCountsResult", "values counts")
UniqueInverseResult = namedtuple("UniqueInverseResult", "values inverse_indices")


def unique_all(x, /, *, size: int | None = None, fill_value=None) -> UniqueAllResult:
    """Values, first indices, inverse indices (shaped like x) and counts, as the array API's
    unique_all (nan values are all distinct)."""
    return UniqueAllResult(*_unique(x, None, False, size, fill_value, "unique_all"))


def unique_counts(x, /, *, size: int | None = None, fill_value=None) -> UniqueCountsResult:
    """The unique values and their counts, as the array API's unique_counts."""
    values, _, _, counts = _unique(x, None, False, size, fill_value, "unique_counts")
    return UniqueCountsResult(values, counts)


def unique_inverse(x, /, *, size: int | None = None, fill_value=None) -> UniqueInverseResult:
    """The unique values and the inverse indices (shaped like x), as the array API's
    unique_inverse."""
    values, _, inverse, _ = _unique(x, None, False, size, fill_value, "unique_inverse")
    return UniqueInverseResult(values, inverse)


def unique_values(x, /, *, size: int | None = None, fill_value=None):
    """The sorted unique values, as the array API's unique_values.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.unique_values(np.array([3, 1, 3]))
    array([1, 3])
    """
    return _unique(x, None, False, size, fill_value, "unique_values")[0]


# ---------------------------------------------------------------------------------------------
# Set functions (1-d; inputs are flattened)


def _unique_padded(ar, fname: str):
    """(values, first_index, valid): ar's sorted unique values, padded to ar's size."""
    values, index, _, counts = _unique(ravel(_array(ar, fname)), None, True,
                                       builtins.max(int(np.prod(np.shape(ar))), 0), 0, fname)
    return values, index, lax.gt(counts, np.zeros((), INDEX))


def _select(values, keep, size, fill_value, fname: str):
    idx, valid = _compact(keep, size, fname)
    return _take(values, idx, valid, fill_value), idx, valid


def union1d(ar1, ar2, *, size: int | None = None, fill_value=None):
    """The sorted unique values in either array, as numpy.union1d (size= as in unique).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.union1d(np.array([3, 1]), np.array([2, 1]))
    array([1, 2, 3])
    """
    ar1, ar2 = _same_dtype("union1d", ravel(_array(ar1, "union1d")),
                       ravel(_array(ar2, "union1d", 1)))
    return unique(concatenate([ar1, ar2]), size=size, fill_value=fill_value)


def setdiff1d(ar1, ar2, assume_unique: bool = False, *, size: int | None = None,
              fill_value=None):
    """The unique values of ar1 not in ar2 (sorted; in ar1's order when assume_unique), as
    numpy.setdiff1d (size= as in unique).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.setdiff1d(np.array([4, 1, 3, 1]), np.array([3]))
    array([1, 4])
    """
    ar1, ar2 = _same_dtype("setdiff1d", ravel(_array(ar1, "setdiff1d")),
                       ravel(_array(ar2, "setdiff1d", 1)))
    if assume_unique:
        values, valid = ar1, lax.full(ar1.shape, True, np.bool_)
    else:
        values, _, valid = _unique_padded(ar1, "setdiff1d")
    keep = logical_and(valid, isin(values, ar2, invert=True))
    return _select(values, keep, size, fill_value, "setdiff1d")[0]


def intersect1d(ar1, ar2, assume_unique: bool = False, return_indices: bool = False, *,
                size: int | None = None, fill_value=None):
    """The sorted unique values in both arrays, as numpy.intersect1d; with return_indices
    also the index of each one's first occurrence in ar1 and in ar2 (size= as in unique).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.intersect1d(np.array([1, 3, 4, 3]), np.array([3, 1, 2, 1]))
    array([1, 3])
    """
    ar1, ar2 = _same_dtype("intersect1d", ravel(_array(ar1, "intersect1d")),
                       ravel(_array(ar2, "intersect1d", 1)))
    values, first1, valid = _unique_padded(ar1, "intersect1d")
    keep = logical_and(valid, isin(values, ar2))
    out, idx, valid = _select(values, keep, size, fill_value, "intersect1d")
    if not return_indices:
        return out
    i1 = _take(first1, idx, valid, 0) if first1.shape[0] else lax.full(idx.shape, 0, INDEX)
    if ar2.shape[0]:
        eq = lax.eq(lax.expand_dims(out, (1,)), reshape(ar2, (1, -1)))
        i2 = _fill(lax.argmax(eq, 1, INDEX), valid, 0)
    else:
        i2 = lax.full(idx.shape, 0, INDEX)
    return out, i1, i2


def setxor1d(ar1, ar2, assume_unique: bool = False, *, size: int | None = None,
             fill_value=None):
    """The sorted values in exactly one of the arrays, as numpy.setxor1d (size= as in
    unique).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.setxor1d(np.array([1, 2, 3]), np.array([2, 4]))
    array([1, 3, 4])
    """
    ar1, ar2 = _same_dtype("setxor1d", ravel(_array(ar1, "setxor1d")),
                       ravel(_array(ar2, "setxor1d", 1)))
    u1, _, valid1 = _unique_padded(ar1, "setxor1d")
    u2, _, valid2 = _unique_padded(ar2, "setxor1d")
    keep = concatenate([logical_and(valid1, isin(u1, ar2, invert=True)),
                        logical_and(valid2, isin(u2, ar1, invert=True))])
    both = concatenate([u1, u2])
    # Sorting by (dropped, value) puts the kept values first, in order.
    dropped, values = lax.sort((logical_not(keep), both), 0, True, num_keys=2)
    return _select(values, logical_not(dropped), size, fill_value, "setxor1d")[0]
