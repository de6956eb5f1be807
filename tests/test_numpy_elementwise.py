"""numbax.numpy's elementwise functions against NumPy: values and dtypes eagerly and under jit
on both backends, grad against finite differences, vmap against a loop, weak-scalar
promotion, broadcasting, the edge values (inf, nan, -0.0, division by zero), the operators on
tracers, and the errors for bad input.

Compiling a Numba kernel per function and dtype would be slow: each table is jitted as one
program per dtype (all its functions at once), and the per-function checks run eagerly and
under grad and vmap."""
from __future__ import annotations

import math

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax import lax

FLOATS = [np.float32, np.float64]
INTS = [np.int8, np.int32, np.int64, np.uint8, np.uint32]

# name: (numbax function, NumPy function, sampling range, differentiable)
UNARY = {
    "arcsin": (xnp.arcsin, np.arcsin, (-0.9, 0.9), True),
    "asin": (xnp.asin, np.asin, (-0.9, 0.9), True),
    "arccos": (xnp.arccos, np.arccos, (-0.9, 0.9), True),
    "acos": (xnp.acos, np.acos, (-0.9, 0.9), True),
    "arctan": (xnp.arctan, np.arctan, (-3, 3), True),
    "atan": (xnp.atan, np.atan, (-3, 3), True),
    "sinh": (xnp.sinh, np.sinh, (-3, 3), True),
    "cosh": (xnp.cosh, np.cosh, (-3, 3), True),
    "arcsinh": (xnp.arcsinh, np.arcsinh, (-3, 3), True),
    "asinh": (xnp.asinh, np.asinh, (-3, 3), True),
    "arccosh": (xnp.arccosh, np.arccosh, (1.1, 4), True),
    "acosh": (xnp.acosh, np.acosh, (1.1, 4), True),
    "arctanh": (xnp.arctanh, np.arctanh, (-0.9, 0.9), True),
    "atanh": (xnp.atanh, np.atanh, (-0.9, 0.9), True),
    "log2": (xnp.log2, np.log2, (0.1, 5), True),
    "log10": (xnp.log10, np.log10, (0.1, 5), True),
    "floor": (xnp.floor, np.floor, (-4, 4), True),
    "ceil": (xnp.ceil, np.ceil, (-4, 4), True),
    "trunc": (xnp.trunc, np.trunc, (-4, 4), True),
    "fix": (xnp.fix, np.fix, (-4, 4), True),
    "rint": (xnp.rint, np.rint, (-4, 4), True),
    "deg2rad": (xnp.deg2rad, np.deg2rad, (-400, 400), True),
    "radians": (xnp.radians, np.radians, (-400, 400), True),
    "rad2deg": (xnp.rad2deg, np.rad2deg, (-7, 7), True),
    "degrees": (xnp.degrees, np.degrees, (-7, 7), True),
    "sinc": (xnp.sinc, np.sinc, (-3, 3), True),
    "i0": (xnp.i0, np.i0, (-30, 30), True),
    "fabs": (xnp.fabs, np.fabs, (-3, 3), True),
    "positive": (xnp.positive, np.positive, (-3, 3), True),
    "real": (xnp.real, np.real, (-3, 3), True),
    "imag": (xnp.imag, np.imag, (-3, 3), True),
    "conj": (xnp.conj, np.conj, (-3, 3), True),
    "conjugate": (xnp.conjugate, np.conjugate, (-3, 3), True),
    "angle": (xnp.angle, np.angle, (-3, 3), True),
    "nan_to_num": (xnp.nan_to_num, np.nan_to_num, (-3, 3), True),
    "spacing": (xnp.spacing, np.spacing, (-1e3, 1e3), True),
    "modf": (xnp.modf, np.modf, (-5, 5), True),
    "frexp": (xnp.frexp, np.frexp, (-1e5, 1e5), True),
    "signbit": (xnp.signbit, np.signbit, (-3, 3), False),
    "isinf": (xnp.isinf, np.isinf, (-3, 3), False),
    "isposinf": (xnp.isposinf, np.isposinf, (-3, 3), False),
    "isneginf": (xnp.isneginf, np.isneginf, (-3, 3), False),
    "isreal": (xnp.isreal, np.isreal, (-3, 3), False),
    "iscomplex": (xnp.iscomplex, np.iscomplex, (-3, 3), False),
}

