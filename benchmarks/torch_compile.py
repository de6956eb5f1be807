"""numbax jit against torch.compile (inductor, CPU) on the elementwise chains of numbax.bench
(the chains suite, numbax/bench/chains.py, whose program generator it reuses).

PyTorch is an optional peer, never a dependency, and torch.compile's first compile of each
chain takes seconds, so this is a separate script rather than a column of numbax.bench.
Install it beside the project (e.g. `pip install torch==2.13.0`, the CPU build on disk here).

Run: python -m benchmarks.torch_compile
"""
from __future__ import annotations

import time
from functools import partial

import numpy as np

import numbax as nb
import numbax.numpy as xnp
from benchmarks.autodiff import median_time
from numbax.bench.chains import Chain, array_function, exec_function

N = 1_000_000


def main() -> None:
    import torch
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    print(f"torch {torch.__version__}, N = {N:.0e}; median ms (first call / compile in brackets)")
    print(f"{'dtype':8} {'chain':6} {'numbax':>16} {'torch.compile':>18} {'numpy':>8}")
    for dtype in (np.float32, np.float64):
        x = rng.uniform(0.5, 1.5, N).astype(dtype)
        y = rng.uniform(0.5, 1.5, N).astype(dtype)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        for k in (4, 8, 16):
            chain = Chain(k)
            ours = nb.jit(exec_function(array_function(chain, "xnp", repr), {"xnp": xnp}))
            theirs = torch.compile(exec_function(array_function(chain, "torch", repr),
                                                  {"torch": torch}))
            ref = exec_function(array_function(chain, "np", repr), {"np": np})
            t0 = time.perf_counter()
            ours(x, y)
            first_ours = time.perf_counter() - t0
            t0 = time.perf_counter()
            theirs(xt, yt)
            first_theirs = time.perf_counter() - t0
            tol = 1e-4 if dtype == np.float32 else 1e-10
            assert np.allclose(ours(x, y), ref(x, y), rtol=tol)
            assert np.allclose(theirs(xt, yt).numpy(), ref(x, y), rtol=tol)
            t_ours = median_time(partial(ours, x, y), 9)
            t_theirs = median_time(partial(theirs, xt, yt), 9)
            t_np = median_time(partial(ref, x, y), 9)
            print(f"{np.dtype(dtype).name:8} k={k:<4} {1e3 * t_ours:7.2f} ({first_ours:5.2f}s) "
                  f"{1e3 * t_theirs:8.2f} ({first_theirs:5.2f}s) {1e3 * t_np:8.2f}")


if __name__ == "__main__":
    main()
