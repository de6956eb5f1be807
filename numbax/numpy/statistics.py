"""Statistics: average, median, quantile and percentile (every NumPy 2 method) and their nan
versions, cov, corrcoef, histograms, bincount, digitize and interp.

Order statistics go through lax.sort, so their gradient flows to the elements they select
(through the permutation), as in JAX.

>>> import numpy as np, numbax.numpy as xnp
>>> xnp.median(np.array([3.0, 1.0, 2.0, 10.0]))
array(2.5)
"""
from __future__ import annotations

import builtins
import math

import numpy as np

from .. import lax
from ..core.avals import canonical_axes, real_dtype
from ..core.trace import Tracer
from .arguments import cast, check_arg, check_static
from .creation import asarray
from .elementwise import (
    conj,
    divide,
    imag,
    isnan,
    logical_and,
    logical_not,
    logical_or,
    real,
    where,
)
from .reductions import sum as _sum
from .shapes import broadcast_to, concatenate, ravel, reshape, stack
from .sorting import concrete_size, searchsorted

__all__ = [
    "average", "bincount", "corrcoef", "cov", "digitize", "histogram", "histogram2d",
    "histogram_bin_edges", "histogramdd", "interp", "median", "nanmedian", "nanpercentile",
    "nanquantile", "percentile", "quantile",
]


def _float(a, fname: str, pos: int = 0, complex_ok: bool = False):
    """a as a float array (complex kept where complex_ok; else a TypeError, as NumPy's)."""
    a = asarray(check_arg(a, fname, pos))
    if a.dtype.kind == "c" and not complex_ok:
        raise TypeError(f"{fname}: argument {pos} must be real, got a complex array "
                        f"({a.dtype}), as numpy.{fname}")
    return a if a.dtype.kind in "fc" else cast(a, np.dtype(np.float64))


def _no_out(out, fname: str) -> None:
    if out is not None:
        raise TypeError(f"{fname}: out= is not supported (numbax arrays are immutable)")


def _const(value, like):
    return np.asarray(value, like.dtype)


# ---------------------------------------------------------------------------------------------
# Quantiles


def _take_last(x, idx):
    """x[..., idx] per position: x of shape S + (n,), integer idx of shape S."""
    idxs = [lax.iota(idx.dtype, idx.shape, d) for d in range(idx.ndim)]
    return lax.gather(x, (*idxs, idx), 0)


def _hf_index(alpha: float, beta: float):
    """Hyndman and Fan's continuous virtual index (0-based) for plotting positions alpha,
    beta."""
    return lambda n, q: n * q + (alpha + q * (1 - alpha - beta)) - 1


def _discrete(offset: float, odd_only: bool):
    """inverted_cdf (offset 0) and closest_observation (offset 0.5): the previous order
    statistic where the virtual index is whole (and odd, for closest_observation)."""
    def index(n, q):
        v = n * q - 1 - offset
        prev = lax.floor(v)
        take_prev = lax.eq(v, prev)
        if odd_only:
            half = prev * 0.5
            take_prev = logical_and(take_prev, lax.ne(lax.floor(half), half))
        return where(take_prev, prev, prev + 1)
    return index


# method -> (virtual index (n, q), gamma fix (gamma, index) or None for integer indices)
_METHODS = {
    "inverted_cdf": (_discrete(0.0, False), None),
    "averaged_inverted_cdf": (lambda n, q: n * q - 1,
                              lambda g, v: where(lax.eq(g, _const(0, g)), 0.5, 1.0)),
    "closest_observation": (_discrete(0.5, True), None),
    "interpolated_inverted_cdf": (_hf_index(0, 1), lambda g, v: g),
    "hazen": (_hf_index(0.5, 0.5), lambda g, v: g),
    "weibull": (_hf_index(0, 0), lambda g, v: g),
    "linear": (lambda n, q: (n - 1) * q, lambda g, v: g),
    "median_unbiased": (_hf_index(1 / 3, 1 / 3), lambda g, v: g),
    "normal_unbiased": (_hf_index(3 / 8, 3 / 8), lambda g, v: g),
    "lower": (lambda n, q: lax.floor((n - 1) * q), None),
    "higher": (lambda n, q: lax.ceil((n - 1) * q), None),
    "midpoint": (lambda n, q: 0.5 * (lax.floor((n - 1) * q) + lax.ceil((n - 1) * q)),
                 lambda g, v: where(lax.eq(v, lax.floor(v)), 0.0, 0.5)),
    "nearest": (lambda n, q: lax.round((n - 1) * q, 1), None),
}


