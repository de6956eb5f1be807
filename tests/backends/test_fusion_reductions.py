"""Reductions over any axes fuse with their producers (bias gradients: a sum over axis 0),
and dot_general runs every transposed layout as one product; all against NumPy."""
from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax.backends.fusion import FusionGroup
from numbax.backends.numba import executable
from numbax.backends.numba.kernels import compile_in_memory
from numbax.core import primitives as P

REDUCERS = {"sum": (xnp.sum, np.sum), "max": (xnp.max, np.max), "min": (xnp.min, np.min)}
SHAPE = (6, 5, 70)
# Every kind of axis subset of a rank-3 group: trailing, leading, mixed and all.
AXES = [(0,), (1,), (2,), (0, 1), (1, 2), (0, 2), (0, 1, 2)]


def _chain(x, b):
    """Elementwise work ahead of the reduction, with a broadcast bias of the last axis."""
    return x * 3 + b if x.dtype.kind in "iu" else xnp.sin(x) * x + b


def _numpy_chain(x, b):
    return x * 3 + b if x.dtype.kind in "iu" else np.sin(x) * x + b


def _args(dtype, shape=SHAPE):
    rng = np.random.default_rng(0)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(-50, 50, shape).astype(dtype), rng.integers(-5, 5, shape[-1:]).astype(dtype)
    return rng.normal(size=shape).astype(dtype), rng.normal(size=shape[-1:]).astype(dtype)


# Sums over every axis subset, max and min over a leading, a mixed and all axes (float32);
# float64 and int32 on a leading and a mixed subset. Each case compiles a kernel.
CASES = ([(np.float32, "sum", axes) for axes in AXES]
         + [(np.float32, op, axes) for op in ("max", "min") for axes in [(0,), (0, 2), (0, 1, 2)]]
         + [(np.float64, "sum", (0,)), (np.float64, "max", (0, 2)),
            (np.int32, "min", (0,)), (np.int32, "sum", (0, 2))])


@pytest.mark.parametrize("dtype,op,axes", CASES, ids=str)
def test_fused_reduction_matches_numpy(dtype, op, axes):
    xred, npred = REDUCERS[op]
    x, b = _args(dtype)
    wide = np.float64 if np.dtype(dtype).kind == "f" else dtype
    tol = {np.float32: 1e-5, np.float64: 1e-12, np.int32: 0}[dtype]
    for keepdims in (False, True):
        f = nb.jit(lambda x, b: xred(_chain(x, b), axis=axes, keepdims=keepdims))  # noqa: B023
        # The reduction closes the chain's group instead of running on its own.
        (group,) = [g for g in f.lower(x, b).fusion_groups if g.reduction is not None]
        assert sorted(group.reduction.params["axes"]) == list(axes)
        out = f(x, b)
        ref = npred(_numpy_chain(x.astype(wide), b.astype(wide)), axis=axes, keepdims=keepdims)
        assert out.shape == ref.shape and out.dtype == npred(x, axis=axes).dtype
        np.testing.assert_allclose(out, ref, rtol=tol, atol=tol * 10)


@pytest.mark.parametrize("shape", [(3, 1, 70), (6, 5, 1)])
def test_reduction_over_operands_that_do_not_tile(shape):
    # An operand broadcast along a middle axis does not tile into rows: nested loops reduce.
    x, _ = _args(np.float64)
    c = np.random.default_rng(1).normal(size=shape)
    for axes in [(0,), (2,), (0, 2), (0, 1, 2)]:
        out = nb.jit(lambda x, c: xnp.sum(xnp.exp(x) * c, axis=axes))(x[:shape[0]], c)  # noqa: B023
        np.testing.assert_allclose(out, np.sum(np.exp(x[:shape[0]]) * c, axis=axes), rtol=1e-12)


@pytest.mark.parametrize("op,axes", [("sum", (0,)), ("max", (0, 2)), ("min", (0, 1, 2))],
                         ids=str)
def test_reductions_split_over_threads(op, axes, monkeypatch):
    # Each thread reduces its share of the outer loop; shares along a reduced axis are
    # partial results combined after (rows, nested loops and a flat loop here).
    monkeypatch.setattr(executable, "NUM_THREADS", 3)
    monkeypatch.setattr(executable, "ALWAYS_SPLIT", True)
    monkeypatch.setattr(executable, "PARALLEL_THRESHOLD", 1)
    xred, npred = REDUCERS[op]
    x, b = _args(np.float64)
    f = nb.jit(lambda x, b: xred(_chain(x, b), axis=axes))
    out = f(x, b)
    assert all(r.split for r in f.lower(x, b).executable.runners)
    np.testing.assert_allclose(out, npred(_numpy_chain(x, b), axis=axes), rtol=1e-12)


