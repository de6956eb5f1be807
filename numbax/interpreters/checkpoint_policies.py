"""The policies of jax.checkpoint_policies, plus numbax's save_within_budget.

A policy is called as policy(primitive, *in_avals, **params) for each equation of a
checkpointed body whose output the backward pass needs, and says whether that output is
saved (True) or recomputed (False). Values named with checkpoint_name are the outputs of
the `name` primitive, whose params hold the name.

Offloading (moving a saved value to host memory) has no meaning on the NumPy and Numba
backends, where every value already lives in host memory: the offload policies save what
JAX would offload.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from types import SimpleNamespace

from ..core import primitives as P
from ..core.checkpoint_name import name_p
from .remat_budget import SaveWithinBudget

Policy = Callable[..., bool]
# conv_general_dilated is matched by name: dots_saveable saves it when lax defines it.
_DOTS = frozenset({"dot_general", "conv_general_dilated"})


def everything_saveable(prim, *avals, **params) -> bool:
    """Save every intermediate: no recomputation (as without checkpoint)."""
    return True


def nothing_saveable(prim, *avals, **params) -> bool:
    """Save only the checkpoint's inputs and recompute everything else (the default)."""
    return False


def dots_saveable(prim, *avals, **params) -> bool:
    """Save the results of matrix products (dot_general) and convolutions."""
    return prim.name in _DOTS


def dots_with_no_batch_dims_saveable(prim, *avals, **params) -> bool:
    """Save dot_general results whose dimension numbers have no batch dimensions."""
    if prim is not P.dot_general_p:
        return False
    _, (lhs_batch, rhs_batch) = params["dimension_numbers"]
    return not lhs_batch and not rhs_batch


def _name_set(fn: str, names) -> frozenset:
    for n in names:
        if not isinstance(n, Hashable):
            raise TypeError(f"{fn} takes names (strings), got {type(n).__name__}")
    return frozenset(names)


def save_anything_except_these_names(*names_not_to_save: str) -> Policy:
    """Save every value except those named (with checkpoint_name) one of these names.

    >>> import numbax as nb
    >>> policy = nb.checkpoint_policies.save_anything_except_these_names("hidden")
    """
    names = _name_set("save_anything_except_these_names", names_not_to_save)

    def policy(prim, *avals, **params) -> bool:
        return params["name"] not in names if prim is name_p else True

    return policy


def save_any_names_but_these(*names_not_to_save: str) -> Policy:
    """Save only named values (checkpoint_name), except those with one of these names.

    >>> import numbax as nb
    >>> policy = nb.checkpoint_policies.save_any_names_but_these("big")
    """
    names = _name_set("save_any_names_but_these", names_not_to_save)

    def policy(prim, *avals, **params) -> bool:
        return prim is name_p and params["name"] not in names

    return policy


def save_only_these_names(*names_which_can_be_saved: str) -> Policy:
    """Save only the values named (with checkpoint_name) one of these names.

    >>> import numbax as nb
    >>> policy = nb.checkpoint_policies.save_only_these_names("attn_out", "mlp_out")
    """
    names = _name_set("save_only_these_names", names_which_can_be_saved)

    def policy(prim, *avals, **params) -> bool:
        return prim is name_p and params["name"] in names

    return policy


def save_from_both_policies(policy_1: Policy, policy_2: Policy) -> Policy:
    """Save what either policy saves.

    >>> import numbax as nb
    >>> cp = nb.checkpoint_policies
    >>> policy = cp.save_from_both_policies(cp.dots_saveable, cp.save_only_these_names("h"))
    """
    for p in (policy_1, policy_2):
        if not callable(p) or hasattr(p, "select"):
            raise TypeError("save_from_both_policies combines per-equation policies "
                            f"(callables policy(prim, *avals, **params)), got {p!r}")

    def policy(prim, *avals, **params) -> bool:
        out_1, out_2 = policy_1(prim, *avals, **params), policy_2(prim, *avals, **params)
        if not (isinstance(out_1, bool) and isinstance(out_2, bool)):
            raise ValueError("save_from_both_policies needs policies that return booleans, "
                             f"got {out_1!r} and {out_2!r}")
        return out_1 or out_2

    return policy


def save_and_offload_only_these_names(*, names_which_can_be_saved, names_which_can_be_offloaded,
                                      offload_src: str, offload_dst: str) -> Policy:
    """Save the values with these names; those JAX would offload are saved too (numbax keeps
    every value in host memory, so offloading has nothing to move).

    >>> import numbax as nb
    >>> policy = nb.checkpoint_policies.save_and_offload_only_these_names(
    ...     names_which_can_be_saved=["a"], names_which_can_be_offloaded=["b"],
    ...     offload_src="device", offload_dst="pinned_host")
    """
    fn = "save_and_offload_only_these_names"
    saved = _name_set(fn, names_which_can_be_saved)
    offloaded = _name_set(fn, names_which_can_be_offloaded)
    if saved & offloaded:
        raise ValueError(f"{fn}: names both saved and offloaded: {sorted(saved & offloaded)}")
    return save_only_these_names(*saved, *offloaded)


def offload_dot_with_no_batch_dims(offload_src: str, offload_dst: str) -> Policy:
    """Offload (here: save) dot_general results with no batch dimensions.

    >>> import numbax as nb
    >>> policy = nb.checkpoint_policies.offload_dot_with_no_batch_dims("device", "pinned_host")
    """
    return dots_with_no_batch_dims_saveable


def save_within_budget(nbytes: int) -> SaveWithinBudget:
    """Beyond JAX: save the intermediates that spare the most recomputation per byte, within
    `nbytes` per checkpointed call (its inputs are always saved and do not count).

    >>> import numbax as nb, numbax.numpy as xnp
    >>> f = nb.checkpoint(lambda x: xnp.sin(xnp.exp(x)),
    ...                   policy=nb.checkpoint_policies.save_within_budget(1 << 20))
    >>> float(nb.grad(f)(0.0))
    0.5403023058681398
    """
    return SaveWithinBudget(nbytes)


checkpoint_policies = SimpleNamespace(
    everything_saveable=everything_saveable,
    nothing_saveable=nothing_saveable,
    dots_saveable=dots_saveable,
    checkpoint_dots=dots_saveable,
    dots_with_no_batch_dims_saveable=dots_with_no_batch_dims_saveable,
    checkpoint_dots_with_no_batch_dims=dots_with_no_batch_dims_saveable,
    save_anything_except_these_names=save_anything_except_these_names,
    save_any_names_but_these=save_any_names_but_these,
    save_only_these_names=save_only_these_names,
    save_from_both_policies=save_from_both_policies,
    save_and_offload_only_these_names=save_and_offload_only_these_names,
    offload_dot_with_no_batch_dims=offload_dot_with_no_batch_dims,
    save_within_budget=save_within_budget,
)
checkpoint_policies.__doc__ = __doc__
