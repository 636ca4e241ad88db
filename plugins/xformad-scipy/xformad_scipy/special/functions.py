"""scipy.special functions as xformad primitives: a kernel per backend and derivative rules.

Every rule is written with numpy calls and these primitives themselves (digamma' is
polygamma(1, .), i0' is i1, ...), so on tracers the rules record graph nodes and every
derivative can be differentiated again. Names are prefixed ``scipy.`` because primitive
names are global across plugins (the built-ins already have an ``i0`` for ``np.i0``).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import SpecialFunctionError
from .table import PRIMITIVES, SERVES, binary, no_order_derivative, special, unary

SQRT_PI = math.sqrt(math.pi)
SQRT_2PI = math.sqrt(2 * math.pi)
SQRT_2 = math.sqrt(2.0)
SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
LOG_HALF = math.log(0.5)
TWO_OVER_SQRT_PI = 2 / SQRT_PI


def x_over(x, y):
    """``x / y`` (the y-derivative of xlogy and xlog1py), 0 where x and y are both 0. The
    guard is on both: at x = 0 beside a nonzero y the quotient itself is taken, so its own
    derivative in x (the mixed partial, 1 / y) is kept."""
    both = (x == 0) & (y == 0)
    return np.where(both, 0.0, x / np.where(both, 1.0, y))


# --- error function and normal distribution ------------------------------------------------
erf_p = unary("erf", lambda ans, x: TWO_OVER_SQRT_PI * np.exp(-x * x))
erfc_p = unary("erfc", lambda ans, x: -TWO_OVER_SQRT_PI * np.exp(-x * x))
ERFCX_SERIES_FROM = 10.0  # above it erfcx' by its asymptotic series
ERFCX_SERIES_TERMS = 18


def _erfcx_derivative(ans, x):
    """erfcx'(x) = 2 x erfcx(x) - 2/sqrt(pi). For large x the true value is about
    -1/(sqrt(pi) x**2), the difference of two numbers near 2/sqrt(pi): relative error
    eps * x**2 (1e-5 at x = 1e5). Above ERFCX_SERIES_FROM it is the asymptotic series
    -(1/sqrt(pi)) sum_n (-1)^n (2n+1)!! / 2^n x^-(2n+2) instead, exact to rounding there and
    differentiable again without cancellation (each branch sees safe inputs only)."""
    large = x > ERFCX_SERIES_FROM
    t = np.where(large, x, ERFCX_SERIES_FROM)
    inv_t2 = 1.0 / (t * t)
    term, series = inv_t2, inv_t2
    for n in range(1, ERFCX_SERIES_TERMS):
        term = -term * (2 * n + 1) / 2 * inv_t2
        series = series + term
    x_small = np.where(large, 0.0, x)
    ans_small = np.where(large, 1.0, ans)
    return np.where(large, -series / SQRT_PI, 2 * x_small * ans_small - TWO_OVER_SQRT_PI)


erfcx_p = unary("erfcx", _erfcx_derivative)
erfinv_p = unary("erfinv", lambda ans, x: (SQRT_PI / 2) * np.exp(ans * ans), safe=True)
erfcinv_p = unary("erfcinv", lambda ans, x: (-SQRT_PI / 2) * np.exp(ans * ans), safe=True)
ndtr_p = unary("ndtr", lambda ans, x: np.exp(-0.5 * x * x) / SQRT_2PI)
# phi(x) / Phi(x) as one exp: finite far in the lower tail, where both factors underflow


def _log_ndtr_derivative(ans, x):
    """phi(x) / Phi(x). Above 0, exp(-x**2/2 - log_ndtr(x)) / sqrt(2 pi); below it that
    subtracts two numbers of size x**2/2 and loses every digit by x = -1e6, so it is
    sqrt(2/pi) / erfcx(-x/sqrt(2)) there (the inverse Mills ratio, no cancellation, finite
    to x = -1e300). Each branch sees safe inputs only, so no NaN reaches any order."""
    lower = x < 0
    x_low = np.where(lower, x, -1.0)
    x_high = np.where(lower, 0.0, x)
    ans_high = np.where(lower, LOG_HALF, ans)
    low = SQRT_2_OVER_PI / erfcx_p.bind(-x_low / SQRT_2)
    high = np.exp(-0.5 * x_high * x_high - ans_high) / SQRT_2PI
    return np.where(lower, low, high)


log_ndtr_p = unary("log_ndtr", _log_ndtr_derivative)
ndtri_p = unary("ndtri", lambda ans, x: SQRT_2PI * np.exp(0.5 * ans * ans), safe=True)

# --- logistic ---------------------------------------------------------------------------
expit_p = unary("expit", lambda ans, x: ans * (1 - ans))
logit_p = unary("logit", lambda ans, x: 1 / (x * (1 - x)), safe=True)
log_expit_p = unary("log_expit", lambda ans, x: expit_p.bind(-x))

# --- gamma family -------------------------------------------------------------------------


def _real_only(n, x) -> None:
    if getattr(x, "dtype", None) is not None and x.dtype.kind == "c":
        raise SpecialFunctionError(
            "scipy.special.polygamma is real-only, so gamma, gammaln and digamma of complex "
            "values differentiate to first order only: take higher derivatives at real points."
        )


def _polygamma_kernel(xp, n, x):
    from .kernels import host_kernel

    _real_only(n, x)
    return _keep_float_dtype(host_kernel("polygamma")(xp, n, x), x)


def _polygamma_cupy_kernel(xp, n, x):
    from .kernels import cupy_kernel

    _real_only(n, x)
    return _keep_float_dtype(cupy_kernel("polygamma")(xp, n, x), x)


def _keep_float_dtype(out, x):
    """scipy's polygamma computes in float64; float32 in stays float32 out."""
    dtype = getattr(x, "dtype", None)
    if dtype is not None and dtype.kind == "f" and out.dtype != dtype:
        return out.astype(dtype)
    return out


