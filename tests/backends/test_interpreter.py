"""The reference interpreter backend: runs a Jaxpr one NumPy call per equation."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.lax as lax
import numbax.numpy as xnp
from numbax.backends.interpreter import run_closed_jaxpr, run_jaxpr
from numbax.core.avals import ShapedArray
from numbax.core.ir import Eqn, Jaxpr, Literal, Var
from numbax.core.primitives import Primitive, primitives


def mlp(w1, w2, x):
    h = xnp.maximum(x @ w1, 0.0)
    return xnp.logaddexp(h @ w2, 0.0).sum(axis=-1)


def test_interpreter_runs_a_traced_program_like_numpy(rng, same_array):
    w1, w2, x = rng.standard_normal((3, 5)), rng.standard_normal((5, 2)), rng.standard_normal((4, 3))
    closed = nb.make_jaxpr(mlp)(w1, w2, x)
    closed.check()
    (out,) = run_closed_jaxpr(closed, w1, w2, x)
    same_array(out, np.logaddexp(np.maximum(x @ w1, 0.0) @ w2, 0.0).sum(axis=-1), "mlp")


def test_a_jaxpr_traced_once_runs_on_new_values(rng, same_array):
    closed = nb.make_jaxpr(lambda x: xnp.exp(x) / x.sum())(np.ones(5, np.float32))
    closed.check()
    for _ in range(3):
        x = rng.uniform(0.5, 1.5, 5).astype(np.float32)
        (out,) = run_closed_jaxpr(closed, x)
        same_array(out, np.exp(x) / x.sum(), "rerun")


def test_constants_are_fed_from_the_closed_jaxpr(same_array):
    table = np.arange(12.0).reshape(3, 4)
    closed = nb.make_jaxpr(lambda x: table * x + 1.0)(np.ones(4))
    closed.check()
    assert len(closed.jaxpr.constvars) == 1
    (out,) = run_closed_jaxpr(closed, np.full(4, 2.0))
    same_array(out, table * 2.0 + 1.0, "with consts")
    # run_jaxpr takes the consts explicitly: other values give other results
    (out,) = run_jaxpr(closed.jaxpr, [np.zeros((3, 4))], [np.full(4, 2.0)])
    same_array(out, np.ones((3, 4)), "replaced consts")


def test_hand_built_jaxpr_with_literals_and_a_literal_output(same_array):
    f64 = ShapedArray((2,), np.dtype(np.float64))
    x, y = Var(f64), Var(f64)
    three = Literal.of(np.float64(3.0))
    jaxpr = Jaxpr([], [x], [Eqn(primitives["mul"], [x, three], [y], {})], [y, three, x])
    jaxpr.check()
    y_val, lit, x_val = run_jaxpr(jaxpr, [], [np.array([1.0, 2.0])])
    same_array(y_val, np.array([3.0, 6.0]), "y")
    same_array(lit, np.float64(3.0), "literal output")
    same_array(x_val, np.array([1.0, 2.0]), "passed-through input")


def test_interpreter_does_not_mutate_its_inputs():
    x = np.zeros(4)
    closed = nb.make_jaxpr(lambda x, u: lax.scatter_add(x, np.array([1, 1]), u, 0))(x, np.ones(2))
    closed.check()
    (out,) = run_closed_jaxpr(closed, x, np.ones(2))
    np.testing.assert_array_equal(out, [0.0, 2.0, 0.0, 0.0])
    np.testing.assert_array_equal(x, np.zeros(4))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.bool_], ids=str)
def test_interpreter_outputs_are_numpy_arrays_of_the_declared_avals(dtype):
    x = np.ones((2, 3), dtype)
    closed = nb.make_jaxpr(lambda x: (xnp.where(x == x, x, x), xnp.max(x), x[0, 1]))(x)
    closed.check()
    outs = run_closed_jaxpr(closed, x)
    for out, aval in zip(outs, closed.out_avals):
        assert isinstance(out, np.ndarray)
        assert (out.shape, out.dtype) == (aval.shape, aval.dtype)


def test_a_primitive_without_an_implementation_raises_not_implemented():
    mystery = Primitive("mystery_op")
    x = Var(ShapedArray((), np.dtype(np.float64)))
    y = Var(ShapedArray((), np.dtype(np.float64)))
    jaxpr = Jaxpr([], [x], [Eqn(mystery, [x], [y], {})], [y])
    with pytest.raises(NotImplementedError, match="mystery_op"):
        run_jaxpr(jaxpr, [], [np.float64(1.0)])
