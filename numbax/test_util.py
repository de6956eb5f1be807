"""check_grads: compare forward and reverse derivatives against central finite differences.

Complex arguments are perturbed along random directions with real and imaginary parts, and
cotangents pair with tangents by Re(sum(ct * t)), as in numbax's (and JAX's) vjp.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .api import jvp, vjp
from .tree_util import tree_flatten, tree_map, tree_unflatten

_DEFAULT_EPS = {np.dtype(np.float64): 1e-4, np.dtype(np.float32): 1e-2, np.dtype(np.float16): 1e-1}
_DEFAULT_TOL = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 2e-2, np.dtype(np.float16): 1e-1}


def _wide(x) -> np.ndarray:
    """x in float64, or complex128 when complex."""
    x = np.asarray(x)
    return x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)


def _inner(xs, ys) -> float:
    # Re(sum(x * y)), without conjugation: how numbax (and JAX) pair cotangents with tangents.
    return sum(float(np.real(np.sum(_wide(x) * _wide(y))))
               for x, y in zip(tree_flatten(xs)[0], tree_flatten(ys)[0]))


def _random_like(tree, rng):
    def draw(x):
        dtype = np.asarray(x).dtype
        r = rng.standard_normal(np.shape(x))
        if dtype.kind == "c":  # a direction with both a real and an imaginary part
            r = r + 1j * rng.standard_normal(np.shape(x))
        return r.astype(dtype)
    return tree_map(draw, tree)


def _dtype_of(args) -> np.dtype:
    """The real dtype the tolerances are chosen by (complex64's is float32)."""
    leaves = tree_flatten(args)[0]
    dtype = np.result_type(*[np.asarray(x).dtype for x in leaves]) if leaves else np.dtype(float)
    return np.empty(0, dtype).real.dtype


def _assert_close(a, b, tol: float, what: str) -> None:
    if not np.allclose(a, b, atol=tol, rtol=tol):
        raise AssertionError(f"{what}: {a!r} differs from {b!r} beyond tolerance {tol}")


def _fd_jvp(f, args, tangents, eps):
    def shifted(sign):
        return f(*tree_map(lambda x, t: np.asarray(x) + sign * eps * np.asarray(t), args, tangents))
    return tree_map(lambda p, m: (_wide(p) - _wide(m)) / (2 * eps), shifted(1), shifted(-1))


def check_jvp(f: Callable, args: Sequence, eps=None, tol=None, rng=None) -> None:
    rng = rng or np.random.default_rng(0)
    dt = _dtype_of(args)
    eps, tol = eps or _DEFAULT_EPS[dt], tol or _DEFAULT_TOL[dt]
    tangents = _random_like(tuple(args), rng)
    _, t_out = jvp(f, tuple(args), tangents)
    expected = _fd_jvp(f, tuple(args), tangents, eps)
    for got, exp in zip(tree_flatten(t_out)[0], tree_flatten(expected)[0]):
        _assert_close(np.asarray(got), exp, tol, "JVP vs finite differences")


def check_vjp(f: Callable, args: Sequence, eps=None, tol=None, rng=None) -> None:
    rng = rng or np.random.default_rng(1)
    dt = _dtype_of(args)
    eps, tol = eps or _DEFAULT_EPS[dt], tol or _DEFAULT_TOL[dt]
    out, f_vjp = vjp(f, *args)
    u = _random_like(out, rng)
    v = _random_like(tuple(args), rng)
    lhs = _inner(f_vjp(u), v)
    rhs = _inner(u, _fd_jvp(f, tuple(args), v, eps))
    _assert_close(lhs, rhs, tol * max(1.0, abs(rhs)), "VJP <J^T u, v> vs finite differences <u, J v>")


def check_grads(f: Callable, args: Sequence, order: int = 2, modes=("fwd", "rev"),
                eps=None, atol=None, rtol=None) -> None:
    """Check derivatives of f up to `order` in the given modes against finite differences.

    >>> import numbax.numpy as xnp
    >>> check_grads(xnp.sin, (0.5,), order=2)
    """
    args = tuple(tree_map(np.asarray, tuple(args)))
    tol = atol if atol is not None else rtol
    rng = np.random.default_rng(0)
    if "fwd" in modes:
        check_jvp(f, args, eps, tol, rng)
        if order > 1:
            tangents = _random_like(args, rng)
            check_grads(lambda *x: jvp(f, x, tangents)[1], args, order - 1, ("fwd",), eps, atol,
                        rtol)
    if "rev" in modes:
        check_vjp(f, args, eps, tol, rng)
        if order > 1:
            out = f(*args)
            u = _random_like(out, rng)
            leaves_tree = tree_flatten(out)[1]
            u = tree_unflatten(leaves_tree, tree_flatten(u)[0])
            check_grads(lambda *x: vjp(f, *x)[1](u), args, order - 1, ("rev",), eps, atol, rtol)


def ulp_error(got, expected) -> np.ndarray:
    """Elementwise distance of got from expected in units in the last place of expected.

    Equal values (including equal infinities and signed zeros) and nan-for-nan count 0;
    a nan against a number, or an infinity against a finite number, counts inf.
    """
    got, expected = np.asarray(got), np.asarray(expected)
    g, e = got.astype(np.float64), expected.astype(np.float64)
    same = (g == e) | (np.isnan(g) & np.isnan(e))
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(g - e) / np.spacing(np.abs(expected)).astype(np.float64)
    return np.where(same, 0.0, np.where(np.isfinite(diff), diff, np.inf))
