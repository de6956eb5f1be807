"""The mlp suite: a small network's forward pass and gradient.

``loss(params, x, t) = mean((tanh(tanh(x W1 + b1) W2 + b2) W3 + b3 - t)**2)``, batch 256,
width 512 (three 512x512 layers), float32 and float64: the forward pass and
``jit(value_and_grad(loss))`` on the numba and interpreter backends, eager numbax (no jit),
NumPy (forward, and a hand-written backward pass), and JAX when present; also each method's
value_and_grad time relative to its forward pass.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .harness import Env, run_block, summary

MLP_METHODS = ("numbax", "interp", "eager", "numpy", "jax")


def _mlp_loss(ns: Any) -> Callable:
    def loss(params, x, t):
        (w1, b1), (w2, b2), (w3, b3) = params
        h1 = ns.tanh(ns.matmul(x, w1) + b1)
        h2 = ns.tanh(ns.matmul(h1, w2) + b2)
        d = ns.matmul(h2, w3) + b3 - t
        return ns.mean(d * d)
    return loss


def _numpy_value_and_grad(params, x, t):
    """Hand-written backward pass of the MLP loss in NumPy."""
    (w1, b1), (w2, b2), (w3, b3) = params
    h1 = np.tanh(x @ w1 + b1)
    h2 = np.tanh(h1 @ w2 + b2)
    d = h2 @ w3 + b3 - t
    loss = np.mean(d * d)
    g = d * d.dtype.type(2.0 / d.size)
    gw3, gb3 = h2.T @ g, g.sum(0)
    g = (g @ w3.T) * (1 - h2 * h2)
    gw2, gb2 = h1.T @ g, g.sum(0)
    g = (g @ w2.T) * (1 - h1 * h1)
    gw1, gb1 = x.T @ g, g.sum(0)
    return loss, ((gw1, gb1), (gw2, gb2), (gw3, gb3))


def _flat_value_and_grad(out: Any) -> np.ndarray:
    from numbax.tree_util import tree_leaves
    value, grads = out
    leaves = [np.asarray(value).reshape(1)] + [np.ravel(np.asarray(g)) for g in tree_leaves(grads)]
    return np.concatenate(leaves)


def _mlp_one(env: Env, dtype: np.dtype, repeats: int, progress: Callable[[str], None],
             batch: int, width: int) -> dict:
    import numbax
    import numbax.numpy as xnp

    rng = np.random.default_rng(1)
    scale = 1.0 / math.sqrt(width)
    params = tuple((rng.normal(0, scale, (width, width)).astype(dtype),
                    rng.normal(0, 0.1, width).astype(dtype)) for _ in range(3))
    x = rng.normal(0, 1, (batch, width)).astype(dtype)
    t = rng.normal(0, 1, (batch, width)).astype(dtype)
    loss = _mlp_loss(xnp)
    ref_vg = _flat_value_and_grad(_numpy_value_and_grad(params, x, t)).astype(np.float64)
    rtol = 1e-3 if dtype == np.float32 else 1e-9

    def call(f: Callable) -> Callable[[], Any]:
        return lambda: f(params, x, t)

    fwd: dict[str, Callable[[], Callable[[], Any]]] = {
        "numbax": lambda: call(numbax.jit(loss)),
        "interp": lambda: call(numbax.jit(loss, backend="interpreter")),
        "eager": lambda: call(loss),
        "numpy": lambda: call(_mlp_loss(np)),
    }
    vg: dict[str, Callable[[], Callable[[], Any]]] = {
        "numbax": lambda: call(numbax.jit(numbax.value_and_grad(loss))),
        "interp": lambda: call(numbax.jit(numbax.value_and_grad(loss), backend="interpreter")),
        "eager": lambda: call(numbax.value_and_grad(loss)),
        "numpy": lambda: call(_numpy_value_and_grad),
    }
    if env.jax is not None:
        jax, jnp = env.jax
        jparams = jax.device_put(params)
        jx, jt = jax.device_put(x), jax.device_put(t)
        jloss = _mlp_loss(jnp)
        jf, jvg = jax.jit(jloss), jax.jit(jax.value_and_grad(jloss))
        fwd["jax"] = lambda: (lambda: jf(jparams, jx, jt).block_until_ready())
        vg["jax"] = lambda: (lambda: jax.block_until_ready(jvg(jparams, jx, jt)))
    env.watch.start()
    f_t = run_block(fwd, repeats, ref_vg[:1].reshape(()), dtype, rtol)
    progress(f"MLP {dtype.name} forward: " + summary(f_t))
    g_t = run_block(vg, repeats, ref_vg, dtype, rtol, post=_flat_value_and_grad)
    progress(f"MLP {dtype.name} value_and_grad: " + summary(g_t))
    ratio = {k: (g_t[k].median_s / f_t[k].median_s if g_t[k].median_s and f_t[k].median_s else None)
             for k in g_t}
    return {"dtype": dtype.name, "batch": batch, "width": width,
            "foreign_cores": env.watch.foreign_cores(),
            "forward": {k: v.as_json() for k, v in f_t.items()},
            "value_and_grad": {k: v.as_json() for k, v in g_t.items()},
            "vg_over_forward": ratio}


def bench_mlp(env: Env, dtypes: Sequence[np.dtype], repeats: int,
              progress: Callable[[str], None], batch: int = 256, width: int = 512) -> list:
    """Run the suite: one row (forward and value_and_grad timings) per dtype."""
    return [_mlp_one(env, dtype, repeats, progress, batch, width) for dtype in dtypes]
