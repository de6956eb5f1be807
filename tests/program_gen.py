"""Random well-typed numbax programs for differential fuzzing (used by tests/test_fuzz.py).

A program is data: argument avals and a list of steps, each an entry of OPS applied to earlier
values. It renders to Python source written against a namespace `m`,

    def f(m, a0, a1):
        v0 = m.sin(a0)
        v1 = m.sum(v0 * a1, axis=(0,), keepdims=True)
        return (v1,)

which runs with m = XNP (numbax.numpy, plus lax.cond / lax.scan) or m = NP (NumPy, with Python
control flow): one program gives both the numbax function and its NumPy reference, and the
source that ran is the failure report.

Adding a primitive or a numbax.numpy function is one entry in OPS: a source template (what
the program calls), the kinds of its operands, the guards that keep its operands in a safe
domain, a parameter drawer and its differentiability. Where NumPy has no function of that
name, give the two namespaces an extra of that name (see XNP and NP at the bottom). Control
flow (cond, scan, fori_loop, while_loop, and nested jit and checkpoint) is in CONTROL_FLOW,
each with a builder method that draws its bodies as nested programs.

Values are drawn so that programs stay well typed: an op is only applied where NumPy accepts
it (a trial run on example values decides, and gives the result's shape and dtype), and the
outputs are every value no later step reads, so no step is dead code.
"""
from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.special as ssp
from hypothesis import strategies as st

import numbax as nb
import numbax.numpy as xnp
import numbax.scipy.special as nsp
from numbax import lax, nn

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)


class Src(str):
    """A parameter written into the source verbatim (an index expression), not as its repr."""

    def __repr__(self) -> str:
        return str(self)


# Guards keep an operand in a domain where the op is finite and smooth, so that values and
# derivatives compare meaningfully; programs drawn with safe=False leave them out (and their
# forward comparisons then see nan and inf). Each guard is smooth itself.
GUARDS = {
    "positive": "({0} * {0} + 0.25)",     # log, sqrt, divisors, bases of powers
    "bounded": "(m.tanh({0}) * 3.0)",     # exp and exponents: far from overflow
    "unit": "m.tanh({0})",                # tan: away from its poles
    # arcsin, arccos, arctanh: inside (-1, 1) even where tanh rounds to 1 (their slopes are
    # infinite at the ends, and tanh's slope there is 0: inf * 0 would be compared).
    "inner_unit": "(m.tanh({0}) * 0.9)",
}


@dataclass(frozen=True)
class Op:
    """One operation a program may apply.

    template: Python source; {0}, {1}, ... are the operands, {name} the parameters (written
        with repr, or verbatim for a Src).
    kinds: one letter per operand: f a float array, b a bool array.
    guards: a GUARDS name (or None) per operand, applied in safe programs.
    params: params(ctx, first_operand) -> dict, drawing with ctx.draw; None: no parameters.
    diff: "smooth"; "kink" (the derivative jumps somewhere, or the op makes a bool that
        selects); "singular" (an infinite slope the guards cannot avoid, as std's at a zero
        variance) or "none" (no derivative): never used in derivative programs.
    broadcast: the operands broadcast together (elementwise); otherwise the later operands
        are chosen among the values for which NumPy accepts the call.
    scalars: operands after the first may be weakly typed Python scalars.
    nonempty: in safe programs the first operand has elements (an empty reduction gives
        nan or -inf, outside any smooth domain).
    """

    template: str
    kinds: str = "f"
    guards: tuple = ()
    params: Callable | None = None
    diff: str = "smooth"
    broadcast: bool = True
    scalars: bool = False
    nonempty: bool = False

    @property
    def arity(self) -> int:
        return len(self.kinds)


# ---------------------------------------------------------------------------------------------
# Parameter drawers: (ctx, first operand Var) -> dict


def _axis_or_axes(ctx, x, allow_none=True):
    r = len(x.shape)
    how = ctx.draw(st.sampled_from(("none", "int", "tuple"))) if r else "none"
    if how == "none":
        return None if allow_none else ()
    if how == "int":
        return ctx.draw(st.integers(-r, r - 1))
    axes = ctx.draw(st.lists(st.integers(0, r - 1), unique=True, max_size=r))
    # Negative spellings of the same axes, sometimes.
    return tuple(a - r if ctx.draw(st.booleans()) else a for a in axes)


def _reduce(ctx, x):
    return {"axis": _axis_or_axes(ctx, x), "keepdims": ctx.draw(st.booleans())}


def _arg_reduce(ctx, x):
    r = len(x.shape)
    axis = ctx.draw(st.none() | st.integers(-r, r - 1)) if r else None
    return {"axis": axis, "keepdims": ctx.draw(st.booleans())}


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def _reshape(ctx, x):
    size = math.prod(x.shape)
    rank = ctx.draw(st.integers(0, 3))
    if size == 0:
        if rank == 0:
            rank = 1
        dims = [ctx.draw(st.sampled_from((1, 2, 3))) for _ in range(rank)]
        dims[ctx.draw(st.integers(0, rank - 1))] = 0
        return {"shape": tuple(dims)}
    if rank == 0 and size != 1:
        rank = 1
    dims, rest = [], size
    for _ in range(rank - 1):
        d = ctx.draw(st.sampled_from(_divisors(rest)))
        dims.append(d)
        rest //= d
    if rank:
        dims.append(rest)
        if ctx.draw(st.booleans()):
            dims[ctx.draw(st.integers(0, rank - 1))] = -1
    return {"shape": tuple(dims)}


def _transpose(ctx, x):
    r = len(x.shape)
    if ctx.draw(st.booleans()):
        return {"axes": None}
    perm = ctx.draw(st.permutations(range(r)))
    return {"axes": tuple(p - r if ctx.draw(st.booleans()) else p for p in perm)}


def _two_axes(ctx, x):
    r = len(x.shape)
    if not r:
        return None
    return {"a": ctx.draw(st.integers(-r, r - 1)), "b": ctx.draw(st.integers(-r, r - 1))}


def _expand_dims(ctx, x):
    r = len(x.shape)
    if ctx.draw(st.booleans()):
        return {"axis": ctx.draw(st.integers(-r - 1, r))}
    return {"axis": tuple(ctx.draw(st.lists(st.integers(0, r + 1), unique=True, min_size=1,
                                            max_size=2)))}


def _squeeze(ctx, x):
    ones = [i for i, d in enumerate(x.shape) if d == 1]
    if not ones or ctx.draw(st.booleans()):
        return {"axis": None}
    return {"axis": tuple(ctx.draw(st.lists(st.sampled_from(ones), unique=True, max_size=len(ones))))}


def _broadcast_to(ctx, x):
    lead = ctx.draw(st.lists(st.sampled_from((2, 1, 3, 0)), max_size=2))
    dims = [ctx.draw(st.sampled_from((d, 2, 3, 0))) if d == 1 else d for d in x.shape]
    return {"shape": tuple(lead + dims)}


def _slice_text(start, stop, step) -> str:
    text = f"{'' if start is None else start}:{'' if stop is None else stop}"
    return text + (f":{step}" if step is not None else "")


def _index(ctx, x):
    draw = ctx.draw
    entries, used_array = [], False
    for n in x.shape[:draw(st.integers(0, len(x.shape)))]:
        kinds = ["full", "slice"] + (["int"] if n else []) + ([] if used_array else ["list"])
        kind = draw(st.sampled_from(kinds))
        if kind == "full":
            entries.append(":")
        elif kind == "slice":
            bound = st.none() | st.integers(-n - 1, n + 1)
            step = draw(st.sampled_from((None, 1, 2, -1, -2, 3)))
            entries.append(_slice_text(draw(bound), draw(bound), step))
        elif kind == "int":
            entries.append(str(draw(st.integers(-n, n - 1))))
        else:
            used_array = True
            if not n:
                entries.append("[]")
                continue
            ints = st.integers(-n, n - 1)
            if draw(st.booleans()):
                # A 2-d index array: its dimensions replace the indexed one.
                rows = draw(st.integers(1, 2))
                cols = draw(st.integers(1, 2))
                entries.append(str([[draw(ints) for _ in range(cols)] for _ in range(rows)]))
            else:
                # An empty index list is an integer index in NumPy, not a float array.
                entries.append(str(draw(st.lists(ints, max_size=3))))
    if ctx.draw(st.booleans()):
        entries.insert(draw(st.integers(0, len(entries))), "None")
    if entries and draw(st.booleans()):
        # An ellipsis standing for the dimensions not indexed after it.
        pos = draw(st.integers(0, len(entries)))
        entries.insert(pos, "...")
    text = ", ".join(entries)
    return {"index": Src(f"({text},)" if len(entries) == 1 and text == "..." else text or "()")}


def _pad_mode(ctx, x):
    # edge, reflect and wrap cannot extend an empty axis (NumPy raises, as numbax does).
    modes = ("constant",) if 0 in x.shape else ("constant", "edge", "reflect", "wrap")
    return {"mode": ctx.draw(st.sampled_from(modes))}


def _astype(ctx, x):
    return {"dtype": "float64" if ctx.f64_only else ctx.draw(st.sampled_from(("float32", "float64")))}


