"""Data-parallel training of the benchmark's MLP on a Dask LocalCluster of two workers.

The network is numbax.bench's MLP (three tanh layers of width 512, float64, batch 256). Each
training step runs on the workers as one pmap: every worker takes half the batch, computes
its loss and gradients, averages them with lax.pmean and applies the SGD update to its copy
of the parameters. The parameters stay on the workers between steps
(numbax.distributed.replicate and pmap(..., resident=True)): only the gradients' mean moves.
The losses are checked against the same training run in this process, on the whole batch.

    python examples/data_parallel.py [--steps 10] [--workers 2] [--batch 256] [--width 512]

It prints the time per step on the cluster, the compute time per step (the per-shard step
timed in this process) and the difference: communication and scheduling per step.
Needs the distributed extra: pip install "numbax[distributed]".
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np

import numbax as nb
import numbax.distributed as nd
import numbax.numpy as xnp
from numbax import lax
from numbax.tree_util import tree_map

LEARNING_RATE = 0.05


def loss(params, x, t):
    (w1, b1), (w2, b2), (w3, b3) = params
    h1 = xnp.tanh(x @ w1 + b1)
    h2 = xnp.tanh(h1 @ w2 + b2)
    d = h2 @ w3 + b3 - t
    return xnp.mean(d * d)


def sgd(params, grads):
    return tree_map(lambda p, g: p - LEARNING_RATE * g, params, grads)


def train_shard(params, x, t):
    """One device's step: its shard's gradients, averaged over the devices, then the update."""
    value, grads = lax.pmean(nb.value_and_grad(loss)(params, x, t), "batch")
    return sgd(params, grads), value


def make_problem(batch: int, width: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    scale = 1.0 / math.sqrt(width)
    params = tuple((rng.normal(0, scale, (width, width)), rng.normal(0, 0.1, width))
                   for _ in range(3))
    x = rng.normal(0, 1, (batch, width))
    t = np.tanh(x @ rng.normal(0, scale, (width, width)))
    return params, x, t


def train_here(params, x, t, steps: int) -> list[float]:
    """The reference: the whole batch in this process."""
    step = nb.jit(nb.value_and_grad(loss))
    losses = []
    for _ in range(steps):
        value, grads = step(params, x, t)
        params = sgd(params, grads)
        losses.append(float(value))
    return losses


def train_on_cluster(params, x, t, steps: int) -> tuple[list[float], float]:
    """Training on the cluster's workers; the losses and the median seconds per step."""
    n = nd.device_count()
    shards = [a.reshape(n, a.shape[0] // n, *a.shape[1:]) for a in (x, t)]
    step = nb.pmap(train_shard, "batch", resident=True)
    resident = nd.replicate(params)
    # The batch stays on the workers too: each step moves only the gradients' mean.
    xs, ts = nd.shard(shards[0]), nd.shard(shards[1])
    losses, times = [], []
    for _ in range(steps):
        start = time.perf_counter()
        resident, value = step(resident, xs, ts)
        losses.append(float(value.fetch()[0]))
        times.append(time.perf_counter() - start)
    # The first step traces, ships and compiles the program: not part of the steady state.
    return losses, float(np.median(times[1:] if steps > 1 else times))


def compute_time(params, x, t, n: int, repeats: int = 20) -> float:
    """The median seconds of one shard's step (value_and_grad and update), in this process."""
    def shard_step(params, x, t):
        value, grads = nb.value_and_grad(loss)(params, x, t)
        return sgd(params, grads), value

    step = nb.jit(shard_step)
    xs, ts = x[:x.shape[0] // n], t[:t.shape[0] // n]
    step(params, xs, ts)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step(params, xs, ts)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--width", type=int, default=512)
    args = parser.parse_args()
    if args.batch % args.workers:
        parser.error(f"--batch {args.batch} must divide by --workers {args.workers}")
    from distributed import Client, LocalCluster

    params, x, t = make_problem(args.batch, args.width)
    here = train_here(params, x, t, args.steps)
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        nd.initialize(client)
        try:
            there, per_step = train_on_cluster(params, x, t, args.steps)
        finally:
            nd.shutdown()
    compute = compute_time(params, x, t, args.workers)

    print(f"MLP {args.width}x3, float64, batch {args.batch} over {args.workers} workers")
    print(f"{'step':>4} {'loss (cluster)':>22} {'loss (this process)':>22} {'difference':>11}")
    for i, (a, b) in enumerate(zip(there, here)):
        print(f"{i:4d} {a:22.16f} {b:22.16f} {abs(a - b):11.2e}")
    worst = max(abs(a - b) for a, b in zip(there, here))
    print(f"time per step on the cluster: {per_step * 1e3:.2f} ms (median, first step left out)")
    print(f"compute per step (one shard's step timed in this process): {compute * 1e3:.2f} ms")
    print(f"communication and scheduling per step: {(per_step - compute) * 1e3:.2f} ms")
    if worst > 1e-12:
        raise SystemExit(f"the losses differ by {worst:.2e}, more than 1e-12")
    print(f"losses match the single-process run to {worst:.1e} (<= 1e-12)")


if __name__ == "__main__":
    main()
