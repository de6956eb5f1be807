"""The unfused reference backend: run a Jaxpr one NumPy call per equation.

Unlike core.ir.eval_jaxpr (which binds, so enclosing transformations see each operation),
this calls every primitive's NumPy implementation directly on concrete arrays.
"""
from __future__ import annotations

from typing import Any

from ..core.ir import ClosedJaxpr, Jaxpr, Literal, Var
from ..core.primitives import impl_rules, lookup


def run_jaxpr(jaxpr: Jaxpr, consts, args) -> list:
    """Evaluate `jaxpr` on concrete NumPy values and return the list of outputs."""
    env: dict[Var, Any] = dict(zip(jaxpr.constvars, consts))
    env.update(zip(jaxpr.invars, args))
    for eqn in jaxpr.eqns:
        rule = impl_rules.get(eqn.primitive) or lookup(impl_rules, eqn.primitive, "evaluation")
        outs = rule(*[x.val if type(x) is Literal else env[x] for x in eqn.inputs], **eqn.params)
        env.update(zip(eqn.outputs, outs))
    return [x.val if type(x) is Literal else env[x] for x in jaxpr.outvars]


def run_closed_jaxpr(closed: ClosedJaxpr, *args) -> list:
    return run_jaxpr(closed.jaxpr, closed.consts, args)