def _one_axis(ctx, x):
    r = len(x.shape)
    return {"axis": ctx.draw(st.integers(-r, r - 1))} if r else None


def _stack_axis(ctx, x):
    r = len(x.shape)
    return {"axis": ctx.draw(st.integers(-r - 1, r))}


_CONSTS = (0.5, 2.0, -1.5, 3.0, -0.25)


def _clip(ctx, x):
    return {"lo": ctx.draw(st.sampled_from(_CONSTS)), "hi": ctx.draw(st.sampled_from(_CONSTS))}


def _decimals(ctx, x):
    return {"decimals": ctx.draw(st.sampled_from((0, 1, 2, -1)))}


def _cumsum(ctx, x):
    r = len(x.shape)
    return {"axis": ctx.draw(st.none() | st.integers(-r, r - 1)) if r else None}


def _lax_cumulative(ctx, x):
    r = len(x.shape)
    return {"axis": ctx.draw(st.integers(-r, r - 1)), "reverse": ctx.draw(st.booleans())} \
        if r else None


def _dynamic_slice(ctx, x):
    # starts beyond either end: lax clamps them so that the block fits
    r = len(x.shape)
    if not r:
        return None
    axis = ctx.draw(st.integers(-r, r - 1))
    n = x.shape[axis]
    return {"axis": axis, "start": ctx.draw(st.integers(-n - 2, n + 2)),
            "size": ctx.draw(st.integers(0, n))}


def _top_k(ctx, x):
    return {"k": ctx.draw(st.integers(0, x.shape[-1]))} if x.shape else None


def _moments(ctx, x):
    params = _reduce(ctx, x)
    params["ddof"] = ctx.draw(st.sampled_from((0, 1)))
    if ctx.safe:
        # At least ddof + 1 elements per result, and two for std (whose slope is infinite
        # at a zero variance): neither a division by zero nor an infinite derivative.
        axis = params["axis"]
        axes = range(len(x.shape)) if axis is None else (axis,) if isinstance(axis, int) else axis
        if math.prod(x.shape[a] for a in axes) < 2:
            return None
    return params


def _int_power(*choices):
    return lambda ctx, x: {"k": ctx.draw(st.sampled_from(choices))}


_NORMS = (None, "backward", "ortho", "forward")


def _fft(ctx, x):
    params = _one_axis(ctx, x)
    if params is None:
        return None
    params["norm"] = ctx.draw(st.sampled_from(_NORMS))
    # A length of its own (truncating or zero-padding the axis), sometimes.
    params["n"] = ctx.draw(st.none() | st.integers(1, 2 * x.shape[params["axis"]] + 1))
    return params


def _fftn(ctx, x):
    r = len(x.shape)
    if not r:
        return None
    axes = ctx.draw(st.none() | st.lists(st.integers(-r, r - 1), min_size=1, max_size=r,
                                         unique_by=lambda a: a % r).map(tuple))
    return {"axes": axes, "norm": ctx.draw(st.sampled_from(_NORMS))}


def _matrix_side(ctx, x):
    # Square matrices of the last axis's length: small, so that an n x n intermediate of a
    # long axis does not dominate the run.
    return {} if x.shape and 1 <= x.shape[-1] <= 9 else None


# ---------------------------------------------------------------------------------------------
# The table. Keys are names for reports; the templates are what the programs call.

_POS, _BND = ("positive",), ("bounded",)

