"""numbax in one page: trace a NumPy-style function to IR, differentiate it, compile the
training step with jit (fused Numba kernels), and check the gradients.

Run: python examples/demo.py
"""
import numpy as np

import numbax as nb
import numbax.numpy as xnp


def predict(params, x):
    w1, b1, w2, b2 = params
    hidden = xnp.tanh(x @ w1 + b1)
    return hidden @ w2 + b2


def loss(params, x, y):
    return xnp.mean((predict(params, x) - y) ** 2)


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3))
    y = np.sin(x.sum(axis=1, keepdims=True))
    params = [rng.standard_normal((3, 16)) * 0.5, np.zeros(16),
              rng.standard_normal((16, 1)) * 0.5, np.zeros(1)]

    print("The IR of the loss (make_jaxpr):")
    print(nb.make_jaxpr(loss)(params, x, y))

    value_and_grad = nb.jit(nb.value_and_grad(loss))
    lowered = value_and_grad.lower(params, x, y)
    print(f"jit(value_and_grad(loss)) runs {len(lowered.kernel_sources)} fused kernels")
    for step in range(201):
        value, grads = value_and_grad(params, x, y)
        params = [p - 0.1 * g for p, g in zip(params, grads)]
        if step % 50 == 0:
            print(f"step {step:3d}  loss {float(value):.5f}")

    nb.test_util.check_grads(lambda p: loss(p, x, y), (params,), order=2)
    print("gradients agree with finite differences up to second order")


if __name__ == "__main__":
    main()
