"""jit: trace once per signature, compile the Jaxpr on a backend and cache the executable.

Also the caches' management (clear_caches) and the log_compiles / explain_cache_misses reports.
Argument checking and flattening are shared with the other transformations and live in api.py.
"""
from __future__ import annotations

import functools
import inspect
import logging
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .api import fun_name, leaf_avals, named_arguments, to_outputs
from .backends import compile_jaxpr
from .config import config
from .core.ir import Jaxpr, pp_jaxpr
from .core.sync import Counter, Once
from .core.trace import ConcretizationError, Tracer, get_aval, trace_stack
from .interpreters.jit_call import jit_p, with_float_checks
from .interpreters.partial_eval import trace_to_subjaxpr
from .tree_util import tree_flatten, tree_leaf_paths, tree_unflatten


@dataclass
class _Compiled:
    jaxpr: Jaxpr  # constants are its leading inputs
    consts: list
    out_tree: object
    single_output: bool
    executable: Callable | None
    lowered_executable: object = None


@dataclass
class Lowered:
    """What jit made of a function for given argument types: its Jaxpr and, on the Numba
    backend, its fusion groups and the generated kernel source."""

    jaxpr: Jaxpr
    backend: str
    executable: Callable

    @property
    def fusion_groups(self) -> list:
        return getattr(self.executable, "groups", [])

    @property
    def kernel_sources(self) -> list[str]:
        return getattr(self.executable, "kernel_sources", [])

    def __str__(self) -> str:
        parts = [f"backend: {self.backend}", "jaxpr:", pp_jaxpr(self.jaxpr, 2, multiline=True)]
        # The Numba backend runs a simplified program (backends/simplify.py).
        simplified = getattr(self.executable, "jaxpr", None)
        if simplified is not None:
            parts += ["simplified jaxpr:", pp_jaxpr(simplified, 2, multiline=True)]
        describe = getattr(self.executable, "describe", None)
        if describe is not None:
            parts.append(describe())
        return "\n".join(parts)