def _lerp(a, b, t):
    # NumPy's two-sided form: exact at t = 0 and t = 1, where the other end is ignored (an
    # infinite neighbour would give inf * 0 = nan).
    diff = b - a
    out = where(t >= 0.5, b - diff * (1 - t), a + diff * t)
    return where(t == 0, a, where(t == 1, b, out))


def _check_q(q, fname: str, scale: float):
    q = asarray(check_arg(q, fname, 1))
    if not isinstance(q, Tracer) and q.size and (np.any(q < 0) or np.any(q > scale)):
        raise ValueError(f"{fname}: quantiles must be in the range [0, {scale:g}]")
    return q


def _quantile(fname: str, a, q, axis, method: str, keepdims: bool, ignore_nan: bool):
    if method not in _METHODS:
        raise ValueError(f"{fname}: method must be one of {sorted(_METHODS)}, got {method!r}")
    # NumPy's median orders complex numbers lexicographically; its quantiles refuse them.
    a = _float(a, fname, complex_ok=fname in ("median", "nanmedian"))
    rdt = real_dtype(a.dtype)  # of the positions
    q = cast(q, rdt)
    axes = canonical_axes(axis, a.ndim, fname) if axis is not None else tuple(range(a.ndim))
    rest = tuple(i for i in range(a.ndim) if i not in axes)
    moved = lax.transpose(a, rest + axes) if a.ndim else a
    kept_shape = tuple(a.shape[i] for i in rest)
    n_total = math.prod(a.shape[i] for i in axes)
    if n_total == 0:
        raise ValueError(f"{fname}: cannot take a quantile of an empty axis")
    s = lax.sort(reshape(moved, kept_shape + (n_total,)), -1)
    # nan sorts last: a slice holding one ends with it (and NumPy returns that element).
    last_value = reshape(lax.slice(s, (0,) * len(kept_shape) + (n_total - 1,),
                                   kept_shape + (n_total,)), kept_shape)
    nan_last = isnan(last_value)
    if ignore_nan:
        n = lax.convert_element_type(_sum(logical_not(isnan(s)), axis=-1), rdt)
    else:
        n = lax.full(kept_shape, n_total, rdt)
    qb = reshape(q, q.shape + (1,) * len(kept_shape))
    index_fn, fix_gamma = _METHODS[method]
    v = index_fn(n, qb)
    last = lax.max(n - 1, _const(0, n))
    v_shape = q.shape + kept_shape
    sb = broadcast_to(s, v_shape + (n_total,))
    last = broadcast_to(last, v_shape)
    v = broadcast_to(v, v_shape)

    def at(i):
        i = lax.min(lax.max(i, _const(0, i)), last)
        return _take_last(sb, lax.convert_element_type(i, np.dtype(np.int64)))

    if fix_gamma is None:
        out = at(v)
    else:
        prev = lax.floor(v)
        # Past either end, both neighbours are that end (NumPy's _get_indexes).
        outside = _either(v >= last, v < 0)
        nxt = where(outside, prev, prev + 1)
        gamma = fix_gamma(v - prev, v)
        out = cast(_lerp(at(prev), at(nxt), cast(asarray(gamma), rdt)), a.dtype)
    if not ignore_nan:
        out = where(nan_last, lax.stop_gradient(last_value), out)
    if keepdims:
        out = reshape(out, q.shape + tuple(1 if i in axes else d for i, d in enumerate(a.shape)))
    return out


def _either(x, y):
    return logical_or(x, y)


