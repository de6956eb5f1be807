"""Beyond JAX: Python lists as array-likes, plain NumPy code on traced values (NEP 13 and 18),
and the jax.Array methods and properties of tracers."""
import re

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax import ConcretizationError
from numbax.tree_util import tree_leaves

X = np.linspace(-1.3, 1.7, 12).reshape(3, 4)
W = np.linspace(0.5, -0.7, 8).reshape(4, 2)


def _has(*names: str) -> bool:
    return all(hasattr(xnp, n) for n in names)


# --- Lists and tuples as array-likes ------------------------------------------------------

# (description, function name, arguments holding lists) compared with NumPy eagerly.
LIST_CALLS = [
    ("add list scalar", "add", ([1.0, 2.0], 1)),
    ("add int list float32", "add", ([1, 2], np.float32(1))),
    ("multiply nested", "multiply", ([[1.0, 2.0], [3.0, 4.0]], (0.5, 2.0))),
    ("subtract array list", "subtract", (np.ones(2, np.float32), [1.0, 2.0])),
    ("maximum tuple", "maximum", ((1, 5, 3), [4, 2, 6])),
    ("sin", "sin", ([0.0, 1.0, 2.0],)),
    ("exp int", "exp", ([0, 1, 2],)),
    ("power", "power", ([1.5, 2.0], [2.0, 0.5])),
    ("less", "less", ([1, 2, 3], [3, 2, 1])),
    ("logical_and", "logical_and", ([True, False], [True, True])),
    ("logical_not", "logical_not", ([True, False],)),
    ("where", "where", ([True, False, True], [1.0, 2.0, 3.0], [4, 5, 6])),
    ("clip", "clip", ([-2.0, 0.5, 3.0], 0.0, 1.0)),
    ("round", "round", ([0.5, 1.5, 2.25],)),
    ("sum axis", "sum", ([[1, 2], [3, 4]], 1)),
    ("prod", "prod", ([1.5, 2.0, 3.0],)),
    ("mean", "mean", ([[1, 2], [3, 4]],)),
    ("max", "max", ([3.0, 7.0, 1.0],)),
    ("any", "any", ([0, 0, 1],)),
    ("argmax", "argmax", ([3.0, 7.0, 1.0],)),
    ("cumsum", "cumsum", ([1, 2, 3],)),
    ("var", "var", ([1.0, 2.0, 4.0],)),
    ("dot", "dot", ([1.0, 2.0], [[1.0, 2.0], [3.0, 4.0]])),
    ("matmul", "matmul", ([[1.0, 2.0]], [[3.0], [4.0]])),
    ("outer", "outer", ([1, 2], [3.0, 4.0, 5.0])),
    ("reshape", "reshape", ([1, 2, 3, 4], (2, 2))),
    ("transpose", "transpose", ([[1, 2, 3]],)),
    ("concatenate", "concatenate", ([[1.0, 2.0], [3.0]],)),
    ("stack", "stack", (([1, 2], [3, 4]),)),
    ("asarray", "asarray", ([[1, 2], [3, 4]],)),
]


@pytest.mark.parametrize("name, args", [c[1:] for c in LIST_CALLS],
                         ids=[c[0] for c in LIST_CALLS])
def test_lists_are_array_likes_as_in_numpy(name, args, same_array):
    same_array(getattr(xnp, name)(*args), getattr(np, name)(*args), f"xnp.{name} on lists")


def test_python_scalars_stay_weak_but_lists_of_floats_are_float64():
    a = np.ones(2, np.float32)
    assert xnp.add(a, 1.0).dtype == np.float32
    assert xnp.add(a, [1.0, 1.0]).dtype == np.add(a, [1.0, 1.0]).dtype == np.float64
    # np.float64 is a Python float, yet a strongly typed NumPy scalar.
    assert xnp.multiply(a, np.float64(2)).dtype == np.float64


@pytest.mark.parametrize("backend", ["numba", "interpreter"])
def test_lists_holding_tracers_are_stacked(backend, same_array):
    def f(x):
        return xnp.add([x[0], [1.0, 2.0, 3.0, 4.0]], [[x[1, 0]] * 4, (2, 3, 4, 5)]) * xnp.sum(
            [x[2], x[0]], axis=0)

    same_array(nb.jit(f, backend=backend)(X), f(X), "list of tracers under jit")


