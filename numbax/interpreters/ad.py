"""Automatic differentiation as IR transforms: JVP rules, linearize, transposition, vjp.

Forward mode is a JVPTrace with one rule per primitive. Reverse mode is linearize (JVP
followed by partial evaluation, which splits the known primal computation from the linear
tangent program) followed by transposition of that linear program, one transpose rule per
linear primitive. Zero tangents and cotangents are symbolic (`Zero`), so the derivative of
a value that does not depend on the input costs nothing.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..core import primitives as P
from ..core import source_info
from ..core.avals import ShapedArray, is_inexact
from ..core.ir import Jaxpr, Literal, Var
from ..core.lists import merge_lists, partition_list
from ..core.primitives import Primitive, lookup
from ..core.trace import Trace, Tracer, full_raise, get_aval, new_main
from . import partial_eval as pe

jvp_rules: dict[Primitive, Callable] = {}
transpose_rules: dict[Primitive, Callable] = {}


@dataclass(frozen=True)
class Zero:
    """A symbolic zero tangent or cotangent of the given aval."""

    aval: ShapedArray


def zeros(aval: ShapedArray):
    return P.full_p.bind(shape=aval.shape, fill_value=0, dtype=aval.dtype)


def instantiate(t, aval: ShapedArray | None = None):
    return zeros(t.aval if aval is None else aval) if isinstance(t, Zero) else t


def nonzero_tangents(tangents) -> tuple[list[bool], list]:
    """(which tangents are not symbolic zeros, those tangents in order)."""
    flags = [not isinstance(t, Zero) for t in tangents]
    return flags, [t for t, f in zip(tangents, flags) if f]


def with_zeros(nonzeros: list[bool], avals, tangents) -> list:
    """The inverse of nonzero_tangents: symbolic zeros (of the given avals) put back."""
    zeros_ = [Zero(a) for a in partition_list(nonzeros, avals)[0]]
    return merge_lists(nonzeros, zeros_, tangents)


def add_tangents(a, b):
    if isinstance(a, Zero):
        return b
    if isinstance(b, Zero):
        return a
    return P.add_p.bind(a, b)


def _const(value, like) -> np.ndarray:
    return np.asarray(value, dtype=get_aval(like).dtype)


def _broadcast_to_shape(x, shape: tuple[int, ...]):
    xs = get_aval(x).shape
    if xs == shape:
        return x
    return P.broadcast_in_dim_p.bind(x, shape=shape,
                                     broadcast_dimensions=tuple(range(len(shape) - len(xs), len(shape))))


def unbroadcast(ct, aval: ShapedArray):
    """Sum a cotangent of a broadcast result back down to the operand's shape."""
    shape = get_aval(ct).shape
    if shape == aval.shape:
        return ct
    lead = len(shape) - aval.ndim
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(aval.shape)
                                      if d == 1 and shape[lead + i] != 1)
    summed = P.reduce_sum_p.bind(ct, axes=axes) if axes else ct
    return P.reshape_p.bind(summed, new_sizes=aval.shape)


# ---------------------------------------------------------------------------------------------
# The JVP trace


class JVPTracer(Tracer):
    __slots__ = ("_trace", "primal", "tangent")

    def __init__(self, trace: Trace, primal, tangent):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent

    @property
    def aval(self) -> ShapedArray:
        return get_aval(self.primal)

    def to_concrete(self):
        p = self.primal
        return p.to_concrete() if isinstance(p, Tracer) else p


class JVPTrace(Trace):
    transformation = "jvp"

    def pure(self, val):
        return JVPTracer(self, val, Zero(get_aval(val)))

    lift = pure

    def process_primitive(self, primitive, tracers, params):
        primals = [t.primal for t in tracers]
        tangents = [t.tangent for t in tracers]
        if all(type(t) is Zero for t in tangents):
            outs = primitive.bind_list(*primals, **params)
            return [JVPTracer(self, o, Zero(get_aval(o))) for o in outs]
        rule = lookup(jvp_rules, primitive, "forward-mode differentiation (jvp)")
        primals_out, tangents_out = rule(primals, tangents, **params)
        return [JVPTracer(self, p, t) for p, t in zip(primals_out, tangents_out)]


