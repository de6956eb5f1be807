"""Tracing machinery: the trace stack with levels, Trace, Tracer, bind, EvalTrace.

Every transformation pushes a MainTrace with its own level. `bind` finds the highest-level
trace among its arguments, raises every argument to that trace and lets it process the
primitive; lower-level values are lifted, which is how nested transformations compose
without confusing each other's perturbations.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from .avals import ShapedArray, aval_of_value


class ConcretizationError(TypeError):
    """A traced value was needed as a concrete Python value.

    Inside a transformation an array is abstract (only its shape and dtype are known), so
    Python control flow (`if x > 0:`), `int(x)`, `float(x)` or using it as an index cannot
    see its value. Use `numbax.numpy.where` to select between values, or `numbax.lax.cond` /
    `numbax.lax.while_loop` for control flow, or mark the argument static.
    """


class UnexpectedTracerError(Exception):
    """A tracer escaped the transformation that created it.

    This happens when a function under a transformation stores a traced value in a global or
    an outer object and a later computation uses it. Return values instead of storing them.
    """


def _leaked(tracer) -> UnexpectedTracerError:
    return UnexpectedTracerError(
        f"A traced value {tracer.aval.str_short()} from a transformation that has already "
        "finished was used (it leaked out, e.g. through a global or an attribute). Return "
        "traced values from the transformed function instead of storing them.")


@dataclass(eq=False)
class MainTrace:
    level: int
    trace_type: type
    global_data: Any

    def __repr__(self) -> str:
        return f"MainTrace({self.level}, {self.trace_type.__name__})"


class Trace:
    """A transformation's view of values. Subclasses implement pure, lift and process_primitive."""

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
        return np.asarray(self._concrete("numpy.asarray()"), dtype=dtype)

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
        return primitive.impl(*tracers, **params)


trace_stack: list[MainTrace] = [MainTrace(0, EvalTrace, None)]
# A staging trace (make_jaxpr, jit) sits here so that operations on constants are staged out too.
dynamic_trace: MainTrace | None = None


@contextmanager
def new_main(trace_type: type, global_data=None):
    main = MainTrace(len(trace_stack), trace_type, global_data)
    trace_stack.append(main)
    try:
        yield main
    finally:
        trace_stack.pop()


@contextmanager
def new_dynamic(main: MainTrace):
    global dynamic_trace
    prev, dynamic_trace = dynamic_trace, main
    try:
        yield
    finally:
        dynamic_trace = prev


def find_top_trace(xs) -> Trace:
    top = trace_stack[0] if dynamic_trace is None else dynamic_trace
    top_tracer = None
    for x in xs:
        if isinstance(x, Tracer) and x._trace.main.level > top.level:
            top, top_tracer = x._trace.main, x
    if top_tracer is not None and (top.level >= len(trace_stack) or trace_stack[top.level] is not top):
        raise _leaked(top_tracer)
    return top.trace_type(top)


def full_raise(trace: Trace, val):
    if not isinstance(val, Tracer):
        return trace.pure(val)
    main = val._trace.main
    if main is trace.main:
        return val
    if main.level >= len(trace_stack) or trace_stack[main.level] is not main:
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


def bind(primitive, *args, **params) -> list:
    """Apply a primitive to arguments through the highest trace among them; returns a list."""
    trace = find_top_trace(args)
    tracers = [full_raise(trace, a) for a in args]
    return [full_lower(out) for out in trace.process_primitive(primitive, tracers, params)]
