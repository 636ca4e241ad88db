"""scipy.special.zeta: the Riemann zeta function zeta(x) and the Hurwitz zeta function
zeta(x, q), intercepted (``zeta`` is a Python function choosing between two private
ufuncs, so a tracer never reaches a ufunc protocol).

Each form is a primitive whose kernel is scipy's own ``zeta`` (values bit for bit). The
derivative in q is -x zeta(x + 1, q), written with the primitive again, so it
differentiates to any order in q. scipy has no derivative of zeta in x (no closed form, no
kernel for the series of log(k + q) / (k + q)^x), so differentiating in x raises
SpecialFunctionError naming it, only when that derivative is actually asked for: the
function itself, and its derivatives in q, work with a traced x.
"""

from __future__ import annotations

import numpy as np

from xformad.extend import Primitive, is_traced

from ..errors import SpecialFunctionError
from .kernels import cupy_kernel, host_kernel
from .table import add, no_derivative, refuse

_X_WHY = "scipy has no derivative of zeta in x (it has no closed form and scipy no kernel for it)"
_X_INSTEAD = (
    "Pass x as a constant (or stop its gradient) and differentiate in q only: "
    "d/dq zeta(x, q) = -x * zeta(x + 1, q) is served."
)


def _primitive(name: str, kernels: dict) -> Primitive:
    p = add(Primitive(f"scipy.{name}", host_kernel("zeta"), kernels=kernels))
    p.def_batch_elementwise()
    return p


# zeta(x): scipy's _riemann_zeta (cupyx.scipy.special.zeta is the Hurwitz form only)
riemann_zeta_p = _primitive("riemann_zeta", {})
riemann_zeta_p.def_pointwise(None)
refuse(riemann_zeta_p, 0, no_derivative("zeta(x)", "x", _X_WHY, _X_INSTEAD))

hurwitz_zeta_p = _primitive("zeta", {"cupy": cupy_kernel("zeta")})  # zeta(x, q): scipy's _zeta
hurwitz_zeta_p.def_pointwise(None, lambda ans, x, q: -x * hurwitz_zeta_p.bind(x + 1, q))
refuse(hurwitz_zeta_p, 0, no_derivative("zeta(x, q)", "x", _X_WHY, _X_INSTEAD))


def zeta(x, q=None, out=None):
    """``scipy.special.zeta(x, q=None, out=None)`` for traced arguments: one primitive."""
    if not (is_traced(x) or is_traced(q)):
        return NotImplemented
    if out is not None:
        raise SpecialFunctionError(
            "scipy.special.zeta(..., out=...) is not served for traced values (a traced "
            "result cannot be written into an array): drop out= and use the returned value."
        )
    if q is None:
        return riemann_zeta_p.bind(np.asarray(x))
    return hurwitz_zeta_p.bind(np.asarray(x), np.asarray(q))
