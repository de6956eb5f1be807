"""lax's cumulative reductions (cumprod, cummax, cummin, cumlogsumexp), associative_scan
and map.
"""
from __future__ import annotations

from collections.abc import Callable

from ..core import primitives as P
from ..core import slicing_primitives as S
from ..core.prefix_scan import prefix_scan
from ..core.trace import get_aval
from .slicing_ops import as_operand, canonical_axis

__all__ = [
    "cumprod", "cummax", "cummin", "cumlogsumexp", "associative_scan", "map",
]


def _cumulative(prim, doc: str):
    def fn(operand, axis: int = 0, reverse: bool = False):
        operand = as_operand(operand, f"{prim.name} operand")
        axis = canonical_axis(axis, get_aval(operand).ndim, prim.name)
        return prim.bind(operand, axis=axis, reverse=bool(reverse))

    fn.__name__ = fn.__qualname__ = prim.name
    fn.__doc__ = doc
    return fn


cumprod = _cumulative(S.cumprod_p, """Inclusive cumulative product along axis (from the end
    when reverse), as jax.lax.cumprod. Its derivative is exact where operand has zeros.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.cumprod(np.array([1.0, 2.0, 3.0])).tolist()
    [1.0, 2.0, 6.0]
    """)
cummax = _cumulative(S.cummax_p, """Inclusive running maximum along axis (from the end when
    reverse), as jax.lax.cummax. The derivative follows the first position of the maximum.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.cummax(np.array([1, 3, 2])).tolist()
    [1, 3, 3]
    """)
cummin = _cumulative(S.cummin_p, """Inclusive running minimum along axis (from the end when
    reverse), as jax.lax.cummin. The derivative follows the first position of the minimum.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.cummin(np.array([3, 1, 2])).tolist()
    [3, 1, 1]
    """)
cumlogsumexp = _cumulative(S.cumlogsumexp_p, """Inclusive cumulative log-sum-exp along axis
    (from the end when reverse), as jax.lax.cumlogsumexp; it does not overflow.

    >>> import numpy as np, numbax.lax as lax
    >>> np.round(lax.cumlogsumexp(np.array([0.0, 0.0])), 4).tolist()
    [0.0, 0.6931]
    """)


def associative_scan(fn: Callable, elems, reverse: bool = False, axis: int = 0):
    """The inclusive scan of the pytree elems along axis with an associative fn(a, b) (on
    pytrees of arrays like elems, sliced along axis), as jax.lax.associative_scan: a
    parallel prefix of O(log n) rounds of whole-array calls of fn, which works under jit,
    grad and vmap.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.associative_scan(lambda a, b: a + b, np.arange(5)).tolist()
    [0, 1, 3, 6, 10]
    """
    from ..tree_util import tree_flatten, tree_unflatten
    leaves, tree = tree_flatten(elems)
    if not leaves:
        raise ValueError("associative_scan: elems has no arrays")
    leaves = [as_operand(x, "associative_scan elems") for x in leaves]
    ndim = get_aval(leaves[0]).ndim
    if ndim == 0:
        raise ValueError("associative_scan: elems must have an axis to scan over, got a scalar")
    axis = canonical_axis(axis, ndim, "associative_scan")
    lengths = {get_aval(x).shape[axis] if get_aval(x).ndim > axis else None for x in leaves}
    if len(lengths) != 1 or None in lengths:
        raise ValueError("associative_scan: every leaf of elems needs the same size along "
                         f"axis {axis}, got shapes {[get_aval(x).shape for x in leaves]}")

    def combine(a_flat, b_flat):
        out, out_tree = tree_flatten(fn(tree_unflatten(tree, a_flat), tree_unflatten(tree, b_flat)))
        if out_tree != tree:
            raise TypeError(f"associative_scan: fn must return the structure of elems {tree}, "
                            f"got {out_tree}")
        return [as_operand(x, "associative_scan fn output") for x in out]

    if reverse:
        leaves = [P.rev_p.bind(x, dimensions=(axis,)) for x in leaves]
    out = prefix_scan(combine, leaves, axis)
    if reverse:
        out = [P.rev_p.bind(x, dimensions=(axis,)) for x in out]
    return tree_unflatten(tree, out)


def map(f: Callable, xs, *, batch_size: int | None = None):  # noqa: A001
    """[f(x) for x in xs] over the leading axis of the pytree xs, stacked, as jax.lax.map: a
    scan; with batch_size, each step applies f vectorised (vmap) to batch_size slices.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.map(lambda x: x * 2, np.arange(3)).tolist()
    [0, 2, 4]
    """
    from ..tree_util import tree_flatten, tree_map, tree_unflatten
    from . import scan
    if batch_size is None:
        return scan(lambda _, x: ((), f(x)), (), xs)[1]
    leaves, tree = tree_flatten(xs)
    leaves = [as_operand(x, "map xs") for x in leaves]
    n = get_aval(leaves[0]).shape[0] if leaves and get_aval(leaves[0]).ndim else 0
    batch_size = int(batch_size)
    if batch_size < 1:
        raise ValueError(f"map: batch_size must be a positive int, got {batch_size}")
    steps, rest = divmod(n, batch_size)

    def vectorised(*chunk):
        from ..interpreters.batching import vmap_flat
        outs = []

        def flat(*xs_):
            out, out_tree = tree_flatten(f(tree_unflatten(tree, list(xs_))))
            outs.append(out_tree)
            return out
        ys = vmap_flat(flat, get_aval(chunk[0]).shape[0], list(chunk), [0] * len(chunk))
        return tree_unflatten(outs[0], ys)

    def head(x):
        body = P.slice_p.bind(x, start_indices=(0,) * get_aval(x).ndim,
                              limit_indices=(steps * batch_size,) + get_aval(x).shape[1:],
                              strides=(1,) * get_aval(x).ndim)
        return P.reshape_p.bind(body, new_sizes=(steps, batch_size) + get_aval(x).shape[1:])

    blocks = tree_unflatten(tree, [head(x) for x in leaves])
    ys = scan(lambda _, b: ((), vectorised(*tree_flatten(b)[0])), (), blocks)[1]
    ys = tree_map(lambda y: P.reshape_p.bind(
        y, new_sizes=(steps * batch_size,) + get_aval(y).shape[2:]), ys)
    if not rest:
        return ys
    tail = [P.slice_p.bind(x, start_indices=(steps * batch_size,) + (0,) * (get_aval(x).ndim - 1),
                           limit_indices=get_aval(x).shape, strides=(1,) * get_aval(x).ndim)
            for x in leaves]
    return tree_map(lambda a, b: P.concatenate_p.bind(a, b, dimension=0), ys, vectorised(*tail))
