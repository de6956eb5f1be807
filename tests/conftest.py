"""Shared fixtures: a seeded random generator and the trace-check-run-compare helper."""
from __future__ import annotations

import os
import zlib

import numpy as np
import pytest

import numbax as nb
from numbax.backends.interpreter import run_closed_jaxpr
from numbax.tree_util import tree_flatten, tree_leaves, tree_unflatten


@pytest.fixture(scope="session", autouse=True)
def _numbax_cache_dir(tmp_path_factory):
    """Compiled kernels go to a fresh folder for the test session, not the user's cache."""
    old = os.environ.get("NUMBAX_CACHE_DIR")
    os.environ["NUMBAX_CACHE_DIR"] = str(tmp_path_factory.mktemp("numbax_cache"))
    yield
    if old is None:
        os.environ.pop("NUMBAX_CACHE_DIR", None)
    else:
        os.environ["NUMBAX_CACHE_DIR"] = old


def _tolerance(dtype: np.dtype) -> dict:
    dtype = np.empty(0, dtype).real.dtype  # complex64 is as precise as float32
    if dtype == np.float16:
        return {"rtol": 2e-3, "atol": 2e-3}
    if dtype == np.float32:
        return {"rtol": 2e-6, "atol": 1e-6}
    return {"rtol": 1e-12, "atol": 1e-12}


def assert_same_array(got, want, what: str, exact_type: bool = True) -> None:
    """got is a NumPy array with want's dtype, shape and values (nan where want has nan)."""
    want = np.asarray(want)
    if exact_type:
        assert isinstance(got, np.ndarray), f"{what}: expected a numpy.ndarray, got {type(got)}"
    got = np.asarray(got)
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, expected {want.dtype}"
    assert got.shape == want.shape, f"{what}: shape {got.shape}, expected {want.shape}"
    if want.dtype.kind in "fc":
        np.testing.assert_allclose(got, want, equal_nan=True, err_msg=what, **_tolerance(want.dtype))
    else:
        np.testing.assert_array_equal(got, want, err_msg=what)


def check_traced(fn, *args, reference=None, primitive: str | None = None, eager_ndarray=True):
    """The core test loop for a numbax function.

    Runs fn eagerly, traces it with make_jaxpr, type-checks the Jaxpr, runs it on the
    interpreter backend, and asserts that eager, interpreted and NumPy `reference` results
    agree in value, shape and dtype. `primitive` must then appear in the Jaxpr. Eager
    results must be numpy.ndarray, not NumPy scalars, unless eager_ndarray is False (for
    functions that, run on NumPy arrays, are plain NumPy: operators and methods).
    Returns the ClosedJaxpr.
    """
    eager = fn(*args)
    closed = nb.make_jaxpr(fn)(*args)
    closed.check()
    outs = run_closed_jaxpr(closed, *tree_leaves(args))
    interpreted = tree_unflatten(closed.out_tree, outs)

    eager_leaves, eager_tree = tree_flatten(eager)
    assert eager_tree == closed.out_tree
    for i, (e, r) in enumerate(zip(eager_leaves, tree_leaves(interpreted))):
        assert_same_array(e, r, f"eager vs interpreted output {i}", exact_type=False)
        assert isinstance(e, np.ndarray) or not eager_ndarray, (
            f"eager output {i} is a {type(e)}, not a numpy array")
    if reference is not None:
        ref_leaves, ref_tree = tree_flatten(reference(*args))
        assert ref_tree == eager_tree
        for i, (e, r) in enumerate(zip(eager_leaves, ref_leaves)):
            assert_same_array(e, r, f"output {i} vs NumPy", exact_type=eager_ndarray)
    if primitive is not None:
        names = {eqn.primitive.name for eqn in closed.eqns}
        assert primitive in names, f"{primitive} not in the traced program:\n{closed}"
    return closed


def check_numpy_function(xfn, npfn, *args, grad: bool = True, vmap: bool = True,
                         jit: bool = True, grad_order: int = 1, atol=None, rtol=None,
                         exact_dtype: bool = True) -> None:
    """A numbax.numpy function against its NumPy reference, on the same arguments.

    Checks the value (and shape and dtype, unless exact_dtype is False) eagerly and under jit
    on both backends; grad against finite differences in both modes up to grad_order (only
    floating-point arguments are differentiated; others are closed over); vmap over a new
    leading axis of the first argument against a Python loop.
    """
    want = npfn(*args)
    for what, fn in [("eager", xfn)] + ([(f"jit({b})", nb.jit(xfn, backend=b))
                                          for b in ("numba", "interpreter")] if jit else []):
        got = fn(*args)
        for i, (g, w) in enumerate(zip(tree_leaves(got), tree_leaves(want))):
            assert_same_array(np.asarray(g), np.asarray(w), f"{what} output {i} vs NumPy",
                              exact_type=False)
            if not exact_dtype:
                continue
            assert np.asarray(g).dtype == np.asarray(w).dtype, (what, g, w)
    # Complex arguments too: check_grads draws complex tangents and cotangents for them.
    floats = [i for i, a in enumerate(args) if np.asarray(a).dtype.kind in "fc"]
    if grad and floats:
        from numbax.test_util import check_grads

        def partial(*fargs):
            full = list(args)
            for i, a in zip(floats, fargs):
                full[i] = a
            return xfn(*full)

        check_grads(partial, [args[i] for i in floats], order=grad_order, atol=atol, rtol=rtol)
    if vmap:
        x0 = np.asarray(args[0])
        batch = np.stack([x0, x0[::-1] if x0.ndim else -x0, x0 * 0 + x0.flat[0] if x0.size
                          else x0])
        batched = nb.vmap(lambda x: xfn(x, *args[1:]))(batch)
        looped = [npfn(b, *args[1:]) for b in batch]
        for i, (g, w) in enumerate(zip(tree_leaves(batched),
                                       [np.stack(ws) for ws in zip(*map(tree_leaves, looped))])):
            assert_same_array(np.asarray(g), w, f"vmap output {i} vs a loop", exact_type=False)


@pytest.fixture
def numpy_function():
    """check_numpy_function(xfn, npfn, *args, grad=, vmap=, jit=): see its docstring."""
    return check_numpy_function


@pytest.fixture
def traced():
    """check_traced(fn, *args, reference=..., primitive=...): see its docstring."""
    return check_traced


@pytest.fixture
def same_array():
    """assert_same_array(got, want, what): value, shape and dtype equality."""
    return assert_same_array


@pytest.fixture
def rng(request):
    """A generator seeded by the test's name, so each test draws reproducible data."""
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))