# name: (numbax function, NumPy function, first range, second range, differentiable)
BINARY = {
    "arctan2": (xnp.arctan2, np.arctan2, (-3, 3), (-3, 3), True),
    "atan2": (xnp.atan2, np.atan2, (-3, 3), (-3, 3), True),
    "hypot": (xnp.hypot, np.hypot, (-3, 3), (-3, 3), True),
    "copysign": (xnp.copysign, np.copysign, (-3, 3), (-3, 3), True),
    "nextafter": (xnp.nextafter, np.nextafter, (-3, 3), (-3, 3), True),
    "logaddexp2": (xnp.logaddexp2, np.logaddexp2, (-5, 5), (-5, 5), True),
    "float_power": (xnp.float_power, np.float_power, (0.5, 3), (-2, 2), True),
    "fmax": (xnp.fmax, np.fmax, (-3, 3), (-3, 3), True),
    "fmin": (xnp.fmin, np.fmin, (-3, 3), (-3, 3), True),
    "heaviside": (xnp.heaviside, np.heaviside, (-3, 3), (-3, 3), True),
    "floor_divide": (xnp.floor_divide, np.floor_divide, (-9, 9), (0.5, 3), True),
    "remainder": (xnp.remainder, np.remainder, (-9, 9), (-3, 3), True),
    "mod": (xnp.mod, np.mod, (-9, 9), (0.5, 3), True),
    "fmod": (xnp.fmod, np.fmod, (-9, 9), (-3, 3), True),
    "divmod": (xnp.divmod, np.divmod, (-9, 9), (-3, 3), True),
    "logical_xor": (xnp.logical_xor, np.logical_xor, (-1, 1), (-1, 1), False),
    "isclose": (xnp.isclose, np.isclose, (1, 1 + 1e-5), (1, 1 + 1e-5), False),
}

# name: (numbax function, NumPy function, arity)
INTEGER = {
    "bitwise_and": (xnp.bitwise_and, np.bitwise_and, 2),
    "bitwise_or": (xnp.bitwise_or, np.bitwise_or, 2),
    "bitwise_xor": (xnp.bitwise_xor, np.bitwise_xor, 2),
    "bitwise_not": (xnp.bitwise_not, np.bitwise_not, 1),
    "bitwise_invert": (xnp.bitwise_invert, np.bitwise_invert, 1),
    "invert": (xnp.invert, np.invert, 1),
    "bitwise_count": (xnp.bitwise_count, np.bitwise_count, 1),
    "left_shift": (xnp.left_shift, np.left_shift, 2),
    "bitwise_left_shift": (xnp.bitwise_left_shift, np.bitwise_left_shift, 2),
    "right_shift": (xnp.right_shift, np.right_shift, 2),
    "bitwise_right_shift": (xnp.bitwise_right_shift, np.bitwise_right_shift, 2),
    "gcd": (xnp.gcd, np.gcd, 2),
    "lcm": (xnp.lcm, np.lcm, 2),
    "floor_divide": (xnp.floor_divide, np.floor_divide, 2),
    "remainder": (xnp.remainder, np.remainder, 2),
    "fmod": (xnp.fmod, np.fmod, 2),
    "divmod": (xnp.divmod, np.divmod, 2),
    "floor": (xnp.floor, np.floor, 1),
    "ceil": (xnp.ceil, np.ceil, 1),
    "trunc": (xnp.trunc, np.trunc, 1),
    "positive": (xnp.positive, np.positive, 1),
    "signbit": (xnp.signbit, np.signbit, 1),
    "isinf": (xnp.isinf, np.isinf, 1),
    "nan_to_num": (xnp.nan_to_num, np.nan_to_num, 1),
    "fmax": (xnp.fmax, np.fmax, 2),
    "heaviside": (xnp.heaviside, np.heaviside, 2),
    "log2": (xnp.log2, np.log2, 1),
    "ldexp": (lambda x, n: xnp.ldexp(x, n), np.ldexp, 2),
}


