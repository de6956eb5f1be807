"""Collectives over named axes, as jax.lax's: psum, pmean, pmax, pmin, all_gather,
psum_scatter, ppermute, axis_index, axis_size.

An axis name is bound by vmap(..., axis_name=...) or pmap; axis_name is one name or a tuple
of names (acting as one axis of the product size, the first name major). The reductions and
all_gather accept pytrees of arrays.

>>> import numpy as np, numbax as nb, numbax.lax as lax
>>> nb.vmap(lambda x: x - lax.pmean(x, "i"), axis_name="i")(np.array([1., 2., 6.]))
array([-2., -1.,  3.])
"""
from __future__ import annotations

import numpy as np

from ..core import primitives as P
from ..core.axis_env import axes_size, axis_frame
from ..core.collective_primitives import (
    all_gather_p,
    axis_index_p,
    check_perm,
    pmax_p,
    pmin_p,
    ppermute_p,
    psum_p,
    psum_scatter_p,
)
from ..core.trace import Tracer, get_aval
from ..tree_util import tree_map

__all__ = ["all_gather", "axis_index", "axis_size", "pmax", "pmean", "pmin", "ppermute",
           "psum", "psum_scatter"]


def _axes(axis_name, what: str) -> tuple[str, ...]:
    names = tuple(axis_name) if isinstance(axis_name, tuple | list) else (axis_name,)
    if not names or not all(isinstance(n, str) for n in names):
        raise TypeError(f"{what}: axis_name must be a str or a tuple of str, got {axis_name!r}")
    return names


def axis_size(axis_name) -> int:
    """The number of members of a bound axis (or the product over a tuple of names).

    >>> import numpy as np, numbax as nb, numbax.lax as lax
    >>> nb.vmap(lambda x: x * lax.axis_size("i"), axis_name="i")(np.ones(3))
    array([3., 3., 3.])
    """
    return axes_size(_axes(axis_name, "axis_size"))


def psum(x, axis_name):
    """The sum of x over the members of the axis (a pytree: leaf by leaf).

    >>> import numpy as np, numbax as nb, numbax.lax as lax
    >>> nb.vmap(lambda x: lax.psum(x, "i"), axis_name="i")(np.arange(3.))
    array([3., 3., 3.])
    """
    axes = _axes(axis_name, "psum")
    return tree_map(lambda v: _psum(v, axes), x)


def _psum(v, axes: tuple[str, ...]):
    """One leaf's psum. Booleans are summed as int32 (as JAX). A value that is not traced
    is the same on every member, so its sum is size copies of it: computed here, a Python
    scalar stays weakly typed (x / psum(1, "i") keeps x's float32, as in JAX)."""
    if not isinstance(v, Tracer):
        if np.asarray(v).dtype == np.bool_:
            v = np.asarray(v, np.int32)
        return v * axes_size(axes)
    if get_aval(v).dtype == np.bool_:
        v = P.convert_element_type_p.bind(v, new_dtype=np.dtype(np.int32))
    return psum_p.bind(v, axes=axes)


def pmax(x, axis_name):
    """The maximum of x over the members of the axis (a pytree: leaf by leaf)."""
    axes = _axes(axis_name, "pmax")
    return tree_map(lambda v: pmax_p.bind(v, axes=axes), x)


def pmin(x, axis_name):
    """The minimum of x over the members of the axis (a pytree: leaf by leaf)."""
    axes = _axes(axis_name, "pmin")
    return tree_map(lambda v: pmin_p.bind(v, axes=axes), x)


def pmean(x, axis_name):
    """The mean of x over the members of the axis: psum / axis size (integers give floats,
    as JAX's true division)."""
    axes = _axes(axis_name, "pmean")
    n = axes_size(axes)

    def mean(v):
        total = _psum(v, axes)
        if not isinstance(total, Tracer):
            return total / n
        dtype = get_aval(total).dtype
        if dtype.kind not in "fc":
            dtype = np.result_type(dtype, np.float64)
            total = P.convert_element_type_p.bind(total, new_dtype=dtype)
        return P.div_p.bind(total, np.asarray(n, dtype))

    return tree_map(mean, x)


def all_gather(x, axis_name, *, axis: int = 0, tiled: bool = False):
    """Every member's x, stacked along a new dimension axis (tiled: concatenated along the
    existing dimension axis), in member order.

    >>> import numpy as np, numbax as nb, numbax.lax as lax
    >>> nb.vmap(lambda x: lax.all_gather(x, "i"), axis_name="i")(np.arange(2.))
    array([[0., 1.],
           [0., 1.]])
    """
    axes = _axes(axis_name, "all_gather")
    n = axes_size(axes)

    def gather(v):
        ndim = get_aval(v).ndim + (not tiled)
        if not -ndim <= axis < ndim:
            raise ValueError(f"all_gather: axis {axis} out of range for an operand of rank "
                             f"{get_aval(v).ndim} (tiled={tiled})")
        return all_gather_p.bind(v, axes=axes, axis_size=n, all_gather_dimension=axis % ndim,
                                 tiled=bool(tiled))

    return tree_map(gather, x)


def psum_scatter(x, axis_name, *, scatter_dimension: int = 0, tiled: bool = False):
    """The sum of x over the axis, of which member k keeps block k along scatter_dimension:
    the index k of that dimension (whose size must be the axis size), or with tiled=True the
    k-th of axis-size equal blocks.

    >>> import numpy as np, numbax as nb, numbax.lax as lax
    >>> nb.vmap(lambda x: lax.psum_scatter(x, "i"), axis_name="i")(np.ones((2, 2)))
    array([2., 2.])
    """
    axes = _axes(axis_name, "psum_scatter")
    n = axes_size(axes)

    def scatter(v):
        ndim = get_aval(v).ndim
        if not -ndim <= scatter_dimension < ndim:
            raise ValueError(f"psum_scatter: scatter_dimension {scatter_dimension} out of range "
                             f"for an operand of rank {ndim}")
        return psum_scatter_p.bind(v, axes=axes, axis_size=n,
                                   scatter_dimension=scatter_dimension % ndim, tiled=bool(tiled))

    return tree_map(scatter, x)


def ppermute(x, axis_name, perm):
    """Member src's x goes to member dst for each (src, dst) in perm; a member that receives
    nothing gets zeros.

    >>> import numpy as np, numbax as nb, numbax.lax as lax
    >>> nb.vmap(lambda x: lax.ppermute(x, "i", [(0, 1), (1, 2)]), axis_name="i")(np.arange(1., 4.))
    array([0., 1., 2.])
    """
    axes = _axes(axis_name, "ppermute")
    pairs = check_perm(perm, axes_size(axes))
    return tree_map(lambda v: ppermute_p.bind(v, axes=axes, perm=pairs), x)


def axis_index(axis_name):
    """This member's position along the axis, an int32 scalar (over a tuple of names, the
    position in the product axis, the first name major).

    >>> import numpy as np, numbax as nb, numbax.lax as lax
    >>> nb.vmap(lambda x: x + lax.axis_index("i"), axis_name="i")(np.zeros(3, np.int32))
    array([0, 1, 2], dtype=int32)
    """
    index = None
    for name in _axes(axis_name, "axis_index"):
        i = axis_index_p.bind(axes=(name,))
        if index is not None:
            size = np.asarray(axis_frame(name).size, np.int32)
            i = P.add_p.bind(P.mul_p.bind(index, size), i)
        index = i
    return index
