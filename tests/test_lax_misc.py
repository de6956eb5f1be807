"""The smaller lax names (clamp, select_n, broadcasted_iota, reduce on monoids, reduce_and/
or/xor, square, reciprocal, clz, shape helpers, dot, batch_matmul, map...) against NumPy and
Python-loop references, with derivatives, vmap, jit and errors."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
from numbax import lax
from numbax.test_util import check_grads


def test_clamp_values_order_and_derivative(numpy_function, rng, same_array):
    x = rng.standard_normal(7) * 2
    numpy_function(lambda x: lax.clamp(-0.5, x, 1.0), lambda x: np.clip(x, -0.5, 1.0), x)
    lo, hi = rng.standard_normal(7) - 1, rng.standard_normal(7) + 1
    numpy_function(lambda x, lo, hi: lax.clamp(lo, x, hi), lambda x, lo, hi: np.clip(x, lo, hi),
                   x, lo, hi)
    numpy_function(lambda x: lax.clamp(np.int32(0), x, np.int32(3)),
                   lambda x: np.clip(x, 0, 3), np.arange(-2, 6, dtype=np.int32), grad=False)
    # JAX's convention: the derivative is 0 at the bounds; min > max gives max.
    at = np.array([-0.5, 1.0, 0.0, 2.0, -3.0])
    same_array(nb.grad(lambda x: lax.clamp(-0.5, x, 1.0).sum())(at),
               np.array([0.0, 0.0, 1.0, 0.0, 0.0]), "d/dx")
    same_array(nb.grad(lambda lo: lax.clamp(lo, at, 1.0).sum())(np.float64(-0.5)),
               np.float64(1.0), "d/dmin")
    same_array(nb.grad(lambda hi: lax.clamp(-0.5, at, hi).sum())(np.float64(1.0)),
               np.float64(1.0), "d/dmax")
    same_array(lax.clamp(2.0, np.array([0.0, 3.0]), 1.0), np.array([1.0, 1.0]), "min > max")
    with pytest.raises(TypeError, match="clamp: min must be a scalar or have the operand's"):
        lax.clamp(np.zeros(2, np.float32), x, 1.0)


def test_select_n(numpy_function, rng, same_array):
    cases = [rng.standard_normal(5) for _ in range(3)]
    which = np.array([0, 2, 1, 1, 0], np.int32)
    numpy_function(lambda a, b, c: lax.select_n(which, a, b, c),
                   lambda a, b, c: np.choose(which, [a, b, c]), *cases)
    pred = np.array([True, False, True, False, False])
    numpy_function(lambda a, b: lax.select_n(pred, a, b), lambda a, b: np.where(pred, b, a),
                   *cases[:2])
    same_array(lax.select_n(np.int32(2), *cases), cases[2], "scalar which")
    same_array(nb.jit(lambda w, a, b: lax.select_n(w, a, b))(np.True_, *cases[:2]), cases[1],
               "jit")
    same_array(nb.vmap(lambda w: lax.select_n(w, *cases))(np.array([1, 0], np.int32)),
               np.stack([cases[1], cases[0]]), "vmap over which")
    with pytest.raises(ValueError, match="at least one case"):
        lax.select_n(which)
    with pytest.raises(TypeError, match="at most two cases"):
        lax.select_n(pred, *cases)
    with pytest.raises(TypeError, match="which must be a bool or integer"):
        lax.select_n(np.zeros(5), *cases)
    with pytest.raises(TypeError, match="one shape and dtype"):
        lax.select_n(pred, cases[0], cases[1].astype(np.float32))


def test_broadcasted_iota_and_shape_helpers(same_array, rng):
    same_array(lax.broadcasted_iota(np.int32, (2, 3), 0),
               np.broadcast_to(np.arange(2, dtype=np.int32)[:, None], (2, 3)), "iota")
    x = rng.standard_normal((2, 3))
    same_array(lax.broadcast(x, (4,)), np.broadcast_to(x, (4, 2, 3)), "broadcast")
    same_array(lax.broadcast_to_rank(x, 4), x.reshape(1, 1, 2, 3), "broadcast_to_rank")
    assert lax.broadcast_shapes((2, 1), (1, 3), (3,)) == (2, 3)
    same_array(lax.collapse(np.zeros((2, 3, 4)), 0, 2), np.zeros((6, 4)), "collapse")
    same_array(lax.full_like(x, 2, np.int32), np.full((2, 3), 2, np.int32), "full_like")
    same_array(lax.full_like(x, 1.5, shape=(4,)), np.full(4, 1.5), "full_like shape")
    same_array(lax.tile(x, (2, 3)), np.tile(x, (2, 3)), "tile")
    parts = lax.split(np.arange(10), (2, 0, 8))
    for got, want in zip(parts, np.split(np.arange(10), [2, 2])):
        same_array(got, want, "split")
    same_array(lax.stack([x, 2 * x], axis=1), np.stack([x, 2 * x], 1), "stack")
    for got, want in zip(lax.unstack(x, axis=1), [x[:, i] for i in range(3)]):
        same_array(got, want, "unstack")
    with pytest.raises(ValueError, match="sum to the size"):
        lax.split(np.arange(3), (1, 1))
    with pytest.raises(ValueError, match="one non-negative int per axis"):
        lax.tile(x, (2,))


def test_shape_helpers_differentiate_and_batch(numpy_function, rng):
    x = rng.standard_normal((2, 3))
    numpy_function(lambda x: lax.tile(x, (2, 1)), lambda x: np.tile(x, (2, 1)), x)
    numpy_function(lambda x: lax.split(x, (1, 2), axis=1), lambda x: np.split(x, [1], 1), x)
    numpy_function(lambda x: lax.collapse(x, 0), lambda x: x.reshape(-1), x)
    numpy_function(lambda x: lax.index_take(x, (np.array([2, 0, 2]),), (1,)),
                   lambda x: np.moveaxis(x[:, [2, 0, 2]], 1, 0), x)


REDUCERS = [(lax.add, np.add, 0), (lax.mul, np.multiply, 1), (lax.max, np.maximum, -np.inf),
            (lax.min, np.minimum, np.inf)]


@pytest.mark.parametrize("computation,ufunc,init", REDUCERS)
def test_reduce_on_float_monoids(numpy_function, rng, computation, ufunc, init):
    x = rng.standard_normal((3, 4))
    numpy_function(lambda x: lax.reduce(x, init, computation, (1,)),
                   lambda x: ufunc.reduce(x, axis=1), x)
    # a traced user function computing the same monoid, and a non-identity init value
    numpy_function(lambda x: lax.reduce(x, 0.5, lambda a, b: computation(b, a), (0, 1)),
                   lambda x: ufunc(ufunc.reduce(x, axis=(0, 1)), 0.5), x)


@pytest.mark.parametrize("name,ufunc", [("and", np.bitwise_and), ("or", np.bitwise_or),
                                        ("xor", np.bitwise_xor)])
@pytest.mark.parametrize("dtype", (np.bool_, np.uint8, np.int32))
def test_bitwise_reductions(rng, same_array, name, ufunc, dtype):
    x = rng.integers(0, 256, (3, 5)).astype(dtype)
    for axes in ((1,), (0, 1), ()):
        want = ufunc.reduce(x, axis=axes) if axes else x
        same_array(getattr(lax, f"reduce_{name}")(x, axes), want, f"reduce_{name} {axes}")
    want = ufunc.reduce(x, axis=0)
    same_array(lax.reduce(x, np.zeros((), dtype) if name != "and" else ufunc.reduce(x.ravel()),
                          getattr(lax, f"bitwise_{name}"), (0,)),
               ufunc(want, ufunc.reduce(x.ravel())) if name == "and" else want, "lax.reduce")
    same_array(nb.vmap(lambda r: getattr(lax, f"reduce_{name}")(r, (0,)))(x),
               ufunc.reduce(x, axis=1), "vmap")
    same_array(getattr(lax, f"reduce_{name}")(np.zeros((0, 2), dtype), (0,)),
               ufunc.reduce(np.zeros((0, 2), dtype), axis=0), "empty")


def test_reduce_errors():
    x = np.ones(3)
    with pytest.raises(NotImplementedError, match="not a known monoid; supported: lax.add"):
        lax.reduce(x, 0.0, lambda a, b: a + 2 * b, (0,))
    with pytest.raises(TypeError, match="init_value must be a scalar"):
        lax.reduce(x, np.zeros(2), lax.add, (0,))
    with pytest.raises(NotImplementedError, match="several operands"):
        lax.reduce((x, x), (0.0, 0.0), lax.add, (0,))
    with pytest.raises(TypeError, match="needs a bool or integer"):
        lax.reduce_xor(x, (0,))


def test_square_reciprocal(numpy_function, rng):
    x = rng.standard_normal(5) + 3
    for dtype in (np.float32, np.float64):
        numpy_function(lax.square, np.square, x.astype(dtype), grad_order=2)
        numpy_function(lax.reciprocal, np.reciprocal, x.astype(dtype), grad_order=2)
    numpy_function(lax.square, np.square, np.arange(-3, 3, dtype=np.int32))


def _clz_loop(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return bits - v.bit_length()


@pytest.mark.parametrize("dtype", (np.int8, np.uint8, np.uint16, np.int32, np.int64, np.uint64))
def test_clz(rng, same_array, dtype):
    info = np.iinfo(dtype)
    x = np.concatenate([rng.integers(info.min, info.max, 20, dtype=dtype, endpoint=True),
                        np.array([0, 1, info.max, info.min], dtype)])
    want = np.array([_clz_loop(int(v), info.bits) for v in x], dtype)
    same_array(lax.clz(x), want, "eager")
    same_array(nb.jit(lax.clz)(x), want, "jit")
    with pytest.raises(TypeError, match="clz needs an integer"):
        lax.clz(np.ones(2))


def test_dot_and_batch_matmul(numpy_function, rng):
    a, b, v = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(4)
    numpy_function(lax.dot, np.dot, a, b)
    numpy_function(lax.dot, np.dot, a, v)
    numpy_function(lax.dot, np.dot, v, v)
    p, q = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5))
    numpy_function(lax.batch_matmul, np.matmul, p, q)
    with pytest.raises(TypeError, match="rank 1 or 2"):
        lax.dot(p, q)
    with pytest.raises(TypeError, match="one rank >= 2"):
        lax.batch_matmul(a, p)


def test_map_matches_a_loop(rng, same_array):
    xs = rng.standard_normal((7, 3))

    def f(x):
        return {"s": np.float64(2.0) * x.sum(), "y": x * x}

    want = [f(x) for x in xs]
    for batch_size in (None, 1, 3, 7, 10):
        got = lax.map(f, xs, batch_size=batch_size)
        same_array(got["s"], np.stack([w["s"] for w in want]), f"s, batch_size={batch_size}")
        same_array(got["y"], np.stack([w["y"] for w in want]), f"y, batch_size={batch_size}")
    check_grads(lambda xs: lax.map(lambda x: (x * x).sum(), xs, batch_size=3), (xs,), order=1)
    same_array(nb.jit(lambda xs: lax.map(lambda x: x[0], (xs, xs)))(xs), xs, "pytree xs")
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        lax.map(f, xs, batch_size=0)


def test_scatter_sub_and_optimization_barrier(same_array):
    x = np.ones(4)
    same_array(lax.scatter_sub(x, np.array([1, 1, 3]), np.array([0.5, 0.25, 2.0]), axis=0),
               np.array([1.0, 0.25, 1.0, -1.0]), "scatter_sub")
    tree = {"a": x}
    assert lax.optimization_barrier(tree) is tree


def test_the_new_names_are_in_lax():
    names = ["dynamic_slice", "dynamic_update_slice", "dynamic_slice_in_dim",
             "dynamic_index_in_dim", "dynamic_update_slice_in_dim", "dynamic_update_index_in_dim",
             "index_in_dim", "slice_in_dim", "top_k", "cumprod", "cummax", "cummin",
             "cumlogsumexp", "associative_scan", "map", "clamp", "select_n", "broadcasted_iota",
             "reduce", "square", "reciprocal"]
    assert not [n for n in names if n not in lax.__all__]
