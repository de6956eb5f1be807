"""A scan whose body is small and fusible, compiled loop and all into one Numba function.

Run step by step, a scan calls its body's executable once per iteration, about 5 us of
Python per step, which dominates a small body (an RNN cell). Here the body is partitioned
like any program (fusion.partition); each fusion group becomes the same kernel text that
codegen.plan_kernel writes for a top-level group, and the loop function calls those kernels
in order, keeping the carries in local arrays, reading x slices per step and writing the ys
into preallocated stacked outputs. Between groups, the loop runs small dot_generals as plain
loops (no BLAS call to pay for, and NumPy's sum-of-products semantics for inf and nan),
transposes (gathers through index arrays computed once), reductions and the reshapes, which
cost nothing because every value in the loop is held flat. The loop's source is its cache
key (kernels.get_kernel), so a new process loads it from disk.

Anything else (nested control flow, gathers, float16, large groups that the runner would
split over threads, large products that want BLAS) keeps the step-by-step path: there the
per-step overhead is small next to the body's own work.
"""
from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Callable
from pathlib import Path

import numba
import numpy as np
from numba.core.errors import NumbaError

from ...core import primitives as P
from ...core.ir import Eqn, Jaxpr, Literal, Var
from ...core.scalar import literal, np_type
from ...interpreters.control_flow import scan_p
from ...interpreters.inline import inline_calls
from ..fusion import FusionGroup, partition
from ..simplify import simplify
from .codegen import KernelPlan, plan_kernel
from .kernels import get_kernel

# A group with more work per step than this (elements x cost) is one the executable would
# split over threads: the step-by-step path keeps that parallelism.
MAX_GROUP_WORK = 1 << 17
# Multiply-adds of one dot_general above which BLAS beats a plain loop; the step-by-step
# path calls BLAS.
MAX_DOT_WORK = 1 << 16

# Scan equations compiled whole, and those left to the step-by-step path (tests read them).
stats = {"compiled": 0, "refused": 0}

_ALIASES = frozenset({P.reshape_p, P.squeeze_p, P.expand_dims_p})
_REDUCE_STEP = {P.reduce_sum_p: "acc + x[o, r, j]", P.reduce_max_p: "np.maximum(acc, x[o, r, j])",
                P.reduce_min_p: "np.minimum(acc, x[o, r, j])"}

_JIT = dict(nogil=True, cache=True, error_model="numpy")


# The loops' fixed helpers, typed once per dtype and then loaded from Numba's cache (as
# reduce_blocks does for reductions). Plain loops: Numba's slice assignment and transpose
# take seconds to compile in each new process.
@numba.njit(**_JIT)
def matmul(a, b, flat):
    """(batch, m, k) x (batch, k, n) into `flat`, returned: a sum of products in NumPy's
    einsum order, so inf and nan propagate as without BLAS."""
    batch, m, k = a.shape
    n = b.shape[2]
    for f in range(flat.shape[0]):
        flat[f] = 0
    out = flat.reshape((batch, m, n))
    for q in range(batch):
        for i in range(m):
            for p in range(k):
                s = a[q, i, p]
                for j in range(n):
                    out[q, i, j] += s * b[q, p, j]
    return flat


@numba.njit(**_JIT)
def take(x, index, out):
    """x[index] into `out`, returned: a transpose through precomputed flat indices."""
    for f in range(index.shape[0]):
        out[f] = x[index[f]]
    return out


@numba.njit(**_JIT)
def store(ys, i, y):
    """ys[i, :] = y."""
    for j in range(y.shape[0]):
        ys[i, j] = y[j]


# Numba's cache does not follow a loop's calls into this module, so this file's hash is
# part of every loop's text (the cache key): a changed helper misses the cache.
_PRELUDE = (f"# scan_loop {hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:12]}\n"
            "import numba\n\nfrom numbax.backends.numba import scan_loop as sl\n\n"
            '_njit = numba.njit(nogil=True, error_model="numpy")\n\n\n')


def compiled_scan(eqn: Eqn, fast_math: bool, fallback: Callable) -> Callable | None:
    """A callable running the scan equation as one compiled loop, or None when its body is
    not supported (then the caller keeps `fallback`, the step-by-step impl).

    >>> import numpy as np, numbax as nb
    >>> f = nb.jit(lambda c, xs: nb.lax.scan(lambda c, x: (c * x, c + x), c, xs))
    >>> carry, ys = f(np.ones(2), np.arange(6.0).reshape(3, 2))
    >>> carry.tolist(), ys[-1].tolist()
    ([0.0, 15.0], [4.0, 8.0])
    """
    if eqn.primitive is not scan_p:
        return None
    loop = loop_source(eqn.params["jaxpr"], eqn.params["num_consts"],
                       eqn.params["num_carry"], eqn.params["reverse"], fast_math)
    stats["refused" if loop is None else "compiled"] += 1
    if loop is None:
        return None
    return ScanLoop(get_kernel(loop[0]), loop[1], eqn, fallback)


