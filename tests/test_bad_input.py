"""Bad input gets one clear error at the API boundary, eagerly and under every transformation.

Each error names the argument (its position, and where inside a pytree), what was expected
and what came. Under jit it is raised before the function is traced, so nothing reaches a
backend. Lists and tuples are pytrees for jit, grad and vmap (as in JAX): their items are the
leaves. numbax.numpy functions take lists as NumPy does (beyond JAX), stacking traced
leaves, the same way traced or not.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp

X = np.ones(3)
BACKENDS = ["numba", "interpreter"]

# (id, value, what the error says about it when it is argument {pos}); the same words come
# eagerly from numbax.numpy and from every transformation.
BAD_VALUES = [
    ("long-complex-array", np.ones(2, np.clongdouble),
     f"argument {{pos}} has dtype {np.dtype(np.clongdouble)}, which numbax does not support"),
    ("object-array", np.array([1, "a"], dtype=object),
     "argument {pos} has dtype object, which numbax does not support"),
    ("string-array", np.array(["a", "b"]),
     "argument {pos} has dtype <U1, which numbax does not support"),
    ("datetime-array", np.array(["2020-01-01"], dtype="datetime64[D]"),
     "argument {pos} has dtype datetime64[D], which numbax does not support"),
    ("big-endian-array", np.ones(2, ">f8"),
     "argument {pos} has dtype >f8, in non-native byte order"),
    ("numpy-long-double-scalar", np.longdouble(1.5),
     f"argument {{pos}} has dtype {np.dtype(np.longdouble)}, which numbax does not support"),
    ("string", "abc", "argument {pos} is of type str"),
    ("object", object(), "argument {pos} is of type object"),
]
BAD_IDS = [case[0] for case in BAD_VALUES]


def _transformed(kind: str, calls: list):
    """A function of (x, bad) under `kind`; calls records every time its body runs."""
    def f(x, a):
        calls.append(1)
        return xnp.sum(x * 2.0)

    if kind == "grad":
        return nb.grad(f, argnums=(0, 1))
    if kind == "vmap":
        return nb.vmap(f)
    return nb.jit(f, backend=kind)


def _assert_raised_in_numbax_api(excinfo) -> None:
    """The innermost frame is numbax's argument check: nothing ran past the API boundary."""
    innermost = Path(str(excinfo.traceback[-1].path))
    assert innermost.parts[-2:] == ("numbax", "api.py") or innermost.parts[-3:] == (
        "numbax", "numpy", "arguments.py"), f"raised from {innermost}"


@pytest.mark.parametrize(("name", "bad", "words"), BAD_VALUES, ids=BAD_IDS)
def test_numpy_function_rejects_bad_value_eagerly(name, bad, words):
    with pytest.raises(TypeError, match=re.escape(f"add: {words.format(pos=1)}")):
        xnp.add(X, bad)
    with pytest.raises(TypeError, match=re.escape(f"sin: {words.format(pos=0)}")):
        xnp.sin(bad)


@pytest.mark.parametrize("kind", [*BACKENDS, "grad", "vmap"])
@pytest.mark.parametrize(("name", "bad", "words"), BAD_VALUES, ids=BAD_IDS)
def test_transformations_reject_bad_value_before_running_the_function(kind, name, bad, words):
    calls: list = []
    fname = kind if kind in ("grad", "vmap") else "jit"
    with pytest.raises(TypeError, match="^" + re.escape(f"{fname}: {words.format(pos=1)}")) as excinfo:
        _transformed(kind, calls)(X, bad)
    assert calls == []
    _assert_raised_in_numbax_api(excinfo)


@pytest.mark.parametrize("backend", BACKENDS)
def test_jit_string_argument_message_suggests_static_argnums(backend):
    with pytest.raises(TypeError) as excinfo:
        nb.jit(lambda x, mode: x, backend=backend)(X, "fast")
    assert str(excinfo.value) == (
        "jit: argument 1 is of type str; expected an array, a Python scalar or a pytree of "
        "them; mark it static with static_argnums")


