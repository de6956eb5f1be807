"""User-facing wrappers: pytrees, argument checking, argnums; transformation logic lives in
interpreters/."""
from __future__ import annotations

from collections.abc import Callable

from .core.ir import ClosedJaxpr
from .core.trace import get_aval
from .interpreters.partial_eval import trace_to_jaxpr
from .tree_util import tree_flatten, tree_unflatten


def flatten_fun(fun: Callable, in_tree):
    """Wrap fun as a flat function of leaves; the output tree is stored in the returned box."""
    out_tree_box: list = []

    def flat_fun(*leaves):
        out = fun(*tree_unflatten(in_tree, leaves))
        out_leaves, out_tree = tree_flatten(out)
        out_tree_box.append(out_tree)
        return out_leaves

    return flat_fun, out_tree_box


def arg_avals(leaves, fname: str) -> list:
    return [get_aval(x, f"{fname}: argument leaf {i}") for i, x in enumerate(leaves)]


def make_jaxpr(fun: Callable) -> Callable[..., ClosedJaxpr]:
    """Trace `fun` into a ClosedJaxpr for arguments of the given shapes and dtypes.

    >>> import numpy as np, numbax as nb, numbax.numpy as xnp
    >>> print(nb.make_jaxpr(lambda x: xnp.sin(x))(np.ones(3)))
    { lambda ; a:f64[3]. let b:f64[3] = sin a in (b,) }
    """
    def make(*args) -> ClosedJaxpr:
        leaves, in_tree = tree_flatten(args)
        flat_fun, out_tree = flatten_fun(fun, in_tree)
        closed = trace_to_jaxpr(flat_fun, arg_avals(leaves, "make_jaxpr"))
        closed.out_tree = out_tree[0]
        return closed

    return make
