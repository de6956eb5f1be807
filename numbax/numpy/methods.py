"""Tracer methods and operators: arrays inside transformations behave like NumPy arrays.

core.trace.Tracer has no arithmetic of its own; importing this module (which importing
numbax.numpy does) installs the operators and the ndarray methods below on it."""
from __future__ import annotations

import builtins

import numpy as np

from ..core.trace import Tracer
from . import creation, elementwise, indexing, products, reductions, shapes, updates
from .protocols import numbax_function  # importing it also installs NEP 13/18 on Tracer


def _reflected(fn):
    return lambda self, other: fn(other, self)


def _no_out(out, method: str) -> None:
    if out is not None:
        raise TypeError(f"{method}: out= is not supported (numbax arrays are immutable); use the "
                        "returned array")


def _shape_args(args: tuple, method: str):
    """NumPy's `a.reshape(2, 3)` / `a.reshape((2, 3))` / `a.transpose(None)` spellings."""
    if len(args) == 1 and (args[0] is None or isinstance(args[0], tuple | list)):
        return args[0]
    if not builtins.all(isinstance(d, int | np.integer) for d in args):
        raise TypeError(f"{method}: expected ints or one tuple of ints, got {args!r}")
    return args


def _item(self, *args):
    value = np.asarray(self._concrete("item()"))
    return value.item(*args)


def _function(name: str, method: str):
    fn = numbax_function(name)
    if fn is None:
        raise NotImplementedError(f"{method} needs numbax.numpy.{name}, which numbax does not "
                                  "have yet")
    return fn


