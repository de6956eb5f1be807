"""A variational autoencoder on the 8x8 handwritten digits.

Encoder MLP (64 -> 128 -> 2 x 8: mean and log-variance of q(z | x)), a reparameterised sample
z = mean + exp(logvar / 2) * eps with eps from numbax.random.normal, decoder MLP (8 -> 128 ->
64 Bernoulli logits), trained to maximise the evidence lower bound
    ELBO = E_q[log p(x | z)] - KL(q(z | x) || N(0, I))
with one jit-compiled step (value_and_grad plus Adam written by hand). Pixels are scaled to
[0, 1] and used as Bernoulli means. The data are scikit-learn's copy of the UCI handwritten
digits, an optional dependency: pip install "numbax[examples]".

Run: python examples/vae.py [--epochs N]
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import numbax as nb
import numbax.numpy as xnp
from numbax import nn, random

LATENT, HIDDEN, PIXELS = 8, 128, 64


def load_digits(key) -> tuple[np.ndarray, np.ndarray]:
    """The digits as float32 vectors in [0, 1], shuffled and split 80/20 into train and test."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        sys.exit("examples/vae.py needs scikit-learn for its dataset: "
                 "pip install 'numbax[examples]'")
    pixels = (sklearn_digits().data / 16.0).astype(np.float32)
    pixels = pixels[np.asarray(random.permutation(key, len(pixels)))]
    split = int(0.8 * len(pixels))
    return pixels[:split], pixels[split:]


def dense_init(key, n_in: int, n_out: int):
    return (nn.initializers.glorot_normal()(key, (n_in, n_out), np.float32),
            np.zeros(n_out, np.float32))


def init_params(key) -> dict:
    k1, k2, k3, k4 = random.split(key, 4)
    return {"enc_hidden": dense_init(k1, PIXELS, HIDDEN),
            "enc_out": dense_init(k2, HIDDEN, 2 * LATENT),
            "dec_hidden": dense_init(k3, LATENT, HIDDEN),
            "dec_out": dense_init(k4, HIDDEN, PIXELS)}


def dense(layer, x):
    weights, bias = layer
    return x @ weights + bias


def encode(params, x):
    """Mean and log-variance of the Gaussian q(z | x)."""
    out = dense(params["enc_out"], nn.gelu(dense(params["enc_hidden"], x)))
    return out[:, :LATENT], out[:, LATENT:]


def decode(params, z):
    """Bernoulli logits of the pixels given z."""
    return dense(params["dec_out"], nn.gelu(dense(params["dec_hidden"], z)))


def elbo(params, x, key):
    """The mean over the batch of a one-sample estimate of each image's ELBO (in nats)."""
    mean, logvar = encode(params, x)
    eps = random.normal(key, mean.shape, np.float32)
    z = mean + xnp.exp(0.5 * logvar) * eps
    logits = decode(params, z)
    # log p(x | z) for Bernoulli means x: x log sigmoid(l) + (1 - x) log sigmoid(-l).
    log_likelihood = xnp.sum(x * nn.log_sigmoid(logits) + (1 - x) * nn.log_sigmoid(-logits),
                             axis=-1)
    kl = 0.5 * xnp.sum(xnp.exp(logvar) + mean * mean - 1.0 - logvar, axis=-1)
    return xnp.mean(log_likelihood - kl)


def adam_init(params):
    zeros = nb.tree_util.tree_map(xnp.zeros_like, params)
    return zeros, zeros, np.float32(0)


def adam_update(params, grads, state, lr=2e-3, b1=0.9, b2=0.999, eps=1e-8):
    """One Adam step on pytrees (ascent: the ELBO is maximised)."""
    m, v, t = state
    t = t + 1
    m = nb.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
    v = nb.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
    step = lr * xnp.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    params = nb.tree_util.tree_map(lambda p, m, v: p + step * m / (xnp.sqrt(v) + eps),
                                   params, m, v)
    return params, (m, v, t)


@nb.jit
def train_step(params, state, x, key):
    value, grads = nb.value_and_grad(elbo)(params, x, key)
    params, state = adam_update(params, grads, state)
    return params, state, value


def train(epochs: int = 20, batch_size: int = 64, seed: int = 0) -> dict:
    """Train and return the history: train and test ELBO and seconds, per epoch."""
    data_key, init_key, key = random.split(random.key(seed), 3)
    train_x, test_x = load_digits(data_key)
    params = init_params(init_key)
    state = adam_init(params)
    test_elbo = nb.jit(elbo)
    history = {"elbo": [], "test_elbo": [], "seconds": []}
    for epoch in range(epochs):
        key, shuffle_key, test_key = random.split(key, 3)
        order = np.asarray(random.permutation(shuffle_key, len(train_x)))
        start, values = time.perf_counter(), []
        # Whole batches only, so that every step reuses one compiled executable.
        for i in range(0, len(order) - batch_size + 1, batch_size):
            key, sample_key = random.split(key)
            params, state, value = train_step(params, state, train_x[order[i:i + batch_size]],
                                              sample_key)
            values.append(float(value))
        history["seconds"].append(time.perf_counter() - start)
        history["elbo"].append(float(np.mean(values)))
        history["test_elbo"].append(float(test_elbo(params, test_x, test_key)))
        print(f"epoch {epoch + 1:2d}: ELBO {history['elbo'][-1]:8.3f} (test "
              f"{history['test_elbo'][-1]:8.3f}) nats per image, "
              f"{history['seconds'][-1]:.2f} s")
    return history


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args(argv)
    history = train(args.epochs)
    # The first epoch includes compilation; the rest are the steady state.
    steady = history["seconds"][1:] or history["seconds"]
    print(f"time per epoch (after the first): {np.median(steady):.3f} s")
    return history


if __name__ == "__main__":
    main()
