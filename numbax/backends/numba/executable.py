"""The Numba backend's executable: a generated straight-line Python function that calls one
compiled kernel per fusion group and NumPy for the unfused equations between them."""
from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ...core.ir import Eqn, Jaxpr, Literal, Var
from ...core.primitives import impl_rules, lookup
from ...interpreters.jit_call import compilers
from ..fusion import FusionGroup, partition
from .codegen import KernelPlan, plan_kernel
from .kernels import get_kernel

# Measured on the 2-core development machine (python -m numbax.bench): below about 2^17
# elements, handing half the loop to a second thread costs more than it saves.
PARALLEL_THRESHOLD = int(os.environ.get("NUMBAX_PARALLEL_THRESHOLD", 1 << 17))
NUM_THREADS = min(2, os.cpu_count() or 1)
_pool: ThreadPoolExecutor | None = None

# Call-like primitives whose body simply runs here: inlining them lets fusion cross them.
_INLINE = ("jit", "checkpoint", "custom_jvp_call", "custom_vjp_call")
_LOOPS = ("cond", "while", "scan")
_BODY_PARAM = {"jit": "jaxpr", "checkpoint": "jaxpr", "custom_jvp_call": "call_jaxpr",
               "custom_vjp_call": "call_jaxpr"}


def _second_thread() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=NUM_THREADS - 1, thread_name_prefix="numbax")
    return _pool


def inline_calls(jaxpr: Jaxpr) -> Jaxpr:
    """Replace call equations (nested jit, checkpoint, custom rules) by their bodies."""
    if not any(e.primitive.name in _INLINE for e in jaxpr.eqns):
        return jaxpr
    eqns: list[Eqn] = []

    def emit(body: Jaxpr, env: dict) -> list:
        read = lambda x: x if isinstance(x, Literal) else env[x]  # noqa: E731
        for e in body.eqns:
            ins = [read(x) for x in e.inputs]
            if e.primitive.name in _INLINE:
                sub = e.params[_BODY_PARAM[e.primitive.name]]
                outs = emit(sub, dict(zip(sub.invars, ins)))
                env.update(zip(e.outputs, outs))
                continue
            outs = [Var(v.aval) for v in e.outputs]
            eqns.append(Eqn(e.primitive, ins, outs, e.params))
            env.update(zip(e.outputs, outs))
        return [read(x) for x in body.outvars]

    env = {v: v for v in jaxpr.constvars + jaxpr.invars}
    outvars = emit(jaxpr, env)
    return Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, outvars)


