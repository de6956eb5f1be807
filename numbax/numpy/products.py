"""Products: matmul (the `@` operator), dot, vdot, inner and outer."""
from __future__ import annotations

import numpy as np

from .. import lax
from ..core.avals import broadcast_shapes
from .arguments import cast, check_arg
from .creation import asarray
from .elementwise import multiply
from .shapes import broadcast_to, ravel

__all__ = [
    "dot", "inner", "matmul", "outer", "vdot",
]


def _promote_shapes_free(fname: str, *args):
    """Promote dtypes without requiring the shapes to broadcast (products contract them)."""
    args = [asarray(check_arg(x, fname, i)) for i, x in enumerate(args)]
    dt = np.result_type(*(a.dtype for a in args))
    return [cast(a, dt) for a in args]


def matmul(a, b):
    """Matrix product with broadcasting over leading dimensions, as numpy.matmul / `@`."""
    a, b = _promote_shapes_free("matmul", a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: operands must have at least one dimension, got shapes "
                         f"{a.shape} and {b.shape}")
    a2 = a if a.ndim > 1 else lax.expand_dims(a, (0,))
    b2 = b if b.ndim > 1 else lax.expand_dims(b, (1,))
    if a2.shape[-1] != b2.shape[-2]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} are not aligned: "
                         f"{a2.shape[-1]} (dim {a2.ndim - 1}) != {b2.shape[-2]} "
                         f"(dim {b2.ndim - 2})")
    batch = broadcast_shapes("matmul", a2.shape[:-2], b2.shape[:-2])
    a2 = broadcast_to(a2, batch + a2.shape[-2:])
    b2 = broadcast_to(b2, batch + b2.shape[-2:])
    nb = len(batch)
    out = lax.dot_general(a2, b2, (((nb + 1,), (nb,)), (tuple(range(nb)), tuple(range(nb)))))
    drop = ([nb] if a.ndim == 1 else []) + ([out.ndim - 1] if b.ndim == 1 else [])
    return lax.squeeze(out, drop) if drop else out


def dot(a, b):
    """numpy.dot: inner product of vectors, matrix product, or sum over a's last axis and
    b's second-to-last."""
    a, b = _promote_shapes_free("dot", a, b)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    cb = b.ndim - 2 if b.ndim >= 2 else 0
    if a.shape[-1] != b.shape[cb]:
        raise ValueError(f"dot: shapes {a.shape} and {b.shape} are not aligned: "
                         f"{a.shape[-1]} (dim {a.ndim - 1}) != {b.shape[cb]} (dim {cb})")
    return lax.dot_general(a, b, (((a.ndim - 1,), (cb,)), ((), ())))


def vdot(a, b):
    """Inner product of the flattened arrays."""
    return dot(ravel(a), ravel(b))


def inner(a, b):
    """Sum product over the last axes."""
    a, b = _promote_shapes_free("inner", a, b)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    return lax.dot_general(a, b, (((a.ndim - 1,), (b.ndim - 1,)), ((), ())))


def outer(a, b):
    """Outer product of the flattened arrays."""
    a, b = ravel(a), ravel(b)
    return multiply(lax.expand_dims(a, (1,)), lax.expand_dims(b, (0,)))