def jvp_flat(fun: Callable, primals, tangents, instantiate_zeros: bool = True,
             name: str | None = None):
    """JVP of a flat function; tangents may be Zero. Returns (primals_out, tangents_out).

    name (e.g. "grad(loss)") is how errors such as leaked tracers refer to this trace."""
    with new_main(JVPTrace, None, name) as main:
        trace = JVPTrace(main)
        tracers_in = [JVPTracer(trace, p, t) for p, t in zip(primals, tangents)]
        outs = [full_raise(trace, o) for o in fun(*tracers_in)]
        primals_out = [t.primal for t in outs]
        tangents_out = [instantiate(t.tangent) if instantiate_zeros else t.tangent for t in outs]
    return primals_out, tangents_out


def jvp_jaxpr(jaxpr: Jaxpr, nonzeros: list[bool], out_tangents: list[bool] | None = None
              ) -> tuple[Jaxpr, list]:
    """A Jaxpr computing (primals_out, tangents_out) from (primals_in, nonzero tangents_in).

    Tangents are returned (instantiated) for the outputs marked in out_tangents, all by
    default. Returns (jaxpr, consts) with the consts as leading inputs.
    """
    from ..core.ir import eval_jaxpr
    n = len(jaxpr.invars)
    keep = out_tangents if out_tangents is not None else [True] * len(jaxpr.outvars)

    def fun(*args):
        nz = iter(args[n:])
        tangents = [next(nz) if z else Zero(a) for z, a in zip(nonzeros, jaxpr.in_avals)]
        p, t = jvp_flat(lambda *xs: eval_jaxpr(jaxpr, [], xs), args[:n], tangents)
        return p + [x for x, k in zip(t, keep) if k]

    avals = jaxpr.in_avals + [a for a, z in zip(jaxpr.in_avals, nonzeros) if z]
    return pe.trace_to_subjaxpr(fun, avals)


# ---------------------------------------------------------------------------------------------
# JVP rules


def defjvp(primitive: Primitive, *jvp_fns: Callable | None) -> None:
    """Register a JVP rule from one linear function per operand: fn(t, *primals, **params).

    The contributions of non-zero tangents are summed; None marks a non-differentiable operand.
    """
    def rule(primals, tangents, **params):
        (out,) = primitive.bind_list(*primals, **params)
        out_aval = get_aval(out)
        t_out = Zero(out_aval)
        for fn, t in zip(jvp_fns, tangents):
            if fn is not None and type(t) is not Zero:
                t_out = add_tangents(t_out, fn(t, *primals, **params))
        if type(t_out) is not Zero:
            t_out = _broadcast_to_shape(t_out, out_aval.shape)
        return [out], [t_out]

    jvp_rules[primitive] = rule


# A primitive that declares its JVP (one linear function per operand) gets its rule here.
P.on_define(lambda p: defjvp(p, *p.jvp) if p.jvp is not None else None)


def defjvp_unary(primitive: Primitive, derivative: Callable) -> None:
    """JVP of y = f(x) as t * derivative(x, y)."""
    def rule(primals, tangents, **params):
        (x,), (t,) = primals, tangents
        (y,) = primitive.bind_list(x, **params)
        return [y], [P.mul_p.bind(t, derivative(x, y, **params))]

    jvp_rules[primitive] = rule


def defjvp_zero(primitive: Primitive) -> None:
    def rule(primals, tangents, **params):
        outs = primitive.bind_list(*primals, **params)
        return outs, [Zero(get_aval(o)) for o in outs]

    jvp_rules[primitive] = rule


def deflinear(primitive: Primitive) -> None:
    """JVP of a primitive that is linear in all its operands: apply it to the tangents."""
    def rule(primals, tangents, **params):
        outs = primitive.bind_list(*primals, **params)
        ts = [instantiate(t) for t in tangents]
        return outs, primitive.bind_list(*ts, **params)

    jvp_rules[primitive] = rule


mul, div, neg, sub = P.mul_p.bind, P.div_p.bind, P.neg_p.bind, P.sub_p.bind


def _select(pred, a, b):
    return P.select_p.bind(pred, a, b)


jvp_rules[P.neg_p] = lambda p, t: ([neg(p[0])], [neg(t[0])])


