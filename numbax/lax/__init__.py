"""Thin wrappers that bind primitives, with lax's strict semantics: no implicit promotion.

Control flow (cond, switch, while_loop, fori_loop, scan) lives here too; the linear-algebra
wrappers are the submodule numbax.lax.linalg.
"""
from __future__ import annotations

import builtins

import numpy as np

from ..core import primitives as P
from ..core.avals import ShapedArray
from ..core.trace import Tracer, get_aval
from . import linalg as linalg
from .collective_ops import *  # noqa: F403  (psum, pmean, all_gather...: collective_ops.__all__)
from .conv_ops import *  # noqa: F403  (convolutions and reduce_window: conv_ops.__all__)
from .fft_ops import FftType as FftType
from .fft_ops import fft as fft
from .special_ops import *  # noqa: F403  (erf, lgamma, igamma...: special_ops.__all__)


def _unary(prim):
    return lambda x: prim.bind(x)


def _binary(prim):
    return lambda x, y: prim.bind(x, y)


neg, abs, sign = _unary(P.neg_p), _unary(P.abs_p), _unary(P.sign_p)  # noqa: A001
exp, log, log1p, expm1 = map(_unary, (P.exp_p, P.log_p, P.log1p_p, P.expm1_p))
sin, cos, tan, tanh = map(_unary, (P.sin_p, P.cos_p, P.tan_p, P.tanh_p))
sqrt, rsqrt, logistic = map(_unary, (P.sqrt_p, P.rsqrt_p, P.logistic_p))
cbrt = _unary(P.cbrt_p)
exp2 = _unary(P.exp2_p)
add, sub, mul, div, pow = map(_binary, (P.add_p, P.sub_p, P.mul_p, P.div_p, P.pow_p))  # noqa: A001
max, min = _binary(P.max_p), _binary(P.min_p)  # noqa: A001
lt, le, gt, ge, eq, ne = map(_binary, (P.lt_p, P.le_p, P.gt_p, P.ge_p, P.eq_p, P.ne_p))
bitwise_and, bitwise_or, bitwise_not = _binary(P.and_p), _binary(P.or_p), _unary(P.not_p)
bitwise_xor = _binary(P.xor_p)
asin, acos, atan, atan2 = _unary(P.asin_p), _unary(P.acos_p), _unary(P.atan_p), _binary(P.atan2_p)
sinh, cosh = _unary(P.sinh_p), _unary(P.cosh_p)
asinh, acosh, atanh = _unary(P.asinh_p), _unary(P.acosh_p), _unary(P.atanh_p)
# log2 and log10 are not lax names in JAX; they are primitives here for accuracy.
log2, log10 = _unary(P.log2_p), _unary(P.log10_p)
floor, ceil = _unary(P.floor_p), _unary(P.ceil_p)
rem, nextafter = _binary(P.rem_p), _binary(P.nextafter_p)
copysign = _binary(P.copysign_p)  # not a lax name in JAX (it bit-casts); the sign bit of y
shift_left = _binary(P.shift_left_p)
shift_right_logical = _binary(P.shift_right_logical_p)
shift_right_arithmetic = _binary(P.shift_right_arithmetic_p)
population_count = _unary(P.population_count_p)
real, imag, conj = _unary(P.real_p), _unary(P.imag_p), _unary(P.conj_p)
# lax.complex(x, y) = x + i y, from two float arrays of one dtype.
complex = _binary(P.complex_p)  # noqa: A001


def is_finite(x):
    """Elementwise: x is neither infinite nor nan (a float array; for a complex one, both
    parts), as lax.is_finite."""
    if get_aval(x).dtype.kind == "c":
        return P.and_p.bind(is_finite(P.real_p.bind(x)), is_finite(P.imag_p.bind(x)))
    return P.lt_p.bind(P.abs_p.bind(x), np.asarray(np.inf, get_aval(x).dtype))


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
    from ..tree_util import tree_map
    return tree_map(P.stop_gradient_p.bind, x)


def reduce_sum(x, axes):
    return P.reduce_sum_p.bind(x, axes=tuple(axes))


def reduce_max(x, axes):
    return P.reduce_max_p.bind(x, axes=tuple(axes))


def reduce_min(x, axes):
    return P.reduce_min_p.bind(x, axes=tuple(axes))


