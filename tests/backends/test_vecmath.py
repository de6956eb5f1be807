"""vecmath: accuracy against NumPy over millions of points and the edge cases, and the
vectorisation of fused loops that use it."""
import functools
import re
import sys

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
WIDE = (-8e307, 8e307)  # a uniform sample needs a finite width
DOMAINS = {"exp": (-750.0, 750.0), "expm1": (-60.0, 750.0), "log": (0.0, 1e308),
           "log1p": (-1.0, 1e308), "tanh": (-30.0, 30.0), "logistic": (-800.0, 800.0),
           "sin": TRIG, "cos": TRIG, "tan": TRIG,
           "atan": WIDE, "asin": (-1.0, 1.0), "acos": (-1.0, 1.0), "sinh": (-720.0, 720.0),
           "cosh": (-720.0, 720.0), "asinh": WIDE, "acosh": (1.0, 1e308), "atanh": (-1.0, 1.0),
           "log2": (0.0, 1e308), "log10": (0.0, 1e308), "exp2": (-1080.0, 1030.0),
           "cbrt": WIDE}
NEWER = {"atan", "asin", "acos", "sinh", "cosh", "asinh", "acosh", "atanh", "log2", "log10",
         "exp2", "cbrt"}
# For NEWER: a second uniform sample where a function switches method (the wide domains above hardly
# land there).
FOCUS = {"atan": (-3.0, 3.0), "asinh": (-3.0, 3.0), "acosh": (1.0, 3.0), "sinh": (-23.0, 23.0),
         "cosh": (-23.0, 23.0), "log2": (0.0, 3.0), "log10": (0.0, 30.0), "cbrt": (-9.0, 9.0)}
EDGES = [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e-310, -1e-310, 1e-300, 1.0,
         -1.0, 0.5, 2.0, 0.625, -0.625, 22.0, -22.0, 88.7, -103.9, 709.78, 709.79, -745.13,
         -745.2, 1e300, -1e300, 3e38, -3e38, 1.5e-45, -1.5e-45]
# The new functions' own method boundaries and domain edges.
MORE_EDGES = [0.4375, 0.6875, 1.1875, 2.4375, 0.975, -0.975, -0.5, 1.0000000000000002,
              0.9999999999999999, -0.9999999999999999, 1.5, 3.7e-9, 2 ** 28, 2 ** 28 + 2,
              -2 ** 28, 0.34657359027997264, 710.47, 710.48, -710.47, 1024.0, 1023.9999999,
              -1074.0, -1074.5, -1075.0, -1075.5, -1076.0, -1077.0, 128.0, -149.0, -150.0,
              1000.0, 0.001, 1e-5, 8.0, -27.0, 1e-320, 64.0, 0.125, 1.7e308, -1.7e308]


def _logistic_reference(x):
    x = x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


REFERENCES = {"exp": np.exp, "expm1": np.expm1, "log": np.log, "log1p": np.log1p,
              "tanh": np.tanh, "logistic": _logistic_reference, "sin": np.sin, "cos": np.cos,
              "tan": np.tan, "atan": np.arctan, "asin": np.arcsin, "acos": np.arccos,
              "sinh": np.sinh, "cosh": np.cosh, "asinh": np.arcsinh, "acosh": np.arccosh,
              "atanh": np.arctanh, "log2": np.log2, "log10": np.log10, "exp2": np.exp2,
              "cbrt": np.cbrt, "atan2": np.arctan2, "pow": np.power}
# numbax.numpy's name for each function added to vecmath with atan ... pow
NUMPY_NAMES = {"atan": "arctan", "asin": "arcsin", "acos": "arccos", "sinh": "sinh",
               "cosh": "cosh", "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh",
               "log2": "log2", "log10": "log10", "exp2": "exp2", "cbrt": "cbrt",
               "atan2": "arctan2", "pow": "power"}


