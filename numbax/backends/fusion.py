"""Partition a Jaxpr into fusion groups: a pure IR pass that knows nothing about Numba.

A group is a set of elementwise equations over one iteration shape (operands may broadcast
into it), optionally closed by a reduction over trailing or all axes that consumes them. Its
outputs are the values needed outside the group; every other intermediate stays in
registers. Everything else (dot_general, reshape, transpose, slicing, ...) stays unfused.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.ir import Eqn, Jaxpr, Var

# Primitives a fused loop computes one element at a time.
ELEMENTWISE = frozenset({
    "neg", "abs", "sign", "exp", "log", "log1p", "expm1", "sin", "cos", "tan", "tanh", "sqrt",
    "rsqrt", "logistic", "add", "sub", "mul", "div", "pow", "max", "min", "lt", "le", "gt",
    "ge", "eq", "ne", "and", "or", "not", "integer_pow", "select", "convert_element_type",
    "stop_gradient", "broadcast_in_dim", "full",
})
REDUCTIONS = frozenset({"reduce_sum", "reduce_max", "reduce_min"})
# Equations that only reshape or repeat data: alone they are cheaper as NumPy views.
_FREE = frozenset({"broadcast_in_dim", "stop_gradient", "full"})


def is_fusible(eqn: Eqn) -> bool:
    if eqn.primitive.name not in ELEMENTWISE:
        return False
    if any(v.aval.dtype == np.float16 for v in eqn.outputs):
        return False  # compiled loops compute in float32/float64 and integers only
    # Integer division and powers keep lax's exact semantics in NumPy.
    return not (eqn.primitive.name in ("div", "pow") and eqn.outputs[0].aval.dtype.kind != "f")


@dataclass(eq=False)
class FusionGroup:
    """Equations fused into one loop over `shape`; `reduction` (if any) closes the group."""

    start: int
    shape: tuple[int, ...]
    eqns: list[Eqn] = field(default_factory=list)
    reduction: Eqn | None = None
    inputs: list[Var] = field(default_factory=list)
    outputs: list[Var] = field(default_factory=list)

    @property
    def worth_a_kernel(self) -> bool:
        return self.reduction is not None or any(e.primitive.name not in _FREE for e in self.eqns)

    def __str__(self) -> str:
        names = " ".join(e.primitive.name for e in self.eqns)
        red = f" -> {self.reduction.primitive.name}{list(self.reduction.params['axes'])}" \
            if self.reduction is not None else ""
        return (f"group over {self.shape}: {names}{red} "
                f"({len(self.inputs)} inputs, {len(self.outputs)} outputs)")


def _reduces_trailing(eqn: Eqn, ndim: int) -> bool:
    axes = tuple(eqn.params["axes"])
    return bool(axes) and axes == tuple(range(ndim - len(axes), ndim))


def partition(jaxpr: Jaxpr) -> list[Eqn | FusionGroup]:
    """The program as a list of unfused equations and fusion groups, in a valid order."""
    producer: dict[Var, int] = {}
    group_of: dict[Var, FusionGroup] = {}
    items: list[Eqn | FusionGroup] = []

    def can_join(group: FusionGroup, eqn: Eqn) -> bool:
        # Joining is safe when everything the equation reads from outside the group existed
        # before the group started: then no path leaves the group and comes back.
        return all(group_of.get(x) is group or producer.get(x, -1) < group.start
                   for x in eqn.inputs if isinstance(x, Var))

    for index, eqn in enumerate(jaxpr.eqns):
        candidates = [group_of[x] for x in eqn.inputs if isinstance(x, Var) and x in group_of]
        target = None
        if is_fusible(eqn):
            shape = eqn.outputs[0].aval.shape
            target = next((g for g in reversed(candidates) if g.reduction is None
                           and g.shape == shape and can_join(g, eqn)), None)
            if target is None and not candidates:
                # Independent chains over the same shape (sin(x) * y + tanh(x * y)) share
                # one loop: join the latest open group when that creates no cycle.
                target = next((g for g in reversed(items) if isinstance(g, FusionGroup)
                               and g.reduction is None and g.shape == shape
                               and can_join(g, eqn)), None)
            if target is None:
                target = FusionGroup(index, shape)
                items.append(target)
            target.eqns.append(eqn)
        elif (eqn.primitive.name in REDUCTIONS and candidates
              and candidates[0].reduction is None
              and candidates[0].shape == eqn.inputs[0].aval.shape
              and _reduces_trailing(eqn, len(candidates[0].shape))
              and can_join(candidates[0], eqn)
              and candidates[0].worth_a_kernel):
            target = candidates[0]
            target.reduction = eqn
        else:
            items.append(eqn)
        for v in eqn.outputs:
            producer[v] = index
            if target is not None:
                group_of[v] = target

    used_outside: set[Var] = {x for x in jaxpr.outvars if isinstance(x, Var)}
    for item in items:
        members = _members(item)
        for e in members:
            for x in e.inputs:
                if isinstance(x, Var) and group_of.get(x) is not (item if isinstance(
                        item, FusionGroup) else None):
                    used_outside.add(x)
    for item in items:
        if isinstance(item, FusionGroup):
            defined = {v for e in _members(item) for v in e.outputs}
            seen: set[Var] = set()
            for e in _members(item):
                for x in e.inputs:
                    if isinstance(x, Var) and x not in defined and x not in seen:
                        seen.add(x)
                        item.inputs.append(x)
            item.outputs = [v for e in _members(item) for v in e.outputs if v in used_outside]
    return items


def _members(item) -> list[Eqn]:
    if isinstance(item, Eqn):
        return [item]
    return item.eqns + ([item.reduction] if item.reduction is not None else [])


def count_kernels(items) -> int:
    return sum(1 for i in items if isinstance(i, FusionGroup) and i.worth_a_kernel)

