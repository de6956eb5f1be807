"""A tour of numbax autodiff: grad, value_and_grad, jvp, vjp, Hessian-vector products,
custom_vjp and checkpoint, each printed next to the value it should have.

Run: python examples/autodiff_tour.py
"""
import numpy as np

import numbax as nb
import numbax.numpy as xnp


def f(x):
    return xnp.sum(xnp.sin(x) * x ** 2)


def main() -> None:
    x = np.array([0.5, 1.0, 2.0])
    print("grad f              ", nb.grad(f)(x))
    print("  by hand           ", np.cos(x) * x**2 + 2 * x * np.sin(x))
    value, g = nb.value_and_grad(f)(x)
    print("value_and_grad      ", value, g)

    v = np.array([1.0, 0.0, 0.0])
    print("jvp along e0        ", nb.jvp(f, (x,), (v,)))
    out, f_vjp = nb.vjp(lambda x: xnp.sin(x) * 2.0, x)
    print("vjp of 2 sin x      ", f_vjp(np.ones(3)), "=", 2 * np.cos(x))

    hvp = nb.jvp(nb.grad(f), (x,), (v,))[1]
    print("Hessian-vector prod ", hvp, "= hessian @ v:", nb.hessian(f)(x) @ v)

    print("perturbation check  ", nb.grad(lambda x: x * nb.grad(lambda y: x * y)(2.0))(3.0),
          "(should be 6.0)")

    @nb.custom_vjp
    def clip_gradient(x):
        return x

    clip_gradient.defvjp(lambda x: (x, None), lambda _, g: (xnp.clip(g, -1.0, 1.0),))
    print("custom_vjp clip     ", nb.grad(lambda x: xnp.sum(clip_gradient(x) * 10.0))(x))

    def block(x):
        return xnp.tanh(xnp.sin(x) * 3.0)

    plain = nb.grad(lambda x: xnp.sum(block(block(x))))(x)
    remat = nb.grad(lambda x: xnp.sum(nb.checkpoint(block)(nb.checkpoint(block)(x))))(x)
    print("checkpoint grad     ", remat, "same as without:", np.allclose(plain, remat))
    print("logsumexp grad at +-1000:",
          nb.grad(lambda z: nb.nn.logsumexp(z))(np.array([1000.0, -1000.0])))


if __name__ == "__main__":
    main()
