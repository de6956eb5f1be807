"""Gaussian-process regression: fit the hyperparameters of an RBF kernel plus noise on
synthetic 1-D data by maximising the log marginal likelihood, with the gradient from
jit(value_and_grad) through cholesky and solve_triangular.

    log p(y) = -1/2 yᵀ K⁻¹ y - sum(log diag L) - n/2 log(2 pi),  K = L Lᵀ

Run: python examples/gaussian_process.py
"""
import numpy as np

import numbax as nb
import numbax.numpy as xnp
from numbax.scipy.linalg import solve_triangular


def log_marginal_likelihood(log_params, x, y):
    """log p(y | x) for log_params = log(signal variance, length scale, noise variance)."""
    variance, length, noise = xnp.exp(log_params)
    sq = (x[:, None] - x[None, :]) ** 2
    k = variance * xnp.exp(-0.5 * sq / length**2) + noise * xnp.eye(x.shape[0])
    chol = xnp.linalg.cholesky(k)
    alpha = solve_triangular(chol, y, lower=True)  # L⁻¹ y, so yᵀ K⁻¹ y = |alpha|²
    return (-0.5 * xnp.sum(alpha**2) - xnp.sum(xnp.log(xnp.diagonal(chol)))
            - 0.5 * x.shape[0] * np.log(2 * np.pi))


def fit(x, y, log_params, steps: int = 200, learning_rate: float = 0.05):
    """Gradient ascent with Adam on the log marginal likelihood."""
    value_and_grad = nb.jit(nb.value_and_grad(log_marginal_likelihood))
    m, v = np.zeros_like(log_params), np.zeros_like(log_params)
    for t in range(1, steps + 1):
        _, g = value_and_grad(log_params, x, y)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g**2
        log_params = log_params + learning_rate * (m / (1 - 0.9**t)) / (
            np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return log_params


def main(n: int = 40, steps: int = 200) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-3, 3, n))
    y = np.sin(2 * x) + 0.1 * rng.standard_normal(n)  # true noise variance 0.01
    start = np.log(np.array([0.5, 2.0, 0.5]))
    before = float(log_marginal_likelihood(start, x, y))
    learned = fit(x, y, start, steps)
    after = float(log_marginal_likelihood(learned, x, y))
    variance, length, noise = np.exp(learned)
    print(f"log marginal likelihood: before {before:.3f}, after {after:.3f}")
    print(f"learned: signal variance {variance:.3f}, length scale {length:.3f}, "
          f"noise variance {noise:.4f}")
    return before, after


if __name__ == "__main__":
    main()
