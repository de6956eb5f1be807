"""Products: matmul (the `@` operator), dot, vdot, inner, outer, einsum, tensordot, kron,
cross, vecdot, matvec, vecmat, convolve and correlate. Every contraction is a dot_general."""
from __future__ import annotations

import numpy as np

from .. import lax
from ..core.avals import broadcast_shapes, canonical_axis
from .arguments import cast, check_arg
from .creation import asarray
from .elementwise import conj, multiply, negative, subtract
from .shapes import broadcast_arrays, broadcast_to, moveaxis, ravel, stack

__all__ = [
    "convolve", "correlate", "cross", "dot", "einsum", "einsum_path", "inner", "kron", "matmul",
    "matvec", "outer", "tensordot", "vdot", "vecdot", "vecmat",
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
    """Inner product of the flattened arrays, the first one conjugated, as numpy.vdot.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.vdot(np.array([1j, 2.0]), np.array([1j, 1.0]))
    array(3.+0.j)
    """
    return dot(conj(ravel(a)), ravel(b))


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


# ---------------------------------------------------------------------------------------------
# einsum: the subscripts become label lists (letters, and negative ints for the dimensions an
# ellipsis covers, counted from the right so that they broadcast); NumPy's einsum_path picks
# the contraction order from the shapes alone, and each pairwise step is one dot_general.


def _term_labels(term: str, ndim: int, what: str) -> list:
    """The labels of one operand's subscripts: its letters, with '...' expanded."""
    if term.count("...") > 1 or ("." in term.replace("...", "")):
        raise ValueError(f"einsum: {what} subscripts {term!r} have a malformed ellipsis")
    head, dots, tail = term.partition("...")
    for c in head + tail:
        if not c.isalpha():
            raise ValueError(f"einsum: invalid subscript {c!r} in {what} subscripts {term!r}; "
                             "expected letters a-z, A-Z and at most one '...'")
    n_ell = ndim - len(head) - len(tail)
    if n_ell < 0 or (n_ell and not dots):
        raise ValueError(f"einsum: {what} subscripts {term!r} do not match an operand of rank "
                         f"{ndim}")
    return list(head) + list(range(-n_ell, 0)) + list(tail)


def _interleaved_to_str(args) -> tuple[str, list]:
    """einsum(op0, sublist0, op1, sublist1, ..., [sublist_out]) as a subscripts string."""
    def term(sub) -> str:
        out = []
        for s in sub:
            if s is Ellipsis:
                out.append("...")
            elif isinstance(s, int | np.integer) and 0 <= s < 52:
                out.append(chr(ord("A") + s) if s < 26 else chr(ord("a") + s - 26))
            else:
                raise ValueError(f"einsum: subscript {s!r} in a sublist must be an int in "
                                 "[0, 52) or Ellipsis")
        return "".join(out)
    args = list(args)
    out = "->" + term(args.pop()) if len(args) % 2 else ""
    operands, subs = args[0::2], args[1::2]
    return ",".join(map(term, subs)) + out, operands


def _parse_subscripts(subscripts: str, shapes: list) -> tuple[list, list]:
    subscripts = subscripts.replace(" ", "")
    inputs, arrow, output = subscripts.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(terms)} operands, but "
                         f"{len(shapes)} were given")
    labels = [_term_labels(t, len(s), f"operand {i}")
              for i, (t, s) in enumerate(zip(terms, shapes))]
    n_ell = max((-min((lab for lab in ls if isinstance(lab, int)), default=0) for ls in labels),
                default=0)
    if arrow:
        if "..." not in output and n_ell:
            raise ValueError(f"einsum: output subscripts {output!r} have no '...' although the "
                             "operands' ellipses cover dimensions")
        out = _term_labels(output, len(output.replace("...", "")) + n_ell, "output")
        seen = [lab for ls in labels for lab in ls]
        for lab in out:
            if out.count(lab) > 1 or lab not in seen:
                raise ValueError(f"einsum: output subscript {lab!r} is repeated or names no "
                                 "input dimension")
    else:  # implicit: the broadcast dimensions, then the letters used once, in ASCII order
        counts = {}
        for lab in (lab for ls in labels for lab in ls if isinstance(lab, str)):
            counts[lab] = counts.get(lab, 0) + 1
        out = list(range(-n_ell, 0)) + sorted(c for c, k in counts.items() if k == 1)
    return labels, out


