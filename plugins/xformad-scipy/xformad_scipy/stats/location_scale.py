"""The differentiable stand-in of a continuous distribution's method at x, loc, scale.

It follows scipy's rv_continuous wrappers: z = (x - loc) / scale; outside the support the
value is a constant; inside, the model's formula. The formula only ever sees valid
parameters (shapes > 0, scale > 0) and points inside the support (where-substitution), so
its derivative is finite there and the branch np.where does not take contributes exactly
zero. The derivative is

- the formula's inside the support (at its edges too: the one-sided derivative there);
- zero outside it, at infinite z and where a log-method's value is -inf (the constant
  0, 1 or -inf);
- NaN where scipy's value is NaN (invalid parameters, NaN x, gamma at x = inf), as finite
  differences would say.
"""

from __future__ import annotations

import numpy as np

from .arguments import as_float
from .models import Continuous

METHODS = ("pdf", "logpdf", "cdf", "logcdf", "sf", "logsf")


def nan_where_invalid(valid, *inputs):
    """0 where ``valid``, NaN elsewhere, with derivative NaN there and 0 where valid.

    A product with a constant mask, not NaN * x: the cotangent reaching an invalid element
    is NaN, and a valid element's stays 0 (0 * NaN would be NaN everywhere)."""
    poison = np.where(valid, 0.0, np.nan)
    return sum(np.where(valid, 0.0, v) for v in inputs) * poison  # (no inf * 0 where valid)


def stand_in(model: Continuous, method: str, x, shapes: tuple, loc, scale, value):
    """The composite at the call's arguments; ``value`` is scipy's result (NaN where the
    derivative is to be NaN too)."""
    x, loc, scale = as_float(x), as_float(loc), as_float(scale)
    shapes = tuple(as_float(s) for s in shapes)
    valid = scale > 0
    for s in shapes:
        valid = valid & (s > 0)
    scale_ok = np.where(valid, scale, 1.0)
    shapes_ok = tuple(np.where(valid, s, 1.0) for s in shapes)
    z = (x - loc) / scale_ok
    lower, upper = model.support
    inside = ((z > lower) if model.open_lower else (z >= lower)) & (z <= upper) & np.isfinite(z)
    z_ok = np.where(inside, z, model.inside)
    formula = _formula(model, method, z_ok, shapes_ok, scale_ok)
    if method.startswith("log"):  # the log of an underflowed 0 is a constant -inf too
        inside = inside & (formula > -np.inf)
    result = np.where(inside, formula, 0.0)  # outside: a constant, derivative zero
    ok = ~np.isnan(value)
    return np.where(ok, result, nan_where_invalid(ok, x, loc, scale, *shapes))


def _formula(model: Continuous, method: str, z, shapes: tuple, scale):
    if method == "logpdf":
        return model.logpdf(z, *shapes) - np.log(scale)
    if method == "pdf":
        return density(model.logpdf(z, *shapes)) / scale
    if method == "cdf":
        return model.cdf(z, *shapes)
    if method == "sf":
        return model.sf(z, *shapes)
    if method == "logcdf":
        return model.logcdf(z, *shapes) if model.logcdf else log_of(model.cdf(z, *shapes))
    if method == "logsf":
        return model.logsf(z, *shapes) if model.logsf else log_of(model.sf(z, *shapes))
    raise AssertionError(method)


def log_of(p):
    """log(p), -inf (without a warning) where p has underflowed to 0."""
    positive = p > 0
    return np.where(positive, np.log(np.where(positive, p, 1.0)), -np.inf)


def density(log_density):
    """exp(log_density), with derivative 0 where the density vanishes (log density -inf,
    at an edge of the support: 0 * inf would be NaN)."""
    positive = log_density > -np.inf
    return np.where(positive, np.exp(np.where(positive, log_density, 0.0)), 0.0)
