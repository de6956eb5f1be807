"""checkpoint (remat): a primitive holding its body, saving only what a policy allows.

Under linearize, the body is split by partial_eval_jaxpr_custom: values the policy does not
save are recomputed from the checkpoint's inputs when the backward pass transposes it.
The policies are in checkpoint_policies.py (save_within_budget's choice in remat_budget.py);
checkpoint_name's `name` primitive gets its JVP and batching rules here.
"""
from __future__ import annotations

from ..core.checkpoint_name import name_p
from ..core.ir import Eqn, Jaxpr, Var, eval_jaxpr
from ..core.lists import partition_list, split_list
from ..core.primitives import Primitive, abstract_eval_rules, impl_rules
from . import ad, batching
from . import call_rules as calls
from . import partial_eval as pe
from .checkpoint_policies import checkpoint_policies as checkpoint_policies

checkpoint_p = Primitive("checkpoint", multiple_results=True, kind="call", call_body="jaxpr",
                         linear=True)


def _abstract_eval(*avals, jaxpr: Jaxpr, policy):
    if list(avals) != jaxpr.in_avals:
        raise TypeError("checkpoint operands do not match its body's inputs")
    return jaxpr.out_avals


abstract_eval_rules[checkpoint_p] = _abstract_eval
impl_rules[checkpoint_p] = lambda *args, jaxpr, policy: eval_jaxpr(jaxpr, [], args)


def _bind(policy):
    return lambda kind, body, args: checkpoint_p.bind(*args, jaxpr=body, policy=policy)


def _jvp(primals, tangents, *, jaxpr, policy):
    return calls.call_jvp(_bind(policy), jaxpr, primals, tangents)


ad.jvp_rules[checkpoint_p] = _jvp


def _saveable(policy):
    if policy is None:
        return lambda eqn: False
    if hasattr(policy, "select"):  # chooses among all candidates (save_within_budget)
        return policy
    return lambda eqn: policy(eqn.primitive, *[x.aval for x in eqn.inputs], **eqn.params)


def _partial_eval(trace, tracers, *, jaxpr, policy):
    in_unknowns = [not t.pval.is_known for t in tracers]
    known, staged, out_unknowns, num_res = pe.partial_eval_jaxpr_custom(
        jaxpr, in_unknowns, _saveable(policy))
    # The known half is the forward pass: it runs now, inline, not as a checkpoint.
    known_outs = eval_jaxpr(known, [], calls.known_values(tracers))
    return calls.stage_unknown(trace, checkpoint_p, tracers, known_outs, num_res, out_unknowns,
                               dict(jaxpr=staged, policy=policy))


pe.partial_eval_rules[checkpoint_p] = _partial_eval


def _partial_eval_jaxpr_custom(eqn: Eqn, in_unknowns, saveable):
    # A checkpoint nested in a checkpoint's body: split it by its own policy so that its
    # known (primal) outputs stay known; the enclosing policy then decides, through
    # saveable(known_eqn), whether its residuals are saved or the known part is recomputed.
    jaxpr, policy = eqn.params["jaxpr"], eqn.params["policy"]
    known, staged, out_unknowns, num_res = pe.partial_eval_jaxpr_custom(
        jaxpr, in_unknowns, _saveable(policy))
    residuals = [Var(a) for a in split_list(known.out_avals, [len(known.outvars) - num_res])[1]]
    known_in, unknown_in = partition_list(in_unknowns, eqn.inputs)
    known_out, unknown_out = partition_list(out_unknowns, eqn.outputs)
    known_eqn = Eqn(checkpoint_p, known_in, known_out + residuals,
                    dict(jaxpr=known, policy=policy), eqn.source_info)
    staged_eqn = Eqn(checkpoint_p, residuals + unknown_in, unknown_out,
                     dict(jaxpr=staged, policy=policy), eqn.source_info)
    return known_eqn, staged_eqn, out_unknowns


pe.partial_eval_jaxpr_custom_rules[checkpoint_p] = _partial_eval_jaxpr_custom


def _transpose(cts, *args, jaxpr, policy):
    return ad.backward_pass(jaxpr, [], list(args), cts)


ad.transpose_rules[checkpoint_p] = _transpose


def _batch(axis_size, vals, bdims, *, jaxpr, policy):
    return calls.call_batch(_bind(policy), jaxpr, axis_size, vals, bdims)


batching.batching_rules[checkpoint_p] = _batch


# name (checkpoint_name): the identity, whose tangent is not named (as in JAX) and whose
# batch dimension stays where it is.
ad.jvp_rules[name_p] = lambda primals, tangents, *, name="": (
    [name_p.bind(primals[0], name=name)], [tangents[0]])
batching.batching_rules[name_p] = lambda axis_size, vals, bdims, *, name="": (
    [name_p.bind(vals[0], name=name)], [bdims[0]])
