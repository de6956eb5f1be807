"""scipy.linalg's special-matrix constructors (as jax.scipy.linalg has them), re-exported by
numbax.scipy.linalg.

The ones built from arrays (toeplitz, hankel, circulant, companion, fiedler,
fiedler_companion, leslie, convolution_matrix) take numbax arrays, batch over leading
dimensions as JAX's do, and differentiate: each output entry is a gather of an input entry
(an index matrix fixed by the shape) or a simple expression of it. The ones built from a
size alone (dft, hadamard, helmert, hilbert, invhilbert, pascal, invpascal) are NumPy
constants.

>>> import numbax.scipy.linalg as xsl
>>> xsl.toeplitz([1.0, 2.0, 3.0], [1.0, 4.0])
array([[1., 4.],
       [2., 1.],
       [3., 2.]])
"""
from __future__ import annotations

from math import comb

import numpy as np

from .. import numpy as xnp
from ..core.avals import broadcast_shapes
from ..numpy.arguments import cast, check_arg, check_static, dtype_of, float_operand


def _vectors(fname: str, *xs) -> list:
    """The arguments in one dtype, each at least 1-D (a stack of vectors along its last axis)."""
    xs = [check_arg(x, fname, i) for i, x in enumerate(xs)]
    dtype = np.result_type(*map(dtype_of, xs))
    return [xnp.atleast_1d(cast(xnp.asarray(x), dtype)) for x in xs]


def toeplitz(c, r=None):
    """The Toeplitz matrix with first column c and first row r (r[0] is ignored; r defaults
    to conj(c), giving a Hermitian matrix); c (..., m), r (..., n) give (..., m, n).

    >>> import numbax.scipy.linalg as xsl
    >>> xsl.toeplitz([1, 2, 3])
    array([[1, 2, 3],
           [2, 1, 2],
           [3, 2, 1]])
    """
    if r is None:
        (c,) = _vectors("toeplitz", c)
        r = xnp.conj(c)
    c, r = _vectors("toeplitz", c, r)
    m, n = c.shape[-1], r.shape[-1]
    batch = broadcast_shapes("toeplitz", c.shape[:-1], r.shape[:-1])
    # values = c reversed, then r without its first entry: entry (i, j) is c[i-j] or r[j-i].
    values = xnp.concatenate([xnp.broadcast_to(xnp.flip(c, -1), batch + (m,)),
                              xnp.broadcast_to(r[..., 1:], batch + (n - 1,))], axis=-1)
    index = (m - 1) + np.arange(n)[None, :] - np.arange(m)[:, None]
    return xnp.take(values, index, axis=-1)


def hankel(c, r=None):
    """The Hankel matrix with first column c and last row r (r[0] is ignored; r defaults to
    zeros); c (..., m), r (..., n) give (..., m, n).

    >>> import numbax.scipy.linalg as xsl
    >>> xsl.hankel([1, 2, 3], [3, 4])
    array([[1, 2],
           [2, 3],
           [3, 4]])
    """
    if r is None:
        (c,) = _vectors("hankel", c)
        r = xnp.zeros_like(c)
    c, r = _vectors("hankel", c, r)
    m, n = c.shape[-1], r.shape[-1]
    batch = broadcast_shapes("hankel", c.shape[:-1], r.shape[:-1])
    values = xnp.concatenate([xnp.broadcast_to(c, batch + (m,)),
                              xnp.broadcast_to(r[..., 1:], batch + (n - 1,))], axis=-1)
    return xnp.take(values, np.arange(m)[:, None] + np.arange(n)[None, :], axis=-1)


def circulant(c):
    """The circulant matrix with first column c: entry (i, j) is c[(i - j) mod n].

    >>> import numbax.scipy.linalg as xsl
    >>> xsl.circulant([1, 2, 3])
    array([[1, 3, 2],
           [2, 1, 3],
           [3, 2, 1]])
    """
    (c,) = _vectors("circulant", c)
    n = c.shape[-1]
    return xnp.take(c, (np.arange(n)[:, None] - np.arange(n)[None, :]) % n, axis=-1)


def _at_least_two(fname: str, x) -> None:
    if x.shape[-1] < 2:
        raise ValueError(f"numbax.scipy.linalg.{fname}: expected at least 2 coefficients "
                         f"along the last axis, got shape {x.shape}")


