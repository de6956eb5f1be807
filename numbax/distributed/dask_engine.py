"""The Dask engine: pmap's shards as tasks on the workers of a dask.distributed cluster.

Device k is the k-th worker (sorted by name). A call becomes one task graph, submitted at
once: per shard, a task per Stage pinned to that shard's worker; per CollectiveStep, one task
combining every shard's operands with collectives.apply (wherever Dask puts it: the operands
move worker to worker). When a shard's state holds values kept past the round, a task on its
worker first picks the operands out, so the kept values stay put; when the results differ
between shards (psum_scatter, ppermute), a task per shard picks its share. Only the final
outputs come back to the driver.

The program travels once per worker: the driver pickles it (cloudpickle, so closures in
custom rules travel too), scatters the bytes to every worker and passes that future to the
tasks; a worker unpickles a fingerprint once and compiles each stage once (backends.
compile_jaxpr; Numba's disk cache makes a fresh worker's compile a load). Executables are
never pickled.

Tasks are pinned with loose restrictions and have retries, so when a worker dies Dask
recomputes what it held elsewhere (the inputs are in the graph, the program is on every
worker) and the result is the same.

Dask is imported by the functions that need it: this module imports without it.
"""
from __future__ import annotations

import collections
import hashlib
import pickle
import threading
import time
import uuid
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.collective_primitives import all_gather_p, pmax_p, pmin_p, psum_p
from .engine import Device, Engine, stage_runner
from .resident import Resident, check_client
from .staging import CollectiveStep, StagedProgram

# ---------------------------------------------------------------------------------------------
# Worker side: what a worker process keeps between tasks.


class _Loaded:
    """A program unpickled on a worker, with its stages' runners compiled on first use."""

    def __init__(self, program: StagedProgram):
        self.program = program
        self._runners: dict[int, Any] = {}
        self._lock = threading.Lock()

    def runner(self, step: int):
        run = self._runners.get(step)
        if run is None:
            with self._lock:
                run = self._runners.get(step)
                if run is None:
                    run = stage_runner(self.program.steps[step], self.program.backend)
                    self._runners[step] = run
                    _stats["stages_compiled"] += 1
        return run


_MAX_PROGRAMS = 64  # programs a worker keeps; the least recently used goes first
_WORKERS_TTL = 1.0  # seconds the driver trusts its list of workers
_programs: collections.OrderedDict[str, _Loaded] = collections.OrderedDict()
_programs_lock = threading.Lock()
_stats = collections.Counter()


def worker_stats() -> dict[str, int]:
    """This process's counts of programs unpickled and stages compiled by the Dask engine
    (run it on the workers with `client.run(worker_stats)`).

    >>> sorted(worker_stats())
    ['programs_loaded', 'stages_compiled']
    """
    return {"programs_loaded": _stats["programs_loaded"],
            "stages_compiled": _stats["stages_compiled"]}


def _loaded(fingerprint: str, blob: bytes) -> _Loaded:
    with _programs_lock:
        got = _programs.get(fingerprint)
        if got is None:
            got = _Loaded(pickle.loads(blob))
            _stats["programs_loaded"] += 1
            _programs[fingerprint] = got
            while len(_programs) > _MAX_PROGRAMS:
                _programs.popitem(last=False)
        else:
            _programs.move_to_end(fingerprint)
        return got


def _first_stage(fingerprint: str, blob: bytes, index: int, leaves: list) -> list:
    loaded = _loaded(fingerprint, blob)
    state = loaded.program.first_state(index, [np.asarray(x) for x in leaves])
    return loaded.runner(0)(state)


def _next_stage(fingerprint: str, blob: bytes, step: int, state: list, received: list) -> list:
    """The stage after CollectiveStep `step - 1`; received: this shard's results of it."""
    loaded = _loaded(fingerprint, blob)
    exchange = loaded.program.steps[step - 1]
    return loaded.runner(step)([state[i] for i in exchange.keep] + list(received))


def _operands(fingerprint: str, blob: bytes, step: int, state: list) -> list:
    exchange = _loaded(fingerprint, blob).program.steps[step]
    return [state[c.operand] for c in exchange.collectives]


def _combine(fingerprint: str, blob: bytes, step: int, whole: bool, same: bool,
             *parts: list) -> list:
    """Every shard's results of a CollectiveStep's collectives (shard k's at [k]) from every
    shard's operands (whole: from every shard's whole state); same: the results are the same
    for every shard, and only one shard's list returns."""
    from .collectives import apply
    exchange = _loaded(fingerprint, blob).program.steps[step]
    results = [apply(c.primitive, [p[c.operand] if whole else p[j] for p in parts], c.params)
               for j, c in enumerate(exchange.collectives)]
    if same:
        return [r[0] for r in results]
    return [[r[k] for r in results] for k in range(len(parts))]


def _pick(values: Sequence, index: int):
    return values[index]


