"""Polynomials as 1-D coefficient arrays, highest power first: poly, polyadd, polysub,
polymul, polydiv, polyder, polyint, polyval, vander, polyfit and roots.

Coefficient counts fix output shapes, so they are static; the coefficients may be traced.
Dtypes follow NumPy's (polyder keeps integers, where JAX's gives floats). polyfit and roots
are built on numbax.numpy.linalg (least squares; eigenvalues of the companion matrix).

>>> import numpy as np, numbax.numpy as xnp
>>> xnp.polyval(xnp.poly(np.array([1.0, 2.0])), 3.0)
array(2.)
"""
from __future__ import annotations

import numpy as np

from .. import lax
from ..core.trace import ConcretizationError, Tracer
from .arguments import cast, check_static, float_operands
from .creation import asarray, eye, ones, zeros, zeros_like
from .elementwise import add, divide, equal, less, multiply, not_equal, remainder, subtract, where
from .products import convolve
from .shapes import concatenate, ravel, stack

__all__ = [
    "poly", "polyadd", "polyder", "polydiv", "polyfit", "polyint", "polymul", "polysub",
    "polyval", "roots", "vander",
]


def _coeffs(fname: str, *ps, dtype=None) -> list:
    """The arguments as 1-D coefficient arrays (scalars become length 1) of one dtype: dtype,
    or the arguments' common one."""
    ps = [asarray(p) for p in ps]
    for i, p in enumerate(ps):
        if p.ndim > 1:
            raise ValueError(f"{fname}: argument {i} must be a 1-D array of coefficients, got "
                             f"shape {p.shape}")
    dt = np.result_type(*(p.dtype for p in ps)) if dtype is None else np.dtype(dtype)
    return [cast(ravel(p), dt) for p in ps]


def _pad_front(p, length: int):
    """p with leading zeros up to length (higher powers with zero coefficients)."""
    extra = length - p.shape[0]
    return lax.pad(p, np.zeros((), p.dtype), [(extra, 0, 0)]) if extra else p


def _trim_front(p, fname: str, tol: float = 0.0):
    """p without its leading (near-)zero coefficients, keeping at least one: the length
    depends on the values, so p must be concrete."""
    if isinstance(p, Tracer):
        raise ConcretizationError(
            f"{fname}: trim_leading_zeros=True needs concrete coefficients, since the result's "
            "length depends on their values; under jit or vmap leave it False (the leading "
            "coefficients are then zeros)")
    first = next((i for i, c in enumerate(p) if abs(c) > tol), p.shape[0] - 1)
    return p[max(first, 0):]


def poly(seq_of_zeros):
    """Coefficients of the monic polynomial with the given (real) roots, as numpy.poly.

    A square matrix's characteristic polynomial needs eigenvalues (numbax.numpy.linalg) and
    raises NotImplementedError. No roots give 1.0.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.poly(np.array([1.0, 2.0]))
    array([ 1., -3.,  2.])
    """
    roots = asarray(seq_of_zeros)
    if roots.ndim == 2 and roots.shape[0] == roots.shape[1] and roots.shape[0]:
        raise NotImplementedError("poly: the characteristic polynomial of a matrix needs its "
                                  "eigenvalues (numbax.numpy.linalg); pass the roots instead")
    if roots.ndim > 1:
        raise ValueError(f"poly: input must be 1-D or a non-empty square 2-D array, got shape "
                         f"{roots.shape}")
    # As NumPy: float32 stays, every other dtype computes in float64.
    dt = roots.dtype if roots.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    (roots,) = _coeffs("poly", roots, dtype=dt)
    if roots.shape[0] == 0:
        return np.asarray(1.0)
    a = ones((1,), dt)
    zero = np.zeros((), dt)
    for k in range(roots.shape[0]):
        # a * (x - r): a shifted one power up, minus r times a (NumPy's convolution with
        # [1, -r], to the bit).
        r = lax.slice(roots, (k,), (k + 1,))
        a = subtract(lax.pad(a, zero, [(0, 1, 0)]), multiply(lax.pad(a, zero, [(1, 0, 0)]), r))
    return a


