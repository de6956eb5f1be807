"""Sorting, searching and set functions against NumPy: eagerly, under jit on both backends,
grad against finite differences (tie-free data), vmap against a loop, and the
ConcretizationError of value-dependent sizes under jit."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax import lax
from numbax.core.trace import ConcretizationError

SHAPES_AXES = [((7,), -1), ((7,), None), ((3, 4), 0), ((3, 4), -1), ((2, 3, 4), 1),
               ((2, 3, 4), None)]


def _data(rng, shape, dtype=np.float64, nan=False):
    x = rng.permutation(np.arange(int(np.prod(shape))) * 1.25 - 3).reshape(shape).astype(dtype)
    if nan and x.size > 2:
        x.flat[[1, x.size - 2]] = np.nan
    return x


def _stable_descending(x, axis):
    """Indices of a stable sort from largest to smallest (nan first), as jax.numpy."""
    if axis is None:
        x, axis = x.ravel(), 0
    n = x.shape[axis]
    flipped = np.flip(np.argsort(np.flip(x, axis), axis=axis, kind="stable"), axis)
    return n - 1 - flipped


@pytest.mark.parametrize("shape,axis", SHAPES_AXES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32])
def test_sort_matches_numpy(numpy_function, rng, shape, axis, dtype):
    x = _data(rng, shape, dtype)
    numpy_function(lambda x: xnp.sort(x, axis), lambda x: np.sort(x, axis), x)


@pytest.mark.parametrize("shape,axis", SHAPES_AXES)
def test_sort_nan_last_and_descending(numpy_function, rng, shape, axis):
    x = _data(rng, shape, nan=True)
    numpy_function(lambda x: xnp.sort(x, axis), lambda x: np.sort(x, axis), x, grad=False)
    flip_axis = 0 if axis is None else axis
    numpy_function(lambda x: xnp.sort(x, axis, descending=True),
                   lambda x: np.flip(np.sort(x, axis), flip_axis), x, grad=False)
    numpy_function(lambda x: xnp.sort(x, axis, descending=True),
                   lambda x: np.flip(np.sort(x, axis), flip_axis), _data(rng, shape))


@pytest.mark.parametrize("shape,axis", SHAPES_AXES)
def test_argsort_is_stable(numpy_function, rng, shape, axis):
    x = rng.integers(0, 3, shape)  # many ties
    numpy_function(lambda x: xnp.argsort(x, axis), lambda x: np.argsort(x, axis, kind="stable"),
                   x)
    numpy_function(lambda x: xnp.argsort(x, axis, descending=True),
                   lambda x: _stable_descending(x, axis), x)
    xf = _data(rng, shape, nan=True)
    numpy_function(lambda x: xnp.argsort(x, axis), lambda x: np.argsort(x, axis, kind="stable"),
                   xf, grad=False)


def test_lax_sort_several_operands_and_keys(rng):
    k1, k2 = rng.integers(0, 3, (4, 6)), rng.integers(0, 3, (4, 6))
    v = rng.normal(size=(4, 6))
    order = np.lexsort((k2, k1), axis=1)
    for fn in (lambda *a: lax.sort(a, 1, num_keys=2), nb.jit(lambda *a: lax.sort(a, 1, num_keys=2))):
        s1, s2, sv = fn(k1, k2, v)
        np.testing.assert_array_equal(sv, np.take_along_axis(v, order, 1))
        np.testing.assert_array_equal(s1, np.take_along_axis(k1, order, 1))
    keys, vals = lax.sort_key_val(v, k1, 0)
    np.testing.assert_array_equal(vals, np.take_along_axis(k1, np.argsort(v, 0), 0))
    with pytest.raises(TypeError, match="num_keys"):
        lax.sort((v, v[:2]), 0)


def test_lax_sort_rules_jvp_and_vmap_of_several_operands(rng):
    x, y = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))

    def f(x, y):
        a, b = lax.sort_key_val(x, y, 1)
        return (a * np.arange(5.0) + b ** 2).sum()

    nb.test_util.check_grads(f, [x, y], order=2)
    per_row = nb.jit(nb.vmap(nb.grad(lambda x: f(x[None], np.ones((1, 5))))))(x)
    np.testing.assert_allclose(per_row, np.concatenate(
        [nb.grad(f)(x[i:i + 1], np.ones((1, 5))) for i in range(3)]))
    got = nb.vmap(lambda x, y: lax.sort_key_val(x, y, 0), in_axes=(1, 0))(x, y.T)
    for i in range(5):
        a, b = lax.sort_key_val(x[:, i], y[:, i], 0)
        np.testing.assert_array_equal(got[0][i], a)
        np.testing.assert_array_equal(got[1][i], b)


@pytest.mark.parametrize("shape,axis", [((6,), -1), ((3, 5), 0), ((3, 5), 1)])
def test_lexsort(numpy_function, rng, shape, axis):
    a, b = rng.integers(0, 3, shape), rng.integers(0, 3, shape)
    numpy_function(lambda a: xnp.lexsort((a, b), axis), lambda a: np.lexsort((a, b), axis), a)
    np.testing.assert_array_equal(xnp.lexsort(np.stack([a, b]), axis),
                                  np.lexsort(np.stack([a, b]), axis))


@pytest.mark.parametrize("shape,axis,kth", [((7,), -1, 3), ((4, 5), 0, 1), ((4, 5), 1, -2)])
def test_partition_property(rng, shape, axis, kth):
    x = rng.integers(0, 4, shape).astype(float)
    for fn in (xnp.partition, nb.jit(xnp.partition, static_argnums=(1, 2))):
        p = np.moveaxis(fn(x, kth, axis), axis, -1)
        want = np.moveaxis(np.sort(x, axis), axis, -1)[..., kth]
        assert np.array_equal(p[..., kth], want)
        assert np.all(p[..., :kth % shape[axis]] <= want[..., None])
        assert np.all(p[..., kth % shape[axis]:] >= want[..., None])
    idx = xnp.argpartition(x, kth, axis)
    p = np.moveaxis(np.take_along_axis(x, idx, axis), axis, -1)
    assert np.array_equal(np.sort(p, -1), np.moveaxis(np.sort(x, axis), axis, -1))
    assert np.all(p[..., :kth % shape[axis]] <= p[..., kth, None])
    with pytest.raises(ValueError, match="out of bounds"):
        xnp.partition(x, 10, axis)


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_searchsorted(numpy_function, rng, side, dtype):
    a = np.sort(rng.integers(0, 6, 9)).astype(dtype)
    v = rng.integers(-1, 8, (3, 4)).astype(dtype)
    if dtype == np.float64:
        a[-2:] = np.nan
        v[0, :2] = np.nan
    numpy_function(lambda v: xnp.searchsorted(a, v, side), lambda v: np.searchsorted(a, v, side),
                   v, grad=False)
    perm = rng.permutation(9)
    shuffled = a[np.argsort(perm)]
    sorter = np.argsort(shuffled, kind="stable")
    np.testing.assert_array_equal(xnp.searchsorted(shuffled, v, side, sorter),
                                  np.searchsorted(shuffled, v, side, sorter))
    numpy_function(lambda v: xnp.searchsorted(a, v, side, method="sort"),
                   lambda v: np.searchsorted(a, v, side), v, grad=False)
    with pytest.raises(ValueError, match="side"):
        xnp.searchsorted(a, v, "middle")
    with pytest.raises(ValueError, match="method"):
        xnp.searchsorted(a, v, method="scan")


def test_large_searchsorted_and_isin_sort_instead_of_comparing_all(rng):
    a = np.sort(rng.integers(0, 90, 400)) * 1.0
    a[-3:] = np.nan
    v = rng.integers(-5, 100, (20, 30)) * 1.0
    v[0, :2] = np.nan
    for side in ("left", "right"):
        np.testing.assert_array_equal(nb.jit(xnp.searchsorted, static_argnums=2)(a, v, side),
                                      np.searchsorted(a, v, side))
    np.testing.assert_array_equal(nb.jit(xnp.isin)(v, a), np.isin(v, a))


@pytest.mark.parametrize("invert", [False, True])
def test_isin(numpy_function, rng, invert):
    x = rng.integers(0, 8, (3, 4)).astype(float)
    test = np.array([1.0, 3.0, 7.0, np.nan])
    numpy_function(lambda x: xnp.isin(x, test, invert=invert),
                   lambda x: np.isin(x, test, invert=invert), x, grad=False)
    np.testing.assert_array_equal(xnp.isin(x, np.zeros(0)), np.isin(x, np.zeros(0)))


@pytest.mark.parametrize("equal_nan", [True, False])
def test_unique_matches_numpy(same_array, rng, equal_nan):
    x = rng.integers(0, 5, (4, 3)).astype(float)
    x.flat[[2, 7]] = np.nan
    kw = dict(return_index=True, return_inverse=True, return_counts=True, equal_nan=equal_nan)
    for got, want in zip(xnp.unique(x, **kw), np.unique(x, **kw)):
        same_array(got, want, "unique")
    same_array(xnp.unique(x), np.unique(x), "unique values")


@pytest.mark.parametrize("axis", [0, 1])
def test_unique_along_an_axis(same_array, rng, axis):
    x = rng.integers(0, 2, (6, 3))
    x = x if axis == 0 else x.T
    kw = dict(return_index=True, return_inverse=True, return_counts=True, axis=axis)
    for got, want in zip(xnp.unique(x, **kw), np.unique(x, **kw)):
        same_array(got, want, f"unique axis={axis}")


def test_unique_array_api_functions(same_array, rng):
    x = rng.integers(0, 4, (3, 4)).astype(float)
    x.flat[[0, 5]] = np.nan
    for name in ("unique_all", "unique_counts", "unique_inverse"):
        got, want = getattr(xnp, name)(x), getattr(np, name)(x)
        assert got._fields == want._fields
        for g, w in zip(got, want):
            same_array(g, w, name)
    same_array(xnp.unique_values(x), np.unique_values(x), "unique_values")


def test_unique_with_size_under_jit_and_vmap(same_array, rng):
    x = rng.integers(0, 4, 8)
    want_vals, want_idx, want_counts = np.unique(x, return_index=True, return_counts=True)
    k = len(want_vals)

    def f(x):
        return xnp.unique(x, return_index=True, return_counts=True, size=6, fill_value=-1)

    for fn in (f, nb.jit(f), nb.jit(f, backend="interpreter")):
        vals, idx, counts = fn(x)
        same_array(vals, np.concatenate([want_vals, np.full(6 - k, -1)]), "values")
        same_array(idx[:k], want_idx, "index")
        same_array(counts, np.concatenate([want_counts, np.zeros(6 - k, int)]), "counts")
    batch = np.stack([x, x[::-1], np.zeros_like(x)])
    got = nb.vmap(lambda x: xnp.unique(x, size=3, fill_value=9))(batch)
    for g, b in zip(got, batch):
        u = np.unique(b)[:3]
        same_array(g, np.concatenate([u, np.full(3 - len(u), 9)]), "vmap")


@pytest.mark.parametrize("fn", [xnp.unique, xnp.nonzero, xnp.flatnonzero, xnp.argwhere,
                                xnp.where, xnp.unique_values,
                                lambda x: xnp.union1d(x, x), lambda x: xnp.intersect1d(x, x),
                                lambda x: xnp.setdiff1d(x, x[:2]),
                                lambda x: xnp.setxor1d(x, x[:2])])
def test_value_dependent_sizes_need_size_under_jit(fn):
    with pytest.raises(ConcretizationError, match="size="):
        nb.jit(fn)(np.arange(4.0))
    with pytest.raises(ConcretizationError, match="size="):
        nb.vmap(fn)(np.ones((2, 4)))


def test_grad_through_value_dependent_sizes_on_concrete_values(rng):
    x = _data(rng, (6,))
    nb.test_util.check_grads(lambda x: xnp.unique(x) * np.arange(6.0), [x])
    nb.test_util.check_grads(lambda x: xnp.setdiff1d(x, x[:2]) ** 2, [x])
    g = nb.grad(lambda x: xnp.sum(x[xnp.nonzero(x > 0)[0]] ** 2))(x)
    np.testing.assert_allclose(g, np.where(x > 0, 2 * x, 0))


@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 2)])
def test_nonzero_family(same_array, rng, shape):
    x = rng.integers(0, 3, shape) * 1.0
    for got, want in zip(xnp.nonzero(x), np.nonzero(x)):
        same_array(got, want, "nonzero")
    for got, want in zip(xnp.where(x), np.where(x)):
        same_array(got, want, "where(cond)")
    same_array(xnp.argwhere(x), np.argwhere(x), "argwhere")
    same_array(xnp.flatnonzero(x), np.flatnonzero(x), "flatnonzero")
    n = np.count_nonzero(x)
    for fn in (lambda x: xnp.nonzero(x, size=n + 2, fill_value=-1),
               nb.jit(lambda x: xnp.nonzero(x, size=n + 2, fill_value=-1)),
               nb.jit(lambda x: xnp.where(x, size=n + 2, fill_value=-1), backend="interpreter")):
        for got, want in zip(fn(x), np.nonzero(x)):
            same_array(got, np.concatenate([want, [-1, -1]]), "nonzero size=")
    got = nb.jit(lambda x: xnp.argwhere(x, size=max(n - 1, 0)))(x)
    same_array(got, np.argwhere(x)[:max(n - 1, 0)], "argwhere truncated")
    got = nb.vmap(lambda x: xnp.flatnonzero(x, size=x.size))(np.stack([x, 1 - x]))
    for g, b in zip(got, np.stack([x, 1 - x])):
        want = np.flatnonzero(b)
        same_array(g, np.concatenate([want, np.zeros(x.size - len(want), int)]), "vmap")


def test_nonzero_rejects_0d_and_where_needs_both():
    with pytest.raises(ValueError, match="0-d"):
        xnp.nonzero(np.float64(1.0))
    with pytest.raises(TypeError, match="both x and y"):
        xnp.where(np.ones(2), 1.0)
    np.testing.assert_array_equal(xnp.argwhere(np.float64(1.0)), np.argwhere(np.float64(1.0)))


SETS = [
    ("union1d", lambda a, b: xnp.union1d(a, b), np.union1d),
    ("intersect1d", lambda a, b: xnp.intersect1d(a, b), np.intersect1d),
    ("setdiff1d", lambda a, b: xnp.setdiff1d(a, b), np.setdiff1d),
    ("setxor1d", lambda a, b: xnp.setxor1d(a, b), np.setxor1d),
]


@pytest.mark.parametrize("name,xfn,npfn", SETS)
def test_set_functions(same_array, rng, name, xfn, npfn):
    a, b = rng.integers(0, 8, 9), rng.integers(3, 10, (2, 3))
    same_array(xfn(a, b), npfn(a, b), name)
    same_array(xfn(a * 1.0, b), npfn(a * 1.0, b), name + " mixed dtypes")
    want = npfn(a, b)
    sized = nb.jit(lambda a, b: getattr(xnp, name)(a, b, size=len(want) + 1, fill_value=-5))
    same_array(sized(a, b), np.concatenate([want, [-5]]), name + " size=")


def test_intersect1d_indices_and_setdiff_assume_unique(same_array):
    a, b = np.array([5, 1, 3, 4, 3]), np.array([3, 1, 2, 1, 9])
    for got, want in zip(xnp.intersect1d(a, b, return_indices=True),
                         np.intersect1d(a, b, return_indices=True)):
        same_array(got, want, "intersect1d indices")
    u = np.array([5, 1, 3, 4])
    same_array(xnp.setdiff1d(u, b, assume_unique=True), np.setdiff1d(u, b, assume_unique=True),
               "setdiff1d assume_unique")


def test_bad_input():
    with pytest.raises(TypeError, match="order="):
        xnp.sort(np.ones(3), order="x")
    with pytest.raises(TypeError, match="argument 0"):
        xnp.sort("ab")
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        xnp.sort(np.ones(3), axis=2)


@pytest.mark.parametrize("name,args", [
    ("sort", (np.zeros(0),)), ("argsort", (np.zeros((2, 0)),)), ("unique", (np.zeros(0),)),
    ("nonzero", (np.zeros((2, 0, 3)),)), ("argwhere", (np.zeros((0, 2)),)),
    ("searchsorted", (np.zeros(0), np.ones(2))), ("isin", (np.zeros(0), np.ones(2))),
    ("setdiff1d", (np.zeros(0), np.ones(2))), ("intersect1d", (np.ones(2), np.zeros(0))),
    ("union1d", (np.zeros(0), np.zeros(0))), ("setxor1d", (np.zeros(0), np.ones(2)))])
def test_empty_inputs(same_array, name, args):
    for got, want in zip(nb.tree_util.tree_leaves(getattr(xnp, name)(*args)),
                         nb.tree_util.tree_leaves(getattr(np, name)(*args))):
        same_array(got, want, name)
    same_array(xnp.unique(np.zeros((0, 2)), axis=0), np.unique(np.zeros((0, 2)), axis=0),
               "unique axis=0")
