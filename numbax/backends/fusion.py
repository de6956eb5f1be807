"""Partition a Jaxpr into fusion groups: a pure IR pass that knows nothing about Numba.

A group is a set of elementwise equations over one iteration shape (operands may broadcast
into it), optionally closed by a reduction over any non-empty subset of its axes that
consumes them (trailing axes: a row sum; leading axes: a bias gradient; all, or a mix). Its
outputs are the values needed outside the group; every other intermediate stays in
registers. Everything else (dot_general, reshape, transpose, slicing, ...) stays unfused.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core import primitives as P
from ..core.ir import Eqn, Jaxpr, Var

# Reductions that may close a group (the code generator has an accumulator for each).
REDUCTIONS = frozenset({P.reduce_sum_p, P.reduce_max_p, P.reduce_min_p})


def is_fusible(eqn: Eqn) -> bool:
    """Whether a fused loop computes eqn: its primitive declares a ScalarRule (core/scalar.py)."""
    rule = eqn.primitive.scalar
    if rule is None:
        return False
    if any(v.aval.dtype == np.float16 for v in [*eqn.inputs, *eqn.outputs]):
        return False  # Numba has no float16 scalars: compiled loops neither read nor write one
    return eqn.outputs[0].aval.dtype.kind in rule.kinds


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
        # Groups that only move data (broadcasts, constants) are cheaper as NumPy views.
        return self.reduction is not None or any(e.primitive.scalar.cost for e in self.eqns)

    def __str__(self) -> str:
        names = " ".join(e.primitive.name for e in self.eqns)
        red = f" -> {self.reduction.primitive.name}{list(self.reduction.params['axes'])}" \
            if self.reduction is not None else ""
        return (f"group over {self.shape}: {names}{red} "
                f"({len(self.inputs)} inputs, {len(self.outputs)} outputs)")


def partition(jaxpr: Jaxpr) -> list[Eqn | FusionGroup]:
    """The program as a list of unfused equations and fusion groups, in a valid order."""
    item_of: dict[Var, Eqn | FusionGroup] = {}
    external: dict[int, list[Var]] = {}  # id(item) -> the values it reads from other items
    items: list[Eqn | FusionGroup] = []

    def reaches(x: Var, group: FusionGroup) -> bool:
        """Whether x (made outside group) depends on group, through any chain of items."""
        stack, seen = [item_of.get(x)], set()
        while stack:
            item = stack.pop()
            if item is None or id(item) in seen:
                continue
            if item is group:
                return True
            seen.add(id(item))
            stack.extend(item_of.get(y) for y in external[id(item)])
        return False

    def can_join(group: FusionGroup, eqn: Eqn) -> bool:
        # Joining would create a cycle exactly when something the equation reads from outside
        # the group already depends on the group.
        return not any(isinstance(x, Var) and item_of.get(x) is not group and reaches(x, group)
                       for x in eqn.inputs)

    def add(item, eqn: Eqn) -> None:
        reads = external.setdefault(id(item), [])
        reads.extend(x for x in eqn.inputs if isinstance(x, Var) and item_of.get(x) is not item)
        for v in eqn.outputs:
            item_of[v] = item

    for index, eqn in enumerate(jaxpr.eqns):
        candidates = [item_of[x] for x in eqn.inputs
                      if isinstance(x, Var) and isinstance(item_of.get(x), FusionGroup)]
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
            add(target, eqn)
        elif (eqn.primitive in REDUCTIONS and candidates
              and candidates[0].reduction is None
              and candidates[0].shape == eqn.inputs[0].aval.shape
              and eqn.params["axes"]
              and can_join(candidates[0], eqn)
              and candidates[0].worth_a_kernel):
            target = candidates[0]
            target.reduction = eqn
            add(target, eqn)
        else:
            items.append(eqn)
            add(eqn, eqn)
    items = _toposort(items, item_of, external)
    group_of = {v: item for v, item in item_of.items() if isinstance(item, FusionGroup)}

    used_outside: set[Var] = {x for x in jaxpr.outvars if isinstance(x, Var)}
    for item in items:
        for e in members(item):
            for x in e.inputs:
                if isinstance(x, Var) and group_of.get(x) is not (item if isinstance(
                        item, FusionGroup) else None):
                    used_outside.add(x)
    for item in items:
        if isinstance(item, FusionGroup):
            defined = {v for e in members(item) for v in e.outputs}
            seen: set[Var] = set()
            for e in members(item):
                for x in e.inputs:
                    if isinstance(x, Var) and x not in defined and x not in seen:
                        seen.add(x)
                        item.inputs.append(x)
            item.outputs = [v for e in members(item) for v in e.outputs if v in used_outside]
    return items


def _toposort(items, item_of, external) -> list:
    """Items ordered so that each runs after everything it reads (stable otherwise): a group
    may read values made after its first equation, by items that do not depend on it."""
    order, done = [], set()
    for root in items:
        stack = [(root, False)]
        while stack:
            item, expanded = stack.pop()
            if id(item) in done:
                continue
            if expanded:
                done.add(id(item))
                order.append(item)
                continue
            stack.append((item, True))
            stack.extend((item_of[y], False) for y in reversed(external[id(item)])
                         if y in item_of and id(item_of[y]) not in done)
    return order


def members(item) -> list[Eqn]:
    if isinstance(item, Eqn):
        return [item]
    return item.eqns + ([item.reduction] if item.reduction is not None else [])


def count_kernels(items) -> int:
    return sum(1 for i in items if isinstance(i, FusionGroup) and i.worth_a_kernel)