def _uniform(rng, lo_hi, shape, dtype):
    lo, hi = lo_hi
    return rng.uniform(lo, hi, shape).astype(dtype)


def _integers(rng, dtype, shape, positive=False):
    info = np.iinfo(dtype)
    lo = 1 if positive else max(info.min, -100)
    return rng.integers(lo, min(info.max, 100), shape, endpoint=True).astype(dtype)


def _int_args(rng, name, arity, dtype):
    x = _integers(rng, dtype, (2, 5))
    if arity == 1:
        return (x,)
    if "shift" in name:  # NumPy's results for shifts past the width are tested on edges
        return x, rng.integers(0, np.dtype(dtype).itemsize * 8, (5,)).astype(dtype)
    if name == "ldexp":
        return x, rng.integers(-3, 4, (5,)).astype(dtype)
    return x, _integers(rng, dtype, (5,), positive=name in ("floor_divide",))


def _quiet(fn):
    def call(*args):
        with np.errstate(all="ignore"):
            return fn(*args)
    return call


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", UNARY)
def test_unary_against_numpy(name, dtype, rng, numpy_function):
    xfn, npfn, domain, diff = UNARY[name]
    x = _uniform(rng, domain, (2, 3), dtype)
    numpy_function(xfn, npfn, x, jit=False, grad=diff and dtype == np.float64)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", BINARY)
def test_binary_against_numpy(name, dtype, rng, numpy_function):
    xfn, npfn, d1, d2, diff = BINARY[name]
    x, y = _uniform(rng, d1, (2, 3), dtype), _uniform(rng, d2, (3,), dtype)
    numpy_function(xfn, npfn, x, y, jit=False, grad=diff and dtype == np.float64)


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("name", INTEGER)
def test_integer_against_numpy(name, dtype, rng, numpy_function):
    xfn, npfn, arity = INTEGER[name]
    numpy_function(xfn, _quiet(npfn), *_int_args(rng, name, arity, dtype), jit=False)


def _all_at_once(table, make_args):
    """One program computing every function of table, and its NumPy reference."""
    names = list(table)

    def program(*args):
        return {n: table[n][0](*make_args(n, args)) for n in names}

    def reference(*args):
        return {n: _quiet(table[n][1])(*make_args(n, args)) for n in names}

    return program, reference


def _check_jit_both_backends(program, reference, args, same_array):
    want = reference(*args)
    for backend in ("numba", "interpreter"):
        got = nb.jit(program, backend=backend)(*args)
        for name in want:
            for i, (g, w) in enumerate(zip(nb.tree_util.tree_leaves(got[name]),
                                           nb.tree_util.tree_leaves(want[name]))):
                same_array(np.asarray(g), np.asarray(w), f"{name} output {i} ({backend})",
                           exact_type=False)


@pytest.mark.parametrize("dtype", FLOATS)
def test_unary_and_binary_under_jit(dtype, rng, same_array):
    # Every function in one jitted program per table: all of them fuse into a few kernels.
    x = {n: _uniform(rng, UNARY[n][2], (7,), dtype) for n in UNARY}
    program, reference = _all_at_once(UNARY, lambda n, args: (args[0][n],))
    _check_jit_both_backends(program, reference, (x,), same_array)
    xy = {n: (_uniform(rng, BINARY[n][2], (7,), dtype), _uniform(rng, BINARY[n][3], (7,), dtype))
          for n in BINARY}
    program, reference = _all_at_once(BINARY, lambda n, args: args[0][n])
    _check_jit_both_backends(program, reference, (xy,), same_array)


