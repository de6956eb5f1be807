"""Resources: memory stays flat over many calls, a damaged disk cache is recovered from with
one warning, LLVM's remarks stay off stderr, and the worker thread count follows the CPUs
the process may use."""
from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import textwrap
import tracemalloc
import warnings
from functools import partial

import numpy as np
import pytest

import numbax as nb
import numbax.lax as lax
import numbax.numpy as xnp
from numbax.backends.numba import executable, kernels

# ----- memory -----


def _traced_growth(call, calls: int, warmup: int = 50) -> int:
    """Bytes of Python and NumPy allocations (tracemalloc) still alive after `calls` more
    calls than at the start, once caches are warm."""
    for _ in range(warmup):
        call()
    gc.collect()
    tracemalloc.start()
    try:
        call()
        gc.collect()
        before = tracemalloc.take_snapshot()
        for _ in range(calls):
            call()
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    return sum(d.size_diff for d in after.compare_to(before, "filename"))


def _memory_cases():
    rng = np.random.default_rng(0)
    x, y, w = rng.standard_normal((16, 16)), rng.standard_normal((16, 16)), rng.standard_normal(16)
    inner = nb.jit(lambda a: xnp.sin(a) * a + 0.15625)
    loop = lambda v: lax.fori_loop(0, 3, lambda i, c: xnp.cos(c) + v, v)  # noqa: E731
    return {
        "fast_path": partial(nb.jit(lambda a, b: xnp.tanh(a * b) + a), x, y),
        "reduction": partial(nb.jit(lambda a: xnp.max(xnp.exp(a) - 1.0, axis=0)), x),
        "pytree_kwargs": partial(nb.jit(lambda p, *, s: {"o": xnp.sum(p[0] @ p[1]) * s}),
                                 (x, w), s=2.0),
        "jit_of_grad": partial(nb.jit(nb.grad(lambda v, a: xnp.sum(xnp.tanh(a @ v) ** 2))),
                               w, x),
        "fori_loop": partial(nb.jit(loop), w),
        # Traces anew each call: derived programs and their executables must die with it.
        "grad_through_jit": partial(nb.grad(lambda a: xnp.sum(inner(a))), x),
    }


# A call that keeps even one small object alive leaks 50+ bytes a call: 150 KB over 3000.
@pytest.mark.parametrize("case", ["fast_path", "reduction", "pytree_kwargs", "jit_of_grad",
                                  "fori_loop"])
def test_cached_calls_keep_memory_flat(case):
    growth = _traced_growth(_memory_cases()[case], 3000)
    assert growth < 64 * 1024, f"{growth} bytes still allocated after 3000 calls"


def test_retracing_calls_free_their_programs():
    # Each call makes two derived programs and compiles them (about 25 KB); a cache that
    # keeps them would grow by megabytes here, while warm caches settle at tens of KB.
    growth = _traced_growth(_memory_cases()["grad_through_jit"], 60, warmup=30)
    assert growth < 512 * 1024, f"{growth} bytes still allocated after 60 calls"


