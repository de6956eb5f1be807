"""numbax.pmap on the local engine: JAX's semantics, checked against vmap with the same axis
name and against NumPy / Python-loop references."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import numbax as nb
import numbax.lax as lax
import numbax.numpy as xnp
from numbax.distributed import active_engine, data_parallel, set_engine
from numbax.distributed.devices import using_engine
from numbax.distributed.local import LocalEngine

N = 3


class RecordingEngine(LocalEngine):
    """The local engine, remembering how many shards each run had."""

    def __init__(self):
        self.runs: list[int] = []

    def run(self, program, shards):
        self.runs.append(len(shards))
        return super().run(program, shards)


@pytest.fixture
def engine():
    recording = RecordingEngine()
    previous = set_engine(recording)
    yield recording
    set_engine(previous)


def close(got, want, tol=1e-12):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


COLLECTIVES = {
    "psum": (lambda x: lax.psum(x, "i"), lambda x: np.broadcast_to(x.sum(0), x.shape)),
    "pmean": (lambda x: lax.pmean(x, "i"), lambda x: np.broadcast_to(x.mean(0), x.shape)),
    "pmax": (lambda x: lax.pmax(x, "i"), lambda x: np.broadcast_to(x.max(0), x.shape)),
    "pmin": (lambda x: lax.pmin(x, "i"), lambda x: np.broadcast_to(x.min(0), x.shape)),
    "all_gather": (lambda x: lax.all_gather(x, "i"), lambda x: np.stack([x] * N)),
    "all_gather_tiled": (lambda x: lax.all_gather(x, "i", axis=1, tiled=True),
                         lambda x: np.stack([np.concatenate(list(x), axis=1)] * N)),
    "psum_scatter": (lambda x: lax.psum_scatter(x[:, :N], "i", scatter_dimension=1),
                     lambda x: x[:, :, :N].sum(0).T),
    "psum_scatter_tiled": (lambda x: lax.psum_scatter(xnp.tile(x, (1, N)), "i",
                                                      scatter_dimension=1, tiled=True),
                           lambda x: np.stack([np.tile(x.sum(0), (1, N))[:, 4 * k:4 * k + 4]
                                               for k in range(N)])),
    "ppermute": (lambda x: lax.ppermute(x, "i", [(0, 2), (2, 1)]),
                 lambda x: np.stack([np.zeros_like(x[0]), x[2], x[0]])),
    "axis_index": (lambda x: x * lax.axis_index("i"),
                   lambda x: x * np.arange(N)[:, None, None]),
}


@pytest.mark.parametrize("name", sorted(COLLECTIVES))
def test_collectives_match_vmap_and_a_loop(name, rng, engine):
    f, reference = COLLECTIVES[name]
    x = rng.standard_normal((N, 2, 4))
    got = nb.pmap(f, axis_name="i")(x)
    close(got, nb.vmap(f, axis_name="i")(x))
    close(got, reference(x))
    assert engine.runs == [N]


def test_backends_agree(rng):
    f = lambda x: xnp.tanh(x - lax.pmean(x, "i")) * lax.axis_index("i")  # noqa: E731
    x = rng.standard_normal((N, 5))
    close(nb.pmap(f, "i", backend="interpreter")(x), nb.pmap(f, "i")(x))


def test_in_axes_out_axes_none_and_pytrees(rng):
    x, y = rng.standard_normal((2, N)), rng.standard_normal(4)
    tree = {"a": rng.standard_normal((N, 2)), "b": (rng.standard_normal((N,)), 2.0)}

    def f(x, y, t):
        total = lax.psum(t["a"], "i")
        return {"u": x * y.sum(), "v": total, "w": t["b"][0] + t["b"][1]}

    out = nb.pmap(f, "i", in_axes=(1, None, {"a": 0, "b": (0, None)}),
                  out_axes={"u": 1, "v": None, "w": 0})(x, y, tree)
    close(out["u"], x * y.sum())
    close(out["v"], tree["a"].sum(0))
    close(out["w"], tree["b"][0] + 2.0)
    neg = nb.pmap(lambda v: v * 2.0, in_axes=-1, out_axes=-1)(x)
    close(neg, x * 2.0)


def test_keyword_arguments_are_mapped_over_axis_0(rng):
    x, s = rng.standard_normal((N, 2)), rng.standard_normal(N)
    close(nb.pmap(lambda x, *, s: x * s)(x, s=s), x * s[:, None])


def test_out_axes_none_needs_the_same_value_everywhere():
    with pytest.raises(ValueError, match="out_axes=None .* differs between device 0 and"):
        nb.pmap(lambda x: x * 2.0, out_axes=None)(np.arange(3.0))


def test_static_broadcasted_argnums(rng):
    calls = []

    def f(x, power, scale):
        calls.append(power)
        return x ** power * scale

    x = rng.standard_normal((N, 2))
    g = nb.pmap(f, static_broadcasted_argnums=(1,), in_axes=(0, None, None))
    close(g(x, 3, 2.0), x ** 3 * 2.0)
    close(g(x, 3, 5.0), x ** 3 * 5.0)
    close(g(x, 2, 2.0), x ** 2 * 2.0)
    assert calls == [3, 2]  # traced once per static value
    assert g.cache_info() == {"hits": 1, "misses": 2, "size": 2}


def test_unhashable_static_argument_fails_before_running(engine):
    g = nb.pmap(lambda x, p: x * len(p), static_broadcasted_argnums=1)
    with pytest.raises(ValueError, match=r"Non-hashable static arguments .*\(index 1\) of type "
                                         r"<class 'list'>"):
        g(np.ones((2, 2)), [1, 2])
    assert engine.runs == []


def loss(w, b, x, y):
    return xnp.mean((xnp.tanh(x @ w + b) - y) ** 2)


def test_pmap_grad_with_pmean_is_the_data_parallel_gradient(rng, engine):
    w, b = rng.standard_normal((3, 2)), rng.standard_normal(2)
    x, y = rng.standard_normal((N * 4, 3)), rng.standard_normal((N * 4, 2))

    def step(w, b, x, y):
        return lax.pmean(nb.value_and_grad(loss, argnums=(0, 1))(w, b, x, y), "i")

    (value, (gw, gb)) = nb.pmap(step, "i", in_axes=(None, None, 0, 0), out_axes=None)(
        w, b, x.reshape(N, 4, 3), y.reshape(N, 4, 2))
    want_value, (want_w, want_b) = nb.value_and_grad(loss, argnums=(0, 1))(w, b, x, y)
    close(value, want_value)
    close(gw, want_w)
    close(gb, want_b)
    grads = nb.pmap(lambda w, x, y: lax.pmean(nb.grad(loss)(w, b, x, y), "i"), "i",
                    in_axes=(None, 0, 0))(w, x.reshape(N, 4, 3), y.reshape(N, 4, 2))
    close(grads, np.stack([want_w] * N))
    assert engine.runs == [N, N]


def test_data_parallel_per_shard_and_per_example_steps(rng, engine, monkeypatch):
    monkeypatch.setenv("NUMBAX_NUM_DEVICES", str(N))
    params = (rng.standard_normal((3, 2)), rng.standard_normal(2))
    batch = (rng.standard_normal((N * 4, 3)), rng.standard_normal((N * 4, 2)))

    def batch_loss(p, b):
        return loss(p[0], p[1], b[0], b[1])

    def example_loss(p, e):
        return xnp.mean((xnp.tanh(e[0] @ p[0] + p[1]) - e[1]) ** 2)

    want_value, want_grads = nb.value_and_grad(batch_loss)(params, batch)
    for step in (data_parallel(nb.value_and_grad(batch_loss)),
                 data_parallel(nb.value_and_grad(example_loss), per_example=True)):
        value, grads = step(params, batch)
        close(value, want_value)
        for g, w in zip(grads, want_grads):
            close(g, w)
    assert engine.runs == [N, N]


def test_pmap_of_jit_runs_its_collectives_across_devices(rng, engine):
    f = nb.jit(lambda x: x / lax.psum(x, "i"))
    x = rng.standard_normal((N, 2))
    close(nb.pmap(f, "i")(x), x / x.sum(0))
    assert engine.runs == [N]


def test_jit_grad_and_vmap_of_pmap_are_the_named_vmap(rng, engine):
    f = nb.pmap(lambda x: xnp.sin(x) * lax.pmean(x, "i"), "i")
    ref = nb.vmap(lambda x: xnp.sin(x) * lax.pmean(x, "i"), axis_name="i")
    x = rng.standard_normal((N, 2))
    close(nb.jit(f)(x), ref(x))
    close(nb.grad(lambda x: f(x).sum())(x), nb.grad(lambda x: ref(x).sum())(x))
    xs = rng.standard_normal((2, N, 2))
    close(nb.vmap(f)(xs), np.stack([ref(v) for v in xs]))
    assert engine.runs == []  # traced, never distributed


def test_pmap_of_vmap_and_nested_names(rng, engine):
    x = rng.standard_normal((N, 4, 2))
    inner = nb.vmap(lambda v: v - lax.pmean(v, "j") + lax.psum(v, "i"), axis_name="j")
    close(nb.pmap(inner, "i")(x), x - x.mean(1, keepdims=True) + x.sum(0))
    assert engine.runs == [N]


def test_inside_a_transformation_closing_over_a_tracer(rng):
    # Every argument of the inner pmap is concrete, but its function closes over w.
    x = rng.standard_normal((N, 2))
    g = nb.grad(lambda w: nb.pmap(lambda v: lax.psum(v * w, "i"), "i")(x).sum())(1.5)
    close(g, np.float64(N * x.sum()))


def test_device_count_follows_numbax_num_devices(monkeypatch, rng):
    monkeypatch.delenv("NUMBAX_NUM_DEVICES", raising=False)
    assert nb.device_count() == nb.local_device_count() == 1
    x = rng.standard_normal((5, 2))
    close(nb.pmap(lambda v: lax.psum(v, "i"), "i")(x), np.stack([x.sum(0)] * 5))
    monkeypatch.setenv("NUMBAX_NUM_DEVICES", "2")
    assert nb.device_count() == 2 and [d.id for d in nb.devices()] == [0, 1]
    close(nb.pmap(lambda v: v + 1.0)(x[:2]), x[:2] + 1.0)
    with pytest.raises(ValueError, match="requires 5 logical devices, but only 2"):
        nb.pmap(lambda v: v + 1.0)(x)
    monkeypatch.setenv("NUMBAX_NUM_DEVICES", "zero")
    with pytest.raises(ValueError, match="NUMBAX_NUM_DEVICES must be a positive integer"):
        nb.device_count()


@pytest.mark.parametrize("call, match", [
    (lambda: nb.pmap(lambda a, b: a + b)(np.ones((2, 2)), np.ones((3, 2))),
     r"inconsistent sizes for array axes to be mapped:\n  \* one axis had size 2: axis 0 of "
     r"argument 0 of type f64\[2,2\]"),
    (lambda: nb.pmap(lambda a: a, in_axes=None)(np.ones(2)),
     "requires at least one argument with a mapped axis"),
    (lambda: nb.pmap(lambda a: a)(np.float64(1.0)), "argument 0 is a scalar"),
    (lambda: nb.pmap(lambda a: a, in_axes=2)(np.ones((2, 2))), "in_axes 2 is out of range"),
    (lambda: nb.pmap(lambda a, b: a, in_axes=(0,))(np.ones(2), np.ones(2)),
     r"len\(in_axes\)=1, len\(args\)=2"),
    (lambda: nb.pmap(lambda a: a, out_axes=2)(np.ones(2)), "out_axes 2 is out of range"),
    (lambda: nb.pmap(lambda a: a, out_axes=(0, 0))(np.ones(2)), "pmap out_axes .* does not match"),
    (lambda: nb.pmap(lambda a: a, devices=[0, 1])(np.ones(3)),
     "must equal the number of local devices passed to pmap"),
    (lambda: nb.pmap(lambda a: a, backend="tpu"), "unknown backend 'tpu'"),
    (lambda: nb.pmap(lambda a: a, axis_name=1), "axis_name must be a str"),
    (lambda: nb.pmap(lambda a: lax.psum(a, "zz"), "i")(np.ones(2)), "unbound axis name: zz"),
    (lambda: nb.pmap(lambda a: a * 2.0)(np.zeros((0, 3))), "axis 0 of argument 0 has size 0"),
])
def test_bad_input_is_a_clear_error(call, match, engine):
    with pytest.raises((ValueError, TypeError, NameError), match=match):
        call()
    assert engine.runs == []


def test_using_engine_is_the_calling_threads_only(monkeypatch):
    monkeypatch.setenv("NUMBAX_NUM_DEVICES", "1")
    mine, seen = RecordingEngine(), []
    with using_engine(mine):
        other = threading.Thread(target=lambda: seen.append(active_engine()))
        other.start()
        other.join()
        nb.pmap(lambda v, k: v + k, static_broadcasted_argnums=np.int64(1))(np.ones(1), 2)
        assert active_engine() is mine
    assert seen[0] is not mine and active_engine() is not mine
    assert mine.runs == [1]


def test_pmap_works_without_dask():
    code = textwrap.dedent("""
        import sys
        sys.modules["dask"] = None  # import dask now raises ImportError
        import numpy as np, numbax as nb, numbax.lax as lax
        out = nb.pmap(lambda x: lax.psum(x, "i"), "i")(np.arange(4.0))
        assert out.tolist() == [6.0] * 4, out
        assert not any(m.startswith("distributed") for m in sys.modules)
        print("ok")
    """)
    env = {k: v for k, v in os.environ.items() if k != "NUMBAX_NUM_DEVICES"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.stdout.strip() == "ok", done.stderr


def test_docstring_examples():
    import doctest
    import importlib
    for name in ("collectives", "devices", "engine", "local", "pmap", "staging"):
        module = importlib.import_module(f"numbax.distributed.{name}")
        assert doctest.testmod(module).failed == 0, name


def test_reductions_add_shard_0_then_1_then_2():
    # Rounding makes the order visible: (1e16 + 1) - 1e16 is 0, 1e16 - 1e16 + 1 is 1.
    x = np.array([1e16, 1.0, -1e16])
    total = (x[0] + x[1]) + x[2]
    out = nb.pmap(lambda v: lax.psum(v, "i"), "i")(x)
    assert out.tolist() == [total] * 3


def test_resident_leaves_hand_each_shard_its_row(rng, engine):
    # A Resident's rows stand for Dask futures here: the engine receives them unchanged.
    from numbax.core.avals import ShapedArray
    from numbax.distributed.resident import Resident
    rows = [rng.standard_normal(2) for _ in range(N)]
    resident = Resident(rows, ShapedArray((2,), np.dtype("float64")), client=None)
    x = rng.standard_normal((N, 2))
    close(nb.pmap(lambda w, v: lax.psum(w * v, "i"), "i")(resident, x),
          np.broadcast_to((np.stack(rows) * x).sum(0), (N, 2)))
    with pytest.raises(ValueError, match="Resident array, .* in_axes must be 0"):
        nb.pmap(lambda w: w, in_axes=None, axis_size=N)(resident)


def test_one_core_runs_inline_and_agrees(monkeypatch, rng):
    from numbax.distributed import local
    f = nb.pmap(lambda v: xnp.sin(v) - lax.pmean(v, "i"), "i")
    x = rng.standard_normal((4, 3))
    threaded = f(x)
    monkeypatch.setattr(local, "_cores", lambda: 1)
    close(f(x), threaded, tol=0)


def test_calls_from_many_threads_trace_once(rng):
    import threading
    f = nb.pmap(lambda v: v * lax.psum(v, "i"), "i")
    xs = [rng.standard_normal((N, 8)) for _ in range(6)]
    results: dict = {}

    def call(k):
        results[k] = f(xs[k])

    threads = [threading.Thread(target=call, args=(k,)) for k in range(len(xs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for k, x in enumerate(xs):
        close(results[k], x * x.sum(0))
    assert f.cache_info()["misses"] == 1
