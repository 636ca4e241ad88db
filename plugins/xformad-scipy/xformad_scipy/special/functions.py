"""scipy.special functions as xformad primitives: a kernel per backend and derivative rules.

Every rule is written with numpy calls and these primitives themselves (digamma' is
polygamma(1, .), i0' is i1, ...), so on tracers the rules record graph nodes and every
derivative can be differentiated again. Names are prefixed ``scipy.`` because primitive
names are global across plugins (the built-ins already have an ``i0`` for ``np.i0``).
"""

from __future__ import annotations

import math

import numpy as np

from xformad.extend import Primitive

from ..errors import SpecialFunctionError
from .kernels import kernels

SQRT_PI = math.sqrt(math.pi)
SQRT_2PI = math.sqrt(2 * math.pi)
TWO_OVER_SQRT_PI = 2 / SQRT_PI

PRIMITIVES: list[Primitive] = []
SERVES: dict = {}  # scipy.special attribute name -> the primitive serving it


def special(name: str, *aliases: str, kernel=None) -> Primitive:
    """A primitive computing ``scipy.special.<name>`` (cupyx's on the cupy backend)."""
    generic, per_backend = kernels(name)
    p = Primitive(f"scipy.{name}", kernel or generic, kernels=per_backend)
    PRIMITIVES.append(p)
    for served in (name, *aliases):
        SERVES[served] = p
    return p


def unary(name: str, deriv, *aliases: str, safe: bool = False) -> Primitive:
    """A unary function with derivative ``deriv(ans, x)``; ``safe``: the derivative may be
    infinite where the function is finite, and a zero (co)tangent must stay zero there."""
    p = special(name, *aliases)
    p.def_pointwise(deriv, safe=safe)
    return p


def binary(name: str, deriv_x, deriv_y) -> Primitive:
    """A binary function with partial derivatives ``deriv_x(ans, x, y)``, ``deriv_y(...)``."""
    p = special(name)
    p.def_pointwise(deriv_x, deriv_y)
    return p


def no_order_derivative(name: str):
    """The rule for an order argument (polygamma's n): integral, so it has no derivative."""

    def rule(g, ans, n, x):
        raise SpecialFunctionError(
            f"scipy.special.{name}(n, x) has no derivative with respect to its order n (an "
            "integer): pass n as a constant (a Python int or an integer array) and "
            "differentiate with respect to x only."
        )

    return rule


def ratio_over_x(value, x, at_zero: float):
    """``value / x`` where ``value`` vanishes with x; ``at_zero`` (the limit) at x = 0.
    The double where keeps every derivative of it finite at 0."""
    nonzero = x != 0
    safe_x = np.where(nonzero, x, 1.0)
    return np.where(nonzero, value / safe_x, at_zero)


def x_over(x, y):
    """``x / y``, 0 wherever x is 0 (the y-derivative of xlogy and xlog1py)."""
    nonzero = x != 0
    return np.where(nonzero, x / np.where(nonzero, y, 1.0), 0.0)


# --- error function and normal distribution ------------------------------------------------
erf_p = unary("erf", lambda ans, x: TWO_OVER_SQRT_PI * np.exp(-x * x))
erfc_p = unary("erfc", lambda ans, x: -TWO_OVER_SQRT_PI * np.exp(-x * x))
erfcx_p = unary("erfcx", lambda ans, x: 2 * x * ans - TWO_OVER_SQRT_PI)
erfinv_p = unary("erfinv", lambda ans, x: (SQRT_PI / 2) * np.exp(ans * ans), safe=True)
erfcinv_p = unary("erfcinv", lambda ans, x: (-SQRT_PI / 2) * np.exp(ans * ans), safe=True)
ndtr_p = unary("ndtr", lambda ans, x: np.exp(-0.5 * x * x) / SQRT_2PI)
# phi(x) / Phi(x) as one exp: finite far in the lower tail, where both factors underflow
log_ndtr_p = unary("log_ndtr", lambda ans, x: np.exp(-0.5 * x * x - ans) / SQRT_2PI)
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

# --- Bessel functions of orders 0 and 1 ---------------------------------------------------
# Only orders 0 and 1 appear in the rules (DLMF 10.6.2, 10.29.2): cupyx has those kernels
# but no general-order iv/jv. I1(x)/x and J1(x)/x tend to 1/2 at 0; ratio_over_x keeps the
# derivative at x = 0 exact to second order.
i1_p = special("i1")
i0_p = unary("i0", lambda ans, x: i1_p.bind(x))
_i1_rule = lambda g, ans, x: g * (i0_p.bind(x) - ratio_over_x(ans, x, 0.5))
i1_p.def_jvp(_i1_rule)
i1_p.def_vjp(_i1_rule)

i1e_p = special("i1e")
i0e_p = unary("i0e", lambda ans, x: i1e_p.bind(x) - np.sign(x) * ans)
_i1e_rule = lambda g, ans, x: g * (i0e_p.bind(x) - ratio_over_x(ans, x, 0.5) - np.sign(x) * ans)
i1e_p.def_jvp(_i1e_rule)
i1e_p.def_vjp(_i1e_rule)

j1_p = special("j1")
j0_p = unary("j0", lambda ans, x: -j1_p.bind(x))
_j1_rule = lambda g, ans, x: g * (j0_p.bind(x) - ratio_over_x(ans, x, 0.5))
j1_p.def_jvp(_j1_rule)
j1_p.def_vjp(_j1_rule)

# Y and K are singular at 0 and defined for x > 0 only: plain quotients
y1_p = special("y1")
y0_p = unary("y0", lambda ans, x: -y1_p.bind(x))
_y1_rule = lambda g, ans, x: g * (y0_p.bind(x) - ans / x)
y1_p.def_jvp(_y1_rule)
y1_p.def_vjp(_y1_rule)

k1_p = special("k1")
k0_p = unary("k0", lambda ans, x: -k1_p.bind(x))
_k1_rule = lambda g, ans, x: g * (-k0_p.bind(x) - ans / x)
k1_p.def_jvp(_k1_rule)
k1_p.def_vjp(_k1_rule)

k1e_p = special("k1e")
k0e_p = unary("k0e", lambda ans, x: ans - k1e_p.bind(x))
_k1e_rule = lambda g, ans, x: g * (ans - k0e_p.bind(x) - ans / x)
k1e_p.def_jvp(_k1e_rule)
k1e_p.def_vjp(_k1e_rule)
