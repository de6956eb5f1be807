"""Scaled dot-product attention as jax.nn.dot_product_attention (its 'xla' implementation).

Layout [B]TNH: batch, sequence, heads, head dimension. Keys and values may have fewer heads
K than the queries N (grouped-query attention, N % K == 0): query head n reads key head
n // (N // K).

>>> import numpy as np
>>> q = k = v = np.ones((2, 3, 4, 8))
>>> dot_product_attention(q, k, v, is_causal=True).shape
(2, 3, 4, 8)
"""
from __future__ import annotations

import math
import operator

import numpy as np

from .. import numpy as xnp
from ..numpy.arguments import check_static, promote, shape_of
from .reductions import softmax

__all__ = ["dot_product_attention"]


def _ensure_4d(fname: str, what: str, t, dtype=None):
    """t as a rank-4 array ([B]... gets a batch axis of 1), promoted to dtype if given."""
    if t is None:
        return None
    (t,) = promote(fname, t)
    if dtype is not None and t.dtype.kind != dtype.kind:
        raise TypeError(f"{fname}: {what} must have a {dtype.kind!r}-kind dtype like "
                        f"{dtype}, got {t.dtype}")
    if t.ndim == 3:
        t = xnp.expand_dims(t, 0)
    if t.ndim != 4:
        raise ValueError(f"{fname}: {what} must have rank 3 or 4 ([B]TNH layout), got shape "
                         f"{shape_of(t)}")
    return t


def _check_layout(query, key, value):
    """B, T, N, S, K, H, raising if the shapes or dtypes of the three do not fit together."""
    fname = "dot_product_attention"
    B, S, K, H = key.shape
    if value.shape != key.shape:
        raise ValueError(f"{fname}: value must have key's shape [B, S, K, H] = {key.shape}, "
                         f"got {value.shape}")
    if query.shape[0] != B or query.shape[3] != H:
        raise ValueError(f"{fname}: query must have shape [B, T, N, H] with B = {B} and H = {H} "
                         f"from key, got {query.shape}")
    if not query.dtype == key.dtype == value.dtype:
        raise TypeError(f"{fname}: query, key and value must have one dtype, got "
                        f"{query.dtype}, {key.dtype} and {value.dtype}")
    if query.dtype.kind != "f":
        raise TypeError(f"{fname}: query, key and value must be real floats, got {query.dtype}")
    T, N = query.shape[1:3]
    if K == 0 or N % K:
        raise ValueError(f"{fname}: the number of query heads N = {N} must be a multiple of "
                         f"the number of key/value heads K = {K}")
    return B, T, N, S, K, H


def _seq_lengths(lengths, B: int, what: str):
    if lengths is None:
        return None
    (lengths,) = promote("dot_product_attention", lengths)
    if lengths.dtype.kind not in "iu" or lengths.shape != (B,):
        raise TypeError(f"dot_product_attention: {what} must be an integer array of shape "
                        f"({B},), got {lengths.dtype}{list(lengths.shape)}")
    return lengths


def _window(local_window_size):
    if local_window_size is None:
        return None
    if isinstance(local_window_size, int):
        return (local_window_size, local_window_size)
    try:
        left, right = map(operator.index, local_window_size)
    except (TypeError, ValueError):
        raise TypeError("dot_product_attention: local_window_size must be an int or a pair of "
                        f"ints (left, right), got {local_window_size!r}") from None
    return left, right


def _keep_mask(T, S, mask, is_causal, q_lengths, kv_lengths, window):
    """The boolean mask (broadcastable to [B, N, T, S]) of the logits to keep, or None."""
    keep = [] if mask is None else [mask]
    rows = np.arange(T)[:, None]
    cols = np.arange(S)[None, :]
    if is_causal:
        keep.append((cols <= rows)[None, None])
    if window is not None:
        left, right = window
        keep.append(((rows <= cols + left) & (rows >= cols - right))[None, None])
    if q_lengths is not None:
        keep.append(xnp.arange(T)[None, None, :, None] < q_lengths[:, None, None, None])
    if kv_lengths is not None:
        keep.append(xnp.arange(S)[None, None, None, :] < kv_lengths[:, None, None, None])
    if not keep:
        return None
    out = keep[0]
    for k in keep[1:]:
        out = out & k
    return out


def dot_product_attention(query, key, value, bias=None, mask=None, *, scale=None,
                          is_causal: bool = False, query_seq_lengths=None,
                          key_value_seq_lengths=None, local_window_size=None,
                          implementation=None):
    """softmax(scale * query . key + bias, masked) . value, per batch and head.

    query [B, T, N, H], key and value [B, S, K, H] (the batch axis is optional throughout);
    bias and mask broadcast to [B, N, T, S], mask True where a logit is kept. is_causal keeps
    key s <= query t; query_seq_lengths / key_value_seq_lengths ([B] ints) mask padding;
    local_window_size (left, right) keeps t - left <= s <= t + right. Masked logits get
    -0.7 * the dtype's largest value as in JAX (a fully masked row attends uniformly), and
    outputs at padded query positions are zero. scale defaults to 1 / sqrt(H).

    >>> import numpy as np
    >>> v = np.arange(6.0).reshape(1, 3, 1, 2)
    >>> dot_product_attention(np.zeros((1, 1, 1, 2)), np.zeros((1, 3, 1, 2)), v)[0, 0, 0]
    array([2., 3.])
    """
    fname = "dot_product_attention"
    if implementation not in (None, "xla"):
        raise ValueError(f"{fname}: implementation must be None or 'xla' (numbax has no cuDNN "
                         f"kernel), got {implementation!r}")
    rank = len(shape_of(query))
    query, key, value = (_ensure_4d(fname, w, t) for w, t in
                         (("query", query), ("key", key), ("value", value)))
    B, T, N, S, K, H = _check_layout(query, key, value)
    bias = _ensure_4d(fname, "bias", bias)
    mask = _ensure_4d(fname, "mask", mask, np.dtype(bool))
    is_causal = check_static(is_causal, fname, "is_causal")
    scale = 1.0 / math.sqrt(H) if scale is None else scale
    q_lengths = _seq_lengths(query_seq_lengths, B, "query_seq_lengths")
    kv_lengths = _seq_lengths(key_value_seq_lengths, B, "key_value_seq_lengths")
    # Grouped heads: query head n = k * G + g reads key head k.
    G = N // K
    grouped = xnp.reshape(query, (B, T, K, G, H))
    logits = xnp.einsum("btkgh,bskh->bkgts", grouped, key) * scale
    logits = xnp.reshape(logits, (B, N, T, S))
    if bias is not None:
        logits = xnp.astype(logits + bias, logits.dtype)
    keep = _keep_mask(T, S, mask, is_causal, q_lengths, kv_lengths, _window(local_window_size))
    if keep is not None:
        logits = xnp.where(keep, logits, -0.7 * float(np.finfo(logits.dtype).max))
    probs = xnp.reshape(softmax(logits, axis=-1), (B, K, G, T, S))
    out = xnp.reshape(xnp.einsum("bkgts,bskh->btkgh", probs, value), (B, T, N, H))
    if q_lengths is not None:
        padded = xnp.arange(T)[None, :, None, None] < q_lengths[:, None, None, None]
        out = out * xnp.astype(padded, out.dtype)
    return out[0] if rank == 3 else out
