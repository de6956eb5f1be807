"""Abstract values: ShapedArray, dtype promotion and broadcasting shape rules."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The dtypes numbax computes with. Object, string and datetime arrays are rejected at the API
# boundary so that no rule ever has to guess what they mean.
SUPPORTED_DTYPES = frozenset(
    np.dtype(t)
    for t in (
        np.bool_, np.int8, np.int16, np.int32, np.int64,
        np.uint8, np.uint16, np.uint32, np.uint64,
        np.float16, np.float32, np.float64, np.complex64, np.complex128,
    )
)

_SHORT_NAMES = {dt: "bool" if dt.kind == "b" else f"{dt.kind}{8 * dt.itemsize}"
                for dt in SUPPORTED_DTYPES}


def short_dtype_name(dtype: np.dtype) -> str:
    """'f64' for float64, 'i32' for int32, 'bool' for bool."""
    return _SHORT_NAMES.get(dtype, str(dtype))


@dataclass(frozen=True)
class ShapedArray:
    """The abstract value of an array: its shape and dtype, nothing about its contents."""

    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def update(self, shape: tuple[int, ...] | None = None, dtype=None) -> ShapedArray:
        return ShapedArray(self.shape if shape is None else tuple(shape),
                           self.dtype if dtype is None else np.dtype(dtype))

    def str_short(self) -> str:
        return f"{short_dtype_name(self.dtype)}[{','.join(map(str, self.shape))}]"

    def __repr__(self) -> str:
        return f"ShapedArray({self.str_short()})"


def is_inexact(dtype: np.dtype) -> bool:
    """Float or complex: the dtypes that have tangents."""
    return np.dtype(dtype).kind in "fc"


def real_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype of the real and imaginary parts of dtype (dtype itself when it is real)."""
    dtype = np.dtype(dtype)
    return np.empty(0, dtype).real.dtype


def check_dtype(dtype: np.dtype, what: str) -> np.dtype:
    """Return dtype if numbax supports it, else raise a TypeError naming `what`."""
    dtype = np.dtype(dtype)
    if dtype not in SUPPORTED_DTYPES:
        if dtype.newbyteorder("=") in SUPPORTED_DTYPES:
            raise TypeError(f"{what} has dtype {dtype.str}, in non-native byte order, which numbax "
                            "does not support; convert it with .astype(x.dtype.newbyteorder('='))")
        raise TypeError(
            f"{what} has dtype {dtype}, which numbax does not support; expected a bool, "
            "integer, floating-point or complex array")
    return dtype


def aval_of_value(x, what: str = "argument") -> ShapedArray:
    """The ShapedArray of a concrete value (NumPy array, NumPy scalar or Python scalar)."""
    if isinstance(x, np.ndarray | np.generic):
        return ShapedArray(x.shape, check_dtype(x.dtype, what))
    if isinstance(x, bool | int | float | complex):
        dtype = np.asarray(x).dtype
        if dtype.kind == "O":
            raise OverflowError(f"{what} is the Python int {x}, which does not fit in a 64-bit "
                                "integer")
        return ShapedArray((), dtype)
    raise TypeError(
        f"{what} is of type {type(x).__name__}; expected a numbax/NumPy array or a Python "
        "scalar (bool, int, float, complex)")


def broadcast_shapes(op: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """NumPy broadcasting of shapes; a ValueError names the operation and the shapes."""
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, d in enumerate(s, ndim - len(s)):
            if d != out[i]:
                if out[i] != 1 and d != 1:
                    raise ValueError(
                        f"{op}: shapes {' and '.join(str(tuple(x)) for x in shapes)} cannot be "
                        "broadcast together")
                if d != 1:
                    out[i] = d
    return tuple(out)


def canonical_axis(axis: int, ndim: int, op: str) -> int:
    """Normalise a possibly negative axis, raising a ValueError when it is out of range."""
    if not isinstance(axis, int | np.integer) or isinstance(axis, bool):
        raise TypeError(f"{op}: axis must be an int, got {type(axis).__name__}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{op}: axis {axis} is out of range for an array of rank {ndim}")
    return int(axis) % ndim


def canonical_axes(axes, ndim: int, op: str) -> tuple[int, ...]:
    """Normalise None / int / sequence of axes to a sorted tuple of distinct axes."""
    if axes is None:
        return tuple(range(ndim))
    if not isinstance(axes, tuple | list):
        axes = (axes,)  # a lone axis; canonical_axis rejects what is not an int
    out = tuple(sorted(canonical_axis(a, ndim, op) for a in axes))
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {tuple(axes)}")
    return out
