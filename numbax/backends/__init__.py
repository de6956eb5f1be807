"""Backends turn a Jaxpr into an executable: callable(*arrays) -> list of arrays.

`compile_jaxpr(jaxpr, backend)` memoises per Jaxpr object; backends register a compiler in
numbax.interpreters.jit_call.compilers. Numba is imported and initialised with numbax (see
numba.kernels.warm_up) unless NUMBAX_LAZY_NUMBA=1, which defers that cost to the first jit.
"""
from __future__ import annotations

import os
import sys
import weakref

from ..config import config
from ..core.ir import Jaxpr
from ..core.sync import Once
from ..interpreters import jit_call
from .interpreter import run_jaxpr

BACKENDS = ("numba", "interpreter")


class _ExecutableTables:
    """Each Jaxpr's executables (by backend and settings), living exactly as long as it does.

    A WeakKeyDictionary keyed by the Jaxpr never dropped an entry: an executable refers to
    its Jaxpr and the dictionary holds the executable, so the key stayed alive for good, and
    every Jaxpr made per call (an eager grad of a jit function makes two) leaked with its
    executable. The table is an attribute of the Jaxpr instead: a reference cycle that the
    garbage collector frees with it.
    """

    _ATTR = "_numbax_executables"

    def __init__(self):
        self._owners: weakref.WeakSet = weakref.WeakSet()  # for clear()

    def table(self, jaxpr: Jaxpr) -> dict:
        table = jaxpr.__dict__.get(self._ATTR)
        if table is None:
            table = jaxpr.__dict__.setdefault(self._ATTR, {})
            self._owners.add(jaxpr)
        return table

    def clear(self) -> None:
        for jaxpr in list(self._owners):
            jaxpr.__dict__.pop(self._ATTR, None)
        self._owners.clear()

    def __len__(self) -> int:
        return len(self._owners)


_executables = _ExecutableTables()


def clear_caches() -> None:
    """Drop every compiled executable and, once Numba is loaded, the in-memory kernels."""
    _executables.clear()
    kernels = sys.modules.get("numbax.backends.numba.kernels")  # absent until Numba is loaded
    if kernels is not None:
        kernels.clear_memory()
_once = Once()


def _compile_interpreter(jaxpr: Jaxpr):
    return lambda *args: run_jaxpr(jaxpr, (), args)


def _compile_numba(jaxpr: Jaxpr):
    from .numba.executable import compile_executable
    return compile_executable(jaxpr)


_COMPILERS = {"interpreter": _compile_interpreter, "numba": _compile_numba}


def compile_jaxpr(jaxpr: Jaxpr, backend: str):
    """The executable for jaxpr (no constvars) on backend, compiled once per Jaxpr object,
    even when several threads ask for it at once."""
    per_jaxpr = _executables.table(jaxpr)
    key = (backend, config.state())
    exe = per_jaxpr.get(key)
    if exe is None:
        if backend not in _COMPILERS:
            raise ValueError(f"unknown backend {backend!r}; expected one of {BACKENDS}")
        exe, _ = _once.get(per_jaxpr, key, lambda: _COMPILERS[backend](jaxpr))
    return exe


for _name in BACKENDS:
    jit_call.compilers[_name] = lambda jaxpr, _name=_name: compile_jaxpr(jaxpr, _name)

if os.environ.get("NUMBAX_LAZY_NUMBA") != "1":
    from .numba.kernels import warm_up

    warm_up()
