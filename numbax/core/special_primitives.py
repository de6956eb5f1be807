"""Special functions as elementwise primitives (lax.erf, lax.lgamma, lax.igamma, ...).

Each is declared with `elementwise`: float operands only; its NumPy rule is a Numba ufunc
over core/special_math.py's float64 scalar function (the result rounded to the operands'
dtype); its scalar rule calls the same function in fused kernels (`vm.special.<name>`), and
erf, erfc, lgamma and digamma name vectorisable versions for fast-math kernels. The JVPs are
the closed forms; where JAX has none (polygamma and zeta in their first operand, betainc in
a and b, the second derivative of igamma in a) the JVP raises NotImplementedError.
"""
from __future__ import annotations

import math

import numpy as np

from . import special_math as sm
from . import trace
from .primitives import (
    FLOAT,
    add_p,
    div_p,
    elementwise,
    eq_p,
    exp_p,
    log1p_p,
    log_p,
    mul_p,
    neg_p,
    select_p,
    sign_p,
    sub_p,
)
from .scalar import ScalarRule


def _numpy_rule(ufunc):
    """The NumPy rule: the float64 ufunc, rounded once to the operands' dtype."""
    def rule(*args):
        dtype = np.result_type(*args)
        with np.errstate(all="ignore"):  # nan and inf are results here, not errors
            out = ufunc(*(np.asarray(a, np.float64) for a in args))
        return np.asarray(out).astype(dtype)
    return rule


def _special(name: str, ufunc, nargs: int, jvp: tuple, vecmath: str | None = None,
             cost: int = 40):
    operands = ", ".join(f"np.float64({{{i}}})" for i in range(nargs))
    scalar = ScalarRule(f"{{d}}(vm.special.{name}({operands}))", cost=cost, vecmath=vecmath,
                        kinds="f")
    return elementwise(name, _numpy_rule(ufunc), FLOAT, scalar=scalar, jvp=jvp)


def _k(value, x):
    """value as a 0-d constant of x's dtype."""
    return np.asarray(value, trace.get_aval(x).dtype)


def _not_provided(what: str):
    def jvp(t, *primals):
        raise NotImplementedError(f"{what} is not implemented (as in JAX)")
    return jvp


def _exp_neg_square(x):
    return exp_p.bind(neg_p.bind(mul_p.bind(x, x)))


def _erf_dx(t, x):
    return mul_p.bind(t, mul_p.bind(_k(2 / math.sqrt(math.pi), x), _exp_neg_square(x)))


def _erf_inv_dx(t, x):
    y = erf_inv_p.bind(x)
    return mul_p.bind(t, mul_p.bind(_k(math.sqrt(math.pi) / 2, x), exp_p.bind(mul_p.bind(y, y))))


def _igamma_dx(t, a, x):
    # x^(a-1) e^-x / Gamma(a), through logarithms.
    log_density = sub_p.bind(sub_p.bind(mul_p.bind(sub_p.bind(a, _k(1, a)), log_p.bind(x)), x),
                             lgamma_p.bind(a))
    return mul_p.bind(t, exp_p.bind(log_density))


def _igamma_da(t, a, x):
    return mul_p.bind(t, igamma_grad_a_p.bind(a, x))


def _neg(jvp):
    return lambda t, *primals: neg_p.bind(jvp(t, *primals))


def _polygamma_dx(t, n, x):
    return mul_p.bind(t, polygamma_p.bind(add_p.bind(n, _k(1, n)), x))


def _zeta_dq(t, s, q):
    return mul_p.bind(t, neg_p.bind(mul_p.bind(s, zeta_p.bind(add_p.bind(s, _k(1, s)), q))))


def _i0e_dx(t, x):
    return mul_p.bind(t, sub_p.bind(bessel_i1e_p.bind(x),
                                    mul_p.bind(sign_p.bind(x), bessel_i0e_p.bind(x))))


def _i1e_dx(t, x):
    # i0e - i1e (sign(x) + 1/x), and its limit 1/2 at 0 (JAX's safe-division convention).
    zero = eq_p.bind(x, _k(0, x))
    safe_x = select_p.bind(zero, _k(1, x), x)
    slope = sub_p.bind(bessel_i0e_p.bind(x), mul_p.bind(
        bessel_i1e_p.bind(x), add_p.bind(sign_p.bind(x), div_p.bind(_k(1, x), safe_x))))
    return mul_p.bind(t, select_p.bind(zero, _k(0.5, x), slope))


def _betainc_dx(t, a, b, x):
    # x^(a-1) (1-x)^(b-1) / B(a, b), through logarithms.
    log_beta = sub_p.bind(add_p.bind(lgamma_p.bind(a), lgamma_p.bind(b)),
                          lgamma_p.bind(add_p.bind(a, b)))
    log_density = sub_p.bind(
        add_p.bind(mul_p.bind(sub_p.bind(a, _k(1, a)), log_p.bind(x)),
                   mul_p.bind(sub_p.bind(b, _k(1, b)), log1p_p.bind(neg_p.bind(x)))),
        log_beta)
    return mul_p.bind(t, exp_p.bind(log_density))


erf_p = _special("erf", sm.erf_ufunc, 1, (_erf_dx,), vecmath="erf")
erfc_p = _special("erfc", sm.erfc_ufunc, 1, (_neg(_erf_dx),), vecmath="erfc")
erf_inv_p = _special("erf_inv", sm.erf_inv_ufunc, 1, (_erf_inv_dx,), cost=80)
lgamma_p = _special("lgamma", sm.lgamma_ufunc, 1, (lambda t, x: mul_p.bind(t, digamma_p.bind(x)),),
                    vecmath="lgamma")
digamma_p = _special("digamma", sm.digamma_ufunc, 1, (lambda t, x: mul_p.bind(
    t, polygamma_p.bind(_k(1, x), x)),), vecmath="digamma")
igamma_p = _special("igamma", sm.igamma_ufunc, 2, (_igamma_da, _igamma_dx), cost=400)
igammac_p = _special("igammac", sm.igammac_ufunc, 2, (_neg(_igamma_da), _neg(_igamma_dx)), cost=400)
igamma_grad_a_p = _special("igamma_grad_a", sm.igamma_grad_a_ufunc, 2, (
    _not_provided("the derivative of igamma_grad_a (the second derivative of igamma in a)"),
    _not_provided("the derivative of igamma_grad_a in x")), cost=400)
polygamma_p = _special("polygamma", sm.polygamma_ufunc, 2, (
    _not_provided("the derivative of polygamma with respect to its order n"), _polygamma_dx),
    cost=200)
zeta_p = _special("zeta", sm.zeta_ufunc, 2, (
    _not_provided("the derivative of zeta with respect to s"), _zeta_dq), cost=200)
bessel_i0e_p = _special("bessel_i0e", sm.bessel_i0e_ufunc, 1, (_i0e_dx,), cost=200)
bessel_i1e_p = _special("bessel_i1e", sm.bessel_i1e_ufunc, 1, (_i1e_dx,), cost=200)
betainc_p = _special("betainc", sm.betainc_ufunc, 3, (
    _not_provided("the derivative of betainc with respect to a"),
    _not_provided("the derivative of betainc with respect to b"), _betainc_dx), cost=400)
