"""Compiled Numba implementations of the convolution and window primitives.

Importing this module replaces the NumPy impls of core/conv_primitives.py and
core/window_primitives.py (so eager evaluation, both backends' unfused equations and the
control-flow bodies use them). Every kernel walks flat offsets (window_primitives.
window_offsets): output o reads padded[base[o] + off[k]], so one kernel serves any rank,
stride and dilation, and none loops over the batch in Python. Numba is imported and the
kernels compiled on first use (cache=True keeps the machine code on disk).

Convolution: a compiled im2col gather plus BLAS matmuls (conv_patches), or a direct compiled
loop (conv_direct). The old NumPy im2col (core's conv_im2col) copied the patch matrix out of
a ten-axis strided view and called one threaded BLAS GEMM: on the CNN of examples/cnn.py
(8x8 digits, NHWC) its convolutions took 1-16 ms each, mostly in that copy and in BLAS
threads waiting on a shared machine (see core/blas_blocks.py). conv_patches gathers
channels-last (an NHWC input's layout: runs of features copy contiguously) and returns the
matmul's (N, *out, O) buffer as a view, so NHWC callers need no copy either way. Measured
(median of 50-100, float32, batch 64, 2-core machine, load average about 2), conv_patches
vs conv_direct: 1->16 features 8x8: 0.09 vs 0.39 ms; 16->32 4x4: 0.25 vs 8.8 ms; 2->8
28x28: 1.5 vs 3.7 ms; 3->16 64x64: 2.6 vs 12.8 ms; but 1->1 feature 28x28: 0.50 vs 0.26 ms,
1->1 (3 taps) 1-D: 0.73 vs 0.24 ms and 2->4 (5 taps) 1-D: 3.1 vs 2.7 ms. The gather costs
C*K copies per output position whatever the output features, so the direct loop wins when
the work per output position, output features per group times C*K, is small: up to
DIRECT_MAX_WORK (40 above went direct's way, 72 = 1->8 28x28 patches': 0.6 vs 2.3 ms).
"""
from __future__ import annotations

import functools
import math

import numpy as np

from ...core import conv_primitives as C
from ...core import window_primitives as W
from ...core.avals import ShapedArray
from ...core.blas_blocks import serial_matmul
from ...core.primitives import impl_rules

DIRECT_MAX_WORK = 48


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


