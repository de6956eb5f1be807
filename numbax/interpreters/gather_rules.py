"""JVP, transpose and batching rules of gather and the scatter family (core/primitives.py).

gather and scatter_add are linear and transpose into each other. scatter (last update wins),
scatter_min/max and scatter_mul are differentiated through masks built from the same
primitives, so their derivatives are programs of linear gathers and scatter_adds that
reverse mode transposes like any other. Batching never flattens: a batched index gets a
leading iota index that addresses the batch dimension of x.
"""
from __future__ import annotations

import numpy as np

from ..core import primitives as P
from ..core.trace import Tracer, get_aval
from . import ad, batching
from .ad import Zero, instantiate, is_undefined, zeros
from .batching import moveaxis

# How each mode treats out-of-range indices, seen from the other side of the transposition.
_GATHER_MODE = {"clip": "clip", "drop": "fill"}
_SCATTER_MODE = {"clip": "clip", "fill": "drop"}


def _gather_like(ct, idxs, axis: int, scatter_mode: str):
    """ct at the positions a scatter with these indices writes (0 where it drops)."""
    return P.gather_p.bind(ct, *idxs, axis=axis, mode=_GATHER_MODE[scatter_mode], fill_value=0)


def _scatter_add_like(aval, idxs, updates, axis: int, scatter_mode: str):
    return P.scatter_add_p.bind(zeros(aval), *idxs, updates, axis=axis, mode=scatter_mode)


def _as(mask, like):
    return P.convert_element_type_p.bind(mask, new_dtype=get_aval(like).dtype)


# ---------------------------------------------------------------------------------------------
# gather and scatter_add: linear


def _gather_jvp(primals, tangents, *, axis, mode, fill_value):
    x, *idxs = primals
    out = P.gather_p.bind(x, *idxs, axis=axis, mode=mode, fill_value=fill_value)
    if type(tangents[0]) is Zero:
        return [out], [Zero(get_aval(out))]
    return [out], [P.gather_p.bind(tangents[0], *idxs, axis=axis, mode=mode, fill_value=0)]


def _gather_transpose(cts, x, *idxs, axis, mode, fill_value):
    ct = _scatter_add_like(x.aval, idxs, cts[0], axis, _SCATTER_MODE[mode])
    return [ct] + [None] * len(idxs)


def _scatter_add_jvp(primals, tangents, *, axis, mode, unique_indices=False):
    x, *idxs, u = primals
    out = P.scatter_add_p.bind(x, *idxs, u, axis=axis, mode=mode)
    tx, tu = tangents[0], tangents[-1]
    if type(tx) is Zero and type(tu) is Zero:
        return [out], [Zero(get_aval(out))]
    return [out], [P.scatter_add_p.bind(instantiate(tx, get_aval(x)), *idxs,
                                        instantiate(tu, get_aval(u)), axis=axis, mode=mode)]


def _scatter_add_transpose(cts, x, *ops, axis, mode, unique_indices=False):
    (ct,), (*idxs, u) = cts, ops
    return ([ct if is_undefined(x) else None] + [None] * len(idxs)
            + [_gather_like(ct, idxs, axis, mode) if is_undefined(u) else None])


ad.jvp_rules[P.gather_p] = _gather_jvp
ad.transpose_rules[P.gather_p] = _gather_transpose
ad.jvp_rules[P.scatter_add_p] = _scatter_add_jvp
ad.transpose_rules[P.scatter_add_p] = _scatter_add_transpose


# ---------------------------------------------------------------------------------------------
# scatter, scatter_min/max, scatter_mul: derivatives through masks


def _tangent_sum(x, idxs, u, tx, tu, mask_x, mask_u, axis: int, mode: str):
    """tx * mask_x + (tu * mask_u scattered with add): how tangents flow through a scatter
    whose result takes x where mask_x and the updates where mask_u."""
    t = Zero(get_aval(x))
    if type(tx) is not Zero:
        t = ad.mul(tx, _as(mask_x, x))
    if type(tu) is not Zero:
        t = ad.add_tangents(t, _scatter_add_like(get_aval(x), idxs, ad.mul(tu, _as(mask_u, u)),
                                                 axis, mode))
    return t


def _scatter_jvp(primals, tangents, *, axis, mode, unique_indices=False):
    # Which update lands where: scatter each update's id (1-based, in order, so the largest is
    # the last writer) with max, then read it back at each update's target.
    x, *idxs, u = primals
    out = P.scatter_p.bind(x, *idxs, u, axis=axis, mode=mode, unique_indices=unique_indices)
    tx, tu = tangents[0], tangents[-1]
    if type(tx) is Zero and type(tu) is Zero:
        return [out], [Zero(get_aval(out))]
    s_aval, u_aval = get_aval(idxs[0]), get_aval(u)
    ids = P.iota_p.bind(dtype=np.dtype(np.int64), shape=(s_aval.size,), dimension=0)
    ids = P.add_p.bind(P.reshape_p.bind(ids, new_sizes=s_aval.shape), np.int64(1))
    ids = P.broadcast_in_dim_p.bind(ids, shape=u_aval.shape, broadcast_dimensions=tuple(
        range(axis, axis + s_aval.ndim)))
    x_ids = P.full_p.bind(shape=get_aval(x).shape, fill_value=0, dtype=np.dtype(np.int64))
    landed = P.scatter_max_p.bind(x_ids, *idxs, ids, axis=axis, mode=mode)
    untouched = P.eq_p.bind(landed, np.int64(0))
    wins = P.eq_p.bind(_gather_like(landed, idxs, axis, mode), ids)
    return [out], [_tangent_sum(x, idxs, u, tx, tu, untouched, wins, axis, mode)]


