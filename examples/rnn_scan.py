"""A small recurrent network written with lax.scan, trained with jit(value_and_grad).

The task: read a noisy sine wave one step at a time and predict the next value. The RNN's
loop is a scan, so the whole training step (forward through time, backward through time, and
the parameter update) is one compiled program.

Run: python examples/rnn_scan.py
"""
import numpy as np

import numbax as nb
import numbax.numpy as xnp

HIDDEN, STEPS, LEARNING_RATE = 16, 40, 0.05


def rnn_loss(params, xs, targets):
    w_in, w_h, b, w_out = params

    def step(h, x):
        h = xnp.tanh(x * w_in + h @ w_h + b)
        return h, h @ w_out

    _, predictions = nb.lax.scan(step, xnp.zeros(HIDDEN), xs)
    return xnp.mean((predictions - targets) ** 2)


@nb.jit
def train_step(params, xs, targets):
    loss, grads = nb.value_and_grad(rnn_loss)(params, xs, targets)
    return loss, [p - LEARNING_RATE * g for p, g in zip(params, grads)]


def main() -> None:
    rng = np.random.default_rng(0)
    t = np.linspace(0, 4 * np.pi, STEPS + 1)
    wave = np.sin(t) + 0.05 * rng.standard_normal(STEPS + 1)
    xs, targets = wave[:-1], wave[1:]
    params = [rng.standard_normal(HIDDEN) * 0.5,
              rng.standard_normal((HIDDEN, HIDDEN)) * 0.3 / np.sqrt(HIDDEN),
              np.zeros(HIDDEN),
              rng.standard_normal(HIDDEN) * 0.3]
    for i in range(301):
        loss, params = train_step(params, xs, targets)
        if i % 50 == 0:
            print(f"step {i:3d}  loss {float(loss):.5f}")


if __name__ == "__main__":
    main()
