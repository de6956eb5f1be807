"""Bugs found by the differential fuzzer (tests/test_fuzz.py), each reduced to the program that
showed it. The comment on each test names the bug and where it was fixed."""
from __future__ import annotations

import functools

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax import lax, nn

# The programs compute nan and inf on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def test_empty_list_index_is_an_integer_index():
    # a1[[]] raised "array index must have an integer dtype, got float64": np.asarray([]) is
    # float64, but NumPy reads an empty list index as an integer one.
    # Fixed in numbax/numpy/indexing.py (_normalize_array_index).
    x = np.array([[1.0, 2.0, 3.0]])
    for f in (lambda a: a[[]], lambda a: a[:, []], lambda a: a[0, []]):
        want = f(x)
        np.testing.assert_array_equal(f(xnp.asarray(x)), want)
        got = nb.jit(f, backend="interpreter")(x)
        assert got.shape == want.shape and got.dtype == want.dtype


def test_ndarray_and_tracer_operators():
    # `v5 & v1` with v5 a NumPy bool array (computed from an unbatched argument) and v1 a
    # tracer raised TypeError: the tracer had __and__ and __or__ but no reflected __rand__
    # and __ror__, which NumPy defers to. Fixed in numbax/numpy/methods.py
    # (_install_tracer_methods).
    mask = np.array([True, False, True])

    def f(x):
        return xnp.where(mask & (x > 0), x, 0.0) + xnp.where(mask | (x > 0), x, 1.0)

    x = np.array([[1.0, -2.0, 3.0], [-1.0, 2.0, -3.0]])
    want = np.stack([np.where(mask & (r > 0), r, 0.0) + np.where(mask | (r > 0), r, 1.0)
                     for r in x])
    np.testing.assert_array_equal(nb.vmap(f)(x), want)
    np.testing.assert_array_equal(nb.jit(f, backend="interpreter")(x[0]), want[0])


def test_logsumexp_and_softmax_of_empty_arrays():
    # m.logsumexp(v, axis=None) of an f64[1,0] value raised "zero-size array to reduction
    # operation maximum which has no identity": the max used as a shift has nothing to take
    # the max of. log(sum(exp([]))) is -inf. Fixed in numbax/nn.py (_shifted).
    assert nn.logsumexp(np.zeros((1, 0))) == -np.inf
    np.testing.assert_array_equal(nn.logsumexp(np.zeros((2, 0)), axis=1), [-np.inf, -np.inf])
    assert nn.logsumexp(np.zeros((0, 2)), axis=1).shape == (0,)
    assert nn.softmax(np.zeros((2, 0))).shape == (2, 0)
    assert nb.jit(nn.logsumexp)(np.zeros((1, 0), np.float32)) == -np.inf


def test_jit_closing_over_a_tracer_with_concrete_arguments():
    # Under vmap (or grad), a jitted function called with concrete arguments but closing over
    # a traced value ran its executable on that tracer ("operand 'BatchTracer' does not
    # support ufuncs"), and a signature seen before outside the transformation would have
    # run with the stale constant. Inside a transformation the call is now always a jit
    # equation. Fixed in numbax/jit.py (jit.__call__).
    y = np.array([[-0.13]], np.float32)

    def f(x, y):
        return nb.jit(lambda v: xnp.log1p(y) + v + x, backend="interpreter")(xnp.sin(y))

    x = np.array([[[1.0]], [[2.0]]], np.float32)
    want = np.log1p(y) + np.sin(y) + x
    np.testing.assert_allclose(nb.vmap(f, in_axes=(0, None))(x, y), want, rtol=1e-6)

    def g(x):
        return nb.jit(lambda c: xnp.sin(x) * c)(2.0)

    np.testing.assert_allclose(nb.grad(g)(1.0), 2 * np.cos(1.0), rtol=1e-12)
    # A signature first compiled outside any transformation does not serve a later call
    # inside one with the constant it baked in.
    closure = {"k": np.float64(3.0)}
    scale = nb.jit(lambda c: c * closure["k"])
    assert scale(2.0) == 6.0

    def h(t):
        closure["k"] = t
        return scale(2.0)

    assert nb.grad(h)(1.0) == 2.0


