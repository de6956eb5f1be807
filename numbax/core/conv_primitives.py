"""The convolution primitive `conv_general_dilated`, in one canonical layout.

XLA's (and JAX's) convolution, with the layout fixed: lhs is (N, C, *spatial), rhs is
(O, I, *window) and the result is (N, O, *out); numbax.lax.conv_general_dilated transposes
other dimension numbers to and from it, so the rules see one layout. Params:
window_strides, padding (a (lo, hi) pair per spatial dim, negative pairs crop),
lhs_dilation (holes between input elements: a transposed convolution), rhs_dilation (holes
between kernel taps: atrous), feature_group_count G (C = G * I, O split into G groups) and
batch_group_count B (N split into B groups, group index major, O split into B groups; the
result has N / B rows). At most one of G and B exceeds 1.

The NumPy impl here is im2col: one strided view of the padded input gathered into a patch
matrix and one batched BLAS matmul over the groups, never a loop over the batch. The Numba
backend's module backends/numba/conv_kernels.py replaces it with a compiled im2col gather
plus BLAS (conv_patches) or, for tiny work per output, a compiled direct loop; this one
stays as their reference. Rules: interpreters/conv_rules.py.
"""
from __future__ import annotations

import math

import numpy as np

from .avals import ShapedArray
from .primitives import Primitive, abstract_eval_rules, impl_rules


def dilate_shape(shape, dilation) -> tuple[int, ...]:
    """Sizes after inserting dilation - 1 holes between elements (0 stays 0)."""
    return tuple(0 if s == 0 else 1 + d * (s - 1) for s, d in zip(shape, dilation))


