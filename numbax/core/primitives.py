"""Primitives: one table of abstract-eval (shape and dtype) rules and one of NumPy impls.

The primitive set is closed: every transformation keeps one rule per primitive in its own
table, and a missing rule is a NotImplementedError naming the primitive and the table.
Elementwise primitives take operands of one dtype whose shapes broadcast as in NumPy
(numbax.numpy inserts the conversions); every other primitive is strict about shapes.
"""
from __future__ import annotations

import importlib
import math
import sys
import weakref
from collections.abc import Callable

import numpy as np

from . import trace
from .avals import ShapedArray, broadcast_shapes, check_dtype, real_dtype, short_dtype_name
from .scalar import ScalarRule, literal


class Primitive:
    """A primitive operation: its name, its kind and the rules it declares with itself.

    kind: "elementwise" (operands of one dtype broadcast NumPy-style; batching aligns
        ranks and fusion may compute it in a loop), "call" (runs the Jaxpr in params[call_body]
        with its operands: jit, checkpoint, custom rules),
        "control_flow" (cond, while, scan: bodies run by their own rules), "collective"
        (psum, all_gather...: works across the members of the named axes in params["axes"];
        bind routes it to the trace binding them, see core/collective_primitives.py), or
        "other".
    scalar: the ScalarRule by which a fused kernel computes one element (core/scalar.py);
        None keeps the primitive out of fusion.
    jvp: for elementwise primitives, one function per operand, fn(t, *primals) -> the
        tangent's contribution (None: not differentiable in that operand); interpreters/ad.py
        derives the JVP rule from it.
    linear: linear in its (float) operands, so reverse mode needs a transpose rule.

    Every primitive is registered by name in `primitives` when it is made, and the tables of
    higher layers that derive rules from declarations subscribe with on_define.
    """

    def __init__(self, name: str, multiple_results: bool = False, *, kind: str = "other",
                 scalar: ScalarRule | None = None, call_body: str | None = None,
                 jvp: tuple | None = None, linear: bool = False):
        if name in primitives:
            raise ValueError(f"a primitive named {name!r} is already defined")
        if (kind == "call") != (call_body is not None):
            raise ValueError(f"primitive {name!r}: call primitives, and only they, name their "
                             "body's parameter (call_body)")
        self.name = name
        self.multiple_results = multiple_results
        self.kind, self.scalar, self.call_body = kind, scalar, call_body
        self.jvp, self.linear = jvp, linear
        self.module = _defining_module()
        primitives[name] = self
        for hook in _on_define:
            hook(self)

    def bind(self, *args, **params):
        outs = trace.bind(self, *args, **params)
        return outs if self.multiple_results else outs[0]

    def bind_list(self, *args, **params) -> list:
        return trace.bind(self, *args, **params)

    def abstract_eval(self, *avals: ShapedArray, **params) -> list[ShapedArray]:
        return lookup(abstract_eval_rules, self, "abstract evaluation")(*avals, **params)

    def impl(self, *args, **params) -> list:
        return lookup(impl_rules, self, "NumPy evaluation")(*args, **params)

    def __repr__(self) -> str:
        return self.name

    def __reduce__(self):
        # A pickled program (shipped to a Dask worker) names its primitives: the receiving
        # process looks the name up in its own registry, so the rules, often closures, never
        # travel, and tables keyed by the Primitive object keep working there.
        return registered_primitive, (self.name, self.module)


