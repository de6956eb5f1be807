"""Numerically stable building blocks whose values and derivatives stay finite.

>>> import numpy as np, numbax as nb
>>> float(nb.grad(softplus)(1000.0)), float(nb.grad(log_sigmoid)(-1000.0))
(1.0, 1.0)
"""
from __future__ import annotations

from . import lax
from . import numpy as xnp
from .numpy.arguments import promote


def relu(x):
    """max(x, 0) (nan stays nan, as numpy.maximum), with derivative 0 at 0 as in JAX."""
    x = xnp.asarray(x)
    # The value is maximum(x, 0) everywhere; the select gives the slope 1 for x > 0 and 0
    # elsewhere (no half slope at the tie, none through a nan).
    return xnp.where(x > 0, x, lax.stop_gradient(xnp.maximum(x, 0)))


def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow."""
    (x,) = promote("sigmoid", x, inexact=True)
    return lax.logistic(x)


def softplus(x):
    """log(1 + exp(x)) without overflow, with exact derivatives of every order everywhere."""
    (x,) = promote("softplus", x, inexact=True)
    # Each branch is analytic where it is selected (max(x, 0) + log1p(exp(-|x|)) has kinks at
    # 0 that cancel, but differentiation would see sign(0) = 0 and get softplus'' (0) = 0), and
    # exp only ever sees a non-positive argument, so no branch overflows to give nan cotangents.
    pos = x > 0
    return xnp.where(pos, x, 0.0) + xnp.log1p(xnp.exp(xnp.where(pos, -x, x)))


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x)."""
    return -softplus(-xnp.asarray(x))


def _shifted(a, axis):
    """a - max(a) along axis (a constant to differentiation; all functions here are
    invariant to the shift), and that shift."""
    a = xnp.asarray(a)
    if a.dtype.kind != "f":
        a = xnp.astype(a, xnp.float64)
    if 0 in a.shape:
        # The max of nothing has no identity (it raises); exp of nothing sums to 0 whatever
        # the shift, so logsumexp is -inf there, as log(sum(exp(a))).
        return a, xnp.zeros_like(xnp.sum(a, axis=axis, keepdims=True))
    # The shift is the largest finite entry: next to +inf the finite entries then still fit
    # (exp(89) overflows float32, and inf / inf would turn their 0 into nan); a slice with no
    # finite entry is shifted by 0, which is exact.
    finite = xnp.isfinite(a)
    amax = lax.stop_gradient(xnp.max(xnp.where(finite, a, -xnp.inf), axis=axis, keepdims=True))
    amax = xnp.where(xnp.isfinite(amax), amax, xnp.zeros_like(amax))
    return a - amax, amax


def logsumexp(a, axis=None, keepdims: bool = False):
    """log(sum(exp(a))) over axis, shifted by the maximum so that nothing overflows."""
    shifted, amax = _shifted(a, axis)
    out = xnp.log(xnp.sum(xnp.exp(shifted), axis=axis, keepdims=True)) + amax
    return out if keepdims else xnp.squeeze(out, axis=axis) if axis is not None else xnp.reshape(out, ())


# Both work on x - max(x) and never form logsumexp(x) itself: at |x| ~ 1000 in float32 that
# value carries an absolute rounding error of ~3e-5, which x - logsumexp(x) would keep.


def log_softmax(x, axis: int = -1):
    """x - logsumexp(x) along axis."""
    shifted, _ = _shifted(x, axis)
    return shifted - xnp.log(xnp.sum(xnp.exp(shifted), axis=axis, keepdims=True))


def softmax(x, axis: int = -1):
    """exp(x) / sum(exp(x)) along axis, computed stably."""
    unnormalized = xnp.exp(_shifted(x, axis)[0])
    return unnormalized / xnp.sum(unnormalized, axis=axis, keepdims=True)
