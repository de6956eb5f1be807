"""Per-example gradients with vmap(grad): the gradient of a logistic-regression loss for each
example of a batch, and their norms, checked against a Python loop.

Run: python examples/per_example_gradients.py
"""
import numpy as np

import numbax as nb
import numbax.numpy as xnp


def loss(w, x, y):
    """Logistic loss of one example (x, y) with y in {-1, +1}."""
    return nb.nn.softplus(-y * xnp.dot(x, w))


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 5))
    y = np.where(rng.standard_normal(8) > 0, 1.0, -1.0)
    w = rng.standard_normal(5)

    per_example = nb.vmap(nb.grad(loss), in_axes=(None, 0, 0))(w, x, y)
    loop = np.stack([nb.grad(loss)(w, x[i], y[i]) for i in range(len(x))])
    print("per-example gradients, shape", per_example.shape)
    print("norms:", np.round(np.linalg.norm(per_example, axis=1), 4))
    print("matches a Python loop of grad:", np.allclose(per_example, loop))
    print("the batch gradient is their mean:",
          np.allclose(per_example.mean(0), nb.grad(lambda w: xnp.mean(
              nb.vmap(loss, in_axes=(None, 0, 0))(w, x, y)))(w)))


if __name__ == "__main__":
    main()
