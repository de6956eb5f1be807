"""JVP, transpose and batching rules of the window primitives (core/window_primitives.py).

- reduce_window_sum is linear; its transpose (JAX's rule) pads the cotangent with
  stride - 1 holes and sums it over the same window with the roles of window_strides and
  base_dilation exchanged, written as one reduce_window_sum whose own padding and base
  dilation do the padding.
- reduce_window_max/min: the tangent at each window's first argmax (argmin), i.e.
  select_and_gather_add(t, x), whose transpose select_and_scatter_add sends each cotangent
  to that position (max-pool's VJP; ties to the first, as XLA's select_and_scatter). The
  derivative where several elements tie for the max is thus one-sided, not an average.
- Both selection primitives are linear in their first operand and transpose to each other;
  x only chooses positions, so it has a zero derivative.
Batching moves the vmapped axis to the front and gives it a window of 1.
"""
from __future__ import annotations

from ..core import window_primitives as W
from ..core.conv_primitives import dilate_shape
from ..core.trace import get_aval
from . import ad, batching
from .ad import Zero, is_undefined
from .batching import at_front


def _sum_transpose(cts, x, *, window_dimensions, window_strides, padding, base_dilation,
                   window_dilation):
    (ct,) = cts
    if type(ct) is Zero:
        return [None]
    shape = x.aval.shape
    lhs_d = dilate_shape(shape, base_dilation)
    win_d = dilate_shape(window_dimensions, window_dilation)
    out_d = dilate_shape(get_aval(ct).shape, window_strides)
    before = [w - lo - 1 for w, (lo, _) in zip(win_d, padding)]
    pads = tuple((b, a + w - 1 - o - b) for a, w, o, b in zip(lhs_d, win_d, out_d, before))
    return [W.reduce_window_sum_p.bind(
        ct, window_dimensions=window_dimensions, window_strides=base_dilation, padding=pads,
        base_dilation=window_strides, window_dilation=window_dilation)]


ad.deflinear(W.reduce_window_sum_p)
ad.transpose_rules[W.reduce_window_sum_p] = _sum_transpose


def _chooser_jvp(select: str):
    def jvp(t, x, **params):
        return W.select_and_gather_add_p.bind(t, x, select=select, **params)
    return jvp


ad.defjvp(W.reduce_window_max_p, _chooser_jvp("max"))
ad.defjvp(W.reduce_window_min_p, _chooser_jvp("min"))


def _selection_jvp(prim):
    def rule(primals, tangents, **params):
        out = prim.bind(*primals, **params)
        t = tangents[0]
        if type(t) is Zero:
            return [out], [Zero(get_aval(out))]
        return [out], [prim.bind(t, primals[1], **params)]
    return rule


def _selection_transpose(other):
    def rule(cts, t, x, **params):
        (ct,) = cts
        if type(ct) is Zero or not is_undefined(t):
            return [None, None]
        return [other.bind(ct, x, **params), None]
    return rule


for _prim, _other in ((W.select_and_gather_add_p, W.select_and_scatter_add_p),
                      (W.select_and_scatter_add_p, W.select_and_gather_add_p)):
    ad.jvp_rules[_prim] = _selection_jvp(_prim)
    ad.transpose_rules[_prim] = _selection_transpose(_other)


def _with_front_axis(params: dict) -> dict:
    new = dict(params)
    for key in ("window_dimensions", "window_strides", "base_dilation", "window_dilation"):
        new[key] = (1,) + tuple(params[key])
    new["padding"] = ((0, 0),) + tuple(params["padding"])
    return new


def _batch_rule(prim):
    def rule(axis_size, vals, bdims, **params):
        vals = at_front(axis_size, vals, bdims)
        return [prim.bind(*vals, **_with_front_axis(params))], [0]
    return rule


for _prim in (W.reduce_window_sum_p, W.reduce_window_max_p, W.reduce_window_min_p,
              W.select_and_gather_add_p, W.select_and_scatter_add_p):
    batching.batching_rules[_prim] = _batch_rule(_prim)
