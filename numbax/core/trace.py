"""Tracing machinery: the trace stack with levels, Trace, Tracer, bind, EvalTrace.

Every transformation pushes a MainTrace with its own level. `bind` finds the highest-level
trace among its arguments, raises every argument to that trace and lets it process the
primitive; lower-level values are lifted, which is how nested transformations compose
without confusing each other's perturbations.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import config
from . import axis_env, source_info
from .avals import ShapedArray, aval_of_value
from .source_info import format_site, user_site


class ConcretizationError(TypeError):
    """A traced value was needed as a concrete Python value.

    Inside a transformation an array is abstract (only its shape and dtype are known), so
    Python control flow (`if x > 0:`), `int(x)`, `float(x)` or using it as an index cannot
    see its value. Use `numbax.numpy.where` to select between values, or `numbax.lax.cond` /
    `numbax.lax.while_loop` for control flow, or mark the argument static.
    """


class TracerArrayConversionError(TypeError):
    """numpy.asarray (or np.array, or NumPy code that converts its argument) was called on a
    traced value. The result would be a constant NumPy array cut off from the transformation:
    under grad its derivative would silently be lost. Use numbax.numpy functions, or call the
    NumPy function directly on the traced value (it is traced as its numbax.numpy equivalent).
    """


class UnexpectedTracerError(Exception):
    """A tracer escaped the transformation that created it.

    This happens when a function under a transformation stores a traced value in a global or
    an outer object and a later computation uses it. Return values instead of storing them.
    The message names the transformation, the user's line that created the tracer and the
    line that used it.

    >>> import numpy as np, numbax as nb, numbax.numpy as xnp
    >>> saved = []
    >>> f = nb.jit(lambda x: saved.append(x) or x)
    >>> _ = f(np.ones(2))
    >>> xnp.sin(saved[0])  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    UnexpectedTracerError: Encountered an unexpected tracer: a traced value f64[2] from jit(<lambda>) ...
    """


def _alive(main: MainTrace) -> bool:
    return main.level < len(trace_stack) and trace_stack[main.level] is main


def _leaked(tracer, op: str | None = None) -> UnexpectedTracerError:
    main = tracer._trace.main
    inner = trace_stack[-1] if len(trace_stack) > 1 else None
    context = ("outside any transformation" if inner is None
               else f"while tracing {inner.name}")
    used = f"by {op} " if op else ""
    if tracer._site is not None:
        origin = f"The tracer was created at {format_site(tracer._site)}."
    else:
        origin = (f"The tracer was an input of {main.name} (or a value it lifted), which was "
                  f"called at {format_site(main.site)}.")
    return UnexpectedTracerError(
        f"Encountered an unexpected tracer: a traced value {tracer.aval.str_short()} from "
        f"{main.name} was used {used}at {format_site(user_site())}, {context}, but {main.name} "
        f"has already finished: the value leaked out of it (e.g. through a global, a list or "
        f"an attribute). {origin} Return traced values from the transformed function instead "
        "of storing them.")


@dataclass(eq=False)
class MainTrace:
    """One active transformation. name says which, for users ("jit(f)", "grad(loss)"); site is
    the user's line that entered it."""

    level: int
    trace_type: type
    global_data: Any
    name: str = ""
    site: tuple | None = None

    def __repr__(self) -> str:
        return f"MainTrace({self.level}, {self.trace_type.__name__})"


class Trace:
    """A transformation's view of values. Subclasses implement pure, lift and process_primitive."""

    # What errors call this transformation when its caller gave no name.
    transformation = "a transformation"

    def __init__(self, main: MainTrace):
        self.main = main

    def pure(self, val):
        raise NotImplementedError

    def lift(self, val):
        raise NotImplementedError

    def process_primitive(self, primitive, tracers, params):
        raise NotImplementedError


