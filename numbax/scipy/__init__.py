"""numbax.scipy: SciPy-like functions on numbax.numpy (JAX's jax.scipy). So far `linalg`."""
from . import linalg, special, stats

__all__ = ["linalg", "special", "stats"]
