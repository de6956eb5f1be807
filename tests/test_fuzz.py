"""Differential fuzzing: random programs (tests/program_gen.py) run by every backend and
transformation must agree with NumPy, with finite differences, with each other and with
Python loops.

The default run tries a fixed number of derandomised examples per property (the same ones
on every run: deterministic in CI; about 30 s on two cores). The long run,
`pytest -m fuzz tests/test_fuzz.py`, draws NUMBAX_FUZZ_EXAMPLES examples *per property*
(default 2000; six properties, so 12000 in all) with a fresh random seed each run
(`--hypothesis-seed=N` repeats one). The properties that compile with Numba are the slow
ones: on the two-core development machine about 20 programs/s agree across backends and
5-7 programs/s for grad(jit(f)) (one compile of the derivative each), against 25-90/s for
vmap and 70-200/s for the eager derivative properties; the default long run takes about
ten minutes. A failure prints the program's source and arguments; it then becomes a
hand-written test in tests/test_fuzz_regressions.py.
"""
from __future__ import annotations

import functools
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from program_gen import (
    LAYOUTS,
    NP,
    XNP,
    Nudged,
    Program,
    assert_outputs_close,
    make_args,
    programs,
    reference,
    run_quiet,
)

import numbax as nb
import numbax.numpy as xnp
from numbax.backends.numba import executable

# nan and inf are part of the tests: NumPy's warnings about them are noise.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

_QUIET = dict(deadline=None, database=None, print_blob=False,
              suppress_health_check=list(HealthCheck))
LONG = settings(max_examples=int(os.environ.get("NUMBAX_FUZZ_EXAMPLES", "2000")), **_QUIET)


def ci(n: int):
    return settings(max_examples=n, derandomize=True, **_QUIET)


class Case:
    """A program with its arguments; its repr is a reproduction."""

    def __init__(self, program: Program, args: list, seed: int, **extra):
        self.program, self.args, self.seed = program, args, seed
        self.__dict__.update(extra)

    def __repr__(self) -> str:
        extras = {k: v for k, v in self.__dict__.items() if k not in ("program", "args", "seed")}
        # Every digit: a value printed to 8 digits is another value, and a failure that sits
        # on rounding noise (a kink, an overflow) does not reproduce from it.
        with np.printoptions(floatmode="unique", threshold=10**6):
            args = ", ".join(map(repr, self.args))
        return (f"{self.program!r}args = [{args}]\n"
                + "".join(f"{k} = {v!r}\n" for k, v in extras.items()))


@st.composite
def cases(draw, edges: bool | None = None, **kw):
    """A program and its arguments; with edges (the default for forward programs), half the
    programs leave out the domain guards and half the arguments hold edge values."""
    edges = not kw.get("grad") if edges is None else edges
    if edges:
        kw["safe"] = draw(st.booleans())
    program = draw(programs(**kw))
    seed = draw(st.integers(0, 2**32 - 1))
    edge = edges and draw(st.booleans())
    split = not kw.get("grad") and draw(st.booleans())
    libm = not kw.get("grad") and draw(st.integers(0, 3)) == 1
    layout = draw(st.sampled_from(LAYOUTS))
    return Case(program, make_args(program, seed, edge, layout=layout), seed, edge=edge,
                split=split, libm=libm, layout=layout)


# ---------------------------------------------------------------------------------------------
# jit on both backends, and eager numbax, against NumPy


def check_backends(case: Case) -> None:
    f = case.program.function(XNP)
    want, spread = reference(case.program.function(NP), case.args,
                             nudged=lambda seed: case.program.function(Nudged(NP, seed)))
    closed = nb.make_jaxpr(f)(*case.args)
    closed.check()
    close = functools.partial(assert_outputs_close, program=case.program)
    close(run_quiet(f, *case.args), want, spread, "eager numbax vs NumPy")
    for backend in ("interpreter", "numba"):
        # Compiled for other values of the same types first: the call that counts runs the
        # cached executable.
        jf = nb.jit(f, backend=backend)
        run_quiet(jf, *make_args(case.program, case.seed + 7))
        close(run_quiet(jf, *case.args), want, spread, f"jit(backend={backend!r}) vs NumPy")
    if case.libm:
        nb.config.update("fast_math", False)
        try:
            got = run_quiet(nb.jit(f), *case.args)
        finally:
            nb.config.update("fast_math", True)
        close(got, want, spread, "jit with fast_math off vs NumPy")
    if case.split:
        # Every kernel split over threads, however small: the chunking code sees tiny and
        # uneven extents.
        executable.ALWAYS_SPLIT = True
        try:
            got = run_quiet(nb.jit(f), *case.args)
        finally:
            executable.ALWAYS_SPLIT = False
        close(got, want, spread, "jit, kernels split over threads, vs NumPy")


@ci(60)
@given(cases())
def test_backends_agree_with_numpy(case):
    check_backends(case)


