"""Compiled Numba implementations of the convolution and window primitives.

Importing this module replaces the NumPy impls of core/conv_primitives.py and
core/window_primitives.py (so eager evaluation, both backends' unfused equations and the
control-flow bodies use them). Every kernel walks flat offsets (window_primitives.
window_offsets): output o reads padded[base[o] + off[k]], so one kernel serves any rank,
stride and dilation, and none loops over the batch in Python. Numba is imported and the
kernels compiled on first use (cache=True keeps the machine code on disk).

Convolution: im2col + one BLAS matmul (core's conv_im2col) or a direct compiled loop. The
direct loop wins when the contraction per output (input features per group times window
taps) is small: BLAS on a skinny patch matrix spends its time in the copy. Measured on the
shared 2-core development machine (best of 7, noisy), batch 64, 3x3 window, 8 output
features, 28x28 input, float32: C*K = 9 (C=1): direct 1.6 ms vs im2col 3.0-15.9 ms; C*K =
18: 3.2 vs 15.4 ms; C*K = 36: 6.2 vs 4.0 ms; C*K = 72: 11.8 vs 7.5 ms; float64 alike; at
8x8 inputs the two are even. Under load (load average 3 on the 2 cores) im2col's BLAS call
varied from 1.3 to 46 ms for C*K = 9 while the direct loop stayed at 1.6-2.3 ms. So the
direct loop runs up to DIRECT_MAX_CONTRACTION = 18.
Weight-gradient convolutions (few outputs, a window as large as the image) go to im2col
(C=1, 28x28: 0.9 vs 3.1 ms).
"""
from __future__ import annotations

import functools
import math

import numpy as np

from ...core import conv_primitives as C
from ...core import window_primitives as W
from ...core.avals import ShapedArray
from ...core.primitives import impl_rules

DIRECT_MAX_CONTRACTION = 18


# ---------------------------------------------------------------------------------------------
# kernel bodies (plain Python, compiled by _kernels)