def test_jacfwd_through_checkpoint_and_cond_keeps_the_output_shape():
    # jacfwd of checkpoint(log1p(v * v + 0.25))(sin(a0)) at a scalar a0 had shape (1,), not
    # (): jacfwd took the output shapes from its batched primal outputs, which checkpoint's
    # (and cond's) batching rule maps along with the tangents. Fixed in numbax/api.py
    # (_jacobian).
    x = np.array(0.125)

    def f(a):
        return nb.checkpoint(lambda v: xnp.log1p(v * v + 0.25))(xnp.sin(a))

    want = 2 * np.sin(x) * np.cos(x) / (1 + np.sin(x) ** 2 + 0.25)
    for jac in (nb.jacfwd, nb.jacrev):
        got = jac(f)(x)
        assert np.shape(got) == ()
        np.testing.assert_allclose(got, want, rtol=1e-12)
    got = nb.jacfwd(lambda a: lax.cond(a > 0, xnp.sin, xnp.cos, a))(x)
    assert np.shape(got) == ()
    np.testing.assert_allclose(got, np.cos(x), rtol=1e-12)
    out, aux = nb.jacfwd(lambda a: (nb.checkpoint(xnp.sin)(a), a * 2), has_aux=True)(x)
    assert np.shape(aux) == () and aux == 0.25


def test_jacobians_with_zero_size_arguments():
    # jacfwd and jacrev with an f64[0,2] argument raised "cannot reshape array of size 0 into
    # shape (0,2)": the standard basis reshaped with -1, which size 0 cannot resolve.
    # Fixed in numbax/api.py (_std_basis).
    x = np.zeros((0, 2))
    for jac in (nb.jacfwd, nb.jacrev):
        assert jac(xnp.sin)(x).shape == (0, 2, 0, 2)
        da, db = jac(lambda a, b: xnp.sum(xnp.sin(a)) * b + b, argnums=(0, 1))(x, 2.0)
        assert da.shape == (0, 2) and db == 1.0


def test_any_and_all_of_empty_arrays():
    # m.any(v2, axis=None) of a bool[1,1,0] value raised "zero-size array to reduction
    # operation maximum which has no identity" (eagerly, and from the executable under jit):
    # the reduce_max and reduce_min primitives ran np.max and np.min, which have no identity.
    # Like lax's, they now give -inf/+inf, the integer limits, False/True for nothing (as the
    # fused kernels did); numbax.numpy.max and min still raise for an empty reduction, as
    # NumPy's do, now while tracing. Fixed in numbax/core/primitives.py (_with_identity) and
    # numbax/numpy/reductions.py (max, min).
    for x in (np.zeros((1, 1, 0), bool), np.zeros((3, 0)), np.zeros((3, 0), np.int32)):
        for fn, ref in ((xnp.any, np.any), (xnp.all, np.all)):
            for axis in (None, 2 if x.ndim == 3 else 1):
                want = ref(x, axis=axis)
                np.testing.assert_array_equal(fn(x, axis=axis), want)
                for backend in ("numba", "interpreter"):
                    got = nb.jit(lambda a, fn=fn, axis=axis: fn(a, axis=axis), backend=backend)(x)
                    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(lax.reduce_max(np.zeros((2, 0)), (1,)), [-np.inf, -np.inf])
    np.testing.assert_array_equal(lax.reduce_min(np.zeros((2, 0), np.int8), (1,)), [127, 127])
    for fn in (xnp.max, xnp.min):
        for backend in ("numba", "interpreter"):
            with pytest.raises(ValueError, match="no identity"):
                nb.jit(lambda a, fn=fn: fn(a, axis=1), backend=backend)(np.zeros((2, 0)))
        with pytest.raises(ValueError, match="no identity"):
            fn(np.zeros((2, 0)))
        assert fn(np.zeros((0, 2)), axis=1).shape == (0,)


