"""Complex arrays through numbax.numpy: values against NumPy eagerly and under jit, gradients
of real-valued compositions against finite differences along real and imaginary directions,
vmap against a loop, and NumPy's TypeError where it rejects complex input."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp

COMPLEX = [np.complex64, np.complex128]
NAN, INF = np.nan, np.inf


def _tol(dtype) -> dict:
    """For complex64 an eager value check only: the transforms are the same code as for
    complex128, and test_complex64_under_jit runs the complex64 kernels in one jit (so the
    test file stays fast)."""
    if np.dtype(dtype) == np.complex64:
        return {"atol": 2e-3, "rtol": 2e-3, "grad": False, "vmap": False, "jit": False}
    return {}


def _draw(rng, shape, dtype=np.complex128, away_from_axes: bool = True):
    """Random complex values; away_from_axes keeps |imag| >= 0.2, off the branch cuts of log,
    sqrt and the inverse functions (which lie on the real or imaginary axis)."""
    re, im = rng.normal(size=shape), rng.normal(size=shape)
    if away_from_axes:
        im = np.sign(im) * (0.2 + np.abs(im))
        re = np.sign(re) * (0.2 + np.abs(re))
    return (re + 1j * im).astype(dtype)


# Values where NumPy defines a result with nan and inf parts.
SPECIAL = np.array([complex(1, 2), complex(NAN, 0), complex(0, NAN), complex(INF, 1),
                    complex(1, -INF), complex(-INF, NAN), complex(1, 2), complex(0, 0),
                    complex(-0.0, 3), complex(1, -2), complex(NAN, NAN), complex(-1, 2)])


# name -> (numbax function, NumPy function, differentiable)
UNARY = {name: (getattr(xnp, name), getattr(np, name), True) for name in [
    "exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sinh", "cosh", "arcsin", "arccos",
    "arctan", "arcsinh", "arctanh", "log2", "log10", "exp2", "expm1", "log1p",
    "square", "reciprocal", "negative", "positive", "conj", "conjugate", "real", "imag",
    "abs", "absolute", "angle", "sinc", "arccosh"]}
# sign's derivative is 0, as JAX's.
UNARY.update({name: (getattr(xnp, name), getattr(np, name), False) for name in [
    "sign", "isnan", "isinf", "isfinite", "iscomplex", "isreal", "round", "rint", "sort_complex"]})
UNARY["angle_deg"] = (lambda z: xnp.angle(z, deg=True), lambda z: np.angle(z, deg=True), True)
UNARY["round2"] = (lambda z: xnp.round(z, 2), lambda z: np.round(z, 2), False)


@pytest.mark.parametrize("dtype", COMPLEX)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_against_numpy(numpy_function, rng, name, dtype):
    xfn, npfn, differentiable = UNARY[name]
    z = _draw(rng, (3, 4), dtype)
    numpy_function(xfn, npfn, z, **{"grad": differentiable, **_tol(dtype)})


def test_complex64_under_jit(same_array, rng):
    z = _draw(rng, (3, 4), np.complex64)
    w = _draw(rng, (4,), np.complex64)
    tables = [(name, xfn, npfn, (z,)) for name, (xfn, npfn, _) in UNARY.items()]
    tables += [(name, xfn, npfn, (z, w)) for name, (xfn, npfn, _) in BINARY.items()]
    tables += [(name, xfn, npfn, (z,)) for name, (xfn, npfn, _) in REDUCTIONS.items()]
    got = nb.jit(lambda z, w: [xfn(*(z, w)[:len(args)]) for _, xfn, _, args in tables])(z, w)
    for (name, _, npfn, args), g in zip(tables, got):
        want = npfn(*args)
        same_array(np.asarray(g, np.asarray(want).dtype), want, f"{name} of complex64 under jit",
                   exact_type=False)
        assert np.asarray(g).dtype == np.asarray(want).dtype, name


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "sign", "nan_to_num", "real",
                                  "imag", "conj", "abs", "iscomplex", "isreal", "round",
                                  "sort_complex", "exp", "square"])
@pytest.mark.parametrize("dtype", COMPLEX)
def test_unary_special_values(same_array, name, dtype):
    z = SPECIAL.astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = getattr(np, name)(z)
        for fn in (getattr(xnp, name), nb.jit(getattr(xnp, name))):
            same_array(fn(z), want, f"{name} of nan and inf parts", exact_type=False)


# name -> (numbax function, NumPy function, differentiable)
BINARY = {name: (getattr(xnp, name), getattr(np, name), True) for name in [
    "add", "subtract", "multiply", "divide", "true_divide", "power", "float_power"]}
BINARY.update({name: (getattr(xnp, name), getattr(np, name), False) for name in [
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "maximum",
    "minimum", "fmax", "fmin", "isclose"]})


@pytest.mark.parametrize("dtype", COMPLEX)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_against_numpy(numpy_function, rng, name, dtype):
    xfn, npfn, differentiable = BINARY[name]
    a, b = _draw(rng, (3, 4), dtype), _draw(rng, (4,), dtype)
    # Ties in the real parts exercise the lexicographic order's second key.
    b[1] = a[0, 1].real + 1j * b[1].imag
    numpy_function(xfn, npfn, a, b, **{"grad": differentiable, **_tol(dtype)})


@pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin", "less", "less_equal",
                                  "greater", "greater_equal", "equal", "not_equal",
                                  "isclose"])
@pytest.mark.parametrize("dtype", COMPLEX)
def test_binary_special_values(same_array, name, dtype):
    # Every pair of special values: nan in either part, infinities, ties of the real parts.
    z = SPECIAL.astype(dtype)
    a, b = np.repeat(z, z.size), np.tile(z, z.size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = getattr(np, name)(a, b)
        for fn in (getattr(xnp, name), nb.jit(getattr(xnp, name))):
            same_array(fn(a, b), want, f"{name} of nan and inf parts", exact_type=False)


def test_python_complex_scalars_are_weak(same_array):
    x32 = np.arange(3, dtype=np.float32)
    assert nb.jit(lambda x: x + 1j)(x32).dtype == np.complex64
    assert nb.jit(lambda x: 1j * x)(x32).dtype == np.complex64
    assert xnp.add(np.arange(3), 1j).dtype == np.complex128
    assert xnp.multiply(np.ones(2, np.complex64), 2.5).dtype == np.complex64
    same_array(nb.jit(lambda x: (x + 1j) * 2)(x32), (x32 + 1j) * 2, "x + 1j",
                      exact_type=False)


# name -> (numbax function, NumPy function, differentiable)
REDUCTIONS = {
    "sum": (xnp.sum, np.sum, True),
    "sum_axis": (lambda z: xnp.sum(z, axis=0), lambda z: np.sum(z, axis=0), True),
    "prod": (lambda z: xnp.prod(z, axis=1), lambda z: np.prod(z, axis=1), True),
    "mean": (lambda z: xnp.mean(z, axis=1), lambda z: np.mean(z, axis=1), True),
    "var": (lambda z: xnp.var(z, axis=0), lambda z: np.var(z, axis=0), True),
    "var_ddof": (lambda z: xnp.var(z, ddof=1), lambda z: np.var(z, ddof=1), True),
    "std": (lambda z: xnp.std(z, axis=1), lambda z: np.std(z, axis=1), True),
    "cumsum": (lambda z: xnp.cumsum(z, axis=1), lambda z: np.cumsum(z, axis=1), True),
    "cumprod": (lambda z: xnp.cumprod(z, axis=0), lambda z: np.cumprod(z, axis=0), True),
    "average": (lambda z: xnp.average(z, axis=0, weights=np.array([1.0, 2.0, 3.0])),
                lambda z: np.average(z, axis=0, weights=np.array([1.0, 2.0, 3.0])), True),
    "max": (lambda z: xnp.max(z, axis=1), lambda z: np.max(z, axis=1), True),
    "min": (xnp.min, np.min, True),
    "max_keepdims": (lambda z: xnp.max(z, axis=0, keepdims=True),
                     lambda z: np.max(z, axis=0, keepdims=True), True),
    "ptp": (lambda z: xnp.ptp(z, axis=0), lambda z: np.ptp(z, axis=0), True),
    "argmax": (lambda z: xnp.argmax(z, axis=1), lambda z: np.argmax(z, axis=1), False),
    "argmin": (xnp.argmin, np.argmin, False),
    "sort": (lambda z: xnp.sort(z, axis=0), lambda z: np.sort(z, axis=0), True),
    "argsort": (xnp.argsort, np.argsort, False),
    "median": (lambda z: xnp.median(z, axis=1), lambda z: np.median(z, axis=1), True),
    "diff": (lambda z: xnp.diff(z, axis=1), lambda z: np.diff(z, axis=1), True),
    "gradient": (lambda z: xnp.gradient(z, axis=1), lambda z: np.gradient(z, axis=1), True),
    "trace": (xnp.trace, np.trace, True),
}


@pytest.mark.parametrize("dtype", COMPLEX)
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reductions_against_numpy(numpy_function, rng, name, dtype):
    xfn, npfn, differentiable = REDUCTIONS[name]
    z = _draw(rng, (3, 4), dtype)
    numpy_function(xfn, npfn, z, **{"grad": differentiable, **_tol(dtype)})
    # A tie of real parts (the lexicographic order's second key; not differentiable there).
    z[1, 2] = z[0, 2].real + 0.5j
    numpy_function(xfn, npfn, z, **{**_tol(dtype), "grad": False})


@pytest.mark.parametrize("name, dtype", [(name, np.complex128) for name in [
    "sum", "mean", "var", "max", "min", "argmax", "argmin", "nansum", "nanmean", "nanvar",
    "nanmax", "nanmin", "nanargmax", "nanargmin", "median", "sort", "argsort", "unique"]]
    + [(name, np.complex64) for name in ["max", "nanvar", "sort"]])
def test_reductions_with_nan_parts(same_array, name, dtype):
    z = SPECIAL.astype(dtype).reshape(3, 4)
    if name in ("nanmax", "nanmin", "nanargmax", "nanargmin", "median"):
        # NumPy compares the infinities oddly here, and its median of one middle element
        # divides it by 1 (1 - inf j becomes nan - inf j).
        z = np.where(np.isinf(z), 1 + 1j, z)
    xfn, npfn = getattr(xnp, name), getattr(np, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for args in ((z,), (z, 0)) if name != "unique" else ((z,),):
            want = npfn(*args)
            for fn in (xfn, nb.jit(xfn, static_argnums=(1,) if len(args) > 1 else ())):
                if name == "unique" and fn is not xfn:
                    continue  # unique's size depends on the values
                same_array(fn(*args), want, f"{name} with nan parts", exact_type=False)


# name -> (numbax function, NumPy function, second operand's shape)
PRODUCTS = {
    "dot": (xnp.dot, np.dot, (4, 2)),
    "matmul": (xnp.matmul, np.matmul, (4, 2)),
    "vdot": (xnp.vdot, np.vdot, (3, 4)),
    "inner": (xnp.inner, np.inner, (2, 4)),
    "outer": (xnp.outer, np.outer, (5,)),
    "tensordot": (lambda a, b: xnp.tensordot(a, b, 1), lambda a, b: np.tensordot(a, b, 1),
                  (4, 2)),
    "einsum": (lambda a, b: xnp.einsum("ij,jk->ik", a, b),
               lambda a, b: np.einsum("ij,jk->ik", a, b), (4, 2)),
    "kron": (xnp.kron, np.kron, (2, 2)),
    "cross": (xnp.cross, np.cross, (3, 3)),
}


@pytest.mark.parametrize("dtype", COMPLEX)
@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_products_against_numpy(numpy_function, rng, name, dtype):
    xfn, npfn, shape = PRODUCTS[name]
    a = _draw(rng, (3, 3) if name == "cross" else (3, 4), dtype)
    numpy_function(xfn, npfn, a, _draw(rng, shape, dtype),
                   **_tol(dtype))


@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_convolve_and_correlate(numpy_function, rng, name, mode):
    # numpy.correlate conjugates its second argument.
    numpy_function(lambda a, v: getattr(xnp, name)(a, v, mode),
                   lambda a, v: getattr(np, name)(a, v, mode),
                   _draw(rng, (5,)), _draw(rng, (3,)))


def test_mixed_real_and_complex_products(numpy_function, rng):
    numpy_function(xnp.matmul, np.matmul, rng.normal(size=(2, 3)).astype(np.float32),
                   _draw(rng, (3, 2), np.complex64), atol=2e-3, rtol=2e-3)
    numpy_function(xnp.vdot, np.vdot, _draw(rng, (4,)), rng.normal(size=4))


def test_statistics(numpy_function, rng):
    z = _draw(rng, (2, 5))
    numpy_function(xnp.cov, np.cov, z)
    numpy_function(xnp.corrcoef, np.corrcoef, z, grad=False)
    x, xp = np.linspace(-0.5, 2.5, 7), np.array([0.0, 1.0, 2.0])
    numpy_function(lambda fp: xnp.interp(x, xp, fp), lambda fp: np.interp(x, xp, fp),
                   _draw(rng, (3,)))
    numpy_function(lambda z: xnp.searchsorted(np.sort(SPECIAL), z),
                   lambda z: np.searchsorted(np.sort(SPECIAL), z), SPECIAL, grad=False,
                   vmap=False)


@pytest.mark.parametrize("dtype", COMPLEX)
def test_creation(same_array, dtype):
    assert (xnp.complex64, xnp.complex128, xnp.csingle, xnp.cdouble) == (
        np.complex64, np.complex128, np.complex64, np.complex128)
    assert xnp.issubdtype(xnp.complex64, xnp.complexfloating) and xnp.complex_ is np.complex128
    cases = [
        (xnp.zeros((2, 3), dtype), np.zeros((2, 3), dtype)),
        (xnp.ones(3, dtype), np.ones(3, dtype)),
        (xnp.full((2,), 1 - 2j, dtype), np.full((2,), 1 - 2j, dtype)),
        (xnp.full((2,), 1 - 2j), np.full((2,), 1 - 2j)),
        (xnp.eye(3, k=1, dtype=dtype), np.eye(3, k=1, dtype=dtype)),
        (xnp.arange(4, dtype=dtype), np.arange(4, dtype=dtype)),
        (xnp.linspace(0, 1 + 2j, 5, dtype=dtype), np.linspace(0, 1 + 2j, 5, dtype=dtype)),
        (xnp.asarray([1j, 2], dtype), np.asarray([1j, 2], dtype)),
        (xnp.zeros_like(np.ones(2, dtype)), np.zeros_like(np.ones(2, dtype))),
        (xnp.astype(np.array([1.5, 2.0]), dtype), np.array([1.5, 2.0]).astype(dtype)),
    ]
    for i, (got, want) in enumerate(cases):
        same_array(got, want, f"creation case {i}", exact_type=False)
    traced = nb.jit(lambda a: xnp.linspace(a, 1 + 2j, 5))(np.complex128(-1j))
    same_array(traced, np.linspace(-1j, 1 + 2j, 5), "traced linspace", exact_type=False)


def test_tracer_methods(same_array, rng):
    z = _draw(rng, (3,))

    def f(z):
        return (z.real, z.imag, z.conj(), z.conjugate(), abs(z), z.astype(np.complex64),
                z.real.astype(complex), xnp.real(z * 1j))

    want = (z.real, z.imag, z.conj(), z.conjugate(), abs(z), z.astype(np.complex64),
            z.real.astype(complex), np.real(z * 1j))
    for i, (g, w) in enumerate(zip(nb.jit(f)(z), want)):
        same_array(g, w, f"method {i}", exact_type=False)
    assert nb.jit(lambda z: z.real)(np.ones(2)).dtype == np.float64
    # complex() of a concrete value works; inside jit it needs a concrete value.
    assert complex(nb.vmap(lambda z: z)(np.array([1 + 2j]))[0]) == 1 + 2j
    with pytest.raises(Exception, match="complex"):
        nb.jit(lambda z: complex(z))(np.complex128(1j))


# Real-valued functions of complex arrays: grad returns df/dx - i df/dy (JAX's convention).
REAL_VALUED = {
    "abs2": lambda z: xnp.sum(xnp.abs(z) ** 2),
    "abs_exp": lambda z: xnp.sum(xnp.abs(xnp.exp(z) * z)),
    "real_log": lambda z: xnp.sum(xnp.real(xnp.log(z)) * xnp.imag(z)),
    "angle": lambda z: xnp.sum(xnp.angle(z) ** 2),
    "var": lambda z: xnp.var(z),
    "max_abs": lambda z: xnp.real(xnp.max(z)) + xnp.imag(xnp.min(z)),
    "vdot": lambda z: xnp.real(xnp.vdot(z, z[::-1] * (1 + 2j))),
    "sqrt_sin": lambda z: xnp.sum(xnp.imag(xnp.sqrt(xnp.sin(z))) * xnp.real(z)),
    "mean_cumprod": lambda z: xnp.real(xnp.mean(xnp.cumprod(z) * xnp.conj(z))),
    "sign": lambda z: xnp.sum(xnp.real(xnp.sign(z) * xnp.conj(z)) * xnp.arange(4)),
}


def _finite_difference(f, z, direction, eps=1e-6):
    return (f(z + eps * direction) - f(z - eps * direction)) / (2 * eps)


@pytest.mark.parametrize("name", sorted(REAL_VALUED))
def test_grad_along_real_and_imaginary_directions(rng, name):
    f = REAL_VALUED[name]
    z = _draw(rng, (4,))
    g = nb.grad(f)(z)
    for k in (0, 3):
        e = np.eye(z.size)[k]
        d_re = _finite_difference(lambda w: float(f(w)), z, e)
        d_im = _finite_difference(lambda w: float(f(w)), z, 1j * e)
        np.testing.assert_allclose(g[k].real, d_re, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(-g[k].imag, d_im, rtol=1e-5, atol=1e-6)
    if name in ("abs_exp", "max_abs", "var"):  # a few: each compiles its own kernels
        np.testing.assert_allclose(nb.jit(nb.grad(f))(z), g, rtol=1e-12)
        batched = nb.vmap(nb.grad(f))(np.stack([z, 2 * z]))
        np.testing.assert_allclose(batched, np.stack([g, nb.grad(f)(2 * z)]), rtol=1e-12)


def test_jvp_and_vjp_of_complex_functions(rng):
    z = _draw(rng, (4,))
    f = lambda z: xnp.exp(z) * xnp.conj(z) + xnp.sort_complex(z)  # noqa: E731
    for t in (np.ones(4), 1j * np.ones(4)):
        _, tangent = nb.jvp(f, (z,), (t.astype(complex),))
        np.testing.assert_allclose(tangent, _finite_difference(f, z, t), rtol=1e-6)
    out, pullback = nb.vjp(f, z)
    ct = _draw(rng, (4,))
    (got,) = pullback(ct)
    # Cotangents pair with tangents as Re(sum(ct * t)), without conjugation.
    for t in (np.eye(4)[1], 1j * np.eye(4)[2]):
        lhs = np.real(np.sum(got * t))
        rhs = np.real(np.sum(ct * _finite_difference(f, z, t)))
        np.testing.assert_allclose(lhs, rhs, rtol=1e-6)


def test_holomorphic_grad(rng):
    z = np.complex128(0.3 + 0.7j)
    got = nb.grad(lambda z: xnp.sin(z) * xnp.exp(z), holomorphic=True)(z)
    np.testing.assert_allclose(got, np.cos(z) * np.exp(z) + np.sin(z) * np.exp(z))


@pytest.mark.parametrize("fn, args", [
    (xnp.floor, (SPECIAL,)), (xnp.ceil, (SPECIAL,)), (xnp.trunc, (SPECIAL,)),
    (xnp.fix, (SPECIAL,)), (xnp.cbrt, (SPECIAL,)), (xnp.fabs, (SPECIAL,)),
    (xnp.signbit, (SPECIAL,)), (xnp.isposinf, (SPECIAL,)), (xnp.isneginf, (SPECIAL,)),
    (xnp.deg2rad, (SPECIAL,)), (xnp.spacing, (SPECIAL,)), (xnp.frexp, (SPECIAL,)),
    (xnp.modf, (SPECIAL,)), (xnp.i0, (SPECIAL,)),
    (xnp.fmod, (SPECIAL, 2.0)), (xnp.remainder, (SPECIAL, 2.0)),
    (xnp.floor_divide, (SPECIAL, 2.0)), (xnp.divmod, (1.0, SPECIAL)),
    (xnp.arctan2, (SPECIAL, 1.0)), (xnp.hypot, (SPECIAL, 1.0)),
    (xnp.copysign, (SPECIAL, 1.0)), (xnp.nextafter, (SPECIAL, 1.0)),
    (xnp.logaddexp, (SPECIAL, 1.0)), (xnp.heaviside, (SPECIAL, 1.0)),
    (xnp.ldexp, (SPECIAL, 2)), (xnp.clip, (SPECIAL, 0, 1)), (xnp.clip, (1.0, 0j, 2)),
])
def test_complex_input_rejected(fn, args):
    with pytest.raises(TypeError, match="complex input"):
        fn(*args)
    with pytest.raises(TypeError, match="complex input"):
        nb.jit(fn)(*args)


@pytest.mark.parametrize("fn, args", [
    (xnp.quantile, (SPECIAL, 0.5)), (xnp.percentile, (SPECIAL, 50)), (xnp.histogram, (SPECIAL,)),
    (xnp.digitize, (SPECIAL, np.arange(3.0))), (xnp.unwrap, (SPECIAL,)),
])
def test_complex_statistics_rejected(fn, args):
    with pytest.raises(TypeError, match="must be real, got a complex array"):
        fn(*args)


@pytest.mark.parametrize("mode", ["constant", "edge", "linear_ramp", "maximum", "mean",
                                  "median", "reflect"])
def test_pad(numpy_function, rng, mode):
    kwargs = {"end_values": 1 + 1j} if mode == "linear_ramp" else {}
    numpy_function(lambda z: xnp.pad(z, 2, mode, **kwargs),
                   lambda z: np.pad(z, 2, mode, **kwargs), _draw(rng, (2, 3)),
                   grad=mode != "median")


def test_updates_and_fill(numpy_function, rng):
    z = _draw(rng, (2, 3))
    numpy_function(lambda z: xnp.at(xnp.at(z)[0, 1].multiply(1j))[1].max(0.5 + 0j),
                   _at_reference, z, grad=False)
    # Out-of-range gathers fill complex arrays with nan + 0j, as JAX's.
    got = xnp.take(z.ravel(), np.array([0, 10]), mode="fill")
    np.testing.assert_equal(got, np.array([z.flat[0], complex(NAN, 0)]))


def _at_reference(z):
    out = z.copy()
    out[0, 1] *= 1j
    out[1] = np.maximum(out[1], 0.5 + 0j)
    return out
