"""Convolutions and window reductions, as jax.lax's: conv_general_dilated and its short
forms, the dimension-number helpers, and reduce_window on max, min and add.

>>> import numpy as np, numbax as nb
>>> x, k = np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3))
>>> nb.lax.conv(x, k, (1, 1), "VALID")[0, 0]
array([[9., 9.],
       [9., 9.]])
"""
from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from ..core import primitives as P
from ..core import window_primitives as W
from ..core.conv_primitives import conv_general_dilated_p, conv_out_spatial, dilate_shape
from ..core.trace import Tracer, get_aval

__all__ = [
    "ConvDimensionNumbers", "ConvGeneralDilatedDimensionNumbers", "conv",
    "conv_dimension_numbers", "conv_general_dilated", "conv_general_dilated_patches",
    "conv_general_permutations", "conv_general_shape_tuple", "conv_shape_tuple",
    "conv_transpose", "conv_transpose_shape_tuple", "conv_with_general_padding",
    "padtype_to_pads", "reduce_window", "reduce_window_shape_tuple",
]


class ConvDimensionNumbers(NamedTuple):
    """Where each role's axes are: lhs_spec = (batch, feature, spatial...), rhs_spec =
    (out feature, in feature, spatial...), out_spec = (batch, feature, spatial...)."""

    lhs_spec: tuple[int, ...]
    rhs_spec: tuple[int, ...]
    out_spec: tuple[int, ...]


def _array(x):
    return x if isinstance(x, Tracer) else np.asarray(x)


# What conv_general_dilated accepts as dimension_numbers (JAX's type alias).
ConvGeneralDilatedDimensionNumbers = tuple[str, str, str] | ConvDimensionNumbers | None


def conv_general_permutations(specs: Sequence[str]) -> tuple[tuple[int, ...], ...]:
    """Axis permutations from layout strings such as ('NHWC', 'HWIO', 'NHWC'); spatial
    axes are ordered as the rhs string orders them, as in JAX.

    >>> conv_general_permutations(("NHWC", "HWIO", "NHWC"))
    ((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
    """
    pairs = (("N", "C"), ("O", "I"), ("N", "C"))
    for spec, (a, b) in zip(specs, pairs):
        if spec.count(a) != 1 or spec.count(b) != 1 or len(set(spec)) != len(spec):
            raise TypeError(f"conv_dimension_numbers: {spec!r} must name {a!r} and {b!r} "
                            "once each and no axis twice")
    spatial = [set(s) - set(p) for s, p in zip(specs, pairs)]
    if not spatial[0] == spatial[1] == spatial[2]:
        raise TypeError(f"conv_dimension_numbers: the spatial axes of {tuple(specs)} differ")
    rhs = specs[1]

    def perm(spec: str, pair) -> tuple[int, ...]:
        sp = sorted((i for i, c in enumerate(spec) if c not in pair),
                    key=lambda i: rhs.index(spec[i]))
        return (spec.index(pair[0]), spec.index(pair[1])) + tuple(sp)

    return tuple(perm(s, p) for s, p in zip(specs, pairs))


def conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers) -> ConvDimensionNumbers:
    """ConvDimensionNumbers from None (NC..., OI..., NC...), layout strings or itself.

    >>> conv_dimension_numbers((1, 5, 5, 3), (3, 3, 3, 8), ("NHWC", "HWIO", "NHWC"))
    ConvDimensionNumbers(lhs_spec=(0, 3, 1, 2), rhs_spec=(3, 2, 0, 1), out_spec=(0, 3, 1, 2))
    """
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return dimension_numbers
    if len(lhs_shape) != len(rhs_shape):
        raise TypeError(f"conv: lhs and rhs need one rank, got shapes {tuple(lhs_shape)} and "
                        f"{tuple(rhs_shape)}")
    if dimension_numbers is None:
        iota = tuple(range(len(lhs_shape)))
        return ConvDimensionNumbers(iota, iota, iota)
    if (not isinstance(dimension_numbers, list | tuple) or len(dimension_numbers) != 3
            or not all(isinstance(s, str) for s in dimension_numbers)):
        raise TypeError("conv: dimension_numbers must be None, a ConvDimensionNumbers or three "
                        f"layout strings, got {dimension_numbers!r}")
    if any(len(s) != len(lhs_shape) for s in dimension_numbers):
        raise TypeError(f"conv: layouts {tuple(dimension_numbers)} do not match rank "
                        f"{len(lhs_shape)}")
    return ConvDimensionNumbers(*conv_general_permutations(dimension_numbers))