def _im2col(xp, base, off, batch_groups, groups, cols):
    # xp is the padded input channels-last, flat per batch row: (N, spatial * C). Row
    # n * P + p of group t's patch matrix holds, tap by tap, that tap's cg input features of
    # the group: contiguous runs of input copied to contiguous columns (LLVM vectorises them).
    nb, k_total = cols.shape[1] // base.size, off.size
    cg = cols.shape[2] // k_total
    for t in range(cols.shape[0]):
        c0 = (t % groups) * cg
        for n in range(nb):
            src = xp[(t // groups) * nb + n]
            for p in range(base.size):
                dst = cols[t, n * base.size + p]
                if cg == 1:  # one feature: no run to copy (a loop of one costs as much)
                    for k in range(k_total):
                        dst[k] = src[base[p] + off[k] + c0]
                    continue
                for k in range(k_total):
                    at = base[p] + off[k] + c0
                    for c in range(cg):
                        dst[k * cg + c] = src[at + c]


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


def _scatter_add(pos, s, out):
    # out is zeroed; overlapping windows add in the cotangent's dtype, as XLA's scatter.
    for o in range(pos.size):
        out[pos[o]] += s[o]


@functools.cache
def _kernels() -> dict:
    import numba

    return {name: numba.njit(cache=True, nogil=True)(globals()[name]) for name in (
        "_conv_direct", "_im2col", "_window_sum", "_window_max", "_window_min",
        "_select_positions", "_scatter_add")}


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


def conv_patches(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                 feature_group_count, batch_group_count) -> np.ndarray:
    """The convolution as a compiled im2col gather and BLAS matmuls (core/blas_blocks.py).

    The result is the canonical (N, O, *out) view of an (N, *out, O) buffer, the layout the
    matmul writes: channel-last callers (lax.conv_general_dilated's NHWC) transpose it back
    for free instead of copying twice.
    """
    (aval,) = C.conv_general_dilated_p.abstract_eval(
        ShapedArray(lhs.shape, lhs.dtype), ShapedArray(rhs.shape, rhs.dtype),
        window_strides=window_strides, padding=padding, lhs_dilation=lhs_dilation,
        rhs_dilation=rhs_dilation, feature_group_count=feature_group_count,
        batch_group_count=batch_group_count)
    if 0 in aval.shape or 0 in rhs.shape[1:]:
        return np.zeros(aval.shape, aval.dtype)
    nb, o, out_sp = aval.shape[0], aval.shape[1], aval.shape[2:]
    groups, cg, k = feature_group_count * batch_group_count, rhs.shape[1], len(out_sp)
    # Channels last, features as one more (unpadded, unstrided) spatial axis: the taps of an
    # input position's features are adjacent, and an NHWC input is already this layout.
    last = lambda a: a.transpose((0,) + tuple(range(2, a.ndim)) + (1,))  # noqa: E731
    xp = C.dilate_pad(last(lhs), tuple(lhs_dilation) + (1,), tuple(padding) + ((0, 0),), 0)
    base, off = W.window_offsets(xp.shape[1:], out_sp + (1,), rhs.shape[2:] + (1,),
                                 tuple(window_strides) + (1,), tuple(rhs_dilation) + (1,))
    cols = np.empty((groups, nb * base.size, off.size * cg), lhs.dtype)
    _kernels()["_im2col"](xp.reshape(xp.shape[0], -1), base, off, batch_group_count,
                          feature_group_count, cols)
    # (O, I, *w) -> (T, O/T, I, K) -> (T, K * I, O/T): rows in the columns' (tap, feature)
    # order; an HWIO kernel is this layout already.
    w = rhs.reshape(groups, o // groups, cg, off.size).transpose(0, 3, 2, 1)
    w = w.reshape(groups, off.size * cg, o // groups)
    buf = np.empty((nb * base.size, groups, o // groups), aval.dtype)
    # BLAS skips the terms whose factor is an exact zero, so inf * 0 would vanish instead of
    # giving nan (as XLA's does): non-finite operands take NumPy's own sum of products.
    with np.errstate(all="ignore"):
        exact = lhs.dtype.kind in "fc" and not (np.isfinite(np.sum(xp))
                                                 and np.isfinite(np.sum(rhs)))
        for t in range(groups):
            if exact:
                np.einsum("pk,ko->po", cols[t], w[t], out=buf[:, t], optimize=False)
            else:
                serial_matmul(cols[t], w[t], buf[:, t])
    return buf.reshape((nb,) + out_sp + (o,)).transpose((0, k + 1) + tuple(range(1, k + 1)))


def _conv_impl(lhs, rhs, **params):
    groups = params["feature_group_count"] * params["batch_group_count"]
    work = rhs.shape[0] // groups * rhs.shape[1] * math.prod(rhs.shape[2:])
    direct = lhs.dtype.kind == "f" and work <= DIRECT_MAX_WORK
    return [(conv_direct if direct else conv_patches)(lhs, rhs, **params)]


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
    buf = np.zeros(size, s.dtype)
    _kernels()["_scatter_add"](pos, np.ascontiguousarray(s).reshape(-1), buf)
    if (all(d == 1 for d in params["base_dilation"])
            and all(tuple(p) == (0, 0) for p in params["padding"])):
        return [buf.reshape(x.shape)]  # the padded operand is the operand
    pshape = tuple(max(0, d + lo + hi) for d, (lo, hi) in
                   zip(C.dilate_shape(x.shape, params["base_dilation"]), params["padding"]))
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
