"""Finite differences and their inverses: diff, ediff1d, gradient, trapezoid and unwrap.

>>> import numpy as np, numbax.numpy as xnp
>>> xnp.diff(np.array([1, 4, 9, 16]))
array([3, 5, 7])
"""
from __future__ import annotations

import numpy as np

from ..core.avals import canonical_axes, canonical_axis
from ..core.trace import Tracer
from .arguments import PYTHON_SCALARS, cast, check_static
from .creation import asarray
from .elementwise import (
    absolute,
    add,
    divide,
    equal,
    greater,
    less,
    logical_and,
    mod,
    multiply,
    not_equal,
    subtract,
    where,
)
from .indexing import getitem
from .reductions import cumsum
from .reductions import sum as reduce_sum
from .shapes import broadcast_to, concatenate, ravel, reshape

__all__ = [
    "diff", "ediff1d", "gradient", "trapezoid", "unwrap",
]


def _along(x, axis: int, start=None, stop=None):
    """x[start:stop] along axis."""
    return getitem(x, (slice(None),) * axis + (slice(start, stop),))


def _ndim(x) -> int:
    return 0 if isinstance(x, PYTHON_SCALARS) else asarray(x).ndim


def diff(a, n: int = 1, axis: int = -1, prepend=None, append=None):
    """The n-th discrete difference along axis, as numpy.diff (not_equal for booleans);
    prepend and append are joined to a first (scalars are broadcast).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.diff(np.array([1., 2., 4., 7.]), n=2)
    array([1., 1.])
    """
    n = check_static(n, "diff", "n")
    if not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"diff: order n must be a non-negative int, got {n!r}")
    a = asarray(a)
    if n == 0:
        return a
    if a.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = canonical_axis(axis, a.ndim, "diff")
    parts = [_edge(prepend, a, axis), a, _edge(append, a, axis)]
    parts = [p for p in parts if p is not None]
    if len(parts) > 1:
        a = concatenate(parts, axis)
    op = not_equal if a.dtype == np.bool_ else subtract
    for _ in range(n):
        a = op(_along(a, axis, 1), _along(a, axis, None, -1))
    return a


def _edge(values, a, axis: int):
    """prepend/append as an array to join to a along axis (a scalar fills one slice)."""
    if values is None:
        return None
    values = asarray(values)
    if values.ndim == 0:
        values = broadcast_to(values, a.shape[:axis] + (1,) + a.shape[axis + 1:])
    return values


def ediff1d(ary, to_end=None, to_begin=None):
    """Differences of consecutive elements of the flattened array, as numpy.ediff1d, with
    to_begin and to_end (cast to ary's dtype) joined at the ends.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.ediff1d(np.array([1, 2, 4, 7]), to_begin=-99)
    array([-99,   1,   2,   3])
    """
    ary = ravel(asarray(ary))
    parts = [_ediff_end(to_begin, ary.dtype, "to_begin"),
             subtract(_along(ary, 0, 1), _along(ary, 0, None, -1)),
             _ediff_end(to_end, ary.dtype, "to_end")]
    parts = [p for p in parts if p is not None]
    return concatenate(parts) if len(parts) > 1 else parts[0]


def _ediff_end(values, dtype: np.dtype, what: str):
    if values is None:
        return None
    values = asarray(values)
    if not np.can_cast(values.dtype, dtype, casting="same_kind"):
        raise TypeError(f"ediff1d: the dtype of {what} ({values.dtype}) must be castable to the "
                        f"input's {dtype} under the same_kind rule")
    return cast(ravel(values), dtype)


# ---------------------------------------------------------------------------------------------
# gradient


def _over(c: float, h):
    """c / h, kept a weak Python float when the spacing h is a Python scalar (as NumPy)."""
    return c / h if isinstance(h, PYTHON_SCALARS) else divide(c, h)