def _abs_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    y = P.abs_p.bind(x)
    if get_aval(x).dtype.kind == "c":
        # d|z| = Re(conj(z) dz) / |z|, taken as 0 at z = 0 (JAX's rule).
        safe = _select(P.eq_p.bind(y, _const(0, y)), P.full_p.bind(
            shape=get_aval(y).shape, fill_value=1, dtype=get_aval(y).dtype), y)
        return [y], [div(P.real_p.bind(mul(P.conj_p.bind(x), t)), safe)]
    # JAX's rule: the slope at 0 (and -0.0) is +1, not sign(0) = 0 (docs/gradient-conventions.md).
    nonneg = P.ge_p.bind(x, _const(0, x))
    return [y], [_select(nonneg, t, neg(t))]


jvp_rules[P.abs_p] = _abs_jvp
defjvp_unary(P.exp_p, lambda x, y: y)
defjvp_unary(P.log_p, lambda x, y: div(_const(1, x), x))
defjvp_unary(P.log1p_p, lambda x, y: div(_const(1, x), P.add_p.bind(x, _const(1, x))))
defjvp_unary(P.expm1_p, lambda x, y: P.add_p.bind(y, _const(1, y)))
defjvp_unary(P.sin_p, lambda x, y: P.cos_p.bind(x))
defjvp_unary(P.cos_p, lambda x, y: neg(P.sin_p.bind(x)))
defjvp_unary(P.tan_p, lambda x, y: P.add_p.bind(_const(1, y), mul(y, y)))
defjvp_unary(P.tanh_p, lambda x, y: sub(_const(1, y), mul(y, y)))
defjvp_unary(P.sqrt_p, lambda x, y: div(_const(0.5, y), y))
defjvp_unary(P.rsqrt_p, lambda x, y: mul(div(y, x), _const(-0.5, y)))
defjvp_unary(P.logistic_p, lambda x, y: mul(y, sub(_const(1, y), y)))


def _integer_pow_derivative(x, y, *, y_exp: int):
    if y_exp == 0:
        return zeros(get_aval(x))
    pow_m1 = {1: _const(1, x), 2: x}.get(y_exp) if y_exp in (1, 2) else P.integer_pow_p.bind(
        x, y=y_exp - 1)
    return mul(_const(y_exp, x), pow_m1)


jvp_rules[P.integer_pow_p] = lambda p, t, *, y: (
    [P.integer_pow_p.bind(p[0], y=y)],
    [mul(t[0], _integer_pow_derivative(p[0], None, y_exp=y))])

defjvp(P.add_p, lambda t, x, y: t, lambda t, x, y: t)
defjvp(P.sub_p, lambda t, x, y: t, lambda t, x, y: neg(t))
defjvp(P.mul_p, lambda t, x, y: mul(t, y), lambda t, x, y: mul(x, t))
defjvp(P.div_p, lambda t, x, y: div(t, y),
       lambda t, x, y: neg(mul(t, div(div(x, y), y))))


def _pow_dx(t, x, y):
    zero = _const(0, y)
    # d/dx x**y = y * x**(y-1), taken as 0 where y == 0 (so that 0**0 has a finite slope).
    jac = _select(P.eq_p.bind(y, zero), zeros(get_aval(mul(x, y))),
                  mul(y, P.pow_p.bind(x, sub(y, _const(1, y)))))
    return mul(t, jac)


def _pow_dy(t, x, y):
    # d/dy x**y = log(x) * x**y, with log(0) replaced by 0 (the limit of the product).
    safe_x = _select(P.eq_p.bind(x, _const(0, x)), P.full_p.bind(shape=get_aval(x).shape,
                                                                  fill_value=1, dtype=get_aval(x).dtype), x)
    return mul(t, mul(P.log_p.bind(safe_x), P.pow_p.bind(x, y)))


defjvp(P.pow_p, _pow_dx, _pow_dy)


def _minmax_jvp(cmp: Primitive):
    # Ties split the derivative evenly between the operands, as in JAX.
    def weight(x, y):
        one, half, zero = _const(1, x), _const(0.5, x), _const(0, x)
        return _select(cmp.bind(x, y), one, _select(P.eq_p.bind(x, y), half, zero))

    return (lambda t, x, y: mul(t, weight(x, y)), lambda t, x, y: mul(t, weight(y, x)))


