"""Special functions as elementwise primitives (lax.erf, lax.lgamma, lax.igamma, ...).

Each is declared with `elementwise`: float operands only; its NumPy rule is a Numba ufunc
over core/special_math.py's float64 scalar function (the result rounded to the operands'
dtype); its scalar rule calls the same function in fused kernels (`vm.special.<name>`), and
erf, erfc, lgamma and digamma name vectorisable versions for fast-math kernels. The JVPs are
the closed forms; where JAX has none (polygamma and zeta in their first operand, betainc in
a and b, the second derivative of igamma in a) the JVP raises NotImplementedError.
The functions of core/special_integrals.py (erfcx, dawsn, expn, expi, spence, Si, Ci, the
Fresnel integrals, hyp1f1, hyp2f1) are declared the same way; hyp1f1, hyp2f1 and expn have
no derivative in their parameters (a, b, c; n), as in JAX.
"""
from __future__ import annotations

import math

import numpy as np

from . import special_integrals as si
from . import special_math as sm
from . import trace
from .primitives import (
    FLOAT,
    add_p,
    cos_p,
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
    sin_p,
    sub_p,
)
from .scalar import ScalarRule


def _numpy_rule(ufunc, compute=np.float64):
    """The NumPy rule: the float64 (or complex128) ufunc, rounded once to the operands'
    dtype."""
    def rule(*args):
        dtype = np.result_type(*args)
        with np.errstate(all="ignore"):  # nan and inf are results here, not errors
            out = ufunc(*(np.asarray(a, compute) for a in args))
        return np.asarray(out).astype(dtype)
    return rule