def test_power_by_a_scalar_half_at_minus_inf_and_minus_zero():
    # m.power(v0, 0.5) at v0 = -inf was nan eagerly and on the interpreter backend but +inf
    # in a fused Numba kernel (and -0.0 gave +0.0, not -0.0): NumPy's power loop computes a
    # scalar exponent 0.5, 2 or -1 as sqrt, square or reciprocal, the kernel called pow. The
    # found program clipped the result after a while_loop; this is its core. Fixed in
    # numbax/backends/numba/codegen.py (_expr).
    for dtype in (np.float32, np.float64):
        x = np.array([-np.inf, -0.0, 0.0, np.nan, np.inf, 1e30, 4.0, -3.0, 2.5], dtype)
        for y in (0.5, 2.0, -1.0, 1.5):
            want = np.power(x, dtype(y))
            for backend in ("numba", "interpreter"):
                got = nb.jit(lambda a, y=y: xnp.clip(a ** y, -1e38, 1e38), backend=backend)(x)
                np.testing.assert_array_equal(got, np.clip(want, -1e38, 1e38))
                assert (np.signbit(got) == np.signbit(want)).all()


@pytest.mark.parametrize("product", [xnp.inner, xnp.dot])
def test_products_with_a_zero_scalar_propagate_nan(product):
    # inner(0.0, [1e30, nan]) is [0, nan] in numbax, as multiply and JAX give, and [0, 0] in
    # NumPy, whose 0-d dot and inner skip the products through a BLAS scale by zero. The
    # reference side of the generator was wrong, not numbax; this pins numbax's answer on
    # every path. Fixed in tests/program_gen.py (_multiply_0d).
    a, b = np.float32(0.0), np.array([1e30, np.nan], np.float32)
    want = np.multiply(a, b)
    for f in (product, nb.jit(product), nb.jit(product, backend="interpreter")):
        np.testing.assert_array_equal(f(a, b), want)
        np.testing.assert_array_equal(f(b, a), want)


def test_dot_general_keeps_inf_times_zero_as_nan():
    # vmap(vdot) of [inf, x] with a zero gave 0 where the per-example loop gave nan: BLAS
    # kernels skip terms whose factor is exactly zero, so inf * 0 vanished. Non-finite
    # operands now take NumPy's own sum of products. Fixed in numbax/core/primitives.py
    # (_dot_general).
    a = np.array([np.inf, -0.75], np.float32)
    f = lambda a0: xnp.vdot(a0, xnp.sin(np.float32(0.0)))  # noqa: E731
    np.testing.assert_array_equal(nb.vmap(f)(a), [np.nan, 0.0])
    m, v = np.array([[np.inf, 1.0], [2.0, 3.0]]), np.array([0.0, 1.0])
    for g in (xnp.matmul, nb.jit(xnp.matmul), nb.jit(xnp.matmul, backend="interpreter")):
        np.testing.assert_array_equal(g(m, v), [np.nan, 3.0])
        zero_col = np.array([[0.0, 1.0], [2.0, 3.0]])
        np.testing.assert_array_equal(g(m[None], zero_col[None])[0, 0], [np.nan, np.inf])


def test_reference_spread_sees_rounding_of_intermediates():
    # Not a numbax bug: sin(prod(power(...))) of a 5e35 reached through sign(a0) differed
    # between jit and NumPy because vecmath's tanh (within 2 ulp) moved the product by an ulp,
    # and sin of 5e35 amplifies that without bound. Perturbing the arguments missed it, as
    # sign absorbed the perturbation; the reference now also probes with every intermediate
    # nudged. Fixed in tests/program_gen.py (Nudged, reference).
    from program_gen import NP, Nudged, reference

    def program(m):
        return lambda a0: (m.sin(m.prod(m.exp(m.sign(a0) * 20.0))),)

    args = [np.array([0.125, -0.25, 0.5, 0.75])]
    _, blind = reference(program(NP), args)
    _, seen = reference(program(NP), args, nudged=lambda seed: program(Nudged(NP, seed)))
    assert blind[0] == 0.0
    assert seen[0] > 1e-3