def padtype_to_pads(in_shape, window_shape, window_strides, padding) -> list[tuple[int, int]]:
    """(lo, hi) pads for 'SAME' (extra at the end), 'SAME_LOWER' (extra at the start) or
    'VALID', as lax.padtype_to_pads.

    >>> padtype_to_pads((5,), (2,), (1,), "SAME")
    [(0, 1)]
    """
    kind = padding.upper() if isinstance(padding, str) else padding
    if kind == "VALID":
        return [(0, 0)] * len(in_shape)
    if kind not in ("SAME", "SAME_LOWER"):
        raise ValueError(f"padding must be 'SAME', 'SAME_LOWER', 'VALID' or (lo, hi) pairs, "
                         f"got {padding!r}")
    pads = []
    for d, w, s in zip(in_shape, window_shape, window_strides):
        total = max(0, (-(-d // s) - 1) * s + w - d)
        small, large = total // 2, total - total // 2
        pads.append((small, large) if kind == "SAME" else (large, small))
    return pads


def _ints(name: str, value, k: int, default: int = 1) -> tuple[int, ...]:
    if value is None:
        return (default,) * k
    value = tuple(int(v) for v in value)
    if len(value) != k:
        raise ValueError(f"conv: {name} needs {k} entries (one per spatial axis), got {value}")
    return value


def _pairs(padding, k: int) -> tuple[tuple[int, int], ...]:
    pads = tuple((int(lo), int(hi)) for lo, hi in padding)
    if len(pads) != k:
        raise ValueError(f"padding needs {k} (lo, hi) pairs, got {padding}")
    return pads


def _take(shape, perm) -> tuple[int, ...]:
    return tuple(shape[i] for i in perm)


def conv_general_dilated(lhs, rhs, window_strides: Sequence[int], padding,
                         lhs_dilation: Sequence[int] | None = None,
                         rhs_dilation: Sequence[int] | None = None,
                         dimension_numbers=None, feature_group_count: int = 1,
                         batch_group_count: int = 1, precision=None,
                         preferred_element_type=None):
    """General n-d convolution (cross-correlation, as XLA's), as lax.conv_general_dilated.

    padding: 'SAME', 'SAME_LOWER', 'VALID' or one (lo, hi) pair per spatial axis;
    lhs_dilation > 1 is a transposed (fractionally strided) convolution, rhs_dilation > 1
    an atrous one. precision is accepted and ignored (NumPy computes at the dtype's own
    precision); preferred_element_type converts both operands before the convolution.

    >>> import numpy as np
    >>> conv_general_dilated(np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)), (2, 2), "VALID",
    ...                      dimension_numbers=("NHWC", "HWIO", "NHWC"))[0, :, :, 0]
    array([[4., 4.],
           [4., 4.]])
    """
    lhs, rhs = _array(lhs), _array(rhs)
    la, ra = get_aval(lhs), get_aval(rhs)
    dn = conv_dimension_numbers(la.shape, ra.shape, dimension_numbers)
    k = la.ndim - 2
    strides = _ints("window_strides", window_strides, k)
    lhs_dil, rhs_dil = _ints("lhs_dilation", lhs_dilation, k), _ints("rhs_dilation",
                                                                     rhs_dilation, k)
    if isinstance(padding, str):
        window = dilate_shape(_take(ra.shape, dn.rhs_spec)[2:], rhs_dil)
        padding = padtype_to_pads(_take(la.shape, dn.lhs_spec)[2:], window, strides, padding)
    if preferred_element_type is not None:
        dtype = np.dtype(preferred_element_type)
        lhs, rhs = (x if get_aval(x).dtype == dtype else
                    P.convert_element_type_p.bind(x, new_dtype=dtype) for x in (lhs, rhs))
    lhs_c = _permute(lhs, dn.lhs_spec)
    rhs_c = _permute(rhs, dn.rhs_spec)
    out = conv_general_dilated_p.bind(
        lhs_c, rhs_c, window_strides=strides, padding=_pairs(padding, k),
        lhs_dilation=lhs_dil, rhs_dilation=rhs_dil,
        feature_group_count=int(feature_group_count), batch_group_count=int(batch_group_count))
    return _permute(out, tuple(np.argsort(dn.out_spec).tolist()))


def conv_general_dilated_patches(lhs, filter_shape: Sequence[int], window_strides, padding,
                                 lhs_dilation=None, rhs_dilation=None, dimension_numbers=None,
                                 precision=None, preferred_element_type=None):
    """The patches (im2col) a convolution with a window of filter_shape reads, as
    lax.conv_general_dilated_patches: the output's feature axis holds C * prod(filter_shape)
    values, input feature major. It is a grouped convolution with a one-hot kernel.

    >>> import numpy as np
    >>> conv_general_dilated_patches(np.arange(4.0).reshape(1, 1, 4), (2,), (2,), "VALID")[0]
    array([[0., 2.],
           [1., 3.]])
    """
    lhs = _array(lhs)
    la = get_aval(lhs)
    filter_shape = tuple(int(k) for k in filter_shape)
    dn = conv_dimension_numbers(la.shape, (1, 1) + filter_shape, dimension_numbers)
    channels, size = la.shape[dn.lhs_spec[1]], math.prod(filter_shape)
    dtype = np.dtype(preferred_element_type) if preferred_element_type is not None else la.dtype
    eye = np.broadcast_to(np.eye(size, dtype=dtype), (channels, size, size))
    kernel = eye.reshape((channels * size, 1) + filter_shape)  # canonical (O, I, *window)
    rhs = kernel.transpose(np.argsort(dn.rhs_spec))
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                                dn, feature_group_count=channels, precision=precision,
                                preferred_element_type=preferred_element_type)


def _permute(x, perm):
    if tuple(perm) == tuple(range(len(perm))):
        return x
    return P.transpose_p.bind(x, permutation=tuple(int(p) for p in perm))


def conv(lhs, rhs, window_strides: Sequence[int], padding: str, precision=None,
         preferred_element_type=None):
    """conv_general_dilated in NCHW/OIHW layout with a padding string, as lax.conv.

    >>> import numpy as np
    >>> conv(np.ones((1, 1, 3)), np.ones((1, 1, 2)), (1,), "SAME")[0, 0]
    array([2., 2., 1.])
    """
    return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                              precision=None, preferred_element_type=None):
    """conv_general_dilated in NCHW/OIHW layout, as lax.conv_with_general_padding.

    >>> import numpy as np
    >>> conv_with_general_padding(np.ones((1, 1, 2)), np.ones((1, 1, 1)), (1,), [(1, 0)],
    ...                           None, None)[0, 0]
    array([0., 1., 1.])
    """
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                                precision=precision,
                                preferred_element_type=preferred_element_type)


