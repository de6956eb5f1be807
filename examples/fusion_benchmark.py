"""What fusion does to one elementwise chain, and what it buys: a few seconds, before the benchmark.

Jits the 8-operation chain of the benchmark's chains suite (x*y -> +1 -> sin -> *y -> exp -> tanh
-> abs -> sqrt), prints its Jaxpr and the one loop kernel the Numba backend fuses it into, then
times it on 1e6 float64 elements with the benchmark's own sampler
(`numbax.bench.harness.run_block`: interleaved medians, the first call timed apart, results
checked against NumPy) on the Numba backend, on the interpreter backend (one NumPy call per
operation, each writing a temporary array) and in plain NumPy.

This is the one-chain walk-through; the comparison itself (every chain length, both dtypes,
the bandwidth floor, hand-written Numba loops, JAX, an MLP, dispatch and compile times) is the
benchmark, `numbax/bench/`:

    python examples/fusion_benchmark.py
    python -m numbax.bench --quick                       # about 20 seconds
    numbax-bench --json results.json                     # the full run, saving the numbers
"""
from functools import partial

import numpy as np

import numbax as nb
import numbax.numpy as xnp
from numbax.bench.harness import run_block


def chain(ns, x, y):
    """The chain, written once for any array namespace (numbax.numpy or numpy)."""
    t = ns.sin(x * y + 1.0) * y
    return ns.sqrt(ns.abs(ns.tanh(ns.exp(t))))


def main() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0.5, 1.5, (2, 1_000_000))
    fused = nb.jit(partial(chain, xnp))
    unfused = nb.jit(partial(chain, xnp), backend="interpreter")
    timings = run_block({"numba backend": lambda: partial(fused, x, y),
                         "interpreter backend": lambda: partial(unfused, x, y),
                         "numpy": lambda: partial(chain, np, x, y)},
                        repeats=5, ref=chain(np, x, y), dtype=np.dtype(np.float64), rtol=1e-9)
    print(fused.lower(x, y))
    print("\nN = 1e6 float64, median of 5 (the first call, which compiles or loads the disk cache, "
          "in brackets):")
    for name, t in timings.items():
        if t.error is not None:
            print(f"  {name:<20} failed: {t.error}")
            continue
        check = f"  [{t.check}]" if t.check else ""
        print(f"  {name:<20} {t.median_s * 1e3:7.2f} ms  ({t.first_call_s * 1e3:.1f} ms){check}")


if __name__ == "__main__":
    main()
