"""Collective primitives: operations across the members of one or more named axes.

Each carries the names it works over in params["axes"] (a tuple of str) and is of kind
"collective": `trace.bind` routes it to the trace that binds those names (a named vmap
computes it with the rules in interpreters/collective_rules.py), or, under pmap's
extend_axis_env, stages it for an engine (numbax/distributed) to run across shards.
The semantics are jax.lax's: psum/pmax/pmin reduce across the axis, all_gather concatenates
(tiled) or stacks the members' values, psum_scatter sums and hands each member one block,
ppermute sends member src's value to member dst (pairs in perm; others receive zeros) and
axis_index is a member's position. An axis list of several names acts as one axis of the
product size, the first name major.

There is no eager implementation: a collective needs a bound axis, and an unbound name is
JAX's NameError.
"""
from __future__ import annotations

import numpy as np

from .avals import ShapedArray, short_dtype_name
from .axis_env import axis_frame
from .primitives import Primitive, abstract_eval_rules, impl_rules


def check_axes(name: str, axes) -> tuple[str, ...]:
    """axes as a non-empty tuple of distinct str, or a TypeError/ValueError naming name."""
    if not isinstance(axes, tuple) or not axes or not all(isinstance(a, str) for a in axes):
        raise TypeError(f"{name}: axes must be a non-empty tuple of axis names (str), "
                        f"got {axes!r}")
    if len(set(axes)) != len(axes):
        raise ValueError(f"{name}: axis names must be distinct, got {axes}")
    return axes


def check_perm(perm, axis_size: int | None = None) -> tuple[tuple[int, int], ...]:
    """perm as a tuple of (source, destination) int pairs, no source and no destination twice,
    each in range(axis_size) when the size is given; ValueError otherwise."""
    try:
        pairs = tuple((int(s), int(d)) for s, d in perm)
    except (TypeError, ValueError):
        raise ValueError(f"ppermute: perm must be a sequence of (source, destination) pairs of "
                         f"ints, got {perm!r}") from None
    sources, dests = [s for s, _ in pairs], [d for _, d in pairs]
    if len(set(sources)) != len(sources) or len(set(dests)) != len(dests):
        raise ValueError(f"ppermute: perm must be a permutation: no source and no destination "
                         f"may appear twice, got {pairs}")
    limit = axis_size
    bad = [i for i in sources + dests if i < 0 or (limit is not None and i >= limit)]
    if bad:
        where = f"range({limit})" if limit is not None else "the non-negative ints"
        raise ValueError(f"ppermute: perm indices must be in {where} (the axis size), "
                         f"got {pairs}")
    return pairs


def _no_eager_impl(prim_name: str):
    def impl(*args, axes, **params):
        for a in axes:
            axis_frame(a)  # the NameError of an unbound name
        raise NotImplementedError(
            f"{prim_name} over axes {axes} needs a transformation that binds them: call it "
            "under vmap(..., axis_name=...) or pmap, not eagerly")
    return impl


def _define(name: str, abstract_eval, linear: bool = False) -> Primitive:
    prim = Primitive(name, kind="collective", linear=linear)
    abstract_eval_rules[prim] = abstract_eval
    impl_rules[prim] = _no_eager_impl(name)
    return prim


def _reduction_aval(name: str, kinds: str):
    def abstract_eval(x: ShapedArray, *, axes):
        check_axes(name, axes)
        if x.dtype.kind not in kinds:
            raise TypeError(f"{name} does not accept operands of dtype "
                            f"{short_dtype_name(x.dtype)}")
        return [x]
    return abstract_eval


psum_p = _define("psum", _reduction_aval("psum", "iufc"), linear=True)
pmax_p = _define("pmax", _reduction_aval("pmax", "biuf"))
pmin_p = _define("pmin", _reduction_aval("pmin", "biuf"))


def _check_size(name: str, axis_size, least: int = 1) -> None:
    if not isinstance(axis_size, int | np.integer) or axis_size < least:
        what = "a positive" if least else "a non-negative"
        raise ValueError(f"{name}: axis_size must be {what} int, got {axis_size!r}")


def _all_gather_aval(x: ShapedArray, *, axes, axis_size, all_gather_dimension, tiled):
    check_axes("all_gather", axes)
    # An axis of size 0 (a vmap over nothing) gathers nothing; psum_scatter's cannot split.
    _check_size("all_gather", axis_size, least=0)
    d, shape = all_gather_dimension, x.shape
    if not 0 <= d < x.ndim + (not tiled):
        raise ValueError(f"all_gather: dimension {d} out of range for an operand "
                         f"{x.str_short()} ({'tiled' if tiled else 'not tiled'})")
    if tiled:
        shape = shape[:d] + (shape[d] * axis_size,) + shape[d + 1:]
    else:
        shape = shape[:d] + (axis_size,) + shape[d:]
    return [x.update(shape=shape)]


def _psum_scatter_aval(x: ShapedArray, *, axes, axis_size, scatter_dimension, tiled):
    check_axes("psum_scatter", axes)
    _check_size("psum_scatter", axis_size)
    d, shape = scatter_dimension, x.shape
    if not 0 <= d < x.ndim:
        raise ValueError(f"psum_scatter: scatter_dimension {d} out of range for an operand "
                         f"{x.str_short()}")
    if tiled:
        if shape[d] % axis_size:
            raise ValueError(f"psum_scatter: the scattered dimension {d} of {x.str_short()} "
                             f"must be divisible by the axis size {axis_size} (tiled=True)")
        shape = shape[:d] + (shape[d] // axis_size,) + shape[d + 1:]
    else:
        if shape[d] != axis_size:
            raise ValueError(f"psum_scatter: the scattered dimension {d} of {x.str_short()} "
                             f"must equal the axis size {axis_size} (tiled=False)")
        shape = shape[:d] + shape[d + 1:]
    return [x.update(shape=shape)]


def _ppermute_aval(x: ShapedArray, *, axes, perm):
    check_axes("ppermute", axes)
    if perm != check_perm(perm):
        raise ValueError(f"ppermute: perm must be a tuple of (source, destination) int pairs, "
                         f"got {perm!r}")
    return [x]


def _axis_index_aval(*, axes):
    if len(check_axes("axis_index", axes)) != 1:
        raise ValueError(f"axis_index: one axis name expected, got {axes}")
    return [ShapedArray((), np.dtype(np.int32))]


all_gather_p = _define("all_gather", _all_gather_aval, linear=True)
psum_scatter_p = _define("psum_scatter", _psum_scatter_aval, linear=True)
ppermute_p = _define("ppermute", _ppermute_aval, linear=True)
axis_index_p = _define("axis_index", _axis_index_aval)

COLLECTIVES = (psum_p, pmax_p, pmin_p, all_gather_p, psum_scatter_p, ppermute_p, axis_index_p)
