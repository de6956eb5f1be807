"""Reductions: sum, prod, mean, max, min, any, all, var, std, their nan versions, cumulative
sums and products, argmax and argmin, ptp and count_nonzero."""
from __future__ import annotations

import builtins
import math

import numpy as np

from .. import lax
from ..core.avals import canonical_axes, canonical_axis, check_dtype, real_dtype
from .arguments import PYTHON_SCALARS, cast, check_arg, dtype_of, shape_of
from .creation import asarray
from .elementwise import (
    add,
    divide,
    imag,
    isnan,
    logical_and,
    logical_not,
    maximum,
    minimum,
    multiply,
    real,
    sqrt,
    subtract,
)
from .shapes import broadcast_to, ravel, reshape, transpose

__all__ = [
    "all", "amax", "amin", "any", "argmax", "argmin", "count_nonzero", "cumprod",
    "cumulative_prod", "cumulative_sum", "cumsum", "max", "mean", "min", "nanargmax",
    "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmin", "nanprod", "nanstd",
    "nansum", "nanvar", "prod", "ptp", "std", "sum", "var",
]


def _no_out(out, fname: str) -> None:
    if out is not None:
        raise TypeError(f"{fname}: out= is not supported (numbax arrays are immutable); use "
                        "the returned array")


def _reduce(fname: str, a, axis, keepdims: bool, reducer):
    a = check_arg(a, fname, 0)
    if isinstance(a, PYTHON_SCALARS):
        a = np.asarray(a)
    axes = canonical_axes(axis, len(shape_of(a)), fname)
    out = reducer(a, axes)
    return lax.expand_dims(out, axes) if keepdims and axes else out


def _masked(a, where_, fill):
    """a where the mask where_ (broadcast to a) holds, fill elsewhere; a when no mask."""
    if where_ is None:
        return a
    mask = check_arg(where_, "where", 0)
    mask = cast(mask, np.dtype(np.bool_)) if dtype_of(mask) != np.bool_ else mask
    mask = broadcast_to(asarray(mask), a.shape)
    return lax.select(mask, a, lax.full(a.shape, fill, a.dtype))


def _count(a, axes, where_, dtype):
    """How many elements each reduction sees: the product of the axes, or the mask's count."""
    if where_ is None:
        return np.asarray(math.prod(a.shape[i] for i in axes), dtype)
    return lax.reduce_sum(_masked(lax.full(a.shape, 1, dtype), where_, 0), axes)


def _sum_dtype(dt: np.dtype) -> np.dtype:
    # NumPy accumulates small integers and bools in the platform integer.
    if dt.kind == "b" or (dt.kind == "i" and dt.itemsize < 8):
        return np.dtype(np.int64)
    if dt.kind == "u" and dt.itemsize < 8:
        return np.dtype(np.uint64)
    return dt


def _with_initial(out, initial, combine):
    return out if initial is None else combine(out, cast(asarray(initial), out.dtype))


def sum(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,  # noqa: A001
        where=None, promote_integers: bool = True):
    """Sum over the given axes (all by default), as numpy.sum; where= masks elements out and
    initial= is added.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.sum(np.array([1.0, 2.0, 4.0]), where=np.array([True, False, True]))
    array(5.)
    """
    return _sum_or_prod("sum", lax.reduce_sum, 0, lax.add, a, axis, dtype, out, keepdims,
                        initial, where, promote_integers)


def prod(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,
         where=None, promote_integers: bool = True):
    """Product over the given axes (all by default), as numpy.prod (where=, initial=)."""
    return _sum_or_prod("prod", lax.reduce_prod, 1, lax.mul, a, axis, dtype, out, keepdims,
                        initial, where, promote_integers)


def _sum_or_prod(fname: str, reduce, identity, combine, a, axis, dtype, out, keepdims,
                 initial, where, promote_integers):
    _no_out(out, fname)

    def reducer(a, axes):
        dt = (_sum_dtype(a.dtype) if promote_integers else a.dtype) if dtype is None \
            else np.dtype(dtype)
        return _with_initial(reduce(_masked(cast(a, dt), where, identity), axes), initial,
                             combine)
    return _reduce(fname, a, axis, keepdims, reducer)


