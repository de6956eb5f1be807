"""numbax.nn: jax.nn's functions (all but the hardware-specific scaled_matmul,
scaled_dot_general and get_scaled_dot_general_config), with values and derivatives that stay
finite where JAX's do, and numbax.nn.initializers.

>>> import numbax as nb
>>> float(nb.grad(softplus)(1000.0)), float(nb.grad(log_sigmoid)(-1000.0))
(1.0, 1.0)
"""
from __future__ import annotations

from . import initializers
from .activations import (
    celu,
    elu,
    gelu,
    glu,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    hard_tanh,
    identity,
    leaky_relu,
    log1mexp,
    log_sigmoid,
    mish,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    soft_sign,
    softplus,
    sparse_plus,
    sparse_sigmoid,
    squareplus,
    swish,
    tanh,
)
from .attention import dot_product_attention
from .encoding import one_hot
from .reductions import log_softmax, logmeanexp, logsumexp, softmax, standardize

__all__ = [
    "celu", "dot_product_attention", "elu", "gelu", "glu", "hard_sigmoid", "hard_silu",
    "hard_swish", "hard_tanh", "identity", "initializers", "leaky_relu", "log1mexp",
    "log_sigmoid", "log_softmax", "logmeanexp", "logsumexp", "mish", "one_hot", "relu",
    "relu6", "selu", "sigmoid", "silu", "soft_sign", "softmax", "softplus", "sparse_plus",
    "sparse_sigmoid", "squareplus", "standardize", "swish", "tanh",
]