OPS: dict[str, Op] = {
    # elementwise, one operand
    "sin": Op("m.sin({0})"),
    "cos": Op("m.cos({0})"),
    "tan": Op("m.tan({0})", guards=("unit",)),
    "tanh": Op("m.tanh({0})"),
    "exp": Op("m.exp({0})", guards=_BND),
    "expm1": Op("m.expm1({0})", guards=_BND),
    "log": Op("m.log({0})", guards=_POS),
    "log1p": Op("m.log1p({0})", guards=_POS),
    "sqrt": Op("m.sqrt({0})", guards=_POS),
    "cbrt": Op("m.cbrt({0})", guards=_POS),
    "checkpoint_name": Op("m.checkpoint_name({0}, 'h')"),
    "exp2": Op("m.exp2({0})", guards=_BND),
    "rsqrt": Op("m.rsqrt({0})", guards=_POS),
    "sigmoid": Op("m.sigmoid({0})"),
    "negative": Op("m.negative({0})"),
    "neg_operator": Op("-{0}"),
    "square": Op("m.square({0})"),
    "reciprocal": Op("m.reciprocal({0})", guards=_POS),
    "power_int": Op("m.power({0}, {k})", params=_int_power(0, 1, 2, 3, 4)),
    "power_negint": Op("m.power({0}, {k})", guards=_POS, params=_int_power(-1, -2, -3)),
    "pow_operator_int": Op("{0} ** {k}", params=_int_power(2, 3)),
    "abs": Op("m.abs({0})", diff="kink"),
    "sign": Op("m.sign({0})", diff="kink"),
    "clip": Op("m.clip({0}, {lo}, {hi})", params=_clip, diff="kink"),
    "clip_method": Op("{0}.clip({lo}, {hi})", params=_clip, diff="kink"),
    "round": Op("m.round({0}, {decimals})", params=_decimals, diff="kink"),
    "round_method": Op("{0}.round({decimals})", params=_decimals, diff="kink"),
    "isnan": Op("m.isnan({0})", diff="kink"),
    "isfinite": Op("m.isfinite({0})", diff="kink"),
    "arcsin": Op("m.arcsin({0})", guards=("inner_unit",)),
    "arccos": Op("m.arccos({0})", guards=("inner_unit",)),
    "arctan": Op("m.arctan({0})"),
    "sinh": Op("m.sinh({0})", guards=_BND),
    "cosh": Op("m.cosh({0})", guards=_BND),
    "arcsinh": Op("m.arcsinh({0})"),
    "arccosh": Op("m.arccosh({0} + 1.0)", guards=_POS),
    "arctanh": Op("m.arctanh({0})", guards=("inner_unit",)),
    "log2": Op("m.log2({0})", guards=_POS),
    "log10": Op("m.log10({0})", guards=_POS),
    "floor": Op("m.floor({0})", diff="kink"),
    "ceil": Op("m.ceil({0})", diff="kink"),
    "trunc": Op("m.trunc({0})", diff="kink"),
    "rint": Op("m.rint({0})", diff="kink"),
    "deg2rad": Op("m.deg2rad({0})"),
    "rad2deg": Op("m.rad2deg({0})"),
    "sinc": Op("m.sinc({0})"),
    "i0": Op("m.i0({0})", guards=_BND),
    # scipy.special's (SPECIAL below): numbax.scipy.special against SciPy.
    "erf": Op("m.erf({0})"),
    "erfc": Op("m.erfc({0})"),
    "erfinv": Op("m.erfinv({0})", guards=("inner_unit",)),
    "gammaln": Op("m.gammaln({0})", guards=_POS),
    "digamma": Op("m.digamma({0})", guards=_POS),
    "i0e": Op("m.i0e({0})", diff="kink"),
    "i1e": Op("m.i1e({0})", diff="kink"),
    "ndtr": Op("m.ndtr({0})"),
    "log_ndtr": Op("m.log_ndtr({0})"),
    "gammainc": Op("m.gammainc({0}, {1})", "ff", ("positive", "positive")),
    "erfcx": Op("m.erfcx({0})", guards=("bounded",)),
    "dawsn": Op("m.dawsn({0})"),
    "spence": Op("m.spence({0})", guards=_POS),
    "exp1": Op("m.exp1({0})", guards=_POS),
    "expi": Op("m.expi({0})", guards=_POS),
    "trigamma": Op("m.polygamma(1, {0})", guards=_POS),
    "sine_integral": Op("m.sici({0})[0]", guards=_BND),
    "cosine_integral": Op("m.sici({0})[1]", guards=_POS),
    "fresnel_s": Op("m.fresnel({0})[0]", guards=_BND),
    "fresnel_c": Op("m.fresnel({0})[1]", guards=_BND),
    "expn": Op("m.expn(2, {0})", guards=_POS),
    "hyp1f1": Op("m.hyp1f1(0.5, 1.5, {0})", guards=_BND),
    "hyp2f1": Op("m.hyp2f1(0.5, 1.0, 1.5, m.tanh({0}) * 0.5)"),
    "fabs": Op("m.fabs({0})", diff="kink"),
    "signbit": Op("m.signbit({0})", diff="kink"),
    "isinf": Op("m.isinf({0})", diff="kink"),
    "nan_to_num": Op("m.nan_to_num({0})"),
    "ones_like": Op("m.ones_like({0})"),
    "full_like": Op("m.full_like({0}, -0.5)"),
    "astype": Op("m.astype({0}, {dtype!r})", params=_astype),
    # elementwise, two operands (and where)
    "add": Op("m.add({0}, {1})", "ff", scalars=True),
    "subtract": Op("m.subtract({0}, {1})", "ff", scalars=True),
    "multiply": Op("m.multiply({0}, {1})", "ff", scalars=True),
    "divide": Op("m.divide({0}, {1})", "ff", (None, "positive"), scalars=True),
    "power": Op("m.power({0}, {1})", "ff", ("positive", "bounded"), scalars=True),
    "maximum": Op("m.maximum({0}, {1})", "ff", diff="kink", scalars=True),
    "minimum": Op("m.minimum({0}, {1})", "ff", diff="kink", scalars=True),
    "logaddexp": Op("m.logaddexp({0}, {1})", "ff", scalars=True),
    "logaddexp2": Op("m.logaddexp2({0}, {1})", "ff", scalars=True),
    "arctan2": Op("m.arctan2({0}, {1})", "ff", (None, "positive"), scalars=True),
    "hypot": Op("m.hypot({0}, {1})", "ff", ("positive", None), scalars=True),
    "copysign": Op("m.copysign({0}, {1})", "ff", diff="kink", scalars=True),
    "fmax": Op("m.fmax({0}, {1})", "ff", diff="kink", scalars=True),
    "fmin": Op("m.fmin({0}, {1})", "ff", diff="kink", scalars=True),
    "heaviside": Op("m.heaviside({0}, {1})", "ff", diff="kink", scalars=True),
    "remainder": Op("m.remainder({0}, {1})", "ff", (None, "positive"), diff="kink",
                    scalars=True),
    "fmod": Op("m.fmod({0}, {1})", "ff", (None, "positive"), diff="kink", scalars=True),
    "floor_divide": Op("m.floor_divide({0}, {1})", "ff", (None, "positive"), diff="kink",
                       scalars=True),
    # complex intermediates between real operands and results (the generator's values are
    # real): weak 1j, complex arithmetic, parts, conj, angle and lexicographic maximum
    "complex_exp": Op("m.real(m.exp({0} * 1j) * ({1} + 2j))", "ff", ("bounded", None)),
    # m.multiply, not Python's *: eagerly, 1j * (a NumPy float64 scalar) is a Python complex,
    # weakly typed, where under a transformation it is a complex128 value.
    "complex_abs2": Op("m.real(({0} + m.multiply(1j, {1})) * m.conj({0} - m.multiply(1j, {1})))",
                       "ff"),
    "complex_angle": Op("m.angle({0} + m.multiply(1j, {1} * {1} + 0.5))", "ff"),
    "complex_max": Op("m.imag(m.maximum({0} + m.multiply(1j, {1}), {1} - m.multiply(1j, {0})))",
                      "ff", diff="kink"),
    "mod_operator": Op("{0} % {1}", "ff", (None, "positive"), diff="kink", scalars=True),
    "floordiv_operator": Op("{0} // {1}", "ff", (None, "positive"), diff="kink", scalars=True),
    "logical_xor": Op("m.logical_xor({0}, {1})", "bb", diff="kink"),
    "xor_operator": Op("{0} ^ {1}", "bb", diff="kink"),
    "or_operator": Op("{0} | {1}", "bb", diff="kink"),
    "add_operator": Op("{0} + {1}", "ff", scalars=True),
    "sub_operator": Op("{0} - {1}", "ff", scalars=True),
    "mul_operator": Op("{0} * {1}", "ff", scalars=True),
    "div_operator": Op("{0} / {1}", "ff", (None, "positive"), scalars=True),
    "pow_operator": Op("{0} ** {1}", "ff", ("positive", "bounded"), scalars=True),
    "less": Op("m.less({0}, {1})", "ff", diff="kink", scalars=True),
    "less_equal": Op("m.less_equal({0}, {1})", "ff", diff="kink", scalars=True),
    "greater": Op("m.greater({0}, {1})", "ff", diff="kink", scalars=True),
    "greater_equal": Op("m.greater_equal({0}, {1})", "ff", diff="kink", scalars=True),
    "equal": Op("m.equal({0}, {1})", "ff", diff="kink", scalars=True),
    "not_equal": Op("m.not_equal({0}, {1})", "ff", diff="kink", scalars=True),
    "lt_operator": Op("{0} < {1}", "ff", diff="kink", scalars=True),
    "ge_operator": Op("{0} >= {1}", "ff", diff="kink", scalars=True),
    "logical_and": Op("m.logical_and({0}, {1})", "bb", diff="kink"),
    "logical_or": Op("m.logical_or({0}, {1})", "bb", diff="kink"),
    "logical_not": Op("m.logical_not({0})", "b", diff="kink"),
    "and_operator": Op("{0} & {1}", "bb", diff="kink"),
    "invert_operator": Op("~{0}", "b", diff="kink"),
    "where": Op("m.where({0}, {1}, {2})", "bff", diff="kink", scalars=True),
    "softplus": Op("m.softplus({0})"),
    "relu": Op("m.relu({0})", diff="kink"),
    "logsumexp": Op("m.logsumexp({0}, axis={axis}, keepdims={keepdims})", params=_reduce,
                    nonempty=True),
    "softmax": Op("m.softmax({0}, axis={axis})", params=_one_axis),
    # reductions
    "sum": Op("m.sum({0}, axis={axis}, keepdims={keepdims})", params=_reduce),
    "prod": Op("m.prod({0}, axis={axis}, keepdims={keepdims})", params=_reduce),
    "mean": Op("m.mean({0}, axis={axis}, keepdims={keepdims})", params=_reduce, nonempty=True),
    "max": Op("m.max({0}, axis={axis}, keepdims={keepdims})", params=_reduce, diff="kink"),
    "min": Op("m.min({0}, axis={axis}, keepdims={keepdims})", params=_reduce, diff="kink"),
    "var": Op("m.var({0}, axis={axis}, ddof={ddof}, keepdims={keepdims})", params=_moments),
    "std": Op("m.std({0}, axis={axis}, ddof={ddof}, keepdims={keepdims})", params=_moments,
              diff="singular"),
    "any": Op("m.any({0}, axis={axis}, keepdims={keepdims})", "b", params=_reduce, diff="kink"),
    "all": Op("m.all({0}, axis={axis}, keepdims={keepdims})", "b", params=_reduce, diff="kink"),
    "cumsum": Op("m.cumsum({0}, axis={axis})", params=_cumsum),
    "cumsum_method": Op("{0}.cumsum(axis={axis})", params=_cumsum),
    "sum_method": Op("{0}.sum(axis={axis}, keepdims={keepdims})", params=_reduce),
    "var_method": Op("{0}.var(axis={axis}, ddof={ddof}, keepdims={keepdims})", params=_moments),
    "max_method": Op("{0}.max(axis={axis})", params=_reduce, diff="kink"),
    "argmax": Op("m.argmax({0}, axis={axis}, keepdims={keepdims})", params=_arg_reduce,
                 diff="none"),
    "argmin": Op("m.argmin({0}, axis={axis}, keepdims={keepdims})", params=_arg_reduce,
                 diff="none"),
    # shapes
    "reshape": Op("m.reshape({0}, {shape})", params=_reshape),
    "reshape_method": Op("{0}.reshape({shape})", params=_reshape),
    "transpose_method": Op("{0}.transpose({axes})", params=_transpose),
    "mT_property": Op("{0}.mT"),
    "ravel": Op("m.ravel({0})"),
    "ravel_method": Op("{0}.ravel()"),
    "transpose": Op("m.transpose({0}, {axes})", params=_transpose),
    "T_property": Op("{0}.T"),
    "swapaxes": Op("m.swapaxes({0}, {a}, {b})", params=_two_axes),
    "moveaxis": Op("m.moveaxis({0}, {a}, {b})", params=_two_axes),
    "expand_dims": Op("m.expand_dims({0}, {axis})", params=_expand_dims),
    "squeeze": Op("m.squeeze({0}, {axis})", params=_squeeze),
    "broadcast_to": Op("m.broadcast_to({0}, {shape})", params=_broadcast_to),
    "getitem": Op("{0}[{index}]", params=_index),
    "flip": Op("m.flip({0}, axis={axis})", params=_reduce),
    "roll": Op("m.roll({0}, -2, axis={axis})", params=_one_axis),
    "tile": Op("m.tile({0}, 2)"),
    "repeat": Op("m.repeat({0}, 2, axis={axis})", params=_one_axis),
    "concatenate": Op("m.concatenate([{0}, {1}], axis={axis})", "ff", params=_one_axis,
                      broadcast=False),
    "stack": Op("m.stack([{0}, {1}], axis={axis})", "ff", params=_stack_axis, broadcast=False),
    # products
    "dot": Op("m.dot({0}, {1})", "ff", broadcast=False),
    "matmul": Op("m.matmul({0}, {1})", "ff", broadcast=False),
    "matmul_operator": Op("{0} @ {1}", "ff", broadcast=False),
    # One operand: ndarray.dot(tracer) cannot trace (a NumPy method, as in JAX), and a body
    # may see a concrete closure and a traced value. Arrays only: NumPy scalars, which
    # NumPy's reductions return, have no .dot.
    "dot_method": Op("{0}.dot({0}.T)", params=lambda ctx, x: {} if x.shape else None),
    "inner": Op("m.inner({0}, {1})", "ff", broadcast=False),
    "outer": Op("m.outer({0}, {1})", "ff", broadcast=False),
    "vdot": Op("m.vdot({0}, {1})", "ff", broadcast=False),
    "gram": Op("m.matmul({0}, m.swapaxes({0}, -1, -2))"),
    "einsum": Op("m.einsum('...i,...i->...', {0}, {0})",
                 params=lambda ctx, x: {} if x.shape else None),
    # sorting, differences, padding, triangles
    "sort": Op("m.sort({0}, axis={axis})", params=_one_axis, diff="kink"),
    "cumprod": Op("m.cumprod({0}, axis={axis})", guards=("bounded",), params=_cumsum),
    "diff": Op("m.diff({0}, axis={axis})", params=_one_axis),
    "pad": Op("m.pad({0}, 1, mode={mode})", params=_pad_mode),
    "triu": Op("m.triu({0}, {k})",
               params=lambda ctx, x: {"k": ctx.draw(st.integers(-1, 1))} if len(x.shape) >= 2
               else None),
    "nextafter": Op("m.nextafter({0}, {1})", "ff", diff="kink"),
    # .at[] updates (scatters): NumPy's stand-in is NP.at, np.ufunc.at on a copy
    "at_add": Op("m.at({0})[{index}].add(1.5)", params=_index),
    "at_multiply": Op("m.at({0})[{index}].multiply(0.5)", params=_index),
    "at_max": Op("m.at({0})[{index}].max(0.25)", params=_index, diff="kink"),
    # lax slicing at (clamped) offsets, top_k and cumulative reductions
    "dynamic_slice_in_dim": Op("m.dynamic_slice_in_dim({0}, {start}, {size}, axis={axis})",
                               params=_dynamic_slice),
    "dynamic_update_slice_in_dim": Op(
        "m.dynamic_update_slice_in_dim({0}, {1}, {start}, axis={axis})", "ff",
        params=_dynamic_slice, broadcast=False),
    "top_k": Op("m.top_k({0}, {k})[0]", params=_top_k, diff="kink"),
    "cummax": Op("m.cummax({0}, axis={axis}, reverse={reverse})", params=_lax_cumulative,
                 diff="kink"),
    "cummin": Op("m.cummin({0}, axis={axis}, reverse={reverse})", params=_lax_cumulative,
                 diff="kink"),
    "cumlogsumexp": Op("m.cumlogsumexp({0}, axis={axis}, reverse={reverse})",
                       params=_lax_cumulative),
    "lax_cumprod": Op("m.lax_cumprod({0}, axis={axis}, reverse={reverse})", guards=("bounded",),
                      params=_lax_cumulative),
    # convolution and windows over every axis (any rank >= 1; NumPy refuses the rest)
    "conv_same": Op("m.conv_same({0}, {1})", "ff", broadcast=False),
    "max_pool": Op("m.max_pool({0})", diff="kink"),
    "window_sum": Op("m.window_sum({0})"),
    # FFT (linear; real results from complex spectra)
    "fft_real": Op("m.real(m.fft.fft({0}, n={n}, axis={axis}, norm={norm!r}))", params=_fft),
    "ifft_imag": Op("m.imag(m.fft.ifft({0}, n={n}, axis={axis}, norm={norm!r}))", params=_fft),
    # |z| ** 2 is smooth (abs's slope at 0 is taken as 0); |z| itself has a cone at 0.
    "rfft_power": Op("m.abs(m.fft.rfft({0}, n={n}, axis={axis}, norm={norm!r})) ** 2",
                     params=_fft),
    "rfft_abs": Op("m.abs(m.fft.rfft({0}, n={n}, axis={axis}, norm={norm!r}))", params=_fft,
                   diff="kink"),
    "irfft_of_rfft": Op("m.fft.irfft(m.fft.rfft({0}, axis={axis}), n={n}, axis={axis}, "
                        "norm={norm!r})", params=_fft),
    "fftn_real": Op("m.real(m.fft.fftn({0}, axes={axes}, norm={norm!r}))", params=_fftn),
    # linalg on well-conditioned matrices built from the last axis (see _make_matrices)
    "solve": Op("m.linalg.solve(m.eye_plus_skew({0}), m.squashed({0})[..., None])[..., 0]",
                params=_matrix_side),
    "det": Op("m.linalg.det(m.eye_plus_skew({0}))", params=_matrix_side),
    "cholesky": Op("m.linalg.cholesky(m.spd({0}))", params=_matrix_side),
    # R's rows are unique up to sign (LAPACK's Householder choice): compare |R|.
    "qr_r_abs": Op("m.abs(m.linalg.qr(m.eye_plus_skew({0}))[1])", params=_matrix_side,
                   diff="kink"),
    "eigh_values": Op("m.linalg.eigh(m.separated_symmetric({0}))[0]", params=_matrix_side),
    # collectives over the leading axis, named by a vmap (NumPy: the loop reference)
    "rows_psum": Op("m.rows_psum({0})"),
    "rows_pmean": Op("m.rows_pmean({0})"),
    "rows_pmax": Op("m.rows_pmax({0})", diff="kink"),
    "rows_all_gather": Op("m.rows_all_gather({0})"),
    "rows_ppermute": Op("m.rows_ppermute({0})"),
    "rows_axis_index": Op("m.rows_axis_index({0})"),
}

