"""Array creation and conversion: full, zeros, ones, empty and their *_like forms, arange,
linspace, logspace, geomspace, eye, identity, asarray, array, copy, astype, and shape, ndim
and size.

numbax.numpy.shapes builds on asarray, so the few paths here that need shapes' functions
(traced values only) import them where they run."""
from __future__ import annotations

import builtins

import numpy as np

from .. import lax
from ..core.avals import aval_of_value, check_dtype, real_dtype
from ..core.trace import Tracer
from .arguments import check_static, promote

__all__ = [
    "arange", "array", "asarray", "astype", "copy", "empty", "empty_like", "eye", "full",
    "fromiter", "full_like", "geomspace", "identity", "linspace", "logspace", "ndim", "ones",
    "ones_like", "shape", "size", "zeros", "zeros_like",
]


def _shape_arg(shape) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, int | np.integer) else tuple(int(d) for d in shape)


def full(shape, fill_value, dtype=None):
    """An array of the given shape filled with fill_value (which may be traced)."""
    shape = _shape_arg(shape)
    if isinstance(fill_value, Tracer) or (isinstance(fill_value, np.ndarray) and fill_value.ndim):
        from .shapes import broadcast_to

        fill = asarray(fill_value, dtype)
        return broadcast_to(fill, shape)
    dt = np.dtype(dtype) if dtype is not None else np.asarray(fill_value).dtype
    return lax.full(shape, np.asarray(fill_value, dt).item(), dt)


def zeros(shape, dtype=None):
    """An array of zeros (float64 by default)."""
    return full(shape, 0, np.float64 if dtype is None else dtype)


def ones(shape, dtype=None):
    """An array of ones (float64 by default)."""
    return full(shape, 1, np.float64 if dtype is None else dtype)


def full_like(a, fill_value, dtype=None, shape=None):
    a = asarray(a)
    return full(a.shape if shape is None else shape, fill_value,
                a.dtype if dtype is None else dtype)


def zeros_like(a, dtype=None, shape=None):
    return full_like(a, 0, dtype, shape)


