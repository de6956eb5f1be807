"""Compile kernel source with Numba, cached in memory by source text and on disk.

On disk, each kernel's source is written once to `<cache dir>/k_<hash>.py` and imported from
there, so Numba's own cache (cache=True) can index it by file: a new process that runs a
program it has seen loads machine code instead of compiling. The cache folder is
$NUMBAX_CACHE_DIR, or ~/.cache/numbax. An unusable cache folder falls back to compiling in
memory with one warning per folder; a damaged entry is compiled again and rewritten; a folder
deleted meanwhile is made again. Processes may share the folder, threads the kernels.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import re
import sys
import tempfile
import threading
import warnings
from pathlib import Path

import numba
import numpy as np

from ...core.sync import Once
from . import vecmath


def _header() -> str:
    # The hash of the code kernels inline (vecmath, the special functions it calls, the
    # reduction helpers) makes kernels built on an older version miss the cache.
    here = Path(vecmath.__file__)
    files = [here, Path(vecmath.special.__file__), Path(vecmath.special.integrals.__file__)]
    files += [here.with_name(f"{name}.py")
              for name in ("special_vecmath", "vecmath32", "reduce_blocks")]
    source = b"".join(f.read_bytes() for f in files)
    return (f"# numbax kernel; vecmath {hashlib.sha1(source).hexdigest()[:12]}\n"
            "import numpy as np\n\nfrom numbax.backends.numba import reduce_blocks as rb\n"
            "from numbax.backends.numba import vecmath as vm\n\n\n")


_HEADER = _header()
_memory: dict[str, object] = {}
stats = {"memory_hits": 0, "kernels_created": 0, "disk_fallbacks": 0}
_stats_lock = threading.Lock()
_disk_ok: bool | None = None
_once = Once()
# Cache folders already warned about: a broken cache is one warning, not one per kernel.
_warned: set[str] = set()


def _count(name: str) -> None:
    with _stats_lock:
        stats[name] += 1


def _warn_unusable(detail: str) -> None:
    """Count a fallback from the disk cache, warning once per cache folder and process."""
    _count("disk_fallbacks")
    folder = str(cache_dir())
    with _stats_lock:
        if folder in _warned:
            return
        _warned.add(folder)
    warnings.warn(f"numbax: kernel cache folder {folder} is unusable ({detail}); compiling "
                  "in memory instead", RuntimeWarning, stacklevel=3)


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

    The width is a process-wide LLVM option, so it is set only around that compilation, and
    under Numba's compiler lock: no other thread compiles anything (another kernel, the
    user's own Numba code) while it is set, and two threads calling at once compile once.
    """

    def __init__(self, kernel, width: int, on_compiled):
        self.kernel, self.width, self.on_compiled = kernel, width, on_compiled
        self._compiled = False

    def __call__(self, *args):
        if not self._compiled:
            self._compile(args)
        return self.kernel(*args)

    def _compile(self, args) -> None:
        import llvmlite.binding as llvm
        from numba.core.compiler_lock import global_compiler_lock
        with global_compiler_lock:
            if not self._compiled:
                # The signature the dispatcher itself would derive from these arguments, so
                # that the call that follows finds this compilation.
                sig = tuple(self.kernel.typeof_pyval(a) for a in args)
                llvm.set_option("numbax", f"-force-vector-width={self.width}")
                try:
                    with quiet_llvm():
                        self.kernel.compile(sig)
                finally:
                    llvm.set_option("numbax", "-force-vector-width=0")
                self._compiled = True
        self.on_compiled(self.kernel)


# What LLVM prints about loops it did not transform. A forced vector width makes the loop
# vectoriser report every loop it cannot vectorise (a NaN-propagating max, say) as a remark
# that bypasses the -pass-remarks filters, and llvmlite offers no diagnostic handler to
# catch it, so it would reach the user's stderr on every first call of such a kernel.
_LLVM_NOISE = re.compile(rb"^(remark: |warning: .*: loop not (vectorized|interleaved|unrolled))")


@contextlib.contextmanager
def quiet_llvm():
    """Drop LLVM's optimisation remarks from file descriptor 2 while the block runs.

    LLVM writes them straight to the descriptor, past sys.stderr, so the descriptor itself is
    pointed at a temporary file; afterwards every other line (anything another thread printed
    meanwhile) is passed on to the real stderr. Callers hold Numba's compiler lock, so no two
    blocks overlap. Without a stderr or a temporary file the block runs as it is.
    """
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.flush()
    with contextlib.ExitStack() as stack:
        try:
            capture = stack.enter_context(tempfile.TemporaryFile())
            saved = os.dup(2)
        except OSError:
            capture = None
        if capture is None:
            yield
            return
        try:
            os.dup2(capture.fileno(), 2)
            yield
        finally:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = b"".join(line for line in capture.read().splitlines(keepends=True)
                            if not _LLVM_NOISE.match(line))
            if kept:
                os.write(2, kept)


