"""custom_jvp and custom_vjp: functions whose derivative rule the user supplies.

Each call traces the function body once into a Jaxpr and binds a primitive holding it with
the user's rule; transformations that do not differentiate simply run the body.
"""
from __future__ import annotations

from collections.abc import Callable

from .core.ir import eval_jaxpr
from .core.lists import merge_lists, partition_list
from .core.primitives import Primitive, abstract_eval_rules, impl_rules
from .core.trace import get_aval
from .interpreters import ad, batching
from .interpreters.partial_eval import trace_to_subjaxpr
from .tree_util import tree_flatten, tree_unflatten


def _call_abstract_eval(*avals, call_jaxpr, **params):
    return call_jaxpr.out_avals


def _call_impl(*args, call_jaxpr, **params):
    return eval_jaxpr(call_jaxpr, [], args)


custom_jvp_call_p = Primitive("custom_jvp_call", multiple_results=True, kind="call",
                              call_body="call_jaxpr")
custom_vjp_call_p = Primitive("custom_vjp_call", multiple_results=True, kind="call",
                              call_body="call_jaxpr")
for _p in (custom_jvp_call_p, custom_vjp_call_p):
    abstract_eval_rules[_p] = _call_abstract_eval
    impl_rules[_p] = _call_impl


def _check_no_closure_tangents(tangents, num_consts: int, kind: str) -> None:
    if any(type(t) is not ad.Zero for t in tangents[:num_consts]):
        raise TypeError(
            f"a {kind} function was differentiated with respect to a value it closes over; its "
            "rule only covers explicit arguments: pass that value as an argument instead")


def _check_rule_outputs(kind: str, what: str, got, expected_avals) -> None:
    for i, (g, a) in enumerate(zip(got, expected_avals)):
        ga = get_aval(g, f"{kind} rule output")
        if ga.shape != a.shape or ga.dtype != a.dtype:
            raise TypeError(f"{kind} rule returned {what} {i} of type {ga.str_short()}, expected "
                            f"{a.str_short()} (matching the primal output)")


def _is_nondiff(n: int, nondiff_argnums) -> list[bool]:
    return [i in nondiff_argnums for i in range(n)]


def _split_args(args, nondiff_argnums):
    dyn, nondiff = partition_list(_is_nondiff(len(args), nondiff_argnums), args)
    return tuple(nondiff), tuple(dyn)


def _merge_args(nondiff, dyn, nondiff_argnums):
    return merge_lists(_is_nondiff(len(nondiff) + len(dyn), nondiff_argnums), dyn, nondiff)


def _trace_body(fun, nondiff, dyn, nondiff_argnums):
    leaves, in_tree = tree_flatten(dyn)
    out_tree_box = []

    def flat_fun(*xs):
        out = fun(*_merge_args(nondiff, tree_unflatten(in_tree, xs), nondiff_argnums))
        out_leaves, out_tree = tree_flatten(out)
        out_tree_box.append(out_tree)
        return out_leaves

    avals = [get_aval(x, "custom derivative function: argument") for x in leaves]
    jaxpr, consts = trace_to_subjaxpr(flat_fun, avals,
                                      f"custom derivative of {getattr(fun, '__name__', 'f')}")
    return leaves, in_tree, jaxpr, consts, out_tree_box[0]


class custom_jvp:  # noqa: N801 (JAX's name)
    """A function with a user-defined JVP rule.

    >>> import numbax as nb, numbax.numpy as xnp
    >>> @nb.custom_jvp
    ... def f(x):
    ...     return xnp.sin(x)
    >>> @f.defjvp
    ... def f_jvp(primals, tangents):
    ...     (x,), (t,) = primals, tangents
    ...     return f(x), 2.0 * t
    >>> nb.grad(f)(0.0)
    array(2.)
    """

    def __init__(self, fun: Callable, nondiff_argnums: tuple[int, ...] = ()):
        self.fun, self.nondiff_argnums, self.jvp = fun, tuple(nondiff_argnums), None
        self.__name__ = getattr(fun, "__name__", "custom_jvp")
        self.__doc__ = getattr(fun, "__doc__", None)

    def defjvp(self, jvp: Callable) -> Callable:
        """Set the rule jvp(*nondiff_args, primals, tangents) -> (primals_out, tangents_out)."""
        self.jvp = jvp
        return jvp

    def __call__(self, *args):
        if self.jvp is None:
            raise AttributeError(f"custom_jvp function {self.__name__} has no rule: call defjvp")
        nondiff, dyn = _split_args(args, self.nondiff_argnums)
        leaves, in_tree, jaxpr, consts, out_tree = _trace_body(self.fun, nondiff, dyn,
                                                               self.nondiff_argnums)
        n_consts = len(consts)

        def jvp_rule(primals, tangents):
            _check_no_closure_tangents(tangents, n_consts, "custom_jvp")
            p = tree_unflatten(in_tree, primals[n_consts:])
            t = tree_unflatten(in_tree, [ad.instantiate(x) for x in tangents[n_consts:]])
            p_out, t_out = self.jvp(*nondiff, tuple(p), tuple(t))
            p_leaves, p_tree = tree_flatten(p_out)
            t_leaves, t_tree = tree_flatten(t_out)
            if p_tree != out_tree or t_tree != out_tree:
                raise TypeError(f"custom_jvp rule of {self.__name__} must return (primals_out, "
                                f"tangents_out) with the output structure {out_tree}, got "
                                f"{p_tree} and {t_tree}")
            _check_rule_outputs("custom_jvp", "primal output", p_leaves, jaxpr.out_avals)
            _check_rule_outputs("custom_jvp", "tangent", t_leaves, jaxpr.out_avals)
            return p_leaves, t_leaves

        outs = custom_jvp_call_p.bind(*consts, *leaves, call_jaxpr=jaxpr, jvp=jvp_rule)
        return tree_unflatten(out_tree, outs)


