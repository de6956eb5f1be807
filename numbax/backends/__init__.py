"""Backends turn a Jaxpr into an executable: callable(*arrays) -> list of arrays.

`compile_jaxpr(jaxpr, backend)` memoises per Jaxpr object; backends register a compiler in
numbax.interpreters.jit_call.compilers. Numba is imported and initialised with numbax (see
numba.kernels.warm_up) unless NUMBAX_LAZY_NUMBA=1, which defers that cost to the first jit.
"""
from __future__ import annotations

import os
import weakref

from ..config import config
from ..core.ir import Jaxpr
from ..interpreters import jit_call
from .interpreter import run_jaxpr

BACKENDS = ("numba", "interpreter")
_executables: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _compile_interpreter(jaxpr: Jaxpr):
    return lambda *args: run_jaxpr(jaxpr, (), args)


def _compile_numba(jaxpr: Jaxpr):
    from .numba.executable import compile_executable
    return compile_executable(jaxpr)


_COMPILERS = {"interpreter": _compile_interpreter, "numba": _compile_numba}


def compile_jaxpr(jaxpr: Jaxpr, backend: str):
    """The executable for jaxpr (no constvars) on backend, compiled once per Jaxpr object."""
    per_jaxpr = _executables.setdefault(jaxpr, {})
    key = (backend, config.state())
    exe = per_jaxpr.get(key)
    if exe is None:
        if backend not in _COMPILERS:
            raise ValueError(f"unknown backend {backend!r}; expected one of {BACKENDS}")
        exe = per_jaxpr[key] = _COMPILERS[backend](jaxpr)
    return exe


for _name in BACKENDS:
    jit_call.compilers[_name] = lambda jaxpr, _name=_name: compile_jaxpr(jaxpr, _name)

if os.environ.get("NUMBAX_LAZY_NUMBA") != "1":
    from .numba.kernels import warm_up

    warm_up()
