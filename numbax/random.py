"""numbax.random: JAX's counter-based random numbers, with JAX's bits.

Keys are raw uint32[2] arrays, as `jax.random.PRNGKey` returns them, and every function is
pure, so sampling works under jit, vmap (over keys) and grad. The generator is the 20-round
Threefry-2x32 of Salmon et al. as JAX implements it, with JAX's default
`jax_threefry_partitionable=True` layout: element i of a sample of any shape comes from
threefry(key, (i >> 32, i & 0xFFFFFFFF)), so the same key gives the same numbers as JAX 0.10.2:
bit for bit for keys, bits, integers, permutations, uniforms and (eagerly) normals, whose
erf_inv follows XLA's polynomials; samplers built on XLA's log/erf/pow (truncated_normal,
gamma) agree to a few ulp. Under jit, Numba kernels use numbax's vectorised log1p, which
moves about 1% of normals by up to 3 ulp. Threefry is written with numbax.lax's uint32
operations, so under jit it fuses into one Numba kernel with whatever consumes the bits.

>>> import numbax.random as nr
>>> key = nr.PRNGKey(0)
>>> k1, k2 = nr.split(key)
>>> nr.uniform(k1, (3,)).shape
(3,)
"""
from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Sequence

import numpy as np

from . import lax
from . import numpy as xnp
from .core.trace import Tracer
from .custom_derivatives import custom_jvp
from .numpy import linalg as xla
from .numpy.arguments import check_arg, dtype_of, shape_of

__all__ = [
    "PRNGKey", "key", "key_data", "wrap_key_data", "split", "fold_in", "bits", "uniform",
    "normal", "bernoulli", "randint", "permutation", "shuffle", "choice", "categorical",
    "truncated_normal", "gumbel", "exponential", "laplace", "logistic", "rademacher", "cauchy",
    "gamma", "loggamma", "beta", "dirichlet", "t", "poisson", "multivariate_normal",
    "orthogonal", "chisquare", "f", "lognormal", "pareto", "rayleigh", "weibull_min", "wald",
    "triangular", "maxwell", "double_sided_maxwell", "generalized_normal", "ball", "geometric",
    "binomial", "multinomial", "clone", "key_impl", "key_dtype",
]

_U32 = np.dtype(np.uint32)
_U64 = np.dtype(np.uint64)


def _u32(c: int) -> np.ndarray:
    return np.asarray(c, _U32)


# ---------------------------------------------------------------------------------------------
# Keys


def PRNGKey(seed) -> np.ndarray:  # noqa: N802 (JAX's name)
    """A raw key, uint32[2] = [seed >> 32, seed & 0xFFFFFFFF] of the int64 seed, as
    jax.random.PRNGKey.

    >>> PRNGKey(42)
    array([ 0, 42], dtype=uint32)
    """
    if isinstance(seed, Tracer):
        seed = seed if seed.dtype == np.int64 else lax.convert_element_type(seed, np.int64)
        hi = lax.shift_right_logical(seed, np.asarray(32, np.int64))
        lo = lax.bitwise_and(seed, np.asarray(0xFFFFFFFF, np.int64))
        parts = [lax.reshape(lax.convert_element_type(p, _U32), (1,)) for p in (hi, lo)]
        return lax.concatenate(parts, 0)
    s = np.asarray(seed)
    if s.shape != () or s.dtype.kind not in "biu":
        raise TypeError(f"PRNGKey: the seed must be a scalar integer, got {s.dtype.name} "
                        f"array of shape {s.shape}")
    v = int(s)
    if not -2**63 <= v < 2**64:
        raise OverflowError(f"PRNGKey: seed {v} does not fit in 64 bits")
    v &= 2**64 - 1
    return np.array([v >> 32, v & 0xFFFFFFFF], _U32)


def key(seed, *, impl=None):
    """A key from an integer seed. numbax has no typed key arrays: this returns the same raw
    uint32[2] key as PRNGKey (jax.random.key returns a typed key with the same bits).

    >>> key(0)
    array([0, 0], dtype=uint32)
    """
    if impl not in (None, "threefry2x32"):
        raise ValueError(f"key: numbax implements only impl='threefry2x32', got {impl!r}")
    return PRNGKey(seed)


def key_data(keys):
    """The uint32 data of keys: raw keys are their own data.

    >>> key_data(PRNGKey(1))
    array([0, 1], dtype=uint32)
    """
    return _check_keys(keys, "key_data", single=False)


def wrap_key_data(key_bits, *, impl=None):
    """Keys from uint32 data of shape (..., 2): raw keys are their own data.

    >>> wrap_key_data(np.array([0, 1], np.uint32))
    array([0, 1], dtype=uint32)
    """
    if impl not in (None, "threefry2x32"):
        raise ValueError(f"wrap_key_data: numbax implements only impl='threefry2x32', got "
                         f"{impl!r}")
    return _check_keys(key_bits, "wrap_key_data", single=False)


def _check_keys(k, fname: str, single: bool = True):
    """k as a uint32 array of shape (2,) (single) or (..., 2), else a TypeError/ValueError."""
    if not isinstance(k, Tracer | np.ndarray):
        k = np.asarray(k)
    if k.dtype != _U32:
        raise TypeError(f"{fname}: a key must be a uint32 array of shape (2,) (from PRNGKey or "
                        f"split), got dtype {k.dtype.name}")
    if single and k.shape != (2,):
        raise ValueError(f"{fname}: expected a single key of shape (2,), got shape {k.shape}; "
                         "use vmap to map over a batch of keys")
    if not single and (k.ndim == 0 or k.shape[-1] != 2):
        raise ValueError(f"{fname}: key data must have shape (..., 2), got {k.shape}")
    return k


def _key_words(k):
    """The two uint32 words of a (2,)-shaped key as 0-d arrays."""
    return tuple(lax.reshape(lax.slice(k, (i,), (i + 1,)), ()) for i in (0, 1))


# ---------------------------------------------------------------------------------------------
# Threefry-2x32


_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))


def _rotl(v, d: int):
    return lax.bitwise_or(lax.shift_left(v, _u32(d)), lax.shift_right_logical(v, _u32(32 - d)))


def threefry_2x32(k0, k1, x0, x1):
    """The Threefry-2x32 block cipher (20 rounds) of counters (x0, x1) under key (k0, k1),
    all uint32 arrays that broadcast together; returns the two output words.

    >>> [int(w) for w in threefry_2x32(*map(np.uint32, (0, 0, 0, 0)))]
    [1797259609, 2579123966]
    """
    k0, k1, x0, x1 = (np.asarray(v, _U32) if not isinstance(v, Tracer) else v
                      for v in (k0, k1, x0, x1))
    ks = (k0, k1, lax.bitwise_xor(lax.bitwise_xor(k0, k1), _u32(0x1BD11BDA)))
    x0, x1 = lax.add(x0, ks[0]), lax.add(x1, ks[1])
    for i in range(5):
        for r in _ROTATIONS[i % 2]:
            x0 = lax.add(x0, x1)
            x1 = lax.bitwise_xor(_rotl(x1, r), x0)
        # The key injection after every four rounds, with the round-group counter.
        x0 = lax.add(x0, ks[(i + 1) % 3])
        x1 = lax.add(lax.add(x1, ks[(i + 2) % 3]), _u32(i + 1))
    return x0, x1


def _iota_2x32(shape: tuple[int, ...]):
    """The row-major flat index of every element of shape, as (hi, lo) uint32 words."""
    size = math.prod(shape)
    if size > 2**64:
        raise ValueError(f"random: a sample of shape {shape} has more than 2**64 elements")
    flat = lax.reshape(lax.iota(_U64, (size,)), shape)
    hi = lax.convert_element_type(lax.shift_right_logical(flat, np.asarray(32, _U64)), _U32)
    lo = lax.convert_element_type(lax.bitwise_and(flat, np.asarray(0xFFFFFFFF, _U64)), _U32)
    return hi, lo


def _canonical_shape(shape, fname: str, default=None) -> tuple[int, ...]:
    """shape as a tuple of ints; shape=None means default (the parameters' shape), if given."""
    if shape is None and default is not None:
        return tuple(default)
    if isinstance(shape, int | np.integer):
        shape = (shape,)
    try:
        shape = tuple(_dim(d) for d in shape)
    except TypeError:
        raise TypeError(f"{fname}: shape must be a sequence of Python ints, got "
                        f"{shape!r}") from None
    if any(d < 0 for d in shape):
        raise ValueError(f"{fname}: shape must not have negative dimensions, got {shape}")
    return shape


def _dim(d) -> int:
    if isinstance(d, Tracer):
        raise TypeError("traced dimension")
    return operator.index(d)


def _random_bits(k, nbits: int, shape: tuple[int, ...]):
    """JAX's partitionable random bits: an unsigned array of nbits bits and this shape."""
    b1, b2 = threefry_2x32(*_key_words(k), *_iota_2x32(shape))
    if nbits == 64:
        hi = lax.shift_left(lax.convert_element_type(b1, _U64), np.asarray(32, _U64))
        return lax.bitwise_or(hi, lax.convert_element_type(b2, _U64))
    b = lax.bitwise_xor(b1, b2)
    return b if nbits == 32 else lax.convert_element_type(b, np.dtype(f"uint{nbits}"))


def split(key, num: int | Sequence[int] = 2):
    """num new keys from key, stacked: shape (num, 2), or (*num, 2) for a shape num.

    >>> split(PRNGKey(0)).shape
    (2, 2)
    """
    k = _check_keys(key, "split")
    shape = _canonical_shape(num, "split")
    b1, b2 = threefry_2x32(*_key_words(k), *_iota_2x32(shape))
    parts = [lax.expand_dims(b, (len(shape),)) for b in (b1, b2)]
    return lax.concatenate(parts, len(shape))


def fold_in(key, data):
    """A new key from key and an integer (taken modulo 2**32, as JAX does).

    >>> fold_in(PRNGKey(0), 7)
    array([2716826189,  292468403], dtype=uint32)
    """
    k = _check_keys(key, "fold_in")
    if isinstance(data, Tracer):
        if data.dtype.kind not in "biu":
            raise TypeError(f"fold_in: data must be an integer, got {data.aval.str_short()}")
        d = lax.convert_element_type(data, _U32)
    else:
        arr = np.asarray(data)
        if arr.shape != () or arr.dtype.kind not in "biu":
            raise TypeError(f"fold_in: data must be a scalar integer, got {arr.dtype.name} "
                            f"array of shape {arr.shape}")
        d = np.asarray(int(arr) & 0xFFFFFFFF, _U32)
    b1, b2 = threefry_2x32(*_key_words(k), _u32(0), d)
    return lax.concatenate([lax.reshape(b1, (1,)), lax.reshape(b2, (1,))], 0)


def bits(key, shape: Sequence[int] = (), dtype=None):
    """Uniformly random unsigned integers of dtype (uint8/16/32/64; default uint64, the
    default unsigned dtype under x64).

    >>> bits(PRNGKey(0), (2,), np.uint32)
    array([4070199207, 4202968722], dtype=uint32)
    """
    k = _check_keys(key, "bits")
    dt = np.dtype(np.uint64 if dtype is None else dtype)
    if dt.kind != "u":
        raise TypeError(f"bits: dtype must be an unsigned integer dtype, got {dt.name}")
    return _random_bits(k, dt.itemsize * 8, _canonical_shape(shape, "bits"))


