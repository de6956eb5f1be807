"""ShapedArray, supported dtypes, broadcasting and axis normalisation."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from numbax.core.avals import (
    SUPPORTED_DTYPES,
    ShapedArray,
    aval_of_value,
    broadcast_shapes,
    canonical_axes,
    canonical_axis,
    check_dtype,
    is_inexact,
    real_dtype,
    short_dtype_name,
)


def test_shaped_array_reports_rank_and_size():
    aval = ShapedArray((2, 3, 4), np.dtype(np.float32))
    assert (aval.ndim, aval.size) == (3, 24)
    assert (ShapedArray((), np.dtype(np.int8)).ndim, ShapedArray((), np.dtype(np.int8)).size) == (0, 1)
    assert ShapedArray((5, 0), np.dtype(np.float64)).size == 0


def test_shaped_arrays_are_equal_and_hash_by_shape_and_dtype():
    a, b = ShapedArray((2,), np.dtype(np.float64)), ShapedArray((2,), np.dtype("float64"))
    assert a == b and hash(a) == hash(b)
    assert a != ShapedArray((2,), np.dtype(np.float32))
    assert a != ShapedArray((2, 1), np.dtype(np.float64))


def test_update_replaces_only_what_is_given():
    aval = ShapedArray((2, 3), np.dtype(np.float32))
    assert aval.update(shape=[6]) == ShapedArray((6,), np.dtype(np.float32))
    assert aval.update(dtype=np.int64) == ShapedArray((2, 3), np.dtype(np.int64))
    assert aval.update() == aval


@pytest.mark.parametrize("dtype", sorted(SUPPORTED_DTYPES, key=str), ids=str)
def test_short_dtype_names_combine_kind_and_bits(dtype):
    name = short_dtype_name(dtype)
    expected = "bool" if dtype == np.bool_ else f"{dtype.kind}{dtype.itemsize * 8}"
    assert name == expected
    assert ShapedArray((2, 3), dtype).str_short() == f"{expected}[2,3]"
    assert repr(ShapedArray((), dtype)) == f"ShapedArray({expected}[])"


@pytest.mark.parametrize("dtype", sorted(SUPPORTED_DTYPES, key=str), ids=str)
def test_supported_dtypes_pass_the_check(dtype):
    assert check_dtype(dtype, "x") == dtype
    assert is_inexact(dtype) == (dtype.kind in "fc")
    assert real_dtype(dtype) == (np.zeros(1, dtype).real.dtype)


@pytest.mark.parametrize("dtype", [object, str, np.clongdouble, "datetime64[s]", "V4"], ids=str)
def test_unsupported_dtypes_raise_type_error_naming_the_value(dtype):
    with pytest.raises(TypeError, match="the thing has dtype"):
        check_dtype(np.dtype(dtype), "the thing")


@pytest.mark.parametrize("value", [
    np.zeros((2, 3), np.float32), np.arange(4), np.float32(1.5), np.int8(3), np.bool_(True),
], ids=lambda v: f"{type(v).__name__}-{v.dtype}")
def test_aval_of_numpy_values_has_their_shape_and_dtype(value):
    assert aval_of_value(value) == ShapedArray(np.shape(value), value.dtype)


@pytest.mark.parametrize("value", [True, 3, 2.5, 1 + 2j], ids=repr)
def test_aval_of_python_scalars_uses_numpy_defaults(value):
    assert aval_of_value(value) == ShapedArray((), np.asarray(value).dtype)


@pytest.mark.parametrize("value", [[1.0, 2.0], {"a": 1}, "text", None,
                                   np.array(["a"]), np.array([None])],
                         ids=lambda v: type(v).__name__)
def test_aval_of_other_values_raises_type_error(value):
    with pytest.raises(TypeError, match="my arg"):
        aval_of_value(value, "my arg")


def _numpy_broadcast(shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return ValueError


@settings(max_examples=100, deadline=None)
@given(st.lists(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=3),
                min_size=1, max_size=4))
def test_broadcast_shapes_agrees_with_numpy(shapes):
    expected = _numpy_broadcast(shapes)
    if expected is ValueError:
        with pytest.raises(ValueError, match="op"):
            broadcast_shapes("op", *shapes)
    else:
        assert broadcast_shapes("op", *shapes) == expected


@settings(max_examples=60, deadline=None)
@given(hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=4, min_side=0))
def test_broadcast_shapes_of_compatible_shapes_is_numpys_result(shapes):
    assert broadcast_shapes("op", *shapes.input_shapes) == shapes.result_shape


def test_broadcast_shapes_of_nothing_is_a_scalar():
    assert broadcast_shapes("op") == ()


def test_broadcast_error_names_the_operation_and_every_shape():
    with pytest.raises(ValueError, match=r"my_op: shapes \(2, 3\) and \(4,\) and \(1,\)"):
        broadcast_shapes("my_op", (2, 3), (4,), (1,))


@pytest.mark.parametrize(("axis", "ndim"), [(0, 1), (-1, 1), (2, 3), (-3, 3), (np.int64(1), 2)])
def test_canonical_axis_wraps_negative_axes(axis, ndim):
    assert canonical_axis(axis, ndim, "op") == list(range(ndim))[axis]


@pytest.mark.parametrize(("axis", "ndim"), [(1, 1), (-2, 1), (0, 0), (3, 3)])
def test_canonical_axis_out_of_range_raises_value_error(axis, ndim):
    with pytest.raises(ValueError, match=f"op: axis {axis} is out of range"):
        canonical_axis(axis, ndim, "op")


@pytest.mark.parametrize("axis", [1.0, "0", True, None])
def test_canonical_axis_rejects_non_integers(axis):
    with pytest.raises(TypeError, match="axis must be an int"):
        canonical_axis(axis, 2, "op")


@pytest.mark.parametrize(("axes", "ndim", "expected"), [
    (None, 3, (0, 1, 2)), (None, 0, ()), (1, 3, (1,)), (-1, 3, (2,)), ((2, 0), 3, (0, 2)),
    ((-1, 0), 2, (0, 1)), ([], 2, ()),
])
def test_canonical_axes_normalises_none_ints_and_sequences(axes, ndim, expected):
    assert canonical_axes(axes, ndim, "op") == expected


def test_canonical_axes_rejects_repeated_axes():
    with pytest.raises(ValueError, match="repeated axis"):
        canonical_axes((1, -1), 2, "op")
