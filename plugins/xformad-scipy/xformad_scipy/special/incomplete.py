"""The regularized incomplete gamma and beta functions: gammainc(a, x), gammaincc(a, x)
and betainc(a, b, x), differentiable in every argument.

- In x the derivative is the density, in closed form: x^(a-1) e^-x / Gamma(a) and
  x^(a-1) (1-x)^(b-1) / B(a, b), written in log space with xlogy/xlog1py and gammaln/betaln
  (so x = 0 and a = 1 give no 0 * log 0).
- In the parameters a and b there is no closed form: the first and second derivatives come
  from a numerical method (series and continued fractions differentiated term by term,
  gamma_numerics.py and beta_numerics.py), each its own primitive, ``scipy.gammainc_da``
  and ``scipy.betainc_dab`` with the orders as parameters. Their derivatives in x are the
  density's parameter derivatives (closed form again); a third derivative in a parameter
  raises SpecialFunctionError.
"""

from __future__ import annotations

import numpy as np

from xformad.extend import Primitive, safe_mul

from ..errors import SpecialFunctionError
from .beta_numerics import betainc_ab_derivatives
from .functions import betaln_p, digamma_p, gammaln_p, polygamma_p, xlog1py_p, xlogy_p
from .gamma_numerics import gammainc_a_derivatives
from .host import float_result, on_host
from .table import add, special

MAX_PARAMETER_ORDER = 2  # what the numerical methods compute


def _beyond_second_order(call: str, parameters: str):
    raise SpecialFunctionError(
        f"scipy.special.{call}: third derivatives in {parameters} are not served (the "
        "parameter derivatives come from a numerical series, computed to second order). "
        f"Differentiate at most twice with respect to {parameters}; derivatives in x are "
        "served to any order."
    )


def _trigamma(x):
    return polygamma_p.bind(1, x)


# --- gammainc and gammaincc ------------------------------------------------------------
def _gamma_density(a, x, order: int = 0):
    """d/dx P(a, x) = exp((a - 1) log x - x - gammaln(a)), or its ``order``-th a-derivative."""
    density = np.exp(xlogy_p.bind(a - 1, x) - x - gammaln_p.bind(a))
    if order == 0:
        return density
    slope = np.log(x) - digamma_p.bind(a)  # d/da of the log-density
    if order == 1:
        return safe_mul(density, slope)  # 0, not 0 * -inf, where the density vanishes at x = 0
    return safe_mul(density, slope * slope - _trigamma(a))


def _gammainc_da_kernel(xp, a, x, *, order):
    return on_host(xp, lambda a, x: float_result(gammainc_a_derivatives(a, x)[order - 1], a, x), a, x)


gammainc_da_p = add(Primitive("scipy.gammainc_da", _gammainc_da_kernel))


def _gammainc_da_in_a(ans, a, x, *, order):
    if order >= MAX_PARAMETER_ORDER:
        _beyond_second_order("gammainc(a, x) and gammaincc(a, x)", "a")
    return gammainc_da_p.bind(a, x, order=order + 1)


gammainc_da_p.def_pointwise(_gammainc_da_in_a, lambda ans, a, x, *, order: _gamma_density(a, x, order))

gammainc_p = special("gammainc")
gammainc_p.def_pointwise(
    lambda ans, a, x: gammainc_da_p.bind(a, x, order=1), lambda ans, a, x: _gamma_density(a, x)
)
gammaincc_p = special("gammaincc")  # 1 - gammainc, computed directly by scipy where small
gammaincc_p.def_pointwise(
    lambda ans, a, x: -gammainc_da_p.bind(a, x, order=1), lambda ans, a, x: -_gamma_density(a, x)
)


# --- betainc --------------------------------------------------------------------------
def _beta_density(a, b, x, da: int = 0, db: int = 0):
    """d/dx I_x(a, b) = exp((a-1) log x + (b-1) log(1-x) - betaln(a, b)), or its
    (da, db)-th parameter derivative (da + db <= 2)."""
    density = np.exp(xlogy_p.bind(a - 1, x) + xlog1py_p.bind(b - 1, -x) - betaln_p.bind(a, b))
    if da + db == 0:
        return density
    psi_ab = digamma_p.bind(a + b)
    slope_a = np.log(x) - digamma_p.bind(a) + psi_ab  # d/da of the log-density
    slope_b = np.log1p(-x) - digamma_p.bind(b) + psi_ab
    if (da, db) == (1, 0):
        factor = slope_a
    elif (da, db) == (0, 1):
        factor = slope_b
    elif (da, db) == (2, 0):
        factor = slope_a * slope_a - _trigamma(a) + _trigamma(a + b)
    elif (da, db) == (1, 1):
        factor = slope_a * slope_b + _trigamma(a + b)
    else:
        factor = slope_b * slope_b - _trigamma(b) + _trigamma(a + b)
    return safe_mul(density, factor)


def _betainc_dab_kernel(xp, a, b, x, *, da, db):
    return on_host(
        xp, lambda a, b, x: float_result(betainc_ab_derivatives(a, b, x)[(da, db)], a, b, x), a, b, x
    )


betainc_dab_p = add(Primitive("scipy.betainc_dab", _betainc_dab_kernel))


def _one_more(argument: str):
    def rule(ans, a, b, x, *, da, db):
        if da + db >= MAX_PARAMETER_ORDER:
            _beyond_second_order("betainc(a, b, x)", "the parameters a and b (together)")
        return betainc_dab_p.bind(a, b, x, da=da + (argument == "a"), db=db + (argument == "b"))

    return rule


betainc_dab_p.def_pointwise(
    _one_more("a"), _one_more("b"), lambda ans, a, b, x, *, da, db: _beta_density(a, b, x, da, db)
)

betainc_p = special("betainc")
betainc_p.def_pointwise(
    lambda ans, a, b, x: betainc_dab_p.bind(a, b, x, da=1, db=0),
    lambda ans, a, b, x: betainc_dab_p.bind(a, b, x, da=0, db=1),
    lambda ans, a, b, x: _beta_density(a, b, x),
)
