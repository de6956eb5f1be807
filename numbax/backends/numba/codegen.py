"""Generate the source of one Numba loop kernel per fusion group.

The source names everything by position (a0.. inputs, o0.. outputs, t0.. temporaries), so
two groups with the same shape of computation produce the same text and share a kernel:
the text is the cache key. Kernels never capture Python objects; constants are written
inline with their dtype. With fast_math, exp/log/tanh... call numbax's vectorisable vecmath
(`vm.`) rather than libm, so that LLVM can vectorise the loop.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core import primitives as P
from ...core.ir import Literal, Var
from ...core.scalar import literal, np_type
from ..fusion import FusionGroup
from ..simplify import COMMUTATIVE
from .vecmath import FUNCTIONS as vecmath_names
from .vecmath import LIMITED


def scalar_expression(eqn, operands: list[str], fast_math: bool) -> str:
    """The Python expression computing one element of eqn from its operands' expressions."""
    rule = eqn.primitive.scalar
    out_dtype = eqn.outputs[0].aval.dtype
    if fast_math and rule.vecmath is not None and out_dtype.kind == "f":
        # A rule's special form comes first: pow's literal x ** 0.5 is NumPy's sqrt.
        special = rule.special(eqn, operands, np_type(out_dtype)) if rule.special else None
        if special is None:
            name = vecmath_names[rule.vecmath][out_dtype == np.float64]
            return f"vm.{name}({', '.join(operands)})"
        return special
    return rule.source(eqn, operands)


@dataclass(frozen=True)
class InputSpec:
    """How a kernel reads one input: at every element ('full'), once ('scalar'), once per
    row ('col') or at the row's position ('row') of a rows x inner tiling, or through a
    broadcast view of the iteration shape ('view'). `expand` is the shape the value is
    reshaped to before broadcasting to the iteration shape."""

    var: Var
    kind: str
    expand: tuple[int, ...]


@dataclass
class KernelPlan:
    source: str
    inputs: list[InputSpec]
    nd: bool                        # nested loops over broadcast views, else one flat loop
    rows: bool                      # a flat kernel over rows of `inner` elements each
    inner_dims: int                 # trailing dims in a row (when `rows`)
    reduce_op: object | None       # the reduction's Primitive
    flags_big: bool = False         # returns True when an argument needs the libm fallback
    cost: int = 1                   # estimated work per element, in simple-operation units
    reduce_axes: tuple[int, ...] = ()  # the reduced axes of the group's shape, sorted

    @property
    def partial(self) -> bool:
        """Whether the outer loop (the one split over threads) runs along a reduced axis, so
        each part yields a whole partial result that the caller combines."""
        return bool(self.reduce_axes) and self.reduce_axes[0] == 0


# Per reduction: the accumulator's initial value ("0", or the identity of a maximum / minimum).
_REDUCE = {P.reduce_sum_p: "0", P.reduce_max_p: "-inf", P.reduce_min_p: "inf"}


def _reduce_init(op, dtype: np.dtype) -> str:
    init = _REDUCE[op]
    if init == "0":
        return f"{np_type(dtype)}(0)"
    if dtype.kind == "f":
        return f"{np_type(dtype)}({'-' if init.startswith('-') else ''}np.inf)"
    info = np.iinfo(dtype) if dtype.kind in "iu" else None
    if info is None:
        return "False" if init.startswith("-") else "True"
    return f"{np_type(dtype)}({info.min if init.startswith('-') else info.max})"


REDUCE_BLOCK = 512
_COMBINE = {P.reduce_sum_p: "{a} + {b}", P.reduce_max_p: "np.maximum({a}, {b})",
            P.reduce_min_p: "np.minimum({a}, {b})"}


def _row_views(inputs, n_out: int) -> list[str]:
    """Row r's slices of a rows x inner tiling: 'full' inputs and the outputs as x/y views
    indexed from 0, 'col' inputs as the row's value."""
    lines = ["lo = r * inner"]
    lines += [f"x{i} = a{i}[lo:lo + inner]" for i, s in enumerate(inputs) if s.kind == "full"]
    lines += [f"v{i} = a{i}[r]" for i, s in enumerate(inputs) if s.kind == "col"]
    return lines + [f"y{j} = o{j}[lo:lo + inner]" for j in range(n_out)]


def _row_loads(inputs) -> list[str]:
    """Element j of row r, for the 'full' and 'row' inputs of a rows x inner tiling."""
    return [f"v{i} = x{i}[j]" if s.kind == "full" else f"v{i} = a{i}[j]"
            for i, s in enumerate(inputs) if s.kind in ("full", "row")]


