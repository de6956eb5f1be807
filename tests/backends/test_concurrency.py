"""Many threads (and processes) calling jit at once: right results, each program traced and
each kernel created and compiled once, no shared state corrupted."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax.backends.numba import executable, kernels

THREADS = 8


@pytest.fixture
def busy_switching():
    """Switch threads every 10 us instead of every 5 ms, so that threads interleave inside
    the short windows between a cache miss and the store that fills it."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(old)


def run_together(work, n: int = THREADS) -> list:
    """work(i) in n threads released at the same moment; the exceptions they raised."""
    barrier = threading.Barrier(n)
    errors: list = []

    def body(i):
        try:
            barrier.wait()
            work(i)
        except BaseException as err:  # noqa: BLE001 (reported by the test)
            errors.append(err)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _compiles(kernel) -> dict:
    """Per signature, how often Numba compiled or loaded this kernel."""
    counts: dict = {}
    for table in (kernel.stats.cache_misses, kernel.stats.cache_hits):
        for sig, n in table.items():
            counts[sig] = counts.get(sig, 0) + n
    return counts


def test_eight_threads_on_mixed_shapes_trace_and_compile_each_signature_once(
        busy_switching, monkeypatch):
    # Constants no other test uses, so that every kernel here is new to the process.
    traces: list = []

    def fn(x, y):
        traces.append(x.shape)
        h = xnp.tanh(x * 0.8125) * y - 0.3125
        return xnp.sum(h, axis=-1), xnp.exp(x * 0.0625) + h

    def ref(x, y):
        h = np.tanh(x * x.dtype.type(0.8125)) * y - x.dtype.type(0.3125)
        return np.sum(h, axis=-1), np.exp(x * x.dtype.type(0.0625)) + h

    rng = np.random.default_rng(7)
    # (600, 500) is large enough for its groups to be split over the worker threads.
    shapes = [(3, 4), (7,), (2, 3, 5), (600, 500)]
    signatures = [(s, d) for s in shapes for d in (np.float64, np.float32)]
    inputs = {(s, d): (rng.uniform(-1, 1, s).astype(d), rng.uniform(-1, 1, s[-1:]).astype(d))
              for s, d in signatures}
    wants = {sig: ref(*args) for sig, args in inputs.items()}

    # Every group split over Numba's pool, launched from all threads at once.
    monkeypatch.setattr(executable, "ALWAYS_SPLIT", True)
    monkeypatch.setattr(executable, "NUM_THREADS", max(2, executable.NUM_THREADS))
    known = set(kernels._memory)
    created = kernels.stats["kernels_created"]
    f = nb.jit(fn)
    rounds = 3

    def work(i):
        order = signatures[i % len(signatures):] + signatures[:i % len(signatures)]
        for _ in range(rounds):
            for sig in order:
                got = f(*inputs[sig])
                for g, w in zip(got, wants[sig]):
                    assert g.dtype == w.dtype and g.shape == w.shape
                    tol = 1e-4 if w.dtype == np.float32 else 1e-10
                    np.testing.assert_allclose(g, w, rtol=tol, atol=tol)

    errors = run_together(work)
    assert not errors, errors[0]
    info = f.cache_info()
    assert len(traces) == len(signatures) == info["misses"] == info["size"]
    assert info["hits"] + info["misses"] == THREADS * rounds * len(signatures)
    new = [kernels._memory[k] for k in set(kernels._memory) - known]
    assert new, "the program made no kernels"
    assert kernels.stats["kernels_created"] - created == len(new)
    for kernel in new:
        assert all(n == 1 for n in _compiles(kernel).values()), _compiles(kernel)
    runners = [r for sig in signatures for r in f.lower(*inputs[sig]).executable.runners]
    assert all(r.split for r in runners if r.extent > 1)


def test_threads_differentiating_through_jit_share_derived_programs(busy_switching):
    inner = nb.jit(lambda w, x: xnp.tanh(x @ w) * 1.375)
    loss = lambda w, x: xnp.sum(inner(w, x) ** 2)  # noqa: E731
    jit_grad, eager_grad = nb.jit(nb.grad(loss)), nb.grad(loss)
    rng = np.random.default_rng(3)
    w = rng.standard_normal((4, 3))
    xs = [rng.standard_normal((n, 4)) for n in (2, 5)]

    def want(x):
        t = np.tanh(x @ w)
        return x.T @ (2 * (t * 1.375) * 1.375 * (1 - t * t))

    def work(i):
        for x in xs[i % 2:] + xs[:i % 2]:
            np.testing.assert_allclose(jit_grad(w, x), want(x), rtol=1e-10)
            np.testing.assert_allclose(eager_grad(w, x), want(x), rtol=1e-10)

    errors = run_together(work)
    assert not errors, errors[0]
    assert jit_grad.cache_info()["misses"] == len(xs)


