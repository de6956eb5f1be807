"""custom_jvp and custom_vjp under jvp, grad, higher-order differentiation and tracing;
nondiff_argnums; stop_gradient; and the errors raised for malformed rules or unsupported
uses (forward mode through a custom_vjp, differentiating a closed-over value)."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax.core.ir import eval_jaxpr
from numbax.test_util import check_grads


def rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---------------------------------------------------------------------------------------------
# custom_jvp


def make_scaled_sin():
    """sin with a deliberately 'wrong' rule, d/dx = x**2, so that tests see the rule is used."""
    @nb.custom_jvp
    def f(x):
        return xnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), x ** 2 * t

    return f


def test_custom_jvp_function_evaluates_its_body():
    f = make_scaled_sin()
    x = rand((3,), 1)
    np.testing.assert_allclose(f(x), np.sin(x))
    assert isinstance(f(x), np.ndarray)


def test_custom_jvp_rule_is_used_by_jvp_grad_and_grad_of_grad():
    f = make_scaled_sin()
    x, t = rand((3,), 2), rand((3,), 3)
    y, ty = nb.jvp(f, (x,), (t,))
    np.testing.assert_allclose(y, np.sin(x))
    np.testing.assert_allclose(ty, x ** 2 * t)
    np.testing.assert_allclose(nb.grad(lambda x: xnp.sum(f(x)))(x), x ** 2)
    # The rule itself is differentiated at second order: d/dx x**2 = 2x.
    np.testing.assert_allclose(nb.grad(nb.grad(f))(0.7), 1.4)
    np.testing.assert_allclose(nb.jvp(nb.grad(f), (0.7,), (1.0,))[1], 1.4)
    np.testing.assert_allclose(nb.grad(lambda x: nb.jvp(f, (x,), (1.0,))[1])(0.7), 1.4)


def test_custom_jvp_inside_nested_differentiation_has_no_perturbation_confusion():
    f = make_scaled_sin()  # f' (y) = y**2 by its rule
    # inner: d/dy [f(y) x] at y = 2 is 4 x, so the function is 4 x**2 with derivative 8 x.
    np.testing.assert_allclose(nb.grad(lambda x: x * nb.grad(lambda y: f(y) * x)(2.0))(3.0), 24.0)
    np.testing.assert_allclose(
        nb.jvp(lambda x: x * nb.jvp(lambda y: f(y) * x, (2.0,), (1.0,))[1], (3.0,), (1.0,))[1],
        24.0)


def test_custom_jvp_rule_calling_another_custom_jvp_function():
    inner = make_scaled_sin()

    @nb.custom_jvp
    def outer(x):
        return inner(x) * 3.0

    outer.defjvp(lambda p, t: (outer(p[0]), inner(p[0]) * t[0]))
    np.testing.assert_allclose(nb.grad(outer)(0.5), np.sin(0.5))
    # d/dx inner(x) uses inner's rule: x**2.
    np.testing.assert_allclose(nb.grad(nb.grad(outer))(0.5), 0.25)


def test_custom_jvp_with_correct_rule_passes_check_grads():
    @nb.custom_jvp
    def f(x, y):
        return x * xnp.sin(y)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        return f(x, y), tx * xnp.sin(y) + x * xnp.cos(y) * ty

    check_grads(f, (rand((3,), 4), rand((3,), 5)), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: f(x, x ** 2), (rand((2, 2), 6),), order=2)


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_check_grads_detects_a_custom_rule_that_disagrees_with_finite_differences(mode):
    with pytest.raises(AssertionError, match="finite differences"):
        check_grads(make_scaled_sin(), (rand((3,), 1),), order=1, modes=(mode,))
    if mode == "rev":
        with pytest.raises(AssertionError, match="finite differences"):
            check_grads(make_square_rule_sin(), (rand((3,), 1),), order=1, modes=(mode,))


def test_custom_jvp_gives_stable_gradient_where_autodiff_of_body_is_nan():
    @nb.custom_jvp
    def log1pexp(x):
        return xnp.log(1.0 + xnp.exp(x))

    @log1pexp.defjvp
    def log1pexp_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return log1pexp(x), t * (1.0 - 1.0 / (1.0 + xnp.exp(x)))

    naive = lambda x: xnp.log(1.0 + xnp.exp(x))
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(nb.grad(naive)(1000.0))
        assert nb.grad(log1pexp)(1000.0) == 1.0
    np.testing.assert_allclose(nb.grad(log1pexp)(0.3), 1 / (1 + np.exp(-0.3)))


def test_custom_jvp_receives_zero_tangents_for_undifferentiated_arguments():
    seen = []

    @nb.custom_jvp
    def f(x, y):
        return x * y

    @f.defjvp
    def f_jvp(primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        seen.append((np.shape(tx), np.shape(ty)))
        return f(x, y), tx * y + x * ty

    x, y = rand((3,), 7), rand((3,), 8)
    np.testing.assert_allclose(nb.grad(lambda y: xnp.sum(f(x, y)))(y), x)
    np.testing.assert_allclose(nb.grad(lambda x, y: xnp.sum(f(x, y)), argnums=1)(x, y), x)
    assert all(s == ((3,), (3,)) for s in seen)


def test_custom_jvp_with_pytree_arguments_and_outputs():
    @nb.custom_jvp
    def f(p):
        return {"s": xnp.sin(p["a"]) * p["b"], "c": xnp.cos(p["a"])}

    @f.defjvp
    def f_jvp(primals, tangents):
        (p,), (t,) = primals, tangents
        out = f(p)
        return out, {"s": xnp.cos(p["a"]) * t["a"] * p["b"] + xnp.sin(p["a"]) * t["b"],
                     "c": -xnp.sin(p["a"]) * t["a"]}

    p = {"a": rand((2,), 1), "b": 1.5}
    g = nb.grad(lambda p: xnp.sum(f(p)["s"]) + xnp.sum(f(p)["c"]))(p)
    np.testing.assert_allclose(g["a"], np.cos(p["a"]) * 1.5 - np.sin(p["a"]))
    np.testing.assert_allclose(g["b"], np.sin(p["a"]).sum())


def test_custom_jvp_nondiff_argnums_with_int_and_function_arguments():
    @nb.custom_jvp
    def power(n, x):
        return x ** n

    power = nb.custom_jvp(power.fun, nondiff_argnums=(0,))

    @power.defjvp
    def power_jvp(n, primals, tangents):
        (x,), (t,) = primals, tangents
        return power(n, x), n * x ** (n - 1) * t

    np.testing.assert_allclose(nb.grad(lambda x: power(3, x))(2.0), 12.0)
    np.testing.assert_allclose(nb.grad(nb.grad(lambda x: power(3, x)))(2.0), 12.0)

    app = nb.custom_jvp(lambda fn, x: fn(x), nondiff_argnums=(0,))

    @app.defjvp
    def app_jvp(fn, primals, tangents):
        (x,), (t,) = primals, tangents
        return app(fn, x), 10.0 * t

    np.testing.assert_allclose(app(xnp.sin, 0.5), np.sin(0.5))
    np.testing.assert_allclose(nb.grad(lambda x: app(xnp.sin, x))(0.5), 10.0)


def test_custom_jvp_traces_to_a_call_whose_body_and_derivative_typecheck():
    f = make_scaled_sin()
    x = rand((3,), 9)
    closed = nb.make_jaxpr(f)(x)
    closed.check()
    assert [e.primitive.name for e in closed.eqns] == ["custom_jvp_call"]
    np.testing.assert_allclose(eval_jaxpr(closed.jaxpr, closed.consts, [x])[0], np.sin(x))
    g = nb.make_jaxpr(nb.grad(lambda x: xnp.sum(f(x))))(x)
    g.check()
    np.testing.assert_allclose(eval_jaxpr(g.jaxpr, g.consts, [x])[0], x ** 2)


def test_custom_jvp_rule_returning_tangent_of_wrong_shape_is_a_type_error():
    f = nb.custom_jvp(lambda x: x * 2.0)
    f.defjvp(lambda p, t: (f(p[0]), t[0][:2]))
    with pytest.raises(TypeError, match=r"custom_jvp rule returned tangent 0 of type f64\[2\], "
                                        r"expected f64\[3\]"):
        nb.jvp(f, (np.ones(3),), (np.ones(3),))
    with pytest.raises(TypeError, match=r"tangent 0 of type f64\[2\], expected f64\[3\]"):
        nb.grad(lambda x: xnp.sum(f(x)))(np.ones(3))


def test_custom_jvp_rule_returning_tangent_of_wrong_dtype_is_a_type_error():
    f = nb.custom_jvp(lambda x: x * 2.0)
    f.defjvp(lambda p, t: (f(p[0]), xnp.astype(t[0], np.float32)))
    with pytest.raises(TypeError, match=r"tangent 0 of type f32\[3\], expected f64\[3\]"):
        nb.jvp(f, (np.ones(3),), (np.ones(3),))


def test_custom_jvp_rule_returning_wrong_structure_or_primal_is_a_type_error():
    f = nb.custom_jvp(lambda x: (x, x))
    f.defjvp(lambda p, t: (f(p[0]), t[0]))
    with pytest.raises(TypeError, match="output structure"):
        nb.jvp(f, (1.0,), (1.0,))
    g = nb.custom_jvp(lambda x: x * 2.0)
    g.defjvp(lambda p, t: (p[0][0], t[0]))
    with pytest.raises(TypeError, match=r"primal output 0 of type f64\[\], expected f64\[2\]"):
        nb.jvp(g, (np.ones(2),), (np.ones(2),))


def test_custom_jvp_without_rule_is_an_attribute_error():
    f = nb.custom_jvp(lambda x: x)
    with pytest.raises(AttributeError, match="defjvp"):
        f(1.0)


def test_custom_jvp_differentiated_through_a_closed_over_value_is_a_type_error():
    def outer(y):
        f = nb.custom_jvp(lambda x: x * y)
        f.defjvp(lambda p, t: (f(*p), t[0] * y))
        return f(2.0)

    with pytest.raises(TypeError, match="closes over"):
        nb.grad(outer)(3.0)
    # A closed-over value that is not being differentiated is fine.
    np.testing.assert_allclose(outer(3.0), 6.0)


# ---------------------------------------------------------------------------------------------
# custom_vjp


def make_square_rule_sin():
    """sin with a 'wrong' but differentiable backward rule: x-cotangent = x**2 * g."""
    @nb.custom_vjp
    def f(x):
        return xnp.sin(x)

    def fwd(x):
        return f(x), x ** 2

    def bwd(x2, g):
        return (x2 * g,)

    f.defvjp(fwd, bwd)
    return f


def test_custom_vjp_rule_is_used_by_grad_and_vjp():
    f = make_square_rule_sin()
    x = rand((3,), 1)
    np.testing.assert_allclose(f(x), np.sin(x))
    np.testing.assert_allclose(nb.grad(lambda x: xnp.sum(f(x)))(x), x ** 2)
    out, f_vjp = nb.vjp(f, x)
    np.testing.assert_allclose(out, np.sin(x))
    u = rand((3,), 2)
    np.testing.assert_allclose(f_vjp(u)[0], x ** 2 * u)


def test_custom_vjp_grad_of_grad_differentiates_the_backward_rule():
    f = make_square_rule_sin()
    np.testing.assert_allclose(nb.grad(nb.grad(f))(0.7), 1.4)
    # Inner: d/dx [f(x) x] = x**2 * x + f(x); outer: 3 x**2 + x**2 (f's rule again) = 4 x**2.
    np.testing.assert_allclose(nb.grad(nb.grad(lambda x: f(x) * x))(0.5), 4 * 0.25)


def test_custom_vjp_with_correct_rule_passes_reverse_check_grads():
    @nb.custom_vjp
    def f(x, y):
        return xnp.exp(x) * y

    def fwd(x, y):
        e = xnp.exp(x)
        return e * y, (e, y)

    def bwd(res, g):
        e, y = res
        return e * y * g, e * g

    f.defvjp(fwd, bwd)
    check_grads(f, (rand((3,), 3), rand((3,), 4)), order=2, modes=("rev",))


def test_custom_vjp_forward_over_reverse_when_fwd_computes_the_primal_directly():
    @nb.custom_vjp
    def f(x):
        return xnp.sin(x)

    f.defvjp(lambda x: (xnp.sin(x), xnp.cos(x)), lambda c, g: (c * g,))
    np.testing.assert_allclose(nb.jvp(nb.grad(f), (0.3,), (1.0,))[1], -np.sin(0.3))
    h = nb.hessian(lambda x: xnp.sum(f(x)))(np.array([0.1, 0.2]))
    np.testing.assert_allclose(h, np.diag(-np.sin([0.1, 0.2])))


def test_custom_vjp_with_pytree_arguments_and_residuals():
    @nb.custom_vjp
    def f(p, x):
        return p["w"] * x + p["b"]

    def fwd(p, x):
        return f(p, x), {"w": p["w"], "x": x}

    def bwd(res, g):
        return {"w": xnp.sum(g * res["x"]), "b": xnp.sum(g)}, g * res["w"]

    f.defvjp(fwd, bwd)
    p, x = {"w": np.array(2.0), "b": np.array(0.5)}, rand((4,), 5)
    gp, gx = nb.grad(lambda p, x: xnp.sum(f(p, x) ** 2), argnums=(0, 1))(p, x)
    r = 2 * (2.0 * x + 0.5)
    np.testing.assert_allclose(gp["w"], np.sum(r * x))
    np.testing.assert_allclose(gp["b"], np.sum(r))
    np.testing.assert_allclose(gx, 2.0 * r)


def test_custom_vjp_with_multiple_outputs_gets_zero_cotangent_for_unused_output():
    seen = []

    @nb.custom_vjp
    def f(x):
        return xnp.sin(x), xnp.cos(x)

    def bwd(x, g):
        gs, gc = g
        seen.append((np.asarray(gs).copy(), np.asarray(gc).copy()))
        return (xnp.cos(x) * gs - xnp.sin(x) * gc,)

    f.defvjp(lambda x: (f(x), x), bwd)
    x = rand((2,), 6)
    np.testing.assert_allclose(nb.grad(lambda x: xnp.sum(f(x)[0]))(x), np.cos(x))
    np.testing.assert_array_equal(seen[-1][1], np.zeros(2))


def test_custom_vjp_nondiff_argnums_clip_gradient():
    def clip_gradient(lo, hi, x):
        return x

    clip_gradient = nb.custom_vjp(clip_gradient, nondiff_argnums=(0, 1))
    clip_gradient.defvjp(lambda lo, hi, x: (x, None),
                         lambda lo, hi, _, g: (xnp.clip(g, lo, hi),))
    x = np.array([1.0, -2.0, 3.0])
    g = nb.grad(lambda x: xnp.sum(clip_gradient(-0.5, 0.5, x) * np.array([0.1, -3.0, 2.0])))(x)
    np.testing.assert_allclose(g, [0.1, -0.5, 0.5])


def test_custom_vjp_traces_and_its_gradient_typechecks():
    f = make_square_rule_sin()
    x = rand((3,), 7)
    closed = nb.make_jaxpr(f)(x)
    closed.check()
    assert [e.primitive.name for e in closed.eqns] == ["custom_vjp_call"]
    g = nb.make_jaxpr(nb.grad(lambda x: xnp.sum(f(x))))(x)
    g.check()
    np.testing.assert_allclose(eval_jaxpr(g.jaxpr, g.consts, [x])[0], x ** 2)


def test_custom_vjp_under_forward_mode_is_a_type_error():
    f = make_square_rule_sin()
    with pytest.raises(TypeError, match="forward-mode.*custom_vjp"):
        nb.jvp(f, (0.5,), (1.0,))
    with pytest.raises(TypeError, match="forward-mode.*custom_vjp"):
        nb.jacfwd(f)(np.ones(2))
    with pytest.raises(TypeError, match="forward-mode.*custom_vjp"):
        nb.grad(lambda x: nb.jvp(f, (x,), (1.0,))[1])(0.5)


def test_custom_vjp_bwd_returning_wrong_number_of_cotangents_is_a_type_error():
    f = nb.custom_vjp(lambda x, y: x * y)
    f.defvjp(lambda x, y: (f(x, y), (x, y)), lambda r, g: (g * r[1],))
    with pytest.raises(TypeError, match=r"one cotangent per differentiable argument \(2\)"):
        nb.grad(f)(1.0, 2.0)


def test_custom_vjp_bwd_returning_cotangent_of_wrong_shape_is_a_type_error():
    f = nb.custom_vjp(lambda x: x * 2.0)
    f.defvjp(lambda x: (f(x), None), lambda r, g: (xnp.sum(g),))
    with pytest.raises(TypeError, match=r"cotangent 0 of type f64\[\], expected f64\[3\]"):
        nb.grad(lambda x: xnp.sum(f(x)))(np.ones(3))


def test_custom_vjp_fwd_returning_wrong_output_is_a_type_error():
    f = nb.custom_vjp(lambda x: x * 2.0)
    f.defvjp(lambda x: (xnp.sum(x), None), lambda r, g: (g,))
    with pytest.raises(TypeError, match=r"fwd rule returned output 0 of type f64\[\], expected "
                                        r"f64\[3\]"):
        nb.grad(lambda x: xnp.sum(f(x)))(np.ones(3))


def test_custom_vjp_without_rule_is_an_attribute_error():
    f = nb.custom_vjp(lambda x: x)
    with pytest.raises(AttributeError, match="defvjp"):
        f(1.0)


def test_custom_vjp_differentiated_through_a_closed_over_value_is_a_type_error():
    def outer(y):
        f = nb.custom_vjp(lambda x: x * y)
        f.defvjp(lambda x: (f(x), None), lambda r, g: (g * y,))
        return f(2.0)

    with pytest.raises(TypeError, match="closes over"):
        nb.grad(outer)(3.0)


# ---------------------------------------------------------------------------------------------
# stop_gradient


def test_stop_gradient_on_pytree_blocks_every_leaf():
    def f(p):
        q = nb.stop_gradient(p)
        return xnp.sum(p["a"] * q["a"]) + p["b"] * q["b"] ** 2

    p = {"a": rand((3,), 1), "b": 1.5}
    g = nb.grad(f)(p)
    np.testing.assert_allclose(g["a"], p["a"])
    np.testing.assert_allclose(g["b"], 1.5 ** 2)


def test_stop_gradient_value_is_identity_and_its_jaxpr_typechecks():
    x = rand((3,), 2)
    np.testing.assert_array_equal(nb.stop_gradient(x), x)
    closed = nb.make_jaxpr(nb.grad(lambda x: xnp.sum(nb.stop_gradient(x) * x)))(x)
    closed.check()
    np.testing.assert_allclose(eval_jaxpr(closed.jaxpr, closed.consts, [x])[0], x)
