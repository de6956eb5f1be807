"""lax.reduce_window (max, min, sum) against a Python-loop reference; max-pool and avg-pool
with grads against finite differences, vmap against a loop, and jit on both backends."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import numbax as nb
from numbax import lax
from numbax.core import window_primitives as W
from numbax.test_util import check_grads


def ref_reduce_window(x, init, op, dims, strides, pads, base, wdil):
    """Loop reference: a padded/dilated coordinate maps back to x only where it lands on
    an original element; everywhere else it reads init."""
    def read(q):
        idx = []
        for qi, (lo, _), b, n in zip(q, pads, base, x.shape):
            r = qi - lo
            if r < 0 or r % b or r // b >= n:
                return init
            idx.append(r // b)
        return x[tuple(idx)]

    dil = [(n - 1) * b + 1 if n else 0 for n, b in zip(x.shape, base)]
    padded = [d + lo + hi for d, (lo, hi) in zip(dil, pads)]
    win = [(w - 1) * d + 1 for w, d in zip(dims, wdil)]
    out_shape = [(p - w) // s + 1 if p >= w else 0 for p, w, s in zip(padded, win, strides)]
    out = np.empty(out_shape, x.dtype)
    for pos in itertools.product(*map(range, out_shape)):
        acc = init
        for tap in itertools.product(*map(range, dims)):
            acc = op(acc, read([p * s + t * d for p, s, t, d in zip(pos, strides, tap, wdil)]))
        out[pos] = acc
    return out


OPS = {"max": (lax.max, np.maximum, -np.inf), "min": (lax.min, np.minimum, np.inf),
       "sum": (lax.add, np.add, 0.0)}
# (shape, window, strides, padding, base_dilation, window_dilation)
CASES = [
    ((4, 6), (2, 2), (2, 2), ((0, 0), (0, 0)), (1, 1), (1, 1)),
    ((5, 7), (3, 2), (1, 2), ((1, 1), (0, 1)), (1, 1), (1, 1)),
    ((2, 5, 6), (1, 3, 3), (1, 2, 1), ((0, 0), (1, 2), (2, 0)), (1, 1, 1), (1, 1, 2)),
    ((7,), (3,), (2,), ((2, -1),), (2,), (1,)),
    ((3, 4, 4, 2), (1, 2, 2, 1), (1, 1, 2, 1), ((0, 0), (0, 1), (1, 1), (0, 0)),
     (1, 2, 1, 1), (1, 1, 1, 1)),
    ((6, 5), (2, 2), (1, 1), ((1, -1), (0, 0)), (1, 1), (1, 1)),  # shifted: padded shape = shape
]


def _fns(monoid, case):
    shape, dims, strides, pads, base, wdil = case
    op, npop, init = OPS[monoid]
    return (lambda x: lax.reduce_window(x, init, op, dims, strides, pads, base, wdil),
            lambda x: ref_reduce_window(x, x.dtype.type(init), npop, dims, strides, pads,
                                        base, wdil), shape)


@pytest.mark.parametrize("monoid", ["max", "min", "sum"])
@pytest.mark.parametrize("case", CASES, ids=[f"c{i}" for i in range(len(CASES))])
def test_reduce_window_matches_loop(monoid, case, numpy_function):
    xfn, npfn, shape = _fns(monoid, case)
    x = np.random.default_rng(0).normal(size=shape)  # no ties: max/min grads are defined
    numpy_function(xfn, npfn, x, grad_order=2 if monoid == "sum" else 1)


@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_dtypes(dtype):
    x = (np.random.default_rng(1).normal(size=(6, 5)) * 10).astype(dtype)
    init = np.array(-np.inf if dtype == np.float32 else np.iinfo(dtype).min, dtype)
    got = lax.reduce_window(x, init, lax.max, (2, 3), (1, 1), "SAME")
    pads = lax.padtype_to_pads((6, 5), (2, 3), (1, 1), "SAME")
    want = ref_reduce_window(x, init, np.maximum, (2, 3), (1, 1), pads, (1, 1), (1, 1))
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, want)


def max_pool(x):
    """NHWC 2x2 max-pool, stride 2."""
    return lax.reduce_window(x, -np.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")


def avg_pool(x):
    return lax.reduce_window(x, 0.0, lax.add, (1, 2, 2, 1), (1, 2, 2, 1), "VALID") / 4.0


def test_max_pool_and_avg_pool():
    x = np.random.default_rng(2).normal(size=(2, 4, 6, 3))
    blocks = x.reshape(2, 2, 2, 3, 2, 3)
    np.testing.assert_array_equal(max_pool(x), blocks.max(axis=(2, 4)))
    np.testing.assert_allclose(avg_pool(x), blocks.mean(axis=(2, 4)), rtol=1e-12)
    check_grads(max_pool, (x,), order=2)
    check_grads(avg_pool, (x,), order=2)
    # max-pool's VJP sends each cotangent to its window's argmax.
    ct = np.random.default_rng(3).normal(size=(2, 2, 3, 3))
    _, vjp = nb.vjp(max_pool, x)
    want = np.zeros_like(blocks)
    arg = blocks.transpose(0, 1, 3, 5, 2, 4).reshape(2, 2, 3, 3, 4).argmax(-1)
    for n, i, j, c in itertools.product(range(2), range(2), range(3), range(3)):
        a, b = divmod(arg[n, i, j, c], 2)
        want[n, i, a, j, b, c] = ct[n, i, j, c]
    np.testing.assert_allclose(vjp(ct)[0], want.reshape(x.shape), rtol=0, atol=0)


def test_max_pool_ties_go_to_first():
    x = np.ones((1, 2, 2, 1))
    grad = nb.grad(lambda x: max_pool(x).sum())(x)
    np.testing.assert_array_equal(grad[0, :, :, 0], [[1.0, 0.0], [0.0, 0.0]])
    grad = nb.jit(nb.grad(lambda x: max_pool(x).sum()))(x)
    np.testing.assert_array_equal(grad[0, :, :, 0], [[1.0, 0.0], [0.0, 0.0]])


@pytest.mark.parametrize("pool", [max_pool, avg_pool])
def test_pool_vmap_and_jit_grad(pool):
    xs = np.random.default_rng(4).normal(size=(3, 2, 4, 4, 2))
    loss = lambda x: (pool(x) ** 2).sum()
    got = nb.vmap(nb.jit(nb.grad(loss)))(xs)
    for k in range(3):
        np.testing.assert_allclose(got[k], nb.grad(loss)(xs[k]), rtol=1e-12, atol=1e-12)
    # the vjp of the vmapped pool (batching of select_and_scatter_add)
    _, vjp = nb.vjp(nb.vmap(pool), xs)
    ct = np.ones((3,) + pool(xs[0]).shape)
    for k in range(3):
        _, one = nb.vjp(pool, xs[k])
        np.testing.assert_allclose(vjp(ct)[0][k], one(ct[k])[0], rtol=1e-12)


def test_nan_propagates_and_init_value():
    x = np.array([1.0, np.nan, 3.0, 4.0])
    np.testing.assert_array_equal(lax.reduce_window(x, -np.inf, lax.max, (2,), (2,), "VALID"),
                                  [np.nan, 4.0])
    np.testing.assert_array_equal(lax.reduce_window(np.arange(4.0), 2.5, lax.max, (2,), (2,),
                                                    [(1, 0)]), [2.5, 2.5])
    np.testing.assert_array_equal(lax.reduce_window(np.arange(4.0), 1.0, lax.add, (2,), (1,),
                                                    "VALID"), [2.0, 4.0, 6.0])


def test_selection_primitives_match_impl_reference():
    rng = np.random.default_rng(5)
    x, t = rng.normal(size=(5, 6)), rng.normal(size=(5, 6))
    params = dict(window_dimensions=(2, 3), window_strides=(2, 1), padding=((1, 0), (1, 1)),
                  base_dilation=(1, 2), window_dilation=(1, 2))
    (gathered,) = W.select_and_gather_add_p.impl(t, x, select="max", **params)
    s = rng.normal(size=gathered.shape)
    (scattered,) = W.select_and_scatter_add_p.impl(s, x, select="max", **params)
    # <scatter(s), t> == <s, gather(t)>: the two are transposes of each other.
    np.testing.assert_allclose((scattered * t).sum(), (s * gathered).sum(), rtol=1e-12)


@pytest.mark.parametrize("bad, match, exc", [
    (dict(computation=lambda a, b: a * b), "supports computation", NotImplementedError),
    (dict(window_dimensions=(2,)), "window_dimensions needs 2", ValueError),
    (dict(padding="FULL"), "padding must be", ValueError),
    (dict(window_strides=(0, 1)), "positive ints", ValueError),
    (dict(operand=np.ones((3, 3), bool)), "numeric operand", TypeError),
])
def test_bad_input(bad, match, exc):
    args = dict(operand=np.ones((3, 3)), init_value=0.0, computation=lax.add,
                window_dimensions=(2, 2), window_strides=(1, 1), padding="VALID")
    args.update(bad)
    with pytest.raises(exc, match=match):
        lax.reduce_window(**args)


@pytest.mark.parametrize("case", CASES, ids=[f"c{i}" for i in range(len(CASES))])
def test_compiled_kernels_match_numpy_impls(case):
    from numbax.backends.numba.conv_kernels import impl_rules_numpy
    from numbax.core.primitives import impl_rules
    shape, dims, strides, pads, base, wdil = case
    params = dict(window_dimensions=dims, window_strides=strides, padding=pads,
                  base_dilation=base, window_dilation=wdil)
    rng = np.random.default_rng(6)
    x = np.round(rng.normal(size=shape), 1)  # ties, to check both pick the first
    t = rng.normal(size=shape)
    for prim in (W.reduce_window_sum_p, W.reduce_window_max_p, W.reduce_window_min_p):
        (want,) = impl_rules_numpy[prim](x, **params)
        np.testing.assert_allclose(impl_rules[prim](x, **params)[0], want, rtol=1e-12)
    for select in ("max", "min"):
        (g,) = impl_rules_numpy[W.select_and_gather_add_p](t, x, select=select, **params)
        np.testing.assert_array_equal(
            impl_rules[W.select_and_gather_add_p](t, x, select=select, **params)[0], g)
        (s,) = impl_rules_numpy[W.select_and_scatter_add_p](g, x, select=select, **params)
        np.testing.assert_allclose(
            impl_rules[W.select_and_scatter_add_p](g, x, select=select, **params)[0], s,
            rtol=1e-12)


def test_numpy_functions_are_recognised_monoids():
    import numbax.numpy as xnp
    x = np.random.default_rng(7).normal(size=(4, 5))
    for fn, lax_fn, init in ((xnp.maximum, lax.max, -np.inf), (xnp.minimum, lax.min, np.inf),
                             (xnp.add, lax.add, 0.0)):
        np.testing.assert_array_equal(
            lax.reduce_window(x, init, fn, (2, 2), (1, 1), "SAME"),
            lax.reduce_window(x, init, lax_fn, (2, 2), (1, 1), "SAME"))
