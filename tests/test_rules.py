"""Every registered primitive has every rule its kind requires, read from the rule tables
keyed by the Primitive object (never by name)."""
from __future__ import annotations

from string import Formatter

import numpy as np
import pytest

import numbax  # noqa: F401  (registers every primitive: lax, control flow, custom rules)
from numbax.backends.fusion import is_fusible
from numbax.backends.numba import codegen
from numbax.core.avals import ShapedArray
from numbax.core.ir import Eqn, Var
from numbax.core.primitives import Primitive, abstract_eval_rules, impl_rules, primitives
from numbax.interpreters import ad, batching
from numbax.interpreters import partial_eval as pe

REGISTERED = sorted(primitives.values(), key=lambda p: p.name)
# custom_lin only lives inside linearize's output, between partial evaluation and transposition:
# nothing evaluates, batches or differentiates it again.
INTERNAL = {"custom_lin"}
# Primitives without operands: vmap never sees them batched, so they need no batching rule.
NO_OPERANDS = {"full", "iota"}


def required_rules(prim: Primitive) -> dict[str, bool]:
    """Rule name -> whether prim has it, for the rules its declaration requires."""
    rules = {}
    if prim.name not in INTERNAL:
        rules["abstract evaluation"] = prim in abstract_eval_rules
        rules["NumPy evaluation (impl)"] = prim in impl_rules
        rules["jvp"] = prim in ad.jvp_rules
        rules["batching"] = prim in batching.batching_rules or prim.name in NO_OPERANDS
    if prim.linear:
        rules["transpose"] = prim in ad.transpose_rules
    if prim.kind == "elementwise":
        rules["scalar (fusion and codegen)"] = prim.scalar is not None
    return rules


def test_every_registered_primitive_has_its_rules():
    missing = [f"{p.name} ({p.kind}): no {rule} rule" for p in REGISTERED
               for rule, present in required_rules(p).items() if not present]
    assert not missing, "\n".join(missing)


def test_the_registry_holds_the_call_like_primitives():
    kinds = {p.name: p.kind for p in REGISTERED}
    for name in ("jit", "checkpoint", "custom_jvp_call", "custom_vjp_call"):
        assert kinds.get(name) == "call", name
    for name in ("cond", "while", "scan"):
        assert kinds.get(name) == "control_flow", name
    # Collectives need every rule above (batching computes them under a named vmap).
    for name in ("psum", "pmax", "pmin", "all_gather", "psum_scatter", "ppermute", "axis_index"):
        assert kinds.get(name) == "collective", name


def _arity(prim: Primitive) -> int:
    """The operand count of an elementwise primitive, read from its scalar template."""
    fields = [f for _, f, _, _ in Formatter().parse(prim.scalar.expr) if f and f.isdigit()]
    return 1 + max(map(int, fields), default=0)


def _sample_eqn(prim: Primitive, dtype) -> Eqn | None:
    """An equation of prim on (3,) operands of dtype, or None when prim rejects them."""
    aval = ShapedArray((3,), np.dtype(dtype))
    for arity in (_arity(prim),):
        ins = [Var(aval.update(dtype=np.bool_) if prim.name == "select" and i == 0 else aval)
               for i in range(arity)]
        params = {"y": 2} if prim.name == "integer_pow" else {}
        params |= {"rounding_method": 1} if prim.name == "round" else {}
        params |= {"new_dtype": np.dtype(dtype)} if prim.name == "convert_element_type" else {}
        try:
            outs = prim.abstract_eval(*(v.aval for v in ins), **params)
        except (TypeError, ValueError):
            continue
        return Eqn(prim, ins, [Var(a) for a in outs], params)
    return None


ELEMENTWISE = [p for p in REGISTERED if p.kind == "elementwise"]


@pytest.mark.parametrize("prim", ELEMENTWISE, ids=lambda p: p.name)
def test_elementwise_scalar_rule_gives_python_source(prim):
    # The declaration is enough for fusion to take the primitive and for the code generator
    # to write its element, with and without vecmath.
    eqn = (_sample_eqn(prim, np.float64) or _sample_eqn(prim, np.bool_)
           or _sample_eqn(prim, np.int64)  # integer-only ones: shifts, population_count
           or _sample_eqn(prim, np.complex128))  # complex-only ones: real, imag, conj
    assert eqn is not None, f"{prim.name} accepts no float64, bool, int64 or complex operands"
    assert is_fusible(eqn)
    for fast_math in (True, False):
        text = codegen.scalar_expression(eqn, [f"v{i}" for i in range(len(eqn.inputs))],
                                         fast_math)
        compile(text, f"<{prim.name}>", "eval")


def test_rules_are_keyed_by_primitive_objects():
    tables = [abstract_eval_rules, impl_rules, ad.jvp_rules, ad.transpose_rules,
              batching.batching_rules, pe.partial_eval_rules]
    for table in tables:
        assert all(isinstance(k, Primitive) for k in table)


def test_a_new_elementwise_declaration_is_batched_and_differentiated():
    # Derived rules come from the declaration whatever the import order (core.on_define).
    import numbax as nb
    from numbax.core.primitives import elementwise, mul_p
    from numbax.core.scalar import ScalarRule

    twice = elementwise("test_twice", lambda x: 2 * x, scalar=ScalarRule("{0} + {0}"),
                        jvp=(lambda t, x: mul_p.bind(t, np.asarray(2.0, t.dtype)),))
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(nb.vmap(twice.bind)(x), 2 * x)
    np.testing.assert_array_equal(nb.grad(lambda a: twice.bind(a).sum())(x), np.full_like(x, 2))
    np.testing.assert_array_equal(nb.jit(lambda a: twice.bind(a * 1.5))(x), 3 * x)
