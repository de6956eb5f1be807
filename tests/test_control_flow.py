"""Structured control flow: cond, switch, while_loop, fori_loop and scan, each against
a Python-loop reference, evaluated eagerly and under jit, and under jvp, grad, vmap,
checkpoint and their compositions."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax import lax
from numbax.backends.interpreter import run_closed_jaxpr
from numbax.core.ir import Jaxpr
from numbax.interpreters.jit_call import compilers
from numbax.test_util import check_grads
from numbax.tree_util import tree_leaves, tree_unflatten

# ---------------------------------------------------------------------------------------------
# helpers


def traced(f, *args):
    """make_jaxpr(f)(*args), type-checked."""
    closed = nb.make_jaxpr(f)(*args)
    closed.check()
    return closed


def _sub_jaxprs(params):
    for v in params.values():
        for x in (v if isinstance(v, tuple | list) else (v,)):
            if isinstance(x, Jaxpr):
                yield x
            elif hasattr(x, "jaxpr") and isinstance(x.jaxpr, Jaxpr):
                yield x.jaxpr


def prim_counts(jaxpr) -> dict:
    """How often each primitive occurs in jaxpr, counting nested bodies."""
    counts: dict = {}

    def walk(j):
        for e in j.eqns:
            counts[e.primitive.name] = counts.get(e.primitive.name, 0) + 1
            for sub in _sub_jaxprs(e.params):
                walk(sub)

    walk(jaxpr.jaxpr if hasattr(jaxpr, "jaxpr") and isinstance(jaxpr.jaxpr, Jaxpr) else jaxpr)
    return counts


def close(got, want, rtol=1e-10, atol=1e-10):
    got_l, want_l = tree_leaves(got), tree_leaves(want)
    assert len(got_l) == len(want_l)
    for g, w in zip(got_l, want_l):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape, (g.shape, w.shape)
        if w.dtype.kind == "f":
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)
        else:
            np.testing.assert_array_equal(g, w)


def fd_grad(f, x, eps=1e-6):
    x = np.asarray(x, np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (float(f(x + d)) - float(f(x - d))) / (2 * eps)
    return g


# ---------------------------------------------------------------------------------------------
# programs and their Python-loop references


def cond_tree(p, d):
    return lax.cond(p, lambda t: {"a": t["a"] * 2.0, "b": (t["b"] + 1.0, t["a"].sum())},
                    lambda t: {"a": t["a"] - 1.0, "b": (t["b"] * t["b"], t["a"].max())}, d)


def cond_tree_ref(p, d):
    if p:
        return {"a": d["a"] * 2.0, "b": (d["b"] + 1.0, d["a"].sum())}
    return {"a": d["a"] - 1.0, "b": (d["b"] * d["b"], d["a"].max())}


BRANCHES = [lambda x, y: x * y, lambda x, y: xnp.sin(x) + y, lambda x, y: x - y * y]
BRANCHES_REF = [lambda x, y: x * y, lambda x, y: np.sin(x) + y, lambda x, y: x - y * y]


def collatz_steps(n):
    """A data-dependent trip count: halve above 5, else subtract 1.5, until below 1."""
    def body(c):
        k, i = c
        return xnp.where(k > 5.0, k * 0.5, k - 1.5), i + 1
    return lax.while_loop(lambda c: c[0] >= 1.0, body, (xnp.asarray(n) * 1.0, 0))


def collatz_ref(n):
    n, i = float(n), 0
    while n >= 1.0:
        n = n * 0.5 if n > 5.0 else n - 1.5
        i += 1
    return n, i


def scan_tree(init, xs):
    def f(c, x):
        h, s = c["h"], c["s"]
        h = xnp.tanh(h * x["w"] + x["b"])
        return {"h": h, "s": s + h.sum()}, (h * 2.0, s)
    return lax.scan(f, init, xs)


def scan_tree_ref(init, xs, reverse=False):
    h, s = init["h"], init["s"]
    ys0, ys1 = [], []
    idx = range(xs["w"].shape[0])
    for i in (reversed(idx) if reverse else idx):
        h = np.tanh(h * xs["w"][i] + xs["b"][i])
        ys0.append(h * 2.0)
        ys1.append(s)
        s = s + h.sum()
    if reverse:
        ys0, ys1 = ys0[::-1], ys1[::-1]
    return {"h": h, "s": s}, (np.stack(ys0), np.stack(ys1))


def rnn_loss(params, xs):
    W, U = params

    def step(h, x):
        h = xnp.tanh(xnp.dot(W, h) + U * x)
        return h, (h * h).sum()
    h, ys = lax.scan(step, xnp.zeros(W.shape[0]), xs)
    return (h * h).sum() + ys.sum() * 0.1


def rnn_loss_ref(params, xs):
    W, U = params
    h = np.zeros(W.shape[0])
    tot = 0.0
    for x in xs:
        h = np.tanh(W @ h + U * x)
        tot += (h * h).sum()
    return (h * h).sum() + tot * 0.1


@pytest.fixture
def data(rng):
    return {
        "tree": {"a": rng.normal(size=3), "b": rng.normal(size=(2,))},
        "init": {"h": rng.normal(size=4), "s": np.asarray(0.5)},
        "xs": {"w": rng.normal(size=(5, 4)), "b": rng.normal(size=(5, 4))},
        "params": (rng.normal(size=(3, 3)) * 0.5, rng.normal(size=3)),
        "seq": rng.normal(size=6),
    }


# ---------------------------------------------------------------------------------------------
# evaluation: eager and under jit


@pytest.mark.parametrize("pred", [True, False, 0, 3, np.bool_(True), np.int32(0)])
def test_cond_pytrees(pred, data):
    d = data["tree"]
    close(cond_tree(pred, d), cond_tree_ref(bool(pred), d))
    closed = traced(cond_tree, pred, d)
    close(tree_unflatten(closed.out_tree, run_closed_jaxpr(closed, *tree_leaves((pred, d)))),
          cond_tree_ref(bool(pred), d))
    close(nb.jit(cond_tree, backend="interpreter")(pred, d), cond_tree_ref(bool(pred), d))


def test_cond_traced_pred_single_primitive(data):
    closed = traced(cond_tree, True, data["tree"])
    assert prim_counts(closed).get("cond") == 1


def test_cond_rejects_nonscalar_pred():
    with pytest.raises(TypeError, match="scalar"):
        lax.cond(np.array([True, False]), lambda x: x, lambda x: x, 1.0)


@pytest.mark.parametrize("index", [-5, -1, 0, 1, 2, 3, 100])
def test_switch_clamps(index):
    x, y = np.asarray(0.7), np.asarray(1.3)
    want = BRANCHES_REF[min(max(index, 0), 2)](x, y)
    close(lax.switch(index, BRANCHES, x, y), want)
    close(nb.jit(lambda i, a, b: lax.switch(i, BRANCHES, a, b), backend="interpreter")(
        np.int32(index), x, y), want)


@pytest.mark.parametrize("n", [0, 3, 27])
def test_while_loop(n):
    want = collatz_ref(n)
    close(collatz_steps(np.int64(n)), want)
    close(nb.jit(collatz_steps, backend="interpreter")(np.int64(n)), want)
    assert "while" in prim_counts(traced(collatz_steps, np.int64(n)))


def test_while_loop_zero_iterations():
    assert float(lax.while_loop(lambda x: x > 10.0, lambda x: x * 2.0, 1.0)) == 1.0


def _fori_body(i, c):
    x, acc = c
    return x * 1.1 + i, acc + x * i


def _fori_ref(lo, hi, c):
    x, acc = c
    for i in range(lo, hi):
        x, acc = x * 1.1 + i, acc + x * i
    return x, acc


@pytest.mark.parametrize("lo,hi", [(0, 5), (2, 7), (3, 3), (5, 2)])
def test_fori_loop_static_is_scan(lo, hi):
    c0 = (np.asarray(0.5), np.asarray(1.0))
    want = _fori_ref(lo, hi, c0)
    close(lax.fori_loop(lo, hi, _fori_body, c0), want)
    names = prim_counts(traced(lambda c: lax.fori_loop(lo, hi, _fori_body, c), c0))
    assert "scan" in names and "while" not in names


@pytest.mark.parametrize("lo,hi", [(0, 5), (2, 7), (5, 2)])
def test_fori_loop_traced_bounds_is_while(lo, hi):
    c0 = (np.asarray(0.5), np.asarray(1.0))
    want = _fori_ref(lo, hi, c0)

    def f(a, b, c):
        return lax.fori_loop(a, b, _fori_body, c)
    names = prim_counts(traced(f, np.int64(lo), np.int64(hi), c0))
    assert "while" in names and "scan" not in names
    close(nb.jit(f, backend="interpreter")(np.int64(lo), np.int64(hi), c0), want)


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_pytrees(reverse, data):
    init, xs = data["init"], data["xs"]

    def f(i, x):
        def body(c, xx):
            h = xnp.tanh(c["h"] * xx["w"] + xx["b"])
            return {"h": h, "s": c["s"] + h.sum()}, (h * 2.0, c["s"])
        return lax.scan(body, i, x, reverse=reverse)
    want = scan_tree_ref(init, xs, reverse)
    close(f(init, xs), want)
    close(nb.jit(f, backend="interpreter")(init, xs), want)
    assert prim_counts(traced(f, init, xs))["scan"] == 1


def test_scan_length_without_xs_and_no_ys():
    def f(x):
        return lax.scan(lambda c, _: (c * 2.0 + 1.0, None), x, None, length=4)
    carry, ys = f(np.asarray(1.0))
    assert ys is None
    assert float(carry) == 31.0
    traced(f, np.asarray(1.0))
    with pytest.raises(ValueError, match="length"):
        lax.scan(lambda c, _: (c, None), 1.0, None)
    with pytest.raises(ValueError, match="inconsistent"):
        lax.scan(lambda c, x: (c, None), 1.0, np.zeros(3), length=4)


def test_scan_ys_stacked_int():
    carry, ys = lax.scan(lambda c, x: (c + x, c * x), np.int64(0), np.arange(5))
    assert int(carry) == 10
    np.testing.assert_array_equal(ys, [0, 0, 2, 9, 24])
    assert ys.dtype == np.int64


# ---------------------------------------------------------------------------------------------
# Numba backend: one program per primitive, compiled once


def numba_program(x, xs, n):
    def body(c, xi):
        h, s = c
        h = xnp.tanh(h * xi + 0.5) * 1.5 + xnp.sin(h)
        return (h, s + h.sum()), h * h
    (h, s), ys = lax.scan(body, (x, xnp.zeros(())), xs)
    h = lax.cond(s > 0.0, lambda a: a + 1.0, lambda a: a - 1.0, h)
    k = lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * 0.5), (0, h))[1]
    return k, ys, s


def numba_program_ref(x, xs, n):
    h, s, ys = x, 0.0, []
    for xi in xs:
        h = np.tanh(h * xi + 0.5) * 1.5 + np.sin(h)
        s = s + h.sum()
        ys.append(h * h)
    h = h + 1.0 if s > 0 else h - 1.0
    for _ in range(n):
        h = h * 0.5
    return h, np.stack(ys), s


def test_numba_backend_control_flow(rng):
    x, xs = rng.normal(size=8), rng.normal(size=(20, 8))
    f = nb.jit(numba_program, backend="numba")
    for n in (0, 3):
        want = numba_program_ref(x, xs, n)
        close(f(x, xs, np.int64(n)), want, rtol=1e-9)
        close(nb.jit(numba_program, backend="interpreter")(x, xs, np.int64(n)), want, rtol=1e-9)
    lowered = f.lower(x, xs, np.int64(3))
    names = prim_counts(lowered.jaxpr)
    # loops stay loops: one scan and one while, the body not unrolled 20 times
    assert names["scan"] == 1 and names["while"] == 1 and names["cond"] == 1
    assert names["tanh"] == 1
    assert "scan" in str(lowered)
    traced(numba_program, x, xs, np.int64(3))
    # the scan body's elementwise work is fused into one kernel
    scan_eqn = next(e for e in lowered.jaxpr.eqns if e.primitive.name == "scan")
    body = compilers["numba"](scan_eqn.params["jaxpr"])
    fused = [[e.primitive.name for e in g.eqns] for g in body.groups]
    assert any({"tanh", "sin", "mul", "add"} <= set(g) for g in fused), fused


# ---------------------------------------------------------------------------------------------
# JVP and grad


def _jvp_vs_fd(f, x, t, eps=1e-6, rtol=1e-5):
    _, tan = nb.jvp(f, (x,), (t,))
    fd = (np.asarray(f(x + eps * t)) - np.asarray(f(x - eps * t))) / (2 * eps)
    np.testing.assert_allclose(tan, fd, rtol=rtol, atol=1e-7)


def test_jvp_cond_switch_scan_while(rng):
    x, t = rng.normal(size=3), rng.normal(size=3)
    _jvp_vs_fd(lambda v: lax.cond(v.sum() > 0, xnp.sin, xnp.cos, v), x, t)
    _jvp_vs_fd(lambda v: lax.cond(v.sum() <= 0, xnp.sin, xnp.cos, v), x, t)
    _jvp_vs_fd(lambda v: lax.switch(1, [lambda a: a, lambda a: a * a * v[0], xnp.exp], v), x, t)
    _jvp_vs_fd(lambda v: lax.scan(lambda c, s: (xnp.sin(c) * s + c, c * s), v,
                                  xnp.arange(4.0) * 0.3)[1].sum(0), x, t)
    # forward mode through a while_loop with a data-dependent trip count
    f = lambda v: lax.while_loop(lambda c: c[1] < 3, lambda c: (xnp.sin(c[0]) * v + 1.0, c[1] + 1),  # noqa: E731
                                 (v, 0))[0]
    _jvp_vs_fd(f, x, t)
    _jvp_vs_fd(lambda v: lax.fori_loop(np.int64(0), xnp.asarray(4), lambda i, a: a * xnp.cos(a),
                                       v), x, t)
    traced(lambda v: nb.jvp(f, (v,), (t,)), x)


def test_grad_cond_switch():
    check_grads(lambda x, y: lax.cond(x > 0, lambda a, b: xnp.sin(a) * b,
                                      lambda a, b: a * a * b, x, y), (0.4, 1.3), order=2)
    check_grads(lambda x, y: lax.cond(x > 0, lambda a, b: xnp.sin(a) * b,
                                      lambda a, b: a * a * b, x, y), (-0.4, 1.3), order=2)
    for i in range(3):
        check_grads(lambda x, y, i=i: lax.switch(i, BRANCHES, x, y), (0.4, 1.3), order=2)
    # one differentiated operand, one not
    g = nb.grad(lambda x: lax.cond(True, lambda a, b: a * b, lambda a, b: a, x, 3.0))(2.0)
    assert float(g) == 3.0
    traced(nb.grad(lambda x: lax.switch(2, BRANCHES, x, 0.5)), 0.4)


def test_grad_scan_carry_and_ys(rng):
    xs = rng.normal(size=(4, 2))

    def f(h, w):
        c, ys = lax.scan(lambda c, x: (xnp.sin(c * w) + x, c * x), h, xs)
        return (c * c).sum() + ys.sum()
    h, w = rng.normal(size=2), rng.normal(size=2)
    check_grads(f, (h, w), order=2)

    def ref(h, w):
        ys = 0.0
        for x in xs:
            ys = ys + (h * x).sum()
            h = np.sin(h * w) + x
        return (h * h).sum() + ys
    close(nb.grad(f)(h, w), fd_grad(lambda v: ref(v, w), h), rtol=1e-6, atol=1e-7)
    close(nb.grad(f, argnums=1)(h, w), fd_grad(lambda v: ref(h, v), w), rtol=1e-6, atol=1e-7)
    assert "scan" in prim_counts(traced(nb.grad(f), h, w))


def test_grad_scan_reverse_and_xs():
    def f(xs):
        c, ys = lax.scan(lambda c, x: (c * x + 1.0, xnp.sin(c + x)), 0.3, xs, reverse=True)
        return c + ys.sum()
    check_grads(f, (np.array([0.5, -1.2, 0.8]),), order=2)


def test_grad_fori_loop_static(rng):
    def f(x):
        return lax.fori_loop(0, 4, lambda i, a: xnp.sin(a) * (i + 1.0), x).sum()
    check_grads(f, (rng.normal(size=2),), order=2)


def test_reverse_mode_while_raises():
    def f(x):
        return lax.while_loop(lambda c: c < 10.0, lambda c: c * 2.0, x)
    with pytest.raises(TypeError, match="scan") as info:
        nb.grad(f)(1.0)
    assert "fori_loop" in str(info.value) and "static" in str(info.value)

    def g(x, n):
        return lax.fori_loop(0, n, lambda i, a: a * 2.0, x)
    with pytest.raises(TypeError, match="fori_loop with static"):
        nb.grad(nb.jit(g, backend="interpreter"))(1.0, np.int64(3))

    def h(x):  # the bound is a tracer under grad: it depends on x
        return g(x, lax.convert_element_type(x > 100.0, np.int64) + 3)
    with pytest.raises(TypeError, match="fori_loop with static"):
        nb.grad(h)(1.0)
    # a concrete bound is static: fori_loop runs as a scan and reverse mode works
    assert float(nb.grad(g)(1.0, np.int64(3))) == 8.0
    assert float(nb.grad(g)(1.0, 3)) == 8.0
    # forward mode is fine
    _, t = nb.jvp(lambda x: g(x, np.int64(3)), (1.0,), (1.0,))
    assert float(t) == 8.0


# ---------------------------------------------------------------------------------------------
# vmap


def test_vmap_batched_pred_becomes_select(rng):
    xs = rng.normal(size=5)

    def f(x):
        return lax.cond(x > 0, lambda a: xnp.sin(a) * 2.0, lambda a: xnp.exp(a) - 3.0, x)
    close(nb.vmap(f)(xs), np.array([np.sin(x) * 2 if x > 0 else np.exp(x) - 3 for x in xs]))
    names = prim_counts(traced(nb.vmap(f), xs))
    assert "select" in names and "cond" not in names
    # both branches' work is traced
    assert "sin" in names and "exp" in names


def test_vmap_switch_batched_index(rng):
    idx, x, y = np.array([0, 1, 2, 5, -1]), rng.normal(size=5), rng.normal(size=5)
    got = nb.vmap(lambda i, a, b: lax.switch(i, BRANCHES, a, b))(idx, x, y)
    want = [BRANCHES_REF[min(max(i, 0), 2)](a, b) for i, a, b in zip(idx, x, y)]
    close(got, np.array(want))


def test_vmap_unbatched_pred_batched_operands(rng):
    xs = rng.normal(size=(4, 3))
    for p in (True, False):
        f = lambda x, p=p: lax.cond(p, lambda a: a.sum() * a, lambda a: -a, x)  # noqa: E731
        close(nb.vmap(f)(xs), np.stack([x.sum() * x if p else -x for x in xs]))
    g = lambda p, x: lax.cond(p, lambda a: a.sum() * a, lambda a: -a, x)  # noqa: E731
    names = prim_counts(traced(nb.vmap(g, in_axes=(None, 0)), True, xs))
    assert "cond" in names


def test_vmap_while_per_member_trip_counts():
    ns = np.array([0, 3, 1, 6])
    x0 = np.array([1.0, 2.0, 3.0, 4.0])

    def f(n, x):
        return lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * 1.5 + 1.0), (0, x))

    def ref(n, x):
        i = 0
        while i < n:
            i, x = i + 1, x * 1.5 + 1.0
        return i, x
    got_i, got_x = nb.vmap(f)(ns, x0)
    want = [ref(n, x) for n, x in zip(ns, x0)]
    np.testing.assert_array_equal(got_i, [w[0] for w in want])
    close(got_x, np.array([w[1] for w in want]))
    # fori_loop with a batched traced upper bound
    got = nb.vmap(lambda n, x: lax.fori_loop(0, n, lambda i, a: a * 2.0 + i, x))(ns, x0)
    close(got, np.array([_fori_ref_single(n, x) for n, x in zip(ns, x0)]))
    # collatz: data-dependent trip counts
    starts = np.array([0, 3, 7, 27])
    got_n, got_steps = nb.vmap(collatz_steps)(starts)
    np.testing.assert_array_equal(got_steps, [collatz_ref(int(n))[1] for n in starts])
    close(got_n, np.array([collatz_ref(int(n))[0] for n in starts]))
    traced(nb.vmap(f), ns, x0)


def _fori_ref_single(n, x):
    for i in range(n):
        x = x * 2.0 + i
    return x


def test_vmap_scan_batched_xs_carry_consts(rng):
    w = rng.normal(size=3)
    xs = rng.normal(size=(4, 5, 3))  # batch 4, length 5
    c0 = rng.normal(size=(4, 3))

    def f(c, x, w):
        return lax.scan(lambda h, xi: (xnp.tanh(h * w + xi), h.sum()), c, x)

    def ref(c, x, w):
        ys = []
        for xi in x:
            ys.append(c.sum())
            c = np.tanh(c * w + xi)
        return c, np.array(ys)
    cases = [((0, 0, None), (c0, xs, w)),
             ((None, 0, None), (c0[0], xs, w)),
             ((0, None, None), (c0, xs[0], w)),
             ((None, None, 0), (c0[0], xs[0], rng.normal(size=(4, 3)))),
             ((0, 1, 0), (c0, np.swapaxes(xs, 0, 1), rng.normal(size=(4, 3))))]
    for in_axes, args in cases:
        got = nb.vmap(f, in_axes=in_axes)(*args)
        want_c, want_y = [], []
        for b in range(4):
            bargs = [a if ax is None else np.take(a, b, axis=ax) for a, ax in zip(args, in_axes)]
            c, y = ref(*bargs)
            want_c.append(c)
            want_y.append(y)
        close(got, (np.stack(want_c), np.stack(want_y)))
    traced(nb.vmap(f, in_axes=(0, 0, None)), c0, xs, w)


def test_vmap_grad_scan_loss(data, rng):
    params = data["params"]
    seqs = rng.normal(size=(3, 6))
    got = nb.vmap(nb.grad(rnn_loss), in_axes=(None, 0))(params, seqs)
    for b in range(3):
        want = nb.grad(rnn_loss)(params, seqs[b])
        close((got[0][b], got[1][b]), want)
    close(want[1], fd_grad(lambda u: rnn_loss_ref((params[0], u), seqs[2]), params[1]),
          rtol=1e-6, atol=1e-8)
    traced(nb.vmap(nb.grad(rnn_loss), in_axes=(None, 0)), params, seqs)


# ---------------------------------------------------------------------------------------------
# checkpoint


def test_checkpoint_scan_body(rng):
    xs = rng.normal(size=(6, 3))

    def make(body_wrap):
        def loss(w):
            def body(h, x):
                return xnp.sin(xnp.sin(h * w) + x), None
            h, _ = lax.scan(body_wrap(body), xnp.ones(3), xs)
            return (h * h).sum()
        return loss
    plain, remat = make(lambda b: b), make(nb.checkpoint)
    w = rng.normal(size=3)
    close(nb.grad(remat)(w), nb.grad(plain)(w), rtol=1e-12, atol=1e-12)
    check_grads(remat, (w,), order=1)
    n_plain = prim_counts(traced(nb.grad(plain), w)).get("sin", 0)
    n_remat = prim_counts(traced(nb.grad(remat), w)).get("sin", 0)
    assert n_remat > n_plain, (n_plain, n_remat)


# ---------------------------------------------------------------------------------------------
# type checks


def test_while_body_type_mismatch():
    with pytest.raises(TypeError, match="f64\\[3\\]") as info:
        lax.while_loop(lambda c: c.sum() < 1.0, lambda c: c[:2], np.zeros(3))
    assert "f64[2]" in str(info.value)
    with pytest.raises(TypeError, match="f32") as info:
        lax.while_loop(lambda c: c < 1.0, lambda c: c.astype(np.float32), np.float64(0.0))
    assert "f64" in str(info.value)
    with pytest.raises(TypeError) as info:
        lax.while_loop(lambda c: c[0] < 1.0, lambda c: (c[0], c[1], c[0]), (0.0, 1.0))
    msg = str(info.value)
    assert "(*, *)" in msg and "(*, *, *)" in msg, msg


def test_scan_carry_type_mismatch():
    with pytest.raises(TypeError, match="f64\\[3\\]") as info:
        lax.scan(lambda c, x: (c.sum(), x), np.zeros(3), np.zeros((2, 3)))
    assert "f64[]" in str(info.value)
    with pytest.raises(TypeError, match="i64") as info:
        lax.scan(lambda c, x: (c + x, x), np.int64(0), np.zeros(4))
    assert "f64" in str(info.value)
    with pytest.raises(TypeError) as info:
        lax.scan(lambda c, x: ({"a": c["a"], "b": x}, x), {"a": 1.0}, np.zeros(4))
    assert "'a'" in str(info.value) and "'b'" in str(info.value)


def test_cond_branch_type_mismatch():
    with pytest.raises(TypeError, match="f64\\[2\\]") as info:
        lax.cond(True, lambda x: x, lambda x: x[:1], np.zeros(2))
    assert "f64[1]" in str(info.value)
    with pytest.raises(TypeError) as info:
        lax.switch(0, [lambda x: (x, x), lambda x: x], 1.0)
    assert "branch 0" in str(info.value) and "branch 1" in str(info.value)
    assert "(*, *)" in str(info.value)
    with pytest.raises(TypeError) as info:
        lax.cond(True, lambda x: (x, x), lambda x: x, 1.0)
    assert "true_fun" in str(info.value) and "false_fun" in str(info.value)
    with pytest.raises(TypeError, match="i64"):
        lax.cond(True, lambda x: x, lambda x: x.astype(np.int64), 1.0)


# ---------------------------------------------------------------------------------------------
# compositions


def test_jit_grad_rnn_loss(data):
    params, seq = data["params"], data["seq"]
    want = nb.grad(rnn_loss)(params, seq)
    close(want[1], fd_grad(lambda u: rnn_loss_ref((params[0], u), seq), params[1]),
          rtol=1e-6, atol=1e-8)
    close(want[0], fd_grad(lambda m: rnn_loss_ref((m, params[1]), seq), params[0]),
          rtol=1e-6, atol=1e-8)
    close(float(rnn_loss(params, seq)), rnn_loss_ref(params, seq))
    for backend in ("interpreter", "numba"):
        close(nb.jit(nb.grad(rnn_loss), backend=backend)(params, seq), want, rtol=1e-9)
    traced(nb.grad(rnn_loss), params, seq)


def test_grad_fori_loop_training_loop(rng):
    X, y = rng.normal(size=(8, 3)), rng.normal(size=8)
    lr = 0.1

    def loss(w, b):
        r = xnp.dot(X, w) + b - y
        return (r * r).mean()

    def train(w0, b0):
        def step(i, p):
            gw, gb = nb.grad(loss, argnums=(0, 1))(*p)
            return p[0] - lr * gw, p[1] - lr * gb
        w, b = lax.fori_loop(0, 5, step, (w0, b0))
        return loss(w, b)

    def train_ref(w, b):
        for _ in range(5):
            r = X @ w + b - y
            w, b = w - lr * 2 * X.T @ r / 8, b - lr * 2 * r.mean()
        r = X @ w + b - y
        return (r * r).mean()
    w0, b0 = rng.normal(size=3), np.asarray(0.3)
    close(train(w0, b0), train_ref(w0, b0))
    g = nb.grad(train)(w0, b0)
    close(g, fd_grad(lambda w: train_ref(w, b0), w0), rtol=1e-6, atol=1e-8)
    traced(nb.grad(train), w0, b0)


def test_jvp_jit_scan(rng):
    xs = rng.normal(size=(5, 2))

    def f(h):
        return lax.scan(lambda c, x: (xnp.sin(c) * x + c, c * c), h, xs)
    h, t = rng.normal(size=2), rng.normal(size=2)
    out, tan = nb.jvp(nb.jit(f, backend="interpreter"), (h,), (t,))
    want_out, want_tan = nb.jvp(f, (h,), (t,))
    close(out, want_out)
    close(tan, want_tan)
    eps = 1e-6
    fd = [(np.asarray(a) - np.asarray(b)) / (2 * eps)
          for a, b in zip(tree_leaves(f(h + eps * t)), tree_leaves(f(h - eps * t)))]
    close(tan, tuple(fd), rtol=1e-5, atol=1e-7)


def test_grad_jit_cond():
    def f(x, y):
        return lax.cond(x > y, lambda a, b: a * xnp.sin(b), lambda a, b: a + b * b, x, y)
    jf = nb.jit(f, backend="interpreter")
    for x, y in ((1.0, 0.5), (0.2, 0.5)):
        close(nb.grad(jf, argnums=(0, 1))(x, y), nb.grad(f, argnums=(0, 1))(x, y))
        check_grads(jf, (x, y), order=2)
    want = (np.sin(0.5), 1.0 * np.cos(0.5))
    close(nb.grad(jf, argnums=(0, 1))(1.0, 0.5), want)


def test_vmap_cond_under_jit_numba(rng):
    xs = rng.normal(size=6)

    def f(x):
        return lax.cond(x > 0, lambda a: a * 3.0, lambda a: -a, x)
    close(nb.jit(nb.vmap(f), backend="numba")(xs), np.where(xs > 0, xs * 3.0, -xs))


# ---------------------------------------------------------------------------------------------
# batching keeps unbatched carries unbatched (jacfwd of fori_loop)


def _lotka_volterra(th, y0):
    def rhs(y):
        return xnp.stack([th[0] * y[0] - th[1] * y[0] * y[1], -th[2] * y[1] + th[3] * y[0] * y[1]])
    return lax.fori_loop(0, 3, lambda i, y: y + 0.05 * rhs(y), y0)


def _central_jacobian(f, x, eps=1e-6):
    return np.stack([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(x.size)], -1)


def test_jacfwd_of_fori_loop_regression():
    # jacfwd vmaps a jvp whose primal carry is unbatched; scan's batching rule batched every
    # carry, so the primal output came back with a batch axis jacfwd did not expect.
    th, y0 = np.array([1.2, 0.6, 0.8, 0.3]), np.array([1.0, 0.5])
    want = _central_jacobian(lambda t: _lotka_volterra(t, y0), th)
    for jac in (nb.jacfwd, nb.jacrev):
        np.testing.assert_allclose(jac(_lotka_volterra)(th, y0), want, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(nb.jit(nb.jacfwd(_lotka_volterra))(th, y0), want, rtol=1e-7,
                               atol=1e-9)


def test_vmap_scan_and_while_leave_unbatched_carries_unbatched():
    def loops(x, c):
        counted = lax.while_loop(lambda s: s[0] < 4, lambda s: (s[0] + 1, s[1] * x), (0, c))
        scanned, _ = lax.scan(lambda s, _: ((s[0] + 1.0, s[1] + x), None), (c, x), None, length=3)
        return counted, scanned

    jaxpr = traced(nb.vmap(loops, in_axes=(0, None)), np.ones(5), 2.0)
    loop_eqns = [e for e in jaxpr.eqns if e.primitive.name in ("while", "scan")]
    assert len(loop_eqns) == 2
    for eqn in loop_eqns:
        # The counter (and the scanned c + 1) never meet x: they stay scalars.
        assert any(v.aval.shape == () for v in eqn.outputs), str(eqn)
    (count, prod), (plus, summed) = nb.vmap(loops, in_axes=(0, None))(np.arange(1.0, 4.0), 2.0)
    np.testing.assert_array_equal(count, [4, 4, 4])
    np.testing.assert_allclose(prod, 2.0 * np.arange(1.0, 4.0) ** 4)
    np.testing.assert_allclose(plus, [5.0, 5.0, 5.0])
    np.testing.assert_allclose(summed, 4 * np.arange(1.0, 4.0))


def test_jacfwd_of_while_loop_with_unbatched_predicate():
    def f(th):
        return lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1] * th + xnp.sin(c[1])),
                              (0, xnp.ones(2)))[1]

    def ref(th):
        y = np.ones(2)
        for _ in range(3):
            y = y * th + np.sin(y)
        return y

    th = np.array([1.5, 0.5])
    np.testing.assert_allclose(nb.jacfwd(f)(th), _central_jacobian(ref, th), rtol=1e-7)
