"""Every primitive against NumPy, eagerly and traced, plus the abstract-eval error paths."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import numbax.lax as lax
import numbax.numpy as xnp
from numbax.core import primitives as core_module
from numbax.core.avals import ShapedArray
from numbax.core.primitives import Primitive, primitives

FLOATS = [np.float32, np.float64]


def random_shape(rng, max_ndim: int = 3, min_ndim: int = 0) -> tuple[int, ...]:
    return tuple(int(d) for d in rng.integers(1, 5, size=rng.integers(min_ndim, max_ndim + 1)))


def uniform(rng, shape, dtype, lo=-2.0, hi=2.0):
    return np.asarray(rng.uniform(lo, hi, size=shape), dtype)


def small_ints(rng, shape, dtype):
    """Integer-valued data, so comparisons, max/min and argmax see ties."""
    return np.asarray(rng.integers(-2, 3, size=shape), dtype)


# A case builds (fn, args, numpy_reference) from a generator and a float dtype. fn goes
# through the public numbax.numpy / numbax.lax wrapper that binds the primitive.
CASES: dict = {}


def case(name):
    def register(make):
        CASES[name] = make
        return make
    return register


UNARY = {
    "neg": (xnp.negative, np.negative, (-2, 2)),
    "abs": (xnp.abs, np.abs, (-2, 2)),
    "exp": (xnp.exp, np.exp, (-2, 2)),
    "log": (xnp.log, np.log, (0.1, 3)),
    "log1p": (xnp.log1p, np.log1p, (-0.5, 3)),
    "expm1": (xnp.expm1, np.expm1, (-2, 2)),
    "sin": (xnp.sin, np.sin, (-3, 3)),
    "cos": (xnp.cos, np.cos, (-3, 3)),
    "tan": (xnp.tan, np.tan, (-1.2, 1.2)),
    "tanh": (xnp.tanh, np.tanh, (-3, 3)),
    "sqrt": (xnp.sqrt, np.sqrt, (0, 4)),
    "cbrt": (xnp.cbrt, np.cbrt, (-8, 8)),
    "exp2": (xnp.exp2, np.exp2, (-8, 8)),
    "asin": (xnp.asin, np.arcsin, (-0.9, 0.9)),
    "acos": (xnp.acos, np.arccos, (-0.9, 0.9)),
    "atan": (xnp.atan, np.arctan, (-3, 3)),
    "sinh": (xnp.sinh, np.sinh, (-3, 3)),
    "cosh": (xnp.cosh, np.cosh, (-3, 3)),
    "asinh": (xnp.asinh, np.arcsinh, (-3, 3)),
    "acosh": (xnp.acosh, np.arccosh, (1.1, 4)),
    "atanh": (xnp.atanh, np.arctanh, (-0.9, 0.9)),
    "log2": (xnp.log2, np.log2, (0.1, 4)),
    "log10": (xnp.log10, np.log10, (0.1, 4)),
    "floor": (xnp.floor, np.floor, (-3, 3)),
    "ceil": (xnp.ceil, np.ceil, (-3, 3)),
    "rsqrt": (lax.rsqrt, lambda x: 1 / np.sqrt(x), (0.1, 4)),
    "logistic": (lax.logistic, lambda x: 1 / (1 + np.exp(-x)), (-5, 5)),
    "integer_pow": (lambda x: xnp.power(x, 3), lambda x: x ** 3, (-2, 2)),
    "stop_gradient": (lax.stop_gradient, lambda x: x, (-2, 2)),
}

for _name, (_fn, _ref, (_lo, _hi)) in UNARY.items():
    def _make(rng, dtype, fn=_fn, ref=_ref, lo=_lo, hi=_hi):
        return fn, (uniform(rng, random_shape(rng), dtype, lo, hi),), ref
    case(_name)(_make)


@case("sign")
def _(rng, dtype):
    return xnp.sign, (small_ints(rng, random_shape(rng), dtype),), np.sign


BINARY = {
    "add": (xnp.add, np.add),
    "sub": (xnp.subtract, np.subtract),
    "mul": (xnp.multiply, np.multiply),
    "div": (xnp.divide, np.divide),
    "pow": (xnp.power, np.power),
    "max": (xnp.maximum, np.maximum),
    "min": (xnp.minimum, np.minimum),
    "lt": (xnp.less, np.less),
    "le": (xnp.less_equal, np.less_equal),
    "gt": (xnp.greater, np.greater),
    "ge": (xnp.greater_equal, np.greater_equal),
    "eq": (xnp.equal, np.equal),
    "ne": (xnp.not_equal, np.not_equal),
    "and": (xnp.logical_and, np.logical_and),
    "or": (xnp.logical_or, np.logical_or),
    "xor": (lambda x, y: xnp.bitwise_xor(x != 0, y != 0), np.logical_xor),
    "atan2": (xnp.arctan2, np.arctan2),
    "nextafter": (xnp.nextafter, np.nextafter),
    "copysign": (xnp.copysign, np.copysign),
}


def binary_operands(name, rng, shapes, dtype):
    if name == "pow":
        return uniform(rng, shapes[0], dtype, 0.5, 2), uniform(rng, shapes[1], dtype)
    if name == "div":
        return uniform(rng, shapes[0], dtype), uniform(rng, shapes[1], dtype, 0.5, 2)
    return small_ints(rng, shapes[0], dtype), small_ints(rng, shapes[1], dtype)


for _name, (_fn, _ref) in BINARY.items():
    def _make(rng, dtype, name=_name, fn=_fn, ref=_ref):
        shape = random_shape(rng)
        return fn, binary_operands(name, rng, (shape, shape), dtype), ref
    case(_name)(_make)


@case("not")
def _(rng, dtype):
    return xnp.logical_not, (small_ints(rng, random_shape(rng), dtype),), np.logical_not


@case("rem")
def _(rng, dtype):
    shape = random_shape(rng)
    return lax.rem, (uniform(rng, shape, dtype, -5, 5), uniform(rng, shape, dtype, 0.5, 2)), np.fmod


def _integer_case(name, fn, reference, shift=False):
    # Integer-only primitives: the float dtype picks the integer width (float32: int32).
    @case(name)
    def _(rng, dtype):
        itype = np.int32 if dtype == np.float32 else np.int64
        shape = random_shape(rng)
        x = np.asarray(rng.integers(-1000, 1000, size=shape), itype)
        if not shift:
            return fn, (x,), reference
        y = np.asarray(rng.integers(0, np.dtype(itype).itemsize * 8, size=shape), itype)
        return fn, (x, y), reference


_integer_case("shift_left", lax.shift_left, np.left_shift, shift=True)
_integer_case("shift_right_arithmetic", lax.shift_right_arithmetic, np.right_shift, shift=True)
_integer_case("shift_right_logical", lax.shift_right_logical,
              lambda x, y: np.right_shift(x.astype(f"u{x.dtype.itemsize}"),
                                          y.astype(f"u{x.dtype.itemsize}")).astype(x.dtype),
              shift=True)
_integer_case("population_count", lax.population_count,
              lambda x: np.bitwise_count(x.astype(f"u{x.dtype.itemsize}")).astype(x.dtype))


@case("select")
def _(rng, dtype):
    shape = random_shape(rng, min_ndim=1)
    args = (rng.random(shape) < 0.5, uniform(rng, shape, dtype), uniform(rng, shape[1:], dtype))
    return xnp.where, args, np.where


@case("convert_element_type")
def _(rng, dtype):
    return (lambda x: x.astype(np.int32)), (uniform(rng, random_shape(rng), dtype, -9, 9),), (
        lambda x: x.astype(np.int32))


def _complex_of(rng, dtype, shape):
    """Random complex data of the precision of the float dtype."""
    z = uniform(rng, shape, dtype) + 1j * uniform(rng, shape, dtype)
    return z.astype(np.result_type(dtype, np.complex64))


for _fn, _np_fn in ((lax.real, np.real), (lax.imag, np.imag), (lax.conj, np.conj)):
    case(_np_fn.__name__.replace("conjugate", "conj"))(lambda rng, dtype, fn=_fn, np_fn=_np_fn: (
        fn, (_complex_of(rng, dtype, random_shape(rng)),), np_fn))


@case("complex")
def _(rng, dtype):
    shape = random_shape(rng)
    return lax.complex, (uniform(rng, shape, dtype), uniform(rng, shape, dtype)), (
        lambda x, y: x + 1j * y)


def _reduction_case(xnp_fn, np_fn):
    def make(rng, dtype):
        shape = random_shape(rng, min_ndim=1)
        axes = tuple(int(a) for a in np.flatnonzero(rng.random(len(shape)) < 0.5))
        fn = lambda x: xnp_fn(x, axis=axes)
        return fn, (small_ints(rng, shape, dtype),), lambda x: np_fn(x, axis=axes)
    return make


case("reduce_sum")(_reduction_case(xnp.sum, np.sum))
case("reduce_prod")(_reduction_case(xnp.prod, np.prod))
case("reduce_max")(_reduction_case(xnp.max, np.max))
case("reduce_min")(_reduction_case(xnp.min, np.min))


@case("cumsum")
def _(rng, dtype):
    shape = random_shape(rng, min_ndim=1)
    axis = int(rng.integers(-len(shape), len(shape)))
    return (lambda x: xnp.cumsum(x, axis)), (small_ints(rng, shape, dtype),), (
        lambda x: np.cumsum(x, axis))


@case("sort")
def _(rng, dtype):
    shape = random_shape(rng, min_ndim=1)
    axis = int(rng.integers(len(shape)))
    return (lambda x: lax.sort(x, axis)), (uniform(rng, shape, dtype),), (
        lambda x: np.sort(x, axis, kind="stable"))


@case("rev")
def _(rng, dtype):
    shape = random_shape(rng, min_ndim=1)
    axis = int(rng.integers(len(shape)))
    return (lambda x: lax.rev(x, (axis,))), (uniform(rng, shape, dtype),), (
        lambda x: np.flip(x, axis))


@case("round")
def _(rng, dtype):
    # Halves (exact in binary) check the ties, which round to even as in NumPy.
    x = (rng.integers(-20, 20, random_shape(rng)) / 4).astype(dtype)
    return xnp.round, (x,), np.round


def _arg_reduction_case(xnp_fn, np_fn):
    def make(rng, dtype):
        shape = random_shape(rng, min_ndim=1)
        axis = int(rng.integers(len(shape)))
        fn = lambda x: xnp_fn(x, axis=axis)
        return fn, (small_ints(rng, shape, dtype),), lambda x: np_fn(x, axis=axis)
    return make


case("argmax")(_arg_reduction_case(xnp.argmax, np.argmax))
case("argmin")(_arg_reduction_case(xnp.argmin, np.argmin))


@case("broadcast_in_dim")
def _(rng, dtype):
    shape = random_shape(rng, min_ndim=1)
    target = random_shape(rng, max_ndim=2, min_ndim=1) + tuple(int(rng.choice([1, d])) for d in shape)
    x = uniform(rng, target[len(target) - len(shape):], dtype)
    return (lambda x: xnp.broadcast_to(x, target)), (x,), lambda x: np.broadcast_to(x, target)


@case("reshape")
def _(rng, dtype):
    x = uniform(rng, random_shape(rng, min_ndim=1), dtype)
    new = x.shape[::-1] + (-1,)
    return (lambda x: xnp.reshape(x, new)), (x,), lambda x: np.reshape(x, new)


@case("transpose")
def _(rng, dtype):
    x = uniform(rng, random_shape(rng, min_ndim=2), dtype)
    perm = tuple(int(p) for p in rng.permutation(x.ndim))
    if perm == tuple(range(x.ndim)):
        perm = perm[::-1]
    return (lambda x: xnp.transpose(x, perm)), (x,), lambda x: np.transpose(x, perm)


@case("squeeze")
def _(rng, dtype):
    x = uniform(rng, (1,) + random_shape(rng) + (1,), dtype)
    return (lambda x: xnp.squeeze(x, (0, -1))), (x,), lambda x: np.squeeze(x, (0, -1))


@case("expand_dims")
def _(rng, dtype):
    x = uniform(rng, random_shape(rng), dtype)
    return (lambda x: xnp.expand_dims(x, (0, -1))), (x,), lambda x: np.expand_dims(x, (0, -1))


@case("slice")
def _(rng, dtype):
    x = uniform(rng, random_shape(rng, min_ndim=2) + (6,), dtype)
    return (lambda x: x[1:, ..., 1:5:2]), (x,), lambda x: x[1:, ..., 1:5:2]


def _pad_reference(x, value, config):
    """Python loop: place each element of x at its padded, interior-dilated position."""
    shape = [lo + hi + d + max(d - 1, 0) * i for d, (lo, hi, i) in zip(x.shape, config)]
    out = np.full(shape, value, x.dtype)
    for idx in np.ndindex(x.shape):
        out[tuple(lo + k * (i + 1) for k, (lo, _, i) in zip(idx, config))] = x[idx]
    return out


@case("pad")
def _(rng, dtype):
    x = uniform(rng, random_shape(rng, min_ndim=1), dtype)
    config = [tuple(int(v) for v in rng.integers(0, 3, size=3)) for _ in range(x.ndim)]
    value = np.asarray(-7, dtype)
    return (lambda x, v: lax.pad(x, v, config)), (x, value), lambda x, v: _pad_reference(x, v, config)


@case("gather")
def _(rng, dtype):
    x = uniform(rng, random_shape(rng, min_ndim=1) + (4,), dtype)
    axis = int(rng.integers(x.ndim))
    n = x.shape[axis]
    idx = rng.integers(-2, n + 2, size=(2, 3))  # out-of-range indices are clamped
    return ((lambda x, i: lax.gather(x, i, axis)), (x, idx),
            lambda x, i: np.take(x, np.clip(i, 0, n - 1), axis=axis))


def _scatter_add_reference(x, idx, updates, axis):
    out = x.copy()
    for pos in np.ndindex(idx.shape):
        out[(slice(None),) * axis + (idx[pos],)] += updates[(slice(None),) * axis + pos]
    return out


@case("scatter_add")
def _(rng, dtype):
    x = uniform(rng, random_shape(rng, min_ndim=1) + (4,), dtype)
    axis = int(rng.integers(x.ndim))
    idx = rng.integers(0, x.shape[axis], size=(5,))  # repeated indices accumulate
    updates = uniform(rng, x.shape[:axis] + idx.shape + x.shape[axis + 1:], dtype)
    return ((lambda x, i, u: lax.scatter_add(x, i, u, axis)), (x, idx, updates),
            lambda x, i, u: _scatter_add_reference(x, i, u, axis))


def _scatter_case(name, scatter, ufunc):
    # Two index arrays on axes 1 and 2, one pair out of range (dropped).
    @case(name)
    def _(rng, dtype):
        x = uniform(rng, (2, 3, 4), dtype)
        i, j = np.array([0, 2, 2, 5]), np.array([1, 3, 3, 0])
        updates = uniform(rng, (2, 4), dtype)
        return ((lambda x, i, j, u: scatter(x, (i, j), u, 1, "drop")), (x, i, j, updates),
                lambda x, i, j, u: _scatter_reference(x, i, j, u, ufunc))


def _scatter_reference(x, i, j, u, ufunc):
    """One update at a time, in order (for set the last one wins); out of range: dropped."""
    out = x.copy()
    for k in range(len(i)):
        if i[k] < x.shape[1] and j[k] < x.shape[2]:
            pos = (slice(None), i[k], j[k])
            out[pos] = u[:, k] if ufunc is None else ufunc(out[pos], u[:, k])
    return out


for _name, _ufunc in [("scatter", None), ("scatter_mul", np.multiply),
                      ("scatter_min", np.minimum), ("scatter_max", np.maximum)]:
    _scatter_case(_name, getattr(lax, _name), _ufunc)


@case("concatenate")
def _(rng, dtype):
    shape = random_shape(rng, min_ndim=1)
    axis = int(rng.integers(-len(shape), len(shape)))
    other = list(shape)
    other[axis] = 3
    args = (uniform(rng, shape, dtype), uniform(rng, tuple(other), dtype))
    return ((lambda x, y: xnp.concatenate([x, y], axis)), args,
            lambda x, y: np.concatenate([x, y], axis))


@case("dot_general")
def _(rng, dtype):
    b, m, k, n = (int(d) for d in rng.integers(1, 5, size=4))
    x, y = uniform(rng, (k, b, m), dtype), uniform(rng, (n, b, k), dtype)
    dims = (((0,), (2,)), ((1,), (1,)))
    return ((lambda x, y: lax.dot_general(x, y, dims)), (x, y),
            lambda x, y: np.einsum("kbm,nbk->bmn", x, y))


@case("iota")
def _(rng, dtype):
    shape = random_shape(rng, min_ndim=1)
    dim = int(rng.integers(len(shape)))
    return (lambda: lax.iota(dtype, shape, dim)), (), lambda: np.indices(shape, dtype)[dim]


@case("full")
def _(rng, dtype):
    shape = random_shape(rng)
    return (lambda: xnp.full(shape, 1.5, dtype)), (), lambda: np.full(shape, 1.5, dtype)


def core_primitives() -> dict:
    """The primitives core/primitives.py defines (the call and control-flow primitives of the
    layers above have tests of their own)."""
    return {p.name: p for p in vars(core_module).values() if isinstance(p, Primitive)}


def test_every_primitive_has_a_numpy_case():
    assert set(CASES) == set(core_primitives())


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", sorted(CASES))
def test_primitive_matches_numpy_eagerly_and_traced(name, dtype, rng, traced):
    for _ in range(3):  # three random shapes per primitive and dtype
        fn, args, reference = CASES[name](rng, dtype)
        closed = traced(fn, *args, reference=reference, primitive=name)
        for aval in closed.out_avals:
            assert aval.dtype.kind != "f" or aval.dtype == dtype  # float32 stays float32


BROADCAST_PAIRS = [
    ((), ()), ((3,), ()), ((), (4,)), ((2, 3), (3,)), ((4, 1), (1, 5)), ((2, 1, 3), (4, 1)),
    ((1,), (0,)), ((2, 0, 3), (1, 3)), ((5, 1, 1, 2), (3, 1, 1)),
]


def _random_broadcastable_pair(seed):
    rng = np.random.default_rng(seed)
    full = random_shape(rng, max_ndim=4)
    def operand():
        kept = full[rng.integers(0, len(full) + 1):]
        return tuple(1 if rng.random() < 0.3 else d for d in kept)
    return operand(), operand()


BROADCAST_PAIRS += [_random_broadcastable_pair(seed) for seed in range(4)]


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_primitive_broadcasts_like_numpy(name, shapes, dtype, rng, traced):
    fn, reference = BINARY[name]
    traced(fn, *binary_operands(name, rng, shapes, dtype), reference=reference, primitive=name)


@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
def test_select_broadcasts_predicate_and_branches_like_numpy(shapes, rng, traced):
    pred = rng.random(shapes[0]) < 0.5
    x, y = uniform(rng, shapes[1], np.float32), uniform(rng, shapes[0][1:], np.float32)
    traced(xnp.where, pred, x, y, reference=np.where, primitive="select")


def test_integer_div_rounds_toward_zero(traced):
    x = np.array([7, -7, 7, -7, 6, -6, 0], np.int64)
    y = np.array([2, 2, -2, -2, 3, -3, 5], np.int64)
    expected = np.array([int(a / b) for a, b in zip(x.tolist(), y.tolist())])
    traced(lax.div, x, y, reference=lambda x, y: expected, primitive="div")


def test_logistic_saturates_without_overflow_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = lax.logistic(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_array_equal(out, [0.0, 0.5, 1.0])


def test_float_conversions_keep_values(traced):
    x = np.linspace(-3, 3, 7, dtype=np.float32)
    traced(lambda x: x.astype(np.float64), x, reference=lambda x: x.astype(np.float64),
           primitive="convert_element_type")


def test_bind_returns_one_value_or_a_list():
    x = np.ones(3)
    assert isinstance(primitives["sin"].bind(x), np.ndarray)
    outs = primitives["sin"].bind_list(x)
    assert isinstance(outs, list) and len(outs) == 1


def test_missing_rules_raise_not_implemented_naming_the_primitive():
    mystery = Primitive("mystery_op")
    with pytest.raises(NotImplementedError, match="mystery_op.*abstract evaluation"):
        mystery.abstract_eval(ShapedArray((), np.dtype(np.float64)))
    with pytest.raises(NotImplementedError, match="mystery_op.*NumPy evaluation"):
        mystery.impl(np.ones(()))


def _a(shape, dtype=np.float64):
    return ShapedArray(tuple(shape), np.dtype(dtype))


ABSTRACT_EVAL_ERRORS = [
    ("add", [_a((3,)), _a((3,), np.float32)], {}, TypeError, "one dtype"),
    ("add", [_a((3,)), _a((4,))], {}, ValueError, r"add.*\(3,\).*\(4,\)"),
    ("sin", [_a((3,), np.int64)], {}, TypeError, "sin does not accept"),
    ("neg", [_a((3,), np.bool_)], {}, TypeError, "neg does not accept"),
    ("and", [_a((3,)), _a((3,))], {}, TypeError, "and does not accept"),
    ("integer_pow", [_a((2,), np.int32)], {"y": -1}, TypeError, "integer_pow"),
    ("integer_pow", [_a((2,))], {"y": 1.5}, TypeError, "Python int"),
    ("select", [_a((2,)), _a((2,)), _a((2,))], {}, TypeError, "bool predicate"),
    ("convert_element_type", [_a((2,))], {"new_dtype": np.dtype(object)}, TypeError, "object"),
    ("reduce_sum", [_a((2, 3))], {"axes": (2,)}, ValueError, "invalid"),
    ("reduce_max", [_a((2, 3))], {"axes": (0, 0)}, ValueError, "invalid"),
    ("reduce_sum", [_a((2,), np.bool_)], {"axes": (0,)}, TypeError, "reduce_sum"),
    ("argmax", [_a((0, 3))], {"axis": 0, "index_dtype": np.int64}, ValueError, "empty"),
    ("broadcast_in_dim", [_a((3,))], {"shape": (2, 4), "broadcast_dimensions": (1,)},
     ValueError, "cannot broadcast"),
    ("reshape", [_a((2, 3))], {"new_sizes": (4,)}, ValueError, "cannot reshape"),
    ("transpose", [_a((2, 3))], {"permutation": (0, 0)}, ValueError, "permutation"),
    ("squeeze", [_a((2, 1))], {"dimensions": (0,)}, ValueError, "size 1"),
    ("expand_dims", [_a((2,))], {"dimensions": (3,)}, ValueError, "expand_dims"),
    ("slice", [_a((4,))], {"start_indices": (1,), "limit_indices": (5,), "strides": (1,)},
     ValueError, "slice"),
    ("slice", [_a((4,))], {"start_indices": (0,), "limit_indices": (4,), "strides": (0,)},
     ValueError, "slice"),
    ("pad", [_a((2,)), _a((), np.float32)], {"padding_config": ((0, 0, 0),)}, TypeError,
     "padding value"),
    ("pad", [_a((2,)), _a(())], {"padding_config": ((-1, 0, 0),)}, ValueError, "padding"),
    ("gather", [_a((3,)), _a((2,))], {"axis": 0}, TypeError, "integer indices"),
    ("scatter_add", [_a((3,)), _a((2,), np.int64), _a((3,))], {"axis": 0}, TypeError, "updates"),
    ("concatenate", [_a((2, 3)), _a((2, 4))], {"dimension": 0}, TypeError, "matching shapes"),
    ("concatenate", [_a((2,)), _a((2,))], {"dimension": 1}, ValueError, "out of range"),
    ("dot_general", [_a((2, 3)), _a((4, 2))], {"dimension_numbers": (((1,), (0,)), ((), ()))},
     ValueError, "cannot contract"),
    ("dot_general", [_a((3,)), _a((3,), np.float32)],
     {"dimension_numbers": (((0,), (0,)), ((), ()))}, TypeError, "one dtype"),
    ("iota", [], {"dtype": np.dtype(np.int64), "shape": (3,), "dimension": 1}, ValueError, "iota"),
    ("full", [], {"shape": (-1,), "fill_value": 0.0, "dtype": np.dtype(np.float64)}, ValueError,
     "non-negative"),
]


@pytest.mark.parametrize(("name", "avals", "params", "error", "match"), ABSTRACT_EVAL_ERRORS,
                         ids=[f"{c[0]}-{c[4]}" for c in ABSTRACT_EVAL_ERRORS])
def test_abstract_eval_rejects_ill_typed_operands(name, avals, params, error, match):
    with pytest.raises(error, match=match):
        primitives[name].abstract_eval(*avals, **params)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_elementwise_abstract_eval_keeps_shape_and_dtype(name):
    if name == "integer_pow":
        params = {"y": 3}
    else:
        params = {}
    for aval in (_a((2, 3), np.float32), _a((), np.float64)):
        assert primitives[name].abstract_eval(aval, **params) == [aval]


def test_comparison_abstract_eval_gives_broadcast_bool():
    out = primitives["lt"].abstract_eval(_a((2, 1), np.int32), _a((3,), np.int32))
    assert out == [_a((2, 3), np.bool_)]