class jit:  # noqa: N801 (JAX's name)
    """Compile fun: trace once per (argument structure, shapes and dtypes, static arguments)
    and run the cached executable afterwards, without tracing or compiling again.

    backend="numba" fuses elementwise work into compiled loop kernels; backend="interpreter"
    runs the same Jaxpr one NumPy call per equation. Python side effects in fun (printing,
    appending to lists) happen only while tracing, i.e. on the first call for each new
    signature, as in JAX. Inside another transformation a jit call stays one `jit` equation
    whose body the transformation rewrites, so grad(jit(f)) compiles the derivative.

    Arguments are arrays, Python scalars, or pytrees of them: as in JAX a list is a container
    whose items are traced one by one, not an array. Anything else (a string, an object) goes
    in static_argnums. Bad arguments are reported by position when the call traces (see
    docs/errors.md); calls served from the cache are not checked again.

    >>> import numpy as np, numbax as nb, numbax.numpy as xnp
    >>> f = nb.jit(lambda x, y: xnp.sin(x * y) + 1.0, backend="interpreter")
    >>> f(np.zeros(2), np.ones(2))
    array([1., 1.])
    """

    def __init__(self, fun: Callable, static_argnums=(), backend: str = "numba"):
        from .backends import BACKENDS
        if backend not in BACKENDS:
            raise ValueError(f"jit: unknown backend {backend!r}; expected one of {BACKENDS}")
        self.fun, self.backend = fun, backend
        self.static_argnums = _static_argnums(static_argnums, fun)
        self._cache: dict = {}
        self._fast: dict = {}
        # Calls from many threads at once: each signature is traced and compiled once (one
        # lock per signature, taken only on a miss) and the counts stay exact.
        self._once = Once()
        self._hits, self._misses = Counter(), Counter()
        functools.update_wrapper(self, fun)
        _live_jits.add(self)

    def cache_info(self) -> dict:
        """Cache statistics: hits (calls served from the cache), misses (traces), size."""
        return {"hits": self.hits, "misses": self.misses, "size": len(self._cache)}

    @property
    def hits(self) -> int:
        return self._hits.value

    @hits.setter
    def hits(self, value: int) -> None:
        self._hits = Counter(value)

    @property
    def misses(self) -> int:
        return self._misses.value

    @misses.setter
    def misses(self, value: int) -> None:
        self._misses = Counter(value)

    def _split(self, args):
        n = len(args)
        static = {}
        for i in self.static_argnums:
            if not -n <= i < n:
                raise ValueError(
                    f"jit: static_argnums {i} is out of range: {fun_name(self.fun)} was called "
                    f"with {n} positional argument{'s' * (n != 1)} (static arguments must be "
                    "passed by position)")
            value = args[i]
            try:
                hash(value)
            except TypeError:
                raise TypeError(_unhashable_static(i % n, value)) from None
            static[i % n] = value
        return tuple(static.items()), tuple(a for i, a in enumerate(args) if i not in static)

    def _avals(self, static, dyn_leaves, in_tree) -> list:
        """The avals of the non-static argument leaves; a bad leaf is an error naming its
        argument's position in the call."""
        dyn_args, kwargs = tree_unflatten(in_tree, dyn_leaves)
        statics = dict(static)
        positions = [i for i in range(len(static) + len(dyn_args)) if i not in statics]
        named = named_arguments(dyn_args, positions, hint="mark it static with static_argnums")
        named += [(f"keyword argument {k!r}", kwargs[k],
                   "pass it by position and mark it static with static_argnums")
                  for k in sorted(kwargs)]
        return leaf_avals("jit", dyn_leaves, named)

    def _arrays(self, static, dyn_leaves, in_tree) -> list:
        """The argument leaves as NumPy arrays (for the cache key and the executable)."""
        try:
            return [x if isinstance(x, np.ndarray) else _scalar_array(x) for x in dyn_leaves]
        except TypeError:
            self._avals(static, dyn_leaves, in_tree)
            raise

    def _trace(self, static, dyn_leaves, in_tree) -> _Compiled:
        def flat(*leaves):
            dyn_args, kwargs = tree_unflatten(in_tree, leaves)
            dyn, statics = iter(dyn_args), dict(static)
            full = [statics[i] if i in statics else next(dyn)
                    for i in range(len(static) + len(dyn_args))]
            out_leaves, out_tree = tree_flatten(self.fun(*full, **kwargs))
            box.append(out_tree)
            return out_leaves

        box: list = []
        start = time.perf_counter()
        avals = self._avals(static, dyn_leaves, in_tree)
        try:
            jaxpr, consts = trace_to_subjaxpr(flat, avals, f"jit({fun_name(self.fun)})")
        except ConcretizationError as err:
            _note_user_line(err)
            raise
        if config.log_compiles:
            _logger.warning("Finished tracing jit(%s) for %s in %.3f ms", fun_name(self.fun),
                            _signature(self.fun, static, avals, in_tree),
                            (time.perf_counter() - start) * 1e3)
        return _Compiled(jaxpr, consts, box[0], box[0] == _LEAF_TREE, None)

    def __call__(self, *args, **kwargs):
        # Inside a transformation fun may close over its tracers even when every argument is
        # concrete: they become constants of the trace, which neither a cached executable
        # (traced before) nor a new one can run on. The call then stays a jit equation.
        transforming = len(trace_stack) > 1
        if not kwargs and not self.static_argnums and not transforming:
            # The common call: NumPy arrays only, a signature seen before. Non-array arguments
            # drop out of the key, whose length (with len(args)) then matches nothing.
            compiled = self._fast.get((config.state(), len(args), *[
                (a.shape, a.dtype) for a in args if type(a) is np.ndarray]))
            if compiled is not None:
                self._hits.increment()
                outs = compiled.executable(*compiled.consts, *args)
                return outs[0] if compiled.single_output else tree_unflatten(compiled.out_tree, outs)
        static, dyn = self._split(args)
        leaves, in_tree = tree_flatten((dyn, kwargs))
        if transforming or any(isinstance(x, Tracer) for x in leaves):
            compiled = self._trace(static, leaves, in_tree)
            outs = jit_p.bind(*compiled.consts, *leaves, jaxpr=compiled.jaxpr,
                              name=getattr(self.fun, "__name__", "f"), backend=self.backend)
            return tree_unflatten(compiled.out_tree, outs)
        leaves = self._arrays(static, leaves, in_tree)
        compiled = self._lookup(static, leaves, in_tree)
        outs = to_outputs(compiled.executable(*compiled.consts, *leaves))
        return tree_unflatten(compiled.out_tree, outs)

    def _lookup(self, static, leaves, in_tree) -> _Compiled:
        key = (in_tree, tuple((x.shape, x.dtype) for x in leaves), static, config.state())
        compiled = self._cache.get(key)
        if compiled is None:
            compiled, made = self._once.get(
                self._cache, key, lambda: self._compile(key, static, leaves, in_tree))
            if not made:  # another thread compiled it while this one waited
                self._hits.increment()
        else:
            self._hits.increment()
        return compiled

    def _compile(self, key, static, leaves, in_tree) -> _Compiled:
        """Trace and compile for a signature not in the cache (the caller stores the result)."""
        self._misses.increment()
        if config.explain_cache_misses:
            _explain_miss(self, key)
        compiled = self._trace(static, leaves, in_tree)
        start = time.perf_counter()
        exe = compile_jaxpr(compiled.jaxpr, self.backend)
        if config.log_compiles:
            _logger.warning("Compiled jit(%s) for %s on backend %s in %.3f ms",
                            fun_name(self.fun),
                            _signature(self.fun, static, [get_aval(x) for x in leaves],
                                       in_tree),
                            self.backend, (time.perf_counter() - start) * 1e3)
        compiled.executable = getattr(exe, "run", exe)
        if config.check_floats:  # part of the key, so the fast path gets this one too
            compiled.executable = with_float_checks(compiled.executable, compiled.jaxpr,
                                                    fun_name(self.fun))
        compiled.lowered_executable = exe
        if not static and in_tree == tree_flatten((tuple(leaves), {}))[1]:
            self._fast[(key[3], len(leaves), *key[1])] = compiled
        return compiled

    def lower(self, *args, **kwargs) -> Lowered:
        """The traced Jaxpr and, on the Numba backend, its fusion groups and kernel source."""
        static, dyn = self._split(args)
        leaves, in_tree = tree_flatten((dyn, kwargs))
        leaves = self._arrays(static, leaves, in_tree)
        compiled = self._lookup(static, leaves, in_tree)
        return Lowered(compiled.jaxpr, self.backend, compiled.lowered_executable)


