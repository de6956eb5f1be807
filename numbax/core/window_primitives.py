"""Window reductions, as XLA's reduce_window on the monoids sum, max and min, and the two
primitives max-pool's derivatives need.

Every primitive has params window_dimensions, window_strides, padding ((lo, hi) per axis;
negative crops), base_dilation and window_dilation, one entry per operand axis. The operand
is dilated and padded with the monoid's identity (0, -inf or +inf, an integer dtype's
extremes), and each output element reduces one strided, dilated window of it.

- reduce_window_sum / _max / _min: the reductions. max and min propagate NaN.
- select_and_gather_add(t, x, select="max"|"min"): t's element at the position of each
  window's max (min) of x: reduce_window_max's JVP. Linear in t.
- select_and_scatter_add(s, x, select=...): each s element added at its window's argmax
  of x, the transpose of the gather (max-pool's VJP). Ties go to the first position in
  row-major window order, as XLA's select_and_scatter; padding never wins against a real
  element unless the whole window is padding.

The NumPy impls gather the (outputs x taps) matrix with flat offsets (window_offsets);
backends/numba/conv_kernels.py replaces them with compiled loops over the same offsets.
Rules: interpreters/window_rules.py.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .avals import ShapedArray
from .conv_primitives import dilate_pad, dilate_shape, undilate_unpad
from .primitives import Primitive, abstract_eval_rules, impl_rules

WINDOW_PARAMS = ("window_dimensions", "window_strides", "padding", "base_dilation",
                 "window_dilation")


def identity(monoid: str, dtype) -> np.generic:
    """The identity element of "sum", "max" or "min" in dtype."""
    dtype = np.dtype(dtype)
    if monoid == "sum":
        return dtype.type(0)
    if dtype.kind == "f":
        return dtype.type(-np.inf if monoid == "max" else np.inf)
    info = np.iinfo(dtype)
    return dtype.type(info.min if monoid == "max" else info.max)


def window_out_shape(shape, window_dimensions, window_strides, padding, base_dilation,
                     window_dilation) -> tuple[int, ...]:
    padded = [d + lo + hi for d, (lo, hi) in zip(dilate_shape(shape, base_dilation), padding)]
    window = dilate_shape(window_dimensions, window_dilation)
    return tuple((p - w) // s + 1 if p >= w else 0
                 for p, w, s in zip(padded, window, window_strides))


def _check(name: str, x: ShapedArray, kinds: str, params: dict) -> tuple[int, ...]:
    if x.dtype.kind not in kinds:
        raise TypeError(f"{name} needs a {'numeric' if 'i' in kinds else 'float'} operand, "
                        f"got {x.str_short()}")
    for key in WINDOW_PARAMS:
        value = params[key]
        if len(value) != x.ndim:
            raise ValueError(f"{name}: {key} needs {x.ndim} entries (one per operand axis), "
                             f"got {value}")
        if key != "padding" and any(not isinstance(v, int) or v < 1 for v in value):
            raise ValueError(f"{name}: {key} must be positive ints, got {value}")
    if any(len(p) != 2 for p in params["padding"]):
        raise ValueError(f"{name}: padding must be (lo, hi) pairs, got {params['padding']}")
    return window_out_shape(x.shape, *(params[k] for k in WINDOW_PARAMS))


def window_offsets(padded_shape, out_shape, window_dimensions, window_strides,
                   window_dilation) -> tuple[np.ndarray, np.ndarray]:
    """(base, offsets): the flat index in the C-ordered padded array of each output's first
    tap, and each tap's flat distance from it, so output o reads padded[base[o] + offsets].
    Memoised (a training loop asks for the same ones every step); the arrays are read-only."""
    return _window_offsets(*(tuple(int(v) for v in a) for a in (
        padded_shape, out_shape, window_dimensions, window_strides, window_dilation)))


@functools.lru_cache(maxsize=256)
def _window_offsets(padded_shape, out_shape, window_dimensions, window_strides,
                    window_dilation) -> tuple[np.ndarray, np.ndarray]:
    flat = np.cumprod((1,) + tuple(padded_shape[:0:-1]))[::-1]
    base = np.zeros((), np.int64)
    off = np.zeros((), np.int64)
    for o, w, s, d, f in zip(out_shape, window_dimensions, window_strides, window_dilation,
                             flat):
        base = np.add.outer(base, np.arange(o, dtype=np.int64) * (s * int(f)))
        off = np.add.outer(off, np.arange(w, dtype=np.int64) * (d * int(f)))
    base, off = base.ravel(), off.ravel()
    base.flags.writeable = off.flags.writeable = False
    return base, off


def padded_operand(x: np.ndarray, fill, params: dict) -> np.ndarray:
    return dilate_pad(x, params["base_dilation"], params["padding"], fill)


def taps(x: np.ndarray, fill, params: dict) -> np.ndarray:
    """The (outputs, window taps) matrix of x's padded windows."""
    out = window_out_shape(x.shape, *(params[k] for k in WINDOW_PARAMS))
    xp = padded_operand(x, fill, params)
    base, off = window_offsets(xp.shape, out, params["window_dimensions"],
                               params["window_strides"], params["window_dilation"])
    if base.size == 0 or off.size == 0:
        return np.full((base.size, off.size), fill, x.dtype)
    return xp.ravel()[base[:, None] + off[None, :]]


