"""Special functions numpy itself offers: the modified Bessel function ``np.i0``.

The kernel is the backend's own ``i0`` (numpy and cupy both have it), so values match
numpy exactly. Its derivative is I1, which numpy lacks; it is written with ordinary numpy
calls (a quadrature, below), so derivatives of every order follow.
"""

from __future__ import annotations

import numpy as np

from .core import Primitive
from .rules import device_constant

# I1(x) = (1/2pi) * integral over a full circle of exp(x cos t) cos t dt. The integrand is
# periodic and analytic, so the trapezoid rule converges geometrically: the error is about
# I_N(x) / I_0(x) ~ exp(-N^2 / 2|x|): at N = 256 below float64 rounding for every |x| < 709,
# where sinh (like I0 itself, from |x| ~ 713) overflows.
# Pairing t with t + pi turns exp into sinh over half the nodes: I1 is then exactly odd.
_NODES = 256
_COS = np.cos(2 * np.pi * np.arange(_NODES // 2) / _NODES)


def bessel_i1(x):
    """I1(x), the derivative of I0, from numpy calls on ``x`` (arrays or tracers)."""
    cos = _COS.astype(x.dtype) if np.dtype(x.dtype).kind == "f" else _COS
    cos = device_constant(cos, x)
    samples = np.sinh(np.multiply.outer(x, cos)) * cos
    return np.sum(samples, axis=-1) * (2 / _NODES)


i0_p = Primitive("i0", lambda xp, x: xp.i0(x))
i0_p.def_jvp(lambda t, ans, x: t * bessel_i1(x))
i0_p.def_vjp(lambda ct, ans, x: ct * bessel_i1(x))

# the binary exponent of np.frexp: piecewise constant, so no derivative
frexp_exponent_p = Primitive("frexp_exponent", lambda xp, x: xp.frexp(x)[1], differentiable=False)
i0_p.def_batch_elementwise()
frexp_exponent_p.def_batch_elementwise()
