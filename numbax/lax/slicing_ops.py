"""lax's slicing at traced offsets (dynamic_slice, dynamic_update_slice and their _in_dim and
_index_ forms), the static slice_in_dim / index_in_dim, and top_k.

Start indices are integer scalars (Python ints, NumPy or traced values, of any integer
dtypes), or one 1-D integer array. As in JAX, a negative start counts from the end (once),
and every start is then clamped so that the block fits in the operand.
"""
from __future__ import annotations

import numpy as np

from ..core import primitives as P
from ..core import slicing_primitives as S
from ..core.trace import Tracer, get_aval

__all__ = [
    "dynamic_slice", "dynamic_update_slice", "dynamic_slice_in_dim", "dynamic_index_in_dim",
    "dynamic_update_slice_in_dim", "dynamic_update_index_in_dim", "slice_in_dim",
    "index_in_dim", "top_k", "approx_max_k", "approx_min_k",
]


def as_operand(x, what: str):
    """A tracer, or x as a NumPy array of a supported dtype."""
    if isinstance(x, Tracer):
        return x
    x = np.asarray(x)
    get_aval(x, what)
    return x


def _split_starts(start_indices, name: str) -> list:
    if isinstance(start_indices, Tracer | np.ndarray):  # one array of starts
        aval = get_aval(start_indices)
        if aval.ndim != 1:
            raise TypeError(f"{name}: start_indices must be a sequence of scalars or a 1-D "
                            f"array, got {aval.str_short()}")
        return [P.reshape_p.bind(P.slice_p.bind(start_indices, start_indices=(i,),
                                                limit_indices=(i + 1,), strides=(1,)),
                                 new_sizes=()) for i in range(aval.shape[0])]
    if not isinstance(start_indices, list | tuple):
        raise TypeError(f"{name}: start_indices must be a sequence of scalars or a 1-D array, "
                        f"got {type(start_indices).__name__}")
    return list(start_indices)


def _starts(name: str, shape: tuple, start_indices, allow_negative_indices: bool) -> list:
    """The start indices as integer scalars, negative ones wrapped once."""
    starts = _split_starts(start_indices, name)
    if len(starts) != len(shape):
        raise TypeError(f"{name}: needs {len(shape)} start indices for an operand of shape "
                        f"{shape}, got {len(starts)}")
    out = []
    for i, (s, d) in enumerate(zip(starts, shape)):
        s = as_operand(s, f"{name}: start index {i}")
        aval = get_aval(s)
        if aval.shape != () or aval.dtype.kind not in "iu":
            raise TypeError(f"{name}: start index {i} must be an integer scalar, got "
                            f"{aval.str_short()}")
        if allow_negative_indices and aval.dtype.kind == "i":
            if isinstance(s, Tracer):
                d_s = np.asarray(d, aval.dtype)
                s = P.select_p.bind(P.lt_p.bind(s, np.zeros((), aval.dtype)),
                                    P.add_p.bind(s, d_s), s)
            elif s < 0:
                s = np.asarray(int(s) + d, np.int64)
        out.append(s)
    return out


def dynamic_slice(operand, start_indices, slice_sizes, *, allow_negative_indices: bool = True):
    """The block of operand of shape slice_sizes starting at (traced) start_indices, clamped
    so that it fits, as jax.lax.dynamic_slice.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.dynamic_slice(np.arange(6), (4,), (3,)).tolist()  # the start is clamped to 3
    [3, 4, 5]
    """
    operand = as_operand(operand, "dynamic_slice operand")
    shape = get_aval(operand).shape
    starts = _starts("dynamic_slice", shape, start_indices, allow_negative_indices)
    sizes = tuple(int(n) for n in slice_sizes)
    return S.dynamic_slice_p.bind(operand, *starts, slice_sizes=sizes)


def dynamic_update_slice(operand, update, start_indices, *,
                         allow_negative_indices: bool = True):
    """operand with the block at (traced) start_indices replaced by update, the start
    clamped so that update fits, as jax.lax.dynamic_update_slice.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.dynamic_update_slice(np.zeros(4), np.ones(2), (1,)).tolist()
    [0.0, 1.0, 1.0, 0.0]
    """
    operand = as_operand(operand, "dynamic_update_slice operand")
    update = as_operand(update, "dynamic_update_slice update")
    starts = _starts("dynamic_update_slice", get_aval(operand).shape, start_indices,
                     allow_negative_indices)
    return S.dynamic_update_slice_p.bind(operand, update, *starts)


def canonical_axis(axis: int, ndim: int, name: str) -> int:
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis {axis} is out of range for an operand of rank {ndim}")
    return axis % ndim


