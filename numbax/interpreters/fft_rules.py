"""JVP, transpose and batching rules of the `fft` primitive (core/fft_primitives.py).

The transform is linear (over the reals), so its JVP applies it to the tangent. Transposes
use numbax's (JAX's) pairing <ct, t> = Re(sum(ct * t)), without conjugation:

- FFT and IFFT: the DFT matrix F is symmetric, so each transposes to itself.
- RFFT: y = S F x with x real and S keeping bins 0..n//2 of the last axis, so
  <ct, S F x> = sum(x * Re(F Sᵀ ct)): the cotangent, zero-padded back to n bins, goes
  through a full FFT and keeps its real part.
- IRFFT: x = irfftn(Y) counts each bin 0 < k < n/2 of the last axis twice (it stands for
  its mirror image too) and reads only the real part of bins 0 and n/2, so
  <ct, x> = Re(sum(Y * m * conj(rfftn(ct)) / N)) with N = prod(fft_lengths), m = 2 on the
  doubled bins and 1 on bins 0 and n/2: the cotangent is m * conj(rfftn(ct)) / N.

The primitive acts on trailing axes, so batching moves the batch axis to the front.
"""
from __future__ import annotations

import math

import numpy as np

from ..core import primitives as P
from ..core.fft_primitives import fft_p
from ..core.trace import get_aval
from . import ad, batching
from .ad import Zero
from .batching import moveaxis


def _fft(x, fft_type: str, fft_lengths: tuple):
    return fft_p.bind(x, fft_type=fft_type, fft_lengths=fft_lengths)


def _rfft_transpose(ct, fft_lengths: tuple):
    aval = get_aval(ct)
    n = fft_lengths[-1]
    config = ((0, 0, 0),) * (aval.ndim - 1) + ((0, n - aval.shape[-1], 0),)
    padded = P.pad_p.bind(ct, np.zeros((), aval.dtype), padding_config=config)
    return P.real_p.bind(_fft(padded, "FFT", fft_lengths))


def _irfft_transpose(ct, fft_lengths: tuple):
    spectrum = P.conj_p.bind(_fft(ct, "RFFT", fft_lengths))
    n = fft_lengths[-1]
    weights = np.full(n // 2 + 1, 2.0)
    weights[0] = 1.0
    if n % 2 == 0:
        weights[-1] = 1.0
    weights /= math.prod(fft_lengths)
    return P.mul_p.bind(spectrum, weights.astype(get_aval(spectrum).dtype))


def _fft_transpose(cts, x, *, fft_type: str, fft_lengths: tuple):
    (ct,) = cts
    if type(ct) is Zero:
        return [None]
    if fft_type == "RFFT":
        return [_rfft_transpose(ct, fft_lengths)]
    if fft_type == "IRFFT":
        return [_irfft_transpose(ct, fft_lengths)]
    return [_fft(ct, fft_type, fft_lengths)]


def _fft_batch(axis_size, vals, bdims, *, fft_type: str, fft_lengths: tuple):
    x = moveaxis(vals[0], bdims[0], 0, axis_size)
    return [_fft(x, fft_type, fft_lengths)], [0]


ad.deflinear(fft_p)
ad.transpose_rules[fft_p] = _fft_transpose
batching.batching_rules[fft_p] = _fft_batch
