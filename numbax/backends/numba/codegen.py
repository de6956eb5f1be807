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

from ...core.ir import Literal, Var
from ..fusion import FusionGroup
from .vecmath import FUNCTIONS as vecmath_names
from .vecmath import LIMITED


def _np_type(dtype: np.dtype) -> str:
    return f"np.{np.dtype(dtype).name}"


def _literal(val, dtype: np.dtype) -> str:
    v = np.asarray(val).item()
    if isinstance(v, float):
        text = "np.inf" if v == np.inf else "-np.inf" if v == -np.inf else \
            "np.nan" if v != v else repr(v)
    else:
        text = repr(v)
    return f"{_np_type(dtype)}({text})"


# Scalar expression templates per primitive; {0}, {1}, {2} are operands, {d} the output dtype.
_EXPR = {
    "neg": "-{0}", "abs": "abs({0})", "sign": "np.sign({0})", "exp": "np.exp({0})",
    "log": "np.log({0})", "log1p": "np.log1p({0})", "expm1": "np.expm1({0})",
    "sin": "np.sin({0})", "cos": "np.cos({0})", "tan": "np.tan({0})", "tanh": "np.tanh({0})",
    "sqrt": "np.sqrt({0})", "rsqrt": "{d}(1) / np.sqrt({0})",
    # exp(-|x|) never overflows: 1 / (1 + exp(-x)) would round exp(100) to inf in float32 and
    # return 0 where the answer (3.7e-44) is representable.
    "logistic": "({d}(1) / ({d}(1) + np.exp(-abs({0}))) if {0} >= 0 else "
                "np.exp(-abs({0})) / ({d}(1) + np.exp(-abs({0}))))",
    "add": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0} * {1}", "div": "{0} / {1}",
    "pow": "{0} ** {1}", "max": "np.maximum({0}, {1})", "min": "np.minimum({0}, {1})",
    "lt": "{0} < {1}", "le": "{0} <= {1}", "gt": "{0} > {1}", "ge": "{0} >= {1}",
    "eq": "{0} == {1}", "ne": "{0} != {1}", "and": "{0} and {1}", "or": "{0} or {1}",
    "not": "not {0}", "select": "{1} if {0} else {2}", "stop_gradient": "{0}",
    "broadcast_in_dim": "{0}",
}

# NumPy's float semantics where Numba's scalar functions differ: sign(-0.0) is +0.0 (adding
# +0.0 turns -0.0 into +0.0 and keeps nan), and maximum/minimum return their second operand
# on ties (so maximum(0.0, -0.0) is -0.0) and nan if either operand is nan.
_FLOAT_EXPR = {
    "sign": "np.sign({0}) + {d}(0)",
    "max": "({0} if ({0} > {1}) | ({0} != {0}) else {1})",
    "min": "({0} if ({0} < {1}) | ({0} != {0}) else {1})",
}


def _expr(eqn, operands: list[str], fast_math: bool) -> str:
    name = eqn.primitive.name
    out_dtype = eqn.outputs[0].aval.dtype
    d = _np_type(out_dtype)
    if fast_math and name in vecmath_names and out_dtype.kind == "f":
        return f"vm.{vecmath_names[name][out_dtype == np.float64]}({operands[0]})"
    if name == "integer_pow":
        y = eqn.params["y"]
        if y == 0:
            return f"{d}(1)"
        # A negative power multiplies reciprocals: 1 / x**n would overflow to inf (and give 0)
        # where the result is a representable denormal, e.g. float32 1e20 ** -2 = 1e-40.
        base = operands[0] if y > 0 else f"({d}(1) / {operands[0]})"
        return f"({' * '.join([base] * abs(y))})"
    if name == "pow" and out_dtype.kind == "f" and isinstance(eqn.inputs[1], Literal):
        # NumPy's power loop computes a scalar exponent 0.5, 2 or -1 as sqrt, square or
        # reciprocal: (-inf) ** 0.5 is nan there and (-0.0) ** 0.5 is -0.0, not pow's +inf
        # and +0.0.
        fast = {0.5: "np.sqrt({0})", 2.0: "({0} * {0})", -1.0: "{d}(1) / {0}"}.get(
            float(np.asarray(eqn.inputs[1].val)))
        if fast is not None:
            return fast.format(operands[0], d=d)
    if out_dtype.kind == "f" and name in _FLOAT_EXPR:
        return _FLOAT_EXPR[name].format(*operands, d=d)
    if name == "convert_element_type":
        return f"{operands[0]} != 0" if out_dtype == np.bool_ else f"{d}({operands[0]})"
    if name == "full":
        return _literal(eqn.params["fill_value"], out_dtype)
    return _EXPR[name].format(*operands, d=d)


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
    reduce_op: str | None
    flags_big: bool = False         # returns True when an argument needs the libm fallback
    cost: int = 1                   # estimated work per element, in simple-operation units