defjvp(P.max_p, *_minmax_jvp(P.gt_p))
defjvp(P.min_p, *_minmax_jvp(P.lt_p))

for _p in (P.sign_p, P.lt_p, P.le_p, P.gt_p, P.ge_p, P.eq_p, P.ne_p, P.and_p, P.or_p, P.not_p,
           P.argmax_p, P.argmin_p, P.iota_p, P.full_p, P.stop_gradient_p, P.round_p):
    defjvp_zero(_p)


def _select_jvp(primals, tangents):
    pred, a, b = primals
    out = P.select_p.bind(pred, a, b)
    ta, tb = tangents[1:]
    if type(ta) is Zero and type(tb) is Zero:
        return [out], [Zero(get_aval(out))]
    shape = get_aval(out).shape
    ta, tb = instantiate(ta, get_aval(a)), instantiate(tb, get_aval(b))
    return [out], [_broadcast_to_shape(P.select_p.bind(pred, ta, tb), shape)]


jvp_rules[P.select_p] = _select_jvp


def _convert_jvp(primals, tangents, *, new_dtype):
    (x,), (t,) = primals, tangents
    out = P.convert_element_type_p.bind(x, new_dtype=new_dtype)
    if not (is_inexact(get_aval(x).dtype) and is_inexact(new_dtype)) or type(t) is Zero:
        return [out], [Zero(get_aval(out))]
    return [out], [P.convert_element_type_p.bind(t, new_dtype=new_dtype)]


jvp_rules[P.convert_element_type_p] = _convert_jvp

for _p in (P.reduce_sum_p, P.broadcast_in_dim_p, P.reshape_p, P.transpose_p, P.squeeze_p,
           P.expand_dims_p, P.slice_p, P.pad_p, P.concatenate_p, P.cumsum_p, P.rev_p,
           P.real_p, P.imag_p, P.conj_p, P.complex_p):
    deflinear(_p)


def _keep_dims(x_shape, axes):
    return tuple(i for i in range(len(x_shape)) if i not in axes)


def _broadcast_reduced(ans, x_shape, axes):
    return P.broadcast_in_dim_p.bind(ans, shape=x_shape,
                                     broadcast_dimensions=_keep_dims(x_shape, axes))


def _reduce_chooser_jvp(primitive: Primitive):
    # The tangent flows through the locations of the extremum, averaged over ties.
    def rule(primals, tangents, *, axes):
        (x,), (t,) = primals, tangents
        ans = primitive.bind(x, axes=axes)
        shape = get_aval(x).shape
        mask = P.convert_element_type_p.bind(
            P.eq_p.bind(x, _broadcast_reduced(ans, shape, axes)), new_dtype=get_aval(x).dtype)
        counts = P.reduce_sum_p.bind(mask, axes=axes)
        return [ans], [div(P.reduce_sum_p.bind(mul(t, mask), axes=axes), counts)]

    jvp_rules[primitive] = rule


_reduce_chooser_jvp(P.reduce_max_p)
_reduce_chooser_jvp(P.reduce_min_p)


def _prod_last_axis(x):
    """The product over the last axis as a tree of pairwise multiplications.

    Unlike reduce_prod it is built from mul only, so its derivatives of every order are
    exact, zeros included (the product of the others, of all but two, ...).
    """
    aval = get_aval(x)
    batch, n = aval.shape[:-1], aval.shape[-1]
    if n == 0:
        return P.full_p.bind(shape=batch, fill_value=1, dtype=aval.dtype)
    while n > 1:
        if n % 2:
            one = P.full_p.bind(shape=batch + (1,), fill_value=1, dtype=aval.dtype)
            x, n = P.concatenate_p.bind(x, one, dimension=len(batch)), n + 1
        starts, limits, strides = (0,) * len(batch), batch, (1,) * len(batch)
        x = mul(P.slice_p.bind(x, start_indices=starts + (0,), limit_indices=limits + (n,),
                               strides=strides + (2,)),
                P.slice_p.bind(x, start_indices=starts + (1,), limit_indices=limits + (n,),
                               strides=strides + (2,)))
        n //= 2
    return P.reshape_p.bind(x, new_sizes=batch)