def _scatter_chooser_jvp(prim):
    # As for reduce_max: the tangent flows from the operands equal to the result, averaged
    # over ties.
    def rule(primals, tangents, *, axis, mode, unique_indices=False):
        x, *idxs, u = primals
        out = prim.bind(x, *idxs, u, axis=axis, mode=mode, unique_indices=unique_indices)
        tx, tu = tangents[0], tangents[-1]
        if type(tx) is Zero and type(tu) is Zero:
            return [out], [Zero(get_aval(out))]
        from_x = P.eq_p.bind(x, out)
        from_u = P.eq_p.bind(u, _gather_like(out, idxs, axis, mode))
        count = P.add_p.bind(_as(from_x, x),
                             _scatter_add_like(get_aval(x), idxs, _as(from_u, u), axis, mode))
        t = _tangent_sum(x, idxs, u, instantiate(tx, get_aval(x)),
                         instantiate(tu, get_aval(u)), from_x, from_u, axis, mode)
        return [out], [ad.div(t, count)]

    ad.jvp_rules[prim] = rule


def _concrete_and_unique(x, idxs, axis: int) -> bool:
    if any(isinstance(i, Tracer) for i in idxs):
        return False
    dims = get_aval(x).shape[axis:axis + len(idxs)]
    targets = np.ravel_multi_index(tuple(np.clip(np.ravel(i), 0, max(n - 1, 0))
                                         for i, n in zip(idxs, dims)), dims) if dims else []
    return len(np.unique(targets)) == len(targets)


def _scatter_mul_jvp(primals, tangents, *, axis, mode, unique_indices=False):
    x, *idxs, u = primals
    out = P.scatter_mul_p.bind(x, *idxs, u, axis=axis, mode=mode, unique_indices=unique_indices)
    tx, tu = tangents[0], tangents[-1]
    t = Zero(get_aval(out))
    if type(tx) is not Zero:  # tx times the factor scatter_mul puts on each position of x
        ones = P.full_p.bind(shape=get_aval(x).shape, fill_value=1, dtype=get_aval(x).dtype)
        t = ad.mul(tx, P.scatter_mul_p.bind(ones, *idxs, u, axis=axis, mode=mode))
    if type(tu) is not Zero:
        if not (unique_indices or _concrete_and_unique(x, idxs, axis)):
            raise NotImplementedError(
                "the derivative of scatter_mul (x.at[idx].multiply/divide/power) with respect "
                "to the updates needs indices without repeats: pass unique_indices=True when "
                "the traced indices have none (as JAX requires)")
        x_at = _gather_like(x, idxs, axis, mode)
        t = ad.add_tangents(t, _scatter_add_like(get_aval(x), idxs, ad.mul(tu, x_at), axis, mode))
    return [out], [t]


ad.jvp_rules[P.scatter_p] = _scatter_jvp
_scatter_chooser_jvp(P.scatter_min_p)
_scatter_chooser_jvp(P.scatter_max_p)
ad.jvp_rules[P.scatter_mul_p] = _scatter_mul_jvp


# ---------------------------------------------------------------------------------------------
# Batching


def _batch_iota(idx):
    """An index (B, S...) addressing the batch member: 0..B-1 along its leading axis."""
    aval = get_aval(idx)
    return P.iota_p.bind(dtype=aval.dtype, shape=aval.shape, dimension=0)


def _gather_batch(axis_size, vals, bdims, *, axis, **params):
    (x, *idxs), (xb, *ibs) = vals, bdims
    if all(b is None for b in ibs):
        x = moveaxis(x, xb, 0, axis_size)
        return [P.gather_p.bind(x, *idxs, axis=axis + 1, **params)], [0]
    idxs = [moveaxis(i, b, 0, axis_size) for i, b in zip(idxs, ibs)]
    if xb is not None:  # the batch dimension of x becomes one more indexed axis
        x = moveaxis(x, xb, axis, axis_size)
        idxs = [_batch_iota(idxs[0])] + idxs
    return [P.gather_p.bind(x, *idxs, axis=axis, **params)], [axis]


def _scatter_batch(prim):
    def rule(axis_size, vals, bdims, *, axis, **params):
        (x, *idxs, u), (xb, *ibs, ub) = vals, bdims
        if all(b is None for b in ibs):
            x, u = moveaxis(x, xb, 0, axis_size), moveaxis(u, ub, 0, axis_size)
            return [prim.bind(x, *idxs, u, axis=axis + 1, **params)], [0]
        idxs = [moveaxis(i, b, 0, axis_size) for i, b in zip(idxs, ibs)]
        x, u = moveaxis(x, xb, axis, axis_size), moveaxis(u, ub, axis, axis_size)
        return [prim.bind(x, _batch_iota(idxs[0]), *idxs, u, axis=axis, **params)], [axis]

    batching.batching_rules[prim] = rule


batching.batching_rules[P.gather_p] = _gather_batch
for _prim in (P.scatter_add_p, P.scatter_p, P.scatter_min_p, P.scatter_max_p, P.scatter_mul_p):
    _scatter_batch(_prim)
