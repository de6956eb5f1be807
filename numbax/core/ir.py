"""The IR: Var, Literal, Eqn, Jaxpr, ClosedJaxpr, their printer and type checker."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import source_info as _source_info
from .avals import ShapedArray, short_dtype_name


class Var:
    """A variable of a Jaxpr; identity is object identity."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self) -> str:
        return f"Var({self.aval.str_short()})"


@dataclass(frozen=True, eq=False)
class Literal:
    """A constant scalar written inline in the program text."""

    val: np.ndarray
    aval: ShapedArray

    @classmethod
    def of(cls, val) -> Literal:
        val = np.asarray(val)
        return cls(val, ShapedArray(val.shape, val.dtype))

    def __repr__(self) -> str:
        return f"{_format_scalar(self.val)}:{self.aval.str_short()}"


Atom = Var | Literal


@dataclass(eq=False)
class Eqn:
    """One primitive application. source_info is the user's (filename, lineno, function) that
    staged it (see core.source_info), or None; rewrites of an equation should carry it over."""

    primitive: Any
    inputs: list[Atom]
    outputs: list[Var]
    params: dict[str, Any]
    source_info: tuple | None = None


@dataclass(eq=False)
class Jaxpr:
    """A typed first-order program: constvars and invars in, eqns in order, outvars out."""

    constvars: list[Var]
    invars: list[Var]
    eqns: list[Eqn]
    outvars: list[Atom]

    @property
    def in_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.invars]

    @property
    def out_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.outvars]

    def check(self) -> None:
        typecheck(self)

    def __getstate__(self) -> dict:
        # Only the program pickles: what backends attach to it (the executables table, an
        # underscored attribute) is rebuilt by the process that unpickles it.
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __str__(self) -> str:
        return pp_jaxpr(self)

    __repr__ = __str__


@dataclass(eq=False)
class ClosedJaxpr:
    """A Jaxpr together with the values of its constvars."""

    jaxpr: Jaxpr
    consts: list[Any] = field(default_factory=list)

    in_avals = property(lambda self: self.jaxpr.in_avals)
    out_avals = property(lambda self: self.jaxpr.out_avals)
    eqns = property(lambda self: self.jaxpr.eqns)

    def check(self) -> None:
        typecheck(self.jaxpr)

    def __str__(self) -> str:
        return pp_jaxpr(self.jaxpr)

    __repr__ = __str__


class JaxprTypeError(TypeError):
    """A Jaxpr is ill-typed: a transformation or a rule produced a wrong program."""


def typecheck(jaxpr: Jaxpr) -> None:
    """Re-derive every equation's output avals from its primitive's rule, in the bodies that
    equations hold too; raise on mismatch."""
    env: set[Var] = set()

    def read(x: Atom) -> ShapedArray:
        if isinstance(x, Literal):
            return x.aval
        if x not in env:
            raise JaxprTypeError(f"variable {x} is used before it is defined")
        return x.aval

    def write(v: Var) -> None:
        if v in env:
            raise JaxprTypeError(f"variable {v} is defined twice")
        env.add(v)

    for v in jaxpr.constvars + jaxpr.invars:
        write(v)
    for eqn in jaxpr.eqns:
        in_avals = [read(x) for x in eqn.inputs]
        expected = eqn.primitive.abstract_eval(*in_avals, **eqn.params)
        got = [v.aval for v in eqn.outputs]
        if list(expected) != got:
            raise JaxprTypeError(
                f"equation {eqn.primitive.name} outputs {[a.str_short() for a in got]} but its "
                f"rule gives {[a.str_short() for a in expected]} for inputs "
                f"{[a.str_short() for a in in_avals]}")
        for v in eqn.outputs:
            write(v)
        for sub in sub_jaxprs(eqn.params):
            typecheck(sub)
    for x in jaxpr.outvars:
        read(x)


def sub_jaxprs(params: dict):
    """The bodies an equation holds (jit, checkpoint, cond branches, loop bodies...)."""
    for v in params.values():
        for item in (v if isinstance(v, tuple | list) else (v,)):
            if isinstance(item, ClosedJaxpr):
                yield item.jaxpr
            elif isinstance(item, Jaxpr):
                yield item