@pytest.mark.fuzz
@LONG
@given(cases())
def test_backends_agree_with_numpy_long(case):
    check_backends(case)


# ---------------------------------------------------------------------------------------------
# jvp against central finite differences (float64, guarded domains)


def _inner(xs, ys) -> float:
    return float(sum(np.sum(np.asarray(x, np.float64) * np.asarray(y, np.float64))
                     for x, y in zip(xs, ys)))


def _probe(fn, args, tangents, h):
    """fn's outputs (as float64) at args + h * tangents."""
    outs = run_quiet(fn, *[a + h * t for a, t in zip(args, tangents)])
    return [np.asarray(o, np.float64) for o in outs]


def check_jvp_finite_differences(case: Case) -> None:
    f, f_np = case.program.function(XNP), case.program.function(NP)
    rng = np.random.default_rng(case.seed + 1)
    tangents = [rng.standard_normal(a.shape) for a in case.args]
    out, jv = nb.jvp(f, tuple(case.args), tuple(tangents))
    want = run_quiet(f_np, *case.args)
    if not all(np.all(np.isfinite(w)) for w in want):
        return  # a guarded program overflowed: nothing smooth to compare
    eps = 1e-5
    at = {h: _probe(f_np, case.args, tangents, h) for h in (eps, -eps, eps / 2, -eps / 2)}
    for i, (t, w, o) in enumerate(zip(jv, want, out)):
        t, w = np.asarray(t), np.asarray(w, np.float64)
        assert t.shape == np.shape(o) and t.dtype == np.asarray(o).dtype, (
            f"tangent output {i}: {t.dtype}{list(t.shape)}, primal {np.asarray(o).dtype}"
            f"{list(np.shape(o))}")
        a, b = ((at[h][i] - at[-h][i]) / (2 * h) for h in (eps, eps / 2))
        # Central differences err by O(eps^2); their change when eps halves bounds that error
        # (and is large across a kink, where no comparison is meaningful).
        tol = 1e-6 * (1 + np.abs(b)) + 10 * np.abs(a - b)
        # A step at the point itself, which both differences straddle alike: f there is off
        # the midpoint of its neighbours by a constant, not by O(eps^2) (a floor or a % of a
        # value that is rounding noise around 0, whose sign differs between the points). The
        # derivative is undefined there.
        off, off_half = (np.abs(w - (at[h][i] + at[-h][i]) / 2) for h in (eps, eps / 2))
        step = off_half > 1e-8 * (1 + np.abs(w)) + 10 * np.abs(off - off_half)
        bad = ~(np.abs(t - b) <= tol) & ~step
        assert not bad.any(), (f"jvp output {i} vs finite differences:\n jvp: {t!r}\n  fd: {b!r}"
                               f"\n tangents: {tangents!r}")


@ci(150)
@given(cases(grad=True, reverse=False, f64_only=True))
def test_jvp_matches_finite_differences(case):
    check_jvp_finite_differences(case)


@pytest.mark.fuzz
@LONG
@given(cases(grad=True, reverse=False, f64_only=True))
def test_jvp_matches_finite_differences_long(case):
    check_jvp_finite_differences(case)


# ---------------------------------------------------------------------------------------------
# vjp is the transpose of jvp: <u, J v> == <J^T u, v>

_ADJOINT_RTOL = {np.dtype(np.float32): 1e-3, np.dtype(np.float64): 1e-9}


def check_vjp_is_transposed_jvp(case: Case) -> None:
    f = case.program.function(XNP)
    rng = np.random.default_rng(case.seed + 2)
    v = [rng.standard_normal(a.shape).astype(a.dtype) for a in case.args]
    out, jv = nb.jvp(f, tuple(case.args), tuple(v))
    if not all(np.all(np.isfinite(o)) for o in out):
        return
    u = tuple(rng.standard_normal(np.shape(o)).astype(np.asarray(o).dtype) for o in out)
    out2, f_vjp = nb.vjp(f, *case.args)
    ct = f_vjp(u)
    for i, (c, a) in enumerate(zip(ct, case.args)):
        assert np.shape(c) == a.shape and np.asarray(c).dtype == a.dtype, (
            f"cotangent {i}: {np.asarray(c).dtype}{list(np.shape(c))} for argument "
            f"{a.dtype}{list(a.shape)}")
    lhs, rhs = _inner(u, jv), _inner(ct, v)
    scale = _inner([np.abs(x) for x in u], [np.abs(x) for x in jv]) + \
        _inner([np.abs(x) for x in ct], [np.abs(x) for x in v])
    # Terms that cancel inside J (x.astype(float32) - x) leave rounding noise the term
    # magnitudes above do not see: a floor in terms of |u| |v| covers it.
    norms = np.sqrt(_inner(u, u) * _inner(v, v))
    rtol = max(_ADJOINT_RTOL[d] for d in case.program.dtypes if d.kind == "f")
    assert abs(lhs - rhs) <= rtol * (scale + 1e-2 * norms) + 1e-300, (
        f"<u, J v> = {lhs!r} but <J^T u, v> = {rhs!r}\n J v = {jv!r}\n J^T u = {ct!r}")