class ScanLoop:
    """Flattens the operands, runs the compiled loop and gives the outputs their shapes."""

    def __init__(self, kernel, indices: list[np.ndarray], eqn: Eqn, fallback: Callable):
        self.kernel, self.indices, self.fallback = kernel, indices, fallback
        self.length = eqn.params["length"]
        self.n_in = eqn.params["num_consts"] + eqn.params["num_carry"]
        self.out_shapes = [v.aval.shape for v in eqn.outputs]
        self.x_sizes = [math.prod(x.aval.shape[1:]) for x in eqn.inputs[self.n_in:]]
        self.failed = False

    def __call__(self, *args) -> list:
        if self.failed:
            return self.fallback(*args)
        flat = [_flat(a) for a in args[:self.n_in]]
        flat += [_flat(x).reshape(self.length, n)
                 for x, n in zip(args[self.n_in:], self.x_sizes)] + self.indices
        try:
            outs = self.kernel(*flat, self.length)
        except NumbaError as err:
            # A body this module accepted but Numba cannot type is a bug here, not in the
            # user's program: say so once and keep the step-by-step path.
            warnings.warn(f"numbax: the compiled scan loop failed to build ({err}); "
                          "running the body step by step", RuntimeWarning, stacklevel=2)
            self.failed = True
            return self.fallback(*args)
        return [o.reshape(s) for o, s in zip(outs, self.out_shapes)]


def _flat(a) -> np.ndarray:
    """A writeable C-contiguous 1-D copy or view, the one array type the loop is typed for."""
    a = np.ascontiguousarray(a)
    if not a.flags.writeable:
        a = a.copy()
    return a.reshape(-1)


def _size(x) -> int:
    return math.prod(x.aval.shape)


class _Loop:
    """What the loop's source is being built from: value names, the index arrays the
    kernel takes after the operands, and the helper functions it calls."""

    def __init__(self, fast_math: bool, escaping: set[Var]):
        self.fast_math, self.escaping = fast_math, escaping
        self.names: dict[Var, str] = {}
        self.indices: list[np.ndarray] = []
        self.helpers: list[str] = []
        self.buffers: list[str] = []  # allocations hoisted out of the loop
        self.literals: list[str] = []

    def buffer(self, v: Var, size: int | None = None) -> str:
        """An array for v to be written into: allocated once before the loop, unless v
        (or an alias of it) becomes a carry, which must outlive the step that made it."""
        alloc = f"np.empty({_size(v) if size is None else size}, {np_type(v.aval.dtype)})"
        if v in self.escaping:
            return alloc
        self.buffers.append(f"{self.name(v)} = {alloc}")
        return self.name(v)

    def assign(self, v: Var, size: int | None = None) -> list[str]:
        """The step's line making v's array, if it is not allocated before the loop."""
        alloc = self.buffer(v, size)
        return [f"{self.name(v)} = {alloc}"] if alloc != self.name(v) else []

    def name(self, x) -> str:
        if isinstance(x, Literal):
            # Made once: nothing in the loop writes into an array it did not allocate.
            line = f"np.full({_size(x)}, {literal(x.val, x.aval.dtype)})"
            if line not in self.literals:
                self.literals.append(line)
                self.buffers.append(f"k{len(self.literals) - 1} = {line}")
            return f"k{self.literals.index(line)}"
        return self.names.setdefault(x, f"z{len(self.names)}")

    def helper(self, text: str) -> None:
        if text not in self.helpers:
            self.helpers.append(text)

    def permuted(self, x, perm, into: Var | None = None) -> str:
        """x's flat value with its axes in `perm` order: the same array when only unit
        axes move, else a gather through a precomputed index array into `into`'s array (a
        temporary if None)."""
        shape = x.aval.shape
        moved = [p for p in perm if shape[p] != 1]
        if moved == sorted(moved):
            return self.name(x)
        self.indices.append(np.arange(_size(x)).reshape(shape).transpose(perm).reshape(-1))
        out = Var(x.aval) if into is None else into
        return f"sl.take({self.name(x)}, p{len(self.indices) - 1}, {self.buffer(out)})"


def _escaping(body: Jaxpr, num_carry: int) -> set[Var]:
    """The values whose array may become a carry: the carry outputs and, through reshapes
    and transposes that may return their operand's array, what they alias."""
    escaping = {v for v in body.outvars[:num_carry] if isinstance(v, Var)}
    for eqn in reversed(body.eqns):
        if (eqn.primitive in _ALIASES or eqn.primitive is P.transpose_p) \
                and eqn.outputs[0] in escaping and isinstance(eqn.inputs[0], Var):
            escaping.add(eqn.inputs[0])
    return escaping