def _spacings(f, varargs: tuple, axes: tuple[int, ...]) -> list:
    """One spacing per axis: a scalar h, or a 1-D array of the steps between coordinates."""
    if not varargs:
        return [1.0] * len(axes)
    if len(varargs) == 1 and _ndim(varargs[0]) == 0:
        return [varargs[0]] * len(axes)
    if len(varargs) != len(axes):
        raise TypeError(f"gradient: expected 0, 1 or {len(axes)} spacings (one per axis), got "
                        f"{len(varargs)}")
    out = []
    for ax, h in zip(axes, varargs):
        if _ndim(h) == 0:
            out.append(h)
            continue
        x = asarray(h)
        if x.ndim != 1 or x.shape[0] != f.shape[ax]:
            raise ValueError(f"gradient: coordinates for axis {ax} must be 1-D of length "
                             f"{f.shape[ax]} (or a scalar spacing), got shape {x.shape}")
        if x.dtype.kind in "iub":
            x = cast(x, np.dtype(np.float64))
        steps = diff(x)
        # NumPy uses the uniform formulas when concrete coordinates are evenly spaced.
        if not isinstance(steps, Tracer) and steps.size and (steps == steps[0]).all():
            steps = steps[0]
        out.append(steps)
    return out


def _gradient_axis(f, axis: int, h, edge_order: int):
    def part(start, stop):
        return _along(f, axis, start, stop)

    def along_axis(steps):  # 1-D steps shaped to broadcast along axis
        return reshape(steps, (-1,) + (1,) * (f.ndim - axis - 1))

    if _ndim(h) == 0:
        interior = divide(subtract(part(2, None), part(None, -2)),
                          2.0 * h if isinstance(h, PYTHON_SCALARS) else multiply(2.0, h))
        if edge_order == 1:
            first = divide(subtract(part(1, 2), part(0, 1)), h)
            last = divide(subtract(part(-1, None), part(-2, -1)), h)
        else:
            first = _combine(part, (0, 1, 2), [_over(c, h) for c in (-1.5, 2.0, -0.5)])
            last = _combine(part, (-3, -2, -1), [_over(c, h) for c in (0.5, -2.0, 1.5)])
        return concatenate([first, interior, last], axis)
    dx1, dx2 = along_axis(_along(h, 0, None, -1)), along_axis(_along(h, 0, 1))
    a = divide(-dx2, multiply(dx1, add(dx1, dx2)))
    b = divide(subtract(dx2, dx1), multiply(dx1, dx2))
    c = divide(dx1, multiply(dx2, add(dx1, dx2)))
    interior = add(add(multiply(a, part(None, -2)), multiply(b, part(1, -1))),
                   multiply(c, part(2, None)))
    if edge_order == 1:
        first = divide(subtract(part(1, 2), part(0, 1)), _along(h, 0, 0, 1))
        last = divide(subtract(part(-1, None), part(-2, -1)), _along(h, 0, -1, None))
    else:
        d1, d2 = _along(h, 0, 0, 1), _along(h, 0, 1, 2)
        s = add(d1, d2)
        first = _combine(part, (0, 1, 2), [divide(-(2.0 * d1 + d2), multiply(d1, s)),
                                           divide(s, multiply(d1, d2)),
                                           divide(-d1, multiply(d2, s))])
        d1, d2 = _along(h, 0, -2, -1), _along(h, 0, -1, None)
        s = add(d1, d2)
        first_last = [divide(d2, multiply(d1, s)), divide(-s, multiply(d1, d2)),
                      divide(2.0 * d2 + d1, multiply(d2, s))]
        last = _combine(part, (-3, -2, -1), first_last)
    return concatenate([first, interior, last], axis)


def _combine(part, positions, coefficients):
    """sum_k coefficients[k] * f[positions[k]] along the axis (one-slice parts)."""
    terms = [multiply(c, part(i, i + 1 if i != -1 else None))
             for c, i in zip(coefficients, positions)]
    return add(add(terms[0], terms[1]), terms[2])


