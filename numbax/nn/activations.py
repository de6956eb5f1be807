"""Elementwise activation functions of jax.nn, with JAX's values and derivative conventions.

Piecewise functions select between branches with `where`, feeding each branch an input at
which it is finite, so that the branch not taken contributes a zero (never a nan) cotangent.

>>> import numpy as np, numbax as nb
>>> float(nb.grad(relu)(0.0)), float(nb.grad(relu6)(6.0)), float(gelu(1.0))
(0.0, 0.0, 0.8411919906082768)
"""
from __future__ import annotations

import math

from .. import lax
from .. import numpy as xnp
from ..numpy.arguments import check_static, promote

__all__ = [
    "celu", "elu", "gelu", "glu", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh",
    "identity", "leaky_relu", "log1mexp", "log_sigmoid", "mish", "relu", "relu6", "selu",
    "sigmoid", "silu", "soft_sign", "softplus", "sparse_plus", "sparse_sigmoid", "squareplus",
    "swish", "tanh",
]

# SELU's constants (Klambauer et al. 2017), as JAX spells them.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _real(fname: str, x, inexact: bool = True):
    """x checked and, if inexact, converted to a float dtype (ints go to a float as in NumPy)."""
    (x,) = promote(fname, x, inexact=inexact)
    if xnp.iscomplexobj(x):
        raise TypeError(f"numbax.nn.{fname}: expected a real array, got {x.dtype}")
    return x


def identity(x):
    """x unchanged, as an array.

    >>> identity(2.0)
    array(2.)
    """
    (x,) = promote("identity", x)
    return x


def relu(x):
    """max(x, 0) (nan stays nan, as numpy.maximum), with derivative 0 at 0 as in JAX.

    >>> relu([-1.0, 0.0, 2.0])
    array([0., 0., 2.])
    """
    x = _real("relu", x, inexact=False)
    # The value is maximum(x, 0) everywhere; the select gives the slope 1 for x > 0 and 0
    # elsewhere (no half slope at the tie, none through a nan).
    return xnp.where(x > 0, x, lax.stop_gradient(xnp.maximum(x, 0)))


def relu6(x):
    """min(max(x, 0), 6), with derivative 0 at both kinks (0 and 6) as in JAX.

    >>> relu6([-1.0, 3.0, 7.0])
    array([0., 3., 6.])
    """
    x = _real("relu6", x, inexact=False)
    return xnp.where((x > 0) & (x < 6), x, lax.stop_gradient(xnp.clip(x, 0, 6)))


def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow.

    >>> sigmoid(0.0)
    array(0.5)
    """
    return lax.logistic(_real("sigmoid", x))


def softplus(x):
    """log(1 + exp(x)) without overflow, with exact derivatives of every order everywhere.

    >>> round(float(softplus(0.0)), 6)
    0.693147
    """
    x = _real("softplus", x)
    # Each branch is analytic where it is selected (max(x, 0) + log1p(exp(-|x|)) has kinks at
    # 0 that cancel, but differentiation would see sign(0) = 0 and get softplus'' (0) = 0), and
    # exp only ever sees a non-positive argument, so no branch overflows to give nan cotangents.
    pos = x > 0
    return xnp.where(pos, x, 0.0) + xnp.log1p(xnp.exp(xnp.where(pos, -x, x)))


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x).

    >>> float(log_sigmoid(-1000.0))
    -1000.0
    """
    return -softplus(-_real("log_sigmoid", x))


def silu(x):
    """x * sigmoid(x) (also called swish).

    >>> float(silu(0.0))
    0.0
    """
    x = _real("silu", x)
    return x * lax.logistic(x)


swish = silu


def tanh(x):
    """The hyperbolic tangent, as numbax.numpy.tanh (complex inputs too).

    >>> float(tanh(0.0))
    0.0
    """
    return xnp.tanh(x)


def _nonpositive_part(x):
    """x where x <= 0 and 0 elsewhere: a safe input for a branch used only for x <= 0."""
    return xnp.where(x > 0, 0.0, x)


def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise (derivative alpha at 0, as JAX).

    >>> float(elu(-1000.0))
    -1.0
    """
    x = _real("elu", x)
    return xnp.where(x > 0, x, alpha * xnp.expm1(_nonpositive_part(x)))


def selu(x):
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al.

    >>> round(float(selu(1.0)), 6)
    1.050701
    """
    return _SELU_SCALE * elu(_real("selu", x), _SELU_ALPHA)


def celu(x, alpha=1.0):
    """max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1): continuously differentiable ELU.

    >>> float(celu(2.0))
    2.0
    """
    x = _real("celu", x)
    return xnp.where(x > 0, x, alpha * xnp.expm1(_nonpositive_part(x) / alpha))