# Control flow and call wrappers have builders (_Block._<name>: their bodies are nested
# programs); one top-level step in eight is one of these. The value: whether reverse-mode
# differentiation handles it.
CONTROL_FLOW = {"cond": True, "scan": True, "fori_loop": True, "jit": True, "checkpoint": True,
                "while_loop": False}


# ---------------------------------------------------------------------------------------------
# Programs


@dataclass(frozen=True)
class Var:
    name: str
    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def kind(self) -> str:
        return self.dtype.kind

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@dataclass
class Program:
    args: list[Var]
    lines: list[str]
    outputs: list[Var]
    safe: bool
    ops: list[str] = field(default_factory=list)   # the OPS names used, for statistics
    dtypes: set = field(default_factory=set)       # of every value

    @property
    def source(self) -> str:
        sig = ", ".join(["m"] + [a.name for a in self.args])
        doc = ", ".join(f"{a.name}: {_short(a)}" for a in self.args)
        outs = ", ".join(v.name for v in self.outputs)
        return (f"def f({sig}):  # {doc}\n" + "\n".join(self.lines)
                + f"\n    return ({outs},)\n")

    def function(self, m) -> Callable:
        """The program as a function of its arguments, with namespace m (XNP or NP)."""
        scope = {"np": np}
        exec(compile(self.source, "<fuzz program>", "exec"), scope)  # noqa: S102
        f = scope["f"]

        def program(*args):
            return f(m, *args)

        return program

    def __repr__(self) -> str:
        return "\n" + self.source


def _short(v: Var) -> str:
    return f"{'f32' if v.dtype == F32 else 'f64' if v.dtype == F64 else v.dtype.name}" \
           f"[{','.join(map(str, v.shape))}]"


def _example(v: Var) -> np.ndarray:
    if v.kind == "b":
        return np.zeros(v.shape, bool)
    return np.full(v.shape, 0.5, v.dtype)


def _trial(expr: str, operands: list) -> np.ndarray | None:
    """expr evaluated by NumPy on example values of the operands, or None if NumPy rejects it."""
    names = [f"_{i}" for i in range(len(operands))]
    try:
        fn = eval(f"lambda m, {', '.join(names)}: {expr}", {"np": np})  # noqa: S307
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return np.asarray(fn(NP, *[_example(v) if isinstance(v, Var) else v
                                        for v in operands]))
    except Exception:  # noqa: BLE001 (any rejection just means: not this op here)
        return None


@dataclass
class _Ctx:
    draw: Callable
    safe: bool
    grad: bool
    reverse: bool
    f64_only: bool
    control_flow: bool
    counter: list = field(default_factory=lambda: [0])
    ops_used: list = field(default_factory=list)
    dtypes: set = field(default_factory=set)
    used: set = field(default_factory=set)      # names of values some step reads


