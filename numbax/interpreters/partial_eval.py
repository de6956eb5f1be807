"""Tracing Python functions to Jaxprs (staging), dead-code elimination, partial evaluation."""
from __future__ import annotations

import weakref
from collections.abc import Callable

import numpy as np

from ..core import source_info
from ..core.avals import ShapedArray
from ..core.ir import ClosedJaxpr, Eqn, Jaxpr, Literal, Var, eval_jaxpr
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
    eqns = [Eqn(e.primitive, [sub(x) for x in e.inputs], e.outputs, e.params, e.source_info)
            for e in jaxpr.eqns]
    new = Jaxpr([v for v, _ in kept], jaxpr.invars, eqns, [sub(x) for x in jaxpr.outvars])
    return ClosedJaxpr(new, [c for _, c in kept])


class JaxprTrace(Trace):
    """Stages every primitive into the builder instead of computing it."""

    transformation = "trace_to_jaxpr"

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
                                     [self.builder.var(t) for t in outs], params,
                                     source_info.current.site))
        return outs


def trace_to_jaxpr(fun: Callable, in_avals: list[ShapedArray], name: str | None = None
                   ) -> ClosedJaxpr:
    """Stage out a flat function (list of arrays -> list of arrays) into a ClosedJaxpr.

    name (e.g. "jit(f)") is how errors about this trace, such as leaked tracers, refer to it.
    """
    builder = JaxprBuilder()
    with new_main(JaxprTrace, builder, name) as main, new_dynamic(main):
        trace = JaxprTrace(main)
        in_tracers = [trace.new_arg(a) for a in in_avals]
        outs = fun(*in_tracers)
        out_tracers = [full_raise(trace, o) for o in outs]
        return builder.build(in_tracers, out_tracers)


def trace_to_subjaxpr(fun: Callable, in_avals: list[ShapedArray], name: str | None = None
                      ) -> tuple[Jaxpr, list]:
    """Stage out fun as a Jaxpr without constvars: its constants become leading invars.

    Sub-programs kept in equation params (checkpoint, jit, control flow bodies) use this
    form, so constants, including tracers of enclosing transformations, flow as operands.
    """
    closed = trace_to_jaxpr(fun, in_avals, name)
    jaxpr = closed.jaxpr
    return Jaxpr([], jaxpr.constvars + jaxpr.invars, jaxpr.eqns, jaxpr.outvars), closed.consts


# ---------------------------------------------------------------------------------------------
# Partial evaluation: known values are computed now, unknown ones are staged into a Jaxpr.


class PartialVal:
    __slots__ = ("aval", "const")

    def __init__(self, aval: ShapedArray, const=None):
        self.aval, self.const = aval, const

    @classmethod
    def known(cls, val) -> PartialVal:
        return cls(get_aval(val), val)

    @classmethod
    def unknown(cls, aval: ShapedArray) -> PartialVal:
        return cls(aval, None)

    @property
    def is_known(self) -> bool:
        return self.const is not None


class LambdaBindingRecipe:
    pass


class ConstRecipe:
    __slots__ = ("val",)

    def __init__(self, val):
        self.val = val


class EqnRecipe:
    __slots__ = ("primitive", "tracers_in", "params", "avals_out", "tracer_refs_out",
                 "source_info")

    def __init__(self, primitive, tracers_in, params, avals_out, tracer_refs_out,
                 source_info=None):
        self.primitive, self.tracers_in, self.params = primitive, tracers_in, params
        self.avals_out, self.tracer_refs_out = avals_out, tracer_refs_out
        self.source_info = source_info


class PartialEvalTracer(Tracer):
    __slots__ = ("_trace", "pval", "recipe")

    def __init__(self, trace: Trace, pval: PartialVal, recipe):
        self._trace, self.pval, self.recipe = trace, pval, recipe

    @property
    def aval(self) -> ShapedArray:
        return self.pval.aval

    def full_lower(self):
        return self.pval.const if self.pval.is_known else self

    def to_concrete(self):
        c = self.pval.const
        return c.to_concrete() if isinstance(c, Tracer) else c


# Rules for primitives whose bodies must be split rather than staged whole:
# rule(trace, tracers, **params) -> list of output tracers or values.
partial_eval_rules: dict = {}


class PartialEvalTrace(Trace):
    transformation = "linearize"

    def new_arg(self, pval: PartialVal) -> PartialEvalTracer:
        return PartialEvalTracer(self, pval, None if pval.is_known else LambdaBindingRecipe())

    def pure(self, val):
        return PartialEvalTracer(self, PartialVal.known(val), None)

    lift = pure

    def instantiate_const(self, tracer: PartialEvalTracer) -> PartialEvalTracer:
        if not tracer.pval.is_known:
            return tracer
        return PartialEvalTracer(self, PartialVal.unknown(tracer.aval),
                                 ConstRecipe(tracer.pval.const))

    def stage(self, primitive, tracers, params, avals_out) -> list[PartialEvalTracer]:
        tracers_in = [self.instantiate_const(t) for t in tracers]
        outs = [PartialEvalTracer(self, PartialVal.unknown(a), None) for a in avals_out]
        recipe = EqnRecipe(primitive, tracers_in, params, avals_out,
                           [weakref.ref(t) for t in outs], source_info.current.site)
        for t in outs:
            t.recipe = recipe
        return outs

    def process_primitive(self, primitive, tracers, params):
        if all(t.pval.is_known for t in tracers):
            return primitive.bind_list(*[t.pval.const for t in tracers], **params)
        rule = partial_eval_rules.get(primitive)
        if rule is not None:
            return rule(self, tracers, **params)
        avals_out = primitive.abstract_eval(*[t.aval for t in tracers], **params)
        return self.stage(primitive, tracers, params, avals_out)


