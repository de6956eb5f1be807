"""numbax.scipy: SciPy-like functions on numbax.numpy (JAX's jax.scipy). So far `linalg`."""
from . import linalg

__all__ = ["linalg"]
