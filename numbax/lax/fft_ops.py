"""The strict wrapper of the `fft` primitive (JAX's jax.lax.fft), re-exported by numbax.lax
as the function `fft` together with FftType.

>>> import numpy as np, numbax as nb
>>> nb.lax.fft(np.ones(4, np.complex128), "FFT", (4,))
array([4.+0.j, 0.+0.j, 0.+0.j, 0.+0.j])
"""
from __future__ import annotations

import enum
from collections.abc import Sequence

from ..core.fft_primitives import FFT_TYPES, fft_p


class FftType(enum.IntEnum):
    """The kinds of transform, as jax.lax.FftType (strings "FFT", ... are accepted too)."""

    FFT = 0
    IFFT = 1
    RFFT = 2
    IRFFT = 3


def _fft_type_name(fft_type) -> str:
    if isinstance(fft_type, FftType):
        return fft_type.name
    if isinstance(fft_type, str) and fft_type.upper() in FFT_TYPES:
        return fft_type.upper()
    raise ValueError(f"lax.fft: fft_type must be one of {FFT_TYPES} or an FftType, "
                     f"got {fft_type!r}")


def fft(x, fft_type: FftType | str, fft_lengths: Sequence[int]):
    """The DFT of kind fft_type over the trailing len(fft_lengths) axes of x, as jax.lax.fft.

    FFT/IFFT: complex -> complex (IFFT scaled by 1/prod(fft_lengths)); RFFT: real -> complex,
    the last axis n becoming n//2 + 1; IRFFT: complex -> real, the last axis becoming
    fft_lengths[-1]. No promotion: x must already have the right dtype and trailing sizes.
    """
    if isinstance(fft_lengths, int):
        fft_lengths = (fft_lengths,)
    lengths = tuple(int(n) for n in fft_lengths)
    return fft_p.bind(x, fft_type=_fft_type_name(fft_type), fft_lengths=lengths)