def partial_eval_flat(fun: Callable, pvals_in: list[PartialVal], instantiate=lambda i, n: False,
                      name: str | None = None):
    """Run fun computing what is known and staging the rest.

    Returns (jaxpr, pvals_out, consts): the Jaxpr maps the unknown inputs (and its consts,
    the residuals) to the unknown outputs. instantiate(i, n_out) forces output i unknown.
    """
    with new_main(PartialEvalTrace, None, name) as main:
        trace = PartialEvalTrace(main)
        tracers_in = [trace.new_arg(pval) for pval in pvals_in]
        outs = [full_raise(trace, o) for o in fun(*tracers_in)]
        outs = [trace.instantiate_const(t) if instantiate(i, len(outs)) else t
                for i, t in enumerate(outs)]
        pvals_out = [t.pval for t in outs]
        jaxpr, consts = tracers_to_jaxpr([t for t in tracers_in if not t.pval.is_known],
                                         [t for t in outs if not t.pval.is_known])
    return jaxpr, pvals_out, consts


def partial_eval_jaxpr(jaxpr: Jaxpr, in_unknowns: list[bool], instantiate=None):
    """Split a body into known and unknown Jaxprs by partial evaluation of its trace.

    Returns (known, known_consts, unknown, out_unknowns, num_residuals):
    known: known_consts + known inputs -> known outputs + residuals;
    unknown: residuals + unknown inputs -> unknown outputs.
    instantiate (a list of bools) forces those outputs unknown.
    """
    force = instantiate or [False] * len(jaxpr.outvars)
    box: dict = {}

    def fun(*known_vals):
        it = iter(known_vals)
        pvals = [PartialVal.unknown(a) if uk else PartialVal.known(next(it))
                 for a, uk in zip(jaxpr.in_avals, in_unknowns)]
        unknown, pvals_out, residuals = partial_eval_flat(
            lambda *xs: eval_jaxpr(jaxpr, [], xs), pvals, lambda i, n: force[i])
        box["unknown"], box["out_unknowns"] = unknown, [not pv.is_known for pv in pvals_out]
        box["num_res"] = len(residuals)
        return [pv.const for pv in pvals_out if pv.is_known] + list(residuals)

    known_avals = [a for a, uk in zip(jaxpr.in_avals, in_unknowns) if not uk]
    known, known_consts = trace_to_subjaxpr(fun, known_avals)
    u = box["unknown"]
    unknown = Jaxpr([], u.constvars + u.invars, u.eqns, u.outvars)
    return known, known_consts, unknown, box["out_unknowns"], box["num_res"]


def _toposort(out_tracers) -> list:
    """Tracers in dependency order, inputs first (iterative, for deep programs)."""
    order, seen = [], set()
    stack = [(t, False) for t in reversed(out_tracers)]
    while stack:
        t, done = stack.pop()
        if done:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        if isinstance(t.recipe, EqnRecipe):
            stack.extend((p, False) for p in reversed(t.recipe.tracers_in) if id(p) not in seen)
    return order


def tracers_to_jaxpr(tracers_in, tracers_out) -> tuple[Jaxpr, list]:
    tracer_to_var: dict[int, Var] = {id(t): Var(t.aval) for t in tracers_in}
    constvars: dict[int, tuple[Var, object]] = {}
    eqns: list[Eqn] = []
    processed: set[int] = set()
    for t in _toposort(tracers_out):
        recipe = t.recipe
        if isinstance(recipe, LambdaBindingRecipe):
            if id(t) not in tracer_to_var:
                raise AssertionError("an unknown input tracer was not passed as an input")
        elif isinstance(recipe, ConstRecipe):
            key = id(recipe.val)
            if key not in constvars:
                constvars[key] = (Var(t.aval), recipe.val)
            tracer_to_var[id(t)] = constvars[key][0]
        elif isinstance(recipe, EqnRecipe) and id(recipe) not in processed:
            processed.add(id(recipe))
            outvars = []
            for ref, aval in zip(recipe.tracer_refs_out, recipe.avals_out):
                v = Var(aval)
                out = ref()
                if out is not None:
                    tracer_to_var[id(out)] = v
                outvars.append(v)
            eqns.append(Eqn(recipe.primitive, [tracer_to_var[id(x)] for x in recipe.tracers_in],
                            outvars, recipe.params, recipe.source_info))
    consts = [c for _, c in constvars.values()]
    jaxpr = Jaxpr([v for v, _ in constvars.values()], [tracer_to_var[id(t)] for t in tracers_in],
                  eqns, [tracer_to_var[id(t)] for t in tracers_out])
    closed = inline_literals(jaxpr, consts)
    return closed.jaxpr, closed.consts