# Collectives whose result is one value for every shard: the combining task returns it once
# and every shard's next stage takes it without a pick task.
_SAME_EVERYWHERE = (psum_p, pmax_p, pmin_p, all_gather_p)


# ---------------------------------------------------------------------------------------------
# Driver side.


class DaskEngine(Engine):
    """Runs StagedPrograms on a Dask cluster; its devices are the client's workers.

    timeout: seconds a call may wait for its results (None: no limit); retries: how many
    times Dask retries a task that raised (a lost worker's tasks are recomputed anyway).

        >>> from dask.distributed import Client           # doctest: +SKIP
        >>> engine = DaskEngine(Client(address))          # doctest: +SKIP
        >>> engine.device_count()                         # doctest: +SKIP
        2
    """

    def __init__(self, client, *, timeout: float | None = None, retries: int = 2):
        self.client = check_client(client)
        self.timeout, self.retries = timeout, retries
        # Pickled programs, by program object and by fingerprint (with their bytes'
        # future on the cluster), so a program is pickled and scattered once.
        self._fingerprints: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._shipped: collections.OrderedDict[str, Any] = collections.OrderedDict()
        self._workers: tuple[float, list[str]] | None = None  # (when asked, addresses)
        self._lock = threading.Lock()

    def workers(self, refresh: bool = False) -> list[str]:
        """The workers' addresses in device order, asked of the scheduler at most once per
        _WORKERS_TTL seconds (a call would otherwise pay a round trip for it); a worker
        lost meanwhile costs nothing but locality, its tasks being loosely pinned."""
        now = time.monotonic()
        with self._lock:
            if refresh or self._workers is None or now - self._workers[0] > _WORKERS_TTL:
                info = self.client.sync(self.client.scheduler.identity, n_workers=-1)
                named = sorted(info["workers"].items(),
                               key=lambda w: (str(w[1].get("name")), w[0]))
                self._workers = (now, [addr for addr, _ in named])
            return list(self._workers[1])

    def device_count(self) -> int:
        return len(self.workers())

    def devices(self) -> list[Device]:
        return [Device(i, "worker", addr) for i, addr in enumerate(self.workers())]

    def run(self, program: StagedProgram, shards: list[list]) -> list[list]:
        futures = self.submit(program, shards)
        return [[np.asarray(x) for x in outs] for outs in self._gather(futures)]

    def run_resident(self, program: StagedProgram, shards: list[list]) -> list[Resident]:
        """As run, but the outputs stay on the workers: one Resident per output leaf, its
        row k on shard k's worker (pmap's out_axes 0), ready to be the next call's input."""
        futures = self.submit(program, shards)
        out_avals = program.steps[-1].jaxpr.out_avals
        return [Resident([self.client.submit(_pick, f, j, key=f"numbax-out{j}-{f.key}",
                                             pure=False) for f in futures], aval, self.client)
                for j, aval in enumerate(out_avals)]

    def submit(self, program: StagedProgram, shards: list[list]) -> list:
        """Submit a call's whole graph; a Future of each shard's list of output leaves."""
        from distributed import Future

        workers = self.workers()
        _check_shards(program, shards, len(workers))
        for k, leaves in enumerate(shards):
            for j, x in enumerate(leaves):
                if isinstance(x, Resident):
                    raise TypeError(f"shard {k}, leaf {j}: pass a Resident handle to pmap, "
                                    "which hands each shard its own part")
                if not isinstance(x, np.ndarray | np.generic | Future):
                    raise TypeError(f"shard {k}, leaf {j}: expected a NumPy array or a Dask "
                                    f"Future, got {type(x).__name__}")
        fingerprint, blob = self._ship(program)
        call = uuid.uuid4().hex[:12]
        opts = {"retries": self.retries, "pure": False}

        def on(k: int) -> dict:
            # Loosely pinned: if the worker is lost, Dask may run the task elsewhere.
            return {"workers": [workers[k]], "allow_other_workers": True, **opts}

        states = [self.client.submit(_first_stage, fingerprint, blob, k, list(leaves),
                                     key=f"numbax-stage0-shard{k}-{call}", **on(k))
                  for k, leaves in enumerate(shards)]
        for i in range(1, len(program.steps), 2):
            step = program.steps[i]
            if not isinstance(step, CollectiveStep):
                raise TypeError(f"step {i} of the program is not a CollectiveStep")
            # Each task is a scheduler hop, so a round has as few as its data allows: a state
            # with nothing kept past the round goes whole to the combining task (no operand
            # picking), and a result that is the same everywhere goes whole to every shard.
            whole = not step.keep
            parts = states if whole else [
                self.client.submit(_operands, fingerprint, blob, i, s,
                                   key=f"numbax-operands{i}-shard{k}-{call}", **on(k))
                for k, s in enumerate(states)]
            same = all(c.primitive in _SAME_EVERYWHERE for c in step.collectives)
            combined = self.client.submit(_combine, fingerprint, blob, i, whole, same, *parts,
                                          key=f"numbax-collective{i}-{call}", **opts)
            received = [combined] * len(states) if same else [
                self.client.submit(_pick, combined, k, key=f"numbax-received{i}-shard{k}-{call}",
                                   **opts)
                for k in range(len(states))]
            states = [self.client.submit(_next_stage, fingerprint, blob, i + 1, s, r,
                                         key=f"numbax-stage{i + 1}-shard{k}-{call}", **on(k))
                      for k, (s, r) in enumerate(zip(states, received))]
        return states

    def _gather(self, futures: list) -> list:
        # One gather bounded by the timeout, rather than wait() then gather(): a round trip
        # less per call.
        return self.client.sync(self.client._gather, futures, callback_timeout=self.timeout)

    def _ship(self, program: StagedProgram) -> tuple[str, Any]:
        """The program's fingerprint and the Future of its pickled bytes on every worker."""
        with self._lock:
            fingerprint = self._fingerprints.get(program)
            blob = None
            if fingerprint is None:
                blob = pickle_program(program)
                fingerprint = hashlib.sha256(blob).hexdigest()
                self._fingerprints[program] = fingerprint
            if fingerprint not in self._shipped:
                # New, or dropped from the shipped table since: (re)send it.
                blob = pickle_program(program) if blob is None else blob
                self._shipped[fingerprint] = self.client.scatter(blob, broadcast=True,
                                                                 hash=False)
            self._shipped.move_to_end(fingerprint)
            while len(self._shipped) > _MAX_PROGRAMS:
                self._shipped.popitem(last=False)
            return fingerprint, self._shipped[fingerprint]