# ----- disk cache -----


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """A cache folder for this test alone, with no kernel in memory and no warning given."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("NUMBAX_CACHE_DIR", str(folder))
    monkeypatch.setattr(kernels, "_disk_ok", None)
    monkeypatch.setattr(kernels, "_memory", {})
    monkeypatch.setattr(kernels, "_warned", set())
    return folder


def _two_kernels(c: float):
    """A jit function whose program makes two kernels (a dot separates two groups)."""
    w = np.linspace(-1, 1, 20).reshape(5, 4)

    def f(a):
        return xnp.exp(xnp.tanh(a * c) @ w) * c

    def ref(a):
        return np.exp(np.tanh(a * c) @ w) * c

    return f, ref, np.linspace(-2, 2, 15).reshape(3, 5)


def _cache_warnings(record) -> list:
    return [w for w in record if "numbax: kernel cache" in str(w.message)]


def _stamps(folder):
    return sorted(p.name for p in folder.rglob("*") if p.suffix in (".py", ".nbi", ".nbc"))


def test_cache_folder_deleted_between_calls_is_made_again(own_cache):
    f, ref, x = _two_kernels(0.71875)
    jf = nb.jit(f)
    np.testing.assert_allclose(jf(x), ref(x), rtol=1e-12)
    g, gref, _ = _two_kernels(0.34375)
    jg = nb.jit(g)
    jg.lower(x)  # its kernels exist now but compile at the first call
    shutil.rmtree(own_cache)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        np.testing.assert_allclose(jg(x), gref(x), rtol=1e-12)
        h, href, _ = _two_kernels(0.59375)
        np.testing.assert_allclose(nb.jit(h)(x), href(x), rtol=1e-12)
    assert not _cache_warnings(record)
    names = _stamps(own_cache)
    assert sum(n.endswith(".nbi") for n in names) == 4, names  # g's and h's kernels, saved


@pytest.mark.parametrize("damaged", [".nbi", ".nbc", ".nbi .nbc"])
def test_truncated_cache_files_give_one_warning_and_are_repaired(own_cache, damaged):
    f, ref, x = _two_kernels(0.28125)
    np.testing.assert_allclose(nb.jit(f)(x), ref(x), rtol=1e-12)
    files = [p for p in own_cache.rglob("*") if p.suffix in damaged.split()]
    assert len(files) >= 2
    for p in files:
        p.write_bytes(p.read_bytes()[:p.stat().st_size // 2])
    kernels._memory.clear()  # as a new process would, load the kernels from disk
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        np.testing.assert_allclose(nb.jit(f)(x), ref(x), rtol=1e-12)
    assert len(_cache_warnings(record)) == 1, [str(w.message) for w in record]
    # The damaged entries were replaced: the next load finds machine code.
    kernels._memory.clear()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        np.testing.assert_allclose(nb.jit(f)(x), ref(x), rtol=1e-12)
    assert not _cache_warnings(record)
    loaded = list(kernels._memory.values())
    assert len(loaded) == 2
    assert all(sum(k.stats.cache_hits.values()) == 1 for k in loaded)
    assert all(not k.stats.cache_misses for k in loaded)


@pytest.mark.parametrize("how", ["read_only", "under_a_file"])
def test_unwritable_cache_folder_gives_one_warning(own_cache, how):
    if how == "read_only":
        own_cache.mkdir()
        own_cache.chmod(0o555)
        probe = own_cache / "probe"
        try:
            probe.write_text("")
        except OSError:
            pass
        else:
            own_cache.chmod(0o755)
            pytest.skip("this user (root) can write to a read-only folder")
    else:
        own_cache.write_text("a file where the cache folder's parent should be")
        os.environ["NUMBAX_CACHE_DIR"] = str(own_cache / "numbax")  # restored by monkeypatch
    try:
        f, ref, x = _two_kernels(0.46875)
        g, gref, _ = _two_kernels(0.90625)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            np.testing.assert_allclose(nb.jit(f)(x), ref(x), rtol=1e-12)
            np.testing.assert_allclose(nb.jit(g)(x), gref(x), rtol=1e-12)
        assert len(kernels._memory) == 4
        assert len(_cache_warnings(record)) == 1, [str(w.message) for w in record]
    finally:
        if own_cache.is_dir():
            own_cache.chmod(0o755)


# ----- stderr -----


def test_llvm_remarks_do_not_reach_stderr(tmp_path):
    # A NaN-propagating max does not vectorise; with the vector width forced (AVX-512 hosts)
    # LLVM reports that on stderr unless numbax keeps it there.
    script = textwrap.dedent("""
        import numpy as np, numbax as nb, numbax.numpy as xnp
        x = np.linspace(-1, 1, 1 << 19)
        print(nb.jit(lambda a: xnp.max(a * 3.0))(x))
        print(nb.jit(lambda a: xnp.min(xnp.sin(a) * 2.0, axis=-1))(x.reshape(512, -1)).shape)
        print(nb.jit(lambda a: xnp.max(a * 3.0, axis=0))(x.astype(np.float32).reshape(-1, 8)))
        import sys; print("still here", file=sys.stderr)
    """)
    env = dict(os.environ, NUMBAX_CACHE_DIR=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "remark" not in proc.stderr and "not vectorized" not in proc.stderr, proc.stderr
    assert "still here" in proc.stderr


def test_quiet_llvm_passes_other_output_on(capfd):
    with kernels.quiet_llvm():
        os.write(2, b"remark: <unknown>:0:0: loop not vectorized: because\nkeep this line\n")
    err = capfd.readouterr().err
    assert "keep this line" in err
    assert "remark" not in err


# ----- threads -----


def test_num_threads_setting(monkeypatch):
    monkeypatch.setenv("NUMBAX_NUM_THREADS", "3")
    assert executable._num_threads() == 3
    monkeypatch.delenv("NUMBAX_NUM_THREADS")
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        os.cpu_count()
    assert executable._num_threads() == available
    monkeypatch.setenv("NUMBAX_NUM_THREADS", "zero")
    with pytest.warns(RuntimeWarning, match="NUMBAX_NUM_THREADS"):
        assert executable._num_threads() == available


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity here")
def test_thread_count_follows_the_cpus_the_process_may_use():
    script = ("import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
              "from numbax.backends.numba import executable; print(executable.NUM_THREADS)")
    env = {k: v for k, v in os.environ.items() if k != "NUMBAX_NUM_THREADS"}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-1] == "1"


def test_loops_split_over_more_than_two_threads(monkeypatch):
    # Five threads whatever this machine has: the split itself is under test, not speed.
    monkeypatch.setattr(executable, "NUM_THREADS", 5)
    monkeypatch.setattr(executable, "ALWAYS_SPLIT", True)
    x = np.linspace(-1, 3, 1 << 20)
    m = x.reshape(1024, 1024)
    cases = [
        (lambda a: xnp.sum(xnp.sin(a) * 1.03125), lambda a: np.sum(np.sin(a) * 1.03125), x),
        (lambda a: xnp.max(xnp.cos(a) * a), lambda a: np.max(np.cos(a) * a), x),
        (lambda a: xnp.sum(xnp.exp(a * 0.03125), axis=-1),
         lambda a: np.sum(np.exp(a * 0.03125), axis=-1), m),
        (lambda a: xnp.tanh(a * 1.15625) + a[0], lambda a: np.tanh(a * 1.15625) + a[0], m),
    ]
    for fn, ref, arg in cases:
        f = nb.jit(fn)
        np.testing.assert_allclose(f(arg), ref(arg), rtol=1e-10, atol=1e-12)
        parts = [r.parts for r in f.lower(arg).executable.runners]
        assert max(parts) > 2, parts
