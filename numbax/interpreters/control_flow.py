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
from ..core.avals import ShapedArray, is_inexact
from ..core.ir import Jaxpr, Var, eval_jaxpr
from ..core.lists import merge_lists, partition_list, regroup, split_list
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


def _regroup(jaxpr: Jaxpr, inputs=None, outputs=None) -> Jaxpr:
    """The same Jaxpr with its inputs (outputs) cut into groups and joined in another order:
    inputs=(sizes, order) as core.lists.regroup takes them."""
    invars = regroup(jaxpr.invars, *inputs) if inputs else jaxpr.invars
    outvars = regroup(jaxpr.outvars, *outputs) if outputs else jaxpr.outvars
    return Jaxpr([], invars, jaxpr.eqns, outvars)


def _with_unused_inputs(jaxpr: Jaxpr, avals: list) -> Jaxpr:
    return Jaxpr([], jaxpr.invars + [Var(a) for a in avals], jaxpr.eqns, jaxpr.outvars)


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
    (index, *args), (_, *arg_tangents) = primals, tangents
    nonzeros, arg_tangents = ad.nonzero_tangents(arg_tangents)
    jvps, consts = join_branch_consts([ad.jvp_jaxpr(b, nonzeros) for b in branches])
    outs = cond_p.bind(index, *consts, *args, *arg_tangents, branches=tuple(jvps))
    primals_out, tangents_out = split_list(outs, [len(branches[0].outvars)])
    return primals_out, tangents_out


ad.jvp_rules[cond_p] = _cond_jvp


def _cond_partial_eval(trace, tracers, *, branches):
    index, *args = tracers
    if not index.pval.is_known:
        return trace.stage(cond_p, tracers, dict(branches=branches), branches[0].out_avals)
    in_uk = [not t.pval.is_known for t in args]
    splits = [pe.partial_eval_jaxpr(b, in_uk) for b in branches]
    out_uk = [any(flags) for flags in zip(*(s[3] for s in splits))]
    splits = [pe.partial_eval_jaxpr(b, in_uk, out_uk) for b in branches]
    # Every branch returns the residuals of all branches, zeros for the others', so that the
    # branches keep one type; the unknown half then reads its own branch's residuals.
    res_avals = [split_list(known.out_avals, [len(known.outvars) - num_res])[1]
                 for known, _, _, _, num_res in splits]
    known_in, unknown_in = partition_list(in_uk, args)

    def known_branch(i):
        known, kconsts, _, _, num_res = splits[i]

        def fun(*xs):
            outs, res = split_list(eval_jaxpr(known, [], [*kconsts, *xs]),
                                   [len(known.outvars) - num_res])
            every = [res if j == i else [ad.zeros(a) for a in avals]
                     for j, avals in enumerate(res_avals)]
            return outs + [r for rs in every for r in rs]

        return pe.trace_to_subjaxpr(fun, [t.aval for t in known_in])

    def unknown_branch(i):
        def fun(*xs):
            *res, rest = split_list(xs, [len(avals) for avals in res_avals])
            return eval_jaxpr(splits[i][2], [], [*res[i], *rest])

        all_res = [a for avals in res_avals for a in avals]
        return pe.trace_to_subjaxpr(fun, all_res + [t.aval for t in unknown_in])

    known_branches, kconsts = join_branch_consts([known_branch(i) for i in range(len(splits))])
    known_outs = cond_p.bind(index.pval.const, *kconsts, *[t.pval.const for t in known_in],
                             branches=tuple(known_branches))
    known_outs, residuals = split_list(known_outs, [len(out_uk) - sum(out_uk)])
    unknown_branches, uconsts = join_branch_consts([unknown_branch(i) for i in range(len(splits))])
    staged = trace.stage(
        cond_p, [trace.pure(x) for x in [index.pval.const, *uconsts, *residuals]] + unknown_in,
        dict(branches=tuple(unknown_branches)), unknown_branches[0].out_avals)
    return merge_lists(out_uk, known_outs, staged)


pe.partial_eval_rules[cond_p] = _cond_partial_eval


def _cond_transpose(cts, index, *args, branches):
    undefined = [ad.is_undefined(a) for a in args]
    transposed, consts = join_branch_consts([ad.transpose_jaxpr(b, undefined) for b in branches])
    cts = [ad.instantiate(c, a) for c, a in zip(cts, branches[0].out_avals)]
    defined, _ = partition_list(undefined, args)
    ct_args = cond_p.bind(index, *consts, *defined, *cts, branches=tuple(transposed))
    return [None] + ad.cotangents_of_undefined(undefined, ct_args)


