"""Thin wrappers that bind primitives, with lax's strict semantics: no implicit promotion.

Control flow (cond, while_loop, fori_loop, scan) lives here too once it lands.
"""
from __future__ import annotations

import numpy as np

from .core import primitives as P


def _unary(prim):
    return lambda x: prim.bind(x)


def _binary(prim):
    return lambda x, y: prim.bind(x, y)


neg, abs, sign = _unary(P.neg_p), _unary(P.abs_p), _unary(P.sign_p)  # noqa: A001
exp, log, log1p, expm1 = map(_unary, (P.exp_p, P.log_p, P.log1p_p, P.expm1_p))
sin, cos, tan, tanh = map(_unary, (P.sin_p, P.cos_p, P.tan_p, P.tanh_p))
sqrt, rsqrt, logistic = map(_unary, (P.sqrt_p, P.rsqrt_p, P.logistic_p))
add, sub, mul, div, pow = map(_binary, (P.add_p, P.sub_p, P.mul_p, P.div_p, P.pow_p))  # noqa: A001
max, min = _binary(P.max_p), _binary(P.min_p)  # noqa: A001
lt, le, gt, ge, eq, ne = map(_binary, (P.lt_p, P.le_p, P.gt_p, P.ge_p, P.eq_p, P.ne_p))
bitwise_and, bitwise_or, bitwise_not = _binary(P.and_p), _binary(P.or_p), _unary(P.not_p)


def integer_pow(x, y: int):
    return P.integer_pow_p.bind(x, y=y)


def select(pred, on_true, on_false):
    """Elementwise `on_true if pred else on_false` (pred is a bool array)."""
    return P.select_p.bind(pred, on_true, on_false)


def convert_element_type(x, new_dtype):
    return P.convert_element_type_p.bind(x, new_dtype=np.dtype(new_dtype))


def stop_gradient(x):
    """The identity on values, with a zero derivative.

    >>> import numbax as nb
    >>> float(nb.grad(lambda x: x * stop_gradient(x))(3.0))
    3.0
    """
    from .tree_util import tree_map
    return tree_map(P.stop_gradient_p.bind, x)


def reduce_sum(x, axes):
    return P.reduce_sum_p.bind(x, axes=tuple(axes))


def reduce_max(x, axes):
    return P.reduce_max_p.bind(x, axes=tuple(axes))


def reduce_min(x, axes):
    return P.reduce_min_p.bind(x, axes=tuple(axes))


def reduce_prod(x, axes):
    return P.reduce_prod_p.bind(x, axes=tuple(axes))


def argmax(x, axis: int, index_dtype=np.int64):
    return P.argmax_p.bind(x, axis=axis, index_dtype=np.dtype(index_dtype))


def argmin(x, axis: int, index_dtype=np.int64):
    return P.argmin_p.bind(x, axis=axis, index_dtype=np.dtype(index_dtype))


def broadcast_in_dim(x, shape, broadcast_dimensions):
    return P.broadcast_in_dim_p.bind(x, shape=tuple(shape),
                                     broadcast_dimensions=tuple(broadcast_dimensions))


def reshape(x, new_sizes):
    return P.reshape_p.bind(x, new_sizes=tuple(int(d) for d in new_sizes))


def transpose(x, permutation):
    return P.transpose_p.bind(x, permutation=tuple(int(p) for p in permutation))


def squeeze(x, dimensions):
    return P.squeeze_p.bind(x, dimensions=tuple(dimensions))


def expand_dims(x, dimensions):
    return P.expand_dims_p.bind(x, dimensions=tuple(dimensions))


def slice(x, start_indices, limit_indices, strides=None):  # noqa: A001
    strides = (1,) * len(start_indices) if strides is None else strides
    return P.slice_p.bind(x, start_indices=tuple(start_indices),
                          limit_indices=tuple(limit_indices), strides=tuple(strides))


def pad(x, padding_value, padding_config):
    return P.pad_p.bind(x, padding_value, padding_config=tuple(map(tuple, padding_config)))


def gather(x, indices, axis: int):
    """x taken at integer `indices` along `axis` (indices clamped into range)."""
    return P.gather_p.bind(x, indices, axis=axis)


def scatter_add(x, indices, updates, axis: int):
    """x with `updates` added at integer `indices` along `axis` (repeated indices accumulate)."""
    return P.scatter_add_p.bind(x, indices, updates, axis=axis)


def concatenate(xs, dimension: int):
    return P.concatenate_p.bind(*xs, dimension=dimension)


def dot_general(x, y, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    dims = ((tuple(lc), tuple(rc)), (tuple(lb), tuple(rb)))
    return P.dot_general_p.bind(x, y, dimension_numbers=dims)


def iota(dtype, shape, dimension: int = 0):
    return P.iota_p.bind(dtype=np.dtype(dtype), shape=tuple(shape), dimension=dimension)


def full(shape, fill_value, dtype):
    return P.full_p.bind(shape=tuple(shape), fill_value=fill_value, dtype=np.dtype(dtype))


__all__ = [n for n in dir() if not n.startswith("_") and n not in ("annotations", "np", "P",
                                                                    "partial")]