# ---------------------------------------------------------------------------------------------
# Jaxpr-level passes: dead-code elimination and the policy-driven split used by checkpoint.


def dce_jaxpr(jaxpr: Jaxpr, used_outputs: list[bool]) -> tuple[Jaxpr, list[bool]]:
    """Drop outputs not used and every equation they alone needed; report the used inputs."""
    outvars = [v for v, used in zip(jaxpr.outvars, used_outputs) if used]
    live = {v for v in outvars if isinstance(v, Var)}
    eqns = []
    for eqn in reversed(jaxpr.eqns):
        if any(v in live for v in eqn.outputs):
            eqns.append(eqn)
            live.update(x for x in eqn.inputs if isinstance(x, Var))
    used_inputs = [v in live for v in jaxpr.invars]
    new = Jaxpr(jaxpr.constvars, [v for v, u in zip(jaxpr.invars, used_inputs) if u],
                eqns[::-1], outvars)
    return new, used_inputs


# Rules for equations that must be split rather than staged whole when some of their inputs
# are unknown (a nested checkpoint, whose primal outputs stay known):
# rule(eqn, in_unknowns, saveable) -> (known_eqn, staged_eqn, out_unknowns), where known_eqn
# computes the known outputs plus residual Vars that staged_eqn takes as leading inputs.
partial_eval_jaxpr_custom_rules: dict = {}


def partial_eval_jaxpr_custom(jaxpr: Jaxpr, in_unknowns: list[bool], saveable: Callable):
    """Split jaxpr into a known part and a staged part, saving only what `saveable` allows.

    An equation is unknown when any of its inputs is (equations with a rule in
    partial_eval_jaxpr_custom_rules are split in two instead). A known value the staged part
    needs is passed as a residual when it is an input or `saveable(eqn)` holds for the
    equation that made it; otherwise that equation is copied into the staged part and
    recomputed there. A `saveable` with a `select(producer, needed)` method (a budgeted
    policy, interpreters/remat.py) is first given every candidate and returns the predicate.
    Returns (jaxpr_known, jaxpr_staged, out_unknowns, num_residuals):
    jaxpr_known: known inputs -> known outputs + residuals;
    jaxpr_staged: residuals + unknown inputs -> unknown outputs.
    """
    unknown = {v for v, uk in zip(jaxpr.invars, in_unknowns) if uk}
    producer: dict[Var, Eqn] = {}
    known_eqns, staged_eqns = [], []
    for eqn in jaxpr.eqns:
        eqn_unknowns = [isinstance(x, Var) and x in unknown for x in eqn.inputs]
        rule = partial_eval_jaxpr_custom_rules.get(eqn.primitive)
        if any(eqn_unknowns) and rule is not None:
            known_eqn, staged_eqn, out_uk = rule(eqn, eqn_unknowns, saveable)
            known_eqns.append(known_eqn)
            producer.update((v, known_eqn) for v in known_eqn.outputs)
            staged_eqns.append(staged_eqn)
            unknown.update(v for v, uk in zip(eqn.outputs, out_uk) if uk)
        elif any(eqn_unknowns):
            staged_eqns.append(eqn)
            unknown.update(eqn.outputs)
        else:
            known_eqns.append(eqn)
            producer.update((v, eqn) for v in eqn.outputs)
    out_unknowns = [isinstance(v, Var) and v in unknown for v in jaxpr.outvars]

    residuals: list[Var] = []
    recompute: set[int] = set()
    needed = [x for e in staged_eqns for x in e.inputs if isinstance(x, Var) and x not in unknown]
    if hasattr(saveable, "select"):  # a policy that chooses among all candidates at once
        saveable = saveable.select(producer, needed)
    seen: set[Var] = set()
    while needed:
        v = needed.pop()
        if v in seen:
            continue
        seen.add(v)
        eqn = producer.get(v)
        if eqn is None or saveable(eqn):
            residuals.append(v)
        else:
            recompute.add(id(eqn))
            needed.extend(x for x in eqn.inputs if isinstance(x, Var))
    known_outs = [v for v, uk in zip(jaxpr.outvars, out_unknowns) if not uk]
    jaxpr_known = Jaxpr([], [v for v, uk in zip(jaxpr.invars, in_unknowns) if not uk],
                        known_eqns, known_outs + residuals)
    jaxpr_known, _ = dce_jaxpr(jaxpr_known, [True] * len(jaxpr_known.outvars))
    jaxpr_known.invars = [v for v, uk in zip(jaxpr.invars, in_unknowns) if not uk]
    staged = [e for e in known_eqns if id(e) in recompute] + staged_eqns
    jaxpr_staged = Jaxpr([], residuals + [v for v, uk in zip(jaxpr.invars, in_unknowns) if uk],
                         staged, [v for v, uk in zip(jaxpr.outvars, out_unknowns) if uk])
    return jaxpr_known, jaxpr_staged, out_unknowns, len(residuals)
