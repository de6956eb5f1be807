"""The fixed parts of a blocked reduction kernel, compiled once and cached on disk.

A reduction kernel (codegen._blocked_reduction) computes each block of elements into a buffer
with a vectorised loop, then folds the buffer into ACCUMULATORS independent accumulators.
Only the first part depends on the program; allocating the buffer, the accumulator loop and
the final combination do not. Written out in every kernel, they made up about half of its
first-call compile time (np.empty's and min's implementations compiled in each new process,
and eight accumulator chains optimised again per kernel). Here they are Numba functions that
kernels call, typed per accumulator dtype once and then loaded from Numba's cache, like
vecmath's functions.

Maximum and minimum fold element j of a block into accumulator j % ACCUMULATORS (the tail
of a block into the first), and the total pairs the accumulators as a balanced tree. A sum
is folded into the first accumulator by a loop that LLVM may reassociate, so it splits the
sum into vector lanes: the order of the additions depends on the machine's vector width,
with the same error bound as any blocked sum (sums are checked to NumPy's tolerance, not to
the bit).

>>> import numpy as np
>>> buf, acc = scratch(np.float64(0), 16)
>>> buf[:10] = np.arange(10.0)
>>> sum_block(acc, buf, 10)
>>> float(sum_total(acc))
45.0
"""
from __future__ import annotations

import numba
import numpy as np

ACCUMULATORS = 8
_JIT = dict(nogil=True, cache=True, error_model="numpy")


@numba.njit(**_JIT)
def scratch(init, size):
    """A block buffer of `size` elements and the accumulators, all of init's dtype, the
    accumulators set to init (the reduction's identity)."""
    acc = np.full(ACCUMULATORS, init)
    return np.empty(size, acc.dtype), acc


@numba.njit(**_JIT)
def fill(acc, init):
    """Reset the accumulators (a new row of a per-row reduction)."""
    for k in range(ACCUMULATORS):
        acc[k] = init


# A sum is folded with LLVM allowed to reassociate it, which it vectorises into one partial
# sum per vector lane (3x faster than eight scalar chains, measured on a 1e6-element float32
# sum(x*y)): the order of additions then follows the machine's vector width, as NumPy's SIMD
# sums do. Only this fold carries the flag; the program's own arithmetic keeps IEEE order.
@numba.njit(fastmath={"reassoc"}, **_JIT)
def sum_block(acc, buf, m):
    """Add buf[:m] into the first accumulator."""
    s = acc[0]
    for j in range(m):
        s += buf[j]
    acc[0] = s


# The accumulators live in locals while a block is folded, so LLVM keeps them in registers.
@numba.njit(**_JIT)
def max_block(acc, buf, m):
    """Fold buf[:m] into the accumulators with np.maximum (NaN propagates)."""
    a0, a1, a2, a3, a4, a5, a6, a7 = acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7]
    for j in range(0, m - 7, 8):
        a0, a1 = np.maximum(a0, buf[j]), np.maximum(a1, buf[j + 1])
        a2, a3 = np.maximum(a2, buf[j + 2]), np.maximum(a3, buf[j + 3])
        a4, a5 = np.maximum(a4, buf[j + 4]), np.maximum(a5, buf[j + 5])
        a6, a7 = np.maximum(a6, buf[j + 6]), np.maximum(a7, buf[j + 7])
    for j in range(m - m % 8, m):
        a0 = np.maximum(a0, buf[j])
    acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7] = a0, a1, a2, a3, a4, a5, a6, a7


@numba.njit(**_JIT)
def min_block(acc, buf, m):
    """Fold buf[:m] into the accumulators with np.minimum (NaN propagates)."""
    a0, a1, a2, a3, a4, a5, a6, a7 = acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7]
    for j in range(0, m - 7, 8):
        a0, a1 = np.minimum(a0, buf[j]), np.minimum(a1, buf[j + 1])
        a2, a3 = np.minimum(a2, buf[j + 2]), np.minimum(a3, buf[j + 3])
        a4, a5 = np.minimum(a4, buf[j + 4]), np.minimum(a5, buf[j + 5])
        a6, a7 = np.minimum(a6, buf[j + 6]), np.minimum(a7, buf[j + 7])
    for j in range(m - m % 8, m):
        a0 = np.minimum(a0, buf[j])
    acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7] = a0, a1, a2, a3, a4, a5, a6, a7


@numba.njit(**_JIT)
def sum_total(acc):
    return acc[0]  # sum_block folds into the first accumulator only


@numba.njit(**_JIT)
def max_total(acc):
    return np.maximum(np.maximum(np.maximum(acc[0], acc[1]), np.maximum(acc[2], acc[3])),
                      np.maximum(np.maximum(acc[4], acc[5]), np.maximum(acc[6], acc[7])))


@numba.njit(**_JIT)
def min_total(acc):
    return np.minimum(np.minimum(np.minimum(acc[0], acc[1]), np.minimum(acc[2], acc[3])),
                      np.minimum(np.minimum(acc[4], acc[5]), np.minimum(acc[6], acc[7])))