polygamma_p = special("polygamma", kernel=_polygamma_kernel)
polygamma_p.kernels["cupy"] = _polygamma_cupy_kernel
_polygamma_rule = lambda g, ans, n, x: g * polygamma_p.bind(n + 1, x)
polygamma_p.def_jvp(no_order_derivative("polygamma"), _polygamma_rule)
polygamma_p.def_vjp(no_order_derivative("polygamma"), _polygamma_rule)

digamma_p = unary("digamma", lambda ans, x: polygamma_p.bind(1, x), "psi")
gammaln_p = unary("gammaln", lambda ans, x: digamma_p.bind(x))
gamma_p = unary("gamma", lambda ans, x: ans * digamma_p.bind(x))


def _rgamma_derivative(ans, x):
    """(1/Gamma)'(x) = -digamma(x) / Gamma(x). At the poles of Gamma (0, -1, -2, ...)
    1/Gamma is 0 and digamma infinite, so below 1/2 it is the derivative of the reflection
    formula 1/Gamma(x) = sin(pi x) Gamma(1 - x) / pi instead,
    cos(pi x) Gamma(1 - x) - digamma(1 - x) / Gamma(x): (-1)^n n! at x = -n, as it should be.
    Each branch sees safe inputs only (where-substitution), so every order is finite."""
    if getattr(x, "dtype", None) is not None and x.dtype.kind == "c":
        return -ans * digamma_p.bind(x)  # complex: first order only, as gamma
    low = x < 0.5
    x_low = np.where(low, x, 0.0)
    x_high = np.where(low, 1.0, x)
    reflected = np.cos(np.pi * x_low) * gamma_p.bind(1 - x_low) - ans * digamma_p.bind(1 - x_low)
    return np.where(low, reflected, -ans * digamma_p.bind(x_high))


rgamma_p = unary("rgamma", _rgamma_derivative)
gammasgn_p = unary("gammasgn", lambda ans, x: np.zeros_like(ans))  # piecewise constant


def _digamma_gap(a, b):
    return digamma_p.bind(a) - digamma_p.bind(a + b)


beta_p = binary(
    "beta",
    lambda ans, a, b: ans * _digamma_gap(a, b),
    lambda ans, a, b: ans * _digamma_gap(b, a),
)
betaln_p = binary(
    "betaln",
    lambda ans, a, b: _digamma_gap(a, b),
    lambda ans, a, b: _digamma_gap(b, a),
)

# --- x log y ----------------------------------------------------------------------------
xlogy_p = binary("xlogy", lambda ans, x, y: np.log(y), lambda ans, x, y: x_over(x, y))
xlog1py_p = binary("xlog1py", lambda ans, x, y: np.log1p(y), lambda ans, x, y: x_over(x, 1 + y))

__all__ = ["PRIMITIVES", "SERVES"]
