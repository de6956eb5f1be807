"""numbax.jit: caching, compositions with other transformations, inspection, errors."""
from __future__ import annotations

import os

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax.backends.numba import kernels

BACKENDS = ["numba", "interpreter"]
X = np.linspace(-1.0, 1.0, 12).reshape(3, 4)
Y = np.linspace(0.5, 2.0, 12).reshape(3, 4)


def f(x, y):
    return xnp.sum(xnp.sin(x) * y + xnp.tanh(x * y))


def f_np(x, y):
    return np.sum(np.sin(x) * y + np.tanh(x * y))


def df_dx(x, y):
    return np.cos(x) * y + (1 - np.tanh(x * y) ** 2) * y


# ----- caching -----

def test_cache_info_counts_hits_and_misses():
    traces = []

    def g(x, y):
        traces.append(1)
        return x * y + 1.0

    jg = nb.jit(g)
    jg(X, Y)
    assert jg.cache_info()["misses"] == 1 and len(traces) == 1
    before = kernels.stats["kernels_created"]
    for _ in range(3):
        out = jg(X, Y)
    np.testing.assert_allclose(out, X * Y + 1.0, rtol=1e-12)
    info = jg.cache_info()
    assert info["misses"] == 1 and info["hits"] == 3 and len(traces) == 1
    assert kernels.stats["kernels_created"] == before
    jg(X.astype(np.float32), Y.astype(np.float32))      # new dtype
    assert jg.cache_info()["misses"] == 2 and len(traces) == 2
    jg(X[:2], Y[:2])                                    # new shape
    assert jg.cache_info()["misses"] == 3 and len(traces) == 3
    jg(X, Y)
    assert jg.cache_info()["misses"] == 3 and len(traces) == 3
    assert jg.cache_info()["size"] == 3


def test_python_scalars_and_lists_are_cached_too():
    jg = nb.jit(lambda x, s: x * s)
    jg(X, 2.0)
    jg(X, 3.0)
    assert jg.cache_info()["misses"] == 1
    np.testing.assert_allclose(jg(X, 3.0), X * 3.0, rtol=1e-12)


def test_float32_stays_float32():
    x32 = X.astype(np.float32)
    out = nb.jit(lambda x: xnp.exp(x) * 2.0 + 1)(x32)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, np.exp(x32) * 2 + 1, rtol=1e-5)


def test_kernels_shared_between_jitted_functions():
    nb.jit(lambda a, b: xnp.cos(a) - b * 0.75)(X, Y)
    before = kernels.stats["kernels_created"]
    out = nb.jit(lambda p, q: xnp.cos(p) - q * 0.75)(X, Y)
    assert kernels.stats["kernels_created"] == before
    np.testing.assert_allclose(out, np.cos(X) - Y * 0.75, rtol=1e-12)


# ----- static arguments -----

def test_static_argnums_retrace_per_value():
    traces = []

    def g(x, n):
        traces.append(n)
        for _ in range(n):
            x = x * 2.0
        return x

    jg = nb.jit(g, static_argnums=1)
    np.testing.assert_allclose(jg(X, 2), X * 4, rtol=1e-12)
    np.testing.assert_allclose(jg(X, 3), X * 8, rtol=1e-12)
    np.testing.assert_allclose(jg(X, 2), X * 4, rtol=1e-12)
    assert traces == [2, 3]
    assert jg.cache_info()["misses"] == 2 and jg.cache_info()["hits"] == 1


def test_unhashable_static_argument_raises_type_error():
    jg = nb.jit(lambda x, shape: x.reshape(shape), static_argnums=(1,))
    assert jg(X, (4, 3)).shape == (4, 3)
    with pytest.raises(TypeError, match="hashable"):
        jg(X, [4, 3])


# ----- pytrees -----

@pytest.mark.parametrize("backend", BACKENDS)
def test_pytrees_in_and_out(backend):
    def g(params, x):
        h = xnp.tanh(x @ params["w"] + params["b"])
        return {"out": h, "stats": (xnp.sum(h), xnp.max(h))}

    params = {"w": np.full((4, 2), 0.25), "b": np.array([0.1, -0.2])}
    out = nb.jit(g, backend=backend)(params, X)
    h = np.tanh(X @ params["w"] + params["b"])
    assert set(out) == {"out", "stats"}
    np.testing.assert_allclose(out["out"], h, rtol=1e-12)
    np.testing.assert_allclose(out["stats"][0], h.sum(), rtol=1e-12)
    np.testing.assert_allclose(out["stats"][1], h.max(), rtol=1e-12)


# ----- compositions -----

