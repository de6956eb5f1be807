"""The conv suite: a small convolutional network's forward pass and training step.

``conv 3x3 (1 -> 8 features, VALID) -> relu -> 2x2 max-pool -> dense -> log_softmax``
cross-entropy, batch 64, single-channel 28x28 and 8x8 images (NCHW): the conv-relu-pool
forward pass, and the training step ``jit(value_and_grad(loss))``, on the numba and
interpreter backends, against NumPy written by hand (im2col for the convolution and its
gradients, a reshape max-pool) and JAX's jit when JAX is installed (otherwise its column is
left out).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .harness import Env, run_block, summary

CONV_METHODS = ("numbax", "interp", "numpy", "jax")
FEATURES, CLASSES = 8, 10


def _model(ns: Any, lax: Any) -> tuple[Callable, Callable]:
    """(features(params, x), loss(params, x, labels_onehot)) written against a numpy-like
    namespace and a lax module (numbax's or JAX's)."""
    def features(params, x):
        (w, b), _ = params
        h = lax.conv(x, w, (1, 1), "VALID") + ns.reshape(b, (1, -1, 1, 1))
        h = ns.maximum(h, 0.0)
        return lax.reduce_window(h, -np.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")

    def loss(params, x, onehot):
        _, (wd, bd) = params
        f = features(params, x)
        z = ns.reshape(f, (f.shape[0], -1)) @ wd + bd
        z = z - ns.max(z, axis=1, keepdims=True)
        logp = z - ns.log(ns.sum(ns.exp(z), axis=1, keepdims=True))
        return -ns.mean(ns.sum(logp * onehot, axis=1))

    return features, loss


def _im2col(x: np.ndarray) -> np.ndarray:
    """(N, 1, H, W) -> (N * H' * W', 9) patches of 3x3 VALID windows."""
    n = x.shape[0]
    view = np.lib.stride_tricks.sliding_window_view(x[:, 0], (3, 3), axis=(1, 2))
    return view.reshape(n * view.shape[1] * view.shape[2], 9)


def _numpy_features(params, x, keep: bool = False):
    (w, b), _ = params
    n, side = x.shape[0], x.shape[2] - 2
    cols = _im2col(x)
    h = (cols @ w.reshape(FEATURES, 9).T + b).reshape(n, side, side, FEATURES)
    h = h.transpose(0, 3, 1, 2)
    r = np.maximum(h, 0)
    p = r.reshape(n, FEATURES, side // 2, 2, side // 2, 2).max(axis=(3, 5))
    return (p, cols, h, r) if keep else p


def _numpy_value_and_grad(params, x, onehot):
    """The loss and its gradient, backward pass written by hand."""
    (w, b), (wd, bd) = params
    n = x.shape[0]
    p, cols, h, r = _numpy_features(params, x, keep=True)
    flat = p.reshape(n, -1)
    z = flat @ wd + bd
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    sm = e / e.sum(axis=1, keepdims=True)
    loss = -np.mean(np.sum((z - np.log(e.sum(axis=1, keepdims=True))) * onehot, axis=1))
    dz = (sm - onehot) * z.dtype.type(1.0 / n)
    dwd, dbd = flat.T @ dz, dz.sum(0)
    dp = (dz @ wd.T).reshape(p.shape)
    side = h.shape[2]
    blocks = r.reshape(n, FEATURES, side // 2, 2, side // 2, 2)
    # Cotangent to each window's max; ties only among relu's zeros, whose slope is 0 anyway.
    mask = blocks == p[:, :, :, None, :, None]
    dr = (mask * dp[:, :, :, None, :, None]).reshape(h.shape)
    dh = dr * (h > 0)
    dh_rows = dh.transpose(0, 2, 3, 1).reshape(-1, FEATURES)
    dw = (dh_rows.T @ cols).reshape(w.shape)
    return loss, (((dw, dh_rows.sum(0)), (dwd, dbd)))


def _flat(out: Any) -> np.ndarray:
    from numbax.tree_util import tree_leaves
    value, grads = out
    leaves = [np.asarray(value).reshape(1)] + [np.ravel(np.asarray(g)) for g in tree_leaves(grads)]
    return np.concatenate(leaves)


def _data(dtype: np.dtype, side: int, batch: int):
    rng = np.random.default_rng(2)
    pooled = (side - 2) // 2
    params = ((rng.normal(0, 1 / 3, (FEATURES, 1, 3, 3)).astype(dtype),
               rng.normal(0, 0.1, FEATURES).astype(dtype)),
              (rng.normal(0, 0.05, (FEATURES * pooled * pooled, CLASSES)).astype(dtype),
               np.zeros(CLASSES, dtype)))
    x = rng.normal(0, 1, (batch, 1, side, side)).astype(dtype)
    onehot = np.eye(CLASSES, dtype=dtype)[rng.integers(0, CLASSES, batch)]
    return params, x, onehot


def _conv_one(env: Env, dtype: np.dtype, side: int, repeats: int,
              progress: Callable[[str], None], batch: int) -> dict:
    import numbax
    import numbax.numpy as xnp

    params, x, onehot = _data(dtype, side, batch)
    features, loss = _model(xnp, numbax.lax)
    rtol = 1e-3 if dtype == np.float32 else 1e-9
    ref_f = _numpy_features(params, x).astype(np.float64)
    ref_vg = _flat(_numpy_value_and_grad(params, x, onehot)).astype(np.float64)
    def call(make: Callable[[], Callable], *args) -> Callable[[], Callable[[], Any]]:
        def build() -> Callable[[], Any]:
            f = make()
            return lambda: f(*args)
        return build

    vg_loss = numbax.value_and_grad(loss)
    fwd = {"numbax": call(lambda: numbax.jit(features), params, x),
           "interp": call(lambda: numbax.jit(features, backend="interpreter"), params, x),
           "numpy": call(lambda: _numpy_features, params, x)}
    vg = {"numbax": call(lambda: numbax.jit(vg_loss), params, x, onehot),
          "interp": call(lambda: numbax.jit(vg_loss, backend="interpreter"), params, x, onehot),
          "numpy": call(lambda: _numpy_value_and_grad, params, x, onehot)}
    if env.jax is not None:
        jax, jnp = env.jax
        jfeatures, jloss = _model(jnp, jax.lax)
        jp, jx, jo = jax.device_put(params), jax.device_put(x), jax.device_put(onehot)
        jf, jvg = jax.jit(jfeatures), jax.jit(jax.value_and_grad(jloss))
        fwd["jax"] = lambda: (lambda: jf(jp, jx).block_until_ready())
        vg["jax"] = lambda: (lambda: jax.block_until_ready(jvg(jp, jx, jo)))
    env.watch.start()
    f_t = run_block(fwd, repeats, ref_f, dtype, rtol)
    progress(f"CNN {side}x{side} {dtype.name} forward: " + summary(f_t))
    g_t = run_block(vg, repeats, ref_vg, dtype, rtol, post=_flat)
    progress(f"CNN {side}x{side} {dtype.name} value_and_grad: " + summary(g_t))
    return {"dtype": dtype.name, "side": side, "batch": batch,
            "foreign_cores": env.watch.foreign_cores(),
            "forward": {k: v.as_json() for k, v in f_t.items()},
            "value_and_grad": {k: v.as_json() for k, v in g_t.items()}}


def bench_conv(env: Env, dtypes: Sequence[np.dtype], repeats: int,
               progress: Callable[[str], None], sides: Sequence[int] = (28, 8),
               batch: int = 64) -> list:
    """Run the suite: one row (forward and training-step timings) per image size and dtype."""
    return [_conv_one(env, dtype, side, repeats, progress, batch)
            for side in sides for dtype in dtypes]


def format_conv(rows: list, time_cell: Callable, fmt_ratio: Callable) -> list[str]:
    """The suite's table lines: medians (time_cell formats one method's timing dict, with
    its mismatch mark), and each method's time over numbax's."""
    if not rows:
        return []
    methods = [m for m in CONV_METHODS if m in rows[0]["forward"]]
    out = ["", f"== CNN (conv3x3 1->{FEATURES}, relu, maxpool 2x2, dense, log_softmax), batch "
               f"{rows[0]['batch']}; x numbax: time / numbax time",
           f"{'':<30}" + "".join(f"{m:>10}" for m in methods)]
    for row in rows:
        for part in ("forward", "value_and_grad"):
            cells = row[part]
            tag = f"{row['side']}x{row['side']} {row['dtype']} {part}"
            out.append(f"{tag:<30}" + "".join(f"{time_cell(cells[m]):>10}"
                                              for m in methods))
            base = cells["numbax"]["median_s"]
            out.append(f"{'  x numbax':<30}" + "".join(
                f"{fmt_ratio(cells[m]['median_s'] / base if base and cells[m]['median_s'] else None):>10}"  # noqa: E501
                for m in methods))
    return out