def _forward(name: str):
    """The method `a.name(*args)` as numbax.numpy.name(a, *args), looked up when called (the
    ndarray method and the NumPy function share their other arguments)."""
    def method(self, *args, **kwargs):
        return _function(name, f"{name}()")(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"a.{name}(...) is numbax.numpy.{name}(a, ...)."
    return method


def _iter(self):
    if not self.shape:
        raise TypeError("iteration over a 0-d array")
    return (self[i] for i in range(self.shape[0]))


class _Methods:
    """ndarray methods of tracers, with NumPy's signatures (out= only as None)."""

    def reshape(self, *shape, order: str = "C"):
        return shapes.reshape(self, _shape_args(shape, "reshape"), order)

    def transpose(self, *axes):
        return shapes.transpose(self, _shape_args(axes, "transpose") if axes else None)

    def sum(self, axis=None, dtype=None, out=None, keepdims: bool = False):  # noqa: A003
        _no_out(out, "sum")
        return reductions.sum(self, axis, dtype, keepdims=keepdims)

    def prod(self, axis=None, dtype=None, out=None, keepdims: bool = False):
        _no_out(out, "prod")
        return reductions.prod(self, axis, dtype, keepdims=keepdims)

    def mean(self, axis=None, dtype=None, out=None, keepdims: bool = False):
        _no_out(out, "mean")
        return reductions.mean(self, axis, dtype, keepdims=keepdims)

    def var(self, axis=None, dtype=None, out=None, ddof: int = 0, keepdims: bool = False):
        _no_out(out, "var")
        return reductions.var(self, axis, dtype, ddof=ddof, keepdims=keepdims)

    def std(self, axis=None, dtype=None, out=None, ddof: int = 0, keepdims: bool = False):
        _no_out(out, "std")
        return reductions.std(self, axis, dtype, ddof=ddof, keepdims=keepdims)

    def max(self, axis=None, out=None, keepdims: bool = False):  # noqa: A003
        _no_out(out, "max")
        return reductions.max(self, axis, keepdims=keepdims)

    def min(self, axis=None, out=None, keepdims: bool = False):  # noqa: A003
        _no_out(out, "min")
        return reductions.min(self, axis, keepdims=keepdims)

    def any(self, axis=None, out=None, keepdims: bool = False):  # noqa: A003
        _no_out(out, "any")
        return reductions.any(self, axis, keepdims=keepdims)

    def all(self, axis=None, out=None, keepdims: bool = False):  # noqa: A003
        _no_out(out, "all")
        return reductions.all(self, axis, keepdims=keepdims)

    def argmax(self, axis=None, out=None, keepdims: bool = False):
        _no_out(out, "argmax")
        return reductions.argmax(self, axis, keepdims)

    def argmin(self, axis=None, out=None, keepdims: bool = False):
        _no_out(out, "argmin")
        return reductions.argmin(self, axis, keepdims)

    def cumsum(self, axis=None, dtype=None, out=None):
        _no_out(out, "cumsum")
        return reductions.cumsum(self, axis, dtype)

    def clip(self, min=None, max=None, out=None):  # noqa: A002
        _no_out(out, "clip")
        return elementwise.clip(self, min, max)

    def round(self, decimals: int = 0, out=None):  # noqa: A003
        _no_out(out, "round")
        return elementwise.round(self, decimals)

    def astype(self, dtype, order: str = "K", casting: str = "unsafe", subok: bool = True,
               copy: bool = True):
        return creation.astype(self, dtype)

    def squeeze(self, axis=None):
        return shapes.squeeze(self, axis)

    def swapaxes(self, axis1: int, axis2: int):
        return shapes.swapaxes(self, axis1, axis2)

    def ravel(self, order: str = "C"):
        return shapes.reshape(self, (-1,), order)

    flatten = ravel

    def dot(self, b, out=None):
        _no_out(out, "dot")
        return products.dot(self, b)

    def copy(self, order: str = "C"):
        return self

    def tolist(self):
        return np.asarray(self._concrete("tolist()")).tolist()

    item = _item

    # The methods of jax.Array whose signature is the NumPy function's without its first
    # argument; they work as soon as numbax.numpy has the function.
    sort, argsort, argpartition = _forward("sort"), _forward("argsort"), _forward("argpartition")
    searchsorted, nonzero = _forward("searchsorted"), _forward("nonzero")
    take, repeat, choose = _forward("take"), _forward("repeat"), _forward("choose")
    diagonal, trace = _forward("diagonal"), _forward("trace")
    ptp, cumprod = _forward("ptp"), _forward("cumprod")

    def compress(self, condition, axis=None, out=None, **kwargs):
        _no_out(out, "compress")
        return _function("compress", "compress()")(condition, self, axis, **kwargs)

    def conjugate(self):
        return elementwise.conjugate(self)

    conj = conjugate
    real = property(elementwise.real)
    imag = property(elementwise.imag)
    itemsize = property(lambda self: self.dtype.itemsize)
    nbytes = property(lambda self: self.size * self.dtype.itemsize)


def _install_tracer_methods() -> None:
    E, T = elementwise, Tracer
    T.__add__, T.__radd__ = E.add, _reflected(E.add)
    T.__sub__, T.__rsub__ = E.subtract, _reflected(E.subtract)
    T.__mul__, T.__rmul__ = E.multiply, _reflected(E.multiply)
    T.__truediv__, T.__rtruediv__ = E.divide, _reflected(E.divide)
    T.__pow__, T.__rpow__ = E.power, _reflected(E.power)
    T.__matmul__, T.__rmatmul__ = products.matmul, _reflected(products.matmul)
    T.__neg__, T.__pos__, T.__abs__ = E.negative, lambda self: self, E.abs
    T.__lt__, T.__le__, T.__gt__, T.__ge__ = E.less, E.less_equal, E.greater, E.greater_equal
    T.__eq__, T.__ne__ = E.equal, E.not_equal
    # NumPy's bitwise operators (logical on bools).
    T.__and__, T.__or__, T.__xor__ = E.bitwise_and, E.bitwise_or, E.bitwise_xor
    T.__invert__ = E.bitwise_not
    T.__lshift__, T.__rshift__ = E.left_shift, E.right_shift
    # `True & tracer`; `ndarray & tracer` is np.bitwise_and, through Tracer.__array_ufunc__.
    T.__rand__, T.__ror__ = _reflected(E.bitwise_and), _reflected(E.bitwise_or)
    T.__rxor__ = _reflected(E.bitwise_xor)
    T.__rlshift__, T.__rrshift__ = _reflected(E.left_shift), _reflected(E.right_shift)
    T.__floordiv__, T.__rfloordiv__ = E.floor_divide, _reflected(E.floor_divide)
    T.__mod__, T.__rmod__ = E.remainder, _reflected(E.remainder)
    T.__divmod__, T.__rdivmod__ = E.divmod, _reflected(E.divmod)
    T.__getitem__ = indexing.getitem
    T.at = property(updates.at)  # x.at[idx].set(v) and the other functional updates
    T.__round__ = lambda self, ndigits=None: E.round(self, ndigits or 0)
    T.T = property(lambda self: shapes.transpose(self))
    T.mT = property(lambda self: shapes.swapaxes(self, -1, -2))
    T.__complex__ = lambda self: complex(self._concrete("complex()"))
    T.__iter__ = _iter  # a 0-d array fails at iter(), as in NumPy, not at the first next()
    for name, fn in vars(_Methods).items():
        if not name.startswith("__"):
            setattr(T, name, fn)


_install_tracer_methods()
