"""Structurally equal fusion groups share one kernel (its source text is the cache key), and
the blocked reductions built on reduce_blocks' precompiled helpers match NumPy."""
from __future__ import annotations

import doctest

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax.backends.numba import reduce_blocks


def _sources(fn, *args) -> list[str]:
    return nb.jit(fn).lower(*args).kernel_sources


def test_constant_on_either_side_of_a_commutative_op_shares_the_kernel():
    x = np.linspace(-1.0, 1.0, 1000)
    y = x[::-1].copy()
    left = lambda a, b: xnp.sum(1.5 + xnp.exp(b * a)) * (2.0 * a)  # noqa: E731
    right = lambda p, q: xnp.sum(xnp.exp(p * q) + 1.5) * (p * 2.0)  # noqa: E731
    assert _sources(left, x, y) == _sources(right, x, y)
    np.testing.assert_allclose(nb.jit(left)(x, y), np.sum(1.5 + np.exp(y * x)) * (2.0 * x),
                               rtol=1e-12)


@pytest.mark.parametrize("shapes", [((1000,), (37,)), ((30, 40), (5, 7)), ((30, 40), (1200,))])
def test_same_chain_at_another_shape_shares_the_kernel(shapes):
    f = lambda a: xnp.tanh(a * 2.0 + 1.0) * a  # noqa: E731
    a, b = (np.ones(s, np.float32) for s in shapes)
    assert _sources(f, a) == _sources(f, b)


def test_bias_rows_at_another_shape_share_the_kernel():
    f = lambda a, bias: xnp.tanh(a + bias)  # noqa: E731
    assert _sources(f, np.ones((30, 40)), np.ones(40)) == _sources(f, np.ones((5, 7)), np.ones(7))


def test_reduction_kernels_allocate_nothing_themselves():
    # Allocation and the accumulator loop are reduce_blocks' precompiled functions: compiling
    # np.empty's or min's implementation in each new process cost ~100 ms of the first call.
    (src,) = _sources(lambda a: xnp.sum(xnp.sin(a)), np.ones(5000))
    assert "rb.sum_block" in src and "np.empty" not in src and "min(" not in src


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
@pytest.mark.parametrize("n", [1, 512, 513, 4101])
def test_full_reductions_match_numpy(dtype, n):
    x = (np.arange(n) % 23 - 9).astype(dtype)
    for ours, ref in ((xnp.sum, np.sum), (xnp.max, np.max), (xnp.min, np.min)):
        got = nb.jit(lambda a, ours=ours: ours(a * a - 3))(x)
        want = ref(x * x - 3)
        assert np.asarray(got).dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("shape", [(3, 5), (4, 513), (2, 1100)])
def test_per_row_reductions_match_numpy(shape):
    x = np.random.default_rng(0).uniform(-2, 2, shape)
    np.testing.assert_allclose(nb.jit(lambda a: xnp.sum(xnp.sin(a), axis=1))(x),
                               np.sin(x).sum(axis=1), rtol=1e-12)
    np.testing.assert_array_equal(nb.jit(lambda a: xnp.max(a * 2.0, axis=1))(x), (x * 2.0).max(1))
    np.testing.assert_array_equal(nb.jit(lambda a: xnp.min(a * 2.0, axis=1))(x), (x * 2.0).min(1))


def test_nan_propagates_through_max_and_min():
    x = np.array([1.0, 2.0, 3.0] * 400)
    x[777] = np.nan
    assert np.isnan(nb.jit(lambda a: xnp.max(a + 1.0))(x))
    assert np.isnan(nb.jit(lambda a: xnp.min(a + 1.0))(x))


def test_reduce_blocks_doctest():
    assert doctest.testmod(reduce_blocks).failed == 0
