"""The Dask engine on a LocalCluster of two worker processes (tests/distributed/conftest.py):
every result against the local engine's (two devices on threads), the program shipped once
per worker, resident arrays, the errors raised before anything is sent, a worker lost
mid-run. Skipped only when dask[distributed] is not installed."""
from __future__ import annotations

import pickle
import sys
import threading

import numpy as np
import pytest

pytest.importorskip("distributed", reason="dask[distributed] is not installed")

from distributed import wait  # noqa: E402

import numbax as nb  # noqa: E402
import numbax.numpy as xnp  # noqa: E402
from numbax import lax  # noqa: E402
from numbax.distributed import Resident, data_parallel, fetch, initialize, replicate, shutdown  # noqa: E402
from numbax.distributed.dask_engine import worker_stats  # noqa: E402
from numbax.distributed.local import LocalEngine  # noqa: E402
from numbax.distributed.staging import stage_program  # noqa: E402

TIMEOUT = 60  # seconds any result may take (pytest-timeout is not installed)


def _mlp_loss(params, batch):
    (w1, b1), (w2, b2) = params
    h = xnp.tanh(batch["x"] @ w1 + b1)
    d = h @ w2 + b2 - batch["y"]
    return xnp.mean(d * d)


def _mlp(seed=0, n=8):
    rng = np.random.default_rng(seed)
    params = ((rng.normal(size=(3, 5)), rng.normal(size=5)),
              (rng.normal(size=(5, 2)), rng.normal(size=2)))
    batch = {"x": rng.normal(size=(n, 3)), "y": rng.normal(size=(n, 2))}
    return params, batch


def _on_both(monkeypatch, dask_engine, fn, *args):
    """fn(*args) on the local engine with two devices, then on the Dask engine."""
    monkeypatch.setenv("NUMBAX_NUM_DEVICES", "2")
    shutdown()
    local = fn(*args)
    initialize(dask_engine.client, timeout=TIMEOUT)
    return local, fn(*args)


def _assert_trees_equal(got, want):
    got_leaves, want_leaves = nb.tree_util.tree_leaves(got), nb.tree_util.tree_leaves(want)
    assert len(got_leaves) == len(want_leaves)
    for g, w in zip(got_leaves, want_leaves):
        # Same stages, same collective order: the same bits.
        np.testing.assert_array_equal(np.asarray(g), np.asarray(w))


def _unpickle_and_run(blob: bytes, args: list) -> list:
    """On a worker: the Jaxpr from its bytes, type-checked, run by both backends."""
    from numbax.backends import compile_jaxpr
    closed = pickle.loads(blob)
    closed.check()
    outs = [np.asarray(o) for o in compile_jaxpr(closed.jaxpr, "numba")(*closed.consts, *args)]
    ref = [np.asarray(o) for o in compile_jaxpr(closed.jaxpr, "interpreter")(*closed.consts, *args)]
    return [outs, ref, str(closed)]


