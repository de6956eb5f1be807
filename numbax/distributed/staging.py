"""Cut a per-shard Jaxpr into stages at its collectives: a pure IR pass (no Numba, no Dask).

pmap traces the function once per shard signature into a Jaxpr that still holds collective
equations (psum, all_gather, ...). A device can run the parts between collectives on its own,
but a collective needs every shard's value. `stage_program` therefore turns the Jaxpr into a
`StagedProgram`: an alternation Stage, CollectiveStep, Stage, ..., Stage.

Each shard carries a *state*, a list of values. A Stage is a collective-free Jaxpr from the
incoming state to the outgoing one; a CollectiveStep is one exchange round across the shards.
States hold exactly the values still needed later (liveness), so nothing dead is shipped.
Collectives are scheduled as early as their operands allow, so independent collectives (the
psums of every gradient leaf of a training step) share one round.

>>> import numpy as np, numbax as nb, numbax.lax as lax
>>> from numbax.core.axis_env import extend_axis_env
>>> from numbax.interpreters.partial_eval import trace_to_subjaxpr
>>> from numbax.core.avals import ShapedArray
>>> with extend_axis_env("i", 2):
...     jaxpr, consts = trace_to_subjaxpr(lambda x: [lax.psum(x * 2.0, "i") + 1.0],
...                                       [ShapedArray((3,), np.dtype("float64"))])
>>> program = stage_program(jaxpr, consts, "i", 2)
>>> [type(s).__name__ for s in program.steps]
['Stage', 'CollectiveStep', 'Stage']
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.axis_env import named_axes
from ..core.collective_primitives import axis_index_p
from ..core.ir import Eqn, Jaxpr, Literal, Var
from ..core.primitives import Primitive
from ..interpreters.inline import inline_calls
from ..interpreters.partial_eval import dce_jaxpr


@dataclass(frozen=True, eq=False)
class Stage:
    """A collective-free part of the per-shard program.

    jaxpr has no constvars: its invars are the incoming state (in order) and its outvars the
    outgoing state (Vars or Literals). An engine compiles it once with
    `numbax.backends.compile_jaxpr(stage.jaxpr, program.backend)` (or `engine.stage_runner`)
    and calls the executable with one shard's state to get that shard's next state.
    """

    jaxpr: Jaxpr


@dataclass(frozen=True, eq=False)
class Collective:
    """One collective equation of a CollectiveStep: `primitive` (one of
    numbax.core.collective_primitives.COLLECTIVES, never axis_index) applied with `params`
    to the value at position `operand` of every shard's incoming state."""

    primitive: Primitive
    params: dict[str, Any]
    operand: int


@dataclass(frozen=True, eq=False)
class CollectiveStep:
    """One exchange round between two stages.

    Every shard's outgoing state is `[state[i] for i in keep]` followed by the result of
    each collective in `collectives`, in order. `collectives.apply(c.primitive, values,
    c.params)` computes one collective from the list of every shard's operand (shard 0
    first) and returns the list of every shard's result; `exchange` does the whole step in
    one process (the local engine's way; a distributed engine may reduce elsewhere, but must
    give the same values).
    """

    collectives: tuple[Collective, ...]
    keep: tuple[int, ...]

    def exchange(self, states: Sequence[Sequence]) -> list[list]:
        """Every shard's outgoing state from every shard's incoming state."""
        from .collectives import apply
        results = [apply(c.primitive, [s[c.operand] for s in states], c.params)
                   for c in self.collectives]
        return [[s[i] for i in self.keep] + [r[k] for r in results]
                for k, s in enumerate(states)]


@dataclass(frozen=True, eq=False)
class StagedProgram:
    """A per-shard program cut at its collectives, as engines run it.

    steps alternate Stage, CollectiveStep, Stage, ..., Stage (one Stage when there is no
    collective). To run it on shards `shards[k]` (each a list of input leaves, k = 0..n-1):
    each shard's first state is `first_state(k, shards[k])`; each Stage maps every shard's
    state through its compiled executable; each CollectiveStep maps all shards' states
    together; the state after the last Stage is the shard's list of output leaves. `consts`
    are values every shard's program reads; `axis_size` is the number of shards the program
    was traced for (collectives' params assume it); `backend` is the jit backend stages
    compile with ("numba" or "interpreter").
    """

    steps: tuple[Stage | CollectiveStep, ...]
    consts: tuple = ()
    axis_name: str = "i"
    axis_size: int = 1
    shard_index: bool = False  # whether the first state ends with the int32 shard index
    backend: str = "numba"
    stages: tuple[Stage, ...] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "stages",
                           tuple(s for s in self.steps if isinstance(s, Stage)))

    def first_state(self, index: int, leaves: Sequence) -> list:
        """Shard `index`'s first state from its input leaves."""
        state = [*self.consts, *leaves]
        if self.shard_index:
            state.append(np.int32(index))
        return state


def _holds_collective(eqn: Eqn) -> bool:
    """Whether a call or control-flow equation's bodies use a collective."""
    return eqn.primitive.kind != "collective" and bool(named_axes(eqn.primitive, eqn.params))


