"""Process-wide settings, read when a program is compiled.

>>> import numbax
>>> numbax.config.update("fast_math", False)  # fused kernels call libm instead of vecmath
>>> numbax.config.fast_math
False
>>> numbax.config.update("fast_math", True)
"""
from __future__ import annotations

import os

# option -> (environment variable, default). Debugging flags have JAX's names.
_OPTIONS = {
    "fast_math": ("NUMBAX_FAST_MATH", True),
    "debug_nans": ("NUMBAX_DEBUG_NANS", False),
    "debug_infs": ("NUMBAX_DEBUG_INFS", False),
    "log_compiles": ("NUMBAX_LOG_COMPILES", False),
    "explain_cache_misses": ("NUMBAX_EXPLAIN_CACHE_MISSES", False),
}
# The options that change what a compiled jit call does, hence part of its cache key. Logging
# options are read only when tracing, so flipping them never recompiles.
_COMPILED = ("debug_infs", "debug_nans", "fast_math")


def _env_flag(var: str, default: bool) -> bool:
    value = os.environ.get(var)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


class Config:
    """Settings with defaults from the environment (NUMBAX_FAST_MATH=0 turns fast_math off).

    fast_math: fused kernels use numbax's vectorisable elementary functions (within 2 ulp of
    NumPy in float64, 4 in float32; see docs/vecmath.md) instead of scalar libm calls.

    Debugging flags (JAX's names; off by default; NUMBAX_DEBUG_NANS=1 and so on turn them on):

    debug_nans / debug_infs: the first primitive whose output holds a NaN / an inf raises
    FloatingPointError naming the primitive and the user's line that called it. Eagerly every
    primitive is checked; a jit call checks its outputs and, if one holds a NaN (inf), runs its
    program again one equation at a time to find the equation that made it.
    log_compiles: each jit trace and compile is logged (logger "numbax", level WARNING) with
    the function's name and argument signature, e.g. `f(f32[3,4], f64[])`.
    explain_cache_misses: each jit retrace logs what differs from the closest earlier
    signature of the function: an argument's shape or dtype, a static value, the tree.

    >>> import numbax
    >>> numbax.config.update("debug_nans", True)
    >>> numbax.config.debug_nans
    True
    >>> numbax.config.update("debug_nans", False)
    """

    def __init__(self):
        self._values = {name: _env_flag(var, default) for name, (var, default) in _OPTIONS.items()}
        self._sync()

    def _sync(self) -> None:
        # Options are plain attributes too, so hot paths read them without __getattr__.
        self.__dict__.update(self._values)
        self.check_floats = self._values["debug_nans"] or self._values["debug_infs"]
        self._state = tuple((name, self._values[name]) for name in _COMPILED)

    def update(self, name: str, value) -> None:
        if name not in self._values:
            raise KeyError(f"unknown numbax config option {name!r}; options: {sorted(self._values)}")
        if not isinstance(value, type(self._values[name])):
            raise TypeError(f"config option {name!r} takes a {type(self._values[name]).__name__}, "
                            f"got {value!r}")
        self._values[name] = value
        self._sync()

    def __getattr__(self, name: str):
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(f"unknown numbax config option {name!r}") from None

    def state(self) -> tuple:
        """The settings that affect compiled code, as a hashable key (read on every jit call)."""
        return self._state


config = Config()