@pytest.mark.parametrize("dtype", [np.int8, np.uint32])
def test_integer_functions_under_jit(dtype, rng, same_array):
    args = {n: _int_args(rng, n, INTEGER[n][2], dtype) for n in INTEGER}
    # float16 results (int8 promotes to it in log2, heaviside, ldexp) run unfused on the Numba
    # backend; gcd and lcm (a while loop) have their own jit test.
    table = {n: v for n, v in INTEGER.items() if n not in ("gcd", "lcm")}
    program, reference = _all_at_once(table, lambda n, a: a[0][n])
    _check_jit_both_backends(program, reference, (args,), same_array)


# Edge values: signed zeros, infinities, nan, division by zero; compared bit for bit
# (signbit included) eagerly and on both jit backends.
EDGE = np.array([-7.0, -3.5, -0.0, 0.0, 2.5, 7.0, np.inf, -np.inf, np.nan, 1e-310, -3.0, 4.0])
EDGE_Y = np.array([2.0, -2.0, 3.0, -3.0, 0.0, -0.0, 2.0, np.inf, 1.0, 3.0, 1.5, -np.inf])
EDGE_BINARY = ["floor_divide", "remainder", "fmod", "divmod", "copysign", "nextafter",
               "fmax", "fmin", "heaviside", "arctan2", "hypot", "logaddexp2"]
EDGE_UNARY = ["floor", "ceil", "trunc", "fix", "rint", "modf", "frexp", "spacing", "signbit",
              "isinf", "isposinf", "isneginf", "nan_to_num", "fabs", "angle", "sinc", "i0"]


def _assert_bitwise(got, want, what):
    for i, (g, w) in enumerate(zip(nb.tree_util.tree_leaves(got), nb.tree_util.tree_leaves(want))):
        g, w = np.asarray(g), np.asarray(w)
        assert g.dtype == w.dtype, (what, i, g.dtype, w.dtype)
        if w.dtype.kind == "f" and what.split()[0] in ("hypot", "logaddexp2", "i0", "sinc", "arctan2"):
            np.testing.assert_allclose(g, w, rtol=1e-15, err_msg=what)
        else:
            np.testing.assert_array_equal(g, w, err_msg=what)
        if w.dtype.kind == "f":
            finite_or_zero = ~np.isnan(w)
            np.testing.assert_array_equal(np.signbit(g)[finite_or_zero],
                                          np.signbit(w)[finite_or_zero], err_msg=what)


@pytest.mark.parametrize("name", EDGE_BINARY + EDGE_UNARY)
def test_edge_values(name):
    xfn = getattr(xnp, name)
    args = (EDGE, EDGE_Y) if name in EDGE_BINARY else (EDGE,)
    want = _quiet(getattr(np, name))(*args)
    _assert_bitwise(_quiet(xfn)(*args), want, f"{name} eager")
    _assert_bitwise(nb.jit(xfn, backend="interpreter")(*args), want, f"{name} interpreter")


def test_edge_values_in_one_numba_kernel():
    def program(x, y):
        return ({n: getattr(xnp, n)(x, y) for n in EDGE_BINARY},
                {n: getattr(xnp, n)(x) for n in EDGE_UNARY})

    got_b, got_u = nb.jit(program)(EDGE, EDGE_Y)
    for n in EDGE_BINARY:
        _assert_bitwise(got_b[n], _quiet(getattr(np, n))(EDGE, EDGE_Y), f"{n} numba")
    for n in EDGE_UNARY:
        _assert_bitwise(got_u[n], _quiet(getattr(np, n))(EDGE), f"{n} numba")


