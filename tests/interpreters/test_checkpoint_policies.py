"""Checkpoint policies: every policy of jax.checkpoint_policies saves what JAX's saves (read
from the residuals that linearize keeps) and leaves the gradient unchanged; checkpoint_name
is the identity under eager, jit, vmap and grad; save_within_budget keeps its saved bytes
within the budget and saves more as the budget grows."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax import ad_checkpoint
from numbax.ad_checkpoint import checkpoint_name, saved_residuals
from numbax.core.checkpoint_name import name_p
from numbax.core.ir import ClosedJaxpr, Jaxpr
from numbax.interpreters.remat_budget import equation_cost

cp = nb.checkpoint_policies
RNG = np.random.default_rng(0)
W = RNG.standard_normal((4, 4)) / 2
X = RNG.standard_normal(4)
XB = RNG.standard_normal((3, 4))  # a batch of rows: its products have a batch dimension


def named(x):
    """dot, tanh named 'h', sin named 'g': the saved set tells which policy ran."""
    h = checkpoint_name(xnp.tanh(W @ x), "h")
    g = checkpoint_name(xnp.sin(h), "g")
    return xnp.sum(xnp.exp(g) * h)


def batched(xb):
    """A product with a batch dimension (einsum over b) and one without (xb @ W)."""
    a = xnp.tanh(xb @ W)
    b = xnp.einsum("bi,bi->b", a, xb)
    return xnp.sum(xnp.sin(b))


def intermediates(f, *args) -> list[str]:
    """The shapes of the saved values that are not f's arguments (nor the closed-over W)."""
    return sorted(a.str_short() for a, origin in saved_residuals(f, *args)
                  if not origin.startswith("from the argument") and a.shape != W.shape)


def saved_values(f, x) -> list[np.ndarray]:
    from numbax.interpreters import ad
    _, _, consts = ad.linearize_flat(lambda x: [f(x)], [x])
    return [np.asarray(c) for c in consts if c is not x and np.shape(c) != W.shape]


def matches(values, *wanted) -> bool:
    """values are exactly the arrays wanted, in any order."""
    return len(values) == len(wanted) and all(
        any(v.shape == w.shape and np.allclose(v, w) for v in values) for w in wanted)


H = np.tanh(W @ X)
G = np.sin(H)

POLICIES = {
    "everything_saveable": cp.everything_saveable,
    "nothing_saveable": cp.nothing_saveable,
    "dots_saveable": cp.dots_saveable,
    "checkpoint_dots": cp.checkpoint_dots,
    "dots_with_no_batch_dims_saveable": cp.dots_with_no_batch_dims_saveable,
    "checkpoint_dots_with_no_batch_dims": cp.checkpoint_dots_with_no_batch_dims,
    "save_anything_except_these_names": cp.save_anything_except_these_names("g"),
    "save_any_names_but_these": cp.save_any_names_but_these("g"),
    "save_only_these_names": cp.save_only_these_names("h"),
    "save_from_both_policies": cp.save_from_both_policies(cp.dots_saveable,
                                                          cp.save_only_these_names("g")),
    "save_and_offload_only_these_names": cp.save_and_offload_only_these_names(
        names_which_can_be_saved=["h"], names_which_can_be_offloaded=["g"],
        offload_src="device", offload_dst="pinned_host"),
    "offload_dot_with_no_batch_dims": cp.offload_dot_with_no_batch_dims("device", "pinned_host"),
    "save_within_budget": cp.save_within_budget(64),
}


