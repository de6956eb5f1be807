"""numbax.pmap: run a function on shards of the batch, one per device, with collectives.

pmap traces the per-shard function once per signature under the axis name (so collectives
are staged), cuts the Jaxpr at its collectives (staging.py) and hands it to the active engine
(devices.py), which runs the stages on the shards and the collectives between them.
"""
from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from ..api import broadcast_prefix, fun_name, leaf_avals, leaf_location, named_arguments, vmap
from ..config import config
from ..core.avals import ShapedArray
from ..core.axis_env import extend_axis_env
from ..core.sync import Counter, Once
from ..core.trace import Tracer, trace_stack
from ..interpreters.partial_eval import trace_to_subjaxpr
from ..tree_util import tree_flatten, tree_unflatten
from .devices import active_engine
from .resident import Resident
from .staging import StagedProgram, stage_program


def pmap(fun: Callable, axis_name: str | None = None, *, in_axes=0, out_axes=0,
         static_broadcasted_argnums=(), devices=None, backend: str | None = None,
         axis_size: int | None = None, donate_argnums=(), resident: bool = False) -> Callable:
    """Map fun over the leading (or in_axes) axis of its arguments, one shard per device,
    with JAX's semantics: inside fun, collectives over axis_name (lax.psum, pmean, pmax,
    pmin, all_gather, psum_scatter, ppermute, axis_index) combine the shards.

    in_axes / out_axes are ints, None or pytree prefixes of the positional arguments /
    outputs (keyword arguments are mapped over axis 0); an output with out_axes=None must be
    the same on every device (a psum's result, say). static_broadcasted_argnums name
    positional arguments passed to every shard as Python values: they must be hashable and
    key the trace cache. The devices are the active engine's (see numbax.devices(); locally
    NUMBAX_NUM_DEVICES of them, or as many as the batch has when it is unset); backend is the
    jit backend the per-shard program compiles with ("numba", the default, or
    "interpreter"). donate_argnums is accepted and ignored: host buffers are not donated.

    resident=True (numbax's, not JAX's) keeps the outputs on a Dask cluster's workers: each
    is a numbax.distributed.Resident whose row k stays with device k, so the next call can
    take it without moving it (a training loop's parameters). Every out_axes must be 0. On
    the local engine, where the outputs are already in this process, it returns arrays.

    Distribution happens where pmap is called on concrete arrays. Called with tracers (inside
    jit, grad, vmap or another pmap), pmap(f) is vmap(f, axis_name=axis_name), which has the
    same semantics: jit(pmap(f)) compiles one batched program and grad(pmap(f)),
    vmap(pmap(f)) and pmap(vmap(f)) go through vmap's rules, while pmap(grad(f)),
    pmap(jit(f)) and pmap(value_and_grad(f)) run their collectives across devices.

    >>> import numpy as np, numbax as nb, numbax.lax as lax
    >>> nb.pmap(lambda x: x / lax.psum(x, "i"), axis_name="i")(np.array([1.0, 3.0]))
    array([0.25, 0.75])
    """
    if axis_name is not None and not isinstance(axis_name, str):
        raise TypeError(f"pmap: axis_name must be a str or None, got {axis_name!r}")
    if backend is not None:
        from ..backends import BACKENDS
        if backend not in BACKENDS:
            raise ValueError(f"pmap: unknown backend {backend!r}; expected one of {BACKENDS}")
    if axis_size is not None and (not isinstance(axis_size, int) or axis_size < 1):
        raise ValueError(f"pmap: axis_size must be a positive int, got {axis_size!r}")
    impl = _Pmapped(fun, axis_name, in_axes, out_axes,
                    _int_tuple(static_broadcasted_argnums, "static_broadcasted_argnums"),
                    devices, backend or "numba", axis_size, resident)
    _int_tuple(donate_argnums, "donate_argnums")

    # A function, not the _Pmapped object: functools.wraps copies fun's __dict__ onto its
    # wrapper, which must not overwrite _Pmapped's state when fun is itself a wrapper object.
    @functools.wraps(fun)
    def pmapped(*args, **kwargs):
        return impl(*args, **kwargs)

    pmapped.cache_info = impl.cache_info
    return pmapped


def _int_tuple(value, what: str) -> tuple[int, ...]:
    nums = (value,) if isinstance(value, int | np.integer) else value
    if not isinstance(nums, tuple | list | range) or not all(
            isinstance(i, int | np.integer) and not isinstance(i, bool) for i in nums):
        raise TypeError(f"pmap: {what} must be an int or a tuple of ints, got {value!r}")
    return tuple(int(i) for i in nums)