def _points(dtype, lo, hi, n, rng):
    big = min(max(abs(lo), abs(hi)), float(np.finfo(dtype).max))
    tiny = float(np.finfo(dtype).smallest_subnormal)
    magnitudes = np.exp(rng.uniform(np.log(tiny), np.log(big), n))
    x = np.concatenate([rng.uniform(max(lo, -big), min(hi, big), n),
                        magnitudes * np.where(rng.random(n) < 0.5, -1, 1),
                        np.array(EDGES)])
    with np.errstate(over="ignore"):
        return x.astype(dtype)


@functools.cache  # one compile per function, shared by the tests and accuracy_rows
def _loop(fn):
    @numba.njit(error_model="numpy")
    def run(a, out):
        for i in range(a.shape[0]):
            out[i] = fn(a[i])
    return run


@functools.cache
def _loop2(fn):
    @numba.njit(error_model="numpy")
    def run(a, b, out):
        for i in range(a.shape[0]):
            out[i] = fn(a[i], b[i])
    return run


def _vecmath(name, dtype):
    return getattr(vecmath, vecmath.FUNCTIONS[name][dtype == np.float64])


def unary_sample(name, dtype, n=500_000):
    """The arguments a function's accuracy is measured on (the documented sample)."""
    rng = np.random.default_rng(7)
    x = _points(dtype, *DOMAINS[name], n, rng)
    if name in NEWER:
        lo, hi = FOCUS.get(name, DOMAINS[name])
        with np.errstate(over="ignore"):
            more = np.concatenate([rng.uniform(lo, hi, n // 2), MORE_EDGES]).astype(dtype)
        x = np.concatenate([x, more])
    if name in vecmath.LIMITED:  # kernels send larger arguments to libm
        x = x[~(np.abs(x) > vecmath.LIMITED[name][dtype == np.float64])]
    return (x,)


def _pairs(dtype, first, second, edges):
    """Both argument arrays, plus every pair of edge values."""
    ex, ey = np.meshgrid(np.array(edges), np.array(edges))
    with np.errstate(over="ignore"):
        return (np.concatenate([first, ex.ravel().astype(dtype)]),
                np.concatenate([second, ey.ravel().astype(dtype)]))


def binary_sample(name, dtype, n=500_000):
    rng = np.random.default_rng(11)
    if name == "atan2":
        y, x = _points(dtype, *WIDE, n, rng), _points(dtype, *WIDE, n, rng)
        y = np.concatenate([y, rng.uniform(-3, 3, n).astype(dtype)])
        x = np.concatenate([rng.permutation(x), rng.uniform(-3, 3, n).astype(dtype)])
        return _pairs(dtype, y, x, EDGES + MORE_EDGES[:12])
    # pow: bases of every magnitude and both signs, with exponents spanning every result
    # magnitude (y = z / log|x|), small integers, and uniform ones.
    x = _points(dtype, *WIDE, n, rng)
    with np.errstate(all="ignore"):
        span = (np.log(np.finfo(dtype).max), np.log(float(np.finfo(dtype).smallest_subnormal)))
        by_result = (rng.uniform(span[1] - 5, span[0] + 5, x.size) / np.log(np.abs(x)))
    y = np.where(rng.random(x.size) < 0.5, by_result, rng.uniform(-40, 40, x.size))
    y = np.where(rng.random(x.size) < 0.2, rng.integers(-12, 13, x.size), y)
    with np.errstate(over="ignore"):
        y = y.astype(dtype)
    # bases near 1 with large exponents: log(x) must carry more than 53 bits there
    near_one = (1 + rng.uniform(-1e-3, 1e-3, n)).astype(dtype)
    x = np.concatenate([x, near_one, -near_one])
    with np.errstate(divide="ignore", over="ignore"):
        big_y = rng.uniform(-700, 700, n) / np.log(near_one.astype(np.float64))
        y = np.concatenate([y, big_y.astype(dtype), np.rint(big_y).astype(dtype)])
    edges = EDGES + [3.0, -3.0, 0.5, -0.5, 1.5, -1.5, 2.0 ** 53, 2.0 ** 53 + 2, 2.0 ** 52 + 1,
                     -(2.0 ** 52 + 1), 1e20, -1e20, 7.0, -7.0, 1.0000000000000002]
    return _pairs(dtype, x, y, edges)


def evaluate(name, dtype, args):
    """(vecmath's results, NumPy's) on args."""
    got = np.empty_like(args[0])
    (_loop if len(args) == 1 else _loop2)(_vecmath(name, dtype))(*args, got)
    with np.errstate(all="ignore"):
        expected = np.asarray(REFERENCES[name](*args)).astype(dtype)
    return got, expected


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
# (erf, erfc, lgamma and digamma have no NumPy reference: tests/test_special.py measures them.)
@pytest.mark.parametrize("name", sorted(set(vecmath.FUNCTIONS) - set(vecmath.SPECIAL_FUNCTIONS)))
def test_vecmath_is_within_documented_ulps_of_numpy(name, dtype):
    args = (binary_sample if name in vecmath.BINARY else unary_sample)(name, dtype)
    got, expected = evaluate(name, dtype, args)
    err = ulp_error(got, expected)
    worst = int(np.argmax(err))
    assert err.max() <= MAX_ULP[dtype] + EXTRA_ULP.get((name, dtype), 0.0), (
        f"{name} {dtype.__name__}: {err.max()} ulp at {[a[worst] for a in args]!r}: "
        f"{got[worst]!r} vs {expected[worst]!r}")
    # Special values come out exactly as NumPy's: nans where NumPy has nans, and infinities
    # and zeros with NumPy's signs. The later functions also give the nans of arguments out of
    # their domain NumPy's sign bit (the CPU's invalid-operation nan), which programs compared
    # bit for bit would notice; the sign libm gives a nan argument varies (glibc's acos flips
    # it), so that is left free.
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    special = np.isinf(expected) | (expected == 0)
    if name in NEWER or name in vecmath.BINARY:
        special |= np.isnan(expected) & ~np.any([np.isnan(a) for a in args], axis=0)
    np.testing.assert_array_equal(np.signbit(got[special]), np.signbit(expected[special]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_vecmath_pow_is_exact_where_the_result_is_representable(dtype):
    x = np.arange(-60, 61, dtype=dtype)
    y = np.arange(-8, 9, dtype=dtype)
    x, y = (a.ravel() for a in np.meshgrid(x, y))
    with np.errstate(all="ignore"):
        expected = np.power(x, y)
    exact = np.abs(expected) < 2.0 ** np.finfo(dtype).nmant  # integers and their reciprocals
    got, _ = evaluate("pow", dtype, (x, y))
    integral = y >= 0
    np.testing.assert_array_equal(got[exact & integral], expected[exact & integral])
    assert ulp_error(got, expected).max() <= 1.0


def _host_has_simd() -> bool:
    import llvmlite.binding as llvm
    features = llvm.get_host_cpu_features()
    return any(features.get(f, False) for f in ("sse2", "avx", "avx2", "avx512f", "neon", "sve"))


def _exp_log_tanh_logistic(x, y):
    return xnp.tanh(xnp.exp(x * y + 1.0) * y) + xnp.log(x) * nb.nn.sigmoid(y)


def _inverse_hyperbolic_and_power(x, y):
    u = x * 0.45  # inside asin, acos and atanh's domain for x in (0, 2]
    total = xnp.arctan(x * y) + xnp.arcsin(u) + xnp.arccos(u) + xnp.arctanh(u)
    total = total + xnp.sinh(x) + xnp.cosh(y) + xnp.arcsinh(x - y) + xnp.arccosh(x + 1.0)
    total = total + xnp.log2(x) + xnp.log10(y) + xnp.exp2(x) + xnp.cbrt(x - y)
    return total + xnp.arctan2(x, y - 1.0) + xnp.power(x, y)


@pytest.mark.skipif(not _host_has_simd(), reason="the host CPU has no SIMD unit LLVM targets")
@pytest.mark.parametrize("f,calls", [
    (_exp_log_tanh_logistic, ["tanh", "logistic"]),
    (_inverse_hyperbolic_and_power, sorted(NUMPY_NAMES))], ids=["exp_log", "inverse_pow"])
@pytest.mark.parametrize("dtype,element", [(np.float64, "double"), (np.float32, "float")])
def test_fused_transcendental_loop_is_vectorised(f, calls, dtype, element):
    x = np.linspace(0.1, 2.0, 4096).astype(dtype)
    (source,) = nb.jit(f).lower(x, x).kernel_sources
    for name in calls:
        assert f"vm.{vecmath.FUNCTIONS[name][dtype == np.float64]}(" in source
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
    # No call is left in the loop (a call not inlined keeps the loop scalar).
    assert "vector.body" in llvm


def _same_length(arrays, n):
    return [np.resize(a, n) for a in arrays]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_jit_kernels_call_vecmath_within_documented_ulps(dtype):
    # Every function in one jit-compiled call (one kernel to compile), each on its own sample.
    names = sorted(NUMPY_NAMES)
    samples = [(binary_sample if name in vecmath.BINARY else unary_sample)(name, dtype, 1500)
               for name in names]
    arity = [len(args) for args in samples]
    flat = _same_length([a for args in samples for a in args], 4000)

    def f(*arrays):
        it = iter(arrays)
        return tuple(getattr(xnp, NUMPY_NAMES[name])(*[next(it) for _ in range(k)])
                     for name, k in zip(names, arity))

    sources = "\n".join(nb.jit(f).lower(*flat).kernel_sources)
    results = nb.jit(f)(*flat)
    it = iter(flat)
    for name, k, got in zip(names, arity, results):
        args = [next(it) for _ in range(k)]
        assert f"vm.{vecmath.FUNCTIONS[name][dtype == np.float64]}(" in sources, name
        with np.errstate(all="ignore"):
            expected = np.asarray(REFERENCES[name](*args)).astype(dtype)
        got = np.asarray(got)
        assert got.dtype == expected.dtype
        err = ulp_error(got, expected)
        worst = int(np.argmax(err))
        assert err.max() <= MAX_ULP[dtype], (
            f"{name}: {err.max()} ulp at {[a[worst] for a in args]!r}")
        np.testing.assert_array_equal(np.isnan(got), np.isnan(expected), err_msg=name)
        special = np.isinf(expected) | (expected == 0)
        np.testing.assert_array_equal(np.signbit(got[special]), np.signbit(expected[special]),
                                      err_msg=name)


def test_jit_pow_keeps_numpy_scalar_exponent_forms():
    # NumPy computes a scalar exponent 0.5, 2 or -1 as sqrt, square or reciprocal, whose
    # special values differ from pow's: (-0.0) ** 0.5 is -0.0 and (-inf) ** 0.5 is nan.
    x = np.array([-0.0, -np.inf, np.inf, 4.0, -2.0, 0.0, 3.0, 1e-310])
    exponents = (0.5, 2.0, -1.0, 3.0)
    got = nb.jit(lambda x: tuple(xnp.power(x, e) for e in exponents))(x)
    with np.errstate(all="ignore"):
        for e, result in zip(exponents, got):
            np.testing.assert_array_equal(result, np.power(x, e), err_msg=f"x ** {e}")


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


def accuracy_rows(names) -> list[str]:
    """docs/vecmath.md's accuracy figures: the max ulp error against NumPy over each
    function's test sample, float32 then float64."""
    rows = []
    for name in names:
        worst = []
        for dtype in (np.float32, np.float64):
            args = (binary_sample if name in vecmath.BINARY else unary_sample)(name, dtype)
            worst.append(ulp_error(*evaluate(name, dtype, args)).max())
        rows.append(f"| {name} | {worst[0]:.2f} | {worst[1]:.2f} |")
    return rows


if __name__ == "__main__":  # python tests/backends/test_vecmath.py [name ...]
    print("\n".join(accuracy_rows(sys.argv[1:] or sorted(vecmath.FUNCTIONS))))
