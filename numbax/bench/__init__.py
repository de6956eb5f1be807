"""The fused-versus-unfused benchmark of numbax: ``python -m numbax.bench`` or ``numbax-bench``.

Suites (``--sections``), one module each, run in this order:

- ``compile`` (compile_time.py): import and first-call times of the 8-op chain ending in a sum
  in fresh processes, with an empty and then a warm disk cache;
- ``dispatch`` (dispatch.py): the time of a cached jit call on three-element arrays;
- ``chains`` (chains.py): elementwise chains of 1 to 16 operations against the memory-bandwidth
  floor, fused (numba backend) and unfused (interpreter backend, NumPy), next to hand-written
  Numba loops;
- ``mlp`` (mlp.py): the forward pass and ``jit(value_and_grad)`` of a three-layer tanh MLP.
- ``conv`` (conv.py): a small CNN's conv-relu-maxpool forward pass and training step, batch
  64, 28x28 and 8x8 images, against hand-written NumPy (im2col).
- ``functions`` (functions.py): each vecmath function's jit time against NumPy's ufunc, serial;
- ``scan`` (scan.py): the per-step cost of ``jit(scan)`` of a tiny body, 10,000 steps.

The report's header names the machine and what it ran with (machine.py): the CPU model, NumPy's
BLAS and the kernel OpenBLAS chose, Numba's threading layer and thread counts, and a warning when
OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE is set; every table says how many threads each method
used. Memory-bound chains (x*y, +1) are compared with a hand-written prange loop at N >= 1e6.

Each suite's docstring says what it measures. harness.py holds the sampling, checking and
contention watch that every suite shares, report.py formats the table, plot.py draws
``--plot`` (matplotlib, the ``plot`` extra, imported only then), and cli.py parses the
options and runs the suites (``main``). JAX is timed wherever it fits, only when ``import jax``
works (JAX is never a dependency of numbax).

Method: the median of 9 samples at N=1e4, 5 at 1e6 and 3 at 1e7 (5 and 3 with --quick; twice
as many for the floor); methods are interleaved round-robin within each repeat; tiny calls are
looped so one sample lasts at least 2 ms (for a call that long, the timed call after the first
is the first sample); garbage collection is off while sampling. The first call of each method
(compilation) is timed on its own and never enters the median. Results are checked against
NumPy in float64 (rtol 1e-4 for float32, 1e-9 for float64) and must keep the input dtype; a
"!" after a time marks a mismatch. Each block records how many cores other processes used
meanwhile (from /proc/stat, steal time included); blocks where that reached 0.25 cores are
marked "contended": their numbers, the parallel columns above all, are unreliable.

Options: --quick (N = 1e4 and 1e6, k in 1, 2, 4, 8 plus 8+sum, fewer repeats), --dtypes,
--sizes, --ks, --sections, --scan-length, --no-jax, --json [PATH] (default
benchmarks/results/<machine>-<date>.json), --plot FILE.png.
"""
import os

# The nb_par reference runs on Numba's OpenMP layer, whose idle workers spin for a while after
# each parallel loop; interleaved with the other methods, that spinning would steal the second
# core from them. Passive waiting (read when OpenMP starts, i.e. at the first parallel call)
# keeps the columns independent. Set on the package's import, so before any suite loads Numba.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .cli import main

__all__ = ["main"]
