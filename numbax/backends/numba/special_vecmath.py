"""Vectorisable erf, erfc, lgamma and digamma for fast-math kernels.

core/special_math.py writes these four branch-free and takes their elementary functions as
arguments; here they get vecmath's exp, log, sin and tan, so that a loop inlining them has
no libm call left and LLVM vectorises it. The float32 versions evaluate the float64 ones and
round once. Accuracy: docs/vecmath.md.
"""
from __future__ import annotations

import numba
import numpy as np

from ...core import special_math as sm
from .vecmath import exp64, log64, sin64, tan64

# Inlined by Numba: as vecmath's larger functions, too large for LLVM's inliner.
_INLINE = dict(error_model="numpy", nogil=True, cache=True, inline="always")


@numba.njit(**_INLINE)
def erf64(x):
    return sm.erf_kernel(x, exp64)


@numba.njit(**_INLINE)
def erfc64(x):
    return sm.erfc_kernel(x, exp64)


@numba.njit(**_INLINE)
def lgamma64(x):
    return sm.lgamma_kernel(x, log64, sin64)


@numba.njit(**_INLINE)
def digamma64(x):
    return sm.digamma_kernel(x, log64, tan64)


@numba.njit(**_INLINE)
def erf32(x):
    return np.float32(erf64(np.float64(x)))


@numba.njit(**_INLINE)
def erfc32(x):
    return np.float32(erfc64(np.float64(x)))


@numba.njit(**_INLINE)
def lgamma32(x):
    return np.float32(lgamma64(np.float64(x)))


@numba.njit(**_INLINE)
def digamma32(x):
    return np.float32(digamma64(np.float64(x)))


# primitive name -> (float32 variant, float64 variant), merged into vecmath.FUNCTIONS.
SPECIAL_FUNCTIONS = {
    "erf": ("erf32", "erf64"), "erfc": ("erfc32", "erfc64"),
    "lgamma": ("lgamma32", "lgamma64"), "digamma": ("digamma32", "digamma64"),
}