def test_integer_edges_division_by_zero_and_overshift():
    # Integer division by zero gives 0 (NumPy's value, without its warning); shifts by the
    # bit width or more, or by negative amounts, give 0 (or -1 for negative numbers >>).
    x = np.array([7, -7, 0, -128, 127, -1], np.int8)
    y = np.array([0, 0, 0, -1, 9, 8], np.int8)
    cases = [("floor_divide", np.floor_divide), ("remainder", np.remainder),
             ("fmod", np.fmod), ("left_shift", np.left_shift), ("right_shift", np.right_shift)]
    for name, npfn in cases:
        want = _quiet(npfn)(x, y)
        for what, fn in (("eager", getattr(xnp, name)),
                         ("numba", nb.jit(getattr(xnp, name))),
                         ("interpreter", nb.jit(getattr(xnp, name), backend="interpreter"))):
            got = fn(x, y)
            np.testing.assert_array_equal(got, want, err_msg=f"{name} {what}")
            assert got.dtype == want.dtype
    u = np.array([1, 255, 128], np.uint8)
    for shift in (np.uint8(3), np.uint8(8), np.uint8(200)):
        np.testing.assert_array_equal(nb.jit(xnp.right_shift)(u, shift), np.right_shift(u, shift))
        np.testing.assert_array_equal(nb.jit(xnp.left_shift)(u, shift), np.left_shift(u, shift))
    np.testing.assert_array_equal(lax.shift_right_logical(np.array([-8], np.int8), np.int8(1)),
                                  np.array([124], np.int8))
    np.testing.assert_array_equal(nb.jit(lax.shift_right_logical)(np.array([-8], np.int8),
                                                                   np.int8(1)), [124])
    np.testing.assert_array_equal(nb.jit(lax.population_count)(np.array([-1, 5], np.int16)),
                                  np.array([16, 2], np.int16))


@pytest.mark.parametrize("case", [
    # (function, array dtype, Python scalar): weak scalars keep the array's dtype.
    (xnp.floor_divide, np.int8, 3), (xnp.remainder, np.int8, 3), (xnp.fmod, np.uint8, 5),
    (xnp.left_shift, np.int8, 2), (xnp.right_shift, np.uint32, 1), (xnp.bitwise_and, np.int16, 6),
    (xnp.gcd, np.int8, 12), (xnp.lcm, np.int32, 4), (xnp.arctan2, np.float32, 2.0),
    (xnp.hypot, np.float32, 2.0), (xnp.copysign, np.float32, -1.0), (xnp.fmax, np.float32, 0.5),
    (xnp.heaviside, np.float32, 0.5), (xnp.logaddexp2, np.float32, 1.0),
    (xnp.remainder, np.float32, 2.0), (xnp.floor_divide, np.float32, 2), (xnp.arctan2, np.int8, 2),
    (xnp.isclose, np.float32, 1.0), (xnp.nextafter, np.float32, 1.0), (xnp.float_power, np.int8, 2),
])
def test_weak_scalar_promotion(case, rng):
    xfn, dtype, scalar = case
    x = (_integers(rng, dtype, (4,), positive=True) if np.dtype(dtype).kind in "iu"
         else _uniform(rng, (0.5, 3), (4,), dtype))
    npfn = getattr(np, xfn.__name__)
    for args in ((x, scalar), (scalar, x)):
        want, got = npfn(*args), xfn(*args)
        assert got.dtype == want.dtype, (xfn.__name__, args, got.dtype, want.dtype)
        np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("name", ["arctan2", "hypot", "remainder", "fmod", "copysign", "fmax",
                                  "heaviside", "floor_divide", "isclose", "logaddexp2"])
def test_broadcasting_and_mixed_dtypes(name, rng, same_array):
    x = _uniform(rng, (0.5, 4), (3, 1), np.float32)
    y = _uniform(rng, (0.5, 4), (4,), np.float64)
    i = _integers(rng, np.int16, (1, 4), positive=True)
    for args in ((x, y), (x, i), (i, x)):
        want = getattr(np, name)(*args)
        same_array(getattr(xnp, name)(*args), want, f"{name} {[a.dtype for a in args]}",
                   exact_type=False)