def test_jaxpr_pickles_to_an_equivalent_program_on_a_worker(dask_client):
    params, batch = _mlp()
    value_and_grad = nb.jit(nb.value_and_grad(_mlp_loss))
    closed = nb.make_jaxpr(value_and_grad)(params, batch)
    value_and_grad(params, batch)  # compiled: the executables attached to it must not travel
    args = nb.tree_util.tree_leaves((params, batch))
    outs, ref, text = dask_client.submit(_unpickle_and_run, pickle.dumps(closed), args,
                                         pure=False).result(timeout=TIMEOUT)
    want = nb.tree_util.tree_leaves(value_and_grad(params, batch))
    assert text == str(closed)
    for o, r, w in zip(outs, ref, want):
        np.testing.assert_allclose(o, w, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(r, w, rtol=1e-12, atol=1e-12)


def test_devices_are_the_workers(dask_engine):
    assert nb.device_count() == 2
    assert [d.address for d in nb.devices()] == dask_engine.workers()
    shutdown()
    assert nb.device_count() == 1


@pytest.mark.parametrize("name", ["psum", "pmax", "all_gather", "all_gather_tiled",
                                  "psum_scatter", "ppermute", "axis_index"])
def test_collectives_match_the_local_engine(monkeypatch, dask_engine, name):
    body = {
        "psum": lambda x: lax.psum(x * 2.0, "i") + 1.0,
        "pmax": lambda x: lax.pmax(xnp.sin(x), "i"),
        "all_gather": lambda x: lax.all_gather(x, "i") * 3.0,
        "all_gather_tiled": lambda x: lax.all_gather(x, "i", axis=0, tiled=True),
        "psum_scatter": lambda x: lax.psum_scatter(x, "i", tiled=True),
        "ppermute": lambda x: lax.ppermute(x, "i", [(0, 1), (1, 0)]) - x,
        "axis_index": lambda x: x * lax.axis_index("i"),
    }[name]
    x = np.random.default_rng(1).normal(size=(2, 4))
    local, dask = _on_both(monkeypatch, dask_engine, nb.pmap(body, axis_name="i"), x)
    _assert_trees_equal(dask, local)


def test_pmap_of_grad_with_pmean_matches_the_local_engine(monkeypatch, dask_engine):
    params, batch = _mlp()

    def step(params, batch):
        loss, grads = nb.value_and_grad(_mlp_loss)(params, batch)
        return lax.pmean(loss, "i"), lax.pmean(grads, "i")

    split = {k: v.reshape(2, 4, -1) for k, v in batch.items()}
    f = nb.pmap(step, axis_name="i", in_axes=(None, 0))
    local, dask = _on_both(monkeypatch, dask_engine, f, params, split)
    _assert_trees_equal(dask, local)


def test_data_parallel_gives_the_full_batch_gradient(dask_engine):
    params, batch = _mlp(n=16)
    loss, grads = data_parallel(nb.value_and_grad(_mlp_loss))(params, batch)
    want_loss, want_grads = nb.value_and_grad(_mlp_loss)(params, batch)
    np.testing.assert_allclose(loss, want_loss, rtol=1e-12, atol=1e-12)
    for g, w in zip(nb.tree_util.tree_leaves(grads), nb.tree_util.tree_leaves(want_grads)):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


def test_data_parallel_with_resident_parameters(dask_engine):
    params, batch = _mlp(n=16)
    step = data_parallel(nb.value_and_grad(_mlp_loss))
    resident = replicate(params)
    for _ in range(2):  # the same handles serve every call
        _assert_trees_equal(step(resident, batch), step(params, batch))


def test_data_parallel_on_the_local_engine(monkeypatch):
    monkeypatch.setenv("NUMBAX_NUM_DEVICES", "4")
    shutdown()
    params, batch = _mlp(n=16)
    loss, grads = data_parallel(nb.value_and_grad(_mlp_loss))(params, batch)
    want = nb.value_and_grad(_mlp_loss)(params, batch)
    for g, w in zip(nb.tree_util.tree_leaves((loss, grads)), nb.tree_util.tree_leaves(want)):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


def test_data_parallel_with_a_client_leaves_the_active_engine_alone(dask_client):
    shutdown()
    params, batch = _mlp()
    loss, _ = data_parallel(nb.value_and_grad(_mlp_loss), client=dask_client)(params, batch)
    np.testing.assert_allclose(loss, _mlp_loss(params, batch), rtol=1e-12)
    assert isinstance(nb.distributed.active_engine(), LocalEngine)


def _stats(client) -> list[dict]:
    return list(client.run(worker_stats).values())


def test_program_is_shipped_and_compiled_once_per_worker(dask_engine):
    f = nb.pmap(lambda x: lax.psum(xnp.cos(x), "i") * x, axis_name="i")
    x = np.arange(8.0).reshape(2, 4)
    before = _stats(dask_engine.client)
    results = [f(x + k) for k in range(3)]
    after = _stats(dask_engine.client)
    loaded = [a["programs_loaded"] - b["programs_loaded"] for a, b in zip(after, before)]
    compiled = [a["stages_compiled"] - b["stages_compiled"] for a, b in zip(after, before)]
    assert loaded == [1, 1]
    assert compiled == [2, 2]  # the stages before and after the psum, on each worker
    for k, r in enumerate(results):
        np.testing.assert_allclose(r, np.cos(x + k).sum(0) * (x + k), rtol=1e-12)


def _program(fn, *shard_args):
    """fn's per-shard program for two shards over axis 'i'."""
    from numbax.core.avals import ShapedArray
    from numbax.core.axis_env import extend_axis_env
    from numbax.interpreters.partial_eval import trace_to_subjaxpr
    avals = [ShapedArray(np.shape(a), np.asarray(a).dtype) for a in shard_args]
    with extend_axis_env("i", 2):
        jaxpr, consts = trace_to_subjaxpr(lambda *a: [fn(*a)], avals)
    return stage_program(jaxpr, consts, "i", 2)


def _graph_bytes(client, call: str) -> int:
    """The bytes of the task specs the scheduler holds for one call's tasks."""
    def size(dask_scheduler, call=call):
        return sum(len(pickle.dumps(ts.run_spec)) for k, ts in dask_scheduler.tasks.items()
                   if isinstance(k, str) and k.endswith(call))
    return client.run_on_scheduler(size)


def test_resident_parameters_are_not_sent_again(dask_engine):
    w = np.random.default_rng(2).normal(size=(256, 256))  # 512 kB
    x = np.random.default_rng(3).normal(size=(2, 256))
    program = _program(lambda w, x: lax.psum(x @ w, "i"), w, x[0])
    resident = replicate(w)
    assert resident.shape == (2, 256, 256)
    np.testing.assert_array_equal(resident.fetch()[1], w)
    want = LocalEngine().run(program, [[w, x[0]], [w, x[1]]])
    sizes = {}
    for name, shards in [("plain", [[w, x[0]], [w, x[1]]]),
                         ("resident", [[f, x[k]] for k, f in enumerate(resident.futures)])]:
        futures = dask_engine.submit(program, shards)
        wait(futures, timeout=TIMEOUT)  # every task has reached the scheduler
        sizes[name] = _graph_bytes(dask_engine.client, futures[0].key.rsplit("-", 1)[1])
        outs = dask_engine.client.gather(futures)
        _assert_trees_equal(outs, want)
    assert sizes["plain"] > w.nbytes
    assert sizes["resident"] < w.nbytes / 10


def test_resident_outputs_stay_on_the_workers(dask_engine):
    x = np.arange(6.0).reshape(2, 3)
    program = _program(lambda x: lax.psum(x, "i") * x, x[0])
    (out,) = dask_engine.run_resident(program, [[x[0]], [x[1]]])
    assert out.shape == (2, 3) and out.dtype == x.dtype
    # Fed to the next call as they are, the rows never reach the driver in between.
    again = dask_engine.run(program, [[out.futures[0]], [out.futures[1]]])
    once = x.sum(0) * x
    np.testing.assert_array_equal(out.fetch(), once)
    np.testing.assert_array_equal(np.stack([a[0] for a in again]), once.sum(0) * once)


def test_a_program_dropped_from_the_shipped_table_is_sent_again(dask_engine, monkeypatch):
    import numbax.distributed.dask_engine as de
    monkeypatch.setattr(de, "_MAX_PROGRAMS", 1)
    x = np.arange(4.0).reshape(2, 2)
    first, second = nb.pmap(lambda v: lax.psum(v, "i"), "i"), nb.pmap(lambda v: v * 3.0)
    for f, want in [(first, np.stack([x.sum(0)] * 2)), (second, x * 3.0),
                    (first, np.stack([x.sum(0)] * 2))]:
        np.testing.assert_array_equal(f(x), want)


def test_pmap_resident_training_loop_keeps_parameters_on_the_workers(dask_engine):
    def train(params, batch):
        loss, grads = lax.pmean(nb.value_and_grad(_mlp_loss)(params, batch), "i")
        return nb.tree_util.tree_map(lambda p, g: p - 0.1 * g, params, grads), loss

    params, batch = _mlp(n=8)
    shards = nb.tree_util.tree_map(lambda x: x.reshape(2, 4, *x.shape[1:]), batch)
    step = nb.pmap(train, "i", in_axes=(0, 0), resident=True)
    want, resident = params, replicate(params)
    for _ in range(3):
        resident, loss = step(resident, shards)
        want_loss, grads = nb.value_and_grad(_mlp_loss)(want, batch)
        want = nb.tree_util.tree_map(lambda p, g: p - 0.1 * g, want, grads)
        assert isinstance(loss, Resident)
        np.testing.assert_allclose(loss.fetch(), [want_loss] * 2, rtol=1e-12)
    for got, w in zip(nb.tree_util.tree_leaves(fetch(resident)), nb.tree_util.tree_leaves(want)):
        np.testing.assert_allclose(got, np.stack([w, w]), rtol=1e-12)
    with pytest.raises(ValueError, match="every out_axes must be 0"):
        nb.pmap(train, "i", out_axes=(0, None), resident=True)(resident, shards)


def test_errors_are_raised_before_anything_is_sent(dask_engine, monkeypatch):
    sent = []
    monkeypatch.setattr(dask_engine.client, "submit", lambda *a, **k: sent.append(a))
    monkeypatch.setattr(dask_engine.client, "scatter", lambda *a, **k: sent.append(a))
    step = data_parallel(nb.value_and_grad(_mlp_loss))
    params, batch = _mlp(n=5)
    with pytest.raises(ValueError, match="does not split into 2 equal shards"):
        step(params, batch)
    with pytest.raises(ValueError, match="only 2 devices are available"):
        nb.pmap(lambda x: x)(np.ones((3, 2)))

    lock = threading.Lock()

    @nb.custom_jvp
    def guarded(x):
        return xnp.sin(x)

    @guarded.defjvp
    def _(primals, tangents):
        with lock:  # the rule's closure holds the lock, which cannot be pickled
            return guarded(primals[0]), xnp.cos(primals[0]) * tangents[0]

    with pytest.raises(TypeError, match="cannot be sent to the Dask workers.*pickle"):
        nb.pmap(guarded)(np.ones((2, 3)))
    program = _program(lambda x: x, np.ones(2))
    with pytest.raises(TypeError, match="expected a NumPy array or a Dask Future, got list"):
        dask_engine.run(program, [[[1.0, 2.0]], [np.ones(2)]])
    assert sent == []


def test_initialize_checks_its_arguments(dask_client, monkeypatch):
    with pytest.raises(TypeError, match="expected a dask.distributed.Client, got object"):
        initialize(object())
    with pytest.raises(ValueError, match="not both"):
        initialize(dask_client, address="tcp://127.0.0.1:1")
    with pytest.raises(RuntimeError, match="initialize"):
        replicate(np.ones(2))
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if Dask were not installed
    with pytest.raises(ImportError, match=r"pip install numbax\[distributed\]"):
        initialize(dask_client)


def test_a_worker_lost_mid_run_is_recomputed(dask_engine, monkeypatch, tmp_path):
    from distributed.diagnostics.plugin import WorkerPlugin

    class KillOnce(WorkerPlugin):
        """Ends its worker's process when a task after the first collective starts there,
        once (a file marks it), as a machine lost mid-step would."""

        def __init__(self, marker: str):
            self.marker = marker

        def transition(self, key, start, finish, **kwargs):
            import os
            if (finish == "executing" and isinstance(key, str) and key.startswith("numbax-stage2")
                    and not os.path.exists(self.marker)):
                open(self.marker, "w").close()
                os._exit(1)

    params, batch = _mlp(n=8)
    split = {k: v.reshape(2, 4, -1) for k, v in batch.items()}

    def step(params, batch):
        loss, grads = nb.value_and_grad(_mlp_loss)(params, batch)
        return lax.pmean((loss, grads), "i")

    f = nb.pmap(step, axis_name="i", in_axes=(None, 0))
    monkeypatch.setenv("NUMBAX_NUM_DEVICES", "2")
    shutdown()
    local = f(params, split)
    engine = initialize(dask_engine.client, timeout=TIMEOUT)
    before = set(engine.workers(refresh=True))
    marker = tmp_path / "killed"
    dask_engine.client.register_plugin(KillOnce(str(marker)), name="numbax-kill-once")
    try:
        got = f(params, split)
    finally:
        dask_engine.client.unregister_worker_plugin("numbax-kill-once")
    assert marker.exists()  # a worker did die mid-run
    _assert_trees_equal(got, local)
    dask_engine.client.wait_for_workers(2, timeout=TIMEOUT)
    assert set(engine.workers(refresh=True)) != before  # the nanny started a new worker process