def quantile(a, q, axis=None, out=None, overwrite_input: bool = False, method: str = "linear",
             keepdims: bool = False, *, weights=None):
    """The q-th quantiles (q in [0, 1], any shape: it leads the result's shape) along the
    axes, as numpy.quantile with every NumPy 2 method. Integers give float64; a slice holding
    nan gives nan.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.quantile(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.25, 0.5]), method="lower")
    array([1., 2.])
    """
    _no_out(out, "quantile")
    if weights is not None:
        raise NotImplementedError("quantile: weights= is not supported")
    return _quantile("quantile", a, _check_q(q, "quantile", 1), axis, method, keepdims, False)


def nanquantile(a, q, axis=None, out=None, overwrite_input: bool = False,
                method: str = "linear", keepdims: bool = False, *, weights=None):
    """quantile ignoring nan (an all-nan slice gives nan), as numpy.nanquantile."""
    _no_out(out, "nanquantile")
    if weights is not None:
        raise NotImplementedError("nanquantile: weights= is not supported")
    return _quantile("nanquantile", a, _check_q(q, "nanquantile", 1), axis, method, keepdims,
                     True)


def percentile(a, q, axis=None, out=None, overwrite_input: bool = False,
               method: str = "linear", keepdims: bool = False, *, weights=None):
    """The q-th percentiles (q in [0, 100]), as numpy.percentile.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.percentile(np.array([1.0, 2.0, 3.0]), 50)
    array(2.)
    """
    _no_out(out, "percentile")
    q = _check_q(q, "percentile", 100)
    return _quantile("percentile", a, _float(q, "percentile") / 100, axis, method, keepdims,
                     False)


def nanpercentile(a, q, axis=None, out=None, overwrite_input: bool = False,
                  method: str = "linear", keepdims: bool = False, *, weights=None):
    """percentile ignoring nan, as numpy.nanpercentile."""
    _no_out(out, "nanpercentile")
    q = _check_q(q, "nanpercentile", 100)
    return _quantile("nanpercentile", a, _float(q, "nanpercentile") / 100, axis, method,
                     keepdims, True)


def median(a, axis=None, out=None, overwrite_input: bool = False, keepdims: bool = False):
    """The median along the axes (the mean of the two middle values for an even count), as
    numpy.median; the gradient goes to the middle element(s)."""
    _no_out(out, "median")
    return _quantile("median", a, np.asarray(0.5), axis, "linear", keepdims, False)


def nanmedian(a, axis=None, out=None, overwrite_input: bool = False, keepdims: bool = False):
    """median ignoring nan, as numpy.nanmedian."""
    _no_out(out, "nanmedian")
    return _quantile("nanmedian", a, np.asarray(0.5), axis, "linear", keepdims, True)


# ---------------------------------------------------------------------------------------------
# Averages and covariance


def average(a, axis=None, weights=None, returned: bool = False, *, keepdims: bool = False):
    """The weighted mean along the axes, as numpy.average; returned=True also gives the sum
    of the weights (broadcast like the result).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.average(np.array([1.0, 2.0, 4.0]), weights=np.array([1.0, 1.0, 2.0]))
    array(2.75)
    """
    a = _float(a, "average", complex_ok=True)
    axes = canonical_axes(axis, a.ndim, "average") if axis is not None else tuple(
        range(a.ndim))
    if weights is None:
        avg = divide(_sum(a, axes, keepdims=keepdims), math.prod(a.shape[i] for i in axes))
        scl = lax.full(avg.shape, math.prod(a.shape[i] for i in axes), avg.dtype)
    else:
        w = asarray(check_arg(weights, "average", 2))
        if w.shape != a.shape:
            if axis is None or w.ndim != 1 or len(axes) != 1 or w.shape[0] != a.shape[axes[0]]:
                raise ValueError(f"average: weights of shape {w.shape} do not match a of shape "
                                 f"{a.shape} along axis {axis} (1-d weights need one axis)")
            w = reshape(w, tuple(a.shape[i] if i == axes[0] else 1 for i in range(a.ndim)))
        dt = np.result_type(a.dtype, w.dtype)
        a, w = cast(a, dt), cast(broadcast_to(w, a.shape), dt)
        scl = _sum(w, axes, keepdims=keepdims)
        avg = divide(_sum(a * w, axes, keepdims=keepdims), scl)
    if returned:
        return avg, broadcast_to(scl, avg.shape)
    return avg


