"""scan compiled whole (backends/numba/scan_loop.py): every case runs under jit on the Numba
backend, is checked against a Python loop over NumPy and against the interpreter backend, and
asserts whether the loop was compiled (scan_loop.stats) or left to the step-by-step path."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax import lax
from numbax.backends.numba import scan_loop
from numbax.backends.numba.vecmath import LIMITED

# A body the loop accepts but Numba cannot compile would only warn and run step by step.
pytestmark = pytest.mark.filterwarnings("error:numbax. the compiled scan loop")


def loop_reference(body, init, xs, length=None, reverse=False):
    """lax.scan's semantics as a Python loop: body(carry, x) -> (carry, y) on NumPy."""
    length = length if xs is None else len(xs)
    carry, ys = init, []
    for i in (range(length - 1, -1, -1) if reverse else range(length)):
        carry, y = body(carry, None if xs is None else xs[i])
        ys.append(y)
    return carry, ys[::-1] if reverse else ys


def run_both(fn, *args):
    """fn under jit on both backends, and how many scans the Numba one compiled whole."""
    nb.clear_caches()
    before = dict(scan_loop.stats)
    got = nb.jit(fn)(*args)
    counts = {k: scan_loop.stats[k] - before[k] for k in before}
    want = nb.jit(fn, backend="interpreter")(*args)
    return got, want, counts


def assert_close(got, want, dtype=np.float64):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, got.shape, want.shape)
    tol = 1e-5 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def check_scan(body_of, init, xs, length=None, reverse=False, compiled=True):
    """Compare jit(scan) on the Numba backend with the loop and the interpreter backend."""
    def fn(c, x):
        return lax.scan(body_of(xnp), c, x, length=length, reverse=reverse)

    got, want, counts = run_both(fn, init, xs)
    ref_carry, ref_ys = loop_reference(body_of(np), init, xs, length, reverse)
    assert counts == ({"compiled": 1, "refused": 0} if compiled
                      else {"compiled": 0, "refused": 1}), counts
    dtype = np.asarray(init).dtype
    for g, w in zip(got, want):
        assert_close(g, w, dtype)
    assert_close(got[0], np.asarray(ref_carry, dtype), dtype)
    if ref_ys:
        assert_close(got[1], np.stack(ref_ys).astype(got[1].dtype), dtype)
    return got


@pytest.mark.parametrize("dtype,shape", [(np.float64, ()), (np.float32, (3, 2)),
                                         (np.complex128, (4,)), (np.float64, (2, 3, 4))])
def test_float_and_complex_carries(rng, dtype, shape):
    init = (rng.normal(size=shape) * 0.5).astype(dtype)
    xs = rng.normal(size=(7,) + shape).astype(dtype)

    def body_of(m):
        # Complex transcendental functions stay unfused (Numba's differ from NumPy's).
        f = (lambda z: z * z * 0.5) if np.dtype(dtype).kind == "c" else m.tanh
        return lambda c, x: (f(c * 0.9 + x) - c * c * 0.1, m.abs(c) * 2 + x)

    check_scan(body_of, init, xs)


def test_integer_and_bool_carries(rng):
    init = (np.arange(3, dtype=np.int32), np.zeros(3, bool))
    xs = rng.integers(-5, 5, size=(6, 3)).astype(np.int32)

    def fn(c, xs):
        return lax.scan(lambda c, x: ((c[0] * 3 + x, c[1] ^ (x > 0)), c[0] - x), c, xs)

    got, want, counts = run_both(fn, init, xs)
    assert counts["compiled"] == 1
    (count, flag), ys = got
    c, f, ref_ys = init[0], init[1], []
    for x in xs:
        ref_ys.append(c - x)
        c, f = c * 3 + x, f ^ (x > 0)
    np.testing.assert_array_equal(count, c)
    np.testing.assert_array_equal(flag, f)
    np.testing.assert_array_equal(ys, np.stack(ref_ys))
    np.testing.assert_array_equal(ys, want[1])


def test_xs_none_and_reverse(rng):
    init = rng.normal(size=4)
    check_scan(lambda m: lambda c, _: (m.sin(c) + 1.0, c * 2.0), init, None, length=5)
    xs = rng.normal(size=(5, 4))
    check_scan(lambda m: lambda c, x: (c * 0.5 + x, c - x), init, xs, reverse=True)


@pytest.mark.parametrize("length", [0, 1])
def test_short_scans(rng, length):
    init = rng.normal(size=(2, 3))
    xs = rng.normal(size=(length, 2, 3))
    carry, ys = check_scan(lambda m: lambda c, x: (c * x + 1.0, c + x), init, xs)
    assert ys.shape == (length, 2, 3)
    if length == 0:
        assert carry is not init  # the result is never the caller's array


def test_consts_matmuls_and_broadcasts(rng):
    w, v, b = rng.normal(size=(4, 4)) * 0.3, rng.normal(size=(4, 3)), rng.normal(size=3)
    init, xs = rng.normal(size=4), rng.normal(size=(6, 4))

    def body_of(m):
        def body(h, x):
            h = m.tanh(h @ w + w @ x + (w.T @ h) * 0.5)
            outer = h[:, None] * x[None, :] + (h @ v + b)[None, :3].sum()
            return h, (outer.sum(axis=0), outer.max(axis=1))
        return body

    def fn(h, xs):
        return lax.scan(body_of(xnp), h, xs)

    got, want, counts = run_both(fn, init, xs)
    assert counts == {"compiled": 1, "refused": 0}
    ref_h, ref_ys = loop_reference(body_of(np), init, xs)
    assert_close(got[0], ref_h)
    for k in range(2):
        assert_close(got[1][k], np.stack([y[k] for y in ref_ys]))
        assert_close(got[1][k], want[1][k])


