"""data_parallel: the common case of pmap, a training step on shards of the batch with the
loss and gradients averaged over the devices."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import lax
from .. import numpy as xnp
from ..api import vmap
from ..tree_util import tree_flatten, tree_map, tree_structure
from .devices import active_engine, using_engine
from .pmap import pmap
from .resident import Resident

_AXIS = "batch"


def data_parallel(step: Callable, client=None, *, per_example: bool = False) -> Callable:
    """A function (params, batch) -> (mean loss, mean grads) running step on shards of the
    batch, one per device, and averaging the results (lax.pmean) over the devices.

    step(params, batch) -> (loss, grads) is a per-shard value_and_grad step whose loss is a
    mean over the shard's examples, so the average over equal shards is the full batch's.
    With per_example=True, step(params, example) is a per-example value_and_grad (example:
    the batch's leaves without their leading axis): each device vmaps it over its examples
    and takes the mean, so the result is the same batch mean.
    Every leaf of batch is split on its leading axis, which must divide by the number of
    devices. params are plain arrays (sent with each call) or Resident handles from
    numbax.distributed.replicate (kept on the workers: only gradients move). client: run on
    this dask.distributed.Client's workers; None: the active engine (the local one unless
    numbax.distributed.initialize was called).

    >>> import numpy as np, numbax as nb, numbax.numpy as xnp
    >>> loss = lambda w, b: xnp.mean((b["x"] @ w - b["y"]) ** 2)
    >>> step = data_parallel(nb.value_and_grad(loss))
    >>> batch = {"x": np.eye(4), "y": np.ones(4)}
    >>> value, grad = step(np.zeros(4), batch)
    >>> float(value), grad.tolist()
    (1.0, [-0.5, -0.5, -0.5, -0.5])
    """
    engine = None
    if client is not None:
        from .dask_engine import DaskEngine
        engine = DaskEngine(client)
    pmapped: dict[Any, Callable] = {}

    def per_shard(params, batch):
        if per_example:
            values = vmap(step, in_axes=(None, 0))(params, batch)
            return lax.pmean(tree_map(lambda v: xnp.mean(v, axis=0), values), _AXIS)
        return lax.pmean(step(params, batch), _AXIS)

    def run(params, batch):
        # Resident parameters come one row per device (in_axes 0), plain ones are broadcast;
        # one pmap per layout, so each traces and ships its program once.
        params_axes = tree_map(lambda x: 0 if isinstance(x, Resident) else None, params)
        key = (tree_structure(params), tuple(tree_flatten(params_axes)[0]))
        f = pmapped.get(key)
        if f is None:
            f = pmapped[key] = pmap(per_shard, _AXIS, in_axes=(params_axes, 0), out_axes=None)
        n = (engine or active_engine()).device_count()
        return f(params, split_batch(batch, n))

    def call(params, batch):
        if engine is None:
            return run(params, batch)
        with using_engine(engine):
            return run(params, batch)

    call.__name__ = f"data_parallel({getattr(step, '__name__', 'step')})"
    return call


def split_batch(batch: Any, n: int) -> Any:
    """Every leaf of batch reshaped from (B, ...) to (n, B / n, ...); a ValueError when a leaf
    has no leading axis or B does not divide by n.

    >>> split_batch({"x": np.zeros((6, 2))}, 3)["x"].shape
    (3, 2, 2)
    """
    def split(x):
        x = np.asarray(x)
        if x.ndim == 0 or x.shape[0] % n:
            raise ValueError(f"data_parallel splits the batch's leading axis over {n} devices: "
                             f"a leaf of shape {x.shape} does not split into {n} equal shards")
        return x.reshape(n, x.shape[0] // n, *x.shape[1:])

    return tree_map(split, batch)
