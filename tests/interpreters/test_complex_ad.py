"""Differentiation of complex functions: JAX's conventions, checked against finite differences.

The conventions (docs/gradient-conventions.md): a cotangent pairs with a tangent by
Re(sum(ct * t)) without conjugation; grad of a real f of z = x + iy is df/dx - i df/dy;
holomorphic=True differentiates complex-to-complex functions, giving f'(z).
"""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.lax as lax
from numbax.test_util import check_grads

COMPLEX = [np.complex64, np.complex128]
TOL = {np.complex64: 2e-3, np.complex128: 1e-7}

# Holomorphic functions with their derivatives, on inputs away from branch cuts and poles.
HOLOMORPHIC = {
    "exp": (lax.exp, np.exp),
    "sin": (lax.sin, np.cos),
    "cos": (lax.cos, lambda z: -np.sin(z)),
    "tan": (lax.tan, lambda z: 1 / np.cos(z) ** 2),
    "tanh": (lax.tanh, lambda z: 1 / np.cosh(z) ** 2),
    "sinh": (lax.sinh, np.cosh),
    "cosh": (lax.cosh, np.sinh),
    "log": (lax.log, lambda z: 1 / z),
    "log1p": (lax.log1p, lambda z: 1 / (1 + z)),
    "expm1": (lax.expm1, np.exp),
    "sqrt": (lax.sqrt, lambda z: 0.5 / np.sqrt(z)),
    "rsqrt": (lax.rsqrt, lambda z: -0.5 * z ** -1.5),
    "logistic": (lax.logistic, lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    "asin": (lax.asin, lambda z: 1 / np.sqrt(1 - z * z)),
    "acos": (lax.acos, lambda z: -1 / np.sqrt(1 - z * z)),
    "atan": (lax.atan, lambda z: 1 / (1 + z * z)),
    "asinh": (lax.asinh, lambda z: 1 / np.sqrt(z * z + 1)),
    "acosh": (lax.acosh, lambda z: 1 / (np.sqrt(z - 1) * np.sqrt(z + 1))),
    "atanh": (lax.atanh, lambda z: 1 / (1 - z * z)),
    "log2": (lax.log2, lambda z: 1 / (z * np.log(2))),
    "log10": (lax.log10, lambda z: 1 / (z * np.log(10))),
    "exp2": (lax.exp2, lambda z: np.log(2) * np.exp2(z)),
    "cube": (lambda z: lax.integer_pow(z, 3), lambda z: 3 * z * z),
    "reciprocal": (lambda z: lax.div(np.ones((), z.dtype), z), lambda z: -1 / (z * z)),
    "pow": (lambda z: lax.pow(z, np.asarray(1.5 + 0.5j, z.dtype)),
            lambda z: (1.5 + 0.5j) * z ** (0.5 + 0.5j)),
}


def _points(dtype, n=5, seed=0):
    rng = np.random.default_rng(seed)
    # Right half-plane, away from the branch cuts of log, sqrt and the inverse functions.
    return (rng.uniform(0.3, 0.8, n) + 1j * rng.uniform(-0.6, 0.6, n)).astype(dtype)


@pytest.mark.parametrize("dtype", COMPLEX, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", sorted(HOLOMORPHIC))
def test_holomorphic_grad_is_the_complex_derivative(name, dtype):
    fn, derivative = HOLOMORPHIC[name]
    z = _points(dtype)
    g = nb.vmap(nb.grad(fn, holomorphic=True))(z)
    assert g.dtype == dtype
    with np.errstate(all="ignore"):
        expected = derivative(z.astype(np.complex128))
    np.testing.assert_allclose(g, expected, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("name", sorted(HOLOMORPHIC))
def test_jvp_and_vjp_along_real_and_imaginary_directions(name):
    fn = HOLOMORPHIC[name][0]
    check_grads(fn, (_points(np.complex128),), order=1)


@pytest.mark.parametrize("direction", [1.0, 1j], ids=["real", "imaginary"])
@pytest.mark.parametrize("fn", [lax.abs, lax.real, lax.imag, lax.conj,
                                lambda z: lax.mul(z, lax.conj(z)),
                                lambda z: lax.atan2(lax.imag(z), lax.real(z))],
                         ids=["abs", "real", "imag", "conj", "z_conj_z", "angle"])
def test_non_holomorphic_jvp_matches_finite_differences(fn, direction):
    z = _points(np.complex128)
    t = np.full(z.shape, direction, np.complex128)
    _, tangent = nb.jvp(fn, (z,), (t,))
    h = 1e-6
    expected = (np.asarray(fn(z + h * t)) - np.asarray(fn(z - h * t))) / (2 * h)
    np.testing.assert_allclose(tangent, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fn", [lax.abs, lax.real, lax.imag, lax.conj,
                                lambda z: lax.abs(lax.exp(lax.mul(z, z))),
                                lambda z: lax.real(lax.mul(lax.log(z), lax.conj(z)))],
                         ids=["abs", "real", "imag", "conj", "abs_exp", "real_log_conj"])
def test_non_holomorphic_derivatives_to_second_order(fn):
    check_grads(fn, (_points(np.complex128),), order=2)


def _fd_partials(f, z, h=1e-6):
    """(df/dx, df/dy) of a real function of complex z, by central differences."""
    dx = (f(z + h) - f(z - h)) / (2 * h)
    dy = (f(z + 1j * h) - f(z - 1j * h)) / (2 * h)
    return dx, dy


@pytest.mark.parametrize("f", [
    lambda z: lax.mul(lax.real(z), lax.real(z)) + lax.mul(lax.imag(z), lax.imag(z)),
    lambda z: lax.real(lax.exp(z)),
    lambda z: lax.imag(lax.log(z)),
    lambda z: lax.abs(lax.sin(z)),
    lambda z: lax.real(lax.mul(z, lax.conj(lax.sqrt(z)))),
], ids=["norm_squared", "real_exp", "angle", "abs_sin", "mixed"])
def test_grad_of_a_real_function_is_the_conjugate_convention(f):
    # JAX: grad f = df/dx - i df/dy, so grad(|z|^2) = 2 conj(z).
    for z in _points(np.complex128, n=3):
        g = nb.grad(f)(z)
        dx, dy = _fd_partials(lambda w: float(np.asarray(f(np.complex128(w)))), z)
        np.testing.assert_allclose(g, dx - 1j * dy, rtol=1e-6, atol=1e-8)


def test_grad_of_squared_norm_is_twice_the_conjugate():
    z = np.complex128(3 + 4j)
    g = nb.grad(lambda z: lax.real(lax.mul(z, lax.conj(z))))(z)
    assert g == 2 * np.conj(z)


def test_vjp_is_the_plain_transpose_under_the_real_pairing():
    # <ct, J t> = <J^T ct, t> with <a, b> = Re(sum(a * b)), for a map mixing real and complex.
    rng = np.random.default_rng(3)
    z = _points(np.complex128)
    x = rng.normal(size=5)

    def f(z, x):
        w = lax.mul(lax.exp(z), lax.complex(x, lax.mul(x, x)))
        return lax.add(lax.conj(w), lax.mul(z, z)), lax.abs(w)

    out, f_vjp = nb.vjp(f, z, x)
    ct = (rng.normal(size=5) + 1j * rng.normal(size=5), rng.normal(size=5))
    t = (rng.normal(size=5) + 1j * rng.normal(size=5), rng.normal(size=5))
    _, jt = nb.jvp(f, (z, x), t)
    ct_z, ct_x = f_vjp(ct)
    lhs = sum(np.real(np.sum(a * b)) for a, b in zip(ct, jt))
    rhs = np.real(np.sum(ct_z * t[0])) + np.sum(ct_x * t[1])
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10)
    assert ct_z.dtype == np.complex128 and ct_x.dtype == np.float64


@pytest.mark.parametrize("jac", [nb.jacfwd, nb.jacrev], ids=["jacfwd", "jacrev"])
def test_holomorphic_jacobians_hold_the_complex_derivatives(jac):
    z = _points(np.complex128, n=3)
    j = jac(lambda z: lax.mul(lax.sin(z), z), holomorphic=True)(z)
    np.testing.assert_allclose(j, np.diag(np.cos(z) * z + np.sin(z)), rtol=1e-12, atol=1e-12)


def test_holomorphic_hessian():
    z = _points(np.complex128, n=1)[0]
    h = nb.hessian(lambda z: lax.mul(lax.exp(z), z), holomorphic=True)(z)
    np.testing.assert_allclose(h, np.exp(z) * (z + 2), rtol=1e-12)


def test_jacrev_of_a_real_function_of_complex_inputs_uses_the_conjugate_convention():
    z = _points(np.complex128, n=3)
    j = nb.jacrev(lambda z: lax.abs(z))(z)
    np.testing.assert_allclose(j, np.diag(np.conj(z) / np.abs(z)), rtol=1e-12)


def test_jacfwd_of_a_real_to_complex_function():
    x = np.array([0.3, -0.7])
    j = nb.jacfwd(lambda x: lax.exp(lax.complex(x, x)))(x)
    np.testing.assert_allclose(j, np.diag((1 + 1j) * np.exp(x + 1j * x)), rtol=1e-12)


@pytest.mark.parametrize("call, match", [
    (lambda: nb.grad(lambda z: lax.mul(z, z))(1j), "real-valued outputs.*holomorphic=True"),
    (lambda: nb.grad(lambda z: lax.mul(z, z), holomorphic=True)(1.0),
     "holomorphic=True requires inputs with complex dtype"),
    (lambda: nb.grad(lambda z: lax.abs(z), holomorphic=True)(1j),
     "holomorphic=True requires outputs with complex dtype"),
    (lambda: nb.jacfwd(lax.sin)(np.array([1j])), "jacfwd requires real-valued inputs"),
    (lambda: nb.jacrev(lax.sin)(np.array([1j])), "jacrev requires real-valued outputs"),
    (lambda: nb.grad(lambda n: n)(np.int32(1)), "floating-point or complex inputs"),
], ids=["complex_output", "real_input", "real_output", "jacfwd", "jacrev", "integer"])
def test_jax_errors_for_complex_differentiation(call, match):
    with pytest.raises(TypeError, match=match):
        call()


def test_grad_of_complex_functions_composes_with_jit_and_vmap():
    def loss(z):
        w = lax.mul(lax.exp(z), lax.conj(z))
        return lax.reduce_sum(lax.real(lax.mul(w, w)), (0,))

    zs = np.stack([_points(np.complex128, seed=s) for s in range(3)])
    got = nb.jit(nb.vmap(nb.grad(loss)))(zs)
    expected = np.stack([nb.grad(loss)(z) for z in zs])
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    for z, g in zip(zs, got):
        for k in range(z.size):
            e = np.zeros(z.size)
            e[k] = 1
            h = 1e-6
            fx = (float(loss(z + h * e)) - float(loss(z - h * e))) / (2 * h)
            fy = (float(loss(z + 1j * h * e)) - float(loss(z - 1j * h * e))) / (2 * h)
            np.testing.assert_allclose(g[k], fx - 1j * fy, rtol=1e-5, atol=1e-7)


def test_complex_casts_differentiate_like_jax():
    # real -> complex -> real through convert_element_type: the tangent keeps its real part.
    x = np.array([0.5, -1.5])
    g = nb.grad(lambda x: lax.reduce_sum(lax.convert_element_type(
        lax.mul(lax.convert_element_type(x, np.complex128), np.complex128(2 + 3j)),
        np.float64), (0,)))(x)
    np.testing.assert_allclose(g, [2.0, 2.0])


def _mm(a, b):
    return lax.dot_general(a, b, (((1,), (0,)), ((), ())))


_RNG = np.random.default_rng(7)
_A = _RNG.normal(size=(3, 4)) + 1j * _RNG.normal(size=(3, 4))
_B = _RNG.normal(size=(4, 2)) + 1j * _RNG.normal(size=(4, 2))


@pytest.mark.parametrize("fn, args, modes", [
    (_mm, (_A, _B), ("fwd", "rev")),
    (lambda a: lax.cumsum(a, 1, reverse=True), (_A,), ("fwd", "rev")),
    (lambda a: lax.reduce_prod(a, (0,)), (_A,), ("fwd", "rev")),
    (lambda a: lax.scan(lambda c, x: (lax.mul(c, x), lax.sin(c)), a[0], a[1:]), (_A,),
     ("fwd", "rev")),
    (lambda a: lax.cond(True, lax.exp, lambda x: x, a), (_A,), ("fwd", "rev")),
    (lambda a: lax.while_loop(lambda c: lax.lt(c[1], 3.0),
                              lambda c: (lax.mul(c[0], c[0]), lax.add(c[1], 1.0)),
                              (a, 0.0))[0], (0.5 * _A,), ("fwd",)),
    (lambda a: lax.gather(a, (np.array([0, 2, 2]),), 1), (_A,), ("fwd", "rev")),
    (lambda a, u: lax.scatter_add(a, (np.array([0, 2, 2]),), u, 0), (_A, _A + 1j),
     ("fwd", "rev")),
    (nb.jit(lambda a: lax.abs(_mm(a, _B))), (_A,), ("fwd", "rev")),
    (nb.checkpoint(lambda a: lax.mul(lax.sin(a), a)), (_A,), ("fwd", "rev")),
], ids=["dot_general", "cumsum", "reduce_prod", "scan", "cond", "while", "gather",
        "scatter_add", "jit", "checkpoint"])
def test_structural_primitives_and_control_flow_differentiate_complex_values(fn, args, modes):
    check_grads(fn, args, order=2 if "rev" in modes else 1, modes=modes)
