"""numbax.numpy against NumPy: values, shapes and NumPy 2 dtypes, eagerly and traced.

Every comparison goes through the `traced` fixture (tests/conftest.py): the function runs
eagerly on NumPy arrays, is traced with make_jaxpr, type-checked, run on the interpreter, and
all three results must equal NumPy's in value, shape and dtype.
"""
from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numbax as nb
import numbax.numpy as xnp
from numbax.backends.interpreter import run_closed_jaxpr
from numbax.core.avals import SUPPORTED_DTYPES

FLOAT_DTYPES = [np.float16, np.float32, np.float64]
INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint64]
ALL_DTYPES = [np.bool_, *INT_DTYPES, *FLOAT_DTYPES]


def dtype_id(d):
    return np.dtype(d).name


def sample(rng, shape, dtype, positive=False):
    """Small values that every dtype can hold: 0..4 for unsigned and bool, else signed."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return np.ones(shape, bool) if positive else rng.random(shape) < 0.5
    if dtype.kind == "u" or positive:
        values = rng.integers(1, 5, size=shape)
    else:
        values = rng.integers(-3, 4, size=shape)
    if dtype.kind == "f":
        values = values + rng.uniform(0, 0.9, size=shape) * (1 if positive else rng.choice([-1, 1], shape))
    return np.asarray(values).astype(dtype)


# ---------------------------------------------------------------------------------------------
# Elementwise functions


UNARY = ["sin", "cos", "tan", "tanh", "exp", "log", "log1p", "expm1", "sqrt", "abs", "sign",
         "negative", "square", "reciprocal"]
POSITIVE_DOMAIN = {"log", "log1p", "sqrt", "reciprocal"}


def _numpy_accepts(fn, *args):
    try:
        with np.errstate(all="ignore"):
            fn(*args)
    except TypeError:
        return False
    return True


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dtype_id)
@pytest.mark.parametrize("name", UNARY)
def test_unary_functions_match_numpy_values_and_dtypes(name, dtype, rng, traced):
    x = sample(rng, (2, 3), dtype, positive=name in POSITIVE_DOMAIN)
    if not _numpy_accepts(getattr(np, name), x):  # e.g. negative or sign of bools
        with pytest.raises(TypeError, match=name):
            getattr(xnp, name)(x)
        return
    traced(getattr(xnp, name), x, reference=getattr(np, name))


@pytest.mark.parametrize(("name", "value"), [("sin", 1.0), ("exp", 2), ("abs", -3), ("sqrt", True),
                                             ("square", 1.5), ("negative", 2)])
def test_unary_functions_of_python_scalars_return_numpy_arrays(name, value, same_array):
    same_array(getattr(xnp, name)(value), getattr(np, name)(value), name)


BINARY = ["add", "subtract", "multiply", "divide", "power", "maximum", "minimum", "logaddexp",
          "less", "less_equal", "greater", "greater_equal", "equal", "not_equal"]

DTYPE_PAIRS = [
    (np.float32, np.float32), (np.float64, np.float64), (np.float32, np.float64),
    (np.float16, np.float32), (np.int32, np.float32), (np.int64, np.int64), (np.int8, np.int8),
    (np.int8, np.uint8), (np.uint8, np.uint8), (np.int32, np.uint64), (np.bool_, np.bool_),
    (np.bool_, np.float32), (np.int16, np.bool_),
]


@pytest.mark.parametrize(("dx", "dy"), DTYPE_PAIRS, ids=lambda d: dtype_id(d))
@pytest.mark.parametrize("name", BINARY)
def test_binary_functions_broadcast_and_promote_like_numpy(name, dx, dy, rng, traced):
    x = sample(rng, (2, 3), dx, positive=name == "power")
    y = sample(rng, (3,), dy, positive=name in ("divide", "power"))
    if not _numpy_accepts(getattr(np, name), x, y):  # bool subtract
        with pytest.raises(TypeError):
            getattr(xnp, name)(x, y)
        return
    traced(getattr(xnp, name), x, y, reference=getattr(np, name))


SCALARS = [2, 2.5, True]


@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.uint8, np.bool_], ids=dtype_id)
@pytest.mark.parametrize("name", ["add", "multiply", "divide", "power", "maximum", "less"])
def test_python_scalars_are_weakly_typed(name, dtype, scalar, rng, traced):
    x = sample(rng, (4,), dtype, positive=True)
    np_fn, xnp_fn = getattr(np, name), getattr(xnp, name)
    for fn, ref in [(lambda x: xnp_fn(x, scalar), lambda x: np_fn(x, scalar)),
                    (lambda x: xnp_fn(scalar, x), lambda x: np_fn(scalar, x))]:
        if not _numpy_accepts(ref, x):
            continue
        traced(fn, x, reference=ref)


@pytest.mark.parametrize(("fn", "np_fn", "args"), [
    (lambda x: xnp.multiply(x, 2.0), lambda x: x * 2.0, [np.ones(3, np.float32)]),
    (xnp.divide, np.divide, [np.arange(3), np.arange(1, 4)]),
    (xnp.sin, np.sin, [np.arange(3, dtype=np.int32)]),
    (xnp.sum, np.sum, [np.array([True, False, True])]),
    (xnp.sum, np.sum, [np.arange(3, dtype=np.int32)]),
    (lambda x: xnp.add(x, np.float32(1)), lambda x: x + np.float32(1), [np.ones(2, np.float16)]),
    (lambda x: xnp.add(x, np.int64(1)), lambda x: x + np.int64(1), [np.ones(2, np.float32)]),
], ids=["f32*2.0", "int/int", "sin(int32)", "sum(bool)", "sum(int32)", "f16+f32 scalar", "f32+i64 scalar"])
def test_numpy2_promotion_rules(fn, np_fn, args, traced):
    traced(fn, *args, reference=np_fn)


# NumPy's 2 type-promotion table over the supported dtypes, for arrays and Python scalars.
PROMOTION_OPERANDS = st.one_of(
    st.sampled_from(sorted(SUPPORTED_DTYPES, key=str)).map(lambda d: np.ones(3, d)),
    st.sampled_from(sorted(SUPPORTED_DTYPES, key=str)).map(lambda d: np.ones((), d)[()]),
    st.booleans(), st.integers(-300, 300), st.floats(-4, 4, allow_nan=False),
)


@settings(max_examples=100, deadline=None)
@given(PROMOTION_OPERANDS, PROMOTION_OPERANDS,
       st.sampled_from(["add", "multiply", "subtract", "divide", "power", "maximum", "logaddexp"]))
def test_promotion_of_any_two_operands_matches_numpy(a, b, name):
    with np.errstate(all="ignore"):
        try:
            want = getattr(np, name)(a, b)
        except (OverflowError, TypeError, ValueError) as err:  # e.g. an int the dtype cannot hold
            base = next(e for e in (OverflowError, TypeError, ValueError) if isinstance(err, e))
            with pytest.raises(base):
                getattr(xnp, name)(a, b)
            return
        got = getattr(xnp, name)(a, b)
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.asarray(want).dtype
    np.testing.assert_allclose(got, want, rtol=1e-3)


def test_where_selects_with_broadcasting(rng, traced):
    cond = rng.random((2, 1, 3)) < 0.5
    x, y = rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal(3)
    traced(xnp.where, cond, x, y, reference=np.where)


def test_where_accepts_a_numeric_condition_and_scalar_branches(traced):
    c = np.array([0.0, 2.0, -1.0, 0.0], np.float32)
    traced(lambda c: xnp.where(c, 1, 2.5), c, reference=lambda c: np.where(c, 1, 2.5))
    traced(lambda c: xnp.where(c, c, 0), c, reference=lambda c: np.where(c, c, 0))


def test_where_with_a_condition_only_is_nonzero():
    cond = np.array([[True, False], [False, True]])
    for got, want in zip(xnp.where(cond), np.where(cond)):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(("lo", "hi"), [(-1.0, 1.0), (None, 0.5), (0, None),
                                        (np.array([-1.0, 0.0, 1.0]), 2.0)], ids=repr)
def test_clip_limits_values_like_numpy(lo, hi, rng, traced):
    x = rng.standard_normal((2, 3)) * 2
    traced(lambda x: xnp.clip(x, lo, hi), x, reference=lambda x: np.clip(x, lo, hi))


def test_logaddexp_is_stable_at_large_and_infinite_values(traced):
    x = np.array([1000.0, -1000.0, np.inf, -np.inf, np.inf, 0.0])
    y = np.array([1000.0, -1000.0, np.inf, -np.inf, -np.inf, -np.inf])
    with np.errstate(invalid="ignore"):  # inf - inf inside, resolved by a select
        traced(xnp.logaddexp, x, y, reference=np.logaddexp)


@pytest.mark.parametrize("name", ["logical_and", "logical_or"])
def test_logical_functions_treat_nonzero_as_true(name, traced):
    x, y = np.array([0.0, 1.0, -2.0, 0.0]), np.array([0, 0, 3, 5])
    traced(getattr(xnp, name), x, y, reference=getattr(np, name))
    traced(xnp.logical_not, x, reference=np.logical_not)


# ---------------------------------------------------------------------------------------------
# Reductions

AXES = [None, 0, -1, 1, (0, 2), (-1, 0), (), (0, 1, 2)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=repr)
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod"])
def test_reductions_match_numpy_over_axes(name, axis, keepdims, rng, traced):
    x = sample(rng, (2, 3, 4), np.float32)
    traced(lambda x: getattr(xnp, name)(x, axis=axis, keepdims=keepdims), x,
           reference=lambda x: getattr(np, name)(x, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dtype_id)
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod"])
def test_reductions_give_numpys_result_dtype(name, dtype, rng, traced):
    x = sample(rng, (3, 4), dtype)
    traced(lambda x: getattr(xnp, name)(x, axis=0), x, reference=lambda x: getattr(np, name)(x, axis=0))
    traced(getattr(xnp, name), x, reference=getattr(np, name))


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, 1, -1], ids=repr)
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_arg_reductions_return_the_first_extreme_index(name, axis, keepdims, rng, traced):
    x = rng.integers(0, 3, size=(3, 4)).astype(np.float64)  # many ties
    traced(lambda x: getattr(xnp, name)(x, axis=axis, keepdims=keepdims), x,
           reference=lambda x: getattr(np, name)(x, axis=axis, keepdims=keepdims))


def test_reductions_accept_scalars_and_zero_size_axes(traced, same_array):
    same_array(xnp.sum(2.5), np.sum(2.5), "sum of a scalar")
    traced(lambda x: xnp.sum(x, axis=1), np.ones((3, 0)), reference=lambda x: np.sum(x, axis=1))
    traced(xnp.prod, np.ones((0,), np.int32), reference=np.prod)


def test_reduction_methods_on_tracers(rng, traced):
    x = rng.standard_normal((3, 4))
    traced(lambda x: (x.sum(), x.sum(axis=0), x.mean(axis=-1, keepdims=True), x.max(1), x.argmin()),
           x, reference=lambda x: (x.sum(), x.sum(axis=0), x.mean(axis=-1, keepdims=True), x.max(1),
                                   x.argmin()), eager_ndarray=False)


@pytest.mark.parametrize("call", [
    lambda: xnp.sum(np.ones((2, 3)), axis=2),
    lambda: xnp.mean(np.ones(3), axis=-2),
    lambda: xnp.max(np.ones((2, 3)), axis=(0, 5)),
    lambda: xnp.argmax(np.ones((2, 3)), axis=2),
    lambda: xnp.sum(np.ones((2, 3)), axis=(1, -1)),
], ids=["sum", "mean", "max-tuple", "argmax", "repeated"])
def test_reduction_axis_out_of_range_raises_value_error(call):
    with pytest.raises(ValueError, match="axis"):
        call()


# ---------------------------------------------------------------------------------------------
# Products

PRODUCT_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
    ((5, 2, 3), (5, 3, 4)), ((2, 1, 2, 3), (5, 3, 4)), ((3,), (5, 3, 4)), ((5, 2, 3), (3,)),
]


@pytest.mark.parametrize("shapes", PRODUCT_SHAPES, ids=str)
def test_matmul_broadcasts_batch_dims_like_numpy(shapes, rng, traced):
    a, b = (rng.standard_normal(s).astype(np.float32) for s in shapes)
    traced(xnp.matmul, a, b, reference=np.matmul, primitive="dot_general")
    traced(operator.matmul, a, b, reference=np.matmul, eager_ndarray=False)


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                                    ((4, 2, 3), (3, 5)), ((4, 2, 3), (6, 3, 5)), ((), (3,)), ((2, 3), ())],
                         ids=str)
def test_dot_matches_numpy_for_every_rank(shapes, rng, traced):
    a, b = (np.asarray(rng.standard_normal(s)) for s in shapes)
    traced(xnp.dot, a, b, reference=np.dot)


@pytest.mark.parametrize(("da", "db"), [(np.float32, np.float64), (np.int32, np.int32),
                                        (np.int8, np.float32)], ids=dtype_id)
def test_products_promote_mixed_dtypes(da, db, rng, traced):
    a, b = sample(rng, (2, 3), da), sample(rng, (3, 4), db)
    traced(xnp.matmul, a, b, reference=np.matmul)
    traced(xnp.dot, a, b, reference=np.dot)


def test_vdot_outer_and_inner_flatten_like_numpy(rng, traced):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
    traced(xnp.vdot, a, b, reference=np.vdot)
    traced(xnp.outer, a, b, reference=np.outer)
    traced(xnp.inner, a, b.T, reference=np.inner)


@pytest.mark.parametrize(("fn", "shapes"), [
    (xnp.matmul, ((2, 3), (4, 5))), (xnp.matmul, ((3,), (4,))), (xnp.matmul, ((), (3,))),
    (xnp.matmul, ((2, 2, 3), (3, 3, 4))), (xnp.dot, ((2, 3), (2, 3))),
], ids=["matmul-2d", "matmul-1d", "matmul-scalar", "matmul-batch", "dot"])
def test_products_of_misaligned_shapes_raise_value_error(fn, shapes):
    with pytest.raises(ValueError, match=fn.__name__):
        fn(*(np.ones(s) for s in shapes))


# ---------------------------------------------------------------------------------------------
# Shape operations

SHAPE_CASES = {
    "reshape-minus-one": (lambda m, x: m.reshape(x, (4, -1)), (2, 3, 4)),
    "reshape-int": (lambda m, x: m.reshape(x, 24), (2, 3, 4)),
    "reshape-to-scalar": (lambda m, x: m.reshape(x, ()), (1, 1)),
    "transpose-default": (lambda m, x: m.transpose(x), (2, 3, 4)),
    "transpose-axes": (lambda m, x: m.transpose(x, (1, -1, 0)), (2, 3, 4)),
    "swapaxes": (lambda m, x: m.swapaxes(x, 0, -1), (2, 3, 4)),
    "moveaxis": (lambda m, x: m.moveaxis(x, 0, -1), (2, 3, 4)),
    "expand-dims-int": (lambda m, x: m.expand_dims(x, 1), (2, 3)),
    "expand-dims-tuple": (lambda m, x: m.expand_dims(x, (0, -1)), (2, 3)),
    "squeeze-all": (lambda m, x: m.squeeze(x), (1, 2, 1, 3)),
    "squeeze-axis": (lambda m, x: m.squeeze(x, -2), (1, 2, 1, 3)),
    "broadcast-to": (lambda m, x: m.broadcast_to(x, (4, 2, 3)), (2, 1)),
    "broadcast-to-int": (lambda m, x: m.broadcast_to(x, 5), (1,)),
    "ravel": (lambda m, x: m.ravel(x), (2, 3, 4)),
    "concatenate-0": (lambda m, x: m.concatenate([x, x[:1]]), (2, 3)),
    "concatenate-neg": (lambda m, x: m.concatenate([x, 2 * x, x], axis=-1), (2, 3)),
    "concatenate-none": (lambda m, x: m.concatenate([x, x[0]], axis=None), (2, 3)),
    "stack-0": (lambda m, x: m.stack([x, x + 1]), (2, 3)),
    "stack-neg": (lambda m, x: m.stack([x, x + 1, x], axis=-1), (2, 3)),
    "stack-middle": (lambda m, x: m.stack([x, x], axis=1), (2, 3)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.int64], ids=dtype_id)
@pytest.mark.parametrize("name", sorted(SHAPE_CASES))
def test_shape_functions_match_numpy(name, dtype, rng, traced):
    fn, shape = SHAPE_CASES[name]
    traced(lambda x: fn(xnp, x), sample(rng, shape, dtype), reference=lambda x: fn(np, x))


def test_concatenate_promotes_mixed_dtypes(traced):
    a, b = np.ones((2, 2), np.int32), np.zeros((1, 2), np.float32)
    traced(lambda a, b: xnp.concatenate([a, b]), a, b, reference=lambda a, b: np.concatenate([a, b]))


def test_tracer_shape_methods_and_properties(rng, traced):
    x = rng.standard_normal((2, 3)).astype(np.float32)

    def f(x):
        assert (x.shape, x.dtype, x.ndim, x.size) == ((2, 3), np.float32, 2, 6)
        return x.T, x.reshape(3, 2), x.reshape((-1,)), x.astype(np.float64), x.astype(int), x.ravel()

    traced(f, x, reference=lambda x: (x.T, x.reshape(3, 2), x.reshape((-1,)), x.astype(np.float64),
                                      x.astype(int), x.ravel()), eager_ndarray=False)


@pytest.mark.parametrize("call", [
    lambda: xnp.reshape(np.ones(6), (4, -1)),
    lambda: xnp.reshape(np.ones(6), (4,)),
    lambda: xnp.squeeze(np.ones((2, 3)), 0),
    lambda: xnp.broadcast_to(np.ones(3), (4,)),
    lambda: xnp.broadcast_to(np.ones((2, 3)), (3,)),
    lambda: xnp.transpose(np.ones((2, 3)), (0, 0)),
    lambda: xnp.stack([np.ones(2), np.ones(3)]),
    lambda: xnp.concatenate([np.ones(2), np.ones((2, 2))]),
    lambda: xnp.concatenate([]),
], ids=["reshape-minus-one", "reshape", "squeeze", "broadcast_to", "broadcast_to-rank", "transpose",
        "stack", "concatenate-rank", "concatenate-empty"])
def test_invalid_shape_operations_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


# ---------------------------------------------------------------------------------------------
# Creation

CREATION = {
    "zeros": lambda m: m.zeros(3),
    "zeros-shape-dtype": lambda m: m.zeros((2, 3), np.int32),
    "ones": lambda m: m.ones((2, 1)),
    "ones-dtype": lambda m: m.ones(4, dtype=np.float32),
    "full-int": lambda m: m.full((2, 2), 7),
    "full-float32": lambda m: m.full(3, 2.5, np.float32),
    "full-bool": lambda m: m.full((2,), True),
    "arange-stop": lambda m: m.arange(5),
    "arange-start-stop-step": lambda m: m.arange(1, 7, 2),
    "arange-float-step": lambda m: m.arange(0, 1, 0.25),
    "arange-dtype": lambda m: m.arange(5, dtype=np.float32),
    "linspace": lambda m: m.linspace(0, 1, 5),
    "linspace-no-endpoint": lambda m: m.linspace(-1.0, 1.0, 4, endpoint=False),
    "linspace-one": lambda m: m.linspace(2, 3, num=1),
    "linspace-dtype": lambda m: m.linspace(0, 10, 6, dtype=np.float32),
    "eye": lambda m: m.eye(3),
    "eye-rect-k": lambda m: m.eye(3, 4, k=1),
    "eye-dtype": lambda m: m.eye(2, dtype=np.int32),
    "array-nested": lambda m: m.array([[1, 2], [3, 4]]),
    "array-dtype": lambda m: m.array([1.0, 2], dtype=np.float32),
    "asarray-tuple": lambda m: m.asarray((1, 2.5)),
    "asarray-scalar": lambda m: m.asarray(3.0),
    "asarray-bool": lambda m: m.asarray([True, False]),
}


@pytest.mark.parametrize("name", sorted(CREATION))
def test_creation_functions_match_numpy(name, traced):
    make = CREATION[name]
    traced(lambda: make(xnp), reference=lambda: make(np))


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.bool_], ids=dtype_id)
@pytest.mark.parametrize("name", ["zeros_like", "ones_like"])
def test_like_functions_keep_dtype_unless_told(name, dtype, traced):
    x = np.ones((2, 3), dtype)
    traced(getattr(xnp, name), x, reference=getattr(np, name))
    traced(lambda x: getattr(xnp, name)(x, dtype=np.float64), x,
           reference=lambda x: getattr(np, name)(x, dtype=np.float64))


def test_array_copies_and_asarray_does_not():
    x = np.arange(3.0)
    assert xnp.asarray(x) is x
    copy = xnp.array(x)
    assert copy is not x and np.array_equal(copy, x)


def test_creation_from_traced_values(traced):
    def f(a, b):
        return (xnp.full((2, 3), a), xnp.linspace(a, b, 5), xnp.linspace(a, b, 4, endpoint=False),
                xnp.asarray([a, b, a]), xnp.zeros_like(b), xnp.array([[a], [b]]))

    def ref(a, b):
        return (np.full((2, 3), a), np.linspace(a, b, 5), np.linspace(a, b, 4, endpoint=False),
                np.asarray([a, b, a]), np.zeros_like(b), np.array([[a], [b]]))

    traced(f, np.float64(0.5), np.float64(2.0), reference=ref)


def test_arange_needs_static_bounds():
    with pytest.raises(TypeError, match="static"):
        nb.make_jaxpr(lambda n: xnp.arange(n))(np.int64(3))


# ---------------------------------------------------------------------------------------------
# Indexing

X3 = np.arange(4 * 5 * 6, dtype=np.float32).reshape(4, 5, 6)

INDICES = [
    1, -1, (2, -3), (0, 1, -1),
    slice(1, 3), slice(None, None, 2), slice(None, None, -1), slice(-1, 0, -2), slice(3, None, -2),
    slice(10, -10, -3), slice(2, 2), (slice(None), slice(4, 0, -1)),
    None, (None, 1), (1, None, slice(None), None),
    Ellipsis, (Ellipsis, 0), (0, Ellipsis, slice(None, None, -1)), (Ellipsis, None),
    np.array([0, 2, -1]), [0, 3, 3], (slice(None), np.array([[1, 0], [4, 4]])),
    (1, np.array([3, -5])), (np.array([1, 1]), slice(1, None, 2)), (slice(None), 0, np.array(2)),
    # an int and an array index apart: NumPy puts the index dimensions first
    (0, slice(None), np.array([5, 0])), (np.array([[0], [3]]), None, 2),
]


@pytest.mark.parametrize("idx", INDICES, ids=repr)
def test_indexing_matches_numpy(idx, traced):
    traced(lambda x: xnp.getitem(x, idx), X3, reference=lambda x: x[idx])
    traced(lambda x: x[idx], X3, reference=lambda x: x[idx], eager_ndarray=False)  # Tracer.__getitem__


@pytest.mark.parametrize("i", [np.int64(2), np.int32(-1), np.uint8(0)], ids=repr)
def test_indexing_with_a_traced_scalar(i, traced):
    traced(lambda x, i: x[i], X3, i, primitive="gather", eager_ndarray=False)
    traced(lambda x, i: x[1:, i, ::-1], X3, i, eager_ndarray=False)


def test_indexing_with_a_traced_integer_array(traced):
    idx = np.array([[3, -1], [0, -4]])
    traced(lambda x, i: x[:, i], X3, idx, eager_ndarray=False)


def test_traced_indices_out_of_range_are_clamped():
    closed = nb.make_jaxpr(lambda x, i: x[i])(X3, np.int64(0))
    closed.check()
    for i in [7, -9]:
        (out,) = run_closed_jaxpr(closed, X3, np.int64(i))
        np.testing.assert_array_equal(out, X3[np.clip(i if i >= 0 else i + 4, 0, 3)])


@pytest.mark.parametrize(("idx", "error"), [
    (4, IndexError), (-5, IndexError), ((0, 0, 0, 0), IndexError), ((Ellipsis, Ellipsis), IndexError),
    (np.array([True, False, True]), IndexError), (1.5, TypeError), ("a", TypeError),
    ((np.array([0]), np.array([1.0])), IndexError), (np.array([0.5]), IndexError),
], ids=repr)
def test_invalid_indices_raise(idx, error):
    with pytest.raises(error):
        xnp.getitem(X3, idx)
    with pytest.raises(error):
        nb.make_jaxpr(lambda x: x[idx])(X3)


# ---------------------------------------------------------------------------------------------
# Operators on tracers

BINARY_OPERATORS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
                    operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]


@pytest.mark.parametrize("op", BINARY_OPERATORS, ids=lambda op: op.__name__)
def test_operators_between_tracers_and_numpy_arrays_and_scalars(op, rng, traced):
    x = rng.uniform(0.5, 2, (2, 3)).astype(np.float32)
    y = rng.uniform(0.5, 2, (3,)).astype(np.float32)
    other64 = rng.uniform(0.5, 2, (3,))
    cases = [(op, (x, y)), (lambda x: op(x, other64), (x,)), (lambda x: op(other64, x), (x,))]
    for scalar in (2, 1.5):
        cases += [(lambda x, s=scalar: op(x, s), (x,)), (lambda x, s=scalar: op(s, x), (x,))]
    for fn, args in cases:
        # eagerly these are NumPy's own operators: the reference for the traced run
        traced(fn, *args, eager_ndarray=False)


def test_matmul_operator_with_numpy_arrays_on_either_side(rng, traced):
    x, w = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)).astype(np.float32)
    traced(lambda x: x @ w, x, eager_ndarray=False)
    traced(lambda w: x @ w, w, eager_ndarray=False)


def test_unary_operators(rng, traced):
    x = rng.standard_normal((2, 3)).astype(np.float32)
    traced(lambda x: (-x, +x, abs(x)), x, eager_ndarray=False)


def test_integer_operators_keep_integer_dtypes(traced):
    x = np.arange(-3, 3, dtype=np.int32)
    traced(lambda x: (x + 1, x * x, x ** 2, 2 * x, x - np.int32(1), x / 2), x,
           eager_ndarray=False)


# ---------------------------------------------------------------------------------------------
# Argument errors


def test_shapes_that_do_not_broadcast_raise_naming_both_shapes_and_the_operation():
    with pytest.raises(ValueError, match=r"add: shapes \(3,\) and \(4,\) cannot be broadcast"):
        xnp.add(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match=r"multiply: shapes \(2, 3\) and \(2,\)"):
        nb.make_jaxpr(lambda x, y: x * y)(np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match=r"where: shapes \(2,\) and \(3,\) and \(3,\)"):
        xnp.where(np.ones(2, bool), np.ones(3), np.ones(3))


@pytest.mark.parametrize("bad", [np.array(["a", "b", "c"]), np.array([None, 1, 2]),
                                 np.ones(3, np.clongdouble)], ids=["str", "object", "clongdouble"])
def test_unsupported_dtypes_raise_type_error_naming_the_argument_position(bad):
    with pytest.raises(TypeError, match="add: argument 1 has dtype"):
        xnp.add(np.ones(3), bad)
    with pytest.raises(TypeError, match="maximum: argument 0 has dtype"):
        xnp.maximum(bad, np.ones(3))
    with pytest.raises(TypeError, match="sin: argument 0"):
        xnp.sin(bad)


# Lists and tuples are array-likes (tests/test_numpy_protocols.py).
@pytest.mark.parametrize("bad", [{"a": 1}, "text", None, object()],
                         ids=lambda v: type(v).__name__)
def test_non_array_arguments_raise_type_error(bad):
    with pytest.raises(TypeError, match=f"sin: argument 0 is of type {type(bad).__name__}"):
        xnp.sin(bad)
    with pytest.raises(TypeError, match="multiply: argument 1"):
        xnp.multiply(np.ones(2), bad)


def test_asarray_rejects_what_numbax_cannot_hold():
    with pytest.raises(TypeError, match="asarray"):
        xnp.asarray(["a", "b"])
    with pytest.raises(TypeError, match="asarray"):
        xnp.asarray({"a": 1})


def test_make_jaxpr_rejects_object_arrays():
    with pytest.raises(TypeError, match="dtype object"):
        nb.make_jaxpr(xnp.sin)(np.array([1.0, None]))