def _mean_dtype(a, dtype) -> np.dtype:
    if dtype is not None:
        return np.dtype(dtype)
    return a.dtype if a.dtype.kind in "fc" else np.dtype(np.float64)


def mean(a, axis=None, dtype=None, out=None, keepdims: bool = False, *, where=None):
    """Arithmetic mean over the given axes, as numpy.mean (integers give float64; where=
    averages the selected elements only)."""
    _no_out(out, "mean")

    def reducer(a, axes):
        dt = _mean_dtype(a, dtype)
        total = lax.reduce_sum(_masked(cast(a, dt), where, 0), axes)
        return lax.div(total, _count(a, axes, where, dt))
    return _reduce("mean", a, axis, keepdims, reducer)


def _extremum(fname: str, op: str, reduce, combine, initial, where_):
    def reducer(a, axes):
        if where_ is not None and initial is None:
            raise ValueError(f"{fname}: reduction operation '{op}' does not have an identity, "
                             "so to use a where mask one has to specify 'initial'")
        # lax's reductions give -inf (+inf) for nothing; NumPy's max (min) raises.
        if initial is None and builtins.any(a.shape[i] == 0 for i in axes):
            raise ValueError(f"zero-size array to reduction operation {op} which has no "
                             "identity")
        fill = None if initial is None else np.asarray(initial).astype(a.dtype).item()
        return _with_initial(reduce(_masked(a, where_, fill), axes), initial, combine)
    return reducer


def _complex_pick(arg_reduce, a, axes):
    """The element that arg_reduce picks over the axes (NumPy's lexicographic order of complex
    numbers, which lax's max and min reductions do not have; a nan is picked first)."""
    from .indexing import take_along_axis  # indexing builds on this module

    rest = [i for i in range(a.ndim) if i not in axes]
    x = transpose(a, rest + list(axes))
    x = reshape(x, tuple(a.shape[i] for i in rest) + (-1,))
    idx = lax.expand_dims(arg_reduce(x, x.ndim - 1), (x.ndim - 1,))
    return reshape(take_along_axis(x, idx, axis=-1), x.shape[:-1])


def _lexicographic(reduce, arg_reduce):
    """reduce for real arrays, the lexicographic pick for complex ones."""
    def reducer(a, axes):
        if a.dtype.kind != "c":
            return reduce(a, axes)
        return _complex_pick(arg_reduce, a, axes) if axes else a
    return reducer


def max(a, axis=None, out=None, keepdims: bool = False, initial=None, where=None):  # noqa: A001
    """Maximum over the given axes, as numpy.max (nan propagates; where= needs initial=).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.max(np.array([1.0, 5.0, 2.0]), initial=0.0, where=np.array([True, False, True]))
    array(2.)
    """
    _no_out(out, "max")
    return _reduce("max", a, axis, keepdims,
                   _extremum("max", "maximum", _lexicographic(lax.reduce_max, lax.argmax),
                             maximum, initial, where))


def min(a, axis=None, out=None, keepdims: bool = False, initial=None, where=None):  # noqa: A001
    """Minimum over the given axes, as numpy.min (nan propagates; where= needs initial=)."""
    _no_out(out, "min")
    return _reduce("min", a, axis, keepdims,
                   _extremum("min", "minimum", _lexicographic(lax.reduce_min, lax.argmin),
                             minimum, initial, where))


amax, amin = max, min


def any(a, axis=None, out=None, keepdims: bool = False, *, where=None):  # noqa: A001
    """Whether any element along the axes is nonzero, as numpy.any."""
    _no_out(out, "any")
    return _reduce("any", a, axis, keepdims,
                   lambda a, axes: lax.reduce_max(_masked(_nonzero(a), where, False), axes))


def all(a, axis=None, out=None, keepdims: bool = False, *, where=None):  # noqa: A001
    """Whether every element along the axes is nonzero, as numpy.all."""
    _no_out(out, "all")
    return _reduce("all", a, axis, keepdims,
                   lambda a, axes: lax.reduce_min(_masked(_nonzero(a), where, True), axes))


def _nonzero(a):
    return a if a.dtype == np.bool_ else lax.ne(a, np.zeros((), a.dtype))