# ---------------------------------------------------------------------------------------------
# Continuous samplers


def _float_dtype(dtype, fname: str) -> np.dtype:
    dt = np.dtype(np.float64 if dtype is None else dtype)
    if dt.kind != "f":
        raise TypeError(f"{fname}: dtype must be a float dtype, got {dt.name}")
    return dt


def _as(x, dtype: np.dtype, fname: str):
    """A parameter (Python number, array or tracer) as an array of dtype."""
    x = check_arg(x, fname, 1)
    if isinstance(x, Tracer):
        return x if x.dtype == dtype else lax.convert_element_type(x, dtype)
    return np.asarray(x).astype(dtype)


def _broadcast_to(x, shape: tuple[int, ...], fname: str, what: str):
    xs = shape_of(x)
    if xs == shape:
        return x
    try:
        if np.broadcast_shapes(xs, shape) != shape:
            raise ValueError
    except ValueError:
        raise ValueError(f"{fname}: {what} of shape {xs} does not broadcast to the sample "
                         f"shape {shape}") from None
    return xnp.broadcast_to(x, shape)


def _uniform(k, shape, dt: np.dtype, minval, maxval):
    nbits = dt.itemsize * 8
    nmant = np.finfo(dt).nmant
    mant = lax.shift_right_logical(_random_bits(k, nbits, shape),
                                   np.asarray(nbits - nmant, f"u{dt.itemsize}"))
    # JAX ORs the mantissa into the bits of 1.0, bit-casts and subtracts 1: that equals
    # mantissa * 2**-nmant exactly (both are exact in dt), which needs no bit-cast.
    floats = lax.mul(lax.convert_element_type(mant, dt), np.asarray(2.0 ** -nmant, dt))
    span = lax.sub(maxval, minval)
    if _is_const(minval, 0.0) and _is_const(maxval, 1.0):
        out = floats  # floats * 1 + 0, exactly
    else:
        out = _fma(floats, span, minval)
    return lax.max(_broadcast_to(minval, shape, "uniform", "minval"),
                   _broadcast_to(out, shape, "uniform", "the scaled sample"))


def _is_const(x, value: float) -> bool:
    return not isinstance(x, Tracer) and bool(np.all(np.asarray(x) == value))