def _special(name: str, ufunc, nargs: int, jvp: tuple, vecmath: str | None = None,
             cost: int = 40, module: str = "special"):
    operands = ", ".join(f"np.float64({{{i}}})" for i in range(nargs))
    scalar = ScalarRule(f"{{d}}(vm.{module}.{name}({operands}))", cost=cost, vecmath=vecmath,
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


# The functions of core/special_integrals.py, called in fused kernels through special_math.
def _more(name: str, nargs: int, jvp: tuple, cost: int = 200):
    return _special(name, getattr(si, f"{name}_ufunc"), nargs, jvp, cost=cost,
                    module="special.integrals")


def _at_zero(x, value, slope_of_safe):
    """slope_of_safe(x) where x != 0, value at 0 (each branch sees a safe argument)."""
    zero = eq_p.bind(x, _k(0, x))
    slope = slope_of_safe(select_p.bind(zero, _k(1, x), x))
    return select_p.bind(zero, _k(value, x), slope)


def _erfcx_dx(t, x):
    return mul_p.bind(t, sub_p.bind(mul_p.bind(mul_p.bind(_k(2, x), x), erfcx_p.bind(x)),
                                    _k(2 / math.sqrt(math.pi), x)))


def _dawsn_dx(t, x):
    return mul_p.bind(t, sub_p.bind(_k(1, x), mul_p.bind(mul_p.bind(_k(2, x), x),
                                                         dawsn_p.bind(x))))


def _expn_dx(t, n, x):
    # E_n' = -E_(n-1); for n = 0, d/dx e^-x / x = -e^-x (x + 1) / x^2.
    e0 = div_p.bind(mul_p.bind(exp_p.bind(neg_p.bind(x)), add_p.bind(x, _k(1, x))),
                    mul_p.bind(x, x))
    lower = expn_p.bind(select_p.bind(eq_p.bind(n, _k(0, n)), _k(1, n), sub_p.bind(n, _k(1, n))),
                        x)
    return mul_p.bind(t, neg_p.bind(select_p.bind(eq_p.bind(n, _k(0, n)), e0, lower)))


def _expi_dx(t, x):
    return mul_p.bind(t, div_p.bind(exp_p.bind(x), x))


def _spence_dx(t, x):
    # log(x) / (1 - x), and its limit -1 at x = 1.
    one = eq_p.bind(x, _k(1, x))
    safe = select_p.bind(one, _k(2, x), x)
    slope = div_p.bind(log_p.bind(safe), sub_p.bind(_k(1, x), safe))
    return mul_p.bind(t, select_p.bind(one, _k(-1, x), slope))


def _si_dx(t, x):
    return mul_p.bind(t, _at_zero(x, 1.0, lambda s: div_p.bind(sin_p.bind(s), s)))


def _ci_dx(t, x):
    # cos(x) / x, inf at 0 (Ci ~ log|x| there), without dividing by zero.
    return mul_p.bind(t, _at_zero(x, math.inf, lambda s: div_p.bind(cos_p.bind(s), s)))


def _half_pi_square(x):
    return mul_p.bind(_k(math.pi / 2, x), mul_p.bind(x, x))


def _hyp1f1_dx(t, a, b, x):
    # d/dx 1F1(a; b; x) = a / b 1F1(a + 1; b + 1; x)
    up = hyp1f1_p.bind(add_p.bind(a, _k(1, a)), add_p.bind(b, _k(1, b)), x)
    return mul_p.bind(t, mul_p.bind(div_p.bind(a, b), up))


def _hyp2f1_dx(t, a, b, c, x):
    # d/dx 2F1(a, b; c; x) = a b / c 2F1(a + 1, b + 1; c + 1; x)
    one = _k(1, a)
    up = hyp2f1_p.bind(add_p.bind(a, one), add_p.bind(b, one), add_p.bind(c, one), x)
    return mul_p.bind(t, mul_p.bind(div_p.bind(mul_p.bind(a, b), c), up))


erfcx_p = _more("erfcx", 1, (_erfcx_dx,), cost=60)
dawsn_p = _more("dawsn", 1, (_dawsn_dx,))
expn_p = _more("expn", 2, (_not_provided("the derivative of expn with respect to n"),
                           _expn_dx))
expi_p = _more("expi", 1, (_expi_dx,))
spence_p = _more("spence", 1, (_spence_dx,))
sine_integral_p = _more("sine_integral", 1, (_si_dx,))
cosine_integral_p = _more("cosine_integral", 1, (_ci_dx,))
fresnel_s_p = _more("fresnel_s", 1, (lambda t, x: mul_p.bind(t, sin_p.bind(_half_pi_square(x))),))
fresnel_c_p = _more("fresnel_c", 1, (lambda t, x: mul_p.bind(t, cos_p.bind(_half_pi_square(x))),))
hyp1f1_p = _more("hyp1f1", 3, (
    _not_provided("the derivative of hyp1f1 with respect to a"),
    _not_provided("the derivative of hyp1f1 with respect to b"), _hyp1f1_dx), cost=400)
hyp2f1_p = _more("hyp2f1", 4, (
    _not_provided("the derivative of hyp2f1 with respect to a"),
    _not_provided("the derivative of hyp2f1 with respect to b"),
    _not_provided("the derivative of hyp2f1 with respect to c"), _hyp2f1_dx), cost=400)


def _wofz_dz(t, z):
    # w'(z) = 2i / sqrt(pi) - 2 z w(z): w is entire, so the tangent is w'(z) t.
    dtype = trace.get_aval(z).dtype
    slope = sub_p.bind(np.asarray(2j / math.sqrt(math.pi), dtype),
                       mul_p.bind(mul_p.bind(np.asarray(2, dtype), z), wofz_p.bind(z)))
    return mul_p.bind(t, slope)


# The Faddeeva function, on complex operands only (computed in complex128, rounded once).
wofz_p = elementwise("wofz", _numpy_rule(si.wofz_ufunc, np.complex128), "c", scalar=ScalarRule(
    "{d}(vm.special.integrals.wofz(np.complex128({0})))", cost=200, kinds="c"),
    jvp=(_wofz_dz,))
