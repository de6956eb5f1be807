"""vecmath: accuracy against NumPy over millions of points and the edge cases, and the
vectorisation of fused loops that use it."""
import re

import numba
import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax.backends.numba import vecmath
from numbax.backends.numba.kernels import compile_in_memory
from numbax.test_util import ulp_error

# Documented maxima (docs/vecmath.md): 2 ulp in float64 (3 for tan, a quotient of sin and
# cos of the reduced argument), 4 in float32.
MAX_ULP = {np.float64: 2.0, np.float32: 4.0}
EXTRA_ULP = {("tan", np.float64): 1.0}
TRIG = (-vecmath.TRIG_LIMIT, vecmath.TRIG_LIMIT)  # the float32 sampler clips to its own limit
DOMAINS = {"exp": (-750.0, 750.0), "expm1": (-60.0, 750.0), "log": (0.0, 1e308),
           "log1p": (-1.0, 1e308), "tanh": (-30.0, 30.0), "logistic": (-800.0, 800.0),
           "sin": TRIG, "cos": TRIG, "tan": TRIG}
EDGES = [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e-310, -1e-310, 1e-300, 1.0,
         -1.0, 0.5, 2.0, 0.625, -0.625, 22.0, -22.0, 88.7, -103.9, 709.78, 709.79, -745.13,
         -745.2, 1e300, -1e300, 3e38, -3e38, 1.5e-45, -1.5e-45]


def _logistic_reference(x):
    x = x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


REFERENCES = {"exp": np.exp, "expm1": np.expm1, "log": np.log, "log1p": np.log1p,
              "tanh": np.tanh, "logistic": _logistic_reference, "sin": np.sin, "cos": np.cos,
              "tan": np.tan}


def _points(dtype, lo, hi, n, rng):
    big = min(max(abs(lo), abs(hi)), float(np.finfo(dtype).max))
    tiny = float(np.finfo(dtype).smallest_subnormal)
    magnitudes = np.exp(rng.uniform(np.log(tiny), np.log(big), n))
    x = np.concatenate([rng.uniform(max(lo, -big), min(hi, big), n),
                        magnitudes * np.where(rng.random(n) < 0.5, -1, 1),
                        np.array(EDGES)])
    with np.errstate(over="ignore"):
        return x.astype(dtype)


def _loop(fn):
    @numba.njit(error_model="numpy")
    def run(a, out):
        for i in range(a.shape[0]):
            out[i] = fn(a[i])
    return run


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(vecmath.FUNCTIONS))
def test_vecmath_is_within_documented_ulps_of_numpy(name, dtype):
    rng = np.random.default_rng(7)
    x = _points(dtype, *DOMAINS[name], 500_000, rng)
    if name in vecmath.LIMITED:  # kernels send larger arguments to libm
        x = x[~(np.abs(x) > vecmath.LIMITED[name][dtype == np.float64])]
    fn = getattr(vecmath, vecmath.FUNCTIONS[name][dtype == np.float64])
    got = np.empty_like(x)
    _loop(fn)(x, got)
    with np.errstate(all="ignore"):
        expected = np.asarray(REFERENCES[name](x)).astype(dtype)
    err = ulp_error(got, expected)
    worst = int(np.argmax(err))
    assert err.max() <= MAX_ULP[dtype] + EXTRA_ULP.get((name, dtype), 0.0), (
        f"{name} {dtype.__name__}: {err.max()} ulp at x={x[worst]!r}: {got[worst]!r} vs "
        f"{expected[worst]!r}")
    # Special values come out exactly as NumPy's: nans where NumPy has nans, and infinities
    # and zeros with NumPy's signs (a nan's sign bit carries no meaning).
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    special = np.isinf(expected) | (expected == 0)
    np.testing.assert_array_equal(np.signbit(got[special]), np.signbit(expected[special]))


def _host_has_simd() -> bool:
    import llvmlite.binding as llvm
    features = llvm.get_host_cpu_features()
    return any(features.get(f, False) for f in ("sse2", "avx", "avx2", "avx512f", "neon", "sve"))


@pytest.mark.skipif(not _host_has_simd(), reason="the host CPU has no SIMD unit LLVM targets")
@pytest.mark.parametrize("dtype,element", [(np.float64, "double"), (np.float32, "float")])
def test_fused_transcendental_loop_is_vectorised(dtype, element):
    x = np.linspace(0.1, 2.0, 4096).astype(dtype)
    f = lambda x, y: xnp.tanh(xnp.exp(x * y + 1.0) * y) + xnp.log(x) * nb.nn.sigmoid(y)  # noqa: E731
    (source,) = nb.jit(f).lower(x, x).kernel_sources
    assert "vm.tanh" in source and "vm.logistic" in source
    # A fresh compile keeps the LLVM IR (a kernel loaded from the disk cache has none).
    kernel = compile_in_memory(source)
    out = np.empty_like(x)
    kernel(x, x, out, x.size)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, f(x, x), rtol=tol, atol=tol)
    llvm = "\n".join(kernel.inspect_llvm(sig) for sig in kernel.signatures)
    # Any vector width of the right element type: AVX2 gives 4 doubles, AVX-512 4 or 8.
    widths = {int(w) for w in re.findall(rf"<(\d+) x {element}>", llvm)}
    assert any(w >= 2 for w in widths), f"no <N x {element}> vector in the kernel's LLVM IR"


def test_fast_math_off_uses_libm_and_agrees():
    x = np.linspace(0.1, 2.0, 1000)
    f = lambda x: xnp.exp(xnp.sin(x)) * xnp.tanh(x)  # noqa: E731
    fast = nb.jit(f)(x)
    nb.config.update("fast_math", False)
    try:
        lowered = nb.jit(f).lower(x)
        assert "vm." not in lowered.kernel_sources[0] and "np.exp" in lowered.kernel_sources[0]
        slow = nb.jit(f)(x)
    finally:
        nb.config.update("fast_math", True)
    assert "vm.exp64" in nb.jit(f).lower(x).kernel_sources[0]
    np.testing.assert_allclose(fast, slow, rtol=1e-14)


def test_config_rejects_unknown_options_and_wrong_types():
    with pytest.raises(KeyError, match="fast_math"):
        nb.config.update("fastmath", True)
    with pytest.raises(TypeError, match="bool"):
        nb.config.update("fast_math", "yes")


def test_huge_trig_arguments_fall_back_to_libm_exactly():
    x = np.array([0.5, 1e7, -3e15, 1e300, np.inf, -np.inf, np.nan, 1.0])
    with np.errstate(invalid="ignore"):
        for fn in (xnp.sin, xnp.cos, xnp.tan):
            np.testing.assert_array_equal(nb.jit(fn)(x), fn(x))
            x32 = x.astype(np.float32)  # libm's float32 functions are within an ulp of NumPy's
            assert ulp_error(nb.jit(fn)(x32), fn(x32)).max() <= MAX_ULP[np.float32]
    big = np.full(300_000, 1e9)  # split over two threads: each chunk falls back alone
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(nb.jit(xnp.sin)(big), np.sin(big))
