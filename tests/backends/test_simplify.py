"""backends.simplify: each rewrite shrinks the program and changes no value (signed zeros,
nan and inf included), checked on the interpreter backend against the original program."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from program_gen import XNP, make_args, programs, run_quiet

import numbax as nb
import numbax.numpy as xnp
from numbax import lax
from numbax.backends.interpreter import run_jaxpr
from numbax.backends.simplify import simplify
from numbax.bench.mlp import _mlp_loss
from numbax.core import primitives as P
from numbax.core.avals import ShapedArray
from numbax.core.ir import Eqn, Jaxpr, Literal, Var
from numbax.interpreters.inline import inline_calls

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

EDGES = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, -1.0, 2.5])


def _edgy(rng, shape, dtype=np.float64) -> np.ndarray:
    """Random normals with signed zeros, nan and infinities mixed in."""
    x = rng.standard_normal(shape)
    mask = rng.random(shape) < 0.5
    x[mask] = rng.choice(EDGES, int(mask.sum()))
    return x.astype(dtype)


def _assert_same(got: list, want: list, exact: bool = True) -> None:
    """Equal values, shapes and dtypes; bit-level for floats (the sign of zero, nan where
    nan), or close where BLAS may sum in another order."""
    assert len(got) == len(want)
    for g, w in zip(got, want):
        g, w = np.asarray(g), np.asarray(w)
        assert g.dtype == w.dtype and g.shape == w.shape
        if not exact:
            np.testing.assert_allclose(g, w, rtol=1e-5 if g.dtype == np.float32 else 1e-12,
                                       atol=1e-6, equal_nan=True)
        elif g.dtype.kind in "fc":
            assert np.array_equal(g, w, equal_nan=True), (g, w)
            num = ~np.isnan(w)
            assert np.array_equal(np.signbit(g.real)[num], np.signbit(w.real)[num]), (g, w)
        else:
            assert np.array_equal(g, w)


def _check(fn, *args, exact: bool = True) -> tuple[Jaxpr, Jaxpr]:
    """fn's Jaxpr and its simplification, checked to type-check and agree on args."""
    closed = nb.make_jaxpr(fn)(*args)
    jaxpr = closed.jaxpr
    before = str(jaxpr)
    out = simplify(jaxpr)
    out.check()
    assert str(jaxpr) == before, "simplify modified its input"
    _assert_same(run_jaxpr(out, closed.consts, args), run_jaxpr(jaxpr, closed.consts, args),
                 exact)
    return jaxpr, out


def _count(jaxpr: Jaxpr, prim=None) -> int:
    return sum(1 for e in jaxpr.eqns if prim is None or e.primitive is prim)


def test_cse_merges_commutative_operands(rng):
    x, y = _edgy(rng, (4, 5)), _edgy(rng, (4, 5))
    before, after = _check(lambda x, y: x * y + y * x - (x - y) * (y - x), x, y)
    assert _count(before, P.mul_p) == 3 and _count(after, P.mul_p) == 2
    assert _count(after, P.sub_p) == 3  # x - y and y - x differ


def test_cse_keeps_float_max_operand_order(rng):
    # maximum(0.0, -0.0) is -0.0 but maximum(-0.0, 0.0) is 0.0: not commutative on floats.
    x, y = np.array([0.0, -0.0, np.nan, 1.0]), np.array([-0.0, 0.0, 2.0, np.nan])
    _, after = _check(lambda x, y: (xnp.maximum(x, y), xnp.maximum(y, x)), x, y)
    assert _count(after, P.max_p) == 2
    i, j = rng.integers(-5, 5, 6), rng.integers(-5, 5, 6)
    _, after = _check(lambda x, y: xnp.maximum(x, y) + xnp.maximum(y, x), i, j)
    assert _count(after, P.max_p) == 1


def test_cse_tells_literals_apart_by_sign_and_dtype(rng):
    x = _edgy(rng, (8,))
    _, after = _check(lambda x: (x * 0.0, x * -0.0, x * 0.0), x)
    assert _count(after, P.mul_p) == 2
    # 1:i32 and 1:i64 broadcast alike but are different values.
    lits = [Literal.of(np.ones((), d)) for d in (np.int32, np.int64)]
    outs = [Var(ShapedArray((3,), lit.aval.dtype)) for lit in lits]
    eqns = [Eqn(P.broadcast_in_dim_p, [lit], [v], {"shape": (3,), "broadcast_dimensions": ()})
            for lit, v in zip(lits, outs)]
    jaxpr = Jaxpr([], [], eqns, outs)
    after = simplify(jaxpr)
    assert _count(after) == 2
    _assert_same(run_jaxpr(after, (), []), run_jaxpr(jaxpr, (), []))