def polyadd(a1, a2):
    """Sum of two polynomials, as numpy.polyadd.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.polyadd(np.array([1, 2]), np.array([1, 0, 0]))
    array([1, 1, 2])
    """
    a1, a2 = _coeffs("polyadd", a1, a2)
    n = max(a1.shape[0], a2.shape[0])
    return add(_pad_front(a1, n), _pad_front(a2, n))


def polysub(a1, a2):
    """Difference of two polynomials (a1 - a2), as numpy.polysub.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.polysub(np.array([1, 2]), np.array([1, 0, 0]))
    array([-1,  1,  2])
    """
    a1, a2 = _coeffs("polysub", a1, a2)
    n = max(a1.shape[0], a2.shape[0])
    return subtract(_pad_front(a1, n), _pad_front(a2, n))


def polymul(a1, a2, *, trim_leading_zeros: bool = False):
    """Product of two polynomials, as numpy.polymul (a full convolution).

    trim_leading_zeros (JAX's keyword) drops the operands' leading zeros first; it needs
    concrete coefficients.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.polymul(np.array([1., 1.]), np.array([1., -1.]))
    array([ 1.,  0., -1.])
    """
    a1, a2 = _coeffs("polymul", a1, a2)
    if trim_leading_zeros:
        a1, a2 = _trim_front(a1, "polymul"), _trim_front(a2, "polymul")
    if a1.shape[0] == 0 or a2.shape[0] == 0:
        raise ValueError("polymul: the polynomials must have at least one coefficient")
    return convolve(a1, a2)


def polydiv(u, v, *, trim_leading_zeros: bool = False):
    """Quotient and remainder of polynomial division, as numpy.polydiv, in floats.

    As in JAX, the remainder keeps len(u) coefficients (leading zeros included, so its shape
    is static); trim_leading_zeros=True drops them as NumPy does (concrete values only).

    >>> import numpy as np, numbax.numpy as xnp
    >>> q, r = xnp.polydiv(np.array([1., -3., 2.]), np.array([1., -1.]))
    >>> q, r
    (array([ 1., -2.]), array([0., 0., 0.]))
    """
    u, v = _coeffs("polydiv", u, v)
    dt = np.result_type(u.dtype, v.dtype, 0.0)
    u, v = cast(u, dt), cast(v, dt)
    m, n = u.shape[0] - 1, v.shape[0] - 1
    if n < 0 or m < 0:
        raise ValueError("polydiv: the polynomials must have at least one coefficient")
    scale = divide(np.asarray(1.0, dt), lax.slice(v, (0,), (1,)))
    quotient, r = [], u
    for k in range(m - n + 1):
        d = multiply(scale, lax.slice(r, (k,), (k + 1,)))
        quotient.append(d)
        r = subtract(r, lax.pad(multiply(d, v), np.zeros((), dt), [(k, m - n - k, 0)]))
    q = concatenate(quotient) if quotient else zeros((1,), dt)
    if trim_leading_zeros:
        r = _trim_front(r, "polydiv", tol=1e-8)  # NumPy's allclose(r[0], 0)
    return q, r


def polyder(p, m: int = 1):
    """The m-th derivative of a polynomial, as numpy.polyder.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.polyder(np.array([1., 1., 1., 1.]))
    array([3., 2., 1.])
    """
    m = _order("polyder", m)
    (p,) = _coeffs("polyder", p)
    for _ in range(m):
        n = p.shape[0] - 1
        p = multiply(lax.slice(p, (0,), (max(n, 0),)), np.arange(n, 0, -1))
    return p


def polyint(p, m: int = 1, k=None):
    """The m-th antiderivative of a polynomial, as numpy.polyint: k gives the integration
    constants (a scalar for all m, or m values, the first one for the first integration).

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.polyint(np.array([3., 2., 1.]))
    array([1., 1., 1., 0.])
    """
    m = _order("polyint", m)
    (p,) = _coeffs("polyint", p)
    if m == 0:
        return p
    k = zeros((m,)) if k is None else ravel(asarray(k))
    if k.shape[0] == 1 and m > 1:
        k = multiply(k, ones((m,)))
    if k.shape[0] < m:
        raise ValueError(f"polyint: k must be a scalar or a 1-D array of length 1 or at least "
                         f"m={m}, got shape {k.shape}")
    for i in range(m):
        scaled = divide(p, np.arange(p.shape[0], 0, -1))
        p = concatenate([scaled, lax.slice(k, (i,), (i + 1,))])
    return p