@ci(150)
@given(cases(grad=True))
def test_vjp_is_transposed_jvp(case):
    check_vjp_is_transposed_jvp(case)


@pytest.mark.fuzz
@LONG
@given(cases(grad=True))
def test_vjp_is_transposed_jvp_long(case):
    check_vjp_is_transposed_jvp(case)


# ---------------------------------------------------------------------------------------------
# vmap against a Python loop


@st.composite
def batched_cases(draw):
    program = draw(programs())
    axes = [draw(st.none() | st.integers(-len(a.shape) - 1, len(a.shape))) for a in program.args]
    if all(a is None for a in axes):
        axes[0] = 0
    size = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    edge = draw(st.booleans())
    layout = draw(st.sampled_from(LAYOUTS))
    return Case(program, make_args(program, seed, edge, size, axes, layout), seed,
                in_axes=tuple(axes), size=size, jit=draw(st.integers(0, 3)) == 1, layout=layout)


def _loop(f, in_axes, size):
    def looped(*args):
        rows = [f(*[a if ax is None else np.asarray(np.take(a, i, axis=ax))
                    for a, ax in zip(args, in_axes)])
                for i in range(size)]
        return [np.stack([np.asarray(r[k]) for r in rows]) for k in range(len(rows[0]))]
    return looped


def check_vmap(case: Case) -> None:
    f = case.program.function(XNP)
    want, spread = reference(_loop(f, case.in_axes, case.size), case.args)
    got = run_quiet(nb.vmap(f, in_axes=case.in_axes), *case.args)
    assert_outputs_close(got, want, spread, "vmap vs a loop", program=case.program)
    if case.jit:
        got = run_quiet(nb.jit(nb.vmap(f, in_axes=case.in_axes)), *case.args)
        assert_outputs_close(got, want, spread, "jit(vmap) vs a loop", program=case.program)


@ci(100)
@given(batched_cases())
def test_vmap_matches_loop(case):
    check_vmap(case)


@pytest.mark.fuzz
@LONG
@given(batched_cases())
def test_vmap_matches_loop_long(case):
    check_vmap(case)


# ---------------------------------------------------------------------------------------------
# grad(jit(f)) == grad(f), for f summed against fixed weights into a scalar


def _weighted_loss(f, weights):
    def loss(*args):
        return sum(xnp.sum(o * w) for o, w in zip(f(*args), weights))
    return loss


def check_grad_jit(case: Case) -> None:
    # With edge values and unguarded domains too: nan, inf and signed zeros in the gradient
    # must come out of the compiled derivative exactly where they come out of the eager one.
    f = case.program.function(XNP)
    outs = run_quiet(f, *case.args)
    rng = np.random.default_rng(case.seed + 3)
    weights = [rng.standard_normal(np.shape(o)).astype(np.asarray(o).dtype) for o in outs]
    loss = _weighted_loss(f, weights)
    argnums = tuple(range(len(case.args)))
    want, spread = reference(nb.grad(loss, argnums), case.args)
    got = run_quiet(nb.grad(nb.jit(loss), argnums), *case.args)
    assert_outputs_close(got, want, spread, "grad(jit(f)) vs grad(f)", program=case.program)


@ci(40)
@given(cases(grad=True, edges=True))
def test_grad_jit_matches_grad(case):
    check_grad_jit(case)


@pytest.mark.fuzz
@LONG
@given(cases(grad=True, edges=True))
def test_grad_jit_matches_grad_long(case):
    check_grad_jit(case)


# ---------------------------------------------------------------------------------------------
# jacfwd == jacrev: batched jvp rules against batched transposition rules


def check_jacobians(case: Case) -> None:
    f = case.program.function(XNP)
    sizes = [a.size for a in case.args] + [v.size for v in case.program.outputs]
    assume(sum(sizes) <= 100)
    argnums = tuple(range(len(case.args)))

    def flat(jacobian):
        return lambda *args: [block for row in jacobian(f, argnums)(*args) for block in row]

    want, spread = reference(flat(nb.jacrev), case.args)
    got = run_quiet(flat(nb.jacfwd), *case.args)
    # Like JAX, jacfwd gives blocks the output's dtype and jacrev the argument's.
    assert_outputs_close(got, want, spread, "jacfwd vs jacrev", same_dtype=False, program=case.program)


@ci(60)
@given(cases(grad=True))
def test_jacfwd_matches_jacrev(case):
    check_jacobians(case)


@pytest.mark.fuzz
@LONG
@given(cases(grad=True))
def test_jacfwd_matches_jacrev_long(case):
    check_jacobians(case)