def cumsum(x, axis: int = 0, reverse: bool = False):
    """Inclusive cumulative sum along axis (from the end when reverse), as lax.cumsum."""
    return P.cumsum_p.bind(x, axis=int(axis), reverse=bool(reverse))


def sort(operand, dimension: int = -1, is_stable: bool = True, num_keys: int = 1):
    """Sort one array, or a sequence of same-shape arrays by their first num_keys (nan last)."""
    xs = list(operand) if isinstance(operand, list | tuple) else [operand]
    dimension = int(dimension) + (get_aval(xs[0]).ndim if dimension < 0 else 0)
    out = P.sort_p.bind(*xs, dimension=dimension, is_stable=bool(is_stable),
                        num_keys=int(num_keys))
    return tuple(out) if isinstance(operand, list | tuple) else out[0]


def sort_key_val(keys, values, dimension: int = -1, is_stable: bool = True):
    """(keys sorted along dimension, values permuted the same way), as lax.sort_key_val."""
    return sort((keys, values), dimension, is_stable, num_keys=1)


def round(x, rounding_method: int = 0):  # noqa: A001
    """Round to integral values: halves away from zero (0, the default) or to even (1)."""
    return P.round_p.bind(x, rounding_method=int(rounding_method))


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
    # Not map(): numbax.lax.map shadows the builtin in this module.
    return P.pad_p.bind(x, padding_value, padding_config=tuple(tuple(c) for c in padding_config))


def rev(x, dimensions):
    """x with the order of its elements reversed along each of `dimensions`."""
    return P.rev_p.bind(x, dimensions=tuple(int(d) for d in dimensions))


def _index_operands(indices) -> tuple:
    return tuple(indices) if isinstance(indices, tuple) else (indices,)


def gather(x, indices, axis: int, mode: str = "clip", fill_value=None):
    """x taken at integer `indices` (an array, or a tuple of k arrays of one shape for the k
    axes from `axis` on): out-of-range indices are clamped (mode="clip") or give fill_value
    (mode="fill")."""
    return P.gather_p.bind(x, *_index_operands(indices), axis=axis, mode=mode,
                           fill_value=fill_value)


def _scatter(prim):
    def scatter(x, indices, updates, axis: int, mode: str = "clip", **params):
        return prim.bind(x, *_index_operands(indices), updates, axis=axis, mode=mode, **params)

    scatter.__doc__ = (f"x with `updates` combined ({prim.name}) at integer `indices` (as in "
                       "gather); out-of-range indices are clamped (mode='clip') or their "
                       "updates dropped (mode='drop').")
    return scatter


# Repeated indices accumulate for add, mul, min and max; for scatter the last update wins.
scatter_add = _scatter(P.scatter_add_p)
scatter_mul = _scatter(P.scatter_mul_p)
scatter_min = _scatter(P.scatter_min_p)
scatter_max = _scatter(P.scatter_max_p)
scatter = _scatter(P.scatter_p)


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




# ---------------------------------------------------------------------------------------------
# Control flow


def _trace_fun(fun, args: tuple, what: str):
    """Trace fun(*args) (args a tuple of pytrees) to (jaxpr with consts as inputs, consts,
    out_tree, out_avals)."""
    from ..interpreters.partial_eval import trace_to_subjaxpr
    from ..tree_util import tree_flatten, tree_unflatten
    leaves, in_tree = tree_flatten(args)
    box = []

    def flat(*xs):
        out_leaves, out_tree = tree_flatten(fun(*tree_unflatten(in_tree, xs)))
        box.append(out_tree)
        return out_leaves

    avals = [get_aval(x, f"{what}: operand") for x in leaves]
    # How leaked-tracer errors name this trace, e.g. "cond(<lambda>)".
    name = f"{what}({getattr(fun, '__name__', type(fun).__name__)})"
    jaxpr, consts = trace_to_subjaxpr(flat, avals, name)
    return jaxpr, consts, box[0]


def _operand(x, what: str):
    """A tracer, or x as a NumPy array of a supported dtype (lax sits below numbax.numpy)."""
    if isinstance(x, Tracer):
        return x
    x = np.asarray(x)
    get_aval(x, what)
    return x


def _flat_operands(tree):
    from ..tree_util import tree_flatten
    leaves, treedef = tree_flatten(tree)
    return [_operand(x, "control flow operand") for x in leaves], treedef