def _transpose_padding(k: int, s: int, padding: str) -> tuple[int, int]:
    if padding == "SAME":
        total = k + s - 2
        lo = k - 1 if s > k - 1 else -(-total // 2)
    elif padding == "VALID":
        total = k + s - 2 + max(k - s, 0)
        lo = k - 1
    else:
        raise ValueError(f"conv_transpose: padding must be 'SAME', 'VALID' or pairs, "
                         f"got {padding!r}")
    return lo, total - lo


_TRANSPOSE_LAYOUTS = {2: ("NC", "IO", "NC"), 3: ("NHC", "HIO", "NHC"),
                      4: ("NHWC", "HWIO", "NHWC"), 5: ("NHWDC", "HWDIO", "NHWDC")}


def conv_transpose(lhs, rhs, strides: Sequence[int], padding, rhs_dilation=None,
                   dimension_numbers=None, transpose_kernel: bool = False, precision=None,
                   preferred_element_type=None):
    """A transposed convolution (the gradient of a strided one), as lax.conv_transpose:
    lhs_dilation=strides with padding chosen for 'SAME'/'VALID'. The default layout is
    NHWC/HWIO (by rank); transpose_kernel flips the window and swaps I and O.

    >>> import numpy as np
    >>> conv_transpose(np.ones((1, 2, 1)), np.ones((2, 1, 1)), (2,), "VALID")[0, :, 0]
    array([1., 1., 1., 1.])
    """
    lhs, rhs = _array(lhs), _array(rhs)
    la, ra = get_aval(lhs), get_aval(rhs)
    if dimension_numbers is None:
        if la.ndim not in _TRANSPOSE_LAYOUTS:
            raise ValueError(f"conv_transpose has no default layout for rank {la.ndim}")
        dimension_numbers = _TRANSPOSE_LAYOUTS[la.ndim]
    dn = conv_dimension_numbers(la.shape, ra.shape, dimension_numbers)
    k = la.ndim - 2
    rhs_dil = _ints("rhs_dilation", rhs_dilation, k)
    if isinstance(padding, str):
        window = dilate_shape(_take(ra.shape, dn.rhs_spec)[2:], rhs_dil)
        padding = [_transpose_padding(w, s, padding.upper()) for w, s in zip(window, strides)]
    if transpose_kernel:
        rhs = P.rev_p.bind(rhs, dimensions=tuple(sorted(dn.rhs_spec[2:])))
        perm = list(range(ra.ndim))
        o, i = dn.rhs_spec[0], dn.rhs_spec[1]
        perm[o], perm[i] = i, o
        rhs = P.transpose_p.bind(rhs, permutation=tuple(perm))
    return conv_general_dilated(lhs, rhs, (1,) * k, padding, strides, rhs_dil, dn,
                                precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_shape_tuple(lhs_shape, rhs_shape, strides, pads, batch_group_count: int = 1):
    """The output shape of a convolution in NC.../OI... layout."""
    if isinstance(pads, str):
        pads = padtype_to_pads(lhs_shape[2:], rhs_shape[2:], strides, pads)
    out = conv_out_spatial(lhs_shape[2:], rhs_shape[2:], strides, pads,
                           (1,) * len(strides), (1,) * len(strides))
    return (lhs_shape[0] // batch_group_count, rhs_shape[0]) + out


def conv_general_shape_tuple(lhs_shape, rhs_shape, window_strides, padding,
                             dimension_numbers):
    """The output shape of conv_general_dilated (no dilation) in the out_spec layout."""
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    out = conv_shape_tuple(_take(lhs_shape, dn.lhs_spec), _take(rhs_shape, dn.rhs_spec),
                           window_strides, padding)
    return _take(out, np.argsort(dn.out_spec))


def conv_transpose_shape_tuple(lhs_shape, rhs_shape, window_strides, padding,
                               dimension_numbers):
    """The output shape of conv_transpose in the out_spec layout."""
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    lhs_t, rhs_t = _take(lhs_shape, dn.lhs_spec), _take(rhs_shape, dn.rhs_spec)
    if isinstance(padding, str):
        padding = [_transpose_padding(k, s, padding.upper())
                   for k, s in zip(rhs_t[2:], window_strides)]
    space = tuple((i - 1) * s - k + 2 + lo + hi
                  for i, k, s, (lo, hi) in zip(lhs_t[2:], rhs_t[2:], window_strides, padding))
    return _take((lhs_t[0], rhs_t[0]) + space, np.argsort(dn.out_spec))


# ---------------------------------------------------------------------------------------------
# reduce_window


_NUMPY_MONOIDS = {"add": "sum", "maximum": "max", "minimum": "min"}


def _monoid(computation: Callable) -> str:
    from . import add, max, min  # noqa: A004  (this package's own functions)
    for name, fns in (("sum", (add, operator.add)), ("max", (max,)), ("min", (min,))):
        if any(computation is f for f in fns):
            return name
    # numbax.numpy's add/maximum/minimum (lax sits below numbax.numpy: known by name).
    if getattr(computation, "__module__", "").startswith("numbax.numpy") and \
            getattr(computation, "__name__", None) in _NUMPY_MONOIDS:
        return _NUMPY_MONOIDS[computation.__name__]
    raise NotImplementedError(
        "reduce_window supports computation lax.add (or operator.add), lax.max and lax.min "
        f"(or numbax.numpy's add, maximum, minimum), recognised by identity; got "
        f"{computation!r}")


def reduce_window_shape_tuple(operand_shape, window_dimensions, window_strides, padding,
                              base_dilation=None, window_dilation=None) -> tuple[int, ...]:
    """The output shape of reduce_window (padding as (lo, hi) pairs).

    >>> reduce_window_shape_tuple((4, 6), (2, 2), (2, 2), ((0, 0), (0, 0)))
    (2, 3)
    """
    nd = len(operand_shape)
    return W.window_out_shape(tuple(operand_shape), tuple(window_dimensions),
                              tuple(window_strides), _pairs(padding, nd),
                              _window_ints("base_dilation", base_dilation, nd),
                              _window_ints("window_dilation", window_dilation, nd))


def reduce_window(operand, init_value, computation: Callable, window_dimensions,
                  window_strides, padding, base_dilation=None, window_dilation=None):
    """Reduce each (strided, dilated) window of operand with lax.add, lax.max or lax.min, as
    lax.reduce_window; padding ('SAME', 'VALID' or pairs) and holes hold init_value.

    >>> import numpy as np, numbax.lax as lax
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> lax.reduce_window(x, -np.inf, lax.max, (2, 2), (2, 2), "VALID")  # max-pool
    array([[ 5.,  7.],
           [13., 15.]])
    """
    x = _array(operand)
    aval = get_aval(x)
    monoid = _monoid(computation)
    nd = aval.ndim
    dims = _window_ints("window_dimensions", window_dimensions, nd)
    strides = _window_ints("window_strides", window_strides, nd)
    base = _window_ints("base_dilation", base_dilation, nd)
    wdil = _window_ints("window_dilation", window_dilation, nd)
    if isinstance(padding, str):
        padding = padtype_to_pads(aval.shape, dilate_shape(dims, wdil), strides, padding)
    params = dict(window_dimensions=dims, window_strides=strides,
                  padding=_pairs(padding, nd), base_dilation=base, window_dilation=wdil)
    prim = {"sum": W.reduce_window_sum_p, "max": W.reduce_window_max_p,
            "min": W.reduce_window_min_p}[monoid]
    out = prim.bind(x, **params)
    return _with_init(out, init_value, monoid, aval, params)


def _window_ints(name: str, value, nd: int) -> tuple[int, ...]:
    if value is None:
        return (1,) * nd
    value = tuple(int(v) for v in value)
    if len(value) != nd:
        raise ValueError(f"reduce_window: {name} needs {nd} entries (one per operand axis), "
                         f"got {value}")
    return value


def _with_init(out, init_value, monoid: str, aval, params: dict):
    """Combine the identity-initialised reduction with a non-identity init_value."""
    if isinstance(init_value, Tracer):
        raise TypeError("reduce_window needs a concrete init_value, got a traced one")
    init = np.asarray(init_value, aval.dtype)
    if init == W.identity(monoid, aval.dtype):
        return out
    if monoid == "sum":
        plain = all(lo == 0 and hi == 0 for lo, hi in params["padding"]) and \
            all(d == 1 for d in params["base_dilation"])
        if not plain:
            raise NotImplementedError("reduce_window with lax.add needs init_value 0 when "
                                      "there is padding or base dilation")
        return P.add_p.bind(out, init)
    return (P.max_p if monoid == "max" else P.min_p).bind(
        out, P.broadcast_in_dim_p.bind(init, shape=get_aval(out).shape,
                                       broadcast_dimensions=()))