class _Block:
    """The lines and values of one function body (the program's, or a branch's or loop body's)."""

    def __init__(self, ctx: _Ctx, params: list[Var], outer: list[Var], indent: int, depth: int):
        self.ctx, self.indent, self.depth = ctx, indent, depth
        self.params, self.outer = params, outer
        self.locals: list[Var] = []
        self.lines: list[str] = []

    def visible(self) -> list[Var]:
        # Most recent first: draws shrink towards chains of consecutive steps.
        return list(reversed(self.outer + self.params + self.locals))

    def fresh(self, shape, dtype) -> Var:
        k = self.ctx.counter[0]
        self.ctx.counter[0] += 1
        self.ctx.dtypes.add(np.dtype(dtype))
        return Var(f"v{k}", tuple(int(d) for d in shape), np.dtype(dtype))

    def emit(self, text: str) -> None:
        self.lines.append("    " * self.indent + text)

    def step(self) -> bool:
        """Append one random step; False if the drawn op does not apply here."""
        ctx = self.ctx
        names = [n for n, op in OPS.items() if not (ctx.grad and op.diff in ("none", "singular"))]
        if ctx.control_flow and self.depth == 0 and ctx.draw(st.integers(0, 7)) == 3:
            names = [n for n, reverse_ok in CONTROL_FLOW.items() if reverse_ok or not ctx.reverse]
        # Hypothesis draws index 0 far more often than the rest: the offset spreads that
        # preference over the table instead of always favouring its first entry.
        offset = 7 * len(ctx.ops_used)
        name = names[(ctx.draw(st.integers(0, len(names) - 1)) + offset) % len(names)]
        if name in CONTROL_FLOW:
            ok = getattr(self, "_" + name)()
        else:
            ok = self._op(name, OPS[name])
        if ok:
            ctx.ops_used.append(name)
        return ok

    def _candidates(self, kind: str) -> list[Var]:
        return [v for v in self.visible() if v.kind == kind and v.dtype != np.float16]

    def _op(self, name: str, op: Op) -> bool:
        ctx, draw = self.ctx, self.ctx.draw
        first = self._candidates(op.kinds[0])
        if not first:
            return False
        if op.nonempty and ctx.safe:
            first = [v for v in first if v.size]
            if not first:
                return False
        operands = [draw(st.sampled_from(first))]
        params = {}
        if op.params is not None:
            params = op.params(ctx, operands[0])
            if params is None:
                return False
        for pos, kind in enumerate(op.kinds[1:], 1):
            guarded = ctx.safe and pos < len(op.guards) and op.guards[pos]
            pool: list = self._candidates(kind)
            if op.broadcast:
                pool = [v for v in pool if _broadcasts(*(o.shape for o in operands
                                                         if isinstance(o, Var)), v.shape)]
            else:
                big = math.prod(o.size for o in operands)
                pool = [v for v in pool if big * v.size <= 10 * MAX_SIZE
                        and _trial(self._render(op, operands + [v], params, ctx.safe),
                                   operands + [v]) is not None]
            if op.scalars and kind == "f" and not guarded:
                pool = pool + list(_CONSTS[:2])
            if not pool:
                return False
            operands.append(draw(st.sampled_from(pool)))
        expr = self._render(op, operands, params, ctx.safe, placeholders=False)
        result = _trial(self._render(op, operands, params, ctx.safe), operands)
        if result is None or result.dtype.kind not in "fb" + ("" if ctx.grad else "iu"):
            return False
        if result.dtype == np.float16 or (ctx.f64_only and result.dtype == F32) or \
                result.size > MAX_SIZE:
            return False
        ctx.used.update(o.name for o in operands if isinstance(o, Var))
        out = self.fresh(result.shape, result.dtype)
        self.locals.append(out)
        self.emit(f"{out.name} = {expr}")
        return True

    @staticmethod
    def _render(op: Op, operands, params, safe: bool, placeholders: bool = True) -> str:
        """The op's source; with placeholders, operand i is written _i (for _trial)."""
        texts = []
        for i, o in enumerate(operands):
            text = (f"_{i}" if placeholders else o.name) if isinstance(o, Var) else repr(o)
            guard = op.guards[i] if safe and i < len(op.guards) else None
            texts.append(GUARDS[guard].format(text) if guard and isinstance(o, Var) else text)
        return op.template.format(*texts, **params)

    # -- control flow ----------------------------------------------------------------------

    def _body(self, params: list[Var], max_steps: int) -> _Block:
        body = _Block(self.ctx, params, self.visible_outer_for_body(), self.indent + 1,
                      self.depth + 1)
        for _ in range(self.ctx.draw(st.integers(1, max_steps))):
            body.step()
        return body

    def visible_outer_for_body(self) -> list[Var]:
        return self.outer + self.params + self.locals

    def _cond(self) -> bool:
        draw = self.ctx.draw
        floats = self._candidates("f")
        if not floats:
            return False
        pred_of = draw(st.sampled_from(floats))
        threshold = draw(st.sampled_from((0.0, 0.5, -0.5)))
        operands = draw(st.lists(st.sampled_from(floats), min_size=1, max_size=2))
        target = operands[0]
        self.ctx.used.update(v.name for v in operands + [pred_of])
        k = self.ctx.counter[0]
        names = []
        for branch in ("true", "false"):
            params = [self.fresh(o.shape, o.dtype) for o in operands]
            body = self._body(params, 3)
            out = draw(st.sampled_from(body._candidates("f")))
            self.ctx.used.add(out.name)
            fn = f"{branch}{k}"
            names.append(fn)
            body.emit(f"return m.fit({out.name}, {params[0].name})")
            self.emit(f"def {fn}({', '.join(p.name for p in params)}):")
            self.lines += body.lines
        out = self.fresh(target.shape, target.dtype)
        self.locals.append(out)
        self.emit(f"{out.name} = m.cond(m.sum({pred_of.name}) > {threshold}, {names[0]}, "
                  f"{names[1]}, {', '.join(o.name for o in operands)})")
        return True

    def _scan(self) -> bool:
        draw = self.ctx.draw
        floats = self._candidates("f")
        # Short loops: each iteration runs the body once per transformation level.
        xs_pool = [v for v in floats if v.shape and v.shape[0] <= 9]
        if not xs_pool:
            return False
        xs = draw(st.sampled_from(xs_pool))
        init = draw(st.sampled_from(floats))
        k = self.ctx.counter[0]
        carry = self.fresh(init.shape, init.dtype)
        x = self.fresh(xs.shape[1:], xs.dtype)
        body = self._body([carry, x], 3)
        new_carry = draw(st.sampled_from(body._candidates("f")))
        y = draw(st.sampled_from(body._candidates("f")))
        self.ctx.used.update((xs.name, init.name, new_carry.name, y.name))
        fn = f"body{k}"
        body.emit(f"return m.fit({new_carry.name}, {carry.name}), {y.name}")
        self.emit(f"def {fn}({carry.name}, {x.name}):")
        self.lines += body.lines
        reverse = draw(st.booleans())
        c_out = self.fresh(init.shape, init.dtype)
        ys = self.fresh((xs.shape[0],) + y.shape, y.dtype)
        self.locals += [c_out, ys]
        self.emit(f"{c_out.name}, {ys.name} = m.scan({fn}, {init.name}, {xs.name}"
                  + (", reverse=True)" if reverse else ")"))
        return True


    def _call(self, wrapper: str) -> bool:
        draw = self.ctx.draw
        floats = self._candidates("f")
        if not floats:
            return False
        operands = draw(st.lists(st.sampled_from(floats), min_size=1, max_size=2))
        self.ctx.used.update(v.name for v in operands)
        fn = f"{wrapper}{self.ctx.counter[0]}"
        params = [self.fresh(o.shape, o.dtype) for o in operands]
        body = self._body(params, 4)
        out = draw(st.sampled_from(body._candidates("f")))
        self.ctx.used.add(out.name)
        body.emit(f"return m.fit({out.name}, {params[0].name})")
        self.emit(f"def {fn}({', '.join(p.name for p in params)}):")
        self.lines += body.lines
        result = self.fresh(operands[0].shape, operands[0].dtype)
        self.locals.append(result)
        self.emit(f"{result.name} = m.{wrapper}({fn})({', '.join(o.name for o in operands)})")
        return True

    def _jit(self) -> bool:
        return self._call("jit")

    def _checkpoint(self) -> bool:
        return self._call("checkpoint")

    def _loop_parts(self):
        """(init, k, carry, body, out) for a loop over one float carry, or None: the initial
        value, the loop's number, the body's carry parameter, the body block and the value
        the body returns."""
        draw = self.ctx.draw
        floats = self._candidates("f")
        if not floats:
            return None
        init = draw(st.sampled_from(floats))
        self.ctx.used.add(init.name)
        k = self.ctx.counter[0]
        carry = self.fresh(init.shape, init.dtype)
        body = self._body([carry], 3)
        out = draw(st.sampled_from(body._candidates("f")))
        self.ctx.used.add(out.name)
        return init, k, carry, body, out

    def _loop_result(self, init, call: str) -> None:
        result = self.fresh(init.shape, init.dtype)
        self.locals.append(result)
        self.emit(f"{result.name} = {call}")

    def _fori_loop(self) -> bool:
        parts = self._loop_parts()
        if parts is None:
            return False
        init, k, carry, body, out = parts
        lower = self.ctx.draw(st.integers(-1, 2))
        upper = lower + self.ctx.draw(st.integers(-1, 3))
        # The index joins the carry, so the body depends on it.
        body.emit(f"return m.fit({out.name} * (i{k} + 1.0), {carry.name})")
        self.emit(f"def body{k}(i{k}, {carry.name}):")
        self.lines += body.lines
        self._loop_result(init, f"m.fori_loop({lower}, {upper}, body{k}, {init.name})")
        return True

    def _while_loop(self) -> bool:
        """A loop of at most `limit` trips that ends early once the carry's sum passes a
        threshold: trip counts depend on the data (and differ between vmap members)."""
        parts = self._loop_parts()
        if parts is None:
            return False
        init, k, carry, body, out = parts
        draw = self.ctx.draw
        limit, threshold = draw(st.integers(0, 4)), draw(st.sampled_from((2.0, 0.0, 10.0)))
        self.emit(f"def cond{k}(c):")
        self.emit(f"    return (c[0] < {limit}) & (m.sum(c[1]) < {threshold})")
        body.emit(f"return i{k} + 1, m.fit({out.name}, {carry.name})")
        self.emit(f"def body{k}(c):")
        self.emit(f"    i{k}, {carry.name} = c")
        self.lines += body.lines
        self._loop_result(init, f"m.while_loop(cond{k}, body{k}, (0, {init.name}))[1]")
        return True


