"""JVP, transpose and batching rules of dynamic_slice, dynamic_update_slice, top_k and the
cumulative reductions (core/slicing_primitives.py).

- dynamic_slice and dynamic_update_slice are linear in their array operands. dynamic_slice
  transposes to a dynamic_update_slice into zeros; dynamic_update_slice transposes to a
  dynamic_slice (for the update) and a dynamic_update_slice of zeros (for the operand).
- Batched start indices become a gather (dynamic_slice) or a unique-index scatter
  (dynamic_update_slice) whose index arrays address each member's block; no loop.
- top_k's tangent is the tangent gathered at the chosen positions.
- cumprod and cumlogsumexp differentiate their parallel-prefix form (core/prefix_scan.py),
  built from mul and a stable logaddexp: exact where x has zeros, no division.
- cummax and cummin pass the tangent of the running arg-extremum (its first occurrence).
"""
from __future__ import annotations

import numpy as np

from ..core import primitives as P
from ..core import slicing_primitives as S
from ..core.prefix_scan import prefix_scan, slice_axis
from ..core.trace import get_aval
from . import ad, batching
from .ad import Zero, instantiate, is_undefined, zeros
from .batching import at_front, moveaxis

_I64 = np.dtype(np.int64)


# ---------------------------------------------------------------------------------------------
# dynamic_slice and dynamic_update_slice


def _dynamic_slice_jvp(primals, tangents, *, slice_sizes):
    x, *starts = primals
    out = S.dynamic_slice_p.bind(x, *starts, slice_sizes=slice_sizes)
    if type(tangents[0]) is Zero:
        return [out], [Zero(get_aval(out))]
    return [out], [S.dynamic_slice_p.bind(tangents[0], *starts, slice_sizes=slice_sizes)]


def _dynamic_slice_transpose(cts, x, *starts, slice_sizes):
    (ct,) = cts
    if type(ct) is Zero:
        return [None] * (1 + len(starts))
    return [S.dynamic_update_slice_p.bind(zeros(x.aval), ct, *starts)] + [None] * len(starts)


def _dynamic_update_slice_jvp(primals, tangents):
    x, u, *starts = primals
    out = S.dynamic_update_slice_p.bind(x, u, *starts)
    tx, tu = tangents[:2]
    if type(tx) is Zero and type(tu) is Zero:
        return [out], [Zero(get_aval(out))]
    t = S.dynamic_update_slice_p.bind(instantiate(tx, get_aval(x)), instantiate(tu, get_aval(u)),
                                      *starts)
    return [out], [t]


def _dynamic_update_slice_transpose(cts, x, u, *starts):
    (ct,) = cts
    u_aval = u.aval if is_undefined(u) else get_aval(u)
    if type(ct) is Zero:
        return [None] * (2 + len(starts))
    ct_x = S.dynamic_update_slice_p.bind(ct, zeros(u_aval), *starts) if is_undefined(x) else None
    ct_u = (S.dynamic_slice_p.bind(ct, *starts, slice_sizes=u_aval.shape) if is_undefined(u)
            else None)
    return [ct_x, ct_u] + [None] * len(starts)


def _block_indices(axis_size: int, starts, bdims, shape, sizes) -> list:
    """For each axis, an int64 index array (B, *sizes): member b's clamped start on that axis
    plus the position within the block; then the leading batch index."""
    full = (axis_size,) + tuple(sizes)
    idxs = []
    for d, (s, b) in enumerate(zip(starts, bdims)):
        s = P.convert_element_type_p.bind(s, new_dtype=_I64)
        s = P.min_p.bind(P.max_p.bind(s, np.int64(0)), np.int64(shape[d] - sizes[d]))
        s = P.broadcast_in_dim_p.bind(s, shape=full, broadcast_dimensions=() if b is None
                                      else (0,))
        idxs.append(P.add_p.bind(s, P.iota_p.bind(dtype=_I64, shape=full, dimension=d + 1)))
    return [P.iota_p.bind(dtype=_I64, shape=full, dimension=0)] + idxs


def _dynamic_slice_batch(axis_size, vals, bdims, *, slice_sizes):
    (x, *starts), (xb, *sbs) = vals, bdims
    shape = get_aval(x).shape if xb is None else get_aval(x).shape[:xb] + get_aval(x).shape[xb + 1:]
    if all(b is None for b in sbs):
        x = moveaxis(x, xb, 0, axis_size)
        out = S.dynamic_slice_p.bind(x, np.int64(0), *starts,
                                     slice_sizes=(axis_size,) + tuple(slice_sizes))
        return [out], [0]
    batch_idx, *idxs = _block_indices(axis_size, starts, sbs, shape, slice_sizes)
    if xb is None:
        return [P.gather_p.bind(x, *idxs, axis=0, mode="clip", fill_value=None)], [0]
    x = moveaxis(x, xb, 0, axis_size)
    return [P.gather_p.bind(x, batch_idx, *idxs, axis=0, mode="clip", fill_value=None)], [0]


def _dynamic_update_slice_batch(axis_size, vals, bdims):
    (x, u, *starts), (xb, ub, *sbs) = vals, bdims
    x, u = moveaxis(x, xb, 0, axis_size), moveaxis(u, ub, 0, axis_size)
    if all(b is None for b in sbs):
        return [S.dynamic_update_slice_p.bind(x, u, np.int64(0), *starts)], [0]
    shape, sizes = get_aval(x).shape[1:], get_aval(u).shape[1:]
    idxs = _block_indices(axis_size, starts, sbs, shape, sizes)
    return [P.scatter_p.bind(x, *idxs, u, axis=0, mode="clip", unique_indices=True)], [0]


