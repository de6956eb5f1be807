"""The smaller jax.lax names written over existing primitives: clamp, select_n,
broadcasted_iota, reduce on known monoids (and reduce_and/or/xor), square, reciprocal, clz,
broadcast, broadcast_to_rank, broadcast_shapes, collapse, full_like, tile, split, stack,
unstack, index_take, dot, batch_matmul, scatter_sub and optimization_barrier.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from ..core import avals
from ..core import primitives as P
from ..core.trace import get_aval
from .slicing_ops import as_operand, canonical_axis

__all__ = [
    "clamp", "select_n", "broadcasted_iota", "square", "reciprocal", "clz", "reduce",
    "reduce_and", "reduce_or", "reduce_xor", "broadcast", "broadcast_to_rank",
    "broadcast_shapes", "collapse", "full_like", "tile", "split", "stack", "unstack",
    "index_take", "dot", "batch_matmul", "scatter_sub", "optimization_barrier",
]


def _like(value, x):
    """A Python scalar as a 0-d array of x's dtype (weak typing); arrays are kept."""
    if isinstance(value, bool | int | float | complex) and not isinstance(value, np.generic):
        return np.asarray(value, get_aval(x).dtype)
    return as_operand(value, "operand")


def clamp(min, x, max):  # noqa: A002
    """x clipped into [min, max] elementwise (min and max scalars or x's shape), as
    jax.lax.clamp; note the argument order. The derivative is x's strictly inside, min's
    where min > x (and min < max), max's where max < x, 0 at the bounds.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.clamp(0.0, np.array([-1.0, 0.5, 2.0]), 1.0).tolist()
    [0.0, 0.5, 1.0]
    """
    x = as_operand(x, "clamp operand")
    lo, hi = _like(min, x), _like(max, x)
    for name, b in (("min", lo), ("max", hi)):
        ba, xa = get_aval(b), get_aval(x)
        if ba.dtype != xa.dtype or ba.shape not in ((), xa.shape):
            raise TypeError(f"clamp: {name} must be a scalar or have the operand's shape, of its "
                            f"dtype; got {name} {ba.str_short()} and operand {xa.str_short()}")
    both = P.and_p.bind
    inside = both(P.gt_p.bind(x, lo), P.lt_p.bind(x, hi))
    lo_wins = both(P.gt_p.bind(lo, x), P.lt_p.bind(lo, hi))
    hi_wins = P.lt_p.bind(hi, x)
    value = P.stop_gradient_p.bind(P.min_p.bind(P.max_p.bind(x, lo), hi))
    shape = get_aval(x).shape
    return P.select_p.bind(inside, x, _full(P.select_p.bind(lo_wins, lo, P.select_p.bind(
        hi_wins, hi, value)), shape))


def _full(v, shape):
    if get_aval(v).shape == shape:
        return v
    return P.broadcast_in_dim_p.bind(v, shape=shape, broadcast_dimensions=())


def select_n(which, *cases):
    """cases[which] elementwise, as jax.lax.select_n: which is bool (two cases: False picks
    cases[0]) or integer, a scalar or of the cases' shape.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.select_n(np.array([0, 2, 1]), np.zeros(3), np.ones(3), np.full(3, 2.0)).tolist()
    [0.0, 2.0, 1.0]
    """
    if not cases:
        raise ValueError("select_n needs at least one case")
    which = as_operand(which, "select_n which")
    cases = [as_operand(c, "select_n case") for c in cases]
    wa, first = get_aval(which), get_aval(cases[0])
    if any(get_aval(c) != first for c in cases):
        raise TypeError("select_n: cases must have one shape and dtype, got "
                        f"{', '.join(get_aval(c).str_short() for c in cases)}")
    if wa.dtype.kind not in "biu" or wa.shape not in ((), first.shape):
        raise TypeError(f"select_n: which must be a bool or integer scalar or array of the "
                        f"cases' shape {first.shape}, got {wa.str_short()}")
    if wa.dtype.kind == "b":
        if len(cases) > 2:
            raise TypeError(f"select_n: a bool which selects between at most two cases, got "
                            f"{len(cases)}")
        return cases[0] if len(cases) == 1 else _full(P.select_p.bind(which, cases[1], cases[0]),
                                                      first.shape)
    out = cases[0]
    for i, c in enumerate(cases[1:], 1):
        out = P.select_p.bind(P.eq_p.bind(which, np.asarray(i, wa.dtype)), c, out)
    return _full(out, first.shape)