def test_unused_small_constant_group_in_a_loop_body_is_skipped():
    # An unused elementwise group with no inputs (signbit(ones_like(a0)) on a closed-over
    # shape) inside a scan body took the inline-call path before the "unused" check and
    # generated `g0k(, 2)`, a SyntaxError in the executable's source.
    def f(a0):
        def body(c, x):
            xnp.signbit(xnp.ones_like(a0))
            return c + x, x
        return lax.scan(body, a0[0], a0, reverse=True)

    a0 = np.array([[1.0, -2.0]], np.float32)
    carry, ys = nb.jit(f)(a0)
    np.testing.assert_array_equal(carry, a0[0] + a0[0])
    np.testing.assert_array_equal(ys, a0)


@pytest.mark.parametrize("name", ["trunc", "signbit", "hypot", "fmax", "remainder"])
def test_float16_operands_stay_out_of_compiled_loops(name):
    # Fusion checked only an equation's outputs for float16, which Numba cannot hold: trunc
    # (select of lt on f16), signbit, hypot... read float16 inputs in a kernel and failed deep
    # inside Numba. Inputs are checked too now.
    x = np.linspace(-0.9, 0.9, 4).astype(np.float16)
    f = getattr(xnp, name)
    args = (x,) if name in ("trunc", "signbit") else (x, x[::-1])
    got, want = nb.jit(f)(*args), getattr(np, name)(*args)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got.astype(float), want.astype(float), rtol=1e-3)


@pytest.mark.parametrize("jit", [False, True])
def test_softmax_next_to_inf_keeps_zeros_for_finite_entries(jit):
    # Found by the long fuzz run: softmax shifted by 0 when a slice's max was +inf, so
    # exp(89) overflowed float32 and inf / inf turned that entry's 0 into nan. The shift is
    # now the largest finite entry.
    col = np.array([89.0, 1e-20, np.inf, 1e-40, -89.0], np.float32)
    softmax = nb.jit(nn.softmax) if jit else nn.softmax
    with np.errstate(invalid="ignore", over="ignore"):
        got = softmax(col)
    np.testing.assert_array_equal(got, np.array([0, 0, np.nan, 0, 0], np.float32))
    np.testing.assert_array_equal(nn.logsumexp(col), np.float32(np.inf))


