"""NumPy's dispatch protocols on tracers, so that plain NumPy code traces (beyond JAX).

Tracer implements `__array_ufunc__` (NEP 13) and `__array_function__` (NEP 18): inside a
transformation `np.sin(x)`, `np.sum(x, axis=0)`, `np.ones(3) * x` or `np.concatenate([x, y])`
run the numbax.numpy function of the same name, so existing NumPy code can be differentiated,
vectorised and compiled without changing its imports. The name is looked up when the call
happens, so any function numbax.numpy has is found. Outside transformations nothing changes:
there are no tracers, and NumPy computes as always.

>>> import numpy as np, numbax as nb
>>> float(nb.grad(lambda x: np.sum(np.sin(x) ** 2))(np.float64(0.5)))  # doctest: +ELLIPSIS
0.841...
"""
from __future__ import annotations

import functools
import importlib
import inspect
import threading
from collections.abc import Callable

import numpy as np

from ..core.trace import Tracer

__all__: list[str] = []

# ufunc.reduce and ufunc.accumulate as the numbax.numpy reduction that computes them.
_REDUCE = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min",
           "logical_and": "all", "logical_or": "any", "fmax": "nanmax", "fmin": "nanmin"}
_ACCUMULATE = {"add": "cumsum", "multiply": "cumprod"}

# ufunc keywords that change nothing numbax computes (memory layout, casting checks).
_IGNORED_UFUNC_KEYWORDS = {"casting", "order", "subok"}


class _Dispatching(threading.local):
    """The NumPy functions this thread is dispatching now (to catch re-entry)."""

    def __init__(self):
        self.active: set[int] = set()


_dispatching = _Dispatching()


def numbax_function(name: str, module: str = "numpy") -> Callable | None:
    """The numbax.numpy function that stands for NumPy's `module.name`, or None.

    Looked up when called, so functions added to numbax.numpy at any time are found.
    numpy.linalg.norm maps to numbax.numpy.linalg.norm; private NumPy modules to the top level.

    >>> numbax_function("sin").__name__
    'sin'
    """
    parts = module.split(".")[1:]
    if any(p.startswith("_") for p in parts):
        parts = []
    namespace = importlib.import_module(__package__)
    for part in parts:
        namespace = getattr(namespace, part, None)
        if namespace is None:
            return None
    fn = getattr(namespace, name, None)
    return fn if callable(fn) else None


def _numpy_name(name: str, module: str) -> str:
    parts = [p for p in module.split(".")[1:] if not p.startswith("_")]
    return ".".join(["numpy", *parts, name])


def _missing(what: str) -> TypeError:
    return TypeError(
        f"numbax has no equivalent of {what} (called on a traced value), so it cannot be "
        "traced. Call a numbax.numpy function instead, or compute it outside the "
        "transformation (on values that do not depend on the transformed arguments).")


def _check_no_out(out, what: str) -> None:
    outs = out if isinstance(out, tuple) else (out,)
    if any(o is not None for o in outs):
        raise TypeError(f"{what}: out= is not supported on traced values (numbax arrays are "
                        "immutable); use the returned array instead")