def leaky_relu(x, negative_slope=1e-2):
    """x for x >= 0, negative_slope * x otherwise (derivative 1 at 0, as JAX).

    >>> float(leaky_relu(-2.0))
    -0.02
    """
    x = _real("leaky_relu", x)
    return xnp.where(x >= 0, x, negative_slope * x)


def hard_tanh(x):
    """x clipped to [-1, 1] (derivative 1 at the kinks, as JAX's nested where).

    >>> hard_tanh([-3.0, 0.5, 3.0])
    array([-1. ,  0.5,  1. ])
    """
    x = _real("hard_tanh", x)
    return xnp.where(x > 1, 1.0, xnp.where(x < -1, -1.0, x))


def hard_sigmoid(x):
    """relu6(x + 3) / 6: a piecewise-linear sigmoid.

    >>> float(hard_sigmoid(0.0))
    0.5
    """
    return relu6(_real("hard_sigmoid", x) + 3.0) / 6.0


def hard_silu(x):
    """x * hard_sigmoid(x) (also called hard_swish).

    >>> float(hard_silu(3.0))
    3.0
    """
    x = _real("hard_silu", x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def soft_sign(x):
    """x / (|x| + 1).

    >>> float(soft_sign(1.0))
    0.5
    """
    x = _real("soft_sign", x)
    return x / (xnp.abs(x) + 1)


def squareplus(x, b=4):
    """(x + sqrt(x**2 + b)) / 2: a smooth, algebraic relu (So et al. 2021).

    >>> float(squareplus(0.0))
    1.0
    """
    x = _real("squareplus", x)
    return (x + xnp.sqrt(xnp.square(x) + b)) / 2


def sparse_plus(x):
    """0 for x <= -1, x for x >= 1, (x + 1)**2 / 4 between: a C1 softplus with flat tails.

    >>> sparse_plus([-2.0, 0.0, 2.0])
    array([0.  , 0.25, 2.  ])
    """
    x = _real("sparse_plus", x)
    return xnp.where(x <= -1, 0.0, xnp.where(x >= 1, x, xnp.square(x + 1) / 4))


def sparse_sigmoid(x):
    """clip((x + 1) / 2, 0, 1): the derivative of sparse_plus (at the kinks it takes the
    half slope of numbax.numpy.clip, as JAX's jnp.clip does).

    >>> sparse_sigmoid([-2.0, 0.0, 2.0])
    array([0. , 0.5, 1. ])
    """
    x = _real("sparse_sigmoid", x)
    return 0.5 * xnp.clip(x + 1.0, 0.0, 2.0)


def mish(x):
    """x * tanh(softplus(x)) (Misra 2019).

    >>> float(mish(0.0))
    0.0
    """
    x = _real("mish", x)
    return x * xnp.tanh(softplus(x))


def log1mexp(x):
    """log(1 - exp(-x)) for x >= 0, accurately for small and large x (Maechler 2012).

    >>> float(log1mexp(1e-20))
    -46.051701859880914
    """
    x = _real("log1mexp", x)
    c = math.log(2.0)
    small = x < c
    # Each formula sees only the inputs it is accurate for (and a harmless c elsewhere).
    return xnp.where(small, xnp.log(-xnp.expm1(-xnp.where(small, x, c))),
                     xnp.log1p(-xnp.exp(-xnp.where(small, c, x))))


def gelu(x, approximate: bool = True):
    """Gaussian error linear unit: x * Phi(x), or its tanh approximation (JAX's default).

    >>> round(float(gelu(1.0, approximate=False)), 6)
    0.841345
    """
    x = _real("gelu", x)
    approximate = check_static(approximate, "gelu", "approximate")
    if approximate:
        inner = math.sqrt(2 / math.pi) * (x + 0.044715 * (x * x * x))
        return x * (0.5 * (1.0 + xnp.tanh(inner)))
    return x * (lax.erf(x / math.sqrt(2)) + 1) / 2


def glu(x, axis: int = -1):
    """Gated linear unit: the first half of x along axis times sigmoid of the second half.

    >>> glu([1.0, 0.0])
    array([0.5])
    """
    x = _real("glu", x)
    axis = check_static(axis, "glu", "axis")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"glu: axis {axis} is out of bounds for an array of rank {x.ndim}")
    size = x.shape[axis]
    if size % 2:
        raise ValueError(f"glu: the size of axis {axis} must be even, got {size}")
    first, second = xnp.split(x, 2, axis=axis)
    return first * sigmoid(second)
