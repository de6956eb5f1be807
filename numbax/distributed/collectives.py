"""The collectives computed in NumPy across shards: every shard's operand in, every shard's
result out, with jax.lax's semantics (see core/collective_primitives.py).

The local engine runs a CollectiveStep with these in the driver and the Dask engine in its
reduction tasks, so both give the same bits: reductions always combine shard 0, then 1,
then 2 ... in that order, whatever order the values arrived in.

>>> import numpy as np
>>> from numbax.core.collective_primitives import psum_p
>>> apply(psum_p, [np.array(1.0), np.array(2.0)], {"axes": ("i",)})
[array(3.), array(3.)]
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..core.collective_primitives import all_gather_p, pmax_p, pmin_p, ppermute_p, psum_p, psum_scatter_p
from ..core.primitives import Primitive, lookup


def _fold(op: Callable, values: Sequence) -> np.ndarray:
    # Left to right, so the result does not depend on how many shards a worker held.
    total = np.asarray(values[0])
    for v in values[1:]:
        total = op(total, v)
    return np.asarray(total)


def _everywhere(value: np.ndarray, n: int) -> list:
    return [value] * n


def _psum(values, **_):
    return _everywhere(_fold(np.add, values), len(values))


def _pmax(values, **_):
    return _everywhere(_fold(np.maximum, values), len(values))


def _pmin(values, **_):
    return _everywhere(_fold(np.minimum, values), len(values))


def _all_gather(values, *, all_gather_dimension, tiled, **_):
    join = np.concatenate if tiled else np.stack
    return _everywhere(join([np.asarray(v) for v in values], axis=all_gather_dimension),
                       len(values))


def _psum_scatter(values, *, scatter_dimension, tiled, **_):
    total, n = _fold(np.add, values), len(values)
    if tiled:
        return [np.ascontiguousarray(b) for b in np.split(total, n, axis=scatter_dimension)]
    return [np.asarray(np.take(total, k, axis=scatter_dimension)) for k in range(n)]


def _ppermute(values, *, perm, **_):
    # Members no pair sends to receive zeros, as in JAX.
    out = [np.zeros_like(v) for v in values]
    for src, dst in perm:
        out[dst] = np.asarray(values[src])
    return out


_RULES: dict[Primitive, Callable[..., list]] = {
    psum_p: _psum, pmax_p: _pmax, pmin_p: _pmin, all_gather_p: _all_gather,
    psum_scatter_p: _psum_scatter, ppermute_p: _ppermute,
}


def apply(primitive: Primitive, values: Sequence, params: dict) -> list:
    """Every shard's result of `primitive` (with its equation's `params`) from every shard's
    operand `values`, shard 0 first."""
    return lookup(_RULES, primitive, "cross-shard evaluation (numbax.distributed)")(
        list(values), **params)