def _in_dim_starts(index, axis: int, ndim: int) -> list:
    index = as_operand(index, "start index")
    zero = np.zeros((), get_aval(index).dtype) if get_aval(index).dtype.kind in "iu" else 0
    return [index if d == axis else zero for d in range(ndim)]


def dynamic_slice_in_dim(operand, start_index, slice_size: int, axis: int = 0, *,
                         allow_negative_indices: bool = True):
    """dynamic_slice along one axis: slice_size entries from start_index.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.dynamic_slice_in_dim(np.arange(5), 1, 2).tolist()
    [1, 2]
    """
    operand = as_operand(operand, "dynamic_slice_in_dim operand")
    shape = get_aval(operand).shape
    axis = canonical_axis(axis, len(shape), "dynamic_slice_in_dim")
    sizes = tuple(int(slice_size) if d == axis else n for d, n in enumerate(shape))
    return dynamic_slice(operand, _in_dim_starts(start_index, axis, len(shape)), sizes,
                         allow_negative_indices=allow_negative_indices)


def dynamic_index_in_dim(operand, index, axis: int = 0, keepdims: bool = True, *,
                         allow_negative_indices: bool = True):
    """The entry at (traced) index along axis, keeping that axis (size 1) when keepdims.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.dynamic_index_in_dim(np.arange(6).reshape(2, 3), 1, keepdims=False).tolist()
    [3, 4, 5]
    """
    operand = as_operand(operand, "dynamic_index_in_dim operand")
    axis = canonical_axis(axis, get_aval(operand).ndim, "dynamic_index_in_dim")
    out = dynamic_slice_in_dim(operand, index, 1, axis,
                               allow_negative_indices=allow_negative_indices)
    return out if keepdims else P.squeeze_p.bind(out, dimensions=(axis,))


def dynamic_update_slice_in_dim(operand, update, start_index, axis: int, *,
                                allow_negative_indices: bool = True):
    """dynamic_update_slice at start_index along axis (0 along the others).

    >>> import numpy as np, numbax.lax as lax
    >>> lax.dynamic_update_slice_in_dim(np.zeros(3), np.ones(1), 2, 0).tolist()
    [0.0, 0.0, 1.0]
    """
    operand = as_operand(operand, "dynamic_update_slice_in_dim operand")
    ndim = get_aval(operand).ndim
    axis = canonical_axis(axis, ndim, "dynamic_update_slice_in_dim")
    return dynamic_update_slice(operand, update, _in_dim_starts(start_index, axis, ndim),
                                allow_negative_indices=allow_negative_indices)


def dynamic_update_index_in_dim(operand, update, index, axis: int, *,
                                allow_negative_indices: bool = True):
    """operand with its entry at (traced) index along axis replaced by update (which may
    lack that axis).

    >>> import numpy as np, numbax.lax as lax
    >>> lax.dynamic_update_index_in_dim(np.zeros((2, 2)), np.ones(2), 1, 0).tolist()
    [[0.0, 0.0], [1.0, 1.0]]
    """
    operand = as_operand(operand, "dynamic_update_index_in_dim operand")
    update = as_operand(update, "dynamic_update_index_in_dim update")
    ndim = get_aval(operand).ndim
    axis = canonical_axis(axis, ndim, "dynamic_update_index_in_dim")
    if get_aval(update).ndim == ndim - 1:
        update = P.expand_dims_p.bind(update, dimensions=(axis,))
    return dynamic_update_slice_in_dim(operand, update, index, axis,
                                       allow_negative_indices=allow_negative_indices)


def _static_index(value, size: int, name: str, what: str) -> int:
    if isinstance(value, Tracer) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name}: {what} must be a Python int (use dynamic_{name} for a traced "
                        f"index), got {type(value).__name__}")
    return int(value) + size if value < 0 else int(value)


def slice_in_dim(operand, start_index: int | None, limit_index: int | None, stride: int = 1,
                 axis: int = 0):
    """operand[start_index:limit_index:stride] along axis (negative indices count from the
    end), as jax.lax.slice_in_dim.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.slice_in_dim(np.arange(6), 1, -1, 2).tolist()
    [1, 3]
    """
    operand = as_operand(operand, "slice_in_dim operand")
    shape = get_aval(operand).shape
    axis = canonical_axis(axis, len(shape), "slice_in_dim")
    n = shape[axis]
    start = 0 if start_index is None else _static_index(start_index, n, "slice_in_dim", "start")
    limit = n if limit_index is None else _static_index(limit_index, n, "slice_in_dim", "limit")
    starts = tuple(start if d == axis else 0 for d in range(len(shape)))
    limits = tuple(limit if d == axis else m for d, m in enumerate(shape))
    strides = tuple(int(stride) if d == axis else 1 for d in range(len(shape)))
    return P.slice_p.bind(operand, start_indices=starts, limit_indices=limits, strides=strides)