def _conv_direct(xp, w, base, off, n_last, s_last, batch_groups, groups, out):
    # out is zeroed. base holds the first tap of each row of outputs along the last spatial
    # axis; the innermost loop walks that row (n_last outputs, s_last apart in the input), so
    # for stride 1 it reads contiguous input and LLVM vectorises it, one kernel tap at a time.
    nb, o_total = out.shape[0], out.shape[1]
    cg, k_total = w.shape[1], off.size
    per = o_total // (batch_groups * groups)
    for n in range(nb):
        for o in range(o_total):
            t = o // per
            row = (t // groups) * nb + n
            c0 = (t % groups) * cg
            dst = out[n, o]
            for c in range(cg):
                src = xp[row, c0 + c]
                for k in range(k_total):
                    wk = w[o, c, k]
                    for r in range(base.size):
                        start = base[r] + off[k]
                        at = r * n_last
                        for j in range(n_last):
                            dst[at + j] += wk * src[start + j * s_last]


def _window_sum(xp, base, off, out):
    for o in range(base.size):
        acc = xp[base[o] + off[0]]
        for k in range(1, off.size):
            acc += xp[base[o] + off[k]]
        out[o] = acc


def _window_max(xp, base, off, out):
    for o in range(base.size):
        best = xp[base[o] + off[0]]
        for k in range(1, off.size):
            v = xp[base[o] + off[k]]
            if v > best or v != v:
                best = v
                if v != v:
                    break
        out[o] = best


def _window_min(xp, base, off, out):
    for o in range(base.size):
        best = xp[base[o] + off[0]]
        for k in range(1, off.size):
            v = xp[base[o] + off[k]]
            if v < best or v != v:
                best = v
                if v != v:
                    break
        out[o] = best


def _select_positions(xp, base, off, is_max, pos):
    """Each window's first max (min) position, flat in the padded operand; NaN wins."""
    for o in range(base.size):
        at = base[o] + off[0]
        best = xp[at]
        if best == best:
            for k in range(1, off.size):
                v = xp[base[o] + off[k]]
                if v != v:
                    at = base[o] + off[k]
                    break
                if (v > best) if is_max else (v < best):
                    best, at = v, base[o] + off[k]
        pos[o] = at


@functools.cache
def _kernels() -> dict:
    import numba

    return {name: numba.njit(cache=True, nogil=True)(globals()[name]) for name in (
        "_conv_direct", "_window_sum", "_window_max", "_window_min", "_select_positions")}


# ---------------------------------------------------------------------------------------------
# convolution


def conv_direct(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                feature_group_count, batch_group_count) -> np.ndarray:
    """The convolution as a compiled direct loop over outputs, features and window taps."""
    (aval,) = C.conv_general_dilated_p.abstract_eval(
        ShapedArray(lhs.shape, lhs.dtype), ShapedArray(rhs.shape, rhs.dtype),
        window_strides=window_strides, padding=padding, lhs_dilation=lhs_dilation,
        rhs_dilation=rhs_dilation, feature_group_count=feature_group_count,
        batch_group_count=batch_group_count)
    out = np.zeros(aval.shape, aval.dtype)
    if out.size == 0 or 0 in rhs.shape:
        return out
    xp = C.dilate_pad(lhs, lhs_dilation, padding, 0)
    out_sp = aval.shape[2:]
    rows = out_sp[:-1] + (1,) if out_sp else ()
    base, off = W.window_offsets(xp.shape[2:], rows, rhs.shape[2:], window_strides,
                                 rhs_dilation)
    n_last, s_last = (out_sp[-1], window_strides[-1]) if out_sp else (1, 0)
    xflat = xp.reshape(xp.shape[:2] + (-1,))
    w = np.ascontiguousarray(rhs.reshape(rhs.shape[:2] + (-1,)))
    _kernels()["_conv_direct"](xflat, w, base, off, n_last, s_last, batch_group_count,
                               feature_group_count, out.reshape(out.shape[:2] + (-1,)))
    return out


def _conv_impl(lhs, rhs, **params):
    contraction = rhs.shape[1] * math.prod(rhs.shape[2:])
    direct = lhs.dtype.kind == "f" and contraction <= DIRECT_MAX_CONTRACTION
    return [(conv_direct if direct else C.conv_im2col)(lhs, rhs, **params)]


# ---------------------------------------------------------------------------------------------
# windows


def _offsets(x, fill, params):
    xp = W.padded_operand(x, fill, params)
    out = W.window_out_shape(x.shape, *(params[k] for k in W.WINDOW_PARAMS))
    base, off = W.window_offsets(xp.shape, out, params["window_dimensions"],
                                 params["window_strides"], params["window_dilation"])
    return xp.ravel(), base, off, out


def _reduction_impl(monoid: str, prim):
    def impl(x, **params):
        if _unsupported(x, params):
            return impl_rules_numpy[prim](x, **params)
        prim.abstract_eval(ShapedArray(x.shape, x.dtype), **params)
        xp, base, off, shape = _offsets(x, W.identity(monoid, x.dtype), params)
        out = np.empty(math.prod(shape), x.dtype)
        if out.size:
            _kernels()[f"_window_{monoid}"](xp, base, off, out)
        return [out.reshape(shape)]
    return impl


def _positions(x, select: str, params: dict):
    xp, base, off, shape = _offsets(x, W.identity(select, x.dtype), params)
    pos = np.empty(base.size, np.int64)
    if pos.size:
        _kernels()["_select_positions"](xp, base, off, select == "max", pos)
    return pos, xp.size, shape


def _unsupported(x, params) -> bool:
    return x.dtype.kind not in "fi" or x.size == 0 or math.prod(params["window_dimensions"]) == 0


def _gather_impl(t, x, *, select, **params):
    if _unsupported(x, params):
        return impl_rules_numpy[W.select_and_gather_add_p](t, x, select=select, **params)
    W.select_and_gather_add_p.abstract_eval(ShapedArray(t.shape, t.dtype),
                                            ShapedArray(x.shape, x.dtype), select=select,
                                            **params)
    pos, _, shape = _positions(x, select, params)
    tp = W.padded_operand(t, t.dtype.type(0), params).ravel()
    return [tp[pos].reshape(shape)]


def _scatter_impl(s, x, *, select, **params):
    if _unsupported(x, params) or s.dtype.kind != "f":
        return impl_rules_numpy[W.select_and_scatter_add_p](s, x, select=select, **params)
    W.select_and_scatter_add_p.abstract_eval(ShapedArray(s.shape, s.dtype),
                                             ShapedArray(x.shape, x.dtype), select=select,
                                             **params)
    pos, size, _ = _positions(x, select, params)
    buf = np.bincount(pos, weights=s.ravel(), minlength=size).astype(s.dtype, copy=False)
    pshape = W.padded_operand(np.zeros(x.shape, np.int8), 0, params).shape
    return [W.scatter_into_operand(buf.reshape(pshape), x.shape, params)]


# The NumPy impls stay reachable (tests compare against them; odd dtypes fall back to them).
impl_rules_numpy = {p: impl_rules[p] for p in (
    C.conv_general_dilated_p, W.reduce_window_sum_p, W.reduce_window_max_p,
    W.reduce_window_min_p, W.select_and_gather_add_p, W.select_and_scatter_add_p)}
impl_rules[C.conv_general_dilated_p] = _conv_impl
for _monoid, _prim in (("sum", W.reduce_window_sum_p), ("max", W.reduce_window_max_p),
                       ("min", W.reduce_window_min_p)):
    impl_rules[_prim] = _reduction_impl(_monoid, _prim)
impl_rules[W.select_and_gather_add_p] = _gather_impl
impl_rules[W.select_and_scatter_add_p] = _scatter_impl