@pytest.mark.parametrize("backend", BACKENDS)
def test_grad_of_jit(backend):
    g = nb.grad(nb.jit(f, backend=backend))(X, Y)
    np.testing.assert_allclose(g, df_dx(X, Y), rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_jit_of_grad(backend):
    jg = nb.jit(nb.grad(f), backend=backend)
    np.testing.assert_allclose(jg(X, Y), df_dx(X, Y), rtol=1e-12)
    np.testing.assert_allclose(jg(X, Y), df_dx(X, Y), rtol=1e-12)
    assert jg.cache_info()["misses"] == 1


def test_jit_of_jit():
    inner = nb.jit(lambda x, y: xnp.sin(x) * y)
    outer = nb.jit(lambda x, y: inner(x, y) + inner(y, x) * 2)
    np.testing.assert_allclose(outer(X, Y), np.sin(X) * Y + np.sin(Y) * X * 2, rtol=1e-12)
    jaxpr = nb.make_jaxpr(outer)(X, Y)
    assert "jit[" in str(jaxpr)


def test_vmap_of_jit_and_jit_of_vmap():
    g = lambda x, y: xnp.sum(xnp.exp(x) * y)  # noqa: E731
    want = np.sum(np.exp(X) * Y, axis=1)
    np.testing.assert_allclose(nb.vmap(nb.jit(g))(X, Y), want, rtol=1e-12)
    np.testing.assert_allclose(nb.jit(nb.vmap(g))(X, Y), want, rtol=1e-12)
    np.testing.assert_allclose(nb.vmap(nb.jit(g), in_axes=(0, None))(X, Y[0]),
                               np.sum(np.exp(X) * Y[0], axis=1), rtol=1e-12)


def test_jvp_of_jit():
    t = np.ones_like(X)
    primal, tangent = nb.jvp(nb.jit(lambda x: xnp.sin(x) * x), (X,), (t,))
    np.testing.assert_allclose(primal, np.sin(X) * X, rtol=1e-12)
    np.testing.assert_allclose(tangent, np.cos(X) * X + np.sin(X), rtol=1e-12)


def test_grad_of_jit_stays_compiled():
    closed = nb.make_jaxpr(nb.grad(nb.jit(f)))(X, Y)
    text = str(closed)
    assert "jit[" in text, text
    assert any(e.primitive.name == "jit" for e in closed.jaxpr.eqns)


def _mlp_loss(params, x, y):
    h = x
    for w, b in params[:-1]:
        h = xnp.tanh(h @ w + b)
    w, b = params[-1]
    return xnp.mean((h @ w + b - y) ** 2)


def _mlp_np(params, x, y):
    h = x
    for w, b in params[:-1]:
        h = np.tanh(h @ w + b)
    w, b = params[-1]
    return np.mean((h @ w + b - y) ** 2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_value_and_grad_of_jitted_mlp(dtype):
    rng = np.random.default_rng(0)
    sizes = [5, 8, 8, 3]
    params = [(rng.normal(0, 0.5, (a, b)).astype(dtype), rng.normal(0, 0.1, b).astype(dtype))
              for a, b in zip(sizes[:-1], sizes[1:])]
    x = rng.normal(size=(6, 5)).astype(dtype)
    y = rng.normal(size=(6, 3)).astype(dtype)
    vg = nb.jit(nb.value_and_grad(_mlp_loss))
    loss, grads = vg(params, x, y)
    ref_loss, ref_grads = nb.value_and_grad(_mlp_loss)(params, x, y)
    ref_loss2, ref_grads2 = nb.value_and_grad(nb.jit(_mlp_loss))(params, x, y)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(loss, _mlp_np(params, x, y), rtol=tol)
    assert np.asarray(loss).dtype == dtype
    for got, want, want2 in zip(nb.tree_util.tree_leaves(grads),
                                nb.tree_util.tree_leaves(ref_grads),
                                nb.tree_util.tree_leaves(ref_grads2)):
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
        np.testing.assert_allclose(want2, want, rtol=tol, atol=tol)
    # Finite-difference check of one weight (float64 only).
    if dtype == np.float64:
        eps = 1e-6
        w0 = params[0][0].copy()
        w0[1, 2] += eps
        bumped = [(w0, params[0][1])] + params[1:]
        fd = (_mlp_np(bumped, x, y) - _mlp_np(params, x, y)) / eps
        np.testing.assert_allclose(grads[0][0][1, 2], fd, rtol=1e-4, atol=1e-7)


# ----- lowering and inspection -----

def test_lower_eight_op_chain_is_one_kernel():
    lowered = nb.jit(lambda a, b: xnp.tanh(xnp.exp(xnp.sin(a * b + 1.0) - a) / 2.0) * b
                     ).lower(X, Y)
    assert len(lowered.fusion_groups) == 1
    assert len(lowered.kernel_sources) == 1
    text = str(lowered)
    assert "jaxpr" in text and "def kernel(" in text
    assert lowered.kernel_sources[0] in text
    assert "sin" in text


def test_lower_chain_dot_chain_is_two_kernels():
    lowered = nb.jit(lambda a, w: xnp.exp(xnp.dot(xnp.sin(a) * 2, w)) + 1
                     ).lower(X, np.ones((4, 4)))
    assert len(lowered.kernel_sources) == 2
    assert "dot_general" in str(lowered)


def test_lower_chain_with_sum_is_one_kernel_with_reduction():
    lowered = nb.jit(f).lower(X, Y)
    assert len(lowered.kernel_sources) == 1
    (group,) = lowered.fusion_groups
    assert group.reduction is not None and group.reduction.primitive.name == "reduce_sum"
    assert "acc" in lowered.kernel_sources[0]


def test_interpreter_backend_has_no_kernels():
    lowered = nb.jit(f, backend="interpreter").lower(X, Y)
    assert lowered.kernel_sources == [] and lowered.fusion_groups == []
    assert "jaxpr" in str(lowered)


def test_unknown_backend_raises():
    with pytest.raises(ValueError, match="backend"):
        nb.jit(f, backend="tpu")


# ----- errors -----

def test_python_control_flow_on_traced_value_raises_with_user_line():
    def g(x):
        if xnp.sum(x) > 0:  # the offending line
            return x
        return -x

    with pytest.raises(nb.ConcretizationError) as info:
        nb.jit(g)(X)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert os.path.basename(__file__) in notes
    assert "if xnp.sum(x) > 0" in notes
    line = g.__code__.co_firstlineno + 1
    assert f":{line}" in notes
