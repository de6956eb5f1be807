"""checkpoint (remat): derivatives equal those without checkpoint under every policy, nesting
and higher order; the backward pass recomputes instead of storing; the policy decides which
residuals are saved; every Jaxpr involved typechecks."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax.core.ir import ClosedJaxpr, Jaxpr, eval_jaxpr
from numbax.interpreters import ad
from numbax.test_util import check_grads

policies = nb.checkpoint_policies

POLICIES = {
    "default": None,
    "everything_saveable": policies.everything_saveable,
    "nothing_saveable": policies.nothing_saveable,
    "dots_saveable": policies.dots_saveable,
}


def rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


W = rand((3, 3), 100) / 2


def mlp(x):
    for _ in range(3):
        x = xnp.tanh(W @ xnp.sin(x)) * 1.5 + x
    return xnp.sum(x ** 2)


def two_arg(w, x):
    h = xnp.exp(xnp.sin(x) * w[0]) @ w
    return xnp.sum(xnp.cos(h)) + xnp.max(h)


def count(closed, name: str) -> int:
    """Occurrences of a primitive in a Jaxpr, including inside sub-Jaxprs in params."""
    jaxpr = closed.jaxpr if isinstance(closed, ClosedJaxpr) else closed
    n = 0
    for eqn in jaxpr.eqns:
        n += eqn.primitive.name == name
        for v in eqn.params.values():
            if isinstance(v, Jaxpr | ClosedJaxpr):
                n += count(v, name)
    return n


def test_checkpoint_outside_transformations_computes_the_function():
    x = rand((3,), 1)
    np.testing.assert_allclose(nb.checkpoint(mlp)(x), mlp(x))
    out = nb.checkpoint(lambda x: {"a": xnp.sin(x), "b": (x * 2,)})(x)
    np.testing.assert_allclose(out["a"], np.sin(x))
    np.testing.assert_allclose(out["b"][0], 2 * x)
    assert nb.remat is nb.checkpoint


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_grad_of_checkpoint_equals_grad_without_checkpoint(policy):
    x = rand((3,), 2)
    pol = POLICIES[policy]
    np.testing.assert_allclose(nb.grad(nb.checkpoint(mlp, policy=pol))(x), nb.grad(mlp)(x),
                               rtol=1e-12)
    w = rand((3, 3), 3)
    g_ckpt = nb.grad(nb.checkpoint(two_arg, policy=pol), argnums=(0, 1))(w, x)
    g_ref = nb.grad(two_arg, argnums=(0, 1))(w, x)
    for a, b in zip(g_ckpt, g_ref):
        np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_checkpoint_derivatives_match_finite_differences(policy):
    f = nb.checkpoint(lambda x: xnp.tanh(W @ xnp.sin(x)) * x, policy=POLICIES[policy])
    check_grads(f, (rand((3,), 4),), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_checkpoint_inside_grad_of_grad_and_hessian(policy):
    pol = POLICIES[policy]
    g = lambda y: xnp.sin(y) * xnp.exp(y)
    f_ref = lambda y: g(y) ** 2
    f_ck = lambda y: nb.checkpoint(g, policy=pol)(y) ** 2
    x = 0.4
    np.testing.assert_allclose(nb.grad(nb.grad(f_ck))(x), nb.grad(nb.grad(f_ref))(x), rtol=1e-12)
    np.testing.assert_allclose(nb.grad(nb.grad(nb.grad(f_ck)))(x),
                               nb.grad(nb.grad(nb.grad(f_ref)))(x), rtol=1e-12)
    v = rand((3,), 5)
    np.testing.assert_allclose(nb.hessian(nb.checkpoint(mlp, policy=pol))(v), nb.hessian(mlp)(v),
                               rtol=1e-10)
    # Checkpoint around an inner gradient, differentiated again from outside.
    inner = nb.checkpoint(nb.grad(mlp), policy=pol)
    np.testing.assert_allclose(nb.jacrev(inner)(v), nb.hessian(mlp)(v), rtol=1e-10)


def test_nested_checkpoints_give_the_same_gradient():
    inner = nb.checkpoint(lambda x: xnp.sin(xnp.sin(x)) * x)
    outer = nb.checkpoint(lambda x: inner(inner(x) + 1.0) * 2.0,
                          policy=policies.dots_saveable)
    ref = lambda x: (lambda y: xnp.sin(xnp.sin(y)) * y)(
        (lambda y: xnp.sin(xnp.sin(y)) * y)(x) + 1.0) * 2.0
    x = rand((4,), 6)
    loss_ck, loss_ref = (lambda x: xnp.sum(outer(x))), (lambda x: xnp.sum(ref(x)))
    np.testing.assert_allclose(nb.grad(loss_ck)(x), nb.grad(loss_ref)(x), rtol=1e-12)
    np.testing.assert_allclose(nb.grad(lambda x: xnp.sum(nb.grad(loss_ck)(x)))(x),
                               nb.grad(lambda x: xnp.sum(nb.grad(loss_ref)(x)))(x), rtol=1e-12)
    closed = nb.make_jaxpr(nb.grad(loss_ck))(x)
    closed.check()
    np.testing.assert_allclose(eval_jaxpr(closed.jaxpr, closed.consts, [x])[0],
                               nb.grad(loss_ref)(x), rtol=1e-12)


@pytest.mark.parametrize("outer_policy", sorted(POLICIES))
@pytest.mark.parametrize("inner_policy", sorted(POLICIES))
def test_nested_checkpoints_under_every_policy_pair(inner_policy, outer_policy):
    inner = nb.checkpoint(lambda x: xnp.sin(W @ xnp.sin(x)), policy=POLICIES[inner_policy])
    outer = nb.checkpoint(lambda x: xnp.cos(inner(xnp.exp(x) * 0.5)) * x,
                          policy=POLICIES[outer_policy])
    ref = lambda x: xnp.cos(xnp.sin(W @ xnp.sin(xnp.exp(x) * 0.5))) * x
    x, u = rand((3,), 20), rand((3,), 21)
    out, f_vjp = nb.vjp(outer, x)
    out_ref, f_vjp_ref = nb.vjp(ref, x)
    np.testing.assert_allclose(out, out_ref, rtol=1e-12)
    np.testing.assert_allclose(f_vjp(u)[0], f_vjp_ref(u)[0], rtol=1e-12)
    consts = residuals(outer, x)
    if outer_policy in ("default", "nothing_saveable"):
        assert len(consts) == 2  # x and the closed-over W
    np.testing.assert_allclose(nb.grad(lambda x: xnp.sum(nb.grad(lambda x: xnp.sum(outer(x)))(x)))(x),
                               nb.grad(lambda x: xnp.sum(nb.grad(lambda x: xnp.sum(ref(x)))(x)))(x),
                               rtol=1e-10)


def test_jvp_and_linearize_of_checkpoint_match_unchecked():
    f = lambda x: xnp.tanh(W @ xnp.sin(x))
    x, v = rand((3,), 7), rand((3,), 8)
    y, t = nb.jvp(nb.checkpoint(f), (x,), (v,))
    y_ref, t_ref = nb.jvp(f, (x,), (v,))
    np.testing.assert_allclose(y, y_ref)
    np.testing.assert_allclose(t, t_ref, rtol=1e-12)
    y2, f_jvp = nb.linearize(nb.checkpoint(f), x)
    np.testing.assert_allclose(f_jvp(v), t_ref, rtol=1e-12)


def test_checkpoint_of_function_closing_over_a_traced_value():
    def loss(a, x):
        body = nb.checkpoint(lambda y: xnp.sin(a * y) * a)  # `a` is traced by the outer grad
        return xnp.sum(body(x))

    a, x = 0.7, rand((3,), 9)
    ga, gx = nb.grad(loss, argnums=(0, 1))(a, x)
    np.testing.assert_allclose(ga, np.sum(np.cos(a * x) * x * a + np.sin(a * x)), rtol=1e-12)
    np.testing.assert_allclose(gx, np.cos(a * x) * a * a, rtol=1e-12)


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_custom_derivative_rules_inside_checkpoint_are_used(policy):
    # Both rules say d/dx = x**2 (deliberately not cos x), so the derivatives show they ran.
    cj = nb.custom_jvp(lambda x: xnp.sin(x))
    cj.defjvp(lambda p, t: (cj(p[0]), p[0] ** 2 * t[0]))
    cv = nb.custom_vjp(lambda x: xnp.sin(x))
    cv.defvjp(lambda x: (cv(x), x ** 2), lambda x2, g: (x2 * g,))
    for f in (cj, cv):
        g = nb.checkpoint(lambda x, f=f: f(x) * 2.0, policy=POLICIES[policy])
        np.testing.assert_allclose(nb.grad(g)(0.5), 2 * 0.25)
        np.testing.assert_allclose(nb.grad(nb.grad(g))(0.5), 2 * 1.0)


def test_checkpoint_with_pytree_arguments_and_int_argument():
    def f(p, n):
        return xnp.sum(xnp.sin(p["w"] * p["b"]) ** n)

    p = {"w": rand((3,), 10), "b": np.array(0.3)}
    g = nb.grad(nb.checkpoint(f))(p, 2)
    g_ref = nb.grad(f)(p, 2)
    np.testing.assert_allclose(g["w"], g_ref["w"], rtol=1e-12)
    np.testing.assert_allclose(g["b"], g_ref["b"], rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Rematerialisation actually happens


def sin_chain(x):
    for _ in range(4):
        x = xnp.sin(x)
    return x


def test_backward_pass_of_checkpoint_recomputes_the_forward_primitives():
    x = rand((3,), 11)
    loss = lambda x: xnp.sum(sin_chain(x))
    plain = nb.make_jaxpr(nb.grad(loss))(x)
    ckpt = nb.make_jaxpr(nb.grad(lambda x: xnp.sum(nb.checkpoint(sin_chain)(x))))(x)
    plain.check()
    ckpt.check()
    assert count(plain, "sin") == 4
    assert count(ckpt, "sin") > count(plain, "sin")
    # With everything saveable nothing is recomputed.
    saved = nb.make_jaxpr(nb.grad(lambda x: xnp.sum(
        nb.checkpoint(sin_chain, policy=policies.everything_saveable)(x))))(x)
    assert count(saved, "sin") == count(plain, "sin")
    for closed in (plain, ckpt, saved):
        np.testing.assert_allclose(eval_jaxpr(closed.jaxpr, closed.consts, [x])[0],
                                   nb.grad(loss)(x), rtol=1e-12)


def residuals(fun, x):
    primals_out, jaxpr, consts = ad.linearize_flat(lambda x: [fun(x)], [x])
    jaxpr.check()
    assert len(jaxpr.constvars) == len(consts)
    return consts


def test_linearized_checkpoint_chain_saves_only_its_input():
    x = rand((3,), 12)
    plain = residuals(sin_chain, x)
    ckpt = residuals(nb.checkpoint(sin_chain), x)
    assert len(ckpt) == 1
    np.testing.assert_array_equal(np.asarray(ckpt[0]), x)
    assert len(plain) == 4  # one cos per sin
    assert sum(np.size(c) for c in ckpt) < sum(np.size(c) for c in plain)
    assert len(residuals(nb.checkpoint(sin_chain, policy=policies.nothing_saveable), x)) == 1


def test_linearized_checkpoint_is_still_correct_when_evaluated():
    x, v = rand((3,), 13), rand((3,), 14)
    primals_out, jaxpr, consts = ad.linearize_flat(lambda x: [nb.checkpoint(sin_chain)(x)], [x])
    (t,) = eval_jaxpr(jaxpr, consts, [v])
    np.testing.assert_allclose(primals_out[0], sin_chain(x))
    np.testing.assert_allclose(t, nb.jvp(sin_chain, (x,), (v,))[1], rtol=1e-12)


def dot_chain(x):
    for _ in range(3):
        x = xnp.sin(W @ x)
    return x


def test_policies_control_which_residuals_are_saved():
    x = rand((3,), 15)
    n_default = len(residuals(nb.checkpoint(dot_chain), x))
    n_nothing = len(residuals(nb.checkpoint(dot_chain, policy=policies.nothing_saveable), x))
    n_every = len(residuals(nb.checkpoint(dot_chain, policy=policies.everything_saveable), x))
    n_dots = len(residuals(nb.checkpoint(dot_chain, policy=policies.dots_saveable), x))
    n_plain = len(residuals(dot_chain, x))
    # Default and nothing_saveable keep only the operands (x and the closed-over W).
    assert n_default == n_nothing == 2
    # everything_saveable keeps what plain linearize keeps: W and one cos per layer.
    assert n_every == n_plain == 4
    # dots_saveable keeps the three dot products (and W); their cos is recomputed.
    assert n_dots == 4
    dots = nb.make_jaxpr(nb.grad(lambda x: xnp.sum(
        nb.checkpoint(dot_chain, policy=policies.dots_saveable)(x))))(x)
    nothing = nb.make_jaxpr(nb.grad(lambda x: xnp.sum(nb.checkpoint(dot_chain)(x))))(x)
    dots.check()
    nothing.check()
    assert count(dots, "dot_general") < count(nothing, "dot_general")


def test_custom_policy_is_consulted_with_primitive_and_input_avals():
    calls = []

    def save_sin_only(prim, *avals, **params):
        calls.append((prim.name, tuple(a.shape for a in avals)))
        return prim.name == "sin"

    x = rand((3,), 16)
    f = lambda x: xnp.cos(xnp.sin(xnp.exp(x)))
    res = residuals(nb.checkpoint(f, policy=save_sin_only), x)
    assert calls and all(shapes == ((3,),) for _, shapes in calls)
    assert "sin" in {name for name, _ in calls}
    # Only inputs and outputs of sin may be saved (the tangent program needs exp(x), cos of it
    # and -sin(sin(exp(x))): the first two are recomputed, the last from a saved sin output).
    allowed = {"x": x, "sin1": np.sin(np.exp(x)), "sin2": np.sin(np.sin(np.exp(x)))}
    kinds = [next(k for k, v in allowed.items() if np.allclose(np.asarray(r), v)) for r in res]
    assert "sin2" in kinds
    assert len(kinds) == len(set(kinds))
    np.testing.assert_allclose(nb.grad(lambda x: xnp.sum(nb.checkpoint(f, policy=save_sin_only)(x)))(x),
                               nb.grad(lambda x: xnp.sum(f(x)))(x), rtol=1e-12)


def test_checkpoint_traces_to_a_typed_primitive_holding_its_body():
    x = rand((3,), 17)
    closed = nb.make_jaxpr(nb.checkpoint(sin_chain))(x)
    closed.check()
    assert [e.primitive.name for e in closed.eqns] == ["checkpoint"]
    assert count(closed, "sin") == 4
    np.testing.assert_allclose(eval_jaxpr(closed.jaxpr, closed.consts, [x])[0], sin_chain(x))