def var(a, axis=None, dtype=None, out=None, ddof: int = 0, keepdims: bool = False, *,
        where=None, mean=None, correction=None):
    """Variance over the given axes with ddof (or correction) delta degrees of freedom, as
    numpy.var; mean= passes a precomputed mean (with keepdims=True shape).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.var(np.array([1.0, 2.0, 3.0, 4.0]), ddof=1)
    array(1.66666667)
    """
    _no_out(out, "var")
    if correction is not None:
        if ddof:
            raise ValueError("var: ddof and correction can't be provided simultaneously")
        ddof = correction
    a = asarray(check_arg(a, "var", 0))
    axes = canonical_axes(axis, a.ndim, "var")
    dt = _mean_dtype(a, dtype)
    rdt = real_dtype(dt)  # the variance of complex numbers is real: the mean of |x - mean|^2
    # Masked elements become 0 before any arithmetic, so a nan there reaches no gradient.
    a = _masked(cast(a, dt), where, 0)
    count = _count(a, axes, where, rdt)
    centre = (lax.div(lax.reduce_sum(a, axes), cast(count, dt)) if mean is None
              else cast(asarray(mean), dt))
    if mean is None:
        centre = lax.expand_dims(centre, axes)
    centred = _masked(subtract(a, centre), where, 0)
    if centred.dtype.kind == "c":
        re, im = real(centred), imag(centred)
        squares = add(multiply(re, re), multiply(im, im))
    else:
        squares = multiply(centred, centred)
    total = lax.reduce_sum(squares, axes)
    dof = lax.max(lax.sub(count, np.asarray(ddof, rdt)), np.zeros((), rdt))
    out = divide(total, dof)
    return lax.expand_dims(out, axes) if keepdims and axes else out


def std(a, axis=None, dtype=None, out=None, ddof: int = 0, keepdims: bool = False, *,
        where=None, mean=None, correction=None):
    """Standard deviation over the given axes, as numpy.std (ddof, where=, mean=)."""
    return sqrt(var(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                    correction=correction))


def _cumulative_axis(a, axis, fname: str):
    a = asarray(check_arg(a, fname, 0))
    if axis is None:
        return ravel(a), 0
    return a, canonical_axis(axis, a.ndim, fname)


def cumsum(a, axis=None, dtype=None, out=None):
    """Cumulative sum along axis (over the flattened array when axis is None), as numpy.cumsum.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.cumsum(np.array([[1, 2], [3, 4]]), axis=0)
    array([[1, 2],
           [4, 6]])
    """
    _no_out(out, "cumsum")
    a, axis = _cumulative_axis(a, axis, "cumsum")
    dt = _sum_dtype(a.dtype) if dtype is None else check_dtype(dtype, "cumsum dtype")
    return lax.cumsum(cast(a, dt), axis)


def _shifted(x, d: int, axis: int, fill):
    """x moved d places along axis, the first d places filled with fill."""
    n = x.shape[axis]
    kept = lax.slice(x, (0,) * x.ndim, x.shape[:axis] + (n - d,) + x.shape[axis + 1:])
    config = [(0, 0, 0)] * x.ndim
    config[axis] = (d, 0, 0)
    return lax.pad(kept, np.asarray(fill, x.dtype), config)


def cumprod(a, axis=None, dtype=None, out=None):
    """Cumulative product along axis (flattened when None), as numpy.cumprod.

    Computed as log2(n) rounds of products with shifted copies (a parallel prefix product), so
    its gradient is exact where a has zeros, with no division.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.cumprod(np.array([1, 2, 3, 4]))
    array([ 1,  2,  6, 24])
    """
    _no_out(out, "cumprod")
    a, axis = _cumulative_axis(a, axis, "cumprod")
    dt = _sum_dtype(a.dtype) if dtype is None else check_dtype(dtype, "cumprod dtype")
    x, d = cast(a, dt), 1
    while d < x.shape[axis]:
        x = lax.mul(x, _shifted(x, d, axis, 1))
        d *= 2
    return x