def broadcasted_iota(dtype, shape: Sequence[int], dimension: int):
    """0, 1, 2... along dimension, broadcast to shape, as jax.lax.broadcasted_iota.

    >>> import numbax.lax as lax
    >>> lax.broadcasted_iota("int32", (2, 3), 1).tolist()
    [[0, 1, 2], [0, 1, 2]]
    """
    return P.iota_p.bind(dtype=np.dtype(dtype), shape=tuple(int(d) for d in shape),
                         dimension=int(dimension))


def square(x):
    """x * x, as jax.lax.square."""
    return P.integer_pow_p.bind(as_operand(x, "square operand"), y=2)


def reciprocal(x):
    """1 / x, as jax.lax.reciprocal.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.reciprocal(np.array([2.0, 4.0])).tolist()
    [0.5, 0.25]
    """
    x = as_operand(x, "reciprocal operand")
    return P.div_p.bind(np.ones((), get_aval(x).dtype), x)


def clz(x):
    """The number of leading zero bits of each integer, as jax.lax.clz.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.clz(np.array([1, 255, 0], np.uint8)).tolist()
    [7, 0, 8]
    """
    x = as_operand(x, "clz operand")
    dt = get_aval(x).dtype
    if dt.kind not in "iu":
        raise TypeError(f"clz needs an integer operand, got {get_aval(x).str_short()}")
    bits = dt.itemsize * 8
    shift = 1
    while shift < bits:  # smear the highest set bit into every lower one
        x = P.or_p.bind(x, P.shift_right_logical_p.bind(x, np.asarray(shift, dt)))
        shift *= 2
    return P.sub_p.bind(np.asarray(bits, dt), P.population_count_p.bind(x))


# ---------------------------------------------------------------------------------------------
# reduce


def _pairwise_reduce(op, x, axes: tuple, identity):
    """x reduced over axes by op as a tree of whole-array ops (for ops with no reduction
    primitive: bitwise and/or/xor)."""
    aval = get_aval(x)
    kept = tuple(d for d in range(aval.ndim) if d not in axes)
    if axes:
        x = P.transpose_p.bind(x, permutation=kept + tuple(axes))
    batch = tuple(aval.shape[d] for d in kept)
    n = math.prod(aval.shape[d] for d in axes)
    x = P.reshape_p.bind(x, new_sizes=batch + (n,))
    if n == 0:
        return P.full_p.bind(shape=batch, fill_value=identity, dtype=aval.dtype)
    while n > 1:
        half = n // 2
        lo = _slice_last(x, 0, half)
        hi = _slice_last(x, half, 2 * half)
        y = op(lo, hi)
        x = P.concatenate_p.bind(y, _slice_last(x, 2 * half, n), dimension=len(batch)) if n % 2 \
            else y
        n = n - half
    return P.reshape_p.bind(x, new_sizes=batch)


def _slice_last(x, start: int, stop: int):
    shape = get_aval(x).shape
    return P.slice_p.bind(x, start_indices=(0,) * (len(shape) - 1) + (start,),
                          limit_indices=shape[:-1] + (stop,), strides=(1,) * len(shape))


def _identity(name: str, dtype: np.dtype):
    if name == "and":
        return True if dtype.kind == "b" else -1 if dtype.kind == "i" else np.iinfo(dtype).max
    return False if dtype.kind == "b" else 0


def _bitwise_reduction(prim, name: str):
    def reduce_fn(operand, axes: Sequence[int]):
        operand = as_operand(operand, f"reduce_{name} operand")
        aval = get_aval(operand)
        if aval.dtype.kind not in "biu":
            raise TypeError(f"reduce_{name} needs a bool or integer operand, got "
                            f"{aval.str_short()}")
        axes = tuple(sorted(canonical_axis(a, aval.ndim, f"reduce_{name}") for a in axes))
        return _pairwise_reduce(prim.bind, operand, axes, _identity(name, aval.dtype))

    reduce_fn.__name__ = reduce_fn.__qualname__ = f"reduce_{name}"
    reduce_fn.__doc__ = (f"Bitwise (logical, for bool) {name} over axes, as "
                         f"jax.lax.reduce_{name}.")
    return reduce_fn


