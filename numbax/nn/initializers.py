"""Parameter initializers with jax.nn.initializers' names, arguments and arithmetic.

Each factory returns init(key, shape, dtype) drawing from numbax.random, whose bits are
JAX's; given the same key a ported JAX program gets the same parameters. `zeros` and `ones`
are initializers themselves. dtype defaults to float64 (numbax's float).

>>> import numbax
>>> w = glorot_uniform()(numbax.random.key(0), (3, 4))
>>> w.shape, w.dtype
((3, 4), dtype('float64'))
"""
from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence

import numpy as np

from .. import numpy as xnp
from .. import random
from ..numpy.arguments import check_static

__all__ = [
    "constant", "delta_orthogonal", "glorot_normal", "glorot_uniform", "he_normal",
    "he_uniform", "kaiming_normal", "kaiming_uniform", "lecun_normal", "lecun_uniform",
    "normal", "ones", "orthogonal", "truncated_normal", "uniform", "variance_scaling",
    "xavier_normal", "xavier_uniform", "zeros",
]

Initializer = Callable  # init(key, shape, dtype) -> array

# The standard deviation of a standard normal truncated to (-2, 2): dividing by it gives
# truncated samples the requested variance.
_TRUNCATED_STDDEV = 0.87962566103423978


def _shape(shape, fname: str) -> tuple[int, ...]:
    shape = check_static(shape, fname, "shape")
    try:
        return tuple(operator.index(d) for d in (shape if isinstance(shape, Sequence)
                                                  or hasattr(shape, "__iter__") else (shape,)))
    except TypeError:
        raise TypeError(f"{fname}: shape must be a sequence of ints, got {shape!r}") from None


def _dtype(dtype, fname: str, floating: bool = True) -> np.dtype:
    dt = np.dtype(np.float64 if dtype is None else dtype)
    if floating and dt.kind != "f":
        raise TypeError(f"{fname}: dtype must be a real float dtype, got {dt}")
    return dt


def zeros(key, shape, dtype=None):
    """An array of zeros (key is unused).

    >>> zeros(None, (2,))
    array([0., 0.])
    """
    return xnp.zeros(_shape(shape, "zeros"), _dtype(dtype, "zeros", floating=False))


def ones(key, shape, dtype=None):
    """An array of ones (key is unused).

    >>> ones(None, (2,), int)
    array([1, 1])
    """
    return xnp.ones(_shape(shape, "ones"), _dtype(dtype, "ones", floating=False))


def constant(value, dtype=None) -> Initializer:
    """An initializer filling the shape with value.

    >>> constant(-7)(None, (2,))
    array([-7., -7.])
    """
    def init(key, shape, dtype=dtype):
        return xnp.full(_shape(shape, "constant"), value, _dtype(dtype, "constant", False))
    return init


def uniform(scale=1e-2, dtype=None) -> Initializer:
    """An initializer drawing uniformly from [0, scale).

    >>> import numbax
    >>> float(uniform(1.0)(numbax.random.key(0), ()).max()) < 1.0
    True
    """
    def init(key, shape, dtype=dtype):
        dt = _dtype(dtype, "uniform")
        return random.uniform(key, _shape(shape, "uniform"), dt) * xnp.asarray(scale, dt)
    return init


def normal(stddev=1e-2, dtype=None) -> Initializer:
    """An initializer drawing from a centred normal of standard deviation stddev.

    >>> import numbax
    >>> normal()(numbax.random.key(0), (2, 3)).shape
    (2, 3)
    """
    def init(key, shape, dtype=dtype):
        dt = _dtype(dtype, "normal")
        return random.normal(key, _shape(shape, "normal"), dt) * xnp.asarray(stddev, dt)
    return init


def truncated_normal(stddev=1e-2, dtype=None, lower=-2.0, upper=2.0) -> Initializer:
    """An initializer drawing stddev * (a standard normal truncated to [lower, upper]).

    >>> import numbax
    >>> float(abs(truncated_normal(1.0)(numbax.random.key(0), (100,))).max()) <= 2.0
    True
    """
    def init(key, shape, dtype=dtype):
        dt = _dtype(dtype, "truncated_normal")
        sample = random.truncated_normal(key, lower, upper, _shape(shape, "truncated_normal"), dt)
        return sample * xnp.asarray(stddev, dt)
    return init


def _axes_size(shape: tuple[int, ...], axes) -> int:
    if isinstance(axes, int):
        return shape[axes]
    return math.prod(shape[a] for a in axes)


def _compute_fans(shape: tuple[int, ...], in_axis=-2, out_axis=-1, batch_axis=()):
    """(fan_in, fan_out) as JAX computes them: the in/out axis sizes times the receptive
    field (the product of the remaining non-batch axes)."""
    if len(shape) <= 1:
        raise ValueError(f"Can't compute input and output sizes of a {len(shape)}-dimensional "
                         "weights tensor. Must be at least 2D.")
    in_size = _axes_size(shape, in_axis)
    out_size = _axes_size(shape, out_axis)
    receptive_field = math.prod(shape) / in_size / out_size / _axes_size(shape, batch_axis)
    return in_size * receptive_field, out_size * receptive_field