_REDUCE = {"reduce_sum": ("acc = acc + {v}", "0"), "reduce_max": ("acc = np.maximum(acc, {v})", "-inf"),
           "reduce_min": ("acc = np.minimum(acc, {v})", "inf")}


def _reduce_init(op: str, dtype: np.dtype) -> str:
    init = _REDUCE[op][1]
    if init == "0":
        return f"{_np_type(dtype)}(0)"
    if dtype.kind == "f":
        return f"{_np_type(dtype)}({'-' if init.startswith('-') else ''}np.inf)"
    info = np.iinfo(dtype) if dtype.kind in "iu" else None
    if info is None:
        return "False" if init.startswith("-") else "True"
    return f"{_np_type(dtype)}({info.min if init.startswith('-') else info.max})"


REDUCE_BLOCK = 512
ACCUMULATORS = 8  # a power of two
_TRANSCENDENTAL = frozenset({"exp", "expm1", "log", "log1p", "sin", "cos", "tan", "tanh",
                             "logistic", "pow"})


def _blocked_reduction(inputs, body, stores, value: str, op: str, init: str, acc_dtype,
                       rows: bool, n_out: int) -> list[str]:
    """A reduction loop that stays vectorisable.

    A single running accumulator is a chain of dependent floating-point operations that LLVM
    may not reorder, so it would keep the whole loop, vecmath included, scalar. Instead each
    block of REDUCE_BLOCK elements is computed by a plain (vectorised) loop into a buffer,
    which ACCUMULATORS independent accumulators then reduce (enough chains to hide the add
    latency). The summation order changes as with NumPy's pairwise sum.
    """
    combine = {"reduce_sum": "{a} + {b}", "reduce_max": "np.maximum({a}, {b})",
               "reduce_min": "np.minimum({a}, {b})"}[op]
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
    head = [f"buf = np.empty({REDUCE_BLOCK}, {_np_type(acc_dtype)})"]
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
                operands.append(_literal(x.val, x.aval.dtype))
            elif x in names:
                operands.append(names[x])
            else:
                if eqn.primitive.name == "broadcast_in_dim":
                    expand = [1] * ndim
                    for i, dim in enumerate(eqn.params["broadcast_dimensions"]):
                        expand[dim] = x.aval.shape[i]
                    expand = tuple(expand)
                else:
                    expand = (1,) * (ndim - x.aval.ndim) + x.aval.shape
                operands.append(input_name(x, expand))
        names[eqn.outputs[0]] = f"t{k}"
        expr, dtype = _expr(eqn, operands, fast_math), eqn.outputs[0].aval.dtype
        # Numba keeps float and bool arithmetic in its operands' type but widens small
        # integers, so only integer results are cast back (fewer casts compile faster).
        body.append(f"t{k} = {_np_type(dtype)}({expr})" if dtype.kind in "iu" else f"t{k} = {expr}")
        if fast_math and eqn.primitive.name in LIMITED and dtype.kind == "f":
            # vecmath's sin/cos/tan are exact only up to TRIG_LIMIT: flag larger arguments so
            # the caller recomputes this chunk with libm.
            limit = LIMITED[eqn.primitive.name][dtype == np.float64]
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
        step = _REDUCE[red.primitive.name][0].format(v=names[red.inputs[0]])
        out_dtype = red.outputs[0].aval.dtype
        # Low-precision sums accumulate in float64, as NumPy's pairwise sum keeps them accurate.
        acc_dtype = np.dtype(np.float64) if (red.primitive.name == "reduce_sum"
                                             and out_dtype.kind == "f") else out_dtype
        init = _reduce_init(red.primitive.name, acc_dtype)

    if not nd:
        if red is None and not rows:
            lines += ["    for i in range(n):"]
            lines += [f"        {s}" for s in loads("i") + body + stores("i")]
        elif red is None:
            lines += _tiled_loop(inputs, body, stores, n_out)
        else:
            lines += _blocked_reduction(inputs, body, stores, names[red.inputs[0]],
                                        red.primitive.name, init, acc_dtype, rows, n_out)
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
    # A transcendental function costs about ten simple operations in float64, five in float32
    # (whose vectors hold twice the lanes).
    cost = sum((5 if e.outputs[0].aval.dtype == np.float32 else 10)
               if e.primitive.name in _TRANSCENDENTAL else 1 for e in group.eqns)
    return KernelPlan("\n".join(lines) + "\n", inputs, nd, rows,
                      inner_dims if rows else reduce_axes,
                      red.primitive.name if red is not None else None, flags_big, cost)