def test_carries_made_by_transposes_and_products(rng):
    # Values that become carries get a new array each step, the others one array reused:
    # a carry made by a transpose must survive the next step's transpose.
    init = (rng.normal(size=(3, 3)), rng.normal(size=(3, 3)))
    w, xs = rng.normal(size=(3, 3)) * 0.5, rng.normal(size=(4, 3, 3))

    def body_of(m):
        def body(c, x):
            a, b = c
            t = (a * x).T
            return (t, t @ w + b.T), a + b
        return body

    check_scan(body_of, init, xs)


def test_nested_broadcast_view_and_reduction(rng):
    # (2, 3, 4) + (2, 1, 4) does not tile into rows: the group loops over broadcast views.
    init, scale = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 1, 4))
    xs = rng.normal(size=(3, 2, 3, 4))

    def body_of(m):
        return lambda c, x: (c * 0.5 + scale * x, (c * x).sum(axis=(1, 2)))

    check_scan(body_of, init, xs)


def test_trig_beyond_vecmath_range(rng):
    # Arguments past vecmath's accurate range make the kernel ask for its libm version.
    big = 2 * LIMITED["sin"][True]
    init = np.array([0.5, big, -big])
    check_scan(lambda m: lambda c, x: (c + x, m.sin(c) + m.cos(c)), init, np.ones((3, 3)))


def test_read_only_operands(rng):
    init = np.broadcast_to(rng.normal(size=1), (4,))
    xs = np.broadcast_to(rng.normal(size=4), (5, 4))
    check_scan(lambda m: lambda c, x: (c * 0.9 + x, c), init, xs)


def rnn_loss(params, xs):
    w, u = params

    def step(h, x):
        h = xnp.tanh(w @ h + u * x)
        return h, (h * h).sum()

    h, ys = lax.scan(step, xnp.zeros(w.shape[0]), xs)
    return (h * h).sum() + ys.sum() * 0.1


def rnn_loss_reference(params, xs):
    w, u = params
    h, total = np.zeros(w.shape[0]), 0.0
    for x in xs:
        h = np.tanh(w @ h + u * x)
        total += (h * h).sum()
    return (h * h).sum() + total * 0.1


def test_grad_compiles_the_transposed_scan(rng):
    params = (rng.normal(size=(3, 3)) * 0.5, rng.normal(size=3))
    xs = rng.normal(size=6)
    got, want, counts = run_both(nb.value_and_grad(rnn_loss), params, xs)
    assert counts == {"compiled": 2, "refused": 0}  # the forward and the transposed scan
    assert_close(got[0], rnn_loss_reference(params, xs))
    for g, w in zip(got[1], want[1]):
        assert_close(g, w)
    eps = 1e-6  # one central difference per weight of u
    for i in range(3):
        du = np.zeros(3)
        du[i] = eps
        fd = (rnn_loss_reference((params[0], params[1] + du), xs)
              - rnn_loss_reference((params[0], params[1] - du), xs)) / (2 * eps)
        assert abs(got[1][1][i] - fd) < 1e-6


def test_vmap_of_scan(rng):
    w, u = rng.normal(size=(3, 3)) * 0.5, rng.normal(size=3)
    inits, seqs = rng.normal(size=(4, 3)), rng.normal(size=(4, 6))

    def body_of(m):
        return lambda h, x: (m.tanh(w @ h + u * x), (h * h).sum())

    def fn(h, xs):
        return lax.scan(body_of(xnp), h, xs)

    got, want, counts = run_both(nb.vmap(fn), inits, seqs)
    assert counts == {"compiled": 1, "refused": 0}
    for b in range(4):
        ref_h, ref_ys = loop_reference(body_of(np), inits[b], seqs[b])
        assert_close(got[0][b], ref_h)
        assert_close(got[1][b], np.stack(ref_ys))
    for g, v in zip(got, want):
        assert_close(g, v)


def test_unsupported_bodies_fall_back(rng):
    init, xs = rng.normal(size=4), rng.normal(size=(5, 4))
    # A sort has no compiled form in the loop; nor has a nested scan.
    check_scan(lambda m: lambda c, x: (m.sort(c * x), c), init, xs, compiled=False)

    def nested(c, xs):
        return lax.scan(lambda c, x: (lax.scan(lambda d, y: (d + y, d), c, x[None])[0], c),
                        c, xs)

    got, want, counts = run_both(nested, init, xs)
    assert counts["refused"] >= 1
    assert_close(got[0], want[0])
    assert_close(got[0], init + xs.sum(axis=0))


def test_large_bodies_keep_the_threaded_path(rng):
    # Groups large enough for the runner to split them over threads stay step by step.
    init = rng.normal(size=scan_loop.MAX_GROUP_WORK)
    check_scan(lambda m: lambda c, x: (c * 0.5 + 1.0, c[:2]), init, None, length=2,
               compiled=False)