ad.transpose_rules[cond_p] = _cond_transpose


def _cond_batch(axis_size, vals, bdims, *, branches):
    (index, *args), (index_dim, *arg_dims) = vals, bdims
    if index_dim is None:
        batched = [b is not None for b in arg_dims]
        new, consts = join_branch_consts([batching.batch_jaxpr(b, axis_size, batched)
                                          for b in branches])
        outs = cond_p.bind(index, *consts, *batching.at_front(axis_size, args, arg_dims, batched),
                           branches=tuple(new))
        return outs, [0] * len(outs)
    # A batched index runs every branch and selects per member.
    index = batching.moveaxis(index, index_dim, 0, axis_size)
    results = [batching.vmap_flat(lambda *xs, b=b: eval_jaxpr(b, [], xs), axis_size, args,
                                  arg_dims) for b in branches]
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
    carry = split_list(avals, [cond_nconsts + body_nconsts])[1]
    if body_jaxpr.out_avals != carry or cond_jaxpr.out_avals != [ShapedArray((), np.dtype(bool))]:
        raise TypeError("while_loop body must return the carry type and cond a bool scalar")
    return carry


def _while_impl(*args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, run=_interpreted):
    cond_consts, body_consts, carry = split_list(args, [cond_nconsts, body_nconsts])
    cond_fn, body_fn = run(cond_jaxpr), run(body_jaxpr)
    while cond_fn(*cond_consts, *carry)[0]:
        carry = body_fn(*body_consts, *carry)
    return carry


abstract_eval_rules[while_p] = _while_abstract_eval
impl_rules[while_p] = _while_impl