def _broadcasts(*shapes) -> bool:
    try:
        np.broadcast_shapes(*shapes)
        return True
    except ValueError:
        return False


_DIMS = st.sampled_from((1, 2, 3, 2, 3, 4, 0, 5, 9))
# Past the Numba backend's reduction block (512) and not a multiple of its accumulator count.
_LONG = 517
MAX_SIZE = 60_000   # elements of any value (outer products of long axes get big fast)


@st.composite
def programs(draw, grad: bool = False, reverse: bool = True, f64_only: bool = False,
             control_flow: bool = True,
             max_steps: int = 8, safe: bool | None = None) -> Program:
    """A random program.

    grad: every op is differentiable (kinks allowed) and every output is a float array;
        reverse: reverse mode too (no while_loop).
    f64_only: every value is float64 (for finite differences).
    safe: guarded domains (default: drawn; always for grad).
    """
    dtype = F64 if f64_only else draw(st.sampled_from((F64, F32)))
    if safe is None:
        safe = True if grad else draw(st.booleans())
    # (Hypothesis favours small and boundary draws: the choices below lean on that to make
    # most arguments full-rank, non-trivial arrays.)
    base = [draw(_DIMS) for _ in range(draw(st.sampled_from((2, 3, 1, 0, 2, 3))))]
    if base and draw(st.integers(0, 15)) == 7:
        base[draw(st.integers(0, len(base) - 1))] = _LONG
        base = [d if d == _LONG else min(d, 3) for d in base]
    args = []
    for i in range(draw(st.integers(1, 3))):
        # A suffix of a common shape with some dims set to 1: the arguments broadcast
        # together, in every pattern NumPy allows.
        shape = base[draw(st.integers(0, len(base))):]
        shape = [1 if draw(st.integers(0, 4)) == 2 else d for d in shape]
        dt = dtype if f64_only or draw(st.integers(0, 5)) else (F32 if dtype == F64 else F64)
        args.append(Var(f"a{i}", tuple(shape), dt))
    ctx = _Ctx(draw, safe, grad, grad and reverse, f64_only, control_flow)
    block = _Block(ctx, args, [], 1, 0)
    for _ in range(draw(st.integers(2, max_steps))):
        for _attempt in range(4):
            if block.step():
                break
    # Every value no step reads is an output: no step is dead code that a backend may skip.
    pool = [v for v in block.locals if not grad or v.kind == "f"] or args
    outputs = [v for v in pool[:-1] if v.name not in ctx.used] + [pool[-1]]
    return Program(args, block.lines, outputs, safe, ctx.ops_used,
                   ctx.dtypes | {a.dtype for a in args})


# ---------------------------------------------------------------------------------------------
# Argument values

_EDGE = {
    F64: (0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 1e-310, 1e300, -710.0, 710.0, 1e-20),
    F32: (0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 1e-40, 1e30, -89.0, 89.0, 1e-20),
}


LAYOUTS = ("C", "F", "strided", "reversed")


def _with_layout(x: np.ndarray, layout: str) -> np.ndarray:
    """x's values in the given memory layout: C order, Fortran order, every other element of
    a buffer, or negative strides."""
    if x.ndim == 0 or layout == "C":
        return x
    if layout == "F":
        return np.asfortranarray(x)
    if layout == "strided":
        buf = np.empty(x.shape[:-1] + (2 * x.shape[-1],), x.dtype)
        buf[..., ::2] = x
        return buf[..., ::2]
    return np.flip(np.flip(x).copy())


def make_args(program: Program, seed: int, edge: bool = False, batch: int | None = None,
              axes=None, layout: str = "C") -> list[np.ndarray]:
    """Random normal arguments; with edge, some entries become zeros, infinities, nan,
    subnormals and overflowing values. With axes (one int or None per argument) and a batch
    size, mapped arguments get a batch axis inserted at their axis."""
    rng = np.random.default_rng(seed)
    out = []
    for i, a in enumerate(program.args):
        shape = list(a.shape)
        if axes is not None and axes[i] is not None:
            ax = axes[i] % (len(shape) + 1)
            shape.insert(ax, batch)
        x = rng.standard_normal(shape)
        if edge and x.size:
            n = int(rng.integers(1, x.size + 1))
            pos = rng.choice(x.size, n, replace=False)
            x.flat[pos] = rng.choice(np.array(_EDGE[a.dtype]), n)
        out.append(_with_layout(x.astype(a.dtype), layout))
    return out


# ---------------------------------------------------------------------------------------------
# Comparison with a conditioning estimate


def run_quiet(fn, *args):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*args)


def _nudge(x, rng):
    """Float arrays (and tuples of them) moved by a few ulp; anything else as it is."""
    if isinstance(x, tuple | list):
        return type(x)(_nudge(v, rng) for v in x)
    if isinstance(x, np.ndarray | np.floating) and x.dtype.kind == "f":
        moved = x * (1 + 4 * np.finfo(x.dtype).eps * rng.uniform(-1, 1, np.shape(x)))
        return np.asarray(moved, x.dtype).view(_Unfused)
    return x


def _unfused_matmul(a, b):
    """matmul as separately rounded products and a sum: no fused multiply-add."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return np.matmul(a, b)  # NumPy's error
    a2, b2 = (a[None, :] if a.ndim == 1 else a), (b[:, None] if b.ndim == 1 else b)
    out = np.sum(a2[..., :, :, None] * b2[..., None, :, :], axis=-2)
    out = out[..., 0, :] if a.ndim == 1 else out
    return out[..., 0] if b.ndim == 1 else out


def _unfused_dot(a, b, inner: bool = False):
    """dot (or inner) as separately rounded products and a sum."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return np.multiply(a, b)
    if not inner:  # dot contracts b's second-to-last axis: move it last
        b = np.moveaxis(b, -2 if b.ndim > 1 else 0, -1)
    return np.sum(a.reshape(a.shape[:-1] + (1,) * (b.ndim - 1) + a.shape[-1:]) * b, axis=-1)


class _Unfused(np.ndarray):
    """An array whose @ and .dot round each product (for Nudged's probes)."""

    def __matmul__(self, other):
        return np.asarray(_unfused_matmul(self, other)).view(_Unfused)

    def __rmatmul__(self, other):
        return np.asarray(_unfused_matmul(other, self)).view(_Unfused)

    def dot(self, other):
        return np.asarray(_unfused_dot(self, other)).view(_Unfused)


def _nan_signed(x, negative: bool):
    """x with every nan given one sign."""
    x = np.asarray(x)
    return np.where(np.isnan(x), np.copysign(np.nan, -1.0 if negative else 1.0).astype(x.dtype), x)


# How another backend may compute products: without fused multiply-add.
_UNFUSED = {"matmul": _unfused_matmul, "dot": _unfused_dot,
            "inner": functools.partial(_unfused_dot, inner=True),
            "vdot": lambda a, b: np.sum(np.ravel(a) * np.ravel(b))}


class Nudged:
    """A namespace whose functions return results moved by a few ulp, as a backend whose
    elementary functions round differently (vecmath is within 2 ulp of NumPy) would. Probing
    with it measures the conditioning of every intermediate, which perturbing the arguments
    alone misses when a step such as sign or round absorbs their perturbation (sin(prod(...))
    of an input-independent 5e35 is then as sensitive as it gets).

    Its products (matmul, dot, inner, vdot, and @ and .dot of the arrays it returns, which
    reference() also makes of the arguments) round every product, where BLAS fuses multiply
    and add: with an overflowing product, -inf + 1e300 * 1e300 is -inf fused but nan
    unfused, and neither NumPy nor XLA promise one or the other. Its copysign and signbit
    read nan as positive or as negative. Entries where these differ are not compared."""

    def __init__(self, base, seed: int):
        self._base, self._rng = base, np.random.default_rng(seed)
        # IEEE leaves a nan's sign unspecified (copysign(89, nan) is 89 or -89): the probes
        # of consecutive seeds read every nan as positive, then as negative.
        negative = seed % 2 == 1
        self._variants = dict(_UNFUSED,
                              copysign=lambda a, b: np.copysign(a, _nan_signed(b, negative)),
                              signbit=lambda x: np.signbit(_nan_signed(x, negative)))

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        attr = self._variants.get(name) or getattr(self._base, name)
        if not callable(attr) or isinstance(attr, type):
            return attr
        return lambda *a, **k: _nudge(attr(*a, **k), self._rng)