def _defining_module() -> str | None:
    """The module whose import is defining a primitive: the innermost frame running
    module-level code (helpers such as `elementwise` sit between it and Primitive)."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_name != "<module>":
        frame = frame.f_back
    return None if frame is None else frame.f_globals.get("__name__")


def registered_primitive(name: str, module: str | None = None) -> Primitive:
    """The primitive registered as `name`, importing `module` (the one that defines it) first
    if it is not registered yet: how a primitive unpickles.

        >>> registered_primitive("sin", "numbax.core.primitives").name
        'sin'
    """
    if name not in primitives and module:
        importlib.import_module(module)
    try:
        return primitives[name]
    except KeyError:
        raise LookupError(f"no primitive named {name!r} is defined in this process (importing "
                          f"{module!r}, the module that defined it, did not define it)") from None


def lookup(table: dict, primitive: Primitive, what: str) -> Callable:
    try:
        return table[primitive]
    except KeyError:
        raise NotImplementedError(
            f"primitive '{primitive.name}' has no rule for {what}") from None


abstract_eval_rules: dict[Primitive, Callable] = {}
impl_rules: dict[Primitive, Callable] = {}
# By name. Weak: a primitive nobody holds (a test's throwaway one) leaves the registry, and
# its name may be defined again.
primitives: weakref.WeakValueDictionary[str, Primitive] = weakref.WeakValueDictionary()
_on_define: list[Callable[[Primitive], None]] = []


def on_define(hook: Callable[[Primitive], None]) -> None:
    """Call hook(primitive) for every primitive made so far and every one made later.

    This is how a layer above core derives its rules from declarations (batching's rule for
    every elementwise primitive, the JVP from a declared `jvp`) whatever the import order.
    """
    _on_define.append(hook)
    for prim in list(primitives.values()):
        hook(prim)


def _define(name: str, abstract_eval: Callable, impl: Callable, multiple_results=False,
            **declaration) -> Primitive:
    prim = Primitive(name, multiple_results, **declaration)
    abstract_eval_rules[prim] = abstract_eval
    impl_rules[prim] = impl
    return prim


# ---------------------------------------------------------------------------------------------
# Elementwise


def _elementwise_aval(name: str, avals, kinds: str, out_dtype=None) -> ShapedArray:
    dtypes = {a.dtype for a in avals}
    if len(dtypes) != 1:
        raise TypeError(f"{name} requires operands of one dtype, got "
                        f"{', '.join(a.str_short() for a in avals)}")
    (dtype,) = dtypes
    if dtype.kind not in kinds:
        raise TypeError(f"{name} does not accept operands of dtype {short_dtype_name(dtype)}")
    shape = broadcast_shapes(name, *(a.shape for a in avals))
    return ShapedArray(shape, dtype if out_dtype is None else out_dtype)


# Dtype kinds: FLOAT is real floating point only (floor, atan2...); INEXACT adds complex, for
# the analytic functions NumPy defines on complex numbers; ORDERED kinds compare with < (NumPy's
# lexicographic order of complex numbers is not lax's), ANY adds complex for == and select.
FLOAT, INEXACT, NUMERIC, ORDERED, ANY = "f", "fc", "iufc", "biuf", "biufc"
REAL_NUMERIC = "iuf"


def elementwise(name: str, fn: Callable, kinds: str = FLOAT, out_dtype=None, *,
                scalar: ScalarRule | None, jvp: tuple | None = None,
                linear: bool = False) -> Primitive:
    """Declare an elementwise primitive: fn is its NumPy rule, kinds the dtype kinds it
    accepts (all operands share one dtype), out_dtype a fixed result dtype (comparisons);
    scalar, jvp and linear as in Primitive."""
    def abstract_eval(*avals):
        return [_elementwise_aval(name, avals, kinds, out_dtype)]

    def impl(*args):
        return [np.asarray(fn(*args))]

    return _define(name, abstract_eval, impl, kind="elementwise", scalar=scalar, jvp=jvp,
                   linear=linear)


def _logistic(x):
    if x.dtype.kind == "c":
        return 1 / (1 + np.exp(-x))
    # exp(-|x|) never overflows, and exp(x) / (1 + exp(x)) keeps tiny results for x < 0.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _int_div(x, y):
    x, y = np.asarray(x), np.asarray(y)  # grad's primals may be Python floats
    if x.dtype.kind in "fc":
        return np.divide(x, y)
    # lax semantics: integer division rounds toward zero (C), not toward -inf (Python).
    q = np.floor_divide(x, y)
    return np.where((q < 0) & (q * y != x), q + 1, q)


def _transcendental(function: str, vecmath: str | None = None, kinds: str = "fc") -> ScalarRule:
    """np.<function>(x), about ten simple operations, with numbax's vectorisable version;
    kinds="f" where Numba's complex version is not NumPy's at finite arguments."""
    return ScalarRule(f"np.{function}({{0}})", cost=10, vecmath=vecmath, kinds=kinds)


def _pow_special(eqn, operands, d):
    # NumPy's power loop computes a scalar exponent 0.5, 2 or -1 as sqrt, square or
    # reciprocal: (-inf) ** 0.5 is nan there and (-0.0) ** 0.5 is -0.0, not pow's +inf and
    # +0.0.
    y = eqn.inputs[1]
    if eqn.outputs[0].aval.dtype.kind != "f" or not hasattr(y, "val"):
        return None
    fast = {0.5: "np.sqrt({0})", 2.0: "({0} * {0})", -1.0: "{d}(1) / {0}"}.get(
        float(np.asarray(y.val)))
    return None if fast is None else fast.format(operands[0], d=d)


# NumPy's float semantics where Numba's scalar functions differ: sign(-0.0) is +0.0 (adding
# +0.0 turns -0.0 into +0.0 and keeps nan), and maximum/minimum return their second operand
# on ties (so maximum(0.0, -0.0) is -0.0) and nan if either operand is nan.
neg_p = elementwise("neg", np.negative, NUMERIC, scalar=ScalarRule("-{0}"), linear=True)


def _abs_aval(x):
    # |z| of a complex z is real, of the dtype of its parts.
    return [_elementwise_aval("abs", [x], NUMERIC).update(dtype=real_dtype(x.dtype))]


abs_p = _define("abs", _abs_aval, lambda x: [np.asarray(np.abs(x))], kind="elementwise",
                scalar=ScalarRule("abs({0})"))


def _complex_sign(eqn, operands, d):
    # NumPy 2 (and lax): sign(z) = z / |z|, and 0 at 0.
    if eqn.outputs[0].aval.dtype.kind != "c":
        return None
    return f"({operands[0]} / abs({operands[0]}) if {operands[0]} != 0 else {d}(0))"


sign_p = elementwise("sign", np.sign, NUMERIC, scalar=ScalarRule(
    "np.sign({0})", float_expr="np.sign({0}) + {d}(0)", special=_complex_sign))
exp_p = elementwise("exp", np.exp, INEXACT, scalar=_transcendental("exp", "exp"))
log_p = elementwise("log", np.log, INEXACT, scalar=_transcendental("log", "log", "f"))
log1p_p = elementwise("log1p", np.log1p, INEXACT, scalar=_transcendental("log1p", "log1p", "f"))
expm1_p = elementwise("expm1", np.expm1, INEXACT, scalar=_transcendental("expm1", "expm1"))
sin_p = elementwise("sin", np.sin, INEXACT, scalar=_transcendental("sin", "sin"))
cos_p = elementwise("cos", np.cos, INEXACT, scalar=_transcendental("cos", "cos"))
tan_p = elementwise("tan", np.tan, INEXACT, scalar=_transcendental("tan", "tan"))
tanh_p = elementwise("tanh", np.tanh, INEXACT, scalar=_transcendental("tanh", "tanh", "f"))
sqrt_p = elementwise("sqrt", np.sqrt, INEXACT, scalar=ScalarRule("np.sqrt({0})"))
rsqrt_p = elementwise("rsqrt", lambda x: 1 / np.sqrt(x), INEXACT,
                      scalar=ScalarRule("{d}(1) / np.sqrt({0})", kinds="f"))
# exp(-|x|) never overflows: 1 / (1 + exp(-x)) would round exp(100) to inf in float32 and
# return 0 where the answer (3.7e-44) is representable.
logistic_p = elementwise("logistic", _logistic, INEXACT, scalar=ScalarRule(
    "({d}(1) / ({d}(1) + np.exp(-abs({0}))) if {0} >= 0 else "
    "np.exp(-abs({0})) / ({d}(1) + np.exp(-abs({0}))))", cost=10, vecmath="logistic",
    special=lambda eqn, ops, d: f"{d}(1) / ({d}(1) + np.exp(-{ops[0]}))"
    if eqn.outputs[0].aval.dtype.kind == "c" else None))
# cbrt: the worked example of docs/adding-a-primitive.md. d/dx cbrt(x) = 1 / (3 cbrt(x)^2).
cbrt_p = elementwise(
    "cbrt", np.cbrt, scalar=ScalarRule("np.cbrt({0})", cost=10, vecmath="cbrt"),
    jvp=(lambda t, x: div_p.bind(t, mul_p.bind(np.asarray(3, trace.get_aval(x).dtype),
                                               integer_pow_p.bind(cbrt_p.bind(x), y=2))),))
exp2_p = elementwise(
    "exp2", np.exp2, INEXACT, scalar=ScalarRule("np.exp2({0})", cost=10, vecmath="exp2"),
    jvp=(lambda t, x: mul_p.bind(t, mul_p.bind(exp2_p.bind(x),
                                               np.asarray(np.log(2), trace.get_aval(x).dtype))),))


def _k(value, x):
    """value as a 0-d constant of x's dtype (for JVP formulas)."""
    return np.asarray(value, trace.get_aval(x).dtype)