def loop_source(body: Jaxpr, num_consts: int, num_carry: int, reverse: bool,
                fast_math: bool) -> tuple[str, list[np.ndarray]] | None:
    """The source of `kernel(*consts, *carry, *xs, *indices, length)` returning
    (*carry, *ys), every array flat (xs and ys as (length, size)), and the index arrays it
    takes; None for an unsupported body."""
    # The same program the body's own executable would run (simplify.py's contract).
    body = simplify(inline_calls(body))
    if not body.outvars or any(_size(v) == 0 for v in body.invars + body.outvars
                               if isinstance(v, Var)):
        return None
    loop = _Loop(fast_math, _escaping(body, num_carry))
    name = loop.name
    head = [f"{name(v)} = a{k}" for k, v in enumerate(body.invars[:num_consts])]
    head += [f"c{j} = a{num_consts + j}.copy()" for j in range(num_carry)]
    ys = body.outvars[num_carry:]
    head += [f"y{j} = np.empty((length, {_size(v)}), {np_type(v.aval.dtype)})"
             for j, v in enumerate(ys)]
    step = ["i = length - 1 - s" if reverse else "i = s"]
    step += [f"{name(v)} = c{j}" for j, v in enumerate(body.invars[num_consts:][:num_carry])]
    step += [f"{name(v)} = a{num_consts + num_carry + k}[i]"
             for k, v in enumerate(body.invars[num_consts + num_carry:])]
    for item in partition(body):
        code = _group(item, loop) if isinstance(item, FusionGroup) else _equation(item, loop)
        if code is None:
            return None
        step += code
    step += [f"sl.store(y{j}, i, {name(v)})" for j, v in enumerate(ys)]
    if num_carry:
        step += [f"{', '.join(f'c{j}' for j in range(num_carry))}, = "
                 f"{', '.join(name(v) for v in body.outvars[:num_carry])},"]
    outs = [f"c{j}" for j in range(num_carry)] + [f"y{j}" for j in range(len(ys))]
    params = [f"a{k}" for k in range(len(body.invars))]
    params += [f"p{k}" for k in range(len(loop.indices))] + ["length"]
    lines = [f"def kernel({', '.join(params)}):"]
    lines += [f"    {s}" for s in head + loop.buffers] + ["    for s in range(length):"]
    lines += [f"        {s}" for s in step] + [f"    return ({', '.join(outs)},)"]
    return _PRELUDE + "".join(loop.helpers) + "\n".join(lines) + "\n", loop.indices


def _group(group: FusionGroup, loop: _Loop) -> list[str] | None:
    """Calls of one fusion group's kernel (and its libm version for flagged arguments)."""
    if not group.outputs:
        return []
    plan = plan_kernel(group, loop.fast_math)
    size = math.prod(group.shape)
    if size * plan.cost > MAX_GROUP_WORK:
        return None
    name = loop.name
    key = f"g{len(loop.helpers)}"
    loop.helper(_helper(plan, key))
    shape = tuple(int(d) for d in group.shape)
    args = []
    for s in plan.inputs:
        x = name(s.var)
        if plan.nd:
            x = f"{x}.reshape({s.expand})"
            args.append(f"np.broadcast_to({x}, {shape})" if s.kind == "view" else x)
        else:
            args.append(x)
    red = group.reduction
    red_var = red.outputs[0] if red is not None else None
    code = []
    for v in group.outputs:
        if v is not red_var:
            code += loop.assign(v)
            args.append(f"{name(v)}.reshape({shape})" if plan.nd else name(v))
    if red_var is not None:
        # As GroupRunner passes it to one serial chunk: a reduction along the outer loop
        # writes row 0 of its (parts, ...) partial results, nested loops index the result
        # with its own dims, flat kernels take it flat.
        red_shape = red_var.aval.shape
        red_size = math.prod(red_shape)
        code += loop.assign(red_var, red_size)
        view = ((1, red_size) if plan.rows and red_shape else (1, *red_shape)) if plan.partial \
            else red_shape if plan.nd else None
        args.append(f"{name(red_var)}.reshape({view})" if view else name(red_var))
    # The loop extents the kernel's signature ends with.
    signature = plan.source.split("(", 1)[1].split(")", 1)[0].split(", ")
    if signature[-1] == "shape":
        args.append(str(shape))
    elif signature[-2:] == ["rows", "inner"]:
        split = len(shape) - plan.inner_dims
        args += [str(math.prod(shape[:split])), str(math.prod(shape[split:]))]
    elif signature[-1] == "n":
        args.append(str(size))
    else:
        return None
    call = f"{key}({', '.join(args)})"
    if plan.flags_big:
        loop.helper(_helper(plan_kernel(group, fast_math=False), f"{key}libm"))
        code += [f"if {call}:", f"    {key}libm({', '.join(args)})"]
    else:
        code.append(call)
    return code


