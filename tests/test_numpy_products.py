"""Products (einsum, tensordot, kron, cross, vecdot, matvec, vecmat, convolve, correlate),
polynomials, window functions and finite differences against NumPy: values, shapes and
dtypes eagerly and under jit on both backends, grad against finite differences, vmap against
a loop (the numpy_function fixture), and the errors bad input gets."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax.core.trace import ConcretizationError

# ---------------------------------------------------------------------------------------------
# einsum

EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),             # matmul
    ("ij,jk", [(2, 3), (3, 4)]),                 # implicit matmul
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),    # batch matmul
    ("ii", [(3, 3)]),                            # trace (implicit)
    ("ii->", [(3, 3)]),                          # trace
    ("ii->i", [(3, 3)]),                         # diagonal
    ("iij->ji", [(3, 3, 2)]),                    # diagonal of two of three axes
    ("iii->i", [(2, 2, 2)]),                     # diagonal of three axes
    ("i,j->ij", [(3,), (4,)]),                   # outer
    ("ij->ji", [(2, 3)]),                        # transpose
    ("ba", [(2, 3)]),                            # implicit: transposes to ASCII order
    ("ij->", [(2, 3)]),                          # total sum
    ("i,i", [(4,), (4,)]),                       # inner product
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),  # broadcast batch matmul
    ("...ij,...jk", [(3, 2, 3), (3, 3, 2)]),      # implicit with ellipsis
    ("i...->...", [(2, 3, 4)]),                   # sum a leading axis under '...'
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),   # three-operand chain
    ("abc,cd,bd->a", [(2, 3, 4), (4, 2), (3, 2)]),  # three operands, two shared labels
    ("i,i,i->i", [(4,), (4,), (4,)]),             # elementwise product of three
    ("ij,ij->ij", [(1, 3), (2, 3)]),              # size-1 broadcasting of a named axis
    ("bi,bj->bij", [(2, 3), (2, 2)]),             # batched outer
]


def _operands(rng, shapes, dtype=np.float64):
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


@pytest.mark.parametrize("subscripts,shapes", EINSUM_CASES, ids=[c[0] for c in EINSUM_CASES])
@pytest.mark.parametrize("optimize", ["auto", False, "optimal"])
def test_einsum_matches_numpy(subscripts, shapes, optimize, rng, same_array):
    ops = _operands(rng, shapes)
    same_array(xnp.einsum(subscripts, *ops, optimize=optimize), np.einsum(subscripts, *ops),
               f"einsum {subscripts}")


@pytest.mark.parametrize("subscripts,shapes", EINSUM_CASES, ids=[c[0] for c in EINSUM_CASES])
def test_einsum_transforms(subscripts, shapes, rng, numpy_function):
    ops = _operands(rng, shapes)
    numpy_function(lambda *o: xnp.einsum(subscripts, *o), lambda *o: np.einsum(subscripts, *o),
                   *ops)


@pytest.mark.parametrize("dtypes", [(np.int32, np.int32), (np.int8, np.int64),
                                    (np.float32, np.float32), (np.float32, np.int64),
                                    (np.bool_, np.bool_)], ids=str)
def test_einsum_dtypes(dtypes, rng, same_array):
    a = (rng.integers(-2, 3, (3, 4)) > 0 if dtypes[0] == np.bool_ else
         rng.integers(-2, 3, (3, 4))).astype(dtypes[0])
    b = (rng.integers(-2, 3, (4, 2)) > 0 if dtypes[1] == np.bool_ else
         rng.integers(-2, 3, (4, 2))).astype(dtypes[1])
    for subscripts in ("ij,jk->ik", "ij,jk->", "ij->j"):
        ops = (a, b) if "," in subscripts else (a,)
        same_array(xnp.einsum(subscripts, *ops), np.einsum(subscripts, *ops), subscripts)
    jitted = nb.jit(lambda a, b: xnp.einsum("ij,jk->ik", a, b))(a, b)
    same_array(jitted, np.einsum("ij,jk->ik", a, b), "jit")


def test_einsum_interleaved_and_preferred_type(rng, same_array):
    a, b = _operands(rng, [(2, 3), (3, 4)])
    same_array(xnp.einsum(a, [0, 1], b, [1, 2], [0, 2]), np.einsum(a, [0, 1], b, [1, 2], [0, 2]),
               "explicit sublists")
    same_array(xnp.einsum(a, [0, 1], b, [1, 2]), np.einsum(a, [0, 1], b, [1, 2]),
               "implicit sublists")
    same_array(xnp.einsum(a, [Ellipsis, 1], [Ellipsis]), np.einsum(a, [Ellipsis, 1], [Ellipsis]),
               "sublists with Ellipsis")
    ai = np.arange(6, dtype=np.int32).reshape(2, 3)
    assert xnp.einsum("ij->i", ai, preferred_element_type=np.float64).dtype == np.float64


def _primitives(fn, *args) -> list[str]:
    return [eqn.primitive.name for eqn in nb.make_jaxpr(fn)(*args).eqns]


def test_einsum_contracts_with_dot_general(rng):
    a, b, c = _operands(rng, [(2, 3), (3, 4), (4, 5)])
    assert _primitives(lambda x, y: xnp.einsum("ij,jk->ik", x, y), a, b) == ["dot_general"]
    batch = _operands(rng, [(5, 2, 3), (5, 3, 4)])
    assert _primitives(lambda x, y: xnp.einsum("bij,bjk->bik", x, y), *batch) == ["dot_general"]
    chain = _primitives(lambda x, y, z: xnp.einsum("ij,jk,kl->il", x, y, z), a, b, c)
    assert chain.count("dot_general") == 2, chain
    # A diagonal is a strided slice, not a gather or a Python loop over elements.
    diag = _primitives(lambda x: xnp.einsum("ii->i", x), np.ones((4, 4)))
    assert "slice" in diag and len(diag) <= 3, diag


def _first_contraction(fn, *args) -> list[tuple]:
    closed = nb.make_jaxpr(fn)(*args)
    first = next(e for e in closed.eqns if e.primitive.name == "dot_general")
    return sorted(tuple(v.aval.shape) for v in first.inputs)


def test_einsum_follows_numpys_path(rng):
    shapes = [(2, 30), (30, 40), (40, 3)]
    ops = _operands(rng, shapes)
    path = xnp.einsum_path("ij,jk,kl->il", *ops)
    want = np.einsum_path("ij,jk,kl->il", *ops, optimize="greedy")
    assert path[0] == want[0] and path[1] == want[1]
    # The first dot_general contracts the pair the path names first.
    first_pair = sorted(shapes[i] for i in want[0][1])
    assert _first_contraction(lambda *o: xnp.einsum("ij,jk,kl->il", *o), *ops) == first_pair
    # An explicit path is used as given.
    forced = ["einsum_path", (0, 1), (0, 1)]
    assert _first_contraction(lambda *o: xnp.einsum("ij,jk,kl->il", *o, optimize=forced),
                              *ops) == [(2, 30), (30, 40)]


@pytest.mark.parametrize("call,error,match", [
    (lambda: xnp.einsum("ij,jk", np.ones((2, 3))), ValueError, "2 operands"),
    (lambda: xnp.einsum("ij,jk", np.ones((2, 3)), np.ones((4, 2))), ValueError, "subscript 'j'"),
    (lambda: xnp.einsum("i1", np.ones((2, 3))), ValueError, "invalid subscript"),
    (lambda: xnp.einsum("ijk", np.ones((2, 3))), ValueError, "rank 2"),
    (lambda: xnp.einsum("ij->k", np.ones((2, 3))), ValueError, "'k'"),
    (lambda: xnp.einsum("...i->i", np.ones((2, 3))), ValueError, "no '...'"),
    (lambda: xnp.einsum("ij", np.ones((2, 3)), out=np.ones((2, 3))), TypeError, "out="),
    (lambda: xnp.einsum("ij", np.ones((1, 2)), optimize="fast"), ValueError, "optimize"),
])
def test_einsum_rejects_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------------------------------------
# Other products


@pytest.mark.parametrize("shapes,axes", [
    ([(2, 3, 4), (3, 4, 5)], 2), ([(2, 3), (3, 4)], 1), ([(2,), (3,)], 0),
    ([(2, 3, 4), (4, 3, 2)], ([1, 2], [1, 0])), ([(3, 2), (3, 4)], (0, 0)),
], ids=str)
def test_tensordot(shapes, axes, rng, numpy_function):
    ops = _operands(rng, shapes)
    numpy_function(lambda a, b: xnp.tensordot(a, b, axes), lambda a, b: np.tensordot(a, b, axes),
                   *ops)


def test_tensordot_rejects_bad_axes():
    with pytest.raises(ValueError, match="shape mismatch"):
        xnp.tensordot(np.ones((2, 3)), np.ones((2, 3)), 1)
    with pytest.raises(ValueError, match="axes=3"):
        xnp.tensordot(np.ones((2, 3)), np.ones((3, 2)), 3)
    with pytest.raises(TypeError, match="pair"):
        xnp.tensordot(np.ones((2, 3)), np.ones((3, 2)), "x")


@pytest.mark.parametrize("shapes", [[(2, 3), (3, 2)], [(3,), (2, 2)], [(2, 1, 2), (2,)],
                                    [(2,), (3,)]], ids=str)
def test_kron(shapes, rng, numpy_function):
    numpy_function(xnp.kron, np.kron, *_operands(rng, shapes))
    a, b = (rng.integers(-3, 4, s) for s in shapes)
    np.testing.assert_array_equal(xnp.kron(a, b), np.kron(a, b))


@pytest.mark.parametrize("shapes,kw", [
    ([(4, 3), (4, 3)], {}), ([(3,), (5, 3)], {}), ([(4, 3), (4, 2)], {}),
    ([(4, 2), (4, 3)], {}), ([(4, 2), (4, 2)], {}),
    ([(3, 4), (4, 3)], {"axisa": 0, "axisc": 0}), ([(3, 4), (3, 4)], {"axis": 0}),
    ([(2, 3, 5), (5, 3)], {"axisa": 1, "axisb": 1, "axisc": -1}),
], ids=str)
def test_cross(shapes, kw, rng, numpy_function):
    def reference(a, b):
        with warnings.catch_warnings():  # NumPy 2 deprecates 2-element vectors
            warnings.simplefilter("ignore", DeprecationWarning)
            return np.cross(a, b, **kw)
    # jit compiles are the slow part: two cases cover it (the others differ before tracing)
    numpy_function(lambda a, b: xnp.cross(a, b, **kw), reference, *_operands(rng, shapes),
                   jit=shapes[1] in [(4, 3), (4, 2)] and not kw)


def test_cross_rejects_bad_dimension():
    with pytest.raises(ValueError, match="must be 2 or 3"):
        xnp.cross(np.ones(4), np.ones(3))


@pytest.mark.parametrize("name,shapes,kw", [
    ("vecdot", [(4, 3), (3,)], {}), ("vecdot", [(2, 1, 3), (4, 3)], {}),
    ("vecdot", [(3, 4), (3, 4)], {"axis": 0}),
    ("matvec", [(2, 3), (3,)], {}), ("matvec", [(4, 2, 3), (4, 3)], {}),
    ("matvec", [(2, 3), (5, 3)], {}),
    ("vecmat", [(3,), (3, 2)], {}), ("vecmat", [(4, 3), (4, 3, 2)], {}),
    ("matmul", [(2, 3), (3, 4)], {}), ("dot", [(2, 3), (3,)], {}), ("vdot", [(2, 3), (3, 2)], {}),
    ("inner", [(2, 3), (4, 3)], {}), ("outer", [(3,), (2, 2)], {}),
], ids=str)
def test_vector_products(name, shapes, kw, rng, numpy_function):
    numpy_function(lambda a, b: getattr(xnp, name)(a, b, **kw),
                   lambda a, b: getattr(np, name)(a, b, **kw), *_operands(rng, shapes))


def test_vector_products_reject_bad_shapes():
    with pytest.raises(ValueError, match="sizes 3 and 4"):
        xnp.vecdot(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="matrix and a vector"):
        xnp.matvec(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="vector and a matrix"):
        xnp.vecmat(np.ones(3), np.ones(3))


@pytest.mark.parametrize("n,m", [(5, 3), (3, 5), (4, 4), (6, 2), (2, 6), (1, 4), (5, 1)])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_convolve_correlate(name, mode, n, m, rng, same_array):
    a, v = rng.standard_normal(n), rng.standard_normal(m)
    same_array(getattr(xnp, name)(a, v, mode), getattr(np, name)(a, v, mode), f"{name} {mode}")
    ai, vi = rng.integers(-3, 4, n), rng.integers(-3, 4, m)
    same_array(getattr(xnp, name)(ai, vi, mode), getattr(np, name)(ai, vi, mode), "ints")


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_convolve_correlate_transforms(name, mode, rng, numpy_function):
    a, v = rng.standard_normal(6), rng.standard_normal(3)
    numpy_function(lambda a, v: getattr(xnp, name)(a, v, mode),
                   lambda a, v: getattr(np, name)(a, v, mode), a, v)
    # vmap over the kernel as well (the fixture batches the first argument)
    numpy_function(lambda v, a: getattr(xnp, name)(a, v, mode),
                   lambda v, a: getattr(np, name)(a, v, mode), v, a, grad=False, jit=False)


def test_convolve_rejects_bad_input():
    with pytest.raises(ValueError, match="1-dimensional"):
        xnp.convolve(np.ones((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="empty"):
        xnp.correlate(np.ones(0), np.ones(2))
    with pytest.raises(ValueError, match="mode"):
        xnp.convolve(np.ones(3), np.ones(2), "circular")


# ---------------------------------------------------------------------------------------------
# Polynomials


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("n", [0, 1, 4])
def test_poly(n, dtype, rng, same_array):
    roots = rng.integers(-3, 4, n).astype(dtype) if dtype == np.int64 else (
        rng.standard_normal(n).astype(dtype))
    same_array(xnp.poly(roots), np.asarray(np.poly(roots)), "poly")


def test_poly_transforms(rng, numpy_function):
    numpy_function(xnp.poly, np.poly, rng.standard_normal(4))
    with pytest.raises(NotImplementedError, match="eigenvalues"):
        xnp.poly(np.eye(2))


@pytest.mark.parametrize("name", ["polyadd", "polysub", "polymul"])
@pytest.mark.parametrize("n,m", [(3, 3), (2, 4), (4, 1)])
def test_poly_arithmetic(name, n, m, rng, numpy_function, same_array):
    numpy_function(getattr(xnp, name), getattr(np, name), rng.standard_normal(n),
                   rng.standard_normal(m))
    ai, bi = rng.integers(-3, 4, n), rng.integers(-3, 4, m)
    same_array(getattr(xnp, name)(ai, bi), getattr(np, name)(ai, bi), f"{name} ints")


def test_polymul_trims_concrete_leading_zeros():
    a, b = np.array([0., 0., 1., 2.]), np.array([0., 3.])
    np.testing.assert_array_equal(xnp.polymul(a, b, trim_leading_zeros=True), [3., 6.])
    with pytest.raises(ConcretizationError, match="trim_leading_zeros"):
        nb.jit(lambda a: xnp.polymul(a, b, trim_leading_zeros=True))(a)


def _padded_polydiv(u, v):
    q, r = np.polydiv(u, v)
    return q, np.concatenate([np.zeros(len(u) - len(r), r.dtype), r])


@pytest.mark.parametrize("n,m", [(5, 2), (4, 4), (3, 1), (2, 4)])
def test_polydiv(n, m, rng, numpy_function):
    u, v = rng.standard_normal(n), rng.standard_normal(m) + 3.0
    numpy_function(xnp.polydiv, _padded_polydiv, u, v)
    q, r = xnp.polydiv(u, v, trim_leading_zeros=True)
    want_q, want_r = np.polydiv(u, v)
    np.testing.assert_allclose(q, want_q, rtol=1e-12)
    np.testing.assert_allclose(r, want_r, rtol=1e-12, atol=1e-12)


def test_polydiv_exact_remainder():
    q, r = xnp.polydiv(np.array([1, -3, 2]), np.array([1, -1]))
    np.testing.assert_array_equal(q, [1., -2.])
    np.testing.assert_array_equal(r, [0., 0., 0.])
    assert q.dtype == r.dtype == np.float64


@pytest.mark.parametrize("m", [0, 1, 2, 4])
def test_polyder_polyint(m, rng, numpy_function, same_array):
    p = rng.standard_normal(4)
    numpy_function(lambda p: xnp.polyder(p, m), lambda p: np.polyder(p, m), p)
    numpy_function(lambda p: xnp.polyint(p, m), lambda p: np.polyint(p, m), p)
    pi = rng.integers(-3, 4, 4)
    same_array(xnp.polyder(pi, m), np.polyder(pi, m), "polyder ints")
    same_array(xnp.polyint(pi, m), np.asarray(np.polyint(pi, m)), "polyint ints")
    if m:
        k = rng.standard_normal(m)
        numpy_function(lambda p, k: xnp.polyint(p, m, k), lambda p, k: np.polyint(p, m, k), p, k)
        same_array(xnp.polyint(p, m, 2.5), np.polyint(p, m, 2.5), "polyint scalar k")


def test_polyder_polyint_reject_bad_order():
    with pytest.raises(ValueError, match="non-negative"):
        xnp.polyder(np.ones(3), -1)
    with pytest.raises(ValueError, match="length 1"):
        xnp.polyint(np.ones(3), 3, [1.0, 2.0])


@pytest.mark.parametrize("xshape", [(), (5,), (2, 3)], ids=str)
def test_polyval(xshape, rng, numpy_function, same_array):
    p, x = rng.standard_normal(4), rng.standard_normal(xshape)
    numpy_function(xnp.polyval, np.polyval, p, x)
    numpy_function(lambda x, p: xnp.polyval(p, x), lambda x, p: np.polyval(p, x), x, p)
    xi = rng.integers(-3, 4, xshape)
    same_array(xnp.polyval(p, xi), np.asarray(np.polyval(p, xi)), "int x")
    same_array(xnp.polyval(np.arange(3), xi), np.asarray(np.polyval(np.arange(3), xi)), "ints")


@pytest.mark.parametrize("N,increasing", [(None, False), (3, True), (5, False), (1, False),
                                          (0, True)])
def test_vander(N, increasing, rng, numpy_function, same_array):
    x = rng.standard_normal(4)
    numpy_function(lambda x: xnp.vander(x, N, increasing), lambda x: np.vander(x, N, increasing),
                   x)
    for dtype in (np.int32, np.float32, np.bool_):
        xd = rng.integers(0, 3, 4).astype(dtype)
        same_array(xnp.vander(xd, N, increasing), np.vander(xd, N, increasing), str(dtype))
    with pytest.raises(ValueError, match="one-dimensional"):
        xnp.vander(np.ones((2, 2)))


# ---------------------------------------------------------------------------------------------
# Windows


@pytest.mark.parametrize("M", [0, 1, 2, 5, 8])
@pytest.mark.parametrize("name", ["bartlett", "blackman", "hamming", "hanning"])
def test_windows(name, M, same_array):
    same_array(getattr(xnp, name)(M), getattr(np, name)(M), f"{name}({M})")
    same_array(nb.jit(lambda: getattr(xnp, name)(M))(), getattr(np, name)(M), "jit")


def test_windows_reject_traced_or_bad_length():
    with pytest.raises(TypeError, match="M"):
        xnp.hamming(2.5)
    with pytest.raises(TypeError, match="static"):
        nb.jit(xnp.hanning)(np.int64(4))


@pytest.mark.skipif(not hasattr(xnp, "kaiser"), reason="kaiser needs numbax.numpy.i0")
@pytest.mark.parametrize("M", [0, 1, 2, 7])
def test_kaiser(M, numpy_function):
    numpy_function(lambda beta: xnp.kaiser(M, beta), lambda beta: np.kaiser(M, beta),
                   np.float64(3.5), atol=1e-7, rtol=1e-7)


# ---------------------------------------------------------------------------------------------
# Differences


@pytest.mark.parametrize("n,axis,extra", [
    (1, -1, {}), (2, -1, {}), (3, 0, {}), (0, 1, {}), (1, 0, {"prepend": 0.5}),
    (2, 1, {"append": np.ones((3, 2))}), (1, -1, {"prepend": 1.0, "append": -1.0}),
])
def test_diff(n, axis, extra, rng, numpy_function):
    a = rng.standard_normal((3, 5))
    numpy_function(lambda a: xnp.diff(a, n, axis, **extra), lambda a: np.diff(a, n, axis, **extra),
                   a)


def test_diff_dtypes_and_errors(rng, same_array):
    for a in (rng.integers(-5, 5, (4, 3)).astype(np.int8), rng.random(6) < 0.5,
              np.arange(5, dtype=np.uint8)):
        same_array(xnp.diff(a, 1, 0), np.diff(a, 1, 0), str(a.dtype))
    with pytest.raises(ValueError, match="at least one dimensional"):
        xnp.diff(np.float64(1.0))
    with pytest.raises(ValueError, match="non-negative"):
        xnp.diff(np.ones(3), -1)


@pytest.mark.parametrize("kw", [{}, {"to_begin": -9.0}, {"to_end": [1.0, 2.0]},
                                {"to_begin": 0.0, "to_end": 7.0}], ids=str)
def test_ediff1d(kw, rng, numpy_function, same_array):
    numpy_function(lambda a: xnp.ediff1d(a, **kw), lambda a: np.ediff1d(a, **kw),
                   rng.standard_normal((2, 3)))
    ai = rng.integers(-5, 5, 6).astype(np.int32)
    kwi = {k: np.asarray(v).astype(np.int32) for k, v in kw.items()}
    same_array(xnp.ediff1d(ai, **kwi), np.ediff1d(ai, **kwi), "ints")
    with pytest.raises(TypeError, match="same_kind"):
        xnp.ediff1d(ai, to_begin=1.5)


GRADIENT_CASES = [
    ((6,), (), {}), ((6,), (0.5,), {}), ((6,), (0.5,), {"edge_order": 2}),
    ((6,), ("uniform",), {}), ((6,), ("coords",), {}), ((6,), ("coords",), {"edge_order": 2}),
    ((4, 5), (), {}), ((4, 5), (2.0, "coords"), {"edge_order": 2}),
    ((4, 5), ("coords",), {"axis": 1}), ((4, 5), (), {"axis": (1, 0)}),
    ((3, 4, 5), (1.5,), {"axis": -1, "edge_order": 2}),
]


def _spacing(spec, n: int):
    if spec == "uniform":
        return np.linspace(0.0, 2.0, n)
    if spec == "coords":
        return np.cumsum(np.linspace(0.5, 1.5, n)) ** 1.5
    return spec


@pytest.mark.parametrize("shape,spacing,kw", GRADIENT_CASES, ids=str)
def test_gradient(shape, spacing, kw, rng, numpy_function):
    f = rng.standard_normal(shape)
    axes = kw.get("axis", tuple(range(len(shape))))
    axes = (axes,) if isinstance(axes, int) else axes
    varargs = tuple(_spacing(s, shape[ax]) for s, ax in zip(spacing, axes))
    # jit compiles are the slow part: the one-axis cases cover each formula
    numpy_function(lambda f: xnp.gradient(f, *varargs, **kw),
                   lambda f: np.gradient(f, *varargs, **kw), f, atol=1e-6, rtol=1e-6,
                   jit=len(shape) == 1 and spacing != ("uniform",))


def test_gradient_dtypes_and_errors(rng, same_array):
    fi = rng.integers(-5, 5, 6)
    same_array(xnp.gradient(fi), np.gradient(fi), "ints give float64")
    f32 = rng.standard_normal(6).astype(np.float32)
    same_array(xnp.gradient(f32, np.float64(0.5)), np.gradient(f32, np.float64(0.5)),
               "float32 keeps its dtype")
    # coordinates and the differentiation of f with respect to them
    x = _spacing("coords", 6)
    numbax_grad = nb.grad(lambda x: xnp.sum(xnp.gradient(f32.astype(np.float64), x)))(x)
    assert numbax_grad.shape == (6,) and np.isfinite(numbax_grad).all()
    with pytest.raises(ValueError, match="at least"):
        xnp.gradient(np.ones(2), edge_order=2)
    with pytest.raises(ValueError, match="length 6"):
        xnp.gradient(np.ones(6), np.ones(5))
    with pytest.raises(TypeError, match="spacings"):
        xnp.gradient(np.ones((2, 3)), 1.0, 2.0, 3.0)
    with pytest.raises(ValueError, match="edge_order"):
        xnp.gradient(np.ones(4), edge_order=3)


@pytest.mark.parametrize("shape,kw", [
    ((5,), {}), ((5,), {"dx": 0.5}), ((5,), {"x": "coords"}), ((3, 5), {"axis": 0}),
    ((3, 5), {"x": "coords"}), ((3, 5), {"x": "full", "axis": 0}),
], ids=str)
def test_trapezoid(shape, kw, rng, numpy_function, same_array):
    y = rng.standard_normal(shape)
    kw = dict(kw)
    if kw.get("x") == "coords":
        kw["x"] = _spacing("coords", shape[kw.get("axis", -1)])
    elif kw.get("x") == "full":
        kw["x"] = np.cumsum(rng.random(shape), axis=kw["axis"])
    numpy_function(lambda y: xnp.trapezoid(y, **kw), lambda y: np.trapezoid(y, **kw), y,
                   jit=len(shape) == 2)
    yi = rng.integers(-5, 5, shape)
    same_array(xnp.trapezoid(yi, **kw), np.asarray(np.trapezoid(yi, **kw)), "ints")


@pytest.mark.parametrize("kw", [{}, {"discont": 4.0}, {"period": 5.0}, {"axis": 0},
                                {"period": 4.0, "discont": 1.0}], ids=str)
def test_unwrap(kw, rng, numpy_function):
    p = np.cumsum(rng.uniform(-2.5, 2.5, (4, 6)), axis=kw.get("axis", -1))
    period = kw.get("period", 2 * np.pi)
    p = np.mod(p, period)  # wrapped, so there is something to unwrap
    numpy_function(lambda p: xnp.unwrap(p, **kw), lambda p: np.unwrap(p, **kw), p,
                   jit=len(kw) != 1)


def test_unwrap_integers_and_half_period_jumps(same_array):
    pi = np.array([0, 4, 8, 1, 5])
    same_array(xnp.unwrap(pi), np.unwrap(pi), "ints")
    half = np.array([0.0, np.pi, 0.0, -np.pi, 2.0])  # exactly half a period: NumPy's rule
    same_array(xnp.unwrap(half), np.unwrap(half), "half-period jumps")


def test_lists_are_accepted_as_numpy_does(same_array):
    same_array(xnp.einsum("i,i->", [1.0, 2.0], [3.0, 4.0]), np.einsum("i,i->", [1.0, 2.0],
                                                                       [3.0, 4.0]), "einsum")
    same_array(xnp.convolve([1, 2, 3], [1, 1]), np.convolve([1, 2, 3], [1, 1]), "convolve")
    same_array(xnp.polyval([1.0, 2.0], np.asarray(3.0)), np.asarray(np.polyval([1.0, 2.0], 3.0)),
               "polyval")
    same_array(xnp.diff([1, 4, 9]), np.diff([1, 4, 9]), "diff")
    same_array(xnp.cross([1.0, 0, 0], [0.0, 1, 0]), np.cross([1.0, 0, 0], [0.0, 1, 0]), "cross")


def test_spacings_and_sample_points_are_differentiable(rng, numpy_function):
    f, y = rng.standard_normal(6), rng.standard_normal((2, 6))
    x = _spacing("coords", 6)
    numpy_function(lambda h: xnp.gradient(f, h), lambda h: np.gradient(f, h), np.float64(0.5),
                   jit=False)
    # (vmap would batch a constant coordinate array, whose zero steps divide by zero)
    numpy_function(lambda x: xnp.gradient(f, x, edge_order=2),
                   lambda x: np.gradient(f, x, edge_order=2), x, vmap=False, jit=False,
                   atol=1e-6, rtol=1e-6)
    numpy_function(lambda x: xnp.trapezoid(y, x), lambda x: np.trapezoid(y, x), x, jit=False)
    numpy_function(lambda dx: xnp.trapezoid(y, dx=dx), lambda dx: np.trapezoid(y, dx=dx),
                   np.float64(0.3), jit=False)


@pytest.mark.parametrize("kw", [{}, {"w": True}, {"full": True}, {"cov": True},
                                {"cov": "unscaled"}], ids=repr)
@pytest.mark.parametrize("two_columns", [False, True])
def test_polyfit_matches_numpy(kw, two_columns, rng):
    x = np.linspace(-1.0, 2.0, 12)
    y = 1 + 2 * x - 0.5 * x ** 2 + 0.01 * rng.standard_normal(12)
    y = np.stack([y, 2 * y], 1) if two_columns else y
    kw = dict(kw, w=rng.uniform(0.5, 2.0, 12)) if kw.get("w") else kw
    want = np.polyfit(x, y, 2, **kw)
    for got in (xnp.polyfit(x, y, 2, **kw), nb.jit(lambda x, y: xnp.polyfit(x, y, 2, **kw))(x, y)):
        for g, w in zip(got if isinstance(want, tuple) else [got],
                        want if isinstance(want, tuple) else [want]):
            np.testing.assert_allclose(np.asarray(g, float), np.asarray(w, float), rtol=1e-7,
                                       atol=1e-10)


def test_polyfit_gradient_and_vmap(rng, numpy_function):
    x = np.linspace(-1.0, 2.0, 9)
    y = np.cos(x) + 0.1 * rng.standard_normal(9)
    numpy_function(lambda y: xnp.polyfit(x, y, 3), lambda y: np.polyfit(x, y, 3), y,
                   grad_order=1, atol=1e-6, exact_dtype=True)
