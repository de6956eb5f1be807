"""The axis environment: which named axes are bound on this thread, innermost last.

A name is bound by a named vmap (its BatchTrace's main: collectives under it are computed by
that trace's batching rules) or by `extend_axis_env` (no main: pmap pushes it while tracing
its per-shard program, so the collectives are staged into the Jaxpr and run by an engine).
Collectives find their axis here; `trace.bind` reads `bound()` to route them.

>>> with extend_axis_env("i", 4):
...     axis_frame("i").size
4
"""
from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .ir import Jaxpr, sub_jaxprs


@dataclass(frozen=True)
class AxisFrame:
    """One binding of an axis name: its size, and the MainTrace of the named vmap that binds
    it (None for a frame pushed by extend_axis_env)."""

    name: str
    size: int
    main: Any = None


@dataclass(frozen=True)
class AxisData:
    """A BatchTrace's global data: the batch size, the axis name (None when unnamed) and the
    spmd_axis_name (accepted as in JAX, where it names a mesh axis to shard over; one machine
    has no mesh, so it changes nothing)."""

    size: int
    name: str | None = None
    spmd_name: Any = None


class _Frames(threading.local):
    # Per thread, like the trace stack: a thread's vmap binds names for that thread only.
    def __init__(self):
        self.frames: list[AxisFrame] = []


_state = _Frames()


def bound() -> bool:
    """Whether any axis name is bound on this thread (bind's fast path skips routing if not)."""
    return bool(_state.frames)


def lookup(name: str) -> AxisFrame | None:
    """The innermost binding of name, or None."""
    for frame in reversed(_state.frames):
        if frame.name == name:
            return frame
    return None


def axis_frame(name: str) -> AxisFrame:
    """The innermost binding of name; NameError (as JAX's) when it is not bound.

    >>> axis_frame("zz")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    NameError: unbound axis name: zz ...
    """
    frame = lookup(name)
    if frame is not None:
        return frame
    names = sorted({f.name for f in _state.frames})
    raise NameError(f"unbound axis name: {name}. The following axis names (e.g. defined by "
                    f"vmap(axis_name=...) or pmap) are available to collective operations: "
                    f"{names}")


def axes_size(names) -> int:
    """The number of members of the product of the named axes (1 for no names).

    >>> with extend_axis_env("i", 2), extend_axis_env("j", 3):
    ...     axes_size(("i", "j"))
    6
    """
    return math.prod(axis_frame(n).size for n in names)


@contextmanager
def push_frame(frame: AxisFrame) -> Iterator[AxisFrame]:
    """Bind frame.name for the duration of the block (a named vmap, or extend_axis_env)."""
    if not isinstance(frame.name, str):
        raise TypeError(f"an axis name must be a str, got {frame.name!r}")
    if not isinstance(frame.size, int) or frame.size < 0:
        raise ValueError(f"axis {frame.name!r}: size must be a non-negative int, "
                         f"got {frame.size!r}")
    frames = _state.frames
    frames.append(frame)
    try:
        yield frame
    finally:
        frames.pop()


@contextmanager
def extend_axis_env(name: str, size: int) -> Iterator[AxisFrame]:
    """Bind name to an axis of size without a trace: collectives over it are staged, not
    computed (pmap traces its per-shard function under this).

    >>> import numbax as nb, numbax.lax as lax
    >>> with extend_axis_env("i", 2):
    ...     print(nb.make_jaxpr(lambda x: lax.psum(x, "i"))(1.0))  # doctest: +ELLIPSIS
    { lambda ; a:f64[]. let b:f64[] = psum[axes=('i',)] a in (b,) }...
    """
    with push_frame(AxisFrame(name, size)) as frame:
        yield frame


# Per body Jaxpr (immutable once built): the axis names its equations use, bodies included.
_free_names: weakref.WeakKeyDictionary[Jaxpr, frozenset[str]] = weakref.WeakKeyDictionary()


def _jaxpr_axis_names(jaxpr: Jaxpr) -> frozenset[str]:
    names = _free_names.get(jaxpr)
    if names is None:
        found: set[str] = set()
        for eqn in jaxpr.eqns:
            found.update(named_axes(eqn.primitive, eqn.params))
        names = _free_names[jaxpr] = frozenset(found)
    return names


def named_axes(primitive, params: dict) -> frozenset[str] | tuple[str, ...]:
    """The axis names a primitive application uses: a collective's params["axes"], or the
    names used inside the bodies of a call or control-flow primitive (so that jit(psum) under
    a named vmap reaches that vmap even when no operand is batched)."""
    if primitive.kind == "collective":
        return params["axes"]
    if primitive.kind not in ("call", "control_flow"):
        return ()
    names: frozenset[str] = frozenset()
    for body in sub_jaxprs(params):
        names |= _jaxpr_axis_names(body)
    return names