def _reduce_prod_jvp(primals, tangents, *, axes):
    (x,), (t,) = primals, tangents
    aval = get_aval(x)
    ans = P.reduce_prod_p.bind(x, axes=axes)
    kept = tuple(i for i in range(aval.ndim) if i not in axes)
    perm = kept + tuple(axes)
    flat_shape = tuple(aval.shape[i] for i in kept) + (int(np.prod([aval.shape[a] for a in axes])),)

    def prod(x):
        if perm != tuple(range(aval.ndim)):
            x = P.transpose_p.bind(x, permutation=perm)
        if get_aval(x).shape != flat_shape:
            x = P.reshape_p.bind(x, new_sizes=flat_shape)
        return [_prod_last_axis(x)]

    # The tangent (sum of t_i times the product of the others) as the JVP of the pairwise
    # product: no division, so it is right where x has zeros, and so are higher derivatives.
    _, (t_out,) = jvp_flat(prod, [x], [t])
    return [ans], [t_out]


jvp_rules[P.reduce_prod_p] = _reduce_prod_jvp


# gather and the scatters: their rules are in gather_rules.py.


def _take_along(x, idx, dim: int):
    """x[..., idx, ...] per position along dim (take_along_axis) as one linear gather: every
    axis is indexed, by idx along dim and by its own position elsewhere."""
    shape, dtype = get_aval(x).shape, get_aval(idx).dtype
    idxs = [idx if d == dim else P.iota_p.bind(dtype=dtype, shape=shape, dimension=d)
            for d in range(len(shape))]
    return P.gather_p.bind(x, *idxs, axis=0, mode="clip", fill_value=None)


def _sort_jvp(primals, tangents, *, dimension, is_stable, num_keys):
    # Tangents follow their primals: an iota sorted along with them gives the permutation.
    iota = P.iota_p.bind(dtype=np.dtype(np.int64), shape=get_aval(primals[0]).shape,
                         dimension=dimension)
    *outs, perm = P.sort_p.bind_list(*primals, iota, dimension=dimension, is_stable=is_stable,
                                     num_keys=num_keys)
    return outs, [t if type(t) is Zero else _take_along(t, perm, dimension) for t in tangents]


jvp_rules[P.sort_p] = _sort_jvp

defjvp(P.dot_general_p,
       lambda t, x, y, *, dimension_numbers: P.dot_general_p.bind(
           t, y, dimension_numbers=dimension_numbers),
       lambda t, x, y, *, dimension_numbers: P.dot_general_p.bind(
           x, t, dimension_numbers=dimension_numbers))


# ---------------------------------------------------------------------------------------------
# Linearize: JVP + partial evaluation


def linearize_flat(fun: Callable, primals, name: str | None = None):
    """Returns (primals_out, linear_jaxpr, consts): tangents_out = linear_jaxpr(consts, tangents)."""
    avals = [get_aval(p) for p in primals]
    n = len(primals)

    def fun_jvp(*args):
        p_out, t_out = jvp_flat(fun, args[:n], args[n:], name=name)
        return p_out + t_out

    pvals_in = ([pe.PartialVal.known(p) for p in primals]
                + [pe.PartialVal.unknown(a) for a in avals])
    jaxpr, pvals_out, consts = pe.partial_eval_flat(fun_jvp, pvals_in,
                                                    instantiate=lambda i, n_out: i >= n_out // 2,
                                                    name=name)
    m = len(pvals_out) // 2
    primals_out = [pv.const for pv in pvals_out[:m]]
    return primals_out, jaxpr, consts


# ---------------------------------------------------------------------------------------------
# Transposition


@dataclass(frozen=True)
class UndefPrimal:
    """A linear input of a transpose rule: only its aval is known."""

    aval: ShapedArray


def is_undefined(x) -> bool:
    return type(x) is UndefPrimal


def cotangents_of_undefined(undefined: list[bool], cts) -> list:
    """A transpose rule's result: the cotangents cts of the undefined (linear) operands in
    their places, None for the defined ones."""
    return merge_lists(undefined, [None] * (len(undefined) - len(cts)), cts)