reduce_and = _bitwise_reduction(P.and_p, "and")
reduce_or = _bitwise_reduction(P.or_p, "or")
reduce_xor = _bitwise_reduction(P.xor_p, "xor")

# A monoid's binary primitive -> how to reduce an operand over axes with it.
_MONOIDS: dict = {
    P.add_p: lambda x, axes: P.reduce_sum_p.bind(x, axes=axes),
    P.mul_p: lambda x, axes: P.reduce_prod_p.bind(x, axes=axes),
    P.max_p: lambda x, axes: P.reduce_max_p.bind(x, axes=axes),
    P.min_p: lambda x, axes: P.reduce_min_p.bind(x, axes=axes),
    P.and_p: reduce_and,
    P.or_p: reduce_or,
    P.xor_p: reduce_xor,
}


def _monoid_of(computation: Callable, dtype: np.dtype):
    """The binary primitive computation is, found by tracing it on two scalars, or None."""
    from ..interpreters.partial_eval import trace_to_subjaxpr
    scalar = avals.ShapedArray((), dtype)
    try:
        jaxpr, _ = trace_to_subjaxpr(lambda a, b: [computation(a, b)], [scalar, scalar])
    except Exception:  # noqa: BLE001 - any failure means "not a known monoid"
        return None
    if len(jaxpr.eqns) != 1 or len(jaxpr.outvars) != 1:
        return None
    (eqn,) = jaxpr.eqns
    if (eqn.primitive in _MONOIDS and set(map(id, eqn.inputs)) == set(map(id, jaxpr.invars))
            and len(eqn.inputs) == 2 and eqn.outputs[0] is jaxpr.outvars[0]):
        return eqn.primitive
    return None


def reduce(operands, init_values, computation: Callable, dimensions: Sequence[int]):
    """operands reduced over dimensions with computation, starting from init_values, as
    jax.lax.reduce, for computation a known monoid: add, mul, max, min, bitwise and, or, xor
    (the lax functions, or any function that traces to one of them on two scalars). operands
    and init_values are an array and a scalar, or equal-length sequences of them.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.reduce(np.arange(6.0).reshape(2, 3), 0.0, lax.add, (1,)).tolist()
    [3.0, 12.0]
    """
    several = isinstance(operands, list | tuple)
    xs = list(operands) if several else [operands]
    inits = list(init_values) if isinstance(init_values, list | tuple) else [init_values]
    if len(xs) != len(inits):
        raise TypeError(f"reduce: {len(xs)} operands but {len(inits)} init_values")
    if len(xs) != 1:
        raise NotImplementedError("reduce: several operands with one joint computation are not "
                                  "supported; reduce each operand separately")
    x = as_operand(xs[0], "reduce operand")
    aval = get_aval(x)
    init = _like(inits[0], x)
    if get_aval(init) != avals.ShapedArray((), aval.dtype):
        raise TypeError(f"reduce: init_value must be a scalar of the operand's dtype "
                        f"{aval.dtype}, got {get_aval(init).str_short()}")
    prim = _monoid_of(computation, aval.dtype)
    if prim is None:
        raise NotImplementedError(
            f"reduce: computation {getattr(computation, '__name__', computation)!r} is not a "
            "known monoid; supported: lax.add, lax.mul, lax.max, lax.min, lax.bitwise_and, "
            "lax.bitwise_or, lax.bitwise_xor (or functions computing exactly one of them)")
    axes = tuple(sorted(canonical_axis(d, aval.ndim, "reduce") for d in dimensions))
    out = prim.bind(_MONOIDS[prim](x, axes), init)
    return [out] if several else out


# ---------------------------------------------------------------------------------------------
# Shapes


def broadcast(operand, sizes: Sequence[int]):
    """operand with leading axes of the given sizes added, as jax.lax.broadcast.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.broadcast(np.arange(2), (3,)).shape
    (3, 2)
    """
    operand = as_operand(operand, "broadcast operand")
    shape = tuple(int(s) for s in sizes) + get_aval(operand).shape
    k = len(sizes)
    return P.broadcast_in_dim_p.bind(operand, shape=shape, broadcast_dimensions=tuple(
        range(k, len(shape))))


