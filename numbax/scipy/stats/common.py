"""Helpers shared by the distributions of numbax.scipy.stats."""
from __future__ import annotations

import numpy as np

from ... import numpy as xnp
from ...numpy.arguments import PYTHON_SCALARS, cast, check_arg, promote


def promote_inexact(fname: str, *args) -> list:
    """The arguments in one float dtype, as JAX's promote_args_inexact: integers and bools
    become float64 (numbax's default float), weak Python scalars keep float32 float32."""
    return promote(f"scipy.stats.{fname}", *args, inexact=True, min_float=np.float64)


def promote_dtypes_inexact(fname: str, *args) -> list:
    """As promote_inexact, without requiring the shapes to broadcast together."""
    args = [check_arg(a, f"scipy.stats.{fname}", i) for i, a in enumerate(args)]
    dt = np.result_type(*(a if isinstance(a, PYTHON_SCALARS) else a.dtype for a in args))
    if dt.kind not in "fc":
        dt = np.dtype(np.float64)
    return [cast(a, dt) for a in args]


def outside(cond, value, fill):
    """value where cond is False and fill where it is True (the support's complement)."""
    return xnp.where(cond, fill, value)


def standardize(x, loc, scale):
    """(x - loc) / scale."""
    return (x - loc) / scale


def promote_standardized(fname: str, x, loc, scale):
    """(z, scale): x, loc and scale promoted as fname's arguments, and z = (x - loc) / scale."""
    x, loc, scale = promote_inexact(fname, x, loc, scale)
    return standardize(x, loc, scale), scale


def log_of_either(p, complement):
    """log(p) given p and 1 - p: log1p(-complement) where p is near 1, which keeps the
    digits that log(p) rounds away (log cdf in the upper tail, log sf in the lower)."""
    near_one = p > 0.5
    return xnp.where(near_one, xnp.log1p(-xnp.where(near_one, complement, 0)),
                     xnp.log(xnp.where(near_one, 1, p)))


def nan_if_nan(result, *params):
    """result, with nan wherever a parameter is nan (also where x is off the support, whose
    value would not otherwise depend on the parameters), as SciPy."""
    bad = xnp.isnan(params[0])
    for p in params[1:]:
        bad = bad | xnp.isnan(p)
    return xnp.where(bad, np.nan, result)