def cache_dir() -> Path:
    env = os.environ.get("NUMBAX_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "numbax"


def _jit(fn, cache: bool, parallel: bool = False):
    # error_model="numpy": 1/0 gives inf as in NumPy instead of raising ZeroDivisionError.
    return numba.njit(nogil=True, cache=cache, error_model="numpy", parallel=parallel)(fn)


def _from_file(key: str, source: str, links: dict | None = None, parallel: bool = False):
    folder = cache_dir() / f"numba-{numba.__version__}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"k_{key}.py"
    text = (_HEADER + source).encode()
    if not path.exists() or path.read_bytes() != text:
        # Written under a temporary name and linked into place, so no process ever imports
        # half a file. When another process links the same file first, its copy is kept:
        # replacing it would change the time stamp that Numba's cache index records, and
        # make that process's freshly saved machine code look stale to the next one.
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(text)
            try:
                os.link(tmp, path)
            except FileExistsError:
                if path.read_bytes() != text:
                    os.replace(tmp, path)
            except OSError:  # a file system without hard links
                os.replace(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    name = f"numbax_kernel_{key}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    # Registered by name: Numba's disk cache re-imports the kernel's module when loading.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    vars(module).update(links or {})
    return _guard_disk_cache(_jit(module.kernel, cache=True, parallel=parallel))


def _guard_disk_cache(dispatcher):
    """A corrupt cache file (truncated index, bad pickle) or a folder deleted or made
    unwritable meanwhile surfaces only when Numba loads or saves an overload at the first
    call; treat it as a miss and compile in memory."""
    cache = getattr(dispatcher, "_cache", None)
    if cache is None:
        return dispatcher
    load, save = cache.load_overload, cache.save_overload

    def safe_load(*args, **kwargs):
        try:
            return load(*args, **kwargs)
        except Exception as err:  # noqa: BLE001 (any unreadable cache entry)
            _warn_unusable(repr(err))
            # Numba reads the index again before saving the compiled kernel, and would fail
            # again; without it the save writes a fresh index, which the next process can read.
            index = getattr(getattr(cache, "_cache_file", None), "_index_path", None)
            if index is not None:
                with contextlib.suppress(OSError):
                    os.remove(index)
            return None

    def safe_save(*args, **kwargs):
        try:
            save(*args, **kwargs)
        except Exception as err:  # noqa: BLE001 (an unwritable folder, a full disk)
            _warn_unusable(repr(err))

    cache.load_overload = safe_load
    cache.save_overload = safe_save
    return dispatcher


def compile_in_memory(source: str, links: dict | None = None, parallel: bool = False):
    """Compile kernel source without the disk cache (its LLVM IR stays inspectable)."""
    namespace: dict = {}
    exec(compile(_HEADER + source, "<numbax kernel>", "exec"), namespace)  # noqa: S102
    namespace.update(links or {})
    return _jit(namespace["kernel"], cache=False, parallel=parallel)


def clear_memory() -> None:
    """Forget the compiled kernels held in memory (the disk cache stays)."""
    _memory.clear()


def get_kernel(source: str, links: dict | None = None, parallel: bool = False):
    """The compiled kernel for this source (shared by every group with the same text).

    Threads asking for the same source at once get one kernel, created once. `links` are
    globals the source uses but does not define (compiled functions it calls), so the source
    must name them (a comment will do) for the text to stay the key; `parallel` compiles
    with Numba's parallel=True."""
    key = hashlib.sha1(source.encode()).hexdigest()[:24]
    kernel, created = _once.get(_memory, key, lambda: _create(key, source, links, parallel))
    _count("kernels_created" if created else "memory_hits")
    return kernel


def _create(key: str, source: str, links: dict | None, parallel: bool):
    global _disk_ok
    if _disk_ok is not False:
        try:
            kernel = _from_file(key, source, links, parallel)
            _disk_ok = True
            return kernel
        except Exception as err:  # noqa: BLE001 (whatever makes the folder unusable)
            _disk_ok = False
            _warn_unusable(str(err))
    return compile_in_memory(source, links, parallel)