def _label_sizes(labels: list, shapes: list) -> dict:
    sizes = {}
    for i, (ls, shape) in enumerate(zip(labels, shapes)):
        for lab, d in zip(ls, shape):
            old = sizes.get(lab, 1)
            if d != old and 1 not in (d, old):
                raise ValueError(f"einsum: subscript {lab!r} has size {d} in operand {i} but "
                                 f"{old} elsewhere (sizes must match or be 1 to broadcast)")
            sizes[lab] = max(old, d) if 0 not in (old, d) else 0
    return sizes


def _diagonal(x, axes: list):
    """x with the equal-sized `axes` replaced by one last axis holding their diagonal: moved
    last and flattened, the diagonal is a strided slice."""
    rest = [i for i in range(x.ndim) if i not in axes]
    n, k = x.shape[axes[0]], len(axes)
    x = lax.transpose(x, rest + axes) if rest + axes != list(range(x.ndim)) else x
    lead = x.shape[:len(rest)]
    x = lax.reshape(x, lead + (n ** k,))
    stride = sum(n ** j for j in range(k))
    return lax.slice(x, (0,) * x.ndim, x.shape, (1,) * len(lead) + (stride,))


def _prepare(x, labels: list, sizes: dict):
    """Take diagonals for labels repeated within the operand, and drop its size-1 dimensions
    that broadcast against a larger size elsewhere (the operand is constant along them)."""
    drop = [i for i, lab in enumerate(labels) if x.shape[i] == 1 and sizes[lab] != 1]
    if drop:
        x = lax.squeeze(x, drop)
        labels = [lab for i, lab in enumerate(labels) if i not in drop]
    for lab in dict.fromkeys(labels):
        axes = [i for i, other in enumerate(labels) if other == lab]
        if len(axes) > 1:
            x = _diagonal(x, axes)
            labels = [other for other in labels if other != lab] + [lab]
    return x, labels


def _sum_unused(x, labels: list, keep):
    axes = tuple(i for i, lab in enumerate(labels) if lab not in keep)
    if not axes:
        return x, labels
    return lax.reduce_sum(x, axes), [lab for lab in labels if lab in keep]


def _contract_pair(x, xl: list, y, yl: list, keep: set):
    """One dot_general: labels both share and still needed are batch dimensions, the other
    shared ones are contracted; the result's labels are batch + x's free + y's free."""
    x, xl = _sum_unused(x, xl, keep | set(yl))
    y, yl = _sum_unused(y, yl, keep | set(xl))
    shared = [lab for lab in xl if lab in yl]
    batch = [lab for lab in shared if lab in keep]
    contract = [lab for lab in shared if lab not in keep]
    dims = ((tuple(xl.index(c) for c in contract), tuple(yl.index(c) for c in contract)),
            (tuple(xl.index(b) for b in batch), tuple(yl.index(b) for b in batch)))
    out = lax.dot_general(x, y, dims)
    return out, batch + [lab for lab in xl if lab not in yl] + [lab for lab in yl if lab not in xl]


def _einsum_path(subscripts: str, shapes: list, optimize) -> list:
    if optimize is True or optimize == "auto":
        optimize = "greedy"
    explicit = isinstance(optimize, list | tuple) and optimize and optimize[0] == "einsum_path"
    if not (optimize is False or optimize in ("greedy", "optimal") or explicit):
        raise ValueError("einsum: optimize must be a bool, 'auto', 'greedy', 'optimal' or a "
                         f"path ['einsum_path', (i, j), ...], got {optimize!r}")
    # Only the shapes matter to einsum_path: zero-stride views stand in for the operands.
    dummies = [np.broadcast_to(np.empty((), np.float64), s) for s in shapes]
    return np.einsum_path(subscripts, *dummies, optimize=optimize)[0][1:]