def test_long_columns_stay_accurate():
    # float32 sums over 200,000 rows: as accurate as NumPy's pairwise sum of the same values
    # (NumPy's own axis-0 sum runs one float32 sum per column, which drifts).
    rng = np.random.default_rng(2)
    x = (rng.random((200_000, 4)) + 1).astype(np.float32)
    out = nb.jit(lambda x: xnp.sum(x * 1.5, axis=0))(x)
    exact = (x.astype(np.float64) * 1.5).sum(0)
    pairwise = np.array([np.sum(c) for c in (x * np.float32(1.5)).T])
    assert np.all(np.abs(out - exact) <= np.abs(pairwise - exact) + 4 * np.spacing(exact))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bias_gradients_fuse_under_grad(dtype):
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=(64, 48)).astype(dtype), rng.normal(size=(48, 40)).astype(dtype) / 7
    b = rng.normal(size=40).astype(dtype)
    loss = lambda w, b: xnp.sum(xnp.tanh(x @ w + b) ** 2)  # noqa: E731
    gw, gb = nb.jit(nb.grad(loss, argnums=(0, 1)))(w, b)
    h = np.tanh(x.astype(np.float64) @ w + b)
    g = 2 * h * (1 - h * h)
    tol = 2e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(gb, g.sum(0), rtol=tol, atol=tol)
    np.testing.assert_allclose(gw, x.T.astype(np.float64) @ g, rtol=tol, atol=tol)
    # The bias gradient is no reduce_sum of its own: it closes the group that computes g.
    items = nb.jit(nb.grad(loss, argnums=(0, 1))).lower(w, b).executable.items
    assert not any(not isinstance(i, FusionGroup) and i.primitive is P.reduce_sum_p
                   for i in items)


def test_leading_reduction_under_vmap():
    x, b = _args(np.float64, (4, 30, 20))
    f = nb.jit(nb.vmap(lambda x: xnp.max(xnp.cos(x) + b, axis=0)))
    np.testing.assert_allclose(f(x), np.max(np.cos(x) + b, axis=1), rtol=1e-13)


def test_fusion_saves_kernels_and_equations():
    # Before leading reductions fused, each bias gradient was a group plus an unfused sum.
    x, b = _args(np.float32, (256, 64))
    f = lambda x, b: (xnp.sum(xnp.tanh(x + b), axis=0), xnp.min(x * b, axis=(0, 1)))  # noqa: E731
    items = nb.jit(f).lower(x, b).executable.items
    assert [i for i in items if not isinstance(i, FusionGroup)] == []
    assert sum(1 for i in items if isinstance(i, FusionGroup)) == 2


@pytest.mark.parametrize("dtype,element", [(np.float64, "double"), (np.float32, "float")])
def test_column_reduction_is_vectorised(dtype, element):
    x, b = _args(dtype, (300, 64))
    (source,) = nb.jit(lambda x, b: xnp.sum(x * b, axis=0)).lower(x, b).kernel_sources
    kernel = compile_in_memory(source)
    r0 = np.empty((1, 64), dtype)  # a partial result: its row of the (parts, 64) results
    kernel(x.reshape(-1), b, r0, 300, 64)
    np.testing.assert_allclose(r0[0], (x.astype(np.float64) * b).sum(0), rtol=1e-5)
    llvm = "\n".join(kernel.inspect_llvm(sig) for sig in kernel.signatures)
    assert re.search(rf"<\d+ x ({element}|double)>", llvm), "the row loop is not vectorised"


def _layouts():
    """dot_general dimension numbers over every operand layout: contracting and batch dims
    in front, between or behind the free ones."""
    cases = []
    for lc, rc in itertools.product([0, 1], [0, 1]):  # 2-D: x @ y, x.T @ y, x @ y.T, x.T @ y.T
        cases.append(((3, 4) if lc else (4, 3), (4, 5) if rc == 0 else (5, 4),
                      (((lc,), (rc,)), ((), ()))))
    for lb, lc in [(0, 2), (0, 1), (2, 1), (1, 0)]:  # batched, batch and contraction anywhere
        xs = [3, 3, 3]
        xs[lb], xs[lc] = 2, 4
        for rb, rc in [(0, 1), (0, 2), (2, 0)]:
            ys = [5, 5, 5]
            ys[rb], ys[rc] = 2, 4
            cases.append((tuple(xs), tuple(ys), (((lc,), (rc,)), ((lb,), (rb,)))))
    return cases


@pytest.mark.parametrize("xs,ys,dims", _layouts(), ids=str)
def test_dot_general_layouts_match_einsum(xs, ys, dims):
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=xs), rng.normal(size=ys)
    (out,) = P.impl_rules[P.dot_general_p](x, y, dimension_numbers=dims)
    (lc, rc), (lb, rb) = dims
    xl, yl = list("abc"[:x.ndim]), list("def"[:y.ndim])
    for a, b in zip((*lc, *lb), (*rc, *rb)):
        yl[b] = xl[a]
    free_x = [xl[i] for i in range(x.ndim) if i not in (*lc, *lb)]
    free_y = [yl[i] for i in range(y.ndim) if i not in (*rc, *rb)]
    spec = f"{''.join(xl)},{''.join(yl)}->{''.join([xl[i] for i in lb] + free_x + free_y)}"
    np.testing.assert_allclose(out, np.einsum(spec, x, y), rtol=1e-12, atol=1e-12)