def _custom_jvp_call_jvp(primals, tangents, *, call_jaxpr, jvp):
    return jvp(primals, tangents)


ad.jvp_rules[custom_jvp_call_p] = _custom_jvp_call_jvp


class custom_vjp:  # noqa: N801 (JAX's name)
    """A function with a user-defined VJP: fwd(*args) -> (out, residuals), bwd(res, g) -> cts.

    >>> import numbax as nb, numbax.numpy as xnp
    >>> @nb.custom_vjp
    ... def f(x):
    ...     return xnp.sin(x)
    >>> f.defvjp(lambda x: (f(x), xnp.cos(x)), lambda cos_x, g: (3.0 * g,))
    >>> nb.grad(f)(0.0)
    array(3.)
    """

    def __init__(self, fun: Callable, nondiff_argnums: tuple[int, ...] = ()):
        self.fun, self.nondiff_argnums = fun, tuple(nondiff_argnums)
        self.fwd = self.bwd = None
        self.__name__ = getattr(fun, "__name__", "custom_vjp")
        self.__doc__ = getattr(fun, "__doc__", None)

    def defvjp(self, fwd: Callable, bwd: Callable) -> None:
        """fwd(*args) -> (out, residuals); bwd(*nondiff_args, residuals, g) -> tuple of cts."""
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args):
        if self.fwd is None:
            raise AttributeError(f"custom_vjp function {self.__name__} has no rule: call defvjp")
        nondiff, dyn = _split_args(args, self.nondiff_argnums)
        leaves, in_tree, jaxpr, consts, out_tree = _trace_body(self.fun, nondiff, dyn,
                                                               self.nondiff_argnums)
        n_consts, name = len(consts), self.__name__
        in_avals = jaxpr.in_avals[n_consts:]

        def fwd(primals):
            out, res = self.fwd(*_merge_args(nondiff, tree_unflatten(in_tree, primals),
                                             self.nondiff_argnums))
            out_leaves, o_tree = tree_flatten(out)
            if o_tree != out_tree:
                raise TypeError(f"custom_vjp fwd of {name} must return (out, residuals) with out "
                                f"of structure {out_tree}, got {o_tree}")
            _check_rule_outputs("custom_vjp fwd", "output", out_leaves, jaxpr.out_avals)
            res_leaves, res_tree = tree_flatten(res)
            return out_leaves, res_leaves, res_tree

        def bwd(res_tree, res_leaves, cts):
            ct_in = self.bwd(*nondiff, tree_unflatten(res_tree, res_leaves),
                             tree_unflatten(out_tree, cts))
            if not isinstance(ct_in, tuple | list) or len(ct_in) != len(dyn):
                raise TypeError(f"custom_vjp bwd of {name} must return a tuple with one cotangent "
                                f"per differentiable argument ({len(dyn)}), got {ct_in!r:.80}")
            ct_leaves, ct_tree = tree_flatten(tuple(ct_in))
            if ct_tree != in_tree:
                raise TypeError(f"custom_vjp bwd of {name} returned cotangents of structure "
                                f"{ct_tree}, expected {in_tree}")
            _check_rule_outputs("custom_vjp bwd", "cotangent", ct_leaves, in_avals)
            return ct_leaves

        outs = custom_vjp_call_p.bind(*consts, *leaves, call_jaxpr=jaxpr, fwd=fwd, bwd=bwd,
                                      num_consts=n_consts)
        return tree_unflatten(out_tree, outs)


