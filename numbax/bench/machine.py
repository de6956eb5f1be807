"""What a benchmark run ran on: the CPU, the BLAS library and its kernel, the threading layers
and how many threads each method uses, so that no figure is read without its conditions.

The BLAS kernel matters as much as the library: OpenBLAS picks one per CPU at start-up unless
OPENBLAS_CORETYPE forces another (an older one, say Haswell on an AVX-512 machine, halves its
matmul speed), so the header prints the kernel OpenBLAS reports and warns about the variables.
"""
from __future__ import annotations

import ctypes
import os
import platform
import re
from pathlib import Path
from typing import Any

import numpy as np

# Environment variables that change what BLAS runs; set, they can slow it down.
BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# OpenBLAS's own symbols, and those of the renamed copy NumPy's wheels bundle.
_CORENAME = ("openblas_get_corename", "scipy_openblas_get_corename64_", "scipy_openblas_get_corename")
_NUM_THREADS = ("openblas_get_num_threads", "scipy_openblas_get_num_threads64_",
                "scipy_openblas_get_num_threads")


def cpu_model() -> str:
    """The CPU's model name, from /proc/cpuinfo on Linux, else what platform reports.

    >>> isinstance(cpu_model(), str)
    True
    """
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def _loaded_openblas() -> ctypes.CDLL | None:
    """NumPy's OpenBLAS, found among the libraries this process has mapped (NumPy loads it
    on import), or in NumPy's bundled-library folder."""
    paths: list[str] = []
    try:
        with open("/proc/self/maps") as f:
            paths = [line.split()[-1] for line in f if "openblas" in line.lower() and "/" in line]
    except OSError:
        pass
    bundled = Path(np.__file__).parent.with_name("numpy.libs")
    paths += [str(p) for p in sorted(bundled.glob("*openblas*"))] if bundled.is_dir() else []
    for path in dict.fromkeys(paths):
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None


def _call(lib: ctypes.CDLL, names: tuple[str, ...], restype: Any) -> Any:
    for name in names:
        fn = getattr(lib, name, None)
        if fn is not None:
            fn.restype = restype
            return fn()
    return None


def blas_info() -> dict:
    """NumPy's BLAS: library name and version (np.show_config), and for OpenBLAS the kernel it
    runs ('core') and its thread count.

    >>> sorted(blas_info())
    ['config', 'core', 'library', 'threads']
    """
    info: dict[str, Any] = {"library": "unknown", "config": None, "core": None, "threads": None}
    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["library"] = f"{deps.get('name', '?')} {deps.get('version', '')}".strip()
        info["config"] = deps.get("openblas configuration")
    except Exception:  # noqa: BLE001 (older NumPy: no dict mode; the fields stay unknown)
        pass
    lib = _loaded_openblas() if "openblas" in info["library"].lower() else None
    if lib is not None:
        core = _call(lib, _CORENAME, ctypes.c_char_p)
        info["core"] = core.decode() if core else None
        info["threads"] = _call(lib, _NUM_THREADS, ctypes.c_int)
    return info


def numbax_threads() -> int:
    """The threads numbax splits a kernel over (NUMBAX_NUM_THREADS, else the usable CPUs)."""
    from numbax.backends.numba import executable
    return int(getattr(executable, "NUM_THREADS", 1))


def threading_layer() -> str:
    """Numba's threading layer, or the one configured if no parallel code has run yet."""
    import numba
    try:
        return numba.threading_layer()
    except ValueError:  # no parallel region has run in this process
        return f"{numba.config.THREADING_LAYER} (not started)"


def machine_info() -> dict:
    """Everything the report header prints about the machine and its settings."""
    import numba
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu": cpu_model(), "arch": platform.machine(), "cpus": cpus or 1,
            "system": f"{platform.system()} {platform.release()}", "blas": blas_info(),
            "numba_threading_layer": threading_layer(), "numba_threads": numba.get_num_threads(),
            "numbax_threads": numbax_threads(),
            "blas_env": {k: os.environ[k] for k in BLAS_ENV if k in os.environ}}


def machine_slug(info: dict) -> str:
    """A file-name-safe name of the machine: CPU model and CPU count.

    >>> machine_slug({"cpu": "AMD EPYC 9B45 (Zen 5)", "cpus": 2})
    'amd-epyc-9b45-zen-5-2cpu'
    """
    name = re.sub(r"[^a-z0-9]+", "-", info["cpu"].lower()).strip("-") or "machine"
    return f"{name}-{info['cpus']}cpu"


def method_threads(meta: dict, section: str) -> dict[str, str]:
    """How many threads each method of a section's table uses, as printed under it.

    NumPy's ufuncs run on one thread; its matmul on BLAS's threads. numbax splits its kernels
    over its own thread count and calls the same BLAS. JAX runs on XLA's CPU thread pool, one
    thread per CPU by default.
    """
    nbx, nb, cpus = meta["numbax_threads"], meta["numba_threads"], meta["cpus"]
    blas = meta["blas"]["threads"] or "?"
    xla = f"XLA pool ({cpus})"
    if section == "chains":
        return {"numbax": str(nbx), "interp": "1", "numpy": "1", "nb_ser": "1",
                "nb_par": f"{nb} (prange)", "jax": xla}
    if section in ("mlp", "conv"):
        return {"numbax": f"{nbx} + BLAS {blas}", "interp": f"1 + BLAS {blas}",
                "eager": f"1 + BLAS {blas}", "numpy": f"1 + BLAS {blas}", "jax": xla}
    if section == "scan":
        return {"numbax": "1", "nb_loop": "1", "jax": xla}
    return {}


def format_threads(meta: dict, section: str, methods: list[str]) -> str:
    """The "threads:" line of a table (empty for a section without thread counts)."""
    counts = method_threads(meta, section)
    parts = [f"{m} {counts[m]}" for m in methods if m in counts]
    return "threads: " + ", ".join(parts) if parts else ""


def format_header(meta: dict) -> list[str]:
    """The report's header lines: machine, library versions, BLAS, threading, warnings."""
    blas = meta["blas"]
    core = f", kernel {blas['core']}" if blas.get("core") else ""
    threads = f", {blas['threads']} threads" if blas.get("threads") else ""
    lines = [f"numbax-bench on {meta['cpu']} ({meta['arch']}, {meta['cpus']} CPUs, {meta['system']}); "
             f"loadavg at start {meta['loadavg']}",
             f"python {meta['python']}, numpy {meta['numpy']}, numba {meta['numba']}, "
             f"jax {meta['jax'] or 'not installed'}",
             f"BLAS: {blas['library']}{core}{threads}; numba threading layer "
             f"{meta['numba_threading_layer']}, {meta['numba_threads']} threads; numbax "
             f"{meta['numbax_threads']} threads"]
    for name, value in meta.get("blas_env", {}).items():
        lines.append(f"WARNING: {name}={value} is set: it overrides the BLAS kernel or cache size "
                     "OpenBLAS would pick for this CPU and can make matmul much slower; unset it "
                     "for figures meant for comparison.")
    return lines