def test_operators_on_tracers(rng, same_array):
    i = _integers(rng, np.int32, (6,))
    j = _integers(rng, np.int32, (6,), positive=True)
    f = _uniform(rng, (-5, 5), (6,), np.float64)
    b = np.array([True, False, True, False, True, True])
    ops = {
        "//": lambda a, c: a // c, "%": lambda a, c: a % c, "divmod": divmod,
        "&": lambda a, c: a & c, "|": lambda a, c: a | c, "^": lambda a, c: a ^ c,
        "<<": lambda a, c: a << (c % 5), ">>": lambda a, c: a >> (c % 5),
        "**": lambda a, c: a ** 3, "** neg": lambda a, c: (a + 0.5) ** -2,
        "~": lambda a, c: ~a, "r//": lambda a, c: 7 // c, "r%": lambda a, c: 7 % c,
        "r&": lambda a, c: 6 & a, "r|": lambda a, c: 6 | a, "r^": lambda a, c: 6 ^ a,
        "r<<": lambda a, c: 1 << (c % 5), "r>>": lambda a, c: 64 >> (c % 5),
        "rdivmod": lambda a, c: divmod(7, c),
    }
    for a, c in ((i, j), (f, f * 0 + 1.5)):
        # One program per dtype holding every operator: one Numba compilation.
        chosen = {n: op for n, op in ops.items() if a.dtype.kind != "f"
                  or n.lstrip("r") not in ("&", "|", "^", "<<", ">>", "~")}
        want = {n: op(a, c) for n, op in chosen.items()}
        for backend in ("numba", "interpreter"):
            got = nb.jit(lambda a, c, chosen=chosen: {n: op(a, c) for n, op in chosen.items()},
                         backend=backend)(a, c)
            for name in chosen:
                for g, w in zip(nb.tree_util.tree_leaves(got[name]),
                                nb.tree_util.tree_leaves(want[name])):
                    same_array(np.asarray(g), np.asarray(w), f"{name} {a.dtype} {backend}",
                               exact_type=False)
    # On bools, & | ^ ~ are logical.
    for op in (lambda a: a & a[::-1], lambda a: a | a[::-1], lambda a: a ^ a[::-1], lambda a: ~a):
        same_array(nb.jit(op)(b), op(b), "bool operator", exact_type=False)


def test_negative_integer_powers_of_integers_raise():
    with pytest.raises(ValueError, match="negative integer powers"):
        nb.jit(lambda x: x ** -1)(np.arange(1, 4))
    with pytest.raises(ValueError, match="negative integer powers"):
        xnp.power(np.arange(1, 4), -2)


@pytest.mark.parametrize("fn, args, error, match", [
    (xnp.floor, (np.array([1 + 2j]),), TypeError, "floor: complex input"),
    (xnp.clip, (1j, 0, 1), TypeError, "clip: complex input"),
    (xnp.bitwise_and, (np.ones(2), np.ones(2)), TypeError, "bitwise_and needs integer"),
    (xnp.left_shift, (np.ones(2), 1), TypeError, "left_shift needs integer"),
    (xnp.bitwise_not, (np.ones(2, np.float32),), TypeError, "bitwise_not needs integer"),
    (xnp.gcd, (np.array([True]), np.array([True])), TypeError, "gcd needs integer operands"),
    (xnp.ldexp, (np.ones(2), np.ones(2)), TypeError, "exponent must be an integer"),
    (xnp.positive, (np.array([True]),), TypeError, "positive does not accept bool"),
    (xnp.arcsin, ("0.5",), TypeError, "arcsin: argument 0"),
])
def test_bad_input_raises(fn, args, error, match):
    with pytest.raises(error, match=match):
        fn(*args)


