"""The staging pass: a per-shard Jaxpr cut at its collectives into stages and exchange rounds.

The stages and rounds together must compute what the whole program computes (checked by
running them on shards with the NumPy collectives against vmap with the same axis name),
carry only values still needed, share one round between independent collectives, and ship
no dead code."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.lax as lax
import numbax.numpy as xnp
from numbax.core.axis_env import extend_axis_env
from numbax.core.trace import get_aval
from numbax.distributed.local import LocalEngine
from numbax.distributed.staging import CollectiveStep, Stage, stage_program
from numbax.interpreters.partial_eval import trace_to_subjaxpr
from numbax.tree_util import tree_flatten

N = 3


def staged(f, *shard_args, axis_name="i", n=N, backend="interpreter"):
    """f's per-shard program, traced for arguments shaped like shard_args, staged."""
    leaves, tree = tree_flatten(shard_args)

    def flat(*xs):
        from numbax.tree_util import tree_unflatten
        return tree_flatten(f(*tree_unflatten(tree, xs)))[0]

    with extend_axis_env(axis_name, n):
        jaxpr, consts = trace_to_subjaxpr(flat, [get_aval(x) for x in leaves])
    return stage_program(jaxpr, consts, axis_name, n, backend)


def run_staged(f, *batched):
    """f run stage by stage on the shards of batched (leading axis), outputs stacked."""
    shards = [[np.asarray(a[k]) for a in batched] for k in range(N)]
    program = staged(f, *shards[0])
    for stage in program.stages:
        stage.jaxpr.check()
    outs = LocalEngine().run(program, shards)
    return [np.stack([o[j] for o in outs]) for j in range(len(outs[0]))], program


def rounds(program) -> list[CollectiveStep]:
    return [s for s in program.steps if isinstance(s, CollectiveStep)]


PROGRAMS = {
    "psum_chain": lambda x: [xnp.sin(lax.psum(xnp.exp(x), "i")) * x],
    "mean_centered": lambda x: [x - lax.pmean(x, "i"), lax.pmax(x, "i") - lax.pmin(x, "i")],
    "nested_rounds": lambda x: [lax.psum(lax.psum(x * 2.0, "i") * x, "i") + x],
    "index": lambda x: [x * lax.axis_index("i"), lax.psum(x, "i") + lax.axis_index("i")],
    "gather_scatter": lambda x: [lax.all_gather(x, "i"), lax.all_gather(x, "i", axis=1, tiled=True),
                                 lax.psum_scatter(xnp.outer(xnp.ones(N), x[0]), "i"),
                                 lax.psum_scatter(xnp.tile(x, (1, N)), "i", scatter_dimension=1,
                                                  tiled=True)],
    "ppermute": lambda x: [lax.ppermute(x, "i", [(0, 1), (1, 2)]) + x],
    "constant_psum": lambda x: [x + lax.psum(1.0, "i")],
    "no_collective": lambda x: [xnp.cos(x) + 1.0],
    "jit_inlined": lambda x: [nb.jit(lambda y: lax.psum(y, "i") * y)(x)],
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_stages_reproduce_the_program(name, rng):
    f = PROGRAMS[name]
    x = rng.standard_normal((N, 2, 2))
    got, program = run_staged(f, x)
    want = nb.vmap(f, axis_name="i")(x)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-13, atol=1e-13)
    steps = program.steps
    assert isinstance(steps[0], Stage) and isinstance(steps[-1], Stage)
    assert all(isinstance(s, Stage) != isinstance(t, Stage) for s, t in zip(steps, steps[1:]))


def test_axis_index_is_a_shard_input_not_an_exchange():
    program = staged(lambda x: [x * lax.axis_index("i")], np.ones(2))
    assert program.shard_index and len(program.steps) == 1
    assert program.first_state(2, [np.ones(2)])[-1] == 2
    assert not any(e.primitive.name == "axis_index" for e in program.stages[0].jaxpr.eqns)


def test_a_value_not_needed_later_is_not_carried():
    # x and exp(x) are dead once psum's operand is computed: only the operand crosses.
    program = staged(lambda x: [lax.psum(xnp.exp(x) * 2.0, "i") + 1.0], np.ones(4))
    first, step, last = program.steps
    assert len(first.jaxpr.outvars) == 1
    assert step.keep == () and len(step.collectives) == 1
    assert len(last.jaxpr.invars) == 1


def test_values_live_across_a_round_are_kept_and_only_they():
    program = staged(lambda x, y: [lax.psum(x, "i") * xnp.sin(y)], np.ones(2), np.ones(2))
    first, step, last = program.steps
    # sin(y) is computed before the round (its inputs are ready) and carried, y is not.
    assert len(first.jaxpr.outvars) == 2 and len(step.keep) == 1
    assert [e.primitive.name for e in last.jaxpr.eqns] == ["mul"]


def test_independent_collectives_share_one_round():
    grads = lambda a, b, c: [lax.psum(a * 2.0, "i"), lax.psum(xnp.sin(b), "i"),  # noqa: E731
                             lax.pmax(c, "i")]
    program = staged(grads, np.ones(3), np.ones((2, 2)), np.ones(()))
    assert len(rounds(program)) == 1
    assert len(rounds(program)[0].collectives) == 3


def test_dependent_collectives_take_one_round_each():
    program = staged(lambda x: [lax.psum(lax.psum(x, "i") * x, "i")], np.ones(2))
    assert len(rounds(program)) == 2


def test_dead_code_is_not_shipped():
    def f(x):
        lax.psum(xnp.exp(x), "i")  # unused: neither it nor exp runs anywhere
        _ = x * 3.0
        return [lax.psum(x, "i")]

    program = staged(f, np.ones(2))
    names = [e.primitive.name for s in program.stages for e in s.jaxpr.eqns]
    names += [c.primitive.name for s in rounds(program) for c in s.collectives]
    assert names == ["psum"]


@pytest.mark.parametrize("wrap", ["scan", "cond", "while"])
def test_collective_in_control_flow_is_refused_by_name(wrap):
    def f(x):
        if wrap == "scan":
            return [lax.scan(lambda c, _: (lax.psum(c, "i"), None), x, None, length=2)[0]]
        if wrap == "cond":
            return [lax.cond(True, lambda v: lax.psum(v, "i"), lambda v: v, x)]
        return [lax.while_loop(lambda v: v[0] < 1.0, lambda v: lax.psum(v, "i"), x)]

    with pytest.raises(NotImplementedError, match=wrap):
        staged(f, np.ones(2))


def test_collective_over_another_axis_is_refused():
    with extend_axis_env("j", 2), pytest.raises(NotImplementedError, match="'j'"):
        staged(lambda x: [lax.psum(x, "j")], np.ones(2))


def test_staging_is_a_pure_ir_pass():
    # It imports only the IR layers: no backend, no Numba, no Dask.
    import ast
    import inspect

    from numbax.distributed import staging
    tree = ast.parse(inspect.getsource(staging))
    modules = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    modules |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for a in node.names}
    assert not [m for m in modules if "backends" in m or "numba" in m or "dask" in m], modules
