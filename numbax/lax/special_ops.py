"""lax's special functions (jax.lax.erf, lgamma, igamma, ...), strict like the rest of lax:
float operands of one dtype, no promotion. numbax.scipy.special builds on these.

>>> import numpy as np, numbax.lax as lax
>>> float(lax.erf(0.5))
0.5204998778130465
"""
from __future__ import annotations

from ..core import special_primitives as S

__all__ = ["bessel_i0e", "bessel_i1e", "betainc", "digamma", "erf", "erf_inv", "erfc", "igamma",
           "igamma_grad_a", "igammac", "lgamma", "polygamma", "zeta"]


def erf(x):
    """The error function 2/sqrt(pi) int_0^x exp(-t^2) dt.

    >>> float(erf(0.0))
    0.0
    """
    return S.erf_p.bind(x)


def erfc(x):
    """The complementary error function 1 - erf(x), accurate where erf(x) is near 1.

    >>> float(erfc(0.0))
    1.0
    """
    return S.erfc_p.bind(x)


def erf_inv(x):
    """The inverse of erf on [-1, 1] (+-inf at +-1, nan beyond).

    >>> float(erf_inv(0.0))
    0.0
    """
    return S.erf_inv_p.bind(x)


def lgamma(x):
    """log |Gamma(x)| (+inf at the poles 0, -1, -2, ...).

    >>> float(lgamma(1.0))
    0.0
    """
    return S.lgamma_p.bind(x)


def digamma(x):
    """psi(x) = d/dx lgamma(x) (nan at the negative integers, -+inf at +-0, as SciPy).

    >>> round(float(digamma(1.0)), 6)
    -0.577216
    """
    return S.digamma_p.bind(x)


def igamma(a, x):
    """The regularized lower incomplete gamma function P(a, x).

    >>> round(float(igamma(1.0, 1.0)), 6)
    0.632121
    """
    return S.igamma_p.bind(a, x)


def igammac(a, x):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x).

    >>> round(float(igammac(1.0, 1.0)), 6)
    0.367879
    """
    return S.igammac_p.bind(a, x)


def igamma_grad_a(a, x):
    """d/da igamma(a, x) (not itself differentiable).

    >>> round(float(igamma_grad_a(1.0, 1.0)), 6)
    -0.43173
    """
    return S.igamma_grad_a_p.bind(a, x)


def polygamma(m, x):
    """The m-th derivative of digamma, for integral m >= 0 (given as a float array).

    >>> round(float(polygamma(1.0, 1.0)), 6)
    1.644934
    """
    return S.polygamma_p.bind(m, x)


def zeta(x, q):
    """The Hurwitz zeta function sum_k (k + q)^-x, for x > 1.

    >>> round(float(zeta(2.0, 1.0)), 6)
    1.644934
    """
    return S.zeta_p.bind(x, q)


def bessel_i0e(x):
    """The exponentially scaled modified Bessel function exp(-|x|) I0(x).

    >>> float(bessel_i0e(0.0))
    1.0
    """
    return S.bessel_i0e_p.bind(x)


def bessel_i1e(x):
    """The exponentially scaled modified Bessel function exp(-|x|) I1(x).

    >>> float(bessel_i1e(0.0))
    0.0
    """
    return S.bessel_i1e_p.bind(x)


def betainc(a, b, x):
    """The regularized incomplete beta function I_x(a, b).

    >>> float(betainc(1.0, 1.0, 0.25))
    0.25
    """
    return S.betainc_p.bind(a, b, x)