def einsum(subscripts, *operands, out=None, optimize="auto", precision=None,
           preferred_element_type=None):
    """Einstein summation, as numpy.einsum / jax.numpy.einsum.

    Explicit ('ij,jk->ik') and implicit ('ij,jk') output, '...' broadcasting, repeated
    subscripts within an operand (diagonals) and the interleaved (operand, sublist, ...) form.
    The contraction order is numpy.einsum_path's for `optimize` ('auto' and True mean
    'greedy'; False contracts left to right); each pairwise step is one dot_general.
    `precision` is accepted and ignored (float64 by default).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((3, 4))).shape
    (2, 4)
    """
    if out is not None:
        raise TypeError("einsum: out= is not supported (numbax arrays are immutable); use the "
                        "returned array")
    del precision
    if not isinstance(subscripts, str):
        subscripts, operands = _interleaved_to_str((subscripts, *operands))
    if not operands:
        raise ValueError("einsum: at least one operand is required")
    ops = _promote_shapes_free("einsum", *operands)
    dtype = ops[0].dtype
    if dtype == np.bool_:  # sums of products of bools are logical: count, then compare to 0
        ops = [cast(x, np.dtype(np.int64)) for x in ops]
    shapes = [tuple(x.shape) for x in ops]
    labels, out_labels = _parse_subscripts(subscripts, shapes)
    sizes = _label_sizes(labels, shapes)
    path = _einsum_path(subscripts, shapes, optimize)
    terms = [_prepare(x, ls, sizes) for x, ls in zip(ops, labels)]
    for step in path:
        group = [terms.pop(i) for i in sorted(step, reverse=True)]
        keep = set(out_labels).union(*(ls for _, ls in terms))
        x, xl = group.pop()
        while group:
            y, yl = group.pop()
            x, xl = _contract_pair(x, xl, y, yl, keep.union(*(ls for _, ls in group)))
        terms.append(_sum_unused(x, xl, keep))
    (x, xl), = terms
    x = lax.transpose(x, [xl.index(lab) for lab in out_labels]) if xl != out_labels else x
    if dtype == np.bool_:
        x = lax.ne(x, np.zeros((), x.dtype))
    return x if preferred_element_type is None else cast(x, np.dtype(preferred_element_type))


def einsum_path(subscripts: str, *operands, optimize="greedy"):
    """NumPy's einsum_path on the operands' shapes (operands may be traced): the contraction
    path and its printed report.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.einsum_path("ij,jk,kl->il", np.ones((2, 3)), np.ones((3, 4)), np.ones((4, 5)))[0]
    ['einsum_path', (1, 2), (0, 1)]
    """
    shapes = [tuple(asarray(x).shape) for x in operands]
    dummies = [np.broadcast_to(np.empty((), np.float64), s) for s in shapes]
    return np.einsum_path(subscripts, *dummies, optimize=optimize)


# ---------------------------------------------------------------------------------------------
# Other products


def _no_out(out, fname: str) -> None:
    if out is not None:
        raise TypeError(f"{fname}: out= is not supported (numbax arrays are immutable); use the "
                        "returned array")


def _result(x, preferred_element_type):
    return x if preferred_element_type is None else cast(x, np.dtype(preferred_element_type))


def _axes_list(axes, ndim: int, fname: str) -> list[int]:
    axes = [axes] if isinstance(axes, int | np.integer) else list(axes)
    return [canonical_axis(ax, ndim, fname) for ax in axes]


def tensordot(a, b, axes=2, *, precision=None, preferred_element_type=None):
    """Sum of products over the given axes, as numpy.tensordot: axes is an int N (a's last N
    axes with b's first N) or a pair of axis sequences. `precision` is ignored.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.tensordot(np.ones((2, 3, 4)), np.ones((3, 4, 5))).shape
    (2, 5)
    """
    del precision
    a, b = _promote_shapes_free("tensordot", a, b)
    if isinstance(axes, int | np.integer):
        if not 0 <= axes <= min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: axes={axes} must be in [0, {min(a.ndim, b.ndim)}] for "
                             f"shapes {a.shape} and {b.shape}")
        ca, cb = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        if not isinstance(axes, tuple | list) or len(axes) != 2:
            raise TypeError(f"tensordot: axes must be an int or a pair of axis sequences, got "
                            f"{axes!r}")
        ca, cb = _axes_list(axes[0], a.ndim, "tensordot"), _axes_list(axes[1], b.ndim, "tensordot")
        if len(ca) != len(cb):
            raise ValueError(f"tensordot: axes {axes!r} name {len(ca)} axes of a but {len(cb)} "
                             "of b")
    if [a.shape[i] for i in ca] != [b.shape[j] for j in cb]:
        raise ValueError(f"tensordot: shape mismatch for the sum: axes {ca} of {a.shape} and "
                         f"{cb} of {b.shape}")
    return _result(lax.dot_general(a, b, ((tuple(ca), tuple(cb)), ((), ()))),
                   preferred_element_type)


