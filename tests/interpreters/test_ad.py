"""Automatic differentiation: JVP/transpose rules of every differentiable primitive, checked
against central finite differences; jvp/vjp consistency; higher-order derivatives and
perturbation confusion; the argnums/has_aux/pytree API; jacobians; linearize; partial
evaluation and DCE of the linear program; and the error messages of misuse."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numbax as nb
import numbax.numpy as xnp
from numbax.core import primitives as P
from numbax.core.ir import Jaxpr, Var, eval_jaxpr
from numbax.interpreters import ad
from numbax.interpreters.partial_eval import dce_jaxpr
from numbax.test_util import check_grads

# ---------------------------------------------------------------------------------------------
# Helpers


def rand(shape, seed=0, lo=None, hi=None):
    rng = np.random.default_rng(seed)
    if lo is None:
        return rng.standard_normal(shape)
    return rng.uniform(lo, hi, shape)


def positive(shape, seed=0):
    return np.abs(rand(shape, seed)) + 0.5


def away_from_zero(shape, seed=0):
    x = rand(shape, seed)
    return np.where(x < 0, x - 0.3, x + 0.3)


def fd_jacobian(f, x, eps=1e-6):
    """Central finite-difference Jacobian of an array -> array NumPy-evaluable function."""
    x = np.asarray(x, np.float64)
    y0 = np.asarray(f(x))
    jac = np.zeros(y0.shape + x.shape)
    for idx in np.ndindex(*x.shape):
        dx = np.zeros_like(x)
        dx[idx] = eps
        jac[(...,) + idx] = (np.asarray(f(x + dx)) - np.asarray(f(x - dx))) / (2 * eps)
    return jac


SHAPES = [(), (3,), (2, 3)]

# ---------------------------------------------------------------------------------------------
# Elementwise unary functions

UNARY = {
    "sin": (xnp.sin, rand),
    "cos": (xnp.cos, rand),
    "tan": (xnp.tan, lambda s, seed=0: rand(s, seed, -1.2, 1.2)),
    "tanh": (xnp.tanh, rand),
    "exp": (xnp.exp, rand),
    "log": (xnp.log, positive),
    "log1p": (xnp.log1p, lambda s, seed=0: rand(s, seed, -0.7, 2.0)),
    "expm1": (xnp.expm1, rand),
    "sqrt": (xnp.sqrt, positive),
    "rsqrt": (nb.lax.rsqrt, positive),
    "abs": (xnp.abs, away_from_zero),
    "negative": (xnp.negative, rand),
    "sigmoid": (nb.nn.sigmoid, rand),
    "square": (xnp.square, rand),
    "cube": (lambda x: x ** 3, rand),
    "integer_pow_neg": (lambda x: x ** -2, away_from_zero),
    "integer_pow_one": (lambda x: x ** 1 * 2.0, rand),
    "reciprocal": (xnp.reciprocal, away_from_zero),
    "float_pow_const": (lambda x: x ** 2.5, positive),
    "const_pow_x": (lambda x: 1.7 ** x, rand),
    "rsub_rdiv": (lambda x: (2.0 - x) / (3.0 + x * x), rand),
}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_derivatives_match_finite_differences(name, shape):
    fn, sample = UNARY[name]
    check_grads(fn, (sample(shape, seed=len(shape)),), order=2, modes=("fwd", "rev"))


def test_sin_gradient_is_cos_elementwise():
    x = rand((5,), 3)
    np.testing.assert_allclose(nb.grad(lambda x: xnp.sum(xnp.sin(x)))(x), np.cos(x))
    np.testing.assert_allclose(nb.grad(lambda x: xnp.sum(nb.nn.sigmoid(x)))(x),
                               np.exp(-x) / (1 + np.exp(-x)) ** 2)


def test_integer_pow_zero_exponent_has_zero_derivative():
    x = rand((3,), 1)
    np.testing.assert_array_equal(nb.grad(lambda x: xnp.sum(x ** 0))(x), np.zeros(3))


# ---------------------------------------------------------------------------------------------
# Elementwise binary functions with broadcasting

BINARY = {
    "add": (xnp.add, rand),
    "subtract": (xnp.subtract, rand),
    "multiply": (xnp.multiply, rand),
    "divide": (xnp.divide, away_from_zero),
    "power": (lambda x, y: xnp.power(xnp.abs(x) + 0.5, y), rand),
    "maximum": (xnp.maximum, rand),
    "minimum": (xnp.minimum, rand),
    "logaddexp": (xnp.logaddexp, rand),
    "operators": (lambda x, y: x * y - y / (1.0 + x * x) + (x + y) ** 2, rand),
}

BINARY_SHAPES = [((3, 1), (4,)), ((2, 3), (2, 3)), ((), (3,)), ((2, 1, 3), (4, 1)), ((3,), ())]


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_derivatives_with_broadcasting_match_finite_differences(name, shapes):
    fn, sample_y = BINARY[name]
    x = rand(shapes[0], 10)
    y = sample_y(shapes[1], 11)
    check_grads(fn, (x, y), order=2, modes=("fwd", "rev"))


def test_broadcast_add_gradient_sums_over_broadcast_axes():
    x, y = rand((3, 1), 0), rand((4,), 1)
    gx, gy = nb.grad(lambda x, y: xnp.sum(xnp.sin(x + y)), argnums=(0, 1))(x, y)
    c = np.cos(x + y)
    np.testing.assert_allclose(gx, c.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(gy, c.sum(axis=0))
    assert gx.shape == (3, 1) and gy.shape == (4,)


def test_maximum_tie_splits_gradient_evenly():
    x = np.array([1.0, 2.0, 3.0])
    gx, gy = nb.grad(lambda x, y: xnp.sum(xnp.maximum(x, y)), argnums=(0, 1))(x, np.full(3, 2.0))
    np.testing.assert_allclose(gx, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(gy, [1.0, 0.5, 0.0])


def test_power_derivative_with_respect_to_exponent_is_log_base_times_power():
    x, y = positive((4,), 2), rand((4,), 3)
    gy = nb.grad(lambda y: xnp.sum(xnp.power(x, y)), argnums=0)(y)
    np.testing.assert_allclose(gy, np.log(x) * x ** y)


# ---------------------------------------------------------------------------------------------
# Reductions

REDUCTIONS = {"sum": (xnp.sum, np.sum), "mean": (xnp.mean, np.mean), "max": (xnp.max, np.max),
              "min": (xnp.min, np.min), "prod": (xnp.prod, np.prod)}


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)], ids=str)
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction_derivatives_match_finite_differences(name, axis, keepdims):
    fn, _ = REDUCTIONS[name]
    x = rand((2, 3, 2), 4)
    check_grads(lambda x: fn(x, axis=axis, keepdims=keepdims), (x,), order=2)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction_gradient_matches_numpy_formula(name):
    x = rand((3, 4), 5)
    g = nb.grad(lambda x: xnp.sum(REDUCTIONS[name][0](x, axis=1) * np.arange(1.0, 4.0)))(x)
    w = np.arange(1.0, 4.0)[:, None]
    expected = {
        "sum": np.broadcast_to(w, x.shape),
        "mean": np.broadcast_to(w / 4, x.shape),
        "max": w * (x == x.max(axis=1, keepdims=True)),
        "min": w * (x == x.min(axis=1, keepdims=True)),
        "prod": w * x.prod(axis=1, keepdims=True) / x,
    }[name]
    np.testing.assert_allclose(g, expected)


def test_max_reduction_gradient_averages_over_ties():
    g = nb.grad(lambda x: xnp.max(x))(np.array([1.0, 3.0, 3.0, 0.0]))
    np.testing.assert_allclose(g, [0.0, 0.5, 0.5, 0.0])


def test_prod_gradient_is_finite_and_exact_with_zero_entries():
    def numpy_grad(x):  # product of the other entries, by explicit loops
        return np.array([np.prod(np.delete(x, i)) for i in range(x.size)])

    for x in (np.array([2.0, 0.0, 3.0, 4.0]), np.array([0.0, 0.0, 3.0, 1.5])):
        np.testing.assert_allclose(nb.grad(lambda x: xnp.prod(x))(x), numpy_grad(x))


@pytest.mark.parametrize("x", [[2.0, 0.0, 3.0, 4.0], [0.0, 0.0, 3.0, 1.5], [0.0, 0.0, 0.0, 2.0],
                               [1.5, -2.0, 0.5, 3.0]], ids=str)
def test_prod_hessian_is_exact_with_zero_entries(x):
    x = np.array(x)

    def numpy_hessian(x):  # product of all entries but i and j, by explicit loops
        n = x.size
        return np.array([[0.0 if i == j else np.prod(np.delete(x, [i, j])) for j in range(n)]
                         for i in range(n)])

    np.testing.assert_allclose(nb.hessian(lambda x: xnp.prod(x))(x), numpy_hessian(x))
    # The polynomial's third derivatives are checked by finite differences of the gradient.
    check_grads(nb.grad(lambda x: xnp.prod(x)), (x,), order=2)
    check_grads(lambda x: xnp.prod(xnp.reshape(x, (2, 2)), axis=0), (x,), order=2)


# ---------------------------------------------------------------------------------------------
# Shape operations

SHAPE_OPS = {
    "reshape": (lambda x: xnp.reshape(x, (3, 2)) * np.arange(6.0).reshape(3, 2), (2, 3)),
    "reshape_minus_one": (lambda x: xnp.sin(xnp.reshape(x, (-1, 1))), (2, 3)),
    "transpose": (lambda x: xnp.transpose(x, (2, 0, 1)) * np.arange(6.0).reshape(3, 1, 2), (1, 2, 3)),
    "transpose_default": (lambda x: x.T @ x, (2, 3)),
    "swapaxes": (lambda x: xnp.swapaxes(xnp.sin(x), 0, 2), (2, 3, 2)),
    "moveaxis": (lambda x: xnp.moveaxis(x, 0, -1) ** 2, (2, 3, 2)),
    "expand_dims": (lambda x: xnp.expand_dims(x, (0, 2)) * xnp.expand_dims(x, 1), (2, 3)),
    "squeeze": (lambda x: xnp.squeeze(x ** 2, axis=(0, 2)), (1, 3, 1)),
    "squeeze_all": (lambda x: xnp.squeeze(xnp.cos(x)), (1, 3, 1)),
    "broadcast_to": (lambda x: xnp.broadcast_to(x, (2, 4, 3)) * np.arange(24.0).reshape(2, 4, 3),
                     (4, 1)),
    "broadcast_to_rank": (lambda x: xnp.broadcast_to(xnp.sin(x), (2, 3)), (3,)),
    "concatenate": (lambda x: xnp.concatenate([x, x ** 2, xnp.sin(x[:1])], axis=0), (3, 2)),
    "concatenate_axis1": (lambda x: xnp.concatenate([x, 2 * x], axis=1), (2, 2)),
    "concatenate_none": (lambda x: xnp.concatenate([x, x[0]], axis=None), (2, 2)),
    "stack": (lambda x: xnp.stack([x, xnp.exp(x), x * x], axis=1), (2, 3)),
    "ravel": (lambda x: xnp.ravel(x) * np.arange(6.0), (2, 3)),
    "method_reshape": (lambda x: x.reshape(6).sum() * x, (2, 3)),
    "full_traced_fill": (lambda x: xnp.full((2, 3), x) * np.arange(6.0).reshape(2, 3), ()),
    "linspace_traced_ends": (lambda x: xnp.linspace(x[0], x[1], 5) ** 2, (2,)),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_operation_derivatives_match_finite_differences(name):
    fn, shape = SHAPE_OPS[name]
    check_grads(fn, (rand(shape, 6),), order=2)


def test_transpose_gradient_is_inverse_permutation_of_cotangent():
    x = rand((2, 3, 4), 7)
    w = rand((4, 2, 3), 8)
    g = nb.grad(lambda x: xnp.sum(xnp.transpose(x, (2, 0, 1)) * w))(x)
    np.testing.assert_allclose(g, np.transpose(w, (1, 2, 0)))


# ---------------------------------------------------------------------------------------------
# Indexing (slices with any step, ints, None, Ellipsis, integer arrays) and gather

INDEXERS = {
    "int": lambda x: x[1],
    "negative_int": lambda x: x[-1, 2],
    "slice": lambda x: x[1:3],
    "step": lambda x: x[::2, 1:],
    "negative_step": lambda x: x[::-1],
    "negative_step_2": lambda x: x[2::-2, ::-1],
    "mixed": lambda x: x[1:, ::-2],
    "none_ellipsis": lambda x: x[None, ..., 0],
    "int_array": lambda x: x[np.array([0, 2, -1])],
    "int_array_2d": lambda x: x[np.array([[0, 1], [3, 0]])],
    "int_array_repeated_axis1": lambda x: x[:, np.array([1, 0, 1, 1])],
    "int_list": lambda x: x[[3, 3, 0]],
    "int_and_int_array": lambda x: x[1, np.array([0, 2, 2])],
    "int_array_and_slice": lambda x: x[np.array([[0, 1], [1, 1]]), 1:],
}


@pytest.mark.parametrize("name", sorted(INDEXERS))
def test_indexing_derivatives_match_finite_differences(name):
    fn = INDEXERS[name]
    check_grads(lambda x: xnp.sin(fn(x)), (rand((4, 3), 9),), order=2)


def test_gather_with_repeated_indices_accumulates_gradient():
    idx = np.array([0, 2, 2, 2, -1])
    w = rand((5,), 2)
    g = nb.grad(lambda x: xnp.sum(x[idx] * w))(rand((4,), 1))
    expected = np.zeros(4)
    for k, i in enumerate(idx):
        expected[i] += w[k]
    np.testing.assert_allclose(g, expected)


def test_negative_step_slice_gradient_reverses_cotangent():
    w = rand((5,), 3)
    g = nb.grad(lambda x: xnp.sum(x[::-2] * w[:3]))(rand((5,), 1))
    expected = np.zeros(5)
    expected[::-2] = w[:3]
    np.testing.assert_allclose(g, expected)


def test_traced_index_from_argmax_differentiates_selected_entry():
    def f(x):
        i = xnp.argmax(x[:, 0])
        return x[i] * 2.0

    x = rand((4, 3), 12)
    check_grads(f, (x,), order=2)
    g = nb.grad(lambda x: xnp.sum(f(x)))(x)
    expected = np.zeros_like(x)
    expected[np.argmax(x[:, 0])] = 2.0
    np.testing.assert_allclose(g, expected)


def test_gradient_with_traced_integer_index_argument_under_make_jaxpr():
    def loss(x, i):
        return xnp.sum(xnp.sin(x[i]))

    x, i = rand((4, 2), 13), np.array([3, 1, 1], dtype=np.int64)
    closed = nb.make_jaxpr(nb.grad(loss))(x, i)
    closed.check()
    (g,) = eval_jaxpr(closed.jaxpr, closed.consts, [x, i])
    expected = np.zeros_like(x)
    np.add.at(expected, i, np.cos(x[i]))
    np.testing.assert_allclose(g, expected)
    np.testing.assert_allclose(nb.grad(loss)(x, i), expected)


# ---------------------------------------------------------------------------------------------
# where/select, clip, logaddexp


def test_where_derivatives_with_broadcasting_match_finite_differences():
    def f(x, y):
        return xnp.where(x > 0.1, x * y, xnp.sin(y))

    check_grads(f, (rand((3, 1), 1), rand((4,), 2)), order=2)
    check_grads(lambda x: xnp.where(np.array([True, False, True]), x, -x ** 2),
                (rand((2, 3), 3),), order=2)
    # The predicate broadcasts beyond both branches.
    check_grads(lambda x: xnp.where(np.arange(6).reshape(2, 3) > 2, x, 0.5 * x ** 2),
                (rand((3,), 4),), order=2)


def test_where_gradient_routes_cotangent_to_chosen_branch():
    x = np.array([-1.0, 0.5, 2.0])
    g = nb.grad(lambda x: xnp.sum(xnp.where(x > 0, x ** 2, 3.0 * x)))(x)
    np.testing.assert_allclose(g, np.where(x > 0, 2 * x, 3.0))


def test_clip_derivatives_match_finite_differences_and_vanish_outside_bounds():
    x = np.array([-2.0, -0.3, 0.1, 0.7, 3.0])
    check_grads(lambda x: xnp.clip(x, -0.5, 0.5) * x, (x,), order=2)
    g = nb.grad(lambda x: xnp.sum(xnp.clip(x, -0.5, 0.5)))(x)
    np.testing.assert_allclose(g, ((x > -0.5) & (x < 0.5)).astype(float))
    lo, hi = np.full(5, -1.0), np.full(5, 1.0)
    check_grads(lambda x, lo, hi: xnp.clip(x, lo, hi), (x, lo + 0.01, hi - 0.02), order=2)


def test_logaddexp_gradient_is_softmax_weight_and_stable_at_extremes():
    x, y = np.array([0.3, 1000.0, -1000.0]), np.array([-0.2, 0.0, 0.0])
    gx, gy = nb.grad(lambda x, y: xnp.sum(xnp.logaddexp(x, y)), argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, 1 / (1 + np.exp(np.clip(y - x, -700, 700))), atol=1e-300)
    np.testing.assert_allclose(gx + gy, np.ones(3))


def test_logaddexp_second_derivative_is_exact_where_arguments_are_equal():
    h = nb.hessian(lambda v: xnp.logaddexp(v[0], v[1]))(np.array([0.3, 0.3]))
    np.testing.assert_allclose(h, [[0.25, -0.25], [-0.25, 0.25]])


# ---------------------------------------------------------------------------------------------
# Products

PRODUCTS = {
    "dot_vv": (xnp.dot, (3,), (3,)),
    "dot_mv": (xnp.dot, (2, 3), (3,)),
    "dot_vm": (xnp.dot, (3,), (3, 2)),
    "dot_mm": (xnp.dot, (2, 3), (3, 4)),
    "dot_nd": (xnp.dot, (2, 2, 3), (4, 3, 2)),
    "matmul_mm": (xnp.matmul, (2, 3), (3, 4)),
    "matmul_batched": (xnp.matmul, (2, 3, 4), (2, 4, 2)),
    "matmul_broadcast_batch": (xnp.matmul, (2, 1, 3, 4), (3, 4, 2)),
    "matmul_batched_vector": (xnp.matmul, (2, 3, 4), (4,)),
    "matmul_vector_batched": (xnp.matmul, (3,), (2, 3, 4)),
    "matmul_operator": (lambda a, b: a @ b, (3, 2), (2, 3)),
    "vdot": (xnp.vdot, (2, 3), (3, 2)),
    "outer": (xnp.outer, (3,), (2, 2)),
    "inner": (xnp.inner, (2, 3), (4, 3)),
}


@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_product_derivatives_match_finite_differences(name):
    fn, sa, sb = PRODUCTS[name]
    check_grads(fn, (rand(sa, 20), rand(sb, 21)), order=2)


def test_matmul_gradients_match_matrix_formulas():
    a, b, w = rand((2, 3, 4), 1), rand((2, 4, 5), 2), rand((2, 3, 5), 3)
    ga, gb = nb.grad(lambda a, b: xnp.sum((a @ b) * w), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga, w @ np.swapaxes(b, -1, -2))
    np.testing.assert_allclose(gb, np.swapaxes(a, -1, -2) @ w)


def test_broadcast_matmul_gradient_sums_over_broadcast_batch():
    a, b = rand((3, 4), 1), rand((2, 4, 5), 2)
    ga = nb.grad(lambda a: xnp.sum(a @ b))(a)
    np.testing.assert_allclose(ga, (np.ones((2, 3, 5)) @ np.swapaxes(b, -1, -2)).sum(0))


# ---------------------------------------------------------------------------------------------
# Dtype conversion


def test_astype_float32_to_float64_derivatives_match_finite_differences():
    x32 = rand((3,), 1).astype(np.float32)
    check_grads(lambda x: xnp.sin(x).astype(np.float64) * 2.0, (x32,), order=2)
    check_grads(lambda x: xnp.astype(xnp.astype(x, np.float32), np.float64) ** 2, (rand((3,), 2),),
                order=2, atol=2e-2)


def test_astype_gradient_has_input_dtype_and_integer_path_is_not_differentiated():
    x = rand((3,), 3)
    g = nb.grad(lambda x: xnp.sum(xnp.astype(x, np.float32) * np.float32(2.0)))(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, np.full(3, 2.0))
    g = nb.grad(lambda x: xnp.sum(xnp.astype(xnp.astype(x * 10, np.int64), np.float64) + x))(x)
    np.testing.assert_allclose(g, np.ones(3))
    g32 = nb.grad(lambda x: xnp.sum(xnp.astype(x, np.float64) ** 2))(x.astype(np.float32))
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, 2 * x.astype(np.float32), rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# Every core primitive, bound directly through numbax.lax (no numbax.numpy conveniences)

lax = nb.lax
_IDX = np.array([[2, 0], [2, 1]])

# primitive name -> (function, argument shapes or arrays)
LAX_CASES = {
    "cbrt": (lambda x: lax.cbrt(lax.add(x, np.float64(3.0))), [(3,)]),
    "exp2": (lax.exp2, [(3,)]),
    # inverse trigonometric and hyperbolic: arguments squashed into their domains
    "asin": (lambda x: lax.asin(lax.tanh(x)), [(3,)]),
    "acos": (lambda x: lax.acos(lax.tanh(x)), [(3,)]),
    "atan": (lax.atan, [(3,)]),
    "atan2": (lax.atan2, [(3,), (3,)]),
    "sinh": (lax.sinh, [(3,)]),
    "cosh": (lax.cosh, [(3,)]),
    "asinh": (lax.asinh, [(3,)]),
    "acosh": (lambda x: lax.acosh(lax.add(lax.mul(x, x), np.float64(1.5))), [(3,)]),
    "atanh": (lambda x: lax.atanh(lax.tanh(x)), [(3,)]),
    "log2": (lambda x: lax.log2(lax.exp(x)), [(3,)]),
    "log10": (lambda x: lax.log10(lax.exp(x)), [(3,)]),
    "rem": (lambda x, y: lax.rem(x, lax.add(lax.mul(y, y), np.float64(0.5))), [(3,), (3,)]),
    "nextafter": (lambda x, y: lax.nextafter(x, y), [(3,), (3,)]),
    "copysign": (lambda x, y: lax.copysign(x, lax.add(lax.mul(y, y), np.float64(0.5))),
                 [(3,), (3,)]),
    "neg": (lax.neg, [(2, 3)]),
    "abs": (lambda x: lax.abs(lax.add(x, np.asarray(0.1))), [(4,)]),
    "exp": (lax.exp, [(2, 3)]),
    "log": (lambda x: lax.log(lax.exp(x)), [(3,)]),
    "log1p": (lambda x: lax.log1p(lax.mul(x, x)), [(3,)]),
    "expm1": (lax.expm1, [(3,)]),
    "sin": (lax.sin, [(3,)]),
    "cos": (lax.cos, [(3,)]),
    "tan": (lambda x: lax.tan(lax.mul(x, np.asarray(0.3))), [(3,)]),
    "tanh": (lax.tanh, [(3,)]),
    "sqrt": (lambda x: lax.sqrt(lax.add(lax.mul(x, x), np.asarray(0.5))), [(3,)]),
    "rsqrt": (lambda x: lax.rsqrt(lax.add(lax.mul(x, x), np.asarray(0.5))), [(3,)]),
    "logistic": (lax.logistic, [(3,)]),
    "add": (lax.add, [(3, 1), (4,)]),
    "sub": (lax.sub, [(3, 1), (4,)]),
    "mul": (lax.mul, [(3, 1), (4,)]),
    "div": (lambda x, y: lax.div(x, lax.add(lax.mul(y, y), np.asarray(0.5))), [(3, 1), (4,)]),
    "pow": (lambda x, y: lax.pow(lax.exp(x), y), [(3, 1), (4,)]),
    "max": (lax.max, [(3, 1), (4,)]),
    "min": (lax.min, [(3, 1), (4,)]),
    "integer_pow": (lambda x: lax.integer_pow(x, 3), [(2, 2)]),
    "select": (lambda x, y: lax.select(lax.gt(x, y), lax.sin(x), lax.mul(x, y)), [(3, 1), (4,)]),
    "convert_element_type": (lambda x: lax.convert_element_type(
        lax.mul(lax.convert_element_type(x, np.float32), np.float32(2)), np.float64), [(3,)]),
    "reduce_sum": (lambda x: lax.reduce_sum(x, (0, 2)), [(2, 3, 2)]),
    "reduce_prod": (lambda x: lax.reduce_prod(x, (1,)), [(2, 3)]),
    "reduce_max": (lambda x: lax.reduce_max(x, (0,)), [(3, 2)]),
    "reduce_min": (lambda x: lax.reduce_min(x, (0, 1)), [(3, 2)]),
    "cumsum": (lambda x: lax.cumsum(x, 1, reverse=True), [(2, 3)]),
    "sort": (lambda x: lax.sort(x, 1), [(2, 3)]),
    "rev": (lambda x: lax.rev(x, (0, 1)), [(2, 3)]),
    "broadcast_in_dim": (lambda x: lax.broadcast_in_dim(x, (2, 3, 4), (1, 2)), [(3, 1)]),
    "reshape": (lambda x: lax.reshape(x, (3, 2)), [(2, 3)]),
    "transpose": (lambda x: lax.transpose(x, (1, 2, 0)), [(2, 3, 2)]),
    "squeeze": (lambda x: lax.squeeze(x, (0, 2)), [(1, 3, 1)]),
    "expand_dims": (lambda x: lax.expand_dims(x, (0, 3)), [(2, 3)]),
    "slice": (lambda x: lax.slice(x, (1, 0), (5, 3), (2, 2)), [(5, 3)]),
    "pad": (lambda x, v: lax.pad(x, lax.reshape(v, ()), ((1, 2, 1), (0, 1, 0))), [(3, 2), (1,)]),
    "gather": (lambda x: lax.gather(x, _IDX, 1), [(2, 3)]),
    "scatter_add": (lambda x, u: lax.scatter_add(x, _IDX, u, 0), [(3, 2), (2, 2, 2)]),
    # (2, 0) repeats: for scatter the last write wins
    "scatter": (lambda x, u: lax.scatter(x, (_IDX, _IDX[::-1] % 2), u, 0, "drop"),
                [(3, 2), (2, 2)]),
    "scatter_min": (lambda x, u: lax.scatter_min(x, (_IDX, _IDX[::-1] % 2), u, 0),
                    [(3, 2), (2, 2)]),
    "scatter_max": (lambda x, u: lax.scatter_max(x, _IDX, u, 0), [(3, 2), (2, 2, 2)]),
    "scatter_mul": (lambda x, u: lax.scatter_mul(x, (_IDX[0], _IDX[1] % 2), u, 0),
                    [(3, 2), (2,)]),
    "concatenate": (lambda x, y: lax.concatenate([x, y, x], 1), [(2, 1), (2, 3)]),
    # complex parts, from real operands (tests/interpreters/test_complex_ad.py has more)
    "complex": (lambda x, y: lax.mul(lax.complex(x, y), lax.complex(y, x)), [(2, 3), (3,)]),
    "real": (lambda x, y: lax.real(lax.exp(lax.complex(x, y))), [(2, 3), (2, 3)]),
    "imag": (lambda x, y: lax.imag(lax.mul(lax.complex(x, y), lax.complex(y, y))),
             [(2, 3), (2, 3)]),
    "conj": (lambda x, y: lax.mul(lax.conj(lax.complex(x, y)), lax.complex(y, x)),
             [(2, 3), (2, 3)]),
    "dot_general": (lambda x, y: lax.dot_general(x, y, (((0, 3), (2, 1)), ((1,), (0,)))),
                    [(3, 2, 4, 2), (2, 2, 3, 5)]),
}

# Primitives whose derivative is zero or that take no differentiable operand.
ZERO_DERIVATIVE = {"sign", "lt", "le", "gt", "ge", "eq", "ne", "and", "or", "not", "argmax",
                   "argmin", "iota", "full", "stop_gradient", "round", "floor", "ceil", "xor",
                   "shift_left", "shift_right_logical", "shift_right_arithmetic",
                   "population_count"}


def test_every_core_primitive_with_a_jvp_rule_has_a_derivative_check():
    core = {p.name for p in vars(P).values() if isinstance(p, P.Primitive)}
    with_rules = {p.name for p in ad.jvp_rules} & core
    assert with_rules == core, f"primitives without a JVP rule: {sorted(core - with_rules)}"
    missing = core - set(LAX_CASES) - ZERO_DERIVATIVE
    assert not missing, f"add a derivative check for: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(LAX_CASES))
def test_lax_primitive_derivatives_match_finite_differences(name):
    fn, shapes = LAX_CASES[name]
    args = tuple(rand(s, 30 + i) for i, s in enumerate(shapes))
    closed = nb.make_jaxpr(fn)(*args)
    assert name in {e.primitive.name for e in closed.eqns}
    check_grads(fn, args, order=2, modes=("fwd", "rev"),
                atol=2e-2 if name == "convert_element_type" else None)
    nb.make_jaxpr(lambda *a: nb.vjp(fn, *a)[1](fn(*a)))(*args).check()
    nb.make_jaxpr(lambda *a: nb.jvp(fn, a, a))(*args).check()
    _linear_jaxpr_checks(lambda *a: [fn(*a)], list(args))


def test_zero_derivative_primitives_give_zero_tangents():
    x = rand((4,), 40)

    def f(x):
        parts = [lax.convert_element_type(lax.lt(x, np.asarray(0.0)), np.float64),
                 lax.sign(x),
                 lax.convert_element_type(lax.argmax(x, 0), np.float64),
                 lax.convert_element_type(lax.argmin(x, 0), np.float64),
                 lax.iota(np.float64, (4,)),
                 lax.full((4,), 2.0, np.float64),
                 lax.stop_gradient(x)]
        return [lax.mul(p, np.asarray(1.0)) for p in parts]

    _, tangents = nb.jvp(f, (x,), (np.ones(4),))
    for t in tangents:
        np.testing.assert_array_equal(t, np.zeros_like(t))
    (ct,) = nb.vjp(lambda x: lax.reduce_sum(lax.add(f(x)[0], f(x)[1]), (0,)), x)[1](1.0)
    np.testing.assert_array_equal(ct, np.zeros(4))


def test_scatter_add_gradient_gathers_cotangent_for_updates_and_passes_it_for_operand():
    x, u = rand((3, 2), 1), rand((2, 2, 2), 2)
    w = rand((3, 2), 3)
    gx, gu = nb.grad(lambda x, u: lax.reduce_sum(lax.mul(lax.scatter_add(x, _IDX, u, 0), w), (0, 1)),
                     argnums=(0, 1))(x, u)
    np.testing.assert_allclose(gx, w)
    np.testing.assert_allclose(gu, w[_IDX])


def test_pad_gradient_with_respect_to_padding_value_counts_padded_entries():
    x = rand((3, 2), 4)
    g = nb.grad(lambda v: lax.reduce_sum(lax.pad(x, v, ((1, 2, 1), (0, 1, 0))), (0, 1)))(0.5)
    padded_size = (1 + 2 + 3 + 2) * (0 + 1 + 2)
    np.testing.assert_allclose(g, padded_size - x.size)


# ---------------------------------------------------------------------------------------------
# jvp / vjp consistency: <u, J v> == <J^T u, v>


def _composite_a(x, y):
    return xnp.sum(xnp.sin(x) * y, axis=-1) + xnp.exp(-(x ** 2)).mean(axis=-1)


def _composite_b(x, y):
    return xnp.tanh(x * y + 1.0) / (1.0 + y ** 2) - xnp.maximum(x, y)


def _composite_c(x, y):
    z = xnp.concatenate([x[..., ::-1], xnp.cos(y)], axis=-1)
    return nb.nn.logsumexp(z, axis=-1) * xnp.sum(x)


COMPOSITES = [_composite_a, _composite_b, _composite_c]


@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple),
       which=st.integers(0, len(COMPOSITES) - 1), seed=st.integers(0, 2 ** 16))
def test_jvp_and_vjp_are_adjoint_on_random_shapes(shape, which, seed):
    fn = COMPOSITES[which]
    rng = np.random.default_rng(seed)
    x, y, vx, vy = (rng.standard_normal(shape) for _ in range(4))
    out, tx = nb.jvp(lambda x: fn(x, y), (x,), (vx,))
    _, t_both = nb.jvp(fn, (x, y), (vx, vy))
    out2, f_vjp = nb.vjp(fn, x, y)
    np.testing.assert_allclose(out, out2)
    u = rng.standard_normal(np.shape(out))
    ux, uy = f_vjp(u)
    assert ux.shape == x.shape and uy.shape == y.shape
    np.testing.assert_allclose(np.sum(u * t_both), np.sum(ux * vx) + np.sum(uy * vy),
                               rtol=1e-9, atol=1e-9)
    # The jvp in x alone agrees with the x part of the vjp.
    np.testing.assert_allclose(np.sum(u * tx), np.sum(ux * vx), rtol=1e-9, atol=1e-9)


def test_jvp_matches_finite_difference_directional_derivative():
    x, y, v = rand((2, 3), 1), rand((2, 3), 2), rand((2, 3), 3)
    _, t = nb.jvp(lambda x: _composite_b(x, y), (x,), (v,))
    eps = 1e-6
    fd = (_composite_b(x + eps * v, y) - _composite_b(x - eps * v, y)) / (2 * eps)
    np.testing.assert_allclose(t, fd, rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------------------------------------
# Higher order


def _quartic(x):
    return xnp.sum(xnp.sin(x) * x ** 2) + xnp.sum(x) ** 2 * xnp.exp(x[0])


def _quartic_grad_np(x):
    s = x.sum()
    g = np.cos(x) * x ** 2 + 2 * x * np.sin(x) + 2 * s * np.exp(x[0])
    g[0] += s ** 2 * np.exp(x[0])
    return g


def test_gradient_of_composite_matches_hand_derivation():
    x = rand((4,), 1)
    np.testing.assert_allclose(nb.grad(_quartic)(x), _quartic_grad_np(x))


def test_second_derivative_of_scalar_functions():
    x = 0.7
    np.testing.assert_allclose(nb.grad(nb.grad(xnp.sin))(x), -np.sin(x))
    np.testing.assert_allclose(nb.grad(nb.grad(nb.grad(lambda x: x ** 4)))(x), 24 * x)
    np.testing.assert_allclose(nb.grad(nb.grad(lambda x: xnp.exp(2 * x) * xnp.log(x)))(x),
                               4 * np.exp(2 * x) * np.log(x) + 4 * np.exp(2 * x) / x
                               - np.exp(2 * x) / x ** 2)


def test_hessian_matches_finite_differences_of_gradient():
    x = rand((4,), 2)
    h = nb.hessian(_quartic)(x)
    assert h.shape == (4, 4)
    np.testing.assert_allclose(h, fd_jacobian(_quartic_grad_np, x), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(h, h.T, rtol=1e-12, atol=1e-12)


def test_jvp_of_grad_is_hessian_vector_product():
    x, v = rand((4,), 3), rand((4,), 4)
    _, hvp = nb.jvp(nb.grad(_quartic), (x,), (v,))
    np.testing.assert_allclose(hvp, nb.hessian(_quartic)(x) @ v, rtol=1e-10)
    np.testing.assert_allclose(hvp, fd_jacobian(_quartic_grad_np, x) @ v, rtol=1e-6, atol=1e-6)


def test_grad_of_jvp_is_hessian_vector_product():
    x, v = rand((4,), 5), rand((4,), 6)
    g = nb.grad(lambda x: nb.jvp(_quartic, (x,), (v,))[1])(x)
    np.testing.assert_allclose(g, nb.hessian(_quartic)(x) @ v, rtol=1e-10)


def test_grad_of_vjp_and_jacrev_of_jacfwd_agree():
    x = rand((3,), 7)
    f = lambda x: xnp.sin(x) * xnp.sum(x ** 2)
    h1 = nb.jacrev(nb.jacfwd(f))(x)
    h2 = nb.jacfwd(nb.jacrev(f))(x)
    np.testing.assert_allclose(h1, h2, rtol=1e-10)
    fd = fd_jacobian(lambda y: fd_jacobian(lambda z: np.sin(z) * np.sum(z ** 2), y, 1e-5), x, 1e-5)
    np.testing.assert_allclose(h1, fd, rtol=1e-4, atol=1e-4)


def test_third_order_via_check_grads_of_gradient():
    check_grads(nb.grad(lambda x: xnp.sum(xnp.tanh(x) * xnp.exp(x))), (rand((3,), 8),), order=2)


# Perturbation confusion: nested differentiation must keep its perturbations apart.


def test_perturbation_confusion_grad_inside_grad():
    assert nb.grad(lambda x: x * nb.grad(lambda y: x * y)(2.0))(3.0) == 6.0


def test_perturbation_confusion_inner_derivative_of_sum_is_one():
    # f(x) = x * d/dy (x + y) = x, so f'(x) = 1 (a confused system answers 2).
    assert nb.grad(lambda x: x * nb.grad(lambda y: x + y)(1.0))(3.0) == 1.0
    _, t = nb.jvp(lambda x: x * nb.jvp(lambda y: x + y, (1.0,), (1.0,))[1], (3.0,), (1.0,))
    assert t == 1.0


def test_perturbation_confusion_jvp_nested_inside_grad_with_closed_over_variable():
    # d/dy (x * y) = x, so the function is x**2 and its derivative 2x.
    f = lambda x: x * nb.jvp(lambda y: x * y, (2.0,), (1.0,))[1]
    assert nb.grad(f)(3.0) == 6.0
    assert nb.jvp(f, (3.0,), (1.0,))[1] == 6.0
    g = lambda x: x * nb.grad(lambda y: x * y ** 2)(x)  # x * 2 x * x = 2 x**3
    np.testing.assert_allclose(nb.grad(g)(1.5), 6 * 1.5 ** 2)
    np.testing.assert_allclose(nb.jvp(g, (1.5,), (1.0,))[1], 6 * 1.5 ** 2)


def test_perturbation_confusion_with_arrays_and_vjp():
    def f(x):
        _, f_vjp = nb.vjp(lambda y: xnp.sum(x * xnp.sin(y)), np.zeros(3))
        return xnp.sum(f_vjp(1.0)[0] * x)  # sum(x * cos(0) * x) = sum(x**2)

    x = rand((3,), 9)
    np.testing.assert_allclose(nb.grad(f)(x), 2 * x)


# ---------------------------------------------------------------------------------------------
# The API: argnums, pytrees, has_aux, value_and_grad, jacobians, linearize


def test_value_and_grad_with_int_and_tuple_argnums():
    def f(x, y, z):
        return xnp.sum(x * y) + z ** 3

    x, y, z = rand((3,), 1), rand((3,), 2), 0.5
    v, g = nb.value_and_grad(f)(x, y, z)
    np.testing.assert_allclose(v, np.sum(x * y) + z ** 3)
    np.testing.assert_allclose(g, y)
    v, (gy, gz) = nb.value_and_grad(f, argnums=(1, 2))(x, y, z)
    np.testing.assert_allclose(gy, x)
    np.testing.assert_allclose(gz, 3 * z ** 2)
    np.testing.assert_allclose(nb.grad(f, argnums=-1)(x, y, z), 3 * z ** 2)
    (g1,) = nb.grad(f, argnums=(1,))(x, y, z)
    np.testing.assert_allclose(g1, x)


def test_grad_with_non_differentiated_integer_argument():
    f = lambda x, n: xnp.sum(x ** 2) * n
    np.testing.assert_allclose(nb.grad(f)(rand((3,), 1), 4), 8 * rand((3,), 1))


def test_grad_keyword_arguments_are_passed_through():
    f = lambda x, scale=1.0: scale * x ** 2
    np.testing.assert_allclose(nb.grad(f)(3.0, scale=2.0), 12.0)


def test_grad_with_dict_and_tuple_pytree_arguments():
    def loss(params, batch):
        w, b = params["w"], params["b"]
        xs, ys = batch
        pred = xs @ w + b
        return xnp.mean((pred - ys) ** 2)

    rng = np.random.default_rng(0)
    params = {"w": rng.standard_normal(3), "b": np.array(0.3)}
    xs, ys = rng.standard_normal((5, 3)), rng.standard_normal(5)
    g = nb.grad(loss)(params, (xs, ys))
    assert set(g) == {"w", "b"}
    r = xs @ params["w"] + params["b"] - ys
    np.testing.assert_allclose(g["w"], 2 * xs.T @ r / 5)
    np.testing.assert_allclose(g["b"], 2 * r.mean())
    g_p, (g_xs, g_ys) = nb.grad(loss, argnums=(0, 1))(params, (xs, ys))
    np.testing.assert_allclose(g_xs, 2 * np.outer(r, params["w"]) / 5)
    np.testing.assert_allclose(g_ys, -2 * r / 5)
    np.testing.assert_allclose(g_p["w"], g["w"])


def test_grad_with_list_and_nested_tuple_pytree_output_structure():
    def f(ps):
        a, (b, c) = ps
        return xnp.sum(a * b) + c

    ps = [rand((2,), 1), (rand((2,), 2), 1.5)]
    g = nb.grad(f)(ps)
    assert isinstance(g, list) and isinstance(g[1], tuple)
    np.testing.assert_allclose(g[0], ps[1][0])
    np.testing.assert_allclose(g[1][0], ps[0])
    np.testing.assert_allclose(g[1][1], 1.0)


def test_has_aux_returns_auxiliary_data_undifferentiated():
    def f(x):
        y = xnp.sin(x)
        return xnp.sum(y), {"y": y, "n": 2}

    x = rand((3,), 2)
    g, aux = nb.grad(f, has_aux=True)(x)
    np.testing.assert_allclose(g, np.cos(x))
    np.testing.assert_allclose(aux["y"], np.sin(x))
    (v, aux2), g2 = nb.value_and_grad(f, has_aux=True)(x)
    np.testing.assert_allclose(v, np.sin(x).sum())
    np.testing.assert_allclose(aux2["y"], np.sin(x))
    np.testing.assert_allclose(g2, g)
    out, f_vjp, aux3 = nb.vjp(lambda x: (xnp.cos(x), x * 2), x, has_aux=True)
    np.testing.assert_allclose(aux3, 2 * x)
    np.testing.assert_allclose(f_vjp(np.ones(3))[0], -np.sin(x))
    p, t, aux4 = nb.jvp(lambda x: (xnp.cos(x), x * 2), (x,), (np.ones(3),), has_aux=True)
    np.testing.assert_allclose(t, -np.sin(x))
    np.testing.assert_allclose(aux4, 2 * x)


def test_vjp_with_pytree_output_and_cotangent():
    x = rand((3,), 3)
    out, f_vjp = nb.vjp(lambda x: {"a": xnp.sin(x), "b": xnp.sum(x ** 2)}, x)
    (ct,) = f_vjp({"a": np.ones(3), "b": 2.0})
    np.testing.assert_allclose(ct, np.cos(x) + 4 * x)


def _vec_fn(x):
    return xnp.stack([xnp.sin(x[0]) * x[1], x[2] ** 2 + x[0], xnp.exp(x[1] - x[2]), xnp.sum(x)])


def _vec_fn_np(x):
    return np.stack([np.sin(x[0]) * x[1], x[2] ** 2 + x[0], np.exp(x[1] - x[2]), np.sum(x)])


@pytest.mark.parametrize("jac", [nb.jacfwd, nb.jacrev], ids=["jacfwd", "jacrev"])
def test_jacobian_of_vector_function_matches_finite_differences(jac):
    x = rand((3,), 4)
    J = jac(_vec_fn)(x)
    assert J.shape == (4, 3)
    np.testing.assert_allclose(J, fd_jacobian(_vec_fn_np, x), rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("jac", [nb.jacfwd, nb.jacrev], ids=["jacfwd", "jacrev"])
def test_jacobian_of_matrix_function_has_output_then_input_shape(jac):
    x = rand((2, 3), 5)
    f = lambda x: xnp.tanh(x @ x.T)
    J = jac(f)(x)
    assert J.shape == (2, 2, 2, 3)
    np.testing.assert_allclose(J, fd_jacobian(lambda z: np.tanh(z @ z.T), x), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("jac", [nb.jacfwd, nb.jacrev], ids=["jacfwd", "jacrev"])
def test_jacobian_with_pytree_input_and_argnums(jac):
    def f(p, s):
        return xnp.sin(p["a"]) * p["b"][0] + s * xnp.sum(p["b"])

    p = {"a": rand((3,), 1), "b": rand((2,), 2)}
    s = 0.7
    J = jac(f)(p, s)
    assert set(J) == {"a", "b"}
    np.testing.assert_allclose(J["a"], fd_jacobian(lambda a: np.sin(a) * p["b"][0]
                                                   + s * p["b"].sum(), p["a"]), rtol=1e-7)
    np.testing.assert_allclose(J["b"], fd_jacobian(lambda b: np.sin(p["a"]) * b[0] + s * b.sum(),
                                                   p["b"]), rtol=1e-7)
    Jp, Js = jac(f, argnums=(0, 1))(p, s)
    np.testing.assert_allclose(Js, np.full(3, p["b"].sum()))
    np.testing.assert_allclose(Jp["a"], J["a"])


@pytest.mark.parametrize("jac", [nb.jacfwd, nb.jacrev], ids=["jacfwd", "jacrev"])
def test_jacobian_has_aux(jac):
    J, aux = jac(lambda x: (xnp.sin(x), xnp.sum(x)), has_aux=True)(np.array([0.1, 0.2]))
    np.testing.assert_allclose(J, np.diag(np.cos([0.1, 0.2])))
    np.testing.assert_allclose(aux, 0.3)


def test_linearize_matches_jvp_for_several_tangents():
    x = rand((2, 3), 6)
    f = lambda x: xnp.sum(xnp.sin(x) * x, axis=0) + xnp.exp(x[1])
    y, f_jvp = nb.linearize(f, x)
    np.testing.assert_allclose(y, f(x))
    for seed in range(3):
        v = rand((2, 3), 10 + seed)
        np.testing.assert_allclose(f_jvp(v), nb.jvp(f, (x,), (v,))[1], rtol=1e-12)


def test_linearize_with_pytree_arguments():
    f = lambda a, b: {"s": xnp.sin(a) * b, "t": a @ b}
    a, b = rand((3,), 1), rand((3,), 2)
    y, f_jvp = nb.linearize(f, a, b)
    va, vb = rand((3,), 3), rand((3,), 4)
    _, t = nb.jvp(f, (a, b), (va, vb))
    got = f_jvp(va, vb)
    np.testing.assert_allclose(got["s"], t["s"])
    np.testing.assert_allclose(got["t"], t["t"])


def test_stop_gradient_blocks_derivative():
    f = lambda x: x * nb.stop_gradient(x) + nb.stop_gradient(xnp.sin(x))
    np.testing.assert_allclose(nb.grad(f)(3.0), 3.0)
    np.testing.assert_allclose(nb.jvp(f, (3.0,), (1.0,))[1], 3.0)
    np.testing.assert_allclose(nb.grad(nb.grad(f))(3.0), 0.0)


def test_gradient_of_function_ignoring_its_input_is_zero():
    g = nb.grad(lambda x, y: xnp.sum(y ** 2))(rand((3,), 1), rand((3,), 2))
    np.testing.assert_array_equal(g, np.zeros(3))
    assert g.shape == (3,)


def test_derivatives_of_float32_inputs_stay_float32():
    x = rand((3,), 1).astype(np.float32)
    g = nb.grad(lambda x: xnp.sum(xnp.sin(x) * 2.0))(x)
    assert g.dtype == np.float32
    _, t = nb.jvp(lambda x: xnp.exp(x), (x,), (np.ones(3, np.float32),))
    assert t.dtype == np.float32


# ---------------------------------------------------------------------------------------------
# Partial evaluation and dead-code elimination


def _depends_on(jaxpr: Jaxpr, roots) -> set:
    dep = set(roots)
    for eqn in jaxpr.eqns:
        if any(isinstance(x, Var) and x in dep for x in eqn.inputs):
            dep.update(eqn.outputs)
    return dep


def test_dce_removes_equations_only_unused_outputs_need():
    def f(x, y):
        a = xnp.sin(x)
        b = xnp.exp(y) * 2.0
        c = xnp.cos(a)
        return a + 1.0, c, b

    x = rand((3,), 1)
    closed = nb.make_jaxpr(f)(x, x)
    closed.check()
    names = lambda j: [e.primitive.name for e in j.eqns]
    dced, used_inputs = dce_jaxpr(closed.jaxpr, [True, False, False])
    dced.check()
    assert names(dced) == ["sin", "add"]
    assert used_inputs == [True, False]
    assert len(dced.outvars) == 1
    (out,) = eval_jaxpr(dced, closed.consts, [x, x])
    np.testing.assert_allclose(out, np.sin(x) + 1.0)
    dced2, used2 = dce_jaxpr(closed.jaxpr, [False, False, True])
    dced2.check()
    assert "sin" not in names(dced2) and "exp" in names(dced2)
    assert used2 == [False, True]
    dced3, used3 = dce_jaxpr(closed.jaxpr, [False, False, False])
    assert dced3.eqns == [] and used3 == [False, False]


def _linear_jaxpr_checks(f, primals):
    primals_out, jaxpr, consts = ad.linearize_flat(f, primals)
    jaxpr.check()
    assert len(jaxpr.constvars) == len(consts)
    dep = _depends_on(jaxpr, jaxpr.invars)
    stray = [e.primitive.name for e in jaxpr.eqns if not any(v in dep for v in e.outputs)]
    assert not stray, f"equations that do not depend on the tangents: {stray}"
    return primals_out, jaxpr, consts


def test_linearized_jaxpr_is_typed_and_purely_tangent_dependent():
    def f(x, y):
        return [xnp.sum(xnp.sin(x) * xnp.exp(y) / (1.0 + x ** 2), axis=0), xnp.tanh(x @ y.T)]

    x, y = rand((2, 3), 1), rand((2, 3), 2)
    p_out, jaxpr, consts = _linear_jaxpr_checks(f, [x, y])
    np.testing.assert_allclose(p_out[0], f(x, y)[0])
    vx, vy = rand((2, 3), 3), rand((2, 3), 4)
    t_out = eval_jaxpr(jaxpr, consts, [vx, vy])
    _, expected = nb.jvp(f, (x, y), (vx, vy))
    np.testing.assert_allclose(t_out[0], expected[0])
    np.testing.assert_allclose(t_out[1], expected[1])
    # No transcendental function of the primal is evaluated in the linear program.
    assert not {"sin", "exp", "tanh", "cos"} & {e.primitive.name for e in jaxpr.eqns}


def test_linearized_jaxpr_of_indexing_reductions_and_products_is_purely_tangent_dependent():
    def f(x):
        return [xnp.max(x[::-1, np.array([0, 2])], axis=0) * xnp.prod(x), xnp.where(x > 0, x, 0.0)]

    _linear_jaxpr_checks(f, [rand((3, 3), 5)])


def test_make_jaxpr_of_grad_and_of_higher_order_derivatives_typecheck():
    x = rand((3,), 1)
    for fn in (nb.grad(_quartic), nb.grad(lambda x: nb.grad(lambda y: xnp.sum(xnp.sin(x * y)))(x)[0]),
               lambda x: nb.jvp(nb.grad(_quartic), (x,), (x,))[1], nb.hessian(_quartic)):
        closed = nb.make_jaxpr(fn)(x)
        closed.check()
        np.testing.assert_allclose(eval_jaxpr(closed.jaxpr, closed.consts, [x])[0], fn(x))


def test_reverse_mode_cost_is_a_small_multiple_of_the_forward_pass():
    def f(x):
        for _ in range(10):
            x = xnp.sin(x) * 1.1
        return xnp.sum(x)

    x = rand((3,), 1)
    n_fwd = len(nb.make_jaxpr(f)(x).eqns)
    closed = nb.make_jaxpr(nb.grad(f))(x)
    closed.check()
    assert len(closed.eqns) <= 5 * n_fwd
    assert sum(e.primitive.name == "sin" for e in closed.eqns) == 10


# ---------------------------------------------------------------------------------------------
# Errors


def test_grad_of_non_scalar_output_is_a_type_error():
    with pytest.raises(TypeError, match=r"scalar.*f64\[3\]"):
        nb.grad(xnp.sin)(np.zeros(3))
    with pytest.raises(TypeError, match="scalar"):
        nb.grad(lambda x: (x, x))(1.0)


def test_grad_of_integer_output_is_a_type_error():
    with pytest.raises(TypeError, match=r"float dtype.*i64"):
        nb.grad(lambda x: xnp.astype(x, np.int64))(1.0)


@pytest.mark.parametrize("arg", [3, True, np.arange(3), np.array([True])], ids=repr)
def test_grad_with_respect_to_int_or_bool_argument_is_a_type_error(arg):
    with pytest.raises(TypeError, match="floating-point or complex inputs.*dtype"):
        nb.grad(lambda x: xnp.sum(x * 1.0))(arg)
    with pytest.raises(TypeError, match="floating-point"):
        nb.jvp(lambda x: x * 1.0, (arg,), (arg,))


def test_argnums_out_of_range_is_a_value_error():
    with pytest.raises(ValueError, match="argnums.*out of range.*2 positional arguments"):
        nb.grad(lambda x, y: x * y, argnums=2)(1.0, 2.0)
    with pytest.raises(ValueError, match="out of range"):
        nb.value_and_grad(lambda x, y: x * y, argnums=(0, -3))(1.0, 2.0)
    with pytest.raises(ValueError, match="out of range"):
        nb.jacrev(lambda x: x, argnums=1)(np.ones(2))


def test_argnums_that_is_not_an_int_or_tuple_of_ints_is_a_type_error():
    with pytest.raises(TypeError, match="argnums must be an int or a tuple of ints, got '0'"):
        nb.grad(lambda x: x, argnums="0")(1.0)
    with pytest.raises(TypeError, match=r"argnums must be an int or a tuple of ints, got \(0, 1.0\)"):
        nb.grad(lambda x, y: x * y, argnums=(0, 1.0))(1.0, 2.0)
    with pytest.raises(ValueError, match="at least one argument"):
        nb.grad(lambda x: x, argnums=())(1.0)
    np.testing.assert_allclose(nb.grad(lambda x, y: x * y, argnums=np.int64(1))(2.0, 3.0), 2.0)


def test_has_aux_function_not_returning_a_pair_is_a_type_error():
    with pytest.raises(TypeError,
                       match=r"has_aux=True expects .*pair \(output, aux\), got a single array f64\[\]"):
        nb.grad(lambda x: x ** 2, has_aux=True)(1.0)
    with pytest.raises(TypeError, match="pair.*length 3"):
        nb.grad(lambda x: (x, x, x), has_aux=True)(1.0)


def test_jvp_tangent_shape_mismatch_is_a_type_error():
    with pytest.raises(TypeError, match=r"tangent.*shape \(2,\).*\(3,\)"):
        nb.jvp(xnp.sin, (np.zeros(3),), (np.zeros(2),))


def test_linearized_function_rejects_tangent_of_wrong_shape_or_structure():
    _, f_jvp = nb.linearize(xnp.sin, np.zeros(3))
    with pytest.raises(TypeError, match=r"tangent leaf 0 has shape \(2,\) but its primal has "
                                        r"shape \(3,\)"):
        f_jvp(np.zeros(2))
    with pytest.raises(TypeError, match="structure"):
        f_jvp(np.zeros(3), np.zeros(3))
    # Tangents are converted to the primal dtype, as in jvp.
    np.testing.assert_allclose(f_jvp(np.ones(3, np.int64)), np.ones(3))


def test_vjp_cotangent_shape_mismatch_is_a_type_error():
    _, f_vjp = nb.vjp(xnp.sin, np.zeros(3))
    with pytest.raises(TypeError, match=r"cotangent.*shape \(2,\).*expected \(3,\)"):
        f_vjp(np.zeros(2))
