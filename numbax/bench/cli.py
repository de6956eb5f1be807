"""``numbax-bench`` / ``python -m numbax.bench``: parse the options and run the suites."""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .chains import CHAIN_OPS, DEFAULT_KS, DEFAULT_SIZES, QUICK_KS, QUICK_SIZES, Chain, bench_chains
from .compile_time import bench_compile
from .conv import bench_conv
from .dispatch import bench_dispatch
from .functions import bench_functions
from .harness import Env, import_jax
from .machine import machine_info, machine_slug, threading_layer
from .mlp import bench_mlp
from .plot import MISSING, require_matplotlib, write_plot
from .report import format_report
from .scan import SCAN_LENGTH, bench_scan

SECTIONS = ("compile", "dispatch", "chains", "mlp", "conv", "functions", "scan")
# Where --json without a path writes, relative to the working directory (the repository).
RESULTS_DIR = Path("benchmarks") / "results"


def _meta(jax_mod: tuple[Any, Any] | None) -> dict:
    import numba
    try:
        load = f"{os.getloadavg()[0]:.2f}"
    except OSError:
        load = "?"
    info = machine_info()
    return {**info, "machine": f"{info['cpu']}, {info['cpus']} CPUs", "slug": machine_slug(info),
            "date": datetime.date.today().isoformat(), "python": platform.python_version(),
            "numpy": np.__version__, "numba": numba.__version__,
            "jax": jax_mod[0].__version__ if jax_mod else None, "loadavg": load}


def json_path(arg: str, meta: dict) -> Path:
    """Where --json writes: the given file, or <machine-slug>-<date>.json in the given folder
    (benchmarks/results/ when no path is given).

    >>> str(json_path("out.json", {"slug": "amd-epyc-2cpu", "date": "2026-01-31"}))
    'out.json'
    >>> str(json_path("", {"slug": "amd-epyc-2cpu", "date": "2026-01-31"}))
    'benchmarks/results/amd-epyc-2cpu-2026-01-31.json'
    """
    path = Path(arg) if arg else RESULTS_DIR
    if arg.endswith(".json"):
        return path
    return path / f"{meta['slug']}-{meta['date']}.json"


def _parse_list(text: str, conv: Callable[[str], Any]) -> list:
    return [conv(v) for v in text.split(",") if v.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark with command-line arguments argv (default sys.argv[1:]); returns the
    exit status. The table goes to stdout, progress to stderr."""
    parser = argparse.ArgumentParser(
        prog="numbax-bench", description="numbax fused-versus-unfused benchmark (see help(numbax.bench)).")
    parser.add_argument("--quick", action="store_true",
                        help="N = 1e4, 1e6; k in 1, 2, 4, 8 plus 8+sum; fewer repeats")
    parser.add_argument("--dtypes", default="float32,float64", help="comma list (default float32,float64)")
    parser.add_argument("--sizes", default=None, help="comma list of N (default 1e4,1e6,1e7)")
    parser.add_argument("--ks", default=None, help="comma list of chain lengths (default 1,2,4,8,16)")
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"comma list out of {', '.join(SECTIONS)}")
    parser.add_argument("--scan-length", type=int, default=SCAN_LENGTH,
                        help=f"steps of the scan suite (default {SCAN_LENGTH})")
    parser.add_argument("--no-jax", action="store_true", help="do not time JAX even if installed")
    parser.add_argument("--json", metavar="PATH", nargs="?", const="",
                        help="also write the results as JSON: to PATH if it ends in .json, else "
                             "as <machine>-<date>.json in the folder PATH (default benchmarks/results)")
    parser.add_argument("--plot", metavar="FILE.png",
                        help="draw the chains' time against N (needs matplotlib: numbax[plot])")
    args = parser.parse_args(argv)

    sections = set(_parse_list(args.sections, str))
    unknown = sections - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    if args.plot:
        if "chains" not in sections:
            parser.error("--plot draws the chains section: add chains to --sections")
        try:
            require_matplotlib()
        except ImportError:
            parser.error(MISSING)
    t_start = time.perf_counter()

    def progress(msg: str) -> None:
        print(f"[{time.perf_counter() - t_start:6.1f}s] {msg}", file=sys.stderr, flush=True)

    dtypes = [np.dtype(d) for d in _parse_list(args.dtypes, str)]
    sizes = _parse_list(args.sizes, lambda v: int(float(v))) if args.sizes else list(
        QUICK_SIZES if args.quick else DEFAULT_SIZES)
    ks = _parse_list(args.ks, int) if args.ks else list(QUICK_KS if args.quick else DEFAULT_KS)
    if any(not 1 <= k <= len(CHAIN_OPS) for k in ks):
        parser.error(f"chain lengths must lie in 1..{len(CHAIN_OPS)}")
    sum_ks = [k for k in ((8,) if args.quick else (1, 8)) if k in ks] or ks[-1:]
    chains = [Chain(k) for k in ks] + [Chain(k, True) for k in sum_ks]
    repeats = {10_000: 5, 1_000_000: 3} if args.quick else {10_000: 9, 1_000_000: 5, 10_000_000: 3}

    progress("starting (progress on stderr, table on stdout)")
    jax_mod = import_jax(not args.no_jax)
    env = Env(jax=jax_mod, repeats=repeats)
    report: dict[str, Any] = {"meta": _meta(jax_mod), "args": vars(args)}
    if "compile" in sections:
        report["compile"] = bench_compile(progress)
    if "dispatch" in sections:
        report["dispatch"] = bench_dispatch(env, 5 if args.quick else 9, progress)
    if "chains" in sections:
        floors, cells = bench_chains(env, dtypes, sizes, chains, progress)
        report["chains"] = {"ops": [f"{op} {arg}" if arg is not None else op for op, arg in CHAIN_OPS],
                            "floors": floors, "cells": cells}
    if "mlp" in sections:
        report["mlp"] = bench_mlp(env, dtypes, 3 if args.quick else 7, progress)
    if "conv" in sections:
        report["conv"] = bench_conv(env, dtypes, 3 if args.quick else 7, progress)
    if "functions" in sections:
        report["functions"] = bench_functions(env, dtypes, 5 if args.quick else 9, progress)
    if "scan" in sections:
        report["scan"] = bench_scan(env, 5 if args.quick else 9, progress, args.scan_length)
    # Known only once a parallel loop has run.
    report["meta"]["numba_threading_layer"] = threading_layer()
    report["meta"]["total_s"] = time.perf_counter() - t_start
    print(format_report(report))
    if args.json is not None:
        path = json_path(args.json, report["meta"])
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w") as f:
            json.dump(report, f, indent=1)
        progress(f"wrote {path}")
    if args.plot:
        write_plot(report, args.plot)
        progress(f"wrote {args.plot}")
    return 0
