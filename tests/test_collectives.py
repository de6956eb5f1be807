"""Collectives over named axes under vmap(axis_name=...), against NumPy references computed
member by member over the stacked batch (and finite differences for derivatives)."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.lax as lax
import numbax.numpy as xnp
from numbax.core.axis_env import axis_frame, extend_axis_env
from numbax.core.collective_primitives import COLLECTIVES
from numbax.test_util import check_grads

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 3, 2))  # 4 members, each a (3, 2) value


def _checked(f, *args):
    """f's make_jaxpr, type-checked, then f(*args)."""
    nb.make_jaxpr(f)(*args).check()
    return f(*args)


def _per_member(fn, stacked):
    return np.stack([fn(k) for k in range(len(stacked))])


# ---------------------------------------------------------------------------------------------
# Each collective against its member-by-member reference


def test_psum_pmax_pmin_pmean():
    for op, ref in ((lax.psum, np.sum), (lax.pmax, np.max), (lax.pmin, np.min),
                    (lax.pmean, np.mean)):
        got = _checked(nb.vmap(lambda x, op=op: op(x, "i"), axis_name="i"), X)
        np.testing.assert_allclose(got, _per_member(lambda k, ref=ref: ref(X, axis=0), X))


def test_psum_of_an_unbatched_value_is_scaled_by_the_axis_size():
    got = nb.vmap(lambda x: (lax.psum(1.0, "i"), lax.psum(x, "i")), in_axes=(None,),
                  axis_name="i", axis_size=5)(X[0])
    np.testing.assert_allclose(got[0], np.full(5, 5.0))
    np.testing.assert_allclose(got[1], np.broadcast_to(5 * X[0], (5, 3, 2)))


def test_psum_of_bools_is_an_int32_count_and_python_scalars_stay_weak():
    flags = np.array([True, False, True])
    for f in (nb.vmap, nb.pmap):
        got = f(lambda b: lax.psum(b, "i"), axis_name="i")(flags)
        assert got.dtype == np.int32
        np.testing.assert_array_equal(got, np.full(3, 2))
        x = np.ones(3, np.float32)
        # As in JAX: psum(1, "i") is a weak Python int, so x keeps its float32.
        scaled = f(lambda v: (v / lax.psum(1, "i"), v * lax.pmean(2.0, "i")), axis_name="i")(x)
        assert [s.dtype for s in scaled] == [np.float32, np.float32]
        np.testing.assert_allclose(scaled[0], x / 3)
        np.testing.assert_allclose(scaled[1], x * 2)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
@pytest.mark.parametrize("tiled", [False, True])
def test_all_gather(axis, tiled):
    if tiled and axis == 2:
        return
    f = nb.vmap(lambda x: lax.all_gather(x, "i", axis=axis, tiled=tiled), axis_name="i")
    combine = np.concatenate if tiled else np.stack
    np.testing.assert_array_equal(_checked(f, X),
                                  _per_member(lambda k: combine(list(X), axis=axis), X))


@pytest.mark.parametrize("tiled", [False, True])
def test_psum_scatter(tiled):
    xs = RNG.standard_normal((4, 3, 8 if tiled else 4))
    f = nb.vmap(lambda x: lax.psum_scatter(x, "i", scatter_dimension=1, tiled=tiled),
                axis_name="i")
    total = xs.sum(0)
    ref = (_per_member(lambda k: np.split(total, 4, axis=1)[k], xs) if tiled
           else _per_member(lambda k: total[:, k], xs))
    np.testing.assert_allclose(_checked(f, xs), ref)


def test_ppermute_sends_src_to_dst_and_zeros_elsewhere():
    perm = [(0, 2), (2, 1), (3, 0)]
    f = nb.vmap(lambda x: lax.ppermute(x, "i", perm), axis_name="i")
    ref = np.zeros_like(X)
    for src, dst in perm:
        ref[dst] = X[src]
    np.testing.assert_array_equal(_checked(f, X), ref)


def test_axis_index_and_axis_size():
    f = nb.vmap(lambda x: x * lax.axis_size("i") + lax.axis_index("i"), axis_name="i")
    np.testing.assert_array_equal(_checked(f, np.zeros(4, np.int32)), np.arange(4))


def test_pytrees_in_axes_none_and_out_axes():
    def f(tree, c):
        s = lax.psum(tree, "i")
        return s["a"] + c, lax.all_gather(tree["b"], "i")

    a, b, c = X, X[:, 0], np.ones(2)
    got_a, got_b = nb.vmap(f, in_axes=({"a": 0, "b": 0}, None), out_axes=(1, 0),
                           axis_name="i")({"a": a, "b": b}, c)
    np.testing.assert_allclose(got_a, np.moveaxis(_per_member(lambda k: a.sum(0) + c, a), 0, 1))
    np.testing.assert_array_equal(got_b, _per_member(lambda k: b, b))


