"""Process-wide settings, read when a program is compiled.

>>> import numbax
>>> numbax.config.update("fast_math", False)  # fused kernels call libm instead of vecmath
>>> numbax.config.fast_math
False
>>> numbax.config.update("fast_math", True)
"""
from __future__ import annotations

import os


class Config:
    """Settings with defaults from the environment (NUMBAX_FAST_MATH=0 turns fast_math off).

    fast_math: fused kernels use numbax's vectorisable elementary functions (within 2 ulp of
    NumPy in float64, 4 in float32; see docs/vecmath.md) instead of scalar libm calls.
    """

    def __init__(self):
        self._values = {"fast_math": os.environ.get("NUMBAX_FAST_MATH", "1") != "0"}
        self._state = tuple(sorted(self._values.items()))

    def update(self, name: str, value) -> None:
        if name not in self._values:
            raise KeyError(f"unknown numbax config option {name!r}; options: {sorted(self._values)}")
        if not isinstance(value, type(self._values[name])):
            raise TypeError(f"config option {name!r} takes a {type(self._values[name]).__name__}, "
                            f"got {value!r}")
        self._values[name] = value
        self._state = tuple(sorted(self._values.items()))

    def __getattr__(self, name: str):
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(f"unknown numbax config option {name!r}") from None

    def state(self) -> tuple:
        """The settings that affect compiled code, as a hashable key (read on every jit call)."""
        return self._state


config = Config()
