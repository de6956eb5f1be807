"""NumPy indexing, `.at[]` updates and the gather-based functions against NumPy: eagerly,
under jit on both backends, grad against finite differences and vmap against a loop."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax import lax
from numbax.core.trace import ConcretizationError

X = np.arange(120.0).reshape(4, 5, 6) / 7 - 3
I0 = np.array([[0, 3], [-1, 2]])
I1 = np.array([4, -5])

# Basic and advanced indices, adjacent and separated, with None and Ellipsis.
INDICES = [
    1, -2, (1, -1, 3), slice(None, None, -1), (slice(3, 0, -2), slice(None), slice(1, 6, 2)),
    (Ellipsis, slice(None, None, -3)), (None, 2, Ellipsis, None), (slice(10, -10, -3),),
    I0, [3, 3, 0], (I0, I1), (slice(None), I1, np.array([0, 5])),
    (I0, slice(1, 4), I1),  # separated: index dimensions first
    (1, slice(None), I1),  # an int counts as advanced: separated again
    (slice(None), 2, I1),  # adjacent int and array: in place
    (Ellipsis, I0), (I0, None, 2), (None, 0, None, I1, slice(None, None, -1)),
    (np.array(2), Ellipsis), (np.zeros((0,), np.int64),), (I0[:, :, None], I1, I1[:1]),
]


@pytest.mark.parametrize("idx", INDICES, ids=repr)
def test_indexing_matches_numpy(idx, numpy_function):
    numpy_function(lambda x: xnp.getitem(x, idx), lambda x: x[idx], X)


@pytest.mark.parametrize("idx", [I0, (I0, I1), (slice(None), I1, 0), (I0, slice(1, 4), I1)],
                         ids=repr)
def test_grad_of_a_sum_of_squares_accumulates_repeated_positions(idx):
    want = np.zeros_like(X)
    np.add.at(want, idx, 2 * X[idx])
    for f in (nb.grad(lambda x: xnp.sum(x[idx] ** 2)),
              nb.jit(nb.grad(lambda x: xnp.sum(x[idx] ** 2)))):
        np.testing.assert_allclose(f(X), want)


@pytest.mark.parametrize("backend", ["numba", "interpreter"])
def test_traced_index_arrays_under_jit_and_vmap(backend, same_array):
    f = nb.jit(lambda x, i, j: x[i, :, j], backend=backend)
    same_array(np.asarray(f(X, I0, I1)), X[I0, :, I1], "jit")
    # vmap over the index arrays alone, and over both the array and the indices
    g = nb.vmap(lambda i, j: xnp.getitem(X, (i, slice(None), j)))
    same_array(np.asarray(g(np.stack([I0, I0[::-1]]), np.stack([I1, -I1 - 1]))),
               np.stack([X[I0, :, I1], X[I0[::-1], :, -I1 - 1]]), "vmap over indices")
    xs = np.stack([X, X * 2])
    h = nb.jit(nb.vmap(lambda x, i: x[1:, i[::-1], None]), backend=backend)
    ii = np.array([[0, 4, -1], [2, 2, 3]])
    same_array(np.asarray(h(xs, ii)), np.stack([xs[k][1:, ii[k][::-1], None] for k in range(2)]),
               "vmap over both")


def test_traced_scalar_and_negative_index_under_grad_of_vmap():
    f = nb.vmap(nb.grad(lambda x, i: xnp.sum(x[i] * x[-1])), in_axes=(None, 0))
    got = f(X[0, 0], np.array([0, -2, 5]))
    want = []
    for i in [0, -2, 5]:
        g = np.zeros(6)
        g[i] += X[0, 0, -1]
        g[-1] += X[0, 0, i]
        want.append(g)
    np.testing.assert_allclose(got, np.stack(want))


def test_boolean_masks_eagerly_and_under_grad(numpy_function):
    mask = X[:, :, 0] > 0
    numpy_function(lambda x: xnp.getitem(x, mask), lambda x: x[mask], X, vmap=False, jit=False)
    numpy_function(lambda x: xnp.getitem(x, (1, X[1, :, 0] > 0)), lambda x: x[1, X[1, :, 0] > 0], X,
                   jit=False, vmap=False)
    g = nb.grad(lambda x: xnp.sum(x[x > 0] ** 2))(X)
    np.testing.assert_allclose(g, np.where(X > 0, 2 * X, 0))


def test_a_traced_boolean_mask_under_jit_explains_where_and_size():
    with pytest.raises(ConcretizationError, match=r"where.*size="):
        nb.jit(lambda x: x[x > 0])(X)
    with pytest.raises(IndexError, match="does not match"):
        xnp.getitem(X, np.ones(5, bool))


def test_out_of_bounds_follows_jax():
    idx = np.array([7, -9, 2])
    want = X[:, np.clip(idx + np.where(idx < 0, 5, 0), 0, 4)]
    for f, args in [(lambda x: xnp.getitem(x, (slice(None), idx)), (X,)),
                    (nb.jit(lambda x, i: x[:, i]), (X, idx)),
                    (nb.jit(lambda x, i: x[:, i], backend="interpreter"), (X, idx))]:
        np.testing.assert_array_equal(f(*args), want)
    filled = xnp.at(X)[:, idx].get(mode="fill", fill_value=-1.0)
    in_range = np.array([False, False, True])[:, None]
    np.testing.assert_array_equal(filled, np.where(in_range, X[:, [0, 0, 2]], -1.0))
    assert np.isnan(xnp.at(X)[:, 9].get(mode="fill")).all()
    with pytest.raises(IndexError, match="out of bounds"):
        xnp.getitem(X, (0, 5))
    with pytest.raises(IndexError, match="integer or boolean"):
        xnp.getitem(X, np.array([0.5]))
    with pytest.raises(IndexError, match="too many indices"):
        xnp.getitem(X, (0, 0, 0, 0))


# ---------------------------------------------------------------------------------------------
# .at[] updates against NumPy's ufunc.at

U_INDICES = [np.array([0, 2, 0, -1]), (slice(None), np.array([1, 1])), (1, slice(None, None, -2)),
             (np.array([[0], [3]]), 2, np.array([1, 1, 5])), Ellipsis, (None, 2, -1)]
KINDS = {
    "set": None, "add": np.add, "subtract": np.subtract, "multiply": np.multiply,
    "divide": np.divide, "power": np.power, "min": np.minimum, "max": np.maximum,
}


def _reference(kind, x, idx, v):
    out = x.copy()
    if kind == "set":
        out[idx] = v
    else:
        KINDS[kind].at(out, idx, np.broadcast_to(v, out[idx].shape))
    return out


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("idx", U_INDICES, ids=repr)
def test_updates_match_numpy_ufunc_at(kind, idx, numpy_function):
    x = np.abs(X) + 0.5
    v = np.linspace(0.6, 1.7, x[idx].size).reshape(x[idx].shape)
    duplicates = kind in ("multiply", "divide", "power")  # grad of values needs unique indices
    numpy_function(lambda x: getattr(xnp.at(x)[idx], kind)(v),
                   lambda x: _reference(kind, x, idx, v), x, atol=1e-6, rtol=1e-6)
    # the values' derivative (set keeps the last of repeated positions)
    if not duplicates:
        numpy_function(lambda v: getattr(xnp.at(x)[idx], kind)(v),
                       lambda v: _reference(kind, x, idx, v), v, vmap=False, atol=1e-6,
                       rtol=1e-6)


@pytest.mark.parametrize("kind", ["multiply", "divide", "power"])
def test_multiplicative_updates_differentiate_values_at_unique_indices(kind, numpy_function):
    x, idx = np.abs(X[0]) + 0.5, (np.array([0, 3, 1]), slice(1, 3))
    v = np.linspace(0.6, 1.7, 6).reshape(3, 2)
    numpy_function(lambda v: getattr(xnp.at(x)[idx], kind)(v),
                   lambda v: _reference(kind, x, idx, v), v, atol=1e-6, rtol=1e-6)
    with pytest.raises(NotImplementedError, match="unique_indices"):
        nb.grad(lambda v, i: xnp.sum(xnp.at(x)[i, 1:3].multiply(v)))(v, np.array([0, 0, 1]))
    g = nb.grad(lambda v, i: xnp.sum(xnp.at(x)[i, 1:3].multiply(v, unique_indices=True)))(
        v, np.array([0, 3, 1]))
    np.testing.assert_allclose(g, x[[0, 3, 1], 1:3])


def test_at_property_on_tracers_vmap_over_indices_and_apply(same_array):
    x = np.zeros(5)
    f = nb.jit(nb.vmap(lambda i, v: xnp.at(x)[i].add(v)))
    same_array(np.asarray(f(np.array([[0, 0], [4, -1]]), np.array([[1.0, 2.0], [3.0, 4.0]]))),
               np.array([[3.0, 0, 0, 0, 0], [0, 0, 0, 0, 7.0]]), "vmap of add")
    g = nb.jit(lambda x, i: x.at[i].set(9.0).at[1:3].apply(lambda v: v * 2 + 1))
    same_array(np.asarray(g(np.zeros(5), np.int64(0))), np.where(np.arange(5) == 0, 9.0, 0.0)
               + np.where((np.arange(5) > 0) & (np.arange(5) < 3), 1.0, 0.0), "apply")
    got = nb.grad(lambda x: xnp.sum(x.at[1:3].apply(lambda v: v ** 3)))(np.full(5, 2.0))
    np.testing.assert_allclose(got, [1, 12, 12, 1, 1])


def test_out_of_bounds_updates_are_dropped_or_clipped():
    x = np.zeros(4)
    idx = np.array([1, 9, -7])
    np.testing.assert_array_equal(xnp.at(x)[idx].add(1.0), [0, 1, 0, 0])
    np.testing.assert_array_equal(nb.jit(lambda x, i: x.at[i].set(2.0))(x, idx), [0, 2, 0, 0])
    np.testing.assert_array_equal(xnp.at(x)[idx].add(1.0, mode="clip"), [1, 1, 0, 1])
    g = nb.grad(lambda v: xnp.sum(xnp.at(x)[idx].add(v) ** 2))(np.ones(3))
    np.testing.assert_allclose(g, [2, 0, 0])
    with pytest.raises(ValueError, match="mode"):
        xnp.at(x)[0].set(1.0, mode="wrap")


def test_set_with_repeated_indices_keeps_the_last_value_and_its_gradient():
    x, idx = np.arange(4.0), np.array([2, 0, 2])
    out, vjp = nb.vjp(lambda x, v: xnp.at(x)[idx].set(v), x, np.array([5.0, 6.0, 7.0]))
    np.testing.assert_array_equal(out, [6, 1, 7, 3])
    gx, gv = vjp(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(gx, [0, 2, 0, 4])
    np.testing.assert_array_equal(gv, [0, 1, 3])


def test_min_max_updates_share_the_tangent_between_ties():
    x = np.array([1.0, 5.0])
    g = nb.grad(lambda x, v: xnp.sum(xnp.at(x)[np.array([0, 1])].max(v)), argnums=(0, 1))(
        x, np.array([1.0, 2.0]))
    np.testing.assert_allclose(g[0], [0.5, 1.0])
    np.testing.assert_allclose(g[1], [0.5, 0.0])


def test_lax_scatters_batch_with_batched_indices(same_array):
    x = np.arange(6.0).reshape(3, 2)
    idx = np.array([[0, 2, 2], [3, 3, 1]])
    for scatter, ufunc in [(lax.scatter_min, np.minimum), (lax.scatter_max, np.maximum),
                           (lax.scatter_mul, np.multiply), (lax.scatter_add, np.add)]:
        f = nb.vmap(lambda x, i, u, s=scatter: s(x, i, u, 0, "drop"), in_axes=(1, 0, 0))
        u = np.linspace(-2, 30, 6).reshape(2, 3)
        want = []
        for k in range(2):
            col = x[:, k].copy()
            ok = idx[k] < 3
            ufunc.at(col, idx[k][ok], u[k][ok])
            want.append(col)
        same_array(np.asarray(f(x, idx, u)), np.stack(want), scatter.__name__)


# ---------------------------------------------------------------------------------------------
# Functions


@pytest.mark.parametrize("mode", [None, "clip", "wrap"])
@pytest.mark.parametrize("axis", [None, 0, -1])
def test_take(mode, axis, numpy_function):
    idx = np.array([[1, -1], [3, 0]])
    np_mode = "raise" if mode is None else mode
    numpy_function(lambda x: xnp.take(x, idx, axis=axis, mode=mode),
                   lambda x: np.take(x, idx, axis=axis, mode=np_mode), X)
    big = np.array([0, 8, 2])
    if mode == "wrap":
        np.testing.assert_array_equal(xnp.take(X[0, 0], big, mode=mode), X[0, 0][big % 6])
    got = xnp.take(X[0, 0], big, fill_value=-1.0)
    np.testing.assert_array_equal(got, [X[0, 0, 0], -1.0, X[0, 0, 2]])


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_take_along_axis_and_put_along_axis(axis, numpy_function):
    rng = np.random.default_rng(0)
    shape = list(X.shape) if axis is not None else [X.size]
    if axis is not None:
        shape[axis] = 3
    idx = rng.integers(-X.shape[axis or 0] if axis is not None else -X.size,
                       X.shape[axis] if axis is not None else X.size, size=shape)
    if axis is None:
        idx = idx[:7]
    numpy_function(lambda x: xnp.take_along_axis(x, idx, axis),
                   lambda x: np.take_along_axis(x, idx, axis), X)
    uniq = np.argsort(rng.random(X.shape), axis=axis if axis is not None else 0)
    if axis is not None:
        uniq = np.take(uniq, range(3), axis=axis)
        vals = np.linspace(0, 1, uniq.size).reshape(uniq.shape)

        def ref(x):
            out = x.copy()
            np.put_along_axis(out, uniq, vals, axis)
            return out

        numpy_function(lambda x: xnp.put_along_axis(x, uniq, vals, axis, inplace=False), ref, X)
    with pytest.raises(ValueError, match="inplace=False"):
        xnp.put_along_axis(X, idx, 0.0, axis)


def test_put_and_place(numpy_function):
    ind, v = np.array([3, -1, 0, 7]), np.array([10.0, 20.0, 30.0])

    def put_ref(a, mode):
        out = a.copy()
        np.put(out, ind, v, mode=mode)
        return out

    for mode in ("clip", "wrap"):
        numpy_function(lambda a, m=mode: xnp.put(a, ind, v, mode=m, inplace=False),
                       lambda a, m=mode: put_ref(a, m), X[0])
    mask = X[1] > 0

    def place_ref(a):
        out = a.copy()
        np.place(out, mask, v)
        return out

    numpy_function(lambda a: xnp.place(a, mask, v, inplace=False), place_ref, X[1])
    same = nb.jit(lambda a, m: xnp.place(a, m, v, inplace=False))(X[1], mask)
    np.testing.assert_array_equal(same, place_ref(X[1]))
    with pytest.raises(ValueError, match="inplace=False"):
        xnp.put(X, ind, v)


@pytest.mark.parametrize("mode", ["raise", "wrap", "clip"])
def test_choose(mode, numpy_function):
    choices = [X[0, :, :1], X[1], X[2] * 2]
    a = np.array([[0, 1, 2, 1, 0, 2]]) if mode == "raise" else np.array([[0, 4, -1, 2, 1, 5]])
    numpy_function(lambda c0: xnp.choose(a, [c0, *choices[1:]], mode=mode),
                   lambda c0: np.choose(a, [c0, *choices[1:]], mode=mode), choices[0],
                   jit=mode != "raise")
    with pytest.raises(ValueError, match="invalid entry"):
        xnp.choose(np.array([3]), choices, mode="raise")
    if mode == "raise":
        with pytest.raises(ConcretizationError):
            nb.jit(lambda a: xnp.choose(a, choices))(a)


def test_select_and_piecewise(numpy_function):
    x = X[0] + 0.01  # no element on a condition's edge, where finite differences jump
    conds = [x < -2, x > 0, x > 1]
    numpy_function(lambda x: xnp.select([x < -2, x > 0, x > 1], [x, x ** 2, 3 * x], -1.0),
                   lambda x: np.select([x < -2, x > 0, x > 1], [x, x ** 2, 3 * x], -1.0), x)
    funcs = [lambda v: -v, lambda v: v ** 2, 4.0]
    numpy_function(lambda x: xnp.piecewise(x, conds, funcs), lambda x: np.piecewise(x, conds, funcs),
                   x, vmap=False)
    numpy_function(lambda x: xnp.piecewise(x, conds[:2], funcs), lambda x: np.piecewise(
        x, conds[:2], funcs), x, vmap=False)
    with pytest.raises(ValueError, match="same length"):
        xnp.select(conds, [x])
    with pytest.raises(TypeError, match="boolean"):
        xnp.select([x], [x])


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_compress_and_extract(axis, numpy_function):
    cond = np.array([True, False, True, True])
    numpy_function(lambda x: xnp.compress(cond, x, axis=axis),
                   lambda x: np.compress(cond, x, axis=axis), X[:, :4, 0])
    mask = X[0] > 0.5
    numpy_function(lambda x: xnp.extract(mask, x), lambda x: np.extract(mask, x), X[0])
    got = nb.jit(lambda c, x: xnp.compress(c, x, axis=0, size=4, fill_value=-1.0))(cond, X[:, 0])
    np.testing.assert_array_equal(got, np.concatenate([X[cond, 0], -np.ones((1, 6))]))
    with pytest.raises(ConcretizationError, match="size="):
        nb.jit(lambda c, x: xnp.compress(c, x))(cond, X[0])