def _describe(treedef, avals) -> str:
    return f"{treedef} with leaves ({', '.join(a.str_short() for a in avals)})"


def _check_same(what: str, tree_a, avals_a, tree_b, avals_b, name_a: str, name_b: str) -> None:
    if tree_a != tree_b or list(avals_a) != list(avals_b):
        raise TypeError(f"{what}: {name_a} and {name_b} must have identical structure, shapes "
                        f"and dtypes, but {name_a} is {_describe(tree_a, avals_a)} and {name_b} "
                        f"is {_describe(tree_b, avals_b)}")


def switch(index, branches, *operands):
    """Apply branches[index](*operands); index is clamped into range, as in JAX.

    >>> import numbax as nb
    >>> float(nb.lax.switch(1, [lambda x: x - 1.0, lambda x: x + 1.0], 1.0))
    2.0
    """
    branches = list(branches)
    return _switch(index, branches, operands,
                   [f"branch {i}" for i in range(len(branches))])


def _switch(index, branches, operands, names):
    from ..interpreters.control_flow import INDEX_DTYPE, cond_p, join_branch_consts
    from ..tree_util import tree_flatten, tree_unflatten
    if not branches:
        raise ValueError("switch needs at least one branch")
    index = _operand(index, "switch index")
    if index.shape != () or index.dtype.kind not in "iub":
        raise TypeError(f"switch index must be an integer scalar, got {index.dtype}{list(index.shape)}")
    index = convert_element_type(index, INDEX_DTYPE)
    index = P.max_p.bind(P.min_p.bind(index, np.asarray(len(branches) - 1, INDEX_DTYPE)),
                         np.asarray(0, INDEX_DTYPE))
    leaves, _ = tree_flatten(operands)
    traced = [_trace_fun(b, operands, "cond") for b in branches]
    for i, (j, _, t) in enumerate(traced[1:], 1):
        _check_same("cond", traced[0][2], traced[0][0].out_avals, t, j.out_avals,
                    f"{names[0]} output", f"{names[i]} output")
    jaxprs, consts = join_branch_consts([(j, c) for j, c, _ in traced])
    outs = cond_p.bind(index, *consts, *[_operand(x, "cond operand") for x in leaves],
                       branches=tuple(jaxprs))
    return tree_unflatten(traced[0][2], outs)


def cond(pred, true_fun, false_fun, *operands):
    """true_fun(*operands) if pred else false_fun(*operands), for a traced scalar pred.

    Both branches are traced and must return the same structure, shapes and dtypes. Under
    vmap with a batched pred both run and the results are selected per member.

    >>> import numbax as nb
    >>> float(nb.lax.cond(True, lambda x: x * 2.0, lambda x: x, 3.0))
    6.0
    """
    pred = _operand(pred, "cond predicate")
    if pred.shape != ():
        raise TypeError(f"cond predicate must be a scalar, got shape {pred.shape}; use "
                        "numbax.numpy.where for elementwise selection")
    if pred.dtype != np.bool_:
        pred = P.ne_p.bind(pred, np.zeros((), pred.dtype))
    return _switch(convert_element_type(pred, np.int32), [false_fun, true_fun], operands,
                   ["false_fun", "true_fun"])


def while_loop(cond_fun, body_fun, init_val):
    """Repeat val = body_fun(val) while cond_fun(val); returns the final val.

    >>> import numbax as nb
    >>> int(nb.lax.while_loop(lambda i: i < 10, lambda i: i + 3, 0))
    12
    """
    from ..interpreters.control_flow import while_p
    from ..tree_util import tree_unflatten
    leaves, tree = _flat_operands(init_val)
    carry = tree_unflatten(tree, leaves)
    avals = [ShapedArray(x.shape, x.dtype) for x in leaves]
    c_jaxpr, c_consts, c_tree = _trace_fun(cond_fun, (carry,), "while_loop cond_fun")
    out = c_jaxpr.out_avals
    if len(out) != 1 or out[0].shape != () or out[0].dtype != np.bool_:
        raise TypeError("while_loop cond_fun must return a boolean scalar, got "
                        f"{_describe(c_tree, out)}")
    b_jaxpr, b_consts, b_tree = _trace_fun(body_fun, (carry,), "while_loop body_fun")
    _check_same("while_loop", tree, avals, b_tree, b_jaxpr.out_avals, "the carry (init_val)",
                "body_fun's output")
    outs = while_p.bind(*c_consts, *b_consts, *leaves, cond_jaxpr=c_jaxpr, body_jaxpr=b_jaxpr,
                        cond_nconsts=len(c_consts), body_nconsts=len(b_consts))
    return tree_unflatten(tree, outs)