def _order(fname: str, m) -> int:
    m = check_static(m, fname, "m")
    if not isinstance(m, int | np.integer) or isinstance(m, bool) or m < 0:
        raise ValueError(f"{fname}: the order m must be a non-negative int, got {m!r}")
    return int(m)


def polyval(p, x, *, unroll: int = 16):
    """The polynomial p evaluated at x by Horner's scheme, as numpy.polyval. `unroll` is
    JAX's keyword and has no effect: the len(p) steps are always unrolled.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.polyval(np.array([3., 0., 1.]), np.array([0., 1., 2.]))
    array([ 1.,  4., 13.])
    """
    del unroll
    (p,) = _coeffs("polyval", p)
    x = asarray(x)
    y = zeros_like(x)
    for i in range(p.shape[0]):
        y = add(multiply(y, x), lax.squeeze(lax.slice(p, (i,), (i + 1,)), (0,)))
    return y


def vander(x, N: int | None = None, increasing: bool = False):
    """The Vandermonde matrix of a 1-D x: columns x**(N-1), ..., x, 1 (reversed when
    increasing), as numpy.vander; the powers are repeated products, as in NumPy.

    >>> import numpy as np, numbax.numpy as xnp
    >>> xnp.vander(np.array([1, 2, 3]), 3)
    array([[1, 1, 1],
           [4, 2, 1],
           [9, 3, 1]])
    """
    x = asarray(x)
    if x.ndim != 1:
        raise ValueError(f"vander: x must be a one-dimensional array, got shape {x.shape}")
    n = x.shape[0] if N is None else check_static(N, "vander", "N")
    if not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"vander: N must be a non-negative int, got {N!r}")
    dt = np.promote_types(x.dtype, np.int64)
    x = cast(x, dt)
    if n == 0:
        return zeros((x.shape[0], 0), dt)
    columns = [ones(x.shape, dt)]
    for _ in range(1, n):
        columns.append(multiply(columns[-1], x) if len(columns) > 1 else x)
    return stack(columns if increasing else columns[::-1], axis=1)


def polyfit(x, y, deg: int, rcond=None, full: bool = False, w=None, cov=False):
    """The least-squares polynomial of degree deg through (x, y), highest power first, as
    numpy.polyfit: w weights the residuals; full=True also returns (residuals, rank,
    singular values, rcond); cov=True (or "unscaled") also returns the coefficients'
    covariance. Solved by lstsq on the column-scaled Vandermonde matrix, as NumPy does.

    >>> import numpy as np
    >>> np.round(polyfit(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0]), 1), 6).tolist()
    [2.0, 1.0]
    """
    from . import linalg  # linalg is built on this package's modules, polynomial among them

    deg = check_static(deg, "polyfit", "deg")
    if not isinstance(deg, int | np.integer) or deg < 0:
        raise ValueError(f"polyfit: deg must be a non-negative integer, got {deg!r}")
    x, y = float_operands("polyfit", x, y)
    if x.ndim != 1 or y.ndim not in (1, 2) or y.shape[0] != x.shape[0]:
        raise TypeError(f"polyfit: expected x of shape (M,) and y of shape (M,) or (M, K), got "
                        f"{x.shape} and {y.shape}")
    order = deg + 1
    rcond = x.shape[0] * np.finfo(x.dtype).eps if rcond is None else rcond
    lhs, rhs = vander(x, order), y
    if w is not None:
        w = cast(asarray(w), x.dtype)
        if w.shape != x.shape:
            raise TypeError(f"polyfit: expected w of shape {x.shape}, got {w.shape}")
        lhs = multiply(lhs, lax.expand_dims(w, (1,)))
        rhs = multiply(rhs, w if rhs.ndim == 1 else lax.expand_dims(w, (1,)))
    # Scaling the columns to unit norm makes the problem far better conditioned.
    scale = lax.sqrt(lax.reduce_sum(multiply(lhs, lhs), (0,)))
    coef, resids, rank, s = linalg.lstsq(divide(lhs, scale), rhs, rcond)
    coef = divide(coef, scale if coef.ndim == 1 else lax.expand_dims(scale, (1,)))
    if full:
        return coef, resids, rank, s, rcond
    if not cov:
        return coef
    scaled = divide(lhs, scale)
    vbase = divide(linalg.inv(lax.dot_general(scaled, scaled, (((0,), (0,)), ((), ())))),
                   multiply(lax.expand_dims(scale, (1,)), lax.expand_dims(scale, (0,))))
    if cov == "unscaled":
        return coef, vbase if y.ndim == 1 else lax.expand_dims(vbase, (2,))
    if x.shape[0] <= order:
        raise ValueError("polyfit: the fit needs more data points than coefficients "
                         "to scale the covariance (or pass cov='unscaled')")
    fac = divide(resids, x.shape[0] - order)
    if y.ndim == 1:
        return coef, multiply(vbase, fac)
    return coef, multiply(lax.expand_dims(vbase, (2,)), fac)



