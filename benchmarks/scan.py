"""Control-flow benchmarks.

1. A scan of 1000 steps of a small elementwise-heavy body, under jit on the Numba backend
   against the interpreter backend and a plain Python loop over NumPy.
2. Per-step overhead: a scan of 10,000 steps of a tiny body (carry f64[4]), total time /
   steps, with the loop compiled whole and step by step (the same program with
   scan_loop refusing every body, so each step calls the body's executable).
3. The RNN example's training step (examples/rnn_scan.py: jit(value_and_grad) through a
   scan of 40 steps, hidden size 16) under numbax jit and under JAX's jit, the latter run
   in the JAX virtual environment given by --jax-python (default /tmp/jaxenv/bin/python),
   skipped when that interpreter cannot import jax. --rounds alternate the two.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.scan
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
from pathlib import Path
from unittest import mock

import numpy as np

import numbax as nb
import numbax.numpy as xnp
from benchmarks.autodiff import median_time
from numbax.backends.numba import scan_loop

STEPS, WIDTH = 1000, 256
TINY_STEPS = 10_000
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "rnn_scan.py"


def body(c, x):
    c = xnp.tanh(c * 0.9 + x) * xnp.exp(-c * c) + xnp.sin(c) * 0.1
    return c, c * 2.0


def run_scan(c0, xs):
    return nb.lax.scan(body, c0, xs)


def numpy_loop(c, xs):
    ys = np.empty_like(xs)
    for i, x in enumerate(xs):
        c = np.tanh(c * 0.9 + x) * np.exp(-c * c) + np.sin(c) * 0.1
        ys[i] = c * 2.0
    return c, ys


def tiny_scan(c0, xs):
    return nb.lax.scan(lambda c, x: (c * 0.5 + x, c), c0, xs)


def elementwise_section(repeats: int) -> None:
    rng = np.random.default_rng(0)
    c0 = rng.standard_normal(WIDTH)
    xs = rng.standard_normal((STEPS, WIDTH))
    fused = nb.jit(run_scan)
    unfused = nb.jit(run_scan, backend="interpreter")
    for a, b in zip(fused(c0, xs), numpy_loop(c0, xs)):
        assert np.allclose(a, b)
    t_numba = median_time(lambda: fused(c0, xs), repeats)
    t_interp = median_time(lambda: unfused(c0, xs), repeats)
    t_loop = median_time(lambda: numpy_loop(c0, xs), repeats)
    print(f"scan of {STEPS} steps, width {WIDTH}, float64")
    print(f"  jit (numba, fused body) : {1e3 * t_numba:7.2f} ms")
    print(f"  jit (interpreter)       : {1e3 * t_interp:7.2f} ms  ({t_interp / t_numba:.2f}x numba)")
    print(f"  Python loop over NumPy  : {1e3 * t_loop:7.2f} ms  ({t_loop / t_numba:.2f}x numba)")


def overhead_section(repeats: int) -> None:
    rng = np.random.default_rng(0)
    c0, xs = rng.standard_normal(4), rng.standard_normal((TINY_STEPS, 4))
    whole = nb.jit(tiny_scan)
    times = {"compiled loop": median_time(lambda: whole(c0, xs), repeats)}
    # The same program with the compiled loop refused: the body's executable runs per step.
    with mock.patch.object(scan_loop, "loop_source", lambda *a, **k: None):
        stepwise = nb.jit(tiny_scan, backend="numba")
        nb.clear_caches()
        times["step by step"] = median_time(lambda: stepwise(c0, xs), max(3, repeats // 3))
    nb.clear_caches()
    print(f"scan per-step overhead: {TINY_STEPS} steps of a tiny body (carry f64[4])")
    for label, t in times.items():
        print(f"  {label:14s}: {1e6 * t / TINY_STEPS:7.3f} us/step  ({1e3 * t:7.2f} ms total)")


def load_example():
    spec = importlib.util.spec_from_file_location("rnn_scan_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def example_data(hidden: int, steps: int):
    """The example's data and initial parameters, as plain lists for either framework."""
    rng = np.random.default_rng(0)
    t = np.linspace(0, 4 * np.pi, steps + 1)
    wave = np.sin(t) + 0.05 * rng.standard_normal(steps + 1)
    params = [rng.standard_normal(hidden) * 0.5,
              rng.standard_normal((hidden, hidden)) * 0.3 / np.sqrt(hidden),
              np.zeros(hidden), rng.standard_normal(hidden) * 0.3]
    return params, wave[:-1], wave[1:]


