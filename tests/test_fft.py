"""numbax.numpy.fft and lax.fft against numpy.fft: values eagerly and under jit, derivatives
against finite differences along real and imaginary directions, transposes by dot-product
tests under numbax's pairing Re(sum(ct * t)), vmap against loops, and errors."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax import lax
from numbax.test_util import check_grads

NORMS = (None, "backward", "ortho", "forward")
REAL_IN = ("rfft", "ihfft", "rfftn", "rfft2")
DTYPES = (np.float32, np.float64, np.complex64, np.complex128)


def _cases(names):
    """(name, dtype) pairs, complex dtypes only for transforms that take complex input."""
    return [(n, d) for n in names for d in DTYPES if n not in REAL_IN or np.dtype(d).kind == "f"]


def _draw(rng, shape, dtype):
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _tol(dtype) -> dict:
    single = np.dtype(dtype) in (np.float32, np.complex64)
    return {"rtol": 2e-4, "atol": 2e-4} if single else {"rtol": 1e-10, "atol": 1e-10}


def _assert_matches(got, want, what: str) -> None:
    assert isinstance(got, np.ndarray), f"{what}: got a {type(got)}, not a numpy.ndarray"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, expected {want.dtype}"
    assert got.shape == want.shape, f"{what}: shape {got.shape}, expected {want.shape}"
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    tol = _tol(want.dtype)
    np.testing.assert_allclose(got, want, rtol=tol["rtol"], atol=tol["atol"] * scale,
                               err_msg=what)


def _check_values(xfn, npfn, x, jit: bool = True) -> None:
    want = npfn(x)
    _assert_matches(xfn(x), want, "eager")
    if jit:
        for backend in ("numba", "interpreter"):
            _assert_matches(nb.jit(xfn, backend=backend)(x), want, f"jit({backend})")


# ---------------------------------------------------------------------------------------------
# Values against numpy.fft


@pytest.mark.parametrize("name, dtype", _cases(["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]))
def test_1d_transforms_match_numpy_eagerly(name, dtype, rng):
    xfn, npfn = getattr(xnp.fft, name), getattr(np.fft, name)
    for size in (7, 8):
        x = _draw(rng, (3, size), dtype)
        for n in (None, 5, 6, 11, 12):
            for norm in NORMS:
                want = npfn(x, n=n, norm=norm)
                _assert_matches(xfn(x, n=n, norm=norm), want, f"{name} n={n} norm={norm}")
        _assert_matches(xfn(x, axis=0), npfn(x, axis=0), f"{name} axis=0")


@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"])
def test_1d_transforms_match_numpy_under_jit(name, rng):
    dtype = np.float32 if name in REAL_IN else np.complex64
    x = _draw(rng, (2, 7), dtype)
    _check_values(lambda a: getattr(xnp.fft, name)(a, n=9, norm="ortho"),
                  lambda a: getattr(np.fft, name)(a, n=9, norm="ortho"), x)
    x = _draw(rng, (6, 2), np.float64)
    _check_values(lambda a: getattr(xnp.fft, name)(a, axis=0),
                  lambda a: getattr(np.fft, name)(a, axis=0), x)


@pytest.mark.parametrize("name, dtype", _cases(["fftn", "ifftn", "rfftn", "irfftn",
                                                 "fft2", "ifft2", "rfft2", "irfft2"]))
def test_nd_transforms_match_numpy(name, dtype, rng):
    xfn, npfn = getattr(xnp.fft, name), getattr(np.fft, name)
    x = _draw(rng, (3, 4, 5), dtype)
    cases = [{}, {"s": (4, 6)}, {"axes": (0, 2)}, {"s": (2, 7), "axes": (2, 0)},
             {"s": (-1, 3), "axes": (-1, 1)}]
    if name.endswith("n"):
        cases += [{"s": (5, 3, 8)}, {"axes": (1,)}]
    for kwargs in cases:
        for norm in NORMS:
            # NumPy 2 deprecates s without axes; its meaning (the last len(s) axes) is given.
            ref = kwargs if "axes" in kwargs or "s" not in kwargs or not name.endswith("n") \
                else {**kwargs, "axes": tuple(range(-len(kwargs["s"]), 0))}
            want = npfn(x, norm=norm, **ref)
            _assert_matches(xfn(x, norm=norm, **kwargs), want, f"{name} {kwargs} norm={norm}")


@pytest.mark.parametrize("name", ["fftn", "irfftn", "rfft2", "ifft2"])
def test_nd_transforms_under_jit(name, rng):
    dtype = np.float64 if name in REAL_IN else np.complex128
    x = _draw(rng, (2, 3, 5), dtype)
    _check_values(lambda a: getattr(xnp.fft, name)(a, s=(4, 6), axes=(0, 2), norm="forward"),
                  lambda a: getattr(np.fft, name)(a, s=(4, 6), axes=(0, 2), norm="forward"), x)


def test_integer_and_float16_inputs_are_promoted():
    x = np.arange(6).reshape(2, 3)
    _assert_matches(xnp.fft.fft(x), np.fft.fft(x), "int fft")
    _assert_matches(xnp.fft.irfft(x), np.fft.irfft(x), "int irfft")
    _assert_matches(xnp.fft.rfftn([True, False, True]), np.fft.rfftn([True, False, True]), "bool")
    got = xnp.fft.fft(x.astype(np.float16))
    assert got.dtype == np.complex64
    np.testing.assert_allclose(got, np.fft.fft(x), rtol=1e-5, atol=1e-5)


def test_one_primitive_for_a_batch_of_transforms():
    closed = nb.make_jaxpr(lambda a: xnp.fft.fft2(a))(np.zeros((4, 3, 5), np.complex128))
    names = [eqn.primitive.name for eqn in closed.jaxpr.eqns]
    assert names.count("fft") == 1, names


@pytest.mark.parametrize("n", [1, 4, 7])
@pytest.mark.parametrize("d", [1.0, 0.25])
def test_frequencies_match_numpy(n, d):
    _assert_matches(xnp.fft.fftfreq(n, d), np.fft.fftfreq(n, d), "fftfreq")
    _assert_matches(xnp.fft.rfftfreq(n, d), np.fft.rfftfreq(n, d), "rfftfreq")
    got = xnp.fft.fftfreq(n, d, dtype=np.float32)
    _assert_matches(got, np.fft.fftfreq(n, d).astype(np.float32), "fftfreq float32")


def test_frequencies_with_a_traced_spacing():
    for xfn, npfn in ((xnp.fft.fftfreq, np.fft.fftfreq), (xnp.fft.rfftfreq, np.fft.rfftfreq)):
        got = nb.jit(lambda d, f=xfn: f(6, d))(np.float64(0.5))
        _assert_matches(got, npfn(6, 0.5), xfn.__name__)
        w = np.arange(1.0, len(npfn(5)) + 1)
        g = nb.grad(lambda d, f=xfn, w=w: xnp.sum(f(5, d) * w))(2.0)  # d/dd sum(w bins / (5 d))
        np.testing.assert_allclose(g, -np.sum(w * npfn(5, 1.0)) / 4.0)


@pytest.mark.parametrize("axes", [None, 0, -1, (0, 2), [2]])
def test_shifts_match_numpy(axes):
    x = np.arange(2 * 5 * 4).reshape(2, 5, 4).astype(np.float64)
    for name in ("fftshift", "ifftshift"):
        xfn, npfn = getattr(xnp.fft, name), getattr(np.fft, name)
        _check_values(lambda a, f=xfn: f(a, axes=axes), lambda a, f=npfn: f(a, axes=axes), x,
                      jit=axes is None)
    z = _draw(np.random.default_rng(0), (5,), np.complex128)
    _assert_matches(xnp.fft.ifftshift(xnp.fft.fftshift(z)), z, "ifftshift(fftshift(z))")


# ---------------------------------------------------------------------------------------------
# lax.fft and its transposes


LAX_CASES = [("FFT", (5,), (2, 5), np.complex128), ("FFT", (3, 4), (2, 3, 4), np.complex64),
             ("IFFT", (6,), (6,), np.complex128), ("IFFT", (2, 3, 5), (2, 3, 5), np.complex128),
             ("RFFT", (7,), (3, 7), np.float64), ("RFFT", (3, 8), (3, 8), np.float32),
             ("IRFFT", (7,), (2, 4), np.complex128), ("IRFFT", (8,), (5,), np.complex128),
             ("IRFFT", (3, 6), (2, 3, 4), np.complex64)]


@pytest.mark.parametrize("fft_type, lengths, shape, dtype", LAX_CASES)
def test_lax_fft_matches_numpy(fft_type, lengths, shape, dtype, rng):
    x = _draw(rng, shape, dtype)
    axes = tuple(range(len(shape) - len(lengths), len(shape)))
    npfn = {"FFT": np.fft.fftn, "IFFT": np.fft.ifftn, "RFFT": np.fft.rfftn,
            "IRFFT": np.fft.irfftn}[fft_type]
    want = npfn(x, s=lengths, axes=axes)
    _assert_matches(lax.fft(x, fft_type, lengths), want, fft_type)
    _assert_matches(lax.fft(x, getattr(lax.FftType, fft_type), lengths), want, "FftType")


@pytest.mark.parametrize("fft_type, lengths, shape, dtype", LAX_CASES)
def test_transpose_dot_product(fft_type, lengths, shape, dtype, rng):
    # <ct, A t> == <Aᵀ ct, t>, both paired as Re(sum(a * b)) without conjugation.
    x = _draw(rng, shape, dtype)
    out, f_vjp = nb.vjp(lambda a: lax.fft(a, fft_type, lengths), x)
    for _ in range(3):
        t, ct = _draw(rng, shape, dtype), _draw(rng, out.shape, out.dtype)
        (ct_in,) = f_vjp(ct)
        assert ct_in.dtype == x.dtype and ct_in.shape == x.shape
        lhs = np.real(np.sum(ct * lax.fft(t, fft_type, lengths)))
        rhs = np.real(np.sum(ct_in * t))
        np.testing.assert_allclose(lhs, rhs, **_tol(dtype))


@pytest.mark.parametrize("fft_type, lengths, shape, dtype", LAX_CASES[::2])
def test_lax_fft_batching(fft_type, lengths, shape, dtype, rng):
    # The batch axis is the last of the stacked input, not a leading one.
    xs = _draw(rng, shape + (3,), dtype)
    got = nb.vmap(lambda a: lax.fft(a, fft_type, lengths), in_axes=-1)(xs)
    want = np.stack([lax.fft(xs[..., i], fft_type, lengths) for i in range(3)])
    _assert_matches(got, want, "vmap")


# ---------------------------------------------------------------------------------------------
# Derivatives


def _fd_directional(f, z, d, eps=1e-6):
    return (f(z + eps * d) - f(z - eps * d)) / (2 * eps)


@pytest.mark.parametrize("name", ["fft", "ifft", "irfft", "hfft", "fft2", "irfftn"])
def test_complex_input_derivatives_along_real_and_imaginary_directions(name, rng):
    f = getattr(xnp.fft, name)
    z = _draw(rng, (3, 4), np.complex128)
    for d in (np.ones_like(z), 1j * np.ones_like(z), _draw(rng, z.shape, np.complex128)):
        _, t_out = nb.jvp(f, (z,), (d,))
        np.testing.assert_allclose(t_out, _fd_directional(f, z, d), rtol=1e-6, atol=1e-6)
        out, f_vjp = nb.vjp(f, z)
        ct = _draw(rng, out.shape, out.dtype)
        lhs = np.real(np.sum(f_vjp(ct)[0] * d))
        rhs = np.real(np.sum(ct * _fd_directional(f, z, d)))
        np.testing.assert_allclose(lhs, rhs, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name, kwargs", [("fft", {"n": 5, "norm": "ortho"}),
                                          ("rfft", {"n": 6}), ("ihfft", {"norm": "forward"}),
                                          ("irfft", {"n": 9}), ("rfftn", {"s": (2, 3)}),
                                          ("ifftn", {"axes": (0,)})])
def test_check_grads(name, kwargs, rng):
    dtype = np.float64 if name in ("rfft", "ihfft", "rfftn") else np.complex128
    x = _draw(rng, (3, 4), dtype)
    check_grads(lambda a: getattr(xnp.fft, name)(a, **kwargs), (x,), order=2)


def _power(x):
    spectrum = xnp.fft.rfft(x)
    return xnp.sum(lax.real(spectrum) ** 2 + lax.imag(spectrum) ** 2)


def _power_grad_closed_form(x):
    # Parseval: the full spectrum's power is n sum(x²); rfft keeps bin 0 (and n/2 for even
    # n) once and the others once for two, so sum |rfft x|² = (n sum(x²) + X₀² [+ X_{n/2}²]) / 2.
    n = x.shape[-1]
    g = n * x + np.sum(x)
    if n % 2 == 0:
        alt = (-1.0) ** np.arange(n)
        g = g + np.sum(x * alt) * alt
    return g


@pytest.mark.parametrize("n", [7, 8])
def test_grad_of_spectral_power_is_parseval(n, rng):
    x = rng.standard_normal(n)
    np.testing.assert_allclose(_power(x), np.sum(np.abs(np.fft.rfft(x)) ** 2))
    g = nb.grad(_power)(x)
    np.testing.assert_allclose(g, _power_grad_closed_form(x), rtol=1e-10)
    np.testing.assert_allclose(g, [_fd_directional(_power, x, e) for e in np.eye(n)],
                               rtol=1e-6)
    closed = nb.make_jaxpr(nb.grad(_power))(x)  # the gradient is a program, run again
    assert "fft" in {eqn.primitive.name for eqn in closed.jaxpr.eqns}


def test_grad_of_abs_squared_with_complex_abs(rng):
    for n in (7, 8):
        x = rng.standard_normal(n)
        g = nb.grad(lambda a: xnp.sum(xnp.abs(xnp.fft.rfft(a)) ** 2))(x)
        np.testing.assert_allclose(g, _power_grad_closed_form(x), rtol=1e-9)


def test_grad_composes_with_jit_and_vmap(rng):
    xs = rng.standard_normal((4, 6))
    want = np.stack([_power_grad_closed_form(x) for x in xs])
    np.testing.assert_allclose(nb.jit(nb.vmap(nb.grad(_power)))(xs), want, rtol=1e-10)
    np.testing.assert_allclose(nb.vmap(nb.jit(nb.grad(_power)))(xs), want, rtol=1e-10)
    # vmap over a non-leading axis against a loop, for a complex-input gradient.
    zs = _draw(rng, (5, 3), np.complex128)

    def loss(z):
        y = xnp.fft.ifft(z, n=6, norm="ortho")
        return xnp.sum(lax.real(y) * np.arange(6.0) + lax.imag(y) ** 2)

    got = nb.vmap(nb.jit(nb.grad(loss)), in_axes=1, out_axes=1)(zs)
    want = np.stack([nb.grad(loss)(zs[:, i]) for i in range(3)], axis=1)
    _assert_matches(got, want, "vmap(grad) in_axes=1")


@pytest.mark.parametrize("name", ["fft", "rfft", "irfft", "hfft", "ihfft", "fft2", "rfftn",
                                  "fftshift"])
def test_vmap_over_a_non_leading_axis(name, rng):
    dtype = np.float64 if name in REAL_IN + ("fftshift",) else np.complex128
    xs = _draw(rng, (4, 3, 5), dtype)
    f = getattr(xnp.fft, name)
    got = nb.vmap(f, in_axes=1)(xs)
    want = np.stack([f(xs[:, i]) for i in range(3)])
    _assert_matches(got, want, f"vmap({name})")


# ---------------------------------------------------------------------------------------------
# Errors


def test_bad_lengths_norms_and_axes():
    x = np.ones((2, 4))
    with pytest.raises(ValueError, match=r"invalid number of FFT data points \(0\)"):
        xnp.fft.fft(x, n=0)
    with pytest.raises(ValueError, match=r"invalid number of FFT data points \(0\)"):
        xnp.fft.irfft(np.ones(1))
    with pytest.raises(ValueError, match=r"data points \(-2\) specified in s"):
        xnp.fft.fftn(x, s=(2, -2))
    with pytest.raises(TypeError, match="n must be an int"):
        xnp.fft.fft(x, n=2.5)
    with pytest.raises(ValueError, match="Invalid norm value 'unitary'"):
        xnp.fft.rfft(x, norm="unitary")
    with pytest.raises(ValueError, match="shape and axes have different lengths"):
        xnp.fft.fftn(x, s=(2,), axes=(0, 1))
    with pytest.raises(ValueError, match="does not support repeated axes"):
        xnp.fft.fftn(x, axes=(1, 1))
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        xnp.fft.fft(x, axis=2)
    with pytest.raises(TypeError, match="rfft needs a real input, got complex128"):
        xnp.fft.rfft(x + 1j)
    with pytest.raises(TypeError, match="dtype must be a float or complex dtype"):
        xnp.fft.fftfreq(4, dtype=np.int32)


def test_traced_length_is_refused():
    with pytest.raises(TypeError, match="n must be a static Python number"):
        nb.jit(lambda x, n: xnp.fft.fft(x, n=n))(np.ones(4), 3)


def test_lax_fft_is_strict():
    with pytest.raises(TypeError, match="FFT needs a complex64 or complex128 operand, got f64"):
        lax.fft(np.ones(4), "FFT", (4,))
    with pytest.raises(TypeError, match="RFFT needs a float32 or float64 operand"):
        lax.fft(np.ones(4, np.complex128), "RFFT", (4,))
    with pytest.raises(ValueError, match=r"needs trailing axes of sizes \(3,\)"):
        lax.fft(np.ones(4, np.complex128), "IRFFT", (4,))
    with pytest.raises(ValueError, match="fft_type must be one of"):
        lax.fft(np.ones(4, np.complex128), "DCT", (4,))
    with pytest.raises(ValueError, match="fft_lengths must be positive ints"):
        lax.fft(np.ones(4, np.complex128), "FFT", (0,))
    with pytest.raises(ValueError, match="between 1 and the operand's rank"):
        lax.fft(np.ones(4, np.complex128), "FFT", (1, 4))