class Tracer:
    """An abstract value inside a transformation; behaves like an array.

    Arithmetic, comparison and indexing operators are installed by numbax.numpy, which
    owns NumPy's promotion and broadcasting semantics.
    """

    __array_priority__ = 1000
    # NumPy defers binary operators to us (np_array * tracer calls Tracer.__rmul__).
    __array_ufunc__ = None
    _trace: Trace
    # The user's line whose primitive made this tracer (set by bind); None for inputs.
    _site: tuple | None = None

    @property
    def aval(self) -> ShapedArray:
        raise NotImplementedError

    def full_lower(self):
        return self

    def to_concrete(self):
        """The concrete value behind this tracer, or None when it is abstract."""
        return None

    shape = property(lambda self: self.aval.shape)
    dtype = property(lambda self: self.aval.dtype)
    ndim = property(lambda self: self.aval.ndim)
    size = property(lambda self: self.aval.size)

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object (a 0-d traced array)")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def _concrete(self, op: str):
        if not _alive(self._trace.main):
            raise _leaked(self, op)
        val = self.to_concrete()
        if val is None:
            raise ConcretizationError(
                f"{op} was called on an abstract traced array {self.aval.str_short()}: its "
                "value is not known while the function is being transformed. For control flow "
                "that depends on array values use numbax.lax.cond (or numbax.lax.while_loop), "
                "and numbax.numpy.where to select between values; or make the argument static.")
        return val

    def __bool__(self):
        return bool(self._concrete("bool()"))

    def __int__(self):
        return int(self._concrete("int()"))

    def __float__(self):
        return float(self._concrete("float()"))

    def __index__(self):
        return int(self._concrete("__index__ (using a traced value as a Python index)"))

    def __array__(self, dtype=None, copy=None):
        if not _alive(self._trace.main):
            raise _leaked(self, "numpy.asarray()")
        # As in JAX, even a concrete value refuses: a NumPy copy of a JVP or batched value
        # would drop its tangent or its batch and give a silently wrong result.
        raise TracerArrayConversionError(
            f"numpy.asarray() was called on a traced array {self.aval.str_short()}: the NumPy "
            "array would be a constant cut off from the transformation (under grad its "
            "derivative would be lost). Use numbax.numpy.asarray or other numbax.numpy "
            "functions; NumPy functions called directly on a traced value (np.sin(x), "
            "np.sum(x)) are traced as their numbax.numpy equivalents.")

    def __repr__(self) -> str:
        return f"Traced<{self.aval.str_short()}>with<{type(self._trace).__name__}>"

    __hash__ = object.__hash__


class EvalTrace(Trace):
    """The bottom of the stack: primitives run on concrete NumPy values."""

    def pure(self, val):
        return val

    lift = pure

    def process_primitive(self, primitive, tracers, params):
        # The shape rule runs eagerly too, so misuse fails the same way traced or not.
        primitive.abstract_eval(*[get_aval(x, f"{primitive.name} operand") for x in tracers],
                                **params)
        outs = primitive.impl(*tracers, **params)
        if config.check_floats:
            check_floats(primitive.name, outs)
        return outs


def bad_float(outs) -> str | None:
    """"nan" if an output holds a NaN and debug_nans is on, "inf" likewise, else None."""
    for x in outs:
        x = np.asarray(x)
        if x.dtype.kind not in "fc":
            continue
        if config.debug_nans and np.isnan(x).any():
            return "nan"
        if config.debug_infs and np.isinf(x).any():
            return "inf"
    return None


def check_floats(what: str, outs) -> None:
    """Raise FloatingPointError if an output has a NaN (debug_nans) or an inf (debug_infs).

    As in JAX, every primitive's outputs are checked, whatever its inputs held: the first
    primitive that sees a NaN input usually outputs one and is the one named.
    """
    kind = bad_float(outs)
    if kind is not None:
        raise FloatingPointError(
            f"invalid value ({kind}) encountered in {what} at {format_site(user_site())} "
            f"(numbax.config debug_{kind}s is on)")


class _ThreadState(threading.local):
    """Each thread's active transformations. Threads transform independently: a function
    one thread traces for jit must not capture the operations another thread runs meanwhile,
    nor pop the other's transformations off a shared stack."""

    def __init__(self):
        self.stack: list[MainTrace] = [MainTrace(0, EvalTrace, None)]
        # A staging trace (make_jaxpr, jit) sits here so that operations on constants are
        # staged out too.
        self.dynamic: MainTrace | None = None


