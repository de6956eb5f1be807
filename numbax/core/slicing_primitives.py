"""Slicing at traced offsets, top_k and the cumulative reductions other than cumsum.

- `dynamic_slice(x, *starts, slice_sizes)`: the block of x of shape slice_sizes starting at
  the integer scalars `starts` (one per axis), as XLA's DynamicSlice.
- `dynamic_update_slice(x, update, *starts)`: x with that block replaced by update.

Both clamp each start into [0, dim - size] so that the block fits, as XLA does (there is no
error path for a traced offset); negative starts are wrapped by the lax wrappers before they
get here. Starts may have different integer dtypes.

- `top_k(x, k)`: the k largest entries along the last axis in descending order, and their
  int32 positions; ties keep the lower position first, nan counts as the largest.
- `cumprod`, `cummax`, `cummin`, `cumlogsumexp` (params axis, reverse): inclusive scans.

Their rules are in interpreters/slicing_rules.py.
"""
from __future__ import annotations

import numpy as np

from .avals import ShapedArray
from .primitives import Primitive, abstract_eval_rules, impl_rules


def _define(name: str, abstract_eval, impl, multiple_results: bool = False,
            linear: bool = False) -> Primitive:
    prim = Primitive(name, multiple_results, linear=linear)
    abstract_eval_rules[prim] = abstract_eval
    impl_rules[prim] = impl
    return prim


def _check_starts(name: str, x: ShapedArray, starts) -> None:
    if len(starts) != x.ndim:
        raise TypeError(f"{name}: needs {x.ndim} start indices for an operand of shape "
                        f"{x.shape}, got {len(starts)}")
    for s in starts:
        if s.shape != () or s.dtype.kind not in "iu":
            raise TypeError(f"{name}: start indices must be integer scalars, got "
                            f"{s.str_short()}")


def _check_sizes(name: str, shape, sizes) -> None:
    if len(sizes) != len(shape) or any(not 0 <= s <= d for s, d in zip(sizes, shape)):
        raise TypeError(f"{name}: slice sizes {tuple(sizes)} must be one per axis, each between "
                        f"0 and the operand's size {tuple(shape)}")


def clamped_starts(starts, shape, sizes) -> list[int]:
    """The starts as Python ints, clamped so that a block of `sizes` fits in `shape`."""
    return [int(min(max(int(s), 0), d - n)) for s, d, n in zip(starts, shape, sizes)]


def _dynamic_slice_aval(x, *starts, slice_sizes):
    _check_starts("dynamic_slice", x, starts)
    _check_sizes("dynamic_slice", x.shape, slice_sizes)
    return [x.update(shape=tuple(slice_sizes))]


def _dynamic_slice(x, *starts, slice_sizes):
    lo = clamped_starts(starts, x.shape, slice_sizes)
    return [np.array(x[tuple(slice(s, s + n) for s, n in zip(lo, slice_sizes))])]


dynamic_slice_p = _define("dynamic_slice", _dynamic_slice_aval, _dynamic_slice, linear=True)


def _dynamic_update_slice_aval(x, update, *starts):
    _check_starts("dynamic_update_slice", x, starts)
    if update.dtype != x.dtype:
        raise TypeError(f"dynamic_update_slice: the update must have the operand's dtype, got "
                        f"operand {x.str_short()} and update {update.str_short()}")
    if update.ndim != x.ndim:
        raise TypeError(f"dynamic_update_slice: the update must have the operand's rank, got "
                        f"operand {x.str_short()} and update {update.str_short()}")
    _check_sizes("dynamic_update_slice", x.shape, update.shape)
    return [x]


def _dynamic_update_slice(x, update, *starts):
    out = np.array(x, copy=True)
    lo = clamped_starts(starts, x.shape, update.shape)
    out[tuple(slice(s, s + n) for s, n in zip(lo, update.shape))] = update
    return [out]


dynamic_update_slice_p = _define("dynamic_update_slice", _dynamic_update_slice_aval,
                                 _dynamic_update_slice, linear=True)


# ---------------------------------------------------------------------------------------------
# top_k


def _top_k_aval(x, *, k):
    if x.ndim < 1:
        raise TypeError(f"top_k needs an operand with at least one axis, got {x.str_short()}")
    if x.dtype.kind not in "biuf":
        raise TypeError(f"top_k does not accept {x.str_short()}")
    if not isinstance(k, int) or not 0 <= k <= x.shape[-1]:
        raise ValueError(f"top_k: k must be an int between 0 and the last axis' size "
                         f"{x.shape[-1]}, got {k!r}")
    return [x.update(shape=x.shape[:-1] + (k,)),
            ShapedArray(x.shape[:-1] + (k,), np.dtype(np.int32))]


def _descending_order(x: np.ndarray) -> np.ndarray:
    """The positions along the last axis in x's descending order, nan first (largest), equal
    values in ascending position (both sorts are stable)."""
    if x.dtype.kind == "f":
        nan = np.isnan(x)
        return np.lexsort((np.where(nan, 0, -x.astype(np.float64)), ~nan), axis=-1)
    if x.dtype.kind == "b":
        x = x.astype(np.int8)
    return np.argsort(~x, axis=-1, kind="stable")  # ~ reverses the order of ints exactly


def _top_k(x, *, k):
    idx = _descending_order(x)[..., :k]
    return [np.take_along_axis(x, idx, -1), idx.astype(np.int32)]


top_k_p = _define("top_k", _top_k_aval, _top_k, multiple_results=True)


# ---------------------------------------------------------------------------------------------
# Cumulative reductions


def _cumulative(name: str, accumulate, kinds: str):
    def abstract_eval(x, *, axis, reverse):
        if not isinstance(axis, int) or not 0 <= axis < x.ndim:
            raise ValueError(f"{name}: axis {axis!r} is out of range for {x.str_short()}")
        if x.dtype.kind not in kinds:
            raise TypeError(f"{name} does not accept {x.str_short()}")
        return [x]

    def impl(x, *, axis, reverse):
        if x.shape[axis] == 0:
            return [np.array(x)]
        if reverse:
            return [np.flip(accumulate(np.flip(x, axis), axis).astype(x.dtype, copy=False), axis)]
        return [np.asarray(accumulate(x, axis)).astype(x.dtype, copy=False)]

    return _define(name, abstract_eval, impl)


def _logaddexp_accumulate(x, axis):
    return np.logaddexp.accumulate(x, axis=axis)


def _extremum_accumulate(ufunc):
    def accumulate(x, axis):
        if x.dtype == np.bool_:
            return (np.logical_or if ufunc is np.maximum else np.logical_and).accumulate(x, axis)
        return ufunc.accumulate(x, axis=axis)
    return accumulate


cumprod_p = _cumulative("cumprod", lambda x, axis: np.cumprod(x, axis=axis, dtype=x.dtype),
                        "iuf")
cummax_p = _cumulative("cummax", _extremum_accumulate(np.maximum), "biuf")
cummin_p = _cumulative("cummin", _extremum_accumulate(np.minimum), "biuf")
cumlogsumexp_p = _cumulative("cumlogsumexp", _logaddexp_accumulate, "f")