@functools.lru_cache(maxsize=1024)
def _keywords(fn: Callable) -> frozenset | None:
    """The keyword arguments fn takes; None when it takes any (or has no signature)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None
    return frozenset(p.name for p in params if p.kind is not p.POSITIONAL_ONLY)


def _call(fn: Callable, what: str, args: tuple, kwargs: dict):
    """fn(*args, **kwargs), refusing NumPy keywords fn lacks with a TypeError naming them."""
    known = _keywords(fn)
    unknown = sorted(set(kwargs) - known) if known is not None else []
    if unknown:
        raise TypeError(f"{what}: keyword argument(s) {unknown} are not supported on traced "
                        f"values (numbax.numpy.{fn.__name__} does not take them)")
    return fn(*args, **kwargs)


def _foreign(values) -> bool:
    """Whether a value defines its own __array_ufunc__ (another library's array type)."""
    for v in values:
        handler = getattr(type(v), "__array_ufunc__", None)
        if (handler is not None and not isinstance(v, Tracer)
                and handler is not np.ndarray.__array_ufunc__):
            return True
    return False


def _array_ufunc(self, ufunc: np.ufunc, method: str, *inputs, **kwargs):
    """NEP 13: a NumPy ufunc (or ufunc method) applied to a tracer, as numbax.numpy computes it."""
    if _foreign(inputs):
        return NotImplemented
    what = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    _check_no_out(kwargs.pop("out", None), what)
    handler = _UFUNC_METHODS.get(method)
    if handler is None:
        raise TypeError(f"{what} is not supported on traced values")
    key = id(ufunc), method
    if key in _dispatching.active:
        # numbax itself applied this ufunc to a tracer while computing it: no way out.
        raise TypeError(f"{what} re-entered while numbax was computing it on a traced value")
    _dispatching.active.add(key)
    try:
        return handler(ufunc, what, inputs, kwargs)
    finally:
        _dispatching.active.discard(key)


def _ufunc_call(ufunc: np.ufunc, what: str, inputs: tuple, kwargs: dict):
    fn = numbax_function(ufunc.__name__)
    if fn is None:
        raise _missing(what)
    if kwargs.pop("where", True) is not True:
        raise TypeError(f"{what}: where= needs out= to say what the masked entries hold, and "
                        "out= is not supported; use numbax.numpy.where on the result")
    dtype = kwargs.pop("dtype", None)
    unknown = set(kwargs) - _IGNORED_UFUNC_KEYWORDS
    if unknown:
        raise TypeError(f"{what}: keyword argument(s) {sorted(unknown)} are not supported on "
                        "traced values")
    if dtype is not None:
        astype = numbax_function("astype")
        inputs = tuple(astype(x, dtype) for x in inputs)
    return fn(*inputs)


def _ufunc_reduce(ufunc: np.ufunc, what: str, inputs: tuple, kwargs: dict):
    fn = numbax_function(_REDUCE.get(ufunc.__name__, ""))
    if fn is None:
        raise _missing(what)
    (a,) = inputs
    # ufunc.reduce reduces the first axis by default, unlike the reduction functions.
    kwargs.setdefault("axis", 0)
    if kwargs.get("where", True) is True:
        kwargs.pop("where", None)
    if kwargs.get("dtype") is None:
        kwargs.pop("dtype", None)
    return _call(fn, what, (a,), kwargs)


def _ufunc_accumulate(ufunc: np.ufunc, what: str, inputs: tuple, kwargs: dict):
    fn = numbax_function(_ACCUMULATE.get(ufunc.__name__, ""))
    if fn is None:
        raise _missing(what)
    (a,) = inputs
    axis, dtype = kwargs.pop("axis", 0), kwargs.pop("dtype", None)
    if kwargs:
        raise TypeError(f"{what}: keyword argument(s) {sorted(kwargs)} are not supported")
    return fn(a, axis=axis, dtype=dtype)


def _ufunc_outer(ufunc: np.ufunc, what: str, inputs: tuple, kwargs: dict):
    fn, asarray = numbax_function(ufunc.__name__), numbax_function("asarray")
    if fn is None or len(inputs) != 2:
        raise _missing(what)
    a, b = map(asarray, inputs)
    # a's axes first, then b's: a gets b.ndim trailing unit axes and broadcasting does the rest.
    return _ufunc_call(ufunc, what, (numbax_function("reshape")(a, a.shape + (1,) * b.ndim), b),
                       kwargs)


def _ufunc_at(ufunc: np.ufunc, what: str, inputs: tuple, kwargs: dict):
    raise TypeError(f"{what} updates an array in place, and numbax arrays are immutable; use "
                    f"x.at[indices] (e.g. x.at[i].add(v)), which returns the updated array")


def _ufunc_reduceat(ufunc: np.ufunc, what: str, inputs: tuple, kwargs: dict):
    raise _missing(what)


_UFUNC_METHODS = {"__call__": _ufunc_call, "reduce": _ufunc_reduce,
                  "accumulate": _ufunc_accumulate, "outer": _ufunc_outer, "at": _ufunc_at,
                  "reduceat": _ufunc_reduceat}


def _array_function(self, func, types, args: tuple, kwargs: dict):
    """NEP 18: a NumPy function called with a tracer among its arguments runs numbax.numpy's."""
    if not all(issubclass(t, Tracer | np.ndarray) for t in types):
        return NotImplemented
    module = getattr(func, "__module__", None) or "numpy"
    what = _numpy_name(func.__name__, module)
    fn = numbax_function(func.__name__, module)
    if fn is None:
        raise _missing(what)
    if fn is func or id(func) in _dispatching.active:
        # numbax.numpy re-exports this NumPy function, or its version calls NumPy's on the
        # traced value: run NumPy's own implementation, which works through the tracer's
        # methods and ufuncs (or raises if it needs concrete values).
        return func._implementation(*args, **kwargs)
    if "out" in kwargs:
        _check_no_out(kwargs.pop("out"), what)
    _dispatching.active.add(id(func))
    try:
        return _call(fn, what, args, kwargs)
    finally:
        _dispatching.active.discard(id(func))


def _install() -> None:
    Tracer.__array_ufunc__ = _array_ufunc
    Tracer.__array_function__ = _array_function


_install()