ad.jvp_rules[S.dynamic_slice_p] = _dynamic_slice_jvp
ad.transpose_rules[S.dynamic_slice_p] = _dynamic_slice_transpose
ad.jvp_rules[S.dynamic_update_slice_p] = _dynamic_update_slice_jvp
ad.transpose_rules[S.dynamic_update_slice_p] = _dynamic_update_slice_transpose
batching.batching_rules[S.dynamic_slice_p] = _dynamic_slice_batch
batching.batching_rules[S.dynamic_update_slice_p] = _dynamic_update_slice_batch


# ---------------------------------------------------------------------------------------------
# top_k


def take_along(x, idx, axis: int):
    """x at positions idx along axis (take_along_axis; idx may be shorter there than x) as one
    linear gather addressing every axis."""
    shape, dtype = get_aval(idx).shape, get_aval(idx).dtype
    idxs = [idx if d == axis else P.iota_p.bind(dtype=dtype, shape=shape, dimension=d)
            for d in range(len(shape))]
    return P.gather_p.bind(x, *idxs, axis=0, mode="clip", fill_value=None)


def _top_k_jvp(primals, tangents, *, k):
    (x,), (t,) = primals, tangents
    vals, idx = S.top_k_p.bind(x, k=k)
    t_out = Zero(get_aval(vals)) if type(t) is Zero else take_along(t, idx, get_aval(x).ndim - 1)
    return [vals, idx], [t_out, Zero(get_aval(idx))]


def _top_k_batch(axis_size, vals, bdims, *, k):
    (x,) = at_front(axis_size, vals, bdims)
    return S.top_k_p.bind(x, k=k), [0, 0]


ad.jvp_rules[S.top_k_p] = _top_k_jvp
batching.batching_rules[S.top_k_p] = _top_k_batch


# ---------------------------------------------------------------------------------------------
# Cumulative reductions


def _rev(x, axis: int):
    return P.rev_p.bind(x, dimensions=(axis,))


def _forward_only(jvp):
    """A cumulative JVP rule from one for reverse=False: reverse means scanning the flipped
    operand and flipping back."""
    def rule(primals, tangents, *, axis, reverse):
        (x,), (t,) = primals, tangents
        if reverse:
            out, t_out = jvp(_rev(x, axis), _rev(instantiate(t, get_aval(x)), axis), axis)
            return [_rev(out, axis)], [_rev(t_out, axis)]
        return list(map(lambda v: [v], jvp(x, instantiate(t, get_aval(x)), axis)))
    return rule


def logaddexp(a, b):
    """log(exp(a) + exp(b)) without overflow; its derivative is the softmax weights, also at
    ties and where both are -inf (the shift is a constant to differentiation)."""
    m = P.stop_gradient_p.bind(P.max_p.bind(a, b))
    dt = get_aval(m).dtype
    m = P.select_p.bind(P.lt_p.bind(P.abs_p.bind(m), np.asarray(np.inf, dt)), m,
                        np.zeros((), dt))
    total = P.add_p.bind(P.exp_p.bind(P.sub_p.bind(a, m)), P.exp_p.bind(P.sub_p.bind(b, m)))
    return P.add_p.bind(m, P.log_p.bind(total))


def _prefix_jvp(prim, combine):
    """The primitive's value, and the tangent of its parallel-prefix form."""
    def jvp(x, t, axis):
        out = prim.bind(x, axis=axis, reverse=False)
        _, (t_out,) = ad.jvp_flat(
            lambda v: prefix_scan(lambda xs, ys: [combine(xs[0], ys[0])], [v], axis), [x], [t])
        return out, t_out
    return jvp


def _extremum_jvp(prim, beats):
    def jvp(x, t, axis):
        out = prim.bind(x, axis=axis, reverse=False)
        aval = get_aval(x)
        n = aval.shape[axis]
        if n == 0:
            return out, t
        # Where x beats the running extremum before it (and at 0) a new arg-extremum starts.
        prev = P.concatenate_p.bind(slice_axis(x, 0, 1, 1, axis),
                                    slice_axis(out, 0, n - 1, 1, axis), dimension=axis)
        first = (np.arange(n) == 0).reshape([n if d == axis else 1 for d in range(aval.ndim)])
        new = P.or_p.bind(beats.bind(x, prev), first)
        pos = P.iota_p.bind(dtype=_I64, shape=aval.shape, dimension=axis)
        arg = S.cummax_p.bind(P.select_p.bind(new, pos, np.int64(0)), axis=axis, reverse=False)
        return out, take_along(t, arg, axis)
    return jvp


ad.jvp_rules[S.cumprod_p] = _forward_only(_prefix_jvp(S.cumprod_p, P.mul_p.bind))
ad.jvp_rules[S.cumlogsumexp_p] = _forward_only(_prefix_jvp(S.cumlogsumexp_p, logaddexp))
ad.jvp_rules[S.cummax_p] = _forward_only(_extremum_jvp(S.cummax_p, P.gt_p))
ad.jvp_rules[S.cummin_p] = _forward_only(_extremum_jvp(S.cummin_p, P.lt_p))


def _cumulative_batch(prim):
    def rule(axis_size, vals, bdims, *, axis, reverse):
        (x,) = at_front(axis_size, vals, bdims)
        return [prim.bind(x, axis=axis + 1, reverse=reverse)], [0]
    batching.batching_rules[prim] = rule


for _prim in (S.cumprod_p, S.cummax_p, S.cummin_p, S.cumlogsumexp_p):
    _cumulative_batch(_prim)
