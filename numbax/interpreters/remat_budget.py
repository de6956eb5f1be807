"""save_within_budget: choose a checkpoint's saved residuals under a memory budget.

A per-equation policy cannot weigh one value against another, so this policy takes part in
partial_eval_jaxpr_custom through `select(producer, needed)`: it sees every known equation
that the backward pass might recompute and returns the predicate that decides.

The heuristic (greedy, by benefit per byte):
- the cost of recomputing is the sum of the estimated work (equation_cost) of the equations
  that the backward pass recomputes: those reached from the values it needs, going back
  through values that are not saved, down to the checkpoint's inputs;
- at each step every equation now recomputed is tried as saved, and the one whose saving
  removes the most recomputation per byte of its outputs, among those that still fit in
  the budget, is saved; it stops when nothing that fits removes any work.
Saving a value can spare its whole producing chain (saving tanh(x @ w) spares the matmul
too), which is why the gain is measured on the recomputed set rather than per equation.
Each step costs a walk per candidate: fine for the bodies one checkpoints (a layer), but
quadratic in the body's size.
"""
from __future__ import annotations

import math

from ..core import primitives as P
from ..core.ir import ClosedJaxpr, Eqn, Jaxpr, Var


def equation_cost(eqn: Eqn) -> float:
    """Estimated work of one equation, in simple operations.

    dot_general: 2 * output size * contracted size; elementwise: the ScalarRule cost per
    element; bodies (calls, control flow): the sum over their equations; anything else
    (reductions, data movement) one operation per element read or written.
    """
    if eqn.primitive is P.dot_general_p:
        (lhs_contract, _), _ = eqn.params["dimension_numbers"]
        lhs_shape = eqn.inputs[0].aval.shape
        depth = math.prod(lhs_shape[d] for d in lhs_contract)
        return 2.0 * _size(eqn.outputs[0]) * depth
    bodies = _bodies(eqn.params)
    if bodies:
        return sum(equation_cost(e) for body in bodies for e in body.eqns)
    rule = eqn.primitive.scalar
    if rule is not None:
        return float(rule.work(eqn.outputs[0].aval.dtype)) * _size(eqn.outputs[0])
    return float(max(_size(v) for v in [*eqn.inputs, *eqn.outputs]))


def _bodies(params: dict) -> list[Jaxpr]:
    items = [i for v in params.values() for i in (v if isinstance(v, tuple | list) else (v,))]
    return [i.jaxpr if isinstance(i, ClosedJaxpr) else i for i in items
            if isinstance(i, Jaxpr | ClosedJaxpr)]


def _size(v) -> int:
    return math.prod(v.aval.shape)


def equation_bytes(eqn: Eqn) -> int:
    """Bytes of an equation's outputs: what saving it keeps alive until the backward pass."""
    return sum(_size(v) * v.aval.dtype.itemsize for v in eqn.outputs)


def recomputed(producer: dict, needed: list, saved: set[int]) -> dict[int, Eqn]:
    """The equations (by id) recomputed when those in `saved` are saved."""
    out: dict[int, Eqn] = {}
    stack, seen = list(needed), set()
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        eqn = producer.get(v)
        if eqn is None or id(eqn) in saved or id(eqn) in out:
            continue
        out[id(eqn)] = eqn
        stack.extend(x for x in eqn.inputs if isinstance(x, Var))
    return out


def choose(producer: dict, needed: list, budget: int) -> set[int]:
    """The ids of the equations to save (the greedy heuristic of the module docstring)."""
    cost: dict[int, float] = {}

    def total(eqns: dict[int, Eqn]) -> float:
        for k, e in eqns.items():
            if k not in cost:
                cost[k] = equation_cost(e)
        return sum(cost[k] for k in eqns)

    saved: set[int] = set()
    used = 0
    while True:
        current = recomputed(producer, needed, saved)
        base = total(current)
        best, best_key = None, (0.0, 0)
        for order, (k, eqn) in enumerate(current.items()):
            size = equation_bytes(eqn)
            if used + size > budget:
                continue
            gain = base - total(recomputed(producer, needed, saved | {k}))
            # Ties go to the equation reached first from the needed values (the latest).
            key = (gain / max(size, 1), -order)
            if gain > 0 and (best is None or key > best_key):
                best, best_key = k, key
        if best is None:
            return saved
        saved.add(best)
        used += equation_bytes(current[best])


class SaveWithinBudget:
    """The policy object of checkpoint_policies.save_within_budget(nbytes)."""

    def __init__(self, nbytes: int):
        if isinstance(nbytes, bool) or not isinstance(nbytes, int | float) or nbytes < 0 \
                or nbytes != nbytes:
            raise ValueError(f"save_within_budget needs a number of bytes >= 0, got {nbytes!r}")
        self.nbytes = nbytes

    def select(self, producer: dict, needed: list):
        """The saveable(eqn) predicate for one checkpointed body's candidates."""
        chosen = choose(producer, needed, self.nbytes)
        return lambda eqn: id(eqn) in chosen

    def __call__(self, prim, *avals, **params) -> bool:
        raise TypeError("save_within_budget chooses among all of a checkpoint's values at "
                        "once; it cannot answer for one equation (pass it to checkpoint "
                        "as policy=, not inside another policy)")

    def __repr__(self) -> str:
        return f"save_within_budget({self.nbytes})"