def kron(a, b):
    """Kronecker product, as numpy.kron (the operand of lower rank gets leading 1s).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.kron(np.eye(2), np.ones((2, 3))).shape
    (4, 6)
    """
    a, b = _promote_shapes_free("kron", a, b)
    nd = max(a.ndim, b.ndim)
    a = lax.reshape(a, (1,) * (nd - a.ndim) + a.shape)
    b = lax.reshape(b, (1,) * (nd - b.ndim) + b.shape)
    # a's dimensions at the even positions, b's at the odd ones: their product flattens in order.
    prod = multiply(lax.expand_dims(a, tuple(range(1, 2 * nd, 2))),
                    lax.expand_dims(b, tuple(range(0, 2 * nd, 2))))
    return lax.reshape(prod, tuple(m * n for m, n in zip(a.shape, b.shape)))


def _component(x, i: int):
    """x[..., i]."""
    part = lax.slice(x, (0,) * (x.ndim - 1) + (i,), x.shape[:-1] + (i + 1,))
    return lax.squeeze(part, (x.ndim - 1,))


def cross(a, b, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None):
    """Cross product of 2- or 3-element vectors along the given axes, as numpy.cross (a
    2-vector has z = 0; two 2-vectors give the z component alone).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.cross(np.array([1., 0, 0]), np.array([0., 1, 0]))
    array([0., 0., 1.])
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = _promote_shapes_free("cross", a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("cross: operands must have at least one dimension, got shapes "
                         f"{a.shape} and {b.shape}")
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ValueError("cross: incompatible dimensions for the cross product (dimension must "
                         f"be 2 or 3), got {a.shape[-1]} and {b.shape[-1]}")
    broadcast_shapes("cross", a.shape[:-1], b.shape[:-1])
    a0, a1, b0, b1 = _component(a, 0), _component(a, 1), _component(b, 0), _component(b, 1)
    z = subtract(multiply(a0, b1), multiply(a1, b0))
    if a.shape[-1] == b.shape[-1] == 2:
        return z
    if a.shape[-1] == 3 and b.shape[-1] == 3:
        a2, b2 = _component(a, 2), _component(b, 2)
        x = subtract(multiply(a1, b2), multiply(a2, b1))
        y = subtract(multiply(a2, b0), multiply(a0, b2))
    elif a.shape[-1] == 3:  # b's z is 0
        a2 = _component(a, 2)
        x, y = negative(multiply(a2, b1)), multiply(a2, b0)
    else:  # a's z is 0
        b2 = _component(b, 2)
        x, y = multiply(a1, b2), negative(multiply(a0, b2))
    x, y, z = broadcast_arrays(x, y, z)
    out = stack([x, y, z], axis=-1)
    return moveaxis(out, -1, canonical_axis(axisc, out.ndim, "cross"))


def vecdot(x1, x2, /, *, axis: int = -1, precision=None, preferred_element_type=None):
    """Dot product of vectors along `axis`, broadcasting the other dimensions, as
    numpy.vecdot (real arrays: no conjugation). `precision` is ignored.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.vecdot(np.ones((4, 3)), np.arange(3.0))
    array([3., 3., 3., 3.])
    """
    del precision
    x1, x2 = _promote_shapes_free("vecdot", x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        raise ValueError("vecdot: operands must have at least one dimension, got shapes "
                         f"{x1.shape} and {x2.shape}")
    x1 = moveaxis(x1, canonical_axis(axis, x1.ndim, "vecdot"), -1)
    x2 = moveaxis(x2, canonical_axis(axis, x2.ndim, "vecdot"), -1)
    if x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"vecdot: the vectors along axis {axis} have sizes {x1.shape[-1]} "
                         f"and {x2.shape[-1]}")
    batch = broadcast_shapes("vecdot", x1.shape[:-1], x2.shape[:-1])
    x1, x2 = broadcast_to(x1, batch + x1.shape[-1:]), broadcast_to(x2, batch + x2.shape[-1:])
    nb = tuple(range(len(batch)))
    return _result(lax.dot_general(x1, x2, (((len(nb),), (len(nb),)), (nb, nb))),
                   preferred_element_type)


def matvec(x1, x2, /):
    """Matrix-vector product with broadcasting, as numpy.matvec: (..., m, n) and (..., n)
    give (..., m).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.matvec(np.ones((5, 2, 3)), np.ones(3)).shape
    (5, 2)
    """
    x1, x2 = _promote_shapes_free("matvec", x1, x2)
    if x1.ndim < 2 or x2.ndim < 1:
        raise ValueError(f"matvec: needs a matrix and a vector, got shapes {x1.shape} and "
                         f"{x2.shape}")
    out = matmul(x1, lax.expand_dims(x2, (x2.ndim,)))
    return lax.squeeze(out, (out.ndim - 1,))


def vecmat(x1, x2, /):
    """Vector-matrix product with broadcasting, as numpy.vecmat (real arrays: no
    conjugation): (..., n) and (..., n, m) give (..., m).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.vecmat(np.ones(3), np.ones((5, 3, 2))).shape
    (5, 2)
    """
    x1, x2 = _promote_shapes_free("vecmat", x1, x2)
    if x1.ndim < 1 or x2.ndim < 2:
        raise ValueError(f"vecmat: needs a vector and a matrix, got shapes {x1.shape} and "
                         f"{x2.shape}")
    out = matmul(lax.expand_dims(x1, (x1.ndim - 1,)), x2)
    return lax.squeeze(out, (out.ndim - 2,))


def _sliding_dot(fname: str, a, v, mode: str, flip: bool):
    """Correlation of 1-D a and v (v reversed first when flip: a convolution) for the output
    positions `mode` keeps: the windows of zero-padded a are gathered as a matrix, then one
    dot_general with v."""
    a, v = _promote_shapes_free(fname, a, v)
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError(f"{fname}: only 1-dimensional inputs are supported, got shapes "
                         f"{a.shape} and {v.shape}")
    n, m = a.shape[0], v.shape[0]
    if n == 0 or m == 0:
        raise ValueError(f"{fname}: inputs cannot be empty, got shapes {a.shape} and {v.shape}")
    if mode == "full":
        start, length = 0, n + m - 1
    elif mode == "valid":
        start, length = min(n, m) - 1, abs(n - m) + 1
    elif mode == "same":
        # NumPy centres on the longer input; a correlation with a shorter first input is
        # computed swapped and reversed, which shifts the centre.
        length = max(n, m)
        start = (min(n, m) - 1) // 2 if flip or n >= m else n - 1 - (n - 1) // 2
    else:
        raise ValueError(f"{fname}: mode must be 'full', 'same' or 'valid', got {mode!r}")
    if flip:
        v = lax.gather(v, np.arange(m - 1, -1, -1), 0)
    padded = lax.pad(a, np.zeros((), a.dtype), [(m - 1, m - 1, 0)])
    windows = lax.gather(padded, np.arange(start, start + length)[:, None] + np.arange(m), 0)
    return lax.dot_general(windows, v, (((1,), (0,)), ((), ())))


def convolve(a, v, mode: str = "full", *, precision=None, preferred_element_type=None):
    """Discrete linear convolution of two 1-D arrays, as numpy.convolve (modes 'full',
    'same', 'valid'). `precision` is ignored.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.convolve(np.array([1., 2, 3]), np.array([0., 1, 0.5]))
    array([0. , 1. , 2.5, 4. , 1.5])
    """
    del precision
    return _result(_sliding_dot("convolve", a, v, mode, flip=True), preferred_element_type)


def correlate(a, v, mode: str = "valid", *, precision=None, preferred_element_type=None):
    """Cross-correlation of two 1-D arrays, sum_n a[n + k] * conj(v[n]), as numpy.correlate.
    `precision` is ignored.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.correlate(np.array([1., 2, 3]), np.array([0., 1, 0.5]))
    array([3.5])
    """
    del precision
    return _result(_sliding_dot("correlate", a, conj(v), mode, flip=False),
                   preferred_element_type)
