"""The jit call primitive: a sub-program held as a Jaxpr and run by a backend.

Its rules transform the body as IR (JVP, partial evaluation, transposition, batching), so
grad(jit(f)) differentiates and compiles the derivative. Derived bodies are memoised per
body Jaxpr, so repeated calls reuse the same Jaxprs and hence the same compiled executables.
"""
from __future__ import annotations

import weakref

import numpy as np

from ..core.ir import Jaxpr, eval_jaxpr
from ..core.primitives import Primitive, abstract_eval_rules, impl_rules
from . import ad, batching
from . import partial_eval as pe

jit_p = Primitive("jit", multiple_results=True)

# backend name -> compile(jaxpr) -> callable(*args) -> list; filled in by numbax.backends.
compilers: dict = {}


def _abstract_eval(*avals, jaxpr: Jaxpr, name: str, backend: str):
    if list(avals) != jaxpr.in_avals:
        raise TypeError(f"jit call {name}: operands {[a.str_short() for a in avals]} do not match "
                        f"its body's inputs {[a.str_short() for a in jaxpr.in_avals]}")
    return jaxpr.out_avals


def _impl(*args, jaxpr: Jaxpr, name: str, backend: str):
    # Transformations hand over Python and NumPy scalars too; executables take arrays.
    return compilers[backend](jaxpr)(*[np.asarray(a) for a in args])


abstract_eval_rules[jit_p] = _abstract_eval
impl_rules[jit_p] = _impl

_memo: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def memoised(kind: str, jaxpr: Jaxpr, key, make):
    """Cache a body derived from jaxpr (its JVP, a partial evaluation, a transpose...)."""
    table = _memo.setdefault(jaxpr, {})
    if (kind, key) not in table:
        table[(kind, key)] = make()
    return table[(kind, key)]


def _jvp(primals, tangents, *, jaxpr, name, backend):
    nonzeros = tuple(type(t) is not ad.Zero for t in tangents)
    body, consts = memoised("jvp", jaxpr, nonzeros, lambda: ad.jvp_jaxpr(jaxpr, list(nonzeros)))
    outs = jit_p.bind(*consts, *primals, *[t for t in tangents if type(t) is not ad.Zero],
                      jaxpr=body, name=f"jvp({name})", backend=backend)
    n = len(jaxpr.outvars)
    return outs[:n], outs[n:]


ad.jvp_rules[jit_p] = _jvp


def partial_eval_jaxpr(jaxpr: Jaxpr, in_unknowns: list[bool]):
    """Split a body into known and unknown Jaxprs by partial evaluation of its trace.

    Returns (known, known_consts, unknown, out_unknowns, num_residuals):
    known: known_consts + known inputs -> known outputs + residuals;
    unknown: residuals + unknown inputs -> unknown outputs.
    """
    box: dict = {}

    def fun(*known_vals):
        it = iter(known_vals)
        pvals = [pe.PartialVal.unknown(a) if uk else pe.PartialVal.known(next(it))
                 for a, uk in zip(jaxpr.in_avals, in_unknowns)]
        unknown, pvals_out, residuals = pe.partial_eval_flat(
            lambda *xs: eval_jaxpr(jaxpr, [], xs), pvals)
        box["unknown"], box["out_unknowns"] = unknown, [not pv.is_known for pv in pvals_out]
        box["num_res"] = len(residuals)
        return [pv.const for pv in pvals_out if pv.is_known] + list(residuals)

    known_avals = [a for a, uk in zip(jaxpr.in_avals, in_unknowns) if not uk]
    known, known_consts = pe.trace_to_subjaxpr(fun, known_avals)
    u = box["unknown"]
    unknown = Jaxpr([], u.constvars + u.invars, u.eqns, u.outvars)
    return known, known_consts, unknown, box["out_unknowns"], box["num_res"]


def _partial_eval(trace, tracers, *, jaxpr, name, backend):
    in_unknowns = tuple(not t.pval.is_known for t in tracers)
    known, kconsts, unknown, out_unknowns, num_res = memoised(
        "partial_eval", jaxpr, in_unknowns, lambda: partial_eval_jaxpr(jaxpr, list(in_unknowns)))
    known_outs = jit_p.bind(*kconsts, *[t.pval.const for t in tracers if t.pval.is_known],
                            jaxpr=known, name=name, backend=backend)
    n_known = len(known_outs) - num_res
    residuals = [trace.pure(r) for r in known_outs[n_known:]]
    staged = trace.stage(jit_p, residuals + [t for t in tracers if not t.pval.is_known],
                         dict(jaxpr=unknown, name=f"lin({name})", backend=backend),
                         unknown.out_avals)
    known_it, staged_it = iter(known_outs[:n_known]), iter(staged)
    return [next(staged_it) if uk else next(known_it) for uk in out_unknowns]


pe.partial_eval_rules[jit_p] = _partial_eval


def _transpose_jaxpr(jaxpr: Jaxpr, undefined: tuple[bool, ...]):
    defined_avals = [a for a, u in zip(jaxpr.in_avals, undefined) if not u]
    n_def = len(defined_avals)

    def fun(*args):
        res, cts = iter(args[:n_def]), args[n_def:]
        full = [ad.UndefPrimal(a) if u else next(res) for a, u in zip(jaxpr.in_avals, undefined)]
        cts_in = ad.backward_pass(jaxpr, [], full, list(cts))
        return [ad.instantiate(c, a) for c, a, u in zip(cts_in, jaxpr.in_avals, undefined) if u]

    return pe.trace_to_subjaxpr(fun, defined_avals + jaxpr.out_avals)


def _transpose(cts, *args, jaxpr, name, backend):
    undefined = tuple(ad.is_undefined(a) for a in args)
    body, consts = memoised("transpose", jaxpr, undefined,
                            lambda: _transpose_jaxpr(jaxpr, undefined))
    cts = [ad.instantiate(c, a) for c, a in zip(cts, jaxpr.out_avals)]
    outs = iter(jit_p.bind(*consts, *[a for a in args if not ad.is_undefined(a)], *cts,
                           jaxpr=body, name=f"transpose({name})", backend=backend))
    return [next(outs) if u else None for u in undefined]


ad.transpose_rules[jit_p] = _transpose


def _batch(axis_size, vals, bdims, *, jaxpr, name, backend):
    batched = tuple(b is not None for b in bdims)
    body, consts = memoised("vmap", jaxpr, (axis_size, batched),
                            lambda: batching.batch_jaxpr(jaxpr, axis_size, list(batched)))
    args = [batching.moveaxis(v, b, 0, axis_size) if b is not None else v
            for v, b in zip(vals, bdims)]
    outs = jit_p.bind(*consts, *args, jaxpr=body, name=f"vmap({name})", backend=backend)
    return outs, [0] * len(outs)


batching.batching_rules[jit_p] = _batch