def test_bitwise_on_bools_is_logical():
    a, b = np.array([True, True, False]), np.array([True, False, False])
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
        got = getattr(xnp, name)(a, b)
        assert got.dtype == np.bool_
        np.testing.assert_array_equal(got, getattr(np, name)(a, b))
    np.testing.assert_array_equal(xnp.invert(a), np.invert(a))
    np.testing.assert_array_equal(xnp.bitwise_count(a), np.bitwise_count(a))
    np.testing.assert_array_equal(xnp.left_shift(a, 2), np.left_shift(a, 2))


def test_gradient_conventions():
    # Rounding has slope 0 everywhere (JAX); remainder and fmod have slope 1 in x, -trunc or
    # -floor(x / y) in y; copysign has slope +-1 in x and 0 in y; nextafter slope 1 in x.
    for fn in (xnp.floor, xnp.ceil, xnp.trunc, xnp.rint, xnp.fix):
        assert nb.grad(fn)(2.0) == 0.0 and nb.grad(fn)(2.5) == 0.0
    assert nb.grad(xnp.remainder)(-7.5, 2.0) == 1.0
    assert nb.grad(xnp.fmod)(-7.5, 2.0) == 1.0
    assert nb.grad(xnp.remainder, argnums=1)(-7.5, 2.0) == 4.0  # -floor(-3.75)
    assert nb.grad(xnp.fmod, argnums=1)(-7.5, 2.0) == 3.0  # -trunc(-3.75)
    assert nb.grad(xnp.floor_divide)(7.5, 2.0) == 0.0
    assert nb.grad(xnp.copysign)(2.0, -1.0) == -1.0
    assert nb.grad(xnp.copysign, argnums=1)(2.0, -1.0) == 0.0
    assert nb.grad(xnp.nextafter)(2.0, 3.0) == 1.0
    assert nb.grad(xnp.spacing)(2.0) == 0.0
    # JAX's formulas at the edges of the domains: infinite slopes.
    assert nb.grad(xnp.arcsin)(1.0) == np.inf and nb.grad(xnp.arccos)(-1.0) == -np.inf
    assert nb.grad(xnp.arctanh)(1.0) == np.inf and nb.grad(xnp.arccosh)(1.0) == np.inf
    # sinc is its Taylor polynomial near 0: slope 0 and curvature -pi**2 / 3 there.
    assert nb.grad(xnp.sinc)(0.0) == 0.0
    np.testing.assert_allclose(nb.grad(nb.grad(xnp.sinc))(0.0), -np.pi ** 2 / 3, rtol=1e-12)
    # i0' = i1; i1(1) = 0.5651591039924851 (the series of i1 at 1).
    i1 = sum(0.5 ** (2 * k + 1) / (math.factorial(k) * math.factorial(k + 1)) for k in range(20))
    np.testing.assert_allclose(nb.grad(xnp.i0)(1.0), i1, rtol=1e-14)


def test_i0_accuracy_and_overflow():
    x = np.concatenate([np.linspace(-40, 40, 1601), [1e-8, 19.999, 20.001, 700.0, 710.0]])
    with np.errstate(over="ignore"):
        got, want = xnp.i0(x), np.i0(x)
    finite = np.isfinite(want)
    ulp = np.abs(got[finite] - want[finite]) / np.spacing(want[finite])
    assert ulp.max() <= 8, ulp.max()
    assert np.isinf(got[~finite]).all()
    x32 = x[:1601].astype(np.float32)
    np.testing.assert_allclose(xnp.i0(x32), np.i0(x32), rtol=4e-6)
    assert xnp.i0(x32).dtype == np.float32