@pytest.mark.parametrize("backend", BACKENDS)
def test_jit_error_names_the_position_in_the_call_and_inside_the_pytree(backend):
    f = nb.jit(lambda mode, p, q: p["w"] * q[0], static_argnums=0, backend=backend)
    # Static arguments still count: the bad leaf is argument 2, not the second traced one.
    with pytest.raises(TypeError, match=r"^jit: argument 2\[1\] is of type str"):
        f("fast", {"w": X}, [X, "b"])
    with pytest.raises(TypeError, match=r"^jit: argument 1\['b'\] has dtype object"):
        f("fast", {"w": X, "b": np.ones(1, object)}, [X])
    with pytest.raises(TypeError, match="^jit: keyword argument 'scale' is of type str; .*"
                                        "pass it by position and mark it static"):
        nb.jit(lambda x, scale=1.0: x * scale, backend=backend)(X, scale="2")


def test_jit_checks_arguments_on_a_cached_function_and_in_lower():
    f = nb.jit(lambda x, y: x + y)
    np.testing.assert_array_equal(f(X, X), 2 * X)
    with pytest.raises(TypeError, match="^jit: argument 1 is of type str"):
        f(X, "abc")
    with pytest.raises(TypeError, match=r"^jit: argument 1\[1\] is of type set"):
        f(X, [X, {1, 2}])  # a set is not a pytree node
    with pytest.raises(TypeError, match="^jit: argument 0 is of type str"):
        f.lower("abc", X)


def test_jit_checks_arguments_inside_other_transformations():
    inner = nb.jit(lambda a, s: a * 2.0)
    with pytest.raises(TypeError, match="^jit: argument 1 is of type str"):
        nb.grad(lambda x: inner(x, "abc"))(1.0)
    with pytest.raises(TypeError, match="^jit: argument 1 is of type object"):
        nb.vmap(lambda x: inner(x, object()))(X)


def test_validation_stays_off_the_cached_call_path(monkeypatch):
    f = nb.jit(lambda x, y: x * y)
    g = nb.jit(lambda x, s: x * s)
    f(X, X), g(X, 2.0)

    def no_checks(*args):
        raise AssertionError("a cached call checked its arguments again")

    monkeypatch.setattr(nb.jit, "_avals", no_checks)
    np.testing.assert_array_equal(f(X, X), X)
    np.testing.assert_array_equal(g(X, 3.0), 3 * X)
    with pytest.raises(AssertionError, match="checked"):
        f(X, np.ones(4))  # a new shape traces, and tracing checks


# ----- Python integers beyond 64 bits -----

def test_python_int_that_overflows_int64_is_an_overflow_error_everywhere():
    big = 2 ** 70
    with pytest.raises(OverflowError, match="add: argument 1 is the Python int 1180591620717411303424, "
                                            "which does not fit in int64"):
        xnp.add(np.arange(3), big)
    with pytest.raises(OverflowError, match="sin: argument 0 is the Python int .* 64-bit"):
        xnp.sin(big)
    for backend in BACKENDS:
        with pytest.raises(OverflowError, match="^jit: argument 0 is the Python int .* 64-bit"):
            nb.jit(lambda n: n + 1, backend=backend)(big)
    with pytest.raises(OverflowError, match="^grad: argument 0 is the Python int"):
        nb.grad(lambda n: n * 1.0)(big)
    # Joining a float array, a big int is an ordinary (weak) float, as in NumPy.
    np.testing.assert_array_equal(xnp.add(X, big), X + big)


def test_negative_int_with_unsigned_array_overflows_as_in_numpy():
    with pytest.raises(OverflowError, match="add: argument 1 is the Python int -1, which does not "
                                            "fit in uint8"):
        xnp.add(np.arange(3, dtype=np.uint8), -1)


# ----- lists, tuples, ragged lists and None: pytrees -----