def eval_jaxpr(jaxpr: Jaxpr, consts, args) -> list:
    """Evaluate a Jaxpr by binding each primitive, so enclosing transformations see every op."""
    env: dict[Var, Any] = dict(zip(jaxpr.constvars, consts))
    env.update(zip(jaxpr.invars, args))
    # What the replayed equations stage or raise reports the line that staged the original.
    current = _source_info.current
    outer = current.site
    try:
        for eqn in jaxpr.eqns:
            current.site = eqn.source_info or outer
            ins = [x.val if isinstance(x, Literal) else env[x] for x in eqn.inputs]
            outs = eqn.primitive.bind_list(*ins, **eqn.params)
            env.update(zip(eqn.outputs, outs))
    finally:
        current.site = outer
    return [x.val if isinstance(x, Literal) else env[x] for x in jaxpr.outvars]


# ---------------------------------------------------------------------------------------------
# Printing


def _format_scalar(val: np.ndarray) -> str:
    if val.ndim:
        return f"[{' '.join(_format_scalar(v) for v in val.ravel()[:4])}{' ...' if val.size > 4 else ''}]"
    v = val.item()
    if not isinstance(v, float):
        return repr(v)
    if not np.isfinite(v):
        return str(v)
    s = f"{v:.8g}"
    return s if any(c in s for c in ".e") else s + ".0"  # 2.0, not 2, as in JAX


def _var_names():
    n = 0
    while True:
        s, k = "", n
        while True:
            s = chr(ord("a") + k % 26) + s
            k = k // 26 - 1
            if k < 0:
                break
        yield s
        n += 1


def _format_param(val: Any, names, indent: int) -> str:
    if isinstance(val, ClosedJaxpr | Jaxpr):
        jaxpr = val.jaxpr if isinstance(val, ClosedJaxpr) else val
        return pp_jaxpr(jaxpr, indent + 4, multiline=True).lstrip()
    if isinstance(val, np.dtype):
        return short_dtype_name(val)
    if isinstance(val, tuple | list) and val and isinstance(val[0], ClosedJaxpr | Jaxpr):
        return "(" + ", ".join(_format_param(v, names, indent) for v in val) + ")"
    if callable(val) and hasattr(val, "__name__"):
        return val.__name__
    return str(val)


def pp_jaxpr(jaxpr: Jaxpr, indent: int = 0, multiline: bool | None = None) -> str:
    """Print like jax.make_jaxpr: `{ lambda ; a:f64[3]. let b:f64[3] = sin a in (b,) }`."""
    names: dict[Var, str] = {}
    fresh = _var_names()

    def name(x: Atom) -> str:
        if isinstance(x, Literal):
            return repr(x)
        if x not in names:
            names[x] = next(fresh)
        return names[x]

    def binder(v: Var) -> str:
        return f"{name(v)}:{v.aval.str_short()}"

    head = (f"{{ lambda {' '.join(binder(v) for v in jaxpr.constvars)}; "
            f"{' '.join(binder(v) for v in jaxpr.invars)}. let")
    lines = []
    for eqn in jaxpr.eqns:
        params = ""
        if eqn.params:
            params = "[" + ", ".join(f"{k}={_format_param(v, names, indent)}"
                                     for k, v in eqn.params.items()) + "]"
        outs = " ".join(binder(v) for v in eqn.outputs) or "_"
        lines.append(f"{outs} = {eqn.primitive.name}{params} "
                     f"{' '.join(name(x) for x in eqn.inputs)}".rstrip())
    outs = "(" + ", ".join(name(x) for x in jaxpr.outvars) + ("," if len(jaxpr.outvars) == 1 else "") + ")"
    single = f"{head} {'; '.join(lines)} in {outs} }}"
    if multiline is None:
        multiline = len(single) > 120 or "\n" in single
    if not multiline:
        return single
    pad = " " * indent
    body = "".join(f"\n{pad}    {line}" for line in lines)
    return f"{pad}{head}{body}\n{pad}  in {outs} }}"