def test_cse_compares_bodies_by_identity():
    f = nb.jit(xnp.sin)
    jaxpr = nb.make_jaxpr(lambda x: f(x) * f(x))(np.ones(3)).jaxpr
    calls = [e for e in jaxpr.eqns if e.primitive.kind == "call"]
    shared = calls[0].params["jaxpr"] is calls[1].params["jaxpr"]
    assert _count(simplify(jaxpr)) == (2 if shared else 3)
    # Equal bodies that are different objects are not compared by structure.
    g, h = nb.jit(xnp.sin), nb.jit(xnp.sin)
    jaxpr = nb.make_jaxpr(lambda x: g(x) * h(x))(np.ones(3)).jaxpr
    assert _count(simplify(jaxpr)) == 3


def test_constant_folding_keeps_the_dtype(rng):
    x = _edgy(rng, (6,), np.float32)
    before, after = _check(lambda x: x * lax.div(np.float32(1), np.float32(131072)), x)
    assert _count(before, P.div_p) == 1 and _count(after, P.div_p) == 0
    (lit,) = [a for e in after.eqns for a in e.inputs if isinstance(a, Literal)]
    assert lit.aval == ShapedArray((), np.dtype(np.float32))
    assert lit.val == np.float32(1) / np.float32(131072)
    # A folded output is the same array on every call: it cannot be written to.
    out = nb.jit(lambda x: (x + 1, lax.div(np.float64(1), np.float64(4))))(np.ones(2))[1]
    assert out == 0.25 and not out.flags.writeable


def test_folding_skips_arrays_and_division_by_zero_stays_exact():
    _, after = _check(lambda x: x + lax.div(np.float64(1), np.float64(0)) * lax.neg(-0.0),
                      np.array([1.0, -0.0, np.nan]))
    assert _count(after) == 1
    # Folding makes only 0-d Literals: an array built from constants stays an equation.
    _, after = _check(lambda x: x + xnp.sin(xnp.arange(3.0)), np.ones(3))
    assert _count(after, P.sin_p) == 1


def test_exact_identities_are_removed(rng):
    x = _edgy(rng, (3, 4))
    fns = [lambda x: x * 1.0, lambda x: 1.0 * x, lambda x: x / 1.0, lambda x: x - 0.0,
           lambda x: x + (-0.0), lambda x: lax.neg(lax.neg(x)), lambda x: x ** 1,
           lambda x: lax.pow(x, np.float64(1))]
    for fn in fns:
        _, after = _check(fn, x)
        assert _count(after) == 0, after


def test_inexact_identities_are_kept(rng):
    x = _edgy(rng, (3, 4))
    # -0.0 + 0.0 is +0.0: x + 0.0 is not x.
    _, after = _check(lambda x: x + 0.0, x)
    assert _count(after, P.add_p) == 1
    z = x + 1j * _edgy(rng, (3, 4))
    _, after = _check(lambda z: z * (1 + 0j), z)
    assert _count(after, P.mul_p) == 1


def test_integer_identities(rng):
    i = rng.integers(-100, 100, (5,)).astype(np.int32)
    for fn in (lambda i: i + 0, lambda i: 0 + i, lambda i: i * 1, lambda i: i - 0,
               lambda i: lax.div(i, np.int32(1))):
        _, after = _check(fn, i)
        assert _count(after) == 0, after


def test_times_two_becomes_an_add(rng):
    big = np.array([1e308, -1e308, -0.0, 0.0, np.nan, np.inf, 3.5])
    for x in (big, big.astype(np.float32), rng.integers(-2**31, 2**31 - 1, 9).astype(np.int32)):
        _, after = _check(lambda x: x * x.dtype.type(2), x)
        assert [e.primitive for e in after.eqns] == [P.add_p]


def test_broadcast_scalar_feeds_elementwise_directly(rng):
    x, s = _edgy(rng, (3, 4)), np.float64(-0.0)
    before, after = _check(lambda x, s: x * xnp.broadcast_to(s, x.shape), x, s)
    assert _count(before, P.broadcast_in_dim_p) == 1 and _count(after, P.broadcast_in_dim_p) == 0
    # Here the other operand has a smaller shape: dropping the broadcast would change it.
    _, after = _check(lambda y, s: xnp.broadcast_to(s, (3, 4)) + y, x[0], s)
    assert _count(after, P.broadcast_in_dim_p) == 1


