"""The Poisson distribution's stand-ins (pmf, logpmf, cdf, logcdf, sf, logsf) in k, mu, loc.

Differentiable in the rate mu. The count k and the shift loc have no derivative (the pmf
lives on the integers, the cdf is a step function): they pass through ``counts_p``, whose
rule raises StatsError if a derivative with respect to them is asked for, so a traced k
is fine as long as nothing differentiates with respect to it.

As scipy: pmf = exp(xlogy(k, mu) - gammaln(k + 1) - mu) on integers k >= 0, 0 elsewhere;
cdf = pdtr(floor(k), mu) = gammaincc(floor(k) + 1, mu), sf = gammainc(floor(k) + 1, mu);
mu >= 0 is valid, mu < 0 gives NaN.
"""

from __future__ import annotations

import numpy as np
import scipy.special as sc

from xformad.extend import Primitive

from ..errors import StatsError
from .arguments import as_float
from .location_scale import density, log_of, nan_where_invalid


def _refuse(*args, **params):
    raise StatsError(
        "scipy.stats.poisson: the count k and loc have no derivative (the pmf lives on the "
        "integers and the cdf is a step function). Differentiate with respect to mu only: "
        "pass k and loc as constants, or hold them fixed in a closure."
    )


def _counts_kernel(xp, k, *, floor: bool):
    return xp.floor(k) if floor else k


# k where the formulas use it (floored for the cdf): the (co)tangent of k meets its rule in
# both modes (a separate np.floor would stop it, and give 0 silently)
counts_p = Primitive("scipy.stats.counts", _counts_kernel)
counts_p.def_jvp(_refuse)
counts_p.def_vjp(_refuse)
counts_p.def_batch_elementwise()

PRIMITIVES = [counts_p]

METHODS = ("pmf", "logpmf", "cdf", "logcdf", "sf", "logsf")


def _pmf_at_zero_rate(k, mu0):
    """The pmf where mu is 0, as its Taylor polynomial of degree 3 in mu: the value (1 at
    k = 0, else 0) and the one-sided derivatives there, to the third (mu^k e^-mu / k! has
    k log mu = -inf in log form, and mu**k has 0 * inf in its derivatives)."""
    m = mu0
    return np.where(
        k == 0,
        1 - m + m**2 / 2 - m**3 / 6,
        np.where(
            k == 1,
            m - m**2 + m**3 / 2,
            np.where(k == 2, m**2 / 2 - m**3 / 2, np.where(k == 3, m**3 / 6, 0 * m)),
        ),
    )


def stand_in(method: str, k, mu, loc, value):
    """The composite at the call's arguments; ``value`` is scipy's result (NaN where the
    derivative is to be NaN too)."""
    k = as_float(k) - as_float(loc)
    mu = as_float(mu)
    valid = mu >= 0
    mu_ok = np.where(valid, mu, 1.0)
    if method in ("pmf", "logpmf"):
        inside = (k >= 0) & (np.floor(k) == k) & np.isfinite(k)
        k_ok = counts_p.bind(np.where(inside, k, 0.0), floor=False)
        formula = _log_pmf(k_ok, mu_ok) if method == "logpmf" else _pmf(k_ok, mu_ok)
    else:
        inside = (k >= 0) & np.isfinite(k)
        count = counts_p.bind(np.where(inside, k, 0.0), floor=True) + 1
        formula = {
            "cdf": lambda: sc.gammaincc(count, mu_ok),
            "sf": lambda: sc.gammainc(count, mu_ok),
            "logcdf": lambda: log_of(sc.gammaincc(count, mu_ok)),
            "logsf": lambda: log_of(sc.gammainc(count, mu_ok)),
        }[method]()
    if method.startswith("log"):  # the log of an underflowed 0 is a constant -inf too
        inside = inside & (formula > -np.inf)
    result = np.where(inside, formula, 0.0)  # outside: a constant (0, 1 or -inf)
    ok = ~np.isnan(value)
    return np.where(ok, result, nan_where_invalid(ok, mu))


def _log_pmf(k, mu):
    return sc.xlogy(k, mu) - sc.gammaln(k + 1) - mu


def _pmf(k, mu):
    positive = mu > 0
    from_log = density(_log_pmf(k, np.where(positive, mu, 1.0)))
    return np.where(positive, from_log, _pmf_at_zero_rate(k, np.where(positive, 0.0, mu)))