def _placed(size: int, dilation: int, lo: int, out_size: int) -> tuple[slice, slice]:
    """(source slice, destination slice) of the elements of one axis that survive padding
    by lo (negative crops) after dilation, within an axis of out_size."""
    first = -(-max(0, -lo) // dilation)
    stop = min(size, (out_size - 1 - lo) // dilation + 1) if out_size > 0 else 0
    if stop <= first:
        return slice(0, 0), slice(0, 0)
    start = lo + first * dilation
    return slice(first, stop), slice(start, start + (stop - first - 1) * dilation + 1, dilation)


def dilate_pad(x: np.ndarray, dilation, padding, fill) -> np.ndarray:
    """x with its trailing len(padding) axes dilated and padded (negative pads crop); the
    holes and the padding hold fill. Without padding or dilation, x itself (C-contiguous):
    callers only read the result."""
    k = len(padding)
    if all(d == 1 for d in dilation) and all(tuple(p) == (0, 0) for p in padding):
        return np.ascontiguousarray(x)
    lead, spatial = x.shape[:x.ndim - k], x.shape[x.ndim - k:]
    dilated = dilate_shape(spatial, dilation)
    out_sp = tuple(max(0, d + lo + hi) for d, (lo, hi) in zip(dilated, padding))
    out = np.full(lead + out_sp, fill, dtype=x.dtype)
    pairs = [_placed(s, d, lo, o) for s, d, (lo, _), o in zip(spatial, dilation, padding, out_sp)]
    src = (Ellipsis,) + tuple(p[0] for p in pairs)
    dst = (Ellipsis,) + tuple(p[1] for p in pairs)
    out[dst] = x[src]
    return out


def undilate_unpad(buf: np.ndarray, spatial, dilation, padding) -> np.ndarray:
    """The inverse of dilate_pad: the elements of buf at the positions the original
    elements of trailing shape spatial were placed (zeros for those cropped away)."""
    k = len(padding)
    lead = buf.shape[:buf.ndim - k]
    out = np.zeros(lead + tuple(spatial), dtype=buf.dtype)
    pairs = [_placed(s, d, lo, o) for s, d, (lo, _), o in
             zip(spatial, dilation, padding, buf.shape[buf.ndim - k:])]
    out[(Ellipsis,) + tuple(p[0] for p in pairs)] = buf[(Ellipsis,) + tuple(p[1] for p in pairs)]
    return out


def conv_out_spatial(lhs_spatial, rhs_spatial, window_strides, padding, lhs_dilation,
                     rhs_dilation) -> tuple[int, ...]:
    """The output's spatial sizes (0 where the window does not fit)."""
    padded = [d + lo + hi for d, (lo, hi) in
              zip(dilate_shape(lhs_spatial, lhs_dilation), padding)]
    window = dilate_shape(rhs_spatial, rhs_dilation)
    return tuple(max(0, (p - w) // s + 1) if p >= w else 0
                 for p, w, s in zip(padded, window, window_strides))


def _check_params(lhs: ShapedArray, rhs: ShapedArray, window_strides, padding, lhs_dilation,
                  rhs_dilation, feature_group_count, batch_group_count) -> None:
    name = "conv_general_dilated"
    if lhs.dtype != rhs.dtype or lhs.dtype.kind not in "fci":
        raise TypeError(f"{name} needs lhs and rhs of one numeric dtype, got "
                        f"{lhs.str_short()} and {rhs.str_short()}")
    if lhs.ndim != rhs.ndim or lhs.ndim < 2:
        raise ValueError(f"{name} needs lhs and rhs of one rank >= 2, got shapes "
                         f"{lhs.shape} and {rhs.shape}")
    k = lhs.ndim - 2
    for what, v in (("window_strides", window_strides), ("lhs_dilation", lhs_dilation),
                    ("rhs_dilation", rhs_dilation)):
        if len(v) != k or any(not isinstance(s, int) or s < 1 for s in v):
            raise ValueError(f"{name}: {what} must be {k} positive ints, got {v}")
    if len(padding) != k or any(len(p) != 2 for p in padding):
        raise ValueError(f"{name}: padding must be {k} (lo, hi) pairs, got {padding}")
    g, b = feature_group_count, batch_group_count
    if g < 1 or b < 1 or (g > 1 and b > 1):
        raise ValueError(f"{name}: feature_group_count ({g}) and batch_group_count ({b}) "
                         "must be >= 1 and not both > 1")
    n, c, o, i = lhs.shape[0], lhs.shape[1], rhs.shape[0], rhs.shape[1]
    if c != i * g:
        raise ValueError(f"{name}: lhs feature size {c} must equal rhs input feature size "
                         f"{i} times feature_group_count {g}")
    if o % (g * b) or n % b:
        raise ValueError(f"{name}: rhs output feature size {o} must be a multiple of the group "
                         f"count {g * b}, and lhs batch size {n} of batch_group_count {b}")


def _conv_aval(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
               feature_group_count, batch_group_count):
    _check_params(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                  feature_group_count, batch_group_count)
    out = conv_out_spatial(lhs.shape[2:], rhs.shape[2:], window_strides, padding,
                           lhs_dilation, rhs_dilation)
    return [ShapedArray((lhs.shape[0] // batch_group_count, rhs.shape[0]) + out, lhs.dtype)]


def patches(lhs: np.ndarray, rhs_spatial, window_strides, padding, lhs_dilation,
            rhs_dilation, out_spatial) -> np.ndarray:
    """A strided view (N, C, *out_spatial, *rhs_spatial) of the padded, dilated input: the
    input taps each output position's window reads."""
    k = len(padding)
    xp = dilate_pad(lhs, lhs_dilation, padding, 0)
    window = dilate_shape(rhs_spatial, rhs_dilation)
    view = np.lib.stride_tricks.sliding_window_view(xp, window, axis=tuple(range(2, 2 + k)))
    index = ((slice(None),) * 2 + tuple(slice(0, (o - 1) * s + 1, s) if o else slice(0, 0)
                                        for o, s in zip(out_spatial, window_strides))
             + tuple(slice(None, None, d) for d in rhs_dilation))
    return view[index]


def conv_im2col(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                feature_group_count, batch_group_count) -> np.ndarray:
    """The convolution as one batched matmul of the patch matrix (groups are the batch)."""
    (aval,) = _conv_aval(ShapedArray(lhs.shape, lhs.dtype), ShapedArray(rhs.shape, rhs.dtype),
                         window_strides=window_strides, padding=padding,
                         lhs_dilation=lhs_dilation, rhs_dilation=rhs_dilation,
                         feature_group_count=feature_group_count,
                         batch_group_count=batch_group_count)
    nb, o, out = aval.shape[0], aval.shape[1], aval.shape[2:]
    if 0 in aval.shape or 0 in rhs.shape[1:]:
        return np.zeros(aval.shape, aval.dtype)
    k, groups = len(out), feature_group_count * batch_group_count
    cg, kk, p = rhs.shape[1], math.prod(rhs.shape[2:]), math.prod(out)
    view = patches(lhs, rhs.shape[2:], window_strides, padding, lhs_dilation, rhs_dilation,
                   out)
    view = view.reshape((batch_group_count, nb, feature_group_count, cg) + view.shape[2:])
    # (B, G, Nb, *out, Cg, *window): each group's rows are output positions, columns taps.
    perm = (0, 2, 1) + tuple(range(4, 4 + k)) + (3,) + tuple(range(4 + k, 4 + 2 * k))
    cols = view.transpose(perm).reshape(groups, nb * p, cg * kk)
    w = rhs.reshape(groups, o // groups, cg * kk).transpose(0, 2, 1)
    res = np.matmul(cols, w).reshape((groups, nb) + out + (o // groups,))
    res = res.transpose((1, 0, 2 + k) + tuple(range(2, 2 + k)))
    return np.ascontiguousarray(res.reshape(aval.shape), dtype=aval.dtype)


conv_general_dilated_p = Primitive("conv_general_dilated", linear=True)
abstract_eval_rules[conv_general_dilated_p] = _conv_aval
impl_rules[conv_general_dilated_p] = lambda *a, **p: [conv_im2col(*a, **p)]
