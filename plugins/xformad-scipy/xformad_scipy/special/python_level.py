"""scipy.special functions written in Python rather than as ufuncs: ``polygamma`` and
``multigammaln``, intercepted (``registry.intercept``, in ``__init__.register_interceptions``).

numpy's protocols only show a tracer to ufuncs and ``__array_function__`` functions; these
two start with ``np.asarray(x)``, which a tracer refuses. While a trace is open, the module
attributes ``scipy.special.polygamma`` and ``.multigammaln`` are xformad's wrappers, which
call the handlers below (``NotImplemented``: scipy's own function runs); outside traces they
are scipy's own functions. ``xformad_scipy.polygamma`` works in and out of traces.
"""

from __future__ import annotations

import numpy as np

from xformad.extend import is_traced, original

from ..errors import SpecialFunctionError
from .functions import gammaln_p, polygamma_p


def polygamma_handler(n, x):
    """``scipy.special.polygamma(n, x)`` for traced arguments: one primitive."""
    if not (is_traced(n) or is_traced(x)):
        return NotImplemented
    return polygamma_p.bind(np.asarray(n), np.asarray(x))


def polygamma(n, x):
    """``scipy.special.polygamma`` that also accepts traced values, in and out of traces."""
    import scipy.special

    result = polygamma_handler(n, x)
    return original(scipy.special.polygamma)(n, x) if result is NotImplemented else result


def multigammaln(a, d):
    """``scipy.special.multigammaln(a, d)`` for traced ``a``: scipy's own sum of gammaln,
    written with numpy calls (the same numbers), differentiable in a to any order."""
    if is_traced(d):
        raise SpecialFunctionError(
            "scipy.special.multigammaln(a, d) has no derivative with respect to d, the "
            "dimension (an integer): pass d as a Python int."
        )
    if not is_traced(a):
        return NotImplemented
    a = np.asarray(a)
    d = np.asarray(d)[()]
    # scipy's own checks and messages (the domain check reads a's value: a guard under jit)
    if not np.isscalar(d) or (np.floor(d) != d):
        raise ValueError("d should be a positive integer (dimension)")
    if np.any(a <= 0.5 * (d - 1)):
        raise ValueError(f"condition a > 0.5 * (d-1) ({0.5 * (d - 1)}) not met")
    res = (d * (d - 1) * 0.25) * np.log(np.pi)
    shifted = np.stack([(a - (j - 1.0) / 2) for j in range(1, d + 1)])
    return res + np.sum(gammaln_p.bind(shifted), axis=0)
