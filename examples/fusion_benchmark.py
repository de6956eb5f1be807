"""The fused-versus-unfused benchmark, quick version (under 20 seconds).

Times elementwise chains of 1 to 8 operations (plus one ending in a sum) on 1e4 and 1e6
elements in float32 and float64 under numbax.jit with the Numba backend (fused kernels) and
the interpreter backend (one NumPy call per operation), next to plain NumPy, hand-written
Numba loops and the memory-bandwidth floor; then an MLP training step, the dispatch overhead
of a jitted call and the compile time in a fresh process. Progress goes to stderr, the table
to stdout.

    python examples/fusion_benchmark.py                  # this quick run
    python -m numbax.bench                               # the full run (about two minutes)
    numbax-bench --json results.json                     # the same, saving the numbers

Read the table as: "x floor" is time / bandwidth floor (1.0 = memory speed); "x numbax" is
the other method's time / numbax's time (above 1: numbax is faster). See `numbax/bench.py`'s
docstring for the method.
"""
import sys

from numbax.bench import main

if __name__ == "__main__":
    sys.exit(main(["--quick", *sys.argv[1:]]))
