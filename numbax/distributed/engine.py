"""The engine interface: what runs a StagedProgram on a set of devices.

pmap traces the per-shard program, cuts it at collectives (staging.StagedProgram) and hands
it to the active engine (devices.active_engine()) with one list of input leaves per shard.
The local engine (local.py) runs shards on threads of this process; the Dask engine runs them
as tasks on a cluster's workers. Both must give the same values, bit for bit: stages run the
same compiled Jaxprs, and collectives go through collectives.apply, whose reductions add
shard 0 + shard 1 + ... in that order.

An engine (a subclass of Engine) must:
- `device_count()`: the number of devices it has (`numbax.device_count()`); it may override
  `local_device_count()` and `devices()` (defaults: all of them, `Device(i)` each).
- `capacity()`: the most shards one `run` may take, or None when it takes any number (the
  local engine without NUMBAX_NUM_DEVICES). pmap refuses a larger batch before running.
- `run(program, shards)`: with n = len(shards) == program.axis_size, start every shard k
  from `program.first_state(k, shards[k])`; for each step of `program.steps` in order, map
  a Stage over every shard's state with the stage's executable (`stage_runner(stage,
  program.backend)` or the same compile_jaxpr call; the executable is rebuilt from the
  Jaxpr where it runs, never pickled), and replace all states by the CollectiveStep's
  result (`step.exchange(states)`, or per collective with `collectives.apply` on the
  operands gathered from every shard). Return every shard's final state: its list of output
  leaves as NumPy arrays, shard 0 first. Errors raised by a stage propagate to the caller.

>>> from numbax.distributed.local import LocalEngine
>>> isinstance(LocalEngine(), Engine)
True
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .staging import Stage, StagedProgram


@dataclass(frozen=True)
class Device:
    """One device of an engine: its index among them, its kind ("cpu" for a local thread
    slot, "worker" for a cluster worker) and where it lives (a worker's address)."""

    id: int
    kind: str = "cpu"
    address: str | None = None

    def __repr__(self) -> str:
        where = f", {self.address}" if self.address else ""
        return f"{self.kind.capitalize()}Device(id={self.id}{where})"


class Engine(ABC):
    """Runs StagedPrograms on its devices (see the module docstring for the contract)."""

    @abstractmethod
    def device_count(self) -> int:
        """How many devices this engine has."""

    def local_device_count(self) -> int:
        """How many of them this process drives (all, unless an engine says otherwise)."""
        return self.device_count()

    def devices(self) -> list[Device]:
        """Its devices, in shard order."""
        return [Device(i) for i in range(self.device_count())]

    def capacity(self) -> int | None:
        """The most shards one run may have (None: no limit)."""
        return self.device_count()

    @abstractmethod
    def run(self, program: StagedProgram, shards: list[list]) -> list[list]:
        """Every shard's output leaves from every shard's input leaves."""


def stage_runner(stage: Stage, backend: str) -> Callable[[Sequence], list]:
    """The compiled executable of a stage as a function of one shard's state (a list of
    values) returning its next state as NumPy arrays. Compiled once per stage Jaxpr and
    backend in this process (backends.compile_jaxpr memoises on the Jaxpr), so threads, or
    tasks on one worker, share it."""
    from ..backends import compile_jaxpr
    exe = compile_jaxpr(stage.jaxpr, backend)
    run = getattr(exe, "run", exe)
    return lambda state: [np.asarray(x) for x in run(*state)]
