"""Numerically stable building blocks whose values and derivatives stay finite.

>>> import numpy as np, numbax as nb
>>> float(nb.grad(softplus)(1000.0)), float(nb.grad(log_sigmoid)(-1000.0))
(1.0, 1.0)
"""
from __future__ import annotations

from . import lax
from . import numpy as xnp


def relu(x):
    """max(x, 0), with derivative 0 at 0."""
    x = xnp.asarray(x)
    return xnp.where(x > 0, x, xnp.zeros_like(x))


def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow."""
    (x,) = xnp._promote("sigmoid", x, inexact=True)
    return lax.logistic(x)


def softplus(x):
    """log(1 + exp(x)) without overflow, with exact derivatives of every order everywhere."""
    (x,) = xnp._promote("softplus", x, inexact=True)
    # Each branch is analytic where it is selected (max(x, 0) + log1p(exp(-|x|)) has kinks at
    # 0 that cancel, but differentiation would see sign(0) = 0 and get softplus'' (0) = 0), and
    # exp only ever sees a non-positive argument, so no branch overflows to give nan cotangents.
    pos = x > 0
    return xnp.where(pos, x, 0.0) + xnp.log1p(xnp.exp(xnp.where(pos, -x, x)))


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x)."""
    return -softplus(-xnp.asarray(x))


def logsumexp(a, axis=None, keepdims: bool = False):
    """log(sum(exp(a))) over axis, shifted by the maximum so that nothing overflows."""
    a = xnp.asarray(a)
    if a.dtype.kind != "f":
        a = xnp.astype(a, xnp.float64)
    amax = lax.stop_gradient(xnp.max(a, axis=axis, keepdims=True))
    # An all -inf slice would give inf - inf; shifting by 0 there is exact.
    amax = xnp.where(xnp.isfinite(amax), amax, xnp.zeros_like(amax))
    out = xnp.log(xnp.sum(xnp.exp(a - amax), axis=axis, keepdims=True)) + amax
    return out if keepdims else xnp.squeeze(out, axis=axis) if axis is not None else xnp.reshape(out, ())


def log_softmax(x, axis: int = -1):
    """x - logsumexp(x) along axis."""
    return x - logsumexp(x, axis=axis, keepdims=True)


def softmax(x, axis: int = -1):
    """exp(x) / sum(exp(x)) along axis, computed stably."""
    return xnp.exp(log_softmax(x, axis))