_state = _ThreadState()


class _TraceStack:
    """`trace_stack`: the calling thread's stack of transformations, as a list-like view."""

    __slots__ = ()

    def __len__(self) -> int:
        return len(_state.stack)

    def __getitem__(self, i):
        return _state.stack[i]

    def __iter__(self):
        return iter(_state.stack)

    def append(self, main: MainTrace) -> None:
        _state.stack.append(main)

    def pop(self) -> MainTrace:
        return _state.stack.pop()


trace_stack = _TraceStack()


def __getattr__(name: str):
    # `dynamic_trace` reads the calling thread's staging trace (see _ThreadState).
    if name == "dynamic_trace":
        return _state.dynamic
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@contextmanager
def new_main(trace_type: type, global_data=None, name: str | None = None):
    """Push a transformation; name (e.g. "jit(f)") is how errors about it refer to it."""
    # skip: this generator's frame and contextlib's __enter__.
    main = MainTrace(len(trace_stack), trace_type, global_data,
                     name or trace_type.transformation, user_site(2))
    trace_stack.append(main)
    try:
        yield main
    finally:
        trace_stack.pop()


@contextmanager
def new_dynamic(main: MainTrace):
    state = _state
    prev, state.dynamic = state.dynamic, main
    try:
        yield
    finally:
        state.dynamic = prev


def find_top_trace(xs) -> Trace:
    state = _state
    stack = state.stack
    top = stack[0] if state.dynamic is None else state.dynamic
    top_tracer = None
    for x in xs:
        if isinstance(x, Tracer) and x._trace.main.level > top.level:
            top, top_tracer = x._trace.main, x
    if top_tracer is not None and (top.level >= len(stack) or stack[top.level] is not top):
        raise _leaked(top_tracer)
    return top.trace_type(top)


def full_raise(trace: Trace, val):
    if not isinstance(val, Tracer):
        return trace.pure(val)
    main = val._trace.main
    if main is trace.main:
        return val
    stack = _state.stack
    if main.level >= len(stack) or stack[main.level] is not main:
        raise _leaked(val)
    if main.level < trace.main.level:
        return trace.lift(val)
    raise UnexpectedTracerError(
        f"Cannot lift a traced value from level {main.level} into level {trace.main.level}.")


def get_aval(x, what: str = "argument") -> ShapedArray:
    """The abstract value of a tracer or of a concrete array or scalar."""
    return x.aval if isinstance(x, Tracer) else aval_of_value(x, what)


def full_lower(val):
    return val.full_lower() if isinstance(val, Tracer) else val


def _axis_trace(trace: Trace, primitive, params: dict) -> Trace:
    """The trace to process a primitive that uses named axes: the higher of trace and the
    named vmaps binding those names, so psum(1.0, "i") reaches vmap "i" though its operand
    is not batched. A collective's unbound name is a NameError; a frame without a main
    (pmap's extend_axis_env) adds nothing: the staging trace records the equation."""
    collective = primitive.kind == "collective"
    top = trace.main
    for name in axis_env.named_axes(primitive, params):
        frame = axis_env.axis_frame(name) if collective else axis_env.lookup(name)
        if frame is not None and frame.main is not None and frame.main.level > top.level:
            top = frame.main
    return trace if top is trace.main else top.trace_type(top)


def bind(primitive, *args, **params) -> list:
    """Apply a primitive to arguments through the highest trace among them; returns a list."""
    trace = find_top_trace(args)
    if primitive.kind == "collective" or axis_env.bound():
        trace = _axis_trace(trace, primitive, params)
    tracers = [full_raise(trace, a) for a in args]
    if type(trace) is EvalTrace:
        return [full_lower(out) for out in trace.process_primitive(primitive, tracers, params)]
    # One stack walk per user operation: the binds its rules make inside report this site.
    current = source_info.current
    outer = current.site
    site = current.site = outer or user_site(2)  # skip this bind and Primitive.bind
    try:
        outs = trace.process_primitive(primitive, tracers, params)
    finally:
        current.site = outer
    for out in outs:
        if isinstance(out, Tracer) and out._site is None:
            out._site = site
    return [full_lower(out) for out in outs]
