"""Bessel functions: the fixed orders 0 and 1 (i0, i1, j0, y1, k0e, ...) and the general
orders v (iv, ive, kv, kve, jv, yv, yn).

Derivatives in the argument z follow the recurrences of DLMF 10.6.2 and 10.29.2, written
with these primitives themselves, so they differentiate again. There is no derivative with
respect to an order v: the argument-derivative rules name v when asked for one.
"""

from __future__ import annotations

import numpy as np

from ..errors import SpecialFunctionError
from .table import binary, no_derivative, refuse, special, unary


def ratio_over_x(value, x, at_zero):
    """``value / x`` where ``value`` vanishes with x; at x = 0, ``at_zero``: the limit, or a
    function of x giving the ratio's Taylor polynomial there, whose derivatives at 0 are the
    ratio's own (a constant would make the second one 0). The double where keeps every
    derivative finite at 0."""
    nonzero = x != 0
    safe_x = np.where(nonzero, x, 1.0)
    return np.where(nonzero, value / safe_x, at_zero(x) if callable(at_zero) else at_zero)


def _bessel1_over_x(sign: float):
    """I1(x)/x (sign +1) or J1(x)/x (sign -1) near 0: 1/2 + s x^2/16 + x^4/384 + s x^6/18432,
    exact at 0 to the sixth derivative (so i1 and j1 to the seventh)."""

    def series(x):
        x2 = x * x
        return 0.5 + x2 * (sign / 16 + x2 * (1 / 384 + x2 * (sign / 18432)))

    return series


# --- Bessel functions of orders 0 and 1 ---------------------------------------------------
# Only orders 0 and 1 appear in the rules (DLMF 10.6.2, 10.29.2): cupyx has those kernels
# but no general-order iv/jv. I1(x)/x and J1(x)/x tend to 1/2 at 0; ratio_over_x takes their
# Taylor polynomials there, so the derivatives at x = 0 are exact to the seventh order.
i1_p = special("i1")
i0_p = unary("i0", lambda ans, x: i1_p.bind(x))
_i1_rule = lambda g, ans, x: g * (i0_p.bind(x) - ratio_over_x(ans, x, _bessel1_over_x(1.0)))
i1_p.def_jvp(_i1_rule)
i1_p.def_vjp(_i1_rule)

i1e_p = special("i1e")
i0e_p = unary("i0e", lambda ans, x: i1e_p.bind(x) - np.sign(x) * ans)
_i1e_rule = lambda g, ans, x: g * (i0e_p.bind(x) - ratio_over_x(ans, x, 0.5) - np.sign(x) * ans)
i1e_p.def_jvp(_i1e_rule)
i1e_p.def_vjp(_i1e_rule)

j1_p = special("j1")
j0_p = unary("j0", lambda ans, x: -j1_p.bind(x))
_j1_rule = lambda g, ans, x: g * (j0_p.bind(x) - ratio_over_x(ans, x, _bessel1_over_x(-1.0)))
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


# --- general order v: d/dz by the recurrences --------------------------------------------
def _real_argument_only(name: str, z) -> None:
    if np.iscomplexobj(z):
        raise SpecialFunctionError(
            f"scipy.special.{name}(v, z) scales by exp(-|Re z|), which is not complex-"
            f"differentiable: differentiate {name} at real z, or use iv(v, z) * exp(-abs(z.real))."
        )


def _ive_z(ans, v, z):
    _real_argument_only("ive", z)
    return (ive_p.bind(v - 1, z) + ive_p.bind(v + 1, z)) / 2 - np.sign(z) * ans


def _general_order(name: str, deriv_z, order: str = "v"):
    """scipy.special.<name>(v, z): d/dz by ``deriv_z(ans, v, z)``, the order refused."""
    rule = no_derivative(
        f"{name}({order}, z)",
        f"the order {order}",
        "only the derivative in z is served",
        f"Pass {order} as a constant (a number or an array that is not differentiated).",
    )
    return refuse(binary(name, None, deriv_z), 0, rule)


iv_p = _general_order("iv", lambda ans, v, z: (iv_p.bind(v - 1, z) + iv_p.bind(v + 1, z)) / 2)
ive_p = _general_order("ive", _ive_z)
kv_p = _general_order("kv", lambda ans, v, z: -(kv_p.bind(v - 1, z) + kv_p.bind(v + 1, z)) / 2)
kve_p = _general_order("kve", lambda ans, v, z: ans - (kve_p.bind(v - 1, z) + kve_p.bind(v + 1, z)) / 2)
jv_p = _general_order("jv", lambda ans, v, z: (jv_p.bind(v - 1, z) - jv_p.bind(v + 1, z)) / 2)
yv_p = _general_order("yv", lambda ans, v, z: (yv_p.bind(v - 1, z) - yv_p.bind(v + 1, z)) / 2)
yn_p = _general_order("yn", lambda ans, n, x: (yn_p.bind(n - 1, x) - yn_p.bind(n + 1, x)) / 2, order="n")