def _column_reduction(inputs, body, stores, value: str, op, init: str, acc_dtype,
                      n_out: int) -> list[str]:
    """Reduce the rows of a rows x inner tiling (the leading axes: a bias gradient).

    Each row combines into a row of accumulators, acc[j] += v[r, j], so the inner loop stays
    contiguous and vectorised. Sums gather blocks of REDUCE_BLOCK rows before adding into the
    total: the rounding error grows with rows / REDUCE_BLOCK + REDUCE_BLOCK, not with rows
    (NumPy's own sum over axis 0 is one running sum per column).
    """
    combine = _COMBINE[op]
    dtype = np_type(acc_dtype)
    # Not min() or np.full(): their implementations would be compiled in every new process.
    lines = [f"tot = np.empty(inner, {dtype})", f"blk = np.empty(inner, {dtype})",
             "for j in range(inner):", f"    tot[j] = {init}",
             f"for b in range(0, rows, {REDUCE_BLOCK}):",
             "    for j in range(inner):", f"        blk[j] = {init}",
             f"    e = b + {REDUCE_BLOCK}", "    if e > rows:", "        e = rows",
             "    for r in range(b, e):"]
    lines += [f"        {s}" for s in _row_views(inputs, n_out)]
    loop = _row_loads(inputs) + body + ["y" + s[1:] for s in stores("j")]
    loop += ["blk[j] = " + combine.format(a="blk[j]", b=value)]
    lines += ["        for j in range(inner):"] + [f"            {s}" for s in loop]
    lines += ["    for j in range(inner):",
              "        tot[j] = " + combine.format(a="tot[j]", b="blk[j]"),
              "for j in range(inner):", "    r0[0, j] = tot[j]"]
    return [f"    {s}" for s in lines]


def _nd_reduction(ndim: int, axes: tuple[int, ...], loads, body, stores, value: str, op,
                  init: str, acc_dtype) -> list[str]:
    """Nested loops over broadcast views reducing any axes: the fallback for shapes that do
    not tile. Accumulates in an array over the kept axes (acc_dtype), copied to r0 after."""
    idx = [f"i{d}" for d in range(ndim)]
    kept = [d for d in range(ndim) if d not in axes]
    acc_shape = "".join(f"shape[{d}], " for d in kept) or "1, "
    at = ", ".join(idx[d] for d in kept) or "0"
    lines = [f"acc = np.full(({acc_shape}), {init}, {np_type(acc_dtype)})"]
    for d in range(ndim):
        lines.append(f"{'    ' * d}for i{d} in range(shape[{d}]):")
    ind = "    " * ndim
    lines += [f"{ind}{s}" for s in loads(", ".join(idx)) + body + stores(", ".join(idx))]
    lines.append(f"{ind}acc[{at}] = " + _COMBINE[op].format(a=f"acc[{at}]", b=value))
    for k in range(len(kept)):
        lines.append(f"{'    ' * k}for k{k} in range(acc.shape[{k}]):")
    out = ", ".join(f"k{k}" for k in range(len(kept))) or "0"
    # Reducing axis 0 (the split one), r0 is this chunk's partial result: a [c:c + 1] slice.
    to = f"0, {out}" if kept and axes[0] == 0 else out
    lines.append(f"{'    ' * len(kept)}r0[{to}] = acc[{out}]")
    return [f"    {s}" for s in lines]


def _blocked_reduction(inputs, body, stores, value: str, op, init: str, acc_dtype,
                       rows: bool, n_out: int, per_row_result: bool = True) -> list[str]:
    """A reduction loop that stays vectorisable: over n elements, or over each row of a rows
    x inner tiling (one result per row, or one for all rows).

    A single running accumulator is a chain of dependent floating-point operations that LLVM
    may not reorder, so it would keep the whole loop, vecmath included, scalar. Instead each
    block of REDUCE_BLOCK elements is computed by a plain (vectorised) loop into a buffer,
    which reduce_blocks then folds: a sum in vector lanes, a maximum or minimum in independent
    accumulators (enough chains to hide the latency). The summation order changes as with
    NumPy's SIMD sums. The buffer, the accumulators and
    their loop are reduce_blocks' precompiled functions (`rb.`): inline, they took half of the
    kernel's compile time.
    """
    name = {P.reduce_sum_p: "sum", P.reduce_max_p: "max", P.reduce_min_p: "min"}[op]
    length, base = ("inner", "r * inner") if rows else ("n", "0")
    # Not min(): its implementation would be compiled in every new process.
    block = [f"for b in range(0, {length}, {REDUCE_BLOCK}):",
             f"    m = {length} - b", f"    if m > {REDUCE_BLOCK}:", f"        m = {REDUCE_BLOCK}",
             f"    lo = {base} + b"]
    block += [f"    x{i} = a{i}[lo:lo + m]" if s.kind == "full" else f"    x{i} = a{i}[b:b + m]"
              for i, s in enumerate(inputs) if s.kind in ("full", "row")]
    block += [f"    y{j} = o{j}[lo:lo + m]" for j in range(n_out)]
    loop = [f"v{i} = x{i}[j]" for i, s in enumerate(inputs) if s.kind in ("full", "row")]
    loop += body + ["y" + s[1:] for s in stores("j")] + [f"buf[j] = {value}"]
    block += ["    for j in range(m):"] + [f"        {s}" for s in loop]
    block += [f"    rb.{name}_block(acc, buf, m)"]
    total = f"rb.{name}_total(acc)"
    head = [f"buf, acc = rb.scratch({init}, {REDUCE_BLOCK})"]
    accs = [f"rb.fill(acc, {init})"] if rows and per_row_result else []
    per_row = [f"v{i} = a{i}[r]" for i, s in enumerate(inputs) if s.kind == "col"]
    if rows and per_row_result:
        lines = head + ["for r in range(rows):"] + [f"    {s}" for s in per_row + accs + block]
        lines += [f"    r0[r] = {total}"]
    elif rows:  # a full reduction over a tiling (operands broadcast along rows or columns)
        lines = head + accs + ["for r in range(rows):"] + [f"    {s}" for s in per_row + block]
        lines += [f"r0[0] = {total}"]
    else:
        lines = head + accs + block + [f"r0[0] = {total}"]
    return [f"    {s}" for s in lines]


