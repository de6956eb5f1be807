"""The Numba backend's executable: a generated straight-line Python function that calls one
compiled kernel per fusion group and NumPy for the unfused equations between them."""
from __future__ import annotations

import functools
import os
import time
import warnings

import numpy as np

from ...config import config
from ...core import primitives as P
from ...core.ir import Eqn, Jaxpr, Literal, Var
from ...core.primitives import impl_rules, lookup
from ...interpreters.inline import inline_calls
from ...interpreters.jit_call import compilers
from ..fusion import FusionGroup, members, partition
from ..simplify import simplify
from . import parallel
from .codegen import KernelPlan, plan_kernel
from .kernels import VECTOR_WIDTHS, WideOnFirstCall, get_kernel
from .scan_loop import compiled_scan

# Work (elements times the kernel's cost estimate) below which a group always runs serial:
# about 10 us of loop, where one launch and the wake-up of the pool's threads eat the saving.
# Above it the group's own timed calls decide (parallel.SplitTrial). Set very high, nothing
# splits.
PARALLEL_THRESHOLD = int(os.environ.get("NUMBAX_PARALLEL_THRESHOLD", 1 << 15))
# Split every group with an outer loop of two or more, untimed (tests of the chunking).
ALWAYS_SPLIT = False


def _num_threads() -> int:
    """NUMBAX_NUM_THREADS, or else the CPUs this process may run on: its affinity mask,
    which taskset, cgroup CPU sets and batch schedulers narrow, rather than the machine's."""
    try:
        available = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        available = os.cpu_count() or 1
    value = os.environ.get("NUMBAX_NUM_THREADS", "").strip()
    if not value:
        return available
    if not value.isdigit() or int(value) < 1:
        warnings.warn(f"NUMBAX_NUM_THREADS={value!r} is not a positive integer; using "
                      f"{available} threads", RuntimeWarning, stacklevel=2)
        return available
    return int(value)


NUM_THREADS = _num_threads()


def _widened(group: FusionGroup, kernel, on_compiled):
    """kernel, compiled with full-width vectors on its first call if it computes one float
    dtype and the machine has a width for it."""
    dtypes = {v.aval.dtype for e in group.eqns for v in e.outputs if v.aval.dtype.kind == "f"}
    width = VECTOR_WIDTHS.get(next(iter(dtypes))) if len(dtypes) == 1 else None
    return WideOnFirstCall(kernel, width, on_compiled) if width else kernel


