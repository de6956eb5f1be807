"""lax slicing at traced offsets, top_k, the cumulative reductions and associative_scan,
against NumPy and Python-loop references: values eagerly and under jit (traced starts,
clamped out-of-range starts), derivatives against finite differences, vmap (over the operand
and over the start indices) against loops, transposes, and errors."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
from numbax import lax
from numbax.test_util import check_grads

DTYPES = (np.float32, np.float64, np.int32)


def _draw(rng, shape, dtype):
    if np.dtype(dtype).kind == "f":
        return rng.standard_normal(shape).astype(dtype)
    return rng.integers(-5, 6, shape).astype(dtype)


def _clamped(starts, shape, sizes):
    out = []
    for s, d, n in zip(starts, shape, sizes):
        s = int(s) + d if int(s) < 0 else int(s)
        out.append(min(max(s, 0), d - n))
    return out


def np_dynamic_slice(x, starts, sizes):
    lo = _clamped(starts, x.shape, sizes)
    return x[tuple(slice(s, s + n) for s, n in zip(lo, sizes))]


def np_dynamic_update_slice(x, u, starts):
    out = x.copy()
    lo = _clamped(starts, x.shape, u.shape)
    out[tuple(slice(s, s + n) for s, n in zip(lo, u.shape))] = u
    return out


# ---------------------------------------------------------------------------------------------
# dynamic_slice and dynamic_update_slice


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("starts", [(0, 0), (1, 2), (3, 9), (-1, -2), (-9, 1)])
def test_dynamic_slice_matches_numpy(numpy_function, rng, dtype, starts):
    x = _draw(rng, (4, 5), dtype)
    numpy_function(lambda x: lax.dynamic_slice(x, starts, (2, 3)),
                   lambda x: np_dynamic_slice(x, starts, (2, 3)), x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("starts", [(0, 0), (2, 1), (7, -8), (-2, 3)])
def test_dynamic_update_slice_matches_numpy(numpy_function, rng, dtype, starts):
    x, u = _draw(rng, (4, 5), dtype), _draw(rng, (2, 3), dtype)
    numpy_function(lambda x, u: lax.dynamic_update_slice(x, u, starts),
                   lambda x, u: np_dynamic_update_slice(x, u, starts), x, u)


@pytest.mark.parametrize("index_dtype", (np.int32, np.int64, np.uint8))
@pytest.mark.parametrize("backend", ("numba", "interpreter"))
def test_traced_starts_under_jit_are_clamped(rng, index_dtype, backend, same_array):
    x, u = rng.standard_normal((5, 6)), rng.standard_normal((2, 4))
    f = nb.jit(lambda x, i, j: lax.dynamic_slice(x, (i, j), (2, 4)), backend=backend)
    g = nb.jit(lambda x, u, i, j: lax.dynamic_update_slice(x, u, (i, j)), backend=backend)
    signed = np.dtype(index_dtype).kind == "i"
    for i, j in [(0, 0), (3, 2), (4, 5), (200, 7)] + ([(-1, -3), (-100, 1)] if signed else []):
        i, j = np.asarray(i, index_dtype), np.asarray(j, index_dtype)
        same_array(f(x, i, j), np_dynamic_slice(x, (i, j), (2, 4)), f"slice at {i, j}")
        same_array(g(x, u, i, j), np_dynamic_update_slice(x, u, (i, j)), f"update at {i, j}")


def test_mixed_index_dtypes_and_an_array_of_starts(rng, same_array):
    x = rng.standard_normal((4, 5))
    f = nb.jit(lambda x, s: lax.dynamic_slice(x, s, (2, 2)))
    same_array(f(x, np.array([3, -1], np.int32)), np_dynamic_slice(x, (3, -1), (2, 2)), "array")
    same_array(lax.dynamic_slice(x, (np.int8(1), np.uint32(2)), (2, 2)), x[1:3, 2:4], "mixed")


def test_grads_with_traced_starts(rng):
    x = rng.standard_normal((4, 5))
    u = rng.standard_normal((2, 2))
    for i in map(np.int32, (0, 2, 9, -1)):
        check_grads(lambda x, i=i: lax.dynamic_slice(x, (i, i), (2, 3)), (x,), order=2)
        check_grads(lambda x, u, i=i: lax.dynamic_update_slice(x, u, (i, 1)), (x, u), order=2)
        check_grads(nb.jit(lambda x, u, i=i: lax.dynamic_update_slice(x, u * u, (i, 1))),
                    (x, u), order=1)


def test_transposes_are_each_other():
    x, u = np.ones((4, 5)), np.ones((2, 2))
    vjp_slice = nb.make_jaxpr(lambda x, ct, i: nb.vjp(
        lambda x: lax.dynamic_slice(x, (i, 0), (2, 2)), x)[1](ct))(x, u, 1)
    assert "dynamic_update_slice" in str(vjp_slice)
    vjp_update = nb.make_jaxpr(lambda x, u, i: nb.vjp(
        lambda x, u: lax.dynamic_update_slice(x, u, (i, 0)), x, u)[1](x))(x, u, 1)
    assert "dynamic_slice" in str(vjp_update)
    # The dot-product test: <ct, S x> = <S^T ct, x>.
    rng = np.random.default_rng(0)
    x, ct = rng.standard_normal((4, 5)), rng.standard_normal((2, 2))
    _, pull = nb.vjp(lambda x: lax.dynamic_slice(x, (3, 1), (2, 2)), x)
    (xt,) = pull(ct)
    np.testing.assert_allclose(np.sum(ct * np_dynamic_slice(x, (3, 1), (2, 2))), np.sum(xt * x))


def test_vmap_over_operand_starts_and_update(rng, same_array):
    xs, us = rng.standard_normal((3, 4, 5)), rng.standard_normal((3, 2, 2))
    iss, jss = np.array([0, 3, -1], np.int32), np.array([9, 1, 2], np.int32)
    cases = [((0, None, None), (xs, iss[0], jss[0])), ((None, 0, None), (xs[0], iss, jss[0])),
             ((0, 0, 0), (xs, iss, jss)), ((None, 0, 0), (xs[1], iss, jss))]
    for in_axes, args in cases:
        want = np.stack([np_dynamic_slice(*[a[b] if ax == 0 else a for a, ax in
                                            zip(args, in_axes)][:1],
                                          [args[k][b] if in_axes[k] == 0 else args[k]
                                           for k in (1, 2)], (2, 2)) for b in range(3)])
        got = nb.vmap(lambda x, i, j: lax.dynamic_slice(x, (i, j), (2, 2)), in_axes)(*args)
        same_array(got, want, f"dynamic_slice {in_axes}")
        jitted = nb.jit(nb.vmap(lambda x, i, j: lax.dynamic_slice(x, (i, j), (2, 2)), in_axes))
        same_array(jitted(*args), want, f"jit dynamic_slice {in_axes}")
    for in_axes in [(0, 0, 0, 0), (None, 0, 0, None), (0, None, 0, None), (None, None, 0, 0)]:
        args = [xs, us, iss, jss]
        args = [a if ax == 0 else a[1] for a, ax in zip(args, in_axes)]
        pick = [(lambda b, a=a, ax=ax: a[b] if ax == 0 else a) for a, ax in zip(args, in_axes)]
        want = np.stack([np_dynamic_update_slice(pick[0](b), pick[1](b), (pick[2](b), pick[3](b)))
                         for b in range(3)])
        f = nb.vmap(lambda x, u, i, j: lax.dynamic_update_slice(x, u, (i, j)), in_axes)
        same_array(f(*args), want, f"dynamic_update_slice {in_axes}")
        same_array(nb.jit(f)(*args), want, f"jit dynamic_update_slice {in_axes}")


def test_grad_under_vmap_over_starts(rng, same_array):
    x = rng.standard_normal((6,))
    iss = np.array([0, 2, 5, -2], np.int64)
    got = nb.vmap(nb.grad(lambda x, i: np.float64(2.0) * lax.dynamic_slice(x, (i,), (3,)).sum()),
                  (None, 0))(x, iss)
    want = np.zeros((4, 6))
    for b, i in enumerate(iss):
        s = _clamped((i,), (6,), (3,))[0]
        want[b, s:s + 3] = 2.0
    same_array(got, want, "vmap(grad)")
    u = rng.standard_normal((4, 2))
    got = nb.vmap(nb.grad(lambda u, i: (lax.dynamic_update_slice(x, u, (i,)) ** 2).sum()))(u, iss)
    same_array(got, 2 * u, "vmap(grad) of the update")


def test_in_dim_forms(numpy_function, rng):
    x = rng.standard_normal((4, 5))
    numpy_function(lambda x: lax.dynamic_slice_in_dim(x, 3, 2, axis=1), lambda x: x[:, 3:5], x)
    numpy_function(lambda x: lax.dynamic_slice_in_dim(x, 9, 2), lambda x: x[2:4], x)
    numpy_function(lambda x: lax.dynamic_index_in_dim(x, -1, axis=1),
                   lambda x: x[:, 4:5], x)
    numpy_function(lambda x: lax.dynamic_index_in_dim(x, 2, keepdims=False), lambda x: x[2], x)
    u = rng.standard_normal((4, 2))

    def np_update(x, cols, start):
        out = x.copy()
        out[:, start:start + cols.shape[1]] = cols
        return out
    numpy_function(lambda x, u: lax.dynamic_update_slice_in_dim(x, u, 7, axis=1),
                   lambda x, u: np_update(x, u, 3), x, u)
    v = rng.standard_normal(5)
    numpy_function(lambda x, v: lax.dynamic_update_index_in_dim(x, v, 1, 0),
                   lambda x, v: np.concatenate([x[:1], v[None], x[2:]]), x, v)
    numpy_function(lambda x, v: lax.dynamic_update_index_in_dim(x, v[None], -1, 0),
                   lambda x, v: np.concatenate([x[:3], v[None]]), x, v)
    numpy_function(lambda x: lax.index_in_dim(x, -2, axis=1, keepdims=False),
                   lambda x: x[:, -2], x)
    numpy_function(lambda x: lax.index_in_dim(x, 0), lambda x: x[0:1], x)
    numpy_function(lambda x: lax.slice_in_dim(x, 1, None, 2, axis=1), lambda x: x[:, 1::2], x)
    numpy_function(lambda x: lax.slice_in_dim(x, -3, -1), lambda x: x[-3:-1], x)


def test_traced_index_in_dim_under_jit(rng, same_array):
    x = rng.standard_normal((4, 5))
    f = nb.jit(lambda x, i: lax.dynamic_index_in_dim(x, i, axis=1, keepdims=False))
    for i in (0, 4, 7, -1):
        same_array(f(x, np.int32(i)), x[:, min(i if i >= 0 else i + 5, 4)], f"index {i}")


def test_slicing_errors():
    x = np.zeros((3, 4))
    with pytest.raises(TypeError, match="needs 2 start indices"):
        lax.dynamic_slice(x, (0,), (1, 1))
    with pytest.raises(TypeError, match="start index 1 must be an integer scalar"):
        lax.dynamic_slice(x, (0, 1.5), (1, 1))
    with pytest.raises(TypeError, match="slice sizes"):
        lax.dynamic_slice(x, (0, 0), (4, 1))
    with pytest.raises(TypeError, match="the update must have the operand's dtype"):
        lax.dynamic_update_slice(x, np.zeros((1, 1), np.float32), (0, 0))
    with pytest.raises(TypeError, match="slice sizes"):
        lax.dynamic_update_slice(x, np.zeros((1, 5)), (0, 0))
    with pytest.raises(TypeError, match="operand's rank"):
        lax.dynamic_update_slice(x, np.zeros(2), (0, 0))
    with pytest.raises(IndexError, match="out of bounds"):
        lax.index_in_dim(x, 3)
    with pytest.raises(TypeError, match="must be a Python int"):
        nb.jit(lambda x, i: lax.index_in_dim(x, i))(x, 1)
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        lax.dynamic_slice_in_dim(x, 0, 1, axis=2)


# ---------------------------------------------------------------------------------------------
# top_k


def np_top_k(x, k):
    key = ~x if x.dtype.kind in "iu" else -x  # ~: no overflow at the minimum
    idx = np.argsort(key, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, idx, -1), idx.astype(np.int32)


@pytest.mark.parametrize("dtype", DTYPES)
def test_top_k_matches_numpy(numpy_function, rng, dtype):
    x = _draw(rng, (3, 7), dtype)
    numpy_function(lambda x: lax.top_k(x, 3), lambda x: np_top_k(x, 3), x)


def test_top_k_ties_nan_and_axis(same_array):
    x = np.array([2.0, 5.0, 5.0, np.nan, 1.0, 5.0])
    values, idx = lax.top_k(x, 4)
    same_array(idx, np.array([3, 1, 2, 5], np.int32), "nan first, then ties by position")
    same_array(values, x[[3, 1, 2, 5]], "values")
    same_array(lax.top_k(np.array([3, 1, 3, 2], np.int8), 2)[1], np.array([0, 2], np.int32),
               "int ties")
    m = np.array([[1.0, 4.0], [3.0, 2.0], [0.0, 5.0]])
    v, i = lax.top_k(m, 2, axis=0)
    same_array(v, np.array([[3.0, 5.0], [1.0, 4.0]]), "axis=0 values")
    same_array(i, np.array([[1, 2], [0, 0]], np.int32), "axis=0 indices")
    assert lax.top_k(m, 0)[0].shape == (3, 0)


@pytest.mark.parametrize("dtype", DTYPES + (np.int8,))
def test_approx_min_and_max_k_are_exact(numpy_function, rng, dtype):
    x = _draw(rng, (3, 6), dtype)
    if np.dtype(dtype).kind == "f":  # spaced apart: finite differences keep the order
        x = (rng.permutation(18).reshape(3, 6) * 0.25 - 2).astype(dtype)
    if dtype == np.int8:
        x[0, :2] = np.iinfo(np.int8).min  # ~x, not -x: no overflow at the minimum

    def np_min_k(x, k, axis):
        idx = np.argsort(x, axis=axis, kind="stable").take(range(k), axis=axis)
        return np.take_along_axis(x, idx, axis), idx.astype(np.int32)

    numpy_function(lambda x: lax.approx_min_k(x, 4), lambda x: np_min_k(x, 4, -1), x)
    numpy_function(lambda x: lax.approx_min_k(x, 2, reduction_dimension=0),
                   lambda x: np_min_k(x, 2, 0), x)
    numpy_function(lambda x: lax.approx_max_k(x, 3, recall_target=0.5),
                   lambda x: np_top_k(x, 3), x)
    numpy_function(lambda x: lax.approx_max_k(x, 3, is_max_k=False),
                   lambda x: np_min_k(x, 3, -1), x)


def test_top_k_grad_and_errors(rng):
    x = rng.standard_normal((2, 6))
    check_grads(lambda x: lax.top_k(x, 4)[0], (x,), order=2)
    check_grads(nb.jit(lambda x: lax.top_k(x, 2, axis=0)[0]), (x,), order=1)
    with pytest.raises(ValueError, match="k must be an int between 0"):
        lax.top_k(x, 7)
    with pytest.raises(TypeError, match="at least one axis"):
        lax.top_k(np.float64(1.0), 1)
    with pytest.raises(TypeError, match="does not accept"):
        lax.top_k(x.astype(np.complex128), 1)


# ---------------------------------------------------------------------------------------------
# Cumulative reductions


def _np_cumulative(name):
    acc = {"cumprod": lambda x, a: np.cumprod(x, a, dtype=x.dtype),
           "cummax": lambda x, a: np.maximum.accumulate(x, a),
           "cummin": lambda x, a: np.minimum.accumulate(x, a),
           "cumlogsumexp": lambda x, a: np.logaddexp.accumulate(x, a)}[name]

    def fn(x, axis=0, reverse=False):
        if reverse:
            return np.flip(acc(np.flip(x, axis), axis), axis)
        return acc(x, axis)
    return fn


CUMULATIVE = ("cumprod", "cummax", "cummin", "cumlogsumexp")


@pytest.mark.parametrize("name,dtype", [(n, d) for n in CUMULATIVE for d in DTYPES
                                        if n != "cumlogsumexp" or np.dtype(d).kind == "f"])
@pytest.mark.parametrize("axis,reverse", [(0, False), (1, True), (-1, False)])
def test_cumulative_matches_numpy(numpy_function, rng, name, dtype, axis, reverse):
    x = _draw(rng, (4, 5), dtype)
    numpy_function(lambda x: getattr(lax, name)(x, axis=axis, reverse=reverse),
                   lambda x: _np_cumulative(name)(x, axis, reverse), x)


def test_cumprod_grad_is_exact_at_zeros(same_array):
    x = np.array([2.0, 0.0, 3.0, 0.0, 4.0])
    check_grads(lambda x: lax.cumprod(x), (x,), order=2)
    check_grads(lambda x: lax.cumprod(x, reverse=True), (x,), order=2)
    g = nb.grad(lambda x: lax.cumprod(x)[2])(np.array([2.0, 0.0, 3.0]))
    same_array(g, np.array([0.0, 6.0, 0.0]), "d(x0 x1 x2) at x1 = 0")


def test_cummax_passes_the_tangent_of_the_running_argmax(same_array):
    x = np.array([1.0, 3.0, 2.0, 3.0, 5.0])
    # running max 1, 3, 3, 3, 5: positions 0, 1, 1, 1 (the first 3), 4
    same_array(nb.grad(lambda x: lax.cummax(x).sum())(x), np.array([1.0, 3.0, 0.0, 0.0, 1.0]),
               "cummax")
    same_array(nb.grad(lambda x: lax.cummin(-x).sum())(x), -np.array([1.0, 3.0, 0.0, 0.0, 1.0]),
               "cummin")
    same_array(nb.grad(lambda x: lax.cummax(x, reverse=True).sum())(x),
               np.array([0.0, 0.0, 0.0, 0.0, 5.0]), "reverse")


def test_cumulative_grads_and_stability(rng, same_array):
    x = rng.standard_normal((3, 4))
    for name in CUMULATIVE:
        for reverse in (False, True):
            fn = getattr(lax, name)
            check_grads(lambda x, fn=fn, r=reverse: fn(x, axis=1, reverse=r), (x,), order=2)
    big = np.array([1000.0, -1000.0, 1000.0, -np.inf])
    same_array(lax.cumlogsumexp(big), np.logaddexp.accumulate(big), "no overflow")
    g = nb.grad(lambda x: lax.cumlogsumexp(x)[-1])(big)
    same_array(g, np.array([0.5, 0.0, 0.5, 0.0]), "softmax weights, finite")
    ties = np.array([0.0, 0.0])
    same_array(nb.grad(lambda x: lax.cumlogsumexp(x)[-1])(ties), np.array([0.5, 0.5]), "ties")


def test_cumulative_errors():
    with pytest.raises(TypeError, match="cumlogsumexp does not accept"):
        lax.cumlogsumexp(np.arange(3))
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        lax.cummax(np.zeros((2, 2)), axis=2)


# ---------------------------------------------------------------------------------------------
# associative_scan


def _affine(a, b):
    """Composition of x -> a0 x + a1 then x -> b0 x + b1 (not commutative)."""
    return (a[0] * b[0], b[0] * a[1] + b[1])


def _loop_scan(fn, elems, reverse=False):
    n = len(elems[0])
    order = range(n - 1, -1, -1) if reverse else range(n)
    acc, out = None, [None] * n
    for i in order:
        e = tuple(x[i] for x in elems)
        acc = e if acc is None else fn(acc, e)
        out[i] = acc
    return tuple(np.stack([o[k] for o in out]) for k in range(len(elems)))


@pytest.mark.parametrize("n", (1, 2, 5, 8, 13))
def test_associative_scan_matches_a_loop(rng, n, same_array):
    elems = (rng.standard_normal(n), rng.standard_normal(n))
    for reverse in (False, True):
        got = lax.associative_scan(_affine, elems, reverse=reverse)
        want = _loop_scan(_affine, elems, reverse)
        for g, w in zip(got, want):
            same_array(g, w, f"n={n} reverse={reverse}")
    x = rng.integers(0, 9, (3, n))
    same_array(lax.associative_scan(lax.add, x, axis=1), np.cumsum(x, 1), "add along axis 1")
    same_array(nb.jit(lambda x: lax.associative_scan(lax.max, x, axis=-1))(x),
               np.maximum.accumulate(x, 1), "jit max")


def test_associative_scan_grad_and_vmap(rng, same_array):
    elems = (rng.standard_normal(6), rng.standard_normal(6))
    check_grads(lambda a, b: lax.associative_scan(_affine, (a, b))[1], elems, order=2)
    batch = (rng.standard_normal((3, 6)), rng.standard_normal((3, 6)))
    got = nb.vmap(lambda a, b: lax.associative_scan(_affine, (a, b)))(*batch)
    for k in range(2):
        same_array(got[k], np.stack([_loop_scan(_affine, (batch[0][b], batch[1][b]))[k]
                                     for b in range(3)]), f"vmap leaf {k}")


def test_associative_scan_errors():
    with pytest.raises(ValueError, match="same size along axis 0"):
        lax.associative_scan(lax.add, (np.zeros(3), np.zeros(4)))
    with pytest.raises(TypeError, match="must return the structure of elems"):
        lax.associative_scan(lambda a, b: (a, b), np.zeros(3))


# ---------------------------------------------------------------------------------------------
# sort and sort_key_val (existing) follow JAX


def test_sort_with_several_keys_and_sort_key_val(rng, same_array):
    k1 = rng.integers(0, 3, 10).astype(np.float64)
    k2 = rng.standard_normal(10)
    v = np.arange(10)
    perm = np.lexsort((k2, k1))
    got = lax.sort((k1, k2, v), num_keys=2)
    for g, w in zip(got, (k1[perm], k2[perm], v[perm])):
        same_array(g, w, "num_keys=2")
    perm1 = np.argsort(k1, kind="stable")
    sk, sv = lax.sort_key_val(k1, v)
    same_array(sk, k1[perm1], "keys")
    same_array(sv, v[perm1], "values")