def roots(p, *, strip_zeros: bool = True):
    """The roots of the polynomial with coefficients p (highest power first), as
    jax.numpy.roots: the eigenvalues of its companion matrix, complex (complex64 for
    float32/complex64 coefficients). With strip_zeros (the default) leading zero coefficients
    are dropped, as numpy.roots does, which needs concrete p; with strip_zeros=False p may be
    traced and each leading zero gives a nan root at the end (JAX's convention). Zero
    trailing coefficients give zero roots (NumPy appends them exactly; here they come from the
    eigenvalue solver). Differentiable where the roots are simple.

    >>> import numpy as np, numbax.numpy as xnp
    >>> np.sort_complex(xnp.roots(np.array([1.0, -3.0, 2.0])))
    array([1.+0.j, 2.+0.j])
    """
    from . import indexing, linalg, reductions, sorting  # linalg is built on this package

    (p,) = float_operands("roots", *_coeffs("roots", p))
    if strip_zeros:
        # A jvp tracer knows its value (as in JAX, grad works); jit and vmap ones do not.
        value = p.to_concrete() if isinstance(p, Tracer) else p
        if value is None:
            raise ConcretizationError(
                "roots: strip_zeros=True needs concrete coefficients, since the number of "
                "roots depends on their values; under jit or vmap pass strip_zeros=False")
        nonzero = np.flatnonzero(np.asarray(value) != 0)
        return _companion_roots(p[nonzero[0]:] if nonzero.size else p[:0], linalg)
    n = p.shape[0]
    if n < 2:
        return _companion_roots(p, linalg)
    nonzero = not_equal(p, 0)
    leading = where(reductions.any(nonzero), reductions.argmax(nonzero), n)
    # p[k:] followed by k zeros is p(x) xᵏ: the same roots and k zeros (an all-zero p becomes
    # 1, x^(n-1), whose roots are all spurious).
    idx = remainder(add(lax.iota(np.int32, (n,)), leading), n)
    rolled = where(equal(leading, n), ones((n,), p.dtype), indexing.take(p, idx))
    r = _companion_roots(rolled, linalg)
    # Zero roots last (a stable sort keeps the rest in order); the k spurious ones become nan.
    r = indexing.take(r, sorting.argsort(equal(r, 0), stable=True))
    keep = less(lax.iota(np.int32, (n - 1,)), subtract(n - 1, leading))
    return where(keep, r, cast(complex(np.nan, np.nan), r.dtype))


def _companion_roots(p, linalg):
    """The eigenvalues of p's companion matrix (p[0] != 0), the ones below its first row."""
    n = p.shape[0]
    if n < 2:
        dt = np.result_type(p.dtype, np.complex64)
        return zeros((0,), dt)
    first = divide(-p[1:], p[0])
    below = eye(n - 2, n - 1, dtype=p.dtype)
    return linalg.eigvals(concatenate([first[None], below], axis=0))
