"""numbax.ad_checkpoint: jax.ad_checkpoint's names (checkpoint, checkpoint_name,
checkpoint_policies, remat, print_saved_residuals) plus saved_residuals.

>>> import numbax as nb, numbax.numpy as xnp
>>> from numbax.ad_checkpoint import checkpoint_name
>>> def layer(x):
...     h = checkpoint_name(xnp.sin(x), "h")
...     return xnp.sum(xnp.cos(h))
>>> policy = nb.checkpoint_policies.save_only_these_names("h")
>>> g = nb.grad(nb.checkpoint(layer, policy=policy))(0.5)
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

from . import numpy as xnp
from .api import checkpoint, remat
from .core.checkpoint_name import name_p
from .core.ir import Literal
from .interpreters import ad
from .interpreters.remat import checkpoint_policies
from .tree_util import tree_flatten, tree_map, tree_unflatten

__all__ = ["checkpoint", "checkpoint_name", "checkpoint_policies", "print_saved_residuals",
           "remat", "saved_residuals"]


def checkpoint_name(x: Any, name: Hashable) -> Any:
    """Name every array of the pytree x, so that checkpoint policies can save it by name.

    The identity in value and derivative; under jit it costs nothing.

    >>> import numbax as nb
    >>> from numbax.ad_checkpoint import checkpoint_name
    >>> float(nb.grad(lambda x: checkpoint_name(x * x, "sq"))(3.0))
    6.0
    """
    if not isinstance(name, Hashable):
        raise TypeError(f"checkpoint_name needs a hashable name (a string), got "
                        f"{type(name).__name__}")
    return tree_map(lambda leaf: name_p.bind(xnp.asarray(leaf), name=name), x)


def saved_residuals(f: Callable, *args) -> list[tuple[Any, str]]:
    """The values reverse mode of f at args keeps for the backward pass, as (aval, origin)
    pairs: origin is "from the argument at flat index i" or "an intermediate or a constant".
    0-d residuals are written into the linear program as literals, so they are not listed.

    >>> import numpy as np, numbax as nb, numbax.numpy as xnp
    >>> res = saved_residuals(nb.checkpoint(lambda x: xnp.sin(xnp.sin(x))), np.ones(3))
    >>> [origin for _, origin in res]
    ['from the argument at flat index 0']
    """
    leaves, tree = tree_flatten(args)
    leaves = [np.asarray(leaf) for leaf in leaves]

    def flat_f(*flat):
        return tree_flatten(f(*tree_unflatten(tree, list(flat))))[0]

    _, jaxpr, consts = ad.linearize_flat(flat_f, leaves)
    out = []
    for var, c in zip(jaxpr.constvars, consts):
        if isinstance(var, Literal):
            continue
        index = next((i for i, leaf in enumerate(leaves) if c is leaf), None)
        origin = (f"from the argument at flat index {index}" if index is not None
                  else "an intermediate or a constant")
        out.append((var.aval, origin))
    return out


def print_saved_residuals(f: Callable, *args) -> None:
    """Print what saved_residuals(f, *args) returns, one residual a line.

    >>> import numpy as np, numbax as nb, numbax.numpy as xnp
    >>> print_saved_residuals(nb.checkpoint(lambda x: xnp.sin(xnp.sin(x))), np.ones(3))
    f64[3] from the argument at flat index 0
    """
    for aval, origin in saved_residuals(f, *args):
        print(aval.str_short(), origin)