def test_transposes_fold_into_dot_general(rng):
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    _, after = _check(lambda a, b: (a.T @ b, (b.T @ a).T), a, b, exact=False)
    # (b.T @ a).T becomes a.T @ b, which CSE then merges with the first product.
    assert _count(after, P.transpose_p) == 0 and _count(after, P.dot_general_p) == 1
    # A product used elsewhere too is not computed twice to absorb a transpose.
    _, after = _check(lambda a, b: (a.T @ b, (a.T @ b).T), a, b, exact=False)
    assert _count(after, P.transpose_p) == 1 and _count(after, P.dot_general_p) == 1


def test_transpose_that_reorders_free_dims_stays(rng):
    x, y = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5))
    dn = (((2,), (0,)), ((), ()))
    _, after = _check(lambda x, y: lax.dot_general(xnp.transpose(x, (2, 1, 0)), y, dn), x, y,
                      exact=False)
    assert _count(after, P.transpose_p) == 1
    # Free dims kept in order: the transpose folds.
    _, after = _check(lambda x, y: lax.dot_general(xnp.transpose(x, (0, 2, 1)), y,
                                                   (((1,), (1,)), ((), ()))),
                      x, rng.standard_normal((5, 4)), exact=False)
    assert _count(after, P.transpose_p) == 0


def test_noop_reshapes_and_transposes(rng):
    x = _edgy(rng, (2, 3, 4))
    _, after = _check(lambda x: xnp.reshape(xnp.reshape(x, (6, 4)), (4, 6)), x)
    assert [e.primitive for e in after.eqns] == [P.reshape_p]
    _, after = _check(lambda x: xnp.transpose(xnp.transpose(x, (1, 2, 0)), (2, 0, 1)), x)
    assert _count(after) == 0
    _, after = _check(lambda x: xnp.reshape(x, (2, 3, 4)).astype(np.float64), x)
    assert _count(after) == 0


def test_reshape_of_contiguous_data_is_a_view():
    x = np.arange(12.0)
    out = nb.jit(lambda x: xnp.reshape(x, (3, 4)))(x)
    assert np.shares_memory(out, x)


def test_dead_code_is_removed(rng):
    x = _edgy(rng, (4,))
    before, after = _check(lambda x: (xnp.sin(x), xnp.cos(x) + 1.0)[1], x)
    assert _count(before, P.sin_p) == 1 and _count(after, P.sin_p) == 0


def test_mlp_value_and_grad_gets_fewer_equations(rng):
    w = 8
    params = tuple((rng.standard_normal((w, w)), rng.standard_normal(w)) for _ in range(3))
    x, t = rng.standard_normal((4, w)), rng.standard_normal((4, w))
    f = nb.jit(nb.value_and_grad(_mlp_loss(xnp)))
    lowered = f.lower(params, x, t)
    inlined = inline_calls(lowered.jaxpr)
    simplified = lowered.executable.jaxpr
    assert len(simplified.eqns) < len(inlined.eqns)
    assert _count(simplified, P.transpose_p) == 0
    assert "simplified jaxpr:" in str(lowered)
    args = [a for p in params for a in p] + [x, t]
    _assert_same(run_jaxpr(simplified, (), args), run_jaxpr(inlined, (), args), exact=False)
    want = nb.jit(nb.value_and_grad(_mlp_loss(xnp)), backend="interpreter")(params, x, t)
    got = f(params, x, t)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12)


@settings(max_examples=40, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(programs(), st.integers(0, 2**32 - 1), st.booleans())
def test_simplify_never_changes_results(program, seed, edge):
    f = program.function(XNP)
    args = make_args(program, seed, edge)
    closed = nb.make_jaxpr(f)(*args)
    jaxpr = inline_calls(closed.jaxpr)
    out = simplify(jaxpr)
    out.check()
    assert len(out.eqns) <= len(jaxpr.eqns)
    exact = not any(e.primitive is P.dot_general_p for e in jaxpr.eqns)
    _assert_same(run_quiet(run_jaxpr, out, closed.consts, args),
                 run_quiet(run_jaxpr, jaxpr, closed.consts, args), exact)
