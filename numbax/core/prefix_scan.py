"""The parallel-prefix (associative) scan as a program of slices, pads and selects.

`prefix_scan(combine, elems, axis)` computes the inclusive scan of the arrays `elems` (one
tuple of operands per position along `axis`) with an associative `combine(xs, ys) -> zs`
on lists of arrays, in O(log n) rounds of whole-array operations: pairs are combined, the
half-length result scanned recursively, and the even positions filled in (Blelloch's
up-sweep and down-sweep, as JAX's lax.associative_scan). It binds only primitives with every
rule, so it runs under jit, grad and vmap; lax.associative_scan wraps it and the JVPs of
cumprod and cumlogsumexp differentiate it.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import primitives as P
from .trace import get_aval


def slice_axis(x, start: int, stop: int, stride: int, axis: int):
    shape = get_aval(x).shape
    starts = tuple(start if d == axis else 0 for d in range(len(shape)))
    limits = tuple(stop if d == axis else n for d, n in enumerate(shape))
    strides = tuple(stride if d == axis else 1 for d in range(len(shape)))
    return P.slice_p.bind(x, start_indices=starts, limit_indices=limits, strides=strides)


def _spread(x, lo: int, hi: int, axis: int):
    """x with one zero between neighbours along axis, lo zeros before and hi after."""
    aval = get_aval(x)
    config = tuple((lo, hi, 1) if d == axis else (0, 0, 0) for d in range(aval.ndim))
    return P.pad_p.bind(x, np.zeros((), aval.dtype), padding_config=config)


def _interleave(evens, odds, axis: int):
    """evens at positions 0, 2, 4... and odds at 1, 3, 5... along axis."""
    n_even, n_odd = get_aval(evens).shape[axis], get_aval(odds).shape[axis]
    a = _spread(evens, 0, 1 if n_even == n_odd else 0, axis)
    b = _spread(odds, 1, 0 if n_even == n_odd else 1, axis)
    n, ndim = n_even + n_odd, get_aval(a).ndim
    is_even = (np.arange(n) % 2 == 0).reshape([n if d == axis else 1 for d in range(ndim)])
    return P.select_p.bind(is_even, a, b)


def prefix_scan(combine: Callable[[list, list], list], elems: list, axis: int) -> list:
    """The inclusive scan of elems (arrays of one length along axis) under combine."""
    n = get_aval(elems[0]).shape[axis]
    if n < 2:
        return list(elems)
    pairs = combine([slice_axis(e, 0, n - 1, 2, axis) for e in elems],
                    [slice_axis(e, 1, n, 2, axis) for e in elems])
    odds = prefix_scan(combine, list(pairs), axis)
    if n % 2 == 0:
        evens = combine([slice_axis(o, 0, get_aval(o).shape[axis] - 1, 1, axis) for o in odds],
                        [slice_axis(e, 2, n, 2, axis) for e in elems])
    else:
        evens = combine(odds, [slice_axis(e, 2, n, 2, axis) for e in elems])
    evens = [P.concatenate_p.bind(slice_axis(e, 0, 1, 1, axis), r, dimension=axis)
             for e, r in zip(elems, evens)]
    return [_interleave(e, o, axis) for e, o in zip(evens, odds)]