def backward_pass(jaxpr: Jaxpr, consts, args, cts_out) -> list:
    """Transpose a Jaxpr linear in its UndefPrimal args; returns their cotangents.

    Equations that do not depend on a linear input (the recomputation inside a checkpoint)
    are evaluated forward first.
    """
    # What the backward pass binds (or raises, under debug_nans) reports the user's line of
    # the forward operation, as the equations recorded it.
    outer = source_info.current.site
    try:
        return _backward_pass(jaxpr, consts, args, cts_out, outer)
    finally:
        source_info.current.site = outer


def _backward_pass(jaxpr: Jaxpr, consts, args, cts_out, outer) -> list:
    primal_env: dict[Var, object] = dict(zip(jaxpr.constvars, consts))
    primal_env.update((v, a) for v, a in zip(jaxpr.invars, args) if not is_undefined(a))

    def known(x) -> bool:
        return type(x) is Literal or x in primal_env

    def read(x):
        if type(x) is Literal:
            return x.val
        return primal_env[x] if x in primal_env else UndefPrimal(x.aval)

    linear_eqns = []
    for eqn in jaxpr.eqns:
        if all(known(x) for x in eqn.inputs):
            source_info.current.site = eqn.source_info or outer
            outs = eqn.primitive.bind_list(*[read(x) for x in eqn.inputs], **eqn.params)
            primal_env.update(zip(eqn.outputs, outs))
        else:
            linear_eqns.append(eqn)

    ct_env: dict[Var, object] = {}

    def write_ct(x, ct):
        if type(x) is Var and type(ct) is not Zero and not known(x):
            ct_env[x] = add_tangents(ct_env[x], ct) if x in ct_env else ct

    for x, ct in zip(jaxpr.outvars, cts_out):
        write_ct(x, ct)
    for eqn in reversed(linear_eqns):
        cts = [ct_env.pop(v) if v in ct_env else Zero(v.aval) for v in eqn.outputs]
        if all(type(c) is Zero for c in cts):
            continue
        rule = lookup(transpose_rules, eqn.primitive, "reverse-mode differentiation (transpose)")
        source_info.current.site = eqn.source_info or outer
        cts_in = rule(cts, *[read(x) for x in eqn.inputs], **eqn.params)
        for x, ct in zip(eqn.inputs, cts_in):
            if ct is not None:
                write_ct(x, ct)
    return [ct_env.get(v, Zero(v.aval)) if is_undefined(a) else None
            for v, a in zip(jaxpr.invars, args)]


def _add_transpose(cts, x, y):
    (ct,) = cts
    return [unbroadcast(ct, x.aval) if is_undefined(x) else None,
            unbroadcast(ct, y.aval) if is_undefined(y) else None]


def _sub_transpose(cts, x, y):
    (ct,) = cts
    return [unbroadcast(ct, x.aval) if is_undefined(x) else None,
            unbroadcast(neg(ct), y.aval) if is_undefined(y) else None]


def _mul_transpose(cts, x, y):
    (ct,) = cts
    if is_undefined(x):
        return [unbroadcast(mul(ct, y), x.aval), None]
    return [None, unbroadcast(mul(x, ct), y.aval)]


def _div_transpose(cts, x, y):
    (ct,) = cts
    return [unbroadcast(div(ct, y), x.aval), None]


transpose_rules[P.add_p] = _add_transpose
transpose_rules[P.sub_p] = _sub_transpose
transpose_rules[P.mul_p] = _mul_transpose
transpose_rules[P.div_p] = _div_transpose
transpose_rules[P.neg_p] = lambda cts, x: [neg(cts[0])]


def _convert_transpose(cts, x, *, new_dtype):
    return [P.convert_element_type_p.bind(cts[0], new_dtype=x.aval.dtype)]


transpose_rules[P.convert_element_type_p] = _convert_transpose


# Cotangents pair with tangents by Re(ct * t), without conjugation (JAX's convention), so
# complex-linear maps transpose to their plain transposes, and the maps between real and
# complex values as below: Re(w * Im(t)) = Re(-i w * t) makes imag's transpose -i w.
def _complex_transpose(cts, x, y):
    (ct,) = cts
    return [unbroadcast(P.real_p.bind(ct), x.aval) if is_undefined(x) else None,
            unbroadcast(neg(P.imag_p.bind(ct)), y.aval) if is_undefined(y) else None]