def test_lists_holding_tracers_under_grad_and_vmap(same_array):
    from numbax.test_util import check_grads

    f = lambda x: xnp.sum(xnp.multiply([x[0], x[1] * 2], [[1.0], [3.0]]) ** 2)  # noqa: E731
    check_grads(f, (X,), order=2)
    same_array(nb.vmap(f)(np.stack([X, -X])), np.array([f(X), f(-X)]), "vmap of lists")
    # float32 tracers stacked with Python floats: a list of floats is float64, as np.asarray.
    g = nb.jit(lambda x: xnp.add([x[0], x[1]], [[1.0] * 4] * 2))
    assert g(X.astype(np.float32)).dtype == np.float64


def test_bad_lists_are_refused_naming_the_function():
    with pytest.raises(TypeError, match="add: argument 0 is a list that is not an array-like"):
        xnp.add([[1.0], [2.0, 3.0]], 1.0)
    with pytest.raises(TypeError, match="sin: argument 0 is of type str"):
        xnp.sin("1.0")


# --- Plain NumPy code under grad, vmap and jit (NEP 13 and NEP 18) -------------------------

F32 = np.ones(4, np.float32)

# (description, a function of one float64 array written with plain NumPy); each is checked
# eagerly (plain NumPy) against jit on both backends, grad against finite differences, and
# vmap against a loop: the NumPy calls are traced as their numbax.numpy equivalents.
NUMPY_CODE = [
    ("np.sin", lambda x: np.sin(x)),
    ("ufuncs chained", lambda x: np.exp(np.tanh(x)) * np.cos(x) - np.sqrt(np.abs(x) + 1)),
    ("np.add scalar", lambda x: np.add(x, 1)),
    ("np.multiply ndarray", lambda x: np.multiply(W.T[:1], x)),
    ("ndarray * tracer", lambda x: np.ones(4) * x),
    ("ndarray - tracer", lambda x: np.arange(4.0) - x),
    ("ndarray / tracer", lambda x: W[:3, 0][:, None] / (x * x + 1)),
    ("np.float64 * tracer", lambda x: np.float64(2.0) * x),
    ("tracer + np.float64", lambda x: x + np.float64(1)),
    ("float32 ndarray * tracer", lambda x: F32 * x),
    ("ndarray ** tracer", lambda x: np.full(4, 1.5) ** x),
    ("ndarray @ tracer", lambda x: W.T @ x.T),
    ("tracer @ ndarray", lambda x: x @ W),
    ("np.power int", lambda x: np.power(x, 3)),
    ("np.square", lambda x: np.square(x)),
    ("np.maximum", lambda x: np.maximum(x, 0.25 * x)),
    ("np.logaddexp", lambda x: np.logaddexp(x, W[:3, :1])),
    ("np.sum axis", lambda x: np.sum(x, axis=0)),
    ("np.sum keepdims", lambda x: np.sum(x * x, axis=1, keepdims=True)),
    ("np.mean", lambda x: np.mean(x, axis=1)),
    ("np.prod", lambda x: np.prod(x, axis=0)),
    ("np.max", lambda x: np.max(x, axis=1)),
    ("np.var", lambda x: np.var(x, axis=0, ddof=1)),
    ("np.std", lambda x: np.std(x)),
    ("np.cumsum", lambda x: np.cumsum(x, axis=1)),
    ("np.where", lambda x: np.where(x > 0.2, x, x * x)),
    ("np.clip", lambda x: np.clip(x, -0.5, 0.75)),
    ("np.concatenate", lambda x: np.concatenate([x, np.sin(x)], axis=1)),
    ("np.stack", lambda x: np.stack([x, W[:3, :1] * x])),
    ("np.dot", lambda x: np.dot(x, W)),
    ("np.matmul", lambda x: np.matmul(x, W)),
    ("np.outer", lambda x: np.outer(x[0], W[:, 0])),
    ("np.transpose", lambda x: np.transpose(x) * 2),
    ("np.reshape", lambda x: np.reshape(x, (2, 6))),
    ("np.swapaxes", lambda x: np.swapaxes(x, 0, 1)),
    ("np.expand_dims", lambda x: np.expand_dims(x, 1)),
    ("np.broadcast_to", lambda x: np.broadcast_to(x[:1], (2, 4))),
    ("np.add.reduce", lambda x: np.add.reduce(x)),
    ("np.add.reduce axis None", lambda x: np.add.reduce(x * x, axis=None)),
    ("np.multiply.reduce axis 1", lambda x: np.multiply.reduce(x, axis=1, keepdims=True)),
    ("np.maximum.reduce", lambda x: np.maximum.reduce(x, axis=1)),
    ("np.minimum.reduce", lambda x: np.minimum.reduce(x, axis=None)),
    ("np.add.accumulate", lambda x: np.add.accumulate(x, axis=1)),
    ("np.add.outer", lambda x: np.add.outer(x[0], W[:, 0])),
    ("np.multiply.outer 2d", lambda x: np.multiply.outer(x, x[0])),
    ("np.subtract.outer", lambda x: np.subtract.outer(W[:, 0], x[1])),
]
# Functions other parts of numbax.numpy provide: tested once they exist.
NUMPY_CODE += [c for c in [
    ("np.einsum", "einsum", lambda x: np.einsum("ij,jk->ik", x, W)),
    ("np.einsum trace", "einsum", lambda x: np.einsum("ij,ij->i", x, x)),
    ("np.multiply.accumulate", "cumprod", lambda x: np.multiply.accumulate(x, axis=0)),
    ("np.cumprod", "cumprod", lambda x: np.cumprod(x, axis=1)),
    ("np.arctan2", "arctan2", lambda x: np.arctan2(x, 2.0 + W[:3, :1])),
    ("np.flip", "flip", lambda x: np.flip(x, 1)),
    ("np.tile", "tile", lambda x: np.tile(x, (2, 1))),
    ("np.sort", "sort", lambda x: np.sort(x, axis=1)),
    ("np.trace", "trace", lambda x: np.trace(x)),
    ("np.diagonal", "diagonal", lambda x: np.diagonal(x, 1)),
    ("np.fmax.reduce", "nanmax", lambda x: np.fmax.reduce(x, axis=0)),
    ("np.diff", "diff", lambda x: np.diff(x, axis=1)),
    ("np.roll", "roll", lambda x: np.roll(x, 1, axis=1)),
    ("np.median", "median", lambda x: np.median(x, axis=1)),
    ("np.tensordot", "tensordot", lambda x: np.tensordot(x, W, axes=1)),
    ("np.triu", "triu", lambda x: np.triu(x)),
    ("np.pad", "pad", lambda x: np.pad(x, 1)),
    ("np.hstack", "hstack", lambda x: np.hstack([x, W[:3]])),
    ("np.vstack", "vstack", lambda x: np.vstack([x, W.T])),
    ("np.moveaxis", "moveaxis", lambda x: np.moveaxis(x[None], 0, -1)),
    ("np.hypot", "hypot", lambda x: np.hypot(x, 0.5)),
    ("np.arcsinh", "arcsinh", lambda x: np.arcsinh(x)),
    ("np.log10", "log10", lambda x: np.log10(x * x + 1)),
    ("np.average", "average", lambda x: np.average(x, axis=0, weights=W[:3, 0] ** 2)),
] if _has(c[1])]


