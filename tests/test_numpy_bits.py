"""packbits and unpackbits against NumPy: every axis and bit order, eagerly, under jit on both
backends and under vmap."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp

CASES = [((13,), None), ((3, 10), 1), ((9, 4), 0), ((2, 3, 5), -1), ((2, 17), None)]


@pytest.mark.parametrize("bitorder", ["big", "little"])
@pytest.mark.parametrize(("shape", "axis"), CASES)
def test_packbits_matches_numpy(shape, axis, bitorder, rng):
    a = rng.integers(0, 3, shape)
    want = np.packbits(a, axis=axis, bitorder=bitorder)
    for backend in (None, "numba", "interpreter"):
        f = (lambda a: xnp.packbits(a, axis, bitorder))
        got = f(a) if backend is None else nb.jit(f, backend=backend)(a)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("count", [None, 3, -2, 40])
@pytest.mark.parametrize(("shape", "axis"), CASES)
def test_unpackbits_matches_numpy(shape, axis, count, rng):
    packed = rng.integers(0, 256, shape).astype(np.uint8)
    for bitorder in ("big", "little"):
        want = np.unpackbits(packed, axis=axis, count=count, bitorder=bitorder)
        for backend in (None, "numba", "interpreter"):
            f = (lambda p, bitorder=bitorder: xnp.unpackbits(p, axis, count, bitorder))
            got = f(packed) if backend is None else nb.jit(f, backend=backend)(packed)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)


def test_pack_then_unpack_round_trips_under_vmap(rng):
    bits = rng.integers(0, 2, (4, 16)).astype(np.uint8)
    packed = nb.vmap(xnp.packbits)(bits)
    np.testing.assert_array_equal(packed, np.packbits(bits, axis=1))
    np.testing.assert_array_equal(nb.vmap(xnp.unpackbits)(packed), bits)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: xnp.packbits(np.ones(3)), "expected an array of integers or booleans"),
    (lambda: xnp.unpackbits(np.ones(3, np.int32)), "expected an array of uint8"),
    (lambda: xnp.packbits(np.ones(3, bool), bitorder="middle"), "bitorder must be"),
])
def test_bad_input_raises(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()
