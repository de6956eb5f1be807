"""A small convolutional network trained on the 8x8 handwritten digits.

conv 3x3 (16) -> relu -> max-pool 2x2 -> conv 3x3 (32) -> relu -> dropout -> dense (10) ->
log_softmax, initialised with numbax.nn.initializers from numbax.random keys, trained with
jit(value_and_grad) and Adam written by hand. The data are scikit-learn's copy of the UCI
handwritten digits (1797 images), an optional dependency: pip install "numbax[examples]".

Run: python examples/cnn.py [--epochs N]
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import numbax as nb
import numbax.numpy as xnp
from numbax import lax, nn, random

DIMENSION_NUMBERS = ("NHWC", "HWIO", "NHWC")


def load_digits(key) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The digits as float32 NHWC images in [0, 1], split 80/20 into train and test."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        sys.exit("examples/cnn.py needs scikit-learn for its dataset: pip install 'numbax[examples]'")
    data = sklearn_digits()
    images = (data.images / 16.0).astype(np.float32)[..., None]
    order = np.asarray(random.permutation(key, len(images)))
    images, labels = images[order], data.target[order]
    split = int(0.8 * len(images))
    return images[:split], labels[:split], images[split:], labels[split:]


def init_params(key) -> dict:
    k1, k2, k3 = random.split(key, 3)
    he = nn.initializers.he_normal(in_axis=(0, 1, 2), out_axis=3)
    dense = nn.initializers.glorot_uniform()
    return {
        "conv1": (he(k1, (3, 3, 1, 16), np.float32), np.zeros(16, np.float32)),
        "conv2": (he(k2, (3, 3, 16, 32), np.float32), np.zeros(32, np.float32)),
        "dense": (dense(k3, (4 * 4 * 32, 10), np.float32), np.zeros(10, np.float32)),
    }


def conv_relu(x, layer):
    kernel, bias = layer
    y = lax.conv_general_dilated(x, kernel, (1, 1), "SAME", dimension_numbers=DIMENSION_NUMBERS)
    return nn.relu(y + bias)


def max_pool(x):
    return lax.reduce_window(x, -xnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")


def log_probs(params, images, key=None, rate: float = 0.25):
    """Class log-probabilities; with a key, dropout at `rate` before the dense layer."""
    x = max_pool(conv_relu(images, params["conv1"]))
    x = conv_relu(x, params["conv2"]).reshape(images.shape[0], -1)
    if key is not None:
        keep = random.bernoulli(key, 1.0 - rate, x.shape)
        x = xnp.where(keep, x / (1.0 - rate), 0.0)
    kernel, bias = params["dense"]
    return nn.log_softmax(x @ kernel + bias)


def loss(params, images, labels, key):
    return -xnp.mean(xnp.sum(log_probs(params, images, key) * nn.one_hot(labels, 10), axis=-1))


def adam(lr: float = 3e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
    """Adam as (init, update) on pytrees of parameters."""
    def init(params):
        zeros = nb.tree_util.tree_map(xnp.zeros_like, params)
        # A float32 step count keeps the bias corrections, and so the update, in float32.
        return zeros, zeros, xnp.zeros((), xnp.float32)

    def update(grads, state, params):
        m, v, t = state
        t += 1
        m = nb.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
        v = nb.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
        step = lr * xnp.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        params = nb.tree_util.tree_map(lambda p, m, v: p - step * m / (xnp.sqrt(v) + eps),
                                       params, m, v)
        return params, (m, v, t)

    return init, update


def accuracy(params, images, labels) -> float:
    predict = nb.jit(lambda p, x: xnp.argmax(log_probs(p, x), axis=-1))
    return float(np.mean(np.asarray(predict(params, images)) == labels))


def train(epochs: int = 12, batch_size: int = 64, seed: int = 0) -> dict:
    """Train and return the history: losses per epoch, seconds per epoch, test accuracy."""
    key = random.key(seed)
    data_key, init_key, key = random.split(key, 3)
    train_x, train_y, test_x, test_y = load_digits(data_key)
    params = init_params(init_key)
    opt_init, opt_update = adam()
    state = opt_init(params)

    @nb.jit
    def step(params, state, images, labels, key):
        # One compiled program per step: forward, backward, dropout mask and Adam update.
        value, grads = nb.value_and_grad(loss)(params, images, labels, key)
        params, state = opt_update(grads, state, params)
        return value, params, state

    history = {"loss": [], "seconds": []}
    for epoch in range(epochs):
        key, shuffle_key = random.split(key)
        order = np.asarray(random.permutation(shuffle_key, len(train_x)))
        start, losses = time.perf_counter(), []
        # Whole batches only, so that every step reuses one compiled executable.
        dropout_keys = random.split(key, len(order) // batch_size + 1)
        key = dropout_keys[-1]
        for i in range(0, len(order) - batch_size + 1, batch_size):
            batch = order[i:i + batch_size]
            value, params, state = step(params, state, train_x[batch], train_y[batch],
                                        dropout_keys[i // batch_size])
            losses.append(float(value))
        history["seconds"].append(time.perf_counter() - start)
        history["loss"].append(float(np.mean(losses)))
        print(f"epoch {epoch + 1:2d}: loss {history['loss'][-1]:.4f}, "
              f"{history['seconds'][-1]:.2f} s")
    history["test_accuracy"] = accuracy(params, test_x, test_y)
    return history


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    args = parser.parse_args(argv)
    history = train(args.epochs)
    print(f"test accuracy: {history['test_accuracy']:.4f}")
    # The first epoch includes compilation; the rest are the steady state.
    steady = history["seconds"][1:] or history["seconds"]
    print(f"time per epoch (after the first): {np.median(steady):.3f} s")
    return history


if __name__ == "__main__":
    main()