class _Pmapped:
    """pmap's state: its arguments and the staged programs, one per call signature."""

    def __init__(self, fun, axis_name, in_axes, out_axes, static, devices, backend, axis_size,
                 resident):
        self.fun, self.axis_name, self.in_axes, self.out_axes = fun, axis_name, in_axes, out_axes
        self.static, self.devices, self.backend, self.axis_size = static, devices, backend, axis_size
        self.resident = resident
        self._cache: dict = {}
        self._once = Once()
        self._hits, self._misses = Counter(), Counter()

    def cache_info(self) -> dict:
        """Calls served by a staged program traced before (hits), traces (misses), size."""
        return {"hits": self._hits.value, "misses": self._misses.value, "size": len(self._cache)}

    def __call__(self, *args, **kwargs):
        name = fun_name(self.fun)
        static, dyn_args, dyn_axes = self._split(args)
        leaves, in_tree = tree_flatten((dyn_args, kwargs))
        if len(trace_stack) > 1 or any(isinstance(x, Tracer) for x in leaves):
            return self._as_vmap(static, dyn_args, dyn_axes, kwargs)
        axes = (broadcast_prefix(dyn_axes, dyn_args, "in_axes", "pmap")
                + [0] * len(tree_flatten(kwargs)[0]))
        named = named_arguments(dyn_args, [i for i in range(len(args)) if i not in static],
                                hint="mark it static with static_broadcasted_argnums")
        named += [(f"keyword argument {k!r}", kwargs[k], "pass it by position and mark it "
                   "static with static_broadcasted_argnums") for k in sorted(kwargs)]
        # A Resident's rows already live on the devices: it is checked by a stand-in of its
        # shape and dtype (a broadcast view, no memory) and each shard gets its own row.
        avals = leaf_avals("pmap", [np.broadcast_to(np.zeros((), x.dtype), x.shape)
                                    if isinstance(x, Resident) else x for x in leaves], named)
        n = self._size(avals, axes, named)
        for i, x in enumerate(leaves):
            if isinstance(x, Resident) and axes[i] != 0:
                raise ValueError(f"pmap: {leaf_location(named, i)[0]} is a Resident array, "
                                 f"whose rows live one per device: its in_axes must be 0, "
                                 f"got {axes[i]}")
        engine = active_engine()
        self._check_devices(n, engine)
        shard_avals = [a if ax is None else ShapedArray(a.shape[:ax] + a.shape[ax + 1:], a.dtype)
                       for a, ax in zip(avals, axes)]
        program, out_tree, out_axes = self._program(static, in_tree, shard_avals, n, name)
        columns = [x.futures if isinstance(x, Resident) else
                   [np.asarray(x)] * n if ax is None else
                   [np.asarray(np.take(x, k, axis=ax)) for k in range(n)]
                   for x, ax in zip(leaves, axes)]
        shards = [list(row) for row in zip(*columns)] if columns else [[] for _ in range(n)]
        if self.resident and hasattr(engine, "run_resident"):
            if any(oa != 0 for oa in out_axes):
                raise ValueError(f"pmap(resident=True) keeps each output's rows on their "
                                 f"devices, so every out_axes must be 0, got {out_axes}")
            return tree_unflatten(out_tree, engine.run_resident(program, shards))
        return _gather(engine.run(program, shards), out_tree, out_axes)

    def _split(self, args):
        """Static arguments {position: value}, the others, and their in_axes spec."""
        nargs, static = len(args), {}
        for i in self.static:
            if not -nargs <= i < nargs:
                raise ValueError(f"pmap: static_broadcasted_argnums {i} is out of range: "
                                 f"{fun_name(self.fun)} was called with {nargs} positional "
                                 f"argument{'s' * (nargs != 1)}")
            try:
                hash(args[i])
            except TypeError:
                raise ValueError(
                    f"Non-hashable static arguments are not supported, as this can lead to "
                    f"unexpected cache-misses. Static argument (index {i % nargs}) of type "
                    f"{type(args[i])} for function {fun_name(self.fun)} is non-hashable."
                ) from None
            static[i % nargs] = args[i]
        dyn_args = tuple(a for i, a in enumerate(args) if i not in static)
        spec = tuple(self.in_axes) if isinstance(self.in_axes, list) else self.in_axes
        if isinstance(spec, tuple):
            if len(spec) != nargs:
                raise ValueError(f"pmap in_axes must be an int, None, or a tuple of entries "
                                 f"corresponding to the positional arguments passed to the "
                                 f"function, but got len(in_axes)={len(spec)}, "
                                 f"len(args)={nargs}")
            spec = tuple(a for i, a in enumerate(spec) if i not in static)
        return static, dyn_args, spec

    def _size(self, avals, axes, named) -> int:
        """The mapped axis size; checks every mapped leaf has it."""
        sizes = {}
        for i, (aval, ax) in enumerate(zip(avals, axes)):
            if ax is None:
                continue
            if not isinstance(ax, int) or not -aval.ndim <= ax < max(aval.ndim, 1):
                raise ValueError(f"pmap: in_axes {ax!r} is out of range for "
                                 f"{leaf_location(named, i)[0]} of shape {aval.shape}")
            if aval.ndim == 0:
                raise ValueError(f"pmap: {leaf_location(named, i)[0]} is a scalar, which has "
                                 "no axis to map; use in_axes=None for it")
            axes[i] = ax % aval.ndim
            sizes[i] = aval.shape[axes[i]]
        if len(set(sizes.values())) > 1:
            lines = "\n".join(f"  * one axis had size {s}: axis {axes[i]} of "
                              f"{leaf_location(named, i)[0]} of type {avals[i].str_short()};"
                              for i, s in sizes.items())
            raise ValueError(f"pmap got inconsistent sizes for array axes to be mapped:\n{lines}")
        if not sizes:
            if self.axis_size is None:
                raise ValueError("pmap requires at least one argument with a mapped axis.")
            return self.axis_size
        n = next(iter(sizes.values()))
        if n == 0:
            i = next(iter(sizes))
            raise ValueError(f"pmap: the mapped axis {axes[i]} of {leaf_location(named, i)[0]} "
                             f"has size 0; pmap needs at least one device's shard")
        if self.axis_size is not None and self.axis_size != n:
            raise ValueError(f"pmap: axis_size={self.axis_size} but the mapped axes have size {n}")
        return n

    def _check_devices(self, n: int, engine) -> None:
        if self.devices is not None and len(self.devices) != n:
            raise ValueError(f"Leading axis size of input to pmapped function must equal the "
                             f"number of local devices passed to pmap. Got axis_size={n}, "
                             f"num_local_devices={len(self.devices)}.")
        capacity = engine.capacity()
        if capacity is not None and n > capacity:
            raise ValueError(f"compiling computation that requires {n} logical devices, but "
                             f"only {capacity} devices are available (num_replicas={n}); the "
                             "local engine has NUMBAX_NUM_DEVICES of them (as many as the batch "
                             "needs when it is unset), a Dask engine one per worker")

    def _program(self, static, in_tree, shard_avals, n, name
                 ) -> tuple[StagedProgram, object, list]:
        key = (in_tree, tuple(static.items()), tuple((a.shape, a.dtype) for a in shard_avals), n,
               config.state())
        entry, made = self._once.get(self._cache, key,
                                     lambda: self._trace(static, in_tree, shard_avals, n, name))
        (self._misses if made else self._hits).increment()
        return entry

    def _trace(self, static, in_tree, shard_avals, n, name):
        box: list = []

        def per_shard(*leaves):
            dyn_args, kwargs = tree_unflatten(in_tree, leaves)
            out_leaves, out_tree = tree_flatten(self.fun(*_merge(static, dyn_args), **kwargs))
            box.append(out_tree)
            return out_leaves

        if self.axis_name is None:
            jaxpr, consts = trace_to_subjaxpr(per_shard, shard_avals, f"pmap({name})")
        else:
            with extend_axis_env(self.axis_name, n):
                jaxpr, consts = trace_to_subjaxpr(per_shard, shard_avals, f"pmap({name})")
        out_axes = broadcast_prefix(self.out_axes, tree_unflatten(box[0], jaxpr.out_avals),
                                    "out_axes", "pmap")
        for j, (oa, aval) in enumerate(zip(out_axes, jaxpr.out_avals)):
            if oa is not None:
                if not isinstance(oa, int) or not -aval.ndim - 1 <= oa <= aval.ndim:
                    raise ValueError(f"pmap: out_axes {oa!r} is out of range for output leaf "
                                     f"{j} of rank {aval.ndim + 1}")
                out_axes[j] = oa % (aval.ndim + 1)
        program = stage_program(jaxpr, consts, self.axis_name, n, self.backend)
        return program, box[0], out_axes

    def _as_vmap(self, static, dyn_args, dyn_axes, kwargs):
        """Under a transformation pmap is the named vmap (see pmap's docstring)."""
        def dyn_fun(dyn, kw):
            return self.fun(*_merge(static, dyn), **kw)

        dyn_fun.__name__ = fun_name(self.fun)
        # Keyword arguments are mapped over axis 0, as pmap maps them.
        return vmap(dyn_fun, in_axes=(dyn_axes, 0), out_axes=self.out_axes,
                    axis_name=self.axis_name, axis_size=self.axis_size)(dyn_args, kwargs)


def _gather(outs: list[list], out_tree, out_axes: list):
    """Every shard's outputs stacked along out_axes (None: the one value all shards have)."""
    results = []
    for j, oa in enumerate(out_axes):
        values = [np.asarray(o[j]) for o in outs]
        if oa is None:
            differs = next((k for k, v in enumerate(values) if not np.array_equal(
                v, values[0], equal_nan=v.dtype.kind in "fc")), None)
            if differs is not None:
                raise ValueError(
                    f"pmap: output leaf {j} has out_axes=None but differs between device 0 "
                    f"and device {differs}; out_axes=None needs a value that is the same on "
                    "every device (a psum's or pmean's result, say)")
            results.append(values[0])
        else:
            results.append(np.stack(values, axis=oa))
    return tree_unflatten(out_tree, results)


def _merge(static: dict, dyn) -> list:
    """The full positional arguments from the static ones (by position) and the others."""
    dyn = list(dyn)
    rest = iter(dyn)
    return [static[i] if i in static else next(rest) for i in range(len(static) + len(dyn))]
