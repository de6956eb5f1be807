"""JVP, transpose and batching rules of `conv_general_dilated` (core/conv_primitives.py).

The convolution is bilinear, so its JVP is conv(ṫ_lhs, rhs) + conv(lhs, ṫ_rhs), and both
transposes are convolutions, as in JAX (all in the canonical (N, C, ...), (O, I, ...)
layout; "swap" below exchanges an array's first two axes):
- lhs: conv(ct, flip(K)) with the strides and lhs_dilation exchanged, K the kernel with its
  group axis moved into the input-feature axis (O/G, G*I) and swapped, and padding
  rhs_dilated - lo - 1 before;
- rhs: swap(conv(swap(lhs), swap(ct))) with window_strides and rhs_dilation exchanged and
  feature_group_count and batch_group_count exchanged.
Batching folds the vmapped axis into the batch axis (lhs only), into the output features
(rhs only) or into the feature groups (both), inside any existing groups; no loop.
"""
from __future__ import annotations

from ..core import primitives as P
from ..core.conv_primitives import conv_general_dilated_p as conv_p
from ..core.conv_primitives import dilate_shape
from ..core.trace import get_aval
from . import ad, batching
from .ad import Zero, is_undefined
from .batching import moveaxis


def _reshape(x, shape):
    return P.reshape_p.bind(x, new_sizes=tuple(int(s) for s in shape))


def _transpose(x, perm):
    return P.transpose_p.bind(x, permutation=tuple(perm))


def _swap01(x):
    nd = get_aval(x).ndim
    return _transpose(x, (1, 0) + tuple(range(2, nd)))


