"""Scalar rules: how a fused loop computes one element of a primitive, as data.

A primitive that a fused kernel may compute declares a ScalarRule next to its abstract-eval
and NumPy rules (core/primitives.py). The fusion pass reads whether a rule exists and what it
costs, the Numba code generator reads its source text; neither keeps a table of its own, so a
primitive is fusible exactly when its declaration says how. The text is Python that Numba
compiles (`np.` is NumPy, `vm.` numbax's vectorisable math), but nothing here imports Numba.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ScalarRule:
    """One element of an elementwise primitive inside a fused loop.

    expr: a template; {0}, {1}, {2} are the operands' expressions and {d} the output dtype's
        constructor (`np.float32`).
    float_expr: the template for float outputs where NumPy's semantics differ from expr's
        (signed zeros, nan propagation).
    special: fn(eqn, operands, d) -> str | None, tried first, for rules that read the
        equation's parameters or literal operands; None falls back to the templates.
    vecmath: the name of numbax's vectorisable version (backends/numba/vecmath.FUNCTIONS)
        that fast_math kernels call for float outputs; its accurate argument range is
        vecmath's LIMITED entry of that name.
    cost: work per element in simple-operation units (float64; float32 vectors hold twice the
        lanes, so a float32 transcendental counts half); 0 marks rules that only move data,
        which alone are cheaper as NumPy views than as a kernel.
    kinds: the output dtype kinds a fused loop computes; the others stay unfused (their exact
        semantics live in the NumPy rule: integer division, and complex functions whose Numba
        versions differ from NumPy's at finite arguments, such as log(0j)).
    """

    expr: str = ""
    float_expr: str | None = None
    special: Callable | None = None
    vecmath: str | None = None
    cost: int = 1
    kinds: str = "biufc"

    def source(self, eqn, operands: list[str]) -> str:
        """The expression computing eqn's output from its operands' expressions (no vecmath)."""
        dtype = eqn.outputs[0].aval.dtype
        d = np_type(dtype)
        if self.special is not None:
            text = self.special(eqn, operands, d)
            if text is not None:
                return text
        if dtype.kind == "f" and self.float_expr is not None:
            return self.float_expr.format(*operands, d=d)
        return self.expr.format(*operands, d=d)

    def work(self, dtype: np.dtype) -> int:
        return self.cost // 2 if self.cost > 1 and dtype == np.float32 else self.cost


def np_type(dtype: np.dtype) -> str:
    """`np.float32` for float32: the constructor kernels call to type a value."""
    return f"np.{np.dtype(dtype).name}"


def literal(val, dtype: np.dtype) -> str:
    """A constant written inline with its dtype (kernels capture no Python objects)."""
    v = np.asarray(val).item()
    if isinstance(v, complex):
        parts = (literal(p, np.float64) for p in (v.real, v.imag))
        return f"{np_type(dtype)}(complex({', '.join(parts)}))"
    if isinstance(v, float):
        text = "np.inf" if v == np.inf else "-np.inf" if v == -np.inf else \
            "np.nan" if v != v else repr(v)
    else:
        text = repr(v)
    return f"{np_type(dtype)}({text})"
