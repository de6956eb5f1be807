"""Dask engine overheads on a LocalCluster, and a scaling estimate built from them.

Measured (medians of repeated pmap calls, one shard per worker, workers of one thread):
- per call: a pmap with one stage and no collective (8 float64 per shard);
- per collective round: the slope of a chain of 1 and 4 dependent psums of 8 float64;
- per byte: a psum of 8 MB per shard against one of 1 MB;
each on clusters of 2 and 4 workers (so the costs' growth with the workers can be fitted),
against the local engine (threads in this process) as a baseline; and the compute time
per example of the MLP training step (numbax.bench's MLP, float64, width 512), jitted in
this process; and that step run data-parallel on 2 workers with resident parameters.

From these, the time of one data-parallel step of a batch of B examples on W workers is
estimated, anchored at the MLP step measured on 2 workers, as

    T(W) = B c / W + O(2) + (W - 2) g,    g = call' + round' + 2 G tau

(c: compute per example; O(2): the measured 2-worker step less its compute; call' and
round': the growth per worker of the per-call and per-round overheads; G: the gradient's
bytes; tau: seconds per byte through the combining task, which receives every shard's
gradient and sends each the mean), and the speed-up over one process without Dask as
B c / T(W). docs/distributed.md states the assumptions.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.distributed
"""
from __future__ import annotations

import argparse
import math
import os
import sys

import numpy as np

import numbax as nb
import numbax.distributed as nd
from benchmarks.autodiff import median_time
from numbax import lax
from numbax.bench.machine import cpu_model
from numbax.bench.mlp import _mlp_loss

WIDTH, SHARD_BATCH = 512, 128
SMALL, MB, MB8 = 8, 1 << 17, 1 << 20  # float64 per shard: 64 bytes, 1 MB and 8 MB


def _chain(rounds: int):
    def f(x):
        for _ in range(rounds):
            x = lax.psum(x, "i") * 0.5
        return x
    return nb.pmap(f, axis_name="i")


def _overheads(workers: int, repeats: int) -> dict[str, float]:
    """Median seconds of each case on the active engine with `workers` devices."""
    small, mb, mb8 = (np.ones((workers, n)) for n in (SMALL, MB, MB8))
    stage, one, four = nb.pmap(lambda x: x + 1.0), _chain(1), _chain(4)
    return {"call": median_time(lambda: stage(small), repeats),
            "psum small": median_time(lambda: one(small), repeats),
            "psum 1 MB": median_time(lambda: one(mb), repeats),
            "psum 8 MB": median_time(lambda: one(mb8), repeats),
            "4 psums small": median_time(lambda: four(small), repeats)}


def _derived(t: dict[str, float], workers: int) -> dict[str, float]:
    return {"call": t["call"],
            "round": (t["4 psums small"] - t["psum small"]) / 3,
            # Each shard's operand goes driver -> worker -> combining task -> worker -> driver:
            # four moves; the slope between 1 MB and 8 MB leaves out per-message costs.
            "tau": (t["psum 8 MB"] - t["psum 1 MB"]) / (4 * workers * (MB8 - MB) * 8)}


def _problem(dtype=np.float64):
    rng = np.random.default_rng(1)
    scale = 1.0 / math.sqrt(WIDTH)
    params = tuple((rng.normal(0, scale, (WIDTH, WIDTH)).astype(dtype),
                    rng.normal(0, 0.1, WIDTH).astype(dtype)) for _ in range(3))
    return params, rng.normal(size=(2 * SHARD_BATCH, WIDTH)), rng.normal(size=(2 * SHARD_BATCH, WIDTH))


def _train_shard(params, x, t):
    value, grads = lax.pmean(nb.value_and_grad(_mlp_loss(nb.numpy))(params, x, t), "i")
    return nb.tree_util.tree_map(lambda p, g: p - 0.01 * g, params, grads), value


def _compute_per_example(repeats: int) -> float:
    params, x, t = _problem()
    step = nb.jit(nb.value_and_grad(_mlp_loss(nb.numpy)))
    return median_time(lambda: step(params, x[:SHARD_BATCH], t[:SHARD_BATCH]), repeats) / SHARD_BATCH


