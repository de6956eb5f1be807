"""name: the identity on values, carrying a `name` parameter that checkpoint policies read.

JAX calls it name_p. It exists so that a policy (save_only_these_names, ...) can decide,
by name, whether the value is saved for the backward pass. It is elementwise with a free
scalar rule, so it fuses like stop_gradient, and the Numba executable drops it altogether
(interpreters/inline.inline_calls). Its tangent is not named (as in JAX): the JVP
passes the tangent through unchanged, so it needs no transpose rule.
"""
from __future__ import annotations

from .primitives import Primitive, abstract_eval_rules, impl_rules
from .scalar import ScalarRule

# `name` defaults to "" only so that generic rule checks can build an equation without it;
# numbax.ad_checkpoint.checkpoint_name always gives one.
name_p = Primitive("name", kind="elementwise", scalar=ScalarRule("{0}", cost=0))
abstract_eval_rules[name_p] = lambda x, *, name="": [x]
impl_rules[name_p] = lambda x, *, name="": [x]