custom_lin_p = Primitive("custom_lin", multiple_results=True, linear=True)
abstract_eval_rules[custom_lin_p] = lambda *avals, num_res, bwd, res_tree, out_avals: out_avals


def _custom_lin_impl(*args, num_res, bwd, res_tree, out_avals):
    raise TypeError("can't apply forward-mode differentiation (jvp) to a custom_vjp function; "
                    "use grad/vjp, or define the function with custom_jvp instead")


impl_rules[custom_lin_p] = _custom_lin_impl


def _custom_lin_forward(*args, **params):
    # custom_lin is bound with concrete tangents only in forward mode (jvp, or jacfwd's vmap of
    # a jvp, including grad taken of a jvp): the same error as evaluating it.
    _custom_lin_impl(**params)


ad.jvp_rules[custom_lin_p] = _custom_lin_forward
batching.batching_rules[custom_lin_p] = _custom_lin_forward


def _custom_lin_transpose(cts, *args, num_res, bwd, res_tree, out_avals):
    res = list(args[:num_res])
    cts = [ad.instantiate(c, a) for c, a in zip(cts, out_avals)]
    return [None] * num_res + bwd(res_tree, res, cts)


ad.transpose_rules[custom_lin_p] = _custom_lin_transpose


def _custom_vjp_call_jvp(primals, tangents, *, call_jaxpr, fwd, bwd, num_consts):
    _check_no_closure_tangents(tangents, num_consts, "custom_vjp")
    outs, res, res_tree = fwd(primals[num_consts:])
    lin_tangents = [ad.instantiate(t, a) for t, a in
                    zip(tangents[num_consts:], call_jaxpr.in_avals[num_consts:])]
    t_out = custom_lin_p.bind(*res, *lin_tangents, num_res=len(res), bwd=bwd, res_tree=res_tree,
                              out_avals=call_jaxpr.out_avals)
    return outs, t_out


ad.jvp_rules[custom_vjp_call_p] = _custom_vjp_call_jvp


def _custom_jvp_call_batch(axis_size, vals, bdims, *, call_jaxpr, jvp):
    args = batching.at_front(axis_size, vals, bdims)
    body, consts = batching.batch_jaxpr(call_jaxpr, axis_size, [True] * len(args))
    n_out = len(call_jaxpr.outvars)

    def batched_jvp(primals, tangents):
        nonzero = [type(t) is not ad.Zero for t in tangents]
        in_avals = call_jaxpr.in_avals

        def f(*xs):
            it = iter(xs[len(primals):])
            ts = [next(it) if nz else ad.Zero(a) for nz, a in zip(nonzero, in_avals)]
            p, t = jvp(list(xs[:len(primals)]), ts)
            return list(p) + list(t)

        outs = batching.vmap_flat(f, axis_size, list(primals) + [t for t in tangents
                                                                  if type(t) is not ad.Zero],
                                  [0] * (len(primals) + sum(nonzero)))
        return outs[:n_out], outs[n_out:]

    outs = custom_jvp_call_p.bind(*consts, *args, call_jaxpr=body, jvp=batched_jvp)
    return outs, [0] * len(outs)


batching.batching_rules[custom_jvp_call_p] = _custom_jvp_call_batch


def _custom_vjp_call_batch(axis_size, vals, bdims, *, call_jaxpr, fwd, bwd, num_consts):
    args = batching.at_front(axis_size, vals, bdims)
    body, consts = batching.batch_jaxpr(call_jaxpr, axis_size, [True] * len(args))
    n_out = len(call_jaxpr.outvars)

    def batched_fwd(primals):
        box = []

        def f(*xs):
            outs, res, res_tree = fwd(list(xs))
            box.append(res_tree)
            return list(outs) + list(res)

        flat = batching.vmap_flat(f, axis_size, list(primals), [0] * len(primals))
        return flat[:n_out], flat[n_out:], box[0]

    def batched_bwd(res_tree, res, cts):
        f = lambda *xs: bwd(res_tree, list(xs[:len(res)]), list(xs[len(res):]))
        return batching.vmap_flat(f, axis_size, list(res) + list(cts), [0] * (len(res) + len(cts)))

    outs = custom_vjp_call_p.bind(*consts, *args, call_jaxpr=body, fwd=batched_fwd,
                                  bwd=batched_bwd, num_consts=num_consts + len(consts))
    return outs, [0] * len(outs)


batching.batching_rules[custom_vjp_call_p] = _custom_vjp_call_batch
