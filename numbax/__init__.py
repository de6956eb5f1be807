"""numbax: JAX-style composable function transformations for NumPy programs."""
from . import lax, numpy, tree_util
from .api import (
    grad,
    hessian,
    jacfwd,
    jacrev,
    jvp,
    linearize,
    make_jaxpr,
    value_and_grad,
    vjp,
)
from .lax import stop_gradient
from .core.trace import ConcretizationError, UnexpectedTracerError

__version__ = "0.1.0"

__all__ = [
    "ConcretizationError", "UnexpectedTracerError", "grad", "hessian", "jacfwd", "jacrev", "jvp",
    "lax", "linearize", "make_jaxpr", "numpy", "stop_gradient", "tree_util", "value_and_grad",
    "vjp",
]
