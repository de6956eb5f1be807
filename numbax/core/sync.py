"""Thread-safety helpers for numbax's caches.

Caches are read without a lock (a dict lookup is atomic under the GIL, and a cached jit call
must stay cheap); only filling an entry takes a lock, one per key, so that eight threads
asking for the same program compile it once while different programs compile side by side.
"""
from __future__ import annotations

import itertools
import threading

_MISSING = object()


class Once:
    """Fills `table[key] = make()` at most once however many threads ask at the same moment.

    Each key gets its own lock while it is being made, so a slow `make` (tracing, compiling)
    for one key never holds up another key. The locks are re-entrant: a `make` that asks for
    its own key again (a recursive program) recurses as it would without the lock instead of
    deadlocking. If `make` raises, nothing is stored and the next caller tries again.
    """

    def __init__(self):
        self._guard = threading.Lock()
        # (table, key) -> [lock, number of threads holding or waiting for it]. The table is
        # named by id (it is alive while a thread is in get), so one Once serves many tables.
        self._pending: dict = {}

    def get(self, table, key, make) -> tuple[object, bool]:
        """(table[key], whether this call made it)."""
        value = table.get(key, _MISSING)
        if value is not _MISSING:
            return value, False
        pending = (id(table), key)
        with self._guard:
            entry = self._pending.get(pending)
            if entry is None:
                entry = self._pending[pending] = [threading.RLock(), 0]
            entry[1] += 1
        try:
            with entry[0]:
                value = table.get(key, _MISSING)
                if value is not _MISSING:
                    return value, False
                value = make()
                table[key] = value
                return value, True
        finally:
            # The lock is dropped with its last user, so keys made once leave nothing behind.
            with self._guard:
                entry[1] -= 1
                if not entry[1]:
                    del self._pending[pending]


class Counter:
    """A count that many threads may increment at once without a lock.

    `n += 1` on an attribute is a read, an add and a write, between which another thread can
    run, so two threads may both read 5 and both write 6; `next` on an itertools.count is one
    call into C, which the GIL keeps whole.
    """

    __slots__ = ("_count", "increment")

    def __init__(self, start: int = 0):
        self._count = itertools.count(start)
        self.increment = self._count.__next__

    @property
    def value(self) -> int:
        # A count's repr shows the number it will return next: the increments so far.
        return int(repr(self._count)[len("count("):-1])