def _cluster_step(repeats: int) -> float:
    """The MLP's data-parallel step on the active (2-device) engine, parameters resident."""
    params, x, t = _problem()
    state = {"params": nd.replicate(params)}
    xs, ts = nd.shard(x.reshape(2, SHARD_BATCH, WIDTH)), nd.shard(t.reshape(2, SHARD_BATCH, WIDTH))
    step = nb.pmap(_train_shard, "i", resident=True)

    def call():
        state["params"], loss = step(state["params"], xs, ts)
        loss.fetch()

    return median_time(call, repeats)


def estimate(batch: int, workers: int, c: float, overhead2: float, growth: float) -> float:
    """Estimated seconds of one data-parallel step (see the module docstring)."""
    return batch * c / workers + overhead2 + (workers - 2) * growth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    from dask.distributed import Client, LocalCluster

    os.environ["NUMBAX_NUM_DEVICES"] = "2"
    local = _overheads(2, args.repeats)
    measured, cluster_step = {}, None
    for workers in (2, 4):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            client.wait_for_workers(workers)
            nd.initialize(client)
            try:
                measured[workers] = _overheads(workers, args.repeats)
                if workers == 2:
                    cluster_step = _cluster_step(args.repeats)
                    roundtrip = median_time(lambda: client.submit(abs, 1.0, pure=False).result(),
                                            args.repeats)
            finally:
                nd.shutdown()
    c = _compute_per_example(args.repeats)

    print(f"{cpu_model()}, {os.cpu_count()} cpus, python {sys.version.split()[0]}, "
          f"dask workers of 1 thread; medians of {args.repeats} calls")
    print(f"{'case (per call)':24s} {'local, 2 dev':>13s} {'dask, 2 workers':>16s} "
          f"{'dask, 4 workers':>16s}")
    for name in local:
        print(f"{name:24s} {local[name] * 1e3:10.3f} ms {measured[2][name] * 1e3:13.3f} ms "
              f"{measured[4][name] * 1e3:13.3f} ms")
    print(f"bare Dask round trip (client.submit(...).result()): {roundtrip * 1e3:.3f} ms")
    derived = {w: _derived(measured[w], w) for w in (2, 4)}
    slopes = {key: (derived[4][key] - derived[2][key]) / 2 for key in ("call", "round")}
    for key, slope in slopes.items():
        print(f"per {key}: {derived[2][key] * 1e3:.2f} ms (2 workers), "
              f"{derived[4][key] * 1e3:.2f} ms (4 workers): {slope * 1e3:.2f} ms per worker")
    tau = derived[2]["tau"]
    print(f"tau: {tau * 1e9:.3f} ns per byte moved ({1e-9 / tau:.2f} GB/s)")

    params, _, _ = _problem()
    grad_bytes = sum(p.nbytes for layer in params for p in layer)
    overhead2 = cluster_step - SHARD_BATCH * c
    growth = slopes["call"] + slopes["round"] + 2 * grad_bytes * tau
    print(f"MLP step compute: {c * 1e6:.1f} us per example (batch {SHARD_BATCH}, float64, "
          f"width {WIDTH}, jit in this process); gradient {grad_bytes / 1e6:.2f} MB")
    print(f"MLP data-parallel step, batch {2 * SHARD_BATCH} on 2 workers (parameters "
          f"resident): {cluster_step * 1e3:.1f} ms, of which compute {SHARD_BATCH * c * 1e3:.1f} "
          f"ms and overhead O(2) {overhead2 * 1e3:.1f} ms; growth g {growth * 1e3:.1f} ms "
          "per worker")
    print("estimated speed-up over one process (B c / T(W)):")
    print(f"{'batch':>7s} " + " ".join(f"{f'W={w}':>8s}" for w in (2, 4, 16, 64)))
    for batch in (256, 4096, 65536):
        cells = " ".join(f"{batch * c / estimate(batch, w, c, overhead2, growth):8.2f}"
                         for w in (2, 4, 16, 64))
        print(f"{batch:7d} {cells}")


if __name__ == "__main__":
    main()
