"""Complex elementwise chains in fused Numba kernels, against the NumPy interpreter."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.lax as lax
from numbax.core import primitives as P
from numbax.core.avals import ShapedArray

COMPLEX = [np.complex64, np.complex128]
TOL = {np.complex64: 1e-5, np.complex128: 1e-12}


def _data(dtype, n=3000, seed=0):
    rng = np.random.default_rng(seed)
    z = (rng.normal(size=n) * 2 + 1j * rng.normal(size=n) * 2).astype(dtype)
    # Zeros, signed zeros and points on the axes, where branch cuts and divisions by zero sit.
    z[:6] = [0, -0.0 + 0j, 1j, -1, 1, -1j]
    return z


def _fusible_complex_primitives(dtype):
    """(name, primitive, operand count) of every elementwise primitive a fused kernel may
    compute on complex operands of dtype, as the declarations say."""
    out = []
    for name, prim in sorted(P.primitives.items()):
        if prim.kind != "elementwise" or prim.scalar is None or name in ("select", "complex"):
            continue
        n = 2 if "{1}" in prim.scalar.expr else 1
        try:
            (aval,) = prim.abstract_eval(*[ShapedArray((3,), np.dtype(dtype))] * n)
        except TypeError:
            continue
        if aval.dtype.kind in prim.scalar.kinds:
            out.append((name, prim, n))
    return out


@pytest.mark.parametrize("dtype", COMPLEX, ids=lambda d: np.dtype(d).name)
def test_every_fusible_complex_primitive_matches_numpy(dtype):
    z = _data(dtype)
    w = _data(dtype, seed=1)[::-1].copy()
    cases = _fusible_complex_primitives(dtype)
    assert {"add", "mul", "div", "exp", "sin", "sqrt", "abs", "conj", "real"} <= {
        c[0] for c in cases}
    for name, prim, n in cases:
        args = (z, w)[:n]
        params = {"y": 3} if name == "integer_pow" else {}
        if name == "convert_element_type":
            params = {"new_dtype": np.dtype(np.float64)}
        with np.errstate(all="ignore"):
            expected = prim.impl(*args, **params)[0]
            got = nb.jit(lambda *a, prim=prim, params=params: prim.bind(*a, **params))(*args)
        np.testing.assert_allclose(got, expected, rtol=TOL[dtype], atol=TOL[dtype],
                                   err_msg=name)


def test_a_complex_chain_with_a_reduction_is_one_kernel():
    def f(z, x):
        w = lax.mul(lax.exp(z), lax.complex(x, x))
        return lax.reduce_sum(lax.abs(lax.add(w, lax.conj(z))), (0,))

    z, x = _data(np.complex128), np.linspace(-1, 1, 3000)
    lowered = nb.jit(f).lower(z, x)
    assert len(lowered.fusion_groups) == 1
    np.testing.assert_allclose(nb.jit(f)(z, x), f(z, x), rtol=1e-12)


@pytest.mark.parametrize("dtype", COMPLEX, ids=lambda d: np.dtype(d).name)
def test_complex_division_by_zero_gives_numpy_infinities_not_an_error(dtype):
    # Numba's own complex division raises ZeroDivisionError here.
    x = np.array([1 + 1j, 0, 1, -2j, 3 + 0j], dtype)
    y = np.zeros(5, dtype)
    with np.errstate(all="ignore"):
        expected = x / y
    got = nb.jit(lambda a, b: lax.div(lax.mul(a, a), b))(x, y)
    with np.errstate(all="ignore"):
        expected = (x * x) / y
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_array_equal(got[~np.isnan(got)], expected[~np.isnan(expected)])


@pytest.mark.parametrize("dtype", COMPLEX, ids=lambda d: np.dtype(d).name)
def test_complex_results_keep_their_precision(dtype):
    z = _data(dtype)[:100]
    out = nb.jit(lambda z: lax.add(lax.mul(z, np.asarray(0.5 + 0.25j, dtype)), z))(z)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, z * (0.5 + 0.25j) + z, rtol=TOL[dtype])


def test_complex_functions_unfused_where_numba_differs_stay_exact():
    # Numba's complex log gives -inf+nanj at 0 and loses the real part near |z| = 1; those
    # functions are declared kinds="f" and run in NumPy between kernels.
    z = np.array([0, 1 + 1e-10j, -0.0 + 0j, 2j, 1000 + 1j], np.complex128)
    with np.errstate(all="ignore"):
        for fn, ref in ((lax.log, np.log), (lax.tanh, np.tanh), (lax.log1p, np.log1p)):
            got = nb.jit(lambda z, fn=fn: fn(lax.mul(z, np.complex128(1))))(z)
            np.testing.assert_allclose(got, ref(z), rtol=1e-14)
