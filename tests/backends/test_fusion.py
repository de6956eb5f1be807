"""fusion.partition on hand-built Jaxprs: valid order, no cycles, multi-output groups."""
from __future__ import annotations

import numpy as np

import numbax as nb
import numbax.numpy as xnp
from numbax.backends.fusion import FusionGroup, count_kernels, partition
from numbax.core.ir import Var


def _jaxpr(fn, *args):
    return nb.make_jaxpr(fn)(*args).jaxpr


def _groups(items):
    return [i for i in items if isinstance(i, FusionGroup)]


def members(item):
    if isinstance(item, FusionGroup):
        return item.eqns + ([item.reduction] if item.reduction is not None else [])
    return [item]


def assert_valid_order(jaxpr, items):
    """Every equation appears once, and each item reads only values defined before it."""
    defined = set(jaxpr.constvars) | set(jaxpr.invars)
    seen = []
    for item in items:
        group_eqns = members(item)
        inside = {v for e in group_eqns for v in e.outputs}
        for e in group_eqns:
            for x in e.inputs:
                if isinstance(x, Var):
                    assert x in defined or x in inside, f"{item} reads a value defined later"
        defined |= inside
        seen += group_eqns
    assert sorted(map(id, seen)) == sorted(map(id, jaxpr.eqns))
    for x in jaxpr.outvars:
        if isinstance(x, Var):
            assert x in defined


X = np.ones((3, 4))
W = np.ones((4, 4))


def test_eight_op_chain_is_one_group():
    jaxpr = _jaxpr(lambda a, b: xnp.tanh(xnp.exp(xnp.sin(a * b + 1.0) - a) / 2.0) * b, X, X)
    items = partition(jaxpr)
    assert_valid_order(jaxpr, items)
    assert len(items) == 1 and isinstance(items[0], FusionGroup)
    assert count_kernels(items) == 1
    g = items[0]
    assert len(g.eqns) == len(jaxpr.eqns) and g.reduction is None
    assert g.outputs == list(jaxpr.outvars)
    assert len(g.inputs) == 2


def test_chain_dot_chain_is_two_groups():
    jaxpr = _jaxpr(lambda a, w: xnp.exp(xnp.dot(xnp.sin(a) * 2, w)) + 1, X, W)
    items = partition(jaxpr)
    assert_valid_order(jaxpr, items)
    names = [i.primitive.name if not isinstance(i, FusionGroup) else "group" for i in items]
    assert names == ["group", "dot_general", "group"]
    assert count_kernels(items) == 2


def test_reduction_closes_the_group():
    jaxpr = _jaxpr(lambda a: xnp.sum(xnp.sin(a) * a + 1), X)
    items = partition(jaxpr)
    assert_valid_order(jaxpr, items)
    (g,) = _groups(items)
    assert len(items) == 1
    assert g.reduction is not None and g.reduction.primitive.name == "reduce_sum"
    assert g.outputs == [g.reduction.outputs[0]]


def test_reduction_over_a_leading_axis_closes_the_group():
    jaxpr = _jaxpr(lambda a: xnp.sum(xnp.sin(a) * a, axis=0), X)
    items = partition(jaxpr)
    assert_valid_order(jaxpr, items)
    (g,) = _groups(items)
    assert len(items) == 1 and g.reduction.params["axes"] == (0,)


def test_no_cycle_through_an_unfused_equation():
    # t feeds a dot whose result comes back into the chain: the part after the dot must not
    # join t's group, or that group would both feed and consume the dot.
    def f(a, w):
        t = xnp.sin(a) * 2
        d = xnp.dot(t, w)
        return xnp.exp(t) + d * t

    jaxpr = _jaxpr(f, X, W)
    items = partition(jaxpr)
    assert_valid_order(jaxpr, items)
    dot_index = next(k for k, i in enumerate(items)
                     if not isinstance(i, FusionGroup) and i.primitive.name == "dot_general")
    dot = items[dot_index]
    for k, g in enumerate(items):
        if isinstance(g, FusionGroup):
            produced = {v for e in members(g) for v in e.outputs}
            reads_dot = any(x is dot.outputs[0] for e in g.eqns for x in e.inputs)
            feeds_dot = any(x in produced for x in dot.inputs)
            assert not (reads_dot and feeds_dot), "a group both feeds and consumes the dot"
            if reads_dot:
                assert k > dot_index
            if feeds_dot:
                assert k < dot_index
    # The intermediate t crosses groups, so it is an output of the first group.
    first = _groups(items)[0]
    assert dot.inputs[0] in first.outputs


def test_multi_output_group_when_an_intermediate_is_used_outside():
    def f(a, w):
        t = xnp.sin(a) * 2       # needed by the dot
        u = xnp.exp(t) + 1       # returned
        return u, xnp.dot(t, w)

    jaxpr = _jaxpr(f, X, W)
    items = partition(jaxpr)
    assert_valid_order(jaxpr, items)
    g = _groups(items)[0]
    assert len(g.outputs) == 2
    dot = next(i for i in items if not isinstance(i, FusionGroup))
    assert dot.inputs[0] in g.outputs and jaxpr.outvars[0] in g.outputs
    # The numba executable runs it with the right values.
    f_jit = nb.jit(f)
    u, d = f_jit(X * 0.3, W * 0.5)
    t = np.sin(X * 0.3) * 2
    np.testing.assert_allclose(u, np.exp(t) + 1, rtol=1e-12)
    np.testing.assert_allclose(d, t @ (W * 0.5), rtol=1e-12)


def test_broadcast_operands_join_and_shape_changes_split():
    def f(a, b, c):
        s = a * b + c                  # (3, 4) with (4,) and scalar
        return s, xnp.sum(s, axis=-1) + 1.0    # (3,) chain after the reduction

    jaxpr = _jaxpr(f, X, np.ones(4), np.float64(2.0))
    items = partition(jaxpr)
    assert_valid_order(jaxpr, items)
    groups = _groups(items)
    assert groups[0].shape == (3, 4) and groups[0].reduction is not None
    assert any(g.shape == (3,) for g in groups)
    # s is used outside the group (returned), as well as the reduction result.
    assert len(groups[0].outputs) == 2


def test_independent_chains_and_lone_broadcasts():
    jaxpr = _jaxpr(lambda a: xnp.broadcast_to(a, (2, 4)), np.ones(4))
    items = partition(jaxpr)
    assert_valid_order(jaxpr, items)
    assert count_kernels(items) == 0   # a lone broadcast stays a NumPy view
