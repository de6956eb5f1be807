"""Inlining: replace call equations (nested jit, checkpoint, custom rules) by their bodies.

The Numba executable inlines every call so that fusion crosses them; pmap's staging inlines
the calls that hold a collective so that the collective can be cut out. A pure IR pass.
"""
from __future__ import annotations

from collections.abc import Callable

from ..core.checkpoint_name import name_p
from ..core.ir import Eqn, Jaxpr, Literal, Var


def inline_calls(jaxpr: Jaxpr, select: Callable[[Eqn], bool] | None = None) -> Jaxpr:
    """jaxpr with its call equations replaced by their bodies, recursively (only those for
    which select(eqn) is true, when given), and checkpoint_name's identity by an alias of
    its operand.

    >>> import numpy as np, numbax as nb
    >>> closed = nb.make_jaxpr(lambda x: nb.jit(lambda y: y * 2.0)(x) + 1.0)(np.ones(2))
    >>> [e.primitive.name for e in inline_calls(closed.jaxpr).eqns]
    ['mul', 'add']
    """
    def inlined(e: Eqn) -> bool:
        return e.primitive.kind == "call" and (select is None or select(e))

    if not any(inlined(e) or e.primitive is name_p for e in jaxpr.eqns):
        return jaxpr
    eqns: list[Eqn] = []

    def emit(body: Jaxpr, env: dict) -> list:
        read = lambda x: x if isinstance(x, Literal) else env[x]  # noqa: E731
        for e in body.eqns:
            ins = [read(x) for x in e.inputs]
            if e.primitive is name_p:
                env[e.outputs[0]] = ins[0]
                continue
            if inlined(e):
                sub = e.params[e.primitive.call_body]
                outs = emit(sub, dict(zip(sub.invars, ins)))
                env.update(zip(e.outputs, outs))
                continue
            outs = [Var(v.aval) for v in e.outputs]
            eqns.append(Eqn(e.primitive, ins, outs, e.params, e.source_info))
            env.update(zip(e.outputs, outs))
        return [read(x) for x in body.outvars]

    env = {v: v for v in jaxpr.constvars + jaxpr.invars}
    outvars = emit(jaxpr, env)
    return Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, outvars)
