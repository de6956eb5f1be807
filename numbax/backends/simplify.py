"""Pure IR rewrites before fusion: common subexpressions, constant folding, exact algebraic
identities, transposes folded into dot_general, no-op data movement and dead code.

`simplify(jaxpr)` returns a new Jaxpr computing the same outputs from the same invars; the
input is not modified. Every rewrite is exact under IEEE-754 (bit for bit, signed zeros and
nans included), except that a transpose folded into a dot_general may let BLAS sum in
another order. Some identities that look harmless are left out on purpose:

- `x + 0.0 -> x` for floats: -0.0 + 0.0 is +0.0, so it would flip the sign of zero. Only
  `x + (-0.0)` (and `x + 0` on integers) is removed, and `x - 0.0` (not `x - (-0.0)`).
- complex operands get none of the arithmetic identities: (a+bi) * (1+0i) computes b * 0,
  which is nan for an infinite b, and turns -0.0 parts into +0.0.
- max and min of floats are not commutative: NumPy returns the second operand on ties
  (max(0.0, -0.0) is -0.0, max(-0.0, 0.0) is 0.0), so CSE keeps their operand order.
- `x ** 2 -> x * x` is already what both integer_pow and pow with a literal 2.0 compute
  (code generation and the NumPy impl), so it is not rewritten here.
- constant folding only makes 0-d Literals: kernels write literals inline as scalars, and
  tracing keeps larger constants as constvars.
- reshape's impl is np.reshape, which already returns a view of contiguous data; what is
  removed here are reshapes to the same shape and reshapes of reshapes.

numbax's primitives have no effects: Primitive carries no effect flag, there is no callback
or print primitive, and random numbers are ordinary uint32 arithmetic on keys (random.py).
So any equation may be merged, folded or dropped; an effectful primitive added later must
be exempted from CSE and DCE here. Bodies of control-flow equations are not rewritten: they
compile as executables of their own, which run this pass; CSE compares them by identity.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np

from ..core import primitives as P
from ..core.ir import Atom, Eqn, Jaxpr, Literal, Var

# Operand order never matters for these, bit for bit at any dtype (code generation reads this
# too). max and min commute only on integers (see the module docstring).
COMMUTATIVE = frozenset({P.add_p, P.mul_p, P.and_p, P.or_p, P.xor_p, P.eq_p, P.ne_p})
_COMMUTATIVE_ON_INTEGERS = frozenset({P.max_p, P.min_p})
# Row-major reshapes, which compose into one reshape of the first operand.
_RESHAPES = frozenset({P.reshape_p, P.squeeze_p, P.expand_dims_p})
# Identities on values whenever the output's aval is the operand's.
_SAME_AVAL_NOOPS = _RESHAPES | {P.broadcast_in_dim_p, P.convert_element_type_p,
                                P.stop_gradient_p}
_REAL = "biuf"
_MAX_ROUNDS = 4        # passes over the program (the second one usually finds nothing new)
_MAX_REWRITES = 8      # rewrites of one equation in a row (each may enable another)


def simplify(jaxpr: Jaxpr) -> Jaxpr:
    """jaxpr rewritten to a fixed point (at most a few rounds) of this module's rewrites.

    >>> import numpy as np, numbax as nb
    >>> j = nb.make_jaxpr(lambda x: (x * 1.0) * (x * 1.0))(np.ones(3)).jaxpr
    >>> len(j.eqns), len(simplify(j).eqns)
    (3, 1)
    """
    for _ in range(_MAX_ROUNDS):
        rewriter = _Rewriter(jaxpr)
        new = _dce(rewriter.run())
        done = not rewriter.changed and len(new.eqns) == len(jaxpr.eqns)
        jaxpr = new
        if done:
            break
    return jaxpr


def _dce(jaxpr: Jaxpr) -> Jaxpr:
    """Without the equations none of whose outputs is used."""
    live = {x for x in jaxpr.outvars if isinstance(x, Var)}
    kept = []
    for eqn in reversed(jaxpr.eqns):
        if any(v in live for v in eqn.outputs):
            kept.append(eqn)
            live.update(x for x in eqn.inputs if isinstance(x, Var))
    return Jaxpr(jaxpr.constvars, jaxpr.invars, kept[::-1], jaxpr.outvars)


class _Rewriter:
    """One forward pass: each equation, with its operands renamed, is folded, replaced by an
    operand (an identity), rewritten, or merged with an equal earlier one."""

    def __init__(self, jaxpr: Jaxpr):
        self.jaxpr = jaxpr
        self.env: dict[Var, Atom] = {}
        self.made_by: dict[Var, Eqn] = {}
        self.seen: dict[tuple, list[Var]] = {}
        self.eqns: list[Eqn] = []
        self.changed = False
        # Uses in the program being built, as far as they are known: a dot_general whose only
        # use is a transpose can absorb it.
        self.uses: Counter = Counter(x for e in jaxpr.eqns for x in e.inputs if isinstance(x, Var))
        self.uses.update(x for x in jaxpr.outvars if isinstance(x, Var))

    def read(self, x: Atom) -> Atom:
        return x if isinstance(x, Literal) else self.env.get(x, x)

    def alias(self, old: Var, new: Atom) -> None:
        self.env[old] = new
        self.changed = True
        if isinstance(new, Var):
            self.uses[new] += self.uses[old]

    def run(self) -> Jaxpr:
        for eqn in self.jaxpr.eqns:
            eqn = Eqn(eqn.primitive, [self.read(x) for x in eqn.inputs], eqn.outputs,
                      eqn.params, eqn.source_info)
            self.visit(eqn)
        outvars = [self.read(x) for x in self.jaxpr.outvars]
        return Jaxpr(self.jaxpr.constvars, self.jaxpr.invars, self.eqns, outvars)

    def visit(self, eqn: Eqn) -> None:
        for _ in range(_MAX_REWRITES):
            folded = _fold(eqn)
            if folded is not None:
                for v, lit in zip(eqn.outputs, folded):
                    self.alias(v, lit)
                return
            same = _identity(eqn, self.made_by)
            if same is not None:
                self.alias(eqn.outputs[0], same)
                return
            rewritten = next((r for r in (rule(eqn, self) for rule in _RULES) if r is not None),
                             None)
            if rewritten is None:
                break
            # Operands the rewrite reads newly (a transpose's input, a broadcast scalar).
            self.uses.update(x for x in rewritten.inputs
                             if isinstance(x, Var) and not any(x is y for y in eqn.inputs))
            eqn, self.changed = rewritten, True
        key = _cse_key(eqn)
        earlier = self.seen.get(key)
        if earlier is not None:
            for v, w in zip(eqn.outputs, earlier):
                self.alias(v, w)
            return
        self.seen[key] = eqn.outputs
        self.eqns.append(eqn)
        for v in eqn.outputs:
            self.made_by[v] = eqn


# ---------------------------------------------------------------------------------------------
# Folding and identities


def _fold(eqn: Eqn) -> list[Literal] | None:
    """The outputs as 0-d Literals, when every input is a Literal (NumPy's impl computes them)."""
    if (eqn.primitive.kind in ("call", "control_flow")
            or not all(isinstance(x, Literal) for x in eqn.inputs)
            or any(v.aval.shape != () for v in eqn.outputs)):
        return None
    try:
        with np.errstate(all="ignore"):
            outs = eqn.primitive.impl(*[x.val for x in eqn.inputs], **eqn.params)
    except Exception:  # the program raises the same error when it runs
        return None
    vals = [np.array(o) for o in outs]
    if [(v.shape, v.dtype) for v in vals] != [(v.aval.shape, v.aval.dtype) for v in eqn.outputs]:
        return None  # an impl that widens the dtype: keep the program's own
    for v in vals:
        # An executable returns a Literal output as this very array on every call.
        v.flags.writeable = False
    return [Literal.of(v) for v in vals]


def _const(x: Atom, value: float, negative: bool = False) -> bool:
    """Whether x is a 0-d Literal equal to value (and, for a float zero, with that sign)."""
    if not isinstance(x, Literal) or x.aval.shape != ():
        return False
    v = x.val.item()
    return v == value and (not isinstance(v, float) or bool(np.signbit(v)) == negative)


def _identity(eqn: Eqn, made_by: dict[Var, Eqn]) -> Atom | None:
    """The operand this equation returns unchanged, if it is an exact identity."""
    p, ins = eqn.primitive, eqn.inputs
    if len(eqn.outputs) != 1:
        return None
    out = eqn.outputs[0].aval
    if p in _SAME_AVAL_NOOPS:
        return ins[0] if ins[0].aval == out else None
    if p is P.transpose_p:
        return ins[0] if list(eqn.params["permutation"]) == list(range(out.ndim)) else None
    if p is P.neg_p:
        inner = made_by.get(ins[0])
        return inner.inputs[0] if inner is not None and inner.primitive is P.neg_p else None
    if out.dtype.kind not in _REAL:
        return None
    if p is P.integer_pow_p:
        return ins[0] if eqn.params["y"] == 1 else None
    if len(ins) != 2:
        return None
    x, y = ins
    floating = out.dtype.kind == "f"
    candidates = []
    if p is P.mul_p:
        candidates = [(x, _const(y, 1)), (y, _const(x, 1))]
    elif p in (P.div_p, P.pow_p):
        candidates = [(x, _const(y, 1))]
    elif p is P.sub_p:
        candidates = [(x, _const(y, 0))]
    elif p is P.add_p:
        candidates = [(x, _const(y, 0, negative=floating)), (y, _const(x, 0, negative=floating))]
    return next((a for a, ok in candidates if ok and a.aval == out), None)


# ---------------------------------------------------------------------------------------------
# Rewrites: each returns a new equation in place of eqn, or None


def _double_to_add(eqn: Eqn, rw: _Rewriter) -> Eqn | None:
    """x * 2 -> x + x (exact, overflow and signed zeros included) for real dtypes."""
    if eqn.primitive is not P.mul_p or eqn.outputs[0].aval.dtype.kind not in "iuf":
        return None
    x, y = eqn.inputs
    x = x if _const(y, 2) else y if _const(x, 2) else None
    if x is None or x.aval != eqn.outputs[0].aval:
        return None
    return Eqn(P.add_p, [x, x], eqn.outputs, {}, eqn.source_info)


def _scalar_operands(eqn: Eqn, rw: _Rewriter) -> Eqn | None:
    """An elementwise operand broadcast from a single element reads that element instead:
    elementwise operands broadcast NumPy-style, so a 0-d operand needs no broadcast. Only
    where the other operands keep the output's aval."""
    if eqn.primitive.kind != "elementwise":
        return None
    for i, x in enumerate(eqn.inputs):
        b = rw.made_by.get(x)
        if b is None or b.primitive is not P.broadcast_in_dim_p or b.inputs[0].aval.size != 1:
            continue
        inputs = eqn.inputs[:i] + [b.inputs[0]] + eqn.inputs[i + 1:]
        if _avals_kept(eqn, inputs, eqn.params):
            return Eqn(eqn.primitive, inputs, eqn.outputs, eqn.params, eqn.source_info)
    return None


def _avals_kept(eqn: Eqn, inputs: list[Atom], params: dict) -> bool:
    try:
        avals = eqn.primitive.abstract_eval(*[x.aval for x in inputs], **params)
    except (TypeError, ValueError):
        return False
    return list(avals) == [v.aval for v in eqn.outputs]


def _free_dims(ndim: int, *used) -> list[int]:
    taken = {d for group in used for d in group}
    return [d for d in range(ndim) if d not in taken]


def _transposed_operands(eqn: Eqn, rw: _Rewriter) -> Eqn | None:
    """dot_general(transpose(x), y) -> dot_general(x, y) with the contracting and batch
    dimensions renumbered; only where x's free dimensions stay in order, so the output's
    layout is the same."""
    if eqn.primitive is not P.dot_general_p:
        return None
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    dims = [[list(lc), list(lb)], [list(rc), list(rb)]]
    inputs = list(eqn.inputs)
    for side in (0, 1):
        t = rw.made_by.get(inputs[side])
        if t is None or t.primitive is not P.transpose_p:
            continue
        perm = t.params["permutation"]
        free = [perm[d] for d in _free_dims(len(perm), *dims[side])]
        if free != sorted(free):
            continue
        dims[side] = [[perm[d] for d in group] for group in dims[side]]
        inputs[side] = t.inputs[0]
    if inputs == eqn.inputs:
        return None
    (lc, lb), (rc, rb) = dims
    params = {**eqn.params, "dimension_numbers": ((tuple(lc), tuple(rc)), (tuple(lb), tuple(rb)))}
    if not _avals_kept(eqn, inputs, params):
        return None
    return Eqn(eqn.primitive, inputs, eqn.outputs, params, eqn.source_info)


def _transposed_result(eqn: Eqn, rw: _Rewriter) -> Eqn | None:
    """transpose(dot_general(x, y)) that swaps the lhs-free and rhs-free dimensions ->
    dot_general(y, x), when the transpose is the product's only use."""
    if eqn.primitive is not P.transpose_p:
        return None
    d = rw.made_by.get(eqn.inputs[0])
    if d is None or d.primitive is not P.dot_general_p or rw.uses[d.outputs[0]] != 1:
        return None
    x, y = d.inputs
    (lc, rc), (lb, rb) = d.params["dimension_numbers"]
    nb, nl = len(lb), len(_free_dims(x.aval.ndim, lc, lb))
    nr = len(_free_dims(y.aval.ndim, rc, rb))
    swap = [*range(nb), *range(nb + nl, nb + nl + nr), *range(nb, nb + nl)]
    if not nl or not nr or list(eqn.params["permutation"]) != swap:
        return None
    params = {**d.params, "dimension_numbers": ((rc, lc), (rb, lb))}
    new = Eqn(P.dot_general_p, [y, x], eqn.outputs, params, eqn.source_info)
    return new if _avals_kept(new, new.inputs, params) else None


def _chained_layout(eqn: Eqn, rw: _Rewriter) -> Eqn | None:
    """reshape(reshape(x)) -> reshape(x); transpose(transpose(x)) -> one transpose."""
    p = eqn.primitive
    if p is not P.reshape_p and p is not P.transpose_p:
        return None
    inner = rw.made_by.get(eqn.inputs[0])
    if inner is None:
        return None
    if p is P.reshape_p and inner.primitive in _RESHAPES:
        return Eqn(p, [inner.inputs[0]], eqn.outputs, eqn.params, eqn.source_info)
    if p is P.transpose_p and inner.primitive is P.transpose_p:
        first = inner.params["permutation"]
        perm = tuple(first[j] for j in eqn.params["permutation"])
        return Eqn(p, [inner.inputs[0]], eqn.outputs, {**eqn.params, "permutation": perm},
                   eqn.source_info)
    return None


_RULES: tuple[Callable[[Eqn, _Rewriter], Eqn | None], ...] = (
    _double_to_add, _scalar_operands, _transposed_operands, _transposed_result, _chained_layout)


# ---------------------------------------------------------------------------------------------
# Common subexpressions


def _cse_key(eqn: Eqn) -> tuple:
    """What makes two equations compute the same values: primitive, operands (Vars by
    identity, Literals by dtype, shape and bits) and params."""
    ins = [_atom_key(x) for x in eqn.inputs]
    p = eqn.primitive
    if p in COMMUTATIVE or (p in _COMMUTATIVE_ON_INTEGERS
                             and eqn.outputs[0].aval.dtype.kind in "biu"):
        ins.sort()
    return (p, tuple(ins), _freeze(eqn.params) if eqn.params else ())


def _atom_key(x: Atom) -> tuple:
    if isinstance(x, Literal):
        return ("l", x.aval.dtype.str, x.aval.shape, x.val.tobytes())
    return ("v", id(x))


_PLAIN = (bool, int, str, type(None))


def _freeze(v) -> object:
    """A hashable value equal for equal params: floats by their bits (-0.0 is not 0.0),
    arrays by dtype and bytes, bodies and other objects by identity."""
    if isinstance(v, _PLAIN):
        return (type(v).__name__, v)
    if isinstance(v, float):
        return ("f", v.hex())
    if isinstance(v, complex):
        return ("c", v.real.hex(), v.imag.hex())
    if isinstance(v, np.dtype):
        return ("dtype", v.str)
    if isinstance(v, np.ndarray | np.generic):
        return ("a", v.dtype.str, np.shape(v), np.asarray(v).tobytes())
    if isinstance(v, tuple | list):
        return (type(v).__name__, tuple(_freeze(x) for x in v))
    if isinstance(v, dict):
        return ("d", tuple(sorted((k, _freeze(x)) for k, x in v.items())))
    return ("id", id(v))
