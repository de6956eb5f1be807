"""Batching, JVP and transpose rules of the collectives (core/collective_primitives.py).

Under vmap(axis_name="i") the members of axis "i" are the batch: a collective over "i"
(its "own" axis) is computed from the batch dimension (psum is a sum over it), then bound
again over the names that remain. A value batched by a vmap whose name the collective does
not use ("another" axis) just carries its batch dimension through the collective.
Derivatives follow JAX: psum, all_gather, psum_scatter and ppermute are linear; psum
transposes to psum, all_gather and psum_scatter to each other, ppermute to the inverse
permutation; pmax/pmin's tangent is the maximiser's, ties split evenly.
"""
from __future__ import annotations

import math

import numpy as np

from ..core import primitives as P
from ..core.axis_env import axes_size
from ..core.collective_primitives import (
    all_gather_p,
    axis_index_p,
    check_perm,
    pmax_p,
    pmin_p,
    ppermute_p,
    psum_p,
    psum_scatter_p,
)
from ..core.trace import get_aval
from . import ad, batching
from .batching import batching_rules, moveaxis


def _own_axis(axes: tuple[str, ...]):
    """(name, size, names before it, names after it) when the running vmap's axis is in
    axes, else None."""
    axis = batching.current_axis()
    if axis is None or axis.name not in axes:
        return None
    i = axes.index(axis.name)
    return axis.name, axis.size, axes[:i], axes[i + 1:]


def _merge(x, d: int, count: int = 2):
    """Merge dimensions d .. d + count - 1 of x into one (major to minor)."""
    shape = get_aval(x).shape
    merged = shape[:d] + (math.prod(shape[d:d + count]),) + shape[d + count:]
    return P.reshape_p.bind(x, new_sizes=merged)


def _split(x, d: int, sizes: tuple[int, ...]):
    shape = get_aval(x).shape
    return P.reshape_p.bind(x, new_sizes=shape[:d] + sizes + shape[d + 1:])


def _check_member(primitive, x, b: int | None, params: dict) -> None:
    """Run primitive's shape rule on one member's value: the own-axis rules compute the
    result from the batch and would otherwise fail less clearly on bad parameters."""
    aval = get_aval(x)
    if b is not None:
        aval = aval.update(shape=aval.shape[:b] + aval.shape[b + 1:])
    primitive.abstract_eval(aval, **params)


def _single_name(prim_name: str, axes) -> None:
    if len(axes) > 1:
        raise NotImplementedError(f"vmap of {prim_name} over several axis names {axes}: "
                                  "use one name per call")


# ---------------------------------------------------------------------------------------------
# Batching


def _reduction_rule(primitive, reduce, scale: bool):
    def rule(axis_size, vals, bdims, *, axes):
        (x,), (b,) = vals, bdims
        own = _own_axis(axes)
        if own is None:
            return [primitive.bind(x, axes=axes)], [b]
        _, n, before, after = own
        if b is not None:
            y = reduce.bind(x, axes=(b,))
        elif scale:  # every member holds x: the sum is n x
            y = P.mul_p.bind(x, np.asarray(n, get_aval(x).dtype))
        else:
            y = x
        rest = before + after
        return [primitive.bind(y, axes=rest) if rest else y], [None]

    batching_rules[primitive] = rule


_reduction_rule(psum_p, P.reduce_sum_p, scale=True)
_reduction_rule(pmax_p, P.reduce_max_p, scale=False)
_reduction_rule(pmin_p, P.reduce_min_p, scale=False)


def _all_gather_batch(n_batch, vals, bdims, *, axes, axis_size, all_gather_dimension, tiled):
    (x,), (b,) = vals, bdims
    d = all_gather_dimension
    own = _own_axis(axes)
    if own is None:
        x = moveaxis(x, b, 0, n_batch)
        return [all_gather_p.bind(x, axes=axes, axis_size=axis_size, all_gather_dimension=d + 1,
                                  tiled=tiled)], [0]
    _, n, before, after = own
    _check_member(all_gather_p, x, b, dict(axes=axes, axis_size=axis_size,
                                           all_gather_dimension=d, tiled=tiled))
    if axis_size != n * axes_size(before + after):
        raise ValueError(f"all_gather: axis_size={axis_size} but the axes {axes} have size "
                         f"{n * axes_size(before + after)}")
    # The members' values stacked at d (untiled form), this axis's index in order.
    y = moveaxis(x, b, d, n)
    if before or after:
        nb, na = axes_size(before), axes_size(after)
        y = all_gather_p.bind(y, axes=before + after, axis_size=nb * na, all_gather_dimension=d,
                              tiled=False)
        # (before, after, own) at d -> (before, own, after): the first name is the major one.
        y = _split(y, d, (nb, na))
        perm = list(range(get_aval(y).ndim))
        perm[d + 1], perm[d + 2] = d + 2, d + 1
        y = _merge(P.transpose_p.bind(y, permutation=tuple(perm)), d, 3)
    return [_merge(y, d) if tiled else y], [None]