transpose_rules[P.real_p] = lambda cts, x: [P.complex_p.bind(cts[0], zeros(get_aval(cts[0])))]
transpose_rules[P.imag_p] = lambda cts, x: [P.complex_p.bind(zeros(get_aval(cts[0])),
                                                             neg(cts[0]))]
transpose_rules[P.conj_p] = lambda cts, x: [P.conj_p.bind(cts[0])]
transpose_rules[P.complex_p] = _complex_transpose


def _select_transpose(cts, pred, a, b):
    (ct,) = cts
    zero = zeros(get_aval(ct))
    return [None,
            unbroadcast(_select(pred, ct, zero), a.aval) if is_undefined(a) else None,
            unbroadcast(_select(pred, zero, ct), b.aval) if is_undefined(b) else None]


transpose_rules[P.select_p] = _select_transpose


def _reduce_sum_transpose(cts, x, *, axes):
    return [_broadcast_reduced(cts[0], x.aval.shape, axes)]


transpose_rules[P.reduce_sum_p] = _reduce_sum_transpose
transpose_rules[P.cumsum_p] = lambda cts, x, *, axis, reverse: [
    P.cumsum_p.bind(cts[0], axis=axis, reverse=not reverse)]


def _broadcast_in_dim_transpose(cts, x, *, shape, broadcast_dimensions):
    (ct,) = cts
    dims = broadcast_dimensions
    sum_axes = tuple(i for i in range(len(shape)) if i not in dims) + tuple(
        d for i, d in enumerate(dims) if x.aval.shape[i] == 1 and shape[d] != 1)
    summed = P.reduce_sum_p.bind(ct, axes=tuple(sorted(sum_axes))) if sum_axes else ct
    return [P.reshape_p.bind(summed, new_sizes=x.aval.shape)]


transpose_rules[P.broadcast_in_dim_p] = _broadcast_in_dim_transpose
transpose_rules[P.reshape_p] = lambda cts, x, *, new_sizes: [
    P.reshape_p.bind(cts[0], new_sizes=x.aval.shape)]
transpose_rules[P.transpose_p] = lambda cts, x, *, permutation: [
    P.transpose_p.bind(cts[0], permutation=tuple(np.argsort(permutation).tolist()))]
transpose_rules[P.squeeze_p] = lambda cts, x, *, dimensions: [
    P.reshape_p.bind(cts[0], new_sizes=x.aval.shape)]
transpose_rules[P.expand_dims_p] = lambda cts, x, *, dimensions: [
    P.reshape_p.bind(cts[0], new_sizes=x.aval.shape)]


def _slice_transpose(cts, x, *, start_indices, limit_indices, strides):
    (ct,) = cts
    out_shape = get_aval(ct).shape
    config = tuple((s, d - (s + (m - 1) * st + 1) if m else d - s, st - 1 if m else 0)
                   for s, st, m, d in zip(start_indices, strides, out_shape, x.aval.shape))
    if any(m == 0 for m in out_shape):
        return [zeros(x.aval)]
    return [P.pad_p.bind(ct, _const(0, ct), padding_config=config)]


transpose_rules[P.slice_p] = _slice_transpose
# Reversing is a permutation that is its own inverse.
transpose_rules[P.rev_p] = lambda cts, x, *, dimensions: [
    P.rev_p.bind(cts[0], dimensions=dimensions)]


def _pad_transpose(cts, x, padding_value, *, padding_config):
    (ct,) = cts
    shape = get_aval(ct).shape
    starts = tuple(lo for lo, _, _ in padding_config)
    limits = tuple(d - hi for d, (_, hi, _) in zip(shape, padding_config))
    strides = tuple(i + 1 for _, _, i in padding_config)
    ct_x = P.slice_p.bind(ct, start_indices=starts, limit_indices=limits, strides=strides)
    ct_pad = None
    if is_undefined(padding_value):
        all_axes = tuple(range(len(shape)))
        ct_pad = sub(P.reduce_sum_p.bind(ct, axes=all_axes), P.reduce_sum_p.bind(ct_x, axes=all_axes))
    return [ct_x if is_undefined(x) else None, ct_pad]