def _split(x, axis: int, parts: int):
    """x with axis split into (parts, size // parts), parts major."""
    shape = get_aval(x).shape
    return _reshape(x, shape[:axis] + (parts, shape[axis] // parts) + shape[axis + 1:])


def _merge(x, axis: int):
    """x with axes axis and axis + 1 merged (axis major)."""
    shape = get_aval(x).shape
    return _reshape(x, shape[:axis] + (shape[axis] * shape[axis + 1],) + shape[axis + 2:])


def _move(x, src: int, dst: int):
    nd = get_aval(x).ndim
    perm = [i for i in range(nd) if i != src]
    perm.insert(dst, src)
    return _transpose(x, perm)


def _conv(lhs, rhs, **params):
    return conv_p.bind(lhs, rhs, **params)


# ---------------------------------------------------------------------------------------------
# transposes


def _lhs_padding(in_sp, window, strides, out_sp, padding, lhs_dilation, rhs_dilation):
    lhs_d = dilate_shape(in_sp, lhs_dilation)
    rhs_d = dilate_shape(window, rhs_dilation)
    out_d = dilate_shape(out_sp, strides)
    before = [r - lo - 1 for r, (lo, _) in zip(rhs_d, padding)]
    after = [a + r - 1 - o - b for a, r, o, b in zip(lhs_d, rhs_d, out_d, before)]
    return tuple(zip(before, after))


def _rhs_padding(in_sp, window, strides, out_sp, padding, lhs_dilation, rhs_dilation):
    lhs_d = dilate_shape(in_sp, lhs_dilation)
    rhs_d = dilate_shape(window, rhs_dilation)
    out_d = dilate_shape(out_sp, strides)
    return tuple((lo, (o - a) + (r - lo - 1))
                 for a, r, o, (lo, _) in zip(lhs_d, rhs_d, out_d, padding))


def _transpose_lhs(ct, lhs_aval, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                   feature_group_count, batch_group_count):
    groups = feature_group_count * batch_group_count
    rhs_shape = get_aval(rhs).shape
    k = len(window_strides)
    # (O, I, *w) -> (G, O/G, I, *w) -> (G, I, O/G, *w) -> (G*I, O/G, *w): the transposed
    # kernel's output features are lhs's features, each group's block in place.
    kernel = _split(rhs, 0, groups)
    kernel = _merge(_transpose(kernel, (0, 2, 1) + tuple(range(3, 3 + k))), 0)
    kernel = P.rev_p.bind(kernel, dimensions=tuple(range(2, 2 + k)))
    pads = _lhs_padding(lhs_aval.shape[2:], rhs_shape[2:], window_strides,
                        get_aval(ct).shape[2:], padding, lhs_dilation, rhs_dilation)
    out = _conv(ct, kernel, window_strides=lhs_dilation, padding=pads,
                lhs_dilation=window_strides, rhs_dilation=rhs_dilation,
                feature_group_count=groups, batch_group_count=1)
    if batch_group_count > 1:
        # (N/B, B*C, ...) -> (N/B, B, C, ...) -> (B, N/B, C, ...) -> (N, C, ...)
        out = _merge(_move(_split(out, 1, batch_group_count), 1, 0), 0)
    return out


def _transpose_rhs(ct, lhs, rhs_aval, *, window_strides, padding, lhs_dilation, rhs_dilation,
                   feature_group_count, batch_group_count):
    pads = _rhs_padding(get_aval(lhs).shape[2:], rhs_aval.shape[2:], window_strides,
                        get_aval(ct).shape[2:], padding, lhs_dilation, rhs_dilation)
    out = _conv(_swap01(lhs), _swap01(ct), window_strides=rhs_dilation, padding=pads,
                lhs_dilation=lhs_dilation, rhs_dilation=window_strides,
                feature_group_count=batch_group_count, batch_group_count=feature_group_count)
    return _swap01(out)


def _conv_transpose(cts, lhs, rhs, **params):
    (ct,) = cts
    if type(ct) is Zero:
        return [None, None]
    if is_undefined(lhs):
        return [_transpose_lhs(ct, lhs.aval, rhs, **params), None]
    return [None, _transpose_rhs(ct, lhs, rhs.aval, **params)]


ad.defjvp(conv_p, lambda t, lhs, rhs, **p: _conv(t, rhs, **p),
          lambda t, lhs, rhs, **p: _conv(lhs, t, **p))
ad.transpose_rules[conv_p] = _conv_transpose


# ---------------------------------------------------------------------------------------------
# batching (the vmapped axis is moved to the front first)


def _batch_lhs(n, lhs, rhs, params):
    b = params["batch_group_count"]
    if b > 1:
        # (V, N, ...) -> (V, B, N/B, ...) -> (B, V, N/B, ...) -> (B*V*N/B, ...): V inside
        # each batch group.
        lhs = _move(_split(lhs, 1, b), 1, 0)
        lhs = _merge(_merge(lhs, 1), 0)
    else:
        lhs = _merge(lhs, 0)
    return _split(_conv(lhs, rhs, **params), 0, n)


def _batch_rhs(n, lhs, rhs, params):
    groups = params["feature_group_count"] * params["batch_group_count"]
    # (V, O, ...) -> (V, T, O/T, ...) -> (T, V, O/T, ...) -> (T*V*O/T, ...)
    rhs = _move(_split(rhs, 1, groups), 1, 0)
    rhs = _merge(_merge(rhs, 1), 0)
    out = _split(_split(_conv(lhs, rhs, **params), 1, groups), 2, n)  # (N, T, V, O/T, ...)
    return _merge(_move(out, 2, 1), 2), 1


def _batch_both(n, lhs, rhs, params):
    params = dict(params)
    if params["batch_group_count"] > 1:
        lhs = _merge(lhs, 0)
        params["batch_group_count"] *= n
    else:
        lhs = _merge(_move(lhs, 0, 1), 1)
        params["feature_group_count"] *= n
    out = _conv(lhs, _merge(rhs, 0), **params)
    return _split(out, 1, n), 1


def _conv_batch(axis_size, vals, bdims, **params):
    lhs, rhs = vals
    lb, rb = bdims
    if rb is None:
        return [_batch_lhs(axis_size, moveaxis(lhs, lb, 0, axis_size), rhs, params)], [0]
    if lb is None:
        out, dim = _batch_rhs(axis_size, lhs, moveaxis(rhs, rb, 0, axis_size), params)
        return [out], [dim]
    out, dim = _batch_both(axis_size, moveaxis(lhs, lb, 0, axis_size),
                           moveaxis(rhs, rb, 0, axis_size), params)
    return [out], [dim]


batching.batching_rules[conv_p] = _conv_batch
