"""numbax: JAX-style composable function transformations for NumPy programs.

>>> import numpy as np, numbax as nb, numbax.numpy as xnp
>>> nb.grad(lambda x: xnp.sum(xnp.sin(x)))(np.zeros(2))
array([1., 1.])
"""
from . import ad_checkpoint, lax, nn, numpy, random, scipy, test_util, tree_util
from .api import (
    checkpoint,
    grad,
    hessian,
    jacfwd,
    jacrev,
    jvp,
    linearize,
    make_jaxpr,
    remat,
    value_and_grad,
    vjp,
    vmap,
)
from .backends.numba import conv_kernels  # noqa: F401  (compiled conv and window impls)
from .config import config
from .core.trace import ConcretizationError, TracerArrayConversionError, UnexpectedTracerError
from .custom_derivatives import custom_jvp, custom_vjp
from .distributed import device_count, devices, local_device_count, pmap

# Control flow's primitives and rules, and gather's and the scatters' rules, register with
# the package, not on first use.
from .interpreters import (  # noqa: F401
    collective_rules,
    control_flow,
    conv_rules,
    decomposition_rules,
    fft_rules,
    gather_rules,
    linalg_rules,
    slicing_rules,
    window_rules,
)
from .interpreters.remat import checkpoint_policies
from .jit import clear_caches, jit  # rebinds numbax.jit from the submodule to the class
from .lax import stop_gradient

policies = checkpoint_policies
__version__ = "0.1.0"

__all__ = [
    "ConcretizationError", "TracerArrayConversionError", "UnexpectedTracerError", "ad_checkpoint",
    "checkpoint", "checkpoint_policies",
    "clear_caches", "config", "custom_jvp", "custom_vjp", "device_count", "devices", "grad",
    "hessian", "jacfwd", "jacrev", "jit", "jvp", "lax", "linearize", "local_device_count",
    "make_jaxpr", "nn", "numpy", "pmap", "policies", "random", "remat", "scipy", "stop_gradient",
    "test_util", "tree_util",
    "value_and_grad", "vjp", "vmap",
]