def test_jvp_check_skips_a_step_sitting_on_rounding_noise():
    # The long jvp run failed on v0 % (a0 * a0 + 0.25) with v0 = real((a0 + 1j a0) *
    # conj(a0 - 1j a0)): 0 in exact arithmetic, the rounding error of a0 * a0 in floating
    # point, its sign differing from point to point. At a0 = 0.304 it is negative (so the %
    # jumps to ~0.34 and its tangent is d(a0 * a0)) but positive at all four finite-difference
    # points (so both differences agree on ~0, and the kink test, which looks for their
    # change as eps halves, saw none). Not a numbax bug: the derivative is undefined there.
    # The check now skips entries where f is off the midpoint of its neighbours by a step
    # (tests/test_fuzz.py, check_jvp_finite_differences).
    from program_gen import F64, Program, Var
    from test_fuzz import Case, check_jvp_finite_differences

    lines = ["    v0 = m.real((a0 + 1j * a0) * m.conj(a0 - 1j * a0))",
             "    v1 = v0 % (a0 * a0 + 0.25)"]
    program = Program([Var("a0", (1,), F64)], lines, [Var("v1", (1,), F64)], safe=True)
    args = [np.array([0.304])]
    f = program.function(xnp)
    _, tangent = nb.jvp(f, tuple(args), (np.array([0.34558419]),))
    assert abs(tangent[0][0]) > 0.1  # on the step: the tangent of the branch it took
    check_jvp_finite_differences(Case(program, args, seed=0))


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("norm", ["ortho", "forward"])
def test_normalised_fft_of_inf_keeps_the_zero_part(jit, norm):
    # arcsin(sign(abs(rfft(a0, axis=1, norm='ortho')) ** 2)) of f32[1,3] [1, inf, inf] gave
    # nan where NumPy gives pi/2: the norm factor was applied as a complex product with
    # factor + 0j, and inf * 0 made the other part nan (inf + 0j -> inf + nanj; -inf + nanj
    # -> nan + nanj, whose abs is nan, not inf). Each part is now scaled by the real factor,
    # as pocketfft does. Fixed in numbax/numpy/fft.py (_scale).
    x = np.array([[1.0, np.inf, np.inf]], np.float32)
    for name in ("fft", "rfft", "ifft"):
        f = lambda a, name=name: getattr(xnp.fft, name)(a, axis=1, norm=norm)  # noqa: E731
        with np.errstate(invalid="ignore"):
            got = (nb.jit(f) if jit else f)(x)
            want = getattr(np.fft, name)(x, axis=1, norm=norm)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_reference_skips_dot_products_that_depend_on_fused_multiply_add():
    # The backends property failed on a program of matmul, abs, arccosh and rint with edge
    # values: eager numbax nan where NumPy gave -inf. The row [-0, -inf, -1, 0, 1e300] times
    # a column ending in 1e300 holds -inf and 1e300 * 1e300: rounded separately (numbax's
    # path for non-finite operands) that product is inf and the sum nan; BLAS fuses multiply
    # and add, so it never rounds to inf and the sum stays -inf. Neither NumPy nor XLA
    # promise one or the other, so it is not a numbax bug: the reference now also computes
    # products unfused (tests/program_gen.py, Nudged and _Unfused) and leaves entries where
    # the two differ uncompared.
    from program_gen import NP, Nudged, reference

    a = np.array([[-0.0, -np.inf, -1.0, 0.0, 1e300]])
    b = np.array([[1e-20], [710.0], [0.825], [1.709], [1e300]])
    with np.errstate(invalid="ignore", over="ignore"):
        assert np.isnan(xnp.matmul(a, b)[0, 0]) and np.isnan(nb.jit(xnp.matmul)(a, b)[0, 0])
        for program in (lambda m, a, b: (m.matmul(a, b),), lambda m, a, b: (a @ b,),
                        lambda m, a, b: (m.dot(a, b),), lambda m, a, b: (a.dot(b),)):
            want, spread = reference(
                functools.partial(program, NP), [a, b],
                nudged=lambda seed, p=program: functools.partial(p, Nudged(NP, seed)))
            assert np.isneginf(want[0][0, 0]) and np.isnan(spread[0][0, 0])


def test_collectives_over_an_empty_named_axis():
    # v0 = m.rows_all_gather(a0) on a0: f64[0] raised "all_gather: axis_size must be a
    # positive int, got 0", and m.rows_ppermute(a0) an IndexError in its batching rule: a
    # vmap over nothing has members that gather and send nothing. Fixed in
    # core/collective_primitives.py (all_gather accepts size 0) and
    # interpreters/collective_rules.py (_ppermute_batch).
    for x in (np.zeros(0), np.zeros((0, 2))):
        gathered = nb.vmap(lambda r: lax.all_gather(r, "i"), axis_name="i")(x)
        assert gathered.shape == (0, *x.shape)
        moved = nb.vmap(lambda r: lax.ppermute(r, "i", []), axis_name="i")(x)
        assert moved.shape == x.shape
        grad = nb.grad(lambda v: nb.vmap(lambda r: lax.all_gather(r, "i"),
                                         axis_name="i")(v).sum())(x)
        np.testing.assert_array_equal(grad, np.zeros_like(x))