def broadcast_to_rank(x, rank: int):
    """x with leading axes of size 1 added up to rank, as jax.lax.broadcast_to_rank."""
    x = as_operand(x, "broadcast_to_rank operand")
    ndim = get_aval(x).ndim
    return x if ndim >= rank else broadcast(x, (1,) * (rank - ndim))


def broadcast_shapes(*shapes):
    """The NumPy broadcast of shapes, as jax.lax.broadcast_shapes.

    >>> import numbax.lax as lax
    >>> lax.broadcast_shapes((2, 1), (3,))
    (2, 3)
    """
    return avals.broadcast_shapes("broadcast_shapes", *(tuple(s) for s in shapes))


def collapse(operand, start_dimension: int, stop_dimension: int | None = None):
    """operand with axes start_dimension..stop_dimension-1 merged into one, as jax.lax.collapse.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.collapse(np.zeros((2, 3, 4)), 1).shape
    (2, 12)
    """
    operand = as_operand(operand, "collapse operand")
    shape = get_aval(operand).shape
    stop = len(shape) if stop_dimension is None else stop_dimension
    lo, hi = slice(start_dimension, stop).indices(len(shape))[:2]
    new = shape[:lo] + (math.prod(shape[lo:hi]),) + shape[hi:]
    return P.reshape_p.bind(operand, new_sizes=new)


def full_like(x, fill_value, dtype=None, shape=None):
    """An array of x's shape and dtype (or those given) filled with fill_value, as
    jax.lax.full_like."""
    aval = get_aval(as_operand(x, "full_like operand"))
    dtype = aval.dtype if dtype is None else np.dtype(dtype)
    shape = aval.shape if shape is None else tuple(int(d) for d in shape)
    return P.full_p.bind(shape=shape, fill_value=fill_value, dtype=dtype)


def tile(operand, reps: Sequence[int]):
    """operand repeated reps[i] times along each axis (reps as long as its rank), as
    jax.lax.tile.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.tile(np.array([1, 2]), (2,)).tolist()
    [1, 2, 1, 2]
    """
    operand = as_operand(operand, "tile operand")
    shape = get_aval(operand).shape
    reps = tuple(int(r) for r in reps)
    if len(reps) != len(shape) or any(r < 0 for r in reps):
        raise ValueError(f"tile: reps must be one non-negative int per axis of the operand "
                         f"{shape}, got {reps}")
    spread = tuple(x for pair in zip(reps, shape) for x in pair)
    out = P.broadcast_in_dim_p.bind(operand, shape=spread, broadcast_dimensions=tuple(
        range(1, 2 * len(shape), 2)))
    return P.reshape_p.bind(out, new_sizes=tuple(r * d for r, d in zip(reps, shape)))


def split(operand, sizes: Sequence[int], axis: int = 0) -> list:
    """operand cut along axis into consecutive pieces of the given sizes, as jax.lax.split.

    >>> import numpy as np, numbax.lax as lax
    >>> [p.tolist() for p in lax.split(np.arange(5), (2, 3))]
    [[0, 1], [2, 3, 4]]
    """
    from .slicing_ops import slice_in_dim
    operand = as_operand(operand, "split operand")
    shape = get_aval(operand).shape
    axis = canonical_axis(axis, len(shape), "split")
    sizes = [int(s) for s in sizes]
    if sum(sizes) != shape[axis] or any(s < 0 for s in sizes):
        raise ValueError(f"split: sizes {sizes} must be non-negative and sum to the size "
                         f"{shape[axis]} of axis {axis}")
    starts = np.cumsum([0] + sizes).tolist()
    return [slice_in_dim(operand, a, b, 1, axis) for a, b in zip(starts[:-1], starts[1:])]


def stack(operands: Sequence, axis: int = 0):
    """The arrays (of one shape and dtype) stacked along a new axis.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.stack([np.zeros(2), np.ones(2)]).tolist()
    [[0.0, 0.0], [1.0, 1.0]]
    """
    xs = [as_operand(x, "stack operand") for x in operands]
    if not xs:
        raise ValueError("stack needs at least one array")
    axis = canonical_axis(axis, get_aval(xs[0]).ndim + 1, "stack")
    return P.concatenate_p.bind(*[P.expand_dims_p.bind(x, dimensions=(axis,)) for x in xs],
                                dimension=axis)