@pytest.mark.parametrize("fn", [c[-1] for c in NUMPY_CODE], ids=[c[0] for c in NUMPY_CODE])
def test_numpy_code_traces(fn, numpy_function):
    numpy_function(fn, fn, X)


# (operand, tracer dtype): NumPy scalars and arrays are strongly typed, as in NumPy 2.
PROMOTIONS = [(np.ones(3, np.float32), np.float64), (np.float64(2.0), np.float32),
              (np.float32(2.0), np.float64), (np.arange(1, 4, dtype=np.int32), np.float32),
              (np.int64(3), np.int32), (np.arange(3, dtype=np.int8), np.int16),
              (np.array([True, False, True]), np.float32)]


@pytest.mark.parametrize("other, dt", PROMOTIONS,
                         ids=[f"{np.asarray(o).dtype}-{np.dtype(d)}" for o, d in PROMOTIONS])
@pytest.mark.parametrize("backend", ["numba", "interpreter"])
def test_numpy_binary_operators_promote_as_numpy(other, dt, backend, same_array):
    def f(x):
        outs = [op(a, b) for op in (np.add, np.multiply, np.subtract, np.maximum, np.less)
                for a, b in ((other, x), (x, other))]
        return outs + [other * x, x - other, other <= x] + ([x / other] if np.all(other) else [])

    x = np.linspace(1, 2, 3).astype(dt)
    for i, (got, want) in enumerate(zip(nb.jit(f, backend=backend)(x), f(x))):
        same_array(got, want, f"output {i} of {other!r} with {dt}")


