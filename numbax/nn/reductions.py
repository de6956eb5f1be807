"""log-sum-exp and the functions built on it (softmax, log_softmax, logmeanexp), and
standardize: reductions along axes whose values and derivatives stay finite at +-1000 and
with -inf entries.

>>> import numpy as np
>>> float(logsumexp(np.array([1000.0, 1000.0]))) == 1000.0 + float(np.log(2.0))
True
"""
from __future__ import annotations

from .. import lax
from .. import numpy as xnp
from ..numpy.arguments import check_static, promote

__all__ = ["log_softmax", "logmeanexp", "logsumexp", "softmax", "standardize"]


def _operands(fname: str, *args):
    """The non-None args promoted together to one float dtype; None stays None."""
    given = [a for a in args if a is not None]
    promoted = iter(promote(fname, *given, inexact=True))
    out = [None if a is None else next(promoted) for a in args]
    if any(a is not None and xnp.iscomplexobj(a) for a in out):
        raise TypeError(f"numbax.nn.{fname}: complex inputs are not supported, got "
                        f"{next(a for a in out if a is not None).dtype}")
    return out


def _masked(a, where, fill):
    """a with fill where the mask `where` is False (where=None keeps everything)."""
    if where is None:
        return a
    (where,) = promote("where", where)
    if where.dtype != bool:
        raise TypeError(f"numbax.nn: where must be a boolean mask, got {where.dtype}")
    return xnp.where(where, a, fill)


def _shifted(a, axis):
    """a - max(a) along axis (a constant to differentiation; all functions here are
    invariant to the shift), and that shift."""
    axis = check_static(axis, "logsumexp", "axis")
    if 0 in a.shape:
        # The max of nothing has no identity (it raises); exp of nothing sums to 0 whatever
        # the shift, so logsumexp is -inf there, as log(sum(exp(a))).
        return a, xnp.zeros_like(xnp.sum(a, axis=axis, keepdims=True))
    # The shift is the largest finite entry: next to +inf the finite entries then still fit
    # (exp(89) overflows float32, and inf / inf would turn their 0 into nan); a slice with no
    # finite entry is shifted by 0, which is exact.
    finite = xnp.isfinite(a)
    amax = lax.stop_gradient(xnp.max(xnp.where(finite, a, -xnp.inf), axis=axis, keepdims=True))
    amax = xnp.where(xnp.isfinite(amax), amax, xnp.zeros_like(amax))
    return a - amax, amax


def _drop_axes(out, axis, keepdims: bool):
    if keepdims:
        return out
    return xnp.squeeze(out, axis=axis) if axis is not None else xnp.reshape(out, ())


def logsumexp(a, axis=None, b=None, keepdims: bool = False, return_sign: bool = False,
              where=None):
    """log(|sum(b * exp(a))|) over axis, shifted by the maximum so that nothing overflows.

    As jax.nn.logsumexp (= jax.scipy.special.logsumexp): entries with b == 0 or where ==
    False are left out; with return_sign the sign of the sum comes too (a pair), otherwise a
    negative sum gives nan.

    >>> import numpy as np
    >>> logsumexp(np.array([0.0, 0.0]), b=np.array([1.0, -2.0]), return_sign=True)
    (array(0.), array(-1.))
    """
    a, b = _operands("logsumexp", a, b)
    if b is not None:
        a = xnp.where(b != 0, a, -xnp.inf)
    a = _masked(a, where, -xnp.inf)
    shifted, amax = _shifted(a, axis)
    terms = xnp.exp(shifted) if b is None else xnp.exp(shifted) * b
    total = xnp.sum(terms, axis=axis, keepdims=True)
    if b is None:
        # The sum is >= 0: leaving out abs keeps its derivative defined when it is 0.
        out, sign = xnp.log(total) + amax, xnp.sign(lax.stop_gradient(total))
    else:
        out, sign = xnp.log(xnp.abs(total)) + amax, xnp.sign(lax.stop_gradient(total))
    out, sign = _drop_axes(out, axis, keepdims), _drop_axes(sign, axis, keepdims)
    if return_sign:
        return out, sign
    if b is not None:
        out = xnp.where(sign < 0, xnp.nan, out)
    return out


def logmeanexp(x, axis=None, where=None, keepdims: bool = False):
    """log(mean(exp(x))) over axis (over the entries where `where` is True), computed stably.

    >>> import numpy as np
    >>> float(logmeanexp(np.array([1000.0, 1000.0])))
    1000.0
    """
    (x,) = _operands("logmeanexp", x)
    lse = logsumexp(x, axis=axis, keepdims=keepdims, where=where)
    ones = xnp.ones(x.shape, dtype=lse.dtype)
    count = xnp.sum(_masked(ones, where, 0.0), axis=axis, keepdims=keepdims)
    return lse - xnp.log(count)


# Both work on x - max(x) and never form logsumexp(x) itself: at |x| ~ 1000 in float32 that
# value carries an absolute rounding error of ~3e-5, which x - logsumexp(x) would keep.


def log_softmax(x, axis=-1, where=None):
    """x - logsumexp(x) along axis; -inf where `where` is False.

    >>> import numpy as np
    >>> log_softmax(np.array([0.0, 0.0]))
    array([-0.69314718, -0.69314718])
    """
    (x,) = _operands("log_softmax", x)
    shifted, _ = _shifted(_masked(x, where, -xnp.inf), axis)
    out = shifted - xnp.log(xnp.sum(xnp.exp(shifted), axis=axis, keepdims=True))
    return _masked(out, where, -xnp.inf)


def softmax(x, axis=-1, where=None):
    """exp(x) / sum(exp(x)) along axis, computed stably; 0 where `where` is False.

    >>> import numpy as np
    >>> softmax(np.array([1000.0, 1000.0]))
    array([0.5, 0.5])
    """
    (x,) = _operands("softmax", x)
    unnormalized = xnp.exp(_shifted(_masked(x, where, -xnp.inf), axis)[0])
    out = unnormalized / xnp.sum(unnormalized, axis=axis, keepdims=True)
    return _masked(out, where, 0.0)


def standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5, where=None):
    """(x - mean) / sqrt(variance + epsilon), with mean and variance over axis unless given.

    As JAX, the variance is mean(x**2) - mean(x)**2.

    >>> import numpy as np
    >>> standardize(np.array([1.0, 3.0]), epsilon=0.0)
    array([-1.,  1.])
    """
    x, mean, variance = _operands("standardize", x, mean, variance)
    if mean is None:
        mean = xnp.mean(x, axis, keepdims=True, where=where)
    if variance is None:
        variance = xnp.mean(xnp.square(x), axis, keepdims=True, where=where) - xnp.square(mean)
    return (x - mean) * lax.rsqrt(variance + epsilon)