def unstack(x, axis: int = 0) -> list:
    """The slices of x along axis, as a list.

    >>> import numpy as np, numbax.lax as lax
    >>> [a.tolist() for a in lax.unstack(np.arange(4).reshape(2, 2))]
    [[0, 1], [2, 3]]
    """
    from .slicing_ops import index_in_dim
    x = as_operand(x, "unstack operand")
    shape = get_aval(x).shape
    axis = canonical_axis(axis, len(shape), "unstack")
    return [index_in_dim(x, i, axis, keepdims=False) for i in range(shape[axis])]


def index_take(src, idxs: Sequence, axes: Sequence[int]):
    """src at the integer index arrays idxs (one per axis in axes, of one shape S): the result
    has shape S followed by src's other axes, as jax.lax.index_take (indices are clamped).

    >>> import numpy as np, numbax.lax as lax
    >>> lax.index_take(np.arange(6).reshape(2, 3), (np.array([1, 0]),), (1,)).tolist()
    [[1, 4], [0, 3]]
    """
    src = as_operand(src, "index_take src")
    ndim = get_aval(src).ndim
    axes = [canonical_axis(a, ndim, "index_take") for a in axes]
    if len(axes) != len(idxs) or len(set(axes)) != len(axes):
        raise ValueError(f"index_take: needs one index array per distinct axis, got "
                         f"{len(idxs)} index arrays for axes {tuple(axes)}")
    perm = tuple(axes) + tuple(d for d in range(ndim) if d not in axes)
    moved = P.transpose_p.bind(src, permutation=perm) if perm != tuple(range(ndim)) else src
    idxs = [as_operand(i, "index_take index") for i in idxs]
    return P.gather_p.bind(moved, *idxs, axis=0, mode="clip", fill_value=None)


# ---------------------------------------------------------------------------------------------
# Products and the rest


def dot(lhs, rhs, precision=None, preferred_element_type=None):
    """Vector-vector, matrix-vector or matrix-matrix product, as jax.lax.dot (operands of
    rank 1 or 2 and one dtype; precision is accepted and ignored).

    >>> import numpy as np, numbax.lax as lax
    >>> lax.dot(np.eye(2), np.array([1.0, 2.0])).tolist()
    [1.0, 2.0]
    """
    lhs, rhs = as_operand(lhs, "dot lhs"), as_operand(rhs, "dot rhs")
    ln, rn = get_aval(lhs).ndim, get_aval(rhs).ndim
    if ln not in (1, 2) or rn not in (1, 2):
        raise TypeError(f"dot needs operands of rank 1 or 2, got {get_aval(lhs).str_short()} "
                        f"and {get_aval(rhs).str_short()}; use dot_general")
    out = P.dot_general_p.bind(lhs, rhs, dimension_numbers=(((ln - 1,), (0,)), ((), ())))
    if preferred_element_type is not None:
        out = P.convert_element_type_p.bind(out, new_dtype=np.dtype(preferred_element_type))
    return out


def batch_matmul(lhs, rhs, precision=None):
    """Matrix products batched over all leading axes (operands of one rank >= 2), as
    jax.lax.batch_matmul.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.batch_matmul(np.ones((3, 2, 4)), np.ones((3, 4, 5))).shape
    (3, 2, 5)
    """
    lhs, rhs = as_operand(lhs, "batch_matmul lhs"), as_operand(rhs, "batch_matmul rhs")
    n = get_aval(lhs).ndim
    if n < 2 or get_aval(rhs).ndim != n:
        raise TypeError(f"batch_matmul needs operands of one rank >= 2, got "
                        f"{get_aval(lhs).str_short()} and {get_aval(rhs).str_short()}")
    batch = tuple(range(n - 2))
    return P.dot_general_p.bind(lhs, rhs, dimension_numbers=(((n - 1,), (n - 2,)),
                                                             (batch, batch)))


def scatter_sub(x, indices, updates, axis: int, mode: str = "clip"):
    """x with updates subtracted at integer indices (as numbax.lax.scatter_add)."""
    from . import scatter_add
    return scatter_add(x, indices, P.neg_p.bind(as_operand(updates, "scatter_sub updates")), axis,
                       mode)


def optimization_barrier(operand):
    """The identity on a pytree of arrays (a scheduling hint in XLA, nothing to do here)."""
    return operand
