"""vmap: every primitive's batching rule against a Python loop of unbatched calls, for
several in_axes; typechecking of the batched Jaxprs; compositions with the AD transforms,
checkpoint and custom_vjp; in_axes / out_axes pytrees; and the error messages of misuse."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp

B = 5

# ---------------------------------------------------------------------------------------------
# Helpers


def _data(kind, shape, rng):
    if kind == "f":
        return rng.standard_normal(shape)
    if kind == "pos":
        return rng.uniform(0.5, 2.0, shape)
    if kind == "i3":  # integer indices into an axis of length 3 (negative ones included)
        return rng.integers(-3, 3, shape)
    if kind == "i4":
        return rng.integers(0, 4, shape)
    raise ValueError(kind)


def _take(x, b, ax):
    return x if ax is None else np.take(x, b, axis=ax)


def loop_reference(f, args, in_axes):
    """np.stack of f over the batch, each argument sliced along its in_axis."""
    outs = [f(*[_take(a, b, ax) for a, ax in zip(args, in_axes)]) for b in range(B)]
    return np.stack([np.asarray(o) for o in outs])


def make_args(specs, axis, rng):
    """specs: (kind, per-example shape, batched). Batched args get B inserted at `axis`."""
    args, axes = [], []
    for kind, shape, batched in specs:
        if not batched:
            args.append(_data(kind, shape, rng))
            axes.append(None)
            continue
        ndim = len(shape) + 1
        ax = axis % ndim
        x = np.moveaxis(_data(kind, (B,) + tuple(shape), rng), 0, ax)
        args.append(x)
        axes.append(axis)
    return args, tuple(axes)


def check_vmap(f, specs, axis, rng):
    args, axes = make_args(specs, axis, rng)
    want = loop_reference(f, args, axes)
    got = nb.vmap(f, in_axes=axes)(*args)
    assert isinstance(got, np.ndarray)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if want.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    else:
        np.testing.assert_array_equal(got, want)
    nb.make_jaxpr(nb.vmap(f, in_axes=axes))(*args).check()


F34, F4, F14, P34 = ("f", (3, 4), True), ("f", (4,), False), ("f", (1, 4), False), ("pos", (3, 4), True)
F34U = ("f", (3, 4), False)
F4B = ("f", (4,), True)

CASES = {
    "sin": (xnp.sin, [F34]),
    "exp": (xnp.exp, [F34]),
    "log": (xnp.log, [P34]),
    "tanh": (xnp.tanh, [F34]),
    "neg_abs": (lambda x: -xnp.abs(x), [F34]),
    "add_vec": (xnp.add, [F34, F4]),
    "add_row": (xnp.add, [F34, F14]),
    "add_both": (xnp.add, [F34, F34]),
    "add_unbatched_bigger": (xnp.add, [F4B, F34U]),
    "mul_vec": (xnp.multiply, [F4, F34]),
    "div_row": (xnp.divide, [F34, ("pos", (1, 4), False)]),
    "div_batched_den": (xnp.divide, [F4, P34]),
    "maximum": (xnp.maximum, [F34, F14]),
    "maximum_both": (xnp.maximum, [F34, F4B]),
    "sub_op": (lambda x, y: x - y, [F34, F4]),
    "pow3": (lambda x: x ** 3, [F34]),
    "square": (xnp.square, [F34]),
    "clip": (lambda x: xnp.clip(x, -0.5, 0.5), [F34]),
    "logaddexp": (xnp.logaddexp, [F34, F4]),
    "logaddexp_both": (xnp.logaddexp, [F34, F34]),
    "where_batched_cond": (lambda x, y: xnp.where(x > 0, x, y), [F34, F4]),
    "where_unbatched_cond": (lambda c, x: xnp.where(c > 0, x, 0.0), [F4, F34]),
    "where_scalar_branches": (lambda x: xnp.where(x > 0, 1.0, -1.0), [F34]),
    "less": (lambda x, y: x < y, [F34, F4]),
    "greater_equal": (lambda x, y: xnp.greater_equal(x, y), [F4, F34]),
    "equal": (lambda x, y: xnp.equal(x > 0, y > 0), [F34, F4]),
    "not_equal_int": (lambda i: i != 1, [("i4", (3, 4), True)]),
    "astype_int": (lambda x: xnp.astype(x * 3, np.int32), [F34]),
    "astype_f32": (lambda x: xnp.astype(x, np.float32), [F34]),
    "sum_all": (xnp.sum, [F34]),
    "sum0": (lambda x: xnp.sum(x, axis=0), [F34]),
    "sum1": (lambda x: xnp.sum(x, axis=1), [F34]),
    "sum_neg_keepdims": (lambda x: xnp.sum(x, axis=-1, keepdims=True), [F34]),
    "max0": (lambda x: xnp.max(x, axis=0), [F34]),
    "min1": (lambda x: xnp.min(x, axis=1), [F34]),
    "prod1": (lambda x: xnp.prod(x, axis=1), [F34]),
    "mean_all": (xnp.mean, [F34]),
    "mean0": (lambda x: xnp.mean(x, axis=0), [F34]),
    "argmax0": (lambda x: xnp.argmax(x, axis=0), [F34]),
    "argmax1": (lambda x: xnp.argmax(x, axis=1), [F34]),
    "argmax_flat": (xnp.argmax, [F34]),
    "argmin1": (lambda x: xnp.argmin(x, axis=-1), [F34]),
    "reshape": (lambda x: xnp.reshape(x, (2, 6)), [F34]),
    "reshape_infer": (lambda x: xnp.reshape(x, (-1,)), [F34]),
    "transpose": (xnp.transpose, [F34]),
    "transpose_T": (lambda x: x.T, [F34]),
    "transpose3": (lambda x: xnp.transpose(x, (2, 0, 1)), [("f", (2, 3, 4), True)]),
    "swapaxes": (lambda x: xnp.swapaxes(x, 0, 1), [F34]),
    "expand_dims0": (lambda x: xnp.expand_dims(x, 0), [F34]),
    "expand_dims_neg": (lambda x: xnp.expand_dims(x, -1), [F34]),
    "squeeze": (lambda x: xnp.squeeze(x, 1), [("f", (3, 1, 4), True)]),
    "squeeze_all": (xnp.squeeze, [("f", (1, 4, 1), True)]),
    "broadcast_to": (lambda x: xnp.broadcast_to(x, (2, 3, 4)), [F34]),
    "broadcast_to_vec": (lambda x: xnp.broadcast_to(x, (3, 4)), [F4B]),
    "concatenate0": (lambda x, y: xnp.concatenate([x, y], axis=0), [F34, F34U]),
    "concatenate1": (lambda x, y: xnp.concatenate([y, x], axis=1), [F34, F34]),
    "concatenate_neg": (lambda x, y: xnp.concatenate([x, y], axis=-1), [F34U, F34]),
    "stack0": (lambda x, y: xnp.stack([x, y]), [F34, F34U]),
    "stack1": (lambda x, y: xnp.stack([x, y], axis=1), [F34, F34]),
    "stack_neg": (lambda x, y: xnp.stack([x, y], axis=-1), [F34U, F34]),
    "slice": (lambda x: x[1:, ::2], [F34]),
    "slice_neg_step": (lambda x: x[::-1, 3:0:-2], [F34]),
    "index_int": (lambda x: x[1], [F34]),
    "index_neg_int": (lambda x: x[:, -1], [F34]),
    "index_none": (lambda x: x[None, 0, 1:3], [F34]),
    "array_index_unbatched_idx": (lambda x: x[np.array([2, 0, 2, 1])], [F34]),
    "array_index_axis1": (lambda x: x[:, np.array([[3, 0], [1, 1]])], [F34]),
    "array_index_batched_idx": (lambda x, i: x[i], [F34U, ("i3", (2,), True)]),
    "array_index_both": (lambda x, i: x[i], [F34, ("i3", (2,), True)]),
    "array_index_both_axis1": (lambda x, i: x[:, i], [F34, ("i4", (2, 2), True)]),
    "array_index_batched_idx_axis1": (lambda x, i: x[1:, i], [F34U, ("i4", (3,), True)]),
    "dot_vec_both": (xnp.dot, [F4B, F4B]),
    "dot_mat_vec_left": (xnp.dot, [F34, F4]),
    "dot_mat_vec_right": (xnp.dot, [F34U, F4B]),
    "dot_mat_mat_both": (xnp.dot, [F34, ("f", (4, 2), True)]),
    "matmul_left": (xnp.matmul, [F34, ("f", (4, 2), False)]),
    "matmul_right": (xnp.matmul, [("f", (2, 3), False), F34]),
    "matmul_op_both": (lambda a, b: a @ b, [F34, ("f", (4, 2), True)]),
    "matmul_batched3": (xnp.matmul, [("f", (2, 3, 4), True), ("f", (4, 2), False)]),
    "matmul_unbatched_lhs_batch_dims": (xnp.matmul, [("f", (2, 3, 4), False), ("f", (2, 4, 5), True)]),
    "matmul_both_batch_dims": (xnp.matmul, [("f", (2, 3, 4), True), ("f", (2, 4, 5), True)]),
    "array_index_both_3d": (lambda x, i: x[:, i], [("f", (2, 3, 4), True), ("i3", (2, 2), True)]),
    "array_index_idx_3d": (lambda x, i: x[:, i], [("f", (2, 3, 4), False), ("i3", (2, 2), True)]),
    "power_arrays": (xnp.power, [P34, ("f", (4,), False)]),
    "power_batched_exp": (xnp.power, [("pos", (4,), False), F34]),
    "sum_empty_axes": (lambda x: xnp.sum(x, axis=()), [F34]),
    "argmax_keepdims": (lambda x: xnp.argmax(x, axis=0, keepdims=True), [F34]),
    "astype_bool": (lambda x: xnp.astype(x > 0, np.float64), [F34]),
    "logical": (lambda x, y: xnp.logical_and(x > 0, xnp.logical_not(y > 0)), [F34, F4]),
    "outer_both": (xnp.outer, [F4B, ("f", (3,), True)]),
    "outer_left": (xnp.outer, [F4B, ("f", (3,), False)]),
    "outer_right": (xnp.outer, [F4, ("f", (3,), True)]),
    "composite": (lambda x, y: xnp.sum(xnp.tanh(x @ y) ** 2, axis=0), [F34, ("f", (4, 2), False)]),
}


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("name", sorted(CASES))
def test_batching_rule_vs_loop(name, axis, rng):
    f, specs = CASES[name]
    check_vmap(f, specs, axis, rng)


@pytest.mark.parametrize("name", ["sin", "add_vec", "dot_mat_vec_left", "array_index_both",
                                  "sum1", "concatenate0"])
def test_explicit_none_axis_for_one_argument(name, rng):
    """The unbatched arguments are passed with in_axes None (make_args does), and the same
    program works when an otherwise-batched argument is marked None too (then broadcast)."""
    f, specs = CASES[name]
    if len(specs) < 2:
        x = _data(specs[0][0], specs[0][1], rng)
        got = nb.vmap(f, in_axes=None, axis_size=B)(x)
        np.testing.assert_allclose(got, np.stack([f(x)] * B))
        return
    args, axes = make_args(specs, 0, rng)
    want = loop_reference(f, args, axes)
    np.testing.assert_allclose(nb.vmap(f, in_axes=axes)(*args), want, rtol=1e-12, atol=1e-12)


def test_lax_level_rules(rng):
    """Primitives reached through lax directly: pad and scatter_add."""
    x = rng.standard_normal((B, 3, 4))
    f = lambda v: nb.lax.pad(v, np.array(0.5), ((1, 2, 0), (0, 1, 1)))
    np.testing.assert_allclose(nb.vmap(f)(x), np.stack([f(v) for v in x]))
    idx = np.array([0, 2, 2])
    upd = rng.standard_normal((B, 3, 4))
    g = lambda v, u: nb.lax.scatter_add(v, idx, u, 0)
    want = np.stack([g(v, u) for v, u in zip(x, upd)])
    np.testing.assert_allclose(nb.vmap(g)(x, upd), want)
    ib = rng.integers(0, 3, (B, 3))
    h = lambda v, i, u: nb.lax.scatter_add(v, i, u, 0)
    want = np.stack([h(v, i, u) for v, i, u in zip(x, ib, upd)])
    np.testing.assert_allclose(nb.vmap(h)(x, ib, upd), want)


# ---------------------------------------------------------------------------------------------
# Compositions


def loss(w, x):
    return xnp.sum(xnp.tanh(xnp.dot(x, w)) ** 2) + 0.1 * xnp.sum(w * w)


def test_per_example_gradients(rng):
    w = rng.standard_normal((4,))
    xs = rng.standard_normal((B, 3, 4))
    got = nb.vmap(nb.grad(loss), in_axes=(None, 0))(w, xs)
    want = np.stack([nb.grad(loss)(w, x) for x in xs])
    assert got.shape == (B, 4)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_grad_of_vmap_summed(rng):
    w = rng.standard_normal((4,))
    xs = rng.standard_normal((B, 3, 4))
    total = lambda w: xnp.sum(nb.vmap(loss, in_axes=(None, 0))(w, xs))
    want = sum(nb.grad(loss)(w, x) for x in xs)
    np.testing.assert_allclose(nb.grad(total)(w), want, rtol=1e-12)


def test_vmap_of_vmap(rng):
    x = rng.standard_normal((B, 3, 4))
    y = rng.standard_normal((4,))
    f = lambda a, b: xnp.sin(a) * b + xnp.sum(a)
    got = nb.vmap(nb.vmap(f, in_axes=(0, None)), in_axes=(0, None))(x, y)
    want = np.stack([np.stack([f(xi, y) for xi in xb]) for xb in x])
    np.testing.assert_allclose(got, want, rtol=1e-12)
    nb.make_jaxpr(nb.vmap(nb.vmap(f, in_axes=(0, None)), in_axes=(0, None)))(x, y).check()


def test_nested_vmap_different_in_axes(rng):
    x = rng.standard_normal((3, B, 4))  # outer maps axis 1, inner maps (remaining) axis 1
    y = rng.standard_normal((4, B))
    f = lambda a, b: xnp.dot(a, b)
    got = nb.vmap(nb.vmap(f, in_axes=(0, None)), in_axes=(1, 1))(x, y)
    want = np.stack([np.stack([f(x[i, b], y[:, b]) for i in range(3)]) for b in range(B)])
    assert got.shape == (B, 3)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    x3 = rng.standard_normal((B, 4, 2))
    y3 = rng.standard_normal((4, B))
    got3 = nb.vmap(nb.vmap(f, in_axes=(-1, None)), in_axes=(0, -1))(x3, y3)
    want3 = np.stack([np.stack([f(x3[b, :, j], y3[:, b]) for j in range(2)]) for b in range(B)])
    np.testing.assert_allclose(got3, want3, rtol=1e-12)


def test_jvp_of_vmap(rng):
    x = rng.standard_normal((B, 3))
    t = rng.standard_normal((B, 3))
    f = lambda v: xnp.sin(v) * xnp.sum(v ** 2)
    y, ty = nb.jvp(nb.vmap(f), (x,), (t,))
    pairs = [nb.jvp(f, (xi,), (ti,)) for xi, ti in zip(x, t)]
    np.testing.assert_allclose(y, np.stack([p[0] for p in pairs]), rtol=1e-12)
    np.testing.assert_allclose(ty, np.stack([p[1] for p in pairs]), rtol=1e-12)


def test_vmap_of_jvp(rng):
    x = rng.standard_normal((B, 3))
    t = rng.standard_normal((B, 3))
    f = lambda v: xnp.exp(v) / (1.0 + xnp.sum(v * v))
    g = lambda xi, ti: nb.jvp(f, (xi,), (ti,))
    y, ty = nb.vmap(g)(x, t)
    pairs = [g(xi, ti) for xi, ti in zip(x, t)]
    np.testing.assert_allclose(y, np.stack([p[0] for p in pairs]), rtol=1e-12)
    np.testing.assert_allclose(ty, np.stack([p[1] for p in pairs]), rtol=1e-12)


def test_hessian_forward_over_reverse(rng):
    f = lambda v: xnp.sum(xnp.sin(v) * v[::-1]) + xnp.prod(v)
    x = rng.standard_normal((4,))
    h1 = nb.jacfwd(nb.jacrev(f))(x)
    h2 = nb.hessian(f)(x)
    assert h1.shape == (4, 4)
    np.testing.assert_allclose(h1, h2, rtol=1e-10, atol=1e-12)
    # analytic check of the Hessian (jacfwd vmaps the JVP over the basis)
    eps = 1e-5
    g = nb.grad(f)
    fd = np.stack([(g(x + eps * e) - g(x - eps * e)) / (2 * eps) for e in np.eye(4)])
    np.testing.assert_allclose(h1, fd, rtol=1e-6, atol=1e-6)
    # per-example Hessians
    xs = rng.standard_normal((B, 4))
    np.testing.assert_allclose(nb.vmap(nb.hessian(f))(xs), np.stack([nb.hessian(f)(v) for v in xs]),
                               rtol=1e-10, atol=1e-12)


def test_vmap_of_checkpoint(rng):
    f = nb.checkpoint(lambda v, w: xnp.sin(xnp.dot(v, w)) * xnp.cos(v[0]))
    xs = rng.standard_normal((B, 3))
    w = rng.standard_normal((3, 2))
    got = nb.vmap(f, in_axes=(0, None))(xs, w)
    np.testing.assert_allclose(got, np.stack([f(v, w) for v in xs]), rtol=1e-12)
    g = nb.vmap(nb.grad(lambda v, w: xnp.sum(f(v, w))), in_axes=(0, None))(xs, w)
    want = np.stack([nb.grad(lambda v, w: xnp.sum(f(v, w)))(v, w) for v in xs])
    np.testing.assert_allclose(g, want, rtol=1e-12)
    nb.make_jaxpr(nb.vmap(f, in_axes=(0, None)))(xs, w).check()


def test_vmap_of_grad_of_custom_vjp(rng):
    @nb.custom_vjp
    def clip_grad_sin(x):
        return xnp.sin(x)

    def fwd(x):
        return xnp.sin(x), xnp.cos(x)

    def bwd(c, g):
        return (xnp.clip(g * c, -0.5, 0.5),)

    clip_grad_sin.defvjp(fwd, bwd)
    f = lambda x: xnp.sum(clip_grad_sin(x) * 3.0)
    xs = rng.standard_normal((B, 4))
    got = nb.vmap(nb.grad(f))(xs)
    want = np.stack([np.clip(3.0 * np.cos(v), -0.5, 0.5) for v in xs])
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(got, np.stack([nb.grad(f)(v) for v in xs]), rtol=1e-12)
    np.testing.assert_allclose(nb.vmap(clip_grad_sin)(xs), np.sin(xs), rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# in_axes / out_axes


@pytest.mark.parametrize("out_axes", [0, 1, -1, 2])
def test_out_axes(out_axes, rng):
    x = rng.standard_normal((B, 3, 4))
    f = lambda v: xnp.tanh(v) * 2.0
    got = nb.vmap(f, out_axes=out_axes)(x)
    want = np.moveaxis(np.stack([f(v) for v in x]), 0, out_axes)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_out_axes_none_for_unmapped_output(rng):
    x = rng.standard_normal((B, 3))
    c = rng.standard_normal((2,))
    f = lambda v, k: (xnp.sin(v), k * 2.0)
    a, b = nb.vmap(f, in_axes=(0, None), out_axes=(0, None))(x, c)
    np.testing.assert_allclose(a, np.sin(x))
    assert b.shape == (2,)
    np.testing.assert_allclose(b, c * 2.0)


def test_pytree_out_axes(rng):
    x = rng.standard_normal((B, 3))
    f = lambda v: {"a": v * 2.0, "b": (xnp.exp(v), xnp.sum(v))}
    out = nb.vmap(f, out_axes={"a": 1, "b": (0, 0)})(x)
    np.testing.assert_allclose(out["a"], (x * 2.0).T)
    np.testing.assert_allclose(out["b"][0], np.exp(x))
    np.testing.assert_allclose(out["b"][1], x.sum(1))
    out = nb.vmap(f, out_axes={"a": -1, "b": 0})(x)
    assert out["a"].shape == (3, B)


def test_dict_in_axes(rng):
    params = {"w": rng.standard_normal((4, 2)), "b": rng.standard_normal((B, 2))}
    xs = rng.standard_normal((4, B))
    f = lambda p, x: xnp.dot(x, p["w"]) + p["b"]
    got = nb.vmap(f, in_axes=({"w": None, "b": 0}, 1))(params, xs)
    want = np.stack([xs[:, i] @ params["w"] + params["b"][i] for i in range(B)])
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_unmapped_output_gets_batch_axis(rng):
    x = rng.standard_normal((B, 3))
    got = nb.vmap(lambda v: np.arange(4.0) * 2.0)(x)
    assert got.shape == (B, 4)
    np.testing.assert_allclose(got, np.tile(np.arange(4.0) * 2.0, (B, 1)))
    got = nb.vmap(lambda v, c: c + 1.0, in_axes=(0, None), out_axes=1)(x, np.ones(2))
    assert got.shape == (2, B)
    np.testing.assert_allclose(got, np.full((2, B), 2.0))


def test_scalar_constant_output(rng):
    got = nb.vmap(lambda v: 1.5)(rng.standard_normal((B, 3)))
    np.testing.assert_allclose(got, np.full((B,), 1.5))


def test_scatter_add_axis1_batched_index(rng):
    x = rng.standard_normal((B, 3, 4))
    idx = rng.integers(0, 4, (B, 2))
    upd = rng.standard_normal((B, 3, 2))
    h = lambda v, i, u: nb.lax.scatter_add(v, i, u, 1)
    want = np.stack([h(v, i, u) for v, i, u in zip(x, idx, upd)])
    np.testing.assert_allclose(nb.vmap(h)(x, idx, upd), want)
    want = np.stack([h(x[b], idx[0], upd[b]) for b in range(B)])
    np.testing.assert_allclose(nb.vmap(h, in_axes=(0, None, 0))(x, idx[0], upd), want)


def test_vmap_of_custom_jvp(rng):
    @nb.custom_jvp
    def f(x):
        return xnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return xnp.sin(x), 2.0 * t

    xs = rng.standard_normal((B, 3))
    np.testing.assert_allclose(nb.vmap(f)(xs), np.sin(xs))
    g = nb.vmap(nb.grad(lambda v: xnp.sum(f(v))))(xs)
    np.testing.assert_allclose(g, np.full((B, 3), 2.0))


def test_axis_size_with_no_mapped_args():
    got = nb.vmap(lambda c: c * 3.0, in_axes=None, axis_size=4)(np.arange(2.0))
    np.testing.assert_allclose(got, np.tile(np.arange(2.0) * 3.0, (4, 1)))


# ---------------------------------------------------------------------------------------------
# Errors


def test_error_inconsistent_sizes():
    with pytest.raises(ValueError, match=r"inconsistent sizes.*leaf 0: 3.*leaf 1: 4"):
        nb.vmap(xnp.add)(np.ones((3, 2)), np.ones((4, 2)))


def test_error_in_axes_wrong_length():
    with pytest.raises(ValueError, match="in_axes"):
        nb.vmap(xnp.add, in_axes=(0, 0, 0))(np.ones(3), np.ones(3))


def test_error_in_axes_tuple_for_single_array_arg():
    with pytest.raises(ValueError, match="in_axes"):
        nb.vmap(xnp.sin, in_axes=(0, 0))(np.ones((3, 4)))


def test_error_in_axes_dict_keys_mismatch():
    with pytest.raises(ValueError, match="in_axes"):
        nb.vmap(lambda d: d["a"], in_axes=({"b": 0},))({"a": np.ones(3)})


def test_error_axis_out_of_range():
    with pytest.raises(ValueError, match=r"in_axes 2 is out of range.*\(3, 4\)"):
        nb.vmap(xnp.sin, in_axes=2)(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"in_axes -3 is out of range"):
        nb.vmap(xnp.sin, in_axes=-3)(np.ones((3, 4)))


def test_error_out_axes_out_of_range():
    with pytest.raises(ValueError, match="out_axes 3 is out of range"):
        nb.vmap(xnp.sin, out_axes=3)(np.ones((3, 4)))


def test_error_out_axes_none_for_mapped_output():
    with pytest.raises(ValueError, match="mapped but out_axes is None"):
        nb.vmap(xnp.sin, out_axes=None)(np.ones((3, 4)))


def test_error_no_mapped_argument():
    with pytest.raises(ValueError, match="at least one mapped argument.*axis_size"):
        nb.vmap(xnp.sin, in_axes=None)(np.ones(3))


def test_error_axis_size_disagrees():
    with pytest.raises(ValueError, match="axis_size=5"):
        nb.vmap(xnp.sin, axis_size=5)(np.ones((3, 4)))