def _array_api_cumulative(fname: str, fn, identity: int, x, axis, dtype, include_initial):
    x = asarray(check_arg(x, fname, 0))
    if axis is None:
        if x.ndim > 1:
            raise ValueError(f"{fname}: for arrays with more than one dimension the axis "
                             "argument is required")
        x, axis = ravel(x), 0
    axis = canonical_axis(axis, x.ndim, fname)
    out = fn(x, axis, dtype)
    if include_initial:
        config = [(0, 0, 0)] * out.ndim
        config[axis] = (1, 0, 0)
        out = lax.pad(out, np.asarray(identity, out.dtype), config)
    return out


def cumulative_sum(x, /, *, axis: int | None = None, dtype=None,
                   include_initial: bool = False):
    """Cumulative sum, as the array API's cumulative_sum (include_initial starts with 0).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.cumulative_sum(np.array([1, 2, 3]), include_initial=True)
    array([0, 1, 3, 6])
    """
    return _array_api_cumulative("cumulative_sum", cumsum, 0, x, axis, dtype, include_initial)


def cumulative_prod(x, /, *, axis: int | None = None, dtype=None,
                    include_initial: bool = False):
    """Cumulative product, as the array API's cumulative_prod (include_initial starts with 1)."""
    return _array_api_cumulative("cumulative_prod", cumprod, 1, x, axis, dtype,
                                 include_initial)


def _nan_to(a, fname: str, value):
    """a with its nans replaced by value (integers have none)."""
    a = asarray(check_arg(a, fname, 0))
    if a.dtype.kind not in "fc":
        return a
    return lax.select(isnan(a), lax.full(a.shape, value, a.dtype), a)


def nancumsum(a, axis=None, dtype=None, out=None):
    """Cumulative sum treating nan as 0, as numpy.nancumsum."""
    return cumsum(_nan_to(a, "nancumsum", 0), axis, dtype, out)


def nancumprod(a, axis=None, dtype=None, out=None):
    """Cumulative product treating nan as 1, as numpy.nancumprod."""
    return cumprod(_nan_to(a, "nancumprod", 1), axis, dtype, out)


def nansum(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,
           where=None):
    """Sum treating nan as 0, as numpy.nansum.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.nansum(np.array([1.0, np.nan, 2.0]))
    array(3.)
    """
    return sum(_nan_to(a, "nansum", 0), axis, dtype, out, keepdims, initial, where)


def nanprod(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,
            where=None):
    """Product treating nan as 1, as numpy.nanprod."""
    return prod(_nan_to(a, "nanprod", 1), axis, dtype, out, keepdims, initial, where)


def _not_nan(a, where_):
    a = asarray(a)
    keep = logical_not(isnan(a)) if a.dtype.kind in "fc" else lax.full(a.shape, True, np.bool_)
    if where_ is not None:
        keep = logical_and(keep, _masked(lax.full(a.shape, True, np.bool_), where_, False))
    return keep


def nanmean(a, axis=None, dtype=None, out=None, keepdims: bool = False, *, where=None):
    """Mean of the non-nan elements (nan for an all-nan slice), as numpy.nanmean."""
    a = asarray(check_arg(a, "nanmean", 0))
    return mean(a, axis, dtype, out, keepdims, where=_not_nan(a, where))


def nanvar(a, axis=None, dtype=None, out=None, ddof: int = 0, keepdims: bool = False, *,
           where=None, mean=None, correction=None):
    """Variance of the non-nan elements, as numpy.nanvar."""
    a = asarray(check_arg(a, "nanvar", 0))
    return var(a, axis, dtype, out, ddof, keepdims, where=_not_nan(a, where), mean=mean,
               correction=correction)


def nanstd(a, axis=None, dtype=None, out=None, ddof: int = 0, keepdims: bool = False, *,
           where=None, mean=None, correction=None):
    """Standard deviation of the non-nan elements, as numpy.nanstd."""
    return sqrt(nanvar(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                       correction=correction))


def _nan_extremum(fname: str, reduce, fill: float, a, axis, out, keepdims, initial, where_):
    a = asarray(check_arg(a, fname, 0))
    if a.dtype.kind not in "fc":
        return reduce(a, axis, out, keepdims, initial, where_)
    fill = _nan_fill(fill, a.dtype)
    nan = isnan(a)
    result = reduce(lax.select(nan, lax.full(a.shape, fill, a.dtype), a), axis, out,
                    keepdims, initial, where_)
    # An all-nan slice gives nan (NumPy also warns).
    all_nan = all(nan, axis, keepdims=keepdims, where=where_)
    return lax.select(all_nan, lax.full(all_nan.shape, np.nan, a.dtype), result) \
        if initial is None else result