batching_rules[all_gather_p] = _all_gather_batch


def _psum_scatter_batch(n, vals, bdims, *, axes, axis_size, scatter_dimension, tiled):
    (x,), (b,) = vals, bdims
    d = scatter_dimension
    if _own_axis(axes) is None:
        x = moveaxis(x, b, 0, n)
        return [psum_scatter_p.bind(x, axes=axes, axis_size=axis_size,
                                    scatter_dimension=d + 1, tiled=tiled)], [0]
    _single_name("psum_scatter", axes)
    _check_member(psum_scatter_p, x, b, dict(axes=axes, axis_size=axis_size,
                                             scatter_dimension=d, tiled=tiled))
    if axis_size != n:
        raise ValueError(f"psum_scatter: axis_size={axis_size} but axis {axes[0]!r} has size {n}")
    y = (P.reduce_sum_p.bind(x, axes=(b,)) if b is not None
         else P.mul_p.bind(x, np.asarray(n, get_aval(x).dtype)))
    if not tiled:  # member k receives the sum's index k along d
        return [y], [d]
    size = get_aval(y).shape[d]
    return [_split(y, d, (n, size // n))], [d]


batching_rules[psum_scatter_p] = _psum_scatter_batch


def _ppermute_batch(n, vals, bdims, *, axes, perm):
    (x,), (b,) = vals, bdims
    if _own_axis(axes) is None:
        return [ppermute_p.bind(x, axes=axes, perm=perm)], [b]
    _single_name("ppermute", axes)
    check_perm(perm, n)
    x = moveaxis(x, b, 0, n)
    if n == 0:  # no member sends or receives
        return [x], [0]
    shape = get_aval(x).shape
    source = {dst: src for src, dst in perm}
    zero = None
    rows = []
    for dst in range(n):
        if dst in source:
            s = source[dst]
            rows.append(P.slice_p.bind(x, start_indices=(s,) + (0,) * (len(shape) - 1),
                                       limit_indices=(s + 1,) + shape[1:],
                                       strides=(1,) * len(shape)))
        else:  # a member nobody sends to receives zeros
            if zero is None:
                zero = P.full_p.bind(shape=(1,) + shape[1:], fill_value=0, dtype=get_aval(x).dtype)
            rows.append(zero)
    return [P.concatenate_p.bind(*rows, dimension=0)], [0]


batching_rules[ppermute_p] = _ppermute_batch


def _axis_index_batch(n, vals, bdims, *, axes):
    # Only reached for this vmap's own name (axis_index has no operand to be batched).
    return [P.iota_p.bind(dtype=np.dtype(np.int32), shape=(n,), dimension=0)], [0]


batching_rules[axis_index_p] = _axis_index_batch


# ---------------------------------------------------------------------------------------------
# Differentiation


for _p in (psum_p, all_gather_p, psum_scatter_p, ppermute_p):
    ad.deflinear(_p)
ad.defjvp_zero(axis_index_p)


def _chooser_jvp(primitive):
    def rule(primals, tangents, *, axes):
        (x,), (t,) = primals, tangents
        ans = primitive.bind(x, axes=axes)
        dtype = get_aval(x).dtype
        mask = P.convert_element_type_p.bind(P.eq_p.bind(x, ans), new_dtype=dtype)
        counts = psum_p.bind(mask, axes=axes)
        t = ad.instantiate(t, get_aval(x))
        return [ans], [P.div_p.bind(psum_p.bind(P.mul_p.bind(t, mask), axes=axes), counts)]

    ad.jvp_rules[primitive] = rule


_chooser_jvp(pmax_p)
_chooser_jvp(pmin_p)

ad.transpose_rules[psum_p] = lambda cts, x, *, axes: [psum_p.bind(cts[0], axes=axes)]
ad.transpose_rules[all_gather_p] = lambda cts, x, *, axes, axis_size, all_gather_dimension, \
    tiled: [psum_scatter_p.bind(ad.instantiate(cts[0]), axes=axes, axis_size=axis_size,
                                scatter_dimension=all_gather_dimension, tiled=tiled)]
ad.transpose_rules[psum_scatter_p] = lambda cts, x, *, axes, axis_size, scatter_dimension, \
    tiled: [all_gather_p.bind(ad.instantiate(cts[0]), axes=axes, axis_size=axis_size,
                              all_gather_dimension=scatter_dimension, tiled=tiled)]
ad.transpose_rules[ppermute_p] = lambda cts, x, *, axes, perm: [
    ppermute_p.bind(ad.instantiate(cts[0]), axes=axes, perm=tuple((d, s) for s, d in perm))]