# ---------------------------------------------------------------------------------------------
# the reductions


def _reduction(monoid: str):
    kinds = "fi" if monoid != "sum" else "fci"
    name = f"reduce_window_{monoid}"

    def aval(x, **params):
        return [ShapedArray(_check(name, x, kinds, params), x.dtype)]

    def impl(x, **params):
        (a,) = aval(ShapedArray(x.shape, x.dtype), **params)
        m = taps(x, identity(monoid, x.dtype), params)
        if m.shape[1] == 0:
            return [np.full(a.shape, identity(monoid, x.dtype), x.dtype)]
        if monoid == "sum":
            return [m.sum(axis=1, dtype=x.dtype).reshape(a.shape)]
        reduce = np.max if monoid == "max" else np.min
        return [reduce(m, axis=1).reshape(a.shape)]

    prim = Primitive(name, linear=monoid == "sum")
    abstract_eval_rules[prim] = aval
    impl_rules[prim] = impl
    return prim


reduce_window_sum_p = _reduction("sum")
reduce_window_max_p = _reduction("max")
reduce_window_min_p = _reduction("min")


# ---------------------------------------------------------------------------------------------
# select_and_gather_add and select_and_scatter_add


def _check_select(name: str, select: str, t: ShapedArray, x: ShapedArray) -> None:
    if select not in ("max", "min"):
        raise ValueError(f"{name}: select must be 'max' or 'min', got {select!r}")
    if x.dtype.kind not in "fi" or t.dtype.kind not in "fc":
        raise TypeError(f"{name} needs a float operand and a float selector, got "
                        f"{t.str_short()} and {x.str_short()}")


def selected(x: np.ndarray, select: str, params: dict) -> np.ndarray:
    """Each window's first argmax (argmin) of x, as a flat index into the padded operand."""
    out = window_out_shape(x.shape, *(params[k] for k in WINDOW_PARAMS))
    xp = padded_operand(x, identity(select, x.dtype), params)
    base, off = window_offsets(xp.shape, out, params["window_dimensions"],
                               params["window_strides"], params["window_dilation"])
    vals = xp.ravel()[base[:, None] + off[None, :]]
    pick = np.argmax(vals, axis=1) if select == "max" else np.argmin(vals, axis=1)
    return base + off[pick]


def _gather_aval(t, x, *, select, **params):
    _check_select("select_and_gather_add", select, t, x)
    if t.shape != x.shape:
        raise ValueError(f"select_and_gather_add needs t and x of one shape, got {t.shape} "
                         f"and {x.shape}")
    return [ShapedArray(_check("select_and_gather_add", x, "fi", params), t.dtype)]


def _gather(t, x, *, select, **params):
    (a,) = _gather_aval(ShapedArray(t.shape, t.dtype), ShapedArray(x.shape, x.dtype),
                        select=select, **params)
    if math.prod(a.shape) == 0 or math.prod(params["window_dimensions"]) == 0:
        return [np.zeros(a.shape, t.dtype)]
    tp = padded_operand(t, t.dtype.type(0), params)
    return [tp.ravel()[selected(x, select, params)].reshape(a.shape)]


def _scatter_aval(s, x, *, select, **params):
    _check_select("select_and_scatter_add", select, s, x)
    out = _check("select_and_scatter_add", x, "fi", params)
    if s.shape != out:
        raise ValueError(f"select_and_scatter_add needs a source of the window output's shape "
                         f"{out}, got {s.shape}")
    return [ShapedArray(x.shape, s.dtype)]


def scatter_into_operand(buf: np.ndarray, x_shape, params: dict) -> np.ndarray:
    """The part of a padded-operand-shaped buffer that lies on the operand's own elements."""
    return undilate_unpad(buf, x_shape, params["base_dilation"], params["padding"])


def _scatter(s, x, *, select, **params):
    _scatter_aval(ShapedArray(s.shape, s.dtype), ShapedArray(x.shape, x.dtype),
                  select=select, **params)
    if s.size == 0 or math.prod(params["window_dimensions"]) == 0:
        return [np.zeros(x.shape, s.dtype)]
    pshape = padded_operand(np.zeros(x.shape, np.int8), 0, params).shape
    buf = np.zeros(math.prod(pshape), s.dtype)
    np.add.at(buf, selected(x, select, params), s.ravel())
    return [scatter_into_operand(buf.reshape(pshape), x.shape, params)]


select_and_gather_add_p = Primitive("select_and_gather_add", linear=True)
abstract_eval_rules[select_and_gather_add_p] = _gather_aval
impl_rules[select_and_gather_add_p] = _gather
select_and_scatter_add_p = Primitive("select_and_scatter_add", linear=True)
abstract_eval_rules[select_and_scatter_add_p] = _scatter_aval
impl_rules[select_and_scatter_add_p] = _scatter