def pickle_program(program: StagedProgram) -> bytes:
    """The program's bytes (cloudpickle: closures in custom rules travel too); a TypeError
    naming what cannot be pickled, before anything is sent.

    >>> from numbax.distributed.staging import StagedProgram
    >>> type(pickle_program(StagedProgram(())))
    <class 'bytes'>
    """
    import cloudpickle
    try:
        return cloudpickle.dumps(program)
    except Exception as err:
        raise TypeError(f"the pmap program cannot be sent to the Dask workers: a value it holds "
                        f"(a static argument, a constant or a custom rule's closure) cannot be "
                        f"pickled: {err}") from err


def _check_shards(program: StagedProgram, shards: list[list], workers: int) -> None:
    if workers == 0:
        raise RuntimeError("the Dask cluster has no workers")
    if len(shards) != program.axis_size:
        raise ValueError(f"the program was traced for {program.axis_size} shards, got "
                         f"{len(shards)}")
    if len(shards) > workers:
        raise ValueError(f"{len(shards)} shards do not fit on the cluster's {workers} workers "
                         f"(one shard per worker)")


# ---------------------------------------------------------------------------------------------
# Making it the active engine.

_owned_client = None  # a Client that initialize made from an address, closed by shutdown


def initialize(client=None, *, address: str | None = None,
               timeout: float | None = None) -> DaskEngine:
    """Run pmap on a Dask cluster from now on: its devices become the cluster's workers.

    client: a dask.distributed.Client; or address: a scheduler's address, to which
    initialize connects a Client of its own (closed by shutdown); neither: the current
    default Client (dask.distributed.default_client). timeout: seconds a pmap call may wait
    for its results. Returns the engine; `shutdown()` goes back to the local engine.

        >>> from dask.distributed import Client, LocalCluster        # doctest: +SKIP
        >>> client = Client(LocalCluster(n_workers=2))               # doctest: +SKIP
        >>> numbax.distributed.initialize(client)                    # doctest: +SKIP
        >>> numbax.device_count()                                    # doctest: +SKIP
        2
    """
    global _owned_client
    try:
        import distributed
    except ImportError as err:
        raise ImportError("numbax.distributed.initialize runs pmap on Dask's distributed "
                          "scheduler, which is not installed: pip install "
                          "numbax[distributed]") from err
    if client is not None and address is not None:
        raise ValueError("initialize takes a Client or an address, not both")
    owned = None
    if address is not None:
        if not isinstance(address, str):
            raise TypeError(f"initialize: address must be a str such as 'tcp://host:8786', "
                            f"got {type(address).__name__}")
        client = owned = distributed.Client(address, set_as_default=False)
    elif client is None:
        try:
            client = distributed.default_client()
        except ValueError:
            raise ValueError("initialize needs a dask.distributed.Client or a scheduler "
                             "address, and no default Client exists") from None
    engine = DaskEngine(client, timeout=timeout)
    shutdown()
    from .devices import set_engine
    set_engine(engine)
    _owned_client = owned
    return engine


def shutdown() -> None:
    """Go back to the local engine, closing the Client that initialize(address=...) opened
    (a Client passed in stays open: it is the caller's).

    >>> shutdown()  # without a cluster it does nothing
    """
    global _owned_client
    from .devices import active_engine, set_engine
    if isinstance(active_engine(), DaskEngine):
        set_engine(None)
    owned, _owned_client = _owned_client, None
    if owned is not None:
        owned.close()