def _tiled_loop(inputs, body, stores, n_out: int) -> list[str]:
    """Elementwise loop over rows x inner: each row's slices are indexed from 0."""
    lines = ["for r in range(rows):"] + [f"    {s}" for s in _row_views(inputs, n_out)]
    loop = _row_loads(inputs) + body + ["y" + s[1:] for s in stores("j")]
    lines += ["    for j in range(inner):"] + [f"        {s}" for s in loop]
    return [f"    {s}" for s in lines]


def _tile(shape: tuple[int, ...], expands: list[tuple[int, ...]], inner_dims) -> list | None:
    """Classify inputs for a rows x inner iteration (inner = the last k dims), or None.

    'row' inputs vary only along the inner dims (a bias), 'col' ones only along the rows
    (a per-row scale); both become 1-D arrays indexed from zero.
    """
    ndim = len(shape)
    for k in inner_dims:
        kinds = []
        for e in expands:
            if e == shape:
                kinds.append("full")
            elif all(d == 1 for d in e):
                kinds.append("scalar")
            elif all(d == 1 for d in e[:ndim - k]) and e[ndim - k:] == shape[ndim - k:]:
                kinds.append("row")
            elif all(d == 1 for d in e[ndim - k:]) and e[:ndim - k] == shape[:ndim - k]:
                kinds.append("col")
            else:
                break
        else:
            return [k, kinds]
    return None