def _one_minus_square(x):
    return sub_p.bind(_k(1, x), mul_p.bind(x, x))


# Inverse trigonometric and hyperbolic functions: JAX's JVP formulas (lax.py), so the same
# inf/nan come out at the edges of the domain (docs/gradient-conventions.md).
asin_p = elementwise("asin", np.arcsin, INEXACT, scalar=_transcendental("arcsin", "asin", "f"),
                     jvp=(lambda t, x: mul_p.bind(t, rsqrt_p.bind(_one_minus_square(x))),))
acos_p = elementwise("acos", np.arccos, INEXACT, scalar=_transcendental("arccos", "acos", "f"),
                     jvp=(lambda t, x: neg_p.bind(mul_p.bind(
                         t, rsqrt_p.bind(_one_minus_square(x)))),))
atan_p = elementwise("atan", np.arctan, INEXACT, scalar=_transcendental("arctan", "atan", "f"),
                     jvp=(lambda t, x: div_p.bind(t, add_p.bind(_k(1, x), mul_p.bind(x, x))),))
sinh_p = elementwise("sinh", np.sinh, INEXACT, scalar=_transcendental("sinh", "sinh"),
                     jvp=(lambda t, x: mul_p.bind(t, cosh_p.bind(x)),))
cosh_p = elementwise("cosh", np.cosh, INEXACT, scalar=_transcendental("cosh", "cosh"),
                     jvp=(lambda t, x: mul_p.bind(t, sinh_p.bind(x)),))
asinh_p = elementwise("asinh", np.arcsinh, INEXACT, scalar=_transcendental("arcsinh", "asinh", "f"),
                      jvp=(lambda t, x: mul_p.bind(t, rsqrt_p.bind(
                          add_p.bind(mul_p.bind(x, x), _k(1, x)))),))
acosh_p = elementwise("acosh", np.arccosh, INEXACT, scalar=_transcendental("arccosh", "acosh", "f"),
                      # rsqrt(x - 1) rsqrt(x + 1), not rsqrt((x - 1)(x + 1)): the product
                      # crosses sqrt's branch cut in parts of the complex plane.
                      jvp=(lambda t, x: mul_p.bind(t, mul_p.bind(
                          rsqrt_p.bind(sub_p.bind(x, _k(1, x))),
                          rsqrt_p.bind(add_p.bind(x, _k(1, x))))),))
# 1 / ((1 + x)(1 - x)) keeps its accuracy near |x| = 1, where 1 - x * x would round.
atanh_p = elementwise("atanh", np.arctanh, INEXACT, scalar=_transcendental("arctanh", "atanh", "f"),
                      jvp=(lambda t, x: div_p.bind(t, mul_p.bind(
                          add_p.bind(_k(1, x), x), sub_p.bind(_k(1, x), x))),))
log2_p = elementwise("log2", np.log2, INEXACT, scalar=_transcendental("log2", "log2", "f"),
                     jvp=(lambda t, x: div_p.bind(t, mul_p.bind(x, _k(np.log(2), x))),))
log10_p = elementwise("log10", np.log10, INEXACT, scalar=_transcendental("log10", "log10", "f"),
                      jvp=(lambda t, x: div_p.bind(t, mul_p.bind(x, _k(np.log(10), x))),))
# Piecewise constant: the derivative is 0 everywhere, including the jumps (as in JAX).
floor_p = elementwise("floor", np.floor, scalar=ScalarRule("np.floor({0})"), jvp=(None,))
ceil_p = elementwise("ceil", np.ceil, scalar=ScalarRule("np.ceil({0})"), jvp=(None,))

add_p = elementwise("add", np.add, NUMERIC, scalar=ScalarRule("{0} + {1}"), linear=True)
sub_p = elementwise("sub", np.subtract, NUMERIC, scalar=ScalarRule("{0} - {1}"), linear=True)
mul_p = elementwise("mul", np.multiply, NUMERIC, scalar=ScalarRule("{0} * {1}"), linear=True)
div_p = elementwise("div", _int_div, NUMERIC, linear=True, scalar=ScalarRule(
    "{0} / {1}", kinds="fc", special=lambda eqn, ops, d: f"vm.complex_divide({ops[0]}, {ops[1]})"
    if eqn.outputs[0].aval.dtype.kind == "c" else None))
pow_p = elementwise("pow", np.power, NUMERIC, scalar=ScalarRule(
    "{0} ** {1}", special=_pow_special, cost=10, kinds="f", vecmath="pow"))
max_p = elementwise("max", np.maximum, ORDERED, scalar=ScalarRule(
    "np.maximum({0}, {1})", float_expr="({0} if ({0} > {1}) | ({0} != {0}) else {1})"))
min_p = elementwise("min", np.minimum, ORDERED, scalar=ScalarRule(
    "np.minimum({0}, {1})", float_expr="({0} if ({0} < {1}) | ({0} != {0}) else {1})"))
BOOL = np.dtype(np.bool_)
lt_p = elementwise("lt", np.less, ORDERED, BOOL, scalar=ScalarRule("{0} < {1}"))
le_p = elementwise("le", np.less_equal, ORDERED, BOOL, scalar=ScalarRule("{0} <= {1}"))
gt_p = elementwise("gt", np.greater, ORDERED, BOOL, scalar=ScalarRule("{0} > {1}"))
ge_p = elementwise("ge", np.greater_equal, ORDERED, BOOL, scalar=ScalarRule("{0} >= {1}"))
eq_p = elementwise("eq", np.equal, ANY, BOOL, scalar=ScalarRule("{0} == {1}"))
ne_p = elementwise("ne", np.not_equal, ANY, BOOL, scalar=ScalarRule("{0} != {1}"))
INTEGRAL = "biu"


def _on_bools(template: str) -> Callable:
    """A ScalarRule special writing template for bool outputs (logical operations), None
    (the bitwise expr) for integers."""
    return lambda eqn, ops, d: (template.format(*ops) if eqn.outputs[0].aval.dtype == BOOL
                                else None)


# lax's bitwise operations: logical on bools, bitwise on integers.
and_p = elementwise("and", np.bitwise_and, INTEGRAL,
                    scalar=ScalarRule("{0} & {1}", special=_on_bools("({0} and {1})")))
