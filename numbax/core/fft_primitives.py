"""The discrete Fourier transform primitive `fft`, as XLA's (and jax.lax.fft's).

One primitive with params fft_type ("FFT", "IFFT", "RFFT" or "IRFFT") and fft_lengths (the
sizes of the trailing len(fft_lengths) axes it transforms; any leading axes are a batch):
FFT and IFFT map complex to complex, RFFT real to complex (the last axis n becomes n//2 + 1),
IRFFT complex to real (the last axis becomes fft_lengths[-1]). The primitive is strict: its
operand already has the dtype and trailing shape the transform needs (numbax.numpy.fft pads,
truncates and promotes). The NumPy impl makes one pocketfft call for the whole batch.
Its rules are in interpreters/fft_rules.py.
"""
from __future__ import annotations

import numpy as np

from .avals import ShapedArray
from .primitives import Primitive, abstract_eval_rules, impl_rules

FFT_TYPES = ("FFT", "IFFT", "RFFT", "IRFFT")

_COMPLEX_OF = {np.dtype(np.float32): np.dtype(np.complex64),
               np.dtype(np.float64): np.dtype(np.complex128),
               np.dtype(np.complex64): np.dtype(np.complex64),
               np.dtype(np.complex128): np.dtype(np.complex128)}


def complex_dtype(dtype) -> np.dtype:
    """The complex dtype of a transform's output for a float32/64 or complex64/128 input."""
    return _COMPLEX_OF[np.dtype(dtype)]


def _check_params(fft_type: str, fft_lengths: tuple, ndim: int) -> None:
    if fft_type not in FFT_TYPES:
        raise ValueError(f"fft: fft_type must be one of {FFT_TYPES}, got {fft_type!r}")
    if not 1 <= len(fft_lengths) <= ndim:
        raise ValueError(f"fft: fft_lengths must name between 1 and the operand's rank ({ndim}) "
                         f"trailing axes, got {fft_lengths}")
    if any(not isinstance(n, int) or n < 1 for n in fft_lengths):
        raise ValueError(f"fft: fft_lengths must be positive ints, got {fft_lengths}")


def _fft_aval(x: ShapedArray, *, fft_type: str, fft_lengths: tuple) -> list:
    _check_params(fft_type, fft_lengths, x.ndim)
    k = len(fft_lengths)
    want_kind = "f" if fft_type == "RFFT" else "c"
    if x.dtype.kind != want_kind or x.dtype not in _COMPLEX_OF:
        what = "float32 or float64" if want_kind == "f" else "complex64 or complex128"
        raise TypeError(f"fft: {fft_type} needs a {what} operand, got {x.str_short()}")
    trailing = tuple(fft_lengths)
    if fft_type == "IRFFT":
        trailing = trailing[:-1] + (fft_lengths[-1] // 2 + 1,)
    if x.shape[x.ndim - k:] != trailing:
        raise ValueError(f"fft: {fft_type} with fft_lengths {fft_lengths} needs trailing axes "
                         f"of sizes {trailing}, got an operand of shape {x.shape}")
    batch = x.shape[:x.ndim - k]
    if fft_type == "RFFT":
        return [ShapedArray(batch + trailing[:-1] + (fft_lengths[-1] // 2 + 1,),
                            complex_dtype(x.dtype))]
    if fft_type == "IRFFT":
        return [ShapedArray(batch + tuple(fft_lengths), np.empty(0, x.dtype).real.dtype)]
    return [x]


_NUMPY_FFTS = {"FFT": np.fft.fftn, "IFFT": np.fft.ifftn, "RFFT": np.fft.rfftn,
               "IRFFT": np.fft.irfftn}


def _fft(x: np.ndarray, *, fft_type: str, fft_lengths: tuple) -> list:
    (aval,) = _fft_aval(ShapedArray(x.shape, x.dtype), fft_type=fft_type,
                        fft_lengths=fft_lengths)
    axes = tuple(range(x.ndim - len(fft_lengths), x.ndim))
    out = _NUMPY_FFTS[fft_type](x, s=fft_lengths, axes=axes)
    # NumPy 2's pocketfft keeps single precision; the cast makes sure of it.
    return [np.ascontiguousarray(out, dtype=aval.dtype)]


fft_p = Primitive("fft", linear=True)
abstract_eval_rules[fft_p] = _fft_aval
impl_rules[fft_p] = _fft