def _two_product(a, b):
    """(p, e) with p = fl(a * b) and p + e = a * b exactly (Dekker, Veltkamp's split)."""
    dt = dtype_of(a)
    factor = np.asarray(2.0 ** ((np.finfo(dt).nmant + 2) // 2) + 1, dt)

    def halves(v):
        c = lax.mul(factor, v)
        hi = lax.sub(c, lax.sub(c, v))
        return hi, lax.sub(v, hi)

    (ah, al), (bh, bl) = halves(a), halves(b)
    p = lax.mul(a, b)
    e = lax.add(lax.add(lax.add(lax.sub(lax.mul(ah, bh), p), lax.mul(ah, bl)),
                        lax.mul(al, bh)), lax.mul(al, bl))
    return p, e


def _fma(a, b, c):
    """a * b + c rounded (almost always) once, as XLA's CPU backend contracts JAX's
    `floats * (maxval - minval) + minval` into a fused multiply-add: an error-free product
    and sum (Dekker, Knuth) whose error terms stay out of the derivative."""
    p, e = _two_product(a, b)
    s = lax.add(p, c)
    bv = lax.sub(s, p)
    t = lax.add(lax.sub(p, lax.sub(s, bv)), lax.sub(c, bv))  # p + c = s + t exactly
    fused = lax.add(s, lax.add(t, e))
    # Where an intermediate overflows the correction is nan: keep the plain result there.
    plain = lax.add(lax.mul(a, b), c)
    fix = lax.stop_gradient(lax.sub(fused, plain))
    fix = lax.select(lax.is_finite(fix), fix, xnp.zeros_like(fix))
    return lax.add(plain, fix)


def uniform(key, shape: Sequence[int] = (), dtype=None, minval=0.0, maxval=1.0):
    """Uniform floats in [minval, maxval), JAX's bits (the top mantissa bits of random bits).

    >>> uniform(PRNGKey(0), (2,), np.float32)
    array([0.947667 , 0.9785799], dtype=float32)
    """
    k = _check_keys(key, "uniform")
    dt = _float_dtype(dtype, "uniform")
    shape = _canonical_shape(shape, "uniform")
    minval, maxval = _as(minval, dt, "uniform"), _as(maxval, dt, "uniform")
    for name, v in (("minval", minval), ("maxval", maxval)):
        _broadcast_to(v, shape, "uniform", name)
    return _uniform(k, shape, dt, minval, maxval)


# XLA's ErfInv: Giles' single-precision polynomials for float32 and his double-precision ones
# for float64, evaluated as XLA does (Horner, select between the branches), so normal()
# reproduces JAX's samples to rounding of log1p.
_ERFINV32 = (
    (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
     -0.00125372503, -0.00417768164, 0.246640727, 1.50140941),
    (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
     -0.0076224613, 0.00943887047, 1.00167406, 2.83297682))
_ERFINV64 = (
    (-3.6444120640178196996e-21, -1.685059138182016589e-19, 1.2858480715256400167e-18,
     1.115787767802518096e-17, -1.333171662854620906e-16, 2.0972767875968561637e-17,
     6.6376381343583238325e-15, -4.0545662729752068639e-14, -8.1519341976054721522e-14,
     2.6335093153082322977e-12, -1.2975133253453532498e-11, -5.4154120542946279317e-11,
     1.051212273321532285e-09, -4.1126339803469836976e-09, -2.9070369957882005086e-08,
     4.2347877827932403518e-07, -1.3654692000834678645e-06, -1.3882523362786468719e-05,
     0.0001867342080340571352, -0.00074070253416626697512, -0.0060336708714301490533,
     0.24015818242558961693, 1.6536545626831027356),
    (2.2137376921775787049e-09, 9.0756561938885390979e-08, -2.7517406297064545428e-07,
     1.8239629214389227755e-08, 1.5027403968909827627e-06, -4.013867526981545969e-06,
     2.9234449089955446044e-06, 1.2475304481671778723e-05, -4.7318229009055733981e-05,
     6.8284851459573175448e-05, 2.4031110387097893999e-05, -0.0003550375203628474796,
     0.00095328937973738049703, -0.0016882755560235047313, 0.0024914420961078508066,
     -0.0037512085075692412107, 0.005370914553590063617, 1.0052589676941592334,
     3.0838856104922207635),
    (-2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-09,
     -3.7894654401267369937e-09, 7.6157012080783393804e-09, -1.4960026627149240478e-08,
     2.9147953450901080826e-08, -6.7711997758452339498e-08, 2.2900482228026654717e-07,
     -9.9298272942317002539e-07, 4.5260625972231537039e-06, -1.9681778105531670567e-05,
     7.5995277030017761139e-05, -0.00021503011930044477347, -0.00013871931833623122026,
     1.0103004648645343977, 4.8499064014085844221))


def _const(c, x):
    return np.asarray(c, x.dtype)


def _erfinv32(x):
    w = lax.neg(lax.log1p(lax.neg(lax.mul(x, x))))
    lt = lax.lt(w, _const(5.0, x))
    # sqrt only sees the w it selects, so its infinite slope at 0 never meets a zero cotangent.
    root = lax.sqrt(lax.select(lt, xnp.full_like(w, 25.0), w))
    w = lax.select(lt, lax.sub(w, _const(2.5, x)), lax.sub(root, _const(3.0, x)))
    small, large = _ERFINV32
    p = lax.select(lt, _const(small[0], x), _const(large[0], x))
    for a, b in zip(small[1:], large[1:], strict=True):
        p = lax.add(lax.select(lt, _const(a, x), _const(b, x)), lax.mul(p, w))
    return p


def _erfinv64(x):
    w = lax.neg(lax.log1p(lax.neg(lax.mul(x, x))))
    lt6, lt16 = lax.lt(w, _const(6.25, x)), lax.lt(w, _const(16.0, x))
    a, b, c = _ERFINV64

    def coefficient(i):
        v = _const(a[i], x)
        if i < 19:
            v = lax.select(lt6, v, _const(b[i], x))
        if i < 17:
            v = lax.select(lt16, v, _const(c[i], x))
        return v

    shift = lax.select(lt16, _const(3.25, x), _const(5.0, x))
    root = lax.sqrt(lax.select(lt6, xnp.full_like(w, 16.0), w))  # as in _erfinv32
    w = lax.select(lt6, lax.sub(w, _const(3.125, x)), lax.sub(root, shift))
    p = coefficient(0)
    for i in range(1, 17):
        p = lax.add(coefficient(i), lax.mul(p, w))
    for i in range(17, 19):
        p = lax.select(lt16, lax.add(coefficient(i), lax.mul(p, w)), p)
    for i in range(19, 23):
        p = lax.select(lt6, lax.add(coefficient(i), lax.mul(p, w)), p)
    return p


def erf_inv(x):
    """The inverse error function as XLA computes it (lax.erf_inv), on float32/float64.

    >>> float(erf_inv(np.float64(0.5)))
    0.47693627620446977
    """
    x = check_arg(x, "erf_inv", 0)
    x = x if isinstance(x, Tracer) else np.asarray(x)
    dt = x.dtype
    if dt.kind != "f":
        raise TypeError(f"erf_inv: expected a float array, got {dt.name}")
    if dt == np.float16:  # as XLA: computed in float32
        return lax.convert_element_type(erf_inv(lax.convert_element_type(x, np.float32)), dt)
    with np.errstate(divide="ignore", invalid="ignore"):  # log1p(-1) at x = +-1: selected away
        p = _erfinv64(x) if dt == np.float64 else _erfinv32(x)
    result = lax.mul(p, x)
    edge = lax.eq(lax.abs(x), _const(1.0, x))
    # +-inf at +-1, with no derivative: its slope would turn zero cotangents into nan.
    inf = lax.select(lax.gt(x, _const(0.0, x)), xnp.full_like(x, np.inf),
                     xnp.full_like(x, -np.inf))
    return lax.select(edge, lax.stop_gradient(inf), result)


def _normal_real(k, shape, dt: np.dtype):
    # JAX: sqrt(2) * erf_inv(u) for u uniform in (-1, 1), the open lower end avoiding -inf.
    lo = np.nextafter(np.asarray(-1.0, dt), np.asarray(0.0, dt))
    u = _uniform(k, shape, dt, lo, np.asarray(1.0, dt))
    return lax.mul(np.asarray(np.sqrt(2), dt), erf_inv(u))


def normal(key, shape: Sequence[int] = (), dtype=None):
    """Standard normal samples (real, or complex with unit total variance), JAX's bits.

    >>> normal(PRNGKey(0), (2,)).round(4)
    array([-0.2058, -0.7848])
    """
    k = _check_keys(key, "normal")
    dt = np.dtype(np.float64 if dtype is None else dtype)
    shape = _canonical_shape(shape, "normal")
    if dt.kind == "c":
        rdt = np.dtype(f"f{dt.itemsize // 2}")
        k_re, k_im = _split2(k)
        parts = (_normal_real(k_re, shape, rdt), _normal_real(k_im, shape, rdt))
        return lax.div(lax.complex(*parts), np.asarray(np.sqrt(2), dt))
    if dt.kind != "f":
        raise TypeError(f"normal: dtype must be a float or complex dtype, got {dt.name}")
    return _normal_real(k, shape, dt)


def _split2(k):
    keys = split(k, 2)
    return tuple(lax.reshape(lax.slice(keys, (i, 0), (i + 1, 2)), (2,)) for i in (0, 1))


def _sampler_args(key, shape, dtype, fname: str):
    return (_check_keys(key, fname), _canonical_shape(shape, fname), _float_dtype(dtype, fname))


def exponential(key, shape: Sequence[int] = (), dtype=None):
    """Exponential(1) samples: -log1p(-u), as jax.random.exponential.

    >>> float(exponential(PRNGKey(0))) > 0
    True
    """
    k, shape, dt = _sampler_args(key, shape, dtype, "exponential")
    u = _uniform(k, shape, dt, np.asarray(0.0, dt), np.asarray(1.0, dt))
    return lax.neg(lax.log1p(lax.neg(u)))


def gumbel(key, shape: Sequence[int] = (), dtype=None):
    """Standard Gumbel samples: -log(-log(u)) with u in [tiny, 1), as jax.random.gumbel.

    >>> gumbel(PRNGKey(0), (3,)).shape
    (3,)
    """
    k, shape, dt = _sampler_args(key, shape, dtype, "gumbel")
    return _gumbel(k, shape, dt)


def _gumbel(k, shape, dt):
    u = _uniform(k, shape, dt, np.asarray(np.finfo(dt).tiny, dt), np.asarray(1.0, dt))
    return lax.neg(lax.log(lax.neg(lax.log(u))))


def laplace(key, shape: Sequence[int] = (), dtype=None):
    """Standard Laplace samples: sign(u) * log1p(-|u|), u in (-1, 1), as jax.random.laplace.

    >>> laplace(PRNGKey(0), (3,)).shape
    (3,)
    """
    k, shape, dt = _sampler_args(key, shape, dtype, "laplace")
    lo = np.asarray(-1.0 + np.finfo(dt).epsneg, dt)
    u = _uniform(k, shape, dt, lo, np.asarray(1.0, dt))
    return lax.mul(lax.sign(u), lax.log1p(lax.neg(lax.abs(u))))


def logistic(key, shape: Sequence[int] = (), dtype=None):
    """Standard logistic samples: log(u / (1 - u)), u in [tiny, 1), as jax.random.logistic.

    >>> logistic(PRNGKey(0), (3,)).shape
    (3,)
    """
    k, shape, dt = _sampler_args(key, shape, dtype, "logistic")
    u = _uniform(k, shape, dt, np.asarray(np.finfo(dt).tiny, dt), np.asarray(1.0, dt))
    return lax.log(lax.div(u, lax.sub(np.asarray(1.0, dt), u)))


def cauchy(key, shape: Sequence[int] = (), dtype=None):
    """Standard Cauchy samples: tan(pi * (u - 1/2)), u in [eps, 1), as jax.random.cauchy.

    >>> cauchy(PRNGKey(0), (3,)).shape
    (3,)
    """
    k, shape, dt = _sampler_args(key, shape, dtype, "cauchy")
    u = _uniform(k, shape, dt, np.asarray(np.finfo(dt).eps, dt), np.asarray(1.0, dt))
    return lax.tan(lax.mul(np.asarray(np.pi, dt), lax.sub(u, np.asarray(0.5, dt))))


# ---------------------------------------------------------------------------------------------
# Discrete samplers


def bernoulli(key, p=0.5, shape: Sequence[int] | None = None):
    """Booleans that are True with probability p: uniform(key, shape, dtype of p) < p.

    >>> bernoulli(PRNGKey(3), 0.3, (4,))
    array([False, False,  True,  True])
    """
    k = _check_keys(key, "bernoulli")
    p = check_arg(p, "bernoulli", 1)
    dt = dtype_of(p)
    if dt.kind != "f":
        raise TypeError(f"bernoulli: the probability p must have a float dtype, got {dt.name}")
    shape = _canonical_shape(shape, "bernoulli", shape_of(p))
    _broadcast_to(p, shape, "bernoulli", "p")
    p = p if isinstance(p, Tracer) else np.asarray(p, dt)
    u = _uniform(k, shape, dt, np.asarray(0.0, dt), np.asarray(1.0, dt))
    return lax.lt(u, _broadcast_to(p, shape, "bernoulli", "p"))


def rademacher(key, shape: Sequence[int] = (), dtype=None):
    """Random -1 and +1 with equal probability, of dtype (default int64).

    >>> set(np.unique(rademacher(PRNGKey(0), (20,)))) <= {-1, 1}
    True
    """
    k = _check_keys(key, "rademacher")
    dt = np.dtype(np.int64 if dtype is None else dtype)
    b = lax.convert_element_type(bernoulli(k, 0.5, _canonical_shape(shape, "rademacher")), dt)
    return lax.sub(lax.mul(np.asarray(2, dt), b), np.asarray(1, dt))


def _clip_to(x, dt: np.dtype):
    """Integer x converted to dt with values clipped to dt's range (JAX's convert-and-clip)."""
    src = dtype_of(x)
    info = np.iinfo(dt)
    lo, hi = max(info.min, np.iinfo(src).min), min(info.max, np.iinfo(src).max)
    x = lax.max(lax.min(x, np.asarray(hi, src)), np.asarray(lo, src))
    return lax.convert_element_type(x, dt)


def _int_bound(v, fname: str, what: str):
    v = check_arg(v, fname, 2)
    if isinstance(v, Tracer):
        if v.dtype.kind not in "iu":
            v = lax.convert_element_type(v, np.int64)
        return v
    v = np.asarray(v)
    if v.dtype.kind == "f":
        v = v.astype(np.int64)
    elif v.dtype.kind not in "iu":
        raise TypeError(f"{fname}: {what} must be an integer, got {v.dtype.name}")
    return v


def _urem(x, y):
    """Unsigned x % y with XLA's x % 0 == x."""
    zero = lax.eq(y, np.asarray(0, dtype_of(y)))
    safe = lax.select(zero, xnp.ones_like(y), y)
    return lax.select(zero, _broadcast_to(x, shape_of(safe), "randint", "bits")
                      if shape_of(x) != shape_of(safe) else x, lax.rem(x, safe))


def randint(key, shape: Sequence[int], minval, maxval, dtype=None):
    """Integers uniformly in [minval, maxval) (clipped to dtype's range), with JAX's
    two-halves method, so the same key gives JAX's integers.

    >>> randint(PRNGKey(4), (4,), 0, 10)
    array([5, 9, 6, 8])
    """
    k = _check_keys(key, "randint")
    shape = _canonical_shape(shape, "randint")
    dt = np.dtype(np.int64 if dtype is None else dtype)
    if dt.kind not in "iu":
        raise TypeError(f"randint: dtype must be an integer dtype, got {dt.name}")
    nbits = dt.itemsize * 8
    minval, maxval = (_int_bound(v, "randint", n) for v, n in ((minval, "minval"),
                                                              (maxval, "maxval")))
    for name, v in (("minval", minval), ("maxval", maxval)):
        _broadcast_to(v, shape, "randint", name)
    # maxval past dt's maximum (randint(k, s, 0, 256, uint8)) makes the span one larger.
    mdt = dtype_of(maxval)
    top = _clip_to(np.asarray(np.iinfo(dt).max, dt), mdt)
    out_of_range = lax.gt(maxval, top)
    minval, maxval = _clip_to(minval, dt), _clip_to(maxval, dt)
    k1, k2 = _split2(k)
    higher, lower = _random_bits(k1, nbits, shape), _random_bits(k2, nbits, shape)
    udt = np.dtype(f"uint{nbits}")
    span = lax.convert_element_type(lax.sub(maxval, minval), udt)
    one = np.asarray(1, udt)
    span = lax.select(lax.le(maxval, minval), xnp.ones_like(span), span)
    span = lax.select(lax.bitwise_and(out_of_range, lax.gt(maxval, minval)),
                      lax.add(span, one), span)
    span = _broadcast_to(span, shape, "randint", "the span")
    # (hi * 2**nbits + lo) % span, from parts that fit in nbits. A span of 2**nbits wraps
    # to 0, and XLA's x % 0 is x: the full range.
    multiplier = _urem(np.asarray(2 ** (nbits // 2), udt), span)
    multiplier = _urem(lax.mul(multiplier, multiplier), span)
    offset = lax.add(lax.mul(_urem(higher, span), multiplier), _urem(lower, span))
    offset = _urem(offset, span)
    return lax.add(_broadcast_to(minval, shape, "randint", "minval"),
                   lax.convert_element_type(offset, dt))


def _shuffle(k, x, axis: int):
    # As JAX: enough rounds of sorting by 32-bit random keys that ties (which keep the
    # previous order) are unlikely to bias the result.
    n = math.prod(shape_of(x))
    rounds = int(np.ceil(3 * np.log(max(1, n)) / np.log(np.iinfo(np.uint32).max)))
    for _ in range(rounds):
        k, sub = _split2(k)
        sort_keys = _random_bits(sub, 32, shape_of(x))
        _, x = lax.sort_key_val(sort_keys, x, axis)
    return x


def _axis(axis, ndim: int, fname: str) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"{fname}: axis {axis} is out of bounds for an array of {ndim} "
                         "dimensions")
    return axis % ndim


def permutation(key, x, axis: int = 0, independent: bool = False):
    """A random permutation of range(x) for an int x, or of x's entries along axis (each
    slice shuffled separately when independent), as jax.random.permutation.

    >>> sorted(permutation(PRNGKey(5), 4).tolist())
    [0, 1, 2, 3]
    """
    k = _check_keys(key, "permutation")
    if isinstance(x, int | np.integer) or (isinstance(x, np.ndarray) and x.ndim == 0
                                            and x.dtype.kind in "iu"):
        n = int(x)
        if n < 0:
            raise ValueError(f"permutation: x must be a non-negative int, got {n}")
        return _shuffle(k, lax.iota(np.int64, (n,)), 0)
    x = check_arg(x, "permutation", 1)
    if not isinstance(x, Tracer):
        x = np.asarray(x)
    if x.ndim == 0:
        raise TypeError("permutation: x must be an int or an array with at least one "
                        "dimension")
    axis = _axis(axis, x.ndim, "permutation")
    if independent or x.ndim == 1:
        return _shuffle(k, x, axis)
    ind = _shuffle(k, lax.iota(np.int64, (x.shape[axis],)), 0)
    return xnp.take(x, ind, axis=axis)


def shuffle(key, x, axis: int = 0):
    """Deprecated in JAX (and removed from its namespace): shuffles each slice along axis
    independently; use permutation(key, x, axis, independent=True).

    >>> import warnings; warnings.simplefilter("ignore")
    >>> sorted(shuffle(PRNGKey(0), np.arange(3)).tolist())
    [0, 1, 2]
    """
    warnings.warn("numbax.random.shuffle is deprecated (as jax.random.shuffle was); use "
                  "permutation(key, x, axis, independent=True)", DeprecationWarning,
                  stacklevel=2)
    k = _check_keys(key, "shuffle")
    x = check_arg(x, "shuffle", 1)
    x = x if isinstance(x, Tracer) else np.asarray(x)
    return _shuffle(k, x, _axis(axis, x.ndim, "shuffle"))


def choice(key, a, shape: Sequence[int] = (), replace: bool = True, p=None, axis: int = 0):
    """Random entries of a (or of range(a) for an int a), with or without replacement, with
    probabilities p, as jax.random.choice (same algorithms, so the same key picks the same
    entries: randint; a permutation's prefix; inverse-CDF search; Gumbel top-k).

    >>> choice(PRNGKey(7), 10, (4,), replace=False).shape
    (4,)
    """
    k = _check_keys(key, "choice")
    if not isinstance(shape, Sequence):
        raise TypeError(f"choice: shape must be a sequence of ints, got {shape!r}")
    shape = _canonical_shape(shape, "choice")
    arr = check_arg(a, "choice", 1)
    arr = arr if isinstance(arr, Tracer) else np.asarray(arr)
    if arr.ndim == 0:
        if isinstance(arr, Tracer) or arr.dtype.kind not in "iu":
            raise TypeError("choice: a must be an array or a static Python int")
        n_inputs = int(arr)
    else:
        axis = _axis(axis, arr.ndim, "choice")
        n_inputs = arr.shape[axis]
    n_draws = math.prod(shape)
    if n_draws == 0:
        return np.zeros(shape, arr.dtype)
    if n_inputs <= 0:
        raise ValueError("choice: a must be greater than 0 unless no samples are taken")
    if not replace and n_draws > n_inputs:
        raise ValueError(f"choice: cannot take a larger sample ({n_draws}) than the "
                         f"population ({n_inputs}) when replace=False")
    if p is None:
        if replace:
            ind = randint(k, shape, 0, n_inputs)
            result = ind if arr.ndim == 0 else xnp.take(arr, ind, axis=axis)
        else:
            perm = permutation(k, n_inputs if arr.ndim == 0 else arr, axis)
            ndim = 1 if arr.ndim == 0 else arr.ndim
            ax = 0 if arr.ndim == 0 else axis
            result = lax.slice(perm, (0,) * ndim,
                               tuple(n_draws if i == ax else d
                                     for i, d in enumerate(shape_of(perm))))
    else:
        ind = _choice_p(k, p, n_inputs, n_draws, shape, replace)
        result = ind if arr.ndim == 0 else xnp.take(arr, ind, axis=axis)
    out = shape if arr.ndim == 0 else arr.shape[:axis] + shape + arr.shape[axis + 1:]
    return lax.reshape(result, out)


def _choice_p(k, p, n_inputs: int, n_draws: int, shape, replace: bool):
    p = check_arg(p, "choice", 4)
    p = p if isinstance(p, Tracer) else np.asarray(p)
    if p.dtype.kind not in "f":
        p = lax.convert_element_type(p, np.float64)
    if shape_of(p) != (n_inputs,):
        raise ValueError(f"choice: p must be None or of shape ({n_inputs},), got "
                         f"{shape_of(p)}")
    if replace:
        cdf = xnp.cumsum(p)
        total = lax.slice(cdf, (n_inputs - 1,), (n_inputs,))
        u = uniform(k, shape, p.dtype)
        r = lax.mul(lax.reshape(total, ()), lax.sub(np.asarray(1.0, p.dtype), u))
        return xnp.searchsorted(cdf, r).astype(np.int64)
    # The Gumbel top-k trick: the n_draws largest of log(p) + Gumbel noise.
    with np.errstate(divide="ignore"):  # log(0) = -inf: never chosen
        g = lax.add(_gumbel(k, (n_inputs,), p.dtype), xnp.log(p))
    _, order = lax.sort_key_val(lax.neg(g), lax.iota(np.int64, (n_inputs,)))
    return lax.reshape(lax.slice(order, (0,), (n_draws,)), shape)


def categorical(key, logits, axis: int = -1, shape: Sequence[int] | None = None):
    """Category indices drawn with probabilities softmax(logits) along axis, by the
    Gumbel-max trick (argmax of logits + Gumbel noise), as jax.random.categorical.

    >>> categorical(PRNGKey(6), np.log([0.1, 0.2, 0.7]), shape=(8,)).shape
    (8,)
    """
    k = _check_keys(key, "categorical")
    logits = check_arg(logits, "categorical", 1)
    logits = logits if isinstance(logits, Tracer) else np.asarray(logits)
    if logits.dtype.kind != "f":
        logits = lax.convert_element_type(logits, np.float64)
    ndim = logits.ndim
    if ndim == 0:
        raise ValueError("categorical: logits must have at least one dimension")
    axis = _axis(axis, ndim, "categorical") - ndim  # negative, as JAX counts it
    batch = tuple(np.delete(np.array(logits.shape, dtype=np.int64), axis).tolist())
    shape = _canonical_shape(shape, "categorical", batch)
    if shape[len(shape) - len(batch):] != batch or len(shape) < len(batch):
        raise ValueError(f"categorical: shape {shape} must end with the logits' batch shape "
                         f"{batch}")
    prefix = shape[:len(shape) - len(batch)]
    full = list(batch)
    full.insert(axis % ndim, logits.shape[axis])
    noise = _gumbel(k, (*prefix, *full), logits.dtype)
    lg = lax.expand_dims(logits, tuple(range(len(prefix)))) if prefix else logits
    return lax.argmax(lax.add(noise, lg), (len(prefix) + ndim + axis), np.int64)


# XLA's Erf: Cephes' rational approximations for float64 (erf below 1, 1 - erfc above) and
# its own rational one for float32 (clamped where erf rounds to +-1).
_ERF64_T = (9.60497373987051638749E0, 9.00260197203842689217E1, 2.23200534594684319226E3,
            7.00332514112805075473E3, 5.55923013010394962768E4)
_ERF64_U = (1.00000000000000000000E0, 3.35617141647503099647E1, 5.21357949780152679795E2,
            4.59432382970980127987E3, 2.26290000613890934246E4, 4.92673942608635921086E4)
_ERFC64_P = (2.46196981473530512524E-10, 5.64189564831068821977E-1, 7.46321056442269912687E0,
             4.86371970985681366614E1, 1.96520832956077098242E2, 5.26445194995477358631E2,
             9.34528527171957607540E2, 1.02755188689515710272E3, 5.57535335369399327526E2)
_ERFC64_Q = (1.00000000000000000000E0, 1.32281951154744992508E1, 8.67072140885989742329E1,
             3.54937778887819891062E2, 9.75708501743205489753E2, 1.82390916687909736289E3,
             2.24633760818710981792E3, 1.65666309194161350182E3, 5.57535340817727675546E2)
_ERFC64_R = (5.64189583547755073984E-1, 1.27536670759978104416E0, 5.01905042251180477414E0,
             6.16021097993053585195E0, 7.40974269950448939160E0, 2.97886665372100240670E0)
_ERFC64_S = (1.00000000000000000000E0, 2.26052863220117276590E0, 9.39603524938001434673E0,
             1.20489539808096656605E1, 1.70814450747565897222E1, 9.60896809063285878198E0,
             3.36907645100081516050E0)
_ERF32_ALPHA = (0.00022905065861350646, 0.0034082910107109506, 0.050955695062380861,
                0.18520832239976145, 1.128379143519084)
_ERF32_BETA = (-1.1791602954361697e-7, 0.000023547966471313185, 0.0010179625278914885,
               0.014070470171167667, 0.11098505178285362, 0.49746925110067538, 1.0)


def _polynomial(x, coefficients):
    p = _const(0.0, x)
    for c in coefficients:
        p = lax.add(lax.mul(p, x), _const(c, x))
    return p


def _erf(x):
    """erf as XLA computes it (lax.erf), for float32/float64 arrays or tracers."""
    if dtype_of(x) == np.float64:
        z = lax.mul(x, x)
        small = lax.div(lax.mul(x, _polynomial(z, _ERF64_T)), _polynomial(z, _ERF64_U))
        a = lax.abs(x)
        e = lax.exp(lax.neg(z))
        mid = lax.div(lax.mul(e, _polynomial(a, _ERFC64_P)), _polynomial(a, _ERFC64_Q))
        far = lax.div(lax.mul(e, _polynomial(a, _ERFC64_R)), _polynomial(a, _ERFC64_S))
        erfc = lax.select(lax.lt(a, _const(8.0, x)), mid, far)
        erfc = lax.select(lax.lt(lax.neg(z), _const(-7.09782712893383996843E2, x)),
                          xnp.zeros_like(erfc), erfc)
        erfc = lax.select(lax.lt(x, _const(0.0, x)), lax.sub(_const(2.0, x), erfc), erfc)
        return lax.select(lax.lt(a, _const(1.0, x)), small, lax.sub(_const(1.0, x), erfc))
    c = 3.7439211627767994  # erfinv(1 - 2**-23): erf rounds to +-1 beyond it
    x = lax.min(lax.max(x, _const(-c, x)), _const(c, x))
    x2 = lax.mul(x, x)
    return lax.div(lax.mul(x, _polynomial(x2, _ERF32_ALPHA)), _polynomial(x2, _ERF32_BETA))


def truncated_normal(key, lower, upper, shape: Sequence[int] | None = None, dtype=None):
    """Standard normal samples conditioned on lower < x < upper, by inverting the CDF
    between erf(lower / sqrt 2) and erf(upper / sqrt 2), as jax.random.truncated_normal.

    >>> x = truncated_normal(PRNGKey(8), -1.0, 2.0, (100,))
    >>> bool(((x > -1) & (x < 2)).all())
    True
    """
    k = _check_keys(key, "truncated_normal")
    dt = _float_dtype(dtype, "truncated_normal")
    shape = _canonical_shape(shape, "truncated_normal",
                             np.broadcast_shapes(shape_of(lower), shape_of(upper)))
    sqrt2 = np.asarray(np.sqrt(2), dt)
    lo, hi = _as(lower, dt, "truncated_normal"), _as(upper, dt, "truncated_normal")
    for name, v in (("lower", lo), ("upper", hi)):
        _broadcast_to(v, shape, "truncated_normal", name)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # unselected branches
        a, b = _erf(lax.div(lo, sqrt2)), _erf(lax.div(hi, sqrt2))
        out = lax.mul(sqrt2, erf_inv(_uniform(k, shape, dt, a, b)))
    # Rounding (or u == a) may land on a bound: clamp into the open interval.
    lo_in = lax.nextafter(lax.stop_gradient(lo), _const(np.inf, lo))
    hi_in = lax.nextafter(lax.stop_gradient(hi), _const(-np.inf, hi))
    return lax.min(lax.max(out, _broadcast_to(lo_in, shape, "truncated_normal", "lower")),
                   _broadcast_to(hi_in, shape, "truncated_normal", "upper"))


def _gamma_one(k, alpha, log_space: bool = False):
    """One Gamma(alpha) sample by Marsaglia and Tsang's method, step for step as JAX's
    _gamma_one (so its keys and its accept/reject decisions are JAX's)."""
    dt = dtype_of(alpha)
    c_ = lambda v: np.asarray(v, dt)  # noqa: E731
    zero, one = c_(0.0), c_(1.0)
    # alpha < 1 samples Gamma(alpha + 1) * U ** (1 / alpha).
    boost_mask = lax.ge(alpha, one)
    alpha_orig = alpha
    alpha = lax.select(boost_mask, alpha, lax.add(alpha, one))
    d = lax.sub(alpha, c_(1 / 3))
    c = lax.div(c_(1 / 3), lax.sqrt(d))

    def rejected(state):
        _, x2, v, u = state
        squeeze = lax.ge(u, lax.sub(one, lax.mul(c_(0.0331), lax.mul(x2, x2))))
        logtest = lax.ge(lax.log(u), lax.add(lax.mul(x2, c_(0.5)), lax.mul(
            d, lax.add(lax.sub(one, v), lax.log(v)))))
        return lax.bitwise_and(squeeze, logtest)

    def next_candidate(state):
        kk, _, _ = state
        kk, sub = _split2(kk)
        x = _normal_real(sub, (), dt)
        return kk, x, lax.add(one, lax.mul(x, c))

    def propose(state):
        keys = split(state[0], 3)
        kk, xk, uk = (lax.reshape(lax.slice(keys, (i, 0), (i + 1, 2)), (2,)) for i in range(3))
        _, x, v = lax.while_loop(lambda s: lax.le(s[2], zero), next_candidate,
                                 (xk, zero, c_(-1.0)))
        u = _uniform(uk, (), dt, zero, one)
        return kk, lax.mul(x, x), lax.mul(lax.mul(v, v), v), u

    k, sub = _split2(k)
    _, _, v, _ = lax.while_loop(rejected, propose, (k, zero, one, c_(2.0)))
    if log_space:
        # log Gamma(alpha) without the underflow of U ** (1 / alpha) for tiny alpha.
        log_u = lax.log1p(lax.neg(_uniform(sub, (), dt, zero, one)))  # -exponential
        skip = lax.bitwise_or(boost_mask, lax.eq(log_u, zero))
        log_boost = lax.select(skip, zero, lax.mul(log_u, lax.div(one, alpha_orig)))
        return lax.add(lax.add(lax.log(d), lax.log(v)), log_boost)
    samples = lax.sub(one, _uniform(sub, (), dt, zero, one))
    boost = lax.select(boost_mask, one, lax.pow(samples, lax.div(one, alpha_orig)))
    return lax.mul(lax.mul(d, v), boost)


def gamma(key, a, shape: Sequence[int] | None = None, dtype=None):
    """Gamma(a, 1) samples: one key per element (split(key, size)), each drawn by
    Marsaglia-Tsang rejection as jax.random.gamma, so the same key gives JAX's samples
    (to the rounding of log and pow). Differentiable in a by the implicit
    reparameterisation gradient, as JAX: dx/da = -(dP(a, x)/da) / density(x).

    >>> float(gamma(PRNGKey(9), 2.5)) > 0
    True
    """
    return _gamma(key, a, shape, dtype, "gamma", log_space=False)


def loggamma(key, a, shape: Sequence[int] | None = None, dtype=None):
    """log of Gamma(a, 1) samples, computed in log space (accurate for tiny a), as
    jax.random.loggamma.

    >>> float(loggamma(PRNGKey(0), 0.01)) < 0
    True
    """
    return _gamma(key, a, shape, dtype, "loggamma", log_space=True)


def _digamma_positive(a):
    """digamma(a) for a > 0: the recurrence up to a + 10, then the asymptotic series."""
    c = lambda v: _const(v, a)  # noqa: E731
    shift = xnp.zeros_like(a)
    for i in range(10):
        shift = lax.add(shift, lax.div(c(1.0), lax.add(a, c(float(i)))))
    y = lax.add(a, c(10.0))
    r = lax.div(c(1.0), lax.mul(y, y))
    # log y - 1/(2y) - sum B_2k / (2k y**2k), through the y**-10 term.
    tail = _polynomial(r, (1 / 132, -1 / 240, 1 / 252, -1 / 120, 1 / 12))
    series = lax.sub(lax.sub(lax.log(y), lax.div(c(0.5), y)), lax.mul(r, tail))
    return lax.sub(series, shift)


def _dlog_gamma_sample(a, log_x):
    """d log(x) / d a for x = Gamma(a)'s quantile at a fixed probability (the implicit
    reparameterisation gradient): -(dP(a, x)/da) / (x * density), from the series of the
    regularised incomplete gamma P below max(1, a) and the continued fraction of Q above
    (Cephes' igam/igamc), each carried with its derivative in a."""
    dt = dtype_of(a)
    c = lambda v: np.asarray(v, dt)  # noqa: E731
    eps, big = np.finfo(dt).eps, 2.0 ** (np.finfo(dt).nmant + 1)
    x = lax.exp(log_x)
    use_cf = lax.bitwise_and(lax.gt(x, c(1.0)), lax.gt(x, a))
    # The series P = x**a e**-x / Gamma(a + 1) * sum(c_n), c_n = c_{n-1} * x / (a + n).
    a_s = lax.select(use_cf, xnp.ones_like(a), a)  # each branch sees the inputs it handles
    x_s = lax.select(use_cf, xnp.full_like(x, 0.5), x)

    def series_body(state):
        i, r, term, dterm, total, dtotal = state
        r = lax.add(r, c(1.0))
        term = lax.mul(term, lax.div(x_s, r))
        dterm = lax.sub(lax.mul(dterm, lax.div(x_s, r)), lax.div(term, r))
        return (lax.add(i, np.int64(1)), r, term, dterm, lax.add(total, term),
                lax.add(dtotal, dterm))

    def series_cond(state):
        i, _, term, dterm, total, dtotal = state
        big_term = lax.bitwise_or(lax.gt(lax.abs(term), lax.mul(c(eps), lax.abs(total))),
                                  lax.gt(lax.abs(dterm), lax.mul(c(eps), lax.abs(dtotal))))
        return lax.bitwise_and(xnp.any(big_term), lax.lt(i, np.int64(2000)))

    one, zero = xnp.ones_like(a), xnp.zeros_like(a)
    _, _, _, _, total, dtotal = lax.while_loop(series_cond, series_body,
                                               (np.int64(0), a_s, one, zero, one, zero))
    log_xs = lax.log(x_s)
    series = lax.neg(lax.div(lax.add(lax.mul(lax.sub(log_xs, _digamma_positive(
        lax.add(a_s, c(1.0)))), total), dtotal), a_s))
    # Q's continued fraction: convergents pk / qk, each with its derivative in a.
    a_c = lax.select(use_cf, a, xnp.ones_like(a))
    x_c = lax.select(use_cf, x, xnp.full_like(x, 2.0))
    y0 = lax.sub(c(1.0), a_c)
    z0 = lax.add(lax.add(x_c, y0), c(1.0))

    def cf_body(state):
        i, y, z, n, p2, q2, p1, q1, dp2, dq2, dp1, dq1, ans, dans, _ = state
        n, y, z = lax.add(n, c(1.0)), lax.add(y, c(1.0)), lax.add(z, c(2.0))
        yc = lax.mul(y, n)
        pk = lax.sub(lax.mul(p1, z), lax.mul(p2, yc))
        qk = lax.sub(lax.mul(q1, z), lax.mul(q2, yc))
        # d/da: dy = dz = -1, so d(yc) = -n.
        dpk = lax.add(lax.sub(lax.sub(lax.mul(dp1, z), p1), lax.mul(dp2, yc)), lax.mul(p2, n))
        dqk = lax.add(lax.sub(lax.sub(lax.mul(dq1, z), q1), lax.mul(dq2, yc)), lax.mul(q2, n))
        ok = lax.ne(qk, c(0.0))
        safe_q = lax.select(ok, qk, xnp.ones_like(qk))
        new = lax.select(ok, lax.div(pk, safe_q), ans)
        dnew = lax.select(ok, lax.div(lax.sub(dpk, lax.mul(new, dqk)), safe_q), dans)
        moved = lax.bitwise_or(lax.gt(lax.abs(lax.sub(new, ans)), lax.mul(c(eps), lax.abs(new))),
                               lax.gt(lax.abs(lax.sub(dnew, dans)),
                                      lax.mul(c(eps), lax.abs(dnew))))
        # Rescale (all of one convergent's terms alike) before they overflow.
        scale = lax.select(lax.gt(lax.abs(pk), c(big)), xnp.full_like(pk, 1 / big),
                           xnp.ones_like(pk))
        p2, q2, p1, q1 = (lax.mul(v, scale) for v in (p1, q1, pk, qk))
        dp2, dq2, dp1, dq1 = (lax.mul(v, scale) for v in (dp1, dq1, dpk, dqk))
        return (lax.add(i, np.int64(1)), y, z, n, p2, q2, p1, q1, dp2, dq2, dp1, dq1, new,
                dnew, moved)

    def cf_cond(state):
        return lax.bitwise_and(xnp.any(state[-1]), lax.lt(state[0], np.int64(2000)))

    q1 = lax.mul(z0, x_c)
    p1 = lax.add(x_c, c(1.0))
    init = (np.int64(0), y0, z0, zero, one, x_c, p1, q1, zero, zero, zero, lax.neg(x_c),
            lax.div(p1, q1), lax.div(lax.mul(p1, x_c), lax.mul(q1, q1)),
            xnp.ones_like(a, dtype=bool))
    state = lax.while_loop(cf_cond, cf_body, init)
    ans, dans = state[12], state[13]
    cf = lax.add(lax.mul(lax.sub(lax.log(x_c), _digamma_positive(a_c)), ans), dans)
    return lax.select(use_cf, cf, series)


def _gamma(key, a, shape, dtype, fname: str, log_space: bool):
    from .api import vmap
    k = _check_keys(key, fname)
    dt = _float_dtype(dtype, fname)
    shape = _canonical_shape(shape, fname, shape_of(a))
    a = _broadcast_to(_as(a, dt, fname), shape, fname, "a")
    size = math.prod(shape)
    if size == 0:
        return np.zeros(shape, dt)
    keys = split(k, size)

    @custom_jvp
    def sample(alphas):
        return vmap(lambda kk, al: _gamma_one(kk, al, log_space))(keys, alphas)

    @sample.defjvp
    def sample_jvp(primals, tangents):
        (alphas,), (t,) = primals, tangents
        out = sample(alphas)
        if log_space:
            return out, lax.mul(_dlog_gamma_sample(alphas, out), t)
        # x * dlog(x)/da, with 0 where x underflowed to 0.
        pos = lax.gt(out, np.asarray(0, dt))
        safe = lax.select(pos, out, xnp.ones_like(out))
        slope = lax.mul(safe, _dlog_gamma_sample(alphas, lax.log(safe)))
        return out, lax.mul(lax.select(pos, slope, xnp.zeros_like(out)), t)

    return lax.reshape(sample(lax.reshape(a, (size,))), shape)


def beta(key, a, b, shape: Sequence[int] | None = None, dtype=None):
    """Beta(a, b) samples from two log-space gamma samples, as jax.random.beta.

    >>> x = beta(PRNGKey(0), 2.0, 3.0, (5,))
    >>> bool(((x > 0) & (x < 1)).all())
    True
    """
    k = _check_keys(key, "beta")
    dt = _float_dtype(dtype, "beta")
    shape = _canonical_shape(shape, "beta", np.broadcast_shapes(shape_of(a), shape_of(b)))
    ka, kb = _split2(k)
    log_a = loggamma(ka, _broadcast_to(_as(a, dt, "beta"), shape, "beta", "a"), shape, dt)
    log_b = loggamma(kb, _broadcast_to(_as(b, dt, "beta"), shape, "beta", "b"), shape, dt)
    # ga / (ga + gb) scaled by the larger, so that neither underflows.
    top = lax.max(log_a, log_b)
    ga, gb = lax.exp(lax.sub(log_a, top)), lax.exp(lax.sub(log_b, top))
    return lax.div(ga, lax.add(ga, gb))


def dirichlet(key, alpha, shape: Sequence[int] | None = None, dtype=None):
    """Dirichlet(alpha) samples of shape shape + alpha.shape[-1:]: the softmax of log-space
    gamma samples, as jax.random.dirichlet.

    >>> float(dirichlet(PRNGKey(0), np.ones(3)).sum())
    1.0
    """
    k = _check_keys(key, "dirichlet")
    dt = _float_dtype(dtype, "dirichlet")
    alpha = _as(alpha, dt, "dirichlet")
    if alpha.ndim < 1:
        raise ValueError("dirichlet: alpha must have at least one dimension, got a scalar")
    shape = _canonical_shape(shape, "dirichlet", alpha.shape[:-1])
    full = (*shape, alpha.shape[-1])
    g = loggamma(k, _broadcast_to(alpha, full, "dirichlet", "alpha"), full, dt)
    top = lax.stop_gradient(xnp.max(g, axis=-1, keepdims=True))
    e = lax.exp(lax.sub(g, top))
    return lax.div(e, xnp.sum(e, axis=-1, keepdims=True))


def t(key, df, shape: Sequence[int] = (), dtype=None):
    """Student's t samples with df degrees of freedom: normal * sqrt(df / 2 / gamma(df / 2)),
    as jax.random.t.

    >>> t(PRNGKey(0), 3.0, (4,)).shape
    (4,)
    """
    k = _check_keys(key, "t")
    dt = _float_dtype(dtype, "t")
    shape = _canonical_shape(shape, "t")
    kn, kg = _split2(k)
    n = _normal_real(kn, shape, dt)
    half_df = lax.div(_broadcast_to(_as(df, dt, "t"), shape, "t", "df"), np.asarray(2.0, dt))
    g = gamma(kg, half_df, shape, dt)
    return lax.mul(n, lax.sqrt(lax.div(half_df, g)))


def multivariate_normal(key, mean, cov, shape: Sequence[int] | None = None, dtype=None,
                        method: str = "cholesky"):
    """Samples of N(mean, cov): mean + factor @ z with factor the Cholesky factor of cov
    (or from its SVD or eigh), as jax.random.multivariate_normal; differentiable in mean and
    cov.

    >>> multivariate_normal(PRNGKey(0), np.zeros(2), np.eye(2), (3,)).shape
    (3, 2)
    """
    k = _check_keys(key, "multivariate_normal")
    dt = _float_dtype(dtype, "multivariate_normal")
    if method not in ("cholesky", "svd", "eigh"):
        raise ValueError(f"multivariate_normal: method must be 'cholesky', 'svd' or 'eigh', "
                         f"got {method!r}")
    mean, cov = _as(mean, dt, "multivariate_normal"), _as(cov, dt, "multivariate_normal")
    if mean.ndim < 1 or cov.ndim < 2:
        raise ValueError("multivariate_normal: mean must have at least one dimension and cov "
                         f"two, got shapes {mean.shape} and {cov.shape}")
    n = mean.shape[-1]
    if cov.shape[-2:] != (n, n):
        raise ValueError(f"multivariate_normal: cov must have shape (..., {n}, {n}) to match "
                         f"mean's {mean.shape}, got {cov.shape}")
    batch = np.broadcast_shapes(mean.shape[:-1], cov.shape[:-2])
    shape = _canonical_shape(shape, "multivariate_normal", batch)
    if np.broadcast_shapes(shape, batch) != shape:
        raise ValueError(f"multivariate_normal: shape {shape} does not hold the batch shape "
                         f"{batch} of mean and cov")
    if method == "svd":
        u, s, _ = xla.svd(cov)
        factor = u * xnp.sqrt(s[..., None, :])
    elif method == "eigh":
        w, v = xla.eigh(cov)
        factor = v * xnp.sqrt(w[..., None, :])
    else:
        factor = xla.cholesky(cov)
    z = _normal_real(k, (*shape, n), dt)
    return mean + xnp.einsum("...ij,...j->...i", factor, z)


def orthogonal(key, n: int, shape: Sequence[int] = (), dtype=None, m: int | None = None):
    """Random n x m matrices with orthonormal columns (or rows, n < m), uniform in the Haar
    measure: the Q of a Gaussian matrix's QR with R's diagonal made positive, as
    jax.random.orthogonal.

    >>> q = orthogonal(PRNGKey(0), 3)
    >>> bool(np.allclose(q.T @ q, np.eye(3)))
    True
    """
    k = _check_keys(key, "orthogonal")
    dt = _float_dtype(dtype, "orthogonal")
    shape = _canonical_shape(shape, "orthogonal")
    m = n if m is None else m
    n, m = (operator.index(v) for v in (n, m))
    z = _normal_real(k, (*shape, max(n, m), min(n, m)), dt)
    q, r = xla.qr(z)
    d = xla.diagonal(r)
    x = q * xnp.expand_dims(d / xnp.abs(d), -2)
    return xnp.swapaxes(x, -1, -2) if n < m else x


def _lgamma_large(x):
    """log Gamma(x) for x >= 1 (floats of one dtype): Stirling's series at x + 6, shifted
    back; numbax has no lgamma primitive yet (Poisson's rejection test only compares it)."""
    c = lambda v: np.asarray(v, dtype_of(x))  # noqa: E731
    y = lax.add(x, c(6.0))
    prod = x
    for i in range(1, 6):
        prod = lax.mul(prod, lax.add(x, c(float(i))))
    r = lax.div(c(1.0), lax.mul(y, y))
    series = lax.div(lax.add(c(1 / 12), lax.mul(r, lax.add(c(-1 / 360), lax.mul(
        r, lax.add(c(1 / 1260), lax.mul(r, c(-1 / 1680))))))), y)
    stirling = lax.add(lax.sub(lax.mul(lax.sub(y, c(0.5)), lax.log(y)), y),
                       lax.add(c(0.5 * math.log(2 * math.pi)), series))
    return lax.sub(stirling, lax.log(prod))


def _poisson_knuth(k, lam, shape, dt):
    def body(carry):
        i, n, kk, log_prod = carry
        kk, sub = _split2(kk)
        n = lax.select(lax.gt(log_prod, lax.neg(lam)), lax.add(n, np.asarray(1, dt)), n)
        u = _uniform(sub, shape, np.dtype(np.float32), np.float32(0), np.float32(1))
        return lax.add(i, np.int64(1)), n, kk, lax.add(log_prod, lax.log(u))

    def cond(carry):
        return xnp.any(lax.gt(carry[3], lax.neg(lam)))

    init = (np.int64(0), np.zeros(shape, dt), k, np.zeros(shape, np.float32))
    return lax.sub(lax.while_loop(cond, body, init)[1], np.asarray(1, dt))


def _poisson_rejection(k, lam, shape, dt):
    # Hormann's transformed rejection (PTRS), as JAX (and TensorFlow) implement it.
    c = lambda v: np.asarray(v, np.float32)  # noqa: E731
    log_lam = lax.log(lam)
    b = lax.add(c(0.931), lax.mul(c(2.53), lax.sqrt(lam)))
    a = lax.add(c(-0.059), lax.mul(c(0.02483), b))
    inv_alpha = lax.add(c(1.1239), lax.div(c(1.1328), lax.sub(b, c(3.4))))
    v_r = lax.sub(c(0.9277), lax.div(c(3.6224), lax.sub(b, c(2.0))))

    def body(carry):
        i, k_out, accepted, kk = carry
        keys = split(kk, 3)
        kk, k0, k1 = (lax.reshape(lax.slice(keys, (j, 0), (j + 1, 2)), (2,)) for j in range(3))
        u = lax.sub(_uniform(k0, shape, np.dtype(np.float32), c(0), c(1)), c(0.5))
        v = _uniform(k1, shape, np.dtype(np.float32), c(0), c(1))
        us = lax.sub(c(0.5), lax.abs(u))
        kv = lax.floor(lax.add(lax.add(lax.mul(lax.add(lax.div(lax.mul(c(2), a), us), b), u),
                                       lam), c(0.43)))
        s = lax.log(lax.div(lax.mul(v, inv_alpha), lax.add(lax.div(a, lax.mul(us, us)), b)))
        tt = lax.sub(lax.add(lax.neg(lam), lax.mul(kv, log_lam)),
                     _lgamma_large(lax.max(lax.add(kv, c(1)), c(1))))
        accept1 = lax.bitwise_and(lax.ge(us, c(0.07)), lax.le(v, v_r))
        reject = lax.bitwise_or(lax.lt(kv, c(0)),
                                lax.bitwise_and(lax.lt(us, c(0.013)), lax.gt(v, us)))
        accept = lax.bitwise_or(accept1, lax.bitwise_and(lax.bitwise_not(reject),
                                                         lax.le(s, tt)))
        k_out = lax.select(accept, kv, k_out)
        return lax.add(i, np.int64(1)), k_out, lax.bitwise_or(accepted, accept), kk

    def cond(carry):
        return xnp.any(lax.bitwise_not(carry[2]))

    init = (np.int64(0), np.full(shape, -1, np.float32), np.zeros(shape, bool), k)
    return lax.convert_element_type(lax.while_loop(cond, body, init)[1], dt)


def poisson(key, lam, shape: Sequence[int] | None = None, dtype=None):
    """Poisson(lam) counts: Knuth's multiplication method for lam < 10 and Hormann's
    transformed rejection above, in float32 as jax.random.poisson (same keys and
    algorithms; the rejection test's log-gamma is a Stirling series here, not XLA's).

    >>> poisson(PRNGKey(0), 3.0, (4,)).dtype
    dtype('int64')
    """
    k = _check_keys(key, "poisson")
    dt = np.dtype(np.int64 if dtype is None else dtype)
    if dt.kind not in "iu":
        raise TypeError(f"poisson: dtype must be an integer dtype, got {dt.name}")
    shape = _canonical_shape(shape, "poisson", shape_of(lam))
    lam = _broadcast_to(_as(lam, np.dtype(np.float32), "poisson"), shape, "poisson", "lam")
    lam = lax.stop_gradient(lam)
    use_knuth = lax.bitwise_or(lax.ne(lam, lam), lax.lt(lam, np.float32(10)))
    lam_knuth = lax.select(use_knuth, lam, xnp.zeros_like(lam))
    lam_rej = lax.select(use_knuth, xnp.full_like(lam, 1e5), lam)
    # Rejected candidates far in the tails overflow float32 harmlessly (they are rejected).
    with np.errstate(over="ignore", invalid="ignore"):
        out = lax.select(use_knuth, _poisson_knuth(k, lam_knuth, shape, dt),
                         _poisson_rejection(k, lam_rej, shape, dt))
    return lax.select(lax.eq(lam, np.float32(0)), xnp.zeros_like(out), out)


# ---------------------------------------------------------------------------------------------
# Samplers composed of the ones above (JAX's formulas, so the same key gives JAX's draws to
# the rounding of the functions they apply)


def _param(x, dt: np.dtype, shape, fname: str, what: str):
    """A parameter as dt, broadcast to the sample shape."""
    return _broadcast_to(_as(x, dt, fname), shape, fname, what)


def _params_shape(shape, fname: str, *params) -> tuple[int, ...]:
    return _canonical_shape(shape, fname, np.broadcast_shapes(*map(shape_of, params)))


def chisquare(key, df, shape: Sequence[int] | None = None, dtype=None):
    """Chi-square samples with df degrees of freedom: 2 exp(loggamma(df / 2)), as
    jax.random.chisquare; differentiable in df.

    >>> float(chisquare(PRNGKey(0), 3.0)) > 0
    True
    """
    k = _check_keys(key, "chisquare")
    dt = _float_dtype(dtype, "chisquare")
    shape = _params_shape(shape, "chisquare", df)
    half_df = lax.div(_param(df, dt, shape, "chisquare", "df"), np.asarray(2.0, dt))
    return lax.mul(lax.exp(loggamma(k, half_df, shape, dt)), np.asarray(2.0, dt))


def f(key, dfnum, dfden, shape: Sequence[int] | None = None, dtype=None):
    """F-distribution samples: (chisquare(dfnum) / dfnum) / (chisquare(dfden) / dfden), as
    jax.random.f.

    >>> float(f(PRNGKey(0), 3.0, 5.0)) > 0
    True
    """
    k = _check_keys(key, "f")
    dt = _float_dtype(dtype, "f")
    shape = _params_shape(shape, "f", dfnum, dfden)
    dfnum, dfden = (_param(v, dt, shape, "f", n) for v, n in ((dfnum, "dfnum"),
                                                             (dfden, "dfden")))
    k_den, k_num = _split2(k)
    num = lax.div(chisquare(k_num, dfnum, shape, dt), dfnum)
    return lax.div(num, lax.div(chisquare(k_den, dfden, shape, dt), dfden))


def lognormal(key, sigma=1.0, shape: Sequence[int] | None = None, dtype=None):
    """exp(sigma * normal) samples, as jax.random.lognormal; differentiable in sigma.

    >>> float(lognormal(PRNGKey(0))) > 0
    True
    """
    k = _check_keys(key, "lognormal")
    dt = _float_dtype(dtype, "lognormal")
    shape = _params_shape(shape, "lognormal", sigma)
    sigma = _param(sigma, dt, shape, "lognormal", "sigma")
    return lax.exp(lax.mul(sigma, _normal_real(k, shape, dt)))


def pareto(key, b, shape: Sequence[int] | None = None, dtype=None):
    """Pareto samples with shape parameter b (support [1, inf)): exp(exponential / b), as
    jax.random.pareto.

    >>> float(pareto(PRNGKey(0), 3.0)) >= 1
    True
    """
    k = _check_keys(key, "pareto")
    dt = _float_dtype(dtype, "pareto")
    shape = _params_shape(shape, "pareto", b)
    b = _param(b, dt, shape, "pareto", "b")
    return lax.exp(lax.div(exponential(k, shape, dt), b))


def rayleigh(key, scale, shape: Sequence[int] | None = None, dtype=None):
    """Rayleigh samples: scale * sqrt(-2 log(u)), as jax.random.rayleigh.

    >>> float(rayleigh(PRNGKey(0), 1.0)) > 0
    True
    """
    k = _check_keys(key, "rayleigh")
    dt = _float_dtype(dtype, "rayleigh")
    shape = _params_shape(shape, "rayleigh", scale)
    u = _uniform(k, shape, dt, np.asarray(0.0, dt), np.asarray(1.0, dt))
    scale = _param(scale, dt, shape, "rayleigh", "scale")
    with np.errstate(divide="ignore"):  # u == 0 (probability 2**-53) gives inf, as JAX
        return lax.mul(scale, lax.sqrt(lax.mul(lax.log(u), np.asarray(-2.0, dt))))


def weibull_min(key, scale, concentration, shape: Sequence[int] = (), dtype=None):
    """Weibull samples: scale * (-log1p(-u)) ** (1 / concentration), as
    jax.random.weibull_min.

    >>> float(weibull_min(PRNGKey(0), 1.0, 2.0)) > 0
    True
    """
    k = _check_keys(key, "weibull_min")
    dt = _float_dtype(dtype, "weibull_min")
    shape = _canonical_shape(shape, "weibull_min")
    u = _uniform(k, shape, dt, np.asarray(0.0, dt), np.asarray(1.0, dt))
    scale = _param(scale, dt, shape, "weibull_min", "scale")
    conc = _param(concentration, dt, shape, "weibull_min", "concentration")
    e = lax.neg(lax.log1p(lax.neg(u)))
    return lax.mul(xnp.power(e, lax.div(np.asarray(1.0, dt), conc)), scale)


def wald(key, mean, shape: Sequence[int] | None = None, dtype=None):
    """Wald (inverse Gaussian) samples with the given mean and unit shape, by Michael,
    Schucany and Haas' transformation of a normal and a uniform, as jax.random.wald.

    >>> float(wald(PRNGKey(0), 1.0)) > 0
    True
    """
    k = _check_keys(key, "wald")
    dt = _float_dtype(dtype, "wald")
    shape = _params_shape(shape, "wald", mean)
    mean = _param(mean, dt, shape, "wald", "mean")
    k1, k2 = _split2(k)
    v = _normal_real(k1, shape, dt)
    z = _uniform(k2, shape, dt, np.asarray(0.0, dt), np.asarray(1.0, dt))
    y = lax.mul(v, v)
    mean_sq = lax.mul(mean, mean)
    root = lax.sqrt(lax.add(lax.mul(lax.mul(np.asarray(4.0, dt), mean), y),
                            lax.mul(mean_sq, lax.mul(y, y))))
    half = np.asarray(0.5, dt)
    x = lax.sub(lax.add(mean, lax.mul(lax.mul(mean_sq, y), half)),
                lax.mul(lax.mul(mean, half), root))
    return lax.select(lax.le(z, lax.div(mean, lax.add(mean, x))), x, lax.div(mean_sq, x))


def triangular(key, left, mode, right, shape: Sequence[int] | None = None, dtype=None):
    """Triangular samples on [left, right] peaking at mode, by inverting the cdf, as
    jax.random.triangular.

    >>> 0 <= float(triangular(PRNGKey(0), 0.0, 0.5, 1.0)) <= 1
    True
    """
    k = _check_keys(key, "triangular")
    dt = _float_dtype(dtype, "triangular")
    shape = _params_shape(shape, "triangular", left, mode, right)
    left, mode, right = (_param(v, dt, shape, "triangular", n) for v, n in (
        (left, "left"), (mode, "mode"), (right, "right")))
    width = lax.sub(right, left)
    u = _uniform(k, shape, dt, np.asarray(0.0, dt), np.asarray(1.0, dt))
    c1 = lax.add(left, lax.sqrt(lax.mul(lax.mul(u, width), lax.sub(mode, left))))
    c2 = lax.sub(right, lax.sqrt(lax.mul(lax.mul(lax.sub(np.asarray(1.0, dt), u), width),
                                         lax.sub(right, mode))))
    return lax.select(lax.lt(u, lax.div(lax.sub(mode, left), width)), c1, c2)


def maxwell(key, shape: Sequence[int] = (), dtype=None):
    """Maxwell samples: the length of a standard normal 3-vector, as jax.random.maxwell.

    >>> maxwell(PRNGKey(0), (2,)).shape
    (2,)
    """
    k, shape, dt = _sampler_args(key, shape, dtype, "maxwell")
    return xla.norm(_normal_real(k, (*shape, 3), dt), axis=-1)


def double_sided_maxwell(key, loc, scale, shape: Sequence[int] | None = None, dtype=None):
    """Maxwell samples with a random sign, scaled and shifted: sign * maxwell * scale + loc,
    as jax.random.double_sided_maxwell. The sample shape defaults to the parameters'.

    >>> double_sided_maxwell(PRNGKey(0), 0.0, 1.0, (3,)).shape
    (3,)
    """
    k = _check_keys(key, "double_sided_maxwell")
    dt = _float_dtype(dtype, "double_sided_maxwell")
    shape = _params_shape(shape, "double_sided_maxwell", loc, scale)
    loc, scale = (_param(v, dt, shape, "double_sided_maxwell", n) for v, n in (
        (loc, "loc"), (scale, "scale")))
    k_maxwell, k_sign = _split2(k)
    sign = lax.convert_element_type(rademacher(k_sign, shape, np.int64), dt)
    return lax.add(lax.mul(lax.mul(sign, maxwell(k_maxwell, shape, dt)), scale), loc)


def generalized_normal(key, p, shape: Sequence[int] = (), dtype=None):
    """Generalized normal samples with density proportional to exp(-|x|**p):
    sign * gamma(1 / p) ** (1 / p), as jax.random.generalized_normal.

    >>> generalized_normal(PRNGKey(0), 1.5, (3,)).shape
    (3,)
    """
    k = _check_keys(key, "generalized_normal")
    dt = _float_dtype(dtype, "generalized_normal")
    shape = _canonical_shape(shape, "generalized_normal")
    p = _param(p, dt, shape, "generalized_normal", "p")
    k_gamma, k_sign = _split2(k)
    inv_p = lax.div(np.asarray(1.0, dt), p)
    g = gamma(k_gamma, inv_p, shape, dt)
    sign = lax.convert_element_type(rademacher(k_sign, shape, np.int64), dt)
    return lax.mul(sign, xnp.power(g, inv_p))


def ball(key, d: int, p: float = 2, shape: Sequence[int] = (), dtype=None):
    """Points uniform in the d-dimensional unit p-norm ball, shape + (d,): generalized normal
    coordinates over (sum |g|**p + exponential) ** (1 / p) (Barthe et al.), as
    jax.random.ball.

    >>> x = ball(PRNGKey(0), 3, shape=(4,))
    >>> bool((np.linalg.norm(x, axis=-1) <= 1).all())
    True
    """
    k = _check_keys(key, "ball")
    dt = _float_dtype(dtype, "ball")
    shape = _canonical_shape(shape, "ball")
    d = operator.index(d)
    if d < 1:
        raise ValueError(f"ball: the dimension d must be a positive int, got {d}")
    k_g, k_e = _split2(k)
    g = generalized_normal(k_g, p, (*shape, d), dt)
    e = exponential(k_e, shape, dt)
    pp = np.asarray(p, dt)
    radius = xnp.power(xnp.sum(xnp.power(xnp.abs(g), pp), axis=-1) + e, 1 / pp)
    return g / radius[..., None]


def geometric(key, p, shape: Sequence[int] | None = None, dtype=None):
    """Geometric samples on {1, 2, ...}, the number of trials up to the first success of
    probability p: floor(log(u) / log1p(-p)) + 1, as jax.random.geometric.

    >>> int(geometric(PRNGKey(0), 1.0))
    1
    """
    k = _check_keys(key, "geometric")
    dt = np.dtype(np.int64 if dtype is None else dtype)
    if dt.kind not in "iu":
        raise TypeError(f"geometric: dtype must be an integer dtype, got {dt.name}")
    p = check_arg(p, "geometric", 1)
    pdt = dtype_of(p) if dtype_of(p).kind == "f" else np.dtype(np.float64)
    shape = _params_shape(shape, "geometric", p)
    p = lax.stop_gradient(_param(p, pdt, shape, "geometric", "p"))
    u = _uniform(k, shape, pdt, np.asarray(0.0, pdt), np.asarray(1.0, pdt))
    with np.errstate(divide="ignore", invalid="ignore"):  # p == 1 (log1p(-1) = -inf): 1
        g = lax.add(lax.floor(lax.div(lax.log(u), lax.log1p(lax.neg(p)))), np.asarray(1, pdt))
    return lax.convert_element_type(g, dt)


# Stirling's series' remainder log(k!) - (k + 1/2) log(k + 1) + (k + 1) - log(2 pi) / 2, exact
# for k <= 9 (as TensorFlow's and JAX's BTRS tables).
_STIRLING_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
                  0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                  0.0118967099458917, 0.0104112652619720, 0.00925546218271273,
                  0.00833056343336287)


def _stirling_tail(k):
    dt = dtype_of(k)
    c = lambda v: np.asarray(v, dt)  # noqa: E731
    kp1 = lax.add(k, c(1.0))
    kp1sq = lax.mul(kp1, kp1)
    approx = lax.div(lax.sub(c(1 / 12), lax.div(lax.sub(c(1 / 360), lax.div(c(1 / 1260), kp1sq)),
                                                kp1sq)), kp1)
    index = lax.convert_element_type(lax.max(c(0.0), lax.min(k, c(9.0))), np.int64)
    table = xnp.take(np.asarray(_STIRLING_TAIL, dt), index)
    return lax.select(lax.le(k, c(9.0)), table, approx)


def _binomial_inversion(k, count, q):
    """Counts by summing geometric waiting times until they pass count (small count * q)."""
    dt = dtype_of(q)
    log1mq = lax.log1p(lax.neg(q))

    def body(carry):
        i, num_geom, geom_sum, kk = carry
        sub, kk = _split2(kk)
        num_geom = lax.select(lax.le(geom_sum, count), lax.add(num_geom, np.asarray(1, dt)),
                              num_geom)
        u = _uniform(sub, shape_of(q), dt, np.asarray(0.0, dt), np.asarray(1.0, dt))
        geom = lax.ceil(lax.div(lax.log(u), log1mq))
        return lax.add(i, np.int64(1)), num_geom, lax.add(geom_sum, geom), kk

    def cond(carry):
        return lax.bitwise_and(xnp.any(lax.le(carry[2], count)),
                               lax.lt(carry[0], np.int64(1000)))

    zeros = xnp.zeros_like(q)
    out = lax.while_loop(cond, body, (np.int64(0), zeros, zeros, k))[1]
    return lax.sub(out, np.asarray(1, dt))


def _binomial_btrs(k, count, q):
    """Hormann's transformed rejection with squeeze (BTRS), as TensorFlow and JAX."""
    dt = dtype_of(q)
    c = lambda v: np.asarray(v, dt)  # noqa: E731
    stddev = lax.sqrt(lax.mul(lax.mul(count, q), lax.sub(c(1.0), q)))
    b = lax.add(c(1.15), lax.mul(c(2.53), stddev))
    a = lax.add(lax.add(c(-0.0873), lax.mul(c(0.0248), b)), lax.mul(c(0.01), q))
    cc = lax.add(lax.mul(count, q), c(0.5))
    v_r = lax.sub(c(0.92), lax.div(c(4.2), b))
    r = lax.div(q, lax.sub(c(1.0), q))
    alpha = lax.mul(lax.add(c(2.83), lax.div(c(5.1), b)), stddev)
    m = lax.floor(lax.mul(lax.add(count, c(1.0)), q))
    log = lax.log

    def body(carry):
        i, k_out, accepted, kk = carry
        keys = split(kk, 3)
        kk, k0, k1 = (lax.reshape(lax.slice(keys, (j, 0), (j + 1, 2)), (2,)) for j in range(3))
        u = lax.sub(_uniform(k0, shape_of(q), dt, c(0.0), c(1.0)), c(0.5))
        v = _uniform(k1, shape_of(q), dt, c(0.0), c(1.0))
        us = lax.sub(c(0.5), lax.abs(u))
        accept1 = lax.bitwise_and(lax.ge(us, c(0.07)), lax.le(v, v_r))
        kv = lax.floor(lax.add(lax.mul(lax.add(lax.div(lax.mul(c(2.0), a), us), b), u), cc))
        reject = lax.bitwise_or(lax.lt(kv, c(0.0)), lax.gt(kv, count))
        kc = lax.max(c(0.0), lax.min(kv, count))  # the bound below matters only if kept
        lv = log(lax.div(lax.mul(v, alpha), lax.add(lax.div(a, lax.mul(us, us)), b)))
        n_m1, n_k1 = lax.add(lax.sub(count, m), c(1.0)), lax.add(lax.sub(count, kc), c(1.0))
        ub = lax.add(lax.add(
            lax.mul(lax.add(m, c(0.5)), log(lax.div(lax.add(m, c(1.0)), lax.mul(r, n_m1)))),
            lax.mul(lax.add(count, c(1.0)), log(lax.div(n_m1, n_k1)))),
            lax.mul(lax.add(kc, c(0.5)), log(lax.div(lax.mul(r, n_k1), lax.add(kc, c(1.0))))))
        ub = lax.add(ub, lax.sub(lax.add(_stirling_tail(m), _stirling_tail(lax.sub(count, m))),
                                 lax.add(_stirling_tail(kc), _stirling_tail(lax.sub(count, kc)))))
        accept = lax.bitwise_or(accept1, lax.bitwise_and(lax.bitwise_not(reject),
                                                         lax.le(lv, ub)))
        accept = lax.bitwise_and(accept, lax.bitwise_not(accepted))
        k_out = lax.select(accept, kv, k_out)
        return lax.add(i, np.int64(1)), k_out, lax.bitwise_or(accepted, accept), kk

    def cond(carry):
        return lax.bitwise_and(xnp.any(lax.bitwise_not(carry[2])),
                               lax.lt(carry[0], np.int64(1000)))

    init = (np.int64(0), xnp.full_like(q, -1.0), xnp.zeros_like(q, dtype=bool), k)
    return lax.while_loop(cond, body, init)[1]


def binomial(key, n, p, shape: Sequence[int] | None = None, dtype=None):
    """Binomial(n, p) counts, as floats of dtype (as jax.random.binomial): the sum of
    geometric waiting times where n * min(p, 1 - p) <= 10, Hormann's BTRS rejection above;
    p >= 1/2 samples n - Binomial(n, 1 - p). nan for nan or negative n or p outside [0, 1],
    inf for infinite n; non-integer n is floored.

    >>> float(binomial(PRNGKey(0), 10, 0.0))
    0.0
    """
    k = _check_keys(key, "binomial")
    dt = _float_dtype(dtype, "binomial")
    shape = _params_shape(shape, "binomial", n, p)
    count = lax.stop_gradient(_param(n, dt, shape, "binomial", "n"))
    prob = lax.stop_gradient(_param(p, dt, shape, "binomial", "p"))
    c = lambda v: np.asarray(v, dt)  # noqa: E731
    invalid = lax.bitwise_or(
        lax.bitwise_or(lax.ne(count, count), lax.lt(count, c(0.0))),
        lax.bitwise_or(lax.ne(prob, prob), lax.bitwise_or(lax.lt(prob, c(0.0)),
                                                          lax.gt(prob, c(1.0)))))
    count_inf = lax.eq(count, c(np.inf))
    degenerate = lax.bitwise_or(lax.bitwise_or(invalid, count_inf),
                                lax.bitwise_or(lax.eq(prob, c(0.0)), lax.eq(prob, c(1.0))))
    # Each algorithm sees only the elements it handles; the others get harmless values.
    count = lax.floor(lax.select(degenerate, xnp.zeros_like(count), count))
    flip = lax.ge(prob, c(0.5))  # as JAX: p >= 1/2 samples n - Binomial(n, 1 - p)
    q = lax.select(degenerate, xnp.full_like(prob, 0.5),
                   lax.select(flip, lax.sub(c(1.0), prob), prob))
    use_inversion = lax.le(lax.mul(count, q), c(10.0))
    count_inv = lax.select(use_inversion, count, xnp.zeros_like(count))
    count_btrs = lax.select(use_inversion, xnp.full_like(count, 1e4), count)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        samples = lax.select(use_inversion, _binomial_inversion(k, count_inv, q),
                             _binomial_btrs(k, count_btrs, q))
    samples = lax.select(flip, lax.sub(count, samples), samples)
    samples = lax.select(lax.eq(prob, c(1.0)), lax.floor(
        _param(lax.stop_gradient(_as(n, dt, "binomial")), dt, shape, "binomial", "n")), samples)
    samples = lax.select(lax.eq(prob, c(0.0)), xnp.zeros_like(samples), samples)
    samples = lax.select(count_inf, xnp.full_like(samples, np.inf), samples)
    return lax.select(invalid, xnp.full_like(samples, np.nan), samples)


def multinomial(key, n, p, *, shape: Sequence[int] | None = None, dtype=None,
                unroll: int = 1):
    """Multinomial counts of n trials over the categories of p's last axis, shape
    shape + p.shape[-1:], as floats of dtype: one conditional binomial per category (the
    trials left over the probability left), as jax.random.multinomial. unroll is accepted
    for JAX's signature (the categories are unrolled here).

    >>> multinomial(PRNGKey(0), 10, np.array([0.2, 0.8])).sum()
    np.float64(10.0)
    """
    k = _check_keys(key, "multinomial")
    dt = _float_dtype(dtype, "multinomial")
    p = _as(p, dt, "multinomial")
    if p.ndim < 1:
        raise ValueError("multinomial: p must have at least one dimension (the categories), "
                         "got a scalar")
    shape = _canonical_shape(shape, "multinomial",
                             np.broadcast_shapes(shape_of(n), p.shape[:-1]))
    ncat = p.shape[-1]
    remaining = _param(n, dt, shape, "multinomial", "n")
    p = lax.stop_gradient(_broadcast_to(p, (*shape, ncat), "multinomial", "p"))
    probs = [lax.reshape(lax.slice(p, (0,) * len(shape) + (i,), (*shape, i + 1)), shape)
             for i in range(ncat)]
    keys = split(k, ncat)
    left = xnp.zeros_like(probs[0])
    tails = []
    for prob in reversed(probs):  # the probability of this category and those after it
        left = lax.add(left, prob)
        tails.append(left)
    counts = []
    for i, (prob, tail) in enumerate(zip(probs, reversed(tails), strict=True)):
        safe = lax.select(lax.eq(tail, np.asarray(0, dt)), xnp.ones_like(tail), tail)
        ratio = lax.max(np.asarray(0, dt), lax.min(lax.div(prob, safe), np.asarray(1, dt)))
        ki = lax.reshape(lax.slice(keys, (i, 0), (i + 1, 2)), (2,))
        count = binomial(ki, remaining, ratio, shape, dt)
        remaining = lax.sub(remaining, count)
        counts.append(lax.expand_dims(count, (len(shape),)))
    return lax.concatenate(counts, len(shape))


def clone(key):
    """A copy of key. Raw keys are plain arrays, never consumed, so this returns key itself
    (JAX's clone matters only for typed keys under its key-reuse checker).

    >>> clone(PRNGKey(0))
    array([0, 0], dtype=uint32)
    """
    return _check_keys(key, "clone", single=False)


def key_impl(keys) -> str:
    """The name of the PRNG implementation of keys: always 'threefry2x32' in numbax.

    >>> key_impl(PRNGKey(0))
    'threefry2x32'
    """
    _check_keys(keys, "key_impl", single=False)
    return "threefry2x32"


def key_dtype(impl_spec=None) -> np.dtype:
    """The dtype of keys of a PRNG implementation. numbax's keys are raw uint32 data (JAX's
    typed keys have a key<fry> dtype), so this is uint32 for 'threefry2x32', the only one.

    >>> key_dtype()
    dtype('uint32')
    """
    if impl_spec not in (None, "threefry2x32"):
        raise ValueError(f"key_dtype: numbax implements only 'threefry2x32', got {impl_spec!r}")
    return _U32