def fori_loop(lower, upper, body_fun, init_val):
    """val = body_fun(i, val) for i in range(lower, upper).

    With Python int bounds it runs as a scan, so reverse-mode differentiation works; with
    traced bounds it is a while_loop.

    >>> import numbax as nb
    >>> float(nb.lax.fori_loop(0, 4, lambda i, x: x * 2.0, 1.0))
    16.0
    """
    static = not isinstance(lower, Tracer) and not isinstance(upper, Tracer)
    if static and isinstance(lower, int | np.integer) and isinstance(upper, int | np.integer):
        i0 = np.asarray(lower, np.result_type(lower, upper))

        def step(carry, _):
            i, x = carry
            return (i + np.ones((), i0.dtype), body_fun(i, x)), None

        (_, out), _ = scan(step, (i0, init_val), None, length=builtins.max(int(upper) - int(lower), 0))
        return out

    def loop_cond(c):
        return c[0] < c[1]

    def loop_body(c):
        i, hi, x = c
        return i + 1, hi, body_fun(i, x)

    return while_loop(loop_cond, loop_body, (lower, upper, init_val))[2]


def scan(f, init, xs, length: int | None = None, reverse: bool = False):
    """Loop f(carry, x) -> (carry, y) over the leading axis of xs, stacking the ys.

    >>> import numpy as np, numbax as nb
    >>> carry, ys = nb.lax.scan(lambda c, x: (c + x, c * x), 0.0, np.arange(4.0))
    >>> float(carry), ys.tolist()
    (6.0, [0.0, 0.0, 2.0, 9.0])
    """
    from ..interpreters.control_flow import scan_p
    from ..tree_util import tree_flatten, tree_unflatten
    init_leaves, carry_tree = _flat_operands(init)
    x_leaves, x_tree = _flat_operands(xs)
    lengths = {x.shape[0] if x.ndim else None for x in x_leaves}
    if None in lengths:
        raise ValueError("scan: every leaf of xs needs a leading axis to scan over")
    if length is not None:
        lengths.add(int(length))
    if len(lengths) > 1:
        raise ValueError(f"scan: inconsistent lengths {sorted(lengths)} for the leading axes of "
                         "xs (and length)")
    if not lengths:
        raise ValueError("scan: length must be given when xs is None or empty")
    n = lengths.pop()
    carry = tree_unflatten(carry_tree, init_leaves)
    x_slice = tree_unflatten(x_tree, [ShapedArray(x.shape[1:], x.dtype) for x in x_leaves])
    slices = [np.zeros(a.shape, a.dtype) for a in tree_flatten(x_slice)[0]]
    jaxpr, consts, out_tree = _trace_fun(
        f, (carry, tree_unflatten(x_tree, slices)), "scan f")
    if out_tree.node_type is not tuple or len(out_tree.children) != 2:
        raise TypeError(f"scan: f must return a pair (carry, y), got output {out_tree}")
    c_tree = out_tree.children[0]
    n_carry = c_tree.num_leaves
    carry_avals = [ShapedArray(x.shape, x.dtype) for x in init_leaves]
    _check_same("scan", carry_tree, carry_avals, c_tree, jaxpr.out_avals[:n_carry],
                "the carry (init)", "f's carry output")
    outs = scan_p.bind(*consts, *init_leaves, *x_leaves, jaxpr=jaxpr, num_consts=len(consts),
                       num_carry=n_carry, length=n, reverse=bool(reverse))
    return (tree_unflatten(c_tree, outs[:n_carry]),
            tree_unflatten(out_tree.children[1], outs[n_carry:]))


# Last: they define map, reduce, dot... which would shadow builtins used above.
from .misc_ops import *  # noqa: E402, F403  (clamp, select_n, reduce...: misc_ops.__all__)
from .scan_ops import *  # noqa: E402, F403  (cumprod..., associative_scan, map)
from .slicing_ops import *  # noqa: E402, F403  (dynamic_slice..., top_k)

__all__ = [n for n in dir() if not n.startswith("_") and n not in ("annotations", "np", "P",
                                                                    "ShapedArray")]