or_p = elementwise("or", np.bitwise_or, INTEGRAL,
                   scalar=ScalarRule("{0} | {1}", special=_on_bools("({0} or {1})")))
xor_p = elementwise("xor", np.bitwise_xor, INTEGRAL,
                    scalar=ScalarRule("{0} ^ {1}", special=_on_bools("({0} != {1})")),
                    jvp=(None, None))
not_p = elementwise("not", np.invert, INTEGRAL,
                    scalar=ScalarRule("~{0}", special=_on_bools("(not {0})")))


def _shift(kind: str) -> Callable:
    """NumPy's (and XLA's) shifts: a shift by a negative amount or by the bit width or more
    gives 0, or -1 for an arithmetic right shift of a negative number."""
    def shift(x, y):
        with np.errstate(all="ignore"):
            if kind == "left":
                return np.left_shift(x, y)
            if kind == "arithmetic" or x.dtype.kind == "u":
                return np.right_shift(x, y)
            unsigned = np.dtype(f"u{x.dtype.itemsize}")
            return np.right_shift(x.astype(unsigned), y.astype(unsigned)).astype(x.dtype)
    return shift


def _shift_special(kind: str) -> Callable:
    def special(eqn, ops, d):
        dtype = eqn.outputs[0].aval.dtype
        bits = dtype.itemsize * 8
        x, y = ops
        in_range = f"({y} >= 0 and {y} < {bits})"
        if kind == "left":
            return f"({d}({x} << {y}) if {in_range} else {d}(0))"
        if kind == "arithmetic" or dtype.kind == "u":
            return f"({d}({x} >> {y}) if {in_range} else {d}(-1 if {x} < 0 else 0))"
        u = f"np.uint{bits}"
        return f"({d}({u}({x}) >> {u}({y})) if {in_range} else {d}(0))"
    return special


# expr only names the operands (the special always answers).
shift_left_p = elementwise("shift_left", _shift("left"), "iu", scalar=ScalarRule(
    "{0} << {1}", special=_shift_special("left")), jvp=(None, None))
shift_right_arithmetic_p = elementwise(
    "shift_right_arithmetic", _shift("arithmetic"), "iu",
    scalar=ScalarRule("{0} >> {1}", special=_shift_special("arithmetic")), jvp=(None, None))
shift_right_logical_p = elementwise(
    "shift_right_logical", _shift("logical"), "iu",
    scalar=ScalarRule("{0} >> {1}", special=_shift_special("logical")), jvp=(None, None))


def _popcount_special(eqn, ops, d):
    # The SWAR bit count on uint64 (Numba has no popcount); every constant is a uint64, as
    # mixing uint64 with int64 would make Numba compute in float64.
    bits = eqn.inputs[0].aval.dtype.itemsize * 8
    u = lambda c: f"np.uint64({c:#x})"  # noqa: E731
    v = f"(np.uint64({ops[0]}) & {u((1 << bits) - 1)})"
    v = f"({v} - (({v} >> {u(1)}) & {u(0x5555555555555555)}))"
    v = f"(({v} & {u(0x3333333333333333)}) + (({v} >> {u(2)}) & {u(0x3333333333333333)}))"
    v = f"(({v} + ({v} >> {u(4)})) & {u(0x0F0F0F0F0F0F0F0F)})"
    return f"{d}(({v} * {u(0x0101010101010101)}) >> {u(56)})"


# population_count counts the two's-complement bits and keeps the operand's dtype, as lax's
# does (numpy.bitwise_count counts |x| and gives uint8: numbax.numpy does that on top).
population_count_p = elementwise(
    "population_count",
    lambda x: np.bitwise_count(x.astype(f"u{x.dtype.itemsize}")).astype(x.dtype), "iu",
    scalar=ScalarRule("{0}", special=_popcount_special, cost=4), jvp=(None,))


def _fmod(x, y):
    # Integer remainder by zero is 0, as in NumPy (XLA gives x): no error path in kernels.
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.fmod(x, y)


def _rem_dy(t, x, y):
    # JAX's rule: d/dy fmod(x, y) = -trunc(x / y), written sign(q) * floor(|q|).
    q = div_p.bind(x, y)
    return neg_p.bind(mul_p.bind(t, mul_p.bind(sign_p.bind(q), floor_p.bind(abs_p.bind(q)))))


# rem is C's fmod: the result takes the dividend's sign (lax.rem).
rem_p = elementwise("rem", _fmod, REAL_NUMERIC,
                    scalar=ScalarRule("np.fmod({0}, {1})", kinds="f", cost=10),
                    jvp=(lambda t, x, y: t, _rem_dy))

def _copysign_dx(t, x, y):
    # +t where x and y share a sign bit, -t where not (JAX's select on signbit).
    one = np.ones((), trace.get_aval(x).dtype)
    return mul_p.bind(t, mul_p.bind(copysign_p.bind(one, x), copysign_p.bind(one, y)))


# copysign reads the sign bit (of -0.0 and of nans too), which no comparison can.
copysign_p = elementwise("copysign", np.copysign, scalar=ScalarRule("np.copysign({0}, {1})"),
                         jvp=(_copysign_dx, None))
# nextafter(x, y) is x moved by one ulp: slope 1 in x, 0 in y (JAX declares no derivative).
nextafter_p = elementwise("nextafter", np.nextafter,
                          scalar=ScalarRule("np.nextafter({0}, {1})", cost=2),
                          jvp=(lambda t, x, y: t, None))


def _atan2_jvp(numerator: bool) -> Callable:
    # d atan2(x, y) = (y dx - x dy) / (x^2 + y^2), JAX's formula.
    def jvp(t, x, y):
        scale = div_p.bind(y if numerator else neg_p.bind(x),
                           add_p.bind(mul_p.bind(x, x), mul_p.bind(y, y)))
        return mul_p.bind(t, scale)
    return jvp


atan2_p = elementwise("atan2", np.arctan2, scalar=ScalarRule("np.arctan2({0}, {1})", cost=10,
                                                             vecmath="atan2"),
                      jvp=(_atan2_jvp(True), _atan2_jvp(False)))


def _integer_pow_aval(x, *, y: int):
    if not isinstance(y, int):
        raise TypeError(f"integer_pow needs a Python int exponent, got {type(y).__name__}")
    if x.dtype.kind not in NUMERIC or (x.dtype.kind in "iu" and y < 0):
        raise TypeError(f"integer_pow with exponent {y} does not accept {x.str_short()}")
    return [x]


