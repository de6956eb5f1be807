"""vmap benchmark: per-example gradients of a logistic-regression loss,
B = 1000 examples of dimension 100, float64, on the interpreter (eager NumPy) backend.

Compares vmap(grad(loss)) with a Python loop of grad(loss) and a hand-written batched NumPy
gradient. Targets: vmap >= 20x faster than the loop, within 2x of hand-written NumPy.

Eager vmap re-traces every call; 'staged' traces once (make_jaxpr) and runs the Jaxpr on the
interpreter backend, which is what jit(backend='interpreter') will do.

Run: python -m benchmarks.vmap
"""
from __future__ import annotations

import numpy as np

import numbax as nb
import numbax.numpy as xnp
from benchmarks.autodiff import median_time
from numbax.backends.interpreter import run_closed_jaxpr


def loss(w, x, y):
    return nb.nn.softplus(-y * xnp.dot(x, w))


def numpy_per_example_grads(w, x, y):
    # d/dw softplus(-y x.w) = -y * sigmoid(-y x.w) * x
    z = -y * (x @ w)
    return (-y / (1.0 + np.exp(-z)))[:, None] * x


def main() -> None:
    rng = np.random.default_rng(0)
    b, d = 1000, 100
    x = rng.standard_normal((b, d))
    y = np.where(rng.standard_normal(b) > 0, 1.0, -1.0)
    w = rng.standard_normal(d) * 0.1
    per_example = nb.vmap(nb.grad(loss), in_axes=(None, 0, 0))
    g = nb.grad(loss)
    assert np.allclose(per_example(w, x, y), numpy_per_example_grads(w, x, y))
    t_vmap = median_time(lambda: per_example(w, x, y), 21)
    t_numpy = median_time(lambda: numpy_per_example_grads(w, x, y), 21)
    staged = nb.make_jaxpr(per_example)(w, x, y)
    t_staged = median_time(lambda: run_closed_jaxpr(staged, w, x, y), 21)
    compiled = nb.jit(per_example)
    assert np.allclose(compiled(w, x, y), numpy_per_example_grads(w, x, y))
    t_jit = median_time(lambda: compiled(w, x, y), 21)
    t_loop = median_time(lambda: [g(w, x[i], y[i]) for i in range(b)], 3)
    print(f"vmap(grad): {1e3 * t_vmap:8.3f} ms")
    print(f"loop(grad): {1e3 * t_loop:8.3f} ms   vmap is {t_loop / t_vmap:6.1f}x faster (target >= 20)")
    print(f"NumPy     : {1e3 * t_numpy:8.3f} ms   eager vmap / NumPy = {t_vmap / t_numpy:4.2f} "
          "(target <= 2)")
    print(f"staged    : {1e3 * t_staged:8.3f} ms   traced once, run on the interpreter backend: "
          f"{t_staged / t_numpy:4.2f}x NumPy")
    print(f"jit       : {1e3 * t_jit:8.3f} ms   jit(vmap(grad)) on the Numba backend: "
          f"{t_jit / t_numpy:4.2f}x NumPy")


if __name__ == "__main__":
    main()