def test_the_namespace_has_jaxs_twelve_policies_and_is_shared():
    jax_names = {"everything_saveable", "nothing_saveable", "dots_saveable", "checkpoint_dots",
                 "dots_with_no_batch_dims_saveable", "checkpoint_dots_with_no_batch_dims",
                 "save_anything_except_these_names", "save_any_names_but_these",
                 "save_only_these_names", "save_from_both_policies",
                 "save_and_offload_only_these_names", "offload_dot_with_no_batch_dims"}
    assert jax_names <= set(vars(cp))
    assert ad_checkpoint.checkpoint_policies is nb.checkpoint_policies is nb.policies
    assert ad_checkpoint.checkpoint is nb.checkpoint and ad_checkpoint.remat is nb.remat
    assert cp.checkpoint_dots is cp.dots_saveable


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_every_policy_leaves_the_gradient_unchanged(policy):
    pol = POLICIES[policy]
    for f, x in ((named, X), (batched, XB)):
        np.testing.assert_allclose(nb.grad(nb.checkpoint(f, policy=pol))(x), nb.grad(f)(x),
                                   rtol=1e-12, atol=1e-14)
    # And to second order, and when jitted.
    hess = nb.hessian(nb.checkpoint(named, policy=pol))(X)
    np.testing.assert_allclose(hess, nb.hessian(named)(X), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(nb.jit(nb.grad(nb.checkpoint(named, policy=pol)))(X),
                               nb.grad(named)(X), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("policy, wanted", [
    ("nothing_saveable", ()),
    ("save_only_these_names", (H,)),
    ("save_any_names_but_these", (H,)),           # named values only, not g
    ("save_and_offload_only_these_names", (H, G)),  # offloading saves
    ("save_from_both_policies", ((W @ X)[:, None], G)),  # the dot (as a column) and g
])
def test_named_policies_save_exactly_the_named_values(policy, wanted):
    values = saved_values(nb.checkpoint(named, policy=POLICIES[policy]), X)
    assert matches(values, *wanted), [v.round(3) for v in values]


def test_save_anything_except_these_names_saves_everything_but_the_names():
    every = intermediates(nb.checkpoint(named, policy=cp.everything_saveable), X)
    but_g = saved_values(nb.checkpoint(named, policy=cp.save_anything_except_these_names("g")), X)
    # g is not saved; what the backward pass needs from it is recomputed from h (saved).
    assert not any(v.shape == G.shape and np.allclose(v, G) for v in but_g)
    assert any(v.shape == H.shape and np.allclose(v, H) for v in but_g)
    assert len(but_g) <= len(every)


def test_dots_policies_save_products_and_tell_batch_dimensions_apart():
    # batched: xb @ W has no batch dimension; the einsum over b has one.
    ck = lambda pol: intermediates(nb.checkpoint(batched, policy=pol), XB)
    assert ck(cp.dots_saveable) == ["f64[3,4]", "f64[3]"]
    assert ck(cp.dots_with_no_batch_dims_saveable) == ["f64[3,4]"]
    assert ck(cp.offload_dot_with_no_batch_dims("device", "pinned_host")) == ["f64[3,4]"]
    assert ck(cp.nothing_saveable) == []


def test_policies_are_called_on_the_name_primitive_with_its_name():
    seen = []

    def spy(prim, *avals, **params):
        seen.append((prim.name, params.get("name")))
        return False

    nb.grad(nb.checkpoint(named, policy=spy))(X)
    assert ("name", "h") in seen and ("name", "g") in seen


def test_policy_arguments_are_checked():
    with pytest.raises(TypeError, match="names"):
        cp.save_only_these_names(["h"])
    with pytest.raises(ValueError, match="both saved and offloaded"):
        cp.save_and_offload_only_these_names(names_which_can_be_saved=["a"],
                                             names_which_can_be_offloaded=["a"],
                                             offload_src="device", offload_dst="pinned_host")
    with pytest.raises(TypeError, match="per-equation policies"):
        cp.save_from_both_policies(cp.dots_saveable, cp.save_within_budget(10))
    with pytest.raises(ValueError, match="booleans"):
        nb.grad(nb.checkpoint(named, policy=cp.save_from_both_policies(
            cp.dots_saveable, lambda *a, **p: "yes")))(X)
    with pytest.raises(ValueError, match="bytes >= 0"):
        cp.save_within_budget(-1)
    with pytest.raises(TypeError, match="hashable"):
        checkpoint_name(X, ["h"])


# ---------------------------------------------------------------------------------------------
# checkpoint_name


def test_checkpoint_name_is_the_identity(numpy_function):
    numpy_function(lambda x: checkpoint_name(xnp.sin(x), "s") * 2.0,
                   lambda x: np.sin(x) * 2.0, RNG.standard_normal((3, 2)), grad_order=2)
    tree = {"a": np.arange(3.0), "b": (np.float32(2.0), np.arange(2))}
    out = checkpoint_name(tree, "t")
    assert set(out) == {"a", "b"} and isinstance(out["a"], np.ndarray)
    np.testing.assert_array_equal(out["a"], tree["a"])
    assert out["b"][0].dtype == np.float32 and out["b"][1].dtype == tree["b"][1].dtype


def test_checkpoint_name_under_vmap_jit_and_grad_keeps_its_name():
    def f(x):
        return xnp.sum(xnp.cos(checkpoint_name(x * x, "sq")))

    xs = RNG.standard_normal((5, 3))
    want = np.stack([-np.sin(x * x) * 2 * x for x in xs])
    for g in (nb.vmap(nb.grad(f)), nb.jit(nb.vmap(nb.grad(f))), nb.vmap(nb.jit(nb.grad(f)))):
        np.testing.assert_allclose(g(xs), want, rtol=1e-12)
    # vmap over a non-leading axis keeps the name (and the batch dimension where it was).
    jaxpr = nb.make_jaxpr(nb.vmap(lambda x: checkpoint_name(x, "sq"), in_axes=1))(xs)
    assert [(e.primitive, e.params) for e in jaxpr.eqns][0] == (name_p, {"name": "sq"})
    # A named value saved under vmap and jit.
    ck = nb.checkpoint(named, policy=cp.save_only_these_names("h"))
    xs4 = RNG.standard_normal((2, 4))
    np.testing.assert_allclose(nb.jit(nb.vmap(nb.grad(ck)))(xs4),
                               np.stack([nb.grad(named)(x) for x in xs4]), rtol=1e-12)


def test_jit_drops_the_name_and_still_fuses():
    from numbax.interpreters.inline import inline_calls
    jaxpr = nb.make_jaxpr(lambda x: xnp.sin(checkpoint_name(xnp.exp(x), "e")))(X).jaxpr
    assert "name" in [e.primitive.name for e in jaxpr.eqns]
    assert "name" not in [e.primitive.name for e in inline_calls(jaxpr).eqns]
    f = nb.jit(lambda x: checkpoint_name(x, "id"), backend="numba")
    np.testing.assert_array_equal(f(X), X)


# ---------------------------------------------------------------------------------------------
# save_within_budget


def chain(x):
    for _ in range(3):
        x = x + xnp.sin(xnp.tanh(W @ x)) * xnp.exp(-x * x)
    return xnp.sum(x)


def saved_bytes(f, x) -> int:
    return sum(a.size * a.dtype.itemsize for a, origin in saved_residuals(f, x)
               if not origin.startswith("from the argument") and a.shape != W.shape)


@pytest.mark.parametrize("f", [named, chain], ids=["named", "chain"])
def test_save_within_budget_stays_within_budget_and_grows_with_it(f):
    budgets = [0, 8, 32, 64, 128, 256, 10**6]
    sizes = [saved_bytes(nb.checkpoint(f, policy=cp.save_within_budget(b)), X) for b in budgets]
    assert sizes[0] == 0
    assert all(s <= b for s, b in zip(sizes, budgets)), sizes
    assert sizes == sorted(sizes), sizes
    assert sizes[-1] > 0
    for b in budgets:
        np.testing.assert_allclose(nb.grad(nb.checkpoint(f, policy=cp.save_within_budget(b)))(X),
                                   nb.grad(f)(X), rtol=1e-12)


def test_save_within_budget_spares_the_most_recomputation_first():
    # With room for one value of chain's first layer, it saves the tanh of the product
    # (sparing the product and the tanh) rather than, say, the cheap -x*x.
    layer = lambda x: xnp.sin(xnp.tanh(W @ x)) * xnp.exp(-x * x)
    values = saved_values(nb.checkpoint(layer, policy=cp.save_within_budget(32)), X)
    assert matches(values, np.tanh(W @ X)), values
    # A large budget recomputes nothing: the backward pass has no forward primitives left.
    loss = lambda x: xnp.sum(nb.checkpoint(chain, policy=cp.save_within_budget(10**6))(x))
    plain = nb.make_jaxpr(nb.grad(lambda x: xnp.sum(chain(x))))(X)
    big = nb.make_jaxpr(nb.grad(loss))(X)
    small = nb.make_jaxpr(nb.grad(lambda x: xnp.sum(
        nb.checkpoint(chain, policy=cp.save_within_budget(0))(x))))(X)
    assert count(big, "tanh") == count(plain, "tanh") == 3
    assert count(small, "tanh") == 6


def count(closed, name: str) -> int:
    """Occurrences of a primitive, including inside the bodies equations hold."""
    jaxpr = closed.jaxpr if isinstance(closed, ClosedJaxpr) else closed
    return sum((e.primitive.name == name) + sum(count(v, name) for v in e.params.values()
                                                 if isinstance(v, Jaxpr | ClosedJaxpr))
               for e in jaxpr.eqns)


def test_equation_cost_weighs_products_by_their_flops():
    jaxpr = nb.make_jaxpr(lambda a, b: xnp.sin(a @ b))(np.ones((5, 7)), np.ones((7, 3))).jaxpr
    costs = {e.primitive.name: equation_cost(e) for e in jaxpr.eqns}
    assert costs["dot_general"] == 2 * 5 * 3 * 7
    assert 0 < costs["sin"] < costs["dot_general"]