def ones_like(a, dtype=None, shape=None):
    return full_like(a, 1, dtype, shape)


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in [start, stop), as numpy.arange (arguments are static)."""
    for name, v in (("start", start), ("stop", stop), ("step", step)):
        check_static(v, "arange", name)
    args = [v for v in (start, stop, step) if v is not None]
    return asarray(np.arange(*args, dtype=dtype))


def linspace(start, stop, num: int = 50, endpoint: bool = True, dtype=None):
    """num evenly spaced values from start to stop; start and stop may be traced."""
    num = int(check_static(num, "linspace", "num"))
    if num < 0:
        raise ValueError(f"linspace: num must be non-negative, got {num}")
    if not isinstance(start, Tracer) and not isinstance(stop, Tracer):
        return asarray(np.linspace(start, stop, num, endpoint=endpoint, dtype=dtype))
    from .shapes import concatenate, reshape

    start, stop = promote("linspace", start, stop, inexact=True)
    div = (num - 1) if endpoint else num
    # The fractions are real; complex ends scale them.
    steps = lax.iota(real_dtype(start.dtype), (num,)) / builtins.max(div, 1)
    out = start + steps * (stop - start)
    if endpoint and num > 1:
        out = concatenate([out[:-1], reshape(stop, (1,))])
    return out if dtype is None else astype(out, dtype)


def eye(N: int, M: int | None = None, k: int = 0, dtype=None):
    """A 2-D array with ones on the k-th diagonal."""
    return asarray(np.eye(N, M, k, dtype=np.float64 if dtype is None else dtype))


def identity(n: int, dtype=None):
    return eye(n, dtype=dtype)


def asarray(a, dtype=None):
    """Convert to an array: lists, tuples, scalars and arrays; traced values pass through."""
    if isinstance(a, Tracer):
        return a if dtype is None else astype(a, dtype)
    if isinstance(a, list | tuple) and _contains_tracer(a):
        from .shapes import stack

        parts = [asarray(x, dtype) for x in a]
        shapes = {p.shape for p in parts}
        if len(shapes) > 1:  # the error NumPy gives for the same list of concrete values
            raise TypeError(f"asarray: cannot convert {type(a).__name__} to an array: its "
                            f"items have inhomogeneous shapes {sorted(shapes)}")
        return stack(parts)
    try:
        out = np.asarray(a, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"asarray: cannot convert {type(a).__name__} to an array: {err}") from None
    aval_of_value(out, "asarray argument")
    return out


def array(a, dtype=None, copy: bool = True):
    """Like asarray, but copies concrete inputs, as numpy.array."""
    out = asarray(a, dtype)
    return out.copy() if copy and isinstance(out, np.ndarray) and out is a else out


def _contains_tracer(xs) -> bool:
    return builtins.any(isinstance(x, Tracer) or (isinstance(x, list | tuple) and _contains_tracer(x))
                        for x in xs)


def astype(x, dtype):
    """x converted to dtype."""
    dt = check_dtype(np.dtype(dtype), "astype target")
    x = asarray(x)
    return x if x.dtype == dt else lax.convert_element_type(x, dt)


def shape(a) -> tuple[int, ...]:
    return asarray(a).shape


def ndim(a) -> int:
    return asarray(a).ndim


def size(a) -> int:
    return asarray(a).size


def empty(shape, dtype=None):
    """An array of the given shape; numbax arrays are immutable, so, as in JAX, it holds zeros.

    >>> empty(2).tolist()
    [0.0, 0.0]
    """
    return zeros(shape, dtype)


def empty_like(prototype, dtype=None, shape=None):
    """An array of zeros shaped like prototype (see empty)."""
    return zeros_like(prototype, dtype, shape)


def copy(a, order: str = "K"):
    """A copy of a (concrete arrays are copied; a traced value is passed on, as values are
    immutable).

    >>> copy(np.ones(2)).tolist()
    [1.0, 1.0]
    """
    if order not in ("K", "A", "C", "F"):
        raise ValueError(f"copy: order must be one of 'K', 'A', 'C', 'F', got {order!r}")
    return array(a, copy=True)


def logspace(start, stop, num: int = 50, endpoint: bool = True, base=10.0, dtype=None,
             axis: int = 0):
    """num values spaced evenly on a log scale: base ** linspace(start, stop, num).

    >>> logspace(0, 2, 3).tolist()
    [1.0, 10.0, 100.0]
    """
    traced = builtins.any(isinstance(v, Tracer) for v in (start, stop, base))
    if not traced:
        return asarray(np.logspace(start, stop, num, endpoint, base, dtype, axis))
    if axis != 0 or builtins.any(np.ndim(v) for v in (start, stop, base)):
        raise NotImplementedError("logspace: traced start, stop or base must be scalars, "
                                  "with axis=0")
    from .elementwise import power

    out = power(base, linspace(start, stop, num, endpoint))
    return out if dtype is None else astype(out, dtype)


def geomspace(start, stop, num: int = 50, endpoint: bool = True, dtype=None, axis: int = 0):
    """num values spaced evenly on a log scale from start to stop (a geometric progression).

    >>> geomspace(1, 100, 3).tolist()
    [1.0, 10.0, 100.0]
    """
    if not isinstance(start, Tracer) and not isinstance(stop, Tracer):
        return asarray(np.geomspace(start, stop, num, endpoint, dtype, axis))
    if axis != 0 or np.ndim(start) or np.ndim(stop):
        raise NotImplementedError("geomspace: traced start and stop must be scalars, with axis=0")
    from . import elementwise as el
    from .shapes import concatenate, reshape

    start, stop = promote("geomspace", start, stop, inexact=True)
    num = int(check_static(num, "geomspace", "num"))
    # The progression of the magnitudes, with start's sign; the end points exactly as given.
    out = el.sign(start) * el.exp(linspace(el.log(el.abs(start)), el.log(el.abs(stop)), num,
                                           endpoint))
    if num > 0:
        inner = out[1:-1] if endpoint and num > 1 else out[1:]
        parts = [reshape(start, (1,)), inner] + ([reshape(stop, (1,))] if endpoint and num > 1
                                                 else [])
        out = concatenate(parts)
    return out if dtype is None else astype(out, dtype)


def fromiter(iterable, dtype, count: int = -1):
    """A 1-D array of the values of an iterable of concrete scalars, as numpy.fromiter.

    >>> fromiter(range(3), float).tolist()
    [0.0, 1.0, 2.0]
    """
    if dtype is None:
        raise TypeError("fromiter: dtype must be given (as in NumPy)")
    return asarray(np.fromiter(iterable, dtype, count))
