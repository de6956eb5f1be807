"""numbax.nn's jax.nn functions against NumPy/SciPy references: values eagerly and under jit,
grads against finite differences, vmap against a loop, JAX's derivative conventions at kinks,
finite values and derivatives at extreme inputs, and clear errors for bad input."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.special

import numbax as nb
import numbax.numpy as xnp
from numbax import nn
from numbax.test_util import check_grads


def rand(shape, seed=0, scale=1.0):
    return scale * np.random.default_rng(seed).standard_normal(shape)


def away_from(x, kinks, gap=0.1):
    """x with every entry moved at least gap away from each kink (finite differences there
    would straddle the kink)."""
    x = np.array(x, dtype=float)
    for k in kinks:
        near = np.abs(x - k) < gap
        x[near] = k + gap * np.where(x[near] >= k, 1.0, -1.0) * 2
    return x


def np_sigmoid(x):
    return scipy.special.expit(x)


def np_softplus(x):
    return np.logaddexp(x, 0.0)


def np_elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

# name -> (numbax function, NumPy reference, kinks to keep finite differences away from)
ACTIVATIONS = {
    "relu": (nn.relu, lambda x: np.maximum(x, 0), [0]),
    "relu6": (nn.relu6, lambda x: np.clip(x, 0, 6), [0, 6]),
    "sigmoid": (nn.sigmoid, np_sigmoid, []),
    "softplus": (nn.softplus, np_softplus, []),
    "log_sigmoid": (nn.log_sigmoid, lambda x: -np_softplus(-x), []),
    "silu": (nn.silu, lambda x: x * np_sigmoid(x), []),
    "swish": (nn.swish, lambda x: x * np_sigmoid(x), []),
    "tanh": (nn.tanh, np.tanh, []),
    "identity": (nn.identity, lambda x: x, []),
    "elu": (nn.elu, np_elu, [0]),
    "elu_alpha": (lambda x: nn.elu(x, 0.5), lambda x: np_elu(x, 0.5), [0]),
    "selu": (nn.selu, lambda x: SELU_SCALE * np_elu(x, SELU_ALPHA), [0]),
    "celu": (lambda x: nn.celu(x, 2.0), lambda x: np.maximum(x, 0) + 2 * np.expm1(
        np.minimum(x, 0) / 2), [0]),
    "leaky_relu": (nn.leaky_relu, lambda x: np.where(x >= 0, x, 0.01 * x), [0]),
    "leaky_relu_slope": (lambda x: nn.leaky_relu(x, negative_slope=0.3),
                         lambda x: np.where(x >= 0, x, 0.3 * x), [0]),
    "hard_tanh": (nn.hard_tanh, lambda x: np.clip(x, -1, 1), [-1, 1]),
    "hard_sigmoid": (nn.hard_sigmoid, lambda x: np.clip(x + 3, 0, 6) / 6, [-3, 3]),
    "hard_silu": (nn.hard_silu, lambda x: x * np.clip(x + 3, 0, 6) / 6, [-3, 3]),
    "hard_swish": (nn.hard_swish, lambda x: x * np.clip(x + 3, 0, 6) / 6, [-3, 3]),
    "soft_sign": (nn.soft_sign, lambda x: x / (np.abs(x) + 1), [0]),
    "squareplus": (nn.squareplus, lambda x: (x + np.sqrt(x * x + 4)) / 2, []),
    "squareplus_b": (lambda x: nn.squareplus(x, b=0.5), lambda x: (x + np.sqrt(x * x + 0.5)) / 2,
                     []),
    "sparse_plus": (nn.sparse_plus, lambda x: np.where(x <= -1, 0, np.where(
        x >= 1, x, (x + 1) ** 2 / 4)), [-1, 1]),
    "sparse_sigmoid": (nn.sparse_sigmoid, lambda x: np.clip((x + 1) / 2, 0, 1), [-1, 1]),
    "mish": (nn.mish, lambda x: x * np.tanh(np_softplus(x)), []),
    "gelu_tanh": (nn.gelu, lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (
        x + 0.044715 * x ** 3))), []),
    "gelu_exact": (lambda x: nn.gelu(x, approximate=False),
                   lambda x: x * scipy.special.ndtr(x), []),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_numpy_reference_under_jit_grad_and_vmap(name, numpy_function):
    fn, ref, kinks = ACTIVATIONS[name]
    x = away_from(rand((2, 5), 1, 3.0), kinks)
    numpy_function(fn, ref, x, grad_order=2)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_keeps_float32_and_takes_wide_inputs(name):
    fn, ref, _ = ACTIVATIONS[name]
    x = np.linspace(-8, 8, 33)
    got = fn(x.astype(np.float32))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, ref(x), rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("fn,x,slope", [
    (nn.relu, 0.0, 0.0), (nn.relu6, 0.0, 0.0), (nn.relu6, 6.0, 0.0),
    (nn.leaky_relu, 0.0, 1.0), (nn.elu, 0.0, 1.0), (lambda x: nn.elu(x, 0.3), 0.0, 0.3),
    (lambda x: nn.celu(x, 0.3), 0.0, 1.0), (nn.hard_tanh, 1.0, 1.0), (nn.hard_tanh, -1.0, 1.0),
    (nn.hard_sigmoid, -3.0, 0.0), (nn.hard_sigmoid, 3.0, 0.0), (nn.sparse_plus, -1.0, 0.0),
    (nn.sparse_plus, 1.0, 1.0), (nn.sparse_sigmoid, -1.0, 0.25), (nn.sparse_sigmoid, 1.0, 0.25),
    (nn.soft_sign, 0.0, 1.0),
], ids=lambda v: getattr(v, "__name__", str(v)))
def test_derivative_at_kinks_follows_jax_convention(fn, x, slope):
    assert float(nb.grad(fn)(x)) == slope
    assert float(nb.jit(nb.grad(fn))(x)) == slope


SMOOTH = ["sigmoid", "softplus", "log_sigmoid", "silu", "tanh", "elu", "selu", "celu", "mish",
          "squareplus", "gelu_tanh", "gelu_exact", "soft_sign"]


@pytest.mark.parametrize("name", SMOOTH)
def test_values_and_derivatives_stay_finite_at_plus_minus_1000(name):
    fn = ACTIVATIONS[name][0]
    x = np.array([-1000.0, -40.0, 40.0, 1000.0])
    for dtype in (np.float32, np.float64):
        xs = x.astype(dtype)
        grad = nb.grad(lambda v: xnp.sum(fn(v)))
        grad2 = nb.grad(lambda v, grad=grad: xnp.sum(grad(v)))
        for what, v in (("value", fn(xs)), ("grad", grad(xs)), ("grad of grad", grad2(xs))):
            assert np.all(np.isfinite(v)), f"{name} {what} at {xs}: {v}"


def test_log1mexp_is_accurate_for_small_and_large_inputs():
    x = np.array([1e-20, 1e-8, 0.1, math.log(2.0), 1.0, 10.0, 50.0, 700.0])
    np.testing.assert_allclose(nn.log1mexp(x), [math.log(-math.expm1(-v)) if v < 1 else
                                                math.log1p(-math.exp(-v)) for v in x],
                               rtol=1e-14)
    check_grads(nn.log1mexp, (np.array([0.05, 0.5, 0.9, 3.0]),), order=2)
    # Both branches stay finite in the derivative, whichever is selected.
    g = nb.grad(lambda v: xnp.sum(nn.log1mexp(v)))(np.array([1e-8, 0.5, 800.0]))
    np.testing.assert_allclose(g, [1e8, 1 / math.expm1(0.5), 0.0], rtol=1e-7)


def test_gelu_exact_and_approximate_agree_closely_and_default_is_tanh():
    x = np.linspace(-5, 5, 41)
    np.testing.assert_allclose(nn.gelu(x), ACTIVATIONS["gelu_tanh"][1](x), rtol=1e-13)
    np.testing.assert_allclose(nn.gelu(x, approximate=False), nn.gelu(x), atol=1e-3)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_glu_matches_reference_along_axis(axis, numpy_function):
    x = rand((4, 6), 2)

    def ref(x):
        a, b = np.split(x, 2, axis=axis)
        return a * np_sigmoid(b)
    numpy_function(lambda x: nn.glu(x, axis=axis), ref, x)


def test_activation_errors_are_clear():
    with pytest.raises(ValueError, match="glu: the size of axis -1 must be even, got 3"):
        nn.glu(np.ones((2, 3)))
    with pytest.raises(ValueError, match="glu: axis 2 is out of bounds"):
        nn.glu(np.ones((2, 2)), axis=2)
    with pytest.raises(TypeError, match="nn.relu: expected a real array, got complex128"):
        nn.relu(np.ones(2, complex))
    with pytest.raises(TypeError):
        nn.sigmoid("x")


def test_integer_inputs_promote_like_numpy():
    assert nn.relu(np.array([-1, 2])).dtype == np.int64
    np.testing.assert_array_equal(nn.relu(np.array([-1, 2])), [0, 2])
    assert nn.sigmoid(np.array([0, 1])).dtype == np.float64


# logsumexp and friends


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, True), (-1, False), ((0, 2), False)],
                         ids=str)
def test_logsumexp_with_b_matches_scipy(axis, keepdims, numpy_function):
    a = rand((3, 4, 2), 3, 2.0)
    b = np.abs(rand((3, 4, 2), 4)) + 0.1
    numpy_function(lambda a, b: nn.logsumexp(a, axis=axis, b=b, keepdims=keepdims),
                   lambda a, b: scipy.special.logsumexp(a, axis=axis, b=b, keepdims=keepdims),
                   a, b)


def test_logsumexp_return_sign_and_negative_sum():
    a = rand((3, 4), 5)
    b = rand((3, 4), 6)
    out, sign = nn.logsumexp(a, axis=1, b=b, return_sign=True)
    want, want_sign = scipy.special.logsumexp(a, axis=1, b=b, return_sign=True)
    np.testing.assert_allclose(out, want, rtol=1e-12)
    np.testing.assert_array_equal(sign, want_sign)
    plain = nn.logsumexp(a, axis=1, b=b)
    np.testing.assert_array_equal(np.isnan(plain), want_sign < 0)
    np.testing.assert_allclose(plain[want_sign > 0], want[want_sign > 0], rtol=1e-12)
    s = nb.jit(lambda a: nn.logsumexp(a, axis=1, return_sign=True)[1])(a)
    np.testing.assert_array_equal(s, np.ones(3))
    check_grads(lambda a, b: nn.logsumexp(a, axis=1, b=b, return_sign=True)[0], (a, b), order=1)


def test_logsumexp_where_and_minus_infinity_entries_have_finite_gradients():
    a = np.array([[1.0, -np.inf, 2.0], [-np.inf, 0.5, 1000.0]])
    where = np.array([[True, True, False], [True, True, True]])
    got = nn.logsumexp(a, axis=1, where=where)
    np.testing.assert_allclose(got, [1.0, scipy.special.logsumexp([0.5, 1000.0])], rtol=1e-14)
    g = nb.grad(lambda a: xnp.sum(nn.logsumexp(a, axis=1, where=where)))(a)
    np.testing.assert_allclose(g, [[1, 0, 0], [0, 0, 1]], atol=1e-300)
    assert np.all(np.isfinite(g))
    # A zero b leaves an infinite entry out, as JAX.
    assert float(nn.logsumexp(np.array([np.inf, 0.0]), b=np.array([0.0, 1.0]))) == 0.0


@pytest.mark.parametrize("axis", [None, 1])
def test_logmeanexp_matches_reference(axis, numpy_function):
    x = rand((3, 4), 7, 3.0)
    n = x.size if axis is None else x.shape[axis]
    numpy_function(lambda x: nn.logmeanexp(x, axis=axis),
                   lambda x: scipy.special.logsumexp(x, axis=axis) - np.log(n), x)
    where = np.array([True, False, True, True])
    got = nn.logmeanexp(x, axis=1, where=where, keepdims=True)
    want = scipy.special.logsumexp(x[:, where], axis=1, keepdims=True) - np.log(3)
    np.testing.assert_allclose(got, want, rtol=1e-13)
    assert float(nn.logmeanexp(np.array([1000.0, 1000.0]))) == 1000.0


def np_softmax(x, axis=-1):
    return scipy.special.softmax(x, axis=axis)


@pytest.mark.parametrize("axis", [-1, 0, (0, 1)], ids=str)
def test_softmax_and_log_softmax_match_scipy(axis, numpy_function):
    x = rand((3, 4), 8, 3.0)
    numpy_function(lambda x: nn.softmax(x, axis=axis), lambda x: np_softmax(x, axis), x)
    numpy_function(lambda x: nn.log_softmax(x, axis=axis),
                   lambda x: scipy.special.log_softmax(x, axis=axis), x)


def test_softmax_where_masks_entries():
    x = rand((2, 4), 9)
    where = np.array([[True, False, True, True], [False, True, True, False]])
    got = nn.softmax(x, where=where)
    want = np.where(where, np.exp(x) * where / np.sum(np.exp(x) * where, -1, keepdims=True), 0)
    np.testing.assert_allclose(got, want, rtol=1e-13)
    log = nn.log_softmax(x, where=where)
    np.testing.assert_allclose(log[where], np.log(want[where]), rtol=1e-13)
    assert np.all(log[~where] == -np.inf)
    g = nb.grad(lambda x: xnp.sum(nn.softmax(x, where=where) * np.arange(4.0)))(x)
    assert np.all(g[~where] == 0) and np.all(np.isfinite(g))
    check_grads(lambda x: nn.softmax(x, where=where), (x,), order=1)


def test_softmax_and_log_softmax_stay_finite_at_plus_minus_1000_in_float32():
    x = np.array([[1000.0, -1000.0, 999.0], [-1000.0, -1000.0, -1000.0]], np.float32)
    s = nn.softmax(x)
    assert s.dtype == np.float32
    np.testing.assert_allclose(s, np_softmax(x.astype(float)), rtol=1e-6, atol=1e-30)
    w = np.arange(3.0, dtype=np.float32)
    for fn in (nn.softmax, nn.log_softmax):
        g = nb.grad(lambda x, fn=fn: xnp.sum(fn(x) * w))(x)
        assert g.dtype == np.float32 and np.all(np.isfinite(g))


@pytest.mark.parametrize("axis", [-1, 0])
def test_standardize_matches_numpy(axis, numpy_function):
    x = rand((4, 5), 10, 2.0) + 1.0

    def ref(x):
        m = x.mean(axis, keepdims=True)
        return (x - m) / np.sqrt(x.var(axis, keepdims=True) + 1e-5)
    numpy_function(lambda x: nn.standardize(x, axis=axis), ref, x, atol=1e-6, rtol=1e-6)


def test_standardize_with_given_statistics_and_where():
    x = rand((3, 4), 11)
    got = nn.standardize(x, mean=0.5, variance=4.0, epsilon=0.0)
    np.testing.assert_allclose(got, (x - 0.5) / 2.0, rtol=1e-14)
    where = np.array([True, True, False, True])
    got = nn.standardize(x, where=where)
    sub = x[:, where]
    m = sub.mean(-1, keepdims=True)
    np.testing.assert_allclose(got, (x - m) / np.sqrt(sub.var(-1, keepdims=True) + 1e-5),
                               rtol=1e-10)
    assert nn.standardize(x.astype(np.float32)).dtype == np.float32


# one_hot


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_one_hot_matches_numpy_eye(axis):
    x = np.array([[0, 2, 1], [3, -1, 1]])
    got = nn.one_hot(x, 3, axis=axis)
    want = np.moveaxis(np.concatenate([np.eye(3), np.zeros((1, 3))])[np.where(
        (x < 0) | (x >= 3), 3, x)], -1, axis)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(nb.jit(lambda x: nn.one_hot(x, 3, axis=axis))(x), want)
    np.testing.assert_array_equal(nb.vmap(lambda x: nn.one_hot(x, 3, axis=axis))(x),
                                  np.stack([nn.one_hot(r, 3, axis=axis) for r in x]))


def test_one_hot_dtype_and_errors():
    assert nn.one_hot(np.array([1]), 2, dtype=np.int32).dtype == np.int32
    assert nn.one_hot(np.int8(1), 2, dtype=np.float32).tolist() == [0.0, 1.0]
    with pytest.raises(TypeError, match="one_hot: x must hold integer class indices, got float64"):
        nn.one_hot(np.array([1.0]), 2)
    with pytest.raises(TypeError, match="num_classes must be an int"):
        nn.one_hot(np.array([1]), 2.5)
    with pytest.raises(TypeError, match="num_classes must be a static"):
        nb.jit(lambda n: nn.one_hot(np.array([1]), n))(2)
    with pytest.raises(ValueError, match="axis 3 is out of bounds"):
        nn.one_hot(np.array([1]), 2, axis=3)


# dot_product_attention


def np_attention(q, k, v, bias=None, mask=None, scale=None, is_causal=False, q_len=None,
                 kv_len=None, window=None):
    """A loop over batch and heads, straight from the definition."""
    B, T, N, H = q.shape
    S, K = k.shape[1], k.shape[2]
    scale = 1 / np.sqrt(H) if scale is None else scale
    out = np.zeros((B, T, N, v.shape[3]))
    big = -0.7 * np.finfo(q.dtype).max
    for b in range(B):
        for n in range(N):
            kh = n // (N // K)
            logits = scale * q[b, :, n] @ k[b, :, kh].T
            if bias is not None:
                logits = logits + np.broadcast_to(bias, (B, N, T, S))[b, n]
            keep = np.ones((T, S), bool)
            if mask is not None:
                keep &= np.broadcast_to(mask, (B, N, T, S))[b, n]
            t, s = np.arange(T)[:, None], np.arange(S)[None, :]
            if is_causal:
                keep &= s <= t
            if window is not None:
                keep &= (t - window[0] <= s) & (s <= t + window[1])
            if q_len is not None:
                keep &= t < q_len[b]
            if kv_len is not None:
                keep &= s < kv_len[b]
            logits = np.where(keep, logits, big)
            out[b, :, n] = np_softmax(logits, -1) @ v[b, :, kh]
            if q_len is not None:
                out[b, q_len[b]:, n] = 0
    return out


def attention_inputs(B=2, T=3, S=4, N=4, K=2, H=3, seed=12):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((B, T, N, H)), rng.standard_normal((B, S, K, H)),
            rng.standard_normal((B, S, K, H)))


ATTENTION_CASES = {
    "plain": {},
    "bias": {"bias": rand((1, 4, 3, 4), 13)},
    "mask": {"mask": rand((2, 1, 3, 4), 14) > -0.5},
    "causal": {"is_causal": True},
    "scale": {"scale": 0.3},
    "seq_lengths": {"query_seq_lengths": np.array([2, 3], np.int32),
                    "key_value_seq_lengths": np.array([4, 1], np.int32)},
    "window": {"local_window_size": (1, 0)},
    "window_int": {"local_window_size": 1},
    "everything": {"bias": rand((2, 4, 3, 4), 15), "mask": rand((1, 4, 1, 4), 16) > -0.5,
                   "is_causal": True, "key_value_seq_lengths": np.array([3, 4])},
}


def _np_kwargs(kw):
    window = kw.get("local_window_size")
    return dict(bias=kw.get("bias"), mask=kw.get("mask"), scale=kw.get("scale"),
                is_causal=kw.get("is_causal", False), q_len=kw.get("query_seq_lengths"),
                kv_len=kw.get("key_value_seq_lengths"),
                window=(window, window) if isinstance(window, int) else window)


@pytest.mark.parametrize("case", sorted(ATTENTION_CASES))
def test_dot_product_attention_matches_loop_reference(case):
    kw = ATTENTION_CASES[case]
    q, k, v = attention_inputs()
    want = np_attention(q, k, v, **_np_kwargs(kw))
    np.testing.assert_allclose(nn.dot_product_attention(q, k, v, **kw), want, rtol=1e-12,
                               atol=1e-14)
    np.testing.assert_allclose(nb.jit(lambda q, k, v: nn.dot_product_attention(q, k, v, **kw))(
        q, k, v), want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case", ["plain", "everything"])
def test_dot_product_attention_gradients_and_vmap(case):
    kw = {n: v for n, v in ATTENTION_CASES[case].items() if n != "bias"}
    q, k, v = attention_inputs(B=1, T=2, S=3, N=2, K=1, H=2)
    bias = rand((1, 2, 2, 3), 17)
    kw = {n: (x[:1] if n == "key_value_seq_lengths" else x) for n, x in kw.items()}
    kw.pop("mask", None)
    check_grads(lambda q, k, v, b: nn.dot_product_attention(q, k, v, b, **kw), (q, k, v, bias),
                order=1)
    # vmap over an extra leading axis of query against a loop.
    qs = np.stack([q, -q, 2 * q])
    got = nb.vmap(lambda q: nn.dot_product_attention(q, k, v, bias, **kw))(qs)
    want = np.stack([nn.dot_product_attention(x, k, v, bias, **kw) for x in qs])
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_dot_product_attention_without_batch_axis_and_in_float32():
    q, k, v = attention_inputs(B=1)
    got = nn.dot_product_attention(q[0], k[0], v[0], is_causal=True)
    np.testing.assert_allclose(got, np_attention(q, k, v, is_causal=True)[0], rtol=1e-12)
    q32, k32, v32 = (a.astype(np.float32) for a in (q, k, v))
    got = nn.dot_product_attention(q32, k32, v32, mask=np.ones((1, 1, 3, 4), bool))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, np_attention(q, k, v), rtol=1e-5, atol=1e-6)


def test_dot_product_attention_errors_are_clear():
    q, k, v = attention_inputs(N=3, K=2)
    with pytest.raises(ValueError, match="N = 3 must be a multiple of .* K = 2"):
        nn.dot_product_attention(q, k, v)
    q, k, v = attention_inputs()
    with pytest.raises(ValueError, match="value must have key's shape"):
        nn.dot_product_attention(q, k, v[:, :2])
    with pytest.raises(TypeError, match="one dtype"):
        nn.dot_product_attention(q.astype(np.float32), k, v)
    with pytest.raises(TypeError, match="mask must have a 'b'-kind dtype"):
        nn.dot_product_attention(q, k, v, mask=np.ones((1, 1, 3, 4)))
    with pytest.raises(ValueError, match="rank 3 or 4"):
        nn.dot_product_attention(q[0, 0], k, v)
    with pytest.raises(ValueError, match="implementation must be None or 'xla'"):
        nn.dot_product_attention(q, k, v, implementation="cudnn")
    with pytest.raises(TypeError, match=r"query_seq_lengths must be an integer array of shape"):
        nn.dot_product_attention(q, k, v, query_seq_lengths=np.array([1.0, 2.0]))


# initializers

init = nn.initializers
JAX_CASES = {c["expr"]: c for c in json.loads(
    (Path(__file__).parent / "data" / "jax_random_vectors.json").read_text())["cases"]}


def test_normal_and_uniform_initializers_give_jax_bits():
    key = nb.random.PRNGKey(0)
    want = np.array(JAX_CASES["normal(PRNGKey(0), (6,), float64)"]["value"]) * 0.02
    np.testing.assert_array_equal(init.normal(0.02)(key, (6,)), want)
    want = np.array(JAX_CASES["uniform(PRNGKey(0), (5,), float32)"]["value"], np.float32) * 3
    got = init.uniform(3.0)(key, (5,), np.float32)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)


# name -> (factory, variance scale, mode, distribution) as JAX defines them
VARIANCE_SCALING = {
    "glorot_uniform": (init.glorot_uniform, 1.0, "fan_avg", "uniform"),
    "xavier_uniform": (init.xavier_uniform, 1.0, "fan_avg", "uniform"),
    "glorot_normal": (init.glorot_normal, 1.0, "fan_avg", "truncated_normal"),
    "xavier_normal": (init.xavier_normal, 1.0, "fan_avg", "truncated_normal"),
    "lecun_uniform": (init.lecun_uniform, 1.0, "fan_in", "uniform"),
    "lecun_normal": (init.lecun_normal, 1.0, "fan_in", "truncated_normal"),
    "he_uniform": (init.he_uniform, 2.0, "fan_in", "uniform"),
    "kaiming_uniform": (init.kaiming_uniform, 2.0, "fan_in", "uniform"),
    "he_normal": (init.he_normal, 2.0, "fan_in", "truncated_normal"),
    "kaiming_normal": (init.kaiming_normal, 2.0, "fan_in", "truncated_normal"),
}


def _expected_variance(shape, scale, mode, in_axis=-2, out_axis=-1):
    receptive = np.prod(shape) / shape[in_axis] / shape[out_axis]
    fan_in, fan_out = shape[in_axis] * receptive, shape[out_axis] * receptive
    return scale / {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]


@pytest.mark.parametrize("name", sorted(VARIANCE_SCALING))
def test_variance_scaling_family_statistics_and_formula(name):
    factory, scale, mode, distribution = VARIANCE_SCALING[name]
    key = nb.random.PRNGKey(3)
    shape = (3, 200, 300)
    w = factory()(key, shape)
    assert w.shape == shape and w.dtype == np.float64
    variance = _expected_variance(shape, scale, mode)
    np.testing.assert_allclose(w.var(), variance, rtol=0.02)
    assert abs(w.mean()) < 0.02 * np.sqrt(variance)
    bound = np.sqrt(3 * variance) if distribution == "uniform" else 2 * np.sqrt(
        variance) / 0.87962566103423978
    assert np.abs(w).max() <= bound
    # The exact draw JAX makes: the same key gives the same numbers.
    if distribution == "uniform":
        want = nb.random.uniform(key, shape, np.float64, -1) * np.sqrt(3 * variance)
    else:
        want = nb.random.truncated_normal(key, -2, 2, shape, np.float64) * (
            np.sqrt(variance) / 0.87962566103423978)
    np.testing.assert_allclose(w, want, rtol=1e-15)


def test_variance_scaling_axes_dtype_and_determinism():
    key = nb.random.PRNGKey(4)
    f = init.variance_scaling(0.5, "fan_out", "normal", in_axis=0, out_axis=(1, 2),
                              batch_axis=3)
    w = f(key, (40, 30, 20, 2))
    np.testing.assert_allclose(w.var(), 0.5 / 600, rtol=0.05)
    np.testing.assert_array_equal(w, f(key, (40, 30, 20, 2)))
    assert not np.array_equal(w, f(nb.random.PRNGKey(5), (40, 30, 20, 2)))
    w32 = init.he_normal(dtype=np.float32)(key, (10, 10))
    assert w32.dtype == np.float32
    assert init.he_normal()(key, (10, 10), np.float32).dtype == np.float32
    jitted = nb.jit(lambda k: init.glorot_uniform()(k, (4, 5)))(key)
    np.testing.assert_allclose(jitted, init.glorot_uniform()(key, (4, 5)), rtol=1e-15)


def test_simple_initializers():
    key = nb.random.PRNGKey(6)
    np.testing.assert_array_equal(init.zeros(key, (2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(init.ones(key, (2,), np.int32), np.ones(2, np.int32))
    assert init.ones(key, (2,), np.int32).dtype == np.int32
    np.testing.assert_array_equal(init.constant(2.5)(key, (3,)), np.full(3, 2.5))
    assert init.constant(1, dtype=np.float32)(key, (1,)).dtype == np.float32
    u = init.uniform(0.5)(key, (10000,))
    assert u.min() >= 0 and u.max() < 0.5 and abs(u.mean() - 0.25) < 0.01
    n = init.normal(3.0)(key, (10000,))
    assert abs(n.std() - 3.0) < 0.1
    t = init.truncated_normal(2.0, lower=-1.0, upper=1.5)(key, (10000,))
    assert t.min() >= -2.0 and t.max() <= 3.0
    np.testing.assert_array_equal(
        t, nb.random.truncated_normal(key, -1.0, 1.5, (10000,), np.float64) * 2.0)


@pytest.mark.parametrize("shape,column_axis", [((5, 3), -1), ((3, 5), -1), ((2, 3, 8), -1),
                                               ((4, 2, 3), 0)])
def test_orthogonal_gives_orthonormal_columns_or_rows(shape, column_axis):
    w = init.orthogonal(scale=2.0, column_axis=column_axis)(nb.random.PRNGKey(7), shape)
    assert w.shape == shape
    m = np.moveaxis(w, column_axis, -1).reshape(-1, shape[column_axis]) / 2.0
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, np.eye(min(m.shape)), atol=1e-12)
    # The Haar draw: Q of the QR of a normal matrix, signs fixed by R's diagonal.
    if shape == (5, 3):
        a = nb.random.normal(nb.random.PRNGKey(7), (5, 3))
        q, r = np.linalg.qr(a)
        np.testing.assert_allclose(w, 2 * q * np.sign(np.diag(r)), atol=1e-12)


@pytest.mark.parametrize("shape", [(3, 2, 4), (3, 4, 2, 2), (1, 3, 2, 3, 3)])
def test_delta_orthogonal_puts_an_orthogonal_matrix_at_the_centre(shape):
    w = init.delta_orthogonal()(nb.random.PRNGKey(8), shape)
    assert w.shape == shape
    centre = tuple((k - 1) // 2 for k in shape[:-2])
    m = w[centre]
    np.testing.assert_allclose(m @ m.T, np.eye(shape[-2]), atol=1e-12)
    rest = w.copy()
    rest[centre] = 0
    assert not rest.any()


def test_initializer_errors_are_clear():
    key = nb.random.PRNGKey(0)
    with pytest.raises(ValueError, match="invalid mode for variance scaling initializer: x"):
        init.variance_scaling(1.0, "x", "normal")
    with pytest.raises(ValueError, match="invalid distribution .*: cauchy"):
        init.variance_scaling(1.0, "fan_in", "cauchy")
    with pytest.raises(ValueError, match="1-dimensional weights tensor. Must be at least 2D"):
        init.he_normal()(key, (3,))
    with pytest.raises(ValueError, match="orthogonal initializer requires at least a 2D shape"):
        init.orthogonal()(key, (3,))
    with pytest.raises(ValueError, match="requires a 3D, 4D or 5D shape"):
        init.delta_orthogonal()(key, (3, 3))
    with pytest.raises(ValueError, match="`fan_in` must be less or equal than `fan_out`"):
        init.delta_orthogonal()(key, (3, 4, 2))
    with pytest.raises(TypeError, match="dtype must be a real float dtype, got int32"):
        init.normal()(key, (2,), np.int32)
    with pytest.raises(TypeError, match="shape must be a sequence of ints"):
        init.normal()(key, (2.5,))
    names = ("constant delta_orthogonal glorot_normal glorot_uniform he_normal he_uniform "
             "kaiming_normal kaiming_uniform lecun_normal lecun_uniform normal ones orthogonal "
             "truncated_normal uniform variance_scaling xavier_normal xavier_uniform zeros")
    assert sorted(init.__all__) == names.split(" ")
    assert all(callable(getattr(init, n)) for n in init.__all__)


def test_every_jax_nn_name_is_present():
    names = ("celu dot_product_attention elu gelu glu hard_sigmoid hard_silu hard_swish "
             "hard_tanh identity leaky_relu log1mexp log_sigmoid log_softmax logmeanexp "
             "logsumexp mish one_hot relu relu6 selu sigmoid silu soft_sign softmax softplus "
             "sparse_plus sparse_sigmoid squareplus standardize swish tanh")
    jax_nn = names.split(" ")
    assert [n for n in jax_nn if not callable(getattr(nn, n, None))] == []