def _integer_pow_special(eqn, operands, d):
    y = eqn.params["y"]
    if y == 0:
        return f"{d}(1)"
    # A negative power multiplies reciprocals: 1 / x**n would overflow to inf (and give 0)
    # where the result is a representable denormal, e.g. float32 1e20 ** -2 = 1e-40.
    base = operands[0] if y > 0 else f"({d}(1) / {operands[0]})"
    return f"({' * '.join([base] * abs(y))})"


integer_pow_p = _define("integer_pow", _integer_pow_aval,
                        lambda x, *, y: [np.asarray(x * x if y == 2 else np.power(x, y))],
                        kind="elementwise", scalar=ScalarRule(special=_integer_pow_special))


def _select_aval(pred, on_true, on_false):
    if pred.dtype != BOOL:
        raise TypeError(f"select needs a bool predicate, got {pred.str_short()}")
    return [_elementwise_aval("select", [on_true, on_false], ANY).update(
        shape=broadcast_shapes("select", pred.shape, on_true.shape, on_false.shape))]


select_p = _define("select", _select_aval, lambda p, x, y: [np.asarray(np.where(p, x, y))],
                   kind="elementwise", scalar=ScalarRule("{1} if {0} else {2}"), linear=True)


def _convert_aval(x, *, new_dtype):
    return [x.update(dtype=check_dtype(new_dtype, "convert_element_type target"))]


def _round_aval(x, *, rounding_method):
    if rounding_method not in (0, 1):
        raise ValueError(f"round: rounding_method must be 0 (away from zero) or 1 (to nearest "
                         f"even), got {rounding_method!r}")
    return [_elementwise_aval("round", [x], FLOAT)]


def _round(x, *, rounding_method):
    if rounding_method == 1:
        return [np.asarray(np.rint(x))]
    whole = np.trunc(x)
    # Comparing the remainder avoids x + 0.5 rounding up 0.49999999999999994.
    return [np.asarray(whole + np.where(np.abs(x - whole) >= 0.5, np.sign(x), 0), x.dtype)]


def _round_special(eqn, operands, d):
    x = operands[0]
    if eqn.params["rounding_method"] == 1:
        return f"np.rint({x})"
    return (f"(np.trunc({x}) + np.sign({x}) if abs({x} - np.trunc({x})) >= {d}(0.5) "
            f"else np.trunc({x}))")


# rounding_method follows lax: 0 rounds halves away from zero, 1 to the nearest even.
round_p = _define("round", _round_aval, _round, kind="elementwise",
                  scalar=ScalarRule(special=_round_special))


def _convert(x, *, new_dtype):
    x = np.asarray(x)
    # complex to real keeps the real part (lax's rule), without NumPy's ComplexWarning.
    if x.dtype.kind == "c" and np.dtype(new_dtype).kind not in "cb":
        x = x.real
    return [x.astype(new_dtype)]


def _convert_special(eqn, ops, d):
    if eqn.outputs[0].aval.dtype == BOOL:
        return f"{ops[0]} != 0"
    if eqn.inputs[0].aval.dtype.kind == "c" and eqn.outputs[0].aval.dtype.kind != "c":
        return f"{d}({ops[0]}.real)"
    return f"{d}({ops[0]})"


convert_element_type_p = _define("convert_element_type", _convert_aval, _convert,
                                 kind="elementwise", linear=True,
                                 scalar=ScalarRule(special=_convert_special))


# Complex parts. real, imag and complex are linear over the reals but map between real and
# complex dtypes, so their transposes (interpreters/ad.py) say how a real cotangent becomes a
# complex one.
def _parts_aval(name: str):
    def aval(x):
        return [_elementwise_aval(name, [x], "c").update(dtype=real_dtype(x.dtype))]
    return aval


real_p = _define("real", _parts_aval("real"), lambda x: [np.asarray(np.real(x))],
                 kind="elementwise", linear=True, scalar=ScalarRule("{0}.real", cost=0))
imag_p = _define("imag", _parts_aval("imag"), lambda x: [np.asarray(np.imag(x))],
                 kind="elementwise", linear=True, scalar=ScalarRule("{0}.imag", cost=0))
conj_p = elementwise("conj", np.conjugate, "c", scalar=ScalarRule("{0}.conjugate()"),
                     linear=True)


def _complex_aval(x, y):
    out = _elementwise_aval("complex", [x, y], "f")
    if out.dtype == np.float16:
        raise TypeError("complex needs float32 or float64 parts, got float16")
    return [out.update(dtype=np.result_type(out.dtype, np.complex64))]


def _complex(x, y):
    out = np.empty(np.broadcast_shapes(np.shape(x), np.shape(y)),
                   np.result_type(np.asarray(x).dtype, np.complex64))
    out.real, out.imag = x, y  # x + 1j * y would turn an infinite part into nan
    return [out]


complex_p = _define("complex", _complex_aval, _complex, kind="elementwise", linear=True,
                    scalar=ScalarRule("{d}(complex({0}, {1}))"))

# stop_gradient is the identity on values; its JVP rule is what makes it special.
stop_gradient_p = _define("stop_gradient", lambda x: [x], lambda x: [x], kind="elementwise",
                          scalar=ScalarRule("{0}", cost=0))


# ---------------------------------------------------------------------------------------------
# Reductions


def _check_axes(op: str, x: ShapedArray, axes) -> tuple[int, ...]:
    axes = tuple(axes)
    if any(not 0 <= a < x.ndim for a in axes) or len(set(axes)) != len(axes):
        raise ValueError(f"{op}: axes {axes} are invalid for an array of shape {x.shape}")
    return axes


def reduction(name: str, fn: Callable, kinds: str, linear: bool = False) -> Primitive:
    def abstract_eval(x, *, axes):
        axes = _check_axes(name, x, axes)
        if x.dtype.kind not in kinds:
            raise TypeError(f"{name} does not accept {x.str_short()}")
        return [x.update(shape=tuple(d for i, d in enumerate(x.shape) if i not in axes))]

    def impl(x, *, axes):
        return [np.asarray(fn(x, axis=tuple(axes))).astype(x.dtype, copy=False)]

    return _define(name, abstract_eval, impl, linear=linear)