def companion(a):
    """The companion matrix (n-1, n-1) of the polynomial with coefficients a (highest power
    first): first row -a[1:] / a[0], ones below the diagonal; its eigenvalues are the roots.
    A zero leading coefficient gives infinities (SciPy raises; a traced value cannot be
    checked).

    >>> import numbax.scipy.linalg as xsl
    >>> xsl.companion([1.0, -3.0, 2.0])
    array([[ 3., -2.],
           [ 1.,  0.]])
    """
    a = xnp.atleast_1d(float_operand("companion", a))
    _at_least_two("companion", a)
    n = a.shape[-1] - 1
    # values: [0, 1, -a[1]/a[0], ..., -a[n]/a[0]]; index picks the first row and subdiagonal.
    values = xnp.concatenate([xnp.zeros_like(a[..., :2]) + np.array([0, 1], a.dtype),
                              -a[..., 1:] / a[..., :1]], axis=-1)
    index = np.zeros((n, n), np.intp)
    index[0] = 2 + np.arange(n)
    index[np.arange(1, n), np.arange(n - 1)] = 1
    return xnp.take(values, index, axis=-1)


def fiedler(a):
    """The symmetric Fiedler matrix |a[i] - a[j]| of a (..., n).

    >>> import numbax.scipy.linalg as xsl
    >>> xsl.fiedler([1.0, 4.0, 2.0])
    array([[0., 3., 1.],
           [3., 0., 2.],
           [1., 2., 0.]])
    """
    (a,) = _vectors("fiedler", a)
    return xnp.abs(a[..., :, None] - a[..., None, :])


def fiedler_companion(a):
    """The pentadiagonal Fiedler companion matrix (n-1, n-1) of the polynomial with
    coefficients a (highest power first), which has the same eigenvalues as companion(a).
    Two coefficients give [[-a[1]/a[0]]]; fewer give a (0, 0) matrix (SciPy: an empty 1-D
    array).

    >>> import numbax.scipy.linalg as xsl
    >>> xsl.fiedler_companion([1.0, -3.0, 2.0])
    array([[ 3., -2.],
           [ 1.,  0.]])
    """
    a = xnp.atleast_1d(float_operand("fiedler_companion", a))
    if a.shape[-1] < 2:
        return xnp.zeros(a.shape[:-1] + (0, 0), a.dtype)
    n = a.shape[-1] - 1
    values = xnp.concatenate([xnp.zeros_like(a[..., :2]) + np.array([0, 1], a.dtype),
                              -a[..., 1:] / a[..., :1]], axis=-1)
    coef = lambda k: 1 + k  # noqa: E731  (index of -a[k] / a[0] in values, k >= 1)
    index = np.zeros((n, n), np.intp)
    index[np.arange(3, n, 2), np.arange(1, n - 2, 2)] = 1
    index[np.arange(2, n, 2), np.arange(1, n - 1, 2)] = coef(np.arange(3, n + 1, 2))
    index[np.arange(0, n - 2, 2), np.arange(2, n, 2)] = 1
    index[np.arange(0, n - 1, 2), np.arange(1, n, 2)] = coef(np.arange(2, n + 1, 2))
    index[0, 0] = coef(1)
    if n > 1:
        index[1, 0] = 1
    return xnp.take(values, index, axis=-1)


def leslie(f, s):
    """The Leslie matrix (n, n) of fecundities f (..., n) (its first row) and survival
    rates s (..., n-1) (its subdiagonal).

    >>> import numbax.scipy.linalg as xsl
    >>> xsl.leslie([0.5, 2.0], [0.7])
    array([[0.5, 2. ],
           [0.7, 0. ]])
    """
    f, s = _vectors("leslie", f, s)
    n = f.shape[-1]
    if n < 2 or s.shape[-1] != n - 1:
        raise ValueError("numbax.scipy.linalg.leslie: expected f (..., n) with n >= 2 and "
                         f"s (..., n - 1), got shapes {f.shape} and {s.shape}")
    batch = broadcast_shapes("leslie", f.shape[:-1], s.shape[:-1])
    # values: [0, f..., s...]; index puts f in the first row and s on the subdiagonal.
    values = xnp.concatenate([xnp.zeros(batch + (1,), f.dtype), xnp.broadcast_to(f, batch + (n,)),
                              xnp.broadcast_to(s, batch + (n - 1,))], axis=-1)
    index = np.zeros((n, n), np.intp)
    index[0] = 1 + np.arange(n)
    index[np.arange(1, n), np.arange(n - 1)] = 1 + n + np.arange(n - 1)
    return xnp.take(values, index, axis=-1)