class GroupRunner:
    """Prepares a group's operands, allocates its outputs in NumPy (which maps large blocks
    to huge pages) and runs its kernel, splitting the outer loop over two threads when the
    group is large enough."""

    def __init__(self, group: FusionGroup, plan: KernelPlan, kernel):
        self.group, self.plan, self.kernel = group, plan, kernel
        shape = group.shape
        self.shape = tuple(int(d) for d in shape)
        self.size = int(np.prod(shape, dtype=np.int64))
        red = group.reduction
        outer = len(shape) - plan.reduce_axes
        self.red_var = red.outputs[0] if red is not None else None
        self.red_dtype = red.outputs[0].aval.dtype if red is not None else None
        self.red_shape = self.shape[:outer]
        self.full_reduce = red is not None and outer == 0
        self.out_specs = [(v, v.aval.dtype) for v in group.outputs if v is not self.red_var]
        if plan.nd:
            self.extent = self.shape[0] if shape else 1
        elif red is not None and outer > 0:
            self.extent = int(np.prod(self.red_shape, dtype=np.int64))
        else:
            self.extent = self.size

    def _prepare(self, vals) -> list:
        args = []
        for v, spec in zip(vals, self.plan.inputs):
            if spec.kind == "view":
                v = np.broadcast_to(v.reshape(spec.expand), self.shape)
            elif not self.plan.nd and not v.flags.c_contiguous:
                v = np.ascontiguousarray(v)
            args.append(v)
        return args

    @property
    def inline(self) -> bool:
        """Whether the executable may call the kernel directly: one flat serial loop."""
        return not self.plan.nd and not self.full_reduce and not self.split

    @property
    def split(self) -> bool:
        return NUM_THREADS > 1 and self.size >= PARALLEL_THRESHOLD and self.extent >= 2

    def __call__(self, *vals) -> list:
        args = self._prepare(vals)
        outs = {v: np.empty(self.shape, dtype) for v, dtype in self.out_specs}
        views = list(outs.values())
        n, split = self.extent, self.split
        shape = (self.shape,) if self.plan.uses_shape else ()
        if self.red_var is None:
            self._run(args + views + list(shape), n, split)
        elif self.full_reduce:
            partial = np.empty(2, self.red_dtype)
            if split:
                mid = n // 2
                future = _second_thread().submit(self.kernel, *args, *views, partial[1:],
                                                 *shape, mid, n)
                self.kernel(*args, *views, partial[:1], *shape, 0, mid)
                future.result()
                red = self._combine(partial)
            else:
                self.kernel(*args, *views, partial[:1], *shape, 0, n)
                red = partial[0]
            outs[self.red_var] = np.asarray(red, self.red_dtype).reshape(())
        else:
            red = np.empty(self.red_shape, self.red_dtype)
            self._run(args + views + [red] + list(shape), n, split)
            outs[self.red_var] = red
        return [outs[v] for v in self.group.outputs]

    def _run(self, args, n, split):
        if split:
            mid = n // 2
            future = _second_thread().submit(self.kernel, *args, mid, n)
            self.kernel(*args, 0, mid)
            future.result()
        else:
            self.kernel(*args, 0, n)

    def _combine(self, partial):
        op = self.plan.reduce_op
        return partial.sum() if op == "reduce_sum" else partial.max() if op == "reduce_max" \
            else partial.min()


class Executable:
    """Runs a Jaxpr: fused groups through kernels, other equations through NumPy."""

    def __init__(self, jaxpr: Jaxpr):
        self.jaxpr = inline_calls(jaxpr)
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
                plan = plan_kernel(item)
                runner = GroupRunner(item, plan, get_kernel(plan.source))
                self.runners.append(runner)
                self.kernel_sources.append(plan.source)
                key = f"g{len(self.runners) - 1}"
                ins = ", ".join(name(s.var) for s in plan.inputs)
                if runner.inline and all(s.kind != "view" for s in plan.inputs):
                    lines += self._inline_call(runner, key, ins, name, namespace)
                    continue
                namespace[key] = runner
                outs = ", ".join(name(v) for v in item.outputs)
                lines.append(f"{outs}{',' if len(item.outputs) == 1 else ''} = {key}({ins})")
                continue
            for eqn in ([item] if isinstance(item, Eqn) else item.eqns):
                rule = lookup(impl_rules, eqn.primitive, "NumPy evaluation")
                key = f"e{len(namespace)}"
                kw = dict(eqn.params)
                if eqn.primitive.name in _LOOPS:
                    # Control flow runs its bodies as compiled (fused) executables.
                    kw["run"] = compilers["numba"]
                namespace[key] = functools.partial(rule, **kw) if kw else rule
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
    def _inline_call(runner: GroupRunner, key: str, ins: str, name, namespace) -> list[str]:
        """Straight-line allocation and kernel call for a small flat group."""
        namespace[f"{key}k"], namespace["empty"] = runner.kernel, np.empty
        lines, args = [], []
        for v, dtype in runner.out_specs:
            namespace[f"{key}d{name(v)}"] = dtype
            lines.append(f"{name(v)} = empty({runner.shape}, {key}d{name(v)})")
            args.append(name(v))
        if runner.red_var is not None:
            red = name(runner.red_var)
            namespace[f"{key}r"] = runner.red_dtype
            lines.append(f"{red} = empty({runner.red_shape}, {key}r)")
            args += [red, repr(runner.shape)]
        lines.append(f"{key}k({', '.join(filter(None, [ins] + args))}, 0, {runner.extent})")
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