def _while_jvp(primals, tangents, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    cond_consts, body_consts, carry = split_list(primals, [cond_nconsts, body_nconsts])
    _, body_consts_dot, carry_dot = split_list(tangents, [cond_nconsts, body_nconsts])
    carry_avals = body_jaxpr.out_avals
    # Every floating-point carry gets a tangent: no fixed point over which ones stay zero.
    nz_carry = [is_inexact(a.dtype) for a in carry_avals]
    nz_consts, body_consts_dot = ad.nonzero_tangents(body_consts_dot)
    carry_dot = [ad.instantiate(t, a) for t, a, z in zip(carry_dot, carry_avals, nz_carry) if z]
    body, jconsts = ad.jvp_jaxpr(body_jaxpr, nz_consts + nz_carry, nz_carry)
    # The JVP body takes (jconsts, consts, carry, their tangents); the loop wants every const
    # (and const tangent) ahead of the carries.
    body = _regroup(body, inputs=([len(jconsts), len(body_consts), len(carry),
                                   len(body_consts_dot)], [0, 1, 3, 2, 4]))
    cond = _with_unused_inputs(cond_jaxpr, partition_list(nz_carry, carry_avals)[1])
    outs = while_p.bind(*cond_consts, *jconsts, *body_consts, *body_consts_dot, *carry,
                        *carry_dot, cond_jaxpr=cond, body_jaxpr=body, cond_nconsts=cond_nconsts,
                        body_nconsts=len(jconsts) + len(body_consts) + len(body_consts_dot))
    carry_out, carry_dot_out = split_list(outs, [len(carry)])
    return carry_out, ad.with_zeros(nz_carry, carry_avals, carry_dot_out)


ad.jvp_rules[while_p] = _while_jvp


def _while_partial_eval(trace, tracers, **params):
    raise TypeError(
        "Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with a "
        "dynamic trip count. Use lax.scan, or lax.fori_loop with static (Python int) bounds, "
        "which runs as a scan.")


pe.partial_eval_rules[while_p] = _while_partial_eval


def _while_batch(axis_size, vals, bdims, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    sizes = [cond_nconsts, body_nconsts]
    cond_consts, body_consts, carry = split_list(vals, sizes)
    cond_dims, body_dims, carry_dims = split_list(bdims, sizes)
    cond_b, body_b, carry_b = split_list([b is not None for b in bdims], sizes)
    carry_b = batching.batched_carry(body_jaxpr, axis_size, body_b, carry_b)
    if not batching.batched_outputs(cond_jaxpr, axis_size, cond_b + carry_b)[0]:
        # Every member runs the same number of iterations: one loop over the batch, and the
        # carries the body does not batch stay unbatched.
        cond, cconsts = batching.batch_jaxpr(cond_jaxpr, axis_size, cond_b + carry_b, [False])
        body, bconsts = batching.batch_jaxpr(body_jaxpr, axis_size, body_b + carry_b, carry_b)
        outs = while_p.bind(*cconsts, *batching.at_front(axis_size, cond_consts, cond_dims, cond_b),
                            *bconsts, *batching.at_front(axis_size, body_consts, body_dims, body_b),
                            *batching.at_front(axis_size, carry, carry_dims, carry_b),
                            cond_jaxpr=cond, body_jaxpr=body,
                            cond_nconsts=len(cconsts) + cond_nconsts,
                            body_nconsts=len(bconsts) + body_nconsts)
        return outs, [0 if f else None for f in carry_b]
    carry = batching.at_front(axis_size, carry, carry_dims)

    def preds(cond_consts, carry):
        return batching.vmap_flat(lambda *a: eval_jaxpr(cond_jaxpr, [], a), axis_size,
                                  [*cond_consts, *carry], cond_dims + [0] * len(carry))[0]

    def cond_fn(*args):
        return [P.reduce_max_p.bind(preds(*split_list(args, [cond_nconsts])), axes=(0,))]

    def body_fn(*args):
        cond_consts, body_consts, carry = split_list(args, sizes)
        # Members whose predicate is already false keep their carry unchanged.
        running = preds(cond_consts, carry)
        new = batching.vmap_flat(lambda *a: eval_jaxpr(body_jaxpr, [], a), axis_size,
                                 [*body_consts, *carry], body_dims + [0] * len(carry))
        return [P.select_p.bind(P.broadcast_in_dim_p.bind(
            running, shape=get_aval(n).shape, broadcast_dimensions=(0,)), n, x)
            for n, x in zip(new, carry)]

    cond_avals, body_avals, carry_avals = (
        [get_aval(v) for v in group] for group in (cond_consts, body_consts, carry))
    cond, cconsts = pe.trace_to_subjaxpr(cond_fn, cond_avals + carry_avals)
    body, bconsts = pe.trace_to_subjaxpr(body_fn, cond_avals + body_avals + carry_avals)
    outs = while_p.bind(*cconsts, *cond_consts, *bconsts, *cond_consts, *body_consts, *carry,
                        cond_jaxpr=cond, body_jaxpr=body,
                        cond_nconsts=len(cconsts) + cond_nconsts,
                        body_nconsts=len(bconsts) + cond_nconsts + body_nconsts)
    return outs, [0] * len(outs)


batching.batching_rules[while_p] = _while_batch


# ---------------------------------------------------------------------------------------------
# scan: operands are (*consts, *carry, *xs); the body maps (consts, carry, x slices) to
# (carry, y slices); ys are stacked along a new leading axis.


def _scan_abstract_eval(*avals, jaxpr, num_consts, num_carry, length, reverse):
    consts, carry, xs = split_list(avals, [num_consts, num_carry])
    if any(x.shape[:1] != (length,) for x in xs):
        raise TypeError(f"scan inputs must have leading axis {length}")
    carry_out, ys = split_list(jaxpr.out_avals, [num_carry])
    if jaxpr.in_avals != consts + carry + [x.update(shape=x.shape[1:]) for x in xs] \
            or carry_out != carry:
        raise TypeError("scan body does not match its carry and inputs")
    return carry + [y.update(shape=(length,) + y.shape) for y in ys]


def _scan_impl(*args, jaxpr, num_consts, num_carry, length, reverse, run=_interpreted):
    consts, carry, xs = split_list(args, [num_consts, num_carry])
    body = run(jaxpr)
    ys = [np.empty((length,) + a.shape, a.dtype) for a in jaxpr.out_avals[num_carry:]]
    for i in (range(length - 1, -1, -1) if reverse else range(length)):
        carry, y_slices = split_list(body(*consts, *carry, *[x[i] for x in xs]), [num_carry])
        for y, v in zip(ys, y_slices):
            y[i] = v
    return carry + ys


abstract_eval_rules[scan_p] = _scan_abstract_eval
impl_rules[scan_p] = _scan_impl


def _scan_jvp(primals, tangents, *, jaxpr, num_consts, num_carry, length, reverse):
    sizes = [num_consts, num_carry]
    consts, init, xs = split_list(primals, sizes)
    consts_dot, init_dot, xs_dot = split_list(tangents, sizes)
    carry_avals, y_avals = split_list(jaxpr.out_avals, [num_carry])
    nz_consts, consts_dot = ad.nonzero_tangents(consts_dot)
    nz_xs, xs_dot = ad.nonzero_tangents(xs_dot)
    nz_carry = [is_inexact(a.dtype) for a in carry_avals]
    nz_ys = [is_inexact(a.dtype) for a in y_avals]
    init_dot = [ad.instantiate(t, a) for t, a, z in zip(init_dot, carry_avals, nz_carry) if z]
    body, jconsts = ad.jvp_jaxpr(jaxpr, nz_consts + nz_carry + nz_xs, nz_carry + nz_ys)
    # The JVP body takes (jconsts, consts, carry, xs, their tangents) and returns (carry, ys,
    # their tangents); scan wants each group next to its tangents.
    body = _regroup(body,
                    inputs=([len(jconsts), len(consts), len(init), len(xs), len(consts_dot),
                             len(init_dot)], [0, 1, 4, 2, 5, 3, 6]),
                    outputs=([len(carry_avals), len(y_avals), len(init_dot)], [0, 2, 1, 3]))
    outs = scan_p.bind(*jconsts, *consts, *consts_dot, *init, *init_dot, *xs, *xs_dot,
                       jaxpr=body, num_consts=len(jconsts) + len(consts) + len(consts_dot),
                       num_carry=len(init) + len(init_dot), length=length, reverse=reverse)
    carry, carry_dot, ys, ys_dot = split_list(outs, [len(init), len(init_dot), len(y_avals)])
    ys_avals = [get_aval(y) for y in ys]
    return carry + ys, (ad.with_zeros(nz_carry, carry_avals, carry_dot)
                        + ad.with_zeros(nz_ys, ys_avals, ys_dot))


ad.jvp_rules[scan_p] = _scan_jvp


def _scan_partial_eval(trace, tracers, *, jaxpr, num_consts, num_carry, length, reverse):
    sizes = [num_consts, num_carry]
    consts_uk, carry_uk, xs_uk = split_list([not t.pval.is_known for t in tracers], sizes)
    while True:  # a carry that becomes unknown in the body is unknown throughout
        out_uk = pe.partial_eval_jaxpr(jaxpr, consts_uk + carry_uk + xs_uk)[3]
        new = [a or b for a, b in zip(carry_uk, out_uk)]
        if new == carry_uk:
            break
        carry_uk = new
    in_uk = consts_uk + carry_uk + xs_uk
    n_ys = len(jaxpr.outvars) - num_carry
    known, kconsts, unknown, out_uk, num_res = pe.partial_eval_jaxpr(
        jaxpr, in_uk, carry_uk + [False] * n_ys)
    (k_consts, u_consts), (k_carry, u_carry), (k_xs, u_xs) = (
        partition_list(flags, group) for flags, group in
        zip((consts_uk, carry_uk, xs_uk), split_list(tracers, sizes)))
    known_outs = scan_p.bind(*kconsts, *[t.pval.const for t in k_consts + k_carry + k_xs],
                             jaxpr=known, num_consts=len(kconsts) + len(k_consts),
                             num_carry=len(k_carry), length=length, reverse=reverse)
    known_outs, residuals = split_list(known_outs, [len(known_outs) - num_res])
    # The residuals are stacked per iteration: the unknown scan reads them like its xs.
    body = _regroup(unknown, inputs=([num_res, len(u_consts), len(u_carry)], [1, 2, 0, 3]))
    u_consts, u_carry, u_xs = ([trace.instantiate_const(t) for t in group]
                               for group in (u_consts, u_carry, u_xs))
    operands = u_consts + u_carry + [trace.pure(r) for r in residuals] + u_xs
    params = dict(jaxpr=body, num_consts=len(u_consts), num_carry=len(u_carry), length=length,
                  reverse=reverse)
    staged = trace.stage(scan_p, operands, params,
                         _scan_abstract_eval(*[t.aval for t in operands], **params))
    return merge_lists(out_uk, known_outs, staged)


pe.partial_eval_rules[scan_p] = _scan_partial_eval


def _scan_transpose(cts, *args, jaxpr, num_consts, num_carry, length, reverse):
    sizes = [num_consts, num_carry]
    consts, _, xs = split_list(args, sizes)
    # A carry known at transposition time is still a tangent (e.g. instantiated zeros): the
    # scan is linear in it, so it is transposed like the others and its cotangent dropped.
    consts_undef, carry_undef, xs_undef = split_list([ad.is_undefined(a) for a in args], sizes)
    res_consts, lin_consts = partition_list(consts_undef, consts)
    res_xs, _ = partition_list(xs_undef, xs)
    const_avals, carry_avals, x_avals = split_list(jaxpr.in_avals, sizes)
    lin_const_avals = partition_list(consts_undef, const_avals)[1]
    y_avals = jaxpr.out_avals[num_carry:]

    def body_t(*a):
        rc, acc, ct_carry, rx, ct_y = split_list(
            a, [len(res_consts), len(lin_consts), num_carry, len(res_xs)])
        full = (merge_lists(consts_undef, rc, [ad.UndefPrimal(av) for av in lin_const_avals])
                + [ad.UndefPrimal(av) for av in carry_avals]
                + merge_lists(xs_undef, rx, [ad.UndefPrimal(av) for av, u in
                                             zip(x_avals, xs_undef) if u]))
        cts_in = ad.backward_pass(jaxpr, [], full, ct_carry + ct_y)
        cts_in = [ad.instantiate(c, av) for c, av in zip(cts_in, jaxpr.in_avals)]
        ct_consts, ct_carry_in, ct_xs = split_list(cts_in, sizes)
        ct_consts = partition_list(consts_undef, ct_consts)[1]
        return ([P.add_p.bind(x, y) for x, y in zip(acc, ct_consts)] + ct_carry_in
                + partition_list(xs_undef, ct_xs)[1])

    rx_avals = [get_aval(r).update(shape=get_aval(r).shape[1:]) for r in res_xs]
    body, bconsts = pe.trace_to_subjaxpr(
        body_t, [get_aval(r) for r in res_consts] + lin_const_avals + carry_avals + rx_avals
        + y_avals)
    ct_carry, ct_ys = split_list(cts, [num_carry])
    ct_carry = [ad.instantiate(c, a) for c, a in zip(ct_carry, carry_avals)]
    ct_ys = [ad.instantiate(c, a.update(shape=(length,) + a.shape)) for c, a in zip(ct_ys, y_avals)]
    acc0 = [ad.zeros(a) for a in lin_const_avals]
    outs = scan_p.bind(*bconsts, *res_consts, *acc0, *ct_carry, *res_xs, *ct_ys, jaxpr=body,
                       num_consts=len(bconsts) + len(res_consts),
                       num_carry=len(lin_consts) + num_carry, length=length, reverse=not reverse)
    ct_consts, ct_init, ct_xs = split_list(outs, [len(lin_consts), num_carry])
    return (ad.cotangents_of_undefined(consts_undef, ct_consts)
            + [c if u else None for c, u in zip(ct_init, carry_undef)]
            + ad.cotangents_of_undefined(xs_undef, ct_xs))


ad.transpose_rules[scan_p] = _scan_transpose


def _scan_batch(axis_size, vals, bdims, *, jaxpr, num_consts, num_carry, length, reverse):
    sizes = [num_consts, num_carry]
    consts, init, xs = split_list(vals, sizes)
    consts_dims, init_dims, xs_dims = split_list(bdims, sizes)
    consts_b, init_b, xs_b = split_list([b is not None for b in bdims], sizes)
    carry_b = batching.batched_carry(jaxpr, axis_size, consts_b, init_b, xs_b)
    # xs are batched at axis 1: axis 0 is the one scan walks.
    xs = [batching.moveaxis(v, b, 1, axis_size) if b is not None else v
          for v, b in zip(xs, xs_dims)]
    n_ys = len(jaxpr.outvars) - num_carry
    body, bconsts = batching.batch_jaxpr(jaxpr, axis_size, consts_b + carry_b + xs_b,
                                         carry_b + [True] * n_ys)
    outs = scan_p.bind(*bconsts, *batching.at_front(axis_size, consts, consts_dims, consts_b),
                       *batching.at_front(axis_size, init, init_dims, carry_b), *xs, jaxpr=body,
                       num_consts=len(bconsts) + num_consts, num_carry=num_carry, length=length,
                       reverse=reverse)
    return outs, [0 if f else None for f in carry_b] + [1] * n_ys


batching.batching_rules[scan_p] = _scan_batch