reduce_sum_p = reduction("reduce_sum", np.sum, NUMERIC, linear=True)
reduce_prod_p = reduction("reduce_prod", np.prod, NUMERIC)
def _with_identity(fn: Callable, maximum: bool) -> Callable:
    """fn (np.max or np.min) giving its identity for an empty reduction instead of raising,
    as lax's reductions and the fused kernels do (numpy.max raises at the numpy layer)."""
    def reduce(x, axis):
        if x.size:
            return fn(x, axis=axis)
        if x.dtype.kind == "f":
            identity = -np.inf if maximum else np.inf
        elif x.dtype.kind == "b":
            identity = not maximum
        else:
            identity = np.iinfo(x.dtype).min if maximum else np.iinfo(x.dtype).max
        return fn(x, axis=axis, initial=identity)

    return reduce


reduce_max_p = reduction("reduce_max", _with_identity(np.max, maximum=True), ORDERED)
reduce_min_p = reduction("reduce_min", _with_identity(np.min, maximum=False), ORDERED)


def _cumsum_aval(x, *, axis, reverse):
    _check_axes("cumsum", x, (axis,))
    if x.dtype.kind not in NUMERIC:
        raise TypeError(f"cumsum does not accept {x.str_short()}")
    return [x]


def _cumsum(x, *, axis, reverse):
    if not reverse:
        return [np.cumsum(x, axis=axis, dtype=x.dtype)]
    return [np.flip(np.cumsum(np.flip(x, axis), axis=axis, dtype=x.dtype), axis)]


cumsum_p = _define("cumsum", _cumsum_aval, _cumsum, linear=True)


def _sort_aval(*xs, dimension, is_stable, num_keys):
    if not 1 <= num_keys <= len(xs) or any(x.shape != xs[0].shape for x in xs):
        raise TypeError(f"sort needs at least num_keys={num_keys} operands of one shape, got "
                        f"{', '.join(x.str_short() for x in xs)}")
    _check_axes("sort", xs[0], (dimension,))
    return list(xs)


def _sort(*xs, dimension, is_stable, num_keys):
    # NumPy's orders put nan last, as lax.sort does; lexsort takes its primary key last.
    keys = [np.moveaxis(k, dimension, -1) for k in xs[:num_keys]]
    perm = (np.argsort(keys[0], axis=-1, kind="stable") if num_keys == 1
            else np.lexsort(keys[::-1], axis=-1))
    perm = np.moveaxis(perm, -1, dimension)
    return [np.take_along_axis(x, perm, axis=dimension) for x in xs]


# lax.sort: every operand permuted by the lexicographic order of the first num_keys.
sort_p = _define("sort", _sort_aval, _sort, multiple_results=True)


def arg_reduction(name: str, fn: Callable) -> Primitive:
    def abstract_eval(x, *, axis, index_dtype):
        _check_axes(name, x, (axis,))
        if x.shape[axis] == 0:
            raise ValueError(f"{name} of an empty axis {axis} of shape {x.shape}")
        shape = x.shape[:axis] + x.shape[axis + 1:]
        return [ShapedArray(shape, np.dtype(index_dtype))]

    def impl(x, *, axis, index_dtype):
        return [np.asarray(fn(x, axis=axis)).astype(index_dtype, copy=False)]

    return _define(name, abstract_eval, impl)


argmax_p = arg_reduction("argmax", np.argmax)
argmin_p = arg_reduction("argmin", np.argmin)


# ---------------------------------------------------------------------------------------------
# Shape operations


def _broadcast_in_dim_aval(x, *, shape, broadcast_dimensions):
    dims = tuple(broadcast_dimensions)
    ok = (len(dims) == x.ndim and all(0 <= d < len(shape) for d in dims)
          and list(dims) == sorted(set(dims))
          and all(x.shape[i] in (1, shape[d]) for i, d in enumerate(dims)))
    if not ok:
        raise ValueError(f"broadcast_in_dim cannot broadcast shape {x.shape} to {tuple(shape)} "
                         f"along dimensions {dims}")
    return [x.update(shape=tuple(shape))]


def _broadcast_in_dim(x, *, shape, broadcast_dimensions):
    expanded = [1] * len(shape)
    for i, d in enumerate(broadcast_dimensions):
        expanded[d] = x.shape[i]
    return [np.broadcast_to(np.reshape(x, expanded), shape)]


broadcast_in_dim_p = _define("broadcast_in_dim", _broadcast_in_dim_aval, _broadcast_in_dim, linear=True,
                             scalar=ScalarRule("{0}", cost=0))


def _reshape_aval(x, *, new_sizes):
    if math.prod(new_sizes) != x.size or any(d < 0 for d in new_sizes):
        raise ValueError(f"cannot reshape an array of shape {x.shape} into shape "
                         f"{tuple(new_sizes)}")
    return [x.update(shape=tuple(new_sizes))]


reshape_p = _define("reshape", _reshape_aval,
                    lambda x, *, new_sizes: [np.reshape(x, new_sizes)], linear=True)


def _transpose_aval(x, *, permutation):
    if sorted(permutation) != list(range(x.ndim)):
        raise ValueError(f"transpose permutation {tuple(permutation)} does not match an array "
                         f"of rank {x.ndim}")
    return [x.update(shape=tuple(x.shape[p] for p in permutation))]


transpose_p = _define("transpose", _transpose_aval,
                      lambda x, *, permutation: [np.transpose(x, permutation)], linear=True)


def _squeeze_aval(x, *, dimensions):
    dimensions = _check_axes("squeeze", x, dimensions)
    if any(x.shape[d] != 1 for d in dimensions):
        raise ValueError(f"squeeze: cannot remove dimensions {dimensions} of shape {x.shape}; "
                         "only dimensions of size 1 can be squeezed")
    return [x.update(shape=tuple(d for i, d in enumerate(x.shape) if i not in dimensions))]


squeeze_p = _define("squeeze", _squeeze_aval,
                    lambda x, *, dimensions: [np.squeeze(x, tuple(dimensions))], linear=True)


def _expand_dims_aval(x, *, dimensions):
    ndim = x.ndim + len(dimensions)
    if any(not 0 <= d < ndim for d in dimensions) or len(set(dimensions)) != len(dimensions):
        raise ValueError(f"expand_dims: invalid dimensions {tuple(dimensions)} for rank {x.ndim}")
    shape = iter(x.shape)
    return [x.update(shape=tuple(1 if i in dimensions else next(shape) for i in range(ndim)))]


expand_dims_p = _define("expand_dims", _expand_dims_aval,
                        lambda x, *, dimensions: [np.expand_dims(x, tuple(dimensions))], linear=True)