def reference(fn: Callable, args: list[np.ndarray], seed: int = 0, probes: int = 2,
              nudged: Callable[[int], Callable] | None = None):
    """(want, spread): fn's outputs, and per output an estimate of their rounding error.

    The spread is how far the outputs move when the arguments are perturbed by a few ulp,
    when (given `nudged`, seed -> fn on a Nudged namespace) every intermediate is, and, with
    float32 arguments, when they are computed from float64 ones: a measure of the
    conditioning, so that rounding differences amplified by cancellation are told apart from
    wrong results. It is nan where a probe changes nan-ness, infinity, or an integer or bool
    result: no comparison is meaningful there."""
    want = [np.asarray(w) for w in run_quiet(fn, *args)]
    spread = [np.zeros(w.shape) for w in want]
    rng = np.random.default_rng(seed)
    variants = [(fn, [(a * (1 + 8 * np.finfo(a.dtype).eps * rng.uniform(-1, 1, a.shape))).astype(
        a.dtype) for a in args]) for _ in range(probes)]
    if any(a.dtype == F32 for a in args):
        variants.append((fn, [a.astype(F64) for a in args]))
    if nudged is not None:
        variants += [(nudged(seed + k), [a.view(_Unfused) for a in args])
                     for k in range(probes)]
    for probe, moved in variants:
        for i, (w, p) in enumerate(zip(want, run_quiet(probe, *moved))):
            p = np.asarray(p)
            with np.errstate(all="ignore"):
                if w.dtype.kind == "f":
                    p64, w64 = p.astype(np.float64), w.astype(np.float64)
                    same = (np.isnan(p64) == np.isnan(w64)) & (np.isinf(p64) == np.isinf(w64)) & (
                        ~np.isinf(w64) | (p64 == w64))
                    d = np.where(same, np.nan_to_num(np.abs(p64 - w64), nan=0.0, posinf=0.0), np.nan)
                else:
                    d = np.where(p == w, 0.0, np.nan)
            spread[i] = np.where(np.isnan(d) | np.isnan(spread[i]), np.nan, np.maximum(spread[i], d))
    return want, spread


RTOL = {F32: 1e-4, F64: 1e-9}
ATOL = {F32: 1e-6, F64: 1e-12}


def assert_outputs_close(got, want, spread, what: str, slack: float = 16.0,
                         same_dtype: bool = True, program: Program | None = None) -> None:
    """got matches want in structure, shape, dtype (unless not same_dtype) and value: exactly
    for bool and integer results and nan/inf positions, within tolerance for floats (rtol
    per dtype, float32's if the program computes anything in float32, plus slack times the
    spread); entries whose spread is nan (ill-conditioned) are not compared."""
    lowest = F32 if program is not None and F32 in program.dtypes else F64
    got = list(got) if isinstance(got, tuple | list) else [got]
    assert len(got) == len(want), f"{what}: {len(got)} outputs, expected {len(want)}"
    for i, (g, w, s) in enumerate(zip(got, want, spread)):
        g = np.asarray(g)
        label = f"{what}, output {i}"
        assert g.shape == w.shape, f"{label}: shape {g.shape}, expected {w.shape}"
        assert g.dtype == w.dtype or not same_dtype, f"{label}: dtype {g.dtype}, expected {w.dtype}"
        stable = ~np.isnan(s)
        if w.dtype.kind != "f":
            bad = stable & (g != w)
        else:
            g64, w64 = g.astype(np.float64), w.astype(np.float64)
            with np.errstate(all="ignore"):
                low = F32 if F32 in (w.dtype, g.dtype, lowest) else F64
                tol = RTOL[low] * np.abs(w64) + ATOL[low] + slack * np.nan_to_num(s)
                close = (np.abs(g64 - w64) <= tol) | (g64 == w64)
            close |= np.isnan(g64) & np.isnan(w64)
            bad = stable & ~close
        if bad.any():
            where = tuple(int(j) for j in np.argwhere(bad)[0])
            raise AssertionError(
                f"{label}: {int(bad.sum())} of {w.size} entries differ; first at {where}: got "
                f"{g[where]!r}, expected {w[where]!r}\n got: {g!r}\nwant: {w!r}")


# ---------------------------------------------------------------------------------------------
# The two namespaces a program runs with


class Namespace:
    """A module's attributes plus extras (what the module lacks, under the program's names)."""

    def __init__(self, module, **extras):
        self._module = module
        self.__dict__.update(extras)

    def __getattr__(self, name):
        return getattr(self._module, name)


def _make_fit(m):
    def fit(x, like):
        """x with the axes that do not broadcast to like's shape summed away, broadcast and
        cast to like's dtype: how a branch or loop body returns a value of a fixed type."""
        x, like = m.asarray(x), m.asarray(like)
        shape = like.shape
        extra = x.ndim - len(shape)
        if extra > 0:
            x = m.sum(x, axis=tuple(range(extra)))
        lead = len(shape) - x.ndim
        axes = tuple(i for i, d in enumerate(x.shape) if d not in (1, shape[lead + i]))
        if axes:
            x = m.sum(x, axis=axes, keepdims=True)
        return m.astype(m.broadcast_to(x, shape), like.dtype)

    return fit


def _np_cond(pred, true_fun, false_fun, *operands):
    return true_fun(*operands) if pred else false_fun(*operands)


def _np_scan(f, init, xs, reverse=False):
    n = len(xs)
    carry, ys = init, [None] * n
    for i in (reversed(range(n)) if reverse else range(n)):
        carry, ys[i] = f(carry, xs[i])
    if n == 0:
        # The type of y, from a body run that is thrown away.
        _, y = f(init, np.zeros(xs.shape[1:], xs.dtype))
        return carry, np.zeros((0,) + np.shape(y), np.asarray(y).dtype)
    return carry, np.stack([np.asarray(y) for y in ys])


def _np_while_loop(cond_fun, body_fun, init):
    val = init
    while cond_fun(val):
        val = body_fun(val)
    return val


def _np_fori_loop(lower, upper, body_fun, init):
    val = init
    for i in range(lower, upper):
        val = body_fun(np.asarray(i), val)
    return val


def _np_astype(x, dtype):
    return np.asarray(x).astype(dtype)


class _NpAt:
    """NumPy's stand-in for numbax.numpy.at(x)[index]: the update made on a copy with
    np.ufunc.at, which, as numbax, accumulates over repeated indices."""

    def __init__(self, x, index=()):
        self.x, self.index = np.asarray(x), index

    def __getitem__(self, index):
        return _NpAt(self.x, index)

    def _update(self, ufunc, value):
        out = self.x.copy()
        ufunc.at(out, self.index, value)
        return out

    def add(self, value):
        return self._update(np.add, value)

    def multiply(self, value):
        return self._update(np.multiply, value)

    def max(self, value):
        return self._update(np.maximum, value)


def _np_logsumexp(x, axis=None, keepdims=False):
    # logaddexp's reduction never overflows; longdouble keeps the float64 result exact.
    x = np.asarray(x)
    return np.logaddexp.reduce(x.astype(np.longdouble), axis=axis, keepdims=keepdims).astype(x.dtype)


def _np_softmax(x, axis=-1):
    x = np.asarray(x)
    lse = np.logaddexp.reduce(x.astype(np.longdouble), axis=axis, keepdims=True)
    return np.exp(x - lse).astype(x.dtype)


def _multiply_0d(product):
    """NumPy's dot and inner with a 0-d operand scale through BLAS, which skips the products
    when the scale is 0 (inner(0.0, nan) is 0.0); multiply, as in JAX, gives nan."""
    def fn(a, b):
        return np.multiply(a, b) if np.ndim(a) == 0 or np.ndim(b) == 0 else product(a, b)
    return fn


# Rank-generic convolution and windows: one feature, one batch row, every axis spatial.
def _xnp_conv_same(x, w):
    dt = xnp.result_type(x, w)
    x, w = (xnp.reshape(xnp.asarray(a, dt), (1, 1) + xnp.shape(a)) for a in (x, w))
    return lax.conv_general_dilated(x, w, (1,) * (x.ndim - 2), "SAME")[0, 0]


