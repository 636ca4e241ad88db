"""Elementwise math beyond the core ufuncs: sinc, fmax/fmin, angle, nan_to_num, i0, and the
piecewise-constant and boolean helpers (fix, isclose, allclose, count_nonzero, ...).

Each is lowered onto primitives. Branches are combined with the double-``where`` idiom
(the untaken branch is computed at a harmless point), so no NaN or inf from a branch that
was not taken reaches a derivative.
"""

from __future__ import annotations

import numpy as np

from ..errors import UnsupportedOperation
from ..primitives.special_math import frexp_exponent_p, i0_p
from ..tracing import Tracer, concrete
from .dispatch import implements
from .util import as_operand, dtype_of, is_tracer, operand


def _inexact_dtype(x):
    dtype = np.dtype(dtype_of(x))
    return dtype if dtype.kind in "fc" else np.dtype(np.float64)


# sinc near zero: the Taylor series of sin(pi x)/(pi x) through (pi x)^8 is exact to float64
# rounding for |x| < 0.01, and unlike the quotient its derivatives of every order are
# exact at x = 0 (sinc''(0) = -pi^2/3).
_SINC_SERIES_RADIUS = 0.01
_SINC_COEFFS = (1.0, -1 / 6, 1 / 120, -1 / 5040, 1 / 362880)


@implements(np.sinc)
def sinc(x):
    x = operand(x)
    small = np.abs(x) < _SINC_SERIES_RADIUS
    px = np.pi * np.where(small, 1.0, x)  # the quotient branch never sees 0
    quotient = np.sin(px) / px
    u = np.square(np.pi * np.where(small, x, 0.0))
    series = _SINC_COEFFS[-1]
    for c in _SINC_COEFFS[-2::-1]:
        series = series * u + c
    return np.where(small, series, quotient)


def _nan_ignoring(pick):
    def handler(x1, x2, out=None, **kwargs):
        x1, x2 = as_operand(x1), as_operand(x2)  # Python scalars stay weakly typed
        both = pick(x1, x2)
        return np.where(np.isnan(x2), x1, np.where(np.isnan(x1), x2, both))

    return handler


implements(np.fmax)(_nan_ignoring(np.maximum))
implements(np.fmin)(_nan_ignoring(np.minimum))


@implements(np.angle)
def angle(z, deg=False):
    z = operand(z)
    if np.iscomplexobj(z):
        a = np.arctan2(np.imag(z), np.real(z))
    else:
        a = np.arctan2(np.zeros((), dtype=_inexact_dtype(z)), z)
    return a * (180 / np.pi) if deg else a