def _slice_aval(x, *, start_indices, limit_indices, strides):
    if not (len(start_indices) == len(limit_indices) == len(strides) == x.ndim) or any(
            not 0 <= s <= lim <= d or st < 1
            for s, lim, st, d in zip(start_indices, limit_indices, strides, x.shape)):
        raise ValueError(f"slice: invalid start {start_indices}, limit {limit_indices} and "
                         f"strides {strides} for shape {x.shape}")
    return [x.update(shape=tuple(-(-(lim - s) // st)
                                 for s, lim, st in zip(start_indices, limit_indices, strides)))]


def _slice(x, *, start_indices, limit_indices, strides):
    return [x[tuple(map(slice, start_indices, limit_indices, strides))]]


slice_p = _define("slice", _slice_aval, _slice, linear=True)


def _pad_aval(x, padding_value, *, padding_config):
    if padding_value.shape != () or padding_value.dtype != x.dtype:
        raise TypeError(f"pad needs a scalar padding value of dtype {x.dtype}, "
                        f"got {padding_value.str_short()}")
    if len(padding_config) != x.ndim or any(min(c) < 0 for c in padding_config):
        raise ValueError(f"pad: invalid padding {padding_config} for shape {x.shape}")
    return [x.update(shape=tuple(lo + hi + d + max(d - 1, 0) * interior
                                 for d, (lo, hi, interior) in zip(x.shape, padding_config)))]


def _pad(x, padding_value, *, padding_config):
    shape = _pad_aval(ShapedArray(x.shape, x.dtype), ShapedArray((), x.dtype),
                      padding_config=padding_config)[0].shape
    out = np.full(shape, padding_value, dtype=x.dtype)
    out[tuple(slice(lo, lo + d + max(d - 1, 0) * i, i + 1)
              for d, (lo, _, i) in zip(x.shape, padding_config))] = x
    return [out]


pad_p = _define("pad", _pad_aval, _pad, linear=True)


def _rev_aval(x, *, dimensions):
    _check_axes("rev", x, dimensions)
    return [x]


# rev reverses the order of elements along `dimensions` (lax.rev): flips without a gather.
rev_p = _define("rev", _rev_aval,
                lambda x, *, dimensions: [np.flip(x, tuple(dimensions))], linear=True)


# Gather and scatter: k integer index operands of one shape S address the k consecutive axes
# axis..axis+k-1 of x; the result (and the updates) have shape x.shape[:axis] + S +
# x.shape[axis+k:]. numbax.numpy reduces NumPy's advanced indexing to this by first moving
# the indexed axes together. Out-of-range indices (there is no error path in compiled code):
# mode "clip" clamps them; "fill" (gather) gives fill_value where any index of a position is
# out of range; "drop" (scatter) skips those updates.


def _indexed_shape(name: str, x, idxs, axis: int) -> tuple[int, ...]:
    if not idxs or not 0 <= axis <= x.ndim - len(idxs):
        raise ValueError(f"{name}: {len(idxs)} index arrays from axis {axis} do not fit an "
                         f"array of shape {x.shape}")
    for i in idxs:
        if i.dtype.kind not in "iu":
            raise TypeError(f"{name} needs integer indices, got {i.str_short()}")
    if len({i.shape for i in idxs}) != 1:
        raise ValueError(f"{name} needs index arrays of one shape, got "
                         f"{', '.join(i.str_short() for i in idxs)}")
    return x.shape[:axis] + idxs[0].shape + x.shape[axis + len(idxs):]


def _check_mode(name: str, mode: str, modes: tuple[str, ...]) -> None:
    if mode not in modes:
        raise ValueError(f"{name}: mode must be one of {modes}, got {mode!r}")


def _gather_aval(x, *idxs, axis, mode="clip", fill_value=None):
    _check_mode("gather", mode, ("clip", "fill"))
    return [x.update(shape=_indexed_shape("gather", x, idxs, axis))]


def _in_range(x, idxs, axis: int):
    """(where every index of a position is in range, the indices clamped into range)."""
    ok = np.ones(np.shape(idxs[0]), bool)
    safe = []
    for k, i in enumerate(idxs):
        n = x.shape[axis + k]
        ok &= (i >= 0) & (i < n)
        safe.append(np.clip(i, 0, max(n - 1, 0)))
    return ok, tuple(safe)


def _gather(x, *idxs, axis, mode="clip", fill_value=None):
    ok, safe = _in_range(x, idxs, axis)
    shape = x.shape[:axis] + ok.shape + x.shape[axis + len(idxs):]
    if ok.size and 0 in x.shape[axis:axis + len(idxs)]:  # nothing to take from
        return [np.full(shape, fill_value if mode == "fill" else 0, x.dtype)]
    out = x[(slice(None),) * axis + safe]
    if mode == "fill" and not ok.all():
        mask = ok.reshape((1,) * axis + ok.shape + (1,) * (len(shape) - axis - ok.ndim))
        out = np.where(mask, out, np.asarray(fill_value).astype(x.dtype))
    return [np.asarray(out)]


gather_p = _define("gather", _gather_aval, _gather, linear=True)


def _scatter_last_wins(out, index, updates, axis: int) -> None:
    """out[index] = updates where, for a repeated index, the last update wins (NumPy leaves
    the order unspecified; the JVP of scatter relies on this one)."""
    idxs = index[axis:]
    m = len(idxs[0])
    if not m:
        return
    target = np.ravel_multi_index(idxs, out.shape[axis:axis + len(idxs)])
    _, first_from_end = np.unique(target[::-1], return_index=True)
    keep = m - 1 - first_from_end
    out[index[:axis] + tuple(i[keep] for i in idxs)] = np.take(updates, keep, axis=axis)


def _scatter(name: str, combine: Callable, linear: bool = False) -> Primitive:
    """A scatter primitive: operands x, k index arrays, updates; combine(out, index, updates,
    axis) applies the flattened updates in place."""
    def abstract_eval(x, *ops, axis, mode="clip", unique_indices=False):
        *idxs, updates = ops
        _check_mode(name, mode, ("clip", "drop"))
        expected = x.update(shape=_indexed_shape(name, x, idxs, axis))
        if updates != expected:
            raise TypeError(f"{name} needs updates {expected.str_short()}, got "
                            f"{updates.str_short()}")
        return [x]

    def impl(x, *ops, axis, mode="clip", unique_indices=False):
        *idxs, updates = ops
        out = np.array(x, copy=True)
        ok, safe = _in_range(x, idxs, axis)
        if 0 in x.shape[axis:axis + len(idxs)]:
            return [out]
        # One flat list of positions: updates become pre + (m,) + post.
        ok, safe = ok.ravel(), tuple(i.ravel() for i in safe)
        updates = np.reshape(updates, x.shape[:axis] + (ok.size,) + x.shape[axis + len(idxs):])
        if mode == "drop" and not ok.all():
            safe = tuple(i[ok] for i in safe)
            updates = np.compress(ok, updates, axis=axis)
        combine(out, (slice(None),) * axis + safe, updates, axis)
        return [out]

    return _define(name, abstract_eval, impl, linear=linear)


scatter_add_p = _scatter("scatter_add", lambda out, i, u, axis: np.add.at(out, i, u), linear=True)
scatter_mul_p = _scatter("scatter_mul", lambda out, i, u, axis: np.multiply.at(out, i, u))
scatter_min_p = _scatter("scatter_min", lambda out, i, u, axis: np.minimum.at(out, i, u))
scatter_max_p = _scatter("scatter_max", lambda out, i, u, axis: np.maximum.at(out, i, u))
scatter_p = _scatter("scatter", _scatter_last_wins)


def _concatenate_aval(*xs, dimension):
    x0 = xs[0]
    if not 0 <= dimension < x0.ndim:
        raise ValueError(f"concatenate: dimension {dimension} out of range for rank {x0.ndim}")
    for x in xs[1:]:
        if x.dtype != x0.dtype or x.ndim != x0.ndim or any(
                a != b for i, (a, b) in enumerate(zip(x.shape, x0.shape)) if i != dimension):
            raise TypeError(f"concatenate along dimension {dimension} needs matching shapes and "
                            f"dtypes, got {', '.join(a.str_short() for a in xs)}")
    shape = list(x0.shape)
    shape[dimension] = sum(x.shape[dimension] for x in xs)
    return [x0.update(shape=tuple(shape))]


concatenate_p = _define("concatenate", _concatenate_aval,
                        lambda *xs, dimension: [np.concatenate(xs, axis=dimension)], linear=True)


# ---------------------------------------------------------------------------------------------
# dot_general: dimension_numbers = ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch));
# output dimensions are batch, then lhs free, then rhs free (as in XLA).


def _free_dims(ndim, *used):
    used = {d for group in used for d in group}
    return [d for d in range(ndim) if d not in used]


def _dot_general_aval(x, y, *, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    if x.dtype != y.dtype:
        raise TypeError(f"dot_general requires operands of one dtype, got {x.str_short()} and "
                        f"{y.str_short()}")
    ok = (len(lc) == len(rc) and len(lb) == len(rb)
          and all(0 <= d < x.ndim for d in (*lc, *lb)) and all(0 <= d < y.ndim for d in (*rc, *rb))
          and all(x.shape[a] == y.shape[b] for a, b in zip((*lc, *lb), (*rc, *rb))))
    if not ok:
        raise ValueError(f"dot_general cannot contract {x.str_short()} with {y.str_short()} "
                         f"along dimension numbers {dimension_numbers}")
    shape = (tuple(x.shape[d] for d in lb) + tuple(x.shape[d] for d in _free_dims(x.ndim, lc, lb))
             + tuple(y.shape[d] for d in _free_dims(y.ndim, rc, rb)))
    return [x.update(shape=shape)]


def _blas_safe(x, y) -> bool:
    """Whether BLAS gives IEEE products here: BLAS kernels skip the terms whose factor is an
    exact zero, so inf * 0 would vanish instead of giving nan (as it does in XLA). A sum is
    one cheap pass, and an overflowing one only sends finite operands the exact way."""
    if x.dtype.kind not in "fc":
        return True
    with np.errstate(all="ignore"):
        return bool(np.isfinite(np.sum(x)) and np.isfinite(np.sum(y)))


def _dot_general(x, y, *, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    xf, yf = _free_dims(x.ndim, lc, lb), _free_dims(y.ndim, rc, rb)
    safe = _blas_safe(x, y)
    if safe and not lb and len(lc) == 1 and x.ndim <= 2 and y.ndim <= 2:
        # x @ y, x.T @ y, x @ y.T, x.T @ y.T: BLAS reads a transposed view through its
        # transpose flag, so no operand is copied (the backward pass's products are these).
        xm = x.T if lc[0] != x.ndim - 1 else x
        ym = y.T if rc[0] != 0 else y
        return [np.asarray(np.dot(xm, ym))]
    sizes = lambda a, dims: math.prod(a.shape[d] for d in dims)  # noqa: E731
    xt = np.transpose(x, (*lb, *xf, *lc)).reshape(sizes(x, lb), sizes(x, xf), sizes(x, lc))
    yt = np.transpose(y, (*rb, *rc, *yf)).reshape(sizes(y, rb), sizes(y, rc), sizes(y, yf))
    # Without contraction this is an outer product per batch member: broadcasting beats matmul.
    if not lc:
        out = xt * yt
    elif safe:
        out = np.matmul(xt, yt)
    else:  # non-finite operands: NumPy's own sum of products, no BLAS
        with np.errstate(invalid="ignore"):
            out = np.einsum("bij,bjk->bik", xt, yt, optimize=False)
    shape = ([x.shape[d] for d in lb] + [x.shape[d] for d in xf] + [y.shape[d] for d in yf])
    return [out.reshape(shape)]


dot_general_p = _define("dot_general", _dot_general_aval, _dot_general, linear=True)


# ---------------------------------------------------------------------------------------------
# Array creation


def _creation_aval(name, shape, dtype):
    if any(not isinstance(d, int | np.integer) or d < 0 for d in shape):
        raise ValueError(f"{name}: shape must be a tuple of non-negative ints, got {shape}")
    return ShapedArray(tuple(int(d) for d in shape), check_dtype(dtype, f"{name} dtype"))


def _iota_aval(*, dtype, shape, dimension):
    if not 0 <= dimension < len(shape):
        raise ValueError(f"iota: dimension {dimension} out of range for shape {shape}")
    return [_creation_aval("iota", shape, dtype)]


def _iota(*, dtype, shape, dimension):
    ramp = np.arange(shape[dimension], dtype=dtype)
    return [np.broadcast_to(ramp.reshape([-1 if i == dimension else 1 for i in range(len(shape))]),
                            shape)]


iota_p = _define("iota", _iota_aval, _iota)
full_p = _define("full", lambda *, shape, fill_value, dtype: [_creation_aval("full", shape, dtype)],
                 lambda *, shape, fill_value, dtype: [np.full(shape, fill_value, dtype)],
                 scalar=ScalarRule(special=lambda eqn, ops, d: literal(
                     eqn.params["fill_value"], eqn.outputs[0].aval.dtype), cost=0))