def variance_scaling(scale, mode: str, distribution: str, in_axis=-2, out_axis=-1,
                     batch_axis=(), dtype=None) -> Initializer:
    """An initializer with variance scale / n, n being fan_in, fan_out or their mean (mode),
    drawing from a 'truncated_normal', 'normal' or 'uniform' distribution.

    >>> import numbax
    >>> w = variance_scaling(2.0, "fan_in", "normal")(numbax.random.key(1), (1000, 100))
    >>> round(float(w.var() * 1000), 1)
    2.0
    """
    if mode not in ("fan_in", "fan_out", "fan_avg"):
        raise ValueError(f"invalid mode for variance scaling initializer: {mode}")
    if distribution not in ("truncated_normal", "normal", "uniform"):
        raise ValueError(f"invalid distribution for variance scaling initializer: {distribution}")

    def init(key, shape, dtype=dtype):
        shape = _shape(shape, "variance_scaling")
        dt = _dtype(dtype, "variance_scaling")
        fan_in, fan_out = _compute_fans(shape, in_axis, out_axis, batch_axis)
        denominator = {"fan_in": fan_in, "fan_out": fan_out,
                       "fan_avg": (fan_in + fan_out) / 2}[mode]
        variance = xnp.asarray(scale / denominator, dt)
        if distribution == "truncated_normal":
            stddev = xnp.sqrt(variance) / xnp.asarray(_TRUNCATED_STDDEV, dt)
            return random.truncated_normal(key, -2, 2, shape, dt) * stddev
        if distribution == "normal":
            return random.normal(key, shape, dt) * xnp.sqrt(variance)
        return random.uniform(key, shape, dt, -1) * xnp.sqrt(3 * variance)
    return init


def _variance_scaling_family(scale: float, mode: str, distribution: str, name: str):
    def factory(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Initializer:
        return variance_scaling(scale, mode, distribution, in_axis=in_axis, out_axis=out_axis,
                                batch_axis=batch_axis, dtype=dtype)
    factory.__name__ = factory.__qualname__ = name
    factory.__doc__ = (f"variance_scaling({scale}, {mode!r}, {distribution!r}, ...).\n\n"
                       f"    >>> import numbax\n"
                       f"    >>> {name}()(numbax.random.key(0), (2, 3)).shape\n"
                       f"    (2, 3)\n    ")
    return factory


glorot_uniform = _variance_scaling_family(1.0, "fan_avg", "uniform", "glorot_uniform")
glorot_normal = _variance_scaling_family(1.0, "fan_avg", "truncated_normal", "glorot_normal")
lecun_uniform = _variance_scaling_family(1.0, "fan_in", "uniform", "lecun_uniform")
lecun_normal = _variance_scaling_family(1.0, "fan_in", "truncated_normal", "lecun_normal")
he_uniform = _variance_scaling_family(2.0, "fan_in", "uniform", "he_uniform")
he_normal = _variance_scaling_family(2.0, "fan_in", "truncated_normal", "he_normal")
xavier_uniform = glorot_uniform
xavier_normal = glorot_normal
kaiming_uniform = he_uniform
kaiming_normal = he_normal


def orthogonal(scale=1.0, column_axis: int = -1, dtype=None) -> Initializer:
    """An initializer giving scale times a uniformly random matrix with orthonormal columns
    (or rows, when there are more columns), reshaped so that column_axis holds the columns.

    >>> import numpy as np, numbax
    >>> q = orthogonal()(numbax.random.key(0), (4, 3))
    >>> np.allclose(q.T @ q, np.eye(3))
    True
    """
    def init(key, shape, dtype=dtype):
        shape = _shape(shape, "orthogonal")
        dt = _dtype(dtype, "orthogonal")
        if len(shape) < 2:
            raise ValueError("orthogonal initializer requires at least a 2D shape, got "
                             f"{shape}")
        n_cols = shape[column_axis]
        n_rows = math.prod(shape) // n_cols
        matrix_shape = (n_cols, n_rows) if n_rows < n_cols else (n_rows, n_cols)
        q, r = xnp.linalg.qr(random.normal(key, matrix_shape, dt))
        # Fixing the signs of R's diagonal makes Q Haar-distributed (and unique).
        q = q * xnp.sign(xnp.diagonal(r))
        if n_rows < n_cols:
            q = q.T
        rest = tuple(d for i, d in enumerate(shape) if i != column_axis % len(shape))
        q = xnp.moveaxis(xnp.reshape(q, rest + (n_cols,)), -1, column_axis)
        return xnp.asarray(scale, dt) * q
    return init


def delta_orthogonal(scale=1.0, column_axis: int = -1, dtype=None) -> Initializer:
    """An initializer for 1-3D convolution kernels [*spatial, in, out]: zero except at the
    spatial centre, which holds an orthogonal in x out matrix (Xiao et al. 2018).

    >>> import numbax
    >>> w = delta_orthogonal()(numbax.random.key(0), (3, 2, 2))
    >>> bool((w[0] == 0).all()), bool((w[1] != 0).any())
    (True, True)
    """
    def init(key, shape, dtype=dtype):
        shape = _shape(shape, "delta_orthogonal")
        dt = _dtype(dtype, "delta_orthogonal")
        if len(shape) not in (3, 4, 5):
            raise ValueError("Delta orthogonal initializer requires a 3D, 4D or 5D shape, "
                             f"got {shape}")
        if shape[-1] < shape[-2]:
            raise ValueError("`fan_in` must be less or equal than `fan_out`, got shape "
                             f"{shape}")
        matrix = orthogonal(scale=scale, column_axis=column_axis, dtype=dt)(key, shape[-2:])
        # The matrix at the centre (k - 1) // 2 of each spatial axis, zeros around it.
        spatial = shape[:-2]
        point = xnp.reshape(matrix, (1,) * len(spatial) + shape[-2:])
        widths = [((k - 1) // 2, k - 1 - (k - 1) // 2) for k in spatial] + [(0, 0)] * 2
        return xnp.pad(point, widths)
    return init
