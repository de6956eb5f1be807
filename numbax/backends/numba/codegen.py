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
    inner_dims: int                 # trailing dims in a row (the reduced axes, if reducing)
    reduce_op: object | None       # the reduction's Primitive
    flags_big: bool = False         # returns True when an argument needs the libm fallback
    cost: int = 1                   # estimated work per element, in simple-operation units


# Per reduction: the accumulator's update and its initial value ("0", or the identity of a
# maximum / minimum).
_REDUCE = {P.reduce_sum_p: ("acc = acc + {v}", "0"),
           P.reduce_max_p: ("acc = np.maximum(acc, {v})", "-inf"),
           P.reduce_min_p: ("acc = np.minimum(acc, {v})", "inf")}


def _reduce_init(op, dtype: np.dtype) -> str:
    init = _REDUCE[op][1]
    if init == "0":
        return f"{np_type(dtype)}(0)"
    if dtype.kind == "f":
        return f"{np_type(dtype)}({'-' if init.startswith('-') else ''}np.inf)"
    info = np.iinfo(dtype) if dtype.kind in "iu" else None
    if info is None:
        return "False" if init.startswith("-") else "True"
    return f"{np_type(dtype)}({info.min if init.startswith('-') else info.max})"


REDUCE_BLOCK = 512
ACCUMULATORS = 8  # a power of two
def _blocked_reduction(inputs, body, stores, value: str, op, init: str, acc_dtype,
                       rows: bool, n_out: int) -> list[str]:
    """A reduction loop that stays vectorisable.

    A single running accumulator is a chain of dependent floating-point operations that LLVM
    may not reorder, so it would keep the whole loop, vecmath included, scalar. Instead each
    block of REDUCE_BLOCK elements is computed by a plain (vectorised) loop into a buffer,
    which ACCUMULATORS independent accumulators then reduce (enough chains to hide the add
    latency). The summation order changes as with NumPy's pairwise sum.
    """
    combine = {P.reduce_sum_p: "{a} + {b}", P.reduce_max_p: "np.maximum({a}, {b})",
               P.reduce_min_p: "np.minimum({a}, {b})"}[op]
    step = lambda k, j: f"acc{k} = " + combine.format(a=f"acc{k}", b=f"buf[{j}]")  # noqa: E731
    length, base = ("inner", "r * inner") if rows else ("n", "0")
    block = [f"for b in range(0, {length}, {REDUCE_BLOCK}):",
             f"    m = min({REDUCE_BLOCK}, {length} - b)",
             f"    lo = {base} + b"]
    block += [f"    x{i} = a{i}[lo:lo + m]" if s.kind == "full" else f"    x{i} = a{i}[b:b + m]"
              for i, s in enumerate(inputs) if s.kind in ("full", "row")]
    block += [f"    y{j} = o{j}[lo:lo + m]" for j in range(n_out)]
    loop = [f"v{i} = x{i}[j]" for i, s in enumerate(inputs) if s.kind in ("full", "row")]
    loop += body + ["y" + s[1:] for s in stores("j")] + [f"buf[j] = {value}"]
    block += ["    for j in range(m):"] + [f"        {s}" for s in loop]
    n_acc = ACCUMULATORS
    block += [f"    for j in range(0, m - {n_acc - 1}, {n_acc}):"]
    block += [f"        {step(k, f'j + {k}')}" for k in range(n_acc)]
    block += [f"    for j in range(m - m % {n_acc}, m):", f"        {step(0, 'j')}"]
    total = [f"acc{k}" for k in range(n_acc)]
    while len(total) > 1:  # a balanced tree, like the accumulators' own pairing
        total = [combine.format(a=a, b=b) for a, b in zip(total[::2], total[1::2])]
    total = total[0]
    head = [f"buf = np.empty({REDUCE_BLOCK}, {np_type(acc_dtype)})"]
    accs = [f"acc{k} = {init}" for k in range(n_acc)]
    per_row = [f"v{i} = a{i}[r]" for i, s in enumerate(inputs) if s.kind == "col"]
    if rows:
        lines = head + ["for r in range(rows):"] + [f"    {s}" for s in per_row + accs + block]
        lines += [f"    r0[r] = {total}"]
    else:
        lines = head + accs + block + [f"r0[0] = {total}"]
    return [f"    {s}" for s in lines]