def convolution_matrix(a, n: int, mode: str = "full"):
    """The Toeplitz matrix A with A @ v == numpy.convolve(a, v, mode) for every v of length
    n; shape (m + n - 1, n) for 'full', (max(m, n), n) for 'same', (max(m, n) - min(m, n) + 1,
    n) for 'valid' (m = len(a)).

    >>> import numpy as np, numbax.scipy.linalg as xsl
    >>> xsl.convolution_matrix(np.array([1.0, 2.0]), 3)
    array([[1., 0., 0.],
           [2., 1., 0.],
           [0., 2., 1.],
           [0., 0., 2.]])
    """
    n = check_static(n, "convolution_matrix", "n")
    if not isinstance(n, int | np.integer) or n <= 0:
        raise ValueError(f"numbax.scipy.linalg.convolution_matrix: n must be a positive int, "
                         f"got {n!r}")
    if mode not in ("full", "same", "valid"):
        raise ValueError("numbax.scipy.linalg.convolution_matrix: mode must be 'full', 'same' "
                         f"or 'valid', got {mode!r}")
    (a,) = _vectors("convolution_matrix", a)
    if a.ndim != 1 or a.shape[0] == 0:
        raise ValueError("numbax.scipy.linalg.convolution_matrix: expected a non-empty 1-D "
                         f"array, got shape {a.shape}")
    m = a.shape[0]
    padded = xnp.pad(a, (0, n - 1))
    reversed_padded = xnp.pad(xnp.flip(a, 0), (0, n - 1))
    length = m + n - 1
    if mode == "full":
        head = tail = 0
    else:
        trim = min(n, m) - 1
        head, tail = (trim // 2, trim - trim // 2) if mode == "same" else (trim, trim)
    col = padded[head:length - tail]
    row = reversed_padded[length - n - head:length - head]
    return toeplitz(col, row)


def _float_dtype() -> np.dtype:
    return np.asarray(xnp.zeros(())).dtype


def _size(fname: str, n) -> int:
    n = check_static(n, fname, "n")
    if not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"numbax.scipy.linalg.{fname}: n must be a non-negative int, "
                         f"got {n!r}")
    return int(n)


def dft(n: int, scale: str | None = None) -> np.ndarray:
    """The (n, n) discrete Fourier transform matrix, exp(-2πi jk / n), so dft(n) @ x equals
    numpy.fft.fft(x); scale 'sqrtn' divides by sqrt(n), 'n' by n.

    >>> import numbax.scipy.linalg as xsl
    >>> xsl.dft(2).real
    array([[ 1.,  1.],
           [ 1., -1.]])
    """
    n = _size("dft", n)
    if scale not in (None, "sqrtn", "n"):
        raise ValueError(f"numbax.scipy.linalg.dft: scale must be None, 'sqrtn' or 'n', got "
                         f"{scale!r}")
    # (j k) mod n keeps the angle small, so large n loses no accuracy to the exponent.
    jk = np.outer(np.arange(n), np.arange(n)) % max(n, 1)
    m = np.exp(-2j * np.pi * jk / max(n, 1))
    if scale is not None:
        m = m / (np.sqrt(n) if scale == "sqrtn" else n)
    return m.astype(np.result_type(_float_dtype(), np.complex64))


def hadamard(n: int, dtype=int) -> np.ndarray:
    """The (n, n) Hadamard matrix of Sylvester's construction (n a power of 2).

    >>> import numbax.scipy.linalg as xsl
    >>> xsl.hadamard(2)
    array([[ 1,  1],
           [ 1, -1]])
    """
    n = _size("hadamard", n)
    if n < 1 or n & (n - 1):
        raise ValueError(f"numbax.scipy.linalg.hadamard: n must be a positive power of 2, "
                         f"got {n}")
    h = np.ones((1, 1), dtype)
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h