_LEAF_TREE = tree_flatten(0)[1]


def _scalar_array(x) -> np.ndarray:
    """A jit argument leaf that is not an ndarray, as a 0-d array; TypeError unless it is a
    Python or NumPy scalar (the caller then reports where the leaf sits)."""
    if isinstance(x, bool | int | float | complex | np.generic):
        a = np.asarray(x)
        if a.dtype.kind != "O":  # Python ints past 64 bits become object arrays
            return a
    raise TypeError(type(x).__name__)


def _static_argnums(static_argnums, fun) -> tuple[int, ...]:
    """static_argnums as a tuple of ints, checked against fun's signature where it has one."""
    if static_argnums is None:
        return ()
    nums = (static_argnums,) if isinstance(static_argnums, int | np.integer) else static_argnums
    if not isinstance(nums, tuple | list | range) or not all(
            isinstance(i, int | np.integer) and not isinstance(i, bool) for i in nums):
        raise TypeError(f"jit: static_argnums must be an int or a tuple of ints, got "
                        f"{static_argnums!r}")
    nums = tuple(int(i) for i in nums)
    if not nums:
        return nums
    try:
        params = inspect.signature(fun).parameters.values()
    except (TypeError, ValueError):  # builtins and some C callables have no signature
        return nums
    kinds = {p.kind for p in params}
    if inspect.Parameter.VAR_POSITIONAL in kinds:
        return nums
    n = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)
    for i in nums:
        if not -n <= i < n:
            raise ValueError(f"jit: static_argnums {i} is out of range: {fun_name(fun)} takes "
                             f"{n} positional argument{'s' * (n != 1)}")
    return nums


def _unhashable_static(i: int, value) -> str:
    fix = {list: "pass a tuple instead",
           dict: "pass a tuple of (key, value) pairs instead",
           set: "pass a frozenset instead",
           np.ndarray: "pass the array as a non-static (traced) argument, or a tuple of its "
                       "values if they must be static"}.get(type(value), "give its type "
                                                             "__hash__ and __eq__")
    return (f"jit: static argument {i} of type {type(value).__name__} is not hashable; static "
            f"arguments key the cache, so they must be hashable: {fix}")


def _note_user_line(err: Exception) -> None:
    """Point a tracing error at the line of user code that caused it."""
    import os
    import traceback
    package = os.path.dirname(os.path.abspath(__file__))
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if not os.path.abspath(f.filename).startswith(package)]
    if frames:
        f = frames[-1]
        err.add_note(f"while tracing for jit, at {f.filename}:{f.lineno}: {f.line}")


