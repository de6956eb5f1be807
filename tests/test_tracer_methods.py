"""ndarray methods on traced arrays take NumPy's signatures and give NumPy's results."""
import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax import ConcretizationError

X = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 7 - 1.5

# (description, method call) pairs run on a NumPy array and on a tracer alike.
CALLS = [
    ("reshape ints", lambda a: a.reshape(4, 6)),
    ("reshape tuple", lambda a: a.reshape((6, -1))),
    ("reshape list", lambda a: a.reshape([24])),
    ("transpose none", lambda a: a.transpose()),
    ("transpose tuple", lambda a: a.transpose((2, 1, 0))),
    ("transpose ints", lambda a: a.transpose(1, 0, 2)),
    ("transpose negative", lambda a: a.transpose((-1, 0, 1))),
    ("T", lambda a: a.T),
    ("mT", lambda a: a.mT),
    ("sum", lambda a: a.sum()),
    ("sum axis tuple keepdims", lambda a: a.sum(axis=(0, 2), keepdims=True)),
    ("sum dtype", lambda a: a.sum(1, np.float32)),
    ("prod", lambda a: a.prod(axis=-1)),
    ("mean", lambda a: a.mean(axis=1)),
    ("var ddof", lambda a: a.var(axis=2, ddof=1)),
    ("std", lambda a: a.std(0, keepdims=True)),
    ("max", lambda a: a.max(axis=-1)),
    ("min keepdims", lambda a: a.min(0, keepdims=True)),
    ("any", lambda a: a.any(axis=1)),
    ("all", lambda a: (a > -2).all()),
    ("argmax", lambda a: a.argmax()),
    ("argmax axis keepdims", lambda a: a.argmax(axis=1, keepdims=True)),
    ("argmin", lambda a: a.argmin(axis=0)),
    ("cumsum", lambda a: a.cumsum()),
    ("cumsum axis", lambda a: a.cumsum(axis=1)),
    ("clip", lambda a: a.clip(-0.5, 0.5)),
    ("clip max only", lambda a: a.clip(max=0.25)),
    ("round", lambda a: (a * 2).round()),
    ("round decimals", lambda a: a.round(2)),
    ("astype", lambda a: a.astype(np.float32)),
    ("astype int", lambda a: (a * 3).astype("int32")),
    ("squeeze axis", lambda a: a[:1].squeeze(0)),
    ("squeeze", lambda a: a[:, :1].squeeze()),
    ("swapaxes", lambda a: a.swapaxes(0, 2)),
    ("ravel", lambda a: a.ravel()),
    ("flatten", lambda a: a.flatten()),
    ("dot", lambda a: a.dot(np.ones((4, 2)))),
    ("copy", lambda a: a.copy()),
]


@pytest.mark.parametrize("call", [c for _, c in CALLS], ids=[d for d, _ in CALLS])
def test_method_matches_numpy(call, traced):
    traced(call, X, reference=call, eager_ndarray=False)


@pytest.mark.parametrize("backend", ["numba", "interpreter"])
def test_methods_under_jit(backend, same_array):
    f = lambda a: a.transpose((2, 1, 0)).reshape(4, 6).sum(axis=0) + a.std()  # noqa: E731
    same_array(nb.jit(f, backend=backend)(X), f(X), "jit of methods")


def test_method_derivatives_match_finite_differences():
    from numbax.test_util import check_grads
    f = lambda a: (a.cumsum(axis=1).transpose((2, 1, 0)) * a.T).var() + a.clip(-1, 1).sum()  # noqa: E731
    check_grads(f, (X + 0.01,), order=2)


def test_item_and_tolist_need_concrete_values():
    with pytest.raises(ConcretizationError, match="item"):
        nb.jit(lambda a: a.sum().item())(X)
    with pytest.raises(ConcretizationError, match="tolist"):
        nb.jit(lambda a: a.tolist())(X)
    # Under grad alone the value is known: item gives the primal value, as a Python float.
    seen = []
    nb.grad(lambda a: seen.append(a.sum().item()) or a.sum())(X)
    assert seen == [pytest.approx(X.sum())]


def test_out_argument_is_rejected_clearly():
    with pytest.raises(TypeError, match="out="):
        nb.jit(lambda a: a.sum(out=a))(X)


def test_round_halves_to_even_like_numpy(same_array):
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999999999999994, 1234.5678])
    for decimals in (0, 1, -2):
        same_array(nb.jit(lambda a, d=decimals: xnp.round(a, d))(x), np.round(x, decimals),
                   f"round to {decimals}")
    ints = np.array([1234, -1250, 1350, 7], dtype=np.int32)
    same_array(nb.jit(lambda a: xnp.round(a, -2))(ints), np.round(ints, -2), "int round")


def test_lax_round_methods(same_array):
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999999999999994, -0.49999999999999994])
    away = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0, 0.0, -0.0])
    same_array(nb.jit(lambda a: nb.lax.round(a))(x), away, "away from zero")
    same_array(nb.jit(lambda a: nb.lax.round(a, 1))(x), np.rint(x), "to even")


def test_cumsum_vmap_and_reverse(same_array):
    x = np.arange(12.0).reshape(3, 4)
    same_array(nb.vmap(lambda r: xnp.cumsum(r))(x), np.cumsum(x, axis=1), "vmap cumsum")
    same_array(nb.jit(lambda a: nb.lax.cumsum(a, 1, reverse=True))(x),
               np.flip(np.cumsum(np.flip(x, 1), 1), 1), "reverse cumsum")
    g = nb.grad(lambda a: (xnp.cumsum(a, axis=1) * x).sum())(x)
    same_array(g, np.flip(np.cumsum(np.flip(x, 1), 1), 1), "cumsum transpose")
