"""Rules shared by the primitives that call a body (jit, checkpoint, the custom rules).

Each rule derives a new body from the old one (its JVP, its batched form, its unknown half)
and binds the same primitive on it. The primitive passes a bind(kind, body, args) callback
that says how it binds a derived body: jit renames the call ("jvp(f)"), checkpoint keeps its
policy. Derived bodies are memoised per body Jaxpr, so repeated calls reuse the same Jaxprs
and hence the same compiled executables.
"""
from __future__ import annotations

import weakref
from collections.abc import Callable

from ..core.ir import Jaxpr
from ..core.lists import merge_lists, partition_list, split_list
from ..core.primitives import Primitive
from ..core.sync import Once
from . import ad, batching

BindBody = Callable[[str, Jaxpr, list], list]

_memo: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_once = Once()


def clear_memo() -> None:
    """Forget the derived bodies (numbax.clear_caches)."""
    _memo.clear()


def memoised(kind: str, jaxpr: Jaxpr, key, make: Callable):
    """Cache a body derived from jaxpr (its JVP, a partial evaluation, a transpose...).

    Made once even when threads derive it at the same moment: two copies would be two Jaxpr
    objects, each compiled separately."""
    table = _memo.get(jaxpr)
    if table is None:
        table = _memo.setdefault(jaxpr, {})
    return _once.get(table, (kind, key), make)[0]


def call_jvp(bind: BindBody, jaxpr: Jaxpr, primals, tangents) -> tuple[list, list]:
    """The call of the body's JVP on the primals and the nonzero tangents."""
    nonzeros, tangents = ad.nonzero_tangents(tangents)
    body, consts = memoised("jvp", jaxpr, tuple(nonzeros),
                            lambda: ad.jvp_jaxpr(jaxpr, nonzeros))
    primals_out, tangents_out = split_list(bind("jvp", body, [*consts, *primals, *tangents]),
                                           [len(jaxpr.outvars)])
    return primals_out, tangents_out


def call_batch(bind: BindBody, jaxpr: Jaxpr, axis_size: int, vals, bdims,
               batched: list[bool] | None = None) -> tuple[list, list]:
    """The call of the batched body, every output batched at axis 0. batched says which
    inputs the body takes batched (by default those that are); the others are broadcast."""
    if batched is None:
        batched = [b is not None for b in bdims]
    axis = batching.current_axis()  # a named axis batches psum "i" in the body differently
    name = None if axis is None else axis.name
    body, consts = memoised("vmap", jaxpr, (axis_size, name, tuple(batched)),
                            lambda: batching.batch_jaxpr(jaxpr, axis_size, batched))
    outs = bind("vmap", body, [*consts, *batching.at_front(axis_size, vals, bdims, batched)])
    return outs, [0] * len(outs)


def stage_unknown(trace, primitive: Primitive, tracers, known_outs: list, num_res: int,
                  out_unknowns: list[bool], params: dict) -> list:
    """Partial evaluation's second half: stage the call of the unknown body (its residuals
    and the unknown inputs) and merge its outputs with the known ones."""
    known_outs, residuals = split_list(known_outs, [len(known_outs) - num_res])
    _, unknown_in = partition_list([not t.pval.is_known for t in tracers], tracers)
    body = params[primitive.call_body]
    staged = trace.stage(primitive, [trace.pure(r) for r in residuals] + unknown_in, params,
                         body.out_avals)
    return merge_lists(out_unknowns, known_outs, staged)


def known_values(tracers) -> list:
    """The constants of the known inputs of a partial evaluation, in order."""
    return [t.pval.const for t in tracers if t.pval.is_known]