def _tiled_loop(inputs, body, stores, n_out: int) -> list[str]:
    """Elementwise loop over rows x inner: each row's slices are indexed from 0."""
    lines = ["for r in range(rows):", "    lo = r * inner"]
    lines += [f"    x{i} = a{i}[lo:lo + inner]" for i, s in enumerate(inputs) if s.kind == "full"]
    lines += [f"    v{i} = a{i}[r]" for i, s in enumerate(inputs) if s.kind == "col"]
    lines += [f"    y{j} = o{j}[lo:lo + inner]" for j in range(n_out)]
    loop = [f"v{i} = x{i}[j]" if s.kind == "full" else f"v{i} = a{i}[j]"
            for i, s in enumerate(inputs) if s.kind in ("full", "row")]
    loop += body + ["y" + s[1:] for s in stores("j")]
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
    reduce_axes = len(red.params["axes"]) if red is not None else 0
    outer = ndim - reduce_axes
    rows = False
    if any(s.kind == "view" for s in inputs) or (red is not None and outer > 0):
        # Rows x inner tiles keep the inner loop contiguous (and so vectorised); only shapes
        # that do not tile fall back to nested loops over broadcast views.
        choices = [reduce_axes] if red is not None else range(1, ndim)
        tiled = _tile(shape, [s.expand for s in inputs], choices) if outer > 0 else None
        if tiled is not None:
            rows = True
            inputs = [InputSpec(s.var, kind, s.expand) for s, kind in zip(inputs, tiled[1])]
            inner_dims = tiled[0]
    nd = not rows and any(s.kind == "view" for s in inputs)

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

    step = None
    if red is not None:
        step = _REDUCE[red.primitive][0].format(v=names[red.inputs[0]])
        out_dtype = red.outputs[0].aval.dtype
        # Low-precision sums accumulate in float64, as NumPy's pairwise sum keeps them accurate.
        acc_dtype = np.dtype(np.float64) if (red.primitive is P.reduce_sum_p
                                             and out_dtype.kind == "f") else out_dtype
        init = _reduce_init(red.primitive, acc_dtype)

    if not nd:
        if red is None and not rows:
            lines += ["    for i in range(n):"]
            lines += [f"        {s}" for s in loads("i") + body + stores("i")]
        elif red is None:
            lines += _tiled_loop(inputs, body, stores, n_out)
        else:
            lines += _blocked_reduction(inputs, body, stores, names[red.inputs[0]],
                                        red.primitive, init, acc_dtype, rows, n_out)
    else:
        idx = [f"i{d}" for d in range(ndim)]
        full_index = ", ".join(idx)
        ind = "    "
        if red is not None and outer == 0:
            lines.append(f"{ind}acc = {init}")
        for d in range(ndim):
            if red is not None and d == outer and outer > 0:
                lines.append(f"{ind}acc = {init}")
            lines.append(f"{ind}for i{d} in range(shape[{d}]):")
            ind += "    "
        lines += [f"{ind}{s}" for s in loads(full_index) + body + stores(full_index)
                  + ([step] if step else [])]
        if red is not None:
            out_index = ", ".join(idx[:outer]) if outer else "0"
            lines.append(f"{'    ' * (outer + 1)}r0[{out_index}] = acc")
    flags_big = any(line.startswith("big |=") for line in body)
    if flags_big:
        lines.insert(1, "    big = False")
        lines.append("    return big")
    # The declared costs (ScalarRule.work); at least 1, so a group that only moves data still
    # counts its elements.
    cost = max(1, sum(e.primitive.scalar.work(e.outputs[0].aval.dtype) for e in group.eqns))
    return KernelPlan("\n".join(lines) + "\n", inputs, nd, rows,
                      inner_dims if rows else reduce_axes,
                      red.primitive if red is not None else None, flags_big, cost)
