"""Kernels split over Numba's thread pool: the same results as serial, in every layout, from
several threads, with any thread count, and the trial that decides whether to split."""
from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax.backends.numba import executable, parallel

RNG = np.random.default_rng(15)
X32 = RNG.uniform(0.5, 1.5, (301, 257)).astype(np.float32)
Y32 = RNG.uniform(0.5, 1.5, (301, 257)).astype(np.float32)
ROW = RNG.uniform(-1, 1, 257)
COL = RNG.uniform(-1, 1, (301, 1))
M = RNG.uniform(-1, 1, (301, 257))

# (name, function, arguments): one per kernel layout.
ELEMENTWISE = [
    ("flat", lambda x, y: xnp.tanh(x * y + 1.0), (X32, Y32)),
    ("rows", lambda m, r: xnp.exp(m * 0.5) + r, (M, ROW)),
    ("col", lambda m, c: xnp.sin(m) * c, (M, COL)),
    # A broadcast along the middle axis does not tile: nested loops over views.
    ("nd", lambda a, b: xnp.cos(a * b), (M.reshape(301, 1, 257), RNG.uniform(-1, 1, (3, 1)))),
]
REDUCTIONS = [
    ("sum", lambda m: xnp.sum(xnp.sin(m) * 1.03125), lambda m: np.sum(np.sin(m) * 1.03125)),
    ("max", lambda m: xnp.max(xnp.cos(m) * m), lambda m: np.max(np.cos(m) * m)),
    ("rows sum", lambda m: xnp.sum(xnp.exp(m * 0.25), axis=-1),
     lambda m: np.sum(np.exp(m * 0.25), axis=-1)),
    ("leading sum", lambda m: xnp.sum(xnp.tanh(m) + 1.0, axis=0),
     lambda m: np.sum(np.tanh(m) + 1.0, axis=0)),
]


def _run(fn, args, split: bool, monkeypatch, threads: int = 3):
    """fn's jit result with every group split over `threads` chunks, or all serial."""
    with monkeypatch.context() as m:
        m.setattr(executable, "NUM_THREADS", threads)
        m.setattr(executable, "ALWAYS_SPLIT", split)
        m.setattr(executable, "PARALLEL_THRESHOLD", 1 if split else 10 ** 15)
        f = nb.jit(fn)
        out = f(*args)
        runners = f.lower(*args).executable.runners
    assert runners and all(r.split == (split and r.extent > 1) for r in runners)
    return out


@pytest.mark.parametrize("name,fn,args", ELEMENTWISE, ids=[c[0] for c in ELEMENTWISE])
def test_split_elementwise_is_bit_identical_to_serial(name, fn, args, monkeypatch):
    # Three chunks of an odd extent: uneven cuts.
    np.testing.assert_array_equal(_run(fn, args, True, monkeypatch),
                                  _run(fn, args, False, monkeypatch))


@pytest.mark.parametrize("name,fn,ref", REDUCTIONS, ids=[c[0] for c in REDUCTIONS])
def test_split_reductions_match_numpy(name, fn, ref, monkeypatch):
    np.testing.assert_allclose(_run(fn, (M,), True, monkeypatch), ref(M), rtol=1e-12,
                               atol=1e-12)



@pytest.mark.parametrize("name,fn,ref", REDUCTIONS[:2] + REDUCTIONS[3:],
                         ids=[c[0] for c in REDUCTIONS[:2] + REDUCTIONS[3:]])
def test_a_reduction_gives_the_same_bits_whether_or_not_the_call_splits(name, fn, ref,
                                                                         monkeypatch):
    # A splittable group's first calls run serial (its trial times them): they must combine
    # the same partials in the same order as a split call, or results would depend on load.
    split = _run(fn, (M,), True, monkeypatch)
    with monkeypatch.context() as m:
        m.setattr(executable, "NUM_THREADS", 3)
        m.setattr(executable, "PARALLEL_THRESHOLD", 1)
        f = nb.jit(fn)
        serial = f(M)
        runners = f.lower(M).executable.runners
    assert all(r.trial is not None and not r.split for r in runners)
    np.testing.assert_array_equal(serial, split)

def test_libm_fallback_runs_per_chunk(monkeypatch):
    # Only the last chunk holds arguments beyond vecmath's range for sin.
    x = np.linspace(-3, 3, 3001)
    x[-50:] = np.linspace(1e7, 1e9, 50)
    np.testing.assert_allclose(_run(lambda a: xnp.sin(a) * 2.0, (x,), True, monkeypatch),
                               np.sin(x) * 2.0, rtol=1e-13, atol=1e-13)


def test_concurrent_split_calls_from_several_threads(monkeypatch):
    fn, args = ELEMENTWISE[0][1:]
    want = _run(fn, args, False, monkeypatch)
    monkeypatch.setattr(executable, "NUM_THREADS", 3)
    monkeypatch.setattr(executable, "ALWAYS_SPLIT", True)
    f = nb.jit(fn)
    errors: list = []

    def work():
        try:
            for _ in range(20):
                np.testing.assert_array_equal(f(*args), want)
        except Exception as err:  # noqa: BLE001 (reported by the main thread)
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    assert all(r.split for r in f.lower(*args).executable.runners)