def _np_conv_same(x, w):
    x, w = np.asarray(x), np.asarray(w)
    if x.ndim != w.ndim or x.ndim == 0:
        raise ValueError("conv_same needs operands of one rank >= 1")
    pads = [((k - 1) // 2, k - 1 - (k - 1) // 2) for k in w.shape]
    view = np.lib.stride_tricks.sliding_window_view(np.pad(x, pads), w.shape)
    return np.tensordot(view, w, axes=w.ndim).astype(np.result_type(x, w))


def _np_window(reduce, pad):
    def fn(x):
        x = np.asarray(x)
        if x.ndim == 0:
            raise ValueError("windows need rank >= 1")
        xp = np.pad(x, [(0, pad)] * x.ndim, constant_values=0)
        view = np.lib.stride_tricks.sliding_window_view(xp, (2,) * x.ndim)
        return reduce(view, axis=tuple(range(x.ndim, 2 * x.ndim)))
    return fn


def _xnp_max_pool(x):
    return lax.reduce_window(x, -np.inf, lax.max, (2,) * x.ndim, (1,) * x.ndim, "VALID")


def _xnp_window_sum(x):
    return lax.reduce_window(x, 0.0, lax.add, (2,) * x.ndim, (1,) * x.ndim, [(0, 1)] * x.ndim)


XNP = Namespace(xnp, cond=lax.cond, scan=lax.scan, while_loop=lax.while_loop, fori_loop=lax.fori_loop,
                jit=functools.partial(nb.jit, backend="interpreter"), checkpoint=nb.checkpoint,
                sigmoid=nn.sigmoid, softplus=nn.softplus, logsumexp=nn.logsumexp,
                softmax=nn.softmax, relu=nn.relu, rsqrt=lax.rsqrt, fit=_make_fit(xnp),
                checkpoint_name=nb.ad_checkpoint.checkpoint_name)
NP = Namespace(np, cond=_np_cond, scan=_np_scan, while_loop=_np_while_loop,
               fori_loop=_np_fori_loop, astype=_np_astype,
               inner=_multiply_0d(np.inner), dot=_multiply_0d(np.dot),
               jit=lambda f: f, checkpoint=lambda f: f,
               sigmoid=lambda x: np.exp(-np.logaddexp(0, -x)), softplus=lambda x: np.logaddexp(0, x),
               logsumexp=_np_logsumexp, softmax=_np_softmax, relu=lambda x: np.maximum(x, 0),
               rsqrt=lambda x: 1 / np.sqrt(x), at=_NpAt, checkpoint_name=lambda x, name: x)
NP.fit = _make_fit(NP)
XNP.conv_same, NP.conv_same = _xnp_conv_same, _np_conv_same
XNP.max_pool, NP.max_pool = _xnp_max_pool, _np_window(np.max, 0)
XNP.window_sum, NP.window_sum = _xnp_window_sum, _np_window(np.sum, 1)


# lax slicing, top_k and cumulative reductions: NumPy stand-ins with lax's clamping and order.
def _np_clamped_start(start: int, n: int, size: int) -> int:
    return min(max(start + n if start < 0 else start, 0), n - size)


def _np_dynamic_slice_in_dim(x, start, size, axis):
    x = np.asarray(x)
    s = _np_clamped_start(start, x.shape[axis], size)
    return np.moveaxis(np.moveaxis(x, axis, 0)[s:s + size], 0, axis)


def _np_dynamic_update_slice_in_dim(x, u, start, axis):
    x, u = np.asarray(x), np.asarray(u)
    if x.dtype != u.dtype or x.ndim != u.ndim or any(a > b for a, b in zip(u.shape, x.shape)):
        raise ValueError("dynamic_update_slice_in_dim: the update does not fit the operand")
    axis %= x.ndim
    s = _np_clamped_start(start, x.shape[axis], u.shape[axis])
    out = x.copy()
    out[tuple(slice(s, s + k) if d == axis else slice(0, k) for d, k in enumerate(u.shape))] = u
    return out


def _np_top_k(x, k):
    x = np.asarray(x)
    nan = np.isnan(x)  # nan first, then descending; ties in ascending position
    idx = np.lexsort((np.where(nan, 0, -x), ~nan), axis=-1)[..., :k]
    return np.take_along_axis(x, idx, -1), idx.astype(np.int32)


def _np_lax_cumulative(accumulate):
    def fn(x, axis, reverse):
        x = np.asarray(x)
        if reverse:
            return np.flip(accumulate(np.flip(x, axis), axis), axis)
        return accumulate(x, axis)
    return fn


for _name, _acc in {"cummax": np.maximum.accumulate, "cummin": np.minimum.accumulate,
                    "cumlogsumexp": np.logaddexp.accumulate, "lax_cumprod": np.cumprod}.items():
    setattr(NP, _name, _np_lax_cumulative(lambda x, axis, _acc=_acc: _acc(x, axis=axis)))
    setattr(XNP, _name, getattr(lax, _name.removeprefix("lax_")))
XNP.dynamic_slice_in_dim, NP.dynamic_slice_in_dim = (lax.dynamic_slice_in_dim,
                                                     _np_dynamic_slice_in_dim)
XNP.dynamic_update_slice_in_dim = lax.dynamic_update_slice_in_dim
NP.dynamic_update_slice_in_dim = _np_dynamic_update_slice_in_dim
XNP.top_k, NP.top_k = lax.top_k, _np_top_k


def _make_matrices(m):
    """Well-conditioned square matrices from a stack of vectors x (..., n), written with
    namespace m, for the linalg ops. Their entries are finite whatever x holds: what LAPACK
    makes of nan and inf depends on its algorithm (gesv and getrf + trsm differ), which
    neither NumPy nor JAX specify."""
    def squashed(x):
        return m.tanh(m.nan_to_num(x))

    def eye_plus_skew(x):
        # I + S with S antisymmetric (|S_ij| <= 1 / n): singular values in [1, 2], det >= 1.
        n, t = m.shape(x)[-1], squashed(x)
        return m.eye(n, dtype=t.dtype) + (t[..., :, None] - t[..., None, :]) / (2 * n)

    def spd(x):
        # t t^T + n I: eigenvalues in [n, 2n].
        n, t = m.shape(x)[-1], squashed(x)
        return t[..., :, None] * t[..., None, :] + n * m.eye(n, dtype=t.dtype)

    def separated_symmetric(x):
        # diag(0, 3, 6, ...) plus a symmetric part of norm <= 1: eigenvalues at least 1
        # apart, so that eigh's derivative (1 / (w_i - w_j) for the vectors) stays finite.
        n, t = m.shape(x)[-1], squashed(x)
        diagonal = m.eye(n, dtype=t.dtype) * m.asarray(3.0 * np.arange(n), t.dtype)
        return diagonal + (t[..., :, None] + t[..., None, :]) / (2 * n)

    return {"squashed": squashed, "eye_plus_skew": eye_plus_skew, "spd": spd,
            "separated_symmetric": separated_symmetric}


for _ns, _m in ((XNP, xnp), (NP, np)):
    _ns.__dict__.update(_make_matrices(_m))

def _rows(each: Callable) -> Callable:
    """each(row, n) for every row of x's leading axis, which a vmap names "rows": how the
    fuzzer draws collectives."""
    return lambda x: nb.vmap(lambda r: each(r, len(x)), axis_name="rows")(x)


def _np_rows(whole: Callable) -> Callable:
    """whole(x, n): the NumPy reference of a _rows op; a 0-d x has no axis to name."""
    def fn(x):
        x = np.asarray(x)
        if x.ndim == 0:
            raise ValueError("a named axis needs a leading axis")
        return whole(x, len(x))
    return fn


XNP.rows_psum = _rows(lambda r, n: lax.psum(r, "rows"))
XNP.rows_pmean = _rows(lambda r, n: lax.pmean(r, "rows"))
XNP.rows_pmax = _rows(lambda r, n: lax.pmax(r, "rows"))
XNP.rows_all_gather = _rows(lambda r, n: lax.all_gather(r, "rows"))
XNP.rows_ppermute = _rows(lambda r, n: lax.ppermute(r, "rows", [(i, (i + 1) % n)
                                                              for i in range(n)]))
XNP.rows_axis_index = _rows(lambda r, n: r * xnp.asarray(lax.axis_index("rows"), r.dtype))
NP.rows_psum = _np_rows(lambda x, n: np.broadcast_to(x.sum(0, keepdims=True), x.shape).copy())
NP.rows_pmean = _np_rows(lambda x, n: np.broadcast_to(x.sum(0, keepdims=True) / x.dtype.type(n),
                                                      x.shape).copy())
NP.rows_pmax = _np_rows(lambda x, n: np.broadcast_to(x.max(0, keepdims=True), x.shape).copy())
NP.rows_all_gather = _np_rows(lambda x, n: np.broadcast_to(x, (n, *x.shape)).copy())
NP.rows_ppermute = _np_rows(lambda x, n: np.roll(x, 1, axis=0))
NP.rows_axis_index = _np_rows(lambda x, n: x * np.arange(n, dtype=x.dtype).reshape(
    (n,) + (1,) * (x.ndim - 1)))

SPECIAL = ("erf", "erfc", "erfinv", "gammaln", "digamma", "i0e", "i1e", "ndtr", "log_ndtr",
           "gammainc", "erfcx", "dawsn", "spence", "exp1", "expi", "polygamma", "sici",
           "fresnel", "expn", "hyp1f1", "hyp2f1")
for _name in SPECIAL:
    setattr(XNP, _name, getattr(nsp, _name))
    setattr(NP, _name, getattr(ssp, _name))
# SciPy promotes these integer orders and Python-float parameters with a float32 x to
# float64; JAX keeps x's dtype.
NP.polygamma = lambda n, x: ssp.polygamma(n, x).astype(np.result_type(x))
NP.expn = lambda n, x: ssp.expn(n, x).astype(np.result_type(x))
NP.hyp1f1 = lambda a, b, x: ssp.hyp1f1(a, b, x).astype(np.result_type(x))
NP.hyp2f1 = lambda a, b, c, x: ssp.hyp2f1(a, b, c, x).astype(np.result_type(x))