def _replace_nonfinite(x, nan, posinf, neginf):
    info = np.finfo(x.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    x = np.where(np.isnan(x), nan, x)
    x = np.where(np.isposinf(x), posinf, x)
    return np.where(np.isneginf(x), neginf, x)


@implements(np.nan_to_num)
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    given = x
    x = operand(x)
    if np.dtype(x.dtype).kind not in "fc":
        return x
    if np.iscomplexobj(x):
        re = _replace_nonfinite(np.real(x), nan, posinf, neginf)
        im = _replace_nonfinite(np.imag(x), nan, posinf, neginf)
        result = (re + 1j * im).astype(x.dtype)
    else:
        result = _replace_nonfinite(x, nan, posinf, neginf).astype(x.dtype)
    if not copy and type(given) is Tracer and not isinstance(concrete(given), np.generic):
        given._assign(result)  # copy=False replaces in place, as numpy does
        return given
    return result


@implements(np.i0)
def i0(x):
    x = operand(x)
    if np.iscomplexobj(x):
        raise UnsupportedOperation("np.i0 of complex input", "numpy rejects it too; pass a real array")
    return i0_p.bind(x.astype(_inexact_dtype(x)))


@implements(np.real_if_close)
def real_if_close(a, tol=100):
    a = operand(a)
    if not np.iscomplexobj(a):
        return a
    eps = np.finfo(a.dtype).eps
    tol = tol * eps if tol > 1 else tol
    # a guarded decision, as numpy's own: the result type depends on the values
    if np.all(np.abs(np.imag(a)) < tol):
        return np.real(a)
    return a


@implements(np.fix)
def fix(x, out=None):
    return np.trunc(x)


@implements(np.ldexp)
def ldexp(x1, x2, out=None, **kwargs):
    """x1 * 2**x2: linear in the mantissa x1; the integer exponent has no derivative."""
    x1 = operand(x1)
    scale = np.exp2(np.asarray(x2) if not is_tracer(x2) else x2.astype(np.float64))
    return np.multiply(x1, scale).astype(_inexact_dtype(x1))


@implements(np.frexp)
def frexp(x, out=None, **kwargs):
    """(mantissa, exponent) with x = mantissa * 2**exponent; the mantissa is 2**-e * x."""
    x = operand(x)
    exponent = frexp_exponent_p.bind(x)
    # two power-of-two factors: exact, and neither overflows for subnormal x
    half = np.floor_divide(-exponent, 2)
    scale_a = np.exp2(half.astype(np.float64))
    scale_b = np.exp2((-exponent - half).astype(np.float64))
    mantissa = (x.astype(np.float64) * scale_a * scale_b).astype(_inexact_dtype(x))
    return mantissa, exponent


@implements(np.divmod)
def divmod_(x1, x2, out=None, **kwargs):
    return np.floor_divide(x1, x2), np.remainder(x1, x2)


@implements(np.modf)
def modf(x, out=None, **kwargs):
    x = operand(x)
    x = x.astype(_inexact_dtype(x))
    whole = np.trunc(x)
    return x - whole, whole


@implements(np.isposinf)
def isposinf(x, out=None):
    return np.isinf(x) & ~np.signbit(x)


@implements(np.isneginf)
def isneginf(x, out=None):
    return np.isinf(x) & np.signbit(x)


@implements(np.iscomplex)
def iscomplex(x):
    x = operand(x)
    if not np.iscomplexobj(x):
        return np.zeros(np.shape(x), dtype=bool)
    return np.imag(x) != 0


@implements(np.isreal)
def isreal(x):
    x = operand(x)
    if not np.iscomplexobj(x):
        return np.ones(np.shape(x), dtype=bool)
    return np.imag(x) == 0


@implements(np.isclose)
def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = operand(a), operand(b)
    finite = np.isfinite(a) & np.isfinite(b)
    # the tolerance test only on finite pairs: inf - inf would give nan
    a_f = np.where(finite, a, 0)
    b_f = np.where(finite, b, 0)
    close = finite & (np.abs(a_f - b_f) <= atol + rtol * np.abs(b_f))
    close = close | (~finite & (a == b))
    if equal_nan:
        close = close | (np.isnan(a) & np.isnan(b))
    return close


@implements(np.allclose)
def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(np.all(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)))


@implements(np.array_equal)
def array_equal(a1, a2, equal_nan=False):
    a1, a2 = operand(a1), operand(a2)
    if np.shape(a1) != np.shape(a2):
        return False
    same = a1 == a2
    if equal_nan:
        same = same | (np.isnan(a1) & np.isnan(a2))
    return bool(np.all(same))


@implements(np.array_equiv)
def array_equiv(a1, a2):
    a1, a2 = operand(a1), operand(a2)
    try:
        np.broadcast_shapes(np.shape(a1), np.shape(a2))
    except ValueError:
        return False
    return bool(np.all(a1 == a2))


@implements(np.count_nonzero)
def count_nonzero(a, axis=None, *, keepdims=False):
    return np.sum(operand(a) != 0, axis=axis, keepdims=keepdims)


@implements(np.result_type)
def result_type(*arrays_and_dtypes):
    # a tracer stands for an array of its dtype
    return np.result_type(*(a.dtype if is_tracer(a) else a for a in arrays_and_dtypes))