def _helper(plan: KernelPlan, key: str) -> str:
    return "@_njit\n" + plan.source.replace("def kernel(", f"def {key}(", 1) + "\n\n"


def _equation(eqn: Eqn, loop: _Loop) -> list[str] | None:
    """The loop's lines for one unfused equation, or None if the loop cannot run it."""
    prim, x, out = eqn.primitive, eqn.inputs[0] if eqn.inputs else None, eqn.outputs[0]
    if prim in _ALIASES:
        return [f"{loop.name(out)} = {loop.name(x)}"]
    if prim is P.transpose_p:
        return [f"{loop.name(out)} = {loop.permuted(x, eqn.params['permutation'], out)}"]
    if prim is P.dot_general_p:
        return _dot(eqn, loop)
    if prim in _REDUCE_STEP:
        return _reduction(eqn, loop)
    return None


def _dot(eqn: Eqn, loop: _Loop) -> list[str] | None:
    """dot_general as a batched (b, m, k) x (b, k, n) product, as the NumPy impl lays it
    out: batch, free and contracted axes of each operand in that order."""
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    x, y = eqn.inputs
    dtype = eqn.outputs[0].aval.dtype
    if dtype.kind not in "fc" or x.aval.dtype != dtype or y.aval.dtype != dtype:
        return None
    xs, ys = x.aval.shape, y.aval.shape
    xf = [d for d in range(len(xs)) if d not in (*lc, *lb)]
    yf = [d for d in range(len(ys)) if d not in (*rc, *rb)]
    b, k = math.prod(xs[d] for d in lb), math.prod(xs[d] for d in lc)
    m, n = math.prod(xs[d] for d in xf), math.prod(ys[d] for d in yf)
    if b * m * k * n > MAX_DOT_WORK:
        return None
    a = f"{loop.permuted(x, (*lb, *xf, *lc))}.reshape(({b}, {m}, {k}))"
    c = f"{loop.permuted(y, (*rb, *rc, *yf))}.reshape(({b}, {k}, {n}))"
    out = eqn.outputs[0]
    return [f"{loop.name(out)} = sl.matmul({a}, {c}, {loop.buffer(out)})"]


def _reduction(eqn: Eqn, loop: _Loop) -> list[str] | None:
    """A reduction as (outer, reduced, inner) loops: a view when the reduced axes are
    adjacent, else a gather with them moved last."""
    x, out = eqn.inputs[0], eqn.outputs[0]
    axes, shape, dtype = sorted(eqn.params["axes"]), x.aval.shape, out.aval.dtype
    if dtype.kind not in "iufc" or (eqn.primitive is not P.reduce_sum_p and dtype.kind == "c"):
        return None
    r = math.prod(shape[d] for d in axes)
    if r == 0:
        return None
    if axes and axes == list(range(axes[0], axes[-1] + 1)):
        source = loop.name(x)
        o, j = math.prod(shape[:axes[0]]), math.prod(shape[axes[-1] + 1:])
    else:
        kept = [d for d in range(len(shape)) if d not in axes]
        source = loop.permuted(x, (*kept, *axes))
        o, j = math.prod(shape[d] for d in kept), 1
    # Float sums accumulate in float64, as the fused reductions do.
    acc = np.dtype(np.float64) if eqn.primitive is P.reduce_sum_p and dtype.kind == "f" \
        else dtype
    init = {P.reduce_sum_p: f"{np_type(acc)}(0)",
            P.reduce_max_p: "x[o, 0, j]", P.reduce_min_p: "x[o, 0, j]"}[eqn.primitive]
    key = f"reduce_{eqn.primitive.name}_{np.dtype(dtype).name}"
    loop.helper(f"@_njit\ndef {key}(x):\n"
                f"    out = np.empty((x.shape[0], x.shape[2]), {np_type(dtype)})\n"
                "    for o in range(x.shape[0]):\n"
                "        for j in range(x.shape[2]):\n"
                f"            acc = {init}\n"
                "            for r in range(x.shape[1]):\n"
                f"                acc = {_REDUCE_STEP[eqn.primitive]}\n"
                "            out[o, j] = acc\n"
                "    return out.reshape(-1)\n\n\n")
    return [f"{loop.name(out)} = {key}({source}.reshape(({o}, {r}, {j})))"]
