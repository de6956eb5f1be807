"""Compile kernel source with Numba, cached in memory by source text and on disk.

On disk, each kernel's source is written once to `<cache dir>/k_<hash>.py` and imported from
there, so Numba's own cache (cache=True) can index it by file: a new process that runs a
program it has seen loads machine code instead of compiling. The cache folder is
$NUMBAX_CACHE_DIR, or ~/.cache/numbax. An unusable cache folder falls back to compiling in
memory with a warning.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import warnings
from pathlib import Path

import numba
import numpy as np

from . import vecmath


def _header() -> str:
    # The vecmath source hash makes kernels that inline an older vecmath miss the cache.
    source = Path(vecmath.__file__).read_bytes()
    return (f"# numbax kernel; vecmath {hashlib.sha1(source).hexdigest()[:12]}\n"
            "import numpy as np\n\nfrom numbax.backends.numba import vecmath as vm\n\n\n")


_HEADER = _header()
_memory: dict[str, object] = {}
stats = {"memory_hits": 0, "kernels_created": 0, "disk_fallbacks": 0}
_disk_ok: bool | None = None


def warm_up() -> None:
    """Initialise Numba's typing and target contexts now (about 0.3 s, once per process).

    Numba does this lazily on the first compile or cache load; doing it when numbax is
    imported means a program found in the disk cache returns its first result in
    milliseconds rather than after this one-time set-up.
    """
    from numba.core.registry import cpu_target
    cpu_target.typing_context.refresh()
    cpu_target.target_context.refresh()


def _vector_widths() -> dict:
    # LLVM prefers 256-bit vectors even on AVX-512 machines; full-width registers (as NumPy's
    # own SIMD loops use) measured 2.4x faster for float32 chains and 1.4x for float64 here.
    import llvmlite.binding as llvm
    if "+avx512f" not in llvm.get_host_cpu_features().flatten():
        return {}
    return {np.dtype(np.float32): 16, np.dtype(np.float64): 8}


# Loop vectorisation width forced for kernels computing only this dtype (none: LLVM decides).
VECTOR_WIDTHS = _vector_widths()


class WideOnFirstCall:
    """Calls a kernel whose first call compiles it with LLVM's loop vectoriser forced to a
    given width; after that call, `on_compiled(kernel)` swaps in the kernel itself.

    The width is a process-wide LLVM option, so it is set only around that compilation
    (other Numba code in the process is unaffected).
    """

    def __init__(self, kernel, width: int, on_compiled):
        self.kernel, self.width, self.on_compiled = kernel, width, on_compiled

    def __call__(self, *args):
        import llvmlite.binding as llvm
        llvm.set_option("numbax", f"-force-vector-width={self.width}")
        try:
            result = self.kernel(*args)
        finally:
            llvm.set_option("numbax", "-force-vector-width=0")
        self.on_compiled(self.kernel)
        return result


def cache_dir() -> Path:
    env = os.environ.get("NUMBAX_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "numbax"


def _jit(fn, cache: bool):
    # error_model="numpy": 1/0 gives inf as in NumPy instead of raising ZeroDivisionError.
    return numba.njit(nogil=True, cache=cache, error_model="numpy")(fn)


def _from_file(key: str, source: str):
    folder = cache_dir() / f"numba-{numba.__version__}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"k_{key}.py"
    text = _HEADER + source
    if not path.exists() or path.read_text() != text:
        # Write atomically: concurrent processes may race to create the same kernel.
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    name = f"numbax_kernel_{key}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    # Registered by name: Numba's disk cache re-imports the kernel's module when loading.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return _guard_disk_cache(_jit(module.kernel, cache=True))


def _guard_disk_cache(dispatcher):
    """A corrupt cache file (truncated index, bad pickle) surfaces only when Numba loads or
    saves an overload at the first call; treat it as a miss and compile in memory."""
    cache = getattr(dispatcher, "_cache", None)
    if cache is None:
        return dispatcher
    load, save = cache.load_overload, cache.save_overload

    def safe(op, default):
        def wrapped(*args, **kwargs):
            try:
                return op(*args, **kwargs)
            except Exception as err:  # noqa: BLE001 (any unreadable cache entry)
                stats["disk_fallbacks"] += 1
                warnings.warn(f"numbax: kernel cache in {cache_dir()} is unusable ({err!r}); "
                              "compiling in memory instead", RuntimeWarning, stacklevel=2)
                return default
        return wrapped

    cache.load_overload = safe(load, None)
    cache.save_overload = safe(save, None)
    return dispatcher


def compile_in_memory(source: str):
    """Compile kernel source without the disk cache (its LLVM IR stays inspectable)."""
    namespace: dict = {}
    exec(compile(_HEADER + source, "<numbax kernel>", "exec"), namespace)  # noqa: S102
    return _jit(namespace["kernel"], cache=False)


def get_kernel(source: str):
    """The compiled kernel for this source (shared by every group with the same text)."""
    global _disk_ok
    key = hashlib.sha1(source.encode()).hexdigest()[:24]
    kernel = _memory.get(key)
    if kernel is not None:
        stats["memory_hits"] += 1
        return kernel
    stats["kernels_created"] += 1
    kernel = None
    if _disk_ok is not False:
        try:
            kernel = _from_file(key, source)
            _disk_ok = True
        except (OSError, ImportError, SyntaxError) as err:
            _disk_ok = False
            stats["disk_fallbacks"] += 1
            warnings.warn(f"numbax: kernel cache folder {cache_dir()} is unusable ({err}); "
                          "compiling in memory instead", RuntimeWarning, stacklevel=2)
    if kernel is None:
        kernel = compile_in_memory(source)
    _memory[key] = kernel
    return kernel
