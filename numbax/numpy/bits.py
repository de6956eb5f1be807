"""Packing bits into uint8 and unpacking them: numpy.packbits and numpy.unpackbits.

Both are reshapes around a weighted sum (packing) or shifts and masks (unpacking), so they
trace, batch and compile like any other composition; they have no derivative (integers).
"""
from __future__ import annotations

import numpy as np

from ..core.avals import canonical_axis
from .arguments import check_arg, check_static, dtype_of
from .assembly import pad
from .creation import asarray, astype
from .elementwise import bitwise_and, not_equal, right_shift
from .reductions import sum as _sum
from .shapes import moveaxis, ravel, reshape

__all__ = ["packbits", "unpackbits"]


def _bit_weights(bitorder: str, fname: str) -> np.ndarray:
    if bitorder not in ("big", "little"):
        raise ValueError(f"{fname}: bitorder must be 'big' or 'little', got {bitorder!r}")
    weights = 2 ** np.arange(8, dtype=np.uint8)
    return weights[::-1].copy() if bitorder == "big" else weights


def _along_last(a, axis, fname: str):
    """a with `axis` moved last (a flattened when axis is None), and the axis it came from."""
    if axis is None:
        return ravel(a), None
    axis = canonical_axis(check_static(axis, fname, "axis"), a.ndim, fname)
    return moveaxis(a, axis, -1), axis


def packbits(a, axis: int | None = None, bitorder: str = "big"):
    """Each run of 8 elements of a (bool or integer; nonzero is a 1 bit) along axis packed
    into one uint8, as numpy.packbits; the axis is padded with zeros to a multiple of 8.

    >>> import numpy as np
    >>> packbits(np.array([1, 0, 1, 1, 0, 0, 0, 0, 1])).tolist()
    [176, 128]
    """
    a = asarray(check_arg(a, "packbits", 0))
    if dtype_of(a).kind not in "biu":
        raise TypeError(f"packbits: expected an array of integers or booleans, got {dtype_of(a)}")
    weights = _bit_weights(bitorder, "packbits")
    bits, axis = _along_last(astype(not_equal(a, 0), np.uint8), axis, "packbits")
    n = bits.shape[-1]
    bits = pad(bits, [(0, 0)] * (bits.ndim - 1) + [(0, -n % 8)])
    groups = reshape(bits, bits.shape[:-1] + (bits.shape[-1] // 8, 8))
    packed = _sum(groups * weights, axis=-1, dtype=np.uint8)
    return packed if axis is None else moveaxis(packed, -1, axis)


def unpackbits(a, axis: int | None = None, count: int | None = None, bitorder: str = "big"):
    """The bits of a uint8 array as uint8 zeros and ones along axis, 8 per element, as
    numpy.unpackbits; count keeps that many bits (negative: drops them from the end; more
    than there are: pads zeros).

    >>> import numpy as np
    >>> unpackbits(np.array([176], np.uint8)).tolist()
    [1, 0, 1, 1, 0, 0, 0, 0]
    """
    a = asarray(check_arg(a, "unpackbits", 0))
    if dtype_of(a) != np.uint8:
        raise TypeError(f"unpackbits: expected an array of uint8, got {dtype_of(a)}")
    shifts = np.log2(_bit_weights(bitorder, "unpackbits")).astype(np.uint8)
    last, axis = _along_last(a, axis, "unpackbits")
    bits = bitwise_and(right_shift(reshape(last, last.shape + (1,)), shifts), np.uint8(1))
    bits = reshape(bits, last.shape[:-1] + (last.shape[-1] * 8,))
    if count is not None:
        total = bits.shape[-1]
        keep = check_static(count, "unpackbits", "count")
        keep = max(total + keep, 0) if keep < 0 else keep
        bits = bits[..., :keep] if keep <= total else pad(
            bits, [(0, 0)] * (bits.ndim - 1) + [(0, keep - total)])
    return bits if axis is None else moveaxis(bits, -1, axis)
