"""The compile suite: time to the first result, in fresh processes.

In a fresh subprocess with an empty ``NUMBAX_CACHE_DIR``: ``import numbax``, the first call of
``jit`` of the 8-op chain ending in a sum (k=8+sum) on float32 N=1e4 (trace + fusion + code
generation + Numba's start-up and compilation + run), the second call, and then the first call
of a new program (the float64 chain) in that warm process. Then a second fresh subprocess with
the same, now warm, disk cache:
the time to the first result after import. (Numba's own cache of numbax's vecmath functions,
next to their source, is not emptied: it is filled once per installation.)
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from .chains import Chain, array_function
from .harness import fmt_time

_COMPILE_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np
import numbax
import numbax.numpy as xnp
out = {"import_s": time.perf_counter() - t0}
src = sys.argv[1]
rng = np.random.default_rng(0)
x64, y64 = rng.uniform(0.5, 1.5, 10_000), rng.uniform(0.5, 1.5, 10_000)
def make(backend):
    ns = {"xnp": xnp}
    exec(src, ns)
    return numbax.jit(ns["chain"], backend=backend)
try:
    f = make("numba")
    x32, y32 = x64.astype(np.float32), y64.astype(np.float32)
    t = time.perf_counter(); r = f(x32, y32); out["first_call_s"] = time.perf_counter() - t
    assert r.dtype == np.float32, r.dtype
    t = time.perf_counter(); f(x32, y32); out["second_call_s"] = time.perf_counter() - t
    t = time.perf_counter(); f(x64, y64); out["new_program_first_call_s"] = time.perf_counter() - t
    out["cache_info"] = f.cache_info()
except Exception as err:
    out["error"] = f"{type(err).__name__}: {err}"[:300]
g = make("interpreter")
t = time.perf_counter(); g(x64, y64); out["interpreter_first_call_s"] = time.perf_counter() - t
try:
    from numbax.backends.numba import kernels
    out["kernel_stats"] = dict(kernels.stats)
except Exception:
    pass
print("RESULT " + json.dumps(out))
"""


def _fresh_process(cache_dir: str, source: str, timeout: float = 120.0) -> dict:
    env = dict(os.environ, NUMBAX_CACHE_DIR=cache_dir)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", _COMPILE_SCRIPT, source], env=env,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f}s"}
    wall = time.perf_counter() - t0
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
            result["process_wall_s"] = wall
            return result
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"exit {proc.returncode}: {tail}"[:300]}


def bench_compile(progress: Callable[[str], None]) -> dict:
    """Run the suite: the timings of the cold-cache process, then of the warm-cache one."""
    source = array_function(Chain(8, True), "xnp", repr)
    folder = tempfile.mkdtemp(prefix="numbax-bench-cache-")
    try:
        cold = _fresh_process(folder, source)
        error = f" ({cold['error']})" if "error" in cold else ""
        progress(f"compile, fresh process, empty disk cache: first call "
                 f"{fmt_time(cold.get('first_call_s'))}{error}")
        warm = _fresh_process(folder, source)
        progress(f"compile, fresh process, warm disk cache: first call "
                 f"{fmt_time(warm.get('first_call_s'))}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"program": "8-op chain + sum, N=1e4, float32 (then float64 as a new program)",
            "cold_cache": cold, "warm_cache": warm}
