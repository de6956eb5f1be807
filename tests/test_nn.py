"""numbax.nn: values against float64 NumPy references, derivatives against analytic formulas
and finite differences, and finite first and second derivatives at extreme inputs."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax import nn
from numbax.test_util import check_grads


def rand(shape, seed=0, scale=1.0):
    return scale * np.random.default_rng(seed).standard_normal(shape)


# NumPy float64 references, written to be exact at large |x| as well.
def np_logsumexp(a, axis=None, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def np_sigmoid(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))


def np_softplus(x):
    return np.logaddexp(x, 0.0)


def np_log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def np_softmax(x, axis=-1):
    return np.exp(x - np_logsumexp(x, axis=axis, keepdims=True))


EXTREME = np.array([-1000.0, -40.0, -1.0, 0.0, 0.5, 40.0, 1000.0])


@pytest.mark.parametrize("fn,ref", [(nn.sigmoid, np_sigmoid), (nn.softplus, np_softplus),
                                    (nn.log_sigmoid, np_log_sigmoid)],
                         ids=["sigmoid", "softplus", "log_sigmoid"])
def test_elementwise_values_match_numpy_reference_including_extremes(fn, ref):
    x = np.concatenate([EXTREME, rand((5,), 1, 5.0)])
    got = fn(x)
    assert got.dtype == np.float64 and got.shape == x.shape
    np.testing.assert_allclose(got, ref(x), rtol=1e-13, atol=1e-300)
    assert np.all(np.isfinite(got))


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), (-1, False),
                                           ((0, 2), True)], ids=str)
def test_logsumexp_matches_numpy_reference(axis, keepdims):
    a = rand((3, 4, 2), 2, 3.0)
    got = nn.logsumexp(a, axis=axis, keepdims=keepdims)
    want = np_logsumexp(a, axis=axis, keepdims=keepdims)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-13)


def test_logsumexp_is_exact_with_huge_and_minus_infinite_entries():
    a = np.array([[1000.0, 1000.0, -1000.0], [-1000.0, -1001.0, -np.inf], [0.0, -np.inf, -np.inf]])
    got = nn.logsumexp(a, axis=1)
    np.testing.assert_allclose(got, [1000.0 + np.log(2.0), -1000.0 + np.log1p(np.exp(-1.0)), 0.0],
                               rtol=1e-14)
    with np.errstate(divide="ignore"):
        assert nn.logsumexp(np.array([-np.inf, -np.inf])) == -np.inf


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_matches_numpy_reference_and_sums_to_one(axis):
    x = np.concatenate([rand((2, 4), 3, 3.0), [[1000.0, -1000.0, 999.0, 0.0]]], axis=0)
    got = nn.softmax(x, axis=axis)
    np.testing.assert_allclose(got, np_softmax(x, axis=axis), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(np.sum(got, axis=axis), 1.0, rtol=1e-13)
    np.testing.assert_allclose(nn.log_softmax(x, axis=axis), x - np_logsumexp(x, axis, True),
                               rtol=1e-13)


def test_relu_value_and_gradient():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(nn.relu(x), np.maximum(x, 0))
    np.testing.assert_array_equal(nb.grad(lambda x: xnp.sum(nn.relu(x)))(x), [0.0, 0.0, 1.0])


# Derivatives


def _sum_of(fn):
    return lambda x: xnp.sum(fn(x))


def test_elementwise_gradients_match_analytic_formulas():
    x = np.concatenate([EXTREME, rand((5,), 4, 3.0)])
    s = np_sigmoid(x)
    np.testing.assert_allclose(nb.grad(_sum_of(nn.sigmoid))(x), s * (1 - s), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(nb.grad(_sum_of(nn.softplus))(x), s, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(nb.grad(_sum_of(nn.log_sigmoid))(x), np_sigmoid(-x), rtol=1e-12,
                               atol=1e-300)


def test_logsumexp_gradient_is_softmax_and_softmax_vjp_matches_formula():
    x = np.concatenate([rand((2, 4), 5), [[1000.0, -1000.0, 999.0, 0.0]]], axis=0)
    g = nb.grad(lambda x: xnp.sum(nn.logsumexp(x, axis=1)))(x)
    np.testing.assert_allclose(g, np_softmax(x, axis=1), rtol=1e-12, atol=1e-300)
    w = rand((3, 4), 6)
    g = nb.grad(lambda x: xnp.sum(nn.softmax(x, axis=1) * w))(x)
    s = np_softmax(x, axis=1)
    np.testing.assert_allclose(g, s * (w - np.sum(s * w, axis=1, keepdims=True)), rtol=1e-10,
                               atol=1e-12)


@pytest.mark.parametrize("fn", [nn.sigmoid, nn.softplus, nn.log_sigmoid,
                                lambda x: nn.logsumexp(x, axis=-1),
                                lambda x: nn.softmax(x, axis=0), nn.log_softmax],
                         ids=["sigmoid", "softplus", "log_sigmoid", "logsumexp", "softmax",
                              "log_softmax"])
def test_derivatives_match_finite_differences_at_moderate_inputs(fn):
    check_grads(fn, (rand((2, 3), 7, 2.0),), order=2, modes=("fwd", "rev"))


NN_FUNCS = {
    "sigmoid": nn.sigmoid, "softplus": nn.softplus, "log_sigmoid": nn.log_sigmoid,
    "logsumexp": lambda x: nn.logsumexp(x), "softmax": lambda x: nn.softmax(x)[0],
    "log_softmax": lambda x: nn.log_softmax(x)[-1],
}


@pytest.mark.parametrize("name", sorted(NN_FUNCS))
def test_first_and_second_derivatives_stay_finite_at_plus_minus_1000(name):
    fn = NN_FUNCS[name]
    scalar = lambda x: xnp.sum(fn(x))
    for x in (np.array([1000.0, -1000.0]), np.array([1000.0, 1000.0]),
              np.array([-1000.0, -1000.0]), np.array([-1000.0, 0.0])):
        value = scalar(x)
        g = nb.grad(scalar)(x)
        h = nb.hessian(scalar)(x)
        gg = nb.grad(lambda x: xnp.sum(nb.grad(scalar)(x)))(x)
        for what, v in (("value", value), ("grad", g), ("hessian", h), ("grad of grad", gg)):
            assert np.all(np.isfinite(v)), f"{name} {what} at {x}: {v}"
        _, t = nb.jvp(scalar, (x,), (np.ones(2),))
        assert np.isfinite(t)


def test_second_derivatives_at_extremes_match_analytic_limits():
    x = np.array([-1000.0, 0.0, 1000.0])
    s = np_sigmoid(x)
    # softplus'' = sigmoid' = s (1 - s); sigmoid'' = s (1 - s)(1 - 2 s); log_sigmoid'' = -s (1 - s)
    for fn, want in ((nn.softplus, s * (1 - s)), (nn.sigmoid, s * (1 - s) * (1 - 2 * s)),
                     (nn.log_sigmoid, -s * (1 - s))):
        gg = nb.grad(lambda x, fn=fn: xnp.sum(nb.grad(_sum_of(fn))(x)))(x)
        np.testing.assert_allclose(gg, want, atol=1e-300, rtol=1e-12)
