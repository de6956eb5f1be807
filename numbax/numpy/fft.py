"""numbax.numpy.fft: NumPy's discrete Fourier transforms, written with the `fft` primitive.

Every transform moves its axes to the end, pads or truncates them to the lengths asked for
(n / s), binds one `fft` primitive over those trailing axes and scales the result for `norm`
("backward", the default, scales the inverse by 1/N; "ortho" both ways by 1/sqrt(N);
"forward" the forward one by 1/N). Integer and bool inputs become float64 / complex128,
float16 becomes float32 / complex64; float32 and complex64 stay single precision (as NumPy 2
and JAX). As JAX, and unlike NumPy, repeated axes are refused.

>>> import numpy as np, numbax.numpy as xnp
>>> xnp.fft.fft(np.array([1.0, 0.0, 0.0, 0.0]))
array([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .. import lax
from ..core.avals import canonical_axis
from ..core.trace import Tracer
from . import shapes
from .arguments import cast, check_arg, check_static, dtype_of

__all__ = [
    "fft", "fft2", "fftfreq", "fftn", "fftshift", "hfft", "ifft", "ifft2", "ifftn", "ifftshift",
    "ihfft", "irfft", "irfft2", "irfftn", "rfft", "rfft2", "rfftfreq", "rfftn",
]

_NORMS = (None, "backward", "ortho", "forward")


# ---------------------------------------------------------------------------------------------
# Operands, lengths and axes


def _operand(fname: str, a, real: bool):
    """a in the dtype its transform takes: float32/64 if real, else complex64/128."""
    a = check_arg(a, fname, 0)
    a = a if isinstance(a, Tracer | np.ndarray) else np.asarray(a)
    dt = dtype_of(a)
    if real and dt.kind == "c":
        raise TypeError(f"numbax.numpy.fft.{fname} needs a real input, got {dt}")
    if dt.kind in "biu":
        dt = np.dtype(np.float64)
    elif dt == np.float16:
        dt = np.dtype(np.float32)
    if not real and dt.kind == "f":
        dt = np.result_type(dt, np.complex64)
    return cast(a, dt)


def _check_norm(norm) -> None:
    if norm not in _NORMS:
        raise ValueError(f'Invalid norm value {norm!r}; should be "backward", "ortho" or '
                         '"forward"')


def _check_length(fname: str, n, what: str) -> int:
    n = check_static(n, f"numbax.numpy.fft.{fname}", what)
    if not isinstance(n, int | np.integer) or isinstance(n, bool):
        raise TypeError(f"numbax.numpy.fft.{fname}: {what} must be an int, got {n!r}")
    if n < 1:
        raise ValueError(f"numbax.numpy.fft.{fname}: invalid number of FFT data points ({n}) "
                         f"specified in {what}")
    return int(n)


def _axes_and_lengths(fname: str, a, s, axes, inverse_real: bool):
    """The canonical axes and the transform length along each (NumPy's s/axes defaults).

    For irfft* the last length is the real output's (default 2 (m - 1)); otherwise each is
    the input's length along that axis after padding or truncation (default: unchanged).
    """
    if axes is None:
        axes = range(a.ndim) if s is None else range(-len(s), 0)
    axes = tuple(canonical_axis(ax, a.ndim, f"numbax.numpy.fft.{fname}") for ax in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"numbax.numpy.fft.{fname} does not support repeated axes, got {axes}")
    if s is None:
        s = [-1] * len(axes)
    if len(s) != len(axes):
        raise ValueError(f"numbax.numpy.fft.{fname}: shape and axes have different lengths "
                         f"(s={tuple(s)}, axes={axes})")
    what = "s" if len(axes) > 1 else "n"
    lengths = []
    for i, (n, ax) in enumerate(zip(s, axes)):
        if check_static(n, f"numbax.numpy.fft.{fname}", what) == -1:
            # NumPy 2: -1 keeps the input's length
            last = inverse_real and i == len(axes) - 1
            n = 2 * (a.shape[ax] - 1) if last else a.shape[ax]
        lengths.append(_check_length(fname, n, what))
    return axes, tuple(lengths)


def _resize(x, axis: int, size: int):
    """x truncated or zero-padded at the end to `size` along axis."""
    have = x.shape[axis]
    if have > size:
        limits = tuple(size if i == axis else d for i, d in enumerate(x.shape))
        return lax.slice(x, (0,) * x.ndim, limits)
    if have < size:
        config = [(0, size - have if i == axis else 0, 0) for i in range(x.ndim)]
        return lax.pad(x, np.zeros((), x.dtype), config)
    return x


def _scale(x, factor: float):
    if factor == 1:
        return x
    if np.dtype(dtype_of(x)).kind != "c":
        return lax.mul(x, np.asarray(factor, x.dtype))
    # Each part times the real factor, as NumPy's pocketfft scales: a complex product with
    # factor + 0j would make inf * 0 = nan of the other part (an inf + 0j bin -> inf + nanj).
    f = np.asarray(factor, np.finfo(dtype_of(x)).dtype)
    return lax.complex(lax.mul(lax.real(x), f), lax.mul(lax.imag(x), f))


def _norm_factor(norm, n: int, inverse: bool) -> float:
    """The factor that turns the primitive's (backward-normalised) result into norm's."""
    if norm == "ortho":
        return math.sqrt(n) if inverse else 1 / math.sqrt(n)
    if norm == "forward":
        return n if inverse else 1 / n
    return 1.0


def _transform(fname: str, a, s, axes, norm, fft_type: str):
    """The n-dimensional transform of fft_type of a over axes, with lengths s."""
    _check_norm(norm)
    real_in, inverse = fft_type == "RFFT", fft_type in ("IFFT", "IRFFT")
    a = _operand(fname, a, real=real_in)
    axes, lengths = _axes_and_lengths(fname, a, s, axes, inverse_real=fft_type == "IRFFT")
    if not axes:
        return a
    k = len(axes)
    trailing = tuple(range(a.ndim - k, a.ndim))
    x = shapes.moveaxis(a, axes, trailing)
    sizes = lengths[:-1] + ((lengths[-1] // 2 + 1,) if fft_type == "IRFFT" else lengths[-1:])
    for ax, size in zip(trailing, sizes):
        x = _resize(x, ax, size)
    y = lax.fft(x, fft_type, lengths)
    y = _scale(y, _norm_factor(norm, math.prod(lengths), inverse))
    return shapes.moveaxis(y, trailing, axes)


def _swap_direction(norm):
    """The norm that makes hfft an irfft (and ihfft an rfft) with the opposite scaling."""
    _check_norm(norm)
    return {None: "forward", "backward": "forward", "forward": "backward"}.get(norm, norm)


def _one(n) -> list | None:
    return None if n is None else [n]


# ---------------------------------------------------------------------------------------------
# Public transforms


def fft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """The 1-D discrete Fourier transform along axis, as numpy.fft.fft.

    >>> xnp.fft.fft(np.ones(2)).tolist()
    [(2+0j), 0j]
    """
    return _transform("fft", a, _one(n), (axis,), norm, "FFT")


def ifft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """The 1-D inverse discrete Fourier transform along axis, as numpy.fft.ifft.

    >>> xnp.fft.ifft(np.array([2.0, 0.0])).tolist()
    [(1+0j), (1+0j)]
    """
    return _transform("ifft", a, _one(n), (axis,), norm, "IFFT")


def rfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """The 1-D transform of a real input, bins 0..n//2, as numpy.fft.rfft.

    >>> xnp.fft.rfft(np.ones(4)).tolist()
    [(4+0j), 0j, 0j]
    """
    return _transform("rfft", a, _one(n), (axis,), norm, "RFFT")


def irfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """The inverse of rfft: a real output of length n (default 2 (m - 1)), as numpy.fft.irfft.

    >>> xnp.fft.irfft(np.array([4.0, 0.0, 0.0])).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    return _transform("irfft", a, _one(n), (axis,), norm, "IRFFT")


def hfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """The transform of a Hermitian-symmetric signal given by its first half: a real output of
    length n (default 2 (m - 1)), as numpy.fft.hfft (irfft of conj(a), scaled the other way).

    >>> xnp.fft.hfft(np.array([1.0, 0.0, 0.0])).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    norm = _swap_direction(norm)
    a = _operand("hfft", a, real=False)
    return _transform("hfft", lax.conj(a), _one(n), (axis,), norm, "IRFFT")


def ihfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """The inverse of hfft: conj(rfft(a)) scaled the other way, as numpy.fft.ihfft.

    >>> xnp.fft.ihfft(np.ones(4)).tolist()
    [(1-0j), -0j, -0j]
    """
    norm = _swap_direction(norm)
    return lax.conj(_transform("ihfft", a, _one(n), (axis,), norm, "RFFT"))


def fftn(a, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
         norm: str | None = None):
    """The n-dimensional transform over axes (all by default, or the last len(s)), as
    numpy.fft.fftn.

    >>> xnp.fft.fftn(np.ones((2, 2))).tolist()
    [[(4+0j), 0j], [0j, 0j]]
    """
    return _transform("fftn", a, s, axes, norm, "FFT")


def ifftn(a, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None):
    """The n-dimensional inverse transform, as numpy.fft.ifftn.

    >>> xnp.fft.ifftn(np.array([[4.0, 0.0], [0.0, 0.0]])).real.tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    return _transform("ifftn", a, s, axes, norm, "IFFT")


def rfftn(a, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None):
    """The n-dimensional transform of a real input, halving the last axis, as numpy.fft.rfftn.

    >>> xnp.fft.rfftn(np.ones((2, 2))).shape
    (2, 2)
    """
    return _transform("rfftn", a, s, axes, norm, "RFFT")


def irfftn(a, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
           norm: str | None = None):
    """The inverse of rfftn, a real output (last length 2 (m - 1) by default), as
    numpy.fft.irfftn.

    >>> xnp.fft.irfftn(np.array([[4.0, 0.0], [0.0, 0.0]])).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    return _transform("irfftn", a, s, axes, norm, "IRFFT")


def fft2(a, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
         norm: str | None = None):
    """fftn over the last two axes by default, as numpy.fft.fft2.

    >>> xnp.fft.fft2(np.ones((1, 2))).tolist()
    [[(2+0j), 0j]]
    """
    return _transform("fft2", a, s, axes, norm, "FFT")


def ifft2(a, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
          norm: str | None = None):
    """ifftn over the last two axes by default, as numpy.fft.ifft2.

    >>> xnp.fft.ifft2(np.array([[2.0, 0.0]])).tolist()
    [[(1+0j), (1+0j)]]
    """
    return _transform("ifft2", a, s, axes, norm, "IFFT")


def rfft2(a, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
          norm: str | None = None):
    """rfftn over the last two axes by default, as numpy.fft.rfft2.

    >>> xnp.fft.rfft2(np.ones((2, 4))).shape
    (2, 3)
    """
    return _transform("rfft2", a, s, axes, norm, "RFFT")


def irfft2(a, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
           norm: str | None = None):
    """irfftn over the last two axes by default, as numpy.fft.irfft2.

    >>> xnp.fft.irfft2(np.array([[4.0, 0.0, 0.0]])).tolist()
    [[1.0, 1.0, 1.0, 1.0]]
    """
    return _transform("irfft2", a, s, axes, norm, "IRFFT")


# ---------------------------------------------------------------------------------------------
# Frequencies and shifts


def _frequencies(fname: str, n, d, dtype, bins: np.ndarray):
    """bins / (d n) in dtype (float64 by default); d may be traced."""
    dtype = np.dtype(np.float64 if dtype is None else dtype)
    if dtype.kind not in "fc":
        raise TypeError(f"numbax.numpy.fft.{fname}: dtype must be a float or complex dtype, "
                        f"got {dtype}")
    if isinstance(d, Tracer):
        step = lax.mul(cast(d, dtype), np.asarray(n, dtype))
        return lax.div(np.asarray(bins, dtype), lax.broadcast_in_dim(step, bins.shape, ()))
    return (bins / (np.asarray(d) * n)).astype(dtype)


def fftfreq(n: int, d=1.0, *, dtype=None):
    """The sample frequencies of an n-point FFT with sample spacing d, as numpy.fft.fftfreq
    (float64 unless dtype is given).

    >>> xnp.fft.fftfreq(4).tolist()
    [0.0, 0.25, -0.5, -0.25]
    """
    n = _check_length("fftfreq", n, "n")
    bins = np.concatenate([np.arange((n - 1) // 2 + 1), np.arange(-(n // 2), 0)])
    return _frequencies("fftfreq", n, d, dtype, bins)


def rfftfreq(n: int, d=1.0, *, dtype=None):
    """The sample frequencies of rfft's n//2 + 1 bins, as numpy.fft.rfftfreq.

    >>> xnp.fft.rfftfreq(4).tolist()
    [0.0, 0.25, 0.5]
    """
    n = _check_length("rfftfreq", n, "n")
    return _frequencies("rfftfreq", n, d, dtype, np.arange(n // 2 + 1))


def _shift(fname: str, x, axes, sign: int):
    x = check_arg(x, fname, 0)
    x = x if isinstance(x, Tracer | np.ndarray) else np.asarray(x)
    if axes is None:
        axes = tuple(range(x.ndim))
    elif isinstance(axes, int | np.integer):
        axes = (axes,)
    axes = tuple(canonical_axis(ax, x.ndim, f"numbax.numpy.fft.{fname}") for ax in axes)
    if not axes:
        return x
    return shapes.roll(x, tuple(sign * (x.shape[ax] // 2) for ax in axes), axes)


def fftshift(x, axes: int | Sequence[int] | None = None):
    """x with the zero-frequency bin moved to the centre (over all axes by default), as
    numpy.fft.fftshift.

    >>> xnp.fft.fftshift(np.arange(4)).tolist()
    [2, 3, 0, 1]
    """
    return _shift("fftshift", x, axes, 1)


def ifftshift(x, axes: int | Sequence[int] | None = None):
    """The inverse of fftshift, as numpy.fft.ifftshift.

    >>> xnp.fft.ifftshift(np.arange(5)).tolist()
    [2, 3, 4, 0, 1]
    """
    return _shift("ifftshift", x, axes, -1)