def plan_kernel(group: FusionGroup, fast_math: bool = True) -> KernelPlan:
    shape = group.shape
    ndim = len(shape)
    specs: dict[tuple, InputSpec] = {}
    order: list[tuple] = []

    def input_name(x: Var, expand: tuple[int, ...]) -> str:
        key = (x, expand)
        if key not in specs:
            size = int(np.prod(expand, dtype=np.int64))
            kind = "full" if expand == shape else "scalar" if size == 1 else "view"
            specs[key] = InputSpec(x, kind, expand)
            order.append(key)
        return f"v{order.index(key)}"

    names: dict[Var, str] = {}
    body: list[str] = []
    for k, eqn in enumerate(group.eqns):
        operands = []
        for x in eqn.inputs:
            if isinstance(x, Literal):
                operands.append(literal(x.val, x.aval.dtype))
            elif x in names:
                operands.append(names[x])
            else:
                if eqn.primitive is P.broadcast_in_dim_p:
                    expand = [1] * ndim
                    for i, dim in enumerate(eqn.params["broadcast_dimensions"]):
                        expand[dim] = x.aval.shape[i]
                    expand = tuple(expand)
                else:
                    expand = (1,) * (ndim - x.aval.ndim) + x.aval.shape
                operands.append(input_name(x, expand))
        if (eqn.primitive in COMMUTATIVE and isinstance(eqn.inputs[0], Literal)
                and not isinstance(eqn.inputs[1], Literal)):
            # Constants last: 1.0 + x and x + 1.0 give one source text, so one kernel.
            operands.reverse()
        names[eqn.outputs[0]] = f"t{k}"
        expr, dtype = scalar_expression(eqn, operands, fast_math), eqn.outputs[0].aval.dtype
        # Numba keeps float and bool arithmetic in its operands' type but widens small
        # integers and mixes complex64 up, so only those results are cast back (fewer casts
        # compile faster).
        body.append(f"t{k} = {np_type(dtype)}({expr})" if dtype.kind in "iuc"
                    else f"t{k} = {expr}")
        vecmath = eqn.primitive.scalar.vecmath
        if fast_math and vecmath in LIMITED and dtype.kind == "f":
            # vecmath's sin/cos/tan are exact only up to TRIG_LIMIT: flag larger arguments so
            # the caller recomputes this chunk with libm.
            limit = LIMITED[vecmath][dtype == np.float64]
            body.append(f"big |= abs({operands[0]}) > {limit!r}")

    inputs = [specs[k] for k in order]
    red = group.reduction
    axes = tuple(sorted(red.params["axes"])) if red is not None else ()
    kept = ndim - len(axes)
    views = any(s.kind == "view" for s in inputs)
    # Rows x inner tiles keep the inner loop contiguous (and so vectorised): the inner dims
    # are the reduced ones for trailing axes, the kept ones for leading axes (the rows are
    # reduced), any for a full reduction. Only what does not tile falls back to nested loops.
    if red is None or kept == 0:
        choices = range(1, ndim) if views else []
    elif axes == tuple(range(kept, ndim)):
        choices = [len(axes)]
    elif axes == tuple(range(len(axes))):
        choices = [kept]
    else:
        choices = []
    tiled = _tile(shape, [s.expand for s in inputs], choices) if choices else None
    rows = tiled is not None
    if rows:
        inputs = [InputSpec(s.var, kind, s.expand) for s, kind in zip(inputs, tiled[1])]
        inner_dims = tiled[0]
    nd = not rows and (views or (red is not None and kept > 0))

    n_out = sum(1 for v in group.outputs if v in names)
    full_ins = [i for i, s in enumerate(inputs) if s.kind != "scalar"]
    # The caller passes views that start at the first element this call computes: indexing
    # from a non-zero start would make Numba guard against negative indices, and LLVM then
    # does not vectorise. Flat kernels take 1-D arrays; nd kernels take the chunk's shape.
    params = [f"a{i}" for i in range(len(inputs))] + [f"o{i}" for i in range(n_out)]
    params += ["r0"] if red is not None else []
    params += ["shape"] if nd else ["rows", "inner"] if rows else ["n"]
    lines = [f"def kernel({', '.join(params)}):"]
    lines += [f"    v{i} = a{i}[0]" if not nd else f"    v{i} = a{i}.ravel()[0]"
              for i, s in enumerate(inputs) if s.kind == "scalar"]

    def loads(index: str) -> list[str]:
        return [f"v{i} = a{i}[{index}]" for i in full_ins]

    def stores(index: str) -> list[str]:
        return [f"o{j}[{index}] = {names[v]}" for j, v in enumerate(group.outputs)
                if v in names]

    if red is not None:
        value = names[red.inputs[0]]
        out_dtype = red.outputs[0].aval.dtype
        # Low-precision sums accumulate in float64, as NumPy's pairwise sum keeps them accurate.
        acc_dtype = np.dtype(np.float64) if (red.primitive is P.reduce_sum_p
                                             and out_dtype.kind == "f") else out_dtype
        init = _reduce_init(red.primitive, acc_dtype)
        reduction = (value, red.primitive, init, acc_dtype)

    if red is None and nd:
        idx = ", ".join(f"i{d}" for d in range(ndim))
        for d in range(ndim):
            lines.append(f"{'    ' * (d + 1)}for i{d} in range(shape[{d}]):")
        lines += [f"{'    ' * (ndim + 1)}{s}" for s in loads(idx) + body + stores(idx)]
    elif red is None and rows:
        lines += _tiled_loop(inputs, body, stores, n_out)
    elif red is None:
        lines += ["    for i in range(n):"]
        lines += [f"        {s}" for s in loads("i") + body + stores("i")]
    elif nd:
        lines += _nd_reduction(ndim, axes, loads, body, stores, *reduction)
    elif rows and kept > 0 and axes[0] == 0:
        lines += _column_reduction(inputs, body, stores, *reduction, n_out)
    else:
        lines += _blocked_reduction(inputs, body, stores, *reduction, rows, n_out,
                                    per_row_result=kept > 0)
    flags_big = any(line.startswith("big |=") for line in body)
    if flags_big:
        lines.insert(1, "    big = False")
        lines.append("    return big")
    # The declared costs (ScalarRule.work); at least 1, so a group that only moves data still
    # counts its elements.
    cost = max(1, sum(e.primitive.scalar.work(e.outputs[0].aval.dtype) for e in group.eqns))
    return KernelPlan("\n".join(lines) + "\n", inputs, nd, rows, inner_dims if rows else 0,
                      red.primitive if red is not None else None, flags_big, cost, axes)