# ---------------------------------------------------------------------------------------------
# Cache management and the log_compiles / explain_cache_misses flags

_logger = logging.getLogger("numbax")
# Every jit object, so clear_caches reaches caches the user still holds.
_live_jits: weakref.WeakSet = weakref.WeakSet()


def clear_caches() -> None:
    """Forget every traced and compiled program, as jax.clear_caches() does: the caches of
    all jit functions, the backends' executables, derived (jvp, vmap...) jit bodies and the
    in-memory kernel cache. The next call of each jit function traces and compiles again
    (kernels then load from the disk cache).

    >>> import numpy as np, numbax as nb
    >>> f = nb.jit(lambda x: x + 1.0)
    >>> _ = f(np.ones(2))
    >>> nb.clear_caches()
    >>> f.cache_info()["size"]
    0
    """
    from .backends import clear_caches as clear_backend_caches
    from .interpreters import call_rules
    for f in list(_live_jits):
        f._cache.clear()
        f._fast.clear()
    clear_backend_caches()
    call_rules.clear_memo()


def _param_names(fun, n: int) -> list[str]:
    try:
        params = [p for p in inspect.signature(fun).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return [params[i].name if i < len(params) else f"argument {i}" for i in range(n)]


def _arg_entries(fun, static, avals, in_tree) -> dict[str, str]:
    """Each argument leaf (or static argument) by name, e.g. "x['w']", with its aval or value."""
    dyn_args, kwargs = tree_unflatten(in_tree, avals)
    statics = dict(static)
    n = len(statics) + len(dyn_args)
    names = _param_names(fun, n)
    entries: dict[str, str] = {}

    def add(name: str, arg) -> None:
        leaves, treedef = tree_flatten(arg)
        for path, aval in zip(tree_leaf_paths(treedef), leaves):
            entries[name + path] = aval.str_short()

    dyn = iter(dyn_args)
    for i in range(n):
        if i in statics:
            entries[names[i]] = f"static {statics[i]!r}"
        else:
            add(names[i], next(dyn))
    for k in sorted(kwargs):
        add(k, kwargs[k])
    return entries


def _signature(fun, static, avals, in_tree) -> str:
    """`f(x: f32[3,4], n: static 3)`: the argument signature log_compiles reports."""
    entries = _arg_entries(fun, static, avals, in_tree)
    return f"{fun_name(fun)}({', '.join(f'{k}: {v}' for k, v in entries.items())})"


def _key_entries(f: jit, key) -> dict[str, str]:
    in_tree, shapes, static, _ = key
    from .core.avals import ShapedArray
    return _arg_entries(f.fun, static, [ShapedArray(s, d) for s, d in shapes], in_tree)


def _differences(f: jit, old, new) -> list[str]:
    diffs = []
    if old[0] != new[0]:
        diffs.append(f"the arguments' tree structure changed from {old[0]} to {new[0]}")
    before, now = _key_entries(f, old), _key_entries(f, new)
    for name in now:
        if name not in before:
            diffs.append(f"{name} is new ({now[name]})")
        elif before[name] != now[name]:
            diffs.append(f"{name} was {before[name]} and is now {now[name]}")
    diffs += [f"{name} ({before[name]}) is gone" for name in before if name not in now]
    old_config, new_config = dict(old[3]), dict(new[3])
    diffs += [f"numbax.config {k} was {old_config.get(k)} and is now {v}"
              for k, v in new_config.items() if old_config.get(k) != v]
    return diffs


def _explain_miss(f: jit, key) -> None:
    """Log why f traces again: what differs from the closest signature it has seen."""
    from .core.source_info import format_site, user_site
    where = format_site(user_site())
    name = fun_name(f.fun)
    if not f._cache:
        _logger.warning("TRACING CACHE MISS: jit(%s) traces for the first time, at %s, for %s",
                        name, where, ", ".join(f"{k}: {v}" for k, v in
                                               _key_entries(f, key).items()))
        return
    # A copy: another thread may add a signature meanwhile.
    closest = min((_differences(f, old, key) for old in list(f._cache)), key=len)
    _logger.warning("TRACING CACHE MISS: jit(%s) traces again, at %s; compared with the closest "
                    "of its %d earlier signature%s: %s", name, where, len(f._cache),
                    "s" * (len(f._cache) != 1), "; ".join(closest) or "no difference found")