@pytest.mark.parametrize("backend", BACKENDS)
def test_lists_of_numbers_are_pytrees_under_jit_as_in_jax(backend):
    f = nb.jit(lambda xs: xs[0] * xs[1], backend=backend)
    np.testing.assert_array_equal(f([2.0, 3.0]), 6.0)
    ragged = nb.jit(lambda xs: xs[0][1] + xs[1][0], backend=backend)
    np.testing.assert_array_equal(ragged([[1.0, 2.0], [3.0]]), 5.0)
    assert nb.grad(lambda xs: xs[0] * xs[1])([2.0, 3.0]) == [3.0, 2.0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_list_given_to_a_numpy_function_is_an_array_traced_or_not(backend):
    # Beyond JAX (docs/numpy-differences.md): a list of traced leaves is stacked.
    np.testing.assert_allclose(xnp.sin([1.0, 2.0]), np.sin([1.0, 2.0]))
    np.testing.assert_allclose(nb.jit(xnp.sin, backend=backend)([1.0, 2.0]), np.sin([1.0, 2.0]))
    np.testing.assert_allclose(nb.grad(lambda xs: xnp.sum(xnp.sin(xs)))([1.0, 2.0]),
                               np.cos([1.0, 2.0]))
    with pytest.raises(TypeError, match="sin: argument 0 is of type str; expected an array"):
        xnp.sin("1.0")


@pytest.mark.parametrize("backend", BACKENDS)
def test_ragged_list_given_to_asarray_fails_the_same_way_traced_or_not(backend):
    ragged = [[1.0, 2.0], [3.0]]
    with pytest.raises(TypeError, match="asarray: cannot convert list to an array"):
        xnp.asarray(ragged)
    with pytest.raises(TypeError, match=r"asarray: cannot convert list to an array: .*"
                                        r"inhomogeneous shapes \[\(1,\), \(2,\)\]"):
        nb.jit(xnp.asarray, backend=backend)(ragged)


@pytest.mark.parametrize("kind", [*BACKENDS, "grad", "vmap"])
def test_mixed_list_is_rejected_at_its_bad_item(kind):
    calls: list = []
    fname = kind if kind in ("grad", "vmap") else "jit"
    with pytest.raises(TypeError, match=rf"^{fname}: argument 1\[1\] is of type str"):
        _transformed(kind, calls)(X, [1.0, "a"])
    assert calls == []
    with pytest.raises(TypeError, match="asarray argument has dtype <U32"):
        xnp.asarray([1.0, "a"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_none_is_an_empty_pytree_not_an_error(backend):
    np.testing.assert_array_equal(nb.jit(lambda x, n: x * 2.0, backend=backend)(X, None), 2 * X)
    np.testing.assert_array_equal(
        nb.jit(lambda p: p["w"] * 2.0, backend=backend)({"w": X, "b": None}), 2 * X)
    g = nb.grad(lambda p: xnp.sum(p["w"] * 2.0))({"w": X, "b": None})
    assert g["b"] is None
    np.testing.assert_array_equal(g["w"], 2 * X)
    np.testing.assert_array_equal(nb.vmap(lambda x, n: x * 2.0)(X, None), 2 * X)


def test_none_given_to_a_numpy_function_fails_the_same_way_traced_or_not():
    for f in (xnp.sin, nb.jit(xnp.sin)):
        with pytest.raises(TypeError, match="sin: argument 0 is of type NoneType"):
            f(None)


# ----- static_argnums -----

@pytest.mark.parametrize("bad", ["a", 1.0, True, [0, "x"], (0, 1.5)])
def test_static_argnums_must_be_ints_at_construction(bad):
    with pytest.raises(TypeError, match=re.escape(
            f"jit: static_argnums must be an int or a tuple of ints, got {bad!r}")):
        nb.jit(lambda x, n: x, static_argnums=bad)


@pytest.mark.parametrize("bad", [2, -3])
def test_static_argnums_beyond_the_signature_fail_at_construction(bad):
    def scale(x, n):
        return x * n

    with pytest.raises(ValueError, match=f"jit: static_argnums {bad} is out of range: scale takes "
                                         "2 positional arguments"):
        nb.jit(scale, static_argnums=bad)


def test_static_argnums_beyond_the_call_fail_at_call_time():
    calls = []

    def scale(x, n=2):
        calls.append(n)
        return x * n

    f = nb.jit(scale, static_argnums=1)
    with pytest.raises(ValueError, match=r"jit: static_argnums 1 is out of range: scale was "
                                         r"called with 1 positional argument \(static arguments "
                                         "must be passed by position"):
        f(X)
    with pytest.raises(ValueError, match="static_argnums 1 is out of range"):
        f(X, n=3)
    g = nb.jit(lambda *args: args[0], static_argnums=(2, -4))
    with pytest.raises(ValueError, match="static_argnums 2 is out of range: <lambda> was called "
                                         "with 2 positional arguments"):
        g(X, X)
    assert calls == []
    np.testing.assert_array_equal(f(X, 3), 3 * X)


def test_negative_static_argnums_count_from_the_end_of_the_call():
    traces = []

    def power(x, n):
        traces.append(n)
        return x ** n

    f = nb.jit(power, static_argnums=-1)
    np.testing.assert_array_equal(f(X * 2, 3), 8 * X)
    assert traces == [3]
    # -1 and 1 are the same argument: it is static once, not twice.
    g = nb.jit(power, static_argnums=(1, -1))
    np.testing.assert_array_equal(g(X * 2, 2), 4 * X)
    np.testing.assert_array_equal(g(X * 2, 2), 4 * X)
    assert g.cache_info()["misses"] == 1


@pytest.mark.parametrize(("value", "fix"), [
    ([1, 2], "pass a tuple instead"),
    ({"a": 1}, r"pass a tuple of \(key, value\) pairs instead"),
    (np.ones(2), "pass the array as a non-static"),
    ({1, 2}, "pass a frozenset instead"),
], ids=["list", "dict", "ndarray", "set"])
def test_unhashable_static_argument_names_its_position_and_the_fix(value, fix):
    calls = []
    f = nb.jit(lambda x, v: calls.append(v) or x, static_argnums=1)
    with pytest.raises(TypeError, match=f"jit: static argument 1 of type {type(value).__name__} "
                                        f"is not hashable; .*{fix}"):
        f(X, value)
    assert calls == []


# ----- a later call with another pytree structure -----

@pytest.mark.parametrize("backend", BACKENDS)
def test_later_call_with_another_dict_retraces_or_raises_the_users_own_error(backend):
    f = nb.jit(lambda p: p["w"] * 2.0, backend=backend)
    np.testing.assert_array_equal(f({"w": X}), 2 * X)
    np.testing.assert_array_equal(f({"w": X, "b": X}), 2 * X)  # a new structure: a new trace
    with pytest.raises(KeyError, match="'w'") as excinfo:
        f({"v": X})
    assert Path(str(excinfo.traceback[-1].path)) == Path(__file__)  # the user's own line
    with pytest.raises(TypeError, match="list indices must be integers"):
        f([X])
    # The failed traces left the cache usable: known structures still hit it.
    hits = f.cache_info()["hits"]
    np.testing.assert_array_equal(f({"w": X}), 2 * X)
    assert f.cache_info()["hits"] == hits + 1


# ----- structures that must match name both -----

def test_vjp_cotangent_of_the_wrong_structure_names_both():
    _, f_vjp = nb.vjp(lambda a: (a, {"s": a * 2.0}), X)
    with pytest.raises(TypeError, match=r"structure of the output \(\*, \{'s': \*\}\), got \*"):
        f_vjp(X)
    with pytest.raises(TypeError, match=r"structure of the output .* got \(\*, \{'t': \*\}\)"):
        f_vjp((X, {"t": X}))


def test_jvp_tangents_of_the_wrong_structure_name_both():
    with pytest.raises(TypeError, match=r"jvp: tangents structure \(\*,\) does not match "
                                        r"primals \(\*, \*\)"):
        nb.jvp(lambda a, b: a * b, (X, X), (X,))
    with pytest.raises(TypeError, match=r"tangents structure \(\{'v': \*\},\) does not match "
                                        r"primals \(\{'w': \*\},\)"):
        nb.jvp(lambda p: p["w"], ({"w": X},), ({"v": X},))
    _, f_jvp = nb.linearize(lambda a, b: a * b, X, X)
    with pytest.raises(TypeError, match=r"expects tangents with structure \(\*, \*\), got \(\*,\)"):
        f_jvp(X)


def test_vmap_in_axes_of_the_wrong_structure_name_both():
    f = lambda a, b: a + b  # noqa: E731
    with pytest.raises(ValueError, match=r"vmap in_axes \(0, 0, 0\) has 3 entries but the "
                                         r"arguments \(\*, \*\) have 2"):
        nb.vmap(f, in_axes=(0, 0, 0))(X, X)
    with pytest.raises(ValueError, match=r"vmap in_axes keys \['v'\] do not match \['w'\]"):
        nb.vmap(lambda p: p["w"], in_axes=({"v": 0},))({"w": X})
    with pytest.raises(ValueError, match=r"vmap in_axes \{'w': 0\} does not match the structure "
                                         r"\(\*, \*\)"):
        nb.vmap(f, in_axes=({"w": 0},))((X, X))