transpose_rules[P.pad_p] = _pad_transpose


def _concatenate_transpose(cts, *xs, dimension):
    (ct,) = cts
    shape = get_aval(ct).shape
    outs, start = [], 0
    for x in xs:
        size = get_aval(x).shape[dimension] if not is_undefined(x) else x.aval.shape[dimension]
        if is_undefined(x):
            starts = tuple(start if i == dimension else 0 for i in range(len(shape)))
            limits = tuple(start + size if i == dimension else d for i, d in enumerate(shape))
            outs.append(P.slice_p.bind(ct, start_indices=starts, limit_indices=limits,
                                       strides=(1,) * len(shape)))
        else:
            outs.append(None)
        start += size
    return outs


transpose_rules[P.concatenate_p] = _concatenate_transpose



def _dot_transpose_operand(ct, other, my_ndim, my_contract, other_contract, my_batch,
                           other_batch, ct_other_free):
    """Cotangent of one dot_general operand: contract ct with the other operand."""
    other_ndim = get_aval(other).ndim
    my_free = [d for d in range(my_ndim) if d not in my_contract and d not in my_batch]
    other_free = tuple(d for d in range(other_ndim)
                       if d not in other_contract and d not in other_batch)
    res = P.dot_general_p.bind(ct, other, dimension_numbers=(
        (ct_other_free, other_free), (tuple(range(len(my_batch))), tuple(other_batch))))
    # res dims: batch, my free dims, then the other's contracted dims in increasing order.
    res_axes = list(my_batch) + my_free + [my_contract[list(other_contract).index(d)]
                                           for d in sorted(other_contract)]
    perm = tuple(res_axes.index(k) for k in range(my_ndim))
    return res if perm == tuple(range(my_ndim)) else P.transpose_p.bind(res, permutation=perm)


def _dot_general_transpose(cts, x, y, *, dimension_numbers):
    (ct,) = cts
    (lc, rc), (lb, rb) = dimension_numbers
    # ct dims: batch, x free, y free.
    if is_undefined(x):
        nb, n_x_free = len(lb), x.aval.ndim - len(lc) - len(lb)
        n_y_free = get_aval(y).ndim - len(rc) - len(rb)
        ct_y_free = tuple(range(nb + n_x_free, nb + n_x_free + n_y_free))
        return [_dot_transpose_operand(ct, y, x.aval.ndim, lc, rc, lb, rb, ct_y_free), None]
    nb, n_x_free = len(lb), get_aval(x).ndim - len(lc) - len(lb)
    ct_x_free = tuple(range(nb, nb + n_x_free))
    return [None, _dot_transpose_operand(ct, x, y.aval.ndim, rc, lc, rb, lb, ct_x_free)]


transpose_rules[P.dot_general_p] = _dot_general_transpose


def vjp_flat(fun: Callable, primals, name: str | None = None):
    """Returns (primals_out, vjp_fn) where vjp_fn maps output cotangents to input cotangents."""
    primals_out, jaxpr, consts = linearize_flat(fun, primals, name)
    in_avals = [get_aval(p) for p in primals]

    def vjp_fn(*cts):
        cts_in = backward_pass(jaxpr, consts, [UndefPrimal(a) for a in in_avals], list(cts))
        return [instantiate(c, a) for c, a in zip(cts_in, in_avals)]

    return primals_out, vjp_fn


def transpose_jaxpr(jaxpr: Jaxpr, undefined) -> tuple[Jaxpr, list]:
    """A Jaxpr mapping (defined inputs, output cotangents) to the cotangents of the inputs
    marked undefined (those the body is linear in), instantiated; consts lead its inputs."""
    defined_avals = [a for a, u in zip(jaxpr.in_avals, undefined) if not u]
    n_def = len(defined_avals)

    def fun(*args):
        res, cts = iter(args[:n_def]), args[n_def:]
        full = [UndefPrimal(a) if u else next(res) for a, u in zip(jaxpr.in_avals, undefined)]
        cts_in = backward_pass(jaxpr, [], full, list(cts))
        return [instantiate(c, a) for c, a, u in zip(cts_in, jaxpr.in_avals, undefined) if u]

    return pe.trace_to_subjaxpr(fun, defined_avals + jaxpr.out_avals)
