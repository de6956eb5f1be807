"""Autodiff benchmarks, on the interpreter (eager NumPy) backend.

1. grad cost: time(value_and_grad(loss)) / time(loss) for a 3-layer tanh MLP
   (batch 256, width 512, float64). Reverse mode should cost a small constant (target <= 3).
   numbax.bench's mlp suite reports the same ratio ("vg / forward") for eager and jit calls
   next to NumPy and JAX; this one checks it against the target, beside the checkpoint numbers.
2. checkpoint memory: grad of a 64-layer matmul + elementwise chain (width 256, batch 256)
   with and without checkpointing every layer: peak traced memory and time.
3. save_within_budget: the same chain, each layer checkpointed with
   checkpoint_policies.save_within_budget(budget) at three per-layer budgets (0, one and
   four of a layer's 512 KiB values): the residual bytes the transform keeps between the
   forward and backward pass (summed over layers, checkpoint inputs excluded), the
   tracemalloc peak of one grad call, and the time per grad call.

Run: python -m benchmarks.autodiff [--repeats N]
"""
from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

import numpy as np

import numbax as nb
import numbax.numpy as xnp
from numbax.ad_checkpoint import saved_residuals


def median_time(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def mlp_loss(params, x):
    h = x
    for i, (w, b) in enumerate(params):
        h = h @ w + b
        if i < len(params) - 1:
            h = xnp.tanh(h)
    return xnp.mean(h ** 2)


def bench_grad_cost(repeats: int) -> dict:
    rng = np.random.default_rng(0)
    width, batch = 512, 256
    params = [(rng.standard_normal((width, width)) / np.sqrt(width), np.zeros(width))
              for _ in range(3)]
    x = rng.standard_normal((batch, width))
    vg = nb.value_and_grad(mlp_loss)
    t_loss = median_time(lambda: mlp_loss(params, x), repeats)
    t_vg = median_time(lambda: vg(params, x), repeats)
    return {"loss_ms": 1e3 * t_loss, "value_and_grad_ms": 1e3 * t_vg, "ratio": t_vg / t_loss}


def chain_layer(x, w):
    # A residual block: one matmul feeding a short chain of transcendental ops.
    a = xnp.tanh(x @ w)
    b = xnp.sin(a) * xnp.exp(-a * a)
    return x + a * b


def chain_loss(ws, x, layer):
    for w in ws:
        x = layer(x, w)
    return xnp.sum(x ** 2)


def bench_checkpoint(repeats: int) -> dict:
    rng = np.random.default_rng(1)
    width, batch, depth = 256, 256, 64
    ws = [rng.standard_normal((width, width)) / np.sqrt(width) for _ in range(depth)]
    x = rng.standard_normal((batch, width))
    results = {}
    for name, layer in (("plain", chain_layer), ("checkpoint", nb.checkpoint(chain_layer))):
        g = nb.grad(lambda ws, x, layer=layer: chain_loss(ws, x, layer))
        g(ws, x)
        tracemalloc.start()
        g(ws, x)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        results[name] = {"peak_mb": peak / 2**20, "time_ms": 1e3 * median_time(lambda g=g: g(ws, x),
                                                                               repeats)}
    results["memory_drop"] = results["plain"]["peak_mb"] / results["checkpoint"]["peak_mb"]
    results["time_rise"] = results["checkpoint"]["time_ms"] / results["plain"]["time_ms"]
    return results


def peak_mib(fn) -> float:
    fn()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def bench_budgets(repeats: int, budgets_in_values=(0, 1, 4)) -> list[dict]:
    """The 64-layer chain with each layer under save_within_budget, at several budgets."""
    rng = np.random.default_rng(1)
    width, batch, depth = 256, 256, 64
    ws = [rng.standard_normal((width, width)) / np.sqrt(width) for _ in range(depth)]
    x = rng.standard_normal((batch, width))
    value_bytes = batch * width * x.dtype.itemsize
    rows = []
    for n in budgets_in_values:
        policy = nb.checkpoint_policies.save_within_budget(n * value_bytes)
        layer = nb.checkpoint(chain_layer, policy=policy)
        loss = lambda ws, x, layer=layer: chain_loss(ws, x, layer)
        g = nb.grad(loss)
        saved = sum(a.size * a.dtype.itemsize for a, origin in saved_residuals(loss, ws, x)
                    if not origin.startswith("from the argument"))
        rows.append({"budget_kib": n * value_bytes / 2**10, "saved_mib": saved / 2**20,
                     "peak_mb": peak_mib(lambda g=g: g(ws, x)),
                     "time_ms": 1e3 * median_time(lambda g=g: g(ws, x), repeats)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    g = bench_grad_cost(args.repeats)
    print(f"MLP 3x512, batch 256, f64: loss {g['loss_ms']:.2f} ms, value_and_grad "
          f"{g['value_and_grad_ms']:.2f} ms, ratio {g['ratio']:.2f} (target <= 3)")
    c = bench_checkpoint(max(3, args.repeats // 2))
    for name in ("plain", "checkpoint"):
        print(f"64-layer chain grad, {name:10s}: peak {c[name]['peak_mb']:7.1f} MiB, "
              f"time {c[name]['time_ms']:7.1f} ms")
    print(f"checkpoint: memory drop {c['memory_drop']:.1f}x (target >= 4), "
          f"time rise {c['time_rise']:.2f}x (target <= 1.6)")
    print("save_within_budget, per layer | saved residuals | tracemalloc peak | time per grad")
    for row in bench_budgets(max(3, args.repeats // 2)):
        print(f"{row['budget_kib']:25.0f} KiB | {row['saved_mib']:11.1f} MiB | "
              f"{row['peak_mb']:12.1f} MiB | {row['time_ms']:10.1f} ms")


if __name__ == "__main__":
    main()
