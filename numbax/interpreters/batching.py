"""vmap as an IR transform: a BatchTrace whose tracers carry a batch dimension (or none).

Each rule moves the batch dimension only when it must. Elementwise rules align ranks and let
broadcasting handle unbatched operands; dot_general folds the batch into its batch
dimensions; reductions and shape operations shift their axis parameters.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import nullcontext

from ..core import primitives as P
from ..core.avals import ShapedArray
from ..core.axis_env import AxisData, AxisFrame, named_axes, push_frame
from ..core.ir import Jaxpr, eval_jaxpr
from ..core.primitives import Primitive, lookup
from ..core.trace import Trace, Tracer, full_raise, get_aval, new_main
from . import partial_eval as pe

batching_rules: dict[Primitive, Callable] = {}


class BatchTracer(Tracer):
    __slots__ = ("_trace", "val", "bdim")

    def __init__(self, trace: Trace, val, bdim: int | None):
        self._trace, self.val, self.bdim = trace, val, bdim

    @property
    def aval(self) -> ShapedArray:
        aval = get_aval(self.val)
        if self.bdim is None:
            return aval
        return aval.update(shape=aval.shape[:self.bdim] + aval.shape[self.bdim + 1:])

    def full_lower(self):
        return self.val if self.bdim is None else self


class _Processing(threading.local):
    # The axis of the BatchTrace whose rule is running: rules that re-batch a body
    # (batch_jaxpr, vmap_flat) give the inner trace the same name, so a psum inside
    # jit/cond/scan under vmap(axis_name="i") still finds "i".
    axis: AxisData | None = None


_processing = _Processing()


def current_axis() -> AxisData | None:
    """The axis of the BatchTrace whose batching rule is running on this thread, if any."""
    return _processing.axis


class BatchTrace(Trace):
    transformation = "vmap"

    @property
    def axis(self) -> AxisData:
        return self.main.global_data

    @property
    def axis_size(self) -> int:
        return self.main.global_data.size

    def pure(self, val):
        return BatchTracer(self, val, None)

    lift = pure

    def process_primitive(self, primitive, tracers, params):
        vals = [t.val for t in tracers]
        bdims = [t.bdim for t in tracers]
        axis = self.main.global_data
        # Unbatched operands give an unbatched result, unless the primitive works over this
        # trace's own axis name (psum(1.0, "i") is the axis size).
        if all(b is None for b in bdims) and (
                axis.name is None or axis.name not in named_axes(primitive, params)):
            return [BatchTracer(self, o, None) for o in primitive.bind_list(*vals, **params)]
        rule = lookup(batching_rules, primitive, "vectorisation (vmap)")
        state = _processing
        outer, state.axis = state.axis, axis
        try:
            outs, out_bdims = rule(axis.size, vals, bdims, **params)
        finally:
            state.axis = outer
        return [BatchTracer(self, o, b) for o, b in zip(outs, out_bdims)]


def _bind_axis_name(axis: AxisData, main):
    if axis.name is None:
        return nullcontext()
    return push_frame(AxisFrame(axis.name, axis.size, main))


def moveaxis(x, src: int | None, dst: int, axis_size: int):
    """Move a batch dimension; an unbatched value is broadcast to have one."""
    aval = get_aval(x)
    if src is None:
        shape = aval.shape[:dst] + (axis_size,) + aval.shape[dst:]
        dims = tuple(i for i in range(len(shape)) if i != dst)
        return P.broadcast_in_dim_p.bind(x, shape=shape, broadcast_dimensions=dims)
    if src == dst:
        return x
    perm = [i for i in range(aval.ndim) if i != src]
    perm.insert(dst, src)
    return P.transpose_p.bind(x, permutation=tuple(perm))


_INHERIT = object()


def vmap_flat(fun: Callable, axis_size: int, vals, in_dims, out_dims_forced=0,
              name: str | None = None, axis_name=_INHERIT, spmd_axis_name=None) -> list:
    """Vectorise a flat function; returns outputs with the batch dimension at out_dims_forced
    (None keeps whatever each output has and returns (outs, bdims)). name (e.g. "vmap(f)")
    is how errors such as leaked tracers refer to this trace. axis_name binds the batch axis
    for collectives; by default a rule re-batching a body inherits the name of the axis it
    is processing (current_axis), and other callers get an unnamed axis."""
    if axis_name is _INHERIT:
        outer = _processing.axis
        inherit = outer is not None and outer.size == axis_size
        axis = AxisData(axis_size, outer.name, outer.spmd_name) if inherit else AxisData(axis_size)
    else:
        axis = AxisData(axis_size, axis_name, spmd_axis_name)
    state = _processing
    outer, state.axis = state.axis, None  # user code run by fun starts with nothing to inherit
    try:
        with new_main(BatchTrace, axis, name) as main, _bind_axis_name(axis, main):
            trace = BatchTrace(main)
            tracers = [BatchTracer(trace, v, d) for v, d in zip(vals, in_dims)]
            outs = [full_raise(trace, o) for o in fun(*tracers)]
            pairs = [(t.val, t.bdim) for t in outs]
    finally:
        state.axis = outer
    if out_dims_forced is None:
        return [v for v, _ in pairs], [b for _, b in pairs]
    return [moveaxis(v, b, out_dims_forced, axis_size) for v, b in pairs]


def batch_jaxpr(jaxpr: Jaxpr, axis_size: int, batched: list[bool],
                out_batched: list[bool] | None = None) -> tuple[Jaxpr, list]:
    """A Jaxpr taking batched inputs (batch at axis 0 where batched) and returning its outputs
    batched at axis 0 where out_batched says (all of them by default); an output left
    unbatched must not depend on a batched input. Returns (jaxpr, consts) with consts as
    leading inputs."""
    def fun(*args):
        outs, dims = vmap_flat(lambda *xs: eval_jaxpr(jaxpr, [], xs), axis_size, args,
                               [0 if b else None for b in batched], out_dims_forced=None)
        force = [True] * len(outs) if out_batched is None else out_batched
        return [moveaxis(v, d, 0, axis_size) if f else v for v, d, f in zip(outs, dims, force)]

    avals = [a.update(shape=(axis_size,) + a.shape) if b else a
             for a, b in zip(jaxpr.in_avals, batched)]
    return pe.trace_to_subjaxpr(fun, avals)


def batched_outputs(jaxpr: Jaxpr, axis_size: int, batched: list[bool]) -> list[bool]:
    """Which outputs of jaxpr depend on its batched inputs (a trace; nothing is kept)."""
    box: list = []

    def fun(*args):
        outs, dims = vmap_flat(lambda *xs: eval_jaxpr(jaxpr, [], xs), axis_size, args,
                               [0 if b else None for b in batched], out_dims_forced=None)
        box.extend(d is not None for d in dims)
        return outs

    pe.trace_to_subjaxpr(fun, [a.update(shape=(axis_size,) + a.shape) if b else a
                               for a, b in zip(jaxpr.in_avals, batched)])
    return box


def batched_carry(body: Jaxpr, axis_size: int, consts_batched: list[bool],
                  carry_batched: list[bool], xs_batched: list[bool] = ()) -> list[bool]:
    """The loop carries that must be batched: the least fixed point of "batched on entry or
    made batched by the body". Keeping the others unbatched keeps, for example, the primal
    carry of a loop under vmap(jvp) unbatched when only its tangents are."""
    carry = list(carry_batched)
    while True:
        out = batched_outputs(body, axis_size, [*consts_batched, *carry, *xs_batched])
        new = [c or o for c, o in zip(carry, out)]
        if new == carry:
            return carry
        carry = new


# ---------------------------------------------------------------------------------------------
# Rules


def _elementwise_rule(primitive: Primitive):
    def rule(axis_size, vals, bdims, **params):
        ranks = [get_aval(v).ndim - (b is not None) for v, b in zip(vals, bdims)]
        out_rank = max(ranks)
        args = []
        for v, b, r in zip(vals, bdims, ranks):
            if b is None:
                args.append(v)
                continue
            v = moveaxis(v, b, 0, axis_size)
            if r < out_rank:
                shape = get_aval(v).shape
                v = P.reshape_p.bind(v, new_sizes=shape[:1] + (1,) * (out_rank - r) + shape[1:])
            args.append(v)
        return primitive.bind_list(*args, **params), [0]

    batching_rules[primitive] = rule


# Every primitive declared elementwise, now or later, batches by aligning ranks.
P.on_define(lambda p: _elementwise_rule(p) if p.kind == "elementwise" else None)


def at_front(axis_size: int, vals, bdims, batched: Sequence[bool] | None = None) -> list:
    """vals with their batch dimension at axis 0 where batched says (everywhere by default):
    an unbatched value there is broadcast to have one; the others are left as they are."""
    if batched is None:
        batched = [True] * len(vals)
    return [moveaxis(v, b, 0, axis_size) if f else v for v, b, f in zip(vals, bdims, batched)]


def _shift(dims) -> tuple[int, ...]:
    return tuple(d + 1 for d in dims)


def _reduction_rule(primitive: Primitive):
    def rule(axis_size, vals, bdims, *, axes):
        (x,) = at_front(axis_size, vals, bdims)
        return [primitive.bind(x, axes=_shift(axes))], [0]

    batching_rules[primitive] = rule


for _p in (P.reduce_sum_p, P.reduce_max_p, P.reduce_min_p, P.reduce_prod_p):
    _reduction_rule(_p)


def _arg_reduction_rule(primitive: Primitive):
    def rule(axis_size, vals, bdims, *, axis, index_dtype):
        (x,) = at_front(axis_size, vals, bdims)
        return [primitive.bind(x, axis=axis + 1, index_dtype=index_dtype)], [0]

    batching_rules[primitive] = rule


_arg_reduction_rule(P.argmax_p)
_arg_reduction_rule(P.argmin_p)
batching_rules[P.cumsum_p] = lambda n, vals, bdims, *, axis, reverse: (
    [P.cumsum_p.bind(at_front(n, vals, bdims)[0], axis=axis + 1, reverse=reverse)], [0])
batching_rules[P.sort_p] = lambda n, vals, bdims, *, dimension, is_stable, num_keys: (
    P.sort_p.bind_list(*at_front(n, vals, bdims), dimension=dimension + 1,
                       is_stable=is_stable, num_keys=num_keys), [0] * len(vals))


def _broadcast_in_dim_rule(axis_size, vals, bdims, *, shape, broadcast_dimensions):
    (x,) = at_front(axis_size, vals, bdims)
    return [P.broadcast_in_dim_p.bind(x, shape=(axis_size,) + tuple(shape),
                                      broadcast_dimensions=(0,) + _shift(broadcast_dimensions))], [0]


batching_rules[P.broadcast_in_dim_p] = _broadcast_in_dim_rule
batching_rules[P.reshape_p] = lambda n, vals, bdims, *, new_sizes: (
    [P.reshape_p.bind(at_front(n, vals, bdims)[0], new_sizes=(n,) + tuple(new_sizes))], [0])
batching_rules[P.transpose_p] = lambda n, vals, bdims, *, permutation: (
    [P.transpose_p.bind(at_front(n, vals, bdims)[0], permutation=(0,) + _shift(permutation))], [0])
batching_rules[P.squeeze_p] = lambda n, vals, bdims, *, dimensions: (
    [P.squeeze_p.bind(at_front(n, vals, bdims)[0], dimensions=_shift(dimensions))], [0])
batching_rules[P.expand_dims_p] = lambda n, vals, bdims, *, dimensions: (
    [P.expand_dims_p.bind(at_front(n, vals, bdims)[0], dimensions=_shift(dimensions))], [0])


def _slice_rule(axis_size, vals, bdims, *, start_indices, limit_indices, strides):
    (x,) = at_front(axis_size, vals, bdims)
    return [P.slice_p.bind(x, start_indices=(0,) + tuple(start_indices),
                           limit_indices=(axis_size,) + tuple(limit_indices),
                           strides=(1,) + tuple(strides))], [0]


batching_rules[P.slice_p] = _slice_rule
batching_rules[P.rev_p] = lambda n, vals, bdims, *, dimensions: (
    [P.rev_p.bind(at_front(n, vals, bdims)[0], dimensions=_shift(dimensions))], [0])


def _pad_rule(axis_size, vals, bdims, *, padding_config):
    if bdims[1] is not None:
        raise NotImplementedError("vmap of pad with a batched padding value")
    x = moveaxis(vals[0], bdims[0], 0, axis_size)
    return [P.pad_p.bind(x, vals[1], padding_config=((0, 0, 0),) + tuple(padding_config))], [0]


batching_rules[P.pad_p] = _pad_rule


def _concatenate_rule(axis_size, vals, bdims, *, dimension):
    xs = at_front(axis_size, vals, bdims)
    return [P.concatenate_p.bind(*xs, dimension=dimension + 1)], [0]


batching_rules[P.concatenate_p] = _concatenate_rule


# gather and the scatters: their rules are in gather_rules.py.


def _dot_general_rule(axis_size, vals, bdims, *, dimension_numbers):
    x, y = vals
    xb, yb = bdims
    (lc, rc), (lb, rb) = dimension_numbers
    if xb is not None and yb is not None:
        x, y = moveaxis(x, xb, 0, axis_size), moveaxis(y, yb, 0, axis_size)
        dims = ((_shift(lc), _shift(rc)), ((0,) + _shift(lb), (0,) + _shift(rb)))
        return [P.dot_general_p.bind(x, y, dimension_numbers=dims)], [0]
    if xb is not None:
        x = moveaxis(x, xb, 0, axis_size)
        dims = ((_shift(lc), tuple(rc)), (_shift(lb), tuple(rb)))
        return [P.dot_general_p.bind(x, y, dimension_numbers=dims)], [len(lb)]
    y = moveaxis(y, yb, 0, axis_size)
    dims = ((tuple(lc), _shift(rc)), (tuple(lb), _shift(rb)))
    n_x_free = get_aval(x).ndim - len(lc) - len(lb)
    return [P.dot_general_p.bind(x, y, dimension_numbers=dims)], [len(lb) + n_x_free]


batching_rules[P.dot_general_p] = _dot_general_rule