def _rows(m, rowvar: bool, fname: str, dtype):
    x = asarray(check_arg(m, fname, 0))
    if x.ndim > 2:
        raise ValueError(f"{fname}: m has more than 2 dimensions ({x.shape})")
    x = reshape(x, (1, -1)) if x.ndim < 2 else x
    if not rowvar and x.shape[0] != 1:
        x = lax.transpose(x, (1, 0))
    dt = np.dtype(dtype) if dtype is not None else np.result_type(x.dtype, np.float64) \
        if x.dtype.kind not in "fc" else x.dtype
    return cast(x, dt)


def cov(m, y=None, rowvar: bool = True, bias: bool = False, ddof: int | None = None,
        fweights=None, aweights=None, *, dtype=None):
    """The covariance matrix of the variables (rows, or columns when rowvar=False), as
    numpy.cov with frequency and analytic weights.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.cov(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    x = _rows(m, rowvar, "cov", dtype)
    if y is not None:
        x = concatenate([x, _rows(y, rowvar, "cov", x.dtype)], axis=0)
    ddof = (0 if bias else 1) if ddof is None else int(check_static(ddof, "cov", "ddof"))
    w = None
    for name, weights in (("fweights", fweights), ("aweights", aweights)):
        if weights is None:
            continue
        wt = cast(asarray(check_arg(weights, "cov", 0)), real_dtype(x.dtype))
        if wt.shape != (x.shape[1],):
            raise ValueError(f"cov: {name} must be 1-d with {x.shape[1]} entries, got shape "
                             f"{wt.shape}")
        w = wt if w is None else w * wt
    n = x.shape[1]
    if w is None:
        avg = _sum(x, 1) / n
        fact = lax.full((), n - ddof, real_dtype(x.dtype))
    else:
        w_sum = _sum(w)
        avg = _sum(x * w, 1) / w_sum
        if ddof == 0:
            fact = w_sum
        elif aweights is None:
            fact = w_sum - ddof
        else:
            fact = w_sum - ddof * _sum(w * cast(asarray(aweights), w.dtype)) / w_sum
    fact = lax.max(fact, _const(0, fact))
    xc = x - reshape(avg, (-1, 1))
    xw = xc if w is None else xc * w
    # Complex variables pair with the conjugate, as numpy.cov: the result is Hermitian.
    c = divide(lax.dot_general(xc, conj(xw), (((1,), (1,)), ((), ()))), fact)
    return reshape(c, ()) if c.shape == (1, 1) else c


def corrcoef(x, y=None, rowvar: bool = True, *, dtype=None):
    """Pearson correlation coefficients, as numpy.corrcoef (clipped to [-1, 1]).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.corrcoef(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if c.ndim == 0:
        return divide(c, c)
    k = c.shape[0]
    d = lax.gather(reshape(c, (k * k,)), np.arange(k) * (k + 1), 0)
    std = lax.sqrt(real(d))
    c = divide(divide(c, reshape(std, (-1, 1))), reshape(std, (1, -1)))
    if c.dtype.kind == "c":  # each part clipped, as numpy.corrcoef
        return lax.complex(_clip_unit(real(c)), _clip_unit(imag(c)))
    return _clip_unit(c)


def _clip_unit(c):
    return lax.max(lax.min(c, _const(1, c)), _const(-1, c))


# ---------------------------------------------------------------------------------------------
# Counting and binning


def bincount(x, weights=None, minlength: int = 0, *, length: int | None = None):
    """Occurrences of each non-negative integer in the 1-d x (summed weights when given), as
    numpy.bincount. The length is max(x) + 1 (at least minlength) and needs concrete values:
    under jit pass length= (values past it are dropped, as in JAX).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.bincount(np.array([0, 1, 1, 3]))
    array([1, 2, 0, 1])
    """
    x = asarray(check_arg(x, "bincount", 0))
    if x.ndim != 1 or x.dtype.kind not in "iub":
        raise TypeError(f"bincount: x must be a 1-d array of non-negative integers, got "
                        f"{x.dtype} of shape {x.shape}")
    if not isinstance(x, Tracer) and x.size and np.min(x) < 0:
        raise ValueError("bincount: x must be non-negative")
    x = cast(x, np.dtype(np.int64))
    if length is None:
        top = lax.reduce_max(x, (0,)) + 1 if x.shape[0] else np.asarray(0)
        length = builtins.max(concrete_size(top, "bincount", "Pass length= for a result of "
                                             "that length (larger values are dropped)."),
                              int(minlength))
    length = int(check_static(length, "bincount", "length"))
    if weights is None:
        w = lax.full(x.shape, 1, np.int64)
    else:
        w = asarray(check_arg(weights, "bincount", 1))
        if w.shape != x.shape:
            raise ValueError(f"bincount: weights of shape {w.shape} do not match x {x.shape}")
        w = cast(w, np.result_type(w.dtype, np.float64) if w.dtype.kind != "f" else w.dtype)
    # One extra bin collects what falls outside [0, length), and is dropped.
    outside = _either(x >= length, x < 0)
    idx = where(outside, np.asarray(length, np.int64), x)
    counts = lax.scatter_add(lax.full((length + 1,), 0, w.dtype), idx, w, 0)
    return lax.slice(counts, (0,), (length,))


def digitize(x, bins, right: bool = False):
    """The index of the bin each x falls in, as numpy.digitize (bins increasing or
    decreasing).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.digitize(np.array([0.5, 1.5, 3.0]), np.array([0.0, 1.0, 2.0]))
    array([1, 2, 3])
    """
    bins = asarray(check_arg(bins, "digitize", 1))
    _float(x, "digitize")  # NumPy refuses complex x: the check, not the conversion
    if bins.ndim != 1:
        raise ValueError(f"digitize: bins must be 1-d, got shape {bins.shape}")
    side = "left" if right else "right"
    n = bins.shape[0]
    if n == 0:
        return lax.full(np.shape(x), 0, np.int64)
    up = searchsorted(bins, x, side=side)
    down = n - searchsorted(lax.rev(bins, (0,)), x, side=side)
    increasing = lax.ge(lax.slice(bins, (n - 1,), (n,)), lax.slice(bins, (0,), (1,)))
    return where(reshape(increasing, ()), up, down)


def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation of (xp, fp) at x, as numpy.interp (left and right
    values past the ends; period for periodic xp).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.interp(np.array([0.5, 3.0]), np.array([0.0, 1.0, 2.0]), np.array([0.0, 10.0, 0.0]))
    array([5., 0.])
    """
    x, xp = (_float(v, "interp", i) for i, v in enumerate((x, xp)))
    fp = _float(fp, "interp", 2, complex_ok=True)
    if fp.dtype.kind == "c":
        # NumPy interpolates the two parts on their own.
        parts = [interp(x, xp, part(fp), None if end_l is None else part(end_l),
                        None if end_r is None else part(end_r), period)
                 for part, end_l, end_r in ((real, left, right), (imag, left, right))]
        return lax.complex(*parts)
    dt = np.result_type(x.dtype, xp.dtype, fp.dtype)
    x, xp, fp = cast(x, dt), cast(xp, dt), cast(fp, dt)
    if xp.ndim != 1 or fp.shape != xp.shape or xp.shape[0] == 0:
        raise ValueError(f"interp: xp and fp must be 1-d of one non-zero length, got "
                         f"{xp.shape} and {fp.shape}")
    if period is not None:
        period = abs(float(check_static(period, "interp", "period")))
        if period == 0:
            raise ValueError("interp: period must be a non-zero value")
        x, xp = lax.rem(x, _const(period, x)), lax.rem(xp, _const(period, xp))
        x = where(x < 0, x + period, x)
        xp = where(xp < 0, xp + period, xp)
        xp, fp = lax.sort_key_val(xp, fp, 0)
        k = xp.shape[0]
        xp = concatenate([lax.slice(xp, (k - 1,), (k,)) - period, xp,
                          lax.slice(xp, (0,), (1,)) + period])
        fp = concatenate([lax.slice(fp, (k - 1,), (k,)), fp, lax.slice(fp, (0,), (1,))])
    k = xp.shape[0]
    if k == 1:
        f = broadcast_to(reshape(fp, ()), x.shape)
    else:
        i = lax.min(lax.max(searchsorted(xp, x, side="right"), np.ones((), np.int64)),
                    np.asarray(k - 1, np.int64))
        x0, x1 = lax.gather(xp, i - 1, 0), lax.gather(xp, i, 0)
        f0, f1 = lax.gather(fp, i - 1, 0), lax.gather(fp, i, 0)
        dx = x1 - x0
        # A zero-width step takes its left value, with no 0/0 in the value or the gradient.
        flat = lax.eq(dx, _const(0, dx))
        f = where(flat, f0, f0 + (x - x0) / where(flat, _const(1, dx), dx) * (f1 - f0))
    if period is None:
        first = reshape(lax.slice(fp, (0,), (1,)), ())
        last = reshape(lax.slice(fp, (k - 1,), (k,)), ())
        f = where(x < reshape(lax.slice(xp, (0,), (1,)), ()),
                  first if left is None else left, f)
        f = where(x > reshape(lax.slice(xp, (k - 1,), (k,)), ()),
                  last if right is None else right, f)
    return cast(f, dt)


def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002
    """The bin edges histogram would use, as numpy.histogram_bin_edges (bins an int or the
    edges; string estimators are not supported).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.histogram_bin_edges(np.array([0.0, 1.0, 4.0]), bins=4)
    array([0., 1., 2., 3., 4.])
    """
    a = _float(a, "histogram_bin_edges")
    if isinstance(bins, str):
        raise NotImplementedError(f"histogram: the bin estimator {bins!r} is not supported; "
                                  "pass a number of bins or the edges")
    if not isinstance(bins, int | np.integer):
        edges = asarray(check_arg(bins, "histogram", 1))
        if edges.ndim != 1:
            raise ValueError(f"histogram: bins must be an int or 1-d edges, got {edges.shape}")
        return edges if edges.dtype.kind == "f" else cast(edges, np.dtype(np.float64))
    if bins < 1:
        raise ValueError(f"histogram: bins must be a positive integer, got {bins}")
    if range is not None:
        lo, hi = (np.asarray(v, a.dtype) for v in range)
        if lo > hi:
            raise ValueError("histogram: max must be larger than min in range")
    elif a.size:
        lo, hi = lax.reduce_min(ravel(a), (0,)), lax.reduce_max(ravel(a), (0,))
    else:
        lo, hi = np.asarray(0.0, a.dtype), np.asarray(1.0, a.dtype)
    same = lax.eq(lo, hi)
    lo, hi = where(same, lo - 0.5, lo), where(same, hi + 0.5, hi)
    # NumPy's linspace: start + i * step, with the last edge exactly stop.
    step = (hi - lo) / bins
    edges = lo + lax.iota(a.dtype, (bins + 1,)) * step
    return concatenate([lax.slice(edges, (0,), (bins,)), reshape(hi, (1,))])


def histogram(a, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """(counts, bin edges) of a's values, as numpy.histogram: the last bin includes its right
    edge; values outside the range are not counted.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.histogram(np.array([0.0, 1.0, 1.5, 4.0]), bins=2)[0]
    array([3, 1])
    """
    a = _float(a, "histogram")
    edges = histogram_bin_edges(a, bins, range)
    flat = ravel(a)
    nb = edges.shape[0]
    if weights is None:
        w = lax.full(flat.shape, 1, np.int64)
    else:
        w = ravel(asarray(check_arg(weights, "histogram", 4)))
        if w.shape != flat.shape:
            raise ValueError("histogram: weights should have the same shape as a")
    # Bin 0 holds what is below the first edge, bin nb what is above the last.
    counts = lax.scatter_add(lax.full((nb + 1,), 0, w.dtype), _bin_index(edges, flat), w, 0)
    counts = lax.slice(counts, (1,), (nb,))
    if density:
        counts = divide(divide(cast(counts, edges.dtype), _widths(edges)), _sum(counts))
    return counts, edges


def _bin_index(edges, values):
    """1 + the bin of each value (0 below the first edge, len(edges) above the last; the last
    bin includes its right edge)."""
    nb = edges.shape[0]
    idx = searchsorted(edges, values, side="right")
    last = reshape(lax.slice(edges, (nb - 1,), (nb,)), ())
    return where(lax.eq(values, last), np.asarray(nb - 1, np.int64), idx)


def _widths(edges):
    nb = edges.shape[0]
    return lax.slice(edges, (1,), (nb,)) - lax.slice(edges, (0,), (nb - 1,))


def histogramdd(sample, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """(counts, [edges per dimension]) of the rows of the (N, D) sample, as numpy.histogramdd
    (bins: an int, or one int or edge array per dimension; float counts, as NumPy's).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.histogramdd(np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]]), bins=2)[0]
    array([[1., 0.],
           [1., 1.]])
    """
    if isinstance(sample, list | tuple):
        sample = stack([_float(c, "histogramdd") for c in sample], axis=1)
    sample = _float(sample, "histogramdd")
    sample = reshape(sample, (-1, 1)) if sample.ndim == 1 else sample
    if sample.ndim != 2:
        raise ValueError(f"histogramdd: sample must be (N, D), got shape {sample.shape}")
    n, d = sample.shape
    bins = [bins] * d if isinstance(bins, int | np.integer) else list(bins)
    ranges = [None] * d if range is None else list(range)
    if len(bins) != d or len(ranges) != d:
        raise ValueError(f"histogramdd: need one bins and range entry per dimension ({d})")
    cols = [reshape(lax.slice(sample, (0, i), (n, i + 1)), (n,)) for i in builtins.range(d)]
    edges = [histogram_bin_edges(c, b, r) for c, b, r in zip(cols, bins, ranges)]
    sizes = [e.shape[0] + 1 for e in edges]
    flat = lax.full((n,), 0, np.int64)
    for c, e, size in zip(cols, edges, sizes):
        flat = flat * size + _bin_index(e, c)
    w = lax.full((n,), 1.0, sample.dtype) if weights is None else _float(
        weights, "histogramdd", 4)
    if w.shape != (n,):
        raise ValueError(f"histogramdd: weights must have shape ({n},), got {w.shape}")
    hist = lax.scatter_add(lax.full((math.prod(sizes),), 0, w.dtype), flat, w, 0)
    # Drop the outlier bins at both ends of every dimension.
    hist = lax.slice(reshape(hist, sizes), (1,) * d, tuple(s - 1 for s in sizes))
    if density:
        total = _sum(hist)
        for i, e in enumerate(edges):
            shape = [1] * d
            shape[i] = e.shape[0] - 1
            hist = divide(hist, reshape(_widths(e), shape))
        hist = divide(hist, total)
    return hist, edges


def histogram2d(x, y, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """(counts, x edges, y edges) of the points (x, y), as numpy.histogram2d.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.histogram2d(np.array([0.0, 1.0]), np.array([0.0, 1.0]), bins=2)[0]
    array([[1., 0.],
           [0., 1.]])
    """
    if not isinstance(bins, int | np.integer) and np.ndim(bins) == 1 and len(bins) not in (1, 2):
        bins = [bins, bins]  # one array of edges for both
    hist, edges = histogramdd(stack([_float(x, "histogram2d"), _float(y, "histogram2d", 1)],
                                    axis=1), bins, range, density, weights)
    return hist, edges[0], edges[1]