# The example's training step written with JAX, timed in the JAX environment. It mirrors
# examples/rnn_scan.py line for line; float64 as numbax's default.
_JAX_SCRIPT = """
import json, statistics, sys, time
import numpy as np
import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp

hidden, lr, repeats = {hidden}, {lr}, {repeats}
data = json.loads(sys.stdin.read())
params = [np.asarray(p) for p in data["params"]]
xs, targets = np.asarray(data["xs"]), np.asarray(data["targets"])

def rnn_loss(params, xs, targets):
    w_in, w_h, b, w_out = params
    def step(h, x):
        h = jnp.tanh(x * w_in + h @ w_h + b)
        return h, h @ w_out
    _, predictions = jax.lax.scan(step, jnp.zeros(hidden), xs)
    return jnp.mean((predictions - targets) ** 2)

@jax.jit
def train_step(params, xs, targets):
    loss, grads = jax.value_and_grad(rnn_loss)(params, xs, targets)
    return loss, [p - lr * g for p, g in zip(params, grads)]

jax.block_until_ready(train_step(params, xs, targets))
times = []
for _ in range(repeats):
    t0 = time.perf_counter()
    jax.block_until_ready(train_step(params, xs, targets))
    times.append(time.perf_counter() - t0)
loss = float(train_step(params, xs, targets)[0])
print(json.dumps({{"time": statistics.median(times), "loss": loss,
                   "version": jax.__version__}}))
"""


def rnn_section(repeats: int, jax_python: str, rounds: int = 3) -> None:
    """Rounds alternate numbax and JAX, so that a busy machine slows both alike; the
    figures are medians over rounds of each round's median."""
    example = load_example()
    params, xs, targets = example_data(example.HIDDEN, example.STEPS)
    step = example.train_step
    loss = float(step(params, xs, targets)[0])
    script = _JAX_SCRIPT.format(hidden=example.HIDDEN, lr=example.LEARNING_RATE,
                                repeats=repeats)
    payload = json.dumps({"params": [p.tolist() for p in params], "xs": xs.tolist(),
                          "targets": targets.tolist()})
    print(f"RNN training step (examples/rnn_scan.py: {example.STEPS} steps, hidden "
          f"{example.HIDDEN}, float64, value_and_grad; {rounds} rounds of {repeats} calls)")
    numbax_times, jax_times, skipped, result = [], [], None, {}
    for _ in range(rounds):
        numbax_times.append(median_time(lambda: step(params, xs, targets), repeats))
        if skipped:
            continue
        try:
            done = subprocess.run([jax_python, "-c", script], input=payload,
                                  capture_output=True, text=True, timeout=600, check=False)
        except OSError as err:
            skipped = str(err)
            continue
        if done.returncode != 0:
            skipped = (done.stderr.strip().splitlines() or ["no output"])[-1]
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        jax_times.append(result["time"])
    t_numbax = statistics.median(numbax_times)
    print(f"  numbax jit : {1e6 * t_numbax:8.1f} us  (loss {loss:.6f})")
    if skipped:
        print(f"  JAX jit    : skipped ({skipped})")
        return
    t_jax = statistics.median(jax_times)
    ratios = ", ".join(f"{a / b:.2f}" for a, b in zip(numbax_times, jax_times))
    print(f"  JAX jit    : {1e6 * t_jax:8.1f} us  (loss {result['loss']:.6f}, jax "
          f"{result['version']})")
    print(f"  numbax / JAX = {t_numbax / t_jax:.2f}  (per round: {ratios})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--jax-python", default="/tmp/jaxenv/bin/python")
    parser.add_argument("--only", choices=["elementwise", "overhead", "rnn"])
    parser.add_argument("--rounds", type=int, default=3, help="numbax/JAX rounds (RNN)")
    args = parser.parse_args()
    if args.only in (None, "elementwise"):
        elementwise_section(args.repeats)
    if args.only in (None, "overhead"):
        overhead_section(args.repeats)
    if args.only in (None, "rnn"):
        rnn_section(args.repeats, args.jax_python, args.rounds)


if __name__ == "__main__":
    main()
