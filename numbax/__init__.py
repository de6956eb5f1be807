"""numbax: JAX-style composable function transformations for NumPy programs."""
from . import lax, numpy, tree_util
from .api import make_jaxpr
from .core.trace import ConcretizationError, UnexpectedTracerError

__version__ = "0.1.0"

__all__ = ["ConcretizationError", "UnexpectedTracerError", "lax", "make_jaxpr", "numpy",
           "tree_util"]
