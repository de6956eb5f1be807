"""make_jaxpr: pytrees in and out, argument avals and argument errors."""
from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax.backends.interpreter import run_closed_jaxpr
from numbax.core.avals import ShapedArray
from numbax.tree_util import tree_leaves, tree_structure, tree_unflatten

Params = namedtuple("Params", ["w", "b"])


def _aval(shape, dtype=np.float64):
    return ShapedArray(tuple(shape), np.dtype(dtype))


def model(params, batch):
    hidden = xnp.tanh(batch["x"] @ params.w + params.b)
    return {"loss": ((hidden - batch["y"]) ** 2).mean(), "parts": (hidden, hidden.sum(0))}


def test_make_jaxpr_flattens_pytree_arguments_and_rebuilds_pytree_outputs(rng, same_array):
    params = Params(rng.standard_normal((3, 2)).astype(np.float32), np.zeros(2, np.float32))
    batch = {"y": rng.standard_normal((4, 2)).astype(np.float32),
             "x": rng.standard_normal((4, 3)).astype(np.float32)}
    closed = nb.make_jaxpr(model)(params, batch)
    closed.check()
    # invars follow tree_flatten order: the namedtuple fields, then the dict's sorted keys
    assert closed.in_avals == [_aval((3, 2), np.float32), _aval((2,), np.float32),
                               _aval((4, 3), np.float32), _aval((4, 2), np.float32)]
    assert closed.out_tree == tree_structure({"loss": 0, "parts": (0, 0)})
    assert closed.out_avals == [_aval((), np.float32), _aval((4, 2), np.float32), _aval((2,), np.float32)]

    out = tree_unflatten(closed.out_tree, run_closed_jaxpr(closed, *tree_leaves((params, batch))))
    hidden = np.tanh(batch["x"] @ params.w + params.b)
    want = {"loss": ((hidden - batch["y"]) ** 2).mean(), "parts": (hidden, hidden.sum(0))}
    assert tree_structure(out) == tree_structure(want)
    for got_leaf, want_leaf in zip(tree_leaves(out), tree_leaves(want)):
        same_array(got_leaf, want_leaf, "interpreted vs NumPy")


def test_none_in_a_pytree_is_structure_not_an_argument():
    closed = nb.make_jaxpr(lambda pair: pair[0] * 2)((np.ones(2), None))
    closed.check()
    assert closed.in_avals == [_aval((2,))]


@pytest.mark.parametrize(("fn", "tree"), [
    (lambda x: x, tree_structure(0)),
    (lambda x: (x,), tree_structure((0,))),
    (lambda x: [x, {"a": x}], tree_structure([0, {"a": 0}])),
    (lambda x: Params(x, x), tree_structure(Params(0, 0))),
], ids=["leaf", "tuple", "nested", "namedtuple"])
def test_output_tree_is_recorded(fn, tree):
    closed = nb.make_jaxpr(fn)(np.ones(2))
    closed.check()
    assert closed.out_tree == tree


def test_outputs_may_be_inputs_or_constants(same_array):
    const = np.arange(4.0)
    closed = nb.make_jaxpr(lambda x, y: (y, const, x))(np.ones(2), np.zeros(3))
    closed.check()
    assert closed.eqns == []
    y, c, x = run_closed_jaxpr(closed, np.full(2, 7.0), np.full(3, 8.0))
    same_array(y, np.full(3, 8.0), "y")
    same_array(c, const, "const")
    same_array(x, np.full(2, 7.0), "x")


@pytest.mark.parametrize(("value", "aval"), [
    (1.5, _aval(())), (2, _aval((), np.int64)), (True, _aval((), np.bool_)),
    (np.float32(1), _aval((), np.float32)), (np.zeros((2, 0), np.uint8), _aval((2, 0), np.uint8)),
], ids=repr)
def test_scalar_and_array_arguments_become_typed_invars(value, aval):
    closed = nb.make_jaxpr(lambda x: x)(value)
    closed.check()
    assert closed.in_avals == [aval]


def test_each_call_traces_for_the_argument_shapes():
    f = nb.make_jaxpr(lambda x: x.sum(0))
    a, b = f(np.ones((2, 3))), f(np.ones((5, 4), np.float32))
    a.check()
    b.check()
    assert a.out_avals == [_aval((3,))] and b.out_avals == [_aval((4,), np.float32)]


@pytest.mark.parametrize("bad", [np.array([object()]), np.array(["a", "b"]),
                                 np.ones(2, np.clongdouble)], ids=["object", "str", "clongdouble"])
def test_make_jaxpr_rejects_unsupported_dtypes(bad):
    with pytest.raises(TypeError, match="make_jaxpr: argument 1 has dtype"):
        nb.make_jaxpr(lambda x, y: x)(np.ones(2), bad)


@pytest.mark.parametrize("bad", ["text", object(), {1}], ids=["str", "object", "set"])
def test_make_jaxpr_rejects_non_array_leaves(bad):
    with pytest.raises(TypeError, match="make_jaxpr: argument 0 is of type"):
        nb.make_jaxpr(lambda x: x)(bad)