def test_a_batch_axis_of_another_vmap_passes_through():
    # Outer unnamed vmap over 2, inner named "i" over 4: the collective works per outer member.
    xs = RNG.standard_normal((2, 4, 3))
    f = nb.vmap(nb.vmap(lambda x: (lax.psum(x, "i"), lax.all_gather(x, "i", axis=1),
                                   lax.psum_scatter(xnp.tile(x, 4 // 3 + 1)[:4], "i")),
                        axis_name="i"))
    s, g, sc = _checked(f, xs)
    for o in range(2):
        np.testing.assert_allclose(s[o], np.broadcast_to(xs[o].sum(0), (4, 3)))
        np.testing.assert_array_equal(g[o], np.broadcast_to(np.stack(xs[o], 1), (4, 3, 4)))
        np.testing.assert_allclose(sc[o], xs[o].sum(0)[[0, 1, 2, 0]])


# ---------------------------------------------------------------------------------------------
# Nested named vmaps


XS = RNG.standard_normal((2, 3, 5))  # outer "i" (2) x inner "j" (3) members


def _nested(fn):
    return nb.vmap(nb.vmap(fn, axis_name="j"), axis_name="i")


def test_nested_psum_over_both_names_and_over_the_outer_name_from_inside():
    got = _checked(_nested(lambda x: (lax.psum(x, ("i", "j")), lax.psum(x, "i"),
                                      lax.pmax(x, ("j", "i")))), XS)
    np.testing.assert_allclose(got[0], np.broadcast_to(XS.sum((0, 1)), XS.shape))
    np.testing.assert_allclose(got[1], np.broadcast_to(XS.sum(0), XS.shape))
    np.testing.assert_allclose(got[2], np.broadcast_to(XS.max((0, 1)), XS.shape))


@pytest.mark.parametrize("names", [("i", "j"), ("j", "i")])
def test_nested_all_gather_and_axis_index_order_the_first_name_major(names):
    g, idx = _checked(_nested(lambda x: (lax.all_gather(x, names, axis=1),
                                         lax.axis_index(names))), XS)
    major = XS if names == ("i", "j") else XS.transpose(1, 0, 2)
    flat = major.reshape(6, 5)
    np.testing.assert_array_equal(g, np.broadcast_to(flat.T, (2, 3, 5, 6)))
    i, j = np.meshgrid(np.arange(2), np.arange(3), indexing="ij")
    np.testing.assert_array_equal(idx, i * 3 + j if names == ("i", "j") else j * 2 + i)


def test_an_inner_name_shadows_an_outer_one():
    got = nb.vmap(nb.vmap(lambda x: lax.psum(x, "i"), axis_name="i"), axis_name="i")(XS)
    np.testing.assert_allclose(got, np.broadcast_to(XS.sum(1, keepdims=True), XS.shape))


# ---------------------------------------------------------------------------------------------
# Inside jit, cond, scan and custom_jvp under the named vmap


def test_collectives_inside_jit_cond_scan_and_custom_jvp():
    @nb.custom_jvp
    def centred(x):
        return x - lax.pmean(x, "i")

    @centred.defjvp
    def _centred_jvp(primals, tangents):
        return centred(primals[0]), tangents[0] - lax.pmean(tangents[0], "i")

    def body(c, x):
        return c + lax.psum(x, "i"), lax.axis_index("i") + 0 * x

    def f(x):
        a = nb.jit(lambda y: lax.psum(y, "i"))(x)
        b = lax.cond(x[0, 0] > 0, lambda y: lax.pmax(y, "i"), lambda y: lax.pmin(y, "i"), x)
        c, ys = lax.scan(body, np.zeros(2), x)
        d = nb.jit(lambda: lax.psum(1.0, "i"))()  # no operand: still reaches the vmap
        return a, b, c, ys, centred(x), d

    a, b, c, ys, e, d = _checked(nb.vmap(f, axis_name="i"), X)
    np.testing.assert_allclose(a, _per_member(lambda k: X.sum(0), X))
    np.testing.assert_allclose(b, _per_member(lambda k: X.max(0) if X[k, 0, 0] > 0
                                              else X.min(0), X))
    np.testing.assert_allclose(c, _per_member(lambda k: X.sum((0, 1)), X))
    np.testing.assert_allclose(ys, _per_member(lambda k: np.full((3, 2), k), X))
    np.testing.assert_allclose(e, X - X.mean(0))
    np.testing.assert_allclose(d, 4.0)


def test_nested_names_inside_jit_and_while_loop():
    f = _nested(nb.jit(lambda x: (lax.psum(x, "i"), lax.all_gather(x, ("i", "j")),
                                  lax.axis_index(("j", "i")))))
    a, b, c = _checked(f, XS)
    np.testing.assert_allclose(a, np.broadcast_to(XS.sum(0), XS.shape))
    np.testing.assert_array_equal(b, np.broadcast_to(XS.reshape(6, 5), (2, 3, 6, 5)))
    i, j = np.meshgrid(np.arange(2), np.arange(3), indexing="ij")
    np.testing.assert_array_equal(c, j * 2 + i)
    # The loop runs while the members' total is small: every member doubles together.
    g = nb.vmap(lambda x: lax.while_loop(lambda c: lax.psum(c, "i") < 100.0,
                                         lambda c: c * 2.0, x), axis_name="i")
    x = np.array([1.0, 2.0, 3.0])
    ref = x.copy()
    while ref.sum() < 100.0:
        ref = ref * 2.0
    np.testing.assert_allclose(_checked(g, x), ref)


def test_grad_through_jit_and_scan_under_the_named_vmap():
    def member(x):
        _, ys = lax.scan(lambda c, r: (c, nb.jit(lambda v: lax.psum(v * v, "i"))(r) * c),
                         x[0], x)
        return xnp.sum(xnp.sin(ys))

    check_grads(lambda xs: xnp.sum(nb.vmap(member, axis_name="i")(xs)), (X,), order=1)


# ---------------------------------------------------------------------------------------------
# Derivatives


def test_grad_of_psum_under_vmap_is_the_axis_size_as_in_jax():
    got = nb.vmap(nb.grad(lambda x: lax.psum(x, "i")), axis_name="i")(np.arange(3.0))
    np.testing.assert_allclose(got, [3.0, 3.0, 3.0])


def _loss(x):
    # A member's loss that couples it to the others through every collective.
    m = lax.pmean(x, "i")
    g = lax.all_gather(x, "i")
    s = lax.psum_scatter(xnp.outer(x[:, 0], x[:, 1])[:, :1].repeat(4, 0)[:4, 0], "i")
    p = lax.ppermute(x, "i", [(0, 1), (1, 2), (2, 3), (3, 0)])
    return xnp.sum(xnp.sin(x - m) * g[0] + p * x) + s + xnp.sum(lax.pmax(x, "i"))


def _total(xs):
    return xnp.sum(nb.vmap(_loss, axis_name="i")(xs))


def test_grad_of_vmap_against_finite_differences():
    check_grads(_total, (X,), order=1)


def test_jvp_under_vmap_against_finite_differences():
    check_grads(nb.vmap(_loss, axis_name="i"), (X,), order=1, modes=("fwd",))


def test_vmap_of_grad_of_pmean_against_the_loop_reference():
    # d/dx_k of sum((x_k - mean(x))^2), with the collective's transpose psum as in JAX:
    # cotangent 1 on every member's psum input gives n * (1 / n) = 1 per member.
    got = nb.vmap(nb.grad(lambda x: xnp.sum((x - lax.pmean(x, "i")) ** 2)), axis_name="i")(X)
    d = 2 * (X - X.mean(0))
    np.testing.assert_allclose(got, d - d.sum(0) / 4)


def test_pmax_tangent_is_the_maximisers_with_ties_split():
    x = np.array([1.0, 3.0, 3.0, 2.0])
    t = np.array([10.0, 20.0, 40.0, 80.0])
    _, tan = nb.jvp(nb.vmap(lambda v: lax.pmax(v, "i"), axis_name="i"), (x,), (t,))
    np.testing.assert_allclose(tan, np.full(4, 30.0))


def test_vjp_of_all_gather_is_psum_scatter_of_the_cotangent():
    ct = RNG.standard_normal((4, 4, 3, 2))

    def pulled(x, c):
        return nb.vjp(lambda v: lax.all_gather(v, "i"), x)[1](c)[0]

    got = _checked(nb.vmap(pulled, axis_name="i"), X, ct)
    ref = nb.vmap(lambda c: lax.psum_scatter(c, "i"), axis_name="i")(ct)
    np.testing.assert_allclose(got, ref)
    np.testing.assert_allclose(got, _per_member(lambda k: ct.sum(0)[k], ct))


# ---------------------------------------------------------------------------------------------
# Staging under extend_axis_env (what pmap's per-shard tracing does)


def test_make_jaxpr_under_extend_axis_env_stages_every_collective():
    def f(x):
        return (lax.psum(x, "d"), lax.pmax(x, "d"), lax.pmin(x, "d"),
                lax.all_gather(x, "d", axis=1, tiled=True), lax.psum_scatter(x, "d"),
                lax.ppermute(x, "d", [(0, 1), (1, 0)]), lax.axis_index("d"),
                nb.jit(lambda y: lax.psum(y, "d"))(x))

    with extend_axis_env("d", 2):
        assert axis_frame("d").size == 2 and axis_frame("d").main is None
        jaxpr = nb.make_jaxpr(f)(np.ones((2, 3)))
    jaxpr.check()
    names = [e.primitive.name for e in jaxpr.eqns]
    assert names == ["psum", "pmax", "pmin", "all_gather", "psum_scatter", "ppermute",
                     "axis_index", "jit"]
    assert all(e.params["axes"] == ("d",) for e in jaxpr.eqns[:-1])
    assert jaxpr.eqns[3].outputs[0].aval.shape == (2, 6)
    assert jaxpr.eqns[4].outputs[0].aval.shape == (3,)


def test_a_named_vmap_inside_extend_axis_env_batches_its_own_name_and_stages_the_other():
    with extend_axis_env("d", 2):
        jaxpr = nb.make_jaxpr(nb.vmap(lambda x: lax.psum(x, ("d", "i")), axis_name="i"))(
            np.ones((3, 2)))
    jaxpr.check()
    assert [e.primitive.name for e in jaxpr.eqns][:2] == ["reduce_sum", "psum"]
    assert jaxpr.eqns[1].params["axes"] == ("d",)


# ---------------------------------------------------------------------------------------------
# Errors


def test_unbound_axis_names_raise_name_error():
    with pytest.raises(NameError, match="unbound axis name: zz"):
        lax.psum(1.0, "zz")
    with pytest.raises(NameError, match="unbound axis name: zz"):
        nb.vmap(lambda x: lax.psum(x, "zz"), axis_name="i")(X)
    with pytest.raises(NameError, match="unbound axis name: zz"):
        nb.vmap(lambda x: lax.axis_index("zz"), axis_name="i")(X)
    with pytest.raises(NameError, match="unbound axis name: i"):
        nb.jit(lambda x: lax.psum(x, "i"))(X)
    with pytest.raises(NameError, match="unbound axis name: i"):
        nb.vmap(lambda x: lax.psum(x, "i"))(X)  # an unnamed vmap binds no name


def test_bad_arguments_raise_clear_errors():
    vm = lambda f: nb.vmap(f, axis_name="i")  # noqa: E731
    with pytest.raises(ValueError, match="no source and no destination may appear twice"):
        vm(lambda x: lax.ppermute(x, "i", [(0, 1), (0, 2)]))(X)
    with pytest.raises(ValueError, match=r"in range\(4\)"):
        vm(lambda x: lax.ppermute(x, "i", [(0, 4)]))(X)
    with pytest.raises(ValueError, match="pairs"):
        vm(lambda x: lax.ppermute(x, "i", [0, 1]))(X)
    with pytest.raises(ValueError, match="divisible by the axis size 4"):
        vm(lambda x: lax.psum_scatter(x, "i", tiled=True))(X)
    with pytest.raises(ValueError, match="must equal the axis size 4"):
        vm(lambda x: lax.psum_scatter(x, "i"))(X)
    with pytest.raises(ValueError, match="axis_size=3 but"):
        from numbax.core.collective_primitives import all_gather_p
        vm(lambda x: all_gather_p.bind(x, axes=("i",), axis_size=3, all_gather_dimension=0,
                                       tiled=False))(X)
    with pytest.raises(TypeError, match="axis_name must be a str"):
        lax.psum(X, 3)
    with pytest.raises(TypeError, match="axis_name must be a str"):
        nb.vmap(lambda x: x, axis_name=("i",))


def test_spmd_axis_name_changes_nothing_on_one_machine():
    f = nb.vmap(lambda x: lax.psum(x, "i"), axis_name="i", spmd_axis_name="data")
    np.testing.assert_allclose(f(X), _per_member(lambda k: X.sum(0), X))


def test_collectives_are_declared_with_their_kind():
    assert {p.kind for p in COLLECTIVES} == {"collective"}
    assert all(p.linear == (p.name in ("psum", "all_gather", "psum_scatter", "ppermute"))
               for p in COLLECTIVES)


def test_docstring_examples():
    import doctest

    from numbax.core import axis_env
    from numbax.lax import collective_ops
    for module in (collective_ops, axis_env):
        assert doctest.testmod(module).failed == 0, module.__name__
