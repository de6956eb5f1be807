"""Arrays kept on the Dask workers between calls, so a training loop's parameters are sent
once and only gradients move.

`replicate(tree)` puts every leaf on every worker (as jax.device_put_replicated: pmap sees a
leading axis of one copy per device); `shard(tree)` puts row k of every leaf's leading axis
(one row per device, as pmap splits it) on device k's worker. Both return the tree with
Resident handles for leaves, which pmap takes in place of arrays (in_axes 0; each shard's
task reads its row where it lives) and data_parallel takes as parameters; `fetch` brings a
handle back as a NumPy array. They need a cluster (numbax.distributed.initialize): on the
local engine every array already lives in the one process.

    >>> params = replicate({"w": np.ones(3)})        # doctest: +SKIP
    >>> params["w"].shape                             # doctest: +SKIP
    (2, 3)
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.avals import ShapedArray
from ..tree_util import tree_leaves, tree_map


def check_client(client):
    """client if it is a dask.distributed.Client, else a TypeError saying what came."""
    from distributed import Client
    if not isinstance(client, Client):
        raise TypeError(f"expected a dask.distributed.Client, got {type(client).__name__}")
    return client


class Resident:
    """An array pmap sees with a leading device axis, whose row k lives on device k's worker
    as a Dask Future. Made by replicate, shard, or pmap(..., resident=True).

    shape and dtype are the whole array's (leading axis: one row per device); `fetch()`
    gathers it into a NumPy array; the workers drop it when the last handle is garbage.
    """

    def __init__(self, futures: Sequence, row: ShapedArray, client):
        self.futures = tuple(futures)
        self.row = row
        self.client = client

    shape = property(lambda self: (len(self.futures), *self.row.shape))
    dtype = property(lambda self: self.row.dtype)
    ndim = property(lambda self: len(self.shape))

    @property
    def aval(self) -> ShapedArray:
        return ShapedArray(self.shape, self.dtype)

    def fetch(self) -> np.ndarray:
        """The whole array, gathered from the workers."""
        rows = self.client.gather(list(self.futures))
        return np.stack([np.asarray(r) for r in rows])

    def __repr__(self) -> str:
        return f"Resident({self.aval.str_short()}, on {len(set(self.futures))} Dask futures)"


def _dask_engine(what: str):
    """The active engine, which must be a Dask engine."""
    from .dask_engine import DaskEngine  # not at the top: dask_engine imports this module
    from .devices import active_engine
    engine = active_engine()
    if not isinstance(engine, DaskEngine):
        raise RuntimeError(f"{what} keeps arrays on a Dask cluster's workers: call "
                           "numbax.distributed.initialize(client) first")
    return engine


def replicate(tree: Any) -> Any:
    """Every leaf on every device: a Resident with a leading axis of one copy per device
    (jax.device_put_replicated's layout, for pmap's in_axes 0).

    Each leaf is sent once, to every worker; later calls that take the handle send nothing.

        >>> w = replicate(np.arange(2.0))                 # doctest: +SKIP
        >>> w.shape, w.fetch()[1]                         # doctest: +SKIP
        ((2, 2), array([0., 1.]))
    """
    engine = _dask_engine("replicate")
    n = engine.device_count()

    def put(x) -> Resident:
        x = np.asarray(x)
        future = engine.client.scatter(x, broadcast=True, hash=False)
        return Resident([future] * n, ShapedArray(x.shape, x.dtype), engine.client)

    return tree_map(put, tree)


def shard(tree: Any) -> Any:
    """Row k of every leaf's leading axis on device k, as a Resident. The leading axis must
    have one row per device (as pmap splits it).

        >>> x = shard(np.zeros((2, 4)))                   # doctest: +SKIP
        >>> x.shape                                        # doctest: +SKIP
        (2, 4)
    """
    engine = _dask_engine("shard")
    n = engine.device_count()
    leaves = tree_map(np.asarray, tree)
    for x in tree_leaves(leaves):
        if x.ndim == 0 or x.shape[0] != n:
            raise ValueError(f"shard expects leaves with a leading axis of one row per device "
                             f"({n}), got shape {x.shape}")
    workers = engine.workers()

    def put(x: np.ndarray) -> Resident:
        # One scatter per row: each row goes to its own device's worker only.
        futures = [engine.client.scatter(x[k], workers=[workers[k]], hash=False)
                   for k in range(n)]
        return Resident(futures, ShapedArray(x.shape[1:], x.dtype), engine.client)

    return tree_map(put, leaves)


def fetch(tree: Any) -> Any:
    """The tree with every Resident replaced by its NumPy array (other leaves unchanged).

    >>> fetch({"a": 1.0})
    {'a': 1.0}
    """
    return tree_map(lambda x: x.fetch() if isinstance(x, Resident) else x, tree)

