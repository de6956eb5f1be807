"""numbax.lax convolutions against a direct Python-loop reference (and scipy.signal for 2-D),
with grads against finite differences, vmap against a loop, and jit on both backends."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.signal

import numbax as nb
from numbax import lax
from numbax.core.conv_primitives import conv_general_dilated_p, conv_im2col, dilate_pad
from numbax.test_util import check_grads


def ref_conv(lhs, rhs, strides, pads, lhs_dil, rhs_dil, groups=1, batch_groups=1):
    """Canonical-layout (NC..., OI...) convolution by direct loops over every output tap."""
    xp = dilate_pad(lhs, lhs_dil, pads, 0)
    n, o, i = lhs.shape[0], rhs.shape[0], rhs.shape[1]
    window = [(w - 1) * d + 1 for w, d in zip(rhs.shape[2:], rhs_dil)]
    out_sp = [(p - w) // s + 1 if p >= w else 0 for p, w, s in zip(xp.shape[2:], window, strides)]
    nb_, per = n // batch_groups, o // (groups * batch_groups)
    out = np.zeros((nb_, o) + tuple(out_sp), np.result_type(lhs, rhs))
    for b_, oo in itertools.product(range(nb_), range(o)):
        t = oo // per
        bg, g = t // groups, t % groups
        for pos in itertools.product(*map(range, out_sp)):
            acc = 0.0
            for c, tap in itertools.product(range(i), itertools.product(*map(range, rhs.shape[2:]))):
                idx = tuple(p * s + q * d for p, s, q, d in zip(pos, strides, tap, rhs_dil))
                acc += xp[(bg * nb_ + b_, g * i + c) + idx] * rhs[(oo, c) + tap]
            out[(b_, oo) + pos] = acc
    return out


def _rand(rng, shape, dtype=np.float64):
    return rng.normal(size=shape).astype(dtype)


# (lhs shape, rhs shape, strides, padding, lhs_dilation, rhs_dilation, groups, batch groups)
CASES = [
    ((2, 3, 5, 6), (4, 3, 2, 3), (1, 1), ((0, 0), (0, 0)), (1, 1), (1, 1), 1, 1),
    ((2, 4, 7, 6), (6, 2, 3, 2), (2, 1), ((1, 2), (0, 1)), (1, 2), (2, 1), 2, 1),
    ((4, 3, 6), (4, 3, 3), (2,), ((2, 1),), (1,), (1,), 1, 2),
    ((2, 2, 4, 3, 3), (2, 2, 2, 2, 2), (1, 2, 1), ((0, 1), (1, 0), (-1, 1)), (1, 1, 2),
     (1, 1, 1), 1, 1),
    ((1, 2, 5), (2, 1, 2), (3,), ((3, 0),), (2,), (2,), 2, 1),
    ((2, 2, 3, 3), (3, 2, 2, 2), (1, 1), ((0, 0), (0, 0)), (2, 2), (1, 1), 1, 1),
]


def _canonical(case):
    ls, rs, st, pd, ld, rd, g, b = case
    return (lambda lhs, rhs: lax.conv_general_dilated(
        lhs, rhs, st, pd, ld, rd, feature_group_count=g, batch_group_count=b),
        lambda lhs, rhs: ref_conv(lhs, rhs, st, pd, ld, rd, g, b), ls, rs)


@pytest.mark.parametrize("case", CASES, ids=[f"c{i}" for i in range(len(CASES))])
def test_conv_general_dilated_matches_loop(case, numpy_function):
    xfn, npfn, ls, rs = _canonical(case)
    rng = np.random.default_rng(0)
    numpy_function(xfn, npfn, _rand(rng, ls), _rand(rng, rs), grad=False, vmap=False)


@pytest.mark.parametrize("case", CASES[:5], ids=[f"c{i}" for i in range(5)])
def test_conv_grads_both_operands(case):
    xfn, _, ls, rs = _canonical(case)
    rng = np.random.default_rng(1)
    check_grads(xfn, (_rand(rng, ls), _rand(rng, rs)), order=2)


@pytest.mark.parametrize("case", CASES[:5], ids=[f"c{i}" for i in range(5)])
@pytest.mark.parametrize("in_axes", [(0, None), (None, 0), (0, 0), (1, 2)])
def test_conv_vmap_matches_loop(case, in_axes):
    xfn, _, ls, rs = _canonical(case)
    rng = np.random.default_rng(2)
    lhs, rhs = _rand(rng, ls), _rand(rng, rs)
    args = [lhs, rhs]
    for j, ax in enumerate(in_axes):
        if ax is not None:
            args[j] = np.stack([args[j] * (k + 1) for k in range(3)], axis=ax)
    got = nb.vmap(xfn, in_axes=in_axes)(*args)
    for k in range(3):
        one = [a if ax is None else np.take(a, k, axis=ax) for a, ax in zip(args, in_axes)]
        np.testing.assert_allclose(got[k], ref_conv_case(case, *one), rtol=1e-10, atol=1e-10)


def ref_conv_case(case, lhs, rhs):
    return _canonical(case)[1](lhs, rhs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layouts_nhwc_hwio_and_dtypes(dtype):
    rng = np.random.default_rng(3)
    x, w = _rand(rng, (2, 6, 5, 3), dtype), _rand(rng, (3, 2, 3, 4), dtype)
    got = lax.conv_general_dilated(x, w, (1, 2), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
    pads = lax.padtype_to_pads((6, 5), (3, 2), (1, 2), "SAME")
    want = ref_conv(x.transpose(0, 3, 1, 2), w.transpose(3, 2, 0, 1), (1, 2), pads, (1, 1), (1, 1))
    assert got.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want.transpose(0, 2, 3, 1), rtol=tol, atol=tol)
    dn = lax.conv_dimension_numbers(x.shape, w.shape, ("NHWC", "HWIO", "NHWC"))
    assert lax.conv_general_shape_tuple(x.shape, w.shape, (1, 2), "SAME", dn) == got.shape


def test_odd_layout_and_dimension_numbers_object():
    rng = np.random.default_rng(4)
    x, w = _rand(rng, (5, 2, 3, 4)), _rand(rng, (3, 3, 4, 2))  # H N C W ; I W O H
    dn = lax.conv_dimension_numbers(x.shape, w.shape, ("HNCW", "IWOH", "CHNW"))
    # Spatial axes are ordered as rhs names them: W before H.
    assert dn == lax.ConvDimensionNumbers((1, 2, 3, 0), (2, 0, 1, 3), (2, 0, 3, 1))
    got = lax.conv_general_dilated(x, w, (1, 1), "VALID", dimension_numbers=dn)
    want = ref_conv(x.transpose(dn.lhs_spec), w.transpose(dn.rhs_spec), (1, 1),
                    ((0, 0),) * 2, (1, 1), (1, 1))  # (N, O, W', H')
    np.testing.assert_allclose(got, want.transpose(1, 3, 0, 2), rtol=1e-12, atol=1e-12)


def test_2d_matches_scipy_correlate():
    rng = np.random.default_rng(5)
    x, w = _rand(rng, (1, 1, 9, 7)), _rand(rng, (1, 1, 3, 4))
    got = lax.conv(x, w, (1, 1), "VALID")[0, 0]
    np.testing.assert_allclose(got, scipy.signal.correlate(x[0, 0], w[0, 0], mode="valid"),
                               rtol=1e-12)


def test_padtype_and_same_lower():
    assert lax.padtype_to_pads((5, 6), (3, 4), (2, 1), "SAME") == [(1, 1), (1, 2)]
    assert lax.padtype_to_pads((5, 6), (3, 4), (2, 1), "SAME_LOWER") == [(1, 1), (2, 1)]
    rng = np.random.default_rng(6)
    x, w = _rand(rng, (1, 1, 6)), _rand(rng, (1, 1, 4))
    got = lax.conv_general_dilated(x, w, (1,), "SAME_LOWER")
    np.testing.assert_allclose(got, ref_conv(x, w, (1,), [(2, 1)], (1,), (1,)), rtol=1e-12)


@pytest.mark.parametrize("padding", ["SAME", "VALID", [(1, 2), (0, 1)]])
@pytest.mark.parametrize("transpose_kernel", [False, True])
def test_conv_transpose_is_gradient_of_strided_conv(padding, transpose_kernel):
    rng = np.random.default_rng(7)
    # NHWC, HWIO; with transpose_kernel, w is the forward conv's kernel (I and O swapped).
    y = _rand(rng, (2, 3, 4, 3))
    w = _rand(rng, (3, 2, 5, 3) if transpose_kernel else (3, 2, 3, 5))
    got = lax.conv_transpose(y, w, (2, 2), padding, transpose_kernel=transpose_kernel)
    dn = ("NHWC", "HWIO", "NHWC")
    if not transpose_kernel:  # the shape tuple, as JAX's, reads O from the kernel as given
        assert got.shape == lax.conv_transpose_shape_tuple(y.shape, w.shape, (2, 2), padding,
                                                           dn)
    # conv_transpose is conv with lhs_dilation = strides: compare with the loop reference.
    pads = padding if not isinstance(padding, str) else [
        lax.conv_ops._transpose_padding(k, 2, padding) for k in (3, 2)]
    k = w[::-1, ::-1].transpose(2, 3, 0, 1) if transpose_kernel else w.transpose(3, 2, 0, 1)
    want = ref_conv(y.transpose(0, 3, 1, 2), k, (1, 1), pads, (2, 2), (1, 1))
    np.testing.assert_allclose(got, want.transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-12)
    if transpose_kernel and padding == "SAME":
        # With transpose_kernel, it is the lhs-gradient of the strided SAME conv (JAX's use).
        x = _rand(rng, (2, 6, 8, 5))
        fwd = lambda x: lax.conv_general_dilated(x, w, (2, 2), "SAME", dimension_numbers=dn)
        _, vjp = nb.vjp(fwd, x)
        np.testing.assert_allclose(vjp(y)[0], got, rtol=1e-10, atol=1e-10)


def test_conv_jit_float32_and_grad_under_jit():
    rng = np.random.default_rng(8)
    x, w = _rand(rng, (3, 2, 6, 6), np.float32), _rand(rng, (4, 2, 3, 3), np.float32)
    loss = lambda x, w: (lax.conv(x, w, (1, 1), "SAME") ** 2).sum()
    got = nb.jit(nb.grad(loss, argnums=(0, 1)))(x, w)
    want = nb.grad(loss, argnums=(0, 1))(x.astype(np.float64), w.astype(np.float64))
    for g, v in zip(got, want):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, v, rtol=2e-4, atol=2e-4)


def test_im2col_matches_primitive_impl():
    rng = np.random.default_rng(9)
    x, w = _rand(rng, (2, 4, 5, 5)), _rand(rng, (4, 2, 2, 2))
    params = dict(window_strides=(1, 2), padding=((1, 1), (0, 0)), lhs_dilation=(1, 1),
                  rhs_dilation=(2, 1), feature_group_count=2, batch_group_count=1)
    (got,) = conv_general_dilated_p.impl(x, w, **params)
    np.testing.assert_allclose(got, conv_im2col(x, w, **params), rtol=1e-12, atol=1e-12)


def test_preferred_element_type_and_empty_output():
    x, w = np.ones((1, 1, 2), np.float32), np.ones((1, 1, 3), np.float32)
    out = lax.conv_general_dilated(x, w, (1,), "VALID", preferred_element_type=np.float64)
    assert out.shape == (1, 1, 0) and out.dtype == np.float64


@pytest.mark.parametrize("bad, match", [
    (dict(lhs=np.ones((1, 2, 4)), rhs=np.ones((1, 3, 2))), "feature size"),
    (dict(lhs=np.ones((1, 2, 4)), rhs=np.ones((1, 2, 2), np.float32)), "one numeric dtype"),
    (dict(lhs=np.ones((1, 2, 4)), rhs=np.ones((1, 2, 2, 2))), "one rank"),
    (dict(padding="FULL"), "padding must be"),
    (dict(window_strides=(1, 1)), "window_strides needs 1"),
    (dict(dimension_numbers=("NWC", "WIO", "NCX")), "spatial axes"),
    (dict(feature_group_count=2, batch_group_count=2), "not both"),
])
def test_bad_input(bad, match):
    args = dict(lhs=np.ones((1, 2, 4)), rhs=np.ones((1, 2, 2)), window_strides=(1,),
                padding="VALID")
    args.update(bad)
    with pytest.raises((TypeError, ValueError), match=match):
        lax.conv_general_dilated(**args)


@pytest.mark.parametrize("case", CASES, ids=[f"c{i}" for i in range(len(CASES))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_both_implementations_match_loop(case, dtype):
    # The backend picks the direct loop or the compiled im2col by work per output; all agree.
    from numbax.backends.numba.conv_kernels import conv_direct, conv_patches
    ls, rs, st, pd, ld, rd, g, b = case
    rng = np.random.default_rng(10)
    x, w = _rand(rng, ls, dtype), _rand(rng, rs, dtype)
    params = dict(window_strides=st, padding=pd, lhs_dilation=ld, rhs_dilation=rd,
                  feature_group_count=g, batch_group_count=b)
    want = ref_conv(x.astype(np.float64), w.astype(np.float64), st, pd, ld, rd, g, b)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for impl in (conv_direct, conv_im2col, conv_patches):
        got = impl(x, w, **params)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("dn", [None, ("NHWC", "HWIO", "NHWC")])
def test_conv_general_dilated_patches_is_im2col(dn):
    rng = np.random.default_rng(11)
    nhwc = dn is not None
    x = _rand(rng, (2, 5, 6, 3) if nhwc else (2, 3, 5, 6))
    p = lax.conv_general_dilated_patches(x, (2, 3), (1, 2), "SAME", dimension_numbers=dn)
    xc = x.transpose(0, 3, 1, 2) if nhwc else x
    pads = lax.padtype_to_pads((5, 6), (2, 3), (1, 2), "SAME")
    want = conv_patches_reference(xc, (2, 3), (1, 2), pads)
    np.testing.assert_allclose(p.transpose(0, 3, 1, 2) if nhwc else p, want, rtol=0, atol=0)


def conv_patches_reference(x, window, strides, pads):
    """(N, C * prod(window), *out): feature c * prod(window) + k is input feature c at tap k."""
    xp = np.pad(x, [(0, 0), (0, 0)] + [tuple(p) for p in pads])
    n, c = x.shape[:2]
    out = [(d - w) // s + 1 for d, w, s in zip(xp.shape[2:], window, strides)]
    res = np.zeros((n, c * int(np.prod(window))) + tuple(out))
    for ch, (k, tap), pos in itertools.product(
            range(c), enumerate(itertools.product(*map(range, window))),
            itertools.product(*map(range, out))):
        idx = tuple(p * s + t for p, s, t in zip(pos, strides, tap))
        res[(slice(None), ch * int(np.prod(window)) + k) + pos] = xp[(slice(None), ch) + idx]
    return res


def test_shape_helpers():
    assert lax.conv_general_permutations(("NCHW", "OIHW", "NHWC")) == (
        (0, 1, 2, 3), (0, 1, 2, 3), (0, 3, 1, 2))
    assert lax.conv_shape_tuple((2, 3, 7, 8), (4, 3, 3, 2), (2, 1), "SAME") == (2, 4, 4, 8)
    assert lax.conv_shape_tuple((4, 3, 7), (4, 3, 3), (1,), [(0, 0)], 2) == (2, 4, 5)
    assert lax.reduce_window_shape_tuple((5, 7), (2, 3), (2, 1), [(0, 1), (1, 1)],
                                         window_dilation=(1, 2)) == (3, 5)


def test_complex_and_integer_operands():
    rng = np.random.default_rng(12)
    x = (rng.normal(size=(2, 2, 5)) + 1j * rng.normal(size=(2, 2, 5))).astype(np.complex64)
    w = (rng.normal(size=(3, 2, 2)) + 1j * rng.normal(size=(3, 2, 2))).astype(np.complex64)
    got = lax.conv_general_dilated(x, w, (1,), [(1, 0)])
    assert got.dtype == np.complex64
    np.testing.assert_allclose(got, ref_conv(x, w, (1,), [(1, 0)], (1,), (1,)), rtol=1e-5,
                               atol=1e-5)
    check_grads(lambda a, b: lax.conv_general_dilated(a, b, (1,), "SAME"),
                (x.astype(np.complex128), w.astype(np.complex128)), order=1)
    xi, wi = np.arange(10, dtype=np.int32).reshape(1, 2, 5), np.ones((1, 2, 2), np.int32)
    got = lax.conv(xi, wi, (1,), "VALID")
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, ref_conv(xi, wi, (1,), [(0, 0)], (1,), (1,)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.complex128])
def test_patches_on_strided_operands_and_blocked_matmul(dtype):
    # NHWC/HWIO transposes, a reversed kernel (the lhs transpose's) and a product big enough
    # that serial_matmul splits it into row blocks: against NumPy's im2col.
    from numbax.backends.numba.conv_kernels import conv_patches
    from numbax.core.blas_blocks import BLAS_SERIAL_WORK
    rng = np.random.default_rng(11)
    x = (rng.normal(size=(64, 8, 8, 16)) * 4).astype(dtype).transpose(0, 3, 1, 2)
    w = (rng.normal(size=(3, 3, 16, 32)) * 4).astype(dtype).transpose(3, 2, 0, 1)[:, :, ::-1]
    params = dict(window_strides=(1, 1), padding=((1, 1), (1, 1)), lhs_dilation=(1, 1),
                  rhs_dilation=(1, 1), feature_group_count=1, batch_group_count=1)
    assert BLAS_SERIAL_WORK < 64 * 64 * 144 * 32
    got = conv_patches(x, w, **params)
    assert got.dtype == dtype and got.shape == (64, 32, 8, 8)
    # float32: sums of 144 products of size ~16 agree to a few ulps of their size ~200.
    tol = 2e-3 if dtype == np.float32 else 1e-9
    np.testing.assert_allclose(got, conv_im2col(x, w, **params), rtol=tol, atol=tol)


def test_backend_choice_by_work_per_output():
    # The direct loop only where each output position does little work (see conv_kernels).
    from numbax.backends.numba import conv_kernels as ck
    calls = []
    params = dict(window_strides=(1,), padding=((1, 1),), lhs_dilation=(1,),
                  rhs_dilation=(1,), feature_group_count=1, batch_group_count=1)
    saved = ck.conv_direct, ck.conv_patches
    try:
        ck.conv_direct = lambda *a, **p: calls.append("direct") or saved[0](*a, **p)
        ck.conv_patches = lambda *a, **p: calls.append("patches") or saved[1](*a, **p)
        x = np.ones((2, 4, 9))
        ck._conv_impl(x[:, :1], np.ones((1, 1, 3)), **params)
        ck._conv_impl(x, np.ones((8, 4, 3)), **params)
    finally:
        ck.conv_direct, ck.conv_patches = saved
    assert calls == ["direct", "patches"]


@pytest.mark.parametrize("a_shape, b_shape", [
    ((1000, 144), (144, 32)),        # blocked: 4.6e6 multiply-adds, 56-row blocks
    ((3, 1000, 144), (144, 32)),     # a stack, blocked per matrix
    ((2, 1000, 144), (2, 144, 32)),
    ((10, 20), (20, 5)),             # small: one call
    ((10, 2000), (2000, 300)),       # blocks under MIN_BLOCK_ROWS and _DEPTH: one call
    ((9, 43264), (43264, 8)),        # a weight gradient: contraction blocks, summed
    ((2, 9, 5000), (5000, 8)),
    ((5,), (5, 3)),
])
@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_serial_matmul_is_matmul(a_shape, b_shape, dtype):
    from numbax.core.blas_blocks import serial_matmul
    rng = np.random.default_rng(12)
    a, b = (rng.integers(-3, 4, s).astype(dtype) for s in (a_shape, b_shape))
    want = np.matmul(a, b)
    got = serial_matmul(a, b)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    out = np.empty(want.shape, want.dtype)
    assert serial_matmul(a, b, out=out) is out
    np.testing.assert_array_equal(out, want)


def test_non_finite_operands_give_nan_as_xla():
    # inf * 0 is nan inside the sum (BLAS would skip the zero term): as the loop reference.
    x = np.zeros((1, 2, 4, 4), np.float32)
    x[0, 0, 1, 1] = np.inf
    w = np.zeros((3, 2, 3, 3), np.float32)
    w[1, 0] = 1.0
    got = lax.conv_general_dilated(x, w, (1, 1), "SAME")
    with np.errstate(invalid="ignore"):
        want = ref_conv(x, w, (1, 1), ((1, 1), (1, 1)), (1, 1), (1, 1))
    np.testing.assert_array_equal(got, want)
    assert np.isnan(got[0, 0, 1, 1]) and np.isinf(got[0, 1, 1, 1])
