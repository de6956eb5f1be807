"""Shape manipulation, assembly, creation and dtype inspection in numbax.numpy against NumPy:
eagerly, under jit on both backends, grad against finite differences and vmap against a loop."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax.core.trace import ConcretizationError

R = np.random.default_rng(0)
V = R.normal(size=5)
A = R.normal(size=(3, 4))
B = R.normal(size=(2, 3, 4))
S = R.normal(size=(3, 3))
C = R.normal(size=(3, 3, 3))
I34 = np.arange(12).reshape(3, 4)


def _same(name: str):
    """The pair (numbax.numpy.name, numpy.name)."""
    return getattr(xnp, name), getattr(np, name)


def _both(call):
    """(call applied to numbax.numpy, call applied to numpy): one spelling for both sides."""
    return (lambda *a: call(xnp, *a)), (lambda *a: call(np, *a))


def _np_fill_diagonal(a, val, wrap=False):
    out = np.array(a, copy=True)
    np.fill_diagonal(out, val, wrap)
    return out


REORDER = [
    ("flip", _both(lambda m, x: m.flip(x)), A),
    ("flip axis -1", _both(lambda m, x: m.flip(x, -1)), B),
    ("flip axes", _both(lambda m, x: m.flip(x, (0, 2))), B),
    ("fliplr", _same("fliplr"), A),
    ("flipud", _same("flipud"), V),
    ("roll flat", _both(lambda m, x: m.roll(x, 5)), A),
    ("roll axis", _both(lambda m, x: m.roll(x, -1, 1)), A),
    ("roll tuples", _both(lambda m, x: m.roll(x, (1, -2), (0, -1))), B),
    ("roll same axis twice", _both(lambda m, x: m.roll(x, (1, 2), (1, 1))), A),
    ("roll past length", _both(lambda m, x: m.roll(x, 13, 0)), V),
    ("rot90", _same("rot90"), A),
    ("rot90 k=2", _both(lambda m, x: m.rot90(x, 2)), A),
    ("rot90 k=3 axes", _both(lambda m, x: m.rot90(x, 3, (2, 0))), B),
    ("rot90 k=-1", _both(lambda m, x: m.rot90(x, -1, (1, 2))), B),
    ("rollaxis", _both(lambda m, x: m.rollaxis(x, 2)), B),
    ("rollaxis start", _both(lambda m, x: m.rollaxis(x, 0, 3)), B),
    ("rollaxis negative", _both(lambda m, x: m.rollaxis(x, -1, 1)), B),
    ("permute_dims", (lambda x: xnp.permute_dims(x, (1, 2, 0)),
                      lambda x: np.transpose(x, (1, 2, 0))), B),
    ("matrix_transpose", _same("matrix_transpose"), B),
    ("tile", _both(lambda m, x: m.tile(x, 2)), V),
    ("tile more reps", _both(lambda m, x: m.tile(x, (2, 1, 2))), A),
    ("tile fewer reps", _both(lambda m, x: m.tile(x, (2,))), B),
    ("tile zero", _both(lambda m, x: m.tile(x, (0, 2))), A),
    ("repeat flat", _both(lambda m, x: m.repeat(x, 2)), A),
    ("repeat axis", _both(lambda m, x: m.repeat(x, 3, axis=-1)), A),
    ("repeat counts", _both(lambda m, x: m.repeat(x, [1, 0, 2], axis=0)), A),
    ("repeat counts flat", _both(lambda m, x: m.repeat(x, [2, 0, 1, 1, 3])), V),
    ("resize", _both(lambda m, x: m.resize(x, (4, 5))), A),
    ("resize smaller", _both(lambda m, x: m.resize(x, 7)), A),
    ("atleast_1d", _same("atleast_1d"), np.float64(2.0)),
    ("atleast_2d", _same("atleast_2d"), V),
    ("atleast_3d 1-D", _same("atleast_3d"), V),
    ("atleast_3d 2-D", _same("atleast_3d"), A),
    ("atleast_2d several", _both(lambda m, x: m.atleast_2d(x, x[0])), V),
]


@pytest.mark.parametrize("name,fns,x", REORDER, ids=[c[0] for c in REORDER])
def test_reordering_and_repeating(numpy_function, name, fns, x):
    numpy_function(*fns, x)


JOIN_SPLIT = [
    ("concat", _both(lambda m, x: m.concat([x, x[:1]], axis=0) if m is xnp
                     else np.concatenate([x, x[:1]], axis=0)), A),
    ("hstack 1-D", _both(lambda m, x: m.hstack([x, x[:2]])), V),
    ("hstack 2-D", _both(lambda m, x: m.hstack((x, x[:, :1]))), A),
    ("vstack", _both(lambda m, x: m.vstack([x, x])), V),
    ("vstack 2-D", _both(lambda m, x: m.vstack([x, x[:1]])), A),
    ("dstack", _both(lambda m, x: m.dstack([x, x])), A),
    ("column_stack", _both(lambda m, x: m.column_stack([x, x * 2])), V),
    ("column_stack 2-D", _both(lambda m, x: m.column_stack([x, x[:, 0]])), A),
    ("unstack", _both(lambda m, x: m.unstack(x, axis=1)), A),
    ("unstack negative", _both(lambda m, x: m.unstack(x, axis=-1)), B),
    ("split", _both(lambda m, x: m.split(x, 2, axis=1)), A),
    ("split indices", _both(lambda m, x: m.split(x, [1, 3])), V),
    ("split negative index", _both(lambda m, x: m.split(x, [-1], axis=-1)), A),
    ("split decreasing", _both(lambda m, x: m.split(x, [3, 1])), V),
    ("array_split", _both(lambda m, x: m.array_split(x, 3, axis=1)), A),
    ("array_split many", _both(lambda m, x: m.array_split(x, 7)), V),
    ("hsplit", _both(lambda m, x: m.hsplit(x, 2)), A),
    ("hsplit 1-D", _both(lambda m, x: m.hsplit(x, [2])), V),
    ("vsplit", _both(lambda m, x: m.vsplit(x, 3)), A),
    ("dsplit", _both(lambda m, x: m.dsplit(x, [1])), B),
    ("block", _both(lambda m, x: m.block([[x, x[:, :1]], [x[:1], x[:1, :1]]])), A),
    ("block 1-D", _both(lambda m, x: m.block([x, x[:2]])), V),
    ("block promotes rank", _both(lambda m, x: m.block([[x], [x]])), V),
    ("append", _both(lambda m, x: m.append(x, x[:2])), A),
    ("append axis", _both(lambda m, x: m.append(x, x[:1], axis=0)), A),
    ("insert scalar", _both(lambda m, x: m.insert(x, 2, 7.0)), V),
    ("insert axis", _both(lambda m, x: m.insert(x, 1, x[:, 0], axis=1)), A),
    ("insert scalar block", _both(lambda m, x: m.insert(x, 1, [[1.0], [2.0]], axis=1)), A),
    ("insert sequence", _both(lambda m, x: m.insert(x, [0, 2, 2, -1], [1.0, 2.0, 3.0, 4.0])),
     V),
    ("insert slice", _both(lambda m, x: m.insert(x, slice(0, 3), 9.0, axis=0)), A),
    ("insert at end", _both(lambda m, x: m.insert(x, [5], x[:1])), V),
    ("delete", _both(lambda m, x: m.delete(x, 1)), V),
    ("delete list", _both(lambda m, x: m.delete(x, [0, -1], axis=1)), A),
    ("delete slice", _both(lambda m, x: m.delete(x, slice(None, None, 2), axis=0)), A),
    ("delete mask", _both(lambda m, x: m.delete(x, np.array([True, False, True, False, False]))),
     V),
]


@pytest.mark.parametrize("name,fns,x", JOIN_SPLIT, ids=[c[0] for c in JOIN_SPLIT])
def test_joining_and_splitting(numpy_function, name, fns, x):
    numpy_function(*fns, x)


MATRIX = [
    ("triu", _same("triu"), A),
    ("tril k", _both(lambda m, x: m.tril(x, -1)), B),
    ("triu k", _both(lambda m, x: m.triu(x, 2)), B),
    ("diag", _same("diag"), V),
    ("diag k", _both(lambda m, x: m.diag(x, 2)), V),
    ("diag -k", _both(lambda m, x: m.diag(x, -1)), V),
    ("diag of 2-D", _both(lambda m, x: m.diag(x, 1)), A),
    ("diag of 2-D -k", _both(lambda m, x: m.diag(x, -2)), A),
    ("diagonal", _same("diagonal"), A),
    ("diagonal axes", _both(lambda m, x: m.diagonal(x, 1, 2, 0)), B),
    ("diagonal negative", _both(lambda m, x: m.diagonal(x, -1, -1, -2)), B),
    ("diagonal empty", _both(lambda m, x: m.diagonal(x, 5)), A),
    ("diagflat", _both(lambda m, x: m.diagflat(x, -1)), A[:2, :2]),
    ("trace", _same("trace"), A),
    ("trace offset", _both(lambda m, x: m.trace(x, 1, 1, 2)), B),
    ("fill_diagonal", (lambda x: xnp.fill_diagonal(x, 5.0, inplace=False),
                       lambda x: _np_fill_diagonal(x, 5.0)), A),
    ("fill_diagonal tall wrap", (lambda x: xnp.fill_diagonal(x, [1.0, 2.0], True, inplace=False),
                                 lambda x: _np_fill_diagonal(x, [1.0, 2.0], True)),
     R.normal(size=(7, 2))),
    ("fill_diagonal 3-D", (lambda x: xnp.fill_diagonal(x, 2.0, inplace=False),
                           lambda x: _np_fill_diagonal(x, 2.0)), C),
    ("meshgrid", _both(lambda m, x: m.meshgrid(x, x[:3])), V),
    ("meshgrid ij", _both(lambda m, x: m.meshgrid(x, x[:3], x[:2], indexing="ij")), V),
    ("meshgrid sparse", _both(lambda m, x: m.meshgrid(x, x[:3], sparse=True)), V),
    ("apply_over_axes", (lambda x: xnp.apply_over_axes(xnp.sum, x, [0, 2]),
                         lambda x: np.apply_over_axes(np.sum, x, [0, 2])), B),
]


@pytest.mark.parametrize("name,fns,x", MATRIX, ids=[c[0] for c in MATRIX])
def test_matrices_and_grids(numpy_function, name, fns, x):
    numpy_function(*fns, x)


MAPPED = [
    ("apply_along_axis 0", _both(lambda m, x: m.apply_along_axis(lambda v: v[:2] * v[-1], 0, x)),
     B),
    ("apply_along_axis -1", _both(lambda m, x: m.apply_along_axis(m.cumsum, -1, x)), B),
    ("apply_along_axis 1 scalar", _both(lambda m, x: m.apply_along_axis(
        lambda v, p: m.sum(v ** p), 1, x, 2)), B),
    ("vectorize", (lambda x: xnp.vectorize(lambda a, b: a * b + 1)(x, x[0]),
                   lambda x: np.vectorize(lambda a, b: a * b + 1)(x, x[0])), A),
    ("vectorize signature", (
        lambda x: xnp.vectorize(lambda a, b: xnp.dot(a, b), signature="(n),(n)->()")(x, x[0, 0]),
        lambda x: np.vectorize(np.dot, signature="(n),(n)->()")(x, x[0, 0])), B),
    ("vectorize signature out", (
        lambda x: xnp.vectorize(lambda a: xnp.outer(a, a), signature="(n)->(n,n)")(x),
        lambda x: np.vectorize(lambda a: np.outer(a, a), signature="(n)->(n,n)")(x)), A),
    ("vectorize excluded", (
        lambda x: xnp.vectorize(lambda a, p: a ** p[0] + p[1], excluded={1})(x, (2, 1.0)),
        lambda x: np.vectorize(lambda a, p: a ** p[0] + p[1], excluded={1})(x, (2, 1.0))), A),
    ("vectorize keyword", (
        lambda x: xnp.vectorize(lambda a, *, b: a - b)(x[:, None], b=x[0]),
        lambda x: np.vectorize(lambda a, *, b: a - b)(x[:, None], b=x[0])), A),
]


@pytest.mark.parametrize("name,fns,x", MAPPED, ids=[c[0] for c in MAPPED])
def test_mapped_functions(numpy_function, name, fns, x):
    numpy_function(*fns, x)


def test_vectorize_maps_without_a_python_loop(traced):
    calls = []

    def f(a):
        calls.append(a.shape)
        return a * 2

    closed = traced(xnp.vectorize(f), A, reference=lambda x: x * 2)
    assert calls == [(), ()]  # once eagerly, once traced: vmap, not one call per element
    assert len(closed.eqns) == 1


def test_vectorize_bad_signature():
    with pytest.raises(ValueError, match="signature"):
        xnp.vectorize(lambda a: a, signature="(n)")(V)
    with pytest.raises(ValueError, match="inconsistent size"):
        xnp.vectorize(lambda a, b: a, signature="(n),(n)->()")(V, A)


@pytest.mark.skipif(not hasattr(xnp, "median"), reason="needs numbax.numpy.median")
def test_pad_median(numpy_function):
    numpy_function(lambda x: xnp.pad(x, ((1, 2), (3, 1)), "median", stat_length=2),
                   lambda x: np.pad(x, ((1, 2), (3, 1)), "median", stat_length=2), A)


def test_fill_diagonal_with_a_traced_value(numpy_function):
    numpy_function(lambda v, a: xnp.fill_diagonal(a, v, inplace=False),
                   lambda v, a: _np_fill_diagonal(a, v), V[:2], S)


PAD = [
    ("constant", {}, ((1, 2), (0, 3))),
    ("constant", {"constant_values": ((1.5, 2.5), (-1.0, 3.0))}, ((1, 2), (2, 1))),
    ("constant", {"constant_values": 7}, 2),
    ("empty", {}, (1, 2)),
    ("edge", {}, ((2, 1), (0, 3))),
    ("wrap", {}, ((4, 5), (1, 9))),
    ("reflect", {}, ((2, 2), (5, 7))),
    ("reflect", {"reflect_type": "odd"}, ((2, 3), (9, 4))),
    ("symmetric", {}, ((3, 1), (6, 2))),
    ("symmetric", {"reflect_type": "odd"}, ((4, 1), (2, 2))),
    ("linear_ramp", {}, ((2, 1), (3, 0))),
    ("linear_ramp", {"end_values": ((1.0, -2.0), (4.0, 0.5))}, 3),
    ("maximum", {}, ((1, 2), (2, 1))),
    ("minimum", {"stat_length": 2}, ((1, 2), (2, 1))),
    ("mean", {"stat_length": ((1, 2), (3, 1))}, (2, 3)),
    ("wrap", {}, {-1: (2, 1)}),
    ("constant", {"constant_values": 3}, {0: 2}),
]


@pytest.mark.parametrize("mode,kwargs,width", PAD, ids=[f"{p[0]}-{i}" for i, p in enumerate(PAD)])
def test_pad_modes(numpy_function, mode, kwargs, width):
    def xfn(x):
        return xnp.pad(x, width, mode, **kwargs)

    def npfn(x):
        return np.pad(x, width, mode, **kwargs)

    if mode == "empty":  # NumPy leaves the padding uninitialised; numbax (as JAX) gives zeros
        def npfn(x):  # noqa: F811
            return np.pad(x, width, "constant")

    numpy_function(xfn, npfn, A)


@pytest.mark.parametrize("mode", ["edge", "mean", "linear_ramp"])
def test_pad_integer_arrays(numpy_function, mode):
    numpy_function(lambda x: xnp.pad(x, ((1, 3), (2, 2)), mode),
                   lambda x: np.pad(x, ((1, 3), (2, 2)), mode), I34)


def test_pad_one_dimensional_and_traced_constant(numpy_function):
    numpy_function(lambda x: xnp.pad(x, 3, "reflect"), lambda x: np.pad(x, 3, "reflect"), V[:2])
    numpy_function(lambda c, x: xnp.pad(x, (1, 2), constant_values=c),
                   lambda c, x: np.pad(x, (1, 2), constant_values=c), np.float64(2.5), V)


INT_RESULTS = [
    ("indices", lambda m: m.indices((2, 3))),
    ("indices sparse", lambda m: m.indices((2, 3), sparse=True)),
    ("ix_", lambda m: m.ix_(np.array([0, 2]), np.array([True, False, True]))),
    ("tril_indices", lambda m: m.tril_indices(3, -1, 4)),
    ("triu_indices", lambda m: m.triu_indices(4, 1)),
    ("tril_indices_from", lambda m: m.tril_indices_from(A)),
    ("triu_indices_from", lambda m: m.triu_indices_from(A, 1)),
    ("diag_indices", lambda m: m.diag_indices(3, 3)),
    ("diag_indices_from", lambda m: m.diag_indices_from(C)),
    ("mask_indices", lambda m: m.mask_indices(3, m.triu, 1)),
    ("tri", lambda m: m.tri(3, 4, 1)),
    ("tri int", lambda m: m.tri(3, dtype=np.int32)),
    ("fromfunction", lambda m: m.fromfunction(lambda i, j: i * 10 + j, (2, 3))),
    ("empty", lambda m: m.zeros((2, 3)) if m is np else m.empty((2, 3))),
    ("empty_like", lambda m: m.zeros_like(I34) if m is np else m.empty_like(I34)),
    ("empty dtype", lambda m: m.zeros(3, np.int32) if m is np else m.empty(3, np.int32)),
    ("copy", lambda m: m.copy(A)),
    ("logspace", lambda m: m.logspace(0.0, 2.0, 5, base=2.0)),
    ("geomspace", lambda m: m.geomspace(-1.0, -1000.0, 4, endpoint=False)),
    ("geomspace dtype", lambda m: m.geomspace(1, 256, 9, dtype=np.int64)),
    ("fromiter", lambda m: m.fromiter((i * i for i in range(4)), np.int32)),
    ("concatenate dtype", lambda m: m.concatenate([I34, I34], 1, dtype=np.float32)),
    ("stack dtype", lambda m: m.stack([I34, I34], -1, dtype=np.float32)),
    ("hstack dtype", lambda m: m.hstack([I34, I34], dtype=np.int8)),
]


@pytest.mark.parametrize("name,call", INT_RESULTS, ids=[c[0] for c in INT_RESULTS])
def test_static_constructions(same_array, name, call):
    got, want = call(xnp), call(np)
    got, want = (got, want) if isinstance(want, tuple | list) else ((got,), (want,))
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        same_array(g, w, f"{name} output {i}")


def test_copy_is_a_copy():
    x = np.ones(3)
    y = xnp.copy(x)
    y[0] = 5.0
    assert x[0] == 1.0


def test_traced_logspace_and_geomspace(numpy_function):
    numpy_function(lambda a: xnp.logspace(a, 2.0, 4), lambda a: np.logspace(a, 2.0, 4),
                   np.float64(0.5), vmap=False)
    numpy_function(lambda a: xnp.geomspace(a, 8.0, 4), lambda a: np.geomspace(a, 8.0, 4),
                   np.float64(0.5), vmap=False)


def test_ravel_and_unravel_index(numpy_function):
    rows, cols = np.array([0, 2, 1]), np.array([3, 0, 2])
    for order in ("C", "F"):
        numpy_function(lambda r, c, o=order: xnp.ravel_multi_index((r, c), (3, 4), order=o),
                       lambda r, c, o=order: np.ravel_multi_index((r, c), (3, 4), order=o),
                       rows, cols, jit=False, vmap=False)  # mode='raise' needs concrete indices
    for mode in ("clip", "wrap"):
        numpy_function(lambda r, m=mode: xnp.ravel_multi_index((r, cols + 3), (3, 4), mode=m),
                       lambda r, m=mode: np.ravel_multi_index((r, cols + 3), (3, 4), mode=m),
                       rows - 1)
    flat = np.array([0, 5, 11, 7])
    numpy_function(lambda f: xnp.unravel_index(f, (3, 4)), lambda f: np.unravel_index(f, (3, 4)),
                   flat)
    # As in JAX: negative indices count from the end, out-of-range ones are clipped.
    got = nb.jit(lambda f: xnp.unravel_index(f, (3, 4)))(np.array([-1, 12]))
    assert [g.tolist() for g in got] == [[2, 2], [3, 3]]


def test_repeat_with_traced_counts_needs_total_repeat_length():
    x, counts = np.arange(3.0), np.array([1, 2, 1])
    with pytest.raises(ConcretizationError, match="total_repeat_length"):
        nb.jit(lambda x, r: xnp.repeat(x, r))(x, counts)
    for total in (3, 4, 6):
        got = nb.jit(lambda x, r, total=total: xnp.repeat(x, r, total_repeat_length=total))(
            x, counts)
        want = np.repeat(x, counts)
        want = np.concatenate([want, np.full(total - 4, want[-1])]) if total > 4 else want[:total]
        np.testing.assert_array_equal(got, want)


def test_repeat_with_traced_counts_under_grad_and_vmap():
    x, counts = np.arange(3.0), np.array([[1, 2, 1], [0, 1, 3]])
    got = nb.vmap(lambda r: xnp.repeat(x, r, total_repeat_length=4))(counts)
    np.testing.assert_array_equal(got, [np.repeat(x, r) for r in counts])
    g = nb.grad(lambda x: xnp.sum(xnp.repeat(x, counts[1]) ** 2))(x)
    np.testing.assert_allclose(g, 2 * x * counts[1])


def test_roll_with_a_traced_shift(numpy_function):
    for shift in (0, 2, -7):
        got = nb.jit(lambda x, s: xnp.roll(x, s, 1))(A, np.int64(shift))
        np.testing.assert_array_equal(got, np.roll(A, shift, 1))


def test_trim_zeros_needs_concrete_values():
    x = np.array([0.0, 0.0, 1.5, 0.0, 2.0, 0.0])
    for trim in ("fb", "f", "b", "B"):
        np.testing.assert_array_equal(xnp.trim_zeros(x, trim), np.trim_zeros(x, trim))
    np.testing.assert_array_equal(xnp.trim_zeros(np.zeros(3)), np.trim_zeros(np.zeros(3)))
    g = nb.grad(lambda x: xnp.sum(xnp.trim_zeros(x) ** 2))(x)
    np.testing.assert_allclose(g, [0, 0, 3.0, 0, 4.0, 0])
    with pytest.raises(ConcretizationError, match="trim_zeros"):
        nb.jit(xnp.trim_zeros)(x)


def test_flip_is_one_rev_primitive(traced):
    closed = traced(lambda x: xnp.flip(x, (0, -1)), B, reference=lambda x: np.flip(x, (0, -1)),
                    primitive="rev")
    assert [e.primitive.name for e in closed.eqns] == ["rev"]


def test_rev_rules_compose():
    f = lambda x: nb.lax.rev(x, (1,)) * np.arange(4.0)  # noqa: E731
    jac = nb.jacrev(f)(A)
    np.testing.assert_allclose(nb.jacfwd(f)(A), jac)
    np.testing.assert_allclose(nb.vmap(f, in_axes=1, out_axes=1)(B), np.stack(
        [f(B[:, i]) for i in range(3)], 1))


BAD_INPUT = [
    (lambda: xnp.split(np.arange(5), 2), ValueError, "does not result in an equal division"),
    (lambda: xnp.split(np.arange(5), 0), ValueError, "larger than 0"),
    (lambda: xnp.vsplit(np.arange(4), 2), ValueError, "2 or more dimensions"),
    (lambda: xnp.fill_diagonal(np.zeros((2, 2)), 1.0), ValueError, "inplace=False"),
    (lambda: xnp.fill_diagonal(np.zeros((2, 3, 2)), 1.0, inplace=False), ValueError, "equal"),
    (lambda: xnp.pad(A, -1), ValueError, "negative"),
    (lambda: xnp.pad(A, 1, "bogus"), ValueError, "mode 'bogus'"),
    (lambda: xnp.pad(A, 1, "edge", constant_values=2), ValueError, "constant_values"),
    (lambda: xnp.pad(np.zeros((0, 2)), 1, "edge"), ValueError, "empty axis 0"),
    (lambda: xnp.pad(A, ((1, 2, 3),)), ValueError, "pairs"),
    (lambda: xnp.pad(A, 1.5), TypeError, "integral"),
    (lambda: xnp.repeat(V, [1, 2]), ValueError, "2 repeat counts for an axis of length 5"),
    (lambda: xnp.repeat(V, -1), ValueError, "negative"),
    (lambda: xnp.tile(V, -1), ValueError, "non-negative"),
    (lambda: xnp.roll(V, 1.5), TypeError, "ints"),
    (lambda: xnp.rot90(A, 1, (0, 0)), ValueError, "differ"),
    (lambda: xnp.rot90(V), ValueError, "out of range"),
    (lambda: xnp.tril(V), ValueError, "rank at least 2"),
    (lambda: xnp.diag(B), ValueError, "1-D or 2-D"),
    (lambda: xnp.diagonal(A, 0, 1, -1), ValueError, "cannot be the same"),
    (lambda: xnp.block([[A], A]), ValueError, "depths are mismatched"),
    (lambda: xnp.block([]), ValueError, "cannot be empty"),
    (lambda: xnp.block((A, A)), TypeError, "tuple"),
    (lambda: xnp.insert(V, 7, 1.0), IndexError, "out of bounds"),
    (lambda: xnp.delete(V, 5), IndexError, "out of bounds"),
    (lambda: xnp.delete(V, np.array([True, False])), ValueError, "match the axis length"),
    (lambda: xnp.ravel_multi_index((np.array([3]), np.array([0])), (3, 4)), ValueError,
     "invalid entry"),
    (lambda: xnp.meshgrid(V, indexing="yx"), ValueError, "indexing"),
    (lambda: xnp.ix_(A), ValueError, "1-dimensional"),
    (lambda: xnp.matrix_transpose(V), ValueError, "rank at least 2"),
    (lambda: xnp.rollaxis(B, 0, 4), ValueError, "start 4"),
    (lambda: xnp.unstack(np.float64(1.0)), ValueError, "rank at least 1"),
    (lambda: xnp.trim_zeros(V, "x"), ValueError, "'f' and 'b'"),
    (lambda: xnp.resize(V, (-1, 2)), ValueError, "non-negative"),
    (lambda: xnp.concatenate([V], 0, np.zeros(5)), TypeError, "out="),
    (lambda: xnp.stack([V], out=np.zeros(5)), TypeError, "out="),
]


@pytest.mark.parametrize("call,error,match", BAD_INPUT, ids=[str(i) for i in range(len(BAD_INPUT))])
def test_bad_input_raises_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_static_arguments_cannot_be_traced():
    with pytest.raises(TypeError, match="static"):
        nb.jit(lambda x, n: xnp.split(x, n))(V, np.array([2]))
    with pytest.raises(ConcretizationError, match="ravel_multi_index"):
        nb.jit(lambda r: xnp.ravel_multi_index((r,), (3,)))(np.array([1]))
    with pytest.raises(ConcretizationError, match="pad_width"):
        nb.jit(lambda x, w: xnp.pad(x, w))(V, np.array(1))


# ---------------------------------------------------------------------------------------------
# dtype inspection


DTYPE_QUERIES = [
    ("promote_types", (np.int8, np.uint8)),
    ("promote_types", ("float32", np.int64)),
    ("result_type", (np.float32, 2.0)),
    ("result_type", (np.int8, 1)),
    ("result_type", (np.zeros(2, np.int16), np.zeros((), np.int32), True)),
    ("result_type", (np.float16(1), 3)),
    ("can_cast", (np.int32, np.float64)),
    ("can_cast", (np.float64, np.int32)),
    ("can_cast", (np.float64, np.float32, "same_kind")),
    ("issubdtype", (np.float32, np.floating)),
    ("issubdtype", (np.int32, np.floating)),
    ("isdtype", (np.float32, "real floating")),
    ("isdtype", (np.int8, ("integral", "bool"))),
    ("isscalar", (1.0,)),
    ("isscalar", ([1.0],)),
    ("isscalar", (np.int8(3),)),
    ("iterable", ([1],)),
    ("iterable", (1.0,)),
    ("broadcast_shapes", ((2, 1), (3,))),
    ("broadcast_shapes", (5, (1, 1))),
]


@pytest.mark.parametrize("name,args", DTYPE_QUERIES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(DTYPE_QUERIES)])
def test_dtype_queries_agree_with_numpy(name, args):
    assert getattr(xnp, name)(*args) == getattr(np, name)(*args)


def test_dtype_queries_see_tracers():
    def f(x):
        assert xnp.result_type(x, 1.0) == np.float32
        assert xnp.result_type(x, np.float64) == np.float64
        assert xnp.can_cast(x, np.float64) and not xnp.can_cast(x, np.int8)
        assert xnp.isscalar(x[0]) and not xnp.isscalar(x)
        assert xnp.iterable(x) and not xnp.iterable(x[0])
        return x

    nb.jit(f)(np.ones(3, np.float32))
    nb.vmap(f)(np.ones((2, 3), np.float32))
    assert xnp.isscalar(np.zeros(()))  # as in JAX: 0-d arrays count as scalars


def test_dtype_query_errors():
    with pytest.raises(ValueError, match="cannot be broadcast"):
        xnp.broadcast_shapes((2,), (3,))
    with pytest.raises(TypeError, match="Python scalars"):
        xnp.can_cast(1, np.int8)
    with pytest.raises(ValueError, match="at least one"):
        xnp.result_type()