OPERATOR_UFUNCS = [c for c in [
    ("ndarray & tracer", "bitwise_and", lambda x: np.array([True, False, True]) & (x > 1.2)),
    ("ndarray | tracer", "bitwise_or", lambda x: np.array([True, False, False]) | (x > 1.2)),
    ("ndarray ^ tracer", "bitwise_xor", lambda x: np.array([True, False, True]) ^ (x > 1.2)),
    ("ndarray // tracer", "floor_divide", lambda x: np.arange(3.0) // x),
    ("ndarray % tracer", "remainder", lambda x: np.arange(3.0) % x),
    ("divmod", "divmod", lambda x: divmod(np.arange(5.0, 8.0), x)),
    ("np.divmod", "divmod", lambda x: np.divmod(x, 0.7)),
] if _has(c[1])]


@pytest.mark.parametrize("fn", [c[-1] for c in OPERATOR_UFUNCS],
                         ids=[c[0] for c in OPERATOR_UFUNCS])
@pytest.mark.parametrize("backend", ["numba", "interpreter"])
def test_numpy_operators_on_tracers(fn, backend, same_array):
    x = np.array([0.5, 1.5, 2.25])
    for i, (got, want) in enumerate(zip(tree_leaves(nb.jit(fn, backend=backend)(x)),
                                        tree_leaves(fn(x)))):
        same_array(got, want, f"output {i}")


def test_numpy_ufunc_dtype_keyword(same_array):
    f = lambda x: np.add(x, 1, dtype=np.float32)  # noqa: E731
    same_array(nb.jit(f)(X), f(X), "dtype=")


def test_functions_are_looked_up_when_called(monkeypatch, same_array):
    # A function numbax.numpy gains later (another module, a newer version) is picked up.
    monkeypatch.setattr(xnp, "sinc", lambda x: xnp.sin(x) * 0 + 7.0, raising=False)
    same_array(nb.jit(lambda x: np.sinc(x))(X), np.full_like(X, 7.0), "np.sinc picked up")
    # NumPy keywords the numbax function lacks are named.
    monkeypatch.setattr(xnp, "median", lambda a, axis=None: xnp.mean(a, axis), raising=False)
    same_array(nb.jit(lambda x: np.median(x, axis=0))(X), X.mean(axis=0), "np.median")
    with pytest.raises(TypeError, match=r"numpy\.median: keyword argument\(s\) "
                                        r"\['overwrite_input'\] are not supported"):
        nb.jit(lambda x: np.median(x, overwrite_input=True))(X)
    monkeypatch.delattr(xnp, "sin")
    with pytest.raises(TypeError, match=r"numbax has no equivalent of numpy\.sin \(called on "
                                        r"a traced value\)"):
        nb.jit(lambda x: np.sin(x))(X)


def test_numpy_functions_numbax_lacks_are_named():
    from numpy.lib.stride_tricks import sliding_window_view

    with pytest.raises(TypeError, match=r"no equivalent of numpy\.lib\.stride_tricks\."
                                        "sliding_window_view"):
        nb.grad(lambda x: sliding_window_view(x, 2).sum())(X[0])
    with pytest.raises(TypeError, match=r"no equivalent of numpy\.add\.reduceat"):
        nb.jit(lambda x: np.add.reduceat(x, [0, 2]))(X[0])
    with pytest.raises(TypeError, match=r"no equivalent of numpy\.maximum\.accumulate"):
        nb.jit(lambda x: np.maximum.accumulate(x))(X[0])
    with pytest.raises(TypeError, match=r"no equivalent of numpy\.subtract\.reduce"):
        nb.jit(lambda x: np.subtract.reduce(x))(X[0])


def test_out_and_in_place_updates_are_refused_clearly():
    buf = np.empty_like(X)
    for fn in (lambda x: np.add(x, 1, out=buf), lambda x: np.sin(x, buf),
               lambda x: np.sum(x, axis=0, out=buf[0]), lambda x: np.add.reduce(x, out=buf[0]),
               lambda x: np.cumsum(x, axis=0, out=buf)):
        with pytest.raises(TypeError, match="out= is not supported"):
            nb.jit(fn)(X)

    def add_in_place(x):
        b = np.zeros(4)
        b += x[0]
        return b

    with pytest.raises(TypeError, match="out= is not supported"):
        nb.grad(lambda x: add_in_place(x).sum())(X)
    with pytest.raises(TypeError, match=r"numpy\.add\.at updates an array in place.*x\.at"):
        nb.jit(lambda x: np.add.at(x, [0, 1], 1.0))(X)
    with pytest.raises(TypeError, match="where= needs out="):
        nb.jit(lambda x: np.sin(x, where=x > 0))(X)
    # np.sum(..., out=None) spelled out is fine.
    assert nb.jit(lambda x: np.sum(x, out=None))(X) == pytest.approx(X.sum())


def test_numpy_outside_transformations_is_unchanged():
    out = np.sin(X) + np.sum(X, axis=0)
    assert type(out) is np.ndarray and np.array_equal(out, np.sin(X) + X.sum(axis=0))
    assert type(np.float64(2.0) * X) is np.ndarray
    assert type(np.add.reduce(X)) is np.ndarray
    assert type(np.concatenate([X, X])) is np.ndarray
    # numbax.numpy eagerly: NumPy in, NumPy out (lists included).
    assert type(xnp.add([1.0], X[:, :1])) is np.ndarray


def test_numpy_functions_numbax_reexports_run_numpy(same_array):
    # numbax.numpy.result_type is NumPy's own: no infinite recursion through the protocol.
    dt = nb.jit(lambda x: np.zeros(2, np.result_type(x, np.float32)))(X.astype(np.float32))
    assert dt.dtype == np.float32


def test_grad_of_existing_numpy_code_matches_finite_differences():
    from numbax.test_util import check_grads

    def loss(w, x):  # a small NumPy model: no numbax imports needed
        h = np.tanh(np.dot(x, w))
        return np.mean(np.square(h - np.linspace(0, 1, h.shape[1])))

    check_grads(lambda w: loss(w, X), (W,), order=2)
    g = nb.jit(nb.grad(loss))(W, X)
    assert g.shape == W.shape and type(g) is np.ndarray


# --- Tracer methods and properties ---------------------------------------------------------

INTS = np.array([[0, 2, 1, 3], [1, 0, 3, 2], [2, 2, 0, 1]])
SORTED = np.array([-1.0, 0.0, 0.5, 2.0])

# (description, function name, method call, the NumPy reference when the call itself is not
# one, argument) for the methods that forward to a numbax.numpy function, when it exists.
# (ndarray.sort sorts in place and NumPy 2 has no ndarray.ptp: JAX's return new arrays.)
METHOD_CALLS = [c for c in [
    ("repeat", "repeat", lambda a: a.repeat(2, axis=1), None, X),
    ("repeat flat", "repeat", lambda a: a.repeat(2), None, X),
    ("sort", "sort", lambda a: a.sort(), lambda a: np.sort(a), X[::-1]),
    ("sort axis", "sort", lambda a: a.sort(axis=0), lambda a: np.sort(a, axis=0), X[::-1]),
    ("argsort", "argsort", lambda a: a.argsort(), lambda a: np.argsort(a, stable=True),
     INTS.astype(float)),
    ("searchsorted", "searchsorted", lambda a: a.searchsorted(np.array([0.2, 2.0, -3.0])),
     None, SORTED),
    ("searchsorted right", "searchsorted", lambda a: a.searchsorted(0.5, side="right"), None,
     SORTED),
    ("take", "take", lambda a: a.take(np.array([0, 2]), axis=1), None, X),
    ("take flat", "take", lambda a: a.take(np.array([[1, 5], [11, 0]])), None, X),
    ("diagonal", "diagonal", lambda a: a.diagonal(), None, X),
    ("diagonal offset", "diagonal", lambda a: a.diagonal(1), None, X),
    ("trace", "trace", lambda a: a.trace(), None, X),
    ("trace offset", "trace", lambda a: a.trace(-1), None, X),
    ("ptp", "ptp", lambda a: a.ptp(axis=0), lambda a: np.ptp(a, axis=0), X),
    ("cumprod", "cumprod", lambda a: a.cumprod(axis=1), None, X),
    ("compress", "compress", lambda a: a.compress([True, False, True], axis=0), None, X),
    ("nonzero", "nonzero", lambda a: a.nonzero(size=2), lambda a: np.nonzero(a),
     np.array([[0.0, 1.5], [0.0, -2.0]])),
    ("choose", "choose", lambda a: a.choose([X[0], X[1] * 2, X[2] * 3, -X[0]], mode="clip"),
     None, INTS),
] if _has(c[1])]


@pytest.mark.parametrize("call, reference, arg", [c[2:] for c in METHOD_CALLS],
                         ids=[c[0] for c in METHOD_CALLS])
@pytest.mark.parametrize("backend", ["numba", "interpreter"])
def test_forwarding_methods_match_numpy(call, reference, arg, backend, same_array):
    want = (reference or call)(arg)
    got = nb.jit(call, backend=backend)(arg)
    for i, (g, w) in enumerate(zip(tree_leaves(got), tree_leaves(want))):
        same_array(g, w, f"output {i}")


if _has("argpartition"):
    def test_argpartition_method_partitions():
        v = np.array([[3.0, -1.0, 2.5, 0.0, 7.0], [1.0, 1.0, -4.0, 9.0, 2.0]])
        idx = nb.jit(lambda a: a.argpartition(2))(v)
        part = np.take_along_axis(v, idx, axis=-1)
        np.testing.assert_array_equal(np.sort(part, axis=-1), np.sort(v, axis=-1))
        np.testing.assert_array_equal(part[:, 2], np.sort(v, axis=-1)[:, 2])
        assert (part[:, :2] <= part[:, 2:3]).all() and (part[:, 3:] >= part[:, 2:3]).all()


def test_numpy_inspection_functions_on_tracers():
    seen = []
    nb.jit(lambda a: seen.append((np.shape(a), np.ndim(a), np.size(a))) or a)(X)
    assert seen == [(X.shape, X.ndim, X.size)]


PROPERTIES = [
    ("shape", lambda a: a.shape), ("dtype", lambda a: a.dtype), ("ndim", lambda a: a.ndim),
    ("size", lambda a: a.size), ("itemsize", lambda a: a.itemsize),
    ("nbytes", lambda a: a.nbytes), ("len", len),
]


@pytest.mark.parametrize("dt", [np.float64, np.float32, np.int8, np.bool_])
def test_static_properties_match_numpy(dt):
    x = X.astype(dt)
    seen = {}
    nb.jit(lambda a: seen.update({name: p(a) for name, p in PROPERTIES}) or a)(x)
    assert seen == {name: p(x) for name, p in PROPERTIES}


@pytest.mark.parametrize("name, fn", [
    ("T", lambda a: a.T), ("mT", lambda a: a.mT), ("real", lambda a: a.real),
    ("imag", lambda a: a.imag), ("conj", lambda a: a.conj()),
    ("conjugate", lambda a: a.conjugate()), ("dot", lambda a: a.dot(W)),
    ("matmul", lambda a: a @ W), ("rmatmul", lambda a: W.T @ a.T),
    ("flatten", lambda a: a.flatten()), ("clip", lambda a: a.clip(-1, 1)),
    ("iteration", lambda a: [r * i for i, r in enumerate(a)]),
    ("list", lambda a: list(a.T)),
])
@pytest.mark.parametrize("dt", [np.float64, np.int32])
def test_array_methods_match_numpy(name, fn, dt, traced):
    traced(fn, X.astype(dt) * 3, reference=fn, eager_ndarray=False)


def test_imag_and_real_differentiate():
    from numbax.test_util import check_grads

    check_grads(lambda a: (a.real * a.conj() + a.imag).sum(), (X,), order=2)


def test_iteration_and_len_of_0d_tracers_raise_like_numpy():
    with pytest.raises(TypeError, match="len\\(\\) of unsized object"):
        nb.jit(lambda a: len(a.sum()))(X)
    with pytest.raises(TypeError, match="iteration over a 0-d array"):
        nb.jit(lambda a: iter(a.sum()))(X)
    with pytest.raises(TypeError, match="iteration over a 0-d array"):
        iter(np.ones(()))  # NumPy's message, for comparison
    # Iteration of a traced vector yields traced 0-d slices, usable under vmap too.
    got = nb.vmap(lambda r: sum(v * v for v in r))(X)
    np.testing.assert_allclose(got, (X * X).sum(axis=1))


@pytest.mark.parametrize("what, fn", [
    ("bool", lambda a: bool(a[0, 0])), ("int", lambda a: int(a[0, 0])),
    ("float", lambda a: float(a[0, 0])), ("complex", lambda a: complex(a[0, 0])),
    ("__index__", lambda a: [1, 2, 3, 4][a[0, 0].astype(int)]), ("item", lambda a: a.item(0)),
    ("tolist", lambda a: a.tolist()),
])
def test_concrete_conversions_raise_under_jit(what, fn):
    with pytest.raises(ConcretizationError, match=re.escape(what)):
        nb.jit(fn)(X)
    # Under grad alone values are known: the conversion gives the primal value.
    seen = []
    nb.grad(lambda a: seen.append(fn(a)) or a.sum())(np.abs(X) + 1)
    assert seen[0] == fn(np.abs(X) + 1)