def _nan_fill(fill: float, dtype: np.dtype):
    """What replaces nan in nanmax and the like: +-inf, or +-inf in both parts for complex
    numbers (the ends of their lexicographic order)."""
    return complex(fill, fill) if dtype.kind == "c" else fill


def nanmax(a, axis=None, out=None, keepdims: bool = False, initial=None, where=None):
    """Maximum ignoring nan (nan for an all-nan slice), as numpy.nanmax.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.nanmax(np.array([1.0, np.nan, 3.0]))
    array(3.)
    """
    return _nan_extremum("nanmax", max, -np.inf, a, axis, out, keepdims, initial, where)


def nanmin(a, axis=None, out=None, keepdims: bool = False, initial=None, where=None):
    """Minimum ignoring nan (nan for an all-nan slice), as numpy.nanmin."""
    return _nan_extremum("nanmin", min, np.inf, a, axis, out, keepdims, initial, where)


def ptp(a, axis=None, out=None, keepdims: bool = False):
    """Range (maximum minus minimum) along the axes, as numpy.ptp.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.ptp(np.array([[1, 5], [2, 3]]), axis=1)
    array([4, 1])
    """
    _no_out(out, "ptp")
    return subtract(max(a, axis, keepdims=keepdims), min(a, axis, keepdims=keepdims))


def count_nonzero(a, axis=None, *, keepdims: bool = False):
    """The number of nonzero elements along the axes (int64), as numpy.count_nonzero."""
    return _reduce("count_nonzero", a, axis, keepdims, lambda a, axes: lax.reduce_sum(
        lax.convert_element_type(_nonzero(asarray(a)), np.dtype(np.int64)), axes))


def _arg_reduce(fname: str, prim_fn, a, axis, keepdims: bool):
    a = asarray(a)
    if axis is None:
        out = prim_fn(ravel(a), 0)
        return reshape(out, (1,) * a.ndim) if keepdims else out
    axis = canonical_axis(axis, a.ndim, fname)
    out = prim_fn(a, axis)
    return lax.expand_dims(out, (axis,)) if keepdims else out


def argmax(a, axis=None, keepdims: bool = False):
    """Index of the maximum (first one on ties), as numpy.argmax."""
    return _arg_reduce("argmax", lax.argmax, a, axis, keepdims)


def argmin(a, axis=None, keepdims: bool = False):
    """Index of the minimum (first one on ties), as numpy.argmin."""
    return _arg_reduce("argmin", lax.argmin, a, axis, keepdims)


def _nan_arg_reduce(fname: str, arg_reduce, fill: float, a, axis, out, keepdims: bool):
    _no_out(out, fname)
    a = asarray(check_arg(a, fname, 0))
    if a.dtype.kind not in "fc":
        return arg_reduce(a, axis, keepdims=keepdims)
    fill = _nan_fill(fill, a.dtype)
    nan = isnan(a)
    idx = arg_reduce(lax.select(nan, lax.full(a.shape, fill, a.dtype), a), axis,
                     keepdims=keepdims)
    # As jax.numpy: -1 for an all-nan slice (NumPy raises ValueError there).
    all_nan = all(nan, axis, keepdims=keepdims)
    return lax.select(all_nan, lax.full(all_nan.shape, -1, idx.dtype), idx)


def nanargmax(a, axis=None, out=None, *, keepdims: bool = False):
    """Index of the maximum ignoring nan, as numpy.nanargmax (-1 for an all-nan slice, as
    jax.numpy).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.nanargmax(np.array([np.nan, 1.0, 2.0]))
    array(2)
    """
    return _nan_arg_reduce("nanargmax", argmax, -np.inf, a, axis, out, keepdims)


def nanargmin(a, axis=None, out=None, *, keepdims: bool = False):
    """Index of the minimum ignoring nan, as numpy.nanargmin (-1 for an all-nan slice)."""
    return _nan_arg_reduce("nanargmin", argmin, np.inf, a, axis, out, keepdims)