def gradient(f, *varargs, axis=None, edge_order: int | None = None):
    """The gradient of sampled f by second-order central differences inside and first- or
    second-order (edge_order) one-sided differences at the ends, as numpy.gradient.

    varargs: none (unit spacing), one scalar spacing for every axis, or one per axis, each a
    scalar or the 1-D coordinates along it. Returns one array for a single axis, else a tuple
    (NumPy's; JAX returns a list). Integer f gives float64, floats keep their dtype.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.gradient(np.array([1., 2., 4., 7., 11.]))
    array([1. , 1.5, 2.5, 3.5, 4. ])
    """
    edge_order = 1 if edge_order is None else check_static(edge_order, "gradient",
                                                            "edge_order")
    if edge_order not in (1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got {edge_order!r}")
    f = asarray(f)
    if f.ndim == 0:
        raise ValueError("gradient: f must have at least one dimension")
    otype = f.dtype if f.dtype.kind in "fc" else np.dtype(np.float64)
    f = cast(f, otype)
    if axis is None:
        axes = tuple(range(f.ndim))
    else:
        axes = tuple(canonical_axis(ax, f.ndim, "gradient")
                     for ax in ((axis,) if isinstance(axis, int | np.integer) else axis))
        canonical_axes(axes, f.ndim, "gradient")  # rejects repeated axes
    spacings = _spacings(f, varargs, axes)
    out = []
    for ax, h in zip(axes, spacings):
        if f.shape[ax] < edge_order + 1:
            raise ValueError(f"gradient: axis {ax} has {f.shape[ax]} samples; at least "
                             f"edge_order + 1 = {edge_order + 1} are required")
        out.append(cast(_gradient_axis(f, ax, h, edge_order), otype))
    return out[0] if len(out) == 1 else tuple(out)


# ---------------------------------------------------------------------------------------------
# Integration and phase unwrapping


def trapezoid(y, x=None, dx=1.0, axis: int = -1):
    """Integral of y along axis by the trapezoidal rule, as numpy.trapezoid: sample points x
    (1-D along axis, or y's shape), or a constant spacing dx.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.trapezoid(np.array([1., 2., 3.]), x=np.array([0., 1., 3.]))
    array(6.5)
    """
    y = asarray(y)
    if y.ndim == 0:
        raise ValueError("trapezoid: y must have at least one dimension")
    axis = canonical_axis(axis, y.ndim, "trapezoid")
    if x is None:
        d = dx
    else:
        x = asarray(x)
        if x.ndim == 1:
            d = reshape(diff(x), (-1,) + (1,) * (y.ndim - axis - 1))
        else:
            d = diff(x, axis=axis)
    pairs = add(_along(y, axis, 1), _along(y, axis, None, -1))
    return reduce_sum(divide(multiply(d, pairs), 2.0), axis=axis)


def unwrap(p, discont=None, axis: int = -1, period=2 * np.pi):
    """Unwrap a phase signal along axis: jumps larger than discont (period / 2 by default)
    are replaced by their complement modulo period, as numpy.unwrap. Integers become floats,
    as in JAX.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.unwrap(np.array([0., 3., 6.5, 0.2]))
    array([0.        , 3.        , 0.21681469, 0.2       ])
    """
    p = asarray(p)
    if p.dtype.kind == "c":
        raise TypeError(f"unwrap: p must be real, got a complex array ({p.dtype}), as "
                        "numpy.unwrap")
    if p.dtype.kind != "f":
        p = cast(p, np.dtype(np.float64))
    axis = canonical_axis(axis, p.ndim, "unwrap") if p.ndim else axis
    dd = diff(p, axis=axis)
    high = period / 2 if isinstance(period, PYTHON_SCALARS) else divide(period, 2)
    discont = high if discont is None else discont
    low = -high
    ddmod = add(mod(subtract(dd, low), period), low)
    # A jump of exactly half a period keeps its sign (NumPy's boundary rule).
    ddmod = where(logical_and(equal(ddmod, low), greater(dd, 0)), high, ddmod)
    correction = where(less(absolute(dd), discont), 0, subtract(ddmod, dd))
    rest = add(_along(p, axis, 1), cumsum(correction, axis=axis))
    return concatenate([_along(p, axis, None, 1), cast(rest, p.dtype)], axis)