def helmert(n: int, full: bool = False) -> np.ndarray:
    """The Helmert matrix of order n: orthonormal rows, the first (1/sqrt(n), ...) and row
    i contrasting the first i entries with entry i; (n-1, n) without that first row unless
    full.

    >>> import numbax.scipy.linalg as xsl
    >>> xsl.helmert(2) ** 2
    array([[0.5, 0.5]])
    """
    n = _size("helmert", n)
    h = np.tril(np.ones((n, n)), -1) - np.diag(np.arange(n))
    d = np.arange(n) * np.arange(1, n + 1)
    h[:1] = 1
    d[:1] = n
    h = (h / np.sqrt(d)[:, None]).astype(_float_dtype())
    return h if full else h[1:]


def hilbert(n: int) -> np.ndarray:
    """The (n, n) Hilbert matrix 1 / (i + j + 1).

    >>> import numbax.scipy.linalg as xsl
    >>> xsl.hilbert(2)
    array([[1.        , 0.5       ],
           [0.5       , 0.33333333]])
    """
    n = _size("hilbert", n)
    i = np.arange(n)
    return (1.0 / (i[:, None] + i[None, :] + 1)).astype(_float_dtype())


def _exact_to_float(entries: list[list[int]], n: int) -> np.ndarray:
    # Python ints are exact; float() rounds each entry once (entries past 1e308 become inf).
    return np.array([[float(v) for v in row] for row in entries],
                    dtype=np.float64).reshape(n, n).astype(_float_dtype())


def invhilbert(n: int) -> np.ndarray:
    """The inverse of hilbert(n), from its closed form in binomial coefficients (computed in
    exact integers, then rounded once to float).

    >>> import numbax.scipy.linalg as xsl
    >>> xsl.invhilbert(2)
    array([[ 4., -6.],
           [-6., 12.]])
    """
    n = _size("invhilbert", n)
    entries = [[(-1) ** (i + j) * (i + j + 1) * comb(n + i, n - j - 1) * comb(n + j, n - i - 1)
                * comb(i + j, i) ** 2 for j in range(n)] for i in range(n)]
    return _exact_to_float(entries, n)


def _pascal_kind(fname: str, kind: str | None) -> str:
    kind = "symmetric" if kind is None else kind
    if kind not in ("symmetric", "lower", "upper"):
        raise ValueError(f"numbax.scipy.linalg.{fname}: kind must be 'symmetric', 'lower' or "
                         f"'upper', got {kind!r}")
    return kind


def pascal(n: int, kind: str | None = None) -> np.ndarray:
    """The (n, n) Pascal matrix of binomial coefficients: symmetric C(i + j, i) (default),
    lower C(i, j) or upper C(j, i), in floating point.

    >>> import numbax.scipy.linalg as xsl
    >>> xsl.pascal(3, kind="lower")
    array([[1., 0., 0.],
           [1., 1., 0.],
           [1., 2., 1.]])
    """
    kind, n = _pascal_kind("pascal", kind), _size("pascal", n)
    entry = {"symmetric": lambda i, j: comb(i + j, i), "lower": comb,
             "upper": lambda i, j: comb(j, i)}[kind]
    return _exact_to_float([[entry(i, j) for j in range(n)] for i in range(n)], n)


def invpascal(n: int, kind: str | None = None) -> np.ndarray:
    """The inverse of pascal(n, kind): the lower one's is (-1)^(i-j) C(i, j), the upper one's
    its transpose, the symmetric one's upper⁻¹ @ lower⁻¹ (computed exactly, then rounded).

    >>> import numbax.scipy.linalg as xsl
    >>> xsl.invpascal(3)
    array([[ 3., -3.,  1.],
           [-3.,  5., -2.],
           [ 1., -2.,  1.]])
    """
    kind, n = _pascal_kind("invpascal", kind), _size("invpascal", n)
    low = [[(-1) ** (i - j) * comb(i, j) for j in range(n)] for i in range(n)]
    if kind == "lower":
        entries = low
    elif kind == "upper":
        entries = [list(col) for col in zip(*low)]
    else:  # P = L Lᵀ, so P⁻¹ = L⁻ᵀ L⁻¹
        entries = [[sum(low[k][i] * low[k][j] for k in range(n)) for j in range(n)]
                   for i in range(n)]
    return _exact_to_float(entries, n)