class GroupRunner:
    """Prepares a group's operands, allocates its outputs in NumPy (which maps large blocks
    to huge pages) and runs its kernel on views, splitting the outer loop over up to
    NUM_THREADS threads of Numba's pool when the group's timed calls show that it pays
    (parallel.SplitTrial)."""

    def __init__(self, group: FusionGroup, plan: KernelPlan, kernel):
        self.group, self.plan, self.raw_kernel = group, plan, kernel
        self.kernel = _widened(group, kernel, self._compiled)
        self._libm_kernel = None
        self.shape = tuple(int(d) for d in group.shape)
        self.size = int(np.prod(self.shape, dtype=np.int64))
        red = group.reduction
        self.red_var = red.outputs[0] if red is not None else None
        self.red_dtype = red.outputs[0].aval.dtype if red is not None else None
        self.red_shape = tuple(d for i, d in enumerate(self.shape) if i not in plan.reduce_axes)
        # Reducing along the split loop: each chunk fills its own partial result.
        self.partial = red is not None and plan.partial
        self.out_specs = [(v, v.aval.dtype) for v in group.outputs if v is not self.red_var]
        split_at = len(self.shape) - plan.inner_dims
        self.inner = int(np.prod(self.shape[split_at:], dtype=np.int64)) if plan.rows else 1
        if plan.nd:
            self.extent = self.shape[0] if self.shape else 1
        elif plan.rows:
            self.extent = int(np.prod(self.shape[:split_at], dtype=np.int64))
        else:
            self.extent = self.size
        # Work, not size, decides: a transcendental chain pays for a second thread sooner.
        splittable = min(NUM_THREADS, self.extent) > 1 and (
            ALWAYS_SPLIT or self.size * plan.cost >= PARALLEL_THRESHOLD)
        self.parts = min(NUM_THREADS, self.extent) if splittable else 1
        self.cuts = np.array([self.extent * i // self.parts for i in range(self.parts + 1)],
                             np.int64)
        self.trial = parallel.SplitTrial(self.parts) if splittable and not ALWAYS_SPLIT \
            else None
        self._always = splittable and ALWAYS_SPLIT
        self._driver = None

    @property
    def split(self) -> bool:
        """Whether calls run split (for a group on trial: once the trial has decided so)."""
        return self._always or (self.trial is not None and self.trial.decided is True)

    @property
    def inline(self) -> bool:
        """Whether the executable may call the kernel directly: one flat serial loop."""
        return (not self.plan.nd and not self.plan.rows and self.parts == 1
                and self.red_var is None)

    def _prepare(self, vals) -> list:
        if self.plan.nd:
            # Nested loops index every operand with one index per dimension of the group, so
            # an operand of lower rank (f32[3,3] in a group over (1,1,3,3)) gets its leading
            # unit dimensions back.
            return [np.broadcast_to(v.reshape(s.expand), self.shape) if s.kind == "view"
                    else v.reshape(s.expand) for v, s in zip(vals, self.plan.inputs)]
        return [v.reshape(-1) for v in vals]

    def _chunk(self, args, outs, red, lo: int, hi: int) -> list:
        """Kernel arguments for rows [lo, hi) of the outer loop."""
        scale = self.inner if self.plan.rows else 1
        a = [x if s.kind in ("scalar", "row") else x[lo:hi] if s.kind == "col"
             else x[lo * scale:hi * scale] for x, s in zip(args, self.plan.inputs)]
        a += [o[lo * scale:hi * scale] for o in outs]
        if red is not None:
            a.append(red if self.partial else red[lo:hi])
        if self.plan.nd:
            a.append((hi - lo,) + self.shape[1:])
        elif self.plan.rows:
            a += [hi - lo, self.inner]
        else:
            a.append(hi - lo)
        return a

    def __call__(self, *vals) -> list:
        args = self._prepare(vals)
        outs = {v: np.empty(self.shape, dtype) for v, dtype in self.out_specs}
        flat = [o if self.plan.nd else o.reshape(-1) for o in outs.values()]
        red = red_arg = None
        if self.red_var is not None:
            # Partial results are rows of a (parts, ...) array; a chunk's kernel gets its
            # own row as a slice [c:c + 1] and writes at r0[0, ...].
            red = np.empty(((self.parts,) if self.partial else ()) + self.red_shape,
                           self.red_dtype)
            if self.partial:
                red_arg = red.reshape(self.parts, -1) if self.plan.rows and self.red_shape \
                    else red
            else:
                red_arg = red if self.plan.nd else red.reshape(-1)

        def red_part(chunk: int):
            return red_arg[chunk:chunk + 1] if self.partial else red_arg

        split = self._always or (self.trial is not None and self.trial.want_split())
        start = time.perf_counter()
        if split:
            big = self._run_split(args, flat, red_arg)
            split = big is not None
            for c in np.flatnonzero(big) if split and self.plan.flags_big else ():
                self.libm_kernel()(*self._chunk(args, flat, red_part(c), self.cuts[c],
                                                self.cuts[c + 1]))
        # A splittable reduction runs the same chunks in turn when serial, so its result
        # never depends on whether this call split (partials combine in the same order).
        chunked = split or (self.partial and self.parts > 1)
        if not split:
            for c in range(self.parts if chunked else 1):
                lo, hi = (self.cuts[c], self.cuts[c + 1]) if chunked else (0, self.extent)
                self.run_kernel(self._chunk(args, flat, red_part(c), lo, hi))
        if self.trial is not None:
            self.trial.record(split, time.perf_counter() - start)
        if self.partial:
            red = self._combine(red) if chunked else red[0]
        if self.red_var is not None:
            outs[self.red_var] = np.asarray(red, self.red_dtype).reshape(self.red_shape)
        return [outs[v] for v in self.group.outputs]

    def _compiled(self, kernel) -> None:
        self.kernel = kernel

    def _run_split(self, args, outs, red):
        """Run every chunk through the parallel driver: the per-chunk flags of arguments
        beyond vecmath's range, or None when the pool may not be used now (nothing ran)."""
        if self._driver is None:
            kinds = [parallel.WHOLE if s.kind in ("scalar", "row") else
                     parallel.ROWS if s.kind == "col" else parallel.ELEMENTS
                     for s in self.plan.inputs] + [parallel.ELEMENTS] * len(outs)
            if red is not None:
                kinds.append(parallel.PART if self.partial else parallel.ROWS)
            tail = "shape" if self.plan.nd else "rows" if self.plan.rows else "n"
            driver = parallel.get_driver(self.raw_kernel, self.plan.source, kinds, tail,
                                         self.plan.flags_big)
            # Compiled with the kernel's forced vector width: the kernel is compiled as part
            # of the driver when no serial call came first.
            self._driver = _widened(self.group, driver,
                                    lambda d: setattr(self, "_driver", d))
        extra = [self.shape] if self.plan.nd else [self.inner] if self.plan.rows else []
        big = np.zeros(self.parts, np.bool_)
        call = [*args, *outs] + ([red] if red is not None else []) + extra + [
            self.cuts, self.inner] + ([big] if self.plan.flags_big else [])
        return big if parallel.launch(self._driver, call, self.parts) else None

    def run_kernel(self, chunk_args) -> None:
        if self.kernel(*chunk_args) and self.plan.flags_big:
            self.libm_kernel()(*chunk_args)

    def libm_kernel(self):
        """The same loop calling libm, for chunks whose arguments exceed vecmath's range."""
        if self._libm_kernel is None:
            self._libm_kernel = get_kernel(plan_kernel(self.group, fast_math=False).source)
        return self._libm_kernel

    def _combine(self, partial):
        op = self.plan.reduce_op
        return partial.sum(0) if op is P.reduce_sum_p else partial.max(0) \
            if op is P.reduce_max_p else partial.min(0)


class Executable:
    """Runs a Jaxpr: fused groups through kernels, other equations through NumPy."""

    def __init__(self, jaxpr: Jaxpr):
        # The simplified program (CSE, folding, identities, dead code) is what runs, and what
        # Lowered prints as "simplified jaxpr".
        self.jaxpr = simplify(inline_calls(jaxpr))
        self.items = partition(self.jaxpr)
        self.groups = [g for g in self.items if isinstance(g, FusionGroup)]
        self.runners: list[GroupRunner] = []
        self.kernel_sources: list[str] = []
        self.run = self._generate()

    def __call__(self, *args) -> list:
        return self.run(*args)

    def _generate(self):
        names: dict[Var, str] = {}
        namespace: dict = {}
        lines: list[str] = []

        def name(x) -> str:
            if isinstance(x, Literal):
                key = f"c{len(namespace)}"
                namespace[key] = x.val
                return key
            if x not in names:
                names[x] = f"x{len(names)}"
            return names[x]

        params = [name(v) for v in self.jaxpr.constvars + self.jaxpr.invars]
        for item in self.items:
            # A kernel for a handful of scalars costs a compile and saves nothing.
            if isinstance(item, FusionGroup) and item.worth_a_kernel and np.prod(
                    item.shape, dtype=np.int64) > 1:
                if not item.outputs:
                    continue  # nothing it computes is used
                plan = plan_kernel(item, config.fast_math)
                runner = GroupRunner(item, plan, get_kernel(plan.source))
                self.runners.append(runner)
                self.kernel_sources.append(plan.source)
                key = f"g{len(self.runners) - 1}"
                ins = ", ".join(name(s.var) for s in plan.inputs)
                if runner.inline:
                    lines += self._inline_call(runner, key, [s.var for s in plan.inputs], name,
                                               namespace)
                    continue
                namespace[key] = runner
                outs = ", ".join(name(v) for v in item.outputs)
                lines.append(f"{outs}{',' if len(item.outputs) == 1 else ''} = {key}({ins})")
                continue
            for eqn in ([item] if isinstance(item, Eqn) else members(item)):
                rule = lookup(impl_rules, eqn.primitive, "NumPy evaluation")
                key = f"e{len(namespace)}"
                kw = dict(eqn.params)
                if eqn.primitive.kind == "control_flow":
                    # Control flow runs its bodies as compiled (fused) executables.
                    kw["run"] = compilers["numba"]
                impl = functools.partial(rule, **kw) if kw else rule
                # A small fusible scan body compiles with its loop into one function.
                namespace[key] = compiled_scan(eqn, config.fast_math, impl) or impl
                outs = ", ".join(name(v) for v in eqn.outputs)
                lines.append(f"{outs}{',' if len(eqn.outputs) == 1 else ''} = "
                             f"{key}({', '.join(name(x) for x in eqn.inputs)})")
        ret = ", ".join(name(x) for x in self.jaxpr.outvars)
        source = f"def run({', '.join(params)}):\n" + "".join(f"    {s}\n" for s in lines)
        source += f"    return [{ret}]\n"
        self.source = source
        exec(compile(source, "<numbax executable>", "exec"), namespace)  # noqa: S102
        return namespace["run"]

    @staticmethod
    def _inline_call(runner: GroupRunner, key: str, inputs, name, namespace) -> list[str]:
        """Straight-line allocation and kernel call for a small flat elementwise group."""
        namespace["empty"] = np.empty
        namespace[f"{key}k"] = _widened(runner.group, runner.raw_kernel,
                                        lambda k: namespace.__setitem__(f"{key}k", k))
        lines, args = [], []
        for var in inputs:
            ndim = var.aval.ndim if isinstance(var, Var) else 0
            args.append(name(var) if ndim == 1 else f"{name(var)}.reshape(-1)")
        for v, dtype in runner.out_specs:
            namespace[f"{key}d{name(v)}"] = dtype
            lines.append(f"{name(v)} = empty({runner.shape}, {key}d{name(v)})")
            args.append(name(v) if len(runner.shape) == 1 else f"{name(v)}.reshape(-1)")
        call = f"{', '.join(args)}, {runner.extent}"
        if runner.plan.flags_big:
            namespace[f"{key}libm"] = runner.libm_kernel
            lines.append(f"if {key}k({call}):")
            lines.append(f"    {key}libm()({call})")
        else:
            lines.append(f"{key}k({call})")
        return lines

    def describe(self) -> str:
        parts = [f"fusion groups ({len(self.runners)} kernels):"]
        parts += [f"  {g}" for g in self.groups]
        for i, src in enumerate(self.kernel_sources):
            parts.append(f"kernel {i}:\n{src}")
        parts.append(f"executable:\n{self.source}")
        return "\n".join(parts)


def compile_executable(jaxpr: Jaxpr) -> Executable:
    return Executable(jaxpr)
