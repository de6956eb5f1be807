"""The jit call primitive: a sub-program held as a Jaxpr and run by a backend.

Its rules transform the body as IR (JVP, partial evaluation, transposition, batching), so
grad(jit(f)) differentiates and compiles the derivative; call_rules memoises the derived
bodies, so repeated calls reuse the same compiled executables.
"""
from __future__ import annotations

import numpy as np

from ..config import config
from ..core.ir import Jaxpr, eval_jaxpr
from ..core.lists import partition_list
from ..core.primitives import Primitive, abstract_eval_rules, impl_rules
from ..core.source_info import format_site, user_site
from ..core.trace import bad_float, new_dynamic
from . import ad, batching
from . import call_rules as calls
from . import partial_eval as pe

jit_p = Primitive("jit", multiple_results=True, kind="call", call_body="jaxpr", linear=True)

# backend name -> compile(jaxpr) -> callable(*args) -> list; filled in by numbax.backends.
compilers: dict = {}


def _abstract_eval(*avals, jaxpr: Jaxpr, name: str, backend: str):
    if list(avals) != jaxpr.in_avals:
        raise TypeError(f"jit call {name}: operands {[a.str_short() for a in avals]} do not match "
                        f"its body's inputs {[a.str_short() for a in jaxpr.in_avals]}")
    return jaxpr.out_avals


def _impl(*args, jaxpr: Jaxpr, name: str, backend: str):
    # Transformations hand over Python and NumPy scalars too; executables take arrays.
    args = [np.asarray(a) for a in args]
    outs = compilers[backend](jaxpr)(*args)
    if config.check_floats:
        check_call(outs, jaxpr, args, name)
    return outs


def with_float_checks(run, jaxpr: Jaxpr, name: str):
    """run (a compiled jaxpr), raising as check_call says under debug_nans / debug_infs."""
    def run_checked(*args):
        outs = run(*args)
        check_call(outs, jaxpr, args, name)
        return outs

    return run_checked


def eval_eagerly(jaxpr: Jaxpr, args) -> list:
    """Evaluate jaxpr on arrays binding one equation at a time, so that under debug_nans each
    is checked and reports its own line; it evaluates even if called while a function is being
    staged (an executable run on constants during tracing)."""
    with new_dynamic(None):
        return eval_jaxpr(jaxpr, [], args)


def check_call(outs, jaxpr: Jaxpr, args, name: str) -> None:
    """If a compiled call's outputs hold a NaN (inf) under debug_nans (debug_infs), run its
    Jaxpr again unfused, one equation at a time, so that the first equation whose output holds
    one raises FloatingPointError naming its primitive and the user's line that staged it.

    Like JAX, only the outputs of the compiled call are checked (the check costs a pass over
    them, not over every intermediate): a NaN that a select discards goes unreported.
    """
    kind = bad_float(outs)
    if kind is None:
        return
    site = user_site()
    try:
        eval_eagerly(jaxpr, args)
    except FloatingPointError as err:
        if not any(n.startswith("numbax found") for n in getattr(err, "__notes__", ())):
            err.add_note(f"numbax found it by running jit({name}) again one equation at a "
                         f"time, after its compiled output at {format_site(site)} held "
                         f"{'a NaN' if kind == 'nan' else 'an inf'}.")
        raise
    raise FloatingPointError(
        f"invalid value ({kind}) encountered in the output of jit({name}) at "
        f"{format_site(site)}, but running it again one equation at a time produced none: the "
        f"{kind} came from an input passed straight through, or the compiled code computes "
        "differently from the unfused program (fused kernels; numbax.config fast_math).")


abstract_eval_rules[jit_p] = _abstract_eval
impl_rules[jit_p] = _impl

def _bind(name: str, backend: str):
    def bind(kind: str, body: Jaxpr, args: list) -> list:
        return jit_p.bind(*args, jaxpr=body, name=f"{kind}({name})" if kind else name,
                          backend=backend)

    return bind


def _jvp(primals, tangents, *, jaxpr, name, backend):
    return calls.call_jvp(_bind(name, backend), jaxpr, primals, tangents)


ad.jvp_rules[jit_p] = _jvp


def _partial_eval(trace, tracers, *, jaxpr, name, backend):
    in_unknowns = tuple(not t.pval.is_known for t in tracers)
    known, kconsts, unknown, out_unknowns, num_res = calls.memoised(
        "partial_eval", jaxpr, in_unknowns, lambda: pe.partial_eval_jaxpr(jaxpr, list(in_unknowns)))
    known_outs = _bind(name, backend)("", known, [*kconsts, *calls.known_values(tracers)])
    return calls.stage_unknown(trace, jit_p, tracers, known_outs, num_res, out_unknowns,
                               dict(jaxpr=unknown, name=f"lin({name})", backend=backend))


pe.partial_eval_rules[jit_p] = _partial_eval


def _transpose(cts, *args, jaxpr, name, backend):
    undefined = tuple(ad.is_undefined(a) for a in args)
    body, consts = calls.memoised("transpose", jaxpr, undefined,
                                  lambda: ad.transpose_jaxpr(jaxpr, undefined))
    cts = [ad.instantiate(c, a) for c, a in zip(cts, jaxpr.out_avals)]
    defined, _ = partition_list(undefined, args)
    ct_in = _bind(name, backend)("transpose", body, [*consts, *defined, *cts])
    return ad.cotangents_of_undefined(undefined, ct_in)


ad.transpose_rules[jit_p] = _transpose


def _batch(axis_size, vals, bdims, *, jaxpr, name, backend):
    return calls.call_batch(_bind(name, backend), jaxpr, axis_size, vals, bdims)


batching.batching_rules[jit_p] = _batch