def index_in_dim(operand, index: int, axis: int = 0, keepdims: bool = True):
    """The entry at a static index along axis (negative counts from the end), keeping that
    axis (size 1) when keepdims, as jax.lax.index_in_dim.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.index_in_dim(np.arange(6).reshape(2, 3), -1, axis=1, keepdims=False).tolist()
    [2, 5]
    """
    operand = as_operand(operand, "index_in_dim operand")
    shape = get_aval(operand).shape
    axis = canonical_axis(axis, len(shape), "index_in_dim")
    i = _static_index(index, shape[axis], "index_in_dim", "index")
    if not 0 <= i < shape[axis]:
        raise IndexError(f"index_in_dim: index {index} is out of bounds for axis {axis} of "
                         f"size {shape[axis]}")
    out = slice_in_dim(operand, i, i + 1, 1, axis)
    return out if keepdims else P.squeeze_p.bind(out, dimensions=(axis,))


def top_k(operand, k: int, *, axis: int = -1):
    """(the k largest entries along axis in descending order, their int32 positions), as
    jax.lax.top_k: equal values keep the lower position first; nan counts as the largest.

    >>> import numpy as np, numbax.lax as lax
    >>> values, indices = lax.top_k(np.array([1.0, 3.0, 2.0, 3.0]), 2)
    >>> values.tolist(), indices.tolist()
    ([3.0, 3.0], [1, 3])
    """
    operand = as_operand(operand, "top_k operand")
    ndim = get_aval(operand).ndim
    if ndim == 0:
        raise TypeError(f"top_k needs an operand with at least one axis, got "
                        f"{get_aval(operand).str_short()}")
    if isinstance(k, Tracer) or not isinstance(k, int | np.integer):
        raise TypeError(f"top_k: k must be a Python int, got {type(k).__name__}")
    axis = canonical_axis(axis, ndim, "top_k")
    if axis == ndim - 1:
        return tuple(S.top_k_p.bind(operand, k=int(k)))
    perm = tuple(d for d in range(ndim) if d != axis) + (axis,)
    back = tuple(np.argsort(perm).tolist())
    outs = S.top_k_p.bind(P.transpose_p.bind(operand, permutation=perm), k=int(k))
    return tuple(P.transpose_p.bind(o, permutation=back) for o in outs)


def approx_max_k(operand, k: int, reduction_dimension: int = -1, recall_target: float = 0.95,
                 is_max_k: bool = True, reduction_input_size_override: int = -1,
                 aggregate_to_topk: bool = True):
    """(the k largest entries along reduction_dimension, their int32 positions), as
    jax.lax.approx_max_k on CPU, where it is exact: top_k (recall_target and the other
    tuning arguments are accepted and ignored).

    >>> import numpy as np, numbax.lax as lax
    >>> lax.approx_max_k(np.array([1.0, 3.0, 2.0]), 2)[0].tolist()
    [3.0, 2.0]
    """
    if not is_max_k:
        return approx_min_k(operand, k, reduction_dimension)
    return top_k(operand, k, axis=reduction_dimension)


def approx_min_k(operand, k: int, reduction_dimension: int = -1, recall_target: float = 0.95,
                 is_max_k: bool = False, reduction_input_size_override: int = -1,
                 aggregate_to_topk: bool = True):
    """(the k smallest entries along reduction_dimension in ascending order, their int32
    positions; equal values keep the lower position first), as jax.lax.approx_min_k on CPU,
    where it is exact.

    >>> import numpy as np, numbax.lax as lax
    >>> lax.approx_min_k(np.array([1.0, 3.0, 2.0]), 2)[1].tolist()
    [0, 2]
    """
    operand = as_operand(operand, "approx_min_k operand")
    aval = get_aval(operand)
    # A key whose descending order is the operand's ascending one: -x, or ~x for integers
    # (exact, no overflow at the minimum).
    flip = P.neg_p if aval.dtype.kind in "fc" else P.not_p
    _, idx = top_k(flip.bind(operand), k, axis=reduction_dimension)
    axis = canonical_axis(reduction_dimension, aval.ndim, "approx_min_k")
    shape = get_aval(idx).shape
    idxs = [idx if d == axis else P.iota_p.bind(dtype=np.dtype(np.int32), shape=shape,
                                                dimension=d) for d in range(aval.ndim)]
    return P.gather_p.bind(operand, *idxs, axis=0, mode="clip", fill_value=None), idx