def test_whole_array_comparisons():
    a = np.array([1.0, np.nan, 3.0])
    for args, kwargs in [((a, a), {}), ((a, a), {"equal_nan": True}),
                         ((a, a + 1e-9), {}), ((a, a + 1e-3), {"atol": 1e-2}),
                         ((a, a * (1 + 1e-4)), {"rtol": 1e-3, "equal_nan": True})]:
        for name in ("allclose", "array_equal"):
            if name == "array_equal" and set(kwargs) - {"equal_nan"}:
                continue
            want = getattr(np, name)(*args, **kwargs)
            assert bool(getattr(xnp, name)(*args, **kwargs)) == want, (name, kwargs)
            fn = getattr(xnp, name)
            jitted = nb.jit(lambda x, y, fn=fn, kw=kwargs: fn(x, y, **kw),
                            backend="interpreter")
            assert bool(jitted(*args)) == want
        np.testing.assert_array_equal(xnp.isclose(*args, **kwargs), np.isclose(*args, **kwargs))
    assert bool(xnp.array_equal(np.ones(3), np.ones(4))) is False
    assert bool(xnp.array_equiv(np.ones((2, 3)), np.ones(3))) is True
    assert bool(xnp.array_equiv(np.ones((2, 3)), np.ones(2))) is False
    assert bool(xnp.array_equiv(np.ones(3), np.array([1.0, 2.0, 1.0]))) is False
    assert xnp.isrealobj(np.ones(2)) and not xnp.iscomplexobj(np.ones(2))
    assert xnp.iscomplexobj(np.ones(2, complex)) and not xnp.isrealobj(1j)


def test_nan_to_num_keywords():
    x = np.array([np.nan, np.inf, -np.inf, 1.5], np.float32)
    for kwargs in ({}, {"nan": 7.0}, {"posinf": 9.0, "neginf": -9.0}):
        got = nb.jit(lambda v, kw=kwargs: xnp.nan_to_num(v, **kw))(x)
        np.testing.assert_array_equal(got, np.nan_to_num(x, **kwargs))
        assert got.dtype == np.float32
    ints = np.arange(3)
    np.testing.assert_array_equal(xnp.nan_to_num(ints), ints)


def test_ldexp_frexp_roundtrip_over_the_whole_range():
    x = np.array([1e-310, 5e-324, 1e308, -3.0, 0.75, 1e-300])
    m, e = xnp.frexp(x)
    wm, we = np.frexp(x)
    np.testing.assert_array_equal(m, wm)
    np.testing.assert_array_equal(e, we)
    np.testing.assert_array_equal(xnp.ldexp(m, e), x)
    n = np.array([1100, -1100, 2, 0, 5, 1000])
    np.testing.assert_array_equal(xnp.ldexp(np.array([1e-300, 1e300, 3.0, 1.0, -1.0, 1e-300]), n),
                                  np.ldexp(np.array([1e-300, 1e300, 3.0, 1.0, -1.0, 1e-300]), n))


def test_gcd_lcm_under_vmap_and_jit():
    x = np.array([[12, 18, 0], [7, -21, 5]])
    y = np.array([8, 27, 6])
    np.testing.assert_array_equal(nb.vmap(xnp.gcd, in_axes=(0, None))(x, y), np.gcd(x, y))
    np.testing.assert_array_equal(nb.jit(xnp.lcm)(x, y), np.lcm(x, y))


def test_lax_is_finite_and_non_ufunc_dtypes():
    x = np.array([1.0, np.inf, -np.inf, np.nan], np.float32)
    np.testing.assert_array_equal(lax.is_finite(x), np.isfinite(x))
    np.testing.assert_array_equal(nb.jit(lax.is_finite)(x), np.isfinite(x))
    # i0 and sinc are not ufuncs in NumPy: small integers give float64, not float16.
    for fn in (xnp.i0, xnp.sinc):
        for dtype in (np.int8, np.bool_, np.float16):
            a = np.array([1, 2], dtype)
            assert fn(a).dtype == getattr(np, fn.__name__)(a).dtype, (fn.__name__, dtype)
