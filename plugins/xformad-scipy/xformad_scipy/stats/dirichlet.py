"""scipy.stats.dirichlet: logpdf and pdf, differentiable in x and alpha.

Values and checks are scipy's (``exact.py``: x off the simplex, alpha <= 0, ... raise
scipy's ValueError); the derivatives are those of scipy's formula

    logpdf = sum_i xlogy(alpha_i - 1, x_i) - (sum_i gammaln(alpha_i) - gammaln(sum_i alpha_i)).

As in scipy the components are x's first axis, and x may leave out the last component,
which is then 1 minus the sum of the others (its derivative flows through that sum: the
derivative on the simplex). With all components given, the derivative in x is the formula's
partial derivatives, (alpha_i - 1) / x_i.

A frozen ``dirichlet(alpha)`` is scipy's own object (its checks run on traced alpha), whose
methods call the ones served here.
"""

from __future__ import annotations

import numpy as np
import scipy.special as sc

from .arguments import as_arrays, as_float, has_traced, squeeze
from .exact import scipy_value, with_derivative

SERVED = "logpdf, pdf"


def complete(x, alpha):
    """x with the left-out last component appended, as scipy's ``_dirichlet_check_input``."""
    if x.shape[0] == alpha.shape[0]:
        return x
    last = 1 - np.sum(x, 0)
    return np.concatenate([x, np.reshape(last, (1,) + np.shape(last))])


def log_density(x, alpha):
    alpha, x = as_float(alpha), as_float(x)
    x = complete(x, alpha)
    log_normalizer = np.sum(sc.gammaln(alpha)) - sc.gammaln(np.sum(alpha))
    return squeeze(-log_normalizer + np.sum(sc.xlogy(alpha - 1, x.T).T, 0))


def _method(method: str, x, alpha):
    call = f"scipy.stats.dirichlet.{method}"
    x, alpha = as_arrays(call, x, alpha)
    value = scipy_value(call, x, alpha)
    stand_in = log_density(x, alpha)
    return with_derivative(call, value, stand_in if method == "logpdf" else np.exp(stand_in))


def logpdf(dist, x, alpha):
    if not has_traced(x, alpha):
        return NotImplemented
    return _method("logpdf", x, alpha)


def pdf(dist, x, alpha):
    if not has_traced(x, alpha):
        return NotImplemented
    return _method("pdf", x, alpha)