def stage_program(jaxpr: Jaxpr, consts: Sequence, axis_name: str, axis_size: int,
                  backend: str = "numba") -> StagedProgram:
    """Cut jaxpr (no constvars; its leading invars take `consts`) at its collectives over
    `axis_name`. Calls (jit, checkpoint, custom rules) holding collectives are inlined; a
    collective inside control flow, or over another axis, raises NotImplementedError."""
    if jaxpr.constvars:
        raise ValueError("stage_program takes a Jaxpr without constvars (trace_to_subjaxpr's "
                         "form)")
    jaxpr = _inline_collective_calls(jaxpr)
    jaxpr, index_var = _index_as_input(jaxpr, axis_name)
    body, _ = dce_jaxpr(jaxpr, [True] * len(jaxpr.outvars))
    invars = jaxpr.invars  # kept whole: engines feed every input
    for eqn in body.eqns:
        if eqn.primitive.kind == "collective":
            _check_collective(eqn, axis_name)
    pos, rounds = _schedule(invars, body.eqns)
    steps = _build_steps(invars, body.eqns, body.outvars, pos, rounds)
    return StagedProgram(tuple(steps), tuple(consts), axis_name, axis_size,
                         index_var is not None, backend)


def _inline_collective_calls(jaxpr: Jaxpr) -> Jaxpr:
    """Replace call equations whose body holds a collective by that body, so the collective
    can be cut; refuse control flow holding one (its iterations cannot be cut apart)."""
    jaxpr = inline_calls(jaxpr, _holds_collective)
    for e in jaxpr.eqns:
        if _holds_collective(e):
            raise NotImplementedError(
                f"pmap: a collective over {sorted(named_axes(e.primitive, e.params))} "
                f"inside {e.primitive.name} cannot be cut into stages; move the "
                f"collective out of the {e.primitive.name} body")
    return jaxpr


def _index_as_input(jaxpr: Jaxpr, axis_name: str) -> tuple[Jaxpr, Var | None]:
    """Replace axis_index equations by one new trailing input, the shard's index."""
    uses = [e for e in jaxpr.eqns if e.primitive is axis_index_p]
    if not uses:
        return jaxpr, None
    for e in uses:
        _check_collective(e, axis_name)
    index = Var(uses[0].outputs[0].aval)
    alias = {e.outputs[0]: index for e in uses}
    sub = lambda x: alias.get(x, x) if isinstance(x, Var) else x  # noqa: E731
    eqns = [Eqn(e.primitive, [sub(x) for x in e.inputs], e.outputs, e.params, e.source_info)
            for e in jaxpr.eqns if e.primitive is not axis_index_p]
    return Jaxpr([], [*jaxpr.invars, index], eqns, [sub(x) for x in jaxpr.outvars]), index


def _check_collective(eqn: Eqn, axis_name: str) -> None:
    axes = tuple(eqn.params.get("axes", ()))
    if axes != (axis_name,):
        raise NotImplementedError(
            f"pmap over axis {axis_name!r}: {eqn.primitive.name} over axes {axes} cannot be "
            f"staged; only collectives over exactly ({axis_name!r},) run across devices")
    if eqn.primitive is not axis_index_p and (len(eqn.inputs) != 1 or len(eqn.outputs) != 1):
        raise NotImplementedError(f"pmap: {eqn.primitive.name} with {len(eqn.inputs)} operands "
                                  "cannot be staged (one operand per collective)")


def _schedule(invars: list[Var], eqns: list[Eqn]) -> tuple[dict[Var, int], int]:
    """Where every value is made, as early as possible: an equation runs in the first stage
    that has all its inputs, a collective in the round right after its operand's stage (so
    independent collectives share rounds). Returns each Var's position (inputs -1, stage k
    2k, round k 2k + 1) and the number of rounds."""
    pos: dict[Var, int] = {v: -1 for v in invars}
    rounds = 0
    for e in eqns:
        # (p + 1) // 2: inputs (-1) and stage k (2k) feed stage k, round k (2k + 1) stage k + 1.
        stage = max([(pos[x] + 1) // 2 for x in e.inputs if isinstance(x, Var)], default=0)
        if e.primitive.kind == "collective":
            pos[e.outputs[0]] = 2 * stage + 1
            rounds = max(rounds, stage + 1)
        else:
            pos.update((v, 2 * stage) for v in e.outputs)
    return pos, rounds


def _build_steps(invars, eqns, outvars, pos: dict[Var, int], rounds: int) -> list:
    """The stages and rounds, with each state holding exactly the values used after it."""
    last_use: dict[Var, int] = {}
    for e in eqns:
        for x in e.inputs:
            if isinstance(x, Var):
                last_use[x] = max(last_use.get(x, -1), pos[e.outputs[0]])
    end = 2 * rounds + 1  # past the last stage: the program's outputs
    for x in outvars:
        if isinstance(x, Var):
            last_use[x] = end

    def live_after(p: int) -> list[Var]:
        return [v for v in pos if pos[v] <= p and last_use.get(v, -1) > p]

    steps: list = []
    state: list = list(invars)
    for k in range(rounds + 1):
        body = [e for e in eqns if pos[e.outputs[0]] == 2 * k]
        if k == rounds:
            steps.append(Stage(Jaxpr([], state, body, list(outvars))))
            break
        exchanged = [e for e in eqns if pos[e.outputs[0]] == 2 * k + 1]
        after_stage = live_after(2 * k)
        literals = [e.inputs[0] for e in exchanged if isinstance(e.inputs[0], Literal)]
        out_state = after_stage + literals
        steps.append(Stage(Jaxpr([], state, body, out_state)))
        index = {id(x): i for i, x in enumerate(out_state)}
        kept = live_after(2 * k + 1)
        keep = tuple(index[id(v)] for v in kept if pos[v] != 2 * k + 1)
        collectives = tuple(Collective(e.primitive, dict(e.params), index[id(e.inputs[0])])
                            for e in exchanged)
        steps.append(CollectiveStep(collectives, keep))
        state = [out_state[i] for i in keep] + [e.outputs[0] for e in exchanged]
    return steps
