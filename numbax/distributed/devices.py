"""Devices and the active engine: where pmap runs its shards.

Without a cluster the engine is the local one (threads of this process); its device count is
NUMBAX_NUM_DEVICES, read at each call, or 1. `numbax.distributed.initialize(client)` makes a
Dask engine active, and the devices become the cluster's workers.

>>> import numbax as nb
>>> nb.device_count() >= 1
True
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .engine import Device, Engine

_active: Engine | None = None
_lock = threading.Lock()


class _Override(threading.local):
    engine: Engine | None = None


_override = _Override()


@contextmanager
def using_engine(engine: Engine) -> Iterator[Engine]:
    """Make engine the active one for the calling thread only, inside the block: how
    data_parallel(step, client) runs on its cluster without moving other threads' pmaps.

    >>> from numbax.distributed.local import LocalEngine
    >>> with using_engine(LocalEngine()) as engine:
    ...     active_engine() is engine
    True
    """
    previous, _override.engine = _override.engine, engine
    try:
        yield engine
    finally:
        _override.engine = previous


def active_engine() -> Engine:
    """The engine pmap runs on: the calling thread's using_engine, else the one set with
    set_engine, else the local engine."""
    global _active
    if _override.engine is not None:
        return _override.engine
    if _active is None:
        from .local import LocalEngine
        with _lock:
            if _active is None:
                _active = LocalEngine()
    return _active


def set_engine(engine: Engine | None) -> Engine | None:
    """Make engine the active one (None: back to the local engine); returns the previous one.

    >>> from numbax.distributed.local import LocalEngine
    >>> previous = set_engine(LocalEngine())
    >>> _ = set_engine(previous)
    """
    global _active
    if engine is not None and not isinstance(engine, Engine):
        raise TypeError(f"set_engine expects a numbax.distributed.engine.Engine or None, got "
                        f"{type(engine).__name__}")
    with _lock:
        previous, _active = _active, engine
    return previous


def device_count() -> int:
    """The number of devices of the active engine (jax.device_count).

    >>> import numbax as nb
    >>> nb.device_count() >= 1
    True
    """
    return active_engine().device_count()


def local_device_count() -> int:
    """The number of devices this process drives (jax.local_device_count): all of them for
    the local engine, the engine's own count for a cluster.

    >>> import numbax as nb
    >>> nb.local_device_count() >= 1
    True
    """
    return active_engine().local_device_count()


def devices() -> list[Device]:
    """The active engine's devices (jax.devices).

    >>> import numbax as nb
    >>> nb.devices()[0].id
    0
    """
    return active_engine().devices()
