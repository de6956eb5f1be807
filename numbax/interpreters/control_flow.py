"""Structured control flow: cond (switch), while_loop and scan as primitives with Jaxpr bodies.

Each primitive has rules for every transformation: JVP transforms the bodies; partial
evaluation splits them (scan saves per-iteration residuals; while_loop with unknown carries
has no reverse mode, as in JAX); transposition runs scan backwards; batching turns a batched
predicate into a select, and a batched while_loop runs until every member is done.

Bodies are Jaxprs without constvars: their constants are leading operands.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..config import config
from ..core import primitives as P
from ..core.avals import ShapedArray
from ..core.ir import Jaxpr, Var, eval_jaxpr
from ..core.primitives import Primitive, abstract_eval_rules, impl_rules
from ..core.trace import get_aval
from . import ad, batching
from . import partial_eval as pe
from .jit_call import compilers, eval_eagerly

cond_p = Primitive("cond", multiple_results=True, kind="control_flow")
while_p = Primitive("while", multiple_results=True, kind="control_flow")
scan_p = Primitive("scan", multiple_results=True, kind="control_flow")

INDEX_DTYPE = np.dtype(np.int32)


def _interpreted(jaxpr: Jaxpr) -> Callable:
    if config.check_floats:
        # debug_nans / debug_infs: the equation in the body that makes a NaN raises, with its
        # line, rather than the loop as a whole.
        return lambda *args: eval_eagerly(jaxpr, args)
    return compilers["interpreter"](jaxpr)


def _reorder(jaxpr: Jaxpr, order: list[int]) -> Jaxpr:
    """The same Jaxpr with its inputs permuted: new input k is old input order[k]."""
    return Jaxpr([], [jaxpr.invars[i] for i in order], jaxpr.eqns, jaxpr.outvars)


def _with_unused_inputs(jaxpr: Jaxpr, avals_before: list, avals_after: list = ()) -> Jaxpr:
    before = [Var(a) for a in avals_before]
    after = [Var(a) for a in avals_after]
    return Jaxpr([], before + jaxpr.invars + after, jaxpr.eqns, jaxpr.outvars)


def join_branch_consts(branches: list[tuple[Jaxpr, list]]) -> tuple[list[Jaxpr], list]:
    """Give every branch the constants of all branches as leading inputs."""
    consts = [c for _, cs in branches for c in cs]
    avals = [get_aval(c) for c in consts]
    out, start = [], 0
    for jaxpr, cs in branches:
        n = len(cs)
        invars = ([Var(a) for a in avals[:start]] + jaxpr.invars[:n]
                  + [Var(a) for a in avals[start + n:]] + jaxpr.invars[n:])
        out.append(Jaxpr([], invars, jaxpr.eqns, jaxpr.outvars))
        start += n
    return out, consts


# ---------------------------------------------------------------------------------------------
# cond: operands are (index, *args); branches[index] runs (index clamped into range).


def _cond_abstract_eval(index, *avals, branches):
    if index.shape != () or index.dtype != INDEX_DTYPE:
        raise TypeError(f"cond index must be an int32 scalar, got {index.str_short()}")
    for b in branches:
        if b.in_avals != list(avals) or b.out_avals != branches[0].out_avals:
            raise TypeError("cond branches do not match their operands or each other")
    return branches[0].out_avals


def _cond_impl(index, *args, branches, run=_interpreted):
    i = min(max(int(index), 0), len(branches) - 1)
    return run(branches[i])(*args)


abstract_eval_rules[cond_p] = _cond_abstract_eval
impl_rules[cond_p] = _cond_impl


def _cond_jvp(primals, tangents, *, branches):
    index, args = primals[0], primals[1:]
    nonzeros = [type(t) is not ad.Zero for t in tangents[1:]]
    jvps, consts = join_branch_consts([ad.jvp_jaxpr(b, nonzeros) for b in branches])
    outs = cond_p.bind(index, *consts, *args, *[t for t in tangents[1:] if type(t) is not ad.Zero],
                       branches=tuple(jvps))
    n = len(branches[0].outvars)
    return outs[:n], outs[n:]


ad.jvp_rules[cond_p] = _cond_jvp


def _cond_partial_eval(trace, tracers, *, branches):
    if not tracers[0].pval.is_known:
        avals = branches[0].out_avals
        return trace.stage(cond_p, tracers, dict(branches=branches), avals)
    index, args = tracers[0].pval.const, tracers[1:]
    in_uk = [not t.pval.is_known for t in args]
    splits = [pe.partial_eval_jaxpr(b, in_uk) for b in branches]
    out_uk = [any(s[3][k] for s in splits) for k in range(len(branches[0].outvars))]
    splits = [pe.partial_eval_jaxpr(b, in_uk, out_uk) for b in branches]
    res_avals = [s[0].out_avals[len(s[0].outvars) - s[4]:] for s in splits]
    all_res = [a for avals in res_avals for a in avals]
    known_avals = [t.aval for t in args if t.pval.is_known]

    def known_branch(i):
        known, kconsts, _, _, num_res = splits[i]

        def fun(*xs):
            outs = eval_jaxpr(known, [], [*kconsts, *xs])
            n_out = len(outs) - num_res
            pads = [ad.zeros(a) for j in range(len(splits)) if j != i for a in res_avals[j]]
            before = sum(len(res_avals[j]) for j in range(i))
            pad_before, pad_after = pads[:before], pads[before:]
            return outs[:n_out] + pad_before + outs[n_out:] + pad_after

        return pe.trace_to_subjaxpr(fun, known_avals)

    known_branches, kconsts = join_branch_consts([known_branch(i) for i in range(len(splits))])
    known_vals = [t.pval.const for t in args if t.pval.is_known]
    known_outs = cond_p.bind(index, *kconsts, *known_vals, branches=tuple(known_branches))
    n_known = len(known_outs) - len(all_res)
    residuals = known_outs[n_known:]
    unknown_avals = [t.aval for t in args if not t.pval.is_known]

    def unknown_branch(i):
        unknown = splits[i][2]
        start = sum(len(res_avals[j]) for j in range(i))

        def fun(*xs):
            res, rest = xs[:len(all_res)], xs[len(all_res):]
            return eval_jaxpr(unknown, [], [*res[start:start + len(res_avals[i])], *rest])

        return pe.trace_to_subjaxpr(fun, all_res + unknown_avals)

    unknown_branches, uconsts = join_branch_consts([unknown_branch(i) for i in range(len(splits))])
    staged = trace.stage(
        cond_p, [trace.pure(index)] + [trace.pure(c) for c in uconsts]
        + [trace.pure(r) for r in residuals] + [t for t in args if not t.pval.is_known],
        dict(branches=tuple(unknown_branches)), unknown_branches[0].out_avals)
    known_it, staged_it = iter(known_outs[:n_known]), iter(staged)
    return [next(staged_it) if uk else next(known_it) for uk in out_uk]


pe.partial_eval_rules[cond_p] = _cond_partial_eval


def _cond_transpose(cts, index, *args, branches):
    undefined = [ad.is_undefined(a) for a in args]
    transposed, consts = join_branch_consts([ad.transpose_jaxpr(b, undefined) for b in branches])
    cts = [ad.instantiate(c, a) for c, a in zip(cts, branches[0].out_avals)]
    outs = iter(cond_p.bind(index, *consts, *[a for a in args if not ad.is_undefined(a)], *cts,
                            branches=tuple(transposed)))
    return [None] + [next(outs) if u else None for u in undefined]


ad.transpose_rules[cond_p] = _cond_transpose


def _cond_batch(axis_size, vals, bdims, *, branches):
    index, args, ib = vals[0], vals[1:], bdims[0]
    if ib is None:
        batched = [b is not None for b in bdims[1:]]
        new, consts = join_branch_consts([batching.batch_jaxpr(b, axis_size, batched)
                                          for b in branches])
        args = [batching.moveaxis(v, b, 0, axis_size) if b is not None else v
                for v, b in zip(args, bdims[1:])]
        outs = cond_p.bind(index, *consts, *args, branches=tuple(new))
        return outs, [0] * len(outs)
    # A batched index runs every branch and selects per member.
    index = batching.moveaxis(index, ib, 0, axis_size)
    results = [batching.vmap_flat(lambda *xs, b=b: eval_jaxpr(b, [], xs), axis_size, list(args),
                                  list(bdims[1:])) for b in branches]
    outs = results[-1]
    for i in range(len(branches) - 2, -1, -1):
        pick = P.eq_p.bind(index, np.asarray(i, INDEX_DTYPE))
        outs = [P.select_p.bind(P.broadcast_in_dim_p.bind(
            pick, shape=get_aval(o).shape, broadcast_dimensions=(0,)), r, o)
            for r, o in zip(results[i], outs)]
    return outs, [0] * len(outs)


batching.batching_rules[cond_p] = _cond_batch


# ---------------------------------------------------------------------------------------------
# while: operands are (*cond_consts, *body_consts, *carry).


def _while_abstract_eval(*avals, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    carry = list(avals[cond_nconsts + body_nconsts:])
    if body_jaxpr.out_avals != carry or cond_jaxpr.out_avals != [ShapedArray((), np.dtype(bool))]:
        raise TypeError("while_loop body must return the carry type and cond a bool scalar")
    return carry


def _while_impl(*args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, run=_interpreted):
    cc, bc = args[:cond_nconsts], args[cond_nconsts:cond_nconsts + body_nconsts]
    carry = list(args[cond_nconsts + body_nconsts:])
    cond_fn, body_fn = run(cond_jaxpr), run(body_jaxpr)
    while cond_fn(*cc, *carry)[0]:
        carry = body_fn(*bc, *carry)
    return carry


abstract_eval_rules[while_p] = _while_abstract_eval
impl_rules[while_p] = _while_impl


def _float(aval: ShapedArray) -> bool:
    return aval.dtype.kind == "f"


def _while_jvp(primals, tangents, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    nc, nb = cond_nconsts, body_nconsts
    carry_avals = body_jaxpr.out_avals
    # Every floating-point carry gets a tangent: no fixed point over which ones stay zero.
    nz_carry = [_float(a) for a in carry_avals]
    nz_bconsts = [type(t) is not ad.Zero for t in tangents[nc:nc + nb]]
    jvp_body, jconsts = ad.jvp_jaxpr(body_jaxpr, nz_bconsts + nz_carry, nz_carry)
    n_carry, n_bt, n_ct = len(carry_avals), sum(nz_bconsts), sum(nz_carry)
    nj = len(jconsts)
    # jvp_body inputs: jconsts, bconsts, carry, bconst tangents, carry tangents.
    order = (list(range(nj)) + list(range(nj, nj + nb)) + list(range(nj + nb + n_carry,
             nj + nb + n_carry + n_bt)) + list(range(nj + nb, nj + nb + n_carry))
             + list(range(nj + nb + n_carry + n_bt, nj + nb + n_carry + n_bt + n_ct)))
    new_body = _reorder(jvp_body, order)
    tangent_avals = [a for a, z in zip(carry_avals, nz_carry) if z]
    new_cond = _with_unused_inputs(cond_jaxpr, [], tangent_avals)
    carry_t = [ad.instantiate(t, a) for t, a, z in
               zip(tangents[nc + nb:], carry_avals, nz_carry) if z]
    bconst_t = [t for t in tangents[nc:nc + nb] if type(t) is not ad.Zero]
    outs = while_p.bind(*primals[:nc], *jconsts, *primals[nc:nc + nb], *bconst_t,
                        *primals[nc + nb:], *carry_t, cond_jaxpr=new_cond, body_jaxpr=new_body,
                        cond_nconsts=nc, body_nconsts=nj + nb + n_bt)
    it = iter(outs[n_carry:])
    return outs[:n_carry], [next(it) if z else ad.Zero(a) for a, z in zip(carry_avals, nz_carry)]


ad.jvp_rules[while_p] = _while_jvp


def _while_partial_eval(trace, tracers, **params):
    raise TypeError(
        "Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with a "
        "dynamic trip count. Use lax.scan, or lax.fori_loop with static (Python int) bounds, "
        "which runs as a scan.")


pe.partial_eval_rules[while_p] = _while_partial_eval


def _while_batch(axis_size, vals, bdims, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    nc, nb = cond_nconsts, body_nconsts
    batched = [b is not None for b in bdims]
    carry_b = batching.batched_carry(body_jaxpr, axis_size, batched[nc:nc + nb], batched[nc + nb:])
    if not batching.batched_outputs(cond_jaxpr, axis_size, batched[:nc] + carry_b)[0]:
        # Every member runs the same number of iterations: one loop over the batch, and the
        # carries the body does not batch stay unbatched.
        ins = [batching.moveaxis(v, b, 0, axis_size) if f else v
               for v, b, f in zip(vals, bdims, batched[:nc + nb] + carry_b)]
        new_cond, cconsts = batching.batch_jaxpr(cond_jaxpr, axis_size, batched[:nc] + carry_b,
                                                 [False])
        new_body, bconsts = batching.batch_jaxpr(body_jaxpr, axis_size,
                                                 batched[nc:nc + nb] + carry_b, carry_b)
        outs = while_p.bind(*cconsts, *ins[:nc], *bconsts, *ins[nc:], cond_jaxpr=new_cond,
                            body_jaxpr=new_body, cond_nconsts=len(cconsts) + nc,
                            body_nconsts=len(bconsts) + nb)
        return outs, [0 if f else None for f in carry_b]
    carry = [batching.moveaxis(v, b, 0, axis_size) for v, b in zip(vals[nc + nb:], bdims[nc + nb:])]
    cdims, bd = list(bdims[:nc]), list(bdims[nc:nc + nb])
    n_carry = len(carry)

    def preds(cc, xs):
        return batching.vmap_flat(lambda *a: eval_jaxpr(cond_jaxpr, [], a), axis_size,
                                  [*cc, *xs], cdims + [0] * n_carry)[0]

    def cond_fn(*args):
        return [P.reduce_max_p.bind(preds(args[:nc], args[nc:]), axes=(0,))]

    def body_fn(*args):
        cc, bc, xs = args[:nc], args[nc:nc + nb], args[nc + nb:]
        # Members whose predicate is already false keep their carry unchanged.
        running = preds(cc, xs)
        new = batching.vmap_flat(lambda *a: eval_jaxpr(body_jaxpr, [], a), axis_size,
                                 [*bc, *xs], bd + [0] * n_carry)
        return [P.select_p.bind(P.broadcast_in_dim_p.bind(
            running, shape=get_aval(n).shape, broadcast_dimensions=(0,)), n, x)
            for n, x in zip(new, xs)]

    c_avals = [get_aval(v) for v in vals[:nc]]
    b_avals = [get_aval(v) for v in vals[nc:nc + nb]]
    carry_avals = [get_aval(v) for v in carry]
    new_cond, cconsts = pe.trace_to_subjaxpr(cond_fn, c_avals + carry_avals)
    new_body, bconsts = pe.trace_to_subjaxpr(body_fn, c_avals + b_avals + carry_avals)
    outs = while_p.bind(*cconsts, *vals[:nc], *bconsts, *vals[:nc], *vals[nc:nc + nb], *carry,
                        cond_jaxpr=new_cond, body_jaxpr=new_body,
                        cond_nconsts=len(cconsts) + nc, body_nconsts=len(bconsts) + nc + nb)
    return outs, [0] * len(outs)


batching.batching_rules[while_p] = _while_batch


# ---------------------------------------------------------------------------------------------
# scan: operands are (*consts, *carry, *xs); the body maps (consts, carry, x slices) to
# (carry, y slices); ys are stacked along a new leading axis.


def _scan_abstract_eval(*avals, jaxpr, num_consts, num_carry, length, reverse):
    carry = list(avals[num_consts:num_consts + num_carry])
    xs = avals[num_consts + num_carry:]
    if any(x.shape[:1] != (length,) for x in xs):
        raise TypeError(f"scan inputs must have leading axis {length}")
    expected = list(avals[:num_consts]) + carry + [x.update(shape=x.shape[1:]) for x in xs]
    if jaxpr.in_avals != expected or jaxpr.out_avals[:num_carry] != carry:
        raise TypeError("scan body does not match its carry and inputs")
    return carry + [y.update(shape=(length,) + y.shape) for y in jaxpr.out_avals[num_carry:]]


def _scan_impl(*args, jaxpr, num_consts, num_carry, length, reverse, run=_interpreted):
    consts, carry = args[:num_consts], list(args[num_consts:num_consts + num_carry])
    xs = args[num_consts + num_carry:]
    body = run(jaxpr)
    ys = [np.empty((length,) + a.shape, a.dtype) for a in jaxpr.out_avals[num_carry:]]
    for i in (range(length - 1, -1, -1) if reverse else range(length)):
        outs = body(*consts, *carry, *[x[i] for x in xs])
        carry = outs[:num_carry]
        for y, v in zip(ys, outs[num_carry:]):
            y[i] = v
    return list(carry) + ys


abstract_eval_rules[scan_p] = _scan_abstract_eval
impl_rules[scan_p] = _scan_impl


def _scan_jvp(primals, tangents, *, jaxpr, num_consts, num_carry, length, reverse):
    nc, nk = num_consts, num_carry
    n_in = len(primals)
    carry_avals = jaxpr.out_avals[:nk]
    nz_consts = [type(t) is not ad.Zero for t in tangents[:nc]]
    nz_carry = [_float(a) for a in carry_avals]
    nz_xs = [type(t) is not ad.Zero for t in tangents[nc + nk:]]
    nz_ys = [_float(a) for a in jaxpr.out_avals[nk:]]
    body, jconsts = ad.jvp_jaxpr(jaxpr, nz_consts + nz_carry + nz_xs, nz_carry + nz_ys)
    nj = len(jconsts)
    n_ct, n_kt, n_xt = sum(nz_consts), sum(nz_carry), sum(nz_xs)
    p0 = nj  # primal inputs start
    t0 = nj + n_in  # tangent inputs start
    order = (list(range(nj)) + list(range(p0, p0 + nc)) + list(range(t0, t0 + n_ct))
             + list(range(p0 + nc, p0 + nc + nk)) + list(range(t0 + n_ct, t0 + n_ct + n_kt))
             + list(range(p0 + nc + nk, p0 + n_in)) + list(range(t0 + n_ct + n_kt,
                                                                 t0 + n_ct + n_kt + n_xt)))
    body = _reorder(body, order)
    # Outputs: carry, ys, carry tangents, ys tangents -> carry, carry tangents, ys, ys tangents.
    n_y = len(nz_ys)
    outs_v = body.outvars
    carry_o, ys_o = outs_v[:nk], outs_v[nk:nk + n_y]
    carry_t_o, ys_t_o = outs_v[nk + n_y:nk + n_y + n_kt], outs_v[nk + n_y + n_kt:]
    body = Jaxpr([], body.invars, body.eqns, carry_o + carry_t_o + ys_o + ys_t_o)
    const_t = [t for t in tangents[:nc] if type(t) is not ad.Zero]
    carry_t = [ad.instantiate(t, a) for t, a, z in zip(tangents[nc:nc + nk], carry_avals, nz_carry)
               if z]
    xs_t = [t for t in tangents[nc + nk:] if type(t) is not ad.Zero]
    outs = scan_p.bind(*jconsts, *primals[:nc], *const_t, *primals[nc:nc + nk], *carry_t,
                       *primals[nc + nk:], *xs_t, jaxpr=body, num_consts=nj + nc + n_ct,
                       num_carry=nk + n_kt, length=length, reverse=reverse)
    carry, carry_t_out = outs[:nk], iter(outs[nk:nk + n_kt])
    ys, ys_t_out = outs[nk + n_kt:nk + n_kt + n_y], iter(outs[nk + n_kt + n_y:])
    t_carry = [next(carry_t_out) if z else ad.Zero(a) for a, z in zip(carry_avals, nz_carry)]
    t_ys = [next(ys_t_out) if z else ad.Zero(get_aval(y)) for y, z in zip(ys, nz_ys)]
    return carry + ys, t_carry + t_ys


ad.jvp_rules[scan_p] = _scan_jvp


def _scan_partial_eval(trace, tracers, *, jaxpr, num_consts, num_carry, length, reverse):
    nc, nk = num_consts, num_carry
    uk = [not t.pval.is_known for t in tracers]
    carry_uk = uk[nc:nc + nk]
    while True:  # a carry that becomes unknown in the body is unknown throughout
        split = pe.partial_eval_jaxpr(jaxpr, uk[:nc] + carry_uk + uk[nc + nk:])
        out_carry_uk = split[3][:nk]
        new = [a or b for a, b in zip(carry_uk, out_carry_uk)]
        if new == carry_uk:
            break
        carry_uk = new
    in_uk = uk[:nc] + carry_uk + uk[nc + nk:]
    known, kconsts, unknown, out_uk, num_res = pe.partial_eval_jaxpr(
        jaxpr, in_uk, carry_uk + [False] * (len(jaxpr.outvars) - nk))
    vals = [t.pval.const for t in tracers]
    k_consts = [v for v, u in zip(vals[:nc], in_uk[:nc]) if not u]
    k_carry = [v for v, u in zip(vals[nc:nc + nk], in_uk[nc:nc + nk]) if not u]
    k_xs = [v for v, u in zip(vals[nc + nk:], in_uk[nc + nk:]) if not u]
    nk_known = len(k_carry)
    known_outs = scan_p.bind(*kconsts, *k_consts, *k_carry, *k_xs, jaxpr=known,
                             num_consts=len(kconsts) + len(k_consts), num_carry=nk_known,
                             length=length, reverse=reverse)
    residuals = known_outs[len(known_outs) - num_res:]
    known_outs = known_outs[:len(known_outs) - num_res]
    # unknown body inputs: residuals, unknown consts, unknown carry, unknown xs.
    u_c = sum(in_uk[:nc])
    u_k = sum(in_uk[nc:nc + nk])
    u_x = sum(in_uk[nc + nk:])
    order = (list(range(num_res, num_res + u_c)) + list(range(num_res + u_c, num_res + u_c + u_k))
             + list(range(num_res)) + list(range(num_res + u_c + u_k, num_res + u_c + u_k + u_x)))
    body = _reorder(unknown, order)
    unknown_tracers = [trace.instantiate_const(t) if u else None for t, u in zip(tracers, in_uk)]
    u_consts = [t for t, u in zip(unknown_tracers[:nc], in_uk[:nc]) if u]
    u_carry = [t for t, u in zip(unknown_tracers[nc:nc + nk], in_uk[nc:nc + nk]) if u]
    u_xs = [t for t, u in zip(unknown_tracers[nc + nk:], in_uk[nc + nk:]) if u]
    avals_out = _scan_abstract_eval(*[b.aval for b in u_consts + u_carry],
                                    *[get_aval(r) for r in residuals], *[t.aval for t in u_xs],
                                    jaxpr=body, num_consts=u_c, num_carry=u_k, length=length,
                                    reverse=reverse)
    staged = trace.stage(scan_p, u_consts + u_carry + [trace.pure(r) for r in residuals] + u_xs,
                         dict(jaxpr=body, num_consts=u_c, num_carry=u_k, length=length,
                              reverse=reverse), avals_out)
    known_it, staged_it = iter(known_outs), iter(staged)
    return [next(staged_it) if u else next(known_it) for u in out_uk]


pe.partial_eval_rules[scan_p] = _scan_partial_eval


def _scan_transpose(cts, *args, jaxpr, num_consts, num_carry, length, reverse):
    nc, nk = num_consts, num_carry
    undefined = [ad.is_undefined(a) for a in args]
    # A carry known at transposition time is still a tangent (e.g. instantiated zeros): the
    # scan is linear in it, so it is transposed like the others and its cotangent dropped.
    c_undef, x_undef = undefined[:nc], undefined[nc + nk:]
    res_consts = [a for a, u in zip(args[:nc], c_undef) if not u]
    res_xs = [a for a, u in zip(args[nc + nk:], x_undef) if not u]
    lin_const_avals = [a.aval for a, u in zip(args[:nc], c_undef) if u]
    carry_avals = jaxpr.out_avals[:nk]
    y_avals = jaxpr.out_avals[nk:]
    x_avals = jaxpr.in_avals[nc + nk:]
    n_rc, n_lc, n_rx = len(res_consts), len(lin_const_avals), len(res_xs)

    def body_t(*a):
        rc, acc = a[:n_rc], a[n_rc:n_rc + n_lc]
        ct_carry = a[n_rc + n_lc:n_rc + n_lc + nk]
        rx, ct_y = a[n_rc + n_lc + nk:n_rc + n_lc + nk + n_rx], a[n_rc + n_lc + nk + n_rx:]
        rc_it, rx_it = iter(rc), iter(rx)
        full = ([ad.UndefPrimal(av) if u else next(rc_it)
                 for av, u in zip(jaxpr.in_avals[:nc], c_undef)]
                + [ad.UndefPrimal(av) for av in jaxpr.in_avals[nc:nc + nk]]
                + [ad.UndefPrimal(av) if u else next(rx_it) for av, u in zip(x_avals, x_undef)])
        cts_in = ad.backward_pass(jaxpr, [], full, list(ct_carry) + list(ct_y))
        cts_in = [ad.instantiate(c, av) for c, av in zip(cts_in, jaxpr.in_avals)]
        ct_consts = [c for c, u in zip(cts_in[:nc], c_undef) if u]
        new_acc = [P.add_p.bind(x, y) for x, y in zip(acc, ct_consts)]
        ct_xs = [c for c, u in zip(cts_in[nc + nk:], x_undef) if u]
        return new_acc + list(cts_in[nc:nc + nk]) + ct_xs

    rc_avals = [get_aval(r) for r in res_consts]
    rx_avals = [get_aval(r).update(shape=get_aval(r).shape[1:]) for r in res_xs]
    body, bconsts = pe.trace_to_subjaxpr(
        body_t, rc_avals + lin_const_avals + carry_avals + rx_avals + y_avals)
    ct_carry = [ad.instantiate(c, a) for c, a in zip(cts[:nk], carry_avals)]
    ct_ys = [ad.instantiate(c, a.update(shape=(length,) + a.shape))
             for c, a in zip(cts[nk:], y_avals)]
    acc0 = [ad.zeros(a) for a in lin_const_avals]
    outs = scan_p.bind(*bconsts, *res_consts, *acc0, *ct_carry, *res_xs, *ct_ys, jaxpr=body,
                       num_consts=len(bconsts) + n_rc, num_carry=n_lc + nk, length=length,
                       reverse=not reverse)
    acc_it = iter(outs[:n_lc])
    ct_init = outs[n_lc:n_lc + nk]
    xs_it = iter(outs[n_lc + nk:])
    return ([next(acc_it) if u else None for u in c_undef]
            + [c if u else None for c, u in zip(ct_init, undefined[nc:nc + nk])]
            + [next(xs_it) if u else None for u in x_undef])


ad.transpose_rules[scan_p] = _scan_transpose


def _scan_batch(axis_size, vals, bdims, *, jaxpr, num_consts, num_carry, length, reverse):
    nc, nk = num_consts, num_carry
    consts_b = [b is not None for b in bdims[:nc]]
    xs_b = [b is not None for b in bdims[nc + nk:]]
    carry_b = batching.batched_carry(jaxpr, axis_size, consts_b,
                                     [b is not None for b in bdims[nc:nc + nk]], xs_b)
    consts = [batching.moveaxis(v, b, 0, axis_size) if b is not None else v
              for v, b in zip(vals[:nc], bdims[:nc])]
    carry = [batching.moveaxis(v, b, 0, axis_size) if cb else v
             for v, b, cb in zip(vals[nc:nc + nk], bdims[nc:nc + nk], carry_b)]
    xs = [batching.moveaxis(v, b, 1, axis_size) if b is not None else v
          for v, b in zip(vals[nc + nk:], bdims[nc + nk:])]
    n_ys = len(jaxpr.outvars) - nk
    body, bconsts = batching.batch_jaxpr(jaxpr, axis_size, consts_b + carry_b + xs_b,
                                         carry_b + [True] * n_ys)
    outs = scan_p.bind(*bconsts, *consts, *carry, *xs, jaxpr=body,
                       num_consts=len(bconsts) + nc, num_carry=nk, length=length, reverse=reverse)
    return outs, [0 if cb else None for cb in carry_b] + [1] * n_ys


batching.batching_rules[scan_p] = _scan_batch