def test_a_thread_tracing_does_not_capture_another_threads_eager_work():
    tracing, done = threading.Event(), threading.Event()

    def traced(x):
        tracing.set()
        assert done.wait(30)
        return x * 2.0

    result = {}

    def trace():
        result["jaxpr"] = nb.make_jaxpr(traced)(np.ones(3))

    t = threading.Thread(target=trace)
    t.start()
    try:
        assert tracing.wait(30)
        # While the other thread's trace is open, this thread's operations run eagerly.
        eager = xnp.sin(np.ones(3)) + 1.0
        jitted = nb.jit(lambda a: xnp.cos(a) * 3.0)(np.zeros(3))
    finally:
        done.set()
        t.join()
    assert type(eager) is np.ndarray
    np.testing.assert_allclose(eager, np.sin(1.0) + 1.0)
    np.testing.assert_allclose(jitted, 3.0)
    names = [e.primitive.name for e in result["jaxpr"].eqns]
    assert names == ["mul"], result["jaxpr"]


def test_concurrent_first_calls_of_a_widened_kernel_compile_it_once(busy_switching):
    # A float32 chain over a flat array: on AVX-512 hosts its kernel is compiled with a
    # forced vector width, set process-wide only around that one compilation.
    f = nb.jit(lambda a: xnp.exp(a * 0.4375) - a)
    x = np.linspace(-1, 1, 4096, dtype=np.float32)
    known = set(kernels._memory)
    errors = run_together(lambda i: np.testing.assert_allclose(
        f(x), np.exp(x * np.float32(0.4375)) - x, rtol=1e-5))
    assert not errors, errors[0]
    new = [kernels._memory[k] for k in set(kernels._memory) - known]
    assert new
    for kernel in new:
        assert len(kernel.overloads) == 1
        assert all(n == 1 for n in _compiles(kernel).values())


def test_two_processes_compiling_into_one_empty_cache_both_succeed(tmp_path):
    cache = tmp_path / "cache"
    script = textwrap.dedent("""
        import os, sys, time
        import numpy as np, numbax as nb, numbax.numpy as xnp
        from numbax.backends.numba import kernels
        open(sys.argv[1], "w").close()
        deadline = time.time() + 120
        while not os.path.exists(sys.argv[2]):
            assert time.time() < deadline, "never released"
            time.sleep(0.001)
        f = nb.jit(lambda a, b: (xnp.sum(xnp.sin(a) * b - 0.5625, axis=-1),
                                 xnp.exp(-a * 0.5625) * b))
        a, b = np.linspace(-1, 1, 60).reshape(6, 10), np.full(10, 0.5)
        s, e = f(a, b)
        assert np.allclose(s, np.sum(np.sin(a) * b - 0.5625, axis=-1), rtol=1e-12)
        assert np.allclose(e, np.exp(-a * 0.5625) * b, rtol=1e-12)
        hits = sum(sum(k.stats.cache_hits.values()) for k in kernels._memory.values())
        misses = sum(sum(k.stats.cache_misses.values()) for k in kernels._memory.values())
        print("HITS", hits, "MISSES", misses)
    """)
    env = dict(os.environ, NUMBAX_CACHE_DIR=str(cache))
    go = tmp_path / "go"

    def start(i):
        return subprocess.Popen([sys.executable, "-c", script, str(tmp_path / f"ready{i}"),
                                 str(go)], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    procs = [start(0), start(1)]
    try:
        deadline = time.time() + 120
        while not all((tmp_path / f"ready{i}").exists() for i in range(2)):
            assert time.time() < deadline and all(p.poll() is None for p in procs)
            time.sleep(0.01)
        go.touch()
        outs = [p.communicate(timeout=240) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert "Warning" not in err, err
    # What they left behind is a working cache: a third process compiles nothing.
    (tmp_path / "go").touch()
    proc = start(2)
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err
    _, hits, _, misses = [ln for ln in out.splitlines() if ln.startswith("HITS")][-1].split()
    assert int(hits) >= 1 and int(misses) == 0, out
