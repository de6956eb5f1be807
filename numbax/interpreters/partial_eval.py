"""Tracing Python functions to Jaxprs (staging), dead-code elimination, partial evaluation."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core.avals import ShapedArray
from ..core.ir import ClosedJaxpr, Eqn, Jaxpr, Literal, Var
from ..core.trace import Trace, Tracer, full_raise, get_aval, new_dynamic, new_main


class JaxprTracer(Tracer):
    __slots__ = ("_trace", "_aval")

    def __init__(self, trace: Trace, aval: ShapedArray):
        self._trace = trace
        self._aval = aval

    @property
    def aval(self) -> ShapedArray:
        return self._aval


class JaxprBuilder:
    """Collects the equations staged by a JaxprTrace and assembles them into a Jaxpr."""

    def __init__(self):
        self.eqns: list[Eqn] = []
        self.tracer_to_var: dict[int, Var] = {}
        self.const_tracers: dict[int, JaxprTracer] = {}
        self.constvals: dict[Var, object] = {}
        self.tracers: list[JaxprTracer] = []  # keeps ids in tracer_to_var unique

    def new_tracer(self, trace: Trace, aval: ShapedArray) -> JaxprTracer:
        tracer = JaxprTracer(trace, aval)
        self.tracers.append(tracer)
        self.tracer_to_var[id(tracer)] = Var(aval)
        return tracer

    def const_tracer(self, trace: Trace, val) -> JaxprTracer:
        tracer = self.const_tracers.get(id(val))
        if tracer is None:
            tracer = self.new_tracer(trace, get_aval(val))
            self.const_tracers[id(val)] = tracer
            self.constvals[self.tracer_to_var[id(tracer)]] = val
        return tracer

    def var(self, tracer: JaxprTracer) -> Var:
        return self.tracer_to_var[id(tracer)]

    def build(self, in_tracers, out_tracers) -> ClosedJaxpr:
        constvars, consts = list(self.constvals), list(self.constvals.values())
        jaxpr = Jaxpr(constvars, [self.var(t) for t in in_tracers], self.eqns,
                      [self.var(t) for t in out_tracers])
        return inline_literals(jaxpr, consts)


def inline_literals(jaxpr: Jaxpr, consts) -> ClosedJaxpr:
    """Turn scalar constants into Literals written inline; keep the rest as constvars."""
    literals = {v: Literal.of(c) for v, c in zip(jaxpr.constvars, consts)
                if not isinstance(c, Tracer) and np.ndim(c) == 0}
    kept = [(v, c) for v, c in zip(jaxpr.constvars, consts) if v not in literals]
    sub = lambda x: literals.get(x, x) if isinstance(x, Var) else x  # noqa: E731
    eqns = [Eqn(e.primitive, [sub(x) for x in e.inputs], e.outputs, e.params) for e in jaxpr.eqns]
    new = Jaxpr([v for v, _ in kept], jaxpr.invars, eqns, [sub(x) for x in jaxpr.outvars])
    return ClosedJaxpr(new, [c for _, c in kept])


class JaxprTrace(Trace):
    """Stages every primitive into the builder instead of computing it."""

    @property
    def builder(self) -> JaxprBuilder:
        return self.main.global_data

    def new_arg(self, aval: ShapedArray) -> JaxprTracer:
        return self.builder.new_tracer(self, aval)

    def pure(self, val):
        return self.builder.const_tracer(self, val)

    lift = pure

    def process_primitive(self, primitive, tracers, params):
        in_avals = [t.aval for t in tracers]
        out_avals = primitive.abstract_eval(*in_avals, **params)
        outs = [self.builder.new_tracer(self, a) for a in out_avals]
        self.builder.eqns.append(Eqn(primitive, [self.builder.var(t) for t in tracers],
                                     [self.builder.var(t) for t in outs], params))
        return outs


def trace_to_jaxpr(fun: Callable, in_avals: list[ShapedArray]) -> ClosedJaxpr:
    """Stage out a flat function (list of arrays -> list of arrays) into a ClosedJaxpr."""
    builder = JaxprBuilder()
    with new_main(JaxprTrace, builder) as main, new_dynamic(main):
        trace = JaxprTrace(main)
        in_tracers = [trace.new_arg(a) for a in in_avals]
        outs = fun(*in_tracers)
        out_tracers = [full_raise(trace, o) for o in outs]
        return builder.build(in_tracers, out_tracers)