@pytest.mark.parametrize("count", [1, 2])
def test_numbax_num_threads_limits_the_chunks(count):
    script = (
        "import numpy as np, numbax as nb, numbax.numpy as xnp\n"
        "from numbax.backends.numba import executable\n"
        "executable.ALWAYS_SPLIT = True\n"
        "x = np.linspace(0.5, 1.5, 40000, dtype=np.float32)\n"
        "f = nb.jit(lambda x, y: xnp.tanh(x * y + 1.0))\n"
        "got = f(x, x)\n"
        "np.testing.assert_allclose(got, np.tanh(x * x + 1), rtol=1e-6)\n"
        "print('PARTS', [r.parts for r in f.lower(x, x).executable.runners])\n")
    env = dict(os.environ, NUMBAX_NUM_THREADS=str(count))
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f"PARTS [{count}]" in proc.stdout


def test_a_refused_launch_runs_serial(monkeypatch):
    calls: list = []
    # A process forked after launching: GNU OpenMP's pool would not work there.
    monkeypatch.setattr(parallel, "_launched_by", os.getpid() + 1)
    assert not parallel.launch(lambda *a: calls.append(a), (), 1)
    # A layer that takes one launch at a time (workqueue), with a launch in flight.
    monkeypatch.setattr(parallel, "_launched_by", None)
    monkeypatch.setattr(parallel, "_concurrent_ok", False)
    with parallel._lock:
        assert not parallel.launch(lambda *a: calls.append(a), (), 1)
    assert not calls
    fn, args = ELEMENTWISE[0][1:]
    want = _run(fn, args, False, monkeypatch)
    monkeypatch.setattr(parallel, "_launched_by", os.getpid() + 1)
    np.testing.assert_array_equal(_run(fn, args, True, monkeypatch), want)


def _trial(monkeypatch, launch: float = 1e-6) -> parallel.SplitTrial:
    monkeypatch.setattr(parallel, "launch_cost", lambda: launch)
    return parallel.SplitTrial(threads=2)


def _feed(trial: parallel.SplitTrial, serial: float, split: float) -> list[bool]:
    ways = []
    for _ in range(2 * trial.SAMPLES + 2):
        way = trial.want_split()
        ways.append(way)
        trial.record(way, split if way else serial)
    return ways


def test_trial_keeps_split_when_it_is_faster(monkeypatch):
    trial = _trial(monkeypatch)
    ways = _feed(trial, serial=1e-3, split=0.6e-3)
    # Serial first (one untimed compiling call), then split.
    assert ways == [False] * (trial.SAMPLES + 1) + [True] * (trial.SAMPLES + 1)
    assert trial.decided is True and trial.want_split()


def test_trial_keeps_serial_when_split_is_not_clearly_faster(monkeypatch):
    trial = _trial(monkeypatch)
    _feed(trial, serial=1e-3, split=0.95e-3)
    assert trial.decided is False and not trial.want_split()


def test_trial_never_splits_a_loop_shorter_than_a_few_launches(monkeypatch):
    trial = _trial(monkeypatch, launch=1e-4)
    ways = _feed(trial, serial=2e-4, split=1e-5)
    assert trial.decided is False and not any(ways)


def test_split_calls_that_turn_slow_put_the_group_back_on_trial(monkeypatch):
    trial = _trial(monkeypatch)
    _feed(trial, serial=1e-3, split=0.5e-3)
    for _ in range(trial.STRIKES):
        trial.record(True, 5e-3)  # the machine got busy
    assert trial.decided is None and not trial.want_split()


def test_a_serial_group_is_tried_again_less_and_less_often(monkeypatch):
    trial = _trial(monkeypatch, launch=1e-4)
    trial.record(False, 1.0)  # the compiling call
    for retry in (trial.RETRY, 2 * trial.RETRY):
        for _ in range(trial.SAMPLES):
            trial.record(False, 2e-4)
        for _ in range(retry):
            assert trial.decided is False
            trial.record(False, 2e-4)
        assert trial.decided is None


def test_a_group_called_once_compiles_no_driver(monkeypatch):
    monkeypatch.setattr(executable, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(executable, "NUM_THREADS", 2)
    fn, args = ELEMENTWISE[0][1:]
    f = nb.jit(fn)
    f(*args)
    (runner,) = f.lower(*args).executable.runners
    assert runner.trial is not None and runner._driver is None and not runner.split


def test_trial_decides_on_real_calls(monkeypatch):
    monkeypatch.setattr(executable, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(executable, "NUM_THREADS", 2)
    monkeypatch.setattr(parallel, "launch_cost", lambda: 0.0)
    fn, args = ELEMENTWISE[0][1:]
    f = nb.jit(fn)
    want = _run(fn, args, False, monkeypatch)
    for _ in range(2 * parallel.SplitTrial.SAMPLES + 2):
        np.testing.assert_array_equal(f(*args), want)
    (runner,) = f.lower(*args).executable.runners
    # Which way wins depends on this machine and its load; that the trial ended does not.
    assert runner.trial.decided is not None and runner.split == runner.trial.decided
