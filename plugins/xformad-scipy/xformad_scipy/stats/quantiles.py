"""The quantile functions ``ppf`` and ``isf`` of the normal distribution on traced values.

scipy computes ``norm.ppf(q, loc, scale)`` as ``ndtri(q) * scale + loc`` and ``norm.isf``
as ``-ndtri(q) * scale + loc`` inside (0, 1) (rv_continuous.ppf/isf), with its constants at
q = 0 and 1 (-inf, inf) and NaN elsewhere. The value returned is scipy's own
(``exact.py``); the derivative is that of the composite below:

- in q: scale / pdf(ppf(q)) (``scipy.special.ndtri``'s derivative, served by the special
  family, times scale), the negative of it for isf;
- in loc: 1; in scale: the standardized quantile ndtri(q) (-ndtri(q) for isf);
- zero at q = 0 and 1 (the constants -inf and inf), NaN where scipy's value is NaN (q
  outside [0, 1], scale <= 0, NaN arguments).

The other distributions' ppf and isf keep raising StatsError (``refusals.py``).
"""

from __future__ import annotations

import numpy as np
import scipy.special as sc

from .arguments import as_arrays, as_float, has_traced
from .exact import scipy_value, with_derivative
from .location_scale import nan_where_invalid

METHODS = ("ppf", "isf")
SERVED = ("norm",)  # the distributions whose ppf and isf are served


def serves(dist) -> bool:
    """Whether ``dist`` is one whose quantile functions are served (scipy's own instance
    or one of its class with the default support)."""
    import scipy.stats

    name = getattr(dist, "name", None)
    if name not in SERVED:
        return False
    reference = getattr(scipy.stats, name)
    return type(dist) is type(reference) and (dist.a, dist.b) == (reference.a, reference.b)


def stand_in(method: str, q, loc, scale, value):
    """The differentiable composite of ``norm.<method>(q, loc, scale)``; ``value`` is
    scipy's result (NaN where the derivative is to be NaN too)."""
    q, loc, scale = as_float(q), as_float(loc), as_float(scale)
    valid = scale > 0
    scale_ok = np.where(valid, scale, 1.0)
    inside = (q > 0) & (q < 1)
    z = sc.ndtri(np.where(inside, q, 0.5))
    if method == "isf":
        z = -z
    result = np.where(inside, z * scale_ok + loc, 0.0)  # at q = 0, 1: a constant
    ok = ~np.isnan(value)
    return np.where(ok, result, nan_where_invalid(ok, q, loc, scale))


def quantile_method(method: str, refused):
    """The handler of rv_continuous.<method> (ppf or isf): served for norm, ``refused``
    (the refusing handler) for every other distribution."""

    def handler(dist, q, *args, **kwds):
        if not has_traced(q, args, kwds):
            return NotImplemented
        if not serves(dist):
            return refused(dist, q, *args, **kwds)
        call = f"scipy.stats.{dist.name}.{method}"
        _, loc, scale = dist._parse_args(*args, **kwds)  # scipy's parsing and TypeErrors
        q, loc, scale = as_arrays(call, q, loc, scale)
        value = scipy_value(call, q, loc, scale)
        return with_derivative(call, value, stand_in(method, q, loc, scale, value))

    handler.__name__ = method
    return handler
